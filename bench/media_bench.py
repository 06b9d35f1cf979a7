#!/usr/bin/python3
"""bench/media_bench.py - issue 11: SIP keeps its priority under media load.
Python 3 standard library only; run by bench/run.sh (a full `make bench`,
or `bench/run.sh --only media`), writes section 7 of bench/RESULTS.md.

One fresh release daemon (build/rel/switchboard or BENCH_BIN, through
test/lib/sb.py as bench/bench.py does it: free ports, demo data, --log-level
warn, a 2 s tone as prompts/welcome.wav; the demo trunk moved to a free
port) carries two loads at once:

  relay   CALLS G.711 calls with RTP both ways through the relay, set up as
          in test 3 of bench.py: device 1001 calls out through the trunk
          (bench/sipp/uac_device_rtpload.xml, digest, SET_UP_RATE cps) to a
          sipp uas (bench/sipp/uas_echo_answer.xml) whose SDP points at
          `rtpload echo`; `rtpload gen` sends 50 packets/s to each call's
          port, the echo sends every packet back: 100 packets/s per call
          through the relay.  The calls last until the set-up load is over.
  set-up  once all relay calls stream: device 1002 (digest) calls the
          announcement number at RATE cps for SECS s
          (test/data/sipp/uac_auth_invite.xml: INVITE, 407, INVITE, 200,
          ACK, BYE after HOLD_MS, 200) - new calls while RTP flows.

Clean = no failed call in either sipp, every relay packet accounted for
(loss at the input, through the relay and end to end all 0).  Also
reported: INVITE retransmissions of the set-up calls, the kernel's drop counters of the server's SIP and RTP sockets, the
server's CPU.

  bench/media_bench.py                       1000 then 2000 calls, 100 cps
                                             for 60 s, each step followed
                                             by the bare relay (reference)
  bench/media_bench.py --calls 500 --rate 20 --secs 10 --out /tmp/m.md
  BENCH_BIN=/path/to/switchboard BENCH_BIN_SOURCE="main 099895a" ...
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import sb  # noqa: E402
import peers  # noqa: E402

REL_BIN = os.environ.get("BENCH_BIN") or os.path.join(ROOT, "build", "rel",
                                                    "switchboard")
RTPLOAD = os.path.join(HERE, "build", "rtpload")
BASELINE = os.path.join(HERE, "build", "baseline_relay")
SCEN = os.path.join(HERE, "sipp")
OUT = os.path.join(HERE, "out", "media")
RESULTS = os.path.join(HERE, "RESULTS.md")
SECTION = "## 7. "
SET_UP_RATE = 250          # relay calls set up per second
HOLD_MS = 500              # set-up calls: BYE this long after the ACK
BUFF = 8 * 1024 * 1024
# RTP ports below the kernel's ephemeral range (32768-60999) and apart from
# the 40000-59999 of bench.py and the test suites: a bench or suite that
# runs at the same time on this shared machine cannot take them (4000
# pairs of the 6384 are in use at 2000 calls)
RTP_RANGE = (20000, 32767)


def cmdline(args):
    return " ".join(shlex.quote(str(a)) for a in args)


def cpu_s(pid):
    """CPU seconds of all threads of pid, from the scheduler's own clock
    (/proc/PID/task/*/schedstat, nanoseconds): utime+stime of
    /proc/PID/stat are counted in ticks, which this VM misses under load
    (a process perf saw at 0.53 CPUs read as 0.36 there)."""
    total = 0
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        return None
    return total / 1e9


def inodes(pid):
    out = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                t = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if t.startswith("socket:["):
                out.add(t[8:-1])
    except OSError:
        pass
    return out


def udp_drops(pid=None, port=None):
    """Sum of the kernel's drop counters of UDP sockets: those of pid, or
    the one bound to 127.0.0.1:port."""
    own = inodes(pid) if pid else None
    total = 0
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                c = line.split()
                lport = int(c[1].split(":")[1], 16)
                if own is not None and c[9] not in own:
                    continue
                if port is not None and lport != port:
                    continue
                total += int(c[12])
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    return total


def read_json(path):
    try:
        with open(path) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return {}


def stop_proc(proc, timeout=5):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stats(s):
    try:
        st, body = s.api("GET", "/api/v1/stats")
    except OSError:
        return None
    if st != 200 or not isinstance(body, dict):
        return None
    rtp = body.get("rtp", {})
    return {"calls": body.get("calls_active", 0),
            "legs": rtp.get("legs", 0), "received": rtp.get("received", 0),
            "relayed": rtp.get("relayed", 0)}


def make_prompts(dirpath):
    os.makedirs(dirpath, exist_ok=True)
    for name, secs, freq in (("welcome.wav", 2, 440), ("moh.wav", 4, 330)):
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16",
                        "-e", "signed-integer", os.path.join(dirpath, name),
                        "synth", str(secs), "sine", str(freq), "vol", "0.5"],
                       check=True, capture_output=True, timeout=60)


def sipp(scenario, name, **kw):
    wd = os.path.join(OUT, name)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    kw.setdefault("trace", False)
    kw.setdefault("buff_size", BUFF)
    return peers.Sipp(scenario, workdir=wd, **kw)


def run(calls, rate, secs, prompts):
    ramp = calls / SET_UP_RATE
    # the relay streams outlast the ramp, the set-up load and its tail
    stream_s = int(ramp + secs + 25)
    npk = stream_s * 50
    hold_ms = int((stream_s + 1.5) * 1000)
    sb.BIN = REL_BIN
    sb.PROMPTS = prompts
    d = sb.Switchboard(extra_args=["--log-level", "warn"])
    a = d.args
    a[a.index("--rtp-min") + 1] = str(RTP_RANGE[0])
    a[a.index("--rtp-max") + 1] = str(RTP_RANGE[1])
    d.env.pop("ASAN_OPTIONS", None)
    d.start()   # moves the demo trunk to a free port (sb.py)
    trunk_port = d.trunk_port
    os.makedirs(OUT, exist_ok=True)
    echo_port, gen_port = peers.free_port(), peers.free_port()
    wd = os.path.join(OUT, "relay")
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    echo_stat = os.path.join(wd, "echo.json")
    gen_stat = os.path.join(wd, "gen.json")
    calls_log = os.path.join(wd, "calls.log")
    echo_args = [RTPLOAD, "echo", str(echo_port), echo_stat]
    gen_args = [RTPLOAD, "gen", "-p", str(gen_port), "-n", str(npk), "-s",
                gen_stat, "-l", calls_log, "-m", str(stream_s + 60)]
    echo = subprocess.Popen(echo_args)
    gen = subprocess.Popen(gen_args)
    uas = sipp(os.path.join(SCEN, "uas_echo_answer.xml"), "relay_uas",
               local_port=trunk_port, calls=2 * calls + 100,
               recv_timeout_ms=0, timeout_s=stream_s + 120,
               keys={"echo_port": echo_port})
    uas.start(settle=0.3)
    inf = peers.write_inf(os.path.join(wd, "users.csv"),
                          [("1001", sb.DEMO["devices"]["1001"])])
    uac = sipp(os.path.join(SCEN, "uac_device_rtpload.xml"), "relay_uac",
               remote=("127.0.0.1", d.sip_port), service="0221123456",
               inf=inf, calls=calls, rate=SET_UP_RATE, limit=calls + 50,
               duration_ms=hold_ms, timeout_s=stream_s + 90,
               recv_timeout_ms=20000, keys={"gen_port": gen_port},
               extra=["-trace_logs", "-log_file", calls_log])
    res = {"calls": calls, "rate": rate, "secs": secs, "npk": npk,
           "sb_cmd": cmdline(d.args), "echo_cmd": cmdline(echo_args),
           "gen_cmd": cmdline(gen_args), "uas_cmd": cmdline(uas.args),
           "uac_cmd": cmdline(uac.args)}
    t0 = time.time()
    uac.start(settle=0)
    all_up = False
    while time.time() < t0 + ramp + 20 and uac.proc.poll() is None:
        s = stats(d)
        if s and s["calls"] >= calls:
            all_up = True
            break
        time.sleep(0.2)
    res["all_up"], res["t_up"] = all_up, time.time() - t0
    time.sleep(1.0)

    # the set-up load, while every relay call streams
    inf2 = peers.write_inf(os.path.join(wd, "users2.csv"),
                           [("1002", sb.DEMO["devices"]["1002"])])
    new = sipp("uac_auth_invite", "setup_uac",
               remote=("127.0.0.1", d.sip_port),
               service=sb.DEMO["announcement"], inf=inf2,
               calls=rate * secs, rate=rate, limit=max(200, rate * 10),
               duration_ms=HOLD_MS, timeout_s=secs + 90,
               recv_timeout_ms=20000)
    res["new_cmd"] = cmdline(new.args)
    drops0 = (udp_drops(port=d.sip_port), udp_drops(pid=d.proc.pid))
    s0, c0, w0 = stats(d), cpu_s(d.proc.pid), time.time()
    new.start(settle=0)
    min_calls = calls
    while new.proc.poll() is None:
        s = stats(d)
        if s:
            min_calls = min(min_calls, s["calls"])
        time.sleep(0.5)
    new.wait()
    s1, c1, w1 = stats(d), cpu_s(d.proc.pid), time.time()
    drops1 = (udp_drops(port=d.sip_port), udp_drops(pid=d.proc.pid))
    res.update({
        "new_ok": new.successful, "new_failed": new.failed,
        "new_created": new.created, "new_rc": new.rc,
        "new_retrans": new._num("Retransmissions(C)"),
        "window": w1 - w0,
        "cpu": (c1 - c0) if c0 is not None and c1 is not None else None,
        "pps": ((s1["received"] - s0["received"]) / (w1 - w0))
        if s0 and s1 else None,
        "us_per_pkt": (1e6 * (c1 - c0) / (s1["relayed"] - s0["relayed"]))
        if s0 and s1 and c0 is not None and c1 is not None
        and s1["relayed"] > s0["relayed"] else None,
        "relay_calls_min": min_calls,
        "drops_sip": (drops1[0] or 0) - (drops0[0] or 0),
        "drops_all": (drops1[1] or 0) - (drops0[1] or 0),
    })

    # the relay calls end; count every packet
    uac.wait()
    gen.wait(timeout=stream_s + 70) if gen.poll() is None else None
    stop_proc(gen)
    stop_proc(echo)
    gen_res, echo_res = read_json(gen_stat), read_json(echo_stat)
    idle = False
    for _ in range(120):
        s = stats(d)
        if s and s["calls"] == 0 and s["legs"] == 0:
            idle = True
            break
        time.sleep(0.25)
    st = stats(d) or {}
    uas.stop()
    alive = d.alive()
    rc = d.stop()
    try:
        shutil.copy(d.log_path, os.path.join(OUT, "switchboard.log"))
    except OSError:
        pass
    d.cleanup()
    sent, back = gen_res.get("sent", 0), gen_res.get("received", 0)
    e_tx = echo_res.get("tx", 0)
    res.update({
        "relay_ok": uac.successful, "relay_failed": uac.failed,
        "relay_rc": uac.rc, "sent": sent, "back": back,
        "received": st.get("received", 0), "relayed": st.get("relayed", 0),
        "loss_in": (sent + e_tx) - st.get("received", 0),
        "loss_through": st.get("received", 0) - st.get("relayed", 0),
        "loss_e2e": sent - back, "nominal": calls * npk,
        "idle_after": idle, "alive": alive, "exit": rc,
    })
    res["clean"] = (res["new_failed"] == 0 and res["new_ok"] == rate * secs
                    and res["relay_failed"] == 0
                    and res["relay_ok"] == calls and sent == calls * npk
                    and res["loss_in"] == 0 and res["loss_through"] == 0
                    and res["loss_e2e"] == 0 and alive)
    return res


def reference(calls, secs):
    """The same relay load without Switchboard: bench/baseline_relay.c (one
    thread, epoll, one recvfrom and one sendto per packet, no SIP) between
    the same rtpload gen and echo, CALLS pairs of sockets, SECS s of RTP.
    What this machine can relay at all, beside the load generators."""
    # in the steps' own RTP range, free again once their daemon stopped
    # (random ranges of peers.free_port_range rarely find 8,000 ports in
    # a row beside other suites' ports)
    base = None
    for cand in range(RTP_RANGE[0], RTP_RANGE[1] - calls * 4, 256):
        if all(peers._bindable(cand + k, (socket.SOCK_DGRAM,))
               for k in range(calls * 4)):
            base = cand
            break
    if base is None:
        return None
    wd = os.path.join(OUT, "reference")
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    npk = secs * 50
    echo_port, gen_port = peers.free_port(), peers.free_port()
    echo_args = [RTPLOAD, "echo", str(echo_port), os.path.join(wd, "echo.json")]
    rel_args = [BASELINE, str(base), str(calls), str(echo_port),
                os.path.join(wd, "base.json")]
    ports = ",".join(str(base + 4 * i) for i in range(calls))
    gen_args = [RTPLOAD, "gen", "-p", str(gen_port), "-n", str(npk), "-s",
                os.path.join(wd, "gen.json"), "-t", ports, "-m",
                str(secs + 3)]
    echo = subprocess.Popen(echo_args)
    log = os.path.join(wd, "baseline.log")
    with open(log, "w") as lf:
        rel = subprocess.Popen(rel_args, stdout=lf, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        with open(log) as f:
            if "ready" in f.read():
                break
        time.sleep(0.1)
    gen = subprocess.Popen(gen_args)
    # the window: the streams' SECS s (gen then waits 3 s for the tail and
    # exits; it stops after -m SECONDS, not when its streams are done)
    c0, w0 = cpu_s(rel.pid), time.time()
    time.sleep(secs)
    c1, w1 = cpu_s(rel.pid), time.time()
    try:
        gen.wait(30)
    except subprocess.TimeoutExpired:
        stop_proc(gen)
    stop_proc(rel)
    stop_proc(echo)
    g = read_json(os.path.join(wd, "gen.json"))
    b = read_json(os.path.join(wd, "base.json"))
    e = read_json(os.path.join(wd, "echo.json"))
    sent, back = g.get("sent", 0), g.get("received", 0)
    rx, relayed = b.get("rx", 0), b.get("relayed", 0)
    cpu = (c1 - c0) if c0 is not None and c1 is not None else None
    return {"calls": calls, "sent": sent, "back": back, "rx": rx,
            "relayed": relayed, "loss_in": sent + e.get("tx", 0) - rx,
            "loss_through": rx - relayed, "loss_e2e": sent - back,
            "window": w1 - w0, "cpu": cpu,
            "us_per_pkt": 1e6 * cpu / relayed if cpu and relayed else None,
            # relayed over the whole run; the window holds all but the
            # last few ms of it
            "cmds": [cmdline(rel_args) + " &", cmdline(echo_args) + " &",
                     cmdline(gen_args[:-4] + ["-t", "PORTS"] + gen_args[-2:])
                     + "   # PORTS = the A legs, comma-separated"]}


def fmt(v, nd=0):
    if v is None or v == "":
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.{nd}f}"


def machine():
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"] * 3
    return (f"{os.cpu_count()} CPUs, Linux {platform.release()}, load average "
            f"at the end {' '.join(load)}")


def source():
    if os.environ.get("BENCH_BIN_SOURCE"):
        return os.environ["BENCH_BIN_SOURCE"]
    try:
        r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                            "HEAD"], capture_output=True, text=True,
                           timeout=10)
        return "git " + r.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def write_md(path, rs):
    r = rs[-1]
    L = [f"{SECTION}SIP under media load: new calls while "
         f"{r['calls']:,} calls relay RTP",
         ""]
    for x in rs:
        ref = x.get("ref") or {}
        L.append(
            f"- **{x['calls']:,} relayed calls: "
            f"{'clean' if x['clean'] else 'failed'}: {fmt(x['new_ok'])} of "
            f"{fmt(x['rate'] * x['secs'])} new calls set up "
            f"({fmt(x['new_failed'])} failed, {fmt(x['new_retrans'])} "
            f"retransmissions) at {x['rate']} cps for {x['secs']} s while "
            f"{fmt(x['relay_calls_min'])}+ relayed calls streamed; relay loss "
            f"in / through / end to end {fmt(x['loss_in'])} / "
            f"{fmt(x['loss_through'])} / {fmt(x['loss_e2e'])}.** "
            f"Same run, the bare relay with the same generator: loss "
            f"{fmt(ref.get('loss_in'))} / {fmt(ref.get('loss_through'))} / "
            f"{fmt(ref.get('loss_e2e'))}.")
    L += ["",
         "One daemon, two loads at once (bench/media_bench.py): the relay "
         "calls of test 3 (device 1001 out through the trunk to a sipp uas "
         "whose SDP points at `rtpload echo`; `rtpload gen` sends 50 "
         "packets/s per call, the echo returns each one), and once all of "
         "them stream, device 1002 calls the announcement number with "
         "digest (INVITE, 407, INVITE, 200, ACK, BYE after "
         f"{HOLD_MS} ms). Clean = no failed call in either sipp and every "
         "relay packet accounted for. Each step has a fresh daemon.",
         "",
         "| relay calls ok/failed | all up after | packets sent (gen) | "
         "received by SB | relayed | back at gen | loss in / through / e2e "
         "| relay pkt/s during set-ups | new calls ok/failed | retrans | "
         "SB socket drops SIP / all | CPU during set-ups | CPU per relayed "
         "packet | daemon exit |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for x in rs:
        L.append(
         f"| {fmt(x['relay_ok'])}/{fmt(x['relay_failed'])} | "
         f"{x['t_up']:.1f} s | {fmt(x['sent'])} | {fmt(x['received'])} | "
         f"{fmt(x['relayed'])} | {fmt(x['back'])} | {fmt(x['loss_in'])} / "
         f"{fmt(x['loss_through'])} / {fmt(x['loss_e2e'])} | "
         f"{fmt(x['pps'])} | {fmt(x['new_ok'])}/{fmt(x['new_failed'])} | "
         f"{fmt(x['new_retrans'])} | "
         f"{fmt(x['drops_sip'])} / {fmt(x['drops_all'])} | "
         f"{fmt(100 * x['cpu'] / x['window'] if x['cpu'] else None)} % | "
         f"{fmt(x.get('us_per_pkt'), 2)} us | {x['exit']} |")
    L += ["",
         "CPU = switchboard's threads while the set-up calls ran, from the "
         "scheduler's clock (/proc/PID/task/*/schedstat), % of one core "
         "(the media thread and the SIP thread together); per relayed packet "
         "= that CPU / the packets relayed in the window (the set-up calls' "
         "share included). Socket drops = the kernel's drop counters of the "
         "server's SIP socket / all its UDP sockets while the set-up calls "
         "ran.",
         "",
         "**Same-run reference: what the machine relays without Switchboard.** "
         "bench/baseline_relay.c (one thread, epoll, one recvfrom and one "
         "sendto per packet, no SIP, no latching, no counters) between the "
         "same `rtpload gen` and `rtpload echo`, the same number of calls, "
         "20 s of RTP, right after each step:",
         "",
         "| calls | packets sent (gen) | received | relayed | back at gen | "
         "loss in / through / e2e | CPU | CPU per relayed packet |",
         "|---|---|---|---|---|---|---|---|"]
    for x in rs:
        ref = x.get("ref")
        if not ref:
            continue
        L.append(
         f"| {ref['calls']:,} | {fmt(ref['sent'])} | {fmt(ref['rx'])} | "
         f"{fmt(ref['relayed'])} | {fmt(ref['back'])} | "
         f"{fmt(ref['loss_in'])} / {fmt(ref['loss_through'])} / "
         f"{fmt(ref['loss_e2e'])} | "
         f"{fmt(100 * ref['cpu'] / ref['window'] if ref['cpu'] else None)} % "
         f"| {fmt(ref.get('us_per_pkt'), 2)} us |")
    L += ["",
         f"Machine: {machine()}; source: {source()}; run "
         f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
         "",
         "<details><summary>Exact commands</summary>",
         ""]
    for x in rs:
        L += [f"{x['calls']:,} relayed calls:",
         "```sh",
         x["sb_cmd"] + " &",
         "# trunk moved to the uas port: PATCH /api/v1/trunks/1",
         x["echo_cmd"] + " &",
         x["uas_cmd"] + " &",
         x["gen_cmd"] + " &",
         x["uac_cmd"] + " &",
         "# when all relay calls are up:",
         x["new_cmd"],
         "# then the reference:"] + (x["ref"]["cmds"] if x.get("ref") else []) + [
         "```"]
    L += ["</details>", ""]
    with open(path, "w") as f:
        f.write("\n".join(L))


