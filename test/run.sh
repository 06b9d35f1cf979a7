#!/usr/bin/env bash
# Runs every suite: the unit tests, then each test/suites/*.py (or *.sh)
# against the sanitizer build.  Each suite prints "N passed, N failed" as its
# last line; this script adds them up and prints the total as its last line.
# SUITES="api sip" limits the run to those suites.
#
# TEST_JOBS suites run side by side (default 2: most of a suite's time is
# spent waiting on timers and peers).  Each runs in a slot of its own
# (SB_PORT_SLOT of SB_PORT_SLOTS, see test/lib/ports.py: its own share of
# the free ports and of the RTP range); its output is printed whole when it
# ends, so suites never interleave.  The slowest suites start first.
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
failed_suites=""
timings=""
jobs_max=${TEST_JOBS:-2}

# the slowest suites of the last runs, started first so that the two lanes
# end close together (a suite not named here starts after them)
SLOW="unit trunks queue_scenario callback calls sip_torture nat ivr config
claims attended announce build"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export SB_PORT_SLOTS=$jobs_max

want() { [ -z "${SUITES:-}" ] || [[ " $SUITES " == *" $1 "* ]]; }

# name<TAB>command, in the order they start
queue=()
add() { want "$1" && queue+=("$1"$'\t'"$2"); }
declare -A cmd_of
cmd_of[unit]="build/test/unittest"
for s in test/suites/*.py test/suites/*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "${s%.*}")
	case "$s" in
	*.py) cmd_of[$name]="/usr/bin/python3 $s" ;;
	*.sh) cmd_of[$name]="bash $s" ;;
	esac
done
for name in $SLOW; do
	[ -n "${cmd_of[$name]:-}" ] && add "$name" "${cmd_of[$name]}"
done
for name in $(printf '%s\n' "${!cmd_of[@]}" | sort); do
	[[ " $(echo $SLOW) " == *" $name "* ]] && continue
	add "$name" "${cmd_of[$name]}"
done

declare -A name_of log_of start_of slot_of
slots_free=$(seq 0 $((jobs_max - 1)))

summarise() { # pid: print its suite's output and add its summary line
	local pid=$1 name=${name_of[$1]} log=${log_of[$1]}
	echo "== $name"
	cat "$log"
	timings="$timings$((SECONDS - ${start_of[$pid]})) $name"$'\n'
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
	slots_free="$slots_free ${slot_of[$pid]}"
	unset "name_of[$pid]" "log_of[$pid]" "start_of[$pid]" "slot_of[$pid]"
}

i=0
while [ $i -lt ${#queue[@]} ] || [ ${#name_of[@]} -gt 0 ]; do
	if [ $i -lt ${#queue[@]} ] && [ ${#name_of[@]} -lt "$jobs_max" ]; then
		name=${queue[$i]%%$'\t'*}
		cmd=${queue[$i]#*$'\t'}
		i=$((i + 1))
		slot=$(echo $slots_free | awk '{print $1}')
		slots_free=$(echo $slots_free | cut -s -d' ' -f2-)
		log=$(mktemp)
		# shellcheck disable=SC2086 # cmd is "interpreter file"
		SB_PORT_SLOT=$slot $cmd >"$log" 2>&1 &
		name_of[$!]=$name
		log_of[$!]=$log
		start_of[$!]=$SECONDS
		slot_of[$!]=$slot
		continue
	fi
	done_pid=""
	wait -n -p done_pid "${!name_of[@]}"
	[ -n "$done_pid" ] && summarise "$done_pid"
done
# the slowest suites first (seconds), to keep `make test` under 30 min
echo "slowest suites [s]: $(printf '%s' "$timings" | sort -rn | head -n 12 |
	awk '{printf "%s %s, ", $2, $1}')total ${SECONDS}"
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
