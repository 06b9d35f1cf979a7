/*
 * events.c - GET /api/v1/events: the event bus (core.h) as a WebSocket
 * stream (RFC 6455), for the agent console and wallboards.  A client
 * authenticates like any API client (server.c; a browser, which cannot
 * set headers on a WebSocket, gives the token as ?access_token= or as
 * the subprotocol "bearer.<token>" beside "switchboard.events.v1"), is
 * upgraded here, and from then on gets one text message per event it may
 * see, each an object {"seq", "time", "class", "type", "tenant_id", ...}
 * (docs/api.md): seq counts the messages of this connection from 1, so
 * a client sees their order and that none is missing.
 *
 * Resuming (issue 21, docs/cluster.md "Replay"): while events are written
 * between nodes (node/events.c) each message has "id", the event's row in
 * node_events, the same on every node.  A client that lost its stream
 * (its node died, or the network) opens one again, on any node, with
 * ?last_event_id=N (or a Last-Event-ID: N header): before anything else
 * it gets the events after N that it may see and the node has shown, its
 * own and the other nodes', in id order (event_replay()); the live ones
 * follow, none twice.  What is older than the rows' keep time (5 min) is
 * gone.
 *
 * Who sees what: a token of a tenant sees only that tenant's events; an
 * admin token without a tenant sees all (or one tenant's, ?tenant_id=);
 * an agent's token never sees an "email" field (removed at any depth).
 * An event for one employee (struct event's employee_id: the screen pop
 * of a call offered to an agent) goes only to the streams of agent
 * tokens acting as that employee and to operators.
 * Messages from the client are read only for control: ping, pong, close.
 *
 * A client that falls behind is dropped, never buffered without bound:
 *
 *   event -> unsent bytes (ours, queued in libre's tcp_conn) + message
 *            > --events-queue-max?  -> close 1008 "too slow: ..."
 *                                      (counted), CLOSING
 *         -> else sent (queued behind what the kernel did not take)
 *   OPEN --client's close--> close echoed, TCP closed once sent
 *        --two pings unanswered (--events-ping)--> TCP closed
 *        --its token deleted (with its employee or tenant), seen at a
 *          ping, or at once when its tenant is deleted
 *          (api_events_revoke_gone)--> close 1008 "token revoked", CLOSING
 *        --its session's expires_at passed, seen at a ping
 *          --> close 1008 "session expired", CLOSING
 *          (a ping answered counts as a use of the session: an open page
 *          is not idle)
 *   CLOSING --client's close, or CLOSE_WAIT--> TCP closed
 *
 * The kernel's send buffer of the connection is set to at most the same
 * bound (SO_SNDBUF), so a client costs at most about twice
 * --events-queue-max however long it does not read.
 *
 * The stream is subscribed to the bus only while it has clients: with
 * none, event_wanted() is false and calls build no events at all.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "http/http_int.h"

enum {
	CLIENTS_MAX = 1000,      /* connected at once; more get 503    */
	TOKEN_CLIENTS_MAX = 20,  /* of one token at once; more get 429 */
	CLIENT_IN_MAX = 4096,    /* [bytes] of a client's frame         */
	CLOSE_WAIT = 3000,       /* [ms] for the client's close frame   */
	CLOSE_HEADROOM = 256,    /* [bytes] a close frame past the bound */
	SNDBUF_MAX = 256 * 1024, /* [bytes] kernel send buffer at most */
	FRAME_HEAD = 10,         /* [bytes] a frame header at most      */
};

static const char subprotocol[] = "switchboard.events.v1";

struct api_events {
	struct http_api *api;  /* (weak)                       */
	struct event_sub *sub; /* while there are clients      */
	struct list clients;   /* struct ev_client              */
	struct api_events_stats st;
};

