#!/usr/bin/python3
"""The answering service's agent pool (issue 17, "The call", second
point): the service's agents in a pool queue serve the calls of many
clients; a client's own time control decides when its calls go there; a
client can have its own dedicated agents.

Set-up: the demo tenant is the service ("Telefonservice GmbH"), Erika
and Max its agents (baresip 1002 and 1001).  Two clients X and Y made
through the API, each with a number block, a number, an employee and an
announcement; X has a profile version (greeting with
[Vorname, Nachname]) and a schedule (24/7 open: the pool, closed: X's
announcement).  The operator makes two pool queues: the general pool
(Erika and Max, longest idle) and Y's dedicated queue (Max only).

  * API: a client admin setting pool on a queue: 403 naming the field;
    the operator: 201 with pool true; a number of X routed to a
    non-pool queue of the service: 422 naming target_id; X's client
    admin routing X's schedule to the pool: 403 naming open_id (which
    clients the pool serves is the service's word); the operator: 201;
    a forwarding of X to the pool: 201; the pool in use cannot stop
    being one: 409.
  * X's call (sipp on the trunk) through X's schedule into the pool
    reaches Erika (idle longest): her stream gets the pop with X's
    context (tenant X, X's greeting with "Erika Musterfrau", X's
    employee) before her phone rings; the queue event "offered" names
    the client X; GET .../pop as Erika 200, as Max (not offered) 404.
    The call record is X's; X's dashboard and call_stats count it, the
    pool queue's statistics count it as answered by Erika.
  * The note: Erika writes X's note for that call (201, X's tenant, X's
    employee); Max (did not answer it) 403 naming call_id; without
    call_id 422; X's admin reads it, Y's admin 404; Erika lists and
    edits it; X's employees list stays closed to Erika (404 as for any
    other tenant).
  * Y's call reaches only Max (Y's dedicated queue), although Erika is
    idle longer: Max's pop is Y's, Erika's phone does not ring.
  * X closed (an exception today): X's call hears X's announcement; no
    agent is offered it.
"""
import json
import os
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402

from popstream import (SeqList, clean, close_streams, incoming,  # noqa: E402
                       open_streams, order_detail, popped_first)

S = Suite("pool")
V = "/api/v1"
PW = DEMO["devices"]
SERVICE = "Telefonservice GmbH"
X_NUMBER = "+4930700100"
Y_NUMBER = "+4940800100"
X_CALLER = "+4921199887"
Y_CALLER = "+4921166554"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
X_GREETING = ("Klient X GmbH, guten Tag, mein Name ist "
              "[Vorname, Nachname].")


def berlin_today():
    return datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d")


def token(sb, body):
    st, t = sb.api("POST", V + "/tokens", body)
    S.check(st == 201, f"a {body['role']} token: 201", f"{st} {t}")
    return (t or {}).get("token")


def client(sb, name, area, number, language="de"):
    """A client tenant with a number block, an employee, an
    announcement and a client admin."""
    st, t = sb.api("POST", V + "/tenants",
                   {"name": name, "country_code": "49", "area_code": area,
                    "language": language})
    S.check(st == 201, f"client {name}: 201", f"{st} {t}")
    tid = t["id"]
    st1, _ = sb.api("POST", V + "/number_blocks",
                    {"tenant_id": tid, "first": number, "last": number})
    st2, e = sb.api("POST", V + "/employees",
                    {"tenant_id": tid, "first_name": "Klara",
                     "last_name": name.split()[0],
                     "email": f"klara@{area}.example"})
    st3, a = sb.api("POST", V + "/announcements",
                    {"tenant_id": tid, "name": "Geschlossen",
                     "file": "de/closed.wav"})
    S.check(st1 == 201 and st2 == 201 and st3 == 201,
            f"{name}: number block, employee, announcement: 201",
            f"{st1} {st2} {e} {st3} {a}")
    return {"id": tid, "name": name, "emp": e["id"], "ann": a["id"],
            "admin": token(sb, {"role": "client_admin", "tenant_id": tid})}


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    _, _, mx = demo_ids(sb, "Max")
    st, _ = sb.api("PATCH", f"{V}/tenants/{tid}", {"name": SERVICE})
    S.check(st == 200, "the demo tenant is the service", str(st))
    x = client(sb, "Klient X GmbH", "30", X_NUMBER, "en")
    y = client(sb, "Klient Y AG", "40", Y_NUMBER)
    st, v = sb.api("POST", f"{V}/tenants/{x['id']}/profile/versions",
                   {"greeting": X_GREETING,
                    "instructions": "Nur Rückrufe notieren.",
                    "note_fields": [{"label": "Kundennummer",
                                     "type": "number"}]})
    S.check(st == 201, "X's profile version: 201", f"{st} {v}")
    return {"svc": tid, "erika": erika, "max": mx, "x": x, "y": y,
            "svc_admin": token(sb, {"role": "client_admin",
                                    "tenant_id": tid}),
            "erika_tok": token(sb, {"role": "agent", "tenant_id": tid,
                                    "employee_id": erika}),
            "max_tok": token(sb, {"role": "agent", "tenant_id": tid,
                                  "employee_id": mx})}


