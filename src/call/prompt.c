/*
 * prompt.c - what the caller hears and keys in: a list of prompts played
 * one after another (a key may stop them), and digits collected with a
 * length, a terminator and timeouts.  Digits come from the backend (RFC
 * 4733 events or SIP INFO, once per key press); those that arrive while
 * nothing collects wait in call->digits for the next collect, so a key
 * that stops a menu prompt is the first digit of the choice.
 *
 *   play:    file 0 -> file 1 -> ... -> handler(0, '\0')
 *            key (interruptible) -> handler(0, key)
 *   say:     speech made (backend) -> its file played as above
 *   collect: buffered digits first; each digit restarts the inter-digit
 *            timer; max reached / terminator -> handler(0 | ENODATA);
 *            timer -> handler(ETIMEDOUT)
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"
#include "store/store.h"

enum { PROMPT_PATH = 300 };

struct call_play {
	struct call *call;          /* (weak) */
	char (*files)[PROMPT_PATH]; /* (owned) */
	size_t n;
	size_t i;     /* playing files[i]   */
	void *player; /* (owned)            */
	void *speech; /* (owned) call_say: the speech being made */
	const struct call_backend *be;
	bool private; /* call_say_private: files[0] is forgotten at the end */
	bool interruptible;
	call_play_h *h;
	void *arg;
};

struct call_collect {
	struct call *call; /* (weak) */
	struct call_collect_prm prm;
	struct tmr tmr;
	char got[32];
	size_t n;
	int result; /* ETIMEDOUT until done                */
	bool done;  /* result set, the handler comes at once */
	call_collect_h *h;
	void *arg;
};

static void play_destructor(void *arg)
{
	struct call_play *p = arg;

	p->speech = mem_deref(p->speech);
	p->player = mem_deref(p->player);
	if (p->private && p->files && p->files[0][0] && p->be->forget)
		p->be->forget(p->files[0]);
	p->files = mem_deref(p->files);
}

static void play_finish(struct call_play *p, int err, char digit)
{
	struct call *call = p->call;
	call_play_h *h = p->h;
	void *arg = p->arg;

	call->play = mem_deref(p);
	if (h)
		h(call, err, digit, arg);
}

static void play_done(void *arg);

static int play_file(struct call_play *p)
{
	struct call *call = p->call;

	p->player = mem_deref(p->player);
	return call->ctx->be->play(&p->player, call->a, p->files[p->i], false,
				   play_done, p);
}

static void play_done(void *arg)
{
	struct call_play *p = arg;
	int err;

	if (++p->i >= p->n) {
		play_finish(p, 0, '\0');
		return;
	}
	err = play_file(p);
	if (err)
		play_finish(p, err, '\0');
}

int call_play(struct call *call, const char *const *files, size_t n,
	      bool interruptible, call_play_h *h, void *arg)
{
	struct call_play *p;
	size_t i;
	int err;

	if (!call || !files || !n)
		return EINVAL;
	if (!call->a_answered || call->state == CALL_DONE)
		return ENOTCONN;
	if (call->play)
		return EALREADY;
	p = mem_zalloc(sizeof(*p), play_destructor);
	if (!p)
		return ENOMEM;
	p->files = mem_zalloc(n * sizeof(*p->files), NULL);
	if (!p->files) {
		mem_deref(p);
		return ENOMEM;
	}
	for (i = 0; i < n; i++)
		str_copy(p->files[i], files[i], PROMPT_PATH);
	p->call = call;
	p->n = n;
	p->interruptible = interruptible;
	p->h = h;
	p->arg = arg;
	err = play_file(p);
	if (err) {
		mem_deref(p);
		return err;
	}
	call->play = p;
	call_rtp_watch(call);
	return 0;
}

/* the speech of call_say() is ready: play it */
static void say_done(int err, const char *path, void *arg)
{
	struct call_play *p = arg;

	p->speech = mem_deref(p->speech); /* spoken: the request is done */
	if (!err) {
		str_copy(p->files[0], path, PROMPT_PATH);
		err = play_file(p);
	}
	if (err)
		play_finish(p, err, '\0');
}

static int say(struct call *call, const char *lang, const char *text,
	       bool private, bool interruptible, call_play_h *h, void *arg)
{
	const struct call_backend *be;
	struct call_play *p;
	int err;

	if (!call || !lang || !str_isset(text))
		return EINVAL;
	if (!call->a_answered || call->state == CALL_DONE)
		return ENOTCONN;
	if (call->play)
		return EALREADY;
	be = call->ctx->be;
	if (!be->speak)
		return ENOSYS;
	p = mem_zalloc(sizeof(*p), play_destructor);
	if (!p)
		return ENOMEM;
	p->files = mem_zalloc(sizeof(*p->files), NULL);
	if (!p->files) {
		mem_deref(p);
		return ENOMEM;
	}
	p->call = call;
	p->be = be;
	p->private = private;
	p->n = 1;
	p->interruptible = interruptible;
	p->h = h;
	p->arg = arg;
	err = be->speak(&p->speech, lang, text, say_done, p);
	if (err) {
		mem_deref(p);
		return err;
	}
	call->play = p;
	call_rtp_watch(call);
	return 0;
}

