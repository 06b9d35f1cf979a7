#!/usr/bin/python3
"""The browser phone (issue 19, "the agent's audio ... a browser softphone
in the console"): WebRTC terminated by Switchboard (ICE-lite, DTLS-SRTP
with the fingerprint checked, rtcp-mux, G.711) as one more leg of the
B2BUA, signalled over GET /api/v1/phone (JSON over our WebSocket).

Headless Chromium (test/web/webrtc.mjs) with a fake microphone playing a
1000 Hz tone logs in as the agent Erika; the console's phone connects.
Max's baresip desk phone (1001, sending 440 Hz) is the SIP side:

  (a) baresip calls Erika's extension: the browser rings (her SIP phone
      is not registered: the browser is her only device), the agent
      answers in the page, baresip hears 1000 Hz (is_tone on its
      recording), the browser hears 440 Hz (WebAudio), baresip hangs up
      and the page's call ends;
  (b) the browser calls Max's extension: baresip answers, audio both
      ways, the keypad's 5 reaches baresip as a telephone-event and a
      "dtmf" message's 7 as SIP INFO, the
      agent hangs up in the page and baresip's call ends;
  (f) the agent declines a ringing call: the caller's call ends, its
      record is "rejected";
  (e) a queue call (Erika logged in to a queue, baresip dials its
      number): the screen pop shows the client while the browser rings,
      the agent answers in the browser, audio both ways;
  (c) a forged a=fingerprint: the server refuses the DTLS session
      (browser side); the STUN and fingerprint rules themselves are unit
      tests (test/unit/test_webrtc.c);
  (d) the WebSocket: no session 401, a foreign Origin with the cookie
      403, a login without an employee 403, no Upgrade 426; the record of
      the calls (caller_leg browser:..., answered).
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, ROOT, Suite, Switchboard, demo_ids  # noqa: E402
from browser import report, require_front_end, start_script  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_tone, wav_data_seconds  # noqa: E402
from ws import TEXT, WsClient, WsError  # noqa: E402

S = Suite("webrtc")
SCRIPT = os.path.join(ROOT, "test", "web", "webrtc.mjs")
AGENT = ("erika.phone", "agent-pw-1234")
QUEUE_NUMBER = "+4922182829975"
WS_HDRS = {"Upgrade": "websocket", "Connection": "Upgrade",
           "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


def setup(sb):
    tid, _, erika = demo_ids(sb, "Erika")
    _, _, mx = demo_ids(sb, "Max")
    st, u = sb.api("POST", "/api/v1/users",
                   {"login": AGENT[0], "password": AGENT[1],
                    "role": "agent", "tenant_id": tid,
                    "employee_id": erika})
    S.check(st == 201, "a user of role agent bound to Erika: 201",
            f"{st} {u}")
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Hotline", "strategy":
                    "longest_idle", "ring_timeout": 30, "wrapup": 0,
                    "announce_every": 0, "say_position": False,
                    "say_wait": False, "members": [{"employee_id": erika}]})
    st2, n = sb.api("POST", "/api/v1/numbers",
                    {"tenant_id": tid, "e164": QUEUE_NUMBER,
                     "target_type": "queue", "target_id": q.get("id")})
    S.check(st == 201 and st2 == 201,
            "a queue with Erika alone on a number: 201", f"{st} {q} {n}")
    _, e = sb.api("GET", f"/api/v1/employees/{erika}")
    _, m = sb.api("GET", f"/api/v1/employees/{mx}")
    return {"tid": tid, "erika": erika, "max": mx,
            "erika_ext": e.get("extension"), "max_ext": m.get("extension")}


def recorded_tone(p, count, hz, other, after=0.0):
    """The last 2 s of the count-th recording, once it holds after + 2.5 s,
    are the tone hz (not other)."""
    path = p.wait_recording(after + 2.5, timeout=15, count=count)
    t0 = max(0.0, wav_data_seconds(path) - 2.0)
    return is_tone(path, hz, other=other, start=t0)


def browser(sb, t, phone, wav):
    proc, err = start_script(SCRIPT, {
        "SB_URL": f"http://127.0.0.1:{sb.http_port}",
        "SB_AGENT": ":".join(AGENT), "SB_CALLER": t["max_ext"],
        "SB_CALLEE": t["max_ext"], "SB_TONE_WAV": wav}, stdin=True)

    def say(text):
        proc.stdin.write(text + "\n")
        proc.stdin.flush()

    state = {"mark": 0, "calls": 0}

    def on_message(msg):
        ready = msg.get("ready")
        if ready == "incoming":
            state["mark"] = phone.mark()
            phone.dial(f"sip:{t['erika_ext']}@127.0.0.1:{sb.sip_port}")
            say("dialled")
        elif ready == "talking":
            state["calls"] += 1
            r = recorded_tone(phone, state["calls"], 1000, 440)
            S.check(bool(r), "(a) baresip hears the browser's 1000 Hz", r)
            phone.hangup()
            ok = phone.wait_event("CALL_CLOSED", 10,
                                  since=state["mark"]) is not None
            S.check(ok, "(a) baresip hung up")
            say("hungup")
        elif ready == "decline":
            state["mark"] = phone.mark()
            phone.dial(f"sip:{t['erika_ext']}@127.0.0.1:{sb.sip_port}")
            say("dialled")
        elif ready == "declined":
            ev = phone.wait_event("CALL_CLOSED", 10, since=state["mark"])
            S.check(ev is not None, "(f) the agent's decline ends the "
                    "caller's call", ev)
            st, calls = sb.api("GET", "/api/v1/calls?limit=1")
            c = calls[0] if st == 200 and calls else {}
            S.check(c.get("to_number") == t["erika_ext"] and
                    c.get("disposition") == "rejected" and
                    not c.get("answered_at"),
                    "(f) its record: to Erika, rejected, never answered",
                    c)
            say("ok")
        elif ready == "queue":
            st, a = sb.api("POST", f"/api/v1/agents/{t['erika']}/state",
                           {"action": "login"})
            S.check(st == 200 and a.get("state") == "available",
                    "(e) Erika logs in to her queue: available", f"{st} {a}")
            state["mark"] = phone.mark()
            phone.dial(f"sip:{QUEUE_NUMBER}@127.0.0.1:{sb.sip_port}")
            say("dialled")
        elif ready == "queue-talking":
            state["calls"] += 1
            r = recorded_tone(phone, state["calls"], 1000, 440)
            S.check(bool(r), "(e) the queue caller hears the agent's "
                    "browser (1000 Hz)", r)
            phone.hangup()
            ok = phone.wait_event("CALL_CLOSED", 10,
                                  since=state["mark"]) is not None
            S.check(ok, "(e) the queue caller hung up")
            say("hungup")
        elif ready == "outgoing":
            state["mark"] = phone.mark()
            say("ok")
        elif ready == "out-talking":
            ev = phone.wait_event("CALL_DTMF_START", 5, since=state["mark"])
            S.check(ev is not None and ev.get("param") == "5",
                    "(b) the keypad's 5 reaches baresip as an RFC 4733 "
                    "telephone-event", ev)
            ev = phone.wait_event("CALL_DTMF_START", 5, since=state["mark"],
                                  pred=lambda e: e.get("param") == "7")
            S.check(ev is not None, "(b) a 'dtmf' message's 7 reaches "
                    "baresip (SIP INFO)", phone.event_types()[-8:])
            state["calls"] += 1
            # the tone from after the keypad's telephone-event and the
            # mute: the recording lags behind the page (decoded as it
            # comes), and on a busy machine its last 2 s were still the
            # muted or telephone-event time (quiet: "gaps")
            recs = phone.recordings()
            base = wav_data_seconds(recs[state["calls"] - 1]) \
                if len(recs) >= state["calls"] else 0.0
            r = recorded_tone(phone, state["calls"], 1000, 440, after=base)
            S.check(bool(r), "(b) the callee hears the browser's 1000 Hz",
                    r)
            say("heard")
        elif ready == "out-hungup":
            ok = phone.wait_event("CALL_CLOSED", 10,
                                  since=state["mark"]) is not None
            S.check(ok, "(b) the agent's hang-up ended baresip's call")
            say("ok")

    checks = 0
    rc = None
    try:
        for line in proc.stdout:
            checks += report(S, line, on_message)
        rc = proc.wait(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    S.check(rc == 0 and checks >= 20,
            f"the browser script ended cleanly ({checks} checks)",
            f"rc {rc}: {''.join(err)[-800:]}")


def records(sb, t):
    st, calls = sb.api("GET", "/api/v1/calls?limit=20")
    legs = [(c.get("caller_leg"), c.get("disposition")) for c in calls]
    inc = [c for c in calls if c.get("to_number") == t["erika_ext"]]
    out = [c for c in calls
           if (c.get("caller_leg") or "").startswith("browser:")]
    S.check(len(inc) >= 1 and inc[-1].get("answered_at"),
            "(a) the record of the call to Erika: answered", legs)
    S.check(len(out) >= 1 and any(c.get("answered_at") for c in out) and
            all(c.get("caller_leg") == f"browser:{AGENT[0]}" and
                c.get("from_number") == t["erika_ext"] for c in out),
            "(b) the browser's calls are recorded with caller_leg "
            f"browser:{AGENT[0]} from Erika's extension, one answered",
            [(c.get("caller_leg"), c.get("from_number"),
              c.get("to_number"), c.get("answered_at")) for c in out])


def ws_get(sb, headers):
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    c.request("GET", "/api/v1/phone", headers=headers)
    r = c.getresponse()
    body = r.read().decode(errors="replace")
    c.close()
    try:
        return r.status, json.loads(body)
    except ValueError:
        return r.status, body


def session_cookie(sb):
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    c.request("POST", "/api/v1/sessions",
              body=json.dumps({"login": AGENT[0], "password": AGENT[1],
                               "cookie": True}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    cookie = r.getheader("Set-Cookie") or ""
    c.close()
    return cookie.split(";")[0]


def agent_token(sb):
    c = http.client.HTTPConnection("127.0.0.1", sb.http_port, timeout=10)
    c.request("POST", "/api/v1/sessions",
              body=json.dumps({"login": AGENT[0], "password": AGENT[1]}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read() or b"{}")
    c.close()
    return body.get("token", "")


def ws_hello(sb, token):
    """(status line, the first message) of the phone opened with
    ?access_token=token."""
    s = socket.create_connection(("127.0.0.1", sb.http_port), timeout=10)
    req = (f"GET /api/v1/phone?access_token={token} HTTP/1.1\r\n"
           f"Host: 127.0.0.1:{sb.http_port}\r\n" +
           "".join(f"{k}: {v}\r\n" for k, v in WS_HDRS.items()) +
           "Sec-WebSocket-Protocol: switchboard.phone.v1\r\n\r\n")
    s.sendall(req.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    while len(rest) < 2 or len(rest) < 2 + (rest[1] & 0x7f):
        chunk = s.recv(4096)
        if not chunk:
            break
        rest += chunk
    s.close()
    n = rest[1] & 0x7f if len(rest) >= 2 else 0
    msg = rest[2:2 + n].decode(errors="replace")
    return head.decode(errors="replace"), msg


def websocket_refusals(sb, t):
    host = f"127.0.0.1:{sb.http_port}"
    st, b = ws_get(sb, dict(WS_HDRS, Host=host))
    S.check(st == 401, "(d) no session, no token: 401", f"{st} {b}")
    cookie = session_cookie(sb)
    S.check(cookie.startswith("sb_session="), "(d) the agent's session "
            "cookie", cookie)
    st, b = ws_get(sb, dict(WS_HDRS, Host=host, Cookie=cookie,
                            Origin="http://evil.example"))
    S.check(st == 403 and "origin" in str(b.get("error", "")),
            "(d) the cookie from a foreign Origin: 403 naming origin",
            f"{st} {b}")
    st, b = ws_get(sb, dict(WS_HDRS, Host=host, Cookie=cookie))
    S.check(st == 403 and "origin" in str(b.get("error", "")),
            "(d) the cookie without an Origin: 403", f"{st} {b}")
    st, b = ws_get(sb, {"Host": host, "Cookie": cookie,
                        "Origin": f"http://{host}"})
    S.check(st == 426, "(d) our Origin but no Upgrade: 426", f"{st} {b}")
    head, msg = ws_hello(sb, agent_token(sb))
    S.check(head.startswith("HTTP/1.1 101") and
            "Sec-WebSocket-Protocol: switchboard.phone.v1" in head and
            json.loads(msg or "{}") == {
                "type": "hello", "device": f"browser:{AGENT[0]}",
                "employee_id": t["erika"]},
            "(d) the agent's token as ?access_token=: 101 and hello "
            "naming the device browser:<login>", f"{head!r} {msg!r}")
    st, b = ws_get(sb, dict(WS_HDRS, Host=host,
                            Authorization=f"Bearer {sb.token}"))
    S.check(st == 403 and str(b.get("error", "")).startswith("employee:"),
            "(d) an operator's token (no employee): 403 naming employee",
            f"{st} {b}")


FAKE_OFFER = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:brws\r\na=ice-pwd:browserpasswordbrowserpw\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
    "a=rtpmap:0 PCMU/8000\r\n")


def phone_limits(sb, t):
    """A login cannot multiply its phones (each rings with a media port)
    nor place calls without end from one (each holds a port)."""
    tok = agent_token(sb)
    socks = []
    try:
        for i in range(3):
            ws = WsClient(sb.http_port, path="/api/v1/phone", token=tok,
                          protocols=["switchboard.phone.v1"])
            st = ws.connect()
            socks.append(ws)
            S.check(st == 101, f"(f) browser phone {i + 1} of Erika: 101",
                    st)
        st, b = ws_get(sb, dict(WS_HDRS, Host=f"127.0.0.1:{sb.http_port}",
                                Authorization=f"Bearer {tok}"))
        S.check(st == 429 and b == {
                    "error": f"employee {t['erika']} has 3 browser phones "
                             "open already; close one"},
                "(f) a fourth phone of the same employee: 429", f"{st} {b}")
        ws = socks[0]
        hello = json.loads(ws.message(5))
        S.check(hello.get("type") == "hello", "(f) the first phone's hello",
                str(hello))
        got = []
        for i in range(3):
            ws.send(TEXT, json.dumps({"type": "call", "to": "1001",
                                      "sdp": FAKE_OFFER}).encode())
        deadline = time.time() + 10
        while time.time() < deadline and not any(
                m.get("type") == "error" for m in got):
            try:
                got.append(json.loads(ws.message(1)))
            except Exception:
                pass
        calling = [m for m in got if m.get("type") == "calling"]
        errors = [m for m in got if m.get("type") == "error"]
        S.check(len(calling) == 2 and errors == [{
                    "type": "error", "reason": "call: at most 2 calls at "
                                               "once on a browser phone"}],
                "(f) a third call at once from one phone: refused, the "
                "two before go on", str(got))
        # logging out ends the session's phones at once, not at a ping
        c = http.client.HTTPConnection("127.0.0.1", sb.http_port,
                                       timeout=10)
        c.request("DELETE", "/api/v1/sessions/current",
                  headers={"Authorization": f"Bearer {tok}"})
        r = c.getresponse()
        r.read()
        c.close()
        t0 = time.time()
        closed = None
        try:
            while time.time() - t0 < 5:
                socks[1].message(max(0.01, 5 - (time.time() - t0)))
        except WsError:
            closed = socks[1].closed
        except OSError:
            pass
        S.check(r.status == 204 and closed == (1008, "token revoked") and
                time.time() - t0 < 3,
                "(f) logging out closes the session's phones at once: "
                "1008 token revoked",
                f"{r.status} {closed} after {time.time() - t0:.1f} s")
    finally:
        for ws in socks:
            try:
                ws.close()
            except Exception:
                pass


def main():
    require_front_end(S)
    sb = Switchboard(["--password-hash", "test", "--web-dir",
                      os.path.join(ROOT, "build", "web")],
                     rtp_timeout=120).start()
    tmp = tempfile.mkdtemp(prefix="webrtc-")
    wav = os.path.join(tmp, "tone1000.wav")
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", wav,
                    "synth", "30", "sine", "1000", "vol", "0.5"],
                   check=True, capture_output=True, timeout=60)
    phone = Baresip("1001", DEMO["devices"]["1001"],
                    server=("127.0.0.1", sb.sip_port), tone=440,
                    auto_answer=True)
    try:
        t = setup(sb)
        phone.start()
        S.check(phone.wait_registered(10), "Max's desk phone registers")
        S.run(websocket_refusals, sb, t)
        S.run(browser, sb, t, phone, wav)
        S.run(records, sb, t)
        time.sleep(1)  # the browser's own phone is closed by now
        S.run(phone_limits, sb, t)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        phone.stop()
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
