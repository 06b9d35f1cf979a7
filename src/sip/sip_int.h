/*
 * sip_int.h - private to src/sip: the server object shared by the
 * transport/dispatch (sipsrv.c), digest auth (auth.c) and its guard
 * against password guessing (guard.c), the registrar (registrar.c), the
 * call sessions (sess.c), the INVITEs they send (dial.c) and transfer
 * (refer.c).
 */
#ifndef SWITCHBOARD_SIP_INT_H
#define SWITCHBOARD_SIP_INT_H

#include "core/core.h"
#include "store/store.h"
#include "sip/sip.h"

enum {
	SIP_EDGE_MAX = 8, /* addresses in --edge */
};

/* the header the edge names a request's real source in (edge.c) */
#define SIP_EDGE_HDR "X-Real-Source"

struct sipsrv {
	const struct config *cfg;         /* (weak) */
	struct store *st;                 /* (weak) */
	struct sip *sip;                  /* (owned) */
	struct sip_lsnr *lsnr;            /* (owned) */
	struct sipsess_sock *sock;        /* (owned) */
	struct sipevent_sock *evsock;     /* (owned) REFER's NOTIFYs */
	struct tls *tls;                  /* (owned) SIP over TLS, or NULL */
	struct sa tls_laddr;              /* its listen address      */
	const struct sipsrv_callh *callh; /* (weak) incoming calls */
	void *call_arg;                   /* its argument          */
	struct sa laddr;                  /* SIP address (UDP)       */
	char host[64];                    /* laddr as text for URIs  */
	char secret[72];                  /* nonce MAC key (hex, the
					     store's: auth.c)        */
	uint32_t started;                 /* [s] nonces older are of a
					     previous run (auth.c)   */
	struct guard *guard;              /* (owned) guessing guard  */
	struct sipauth_nc *nc;            /* (owned) nonce-counts    */
	struct tmr tmr_purge;             /* registration expiry     */
	struct tmr tmr_shutdown;          /* give up waiting for transactions */
	void (*shutdown_doneh)(void);     /* sipsrv_shutdown()'s handler  */
	struct list trunkregs;            /* struct trunkreg (trunkreg.c) */
	struct sa edgev[SIP_EDGE_MAX];    /* --edge (edge.c)              */
	size_t edgec;
	bool closing;
};

extern struct sipsrv *sipsrv_g;

/* auth.c */
/*
 * Check the digest credentials of msg (Authorization for REGISTER,
 * Proxy-Authorization otherwise).  On success fill dev and return true.
 * Otherwise a 401/407 challenge or 403 has been sent and it returns false.
 */
bool sipauth_check(struct sipsrv *srv, const struct sip_msg *msg,
		   struct store_device *dev);
/* Allocate srv->guard (limits from srv->cfg) and srv->nc.  0 or ENOMEM;
 * the destructor of srv frees them. */
int sipauth_init(struct sipsrv *srv);

/*
 * Nonce-count replay protection (RFC 2617 3.2.2): per nonce the highest
 * nc accepted so far, forgotten when the nonce expires; at most max
 * nonces (0 = 65536), the oldest forgotten first.
 */
struct sipauth_nc;
int sipauth_nc_alloc(struct sipauth_nc **ncp, uint32_t max);
/*
 * Accept nc for nonce, which is valid until expires [ms].  0: nc is
 * greater than any nc accepted before with this nonce, and is now the
 * highest.  EALREADY: it is not (a replay): challenge anew.  ESTALE: this
 * nonce may have been used but was forgotten to make room: challenge
 * with stale=true.  ENOMEM: nothing recorded.
 */
int sipauth_nc_use(struct sipauth_nc *t, const struct pl *nonce, uint32_t nc,
		   uint64_t expires);
uint32_t sipauth_nc_count(const struct sipauth_nc *t);
/* Forget the nonces that expired at or before now [ms] (the purge tick:
 * an idle node gives their memory back without waiting for a request). */
