/*
 * collect.c - a digit input on the call-control seam (call/call.h only):
 * the caller types a number (seeds/004: the customer number "die dem
 * Agent direkt übergeben wird"), hears it read back and confirms it; the
 * value is attached to the call under the input's label (call_var_set:
 * the call record, the INVITE to the employee's phones) and the call goes
 * on to the input's target.
 *
 *   start: input and tenant read, answer
 *     |
 *     v
 *   [prompt] --played out, or a key--> [collect: min..max keys]
 *      ^                                   | max+1 keys, or the terminator
 *      |                                   | or a pause after min keys
 *      |  too few or too many: invalid     |
 *      +--- no key at all: timeout --------+ (while tries <= retries)
 *      |                                   v
 *      |                     read_back? --no--> value attached -> target
 *      |                                   | yes
 *      |                                   v
 *      |       [you_entered, the digits, confirm] --> [one key]
 *      +--- 2: again, straight to the prompt ------------ |  |
 *      +--- another key or none: invalid / timeout -------+  |
 *                                        1: value attached -> target
 *   tries > retries: fallback target (no value), none: goodbye, hang up
 *
 * With a terminator, one key more than max_digits is collected, so a
 * caller who types all the digits and then the terminator, as the prompt
 * asks, ends the input with it (the terminator does not spill into the
 * confirmation), and a number too long is told from a complete one.
 * Without a prompt file the input asks in the tenant's language by
 * speech, with the label ("Bitte geben Sie Ihre Kundennummer ein, gefolgt
 * von der Rautetaste."; labels of numbers, "-nummer", "-zahl", "PIN", are
 * feminine, hence "Ihre").  The read-back is the default prompt set's
 * you_entered, one file per digit and confirm, no speech needed.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "ivr/ivr.h"
#include "ivr/ivr_int.h"

enum {
	PATH_MAX_COLLECT = 300,
	READBACK_FILES = STORE_INPUT_DIGITS + 2, /* you_entered, .., confirm */
};

struct collect {
	struct store_digit_input in;
	struct route_target origin; /* how the input was reached  */
	char lang[4];               /* the tenant's, "de" or "en" */
	char prompt[PATH_MAX_COLLECT];
	char invalid[PATH_MAX_COLLECT];
	char timeout[PATH_MAX_COLLECT];
	char goodbye[PATH_MAX_COLLECT];
	char value[STORE_INPUT_DIGITS + 2]; /* typed, not yet confirmed */
	unsigned tries;                     /* entries after the first */
};

static void ask(struct call *call, struct collect *c, const char *before);

static void hangup_failed(struct call *call)
{
	call_hangup(call, 500, NULL, STORE_DISP_FAILED, STORE_PARTY_SYSTEM);
}

