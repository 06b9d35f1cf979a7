#!/usr/bin/python3
"""Access and confidentiality (issue 16): every route of the API x every
role x two tenants, in one server run.

  * The server's own list of its routes (GET /api/v1/routes, made from
    the same tables route lookup uses) must be exactly the routes of
    EXPECT below, each with a rule (src/http/roles.c) naming exactly the
    roles EXPECT names: a new route without a rule, or a rule that
    differs, fails here.
  * Tokens of every role are made through POST /api/v1/tokens: operator
    (the admin.token of the first start), client_admin, agent and
    subaccount of tenant A (the demo tenant; agent and subaccount act as
    Max) and of a tenant B made here (their employee is B's).
  * Each route is tried by each of the seven tokens against tenant A's
    ids: a role the rule does not name gets exactly 403 "role <r> may not
    <METHOD> <path>"; a token of tenant B that may use the route gets 404
    for A's :id (a foreign id is not found, never forbidden), a subaccount
    404 for another employee than its own; lists show a tenant's token
    its own tenant's records only (a subaccount its own employee's).  A
    read of an existing record by an allowed token of A is 200; a write
    passes the role gate (an empty body: a 4xx naming a field, not 403);
    deletes by A's tokens use an id that does not exist (404), B's use
    A's real ids and must delete nothing.
"""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("access")

O, C, A, U = "operator", "client_admin", "agent", "subaccount"
SVC = {O}
CLI = {O, C}
CLI_AG = {O, C, A}
ALL = {O, C, A, U}
CLI_SA = {O, C, U}

