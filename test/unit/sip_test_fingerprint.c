/*
 * sip_test_fingerprint.c - the forms of a pinned SHA-256 fingerprint a TLS
 * trunk takes (sip/trunktls.c): what tools print, in any case, into the
 * one form it is compared in; and what is not a fingerprint.
 */
#include <string.h>
#include "core/core.h"
#include "sip/sip.h"
#include "test.h"

#define FP                                                                     \
	"76:02:DB:B0:17:F7:5C:E1:04:B5:36:F2:79:DC:4D:17:BB:5D:1B:B6:D8:BA:"   \
	"C7:0D:15:82:AF:38:4C:7D:C4:74"
#define HEX "7602dbb017f75ce104b536f279dc4d17bb5d1bb6d8bac70d1582af384c7dc474"

int test_sip_fingerprint_norm(void)
{
	static const struct {
		const char *in;
		int err;
	} v[] = {
	    {FP, 0},
	    {HEX, 0},
	    {"76:02:db:b0:17:f7:5c:e1:04:b5:36:f2:79:dc:4d:17:bb:5d:1b:b6:d8:"
	     "ba:c7:0d:15:82:af:38:4c:7d:c4:74",
	     0},
	    {"", EINVAL},
	    {HEX "00", EINVAL}, /* 33 bytes */
	    {"7602dbb017f75ce104b536f279dc4d17bb5d1bb6d8bac70d1582af384c7dc4",
	     EINVAL}, /* 31 bytes */
	    {"G602dbb017f75ce104b536f279dc4d17bb5d1bb6d8bac70d1582af384c7dc474",
	     EINVAL}, /* not hex */
	    {"76-02:DB:B0:17:F7:5C:E1:04:B5:36:F2:79:DC:4D:17:BB:5D:1B:B6:D8:"
	     "BA:C7:0D:15:82:AF:38:4C:7D:C4:74",
	     EINVAL}, /* another separator */
	    {"7:602:DB:B0:17:F7:5C:E1:04:B5:36:F2:79:DC:4D:17:BB:5D:1B:B6:D8:"
	     "BA:C7:0D:15:82:AF:38:4C:7D:C4:74",
	     EINVAL}, /* colons out of place */
	};
	char out[96];
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		memset(out, 'x', sizeof(out));
		TEST_EQ_INT(sip_tls_fingerprint_norm(out, sizeof(out), v[i].in),
			    v[i].err);
		if (!v[i].err)
			TEST_EQ_STR(out, FP);
	}
	TEST_EQ_INT(sip_tls_fingerprint_norm(out, 95, FP), EINVAL);
	TEST_EQ_INT(sip_tls_fingerprint_norm(NULL, 96, FP), EINVAL);
	TEST_EQ_INT(sip_tls_fingerprint_norm(out, sizeof(out), NULL), EINVAL);
out:
	return err;
}
