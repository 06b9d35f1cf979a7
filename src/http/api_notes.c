/*
 * api_notes.c - call notes (Gesprächsnotizen, issue 17; seeds/001, 002):
 *
 *   POST  /api/v1/notes                  an agent saves a note: 201
 *   PATCH /api/v1/notes/:id              within the edit window
 *
 * and the route table of /api/v1/notes.  Reading them (list, one, its
 * history and deliveries) is api_note_view.c; the signed link (open,
 * acknowledge) and the tenant's note settings are api_note_links.c.
 *
 * Who sees what (roles.c has the rows): an agent saves notes and reads
 * and edits its own (the token's employee, or the token itself), a
 * client admin reads its tenant's, a subaccount the notes for its own
 * employee, the operator all; anything else is 404.  A read is in the
 * audit trail like every request (audit.c), with the note's client.
 *
 * The note, its first version and its deliveries (notify.h: mail, SMS,
 * webhook) are committed in one transaction before the 201 goes out.
 * Edit window: the agent that took it (and the operator) may change it
 * for --note-edit-window seconds after it was first saved; after that it
 * is locked (409 "note <id> is locked: ...").  An edit that changes
 * something is a new version and goes out again as a correction, on
 * the same channels; one that changes nothing is answered 200 and sends
 * nothing.
 */
#include <string.h>
#include "http/http_int.h"
#include "notify/notify.h"
#include "secretariat/secretariat.h"

#define T struct store_note

enum {
	CONCERN_MAX = 2000,    /* [bytes] what an outbox row carries whole */
	CALLER_NAME_MAX = 127, /* [bytes]                                  */
};

/* What a body may hold: name, JSON type, longest string. */
struct key {
	const char *name;
	enum odict_type type;
	size_t max;
	bool create_only;
};

static const struct key keys[] = {
    {"tenant_id", ODICT_INT, 0, true},
    {"employee_ids", ODICT_ARRAY, 0, false},
    {"caller_name", ODICT_STRING, CALLER_NAME_MAX, false},
    {"caller_number", ODICT_STRING, 32, false},
    {"concern", ODICT_STRING, CONCERN_MAX, false},
    {"fields", ODICT_OBJECT, 0, false},
    {"call_id", ODICT_INT, 0, false},
    {"profile_version", ODICT_INT, 0, true},
    {"urgent", ODICT_BOOL, 0, false},
};

static const char *type_name(enum odict_type t)
{
	switch (t) {
	case ODICT_INT:
		return "an integer";
	case ODICT_ARRAY:
		return "an array";
	case ODICT_OBJECT:
		return "an object";
	case ODICT_BOOL:
		return "true or false";
	default:
		return "a string";
	}
}

/* UTF-8 text: no control characters but \n and \t (a concern has
 * lines). */
static bool text_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0x7f || (c < ' ' && c != '\n' && c != '\t'))
			return false;
	}
	return true;
}

/* The body's keys and types: 400 naming the first bad field. */
static int body_check(struct api_req *req)
{
	const struct odict *b = req->body;
	struct le *le;
	size_t i;

	if (!b)
		return api_error(req, 400, "body: a JSON object is required");
	for (le = b->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct key *k = NULL;
		char name[65];

		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			if (!strcmp(keys[i].name, e->key))
				k = &keys[i];
		}
		str_copy(name, e->key, sizeof(name));
		if (!k)
			return api_error(req, 400, "%s: unknown field", name);
		if (odict_lookup(b, e->key) != e)
			return api_error(req, 400, "%s: given more than once",
					 name);
		if (k->create_only && !req->create)
			return api_error(req, 400, "%s: cannot be changed",
					 name);
		if (e->type == ODICT_NULL)
			continue;
		if (e->type != k->type)
			return api_error(req, 400, "%s: must be %s", name,
					 type_name(k->type));
		if (k->type == ODICT_STRING && !text_ok(e->u.str))
			return api_error(req, 400,
					 "%s: must be UTF-8 text without "
					 "control characters",
					 name);
		if (k->max && k->type == ODICT_STRING &&
		    strlen(e->u.str) > k->max)
			return api_error(req, 400,
					 "%s: longer than %zu characters", name,
					 k->max);
	}
	return 0;
}

