#!/usr/bin/env bash
# Runs every suite: the unit tests, then each test/suites/*.py (or *.sh)
# against the sanitizer build.  Each suite prints "N passed, N failed" as its
# last line; this script adds them up and prints the total as its last line.
# SUITES="api sip" limits the run to those suites.
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
failed_suites=""

run_suite() { # name command...
	local name=$1; shift
	local log t0=$SECONDS
	log=$(mktemp)
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	timings="$timings$((SECONDS - t0)) $name"$'\n'
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no summary line (crashed?)"
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites $name"
	else
		local p f
		p=$(echo "$line" | awk '{print $1}')
		f=$(echo "$line" | awk '{print $3}')
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
		[ "$f" -gt 0 ] && failed_suites="$failed_suites $name"
	fi
	rm -f "$log"
}

want() { [ -z "${SUITES:-}" ] || [[ " $SUITES " == *" $1 "* ]]; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

want unit && run_suite unit build/test/unittest
for s in test/suites/*.py test/suites/*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "${s%.*}")
	want "$name" || continue
	case "$s" in
	*.py) run_suite "$name" /usr/bin/python3 "$s" ;;
	*.sh) run_suite "$name" bash "$s" ;;
	esac
done
# the slowest suites first (seconds), to keep `make test` under 30 min
echo "slowest suites [s]: $(printf '%s' "$timings" | sort -rn | head -n 12 |
	awk '{printf "%s %s, ", $2, $1}')total ${SECONDS}"
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
