/*
 * core_test.c - table-driven tests of core: phone numbers, time, config.
 */
#include "core/core.h"
#include "test.h"

int test_phone_normalise(void)
{
	static const struct {
		const char *in;
		enum phone_kind kind;
		const char *out;
	} v[] = {
	    {"0221 82829-980", PHONE_E164, "+4922182829980"},
	    {"+33 1 23 45 67 89", PHONE_E164, "+33123456789"},
	    {"0033123456789", PHONE_E164, "+33123456789"},
	    {"82829980", PHONE_E164, "+4922182829980"},
	    {"1001", PHONE_SHORT, "1001"},
	    /* up to five digits are an extension, six are a local number */
	    {"10015", PHONE_SHORT, "10015"},
	    {"100156", PHONE_E164, "+49221100156"},
	    {"(0221) 123/456", PHONE_E164, "+49221123456"},
	    {"0221.828299.80", PHONE_E164, "+4922182829980"},
	    {"+0123456789", PHONE_INVALID, ""},
	    {"12a45", PHONE_INVALID, ""},
	    {"", PHONE_INVALID, ""},
	    {"++4922112345", PHONE_INVALID, ""},
	    {"+4912345678901234567", PHONE_INVALID, ""},
	};
	struct phone_ctx ctx = {"49", "221"};
	char out[32];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		enum phone_kind k =
		    phone_normalise(out, sizeof(out), v[i].in, &ctx);
		if (k != v[i].kind || strcmp(out, v[i].out)) {
			fprintf(stderr, "  '%s' -> %d '%s', want %d '%s'\n",
				v[i].in, k, out, v[i].kind, v[i].out);
			err = 1;
		}
	}
	TEST_ASSERT(phone_is_e164("+4922182829980"));
	TEST_ASSERT(!phone_is_e164("4922182829980"));
out:
	return err;
}

