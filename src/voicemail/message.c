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
 */
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

int vm_dir(char *buf, size_t sz, const struct config *cfg, int64_t tenant_id)
{
	int err;

	if (!buf || !cfg || tenant_id <= 0)
		return EINVAL;
	if (re_snprintf(buf, sz, "%s/voicemail", cfg->data_dir) < 0)
		return ENAMETOOLONG;
	err = dir_make(buf);
	if (err)
		return err;
	if (re_snprintf(buf, sz, "%s/voicemail/%lld", cfg->data_dir,
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
	char dir[VM_PATH], rnd[9];
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
	re_snprintf(m->file, sizeof(m->file),
		    "%s/%04u%02u%02u-%02u%02u%02u-%s.wav", dir, lt.year,
		    lt.month, lt.day, lt.hour, lt.minute, lt.second, rnd);

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

/* One file of a tenant directory: removed if it is a leftover. */
static int sweep_file(struct store *st, const char *dir, const char *name,
		      unsigned *np)
{
	struct store_vm_message m;
	char path[VM_PATH];
	size_t n = strlen(name);
	int err;

	if (n < 4 || strcmp(name + n - 4, ".wav"))
		return 0;
	re_snprintf(path, sizeof(path), "%s/%s", dir, name);
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
	char root[VM_PATH], dir[VM_PATH];
	struct dirent *te, *fe;
	DIR *td, *fd;
	unsigned n = 0;
	int err = 0;

	if (np)
		*np = 0;
	if (!cfg || !st)
		return EINVAL;
	re_snprintf(root, sizeof(root), "%s/voicemail", cfg->data_dir);
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
			err = sweep_file(st, dir, fe->d_name, &n);
		closedir(fd);
	}
	closedir(td);
	if (np)
		*np = n;
	return err;
}
