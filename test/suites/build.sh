#!/usr/bin/env bash
# build.sh - the code itself: formatted as .clang-format says, and free of
# warnings under clang as well as gcc (gcc builds it for the other suites).
cd "$(dirname "$0")/../.."
pass=0
fail=0
check() { # name command...
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		echo "$out" | head -40
		fail=$((fail + 1))
	fi
}
files=$(find src test/unit -name '*.[ch]' | sort)
check "clang-format: every C file is formatted" \
	clang-format --dry-run --Werror $files

flags="-std=c17 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
-Wstrict-prototypes -Wmissing-prototypes -Isrc -Itest \
-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 -D_GNU_SOURCE \
$(pkg-config --cflags libre librem sqlite3 libpq openssl)"
clang_all() {
	local f
	for f in $(find src test/unit -name '*.c' | sort); do
		clang $flags -fsyntax-only "$f" || return 1
	done
}
check "clang -Wall -Wextra -Werror: no warnings" clang_all
# the store reaches its database through the driver seam (src/store/db.h):
# only the SQLite driver, the schema steps and the backup include sqlite3
# (db.c hands the handle on: db_sqlite()); only the PostgreSQL driver libpq
# (db_pg_listen.c: its LISTEN connection for events between nodes;
# db_pg_dump.c: the backup's pg_dump gets the connection's parameters)
sqlite_only() {
	local bad
	bad=$(grep -l sqlite3 src/store/*.c |
		grep -v -x -e src/store/db_sqlite.c -e src/store/migrate.c \
			-e src/store/sqlite_backup.c -e src/store/db.c)
	[ -z "$bad" ] || { echo "sqlite3 used in: $bad"; return 1; }
	! grep -l '<sqlite3.h>' src/store/*.h
}
check "store: only db_sqlite.c, migrate.c, sqlite_backup.c use sqlite3" \
	sqlite_only
libpq_only() {
	local bad
	bad=$(grep -l '<libpq-fe.h>' -r src |
		grep -v -x -e src/store/db_pg.c -e src/store/db_pg_stmt.c \
			-e src/store/db_pg_listen.c -e src/store/db_pg_int.h \
			-e src/store/db_pg_dump.c)
	[ -z "$bad" ] || { echo "libpq used in: $bad"; return 1; }
}
check "store: only the PostgreSQL driver (db_pg*.c) uses libpq" libpq_only
check "switchboard --help lists the flags" \
	bash -c 'build/test/switchboard --help | grep -q -- "--rtp-timeout"'
echo "$pass passed, $fail failed"