struct ev_client {
	struct le le;           /* in evs->clients                  */
	struct api_events *evs; /* (weak)                           */
	struct tcp_conn *tc;    /* (owned)                          */
	struct tls_conn *sc;    /* (owned) its TLS (HTTPS) or NULL  */
	struct tmr tmr;         /* ping, or the wait for a close    */
	struct mbuf *in;        /* (owned) a client frame so far    */
	struct sa peer;
	int64_t tenant_id;        /* sees this tenant only; 0: all    */
	bool agent;               /* never an "email" field           */
	bool is_operator;         /* sees events for one employee too */
	int64_t employee_id;      /* the token acts as this one, 0: none */
	bool closing;             /* our close frame is out           */
	bool failed;              /* a bad frame: the rest is ignored */
	bool frag;                /* a fragmented message is running  */
	unsigned pings;           /* sent and not answered            */
	uint64_t seq;             /* of the last message              */
	char token_name[64];      /* for the log                      */
	int64_t token_id;         /* whose streams are counted        */
	struct store_token token; /* as it was when the stream opened */
};

static void client_destructor(void *arg)
{
	struct ev_client *c = arg;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	/* nobody listens: calls need not build their events */
	if (c->evs && !c->evs->clients.head)
		c->evs->sub = mem_deref(c->evs->sub);
	if (c->evs)
		event_streams_set(list_count(&c->evs->clients));
	mem_deref(c->sc); /* before its TCP connection */
	mem_deref(c->tc);
	mem_deref(c->in);
}

/* The connection ends now (whatever is still queued is dropped). */
static void client_drop(struct ev_client *c, const char *why)
{
	info("http: events: %J (%s) gone: %s (%llu messages)\n", &c->peer,
	     c->token_name, why, (unsigned long long)c->seq);
	mem_deref(c);
}

/* Frame op with the n bytes of p to c, if it is still open. */
static int client_frame(struct ev_client *c, enum websock_opcode op,
			const uint8_t *p, size_t n)
{
	struct mbuf *mb = mbuf_alloc(n + FRAME_HEAD);
	int err;

	if (!mb)
		return ENOMEM;
	err = ws_frame_write(mb, op, p, n);
	if (!err) {
		mb->pos = 0;
		err = tcp_send(c->tc, mb);
	}
	mem_deref(mb);
	return err;
}

static void close_wait_h(void *arg)
{
	client_drop(arg, "no close frame from the client");
}

/* Send our close frame (once) and wait for the client's. */
static void client_close(struct ev_client *c, uint16_t scode,
			 const char *reason)
{
	struct mbuf *mb;

	if (c->closing)
		return;
	c->closing = true;
	mb = mbuf_alloc(128);
	if (mb && !ws_close_write(mb, scode, reason)) {
		mb->pos = 0;
		(void)tcp_send(c->tc, mb);
	}
	mem_deref(mb);
	tmr_start(&c->tmr, CLOSE_WAIT, close_wait_h, c);
}

/* A token deleted since (with its employee or tenant)?  An id can be
 * another session's by now (ids of ended sessions are used again). */
static bool token_gone(const struct ev_client *c)
{
	struct store_token t;
	int err;

	if (!c->token_id)
		return false;
	err = store_token_get(c->evs->api->st, c->token_id, &t);
	return err == ENOENT || (!err && !api_token_same(&t, &c->token));
}

unsigned api_events_revoke_gone(struct http_api *api)
{
	struct le *le;
	unsigned n = 0;

	if (!api || !api->events)
		return 0;
	for (le = api->events->clients.head; le; le = le->next) {
		struct ev_client *c = le->data;

		if (c->closing || !token_gone(c))
			continue;
		info("http: events: %J (%s): token %lld is gone\n", &c->peer,
		     c->token_name, (long long)c->token_id);
		client_close(c, WEBSOCK_POLICY_VIOLATION, "token revoked");
		n++;
	}
	return n;
}

