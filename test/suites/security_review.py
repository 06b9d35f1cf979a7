#!/usr/bin/python3
"""Findings of the security review of issue 17's endpoints, each with the
exact outcome that the old code got wrong.

  * Webhook URLs (PUT /tenants/:id/note_settings) without
    --webhook-allow-loopback: http://, a private, loopback, link-local,
    metadata, ULA, IPv4-mapped or "localhost" host is 422 naming
    webhook_url; a public https:// name is 200.  A URL that got into the
    store before (written there directly, http://127.0.0.1 to a local
    receiver) is refused again when sent: the delivery fails at once
    with the generic reason "destination not allowed" and the receiver
    gets nothing.
  * Push endpoints: a private address 422 naming endpoint, http:// to a
    host not loopback 422 (with --push-allow-http); a subscription whose
    endpoint was changed in the store to 10.1.2.3 fails its test push
    at once, "destination not allowed".
  * SMTP bounces: the sink refuses Erika's address with a 550 text that
    names it; the note's deliveries show the agent and the subaccount
    "mail server refused the recipient" (no address anywhere), the
    operator's GET /outbox/:id keeps the raw reply, and the log never
    has the address.
  * A password change waiting for the hash worker is not applied when
    its session ends (logout) meanwhile: 401, the old password still
    logs in, the new one does not.
  * POST /api/v1/users checks before it hashes: with the only worker
    busy and its queue full a valid new user is 503, but a taken login
    is 409 and a client admin's operator 403 (no hash slot taken).
"""
import base64
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sb import Suite, Switchboard, demo_ids, free_port  # noqa: E402
from notes import Receiver  # noqa: E402 - the webhook receiver
from aiosmtpd.controller import Controller  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
import socket  # noqa: E402

S = Suite("security_review")
V = "/api/v1"
ERIKA_MAIL = "erika.geheim@kunde.example"
BOUNCE = f"550 5.1.1 <{ERIKA_MAIL}>: Recipient address rejected"


class Sink:
    """An SMTP server that refuses every recipient with BOUNCE."""

    def __init__(self):
        self.port = free_port(socket.SOCK_STREAM)
        self.rcpts = []
        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    async def handle_RCPT(self, server, session, envelope, address, opts):
        self.rcpts.append(address)
        return BOUNCE

    def stop(self):
        self.ctl.stop()


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def push_keys():
    priv = ec.generate_private_key(ec.SECP256R1())
    pub = priv.public_key().public_bytes(
        serialization.Encoding.X962,
        serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64e(pub), "auth": b64e(os.urandom(16))}


