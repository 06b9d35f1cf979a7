#!/usr/bin/python3
"""The client's profile with dated changes (issue 16), against the real
server:

  * no profile yet: GET .../profile 404; a first version without a
    greeting 422 (nothing to carry over);
  * every bad setting a 422 naming it by its path (a greeting without a
    placeholder or with [Firma], field types, choices, fixed labels, FAQ
    items, hours, effective_from in the past), an unknown key 400;
  * version 1 in force now; version 2 scheduled an hour ahead (greeting
    and hours) is not in force a millisecond before its time and is at
    it (at=); version 3 made now changes the instructions only and is
    carried into the scheduled version 2; the history is exact (states,
    changed settings, who); cancelling the scheduled version 204 (then
    409), a past one 409, an unknown one 404;
  * the agent view: the greeting with the agent's name (umlauts), the
    standard text without transfer option, the three fixed note fields
    and the client's, previewed at a future time with another version;
  * roles and tenants: an agent token reads its own view only, is 403
    elsewhere; another tenant's agent token gets 404.
"""
import os
import sys
import time
from datetime import datetime, timezone, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("profile")
ALL = ["greeting", "instructions", "transfer", "note_fields", "faq",
       "call_guide", "vip_call_guide", "order_form", "hours"]
STD = ("Momentan ist niemand persönlich erreichbar. Darf ich einen "
       "Rückruf aufnehmen?")