static void ping_h(void *arg)
{
	struct ev_client *c = arg;
	const uint64_t now = time_now_ms();

	/* a token deleted since (with its employee or tenant) sees no more
	 * events: checked at every ping, so within --events-ping seconds */
	if (token_gone(c)) {
		warning("http: events: %J (%s): token %lld is gone\n", &c->peer,
			c->token_name, (long long)c->token_id);
		client_close(c, WEBSOCK_POLICY_VIOLATION, "token revoked");
		return;
	}
	/* a session ends at its expires_at, stream or not */
	if (c->token.expires_at && now >= c->token.expires_at) {
		info("http: events: %J (%s): session %lld expired\n", &c->peer,
		     c->token_name, (long long)c->token_id);
		client_close(c, WEBSOCK_POLICY_VIOLATION, "session expired");
		return;
	}
	if (c->pings >= 2) {
		client_drop(c, "two pings unanswered");
		return;
	}
	/* a page that answers our pings is open and in use: its session is
	 * not idle (a wallboard only watches); once it is closed, the idle
	 * timeout runs from its last pong */
	if (!c->pings && c->token.user_id) {
		int err = store_token_touch(c->evs->api->st, c->token_id, now);

		if (err)
			warning("http: events: session %lld not touched: %m\n",
				(long long)c->token_id, err);
	}
	++c->pings;
	(void)client_frame(c, WEBSOCK_PING, NULL, 0);
	tmr_start(&c->tmr, c->evs->api->cfg->events_ping * 1000, ping_h, c);
}

/* Everything unsent is gone: close the TCP connection (from the send
 * handler, once our close frame left). */
static void flushed_h(void *arg)
{
	struct ev_client *c = arg;

	if (!tcp_conn_txqsz(c->tc))
		client_drop(c, "closed");
}

