/*
 * notify_int.h - private to src/notify: what the dispatcher (outbox.c)
 * hands the SMTP sender (smtp.c), which runs on a worker thread.
 */
#ifndef SWITCHBOARD_NOTIFY_INT_H
#define SWITCHBOARD_NOTIFY_INT_H

#include <stdatomic.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include "notify/notify.h"

/* The SMTP account, copied for the worker (the config is the SIP
 * thread's). */
struct smtp_conf {
	char url[256];      /* smtp://host:port or smtps://...       */
	char user[128];     /* "" = no AUTH                           */
	char password[128]; /* never logged, never in a result        */
};

/*
 * Deliver mail o through conf, blocking (connect timeout SMTP_CONNECT,
 * whole transfer SMTP_TIMEOUT), and describe the outcome in *r.  Setting
 * *stop aborts the transfer within about a second (a retryable result).
 * Safe on any thread: it touches only its arguments, libcurl and the
 * attachment files; it logs nothing.
 */
void smtp_send(const struct smtp_conf *conf, const struct store_outbox *o,
	       const atomic_bool *stop, struct notify_result *r);

enum {
	SMTP_CONNECT = 10,      /* [s] */
	SMTP_TIMEOUT = 120,     /* [s] */
	HTTP_POST_CONNECT = 10, /* [s] */
	HTTP_POST_TIMEOUT = 30, /* [s] */
};

/* The SMS gateway, copied for the worker. */
struct sms_conf {
	char url[256];   /* http(s)://...: JSON POST                 */
	char token[256]; /* bearer token, "" = none; never logged    */
};

/* Whose URL a request goes to (dest.c). */
enum notify_dest {
	NOTIFY_DEST_OPERATOR = 0,    /* the operator's (SMS gateway): as is */
	NOTIFY_DEST_TENANT,          /* a tenant's: https, public addresses */
	NOTIFY_DEST_TENANT_LOOPBACK, /* ... or loopback (a test option)  */
};

/* Is sa an address a tenant's request may go to (dest.c)?  Not the
 * unspecified address, loopback (unless allow_loopback), link-local,
 * private, carrier-grade NAT, multicast or reserved, nor such an IPv4
 * address inside IPv6. */
bool notify_addr_allowed(const struct sockaddr *sa, bool allow_loopback);

/*
 * Before a tenant's request on c: resolve url's host (blocking: on the
 * worker), check every address (notify_addr_allowed) and pin c to them
 * (CURLOPT_RESOLVE, *resolvep: the list to free after the transfer);
 * no redirects, no proxy, https only (http too with allow_loopback).
 * 0; else *r is the failure: EACCES "destination not allowed"
 * (permanent), EHOSTUNREACH "cannot resolve the host" (retried), ENOMEM.
 */
int notify_dest_pin(CURL *c, const char *url, bool allow_loopback,
		    struct curl_slist **resolvep, struct notify_result *r);

/*
 * POST body (JSON) to url with the extra header lines hdrv[0..hdrc)
 * ("Name: value"), blocking (HTTP_POST_CONNECT, HTTP_POST_TIMEOUT), and
 * describe the outcome in *r: ok for a 2xx; permanent for a 4xx other
 * than 408 and 429; the start of the answer's body in r->answer.  Setting *stop aborts it.  Safe on any thread; logs
 * nothing (http_post.c).
 */
void http_post_json(const char *url, const char *const *hdrv, size_t hdrc,
		    const char *body, enum notify_dest rule,
		    const atomic_bool *stop, struct notify_result *r);
/* SMS row o through the gateway of conf (sms.c). */
void sms_send(const struct sms_conf *conf, const struct store_outbox *o,
	      const atomic_bool *stop, struct notify_result *r);
/* Webhook row o, signed with secret (webhook.c). */
void webhook_send(const char *secret, bool allow_loopback,
		  const struct store_outbox *o, const atomic_bool *stop,
		  struct notify_result *r);

/* curl_cb.c: libcurl's progress callback that stops a transfer once
 * the atomic_bool stop flag (arg) is set, and a write callback that
 * drops an answer's body. */
int notify_curl_progress(void *arg, curl_off_t dlt, curl_off_t dln,
			 curl_off_t ult, curl_off_t uln);
size_t notify_curl_discard(char *p, size_t size, size_t n, void *arg);
/* A write callback that keeps the first sizeof(r->answer) - 1 bytes of an
 * answer's body in r->answer (arg: the struct notify_result), NUL
 * terminated, and drops the rest. */
size_t notify_curl_keep(char *p, size_t size, size_t n, void *arg);
/* outbox.c: the configuration the dispatcher was started with. */
const struct config *notify_config(const struct notify *n);

/* escalate.c: take the escalation steps of urgent notes due at now (the
 * dispatcher's timer calls it every NOTIFY_ESCALATE_POLL ms). */
void notify_escalate_tick(struct notify *n, uint64_t now);
/* oncall.c: the on-call attempts due at now (notify_escalate_tick). */
void notify_oncall_tick(struct notify *n, uint64_t now);
/* escalate.c: trail row e (written or changed) as an event
 * "note_escalation" of class call. */
void notify_escalation_publish(const struct store_note_escalation *e);
/* outbox.c: the on-call step's handler (notify_oncall_use), h NULL if
 * none. */
notify_oncall_h *notify_oncall_handler(const struct notify *n, void **argp);

#endif
