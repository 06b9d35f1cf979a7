/*
 * api_backup.c - an online backup of the node's data (issue 20, data
 * safety), while calls go on:
 *
 *   POST /api/v1/backup   start one (operator), body {}: 202 with its
 *                         state, 409 while another runs
 *   GET  /api/v1/backup   the state of the last one (404: none yet)
 *
 * Into <data-dir>/backups/<UTC time>/ go
 *   switchboard.db   the database, by SQLite's backup API
 *                    (store_backup_*), PAGES pages per timer tick
 *   switchboard.dump or, on PostgreSQL, pg_dump's copy (custom format),
 *                    made by the child process while a timer asks every
 *                    WAIT_TICK whether it has ended
 *   voicemail/...    the voicemail messages (--spool-dir)
 *   uploads/...      the uploaded prompts (<prompts-dir>/uploads)
 * then one audio file per tick, so the event loop is never held for
 * long.  The answer names each file with its size, and the schema
 * version of the copy.  Restore (README): stop the server, copy the
 * three back (on PostgreSQL: pg_restore the dump), start.
 *
 * A backup that fails (a file that cannot be written, SQLite answering
 * BUSY for BUSY_LIMIT in a row: another process holds a lock on the
 * database or on the copy; pg_dump ending with an error: the first line
 * of its stderr is the reason) removes its directory and says "failed"
 * with the reason.  After one that succeeded, the oldest directories under
 * <data-dir>/backups whose names are a backup's (name_is_backup()) are
 * removed beyond --backup-keep; anything else there is left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "http/http_int.h"

enum {
	PAGES = 64,         /* database pages per tick (4 KiB each)  */
	TICK = 2,           /* [ms] between ticks                    */
	BUSY_TICK = 100,    /* [ms] between steps while SQLite is busy */
	BUSY_LIMIT = 10000, /* [ms] busy in a row: the backup fails  */
	WAIT_TICK = 50,     /* [ms] between asks whether pg_dump ended */
	PATHSZ = 512,
	NAME_LEN = 20, /* 20261207T081500.123Z                  */
};

enum state { B_RUNNING, B_DONE, B_FAILED };

static const char *const state_names[] = {"running", "done", "failed"};

/* One file of the backup: to copy (queue) or copied (files). */
struct bfile {
	struct le le;
	char rel[PATHSZ]; /* path inside the backup directory */
	char src[PATHSZ]; /* where it comes from              */
	int64_t size;     /* [bytes] once copied              */
};

struct api_backup {
	struct http_api *api;     /* (weak) owns us                     */
	struct store_backup *sbk; /* the database copy under way, or NULL */
	struct tmr tmr;
	enum state state;
	char name[32];    /* the UTC time, also the directory's name */
	char dir[PATHSZ]; /* the backup directory                    */
	char reason[192]; /* why it failed, "" otherwise             */
	uint64_t started_at, finished_at;
	uint64_t busy_since; /* [ms] SQLite busy since, 0 = not busy */
	int schema_version;
	struct list queue; /* struct bfile, still to copy */
	struct list files; /* struct bfile, copied        */
};

static void backup_destructor(void *arg)
{
	struct api_backup *b = arg;

	tmr_cancel(&b->tmr);
	b->sbk = mem_deref(b->sbk);
	list_flush(&b->queue);
	list_flush(&b->files);
}

static void bfile_destructor(void *arg)
{
	struct bfile *f = arg;

	list_unlink(&f->le);
}

static int bfile_add(struct list *l, const char *rel, const char *src)
{
	struct bfile *f = mem_zalloc(sizeof(*f), bfile_destructor);

	if (!f)
		return ENOMEM;
	str_copy(f->rel, rel, sizeof(f->rel));
	str_copy(f->src, src, sizeof(f->src));
	list_append(l, &f->le, f);
	return 0;
}

/* Queue the regular files under dir (recursively) as rel/... */
static int collect(struct list *l, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : errno;
	while (!err && (e = readdir(d))) {
		char src[PATHSZ], sub[PATHSZ];
		struct stat sb;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (re_snprintf(src, sizeof(src), "%s/%s", dir, e->d_name) <
			0 ||
		    re_snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) <
			0) {
			err = ENAMETOOLONG;
			break;
		}
		if (lstat(src, &sb))
			continue; /* gone meanwhile */
		if (S_ISDIR(sb.st_mode))
			err = collect(l, src, sub);
		else if (S_ISREG(sb.st_mode))
			err = bfile_add(l, sub, src);
	}
	closedir(d);
	return err;
}

/* Copy src to the new file dst, synced; its size in *sizep. */
static int copy_file(const char *src, const char *dst, int64_t *sizep)
{
	char buf[65536];
	int in, out, err = 0;
	int64_t size = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (out < 0) {
		err = errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			err = errno ? errno : EIO;
			break;
		}
		size += n;
	}
	if (n < 0)
		err = errno;
	if (!err && fsync(out))
		err = errno;
	if (close(out) && !err)
		err = errno;
	close(in);
	if (!err)
		*sizep = size;
	return err;
}

