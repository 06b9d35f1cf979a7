/*
 * message.c - a recording becomes a message, durably, before anything
 * reports it:
 *
 *   .rec-<random>.wav   written and fsync'ed by the recorder (call_record)
 *     | rename
 *   <time>-<random>.wav file and directory fsync'ed (file_sync)
 *     | one transaction (store_vm_message_save)
 *   message row + outbox row of its mail, committed
 *     | only then
 *   "message saved" in the log, "saved" to the caller, the mail goes out
 *
 * A kill -9 before the commit leaves a file without a row (or a .rec-
 * file): voicemail_sweep() removes those at the next start, so the
 * directory and the rows agree again; after the commit the message and
 * its mail are both there, and the outbox delivers the mail (at least
 * once).  A mailbox without recipients keeps its messages without mail.
 *
 * The directory is --spool-dir, shared by the nodes of a cluster (NFS):
 * every node plays, serves and mails every message.  So both names carry
 * the writing node's id (.rec-<node>-<random>.wav,
 * <time>-<node>-<random>.wav), and a node's sweep removes at once only
 * its own leftovers (it is not recording now: it is starting); another
 * node's file without a row may be one that node is saving right now,
 * and goes only when it is older than SWEEP_AGE_S (longer than any
 * recording: a node that died for good leaves nothing for ever).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify.h"
#include "voicemail/voicemail.h"
#include "voicemail/voicemail_int.h"

static const char rec_prefix[] = ".rec-";

/* [s] another node's leftover is older than this (max_ms <= 600 s) */
enum { SWEEP_AGE_S = 3600 };

void vm_node_tag(char *buf, size_t sz, const struct config *cfg)
{
	size_t i = 0;

	if (!buf || !sz)
		return;
	for (const char *s = cfg ? cfg->node_id : ""; *s && i + 1 < sz; ++s)
		buf[i++] = (isalnum((unsigned char)*s) || *s == '_') ? *s : '_';
	if (!i && sz > 1)
		buf[i++] = '_';
	buf[i] = '\0';
}

int vm_dir(char *buf, size_t sz, const struct config *cfg, int64_t tenant_id)
{
	int err;

	if (!buf || !cfg || tenant_id <= 0)
		return EINVAL;
	if (re_snprintf(buf, sz, "%s", cfg->spool_dir) < 0)
		return ENAMETOOLONG;
	err = dir_make(buf);
	if (err)
		return err;
	if (re_snprintf(buf, sz, "%s/%lld", cfg->spool_dir,
			(long long)tenant_id) < 0)
		return ENAMETOOLONG;
	return dir_make(buf);
}

/* Whom the mail of a message on mb goes to: the mailbox's recipients,
 * for an employee's mailbox without any the employee's address. */
static void recipients(struct store *st, const struct store_mailbox *mb,
		       char *to, size_t sz)
{
	struct store_employee e;

	str_copy(to, mb->email_to, sz);
	if (to[0] || !mb->employee_id)
		return;
	if (!store_employee_get(st, mb->employee_id, &e))
		str_copy(to, e.email, sz);
}

/* The outbox row of message m's mail into *o; ENODATA if none is due. */
static int mail_row(const struct config *cfg, struct store *st,
		    const struct vm_recorded *r,
		    const struct store_vm_message *m, struct store_outbox *o)
{
	struct vm_mail_text *t;
	struct store_outbox_file f;
	struct notify_mail nm;
	char to[512];
	int err;

	recipients(st, r->mb, to, sizeof(to));
	if (!to[0])
		return ENODATA;
	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;
	vm_mail_text(t, r->lang, r->mb, m);
	memset(&f, 0, sizeof(f));
	str_copy(f.path, m->file, sizeof(f.path));
	str_copy(f.name, t->file_name, sizeof(f.name));
	str_copy(f.type, "audio/wav", sizeof(f.type));
	memset(&nm, 0, sizeof(nm));
	nm.tenant_id = r->mb->tenant_id;
	nm.to = to;
	nm.cc = r->mb->email_cc;
	nm.subject = t->subject;
	nm.body = t->body;
	nm.filev = &f;
	nm.filec = r->mb->attach ? 1 : 0;
	err = notify_mail_row(cfg, &nm, o);
	mem_deref(t);
	return err;
}

