/*
 * sqlite_outbox.c - the outbox in the SQLite store: one row per outgoing
 * delivery, and the state changes of store.h's diagram ("outbox"), each one
 * statement guarded by the state it leaves, so a late or doubled call
 * changes nothing (ENOENT).
 *
 * A delivery and its attachments (outbox_files) are written in one
 * transaction: the row is committed before store_outbox_add() returns, so
 * a kill -9 right after cannot lose it.  (synchronous=NORMAL, see
 * sqlite_core.c: a power cut may lose the last commits, a killed process
 * never.)  Claiming is a transaction too: find the oldest due row, mark it
 * sending for this node; on PostgreSQL the row is found FOR UPDATE SKIP
 * LOCKED (pg_sql below), so nodes claiming at once take different rows
 * and never wait for each other.  The states are written as literals in the SQL
 * (they are names.c's names) because the partial index outbox_due serves
 * only a query that says state = 'pending' itself.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

enum {
	OUTBOX_LIMIT = 100, /* store_outbox_list() default page */
	OUTBOX_LIMIT_MAX = 1000,
};

#define OUTBOX_SELECT                                                          \
	"SELECT id, tenant_id, channel, state, attempts, next_attempt_at,"     \
	" created_at, sent_at, last_error, node_id, mail_from, mail_to,"       \
	" mail_cc, subject, body, html, delivered_at, ext_id FROM outbox"

/* the oldest due row of the channels in ?2's bits */
#define OUTBOX_DUE                                                             \
	"SELECT id FROM outbox WHERE state = 'pending'"                        \
	" AND next_attempt_at <= ?1 AND ((CAST(?2 AS BIGINT) >> (CASE channel" \
	" WHEN 'mail' THEN 0 WHEN 'sms' THEN 1 WHEN 'webhook' THEN 2"          \
	" WHEN 'webpush' THEN 3 ELSE 62 END)) & 1) <> 0"                       \
	" ORDER BY next_attempt_at, id LIMIT 1"

static const struct store_sql sql[] = {
    {S_OUTBOX_ADD, "outbox add",
     "INSERT INTO outbox (tenant_id, channel, state, attempts,"
     " next_attempt_at, created_at, sent_at, last_error, node_id,"
     " mail_from, mail_to, mail_cc, subject, body, html) VALUES (?1, ?2,"
     " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) RETURNING id"},
    {S_OUTBOX_FILE_ADD, "outbox add",
     "INSERT INTO outbox_files (outbox_id, seq, path, name, type)"
     " VALUES (?1, ?2, ?3, ?4, ?5)"},
    {S_OUTBOX_GET, "outbox get", OUTBOX_SELECT " WHERE id = ?1"},
    {S_OUTBOX_FILES, "outbox files",
     "SELECT path, name, type FROM outbox_files WHERE outbox_id = ?1"
     " ORDER BY seq"},
    {S_OUTBOX_LIST, "outbox list",
     OUTBOX_SELECT " WHERE (?1 = 0 OR tenant_id = ?1)"
		   " AND (CAST(?2 AS TEXT) IS NULL OR state = ?2)"
		   " ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"},
    {S_OUTBOX_DUE, "outbox claim", OUTBOX_DUE},
    {S_OUTBOX_TAKE, "outbox claim",
     "UPDATE outbox SET state = 'sending', node_id = ?2"
     " WHERE id = ?1 AND state = 'pending'"},
    {S_OUTBOX_SENT, "outbox sent",
     "UPDATE outbox SET state = 'sent', attempts = attempts + 1,"
     " sent_at = ?2, last_error = '' WHERE id = ?1 AND state = 'sending'"},
    {S_OUTBOX_DONE, "outbox sent",
     "UPDATE outbox SET state = CASE CAST(?3 AS BIGINT) WHEN 1"
     " THEN 'delivered' ELSE 'sent' END, attempts = attempts + 1,"
     " sent_at = ?2, delivered_at = CASE CAST(?3 AS BIGINT) WHEN 1"
     " THEN CAST(?2 AS BIGINT) ELSE 0 END, ext_id = ?4,"
     " last_error = '' WHERE id = ?1 AND state = 'sending'"},
    {S_OUTBOX_BY_EXT, "outbox report",
     "SELECT id FROM outbox WHERE channel = ?1 AND ext_id = ?2"
     " ORDER BY id DESC LIMIT 1"},
    {S_OUTBOX_REPORT, "outbox report",
     "UPDATE outbox SET state = CASE CAST(?2 AS BIGINT) WHEN 1"
     " THEN 'delivered' ELSE 'failed' END,"
     " delivered_at = CASE CAST(?2 AS BIGINT) WHEN 1 THEN ?3 ELSE 0 END,"
     " last_error = CASE CAST(?2 AS BIGINT) WHEN 1 THEN '' ELSE ?4 END"
     " WHERE id = ?1 AND state = 'sent'"},
    {S_OUTBOX_RETRY, "outbox retry",
     "UPDATE outbox SET state = 'pending', attempts = attempts + 1,"
     " next_attempt_at = ?2, last_error = ?3"
     " WHERE id = ?1 AND state = 'sending'"},
    {S_OUTBOX_FAIL, "outbox fail",
     "UPDATE outbox SET state = 'failed', attempts = attempts + 1,"
     " last_error = ?2 WHERE id = ?1 AND state = 'sending'"},
    {S_OUTBOX_REQUEUE, "outbox requeue",
     "UPDATE outbox SET state = 'pending', next_attempt_at = ?2"
     " WHERE state = 'sending' AND node_id = ?1"},
    {S_OUTBOX_REQUEUE_STALE, "outbox requeue",
     "UPDATE outbox SET state = 'pending', next_attempt_at = ?3"
     " WHERE state = 'sending' AND node_id <> ?1 AND node_id IN"
     " (SELECT node_id FROM nodes WHERE heartbeat_at < ?2)"},
    /* the partial indexes outbox_due and outbox_sending answer these */
    {S_OUTBOX_PENDING_COUNT, "outbox depth",
     "SELECT count(*) FROM outbox WHERE state = 'pending'"
     " AND next_attempt_at >= 0"},
    {S_OUTBOX_SENDING_COUNT, "outbox depth",
     "SELECT count(*) FROM outbox WHERE state = 'sending'"},
};

