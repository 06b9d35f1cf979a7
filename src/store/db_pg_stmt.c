/*
 * db_pg_stmt.c - the statements of the PostgreSQL driver (db_pg.c says
 * how they work): the SQL rewritten, values bound, prepared and run at
 * the first step, rows walked and columns read; and the driver table.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/core.h"
#include "store/db_pg_int.h"

enum {
	NAMESZ = 16,
};

/* One parameter's value for the next run. */
struct pgparam {
	Oid type;     /* of the value bound, 0: NULL or text (unknown) */
	bool isnull;  /* NULL (nothing bound since the reset)          */
	uint64_t num; /* int8/float8, big-endian (binary format)        */
	char *buf;    /* text, a NUL-terminated copy (owned)            */
	size_t bufsz;
	const void *blob; /* a blob, not copied                         */
	size_t blen;
};

struct pgstmt {
	struct db_stmt base; /* the driver (first member)              */
	struct pgdb *db;     /* (ref)                                  */
	char *sql;           /* with $N parameters (owned)             */
	bool persistent;
	bool writes; /* INSERT, UPDATE, DELETE, MERGE          */
	int nparam;
	struct pgparam *pv; /* [nparam] (owned)                       */
	Oid *prepv;         /* [nparam] types it was prepared with    */
	const char **valv;  /* [nparam] the arguments of one run      */
	int *lenv, *fmtv;   /* [nparam]                               */
	char name[NAMESZ];  /* the prepared statement, "" if none     */
	unsigned gen;       /* the session it was prepared in         */
	PGresult *res;      /* of the current run, or NULL            */
	int row;            /* current row, -1 before the first       */
	int nrows;
	bool done;             /* stepped to DB_DONE                     */
	unsigned char **blobv; /* [columns] unescaped bytea (malloc)  */
	size_t *blenv;
};

static struct pgstmt *P(struct db_stmt *s)
{
	return (struct pgstmt *)(void *)s;
}

/* ---- statements: SQL ---------------------------------------------------- */

/*
 * Copy sql to out (4 * strlen(sql) + 1 bytes: a bare ? becomes at most
 * $NNN) with ?N as $N and a bare ? as $<highest so far + 1>, outside
 * quotes and comments; *np gets the highest parameter number ($N counts).
 */
