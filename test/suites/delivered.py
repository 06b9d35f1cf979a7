#!/usr/bin/env python3
"""delivered.py - "delivered" per channel of a call note (issue 17: "status
per channel (queued, sent, delivered, failed with reason) visible per
note"), with real peers on 127.0.0.1 and free ports:

  * a fake SMS gateway (notes.Receiver) that names each SMS in its answer
    ({"id": "gw-1"}, {"message_id": 4711}) and reports it to
    POST /api/v1/sms/status with the secret of --sms-status-token:
    delivered -> the row is delivered with delivered_at; failed -> failed
    with the generic "not delivered (gateway report)" (the gateway's text
    for the operator only); a second report changes nothing; the SMS is
    billed once either way
  * the route's answers: 401 without or with a wrong secret, 400 naming
    the field (no JSON object, no id, id not a string), 422 for a status
    other than delivered/failed, 404 for an id no SMS of ours has
  * a webhook receiver: its 2xx is delivered (delivered_at); its 500 is
    retried (pending, "HTTP 500") until it answers 200
  * the mail through an SMTP sink stays sent (nothing tells us more)
"""
import json
import os
import socket
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard, demo_ids, free_port  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402
from notes import Receiver  # noqa: E402

S = Suite("delivered")
V = "/api/v1"
STATUS_TOKEN = "gw-report-secret-0815"
MOBILE = "+4917012345678"

sb = None
sink = None
sms = None
hook = None
env = {}


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


def gateway_answer(n, body):
    """The fake gateway names its SMS: a string id, or for a text with
    "INT" (the caller's name) an integer message_id."""
    if b"INT" in body:
        return json.dumps({"message_id": 4700 + n}).encode()
    return json.dumps({"id": f"gw-{n}", "status": "accepted"}).encode()


def report(body, token=STATUS_TOKEN, raw=None):
    """POST /api/v1/sms/status as the gateway does."""
    return sb.api("POST", V + "/sms/status",
                  raw if raw is not None else body, token)


def setup():
    a, _, er = demo_ids(sb, "Erika")
    st, r = sb.api("PATCH", f"{V}/employees/{er}",
                   {"email": "erika@kunde.example", "mobile": MOBILE,
                    "sms": True})
    S.check(st == 200, "Erika gets e-mail and SMS: 200", f"{st} {r}")
    st, t = sb.api("POST", V + "/tokens", {"role": "agent", "tenant_id": a,
                                           "employee_id": er,
                                           "name": "agent"})
    S.check(st == 201, "an agent token: 201", f"{st} {t}")
    st, ca = sb.api("POST", V + "/tokens", {"role": "client_admin",
                                            "tenant_id": a, "name": "ca"})
    st, r = sb.api("PUT", f"{V}/tenants/{a}/note_settings",
                   {"webhook_url": f"http://127.0.0.1:{hook.port}/hook"},
                   ca["token"])
    S.check(st == 200 and r.get("webhook_secret"),
            "the client's webhook: 200 with its secret", f"{st} {r}")
    env.update(a=a, erika=er, agent=t["token"], ca=ca["token"])


def new_note(concern, caller="Hans Anrufer"):
    return sb.api("POST", V + "/notes",
                  {"employee_ids": [env["erika"]],
                   "caller_name": caller, "concern": concern},
                  env["agent"])


def deliveries(nid, token=None):
    st, d = sb.api("GET", f"{V}/notes/{nid}/deliveries",
                   token=token or env["ca"])
    return {x["channel"]: x for x in d} if st == 200 else {}


def settled(nid):
    """The note's three deliveries once none is pending or sending."""
    d = deliveries(nid)
    return d if len(d) == 3 and all(
        x["state"] not in ("pending", "sending") for x in d.values()) \
        else None


def gateway_id(nid):
    """The id the fake gateway gave the SMS of note nid."""
    for i, g in enumerate(sms.got):
        if f"/notes/{nid}/open" in json.loads(g[2])["text"]:
            return json.loads(gateway_answer(i + 1, g[2]))
    return {}


