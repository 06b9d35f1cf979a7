#!/usr/bin/python3
"""Billing, first slice (issue 18): tariffs and the itemised bill, with
real calls.

  * Tariffs: the list price of seeds/002 and /001 (59 c acceptance after
    more than 15 s, 59 c/min per second, wrap-up counted up to 120 s,
    10 c per SMS, VAT 19 %, 48 h trial) read by the client admin; a
    client's own tariff made by the operator (the fields not given are
    the list price's), refused with the field named (a bad date, a VAT
    over 100 %, the same first day twice: 409); the client admin may not
    make one (403).
  * Real calls: sipp from the trunk to a queue (wrap-up 3 s), Erika's
    phone (baresip 1002) answers; one call talks ~17 s (pays the
    acceptance fee), one ~2 s (does not) and ends its wrap-up early
    through the API; one she passes on to Max (1001) after consulting
    him (attended transfer API): its line counts her time up to the
    transfer, not Max's after it; a fourth is still running when the
    bill is read (not on it).  A call note to Erika goes out by SMS
    through a fake gateway (sent: counted); a second one is refused by
    the gateway (401, failed: not counted).
  * The bill of this Berlin month: first in the trial (the demo tenant
    was made just now): the calls listed with 0 and "trial", the SMS
    free; then with a tariff from today without trial: every line's talk
    and wrap-up seconds equal the records (queue visits: handle time,
    wrap-up start and end), the fee and why, the exact amount in 1/60
    cent and the cents, the SMS, net (the exact sum rounded once), VAT
    and gross to the cent, computed here by the rule.  The same as CSV.
  * A real queue callback (the queue's wrap-up now 8 s): Erika's phone
    rings, she answers, hears whom she calls back, Max's desk phone (his
    personal number) answers; she talks ~17 s and hangs up.  While she
    is in wrap-up the bill lists the agent's call under "pending" (not
    a line of 0 s); after it, the call is a line like a queue call:
    talk and wrap-up seconds equal to the recorded agent's call
    (callback_calls: handle time, wrap-up start and end), the 59 c
    acceptance fee (more than 15 s), the exact amount; the net grows by
    exactly that amount.
  * Access and errors: agent and subaccount 403; another client's admin
    404; a bad month 422 naming "month"; a bad format 422; an
    unknown query parameter 400; an unknown tenant 404; no month: this
    Berlin month.
"""
import datetime
import http.server
import json
import os
import sqlite3
import sys
import threading
import time
import urllib.request
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp, wait_for  # noqa: E402

S = Suite("billing")
V = "/api/v1"
PW = DEMO["devices"]
NUMBER = "+4922182829962"
CALLER = "+49301000077"
MOBILE = "+4917012345678"
SMS_TOKEN = "billing-sms-token"
LIST = {"acceptance_cents": 59, "acceptance_threshold_s": 15,
        "processing_cents_per_min": 59, "wrapup_cap_s": 120,
        "sms_cents": 10, "vat_bp": 1900, "trial_hours": 48}


