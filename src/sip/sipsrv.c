/*
 * sipsrv.c - the SIP stack of Switchboard: UDP and TCP transports on one
 * address, the first look at every request, and orderly shutdown.
 *
 * libre parses and matches transactions and dialogs.  This file decides
 * which of our parts gets a request:
 *
 *   REGISTER -> registrar.c        OPTIONS -> 200 here
 *   INVITE (new dialog) -> caller identified here (a trunk by its
 *       source address, else a device by digest), then the incoming-call
 *       handler (sipsrv_set_callh: call/, set by main.c)
 *   ACK/BYE/INFO/re-INVITE/CANCEL/REFER -> sipsess (in-dialog, sess.c),
 *       the stack; SUBSCRIBE/NOTIFY in a dialog -> libre's sipevent (the
 *       subscription of an accepted REFER, refer.c)
 *   anything else out of dialog -> 405 with Allow
 *
 * Requests that are well-formed SIP but unusable are answered here before
 * any state is created (and before authentication is asked for):
 * Max-Forwards 0 -> 483, a non-SIP Request-URI -> 416, an INVITE body
 * that is not SDP -> 415, an unsupported Require -> 420, an INVITE whose
 * Accept excludes application/sdp -> 406.
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "media/media.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

#define ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, REGISTER"

struct sipsrv *sipsrv_g;

static bool is_method(const struct sip_msg *msg, const char *m)
{
	return !pl_strcmp(&msg->met, m);
}

static bool reply_options(struct sipsrv *srv, const struct sip_msg *msg)
{
	(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, 200, "OK",
			  "Allow: " ALLOW "\r\n"
			  "Accept: application/sdp\r\n"
			  "Content-Length: 0\r\n\r\n");
	return true;
}

/* methods we know of but do not take out of a dialog: 405, not 501 */
static const char *const known_methods[] = {
    "SUBSCRIBE", "NOTIFY", "MESSAGE", "PUBLISH", "UPDATE", "PRACK",
};

static bool is_known(const struct sip_msg *msg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_methods); i++) {
		if (is_method(msg, known_methods[i]))
			return true;
	}
	return false;
}

/* One Accept value: does this media-range take application/sdp? */
static bool accept_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		     void *arg)
{
	struct pl type, sub, params, q;
	bool *ok = arg;
	(void)msg;

	if (re_regex(hdr->val.p, hdr->val.l, "[^ \t/;]+[ \t]*/[ \t]*[^ \t;]+",
		     &type, NULL, NULL, &sub))
		return false;
	params.p = sub.p + sub.l;
	params.l = (size_t)(hdr->val.p + hdr->val.l - params.p);
	if (fmt_param_get(&params, "q", &q) && pl_float(&q) <= 0.0)
		return false; /* q=0: explicitly not acceptable */
	if ((!pl_strcmp(&type, "*") && !pl_strcmp(&sub, "*")) ||
	    (!pl_strcasecmp(&type, "application") &&
	     (!pl_strcmp(&sub, "*") || !pl_strcasecmp(&sub, "sdp")))) {
		*ok = true;
		return true;
	}
	return false;
}

/*
 * RFC 3261 §20.1, §21.4.7: an INVITE whose Accept leaves out
 * application/sdp cannot take our answer (SDP in the 2xx): 406.  No
 * Accept means application/sdp (§20.1); an Accept without a value means
 * nothing is acceptable.  libre gives one entry per comma-separated
 * media-range.
 */
static bool sdp_acceptable(const struct sip_msg *msg)
{
	bool ok = false;

	if (!sip_msg_hdr(msg, SIP_HDR_ACCEPT))
		return true;
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_ACCEPT, accept_h, &ok);
	return ok;
}

/* One Require value: appended to the Unsupported list in arg. */
static bool require_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	struct mbuf *mb = arg;
	(void)msg;

	(void)mbuf_printf(mb, "%s%r", mb->end ? ", " : "", &hdr->val);
	return false;
}

/*
 * RFC 3261 §8.2.2.3: a 420 lists in Unsupported every option tag of
 * Require (we support none).  libre gives one entry per comma-separated
 * value, so they are collected from all of them.
 */
static void reply_420(struct sipsrv *srv, const struct sip_msg *msg)
{
	struct mbuf *mb = mbuf_alloc(64);

	if (mb)
		(void)sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_h,
					mb);
	(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, 420,
			  "Bad Extension",
			  "Unsupported: %b\r\n"
			  "Content-Length: 0\r\n\r\n",
			  mb ? mb->buf : NULL, mb ? mb->end : (size_t)0);
	mem_deref(mb);
}

