/*
 * call_test.h - the fake backend of the call tests (call_test_fake.c):
 * legs without SIP or sockets that write what is done to them into one
 * log string ("180;bridge A B1;free B1;"), so a test asserts the exact
 * order of what the call layer did.
 */
#ifndef SWITCHBOARD_CALL_TEST_H
#define SWITCHBOARD_CALL_TEST_H

#include "call/call_int.h"

struct fake {
	char log[2048];
	struct call_leg *a;       /* caller leg (weak)               */
	struct call_leg *legv[8]; /* dialled legs, in order (weak)  */
	size_t legc;
	unsigned devices;          /* legs an employee dial places     */
	int media_err;             /* a_media's answer                 */
	int offer_err;             /* a_offer's answer                 */
	call_player_done_h *doneh; /* of the last one-shot player */
	void *done_arg;
	int64_t rec_id;                /* record of the last call routed   */
	call_record_done_h *rec_doneh; /* of the last recording */
	void *rec_arg;
	char rec_path[256];            /* file of the last recording          */
	uint32_t rec_ms;               /* what record_stop answers: length */
	int rec_err;                   /* ... and error                    */
	bool inband;                   /* keys as tones listened for on A  */
	char cid[64];                  /* caller ID of the last dial       */
	call_speech_done_h *say_doneh; /* of the last speech request */
	void *say_arg;
	int speech_err;            /* what speak answers (0: "say ...") */
	struct call_dest dialv[8]; /* every member dialled, in order
				      (uri and number not kept)      */
	size_t dialc;
	int64_t unreachable; /* an employee with no device to ring */
};

extern struct fake fake;
extern const struct call_backend fake_backend;

/* Empty the log and forget the legs. */
void fake_reset(void);
/* Append to the log (re_printf format). */
void fake_log(const char *fmt, ...);
/* The log so far, then empty it (static buffer). */
const char *fake_take(void);
/* A backend leg state named name (logs "free <name>;" when freed). */
void *fake_be_alloc(const char *name);
/* The last speech request is ready: err, the file's path. */
void fake_say_done(int err, const char *path);
/* Make leg's far end hold (or not). */
void fake_set_held(struct call_leg *leg, bool held);
/* Event hook logging "[state]". */
void fake_event(const struct call *call, enum call_state state, void *arg);
/* Run the main loop for ms milliseconds (timers fire). */
void fake_run(uint32_t ms);

/* A call context on a fresh demo database with the fake backend, apps
 * as its application table; its state events logged (fake_event). */
struct env {
	char path[64];
	struct store *st;
	struct config cfg;
	struct call_ctx *ctx;
	struct store_device dev; /* 1001, Max */
	int64_t max, erika;      /* employees of 1001 and 1002 */
};

int env_open(struct env *e, const struct call_app *apps, size_t appc);
void env_close(struct env *e);
/* Device 1001 dials dialled. */
int env_call(struct env *e, const char *dialled);
/* The record of the last call routed: "<disposition> <code> <ended by>
 * <callee leg>". */
int env_record(struct env *e, char *buf, size_t sz);

#endif
