/*
 * sqlite_voicemail.c - mailboxes and their messages in the SQLite store.
 *
 * A mailbox is a target like a menu (numbers, schedules and keys route to
 * it as "voicemail"); its owner (an employee, at most one mailbox each)
 * and its time control (a schedule) are foreign keys, so neither can be
 * deleted under it.  A mailbox that something routes to, or that holds
 * messages, cannot be deleted (EBUSY, ENOTEMPTY).
 *
 * A message is saved together with the mail that reports it: the outbox
 * row (store_outbox_add(), a savepoint here) and the message row that
 * names it are one transaction, so a kill -9 leaves both or neither.  The
 * WAV file is in place (renamed, synced) before that transaction starts;
 * a file without a row is what a kill between the two leaves, and the
 * voicemail application removes such files when it starts
 * (store_vm_message_by_file()).
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

#define MBOX_SELECT                                                            \
	"SELECT id, tenant_id, name, employee_id, active, greeting,"           \
	" email_to, email_cc, attach, min_ms, max_ms, silence_ms, at_once,"    \
	" no_answer_s, on_busy, on_unreachable, schedule_id,"                  \
	" schedule_state, created_at FROM mailboxes"

#define VMSG_SELECT                                                            \
	"SELECT id, mailbox_id, tenant_id, caller, caller_name, started_at,"   \
	" duration_ms, file, heard, outbox_id, created_at FROM vm_messages"

static const struct store_sql sql[] = {
    {S_MBOX_TENANT, "mailbox tenant",
     "SELECT tenant_id FROM mailboxes WHERE id = ?1"},
    {S_MBOX_ADD, "mailbox add",
     "INSERT INTO mailboxes (tenant_id, name, employee_id, active,"
     " greeting, email_to, email_cc, attach, min_ms, max_ms, silence_ms,"
     " at_once, no_answer_s, on_busy, on_unreachable, schedule_id,"
     " schedule_state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
     " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING id"},
    {S_MBOX_GET, "mailbox get", MBOX_SELECT " WHERE id = ?1"},
    {S_MBOX_BY_EMP, "mailbox get", MBOX_SELECT " WHERE employee_id = ?1"},
    {S_MBOX_UPDATE, "mailbox update",
     "UPDATE mailboxes SET name = ?2, active = ?3, greeting = ?4,"
     " email_to = ?5, email_cc = ?6, attach = ?7, min_ms = ?8,"
     " max_ms = ?9, silence_ms = ?10, at_once = ?11, no_answer_s = ?12,"
     " on_busy = ?13, on_unreachable = ?14, schedule_id = ?15,"
     " schedule_state = ?16 WHERE id = ?1"},
    {S_MBOX_INUSE, "mailbox delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM route_refs WHERE type = ?2"
     " AND id = ?1) AS INTEGER)"},
    {S_MBOX_MSGS, "mailbox delete",
     "SELECT CAST(EXISTS (SELECT 1 FROM vm_messages WHERE mailbox_id = ?1) AS "
     "INTEGER)"},
    {S_MBOX_DELETE, "mailbox delete", "DELETE FROM mailboxes WHERE id = ?1"},
    {S_MBOX_LIST, "mailbox list",
     MBOX_SELECT " WHERE ?1 = 0 OR tenant_id = ?1 ORDER BY id"},
    {S_VMSG_ADD, "message add",
     "INSERT INTO vm_messages (mailbox_id, tenant_id, caller, caller_name,"
     " started_at, duration_ms, file, heard, outbox_id, created_at)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id"},
    {S_VMSG_GET, "message get", VMSG_SELECT " WHERE id = ?1"},
    {S_VMSG_BY_FILE, "message get", VMSG_SELECT " WHERE file = ?1"},
    {S_VMSG_HEARD, "message heard",
     "UPDATE vm_messages SET heard = ?2 WHERE id = ?1"},
    {S_VMSG_DELETE, "message delete", "DELETE FROM vm_messages WHERE id = ?1"},
    {S_VMSG_LIST, "message list",
     VMSG_SELECT " WHERE mailbox_id = ?1 ORDER BY started_at, id"},
};

const struct store_sqlset store_sql_voicemail = STORE_SQLSET(sql);

static const struct store_col mbox_cols[] = {
    STORE_COL(SC_I64, 0, store_mailbox, id),
    STORE_COL(SC_I64, SC_ADD, store_mailbox, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_mailbox, name),
    STORE_COL(SC_REF, SC_ADD, store_mailbox, employee_id),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_mailbox, active),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_mailbox, greeting),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_mailbox, email_to),
    STORE_COL(SC_TEXT, SC_ADD | SC_UPD, store_mailbox, email_cc),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_mailbox, attach),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_mailbox, min_ms),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_mailbox, max_ms),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_mailbox, silence_ms),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_mailbox, at_once),
    STORE_COL(SC_U32, SC_ADD | SC_UPD, store_mailbox, no_answer_s),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_mailbox, on_busy),
    STORE_COL(SC_BOOL, SC_ADD | SC_UPD, store_mailbox, on_unreachable),
    STORE_COL(SC_REF, SC_ADD | SC_UPD, store_mailbox, schedule_id),
    STORE_ENUM(SC_ADD | SC_UPD, store_mailbox, schedule_state,
	       &store_names_sched_state),
    STORE_COL(SC_U64, SC_ADD, store_mailbox, created_at),
};

STORE_RECORD(mbox_rec, store_mailbox, store_mailbox_h, mbox_cols);

static const struct store_col vmsg_cols[] = {
    STORE_COL(SC_I64, 0, store_vm_message, id),
    STORE_COL(SC_I64, SC_ADD, store_vm_message, mailbox_id),
    STORE_COL(SC_I64, SC_ADD, store_vm_message, tenant_id),
    STORE_COL(SC_TEXT, SC_ADD, store_vm_message, caller),
    STORE_COL(SC_TEXT, SC_ADD, store_vm_message, caller_name),
    STORE_COL(SC_U64, SC_ADD, store_vm_message, started_at),
    STORE_COL(SC_U32, SC_ADD, store_vm_message, duration_ms),
    STORE_COL(SC_TEXT, SC_ADD, store_vm_message, file),
    STORE_COL(SC_BOOL, SC_ADD, store_vm_message, heard),
    STORE_COL(SC_REF, SC_ADD, store_vm_message, outbox_id),
    STORE_COL(SC_U64, SC_ADD, store_vm_message, created_at),
};

STORE_RECORD(vmsg_rec, store_vm_message, store_vm_message_h, vmsg_cols);

/* A file under the prompts directory: relative, no ".." step. */
static bool relative_ok(const char *s)
{
	const char *p;

	if (s[0] == '/')
		return false;
	for (p = s; p; p = strchr(p, '/')) {
		if (*p == '/')
			++p;
		if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
			return false;
	}
	return true;
}

