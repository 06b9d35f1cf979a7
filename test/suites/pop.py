#!/usr/bin/python3
"""The screen pop (issue 17): what an agent of the answering service gets
when a queue call of a client is offered to him, before his phone rings,
on his event stream (class "queue", type "pop") and through
GET /api/v1/calls/:id/pop.

Set-up on the demo tenant: a profile version (greeting with
[Vorname, Nachname], instructions, no transfer option, FAQ, call guide
and VIP call guide, two extra note fields), a third employee Hans Müller
(e-mail, CC, extension, "VIP Durchstellen", substitute Erika, absence
info), Max with an absence info and an appointment running now (which
replaces it), the VIP +4930777888 (Max's, with a note), a queue
(longest idle, Erika and Max) on one number and behind a digit input on
another.  Tokens: an agent each for Erika and Max, the tenant's client
admin, another tenant's client admin, the operator; an event stream of
each.

  * A VIP calls (sipp from the trunk, caller ID 030777888, national):
    normalised to +4930777888 in the call record; Erika (idle
    longest) is offered the call.  Her stream gets the pop, exactly: the
    client, the caller as E.164 (+4930777888), the greeting with "Erika Musterfrau",
    instructions, transfer false and the standard text, FAQ, note form
    (the fixed three, then the client's fields), the profile version,
    the VIP info with its employee, the VIP call guide, the employees in
    phone-book order with what holds for them now (Max: the running
    appointment, not his absence info; Hans: his absence info; Erika:
    none), no e-mail address or CC anywhere; the profile part equals the
    agent view of that moment.  The pop comes before her phone reports
    the incoming call (one sequence of arrivals: the stream's messages
    and baresip's events numbered by one counter).  Max's stream, the
    client admin's and another tenant's get no pop; the operator's gets
    the same document.
  * GET /api/v1/calls/:id/pop: Erika while her phone rings and after she
    accepted, 200 with the same document; Max 403; the client admin 200 the same; another
    tenant's client admin 404; the operator for Max (agent_id) 422; an
    agent asking for another's agent_id 403; once the call is over 404.
  * A caller through the digit input (SIP INFO 24680#, then 1): Max (idle
    longest now) gets the pop with his name, collected {"Kundennummer":
    "24680"}, vip null and the normal call guide, before his phone
    rings; Erika's stream gets none.
  * A ring-all queue: both phones ring, each agent's stream gets one pop,
    his own (his name in the greeting), before his phone rings; GET as
    Max while both ring gives his; once Erika answered, Max 403 and
    Erika hers.

  * Forwarded (issue 17): the client's number is forwarded to its queue;
    a carrier's call reaches a service number of another tenant with a
    Diversion header naming the client's number, then once more with a
    History-Info header (RFC 7044) instead: each time Erika's pop is the
    client's (tenant, queue, greeting) and comes before her phone rings;
    the record is the client's with forwarded_from.
"""
import hashlib
import json
import os
import secrets
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402
from popstream import (SeqList, clean, close_streams, incoming,  # noqa: E402
                       open_streams, order_detail, popped_first)

S = Suite("pop")
PW = DEMO["devices"]
QUEUE_NUMBER = "+4922182829981"
INPUT_NUMBER = "+4922182829982"
RING_ALL_NUMBER = "+4922182829983"
SERVICE_NUMBER = "+4930555000"  # another tenant's: forwarded calls
VIP_CALLER = "+4930777888"    # on the list as "030 777888"
VIP_FROM = "030777888"        # the trunk sends it national: normalised
INFO_CALLER = "+4930654321"   # uac_collect_info.xml's caller ID
STANDARD = ("Momentan ist niemand persönlich erreichbar. Darf ich einen "
            "Rückruf aufnehmen?")
GREETING = ("Mustermann AG, guten Tag, mein Name ist [Vorname, Nachname]. "
            "Was kann ich für Sie tun?")