def queue_body(t, name, members, **kw):
    body = {"tenant_id": t["svc"], "name": name,
            "strategy": "longest_idle", "ring_timeout": 20, "wrapup": 0,
            "announce_every": 0, "say_position": False, "say_wait": False,
            "members": [{"employee_id": m} for m in members]}
    body.update(kw)
    return body


def test_api(sb, t):
    x, y = t["x"], t["y"]
    S.error_is("a client admin making its queue a pool: 403 naming pool",
               sb.api("POST", V + "/queues",
                      queue_body(t, "Eigen", [t["erika"]], pool=True),
                      token=t["svc_admin"]), 403,
               "field 'pool' may only be changed by the operator")
    st, p = sb.api("POST", V + "/queues",
                   queue_body(t, "Pool", [t["erika"], t["max"]], pool=True))
    S.check(st == 201 and p.get("pool") is True,
            "the operator's pool queue (Erika, Max): 201, pool true",
            f"{st} {p}")
    st, d = sb.api("POST", V + "/queues",
                   queue_body(t, "Y exklusiv", [t["max"]], pool=True))
    S.check(st == 201 and d.get("pool") is True,
            "Y's dedicated pool queue (Max only): 201", f"{st} {d}")
    st, np = sb.api("POST", V + "/queues",
                    queue_body(t, "Intern", [t["erika"]]))
    S.check(st == 201 and np.get("pool") is False,
            "a queue of the service that is no pool: 201, pool false",
            f"{st} {np}")
    t.update(pool=p["id"], dedicated=d["id"], internal=np["id"])
    S.error_is("X's number to the service's queue that is no pool: 422",
               sb.api("POST", V + "/numbers",
                      {"tenant_id": x["id"], "e164": X_NUMBER,
                       "target_type": "queue", "target_id": np["id"]}),
               422, f"target_id: queue {np['id']} belongs to another "
               "tenant")
    sched = {"tenant_id": x["id"], "name": "Bürozeiten",
             "open_type": "queue", "open_id": p["id"],
             "closed_type": "announcement", "closed_id": x["ann"],
             "ranges": [{"days": ALL_DAYS, "start": "00:00",
                         "end": "24:00"}]}
    S.error_is("X's client admin routing X's schedule to the pool: 403",
               sb.api("POST", V + "/schedules", sched, token=x["admin"]),
               403, f"open_id: queue {p['id']} is the answering service's "
               "pool: only the operator routes to it")
    st, s = sb.api("POST", V + "/schedules", sched)
    S.check(st == 201 and s.get("open_id") == p["id"],
            "the operator: X's schedule, open: the pool, closed: X's "
            "announcement: 201", f"{st} {s}")
    t["sched"] = s["id"]
    st1, n1 = sb.api("POST", V + "/numbers",
                     {"tenant_id": x["id"], "e164": X_NUMBER,
                      "target_type": "schedule", "target_id": s["id"]})
    st2, n2 = sb.api("POST", V + "/numbers",
                     {"tenant_id": y["id"], "e164": Y_NUMBER,
                      "target_type": "queue", "target_id": d["id"]})
    S.check(st1 == 201 and st2 == 201,
            "X's number to X's schedule, Y's number to Y's dedicated "
            "queue: 201", f"{st1} {n1} {st2} {n2}")
    st, f = sb.api("POST", V + "/forwardings",
                   {"tenant_id": x["id"], "number": "030 7001999",
                    "target_type": "queue", "target_id": p["id"]})
    S.check(st == 201 and f.get("target_id") == p["id"],
            "a forwarding of X straight to the pool: 201", f"{st} {f}")
    S.error_is("Y's forwarding to the non-pool queue: 422 naming "
               "target_id",
               sb.api("POST", V + "/forwardings",
                      {"tenant_id": y["id"], "number": "040 8001999",
                       "target_type": "queue", "target_id": np["id"]}),
               422, f"target_id: queue {np['id']} belongs to another "
               "tenant")
    st, r = sb.api("PATCH", f"{V}/queues/{p['id']}", {"pool": False})
    S.check(st == 409 and "in use" in (r or {}).get("error", ""),
            "the pool routed to by X cannot stop being a pool: 409",
            f"{st} {r}")
    st, r = sb.api("GET", f"{V}/queues/{p['id']}")
    S.check(st == 200 and r.get("pool") is True, "... and stays one",
            f"{st} {r}")


