/*
 * sipload.c - SIP call generator over UDP, TCP or TLS, with RTP or SRTP
 * offers, for the Switchboard benchmark (bench/tls_bench.py).  Debian's
 * sipp has no TLS, so this small libre client places the calls instead.
 * Built by bench/Makefile (bench/build/sipload); never part of the product.
 *
 * It calls NUMBER at DEST at a fixed rate until COUNT calls are placed.
 * Each call offers PCMU on its own UDP socket, as plain RTP/AVP or, with
 * --srtp, as RTP/SAVP with an a=crypto AES_CM_128_HMAC_SHA1_80 line and a
 * fresh random key (RFC 4568).  Nothing is sent on that socket, and it is
 * not even watched while the call lasts (that would cost the generator a
 * wake-up per packet, as much as the server's work): when the call ends,
 * what the server played into its buffer is read out and counted (RTP
 * packets of PT 0; their size shows the SRTP tag: 172 bytes per 20 ms
 * packet for RTP, 182 for SRTP).  The buffer (SO_RCVBUF 256 KiB asked,
 * capped by net.core.rmem_max) holds a few seconds of G.711; a longer
 * prompt is counted only up to that.
 *
 * Calls are meant for the announcement number: the server answers, plays
 * a prompt and hangs up.  With --bye the generator hangs up itself right
 * after the 200/ACK.
 *
 *   start --INVITE--> CALLING --2xx, ACK--> UP --BYE from server--> done
 *                        |                  |   (200 sent by sipsess)
 *                        |                  +--(--bye) our BYE--> BYE_SENT
 *                        |                                           |
 *                        +-- >= 300, transport error              2xx
 *                        |   --> failed                              v
 *                        +---------- call limit (--timeout) -----> done
 *                                    in any state: failed
 *
 * "completed" = the BYE went through: the server's BYE arrived (sipsess
 * answers it with 200), or, with --bye, our BYE got a 2xx.  libre does not
 * report the response to its own BYE, so that one is seen through the
 * stack's trace handler (the raw message, before the transaction layer).
 *
 * Connections: a libre SIP stack keeps one TCP/TLS connection per
 * destination and reuses it for every request, so by default all calls
 * share one connection, like a trunk.  --conn-per-call gives every call
 * its own SIP stack (own listening socket, own connection, own TLS
 * handshake), released when the call is over and no session of it is
 * still ending: the cost of peers that connect for each call.  The server sends its in-dialog requests (its
 * BYE) to our Contact, i.e. our listening socket, so it may open a
 * connection of its own to us; for TLS we therefore carry a self-signed
 * certificate (tls_set_selfsigned).  The server's certificate is not
 * verified (libre 1.1.0 does not unless asked to).
 *
 * Nagle: libre 1.1.0 never sets TCP_NODELAY, so a small SIP message
 * written while an earlier one is still unacknowledged waits for the
 * peer's delayed ACK (~40 ms on Linux): an INVITE right after the TLS
 * handshake, or after an ACK the server has nothing to send back for.
 * That would be the generator's latency, not the server's, so sipload
 * wraps connect() and accept() (its own definitions win over libc's for
 * libre too) and sets TCP_NODELAY on every TCP socket; --nagle keeps
 * libre's behaviour.
 *
 * Authentication: none is needed from a trunk address; with --user and
 * --pass the generator answers 401/407 challenges with digest.
 *
 * Output: a summary on stderr and one JSON object on stdout (or in the
 * --json file): attempted, answered, completed, failed with the reasons,
 * elapsed time, media counters, and CPU time of the generator.  Exit code
 * 0 if every call completed, 1 if any failed, 2 on a usage or set-up error.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <re.h>

enum {
	TICK_MS = 4,         /* call-start timer period */
	REASONS_MAX = 24,    /* distinct failure reasons kept */
	CONN_GRACE_MS = 200, /* --conn-per-call: stack kept after the call,
				and retry period while it is still used */
	HT_SHARED = 4096,    /* hash sizes of the shared SIP stack */
	HT_PER_CALL = 4,     /* ... and of a per-call one */
	SRTP_KEY_LEN = 30,   /* AES_CM_128: 16-byte key + 14-byte salt */
};

enum call_state { CALL_CALLING, CALL_UP, CALL_BYE_SENT, CALL_DONE };

/* One SIP stack: transport(s), session socket.  Shared by all calls, or
 * one per call with --conn-per-call. */
struct stack {
	struct sip *sip;           /* (owned) */
	struct sipsess_sock *sock; /* (owned) */
};

