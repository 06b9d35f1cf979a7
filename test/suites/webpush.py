#!/usr/bin/env python3
"""webpush.py - Web Push as a channel of the outbox (issue 17): RFC 8030
push protocol, RFC 8291 message encryption, RFC 8292 VAPID, against a
local fake push service (http.server on 127.0.0.1 and a free port) that
does what a real one does to a request: it checks the VAPID token's ES256
signature against the key of GET /api/v1/push/vapid_public_key, its aud,
exp and sub, the TTL, Urgency and Content-Encoding headers, and decrypts
the body with the subscription's private key and auth secret (python3
cryptography), then answers what the test planned (201 by default).

  * the application server key: 65 bytes, a point on P-256, the same
    after a restart (kept in the store)
  * validation: an http:// endpoint without --push-allow-http, a p256dh
    that is no point on the curve, a short auth secret, keys missing:
    4xx naming the field
  * a subscription of Max: 201, read back without its auth secret, the
    same endpoint again is 200 with the same id; a subaccount sees and
    tests its own, another employee's is not found
  * POST /push_subscriptions/:id/test: the push arrives, decrypts to the
    test payload, with TTL and Urgency as asked; the outbox row is sent
  * 503 then 201: retried, sent with attempts 2
  * 410: the row fails "subscription gone" and the subscription is gone
  * 400: the row fails "push service: HTTP 400", the subscription stays
  * DELETE: 204, then 404; the server stops without an ASan report

The server runs with --outbox-retry-base 1 --outbox-retry-max 2.
"""
import base64
import http.server
import json
import os
import socket
import sqlite3
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from sb import Suite, Switchboard, demo_ids, free_port  # noqa: E402

from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import (  # noqa: E402
    encode_dss_signature)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from cryptography.hazmat.primitives.hmac import HMAC  # noqa: E402

S = Suite("webpush")
SUBJECT = "mailto:push-ops@switchboard.example"
V = "/api/v1"


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def hmac256(key, data):
    h = HMAC(key, hashes.SHA256())
    h.update(data)
    return h.finalize()


class Browser:
    """A user agent's push subscription: its key pair and auth secret."""

    def __init__(self, name):
        self.name = name
        self.priv = ec.generate_private_key(ec.SECP256R1())
        self.pub = self.priv.public_key().public_bytes(
            serialization.Encoding.X962,
            serialization.PublicFormat.UncompressedPoint)
        self.auth = os.urandom(16)

    def decrypt(self, body):
        """RFC 8291 section 3.4 and RFC 8188: the plaintext of body."""
        salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), \
            body[20]
        as_pub = body[21:21 + idlen]
        ct = body[21 + idlen:]
        peer = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), as_pub)
        secret = self.priv.exchange(ec.ECDH(), peer)
        ikm = hmac256(hmac256(self.auth, secret),
                      b"WebPush: info\0" + self.pub + as_pub + b"\1")
        prk = hmac256(salt, ikm)
        cek = hmac256(prk, b"Content-Encoding: aes128gcm\0\1")[:16]
        nonce = hmac256(prk, b"Content-Encoding: nonce\0\1")[:12]
        pt = AESGCM(cek).decrypt(nonce, ct, None)
        assert rs == 4096 and idlen == 65 and len(ct) <= rs, (rs, idlen)
        assert pt.endswith(b"\x02"), "padding delimiter"
        return pt[:-1]