V = "/api/v1"
# (method, path) -> the roles that may use it.  Written here on purpose
# apart from src/http/roles.c: the two must agree.
EXPECT = {
    ("POST", V + "/tenants"): SVC, ("GET", V + "/tenants"): SVC,
    ("GET", V + "/tenants/:id"): CLI, ("PATCH", V + "/tenants/:id"): CLI,
    ("DELETE", V + "/tenants/:id"): SVC,
    ("POST", V + "/employees"): CLI, ("GET", V + "/employees"): CLI_AG,
    ("GET", V + "/employees/:id"): ALL,
    ("PATCH", V + "/employees/:id"): CLI,
    ("DELETE", V + "/employees/:id"): CLI,
    ("POST", V + "/number_blocks"): SVC, ("GET", V + "/number_blocks"): SVC,
    ("GET", V + "/number_blocks/:id"): SVC,
    ("PATCH", V + "/number_blocks/:id"): SVC,
    ("DELETE", V + "/number_blocks/:id"): SVC,
    ("POST", V + "/numbers"): SVC, ("GET", V + "/numbers"): CLI,
    ("GET", V + "/numbers/:id"): CLI, ("PATCH", V + "/numbers/:id"): CLI,
    ("DELETE", V + "/numbers/:id"): SVC,
    # forwarded numbers: the service vouches for whose a number is
    ("POST", V + "/forwardings"): SVC, ("GET", V + "/forwardings"): CLI,
    ("GET", V + "/forwardings/:id"): CLI,
    ("PATCH", V + "/forwardings/:id"): CLI,
    ("DELETE", V + "/forwardings/:id"): SVC,
    ("POST", V + "/trunks"): SVC, ("GET", V + "/trunks"): SVC,
    ("GET", V + "/trunks/:id"): SVC, ("PATCH", V + "/trunks/:id"): SVC,
    ("DELETE", V + "/trunks/:id"): SVC,
    ("GET", V + "/calls"): CLI, ("GET", V + "/calls/:id"): CLI,
    ("POST", V + "/calls"): CLI_AG,
    ("POST", V + "/calls/:id/transfer"): CLI_AG,
    ("POST", V + "/calls/:id/transfer/complete"): CLI_AG,
    ("POST", V + "/calls/:id/transfer/cancel"): CLI_AG,
    ("GET", V + "/calls/:id/pop"): CLI_AG,
    ("POST", V + "/calls/:id/hold"): CLI_AG,
    ("POST", V + "/calls/:id/resume"): CLI_AG,
    ("POST", V + "/calls/:id/hangup"): CLI_AG,
    ("GET", V + "/registrations"): SVC, ("GET", V + "/auth_blocks"): SVC,
    ("DELETE", V + "/auth_blocks/:key"): SVC, ("GET", V + "/stats"): SVC,
    ("GET", V + "/nodes"): SVC, ("GET", V + "/nodes/:key"): SVC,
    ("POST", V + "/nodes/:key/close_calls"): SVC,
    ("GET", V + "/schedules/:id/state"): CLI,
    ("GET", V + "/outbox"): SVC, ("GET", V + "/outbox/:id"): SVC,
    ("POST", V + "/outbox/test-mail"): SVC,
    ("GET", V + "/mailboxes/:id/messages"): CLI,
    ("GET", V + "/messages/:id"): CLI, ("PATCH", V + "/messages/:id"): CLI,
    ("DELETE", V + "/messages/:id"): CLI,
    ("GET", V + "/messages/:id/audio"): CLI,
    ("GET", V + "/prompts"): CLI, ("GET", V + "/prompts/:id"): CLI,
    ("PATCH", V + "/prompts/:id"): CLI, ("DELETE", V + "/prompts/:id"): CLI,
    ("GET", V + "/prompts/:id/audio"): CLI, ("POST", V + "/prompts"): CLI,
    ("GET", V + "/events"): CLI_AG,
    ("GET", V + "/phone"): CLI_AG,
    ("GET", V + "/queues/:id/stats"): CLI,
    ("GET", V + "/queues/:id/waiting"): CLI_AG,
    ("GET", V + "/agents"): CLI_AG, ("GET", V + "/agents/:id"): CLI_AG,
    ("PATCH", V + "/agents/:id"): CLI,
    ("POST", V + "/agents/:id/state"): CLI_AG,
    ("POST", V + "/agents/:id/token"): CLI,
    ("GET", V + "/callbacks"): CLI_AG, ("POST", V + "/callbacks"): CLI_AG,
    ("GET", V + "/callbacks/:id"): CLI_AG,
    ("POST", V + "/callbacks/:id/cancel"): CLI_AG,
    ("POST", V + "/callbacks/:id/take"): CLI_AG,
    ("GET", V + "/tenants/:id/employees.csv"): CLI,
    ("POST", V + "/tenants/:id/employees.csv"): CLI,
    ("GET", V + "/employees/:id/absence_info"): ALL,
    ("PUT", V + "/employees/:id/absence_info"): CLI_SA,
    ("PATCH", V + "/employees/:id/absence_info"): CLI_SA,
    ("GET", V + "/employees/:id/availability"): ALL,
    ("POST", V + "/appointments"): CLI_SA, ("GET", V + "/appointments"): ALL,
    ("GET", V + "/appointments/:id"): ALL,
    ("PATCH", V + "/appointments/:id"): CLI_SA,
    ("DELETE", V + "/appointments/:id"): CLI_SA,
    ("GET", V + "/oncall_schedules"): CLI_AG,
    ("GET", V + "/oncall_schedules/:id"): CLI_AG,
    ("GET", V + "/oncall_schedules/:id/now"): CLI_AG,
    ("GET", V + "/oncall_schedules/:id/overrides"): CLI_AG,
    ("GET", V + "/oncall_overrides"): CLI_AG,
    ("GET", V + "/oncall_overrides/:id"): CLI_AG,
    ("GET", V + "/tenants/:id/profile"): CLI,
    ("GET", V + "/tenants/:id/profile/versions"): CLI,
    ("POST", V + "/tenants/:id/profile/versions"): CLI,
    ("GET", V + "/tenants/:id/profile/versions/:key"): CLI,
    ("DELETE", V + "/tenants/:id/profile/versions/:key"): CLI,
    ("GET", V + "/tenants/:id/agent_view"): CLI_AG,
    ("POST", V + "/tokens"): CLI, ("GET", V + "/tokens"): CLI,
    ("GET", V + "/tokens/:id"): CLI, ("DELETE", V + "/tokens/:id"): CLI,
    ("POST", V + "/tokens/rotate-admin"): SVC,
    ("GET", V + "/routes"): SVC,
    # password logins: users are the operator's and a client admin's of
    # its own tenant (deleting: the operator's); every role its sessions
    # and its own password
    ("POST", V + "/users"): CLI, ("GET", V + "/users"): CLI,
    ("GET", V + "/users/:id"): CLI, ("PATCH", V + "/users/:id"): CLI,
    ("DELETE", V + "/users/:id"): SVC,
    ("POST", V + "/users/me/password"): ALL,
    ("POST", V + "/sessions"): ALL, ("GET", V + "/sessions"): ALL,
    ("DELETE", V + "/sessions/current"): ALL,
    # who the caller is (issue 19: the browser's page after a reload)
    ("GET", V + "/sessions/current"): ALL,
    ("DELETE", V + "/sessions/:id"): ALL,
    # callers: lists, settings and classify read by agents; the
    # advertising list the service's, read by clients
    ("GET", V + "/vips"): CLI_AG, ("GET", V + "/vips/:id"): CLI_AG,
    ("POST", V + "/caller_lists"): CLI, ("GET", V + "/caller_lists"): CLI_AG,
    ("GET", V + "/caller_lists/:id"): CLI_AG,
    ("PATCH", V + "/caller_lists/:id"): CLI,
    ("DELETE", V + "/caller_lists/:id"): CLI,
    ("POST", V + "/ad_callers"): SVC, ("GET", V + "/ad_callers"): CLI,
    ("GET", V + "/ad_callers/:id"): CLI,
    ("PATCH", V + "/ad_callers/:id"): SVC,
    ("DELETE", V + "/ad_callers/:id"): SVC,
    ("GET", V + "/tenants/:id/caller_settings"): CLI_AG,
    ("PUT", V + "/tenants/:id/caller_settings"): CLI,
    ("PATCH", V + "/tenants/:id/caller_settings"): CLI,
    ("GET", V + "/tenants/:id/callers/classify"): CLI_AG,
    # audit trail, keep-times, export, deletion of a client
    ("GET", V + "/tenants/:id/audit"): CLI,
    ("GET", V + "/tenants/:id/retention"): CLI,
    ("PATCH", V + "/tenants/:id/retention"): CLI,
    ("POST", V + "/retention/purge"): SVC,
    ("GET", V + "/tenants/:id/export"): CLI,
    ("POST", V + "/tenants/:id/deletion"): CLI,
    ("GET", V + "/tenants/:id/deletion"): CLI,
    ("DELETE", V + "/tenants/:id/deletion"): CLI,
    ("POST", V + "/tenants/:id/deletion/run"): SVC,
    # call notes: agents take and edit them, clients read them, the
    # employee its own; the signed link (open, ack) needs no token
    ("POST", V + "/notes"): {O, A}, ("GET", V + "/notes"): ALL,
    ("GET", V + "/notes/:id"): ALL, ("PATCH", V + "/notes/:id"): {O, A},
    ("GET", V + "/notes/:id/history"): ALL,
    ("GET", V + "/notes/:id/deliveries"): ALL,
    ("GET", V + "/notes/:id/open"): ALL,
    ("POST", V + "/notes/:id/ack"): ALL,
    ("GET", V + "/tenants/:id/note_settings"): CLI,
    ("PUT", V + "/tenants/:id/note_settings"): CLI,
    # the SMS gateway's delivery reports: its own secret, no API token
    ("POST", V + "/sms/status"): ALL,
    # Web Push (issue 17): the public key, employees' own subscriptions
    ("GET", V + "/push/vapid_public_key"): ALL,
    ("POST", V + "/push_subscriptions"): CLI_SA,
    ("GET", V + "/push_subscriptions"): CLI_SA,
    ("GET", V + "/push_subscriptions/:id"): CLI_SA,
    ("DELETE", V + "/push_subscriptions/:id"): CLI_SA,
    ("POST", V + "/push_subscriptions/:id/test"): CLI_SA,
    # dashboard (agents read it) and call statistics (issue 17)
    ("GET", V + "/tenants/:id/dashboard"): CLI_AG,
    ("GET", V + "/tenants/:id/call_stats"): CLI,
    # billing (issue 18): the operator sets tariffs; the client admin
    # reads its tariffs and its bill
    ("GET", V + "/tenants/:id/tariffs"): CLI,
    ("POST", V + "/tenants/:id/tariffs"): SVC,
    ("GET", V + "/tenants/:id/bill"): CLI,
    # invoices (issue 18): the operator issues them, credit notes and the
    # revenue report; the client admin reads its own, sets its address
    ("POST", V + "/tenants/:id/invoices"): SVC,
    ("GET", V + "/tenants/:id/invoices"): CLI,
    ("GET", V + "/tenants/:id/billing_address"): CLI,
    ("PUT", V + "/tenants/:id/billing_address"): CLI,
    ("GET", V + "/invoices/:id"): CLI,
    ("POST", V + "/invoices/:id/credit_note"): SVC,
    ("GET", V + "/billing/revenue"): SVC,
    # the assistants' tasks (issue 18): the operator makes them, books
    # time and reads the report; a client admin reads its own; an agent
    # lists the active ones it assists to pick from
    ("POST", V + "/tasks"): SVC, ("GET", V + "/tasks"): CLI_AG,
    ("GET", V + "/tasks/:id"): CLI, ("PATCH", V + "/tasks/:id"): SVC,
    ("POST", V + "/tasks/:id/time"): SVC,
    ("GET", V + "/tasks/:id/time"): CLI,
    ("PUT", V + "/tasks/:id/assistants"): SVC,
    ("GET", V + "/tasks/:id/assistants"): CLI,
    ("GET", V + "/billing/assistants"): SVC,
    # the online backup of the node's data (issue 20): the service's
    ("POST", V + "/backup"): SVC, ("GET", V + "/backup"): SVC,
    # call records for billing and CRM systems (issue 20)
    ("GET", V + "/calls/export"): CLI,
    # switchboard-ctl (issue 20): live calls, status, reload: the service's
    ("GET", V + "/calls/live"): SVC, ("GET", V + "/status"): SVC,
    ("POST", V + "/reload"): SVC,
}
# the plain CRUD resources of a client: all five routes a client admin's
for res in ("devices", "announcements", "schedules", "ivr_menus",
            "mailboxes", "external_targets", "digit_inputs", "ring_groups",
            "queues", "vips", "oncall_schedules", "oncall_overrides"):
    for m, p in (("POST", ""), ("GET", ""), ("GET", "/:id"),
                 ("PATCH", "/:id"), ("DELETE", "/:id")):
        EXPECT.setdefault((m, f"{V}/{res}{p}"), CLI)

