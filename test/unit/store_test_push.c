/*
 * store_test_push.c - Web Push in the store (migration 30): subscriptions
 * of employees (add, the employee's tenant, one endpoint per employee,
 * find, new keys, list filters, gone with the employee), the VAPID key
 * pair (the first one stored stays), the push part of an outbox row read
 * back with it, and claiming by channel (a node without SMTP leaves mails
 * pending and still claims pushes).
 */
#include "core/core.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

static void fx_sub(struct store_push_sub *s, int64_t tenant_id, int64_t emp,
		   const char *endpoint)
{
	memset(s, 0, sizeof(*s));
	s->tenant_id = tenant_id;
	s->employee_id = emp;
	str_copy(s->endpoint, endpoint, sizeof(s->endpoint));
	str_copy(s->p256dh, "BCVxsr7N", sizeof(s->p256dh));
	str_copy(s->auth, "BTBZMqHH6r4Tts7J_aSIgg", sizeof(s->auth));
}

static int sub_count_h(const struct store_push_sub *s, void *arg)
{
	unsigned *n = arg;

	(void)s;
	++*n;
	return 0;
}

int test_store_push(void)
{
	struct tdb db = {"", NULL};
	struct store_push_sub s, g;
	struct store_vapid v;
	struct store_outbox *o = NULL, *c = NULL;
	int64_t t1, t2, e1, e2, eb, id1, id2;
	unsigned n;
	int err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	c = mem_zalloc(sizeof(*c), NULL);
	TEST_ASSERT(o && c);
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Max", "10", &e1), 0);
	TEST_EQ_INT(fx_employee(db.st, t1, "Erika", "11", &e2), 0);
	TEST_EQ_INT(fx_employee(db.st, t2, "Bea", "10", &eb), 0);

	/* subscriptions */
	fx_sub(&s, t1, e1, "https://push.example/a");
	TEST_EQ_INT(store_push_sub_add(db.st, &s), 0);
	id1 = s.id;
	TEST_ASSERT(id1 > 0);
	TEST_EQ_INT(s.created_at, T0);
	TEST_EQ_INT(store_push_sub_add(db.st, &s), EEXIST);
	fx_sub(&s, t1, e2, "https://push.example/a"); /* another employee */
	TEST_EQ_INT(store_push_sub_add(db.st, &s), 0);
	id2 = s.id;
	fx_sub(&s, t1, eb, "https://push.example/b"); /* B's employee */
	TEST_EQ_INT(store_push_sub_add(db.st, &s), EXDEV);
	fx_sub(&s, t1, 999, "https://push.example/b");
	TEST_EQ_INT(store_push_sub_add(db.st, &s), ENOENT);
	fx_sub(&s, t1, e1, "https://push.example/b");
	s.auth[0] = '\0';
	TEST_EQ_INT(store_push_sub_add(db.st, &s), EINVAL);

	TEST_EQ_INT(store_push_sub_get(db.st, id1, &g), 0);
	TEST_EQ_INT(g.tenant_id, t1);
	TEST_EQ_INT(g.employee_id, e1);
	TEST_EQ_STR(g.endpoint, "https://push.example/a");
	TEST_EQ_STR(g.auth, "BTBZMqHH6r4Tts7J_aSIgg");
	TEST_EQ_INT(
	    store_push_sub_find(db.st, e1, "https://push.example/a", &g), 0);
	TEST_EQ_INT(g.id, id1);
	TEST_EQ_INT(
	    store_push_sub_find(db.st, e1, "https://push.example/x", &g),
	    ENOENT);
	str_copy(g.p256dh, "BNEW", sizeof(g.p256dh));
	TEST_EQ_INT(store_push_sub_rekey(db.st, &g), 0);
	TEST_EQ_INT(store_push_sub_get(db.st, id1, &g), 0);
	TEST_EQ_STR(g.p256dh, "BNEW");

	n = 0;
	TEST_EQ_INT(store_push_sub_list(db.st, t1, 0, sub_count_h, &n), 0);
	TEST_EQ_INT(n, 2);
	n = 0;
	TEST_EQ_INT(store_push_sub_list(db.st, t1, e2, sub_count_h, &n), 0);
	TEST_EQ_INT(n, 1);
	n = 0;
	TEST_EQ_INT(store_push_sub_list(db.st, t2, 0, sub_count_h, &n), 0);
	TEST_EQ_INT(n, 0);

	/* the VAPID key pair: the first stays */
	memset(&v, 0, sizeof(v));
	str_copy(v.private_key, "first-priv", sizeof(v.private_key));
	str_copy(v.public_key, "first-pub", sizeof(v.public_key));
	TEST_EQ_INT(store_vapid_init(db.st, &v), 0);
	str_copy(v.private_key, "second-priv", sizeof(v.private_key));
	str_copy(v.public_key, "second-pub", sizeof(v.public_key));
	TEST_EQ_INT(store_vapid_init(db.st, &v), 0);
	TEST_EQ_STR(v.private_key, "first-priv");
	TEST_EQ_STR(v.public_key, "first-pub");
	TEST_EQ_INT(v.created_at, T0);

	/* a push in the outbox, read back with its push part */
	memset(o, 0, sizeof(*o));
	o->tenant_id = t1;
	o->channel = STORE_CHANNEL_WEBPUSH;
	str_copy(o->body, "{\"x\":1}", sizeof(o->body));
	o->push.subscription_id = id1;
	str_copy(o->push.urgency, "high", sizeof(o->push.urgency));
	o->push.ttl = 120;
	TEST_EQ_INT(store_outbox_add(db.st, o), 0);
	TEST_EQ_INT(store_outbox_get(db.st, o->id, c), 0);
	TEST_EQ_INT(c->channel, STORE_CHANNEL_WEBPUSH);
	TEST_EQ_INT(c->push.subscription_id, id1);
	TEST_EQ_STR(c->push.urgency, "high");
	TEST_EQ_INT(c->push.ttl, 120);
	TEST_EQ_STR(c->body, "{\"x\":1}");
	o->push.subscription_id = 0; /* a push needs its subscription */
	TEST_EQ_INT(store_outbox_add(db.st, o), EINVAL);

	/* a mail due earlier than the push: a node without SMTP claims the
	 * push only, and then nothing */
	memset(c, 0, sizeof(*c));
	c->tenant_id = t1;
	c->channel = STORE_CHANNEL_MAIL;
	c->created_at = T0 - 1000;
	str_copy(c->mail_from, "pbx@sb.example", sizeof(c->mail_from));
	str_copy(c->mail_to, "a@x.example", sizeof(c->mail_to));
	TEST_EQ_INT(store_outbox_add(db.st, c), 0);
	TEST_EQ_INT(store_outbox_claim_of(db.st, "n1", T0,
					  1u << STORE_CHANNEL_WEBPUSH, c),
		    0);
	TEST_EQ_INT(c->channel, STORE_CHANNEL_WEBPUSH);
	TEST_EQ_INT(c->push.subscription_id, id1);
	TEST_EQ_INT(store_outbox_claim_of(db.st, "n1", T0,
					  1u << STORE_CHANNEL_WEBPUSH, c),
		    ENOENT);
	TEST_EQ_INT(store_outbox_claim_of(db.st, "n1", T0, 0, c), ENOENT);
	TEST_EQ_INT(store_outbox_claim(db.st, "n1", T0, c), 0);
	TEST_EQ_INT(c->channel, STORE_CHANNEL_MAIL);

	/* gone with the employee; the push row stays (it fails when sent) */
	TEST_EQ_INT(store_push_sub_delete(db.st, id2), 0);
	TEST_EQ_INT(store_push_sub_delete(db.st, id2), ENOENT);
	TEST_EQ_INT(store_employee_delete(db.st, e1), 0);
	TEST_EQ_INT(store_push_sub_get(db.st, id1, &g), ENOENT);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM outbox_push", "1"),
		    0);
out:
	mem_deref(c);
	mem_deref(o);
	tdb_close(&db);
	return err;
}
