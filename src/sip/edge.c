/*
 * edge.c - Switchboard behind a trusted SIP edge proxy (Kamailio, see
 * contrib/kamailio/ and README "Behind an edge").
 *
 * Behind an edge every request comes from the edge's address, so what
 * this node would learn from the source of a request - where a phone
 * sits behind its NAT, who to block after wrong passwords, which carrier
 * sends an INVITE - has to come from the edge.  --edge lists the edge's
 * addresses ("ip" matches any port, "ip:port" only that one; on one
 * machine, where phones and edge share 127.0.0.1, give the port).  For
 * requests from there:
 *
 *   - the edge adds "X-Real-Source: ip:port", the address it received
 *     the request from (contrib/kamailio/kamailio.cfg removes any such
 *     header a client sent, then appends its own); we take the last one.
 *     From anyone else the header is ignored: a client cannot claim
 *     another's address.
 *   - nat.c leaves the Contact alone (the edge runs nathelper and Path),
 *
 * The header rather than the client's Via received/rport: the edge sets
 * received only when the Via's host differs from the source, so a client
 * could write a received of its choice into its own Via; the header is
 * wholly the edge's.  A request from the edge without the header (its
 * own OPTIONS probes) counts as the edge's own.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

int sipedge_parse(const char *list, struct sa *v, size_t max, size_t *n)
{
	const char *p = list;

	if (!list || !v || !n)
		return EINVAL;
	*n = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		struct pl pl;
		struct sa sa;

		pl.p = p;
		pl.l = len;
		while (pl.l && (*pl.p == ' ' || *pl.p == '\t')) {
			++pl.p;
			--pl.l;
		}
		while (pl.l &&
		       (pl.p[pl.l - 1] == ' ' || pl.p[pl.l - 1] == '\t'))
			--pl.l;
		if (!pl.l)
			return EINVAL;
		/* "ip:port", "[v6]:port", or a bare address (any port) */
		if (sa_decode(&sa, pl.p, pl.l) && sa_set(&sa, &pl, 0))
			return EINVAL;
		if (*n >= max)
			return E2BIG;
		v[(*n)++] = sa;
		p += len;
		if (*p == ',')
			++p;
	}
	return 0;
}

bool sipedge_match(const struct sa *v, size_t n, const struct sa *src)
{
	size_t i;

	if (!v || !src)
		return false;
	for (i = 0; i < n; i++) {
		if (!sa_cmp(&v[i], src, SA_ADDR))
			continue;
		if (!sa_port(&v[i]) || sa_port(&v[i]) == sa_port(src))
			return true;
	}
	return false;
}

static bool last_hdr_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		       void *arg)
{
	const struct sip_hdr **last = arg;
	(void)msg;

	*last = hdr;
	return false;
}

int sipedge_real(const struct sa *v, size_t n, const struct sip_msg *msg,
		 struct sa *src)
{
	const struct sip_hdr *h = NULL;
	struct pl pl;
	struct sa sa;

	if (!msg || !src)
		return EINVAL;
	*src = msg->src;
	if (!sipedge_match(v, n, &msg->src))
		return 0;
	(void)sip_msg_xhdr_apply(msg, true, SIP_EDGE_HDR, last_hdr_h, &h);
	if (!h)
		return ENOENT;
	pl = h->val;
	while (pl.l && (pl.p[pl.l - 1] == ' ' || pl.p[pl.l - 1] == '\t'))
		--pl.l;
	if (sa_decode(&sa, pl.p, pl.l) || !sa_port(&sa))
		return EBADMSG;
	*src = sa;
	return 0;
}

int sipedge_init(struct sipsrv *srv)
{
	size_t n = 0;
	int err;

	err = sipedge_parse(srv->cfg->edge, srv->edgev, ARRAY_SIZE(srv->edgev),
			    &n);
	if (err) {
		warning("sip: --edge '%s': not a list of ip or ip:port (at "
			"most %zu)\n",
			srv->cfg->edge, ARRAY_SIZE(srv->edgev));
		return EINVAL;
	}
	srv->edgec = n;
	if (n)
		info("sip: behind an edge: %s (no NAT fixing, clients by "
		     "%s)\n",
		     srv->cfg->edge, SIP_EDGE_HDR);
	return 0;
}

bool sipedge_is(const struct sipsrv *srv, const struct sa *src)
{
	return srv && sipedge_match(srv->edgev, srv->edgec, src);
}

void sipedge_source(const struct sipsrv *srv, const struct sip_msg *msg,
		    struct sa *src)
{
	int err;

	if (!srv) {
		*src = msg->src;
		return;
	}
	err = sipedge_real(srv->edgev, srv->edgec, msg, src);
	if (err == EBADMSG)
		info("sip: %J: bad %s from the edge, taken as the edge's "
		     "own\n",
		     &msg->src, SIP_EDGE_HDR);
}
