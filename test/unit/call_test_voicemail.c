/*
 * call_test_voicemail.c - the voicemail application on the call seam with
 * the fake backend and the demo store: 1001 calls a number routed to a
 * mailbox.  The greeting (speech is not running here: the prompt
 * mailbox_greeting) and the beep play, then the caller is recorded into
 * a .rec- file of the tenant's voicemail directory.  '#' ends it: the
 * file is renamed, the message row and its mail are there, "saved" plays
 * and the call ends.  A message shorter than min_ms is dropped (no row,
 * no mail, no file), also when the silence that ended it is what made it
 * long; a caller who hangs up while recording keeps the message.  Then an
 * employee's mailbox by its conditions: at once, no device registered,
 * busy, no answer in no_answer_s, and switched off (the old 480).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "voicemail/voicemail.h"
#include "voicemail/voicemail_int.h"
#include "call_test.h"
#include "test.h"

static const char vm_number[] = "+4922182829960";

/* The log with ".rec-node1-<16 hex>" (node tag, random part) as
 * ".rec-R". */
static const char *take(void)
{
	static char out[sizeof(fake.log)];
	const char *in = fake_take();
	char *o = out;

	while (*in && o < out + sizeof(out) - 1) {
		if (!strncmp(in, ".rec-node1-", 11) && strlen(in) > 27) {
			memcpy(o, ".rec-R", 6);
			o += 6;
			in += 27;
			continue;
		}
		*o++ = *in++;
	}
	*o = '\0';
	return out;
}

/* What the recorder would have written: a few bytes are enough here. */
static int rec_write(void)
{
	FILE *f = fopen(fake.rec_path, "wb");

	if (!f)
		return errno;
	fputs("RIFF....WAVE", f);
	fclose(f);
	return 0;
}

static unsigned msgs;
static struct store_vm_message last;

static int msg_h(const struct store_vm_message *m, void *arg)
{
	(void)arg;
	++msgs;
	last = *m;
	return 0;
}

static unsigned count(struct store *st, int64_t box)
{
	msgs = 0;
	(void)store_vm_message_list(st, box, msg_h, NULL);
	return msgs;
}

struct vm_env {
	struct env e;
	char dir[64]; /* data dir */
	struct store_mailbox box;
};

static int vm_open(struct vm_env *v)
{
	struct store_number n;
	int err;

	memset(v, 0, sizeof(*v));
	err = env_open(&v->e, NULL, 0);
	if (err)
		return err;
	str_copy(v->dir, "/tmp/sb-vm-XXXXXX", sizeof(v->dir));
	if (!mkdtemp(v->dir))
		return errno;
	str_copy(v->e.cfg.data_dir, v->dir, sizeof(v->e.cfg.data_dir));
	re_snprintf(v->e.cfg.spool_dir, sizeof(v->e.cfg.spool_dir),
		    "%s/voicemail", v->dir);
	str_copy(v->e.cfg.node_id, "node1", sizeof(v->e.cfg.node_id));
	str_copy(v->e.cfg.smtp_from, "pbx@sb.example",
		 sizeof(v->e.cfg.smtp_from));

	v->box.tenant_id = 1;
	str_copy(v->box.name, "Empfang", sizeof(v->box.name));
	v->box.active = true;
	v->box.attach = true;
	str_copy(v->box.email_to, "zentrale@kunde.example",
		 sizeof(v->box.email_to));
	v->box.min_ms = 1000;
	v->box.max_ms = 60000;
	v->box.silence_ms = 5000;
	err = store_mailbox_add(v->e.st, &v->box);
	if (err)
		return err;
	memset(&n, 0, sizeof(n));
	str_copy(n.e164, vm_number, sizeof(n.e164));
	n.active = true;
	n.target_type = TARGET_VOICEMAIL;
	n.target_id = v->box.id;
	return store_number_add(v->e.st, &n);
}

static void vm_close(struct vm_env *v)
{
	char cmd[128];

	env_close(&v->e);
	if (v->dir[0]) {
		re_snprintf(cmd, sizeof(cmd), "rm -rf %s", v->dir);
		(void)system(cmd);
	}
}

/* 1001 calls the mailbox, takes the answer, hears greeting and beep:
 * recording. */