class SmsGateway:
    """Answers each POST with status (200: sent); counts what it got."""

    def __init__(self):
        self.status = 200
        self.posts = 0
        gw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gw.posts += 1
                self.send_response(gw.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def month_now():
    return datetime.datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m")


def today_berlin():
    return datetime.datetime.now(ZoneInfo("Europe/Berlin")).strftime(
        "%Y-%m-%d")


def raw_get(sb, path, token):
    req = urllib.request.Request(f"http://127.0.0.1:{sb.http_port}{path}")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def setup(sb, env):
    tid, _, erika = demo_ids(sb, "Erika")
    st, tb = sb.api("POST", V + "/tenants", {"name": "Andere GmbH",
                                             "country_code": "49",
                                             "area_code": "30"})
    S.check(st == 201, "another tenant: 201", f"{st} {tb}")
    tok = {}
    for name, body in {
            "admin": {"role": "client_admin", "tenant_id": tid},
            "agent": {"role": "agent", "tenant_id": tid,
                      "employee_id": erika},
            "sub": {"role": "subaccount", "tenant_id": tid,
                    "employee_id": erika},
            "admin_b": {"role": "client_admin",
                        "tenant_id": tb["id"]}}.items():
        st, r = sb.api("POST", V + "/tokens", dict(body, name=name))
        S.check(st == 201, f"token {name}: 201", f"{st} {r}")
        tok[name] = r["token"]
    st, q = sb.api("POST", V + "/queues",
                   {"tenant_id": tid, "name": "Pool", "wrapup": 3,
                    "ring_timeout": 20,
                    "members": [{"employee_id": erika}]})
    S.check(st == 201, "a queue with wrap-up 3 s and Erika: 201",
            f"{st} {q}")
    st, n = sb.api("POST", V + "/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to the queue: 201", f"{st} {n}")
    st, t = sb.api("PATCH", V + "/trunks/1", {"match_any_port": True})
    S.check(st == 200, "the trunk takes calls from any port", f"{st} {t}")
    st, r = sb.api("PATCH", f"{V}/employees/{erika}",
                   {"mobile": MOBILE, "sms": True})
    S.check(st == 200, "Erika gets SMS: 200", f"{st} {r}")
    _, _, max_id = demo_ids(sb, "Max")
    env.update(tid=tid, b=tb["id"], erika=erika, max=max_id, tok=tok,
               queue=q["id"])


def bill_path(env, month=None, extra=""):
    return f"{V}/tenants/{env['tid']}/bill?month={month or month_now()}" + \
        extra


def test_access(sb, env):
    tok, tid = env["tok"], env["tid"]
    for who in ("agent", "sub"):
        st, r = sb.api("GET", bill_path(env), token=tok[who])
        S.check(st == 403, f"{who}: the bill is 403", f"{st} {r}")
        st, r = sb.api("GET", f"{V}/tenants/{tid}/tariffs", token=tok[who])
        S.check(st == 403, f"{who}: the tariffs are 403", f"{st} {r}")
    S.error_is("another client's admin: 404",
               sb.api("GET", bill_path(env), token=tok["admin_b"]), 404,
               f"tenant {tid} not found")
    S.error_is("an unknown tenant: 404",
               sb.api("GET", f"{V}/tenants/99999/bill?month=2026-11"), 404,
               "tenant 99999 not found")
    st, r = sb.api("GET", f"{V}/tenants/{tid}/bill", token=tok["admin"])
    S.check(st == 200 and r["month"] == month_now() and r["lines"] == [],
            "no month: this month in Berlin, no calls yet", f"{st} {r}")
    for bad in ("2026-13", "2026-1", "26-11", "2026-11-01", "abc"):
        S.error_is(f"month={bad}: 422 naming month",
                   sb.api("GET", bill_path(env, bad), token=tok["admin"]),
                   422, "month: must be a month YYYY-MM")
    S.error_is("format=xml: 422",
               sb.api("GET", bill_path(env, extra="&format=xml"),
                      token=tok["admin"]),
               422, "format: must be json or csv")
    st, r = sb.api("GET", bill_path(env, extra="&year=2026"),
                   token=tok["admin"])
    S.check(st == 400 and r.get("error", "").startswith("year:"),
            "an unknown query parameter: 400 naming it", f"{st} {r}")


def test_tariffs(sb, env):
    tok, tid = env["tok"], env["tid"]
    path = f"{V}/tenants/{tid}/tariffs"
    st, r = sb.api("GET", path, token=tok["admin"])
    lp = (r or {}).get("list_price") or [{}]
    S.check(st == 200 and r["tariffs"] == [] and len(lp) == 1 and
            {k: lp[0].get(k) for k in LIST} == LIST and
            lp[0]["valid_from"] == "1970-01-01" and
            lp[0]["tenant_id"] is None,
            "the client admin reads no own tariff and the list price "
            "(59/15/59/120/10/1900/48)", f"{st} {r}")
    S.error_is("the client admin may not make a tariff: 403",
               sb.api("POST", path, {"valid_from": "2026-01-01"},
                      token=tok["admin"]), 403,
               f"role client_admin may not POST {path}")
    S.error_is("valid_from missing: 400",
               sb.api("POST", path, {"sms_cents": 12}), 400,
               "valid_from: is required")
    S.error_is("valid_from 2026-02-30: 422",
               sb.api("POST", path, {"valid_from": "2026-02-30"}), 422,
               "valid_from: must be a date YYYY-MM-DD")
    st, r = sb.api("POST", path, {"valid_from": "2026-01-01",
                                  "vat_bp": 10001})
    S.check(st == 422 and r["error"].startswith("vat_bp: "),
            "a VAT over 100 %: 422 naming vat_bp", f"{st} {r}")
    st, r = sb.api("POST", path, {"valid_from": "2026-01-01",
                                  "acceptance_cents": "59"})
    S.check(st in (400, 422) and
            r["error"].startswith("acceptance_cents: "),
            "cents as a string: refused naming acceptance_cents",
            f"{st} {r}")
    S.error_is("a tariff of an unknown tenant: 404",
               sb.api("POST", f"{V}/tenants/99999/tariffs",
                      {"valid_from": "2026-01-01"}), 404,
               "tenant 99999 not found")


def talk(sb, phone, seconds):
    """A sipp caller reaches Erika through the queue; she talks
    `seconds` and hangs up.  Returns the sipp."""
    s = Sipp("uac_queue_caller", remote=("127.0.0.1", sb.sip_port),
             service=NUMBER, keys={"caller": CALLER}, timeout_s=120,
             recv_timeout_ms=110000)
    mark = phone.mark()
    s.start()
    est = phone.wait_event("CALL_ESTABLISHED", 30, since=mark)
    S.check(est is not None, "Erika's phone answers the queue's call")
    time.sleep(seconds)
    if seconds:
        phone.hangup()
    return s


def agent_state(sb, emp):
    st, a = sb.api("GET", f"{V}/agents/{emp}")
    return a.get("state") if st == 200 else None


def test_calls(sb, env, phone):
    erika = env["erika"]
    st, r = sb.api("POST", f"{V}/agents/{erika}/state", {"action": "login"})
    S.check(st == 200, "Erika logs in", f"{st} {r}")
    # 1: ~17 s of talk, the wrap-up runs its 3 s
    s1 = talk(sb, phone, 17.3)
    S.check(wait_for(lambda: agent_state(sb, erika) == "wrapup", 10,
                     "wrap-up") is not False, "Erika is in wrap-up")
    S.check(wait_for(lambda: agent_state(sb, erika) == "available", 15,
                     "available") is not False,
            "... and available after it")
    # 2: ~2 s, she ends the wrap-up after ~1 s through the API
    s2 = talk(sb, phone, 2.3)
    wait_for(lambda: agent_state(sb, erika) == "wrapup", 10, "wrap-up")
    time.sleep(1.2)
    st, r = sb.api("POST", f"{V}/agents/{erika}/state",
                   {"action": "end_wrapup"})
    S.check(st == 200, "Erika ends her wrap-up early", f"{st} {r}")
    for s in (s1, s2):
        s.wait(20)
    S.check(s1.successful == 1 and s2.successful == 1,
            "both sipp callers completed (our BYE)")


def test_consult(sb, env, phone, desk):
    """A queue call Erika passes on to Max after consulting him (the
    transfer API, attended): the line counts Erika's time up to the
    transfer, not Max's ~6 s after it."""
    erika, max_id = env["erika"], env["max"]
    s = talk(sb, phone, 0)
    t_est = time.time()
    call = None
    for _ in range(50):
        st, calls = sb.api("GET", f"{V}/calls?limit=5")
        call = [c for c in calls or [] if c["to_number"] == NUMBER and
                not c.get("ended_at")]
        if call:
            break
        time.sleep(0.1)
    cid = call[0]["id"] if call else 0
    time.sleep(2)
    path = f"{V}/calls/{cid}/transfer"
    mark = desk.mark()
    st, b = sb.api("POST", path, {"mode": "attended",
                                  "to": {"type": "employee", "id": max_id}})
    S.check(st == 201, "Erika consults Max (attended transfer): 201",
            f"{st} {b}")
    S.check(desk.wait_event("CALL_ESTABLISHED", 10, since=mark) is not None,
            "Max's phone answers the consultation")
    time.sleep(2)
    st, b = sb.api("POST", path + "/complete", {})
    t_done = time.time()
    S.check(st == 200, "the transfer completes: 200", f"{st} {b}")
    time.sleep(6)
    desk.hangup()
    s.wait(20)
    S.check(s.successful == 1, "the caller talked to Max until he hung up")
    wait_for(lambda: agent_state(sb, erika) == "available", 15, "available")
    env["consult"] = (cid, t_done - t_est)


def test_sms(sb, env, gw):
    body = {"employee_ids": [env["erika"]], "caller_name": "Hans Anrufer",
            "caller_number": "0221 987654", "concern": "Rückruf"}

    def sms_state(nid):
        st, d = sb.api("GET", f"{V}/notes/{nid}/deliveries")
        x = [y for y in d or [] if y["channel"] == "sms"]
        return x[0]["state"] if x else None

    st, n = sb.api("POST", V + "/notes", body, env["tok"]["agent"])
    S.check(st == 201, "a note for Erika: 201", f"{st} {n}")
    S.check(wait_for(lambda: sms_state(n["id"]) == "sent", 15, "sms") is
            not False, "its SMS is sent through the gateway")
    gw.status = 401
    st, n2 = sb.api("POST", V + "/notes", body, env["tok"]["agent"])
    S.check(wait_for(lambda: sms_state(n2["id"]) == "failed", 15,
                     "sms failed") is not False,
            "a second note's SMS is refused by the gateway: failed")
    gw.status = 200


def expected_lines(sb, env):
    """The lines the records say, by the rule written out here."""
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    rows = db.execute(
        "SELECT c.id, v.handle_ms, v.wrapup_started_at, v.wrapup_ended_at"
        " FROM calls c JOIN queue_visits v ON v.call_id = c.id"
        " WHERE c.tenant_id = ? AND v.outcome = 'answered'"
        " AND c.ended_at <> 0 ORDER BY c.started_at, c.id",
        (env["tid"],)).fetchall()
    db.close()
    out = []
    for cid, handle, ws, we in rows:
        t = handle // 1000
        w = (we - ws) // 1000 if ws and we >= ws else 0
        fee = t > 15
        x = (59 * 60 if fee else 0) + 59 * (t + min(w, 120))
        out.append({"call_id": cid, "talk_s": t, "wrapup_s": w,
                    "wrapup_counted_s": min(w, 120), "acceptance": fee,
                    "acceptance_why": f"talk {t} s: " +
                    ("more than" if fee else "not more than") + " 15 s",
                    "amount_sixtieth_cents": x,
                    "amount_cents": (x + 30) // 60})
    return out


def test_bill(sb, env, phone):
    tok, tid = env["tok"], env["tid"]
    want = expected_lines(sb, env)
    cid, erika_s = env.get("consult", (0, 0))
    S.check(len(want) == 3 and 16 <= want[0]["talk_s"] <= 19 and
            3 <= want[0]["wrapup_s"] <= 6 and 1 <= want[1]["talk_s"] <= 4 and
            want[1]["wrapup_s"] <= 3 and want[2]["call_id"] == cid,
            "the records: ~17 s + ~3 s wrap-up, ~2 s + ~1 s, the "
            "transferred call", repr(want))
    S.check(len(want) == 3 and
            erika_s - 1.5 <= want[2]["talk_s"] <= erika_s + 1 and
            want[2]["talk_s"] < erika_s + 5,
            f"the transferred call counts Erika's time up to the transfer "
            f"({erika_s:.1f} s), not Max's 6 s after it", repr(want[-1:]))
    # in the trial (list price, 48 h from the tenant's creation)
    st, b = sb.api("GET", bill_path(env), token=tok["admin"])
    S.check(st == 200 and [x["call_id"] for x in b["lines"]] ==
            [w["call_id"] for w in want] and
            all(x["trial"] and x["acceptance_why"] == "trial" and
                x["amount_cents"] == 0 for x in b["lines"]) and
            b["sms"] == {"count": 0, "trial_count": 1, "amount_cents": 0}
            and b["net_cents"] == 0 and b["gross_cents"] == 0,
            "in the trial: the calls listed with 0 and \"trial\", the SMS "
            "free, total 0", f"{st} {b}")
    S.check(st == 200 and [x["talk_s"] for x in b["lines"]] ==
            [w["talk_s"] for w in want],
            "... with their talk seconds shown", f"{st} {b}")
    # the client converts: a tariff of its own from today, no trial
    st, t = sb.api("POST", f"{V}/tenants/{tid}/tariffs",
                   {"valid_from": today_berlin(), "trial_hours": 0})
    S.check(st == 201 and t["tenant_id"] == tid and
            t["valid_from"] == today_berlin() and
            {k: t[k] for k in LIST} == dict(LIST, trial_hours=0),
            "the operator's tariff from today without trial: 201, the "
            "rest the list price's", f"{st} {t}")
    S.error_is("a second tariff from the same day: 409",
               sb.api("POST", f"{V}/tenants/{tid}/tariffs",
                      {"valid_from": today_berlin()}), 409,
               f"valid_from: the tenant has a tariff from {today_berlin()} "
               "already")
    st, r = sb.api("GET", f"{V}/tenants/{tid}/tariffs", token=tok["admin"])
    S.check(st == 200 and [x["id"] for x in r["tariffs"]] == [t["id"]],
            "the client admin reads its tariff", f"{st} {r}")
    # a third call, still running, is not billed
    s3 = talk(sb, phone, 0)
    st, b = sb.api("GET", bill_path(env), token=tok["admin"])
    phone.hangup()
    s3.wait(20)
    keys = list(want[0]) if want else []
    got = [{k: x.get(k) for k in keys} for x in (b or {}).get("lines", [])]
    S.check(st == 200 and got == want,
            "each line as the records say: talk and wrap-up seconds "
            "(counted up to 120), the fee and why, the exact amount and "
            "its cents (the running call not on it)",
            f"{st} got {got} want {want}")
    S.check(st == 200 and b["lines"][0]["acceptance"] and
            b["lines"][0]["acceptance_cents"] == 59 and
            not b["lines"][1]["acceptance"] and
            b["lines"][1]["acceptance_cents"] == 0 and
            not any(x["trial"] for x in b["lines"]),
            "~17 s pays the 59 c acceptance fee, ~2 s does not",
            f"{b.get('lines') if b else None}")
    x = sum(w["amount_sixtieth_cents"] for w in want)
    net = (x + 600 + 30) // 60
    vat = (net * 1900 + 5000) // 10000
    S.check(st == 200 and b["sms"] == {"count": 1, "trial_count": 0,
                                       "amount_cents": 10},
            "SMS: the one sent is billed (10 c), the failed one not",
            f"{b.get('sms') if b else None}")
    S.check(st == 200 and b["calls_sixtieth_cents"] == x and
            b["net_cents"] == net and b["vat_cents"] == vat and
            b["gross_cents"] == net + vat and
            b["vat"] == [{"vat_bp": 1900, "net_sixtieth_cents": x + 600,
                          "net_cents": net, "vat_cents": vat}],
            f"net {net} c (the exact sum rounded once), VAT 19 % {vat} c, "
            f"gross {net + vat} c", f"{b}")
    S.check(st == 200 and "rounded once" in b["rounding"],
            "the bill states its rounding rule")
    env["bill"] = b
    # CSV (the third call has ended meanwhile, and Erika's wrap-up after
    # it: on it now; while the wrap-up runs it would be pending)
    wait_for(lambda: agent_state(sb, env["erika"]) == "available", 15,
             "available")
    want = expected_lines(sb, env)
    st, ctype, text = raw_get(sb, bill_path(env, extra="&format=csv"),
                              tok["admin"])
    _, b = sb.api("GET", bill_path(env))
    rows = [r.split(";") for r in text.split("\r\n") if r]
    calls = [r for r in rows if r[0] == "call"]
    S.check(st == 200 and ctype.startswith("text/csv") and
            rows[0][:4] == ["kind", "call_id", "started_berlin", "talk_s"]
            and len(want) == 4 and
            [int(r[1]) for r in calls] == [w["call_id"] for w in want]
            and [int(r[13]) for r in calls] ==
            [w["amount_cents"] for w in want] and
            [r[8] for r in calls] == [w["acceptance_why"] for w in want] and
            rows[-1][0] == "gross" and
            int(rows[-1][-1]) == b["gross_cents"],
            "CSV: text/csv, a row per call (the third, ended now, too) "
            "with its cents and why, gross last as in the JSON",
            f"{st} {ctype} {text}")
    # another month is empty
    st, b = sb.api("GET", bill_path(env, "2020-01"))
    S.check(st == 200 and b["lines"] == [] and b["gross_cents"] == 0,
            "the operator reads an empty month: no lines, 0", f"{st} {b}")


def test_callback(sb, env, phone, desk):
    tid, erika, queue = env["tid"], env["erika"], env["queue"]
    st, q = sb.api("PATCH", f"{V}/queues/{queue}",
                   {"callback": True, "wrapup": 8})
    S.check(st == 200 and q["callback"] is True and q["wrapup"] == 8,
            "the queue offers callbacks, wrap-up 8 s: 200", f"{st} {q}")
    wait_for(lambda: agent_state(sb, erika) == "available", 15, "available")
    _, before = sb.api("GET", bill_path(env))
    m1, m2 = phone.mark(), desk.mark()
    st, cb = sb.api("POST", f"{V}/callbacks",
                    {"queue_id": queue, "number": "+4922182829901"})
    S.check(st == 201, "a callback to Max's personal number: 201",
            f"{st} {cb}")
    S.check(phone.wait_event("CALL_ESTABLISHED", 20, since=m1) is not None,
            "Erika's phone rings for the callback and answers")
    S.check(desk.wait_event("CALL_ESTABLISHED", 25, since=m2) is not None,
            "then Max's phone rings and answers")
    time.sleep(17.3)
    phone.hangup()
    S.check(wait_for(lambda: agent_state(sb, erika) == "wrapup", 10,
                     "wrap-up") is not False, "Erika is in wrap-up")
    st, b = sb.api("GET", bill_path(env))
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    row = db.execute("SELECT c.id, c.caller_leg FROM calls c JOIN"
                     " callback_calls k ON k.call_id = c.id WHERE"
                     " k.callback_id = ?", (cb.get("id"),)).fetchone()
    db.close()
    cid = row[0] if row else None
    S.check(row is not None and row[1] == f"callback:{cb.get('id')}",
            "the agent's call of the callback is recorded for billing",
            repr(row))
    S.check(st == 200 and [x["call_id"] for x in b["pending"]] == [cid]
            and cid not in [x["call_id"] for x in b["lines"]] and
            b["net_cents"] == before["net_cents"],
            "in wrap-up: the call is pending, not a line (no 0 s), the net "
            "as before", f"{st} {b and b['pending']} {cid}")
    S.check(wait_for(lambda: agent_state(sb, erika) == "available", 20,
                     "available") is not False, "Erika's wrap-up ends")
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"))
    handle, ws, we = db.execute(
        "SELECT handle_ms, wrapup_started_at, wrapup_ended_at FROM"
        " callback_calls WHERE call_id = ?", (cid,)).fetchone()
    db.close()
    t, w = handle // 1000, (we - ws) // 1000
    x = 59 * 60 + 59 * (t + min(w, 120))
    st, b = sb.api("GET", bill_path(env))
    line = [x for x in (b or {}).get("lines", []) if x["call_id"] == cid]
    S.check(17 <= t <= 30 and 7 <= w <= 10,
            "the records: the agent's time on the callback (~17 s talk "
            "after the announcement), the 8 s wrap-up", f"{t} {w}")
    S.check(st == 200 and b["pending"] == [] and len(line) == 1 and
            (line[0]["talk_s"], line[0]["wrapup_s"],
             line[0]["wrapup_counted_s"], line[0]["acceptance"],
             line[0]["acceptance_why"], line[0]["acceptance_cents"],
             line[0]["amount_sixtieth_cents"], line[0]["amount_cents"]) ==
            (t, w, w, True, f"talk {t} s: more than 15 s", 59, x,
             (x + 30) // 60),
            f"after the wrap-up: a line like a queue call, {t} s talk, "
            f"{w} s wrap-up, the 59 c fee, {x}/60 c", f"{st} {line}")
    xs = b["calls_sixtieth_cents"] - before["calls_sixtieth_cents"]
    S.check(xs == x and b["net_cents"] == (b["vat"][0]["net_sixtieth_cents"]
                                           + 30) // 60,
            "the bill grows by exactly that amount, rounded once",
            f"{xs} != {x}")


def main():
    gw = SmsGateway()
    sb = Switchboard(rtp_timeout=300, extra_args=[
        "--sms-gateway-url", f"http://127.0.0.1:{gw.port}/send",
        "--outbox-retry-base", "1", "--outbox-retry-max", "2"],
        env={"SWITCHBOARD_SMS_GATEWAY_TOKEN": SMS_TOKEN}).start()
    phone = desk = None
    env = {}
    try:
        setup(sb, env)
        S.run(test_access, sb, env)
        S.run(test_tariffs, sb, env)
        phone = Baresip("1002", PW["1002"], server=("127.0.0.1", sb.sip_port))
        phone.start()
        S.check(phone.wait_registered(10), "Erika's phone registers")
        S.run(test_calls, sb, env, phone)
        desk = Baresip("1001", PW["1001"],
                       server=("127.0.0.1", sb.sip_port))
        desk.start()
        S.check(desk.wait_registered(10), "Max's desk phone registers")
        S.run(test_consult, sb, env, phone, desk)
        S.run(test_sms, sb, env, gw)
        S.run(test_bill, sb, env, phone)
        S.run(test_callback, sb, env, phone, desk)
    finally:
        for p in (phone, desk):
            if p:
                p.stop()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        gw.stop()
    S.finish()


if __name__ == "__main__":
    main()
