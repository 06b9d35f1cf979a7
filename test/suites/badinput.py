#!/usr/bin/python3
"""The API's remaining bad-input answers (issue 20), each with its exact
status and error text:

  - a NUL byte in a JSON string (escaped or raw), a lone surrogate, bytes
    that are not UTF-8: 400 naming the field, on any route (POST, PATCH)
  - Connection: close and HTTP/1.0: the reply says "Connection: close" and
    the connection ends after it; HTTP/1.1 without it stays open
  - a body over the limit: 413 with its JSON error, also when the client
    sends the whole body first; a garbage request line 400, a head over
    64 KiB 431, a chunked body 411 (each with a JSON error, then closed)
  - an announcement whose file does not exist or is no WAV: 422 when
    saved; a call to one whose file has gone since: 480, not answered,
    with a log line (sipp from the demo trunk)
  - the same for the prompt files of queues (greeting), voice menus and
    digit inputs (prompt): 422 naming the field when saved (missing, no
    WAV, PATCH); a call to one whose file has gone since: 480, never
    answered, with a log line
  - number blocks: at most --number-block-max numbers (10000), in the
    tenant's country, of a plausible length: 422 naming the field
  - limit=-1 and limit=0 name the same range; an id too large says so
  - dial strings as people type them: "+49 221 828299-90" percent-encoded
    in a SIP request URI reaches the announcement; "(0221) 828299/70" in
    an API number field is +4922182829970
"""
import json
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import PROMPTS, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Sipp  # noqa: E402

S = Suite("badinput")
INT64_MAX = 9223372036854775807


# ---- raw HTTP ----------------------------------------------------------

def raw(sb, data, timeout=5.0, shut=False):
    """Send data on a new connection; read until the server closes it or
    timeout.  (bytes read, closed by the server, error or None)."""
    s = socket.create_connection(("127.0.0.1", sb.http_port), timeout=5)
    s.settimeout(timeout)
    got, closed, err = b"", False, None
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            got += b
    except socket.timeout:
        pass
    except OSError as e:
        err = e
    finally:
        s.close()
    return got, closed, err


def parse(resp):
    """(status, {header: value} lower-case names, body) of one reply."""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    parts = lines[0].split(" ")
    st = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return st, hdrs, body


def reply_is(what, got, status, error, closed_too=True):
    resp, closed, err = got
    st, hdrs, body = parse(resp)
    try:
        j = json.loads(body) if body else None
    except ValueError:
        j = body
    ok = (st == status and j == {"error": error} and err is None and
          hdrs.get("connection") == "close" and
          hdrs.get("content-type") == "application/json" and
          (closed or not closed_too))
    S.check(ok, what, f"got {st} {hdrs} {j!r} closed={closed} err={err}; "
            f"want {status} {error!r}")


