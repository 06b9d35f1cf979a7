/*
 * resource.c - create, read, update, delete and list, written once for
 * every resource.  Each handler reads the table of the route's resource
 * (struct api_resource, http_int.h): its fields, store operations and
 * hooks.  The steps, and where a resource may step in:
 *
 *   POST   body check -> init -> fields -> check -> add ----> log, after,
 *                                                              get, 201
 *   GET    get (404) --------------------------------------> 200
 *   PATCH  get (404) -> body check -> fields -> check -> update
 *                                                   -> after, get, 200
 *   DELETE get (404) -> del --------------------------> log, after, 204
 *   GET /  query -> list (api_list_rec per record) --------> 200 [...]
 *
 * A store error is explained by the resource's fail hook, ENOENT of the
 * record itself is a 404.  A PATCH starts from the stored record and
 * changes only the fields the body names.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"

const struct api_resource *api_res(const struct api_req *req)
{
	return req->route->res;
}

static int64_t rec_id(const struct api_resource *res, const void *rec)
{
	return api_rec_i64(rec, res->id_off);
}

/* The log line detail: " (<print>)" if the resource has a print hook. */
struct detail {
	const struct api_resource *res;
	void *rec;
};

static int print_detail(struct re_printf *pf, void *arg)
{
	const struct detail *d = arg;

	if (!d->res->print)
		return 0;
	return re_hprintf(pf, " (%H)", d->res->print, d->rec);
}

static void log_change(const struct api_resource *res, void *rec,
		       const char *what)
{
	struct detail d = {res, rec};

	info("http: %s %lld %s%H\n", res->label, (long long)rec_id(res, rec),
	     what, print_detail, &d);
}

static int reply_rec(struct api_req *req, uint16_t status, const void *rec)
{
	const struct api_resource *res = api_res(req);
	struct odict *o = NULL;
	int err = api_encode(&o, res, rec, req);

	return api_reply_encoded(req, status, err, o, rec_id(res, rec));
}

bool api_tenant_visible(const struct api_req *req, int64_t tenant_id)
{
	return !req->token.tenant_id || tenant_id == req->token.tenant_id;
}

/* May req's token see rec: its tenant's (tenant_off 0: no tenant) and,
 * for a subaccount, its employee's (employee_off 0: none)? */
static bool rec_visible(const struct api_req *req,
			const struct api_resource *res, const void *rec)
{
	/* a tenant's own record: tenant_off is its id's, 0 (api_tenants.c) */
	if ((res->tenant_off || res == &api_tenants) &&
	    !api_tenant_visible(req, api_rec_i64(rec, res->tenant_off)))
		return false;
	return !api_role_own(req) || !res->employee_off ||
	       api_rec_i64(rec, res->employee_off) == req->token.employee_id;
}

/* A record written by req must stay visible to its token: a client
 * admin writes its own tenant's records only, a subaccount its own
 * employee's.  0, or EPERM after a 422 that reads like the reference
 * did not exist (another tenant's ids do not leak). */
int api_res_scope_check(struct api_req *req, const void *rec)
{
	const struct api_resource *res = api_res(req);

	if (rec_visible(req, res, rec))
		return 0;
	if (res->employee_off)
		return api_error(
		    req, 422,
		    "employee_id: employee %lld does "
		    "not exist",
		    (long long)api_rec_i64(rec, res->employee_off));
	return api_error(req, 422, "tenant_id: tenant %lld does not exist",
			 (long long)api_rec_i64(rec, res->tenant_off));
}

/* The record of the path's :id into rec; 404 if there is none. */
static int load(struct api_req *req, void *rec)
{
	const struct api_resource *res = api_res(req);
	int err;

	err = res->get(req->api->st, req->id, rec);
	if (!err && res->tenant_off) /* the audit trail's client */
		req->audit_tenant = api_rec_i64(rec, res->tenant_off);
	/* a tenant's token sees its own tenant's records only, a
	 * subaccount its own employee's; others are not found */
	if (err == ENOENT || (!err && !rec_visible(req, res, rec)))
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "%s: %m", res->noun, err);
	return 0;
}

/* Explain a store error about rec. */
static int fail(struct api_req *req, int err, const void *rec)
{
	const struct api_resource *res = api_res(req);

	if (res->fail)
		return res->fail(req, err, rec);
	return api_fail(req, err, "%s: %m", res->noun, err);
}

static void after(struct api_req *req, enum api_op op, const void *rec,
		  const void *old)
{
	const struct api_resource *res = api_res(req);

	if (res->after)
		res->after(req, op, rec, old);
}