GUIDE = "1. Name erfragen\n2. Anliegen notieren"
VIP_GUIDE = "VIP: sofort mit Namen begrüßen\nund Max Bescheid geben"
INSTRUCTIONS = "Rechtsanwaltskanzlei: keine Auskünfte zu Mandaten."
PROFILE_KEYS = ("version_id", "version", "greeting", "instructions",
                "transfer", "standard_text", "faq", "note_fields",
                "order_form", "hours", "open")

def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{dt.microsecond // 1000:03d}Z"


def has_key(o, keys):
    if isinstance(o, dict):
        return any(k in keys or has_key(v, keys) for k, v in o.items())
    if isinstance(o, list):
        return any(has_key(v, keys) for v in o)
    return False


def token(sb, body):
    st, t = sb.api("POST", "/api/v1/tokens", body)
    S.check(st == 201, f"a {body['role']} token: 201", f"{st} {t}")
    return t["token"]


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    _, _, mx = demo_ids(sb, "Max")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    st, hans = sb.api("POST", "/api/v1/employees",
                      {"tenant_id": tid, "name": "Müller, Hans",
                       "email": "hans.mueller@mustermann.example",
                       "cc": "sekretariat@mustermann.example",
                       "position": "Vertrieb",
                       "responsibility": "Neukunden/Interessenten",
                       "extension": "23", "transfer": "vip",
                       "substitute_id": erika})
    S.check(st == 201, "Hans Müller (e-mail, CC, substitute Erika): 201",
            f"{st} {hans}")
    st, _ = sb.api("PATCH", f"/api/v1/employees/{mx}",
                   {"transfer": "all", "position": "Geschäftsführer"})
    S.check(st == 200, "Max wants transfer: 200", str(st))
    st1, _ = sb.api("PUT", f"/api/v1/employees/{mx}/absence_info",
                    {"text": "Diese Woche im Urlaub."})
    st2, _ = sb.api("PUT", f"/api/v1/employees/{hans['id']}/absence_info",
                    {"text": "Nur vormittags im Hause."})
    ends = now + timedelta(hours=2)
    st3, appt = sb.api("POST", "/api/v1/appointments",
                       {"employee_id": mx, "text": "Kundentermin in Köln",
                        "starts_at": iso(now - timedelta(hours=1)),
                        "ends_at": iso(ends)})
    S.check(st1 == 200 and st2 == 200 and st3 == 201,
            "absence infos of Max and Hans, an appointment of Max running "
            "now", f"{st1} {st2} {st3} {appt}")
    st, v = sb.api("POST", f"/api/v1/tenants/{tid}/profile/versions",
                   {"greeting": GREETING, "instructions": INSTRUCTIONS,
                    "transfer": False,
                    "faq": [{"question": "Öffnungszeiten?",
                             "answer": "Mo-Fr 8-18 Uhr"}],
                    "call_guide": GUIDE, "vip_call_guide": VIP_GUIDE,
                    "note_fields": [
                        {"label": "Kundennummer", "type": "number",
                         "required": True},
                        {"label": "Rückruf", "type": "choice",
                         "choices": ["vormittags", "nachmittags"]}]})
    S.check(st == 201, "a profile version: 201", f"{st} {v}")
    st, vip = sb.api("POST", "/api/v1/vips",
                     {"tenant_id": tid, "number": "030 777888",
                      "name": "Dr. Anna Schmitz", "note": "Vorstand",
                      "employee_id": mx})
    S.check(st == 201, "the VIP 030 777888 (Max's): 201", f"{st} {vip}")
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Sekretariat",
                    "strategy": "longest_idle", "ring_timeout": 20,
                    "wrapup": 0, "announce_every": 0,
                    "say_position": False, "say_wait": False,
                    "members": [{"employee_id": erika},
                                {"employee_id": mx}]})
    S.check(st == 201, "a queue with Erika and Max: 201", f"{st} {q}")
    st1, _ = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": QUEUE_NUMBER,
                     "target_type": "queue", "target_id": q["id"]})
    st2, d = sb.api("POST", "/api/v1/digit_inputs",
                    {"tenant_id": tid, "name": "Kundennummer",
                     "label": "Kundennummer", "min_digits": 4,
                     "max_digits": 8, "terminator": "#",
                     "target_type": "queue", "target_id": q["id"]})
    st3, _ = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": INPUT_NUMBER,
                     "target_type": "digit_input",
                     "target_id": (d or {}).get("id")})
    S.check(st1 == 201 and st2 == 201 and st3 == 201,
            "the queue's number, a digit input before it and its number",
            f"{st1} {st2} {st3}")
    st, q2 = sb.api("POST", "/api/v1/queues",
                    {"tenant_id": tid, "name": "Alle",
                     "strategy": "ring_all", "ring_timeout": 20,
                     "wrapup": 0, "announce_every": 0,
                     "say_position": False, "say_wait": False,
                     "members": [{"employee_id": erika},
                                 {"employee_id": mx}]})
    st2, _ = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": RING_ALL_NUMBER,
                     "target_type": "queue", "target_id": q2.get("id")})
    S.check(st == 201 and st2 == 201,
            "a ring-all queue with Erika and Max on a third number",
            f"{st} {st2} {q2}")
    st, other = sb.api("POST", "/api/v1/tenants",
                       {"name": "Andere GmbH", "country_code": "49",
                        "area_code": "30"})
    t = {"tid": tid, "erika": erika, "max": mx, "hans": hans["id"],
         "appt": appt, "appt_ends": iso(ends), "version": v,
         "queue": q["id"], "vip": vip, "queue2": q2["id"],
         "other": other["id"],
         "erika_tok": token(sb, {"role": "agent", "tenant_id": tid,
                                 "employee_id": erika}),
         "max_tok": token(sb, {"role": "agent", "tenant_id": tid,
                               "employee_id": mx}),
         "admin_tok": token(sb, {"role": "client_admin",
                                 "tenant_id": tid}),
         "other_tok": token(sb, {"role": "client_admin",
                                 "tenant_id": other["id"]})}
    st, olga = sb.api("POST", "/api/v1/employees",
                      {"tenant_id": other["id"], "first_name": "Olga",
                       "last_name": "Other"})
    t["other_agent_tok"] = token(sb, {"role": "agent",
                                      "tenant_id": other["id"],
                                      "employee_id": olga.get("id")})
    t["bare_agent_tok"] = raw_token(sb, "agent", other["id"])
    return t