/* PostgreSQL: the row locked until the claim commits, and a row another
 * node is claiming skipped, not waited for: two nodes claiming at once
 * take two rows (SQLite's BEGIN IMMEDIATE runs the claims one by one) */
static const struct store_sql pg_sql[] = {
    {S_OUTBOX_DUE, "outbox claim", OUTBOX_DUE " FOR UPDATE SKIP LOCKED"},
};

const struct store_sqlset store_sql_outbox = STORE_SQLSET_PG(sql, pg_sql);

static const struct store_col cols[] = {
    STORE_COL(SC_I64, 0, store_outbox, id),
    STORE_COL(SC_I64, SC_ADD, store_outbox, tenant_id),
    STORE_ENUM(SC_ADD, store_outbox, channel, &store_names_channel),
    STORE_ENUM(SC_ADD, store_outbox, state, &store_names_outbox_state),
    STORE_COL(SC_U32, SC_ADD, store_outbox, attempts),
    STORE_COL(SC_U64, SC_ADD, store_outbox, next_attempt_at),
    STORE_COL(SC_U64, SC_ADD, store_outbox, created_at),
    STORE_COL(SC_U64, SC_ADD, store_outbox, sent_at),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, last_error),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, node_id),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, mail_from),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, mail_to),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, mail_cc),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, subject),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, body),
    STORE_COL(SC_TEXT, SC_ADD, store_outbox, html),
    STORE_COL(SC_U64, 0, store_outbox, delivered_at),
    STORE_COL(SC_TEXT, 0, store_outbox, ext_id),
};

STORE_RECORD(outbox_rec, store_outbox, store_outbox_h, cols);

static bool file_valid(const struct store_outbox_file *f)
{
	return str_isset(f->path) && str_isset(f->name) && str_isset(f->type);
}

static bool outbox_valid(const struct store_outbox *o)
{
	uint32_t i;

	if (!o || o->tenant_id < 0 || o->filec > STORE_OUTBOX_FILES ||
	    !store_names_has(&store_names_channel, (int)o->channel))
		return false;

	switch (o->channel) {
	case STORE_CHANNEL_MAIL:
		if (!str_isset(o->mail_from) || !str_isset(o->mail_to))
			return false;
		break;
	case STORE_CHANNEL_SMS:
	case STORE_CHANNEL_WEBHOOK:
		if (!str_isset(o->mail_to) || !str_isset(o->body))
			return false;
		break;
	case STORE_CHANNEL_WEBPUSH:
		if (o->push.subscription_id <= 0 || o->filec ||
		    !str_isset(o->push.urgency))
			return false;
		break;
	default:
		break;
	}

	for (i = 0; i < o->filec; i++) {
		if (!file_valid(&o->filev[i]))
			return false;
	}

	return true;
}