def charges(nid):
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    n = db.execute("SELECT count(*), sum(cents) FROM sms_charges WHERE "
                   "note_id = ?", (nid,)).fetchone()
    db.close()
    return n


def test_delivered():
    st, n = new_note("Bitte um Rückruf")
    S.check(st == 201, "a note: 201", f"{st} {n}")
    d = wait_for(lambda: settled(n["id"]), 15) or {}
    S.check(d.get("webhook", {}).get("state") == "delivered" and
            d["webhook"]["delivered_at"] and d["webhook"]["sent_at"] and
            d["webhook"]["attempts"] == 1,
            "the webhook receiver's 200: delivered, with delivered_at",
            repr(d.get("webhook")))
    S.check(d.get("mail", {}).get("state") == "sent" and
            d["mail"]["delivered_at"] is None,
            "the mail: sent (the mail server took it; no more is known), "
            "delivered_at null", repr(d.get("mail")))
    S.check(d.get("sms", {}).get("state") == "sent" and
            d["sms"]["delivered_at"] is None,
            "the SMS: sent until the gateway reports it", repr(d.get("sms")))
    gid = gateway_id(n["id"]).get("id")
    S.check(gid and gid.startswith("gw-"), "the gateway named the SMS",
            repr(gid))
    env.update(note=n["id"], gid=gid, sms_outbox=d.get("sms", {}).get(
        "outbox_id"))

    # the route's refusals, before anything changes
    S.check(report({"id": gid, "status": "delivered"}, token=None) ==
            (401, {"error": "missing or invalid token"}),
            "a report without the secret: 401", "")
    S.check(report({"id": gid, "status": "delivered"}, token="wrong") ==
            (401, {"error": "missing or invalid token"}),
            "a report with a wrong secret: 401", "")
    S.check(report({"id": gid, "status": "delivered"},
                   token=STATUS_TOKEN[:-1] + "X") ==
            (401, {"error": "missing or invalid token"}),
            "a report with a wrong secret of the right length: 401", "")
    S.check(report({"id": gid, "status": "delivered"},
                   token=env["ca"])[0] == 401,
            "an API token is no gateway secret: 401", "")
    S.check(report(None, raw="id=1") ==
            (400, {"error": "body: invalid JSON"}),
            "a body that is no JSON: 400", "")
    S.check(report({"status": "delivered"}) ==
            (400, {"error": "id: is required"}), "no id: 400 naming id", "")
    S.check(report({"id": 17, "status": "delivered"}) ==
            (400, {"error": "id: must be the gateway's message id (a "
                   "string of 1 to 127 bytes)"}),
            "an id that is no string: 400 naming id", "")
    S.check(report({"id": gid}) == (400, {"error": "status: is required"}),
            "no status: 400 naming status", "")
    S.check(report({"id": gid, "status": "lost"}) ==
            (422, {"error": "status: must be delivered or failed"}),
            "status lost: 422 naming status", "")
    S.check(report({"id": "gw-99999", "status": "delivered"}) ==
            (404, {"error": "id: no SMS with this id"}),
            "an id no SMS of ours has: 404", "")
    S.check(deliveries(n["id"]).get("sms", {}).get("state") == "sent",
            "... and the SMS is still sent", "")

    st, r = report({"id": gid, "status": "delivered", "reason": None})
    S.check(st == 200 and r.get("outbox_id") == env["sms_outbox"] and
            r.get("state") == "delivered" and r.get("delivered_at"),
            "the gateway reports it delivered: 200 with the row",
            f"{st} {r}")
    s = deliveries(n["id"]).get("sms", {})
    S.check(s.get("state") == "delivered" and
            s.get("delivered_at") == r.get("delivered_at") and
            s.get("last_error") is None,
            "GET /notes/:id/deliveries: the SMS delivered, delivered_at",
            repr(s))
    st, r2 = report({"id": gid, "status": "failed", "reason": "late"})
    S.check(st == 200 and r2.get("state") == "delivered" and
            r2.get("delivered_at") == r.get("delivered_at"),
            "a second, contrary report: the first outcome stays",
            f"{st} {r2}")
    S.check(charges(n["id"]) == (1, 10),
            "the SMS is billed once: 10 cents", repr(charges(n["id"])))
    st, o = sb.api("GET", f"{V}/outbox/{env['sms_outbox']}")
    S.check(st == 200 and o["state"] == "delivered" and
            o["delivered_at"] == r.get("delivered_at"),
            "the operator's outbox row: delivered, delivered_at", f"{st} {o}")