def streams(sb, t):
    return open_streams(S, sb, (
        ("erika", t["erika_tok"]), ("max", t["max_tok"]),
        ("x", t["x"]["admin"]), ("operator", sb.token)))


def available(sb, emp):
    wait_for(lambda: sb.api("GET", f"{V}/agents/{emp}")[1]
             .get("state") == "available", 15, f"agent {emp} available")


def test_x_call(sb, t, rd, er, mx):
    x = t["x"]
    me, mm = er.mark(), mx.mark()
    run = Sipp("uac_queue_wait", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=X_NUMBER,
               keys={"caller": X_CALLER}, timeout_s=90,
               recv_timeout_ms=60000).start()
    try:
        inc = incoming(er, me)
        S.check(inc is not None, "X's call rings Erika (idle longest)")
        wait_for(lambda: rd["erika"].pops(), 5, "the pop on Erika's stream")
        pops = rd["erika"].pops()
        p = pops[0] if pops else {}
        pop = p.get("pop") or {}
        S.check(len(pops) == 1 and p.get("queue_id") == t["pool"] and
                p.get("agent_id") == t["erika"] and
                pop.get("tenant") == {"id": x["id"], "name": x["name"]} and
                pop.get("greeting") == X_GREETING.replace(
                    "[Vorname, Nachname]", "Erika Musterfrau") and
                pop.get("instructions") == "Nur Rückrufe notieren." and
                [e.get("id") for e in pop.get("employees") or []] ==
                [x["emp"]] and
                pop.get("caller") == {"number": X_CALLER,
                                      "anonymous": False},
                "Erika's pop: X's context (tenant, greeting with her name, "
                "instructions, X's employee, the caller), the pool queue",
                json.dumps(clean(p), ensure_ascii=False)[:700])
        S.check(popped_first("erika", p, inc),
                "the pop reached Erika's stream before her phone rang",
                order_detail("erika", p, inc))
        def offers():
            return [e for e in rd["operator"].events
                    if e.get("class") == "queue" and
                    e.get("type") == "offered" and
                    e.get("queue_id") == t["pool"]]
        # each stream is read by its own thread: wait for the operator's
        wait_for(offers, 5, "the offer on the operator's stream")
        offered = offers()
        S.check(len(offered) == 1 and
                offered[0].get("client") == {"id": x["id"],
                                             "name": x["name"]} and
                offered[0].get("agent_id") == t["erika"],
                "the queue event offered names the client X",
                json.dumps([clean(e) for e in offered],
                           ensure_ascii=False)[:400])
        S.check(rd["max"].pops() == [] and rd["x"].pops() == [],
                "Max's stream and X's admin's: no pop")
        rec = p.get("record_id")
        path = f"{V}/calls/{rec}/pop"
        st, g = sb.api("GET", path, token=t["erika_tok"])
        S.check(st == 200 and g == pop,
                "GET .../pop as Erika (offered): 200, the same document",
                f"{st} {str(g)[:200]}")
        S.error_is("GET .../pop as Max (another call's agent): 404",
                   sb.api("GET", path, token=t["max_tok"]), 404,
                   f"call {rec} not found")
        er.accept()
        S.check(er.wait_event("CALL_ESTABLISHED", 10, since=me)
                is not None, "Erika accepts X's call")
        st, g = sb.api("GET", path, token=t["erika_tok"])
        S.check(st == 200 and g == pop,
                "GET .../pop as Erika (answered): 200", f"{st}")
        mc = er.mark()
        er.hangup()
        run.wait(20)
        S.check(run.successful == 1, "Erika hangs up: X's call ends",
                f"rc={run.rc} {run.errors()[-300:]}")
        er.wait_event("CALL_CLOSED", 10, since=mc)
        S.check(all(e.get("type") != "CALL_INCOMING"
                    for e in mx.events[mm:]), "Max's phone did not ring")
    finally:
        run.stop()
    wait_for(lambda: sb.api("GET", f"{V}/calls/{rec}")[1].get("ended_at"),
             5, "the call record ends")
    st, c = sb.api("GET", f"{V}/calls/{rec}")
    S.check(st == 200 and c.get("tenant_id") == x["id"] and
            c.get("to_number") == X_NUMBER and
            c.get("from_number") == X_CALLER and c.get("answered_at"),
            "the call record is X's (X's number, answered)", f"{st} {c}")
    t["rec"] = rec
    log = sb.logtext()
    S.check("/en/please_hold.wav loaded" in log and
            "/de/please_hold.wav loaded" not in log,
            "X's caller waiting in the pool hears X's language (English "
            "please_hold), not the service's German",
            "\n".join(ln for ln in log.splitlines()
                      if "please_hold" in ln)[-400:])


