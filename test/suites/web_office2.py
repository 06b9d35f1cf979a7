#!/usr/bin/python3
"""The client's back office in a real browser, the remaining screens of
seeds/001 (issue 19): headless Debian Chromium driven by playwright-core
(test/web/office2.mjs) against the sanitizer build serving build/web.

The suite prepares real data through the API (and call records written
into the store with known Berlin times, as the B2BUA writes them):
appointments of this Berlin week and an absence info, VIPs with the
profile's VIP call guide, allow and block entries, an on-call schedule,
four inbound calls (one abandoned, one with a consultation) in the last
seven Berlin days, two notes saved through the API (their mails reach an
SMTP sink: "sent"; Erika's SMS goes to a closed port: "failed") and Max's
acknowledgement of one.  The browser script then, each its own ok/FAIL:

  * week view: Max's appointment in the three days it touches, Erika's
    absence info, changed from her row; "ends before starts" shows the server's error at the
    "Bis" field; an appointment created, edited and deleted through the
    form, each step seen in the API (exact UTC times of the Berlin input);
  * VIPs: the list and the VIP call guide; a wrong number shows the
    server's error at the number field; a VIP created, edited, deleted;
    a block prefix added; the allow entry for Erika shown with her name;
  * on-call: the plan equals GET .../now; an override whose end is before
    its start shows the error at "Bis"; created and deleted (API);
    a schedule without members: the error at the members;
  * dashboard: the latest calls with the server's shortened note; the
    charts hold exactly the API's numbers (7 days, 24 hours, 2 employees,
    answered/transferred/notes/abandoned 3/1/2/1, p50/p90 12/20 s), read
    from the Chart.js data; a shorter range redraws with 3 days; "to"
    before "from" shows the error at "Bis";
  * notes: per note the channels and states the API's deliveries have,
    Max's "bestätigt", Erika's "ungelesen"; 52 notes of a day 30 days
    ago: 50 shown newest first, "Ältere Notizen laden" adds the last 2 (no
    note twice), then the button is gone;
  * English texts on every screen; no untranslated key in either language;
  * the sub-account: its own week (Max's row only), an appointment
    entered and deleted (API); typing the other screens' URLs: "nicht freigegeben", no
    data (API 403 for each);
  * screenshots build/screenshots/office2-*.png (not committed).
"""
import calendar
import datetime
import json
import os
import sqlite3
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids, free_port  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

S = Suite("web_office2")
from browser import WEB, require_front_end, run_script  # noqa: E402
SCRIPT = os.path.join(ROOT, "test", "web", "office2.mjs")
CA = ("chef.office2", "client-pw-12")
SUB = ("max.office2", "subacct-pw-12")
BERLIN = ZoneInfo("Europe/Berlin")
V = "/api/v1"
OLD_NOTES = 52
LONG = ("Frau Müller bittet dringend um Rückruf wegen der Lieferung vom "
        "Montag; die Ware ist beschädigt angekommen und sie braucht Ersatz.")


def berlin_ms(day, hh, mm=0):
    """UTC ms of day (a date) hh:mm Berlin time."""
    t = datetime.datetime(day.year, day.month, day.day, hh, mm,
                          tzinfo=BERLIN)
    return int(t.timestamp()) * 1000