# asking for and carrying out a client's deletion: here only the role
# gate is tried (the allowed roles would delete tenant A for good; the
# audit suite tests what they do)
GATE_ONLY = {("POST", V + "/tenants/:id/deletion"),
             ("POST", V + "/tenants/:id/deletion/run"),
             # a backup's copy and its state: the backup suite's
             ("POST", V + "/backup"), ("GET", V + "/backup"),
             # a new admin token would end the one this suite uses: the
             # tokens suite's
             ("POST", V + "/tokens/rotate-admin")}

# path prefix -> the collection whose record of tenant A an :id names
COLLECTION = {
    "/tenants/:id": None, "/employees/:id": "employees",
    "/agents/:id": "employees", "/tokens/:id": "tokens",
}


class Api:
    """One keep-alive connection; (status, JSON or text) per request."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def __call__(self, method, path, body=None, token=None):
        hdrs = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, data, hdrs)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=10)
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
        try:
            return r.status, json.loads(raw) if raw else None
        except ValueError:
            return r.status, raw.decode(errors="replace")


def setup(sb, api):
    """Tenant B with an employee, data of A the routes name, and the
    tokens of every role."""
    op = sb.token
    a, _, max_id = demo_ids(sb, "Max")
    _, _, erika = demo_ids(sb, "Erika")
    st, tb = api("POST", V + "/tenants",
                 {"name": "Zweite GmbH", "country_code": "49",
                  "area_code": "30"}, op)
    S.check(st == 201, "tenant B: 201", f"{st} {tb}")
    b = tb["id"]
    st, eb = api("POST", V + "/employees",
                 {"tenant_id": b, "first_name": "Bea", "last_name": "B"}, op)
    S.check(st == 201, "B's employee: 201", f"{st} {eb}")
    st, ap = api("POST", V + "/appointments",
                 {"employee_id": max_id, "starts_at": "2026-12-24T00:00:00Z",
                  "ends_at": "2026-12-27T00:00:00Z", "text": "Urlaub"}, op)
    S.check(st == 201, "Max's appointment: 201", f"{st} {ap}")
    st, ape = api("POST", V + "/appointments",
                  {"employee_id": erika, "starts_at": "2026-12-24T00:00:00Z",
                   "ends_at": "2026-12-27T00:00:00Z", "text": "Urlaub"}, op)
    S.check(st == 201, "Erika's appointment: 201", f"{st} {ape}")

    st, pv = api("POST", f"{V}/tenants/{a}/profile/versions",
                 {"greeting": "Mustermann AG, mein Name ist [Vorname]."}, op)
    S.check(st == 201, "A's profile: 201", f"{st} {pv}")

    st, fw = api("POST", V + "/forwardings",
                 {"tenant_id": a, "number": "0221 99887766",
                  "target_type": "employee", "target_id": max_id}, op)
    S.check(st == 201 and fw["number"] == "+4922199887766",
            "A's forwarding: 201", f"{st} {fw}")

    tok = {("operator", None): op}
    ids = {}
    for t, emp in ((a, max_id), (b, eb["id"])):
        for role in (C, A, U):
            body = {"role": role, "tenant_id": t, "name": f"{role} {t}"}
            if role != C:
                body["employee_id"] = emp
            st, r = api("POST", V + "/tokens", body, op)
            S.check(st == 201 and len(r["token"]) == 64 and
                    r["role"] == role and r["tenant_id"] == t,
                    f"POST /tokens {role} of tenant {t}: 201", f"{st} {r}")
            tok[(role, t)] = r["token"]
            ids[(role, t)] = r["id"]
    return {"a": a, "b": b, "max": max_id, "erika": erika,
            "appt_erika": ape["id"], "tok": tok, "tok_ids": ids}


def a_ids(api, env):
    """For each collection: the id of one record of tenant A (None if
    there is none), read by the operator."""
    op = env["tok"][("operator", None)]
    out = {}
    for (m, p) in EXPECT:
        if m != "GET" or ":" in p or p in (V + "/events", V + "/routes",
                                            V + "/stats", V + "/phone"):
            continue
        st, r = api("GET", p, token=op)
        mine = [x for x in r if isinstance(x, dict) and
                x.get("tenant_id") == env["a"]] if isinstance(r, list) else []
        out[p[len(V) + 1:]] = mine[0].get("id") if mine else None
    out["employees"] = env["max"]
    out["agents"] = env["max"]
    out["tokens"] = env["tok_ids"][(C, env["a"])]
    st, ms = api("GET", V + "/messages/1", token=op)
    out["messages"] = 1 if st == 200 and ms.get("tenant_id") == env["a"] \
        else None
    st, vs = api("GET", f"{V}/tenants/{env['a']}/profile/versions", token=op)
    out["versions"] = vs[0]["version"] if st == 200 and vs else None
    st, ns = api("GET", V + "/nodes", token=op)
    out["nodes"] = ns[0]["node_id"] if st == 200 and ns else None
    return out


MISSING = 999999999


def concrete(method, pattern, env, ids, foreign):
    """The path of pattern with A's ids, and whether the record exists.
    A's own deletes name a record that does not exist (nothing is lost);
    B's name A's real ones (they must be refused)."""
    parts = pattern[len(V) + 1:].split("/")
    coll = parts[0]
    exists = True
    out = []
    for i, seg in enumerate(parts):
        if seg == ":id":
            if coll == "tenants":
                v = env["a"]
            else:
                v = ids.get(coll)
        elif seg == ":key":
            v = ids.get("versions") if coll == "tenants" else (
                ids.get("nodes") if coll == "nodes" else "127.0.0.9")
        else:
            out.append(seg)
            continue
        if v is None or (method == "DELETE" and not foreign and
                         seg == parts[-1]):
            v = MISSING
            exists = False
        out.append(str(v))
    path = V + "/" + "/".join(out)
    if pattern.endswith("/agent_view"):
        path += f"?agent_id={env['max']}"  # whose name fills the greeting
    if pattern.endswith("/callers/classify"):
        path += "?number=%2B4922112345"  # the caller to decide on
    return path, exists


def expect(method, pattern, role, tenant, env, exists, st, r):
    """None if (st, r) is right for this token, else what was wanted."""
    path_has_id = ":id" in pattern or ":key" in pattern
    foreign = tenant == env["b"]
    if role not in EXPECT[(method, pattern)]:
        return "403 role gate"
    if pattern == V + "/events":
        return None if st == 426 else "426 (not a WebSocket request)"
    if pattern == V + "/phone":
        # an employee's login (the agent's) only, then a WebSocket
        want = 426 if role == A else 403
        return None if st == want else f"{want} (phone: employee, then " \
            "WebSocket)"
    if method == "GET" and pattern == V + "/tenants/:id/deletion" and \
            not foreign:
        # tenant A asked for no deletion (the matrix never asks)
        return None if st == 404 else "404 (no deletion request)"
    if pattern == V + "/users/me/password":
        return None if (st, r) == (422, {
            "error": "token: is an API token, not a session; it has no "
            "password"}) else "422 (an API token has no password)"
    if pattern == V + "/sessions/current" and method == "DELETE":
        # these tokens are API tokens, no sessions: nothing to log out
        return None if st == 422 else "422 (an API token is no session)"
    if role == A and pattern.endswith("/agents/:id/state") and foreign:
        # decided before the record is read: no id leaks
        return None if r == {"error": "role agent may only change its own "
                             "state"} else "403 own state"
    if foreign and path_has_id and not pattern.startswith(V + "/calls/"):
        return None if st == 404 else "404 (A's id is not B's)"
    if role == U and pattern.startswith(V + "/employees/:id"):
        # Max is the subaccount of A; B's is Bea
        return None if st == (200 if method == "GET" else 400) or \
            (method != "GET" and st in (200, 422)) else "own employee"
    if method == "GET":
        if path_has_id and not exists:
            return None if st == 404 else "404 (no such record)"
        return None if st == 200 else "200"
    if method == "DELETE":
        if pattern.endswith(":key") and role == O:
            return None if st in (204, 404) else "204/404"
        return None if st == 404 else "404 (an id that does not exist)"
    return None if st not in (403, 500) and not (
        path_has_id and exists and st == 404 and
        not pattern.startswith(V + "/calls/")) else "past the gate, 4xx/2xx"


def test_routes_listed(api, env):
    """The server's routes are EXPECT's, each with its rule."""
    st, routes = api("GET", V + "/routes", token=env["tok"][(O, None)])
    S.check(st == 200 and isinstance(routes, list),
            "GET /api/v1/routes: 200 with a list", f"{st}")
    got = {(r["method"], r["path"]): r for r in routes}
    extra = sorted(set(got) - set(EXPECT))
    gone = sorted(set(EXPECT) - set(got))
    S.check(not extra, f"every one of the server's {len(got)} routes has "
            "an expectation here", repr(extra))
    S.check(not gone, "every expected route exists", repr(gone))
    norule = [k for k, r in got.items() if not r["rule"]]
    S.check(not norule, "every route has a rule in roles.c", repr(norule))
    differ = [(k, r["roles"]) for k, r in got.items()
              if k in EXPECT and set(r["roles"]) != EXPECT[k]]
    S.check(not differ, "every rule names exactly the expected roles",
            repr(differ[:5]))
    own = sorted(k for k, r in got.items() if r["own_employee"])
    S.check(own == sorted(k for k, v in EXPECT.items() if U in v and
                          not k[1].startswith(V + "/sessions") and
                          k[1] != V + "/users/me/password" and
                          k[1] != V + "/push/vapid_public_key" and
                          k[1] != V + "/sms/status"),
            "the subaccount's routes are narrowed to its own employee "
            "(its sessions and its password are its own by the session; "
            "the push key is the installation's, public; the SMS "
            "gateway's reports carry the gateway's secret)",
            repr(own))


def test_matrix(api, env):
    """Every route x every token: exactly the documented answer."""
    ids = a_ids(api, env)
    bad = []
    n = 0
    for (method, pattern) in sorted(EXPECT):
        for (role, tenant), tok in env["tok"].items():
            path, exists = concrete(method, pattern, env, ids,
                                    tenant == env["b"])
            if path.endswith("/agent_view?agent_id=" + str(env["max"])) \
                    and role not in EXPECT[(method, pattern)]:
                path = path.split("?")[0]
            if (method, pattern) in GATE_ONLY and \
                    role in EXPECT[(method, pattern)]:
                continue  # would delete tenant A: the audit suite's
            body = {} if method in ("POST", "PATCH", "PUT") else None
            st, r = api(method, path, body, tok)
            n += 1
            if role not in EXPECT[(method, pattern)]:
                want = {"error": f"role {role} may not {method} "
                        f"{path.split('?')[0]}"}
                if st != 403 or r != want:
                    bad.append((method, path, role, tenant, st, r))
                continue
            why = expect(method, pattern, role, tenant, env, exists, st, r)
            if why:
                bad.append((method, path, role, tenant, st, r, why))
            if (st == 404 and isinstance(r, dict) and
                    "not found" not in r.get("error", "")):
                bad.append((method, path, role, tenant, st, r, "404 text"))
            if method == "GET" and st == 200 and isinstance(r, list):
                for x in r:
                    if (tenant and isinstance(x, dict) and "tenant_id" in x
                            and x["tenant_id"] != tenant):
                        bad.append((method, path, role, tenant,
                                    "sees tenant", x["tenant_id"]))
                        break
                    if (role == U and "employee_id" in x and
                            x["employee_id"] != env["max"] and
                            tenant == env["a"]):
                        bad.append((method, path, role, "sees employee",
                                    x["employee_id"]))
                        break
    S.check(not bad, f"{n} requests: each route x each of the "
            f"{len(env['tok'])} tokens answered as the role table says",
            "\n".join(repr(x) for x in bad[:15]) + f"\n({len(bad)} bad)")
    return ids


def test_nothing_deleted(api, env, ids):
    """B's deletes of A's ids deleted nothing."""
    op = env["tok"][(O, None)]
    gone = []
    for coll, i in ids.items():
        if i is None or coll in ("versions", "nodes", "auth_blocks"):
            continue
        path = f"{V}/{coll}/{i}"
        st, _ = api("GET", path, token=op)
        if st != 200:
            gone.append((path, st))
    S.check(not gone, "A's records are all still there", repr(gone))


def test_subaccount(api, env):
    """The subaccount keeps its own absence info and appointments; another
    employee's are not found."""
    a, mx, er = env["a"], env["max"], env["erika"]
    sa = env["tok"][(U, a)]
    st, r = api("PUT", f"{V}/employees/{mx}/absence_info",
                {"text": "Bis 14 Uhr beim Kunden"}, sa)
    S.check(st == 200 and r.get("text") == "Bis 14 Uhr beim Kunden",
            "subaccount: PUT its own absence info: 200", f"{st} {r}")
    S.error_is("subaccount: another employee's absence info: 404",
               api("PUT", f"{V}/employees/{er}/absence_info",
                   {"text": "x"}, sa), 404, f"employee {er} not found")
    body = {"employee_id": mx, "starts_at": "2027-01-04T08:00:00Z",
            "ends_at": "2027-01-04T12:00:00Z", "text": "Arzttermin"}
    st, ap = api("POST", V + "/appointments", body, sa)
    S.check(st == 201 and ap["employee_id"] == mx and
            ap["tenant_id"] == a, "subaccount: POST its own appointment: 201",
            f"{st} {ap}")
    st, r = api("PATCH", f"{V}/appointments/{ap['id']}",
                {"text": "Arzttermin (verschoben)"}, sa)
    S.check(st == 200 and r["text"] == "Arzttermin (verschoben)",
            "subaccount: PATCH its own appointment: 200", f"{st} {r}")
    S.error_is("subaccount: an appointment for another employee: 422",
               api("POST", V + "/appointments",
                   dict(body, employee_id=er), sa),
               422, f"employee_id: employee {er} does not exist")
    S.error_is("subaccount: another employee's appointment: 404",
               api("GET", f"{V}/appointments/{env['appt_erika']}",
                   token=sa),
               404, f"appointment {env['appt_erika']} not found")
    S.error_is("subaccount: DELETE another employee's appointment: 404",
               api("DELETE", f"{V}/appointments/{env['appt_erika']}",
                   token=sa),
               404, f"appointment {env['appt_erika']} not found")
    st, r = api("GET", f"{V}/appointments?employee_id={er}", token=sa)
    S.check(st == 200 and r and all(x["employee_id"] == mx for x in r),
            "subaccount: the list has its own appointments only",
            f"{st} {r}")
    st, _ = api("DELETE", f"{V}/appointments/{ap['id']}", token=sa)
    S.check(st == 204, "subaccount: DELETE its own appointment: 204",
            f"{st}")