/* May a peer send this close status (RFC 6455 7.4)? */
static bool close_code_ok(unsigned code)
{
	return (code >= 1000 && code <= 1003) ||
	       (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

/* One frame from the client; false if c is gone. */
static bool client_frame_in(struct ev_client *c, const struct websock_hdr *hdr,
			    const uint8_t *p)
{
	c->pings = 0; /* it is alive */
	switch (hdr->opcode) {
	case WEBSOCK_PING:
		(void)client_frame(c, WEBSOCK_PONG, p, (size_t)hdr->len);
		return true;
	case WEBSOCK_CLOSE:
		if (c->closing) {
			client_drop(c, "closed");
			return false;
		}
		/* echo its status (RFC 6455 5.5.1), then the end; a status
		 * that may not be sent (7.4.1: 1005, 1006, 1015, below 1000,
		 * 1004, 1012-2999, over 4999) or one byte is a protocol
		 * error */
		if (hdr->len == 1 ||
		    (hdr->len >= 2 && !close_code_ok(p[0] << 8 | p[1]))) {
			client_close(c, WEBSOCK_PROTOCOL_ERROR,
				     "bad close status");
			c->failed = true;
			return false; /* nothing more is read */
		}
		c->closing = true;
		(void)client_frame(c, WEBSOCK_CLOSE, p, hdr->len >= 2 ? 2 : 0);
		if (!tcp_conn_txqsz(c->tc)) {
			client_drop(c, "closed by the client");
			return false;
		}
		tcp_set_send(c->tc, flushed_h);
		tmr_start(&c->tmr, CLOSE_WAIT, close_wait_h, c);
		return true;
	case WEBSOCK_TEXT:
	case WEBSOCK_BIN:
	case WEBSOCK_CONT:
		/* messages are not read, but their fragments must follow
		 * RFC 6455 5.4: a continuation only inside a fragmented
		 * message, no new message inside one */
		if ((hdr->opcode == WEBSOCK_CONT) != c->frag) {
			client_close(c, WEBSOCK_PROTOCOL_ERROR,
				     c->frag ? "message inside a fragmented one"
					     : "continuation of nothing");
			c->failed = true;
			return false;
		}
		c->frag = !hdr->fin;
		return true;
	default: /* pong */
		return true;
	}
}

static bool frame_h(const struct websock_hdr *hdr, uint8_t *payload, void *arg)
{
	return client_frame_in(arg, hdr, payload);
}

static void recv_h(struct mbuf *mb, void *arg)
{
	struct ev_client *c = arg;
	int err;

	/* after a bad frame we lost our place in the stream: what follows
	 * (its payload, maybe) is not read as frames; the close wait ends
	 * the connection */
	if (c->failed)
		return;
	/* kept between segments: at most one frame of up to CLIENT_IN_MAX
	 * bytes (the header of a longer one gets 1009) */
	err = ws_frames_in(&c->in, mb, 256, CLIENT_IN_MAX, frame_h, c);
	if (err == ENOMEM) {
		client_drop(c, "out of memory");
		return;
	}
	if (!err || err == ECANCELED)
		return;
	c->failed = true;
	if (err == EMSGSIZE)
		client_close(c, WEBSOCK_MESSAGE_TOO_BIG, "message too big");
	else
		client_close(c, WEBSOCK_PROTOCOL_ERROR, "protocol error");
}

static void close_h(int err, void *arg)
{
	struct ev_client *c = arg;

	client_drop(c, err ? "connection lost" : "connection closed");
}

/* ---- events out ---------------------------------------------------- */

/* Copy of o without the keys "email" and "cc", at any depth. */
static int strip_copy(struct odict **dp, const struct odict *o)
{
	struct odict *d = NULL;
	struct le *le;
	int err;

	err = odict_alloc(&d, 8);
	for (le = o->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;
		struct odict *sub = NULL;

		if (!strcmp(e->key, "email") || !strcmp(e->key, "cc"))
			continue;
		switch (e->type) {
		case ODICT_OBJECT:
		case ODICT_ARRAY:
			err = strip_copy(&sub, e->u.odict);
			if (!err)
				err = odict_entry_add(d, e->key, e->type, sub);
			mem_deref(sub);
			break;
		case ODICT_STRING:
			err = odict_entry_add(d, e->key, e->type, e->u.str);
			break;
		case ODICT_INT:
			err = odict_entry_add(d, e->key, e->type, e->u.integer);
			break;
		case ODICT_DOUBLE:
			err = odict_entry_add(d, e->key, e->type, e->u.dbl);
			break;
		case ODICT_BOOL:
			err = odict_entry_add(d, e->key, e->type, e->u.boolean);
			break;
		case ODICT_NULL:
			err = odict_entry_add(d, e->key, e->type);
			break;
		}
	}
	if (err)
		mem_deref(d);
	else
		*dp = d;
	return err;
}

/* The fields of ev as the rest of a message after its own first keys:
 * ",\"k\":v,...}" or "}".  stripped: without "email". */
static int body_encode(char **bp, const struct event *ev, bool stripped)
{
	struct odict *o = NULL;
	char *s = NULL;
	int err;

	if (!ev->fields || !odict_count(ev->fields, false))
		return re_sdprintf(bp, "}");
	if (stripped) {
		err = strip_copy(&o, ev->fields);
		if (err)
			return err;
		if (!odict_count(o, false)) { /* nothing but e-mail */
			mem_deref(o);
			return re_sdprintf(bp, "}");
		}
	}
	err =
	    re_sdprintf(&s, "%H", json_encode_odict, stripped ? o : ev->fields);
	mem_deref(o);
	if (err)
		return err;
	/* "{...}" -> ",...}" */
	err = s[0] == '{' ? re_sdprintf(bp, ",%s", s + 1) : EPROTO;
	mem_deref(s);
	return err;
}

static void client_event(struct ev_client *c, const struct event *ev,
			 const char *body)
{
	struct api_events *evs = c->evs;
	size_t limit = evs->api->cfg->events_queue_max;
	struct mbuf *mb;
	char when[32];
	size_t n, h, queued;
	int err;

	mb = mbuf_alloc(512);
	if (!mb)
		return;
	/* the message after room for the largest header, which is then
	 * written right in front of it */
	mb->pos = mb->end = FRAME_HEAD;
	err = mbuf_printf(mb, "{\"seq\":%llu", (unsigned long long)c->seq + 1);
	if (!err && ev->id > 0)
		err = mbuf_printf(mb, ",\"id\":%lld", (long long)ev->id);
	if (!err)
		err = mbuf_printf(mb,
				  ",\"time\":\"%s\",\"class\":\"%s\","
				  "\"type\":\"%s\",\"tenant_id\":%lld%s",
				  time_iso(when, sizeof(when), ev->time),
				  event_class_name(ev->cls), ev->type,
				  (long long)ev->tenant_id, body);
	if (err)
		goto out;
	n = mb->end - FRAME_HEAD;
	h = ws_frame_head(NULL, WEBSOCK_TEXT, n);
	queued = tcp_conn_txqsz(c->tc);
	if (queued + h + n > limit) {
		char why[64];

		++evs->st.slow;
		re_snprintf(why, sizeof(why), "too slow: %zu bytes unsent",
			    queued);
		warning("http: events: %J (%s) %s, disconnected\n", &c->peer,
			c->token_name, why);
		client_close(c, WEBSOCK_POLICY_VIOLATION, why);
		goto out;
	}
	h = ws_frame_head(mb->buf + FRAME_HEAD - h, WEBSOCK_TEXT, n);
	mb->pos = FRAME_HEAD - h;
	err = tcp_send(c->tc, mb);
	if (err) {
		warning("http: events: %J: send: %m\n", &c->peer, err);
		goto out;
	}
	++c->seq;
	++evs->st.sent;
out:
	mem_deref(mb);
}

/* May c see ev? */
static bool client_wants(const struct ev_client *c, const struct event *ev)
{
	if (c->closing || (c->tenant_id && c->tenant_id != ev->tenant_id))
		return false;
	/* an event for one employee (a screen pop): his agent streams and
	 * operators only */
	if (ev->employee_id && !c->is_operator &&
	    !(c->agent && c->employee_id == ev->employee_id))
		return false;
	return true;
}

/* A replayed event: to the one client that asked for it. */
static void replay_h(const struct event *ev, void *arg)
{
	struct ev_client *c = arg;
	char *body = NULL;

	if (!client_wants(c, ev))
		return;
	if (body_encode(&body, ev, c->agent)) {
		warning("http: events: cannot encode %s %s\n",
			event_class_name(ev->cls), ev->type);
		return;
	}
	client_event(c, ev, body);
	mem_deref(body);
}

static void bus_h(const struct event *ev, void *arg)
{
	struct api_events *evs = arg;
	char *full = NULL, *stripped = NULL;
	struct le *le;

	++evs->st.published;
	for (le = evs->clients.head; le; le = le->next) {
		struct ev_client *c = le->data;
		char **bp = c->agent ? &stripped : &full;

		if (!client_wants(c, ev))
			continue;
		if (!*bp && body_encode(bp, ev, c->agent)) {
			warning("http: events: cannot encode %s %s\n",
				event_class_name(ev->cls), ev->type);
			break;
		}
		client_event(c, ev, *bp);
	}
	mem_deref(full);
	mem_deref(stripped);
}

/* ---- the upgrade ----------------------------------------------------- */

/* Does a header id of msg list tok among its comma-separated values? */
static bool hdr_lists(const struct http_msg *msg, enum http_hdrid id,
		      const char *tok)
{
	struct le *le;

	for (le = msg->hdrl.head; le; le = le->next) {
		const struct http_hdr *h = le->data;
		struct pl v, item;

		if (h->id != id)
			continue;
		v = h->val;
		while (api_hdr_item_next(&v, ',', &item)) {
			if (!pl_strcasecmp(&item, tok))
				return true;
		}
	}
	return false;
}

bool api_events_token(const struct api_req *req, char *buf, size_t sz)
{
	struct le *le;
	int r;

	r = api_query_str(req, "access_token", buf, sz);
	if (r)
		return r > 0 && buf[0];
	for (le = req->msg->hdrl.head; le; le = le->next) {
		const struct http_hdr *h = le->data;
		struct pl v, item;

		if (h->id != HTTP_HDR_SEC_WEBSOCKET_PROTOCOL)
			continue;
		v = h->val;
		while (api_hdr_item_next(&v, ',', &item)) {
			if (item.l > 7 && !memcmp(item.p, "bearer.", 7) &&
			    item.l - 7 < sz) {
				pl_advance(&item, 7);
				str_from_pl(buf, sz, &item);
				return true;
			}
		}
	}
	return false;
}

static const struct api_param params[] = {
    {"tenant_id", AP_ID, offsetof(struct api_query, tenant_id), 0, 0, 0},
    {"access_token", AP_STR, 0, 0, 0, 0},
    {"last_event_id", AP_STR, 0, 0, 0, 0},
};

/* An event id: digits, 0 or more.  false if s is not one. */
static bool event_id_parse(const char *s, size_t n, int64_t *idp)
{
	int64_t v = 0;
	size_t i;

	if (!n || n > 18)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*idp = v;
	return true;
}

/* The id the client resumes after: ?last_event_id=, else the header
 * Last-Event-ID; *idp -1 if neither.  An error reply if one is bad. */
static int resume_read(struct api_req *req, int64_t *idp)
{
	const struct http_hdr *h;
	char buf[32];
	int r;

	*idp = -1;
	r = api_query_str(req, "last_event_id", buf, sizeof(buf));
	if (r) {
		if (r < 0 || !event_id_parse(buf, strlen(buf), idp))
			return api_error(req, 400, "%s",
					 "last_event_id: must be an event's "
					 "id (an integer, 0 or more)");
		return 0;
	}
	h = http_msg_xhdr(req->msg, "Last-Event-ID");
	if (h && !event_id_parse(h->val.p, h->val.l, idp))
		return api_error(req, 400, "%s",
				 "Last-Event-ID: must be an event's id (an "
				 "integer, 0 or more)");
	return 0;
}

static int upgrade_error(struct api_req *req, const char *fmt, const char *s)
{
	return api_error_hdrs(req, 426,
			      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			      "Sec-WebSocket-Version: 13\r\n",
			      fmt, s);
}

/* Streams open now with token id. */
static unsigned token_clients(const struct api_events *evs, int64_t id)
{
	const struct le *le;
	unsigned n = 0;

	for (le = evs->clients.head; le; le = le->next) {
		const struct ev_client *c = le->data;
		n += c->token_id == id;
	}
	return n;
}

static int events_get(struct api_req *req)
{
	struct api_events *evs = req->api->events;
	const struct http_msg *msg = req->msg;
	const struct http_hdr *key;
	char accept[WS_ACCEPT_SZ];
	struct store_tenant *t = NULL;
	struct ev_client *c = NULL;
	struct api_query q;
	int64_t scope = req->token.tenant_id;
	int err, sndbuf;
	int64_t resume;
	bool proto;

	err = api_query_read(req, params, ARRAY_SIZE(params), &q);
	if (err)
		return err;
	err = resume_read(req, &resume);
	if (err || req->replied)
		return err;
	if (q.tenant_id && scope && q.tenant_id != scope)
		return api_error(req, 403,
				 "tenant_id: this token is tenant %lld's",
				 (long long)scope);
	if (q.tenant_id && !scope) {
		t = mem_zalloc(sizeof(*t), NULL);
		if (!t)
			return ENOMEM;
		err = store_tenant_get(req->api->st, q.tenant_id, t);
		mem_deref(t);
		if (err == ENOENT)
			return api_error(req, 422,
					 "tenant_id: tenant %lld does not "
					 "exist",
					 (long long)q.tenant_id);
		if (err)
			return api_fail(req, err, "tenant_id");
		scope = q.tenant_id;
	}

	if (!hdr_lists(msg, HTTP_HDR_UPGRADE, "websocket"))
		return upgrade_error(req, "%s",
				     "a WebSocket endpoint: Upgrade: "
				     "websocket is required");
	if (!hdr_lists(msg, HTTP_HDR_CONNECTION, "Upgrade"))
		return api_error(req, 400, "Connection: must contain Upgrade");
	if (!hdr_lists(msg, HTTP_HDR_SEC_WEBSOCKET_VERSION, "13"))
		return upgrade_error(req, "%s",
				     "Sec-WebSocket-Version: must be 13");
	key = http_msg_hdr(msg, HTTP_HDR_SEC_WEBSOCKET_KEY);
	if (!key || !ws_key_ok(&key->val))
		return api_error(req, 400,
				 "Sec-WebSocket-Key: must be the base64 of "
				 "16 bytes");
	if (list_count(&evs->clients) >= CLIENTS_MAX)
		return api_error(req, 503, "too many event stream clients");
	/* one token (one agent's console gone wild) cannot take them all */
	if (token_clients(evs, req->token.id) >= TOKEN_CLIENTS_MAX)
		return api_error(req, 429,
				 "too many event streams of this token (%u)",
				 (unsigned)TOKEN_CLIENTS_MAX);
	err = ws_accept_key(accept, sizeof(accept), &key->val);
	if (err)
		return err;

	if (!evs->sub) {
		err = event_subscribe(&evs->sub, bus_h, evs);
		if (err)
			return err;
	}
	/* the audit trail: a stream of one client's events, or all */
	req->audit_tenant = scope ? scope : -1;
	if (api_audit_write(req, 101))
		return api_error(req, 503, "audit trail not writable");
	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c)
		return ENOMEM;
	c->evs = evs;
	c->tenant_id = scope;
	c->agent = !strcmp(req->token.role, "agent");
	c->is_operator = !strcmp(req->token.role, "operator");
	c->employee_id = req->token.employee_id;
	str_copy(c->token_name, req->token.name, sizeof(c->token_name));
	c->token_id = req->token.id;
	c->token = req->token;
	tmr_init(&c->tmr);

	proto = hdr_lists(msg, HTTP_HDR_SEC_WEBSOCKET_PROTOCOL, subprotocol);
	err = api_conn_reply(req->conn, 101, "Switching Protocols",
			     "Upgrade: websocket\r\n"
			     "Connection: Upgrade\r\n"
			     "Sec-WebSocket-Accept: %s\r\n"
			     "%s%s%s"
			     "\r\n",
			     accept, proto ? "Sec-WebSocket-Protocol: " : "",
			     proto ? subprotocol : "", proto ? "\r\n" : "");
	if (!err)
		err = api_conn_take(req->conn, &c->tc, &c->sc);
	if (err) {
		mem_deref(c);
		req->replied = true; /* the 101 may be out: no other reply */
		return err;
	}
	req->replied = true;

	tcp_set_handlers(c->tc, NULL, recv_h, close_h, c);
	tcp_conn_txqsz_set(c->tc,
			   req->api->cfg->events_queue_max + CLOSE_HEADROOM);
	(void)tcp_conn_peer_get(c->tc, &c->peer);
	sndbuf =
	    (int)MIN((uint32_t)SNDBUF_MAX, req->api->cfg->events_queue_max);
	(void)setsockopt(tcp_conn_fd(c->tc), SOL_SOCKET, SO_SNDBUF, &sndbuf,
			 sizeof(sndbuf));
	list_append(&evs->clients, &c->le, c);
	event_streams_set(list_count(&evs->clients));
	tmr_start(&c->tmr, req->api->cfg->events_ping * 1000, ping_h, c);
	info("http: events: %J (%s, %s) connected, tenant %lld%s\n", &c->peer,
	     c->token_name, req->token.role, (long long)scope,
	     scope ? "" : " (all)");
	if (resume >= 0) {
		uint64_t before = c->seq;

		err = event_replay(resume, replay_h, c);
		if (err && err != ENOTSUP)
			warning("http: events: %J: replay after %lld: %m\n",
				&c->peer, (long long)resume, err);
		info("http: events: %J: %llu events after %lld replayed\n",
		     &c->peer, (unsigned long long)(c->seq - before),
		     (long long)resume);
	}
	return 0;
}

void api_events_stats(const struct http_api *api, struct api_events_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!api || !api->events)
		return;
	*st = api->events->st;
	st->clients = list_count(&api->events->clients);
}

static void evs_destructor(void *arg)
{
	struct api_events *evs = arg;
	struct le *le;

	evs->sub = mem_deref(evs->sub);
	while ((le = evs->clients.head)) {
		struct ev_client *c = le->data;
		struct mbuf *mb = mbuf_alloc(32);

		if (mb && !c->closing &&
		    !ws_close_write(mb, WEBSOCK_GOING_AWAY, "shutting down")) {
			mb->pos = 0;
			(void)tcp_send(c->tc, mb);
		}
		mem_deref(mb);
		mem_deref(c);
	}
}

int api_events_alloc(struct api_events **evsp, struct http_api *api)
{
	struct api_events *evs;

	if (!evsp || !api)
		return EINVAL;
	evs = mem_zalloc(sizeof(*evs), evs_destructor);
	if (!evs)
		return ENOMEM;
	evs->api = api;
	list_init(&evs->clients);
	*evsp = evs;
	return 0;
}

static const struct api_action actions[] = {
    {"GET", "", events_get},
};

const struct api_resource api_events = {
    .path = "/api/v1/events",
    .noun = "events",
    .label = "events",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