struct call {
	struct le le;         /* in sl->calls */
	struct le he;         /* in sl->ht_bye while BYE_SENT */
	struct sipload *sl;   /* weak */
	struct stack *stk;    /* (ref) */
	struct sipsess *sess; /* (owned) */
	int rtp_fd;           /* (owned) media sink, -1 if none */
	struct tmr tmr;       /* call limit, then release */
	enum call_state state;
	char callid[128];  /* set when our BYE goes out */
	uint64_t t_start;  /* [ms] tmr_jiffies() at the INVITE */
	uint64_t rx_pkts;  /* RTP packets of PT 0 received */
	uint64_t rx_bytes; /* their bytes (UDP payload) */
};

struct reason {
	char what[24]; /* "486", "timeout-invite", ... */
	unsigned n;
};

struct sipload {
	/* configuration */
	enum sip_transp tp;
	struct sa dst;    /* server */
	struct sa laddr;  /* our IP, port 0 */
	char ruri[256];   /* request URI */
	char from[128];   /* From URI */
	const char *user; /* digest user or NULL */
	const char *pass;
	const char *json; /* output file or NULL (stdout) */
	bool srtp, bye, conn_per_call;
	unsigned rate; /* [calls/s] */
	unsigned count;
	unsigned timeout_ms; /* per-call limit */

	/* run */
	struct tls *tls;      /* (owned) client context, TLS only */
	struct stack *shared; /* (owned) unless --conn-per-call */
	struct list calls;    /* struct call, live and being released */
	struct hash *ht_bye;  /* struct call by Call-ID while BYE_SENT */
	struct tmr tmr_tick;
	struct tmr tmr_deadline;
	uint64_t t0;        /* [ms] first call */
	uint64_t t_started; /* [ms] last call placed */
	uint64_t t_end;     /* [ms] last call done */

	/* counters */
	unsigned started, answered, completed, failed, done;
	unsigned srtp_answers; /* 200 OK SDP with RTP/SAVP and a=crypto */
	unsigned with_media;   /* calls that got at least one packet */
	unsigned tx_invite;    /* INVITEs sent (incl. retransmissions) */
	unsigned tx_bye;
	unsigned auth_rounds; /* 401/407 answered */
	uint64_t rx_pkts, rx_bytes, rx_other;
	uint64_t setup_sum, setup_max; /* [ms] INVITE -> 200 */
	struct reason reasonv[REASONS_MAX];
	size_t reasonc;
};

static struct sipload g_sl;
static bool g_nagle; /* --nagle: leave TCP_NODELAY off (libre's way) */

static void call_end(struct call *call, const char *fail);

/* ---- helpers --------------------------------------------------------- */

static struct reason *reason_find(struct sipload *sl, const char *what)
{
	size_t i;

	for (i = 0; i < sl->reasonc; i++) {
		if (!strcmp(sl->reasonv[i].what, what))
			return &sl->reasonv[i];
	}

	return NULL;
}

/* Counts a failure by its reason; past REASONS_MAX - 1 distinct reasons
 * the rest count as "other". */
static void reason_add(struct sipload *sl, const char *what)
{
	struct reason *r = reason_find(sl, what);

	if (!r && sl->reasonc == REASONS_MAX - 1) {
		what = "other";
		r = reason_find(sl, what);
	}
	if (!r) {
		r = &sl->reasonv[sl->reasonc++];
		str_ncpy(r->what, what, sizeof(r->what));
	}
	++r->n;
}

/* The value of header NAME in a raw SIP message (full names only, as
 * libre writes them), or false. */
static bool raw_hdr(const uint8_t *p, size_t len, const char *name,
		    struct pl *val)
{
	size_t nl = strlen(name), i = 0;

	while (i < len) {
		const uint8_t *eol = memchr(p + i, '\n', len - i);
		size_t end = eol ? (size_t)(eol - p) : len;
		size_t ll = end - i;

		if (ll <= 1)
			break; /* blank line: end of headers */
		if (ll > nl + 1 &&
		    !strncasecmp((const char *)p + i, name, nl) &&
		    p[i + nl] == ':') {
			size_t s = i + nl + 1, e = end;

			while (s < e && (p[s] == ' ' || p[s] == '\t'))
				++s;
			while (e > s && (p[e - 1] == '\r' || p[e - 1] == ' '))
				--e;
			val->p = (const char *)p + s;
			val->l = e - s;
			return true;
		}
		i = end + 1;
	}

	return false;
}