/* The body of store_outbox_add(): the row, then its files. */
static int outbox_insert(struct store *st, void *arg)
{
	struct store_outbox *o = arg;
	uint32_t i;
	int err;

	err = store_row_add(st, S_OUTBOX_ADD, &outbox_rec, o);
	for (i = 0; !err && i < o->filec; i++) {
		const struct store_outbox_file *f = &o->filev[i];

		err = store_run(st, S_OUTBOX_FILE_ADD, EIO, NULL, "idsss",
				o->id, (int)i, f->path, f->name, f->type);
	}
	if (!err && o->channel == STORE_CHANNEL_WEBPUSH)
		err = store_outbox_push_add(st, o);
	if (err)
		o->id = 0;

	return err;
}

int store_outbox_add(struct store *st, struct store_outbox *o)
{
	if (!st || !outbox_valid(o))
		return EINVAL;

	if (!o->created_at)
		o->created_at = time_now_ms();
	if (!o->next_attempt_at)
		o->next_attempt_at = o->created_at;
	o->state = STORE_OUTBOX_PENDING;
	o->attempts = 0;
	o->sent_at = 0;
	o->last_error[0] = '\0';
	o->node_id[0] = '\0';

	return store_tx_rows(st, outbox_insert, o); /* new rows only */
}

/* The attachments of o->id into o->filev. */
static int files_load(struct store *st, struct store_outbox *o)
{
	struct db_stmt *s;
	int rc, err;

	o->filec = 0;
	memset(o->filev, 0, sizeof(o->filev));

	err = store_stmt_bind(st, S_OUTBOX_FILES, &s, "i", o->id);
	if (err)
		return err;

	while ((rc = db_step(s)) == DB_ROW && o->filec < STORE_OUTBOX_FILES) {
		struct store_outbox_file *f = &o->filev[o->filec++];

		store_col_text(s, 0, f->path, sizeof(f->path));
		store_col_text(s, 1, f->name, sizeof(f->name));
		store_col_text(s, 2, f->type, sizeof(f->type));
	}
	if (rc != DB_ROW && rc != DB_DONE)
		err = store_dberr(st, rc, S_OUTBOX_FILES, EIO);

	store_stmt_put(st, S_OUTBOX_FILES, s);

	return err;
}

int store_outbox_get(struct store *st, int64_t id, struct store_outbox *o)
{
	int err;

	err = store_row_get(st, S_OUTBOX_GET, id, &outbox_rec, o);
	if (!err)
		err = files_load(st, o);
	if (!err)
		err = store_outbox_push_load(st, o);

	return err;
}

/* A list walk: each row with its files, to the caller's handler. */
struct outbox_walk {
	struct store *st;
	store_outbox_h *h;
	void *arg;
	struct store_outbox o; /* the row with its files */
};

static int walk_h(const struct store_outbox *o, void *arg)
{
	struct outbox_walk *w = arg;
	int err;

	w->o = *o;
	err = files_load(w->st, &w->o);
	if (!err)
		err = store_outbox_push_load(w->st, &w->o);
	if (err)
		return err;

	return w->h(&w->o, w->arg);
}

int store_outbox_list(struct store *st, const struct store_outbox_filter *f,
		      store_outbox_h *h, void *arg)
{
	static const struct store_outbox_filter none;
	struct outbox_walk *w;
	const char *state = NULL;
	uint32_t limit;
	int err;

	if (!st || !h)
		return EINVAL;

	if (!f)
		f = &none;
	if (f->tenant_id < 0)
		return EINVAL;
	if (f->by_state) {
		state =
		    store_names_get(&store_names_outbox_state, (int)f->state);
		if (!state)
			return EINVAL;
	}

	limit = f->limit ? f->limit : OUTBOX_LIMIT;
	if (limit > OUTBOX_LIMIT_MAX)
		limit = OUTBOX_LIMIT_MAX;

	/* a record is 6 KiB: not on the stack of a walk that nests */
	w = mem_zalloc(sizeof(*w), NULL);
	if (!w)
		return ENOMEM;
	w->st = st;
	w->h = h;
	w->arg = arg;

	err = store_row_query(st, S_OUTBOX_LIST, &outbox_rec, NULL,
			      (store_fn *)walk_h, w, "inii", f->tenant_id,
			      state, (int64_t)limit, (int64_t)f->offset);
	mem_deref(w);

	return err;
}

/* What store_outbox_claim_of() claims. */
struct outbox_claim {
	const char *node_id;
	uint64_t now;
	unsigned channels;
	struct store_outbox *o;
};

static int outbox_take(struct store *st, void *arg)
{
	struct outbox_claim *c = arg;
	int64_t id = 0, n = 0;
	int err;

	err = store_run(st, S_OUTBOX_DUE, EIO, &id, "ui", c->now,
			(int64_t)c->channels);
	if (err)
		return err; /* ENOENT: nothing due */

	err = store_run(st, S_OUTBOX_TAKE, EIO, &n, "is", id, c->node_id);
	if (err)
		return err;
	if (!n)
		return ENOENT;

	return store_outbox_get(st, id, c->o);
}