int call_say(struct call *call, const char *lang, const char *text,
	     bool interruptible, call_play_h *h, void *arg)
{
	return say(call, lang, text, false, interruptible, h, arg);
}

int call_say_private(struct call *call, const char *lang, const char *text,
		     bool interruptible, call_play_h *h, void *arg)
{
	return say(call, lang, text, true, interruptible, h, arg);
}

void call_play_stop(struct call *call)
{
	if (call)
		call->play = mem_deref(call->play);
}

/* ---- collect ------------------------------------------------------------- */

static void collect_destructor(void *arg)
{
	struct call_collect *c = arg;

	tmr_cancel(&c->tmr);
}

static void collect_finish(struct call_collect *c, int err)
{
	struct call *call = c->call;
	call_collect_h *h = c->h;
	void *arg = c->arg;
	char got[sizeof(c->got)];

	str_copy(got, c->got, sizeof(got));
	call->collect = mem_deref(c);
	h(call, err, got, arg);
}

static void collect_timeout(void *arg)
{
	struct call_collect *c = arg;

	collect_finish(c, c->result);
}

/* Take one digit: true if collecting is over (result set). */
static bool collect_take(struct call_collect *c, char digit)
{
	if (c->done)
		return true;
	if (c->prm.term && digit == c->prm.term) {
		c->result = c->n >= c->prm.min ? 0 : ENODATA;
		c->done = true;
		return true;
	}
	c->got[c->n++] = digit;
	c->got[c->n] = '\0';
	if (c->n >= c->prm.max) {
		c->result = 0;
		c->done = true;
	}
	return c->done;
}

int call_collect(struct call *call, const struct call_collect_prm *prm,
		 call_collect_h *h, void *arg)
{
	struct call_collect *c;
	bool done = false;
	size_t i, used = 0;

	if (!call || !prm || !h || !prm->max || prm->max >= sizeof(c->got) ||
	    prm->min > prm->max)
		return EINVAL;
	if (!call->a_answered || call->state == CALL_DONE)
		return ENOTCONN;
	if (call->collect)
		return EALREADY;
	c = mem_zalloc(sizeof(*c), collect_destructor);
	if (!c)
		return ENOMEM;
	c->call = call;
	c->prm = *prm;
	c->h = h;
	c->arg = arg;
	c->result = ETIMEDOUT;
	tmr_init(&c->tmr);
	for (i = 0; call->digits[i] && !done; i++) {
		done = collect_take(c, call->digits[i]);
		used = i + 1;
	}
	memmove(call->digits, call->digits + used,
		strlen(call->digits + used) + 1);
	call->collect = c;
	/* the handler runs later, also when the buffer was enough */
	tmr_start(&c->tmr, done ? 0 : (c->n ? prm->inter_ms : prm->first_ms),
		  collect_timeout, c);
	return 0;
}

void call_collect_stop(struct call *call)
{
	if (call)
		call->collect = mem_deref(call->collect);
}

/* ---- digits ---------------------------------------------------------------- */

void call_prompt_digit(struct call *call, char digit)
{
	struct call_collect *c = call->collect;
	struct call_play *p = call->play;
	size_t n;

	if (c) {
		if (collect_take(c, digit))
			tmr_start(&c->tmr, 0, collect_timeout, c);
		else
			tmr_start(&c->tmr, c->prm.inter_ms, collect_timeout, c);
	}
	else {
		n = strlen(call->digits);
		if (n + 1 < sizeof(call->digits)) {
			call->digits[n] = digit;
			call->digits[n + 1] = '\0';
		}
	}
	if (p && p->interruptible)
		play_finish(p, 0, digit);
}

bool call_prompt_refuse(struct call *call, const char *what, int64_t id,
			const char *path)
{
	int err;

	if (!call || !path || !call->ctx->be->prompt_check)
		return false;
	err = call->ctx->be->prompt_check(path);
	if (!err)
		return false;
	warning("call: %s: %s %lld: %s cannot be played (%m): not answered\n",
		call_id(call), what, (long long)id, path, err);
	call_hangup(call, 480, "Temporarily Unavailable", STORE_DISP_FAILED,
		    STORE_PARTY_SYSTEM);
	return true;
}