static bool callid_cmp(struct le *le, void *arg)
{
	const struct call *call = le->data;

	return 0 == pl_strcmp(arg, call->callid);
}

/* ---- TCP_NODELAY for libre's connections (see the top) --------------- */

static void nodelay(int fd)
{
	int on = 1;

	/* fails harmlessly on a socket that is no TCP socket */
	if (fd >= 0 && !g_nagle)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	nodelay(fd);

	return (int)syscall(SYS_connect, fd, addr.__sockaddr__, len);
}

int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
	int c = (int)syscall(SYS_accept4, fd, addr.__sockaddr__, len, 0);

	nodelay(c);

	return c;
}

/* ---- SIP stack ------------------------------------------------------- */

/*
 * Sees every message of the stack.  Counts INVITEs and BYEs sent, and
 * with --bye catches the final response to our BYE, which libre's
 * sipsess swallows.  Runs inside libre's receive path: a call ended here
 * is only marked, its memory goes later (call_end's timer).  ARG is the
 * struct sipload, not the stack: a session that is still ending holds
 * its own reference to the sip and may outlive our struct stack.
 */
static void trace_handler(bool tx, enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, const uint8_t *pkt, size_t len,
			  void *arg)
{
	struct sipload *sl = arg;
	struct pl cseq, cid;
	struct call *call;
	unsigned scode;
	(void)tp;
	(void)src;
	(void)dst;

	if (tx) {
		if (len > 7 && !memcmp(pkt, "INVITE ", 7))
			++sl->tx_invite;
		else if (len > 4 && !memcmp(pkt, "BYE ", 4))
			++sl->tx_bye;
		return;
	}
	if (!sl->bye || len < 12 || memcmp(pkt, "SIP/2.0 ", 8))
		return;
	if (!raw_hdr(pkt, len, "CSeq", &cseq) || cseq.l < 4 ||
	    memcmp(cseq.p + cseq.l - 4, " BYE", 4))
		return;
	scode = (unsigned)(pkt[8] - '0') * 100 + (unsigned)(pkt[9] - '0') * 10 +
		(unsigned)(pkt[10] - '0');
	if (scode < 200 || !raw_hdr(pkt, len, "Call-ID", &cid))
		return;
	call = list_ledata(
	    hash_lookup(sl->ht_bye, hash_joaat_pl(&cid), callid_cmp, &cid));
	if (!call || call->state != CALL_BYE_SENT)
		return;
	if (scode < 300) {
		call_end(call, NULL);
	}
	else {
		char what[24];

		re_snprintf(what, sizeof(what), "bye-%u", scode);
		call_end(call, what);
	}
}

/* ARG is the stack's sip, which lives as long as its sessions (they hold
 * references) and so as long as this socket can call us. */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = arg;

	/* we place calls, we take none */
	(void)sip_treply(NULL, sip, msg, 486, "Busy Here");
}

static void stack_destructor(void *arg)
{
	struct stack *stk = arg;

	/* sessions still ending (BYE or CANCEL in flight) hold their own
	 * references to the socket and the sip, which then outlive this */
	mem_deref(stk->sock);
	mem_deref(stk->sip);
}

/*
 * One SIP stack on sl->laddr (port 0: the kernel picks) for sl->tp.  On
 * error nothing is left behind.
 */
static int stack_alloc(struct stack **stkp, struct sipload *sl, uint32_t htsz)
{
	struct stack *stk;
	int err;

	stk = mem_zalloc(sizeof(*stk), stack_destructor);
	if (!stk)
		return ENOMEM;

	/* the arg goes to the trace handler */
	err = sip_alloc(&stk->sip, NULL, htsz, htsz, htsz, "sipload", NULL, sl);
	if (err)
		goto out;
	if (sl->tp == SIP_TRANSP_TLS)
		err = sip_transp_add(stk->sip, sl->tp, &sl->laddr, sl->tls);
	else
		err = sip_transp_add(stk->sip, sl->tp, &sl->laddr);
	if (err)
		goto out;
	err = sipsess_listen(&stk->sock, stk->sip, (int)htsz, conn_handler,
			     stk->sip);
	if (err)
		goto out;
	sip_set_trace_handler(stk->sip, trace_handler);

out:
	if (err)
		mem_deref(stk);
	else
		*stkp = stk;

	return err;
}

/* ---- calls ----------------------------------------------------------- */

/* Our media port, bound on sl->laddr; -1 on error (errno set). */
static int media_open(const struct sipload *sl, uint16_t *port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd, sz = 256 * 1024;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	a = sl->laddr.u.in;
	a.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(a.sin_port);

	return fd;
}