def raw_token(sb, role, tenant):
    """A token row as an old database may hold it: role without an
    employee (POST /api/v1/tokens refuses to make one)."""
    tok = secrets.token_hex(32)
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at) VALUES (?, ?, ?, 'old', 0)",
                    (hashlib.sha256(tok.encode()).hexdigest(), role, tenant))
        con.commit()
    finally:
        con.close()
    return tok


def expected_employees(sb, t):
    """The employees as the pop must show them, from the API (agent's
    view: no e-mail), in phone-book order."""
    st, emps = sb.api("GET", f"/api/v1/employees?tenant_id={t['tid']}"
                      "&sort=name", token=t["erika_tok"])
    names = {e["id"]: e["name"] for e in emps}
    avail = {
        t["max"]: {"source": "appointment", "text": "Kundentermin in Köln",
                   "appointment_id": t["appt"]["id"],
                   "until": t["appt_ends"]},
        t["hans"]: {"source": "absence_info",
                    "text": "Nur vormittags im Hause.",
                    "appointment_id": None, "until": None},
    }
    none = {"source": "none", "text": None, "appointment_id": None,
            "until": None}
    out = []
    for e in emps:
        sub = e.get("substitute_id")
        out.append({"id": e["id"], "name": e["name"],
                    "first_name": e["first_name"],
                    "last_name": e["last_name"],
                    "position": e.get("position") or "",
                    "responsibility": e.get("responsibility") or "",
                    "extension": e.get("extension") or "",
                    "transfer": e["transfer"],
                    "substitute": {"id": sub, "name": names[sub]}
                    if sub else None,
                    "availability": avail.get(e["id"], none)})
    return out


