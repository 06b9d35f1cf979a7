/*
 * secretariat_test_profile.c - the client's profile (secretariat/
 * profile.c) against a real store file: the greeting's placeholders
 * (all three forms, none refused, an unknown one like [Firma] refused,
 * a lone bracket is text) and how they are filled (umlauts, a missing
 * last name); the version in force at the boundaries of effective_from
 * (a millisecond before, at, ties); carry-over to a version scheduled
 * later, undone when the version in between is cancelled; the past
 * immutable (no new version there, no cancelling).
 */
#include <errno.h>
#include "core/core.h"
#include "secretariat/secretariat.h"
#include "test.h"
#include "store_test.h"

static int body_of(struct odict **op, const char *json)
{
	return json_decode_odict(op, 16, json, strlen(json), 8);
}

int test_profile_greeting(void)
{
	static const char *const good[] = {
	    "Mustermann AG, mein Name ist [Vorname, Nachname].",
	    "Guten Tag, [Vorname] am Apparat.",
	    "Praxis Dr. Weiß, [Nachname], was kann ich für Sie tun?",
	    "[Vorname] [Nachname] [sic",
	};
	static const struct {
		const char *greeting, *why;
	} badv[] = {
	    {"Mustermann AG, guten Tag.",
	     "greeting: must contain the placeholder [Vorname, Nachname] (or "
	     "[Vorname] or [Nachname]) where the agent says his name"},
	    {"[Firma], mein Name ist [Vorname]",
	     "greeting: unknown placeholder [Firma]; use [Vorname, "
	     "Nachname], [Vorname] or [Nachname]"},
	    {"Hallo [vorname]",
	     "greeting: unknown placeholder [vorname]; use [Vorname, "
	     "Nachname], [Vorname] or [Nachname]"},
	    {"Hallo [Vorname,Nachname]",
	     "greeting: unknown placeholder [Vorname,Nachname]; use "
	     "[Vorname, Nachname], [Vorname] or [Nachname]"},
	};
	char why[PROFILE_WHY_SZ];
	char *s = NULL;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		TEST_EQ_INT(profile_greeting_check(good[i], why, sizeof(why)),
			    0);
	for (i = 0; i < ARRAY_SIZE(badv); i++) {
		why[0] = '\0';
		TEST_EQ_INT(
		    profile_greeting_check(badv[i].greeting, why, sizeof(why)),
		    EINVAL);
		TEST_EQ_STR(why, badv[i].why);
	}

	TEST_EQ_INT(profile_greeting_fill(&s, good[0], "Jörg", "Öztürk"), 0);
	TEST_EQ_STR(s, "Mustermann AG, mein Name ist Jörg Öztürk.");
	s = mem_deref(s);
	TEST_EQ_INT(profile_greeting_fill(&s, good[1], "Jörg", "Öztürk"), 0);
	TEST_EQ_STR(s, "Guten Tag, Jörg am Apparat.");
	s = mem_deref(s);
	TEST_EQ_INT(profile_greeting_fill(&s, good[2], "Jörg", "Öztürk"), 0);
	TEST_EQ_STR(s, "Praxis Dr. Weiß, Öztürk, was kann ich für Sie tun?");
	s = mem_deref(s);
	TEST_EQ_INT(profile_greeting_fill(&s, good[3], "Ann", "Lee"), 0);
	TEST_EQ_STR(s, "Ann Lee [sic");
	s = mem_deref(s);
	/* no last name: no stray blank */
	TEST_EQ_INT(profile_greeting_fill(&s, good[0], "Erika", ""), 0);
	TEST_EQ_STR(s, "Mustermann AG, mein Name ist Erika.");
	s = mem_deref(s);
	/* text in other brackets (stored before a rule changed) stays */
	TEST_EQ_INT(profile_greeting_fill(&s, "[Firma] [Vorname]", "A", "B"),
		    0);
	TEST_EQ_STR(s, "[Firma] A");
out:
	mem_deref(s);
	return err;
}

/* Add a version of tenant t from JSON body at now; its number into *np. */
static int add(struct store *st, int64_t t, const char *json, uint64_t now,
	       int64_t *np, char *why, size_t sz)
{
	struct store_profile_version *v = NULL;
	struct odict *body = NULL;
	int err;

	err = body_of(&body, json);
	if (!err)
		err =
		    profile_version_add(st, t, body, now, "test", &v, why, sz);
	if (!err && np)
		*np = v->version;
	mem_deref(v);
	mem_deref(body);
	return err;
}