/* Read out and count what the server played to the call, then close. */
static void media_drain(struct call *call)
{
	enum { BATCH = 32, BUFSZ = 2048 };
	static uint8_t bufv[BATCH][BUFSZ];
	struct mmsghdr msgv[BATCH];
	struct iovec iov[BATCH];
	int i, n;

	if (call->rtp_fd < 0)
		return;
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufv[i];
		iov[i].iov_len = BUFSZ;
		memset(&msgv[i], 0, sizeof(msgv[i]));
		msgv[i].msg_hdr.msg_iov = &iov[i];
		msgv[i].msg_hdr.msg_iovlen = 1;
	}
	while ((n = recvmmsg(call->rtp_fd, msgv, BATCH, MSG_DONTWAIT, NULL)) >
	       0) {
		for (i = 0; i < n; i++) {
			const uint8_t *p = bufv[i];
			size_t len = msgv[i].msg_len;

			/* RTP v2, PT 0; anything else (RTCP sent to
			 * port + 1 may land on another call's port) aside */
			if (len >= 12 && (p[0] & 0xc0) == 0x80 &&
			    (p[1] & 0x7f) == 0) {
				++call->rx_pkts;
				call->rx_bytes += len;
			}
			else {
				++call->sl->rx_other;
			}
		}
	}
	close(call->rtp_fd);
	call->rtp_fd = -1;
}

static void call_destructor(void *arg)
{
	struct call *call = arg;

	tmr_cancel(&call->tmr);
	list_unlink(&call->le);
	hash_unlink(&call->he);
	mem_deref(call->sess);
	if (call->rtp_fd >= 0)
		close(call->rtp_fd);
	mem_deref(call->stk);
}

/*
 * Frees a call that has ended.  With --conn-per-call its stack goes with
 * it, but not while a session of that stack is still ending (a CANCEL or
 * BYE in flight holds references to the sip and the socket): the last
 * reference would then drop inside libre's own handler of that
 * transaction, which frees the transaction under its feet.  So the call
 * waits until the stack is ours alone.
 */
static void call_release(void *arg)
{
	struct call *call = arg;
	const struct stack *stk = call->stk;

	if (call->sl->conn_per_call && stk &&
	    (mem_nrefs(stk->sip) > 1 || mem_nrefs(stk->sock) > 1)) {
		tmr_start(&call->tmr, CONN_GRACE_MS, call_release, call);
		return;
	}
	mem_deref(call);
}

static void all_done(struct sipload *sl)
{
	sl->t_end = tmr_jiffies();
	re_cancel();
}

/*
 * The end of a call: count it (fail = NULL: completed, else the failure
 * reason), drop the session (a BYE or CANCEL goes out if it is still up)
 * and the media socket, and free the rest from a timer, so this may be
 * called from inside a libre handler of this call's stack.
 */
static void call_end(struct call *call, const char *fail)
{
	struct sipload *sl = call->sl;

	if (call->state == CALL_DONE)
		return;
	call->state = CALL_DONE;
	hash_unlink(&call->he);
	call->sess = mem_deref(call->sess);
	media_drain(call);

	if (fail) {
		++sl->failed;
		reason_add(sl, fail);
	}
	else {
		++sl->completed;
	}
	if (call->rx_pkts)
		++sl->with_media;
	sl->rx_pkts += call->rx_pkts;
	sl->rx_bytes += call->rx_bytes;

	tmr_start(&call->tmr, sl->conn_per_call ? CONN_GRACE_MS : 0,
		  call_release, call);

	if (++sl->done == sl->count)
		all_done(sl);
}

static void call_limit(void *arg)
{
	struct call *call = arg;

	switch (call->state) {
	case CALL_CALLING:
		call_end(call, "timeout-invite");
		break;
	case CALL_UP:
		call_end(call, "timeout-no-bye");
		break;
	case CALL_BYE_SENT:
		call_end(call, "timeout-bye-200");
		break;
	default:
		break;
	}
}

static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;
	const char *b = (const char *)mbuf_buf(msg->mb);
	size_t n = mbuf_get_left(msg->mb);

	if (n && memmem(b, n, "RTP/SAVP", 8) && memmem(b, n, "a=crypto:", 9))
		++call->sl->srtp_answers;

	return 0;
}