int vm_message_save(const struct config *cfg, struct store *st,
		    const struct vm_recorded *r, struct store_vm_message *m)
{
	struct store_outbox *o = NULL;
	struct time_local lt;
	char dir[VM_PATH], rnd[9], tag[64];
	const char *slash;
	bool with_mail;
	int err;

	if (!cfg || !st || !r || !r->mb || !r->tmp || !m)
		return EINVAL;
	slash = strrchr(r->tmp, '/');
	if (!slash || (size_t)(slash - r->tmp) >= sizeof(dir))
		return EINVAL;
	str_copy(dir, r->tmp, (size_t)(slash - r->tmp) + 1);

	memset(m, 0, sizeof(*m));
	m->mailbox_id = r->mb->id;
	m->tenant_id = r->mb->tenant_id;
	str_copy(m->caller, r->caller, sizeof(m->caller));
	str_copy(m->caller_name, r->caller_name, sizeof(m->caller_name));
	m->started_at = r->started_at;
	m->duration_ms = r->ms;
	time_berlin(r->started_at, &lt);
	str_random_hex(rnd, 4);
	vm_node_tag(tag, sizeof(tag), cfg);
	re_snprintf(m->file, sizeof(m->file),
		    "%s/%04u%02u%02u-%02u%02u%02u-%s-%s.wav", dir, lt.year,
		    lt.month, lt.day, lt.hour, lt.minute, lt.second, tag, rnd);

	if (rename(r->tmp, m->file)) {
		err = errno;
		warning("voicemail: %s -> %s: %m\n", r->tmp, m->file, err);
		(void)unlink(r->tmp);
		return err;
	}
	err = file_sync(m->file);
	if (err) {
		warning("voicemail: sync %s: %m\n", m->file, err);
		goto out;
	}

	o = mem_zalloc(sizeof(*o), NULL);
	if (!o) {
		err = ENOMEM;
		goto out;
	}
	err = mail_row(cfg, st, r, m, o);
	with_mail = !err;
	if (err == ENODATA)
		info("voicemail: mailbox %lld has no recipients: no mail\n",
		     (long long)r->mb->id);
	else if (err == ENOMEM)
		goto out;
	else if (err)
		warning("voicemail: mailbox %lld: no mail to '%s': %m\n",
			(long long)r->mb->id, r->mb->email_to, err);

	err = store_vm_message_save(st, m, with_mail ? o : NULL);
	if (err) {
		warning("voicemail: mailbox %lld: message %s not saved: %m\n",
			(long long)r->mb->id, m->file, err);
		goto out;
	}
	info("voicemail: message %lld saved: mailbox %lld, from %s, %u ms, "
	     "%s, mail %lld\n",
	     (long long)m->id, (long long)m->mailbox_id,
	     m->caller[0] ? m->caller : "unknown", m->duration_ms, m->file,
	     (long long)m->outbox_id);

out:
	if (err)
		(void)unlink(m->file);
	mem_deref(o);
	return err;
}

/* Whether name (.rec-<tag>-… or YYYYMMDD-HHMMSS-<tag>-…) is this
 * node's. */
static bool own_file(const char *name, const char *tag)
{
	size_t rl = sizeof(rec_prefix) - 1, tl = strlen(tag);
	const char *p = name + (strncmp(name, rec_prefix, rl) ? 16 : rl);

	if (strlen(name) < (size_t)(p - name) + tl + 1)
		return false;
	return !strncmp(p, tag, tl) && p[tl] == '-';
}

/* Whether path was last changed more than SWEEP_AGE_S ago. */
static bool old_file(const char *path, int64_t now_s)
{
	struct stat sb;

	return !stat(path, &sb) && now_s - (int64_t)sb.st_mtime > SWEEP_AGE_S;
}

/* One file of a tenant directory: removed if it is a leftover of this
 * node, or an old one of another. */
static int sweep_file(struct store *st, const char *dir, const char *name,
		      const char *tag, unsigned *np)
{
	struct store_vm_message m;
	char path[VM_PATH];
	size_t n = strlen(name);
	int err;

	if (n < 4 || strcmp(name + n - 4, ".wav"))
		return 0;
	re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!own_file(name, tag) &&
	    !old_file(path, (int64_t)(time_now_ms() / 1000)))
		return 0; /* maybe being saved by another node */
	if (strncmp(name, rec_prefix, sizeof(rec_prefix) - 1)) {
		err = store_vm_message_by_file(st, path, &m);
		if (err != ENOENT)
			return err; /* 0: a message's file */
	}
	if (unlink(path))
		return 0;
	info("voicemail: removed %s (no message row)\n", path);
	++*np;
	return 0;
}

int voicemail_sweep(const struct config *cfg, struct store *st, unsigned *np)
{
	char root[VM_PATH], dir[VM_PATH], tag[64];
	struct dirent *te, *fe;
	DIR *td, *fd;
	unsigned n = 0;
	int err = 0;

	if (np)
		*np = 0;
	if (!cfg || !st)
		return EINVAL;
	re_snprintf(root, sizeof(root), "%s", cfg->spool_dir);
	vm_node_tag(tag, sizeof(tag), cfg);
	td = opendir(root);
	if (!td)
		return 0; /* no message yet */
	while (!err && (te = readdir(td))) {
		if (te->d_name[0] == '.')
			continue;
		re_snprintf(dir, sizeof(dir), "%s/%s", root, te->d_name);
		fd = opendir(dir);
		if (!fd)
			continue;
		while (!err && (fe = readdir(fd)))
			err = sweep_file(st, dir, fe->d_name, tag, &n);
		closedir(fd);
	}
	closedir(td);
	if (np)
		*np = n;
	return err;
}
