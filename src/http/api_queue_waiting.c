/*
 * api_queue_waiting.c - GET /api/v1/queues/:id/waiting: the callers
 * waiting in a queue of this node now, in the order they are offered
 * (acd_queue_waiting()), so that a console or wallboard shows them at
 * page load; the events "joined" and "left" keep it current afterwards.
 *
 *   -> 200 [{"position": 1, "record_id": 9, "callback_id": null,
 *            "number": "+4930777888", "client": {"id": 1, "name": "..."},
 *            "vip": "Dr. Anna Schmitz", "offered": false,
 *            "arrived_at": "...", "joined_at": "..."}]
 *
 * number: the caller ID of the call record (null when withheld), a
 * callback's number to call; client: the call record's tenant (in the
 * answering service's pool another one than the queue's), null without
 * a record; vip: the VIP's name or null.  At most WAITING_MAX callers.
 * Roles: operator, client_admin (its tenant's queues; another's is 404)
 * and agent: the queues it is a member of (403 "queue 4 is not served by
 * you").  503 "queues are not running here" without live queues.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "acd/acd.h"
#include "secretariat/secretariat.h"

enum { WAITING_MAX = 200 };

static bool member(const struct store_queue *q, int64_t employee)
{
	size_t i;

	for (i = 0; i < q->memberc; i++) {
		if (q->memberv[i].employee_id == employee)
			return true;
	}
	return false;
}

/* number and client of w into o */
static int caller_add(struct odict *o, struct store *st,
		      const struct acd_waiting *w, struct store_call *c)
{
	struct store_callback cb;
	struct store_tenant t;
	struct odict *co = NULL;
	const char *number = NULL;
	bool rec = w->record_id > 0 && !store_call_get(st, w->record_id, c);
	int err = 0;

	if (w->callback_id && !store_callback_get(st, w->callback_id, &cb))
		number = cb.number;
	else if (rec && !secr_caller_anonymous(c->from_number))
		number = c->from_number;
	err |= number ? api_add_str(o, "number", number)
		      : odict_entry_add(o, "number", ODICT_NULL);
	if (!rec || store_tenant_get(st, c->tenant_id, &t))
		return err | odict_entry_add(o, "client", ODICT_NULL);
	err |= odict_alloc(&co, 2);
	if (err)
		return err;
	err |= api_add_int(co, "id", t.id);
	err |= api_add_str(co, "name", t.name);
	err |= odict_entry_add(o, "client", ODICT_OBJECT, co);
	mem_deref(co);
	return err;
}

int api_queue_waiting(struct api_req *req)
{
	struct acd_waiting *v = NULL;
	struct store_queue *q = NULL;
	struct store_call *c = NULL;
	struct odict *arr = NULL, *o = NULL;
	size_t n = 0, i;
	int err;

	q = mem_zalloc(sizeof(*q), NULL);
	c = mem_zalloc(sizeof(*c), NULL);
	v = mem_zalloc(WAITING_MAX * sizeof(*v), NULL);
	if (!q || !c || !v) {
		err = ENOMEM;
		goto out;
	}
	err = store_queue_get(req->api->st, req->id, q);
	if (err == ENOENT || (!err && !api_tenant_visible(req, q->tenant_id))) {
		err = api_not_found(req);
		goto out;
	}
	if (err) {
		err = api_fail(req, err, "queue: %m", err);
		goto out;
	}
	if (!strcmp(req->token.role, "agent") &&
	    !member(q, req->token.employee_id)) {
		err = api_error(req, 403, "queue %lld is not served by you",
				(long long)q->id);
		goto out;
	}
	if (!req->api->acd) {
		err = api_error(req, 503, "queues are not running here");
		goto out;
	}
	err = acd_queue_waiting(req->api->acd, q->id, v, WAITING_MAX, &n);
	if (err == ENOENT) {
		n = 0; /* not loaded yet: nobody waits in it */
		err = 0;
	}
	if (!err)
		err = api_list_alloc(&arr);
	for (i = 0; !err && i < n && i < WAITING_MAX; i++) {
		const struct acd_waiting *w = &v[i];

		err = odict_alloc(&o, 12);
		if (err)
			break;
		err |= api_add_int(o, "position", w->position);
		err |= api_add_id(o, "record_id", w->record_id);
		err |= api_add_id(o, "callback_id", w->callback_id);
		err |= caller_add(o, req->api->st, w, c);
		err |= api_add_str_or_null(o, "vip", w->vip);
		err |= api_add_bool(o, "offered", w->offered);
		err |= api_add_time(o, "arrived_at", w->arrived);
		err |= api_add_time(o, "joined_at", w->joined);
		if (!err)
			err = api_list_append(arr, o);
		o = mem_deref(o);
	}
	if (err)
		err = api_fail(req, err, "waiting: %m", err);
	else
		err = api_reply_list(req, arr);
out:
	mem_deref(o);
	mem_deref(arr);
	mem_deref(v);
	mem_deref(c);
	mem_deref(q);
	return err;
}
