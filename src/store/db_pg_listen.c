/*
 * db_pg_listen.c - LISTEN on a second PostgreSQL connection, in libre's
 * main loop (store.h store_listen_alloc; src/node/events.c is woken by
 * it).  Why a second connection: the store's own connection runs
 * blocking statements and is reset (PQreset) when it is lost, which
 * would drop the LISTEN without a word; this one does nothing but wait.
 * Both are used from the re_main thread only (the outbox worker thread
 * never touches the store: it works on a copy of its row).
 *
 *   connect, LISTEN channel, fd_listen(PQsocket)
 *   readable -> PQconsumeInput: fails -> closed, retry timer
 *            -> PQnotifies until NULL (each freed): any -> h(false)
 *   retry timer -> connect, LISTEN: ok -> h(true) (the reader catches
 *                  up from the rows), else the timer again
 *
 * The connect blocks the main loop, as the store's own statements do.
 */
#include <errno.h>
#include <string.h>
#include <libpq-fe.h>
#include <re.h>
#include "core/core.h"
#include "store/db.h"
#include "store/store.h"

struct store_listen {
	PGconn *conn;
	char *url;      /* (owned) may hold a password: never logged */
	char safe[256]; /* the URL without its password             */
	char *channel;  /* (owned)                                  */
	int fd;         /* in fd_listen, or -1                      */
	struct tmr tmr; /* the retry                                */
	store_listen_h *h;
	void *arg;
	uint64_t count; /* notifications received */
};

static void retry_h(void *arg);

static void conn_close(struct store_listen *l)
{
	if (l->fd >= 0) {
		fd_close(l->fd);
		l->fd = -1;
	}
	if (l->conn) {
		PQfinish(l->conn);
		l->conn = NULL;
	}
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

static void lost(struct store_listen *l, const char *why)
{
	char msg[256];

	warning("store: postgresql: listen %s: %s; again in %u ms\n", l->safe,
		oneline(msg, sizeof(msg), why),
		(unsigned)STORE_LISTEN_RETRY_MS);
	conn_close(l);
	tmr_start(&l->tmr, STORE_LISTEN_RETRY_MS, retry_h, l);
}

static void readable_h(int flags, void *arg)
{
	struct store_listen *l = arg;
	PGnotify *n;
	unsigned got = 0;

	(void)flags;
	if (!PQconsumeInput(l->conn)) {
		lost(l, PQerrorMessage(l->conn));
		return;
	}
	while ((n = PQnotifies(l->conn))) {
		++got;
		PQfreemem(n);
	}
	l->count += got;
	if (got)
		l->h(false, l->arg);
}

/* Connect and LISTEN; 0 or ECONNREFUSED (the connection closed again). */
static int conn_open(struct store_listen *l)
{
	PGresult *res;
	char *q = NULL;
	int err;

	l->conn = PQconnectdb(l->url);
	if (!l->conn)
		return ENOMEM;
	if (PQstatus(l->conn) != CONNECTION_OK) {
		char msg[256];

		warning("store: postgresql: listen: connect %s: %s\n", l->safe,
			oneline(msg, sizeof(msg), PQerrorMessage(l->conn)));
		conn_close(l);
		return ECONNREFUSED;
	}
	(void)PQsetNoticeProcessor(l->conn, notice, NULL);
	q = PQescapeIdentifier(l->conn, l->channel, strlen(l->channel));
	if (!q) {
		conn_close(l);
		return ENOMEM;
	}
	{
		char sql[128];

		re_snprintf(sql, sizeof(sql), "LISTEN %s", q);
		res = PQexec(l->conn, sql);
	}
	PQfreemem(q);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		char msg[256];

		warning("store: postgresql: listen %s: %s\n", l->safe,
			oneline(msg, sizeof(msg), PQerrorMessage(l->conn)));
		PQclear(res);
		conn_close(l);
		return ECONNREFUSED;
	}
	PQclear(res);
	if (PQsetnonblocking(l->conn, 1)) {
		conn_close(l);
		return EIO;
	}
	err = fd_listen(PQsocket(l->conn), FD_READ, readable_h, l);
	if (err) {
		conn_close(l);
		return err;
	}
	l->fd = PQsocket(l->conn);
	return 0;
}

static void retry_h(void *arg)
{
	struct store_listen *l = arg;

	if (conn_open(l)) {
		tmr_start(&l->tmr, STORE_LISTEN_RETRY_MS, retry_h, l);
		return;
	}
	info("store: postgresql: listening again on %s\n", l->safe);
	l->h(true, l->arg);
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
	str_url_nopass(l->safe, sizeof(l->safe), url);
	err = str_dup(&l->url, url);
	if (!err)
		err = str_dup(&l->channel, channel);
	if (!err)
		err = conn_open(l);
	if (err)
		mem_deref(l);
	else
		*lp = l;
	return err;
}

uint64_t store_listen_count(const struct store_listen *l)
{
	return l ? l->count : 0;
}
