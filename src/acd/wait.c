/*
 * wait.c - a caller waiting in a queue (acd_int.h): greeting, the
 * all-busy notice with its choice, position and expected wait, music.
 *
 *   start --greeting--> [nobody free and a choice offered?]
 *                         | yes: all busy (or nobody there), 1 wait,
 *                         |      2 message, 3 callback  --> one key
 *                         |        2 -> choice(voicemail)
 *                         |        3 -> callback number (below)
 *                         |        1, none, other -> on
 *                         v
 *   [announce: position, wait] --> [music + keys until the next one]
 *        ^                                  | announce_ms passed
 *        +----------------------------------+ (not while quiet)
 *                                           | 3 / 2 when offered
 *                                           v
 *   callback: "1 for this number, or type one and #" --> 1: the caller's
 *   number; digits: read back, 1 confirms, 2 types again; no usable
 *   number or no answer twice: back to the music, place kept.
 *
 * The wait said is the estimator's (acd_est_say_next: rounded, and never
 * the same short time a third time while the caller does not move).
 * Without a speech synthesiser nothing is said but the prompts; the
 * caller still hears music and the notice.  Everything runs on the SIP
 * thread; the object belongs to the queue, which frees it when an agent
 * took the call, the caller chose, or the call ended.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "call/call.h"
#include "media/media.h"
#include "ivr/ivr.h"
#include "acd/acd_int.h"

enum {
	PATH_SZ = 300,
	TEXT_SZ = 256,
	CHOICE_MS = 6000,        /* [ms] for the key after the notice      */
	NUMBER_FIRST_MS = 10000, /* [ms] for the first key of a number  */
	NUMBER_INTER_MS = 5000,  /* [ms] between its keys               */
	NUMBER_MAX = 20,         /* digits of a typed number, # included   */
	CB_TRIES = 2,            /* callback number asked at most          */
	MUSIC_MAX_MS = 3600000,  /* [ms] keys waited for without announcing */
};

enum wstate {
	W_GREETING = 0,
	W_NOTICE,   /* all busy + options playing, then the key         */
	W_ANNOUNCE, /* position and wait being said                     */
	W_MUSIC,    /* music, keys collected until the next one         */
	W_CB_ASK,   /* callback: which number                           */
	W_CB_BACK,  /* callback: the typed number read back, confirm    */
	W_DONE,     /* the caller chose: nothing runs                   */
};

struct acd_wait {
	struct call *call; /* (weak: the queue frees us before the call) */
	struct acd_wait_prm prm;
	char lang[4];
	char greeting[PATH_SZ];
	acd_wait_info_h *infoh;
	acd_wait_choice_h *choiceh;
	void *arg;
	enum wstate state;
	bool quiet;
	uint64_t next_at; /* [ms] the next announcement is due      */
	struct acd_est_say said;
	char number[NUMBER_MAX + 2]; /* callback number typed      */
	unsigned cb_tries;
};

static void announce(struct acd_wait *w);
static void music(struct acd_wait *w);
static void callback_ask(struct acd_wait *w);

static void wait_destructor(void *arg)
{
	struct acd_wait *w = arg;

	if (w->state == W_DONE)
		return;
	/* the queue takes over: what we started stops, not the music the
	 * bridge may run for a hold (the queue's dial stops ours) */
	call_play_stop(w->call);
	call_collect_stop(w->call);
}

static void path_of(const struct acd_wait *w, char *buf, size_t sz,
		    const char *name)
{
	re_snprintf(buf, sz, "%s/%s/%s.wav", call_config(w->call)->prompts_dir,
		    w->lang, name);
}

/* Play the default prompts names[0..n) (file names without .wav). */
static int play_names(struct acd_wait *w, const char *const *names, size_t n,
		      bool interruptible, call_play_h *h)
{
	char paths[6][PATH_SZ];
	const char *files[6];
	size_t i;

	if (n > ARRAY_SIZE(files))
		return EINVAL;
	for (i = 0; i < n; i++) {
		path_of(w, paths[i], sizeof(paths[i]), names[i]);
		files[i] = paths[i];
	}
	return call_play(w->call, files, n, interruptible, h, w);
}

static void choose(struct acd_wait *w, enum acd_wait_choice c,
		   const char *number)
{
	call_play_stop(w->call);
	call_collect_stop(w->call);
	(void)call_hold(w->call, false);
	w->state = W_DONE;
	w->choiceh(c, number, w->arg); /* may free w */
}

