#!/usr/bin/python3
"""Billing, second slice (issue 18): invoices, credit notes, the revenue
report.

  * Ended calls of October 2026 (a month that is over) written into the
    store's call records and queue visits of two clients, priced by a
    tariff of each client without trial (made through the API).
  * Issue: the demo client's month -> 201, number RE-<year>-000001; the
    other client's -> 000002; the JSON equals the bill's figures to the
    cent (net, VAT, gross, every line's amount), and the figures computed
    here by the rule; the client's invoice address (set by its admin,
    with an umlaut) and the supplier's (configuration) are on it.  CSV
    and PDF: pdftotext shows the number, "Rechnung", net, VAT and gross
    formatted 1.234,56 EUR-style, the address with its umlaut.
  * Errors as the rest of the API (docs/api.md; the tariffs' route
    answers the same): a malformed body 400 naming the field (no month,
    a month not a string, an unknown field, a reason not a string, no
    reason), a value refused 422 (a bad month, an empty reason); the
    same month again 409 ("month"); this month (not over) 422 "month";
    a month with a running call 409.  Access: agent, subaccount 403; another client's admin
    404; the client admin may not issue (403) but reads its own.
  * Credit note: 000003, every amount negated, referencing the invoice;
    a second one 409; then the month again: 000004.
  * Revenue report: per client calls, billed seconds, SMS, net, VAT,
    gross equal to the bills; the totals; CSV.
  * Retention (§147 AO, §14b UStG): the other client is deleted; its
    invoice stays: JSON, CSV and PDF exactly as before, the revenue
    report lists it under the name invoiced with the same figures and
    totals; its calls, queue visits and live billing address are gone;
    the store refuses to delete an invoice; a new client never gets the
    deleted one's id.
  * Wrap-up cut by a restart: two ended calls of August whose agents'
    wrap-ups have no end (node1 stopped in them) are pending: not on the
    bill (listed under "pending"), the month not invoiced (409); node1
    is restarted, its last heartbeat 40 s after the one wrap-up's start
    and 300 s after the other's: they end there: 40 s counted, 300 s
    counted 120; the bill and then the invoice to the cent.
"""
import datetime
import os
import sqlite3
import subprocess
import sys
import tempfile
import urllib.request
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import demo_ids, Suite, Switchboard  # noqa: E402

S = Suite("invoice")
V = "/api/v1"
BERLIN = ZoneInfo("Europe/Berlin")
MONTH = "2026-10"
ISSUER = ["--invoice-issuer-name", "Telefonservice Süd GmbH",
          "--invoice-issuer-address", "Hauptstraße 1|50667 Köln",
          "--invoice-issuer-vat-id", "DE123456789",
          "--invoice-issuer-tax-number", "214/5722/0815"]
# (talk s, wrap-up s) of the demo client's and the other client's calls
CALLS_A = [(16, 130), (15, 0), (61, 119), (3600, 121)]
CALLS_B = [(100, 20)]


def eur(cents):
    """1.234,56 € as the invoice writes it."""
    a = abs(cents)
    s = f"{a // 100:,}".replace(",", ".")
    return f"{'-' if cents < 0 else ''}{s},{a % 100:02d} €"


def expected(calls):
    """Exact amounts by the rule, the net rounded once, VAT, gross."""
    xs = []
    for t, w in calls:
        xs.append((59 * 60 if t > 15 else 0) + 59 * (t + min(w, 120)))
    net = (sum(xs) + 30) // 60
    vat = (net * 1900 + 5000) // 10000
    return xs, net, vat, net + vat


def ms(y, mo, d, h, mi=0):
    return int(datetime.datetime(y, mo, d, h, mi, tzinfo=BERLIN)
               .timestamp() * 1000)


