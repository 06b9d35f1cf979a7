#!/usr/bin/python3
"""The client's back office in a real browser (issue 19, third slice):
headless Debian Chromium driven by playwright-core (test/web/office.mjs,
run with node) against the sanitizer build serving build/web.

The suite prepares the server: a client admin and a sub-account (Max's
own login) of the demo client, a first profile version, and a second
client with one employee.  The browser script then, each its own ok/FAIL
line here:

  * the client admin logs in and opens "Unternehmen": a greeting without
    the placeholder shows the server's text at the field and no version is
    added (the API's history is unchanged); with it the live preview says
    "... Erika Musterfrau ..." and version 2 appears in the history, its
    date in de-DE form; the preview of version 1 shows the old greeting;
  * employees: a wrong e-mail in the form shows the server's error at the
    e-mail field; "Lisa Lehmann" is created through the form and sits
    first in the phone-book list; edited and deleted again (confirmed);
  * a CSV with errors lists every error (line, column, message) and the
    API shows nothing was imported; a correct file imports both rows;
  * the export downloads the CSV (BOM, header, the imported rows);
  * another client's employee id typed into the URL: "not found" (API 404);
  * English texts; no untranslated key on any screen in either language;
  * the sub-account sees only its absence screen (one navigation entry),
    saves its absence info; /office/employees typed by hand shows no data
    (API 403);
  * screenshots build/screenshots/office-*.png (not committed).
After the browser: the API confirms what the page did.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids  # noqa: E402

S = Suite("web_office")
from browser import WEB, require_front_end, run_script  # noqa: E402
SCRIPT = os.path.join(ROOT, "test", "web", "office.mjs")
GREETING1 = "Mustermann AG, guten Tag, mein Name ist [Vorname, Nachname]."
CA = ("chef.office", "client-pw-12")
SUB = ("max.office", "subacct-pw-12")


def setup(sb):
    tid, _, maxid = demo_ids(sb, "Max")
    st, u = sb.api("POST", "/api/v1/users",
                   {"login": CA[0], "password": CA[1], "role": "client_admin",
                    "tenant_id": tid})
    S.check(st == 201, "user chef.office (client_admin): 201", f"{st} {u}")
    st, u = sb.api("POST", "/api/v1/users",
                   {"login": SUB[0], "password": SUB[1], "role": "subaccount",
                    "tenant_id": tid, "employee_id": maxid})
    S.check(st == 201, "user max.office (subaccount of Max): 201", f"{st} {u}")
    st, v = sb.api("POST", f"/api/v1/tenants/{tid}/profile/versions",
                   {"greeting": GREETING1,
                    "instructions": "Bitte Rückruf anbieten."})
    S.check(st == 201 and v["version"] == 1, "profile version 1: 201",
            f"{st} {v}")
    st, t2 = sb.api("POST", "/api/v1/tenants", {"name": "Beispiel GmbH"})
    S.check(st == 201, "a second client: 201", f"{st} {t2}")
    st, other = sb.api("POST", "/api/v1/employees",
                       {"tenant_id": t2["id"], "name": "Otto Fremd"})
    S.check(st == 201, "the second client's employee: 201", f"{st} {other}")
    return tid, maxid, other["id"]


def browser(sb, tid, other):
    run_script(S, SCRIPT, {"SB_URL": f"http://127.0.0.1:{sb.http_port}",
                           "SB_TENANT": str(tid), "SB_CA": ":".join(CA),
                           "SB_SUB": ":".join(SUB),
                           "SB_OTHER_EMPLOYEE": str(other)})


def after(sb, tid, maxid):
    st, vs = sb.api("GET", f"/api/v1/tenants/{tid}/profile/versions")
    S.check(st == 200 and [v["version"] for v in vs] == [1, 2] and
            vs[1]["changed"] == ["greeting"],
            "the API: two versions, the page's changed only the greeting",
            str(vs))
    st, p = sb.api("GET", f"/api/v1/tenants/{tid}/profile")
    S.check(st == 200 and p["settings"]["greeting"] ==
            "Mustermann AG, herzlich willkommen, mein Name ist "
            "[Vorname, Nachname]." and
            p["settings"]["instructions"] == "Bitte Rückruf anbieten.",
            "the API: the greeting in force is the page's, the instructions"
            " carried over", str(p.get("settings")))
    st, es = sb.api("GET", f"/api/v1/employees?tenant_id={tid}&sort=name")
    S.check(st == 200 and [e["name"] for e in es] ==
            ["Anna Alt", "Bert Bauer", "Erika Musterfrau", "Max Mustermann"],
            "the API: the imported employees, Lisa Lehmann deleted",
            str([e["name"] for e in es]))
    bert = [e for e in es if e["name"] == "Bert Bauer"]
    S.check(bert and bert[0]["email"] == "bert@mustermann.example" and
            bert[0]["transfer"] == "all" and bert[0]["extension"] == "31",
            "the API: Bert Bauer as the CSV says (e-mail, transfer all, 31)",
            str(bert))
    st, a = sb.api("GET", f"/api/v1/employees/{maxid}/absence_info")
    S.check(st == 200 and a["text"] == "Bis 18 Uhr im Außendienst.",
            "the API: Max's absence info as the sub-account saved it", str(a))


def main():
    require_front_end(S)
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB]).start()
    try:
        tid, maxid, other = setup(sb)
        S.run(browser, sb, tid, other)
        S.run(after, sb, tid, maxid)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