def iso(dt):
    return dt.astimezone(timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def q(s):
    return s.replace("+", "%2B").replace(":", "%3A")


def test_bad(sb, tid):
    path = f"/api/v1/tenants/{tid}/profile/versions"
    post = lambda b: sb.api("POST", path, b)  # noqa: E731
    st, b = sb.api("GET", f"/api/v1/tenants/{tid}/profile"
                   f"?at={q('2030-01-01T00:00:00Z')}")
    S.check(st == 404 and b == {"error": f"tenant {tid} has no profile "
                                "in force at 2030-01-01T00:00:00.000Z"},
            "no profile yet: GET profile 404", f"{st} {b}")
    S.error_is("a first version without greeting: 422",
               post({"instructions": "x"}), 422,
               "greeting: is required: no version before this one has a "
               "greeting to carry over")
    g = "Mustermann AG, mein Name ist [Vorname, Nachname]."
    cases = [
        ({"greeting": "Mustermann AG, guten Tag."}, 422,
         "greeting: must contain the placeholder [Vorname, Nachname] (or "
         "[Vorname] or [Nachname]) where the agent says his name"),
        ({"greeting": "[Firma], mein Name ist [Vorname]"}, 422,
         "greeting: unknown placeholder [Firma]; use [Vorname, Nachname], "
         "[Vorname] or [Nachname]"),
        ({"greeting": ""}, 422, "greeting: must not be empty"),
        ({"greeting": None}, 422, "greeting: must not be null"),
        ({"greeting": 5}, 422, "greeting: must be a string"),
        ({"greeting": g, "transfer": "yes"}, 422,
         "transfer: must be true or false"),
        ({"greeting": g, "instructions": "x" * 4001}, 422,
         "instructions: longer than 4000 characters"),
        ({"greeting": g, "note_fields": [
            {"label": "Kundennummer", "type": "number"},
            {"label": "Firma", "type": "text"},
            {"label": "Art", "type": "colour"}]}, 422,
         "note_fields[2].type: must be text, number, date, choice or bool"),
        ({"greeting": g, "note_fields": [{"label": "Art", "type": "choice"}]},
         422, "note_fields[0].choices: must be an array of 1 to 30 strings"),
        ({"greeting": g, "note_fields": [
            {"label": "Art", "type": "choice", "choices": ["a", "a"]}]},
         422, "note_fields[0].choices[1]: a is given twice"),
        ({"greeting": g, "note_fields": [
            {"label": "Art", "type": "text", "choices": ["a"]}]},
         422, "note_fields[0].choices: only for type choice"),
        ({"greeting": g, "note_fields": [{"label": "name", "type": "text"}]},
         422, "note_fields[0].label: Name is always asked; choose another "
         "label"),
        ({"greeting": g, "note_fields": [
            {"label": "X", "type": "text", "required": "ja"}]},
         422, "note_fields[0].required: must be true or false"),
        ({"greeting": g, "note_fields": [
            {"label": "X", "type": "text", "colour": 1}]},
         422, "note_fields[0].colour: unknown field"),
        ({"greeting": g, "order_form": [
            {"label": "Menge", "type": "number"},
            {"label": "menge", "type": "number"}]},
         422, "order_form[1].label: menge is given twice"),
        ({"greeting": g, "faq": [{"question": "Wo?"}]}, 422,
         "faq[0].answer: is required"),
        ({"greeting": g, "faq": ["Wo?"]}, 422, "faq[0]: must be an object"),
        ({"greeting": g, "hours": [{"days": ["mon"], "start": "8:00",
                                     "end": "18:00"}]}, 422,
         "hours[0].start: must be a time HH:MM"),
        ({"greeting": g, "hours": [{"days": ["montag"], "start": "08:00",
                                     "end": "18:00"}]}, 422,
         "hours[0].days: must be an array of mon, tue, wed, thu, fri, sat, "
         "sun"),
        ({"greeting": g, "effective_from": "2020-01-01T00:00:00Z"}, 422,
         "effective_from: must not be in the past: a version that took "
         "effect cannot be changed"),
        ({"greeting": g, "effective_from": "Montag"}, 422,
         "effective_from: must be an ISO-8601 time like "
         "2026-11-25T03:34:57.123Z"),
        ({"effective_from": "2099-01-01T00:00:00Z"}, 422,
         "body: a version must give at least one setting"),
        ({"greeting": g, "colour": "blue"}, 400, "colour: unknown field"),
    ]
    for body, status, msg in cases:
        S.error_is(f"refused: {msg[:60]}", post(body), status, msg)
    st, b = post({"greeting": g, "hours": [
        {"days": ["mon", "tue"], "start": "08:00", "end": "18:00"},
        {"days": ["tue"], "start": "17:00", "end": "20:00"}]})
    S.error_is("overlapping hours: 422 naming both",
               (st, b), 422, "hours[1] overlaps hours[0] on Tuesday")
    st, lst = sb.api("GET", path)
    S.check(st == 200 and lst == [], "nothing refused was stored",
            f"{st} {lst}")


def test_versions(sb, tid, erika):
    path = f"/api/v1/tenants/{tid}/profile/versions"
    greet1 = ("Herzlich Willkommen bei der Mustermann AG, mein Name ist "
              "[Vorname, Nachname].")
    v1body = {
        "greeting": greet1,
        "instructions": "Bitte ausrichten, dass wegen technischer "
                        "Störungen kein Mitarbeiter verfügbar ist.\n"
                        "Rückruf anbieten.",
        "transfer": False,
        "note_fields": [{"label": "Kundennummer", "type": "number",
                         "required": True},
                        {"label": "Art", "type": "choice",
                         "choices": ["Angebot", "Reklamation"]}],
        "faq": [{"question": "Wo finde ich die Bestellliste?",
                 "answer": "Auf der Website unter beispiel.de/service"}],
        "call_guide": "1. Begrüßen\n2. Anliegen aufnehmen",
        "vip_call_guide": "Sofort durchstellen.",
        "order_form": [{"label": "Artikel", "type": "text",
                        "required": True},
                       {"label": "Menge", "type": "number"}],
        "hours": [{"days": ["fri", "mon", "tue", "wed", "thu"],
                   "start": "08:00", "end": "18:00"}],
    }
    st, v1 = sb.api("POST", path, v1body)
    want_settings = dict(v1body)
    want_settings["note_fields"] = [
        {"label": "Kundennummer", "type": "number", "required": True},
        {"label": "Art", "type": "choice", "required": False,
         "choices": ["Angebot", "Reklamation"]}]
    want_settings["order_form"] = [
        {"label": "Artikel", "type": "text", "required": True},
        {"label": "Menge", "type": "number", "required": False}]
    want_settings["hours"] = [{"days": ["mon", "tue", "wed", "thu", "fri"],
                               "start": "08:00", "end": "18:00"}]
    S.check(st == 201 and v1.get("version") == 1 and
            v1.get("state") == "in_force" and v1.get("changed") == ALL and
            v1.get("settings") == want_settings and
            v1.get("cancelled_at") is None and
            v1.get("created_by") and v1.get("tenant_id") == tid,
            "version 1 now: 201, in force, all settings, normalised "
            "(umlauts, days in order, required false)", f"{st} {v1}")
    t0 = datetime.now(timezone.utc)
    t2 = (t0 + timedelta(hours=1)).replace(microsecond=0)
    greet2 = "Mustermann AG, Grüß Gott, hier spricht [Vorname] [Nachname]."
    hours2 = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat"],
               "start": "07:00", "end": "20:00"}]
    st, v2 = sb.api("POST", path, {"effective_from": iso(t2),
                                   "greeting": greet2, "hours": hours2})
    S.check(st == 201 and v2.get("version") == 2 and
            v2.get("state") == "scheduled" and
            v2.get("effective_from") == iso(t2) and
            v2.get("changed") == ["greeting", "hours"] and
            v2.get("settings", {}).get("instructions") ==
            v1body["instructions"],
            "version 2 scheduled in an hour: greeting and hours changed, "
            "the rest carried over", f"{st} {v2}")

    before = iso(t2 - timedelta(milliseconds=1))
    st, p = sb.api("GET", f"/api/v1/tenants/{tid}/profile?at={q(before)}")
    S.check(st == 200 and p.get("version") == 1 and
            p["settings"]["greeting"] == greet1 and p.get("at") == before,
            "1 ms before its time version 1 is in force", f"{st} {p}")
    st, p = sb.api("GET", f"/api/v1/tenants/{tid}/profile?at={q(iso(t2))}")
    S.check(st == 200 and p.get("version") == 2 and
            p["settings"]["greeting"] == greet2 and
            p["settings"]["hours"] == hours2 and
            p.get("state") == "scheduled",
            "at its time version 2 is in force (greeting and hours "
            "together)", f"{st} {p}")
    st, p = sb.api("GET", f"/api/v1/tenants/{tid}/profile")
    S.check(st == 200 and p.get("version") == 1,
            "now (no at): version 1", f"{st} {p}")

    instr3 = "Neue Anweisung: Rückrufe innerhalb einer Stunde zusagen."
    st, v3 = sb.api("POST", path, {"instructions": instr3})
    S.check(st == 201 and v3.get("version") == 3 and
            v3.get("state") == "in_force" and
            v3.get("changed") == ["instructions"] and
            v3["settings"]["greeting"] == greet1,
            "version 3 now, instructions only: in force, the greeting of "
            "version 1 carried", f"{st} {v3}")
    st, g2 = sb.api("GET", f"{path}/2")
    S.check(st == 200 and g2["settings"]["instructions"] == instr3 and
            g2["settings"]["greeting"] == greet2 and
            g2.get("changed") == ["greeting", "hours"],
            "scheduled version 2 now carries version 3's instructions",
            f"{st} {g2}")
    st, p = sb.api("GET", f"/api/v1/tenants/{tid}/profile?at={q(iso(t2))}")
    S.check(st == 200 and p.get("version") == 2 and
            p["settings"]["instructions"] == instr3,
            "preview at version 2's time: new greeting and hours, "
            "instructions of version 3", f"{st} {p}")

    st, hist = sb.api("GET", path)
    S.check(st == 200 and
            [(h["version"], h["state"], h["changed"]) for h in hist] ==
            [(1, "superseded", ALL), (2, "scheduled", ["greeting", "hours"]),
             (3, "in_force", ["instructions"])] and
            all("settings" not in h and h["created_by"] == v1["created_by"]
                and h["created_at"] for h in hist) and
            hist[1]["effective_from"] == iso(t2),
            "history: versions 1-3, states, changed settings, who",
            f"{st} {hist}")

    # the agent view now and at version 2's time
    st, av = sb.api("GET", f"/api/v1/tenants/{tid}/agent_view"
                    f"?agent_id={erika}")
    fixed = [{"label": "Name", "type": "text", "required": True,
              "fixed": True},
             {"label": "Telefonnummer", "type": "phone", "required": True,
              "fixed": True},
             {"label": "Anliegen", "type": "text", "required": True,
              "fixed": True}]
    extra = [dict(f, fixed=False) for f in want_settings["note_fields"]]
    S.check(st == 200 and av.get("greeting") ==
            "Herzlich Willkommen bei der Mustermann AG, mein Name ist "
            "Erika Musterfrau." and av.get("transfer") is False and
            av.get("standard_text") == STD and
            av.get("note_fields") == fixed + extra and
            av.get("instructions") == instr3 and
            av.get("version_id") == v3["id"] and av.get("version") == 3 and
            av.get("faq") == v1body["faq"] and
            av.get("order_form") == want_settings["order_form"] and
            av.get("vip_call_guide") == "Sofort durchstellen." and
            av.get("agent") == {"id": erika, "first_name": "Erika",
                                "last_name": "Musterfrau"} and
            av.get("tenant_id") == tid,
            "agent view: greeting with Erika's name, the standard text, "
            "fixed + extra note fields, version 3", f"{st} {av}")
    st, av = sb.api("GET", f"/api/v1/tenants/{tid}/agent_view"
                    f"?agent_id={erika}&at={q(iso(t2))}")
    S.check(st == 200 and av.get("greeting") ==
            "Mustermann AG, Grüß Gott, hier spricht Erika Musterfrau." and
            av.get("version") == 2 and av.get("hours") == hours2,
            "agent view previewed at version 2's time", f"{st} {av}")
    # a Monday 10:00 and a Sunday 10:00 Berlin time (open / closed)
    st, av = sb.api("GET", f"/api/v1/tenants/{tid}/agent_view?agent_id="
                    f"{erika}&at={q('2030-01-07T09:00:00Z')}")
    S.check(st == 200 and av.get("open") is True,
            "Monday 10:00 Berlin: open", f"{st} {av.get('open')}")
    st, av = sb.api("GET", f"/api/v1/tenants/{tid}/agent_view?agent_id="
                    f"{erika}&at={q('2030-01-06T09:00:00Z')}")
    S.check(st == 200 and av.get("open") is False,
            "Sunday 10:00 Berlin: closed", f"{st} {av.get('open')}")

    # a version with the transfer option and [Vorname] only, after v2
    t4 = t2 + timedelta(days=1)
    st, v4 = sb.api("POST", path, {"effective_from": iso(t4),
                                   "transfer": True,
                                   "greeting": "Mustermann, [Vorname]."})
    S.check(st == 201 and v4.get("version") == 4 and
            v4["settings"]["hours"] == hours2,
            "version 4 after version 2 carries version 2's hours",
            f"{st} {v4}")
    st, av = sb.api("GET", f"/api/v1/tenants/{tid}/agent_view"
                    f"?agent_id={erika}&at={q(iso(t4))}")
    S.check(st == 200 and av.get("greeting") == "Mustermann, Erika." and
            av.get("transfer") is True and av.get("standard_text") is None,
            "with the transfer option: no standard text", f"{st} {av}")

    # cancelling
    st, _ = sb.api("DELETE", f"{path}/2")
    S.check(st == 204, "cancel the scheduled version 2: 204", str(st))
    st, p = sb.api("GET", f"/api/v1/tenants/{tid}/profile?at={q(iso(t2))}")
    S.check(st == 200 and p.get("version") == 3,
            "at version 2's time version 3 stays in force", f"{st} {p}")
    st, g4 = sb.api("GET", f"{path}/4")
    S.check(st == 200 and g4["settings"]["hours"] == want_settings["hours"]
            and g4.get("changed") == ["greeting", "transfer"],
            "version 4 falls back to the hours of before version 2",
            f"{st} {g4}")
    S.error_is("cancel it again: 409", sb.api("DELETE", f"{path}/2"), 409,
               "version 2 is cancelled already")
    st, b = sb.api("DELETE", f"{path}/1")
    S.check(st == 409 and b.get("error", "").startswith(
        "version 1 took effect at ") and
        b["error"].endswith("; a version in the past cannot be cancelled"),
        "cancel version 1 (in the past): 409", f"{st} {b}")
    S.error_is("cancel an unknown version: 404",
               sb.api("DELETE", f"{path}/99"), 404,
               "profile version 99 not found")
    S.error_is("GET an unknown version: 404", sb.api("GET", f"{path}/x"),
               404, "profile version x not found")
    st, hist = sb.api("GET", path)
    S.check(st == 200 and [(h["version"], h["state"]) for h in hist] ==
            [(1, "superseded"), (2, "cancelled"), (3, "in_force"),
             (4, "scheduled")] and hist[1]["cancelled_at"] and
            hist[1]["cancelled_by"] == v1["created_by"],
            "history keeps the cancelled version, with who and when",
            f"{st} {hist}")
    return v3