/* A key that leaves the line (2, 3), if offered: true when taken. */
static bool key_choice(struct acd_wait *w, char key)
{
	if (key == '2' && w->prm.offer_voicemail) {
		choose(w, ACD_WAIT_VOICEMAIL, "");
		return true;
	}
	if (key == '3' && w->prm.offer_callback) {
		w->cb_tries = 0;
		callback_ask(w);
		return true;
	}
	return false;
}

/* ---- the callback number --------------------------------------------- */

static void cb_confirmed(struct call *call, int err, const char *digits,
			 void *arg)
{
	struct acd_wait *w = arg;

	(void)call;
	if (!err && digits[0] == '1') {
		choose(w, ACD_WAIT_CALLBACK, w->number);
		return;
	}
	if (!err && digits[0] == '2' && w->cb_tries < CB_TRIES) {
		callback_ask(w);
		return;
	}
	music(w); /* no answer: the caller keeps waiting, place kept */
}

static void cb_read_back(struct call *call, int err, char digit, void *arg)
{
	struct acd_wait *w = arg;
	struct call_collect_prm cp = {1, 1, 0, CHOICE_MS, CHOICE_MS};

	(void)digit; /* a key stopped it: collect takes it */
	if (err || call_collect(call, &cp, cb_confirmed, w))
		music(w);
}

/* The number as the caller typed it, in E.164 ("" if unusable). */
static void typed_number(const struct acd_wait *w, const char *digits,
			 char *out, size_t sz)
{
	if (phone_normalise(out, sz, digits, &w->prm.ctx) != PHONE_E164)
		out[0] = '\0';
}

static void cb_number(struct call *call, int err, const char *digits, void *arg)
{
	struct acd_wait *w = arg;
	char e164[32];

	if (!err && !strcmp(digits, "1")) { /* the calling number */
		typed_number(w, call_from(call), e164, sizeof(e164));
		if (e164[0]) {
			choose(w, ACD_WAIT_CALLBACK, e164);
			return;
		}
		/* anonymous or internal: a number must be typed */
	}
	else if (!err || err == ETIMEDOUT) {
		typed_number(w, digits, e164, sizeof(e164));
		if (e164[0]) {
			str_copy(w->number, e164, sizeof(w->number));
			w->state = W_CB_BACK;
			if (!ivr_read_back(call, w->lang, digits, cb_read_back,
					   w))
				return;
		}
	}
	if (w->cb_tries < CB_TRIES) {
		callback_ask(w);
		return;
	}
	music(w);
}

static void cb_asked(struct call *call, int err, char digit, void *arg)
{
	struct acd_wait *w = arg;
	struct call_collect_prm cp = {1, NUMBER_MAX, '#', NUMBER_FIRST_MS,
				      NUMBER_INTER_MS};

	(void)digit;
	if (err || call_collect(call, &cp, cb_number, w))
		music(w);
}

static void callback_ask(struct acd_wait *w)
{
	static const char *const names[] = {"callback_ask"};

	w->cb_tries++;
	w->state = W_CB_ASK;
	call_collect_stop(w->call);
	(void)call_hold(w->call, false);
	if (play_names(w, names, 1, true, cb_asked))
		music(w);
}

/* ---- music and announcements ------------------------------------------ */

static void music_key(struct call *call, int err, const char *digits, void *arg)
{
	struct acd_wait *w = arg;

	(void)call;
	if (!err && key_choice(w, digits[0]))
		return;
	if (!w->quiet && w->prm.announce_ms && tmr_jiffies() >= w->next_at) {
		(void)call_hold(w->call, false);
		announce(w);
		return;
	}
	music(w);
}

/* Music, and the keys that leave the line, until the next announcement. */
static void music(struct acd_wait *w)
{
	struct call_collect_prm cp = {1, 1, 0, MUSIC_MAX_MS, MUSIC_MAX_MS};
	uint64_t now = tmr_jiffies();

	w->state = W_MUSIC;
	(void)call_hold(w->call, true);
	if (!w->quiet && w->prm.announce_ms)
		cp.first_ms =
		    w->next_at > now ? (uint32_t)(w->next_at - now) : 0;
	call_collect_stop(w->call);
	if (call_collect(w->call, &cp, music_key, w))
		warning("acd: %s: keys while waiting: not collected\n",
			call_id(w->call));
}

static void announced(struct call *call, int err, char digit, void *arg)
{
	struct acd_wait *w = arg;

	(void)call;
	(void)err; /* no synthesiser: the caller hears the music */
	if (digit && key_choice(w, digit))
		return;
	music(w);
}

/* "Sie sind an Position drei. Die voraussichtliche Wartezeit beträgt
 * etwa zwei Minuten." from what the queue says now. */
