/*
 * store_test_outbox.c - the outbox against store.h: a delivery with its
 * attachments written and read back field by field, the checks of add,
 * the list filters and order, and every state change of store.h's
 * diagram at fixed times (the fake clock T0 and explicit "now" values):
 * claim only what is due, oldest due first, never twice; sent, retry and
 * fail only from sending; requeue only the rows of the node that
 * restarts, or of a node whose heartbeat is stale.
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* A mail of tenant_id to `to`, with nfiles attachments. */
static void fx_mail(struct store_outbox *o, int64_t tenant_id, const char *to,
		    uint32_t nfiles)
{
	uint32_t i;

	memset(o, 0, sizeof(*o));
	o->tenant_id = tenant_id;
	o->channel = STORE_CHANNEL_MAIL;
	str_copy(o->mail_from, "pbx@sb.example", sizeof(o->mail_from));
	str_copy(o->mail_to, to, sizeof(o->mail_to));
	str_copy(o->subject, "Neue Nachricht", sizeof(o->subject));
	str_copy(o->body, "Anrufer +4930555\n", sizeof(o->body));
	for (i = 0; i < nfiles; i++) {
		struct store_outbox_file *f = &o->filev[i];

		re_snprintf(f->path, sizeof(f->path), "/var/vm/%u.wav", i);
		re_snprintf(f->name, sizeof(f->name), "msg%u.wav", i);
		str_copy(f->type, "audio/wav", sizeof(f->type));
	}
	o->filec = nfiles;
}

static int outbox_id_h(const struct store_outbox *o, void *arg)
{
	return ids_add(arg, o->id);
}

/* Files seen by a list walk, to prove the walk reads them. */
static int outbox_files_h(const struct store_outbox *o, void *arg)
{
	uint32_t *n = arg;

	*n += o->filec;
	return 0;
}

