/*
 * backup.c - switchboard-ctl backup FILE: starts the server's online
 * backup (POST /api/v1/backup), waits until it is done (GET, every
 * POLL_MS), then packs the backup's directory into the one archive FILE
 * with libarchive: tar (pax), compressed as FILE's name says (.tar.gz,
 * .tgz, .tar.xz, .tar.zst, ...; anything else is a plain tar).  Its
 * members are <name>/switchboard.db, <name>/voicemail/...,
 * <name>/uploads/..., the files the server's answer lists, <name> the
 * backup's UTC time.  The archive is written to FILE.part and renamed
 * when complete, so FILE is never half written.
 *
 * The backup directory is read where this machine sees it:
 * <data-dir>/backups/<name> (the data directory of the token), else the
 * directory the server named.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include "ctl/ctl.h"

enum {
	POLL_MS = 200,
	WAIT_S = 3600, /* a backup may take this long at most */
	PATHSZ = 1024,
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	(void)nanosleep(&ts, NULL);
}

static bool is_dir(const char *path)
{
	struct stat sb;

	return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

/* One file into the archive as member name. */
static int member_add(struct archive *a, const char *src, const char *name,
		      int64_t *bytes)
{
	struct archive_entry *e;
	char buf[65536];
	struct stat sb;
	ssize_t n;
	int fd, err = 0;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctl_err(CTL_OTHER, "backup: %s: %s", src,
			       strerror(errno));
	if (fstat(fd, &sb)) {
		close(fd);
		return ctl_err(CTL_OTHER, "backup: %s: %s", src,
			       strerror(errno));
	}
	e = archive_entry_new();
	if (!e) {
		close(fd);
		return ctl_err(CTL_OTHER, "out of memory");
	}
	archive_entry_copy_stat(e, &sb);
	archive_entry_set_pathname(e, name);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		err = ctl_err(CTL_OTHER, "backup: %s", archive_error_string(a));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (archive_write_data(a, buf, (size_t)n) != n) {
			err = ctl_err(CTL_OTHER, "backup: %s",
				      archive_error_string(a));
			goto out;
		}
		*bytes += n;
	}
	if (n < 0)
		err =
		    ctl_err(CTL_OTHER, "backup: %s: %s", src, strerror(errno));
out:
	archive_entry_free(e);
	close(fd);
	return err;
}

/* The files of the finished backup o, read from dir, into file. */
static int archive_make(const struct ctl *c, const struct odict *o,
			const char *dir, const char *file)
{
	const struct odict_entry *files = odict_lookup(o, "files");
	const char *name = ctl_str(o, "name");
	char part[PATHSZ], src[PATHSZ], member[PATHSZ];
	int64_t bytes = 0;
	unsigned count = 0;
	struct archive *a;
	struct le *le;
	int err = 0;

	if (!files || files->type != ODICT_ARRAY)
		return ctl_err(CTL_OTHER, "backup: the answer lists no files");
	re_snprintf(part, sizeof(part), "%s.part", file);
	a = archive_write_new();
	if (!a)
		return ctl_err(CTL_OTHER, "out of memory");
	if (archive_write_set_format_filter_by_ext_def(a, file, ".tar") !=
		ARCHIVE_OK ||
	    archive_write_open_filename(a, part) != ARCHIVE_OK) {
		err = ctl_err(CTL_OTHER, "backup: %s: %s", file,
			      archive_error_string(a));
		archive_write_free(a);
		return err;
	}
	for (le = files->u.odict->lst.head; le && !err; le = le->next) {
		const struct odict_entry *e = le->data;
		const char *path;

		if (e->type != ODICT_OBJECT)
			continue;
		path = ctl_str(e->u.odict, "path");
		if (!path[0] || strstr(path, "..")) {
			err = ctl_err(CTL_OTHER, "backup: bad path '%s'", path);
			break;
		}
		re_snprintf(src, sizeof(src), "%s/%s", dir, path);
		re_snprintf(member, sizeof(member), "%s/%s", name, path);
		err = member_add(a, src, member, &bytes);
		count++;
	}
	if (archive_write_close(a) != ARCHIVE_OK && !err)
		err = ctl_err(CTL_OTHER, "backup: %s: %s", file,
			      archive_error_string(a));
	archive_write_free(a);
	if (!err && rename(part, file))
		err =
		    ctl_err(CTL_OTHER, "backup: %s: %s", file, strerror(errno));
	if (err) {
		(void)unlink(part);
		return err;
	}
	if (!c->json)
		printf("backup %s: %u files, %lld bytes written to %s\n", name,
		       count, (long long)bytes, file);
	return 0;
}

int ctl_backup(const struct ctl *c, int argc, char *argv[])
{
	struct ctl_resp r;
	char name[64], dir[PATHSZ];
	const char *state;
	time_t deadline;
	int code;

	if (argc != 2 || !argv[1][0])
		return ctl_err(CTL_USAGE, "backup: usage: backup FILE");
	code = ctl_request(c, "POST", "/api/v1/backup", "{}", &r);
	if (code)
		goto out;
	re_snprintf(name, sizeof(name), "%s", ctl_str(r.o, "name"));
	deadline = time(NULL) + WAIT_S;
	for (;;) {
		state = ctl_str(r.o, "state");
		if (strcmp(state, "running"))
			break;
		if (time(NULL) > deadline) {
			code = ctl_err(CTL_OTHER,
				       "backup %s: still running "
				       "after %u s",
				       name, WAIT_S);
			goto out;
		}
		sleep_ms(POLL_MS);
		ctl_resp_reset(&r);
		code = ctl_request(c, "GET", "/api/v1/backup", NULL, &r);
		if (code)
			goto out;
		if (strcmp(ctl_str(r.o, "name"), name)) {
			code = ctl_err(CTL_OTHER,
				       "backup %s: another backup "
				       "started meanwhile",
				       name);
			goto out;
		}
	}
	if (strcmp(state, "done")) {
		code = ctl_err(
		    CTL_OTHER, "backup %s %s on the server: %s", name, state,
		    ctl_str(r.o, "reason")[0] ? ctl_str(r.o, "reason")
					      : "its log says why");
		goto out;
	}
	re_snprintf(dir, sizeof(dir), "%s/backups/%s", c->data_dir, name);
	if (!c->data_dir[0] || !is_dir(dir))
		re_snprintf(dir, sizeof(dir), "%s", ctl_str(r.o, "dir"));
	if (!is_dir(dir)) {
		code = ctl_err(CTL_OTHER,
			       "backup %s is done in %s on the "
			       "server, which this machine cannot "
			       "read (--data-dir?)",
			       name, ctl_str(r.o, "dir"));
		goto out;
	}
	code = archive_make(c, r.o, dir, argv[1]);
	if (!code && c->json)
		ctl_print_raw(&r);
out:
	ctl_resp_reset(&r);
	return code;
}
