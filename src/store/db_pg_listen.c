/*
 * db_pg_listen.c - LISTEN on a second PostgreSQL connection, in libre's
 * main loop (store.h store_listen_alloc; src/node/events.c is woken by
 * it).  Why a second connection: the store's own connection runs
 * blocking statements and is reset (PQreset) when it is lost, which
 * would drop the LISTEN without a word; this one does nothing but wait.
 * Both are used from the re_main thread only (the outbox worker thread
 * never touches the store: it works on a copy of its row).
 *
 * Nothing here blocks the main loop (a server that does not answer, or
 * answers slowly, must not freeze the SIP stack):
 *
 *   CONNECTING: PQconnectStartParams, then PQconnectPoll whenever the
 *       socket is ready as it asked (fd_listen on PQsocket, which may
 *       change between polls); ok -> PQsendQuery("LISTEN ch"), LISTENING
 *       more than STORE_LISTEN_CONNECT_MS -> closed, the retry timer
 *   LISTENING (sent): readable -> PQconsumeInput; once not busy the
 *       result: COMMAND_OK -> UP, h(true) (the reader catches up from the
 *       rows; the first time too, it is harmless), else closed
 *   UP: readable -> PQconsumeInput: fails -> closed, retry timer
 *                -> PQnotifies until NULL (each freed): any -> h(false)
 *   closed: retry timer, STORE_LISTEN_RETRY_MS doubled after each failed
 *       attempt up to STORE_LISTEN_RETRY_MAX_MS, back to the first after
 *       a connection that came UP
 */
#include <errno.h>
#include <string.h>
#include <libpq-fe.h>
#include <re.h>
#include "core/core.h"
#include "store/db.h"
#include "store/db_pg_int.h"
#include "store/store.h"

enum listen_state {
	L_CLOSED = 0,
	L_CONNECTING,
	L_LISTENING, /* LISTEN sent, its answer awaited */
	L_UP,
};

struct store_listen {
	PGconn *conn;
	char *url;      /* (owned) may hold a password: never logged */
	char safe[256]; /* the URL without its password             */
	char *channel;  /* (owned)                                  */
	int fd;         /* in fd_listen, or -1                      */
	int fd_flags;   /* what it is listened for                  */
	enum listen_state state;
	struct tmr tmr;   /* the retry, or the connect's deadline */
	uint32_t backoff; /* [ms] the next retry after a failure */
	bool was_up;      /* came up once: the next time is "again" */
	store_listen_h *h;
	void *arg;
	uint64_t count;    /* notifications received */
	uint64_t attempts; /* connections started    */
};

static void retry_h(void *arg);
static void io_h(int flags, void *arg);

static void conn_close(struct store_listen *l)
{
	if (l->fd >= 0) {
		fd_close(l->fd);
		l->fd = -1;
	}
	l->fd_flags = 0;
	if (l->conn) {
		PQfinish(l->conn);
		l->conn = NULL;
	}
	l->state = L_CLOSED;
}

static void destructor(void *arg)
{
	struct store_listen *l = arg;

	tmr_cancel(&l->tmr);
	conn_close(l);
	mem_deref(l->url);
	mem_deref(l->channel);
}

/* libpq's notices (the server's FATAL when it ends the session) go to
 * the log, not to stderr. */
static void notice(void *arg, const char *msg)
{
	(void)arg;
	debug("store: postgresql: listen: %s", msg);
}

/* libpq's message on one line. */
static const char *oneline(char *buf, size_t sz, const char *msg)
{
	size_t i;

	str_copy(buf, msg ? msg : "", sz);
	for (i = 0; buf[i]; i++) {
		if (buf[i] == '\n' || buf[i] == '\t')
			buf[i] = buf[i + 1] ? ' ' : '\0';
	}
	return buf;
}

/* Closed: try again after the back-off, which grows for the next one. */
static void lost(struct store_listen *l, const char *why)
{
	char msg[256];

	warning("store: postgresql: listen %s: %s; again in %u ms\n", l->safe,
		oneline(msg, sizeof(msg), why), (unsigned)l->backoff);
	conn_close(l);
	tmr_start(&l->tmr, l->backoff, retry_h, l);
	l->backoff = MIN(l->backoff * 2, (uint32_t)STORE_LISTEN_RETRY_MAX_MS);
}

/* Listen on the connection's socket (it may be another one now) for
 * flags; false (and closed) if that fails. */
static bool watch(struct store_listen *l, int flags)
{
	int fd = PQsocket(l->conn);
	int err;

	if (fd < 0) {
		lost(l, "no socket");
		return false;
	}
	if (fd == l->fd && flags == l->fd_flags)
		return true;
	if (l->fd >= 0 && l->fd != fd)
		fd_close(l->fd);
	l->fd = -1;
	err = fd_listen(fd, flags, io_h, l);
	if (err) {
		char msg[64];

		re_snprintf(msg, sizeof(msg), "fd_listen: %m", err);
		lost(l, msg);
		return false;
	}
	l->fd = fd;
	l->fd_flags = flags;
	return true;
}

static void deadline_h(void *arg)
{
	struct store_listen *l = arg;

	lost(l, "no answer in time");
}

/* Connected: send LISTEN without waiting for its answer. */
static void listen_send(struct store_listen *l)
{
	char sql[128];
	char *q;
	int r;

	(void)PQsetNoticeProcessor(l->conn, notice, NULL);
	if (PQsetnonblocking(l->conn, 1)) {
		lost(l, PQerrorMessage(l->conn));
		return;
	}
	q = PQescapeIdentifier(l->conn, l->channel, strlen(l->channel));
	if (!q) {
		lost(l, PQerrorMessage(l->conn));
		return;
	}
	re_snprintf(sql, sizeof(sql), "LISTEN %s", q);
	PQfreemem(q);
	if (!PQsendQuery(l->conn, sql)) {
		lost(l, PQerrorMessage(l->conn));
		return;
	}
	l->state = L_LISTENING;
	r = PQflush(l->conn); /* 1: the rest when writable */
	if (r < 0) {
		lost(l, PQerrorMessage(l->conn));
		return;
	}
	(void)watch(l, r ? FD_READ | FD_WRITE : FD_READ);
}