int test_store_outbox(void)
{
	struct tdb db = {"", NULL};
	struct store_outbox *o = NULL, *g = NULL;
	struct store_outbox_filter f;
	struct ids ids;
	int64_t t1, t2, a, b, c;
	uint32_t nfiles = 0;
	int err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	g = mem_zalloc(sizeof(*g), NULL);
	TEST_ASSERT(o && g);
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	/* add: a committed row, pending, due at once */
	fx_mail(o, t1, "a@x.example, b@y.example", 2);
	str_copy(o->mail_cc, "c@z.example", sizeof(o->mail_cc));
	o->state = STORE_OUTBOX_SENT; /* not taken from the caller */
	o->attempts = 7;
	str_copy(o->last_error, "x", sizeof(o->last_error));
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	a = o->id;
	TEST_ASSERT(a > 0);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM outbox_files", "2"),
		    0);

	memset(g, 0xa5, sizeof(*g));
	TEST_EQ_INT(store_outbox_get(db.st, a, g), 0);
	TEST_EQ_INT(g->id, a);
	TEST_EQ_INT(g->tenant_id, t1);
	TEST_EQ_INT(g->channel, STORE_CHANNEL_MAIL);
	TEST_EQ_INT(g->state, STORE_OUTBOX_PENDING);
	TEST_EQ_INT(g->attempts, 0);
	TEST_EQ_INT(g->created_at, T0);
	TEST_EQ_INT(g->next_attempt_at, T0);
	TEST_EQ_INT(g->sent_at, 0);
	TEST_EQ_STR(g->last_error, "");
	TEST_EQ_STR(g->node_id, "");
	TEST_EQ_STR(g->mail_from, "pbx@sb.example");
	TEST_EQ_STR(g->mail_to, "a@x.example, b@y.example");
	TEST_EQ_STR(g->mail_cc, "c@z.example");
	TEST_EQ_STR(g->subject, "Neue Nachricht");
	TEST_EQ_STR(g->body, "Anrufer +4930555\n");
	TEST_EQ_INT(g->filec, 2);
	TEST_EQ_STR(g->filev[0].path, "/var/vm/0.wav");
	TEST_EQ_STR(g->filev[0].name, "msg0.wav");
	TEST_EQ_STR(g->filev[0].type, "audio/wav");
	TEST_EQ_STR(g->filev[1].path, "/var/vm/1.wav");
	TEST_EQ_STR(g->filev[1].name, "msg1.wav");
	TEST_EQ_INT(store_outbox_get(db.st, a + 100, g), ENOENT);
	TEST_EQ_INT(store_outbox_get(db.st, 0, g), EINVAL);

	/* what add refuses: nothing is written */
	fx_mail(o, t1, "", 0);
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL); /* no recipient */
	fx_mail(o, t1, "a@x.example", 0);
	o->mail_from[0] = '\0';
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL); /* no sender */
	fx_mail(o, t1, "a@x.example", 1);
	o->filev[0].type[0] = '\0';
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL); /* file w/o type */
	fx_mail(o, t1, "a@x.example", 1);
	o->filec = STORE_OUTBOX_FILES + 1;
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL);
	fx_mail(o, t1, "a@x.example", 0);
	o->channel = (enum store_channel)5;
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL);
	fx_mail(o, -1, "a@x.example", 0);
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL);
	TEST_EQ_INT(store_outbox_add(NULL, o), EINVAL);
	TEST_EQ_INT(store_outbox_add(db.st, NULL), EINVAL);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM outbox", "1"), 0);

	/* two more: tenant 2 (created later) and the system's own (0) */
	fx_mail(o, t2, "d@x.example", 0);
	o->created_at = T0 + 1000;
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	b = o->id;
	TEST_EQ_INT(o->next_attempt_at, T0 + 1000);
	fx_mail(o, 0, "e@x.example", 1);
	o->created_at = T0 + 2000;
	o->next_attempt_at = T0 + 5000; /* not before */
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	c = o->id;

	/* list: newest first, filters, files read */
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_outbox_list(db.st, NULL, outbox_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 3, (int64_t[]){c, b, a}));
	memset(&f, 0, sizeof(f));
	f.tenant_id = t1;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_outbox_list(db.st, &f, outbox_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 1, (int64_t[]){a}));
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	f.offset = 1;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_outbox_list(db.st, &f, outbox_id_h, &ids), 0);
	TEST_ASSERT(ids_are(&ids, 2, (int64_t[]){b, a}));
	memset(&f, 0, sizeof(f));
	f.by_state = true;
	f.state = STORE_OUTBOX_SENT;
	memset(&ids, 0, sizeof(ids));
	TEST_EQ_INT(store_outbox_list(db.st, &f, outbox_id_h, &ids), 0);
	TEST_EQ_INT(ids.n, 0);
	f.state = (enum store_outbox_state)9;
	TEST_EQ_INT(store_outbox_list(db.st, &f, outbox_id_h, &ids), EINVAL);
	TEST_EQ_INT(store_outbox_list(db.st, NULL, outbox_files_h, &nfiles), 0);
	TEST_EQ_INT(nfiles, 3);
	memset(&ids, 0, sizeof(ids));
	ids.stop_at = 2;
	TEST_EQ_INT(store_outbox_list(db.st, NULL, outbox_id_h, &ids), 7);
out:
	tdb_close(&db);
	mem_deref(o);
	mem_deref(g);
	return err;
}