int store_outbox_claim_of(struct store *st, const char *node_id, uint64_t now,
			  unsigned channels, struct store_outbox *o)
{
	struct outbox_claim c = {node_id, now, channels, o};

	if (!st || !str_isset(node_id) || !o)
		return EINVAL;

	/* without the write lock: the claim's own row lock is enough */
	return store_tx_rows(st, outbox_take, &c);
}

int store_outbox_claim(struct store *st, const char *node_id, uint64_t now,
		       struct store_outbox *o)
{
	return store_outbox_claim_of(st, node_id, now, ~0u, o);
}

/* Run the state change sid on row id; ENOENT unless it was sending. */
static int outbox_move(struct store *st, enum store_sql_id sid, int64_t id,
		       const char *fmt, uint64_t v, const char *error)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_run(st, sid, EIO, &n, fmt, id, v, error);

	return err ? err : n ? 0 : ENOENT;
}

int store_outbox_sent(struct store *st, int64_t id, uint64_t at)
{
	return outbox_move(st, S_OUTBOX_SENT, id, "iu", at ? at : time_now_ms(),
			   NULL);
}

int store_outbox_done(struct store *st, int64_t id, uint64_t at, bool delivered,
		      const char *ext_id)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0 || (ext_id && strlen(ext_id) >= 128))
		return EINVAL;

	err = store_run(st, S_OUTBOX_DONE, EIO, &n, "iuds", id,
			at ? at : time_now_ms(), delivered ? 1 : 0,
			ext_id ? ext_id : "");

	return err ? err : n ? 0 : ENOENT;
}

int store_outbox_report(struct store *st, enum store_channel ch,
			const char *ext_id, bool delivered, uint64_t at,
			const char *error, struct store_outbox *o)
{
	int64_t id = 0;
	int err;

	if (!st || !str_isset(ext_id) ||
	    !store_names_has(&store_names_channel, (int)ch))
		return EINVAL;

	err = store_run(st, S_OUTBOX_BY_EXT, EIO, &id, "ss",
			store_channel_name(ch), ext_id);
	if (err)
		return err;
	/* a row not sent (any more) keeps its state: a late or doubled
	 * report changes nothing */
	err = store_run(st, S_OUTBOX_REPORT, EIO, NULL, "idus", id,
			delivered ? 1 : 0, at ? at : time_now_ms(),
			error ? error : "");
	if (!err && o)
		err = store_outbox_get(st, id, o);

	return err;
}

int store_outbox_retry(struct store *st, int64_t id, uint64_t next_attempt_at,
		       const char *error)
{
	return outbox_move(st, S_OUTBOX_RETRY, id, "ius", next_attempt_at,
			   error);
}

int store_outbox_fail(struct store *st, int64_t id, const char *error)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;

	err = store_run(st, S_OUTBOX_FAIL, EIO, &n, "is", id, error);

	return err ? err : n ? 0 : ENOENT;
}

int store_outbox_requeue(struct store *st, const char *node_id, unsigned *np)
{
	int64_t n = 0;
	int err;

	if (np)
		*np = 0;
	if (!st || !str_isset(node_id))
		return EINVAL;

	err = store_run(st, S_OUTBOX_REQUEUE, EIO, &n, "su", node_id,
			time_now_ms());
	if (np)
		*np = err ? 0 : (unsigned)n;

	return err;
}

int store_outbox_requeue_stale(struct store *st, const char *self,
			       uint64_t before, unsigned *np)
{
	int64_t n = 0;
	int err;

	if (np)
		*np = 0;
	if (!st || !str_isset(self) || !before)
		return EINVAL;

	err = store_run(st, S_OUTBOX_REQUEUE_STALE, EIO, &n, "suu", self,
			before, time_now_ms());
	if (np)
		*np = err ? 0 : (unsigned)n;

	return err;
}

int store_outbox_depth(struct store *st, uint64_t *pending, uint64_t *sending)
{
	int64_t p = 0, s = 0;
	int err;

	if (!st || !pending || !sending)
		return EINVAL;
	err = store_run(st, S_OUTBOX_PENDING_COUNT, EIO, &p, "");
	if (!err)
		err = store_run(st, S_OUTBOX_SENDING_COUNT, EIO, &s, "");
	*pending = err ? 0 : (uint64_t)p;
	*sending = err ? 0 : (uint64_t)s;
	return err;
}
