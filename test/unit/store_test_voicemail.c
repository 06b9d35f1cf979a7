/*
 * store_test_voicemail.c - mailboxes and messages against store.h: a
 * mailbox written and read back; an employee of another tenant, a second
 * mailbox of one employee and a name taken are refused; an update keeps
 * tenant and owner.  A message and its mail are one transaction: both
 * rows, or (the message insert fails: a file saved twice) neither, the
 * outbox row rolled back with it.  A mailbox with messages or one a
 * number routes to cannot be deleted.  route_mailbox_enabled(): active,
 * and the schedule's state against schedule_state.
 */
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "test.h"
#include "store_test.h"

static void fx_box(struct store_mailbox *m, int64_t tenant_id, const char *name,
		   int64_t emp)
{
	memset(m, 0, sizeof(*m));
	m->tenant_id = tenant_id;
	str_copy(m->name, name, sizeof(m->name));
	m->employee_id = emp;
	m->active = true;
	m->attach = true;
	m->min_ms = 1000;
	m->max_ms = 120000;
	m->silence_ms = 5000;
	m->no_answer_s = 20;
	m->on_busy = true;
	str_copy(m->email_to, "zentrale@kunde.example", sizeof(m->email_to));
}

static void fx_msg(struct store_vm_message *m, int64_t box, const char *file)
{
	memset(m, 0, sizeof(*m));
	m->mailbox_id = box;
	str_copy(m->caller, "+4930555123", sizeof(m->caller));
	str_copy(m->caller_name, "Anna", sizeof(m->caller_name));
	m->started_at = T0 - 5000;
	m->duration_ms = 4200;
	str_copy(m->file, file, sizeof(m->file));
}

static void fx_vm_mail(struct store_outbox *o, const char *file)
{
	memset(o, 0, sizeof(*o));
	o->channel = STORE_CHANNEL_MAIL;
	str_copy(o->mail_from, "pbx@sb.example", sizeof(o->mail_from));
	str_copy(o->mail_to, "zentrale@kunde.example", sizeof(o->mail_to));
	str_copy(o->subject, "Neue Sprachnachricht", sizeof(o->subject));
	str_copy(o->filev[0].path, file, sizeof(o->filev[0].path));
	str_copy(o->filev[0].name, "m.wav", sizeof(o->filev[0].name));
	str_copy(o->filev[0].type, "audio/wav", sizeof(o->filev[0].type));
	o->filec = 1;
}

static int count_h(const struct store_vm_message *m, void *arg)
{
	(void)m;
	++*(unsigned *)arg;
	return 0;
}