/* The version number in force at `at` (0 none) and its setting key
 * (a string) into buf. */
static int64_t at(struct store *st, int64_t t, uint64_t when, const char *key,
		  char *buf, size_t sz)
{
	struct store_profile_version *v = NULL;
	struct odict *doc = NULL;
	int64_t n = 0;

	buf[0] = '\0';
	if (store_profile_at(st, t, when, &v))
		return 0;
	n = v->version;
	if (!profile_settings(&doc, v) && odict_string(doc, key))
		str_copy(buf, odict_string(doc, key), sz);
	mem_deref(doc);
	mem_deref(v);
	return n;
}

int test_profile_at(void)
{
	char why[PROFILE_WHY_SZ], buf[128];
	struct tdb db;
	int64_t t1, t2, n;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	/* nothing yet; a first version needs a greeting */
	TEST_EQ_INT(at(db.st, t1, T0, "greeting", buf, sizeof(buf)), 0);
	TEST_EQ_INT(add(db.st, t1, "{\"instructions\":\"x\"}", T0, NULL, why,
			sizeof(why)),
		    EINVAL);
	TEST_EQ_STR(why, "greeting: is required: no version before this one "
			 "has a greeting to carry over");

	TEST_EQ_INT(add(db.st, t1, "{\"greeting\":\"A [Vorname]\"}", T0, &n,
			why, sizeof(why)),
		    0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(add(db.st, t1,
			"{\"effective_from\":\"2023-11-14T22:14:00Z\","
			"\"greeting\":\"B [Vorname]\"}",
			T0, &n, why, sizeof(why)),
		    0);
	TEST_EQ_INT(n, 2);
	/* 2023-11-14T22:14:00Z = T0 + 40 s (T0 is 22:13:20) */
	TEST_EQ_INT(at(db.st, t1, T0 - 1, "greeting", buf, sizeof(buf)), 0);
	TEST_EQ_INT(at(db.st, t1, T0, "greeting", buf, sizeof(buf)), 1);
	TEST_EQ_STR(buf, "A [Vorname]");
	TEST_EQ_INT(at(db.st, t1, T0 + 39999, "greeting", buf, sizeof(buf)), 1);
	TEST_EQ_INT(at(db.st, t1, T0 + 40000, "greeting", buf, sizeof(buf)), 2);
	TEST_EQ_STR(buf, "B [Vorname]");
	/* the same time again: the later version wins */
	TEST_EQ_INT(add(db.st, t1,
			"{\"effective_from\":\"2023-11-14T22:14:00Z\","
			"\"greeting\":\"C [Vorname]\"}",
			T0, &n, why, sizeof(why)),
		    0);
	TEST_EQ_INT(at(db.st, t1, T0 + 40000, "greeting", buf, sizeof(buf)), 3);
	TEST_EQ_STR(buf, "C [Vorname]");
	/* the other tenant has none */
	TEST_EQ_INT(at(db.st, t2, T0 + 40000, "greeting", buf, sizeof(buf)), 0);

	/* the past is immutable: no version more than a minute back, a
	 * little back counts as now; no cancelling what took effect */
	TEST_EQ_INT(add(db.st, t1,
			"{\"effective_from\":\"2023-11-14T22:12:19Z\","
			"\"greeting\":\"D [Vorname]\"}",
			T0, NULL, why, sizeof(why)),
		    EINVAL);
	TEST_EQ_INT(add(db.st, t1,
			"{\"effective_from\":\"2023-11-14T22:12:21Z\","
			"\"greeting\":\"D [Vorname]\"}",
			T0, &n, why, sizeof(why)),
		    0);
	TEST_EQ_INT(at(db.st, t1, T0, "greeting", buf, sizeof(buf)), 4);
	TEST_EQ_INT(
	    profile_version_cancel(db.st, t1, 1, T0, "test", why, sizeof(why)),
	    EBUSY);
	TEST_EQ_INT(profile_version_cancel(db.st, t1, 2, T0 + 40000, "test",
					   why, sizeof(why)),
		    EBUSY);
	TEST_EQ_INT(
	    profile_version_cancel(db.st, t1, 9, T0, "test", why, sizeof(why)),
	    ENOENT);
out:
	tdb_close(&db);
	return err;
}

int test_profile_carry(void)
{
	struct store_profile_version *v = NULL;
	char why[PROFILE_WHY_SZ], buf[128];
	struct tdb db;
	int64_t t1, t2;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	/* 1 now; 2 in 200 s (greeting); 3 in 100 s (instructions), made
	 * after 2: 2 takes 3's instructions */
	TEST_EQ_INT(add(db.st, t1,
			"{\"greeting\":\"A [Vorname]\","
			"\"instructions\":\"alt\"}",
			T0, NULL, why, sizeof(why)),
		    0);
	TEST_EQ_INT(add(db.st, t1,
			"{\"effective_from\":\"2023-11-14T22:16:40Z\","
			"\"greeting\":\"B [Vorname]\"}",
			T0, NULL, why, sizeof(why)),
		    0);
	TEST_EQ_INT(
	    at(db.st, t1, T0 + 200000, "instructions", buf, sizeof(buf)), 2);
	TEST_EQ_STR(buf, "alt");
	TEST_EQ_INT(add(db.st, t1,
			"{\"effective_from\":\"2023-11-14T22:15:00Z\","
			"\"instructions\":\"neu\"}",
			T0 + 1000, NULL, why, sizeof(why)),
		    0);
	TEST_EQ_INT(at(db.st, t1, T0 + 100000, "greeting", buf, sizeof(buf)),
		    3);
	TEST_EQ_STR(buf, "A [Vorname]");
	TEST_EQ_INT(
	    at(db.st, t1, T0 + 200000, "instructions", buf, sizeof(buf)), 2);
	TEST_EQ_STR(buf, "neu");
	TEST_EQ_INT(at(db.st, t1, T0 + 200000, "greeting", buf, sizeof(buf)),
		    2);
	TEST_EQ_STR(buf, "B [Vorname]");
	TEST_EQ_INT(store_profile_get(db.st, t1, 2, &v), 0);
	TEST_EQ_STR(v->changed, "greeting");
	v = mem_deref(v);
	TEST_EQ_INT(store_profile_get(db.st, t1, 1, &v), 0);
	TEST_EQ_STR(v->changed, "greeting,instructions,transfer,note_fields,"
				"faq,call_guide,vip_call_guide,order_form,"
				"hours");
	v = mem_deref(v);

	/* cancel 3: 2 has the old instructions again */
	TEST_EQ_INT(profile_version_cancel(db.st, t1, 3, T0 + 2000, "test", why,
					   sizeof(why)),
		    0);
	TEST_EQ_INT(
	    at(db.st, t1, T0 + 200000, "instructions", buf, sizeof(buf)), 2);
	TEST_EQ_STR(buf, "alt");
	TEST_EQ_INT(at(db.st, t1, T0 + 100000, "greeting", buf, sizeof(buf)),
		    1);
	TEST_EQ_INT(profile_version_cancel(db.st, t1, 3, T0 + 2000, "test", why,
					   sizeof(why)),
		    EBUSY);
	TEST_EQ_STR(why, "version 3 is cancelled already");
	TEST_EQ_INT(store_profile_get(db.st, t1, 3, &v), 0);
	TEST_EQ_INT(v->cancelled_at, T0 + 2000);
	TEST_EQ_STR(v->cancelled_by, "test");
	v = mem_deref(v);

	/* the other tenant: a first scheduled version with the greeting,
	 * then one before it without: refused (nothing to carry) */
	TEST_EQ_INT(add(db.st, t2,
			"{\"effective_from\":\"2023-11-14T22:16:40Z\","
			"\"greeting\":\"B [Nachname]\"}",
			T0, NULL, why, sizeof(why)),
		    0);
	TEST_EQ_INT(add(db.st, t2, "{\"faq\":[]}", T0, NULL, why, sizeof(why)),
		    EINVAL);
	/* and a later one without greeting keeps the first from being
	 * cancelled */
	TEST_EQ_INT(add(db.st, t2,
			"{\"effective_from\":\"2023-11-14T22:20:00Z\","
			"\"transfer\":true}",
			T0, NULL, why, sizeof(why)),
		    0);
	TEST_EQ_INT(
	    profile_version_cancel(db.st, t2, 1, T0, "test", why, sizeof(why)),
	    EINVAL);
	TEST_EQ_STR(why, "version 1 cannot be cancelled: a later version "
			 "takes its greeting from it");
out:
	mem_deref(v);
	tdb_close(&db);
	return err;
}
