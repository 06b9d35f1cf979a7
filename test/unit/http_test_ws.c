/*
 * http_test_ws.c - the WebSocket framing of the event stream
 * (http/ws.c) against RFC 6455: the handshake's accept value (1.3), the
 * frames we send with each length encoding (5.2), the masked frames a
 * client sends (5.3, 5.7) whole and cut at every byte, and every frame
 * the server must refuse.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "http/http_int.h"
#include "test.h"

int test_ws_handshake(void)
{
	struct pl key = PL("dGhlIHNhbXBsZSBub25jZQ==");
	struct pl bad1 = PL("dGhlIHNhbXBsZSBub25jZQ"); /* 22 characters */
	struct pl bad2 = PL("c2hvcnQ=");
	struct pl bad3 = PL("dGhlIHNhbXBsZSBub25jZ!==");
	char buf[WS_ACCEPT_SZ];
	int err = 0;

	TEST_ASSERT(ws_key_ok(&key));
	TEST_ASSERT(!ws_key_ok(&bad1));
	TEST_ASSERT(!ws_key_ok(&bad2));
	TEST_ASSERT(!ws_key_ok(&bad3));
	TEST_ASSERT(!ws_key_ok(NULL));
	TEST_EQ_INT(ws_accept_key(buf, sizeof(buf), &key), 0);
	TEST_EQ_STR(buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	TEST_EQ_INT(ws_accept_key(buf, WS_ACCEPT_SZ - 1, &key), EINVAL);
out:
	return err;
}

/* frame of n bytes 'x': its header bytes */
static int head_is(size_t n, const uint8_t *want, size_t wn)
{
	struct mbuf *mb = mbuf_alloc(n + 16);
	uint8_t *p = mem_zalloc(n ? n : 1, NULL);
	int err = 0;

	TEST_ASSERT(mb && p);
	memset(p, 'x', n);
	TEST_EQ_INT(ws_frame_write(mb, WEBSOCK_TEXT, p, n), 0);
	TEST_EQ_INT(mb->end, wn + n);
	TEST_ASSERT(!memcmp(mb->buf, want, wn));
	TEST_EQ_INT(ws_frame_head(NULL, WEBSOCK_TEXT, n), wn);
out:
	mem_deref(mb);
	mem_deref(p);
	return err;
}

int test_ws_frame_write(void)
{
	static const uint8_t h0[] = {0x81, 0};
	static const uint8_t h125[] = {0x81, 125};
	static const uint8_t h126[] = {0x81, 126, 0, 126};
	static const uint8_t h65535[] = {0x81, 126, 0xff, 0xff};
	static const uint8_t h65536[] = {0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0};
	static const uint8_t close[] = {0x88, 6,   0x03, 0xf0,
					's',  'l', 'o',  'w'};
	uint8_t big[126];
	struct mbuf *mb = NULL;
	int err = 0;

	TEST_EQ_INT(head_is(0, h0, sizeof(h0)), 0);
	TEST_EQ_INT(head_is(125, h125, sizeof(h125)), 0);
	TEST_EQ_INT(head_is(126, h126, sizeof(h126)), 0);
	TEST_EQ_INT(head_is(65535, h65535, sizeof(h65535)), 0);
	TEST_EQ_INT(head_is(65536, h65536, sizeof(h65536)), 0);

	mb = mbuf_alloc(64);
	TEST_ASSERT(mb);
	TEST_EQ_INT(ws_close_write(mb, 1008, "slow"), 0);
	TEST_EQ_INT(mb->end, sizeof(close));
	TEST_ASSERT(!memcmp(mb->buf, close, sizeof(close)));
	memset(big, 'x', sizeof(big));
	TEST_EQ_INT(ws_frame_write(mb, WEBSOCK_PING, big, 126), EMSGSIZE);
	TEST_EQ_INT(ws_frame_write(mb, WEBSOCK_PING, big, 125), 0);
	/* a long reason is cut so that the frame stays a control frame */
	mbuf_reset(mb);
	TEST_EQ_INT(ws_close_write(mb, 1000,
				   "a reason far longer than a control frame "
				   "may carry: one hundred and twenty-five "
				   "bytes at most, status code included, so "
				   "this is cut"),
		    0);
	TEST_EQ_INT(mb->end, 2 + 125);
	TEST_EQ_INT(ws_frame_write(NULL, WEBSOCK_TEXT, big, 1), EINVAL);
	TEST_EQ_INT(ws_frame_write(mb, WEBSOCK_TEXT, NULL, 1), EINVAL);
out:
	mem_deref(mb);
	return err;
}