def test_note(sb, t):
    x, y, rec = t["x"], t["y"], t["rec"]
    body = {"tenant_id": x["id"], "call_id": rec,
            "employee_ids": [x["emp"]], "caller_name": "Paul Anrufer",
            "caller_number": X_CALLER, "concern": "Bitte um Rückruf.",
            "fields": {"Kundennummer": 4711}}
    st, n = sb.api("POST", V + "/notes", body, token=t["erika_tok"])
    S.check(st == 201 and n.get("tenant_id") == x["id"] and
            n.get("call_id") == rec and
            n.get("agent_employee_id") == t["erika"] and
            n.get("employee_ids") == [x["emp"]] and
            n.get("fields") == {"Kundennummer": 4711},
            "Erika writes X's note for the call she answered: 201 (X's "
            "tenant, employee and extra field)", f"{st} {n}")
    nid = (n or {}).get("id")
    S.error_is("Max writing the note of a call he did not answer: 403",
               sb.api("POST", V + "/notes", body, token=t["max_tok"]),
               403, f"call_id: call {rec} of tenant {x['id']} was not "
               "answered by you")
    S.error_is("Erika's note for Y (the call is X's): 403",
               sb.api("POST", V + "/notes", dict(body, tenant_id=y["id"],
                                                 employee_ids=[y["emp"]]),
                      token=t["erika_tok"]), 403,
               f"call_id: call {rec} of tenant {y['id']} was not answered "
               "by you")
    nocall = {k: v for k, v in body.items() if k != "call_id"}
    S.error_is("Erika's note for X without call_id: 422",
               sb.api("POST", V + "/notes", nocall, token=t["erika_tok"]),
               422, "call_id: is required for a note of another tenant "
               "(a pool call you answered)")
    st, r = sb.api("GET", f"{V}/notes/{nid}", token=x["admin"])
    S.check(st == 200 and r.get("concern") == "Bitte um Rückruf.",
            "X's admin reads the note: 200", f"{st} {r}")
    S.error_is("Y's admin on X's note: 404",
               sb.api("GET", f"{V}/notes/{nid}", token=y["admin"]), 404,
               f"note {nid} not found")
    st, r = sb.api("GET", V + "/notes", token=t["erika_tok"])
    S.check(st == 200 and [m["id"] for m in r] == [nid],
            "Erika's GET /notes: the note she wrote", f"{st} {r}")
    st, r = sb.api("GET", V + "/notes", token=t["max_tok"])
    S.check(st == 200 and r == [], "Max's GET /notes: none", f"{st} {r}")
    st, r = sb.api("PATCH", f"{V}/notes/{nid}",
                   {"concern": "Bitte heute zurückrufen."},
                   token=t["erika_tok"])
    S.check(st == 200 and r.get("version") == 2,
            "Erika edits it within the edit window: 200, version 2",
            f"{st} {r}")
    S.error_is("Max editing Erika's note: 404",
               sb.api("PATCH", f"{V}/notes/{nid}", {"concern": "x"},
                      token=t["max_tok"]), 404, f"note {nid} not found")
    S.error_is("X's employees stay closed to the pool agent: 404",
               sb.api("GET", f"{V}/employees/{x['emp']}",
                      token=t["erika_tok"]), 404,
               f"employee {x['emp']} not found")
    st, r = sb.api("GET", f"{V}/employees?tenant_id={x['id']}",
                   token=t["erika_tok"])
    S.check(st == 200 and r and
            all(e["tenant_id"] == t["svc"] for e in r),
            "X's employee list as Erika: her own tenant's, none of X",
            f"{st} {r}")
    t["note"] = nid


