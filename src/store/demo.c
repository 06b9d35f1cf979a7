/*
 * demo.c - the demo tenant that `make run` starts with: Mustermann AG in
 * Cologne with two employees, three phones, personal, central and
 * announcement numbers, a central mailbox and one shared trunk to a test
 * carrier.
 *
 * It is built through the public store functions, so the demo obeys the
 * same rules as data entered through the API (blocks, personal numbers,
 * tenants), all inside one transaction: a failure leaves the store empty.
 */
#include <string.h>
#include "core/core.h"
#include "store/sqlite_int.h"

/* lower-case hex MD5("username:realm:password"), the SIP digest HA1 */
static int demo_ha1(char ha1[33], const char *user, const char *realm,
		    const char *password)
{
	uint8_t md[MD5_SIZE];
	int err;

	err = md5_printf(md, "%s:%s:%s", user, realm, password);
	if (err)
		return err;

	return re_snprintf(ha1, 33, "%w", md, sizeof(md)) == 32 ? 0 : ENOMEM;
}

static int demo_device(struct store *st, const struct store_employee *e,
		       const char *user, const char *password, const char *name,
		       const char *realm)
{
	struct store_device d;
	int err;

	memset(&d, 0, sizeof(d));
	d.tenant_id = e->tenant_id;
	d.employee_id = e->id;
	str_copy(d.username, user, sizeof(d.username));
	str_copy(d.name, name, sizeof(d.name));

	err = demo_ha1(d.ha1, user, realm, password);
	if (err)
		return err;

	return store_device_add(st, &d);
}

static int demo_number(struct store *st, int64_t tenant_id, const char *e164,
		       bool active, enum store_target type, int64_t target_id,
		       const char *desc)
{
	struct store_number n;

	memset(&n, 0, sizeof(n));
	n.tenant_id = tenant_id;
	str_copy(n.e164, e164, sizeof(n.e164));
	n.active = active;
	n.target_type = type;
	n.target_id = target_id;
	str_copy(n.description, desc, sizeof(n.description));

	return store_number_add(st, &n);
}

static int demo_employee(struct store *st, struct store_employee *e,
			 int64_t tenant_id, const char *first, const char *last,
			 const char *email, const char *ext, bool show_personal)
{
	memset(e, 0, sizeof(*e));
	e->tenant_id = tenant_id;
	str_copy(e->first_name, first, sizeof(e->first_name));
	str_copy(e->last_name, last, sizeof(e->last_name));
	str_copy(e->email, email, sizeof(e->email));
	str_copy(e->extension, ext, sizeof(e->extension));
	e->show_personal_number = show_personal;

	return store_employee_add(st, e);
}

/* Stops the tenant walk at the first tenant. */
static int tenant_found(const struct store_tenant *t, void *arg)
{
	(void)t;
	(void)arg;

	return EEXIST;
}

/* Everything of store_demo_seed(), inside its transaction. */
static int seed(struct store *st, const char *realm, const char *trunk_host,
		uint16_t trunk_port)
{
	struct store_tenant t;
	struct store_number_block b;
	struct store_employee max, erika;
	struct store_announcement a;
	struct store_trunk tr;
	struct store_mailbox mb;
	int err;

	memset(&t, 0, sizeof(t));
	str_copy(t.name, "Mustermann AG", sizeof(t.name));
	str_copy(t.country_code, "49", sizeof(t.country_code));
	str_copy(t.area_code, "221", sizeof(t.area_code));
	str_copy(t.central_number, "+4922182829900", sizeof(t.central_number));
	err = store_tenant_add(st, &t);
	if (err)
		return err;

	memset(&b, 0, sizeof(b));
	b.tenant_id = t.id;
	str_copy(b.first, "+4922182829900", sizeof(b.first));
	str_copy(b.last, "+4922182829999", sizeof(b.last));
	err = store_block_add(st, &b);
	if (err)
		return err;

	err = demo_employee(st, &max, t.id, "Max", "Mustermann",
			    "max.mustermann@mustermann.example", "1001", false);
	if (err)
		return err;

	err =
	    demo_employee(st, &erika, t.id, "Erika", "Musterfrau",
			  "erika.musterfrau@mustermann.example", "1002", true);
	if (err)
		return err;

	memset(&a, 0, sizeof(a));
	a.tenant_id = t.id;
	str_copy(a.name, "Willkommen", sizeof(a.name));
	str_copy(a.file, "welcome.wav", sizeof(a.file));
	err = store_announcement_add(st, &a);
	if (err)
		return err;

	/* personal numbers: added free, then given to their employee */
	err = demo_number(st, t.id, "+4922182829901", true, TARGET_NONE, 0, "");
	if (err)
		return err;

	err = demo_number(st, t.id, "+4922182829902", true, TARGET_NONE, 0, "");
	if (err)
		return err;

	err = store_employee_set_personal(st, max.id, "+4922182829901");
	if (err)
		return err;

	err = store_employee_set_personal(st, erika.id, "+4922182829902");
	if (err)
		return err;

	err = demo_number(st, t.id, "+4922182829900", true, TARGET_EMPLOYEE,
			  max.id, "Zentrale");
	if (err)
		return err;

	err = demo_number(st, t.id, "+4922182829990", true, TARGET_ANNOUNCEMENT,
			  a.id, "Ansage");
	if (err)
		return err;

	err =
	    demo_number(st, t.id, "+4922182829903", false, TARGET_NONE, 0, "");
	if (err)
		return err;

	err = demo_device(st, &max, "1001", "alpha1001", "Tischtelefon", realm);
	if (err)
		return err;

	err = demo_device(st, &max, "1011", "charlie1011", "Softclient", realm);
	if (err)
		return err;

	err =
	    demo_device(st, &erika, "1002", "bravo1002", "Tischtelefon", realm);
	if (err)
		return err;

	/* the client's central mailbox (seeds/000): its messages go to one
	 * central address; no number routes to it yet */
	memset(&mb, 0, sizeof(mb));
	mb.tenant_id = t.id;
	str_copy(mb.name, "Zentrale", sizeof(mb.name));
	str_copy(mb.email_to, "zentrale@mustermann.example",
		 sizeof(mb.email_to));
	mb.active = true;
	mb.attach = true;
	mb.min_ms = 1000;
	mb.max_ms = 120000;
	mb.silence_ms = 5000;
	mb.no_answer_s = 20;
	mb.on_busy = true;
	mb.on_unreachable = true;
	err = store_mailbox_add(st, &mb);
	if (err)
		return err;

	memset(&tr, 0, sizeof(tr));
	str_copy(tr.name, "Demo-Carrier", sizeof(tr.name));
	str_copy(tr.host, trunk_host, sizeof(tr.host));
	tr.port = trunk_port;
	tr.transport = STORE_TRANSPORT_UDP;

	return store_trunk_add(st, &tr);
}

int store_demo_seed(struct store *st, const char *realm, const char *trunk_host,
		    uint16_t trunk_port)
{
	int err;

	if (!st || !realm || !realm[0] || !trunk_host || !trunk_host[0])
		return EINVAL;

	err = store_tx_begin(st);
	if (err)
		return err;

	/* asked inside the transaction: nobody adds a tenant meanwhile;
	 * unlike store_is_empty() this tells EEXIST from a failure */
	err = store_tenant_list(st, tenant_found, NULL);
	if (!err)
		err = seed(st, realm, trunk_host, trunk_port);

	err = store_tx_end(st, err);
	if (!err)
		info("store: demo data seeded (realm %s, trunk %s:%u)\n", realm,
		     trunk_host, trunk_port);

	return err;
}
