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
 *
 * Each node also shows the leases it holds (store.h "leases"): the
 * single-owner jobs that run there.
 *
 * A node is named by its node_id (:key), so reading one is an action of
 * this file rather than the generic read by :id.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "node/node.h"

#define T struct store_node

static int self_encode(struct odict *o, const struct api_field *f,
		       const void *rec, const struct api_req *req)
{
	const T *n = rec;

	return api_add_bool(o, f->name,
			    !strcmp(n->node_id, req->api->cfg->node_id));
}

static int alive_encode(struct odict *o, const struct api_field *f,
			const void *rec, const struct api_req *req)
{
	return api_add_bool(o, f->name,
			    node_alive(req->api->cfg, rec, req->now));
}

struct lease_walk {
	const char *node_id;
	uint64_t now;
	struct odict *arr;
};

/* A lease of w->node_id that has not expired, as {name, expires_at}. */
static int lease_h(const struct store_lease *l, void *arg)
{
	struct lease_walk *w = arg;
	struct odict *one = NULL;
	int err;

	if (strcmp(l->holder, w->node_id) || l->expires_at <= w->now)
		return 0;
	err = odict_alloc(&one, 4);
	if (err)
		return err;
	err = api_add_str(one, "name", l->name);
	err |= api_add_time(one, "expires_at", l->expires_at);
	if (!err)
		err = api_list_append(w->arr, one);
	mem_deref(one);
	return err ? ENOMEM : 0;
}

static int leases_encode(struct odict *o, const struct api_field *f,
			 const void *rec, const struct api_req *req)
{
	const T *n = rec;
	struct lease_walk w = {n->node_id, req->now, NULL};
	int err;

	err = odict_alloc(&w.arr, 8);
	if (!err)
		err = store_lease_list(req->api->st, lease_h, &w);
	if (!err)
		err = odict_entry_add(o, f->name, ODICT_ARRAY, w.arr);
	mem_deref(w.arr);
	return err;
}

static const struct api_field fields[] = {
    {API_F("node_id", AK_STR, FF_RO), API_M(T, node_id)},
    {API_F("self", AK_BOOL, FF_RO), .encode = self_encode},
    {API_F("alive", AK_BOOL, FF_RO), .encode = alive_encode},
    {API_F("started_at", AK_TIME, FF_RO), API_M(T, started_at)},
    {API_F("heartbeat_at", AK_TIME, FF_RO), API_M(T, heartbeat_at)},
    {API_F("live_calls", AK_INT, FF_RO), API_M(T, live_calls)},
    {API_F("leases", AK_LIST, FF_RO), .encode = leases_encode},
};

static const struct api_field close_fields[] = {
    {API_F("force", AK_BOOL, 0)},
};

API_LIST_H(node_h, T)

static int node_list(struct api_req *req, const struct api_query *q, void *arg)
{
	return store_node_list(req->api->st, node_h, arg);
}

/* The node named by the path into *n; a 404 reply if there is none. */
static int node_find(struct api_req *req, T *n)
{
	char id[sizeof(n->node_id)];
	int err;

	if (!api_pct_decode(id, sizeof(id), &req->key) || !id[0])
		return api_key_not_found(req, NULL);
	err = store_node_get(req->api->st, id, n);
	if (err == ENOENT)
		return api_key_not_found(req, id);
	if (err)
		return api_fail(req, err, "node %s: %m", id, err);
	return 0;
}

static int node_get(struct api_req *req)
{
	struct api_query q;
	struct odict *o = NULL;
	T n;
	int err;

	err = api_query_read(req, NULL, 0, &q);
	if (!err)
		err = node_find(req, &n);
	if (err)
		return err;
	err = api_encode(&o, api_res(req), &n, req);
	return api_reply_encoded(req, 200, err, o, 0);
}

static int node_close_calls(struct api_req *req)
{
	const struct config *cfg = req->api->cfg;
	uint64_t now = req->now;
	struct odict *o = NULL;
	unsigned closed = 0;
	T n;
	int err;

	err = api_body_check(req, close_fields, ARRAY_SIZE(close_fields));
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

static const struct api_action actions[] = {
    {"GET", "/:key", node_get},
    {"POST", "/:key/close_calls", node_close_calls},
};

const struct api_resource api_nodes = {
    .path = "/api/v1/nodes",
    .noun = "node",
    .label = "node",
    API_FIELDS(fields),
    .size = sizeof(T),
    .list = node_list,
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