static void announce(struct acd_wait *w)
{
	struct acd_wait_info info = {0, ACD_EST_UNKNOWN, false, false};
	char text[TEXT_SZ], part[TEXT_SZ];
	uint64_t now = tmr_jiffies();
	uint32_t say = 0;

	w->state = W_ANNOUNCE;
	w->next_at = now + w->prm.announce_ms;
	w->infoh(&info, w->arg);
	text[0] = '\0';
	if (w->prm.say_position && info.position &&
	    !media_phrase_position(part, sizeof(part), w->lang, info.position))
		str_copy(text, part, sizeof(text));
	if (w->prm.say_wait && info.position)
		say = acd_est_say_next(&w->said, info.est_ms, info.position - 1,
				       now);
	if (say && !media_phrase_wait(part, sizeof(part), w->lang, say)) {
		size_t n = strlen(text);
		re_snprintf(text + n, sizeof(text) - n, "%s%s", n ? " " : "",
			    part);
	}
	if (!text[0] || call_say(w->call, w->lang, text, true, announced, w))
		music(w);
}

/* ---- entry ------------------------------------------------------------- */

static void notice_key(struct call *call, int err, const char *digits,
		       void *arg)
{
	struct acd_wait *w = arg;

	(void)call;
	if (!err && key_choice(w, digits[0]))
		return;
	announce(w); /* 1, no key, another key: keep waiting */
}

static void notice_played(struct call *call, int err, char digit, void *arg)
{
	struct acd_wait *w = arg;
	struct call_collect_prm cp = {1, 1, 0, CHOICE_MS, CHOICE_MS};

	(void)digit; /* a key stopped it: collect takes it */
	if (err || call_collect(call, &cp, notice_key, w))
		announce(w);
}

/* All busy, or nobody there: said at once, with the choice offered. */
static void notice(struct acd_wait *w, const struct acd_wait_info *info)
{
	const char *names[4];
	size_t n = 0;

	w->state = W_NOTICE;
	names[n++] = info->no_agents ? "queue_no_agents" : "queue_all_busy";
	if (w->prm.offer_voicemail || w->prm.offer_callback)
		names[n++] = "queue_opt_wait";
	if (w->prm.offer_voicemail)
		names[n++] = "queue_opt_voicemail";
	if (w->prm.offer_callback)
		names[n++] = "queue_opt_callback";
	if (play_names(w, names, n, true, n > 1 ? notice_played : announced))
		announce(w);
}

static void greeted(struct call *call, int err, char digit, void *arg)
{
	struct acd_wait *w = arg;
	struct acd_wait_info info = {0, ACD_EST_UNKNOWN, false, false};

	(void)call;
	(void)err;
	(void)digit;
	w->infoh(&info, w->arg);
	if (info.all_busy || info.no_agents)
		notice(w, &info);
	else
		announce(w);
}

int acd_wait_start(struct acd_wait **wp, struct call *call,
		   const struct acd_wait_prm *prm, acd_wait_info_h *infoh,
		   acd_wait_choice_h *choiceh, void *arg)
{
	struct acd_wait *w;
	int err = 0;

	if (!wp || !call || !prm || !prm->lang || !infoh || !choiceh)
		return EINVAL;
	if (call_state(call) != CALL_ANSWERED)
		return ENOTCONN;
	w = mem_zalloc(sizeof(*w), wait_destructor);
	if (!w)
		return ENOMEM;
	w->call = call;
	w->prm = *prm;
	str_copy(w->lang, prm->lang, sizeof(w->lang));
	w->prm.lang = w->lang;
	str_copy(w->greeting, prm->greeting ? prm->greeting : "",
		 sizeof(w->greeting));
	w->prm.greeting = w->greeting;
	w->infoh = infoh;
	w->choiceh = choiceh;
	w->arg = arg;
	if (w->greeting[0]) {
		char path[PATH_SZ];
		const char *files[1] = {path};

		re_snprintf(path, sizeof(path), "%s/%s",
			    call_config(call)->prompts_dir, w->greeting);
		w->state = W_GREETING;
		err = call_play(call, files, 1, false, greeted, w);
	}
	if (!w->greeting[0] || err)
		greeted(call, 0, '\0', w);
	*wp = w;
	return 0;
}

void acd_wait_quiet(struct acd_wait *w, bool quiet)
{
	if (!w)
		return;
	w->quiet = quiet;
	if (!quiet && w->state == W_MUSIC)
		music(w); /* the collect's wait ends at the next announcement */
}
