/*
 * sip_test_info.c - digits in SIP INFO bodies (src/sip/info.c): whole
 * INFO requests, parsed by libre, with the bodies phones send, bodies
 * that do not parse, and other content types.
 */
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"
#include "test.h"

/* an INFO request with this Content-Type (none if NULL) and body, parsed
 * by libre and then by sip_info_digit */
static int info_digit(const char *ctype, const char *body, char *digit)
{
	struct mbuf *mb = mbuf_alloc(1024);
	struct sip_msg *msg = NULL;
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb,
			  "INFO sip:1002@127.0.0.1 SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK7\r\n"
			  "From: <sip:1001@127.0.0.1>;tag=a1\r\n"
			  "To: <sip:1002@127.0.0.1>;tag=b2\r\n"
			  "Call-ID: info-test\r\nCSeq: 3 INFO\r\n"
			  "Max-Forwards: 70\r\n%s%s%s"
			  "Content-Length: %zu\r\n\r\n%s",
			  ctype ? "Content-Type: " : "", ctype ? ctype : "",
			  ctype ? "\r\n" : "", strlen(body), body);
	mb->pos = 0;
	if (!err)
		err = sip_msg_decode(&msg, mb);
	if (!err)
		err = sip_info_digit(msg, digit);
	mem_deref(msg);
	mem_deref(mb);
	return err;
}

#define RELAY "application/dtmf-relay"
#define PLAIN "application/dtmf"

int test_sip_info_digit(void)
{
	static const struct {
		const char *ctype, *body;
		int err;
		char digit; /* '?': unchanged */
	} v[] = {
	    /* application/dtmf-relay */
	    {RELAY, "Signal=5\r\nDuration=160\r\n", 0, '5'},
	    {RELAY, "Signal=5\r\nDuration=160", 0, '5'},
	    {RELAY, "signal = #\r\nduration = 100\r\n", 0, '#'},
	    {RELAY, "SIGNAL=*\r\n", 0, '*'},
	    {RELAY, " Signal=\ta \r\n", 0, 'A'},
	    {RELAY, "Duration=250\r\nSignal=D\r\n", 0, 'D'},
	    {RELAY, "\r\nSignal=0\n\nDuration=100\n", 0, '0'},
	    {RELAY, "Signal=11\r\nDuration=160", 0, '#'},
	    {RELAY, "Signal=3\r\nSignal=4\r\n", 0, '3'},
	    {"Application/DTMF-Relay", "Signal=9\r\n", 0, '9'},
	    {RELAY ";charset=utf-8", "Signal=1\r\n", 0, '1'},
	    {RELAY, "", EPROTO, '?'},
	    {RELAY, "Duration=160\r\n", EPROTO, '?'},
	    {RELAY, "Signal=\r\nDuration=160\r\n", EPROTO, '?'},
	    {RELAY, "Signal=E\r\n", EPROTO, '?'},
	    {RELAY, "Signal=16\r\n", EPROTO, '?'},
	    {RELAY, "Signal=55\r\n", EPROTO, '?'},
	    {RELAY, "Signal=5 6\r\n", EPROTO, '?'},
	    {RELAY, "Signal 5\r\n", EPROTO, '?'},
	    {RELAY, "Signal==5\r\n", EPROTO, '?'},
	    {RELAY, "hello\r\nSignal=5\r\n", EPROTO, '?'},
	    {RELAY, "Signal=5\r\nDuration 160\r\n", EPROTO, '?'},
	    /* application/dtmf */
	    {PLAIN, "5", 0, '5'},
	    {PLAIN, " 7\r\n", 0, '7'},
	    {PLAIN, "10", 0, '*'},
	    {PLAIN, "11\r\n", 0, '#'},
	    {PLAIN, "15", 0, 'D'},
	    {PLAIN, "b", 0, 'B'},
	    {PLAIN, "#", 0, '#'},
	    {PLAIN, "", EPROTO, '?'},
	    {PLAIN, "\r\n", EPROTO, '?'},
	    {PLAIN, "12#", EPROTO, '?'},
	    {PLAIN, "5 5", EPROTO, '?'},
	    {PLAIN, "x", EPROTO, '?'},
	    {PLAIN, "16", EPROTO, '?'},
	    {PLAIN, "Signal=5", EPROTO, '?'},
	    /* other content types, or none */
	    {"text/plain", "5", ENOTSUP, '?'},
	    {"application/sdp", "v=0\r\n", ENOTSUP, '?'},
	    {"application/dtmf-relayx", "Signal=5\r\n", ENOTSUP, '?'},
	    {"application/dtmfx", "5", ENOTSUP, '?'},
	    {NULL, "", ENOTSUP, '?'},
	    {NULL, "Signal=5\r\n", ENOTSUP, '?'},
	};
	size_t i;
	char d;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int r;

		d = '?';
		r = info_digit(v[i].ctype, v[i].body, &d);
		if (r != v[i].err || d != v[i].digit)
			fprintf(stderr, "  row %zu: %s \"%s\": %d '%c'\n", i,
				v[i].ctype ? v[i].ctype : "(none)", v[i].body,
				r, d);
		TEST_EQ_INT(r, v[i].err);
		TEST_EQ_INT(d, v[i].digit);
	}
	TEST_EQ_INT(sip_info_digit(NULL, &d), EINVAL);
out:
	return err;
}