def test_stats(sb, t):
    x, y, rec = t["x"], t["y"], t["rec"]
    st, r = sb.api("GET", f"{V}/tenants/{x['id']}/dashboard",
                   token=x["admin"])
    calls = (r or {}).get("calls") or []
    S.check(st == 200 and [c["id"] for c in calls] == [rec] and
            (calls[0].get("note") or {}).get("id") == t["note"],
            "X's dashboard: the pool call with Erika's note", f"{st} {r}")
    today = berlin_today()
    q = f"?from={today}&to={today}"
    st, r = sb.api("GET", f"{V}/tenants/{x['id']}/call_stats{q}",
                   token=x["admin"])
    S.check(st == 200 and r.get("calls") == 1 and r.get("answered") == 1
            and r.get("notes") == 1,
            "X's call_stats: 1 call, answered, 1 note", f"{st} {r}")
    st, r = sb.api("GET", f"{V}/tenants/{y['id']}/call_stats{q}",
                   token=y["admin"])
    S.check(st == 200 and r.get("calls") == 0 and r.get("notes") == 0,
            "Y's call_stats: nothing of X's call", f"{st} {r}")
    st, r = sb.api("GET", f"{V}/tenants/{t['svc']}/call_stats{q}")
    S.check(st == 200 and r.get("calls") == 0,
            "the service's own call_stats: not the client's call",
            f"{st} {r}")
    st, r = sb.api("GET", f"{V}/queues/{t['pool']}/stats")
    tot = (r or {}).get("total") or {}
    S.check(st == 200 and tot.get("offered") == 1 and
            tot.get("answered") == 1,
            "the pool queue's statistics: 1 offered, 1 answered",
            f"{st} {json.dumps(tot)[:400]}")