def write_calls(sb, tid, queue, calls, day, running=None):
    """Ended calls answered by an agent (call record + queue visit)."""
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    for i, (t, w) in enumerate(calls):
        start = ms(2026, 10, day, 9 + i)
        ans = start + 5000
        end = ans + t * 1000 + 300
        cur = db.execute(
            "INSERT INTO calls (tenant_id, direction, from_number, to_number,"
            " started_at, answered_at, ended_at, disposition)"
            " VALUES (?, 'inbound', '+49301000077', '+4922182829962', ?, ?,"
            " ?, 'answered')", (tid, start, ans, end))
        db.execute(
            "INSERT INTO queue_visits (tenant_id, queue_id, call_id,"
            " arrived_at, joined_at, outcome, left_at, handle_ms, ended_at,"
            " wrapup_started_at, wrapup_ended_at) VALUES (?, ?, ?, ?, ?,"
            " 'answered', ?, ?, ?, ?, ?)",
            (tid, queue, cur.lastrowid, start, start, ans, t * 1000 + 300,
             end, end if w else 0, end + w * 1000 if w else 0))
    # the client exists since January (its trial long over)
    db.execute("UPDATE tenants SET created_at = ? WHERE id = ?",
               (ms(2026, 1, 1, 0), tid))
    if running:
        db.execute("INSERT INTO calls (tenant_id, direction, started_at,"
                   " answered_at) VALUES (?, 'inbound', ?, ?)",
                   (tid, running, running + 1000))
    db.commit()
    db.close()


def raw_get(sb, path, token):
    req = urllib.request.Request(f"http://127.0.0.1:{sb.http_port}{path}")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


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
    queues = {}
    for t in (tid, tb["id"]):
        st, q = sb.api("POST", V + "/queues", {"tenant_id": t,
                                               "name": "Pool"})
        S.check(st == 201, f"a queue of tenant {t}: 201", f"{st} {q}")
        queues[t] = q["id"]
        st, r = sb.api("POST", f"{V}/tenants/{t}/tariffs",
                       {"valid_from": "2026-01-01", "trial_hours": 0})
        S.check(st == 201, f"tenant {t}: a tariff without trial: 201",
                f"{st} {r}")
    write_calls(sb, tid, queues[tid], CALLS_A, 12,
                running=ms(2026, 9, 30, 23, 50))
    write_calls(sb, tb["id"], queues[tb["id"]], CALLS_B, 20)
    env.update(tid=tid, b=tb["id"], tok=tok)


def test_address(sb, env):
    tok, tid = env["tok"], env["tid"]
    body = {"name": "Mustermann AG", "address":
            "Frau Jürgens|Musterstraße 5|50667 Köln", "vat_id": ""}
    st, r = sb.api("PUT", f"{V}/tenants/{tid}/billing_address", body,
                   tok["admin"])
    S.check(st == 200 and r["address"] == body["address"],
            "the client admin sets its invoice address: 200", f"{st} {r}")
    st, r = sb.api("PUT", f"{V}/tenants/{tid}/billing_address",
                   {"name": "x" * 200}, tok["admin"])
    S.check(st == 400 and r["error"].startswith("name:"),
            "a name over 127 characters: 400 naming name", f"{st} {r}")
    st, r = sb.api("PUT", f"{V}/tenants/{tid}/billing_address", body,
                   tok["agent"])
    S.check(st == 403, "an agent may not: 403", f"{st} {r}")
    st, r = sb.api("GET", f"{V}/tenants/{tid}/billing_address",
                   token=tok["admin_b"])
    S.check(st == 404 and "not found" in r["error"],
            "another client's admin: 404", f"{st} {r}")