static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;
	struct sipload *sl = call->sl;
	uint64_t ms = tmr_jiffies() - call->t_start;
	(void)msg;

	call->state = CALL_UP;
	++sl->answered;
	sl->setup_sum += ms;
	if (ms > sl->setup_max)
		sl->setup_max = ms;

	if (!sl->bye)
		return;

	/* hang up at once; the 2xx to this BYE is seen in trace_handler */
	str_ncpy(call->callid, sip_dialog_callid(sipsess_dialog(call->sess)),
		 sizeof(call->callid));
	hash_append(sl->ht_bye, hash_joaat_str(call->callid), &call->he, call);
	call->state = CALL_BYE_SENT;
	call->sess = mem_deref(call->sess); /* sends the BYE; no closeh */
}

static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;
	char what[24];

	if (call->state == CALL_UP && err == ECONNRESET) {
		call_end(call, NULL); /* the server's BYE, answered with 200 */
		return;
	}
	if (msg && msg->scode >= 300)
		re_snprintf(what, sizeof(what), "%u", msg->scode);
	else if (err == ETIMEDOUT)
		re_snprintf(what, sizeof(what), "%s",
			    call->state == CALL_CALLING ? "sip-timeout-invite"
							: "sip-timeout");
	else
		re_snprintf(what, sizeof(what), "%s-err%d",
			    call->state == CALL_CALLING ? "invite" : "up", err);
	call_end(call, what);
}

static int auth_handler(char **username, char **password, const char *realm,
			void *arg)
{
	struct call *call = arg;
	int err;
	(void)realm;

	if (!call->sl->user)
		return EAUTH;
	++call->sl->auth_rounds;
	err = str_dup(username, call->sl->user);
	err |= str_dup(password, call->sl->pass);

	return err;
}

/* The SDP offer for media on PORT: PCMU (and telephone-event), plain or
 * SRTP with a fresh key. */
static int offer_make(struct mbuf **mbp, const struct sipload *sl,
		      uint16_t port)
{
	uint8_t key[SRTP_KEY_LEN];
	char b64[64];
	size_t b64n = sizeof(b64);
	struct mbuf *mb;
	uint32_t id = rand_u32();
	int err;

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb,
			  "v=0\r\n"
			  "o=- %u %u IN IP4 %j\r\n"
			  "s=sipload\r\n"
			  "c=IN IP4 %j\r\n"
			  "t=0 0\r\n"
			  "m=audio %u %s 0 101\r\n"
			  "a=rtpmap:0 PCMU/8000\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n"
			  "a=fmtp:101 0-15\r\n"
			  "a=ptime:20\r\n"
			  "a=sendrecv\r\n",
			  id, id, &sl->laddr, &sl->laddr, port,
			  sl->srtp ? "RTP/SAVP" : "RTP/AVP");
	if (!err && sl->srtp) {
		rand_bytes(key, sizeof(key));
		err = base64_encode(key, sizeof(key), b64, &b64n);
		if (!err)
			err = mbuf_printf(mb,
					  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
					  "inline:%b\r\n",
					  b64, b64n);
	}
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	*mbp = mb;

	return 0;
}

/* Place one call.  A set-up error counts as a failed call. */
static void call_start(struct sipload *sl)
{
	struct call *call;
	struct mbuf *desc = NULL;
	uint16_t port = 0;
	const char *fail = "setup";
	int err;

	++sl->started;
	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call) {
		++sl->failed;
		reason_add(sl, "setup-ENOMEM");
		if (++sl->done == sl->count)
			all_done(sl);
		return;
	}
	call->sl = sl;
	call->rtp_fd = -1;
	call->state = CALL_CALLING;
	call->t_start = tmr_jiffies();
	tmr_init(&call->tmr);
	list_append(&sl->calls, &call->le, call);

	if (sl->conn_per_call) {
		err = stack_alloc(&call->stk, sl, HT_PER_CALL);
		if (err) {
			fail = "setup-stack";
			goto out;
		}
	}
	else {
		call->stk = mem_ref(sl->shared);
	}

	call->rtp_fd = media_open(sl, &port);
	if (call->rtp_fd < 0) {
		err = errno;
		fail = "setup-rtp";
		goto out;
	}
	err = offer_make(&desc, sl, port);
	if (err)
		goto out;

	tmr_start(&call->tmr, sl->timeout_ms, call_limit, call);
	err = sipsess_connect(&call->sess, call->stk->sock, sl->ruri, NULL,
			      sl->from, "sipload", NULL, 0, "application/sdp",
			      desc, auth_handler, call, false, NULL,
			      answer_handler, NULL, estab_handler, NULL, NULL,
			      close_handler, call, NULL);
	if (err)
		fail = "setup-invite";

