/*
 * conn.c - the TCP connections of the API listener: requests in, replies
 * out.  Parsing a request head is libre's (http_msg_decode); what this
 * file adds over libre's http_listen() is the body.
 *
 * libre 1.1.0's HTTP server keeps a whole request in memory and, past
 * 512 KiB (its BUFSIZE_MAX), closes the connection without a word; a
 * prompt upload of several megabytes could neither arrive nor be refused
 * with a 413.  Here each request head is shown to the server first
 * (headh), which says how large a body that route takes:
 *
 *   head  --clen <= limit--> [body] --clen bytes--> reqh(msg with body)
 *         --clen >  limit--> reqh(msg without body) --> [drain] clen
 *                            bytes read and dropped, so the reply (413)
 *                            reaches a client that is still sending
 *
 * After a reply the next request of the connection follows (keep-alive,
 * pipelining), unless the server took the connection for another
 * protocol (api_conn_take(): the WebSocket event stream, events.c).
 * "Expect: 100-continue" is answered with 100 when the body is taken.
 *
 * A connection closes after a reply (which then says "Connection: close")
 * when the request asked for it (Connection: close), came as HTTP/1.0, or
 * could not be read: a malformed head gets 400, a head larger than
 * HEAD_MAX 431, a chunked body 411 (not supported: send a
 * Content-Length), each with a JSON error.  Closing is polite: the reply
 * is sent out first, then our side is shut down, and the socket closes
 * when the client closes its side or after LINGER.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "http/http_int.h"

enum {
	HEAD_MAX = 65536,                /* [bytes] request line + headers */
	TIMEOUT_INIT = 10000,            /* [ms] connected, nothing sent   */
	TIMEOUT_IO = 60000,              /* [ms] within a request          */
	TIMEOUT_IDLE = 600000,           /* [ms] between requests          */
	TXQ_MAX = 32 * 1024 * 1024,      /* [bytes] replies queued at most */
	LINGER = 2000,                   /* [ms] after our last reply      */
	DRAIN_POLL = 20,                 /* [ms] until that reply is out   */
	HELD_MAX = 2 * 65536 + HEAD_MAX, /* [bytes] pipelined while held */
};

struct api_lsnr {
	struct tcp_sock *ts;
	struct tls *tls; /* (owned) HTTPS: TLS on every connection */
	struct list conns;
	api_conn_head_h *headh;
	api_conn_req_h *reqh;
	void *arg;
};

struct api_conn {
	struct le le;          /* in lsnr->conns                      */
	struct tmr tmr;        /* timeouts                            */
	struct api_lsnr *lsnr; /* (weak) NULL once closed             */
	struct tcp_conn *tc;   /* (owned) NULL once closed            */
	struct tls_conn *sc;   /* (owned) its TLS layer (HTTPS)       */
	struct mbuf *in;       /* (owned) bytes of a head to come     */
	struct http_msg *msg;  /* (owned) request whose body comes    */
	struct mbuf *body;     /* (owned) its body so far             */
	uint64_t clen;         /* [bytes] its Content-Length          */
	uint64_t drain;        /* [bytes] of a refused body to drop   */
	bool discard;          /* closing: all input dropped          */
	bool close_after;      /* the next final reply is the last    */
	bool shut;             /* our side is shut down               */
	uint32_t waited;       /* [ms] for the last reply to go out   */
	bool held;             /* a reply comes later: the next
				  request waits in `in` (defer.c)     */
};

static void conn_close(struct api_conn *c)
{
	list_unlink(&c->le);
	tmr_cancel(&c->tmr);
	c->sc = mem_deref(c->sc); /* the TLS layer goes before its TCP */
	c->tc = mem_deref(c->tc);
	c->lsnr = NULL;
}

static void conn_destructor(void *arg)
{
	struct api_conn *c = arg;

	conn_close(c);
	mem_deref(c->in);
	mem_deref(c->msg);
	mem_deref(c->body);
}

static void timeout_h(void *arg)
{
	struct api_conn *c = arg;

	conn_close(c);
	mem_deref(c);
}

static void close_h(int err, void *arg)
{
	struct api_conn *c = arg;

	(void)err;
	conn_close(c);
	mem_deref(c);
}

/* Closing, after the last reply: once it has left our queue, our side is
 * shut down (the client reads it whole, then EOF), and the socket closes
 * when the client closes its side or after LINGER. */
