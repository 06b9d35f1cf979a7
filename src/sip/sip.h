/*
 * sip.h - the SIP side of Switchboard: transports, registrar, digest
 * authentication (and its guard against password guessing) and the B2BUA
 * that turns every call into two legs with media anchored on this node.
 * Owns the sip stack and all live calls.
 */
#ifndef SWITCHBOARD_SIP_H
#define SWITCHBOARD_SIP_H

#include <stdint.h>

struct config;
struct store;

/* Start listening on cfg->sip_listen (UDP and TCP). */
int sipsrv_init(const struct config *cfg, struct store *st);
/* Hang up every call, unregister our trunks from their carriers (phones
 * stay registered), then call doneh when pending transactions have
 * finished (or after a few seconds). */
void sipsrv_shutdown(void (*doneh)(void));
/* Live calls on this node (ringing, answered or announcing). */
unsigned sipsrv_calls_active(void);

/* Free everything (after re_main returned). */
void sipsrv_close(void);

/* ---- password-guessing guard (sip/guard.c) ------------------------- */

/* A block in force: requests it covers get 403 unchecked until
 * blocked_until.  A username is throttled instead (guard.c): refused
 * within a window that doubles with each further failure, listed while
 * the throttle lasts (blocked_until may then be past: requests are
 * checked again). */
struct sip_auth_block {
	const char *kind;         /* "source", "user" or "pair"            */
	const char *key;          /* IP, username or "ip:port/username"     */
	uint32_t failures;        /* failed authentications that started it
				     (a user: all since its throttle began) */
	uint32_t refused;         /* requests refused by it since           */
	uint64_t blocked_until;   /* [ms] UTC, end of the (current) window  */
	uint32_t delay;           /* [s] length of that window              */
	uint64_t throttled_until; /* [ms] UTC, user: end of the throttle
				     unless another failure; 0 others      */
};

/* Return non-zero to stop the walk; that value is returned. */
typedef int(sip_auth_block_h)(const struct sip_auth_block *b, void *arg);

/* Call h for every block in force now (b is valid during the call only).
 * 0, the error of h, or ENOENT if SIP is not running. */
int sipsrv_auth_blocks(sip_auth_block_h *h, void *arg);
/* Lift the blocks whose key is key (an IP, a username or "ip:port/user";
 * every kind with that key); their counters start again from zero.
 * 0, ENOENT if there is no such block, EINVAL if key is NULL. */
int sipsrv_auth_unblock(const char *key);

/* ---- trunks that register to their carrier (sip/trunkreg.c) --------- */

enum sip_trunkreg_state {
	TRUNKREG_UNREGISTERED = 0, /* not running (SIP stopped, starting)  */
	TRUNKREG_REGISTERING,      /* REGISTER under way, no binding yet    */
	TRUNKREG_REGISTERED,       /* bound at the carrier until expires_at */
	TRUNKREG_FAILED,           /* last attempt failed; again retry_at   */
};

struct sip_trunkreg_status {
	enum sip_trunkreg_state state;
	uint16_t code;       /* last final SIP status; 0 = none or no answer */
	char reason[64];     /* its reason phrase, or what went wrong      */
	uint64_t expires_at; /* [ms] UTC binding valid until; 0 = none     */
	uint64_t retry_at;   /* [ms] UTC next attempt after a failure; 0    */
	uint32_t failures;   /* failed attempts in a row                   */
};

/* "unregistered", "registering", "registered", "failed". */
const char *sipsrv_trunkreg_state_name(enum sip_trunkreg_state state);
/* Re-read the trunks from the store after one was created, changed or
 * deleted: start, restart (new settings) or stop (unregister) their
 * registrations.  Does nothing while SIP is not running. */
void sipsrv_trunkreg_reload(void);
/* Registration state of trunk id.  ENOENT if it keeps no registration
 * (not a registering trunk, or SIP is not running). */
int sipsrv_trunkreg_status(int64_t trunk_id, struct sip_trunkreg_status *s);

#endif
