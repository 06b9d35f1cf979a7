#!/usr/bin/python3
"""Real SIP peers for the Switchboard suites: baresip phones, sipp runs and
audio checks.  Python 3 standard library only; run with /usr/bin/python3.

    from peers import Baresip, Sipp, wav_rms, dominant_freq, make_tone_wav

    phone = Baresip("1001", password="alpha1001", server=("127.0.0.1", port))
    phone.start(); phone.wait_registered(10)
    phone.dial("sip:+4922182829990@127.0.0.1:%d" % port)
    ev = phone.wait_event("CALL_ESTABLISHED", 10)
    ...
    phone.stop()

    r = Sipp("uac_announcement", remote=("127.0.0.1", port), local_port=5090,
             service="+4922182829990").run()
    r.rc, r.successful, r.failed

Self-test (no Switchboard needed; proves the harness on this machine,
audio.py's self-test included):
    /usr/bin/python3 test/lib/peers.py selftest

Audio is judged with audio.py (is_tone, is_prompt); the sox helpers here
(wav_rms, dominant_freq) are kept for old callers.

Everything binds to 127.0.0.1, every wait has a timeout, processes are
stopped by pid.  See test/lib/README.md and /work/shared/RECIPES.md.
"""
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SIPP_DIR = os.path.join(ROOT, "test", "data", "sipp")
BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
SIPP = shutil.which("sipp") or "/usr/bin/sipp"
SOX = shutil.which("sox") or "/usr/bin/sox"
MODULE_PATH = "/usr/lib/baresip/modules"
LOCAL = "127.0.0.1"

from ports import free_port as _free_port, free_port_range  # noqa: E402,F401


def free_port(even=False):
    """A port free for UDP and TCP on 127.0.0.1 (see ports.py)."""
    return _free_port(even=even)


def free_media_port():
    """An even port p for sipp's -mp with p .. p + 3 free for UDP: sipp
    binds its audio RTP socket on p and its video one on p + 2."""
    return free_port_range(4)[0]


def _wait_tcp(port, timeout):
    deadline = time.time() + timeout
    while True:
        try:
            return socket.create_connection((LOCAL, port), 0.5)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def in_range(port, rng):
    """rng: (first, last), both included."""
    return rng[0] <= port <= rng[1]


class WaitTimeout(RuntimeError):
    """A condition a test waited for did not come true in time."""


def wait_for(cond, timeout, what, detail=None, interval=0.05):
    """Poll cond() until it returns something true and return that; after
    timeout [s] raise WaitTimeout("timed out after T s waiting for WHAT:
    DETAIL") (detail: a string or a function giving one, for what was seen
    instead)."""
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.time() >= deadline:
            d = detail() if callable(detail) else detail
            raise WaitTimeout(f"timed out after {timeout} s waiting for "
                              f"{what}" + (f": {d}" if d else ""))
        time.sleep(interval)


# --------------------------------------------------------------------------
# audio helpers (sox)
# --------------------------------------------------------------------------
def sox_stat(path, start=None, length=None):
    """Dict of `sox FILE -n [trim start length] stat` values (floats), e.g.
    "RMS amplitude", "Rough frequency", "Length (seconds)"."""
    cmd = [SOX, path, "-n"]
    if start is not None or length is not None:
        cmd += ["trim", str(start or 0)] + ([str(length)] if length else [])
    cmd.append("stat")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    out = {}
    for line in r.stderr.splitlines():
        if ":" not in line:
            continue
        key, _, val = line.partition(":")
        key = " ".join(key.split())
        try:
            out[key] = float(val.split()[0])
        except (ValueError, IndexError):
            pass
    if not out:
        raise RuntimeError(f"sox stat failed for {path}: {r.stderr.strip()}")
    return out


def wav_rms(path, start=None, length=None):
    """RMS amplitude (0..1).  Digital silence reads about 0.00002; speech or
    a tone is > 0.01."""
    return sox_stat(path, start, length)["RMS amplitude"]


def dominant_freq(path, start=None, length=None):
    """sox's "Rough frequency" in Hz (zero-crossing estimate: good for a
    pure tone, meaningless for speech).  Trim away silence with
    start/length (seconds) for a stable value."""
    return sox_stat(path, start, length)["Rough frequency"]


def wav_seconds(path):
    return sox_stat(path)["Length (seconds)"]


def make_tone_wav(path, hz, seconds, volume=0.5):
    """8 kHz mono S16 WAV with a sine tone (baresip aufile / prompts)."""
    subprocess.run([SOX, "-n", "-r", "8000", "-c", "1", "-b", "16",
                    "-e", "signed-integer", path, "synth", str(seconds),
                    "sine", str(hz), "vol", str(volume)],
                   check=True, capture_output=True, timeout=60)
    return path


