/*
 * api_phone.c - GET /api/v1/phone: the browser phone's signalling, a
 * WebSocket (RFC 6455) carrying JSON text messages both ways (call.h,
 * call/phone.c reads and writes them; docs/api.md "Browser phone").
 *
 * The login must be an employee's (an agent's, or a client admin bound
 * to one): the browser becomes one more device of that employee while
 * the socket is open.  Authentication as for the event stream (server.c):
 * the session cookie (then the Origin must be this server's page) or a
 * token (?access_token=, or the subprotocol "bearer.<token>").  Bad
 * messages are answered {"type":"error","reason":...}; the socket stays.
 *
 *   OPEN --client's close--> close echoed, TCP closed (its calls end)
 *        --two pings unanswered--> TCP closed (its calls end)
 *        --its session logged out or deleted, seen at a ping (15 s)-->
 *          close 1008 "token revoked", TCP closed (its calls end)
 *        --a frame that breaks RFC 6455--> close 1002, TCP closed
 */
#include <errno.h>
#include <string.h>
#include "call/call.h"
#include "http/http_int.h"

enum {
	PHONES_MAX = 500,     /* connected at once; more get 503     */
	EMP_PHONES_MAX = 3,   /* of one employee at once; more: 429  */
	PHONE_IN_MAX = 65536, /* [bytes] a message (an SDP offer)    */
	PING_MS = 15000,      /* [ms] between pings                  */
	FRAME_HEAD = 10,      /* [bytes] a frame header at most      */
};

static const char subprotocol[] = "switchboard.phone.v1";

struct ph_client {
	struct le le;
	struct tcp_conn *tc; /* (owned) */
	struct tls_conn *sc; /* (owned) its TLS (HTTPS) or NULL */
	struct tmr tmr;      /* ping */
	struct mbuf *in;     /* (owned) frames so far */
	struct sa peer;
	struct call_phone *phone; /* (owned) */
	unsigned pings;
	struct store *st;         /* (weak) */
	struct store_token token; /* as it was when it connected */
	bool closing;
	bool failed;
	char name[64];
};

static struct list clients; /* struct ph_client: few, node-wide */

static void client_destructor(void *arg)
{
	struct ph_client *c = arg;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	c->phone = mem_deref(c->phone); /* its calls end */
	mem_deref(c->sc);               /* before its TCP connection */
	mem_deref(c->tc);
	mem_deref(c->in);
}