def iso(ms):
    return datetime.datetime.fromtimestamp(
        ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ok(st, body, want, what):
    S.check(st == want, f"{what}: {want}", f"{st} {body}")
    return body


def setup(sb):
    tid, _, mx = demo_ids(sb, "Max")
    _, _, er = demo_ids(sb, "Erika")
    today = datetime.datetime.now(BERLIN).date()
    monday = today - datetime.timedelta(days=today.weekday())
    ok(*sb.api("POST", f"{V}/users", {
        "login": CA[0], "password": CA[1], "role": "client_admin",
        "tenant_id": tid}), 201, "user chef.office2 (client_admin)")
    ok(*sb.api("POST", f"{V}/users", {
        "login": SUB[0], "password": SUB[1], "role": "subaccount",
        "tenant_id": tid, "employee_id": mx}), 201,
       "user max.office2 (subaccount of Max)")
    ok(*sb.api("PATCH", f"{V}/employees/{mx}",
               {"email": "max@mustermann.example", "sms": False}), 200,
       "Max has an e-mail address")
    ok(*sb.api("PATCH", f"{V}/employees/{er}",
               {"email": "erika@mustermann.example",
                "mobile": "+4917012345678", "sms": True}), 200,
       "Erika has e-mail and SMS")
    # Max: Tuesday 09:00 to Thursday 17:00 of this Berlin week
    tue = monday + datetime.timedelta(days=1)
    thu = monday + datetime.timedelta(days=3)
    app = ok(*sb.api("POST", f"{V}/appointments", {
        "employee_id": mx, "starts_at": iso(berlin_ms(tue, 9)),
        "ends_at": iso(berlin_ms(thu, 17)), "text": "Messe in Köln"}), 201,
        "Max's appointment Tuesday to Thursday")
    ok(*sb.api("PUT", f"{V}/employees/{er}/absence_info",
               {"text": "Nur vormittags im Hause."}), 200,
       "Erika's absence info")
    ok(*sb.api("POST", f"{V}/tenants/{tid}/profile/versions", {
        "greeting": "Mustermann AG, mein Name ist [Vorname, Nachname].",
        "vip_call_guide": "VIP: sofort mit Namen begrüßen."}), 201,
       "a profile with a VIP call guide")
    ok(*sb.api("POST", f"{V}/vips", {
        "tenant_id": tid, "number": "030 777888", "name": "Dr. Anna Schmitz",
        "note": "Vorstand"}), 201, "VIP Dr. Anna Schmitz")
    ok(*sb.api("POST", f"{V}/caller_lists", {
        "tenant_id": tid, "list": "allow", "number": "089 555123",
        "employee_id": er, "note": "Steuerberater"}), 201,
       "allow entry for Erika")
    ok(*sb.api("POST", f"{V}/caller_lists", {
        "tenant_id": tid, "list": "block", "number": "0221 123*",
        "note": "Firma Nervig"}), 201, "block prefix")
    sched = ok(*sb.api("POST", f"{V}/oncall_schedules", {
        "tenant_id": tid, "name": "Ärztlicher Notdienst",
        "handoff_day": "mon", "handoff_time": "08:00",
        "start_date": (monday - datetime.timedelta(days=7)).isoformat(),
        "members": [{"employee_id": mx}, {"employee_id": er}]}), 201,
        "on-call schedule")
    calls = write_calls(sb, tid, today)
    n1 = ok(*sb.api("POST", f"{V}/notes", {
        "tenant_id": tid, "employee_ids": [mx, er], "caller_name":
        "Frau Müller", "caller_number": "0221 987654", "concern": LONG,
        "call_id": calls["c1"], "urgent": True}), 201, "note 1 (Max, Erika)")
    n2 = ok(*sb.api("POST", f"{V}/notes", {
        "tenant_id": tid, "employee_ids": [er], "caller_name": "Herr Meier",
        "concern": "Bittet um Rückruf.", "call_id": calls["c2"]}), 201,
        "note 2 (Erika)")
    # Max acknowledged note 1 (what the signed link writes)
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    now = int(time.time() * 1000)
    con.execute("INSERT INTO note_reads (note_id, employee_id, opened_at,"
                " acked_at) VALUES (?, ?, ?, ?)",
                (n1["id"], mx, now - 60000, now - 30000))
    # 52 older notes, 30 days ago (outside the dashboard's week): more
    # than one page of the notes screen (50)
    old = today - datetime.timedelta(days=30)
    for i in range(OLD_NOTES):
        at = berlin_ms(old, 8) + i * 60000
        con.execute("INSERT INTO notes (tenant_id, agent, caller_name,"
                    " concern, created_at, updated_at) VALUES (?, 'Agent',"
                    " ?, 'alt', ?, ?)", (tid, f"Alt {i:02d}", at, at))
    con.commit()
    con.close()
    # the deliveries settle: mails sent, the SMS failed
    deadline = time.time() + 60
    states = []
    while time.time() < deadline:
        states = []
        for n in (n1, n2):
            st, ds = sb.api("GET", f"{V}/notes/{n['id']}/deliveries")
            states += [(d["channel"], d["state"]) for d in ds]
        if states and all(s in ("sent", "failed") for _, s in states):
            break
        time.sleep(0.5)
    S.check(sorted(states) == sorted([("mail", "sent"), ("mail", "sent"),
                                      ("sms", "failed"), ("mail", "sent"),
                                      ("sms", "failed")]),
            "the deliveries settled: 3 mails sent, 2 SMS failed",
            str(states))
    return {"tid": tid, "max": mx, "erika": er, "monday": monday.isoformat(),
            "today": today.isoformat(), "app": app["id"],
            "schedule": sched["id"], "n1": n1["id"], "n2": n2["id"],
            "c1": calls["c1"], "old": old.isoformat(), "old_notes": OLD_NOTES,
            # the form's inputs in Berlin time and the UTC the API must keep
            "wed": (monday + datetime.timedelta(days=2)).isoformat(),
            "wed9": iso(berlin_ms(monday + datetime.timedelta(days=2), 9)),
            "wed12": iso(berlin_ms(monday + datetime.timedelta(days=2), 12)),
            "tomorrow": (today + datetime.timedelta(days=1)).isoformat(),
            "today18": iso(berlin_ms(today, 18)),
            "tomorrow8": iso(berlin_ms(today + datetime.timedelta(days=1),
                                       8))}


def write_calls(sb, tid, today):
    """Four inbound calls of the last days (Berlin) and one consultation:
    answered after 5, 20 and 12 s, one abandoned; c4 transferred."""
    d = lambda n: today - datetime.timedelta(days=n)  # noqa: E731
    rows = [("c1", "inbound", "s1", berlin_ms(d(1), 9), 5000, "callee",
             "answered"),
            ("c2", "inbound", "s2", berlin_ms(d(1), 10, 30), 20000, "caller",
             "answered"),
            ("c3", "inbound", "s3", berlin_ms(d(3), 14), None, "caller",
             "cancelled"),
            ("c4", "inbound", "s4", berlin_ms(d(5), 16, 15), 12000, "callee",
             "answered"),
            ("x4", "internal", "s4", berlin_ms(d(5), 16, 16), 3000, "caller",
             "answered")]
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    ids = {}
    try:
        for i, (k, dirn, sip, start, ans, by, disp) in enumerate(rows):
            answered = start + ans if ans is not None else 0
            cur = con.execute(
                "INSERT INTO calls (node_id, sip_call_id, tenant_id,"
                " direction, from_number, to_number, caller_leg, callee_leg,"
                " started_at, answered_at, ended_at, disposition, sip_code,"
                " ended_by, forwarded_from) VALUES ('node1', ?, ?, ?, ?,"
                " '+4922182829900', 'trunk:1', 'device:1001', ?, ?, ?, ?,"
                " 200, ?, '')",
                (sip, tid, dirn, f"+4922155500{i:02d}", start, answered,
                 (answered or start) + 60000, disp, by))
            ids[k] = cur.lastrowid
        con.commit()
    finally:
        con.close()
    return ids


def browser(sb, env):
    run_script(S, SCRIPT, {"SB_URL": f"http://127.0.0.1:{sb.http_port}",
                           "SB_CA": ":".join(CA), "SB_SUB": ":".join(SUB),
                           "SB_ENV": json.dumps(env)})


def after(sb, env):
    st, apps = sb.api("GET", f"{V}/appointments?tenant_id={env['tid']}")
    S.check(st == 200 and [a["id"] for a in apps] == [env["app"]],
            "the API: only Max's first appointment is left (the page's was"
            " deleted)", str(apps))
    st, ai = sb.api("GET", f"{V}/employees/{env['erika']}/absence_info")
    S.check(st == 200 and ai["text"] == "Nur nachmittags im Hause.",
            "the API: Erika's absence info as the admin changed it", str(ai))
    st, vips = sb.api("GET", f"{V}/vips?tenant_id={env['tid']}")
    S.check(st == 200 and [v["name"] for v in vips] == ["Dr. Anna Schmitz"],
            "the API: the page's VIP is deleted again", str(vips))
    st, bl = sb.api("GET", f"{V}/caller_lists?tenant_id={env['tid']}"
                    "&list=block")
    S.check(st == 200 and sorted(b["number"] for b in bl) ==
            ["+49221123*", "+49221999*"],
            "the API: the block list has the page's prefix +49221999*",
            str(bl))
    st, ovs = sb.api("GET", f"{V}/oncall_overrides?schedule_id="
                     f"{env['schedule']}")
    S.check(st == 200 and ovs == [], "the API: the page's override is"
            " deleted again", str(ovs))


def main():
    require_front_end(S)
    sink = SmtpSink(free_port(__import__("socket").SOCK_STREAM))
    sink.start()
    closed = free_port(__import__("socket").SOCK_STREAM)
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB,
                      "--smtp-url", f"smtp://127.0.0.1:{sink.port}",
                      "--smtp-from", "notiz@switchboard.example",
                      "--sms-gateway-url", f"http://127.0.0.1:{closed}/send",
                      "--outbox-retry-base", "1", "--outbox-retry-max", "1",
                      "--outbox-attempts", "1"],
                     env={"SWITCHBOARD_SMS_GATEWAY_TOKEN": "t0ken"}).start()
    try:
        env = setup(sb)
        S.run(browser, sb, env)
        S.run(after, sb, env)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        sink.stop()
    S.finish()


if __name__ == "__main__":
    main()