static void connect_step(struct store_listen *l)
{
	switch (PQconnectPoll(l->conn)) {
	case PGRES_POLLING_READING:
		(void)watch(l, FD_READ);
		return;
	case PGRES_POLLING_WRITING:
		(void)watch(l, FD_WRITE);
		return;
	case PGRES_POLLING_OK:
		listen_send(l);
		return;
	default: /* PGRES_POLLING_FAILED */
		lost(l, PQerrorMessage(l->conn));
		return;
	}
}

/* The answer to LISTEN (once not busy): up, or closed. */
static void listen_answer(struct store_listen *l)
{
	PGresult *res;
	bool ok = true;
	bool again;
	char msg[256];

	if (PQisBusy(l->conn))
		return;
	while ((res = PQgetResult(l->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ok = false;
			str_copy(msg, PQresultErrorMessage(res), sizeof(msg));
		}
		PQclear(res);
	}
	if (!ok) {
		lost(l, msg);
		return;
	}
	tmr_cancel(&l->tmr); /* the deadline */
	l->state = L_UP;
	l->backoff = STORE_LISTEN_RETRY_MS;
	again = l->was_up;
	l->was_up = true;
	if (!watch(l, FD_READ))
		return;
	if (again)
		info("store: postgresql: listening again on %s\n", l->safe);
	l->h(true, l->arg);
}

static void notifications(struct store_listen *l)
{
	PGnotify *n;
	unsigned got = 0;

	while ((n = PQnotifies(l->conn))) {
		++got;
		PQfreemem(n);
	}
	l->count += got;
	if (got)
		l->h(false, l->arg);
}

static void io_h(int flags, void *arg)
{
	struct store_listen *l = arg;

	switch (l->state) {
	case L_CONNECTING:
		connect_step(l);
		return;
	case L_LISTENING:
		if (flags & FD_WRITE) {
			int r = PQflush(l->conn);

			if (r < 0) {
				lost(l, PQerrorMessage(l->conn));
				return;
			}
			if (!watch(l, r ? FD_READ | FD_WRITE : FD_READ))
				return;
		}
		if (!(flags & FD_READ))
			return;
		if (!PQconsumeInput(l->conn)) {
			lost(l, PQerrorMessage(l->conn));
			return;
		}
		listen_answer(l);
		return;
	case L_UP:
		if (!PQconsumeInput(l->conn)) {
			lost(l, PQerrorMessage(l->conn));
			return;
		}
		notifications(l);
		return;
	default:
		return;
	}
}

/*
 * What bounds the wait for the server, before the URL's own parameters
 * (dbname is expanded last and overrides them): the keepalives find a
 * server gone silent while we only wait for notifications; the connect
 * is bounded by our own deadline (libpq's connect_timeout holds for
 * PQconnectdb only), the name shows in pg_stat_activity.
 */
static const char *const conn_keys[] = {"keepalives",
					"keepalives_idle",
					"keepalives_interval",
					"keepalives_count",
					"tcp_user_timeout",
					"application_name",
					"dbname",
					NULL};

/* Start a connection (nothing waited for here). */
static void conn_start(struct store_listen *l)
{
	const char *const vals[] = {"1",
				    DB_PG_KEEPALIVES_IDLE,
				    DB_PG_KEEPALIVES_INTERVAL,
				    DB_PG_KEEPALIVES_COUNT,
				    DB_PG_TCP_USER_TIMEOUT,
				    STORE_LISTEN_APP_NAME,
				    l->url,
				    NULL};

	++l->attempts;
	l->conn = PQconnectStartParams(conn_keys, vals, 1);
	if (!l->conn) {
		lost(l, "out of memory");
		return;
	}
	if (PQstatus(l->conn) == CONNECTION_BAD) {
		lost(l, PQerrorMessage(l->conn));
		return;
	}
	l->state = L_CONNECTING;
	tmr_start(&l->tmr, STORE_LISTEN_CONNECT_MS, deadline_h, l);
	/* libpq's first step is a connect() under way: writable when done */
	(void)watch(l, FD_WRITE);
}

static void retry_h(void *arg)
{
	conn_start(arg);
}

int store_listen_alloc(struct store_listen **lp, const char *url,
		       const char *channel, store_listen_h *h, void *arg)
{
	struct store_listen *l;
	int err;

	if (!lp || !str_isset(url) || !str_isset(channel) || !h)
		return EINVAL;
	if (!db_path_is_pg(url))
		return ENOTSUP;
	l = mem_zalloc(sizeof(*l), destructor);
	if (!l)
		return ENOMEM;
	l->fd = -1;
	tmr_init(&l->tmr);
	l->h = h;
	l->arg = arg;
	l->backoff = STORE_LISTEN_RETRY_MS;
	str_url_nopass(l->safe, sizeof(l->safe), url);
	err = str_dup(&l->url, url);
	if (!err)
		err = str_dup(&l->channel, channel);
	if (err) {
		mem_deref(l);
		return err;
	}
	conn_start(l);
	*lp = l;
	return 0;
}

uint64_t store_listen_count(const struct store_listen *l)
{
	return l ? l->count : 0;
}

bool store_listen_up(const struct store_listen *l)
{
	return l && l->state == L_UP;
}