def test_issue(sb, env):
    tok, tid, b = env["tok"], env["tid"], env["b"]
    year = datetime.datetime.now(BERLIN).year
    env["year"] = year
    path = f"{V}/tenants/{tid}/invoices"
    st, r = sb.api("POST", path, {"month": "2026-09"})
    S.check(st == 409 and "month" in r["error"] and
            "running" in r["error"],
            "a month with a running call: 409 naming month", f"{st} {r}")
    now_month = datetime.datetime.now(BERLIN).strftime("%Y-%m")
    st, r = sb.api("POST", path, {"month": now_month})
    S.check(st == 422 and r["error"].startswith("month:") and
            "not over" in r["error"],
            "this month (not over in Berlin): 422 naming month", f"{st} {r}")
    for bad in ("2026-13", "26-10", ""):
        st, r = sb.api("POST", path, {"month": bad})
        S.check(st == 422 and r["error"].startswith("month"),
                f"month {bad!r}: 422 naming month", f"{st} {r}")
    for body, want, err in (
            ({}, 400, "month: is required"),
            ({"month": 202610}, 400, "month: must be a string"),
            ({"month": MONTH, "tariff": 1}, 400, "tariff: unknown field")):
        S.error_is(f"{body}: {want} {err!r}", sb.api("POST", path, body),
                   want, err)
    S.error_is("the tariffs' route alike: a date not a string 400",
               sb.api("POST", f"{V}/tenants/{tid}/tariffs",
                      {"valid_from": 20260101}), 400,
               "valid_from: must be a string")
    st, r = sb.api("POST", path, {"month": MONTH}, tok["admin"])
    S.check(st == 403, "the client admin may not issue: 403", f"{st} {r}")
    st, r = sb.api("POST", f"{V}/tenants/999/invoices", {"month": MONTH})
    S.check(st == 404 and "not found" in r["error"],
            "an unknown tenant: 404", f"{st} {r}")

    st, inv = sb.api("POST", path, {"month": MONTH})
    S.check(st == 201 and inv["number"] == f"RE-{year}-000001" and
            inv["kind"] == "invoice",
            f"the month's invoice: 201, RE-{year}-000001", f"{st} {inv}")
    env["inv"] = inv
    st, bill = sb.api("GET", f"{V}/tenants/{tid}/bill?month={MONTH}")
    xs, net, vat, gross = expected(CALLS_A)
    S.check(st == 200 and (bill["net_cents"], bill["vat_cents"],
                           bill["gross_cents"]) == (net, vat, gross),
            f"the bill: net {net}, VAT {vat}, gross {gross} by the rule",
            f"{st} {bill and (bill['net_cents'], bill['vat_cents'])}")
    S.check((inv["net_cents"], inv["vat_cents"], inv["gross_cents"],
             inv["calls"]) == (net, vat, gross, len(CALLS_A)),
            "the invoice's net, VAT, gross and calls equal the bill's",
            repr(inv))
    calls = [x for x in inv["lines"] if x["kind"] == "call"]
    S.check([x["amount_sixtieth_cents"] for x in calls] == xs and
            [x["amount_cents"] for x in calls] ==
            [x["amount_cents"] for x in bill["lines"]] and
            [x["call_id"] for x in calls] ==
            [x["call_id"] for x in bill["lines"]],
            "every call line equal to the bill's, exactly", repr(calls))
    vats = [x for x in inv["lines"] if x["kind"] == "vat"]
    S.check(len(vats) == 1 and vats[0]["vat_bp"] == 1900 and
            vats[0]["amount_cents"] == net and vats[0]["vat_cents"] == vat,
            "the net and VAT of 19 %", repr(vats))
    S.check(inv["customer"]["name"] == "Mustermann AG" and
            "Musterstraße 5" in inv["customer"]["address"] and
            inv["issuer"]["vat_id"] == "DE123456789" and
            inv["issuer"]["name"] == "Telefonservice Süd GmbH" and
            inv["period_from"] == "2026-10-01" and
            inv["period_until"] == "2026-10-31",
            "customer, supplier and the service period", repr(inv))
    st, ib = sb.api("POST", f"{V}/tenants/{b}/invoices", {"month": MONTH})
    xb, netb, vatb, grossb = expected(CALLS_B)
    S.check(st == 201 and ib["number"] == f"RE-{year}-000002" and
            ib["gross_cents"] == grossb,
            f"the other client's: RE-{year}-000002, gross {grossb}",
            f"{st} {ib}")
    env["inv_b"] = ib
    st, r = sb.api("POST", path, {"month": MONTH})
    S.check(st == 409 and r["error"].startswith("month:"),
            "the same month again: 409 naming month", f"{st} {r}")
    st, r = sb.api("GET", path, token=tok["admin"])
    S.check(st == 200 and [x["number"] for x in r["invoices"]] ==
            [f"RE-{year}-000001"],
            "the client admin lists its invoices", f"{st} {r}")


