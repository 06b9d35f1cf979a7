"""The machinery of test/suites/queue_scenario.py (issue 15's end-to-end
scenario of a hotline queue): the event stream read in the background,
and the Scenario, whose methods are the script's steps, each waiting for
what the server says (an event, a phone's event), never for a time.

    sc = Scenario(sb, tid, erika, max_, queue, number, callers)
    sc.reader = Reader(ws); sc.reader.start()
    sc.arrive(3, capture=True)        # caller 3 calls, returns once joined
    sc.answers(E, 3)                  # E's phone is connected to caller 3
    sc.lets_ring(M)                   # M's phone rings, nobody takes it
    sc.hangs_up(E)                    # ... and E is in wrap-up
    sc.wait_ev(pred, "what", timeout) # (index, event) on the stream

Callers are numbered (k); sc.cid[k] is the caller's SIP Call-ID (the
call and queue events name it), sc.k_of the reverse.  A callback waiting
in the queue has no call of its own: its queue events carry the call_id
"" (and record_id 0), so sc.cid[CALLBACK] = "" names them (one callback
per scenario).

Python standard library only; run with /usr/bin/python3.
"""
import calendar
import re
import time

from peers import Sipp, wait_for
from ws import Reader  # noqa: F401 - the suites take it from here

CALLBACK = "cb"     # the label of the callback in the queue (not a call)


def ms_of(iso):
    """Event time "2026-12-06T03:08:48.806Z" -> ms since the epoch."""
    base, frac = iso.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) \
        * 1000 + int(frac)


def sip_invites(log, header="X-Switchboard-Collected"):
    """(From user, [values of header]) of each INVITE in a baresip SIP
    trace (Baresip(sip_trace=True).log()), one per Call-ID, in order."""
    out = {}
    for msg in re.split(r"\n(?=INVITE sip:)", log):
        if not msg.startswith("INVITE sip:"):
            continue
        head = msg.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
        cid = re.search(r"^Call-ID: *(\S+)", head, re.M | re.I)
        frm = re.search(r"^From:[^<\n]*<sip:([^@>]+)@", head, re.M | re.I)
        vals = re.findall(rf"^{header}: *(\S+)", head, re.M)
        if cid and cid.group(1) not in out:
            out[cid.group(1)] = (frm.group(1) if frm else None, vals)
    return list(out.values())