static void rewrite(const char *sql, char *out, int *np)
{
	const char *p = sql;
	char *o = out;
	int n = 0;

	while (*p) {
		char c = *p;

		if (c == '\'' || c == '"') { /* a string or a quoted name */
			*o++ = *p++;
			while (*p) {
				if (*p == c && p[1] == c) {
					*o++ = *p++;
				}
				else if (*p == c) {
					break;
				}
				*o++ = *p++;
			}
			if (*p)
				*o++ = *p++;
		}
		else if (c == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*o++ = *p++;
		}
		else if (c == '/' && p[1] == '*') {
			*o++ = *p++;
			*o++ = *p++;
			while (*p && !(p[0] == '*' && p[1] == '/'))
				*o++ = *p++;
			if (*p) {
				*o++ = *p++;
				*o++ = *p++;
			}
		}
		else if ((c == '?' || c == '$') && p[1] >= '0' && p[1] <= '9') {
			int v = 0;

			*o++ = '$';
			for (++p; *p >= '0' && *p <= '9'; p++) {
				v = v < 100000 ? v * 10 + (*p - '0') : v;
				*o++ = *p;
			}
			if (v > n)
				n = v;
		}
		else if (c == '?') {
			o += sprintf(o, "$%d", ++n);
			++p;
		}
		else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*np = n;
}

/* Does sql write?  Its first word, or a WITH ... INSERT/UPDATE/DELETE. */
static bool is_write(const char *sql)
{
	static const char *const wv[] = {"INSERT", "UPDATE", "DELETE", "MERGE"};
	size_t i;

	sql += strspn(sql, " \t\r\n(");
	for (i = 0; i < ARRAY_SIZE(wv); i++) {
		if (!strncasecmp(sql, wv[i], strlen(wv[i])))
			return true;
	}
	if (strncasecmp(sql, "WITH", 4))
		return false;
	for (i = 0; i < 3; i++) {
		if (strcasestr(sql, wv[i]))
			return true;
	}
	return false;
}

/* ---- statements ------------------------------------------------------- */

/* Free the current result and the blobs read from it. */
static void result_clear(struct pgstmt *st)
{
	int i, n = st->res ? PQnfields(st->res) : 0;

	if (st->blobv) {
		for (i = 0; i < n; i++)
			free(st->blobv[i]);
	}
	st->blobv = mem_deref(st->blobv);
	st->blenv = mem_deref(st->blenv);
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrows = 0;
	st->done = false;
}

static void stmt_destructor(void *arg)
{
	struct pgstmt *st = arg;
	int i;

	result_clear(st);
	for (i = 0; st->pv && i < st->nparam; i++)
		mem_deref(st->pv[i].buf);
	mem_deref(st->pv);
	mem_deref(st->prepv);
	mem_deref(st->valv);
	mem_deref(st->lenv);
	mem_deref(st->fmtv);
	mem_deref(st->sql);
	mem_deref(st->db);
}

static int pg_prepare(struct db *db, const char *sql, bool persistent,
		      struct db_stmt **sp)
{
	struct pgstmt *st;
	int i, n;

	st = mem_zalloc(sizeof(*st), stmt_destructor);
	if (!st)
		return DB_ENOMEM;
	st->base.drv = &db_pg_driver;
	st->db = mem_ref(db_pg(db));
	st->persistent = persistent;
	st->row = -1;
	st->writes = is_write(sql);
	st->sql = mem_alloc(4 * strlen(sql) + 1, NULL);
	if (!st->sql)
		goto nomem;
	rewrite(sql, st->sql, &n);
	st->nparam = n;
	if (n) {
		st->pv = mem_zalloc((size_t)n * sizeof(*st->pv), NULL);
		st->prepv = mem_zalloc((size_t)n * sizeof(*st->prepv), NULL);
		st->valv = mem_zalloc((size_t)n * sizeof(*st->valv), NULL);
		st->lenv = mem_zalloc((size_t)n * sizeof(*st->lenv), NULL);
		st->fmtv = mem_zalloc((size_t)n * sizeof(*st->fmtv), NULL);
		if (!st->pv || !st->prepv || !st->valv || !st->lenv ||
		    !st->fmtv)
			goto nomem;
		for (i = 0; i < n; i++)
			st->pv[i].isnull = true;
	}

	*sp = &st->base;
	return DB_OK;

nomem:
	mem_deref(st);
	return DB_ENOMEM;
}

static void pg_finalize(struct db_stmt *s)
{
	mem_deref(s);
}

static bool pg_busy(struct db_stmt *s)
{
	return P(s)->res && !P(s)->done;
}

static void pg_reset(struct db_stmt *s)
{
	struct pgstmt *st = P(s);
	int i;

	result_clear(st);
	for (i = 0; i < st->nparam; i++) {
		st->pv[i].isnull = true;
		st->pv[i].type = 0;
	}
}

static int pg_param_count(struct db_stmt *s)
{
	return P(s)->nparam;
}

/* Parameter i (from 1) to bind, or NULL if s has none such. */
static struct pgparam *param(struct db_stmt *s, int i)
{
	struct pgstmt *st = P(s);

	if (i < 1 || i > st->nparam)
		return NULL;
	return &st->pv[i - 1];
}

static void pg_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	struct pgparam *p = param(s, i);

	if (!p)
		return;
	p->num = htobe64((uint64_t)v);
	p->type = OID_INT8;
	p->isnull = false;
}

static void pg_bind_double(struct db_stmt *s, int i, double v)
{
	struct pgparam *p = param(s, i);
	uint64_t u;

	if (!p)
		return;
	memcpy(&u, &v, sizeof(u));
	p->num = htobe64(u);
	p->type = OID_FLOAT8;
	p->isnull = false;
}