static int vm_recording(struct vm_env *v)
{
	int err = env_call(&v->e, vm_number);

	if (err)
		return err;
	(void)fake_take();
	call_leg_established(fake.a);
	fake.doneh(fake.done_arg); /* greeting */
	fake.doneh(fake.done_arg); /* beep */
	return 0;
}

int test_call_voicemail(void)
{
	struct store_outbox *o = NULL;
	struct vm_env v;
	char want[512], tmp[256];
	int err = 0;

	TEST_EQ_INT(vm_open(&v), 0);
	o = mem_zalloc(sizeof(*o), NULL);
	TEST_ASSERT(o != NULL);

	/* answered: greeting, beep, recording */
	TEST_EQ_INT(env_call(&v.e, vm_number), 0);
	TEST_EQ_STR(take(), "[routing]media;offer;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(take(), "play mailbox_greeting.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(take(), "stop mailbox_greeting.wav;play beep.wav to A;");
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(take(), "stop beep.wav;"
			    "record .rec-R.wav max 60000 silence 5000 from A;");
	re_snprintf(want, sizeof(want), "%s/voicemail/1/", v.dir);
	TEST_ASSERT(!strncmp(fake.rec_path, want, strlen(want)));

	/* '#' after 3 s: saved with its mail, "saved", hung up */
	TEST_EQ_INT(rec_write(), 0);
	str_copy(tmp, fake.rec_path, sizeof(tmp));
	fake.rec_ms = 3000;
	call_leg_digit(fake.a, '#');
	TEST_EQ_STR(take(), "record stop .rec-R.wav;free rec .rec-R.wav;"
			    "play message_saved.wav to A;");
	TEST_EQ_INT(count(v.e.st, v.box.id), 1);
	TEST_EQ_INT(last.duration_ms, 3000);
	TEST_EQ_STR(last.caller, "1001");
	TEST_EQ_STR(last.caller_name, "Max Mustermann");
	TEST_ASSERT(access(tmp, F_OK) != 0);       /* renamed ... */
	TEST_ASSERT(access(last.file, R_OK) == 0); /* ... to its name */
	TEST_ASSERT(last.outbox_id > 0);
	TEST_EQ_INT(store_outbox_get(v.e.st, last.outbox_id, o), 0);
	TEST_EQ_STR(o->mail_to, "zentrale@kunde.example");
	TEST_EQ_STR(o->mail_from, "pbx@sb.example");
	TEST_EQ_STR(o->subject, "Neue Sprachnachricht von 1001 für Empfang");
	TEST_EQ_INT(o->filec, 1);
	TEST_EQ_STR(o->filev[0].path, last.file);
	TEST_EQ_STR(o->filev[0].type, "audio/wav");
	TEST_ASSERT(strstr(o->body, "Anrufer: 1001 (Max Mustermann)\n"));
	TEST_ASSERT(strstr(o->body, "Dauer: 0:03\n"));
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(take(), "stop message_saved.wav;[done]free A;");

	/* 500 ms: dropped, no row, no file; goodbye */
	TEST_EQ_INT(vm_recording(&v), 0);
	(void)take();
	TEST_EQ_INT(rec_write(), 0);
	str_copy(tmp, fake.rec_path, sizeof(tmp));
	fake.rec_ms = 500;
	call_leg_digit(fake.a, '#');
	TEST_EQ_STR(take(), "record stop .rec-R.wav;free rec .rec-R.wav;"
			    "play goodbye.wav to A;");
	TEST_EQ_INT(count(v.e.st, v.box.id), 1);
	TEST_ASSERT(access(tmp, F_OK) != 0);
	fake.doneh(fake.done_arg);
	TEST_EQ_STR(take(), "stop goodbye.wav;[done]free A;");

	/* ended by 5.8 s of which 5 s silence: 0.8 s said, dropped */
	TEST_EQ_INT(vm_recording(&v), 0);
	(void)take();
	TEST_EQ_INT(rec_write(), 0);
	fake.rec_doneh(0, 5800, CALL_REC_SILENCE, fake.rec_arg);
	TEST_EQ_STR(take(), "free rec .rec-R.wav;play goodbye.wav to A;");
	TEST_EQ_INT(count(v.e.st, v.box.id), 1);
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)take();

	/* the caller hangs up while recording: kept, nothing played */
	TEST_EQ_INT(vm_recording(&v), 0);
	(void)take();
	TEST_EQ_INT(rec_write(), 0);
	fake.rec_ms = 4200;
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	TEST_EQ_STR(take(), "record stop .rec-R.wav;free rec .rec-R.wav;"
			    "[done]free A;");
	TEST_EQ_INT(count(v.e.st, v.box.id), 2);
	TEST_EQ_INT(last.duration_ms, 4200);
	TEST_ASSERT(access(last.file, R_OK) == 0);

	/* a mailbox without recipients: the message, no mail */
	v.box.email_to[0] = '\0';
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	TEST_EQ_INT(vm_recording(&v), 0);
	TEST_EQ_INT(rec_write(), 0);
	fake.rec_ms = 2000;
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)take();
	TEST_EQ_INT(count(v.e.st, v.box.id), 3);
	TEST_EQ_INT(last.outbox_id, 0);

	/* switched off: the number answers 480 */
	v.box.active = false;
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	TEST_EQ_INT(env_call(&v.e, vm_number), 0);
	TEST_EQ_STR(take(), "[routing]reject 480 Mailbox Off;[done]free A;");

	/* a leftover of a kill: swept at start; the messages' files stay.
	 * The spool is shared: another node's fresh leftovers may be files
	 * it is saving now and stay, its old ones (an hour) go. */
	{
		static const char *const names[] = {
		    ".rec-node1-0123.wav",          /* ours: goes      */
		    "20261205-120000-node1-x.wav",  /* ours: goes      */
		    ".rec-node2-0123.wav",          /* fresh: stays    */
		    "20261205-120000-node2-y.wav",  /* fresh: stays    */
		    "20261205-120000-node1x-z.wav", /* not ours: stays */
		    "20261205-120000-node2-o.wav",  /* old: goes       */
		};
		const bool gone[] = {true, true, false, false, false, true};
		struct utimbuf old;
		unsigned n = 0;

		old.actime = old.modtime = time(NULL) - 7200;
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			re_snprintf(tmp, sizeof(tmp), "%s/voicemail/1/%s",
				    v.dir, names[i]);
			str_copy(fake.rec_path, tmp, sizeof(fake.rec_path));
			TEST_EQ_INT(rec_write(), 0);
		}
		TEST_EQ_INT(utime(tmp, &old), 0);
		TEST_EQ_INT(voicemail_sweep(&v.e.cfg, v.e.st, &n), 0);
		TEST_EQ_INT(n, 3);
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			re_snprintf(tmp, sizeof(tmp), "%s/voicemail/1/%s",
				    v.dir, names[i]);
			TEST_EQ_INT(access(tmp, F_OK) != 0, gone[i]);
		}
	}
	TEST_ASSERT(access(last.file, R_OK) == 0);