/* ---- saving ------------------------------------------------------------ */

/* What a save's deliveries need (store_note_rows_h arg). */
struct save_ctx {
	struct api_req *req;
	struct store_employee *empv; /* (owned) the note's employees */
	size_t empc;
	bool correction;
};

/* The Web Push subscriptions of a note's employees, collected. */
struct subs {
	struct store_push_sub *v;
	size_t n;
};

static int sub_h(const struct store_push_sub *s, void *arg)
{
	struct subs *l = arg;

	if (l->n < NOTIFY_NOTE_PUSH_MAX)
		l->v[l->n++] = *s;
	return 0;
}

/* The transfer attempts of a note's call (its consultations' outcomes),
 * collected for the mail; at most XFER_MAX. */
enum { XFER_MAX = 8 };
struct xfers {
	struct store *st;
	struct notify_note_transfer v[XFER_MAX];
	struct store_consult_outcome o[XFER_MAX]; /* their texts */
	size_t n;
	int64_t taken; /* the employee of the last taken, 0 if none */
};

static int xfer_h(const struct store_consult_outcome *o, void *arg)
{
	struct xfers *x = arg;
	struct notify_note_transfer *t;
	struct store_employee e;

	if (!strcmp(o->outcome, "taken"))
		x->taken = o->employee_id;
	if (x->n >= XFER_MAX)
		return 0;
	x->o[x->n] = *o;
	t = &x->v[x->n];
	t->outcome = x->o[x->n].outcome;
	t->message = x->o[x->n].message;
	if (o->employee_id && !store_employee_get(x->st, o->employee_id, &e))
		re_snprintf(t->who, sizeof(t->who), "%s%s%s", e.first_name,
			    e.first_name[0] && e.last_name[0] ? " " : "",
			    e.last_name);
	x->n++;
	return 0;
}

/* The employee whose phone the note's call was put through to, 0 if
 * none: with transfers with consultation, the one who took it (one who
 * declined or was not reached gets the whole note); else the employee
 * of the call record's callee device. */
static int64_t put_through(struct store *st, const struct store_note *n,
			   const struct xfers *x)
{
	struct store_device dev;
	struct store_call c;
	const char *user;

	if (x->n)
		return x->taken;
	if (!n->call_id || store_call_get(st, n->call_id, &c) ||
	    strncmp(c.callee_leg, "device:", 7))
		return 0;
	user = c.callee_leg + 7;
	if (store_device_by_username(st, user, &dev) ||
	    dev.tenant_id != n->tenant_id)
		return 0;
	return dev.employee_id;
}

static int rows_h(const struct store_note *n, struct store_note_out **outvp,
		  size_t *outcp, void *arg)
{
	struct save_ctx *c = arg;
	struct http_api *api = c->req->api;
	struct store_note_settings ns;
	char key[NOTIFY_SECRET_HEX];
	struct notify_note nn;
	struct subs subs = {NULL, 0};
	struct xfers *x;
	size_t i;
	int err;

	err = api_note_link_key(api, key, sizeof(key));
	if (!err)
		err = store_note_settings_get(api->st, n->tenant_id, &ns);
	if (err)
		return err;
	subs.v = mem_zalloc(NOTIFY_NOTE_PUSH_MAX * sizeof(*subs.v), NULL);
	if (!subs.v)
		return ENOMEM;
	for (i = 0; !err && i < c->empc; i++)
		err = store_push_sub_list(api->st, n->tenant_id, c->empv[i].id,
					  sub_h, &subs);
	x = mem_zalloc(sizeof(*x), NULL);
	if (!err && !x)
		err = ENOMEM;
	if (!err && n->call_id) {
		x->st = api->st;
		err =
		    store_consult_outcome_list(api->st, n->call_id, xfer_h, x);
	}
	if (err) {
		mem_deref(subs.v);
		mem_deref(x);
		return err;
	}

	memset(&nn, 0, sizeof(nn));
	nn.note = n;
	nn.empv = c->empv;
	nn.empc = c->empc;
	nn.settings = &ns;
	nn.link_key = key;
	nn.link_expires = c->req->now / 1000 + api->cfg->note_link_ttl;
	nn.correction = c->correction;
	nn.put_through = put_through(api->st, n, x);
	nn.xferv = x->v;
	nn.xferc = x->n;
	nn.subv = subs.v;
	nn.subc = subs.n;
	err = notify_note_rows(api->cfg, &nn, outvp, outcp);
	mem_deref(subs.v);
	mem_deref(x);
	return err;
}

