"""Screen pops against the phones' ring, for the suites that check that the
pop reaches an agent's event stream before the agent's phone rings (pop,
pool):

    er.events = SeqList()                 # a Baresip's events, numbered
    rd = open_streams(S, sb, [("erika", tok), ("operator", sb.token)])
    ...
    inc = incoming(er, mark)
    S.check(popped_first("erika", rd["erika"].pops()[0], inc), ...)
    ...
    close_streams(rd)
"""
import itertools
import select
import socket
import threading

from ws import WsClient

# one sequence for every arrival the ordering checks compare
_seq = itertools.count(1)
_seq_lock = threading.Lock()
# the event streams by name, so that a phone's incoming call can note what
# each stream had received at that moment
READERS = {}


def next_seq():
    with _seq_lock:
        return next(_seq)


class SeqList(list):
    """A phone's event list that numbers each event as it arrives.  An
    incoming call also notes, for every stream, how many messages were read
    and whether bytes were waiting unread: the ordering checks compare
    against that and not against the threads' scheduling."""

    def append(self, ev):
        if ev.get("type") == "CALL_INCOMING":
            ev["_snap"] = {n: r.snapshot() for n, r in READERS.items()}
        ev["_seq"] = next_seq()
        super().append(ev)


class Reader(threading.Thread):
    """Reads a stream's messages in the background, each numbered.  Bytes
    leave the socket only under the lock, and the message they make is in
    the list before the lock is released."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.c = client
        self.events = []
        self.stop = False
        self.lock = threading.Lock()

    def run(self):
        while not self.stop:
            try:
                ready, _, _ = select.select([self.c.sock], [], [], 0.2)
            except (OSError, ValueError):
                return
            if not ready and not self.c.buf:
                continue
            with self.lock:
                try:
                    ev = self.c.event(2)
                except socket.timeout:
                    continue
                except Exception:  # noqa: BLE001 - the checks see what came
                    return
                ev["_seq"] = next_seq()
                self.events.append(ev)

    def snapshot(self):
        """(messages read, False) at this moment, after reading every
        message whose bytes are already here (several may wait at once):
        a message not among them had not arrived yet."""
        with self.lock:
            while True:
                try:
                    ready, _, _ = select.select([self.c.sock], [], [], 0)
                except (OSError, ValueError):
                    break
                if not ready and not self.c.buf:
                    break
                try:
                    ev = self.c.event(2)
                except Exception:  # noqa: BLE001 - the reader sees it too
                    break
                ev["_seq"] = next_seq()
                self.events.append(ev)
            return len(self.events), False

    def pops(self):
        return [e for e in self.events if e.get("class") == "queue" and
                e.get("type") == "pop"]


def popped_first(name, pop, inc):
    """Whether the pop was on the stream before the phone reported the
    incoming call: among the messages read by then, the snapshot having
    read all that had arrived (the server writes the pop to the socket
    before it sends the INVITE)."""
    if not pop or not inc or name not in inc.get("_snap", {}):
        return False
    evs = READERS[name].events
    idx = next((i for i, e in enumerate(evs) if e is pop), None)
    n, waiting = inc["_snap"][name]
    return idx is not None and (idx < n or (waiting and idx == n))


def order_detail(name, pop, inc):
    return (f"pop #{(pop or {}).get('_seq')} incoming "
            f"#{(inc or {}).get('_seq')} snapshot "
            f"{(inc or {}).get('_snap', {}).get(name)}")


def clean(ev):
    """An event without the numbering (for messages)."""
    return {k: v for k, v in ev.items() if k not in ("_seq", "_snap")}


def incoming(phone, since):
    return phone.wait_event("CALL_INCOMING", 15, since=since)


def open_streams(suite, sb, named_tokens):
    """{name: Reader} of an event stream per (name, token), each checked to
    open with 101."""
    out = {}
    for name, tok in named_tokens:
        c = WsClient(sb.http_port, token=tok)
        suite.check(c.connect() == 101, f"{name}'s event stream: 101")
        r = Reader(c)
        r.start()
        out[name] = r
        READERS[name] = r
    return out


def close_streams(rd):
    for r in rd.values():
        r.stop = True
    for r in rd.values():
        r.join(3)
        r.c.abort()
    READERS.clear()
