/*
 * sip_test_edge.c - behind a trusted edge proxy: the --edge list
 * (src/sip/edge.c), the real source of a request (X-Real-Source, only
 * from an edge), and Path (src/sip/path.c): collected from a REGISTER in
 * order, turned back into a route set.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"
#include "test.h"

/* a REGISTER with these extra header lines, from src, parsed by libre */
static int reg_msg(struct sip_msg **msgp, struct mbuf **mbp, const char *src,
		   const char *extra)
{
	struct mbuf *mb = mbuf_alloc(1024);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb,
			  "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP 127.0.0.1:25060;branch=z9hG4bK1\r\n"
			  "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK2;"
			  "rport=27001;received=127.0.0.7\r\n"
			  "From: <sip:1001@127.0.0.1>;tag=a1\r\n"
			  "To: <sip:1001@127.0.0.1>\r\n"
			  "Call-ID: edge-test\r\nCSeq: 3 REGISTER\r\n"
			  "Contact: <sip:1001@10.0.0.9:5060>\r\n"
			  "Max-Forwards: 70\r\n%s"
			  "Content-Length: 0\r\n\r\n",
			  extra);
	mb->pos = 0;
	if (!err)
		err = sip_msg_decode(msgp, mb);
	if (!err)
		err = sa_decode(&(*msgp)->src, src, strlen(src));
	if (err) {
		*msgp = mem_deref(*msgp);
		mem_deref(mb);
		return err;
	}
	*mbp = mb;
	return 0;
}