static void closing_h(void *arg)
{
	struct api_conn *c = arg;

	if (!c->tc)
		return;
	if (tcp_conn_txqsz(c->tc) && c->waited < TIMEOUT_IO) {
		c->waited += DRAIN_POLL;
		tmr_start(&c->tmr, DRAIN_POLL, closing_h, c);
		return;
	}
	(void)shutdown(tcp_conn_fd(c->tc), SHUT_WR);
	c->shut = true;
	tmr_start(&c->tmr, LINGER, timeout_h, c);
}

static void closing_start(struct api_conn *c)
{
	c->discard = true;
	tmr_start(&c->tmr, 0, closing_h, c);
}

/* Does msg ask for the connection to close after its reply: HTTP/1.0
 * (keep-alive of 1.0 is not offered), or a "close" token in Connection. */
static bool wants_close(const struct http_msg *msg)
{
	struct le *le;

	if (pl_strcmp(&msg->ver, "1.1"))
		return true;
	for (le = msg->hdrl.head; le; le = le->next) {
		const struct http_hdr *h = le->data;
		struct pl v = h->val, tok;

		if (h->id != HTTP_HDR_CONNECTION)
			continue;
		while (!re_regex(v.p, v.l, "[ \t,]*[^ \t,]+", NULL, &tok)) {
			if (!pl_strcasecmp(&tok, "close"))
				return true;
			v.l -= (size_t)(tok.p + tok.l - v.p);
			v.p = tok.p + tok.l;
		}
	}
	return false;
}

uint64_t api_content_length(const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_CONTENT_LENGTH);

	if (!h)
		return 0;
	if (h->val.l > 18)
		return UINT64_MAX;
	return pl_u64(&h->val);
}

static bool expects_continue(const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_EXPECT);

	return h && !pl_strcasecmp(&h->val, "100-continue");
}

/* The request of c is whole (or refused): hand it to the server. */
static void deliver(struct api_conn *c)
{
	struct http_msg *msg = c->msg;
	struct api_lsnr *l = c->lsnr;

	c->msg = NULL;
	c->close_after = wants_close(msg);
	if (c->body) {
		mem_deref(msg->mb);
		msg->mb = c->body;
		msg->mb->pos = 0;
		c->body = NULL;
	}
	if (l)
		l->reqh(c, msg, l->arg);
	mem_deref(msg);
	if (c->tc && !c->discard)
		tmr_start(&c->tmr, TIMEOUT_IDLE, timeout_h, c);
}

/* A request that cannot be read: its answer, then the connection closes. */
static int refuse(struct api_conn *c, uint16_t scode, const char *reason,
		  const char *error)
{
	c->close_after = true;
	return api_conn_reply(c, scode, reason,
			      "Content-Type: application/json\r\n"
			      "Content-Length: %zu\r\n"
			      "\r\n{\"error\":\"%s\"}",
			      strlen(error) + 12, error);
}

/* A new head in c->in: 0 and *done false if more bytes are needed.  A
 * request without a body, or with one larger than its route takes, goes
 * to the server at once. */
static int head(struct api_conn *c, bool *done)
{
	size_t pos = c->in->pos;
	struct http_msg *msg = NULL;
	int err;

	*done = false;
	err = http_msg_decode(&msg, c->in, true);
	if (err == ENODATA) {
		c->in->pos = pos;
		if (mbuf_get_left(c->in) <= HEAD_MAX)
			return 0;
	}
	*done = true;
	/* not whole within HEAD_MAX bytes, or whole but larger */
	if (err == ENODATA || (!err && c->in->pos - pos > HEAD_MAX)) {
		mem_deref(msg);
		return refuse(c, 431, "Request Header Fields Too Large",
			      "request: head larger than 65536 bytes");
	}
	if (err)
		return refuse(c, 400, "Bad Request",
			      "request: not an HTTP/1.1 request line and "
			      "headers");
	if (http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING)) {
		mem_deref(msg);
		return refuse(c, 411, "Length Required",
			      "Transfer-Encoding: not supported; send the "
			      "body with a Content-Length");
	}
	c->msg = msg;
	c->clen = api_content_length(msg);
	if (c->clen > c->lsnr->headh(msg, c->lsnr->arg)) {
		deliver(c);
		c->drain = c->clen;
		return 0;
	}
	if (!c->clen) {
		deliver(c);
		return 0;
	}
	c->body = mbuf_alloc((size_t)c->clen);
	if (!c->body)
		return ENOMEM;
	if (expects_continue(msg))
		return api_conn_reply(c, 100, "Continue", "\r\n");
	return 0;
}