out:
	mem_deref(desc);
	if (err)
		call_end(call, fail);
}

static void tick(void *arg)
{
	struct sipload *sl = arg;
	uint64_t now = tmr_jiffies();
	uint64_t due;

	if (!sl->t0)
		sl->t0 = now;
	due = (now - sl->t0) * sl->rate / 1000 + 1;
	if (due > sl->count)
		due = sl->count;
	while (sl->started < due)
		call_start(sl);
	if (sl->started < sl->count)
		tmr_start(&sl->tmr_tick, TICK_MS, tick, sl);
	else
		sl->t_started = now;
}

/* Safety net: every call has its own limit, this ends the run should a
 * call be lost anyway. */
static void deadline(void *arg)
{
	struct sipload *sl = arg;
	struct le *le;

	for (le = sl->calls.head; le;) {
		struct call *call = le->data;

		le = le->next;
		if (call->state != CALL_DONE)
			call_end(call, "deadline");
	}
	if (sl->done < sl->count)
		all_done(sl);
}

/* ---- report ---------------------------------------------------------- */

/* The kernel's drop counter (last column of /proc/net/udp) of the UDP
 * socket bound to local PORT, or -1 if there is none. */
static long udp_drops(uint16_t port)
{
	char line[512];
	long drops = -1;
	FILE *f;

	f = fopen("/proc/net/udp", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned lport;
		char *last;

		if (sscanf(line, " %*u: %*x:%x", &lport) != 1 || lport != port)
			continue;
		last = strrchr(line, ' ');
		if (last)
			drops = strtol(last + 1, NULL, 10);
		break;
	}
	fclose(f);

	return drops;
}

/* Drops on the shared stack's SIP/UDP socket; -1 if not applicable. */
static long sip_drops(const struct sipload *sl)
{
	struct sa la;

	if (sl->tp != SIP_TRANSP_UDP || !sl->shared ||
	    sip_transp_laddr(sl->shared->sip, &la, SIP_TRANSP_UDP, &sl->dst))
		return -1;

	return udp_drops(sa_port(&la));
}

static double cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;

	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int report_json(struct re_printf *pf, const struct sipload *sl)
{
	double elapsed = (double)(sl->t_end - sl->t0) / 1000.0;
	double placing = (double)(sl->t_started - sl->t0) / 1000.0;
	unsigned retrans = sl->tx_invite > sl->started + sl->auth_rounds
			       ? sl->tx_invite - sl->started - sl->auth_rounds
			       : 0;
	int err;
	size_t i;

	err = re_hprintf(
	    pf,
	    "{\"transport\":\"%s\",\"srtp\":%s,\"bye\":%s,"
	    "\"conn_per_call\":%s,\"nagle\":%s,\"rate\":%u,\"calls\":%u,"
	    "\"attempted\":%u,\"answered\":%u,\"completed\":%u,"
	    "\"failed\":%u,\"elapsed_s\":%.3f,\"placing_s\":%.3f,"
	    "\"setup_ms_mean\":%.1f,\"setup_ms_max\":%llu,"
	    "\"srtp_answers\":%u,\"calls_with_media\":%u,"
	    "\"media_packets\":%llu,\"media_bytes\":%llu,"
	    "\"other_packets\":%llu,\"invites_sent\":%u,"
	    "\"invite_retrans\":%u,\"byes_sent\":%u,\"auth_rounds\":%u,"
	    "\"cpu_s\":%.3f,\"sip_udp_drops\":%ld,\"failures\":{",
	    sip_transp_name(sl->tp), sl->srtp ? "true" : "false",
	    sl->bye ? "true" : "false", sl->conn_per_call ? "true" : "false",
	    g_nagle ? "true" : "false", sl->rate, sl->count, sl->started,
	    sl->answered, sl->completed, sl->failed, elapsed, placing,
	    sl->answered ? (double)sl->setup_sum / sl->answered : 0.0,
	    (unsigned long long)sl->setup_max, sl->srtp_answers, sl->with_media,
	    (unsigned long long)sl->rx_pkts, (unsigned long long)sl->rx_bytes,
	    (unsigned long long)sl->rx_other, sl->tx_invite, retrans,
	    sl->tx_bye, sl->auth_rounds, cpu_s(), sip_drops(sl));
	for (i = 0; i < sl->reasonc; i++)
		err |= re_hprintf(pf, "%s\"%s\":%u", i ? "," : "",
				  sl->reasonv[i].what, sl->reasonv[i].n);

	return err | re_hprintf(pf, "}}\n");
}