def test_formats(sb, env):
    tok, inv = env["tok"], env["inv"]
    p = f"{V}/invoices/{inv['id']}"
    st, r = sb.api("GET", p, token=tok["admin"])
    S.check(st == 200 and r["gross_cents"] == inv["gross_cents"] and
            r["number"] == inv["number"],
            "the client admin reads its invoice (JSON)", f"{st}")
    for who, want in (("agent", 403), ("sub", 403), ("admin_b", 404)):
        st, r = sb.api("GET", p, token=tok[who])
        S.check(st == want, f"{who}: {want}", f"{st} {r}")
    st, r = sb.api("GET", f"{V}/invoices/99999")
    S.check(st == 404 and "not found" in r["error"], "an unknown invoice: "
            "404", f"{st} {r}")
    st, r = sb.api("GET", p + "?format=xml")
    S.check(st == 422 and r["error"].startswith("format"),
            "format xml: 422 naming format", f"{st} {r}")
    st, ct, body = raw_get(sb, p + "?format=csv", tok["admin"])
    text = body.decode()
    S.check(st == 200 and ct.startswith("text/csv") and
            inv["number"] in text and
            f"gross;;;;;;;;;{inv['gross_cents']};" in text and
            text.count("\r\ncall;") == len(CALLS_A),
            "CSV: the number, a row per call, the gross", text[:300])
    st, ct, body = raw_get(sb, p + "?format=pdf", tok["admin"])
    S.check(st == 200 and ct == "application/pdf" and
            body.startswith(b"%PDF-"), "PDF: application/pdf", f"{st} {ct}")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        out = subprocess.run(["pdftotext", "-layout", f.name, "-"],
                             capture_output=True, text=True).stdout
    net, vat, gross = inv["net_cents"], inv["vat_cents"], inv["gross_cents"]
    for s in ("Rechnung", "Rechnungsnummer", inv["number"], "Rechnungsdatum",
              "Leistungszeitraum", "01.10.2026 bis 31.10.2026",
              "Netto (USt 19 %)", eur(net), "USt 19 %", eur(vat),
              "Brutto", eur(gross), "Musterstraße 5", "Frau Jürgens",
              "Telefonservice Süd GmbH", "USt-IdNr.: DE123456789",
              "Steuernummer: 214/5722/0815"):
        S.check(s in out, f"pdftotext shows {s!r}", out[:600])


