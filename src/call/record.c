/*
 * record.c - the record operation: what the caller says, into a WAV
 * file, until max_ms, silence_ms, a stop digit, call_record_stop() or
 * the end of the call.  The recording itself is the backend's (media/
 * recorder.c behind call/sip_leg.c); here are the reasons it ends and
 * the one promise voicemail is built on: whatever ends it, the handler
 * hears of it exactly once, after the file is on disk, and when the call
 * ends (the caller hangs up, the normal end of a voicemail message)
 * before the call's subscribers and end handler do (call_end()).
 *
 *   call_record -> [recording] -- stop digit ------> h(DIGIT, key)
 *                      |  |  |--- max / silence --> h(MAX / SILENCE)
 *                      |  |------ call_record_stop -> h(STOPPED)
 *                      |--------- the call ends ---> h(HANGUP / STOPPED)
 *                                                    then [done], endh
 *   call_reroute(): finished, kept on disk, h not called
 *   every end: backend record_stop (written, closed, fsync'ed) first
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

enum { RECORD_PATH = 300, STOP_DIGITS = 17 };

struct call_record {
	struct call *call;      /* (weak; the call owns us)       */
	void *rec;              /* the backend's recorder (owned) */
	char path[RECORD_PATH]; /* for the log                    */
	char stop[STOP_DIGITS]; /* stop digits, "" none           */
	call_record_h *h;
	void *arg;
};

static const char *const end_names[] = {
    [CALL_REC_MAX] = "max",         [CALL_REC_SILENCE] = "silence",
    [CALL_REC_DIGIT] = "digit",     [CALL_REC_HANGUP] = "hangup",
    [CALL_REC_STOPPED] = "stopped", [CALL_REC_ERROR] = "error",
};

const char *call_record_end_name(enum call_record_end why)
{
	return (size_t)why < ARRAY_SIZE(end_names) ? end_names[why] : "?";
}

/* freed without a result (re-route, the call freed): still on disk */
static void record_destructor(void *arg)
{
	struct call_record *r = arg;
	uint32_t ms;

	if (r->rec)
		(void)r->call->ctx->be->record_stop(r->rec, &ms);
	r->rec = mem_deref(r->rec);
}

static void record_report(struct call_record *r, int err, uint32_t ms,
			  enum call_record_end why, char digit)
{
	struct call *call = r->call;
	call_record_h *h = r->h;
	void *arg = r->arg;

	r->rec = mem_deref(r->rec); /* finished: nothing left to stop */
	if (err) {
		why = CALL_REC_ERROR;
		warning("call: %s: recording %s failed: %m\n",
			call->rec.sip_call_id, r->path, err);
	}
	else {
		info("call: %s: recording %s ended: %s, %u ms\n",
		     call->rec.sip_call_id, r->path, call_record_end_name(why),
		     ms);
	}
	call->record = mem_deref(r);
	if (h)
		h(call, err, ms, why, why == CALL_REC_DIGIT ? digit : '\0',
		  arg);
}

/* ended by us: the backend finishes the file first */
static void record_finish(struct call_record *r, enum call_record_end why,
			  char digit)
{
	uint32_t ms = 0;
	int err = r->call->ctx->be->record_stop(r->rec, &ms);

	record_report(r, err, ms, why, digit);
}

/* ended by itself (the backend finished the file) */
static void record_done(int err, uint32_t ms, enum call_record_end why,
			void *arg)
{
	record_report(arg, err, ms, why, '\0');
}

int call_record(struct call *call, const struct call_record_prm *prm,
		call_record_h *h, void *arg)
{
	struct call_record *r;
	int err;

	if (!call || !prm || !prm->path || !prm->path[0] || !prm->max_ms ||
	    strlen(prm->path) >= RECORD_PATH ||
	    (prm->stop_digits && strlen(prm->stop_digits) >= STOP_DIGITS))
		return EINVAL;
	if (!call->a_answered || call->state == CALL_DONE)
		return ENOTCONN;
	if (call->record)
		return EALREADY;
	r = mem_zalloc(sizeof(*r), record_destructor);
	if (!r)
		return ENOMEM;
	r->call = call;
	str_copy(r->path, prm->path, sizeof(r->path));
	str_copy(r->stop, prm->stop_digits, sizeof(r->stop));
	r->h = h;
	r->arg = arg;
	err = call->ctx->be->record(&r->rec, call->a, r->path, prm->max_ms,
				    prm->silence_ms, record_done, r);
	if (err) {
		warning("call: %s: cannot record to %s: %m\n",
			call->rec.sip_call_id, r->path, err);
		mem_deref(r);
		return err;
	}
	call->record = r;
	call_rtp_watch(call);
	return 0;
}

void call_record_stop(struct call *call)
{
	if (call && call->record)
		record_finish(call->record, CALL_REC_STOPPED, '\0');
}

bool call_record_digit(struct call *call, char digit)
{
	struct call_record *r = call->record;

	if (!r || !digit || !strchr(r->stop, digit))
		return false;
	record_finish(r, CALL_REC_DIGIT, digit);
	return true;
}

void call_record_hangup(struct call *call, enum store_party by)
{
	if (call->record)
		record_finish(call->record,
			      by == STORE_PARTY_CALLER ? CALL_REC_HANGUP
						       : CALL_REC_STOPPED,
			      '\0');
}
