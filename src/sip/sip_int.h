/*
 * sip_int.h - private to src/sip: the server object shared by the
 * transport/dispatch (sipsrv.c), digest auth (auth.c), the registrar
 * (registrar.c) and the B2BUA (call.c).
 */
#ifndef SWITCHBOARD_SIP_INT_H
#define SWITCHBOARD_SIP_INT_H

#include "core/core.h"
#include "store/store.h"

struct sipsrv {
	const struct config *cfg;  /* (weak) */
	struct store *st;          /* (weak) */
	struct sip *sip;           /* (owned) */
	struct sip_lsnr *lsnr;     /* (owned) */
	struct sipsess_sock *sock; /* (owned) */
	struct list calls;         /* struct call, live calls */
	struct sa laddr;           /* SIP address (UDP)       */
	char host[64];             /* laddr as text for URIs  */
	uint8_t secret[16];        /* nonce MAC key           */
	struct tmr tmr_purge;      /* registration expiry     */
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

/* check.c */
/*
 * RFC 3261 sanity checks of a request libre has parsed.  0 if it may be
 * processed; otherwise EPROTO with the status (400 or 505) and reason to
 * answer in *scode / reason.
 */
int sipcheck_request(const struct sip_msg *msg, uint16_t *scode, char *reason,
		     size_t sz);

/* nat.c */
/* Hook Contact fixing into the UDP socket msg arrived on (once). */
void nat_attach(struct sipsrv *srv, const struct sip_msg *msg);
void nat_detach(void);

/* registrar.c */
void registrar_handle(struct sipsrv *srv, const struct sip_msg *msg);

/* call.c */
void call_incoming(struct sipsrv *srv, const struct sip_msg *msg);
void call_close_all(struct sipsrv *srv);

#endif