def test_y_call(sb, t, rd, er, mx):
    y = t["y"]
    me, mm = er.mark(), mx.mark()
    ne, nm = len(rd["erika"].pops()), len(rd["max"].pops())
    run = Sipp("uac_queue_wait", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=Y_NUMBER,
               keys={"caller": Y_CALLER}, timeout_s=90,
               recv_timeout_ms=60000).start()
    try:
        inc = incoming(mx, mm)
        S.check(inc is not None,
                "Y's call rings Max (Y's dedicated agent)")
        wait_for(lambda: len(rd["max"].pops()) > nm, 5, "Max's pop")
        p = rd["max"].pops()[nm] if len(rd["max"].pops()) > nm else {}
        pop = p.get("pop") or {}
        S.check(p.get("queue_id") == t["dedicated"] and
                pop.get("tenant") == {"id": y["id"], "name": y["name"]} and
                popped_first("max", p, inc),
                "Max's pop: Y's context, Y's dedicated queue, before his "
                "phone rang", json.dumps(clean(p), ensure_ascii=False)[:400] +
                " " + order_detail("max", p, inc))
        mx.accept()
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=mm)
                is not None, "Max accepts Y's call")
        mc = mx.mark()
        mx.hangup()
        run.wait(20)
        mx.wait_event("CALL_CLOSED", 10, since=mc)
        S.check(run.successful == 1, "Y's call ends",
                f"rc={run.rc} {run.errors()[-300:]}")
        S.check(len(rd["erika"].pops()) == ne and
                all(e.get("type") != "CALL_INCOMING"
                    for e in er.events[me:]),
                "Erika (idle longer, not Y's agent): no pop, no ring")
    finally:
        run.stop()
    rec = p.get("record_id")
    st, c = sb.api("GET", f"{V}/calls/{rec}")
    S.check(st == 200 and c.get("tenant_id") == y["id"],
            "the call record is Y's", f"{st} {c}")


def test_x_closed(sb, t, rd, er, mx):
    x = t["x"]
    today = berlin_today()
    st, _ = sb.api("PATCH", f"{V}/schedules/{t['sched']}",
                   {"exceptions": [{"date": today, "state": "closed"}]})
    S.check(st == 200, f"X closed today ({today}) by an exception",
            str(st))
    me, mm = er.mark(), mx.mark()
    ne, nm = len(rd["erika"].pops()), len(rd["max"].pops())
    run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=X_NUMBER, timeout_s=30,
               recv_timeout_ms=20000).run()
    S.check(run.rc == 0 and run.successful == 1,
            "X closed: X's announcement answers, plays and hangs up",
            run.summary())
    run.cleanup()
    st, r = sb.api("GET", f"{V}/calls?tenant_id={x['id']}")
    last = r[0] if st == 200 and r else {}
    S.check(last.get("callee_leg") == "announcement" and
            last.get("to_number") == X_NUMBER,
            "the record: X's call, to X's announcement", f"{st} {last}")
    S.check(len(rd["erika"].pops()) == ne and len(rd["max"].pops()) == nm
            and all(e.get("type") != "CALL_INCOMING"
                    for e in er.events[me:] + mx.events[mm:]),
            "closed: no agent offered it, no phone rang")


def test_calls(sb, t):
    srv = ("127.0.0.1", sb.sip_port)
    er = Baresip("1002", PW["1002"], server=srv, tone=1000,
                 auto_answer=False)
    mx = Baresip("1001", PW["1001"], server=srv, tone=800,
                 auto_answer=False)
    er.events = SeqList()
    mx.events = SeqList()
    rd = streams(sb, t)
    er.start()
    mx.start()
    try:
        S.check(er.wait_registered(10) and mx.wait_registered(10),
                "Erika's and Max's phones register")
        st1, _ = sb.api("POST", f"{V}/agents/{t['erika']}/state",
                        {"action": "login"})
        time.sleep(0.2)
        st2, _ = sb.api("POST", f"{V}/agents/{t['max']}/state",
                        {"action": "login"})
        S.check(st1 == 200 and st2 == 200,
                "Erika logs in to the pool, then Max (Erika idle longest)",
                f"{st1} {st2}")
        test_x_call(sb, t, rd, er, mx)
        test_note(sb, t)
        test_stats(sb, t)
        available(sb, t["erika"])
        test_y_call(sb, t, rd, er, mx)
        available(sb, t["max"])
        test_x_closed(sb, t, rd, er, mx)
    finally:
        close_streams(rd)
        mx.stop()
        er.stop()


def main():
    sb = Switchboard().start()
    try:
        t = setup(sb)
        S.run(test_api, sb, t)
        S.run(test_calls, sb, t)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