def db(sb, sql, args=()):
    con = sqlite3.connect(os.path.join(sb.dir, "switchboard.db"), timeout=10)
    try:
        rows = con.execute(sql, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        r = cond()
        if r:
            return r
        time.sleep(0.1)
    return cond()


def token(sb, body):
    st, t = sb.api("POST", V + "/tokens", body)
    S.check(st == 201, f"a {body['role']} token: 201", f"{st} {t}")
    return t.get("token")


# ---- webhooks and push endpoints ----------------------------------------

HOOK_HTTPS = "webhook_url: must be an https:// URL with a host"
HOOK_ADDR = ("webhook_url: must not be a private, loopback, link-local or "
             "multicast address")


def test_webhook(sb, env, recv):
    a, ca = env["a"], env["ca"]
    path = f"{V}/tenants/{a}/note_settings"
    for url, msg in (
            (f"http://127.0.0.1:{recv.port}/hook", HOOK_HTTPS),
            ("http://hooks.example.com/x", HOOK_HTTPS),
            ("ftp://hooks.example.com/x", HOOK_HTTPS),
            ("https://user:pw@hooks.example.com/x", HOOK_HTTPS),
            (f"https://127.0.0.1:{recv.port}/hook", HOOK_ADDR),
            ("https://10.0.0.7/hook", HOOK_ADDR),
            ("https://172.16.1.1/hook", HOOK_ADDR),
            ("https://192.168.178.1/hook", HOOK_ADDR),
            ("https://100.64.0.1/hook", HOOK_ADDR),
            ("https://169.254.169.254/latest/meta-data", HOOK_ADDR),
            ("https://0.0.0.0/hook", HOOK_ADDR),
            ("https://[::1]/hook", HOOK_ADDR),
            ("https://[fd00::7]/hook", HOOK_ADDR),
            ("https://[fe80::1]/hook", HOOK_ADDR),
            ("https://[::ffff:127.0.0.1]/hook", HOOK_ADDR),
            ("https://[::ffff:169.254.169.254]/hook", HOOK_ADDR),
            ("https://224.0.0.1/hook", HOOK_ADDR),
            ("https://localhost/hook", HOOK_ADDR)):
        S.error_is(f"webhook_url {url}: 422 naming webhook_url",
                   sb.api("PUT", path, {"webhook_url": url}, ca), 422, msg)
    st, r = sb.api("PUT", path, {"webhook_url":
                                 "https://hooks.example.com/sb"}, ca)
    S.check(st == 200 and r.get("webhook_url") ==
            "https://hooks.example.com/sb" and r.get("webhook_secret"),
            "a public https:// webhook URL: 200 with a new secret",
            f"{st} {r}")

    # a URL stored before the check: refused again when sent
    db(sb, "UPDATE note_settings SET webhook_url = ? WHERE tenant_id = ?",
       (f"http://127.0.0.1:{recv.port}/hook", a))
    st, n = sb.api("POST", V + "/notes",
                   {"employee_ids": [env["erika"]],
                    "caller_name": "Hans Anrufer",
                    "caller_number": "0221 987654",
                    "concern": "Rückruf erbeten"}, env["agent"])
    S.check(st == 201, "an agent saves a note: 201", f"{st} {n}")
    env["note"] = n.get("id")

    def hook_done():
        st, d = sb.api("GET", f"{V}/notes/{n.get('id')}/deliveries")
        h = [x for x in d if x["channel"] == "webhook"] if st == 200 else []
        return h[0] if h and h[0]["state"] != "pending" else None
    h = wait_for(hook_done, 15) or {}
    S.check(h.get("state") == "failed" and h.get("attempts") == 1 and
            h.get("last_error") == "destination not allowed",
            "the stored loopback webhook URL: failed at once, \"destination "
            "not allowed\"", f"{h}")
    st, o = sb.api("GET", f"{V}/outbox/{h.get('outbox_id')}")
    S.check(st == 200 and o.get("last_error") == "destination not allowed",
            "... the same reason in the operator's outbox", f"{st} {o}")
    S.check(recv.got == [], "the local receiver got nothing",
            f"{recv.got[:2]}")


PUSH_ADDR = ("endpoint: must not be a private, loopback, link-local or "
             "multicast address")
PUSH_HTTPS = ("endpoint: must be an https:// URL with a host (http:// only "
              "to 127.0.0.1 or [::1])")


def test_push(sb, env, recv):
    def sub(endpoint):
        return sb.api("POST", V + "/push_subscriptions",
                      {"endpoint": endpoint, "keys": push_keys(),
                       "employee_id": env["erika"]}, env["sa"])
    for url, msg in (("https://10.1.2.3/push/x", PUSH_ADDR),
                     ("https://[fc00::1]/push/x", PUSH_ADDR),
                     ("https://169.254.169.254/push/x", PUSH_ADDR),
                     ("http://10.1.2.3/push/x", PUSH_HTTPS),
                     ("http://push.example.com/x", PUSH_HTTPS)):
        S.error_is(f"push endpoint {url}: 422 naming endpoint", sub(url),
                   422, msg)
    st, s = sub(f"http://127.0.0.1:{recv.port}/push/erika")
    S.check(st == 201, "http:// to 127.0.0.1 with --push-allow-http: 201",
            f"{st} {s}")
    db(sb, "UPDATE push_subscriptions SET endpoint = ? WHERE id = ?",
       ("https://10.1.2.3/push/erika", s.get("id")))
    st, r = sb.api("POST", f"{V}/push_subscriptions/{s.get('id')}/test", {},
                   env["sa"])
    S.check(st == 202, "a test push: 202", f"{st} {r}")

    def done():
        st, o = sb.api("GET", f"{V}/outbox/{r.get('id')}")
        return o if st == 200 and o["state"] in ("sent", "failed") \
            else None
    o = wait_for(done, 15) or {}
    S.check(o.get("state") == "failed" and o.get("attempts") == 1 and
            o.get("last_error") == "destination not allowed",
            "an endpoint changed to 10.1.2.3 in the store: the push fails "
            "at once, \"destination not allowed\"", f"{o}")


# ---- SMTP errors ----------------------------------------------------------

def test_bounce(sb, env, sink):
    nid = env.get("note")

    def mail_done():
        st, d = sb.api("GET", f"{V}/notes/{nid}/deliveries")
        m = [x for x in d if x["channel"] == "mail"] if st == 200 else []
        return m[0] if m and m[0]["state"] == "failed" else None
    m = wait_for(mail_done, 20) or {}
    S.check(ERIKA_MAIL in sink.rcpts, "the sink was asked for Erika's "
            "address and refused it", f"{sink.rcpts}")
    for who, tok in (("the agent", env["agent"]),
                     ("the subaccount", env["sa"]),
                     ("the client admin", env["ca"])):
        st, d = sb.api("GET", f"{V}/notes/{nid}/deliveries", token=tok)
        mail = [x for x in d if x.get("channel") == "mail"] \
            if st == 200 else []
        S.check(st == 200 and mail and mail[0]["state"] == "failed" and
                mail[0]["last_error"] ==
                "mail server refused the recipient" and
                "@" not in str(d),
                f"{who}: the mail failed, \"mail server refused the "
                "recipient\", no address", f"{st} {d}")
    st, o = sb.api("GET", f"{V}/outbox/{m.get('outbox_id')}")
    S.check(st == 200 and o.get("last_error", "").startswith(
        f"SMTP {BOUNCE}"), "the operator's outbox keeps the raw reply",
        f"{st} {o.get('last_error') if st == 200 else o}")
    S.check(ERIKA_MAIL not in sb.logtext(),
            "the log never has Erika's address")


def main_server():
    sink, recv = Sink(), Receiver()
    sb = Switchboard(["--smtp-url", f"smtp://127.0.0.1:{sink.port}",
                      "--outbox-retry-base", "1", "--outbox-retry-max", "2",
                      "--push-allow-http"])
    try:
        sb.start()
        a, _, mx = demo_ids(sb, "Max")
        _, _, er = demo_ids(sb, "Erika")
        st, _ = sb.api("PATCH", f"{V}/employees/{er}",
                       {"email": ERIKA_MAIL})
        S.check(st == 200, "Erika has an e-mail address", f"{st}")
        env = {"a": a, "erika": er,
               "agent": token(sb, {"role": "agent", "tenant_id": a,
                                   "employee_id": mx}),
               "sa": token(sb, {"role": "subaccount", "tenant_id": a,
                                "employee_id": er}),
               "ca": token(sb, {"role": "client_admin", "tenant_id": a})}
        S.run(test_webhook, sb, env, recv)
        S.run(test_push, sb, env, recv)
        S.run(test_bounce, sb, env, sink)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
        sink.stop()
        recv.stop()


# ---- password work and tokens ------------------------------------------

def login(sb, name, pw, timeout=10):
    return sb.api("POST", V + "/sessions", {"login": name, "password": pw},
                  token=None, timeout=timeout)


def test_revoked_meanwhile(sb):
    st, u = sb.api("POST", V + "/users",
                   {"login": "op.one", "password": "op-one-secret",
                    "role": "operator"})
    S.check(st == 201, "a user: 201", f"{st} {u}")
    st, s = login(sb, "op.one", "op-one-secret")
    tok = s.get("token") if st == 201 else None
    S.check(tok is not None, "it logs in", f"{st} {s}")
    out = {}

    # three password hashes in a row on the one worker: under load (the
    # sanitizer build) the change's answer came after more than 10 s
    def busy():
        out["busy"] = login(sb, "op.one", "op-one-secret", timeout=60)[0]

    def change():
        out["change"] = sb.api("POST", V + "/users/me/password",
                               {"current_password": "op-one-secret",
                                "new_password": "op-one-changed"},
                               token=tok, timeout=60)
    ts = [threading.Thread(target=busy) for _ in range(2)]
    for t in ts:
        t.start()
    time.sleep(0.1)  # two logins' hashes: one on the worker, one waiting
    t2 = threading.Thread(target=change)
    t2.start()
    time.sleep(0.05)  # the change waits in the queue behind them ...
    st, _ = sb.api("DELETE", V + "/sessions/current", token=tok)
    S.check(st == 204, "... while its session logs out: 204", f"{st}")
    for t in ts:
        t.join()
    t2.join()
    S.error_is("the change, answered after the logout: 401",
               out["change"], 401, "missing or invalid token")
    st, _ = login(sb, "op.one", "op-one-changed")
    S.check(st == 401, "the new password was not set", f"{st}")
    st, _ = login(sb, "op.one", "op-one-secret")
    S.check(st == 201, "the old one still logs in", f"{st}")


def test_users_before_hash(sb):
    a = sb.api("GET", V + "/tenants")[1][0]["id"]
    st, _ = sb.api("POST", V + "/users",
                   {"login": "chef.a", "password": "chef-a-secret",
                    "role": "client_admin", "tenant_id": a})
    st2, s = login(sb, "chef.a", "chef-a-secret")
    ca = s.get("token") if st2 == 201 else None
    S.check(st == 201 and ca, "a client admin logs in", f"{st} {st2}")
    res = []

    def slow():
        res.append(login(sb, "chef.a", "wrong-password-1")[0])
    ts = [threading.Thread(target=slow) for _ in range(10)]
    for t in ts:
        t.start()
    # one hashing, three waiting (--password-queue 3): the fifth and sixth
    # are refused at once; from that first 503 on the queue is full for
    # as long as a hash takes (not a timing assertion: the wait ends on it)
    deadline = time.time() + 20
    while 503 not in res and time.time() < deadline:
        time.sleep(0.005)
    S.check(503 in res, "ten slow logins: the queue is full (one got 503)",
            str(res))
    taken = sb.api("POST", V + "/users",
                   {"login": "CHEF.A", "password": "another-secret",
                    "role": "client_admin", "tenant_id": a})
    op = sb.api("POST", V + "/users",
                {"login": "new.op", "password": "new-op-secret",
                 "role": "operator"}, ca)
    fresh = sb.api("POST", V + "/users",
                   {"login": "fresh.one", "password": "fresh-one-secret",
                    "role": "client_admin", "tenant_id": a})
    for t in ts:
        t.join()
    S.check(fresh[0] == 503,
            "the worker busy and its queue full: a valid new user 503",
            f"{fresh}")
    S.error_is("... a taken login 409 (checked before the hash)", taken,
               409, "login: CHEF.A is taken")
    S.error_is("... a client admin's operator 403", op, 403,
               "role: a client_admin may grant client_admin or "
               "subaccount only, not operator")


def password_server():
    sb = Switchboard(["--password-workers", "1", "--password-queue", "3",
                      "--login-ip-max-failures", "0"])
    try:
        sb.start()
        S.run(test_revoked_meanwhile, sb)
        S.run(test_users_before_hash, sb)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()


def main():
    main_server()
    password_server()
    S.finish()


if __name__ == "__main__":
    main()
