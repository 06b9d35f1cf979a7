#!/usr/bin/python3
"""VIP callers, what travels with a queue call to the agent, the queue's
greeting, and transfers into a queue (issue 15), with real peers.

  * /api/v1/vips: created with the number normalised to E.164 in the
    tenant's dialling context and read back exactly; listed per tenant;
    PATCH; each bad field a 422 naming it (a number that is none or an
    extension, no name, too long a note, an unknown field, an unknown
    tenant); the same number again (written another way) 409; unknown ids
    404; DELETE 204 then 404; an agent's token reads (issue 16), may not
    write (403).  A digit input may not
    take the label "vip" (the VIP mark).
  * Priority and what the agent gets: Erika (baresip 1002, tracing SIP)
    is the only member of a queue whose greeting is de/greeting.wav and
    which announces nothing (announce_every 0, say_position and say_wait
    false).  She is logged in and paused.  Max (baresip 1001) calls a
    digit input in front of the queue, types 4711# and confirms with 1,
    and waits; he hears the queue's greeting, not the default
    please_hold.wav.  Then a trunk caller (sipp) whose caller ID is on
    the VIP list, written nationally there, calls the queue.  Erika
    resumes: the VIP, who came second, is offered first; her INVITE
    carries "X-Switchboard-Collected: vip=Dr.%20Anna%20Schmitz"; she
    hangs up, the VIP's call ends (sipp's BYE answered); then Max's call
    rings her with "X-Switchboard-Collected: Kundennummer=4711" and no
    vip.  The events stream (an admin's WebSocket) has the queue joined
    events with and without "vip", the bridged call events with "vip" and
    "collected", in order.
  * Transfers into the queue (Erika available): a carrier calls Max's
    personal number, Max (baresip 1001) answers and transfers blind with
    his phone's REFER to the queue's number: the caller joins the queue,
    Erika's phone rings and answers it, Max is hung up.  The same through
    the API (POST /api/v1/calls/:id/transfer, to {"type": "queue"}): 202,
    Erika answers the caller, Max is hung up.
"""
import hashlib
import json
import os
import re
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import (DEMO, PROMPTS, demo_ids, Suite, Switchboard,  # noqa: E402
                live_call)
from peers import Baresip, Sipp, wait_for  # noqa: E402
from audio import is_prompt  # noqa: E402
from ws import WsClient  # noqa: E402

S = Suite("vip")
PW = DEMO["devices"]
QUEUE_NUMBER = "+4922182829971"
INPUT_NUMBER = "+4922182829972"
VIP_CALLER = "+4930777888"  # on the list as "030 777888"
HDR = "X-Switchboard-Collected"


def add_token(sb, role, tenant_id):
    token = os.urandom(32).hex()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        con.execute("INSERT INTO api_tokens (token_sha256, role, tenant_id,"
                    " name, created_at) VALUES (?, ?, ?, ?, ?)",
                    (hashlib.sha256(token.encode()).hexdigest(), role,
                     tenant_id, f"test {role}", 0))
        con.commit()
    finally:
        con.close()
    return token