static void report(const struct sipload *sl)
{
	double elapsed = (double)(sl->t_end - sl->t0) / 1000.0;
	double placing = (double)(sl->t_started - sl->t0) / 1000.0;
	size_t i;

	(void)re_fprintf(
	    stderr,
	    "sipload: %s%s, %s, %u calls at %u cps, %s\n"
	    "  attempted %u  answered %u  completed %u  failed %u\n"
	    "  elapsed %.2f s (calls placed in %.2f s = %.1f cps), "
	    "INVITE->200 mean %.1f ms max %llu ms\n"
	    "  media: %llu packets, %llu bytes (%.1f bytes/packet) on %u "
	    "calls; SRTP answers %u\n",
	    sip_transp_name(sl->tp), sl->srtp ? "+SRTP" : "+RTP",
	    sl->bye ? "we hang up" : "server hangs up", sl->count, sl->rate,
	    sl->conn_per_call ? "a connection per call" : "one connection",
	    sl->started, sl->answered, sl->completed, sl->failed, elapsed,
	    placing, placing > 0 ? (sl->started - 1) / placing : 0.0,
	    sl->answered ? (double)sl->setup_sum / sl->answered : 0.0,
	    (unsigned long long)sl->setup_max, (unsigned long long)sl->rx_pkts,
	    (unsigned long long)sl->rx_bytes,
	    sl->rx_pkts ? (double)sl->rx_bytes / (double)sl->rx_pkts : 0.0,
	    sl->with_media, sl->srtp_answers);
	for (i = 0; i < sl->reasonc; i++)
		(void)re_fprintf(stderr, "  failed: %s x %u\n",
				 sl->reasonv[i].what, sl->reasonv[i].n);
}

/* ---- main ------------------------------------------------------------ */

static void usage(void)
{
	(void)re_fprintf(
	    stderr,
	    "usage: sipload [options] HOST:PORT\n"
	    "  -t, --transport udp|tcp|tls   (udp)\n"
	    "  -r, --rate CPS                calls per second (10)\n"
	    "  -n, --calls N                 calls in all (100)\n"
	    "  -s, --number USER             number called (+4922182829990)\n"
	    "      --srtp                    offer RTP/SAVP with a=crypto\n"
	    "      --bye                     hang up right after the 200/ACK\n"
	    "      --conn-per-call           own SIP stack/connection per "
	    "call\n"
	    "      --nagle                   leave TCP_NODELAY off (libre's "
	    "default)\n"
	    "      --user U --pass P         digest credentials\n"
	    "      --from USER               From user (sipload, or --user)\n"
	    "      --timeout S               limit per call (20)\n"
	    "      --local IP                our address (127.0.0.1)\n"
	    "      --json FILE               JSON result there, not stdout\n");
}

static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}

static void fd_limit_raise(void)
{
	struct rlimit rl;
	int n = 4096;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 0)
			n = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	}
	(void)fd_setsize(n);
}

