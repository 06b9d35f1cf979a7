#!/usr/bin/python3
"""What a caller waiting in a queue hears, by its content (issue 15): the
greeting, the all-busy notice at once, the position spoken on entry, music
on hold, the position again after announce_every seconds, and the new
position once a caller ahead has left.

Erika (the queue's only member) is logged in and paused, so nobody
serves the queue: the notice is queue_no_agents (all busy is
queue_scenario's).  The queue announces every 10 s, the position only (say_wait false:
the wait is the estimator's, unit-tested in test_acd_wait; here the text
must be known).  Max (baresip 1001) calls first, then Charlie (baresip
1011).  Each phone records what it receives; the spoken sentences are
compared with the speech cache's files of exactly those texts (named by
sha256 of "<lang>\\n<text>", src/media/speech.c), the prompts with their
files, the music with moh.wav:

  Max:     please_hold, queue_no_agents, "Sie sind an Position eins."
           at once, music, about 10 s after the first the same sentence
  Charlie (calls after that): please_hold, queue_no_agents, "Sie sind an
           Position zwei.", music; then Max hangs up; Charlie's next
           announcement (10 s after his first) is "Sie sind an Position
           eins." and "zwei" is not said again
  Erika resumes: Charlie's call rings her phone and is answered.
"""
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import DEMO, PROMPTS, demo_ids, Suite, Switchboard  # noqa: E402
from peers import Baresip  # noqa: E402
from audio import is_prompt, read_wav  # noqa: E402

S = Suite("announce")
PW = DEMO["devices"]
NUMBER = "+4922182829963"
EVERY_S = 10
POS = {1: "Sie sind an Position eins.", 2: "Sie sind an Position zwei."}


def seconds(path):
    rate, x = read_wav(path)
    return len(x) / rate


def speech_file(sb, text, lang="de"):
    h = hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()
    return os.path.join(sb.dir, "speech", f"{lang}-{h}.wav")


def cut(path, t0, t1):
    rate, x = read_wav(path)
    return x[int(max(0.0, t0) * rate):int(t1 * rate)]


def act(sb, emp, action, reason=None):
    body = {"action": action}
    if reason:
        body["reason"] = reason
    st, a = sb.api("POST", f"/api/v1/agents/{emp}/state", body)
    S.check(st == 200, f"Erika: {action}: 200", f"{st} {a}")


def heard(rec, t0, t1, ref, what, loop=False, cover=0.9):
    v = is_prompt(cut(rec, t0, t1), ref, law="pcmu", loop=loop,
                  min_seconds=0.5, min_coverage=0 if loop else cover)
    S.check(v, what, f"{t0:.1f}-{t1:.1f} s: {v}")
    return v


def spoken_at(rec, ref, lo, hi):
    """Where in rec [s] the sentence ref starts, searched from lo to hi in
    steps of 0.1 s (a window of its own length: music around it would
    spoil the match), or None."""
    n = seconds(ref)
    t = max(0.0, lo)
    while t <= hi:
        if is_prompt(cut(rec, t, t + n), ref, law="pcmu", min_seconds=0.5,
                     min_coverage=0.7):
            return round(t, 1)
        t += 0.1
    return None


def said(rec, ref, at, what, slack=(0.5, 1.5)):
    """ref is heard starting within at - slack[0] .. at + slack[1]."""
    t = spoken_at(rec, ref, at - slack[0], at + slack[1])
    S.check(t is not None, what, f"expected at {at:.1f} s, found at {t}")
    return t