def test_failed():
    st, n = new_note("Rückruf erbeten", caller="Ina INT")
    d = wait_for(lambda: settled(n["id"]), 15) or {}
    gid = gateway_id(n["id"]).get("message_id")
    S.check(st == 201 and d.get("sms", {}).get("state") == "sent" and
            isinstance(gid, int),
            "a gateway that answers an integer message_id: the SMS sent",
            f"{st} {gid} {d.get('sms')}")
    st, r = report({"id": str(gid), "status": "failed",
                    "reason": f"absent subscriber {MOBILE}"})
    S.check(st == 200 and r.get("state") == "failed" and
            r.get("delivered_at") is None,
            "the integer id as a string, reported failed: 200, failed",
            f"{st} {r}")
    s = deliveries(n["id"]).get("sms", {})
    S.check(s.get("state") == "failed" and
            s.get("last_error") == "not delivered (gateway report)",
            "the note's delivery: failed with the generic reason (no "
            "number)", repr(s))
    st, o = sb.api("GET", f"{V}/outbox/{s.get('outbox_id')}")
    S.check(st == 200 and o.get("last_error") ==
            f"gateway report: absent subscriber {MOBILE}",
            "the operator's outbox keeps the gateway's reason", f"{st} {o}")
    S.check(charges(n["id"]) == (1, 10),
            "the SMS the gateway took is billed (10 cents) even so",
            repr(charges(n["id"])))


def test_webhook_retry():
    hook.status = 500
    st, n = new_note("Webhook-Empfänger gestört")

    def hook_of():
        return deliveries(n["id"]).get("webhook", {})
    h = wait_for(lambda: (lambda x: x if x.get("attempts", 0) >= 1 and
                          x["state"] == "pending" else None)(hook_of()), 15)
    S.check(st == 201 and h and h["last_error"] == "HTTP 500" and
            h["delivered_at"] is None,
            "the receiver's 500: retried (pending, \"HTTP 500\")", repr(h))
    hook.status = 200
    h = wait_for(lambda: (lambda x: x if x.get("state") == "delivered"
                          else None)(hook_of()), 15)
    S.check(h and h["attempts"] >= 2 and h["delivered_at"] and
            h["last_error"] is None,
            "... and delivered once it answers 200", repr(h))


def main():
    global sb, sink, sms, hook
    sink = SmtpSink(free_port(socket.SOCK_STREAM))
    sink.start()
    sms = Receiver(answer=gateway_answer)
    hook = Receiver()
    try:
        sb = Switchboard(extra_args=[
            "--smtp-url", f"smtp://127.0.0.1:{sink.port}",
            "--sms-gateway-url", f"http://127.0.0.1:{sms.port}/send",
            "--outbox-retry-base", "1", "--outbox-retry-max", "1",
            "--webhook-allow-loopback"],
            env={"SWITCHBOARD_SMS_STATUS_TOKEN": STATUS_TOKEN})
        sb.start()
        S.run(setup)
        S.run(test_delivered)
        S.run(test_failed)
        S.run(test_webhook_retry)
        code = sb.stop()
        S.check(code == 0, "the server stops cleanly (no leaks)",
                f"exit {code}\n{sb.tail(30)}")
        S.check(STATUS_TOKEN not in sb.logtext(),
                "the gateway's secret is not in the log", "")
    finally:
        if sb:
            sb.cleanup()
        sink.stop()
        sms.stop()
        hook.stop()
    S.finish()


if __name__ == "__main__":
    main()
