/*
 * notify_test_dest.c - where a tenant's webhook and push requests may go
 * (dest.c): the address filter against a table of addresses, each
 * refused block at its edges, IPv4 inside IPv6; the save-time check of
 * URLs (scheme, user, literal hosts, the loopback test option); and the
 * generic reasons of failed deliveries (reason.c) that tenants, agents
 * and the log see in place of an SMTP bounce.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify_int.h"
#include "test.h"

/* Is the literal address s allowed (with allow_loopback lo)? */
static bool allowed(const char *s, bool lo)
{
	struct sockaddr_in6 v6;
	struct sockaddr_in v4;

	memset(&v4, 0, sizeof(v4));
	memset(&v6, 0, sizeof(v6));
	if (inet_pton(AF_INET, s, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		return notify_addr_allowed((struct sockaddr *)&v4, lo);
	}
	if (inet_pton(AF_INET6, s, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		return notify_addr_allowed((struct sockaddr *)&v6, lo);
	}
	return true; /* a typo in the table: the check below fails */
}

int test_notify_dest(void)
{
	static const struct {
		const char *addr;
		bool ok;    /* allowed without the test option */
		bool ok_lo; /* allowed with --...-allow-loopback */
	} addrs[] = {
	    {"0.0.0.0", false, false},
	    {"0.255.255.255", false, false},
	    {"1.1.1.1", true, true},
	    {"9.255.255.255", true, true},
	    {"10.0.0.1", false, false},
	    {"10.255.255.255", false, false},
	    {"11.0.0.0", true, true},
	    {"100.63.255.255", true, true},
	    {"100.64.0.1", false, false},
	    {"100.127.255.255", false, false},
	    {"100.128.0.0", true, true},
	    {"127.0.0.1", false, true},
	    {"127.255.0.9", false, true},
	    {"169.254.169.254", false, false}, /* cloud metadata */
	    {"172.15.255.255", true, true},
	    {"172.16.0.1", false, false},
	    {"172.31.255.255", false, false},
	    {"172.32.0.0", true, true},
	    {"192.168.1.1", false, false},
	    {"192.169.0.1", true, true},
	    {"198.18.0.1", false, false},
	    {"224.0.0.1", false, false},
	    {"239.255.255.250", false, false},
	    {"255.255.255.255", false, false},
	    {"93.184.216.34", true, true},
	    {"::", false, false},
	    {"::1", false, true},
	    {"2001:db8::1", true, true},
	    {"2a00:1450:4001::200e", true, true},
	    {"fc00::1", false, false},
	    {"fd12:3456::1", false, false},
	    {"fe80::1", false, false},
	    {"febf::1", false, false},
	    {"fec0::1", false, false},
	    {"ff02::1", false, false},
	    {"::ffff:127.0.0.1", false, true},
	    {"::ffff:10.1.2.3", false, false},
	    {"::ffff:169.254.169.254", false, false},
	    {"::ffff:192.168.0.1", false, false},
	    {"::ffff:8.8.8.8", true, true},
	    {"::10.1.2.3", false, false},
	    {"64:ff9b::a9fe:a9fe", false, false},
	    {"64:ff9b::808:808", true, true},
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		if (allowed(addrs[i].addr, false) != addrs[i].ok ||
		    allowed(addrs[i].addr, true) != addrs[i].ok_lo) {
			fprintf(stderr, "  address %s: want %d/%d\n",
				addrs[i].addr, addrs[i].ok, addrs[i].ok_lo);
			TEST_ASSERT(false);
		}
	}
	TEST_ASSERT(!notify_addr_allowed(NULL, true));

	/* save time: scheme, user, literal hosts, no DNS */
	TEST_EQ_INT(notify_dest_check("https://hooks.example.com/x", false), 0);
	TEST_EQ_INT(notify_dest_check("https://93.184.216.34:8443/x", false),
		    0);
	TEST_EQ_INT(notify_dest_check("http://hooks.example.com/x", false),
		    EPROTO);
	TEST_EQ_INT(notify_dest_check("http://hooks.example.com/x", true),
		    EPROTO);
	TEST_EQ_INT(notify_dest_check("ftp://hooks.example.com/x", false),
		    EPROTO);
	TEST_EQ_INT(notify_dest_check("https://u:p@hooks.example.com/", false),
		    EPROTO);
	TEST_EQ_INT(notify_dest_check("https://", false), EPROTO);
	TEST_EQ_INT(notify_dest_check("nonsense", false), EPROTO);
	TEST_EQ_INT(notify_dest_check("https://10.0.0.5/hook", false), EACCES);
	TEST_EQ_INT(notify_dest_check("https://[fd00::5]/hook", false), EACCES);
	TEST_EQ_INT(
	    notify_dest_check("https://[::ffff:169.254.169.254]/", false),
	    EACCES);
	TEST_EQ_INT(notify_dest_check("https://169.254.169.254/latest", false),
		    EACCES);
	TEST_EQ_INT(notify_dest_check("https://2130706433/", false), EACCES);
	TEST_EQ_INT(notify_dest_check("https://localhost/", false), EACCES);
	TEST_EQ_INT(notify_dest_check("https://a.localhost/", false), EACCES);
	TEST_EQ_INT(notify_dest_check("http://127.0.0.1:8080/hook", false),
		    EPROTO);
	TEST_EQ_INT(notify_dest_check("https://127.0.0.1:8080/hook", false),
		    EACCES);
	/* the test option: loopback, http:// to 127.0.0.1 and [::1] only */
	TEST_EQ_INT(notify_dest_check("http://127.0.0.1:8080/hook", true), 0);
	TEST_EQ_INT(notify_dest_check("http://[::1]:8080/hook", true), 0);
	TEST_EQ_INT(notify_dest_check("http://10.0.0.1/hook", true), EPROTO);
	TEST_EQ_INT(notify_dest_check("https://10.0.0.1/hook", true), EACCES);

	/* the generic reasons */
	TEST_ASSERT(!notify_error_reason(STORE_CHANNEL_MAIL, ""));
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"SMTP 550 5.1.1 <max@example.com>: "
					"Recipient address rejected (curl: "
					"Failed sending data)"),
		    "mail server refused the recipient");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"SMTP 554 5.7.1 <erika@example.com> "
					"spam (curl: x)"),
		    "mail server refused the mail");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"SMTP 451 4.3.0 <max@example.com> "
					"try later (curl: x)"),
		    "mail server deferred the mail");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"SMTP 535 auth failed (curl: Login "
					"denied)"),
		    "mail server refused our login");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"curl: Failed to connect to 127.0.0.1 "
					"port 2525 after 0 ms: Couldn't "
					"connect to server"),
		    "mail server unreachable");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_WEBHOOK,
					"curl: Failed to connect to x"),
		    "receiver unreachable");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"curl: Operation timed out after "
					"120001 milliseconds"),
		    "timeout");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_SMS, "HTTP 503"),
		    "HTTP 503");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_SMS, "HTTP 503 x@y.de"),
		    "delivery failed");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_WEBPUSH,
					"push service: HTTP 400"),
		    "push service: HTTP 400");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_WEBHOOK,
					"destination not allowed"),
		    "destination not allowed");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"cannot prepare the mail: bad "
					"recipients"),
		    "bad recipient address");
	TEST_EQ_STR(notify_error_reason(STORE_CHANNEL_MAIL,
					"something new from max@example.com"),
		    "delivery failed");
out:
	return err;
}