int test_time_iso(void)
{
	/* ms = 0 means refused (EINVAL) */
	static const struct {
		const char *in;
		uint64_t ms;
	} v[] = {
	    {"2026-11-25T03:34:57.123Z", 1795577697123ULL},
	    {"2026-11-25T03:34:57Z", 1795577697000ULL},
	    {"2026-11-25T03:34:57.1Z", 1795577697100ULL},
	    {"2026-11-25T03:34:57.12Z", 1795577697120ULL},
	    {"2026-11-25T03:34:57.123999Z", 1795577697123ULL},
	    {"2026-11-25T04:34:57.123+01:00", 1795577697123ULL},
	    {"2026-11-24T22:04:57-05:30", 1795577697000ULL},
	    {"2026-11-25T03:34:57+00:00", 1795577697000ULL},
	    {"1970-01-01T00:00:00.001Z", 1ULL},
	    {"2024-02-29T00:00:00Z", 1709164800000ULL},
	    {"2000-02-29T12:00:00Z", 951825600000ULL},
	    {"2026-12-31T23:59:60Z", 1798761600000ULL}, /* leap second */
	    {"9999-12-31T23:59:59Z", 253402300799000ULL},
	    /* refused */
	    {"2026-01-01T00:00:00.-12Z", 0},
	    {"-999-01-01T00:00:00Z", 0},
	    {"+2026-01-01T00:00:00Z", 0},
	    {"2026--1-01T00:00:00Z", 0},
	    {"2026-01-+1T00:00:00Z", 0},
	    {"2026-01-01T-1:00:00Z", 0},
	    {"2026-01-01T00: 0:00Z", 0},
	    {"2026-01-01T00:00:+0Z", 0},
	    {" 2026-01-01T00:00:00Z", 0},
	    {"2026-1-01T00:00:00Z", 0},
	    {"2026-01-01T0:00:00Z", 0},
	    {"2026-13-25T03:34:57Z", 0},
	    {"2026-00-25T03:34:57Z", 0},
	    {"2026-01-00T00:00:00Z", 0},
	    {"2026-04-31T00:00:00Z", 0},
	    {"2026-02-29T00:00:00Z", 0},
	    {"1900-02-29T00:00:00Z", 0},
	    {"2026-01-01T24:00:00Z", 0},
	    {"2026-01-01T00:60:00Z", 0},
	    {"2026-01-01T00:00:61Z", 0},
	    {"2026-01-01T00:00:00.Z", 0},
	    {"2026-01-01T00:00:00", 0},
	    {"2026-01-01T00:00:00Zx", 0},
	    {"2026-01-01T00:00:00z", 0},
	    {"2026-01-01 00:00:00Z", 0},
	    {"2026-01-01T00:00:00+1:00", 0},
	    {"2026-01-01T00:00:00+01", 0},
	    {"2026-01-01T00:00:00+24:00", 0},
	    {"2026-01-01T00:00:00+01:60", 0},
	    {"2026-01-01T00:00:00+-1:00", 0},
	    {"1969-12-31T23:59:59Z", 0},
	    {"1970-01-01T00:30:00+01:00", 0},
	    {"yesterday", 0},
	    {"", 0},
	};
	char buf[32];
	uint64_t ms;
	size_t i;
	int err = 0;

	TEST_EQ_STR(time_iso(buf, sizeof(buf), 1795577697123ULL),
		    "2026-11-25T03:34:57.123Z");
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		int r;

		ms = 42;
		r = time_iso_parse(v[i].in, &ms);
		if (v[i].ms ? (r || ms != v[i].ms)
			    : (r != EINVAL || ms != 42)) {
			fprintf(stderr, "  '%s' -> %d %llu, want %llu\n",
				v[i].in, r, (unsigned long long)ms,
				(unsigned long long)v[i].ms);
			err = 1;
		}
	}
	/* every second of a day and the first of every day round-trip */
	for (i = 0; i < 86400 * 3; i += 7) {
		uint64_t t = 1795577697000ULL + i * 1000 * 401;

		TEST_EQ_INT(time_iso_parse(time_iso(buf, sizeof(buf), t), &ms),
			    0);
		TEST_EQ_INT(ms, t);
	}
out:
	return err;
}

int test_config(void)
{
	struct config cfg;
	char *argv[] = {"switchboard",   "--sip", "127.0.0.1:5070",
			"--rtp-timeout", "7",     "--data-dir",
			"/tmp/x",        NULL};
	char *bad[] = {"switchboard", "--rtp-min", "99999", NULL};
	char *hb[] = {"switchboard", "--heartbeat-interval",
		      "1",           "--node-stale-after",
		      "2",           NULL};
	int err = 0;

	TEST_EQ_INT(config_load(&cfg, 7, argv), 0);
	TEST_EQ_STR(cfg.sip_listen, "127.0.0.1:5070");
	TEST_EQ_INT(cfg.rtp_timeout, 7);
	TEST_EQ_STR(cfg.db_path, "/tmp/x/switchboard.db");
	TEST_EQ_STR(cfg.prompts_dir, "/tmp/x/prompts");
	TEST_EQ_INT(config_load(&cfg, 3, bad), EINVAL);

	/* heartbeat: defaults, and a stale time of two beats at least */
	TEST_EQ_INT(config_load(&cfg, 1, argv), 0);
	TEST_EQ_INT(cfg.heartbeat_interval, 10);
	TEST_EQ_INT(cfg.node_stale_after, 45);
	TEST_EQ_INT(config_load(&cfg, 5, hb), 0);
	TEST_EQ_INT(cfg.heartbeat_interval, 1);
	TEST_EQ_INT(cfg.node_stale_after, 2);
	hb[4] = "1";
	TEST_EQ_INT(config_load(&cfg, 5, hb), EINVAL);
	hb[2] = "0";
	hb[4] = "10";
	TEST_EQ_INT(config_load(&cfg, 5, hb), EINVAL);
out:
	return err;
}