def test_credit(sb, env):
    tok, tid, inv, year = env["tok"], env["tid"], env["inv"], env["year"]
    p = f"{V}/invoices/{inv['id']}/credit_note"
    st, r = sb.api("POST", p, {"reason": "Anruf doppelt"}, tok["admin"])
    S.check(st == 403, "the client admin may not credit: 403", f"{st} {r}")
    for body, want, err in (
            ({}, 400, "reason: is required"),
            ({"reason": 5}, 400, "reason: must be a string"),
            ({"reason": "x", "month": MONTH}, 400, "month: unknown field"),
            ({"reason": ""}, 422, "reason: must not be empty")):
        S.error_is(f"credit note {body}: {want} {err!r}",
                   sb.api("POST", p, body), want, err)
    st, cn = sb.api("POST", p, {"reason": "Anruf doppelt"})
    S.check(st == 201 and cn["number"] == f"RE-{year}-000003" and
            cn["kind"] == "credit_note" and cn["credits_id"] == inv["id"] and
            cn["credits_number"] == inv["number"] and
            cn["gross_cents"] == -inv["gross_cents"] and
            cn["net_cents"] == -inv["net_cents"] and
            cn["vat_cents"] == -inv["vat_cents"] and
            all(x["amount_cents"] <= 0 for x in cn["lines"]) and
            sum(x["amount_cents"] < 0 for x in cn["lines"]) >= 3,
            f"the credit note: RE-{year}-000003, every amount negated",
            f"{st} {cn}")
    st, ct, body = raw_get(sb, f"{V}/invoices/{cn['id']}?format=pdf",
                           tok["admin"])
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        out = subprocess.run(["pdftotext", "-layout", f.name, "-"],
                             capture_output=True, text=True).stdout
    S.check(cn["number"] in out and inv["number"] in out and
            eur(-inv["gross_cents"]) in out and "Anruf doppelt" in out,
            "its PDF: its number, the invoice's, the negative gross",
            out[:600])
    st, r = sb.api("POST", p, {"reason": "nochmal"})
    S.check(st == 409 and "credit note" in r["error"],
            "a second credit note: 409", f"{st} {r}")
    st, r = sb.api("POST", f"{V}/invoices/{cn['id']}/credit_note",
                   {"reason": "x"})
    S.check(st == 422, "a credit note of a credit note: 422", f"{st} {r}")
    st, again = sb.api("POST", f"{V}/tenants/{tid}/invoices",
                       {"month": MONTH})
    S.check(st == 201 and again["number"] == f"RE-{year}-000004" and
            again["gross_cents"] == inv["gross_cents"],
            f"the month again after the credit note: RE-{year}-000004",
            f"{st} {again}")


def test_revenue(sb, env):
    tok, tid, b = env["tok"], env["tid"], env["b"]
    st, r = sb.api("GET", f"{V}/billing/revenue?month={MONTH}",
                   token=tok["admin"])
    S.check(st == 403, "the client admin may not read revenue: 403",
            f"{st} {r}")
    st, r = sb.api("GET", f"{V}/billing/revenue?month=2026-1")
    S.check(st == 422 and r["error"].startswith("month"),
            "a bad month: 422 naming month", f"{st} {r}")
    st, r = sb.api("GET", f"{V}/billing/revenue?month={MONTH}")
    rows = {c["tenant_id"]: c for c in (r or {}).get("clients", [])}
    _, net, vat, gross = expected(CALLS_A)
    secs = sum(t + min(w, 120) for t, w in CALLS_A)
    S.check(st == 200 and tid in rows and
            (rows[tid]["calls"], rows[tid]["billed_seconds"],
             rows[tid]["sms"], rows[tid]["net_cents"],
             rows[tid]["vat_cents"], rows[tid]["gross_cents"]) ==
            (len(CALLS_A), secs, 0, net, vat, gross),
            f"the demo client: {len(CALLS_A)} calls, {secs} s, net {net}, "
            f"gross {gross}", repr(r))
    _, netb, _, grossb = expected(CALLS_B)
    tot = r["total"] if r else {}
    S.check(b in rows and rows[b]["net_cents"] == netb and
            tot.get("gross_cents") == gross + grossb and
            tot.get("calls") == len(CALLS_A) + len(CALLS_B),
            "the other client and the totals", repr(r))
    st, ct, body = raw_get(sb, f"{V}/billing/revenue?month={MONTH}"
                           "&format=csv", sb.token)
    text = body.decode()
    S.check(st == 200 and ct.startswith("text/csv") and
            f"{tid};" in text and f";{gross}\r\n" in text and
            f";total;{len(CALLS_A) + len(CALLS_B)};" in text,
            "CSV: a row per client and the totals", text)


def invoice_copies(sb, inv_id):
    """The invoice as JSON, CSV and PDF (bytes)."""
    st, js = sb.api("GET", f"{V}/invoices/{inv_id}")
    out = [st, js]
    for fmt in ("csv", "pdf"):
        st, ct, body = raw_get(sb, f"{V}/invoices/{inv_id}?format={fmt}",
                               sb.token)
        out += [st, ct, body]
    return out


def count(sb, table, tid):
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        return db.execute(f"SELECT count(*) FROM {table} WHERE tenant_id"
                          " = ?", (tid,)).fetchone()[0]
    finally:
        db.close()