int test_sip_edge_parse(void)
{
	struct sa v[3], s;
	size_t n = 9;
	int err = 0;

	TEST_EQ_INT(sipedge_parse("", v, 3, &n), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(sipedge_parse("127.0.0.1:25060, 10.1.2.3", v, 3, &n), 0);
	TEST_EQ_INT(n, 2);
	TEST_EQ_INT(sa_port(&v[0]), 25060);
	TEST_EQ_INT(sa_port(&v[1]), 0);
	TEST_EQ_INT(sipedge_parse("[::1]:5060", v, 3, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(sa_af(&v[0]), AF_INET6);
	TEST_EQ_INT(sipedge_parse("edge.example", v, 3, &n), EINVAL);
	TEST_EQ_INT(sipedge_parse("1.2.3.4,,5.6.7.8", v, 3, &n), EINVAL);
	TEST_EQ_INT(sipedge_parse("1.2.3.4,", v, 3, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(sipedge_parse("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4", v, 3, &n),
		    E2BIG);

	/* with a port only that port; without, any */
	TEST_EQ_INT(sipedge_parse("127.0.0.1:25060,10.1.2.3", v, 3, &n), 0);
	TEST_EQ_INT(sa_set_str(&s, "127.0.0.1", 25060), 0);
	TEST_ASSERT(sipedge_match(v, n, &s));
	sa_set_port(&s, 25061);
	TEST_ASSERT(!sipedge_match(v, n, &s));
	TEST_EQ_INT(sa_set_str(&s, "10.1.2.3", 40000), 0);
	TEST_ASSERT(sipedge_match(v, n, &s));
	TEST_EQ_INT(sa_set_str(&s, "10.1.2.4", 40000), 0);
	TEST_ASSERT(!sipedge_match(v, n, &s));
	TEST_ASSERT(!sipedge_match(v, 0, &s));
out:
	return err;
}

int test_sip_edge_real(void)
{
	static const struct {
		const char *src, *extra;
		int err;
		const char *real;
	} t[] = {
	    /* from the edge: its header names the client */
	    {"127.0.0.1:25060", "X-Real-Source: 127.0.0.7:27001\r\n", 0,
	     "127.0.0.7:27001"},
	    {"127.0.0.1:25060", "x-real-source:  [::1]:5062 \r\n", 0,
	     "[::1]:5062"},
	    /* the last one counts (the edge appends its own) */
	    {"127.0.0.1:25060",
	     "X-Real-Source: 6.6.6.6:1\r\nX-Real-Source: 127.0.0.7:27001\r\n",
	     0, "127.0.0.7:27001"},
	    /* from the edge without one: the edge's own request */
	    {"127.0.0.1:25060", "", ENOENT, "127.0.0.1:25060"},
	    {"127.0.0.1:25060", "X-Real-Source: 127.0.0.7\r\n", EBADMSG,
	     "127.0.0.1:25060"},
	    {"127.0.0.1:25060", "X-Real-Source: nowhere:5060\r\n", EBADMSG,
	     "127.0.0.1:25060"},
	    /* from anyone else: ignored */
	    {"127.0.0.1:25061", "X-Real-Source: 127.0.0.7:27001\r\n", 0,
	     "127.0.0.1:25061"},
	    {"192.0.2.1:25060", "X-Real-Source: 127.0.0.7:27001\r\n", 0,
	     "192.0.2.1:25060"},
	};
	struct sa v[2], real, want;
	size_t n, i;
	int err = 0;

	TEST_EQ_INT(sipedge_parse("127.0.0.1:25060", v, 2, &n), 0);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct sip_msg *msg = NULL;
		struct mbuf *mb = NULL;
		int r;

		TEST_EQ_INT(reg_msg(&msg, &mb, t[i].src, t[i].extra), 0);
		r = sipedge_real(v, n, msg, &real);
		mem_deref(msg);
		mem_deref(mb);
		if (r != t[i].err)
			fprintf(stderr, "  row %zu\n", i);
		TEST_EQ_INT(r, t[i].err);
		TEST_EQ_INT(sa_decode(&want, t[i].real, strlen(t[i].real)), 0);
		TEST_ASSERT(sa_cmp(&real, &want, SA_ALL));
	}
out:
	return err;
}

int test_sip_path_collect(void)
{
	static const struct {
		const char *extra;
		int err;
		const char *path;
	} t[] = {
	    {"", 0, ""},
	    {"Path: <sip:edge@127.0.0.1:25060;lr;received=sip:127.0.0.7:27001>"
	     "\r\n",
	     0, "<sip:edge@127.0.0.1:25060;lr;received=sip:127.0.0.7:27001>"},
	    /* several headers and comma lists: all, in order */
	    {"Path: <sip:p1.example;lr>\r\nPath: <sip:p2.example;lr>\r\n", 0,
	     "<sip:p1.example;lr>, <sip:p2.example;lr>"},
	    {"Path: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n"
	     "Path: <sip:p3.example;lr>\r\n",
	     0,
	     "<sip:p1.example;lr>, <sip:p2.example;lr>, <sip:p3.example;lr>"},
	    {"Path: <tel:+4930123>\r\n", EBADMSG, ""},
	    {"Path: <sip:p1.example;lr>, garbage\r\n", EBADMSG, ""},
	};
	char buf[256], small[24];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct sip_msg *msg = NULL;
		struct mbuf *mb = NULL;
		int r;

		TEST_EQ_INT(reg_msg(&msg, &mb, "127.0.0.1:25060", t[i].extra),
			    0);
		r = sip_path_collect(msg, buf, sizeof(buf));
		if (i == 2 &&
		    sip_path_collect(msg, small, sizeof(small)) != ENOSPC)
			r = -1;
		mem_deref(msg);
		mem_deref(mb);
		if (r != t[i].err)
			fprintf(stderr, "  row %zu\n", i);
		TEST_EQ_INT(r, t[i].err);
		TEST_EQ_STR(buf, t[i].path);
	}
out:
	return err;
}

int test_sip_path_routes(void)
{
	char v[SIP_ROUTE_MAX][SIP_ROUTE_LEN];
	int err = 0;

	TEST_EQ_INT(sip_path_routes("", v, SIP_ROUTE_MAX), 0);
	TEST_EQ_INT(sip_path_routes("<sip:edge@127.0.0.1:25060;lr;received=sip:"
				    "127.0.0.7:27001>",
				    v, SIP_ROUTE_MAX),
		    1);
	TEST_EQ_STR(v[0],
		    "sip:edge@127.0.0.1:25060;received=sip:127.0.0.7:27001");
	TEST_EQ_INT(sip_path_routes("<sip:p1.example;lr>, \"a, b\" <sip:p2;LR>,"
				    "<sip:p3;lrx;lr>",
				    v, SIP_ROUTE_MAX),
		    3);
	TEST_EQ_STR(v[0], "sip:p1.example");
	TEST_EQ_STR(v[1], "sip:p2");
	TEST_EQ_STR(v[2], "sip:p3;lrx");
	/* no lr (a strict router): as it is */
	TEST_EQ_INT(sip_path_routes("<sip:p1.example:5070>", v, SIP_ROUTE_MAX),
		    1);
	TEST_EQ_STR(v[0], "sip:p1.example:5070");
	/* more than max: none rather than a route cut short */
	TEST_EQ_INT(sip_path_routes("<sip:a;lr>,<sip:b;lr>,<sip:c;lr>", v, 2),
		    0);
	TEST_EQ_INT(sip_path_routes("<sip:a;lr>,<", v, SIP_ROUTE_MAX), 0);
out:
	return err;
}