/* Text goes in text format, which libpq reads up to a NUL: a copy. */
static void pg_bind_text(struct db_stmt *s, int i, const char *str, size_t len)
{
	struct pgparam *p = param(s, i);

	if (!p)
		return;
	if (!str)
		len = 0;
	if (len + 1 > p->bufsz) {
		char *b = p->buf ? mem_realloc(p->buf, len + 1)
				 : mem_alloc(len + 1, NULL);

		if (!b) { /* the run fails: a NULL where text was meant */
			p->isnull = true;
			p->type = 0;
			return;
		}
		p->buf = b;
		p->bufsz = len + 1;
	}
	if (len)
		memcpy(p->buf, str, len);
	p->buf[len] = '\0';
	p->type = 0; /* unknown: the server takes it as the SQL needs */
	p->isnull = false;
}

/* A blob goes in binary format, not copied; NULL p: an empty blob. */
static void pg_bind_blob(struct db_stmt *s, int i, const void *ptr, size_t len)
{
	struct pgparam *p = param(s, i);

	if (!p)
		return;
	if (len > INT32_MAX)
		len = INT32_MAX;
	p->blob = ptr ? ptr : "";
	p->blen = ptr ? len : 0;
	p->type = OID_BYTEA;
	p->isnull = false;
}

static void pg_bind_null(struct db_stmt *s, int i)
{
	struct pgparam *p = param(s, i);

	if (!p)
		return;
	p->isnull = true;
	p->type = 0;
}

/* The arguments of one run from the bound values. */
static void args(struct pgstmt *st)
{
	int i;

	for (i = 0; i < st->nparam; i++) {
		struct pgparam *p = &st->pv[i];

		st->lenv[i] = 0;
		st->fmtv[i] = 0;
		if (p->isnull) {
			st->valv[i] = NULL;
		}
		else if (p->type == OID_INT8 || p->type == OID_FLOAT8) {
			st->valv[i] = (const char *)&p->num;
			st->lenv[i] = 8;
			st->fmtv[i] = 1;
		}
		else if (p->type == OID_BYTEA) {
			st->valv[i] = p->blob;
			st->lenv[i] = (int)p->blen;
			st->fmtv[i] = 1;
		}
		else {
			st->valv[i] = p->buf;
		}
	}
}

/* A type the server could not infer: worth one more try as text. */
static bool untyped_error(const char *state)
{
	return state && (!strcmp(state, "42P08") || !strcmp(state, "42P18") ||
			 !strcmp(state, "42725") || !strcmp(state, "42883"));
}

/*
 * Prepare st (named for a persistent statement, else unnamed) with the
 * types typev[] (0: the server infers); on an untyped parameter's error,
 * once more with text for every 0.  Inside a transaction the first try
 * runs under a savepoint when it has an untyped parameter.
 */
static int prepare(struct pgstmt *st, Oid *typev)
{
	struct pgdb *db = st->db;
	bool untyped = false, sp = false;
	const char *state;
	PGresult *res;
	int i, rc;

	for (i = 0; i < st->nparam; i++)
		untyped |= !typev[i];

	if (st->persistent && st->name[0] && st->gen == db->gen) {
		char q[NAMESZ + 16];

		re_snprintf(q, sizeof(q), "DEALLOCATE %s", st->name);
		rc = db_pg_exec(db, q);
		if (rc != DB_OK)
			return rc;
	}
	st->name[0] = '\0';
	if (st->persistent)
		re_snprintf(st->name, sizeof(st->name), "sb%u", ++db->seq);

	if (untyped && PQtransactionStatus(db->conn) == PQTRANS_INTRANS) {
		rc = db_pg_exec(db, "SAVEPOINT store_prepare");
		if (rc != DB_OK)
			return rc;
		sp = true;
	}

	res = PQprepare(db->conn, st->name, st->sql, st->nparam, typev);
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (PQresultStatus(res) == PGRES_FATAL_ERROR && untyped &&
	    untyped_error(state)) {
		PQclear(res);
		if (sp) {
			rc = db_pg_exec(db,
					"ROLLBACK TO SAVEPOINT store_prepare");
			if (rc != DB_OK)
				return rc;
		}
		for (i = 0; i < st->nparam; i++) {
			if (!typev[i])
				typev[i] = OID_TEXT;
		}
		res = PQprepare(db->conn, st->name, st->sql, st->nparam, typev);
	}
	rc = db_pg_result(db, res, false);
	if (sp && rc == DB_OK) {
		rc = db_pg_exec(db, "RELEASE SAVEPOINT store_prepare");
	}
	else if (sp && PQstatus(db->conn) == CONNECTION_OK) {
		/* back to before the try, and the savepoint gone: the
		 * transaction is as it was, its error this statement's */
		char err[DB_PG_ERRSZ];

		str_copy(err, db->err, sizeof(err));
		if (db_pg_exec(db, "ROLLBACK TO SAVEPOINT store_prepare") ==
		    DB_OK)
			(void)db_pg_exec(db, "RELEASE SAVEPOINT store_prepare");
		db_pg_set_err(db, err);
	}
	if (rc != DB_OK) {
		st->name[0] = '\0';
		return rc;
	}

	if (st->nparam)
		memcpy(st->prepv, typev, (size_t)st->nparam * sizeof(*typev));
	st->gen = db->gen;
	return DB_OK;
}

