"""Which loopback ports a suite may hand out.  test/run.sh runs suites side
by side, each in a slot (SB_PORT_SLOT of SB_PORT_SLOTS, environment): every
slot picks its ports from its own share of each range, so that two suites
never pick the same free port between the check and the bind.

    GENERIC  ports for daemons and peers (SIP, HTTP, SMTP, sipp, baresip),
             below the kernel's ephemeral range (32768-60999) so that no
             outgoing connection takes one between the check and the bind
    RTP      the range a suite gives Switchboard with --rtp-min/--rtp-max

Without the variables (a suite run on its own) the slot is the whole range.
"""
import os
import random
import socket
import threading

LOCAL = "127.0.0.1"


def _share(lo, hi):
    """[lo, hi) cut into SB_PORT_SLOTS equal parts: this slot's part."""
    try:
        n = max(1, int(os.environ.get("SB_PORT_SLOTS", "1")))
        k = int(os.environ.get("SB_PORT_SLOT", "0")) % n
    except ValueError:
        n, k = 1, 0
    size = (hi - lo) // n
    return lo + k * size, lo + (k + 1) * size


GENERIC = _share(10000, 32000)
RTP = _share(40000, 50000)
RTP_MIN, RTP_MAX = RTP[0], RTP[1] - 1

_lock = threading.Lock()
_handed_out = set()


def bindable(port, kinds=(socket.SOCK_DGRAM, socket.SOCK_STREAM)):
    for k in kinds:
        s = socket.socket(socket.AF_INET, k)
        try:
            s.bind((LOCAL, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_port(even=False, pair=False):
    """A port of this slot free for UDP and TCP on 127.0.0.1 (with pair,
    also the next one), not handed out before by this process."""
    lo, hi = GENERIC
    with _lock:
        for _ in range(1000):
            port = random.randrange(lo, hi - 1)
            if even and port % 2:
                continue
            ports = [port, port + 1] if pair else [port]
            if any(p in _handed_out for p in ports):
                continue
            if all(bindable(p) for p in ports):
                _handed_out.update(ports)
                return port
    raise RuntimeError("no free port")


def free_port_range(count=20, lo=None, hi=None):
    """(first, last): count consecutive free UDP ports of this slot (or of
    [lo, hi)), first even."""
    lo, hi = (lo, hi) if lo is not None else GENERIC
    with _lock:
        for _ in range(1000):
            first = random.randrange(lo, hi - count) & ~1
            ports = range(first, first + count)
            if any(p in _handed_out for p in ports):
                continue
            if all(bindable(p, (socket.SOCK_DGRAM,)) for p in ports):
                _handed_out.update(ports)
                return first, first + count - 1
    raise RuntimeError("no free port range")
