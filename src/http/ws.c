/*
 * ws.c - the server side of WebSocket framing (RFC 6455) for the event
 * stream (events.c): the handshake's accept value, the frames we send
 * and the frames a client sends us.  Nothing else: the stream decides
 * what to send and when to close.
 *
 * Why not libre's websock: libre 1.1.0's websock_accept() takes over a
 * connection only from libre's own HTTP server (a struct http_conn: it
 * replies through http_reply(), then takes the TCP connection with
 * http_conn_tcp() and http_conn_close()), and a struct http_conn is made
 * by nothing but libre's listener, from a socket it accepted itself.
 * Our API listener is conn.c (it replaced libre's server to take large
 * bodies), so there is no http_conn to give it; no call of libre makes
 * one from a connected tcp_conn, and the frame codec behind
 * websock_accept() (websock_decode/encode) is static.  What remains to
 * write is this file; the handshake's SHA-1 is OpenSSL's and its base64
 * libre's, and the frame header fields are libre's struct websock_hdr.
 *
 * A server frame is never masked (5.1); a client frame must be, and is
 * unmasked in place.  Control frames (close, ping, pong) carry at most
 * 125 bytes and are never fragmented (5.5).
 */
#include <errno.h>
#include <string.h>
#include <openssl/evp.h>
#include "http/http_int.h"

static const char magic[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool ws_key_ok(const struct pl *key)
{
	uint8_t raw[18];
	size_t n = sizeof(raw), i;

	/* base64 of 16 random bytes: 24 characters, "==" at the end
	 * (libre's decoder skips what is not base64: checked here) */
	if (!key || key->l != 24 || key->p[22] != '=' || key->p[23] != '=')
		return false;
	for (i = 0; i < 22; i++) {
		char ch = key->p[i];
		if (!(ch >= 'A' && ch <= 'Z') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= '0' && ch <= '9') && ch != '+' && ch != '/')
			return false;
	}
	return !base64_decode(key->p, key->l, raw, &n) && n == 16;
}

int ws_accept_key(char *buf, size_t sz, const struct pl *key)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx;
	size_t n = sz ? sz - 1 : 0;
	int err = 0;

	if (!buf || sz < WS_ACCEPT_SZ || !key)
		return EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ENOMEM;
	if (!EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) ||
	    !EVP_DigestUpdate(ctx, key->p, key->l) ||
	    !EVP_DigestUpdate(ctx, magic, sizeof(magic) - 1) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 20)
		err = EPROTO;
	EVP_MD_CTX_free(ctx);
	if (!err)
		err = base64_encode(md, mdlen, buf, &n);
	if (!err)
		buf[n] = '\0';
	return err;
}

size_t ws_frame_head(uint8_t *buf, enum websock_opcode op, size_t n)
{
	size_t h = n > 0xffff ? 10 : n > 125 ? 4 : 2, i;

	if (!buf)
		return h;
	buf[0] = 0x80 | (op & 0x0f);
	if (h == 2) {
		buf[1] = (uint8_t)n;
		return h;
	}
	buf[1] = h == 4 ? 126 : 127;
	for (i = h; i > 2; i--) {
		buf[i - 1] = (uint8_t)n;
		n >>= 8;
	}
	return h;
}

int ws_frame_write(struct mbuf *mb, enum websock_opcode op, const uint8_t *p,
		   size_t n)
{
	uint8_t head[WS_HEAD_MAX];
	size_t h;
	int err;

	if (!mb || (n && !p))
		return EINVAL;
	if (op >= WEBSOCK_CLOSE && n > 125)
		return EMSGSIZE;
	h = ws_frame_head(head, op, n);
	err = mbuf_write_mem(mb, head, h);
	if (n)
		err |= mbuf_write_mem(mb, p, n);
	return err;
}

int ws_close_write(struct mbuf *mb, uint16_t scode, const char *reason)
{
	uint8_t p[125];
	size_t n = reason ? strlen(reason) : 0;

	if (n > sizeof(p) - 2)
		n = sizeof(p) - 2;
	p[0] = (uint8_t)(scode >> 8);
	p[1] = (uint8_t)scode;
	if (n)
		memcpy(p + 2, reason, n);
	return ws_frame_write(mb, WEBSOCK_CLOSE, p, n + 2);
}

int ws_frame_read(struct mbuf *mb, struct websock_hdr *hdr, size_t max)
{
	size_t start, i, left;
	uint8_t v, *p;

	if (!mb || !hdr)
		return EINVAL;
	start = mb->pos;
	if (mbuf_get_left(mb) < 2)
		return ENODATA;
	v = mbuf_read_u8(mb);
	hdr->fin = v >> 7 & 1;
	hdr->rsv1 = v >> 6 & 1;
	hdr->rsv2 = v >> 5 & 1;
	hdr->rsv3 = v >> 4 & 1;
	hdr->opcode = v & 0x0f;
	v = mbuf_read_u8(mb);
	hdr->mask = v >> 7 & 1;
	hdr->len = v & 0x7f;

	if (hdr->rsv1 || hdr->rsv2 || hdr->rsv3 || !hdr->mask)
		goto proto;
	switch (hdr->opcode) {
	case WEBSOCK_CONT:
	case WEBSOCK_TEXT:
	case WEBSOCK_BIN:
		break;
	case WEBSOCK_CLOSE:
	case WEBSOCK_PING:
	case WEBSOCK_PONG:
		if (!hdr->fin || hdr->len > 125)
			goto proto;
		break;
	default:
		goto proto;
	}
	if (hdr->len == 126) {
		if (mbuf_get_left(mb) < 2)
			goto more;
		hdr->len = ntohs(mbuf_read_u16(mb));
	}
	else if (hdr->len == 127) {
		if (mbuf_get_left(mb) < 8)
			goto more;
		hdr->len = sys_ntohll(mbuf_read_u64(mb));
	}
	if (hdr->len > max) {
		mb->pos = start;
		return EMSGSIZE;
	}
	left = mbuf_get_left(mb);
	if (left < 4 || left - 4 < hdr->len)
		goto more;
	(void)mbuf_read_mem(mb, hdr->mkey, 4);
	for (i = 0, p = mbuf_buf(mb); i < hdr->len; i++)
		p[i] ^= hdr->mkey[i % 4];
	return 0;

more:
	mb->pos = start;
	return ENODATA;
proto:
	mb->pos = start;
	return EPROTO;
}

int ws_frames_in(struct mbuf **inp, struct mbuf *mb, size_t hint, size_t max,
		 ws_frame_h *h, void *arg)
{
	struct websock_hdr hdr;
	struct mbuf *in;
	size_t n;
	int err;

	if (!inp || !mb || !h)
		return EINVAL;
	if (!*inp)
		*inp = mbuf_alloc(hint);
	in = *inp;
	if (!in)
		return ENOMEM;
	in->pos = in->end;
	err = mbuf_write_mem(in, mbuf_buf(mb), mbuf_get_left(mb));
	in->pos = 0;
	while (!err && mbuf_get_left(in)) {
		err = ws_frame_read(in, &hdr, max);
		if (err)
			break;
		if (!h(&hdr, mbuf_buf(in), arg))
			return ECANCELED;
		mbuf_advance(in, (ssize_t)hdr.len);
	}
	if (!err || err == ENODATA) {
		/* keep the rest at the start of the buffer */
		n = mbuf_get_left(in);
		memmove(in->buf, mbuf_buf(in), n);
		in->pos = 0;
		in->end = n;
		return 0;
	}
	mbuf_reset(in);
	return err;
}