class Scenario:
    """The server, the agents' phones, the callers and the event stream,
    with the waits the script is made of."""

    def __init__(self, sb, tid, erika, max_, queue, number, callers):
        self.sb = sb
        self.tid = tid
        self.erika, self.max = erika, max_
        self.queue = queue
        self.number = number      # the queue's number
        self.numbers = callers    # k -> the caller's number (From)
        self.reader = None
        self.phones = {}    # employee id -> Baresip
        self.marks = {}     # employee id -> the phone's events seen
        self.callers = {}   # k -> Sipp
        self.cid = {CALLBACK: ""}   # k -> the caller's SIP Call-ID
        self.k_of = {"": CALLBACK}  # Call-ID -> k
        self.took = {}      # employee id -> [k] answered (phones)
        self.cap = None
        self.cap_ports = {}  # k -> the media port of a captured caller

    # --- the event stream ---------------------------------------------
    def evs(self):
        return self.reader.events

    def wait_ev(self, pred, what, timeout=20, since=0):
        """The first event at index >= since matching pred: (i, event)."""
        found = []

        def look():
            if self.reader.error:
                raise RuntimeError(f"event stream: {self.reader.error!r}")
            evs = self.evs()
            for i in range(since, len(evs)):
                if pred(evs[i]):
                    found.append((i, evs[i]))
                    return True
            return False
        wait_for(look, timeout, what,
                 lambda: f"last events: {self.evs()[-5:]}")
        return found[0]

    def agent_state(self, emp, state, since=0, timeout=20):
        return self.wait_ev(
            lambda e: e["class"] == "agent" and e["agent"]["id"] == emp
            and e["state"] == state,
            f"agent {emp} {state}", timeout, since)

    def queue_ev(self, k, type_, since=0, timeout=30, reason=None):
        """Caller k's (or the callback's) queue event of type_ (left:
        with reason)."""
        return self.wait_ev(
            lambda e: e["class"] == "queue" and e["type"] == type_ and
            e.get("call_id") == self.cid.get(k) and
            (reason is None or e["reason"] == reason),
            f"caller {k}: queue {type_} {reason or ''}", timeout, since)

    def left(self, k, reason, timeout=30):
        return self.queue_ev(k, "left", timeout=timeout, reason=reason)

    def callback_ev(self, state, since=0, timeout=30):
        """The queue's callback event (a request made or changed) with
        state."""
        return self.wait_ev(
            lambda e: e["class"] == "queue" and e["type"] == "callback" and
            e["state"] == state, f"a callback {state}", timeout, since)

    # --- callers ---------------------------------------------------------
    def arrive(self, k, abandon_ms=None, capture=False, scenario=None,
               wait_s=240):
        """Caller k calls the queue (sipp: uac_queue_caller, or
        uac_queue_abandon with abandon_ms, or the scenario given);
        returns once it joined (its event)."""
        kw = dict(remote=("127.0.0.1", self.sb.sip_port),
                  service=self.number, keys={"caller": self.numbers[k]},
                  timeout_s=wait_s, recv_timeout_ms=(wait_s - 10) * 1000)
        if abandon_ms:
            s = Sipp("uac_queue_abandon", duration_ms=abandon_ms, **kw)
        else:
            s = Sipp(scenario or "uac_queue_caller", **kw)
        self.callers[k] = s
        if capture:
            self.cap_ports[k] = s.media_port
        mark = len(self.evs())
        s.start()
        _, new = self.wait_ev(
            lambda e: e["class"] == "call" and e["type"] == "new" and
            e["from"] == self.numbers[k], f"caller {k}'s call", 15, mark)
        self.cid[k] = new["call_id"]
        self.k_of[new["call_id"]] = k
        self.queue_ev(k, "joined", mark, 15)

    # --- agents ----------------------------------------------------------
    def rings(self, emp, what, timeout=25):
        """Agent emp's phone rings (CALL_INCOMING): the event."""
        ph = self.phones[emp]
        ev = ph.wait_event("CALL_INCOMING", timeout, since=self.marks[emp])
        if ev is None:
            raise RuntimeError(f"agent {emp}: no call ({what})")
        self.marks[emp] = ph.mark()
        return ev

    def connected(self, emp, what, timeout=25):
        """Agent emp's phone is connected (CALL_ESTABLISHED): the
        event."""
        ph = self.phones[emp]
        est = ph.wait_event("CALL_ESTABLISHED", timeout,
                            since=self.marks[emp])
        if est is None:
            raise RuntimeError(f"agent {emp}: not connected ({what})")
        self.marks[emp] = ph.mark()
        return est

    def answers(self, emp, k, by_hand=False, timeout=25):
        """Agent emp's phone rings with caller k and (by hand: accepted)
        is connected; notes whose number the phone saw."""
        ev = None
        if by_hand:
            ev = self.rings(emp, f"for caller {k}", timeout)
            self.phones[emp].accept()
        est = self.connected(emp, f"to caller {k}", timeout)
        peer = est.get("peeruri", "") + " " + (ev or {}).get("peeruri", "")
        got = [n for n, num in self.numbers.items() if f":{num}@" in peer]
        self.took.setdefault(emp, []).append(got[0] if got else peer)
        self.left(k, "answered")
        return got

    def answers_callback(self, emp, number, timeout=25):
        """Agent emp's phone rings for the callback, showing number; he
        accepts.  Returns (the phone's incoming event, time.time() of
        the answer)."""
        ev = self.rings(emp, f"for the callback to {number}", timeout)
        self.phones[emp].accept()
        est = self.connected(emp, "for the callback", timeout)
        t = time.time()
        peer = est.get("peeruri", "") + " " + ev.get("peeruri", "")
        self.took.setdefault(emp, []).append(
            CALLBACK if f":{number}@" in peer else peer)
        self.left(CALLBACK, "answered")
        return ev, t

    def lets_ring(self, emp, timeout=25):
        """Agent emp's phone rings and nobody takes it."""
        self.rings(emp, "to let ring", timeout)

    def hangs_up(self, emp):
        """Agent emp ends his call: the other party gets our BYE; waits
        for the wrap-up."""
        mark = len(self.evs())
        self.phones[emp].hangup()
        self.agent_state(emp, "wrapup", mark)

    def act(self, emp, action):
        st, a = self.sb.api("POST", f"/api/v1/agents/{emp}/state",
                            {"action": action})
        if st != 200:
            raise RuntimeError(f"agent {emp} {action}: {st} {a}")
        return a