def test_tokens(api, env, sb):
    """Making and revoking tokens: who may make which, and what a bad
    body gets."""
    a, b, op = env["a"], env["b"], env["tok"][(O, None)]
    ca = env["tok"][(C, a)]
    S.error_is("client_admin may not make an operator token",
               api("POST", V + "/tokens", {"role": O}, ca),
               403, "role client_admin may not make operator tokens")
    S.error_is("client_admin: another tenant's token: 422",
               api("POST", V + "/tokens", {"role": C, "tenant_id": b}, ca),
               422, f"tenant_id: tenant {b} does not exist")
    S.error_is("unknown role: 422",
               api("POST", V + "/tokens", {"role": "admin"}, op),
               422, "role: must be operator, client_admin, agent or "
               "subaccount")
    S.error_is("operator token with a tenant: 422",
               api("POST", V + "/tokens", {"role": O, "tenant_id": a}, op),
               422, "tenant_id: an operator token has no tenant")
    S.error_is("client_admin without a tenant: 422",
               api("POST", V + "/tokens", {"role": C}, op),
               422, "tenant_id: is required for role client_admin")
    S.error_is("subaccount without an employee: 422",
               api("POST", V + "/tokens", {"role": U, "tenant_id": a}, op),
               422, "employee_id: is required for role subaccount")
    S.error_is("subaccount with another tenant's employee: 422",
               api("POST", V + "/tokens", {"role": U, "tenant_id": b,
                                           "employee_id": env["max"]}, op),
               422, f"employee_id: employee {env['max']} belongs to "
               "another tenant")
    st, r = api("POST", V + "/tokens", {"role": A, "employee_id":
                                        env["erika"]}, ca)
    S.check(st == 201 and r["tenant_id"] == a and r["role"] == A,
            "client_admin: an agent token of its own tenant (tenant_id "
            "defaults to its own): 201", f"{st} {r}")
    st, lst = api("GET", V + "/tokens", token=ca)
    S.check(st == 200 and lst and all(t["tenant_id"] == a for t in lst) and
            all("token" not in t for t in lst),
            "client_admin lists its tenant's tokens, never the token",
            f"{st} {lst}")
    st, _ = api("GET", V + "/tenants", token=r["token"])
    S.check(st == 403, "the new agent token works (403 for tenants)")
    st, _ = api("DELETE", f"{V}/tokens/{r['id']}", token=ca)
    S.check(st == 204, "client_admin revokes it: 204", f"{st}")
    S.error_is("the revoked token: 401",
               api("GET", V + "/employees", token=r["token"]),
               401, "missing or invalid token")
    S.error_is("a token cannot revoke itself: 409",
               api("DELETE", f"{V}/tokens/{env['tok_ids'][(C, a)]}",
                   token=ca),
               409, "token: the token of this request cannot revoke itself")


