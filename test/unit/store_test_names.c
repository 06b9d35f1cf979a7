/*
 * store_test_names.c - the name tables of store.h's enums (store/names.c)
 * against the words the database stores and docs/api.md documents: every
 * value has its word and parses back to itself, an unknown word, a word
 * in another case and NULL are EINVAL, a value outside the enum is named
 * "unknown" (and has no name in the table itself: NULL).
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"

static const char *const srtp_words[] = {"auto", "off", "optional", "required"};
static const char *const transport_words[] = {"udp", "tcp", "tls"};
static const char *const direction_words[] = {"inbound", "outbound",
					      "internal"};
static const char *const disposition_words[] = {
    "",          "answered",    "busy",         "no_answer",
    "cancelled", "unavailable", "not_found",    "rejected",
    "failed",    "rtp_timeout", "node_failure",
};
static const char *const party_words[] = {"", "caller", "callee", "system"};
static const char *const target_words[] = {
    "none",      "employee", "announcement", "schedule",   "ivr",
    "voicemail", "external", "digit_input",  "ring_group", "queue"};
static const char *const prompt_purpose_words[] = {
    "other", "greeting", "closed", "mailbox", "music_on_hold"};
static const char *const region_words[] = {
    "",   "BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV",
    "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH",
};
static const char *const sched_state_words[] = {"open", "closed", "holiday"};
static const char *const language_words[] = {"de", "en"};
static const char *const ring_strategy_words[] = {"simultaneous", "sequential"};

/*
 * The enum type of store_<x>_name() and store_<x>_parse() against words[]
 * (its values 0, 1, ... in order): each word round-trips, the next value
 * is "unknown", and "bogus", "Bogus" (an upper-case word) and NULL are
 * EINVAL, leaving the value alone.
 */
#define CHECK_NAMES(x, type, words)                                            \
	do {                                                                   \
		type v_;                                                       \
		size_t i_;                                                     \
                                                                               \
		for (i_ = 0; i_ < ARRAY_SIZE(words); i_++) {                   \
			TEST_EQ_STR(store_##x##_name((type)i_), words[i_]);    \
			TEST_EQ_STR(                                           \
			    store_names_get(&store_names_##x, (int)i_),        \
			    words[i_]);                                        \
			v_ = (type)99;                                         \
			TEST_EQ_INT(store_##x##_parse(words[i_], &v_), 0);     \
			TEST_EQ_INT(v_, i_);                                   \
			TEST_EQ_INT(store_##x##_parse(words[i_], NULL), 0);    \
		}                                                              \
		TEST_EQ_STR(store_##x##_name((type)ARRAY_SIZE(words)),         \
			    "unknown");                                        \
		TEST_EQ_STR(store_##x##_name((type)-1), "unknown");            \
		TEST_ASSERT(!store_names_get(&store_names_##x,                 \
					     (int)ARRAY_SIZE(words)));         \
		TEST_ASSERT(!store_names_has(&store_names_##x, -1));           \
		v_ = (type)1;                                                  \
		TEST_EQ_INT(store_##x##_parse("bogus", &v_), EINVAL);          \
		TEST_EQ_INT(store_##x##_parse("Internal", &v_), EINVAL);       \
		TEST_EQ_INT(store_##x##_parse("TCP", &v_), EINVAL);            \
		TEST_EQ_INT(store_##x##_parse(NULL, &v_), EINVAL);             \
		TEST_EQ_INT(v_, 1);                                            \
	} while (0)

int test_store_names(void)
{
	int err = 0;

	CHECK_NAMES(srtp, enum store_srtp, srtp_words);
	CHECK_NAMES(transport, enum store_transport, transport_words);
	CHECK_NAMES(direction, enum store_direction, direction_words);
	CHECK_NAMES(disposition, enum store_disposition, disposition_words);
	CHECK_NAMES(party, enum store_party, party_words);
	CHECK_NAMES(target, enum store_target, target_words);
	CHECK_NAMES(region, enum store_region, region_words);
	CHECK_NAMES(sched_state, enum store_sched_state, sched_state_words);
	CHECK_NAMES(language, enum store_language, language_words);
	CHECK_NAMES(prompt_purpose, enum store_prompt_purpose,
		    prompt_purpose_words);
	CHECK_NAMES(ring_strategy, enum store_ring_strategy,
		    ring_strategy_words);
	TEST_EQ_INT(store_region_parse("by", NULL), EINVAL); /* codes as ISO */

	/* "" names the live state of a call record, nothing else */
	TEST_EQ_INT(store_srtp_parse("", NULL), EINVAL);
	TEST_EQ_INT(store_transport_parse("", NULL), EINVAL);
	TEST_EQ_INT(store_direction_parse("", NULL), EINVAL);
	TEST_EQ_INT(store_target_parse("", NULL), EINVAL);
out:
	return err;
}