/* Append n bytes at p to the head(s) to come; c->in->pos stays. */
static int in_append(struct api_conn *c, const uint8_t *p, size_t n)
{
	size_t pos;
	int err;

	if (!c->in)
		c->in = mbuf_alloc(n);
	if (!c->in)
		return ENOMEM;
	if (c->held && mbuf_get_left(c->in) + n > HELD_MAX)
		return EOVERFLOW;
	pos = c->in->pos;
	c->in->pos = c->in->end;
	err = mbuf_write_mem(c->in, p, n);
	c->in->pos = pos;
	return err;
}

/*
 * The bytes of mb, as they came: into the body of the request that waits
 * for one, dropped while draining, else appended to the head to come,
 * which may then be whole.  hold keeps alive the buffer p points into.
 */
static int feed(struct api_conn *c, struct mbuf *mb)
{
	struct mbuf *hold = mem_ref(mb);
	const uint8_t *p = mbuf_buf(mb);
	size_t n = mbuf_get_left(mb), k;
	bool done;
	int err = 0;

	while (!err && c->tc && !c->discard) {
		if (c->drain) {
			k = (size_t)MIN((uint64_t)n, c->drain);
			p += k;
			n -= k;
			c->drain -= k;
			if (c->drain)
				break;
			continue;
		}
		if (c->msg) {
			k = (size_t)MIN((uint64_t)n, c->clen - c->body->end);
			err = mbuf_write_mem(c->body, p, k);
			p += k;
			n -= k;
			if (!err && c->body->end == c->clen)
				deliver(c);
			else if (!n)
				break;
			continue;
		}
		if (n) {
			err = in_append(c, p, n);
			n = 0;
			if (err)
				break;
		}
		hold = mem_deref(hold);
		if (c->held) /* its turn comes with api_conn_resume() */
			break;
		if (!c->in || !mbuf_get_left(c->in))
			break;
		err = head(c, &done);
		if (err || !done || c->discard)
			break;
		/* the rest is the body and what follows it */
		hold = c->in;
		c->in = NULL;
		p = mbuf_buf(hold);
		n = mbuf_get_left(hold);
	}
	mem_deref(hold);
	return err;
}

static void recv_h(struct mbuf *mb, void *arg)
{
	struct api_conn *c = mem_ref(arg);
	int err;

	if (c->discard) { /* closing: a client still sending is drained */
		if (c->shut)
			tmr_start(&c->tmr, LINGER, timeout_h, c);
		mem_deref(c);
		return;
	}
	tmr_start(&c->tmr, TIMEOUT_IO, timeout_h, c);
	err = feed(c, mb);
	if (err && c->tc) {
		debug("http: connection closed: %m\n", err);
		conn_close(c);
		mem_deref(c); /* the connection's own reference */
	}
	mem_deref(c);
}

static void connect_h(const struct sa *peer, void *arg)
{
	struct api_lsnr *l = arg;
	struct api_conn *c;
	int err;

	(void)peer;
	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c) {
		tcp_reject(l->ts);
		return;
	}
	err = tcp_accept(&c->tc, l->ts, NULL, recv_h, close_h, c);
	if (err) {
		mem_deref(c);
		tcp_reject(l->ts);
		return;
	}
	if (l->tls) {
		err = tls_start_tcp(&c->sc, l->tls, c->tc, 0);
		if (err) {
			warning("http: TLS on a connection: %m\n", err);
			mem_deref(c);
			return;
		}
	}
	tcp_conn_txqsz_set(c->tc, TXQ_MAX);
	c->lsnr = l;
	list_append(&l->conns, &c->le, c);
	tmr_start(&c->tmr, TIMEOUT_INIT, timeout_h, c);
}

static void lsnr_destructor(void *arg)
{
	struct api_lsnr *l = arg;
	struct le *le;

	while ((le = list_head(&l->conns))) {
		struct api_conn *c = le->data;

		conn_close(c);
		mem_deref(c);
	}
	mem_deref(l->ts);
	mem_deref(l->tls);
}