out:
	mem_deref(o);
	vm_close(&v);
	return err;
}

/* Erika (1002) with a mailbox: by its conditions. */
int test_call_vm_employee(void)
{
	struct vm_env v;
	char want[512];
	int err = 0;

	TEST_EQ_INT(vm_open(&v), 0);
	v.box.employee_id = v.e.erika;
	str_copy(v.box.name, "Erika", sizeof(v.box.name));
	v.box.no_answer_s = 0;
	v.box.on_busy = false;
	v.box.on_unreachable = false;
	TEST_EQ_INT(store_mailbox_add(v.e.st, &v.box), 0);

	/* no condition on: as without a mailbox (busy: 486 to the
	 * caller) */
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	(void)take();
	call_leg_closed(fake.legv[0], 0, 486, "Busy Here");
	call_leg_closed(fake.legv[1], 0, 486, "Busy Here");
	TEST_EQ_STR(take(), "free B1;free B2;reject 486 Busy Here;[done]"
			    "free A;");

	/* busy, on_busy: the mailbox answers */
	v.box.on_busy = true;
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	fake.legc = 0;
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	(void)take();
	call_leg_closed(fake.legv[0], 0, 486, "Busy Here");
	call_leg_closed(fake.legv[1], 0, 486, "Busy Here");
	TEST_EQ_STR(take(), "free B1;free B2;200;[answered]");
	call_leg_established(fake.a);
	TEST_EQ_STR(take(), "play mailbox_greeting.wav to A;");
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)take();

	/* no device registered, on_unreachable */
	fake.devices = 0;
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]dial employee %lld as "
		    "1001;reject 480 Temporarily Unavailable;[done]free A;",
		    (long long)v.e.erika);
	TEST_EQ_STR(take(), want);
	v.box.on_unreachable = true;
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	re_snprintf(want, sizeof(want),
		    "[routing]media;offer;180;[ringing]dial employee %lld as "
		    "1001;200;[answered]",
		    (long long)v.e.erika);
	TEST_EQ_STR(take(), want);
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)take();

	/* no answer in no_answer_s (1 s) */
	fake.devices = 1;
	fake.legc = 0;
	v.box.no_answer_s = 1;
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	(void)take();
	fake_run(1300);
	TEST_EQ_STR(take(), "free B1;200;[answered]");
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)take();

	/* at once: nothing rings */
	v.box.at_once = true;
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	TEST_EQ_STR(take(), "[routing]media;offer;200;[answered]");
	call_leg_closed(fake.a, ECONNRESET, 0, NULL);
	(void)take();

	/* switched off: rings as before, 480 when nobody answers */
	v.box.active = false;
	TEST_EQ_INT(store_mailbox_update(v.e.st, &v.box), 0);
	fake.legc = 0;
	TEST_EQ_INT(env_call(&v.e, "1002"), 0);
	(void)take();
	fake_run(1300);
	TEST_EQ_STR(take(), "free B1;reject 480 Temporarily Unavailable;"
			    "[done]free A;");