static int frame_out(struct ph_client *c, enum websock_opcode op,
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

static void send_h(const char *json, void *arg)
{
	struct ph_client *c = arg;

	if (c->closing || !c->tc)
		return;
	(void)frame_out(c, WEBSOCK_TEXT, (const uint8_t *)json, strlen(json));
}

static void client_drop(struct ph_client *c, const char *why)
{
	info("http: phone: %J (%s) gone: %s\n", &c->peer, c->name, why);
	mem_deref(c);
}

static void fail(struct ph_client *c, uint16_t scode, const char *reason);

/* The browser phones open for employee_id. */
static unsigned emp_phones(int64_t employee_id)
{
	struct le *le;
	unsigned n = 0;

	for (le = clients.head; le; le = le->next) {
		const struct ph_client *c = le->data;

		if (!c->closing && c->token.employee_id == employee_id)
			n++;
	}
	return n;
}

/* The login deleted or logged out since (an id may be another session's
 * by now)? */
static bool token_gone(const struct ph_client *c)
{
	struct store_token t;
	int err;

	if (!c->token.id)
		return false;
	err = store_token_get(c->st, c->token.id, &t);
	return err == ENOENT || (!err && !api_token_same(&t, &c->token));
}

static void ping_h(void *arg)
{
	struct ph_client *c = arg;

	/* a session logged out (or its user, employee, tenant deleted)
	 * phones no more: checked at every ping */
	if (token_gone(c)) {
		warning("http: phone: %J (%s): token %lld is gone\n", &c->peer,
			c->name, (long long)c->token.id);
		fail(c, WEBSOCK_POLICY_VIOLATION, "token revoked");
		return;
	}
	/* a session ends at its expires_at, phone or not */
	if (c->token.expires_at && time_now_ms() >= c->token.expires_at) {
		info("http: phone: %J (%s): session %lld expired\n", &c->peer,
		     c->name, (long long)c->token.id);
		fail(c, WEBSOCK_POLICY_VIOLATION, "session expired");
		return;
	}
	if (c->pings >= 2) {
		client_drop(c, "two pings unanswered");
		return;
	}
	/* an open phone that answers pings is in use: its session is not
	 * idle (as the event stream, events.c) */
	if (!c->pings && c->token.user_id &&
	    store_token_touch(c->st, c->token.id, time_now_ms()))
		warning("http: phone: session %lld not touched\n",
			(long long)c->token.id);
	++c->pings;
	(void)frame_out(c, WEBSOCK_PING, NULL, 0);
	tmr_start(&c->tmr, PING_MS, ping_h, c);
}

static void close_wait_h(void *arg)
{
	client_drop(arg, "closed");
}

/* our close frame, then the end (the client's close or a second) */
static void fail(struct ph_client *c, uint16_t scode, const char *reason)
{
	struct mbuf *mb = mbuf_alloc(128);

	c->failed = true;
	c->closing = true;
	if (mb && !ws_close_write(mb, scode, reason)) {
		mb->pos = 0;
		(void)tcp_send(c->tc, mb);
	}
	mem_deref(mb);
	c->phone = mem_deref(c->phone);
	tmr_start(&c->tmr, 1000, close_wait_h, c);
}

static void text_in(struct ph_client *c, const uint8_t *p, size_t n)
{
	struct odict *od = NULL;
	char buf[160];

	/* an object only (libre's decoder takes other text too) */
	if (!n || p[0] != '{' ||
	    json_decode_odict(&od, 16, (const char *)p, n, 4) || !od) {
		re_snprintf(buf, sizeof(buf),
			    "{\"type\":\"error\",\"reason\":\"a JSON object "
			    "is expected\"}");
		send_h(buf, c);
		return;
	}
	call_phone_recv(c->phone, od);
	mem_deref(od);
}

/* one frame; false if c is gone */
static bool frame_in(struct ph_client *c, const struct websock_hdr *hdr,
		     const uint8_t *p)
{
	c->pings = 0;
	switch (hdr->opcode) {
	case WEBSOCK_PING:
		(void)frame_out(c, WEBSOCK_PONG, p, (size_t)hdr->len);
		return true;
	case WEBSOCK_CLOSE:
		if (!c->closing)
			(void)frame_out(c, WEBSOCK_CLOSE, p,
					hdr->len >= 2 ? 2 : 0);
		client_drop(c, "closed by the client");
		return false;
	case WEBSOCK_TEXT:
		if (!hdr->fin) {
			fail(c, WEBSOCK_UNSUPPORTED_DATA,
			     "fragmented messages are not taken");
			return false;
		}
		if (!c->closing && c->phone)
			text_in(c, p, (size_t)hdr->len);
		return true;
	case WEBSOCK_BIN:
	case WEBSOCK_CONT:
		fail(c, WEBSOCK_UNSUPPORTED_DATA, "text messages only");
		return false;
	default: /* pong */
		return true;
	}
}

static bool frame_h(const struct websock_hdr *hdr, uint8_t *payload, void *arg)
{
	struct ph_client *c = arg;

	return frame_in(c, hdr, payload) && !c->failed;
}

static void recv_h(struct mbuf *mb, void *arg)
{
	struct ph_client *c = arg;
	int err;

	if (c->failed)
		return;
	mem_ref(c); /* a frame may end the client */
	err = ws_frames_in(&c->in, mb, 1024, PHONE_IN_MAX, frame_h, c);
	if (err == ENOMEM)
		client_drop(c, "out of memory");
	else if (err == EMSGSIZE)
		fail(c, WEBSOCK_MESSAGE_TOO_BIG, "message too big");
	else if (err && err != ECANCELED)
		fail(c, WEBSOCK_PROTOCOL_ERROR, "protocol error");
	mem_deref(c);
}

static void close_h(int err, void *arg)
{
	client_drop(arg, err ? "connection lost" : "connection closed");
}

static bool hdr_has(const struct http_msg *msg, enum http_hdrid id,
		    const char *tok)
{
	struct le *le;

	for (le = msg->hdrl.head; le; le = le->next) {
		const struct http_hdr *h = le->data;
		struct pl v, item;

		if (h->id != id)
			continue;
		v = h->val;
		while (api_hdr_item_next(&v, ',', &item))
			if (!pl_strcasecmp(&item, tok))
				return true;
	}
	return false;
}

static int phone_get(struct api_req *req)
{
	const struct http_msg *msg = req->msg;
	const struct http_hdr *key;
	char accept[WS_ACCEPT_SZ];
	struct ph_client *c;
	bool proto;
	int err;

	if (!req->api->calls)
		return api_error(req, 503, "no calls on this node");
	if (!req->token.employee_id || !req->token.tenant_id)
		return api_error(req, 403,
				 "employee: a browser phone needs the login "
				 "of an employee (agent)");
	if (!hdr_has(msg, HTTP_HDR_UPGRADE, "websocket"))
		return api_error_hdrs(
		    req, 426,
		    "Upgrade: websocket\r\nConnection: "
		    "Upgrade\r\nSec-WebSocket-Version: 13\r\n",
		    "%s",
		    "a WebSocket endpoint: Upgrade: "
		    "websocket is required");
	if (!hdr_has(msg, HTTP_HDR_CONNECTION, "Upgrade"))
		return api_error(req, 400, "Connection: must contain Upgrade");
	if (!hdr_has(msg, HTTP_HDR_SEC_WEBSOCKET_VERSION, "13"))
		return api_error(req, 426, "Sec-WebSocket-Version: must be 13");
	key = http_msg_hdr(msg, HTTP_HDR_SEC_WEBSOCKET_KEY);
	if (!key || !ws_key_ok(&key->val))
		return api_error(req, 400,
				 "Sec-WebSocket-Key: must be the base64 of "
				 "16 bytes");
	if (list_count(&clients) >= PHONES_MAX)
		return api_error(req, 503, "too many browser phones");
	/* every phone of the employee rings for his calls: one login must
	 * not multiply them (each ringing phone holds a media port) */
	if (emp_phones(req->token.employee_id) >= EMP_PHONES_MAX)
		return api_error(req, 429,
				 "employee %lld has %u browser phones open "
				 "already; close one",
				 (long long)req->token.employee_id,
				 (unsigned)EMP_PHONES_MAX);
	err = ws_accept_key(accept, sizeof(accept), &key->val);
	if (err)
		return err;
	req->audit_tenant = req->token.tenant_id;
	if (api_audit_write(req, 101))
		return api_error(req, 503, "audit trail not writable");

	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c)
		return ENOMEM;
	tmr_init(&c->tmr);
	c->st = req->api->st;
	c->token = req->token;
	/* the user's login names the phone ("browser:erika"), else the
	 * token's name */
	str_copy(c->name, req->token.name, sizeof(c->name));
	if (req->token.user_id) {
		struct store_user *u = mem_zalloc(sizeof(*u), NULL);
		if (u && !store_user_get(req->api->st, req->token.user_id, u))
			str_copy(c->name, u->login, sizeof(c->name));
		mem_deref(u);
	}
	proto = hdr_has(msg, HTTP_HDR_SEC_WEBSOCKET_PROTOCOL, subprotocol);
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
		req->replied = true;
		return err;
	}
	req->replied = true;
	tcp_set_handlers(c->tc, NULL, recv_h, close_h, c);
	(void)tcp_conn_peer_get(c->tc, &c->peer);
	list_append(&clients, &c->le, c);
	err =
	    call_phone_connect(&c->phone, req->api->calls, req->token.tenant_id,
			       req->token.employee_id, c->name, send_h, c);
	if (err) {
		fail(c, WEBSOCK_INTERNAL_ERROR, "cannot connect the phone");
		return 0;
	}
	tmr_start(&c->tmr, PING_MS, ping_h, c);
	info("http: phone: %J (%s) connected, employee %lld\n", &c->peer,
	     c->name, (long long)req->token.employee_id);
	return 0;
}

void api_phone_close_all(void)
{
	struct le *le;

	while ((le = clients.head))
		mem_deref(le->data);
}

unsigned api_phone_revoke_gone(void)
{
	struct le *le = clients.head;
	unsigned n = 0;

	while (le) {
		struct ph_client *c = le->data;

		le = le->next; /* fail() may end c */
		if (c->closing || !token_gone(c))
			continue;
		info("http: phone: %J (%s): token %lld is gone\n", &c->peer,
		     c->name, (long long)c->token.id);
		fail(c, WEBSOCK_POLICY_VIOLATION, "token revoked");
		n++;
	}
	return n;
}

static const struct api_action actions[] = {
    {"GET", "", phone_get},
};

const struct api_resource api_phone = {
    .path = "/api/v1/phone",
    .noun = "phone",
    .label = "browser phone",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
