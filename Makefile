# Switchboard build.  `make run` and `make test` are the two commands of the
# README; everything they need (Debian packages, build, database, prompts) is
# a prerequisite here, so a fresh Debian 12 machine needs nothing else.

CC      ?= cc
PKGS    := libre librem sqlite3 libpq openssl libcurl espeak-ng libsodium
CPPFLAGS_BASE := -Isrc -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 \
	-D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS_BASE := -std=c17 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -g
# libcsv (Debian libcsv-dev) parses the employee CSV files; it has no .pc
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lsoxr -lhpdf -lm -lpthread

SRC      := $(shell find src -name '*.c' ! -name main.c ! -path 'src/ctl/*' | sort)
MAIN     := src/main.c
# switchboard-ctl (src/ctl): the operator's command line, a client of the
# API only: libre (JSON), libcurl (HTTP), libarchive (the backup archive)
CTL_SRC  := $(shell find src/ctl -name '*.c' | sort)
CTL_LIBS := $(shell pkg-config --libs libre libcurl libarchive 2>/dev/null)
UNIT_SRC := $(shell find test/unit -name '*.c' | sort)

REL := build/rel
DBG := build/test

REL_OBJ := $(SRC:%.c=$(REL)/%.o)
DBG_OBJ := $(SRC:%.c=$(DBG)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(DBG)/%.o)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

VAR ?= var

.PHONY: libre-check unit-part all deps build build-test run test bench clean db prompts \
	install \
	check-clang format format-check fuzz mutation web node-check

all: build

deps:
	@scripts/deps.sh debian-packages.txt

# the objects are compiled on every core (nproc)
NPROC := $(shell nproc 2>/dev/null || echo 1)

build: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(REL)/switchboard \
		$(REL)/switchboard-ctl $(WEB_OUT)

build-test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(DBG)/switchboard \
		$(DBG)/switchboard-ctl $(DBG)/unittest

# The browser front end (web/, issue 19): TypeScript, Vite, Preact from the
# npm registry by the committed lock file.  `npm ci` runs only when the lock
# file changed (the stamp), `vite build` only when a web source changed;
# the output is build/web (the server's default --web-dir), never committed.
WEB_SRC := $(shell find web/src web/scripts -type f 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/package.json
WEB_DEPS := web/node_modules/.switchboard-ci
WEB_OUT := build/web/index.html

web: $(WEB_OUT)

node-check:
	@missing=""; for c in node npm; do \
		command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make: missing:$$missing - the web front end needs Node.js" \
			"20 with npm (Debian: the package nodejs from" \
			"deb.nodesource.com, which contains npm)" >&2; \
		exit 1; \
	fi

$(WEB_DEPS): web/package-lock.json | node-check
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

$(WEB_OUT): $(WEB_SRC) $(WEB_DEPS) | node-check
	cd web && npm run --silent build

# src/core/tmr.c replaces libre's tmr_start() and matches libre 1.1.0's
# timer list exactly: refuse to link against any other libre.
LIBRE_WANT := 1.1.0
libre-check:
	@v=$$(pkg-config --modversion libre 2>/dev/null); \
	if [ "$$v" != "$(LIBRE_WANT)" ]; then \
		echo "make: libre is '$${v:-not installed}', but src/core/tmr.c" \
			"replaces tmr_start() of libre $(LIBRE_WANT) only;" \
			"install Debian 12's libre-dev $(LIBRE_WANT) or port" \
			"src/core/tmr.c (see its top comment)" >&2; \
		exit 1; \
	fi

$(REL)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_BASE) $(CFLAGS_BASE) -O2 -MMD -MP -c $< -o $@

$(DBG)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_BASE) -Itest $(CFLAGS_BASE) -O1 $(SAN) -MMD -MP -c $< -o $@

$(REL)/switchboard: $(REL_OBJ) $(REL)/src/main.o | libre-check
	$(CC) -o $@ $^ $(LDLIBS)

$(DBG)/switchboard: $(DBG_OBJ) $(DBG)/src/main.o | libre-check
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

# the ctl reads the configuration file's lines as the server does
CTL_CORE := src/core/config_line.c

$(REL)/switchboard-ctl: $(CTL_SRC:%.c=$(REL)/%.o) $(CTL_CORE:%.c=$(REL)/%.o)
	$(CC) -o $@ $^ $(CTL_LIBS)

$(DBG)/switchboard-ctl: $(CTL_SRC:%.c=$(DBG)/%.o) $(CTL_CORE:%.c=$(DBG)/%.o)
	$(CC) $(SAN) -o $@ $^ $(CTL_LIBS)

$(DBG)/unittest: $(DBG_OBJ) $(UNIT_OBJ) | libre-check
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