static void goodbye_played(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	(void)digit;
	(void)arg;
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

/* The value is confirmed: attached to the call, on to the target. */
static void accept_value(struct call *call, struct collect *c)
{
	int err;

	info("ivr: %s: digit input %lld: %s has %zu digits\n", call_id(call),
	     (long long)c->in.id, c->in.label, strlen(c->value));
	err = call_var_set(call, c->in.label, c->value);
	if (err)
		warning("ivr: %s: digit input %lld: %s: %m\n", call_id(call),
			(long long)c->in.id, c->in.label, err);
	ivr_go(call, &c->origin, c->in.tenant_id, &c->in.target, "digit input",
	       c->in.id);
}

/* A bad entry (after prompt before, if any): ask again, or give up. */
static void retry(struct call *call, struct collect *c, const char *before)
{
	const char *bye = c->goodbye;

	if (c->tries++ < c->in.retries) {
		ask(call, c, before);
		return;
	}
	info("ivr: %s: digit input %lld: no %s after %u tries\n", call_id(call),
	     (long long)c->in.id, c->in.label, c->tries);
	if (c->in.fallback.type != TARGET_NONE) {
		ivr_go(call, &c->origin, c->in.tenant_id, &c->in.fallback,
		       "digit input", c->in.id);
		return;
	}
	if (call_play(call, &bye, 1, false, goodbye_played, c))
		hangup_failed(call);
}

static void confirmed(struct call *call, int err, const char *digits, void *arg)
{
	struct collect *c = arg;

	if (!err && digits[0] == '1') {
		accept_value(call, c);
		return;
	}
	if (!err && digits[0] == '2') {
		retry(call, c, NULL);
		return;
	}
	retry(call, c, digits[0] ? c->invalid : c->timeout);
}

static void read_back_played(struct call *call, int err, char digit, void *arg)
{
	struct collect *c = arg;
	struct call_collect_prm prm = {
	    .min = 1,
	    .max = 1,
	    .term = 0,
	    .first_ms = c->in.timeout * 1000,
	    .inter_ms = c->in.timeout * 1000,
	};

	(void)digit;
	if (err)
		warning("ivr: %s: digit input %lld: read-back cannot be "
			"played (%m)\n",
			call_id(call), (long long)c->in.id, err);
	if (call_collect(call, &prm, confirmed, c))
		hangup_failed(call);
}

/* "Sie haben eingegeben: eins, zwei, ... Wenn das richtig ist, ..." */
int ivr_read_back(struct call *call, const char *lang, const char *digits,
		  call_play_h *h, void *arg)
{
	const char *dir = call_config(call)->prompts_dir;
	char(*paths)[PATH_MAX_COLLECT];
	const char *files[READBACK_FILES];
	size_t i, n = 0;
	int err;

	if (!call || !lang || !digits)
		return EINVAL;
	paths = mem_zalloc(sizeof(*paths) * READBACK_FILES, NULL);
	if (!paths)
		return ENOMEM;
	re_snprintf(paths[n++], PATH_MAX_COLLECT, "%s/%s/you_entered.wav", dir,
		    lang);
	for (i = 0; digits[i] && n < READBACK_FILES - 1; i++) {
		char d = digits[i];

		re_snprintf(paths[n++], PATH_MAX_COLLECT, "%s/%s/digit_%s.wav",
			    dir, lang,
			    d == '*'   ? "star"
			    : d == '#' ? "hash"
				       : (char[]){d, '\0'});
	}
	re_snprintf(paths[n++], PATH_MAX_COLLECT, "%s/%s/confirm.wav", dir,
		    lang);
	for (i = 0; i < n; i++)
		files[i] = paths[i];
	err = call_play(call, files, n, true, h, arg);
	mem_deref(paths); /* call_play copied them */
	return err;
}

static void read_back(struct call *call, struct collect *c)
{
	if (ivr_read_back(call, c->lang, c->value, read_back_played, c))
		hangup_failed(call);
}

static void collected(struct call *call, int err, const char *digits, void *arg)
{
	struct collect *c = arg;
	size_t n = strlen(digits);

	/* a pause after enough keys ends the number too */
	if (err == ETIMEDOUT && n >= c->in.min_digits)
		err = 0;
	if (err || n > c->in.max_digits) {
		info("ivr: %s: digit input %lld: %zu digits (%m)\n",
		     call_id(call), (long long)c->in.id, n, err);
		retry(call, c, n || err == ENODATA ? c->invalid : c->timeout);
		return;
	}
	str_copy(c->value, digits, sizeof(c->value));
	if (c->in.read_back)
		read_back(call, c);
	else
		accept_value(call, c);
}

static void prompted(struct call *call, int err, char digit, void *arg)
{
	struct collect *c = arg;
	const char term = c->in.terminator[0];
	struct call_collect_prm prm = {
	    .min = c->in.min_digits,
	    .max = c->in.max_digits + (term ? 1 : 0),
	    .term = term,
	    .first_ms = c->in.timeout * 1000,
	    .inter_ms = c->in.digit_timeout * 1000,
	};

	(void)digit;
	if (err)
		warning("ivr: %s: digit input %lld: prompt cannot be played "
			"(%m)\n",
			call_id(call), (long long)c->in.id, err);
	c->value[0] = '\0';
	if (call_collect(call, &prm, collected, c))
		hangup_failed(call);
}

/* The spoken default prompt: "Bitte geben Sie Ihre <label> ein, ..." */
static void say_prompt(struct call *call, struct collect *c)
{
	const char term = c->in.terminator[0];
	const char *prompt = c->prompt;
	bool de = strcmp(c->lang, "en") != 0;
	char text[192];

	if (de)
		re_snprintf(text, sizeof(text),
			    "Bitte geben Sie Ihre %s ein%s.", c->in.label,
			    term == '#'   ? ", gefolgt von der Rautetaste"
			    : term == '*' ? ", gefolgt von der Sterntaste"
					  : "");
	else
		re_snprintf(text, sizeof(text), "Please enter your %s%s.",
			    c->in.label,
			    term == '#'   ? ", followed by the hash key"
			    : term == '*' ? ", followed by the star key"
					  : "");
	if (!call_say(call, c->lang, text, true, prompted, c))
		return;
	/* no speech on this node: the default prompt set's question */
	warning("ivr: %s: digit input %lld: no speech, asking with %s\n",
		call_id(call), (long long)c->in.id, prompt);
	if (call_play(call, &prompt, 1, true, prompted, c))
		hangup_failed(call);
}

static void before_played(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	if (digit) /* the caller types already: no question */
		prompted(call, 0, digit, arg);
	else
		say_prompt(call, arg);
}

/* The question (after prompt before, if any), interruptible. */
static void ask(struct call *call, struct collect *c, const char *before)
{
	const char *files[2];
	size_t n = 0;

	if (!c->in.prompt[0]) {
		if (!before)
			say_prompt(call, c);
		else if (call_play(call, &before, 1, true, before_played, c))
			hangup_failed(call);
		return;
	}
	if (before)
		files[n++] = before;
	files[n++] = c->prompt;
	if (call_play(call, files, n, true, prompted, c))
		hangup_failed(call);
}

static void answered(struct call *call, void *arg)
{
	ask(call, arg, NULL);
}

int ivr_collect_start(struct call *call, const struct route_target *t)
{
	const char *dir = call_config(call)->prompts_dir;
	struct store_tenant tenant;
	struct collect *c;
	int err;

	c = mem_zalloc(sizeof(*c), NULL);
	if (!c)
		return ENOMEM;
	err = store_digit_input_get(call_store(call), t->id, &c->in);
	if (!err)
		err = store_tenant_get(call_store(call), c->in.tenant_id,
				       &tenant);
	if (err) {
		mem_deref(c);
		return err;
	}
	c->origin = *t;
	str_copy(c->lang, store_language_name(tenant.language),
		 sizeof(c->lang));
	if (c->in.prompt[0])
		re_snprintf(c->prompt, sizeof(c->prompt), "%s/%s", dir,
			    c->in.prompt);
	else
		re_snprintf(c->prompt, sizeof(c->prompt),
			    "%s/%s/enter_customer_number.wav", dir, c->lang);
	re_snprintf(c->invalid, sizeof(c->invalid), "%s/%s/menu_invalid.wav",
		    dir, c->lang);
	re_snprintf(c->timeout, sizeof(c->timeout), "%s/%s/menu_timeout.wav",
		    dir, c->lang);
	re_snprintf(c->goodbye, sizeof(c->goodbye), "%s/%s/goodbye.wav", dir,
		    c->lang);
	/* a file of the tenant's must play (the default is spoken) */
	if (c->in.prompt[0] &&
	    call_prompt_refuse(call, "digit input", t->id, c->prompt)) {
		mem_deref(c);
		return 0;
	}
	call_app_data_set(call, c); /* the call owns it now */
	info("ivr: %s: digit input %lld (%s: %s)\n", call_id(call),
	     (long long)t->id, c->in.name, c->in.label);
	return call_answer(call, "digit_input", answered, c);
}