def test_api(sb, tid, erika):
    post = lambda b: sb.api("POST", "/api/v1/vips", b)  # noqa: E731
    st, v = post({"tenant_id": tid, "number": "030 777888",
                  "name": "Dr. Anna Schmitz",
                  "note": "Vorstand, sofort durchstellen"})
    S.check(st == 201 and v.get("number") == VIP_CALLER and
            v.get("name") == "Dr. Anna Schmitz" and
            v.get("note") == "Vorstand, sofort durchstellen" and
            v.get("tenant_id") == tid and
            sorted(v) == ["created_at", "employee_id", "id", "name", "note",
                          "number", "tenant_id"],
            "a VIP: 201, 030 777888 stored as +4930777888", f"{st} {v}")
    vid = v.get("id", 0)
    st, g = sb.api("GET", f"/api/v1/vips/{vid}")
    S.check(st == 200 and g == v, "GET returns it exactly", f"{st} {g}")
    S.error_is("the same number again, written another way: 409",
               post({"tenant_id": tid, "number": "+49 30 777888",
                     "name": "Anna"}), 409,
               f"number: +4930777888 is a VIP of tenant {tid} already")
    S.error_is("a number that is none: 422",
               post({"tenant_id": tid, "number": "abc", "name": "X"}), 422,
               "number: abc is not a valid E.164 phone number")
    S.error_is("an extension: 422",
               post({"tenant_id": tid, "number": "12", "name": "X"}), 422,
               "number: 12 is not a valid E.164 phone number")
    st, b = post({"tenant_id": tid, "number": "+4930111222"})
    S.check(st in (400, 422) and b.get("error", "").startswith("name: "),
            "no name: refused naming name", f"{st} {b}")
    S.error_is("an empty name: 422",
               post({"tenant_id": tid, "number": "+4930111222",
                     "name": ""}), 422, "name: must not be empty")
    S.error_is("a note of 256 characters: 400",
               post({"tenant_id": tid, "number": "+4930111222", "name": "X",
                     "note": "n" * 256}), 400,
               "note: longer than 255 characters")
    S.error_is("an unknown field: 400",
               post({"tenant_id": tid, "number": "+4930111222", "name": "X",
                     "client": 1}), 400, "client: unknown field")
    st, b = post({"tenant_id": 99999, "number": "+4930111222", "name": "X"})
    S.check(st == 422 and b.get("error", "").startswith("tenant_id: "),
            "an unknown tenant: 422 naming tenant_id", f"{st} {b}")
    st, v2 = post({"tenant_id": tid, "number": "+4930111222",
                   "name": "Herr Weber"})
    S.check(st == 201 and v2.get("note") is None,
            "a second VIP without note: 201, note null", f"{st} {v2}")
    st, p = sb.api("PATCH", f"/api/v1/vips/{v2.get('id')}",
                   {"name": "Hr. Weber", "note": "Einkauf"})
    S.check(st == 200 and p.get("name") == "Hr. Weber" and
            p.get("note") == "Einkauf" and p.get("number") == "+4930111222",
            "PATCH name and note: 200", f"{st} {p}")
    S.error_is("PATCH to the first VIP's number: 409",
               sb.api("PATCH", f"/api/v1/vips/{v2.get('id')}",
                      {"number": "030777888"}), 409,
               f"number: +4930777888 is a VIP of tenant {tid} already")
    st, lst = sb.api("GET", f"/api/v1/vips?tenant_id={tid}")
    S.check(st == 200 and [x["number"] for x in lst] ==
            [VIP_CALLER, "+4930111222"], "the tenant's list: both, by id",
            f"{st} {lst}")
    S.error_is("GET an unknown id: 404", sb.api("GET", "/api/v1/vips/99999"),
               404, "vip 99999 not found")
    st, _ = sb.api("DELETE", f"/api/v1/vips/{v2.get('id')}")
    S.check(st == 204, "DELETE: 204", str(st))
    S.error_is("DELETE again: 404",
               sb.api("DELETE", f"/api/v1/vips/{v2.get('id')}"), 404,
               f"vip {v2.get('id')} not found")
    agent = add_token(sb, "agent", tid)
    st, b = sb.api("GET", "/api/v1/vips", token=agent)
    S.check(st == 200 and [x["number"] for x in b] == [VIP_CALLER],
            "an agent's token reads its tenant's VIPs (issue 16)",
            f"{st} {b}")
    st, b = sb.api("POST", "/api/v1/vips", {"tenant_id": tid,
                                            "number": "+4930111222",
                                            "name": "X"}, token=agent)
    S.check(st == 403, "an agent's token may not add one: 403",
            f"{st} {b}")
    S.error_is("a digit input labelled vip: 422",
               sb.api("POST", "/api/v1/digit_inputs",
                      {"tenant_id": tid, "name": "X", "label": "VIP",
                       "target_type": "employee", "target_id": erika}),
               422, "label: VIP is the VIP mark of a call; choose another")
    return vid