/* true if a reply was sent (or the request was dropped) */
static bool screen(struct sipsrv *srv, const struct sip_msg *msg)
{
	const struct sip_hdr *h;
	char reason[64];
	uint16_t scode;

	if (sipcheck_request(msg, &scode, reason, sizeof(reason))) {
		info("sip: %J: %r refused: %u %s\n", &msg->src, &msg->met,
		     scode, reason);
		if (!is_method(msg, "ACK"))
			(void)sip_treply(NULL, srv->sip, msg, scode, reason);
		return true;
	}
	if (is_method(msg, "ACK"))
		return false;
	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips")) {
		(void)sip_treply(NULL, srv->sip, msg, 416,
				 "Unsupported URI Scheme");
		return true;
	}
	h = sip_msg_hdr(msg, SIP_HDR_MAX_FORWARDS);
	if (h && pl_u32(&h->val) == 0 && !is_method(msg, "CANCEL")) {
		if (is_method(msg, "OPTIONS"))
			return reply_options(srv, msg);
		(void)sip_treply(NULL, srv->sip, msg, 483, "Too Many Hops");
		return true;
	}
	if (is_method(msg, "INVITE") && mbuf_get_left(msg->mb) &&
	    !msg_ctype_cmp(&msg->ctyp, "application", "sdp")) {
		(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, 415,
				  "Unsupported Media Type",
				  "Accept: application/sdp\r\n"
				  "Content-Length: 0\r\n\r\n");
		return true;
	}
	h = sip_msg_hdr(msg, SIP_HDR_REQUIRE);
	if (h && !is_method(msg, "CANCEL")) {
		reply_420(srv, msg);
		return true;
	}
	if (is_method(msg, "INVITE") && !sdp_acceptable(msg)) {
		(void)sip_treply(NULL, srv->sip, msg, 406, "Not Acceptable");
		return true;
	}
	return false;
}

static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct sipsrv *srv = arg;

	debug("sip: %J %r %r\n", &msg->src, &msg->met, &msg->ruri);
	sip_metrics_request(msg);
	nat_attach(srv, msg); /* NAT fix and Nagle off for TCP/TLS too */
	if (screen(srv, msg))
		return true;

	if (is_method(msg, "REGISTER")) {
		registrar_handle(srv, msg);
		return true;
	}
	if (is_method(msg, "OPTIONS"))
		return reply_options(srv, msg);
	if (is_method(msg, "INVITE") || is_method(msg, "ACK") ||
	    is_method(msg, "BYE") || is_method(msg, "INFO") ||
	    is_method(msg, "CANCEL") || is_method(msg, "REFER"))
		return false; /* sipsess and the transaction layer */
	if (pl_isset(&msg->to.tag))
		return false; /* in-dialog: the stack answers 481 */
	if (!is_known(msg)) {
		(void)sip_treplyf(
		    NULL, NULL, srv->sip, msg, false, 501, "Not Implemented",
		    "Allow: " ALLOW "\r\nContent-Length: 0\r\n\r\n");
		return true;
	}

	(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, 405,
			  "Method Not Allowed",
			  "Allow: " ALLOW "\r\nContent-Length: 0\r\n\r\n");
	return true;
}

/* A new INVITE: who calls (a trunk by its address, else a device by
 * digest), then the incoming-call handler. */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct sipsrv *srv = arg;
	struct store_trunk trunk;
	struct store_device dev;
	struct sip_caller caller;
	struct sa src;
	char ip[64];

	if (srv->closing || !srv->callh || !srv->callh->incomingh) {
		sipsrv_reply(srv, msg, 503, "Shutting Down");
		return;
	}
	memset(&caller, 0, sizeof(caller));
	sipedge_source(srv, msg, &src); /* a carrier behind the edge */
	re_snprintf(ip, sizeof(ip), "%j", &src);
	if (!store_trunk_by_source(srv->st, ip, sa_port(&src), &trunk)) {
		caller.trunk = &trunk;
		re_snprintf(caller.desc, sizeof(caller.desc), "trunk:%lld",
			    (long long)trunk.id);
	}
	else {
		if (!sipauth_check(srv, msg, &dev))
			return;
		caller.device = &dev;
		re_snprintf(caller.desc, sizeof(caller.desc), "device:%s",
			    dev.username);
	}
	srv->callh->incomingh(srv, msg, &caller, srv->call_arg);
}

void sipsrv_set_callh(struct sipsrv *srv, const struct sipsrv_callh *h,
		      void *arg)
{
	if (!srv)
		return;
	srv->callh = h;
	srv->call_arg = h ? arg : NULL;
}