def check_pop(sb, t, pop, agent, first_last, vip, collected, caller,
              what):
    """The pop document, field by field."""
    v = t["version"]
    st, view = sb.api("GET", f"/api/v1/tenants/{t['tid']}/agent_view"
                      f"?agent_id={agent}&at={pop.get('at')}")
    want_view = {k: view.get(k) for k in PROFILE_KEYS} if st == 200 else {}
    got_view = {k: pop.get(k) for k in PROFILE_KEYS}
    S.check(st == 200 and got_view == want_view,
            f"{what}: the profile part equals the agent view of that "
            "moment", f"{st}\n got {got_view}\nwant {want_view}")
    greeting = GREETING.replace("[Vorname, Nachname]", first_last)
    S.check(pop.get("greeting") == greeting and
            pop.get("version_id") == v["id"] and
            pop.get("version") == v["version"] and
            pop.get("instructions") == INSTRUCTIONS and
            pop.get("transfer") is False and
            pop.get("standard_text") == STANDARD,
            f"{what}: greeting with \"{first_last}\", profile version "
            f"{v['id']}, instructions, no transfer option: the standard "
            "text", json.dumps({k: pop.get(k) for k in (
                "greeting", "version_id", "version", "instructions",
                "transfer", "standard_text")}, ensure_ascii=False))
    S.check(pop.get("faq") == [{"question": "Öffnungszeiten?",
                                "answer": "Mo-Fr 8-18 Uhr"}] and
            [(f.get("label"), f.get("type"), f.get("required"),
              f.get("fixed"), f.get("choices"))
             for f in pop.get("note_fields") or []] ==
            [("Name", "text", True, True, None),
             ("Telefonnummer", "phone", True, True, None),
             ("Anliegen", "text", True, True, None),
             ("Kundennummer", "number", True, False, None),
             ("Rückruf", "choice", False, False,
              ["vormittags", "nachmittags"])],
            f"{what}: FAQ and the note form (name, phone, concern, then "
            "the client's fields with type, required, choices)",
            json.dumps([pop.get("faq"), pop.get("note_fields")],
                       ensure_ascii=False))
    want_vip = {"name": "Dr. Anna Schmitz", "note": "Vorstand",
                "employee": {"id": t["max"], "name": "Max Mustermann"}} \
        if vip else None
    S.check(pop.get("vip") == want_vip and
            pop.get("call_guide") == (VIP_GUIDE if vip else GUIDE) and
            pop.get("call_guide_vip") is vip,
            f"{what}: " + ("the VIP info and the VIP call guide" if vip
                           else "no VIP, the normal call guide"),
            json.dumps([pop.get("vip"), pop.get("call_guide"),
                        pop.get("call_guide_vip")], ensure_ascii=False))
    S.check(pop.get("tenant") == {"id": t["tid"],
                                  "name": DEMO["tenant"]} and
            pop.get("caller") == {"number": caller, "anonymous": False} and
            pop.get("collected") == collected and
            pop.get("agent_id") == agent and
            pop.get("queue_id") == t["queue"],
            f"{what}: the client, the caller {caller}, collected "
            f"{collected}, the agent, the queue",
            json.dumps({k: pop.get(k) for k in (
                "tenant", "caller", "collected", "agent_id", "queue_id")},
                ensure_ascii=False))
    want = expected_employees(sb, t)
    S.check(pop.get("employees") == want,
            f"{what}: the employees in phone-book order with what holds "
            "now (Max: the running appointment, not his absence info; "
            "Hans: his absence info)",
            f"\n got {json.dumps(pop.get('employees'), ensure_ascii=False)}"
            f"\nwant {json.dumps(want, ensure_ascii=False)}")
    S.check(not has_key(pop, ("email", "cc", "mobile",
                              "transfer_number")) and
            "@" not in json.dumps(pop),
            f"{what}: no e-mail address, CC or mobile anywhere")


def streams(sb, t):
    return open_streams(S, sb, (
        ("erika", t["erika_tok"]), ("max", t["max_tok"]),
        ("admin", t["admin_tok"]), ("other", t["other_tok"]),
        ("operator", sb.token)))