int api_listen(struct api_lsnr **lp, const struct sa *laddr, struct tls *tls,
	       api_conn_head_h *headh, api_conn_req_h *reqh, void *arg)
{
	struct api_lsnr *l;
	int err;

	if (!lp || !laddr || !headh || !reqh)
		return EINVAL;
	l = mem_zalloc(sizeof(*l), lsnr_destructor);
	if (!l)
		return ENOMEM;
	l->headh = headh;
	l->reqh = reqh;
	l->arg = arg;
	l->tls = mem_ref(tls);
	err = tcp_listen(&l->ts, laddr, connect_h, l);
	if (err)
		mem_deref(l);
	else
		*lp = l;
	return err;
}

/* Is mb (at pos) a final reply: "HTTP/1.1 " and a status from 200? */
static bool final_reply(const struct mbuf *mb)
{
	const uint8_t *p = mbuf_buf(mb);

	return mbuf_get_left(mb) > 12 && !memcmp(p, "HTTP/1.", 7) &&
	       p[9] >= '2' && p[9] <= '5';
}

/* mb with "Connection: close" after its status line, in *outp. */
static int with_close(struct mbuf **outp, const struct mbuf *mb)
{
	const uint8_t *p = mbuf_buf(mb);
	const size_t n = mbuf_get_left(mb);
	const uint8_t *eol = memchr(p, '\n', n);
	struct mbuf *out;
	size_t k;
	int err;

	if (!eol)
		return EBADMSG;
	k = (size_t)(eol - p) + 1;
	out = mbuf_alloc(n + 24);
	if (!out)
		return ENOMEM;
	err = mbuf_write_mem(out, p, k);
	err |= mbuf_write_str(out, "Connection: close\r\n");
	err |= mbuf_write_mem(out, p + k, n - k);
	out->pos = 0;
	if (err)
		mem_deref(out);
	else
		*outp = out;
	return err;
}

int api_conn_send(struct api_conn *c, struct mbuf *mb)
{
	struct mbuf *out = NULL;
	int err;

	if (!c || !mb)
		return EINVAL;
	if (!c->tc)
		return ENOTCONN;
	if (!c->close_after || !final_reply(mb))
		return tcp_send(c->tc, mb);
	err = with_close(&out, mb);
	if (!err)
		err = tcp_send(c->tc, out);
	mem_deref(out);
	closing_start(c);
	return err;
}

int api_conn_reply(struct api_conn *c, uint16_t scode, const char *reason,
		   const char *fmt, ...)
{
	struct mbuf *mb;
	va_list ap;
	int err;

	if (!c || !scode || !reason || !fmt)
		return EINVAL;
	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "HTTP/1.1 %u %s\r\n", scode, reason);
	va_start(ap, fmt);
	err |= mbuf_vprintf(mb, fmt, ap);
	va_end(ap);
	if (!err) {
		mb->pos = 0;
		err = api_conn_send(c, mb);
	}
	mem_deref(mb);
	return err;
}

/* Called from the request handler, that is from recv_h(), which holds a
 * reference to c: the connection's own one can go here. */
int api_conn_take(struct api_conn *c, struct tcp_conn **tcp,
		  struct tls_conn **tls)
{
	if (!c || !tcp || !tls)
		return EINVAL;
	if (!c->tc)
		return ENOTCONN;
	*tcp = mem_ref(c->tc);
	*tls = mem_ref(c->sc);
	conn_close(c);
	mem_deref(c);
	return 0;
}

void api_conn_hold(struct api_conn *c)
{
	if (c)
		c->held = true;
}

void api_conn_resume(struct api_conn *c)
{
	struct mbuf *mb;
	int err;

	if (!c || !c->held)
		return;
	c->held = false;
	if (!c->tc || !c->in || !mbuf_get_left(c->in))
		return;
	mb = mbuf_alloc(1);
	if (!mb)
		return;
	mem_ref(c);
	err = feed(c, mb);
	if (err && c->tc) {
		debug("http: connection closed: %m\n", err);
		conn_close(c);
		mem_deref(c); /* the connection's own reference */
	}
	mem_deref(c);
	mem_deref(mb);
}

int api_conn_peer(const struct api_conn *conn, struct sa *peer)
{
	if (!conn || !peer)
		return EINVAL;
	if (!conn->tc)
		return ENOTCONN;
	return tcp_conn_peer_get(conn->tc, peer);
}

bool api_conn_secure(const struct api_conn *c)
{
	return c && c->sc;
}