void sipsrv_reply(struct sipsrv *srv, const struct sip_msg *msg, uint16_t scode,
		  const char *reason)
{
	if (srv && msg)
		(void)sip_treply(NULL, srv->sip, msg, scode, reason);
}

/* Hang up every call through the call handlers (shutdown). */
static void calls_close(struct sipsrv *srv)
{
	if (srv->callh && srv->callh->closeh)
		srv->callh->closeh(srv->call_arg);
}

static void purge(void *arg)
{
	struct sipsrv *srv = arg;
	unsigned n = 0;

	if (!store_reg_purge(srv->st, time_now_ms(), &n) && n)
		info("registrar: %u expired bindings removed\n", n);
	sipauth_nc_expire(srv->nc, time_now_ms());
	/* giving memory back after a load peak: main.c */
	tmr_start(&srv->tmr_purge, 60000, purge, srv);
}

static void exit_handler(void *arg)
{
	struct sipsrv *srv = arg;
	void (*h)(void) = srv->shutdown_doneh;

	tmr_cancel(&srv->tmr_shutdown);
	srv->shutdown_doneh = NULL;
	if (h)
		h();
}

static void shutdown_timeout(void *arg)
{
	warning("sip: transactions still pending, stopping anyway\n");
	exit_handler(arg);
}

static void srv_destructor(void *arg)
{
	struct sipsrv *srv = arg;

	keepalive_stop();
	nat_detach();
	tmr_cancel(&srv->tmr_purge);
	tmr_cancel(&srv->tmr_shutdown);
	calls_close(srv);
	trunkreg_close(srv);
	srv->evsock = mem_deref(srv->evsock);
	srv->sock = mem_deref(srv->sock);
	srv->lsnr = mem_deref(srv->lsnr);
	if (srv->sip)
		sip_close(srv->sip, true);
	srv->sip = mem_deref(srv->sip);
	trunktls_close();
	srv->tls = mem_deref(srv->tls);
	nat_close(); /* after the SIP stack freed its connections */
	srv->guard = mem_deref(srv->guard);
	srv->nc = mem_deref(srv->nc);
}

static void probe_resp(int err, const struct sip_msg *msg, void *arg)
{
	(void)arg;
	if (err || !msg || msg->scode != 200)
		warning("sip: start-up self check failed: %m %u\n", err,
			msg ? msg->scode : 0);
}

/*
 * An OPTIONS to ourselves: proves the UDP transport works and lets nat.c
 * hook the socket before the first phone speaks.
 */
static void self_probe(struct sipsrv *srv)
{
	char uri[96];
	int err;

	re_snprintf(uri, sizeof(uri), "sip:%J", &srv->laddr);
	err = sip_requestf(NULL, srv->sip, true, "OPTIONS", uri, NULL, NULL,
			   NULL, probe_resp, srv,
			   "To: <%s>\r\n"
			   "From: <%s>;tag=%08x\r\n"
			   "Call-ID: probe-%08x%08x\r\n"
			   "CSeq: 1 OPTIONS\r\n"
			   "Content-Length: 0\r\n\r\n",
			   uri, uri, rand_u32(), rand_u32(), rand_u32());
	if (err)
		warning("sip: self check not sent: %m\n", err);
}

/*
 * SIP over TLS.  With --sip-tls the address is given and the certificate
 * must load; without it TLS comes up at the SIP address's IP, port 5061,
 * whenever the certificate file exists (`make run` creates a self-signed
 * one), so a plain set-up needs no TLS flags at all.
 */
static int tls_start(struct sipsrv *srv)
{
	const struct config *cfg = srv->cfg;
	bool explicit = cfg->sip_tls_listen[0] != '\0';
	int err;

	if (!explicit && access(cfg->tls_cert, R_OK)) {
		info("sip: TLS off: no certificate at %s\n", cfg->tls_cert);
		return 0;
	}
	if (explicit) {
		err = sa_decode(&srv->tls_laddr, cfg->sip_tls_listen,
				strlen(cfg->sip_tls_listen));
		if (err) {
			warning("sip: bad TLS listen address '%s'\n",
				cfg->sip_tls_listen);
			return err;
		}
	}
	else {
		srv->tls_laddr = srv->laddr;
		sa_set_port(&srv->tls_laddr, SIP_PORT_TLS);
	}
	err = tls_alloc(&srv->tls, TLS_METHOD_SSLV23, cfg->tls_cert, NULL);
	if (err) {
		warning(
		    "sip: cannot load TLS certificate and key from %s: %m\n",
		    cfg->tls_cert, err);
		return err;
	}
	err = trunktls_init(srv, srv->tls);
	if (err) {
		warning("sip: cannot check the certificates of TLS trunks: "
			"%m\n",
			err);
		return err;
	}
	err =
	    sip_transp_add(srv->sip, SIP_TRANSP_TLS, &srv->tls_laddr, srv->tls);
	if (err) {
		warning("sip: cannot listen on %J (TLS): %m\n", &srv->tls_laddr,
			err);
		return err;
	}
	info("sip: listening on %J (TLS, %s)\n", &srv->tls_laddr,
	     cfg->srtp_required ? "SRTP required" : "SRTP offered");
	return 0;
}

