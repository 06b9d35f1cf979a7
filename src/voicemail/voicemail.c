/*
 * voicemail.c - a mailbox on the call-control seam (call/call.h only).
 *
 *   start: mailbox and tenant read, answer
 *     |
 *     v
 *   [greeting] the uploaded WAV, or the spoken default (media_speech:
 *     |        "... Mailbox von <name> ...", the prompt mailbox_greeting
 *     |        if speech fails), then beep.wav
 *     v
 *   [recording] .rec-<node>-<random>.wav until '#', silence, max_ms, hang-up
 *     |
 *     +-- error ---------------------------> file removed, hang up
 *     +-- shorter than min_ms (not counting
 *     |   the silence that ended it) ------> dropped, goodbye, hang up
 *     +-- else: saved (message.c: renamed, synced, message and mail
 *         committed in one transaction), "message saved", hang up
 *
 * A caller who hangs up while recording ends the normal way: the
 * recorder finishes the file and call_record's handler runs before the
 * call is gone, so the message is saved; nothing is played then.  A
 * caller who hangs up during the greeting leaves nothing.
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "media/media.h"
#include "voicemail/voicemail.h"
#include "voicemail/voicemail_int.h"

struct voicemail {
	struct call *call; /* (weak) it owns us */
	struct store_mailbox mb;
	enum store_language lang;    /* the tenant's                 */
	struct route_target origin;  /* how the mailbox was reached  */
	struct media_speech *speech; /* the default greeting (owned) */
	char greeting[VM_PATH];      /* WAV, or "" while spoken      */
	char tmp[VM_PATH];           /* the recording (.rec-*)       */
	char prompt[VM_PATH];        /* saved / goodbye              */
	char beep[VM_PATH];
	uint64_t started_at; /* [ms] the recording began */
	bool answered;       /* the caller took our answer */
};

static void destructor(void *arg)
{
	struct voicemail *v = arg;

	media_speech_cancel(v->speech);
	v->speech = NULL;
}

static void hangup_failed(struct call *call)
{
	call_hangup(call, 500, NULL, STORE_DISP_FAILED, STORE_PARTY_SYSTEM);
}