class Reader(threading.Thread):
    """Reads a stream's events in the background."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.c = client
        self.events = []
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                self.events.append(self.c.event(0.2))
            except socket.timeout:
                continue
            except Exception:  # noqa: BLE001 - the checks see what came
                return


def act(sb, emp, action, reason=None):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    return sb.api("POST", f"/api/v1/agents/{emp}/state", body)


def agent_state(sb, emp):
    st, a = sb.api("GET", f"/api/v1/agents/{emp}")
    return (a or {}).get("state")


def invites(log):
    """(From user, [X-Switchboard-Collected values]) of each INVITE in a
    baresip SIP trace, one per Call-ID, in order."""
    out = {}
    for msg in re.split(r"\n(?=INVITE sip:)", log):
        if not msg.startswith("INVITE sip:"):
            continue
        head = msg.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
        cid = re.search(r"^Call-ID: *(\S+)", head, re.M | re.I)
        frm = re.search(r"^From:[^<\n]*<sip:([^@>]+)@", head, re.M | re.I)
        hdr = re.findall(rf"^{HDR}: *(\S+)", head, re.M)
        if cid and cid.group(1) not in out:
            out[cid.group(1)] = (frm.group(1) if frm else None, hdr)
    return list(out.values())


def setup_queue(sb, tid, erika):
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "VIP-Hotline",
                    "strategy": "ring_all", "ring_timeout": 15,
                    "greeting": "de/greeting.wav", "announce_every": 0,
                    "say_position": False, "say_wait": False,
                    "members": [{"employee_id": erika}]})
    S.check(st == 201 and q.get("greeting") == "de/greeting.wav" and
            q.get("announce_every") == 0 and q.get("say_position") is False
            and q.get("say_wait") is False,
            "a queue with Erika, greeting de/greeting.wav, no "
            "announcements: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": QUEUE_NUMBER,
                    "target_type": "queue", "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    st, d = sb.api("POST", "/api/v1/digit_inputs",
                   {"tenant_id": tid, "name": "Kundennummer",
                    "label": "Kundennummer", "min_digits": 4,
                    "max_digits": 8, "terminator": "#",
                    "target_type": "queue", "target_id": q["id"]})
    S.check(st == 201, "a digit input in front of the queue: 201",
            f"{st} {d}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": INPUT_NUMBER,
                    "target_type": "digit_input", "target_id": d.get("id")})
    S.check(st == 201, "a number routed to the digit input: 201",
            f"{st} {n}")
    return q["id"]


def test_priority(sb, tid, erika, qid):
    srv = ("127.0.0.1", sb.sip_port)
    er = Baresip("1002", PW["1002"], server=srv, tone=1000, sip_trace=True,
                 keep_dir=True)
    mx = Baresip("1001", PW["1001"], server=srv, tone=800)
    ws = WsClient(sb.http_port, token=sb.token)
    S.check(ws.connect() == 101, "an admin's event stream: 101")
    rd = Reader(ws)
    rd.start()
    vip_run = None
    er.start()
    mx.start()
    try:
        S.check(er.wait_registered(10) and mx.wait_registered(10),
                "Erika's and Max's phones register")
        st1, _ = act(sb, erika, "login")
        st2, _ = act(sb, erika, "pause", "Pause")
        S.check(st1 == 200 and st2 == 200 and
                agent_state(sb, erika) == "paused",
                "Erika logs in and pauses", f"{st1} {st2}")
        # Max: the digit input, 4711#, confirmed with 1, then the queue
        m = mx.mark()
        mx.dial(f"sip:{INPUT_NUMBER}@127.0.0.1:{sb.sip_port}")
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m) is not None,
                "Max's call to the digit input is answered")
        time.sleep(2.0)
        mx.send_dtmf("4711#")
        time.sleep(2.5)
        mx.send_dtmf("1")
        wait_for(lambda: any(e.get("class") == "queue" and
                             e.get("type") == "joined"
                             for e in rd.events), 15,
                 "Max joins the queue")
        time.sleep(3.0)  # the greeting (2 s) and the all-busy notice
        # the VIP from the trunk, second in the queue
        vip_run = Sipp("uac_queue_wait", remote=srv,
                       local_port=sb.trunk_port, service=QUEUE_NUMBER,
                       keys={"caller": VIP_CALLER}, timeout_s=90,
                       recv_timeout_ms=60000).start()
        wait_for(lambda: sum(1 for e in rd.events
                             if e.get("class") == "queue" and
                             e.get("type") == "joined") >= 2, 15,
                 "the VIP joins the queue")
        joined = [e for e in rd.events if e.get("class") == "queue" and
                  e.get("type") == "joined"]
        S.check(joined[0].get("position") == 1 and "vip" not in joined[0]
                and joined[0].get("collected") == {"Kundennummer": "4711"},
                "Max's joined event: position 1, collected Kundennummer "
                "4711, no vip", json.dumps(joined[0]))
        S.check(joined[1].get("position") == 1 and
                joined[1].get("vip") == {"name": "Dr. Anna Schmitz"} and
                "collected" not in joined[1],
                "the VIP's joined event: position 1 (before Max), vip "
                "{name}", json.dumps(joined[1]))
        recs = mx.recordings()
        v = is_prompt(os.path.join(PROMPTS, "de", "greeting.wav"),
                      recs[-1], law="pcmu", windows=0.8, min_seconds=0.5) \
            if recs else "no recording"
        S.check(v, "Max hears the queue's greeting (de/greeting.wav)",
                str(v))
        v = is_prompt(os.path.join(PROMPTS, "de", "please_hold.wav"),
                      recs[-1], law="pcmu", windows=0.8, min_seconds=0.5) \
            if recs else True
        S.check(not v, "... and not the default please_hold.wav", str(v))

        me = er.mark()
        st, _ = act(sb, erika, "unpause")
        S.check(st == 200, "Erika resumes", str(st))
        S.check(er.wait_event("CALL_ESTABLISHED", 10, since=me) is not None,
                "Erika's phone rings and answers the first call")
        time.sleep(1.0)
        me = er.mark()
        er.hangup()
        vip_run.wait(20)
        S.check(vip_run.successful == 1,
                "Erika hangs up: the VIP's call ends (the server's BYE "
                "answered)", f"rc={vip_run.rc} {vip_run.errors()[-300:]}")
        S.check(er.wait_event("CALL_ESTABLISHED", 15, since=me) is not None,
                "then Erika's phone rings for Max and answers")
        time.sleep(1.0)
        mm = mx.mark()
        mx.hangup()
        mx.wait_event("CALL_CLOSED", 10, since=mm)
        S.check(er.wait_event("CALL_CLOSED", 10, since=me) is not None,
                "Max hangs up: Erika's call ends")
        time.sleep(0.5)
    finally:
        rd.stop = True
        rd.join(3)
        ws.abort()
        if vip_run:
            vip_run.stop()
        mx.stop()
        er.stop(cleanup=False)
    got = invites(er.log())
    er.cleanup()
    want = [(VIP_CALLER, ["vip=Dr.%20Anna%20Schmitz"]),
            ("1001", ["Kundennummer=4711"])]
    S.check(got == want,
            "Erika's INVITEs: the VIP first with X-Switchboard-Collected: "
            "vip=Dr.%20Anna%20Schmitz, then Max with Kundennummer=4711",
            f"got {got}, want {want}")
    left = [e for e in rd.events if e.get("class") == "queue" and
            e.get("type") == "left"]
    S.check([(e.get("reason"), e.get("agent_id"), e.get("vip"),
              e.get("collected")) for e in left] ==
            [("answered", erika, {"name": "Dr. Anna Schmitz"}, None),
             ("answered", erika, None, {"Kundennummer": "4711"})],
            "left events: the VIP answered by Erika first (vip), then Max "
            "(collected)", json.dumps(left))
    bridged = [e for e in rd.events if e.get("class") == "call" and
               e.get("type") == "bridged"]
    S.check([(e.get("from"), e.get("vip"), e.get("collected"),
              (e.get("target_employee") or {}).get("id"))
             for e in bridged] ==
            [(VIP_CALLER, {"name": "Dr. Anna Schmitz"}, None, erika),
             ("1001", None, {"Kundennummer": "4711"}, erika)],
            "the call events: bridged to Erika, the VIP's with vip, Max's "
            "with collected", json.dumps(bridged))
    st, calls = sb.api("GET", f"/api/v1/calls?tenant_id={tid}&limit=5")
    c = [x for x in calls or [] if x["from_number"] == VIP_CALLER]
    S.check(st == 200 and c and
            c[0].get("collected") == {"vip": "Dr. Anna Schmitz"},
            "the VIP's call record: the mark among its values",
            f"{st} {c[:1]}")


def transfer_case(sb, erika, qid, how):
    """A carrier calls Max, who answers and hands the caller to the
    queue (how: "phone" REFER, "api" POST transfer); Erika answers."""
    srv = ("127.0.0.1", sb.sip_port)
    mx = Baresip("1001", PW["1001"], server=srv, tone=800)
    er = Baresip("1002", PW["1002"], server=srv, tone=1000)
    uac = None
    mx.start()
    er.start()
    try:
        S.check(mx.wait_registered(10) and er.wait_registered(10),
                f"{how}: Max's and Erika's phones register")
        uac = Sipp("uac", remote=srv, local_port=sb.trunk_port,
                   service=DEMO["max_personal"], calls=1, duration_ms=12000,
                   timeout_s=60, recv_timeout_ms=30000).start()
        S.check(mx.wait_event("CALL_ESTABLISHED", 10) is not None,
                f"{how}: Max answers a carrier's call")
        me = er.mark()
        if how == "phone":
            r = mx.command("transfer",
                           f"sip:{QUEUE_NUMBER}@127.0.0.1:{sb.sip_port}")
            S.check(r.get("ok") is True,
                    "phone: Max's phone sends REFER to the queue's number",
                    str(r))
        else:
            call = live_call(sb, DEMO["max_personal"])
            cid = call["id"] if call else 0
            st, b = sb.api("POST", f"/api/v1/calls/{cid}/transfer",
                           {"mode": "blind",
                            "to": {"type": "queue", "id": qid}})
            S.check(st == 202 and b == {"id": cid, "mode": "blind"},
                    "api: blind transfer to the queue: 202", f"{st} {b}")
        est = er.wait_event("CALL_ESTABLISHED", 15, since=me)
        S.check(est is not None and "sip:sipp@" in est.get("peeruri", ""),
                f"{how}: the caller lands in the queue and Erika answers "
                "it", str(est))
        S.check(mx.wait_event("CALL_CLOSED", 10) is not None,
                f"{how}: Max (the transferor) is hung up")
        S.check(agent_state(sb, erika) == "on_call",
                f"{how}: Erika is on a call of the queue",
                str(agent_state(sb, erika)))
        uac.wait(40)
        S.check(uac.successful == 1,
                f"{how}: the carrier's call goes on and ends normally",
                f"rc={uac.rc} {uac.errors()[-300:]}")
        S.check(er.wait_event("CALL_CLOSED", 10, since=me) is not None,
                f"{how}: ... which ends Erika's call")
        wait_for(lambda: agent_state(sb, erika) == "available", 10,
                 "Erika available again")
    finally:
        if uac:
            uac.stop()
        mx.stop()
        er.stop()


def test_transfers(sb, tid, erika, qid):
    st, _ = sb.api("PATCH", f"/api/v1/queues/{qid}", {"wrapup": 0})
    S.check(st == 200 and agent_state(sb, erika) == "available",
            "Erika is available for the transfers",
            f"{st} {agent_state(sb, erika)}")
    transfer_case(sb, erika, qid, "phone")
    transfer_case(sb, erika, qid, "api")


def main():
    sb = Switchboard().start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        vid = None

        def api():
            nonlocal vid
            vid = test_api(sb, tid, erika)
        S.run(api)
        qid = setup_queue(sb, tid, erika)
        if vid:
            S.run(test_priority, sb, tid, erika, qid)
        S.run(test_transfers, sb, tid, erika, qid)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
