/*
 * roles.c - who may use which route of the API (issue 16, "Access and
 * confidentiality").  This file is the one place that says it: a row per
 * route (method and path pattern, as server.c builds them from the
 * resources) with the roles that may use it.  The roles:
 *
 *   operator      runs the service: every route (today's admin; the
 *                 admin.token of the first start is an operator's)
 *   client_admin  a client's own administrator: everything about its own
 *                 tenant, nothing of another tenant, nothing that is the
 *                 service's (tenants, nodes, trunks, number blocks, ...)
 *   agent         a client's employee answering calls: reads what it
 *                 needs, transfers calls, its own ACD state
 *   subaccount    an employee's own login: its own absence info and
 *                 appointments, and what it needs to keep them; nothing
 *                 of another employee
 *
 * The check (api_role_check) only says yes or no by role: a route not
 * allowed is 403 "role <r> may not <METHOD> <path>".  Tenant scope is the
 * handlers' (resource.c for the generic routes): a record of another
 * tenant is a 404, as if it did not exist.  A subaccount's own-employee
 * scope is the row's OWN_* flag: the path's :id is the employee
 * (server-side, here), or the records carry the employee (resource.c,
 * its employee_off).
 *
 * A route without a row is the operator's only, and shows as such in
 * GET /api/v1/routes; test/suites/access.py fails on it, so a new route
 * gets its row here.
 */
#include <string.h>
#include "http/http_int.h"

enum {
	OP = API_ROLE_OPERATOR,
	CA = API_ROLE_CLIENT_ADMIN,
	AG = API_ROLE_AGENT,
	SA = API_ROLE_SUBACCOUNT,
	SVC = OP,                /* the service's only            */
	CLI = OP | CA,           /* a client's administration     */
	CLI_AG = OP | CA | AG,   /* ... and its agents read/act   */
	ALL = OP | CA | AG | SA, /* ... and its sub-accounts too  */
	CLI_SA = OP | CA | SA,   /* a client's and the employee's */
};

/* How a subaccount's route is narrowed to its own employee. */
enum own {
	OWN_NONE = 0,
	OWN_PATH, /* the path's :id is the employee (else 404)       */
	OWN_REC,  /* the records' employee_id (resource.c)          */
};

struct rule {
	const char *method;
	const char *pattern;
	unsigned roles; /* API_ROLE_* bits */
	enum own own;   /* a subaccount's scope (with SA in roles) */
};

#define V "/api/v1"