def test_announcements(sb, tid, erika):
    st, q = sb.api("POST", "/api/v1/queues",
                   {"tenant_id": tid, "name": "Ansagen",
                    "strategy": "ring_all", "ring_timeout": 15,
                    "announce_every": EVERY_S, "say_position": True,
                    "say_wait": False, "members": [{"employee_id": erika}]})
    S.check(st == 201 and q["announce_every"] == EVERY_S,
            "a queue announcing the position every 10 s: 201", f"{st} {q}")
    st, n = sb.api("POST", "/api/v1/numbers",
                   {"tenant_id": tid, "e164": NUMBER, "target_type": "queue",
                    "target_id": q["id"]})
    S.check(st == 201, "a number routed to it: 201", f"{st} {n}")
    act(sb, erika, "login")
    act(sb, erika, "pause", "Besprechung")
    g = seconds(os.path.join(PROMPTS, "de", "please_hold.wav"))
    b = seconds(os.path.join(PROMPTS, "de", "queue_no_agents.wav"))
    moh = os.path.join(PROMPTS, "moh.wav")
    srv = ("127.0.0.1", sb.sip_port)
    mx = Baresip("1001", PW["1001"], server=srv, tone=800)
    ch = Baresip("1011", PW["1011"], server=srv, tone=900)
    er = Baresip("1002", PW["1002"], server=srv, tone=1000)
    phones = (mx, ch, er)
    for p in phones:
        p.start()
    try:
        S.check(all(p.wait_registered(10) for p in phones),
                "Max's, Charlie's and Erika's phones register")
        uri = f"sip:{NUMBER}@127.0.0.1:{sb.sip_port}"
        m1 = mx.mark()
        mx.dial(uri)
        S.check(mx.wait_event("CALL_ESTABLISHED", 10, since=m1) is not None,
                "the queue answers Max")
        start = g + b
        # Max's second announcement is over before Charlie calls
        rec_m = mx.wait_recording(start + EVERY_S + 3.0, timeout=40)
        m2 = ch.mark()
        ch.dial(uri)
        S.check(ch.wait_event("CALL_ESTABLISHED", 10, since=m2) is not None,
                "the queue answers Charlie")
        p1, p2 = speech_file(sb, POS[1]), speech_file(sb, POS[2])
        S.check(os.path.exists(p1),
                "the speech cache holds \"Sie sind an Position eins.\"", p1)
        if not os.path.exists(p1):
            return
        s1 = seconds(p1)
        # Charlie's entry announcement is over: Max leaves (long before
        # Charlie's next one)
        rec_c = ch.wait_recording(start + s1 + 1.0, timeout=30)
        m1 = mx.mark()
        mx.hangup()
        S.check(mx.wait_event("CALL_CLOSED", 10, since=m1) is not None,
                "Max hangs up")
        heard(rec_m, 0, g + 0.3, os.path.join(PROMPTS, "de",
                                             "please_hold.wav"),
              "Max hears the greeting first")
        heard(rec_m, g - 0.3, g + b + 0.5,
              os.path.join(PROMPTS, "de", "queue_no_agents.wav"),
              "then at once that no agent is there now (the only one "
              "is paused)")
        t1 = said(rec_m, p1, start,
                  "then at once his position, spoken: \"Sie sind an "
                  "Position eins.\"")
        t1 = start if t1 is None else t1
        heard(rec_m, t1 + s1 + 0.5, t1 + EVERY_S - 0.5, moh,
              "then music on hold", loop=True)
        said(rec_m, p1, t1 + EVERY_S,
             f"{EVERY_S} s after the first, the position again",
             (0.3, 1.5))
        S.check(os.path.exists(p2),
                "the speech cache holds \"Sie sind an Position zwei.\"", p2)
        if os.path.exists(p2):
            said(rec_c, p2, start,
                 "Charlie, behind Max, hears \"Sie sind an Position "
                 "zwei.\"")
        rec_c = ch.wait_recording(start + EVERY_S + s1 + 1.5, timeout=40)
        said(rec_c, p1, start + EVERY_S,
             "Max gone, Charlie's next announcement: \"Sie sind an "
             "Position eins.\"")
        if os.path.exists(p2):
            t = spoken_at(rec_c, p2, start + 2.5, start + EVERY_S + s1)
            S.check(t is None, "and \"zwei\" not again", f"found at {t}")
        m3 = er.mark()
        st, _ = sb.api("POST", f"/api/v1/agents/{erika}/state",
                       {"action": "unpause"})
        S.check(st == 200 and
                er.wait_event("CALL_ESTABLISHED", 15, since=m3) is not None,
                "Erika resumes: Charlie's call rings her and is answered")
        time.sleep(0.5)
        m2 = ch.mark()
        er.hangup()
        S.check(ch.wait_event("CALL_CLOSED", 10, since=m2) is not None,
                "Erika hangs up: Charlie's call ends")
    finally:
        if os.environ.get("ANNOUNCE_KEEP"):
            import shutil
            for p in phones:
                for r in p.recordings():
                    shutil.copy(r, f"/tmp/ann-{p.user}-"
                                f"{os.path.basename(r)}")
            for f in os.listdir(os.path.join(sb.dir, "speech")):
                shutil.copy(os.path.join(sb.dir, "speech", f), "/tmp/ann-" + f)
        for p in phones:
            p.stop()


def main():
    sb = Switchboard().start()
    try:
        tid, ann, erika = demo_ids(sb, "Erika")
        S.run(test_announcements, sb, tid, erika)
        S.check(sb.alive(), "the server is alive after the tests")
    finally:
        code = sb.stop()
        S.check(code == 0, "clean exit (no leaks, no sanitizer report)",
                f"exit {code}: {sb.tail(30)}")
        sb.cleanup()
    S.finish()


if __name__ == "__main__":
    main()
