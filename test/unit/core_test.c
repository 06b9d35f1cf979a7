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
	    {"(0221) 123/456", PHONE_E164, "+49221123456"},
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
	char buf[32];
	uint64_t ms = 0;
	int err = 0;

	TEST_EQ_STR(time_iso(buf, sizeof(buf), 1795577697123ULL),
		    "2026-11-25T03:34:57.123Z");
	TEST_EQ_INT(time_iso_parse("2026-11-25T03:34:57.123Z", &ms), 0);
	TEST_EQ_INT(ms, 1795577697123ULL);
	TEST_EQ_INT(time_iso_parse("2026-11-25T03:34:57Z", &ms), 0);
	TEST_EQ_INT(ms, 1795577697000ULL);
	TEST_EQ_INT(time_iso_parse("2026-13-25T03:34:57Z", &ms), EINVAL);
	TEST_EQ_INT(time_iso_parse("yesterday", &ms), EINVAL);
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