def post_raw(sb, path, body, method="POST"):
    """An API request with body as raw bytes: (status, JSON)."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {sb.token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    resp, _, _ = raw(sb, head.encode() + body)
    st, _, b = parse(resp)
    return st, json.loads(b) if b else None


# ---- tests ---------------------------------------------------------------

def test_strings(sb, tid):
    cases = [
        ("escaped NUL", rb'{"name": "a\u0000b"}',
         "name: must not contain a NUL byte"),
        ("raw NUL byte", b'{"name": "a\x00b"}',
         "name: must not contain a NUL byte"),
        ("lone high surrogate", rb'{"name": "\ud800"}',
         "name: is not valid UTF-8 (a lone surrogate)"),
        ("lone low surrogate", rb'{"name": "x\udc00y"}',
         "name: is not valid UTF-8 (a lone surrogate)"),
        ("high surrogate and no low one", rb'{"name": "\ud800\u0041"}',
         "name: is not valid UTF-8 (a lone surrogate)"),
        ("a byte that is not UTF-8", b'{"name": "a\xffb"}',
         "name: is not valid UTF-8"),
        ("NUL in a field name", rb'{"na\u0000me": "x"}',
         "body: a field name must not contain a NUL byte"),
    ]
    for what, body, err in cases:
        S.error_is(f"POST /tenants with {what}: 400 naming the field",
                   post_raw(sb, "/api/v1/tenants", body), 400, err)
    # the same check on another route and method, nested in an array
    S.error_is("PATCH /tenants/:id with an escaped NUL: 400",
               post_raw(sb, f"/api/v1/tenants/{tid}",
                        rb'{"name": "Muster\u0000mann"}', "PATCH"),
               400, "name: must not contain a NUL byte")
    S.error_is("a NUL inside an array names the top-level field",
               post_raw(sb, "/api/v1/ring_groups",
                        b'{"tenant_id": %d, "name": "g", "members": '
                        b'[{"employee_id": 1, "x": "\\u0000"}]}' % tid),
               400, "members: must not contain a NUL byte")
    st, t = sb.api("GET", f"/api/v1/tenants/{tid}")
    S.check(st == 200 and t["name"] == "Mustermann AG",
            "the tenant's name is unchanged", f"{st} {t}")
    st, t = post_raw(sb, "/api/v1/tenants",
                     rb'{"name": "Smile \ud83d\ude00 GmbH"}')
    S.check(st == 201 and t["name"] == "Smile \U0001F600 GmbH",
            "a surrogate pair is one character: 201", f"{st} {t}")


def test_connection(sb):
    got = raw(sb, b"GET /health HTTP/1.1\r\nHost: x\r\n"
              b"Connection: close\r\n\r\n", timeout=4)
    st, hdrs, body = parse(got[0])
    S.check(st == 200 and hdrs.get("connection") == "close" and got[1] and
            json.loads(body) == {"status": "ok"},
            "Connection: close: 200, says Connection: close, then closes",
            f"{got}")
    got = raw(sb, b"GET /health HTTP/1.1\r\nHost: x\r\n"
              b"Connection: keep-alive, Close\r\n\r\n", timeout=4)
    S.check(parse(got[0])[0] == 200 and got[1] and
            parse(got[0])[1].get("connection") == "close",
            "a close token among others counts too", f"{got}")
    got = raw(sb, b"GET /health HTTP/1.0\r\n\r\n", timeout=4)
    st, hdrs, _ = parse(got[0])
    S.check(st == 200 and hdrs.get("connection") == "close" and got[1],
            "HTTP/1.0: 200, Connection: close, then closed", f"{got}")
    got = raw(sb, ("GET /api/v1/tenants HTTP/1.0\r\nAuthorization: Bearer "
                   f"{sb.token}\r\n\r\n").encode(), timeout=4)
    st, hdrs, _ = parse(got[0])
    S.check(st == 200 and hdrs.get("connection") == "close" and got[1],
            "an API list over HTTP/1.0: 200 and closed", f"{got[1:]}")
    # HTTP/1.1 without it: both requests answered, the connection stays
    got = raw(sb, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", timeout=1.5)
    S.check(got[0].count(b"HTTP/1.1 200") == 2 and not got[1] and
            b"Connection: close" not in got[0],
            "keep-alive: two answers, no Connection: close, still open",
            f"{got}")


def test_framing(sb):
    big = b"x" * 70000
    head = (f"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {sb.token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(big)}\r\n")
    reply_is("a body over the limit, Connection: close: 413 and closed",
             raw(sb, (head + "Connection: close\r\n\r\n").encode() + big),
             413, "body: larger than 65536 bytes")
    got = raw(sb, head.encode() + b"\r\n" + big, timeout=1.5)
    st, hdrs, body = parse(got[0])
    S.check(st == 413 and got[2] is None and
            json.loads(body) == {"error": "body: larger than 65536 bytes"},
            "a body over the limit on keep-alive: 413, no reset", f"{got}")
    mb = b"y" * (1024 * 1024)
    got = raw(sb, (head.replace(str(len(big)), str(len(mb))) +
                   "Connection: close\r\n\r\n").encode() + mb, shut=True)
    reply_is("1 MiB sent whole before reading: 413 arrives, then closed",
             got, 413, "body: larger than 65536 bytes")
    reply_is("a garbage request line: 400 and closed",
             raw(sb, b"HELLO WORLD\r\n\r\n"), 400,
             "request: not an HTTP/1.1 request line and headers")
    reply_is("a head over 64 KiB: 431 and closed",
             raw(sb, b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 70000 +
                 b"\r\n\r\n"), 431, "request: head larger than 65536 bytes")
    reply_is("a head not ended within 64 KiB: 431 and closed",
             raw(sb, b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 70000),
             431, "request: head larger than 65536 bytes")
    reply_is("a chunked body: 411 and closed",
             raw(sb, b"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
             411, "Transfer-Encoding: not supported; send the body with a "
             "Content-Length")
    st, _ = sb.api("GET", "/health", token=None)
    S.check(st == 200, "the server answers after all of that", f"{st}")


def test_announcement_files(sb, tid, pdir):
    S.error_is("an announcement of a file that does not exist: 422",
               sb.api("POST", "/api/v1/announcements",
                      {"tenant_id": tid, "name": "x", "file": "nope.wav"}),
               422, "file: nope.wav does not exist in the prompts directory")
    with open(os.path.join(pdir, "text.wav"), "w") as f:
        f.write("not audio at all\n" * 10)
    S.error_is("an announcement of a file that is no WAV: 422",
               sb.api("POST", "/api/v1/announcements",
                      {"tenant_id": tid, "name": "x", "file": "text.wav"}),
               422, "file: text.wav cannot be played: Bad message (a WAV "
               "file is needed)")
    shutil.copy(os.path.join(PROMPTS, "beep.wav"),
                os.path.join(pdir, "gone.wav"))
    st, a = sb.api("POST", "/api/v1/announcements",
                   {"tenant_id": tid, "name": "Gone", "file": "gone.wav"})
    S.check(st == 201 and a["file"] == "gone.wav",
            "an announcement of a file that is there: 201", f"{st} {a}")
    S.error_is("PATCH it to a file that does not exist: 422",
               sb.api("PATCH", f"/api/v1/announcements/{a['id']}",
                      {"file": "de/nope.wav"}),
               422, "file: de/nope.wav does not exist in the prompts "
               "directory")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "+4922182829971",
                    "target_type": "announcement", "target_id": a["id"]})
    S.check(st == 201, "a number routed to it: 201", f"{st} {n}")
    os.remove(os.path.join(pdir, "gone.wav"))
    run = Sipp("uac_unavailable", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service="+4922182829971",
               timeout_s=30).run()
    S.check(run.successful == 1 and run.failed == 0,
            "a call to it after the file has gone: 480, never answered",
            f"rc={run.rc} ok={run.successful} {run.errors()[-300:]}")
    log = sb.logtext()
    S.check(f"announcement {a['id']}: " in log and
            "gone.wav cannot be played" in log and "not answered" in log,
            "the log says why", sb.tail(10))
    run.cleanup()


def test_greeting_files(sb, tid, pdir):
    _, max_id, _ = demo_ids(sb, "Max")
    kinds = [  # resource, field, a body without the file, log name
        ("queues", "greeting", {"tenant_id": tid, "name": "Prompt-Q"},
         "queue"),
        ("ivr_menus", "prompt", {"tenant_id": tid, "name": "Prompt-M"},
         "menu"),
        ("digit_inputs", "prompt",
         {"tenant_id": tid, "name": "Prompt-D", "label": "Kundennummer",
          "min_digits": 4, "max_digits": 8, "target_type": "employee",
          "target_id": max_id}, "digit input")]
    for i, (res, field, base, what) in enumerate(kinds):
        path = f"/api/v1/{res}"
        S.error_is(f"{res}: a {field} that does not exist: 422",
                   sb.api("POST", path, dict(base, **{field: "nope.wav"})),
                   422, f"{field}: nope.wav does not exist in the prompts "
                   "directory")
        S.error_is(f"{res}: a {field} that is no WAV: 422",
                   sb.api("POST", path, dict(base, **{field: "text.wav"})),
                   422, f"{field}: text.wav cannot be played: Bad message "
                   "(a WAV file is needed)")
        gone = f"gone{i}.wav"
        shutil.copy(os.path.join(PROMPTS, "beep.wav"),
                    os.path.join(pdir, gone))
        st, r = sb.api("POST", path, dict(base, **{field: gone}))
        S.check(st == 201 and r[field] == gone,
                f"{res}: a {field} that is there: 201", f"{st} {r}")
        S.error_is(f"{res}: PATCH it to a file that does not exist: 422",
                   sb.api("PATCH", f"{path}/{r['id']}",
                          {field: "de/nope.wav"}),
                   422, f"{field}: de/nope.wav does not exist in the "
                   "prompts directory")
        e164 = f"+492218282997{5 + i}"
        st, n = sb.api("POST", "/api/v1/numbers",
                       {"tenant_id": tid, "e164": e164,
                        "target_type": {"queues": "queue",
                                        "ivr_menus": "ivr",
                                        "digit_inputs": "digit_input"}[res],
                        "target_id": r["id"]})
        S.check(st == 201, f"{res}: a number routed to it: 201", f"{st} {n}")
        os.remove(os.path.join(pdir, gone))
        run = Sipp("uac_unavailable", remote=("127.0.0.1", sb.sip_port),
                   local_port=sb.trunk_port, service=e164,
                   timeout_s=30).run()
        S.check(run.successful == 1 and run.failed == 0,
                f"{res}: a call to it after the file has gone: 480, never "
                "answered",
                f"rc={run.rc} ok={run.successful} {run.errors()[-300:]}")
        log = sb.logtext()
        S.check(f"{what} {r['id']}: {os.path.join(pdir, gone)} cannot be "
                "played (No such file or directory): not answered" in log,
                f"{res}: the log says why", sb.tail(10))
        run.cleanup()


def test_number_blocks(sb, tid):
    def block(first, last, t=tid):
        return sb.api("POST", "/api/v1/number_blocks",
                      {"tenant_id": t, "first": first, "last": last})
    S.error_is("a block of a billion numbers: 422",
               block("+49301000000000", "+49301999999999"), 422,
               "last: +49301000000000..+49301999999999 holds 1000000000 "
               "numbers; a block holds at most 10000 (--number-block-max)")
    S.error_is("a block of 10001 numbers: 422",
               block("+49401230000", "+49401240000"), 422,
               "last: +49401230000..+49401240000 holds 10001 numbers; a "
               "block holds at most 10000 (--number-block-max)")
    st, b = block("+49401230000", "+49401239999")
    S.check(st == 201 and b["size"] == 10000,
            "a block of 10000 numbers: 201", f"{st} {b}")
    S.error_is("a French block for a German tenant: 422",
               block("+33123456700", "+33123456799"), 422,
               "first: +33123456700 is not a number of the tenant's "
               "country (+49)")
    st, us = sb.api("POST", "/api/v1/tenants",
                    {"name": "Acme Inc", "country_code": "1"})
    S.check(st == 201, "a tenant in country 1: 201", f"{st} {us}")
    S.error_is("a +1 block of 9 digits after the country code: 422",
               block("+1212555010", "+1212555019", us["id"]), 422,
               "first: +1212555010 has 9 digits after +1; numbers of that "
               "country have 10 to 10")
    st, b = block("+12125550100", "+12125550199", us["id"])
    S.check(st == 201 and b["size"] == 100,
            "a +1 block of 10 digits: 201", f"{st} {b}")


def test_texts(sb, tid):
    a = sb.api("GET", "/api/v1/calls?limit=-1")
    b = sb.api("GET", "/api/v1/calls?limit=0")
    S.check(a[0] == 400 and a == b and
            a[1]["error"].startswith("limit: must be from 1 to "),
            "limit=-1 and limit=0: the same 400 naming the range",
            f"{a} {b}")
    S.error_is("an id too large in the path: 400 says so",
               sb.api("GET", "/api/v1/employees/99999999999999999999"), 400,
               f"id: 99999999999999999999 is too large (at most {INT64_MAX})")
    S.error_is("the largest id: 404 not found",
               sb.api("GET", f"/api/v1/employees/{INT64_MAX}"), 404,
               f"employee {INT64_MAX} not found")
    S.error_is("an id too large in the query: 400 says so",
               sb.api("GET", "/api/v1/employees?tenant_id="
                      "99999999999999999999"), 400,
               "tenant_id: 99999999999999999999 is too large (at most "
               f"{INT64_MAX})")
    S.error_is("an id too large in a body: 400 says so",
               post_raw(sb, "/api/v1/employees",
                        b'{"tenant_id": 99999999999999999999, '
                        b'"first_name": "a", "last_name": "b"}'), 400,
               f"tenant_id: too large for an integer (at most {INT64_MAX})")
    st, e = post_raw(sb, "/api/v1/employees",
                     b'{"tenant_id": %d, "first_name": "a", '
                     b'"last_name": "b"}' % tid)
    S.check(st == 201, "an ordinary body still passes: 201", f"{st} {e}")
    S.error_is("an id of 0 in the query: 400",
               sb.api("GET", "/api/v1/employees?tenant_id=0"), 400,
               "tenant_id: must be a positive integer")


def test_dial_strings(sb, tid):
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": "(0221) 828299/70",
                    "target_type": "announcement",
                    "target_id": demo_ids(sb, "Max")[1]})
    S.check(st == 201 and n["e164"] == "+4922182829970",
            "an API number typed with parentheses and a slash: 201",
            f"{st} {n}")
    run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service="+49%20221%20828299-90",
               timeout_s=40).run()
    S.check(run.successful == 1 and run.failed == 0,
            "INVITE sip:+49%20221%20828299-90@: the announcement answers",
            f"rc={run.rc} {run.errors()[-300:]}")
    run.cleanup()
    run = Sipp("uac_announcement", remote=("127.0.0.1", sb.sip_port),
               local_port=sb.trunk_port, service="0221%20828299.70",
               timeout_s=40).run()
    S.check(run.successful == 1 and run.failed == 0,
            "INVITE sip:0221%20828299.70@ (national, dotted): answered",
            f"rc={run.rc} {run.errors()[-300:]}")
    run.cleanup()


def main():
    pdir = tempfile.mkdtemp(prefix="sbprompts-")
    for f in os.listdir(PROMPTS):
        os.symlink(os.path.join(PROMPTS, f), os.path.join(pdir, f))
    sb = Switchboard(extra_args=["--prompts", pdir])
    try:
        sb.start()
        tid, _, _ = demo_ids(sb, "Max")
        S.run(test_strings, sb, tid)
        S.run(test_connection, sb)
        S.run(test_framing, sb)
        S.run(test_announcement_files, sb, tid, pdir)
        S.run(test_greeting_files, sb, tid, pdir)
        S.run(test_number_blocks, sb, tid)
        S.run(test_texts, sb, tid)
        S.run(test_dial_strings, sb, tid)
        time.sleep(0.2)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        shutil.rmtree(pdir, ignore_errors=True)
    S.finish()


if __name__ == "__main__":
    main()