out:
	vm_close(&v);
	return err;
}

/* The words of the mail, exact, in both languages and both zones. */
int test_voicemail_mail(void)
{
	struct store_mailbox mb;
	struct store_vm_message m;
	struct vm_mail_text *t;
	char g[256];
	int err = 0;

	t = mem_zalloc(sizeof(*t), NULL);
	TEST_ASSERT(t != NULL);
	memset(&mb, 0, sizeof(mb));
	str_copy(mb.name, "Vertrieb", sizeof(mb.name));
	mb.attach = true;
	memset(&m, 0, sizeof(m));
	str_copy(m.caller, "+4930555123", sizeof(m.caller));
	str_copy(m.caller_name, "Anna\r\nBcc: x", sizeof(m.caller_name));
	m.started_at = 1796634000000ULL; /* 2026-12-07 09:00:00 UTC */
	m.duration_ms = 72600;

	vm_mail_text(t, STORE_LANG_DE, &mb, &m);
	TEST_EQ_STR(t->subject,
		    "Neue Sprachnachricht von +4930555123 für Vertrieb");
	TEST_EQ_STR(t->body, "Neue Sprachnachricht in der Mailbox Vertrieb.\n"
			     "\n"
			     "Anrufer: +4930555123 (Anna  Bcc: x)\n"
			     "Zeit: 07.12.2026 10:00:00 (MEZ)\n"
			     "Dauer: 1:13\n"
			     "\n"
			     "Die Nachricht ist als WAV-Datei angehängt.\n");
	TEST_EQ_STR(t->file_name, "voicemail-20261207-100000.wav");

	m.caller[0] = '\0';
	m.caller_name[0] = '\0';
	m.started_at = 1783072800000ULL; /* 2026-07-03 10:00:00 UTC */
	m.duration_ms = 400;
	mb.attach = false;
	vm_mail_text(t, STORE_LANG_EN, &mb, &m);
	TEST_EQ_STR(t->subject, "New voice message from unknown for Vertrieb");
	TEST_EQ_STR(t->body, "New voice message in the mailbox Vertrieb.\n"
			     "\n"
			     "Caller: unknown\n"
			     "Time: 2026-07-03 12:00:00 (CEST)\n"
			     "Duration: 0:00\n"
			     "\n"
			     "The message is waiting in Switchboard.\n");

	vm_greeting_text(g, sizeof(g), STORE_LANG_DE, "Erika Musterfrau");
	TEST_EQ_STR(g, "Sie sind verbunden mit der Mailbox von Erika "
		       "Musterfrau. Bitte hinterlassen Sie eine Nachricht nach "
		       "dem Ton.");
out:
	mem_deref(t);
	return err;
}