static void bye_played(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	(void)digit;
	(void)arg;
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

/* Play the prompt name of the tenant's language, then hang up. */
static void bye(struct call *call, struct voicemail *v, const char *name)
{
	const char *files[1] = {v->prompt};

	re_snprintf(v->prompt, sizeof(v->prompt), "%s/%s/%s.wav",
		    call_config(call)->prompts_dir,
		    store_language_name(v->lang), name);
	if (call_play(call, files, 1, false, bye_played, v))
		hangup_failed(call);
}

static void recorded(struct call *call, int err, uint32_t ms,
		     enum call_record_end why, char digit, void *arg)
{
	struct voicemail *v = arg;
	struct store_vm_message m;
	struct vm_recorded r;
	bool ending = why == CALL_REC_HANGUP || why == CALL_REC_STOPPED;
	uint32_t said = ms;

	(void)digit;
	if (err) {
		(void)unlink(v->tmp);
		if (!ending)
			hangup_failed(call);
		return;
	}
	if (why == CALL_REC_SILENCE)
		said = ms > v->mb.silence_ms ? ms - v->mb.silence_ms : 0;
	if (said < v->mb.min_ms) {
		info("voicemail: %s: mailbox %lld: %u ms (%u spoken) is "
		     "shorter than %u ms: dropped\n",
		     call_id(call), (long long)v->mb.id, ms, said,
		     v->mb.min_ms);
		(void)unlink(v->tmp);
		if (!ending)
			bye(call, v, "goodbye");
		return;
	}

	memset(&r, 0, sizeof(r));
	r.mb = &v->mb;
	r.lang = v->lang;
	r.tmp = v->tmp;
	r.caller = call_from(call);
	r.caller_name = v->origin.caller_name;
	r.started_at = v->started_at;
	r.ms = ms;
	err = vm_message_save(call_config(call), call_store(call), &r, &m);
	if (ending)
		return;
	if (err)
		hangup_failed(call);
	else
		bye(call, v, "message_saved");
}

static void record(struct call *call, struct voicemail *v)
{
	struct call_record_prm prm = {v->tmp, v->mb.max_ms, v->mb.silence_ms,
				      "#"};
	char dir[VM_PATH], rnd[17], tag[64];
	int err;

	err = vm_dir(dir, sizeof(dir), call_config(call), v->mb.tenant_id);
	if (err) {
		warning("voicemail: %s: mailbox %lld: directory: %m\n",
			call_id(call), (long long)v->mb.id, err);
		hangup_failed(call);
		return;
	}
	str_random_hex(rnd, 8);
	vm_node_tag(tag, sizeof(tag), call_config(call));
	re_snprintf(v->tmp, sizeof(v->tmp), "%s/.rec-%s-%s.wav", dir, tag, rnd);
	v->started_at = time_now_ms();
	err = call_record(call, &prm, recorded, v);
	if (!err)
		info("voicemail: %s: mailbox %lld: recording %s\n",
		     call_id(call), (long long)v->mb.id, v->tmp);
	if (err) {
		warning("voicemail: %s: mailbox %lld: record: %m\n",
			call_id(call), (long long)v->mb.id, err);
		hangup_failed(call);
	}
}

static void greeted(struct call *call, int err, char digit, void *arg)
{
	struct voicemail *v = arg;

	(void)digit;
	if (err == ENOENT)
		warning("voicemail: %s: mailbox %lld: greeting %s cannot be "
			"played\n",
			call_id(call), (long long)v->mb.id, v->greeting);
	record(call, v);
}

static void greet(struct call *call, struct voicemail *v)
{
	const char *files[2] = {v->greeting, v->beep};

	if (call_play(call, files, 2, false, greeted, v))
		hangup_failed(call);
}

/* The spoken default greeting is ready, or failed: then the prompt
 * mailbox_greeting of the tenant's language stands in for it. */
static void spoken(int err, const char *path, void *arg)
{
	struct voicemail *v = arg;

	if (err) {
		warning("voicemail: mailbox %lld: no speech (%m): the default "
			"prompt instead\n",
			(long long)v->mb.id, err);
		re_snprintf(v->greeting, sizeof(v->greeting),
			    "%s/%s/mailbox_greeting.wav",
			    call_config(v->call)->prompts_dir,
			    store_language_name(v->lang));
	}
	else {
		str_copy(v->greeting, path, sizeof(v->greeting));
	}
	media_speech_cancel(v->speech); /* reported: given back */
	v->speech = NULL;
	if (v->answered)
		greet(v->call, v);
}

static void answered(struct call *call, void *arg)
{
	struct voicemail *v = arg;

	v->answered = true;
	if (v->greeting[0])
		greet(call, v);
	/* else the speech is not ready: spoken() greets */
}

/* The default greeting: the mailbox's name spoken (cached by media/). */
static void speak(struct voicemail *v)
{
	char text[256];
	int err;

	vm_greeting_text(text, sizeof(text), v->lang, v->mb.name);
	err = media_speech(&v->speech, store_language_name(v->lang), text,
			   spoken, v);
	if (err)
		spoken(err, NULL, v);
}

int voicemail_start(struct call *call, const struct route_target *t)
{
	const char *dir = call_config(call)->prompts_dir;
	struct store_tenant tenant;
	struct voicemail *v;
	int err;

	v = mem_zalloc(sizeof(*v), destructor);
	if (!v)
		return ENOMEM;
	err = store_mailbox_get(call_store(call), t->id, &v->mb);
	if (!err)
		err = store_tenant_get(call_store(call), v->mb.tenant_id,
				       &tenant);
	if (err) {
		mem_deref(v);
		return err;
	}
	v->call = call;
	v->origin = *t;
	v->lang = tenant.language;
	re_snprintf(v->beep, sizeof(v->beep), "%s/beep.wav", dir);
	if (v->mb.greeting[0])
		re_snprintf(v->greeting, sizeof(v->greeting), "%s/%s", dir,
			    v->mb.greeting);
	call_app_data_set(call, v); /* the call owns it now */
	info("voicemail: %s: mailbox %lld (%s)\n", call_id(call),
	     (long long)v->mb.id, v->mb.name);
	if (!v->greeting[0])
		speak(v);
	return call_answer(call, "voicemail", answered, v);
}