int test_store_voicemail(void)
{
	struct store_mailbox m, got;
	struct store_vm_message msg, back;
	struct store_outbox *o = NULL;
	struct tdb db;
	int64_t t1, t2, emp, emp2, num;
	unsigned n = 0;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	o = mem_zalloc(sizeof(*o), NULL);
	TEST_ASSERT(o != NULL);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "1001", &emp), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Eva", "2001", &emp2), 0);

	/* a central mailbox, read back field by field */
	fx_box(&m, t1, "Zentrale", 0);
	m.schedule_state = STORE_SCHED_CLOSED;
	TEST_EQ_INT(store_mailbox_add(db.st, &m), 0);
	TEST_ASSERT(m.id > 0);
	TEST_EQ_INT(store_mailbox_get(db.st, m.id, &got), 0);
	TEST_EQ_STR(got.name, "Zentrale");
	TEST_EQ_INT(got.employee_id, 0);
	TEST_EQ_STR(got.email_to, "zentrale@kunde.example");
	TEST_EQ_INT(got.max_ms, 120000);
	TEST_EQ_INT(got.no_answer_s, 20);
	TEST_EQ_INT(got.schedule_state, STORE_SCHED_CLOSED);
	TEST_EQ_INT(got.created_at, T0);

	/* refused: a name taken, an employee of another tenant, a second
	 * mailbox of one employee, a greeting outside the prompts */
	fx_box(&got, t1, "Zentrale", 0);
	TEST_EQ_INT(store_mailbox_add(db.st, &got), EEXIST);
	fx_box(&got, t1, "Eva", emp2);
	TEST_EQ_INT(store_mailbox_add(db.st, &got), EXDEV);
	fx_box(&got, t1, "Max", emp);
	TEST_EQ_INT(store_mailbox_add(db.st, &got), 0);
	fx_box(&got, t1, "Max 2", emp);
	TEST_EQ_INT(store_mailbox_add(db.st, &got), EEXIST);
	str_copy(got.greeting, "../x.wav", sizeof(got.greeting));
	TEST_EQ_INT(store_mailbox_add(db.st, &got), EINVAL);
	TEST_EQ_INT(store_mailbox_by_employee(db.st, emp, &got), 0);
	TEST_EQ_STR(got.name, "Max");
	TEST_EQ_INT(store_mailbox_by_employee(db.st, emp2, &got), ENOENT);

	/* update: settings change, tenant and owner do not */
	m.at_once = true;
	m.min_ms = 2000;
	TEST_EQ_INT(store_mailbox_update(db.st, &m), 0);
	TEST_EQ_INT(store_mailbox_get(db.st, m.id, &got), 0);
	TEST_ASSERT(got.at_once);
	TEST_EQ_INT(got.min_ms, 2000);
	got.employee_id = emp;
	TEST_EQ_INT(store_mailbox_update(db.st, &got), EXDEV);

	/* a message with its mail: both rows, linked */
	fx_msg(&msg, m.id, "/vm/1/a.wav");
	fx_vm_mail(o, msg.file);
	TEST_EQ_INT(store_vm_message_save(db.st, &msg, o), 0);
	TEST_ASSERT(msg.id > 0 && o->id > 0);
	TEST_EQ_INT(msg.outbox_id, o->id);
	TEST_EQ_INT(msg.tenant_id, t1);
	TEST_EQ_INT(store_vm_message_get(db.st, msg.id, &back), 0);
	TEST_EQ_STR(back.caller, "+4930555123");
	TEST_EQ_STR(back.caller_name, "Anna");
	TEST_EQ_INT(back.duration_ms, 4200);
	TEST_EQ_INT(back.started_at, T0 - 5000);
	TEST_EQ_INT(back.outbox_id, o->id);
	TEST_ASSERT(!back.heard);
	TEST_EQ_INT(store_outbox_get(db.st, o->id, o), 0);
	TEST_EQ_INT(o->tenant_id, t1);
	TEST_EQ_STR(o->filev[0].path, "/vm/1/a.wav");
	TEST_EQ_INT(store_vm_message_by_file(db.st, "/vm/1/a.wav", &back), 0);
	TEST_EQ_INT(back.id, msg.id);

	/* the same file again: the message insert fails, and the mail
	 * written before it in the transaction is gone too */
	fx_msg(&msg, m.id, "/vm/1/a.wav");
	fx_vm_mail(o, msg.file);
	TEST_EQ_INT(store_vm_message_save(db.st, &msg, o), EEXIST);
	TEST_EQ_INT(msg.id, 0);
	TEST_EQ_INT(o->id, 0);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM outbox", "1"), 0);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM vm_messages", "1"),
		    0);
	/* no mailbox: neither */
	fx_msg(&msg, 9999, "/vm/1/b.wav");
	fx_vm_mail(o, msg.file);
	TEST_EQ_INT(store_vm_message_save(db.st, &msg, o), ENOENT);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM outbox", "1"), 0);
	/* without a mail */
	fx_msg(&msg, m.id, "/vm/1/c.wav");
	TEST_EQ_INT(store_vm_message_save(db.st, &msg, NULL), 0);
	TEST_EQ_INT(msg.outbox_id, 0);
	fx_msg(&back, m.id, "relative.wav");
	TEST_EQ_INT(store_vm_message_save(db.st, &back, NULL), EINVAL);

	TEST_EQ_INT(store_vm_message_list(db.st, m.id, count_h, &n), 0);
	TEST_EQ_INT(n, 2);
	TEST_EQ_INT(store_vm_message_set_heard(db.st, msg.id, true), 0);
	TEST_EQ_INT(store_vm_message_get(db.st, msg.id, &back), 0);
	TEST_ASSERT(back.heard);
	TEST_EQ_INT(store_vm_message_set_heard(db.st, 9999, true), ENOENT);

	/* delete: not with messages, not while a number routes to it */
	TEST_EQ_INT(store_mailbox_delete(db.st, m.id), ENOTEMPTY);
	TEST_EQ_INT(store_vm_message_delete(db.st, msg.id), 0);
	TEST_EQ_INT(store_vm_message_delete(db.st, msg.id), ENOENT);
	TEST_EQ_INT(store_vm_message_by_file(db.st, "/vm/1/a.wav", &back), 0);
	TEST_EQ_INT(store_vm_message_delete(db.st, back.id), 0);
	TEST_EQ_INT(fx_number(db.st, "+4922182829960", true, TARGET_VOICEMAIL,
			      m.id, &num),
		    0);
	TEST_EQ_INT(store_mailbox_delete(db.st, m.id), EBUSY);
	TEST_EQ_INT(fx_number(db.st, "+4922182829961", true, TARGET_VOICEMAIL,
			      got.id + 100, &num),
		    ENOENT);
	TEST_EQ_INT(
	    fx_number(db.st, "+4930123460", true, TARGET_VOICEMAIL, m.id, &num),
	    EXDEV);
	/* the owner cannot go while its mailbox is there */
	TEST_EQ_INT(store_employee_delete(db.st, emp), EBUSY);