/* The fields the database does not check. */
static bool mailbox_valid(const struct store_mailbox *m)
{
	return m && str_isset(m->name) && m->max_ms > 0 &&
	       relative_ok(m->greeting) && m->employee_id >= 0 &&
	       m->schedule_id >= 0 &&
	       store_names_has(&store_names_sched_state,
			       (int)m->schedule_state);
}

/* Owner and schedule: existing, of the mailbox's tenant. */
static int refs_check(struct store *st, const struct store_mailbox *m,
		      int64_t tenant_id)
{
	int err = 0;

	if (m->employee_id)
		err = store_target_check(st, TARGET_EMPLOYEE, m->employee_id,
					 tenant_id);
	if (!err && m->schedule_id)
		err = store_target_check(st, TARGET_SCHEDULE, m->schedule_id,
					 tenant_id);
	return err;
}

static int mailbox_insert(struct store *st, void *arg)
{
	struct store_mailbox *m = arg;
	int err;

	err = refs_check(st, m, m->tenant_id);
	if (!err)
		err = store_row_add(st, S_MBOX_ADD, &mbox_rec, m);
	if (err)
		m->id = 0;
	return err;
}

int store_mailbox_add(struct store *st, struct store_mailbox *m)
{
	if (!st || !mailbox_valid(m) || m->tenant_id <= 0)
		return EINVAL;
	if (!m->created_at)
		m->created_at = time_now_ms();
	return store_tx(st, mailbox_insert, m);
}

int store_mailbox_get(struct store *st, int64_t id, struct store_mailbox *m)
{
	return store_row_get(st, S_MBOX_GET, id, &mbox_rec, m);
}

int store_mailbox_by_employee(struct store *st, int64_t employee_id,
			      struct store_mailbox *m)
{
	if (!st || employee_id <= 0 || !m)
		return EINVAL;
	return store_row_query(st, S_MBOX_BY_EMP, &mbox_rec, m, NULL, NULL, "i",
			       employee_id);
}

