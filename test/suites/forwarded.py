#!/usr/bin/python3
"""Forwarded calls (issue 17, "The call"): a client forwards its own
number to us (Rufumleitung); the carrier's INVITE reaches one of our
service numbers and names the client's number in a Diversion (RFC 5806)
or History-Info (RFC 7044) header.  With real peers: sipp is the carrier
(the demo trunk), two baresip phones that do not answer are Max (1001)
and Erika (1002).

  * /api/v1/forwardings: a client's number written nationally is stored
    as E.164 and read back exactly; the same number again (another
    tenant, written another way) 409 naming it; no target 422, an
    extension 422, another tenant's employee as target 422; the number
    cannot be changed (400, as every fixed field), the target can; a client admin reads only
    its own, may change the target, may not add or delete (403: the
    operator vouches for whose a number is); unknown ids 404.
  * One service number (+4922182829980, routed to Max) serves two
    clients.  Each call is a sipp run with one header line; the phone
    that rings (CALL_INCOMING, the other phone silent) and the call record
    (tenant, forwarded_from, sip_code, the VIP mark) say where it went:
      - no header: Max rings, no forwarded_from;
      - Diversion with A's number (E.164, national, a tel: URI, the
        second entry of a comma list): Erika rings, forwarded_from is
        A's number;
      - History-Info whose first entry is A's number: Erika rings;
      - Diversion with B's number: B's employee has no phone: 480, the
        record is B's;
      - Diversion with a number nobody forwards: Max rings.
  * Security review: before the operator marks the service number
    (forwarded_calls, a client admin may not: 403) a carrier's Diversion
    with A's number is ignored (Max rings, not forwarded); a registered
    device (Max's softclient 1011) sending a forged Diversion is never
    treated as forwarded (Erika's phone stays silent).
  * The caller lists of the client decide before anyone is involved: a
    blocked caller gets 603 and no phone rings; an allow-listed caller
    for Max rings Max directly although A's forwarding leads to Erika; a
    VIP rings Erika and the record carries "vip"; A's block list does not
    touch B's calls.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402

S = Suite("forwarded")
PW = DEMO["devices"]
V = "/api/v1"
SERVICE = "+4922182829980"  # our number: carriers send forwarded calls here
A_NUM = "+4922155500"       # client A's own number, forwarded to us
B_NUM = "+4930999000"       # client B's
CALLER = "+4930111222"


def test_api(sb, a, b, max_id, erika, bea, ca_a):
    post = lambda body, tok="__admin__": sb.api(  # noqa: E731
        "POST", V + "/forwardings", body, tok)
    st, fa = post({"tenant_id": a, "number": "0221 555-00",
                   "target_type": "employee", "target_id": erika,
                   "description": "Zentrale, immer umgeleitet"})
    S.check(st == 201 and fa.get("number") == A_NUM and
            fa.get("tenant_id") == a and
            fa.get("target_type") == "employee" and
            fa.get("target_id") == erika and
            fa.get("description") == "Zentrale, immer umgeleitet" and
            isinstance(fa.get("id"), int) and fa.get("created_at"),
            "POST /forwardings: 201, the national number stored as E.164",
            f"{st} {fa}")
    st, g = sb.api("GET", f"{V}/forwardings/{fa.get('id')}")
    S.check(st == 200 and g == fa, "GET /forwardings/:id: the same record",
            f"{st} {g}")
    st, e = post({"tenant_id": b, "number": "+49 221 55500",
                  "target_type": "employee", "target_id": bea})
    S.check(st == 409 and "number" in e.get("error", "") and
            A_NUM in e.get("error", ""),
            "the same number for another client: 409 naming it",
            f"{st} {e}")
    st, e = post({"tenant_id": a, "number": "+4922155501"})
    S.check(st == 422 and e.get("error", "").startswith("target_type"),
            "no target: 422 naming target_type", f"{st} {e}")
    st, e = post({"tenant_id": a, "number": "12",
                  "target_type": "employee", "target_id": erika})
    S.check(st == 422 and e.get("error", "").startswith("number"),
            "an extension: 422 naming number", f"{st} {e}")
    st, e = post({"tenant_id": a, "number": "+4922155502",
                  "target_type": "employee", "target_id": bea})
    S.check(st == 422 and "target_id" in e.get("error", ""),
            "another client's employee as target: 422 naming target_id",
            f"{st} {e}")
    st, e = sb.api("PATCH", f"{V}/forwardings/{fa['id']}",
                   {"number": "+4922155509"})
    S.check(st == 400 and e.get("error") == "number: cannot be changed",
            "the number cannot be changed: 400 naming it", f"{st} {e}")
    st, fb = post({"tenant_id": b, "number": "030 999000",
                   "target_type": "employee", "target_id": bea})
    S.check(st == 201 and fb.get("number") == B_NUM,
            "client B's forwarding: 201", f"{st} {fb}")

    # the client admin of A
    st, lst = sb.api("GET", V + "/forwardings", token=ca_a)
    S.check(st == 200 and [x["id"] for x in lst] == [fa["id"]],
            "client admin A lists only A's forwarding", f"{st} {lst}")
    st, e = sb.api("GET", f"{V}/forwardings/{fb['id']}", token=ca_a)
    S.check(st == 404 and "not found" in e.get("error", ""),
            "client admin A: B's forwarding is 404", f"{st} {e}")
    st, e = post({"tenant_id": a, "number": "+4922155503",
                  "target_type": "employee", "target_id": erika}, ca_a)
    S.check(st == 403, "client admin A may not add a forwarding: 403",
            f"{st} {e}")
    st, p = sb.api("PATCH", f"{V}/forwardings/{fa['id']}",
                   {"target_id": max_id}, token=ca_a)
    S.check(st == 200 and p.get("target_id") == max_id,
            "client admin A changes the target: 200", f"{st} {p}")
    st, p = sb.api("PATCH", f"{V}/forwardings/{fa['id']}",
                   {"target_id": erika}, token=ca_a)
    S.check(st == 200 and p.get("target_id") == erika,
            "... and back to Erika", f"{st} {p}")
    st, e = sb.api("DELETE", f"{V}/forwardings/{fa['id']}", token=ca_a)
    S.check(st == 403, "client admin A may not delete it: 403", f"{st} {e}")
    st, e = sb.api("GET", f"{V}/forwardings/999999")
    S.check(st == 404 and "not found" in e.get("error", ""),
            "an unknown forwarding: 404", f"{st} {e}")
    st, t = post({"tenant_id": a, "number": "+4922155504",
                  "target_type": "employee", "target_id": erika})
    st2, _ = sb.api("DELETE", f"{V}/forwardings/{t.get('id')}")
    st3, _ = sb.api("GET", f"{V}/forwardings/{t.get('id')}")
    S.check(st == 201 and st2 == 204 and st3 == 404,
            "DELETE: 204, then 404", f"{st} {st2} {st3}")


def last_call(sb, caller):
    st, calls = sb.api("GET", V + "/calls?limit=200")
    mine = [c for c in calls if c.get("from_number") == caller] \
        if st == 200 else []
    return max(mine, key=lambda c: c["id"]) if mine else None


def placed(sb, phones, hdr, caller, expect, what, ring_first=False):
    """One carrier call with header line hdr; expect is the phone that
    must ring ("max"/"erika") or a SIP status (after a 180 only if
    ring_first: an employee without phones is tried, 180, then 480).
    Returns the call's record."""
    marks = {k: p.mark() for k, p in phones.items()}
    before = last_call(sb, caller)
    uac = Sipp("uac_diverted", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service=SERVICE,
               keys={"caller": caller, "hdr": hdr}, timeout_s=40,
               recv_timeout_ms=15000).start()
    rang = None
    if isinstance(expect, str):
        ev = phones[expect].wait_event("CALL_INCOMING", 10,
                                       since=marks[expect])
        rang = ev is not None
    uac.wait(30)
    msgs = uac.messages()
    if isinstance(expect, str):
        S.check(rang and uac.successful == 1,
                f"{what}: {expect.capitalize()}'s phone rings",
                f"{uac.summary()} {msgs[-600:]}")
    else:
        S.check(uac.successful == 1 and f"SIP/2.0 {expect} " in msgs and
                ring_first == ("SIP/2.0 180 " in msgs),
                f"{what}: {expect}" + ("" if ring_first else " at once") +
                ", no phone rings", f"{uac.summary()} {msgs[-600:]}")
    others = [k for k in phones if k != expect]
    time.sleep(0.3)
    for k in others:
        S.check(phones[k].wait_event("CALL_INCOMING", 0.2,
                                     since=marks[k]) is None,
                f"{what}: {k.capitalize()}'s phone stays silent")
    uac.cleanup()
    rec = None
    for _ in range(50):
        rec = last_call(sb, caller)
        if rec and (not before or rec["id"] != before["id"]) and \
                rec.get("ended_at"):
            break
        time.sleep(0.1)
    return rec