# --------------------------------------------------------------------------
# RTP capture (for peers that cannot record, e.g. sipp)
# --------------------------------------------------------------------------
class RtpCapture:
    """tcpdump on lo for UDP to the given port(s) (int or (first, last)).

        cap = RtpCapture((16000, 16009)).start()   # returns when tcpdump
        ... call ...                               # listens (or raises)
        cap.wait_rtp(100, dport=16000)             # wait for packets
        law, pcm = cap.audio(dport=16000, since=t) # decoded, for audio.py
        cap.stop()
        cap.to_wav(16000, "/tmp/x.wav")   # PCMU/PCMA payload -> 8 kHz WAV
        cap.payload_types(16000)          # {8: 250, 101: 10}
        cap.dtmf_events(16000)            # [(event, end, duration), ...]
    The file is written packet by packet (--immediate-mode by default) and
    read incrementally, so it can be read and waited on while tcpdump
    runs.  Needs root (tcpdump)."""

    def __init__(self, ports, path=None, bpf=None, immediate=True,
                 buffer_kib=None, netns=None, iface="lo"):
        """bpf: a tcpdump filter of its own instead of UDP to ports (then
        ports may be None); see segments() for what it caught.  netns: run
        tcpdump in that network namespace (ip netns exec), on iface
        ("any" for all of its interfaces).  immediate:
        tcpdump --immediate-mode, packets reach the file at once (without
        it libpcap hands them over in blocks, up to a second late; for
        heavy traffic, where tcpdump woken per packet drops some, turn it
        off and give buffer_kib: tcpdump -B)."""
        if ports is not None:
            self.ports = (ports, ports) if isinstance(ports, int) \
                else tuple(ports)
        self.bpf = bpf
        self.immediate = immediate
        self.buffer_kib = buffer_kib
        self.netns = netns
        self.iface = iface
        self._own = path is None
        self.path = path or tempfile.mktemp(prefix="peers-rtp-", suffix=".pcap")
        self.proc = None
        self._err = []
        self._cache = []       # frames parsed so far
        self._off = 0          # file offset parsed up to
        self._hdr = None       # (endian, nano, l2) of the pcap header

    def start(self, timeout=10, settle=None):
        """Start tcpdump and return once it listens (its "listening on"
        line: the filter is installed and the file open).  Raises with
        tcpdump's messages if it exits or does not get there in timeout.
        settle is accepted for old callers and ignored."""
        bpf = self.bpf
        if bpf is None:
            lo, hi = self.ports
            bpf = f"udp and dst portrange {lo}-{hi}"
        self.proc = subprocess.Popen(
            (["ip", "netns", "exec", self.netns] if self.netns else [])
            + ["tcpdump", "-i", self.iface, "-n", "-U"]
            + (["--immediate-mode"] if self.immediate else [])
            + (["-B", str(self.buffer_kib)] if self.buffer_kib else [])
            + ["-w", self.path, bpf],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ready = threading.Event()

        def read_err():
            for line in self.proc.stderr:
                line = line.decode("utf-8", "replace").rstrip()
                self._err.append(line)
                if "listening on" in line:
                    ready.set()
            ready.set()      # EOF: tcpdump is gone
        threading.Thread(target=read_err, daemon=True).start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            msg = "; ".join(self._err[-5:])
            self.stop()
            raise RuntimeError(f"tcpdump did not start listening within "
                               f"{timeout} s (filter {bpf!r}): {msg}")
        return self

    def stop(self, timeout=1.0):
        """Stop tcpdump once the file stopped growing (the last packets
        written), at most timeout s after the call."""
        if self.proc and self.proc.poll() is None:
            deadline = time.time() + timeout
            last = -1
            while time.time() < deadline:
                size = os.path.getsize(self.path) \
                    if os.path.exists(self.path) else 0
                if size == last:
                    break
                last = size
                time.sleep(0.05)
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self

    def dropped(self):
        """Packets tcpdump said the kernel dropped (after stop()), or 0."""
        for line in self._err:
            if "dropped by kernel" in line:
                return int(line.split()[0])
        return 0

    def frames(self):
        """[dict(t, proto "udp"|"tcp", src, sport, dst, dport, payload)] of
        the IPv4 packets caught so far, in order (t in seconds, the same
        clock as time.time()).  Reads only what was added since the last
        call."""
        import struct
        try:
            with open(self.path, "rb") as f:
                f.seek(self._off)
                data = f.read()
        except OSError:
            return list(self._cache)
        pos = 0
        if self._hdr is None:
            if len(data) < 24:
                return list(self._cache)
            endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1",
                                         b"\x4d\x3c\xb2\xa1") else ">"
            nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
            linktype = struct.unpack(endian + "I", data[20:24])[0]
            l2 = {1: 14, 113: 16, 276: 20, 0: 4}.get(linktype, 14)
            self._hdr = (endian, nano, l2)
            pos = 24
        endian, nano, l2 = self._hdr
        out = self._cache
        while pos + 16 <= len(data):
            sec, frac, caplen, _ = struct.unpack(endian + "IIII",
                                                 data[pos:pos + 16])
            if pos + 16 + caplen > len(data):
                break             # written in part: read it next time
            pkt = data[pos + 16 + l2:pos + 16 + caplen]
            pos += 16 + caplen
            if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] not in (6, 17):
                continue
            ihl = (pkt[0] & 15) * 4
            sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
            if pkt[9] == 17:
                proto, payload = "udp", pkt[ihl + 8:]
            else:
                proto, payload = "tcp", pkt[ihl + (pkt[ihl + 12] >> 4) * 4:]
            out.append({"t": sec + frac / (1e9 if nano else 1e6),
                        "proto": proto,
                        "src": socket.inet_ntoa(pkt[12:16]), "sport": sport,
                        "dst": socket.inet_ntoa(pkt[16:20]), "dport": dport,
                        "payload": payload})
        self._off += pos
        return list(out)

    def rtp(self, dport=None, sport=None, since=None, until=None, pts=None):
        """[dict(t, src, sport, dst, dport, pt, m, seq, ts, ssrc, payload)]
        of the RTP packets caught so far (not RTCP).  dport/sport: a port or
        (first, last); since/until: time.time() values; pts: payload types
        to keep (None: all)."""
        def match(port, want):
            if want is None:
                return True
            if isinstance(want, int):
                return port == want
            return want[0] <= port <= want[1]
        out = []
        for f in self.frames():
            p = f["payload"]
            if f["proto"] != "udp" or len(p) < 12 or p[0] >> 6 != 2 \
                    or 192 <= p[1] <= 223:
                continue
            if not (match(f["dport"], dport) and match(f["sport"], sport)):
                continue
            if (since is not None and f["t"] < since) or \
                    (until is not None and f["t"] > until):
                continue
            pt = p[1] & 0x7f
            if pts is not None and pt not in pts:
                continue
            cc = p[0] & 15
            out.append({"t": f["t"], "src": f["src"], "sport": f["sport"],
                        "dst": f["dst"], "dport": f["dport"],
                        "pt": pt, "m": p[1] >> 7,
                        "seq": (p[2] << 8) | p[3],
                        "ts": int.from_bytes(p[4:8], "big"),
                        "ssrc": int.from_bytes(p[8:12], "big"),
                        "payload": p[12 + 4 * cc:]})
        return out

    def wait_rtp(self, count, timeout=10, what=None, **filters):
        """Wait until at least count RTP packets matching filters (see
        rtp(); pts defaults to audio, 0 and 8) were caught; returns them.
        Raises WaitTimeout naming what was awaited and what was seen."""
        filters.setdefault("pts", (0, 8))
        got = []

        def enough():
            got[:] = self.rtp(**filters)
            return len(got) >= count
        wait_for(enough, timeout, what or f"{count} RTP packets {filters}",
                 lambda: f"{len(got)} caught; tcpdump: "
                 f"{'; '.join(self._err[-3:])}")
        return got

    def audio(self, **filters):
        """(law, array of 16-bit samples) of the audio packets matching
        filters (see rtp()), in arrival order, decoded with the law of the
        payload type most of them carry ("pcmu" for 0, "pcma" for 8; the
        others are left out); (None, empty) without audio."""
        from audio import g711_decode
        import array
        pkts = self.rtp(**dict(filters, pts=(0, 8)))
        if not pkts:
            return None, array.array("h")
        pts = [p["pt"] for p in pkts]
        pt = max(set(pts), key=pts.count)
        law = "pcmu" if pt == 0 else "pcma"
        return law, g711_decode(b"".join(p["payload"] for p in pkts
                                         if p["pt"] == pt), law)

    def segments(self):
        """[(proto "udp"|"tcp", src_port, dst_port, payload bytes)]"""
        return [(f["proto"], f["sport"], f["dport"], f["payload"])
                for f in self.frames()]

    def packets(self, dport=None):
        """[(dst_port, payload_type, marker, rtp_payload bytes)]"""
        out = []
        for proto, _, dp, rtp in self.segments():
            if proto != "udp" or (dport is not None and dp != dport) \
                    or len(rtp) < 12 or rtp[0] >> 6 != 2 \
                    or 192 <= rtp[1] <= 223:
                continue     # not RTP (or RTCP SR/RR/SDES/BYE/APP)
            cc = rtp[0] & 15
            out.append((dp, rtp[1] & 0x7f, rtp[1] >> 7, rtp[12 + 4 * cc:]))
        return out

    def payload_types(self, dport=None):
        counts = {}
        for _, pt, _, _ in self.packets(dport):
            counts[pt] = counts.get(pt, 0) + 1
        return counts

    def dtmf_events(self, dport=None, pt=101):
        return [(p[0], bool(p[1] & 0x80), (p[2] << 8) | p[3])
                for _, t, _, p in self.packets(dport) if t == pt and len(p) >= 4]

    def to_wav(self, dport, wav_path, **filters):
        """Audio (PT 0 or 8, whichever is more frequent) to an 8 kHz mono
        S16 WAV; returns the path or None without audio packets.  More
        filters as for rtp() (sport, since, until)."""
        from audio import write_wav
        law, pcm = self.audio(dport=dport, **filters)
        if law is None:
            return None
        return write_wav(wav_path, pcm)

    def cleanup(self):
        self.stop()
        if self._own:
            try:
                os.unlink(self.path)
            except OSError:
                pass