/* Every route of the API, in server.c's resource order. */
static const struct rule rules[] = {
    /* tenants: the service's list; a client reads its own record and
     * changes its own fields (the service's: FF_OPERATOR, api_tenants.c) */
    {"POST", V "/tenants", SVC, OWN_NONE},
    {"GET", V "/tenants", SVC, OWN_NONE},
    {"GET", V "/tenants/:id", CLI, OWN_NONE},
    {"PATCH", V "/tenants/:id", CLI, OWN_NONE},
    {"DELETE", V "/tenants/:id", SVC, OWN_NONE},
    /* employees: agents read them (no e-mail); a subaccount itself */
    {"POST", V "/employees", CLI, OWN_NONE},
    {"GET", V "/employees", CLI_AG, OWN_NONE},
    {"GET", V "/employees/:id", ALL, OWN_PATH},
    {"PATCH", V "/employees/:id", CLI, OWN_NONE},
    {"DELETE", V "/employees/:id", CLI, OWN_NONE},
    /* devices */
    {"POST", V "/devices", CLI, OWN_NONE},
    {"GET", V "/devices", CLI, OWN_NONE},
    {"GET", V "/devices/:id", CLI, OWN_NONE},
    {"PATCH", V "/devices/:id", CLI, OWN_NONE},
    {"DELETE", V "/devices/:id", CLI, OWN_NONE},
    /* number blocks: the service gives them out */
    {"POST", V "/number_blocks", SVC, OWN_NONE},
    {"GET", V "/number_blocks", SVC, OWN_NONE},
    {"GET", V "/number_blocks/:id", SVC, OWN_NONE},
    {"PATCH", V "/number_blocks/:id", SVC, OWN_NONE},
    {"DELETE", V "/number_blocks/:id", SVC, OWN_NONE},
    /* numbers: the service assigns them, a client routes its own */
    {"POST", V "/numbers", SVC, OWN_NONE},
    {"GET", V "/numbers", CLI, OWN_NONE},
    {"GET", V "/numbers/:id", CLI, OWN_NONE},
    {"PATCH", V "/numbers/:id", CLI, OWN_NONE},
    {"DELETE", V "/numbers/:id", SVC, OWN_NONE},
    /* issue 17: a client's own numbers that forward to us: the service
     * checks whose a number is before its calls count as that client's
     * (POST, DELETE); the client reads them and chooses their target */
    {"POST", V "/forwardings", SVC, OWN_NONE},
    {"GET", V "/forwardings", CLI, OWN_NONE},
    {"GET", V "/forwardings/:id", CLI, OWN_NONE},
    {"PATCH", V "/forwardings/:id", CLI, OWN_NONE},
    {"DELETE", V "/forwardings/:id", SVC, OWN_NONE},
    /* announcements */
    {"POST", V "/announcements", CLI, OWN_NONE},
    {"GET", V "/announcements", CLI, OWN_NONE},
    {"GET", V "/announcements/:id", CLI, OWN_NONE},
    {"PATCH", V "/announcements/:id", CLI, OWN_NONE},
    {"DELETE", V "/announcements/:id", CLI, OWN_NONE},
    /* trunks: the service's */
    {"POST", V "/trunks", SVC, OWN_NONE},
    {"GET", V "/trunks", SVC, OWN_NONE},
    {"GET", V "/trunks/:id", SVC, OWN_NONE},
    {"PATCH", V "/trunks/:id", SVC, OWN_NONE},
    {"DELETE", V "/trunks/:id", SVC, OWN_NONE},
    /* call records for billing and CRM systems (api_call_export.c) */
    {"GET", V "/calls/export", CLI, OWN_NONE},
    /* the calls up on this node now, with codecs and RTP counts
     * (api_calls_live.c): the service's */
    {"GET", V "/calls/live", SVC, OWN_NONE},
    /* calls: the journal and click to call; agents transfer */
    {"GET", V "/calls", CLI, OWN_NONE},
    {"GET", V "/calls/:id", CLI, OWN_NONE},
    /* click to call; an assistant (agent) from itself for a task it
     * assists (api_click.c checks) */
    {"POST", V "/calls", CLI_AG, OWN_NONE},
    {"POST", V "/calls/:id/transfer", CLI_AG, OWN_NONE},
    {"POST", V "/calls/:id/transfer/complete", CLI_AG, OWN_NONE},
    {"POST", V "/calls/:id/transfer/cancel", CLI_AG, OWN_NONE},
    /* the screen pop: the agent offered the call (api_pop.c checks) */
    {"GET", V "/calls/:id/pop", CLI_AG, OWN_NONE},
    /* the agent's console holds, takes back and hangs up a call it is on
     * (api_call_hold.c checks "its own") */
    {"POST", V "/calls/:id/hold", CLI_AG, OWN_NONE},
    {"POST", V "/calls/:id/resume", CLI_AG, OWN_NONE},
    {"POST", V "/calls/:id/hangup", CLI_AG, OWN_NONE},
    /* the service's: SIP registrations, blocked sources, statistics,
     * nodes */
    {"GET", V "/registrations", SVC, OWN_NONE},
    {"GET", V "/auth_blocks", SVC, OWN_NONE},
    {"DELETE", V "/auth_blocks/:key", SVC, OWN_NONE},
    {"GET", V "/stats", SVC, OWN_NONE},
    {"GET", V "/nodes", SVC, OWN_NONE},
    {"GET", V "/nodes/:key", SVC, OWN_NONE},
    {"POST", V "/nodes/:key/close_calls", SVC, OWN_NONE},
    /* schedules */
    {"POST", V "/schedules", CLI, OWN_NONE},
    {"GET", V "/schedules", CLI, OWN_NONE},
    {"GET", V "/schedules/:id", CLI, OWN_NONE},
    {"PATCH", V "/schedules/:id", CLI, OWN_NONE},
    {"DELETE", V "/schedules/:id", CLI, OWN_NONE},
    {"GET", V "/schedules/:id/state", CLI, OWN_NONE},
    /* IVR menus */
    {"POST", V "/ivr_menus", CLI, OWN_NONE},
    {"GET", V "/ivr_menus", CLI, OWN_NONE},
    {"GET", V "/ivr_menus/:id", CLI, OWN_NONE},
    {"PATCH", V "/ivr_menus/:id", CLI, OWN_NONE},
    {"DELETE", V "/ivr_menus/:id", CLI, OWN_NONE},
    /* the outbox of all clients and the test mail: the service's */
    {"GET", V "/outbox", SVC, OWN_NONE},
    {"GET", V "/outbox/:id", SVC, OWN_NONE},
    {"POST", V "/outbox/test-mail", SVC, OWN_NONE},
    /* mailboxes and their messages */
    {"POST", V "/mailboxes", CLI, OWN_NONE},
    {"GET", V "/mailboxes", CLI, OWN_NONE},
    {"GET", V "/mailboxes/:id", CLI, OWN_NONE},
    {"PATCH", V "/mailboxes/:id", CLI, OWN_NONE},
    {"DELETE", V "/mailboxes/:id", CLI, OWN_NONE},
    {"GET", V "/mailboxes/:id/messages", CLI, OWN_NONE},
    {"GET", V "/messages/:id", CLI, OWN_NONE},
    {"PATCH", V "/messages/:id", CLI, OWN_NONE},
    {"DELETE", V "/messages/:id", CLI, OWN_NONE},
    {"GET", V "/messages/:id/audio", CLI, OWN_NONE},
    /* prompts: a client's own recordings */
    {"GET", V "/prompts", CLI, OWN_NONE},
    {"GET", V "/prompts/:id", CLI, OWN_NONE},
    {"PATCH", V "/prompts/:id", CLI, OWN_NONE},
    {"DELETE", V "/prompts/:id", CLI, OWN_NONE},
    {"GET", V "/prompts/:id/audio", CLI, OWN_NONE},
    {"POST", V "/prompts", CLI, OWN_NONE},
    /* external targets */
    {"POST", V "/external_targets", CLI, OWN_NONE},
    {"GET", V "/external_targets", CLI, OWN_NONE},
    {"GET", V "/external_targets/:id", CLI, OWN_NONE},
    {"PATCH", V "/external_targets/:id", CLI, OWN_NONE},
    {"DELETE", V "/external_targets/:id", CLI, OWN_NONE},
    /* digit inputs */
    {"POST", V "/digit_inputs", CLI, OWN_NONE},
    {"GET", V "/digit_inputs", CLI, OWN_NONE},
    {"GET", V "/digit_inputs/:id", CLI, OWN_NONE},
    {"PATCH", V "/digit_inputs/:id", CLI, OWN_NONE},
    {"DELETE", V "/digit_inputs/:id", CLI, OWN_NONE},
    /* ring groups */
    {"POST", V "/ring_groups", CLI, OWN_NONE},
    {"GET", V "/ring_groups", CLI, OWN_NONE},
    {"GET", V "/ring_groups/:id", CLI, OWN_NONE},
    {"PATCH", V "/ring_groups/:id", CLI, OWN_NONE},
    {"DELETE", V "/ring_groups/:id", CLI, OWN_NONE},
    /* the event stream (events.c scopes it to the token's tenant) */
    {"GET", V "/events", CLI_AG, OWN_NONE},
    /* the browser phone (api_phone.c: an employee's login only) */
    {"GET", V "/phone", CLI_AG, OWN_NONE},
    /* hotline queues */
    {"POST", V "/queues", CLI, OWN_NONE},
    {"GET", V "/queues", CLI, OWN_NONE},
    {"GET", V "/queues/:id", CLI, OWN_NONE},
    {"PATCH", V "/queues/:id", CLI, OWN_NONE},
    {"DELETE", V "/queues/:id", CLI, OWN_NONE},
    {"GET", V "/queues/:id/stats", CLI, OWN_NONE},
    /* the callers waiting now: an agent those of the queues it serves
     * (api_queue_waiting.c checks) */
    {"GET", V "/queues/:id/waiting", CLI_AG, OWN_NONE},
    /* agents: an agent reads them and sets its own state
     * (api_agents.c checks "its own") */
    {"GET", V "/agents", CLI_AG, OWN_NONE},
    {"GET", V "/agents/:id", CLI_AG, OWN_NONE},
    {"PATCH", V "/agents/:id", CLI, OWN_NONE},
    {"POST", V "/agents/:id/state", CLI_AG, OWN_NONE},
    {"POST", V "/agents/:id/token", CLI, OWN_NONE},
    /* VIP callers */
    {"POST", V "/vips", CLI, OWN_NONE},
    {"GET", V "/vips", CLI_AG, OWN_NONE},
    {"GET", V "/vips/:id", CLI_AG, OWN_NONE},
    {"PATCH", V "/vips/:id", CLI, OWN_NONE},
    {"DELETE", V "/vips/:id", CLI, OWN_NONE},
    /* queue callbacks: agents see, add, cancel and take them */
    {"GET", V "/callbacks", CLI_AG, OWN_NONE},
    {"POST", V "/callbacks", CLI_AG, OWN_NONE},
    {"GET", V "/callbacks/:id", CLI_AG, OWN_NONE},
    {"POST", V "/callbacks/:id/cancel", CLI_AG, OWN_NONE},
    {"POST", V "/callbacks/:id/take", CLI_AG, OWN_NONE},
    /* the employees of a tenant as a CSV file */
    {"GET", V "/tenants/:id/employees.csv", CLI, OWN_NONE},
    {"POST", V "/tenants/:id/employees.csv", CLI, OWN_NONE},
    /* absence info and availability: agents read, the employee keeps
     * its own */
    {"GET", V "/employees/:id/absence_info", ALL, OWN_PATH},
    {"PUT", V "/employees/:id/absence_info", CLI_SA, OWN_PATH},
    {"PATCH", V "/employees/:id/absence_info", CLI_SA, OWN_PATH},
    {"GET", V "/employees/:id/availability", ALL, OWN_PATH},
    /* appointments: the same, records of its own employee */
    {"POST", V "/appointments", CLI_SA, OWN_REC},
    {"GET", V "/appointments", ALL, OWN_REC},
    {"GET", V "/appointments/:id", ALL, OWN_REC},
    {"PATCH", V "/appointments/:id", CLI_SA, OWN_REC},
    {"DELETE", V "/appointments/:id", CLI_SA, OWN_REC},
    /* on-call schedules and overrides: agents read */
    {"POST", V "/oncall_schedules", CLI, OWN_NONE},
    {"GET", V "/oncall_schedules", CLI_AG, OWN_NONE},
    {"GET", V "/oncall_schedules/:id", CLI_AG, OWN_NONE},
    {"PATCH", V "/oncall_schedules/:id", CLI, OWN_NONE},
    {"DELETE", V "/oncall_schedules/:id", CLI, OWN_NONE},
    {"GET", V "/oncall_schedules/:id/now", CLI_AG, OWN_NONE},
    {"GET", V "/oncall_schedules/:id/overrides", CLI_AG, OWN_NONE},
    {"POST", V "/oncall_overrides", CLI, OWN_NONE},
    {"GET", V "/oncall_overrides", CLI_AG, OWN_NONE},
    {"GET", V "/oncall_overrides/:id", CLI_AG, OWN_NONE},
    {"PATCH", V "/oncall_overrides/:id", CLI, OWN_NONE},
    {"DELETE", V "/oncall_overrides/:id", CLI, OWN_NONE},
    /* a client's profile; agents read the agent view */
    {"GET", V "/tenants/:id/profile", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/profile/versions", CLI, OWN_NONE},
    {"POST", V "/tenants/:id/profile/versions", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/profile/versions/:key", CLI, OWN_NONE},
    {"DELETE", V "/tenants/:id/profile/versions/:key", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/agent_view", CLI_AG, OWN_NONE},
    /* API tokens (api_tokens.c): a client admin its own tenant's */
    {"POST", V "/tokens", CLI, OWN_NONE},
    {"GET", V "/tokens", CLI, OWN_NONE},
    {"GET", V "/tokens/:id", CLI, OWN_NONE},
    {"DELETE", V "/tokens/:id", CLI, OWN_NONE},
    /* issue 20: a new admin token in <data-dir>/admin.token, the old
     * one ended */
    {"POST", V "/tokens/rotate-admin", SVC, OWN_NONE},
    /* password logins (api_users.c, api_sessions.c): users are the
     * operator's, and a client admin's of its own tenant (roles
     * client_admin and subaccount; api_users.c); deleting is the
     * operator's (a client admin disables); POST /sessions is the login
     * itself, without a token (server.c: api_sessions_public); every role
     * lists and ends its own sessions (the handlers check "its own"),
     * the operator any, and sets its own password (api_password.c) */
    {"POST", V "/users", CLI, OWN_NONE},
    {"GET", V "/users", CLI, OWN_NONE},
    {"GET", V "/users/:id", CLI, OWN_NONE},
    {"PATCH", V "/users/:id", CLI, OWN_NONE},
    {"DELETE", V "/users/:id", SVC, OWN_NONE},
    {"POST", V "/sessions", ALL, OWN_NONE},
    {"GET", V "/sessions", ALL, OWN_NONE},
    /* who the caller is, with a browser session's CSRF token (issue 19) */
    {"GET", V "/sessions/current", ALL, OWN_NONE},
    {"DELETE", V "/sessions/current", ALL, OWN_NONE},
    {"DELETE", V "/sessions/:id", ALL, OWN_NONE},
    {"POST", V "/users/me/password", ALL, OWN_NONE},
    /* the audit trail, keep-times, export and deletion of a client
     * (audit.c, api_retention.c, api_export.c, api_deletion.c): the
     * client admin reads its trail, sets its keep-times, exports and
     * asks for (or cancels) its deletion; the purge and carrying a
     * deletion out now are the service's */
    {"GET", V "/tenants/:id/audit", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/retention", CLI, OWN_NONE},
    {"PATCH", V "/tenants/:id/retention", CLI, OWN_NONE},
    {"POST", V "/retention/purge", SVC, OWN_NONE},
    {"GET", V "/tenants/:id/export", CLI, OWN_NONE},
    {"POST", V "/tenants/:id/deletion", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/deletion", CLI, OWN_NONE},
    {"DELETE", V "/tenants/:id/deletion", CLI, OWN_NONE},
    {"POST", V "/tenants/:id/deletion/run", SVC, OWN_NONE},
    /* the online backup of the node's data (api_backup.c, issue 20) */
    {"POST", V "/backup", SVC, OWN_NONE},
    {"GET", V "/backup", SVC, OWN_NONE},
    /* the node's version and uptime, and a reload of its configuration
     * (api_status.c, issue 20: switchboard-ctl) */
    {"GET", V "/status", SVC, OWN_NONE},
    {"POST", V "/reload", SVC, OWN_NONE},
    /* callers (api_callers.c): a client's allow and block lists, its
     * caller settings and the decision for a caller, read by its agents;
     * the shared advertising list is the service's, read by clients */
    {"POST", V "/caller_lists", CLI, OWN_NONE},
    {"GET", V "/caller_lists", CLI_AG, OWN_NONE},
    {"GET", V "/caller_lists/:id", CLI_AG, OWN_NONE},
    {"PATCH", V "/caller_lists/:id", CLI, OWN_NONE},
    {"DELETE", V "/caller_lists/:id", CLI, OWN_NONE},
    {"POST", V "/ad_callers", SVC, OWN_NONE},
    {"GET", V "/ad_callers", CLI, OWN_NONE},
    {"GET", V "/ad_callers/:id", CLI, OWN_NONE},
    {"PATCH", V "/ad_callers/:id", SVC, OWN_NONE},
    {"DELETE", V "/ad_callers/:id", SVC, OWN_NONE},
    {"GET", V "/tenants/:id/caller_settings", CLI_AG, OWN_NONE},
    {"PUT", V "/tenants/:id/caller_settings", CLI, OWN_NONE},
    {"PATCH", V "/tenants/:id/caller_settings", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/callers/classify", CLI_AG, OWN_NONE},
    /* call notes (api_notes.c, api_note_links.c): an agent saves and
     * edits its own (the handlers check "its own"), a client admin reads
     * its tenant's, a subaccount those for its own employee; the signed
     * link needs no token (server.c: api_notes_public); a client admin
     * sets its webhook and full text */
    {"POST", V "/notes", OP | AG, OWN_NONE},
    {"GET", V "/notes", ALL, OWN_REC},
    {"GET", V "/notes/:id", ALL, OWN_REC},
    {"PATCH", V "/notes/:id", OP | AG, OWN_NONE},
    {"GET", V "/notes/:id/history", ALL, OWN_REC},
    {"GET", V "/notes/:id/deliveries", ALL, OWN_REC},
    {"GET", V "/notes/:id/open", ALL, OWN_REC},
    {"POST", V "/notes/:id/ack", ALL, OWN_REC},
    {"GET", V "/tenants/:id/note_settings", CLI, OWN_NONE},
    /* the SMS gateway's delivery reports: no API token, the gateway's
     * own secret (server.c: api_sms_public; api_sms_status.c) */
    {"POST", V "/sms/status", ALL, OWN_NONE},
    {"PUT", V "/tenants/:id/note_settings", CLI, OWN_NONE},
    /* Web Push (api_push.c): the public key is no secret; a client's
     * and its employees' own subscriptions, and their test push */
    {"GET", V "/push/vapid_public_key", ALL, OWN_NONE},
    {"POST", V "/push_subscriptions", CLI_SA, OWN_REC},
    {"GET", V "/push_subscriptions", CLI_SA, OWN_REC},
    {"GET", V "/push_subscriptions/:id", CLI_SA, OWN_REC},
    {"DELETE", V "/push_subscriptions/:id", CLI_SA, OWN_REC},
    {"POST", V "/push_subscriptions/:id/test", CLI_SA, OWN_REC},
    /* dashboard and call statistics (api_dashboard.c): the latest calls
     * are the client's agents' too (each sees the notes it took), the
     * statistics the client's report only */
    {"GET", V "/tenants/:id/dashboard", CLI_AG, OWN_NONE},
    {"GET", V "/tenants/:id/call_stats", CLI, OWN_NONE},
    /* billing (api_billing.c): the operator sets a client's tariffs; the
     * client admin reads its tariffs and its bill */
    {"GET", V "/tenants/:id/tariffs", CLI, OWN_NONE},
    {"POST", V "/tenants/:id/tariffs", SVC, OWN_NONE},
    {"GET", V "/tenants/:id/bill", CLI, OWN_NONE},
    /* invoices (api_invoices.c, api_revenue.c): the operator issues
     * invoices and credit notes and reads the revenue report; the client
     * admin reads its invoices (another tenant's: 404) and sets its
     * invoice address */
    {"POST", V "/tenants/:id/invoices", SVC, OWN_NONE},
    {"GET", V "/tenants/:id/invoices", CLI, OWN_NONE},
    {"GET", V "/tenants/:id/billing_address", CLI, OWN_NONE},
    {"PUT", V "/tenants/:id/billing_address", CLI, OWN_NONE},
    {"GET", V "/invoices/:id", CLI, OWN_NONE},
    {"POST", V "/invoices/:id/credit_note", SVC, OWN_NONE},
    {"GET", V "/billing/revenue", SVC, OWN_NONE},
    /* the assistants' tasks (api_tasks.c, api_task_report.c): the
     * operator (the service's staff) makes them, books the assistants'
     * time and reads the monthly report; a client admin reads its own
     * tenant's tasks and their time; an agent (an assistant) lists the
     * active tasks to pick one before dialling */
    {"POST", V "/tasks", SVC, OWN_NONE},
    {"GET", V "/tasks", CLI_AG, OWN_NONE},
    {"GET", V "/tasks/:id", CLI, OWN_NONE},
    {"PATCH", V "/tasks/:id", SVC, OWN_NONE},
    {"POST", V "/tasks/:id/time", SVC, OWN_NONE},
    {"GET", V "/tasks/:id/time", CLI, OWN_NONE},
    {"PUT", V "/tasks/:id/assistants", SVC, OWN_NONE},
    {"GET", V "/tasks/:id/assistants", CLI, OWN_NONE},
    {"GET", V "/billing/assistants", SVC, OWN_NONE},
    /* this table, for the access test and the curious operator */
    {"GET", V "/routes", SVC, OWN_NONE},
};

static const struct {
	unsigned bit;
	const char *name;
} role_names[] = {
    {API_ROLE_OPERATOR, "operator"},
    {API_ROLE_CLIENT_ADMIN, "client_admin"},
    {API_ROLE_AGENT, "agent"},
    {API_ROLE_SUBACCOUNT, "subaccount"},
};

unsigned api_role_of(const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < ARRAY_SIZE(role_names); i++) {
		if (!strcmp(role_names[i].name, name))
			return role_names[i].bit;
	}
	return 0;
}

const char *api_role_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(role_names); i++) {
		if (role_names[i].bit == bit)
			return role_names[i].name;
	}
	return "";
}

static const struct rule *rule_find(const char *method, const char *pattern)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		if (!strcmp(rules[i].method, method) &&
		    !strcmp(rules[i].pattern, pattern))
			return &rules[i];
	}
	return NULL;
}

unsigned api_route_roles(const struct api_route *r, bool *ruledp)
{
	const struct rule *rl = rule_find(r->method, r->pattern);

	if (ruledp)
		*ruledp = rl != NULL;
	return rl ? rl->roles : (unsigned)OP;
}

bool api_role_own(const struct api_req *req)
{
	return api_role_of(req->token.role) == API_ROLE_SUBACCOUNT;
}

/* A token's role is usable: a known name, with the tenant (and for a
 * subaccount the employee) the role needs.  An agent token without an
 * employee (an old row; POST /tokens makes none) passes here; what is
 * narrowed by the agent's employee (its screen pop, api_pop.c) refuses
 * it there. */
static bool token_ok(const struct store_token *t, unsigned role)
{
	switch (role) {
	case API_ROLE_OPERATOR:
		return true;
	case API_ROLE_CLIENT_ADMIN:
	case API_ROLE_AGENT:
		return t->tenant_id > 0;
	case API_ROLE_SUBACCOUNT:
		return t->tenant_id > 0 && t->employee_id > 0;
	}
	return false;
}

int api_role_check(struct api_req *req)
{
	const struct api_route *r = req->route;
	const struct rule *rl = rule_find(r->method, r->pattern);
	unsigned role = api_role_of(req->token.role);
	unsigned roles = rl ? rl->roles : (unsigned)OP;

	if (!token_ok(&req->token, role) || !(roles & role))
		return api_error(req, 403, "role %s may not %s %r",
				 req->token.role, r->method, &req->msg->path);
	/* a token's scope (scope.c) narrows its role, never widens it */
	if (api_scope_check(req, r->method, r->pattern))
		return EBADMSG;

	/* a tenant's own routes (/tenants/:id/...: its profile, audit
	 * trail, keep-times, export, deletion): another tenant is not
	 * found, whatever the handler checks after this */
	if (req->token.tenant_id && req->id &&
	    !strncmp(r->pattern, V "/tenants/:id",
		     sizeof(V "/tenants/:id") - 1) &&
	    req->id != req->token.tenant_id)
		return api_error(req, 404, "tenant %lld not found",
				 (long long)req->id);

	/* a subaccount's employee is its own only; another is not found
	 * (as another tenant's record is) */
	if (role == API_ROLE_SUBACCOUNT && rl->own == OWN_PATH &&
	    req->id != req->token.employee_id)
		return api_not_found(req);
	return 0;
}

/* ---- GET /api/v1/routes ------------------------------------------------ */

/* The names of the role bits of roles as a JSON array under key of o. */
static int add_roles(struct odict *o, const char *key, unsigned roles)
{
	struct odict *arr = NULL;
	char idx[8];
	unsigned n = 0;
	size_t i;
	int err;

	err = odict_alloc(&arr, 8);
	for (i = 0; !err && i < ARRAY_SIZE(role_names); i++) {
		if (!(roles & role_names[i].bit))
			continue;
		re_snprintf(idx, sizeof(idx), "%u", n++);
		err =
		    odict_entry_add(arr, idx, ODICT_STRING, role_names[i].name);
	}
	if (!err)
		err = odict_entry_add(o, key, ODICT_ARRAY, arr);
	mem_deref(arr);
	return err;
}

/* {"method", "path", "roles": [...], "own_employee", "rule"} of r. */
static int route_rec(const struct api_route *r, void *arg)
{
	const struct rule *rl = rule_find(r->method, r->pattern);
	struct odict *o = NULL;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;
	err |= api_add_str(o, "method", r->method);
	err |= api_add_str(o, "path", r->pattern);
	err |= add_roles(o, "roles", rl ? rl->roles : (unsigned)OP);
	err |= api_add_bool(o, "own_employee", rl && rl->own != OWN_NONE);
	err |= api_add_bool(o, "rule", rl != NULL);
	err = err ? ENOMEM : api_list_append(arg, o);
	mem_deref(o);
	return err;
}

static int routes_get(struct api_req *req)
{
	struct odict *arr = NULL;
	int err;

	err = api_list_alloc(&arr);
	if (!err)
		err = api_routes_walk(route_rec, arr);
	if (!err)
		err = api_reply_list(req, arr);
	mem_deref(arr);
	return err;
}

static const struct api_action route_actions[] = {
    {"GET", "", routes_get},
};

const struct api_resource api_routes = {
    .path = "/api/v1/routes",
    .noun = "route",
    .label = "route",
    .actionv = route_actions,
    .actionc = ARRAY_SIZE(route_actions),
};