/* "20261207T081500.123Z": the name name_of() gives a backup. */
static bool name_is_backup(const char *s)
{
	static const char form[] = "ddddddddTdddddd.dddZ"; /* d: a digit */
	size_t i;

	if (strlen(s) != NAME_LEN)
		return false;
	for (i = 0; i < NAME_LEN; i++) {
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9')
				   : s[i] != form[i])
			return false;
	}
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a); /* newest first */
}

/* Remove the oldest backup directories under dir beyond keep (0: none
 * removed).  Only directories named as a backup: what an operator put
 * there by another name stays.  Of more than ARRAY_SIZE(namev) some are
 * not seen this time; one is removed only when keep newer ones were seen,
 * so the newest keep are never among them (the rest goes next time). */
static void prune(const char *dir, uint32_t keep)
{
	char *namev[256];
	size_t namec = 0, i;
	struct dirent *e;
	DIR *d;

	if (!keep)
		return;
	d = opendir(dir);
	if (!d) {
		warning("http: backups: %s: %m\n", dir, errno);
		return;
	}
	while ((e = readdir(d)) && namec < ARRAY_SIZE(namev)) {
		char path[PATHSZ];
		struct stat sb;

		if (!name_is_backup(e->d_name))
			continue;
		re_snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) || !S_ISDIR(sb.st_mode))
			continue;
		namev[namec] = strdup(e->d_name);
		if (namev[namec])
			++namec;
	}
	closedir(d);
	qsort(namev, namec, sizeof(namev[0]), name_cmp);
	for (i = 0; i < namec; i++) {
		char path[PATHSZ];
		int err;

		if (i >= keep) {
			re_snprintf(path, sizeof(path), "%s/%s", dir, namev[i]);
			err = dir_remove(path);
			if (err)
				warning("http: backups: cannot remove %s: %m\n",
					path, err);
			else
				info("http: backups: %s removed (--backup-keep "
				     "%u)\n",
				     path, keep);
		}
		free(namev[i]);
	}
}

/* The end of backup b: done (the old ones pruned) or failed (its
 * directory removed; why: the reason, or NULL for err's text). */
static void finish(struct api_backup *b, enum state s, int err, const char *why)
{
	char dir[PATHSZ];
	int e;

	b->state = s;
	b->finished_at = time_now_ms();
	b->sbk = mem_deref(b->sbk); /* the copy's file closed first */
	list_flush(&b->queue);
	if (s == B_DONE) {
		info("http: backup %s: %u files, schema %d\n", b->dir,
		     list_count(&b->files), b->schema_version);
		re_snprintf(dir, sizeof(dir), "%s/backups",
			    b->api->cfg->data_dir);
		prune(dir, b->api->cfg->backup_keep);
		return;
	}
	if (why)
		str_copy(b->reason, why, sizeof(b->reason));
	else
		re_snprintf(b->reason, sizeof(b->reason), "%m", err);
	list_flush(&b->files);
	e = dir_remove(b->dir);
	warning("http: backup %s failed: %s; %s\n", b->dir, b->reason,
		e ? "its directory could not be removed" : "directory removed");
}

static int copy_next(struct api_backup *b)
{
	struct bfile *f = list_ledata(list_head(&b->queue));
	char dst[PATHSZ], parent[PATHSZ];
	char *slash;
	int err;

	if (re_snprintf(dst, sizeof(dst), "%s/%s", b->dir, f->rel) < 0)
		return ENAMETOOLONG;
	str_copy(parent, dst, sizeof(parent));
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	err = dir_make(parent);
	if (!err)
		err = copy_file(f->src, dst, &f->size);
	if (err == ENOENT) { /* deleted meanwhile: not in the backup */
		mem_deref(f);
		return 0;
	}
	if (err)
		return err;
	list_unlink(&f->le);
	list_append(&b->files, &f->le, f);
	return 0;
}

static void tick(void *arg)
{
	struct api_backup *b = arg;
	bool done = false;
	int err;

	if (b->sbk) {
		err = store_backup_step(b->sbk, PAGES, &done);
		if (err == EAGAIN) { /* pg_dump still runs */
			tmr_start(&b->tmr, WAIT_TICK, tick, b);
			return;
		}
		if (err == EBUSY) {
			uint64_t now = time_now_ms();

			if (!b->busy_since)
				b->busy_since = now;
			if (now - b->busy_since >= BUSY_LIMIT) {
				char why[128];

				re_snprintf(why, sizeof(why),
					    "the database stayed locked for "
					    "%u s (SQLite answered busy)",
					    BUSY_LIMIT / 1000);
				finish(b, B_FAILED, err, why);
				return;
			}
			tmr_start(&b->tmr, BUSY_TICK, tick, b);
			return;
		}
		b->busy_since = 0;
		if (err) {
			char why[192];

			str_copy(why, store_backup_reason(b->sbk), sizeof(why));
			finish(b, B_FAILED, err, why[0] ? why : NULL);
			return;
		}
		if (done) {
			struct bfile *f;
			char path[PATHSZ];
			struct stat sb;

			const char *file = store_backup_file(b->api->st);

			b->sbk = mem_deref(b->sbk);
			re_snprintf(path, sizeof(path), "%s/%s", b->dir, file);
			err = bfile_add(&b->files, file, path);
			if (err || stat(path, &sb)) {
				finish(b, B_FAILED, err ? err : errno, NULL);
				return;
			}
			f = list_ledata(list_tail(&b->files));
			f->size = (int64_t)sb.st_size;
		}
	}
	else if (!list_isempty(&b->queue)) {
		err = copy_next(b);
		if (err) {
			finish(b, B_FAILED, err, NULL);
			return;
		}
	}
	else {
		finish(b, B_DONE, 0, NULL);
		return;
	}
	tmr_start(&b->tmr, TICK, tick, b);
}

