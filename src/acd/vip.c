/*
 * vip.c - VIP callers (issue 15: "priority for VIP callers by caller
 * ID"): the queue asks, when a caller joins, whether the caller ID is on
 * the tenant's VIP list (store_vip_find, /api/v1/vips); a VIP joins with
 * ACD_PRIO_VIP and the call carries the mark to the agent as the call
 * value "vip" with the VIP's name (call.h: CALL_VAR_VIP), so the INVITE
 * to the agent's phones has "X-Switchboard-Collected: vip=<name>" and
 * the call and queue events have "vip": {"name"}.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call.h"
#include "acd/acd_int.h"

/* Copy s into out[sz] whole, or cut at a character boundary (UTF-8). */
static void utf8_copy(char *out, size_t sz, const char *s)
{
	size_t n = strlen(s);

	if (n >= sz) {
		n = sz - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* s[n] starts a character: cut before it */
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

bool acd_vip_mark(struct call *call, int64_t tenant_id,
		  const struct phone_ctx *ctx)
{
	struct store_vip v;
	char e164[40], name[STORE_CALL_VAR_VALUE];
	int err;

	if (!call || !ctx)
		return false;
	if (call_var(call, CALL_VAR_VIP))
		return true;
	if (tenant_id <= 0 || !call_from(call) ||
	    phone_normalise(e164, sizeof(e164), call_from(call), ctx) !=
		PHONE_E164)
		return false;
	err = store_vip_find(call_store(call), tenant_id, e164, &v);
	if (err) {
		if (err != ENOENT)
			warning("acd: %s: VIP list of tenant %lld: %m\n",
				call_id(call), (long long)tenant_id, err);
		return false;
	}
	utf8_copy(name, sizeof(name), v.name);
	err = call_var_set(call, CALL_VAR_VIP, name);
	if (err)
		warning("acd: %s: VIP mark: %m\n", call_id(call), err);
	info("acd: %s: VIP caller %s (%s)\n", call_id(call), e164, v.name);
	return true;
}