/* employee_ids of the body into n and c->empv: 1 to
 * STORE_NOTE_EMPLOYEES employees of n's tenant. */
static int employees_read(struct api_req *req, T *n, struct save_ctx *c)
{
	const struct odict_entry *e = odict_lookup(req->body, "employee_ids");
	struct le *le;
	uint32_t i;
	int err;

	if (e && e->type == ODICT_ARRAY) {
		n->employeec = 0;
		if (!e->u.odict->lst.head)
			return api_error(req, 422,
					 "employee_ids: at least one employee");
		for (le = e->u.odict->lst.head; le; le = le->next) {
			const struct odict_entry *it = le->data;

			if (it->type != ODICT_INT || it->u.integer <= 0)
				return api_error(req, 422,
						 "employee_ids: must be "
						 "employee ids");
			if (api_note_for(n, it->u.integer))
				continue;
			if (n->employeec >= STORE_NOTE_EMPLOYEES)
				return api_error(req, 422,
						 "employee_ids: at most %u "
						 "employees",
						 STORE_NOTE_EMPLOYEES);
			n->employeev[n->employeec++] = it->u.integer;
		}
	}
	if (!n->employeec)
		return api_error(req, 400, "employee_ids: is required");

	c->empv = mem_zalloc(n->employeec * sizeof(*c->empv), NULL);
	if (!c->empv)
		return ENOMEM;
	c->empc = n->employeec;
	for (i = 0; i < n->employeec; i++) {
		err = store_employee_get(req->api->st, n->employeev[i],
					 &c->empv[i]);
		if (err == ENOENT ||
		    (!err && c->empv[i].tenant_id != n->tenant_id))
			return api_error(req, 422,
					 "employee_ids: employee %lld does "
					 "not exist",
					 (long long)n->employeev[i]);
		if (err)
			return api_fail(req, err, "employee_ids: %m", err);
	}
	return 0;
}

/* The strings, number, call and urgency of the body into n. */
static int content_read(struct api_req *req, T *n)
{
	const char *s;
	int64_t call = n->call_id;
	int err;

	if (api_has(req, "caller_name"))
		str_copy(n->caller_name,
			 (s = api_str(req, "caller_name")) ? s : "",
			 sizeof(n->caller_name));
	if (api_has(req, "concern"))
		str_copy(n->concern, (s = api_str(req, "concern")) ? s : "",
			 sizeof(n->concern));
	if (api_has(req, "urgent"))
		n->urgent = api_bool(req, "urgent", false);
	if (api_has(req, "caller_number")) {
		s = api_str(req, "caller_number");
		n->caller_number[0] = '\0';
		if (str_isset(s)) {
			struct store_tenant t;
			struct phone_ctx ctx;

			err = store_tenant_get(req->api->st, n->tenant_id, &t);
			if (err)
				return api_fail(req, err, "tenant_id: %m", err);
			api_tenant_ctx(&t, &ctx);
			if (phone_normalise(n->caller_number,
					    sizeof(n->caller_number), s,
					    &ctx) != PHONE_E164)
				return api_error(req, 422,
						 "caller_number: must be a "
						 "phone number");
		}
	}
	if (api_has(req, "call_id")) {
		err = api_field_id(req, "call_id", &call);
		if (err)
			return err;
		if (call) {
			struct store_call *cr = mem_zalloc(sizeof(*cr), NULL);

			if (!cr)
				return ENOMEM;
			err = store_call_get(req->api->st, call, cr);
			if (!err && cr->tenant_id != n->tenant_id)
				err = ENOENT;
			mem_deref(cr);
			if (err == ENOENT)
				return api_error(req, 422,
						 "call_id: call %lld does not "
						 "exist",
						 (long long)call);
			if (err)
				return api_fail(req, err, "call_id: %m", err);
		}
		n->call_id = call;
	}
	if (!n->concern[0])
		return api_error(req, 400, "concern: is required");
	return 0;
}