/* Run st with its bound values: its result in st->res. */
static int run(struct pgstmt *st)
{
	struct pgdb *db = st->db;
	Oid typev[st->nparam ? st->nparam : 1];
	bool again = !st->persistent || !st->name[0] || st->gen != db->gen;
	PGresult *res;
	int i, rc;

	if (!db_pg_thread_ok(db))
		return DB_EIO;
	if (db->tx_lost) {
		db_pg_set_err(db,
			      "the connection was lost in this transaction");
		return DB_EIO;
	}

	/* a NULL fits any type; a type differing from the prepared one (or
	 * one the server inferred) needs the statement prepared again */
	for (i = 0; i < st->nparam; i++) {
		const struct pgparam *p = &st->pv[i];

		typev[i] = p->isnull ? 0 : p->type;
		if (!again && typev[i] && typev[i] != st->prepv[i])
			again = true;
	}
	if (again) {
		if (st->persistent && st->gen == db->gen) {
			for (i = 0; i < st->nparam; i++) {
				if (!typev[i] && (st->pv[i].isnull ||
						  st->prepv[i] == OID_TEXT))
					typev[i] = st->prepv[i];
			}
		}
		rc = prepare(st, typev);
		if (rc != DB_OK)
			return rc;
	}

	args(st);
	res = PQexecPrepared(db->conn, st->name, st->nparam, st->valv, st->lenv,
			     st->fmtv, 0);
	rc = db_pg_result(db, res, true);
	if (rc != DB_OK)
		return rc;

	st->res = res;
	st->nrows = PQntuples(res);
	st->row = -1;
	return DB_OK;
}

static int pg_step(struct db_stmt *s)
{
	struct pgstmt *st = P(s);
	int rc, i, n;

	if (st->done) /* SQLite runs a statement again after DB_DONE */
		result_clear(st);

	if (!st->res) {
		rc = run(st);
		if (rc != DB_OK)
			return rc;
	}

	/* the blobs of the row before */
	if (st->blobv) {
		n = PQnfields(st->res);
		for (i = 0; i < n; i++) {
			free(st->blobv[i]);
			st->blobv[i] = NULL;
		}
	}

	if (st->row + 1 < st->nrows) {
		++st->row;
		return DB_ROW;
	}

	st->row = st->nrows;
	st->done = true;
	return DB_DONE;
}

static int64_t pg_changes(struct db_stmt *s)
{
	const char *n = P(s)->res ? PQcmdTuples(P(s)->res) : "";

	return *n ? strtoll(n, NULL, 10) : 0;
}

static bool pg_writes(struct db_stmt *s)
{
	return P(s)->writes;
}

static int pg_column_count(struct db_stmt *s)
{
	return P(s)->res ? PQnfields(P(s)->res) : 0;
}

static const char *pg_column_name(struct db_stmt *s, int i)
{
	return P(s)->res ? PQfname(P(s)->res, i) : NULL;
}

/* The text of column i of the current row, NULL for a NULL or none. */
static const char *value(struct pgstmt *st, int i, Oid *typep)
{
	if (!st->res || st->row < 0 || st->row >= st->nrows || i < 0 ||
	    i >= PQnfields(st->res) || PQgetisnull(st->res, st->row, i))
		return NULL;
	if (typep)
		*typep = PQftype(st->res, i);
	return PQgetvalue(st->res, st->row, i);
}

