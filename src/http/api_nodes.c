/*
 * api_nodes.c - /api/v1/nodes: the Switchboard nodes that share this store,
 * with their heartbeat and live calls, and the operator's command for a
 * node that will not come back:
 *
 *   POST /api/v1/nodes/<node_id>/close_calls   {} or {"force": true}
 *
 * closes that node's live call records by the rule of store.h ("nodes"):
 * each ends at its last sign of life, marked node_failure.  Refused (409)
 * for this node itself, whose calls are real and end by themselves, and
 * for a node whose heartbeat is younger than --node-stale-after, unless
 * force: the operator knows it is dead (powered off, say) and does not
 * want to wait.  Other nodes close a dead node's calls by themselves once
 * it is stale (node/node.c), so the command is for the impatient and for
 * the records of nodes that predate heartbeats.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "node/node.h"

static int node_encode(struct odict **op, const struct config *cfg,
		       const struct store_node *n, uint64_t now)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_str(o, "node_id", n->node_id);
	err |= api_add_bool(o, "self", !strcmp(n->node_id, cfg->node_id));
	err |= api_add_bool(o, "alive", node_alive(cfg, n, now));
	err |= api_add_time(o, "started_at", n->started_at);
	err |= api_add_time(o, "heartbeat_at", n->heartbeat_at);
	err |= api_add_int(o, "live_calls", n->live_calls);
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}
	*op = o;
	return 0;
}

struct list_ctx {
	const struct config *cfg;
	struct odict *arr;
	uint64_t now;
};

static int list_h(const struct store_node *n, void *arg)
{
	struct list_ctx *ctx = arg;
	struct odict *o = NULL;
	int err = node_encode(&o, ctx->cfg, n, ctx->now);

	return api_list_add(ctx->arr, err, o);
}

int api_node_list(struct api_req *req)
{
	static const char *const params[] = {NULL};
	struct list_ctx ctx = {req->api->cfg, NULL, time_now_ms()};
	int err;

	err = api_query_check(req, params);
	if (err)
		return err;
	err = api_list_alloc(&ctx.arr);
	if (err)
		return err;
	err = store_node_list(req->api->st, list_h, &ctx);
	return api_list_done(req, err, ctx.arr, "nodes");
}

/* The node named by the path into *n; a 404 reply if there is none. */
static int node_find(struct api_req *req, struct store_node *n)
{
	char id[sizeof(n->node_id)];
	int err;

	if (!api_pct_decode(id, sizeof(id), &req->key) || !id[0])
		return api_error(req, 404, "node %b not found", req->key.p,
				 req->key.l > 64 ? (size_t)64 : req->key.l);
	err = store_node_get(req->api->st, id, n);
	if (err == ENOENT)
		return api_error(req, 404, "node %s not found", id);
	if (err)
		return api_fail(req, err, "node %s: %m", id, err);
	return 0;
}

int api_node_get(struct api_req *req)
{
	static const char *const params[] = {NULL};
	struct store_node n;
	struct odict *o = NULL;
	int err;

	err = api_query_check(req, params);
	if (!err)
		err = node_find(req, &n);
	if (err)
		return err;
	err = node_encode(&o, req->api->cfg, &n, time_now_ms());
	return api_reply_encoded(req, 200, err, o, 0);
}

int api_node_close_calls(struct api_req *req)
{
	static const struct api_field fields[] = {
	    {"force", FT_BOOL, 0, 0},
	};
	const struct config *cfg = req->api->cfg;
	uint64_t now = time_now_ms();
	struct store_node n;
	struct odict *o = NULL;
	unsigned closed = 0;
	int err;

	err = api_body_check(req, fields, ARRAY_SIZE(fields), true);
	if (!err)
		err = node_find(req, &n);
	if (err)
		return err;

	if (!strcmp(n.node_id, cfg->node_id))
		return api_error(req, 409,
				 "node_id: %s is this node, which is running: "
				 "its calls are real and end by themselves",
				 n.node_id);
	if (node_alive(cfg, &n, now) && !api_bool(req, "force", false)) {
		/* its clock may be ahead of ours */
		uint64_t ago = now > n.heartbeat_at ? now - n.heartbeat_at : 0;

		return api_error(req, 409,
				 "node_id: %s is alive (heartbeat %llu s ago, "
				 "dead after %u s without one); stop it "
				 "first, or send {\"force\": true} if it is "
				 "gone",
				 n.node_id, (unsigned long long)(ago / 1000),
				 cfg->node_stale_after);
	}

	err = store_call_close_node(req->api->st, n.node_id, &closed);
	if (err)
		return api_fail(req, err, "node %s: %m", n.node_id, err);
	info("api: node %s: %u live calls closed by the operator at their "
	     "last sign of life (node_failure)\n",
	     n.node_id, closed);

	err = odict_alloc(&o, 4);
	if (!err) {
		err |= api_add_str(o, "node_id", n.node_id);
		err |= api_add_int(o, "closed", closed);
		if (err)
			err = ENOMEM;
	}
	return api_reply_encoded(req, 200, err, o, 0);
}