class PushService:
    """The fake push service: POST /push/<name>."""

    def __init__(self):
        self.port = free_port(socket.SOCK_STREAM)
        self.browsers = {}
        self.plan = {}      # name -> statuses to answer, in order
        self.got = []       # dict per request, with "problems"
        self.vapid_key = None
        self.lock = threading.Lock()
        svc = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                name = self.path.rsplit("/", 1)[-1]
                rec = svc.judge(name, self.headers, body)
                with svc.lock:
                    plan = svc.plan.get(name) or []
                    status = plan.pop(0) if plan else 201
                    rec["status"] = status
                    svc.got.append(rec)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status == 201:
                    self.send_header("Location", f"/msg/{len(svc.got)}")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port),
                                                     H)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def endpoint(self, name):
        return f"http://127.0.0.1:{self.port}/push/{name}"

    def judge(self, name, hdrs, body):
        """What a push service checks; problems listed in rec."""
        rec = {"name": name, "ttl": hdrs.get("TTL"),
               "urgency": hdrs.get("Urgency"),
               "encoding": hdrs.get("Content-Encoding"), "problems": []}
        p = rec["problems"]
        auth = hdrs.get("Authorization", "")
        try:
            scheme, _, params = auth.partition(" ")
            kv = dict(x.strip().split("=", 1) for x in params.split(","))
            if scheme != "vapid":
                p.append(f"scheme {scheme}")
            if kv.get("k") != self.vapid_key:
                p.append("k is not the application server key")
            head, claims, sig = kv["t"].split(".")
            hj = json.loads(b64d(head))
            if hj != {"typ": "JWT", "alg": "ES256"}:
                p.append(f"header {hj}")
            cj = json.loads(b64d(claims))
            rec["claims"] = cj
            now = time.time()
            if cj.get("aud") != f"http://127.0.0.1:{self.port}":
                p.append(f"aud {cj.get('aud')}")
            if not (now < cj.get("exp", 0) <= now + 24 * 3600):
                p.append(f"exp {cj.get('exp')} (now {now:.0f})")
            if cj.get("sub") != SUBJECT:
                p.append(f"sub {cj.get('sub')}")
            raw = b64d(sig)
            if len(raw) != 64:
                p.append(f"signature of {len(raw)} bytes")
            key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64d(kv["k"]))
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                       int.from_bytes(raw[32:], "big"))
            key.verify(der, f"{head}.{claims}".encode(),
                       ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            p.append("VAPID signature does not verify")
        except Exception as e:  # noqa: BLE001 - a problem to report
            p.append(f"VAPID: {type(e).__name__}: {e}")
        if rec["encoding"] != "aes128gcm":
            p.append(f"Content-Encoding {rec['encoding']}")
        try:
            rec["payload"] = json.loads(self.browsers[name].decrypt(body))
        except Exception as e:  # noqa: BLE001
            p.append(f"decrypt: {type(e).__name__}: {e}")
        return rec

    def requests(self, name):
        with self.lock:
            return [r for r in self.got if r["name"] == name]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


svc = None
sb = None
env = {}


def sub_body(br, endpoint=None, **kw):
    body = {"endpoint": endpoint or svc.endpoint(br.name),
            "expirationTime": None,
            "keys": {"p256dh": b64e(br.pub), "auth": b64e(br.auth)}}
    body.update(kw)
    return body


def wait_row(oid, state, timeout=15):
    end = time.time() + timeout
    r = None
    while time.time() < end:
        st, r = sb.api("GET", f"{V}/outbox/{oid}")
        if st == 200 and r["state"] == state:
            return r
        time.sleep(0.1)
    return r


def subscribe(br, token="__admin__", **kw):
    svc.browsers[br.name] = br
    return sb.api("POST", V + "/push_subscriptions",
                  sub_body(br, employee_id=env["max"], **kw), token)


# ---- without --push-allow-http ----

def check_key():
    st, r = sb.api("GET", V + "/push/vapid_public_key")
    key = r.get("public_key", "") if st == 200 else ""
    raw = b64d(key) if key else b""
    ok = False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        ok = True
    except ValueError:
        pass
    S.check(st == 200 and set(r) == {"public_key"} and len(key) == 87 and
            len(raw) == 65 and raw[0] == 4 and ok,
            "GET /push/vapid_public_key: 200, base64url of a P-256 point "
            "(65 bytes, uncompressed)", f"{st} {r}")
    env["key"] = key
    st, r = sb.api("GET", V + "/push/vapid_public_key",
                   token=env["sa"])
    S.check(st == 200 and r == {"public_key": key},
            "a subaccount reads the same key", f"{st} {r}")


def check_http_refused():
    br = Browser("plain")
    S.error_is("an http:// endpoint without --push-allow-http: 422",
               subscribe(br), 422,
               "endpoint: must be an https:// URL with a host")


# ---- with --push-allow-http ----

def check_key_kept():
    st, r = sb.api("GET", V + "/push/vapid_public_key")
    S.check(st == 200 and r == {"public_key": env["key"]},
            "the VAPID key is the same after the restart (kept in the "
            "store)", f"{st} {r} vs {env['key']}")
    svc.vapid_key = env["key"]
    log = sb.logtext()
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        priv = con.execute("SELECT private_key FROM vapid_keys").fetchone()[0]
    finally:
        con.close()
    S.check(len(b64d(priv)) == 32 and priv not in log,
            "the private key is in the store, never in the log")


def check_validation():
    br = Browser("bad")
    svc.browsers["bad"] = br
    off = bytearray(br.pub)
    off[64] ^= 1
    S.error_is("p256dh not a point on P-256: 422 naming keys.p256dh",
               sb.api("POST", V + "/push_subscriptions",
                      sub_body(br, employee_id=env["max"],
                               keys={"p256dh": b64e(bytes(off)),
                                     "auth": b64e(br.auth)})), 422,
               "keys.p256dh: must be the base64url of an uncompressed "
               "P-256 point (65 bytes)")
    S.error_is("auth of 15 bytes: 422 naming keys.auth",
               sb.api("POST", V + "/push_subscriptions",
                      sub_body(br, employee_id=env["max"],
                               keys={"p256dh": b64e(br.pub),
                                     "auth": b64e(br.auth[:15])})), 422,
               "keys.auth: must be the base64url of 16 bytes")
    S.error_is("keys without auth: 400",
               sb.api("POST", V + "/push_subscriptions",
                      sub_body(br, employee_id=env["max"],
                               keys={"p256dh": b64e(br.pub)})), 400,
               "keys.auth: is required")
    S.error_is("an ftp:// endpoint: 422 naming endpoint",
               subscribe(br, endpoint="ftp://127.0.0.1/x"), 422,
               "endpoint: must be an https:// URL with a host (http:// only "
               "to 127.0.0.1 or [::1])")
    S.error_is("no endpoint: 400",
               sb.api("POST", V + "/push_subscriptions",
                      {"employee_id": env["max"],
                       "keys": {"p256dh": b64e(br.pub),
                                "auth": b64e(br.auth)}}), 400,
               "endpoint: is required")
    S.error_is("an unknown field: 400",
               subscribe(br, extra=1), 400, "extra: unknown field")
    S.error_is("another tenant's employee (none such): 422",
               sb.api("POST", V + "/push_subscriptions",
                      dict(sub_body(br), employee_id=999999)), 422,
               "employee_id: employee 999999 does not exist")


def check_subscribe():
    br = Browser("max1")
    st, r = subscribe(br)
    S.check(st == 201 and r["employee_id"] == env["max"] and
            r["tenant_id"] == env["a"] and
            r["endpoint"] == svc.endpoint("max1") and
            r["keys"] == {"p256dh": b64e(br.pub)} and "auth" not in
            json.dumps(r), "POST /push_subscriptions: 201, shown without "
            "the auth secret", f"{st} {r}")
    env["sub1"] = r["id"]
    st, again = subscribe(br)
    S.check(st == 200 and again["id"] == r["id"],
            "the same endpoint again: 200, the same subscription",
            f"{st} {again}")
    st, lst = sb.api("GET", f"{V}/push_subscriptions?employee_id="
                     f"{env['max']}")
    S.check(st == 200 and [x["id"] for x in lst] == [r["id"]],
            "the list of Max's subscriptions", f"{st} {lst}")
    # a subaccount: its own (without employee_id), not Erika's
    br2 = Browser("max2")
    svc.browsers["max2"] = br2
    st, r2 = sb.api("POST", V + "/push_subscriptions", sub_body(br2),
                    env["sa"])
    S.check(st == 201 and r2["employee_id"] == env["max"],
            "a subaccount subscribes its own employee: 201", f"{st} {r2}")
    env["sub2"] = r2["id"]
    S.error_is("a subaccount for another employee: 422",
               sb.api("POST", V + "/push_subscriptions",
                      sub_body(br2, employee_id=env["erika"]), env["sa"]),
               422, f"employee_id: employee {env['erika']} does not exist")
    bre = Browser("erika")
    svc.browsers["erika"] = bre
    st, re_ = sb.api("POST", V + "/push_subscriptions",
                     sub_body(bre, employee_id=env["erika"]))
    S.check(st == 201, "Erika's subscription (operator): 201", f"{st} {re_}")
    env["sub_erika"] = re_["id"]
    S.error_is("a subaccount reads Erika's subscription: 404",
               sb.api("GET", f"{V}/push_subscriptions/{re_['id']}",
                      token=env["sa"]), 404,
               f"push subscription {re_['id']} not found")
    S.error_is("a subaccount tests Erika's subscription: 404",
               sb.api("POST", f"{V}/push_subscriptions/{re_['id']}/test",
                      {}, env["sa"]), 404,
               f"push subscription {re_['id']} not found")


def check_test_push():
    st, r = sb.api("POST", f"{V}/push_subscriptions/{env['sub1']}/test",
                   {"urgency": "high", "ttl": 120})
    S.check(st == 202 and r["channel"] == "webpush" and
            r["state"] in ("pending", "sending", "sent"),
            "POST /push_subscriptions/:id/test: 202 with its outbox row",
            f"{st} {r}")
    row = wait_row(r["id"], "sent")
    S.check(row and row["state"] == "sent" and row["attempts"] == 1,
            "the test push is sent (attempts 1)", repr(row))
    got = svc.requests("max1")
    S.check(len(got) == 1, "the push service got one request", repr(got))
    if got:
        g = got[0]
        S.check(not g["problems"], "VAPID token (signature, aud, exp, sub) "
                "and the encryption are right", repr(g["problems"]))
        S.check(g.get("payload", {}).get("type") == "test" and
                g["payload"].get("subscription_id") == env["sub1"],
                "the body decrypts to the test payload", repr(g))
        S.check(g["ttl"] == "120" and g["urgency"] == "high" and
                g["encoding"] == "aes128gcm",
                "TTL 120, Urgency high, Content-Encoding aes128gcm",
                repr(g))
    # the subaccount's own, with the defaults
    st, r = sb.api("POST", f"{V}/push_subscriptions/{env['sub2']}/test",
                   {}, env["sa"])
    row = wait_row(r["id"], "sent") if st == 202 else None
    got = svc.requests("max2")
    S.check(st == 202 and row and row["state"] == "sent" and got and
            not got[0]["problems"] and got[0]["ttl"] == "60" and
            got[0]["urgency"] == "normal",
            "a subaccount's test push: sent, TTL 60, Urgency normal",
            f"{st} {row} {got}")
    S.error_is("a bad urgency: 422",
               sb.api("POST", f"{V}/push_subscriptions/{env['sub1']}/test",
                      {"urgency": "now"}), 422,
               "urgency: must be very-low, low, normal or high")
    S.error_is("a TTL over 28 days: 422",
               sb.api("POST", f"{V}/push_subscriptions/{env['sub1']}/test",
                      {"ttl": 2419201}), 422,
               "ttl: must be from 0 to 2419200 seconds")


def check_note_push():
    """A call note for Max goes to his subscriptions too (issue 17):
    the caller's name and his link, not the concern (full text off),
    Urgency high for an urgent note, one push per subscription."""
    st, t = sb.api("POST", V + "/tokens",
                   {"role": "agent", "tenant_id": env["a"],
                    "employee_id": env["erika"], "name": "agent erika"})
    agent = t.get("token") if st == 201 else None
    before = {k: len(svc.requests(k)) for k in ("max1", "max2")}
    st, n = sb.api("POST", V + "/notes",
                   {"employee_ids": [env["max"]], "caller_name": "Hans "
                    "Anrufer", "caller_number": "0221 987654",
                    "concern": "Vertrag kündigen, streng vertraulich",
                    "urgent": True}, agent)
    S.check(st == 201, "a note for Max by the agent: 201", f"{st} {n}")
    if st != 201:
        return
    deadline = time.time() + 15
    while not (ok := all(len(svc.requests(k)) == before[k] + 1
                         for k in before)) and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # no more than one each
    ok = ok and all(len(svc.requests(k)) == before[k] + 1 for k in before)
    S.check(ok, "each of Max's two subscriptions got one push",
            repr({k: len(svc.requests(k)) for k in before}))
    for k in before:
        got = svc.requests(k)[-1:] if ok else []
        g = got[0] if got else {}
        pl = g.get("payload", {})
        S.check(g and not g["problems"] and pl.get("type") == "note" and
                pl.get("note_id") == n["id"] and pl.get("urgent") is True and
                pl.get("title") == "DRINGEND Anruf von Hans Anrufer" and
                f"/notes/{n['id']}/open?employee={env['max']}" in
                pl.get("url", "") and "Vertrag" not in json.dumps(pl),
                f"{k}: the note's push decrypts to the caller's name and "
                "Max's link, without the concern", repr(g))
        S.check(g.get("urgency") == "high" and g.get("ttl") == "86400",
                f"{k}: Urgency high (urgent note), TTL a day", repr(g))
    st, d = sb.api("GET", f"{V}/notes/{n['id']}/deliveries")
    pushes = [x for x in d if x.get("channel") == "webpush"] \
        if st == 200 else []
    S.check(len(pushes) == 2 and
            all(x["employee_id"] == env["max"] for x in pushes),
            "the note's deliveries list the two pushes, for Max", repr(d))


def check_retry():
    svc.plan["max2"] = [503, 201]
    n0 = len(svc.requests("max2"))
    st, r = sb.api("POST", f"{V}/push_subscriptions/{env['sub2']}/test", {})
    row = wait_row(r["id"], "sent", 20) if st == 202 else None
    got = svc.requests("max2")[n0:]
    S.check(row and row["state"] == "sent" and row["attempts"] == 2 and
            [g["status"] for g in got] == [503, 201] and
            not any(g["problems"] for g in got),
            "503, then 201: retried and sent (attempts 2)",
            f"{row} {[(g['status'], g['problems']) for g in got]}")


def check_gone():
    svc.plan["erika"] = [410]
    st, r = sb.api("POST",
                   f"{V}/push_subscriptions/{env['sub_erika']}/test", {})
    row = wait_row(r["id"], "failed") if st == 202 else None
    S.check(row and row["state"] == "failed" and row["attempts"] == 1 and
            row["last_error"] == "subscription gone",
            "410: failed \"subscription gone\" at once", repr(row))
    S.error_is("410: the subscription is deleted",
               sb.api("GET", f"{V}/push_subscriptions/{env['sub_erika']}"),
               404, f"push subscription {env['sub_erika']} not found")


def check_refused():
    svc.plan["max1"] = [400]
    st, r = sb.api("POST", f"{V}/push_subscriptions/{env['sub1']}/test", {})
    row = wait_row(r["id"], "failed") if st == 202 else None
    S.check(row and row["state"] == "failed" and row["attempts"] == 1 and
            row["last_error"] == "push service: HTTP 400",
            "400: failed with the status as reason, no retry", repr(row))
    st, _ = sb.api("GET", f"{V}/push_subscriptions/{env['sub1']}")
    S.check(st == 200, "400: the subscription stays", f"{st}")


def check_delete():
    st, _ = sb.api("DELETE", f"{V}/push_subscriptions/{env['sub1']}")
    S.check(st == 204, "DELETE /push_subscriptions/:id: 204", f"{st}")
    S.error_is("then it is not found",
               sb.api("GET", f"{V}/push_subscriptions/{env['sub1']}"), 404,
               f"push subscription {env['sub1']} not found")


def main():
    global svc, sb
    svc = PushService()
    sb = Switchboard(extra_args=["--outbox-retry-base", "1",
                                 "--outbox-retry-max", "2",
                                 "--push-subject", SUBJECT],
                     own_trunk_port=False)
    try:
        sb.start()
        a, _, mx = demo_ids(sb, "Max")
        _, _, er = demo_ids(sb, "Erika")
        env.update(a=a, max=mx, erika=er)
        st, t = sb.api("POST", V + "/tokens",
                       {"role": "subaccount", "tenant_id": a,
                        "employee_id": mx, "name": "max's login"})
        env["sa"] = t["token"] if st == 201 else None
        S.run(check_key)
        S.run(check_http_refused)
        code = sb.stop()
        S.check(code == 0, "exit code 0 after SIGTERM", f"{code}")
        sb.args.append("--push-allow-http")
        sb.start()
        for t in (check_key_kept, check_validation, check_subscribe,
                  check_test_push, check_note_push, check_retry, check_gone, check_refused,
                  check_delete):
            S.run(t)
        code = sb.stop()
        S.check(code == 0, "exit code 0 after SIGTERM (no ASan report)",
                f"{code}\n{sb.tail(30)}")
    finally:
        if S.failed:
            print(sb.tail(40), flush=True)
        sb.cleanup()
        svc.stop()
    S.finish()


if __name__ == "__main__":
    main()