static bool pg_column_isnull(struct db_stmt *s, int i)
{
	return value(P(s), i, NULL) == NULL;
}

static enum db_type pg_column_type(struct db_stmt *s, int i)
{
	Oid type = 0;
	const char *v = value(P(s), i, &type);

	if (!v)
		return DB_NULL;

	switch (type) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return DB_INT;

	case OID_FLOAT4:
	case OID_FLOAT8:
		return DB_FLOAT;

	case OID_NUMERIC:
		return strpbrk(v, ".eEN") ? DB_FLOAT : DB_INT;

	case OID_BYTEA:
		return DB_BLOB;

	default:
		return DB_TEXT;
	}
}

/* A double as int64 the way SQLite casts a REAL (clamped, NaN is 0). */
static int64_t double_int64(double d)
{
	if (d != d)
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

static int64_t pg_column_int64(struct db_stmt *s, int i)
{
	Oid type = 0;
	const char *v = value(P(s), i, &type);
	char *end;
	long long x;

	if (!v)
		return 0;
	if (type == OID_BOOL)
		return v[0] == 't';

	x = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E' || end == v)
		return double_int64(strtod(v, NULL));
	return x;
}

static double pg_column_double(struct db_stmt *s, int i)
{
	Oid type = 0;
	const char *v = value(P(s), i, &type);

	if (!v)
		return 0.0;
	if (type == OID_BOOL)
		return v[0] == 't' ? 1.0 : 0.0;
	return strtod(v, NULL);
}

/* Column i of the current row unescaped (bytea), kept until the next
 * step; NULL on a NULL or out of memory. */
static const unsigned char *blob(struct pgstmt *st, int i, const char *v,
				 size_t *lenp)
{
	int n = PQnfields(st->res);

	if (!st->blobv) {
		st->blobv = mem_zalloc((size_t)n * sizeof(*st->blobv), NULL);
		st->blenv = mem_zalloc((size_t)n * sizeof(*st->blenv), NULL);
		if (!st->blobv || !st->blenv) {
			st->blobv = mem_deref(st->blobv);
			st->blenv = mem_deref(st->blenv);
			return NULL;
		}
	}
	if (!st->blobv[i]) {
		unsigned char *b;
		size_t len = 0;

		b = PQunescapeBytea((const unsigned char *)v, &len);
		if (!b)
			return NULL;
		/* room for a NUL, for db_column_text() of a blob */
		st->blobv[i] = malloc(len + 1);
		if (!st->blobv[i]) {
			PQfreemem(b);
			return NULL;
		}
		memcpy(st->blobv[i], b, len);
		st->blobv[i][len] = '\0';
		st->blenv[i] = len;
		PQfreemem(b);
	}
	if (lenp)
		*lenp = st->blenv[i];
	return st->blobv[i];
}

static const char *pg_column_text(struct db_stmt *s, int i)
{
	Oid type = 0;
	const char *v = value(P(s), i, &type);

	if (!v)
		return NULL;
	if (type == OID_BOOL)
		return v[0] == 't' ? "1" : "0";
	if (type == OID_BYTEA)
		return (const char *)blob(P(s), i, v, NULL);
	return v;
}

static const void *pg_column_blob(struct db_stmt *s, int i, size_t *lenp)
{
	Oid type = 0;
	const char *v = value(P(s), i, &type);

	if (lenp)
		*lenp = 0;
	if (!v)
		return NULL;
	if (type == OID_BYTEA)
		return blob(P(s), i, v, lenp);
	if (lenp)
		*lenp = strlen(v);
	return v;
}

const struct db_driver db_pg_driver = {
    .name = "postgresql",
    .errmsg = db_pg_errmsg,
    .tx = db_pg_tx,
    .in_tx = db_pg_in_tx,
    .release_memory = db_pg_release_memory,
    .exec = db_pg_exec_sql,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .busy = pg_busy,
    .reset = pg_reset,
    .param_count = pg_param_count,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .changes = pg_changes,
    .writes = pg_writes,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .column_type = pg_column_type,
    .column_isnull = pg_column_isnull,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
};