def merge_into_results(fragment, results_md, section=SECTION,
                       renumber=False):
    """Put the fragment into RESULTS.md as section 7 (or the one named by
    section, "## 9. "), replacing an older one and keeping every other
    section; renumber: the fragment's heading gets section's number.  The
    one merge of bench/tls_bench.py (6), ivr_bench.py (9) and
    queuesim_bench.py (10) too."""
    with open(fragment) as f:
        body = f.read().splitlines()
    if renumber and body and body[0].startswith("## "):
        body[0] = section + body[0][3:]
    try:
        with open(results_md) as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    out, skip = [], False
    for ln in lines:
        if ln.startswith("## "):
            skip = ln.startswith(section)
        if not skip:
            out.append(ln)
    while out and not out[-1].strip():
        out.pop()
    with open(results_md, "w") as f:
        f.write("\n".join(out + [""] + body) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", default="1000,2000",
                    help="relayed calls per step, comma-separated")
    ap.add_argument("--no-reference", action="store_true",
                    help="skip the bare relay after each step")
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--secs", type=int, default=60)
    ap.add_argument("--out", default=os.path.join(OUT, "media.md"))
    ap.add_argument("--results", help="also put the fragment into this "
                    "RESULTS.md as section 7")
    args = ap.parse_args()
    for f in (REL_BIN, RTPLOAD):
        if not os.path.exists(f):
            sys.exit(f"media_bench: {f} missing (make build; make -C bench)")
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sbmedia-")
    try:
        prompts = os.path.join(tmp, "prompts")
        make_prompts(prompts)
        rs = []
        for n in [int(c) for c in str(args.calls).split(",") if c]:
            print(f"media_bench: {n} relayed calls + {args.rate} cps "
                  f"for {args.secs} s", flush=True)
            r = run(n, args.rate, args.secs, prompts)
            if not args.no_reference and os.path.exists(BASELINE):
                try:
                    r["ref"] = reference(n, 20)
                except (OSError, RuntimeError) as e:
                    print(f"media_bench: reference: {e}", flush=True)
            rs.append(r)
            print(f"media_bench: {n}: {'clean' if r['clean'] else 'FAILED'}"
                  f": new calls {r['new_ok']} ok / {r['new_failed']} failed "
                  f"({r['new_retrans']} retrans), relay {r['relay_ok']} ok / "
                  f"{r['relay_failed']} failed, loss in/through/e2e "
                  f"{r['loss_in']}/{r['loss_through']}/{r['loss_e2e']}, "
                  f"SIP drops {r['drops_sip']}, "
                  f"{r.get('us_per_pkt') or 0:.2f} us/packet; bare relay "
                  f"loss {(r.get('ref') or {}).get('loss_e2e')}, "
                  f"{(r.get('ref') or {}).get('us_per_pkt') or 0:.2f} "
                  f"us/packet", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_md(args.out, rs)
    if args.results:
        merge_into_results(args.out, args.results)
    print(f"media_bench: see {args.out}", flush=True)
    return 0 if all(r["clean"] for r in rs) else 1


if __name__ == "__main__":
    sys.exit(main())