def test_vip_call(sb, t, rd, er, mx):
    me, mm = er.mark(), mx.mark()
    run = Sipp("uac_queue_wait", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=QUEUE_NUMBER,
               keys={"caller": VIP_FROM}, timeout_s=90,
               recv_timeout_ms=60000).start()
    try:
        inc = incoming(er, me)
        S.check(inc is not None, "the VIP's call rings Erika's phone")
        wait_for(lambda: rd["erika"].pops() and rd["operator"].pops(), 5,
                 "the pop on Erika's and the operator's streams")
        pops = rd["erika"].pops()
        rec = pops[0].get("record_id") if pops else 0
        st, ringing = sb.api("GET", f"/api/v1/calls/{rec}/pop",
                             token=t["erika_tok"])
        S.check(st == 200 and ringing == pops[0].get("pop"),
                "GET .../pop as Erika while her phone rings: 200, the "
                "document of her stream", f"{st} {str(ringing)[:200]}")
        er.accept()
        est = er.wait_event("CALL_ESTABLISHED", 10, since=me)
        S.check(est is not None, "Erika accepts the call")
        S.check(len(pops) == 1, "Erika's stream: one pop",
                json.dumps([clean(p) for p in pops]))
        p = pops[0] if pops else {}
        rec = p.get("record_id")
        st, call = sb.api("GET", f"/api/v1/calls/{rec}")
        S.check(st == 200 and call.get("from_number") == VIP_CALLER and
                p.get("tenant_id") == t["tid"] and
                p.get("queue_id") == t["queue"] and
                p.get("agent_id") == t["erika"] and
                p.get("callback_id", 0) is None and
                p.get("call_id") == call.get("sip_call_id") and
                (p.get("pop") or {}).get("record_id") == rec,
                "the pop event: class queue, type pop, the tenant, queue, "
                "call (Call-ID and record), agent Erika",
                json.dumps(clean(p), ensure_ascii=False)[:600])
        pop = p.get("pop") or {}
        check_pop(sb, t, pop, t["erika"], "Erika Musterfrau", True, {},
                  VIP_CALLER, "VIP call")
        S.check(popped_first("erika", p, inc),
                "the pop reached Erika's stream before her phone reported "
                "the incoming call", order_detail("erika", p, inc))
        ops = rd["operator"].pops()
        S.check(len(ops) == 1 and ops[0].get("pop") == pop,
                "the operator's stream: the same pop",
                json.dumps([clean(x) for x in ops])[:300])
        S.check(rd["max"].pops() == [] and rd["admin"].pops() == [] and
                rd["other"].pops() == [],
                "Max's stream (not offered), the client admin's and another "
                "tenant's: no pop",
                json.dumps([clean(x) for x in rd["max"].pops() +
                            rd["admin"].pops() + rd["other"].pops()])[:300])
        S.check(all(e.get("type") != "CALL_INCOMING"
                    for e in mx.events[mm:]),
                "Max's phone did not ring")

        path = f"/api/v1/calls/{rec}/pop"
        st, g = sb.api("GET", path, token=t["erika_tok"])
        S.check(st == 200 and g == pop,
                "GET .../pop as Erika (answered it): 200, the same document",
                f"{st} {json.dumps(g, ensure_ascii=False)[:300]}")
        S.error_is("GET .../pop as Max (not offered): 403",
                   sb.api("GET", path, token=t["max_tok"]), 403,
                   f"call {rec} is not offered to you")
        S.error_is("Erika asking for Max's pop: 403",
                   sb.api("GET", f"{path}?agent_id={t['max']}",
                          token=t["erika_tok"]), 403,
                   "agent_id: an agent sees its own pop only")
        st, g = sb.api("GET", path, token=t["admin_tok"])
        S.check(st == 200 and g == pop,
                "GET .../pop as the client admin: 200, the same document",
                f"{st} {str(g)[:200]}")
        st, g = sb.api("GET", f"{path}?agent_id={t['erika']}")
        S.check(st == 200 and g == pop,
                "GET .../pop?agent_id=Erika as the operator: the same",
                f"{st} {str(g)[:200]}")
        S.error_is("GET .../pop as another tenant's client admin: 404",
                   sb.api("GET", path, token=t["other_tok"]), 404,
                   f"call {rec} not found")
        # security review: an agent token without an employee (an old
        # row) of another tenant must not see this tenant's pop
        S.error_is("GET .../pop with another tenant's agent token without "
                   "an employee: 403",
                   sb.api("GET", path, token=t["bare_agent_tok"]), 403,
                   "token: an agent token needs an employee")
        S.error_is("GET .../pop as another tenant's agent (not offered): "
                   "404", sb.api("GET", path, token=t["other_agent_tok"]),
                   404, f"call {rec} not found")
        S.error_is("the operator asking for Max's pop: 422",
                   sb.api("GET", f"{path}?agent_id={t['max']}"), 422,
                   f"agent_id: call {rec} is not offered to agent "
                   f"{t['max']}")
        S.error_is("GET .../pop of a call that does not exist: 404",
                   sb.api("GET", "/api/v1/calls/99999/pop"), 404,
                   "call 99999 not found")
        mc = er.mark()
        er.hangup()
        run.wait(20)
        S.check(run.successful == 1, "Erika hangs up: the VIP's call ends",
                f"rc={run.rc} {run.errors()[-300:]}")
        er.wait_event("CALL_CLOSED", 10, since=mc)
        wait_for(lambda: sb.api("GET", f"/api/v1/calls/{rec}")[1]
                 .get("ended_at"), 5, "the call record ends")
        S.error_is("GET .../pop once the call is over: 404",
                   sb.api("GET", path, token=t["erika_tok"]), 404,
                   f"pop of call {rec} not found: it is offered to no "
                   "agent now")
    finally:
        run.stop()