# --------------------------------------------------------------------------
# baresip
# --------------------------------------------------------------------------
class BaresipError(RuntimeError):
    pass


class Baresip:
    """One baresip 1.0.0 phone with its own config dir, controlled through
    ctrl_tcp (netstring-framed JSON).

    user      SIP user of the account (device name, e.g. "1001").
    password  digest password; None = no auth_pass.
    server    (host, port) of the registrar, or None for a phone that does
              not register (its AOR is then sip:user@127.0.0.1:<sip port>).
    transport "udp" or "tcp" towards the server.
    regint    registration interval [s]; 0 = do not register.
    auto_answer  answermode=auto (callee) or manual (use accept()).
    tone      Hz of an endless sine (ausine, 48 kHz stereo as baresip
              needs) - the default source, 440 Hz.
    wav       play this 8 kHz mono S16 WAV instead (aufile). NB: baresip
              hangs up the call at the end of the file.
    codecs    audio_codecs of the account, e.g. ("pcma",) or ("pcmu","pcma").
    rtp_ports (first, last) or None for a free range of 20.
    extra_account  appended to the account line (";key=value...").
    extra_config   list of extra "key value" config lines.
    sip_trace      print every SIP message sent and received into its log
                   (baresip -s; read it with log()), e.g. to see the
                   headers of the INVITEs a phone gets.

    Events are collected in a background thread: self.events (list of
    dicts as baresip sends them: class, type, id, peeruri, param, ...).
    """

    def __init__(self, user="phone", password=None, server=None,
                 transport="udp", regint=None, auto_answer=True, tone=440,
                 wav=None, codecs=("pcmu", "pcma"), rtp_ports=None,
                 extra_account="", extra_config=(), name=None,
                 keep_dir=False, netns=None, host=None, sip_trace=False):
        # netns: run inside this network namespace, on address host; the
        # control connection then goes through a Unix socket (socat), since
        # the namespace's loopback is not ours
        self.netns = netns
        self.sip_trace = sip_trace
        self.host = host or LOCAL
        self._relay = None
        self.user = user
        self.password = password
        self.server = server
        self.transport = transport
        if regint is None:
            regint = 60 if server else 0
        self.regint = regint
        self.auto_answer = auto_answer
        self.tone = tone
        self.wav = os.path.abspath(wav) if wav else None
        self.codecs = tuple(codecs)
        self.name = name or f"bs-{user}"
        self.keep_dir = keep_dir
        self.dir = tempfile.mkdtemp(prefix=f"peers-{self.name}-")
        self.rec_dir = os.path.join(self.dir, "rec")
        os.makedirs(self.rec_dir)
        self.sip_port = free_port()
        self.ctrl_port = free_port()
        self.rtp_ports = rtp_ports or free_port_range(20)
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.proc = None
        self.sock = None
        self.events = []
        self.responses = {}
        self._consumed = set()
        self._cond = threading.Condition()
        self._reader = None
        self._token = 0
        self._closed = False
        self._extra_account = extra_account
        self._extra_config = extra_config
        self._write_config(extra_account, extra_config)

    # ---- config -------------------------------------------------------
    @property
    def aor(self):
        if self.server:
            host, port = self.server
            return f"sip:{self.user}@{host}:{port}"
        return f"sip:{self.user}@{self.host}:{self.sip_port}"

    @property
    def uri(self):
        """Where to send a direct call to this phone (no server)."""
        return f"sip:{self.user}@{self.host}:{self.sip_port}"

    def account_line(self, extra=""):
        if self.server:
            host, port = self.server
            line = f"<sip:{self.user}@{host}:{port};transport={self.transport}>"
        else:
            line = f"<sip:{self.user}@{self.host}:{self.sip_port}>"
        if self.password is not None:
            line += f";auth_user={self.user};auth_pass={self.password}"
        line += f";regint={int(self.regint)}"
        line += ";answermode=" + ("auto" if self.auto_answer else "manual")
        if self.codecs:
            line += ";audio_codecs=" + ",".join(self.codecs)
        line += ";ptime=20"
        return line + extra

    def _write_config(self, extra_account, extra_config):
        if self.wav:
            src, srate, ch = f"aufile,{self.wav}", 8000, 1
        else:
            src, srate, ch = f"ausine,{int(self.tone)}", 48000, 2
        lo, hi = self.rtp_ports
        cfg = [
            ("poll_method", "epoll"),
            ("sip_listen", f"{self.host}:{self.sip_port}"),
            ("net_interface", self.host),
            ("call_local_timeout", "120"),
            ("call_max_calls", "4"),
            ("audio_player", "aubridge,nil"),
            ("audio_source", src),
            ("audio_alert", "aubridge,nil"),
            ("ausrc_srate", str(srate)),
            ("ausrc_channels", str(ch)),
            ("auplay_srate", "8000"),
            ("auplay_channels", "1"),
            ("audio_level", "no"),
            ("audio_buffer", "20-160"),
            ("rtp_ports", f"{lo}-{hi}"),
            ("rtcp_mux", "no"),
            ("jitter_buffer_delay", "5-10"),
            ("rtp_stats", "yes"),
            ("statmode_default", "off"),
            ("module_path", MODULE_PATH),
            ("module", "g711.so"),
            ("module", "aufile.so"),
            ("module", "ausine.so"),
            ("module", "aubridge.so"),
            ("module", "sndfile.so"),
            ("module_tmp", "uuid.so"),
            ("module_tmp", "account.so"),
            ("module_app", "menu.so"),
            ("module_app", "ctrl_tcp.so"),
            ("ctrl_tcp_listen", f"127.0.0.1:{self.ctrl_port}"),
            ("snd_path", self.rec_dir),
        ]
        with open(os.path.join(self.dir, "config"), "w") as f:
            for k, v in cfg:
                f.write(f"{k}\t\t{v}\n")
            for line in extra_config:
                f.write(line.rstrip("\n") + "\n")
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(self.account_line(extra_account) + "\n")
        open(os.path.join(self.dir, "contacts"), "w").close()

    # ---- process --------------------------------------------------------
    def start(self, timeout=10, attempts=3):
        """Start baresip and connect to ctrl_tcp.  If that fails, raise
        BaresipError with baresip's log - unless the log shows one of its
        ports was taken in the meantime ("Address already in use", a race
        with another process on this machine, not a fault of anything
        under test): then say so and try again with fresh ports."""
        pre = ["ip", "netns", "exec", self.netns] if self.netns else []
        for attempt in range(attempts):
            self._log = open(self.log_path, "ab")
            mark = os.path.getsize(self.log_path)
            self.proc = subprocess.Popen(pre + [BARESIP, "-f", self.dir] +
                                         (["-s"] if self.sip_trace else []),
                                         stdin=subprocess.DEVNULL,
                                         stdout=self._log,
                                         stderr=subprocess.STDOUT,
                                         cwd=self.dir)
            try:
                if self.netns:
                    self.sock = self._wait_relay(timeout)
                else:
                    self.sock = self._wait_ctrl(timeout)
                break
            except OSError as e:
                log = self.log()[mark:]
                rc = self.proc.poll()
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                if "in use" not in log or attempt == attempts - 1:
                    self.stop()
                    raise BaresipError(
                        f"{self.name}: ctrl_tcp did not come up in "
                        f"{timeout} s ({e}; exit code {rc}); log: "
                        + log[-2000:]) from None
                print(f"     {self.name}: a port was taken (log: "
                      f"{log.strip()[-200:]!r}); again with new ports",
                      flush=True)
                self.sip_port = free_port()
                self.ctrl_port = free_port()
                self.rtp_ports = free_port_range(20)
                self._write_config(self._extra_account, self._extra_config)
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self

    def _wait_ctrl(self, timeout):
        """Connect to ctrl_tcp; OSError if baresip exits or timeout."""
        deadline = time.time() + timeout
        while True:
            try:
                return socket.create_connection((LOCAL, self.ctrl_port), 0.5)
            except OSError:
                if self.proc.poll() is not None:
                    raise OSError(f"baresip exited ({self.proc.returncode})")
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _read_loop(self):
        buf = b""
        sock = self.sock   # stop() may set self.sock to None meanwhile
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buf += data
            while b":" in buf:
                head, rest = buf.split(b":", 1)
                try:
                    n = int(head)
                except ValueError:   # out of sync: drop everything
                    buf = b""
                    break
                if len(rest) < n + 1:
                    break
                payload, buf = rest[:n], rest[n + 1:]
                try:
                    msg = json.loads(payload.decode("utf-8", "replace"))
                except ValueError:
                    continue
                msg["_t"] = time.time()
                with self._cond:
                    if msg.get("event"):
                        self.events.append(msg)
                    elif msg.get("response"):
                        self.responses[msg.get("token")] = msg
                    self._cond.notify_all()

    # ---- commands -------------------------------------------------------
    def command(self, cmd, params=None, timeout=5):
        """Send a ctrl_tcp command; returns the response dict
        ({"ok": bool, "data": str, ...}).  Raises BaresipError on timeout."""
        if not self.sock:
            raise BaresipError(f"{self.name}: not started")
        with self._cond:
            self._token += 1
            token = f"t{self._token}"
        msg = {"command": cmd, "token": token}
        if params is not None:
            msg["params"] = params
        data = json.dumps(msg).encode()
        try:
            self.sock.sendall(b"%d:%s," % (len(data), data))
        except OSError as e:   # baresip went away: say so, with its log
            raise BaresipError(f"{self.name}: control connection lost "
                               f"({e}); alive={self.alive()}; log tail: "
                               f"{self.log()[-600:]!r}") from e
        deadline = time.time() + timeout
        with self._cond:
            while token not in self.responses:
                left = deadline - time.time()
                if left <= 0 or self._closed:
                    raise BaresipError(f"{self.name}: no response to {cmd}")
                self._cond.wait(left)
            return self.responses.pop(token)

    def dial(self, uri):
        return self.command("dial", uri)

    def accept(self):
        return self.command("accept")

    def hangup(self):
        return self.command("hangup")

    def hold(self):
        return self.command("hold")

    def resume(self):
        return self.command("resume")

    def send_dtmf(self, digits):
        """RFC 2833 telephone-events (baresip 1.0.0 cannot send INFO)."""
        return self.command("sndcode", digits)

    def reginfo(self):
        """The reginfo text without ANSI colours."""
        return re.sub(r"\x1b\[[0-9;]*m", "", self.command("reginfo")
                      .get("data", ""))

    def registered(self):
        """True if reginfo shows the account registered (\"OK\")."""
        return re.search(r"\bOK\b", self.reginfo()) is not None

    def listcalls(self):
        return self.command("listcalls").get("data", "")

    # ---- events ---------------------------------------------------------
    def mark(self):
        """Index to pass as since= so that only later events match."""
        with self._cond:
            return len(self.events)

    def wait_event(self, types, timeout=10, since=0, pred=None):
        """First not yet returned event whose type is in types (str or
        tuple) at index >= since and for which pred(event) is true; it is
        then marked as consumed.  None on timeout."""
        if isinstance(types, str):
            types = (types,)
        deadline = time.time() + timeout
        with self._cond:
            while True:
                for i in range(since, len(self.events)):
                    ev = self.events[i]
                    if i in self._consumed or ev.get("type") not in types:
                        continue
                    if pred and not pred(ev):
                        continue
                    self._consumed.add(i)
                    return ev
                left = deadline - time.time()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(min(left, 0.5))

    def event_types(self):
        with self._cond:
            return [e.get("type") for e in self.events]

    def wait_registered(self, timeout=10):
        """True once the registrar answered 200 (REGISTER_OK event, or
        reginfo shows OK: baresip registers at start-up, possibly before
        ctrl_tcp is connected, and events are not replayed).  False on
        timeout or a REGISTER_FAIL event."""
        deadline = time.time() + timeout
        self.reg_why = f"no REGISTER_OK in {timeout} s"
        while time.time() < deadline:
            try:
                if self.registered():
                    return True
            except BaresipError as e:
                self.reg_why = str(e)
                if not self.alive():
                    print(f"     {e}", flush=True)
                    return False
            ev = self.wait_event(("REGISTER_OK", "REGISTER_FAIL"),
                                 min(0.2, max(0.01, deadline - time.time())))
            if ev:
                if ev["type"] != "REGISTER_OK":
                    self.reg_why = f"REGISTER_FAIL: {ev.get('param', ev)}"
                return ev["type"] == "REGISTER_OK"
        return False

    def why(self, tail=300):
        """One line for a failed check: alive or not, why the last
        wait_registered() failed, the end of baresip's log."""
        return (f"{self.name}: alive={self.alive()} "
                f"{getattr(self, 'reg_why', '')}; log: "
                f"{self.log()[-tail:]!r}")

    def recordings(self, kind="dec"):
        """WAV files sndfile wrote: kind "dec" (what this phone received)
        or "enc" (what it sent), oldest first."""
        return sorted(os.path.join(self.rec_dir, f)
                      for f in os.listdir(self.rec_dir)
                      if f.endswith(f"-{kind}.wav"))

    def wait_recording(self, seconds, timeout=10, count=None, kind="dec"):
        """Wait until the newest recording (the count-th, if given: 1 for
        the first call's) holds at least seconds of audio (the file grows
        as baresip decodes) and return its path.  Raises WaitTimeout with
        the files and sizes seen and the phone's events."""
        from audio import wav_data_seconds

        def ready():
            recs = self.recordings(kind)
            if count is not None:
                if len(recs) < count:
                    return None
                recs = recs[:count]
            if recs and wav_data_seconds(recs[-1]) >= seconds:
                return recs[-1]
            return None
        return wait_for(ready, timeout, f"{self.name}: {seconds} s in its "
                        f"{kind}.wav" + (f" #{count}" if count else ""),
                        lambda: f"files {[(os.path.basename(r), round(wav_data_seconds(r), 2)) for r in self.recordings(kind)]}; "
                        f"events {self.event_types()}")

    # ---- stop ---------------------------------------------------------------
    def _wait_relay(self, timeout):
        """ctrl_tcp inside the namespace, reached through a Unix socket."""
        path = os.path.join(self.dir, "ctrl.sock")
        self._relay = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "socat",
             f"UNIX-LISTEN:{path},fork", f"TCP:127.0.0.1:{self.ctrl_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(path):
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(path)
                    # socat connects on accept: wait for the TCP side
                    s.settimeout(0.3)
                    try:
                        if s.recv(1, socket.MSG_PEEK) == b"":
                            s.close()
                            time.sleep(0.1)
                            continue
                    except socket.timeout:
                        pass  # connected, nothing to read yet
                    return s
                except OSError:
                    pass
            time.sleep(0.1)
        raise OSError("ctrl relay did not come up")

    def stop(self, timeout=5, cleanup=None):
        """quit, then SIGTERM twice (a registered baresip waits ~32 s for
        the un-REGISTER answer when the registrar is gone), then SIGKILL.
        Removes the temp dir unless keep_dir/cleanup=False.  Returns the exit
        code."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None and self.sock and not self._closed:
                try:
                    self.command("quit", timeout=1)
                except (BaresipError, OSError):
                    pass
            for sig in (None, signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
                if sig is not None and self.proc.poll() is None:
                    try:
                        self.proc.send_signal(sig)
                    except ProcessLookupError:
                        pass
                try:
                    rc = self.proc.wait(timeout if sig is None else 2)
                    break
                except subprocess.TimeoutExpired:
                    continue
            if self.proc.poll() is None:
                self.proc.kill()
                rc = self.proc.wait()
            self._log.close()
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        if self._reader:
            self._reader.join(2)
        if self._relay is not None:
            self._relay.kill()
            self._relay.wait()
            self._relay = None
        if cleanup if cleanup is not None else not self.keep_dir:
            self.cleanup()
        return rc

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# sipp
# --------------------------------------------------------------------------
BUILTIN_SCENARIOS = {"uac", "uas", "regexp", "branchc", "branchs", "uac_pcap",
                     "3pcc-A", "3pcc-B", "3pcc-C-A", "3pcc-C-B", "ooc_default"}


def scenario_path(name):
    """Built-in name, path to an XML file, or a name in test/data/sipp/."""
    if name in BUILTIN_SCENARIOS:
        return None
    for cand in (name, os.path.join(SIPP_DIR, name),
                 os.path.join(SIPP_DIR, name + ".xml")):
        if os.path.isfile(cand):
            return os.path.abspath(cand)
    raise FileNotFoundError(f"sipp scenario {name!r} not found")


def write_inf(path, rows, mode="SEQUENTIAL"):
    """A sipp -inf CSV: rows of fields (e.g. [("1001", "alpha1001")])."""
    with open(path, "w") as f:
        f.write(mode + "\n")
        for row in rows:
            f.write(";".join(str(x) for x in row) + "\n")
    return path


class Sipp:
    """One sipp run.

    scenario     built-in ("uac", "uas") or a file (test/data/sipp/<name>.xml
                 may be given as just <name>).
    remote       (host, port) to send to (None for a pure uas).
    local_port   -p (5090 = the demo trunk); None = free port.
    transport    "udp" (u1) or "tcp" (t1); or a raw -t value.
    calls/rate/limit  -m / -r / -l;  rate_period -rp (ms).
    duration_ms  -d (call hold time of <pause/>).
    service      -s (R-URI user), inf = -inf CSV path, auth = (user, pass).
    media_port   -mp (with -mi 127.0.0.1); None = free_media_port(): sipp
                 binds its audio socket there and its video socket 2
                 above, 6000 and 6002 when not told, so that two sipps at
                 once (another suite's, a neighbour's) collided and one
                 "exited at once".  rtp_echo adds -rtp_echo.
    recv_timeout_ms  -recv_timeout (a call fails if nothing arrives).
    timeout_s    hard limit: the run is wrapped in coreutils timeout.
    auth_uri     -auth_uri (digest uri without "sip:"); "auto" = service@remote
                 for scenarios that INVITE sip:[service]@... with
                 [authentication] (sipp's default uri is remote_ip:port).
    variables    {name: value} for -set (use [$name] in the scenario).
    keys         {name: value} for -key (use [name]).
    extra        more raw arguments.

    trace        False turns off -trace_msg/-trace_logs (use for load runs).

    run() blocks and returns self; start() runs in the background (stop() /
    wait()).  After it ended: rc (0 all calls OK, 1 some failed, 97/99 no
    calls or stopped, 124 = killed by the timeout, 255 fatal), stats (last
    CSV row as dict), successful, failed, created, messages() (-trace_msg),
    logs() (<log> actions), errors() (-trace_err), screen (stdout).
    cleanup() (or a with block) removes the work dir."""

    def __init__(self, scenario, remote=None, local_port=None,
                 transport="udp", calls=1, rate=None, rate_period=None,
                 limit=None, duration_ms=None, service=None, inf=None,
                 auth=None, media_port=None, rtp_echo=False,
                 recv_timeout_ms=10000, timeout_s=60, variables=None,
                 keys=None, extra=(), workdir=None, buff_size=None,
                 trace=True, auth_uri="auto"):
        self.scenario = scenario
        self.dir = workdir or tempfile.mkdtemp(prefix="peers-sipp-")
        self._own_dir = workdir is None
        self.local_port = local_port or free_port()
        self.timeout_s = timeout_s
        self.stat_path = os.path.join(self.dir, "stat.csv")
        self.msg_path = os.path.join(self.dir, "messages.log")
        self.log_file = os.path.join(self.dir, "logs.log")
        self.err_path = os.path.join(self.dir, "errors.log")
        self.out_path = os.path.join(self.dir, "stdout.log")
        path = scenario_path(scenario)
        args = [SIPP]
        if remote:
            args.append(f"{remote[0]}:{remote[1]}")
        args += ["-sf", path] if path else ["-sn", scenario]
        t = {"udp": "u1", "tcp": "t1"}.get(transport, transport)
        args += ["-t", t, "-i", LOCAL, "-p", str(self.local_port),
                 "-nostdin", "-m", str(calls)]
        if rate is not None:
            args += ["-r", str(rate)]
        if rate_period is not None:
            args += ["-rp", str(rate_period)]
        if limit is not None:
            args += ["-l", str(limit)]
        if duration_ms is not None:
            args += ["-d", str(duration_ms)]
        if service is not None:
            args += ["-s", str(service)]
        if inf:
            args += ["-inf", inf]
        if auth:
            args += ["-au", auth[0], "-ap", auth[1]]
        if auth_uri == "auto":
            auth_uri = None
            # sipp's digest uri is sip:remote_ip:remote_port unless told;
            # an INVITE's Request-URI is sip:service@remote_ip:remote_port
            text = open(path, errors="replace").read() if path else ""
            if (remote and service is not None and "[authentication" in text
                    and "INVITE sip:[service]@[remote_ip]:[remote_port]"
                    in text):
                auth_uri = f"{service}@{remote[0]}:{remote[1]}"
        if auth_uri:
            args += ["-auth_uri", auth_uri]
        self.media_port = free_media_port() if media_port is None \
            else media_port
        args += ["-mi", LOCAL, "-mp", str(self.media_port)]
        if rtp_echo:
            args.append("-rtp_echo")
        if recv_timeout_ms:
            args += ["-recv_timeout", str(recv_timeout_ms)]
        if buff_size:
            args += ["-buff_size", str(buff_size)]
        for k, v in (variables or {}).items():
            args += ["-set", k, str(v)]
        for k, v in (keys or {}).items():
            args += ["-key", k, str(v)]
        args += ["-trace_stat", "-stf", self.stat_path, "-fd", "1",
                 "-trace_err", "-error_file", self.err_path]
        if trace:
            args += ["-trace_msg", "-message_file", self.msg_path,
                     "-trace_logs", "-log_file", self.log_file]
        args += list(extra)
        self.args = args
        self.proc = None
        self.rc = None
        self.stats = {}
        self.screen = ""

    def _popen(self):
        self._out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(
            ["timeout", "-k", "5", str(int(self.timeout_s))] + self.args,
            stdin=subprocess.DEVNULL, stdout=self._out,
            stderr=subprocess.STDOUT, cwd=self.dir)

    def run(self):
        self._popen()
        self.wait(self.timeout_s + 10)
        return self

    def start(self, settle=None, timeout=10):
        """Background mode (e.g. a uas): returns once sipp holds its SIP
        socket on local_port (so a request sent now reaches it).  Raises
        with sipp's output if it exits first or does not bind in timeout.
        settle is accepted for old callers and ignored."""
        self._popen()

        def bound():
            if self.proc.poll() is not None:
                return True
            pid = self._sipp_pid()
            return pid is not None and _holds_port(pid, self.local_port)
        try:
            wait_for(bound, timeout, f"sipp {self.scenario} to bind port "
                     f"{self.local_port}")
        except WaitTimeout as e:
            self.stop()
            raise RuntimeError(f"{e}; sipp said: {self.screen[-2000:]}") \
                from None
        if self.proc.poll() is not None:
            self._finish()
            raise RuntimeError(f"sipp {self.scenario} exited at once "
                               f"(rc {self.rc}): " + self.screen[-2000:])
        return self

    def wait(self, timeout=None):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
        self._finish()
        return self.rc

    def _sipp_pid(self):
        """pid of sipp itself (the child of the coreutils timeout wrapper)."""
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                kids = f.read().split()
            return int(kids[0]) if kids else None
        except (OSError, ValueError):
            return None

    def stop(self, timeout=5):
        """End a background run: SIGUSR1 to sipp (soft exit: it stops
        taking calls, lets the running ones end and writes its final
        statistics), then SIGTERM to the timeout wrapper (passed on to
        sipp), then SIGKILL.  Returns the exit code."""
        if self.proc and self.proc.poll() is None:
            pid = self._sipp_pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGUSR1)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self._finish()
        return self.rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def _finish(self):
        if self.proc is None:
            return
        self.rc = self.proc.returncode
        if not self._out.closed:
            self._out.close()
        try:
            with open(self.out_path, "rb") as f:
                self.screen = f.read().decode("utf-8", "replace")
        except OSError:
            pass
        self.stats = parse_stat_csv(self.stat_path)

    def _num(self, key):
        try:
            return int(float(self.stats.get(key, 0) or 0))
        except ValueError:
            return 0

    @property
    def successful(self):
        return self._num("SuccessfulCall(C)")

    @property
    def failed(self):
        return self._num("FailedCall(C)")

    @property
    def created(self):
        return self._num("TotalCallCreated")

    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def messages(self):
        return self._read(self.msg_path)

    def logs(self):
        return self._read(self.log_file)

    def errors(self):
        return self._read(self.err_path)

    def summary(self):
        return (f"sipp {self.scenario}: rc={self.rc} ok={self.successful} "
                f"failed={self.failed}")

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def _holds_port(pid, port):
    """True if process pid has a UDP or TCP socket bound to local port
    (its own /proc view, so this works inside a network namespace too)."""
    inodes = set()
    for proto in ("udp", "tcp", "udp6", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{proto}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if int(cols[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(cols[9])
        except (OSError, StopIteration, IndexError, ValueError):
            continue
    if not inodes:
        return False
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    except OSError:
        pass
    return False


def parse_stat_csv(path):
    """Last row of a sipp -trace_stat CSV as {column: value}."""
    try:
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f, delimiter=";") if r]
    except OSError:
        return {}
    if len(rows) < 2:
        return {}
    head, last = rows[0], rows[-1]
    return {h: (last[i] if i < len(last) else "") for i, h in enumerate(head)}


# --------------------------------------------------------------------------
# self-test
# --------------------------------------------------------------------------
def selftest():
    ok = True

    def check(cond, what, detail=""):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + what +
              ("" if cond else f" {detail}"), flush=True)
        ok = ok and bool(cond)
        return cond

    from audio import is_tone
    tone = 700
    a = Baresip("alice", name="selftest-a", tone=1200)
    b = Baresip("bob", name="selftest-b", tone=tone, auto_answer=True)
    cap = RtpCapture(a.rtp_ports) if os.geteuid() == 0 else None
    try:
        a.start()
        b.start()
        if cap:
            cap.start()
        check(a.alive() and b.alive(), "both baresip running")
        r = a.dial(b.uri)
        check(r.get("ok"), "dial accepted", r)
        ea = a.wait_event("CALL_ESTABLISHED", 10)
        eb = b.wait_event("CALL_ESTABLISHED", 10)
        check(ea is not None, "A: CALL_ESTABLISHED", a.event_types())
        check(eb is not None, "B: CALL_ESTABLISHED", b.event_types())
        a.wait_recording(2.5)
        b.wait_recording(2.5)
        r = a.hold()
        check(r.get("ok"), "hold accepted", r)
        if cap:
            # the hold took effect: B stops sending to A (sendonly/recvonly)
            def quiet():
                last = [p["t"] for p in cap.rtp(pts=(0, 8))][-1:]
                return last and time.time() - last[0] > 0.3
            wait_for(quiet, 10, "B's RTP to A to stop after the hold")
        r = a.resume()
        check(r.get("ok"), "resume accepted", r)
        t_res = time.time()
        if cap:
            cap.wait_rtp(75, since=t_res, what="RTP to A after the resume")
        r = a.send_dtmf("1#")
        check(r.get("ok"), "sndcode accepted", r)
        dt = b.wait_event("CALL_DTMF_START", 5)
        check(dt is not None and dt.get("param") == "1",
              "B: CALL_DTMF_START 1", dt)
        r = a.hangup()
        check(r.get("ok"), "hangup accepted", r)
        check(a.wait_event("CALL_CLOSED", 10) is not None, "A: CALL_CLOSED",
              a.event_types())
        check(b.wait_event("CALL_CLOSED", 10) is not None, "B: CALL_CLOSED",
              b.event_types())
        recs = a.recordings()
        if check(len(recs) == 1, "A: one dec.wav recording", recs):
            v = is_tone(recs[0], tone, other=1200)
            check(v, f"A's recording is B's {tone} Hz, not its own", v)
        recs = b.recordings()
        if check(len(recs) == 1, "B: one dec.wav recording", recs):
            v = is_tone(recs[0], 1200, other=tone)
            check(v, "B's recording is A's 1200 Hz, not its own", v)
        if cap:
            cap.stop()
            pts = cap.payload_types()
            check(pts.get(0, 0) > 100, f"RtpCapture: PCMU packets to A ({pts})")
            law, pcm = cap.audio(since=t_res)
            v = is_tone(pcm, tone, other=1200)
            check(law == "pcmu" and v, "RtpCapture: the audio to A after "
                  "the resume is B's tone", f"{law} {v}")
    finally:
        if cap:
            cap.cleanup()
        ra = a.stop()
        rb = b.stop()
    check(ra == 0 and rb == 0, f"baresip exit codes 0 ({ra}, {rb})")
    check(not os.path.exists(a.dir), "temp dir removed")

    # helpers
    tmp = tempfile.mkdtemp(prefix="peers-selftest-")
    try:
        w = make_tone_wav(os.path.join(tmp, "t.wav"), 1000, 1)
        check(abs(dominant_freq(w) - 1000) < 30, "make_tone_wav/dominant_freq")
        check(abs(wav_seconds(w) - 1.0) < 0.01, "wav_seconds")

        # sipp: our scenarios against each other (uas_answer <- uac_immediate_bye)
        uas = Sipp("uas_answer", calls=3, timeout_s=30).start()
        uac = Sipp("uac_immediate_bye", remote=(LOCAL, uas.local_port),
                   service="+4922112345", calls=3, rate=10,
                   timeout_s=30).run()
        check(uac.rc == 0 and uac.successful == 3 and uac.failed == 0,
              "sipp uac_immediate_bye -> uas_answer: 3 calls OK",
              uac.summary() + uac.screen[-1500:])
        uas.wait(15)
        check(uas.successful == 3, "sipp uas_answer: 3 calls OK",
              uas.summary())
        check("RURI_USER=+4922112345" in uas.logs() and
              "FROM_USER=sipp" in uas.logs(),
              "uas_answer logs R-URI and From user", uas.logs()[:500])
        uac.cleanup()
        uas.cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    import audio
    check(audio.selftest(), "audio.py selftest")
    print("selftest " + ("passed" if ok else "FAILED"), flush=True)
    return ok


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "selftest":
        sys.exit(0 if selftest() else 1)
    print(__doc__)