def test_calls(sb, a, b, max_id, ca_a):
    srv = ("127.0.0.1", sb.sip_port)
    mx = Baresip("1001", PW["1001"], server=srv, auto_answer=False)
    er = Baresip("1002", PW["1002"], server=srv, auto_answer=False,
                 tone=1000)
    mx.start()
    er.start()
    try:
        S.check(mx.wait_registered(10) and er.wait_registered(10),
                "Max's and Erika's phones register")
        phones = {"max": mx, "erika": er}

        # security review: the header counts only on a number the
        # operator marked as serving forwarded calls
        div = ("Diversion: <sip:+4922155500@carrier.example>"
               ";reason=unconditional")
        rec = placed(sb, phones, div, CALLER, "max",
                     "Diversion on a number not marked forwarded_calls")
        S.check(rec and rec["tenant_id"] == a and
                rec.get("forwarded_from") in (None, ""),
                "... the number's own route, not forwarded", str(rec))
        st, nums = sb.api("GET", V + f"/numbers?tenant_id={a}")
        nid = [n["id"] for n in nums if n["e164"] == SERVICE][0]
        S.error_is("a client admin may not mark it: 403",
                   sb.api("PATCH", f"{V}/numbers/{nid}",
                          {"forwarded_calls": True}, ca_a), 403,
                   "field 'forwarded_calls' may only be changed by the "
                   "operator")
        st, n = sb.api("PATCH", f"{V}/numbers/{nid}",
                       {"forwarded_calls": True})
        S.check(st == 200 and n.get("forwarded_calls") is True,
                "the operator marks the service number: 200", f"{st} {n}")
        dev = Sipp("uac_device_diverted", remote=("127.0.0.1", sb.sip_port),
                   service=SERVICE, auth=("1011", PW["1011"]),
                   keys={"user": "1011", "hdr": div}, timeout_s=40,
                   recv_timeout_ms=15000)
        marks = {k: p.mark() for k, p in phones.items()}
        dev.start()
        dev.wait(30)
        msgs = dev.messages()
        S.check(dev.successful == 1 and
                phones["erika"].wait_event("CALL_INCOMING", 1,
                                           since=marks["erika"]) is None,
                "a device's forged Diversion naming A's number: A's "
                "forwarding (Erika) is not rung",
                f"{dev.summary()} {msgs[-600:]}")
        rec = last_call(sb, "1011") or last_call(sb, "11")
        S.check(rec is None or rec.get("forwarded_from") in (None, ""),
                "... and the device's call is not forwarded", str(rec))
        dev.cleanup()

        rec = placed(sb, phones, "X-Test: not forwarded", CALLER, "max",
                     "no Diversion")
        S.check(rec and rec["tenant_id"] == a and
                rec.get("forwarded_from") in (None, "") and
                rec["to_number"] == SERVICE,
                "no Diversion: the record is A's, not forwarded", str(rec))

        cases = [
            ("Diversion: <sip:+4922155500@carrier.example>"
             ";reason=unconditional;counter=1", "Diversion (E.164)"),
            ("Diversion: \"Zentrale\" <sip:022155500@carrier.example;"
             "user=phone>;reason=user-busy", "Diversion (national)"),
            ("Diversion: <tel:+4922155500>;reason=no-answer",
             "Diversion (tel: URI)"),
            ("Diversion: <sip:+4917099999@carrier.example>;reason=no-answer"
             ", <sip:+4922155500@carrier.example>;reason=unconditional",
             "Diversion (second entry of a list)"),
            ("History-Info: <sip:+4922155500@carrier.example>;index=1,"
             "<sip:" + SERVICE + "@127.0.0.1;cause=302>;index=1.1",
             "History-Info"),
        ]
        for hdr, what in cases:
            rec = placed(sb, phones, hdr, CALLER, "erika", what)
            S.check(rec and rec["tenant_id"] == a and
                    rec.get("forwarded_from") == A_NUM and
                    rec["to_number"] == SERVICE,
                    f"{what}: the record is A's, forwarded from A's "
                    "number", str(rec))

        rec = placed(sb, phones,
                     "Diversion: <sip:+4930999000@carrier.example>"
                     ";reason=unconditional", CALLER, 480,
                     "Diversion with B's number", ring_first=True)
        S.check(rec and rec["tenant_id"] == b and
                rec.get("forwarded_from") == B_NUM and
                rec.get("sip_code") == 480,
                "B's call: the record is B's, forwarded from B's number, "
                "480", str(rec))
        rec = placed(sb, phones,
                     "Diversion: <sip:+4989123456@carrier.example>"
                     ";reason=unconditional", CALLER, "max",
                     "Diversion with a number nobody forwards")
        S.check(rec and rec["tenant_id"] == a and
                rec.get("forwarded_from") in (None, ""),
                "nobody's number: the service number's own route", str(rec))

        # the caller lists of A
        blocked, allowed, vip = "+4930666777", "+4930555444", "+4930777888"
        st, e1 = sb.api("POST", V + "/caller_lists",
                        {"tenant_id": a, "list": "block",
                         "number": "030 666777", "note": "Belästigung"})
        st2, e2 = sb.api("POST", V + "/caller_lists",
                         {"tenant_id": a, "list": "allow",
                          "number": "030 555444", "employee_id": max_id})
        st3, e3 = sb.api("POST", V + "/vips",
                         {"tenant_id": a, "number": "030 777888",
                          "name": "Dr. Anna Schmitz"})
        S.check(st == 201 and st2 == 201 and st3 == 201,
                "A's block and allow entries and a VIP: 201",
                f"{st} {e1} {st2} {e2} {st3} {e3}")
        div_a = ("Diversion: <sip:+4922155500@carrier.example>"
                 ";reason=unconditional")
        rec = placed(sb, phones, div_a, blocked, 603,
                     "a caller on A's block list")
        S.check(rec and rec["tenant_id"] == a and
                rec.get("sip_code") == 603 and
                rec.get("answered_at") in (None, ""),
                "the blocked call's record: A's, 603, never answered",
                str(rec))
        rec = placed(sb, phones, div_a, allowed, "max",
                     "a caller A allows for Max")
        S.check(rec and rec["tenant_id"] == a and
                rec.get("forwarded_from") == A_NUM,
                "the allowed call's record: A's, forwarded", str(rec))
        rec = placed(sb, phones, div_a, vip, "erika", "A's VIP")
        S.check(rec and rec.get("collected") == {"vip": "Dr. Anna Schmitz"},
                "the VIP's record carries the VIP mark", str(rec))
        rec = placed(sb, phones,
                     "Diversion: <sip:+4930999000@carrier.example>"
                     ";reason=unconditional", blocked, 480,
                     "A's blocked caller calling client B", ring_first=True)
        S.check(rec and rec["tenant_id"] == b and rec.get("sip_code") == 480,
                "A's block list does not touch B's calls", str(rec))
    finally:
        mx.stop()
        er.stop()


def main():
    sb = Switchboard().start()
    try:
        a, _, max_id = demo_ids(sb, "Max")
        _, _, erika = demo_ids(sb, "Erika")
        st, tb = sb.api("POST", V + "/tenants",
                        {"name": "Zweite GmbH", "country_code": "49",
                         "area_code": "30"})
        b = tb["id"]
        st, eb = sb.api("POST", V + "/employees",
                        {"tenant_id": b, "first_name": "Bea",
                         "last_name": "Berlin"})
        st, n = sb.api("POST", V + "/numbers",
                       {"tenant_id": a, "e164": SERVICE,
                        "target_type": "employee", "target_id": max_id})
        S.check(st == 201, "the service number, routed to Max: 201",
                f"{st} {n}")
        st, tok = sb.api("POST", V + "/tokens",
                         {"role": "client_admin", "tenant_id": a,
                          "name": "A's admin"})
        ca_a = tok.get("token") if st == 201 else None
        S.run(test_api, sb, a, b, max_id, erika, eb["id"], ca_a)
        S.run(test_calls, sb, a, b, max_id, ca_a)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
