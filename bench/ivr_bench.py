#!/usr/bin/python3
"""bench/ivr_bench.py - issue 14: concurrent calls in a voice menu.
Python 3 standard library only; run by bench/run.sh (a full `make bench`,
or `bench/run.sh --only ivr`), writes section 9 of bench/RESULTS.md.

For each concurrency step N (default 100, 200, 400, 800; stops after the
first step that fails), one fresh release daemon (build/rel/switchboard or
BENCH_BIN, through test/lib/sb.py as media_bench.py does it: free ports,
demo data, --log-level warn) and:

  menu    a voice menu (POST /api/v1/ivr_menus) whose greeting is a 60 s
          prompt (sox: a 440 Hz tone in pink noise); key 1 leads to the
          demo announcement (2 s); a number of the demo block routes to it.
  callers sipp from the trunk's address (bench/sipp/uac_ivr.xml, no auth):
          INVITE, 200, ACK, HOLD_S s of the greeting, key 1 as SIP INFO,
          the announcement, BYE from Switchboard.  At N / (HOLD_S + 2.5)
          calls per second, so N calls are in the menu at once after the
          ramp.  Each caller's RTP comes from `rtpload gen -j`, 50 packets
          per second of A-law silence (what a phone sends while it
          listens; the menu's in-band key detector reads every packet),
          and gen judges the prompt packets coming back.
  window  WINDOW_S s once the ramp is over: gen's jitter histogram is
          emptied at its start and read at its end (per leg, |arrival
          delta - RTP timestamp delta| of consecutive packets, kernel
          receive times), the daemon's CPU (utime + stime) and
          /api/v1/stats (prompt cache, speech, RTP played) are read at
          both ends, the live calls sampled every second.

Speech (bench/speechbench.c, linked against the release build's objects):
60 German phrases a caller hears (queue positions, waiting times, numbers
read back digit by digit) spoken through media/speech.c into an empty cache,
one after another, then all again from the cache: time per phrase.

A step passes when no call failed, the receiver-side jitter is under 5 ms
at p99, and the live calls in the window were at least 95 % of N on
average.  CPU per call = CPU seconds in the window / (mean live calls x
window), in % of one core.

  bench/ivr_bench.py                          steps 100,200,400,800
  bench/ivr_bench.py --steps 50 --window 20 --out /tmp/i.md   (a try)
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import media_bench as mb  # noqa: E402
from media_bench import cmdline, fmt, peers, sb  # noqa: E402

SECTION = "## 9. "
OUT = os.path.join(HERE, "out", "ivr")
NUMBER = "+4922182829951"
HOLD_S = 20          # greeting heard before the key
CALL_S = HOLD_S + 2.5  # + the announcement and the hang-up
GREETING_S = 60
JITTER_P99_MS = 5.0


def api_ok(d, method, path, body, what):
    st, r = d.api(method, path, body)
    if st not in (200, 201):
        raise RuntimeError(f"{what}: {st} {r}")
    return r


def setup_menu(d):
    """The menu and its number, through the API, as a customer would."""
    st, tenants = d.api("GET", "/api/v1/tenants")
    tid = [t for t in tenants if t["name"] == sb.DEMO["tenant"]][0]["id"]
    st, anns = d.api("GET", f"/api/v1/announcements?tenant_id={tid}")
    m = api_ok(d, "POST", "/api/v1/ivr_menus",
               {"tenant_id": tid, "name": "Bench", "prompt": "greeting60.wav",
                "timeout": 5, "retries": 1,
                "options": [{"key": "1", "target_type": "announcement",
                             "target_id": anns[0]["id"]}]}, "menu")
    api_ok(d, "POST", "/api/v1/numbers",
           {"tenant_id": tid, "e164": NUMBER, "target_type": "ivr",
            "target_id": m["id"]}, "number")


def stats(d):
    try:
        st, body = d.api("GET", "/api/v1/stats")
    except OSError:
        return None
    return body if st == 200 and isinstance(body, dict) else None


def make_prompts(dirpath):
    """The default prompt set, the 2 s welcome of media_bench, and a 60 s
    greeting."""
    mb.make_prompts(dirpath)
    subprocess.run(["scripts/prompts.sh", dirpath], cwd=mb.ROOT, check=True,
                   capture_output=True, timeout=600)
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16",
                    "-e", "signed-integer",
                    os.path.join(dirpath, "greeting60.wav"), "synth",
                    str(GREETING_S), "sine", "440", "pinknoise", "vol",
                    "0.4"], check=True, capture_output=True, timeout=60)


class Plan:
    """What the callers of a step call and how long they stay: the voice
    menu here; bench/queue_bench.py passes a queue."""
    name = "ivr"
    xml = "uac_ivr.xml"
    hold_s = HOLD_S
    call_s = CALL_S

    @staticmethod
    def setup(d):
        setup_menu(d)
        return NUMBER


def step(n, window, prompts, plan=Plan):
    hold_s, call_s = plan.hold_s, plan.call_s
    rate = n / call_s
    ramp = call_s + 2
    total = int(rate * (ramp + window + 2))
    sb.BIN = mb.REL_BIN
    sb.PROMPTS = prompts
    d = sb.Switchboard(extra_args=["--log-level", "warn"])
    a = d.args
    a[a.index("--rtp-min") + 1] = str(mb.RTP_RANGE[0])
    a[a.index("--rtp-max") + 1] = str(mb.RTP_RANGE[1])
    d.env.pop("ASAN_OPTIONS", None)
    d.start()
    number = plan.setup(d)
    wd = os.path.join(OUT, f"{plan.name}_n{n}")
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    gen_port = peers.free_port()
    gen_stat = os.path.join(wd, "gen.json")
    calls_log = os.path.join(wd, "calls.log")
    gen_args = [mb.RTPLOAD, "gen", "-p", str(gen_port), "-n",
                str(int(hold_s * 50 + 75)), "-s", gen_stat, "-l", calls_log,
                "-m", str(int(ramp + window + 120)), "-j"]
    gen = subprocess.Popen(gen_args)
    uac = mb.sipp(os.path.join(HERE, "sipp", plan.xml), f"{plan.name}_n{n}",
                  remote=("127.0.0.1", d.sip_port), local_port=d.trunk_port,
                  service=number, calls=total, rate=round(rate, 2),
                  limit=n + 50, duration_ms=hold_s * 1000,
                  timeout_s=int(ramp + window + 120), recv_timeout_ms=30000,
                  keys={"gen_port": gen_port},
                  extra=["-trace_logs", "-log_file", calls_log])
    res = {"n": n, "rate": rate, "total": total, "window": window,
           "sb_cmd": cmdline(d.args), "gen_cmd": cmdline(gen_args),
           "uac_cmd": cmdline(uac.args)}
    uac.start(settle=0)
    time.sleep(ramp)
    os.kill(gen.pid, signal.SIGUSR2)    # the window starts: jitter from 0
    s0, c0, w0 = stats(d), mb.cpu_s(d.proc.pid), time.time()
    live = []
    while time.time() < w0 + window:
        s = stats(d)
        if s:
            live.append(s.get("calls_active", 0))
        time.sleep(1.0)
    os.kill(gen.pid, signal.SIGUSR1)
    s1, c1, w1 = stats(d), mb.cpu_s(d.proc.pid), time.time()
    time.sleep(0.5)
    jit = mb.read_json(gen_stat)
    uac.wait()
    mb.stop_proc(gen)
    end = stats(d) or {}
    alive = d.alive()
    rc = d.stop()
    try:
        shutil.copy(d.log_path, os.path.join(wd, "switchboard.log"))
    except OSError:
        pass
    d.cleanup()
    mean = sum(live) / len(live) if live else 0
    cpu = (c1 - c0) if c0 is not None and c1 is not None else None
    res.update({
        "ok": uac.successful, "failed": uac.failed, "rc": uac.rc,
        "live_mean": mean, "live_min": min(live) if live else 0,
        "cpu_pct": 100 * cpu / (w1 - w0) if cpu is not None else None,
        "cpu_call_pct": 100 * cpu / (w1 - w0) / mean
        if cpu is not None and mean else None,
        "played_pps": (s1["rtp"]["played"] - s0["rtp"]["played"]) / (w1 - w0)
        if s0 and s1 else None,
        "jitter": jit, "alive": alive, "exit": rc,
        "prompts": end.get("prompts", {}), "speech": end.get("speech", {}),
    })
    res["pass"] = (uac.failed == 0 and uac.successful == total and alive
                   and jit.get("jitter_n", 0) > 0
                   and jit.get("jitter_p99_ms", 99) < JITTER_P99_MS
                   and res["live_mean"] >= 0.95 * n)
    return res


def speech_bench(tmp):
    """bench/speechbench's JSON line, and its command."""
    r = subprocess.run(["make", "-C", HERE, "build/speechbench"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode:
        return {"error": r.stderr[-300:]}, None
    args = [os.path.join(HERE, "build", "speechbench"),
            os.path.join(tmp, "speech"), "60"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1]), cmdline(args)
    except (ValueError, IndexError):
        return {"error": (r.stderr or r.stdout)[-300:]}, cmdline(args)


def jitter_head(what):
    """The head of a step table (jitter_row's columns)."""
    return (f"| {what} | calls/s | window | live calls mean / min | "
            "calls ok / failed | jitter p50 / p99 / p99.9 / max | prompt "
            "packets/s | CPU | CPU per call | prompt cache loaded / hits | "
            "verdict |\n|---|---|---|---|---|---|---|---|---|---|---|")


def jitter_row(r):
    """One step of step() as a table row."""
    j, p = r["jitter"], r["prompts"]
    hits, loads = p.get("hits", 0), p.get("loaded", 0)
    rate = 100 * hits / (hits + loads) if hits + loads else None
    return (f"| {r['n']} | {r['rate']:.1f} | {r['window']} s | "
            f"{r['live_mean']:.0f} / {r['live_min']} | "
            f"{fmt(r['ok'])} / {fmt(r['failed'])} | "
            f"{j.get('jitter_p50_ms', '-')} / {j.get('jitter_p99_ms', '-')} / "
            f"{j.get('jitter_p999_ms', '-')} / {j.get('jitter_max_ms', '-')} "
            f"ms | {fmt(r['played_pps'])} | {fmt(r['cpu_pct'], 1)} % | "
            f"{fmt(r['cpu_call_pct'], 3)} % | {fmt(loads)} / {fmt(hits)} "
            f"({fmt(rate, 2)} % hits) | "
            f"{'held' if r['pass'] else 'not held'} |")


def write_md(path, steps, speech, speech_cmd):
    held = [r["n"] for r in steps if r["pass"]]
    best = max(held) if held else None
    L = [f"{SECTION}Voice menu calls: prompt jitter, CPU per call, prompt "
         "cache",
         "",
         f"**{fmt(best) if best else 'No step'} concurrent menu calls held "
         f"with receiver-side jitter under {JITTER_P99_MS:g} ms at p99 "
         "(no call failed).**",
         "",
         "bench/ivr_bench.py, one fresh release daemon per step: a voice "
         f"menu with a {GREETING_S} s greeting (key 1: the 2 s demo "
         "announcement); sipp calls it from the trunk's address "
         f"(bench/sipp/uac_ivr.xml), listens {HOLD_S} s, presses 1 by SIP "
         "INFO, hears the announcement, gets our BYE; `rtpload gen -j` "
         "sends each caller's 50 packets/s (the menu's in-band key "
         "detector reads them) and judges the prompt packets coming back: "
         "per leg |arrival delta - RTP timestamp delta| of consecutive "
         "packets, kernel receive times (SO_TIMESTAMPNS), 50 us bins. "
         "Measured over the window once the ramp is over.",
         "",
         jitter_head("calls in the menu")]
    L += [jitter_row(r) for r in steps]
    L += ["",
          "CPU = switchboard utime+stime in the window, % of one core (SIP "
          "and media threads together); per call = divided by the mean live "
          "calls. Prompt cache = /api/v1/stats `prompts` at the end of the "
          "step: files read from disk and plays served from memory (every "
          "call plays the greeting and the announcement).",
          "",
          "Speech synthesis per phrase (bench/speechbench.c: "
          f"{speech.get('phrases', '-')} German phrases such as "
          f"\"{speech.get('example', '')}\" through media/speech.c, "
          "espeak-ng + soxr + the WAV into the cache; one at a time):",
          "",
          "| phrases | audio made | synthesis per phrase mean / max "
          "(speech thread) | real-time factor | request to answer p50 / p95 "
          "/ max | again, from the cache p50 / p95 / max | failed |",
          "|---|---|---|---|---|---|---|",
          f"| {speech.get('phrases', '-')} | {speech.get('audio_s', '-')} s "
          f"| {speech.get('synth_ms_mean', '-')} / "
          f"{speech.get('synth_ms_max', '-')} ms | {speech.get('rtf', '-')} "
          f"| {speech.get('wall_ms_p50', '-')} / "
          f"{speech.get('wall_ms_p95', '-')} / "
          f"{speech.get('wall_ms_max', '-')} ms | "
          f"{speech.get('cached_ms_p50', '-')} / "
          f"{speech.get('cached_ms_p95', '-')} / "
          f"{speech.get('cached_ms_max', '-')} ms | "
          f"{speech.get('failed', speech.get('error', '-'))} |",
          "",
          f"Machine: {mb.machine()}; source: {mb.source()}; run "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
          "",
          "<details><summary>Exact commands (the last step)</summary>",
          "",
          "```sh"]
    if steps:
        r = steps[-1]
        L += [r["sb_cmd"] + " &",
              "# POST /api/v1/ivr_menus (prompt greeting60.wav, key 1: "
              "announcement), POST /api/v1/numbers " + NUMBER,
              r["gen_cmd"] + " &", r["uac_cmd"]]
    if speech_cmd:
        L += ["make -C bench build/speechbench", speech_cmd]
    L += ["```", "</details>", ""]
    with open(path, "w") as f:
        f.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", default="100,200,400,800")
    ap.add_argument("--window", type=int, default=60)
    ap.add_argument("--out", default=os.path.join(OUT, "ivr.md"))
    ap.add_argument("--results", help="also put the fragment into this "
                    "RESULTS.md as section 9")
    args = ap.parse_args()
    for f in (mb.REL_BIN, mb.RTPLOAD):
        if not os.path.exists(f):
            sys.exit(f"ivr_bench: {f} missing (make build; make -C bench)")
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="sbivr-")
    steps, speech, speech_cmd = [], {}, None
    try:
        prompts = os.path.join(tmp, "prompts")
        make_prompts(prompts)
        speech, speech_cmd = speech_bench(tmp)
        print(f"ivr_bench: speech {speech}", flush=True)
        for n in (int(x) for x in args.steps.split(",")):
            print(f"ivr_bench: {n} calls in the menu", flush=True)
            r = step(n, args.window, prompts)
            j = r["jitter"]
            print(f"ivr_bench: {n}: ok {r['ok']} failed {r['failed']}, "
                  f"live {r['live_mean']:.0f}/{r['live_min']}, jitter p99 "
                  f"{j.get('jitter_p99_ms')} ms max {j.get('jitter_max_ms')}"
                  f", CPU {fmt(r['cpu_pct'], 1)} %: "
                  f"{'held' if r['pass'] else 'NOT held'}", flush=True)
            steps.append(r)
            if not r["pass"]:
                break
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_md(args.out, steps, speech, speech_cmd)
    if args.results:
        mb.merge_into_results(args.out, args.results, SECTION)
    return 0 if steps and steps[0]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
