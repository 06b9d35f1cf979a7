/*
 * trunk_state.c - what this node saw of its trunks since it started:
 * INVITEs sent through each, how many were answered and how many failed
 * (the answer-seizure ratio of the API), and until when a carrier's
 * Retry-After keeps a trunk out of rotation (dial.c skips it then).
 * Memory only, one entry per trunk that had a call, in the context's
 * list by id; main thread only.  A deleted trunk's entry stays until the
 * node stops (it is small, and its id is never used again).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "call/call_int.h"

enum { RETRY_AFTER_MAX = 86400 }; /* [s] longest out of rotation */

struct call_trunk_entry {
	struct le le;
	int64_t id;
	struct call_trunk_state s;
};

static struct call_trunk_entry *find(const struct call_ctx *ctx, int64_t id)
{
	struct le *le;

	for (le = ctx->trunks.head; le; le = le->next) {
		struct call_trunk_entry *e = le->data;
		if (e->id == id)
			return e;
	}
	return NULL;
}

/* The entry of id, made if need be (in id order); NULL on ENOMEM. */
static struct call_trunk_entry *entry(struct call_ctx *ctx, int64_t id)
{
	struct call_trunk_entry *e = find(ctx, id);
	struct le *le;

	if (e || !id)
		return e;
	e = mem_zalloc(sizeof(*e), NULL);
	if (!e)
		return NULL;
	e->id = id;
	for (le = ctx->trunks.head; le; le = le->next) {
		const struct call_trunk_entry *o = le->data;
		if (o->id > id)
			break;
	}
	if (le)
		list_insert_before(&ctx->trunks, le, &e->le, e);
	else
		list_append(&ctx->trunks, &e->le, e);
	return e;
}

void call_trunk_attempt(struct call_ctx *ctx, int64_t trunk_id)
{
	struct call_trunk_entry *e = entry(ctx, trunk_id);

	if (e)
		e->s.attempts++;
}

void call_trunk_answered(struct call_ctx *ctx, int64_t trunk_id)
{
	struct call_trunk_entry *e = entry(ctx, trunk_id);

	if (e)
		e->s.answered++;
}

void call_trunk_failed(struct call_ctx *ctx, int64_t trunk_id,
		       uint32_t retry_after)
{
	struct call_trunk_entry *e = entry(ctx, trunk_id);

	if (!e)
		return;
	e->s.failed++;
	if (!retry_after)
		return;
	if (retry_after > RETRY_AFTER_MAX)
		retry_after = RETRY_AFTER_MAX;
	e->s.out_until = time_now_ms() + (uint64_t)retry_after * 1000;
	info("call: trunk %lld out of rotation for %us (Retry-After)\n",
	     (long long)trunk_id, retry_after);
}

bool call_trunk_in_rotation(const struct call_ctx *ctx, int64_t trunk_id,
			    uint64_t now)
{
	const struct call_trunk_entry *e = find(ctx, trunk_id);

	return !e || e->s.out_until <= now;
}

void call_trunk_states_flush(struct call_ctx *ctx)
{
	list_flush(&ctx->trunks);
}

int call_trunk_state_get(const struct call_ctx *ctx, int64_t trunk_id,
			 struct call_trunk_state *s)
{
	const struct call_trunk_entry *e;

	if (!ctx || !s)
		return EINVAL;
	e = find(ctx, trunk_id);
	if (!e) {
		memset(s, 0, sizeof(*s));
		return ENOENT;
	}
	*s = e->s;
	return 0;
}

int call_trunk_states(const struct call_ctx *ctx, call_trunk_state_h *h,
		      void *arg)
{
	struct le *le;
	int err;

	if (!ctx || !h)
		return EINVAL;
	for (le = ctx->trunks.head; le; le = le->next) {
		const struct call_trunk_entry *e = le->data;
		err = h(e->id, &e->s, arg);
		if (err)
			return err;
	}
	return 0;
}
