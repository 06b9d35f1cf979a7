/*
 * libre_log.c - libre's own output, taken into our log.
 *
 * libre speaks in two ways.  Its warnings (DEBUG_WARNING and friends) go
 * through a handler we set with dbg_handler_set().  A few lines are
 * written straight to stderr with re_fprintf(), whatever we configured:
 * "sip: msg decode err" for every datagram it cannot parse and
 * "unhandeled request from <addr>: <method> <uri>" with the client's own
 * bytes.  A flood of bad datagrams printed one such line each (100,000
 * gave 15,000 lines): enough to fill a disk, and with control characters
 * in the method or URI a client could write lines that look like ours to
 * a log reader such as fail2ban.
 *
 * So re_fprintf() is defined here, in the executable.  libre.so calls it
 * through its PLT, so ELF symbol interposition makes libre's calls land
 * here too (the same technique as core/tmr.c).  What goes to stderr is
 * logged at debug level, with control characters escaped (log_text), and
 * rate-limited per source: the peer whose bytes libre is parsing, as the
 * SIP receive hooks note it with log_peer_note() just before.  Each
 * source may print LINES_PER_WINDOW lines per WINDOW_MS; the rest are
 * counted and reported in one line when its next window opens.  Any
 * other stream is printed as libre would.  Messages libre could not
 * decode are counted (log_libre_undecodable(), sip.undecodable in
 * /api/v1/stats), so a flood is visible without the log.
 */
#include <string.h>
#include <re.h>
#define DEBUG_MODULE "switchboard"
#define DEBUG_LEVEL  0 /* we only use its levels and handler */
#include <re_dbg.h>
#include "core/core.h"

enum {
	WINDOW_MS = 60000,    /* rate-limit window per source          */
	LINES_PER_WINDOW = 5, /* lines a source may print per window   */
	SLOTS = 64,           /* sources tracked (hashed, overwritten) */
	LINES_ALL = 100,      /* lines of all sources per window       */
	RAW_LINE_MAX = 1024,  /* longest raw line we format            */
};

struct peer_slot {
	struct sa peer;      /* the source, port ignored              */
	uint64_t win_start;  /* [ms] start of its current window      */
	uint32_t lines;      /* printed in this window                */
	uint32_t suppressed; /* not printed in this window            */
};

static struct peer_slot slots[SLOTS];
static struct peer_slot unknown; /* lines with no noted source */
static struct peer_slot all;     /* every source: two sharing a slot
				    must not reset each other for ever */
static struct sa cur_peer;       /* noted by the SIP receive hooks */
static uint64_t undecodable;     /* "msg decode err" lines seen */

uint64_t log_libre_undecodable(void)
{
	return undecodable;
}

void log_peer_note(const struct sa *peer)
{
	if (peer)
		cur_peer = *peer;
	else
		sa_init(&cur_peer, AF_UNSPEC);
}

static struct peer_slot *slot_get(const struct sa *peer, uint64_t now)
{
	struct peer_slot *s;

	if (!sa_isset(peer, SA_ADDR))
		return &unknown;
	s = &slots[sa_hash(peer, SA_ADDR) % SLOTS];
	if (!sa_cmp(&s->peer, peer, SA_ADDR)) { /* a new source takes it */
		memset(s, 0, sizeof(*s));
		s->peer = *peer;
		s->win_start = now;
	}
	return s;
}

/* counts a line against s; true when it may be printed */
static bool slot_take(struct peer_slot *s, uint32_t max, uint64_t now,
		      const char *who)
{
	if (now - s->win_start >= WINDOW_MS) {
		if (s->suppressed)
			debug("libre: %u more lines from %s suppressed\n",
			      s->suppressed, who);
		s->win_start = now;
		s->lines = 0;
		s->suppressed = 0;
	}
	if (s->lines >= max) {
		s->suppressed++;
		return false;
	}
	s->lines++;
	return true;
}

/* true when a line charged to peer may be printed now */
static bool peer_may_print(const struct sa *peer)
{
	uint64_t now = time_now_ms();
	struct peer_slot *s = slot_get(peer, now);
	char who[64] = "an unknown source";

	if (s != &unknown)
		re_snprintf(who, sizeof(who), "%j", &s->peer);
	if (!slot_take(s, LINES_PER_WINDOW, now, who))
		return false;
	if (!slot_take(&all, LINES_ALL, now, "all sources")) {
		s->lines--; /* not printed: charged to the total only */
		s->suppressed++;
		return false;
	}
	return true;
}

int re_fprintf(FILE *stream, const char *fmt, ...)
{
	char line[RAW_LINE_MAX];
	va_list ap;
	int n, k = 0;

	va_start(ap, fmt);
	if (stream != stderr) {
		n = re_vfprintf(stream, fmt, ap);
		va_end(ap);
		return n;
	}
	if (strstr(fmt, "msg decode err"))
		undecodable++;
	if (sa_isset(&cur_peer, SA_ADDR))
		k = re_snprintf(line, sizeof(line), "[%j] ", &cur_peer);
	n = re_vsnprintf(line + k, sizeof(line) - (size_t)k, fmt, ap);
	va_end(ap);
	if (n < 0)
		return n;
	if (log_level_get() > LOG_DEBUG || !peer_may_print(&cur_peer))
		return n;
	log_text(LOG_DEBUG, "libre", line, strlen(line));
	return n;
}

/* one line of libre's, "module: text\n", already formatted */
static void libre_line(int dlevel, const char *p, size_t len, void *arg)
{
	enum log_level lvl = dlevel <= DBG_ERR       ? LOG_ERROR
			     : dlevel == DBG_WARNING ? LOG_WARN
			     : dlevel < DBG_DEBUG    ? LOG_INFO
						     : LOG_DEBUG;

	(void)arg;
	log_text(lvl, "libre", p, len);
}

void log_take_libre(void)
{
	/* libre's notices and infos (a TLS handshake state, ...) are
	 * chatter: only at debug level */
	dbg_init(log_level_get() == LOG_DEBUG ? DBG_DEBUG : DBG_WARNING, 0);
	dbg_handler_set(libre_line, NULL);
}
