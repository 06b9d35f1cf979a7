#!/usr/bin/env bash
# A throwaway PostgreSQL by hand, the twin of test/lib/pg.py (issue 21):
#
#   scripts/pgtmp.sh start [DIR]   start one; prints DIR and the URL
#   scripts/pgtmp.sh stop DIR      stop it (by its pid) and remove DIR
#
# The cluster is a copy of build/pg-template-<major> (one initdb, made on
# first use) in DIR (default: a new /tmp/sbpg-XXXXXX), on 127.0.0.1 and
# $PGPORT (default: a free port, test/lib/ports.py), its unix socket in
# DIR, fsync off, trust authentication for the user postgres.  As root it
# runs as the user nobody (PostgreSQL refuses root).
#   psql -h DIR -p PORT -U postgres      or      psql postgresql://...
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${PG_BINDIR:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
major=$(basename "$(dirname "$bin")")
tpl=build/pg-template-$major

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}

template() {
	[ -e "$tpl/PG_VERSION" ] && return 0
	mkdir -p build
	local tmp
	tmp=$(mktemp -d build/pg-template-XXXXXX)
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$tmp"
	as_owner "$bin/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync --no-instructions --wal-segsize=1 \
		>/dev/null
	mv -T "$tmp/data" "$tpl" 2>/dev/null || true # another was first
	rm -rf "$tmp"
}

start() {
	local dir=${1:-} port=${PGPORT:-}
	template
	[ -n "$dir" ] || dir=$(mktemp -d /tmp/sbpg-XXXXXX)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$dir"
	[ -n "$port" ] || port=$(cd test/lib && /usr/bin/python3 -c \
		'import ports; print(ports.free_port())')
	cp -a "$tpl" "$dir/data"
	as_owner "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" \
		-c listen_addresses=127.0.0.1 -c fsync=off \
		-c synchronous_commit=off -c full_page_writes=off \
		-c shared_buffers=16MB -c max_connections=40 \
		>"$dir/postgres.log" 2>&1 </dev/null &
	for _ in $(seq 300); do
		if "$bin/pg_isready" -q -h "$dir" -p "$port"; then
			echo "dir $dir"
			echo "url postgresql://postgres@127.0.0.1:$port/postgres"
			return 0
		fi
		sleep 0.1
	done
	echo "pgtmp: postgres not ready, see $dir/postgres.log" >&2
	return 1
}

stop() {
	local dir=$1 pid
	[ -f "$dir/data/postmaster.pid" ] || {
		echo "pgtmp: no postgres in $dir" >&2
		return 1
	}
	pid=$(head -n 1 "$dir/data/postmaster.pid")
	kill -INT "$pid" 2>/dev/null || true
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -QUIT "$pid"
	rm -rf "$dir"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:?usage: pgtmp.sh stop DIR}" ;;
*)
	echo "usage: pgtmp.sh start [DIR] | stop DIR" >&2
	exit 2
	;;
esac
