/*
 * show.c - the subcommands that only read: status (version, uptime),
 * registrations (the phones registered now), calls (the live calls with
 * their legs' codecs and RTP packet counts) and blocks (the SIP auth
 * guard's blocks).  Each prints a human table, or with --json the API's
 * answer as it is.
 */
#include <string.h>
#include "ctl/ctl.h"

const char *ctl_str(const struct odict *o, const char *key)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;

	return e && e->type == ODICT_STRING ? e->u.str : "";
}

int64_t ctl_int(const struct odict *o, const char *key)
{
	const struct odict_entry *e = o ? odict_lookup(o, key) : NULL;

	return e && e->type == ODICT_INT ? e->u.integer : 0;
}

void ctl_duration(char *buf, size_t sz, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		re_snprintf(buf, sz, "%lldd %02lld:%02lld:%02lld",
			    (long long)(s / 86400),
			    (long long)(s % 86400 / 3600),
			    (long long)(s % 3600 / 60), (long long)(s % 60));
	else
		re_snprintf(buf, sz, "%lld:%02lld:%02lld",
			    (long long)(s / 3600), (long long)(s % 3600 / 60),
			    (long long)(s % 60));
}

static int no_args(int argc, char *argv[])
{
	if (argc == 1)
		return 0;
	return ctl_err(CTL_USAGE, "%s: takes no arguments", argv[0]);
}

/* GET path: --json prints it; else *rp holds the answer (CTL_OK). */
static int get(const struct ctl *c, const char *path, struct ctl_resp *r,
	       bool *printed)
{
	int code = ctl_request(c, "GET", path, NULL, r);

	*printed = false;
	if (code == CTL_OK && c->json) {
		ctl_print_raw(r);
		*printed = true;
	}
	return code;
}

static const char *str_or(const char *s, const char *def)
{
	return s[0] ? s : def;
}

int ctl_status(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_table *t = NULL;
	struct ctl_resp r;
	char up[32], calls[24];
	bool printed;
	int code;

	code = no_args(argc, argv);
	if (code)
		return code;
	code = get(c, "/api/v1/status", &r, &printed);
	if (code || printed)
		goto out;
	ctl_duration(up, sizeof(up), ctl_int(r.o, "uptime_s"));
	re_snprintf(calls, sizeof(calls), "%lld",
		    (long long)ctl_int(r.o, "calls_active"));
	if (ctl_table_alloc(&t, 2, "version", ctl_str(r.o, "version")) ||
	    ctl_table_row(t, "node", ctl_str(r.o, "node_id")) ||
	    ctl_table_row(t, "started", ctl_str(r.o, "started_at")) ||
	    ctl_table_row(t, "uptime", up) ||
	    ctl_table_row(t, "live calls", calls) ||
	    ctl_table_row(t, "config file",
			  str_or(ctl_str(r.o, "config_file"), "(none)"))) {
		code = ctl_err(CTL_OTHER, "out of memory");
		goto out;
	}
	ctl_table_print(t, stdout);
out:
	mem_deref(t);
	ctl_resp_reset(&r);
	return code;
}

/* The SIP user of device id in the device list devs, or its id. */
static const char *device_user(const struct odict *devs, int64_t id, char *buf,
			       size_t sz)
{
	struct le *le;

	for (le = devs ? devs->lst.head : NULL; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type == ODICT_OBJECT && ctl_int(e->u.odict, "id") == id)
			return ctl_str(e->u.odict, "username");
	}
	re_snprintf(buf, sz, "device %lld", (long long)id);
	return buf;
}

static int reg_devices(const struct ctl *c, void *arg)
{
	/* the devices' SIP users; without them the ids do */
	return ctl_request(c, "GET", "/api/v1/devices", NULL, arg);
}

static int reg_row(struct ctl_table *t, const struct odict *g, void *arg)
{
	const struct ctl_resp *d = arg;
	char buf[32];

	return ctl_table_row(
	    t, device_user(d->o, ctl_int(g, "device_id"), buf, sizeof(buf)),
	    ctl_str(g, "contact"), ctl_str(g, "received"),
	    ctl_str(g, "transport"), ctl_str(g, "expires_at"));
}

int ctl_registrations(const struct ctl *c, int argc, char *argv[])
{
	static const struct ctl_list l = {
	    "/api/v1/registrations",
	    "no registrations",
	    5,
	    {"USER", "CONTACT", "FROM", "TRANSPORT", "EXPIRES"},
	    reg_devices,
	    reg_row};
	struct ctl_resp d;
	int code;

	memset(&d, 0, sizeof(d));
	code = ctl_list(c, argc, argv, &l, &d);
	ctl_resp_reset(&d);
	return code;
}

static int call_rows(struct ctl_table *t, const struct odict *call, void *arg)
{
	const struct odict_entry *legs = odict_lookup(call, "legs");
	char id[24], dur[32];
	struct le *le;
	bool first = true;
	int err = 0;

	re_snprintf(id, sizeof(id), "%lld", (long long)ctl_int(call, "id"));
	ctl_duration(dur, sizeof(dur), ctl_int(call, "duration_s"));
	if (!legs || legs->type != ODICT_ARRAY || !legs->u.odict->lst.head)
		return ctl_table_row(
		    t, id, ctl_str(call, "state"), ctl_str(call, "from_number"),
		    ctl_str(call, "to_number"), ctl_str(call, "started_at"),
		    dur, "", "", "", "");
	for (le = legs->u.odict->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct odict *g = e->u.odict;
		char rx[24], tx[24];

		if (e->type != ODICT_OBJECT)
			continue;
		re_snprintf(rx, sizeof(rx), "%lld",
			    (long long)ctl_int(g, "rtp_received"));
		re_snprintf(tx, sizeof(tx), "%lld",
			    (long long)ctl_int(g, "rtp_sent"));
		err = ctl_table_row(t, first ? id : "",
				    first ? ctl_str(call, "state") : "",
				    first ? ctl_str(call, "from_number") : "",
				    first ? ctl_str(call, "to_number") : "",
				    first ? ctl_str(call, "started_at") : "",
				    first ? dur : "", ctl_str(g, "leg"),
				    str_or(ctl_str(g, "codec"), "-"), rx, tx);
		first = false;
	}
	return err;
}

int ctl_calls(const struct ctl *c, int argc, char *argv[])
{
	static const struct ctl_list l = {"/api/v1/calls/live",
					  "no live calls",
					  10,
					  {"CALL", "STATE", "FROM", "TO",
					   "SINCE", "DURATION", "LEG", "CODEC",
					   "RTP IN", "RTP OUT"},
					  NULL,
					  call_rows};

	return ctl_list(c, argc, argv, &l, NULL);
}

static int block_row(struct ctl_table *t, const struct odict *b, void *arg)
{
	char fail[24], ref[24];

	re_snprintf(fail, sizeof(fail), "%lld",
		    (long long)ctl_int(b, "failures"));
	re_snprintf(ref, sizeof(ref), "%lld", (long long)ctl_int(b, "refused"));
	return ctl_table_row(t, ctl_str(b, "kind"), ctl_str(b, "key"), fail,
			     ref, str_or(ctl_str(b, "blocked_until"), "-"));
}

int ctl_blocks(const struct ctl *c, int argc, char *argv[])
{
	static const struct ctl_list l = {
	    "/api/v1/auth_blocks",
	    "no auth blocks",
	    5,
	    {"KIND", "KEY", "FAILURES", "REFUSED", "BLOCKED UNTIL"},
	    NULL,
	    block_row};

	return ctl_list(c, argc, argv, &l, NULL);
}