def test_forwarded_call(sb, t, rd, er, mx):
    """issue 17: a call the client forwarded to us arrives on a service
    number of another tenant with a Diversion header naming the client's
    number, and once more with a History-Info header (RFC 7044) instead;
    the forwarding leads to the client's queue, and Erika's pop is the
    client's, before her phone rings, both times."""
    st, f = sb.api("POST", "/api/v1/forwardings",
                   {"tenant_id": t["tid"], "number": "0221 555 00",
                    "target_type": "queue", "target_id": t["queue"]})
    sb.api("POST", "/api/v1/number_blocks",
           {"tenant_id": t["other"], "first": SERVICE_NUMBER,
            "last": SERVICE_NUMBER})
    st2, n = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": t["other"], "e164": SERVICE_NUMBER,
                     "target_type": "none", "forwarded_calls": True})
    S.check(st == 201 and st2 == 201,
            "the client's number forwarded to its queue; a service number "
            "of another tenant: 201", f"{st} {f} {st2} {n}")
    st, r = sb.api("POST", f"/api/v1/agents/{t['max']}/state",
                   {"action": "pause", "reason": "Pause"})
    S.check(st == 200, "Max pauses: the call is Erika's", f"{st} {r}")
    try:
        for what, hdr in (
                ("forwarded", "Diversion: <sip:+4922155500@carrier.example>"
                 ";reason=unconditional;counter=1"),
                ("forwarded (History-Info)",
                 "History-Info: <sip:+4922155500@carrier.example>;index=1,"
                 "<sip:" + SERVICE_NUMBER + "@127.0.0.1;cause=302>"
                 ";index=1.1")):
            wait_for(lambda: sb.api("GET", f"/api/v1/agents/{t['erika']}")[1]
                     .get("state") == "available", 10, "Erika available")
            forwarded_one(sb, t, rd, er, what, hdr)
    finally:
        act(sb, t["max"], "unpause")