out:
	mem_deref(o);
	tdb_close(&db);
	return err;
}

/* Enabled: active, and the schedule's state against schedule_state. */
int test_route_mailbox(void)
{
	struct store_schedule *s = NULL;
	struct store_mailbox m;
	struct tdb db;
	int64_t t1, t2;
	/* Monday 2026-12-07 10:00 and 20:00 Berlin (CET, UTC+1) */
	const uint64_t mon10 = 1796634000000ULL, mon20 = 1796670000000ULL;
	/* Friday 2026-12-25 10:00 Berlin: Christmas */
	const uint64_t xmas = 1798189200000ULL;
	bool on = false;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	s = mem_zalloc(sizeof(*s), NULL);
	TEST_ASSERT(s != NULL);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	s->tenant_id = t1;
	str_copy(s->name, "Office", sizeof(s->name));
	s->region = STORE_REGION_NW;
	s->rangev[0].days = 0x1f; /* Monday-Friday 08:00-18:00 */
	s->rangev[0].start = 8 * 60;
	s->rangev[0].end = 18 * 60;
	s->rangec = 1;
	TEST_EQ_INT(store_schedule_add(db.st, s), 0);

	fx_box(&m, t1, "Zentrale", 0);
	TEST_EQ_INT(store_mailbox_add(db.st, &m), 0);
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon10, &on), 0);
	TEST_ASSERT(on);
	m.active = false;
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon10, &on), 0);
	TEST_ASSERT(!on);
	m.active = true;
	m.schedule_id = s->id;
	m.schedule_state = STORE_SCHED_CLOSED; /* outside hours */
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon10, &on), 0);
	TEST_ASSERT(!on);
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon20, &on), 0);
	TEST_ASSERT(on);
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, xmas, &on), 0);
	TEST_ASSERT(on); /* closed includes holidays */
	m.schedule_state = STORE_SCHED_OPEN;
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon10, &on), 0);
	TEST_ASSERT(on);
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon20, &on), 0);
	TEST_ASSERT(!on);
	m.schedule_state = STORE_SCHED_HOLIDAY;
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon20, &on), 0);
	TEST_ASSERT(!on);
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, xmas, &on), 0);
	TEST_ASSERT(on);
	m.schedule_id = 9999; /* gone: off */
	TEST_EQ_INT(route_mailbox_enabled(db.st, &m, mon10, &on), 0);
	TEST_ASSERT(!on);
out:
	mem_deref(s);
	tdb_close(&db);
	return err;
}