static int encode(struct odict **op, const struct api_backup *b)
{
	struct odict *o = NULL, *arr = NULL;
	struct le *le;
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;
	err = api_list_alloc(&arr);
	for (le = list_head(&b->files); le && !err; le = le->next) {
		const struct bfile *f = le->data;
		struct odict *fo = NULL;

		err = odict_alloc(&fo, 4);
		if (err)
			break;
		err = api_add_str(fo, "path", f->rel);
		err |= api_add_int(fo, "size", f->size);
		if (!err)
			err = api_list_append(arr, fo);
		mem_deref(fo);
	}
	if (!err) {
		err = api_add_str(o, "name", b->name);
		err |= api_add_str(o, "dir", b->dir);
		err |= api_add_str(o, "state", state_names[b->state]);
		err |= api_add_str_or_null(o, "reason", b->reason);
		err |= api_add_int(o, "schema_version", b->schema_version);
		err |= api_add_time(o, "started_at", b->started_at);
		err |= api_add_time(o, "finished_at", b->finished_at);
		err |= odict_entry_add(o, "files", ODICT_ARRAY, arr);
	}
	mem_deref(arr);
	if (err)
		mem_deref(o);
	else
		*op = o;
	return err;
}

static int reply(struct api_req *req, uint16_t status)
{
	struct odict *o = NULL;
	int err = encode(&o, req->api->backup);

	return api_reply_encoded(req, status, err, o, 0);
}

/* The directory name of a backup started at ms: 20261207T081500.123Z */
static void name_of(char *buf, size_t sz, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	re_snprintf(buf, sz, "%04d%02d%02dT%02d%02d%02d.%03uZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

static int backup_start(struct api_req *req)
{
	struct http_api *api = req->api;
	const struct config *cfg = api->cfg;
	struct api_backup *b;
	char path[PATHSZ];
	bool nodump = false;
	int err;

	err = api_body_check(req, NULL, 0); /* {}: no options yet */
	if (err)
		return err;
	if (api->backup && api->backup->state == B_RUNNING)
		return api_error(req, 409, "backup: %s is still running",
				 api->backup->name);
	req->audit_tenant = -1;
	b = mem_zalloc(sizeof(*b), backup_destructor);
	if (!b)
		return ENOMEM;
	b->api = api;
	b->state = B_RUNNING;
	b->started_at = req->now;
	b->schema_version = store_schema_version(api->st);
	name_of(b->name, sizeof(b->name), req->now);
	re_snprintf(b->dir, sizeof(b->dir), "%s/backups/%s", cfg->data_dir,
		    b->name);
	tmr_init(&b->tmr);
	if (!access(b->dir, F_OK)) { /* another in the same millisecond */
		err = api_error(req, 409, "backup: %s exists already", b->name);
		mem_deref(b);
		return err;
	}
	err = dir_make(b->dir);
	if (!err) {
		re_snprintf(path, sizeof(path), "%s", cfg->spool_dir);
		err = collect(&b->queue, path, "voicemail");
	}
	if (!err) {
		re_snprintf(path, sizeof(path), "%s/uploads", cfg->prompts_dir);
		err = collect(&b->queue, path, "uploads");
	}
	if (!err) {
		re_snprintf(path, sizeof(path), "%s/%s", b->dir,
			    store_backup_file(api->st));
		err = store_backup_begin(&b->sbk, api->st, path);
		nodump = err == ENOENT; /* pg_dump is missing */
	}
	if (err) {
		(void)dir_remove(b->dir); /* made above, or by nobody */
		mem_deref(b);
		if (nodump)
			return api_error(req, 503,
					 "backup: pg_dump is not installed "
					 "(Debian package postgresql-client)");
		return api_fail(req, err, "backup: %m", err);
	}
	mem_deref(api->backup);
	api->backup = b;
	info("http: backup into %s started (%u audio files)\n", b->dir,
	     list_count(&b->queue));
	tmr_start(&b->tmr, 0, tick, b);
	return reply(req, 202);
}

static int backup_get(struct api_req *req)
{
	if (!req->api->backup)
		return api_error(req, 404, "no backup made since the start");
	return reply(req, 200);
}

static const struct api_action actions[] = {
    {"POST", "", backup_start},
    {"GET", "", backup_get},
};

const struct api_resource api_backup = {
    .path = "/api/v1/backup",
    .noun = "backup",
    .label = "backup",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