static int parse_args(struct sipload *sl, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"transport", required_argument, NULL, 't'},
	    {"rate", required_argument, NULL, 'r'},
	    {"calls", required_argument, NULL, 'n'},
	    {"number", required_argument, NULL, 's'},
	    {"srtp", no_argument, NULL, 'S'},
	    {"bye", no_argument, NULL, 'B'},
	    {"conn-per-call", no_argument, NULL, 'C'},
	    {"nagle", no_argument, NULL, 'N'},
	    {"user", required_argument, NULL, 'U'},
	    {"pass", required_argument, NULL, 'P'},
	    {"from", required_argument, NULL, 'F'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"local", required_argument, NULL, 'L'},
	    {"json", required_argument, NULL, 'J'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *number = "+4922182829990", *local = "127.0.0.1";
	const char *from = NULL;
	int c;

	sl->tp = SIP_TRANSP_UDP;
	sl->rate = 10;
	sl->count = 100;
	sl->timeout_ms = 20000;
	while ((c = getopt_long(argc, argv, "t:r:n:s:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			if (!strcasecmp(optarg, "udp"))
				sl->tp = SIP_TRANSP_UDP;
			else if (!strcasecmp(optarg, "tcp"))
				sl->tp = SIP_TRANSP_TCP;
			else if (!strcasecmp(optarg, "tls"))
				sl->tp = SIP_TRANSP_TLS;
			else
				return EINVAL;
			break;
		case 'r':
			sl->rate = (unsigned)atoi(optarg);
			break;
		case 'n':
			sl->count = (unsigned)atoi(optarg);
			break;
		case 's':
			number = optarg;
			break;
		case 'S':
			sl->srtp = true;
			break;
		case 'B':
			sl->bye = true;
			break;
		case 'C':
			sl->conn_per_call = true;
			break;
		case 'N':
			g_nagle = true;
			break;
		case 'U':
			sl->user = optarg;
			break;
		case 'P':
			sl->pass = optarg;
			break;
		case 'F':
			from = optarg;
			break;
		case 'T':
			sl->timeout_ms = 1000u * (unsigned)atoi(optarg);
			break;
		case 'L':
			local = optarg;
			break;
		case 'J':
			sl->json = optarg;
			break;
		default:
			return EINVAL;
		}
	}
	if (optind != argc - 1 || !sl->rate || !sl->count || !sl->timeout_ms ||
	    (sl->user && !sl->pass))
		return EINVAL;
	if (sa_decode(&sl->dst, argv[optind], strlen(argv[optind])) ||
	    sa_af(&sl->dst) != AF_INET)
		return EINVAL;
	if (sa_set_str(&sl->laddr, local, 0) || sa_af(&sl->laddr) != AF_INET)
		return EINVAL;
	if (!from)
		from = sl->user ? sl->user : "sipload";

	re_snprintf(sl->ruri, sizeof(sl->ruri), "sip:%s@%J%s", number, &sl->dst,
		    sip_transp_param(sl->tp));
	re_snprintf(sl->from, sizeof(sl->from), "sip:%s@%j", from, &sl->laddr);

	return 0;
}

int main(int argc, char *argv[])
{
	struct sipload *sl = &g_sl;
	uint64_t limit;
	int rc = 2, err;

	if (parse_args(sl, argc, argv)) {
		usage();
		return 2;
	}

	err = libre_init();
	if (err) {
		(void)re_fprintf(stderr, "sipload: libre_init: %m\n", err);
		return 2;
	}
	fd_limit_raise();
	list_init(&sl->calls);
	tmr_init(&sl->tmr_tick);
	tmr_init(&sl->tmr_deadline);

	err = hash_alloc(&sl->ht_bye, HT_SHARED);
	if (err)
		goto out;
	if (sl->tp == SIP_TRANSP_TLS) {
		err = tls_alloc(&sl->tls, TLS_METHOD_SSLV23, NULL, NULL);
		/* the server may connect to us for its BYE (see above) */
		if (!err)
			err = tls_set_selfsigned_rsa(sl->tls, "sipload", 2048);
		if (err) {
			(void)re_fprintf(stderr, "sipload: TLS: %m\n", err);
			goto out;
		}
	}
	if (!sl->conn_per_call) {
		err = stack_alloc(&sl->shared, sl, HT_SHARED);
		if (err) {
			(void)re_fprintf(stderr, "sipload: SIP stack: %m\n",
					 err);
			goto out;
		}
	}

	limit = (uint64_t)sl->count * 1000 / sl->rate + sl->timeout_ms + 5000;
	tmr_start(&sl->tmr_tick, 0, tick, sl);
	tmr_start(&sl->tmr_deadline, limit, deadline, sl);

	(void)re_main(signal_handler);
	if (!sl->t_end)
		sl->t_end = tmr_jiffies(); /* interrupted */
	if (!sl->t_started)
		sl->t_started = tmr_jiffies();

	report(sl);
	if (sl->json) {
		FILE *f = fopen(sl->json, "w");

		if (f) {
			(void)re_fprintf(f, "%H", report_json, sl);
			fclose(f);
		}
		else {
			(void)re_fprintf(stderr, "sipload: %s: %m\n", sl->json,
					 errno);
		}
	}
	else {
		(void)re_printf("%H", report_json, sl);
	}
	rc = (sl->failed || sl->completed < sl->count) ? 1 : 0;

out:
	tmr_cancel(&sl->tmr_tick);
	tmr_cancel(&sl->tmr_deadline);
	list_flush(&sl->calls);
	sl->shared = mem_deref(sl->shared);
	sl->tls = mem_deref(sl->tls);
	sl->ht_bye = mem_deref(sl->ht_bye);
	/* after failures, sessions may still be ending (CANCEL, BYE): they
	 * hold their stacks, and libre_close() would list every descriptor
	 * still open; the process ends anyway */
	if (rc == 0)
		libre_close();

	return rc;
}