int api_res_create(struct api_req *req)
{
	const struct api_resource *res = api_res(req);
	void *rec;
	int err;

	req->create = true;
	err = api_body_check(req, res->fieldv, res->fieldc);
	if (err)
		return err;
	rec = mem_zalloc(res->size, NULL);
	if (!rec)
		return ENOMEM;
	if (res->init)
		res->init(rec);

	err = api_fields_apply(req, rec);
	if (!err && res->check)
		err = res->check(req, rec, NULL);
	if (!err)
		err = api_res_scope_check(req, rec);
	if (err)
		goto out;

	if (res->tenant_off) /* the audit trail's client */
		req->audit_tenant = api_rec_i64(rec, res->tenant_off);
	err = res->add(req, rec);
	if (err) {
		if (!req->replied)
			err = fail(req, err, rec);
		goto out;
	}
	req->audit_object = rec_id(res, rec);
	log_change(res, rec, "created");
	after(req, API_CREATE, rec, NULL);

	(void)res->get(req->api->st, rec_id(res, rec), rec);
	err = reply_rec(req, 201, rec);
out:
	mem_deref(rec);
	return err;
}

int api_res_get(struct api_req *req)
{
	void *rec;
	int err;

	rec = mem_zalloc(api_res(req)->size, NULL);
	if (!rec)
		return ENOMEM;
	err = load(req, rec);
	if (!err)
		err = reply_rec(req, 200, rec);
	mem_deref(rec);
	return err;
}

int api_res_update(struct api_req *req)
{
	const struct api_resource *res = api_res(req);
	const char *ref = res->enoent_unless;
	void *old, *rec;
	int err;

	old = mem_zalloc(res->size, NULL);
	rec = mem_zalloc(res->size, NULL);
	if (!old || !rec) {
		err = ENOMEM;
		goto out;
	}
	err = load(req, old);
	if (!err)
		err = api_body_check(req, res->fieldv, res->fieldc);
	if (err)
		goto out;

	memcpy(rec, old, res->size);
	err = api_fields_apply(req, rec);
	if (!err && res->check)
		err = res->check(req, rec, old);
	if (!err)
		err = api_res_scope_check(req, rec);
	if (err)
		goto out;

	err = res->update(req, rec, old);
	if (err) {
		if (req->replied)
			goto out;
		if (err == ENOENT && !(ref && api_has(req, ref)))
			err = api_not_found(req);
		else
			err = fail(req, err, rec);
		goto out;
	}
	after(req, API_UPDATE, rec, old);

	(void)res->get(req->api->st, rec_id(res, rec), rec);
	err = reply_rec(req, 200, rec);
out:
	mem_deref(rec);
	mem_deref(old);
	return err;
}

int api_res_delete(struct api_req *req)
{
	const struct api_resource *res = api_res(req);
	void *rec;
	int err;

	rec = mem_zalloc(res->size, NULL);
	if (!rec)
		return ENOMEM;
	err = load(req, rec);
	if (err)
		goto out;

	err = res->del(req->api->st, req->id);
	if (err == ENOENT)
		err = api_not_found(req);
	else if (err)
		err = fail(req, err, rec);
	if (err)
		goto out;
	log_change(res, rec, "deleted");
	after(req, API_DELETE, rec, NULL);
	err = api_reply_no_content(req);
out:
	mem_deref(rec);
	return err;
}

/* What the list op hands back to api_list_rec(). */
struct list_ctx {
	const struct api_req *req;
	const struct api_resource *res;
	struct odict *arr;
};

int api_list_rec(const void *rec, void *arg)
{
	struct list_ctx *l = arg;
	struct odict *o = NULL;
	int err;

	err = api_encode(&o, l->res, rec, l->req);
	if (!err)
		err = api_list_append(l->arr, o);
	mem_deref(o);
	return err;
}

int api_res_list(struct api_req *req)
{
	const struct api_resource *res = api_res(req);
	struct list_ctx l = {req, res, NULL};
	struct api_query q;
	int err;

	err = api_query_read(req, res->paramv, res->paramc, &q);
	if (err)
		return err;
	if (req->token.tenant_id)
		q.tenant_id = req->token.tenant_id; /* its own tenant's only */
	if (api_role_own(req) && res->employee_off)
		q.employee_id = req->token.employee_id; /* its own only */
	/* the audit trail's client: the one listed, or several */
	req->audit_tenant = q.tenant_id ? q.tenant_id : -1;
	err = api_list_alloc(&l.arr);
	if (err)
		return err;
	err = res->list(req, &q, &l);
	if (err)
		err = api_fail(req, err, "%s: %m", strrchr(res->path, '/') + 1,
			       err);
	else
		err = api_reply_list(req, l.arr);
	mem_deref(l.arr);
	return err;
}

int api_res_tenant_ctx(struct api_req *req, const void *rec,
		       struct phone_ctx *ctx)
{
	int64_t tid = api_rec_i64(rec, api_res(req)->tenant_off);
	struct store_tenant t;
	int err;

	err = store_tenant_get(req->api->st, tid, &t);
	if (err)
		return api_fail(req, err, "tenant_id: tenant %lld: %m",
				(long long)tid, err);
	api_tenant_ctx(&t, ctx);
	return 0;
}
