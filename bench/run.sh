#!/usr/bin/env bash
# bench/run.sh - `make bench` (after `make build`): build the benchmark
# helpers (bench/Makefile: rtpload, baseline_relay, fdlimit_shim.so - never
# part of the product), check the tools, run bench/bench.py, which writes
# bench/RESULTS.md.  A whole run takes about 40 minutes (60-s rate steps,
# two 10-minute soaks; tests 1-5 bounded to 2600 s, test 6 to 760 s).
#   BENCH_QUICK=1 bench/run.sh        short steps, to try the harness (~8 min)
#   BENCH_ONLY="1 4" bench/run.sh     only some of the five tests
#   bench/run.sh --only registrations one test by name (see bench.py);
#   bench/run.sh --only tls runs only test 6 (bench/tls_bench.py)
#   bench/run.sh --only media runs only test 7 (bench/media_bench.py)
#   bench/run.sh --only ivr runs only test 9 (bench/ivr_bench.py)
#   bench/run.sh --only queue runs only test 12 (bench/queue_bench.py: callers
#     waiting in a queue with music and announcements, jitter)
#   bench/run.sh --only edge runs only test 14 (bench/edge_bench.py: calls
#     per second directly, through the Kamailio edge with one node and with
#     two; needs kamailio; ~25 min)
#   bench/run.sh --only lock runs only test 15 (bench/lock_bench.py: the
#     store's write lock on PostgreSQL, two nodes saving notes)
#   bench/run.sh --only queuesim runs only test 10 (bench/queuesim_bench.py:
#     the estimated waiting time on simulated days; no daemon, no sockets)
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
args=" $* "
# test 10, the estimated waiting time on the simulated days of
# bench/queuesim/days (bench/queuesim_bench.py, seconds): needs neither the
# tools below nor the release build
queuesim() {
	make --no-print-directory -C bench build/queuesim &&
		timeout -k 10 600 /usr/bin/python3 bench/queuesim_bench.py \
			--results bench/RESULTS.md
}
if [[ "$args" == *" --only queuesim "* ]]; then
	queuesim
	exit
fi
for tool in sipp sox valgrind callgrind_control callgrind_annotate pkg-config; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool missing (sipp: sip-tester, sox, valgrind)" >&2
		exit 2
	}
done
[ -x build/rel/switchboard ] || { echo "bench: run 'make build' first" >&2; exit 2; }
make --no-print-directory -C bench
# hard bound on the whole run; bench.py keeps its own budget (2400 s) and
# skips steps that would not fit
# test 6, TLS+SRTP against UDP+RTP (bench/tls_bench.py, ~10 min) runs on a
# full run or with --only tls, and writes section 6 of RESULTS.md
rc=0
if [[ "$args" != *" --only tls "* && "$args" != *" --only media "* &&
	"$args" != *" --only ivr "* && "$args" != *" --only queue "* &&
	"$args" != *" --only edge "* && "$args" != *" --only lock "* ]]; then
	timeout -k 10 2600 /usr/bin/python3 bench/bench.py "$@" || rc=$?
fi
if [[ "$args" != *" --only "* || "$args" == *" --only tls "* ]]; then
	timeout -k 10 760 /usr/bin/python3 bench/tls_bench.py \
		--results bench/RESULTS.md || rc=$?
fi
# test 7, new calls while 1000 and 2000 calls relay RTP (media_bench.py,
# ~6 min) runs on a full run or with --only media, section 7
if [[ "$args" != *" --only "* || "$args" == *" --only media "* ]]; then
	timeout -k 10 600 /usr/bin/python3 bench/media_bench.py \
		--results bench/RESULTS.md || rc=$?
fi
# test 9, concurrent voice menu calls: prompt jitter, CPU per call, prompt
# cache (bench/ivr_bench.py, ~8 min) on a full run or with --only ivr
if [[ "$args" != *" --only "* || "$args" == *" --only ivr "* ]]; then
	timeout -k 10 900 /usr/bin/python3 bench/ivr_bench.py \
		--results bench/RESULTS.md || rc=$?
fi
# test 12, callers waiting in a queue with music and announcements
# (bench/queue_bench.py, ~11 min) on a full run or with --only queue
if [[ "$args" != *" --only "* || "$args" == *" --only queue "* ]]; then
	timeout -k 10 900 /usr/bin/python3 bench/queue_bench.py \
		--results bench/RESULTS.md || rc=$?
fi
# test 14, calls per second through the Kamailio edge with one node and
# with two, against one node directly (bench/edge_bench.py, ~25 min: its
# own budget 1800 s) on a full run (when kamailio is installed) or with
# --only edge
if [[ "$args" == *" --only edge "* ||
	("$args" != *" --only "* && -x "$(command -v kamailio)") ]]; then
	timeout -k 10 2000 /usr/bin/python3 bench/edge_bench.py \
		--results bench/RESULTS.md || rc=$?
fi
# test 15, the store's write lock on PostgreSQL: two nodes saving notes
# (bench/lock_bench.py, ~7 min) on a full run or with --only lock
if [[ "$args" != *" --only "* || "$args" == *" --only lock "* ]]; then
	timeout -k 10 900 /usr/bin/python3 bench/lock_bench.py \
		--results bench/RESULTS.md || rc=$?
fi
# test 10 on a full run (--only queuesim returned above)
if [[ "$args" != *" --only "* ]]; then
	queuesim || rc=$?
fi
exit $rc