void sipauth_nc_expire(struct sipauth_nc *t, uint64_t now);

/* guard.c - see the diagram there */
enum guard_kind { GUARD_SOURCE = 0, GUARD_USER, GUARD_PAIR };

struct guard_prm {
	uint32_t max_failures; /* per source and pair; 2x per user; 0 = off */
	uint32_t window;       /* [s] sliding window of the counters       */
	uint32_t block;        /* [s] length of a block; 0 = off           */
	uint32_t max_entries;  /* counters kept; 0 = 65536                 */
};

/* Who asks: the request's source and the username it authenticates as. */
struct guard_who {
	const struct sa *src;
	const char *user; /* "" if the credentials named none       */
	bool trusted;     /* src + transport is an unexpired binding
			     of the device of user                  */
};

struct guard;
/* prm is copied; max_failures above 100 is lowered to 100. */
int guard_alloc(struct guard **gp, const struct guard_prm *prm);
/* Is any block in force for src (as source or in a pair) or user?  If
 * not, the caller need not find out whether the request is trusted. */
bool guard_active(const struct guard *g, const struct sa *src,
		  const char *user);
/* True if w is blocked (source or user when untrusted, its pair when
 * trusted): answer 403 without checking the password.  Logs a failure
 * line and counts the refusal. */
bool guard_refuse(struct guard *g, const struct guard_who *w);
/* Log a failed authentication (why: "wrong password", ...) and count it;
 * may start a block (logged). */
void guard_failure(struct guard *g, const struct guard_who *w, const char *why);
/* Call h for every block in force, least recently active first; stops at
 * and returns the first error of h. */
int guard_blocks(const struct guard *g, sip_auth_block_h *h, void *arg);
/* Lift every block (any kind) with this key; 0, or ENOENT if none. */
int guard_unblock(struct guard *g, const char *key);
/* Forget counters without a failure in the window and ended blocks (a
 * timer calls it every 10 s; tests call it directly). */
void guard_expire(struct guard *g);
/* Counters held (for tests). */
uint32_t guard_count(const struct guard *g);

/* check.c */
/*
 * RFC 3261 sanity checks of a request libre has parsed.  0 if it may be
 * processed; otherwise EPROTO with the status (400 or 505) and reason to
 * answer in *scode / reason.
 */
int sipcheck_request(const struct sip_msg *msg, uint16_t *scode, char *reason,
		     size_t sz);

/* info.c */
/*
 * The key press in the body of an INFO request: application/dtmf-relay
 * ("Signal=5", other lines ignored) or application/dtmf ("5"), the key or
 * its RFC 4733 event number ("11" is #).  0 with *digit one of
 * "0123456789*#ABCD"; EPROTO when the body does not parse (*digit
 * unchanged); ENOTSUP for another or no Content-Type; EINVAL.
 */
int sip_info_digit(const struct sip_msg *msg, char *digit);

/* nat.c */
/* Hook Contact fixing into the UDP socket msg arrived on (once). */
void nat_attach(struct sipsrv *srv, const struct sip_msg *msg);
/* Unhook from the UDP socket: before the SIP stack closes. */
void nat_detach(void);
/* Free what is left (connection entries): after the SIP stack is freed. */
void nat_close(void);

/* keepalive.c */
void keepalive_start(struct sipsrv *srv);
void keepalive_stop(void);
/* False once a NATed UDP binding missed keepalive_max_missed pings. */
bool keepalive_reachable(int64_t device_id, const char *contact,
			 const char *received);
/* A REGISTER refreshed the binding: it is reachable again. */
void keepalive_registered(int64_t device_id, const char *contact);

/* sess.c: for refer.c */
struct sipsrv *sip_sess_srv(const struct sip_sess *s);
struct sip_dialog *sip_sess_dialog(const struct sip_sess *s);

/* edge.c: the trusted edge proxy (--edge) */
/* Parse "ip[:port][,...]" (port 0: any) into v: 0, EINVAL (bad or empty
 * entry), E2BIG (more than max). */