/* fields of the body against the profile version of n. */
static int fields_read(struct api_req *req, T *n, int64_t version)
{
	struct store_profile_version *v = NULL;
	const struct odict_entry *e = odict_lookup(req->body, "fields");
	char why[PROFILE_WHY_SZ];
	int err = 0;

	if (version)
		err =
		    store_profile_get(req->api->st, n->tenant_id, version, &v);
	else if (n->profile_version_id || req->create)
		err =
		    store_profile_at(req->api->st, n->tenant_id, req->now, &v);
	if (err == ENOENT && version)
		return api_error(req, 422,
				 "profile_version: version %lld does not exist",
				 (long long)version);
	if (err && err != ENOENT)
		return api_fail(req, err, "profile_version: %m", err);
	if (v && req->create)
		n->profile_version_id = v->id;

	err = secr_note_fields_check(
	    v, e && e->type == ODICT_OBJECT ? e->u.odict : NULL, n->fields,
	    sizeof(n->fields), why, sizeof(why));
	mem_deref(v);
	if (err == EINVAL)
		return api_error(req, 422, "%s", why);
	if (err)
		return api_fail(req, err, "fields: %m", err);
	return 0;
}

/* Save n (with its deliveries) and answer status with it. */
static int save(struct api_req *req, T *n, struct save_ctx *c, uint16_t status)
{
	struct odict *o = NULL;
	int err;

	err = store_note_save(req->api->st, n, rows_h, c);
	if (err == EALREADY)
		return api_error(req, 409,
				 "note %lld was changed meanwhile; read it "
				 "again",
				 (long long)n->id);
	if (err == EINVAL)
		return api_error(req, 422,
				 "concern: the note is too long to be "
				 "delivered");
	if (err == ENOENT && n->id)
		return api_not_found(req);
	if (err)
		return api_fail(req, err, "note: %m", err);

	req->audit_object = n->id;
	/* no caller data in the log: ids only */
	info("http: note %lld of tenant %lld saved (version %u, %zu "
	     "employees)\n",
	     (long long)n->id, (long long)n->tenant_id, n->version, c->empc);
	notify_kick(req->api->notify);

	(void)store_note_get(req->api->st, n->id, n);
	err = api_note_encode(&o, req, n);
	return api_reply_encoded(req, status, err, o,
				 status == 201 ? n->id : 0);
}

static int note_create(struct api_req *req)
{
	struct save_ctx c = {req, NULL, 0, false};
	int64_t tid = req->token.tenant_id, version = 0;
	T *n;
	int err;

	err = body_check(req);
	if (err)
		return err;
	if (api_has(req, "tenant_id") && !api_is_null(req, "tenant_id")) {
		int64_t b = api_int(req, "tenant_id", 0);

		if (b <= 0 || (tid && b != tid))
			return api_error(req, 422,
					 "tenant_id: tenant %lld does not "
					 "exist",
					 (long long)b);
		tid = b;
	}
	if (!tid)
		return api_error(req, 400, "tenant_id: is required");
	req->audit_tenant = tid;

	n = mem_zalloc(sizeof(*n), NULL);
	if (!n)
		return ENOMEM;
	n->tenant_id = tid;
	{
		struct store_tenant t;

		err = store_tenant_get(req->api->st, tid, &t);
		if (err == ENOENT) {
			err = api_error(req, 422,
					"tenant_id: tenant %lld does not exist",
					(long long)tid);
			goto out;
		}
		if (err) {
			err = api_fail(req, err, "tenant_id: %m", err);
			goto out;
		}
	}
	n->agent_token_id = req->token.id;
	n->agent_employee_id = req->token.employee_id;
	str_copy(n->agent, req->token.name, sizeof(n->agent));
	n->created_at = req->now;
	str_copy(n->fields, "{}", sizeof(n->fields));

	err = employees_read(req, n, &c);
	if (!err)
		err = content_read(req, n);
	if (!err && api_has(req, "profile_version") &&
	    !api_is_null(req, "profile_version")) {
		version = api_int(req, "profile_version", 0);
		if (version <= 0)
			err = api_error(req, 422,
					"profile_version: version %lld does "
					"not exist",
					(long long)version);
	}
	if (!err)
		err = fields_read(req, n, version);
	if (!err)
		err = save(req, n, &c, 201);
out:
	mem_deref(c.empv);
	mem_deref(n);
	return err;
}