def test_tenant_patch(api, env):
    """A client admin changes its own tenant's fields; the service's
    fields (dialling context, central number) are the operator's."""
    a, b, op = env["a"], env["b"], env["tok"][(O, None)]
    ca, cb = env["tok"][(C, a)], env["tok"][(C, b)]
    st, before = api("GET", f"{V}/tenants/{a}", token=op)
    S.check(st == 200, "GET tenant A: 200", f"{st} {before}")
    st, r = api("PATCH", f"{V}/tenants/{a}",
                {"name": "Mustermann & Partner AG", "language": "en",
                 "moh_prompt": None}, ca)
    S.check(st == 200 and r["name"] == "Mustermann & Partner AG" and
            r["language"] == "en" and r["moh_prompt"] is None and
            r["central_number"] == before["central_number"] and
            r["area_code"] == before["area_code"],
            "client_admin: PATCH its tenant's name, language, music on "
            "hold: 200, the rest unchanged", f"{st} {r}")
    for field, value in (("central_number", "+4922182829901"),
                         ("country_code", "43"), ("area_code", "30")):
        S.error_is(f"client_admin: PATCH {field}: 403 naming it",
                   api("PATCH", f"{V}/tenants/{a}", {field: value}, ca),
                   403, f"field '{field}' may only be changed by the "
                   "operator")
    S.error_is("client_admin: a service field with a client field: 403, "
               "nothing changed",
               api("PATCH", f"{V}/tenants/{a}",
                   {"name": "Neu", "central_number": None}, ca),
               403, "field 'central_number' may only be changed by the "
               "operator")
    st, r = api("GET", f"{V}/tenants/{a}", token=ca)
    S.check(st == 200 and r["name"] == "Mustermann & Partner AG" and
            r["central_number"] == before["central_number"],
            "... the name is as it was", f"{st} {r}")
    S.error_is("client_admin of B: PATCH tenant A: 404",
               api("PATCH", f"{V}/tenants/{a}", {"name": "B's"}, cb),
               404, f"tenant {a} not found")
    S.error_is("agent: PATCH its tenant: 403",
               api("PATCH", f"{V}/tenants/{a}", {"name": "x"},
                   env["tok"][(A, a)]),
               403, f"role agent may not PATCH /api/v1/tenants/{a}")
    S.error_is("client_admin: an unknown field: 400",
               api("PATCH", f"{V}/tenants/{a}", {"tariff": "gold"}, ca),
               400, "tariff: unknown field")
    st, r = api("PATCH", f"{V}/tenants/{a}",
                {"name": before["name"], "language": before["language"],
                 "moh_prompt": before["moh_prompt"],
                 "area_code": before["area_code"],
                 "central_number": before["central_number"]}, op)
    S.check(st == 200 and r == before,
            "operator: PATCH every field, the service's too: 200",
            f"{st} {r} (was {before})")


def main():
    sb = Switchboard(own_trunk_port=False).start()
    try:
        api = Api(sb.http_port)
        env = setup(sb, api)
        S.run(test_routes_listed, api, env)
        ids = {}

        def matrix():
            ids.update(test_matrix(api, env))
        S.run(matrix)
        S.run(test_nothing_deleted, api, env, ids)
        S.run(test_subaccount, api, env)
        S.run(test_tokens, api, env, sb)
        S.run(test_tenant_patch, api, env)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
