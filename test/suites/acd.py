#!/usr/bin/python3
"""Hotline queues (ACD, issue 15): /api/v1/queues and /api/v1/agents.

  * Queues: created, read, listed and changed, the reply exactly what was
    sent with the defaults (longest_idle, ring 20 s, 3 misses, service
    level 20 s); bad queues refused with the error naming the field: a
    strategy that does not exist, ranges, a member that does not exist or
    is given twice, a tier out of range, a skill given twice or its level
    out of range, widening steps not in order or incomplete, a schedule
    or mailbox that does not exist, a limit target without its id, limit
    targets that lead back to the queue (A full -> B full -> A).  A number
    routes to a queue (target type "queue"); a queue still routed to
    cannot be deleted (409 naming the number), nor an employee who is a
    member (409 naming the queue).
  * Agents: the members are listed with their live state, queues (tier)
    and skills; skills set with exact errors; login, pause with a reason,
    unpause, logout and end of wrap-up, each refused with a 409 naming
    the agent's state when it does not fit; a state kept across a restart
    (paused "Mittag" is still paused).
  * Feature codes from Max's phone (baresip 1001): *52 resumes the pause
    kept across the restart, *51 logs out, *50 logs in, *52 pauses
    ("pause"); each call is answered, a sentence is spoken (the phone
    receives audio) and the server hangs up; the call record names the
    feature application.
  * Roles: a token of role "agent" (made by the admin for an employee)
    reads agents (no e-mail address anywhere) and changes its own state
    only: 403 for another agent's state, for skills, tokens, employees.
  * What a waiting caller hears, per queue: greeting (default null, a
    file under the prompts directory or the tenant's upload, which then
    cannot be deleted), announce_every 0-3600 s (default 60), say_position
    and say_wait (default true); each bad value refused naming the field.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_prompt  # noqa: E402

S = Suite("acd")
QUEUES = "/api/v1/queues"
AGENTS = "/api/v1/agents"


def post(sb, body):
    return sb.api("POST", QUEUES, body)


def test_queues(sb, ids):
    tid, ann, max_id, erika = ids
    base = {"tenant_id": tid, "name": "Technik",
            "members": [{"employee_id": max_id}, {"employee_id": erika}]}

    def bad(what, status, msg, **kw):
        S.error_is(what, post(sb, dict(base, **kw)), status, msg)

    bad("a strategy that does not exist: 422", 422,
        "strategy: must be ring_all, round_robin, longest_idle, "
        "fewest_calls or skills", strategy="random")
    bad("a ring timeout of 4 s: 422", 422,
        "ring_timeout: must be from 5 to 300 seconds", ring_timeout=4)
    bad("a wrap-up of 3601 s: 422", 422,
        "wrapup: must be from 0 to 3600 seconds", wrapup=3601)
    bad("100 misses: 422", 422, "max_misses: must be from 0 to 99",
        max_misses=100)
    bad("a service level of 0 s: 422", 422,
        "service_level: must be from 1 to 3600 seconds", service_level=0)
    bad("a queue of 1001 callers: 422", 422,
        "max_len: must be from 0 to 1000", max_len=1001)
    bad("a member that does not exist: 422", 422,
        "members[1].employee_id: employee 99999 does not exist",
        members=[{"employee_id": max_id}, {"employee_id": 99999}])
    bad("a member twice: 422", 422,
        f"members[1].employee_id: employee {max_id} is given twice",
        members=[{"employee_id": max_id}, {"employee_id": max_id}])
    bad("a member without employee_id: 422", 422,
        "members[0].employee_id: is required", members=[{"tier": 1}])
    bad("tier 10: 422", 422, "members[0].tier: must be from 0 to 9",
        members=[{"employee_id": max_id, "tier": 10}])
    bad("a member field that does not exist: 422", 422,
        "members[0].penalty: unknown field",
        members=[{"employee_id": max_id, "penalty": 1}])
    bad("a skill twice: 422", 422, "skills[1].skill: de is given twice",
        skills=[{"skill": "de"}, {"skill": "de", "min_level": 3}])
    bad("a skill level of 11: 422", 422,
        "skills[0].min_level: must be from 1 to 10",
        skills=[{"skill": "de", "min_level": 11}])
    bad("a skill without a name: 422", 422, "skills[0].skill: is required",
        skills=[{"min_level": 3}])
    bad("widening steps out of order: 422", 422,
        "widen[1].after: must be later than the step before (20 seconds)",
        widen=[{"after": 20, "max_tier": 1}, {"after": 20, "max_tier": 2}])
    bad("a widening step without max_tier: 422", 422,
        "widen[0].max_tier: is required", widen=[{"after": 20}])
    bad("a schedule that does not exist: 422", 422,
        "schedule_id: schedule 99999 does not exist", schedule_id=99999)
    bad("a mailbox that does not exist: 422", 422,
        "mailbox_id: voicemail 99999 does not exist", mailbox_id=99999)
    bad("a timeout target without its id: 422", 422,
        "timeout_id: is required for timeout_type announcement",
        timeout_type="announcement")
    bad("a full target that does not exist: 422", 422,
        "full_id: announcement 99999 does not exist",
        full_type="announcement", full_id=99999)

    st, q = post(sb, dict(base, strategy="skills", wrapup=30, max_wait=600,
                          members=[{"employee_id": max_id},
                                   {"employee_id": erika, "tier": 1}],
                          skills=[{"skill": "de", "min_level": 5,
                                   "relax_after": 30}],
                          widen=[{"after": 20, "max_tier": 1}],
                          no_agents_type="announcement", no_agents_id=ann))
    want = {"tenant_id": tid, "name": "Technik", "strategy": "skills",
            "ring_timeout": 20, "wrapup": 30, "max_misses": 3,
            "max_wait": 600, "max_len": 0, "service_level": 20,
            "schedule_id": None, "mailbox_id": None, "callback": False,
            "members": [{"employee_id": max_id, "tier": 0},
                        {"employee_id": erika, "tier": 1}],
            "timeout_type": "none", "timeout_id": None,
            "full_type": "none", "full_id": None,
            "no_agents_type": "announcement", "no_agents_id": ann,
            "closed_type": "none", "closed_id": None,
            "skills": [{"skill": "de", "min_level": 5, "relax_after": 30}],
            "widen": [{"after": 20, "max_tier": 1}],
            "greeting": None, "announce_every": 60, "say_position": True,
            "say_wait": True, "pool": False}
    got = {k: v for k, v in (q or {}).items() if k not in ("id",
                                                           "created_at")}
    S.check(st == 201 and got == want,
            "POST: 201, as sent, with the defaults", f"{st} {q}")
    st, r = sb.api("GET", f"{QUEUES}/{q['id']}")
    S.check(st == 200 and r == q, "GET returns the same", f"{st} {r}")
    st, lst = sb.api("GET", f"{QUEUES}?tenant_id={tid}")
    S.check(st == 200 and [x["id"] for x in lst] == [q["id"]],
            "the tenant's list holds it", f"{st} {lst}")
    S.error_is("the same name twice: 409", post(sb, base), 409,
               "name: Technik exists already")
    S.error_is("an unknown queue: 404", sb.api("GET", f"{QUEUES}/99999"),
               404, "queue 99999 not found")

    # B is full -> A; A full -> B loops
    st, b = post(sb, dict(base, name="Buchhaltung",
                          full_type="queue", full_id=q["id"]))
    S.check(st == 201 and b["full_type"] == "queue" and
            b["full_id"] == q["id"], "B full -> A: 201", f"{st} {b}")
    S.error_is("A full -> B (-> A) would loop: 422",
               sb.api("PATCH", f"{QUEUES}/{q['id']}",
                      {"full_type": "queue", "full_id": b["id"]}), 422,
               "timeout_id, full_id, no_agents_id or closed_id: leads back "
               "to this queue without the caller doing anything")
    st, p = sb.api("PATCH", f"{QUEUES}/{q['id']}",
                   {"strategy": "round_robin", "members":
                    [{"employee_id": erika, "tier": 2}]})
    S.check(st == 200 and p["strategy"] == "round_robin" and
            p["members"] == [{"employee_id": erika, "tier": 2}] and
            p["skills"] == want["skills"],
            "PATCH strategy and members (replaced whole, skills kept)",
            f"{st} {p}")
    st, p = sb.api("PATCH", f"{QUEUES}/{q['id']}",
                   {"members": [{"employee_id": max_id},
                                {"employee_id": erika, "tier": 1}]})
    S.check(st == 200 and len(p["members"]) == 2, "PATCH members back",
            f"{st} {p}")

    # a number routes to B; B cannot go, nor can a member
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+4922182829960",
                    "target_type": "queue",
                    "target_id": b["id"]})
    S.check(st == 201 and n["target_type"] == "queue" and
            n["target_id"] == b["id"], "a number to a queue: 201",
            f"{st} {n}")
    S.error_is("a number to a queue that does not exist: 422",
               sb.api("POST", "/api/v1/numbers",
                      {"tenant_id": tid, "e164": "+4922182829961",
                       "target_type": "queue",
                       "target_id": 99999}), 422,
               "target_id: queue 99999 does not exist")
    S.error_is("B routed to by the number: 409",
               sb.api("DELETE", f"{QUEUES}/{b['id']}"), 409,
               f"queue {b['id']} is in use by number {n['id']}")
    S.error_is("A, B's full target: 409",
               sb.api("DELETE", f"{QUEUES}/{q['id']}"), 409,
               f"queue {q['id']} is in use by queue {b['id']}")
    st, e = sb.api("POST", "/api/v1/employees",
                   {"tenant_id": tid, "first_name": "Paula",
                    "last_name": "Probe"})
    st2, c = post(sb, dict(base, name="Probe",
                           members=[{"employee_id": e["id"]}]))
    S.check(st == 201 and st2 == 201, "a queue with Paula", f"{st2} {c}")
    S.error_is("a member cannot be deleted: 409",
               sb.api("DELETE", f"/api/v1/employees/{e['id']}"), 409,
               f"employee {e['id']} is a member of queue {c['id']}; take "
               "it out of the queue first")
    st, _ = sb.api("DELETE", f"{QUEUES}/{c['id']}")
    st2, _ = sb.api("DELETE", f"/api/v1/employees/{e['id']}")
    S.check(st == 204 and st2 == 204,
            "the queue deleted, then its member", f"{st} {st2}")
    return q["id"]


def agent_state(sb, emp, body, token="__admin__"):
    return sb.api("POST", f"{AGENTS}/{emp}/state", body, token=token)


def test_agents(sb, ids, qid):
    tid, ann, max_id, erika = ids
    st, lst = sb.api("GET", f"{AGENTS}?tenant_id={tid}")
    got = [(a["employee_id"], a["name"], a["state"], a["queues"],
            a["skills"]) for a in (lst or [])]
    S.check(st == 200 and got == [
        (max_id, "Max Mustermann", "logged_out",
         [{"queue_id": qid, "name": "Technik", "tier": 0},
          {"queue_id": qid + 1, "name": "Buchhaltung", "tier": 0}], []),
        (erika, "Erika Musterfrau", "logged_out",
         [{"queue_id": qid, "name": "Technik", "tier": 1},
          {"queue_id": qid + 1, "name": "Buchhaltung", "tier": 0}], [])],
        "the members are agents, logged out, with queues and tiers",
        f"{st} {lst}")
    S.check(all("email" not in a for a in lst),
            "no e-mail address in an agent", f"{lst}")

    # skills
    S.error_is("a skill level of 11: 422",
               sb.api("PATCH", f"{AGENTS}/{max_id}",
                      {"skills": [{"name": "de", "level": 11}]}), 422,
               "skills[0].level: must be from 1 to 10")
    S.error_is("a skill twice: 422",
               sb.api("PATCH", f"{AGENTS}/{max_id}",
                      {"skills": [{"name": "de", "level": 1},
                                  {"name": "de", "level": 2}]}), 422,
               "skills[1].name: de is given twice")
    S.error_is("PATCH without skills: 422",
               sb.api("PATCH", f"{AGENTS}/{max_id}", {}), 422,
               "skills: is required")
    st, a = sb.api("PATCH", f"{AGENTS}/{max_id}",
                   {"skills": [{"name": "hosting", "level": 3},
                               {"name": "de", "level": 9}]})
    S.check(st == 200 and a["skills"] == [{"name": "de", "level": 9},
                                          {"name": "hosting", "level": 3}],
            "skills set (by name)", f"{st} {a}")

    # states
    S.error_is("an unknown agent: 404",
               agent_state(sb, 99999, {"action": "login"}), 404,
               "agent 99999 not found")
    S.error_is("an action that does not exist: 422",
               agent_state(sb, max_id, {"action": "sleep"}), 422,
               "action: must be login, logout, pause, unpause or "
               "end_wrapup")
    S.error_is("no action: 400", agent_state(sb, max_id, {}), 400,
               "action: is required")
    S.error_is("pause while logged out: 409",
               agent_state(sb, max_id, {"action": "pause",
                                        "reason": "Mittag"}), 409,
               f"action: agent {max_id} is logged out")
    st, a = agent_state(sb, max_id, {"action": "login"})
    S.check(st == 200 and a["state"] == "available" and
            a["reason"] is None and a["calls"] == 0,
            "login: available", f"{st} {a}")
    S.error_is("login twice: 409",
               agent_state(sb, max_id, {"action": "login"}), 409,
               f"action: agent {max_id} is logged in already")
    S.error_is("a reason with login: 422",
               agent_state(sb, max_id, {"action": "logout",
                                        "reason": "x"}), 422,
               "reason: is only given with pause")
    S.error_is("pause without a reason: 422",
               agent_state(sb, max_id, {"action": "pause"}), 422,
               "reason: is required for pause")
    S.error_is("end of wrap-up when not in wrap-up: 409",
               agent_state(sb, max_id, {"action": "end_wrapup"}), 409,
               f"action: agent {max_id} is not in wrap-up")
    st, a = agent_state(sb, max_id, {"action": "pause", "reason": "Mittag"})
    S.check(st == 200 and a["state"] == "paused" and
            a["reason"] == "Mittag", "pause with a reason", f"{st} {a}")
    S.error_is("pause twice: 409",
               agent_state(sb, max_id, {"action": "pause",
                                        "reason": "Mittag"}), 409,
               f"action: agent {max_id} is paused already")
    st, a = agent_state(sb, max_id, {"action": "unpause"})
    S.check(st == 200 and a["state"] == "available", "unpause",
            f"{st} {a}")
    S.error_is("unpause when not paused: 409",
               agent_state(sb, max_id, {"action": "unpause"}), 409,
               f"action: agent {max_id} is not paused")
    st, a = agent_state(sb, erika, {"action": "login"})
    st2, a2 = agent_state(sb, erika, {"action": "logout"})
    S.check(st == 200 and st2 == 200 and a2["state"] == "logged_out",
            "Erika logs in and out", f"{st2} {a2}")
    S.error_is("logout twice: 409",
               agent_state(sb, erika, {"action": "logout"}), 409,
               f"action: agent {erika} is logged out already")
    st, a = agent_state(sb, max_id, {"action": "pause", "reason": "Mittag"})
    S.check(st == 200 and a["state"] == "paused", "Max paused again",
            f"{st} {a}")


def test_roles(sb, ids):
    tid, ann, max_id, erika = ids
    st, t = sb.api("POST", f"{AGENTS}/{erika}/token", {})
    S.check(st == 201 and t["role"] == "agent" and
            t["employee_id"] == erika and t["tenant_id"] == tid and
            len(t["token"]) == 64, "an agent token for Erika: 201",
            f"{st} {t}")
    tok = t["token"]
    st, lst = sb.api("GET", AGENTS, token=tok)
    S.check(st == 200 and [a["employee_id"] for a in lst] ==
            [max_id, erika] and all("email" not in a for a in lst),
            "the agent reads the agents, no e-mail address", f"{st} {lst}")
    st, emps = sb.api("GET", "/api/v1/employees", token=tok)
    S.check(st == 200 and [e["id"] for e in emps] == [max_id, erika] and
            all("email" not in e and "cc" not in e for e in emps),
            "the agent reads employees, no e-mail or CC address",
            f"{st} {emps}")
    S.error_is("the agent creates an employee: 403",
               sb.api("POST", "/api/v1/employees",
                      {"name": "Eva Agent"}, token=tok), 403,
               "role agent may not POST /api/v1/employees")
    S.error_is("the agent changes Max's state: 403",
               agent_state(sb, max_id, {"action": "unpause"}, token=tok),
               403, "role agent may only change its own state")
    S.error_is("the agent sets skills: 403",
               sb.api("PATCH", f"{AGENTS}/{erika}",
                      {"skills": []}, token=tok), 403,
               f"role agent may not PATCH /api/v1/agents/{erika}")
    S.error_is("the agent makes a token: 403",
               sb.api("POST", f"{AGENTS}/{erika}/token", {}, token=tok),
               403, f"role agent may not POST /api/v1/agents/{erika}/token")
    st, a = agent_state(sb, erika, {"action": "login"}, token=tok)
    S.check(st == 200 and a["state"] == "available",
            "the agent logs itself in", f"{st} {a}")


def test_restart(sb, ids):
    tid, ann, max_id, erika = ids
    code = sb.stop()
    S.check(code == 0, "stopped cleanly", f"exit {code}: {sb.tail(30)}")
    sb.start()
    st, lst = sb.api("GET", f"{AGENTS}?tenant_id={tid}")
    got = {a["employee_id"]: (a["state"], a["reason"]) for a in lst or []}
    S.check(st == 200 and got == {max_id: ("paused", "Mittag"),
                                  erika: ("available", None)},
            "after a restart: Max still paused (Mittag), Erika logged in",
            f"{st} {lst}")


def test_phone(sb, ids):
    tid, ann, max_id, erika = ids
    srv = ("127.0.0.1", sb.sip_port)
    mx = Baresip("1001", DEMO["devices"]["1001"], server=srv, tone=800)
    mx.start()
    try:
        S.check(mx.wait_registered(10), "Max's phone registers")
        for code, state, reason in (("*52", "available", None),
                                    ("*51", "logged_out", None),
                                    ("*50", "available", None),
                                    ("*52", "paused", "pause")):
            m = mx.mark()
            mx.dial(f"sip:{code}@127.0.0.1:{sb.sip_port}")
            est = mx.wait_event("CALL_ESTABLISHED", 10, since=m)
            closed = mx.wait_event("CALL_CLOSED", 20, since=m)
            st, a = sb.api("GET", f"{AGENTS}/{max_id}")
            S.check(est is not None and closed is not None and st == 200
                    and (a["state"], a["reason"]) == (state, reason),
                    f"{code}: answered, spoken, hung up by the server; "
                    f"Max {state}", f"{est} {closed} {st} {a}")
        # the last sentence as synthesised (the newest file of the speech
        # cache) is what the phone heard
        sdir = os.path.join(sb.dir, "speech")
        wavs = sorted((os.path.join(sdir, f) for f in os.listdir(sdir)
                       if f.endswith(".wav")), key=os.path.getmtime) \
            if os.path.isdir(sdir) else []
        recs = mx.recordings()
        v = is_prompt(recs[-1], wavs[-1], law="pcmu", windows=0.8,
                      min_seconds=0.5) if recs and len(wavs) == 4 \
            else f"recordings {recs}, speech files {wavs}"
        S.check(not isinstance(v, str) and bool(v),
                "*52: Max hears the sentence as synthesised", str(v))
        st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}")
        feats = [c for c in calls or [] if c["callee_leg"] == "feature"]
        S.check(st == 200 and len(feats) == 4 and
                all(c["disposition"] == "answered" for c in feats),
                "four call records answered by the feature application",
                f"{st} {feats}")
    finally:
        mx.stop()


def wav_bytes(seconds=1.0):
    """An 8 kHz mono 16-bit WAV of a 440 Hz tone."""
    import io
    import math
    import struct
    import wave
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i /
                                                  8000)))
            for i in range(int(8000 * seconds))))
    return buf.getvalue()


def upload(sb, data, query):
    import json
    import urllib.error
    import urllib.request
    req = urllib.request.Request(
        f"http://127.0.0.1:{sb.http_port}/api/v1/prompts?{query}",
        data=data, method="POST")
    req.add_header("Authorization", f"Bearer {sb.token}")
    req.add_header("Content-Type", "audio/wav")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_waiting(sb, ids):
    """What a waiting caller hears, per queue: greeting (a file under the
    prompts directory or the tenant's upload; null: please_hold.wav),
    announce_every (0: on entry only), say_position, say_wait."""
    tid, ann, max_id, erika = ids
    base = {"tenant_id": tid, "name": "Wartend",
            "members": [{"employee_id": erika}]}
    S.error_is("announce_every 3601: 422",
               post(sb, dict(base, announce_every=3601)), 422,
               "announce_every: must be from 0 to 3600 seconds")
    S.error_is("announce_every -1: 422",
               post(sb, dict(base, announce_every=-1)), 422,
               "announce_every: must be from 0 to 3600 seconds")
    S.error_is("a greeting outside the prompts directory: 422",
               post(sb, dict(base, greeting="../etc/passwd")), 422,
               "greeting: must be a file name under the prompts directory")
    S.error_is("an absolute greeting path: 422",
               post(sb, dict(base, greeting="/etc/passwd")), 422,
               "greeting: must be a file name under the prompts directory")
    S.error_is("an upload that does not exist: 422",
               post(sb, dict(base, greeting="uploads/1/nope.wav")), 422,
               "greeting: uploads/1/nope.wav is no uploaded prompt")
    S.error_is("say_position not a bool: 400",
               post(sb, dict(base, say_position="yes")), 400,
               "say_position: must be true or false")
    S.error_is("say_wait not a bool: 400", post(sb, dict(base, say_wait=1)),
               400, "say_wait: must be true or false")
    st, pr = upload(sb, wav_bytes(), f"tenant_id={tid}&name=Warteansage"
                    "&purpose=greeting")
    S.check(st == 201 and pr.get("file", "").startswith(f"uploads/{tid}/"),
            "the tenant uploads a greeting: 201", f"{st} {pr}")
    st, q = post(sb, dict(base, greeting=pr.get("file"), announce_every=0,
                          say_position=False, say_wait=True))
    S.check(st == 201 and q.get("greeting") == pr.get("file") and
            q.get("announce_every") == 0 and q.get("say_position") is False
            and q.get("say_wait") is True,
            "a queue greeting with the upload, announcing on entry only, "
            "the wait but not the position: 201", f"{st} {q}")
    qid = q.get("id", 0)
    st, g = sb.api("GET", f"{QUEUES}/{qid}")
    S.check(st == 200 and g == q, "GET returns it exactly", f"{st} {g}")
    S.error_is("the greeting a queue plays is not deleted: 409",
               sb.api("DELETE", f"/api/v1/prompts/{pr.get('id')}"), 409,
               f"prompt {pr.get('id')} is in use by queue {qid} (Wartend); "
               "change that first")
    st, p = sb.api("PATCH", f"{QUEUES}/{qid}",
                   {"greeting": None, "announce_every": 3600,
                    "say_position": True})
    S.check(st == 200 and p.get("greeting") is None and
            p.get("announce_every") == 3600 and p.get("say_position") is True
            and p.get("say_wait") is True,
            "PATCH back to the default greeting, hourly, position too: 200",
            f"{st} {p}")
    st, _ = sb.api("DELETE", f"/api/v1/prompts/{pr.get('id')}")
    S.check(st == 204, "then the prompt is deleted: 204", str(st))
    st, _ = sb.api("DELETE", f"{QUEUES}/{qid}")
    S.check(st == 204, "the queue is deleted: 204", str(st))


def main():
    sb = Switchboard().start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        max_id = demo_ids(sb, "Max")[2]
        ids = (tid, ann, max_id, erika)
        qid = test_queues(sb, ids)
        if qid is None:
            raise RuntimeError("no queue to go on with")
        S.run(test_agents, sb, ids, qid)
        S.run(test_roles, sb, ids)
        S.run(test_restart, sb, ids)
        S.run(test_phone, sb, ids)
        S.run(test_waiting, sb, ids)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