int sipsrv_init(const struct config *cfg, struct store *st,
		struct sipsrv **srvp)
{
	struct sipsrv *srv;
	char mip[64];
	int err;

	if (!cfg || !st || sipsrv_g)
		return EINVAL;
	srv = mem_zalloc(sizeof(*srv), srv_destructor);
	if (!srv)
		return ENOMEM;
	srv->cfg = cfg;
	srv->st = st;
	list_init(&srv->trunkregs);
	tmr_init(&srv->tmr_purge);
	tmr_init(&srv->tmr_shutdown);
	err = sipedge_init(srv);
	if (!err)
		err = sipauth_init(srv);
	if (err)
		goto out;

	err = sa_decode(&srv->laddr, cfg->sip_listen, strlen(cfg->sip_listen));
	if (err) {
		warning("sip: bad listen address '%s'\n", cfg->sip_listen);
		goto out;
	}
	re_snprintf(srv->host, sizeof(srv->host), "%J", &srv->laddr);

	if (cfg->media_ip[0])
		str_copy(mip, cfg->media_ip, sizeof(mip));
	else
		re_snprintf(mip, sizeof(mip), "%j", &srv->laddr);
	err = media_init(mip, cfg->rtp_min, cfg->rtp_max);
	if (err) {
		warning("sip: media init: %m\n", err);
		goto out;
	}

	/* hash sizes for client and server transactions and TCP
	 * connections: thousands of live calls must not walk long chains */
	err = sip_alloc(&srv->sip, NULL, 4096, 4096, 256, "Switchboard",
			exit_handler, srv);
	if (err)
		goto out;
	sip_set_trace_handler(srv->sip, sip_metrics_trace);
	err = sip_transp_add(srv->sip, SIP_TRANSP_UDP, &srv->laddr);
	if (!err)
		err = sip_transp_add(srv->sip, SIP_TRANSP_TCP, &srv->laddr);
	if (err) {
		warning("sip: cannot listen on %s: %m\n", cfg->sip_listen, err);
		goto out;
	}
	err = tls_start(srv);
	if (err)
		goto out;
	err = sip_listen(&srv->lsnr, srv->sip, true, request_handler, srv);
	if (err)
		goto out;
	err = sipsess_listen(&srv->sock, srv->sip, 4096, conn_handler, srv);
	if (err)
		goto out;
	/* after ours: out-of-dialog SUBSCRIBE/NOTIFY get 405 there */
	err = sipevent_listen(&srv->evsock, srv->sip, 64, 1, NULL, NULL);
	if (err)
		goto out;

	/* calls a dead run of this node left open: node/node.c, before */
	tmr_start(&srv->tmr_purge, 1000, purge, srv);
	self_probe(srv);
	keepalive_start(srv);
	(void)trunkreg_init(srv); /* logs; a carrier can wait */
	info("sip: listening on %s (UDP, TCP), realm %s\n", cfg->sip_listen,
	     cfg->realm);

out:
	if (err) {
		mem_deref(srv);
		return err;
	}
	sipsrv_g = srv;
	if (srvp)
		*srvp = srv;
	return 0;
}

void sipsrv_shutdown(void (*doneh)(void))
{
	struct sipsrv *srv = sipsrv_g;

	if (!srv) {
		if (doneh)
			doneh();
		return;
	}
	srv->closing = true;
	srv->shutdown_doneh = doneh;
	keepalive_stop();
	calls_close(srv);
	trunkreg_close(srv); /* un-REGISTERs, finished by sip_close() */
	sipsess_close_all(srv->sock);
	tmr_start(&srv->tmr_shutdown, 5000, shutdown_timeout, srv);
	sip_close(srv->sip, false);
}

unsigned sipsrv_calls_active(void)
{
	struct sipsrv *srv = sipsrv_g;

	if (!srv || !srv->callh || !srv->callh->counth)
		return 0;
	return srv->callh->counth(srv->call_arg);
}

void sipsrv_close(void)
{
	if (sipsrv_g)
		tmr_cancel(&sipsrv_g->tmr_shutdown);
	sipsrv_g = mem_deref(sipsrv_g);
	media_close();
}