def test_retention(sb, env):
    b, ib = env["b"], env["inv_b"]
    st, r = sb.api("PUT", f"{V}/tenants/{b}/billing_address",
                   {"name": "Andere GmbH Buchhaltung", "address": "Weg 1"})
    S.check(st == 200, "the other client's address, after its invoice: "
            "200", f"{st} {r}")
    before = invoice_copies(sb, ib["id"])
    S.check(before[0] == 200 and before[1]["customer"]["name"] ==
            "Andere GmbH" and before[2] == 200 and before[5] == 200,
            "its invoice names whom it was issued to (its own copy)",
            f"{before[:2]}")
    st, rev0 = sb.api("GET", f"{V}/billing/revenue?month={MONTH}")
    S.check(st == 200 and count(sb, "calls", b) == len(CALLS_B) and
            count(sb, "queue_visits", b) == len(CALLS_B),
            "before: its calls and visits are there", f"{st}")
    st, d = sb.api("POST", f"{V}/tenants/{b}/deletion", {})
    st2, d2 = sb.api("POST", f"{V}/tenants/{b}/deletion/run", {})
    S.check(st == 201 and st2 == 200 and d2["state"] == "done",
            "the client is deleted (request, run): done", f"{st} {st2} {d2}")
    S.check(sb.api("GET", f"{V}/tenants/{b}")[0] == 404,
            "the tenant is gone: 404", "")
    after = invoice_copies(sb, ib["id"])
    S.check(after[0] == 200 and after[1] == before[1],
            "GET /invoices/:id: the same JSON as before", f"{after[:2]}")
    S.check(after[2:5] == before[2:5] and after[4].startswith(b"number;"),
            "the same CSV, byte for byte", f"{after[2:4]}")
    S.check(after[5:7] == before[5:7] and after[7] == before[7] and
            after[7].startswith(b"%PDF-"),
            "the same PDF, byte for byte", f"{after[5:7]}")
    st, rev = sb.api("GET", f"{V}/billing/revenue?month={MONTH}")
    rows = {c["tenant_id"]: c for c in (rev or {}).get("clients", [])}
    old = {c["tenant_id"]: c for c in rev0["clients"]}
    _, netb, vatb, grossb = expected(CALLS_B)
    secs = sum(t + min(w, 120) for t, w in CALLS_B)
    S.check(st == 200 and b in rows and rows[b] == old[b] and
            (rows[b]["name"], rows[b]["calls"], rows[b]["billed_seconds"],
             rows[b]["net_cents"], rows[b]["vat_cents"],
             rows[b]["gross_cents"]) ==
            ("Andere GmbH", 1, secs, netb, vatb, grossb),
            f"the revenue report lists its invoice: 1 call, {secs} s, "
            f"net {netb}, gross {grossb}, the name invoiced", repr(rev))
    S.check(rev["total"] == rev0["total"], "the totals are unchanged",
            f"{rev['total']} != {rev0['total']}")
    left = {t: count(sb, t, b) for t in ("calls", "queue_visits",
                                         "billing_addresses", "tariffs",
                                         "invoices", "invoice_lines")}
    S.check(left == {"calls": 0, "queue_visits": 0, "billing_addresses": 0,
                     "tariffs": 0, "invoices": 1,
                     "invoice_lines": len(after[1]["lines"])},
            "its call data and live address are gone, the invoice and "
            "its lines stay", f"{left}")
    st, tn = sb.api("POST", V + "/tenants", {"name": "Neue GmbH",
                                             "country_code": "49",
                                             "area_code": "30"})
    st2, li = sb.api("GET", f"{V}/tenants/{tn.get('id')}/invoices")
    S.check(st == 201 and tn["id"] > b and st2 == 200 and
            li["invoices"] == [],
            "a new client never gets the deleted one's id (nor its "
            "invoices)", f"{tn} {li}")
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        db.execute("DELETE FROM invoices WHERE id = ?", (ib["id"],))
        refused = ""
    except sqlite3.DatabaseError as e:
        refused = str(e)
    finally:
        db.close()
    S.check("kept" in refused, "the store refuses to delete an invoice",
            refused)