# While an area is being built, its tests can be linked alone:
#   make unit-part UNIT_AREAS="core store" && build/test/unittest-part
UNIT_AREAS ?= core
PART_SRC := $(foreach a,$(UNIT_AREAS),$(filter src/$(a)/%,$(SRC)))
PART_UNIT := test/unit/main.c $(foreach a,$(UNIT_AREAS),$(wildcard test/unit/$(a)_test*.c))
unit-part:
	@$(MAKE) --no-print-directory $(DBG)/unittest-part
$(DBG)/unittest-part: $(PART_SRC:%.c=$(DBG)/%.o) $(PART_UNIT:%.c=$(DBG)/%.o) | libre-check
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

-include $(shell find build -name '*.d' 2>/dev/null)

prompts: deps
	@scripts/prompts.sh $(VAR)/prompts

db: build prompts
	@$(REL)/switchboard --data-dir $(VAR) $(ARGS) --init-demo
	@scripts/tlscert.sh $(VAR)/tls.pem

run: build prompts db
	@scripts/run.sh $(VAR) $(ARGS)

test: build build-test
	@scripts/prompts.sh $(DBG)/prompts >/dev/null
	@scripts/tlscert.sh $(DBG)/tls.pem >/dev/null
	@test/run.sh

bench: build
	@bench/run.sh

# SIP over TCP and TLS against the sanitizer build; not part of `make test`.
# FUZZ_SECONDS (300), FUZZ_SEED, FUZZ_TRANSPORTS (tcp,tls): see fuzz/sipfuzz.py
fuzz: build-test
	@scripts/prompts.sh $(DBG)/prompts >/dev/null
	@/usr/bin/python3 fuzz/sipfuzz.py

# The suites against planted bugs: each mutant of test/mutation/mutants.txt
# is built into a copy of the tree and must make its suites fail; exits
# non-zero when one survives.  Not part of `make test`; heavy: on a shared
# machine `nice -n 10 make mutation`.  MUTANTS="id 'pattern*'" runs some;
# test/mutation/run.py --list / --check / --help.
mutation: deps
	@/usr/bin/python3 test/mutation/run.py $(MUTANTS)

check-clang: deps
	@$(MAKE) --no-print-directory clean
	@$(MAKE) --no-print-directory CC=clang $(REL)/switchboard $(DBG)/unittest

# `make install` (issue 20): the release binaries (switchboard and
# switchboard-ctl), the prompts, the web front
# end, the systemd unit and its user, the example configuration, and
# /etc/switchboard/switchboard.conf from it unless that file exists.
# PREFIX and DESTDIR as usual; SYSCONFDIR is /etc for every PREFIX.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR     := $(PREFIX)/bin
SHAREDIR   := $(PREFIX)/share/switchboard
UNITDIR    := $(PREFIX)/lib/systemd/system
SYSUSERSDIR := $(PREFIX)/lib/sysusers.d
PROMPTS_BUILT := build/prompts

install: build
	@scripts/prompts.sh $(PROMPTS_BUILT) >/dev/null
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(SYSCONFDIR)/switchboard
	install -m 0755 $(REL)/switchboard $(DESTDIR)$(BINDIR)/switchboard
	install -m 0755 $(REL)/switchboard-ctl \
		$(DESTDIR)$(BINDIR)/switchboard-ctl
	rm -rf $(DESTDIR)$(SHAREDIR)/prompts $(DESTDIR)$(SHAREDIR)/web
	cp -r $(PROMPTS_BUILT) $(DESTDIR)$(SHAREDIR)/prompts
	cp -r build/web $(DESTDIR)$(SHAREDIR)/web
	chmod -R u=rwX,go=rX $(DESTDIR)$(SHAREDIR)
	install -m 0644 README.md contrib/switchboard.conf.example \
		$(DESTDIR)$(SHAREDIR)/
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(SHAREDIR)|g' \
		contrib/systemd/switchboard.service.in \
		> $(DESTDIR)$(UNITDIR)/switchboard.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/switchboard.service
	install -m 0644 contrib/systemd/switchboard.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/switchboard.conf
	@conf=$(DESTDIR)$(SYSCONFDIR)/switchboard/switchboard.conf; \
	if [ -e "$$conf" ]; then \
		echo "install: $$conf exists, kept"; \
	else \
		{ printf '%s\n' "# set by make install" \
			"data-dir = /var/lib/switchboard" \
			"web-dir = $(SHAREDIR)/web" ""; \
		  cat contrib/switchboard.conf.example; } > "$$conf"; \
		chmod 0644 "$$conf"; \
		echo "install: $$conf written"; \
	fi

format:
	@clang-format -i $(shell find src test/unit -name '*.[ch]')

format-check:
	@clang-format --dry-run --Werror $(shell find src test/unit -name '*.[ch]')

clean:
	rm -rf build