int sipedge_parse(const char *list, struct sa *v, size_t max, size_t *n);
/* Is src one of the n edge addresses v? */
bool sipedge_match(const struct sa *v, size_t n, const struct sa *src);
/* The real source of msg into *src: the last X-Real-Source header if msg
 * came from one of the edges v, else msg->src.  0; from an edge, ENOENT
 * (no header) or EBADMSG (not ip:port), *src then msg->src. */
int sipedge_real(const struct sa *v, size_t n, const struct sip_msg *msg,
		 struct sa *src);
/* srv->edgev from cfg->edge: 0 or EINVAL (logged). */
int sipedge_init(struct sipsrv *srv);
bool sipedge_is(const struct sipsrv *srv, const struct sa *src);
/* sipedge_real with srv's edges (srv NULL: msg->src). */
void sipedge_source(const struct sipsrv *srv, const struct sip_msg *msg,
		    struct sa *src);

/* path.c: Path (RFC 3327) */
/* The Path entries of msg, in order, ", "-joined into buf ("" if none).
 * 0, EBADMSG (an entry is not a sip/sips name-addr), ENOSPC; buf is ""
 * on error. */
int sip_path_collect(const struct sip_msg *msg, char *buf, size_t sz);
/* The route set of a stored Path: each entry's URI without ";lr" (libre
 * adds it), at most max.  Returns how many; 0 for "", a bad entry, or
 * more than max entries. */
size_t sip_path_routes(const char *path, char (*v)[SIP_ROUTE_LEN], size_t max);

/* registrar.c */
void registrar_handle(struct sipsrv *srv, const struct sip_msg *msg);

/* trunkreg.c */
/* Start a registration for every registering trunk in the store.  0, or
 * the store's error (nothing started then). */
int trunkreg_init(struct sipsrv *srv);
/* Stop them all; bindings we hold are removed at the carriers (REGISTER
 * with Expires: 0, left to finish on its own).  May be called twice. */
void trunkreg_close(struct sipsrv *srv);

/* Digest credentials of a trunk (auth_user or username, password) for a
 * sip_auth_h: allocate them, pass trunk_cred_auth as authh and the object
 * as its arg with aref = true, then release your reference. */
struct trunk_cred;
int trunk_cred_alloc(struct trunk_cred **credp, const struct store_trunk *t);
int trunk_cred_auth(char **user, char **pass, const char *realm, void *arg);

/* trunktls.c: TLS trunks check their carrier's certificate */
struct tls;
struct sa;
/* Hook the check into the OpenSSL context of tls, the SIP TLS transport's
 * (every outgoing TLS connection to a TLS trunk's address is then checked
 * as the trunk says).  0, ENOTSUP (no OpenSSL context), ENOMEM. */
int trunktls_init(struct sipsrv *srv, struct tls *tls);
/* Unhook and free what the check holds (before tls is freed). */
void trunktls_close(void);
/* True if the last TLS handshake to peer (within the last minute) was
 * refused by the check; why (if not NULL) gets the reason logged. */
bool trunktls_refused(const struct sa *peer, char *why, size_t sz);
/* The outgoing TLS connections open now whose handshake finished (to a
 * TLS trunk, or any other we opened), and is tcp (libre's tcp_conn) one
 * of them? */
unsigned trunktls_conn_count(void);
bool trunktls_conn_ours(const void *tcp);

/* metrics.c: count one request our listener received (sipsrv.c) */
void sip_metrics_request(const struct sip_msg *msg);
/* metrics.c: libre's trace handler, counts the responses sent and
 * received (set by sipsrv_init) */
void sip_metrics_trace(bool tx, enum sip_transp tp, const struct sa *src,
		       const struct sa *dst, const uint8_t *pkt, size_t len,
		       void *arg);
/* nat.c: the open TCP and TLS connections that sent us a request */
void nat_conn_counts(unsigned *tcp, unsigned *tls);

#endif