def test_restart_wrapup(sb, env):
    tid = env["tid"]
    month = "2026-08"
    calls = [(10, 300), (20, 40)]  # talk, wrap-up up to the node's stop
    stop = ms(2026, 8, 10, 10)     # node1's last heartbeat
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    ids = []
    for t, w in calls:
        ws = stop - w * 1000
        end = ws
        start = end - t * 1000 - 5000
        cur = db.execute(
            "INSERT INTO calls (node_id, tenant_id, direction, started_at,"
            " answered_at, ended_at, disposition) VALUES ('node1', ?,"
            " 'inbound', ?, ?, ?, 'answered')", (tid, start, start + 5000,
                                                 end))
        ids.append(cur.lastrowid)
        db.execute(
            "INSERT INTO queue_visits (tenant_id, queue_id, call_id,"
            " arrived_at, joined_at, outcome, left_at, handle_ms, ended_at,"
            " wrapup_started_at, wrapup_ended_at) SELECT ?, id, ?, ?, ?,"
            " 'answered', ?, ?, ?, ?, 0 FROM queues WHERE tenant_id = ?"
            " LIMIT 1", (tid, cur.lastrowid, start, start, start + 5000,
                         t * 1000, end, ws, tid))
    db.commit()
    db.close()
    path = f"{V}/tenants/{tid}/bill?month={month}"
    st, b = sb.api("GET", path)
    S.check(st == 200 and b["lines"] == [] and b["net_cents"] == 0 and
            [x["call_id"] for x in b["pending"]] == ids and
            all(x["why"] == "wrap-up running" for x in b["pending"]),
            "wrap-ups without an end: both calls pending, not billed "
            "(no 0 s line)", f"{st} {b}")
    st, r = sb.api("POST", f"{V}/tenants/{tid}/invoices", {"month": month})
    S.check(st == 409 and r["error"].startswith("month:") and
            "wrap-up" in r["error"],
            "a month with a call pending is not invoiced: 409 naming month",
            f"{st} {r}")
    code = sb.stop()
    S.check(code == 0, "node1 stops", f"exit {code}")
    db = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    db.execute("UPDATE nodes SET heartbeat_at = ? WHERE node_id = 'node1'",
               (stop,))
    db.commit()
    db.close()
    sb.start()
    xs, net, vat, gross = expected(calls)
    st, b = sb.api("GET", path)
    got = [(x["call_id"], x["talk_s"], x["wrapup_s"], x["wrapup_counted_s"],
            x["amount_sixtieth_cents"]) for x in (b or {}).get("lines", [])]
    S.check(st == 200 and b["pending"] == [] and
            got == [(ids[0], 10, 300, 120, xs[0]),
                    (ids[1], 20, 40, 40, xs[1])],
            "after the restart the wrap-ups end at node1's last heartbeat: "
            "40 s, and 300 s counted 120", f"{st} {got} {b}")
    S.check(st == 200 and (b["net_cents"], b["vat_cents"],
                           b["gross_cents"]) == (net, vat, gross),
            f"the bill: net {net}, VAT {vat}, gross {gross}", f"{b}")
    st, inv = sb.api("POST", f"{V}/tenants/{tid}/invoices",
                     {"month": month})
    S.check(st == 201 and inv["gross_cents"] == gross and inv["calls"] == 2,
            f"now the month is invoiced: 201, gross {gross}", f"{st} {inv}")


def main():
    sb = Switchboard(extra_args=ISSUER).start()
    env = {}
    try:
        setup(sb, env)
        S.run(test_address, sb, env)
        S.run(test_issue, sb, env)
        if "inv" in env:
            S.run(test_formats, sb, env)
            S.run(test_credit, sb, env)
        S.run(test_revenue, sb, env)
        if "inv_b" in env:
            S.run(test_retention, sb, env)
        S.run(test_restart_wrapup, sb, env)
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
