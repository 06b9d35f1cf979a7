#!/usr/bin/python3
"""The operator's administration in a real browser (issue 19, "the
operator runs the service"), and the accessibility check of the main
screens: headless Debian Chromium driven by playwright-core
(test/web/admin.mjs, run with node) against the sanitizer build serving
build/web.

The suite prepares the server: an operator login, a client admin and an
agent (Erika) of the demo client.  The browser script then, each its own
ok/FAIL line here:

  * the operator logs in, opens "Verwaltung": the clients list shows the
    demo client; a new client with the area code "0221" shows the server's
    error at the area-code field and nothing is created; corrected, the
    client is created (the API has exactly the page's fields), edited
    (name) and deleted after the question (API 404);
  * a queue of the demo client with Erika as member is created through
    the form; a number pointing at it is created (API: e164, target_type
    queue, target_id, description), edited (description) and deleted;
  * a device for Erika with a generated password: the password is shown
    once after the create, never in the list or the edit form; edited
    (name) and deleted;
  * a trunk with a password: its form says a password is stored and shows
    none; Erika's skills set through the agents screen;
  * English texts, no untranslated key in either language;
  * a client admin typing /admin/tenants sees the calm "not allowed" page,
    no admin navigation, and the API answers 403;
  * axe-core injected into login, console, wallboard, office profile,
    office dashboard and an admin screen: no "serious" or "critical"
    violation;
  * screenshots build/screenshots/admin-*.png (not committed).
After the browser: the API confirms what the page did.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite, Switchboard, demo_ids  # noqa: E402

S = Suite("web_admin")
from browser import WEB, require_front_end, run_script  # noqa: E402
SCRIPT = os.path.join(ROOT, "test", "web", "admin.mjs")
OP = ("op.admin", "operator-pw-12")
CA = ("chef.admin", "client-pw-12")
AG = ("erika.admin", "agent-pw-1234")


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    for (login, pw), role, extra in ((OP, "operator", {}),
                                     (CA, "client_admin", {"tenant_id": tid}),
                                     (AG, "agent", {"tenant_id": tid,
                                                    "employee_id": erika})):
        st, u = sb.api("POST", "/api/v1/users",
                       dict({"login": login, "password": pw, "role": role},
                            **extra))
        S.check(st == 201, f"user {login} ({role}): 201", f"{st} {u}")
    return tid, erika


def browser(sb, tid, erika):
    run_script(S, SCRIPT, {"SB_URL": f"http://127.0.0.1:{sb.http_port}",
                           "SB_TENANT": str(tid), "SB_ERIKA": str(erika),
                           "SB_OP": ":".join(OP), "SB_CA": ":".join(CA),
                           "SB_AG": ":".join(AG),
                           "SB_AXE": os.path.join(ROOT, "web", "node_modules",
                                                  "axe-core", "axe.min.js")},
               timeout=300, min_checks=40)


def after(sb, tid, erika):
    st, ts = sb.api("GET", "/api/v1/tenants")
    S.check(st == 200 and [t["name"] for t in ts] == ["Mustermann AG"],
            "the API: only the demo client is left (the page's was deleted)",
            str([t["name"] for t in ts]))
    st, qs = sb.api("GET", f"/api/v1/queues?tenant_id={tid}")
    S.check(st == 200 and [(q["name"], q["strategy"], q["members"])
                           for q in qs] ==
            [("Technik", "ring_all", [{"employee_id": erika, "tier": 1}])],
            "the API: the page's queue Technik (ring_all, Erika in tier 1)",
            str(qs))
    st, ns = sb.api("GET", f"/api/v1/numbers?tenant_id={tid}")
    S.check(st == 200 and "+4922182829950" not in [n["e164"] for n in ns],
            "the API: the page's number is deleted",
            str([n["e164"] for n in ns]))
    st, ds = sb.api("GET", f"/api/v1/devices?tenant_id={tid}")
    S.check(st == 200 and "erika.web" not in [d["username"] for d in ds],
            "the API: the page's device is deleted",
            str([d["username"] for d in ds]))
    st, tr = sb.api("GET", "/api/v1/trunks")
    mine = [t for t in tr if t["name"] == "Carrier B"]
    S.check(st == 200 and len(mine) == 1 and mine[0]["host"] == "192.0.2.10"
            and mine[0]["port"] == 5070 and mine[0]["transport"] == "tcp"
            and mine[0]["has_password"] is True
            and mine[0]["tenant_id"] is None and "password" not in mine[0],
            "the API: trunk Carrier B 192.0.2.10:5070 tcp, shared, with a"
            " password (never returned)", str(mine))
    st, a = sb.api("GET", f"/api/v1/agents/{erika}")
    S.check(st == 200 and a["skills"] == [{"name": "de", "level": 9},
                                          {"name": "en", "level": 5}],
            "the API: Erika's skills de 9, en 5 as the page set them", str(a))


def main():
    require_front_end(S)
    sb = Switchboard(["--password-hash", "test", "--web-dir", WEB]).start()
    try:
        tid, erika = setup(sb)
        S.run(browser, sb, tid, erika)
        S.run(after, sb, tid, erika)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
