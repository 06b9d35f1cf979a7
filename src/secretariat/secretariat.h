/*
 * secretariat.h - the answering service (telephone secretariat, seeds/001
 * and 002): what an agent needs to take a call in a client's name.  The
 * http area calls it; it calls the store.  One section per file.
 */
#ifndef SWITCHBOARD_SECRETARIAT_H
#define SWITCHBOARD_SECRETARIAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

struct odict;

/* ==== client profile (profile.c) ==== */

/*
 * A client's profile is a JSON object of these settings:
 *
 *   greeting        text with [Vorname, Nachname], [Vorname] or [Nachname]
 *   instructions    text (multi-line)
 *   transfer        bool: the tariff has the transfer option
 *   note_fields     [{label, type, required, choices}]: asked besides the
 *                   fixed Name, Telefonnummer, Anliegen
 *   faq             [{question, answer}]
 *   call_guide      text (multi-line)
 *   vip_call_guide  text (multi-line)
 *   order_form      [{label, type, required, choices}]
 *   hours           [{days, start, end}]: the client's opening hours
 *
 * and every change is a dated version (store_profile_version): the
 * settings it gives over those in force at its effective time.  See the
 * top of profile.c for the rules.
 */

enum {
	PROFILE_WHY_SZ = 256, /* [bytes] room for a refusal's explanation */
	PROFILE_PAST_SLACK = 60000, /* [ms] an effective_from this far in
				       the past counts as now (clocks)    */
};

/* What the agent says without the transfer option (seeds/001). */
extern const char profile_no_transfer_text[];

/* 0 if greeting has a placeholder and no unknown one; else EINVAL with
 * why ("greeting: ..."). */
int profile_greeting_check(const char *greeting, char *why, size_t sz);
/* greeting with [Vorname, Nachname], [Vorname] and [Nachname] replaced by
 * the agent's names (NULL: ""), into a new string *outp.  Any other text
 * in brackets stays as it is.  0 or ENOMEM/EINVAL. */
int profile_greeting_fill(char **outp, const char *greeting, const char *first,
			  const char *last);

/*
 * The settings a version body gives, checked and normalised into a new
 * object *givenp (in the order of the settings' table); the key
 * "effective_from" is skipped.  EBADMSG for an unknown or repeated key,
 * EINVAL for a bad value, each with why naming it by its path
 * ("note_fields[2].type: must be ...").
 */
int profile_given_read(struct odict **givenp, const struct odict *body,
		       char *why, size_t sz);
/* The whole profile *docp: given over prev (NULL: the defaults, no
 * greeting).  EINVAL (why "greeting: ...") if the result has no
 * greeting. */
int profile_merge(struct odict **docp, const struct odict *prev,
		  const struct odict *given, char *why, size_t sz);
/* The settings whose values differ between prev (NULL: all of doc's)
 * and doc, as "greeting,hours" into a new string *sp. */
int profile_changed(char **sp, const struct odict *prev,
		    const struct odict *doc);

/*
 * A new version of tenant_id's profile from a request body: its settings
 * (profile_given_read) and "effective_from" (ISO time; absent or null:
 * now; before now - PROFILE_PAST_SLACK refused) over the version in force
 * at that time.  Versions scheduled after it take its settings where they
 * do not give their own (they are rewritten in the same transaction).
 * *vp the stored version.  EBADMSG/EINVAL with why (400/422), or the
 * store's error.
 */
int profile_version_add(struct store *st, int64_t tenant_id,
			const struct odict *body, uint64_t now, const char *by,
			struct store_profile_version **vp, char *why,
			size_t sz);
/*
 * Cancel the scheduled version number `version`: the versions after it
 * take over what was in force before it.  ENOENT: no such version;
 * EBUSY (why): it took effect already or is cancelled; EINVAL (why):
 * a later version would be left without a greeting.
 */
int profile_version_cancel(struct store *st, int64_t tenant_id, int64_t version,
			   uint64_t now, const char *by, char *why, size_t sz);
/* A version's settings as a new object *op (EPROTO if not JSON). */
int profile_settings(struct odict **op, const struct store_profile_version *v);
/*
 * What an agent sees at `at` with version v: the greeting filled with
 * the agent's names, the instructions, the transfer option or the
 * standard text, the note fields (the fixed three, then the client's),
 * FAQ, call guides, order form, hours and whether it is open at `at`
 * (Berlin time; null without hours), and the version's id and number.
 */
int profile_agent_view(struct odict **op, const struct store_profile_version *v,
		       const char *first, const char *last, uint64_t at);

#endif