static struct mbuf *bytes(const uint8_t *p, size_t n)
{
	struct mbuf *mb = mbuf_alloc(n + 1);

	if (mb) {
		(void)mbuf_write_mem(mb, p, n);
		mb->pos = 0;
	}
	return mb;
}

/* p, n as a client sent it: the result of ws_frame_read */
static int read_of(const uint8_t *p, size_t n, size_t max)
{
	struct websock_hdr hdr;
	struct mbuf *mb = bytes(p, n);
	int r;

	if (!mb)
		return ENOMEM;
	r = ws_frame_read(mb, &hdr, max);
	if (r && mb->pos != 0)
		r = -1; /* an error must not move pos */
	mem_deref(mb);
	return r;
}

int test_ws_frame_read(void)
{
	/* RFC 6455 5.7: a masked "Hello", then an unmasked ping */
	static const uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58};
	static const uint8_t unmasked[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
	static const uint8_t rsv[] = {0xc1, 0x80, 1, 2, 3, 4};
	static const uint8_t opcode3[] = {0x83, 0x80, 1, 2, 3, 4};
	static const uint8_t ping_frag[] = {0x09, 0x80, 1, 2, 3, 4};
	static const uint8_t ping_long[] = {0x89, 0xfe, 0, 126, 1, 2, 3, 4};
	struct websock_hdr hdr;
	struct mbuf *mb = NULL;
	uint8_t two[2 * sizeof(hello)], big[4 + 300 + 4];
	size_t i;
	int err = 0;

	mb = bytes(hello, sizeof(hello));
	TEST_ASSERT(mb);
	TEST_EQ_INT(ws_frame_read(mb, &hdr, 4096), 0);
	TEST_EQ_INT(hdr.opcode, WEBSOCK_TEXT);
	TEST_EQ_INT(hdr.fin, 1);
	TEST_EQ_INT(hdr.len, 5);
	TEST_EQ_INT(mb->pos, 6);
	TEST_ASSERT(!memcmp(mbuf_buf(mb), "Hello", 5));
	mb = mem_deref(mb);

	/* cut anywhere: more is needed, nothing consumed */
	for (i = 0; i < sizeof(hello); i++)
		TEST_EQ_INT(read_of(hello, i, 4096), ENODATA);

	/* two frames in one buffer: one at a time */
	memcpy(two, hello, sizeof(hello));
	memcpy(two + sizeof(hello), hello, sizeof(hello));
	mb = bytes(two, sizeof(two));
	TEST_ASSERT(mb);
	TEST_EQ_INT(ws_frame_read(mb, &hdr, 4096), 0);
	mbuf_advance(mb, (ssize_t)hdr.len);
	TEST_EQ_INT(ws_frame_read(mb, &hdr, 4096), 0);
	TEST_ASSERT(!memcmp(mbuf_buf(mb), "Hello", 5));
	mbuf_advance(mb, (ssize_t)hdr.len);
	TEST_EQ_INT(mbuf_get_left(mb), 0);
	mb = mem_deref(mb);

	/* a 300-byte binary frame: 16-bit length, zero mask key */
	memset(big, 0, sizeof(big));
	big[0] = 0x82;
	big[1] = 0x80 | 126;
	big[2] = 300 >> 8;
	big[3] = 300 & 0xff;
	TEST_EQ_INT(read_of(big, sizeof(big), 4096), 0);
	TEST_EQ_INT(read_of(big, sizeof(big), 299), EMSGSIZE);
	TEST_EQ_INT(read_of(big, sizeof(big) - 1, 4096), ENODATA);

	TEST_EQ_INT(read_of(unmasked, sizeof(unmasked), 4096), EPROTO);
	TEST_EQ_INT(read_of(rsv, sizeof(rsv), 4096), EPROTO);
	TEST_EQ_INT(read_of(opcode3, sizeof(opcode3), 4096), EPROTO);
	TEST_EQ_INT(read_of(ping_frag, sizeof(ping_frag), 4096), EPROTO);
	TEST_EQ_INT(read_of(ping_long, sizeof(ping_long), 4096), EPROTO);
	TEST_EQ_INT(ws_frame_read(NULL, &hdr, 1), EINVAL);
out:
	mem_deref(mb);
	return err;
}
