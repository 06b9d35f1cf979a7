/*
 * sip_test_collected.c - the header lines that carry a call's values to
 * an employee's phones (sip_dial_collected, src/sip/dial.c): one line
 * per value, name and value percent-encoded (RFC 3986 unreserved kept),
 * nothing for no values, ENOSPC and "" when they do not fit.
 */
#include <re.h>
#include "core/core.h"
#include "sip/sip.h"
#include "test.h"

int test_sip_dial_collected(void)
{
	static const struct store_call_var v[] = {
	    {"Kundennummer", "12345"},
	    {"R\xc3\xbc"
	     "ckruf Nr.",
	     "0221#"},
	    {"a=b;c", "*1~-_."},
	};
	char buf[256];
	int err = 0;

	TEST_EQ_INT(sip_dial_collected(buf, sizeof(buf), v, 1), 0);
	TEST_EQ_STR(buf, "X-Switchboard-Collected: Kundennummer=12345\r\n");
	TEST_EQ_INT(sip_dial_collected(buf, sizeof(buf), v, 3), 0);
	TEST_EQ_STR(buf,
		    "X-Switchboard-Collected: Kundennummer=12345\r\n"
		    "X-Switchboard-Collected: R%C3%BCckruf%20Nr.=0221%23\r\n"
		    "X-Switchboard-Collected: a%3Db%3Bc=%2A1~-_.\r\n");
	TEST_EQ_INT(sip_dial_collected(buf, sizeof(buf), NULL, 0), 0);
	TEST_EQ_STR(buf, "");
	TEST_EQ_INT(sip_dial_collected(buf, 40, v, 1), ENOSPC);
	TEST_EQ_STR(buf, "");
	TEST_EQ_INT(sip_dial_collected(buf, sizeof(buf), NULL, 1), EINVAL);
out:
	return err;
}
