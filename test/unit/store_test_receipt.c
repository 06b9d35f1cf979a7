/*
 * store_test_receipt.c - "delivered" (migration 49): a delivery made to
 * its destination (store_outbox_done with delivered) and an SMS found by
 * its gateway's message id when the gateway reports it
 * (store_outbox_report): only a sent row changes, the first outcome
 * stays, an unknown id is ENOENT; the SMS is billed once, sent or
 * delivered.  And the gateway's answer read for that id
 * (notify_sms_id).
 */
#include "core/core.h"
#include "notify/notify.h"
#include "store/store.h"
#include "test.h"
#include "store_test.h"

/* A claimed (sending) row of channel ch of tenant t into o. */
static int fx_claimed(struct store *st, int64_t t, enum store_channel ch,
		      struct store_outbox *o)
{
	int err;

	memset(o, 0, sizeof(*o));
	o->tenant_id = t;
	o->channel = ch;
	str_copy(o->mail_to,
		 ch == STORE_CHANNEL_SMS ? "+4917012345678"
					 : "https://crm.example/hook",
		 sizeof(o->mail_to));
	str_copy(o->body, "{\"to\":\"+4917012345678\",\"text\":\"x\"}",
		 sizeof(o->body));
	err = store_outbox_add(st, o);
	if (!err)
		err = store_outbox_claim(st, "n1", T0, o);
	return err;
}

int test_store_outbox_receipt(void)
{
	struct tdb db = {"", NULL};
	struct store_outbox *o = NULL, *g = NULL;
	int64_t t1, t2, hook, sms, sms2;
	int err = 0;

	o = mem_zalloc(sizeof(*o), NULL);
	g = mem_zalloc(sizeof(*g), NULL);
	TEST_ASSERT(o && g);
	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(fx_tenants(db.st, &t1, &t2), 0);

	/* a webhook: delivered at once, delivered_at = sent_at */
	TEST_EQ_INT(fx_claimed(db.st, t1, STORE_CHANNEL_WEBHOOK, o), 0);
	hook = o->id;
	TEST_EQ_INT(store_outbox_done(db.st, hook, T0 + 5, true, NULL), 0);
	TEST_EQ_INT(store_outbox_get(db.st, hook, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_DELIVERED);
	TEST_EQ_INT(g->attempts, 1);
	TEST_EQ_INT(g->sent_at, T0 + 5);
	TEST_EQ_INT(g->delivered_at, T0 + 5);
	TEST_EQ_STR(g->ext_id, "");
	TEST_EQ_INT(store_outbox_done(db.st, hook, T0, true, NULL), ENOENT);

	/* an SMS: sent with the gateway's id, billed once */
	TEST_EQ_INT(fx_claimed(db.st, t1, STORE_CHANNEL_SMS, o), 0);
	sms = o->id;
	TEST_EQ_INT(store_outbox_done(db.st, sms, T0 + 7, false, "gw-1"), 0);
	TEST_EQ_INT(store_outbox_get(db.st, sms, g), 0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_SENT);
	TEST_EQ_INT(g->delivered_at, 0);
	TEST_EQ_STR(g->ext_id, "gw-1");
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM sms_charges", "1"),
		    0);

	/* its report: delivered; a later contrary one changes nothing */
	TEST_EQ_INT(store_outbox_report(db.st, STORE_CHANNEL_SMS, "gw-1", true,
					T0 + 900, "x", g),
		    0);
	TEST_EQ_INT(g->id, sms);
	TEST_EQ_INT(g->state, STORE_OUTBOX_DELIVERED);
	TEST_EQ_INT(g->delivered_at, T0 + 900);
	TEST_EQ_INT(g->sent_at, T0 + 7);
	TEST_EQ_STR(g->last_error, "");
	TEST_EQ_INT(store_outbox_report(db.st, STORE_CHANNEL_SMS, "gw-1", false,
					T0 + 999, "gateway report: late", g),
		    0);
	TEST_EQ_INT(g->state, STORE_OUTBOX_DELIVERED);
	TEST_EQ_INT(g->delivered_at, T0 + 900);
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM sms_charges", "1"),
		    0);

	/* another SMS reported failed: the reason kept, still billed */
	TEST_EQ_INT(fx_claimed(db.st, t1, STORE_CHANNEL_SMS, o), 0);
	sms2 = o->id;
	TEST_EQ_INT(store_outbox_done(db.st, sms2, T0, false, "4711"), 0);
	TEST_EQ_INT(store_outbox_report(db.st, STORE_CHANNEL_SMS, "4711", false,
					T0 + 50, "gateway report: absent", g),
		    0);
	TEST_EQ_INT(g->id, sms2);
	TEST_EQ_INT(g->state, STORE_OUTBOX_FAILED);
	TEST_EQ_INT(g->delivered_at, 0);
	TEST_EQ_STR(g->last_error, "gateway report: absent");
	TEST_EQ_INT(raw_is(db.path, "SELECT count(*) FROM sms_charges", "2"),
		    0);

	/* unknown ids, another channel's, empty */
	TEST_EQ_INT(store_outbox_report(db.st, STORE_CHANNEL_SMS, "gw-2", true,
					T0, NULL, g),
		    ENOENT);
	TEST_EQ_INT(store_outbox_report(db.st, STORE_CHANNEL_WEBHOOK, "gw-1",
					true, T0, NULL, g),
		    ENOENT);
	TEST_EQ_INT(store_outbox_report(db.st, STORE_CHANNEL_SMS, "", true, T0,
					NULL, g),
		    EINVAL);
	TEST_EQ_INT(store_outbox_done(db.st, sms, T0, false, NULL), ENOENT);
out:
	tdb_close(&db);
	mem_deref(o);
	mem_deref(g);
	return err;
}

int test_notify_sms_id(void)
{
	char id[16];
	int err = 0;

	TEST_EQ_INT(notify_sms_id(id, sizeof(id), "{\"id\":\"gw-1\"}"), 0);
	TEST_EQ_STR(id, "gw-1");
	TEST_EQ_INT(notify_sms_id(id, sizeof(id),
				  "{\"status\":\"ok\",\"message_id\":4711}"),
		    0);
	TEST_EQ_STR(id, "4711");
	/* "id" first; an empty one does not count */
	TEST_EQ_INT(notify_sms_id(id, sizeof(id),
				  "{\"message_id\":\"b\",\"id\":\"a\"}"),
		    0);
	TEST_EQ_STR(id, "a");
	TEST_EQ_INT(
	    notify_sms_id(id, sizeof(id), "{\"id\":\"\",\"message_id\":\"b\"}"),
	    0);
	TEST_EQ_STR(id, "b");
	/* none, not JSON, too long, not a string or integer */
	TEST_EQ_INT(notify_sms_id(id, sizeof(id), "{}"), ENOENT);
	TEST_EQ_STR(id, "");
	TEST_EQ_INT(notify_sms_id(id, sizeof(id), ""), ENOENT);
	TEST_EQ_INT(notify_sms_id(id, sizeof(id), "OK"), ENOENT);
	TEST_EQ_INT(
	    notify_sms_id(id, sizeof(id), "{\"id\":\"0123456789abcdefXYZ\"}"),
	    EINVAL);
	TEST_EQ_STR(id, "");
	TEST_EQ_INT(notify_sms_id(id, sizeof(id), "{\"id\":[1]}"), ENOENT);
out:
	return err;
}