static int mailbox_change(struct store *st, void *arg)
{
	const struct store_mailbox *m = arg;
	struct store_mailbox old;
	int err;

	err = store_mailbox_get(st, m->id, &old);
	if (err)
		return err;
	if ((m->tenant_id && m->tenant_id != old.tenant_id) ||
	    m->employee_id != old.employee_id)
		return EXDEV;
	err = refs_check(st, m, old.tenant_id);
	if (!err)
		err = store_row_update(st, S_MBOX_UPDATE, &mbox_rec, m);
	return err;
}

int store_mailbox_update(struct store *st, const struct store_mailbox *m)
{
	struct store_mailbox copy;

	if (!st || !mailbox_valid(m) || m->id <= 0)
		return EINVAL;
	copy = *m;

	return store_tx(st, mailbox_change, &copy);
}

static int mailbox_remove(struct store *st, void *arg)
{
	const int64_t id = *(const int64_t *)arg;
	int64_t v = 0;
	int err;

	/* the type is bound, not written: enum values are C's */
	err = store_run(st, S_MBOX_INUSE, EIO, &v, "id", id,
			(int)TARGET_VOICEMAIL);
	if (!err && v)
		err = EBUSY;
	if (!err)
		err = store_run(st, S_MBOX_MSGS, EIO, &v, "i", id);
	if (!err && v)
		err = ENOTEMPTY;
	if (!err)
		err = store_run(st, S_MBOX_DELETE, EBUSY, &v, "i", id);
	if (!err && !v)
		err = ENOENT;
	return err;
}

int store_mailbox_delete(struct store *st, int64_t id)
{
	if (!st || id <= 0)
		return EINVAL;
	return store_tx(st, mailbox_remove, &id);
}

int store_mailbox_list(struct store *st, int64_t tenant_id, store_mailbox_h *h,
		       void *arg)
{
	return store_row_list(st, S_MBOX_LIST, tenant_id, &mbox_rec,
			      (store_fn *)h, arg);
}

/* ---- messages ---------------------------------------------------------- */

struct vmsg_save {
	struct store_vm_message *m;
	struct store_outbox *mail;
};

static int vmsg_insert(struct store *st, void *arg)
{
	struct vmsg_save *s = arg;
	int64_t tenant = 0;
	int err;

	err = store_tenant_of(st, S_MBOX_TENANT, s->m->mailbox_id, &tenant);
	if (err)
		return err;
	s->m->tenant_id = tenant;
	s->m->outbox_id = 0;
	if (s->mail) {
		s->mail->tenant_id = tenant;
		err = store_outbox_add(st, s->mail);
		if (err)
			return err;
		s->m->outbox_id = s->mail->id;
	}
	err = store_row_add(st, S_VMSG_ADD, &vmsg_rec, s->m);
	if (err) {
		s->m->id = 0;
		s->m->outbox_id = 0;
		if (s->mail)
			s->mail->id = 0;
	}
	return err;
}

int store_vm_message_save(struct store *st, struct store_vm_message *m,
			  struct store_outbox *mail)
{
	struct vmsg_save s = {m, mail};

	if (!st || !m || m->mailbox_id <= 0 || !str_isset(m->file) ||
	    m->file[0] != '/')
		return EINVAL;
	if (!m->created_at)
		m->created_at = time_now_ms();
	if (!m->started_at)
		m->started_at = m->created_at;
	return store_tx_rows(st, vmsg_insert, &s); /* new rows only */
}

int store_vm_message_get(struct store *st, int64_t id,
			 struct store_vm_message *m)
{
	return store_row_get(st, S_VMSG_GET, id, &vmsg_rec, m);
}

int store_vm_message_by_file(struct store *st, const char *path,
			     struct store_vm_message *m)
{
	return store_row_find(st, S_VMSG_BY_FILE, path, &vmsg_rec, m);
}

int store_vm_message_set_heard(struct store *st, int64_t id, bool heard)
{
	int64_t n = 0;
	int err;

	if (!st || id <= 0)
		return EINVAL;
	err = store_run(st, S_VMSG_HEARD, EIO, &n, "id", id, (int)heard);
	return err ? err : n ? 0 : ENOENT;
}

int store_vm_message_delete(struct store *st, int64_t id)
{
	return store_row_delete(st, S_COUNT, S_VMSG_DELETE, id);
}

int store_vm_message_list(struct store *st, int64_t mailbox_id,
			  store_vm_message_h *h, void *arg)
{
	if (!st || mailbox_id <= 0 || !h)
		return EINVAL;
	return store_row_query(st, S_VMSG_LIST, &vmsg_rec, NULL, (store_fn *)h,
			       arg, "i", mailbox_id);
}