def test_roles(sb, tid, erika, max_id):
    st, tok = sb.api("POST", f"/api/v1/agents/{erika}/token", {})
    S.check(st == 201 and tok.get("token"), "an agent token for Erika",
            f"{st} {tok}")
    agent = tok.get("token")
    st, av = sb.api("GET", f"/api/v1/tenants/{tid}/agent_view",
                    token=agent)
    S.check(st == 200 and "Erika Musterfrau" in av.get("greeting", ""),
            "the agent reads its view under its own name", f"{st} {av}")
    S.error_is("... not under another's name: 403",
               sb.api("GET", f"/api/v1/tenants/{tid}/agent_view"
                      f"?agent_id={max_id}", token=agent), 403,
               "agent_id: an agent sees the view under its own name only")
    for m, p in [("GET", "profile"), ("GET", "profile/versions"),
                 ("POST", "profile/versions")]:
        st, b = sb.api(m, f"/api/v1/tenants/{tid}/{p}",
                       {"instructions": "x"} if m == "POST" else None,
                       token=agent)
        S.check(st == 403, f"the agent may not {m} {p}: 403", f"{st} {b}")
    S.error_is("admin without agent_id: 400",
               sb.api("GET", f"/api/v1/tenants/{tid}/agent_view"), 400,
               "agent_id: is required (whose name fills the greeting)")
    S.error_is("an unknown agent: 422",
               sb.api("GET", f"/api/v1/tenants/{tid}/agent_view"
                      "?agent_id=99999"), 422,
               "agent_id: employee 99999 does not exist")

    # another tenant with an agent of its own
    st, t2 = sb.api("POST", "/api/v1/tenants", {"name": "Zweite GmbH"})
    st2, e2 = sb.api("POST", "/api/v1/employees",
                     {"tenant_id": t2.get("id"), "first_name": "Jörg",
                      "last_name": "Öztürk", "extension": "2001"})
    S.check(st == 201 and st2 == 201, "a second tenant and employee",
            f"{st} {t2} {st2} {e2}")
    st, tok2 = sb.api("POST", f"/api/v1/agents/{e2.get('id')}/token",
                      {})
    other = tok2.get("token")
    S.error_is("another tenant's agent: 404",
               sb.api("GET", f"/api/v1/tenants/{tid}/agent_view",
                      token=other), 404, f"tenant {tid} not found")
    path2 = f"/api/v1/tenants/{t2['id']}/profile/versions"
    st, v = sb.api("POST", path2, {"greeting": "Zweite GmbH, [Nachname]"})
    S.check(st == 201 and v.get("version") == 1,
            "the second tenant's first version is its version 1",
            f"{st} {v}")
    st, av = sb.api("GET", f"/api/v1/tenants/{t2['id']}/agent_view",
                    token=other)
    S.check(st == 200 and av.get("greeting") == "Zweite GmbH, Öztürk" and
            av.get("instructions") == "" and av.get("faq") == [] and
            av.get("open") is None,
            "its agent sees its own greeting (umlauts), defaults elsewhere",
            f"{st} {av}")
    S.error_is("a version of tenant 1 under tenant 2: 404",
               sb.api("GET", f"{path2}/3"), 404,
               "profile version 3 not found")
    S.error_is("an unknown tenant: 404",
               sb.api("GET", "/api/v1/tenants/99999/profile/versions"), 404,
               "tenant 99999 not found")


def main():
    sb = Switchboard().start()
    try:
        tid, _, erika = demo_ids(sb, "Erika")
        _, _, max_id = demo_ids(sb, "Max")
        S.run(test_bad, sb, tid)
        S.run(test_versions, sb, tid, erika)
        S.run(test_roles, sb, tid, erika, max_id)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