/* The number of the profile version with id (store_profile_list). */
struct version_find {
	int64_t id;
	int64_t version; /* found, 0 = none */
};

static int version_h_find(const struct store_profile_version *v, void *arg)
{
	struct version_find *vf = arg;

	if (v->id == vf->id)
		vf->version = v->version;
	return 0;
}

/* Does n differ from old in what a note says? */
static bool changed(const T *n, const T *old)
{
	return strcmp(n->caller_name, old->caller_name) ||
	       strcmp(n->caller_number, old->caller_number) ||
	       strcmp(n->concern, old->concern) ||
	       strcmp(n->fields, old->fields) || n->urgent != old->urgent ||
	       n->call_id != old->call_id || n->employeec != old->employeec ||
	       memcmp(n->employeev, old->employeev,
		      n->employeec * sizeof(n->employeev[0]));
}

static int note_update(struct api_req *req)
{
	const uint64_t window =
	    (uint64_t)req->api->cfg->note_edit_window * 1000;
	struct save_ctx c = {req, NULL, 0, true};
	T *n, *old;
	int err;

	n = mem_zalloc(sizeof(*n), NULL);
	old = mem_zalloc(sizeof(*old), NULL);
	if (!n || !old) {
		err = ENOMEM;
		goto out;
	}
	err = api_note_load(req, old);
	if (err)
		goto out;
	err = body_check(req);
	if (err)
		goto out;
	if (req->now >= old->created_at + window) {
		err = api_error(req, 409,
				"note %lld is locked: it can be edited for %u "
				"seconds after it was saved",
				(long long)old->id,
				req->api->cfg->note_edit_window);
		goto out;
	}

	*n = *old;
	err = employees_read(req, n, &c);
	if (!err)
		err = content_read(req, n);
	if (!err && api_has(req, "fields")) {
		struct version_find vf = {n->profile_version_id, 0};

		/* the version the agent saw, by its id */
		if (vf.id)
			err = store_profile_list(req->api->st, n->tenant_id,
						 version_h_find, &vf);
		if (err)
			err = api_fail(req, err, "profile_version: %m", err);
		else if (vf.id && !vf.version)
			err = api_error(req, 409,
					"fields: the profile version of note "
					"%lld is gone",
					(long long)n->id);
		else
			err = fields_read(req, n, vf.version);
	}
	if (err)
		goto out;

	if (!changed(n, old)) {
		struct odict *o = NULL;

		err = api_note_encode(&o, req, old);
		err = api_reply_encoded(req, 200, err, o, 0);
		goto out;
	}
	n->version = old->version + 1;
	n->updated_at = req->now;
	str_copy(n->agent, req->token.name, sizeof(n->agent));
	err = save(req, n, &c, 200);
out:
	mem_deref(c.empv);
	mem_deref(old);
	mem_deref(n);
	return err;
}

static const struct api_action actions[] = {
    {"POST", "", note_create},
    {"GET", "", api_note_list},
    {"GET", "/:id", api_note_get},
    {"PATCH", "/:id", note_update},
    {"GET", "/:id/history", api_note_history},
    {"GET", "/:id/deliveries", api_note_deliveries},
    {"GET", "/:id/open", api_note_open},
};

static const struct api_action raw_actions[] = {
    {"POST", "/:id/ack", api_note_ack},
};

const struct api_resource api_notes = {
    .path = "/api/v1/notes",
    .noun = "note",
    .label = "note",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
    .raw_actionv = raw_actions,
    .raw_actionc = ARRAY_SIZE(raw_actions),
    .raw_max = 1024,
};

bool api_notes_public(const struct api_route *r)
{
	return r->h == api_note_open || r->h == api_note_ack;
}