def forwarded_one(sb, t, rd, er, what, hdr):
    """One forwarded call with header line hdr, answered and ended by
    Erika; its checks are named by what."""
    me, ne = er.mark(), len(rd["erika"].pops())
    run = Sipp("uac_queue_diverted", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=SERVICE_NUMBER,
               keys={"caller": "+4930111222", "hdr": hdr},
               timeout_s=90, recv_timeout_ms=60000).start()
    try:
        inc = incoming(er, me)
        S.check(inc is not None, f"{what}: the call rings Erika's phone")
        wait_for(lambda: len(rd["erika"].pops()) > ne, 5,
                 "the pop on Erika's stream")
        p = rd["erika"].pops()[ne] if len(rd["erika"].pops()) > ne else {}
        pop = p.get("pop") or {}
        S.check(p.get("tenant_id") == t["tid"] and
                p.get("queue_id") == t["queue"] and
                (pop.get("tenant") or {}).get("id") == t["tid"] and
                "Erika Musterfrau" in (pop.get("greeting") or ""),
                f"{what}: the pop is the client's (tenant, queue, the "
                "greeting with Erika's name)",
                json.dumps(clean(p), ensure_ascii=False)[:400])
        S.check(popped_first("erika", p, inc),
                f"{what}: the pop reached Erika's stream before her "
                "phone rang", order_detail("erika", p, inc))
        rec = p.get("record_id")
        st, call = sb.api("GET", f"/api/v1/calls/{rec}")
        S.check(st == 200 and call.get("tenant_id") == t["tid"] and
                call.get("forwarded_from") == "+4922155500" and
                call.get("to_number") == SERVICE_NUMBER,
                f"{what}: the record is the client's, forwarded from its "
                "number, to the service number", f"{st} {call}")
        er.accept()
        S.check(er.wait_event("CALL_ESTABLISHED", 10, since=me)
                is not None, f"{what}: Erika accepts")
        mc = er.mark()
        er.hangup()
        run.wait(20)
        S.check(run.successful == 1, f"{what}: Erika hangs up, the call "
                "ends", f"rc={run.rc} {run.errors()[-300:]}")
        er.wait_event("CALL_CLOSED", 10, since=mc)
    finally:
        run.stop()


def test_digits_call(sb, t, rd, er, mx):
    me, mm = er.mark(), mx.mark()
    ne = len(rd["erika"].pops())
    run = Sipp("uac_collect_info", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=INPUT_NUMBER, calls=1,
               timeout_s=60, recv_timeout_ms=20000).start()
    try:
        inc = incoming(mx, mm)
        S.check(inc is not None,
                "the caller from the digit input rings Max (idle longest)")
        mx.accept()
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=mm) is not None,
                "Max accepts the call")
        wait_for(lambda: rd["max"].pops(), 5, "the pop on Max's stream")
        pops = rd["max"].pops()
        p = pops[0] if pops else {}
        S.check(len(pops) == 1 and p.get("agent_id") == t["max"],
                "Max's stream: one pop, for him",
                json.dumps([clean(x) for x in pops])[:300])
        pop = p.get("pop") or {}
        check_pop(sb, t, pop, t["max"], "Max Mustermann", False,
                  {"Kundennummer": "24680"}, INFO_CALLER, "digit-input call")
        S.check(popped_first("max", p, inc),
                "the pop reached Max's stream before his phone reported "
                "the incoming call", order_detail("max", p, inc))
        S.check(len(rd["erika"].pops()) == ne and
                all(e.get("type") != "CALL_INCOMING"
                    for e in er.events[me:]),
                "Erika (not offered): no pop on her stream, her phone does "
                "not ring")
        run.wait(30)
        S.check(run.successful == 1,
                "the digit-input call: 24680#, 1, answered, hung up",
                f"rc={run.rc} {run.errors()[-300:]}")
    finally:
        run.stop()


