/*
 * sip.h - the SIP side of Switchboard: transports, registrar, digest
 * authentication and the B2BUA that turns every call into two legs with
 * media anchored on this node.  Owns the sip stack and all live calls.
 */
#ifndef SWITCHBOARD_SIP_H
#define SWITCHBOARD_SIP_H

struct config;
struct store;

/* Start listening on cfg->sip_listen (UDP and TCP). */
int sipsrv_init(const struct config *cfg, struct store *st);
/* Hang up every call, unregister nothing, then call doneh when pending
 * transactions have finished (or after a few seconds). */
void sipsrv_shutdown(void (*doneh)(void));
/* Live calls on this node (ringing, answered or announcing). */
unsigned sipsrv_calls_active(void);

/* Free everything (after re_main returned). */
void sipsrv_close(void);

#endif