int test_store_outbox_states(void)
{
	struct tdb db = {"", NULL};
	struct store_outbox *o = NULL, *g = NULL;
	int64_t a, b, c;
	unsigned n = 9;
	int err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	g = mem_zalloc(sizeof(*g), NULL);
	TEST_ASSERT(o && g);
	TEST_EQ_INT(tdb_open(&db), 0);

	/* a due at T0 + 3000, b at T0 + 1000, c at T0 + 2000 */
	fx_mail(o, 0, "a@x.example", 1);
	o->next_attempt_at = T0 + 3000;
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	a = o->id;
	fx_mail(o, 0, "b@x.example", 0);
	o->next_attempt_at = T0 + 1000;
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	b = o->id;
	fx_mail(o, 0, "c@x.example", 0);
	o->next_attempt_at = T0 + 2000;
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	c = o->id;

	/* nothing due before T0 + 1000; then the longest due first */
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0 + 999, g), ENOENT);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0 + 5000, g), 0);
	TEST_EQ_INT(g->id, b);
	TEST_EQ_INT(g->state, STORE_OUTBOX_SENDING);
	TEST_EQ_STR(g->node_id, "n1");
	TEST_EQ_INT(store_outbox_claim(db.st, "n2", T0 + 5000, g), 0);
	TEST_EQ_INT(g->id, c);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0 + 5000, g), 0);
	TEST_EQ_INT(g->id, a);
	TEST_EQ_INT(g->filec, 1); /* read with its files */
	/* all three are being sent: none is claimed twice */
	TEST_EQ_INT(store_outbox_claim(db.st, "n3", T0 + 9000, g), ENOENT);
	TEST_EQ_INT(store_outbox_claim(db.st, "", T0, g), EINVAL);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0, NULL), EINVAL);

	/* b: retried (pending again, due later, the reason kept) */
	TEST_EQ_INT(store_outbox_retry(db.st, b, T0 + 31000, "curl: refused"),
		    0);
	TEST_EQ_INT(store_outbox_get(db.st, b, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_PENDING);
	TEST_EQ_INT(g->attempts, 1);
	TEST_EQ_INT(g->next_attempt_at, T0 + 31000);
	TEST_EQ_STR(g->last_error, "curl: refused");
	/* only from sending */
	TEST_EQ_INT(store_outbox_retry(db.st, b, T0, "x"), ENOENT);
	TEST_EQ_INT(store_outbox_sent(db.st, b, T0), ENOENT);
	TEST_EQ_INT(store_outbox_fail(db.st, b, "x"), ENOENT);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0 + 30999, g), ENOENT);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0 + 31000, g), 0);
	TEST_EQ_INT(g->id, b);
	TEST_EQ_INT(g->attempts, 1);

	/* b: sent at T0 + 32000, the error cleared; final */
	TEST_EQ_INT(store_outbox_sent(db.st, b, T0 + 32000), 0);
	TEST_EQ_INT(store_outbox_get(db.st, b, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_SENT);
	TEST_EQ_INT(g->attempts, 2);
	TEST_EQ_INT(g->sent_at, T0 + 32000);
	TEST_EQ_STR(g->last_error, "");
	TEST_EQ_INT(store_outbox_sent(db.st, b, T0), ENOENT);
	TEST_EQ_INT(store_outbox_retry(db.st, b, T0, "x"), ENOENT);

	/* c: failed for good with the reason; final */
	TEST_EQ_INT(store_outbox_fail(db.st, c, "SMTP 550 unknown user"), 0);
	TEST_EQ_INT(store_outbox_get(db.st, c, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_FAILED);
	TEST_EQ_INT(g->attempts, 1);
	TEST_EQ_STR(g->last_error, "SMTP 550 unknown user");
	TEST_EQ_INT(g->sent_at, 0);
	TEST_EQ_INT(store_outbox_sent(db.st, c, T0), ENOENT);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0 + 99000, g), ENOENT);

	/* a (node n1) was cut: n2 restarting requeues nothing, n1 it */
	TEST_EQ_INT(store_outbox_requeue(db.st, "n2", &n), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(store_outbox_requeue(db.st, "n1", &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(store_outbox_get(db.st, a, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_PENDING);
	TEST_EQ_INT(g->attempts, 0); /* the cut attempt does not count */
	TEST_EQ_INT(g->next_attempt_at, T0);
	TEST_EQ_INT(store_outbox_requeue(db.st, "", &n), EINVAL);

	/* a node that died for good: others requeue its rows once its
	 * heartbeat is older than the bound, never their own */
	TEST_EQ_INT(store_outbox_claim(db.st, "dead", T0, g), 0);
	TEST_EQ_INT(g->id, a);
	TEST_EQ_INT(store_node_heartbeat(db.st, "dead", T0 - 9000, T0 - 5000),
		    0);
	TEST_EQ_INT(store_outbox_requeue_stale(db.st, "n1", T0 - 5000, &n), 0);
	TEST_EQ_INT(n, 0); /* not stale yet */
	TEST_EQ_INT(store_outbox_requeue_stale(db.st, "dead", T0, &n), 0);
	TEST_EQ_INT(n, 0); /* not its own */
	TEST_EQ_INT(store_outbox_requeue_stale(db.st, "n1", T0 - 4999, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(store_outbox_get(db.st, a, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_PENDING);
	TEST_EQ_INT(g->attempts, 0);
	TEST_EQ_INT(store_outbox_requeue_stale(db.st, "n1", 0, &n), EINVAL);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(store_outbox_sent(db.st, 0, T0), EINVAL);

	/* reopened (a restart): the rows are all there */
	db.st = mem_deref(db.st);
	TEST_EQ_INT(store_open(&db.st, db.path), 0);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0, g), 0);
	TEST_EQ_INT(g->id, a);
	TEST_EQ_STR(g->mail_to, "a@x.example");
out:
	tdb_close(&db);
	mem_deref(o);
	mem_deref(g);
	return err;
}