def test_ring_all(sb, t, rd, er, mx):
    me, mm = er.mark(), mx.mark()
    pe, pm = len(rd["erika"].pops()), len(rd["max"].pops())
    po = len(rd["operator"].pops())
    run = Sipp("uac_queue_wait", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=RING_ALL_NUMBER,
               keys={"caller": "+4989123456"}, timeout_s=90,
               recv_timeout_ms=60000).start()
    try:
        ie, im = incoming(er, me), incoming(mx, mm)
        S.check(ie is not None and im is not None,
                "ring all: both phones ring")
        wait_for(lambda: len(rd["operator"].pops()) >= po + 2, 5,
                 "two pops on the operator's stream")
        # each stream is read by its own thread: wait for both (the order
        # against the ring is checked below by arrival sequence)
        wait_for(lambda: len(rd["erika"].pops()) > pe and
                 len(rd["max"].pops()) > pm, 5, "a pop on each stream")
        e, m = rd["erika"].pops()[pe:], rd["max"].pops()[pm:]
        ep = e[0].get("pop", {}) if e else {}
        mp = m[0].get("pop", {}) if m else {}
        S.check(len(e) == 1 and len(m) == 1 and
                ep.get("agent_id") == t["erika"] and
                mp.get("agent_id") == t["max"] and
                ep.get("queue_id") == t["queue2"] and
                ep.get("record_id") == mp.get("record_id") and
                "Erika Musterfrau" in ep.get("greeting", "") and
                "Max Mustermann" in mp.get("greeting", ""),
                "ring all: each agent's stream gets one pop, his own, with "
                "his name in the greeting",
                json.dumps([clean(x) for x in e + m],
                           ensure_ascii=False)[:400])
        S.check(e and m and popped_first("erika", e[0], ie) and
                popped_first("max", m[0], im),
                "ring all: each pop came before that agent's phone rang",
                order_detail("erika", e[0] if e else None, ie) + "; " +
                order_detail("max", m[0] if m else None, im))
        rec = ep.get("record_id")
        path = f"/api/v1/calls/{rec}/pop"
        st, g = sb.api("GET", path, token=t["max_tok"])
        S.check(st == 200 and g == mp,
                "ring all: GET .../pop as Max while both ring: his own",
                f"{st} {str(g)[:200]}")
        er.accept()
        S.check(er.wait_event("CALL_ESTABLISHED", 10, since=me) is not None
                and mx.wait_event("CALL_CLOSED", 10, since=mm) is not None,
                "Erika accepts: Max's phone stops ringing")
        S.error_is("ring all: once Erika answered, GET .../pop as Max: 403",
                   sb.api("GET", path, token=t["max_tok"]), 403,
                   f"call {rec} is not offered to you")
        st, g = sb.api("GET", path, token=t["erika_tok"])
        S.check(st == 200 and g == ep,
                "ring all: GET .../pop as Erika (answered): her pop",
                f"{st} {str(g)[:200]}")
        mc = er.mark()
        er.hangup()
        run.wait(20)
        er.wait_event("CALL_CLOSED", 10, since=mc)
        S.check(run.successful == 1, "Erika hangs up: the call ends",
                f"rc={run.rc} {run.errors()[-300:]}")
    finally:
        run.stop()


def act(sb, emp, action):
    return sb.api("POST", f"/api/v1/agents/{emp}/state", {"action": action})


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
        st1, _ = act(sb, t["erika"], "login")
        time.sleep(0.2)
        st2, _ = act(sb, t["max"], "login")
        S.check(st1 == 200 and st2 == 200,
                "Erika logs in, then Max (Erika idle longest)",
                f"{st1} {st2}")
        test_vip_call(sb, t, rd, er, mx)
        wait_for(lambda: sb.api("GET", f"/api/v1/agents/{t['erika']}")[1]
                 .get("state") == "available", 10, "Erika available")
        test_forwarded_call(sb, t, rd, er, mx)
        wait_for(lambda: sb.api("GET", f"/api/v1/agents/{t['erika']}")[1]
                 .get("state") == "available", 10, "Erika available")
        test_digits_call(sb, t, rd, er, mx)
        for a in ("erika", "max"):
            wait_for(lambda: sb.api("GET", f"/api/v1/agents/{t[a]}")[1]
                     .get("state") == "available", 15, f"{a} available")
        test_ring_all(sb, t, rd, er, mx)
    finally:
        close_streams(rd)
        mx.stop()
        er.stop()


def main():
    sb = Switchboard().start()
    try:
        t = setup(sb)
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
