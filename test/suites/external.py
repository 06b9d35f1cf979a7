#!/usr/bin/python3
"""External numbers as targets (issue 14): /api/v1/external_targets and
calls that a menu key sends out through the trunk.

  * An external target is created, read, changed and listed over HTTP;
    its number is normalised to E.164 in the tenant's context; bad input
    is refused with the exact error (not a number, an extension, a ring
    timeout out of range, a name given twice); a menu key, a number and a
    schedule may name it ("target_type": "external"), another tenant's
    is refused; one in use cannot be deleted.
  * baresip 1001 calls a number routed to a menu and presses 3: the call
    goes out through the demo trunk to sipp acting as the carrier, whose
    INVITE carries the external number in the Request-URI and the
    tenant's central number in From; the call is bridged (the phone hears
    the carrier echo its own tone).
  * A phone dialling a number routed straight to the external target
    reaches the carrier the same way.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, Suite, Switchboard, demo_ids  # noqa: E402
from peers import Baresip, Sipp  # noqa: E402
from audio import is_tone, read_wav  # noqa: E402

S = Suite("external")
PW = DEMO["devices"]
MENU_NUMBER = "+4922182829952"
DIRECT_NUMBER = "+4922182829953"
EXT = "+492215550123"


def test_api(sb, tid):
    post = lambda body: sb.api("POST", "/api/v1/external_targets",  # noqa
                               body)
    st, x = post({"tenant_id": tid, "name": "Partner",
                  "number": "0221 555 0123"})
    S.check(st == 201 and x == {"id": x.get("id"), "tenant_id": tid,
                                "name": "Partner", "number": EXT,
                                "ring_timeout": None,
                                "created_at": x.get("created_at")},
            "create: 201, the number in E.164, ring_timeout null",
            f"{st} {x}")
    S.error_is("a number that is none: 422",
               post({"tenant_id": tid, "name": "y", "number": "12ab"}), 422,
               "number: 12ab is not a valid E.164 phone number")
    S.error_is("an extension: 422",
               post({"tenant_id": tid, "name": "y", "number": "12"}), 422,
               "number: 12 is not a valid E.164 phone number")
    S.error_is("no number: 400", post({"tenant_id": tid, "name": "y"}), 400,
               "number: is required")
    S.error_is("ring_timeout 301: 422",
               post({"tenant_id": tid, "name": "y", "number": EXT,
                     "ring_timeout": 301}), 422,
               "ring_timeout: must be from 0 to 300 seconds")
    S.error_is("the name again: 409",
               post({"tenant_id": tid, "name": "Partner", "number": EXT}),
               409, "name: Partner exists already")
    S.error_is("no such tenant: 422",
               post({"tenant_id": 99, "name": "y", "number": EXT}), 422,
               "tenant_id: tenant 99 does not exist")
    st, y = sb.api("PATCH", f"/api/v1/external_targets/{x['id']}",
                   {"ring_timeout": 20})
    S.check(st == 200 and y["ring_timeout"] == 20 and y["number"] == EXT,
            "PATCH ring_timeout: 200", f"{st} {y}")
    st, lst = sb.api("GET", f"/api/v1/external_targets?tenant_id={tid}")
    S.check(st == 200 and [e["id"] for e in lst] == [x["id"]],
            "the list of the tenant", f"{st} {lst}")
    S.check(sb.api("GET", "/api/v1/external_targets/999")[0] == 404,
            "an unknown id: 404")

    st, other = sb.api("POST", "/api/v1/tenants",
                       {"name": "Fremd GmbH", "area_code": "30"})
    st, ox = post({"tenant_id": other["id"], "name": "Theirs",
                   "number": "030 1234567"})
    S.check(st == 201 and ox["number"] == "+49301234567",
            "another tenant's: normalised in its own context (030)",
            f"{st} {ox}")
    S.error_is("a menu key to another tenant's external target: 422",
               sb.api("POST", "/api/v1/ivr_menus",
                      {"tenant_id": tid, "name": "m",
                       "options": [{"key": "1", "target_type": "external",
                                    "target_id": ox["id"]}]}), 422,
               f"options[0].target_id: external {ox['id']} belongs to "
               "another tenant")
    S.error_is("a menu key to one that does not exist: 422",
               sb.api("POST", "/api/v1/ivr_menus",
                      {"tenant_id": tid, "name": "m",
                       "options": [{"key": "1", "target_type": "external",
                                    "target_id": 9999}]}), 422,
               "options[0].target_id: external 9999 does not exist")
    S.error_is("a menu key of an unknown type: 422",
               sb.api("POST", "/api/v1/ivr_menus",
                      {"tenant_id": tid, "name": "m",
                       "options": [{"key": "1", "target_type": "pstn",
                                    "target_id": 1}]}), 422,
               "options[0].target_type: must be employee, announcement, "
               "schedule, ivr, voicemail, external, digit_input, "
               "ring_group or queue")
    st, sch = sb.api("POST", "/api/v1/schedules",
                     {"tenant_id": tid, "name": "Nachts extern",
                      "open_type": "external", "open_id": x["id"],
                      "ranges": [{"days": ["mon"], "start": "08:00",
                                  "end": "17:00"}]})
    S.check(st == 201 and sch["open_type"] == "external",
            "a schedule's open state may be external", f"{st} {sch}")
    S.error_is("delete it while a schedule leads there: 409",
               sb.api("DELETE", f"/api/v1/external_targets/{x['id']}"), 409,
               f"external target {x['id']} is in use by a number, a "
               "schedule or a menu")
    if st == 201:
        sb.api("DELETE", f"/api/v1/schedules/{sch['id']}")
    st, _ = sb.api("DELETE", f"/api/v1/external_targets/{ox['id']}")
    S.check(st == 204, "an unused one is deleted: 204", str(st))
    sb.api("DELETE", f"/api/v1/tenants/{other['id']}")
    return x["id"]


def phone(sb, user, **kw):
    p = Baresip(user, PW[user], server=("127.0.0.1", sb.sip_port), **kw)
    p.start()
    return p


def carrier_call(sb, dial, keys, what):
    """Phone 1001 dials `dial` (pressing keys once answered); the carrier
    (sipp on the demo trunk's port, echoing RTP) must get the INVITE for
    the external number from the central number, and the phone hear its
    own 440 Hz back through the bridge."""
    uas = Sipp("uas_answer", local_port=sb.trunk_port, calls=1,
               timeout_s=30, recv_timeout_ms=0, rtp_echo=True).start()
    p = phone(sb, "1001", tone=440)
    try:
        S.check(p.wait_registered(10), f"{what}: phone 1001 registers")
        p.dial(f"sip:{dial}@127.0.0.1:{sb.sip_port}")
        S.check(p.wait_event("CALL_ESTABLISHED", 10) is not None,
                f"{what}: answered")
        if keys:
            time.sleep(1.0)
            p.send_dtmf(keys)
        deadline = time.time() + 10
        while time.time() < deadline and "RURI_USER" not in uas.logs():
            time.sleep(0.1)
        logs = uas.logs()
        S.check(f"RURI_USER={EXT} " in logs and
                f"FROM_USER={DEMO['central']} " in logs,
                f"{what}: the carrier gets the INVITE for {EXT} from the "
                f"central number {DEMO['central']}", logs.strip()[-300:])
        time.sleep(3.0)
        rec = p.recordings()[-1] if p.recordings() else None
        # the last 2 s: after the menu's greeting, the bridge
        v = is_tone(read_wav(rec)[1][-16000:], 440) if rec else None
        S.check(v, f"{what}: bridged, the phone hears the carrier echo "
                "its 440 Hz", str(v))
        p.hangup()
        uas.wait(15)
    finally:
        p.stop()
        uas.stop()


def main():
    sb = Switchboard()
    try:
        sb.start()
        tid, ann, erika = demo_ids(sb, "Erika")
        ext = None
        try:
            ext = test_api(sb, tid)
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            S.check(False, f"test_api raised {e}")
        if ext:
            st, m = sb.api("POST", "/api/v1/ivr_menus",
                           {"tenant_id": tid, "name": "Extern",
                            "timeout": 5, "retries": 0,
                            "options": [{"key": "3",
                                         "target_type": "external",
                                         "target_id": ext}]})
            S.check(st == 201, "a menu whose key 3 is the external number",
                    f"{st} {m}")
            st, n = sb.api("POST", "/api/v1/numbers",
                           {"tenant_id": tid, "e164": MENU_NUMBER, "active": True,
                            "target_type": "ivr", "target_id": m["id"]})
            S.check(st == 201, "a number routed to the menu", f"{st} {n}")
            S.error_is("delete the external target a menu key leads to: "
                       "409",
                       sb.api("DELETE", f"/api/v1/external_targets/{ext}"),
                       409, f"external target {ext} is in use by a number, "
                       "a schedule or a menu")
            S.run(carrier_call, sb, MENU_NUMBER, "3", "menu key 3")
            st, n2 = sb.api("POST", "/api/v1/numbers",
                            {"tenant_id": tid, "e164": DIRECT_NUMBER, "active": True,
                             "target_type": "external", "target_id": ext})
            S.check(st == 201 and n2["target_type"] == "external",
                    "a number routed to the external target", f"{st} {n2}")
            S.run(carrier_call, sb, DIRECT_NUMBER, None, "number")
        rc = sb.stop()
        S.check(rc == 0, "server exits cleanly (no sanitizer report)",
                f"rc={rc}\n{sb.tail(30)}")
    finally:
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
