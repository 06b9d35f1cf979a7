/*
 * call_test_fake.c - a backend for the call layer without SIP, media or
 * sockets (call_test.h): every operation is written to a log, dialled
 * legs are kept for the test to answer, fail or hang up, players end
 * when the test says so.
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call_test.h"
#include "demo.h"

struct fake fake;

struct fake_be {
	char name[96];
	bool held;
};

struct fake_player {
	char file[64];
};

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

void fake_log(const char *fmt, ...)
{
	size_t n = strlen(fake.log);
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(fake.log + n, sizeof(fake.log) - n, fmt, ap);
	va_end(ap);
}

const char *fake_take(void)
{
	static char out[sizeof(fake.log)];

	str_copy(out, fake.log, sizeof(out));
	fake.log[0] = '\0';
	return out;
}

static void fake_be_destructor(void *arg)
{
	struct fake_be *fb = arg;

	fake_log("free %s;", fb->name);
}

void *fake_be_alloc(const char *name)
{
	struct fake_be *fb = mem_zalloc(sizeof(*fb), fake_be_destructor);

	if (fb)
		str_copy(fb->name, name, sizeof(fb->name));
	return fb;
}

static const char *fake_name(const struct call_leg *leg)
{
	const struct fake_be *fb = leg->be;

	return fb->name;
}

void fake_set_held(struct call_leg *leg, bool held)
{
	struct fake_be *fb = leg->be;

	fb->held = held;
}

void fake_event(const struct call *call, enum call_state state, void *arg)
{
	(void)arg;
	if (state == CALL_ROUTING)
		fake.rec_id = call_record_id(call);
	fake_log("[%s]", call_state_name(state));
}

static void fake_stop(void *arg)
{
	(void)arg;
	re_cancel();
}

void fake_run(uint32_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, fake_stop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}

/* ---- the backend ----------------------------------------------------- */

static int fake_a_media(struct call_leg *a)
{
	fake.a = a;
	fake_log("media;");
	return fake.media_err;
}

static int fake_a_offer(struct call_leg *a)
{
	(void)a;
	fake_log("offer;");
	return fake.offer_err;
}

static int fake_a_ring(struct call_leg *a)
{
	(void)a;
	fake_log("180;");
	return 0;
}

static int fake_a_answer(struct call_leg *a, bool early)
{
	(void)a;
	fake_log(early ? "183;" : "200;");
	return 0;
}

static void fake_a_reject(struct call_leg *a, uint16_t scode,
			  const char *reason)
{
	(void)a;
	fake_log("reject %u %s;", scode, reason);
}

static void fake_leg_add(struct call *call, const char *name)
{
	struct call_leg *leg;

	if (fake.legc >= ARRAY_SIZE(fake.legv) ||
	    call_leg_alloc(&leg, call, name))
		return;
	leg->be = fake_be_alloc(name);
	fake.legv[fake.legc++] = leg;
	call_leg_add(call, leg);
}

static int fake_dial(struct call *call, const struct call_dial_req *req)
{
	const struct call_dest *d = req->dest;
	char name[16];
	unsigned i;

	str_copy(fake.cid, req->cid, sizeof(fake.cid));
	if (fake.dialc < ARRAY_SIZE(fake.dialv)) {
		fake.dialv[fake.dialc] = *d;
		fake.dialv[fake.dialc].uri = NULL;
		fake.dialv[fake.dialc++].number = NULL;
	}
	switch (d->kind) {
	case CALL_DEST_EMPLOYEE:
		fake_log("dial employee %lld as %s", (long long)d->id,
			 req->cid);
		for (i = 0; i < req->varc; i++)
			fake_log(" %s=%s", req->varv[i].name,
				 req->varv[i].value);
		fake_log(";");
		if (d->id == fake.unreachable)
			return ENOENT;
		for (i = 0; i < fake.devices; i++) {
			re_snprintf(name, sizeof(name), "B%zu", fake.legc + 1);
			fake_leg_add(call, name);
		}
		return fake.devices ? 0 : ENOENT;
	case CALL_DEST_DEVICE:
		fake_log("dial device %lld as %s;", (long long)d->id, req->cid);
		re_snprintf(name, sizeof(name), "B%zu", fake.legc + 1);
		fake_leg_add(call, name);
		return 0;
	case CALL_DEST_CONTACT:
		fake_log("dial %s%s;", d->uri, req->varc ? " with values" : "");
		fake_leg_add(call, d->uri);
		return 0;
	case CALL_DEST_EXTERNAL:
		fake_log("dial %s via trunk %lld%s;", d->number,
			 (long long)d->id, req->varc ? " with values" : "");
		fake_leg_add(call, "trunk");
		return 0;
	}
	return EINVAL;
}

/* "originate " then as a dial */
static int fake_originate(struct call *call, const struct call_dial_req *req)
{
	fake_log("originate ");
	return fake_dial(call, req);
}

static bool fake_codec_ok(const struct call_leg *leg)
{
	(void)leg;
	return true;
}

static bool fake_held(const struct call_leg *leg)
{
	const struct fake_be *fb = leg->be;

	return fb->held;
}

static uint64_t fake_idle_ms(const struct call_leg *leg)
{
	(void)leg;
	return 0;
}

static void fake_bridge(struct call_leg *a, struct call_leg *b)
{
	fake_log("bridge %s %s;", fake_name(a), fake_name(b));
}

static void fake_unbridge(struct call_leg *leg)
{
	fake_log("unbridge %s;", fake_name(leg));
}

static void fake_player_destructor(void *arg)
{
	struct fake_player *p = arg;

	fake_log("stop %s;", p->file);
}

static int fake_play(void **pp, struct call_leg *leg, const char *path,
		     bool loop, call_player_done_h *doneh, void *arg)
{
	const char *base = strrchr(path, '/');
	struct fake_player *p;

	base = base ? base + 1 : path;
	if (!strcmp(base, "missing.wav"))
		return ENOENT;
	p = mem_zalloc(sizeof(*p), fake_player_destructor);
	if (!p)
		return ENOMEM;
	str_copy(p->file, base, sizeof(p->file));
	fake_log("play %s%s to %s;", base, loop ? " (loop)" : "",
		 fake_name(leg));
	if (!loop) {
		fake.doneh = doneh;
		fake.done_arg = arg;
	}
	*pp = p;
	return 0;
}

static void fake_speech_destructor(void *arg)
{
	(void)arg;
	fake_log("speech off;");
}

/* "say <lang> <text>;" then fake_say_done() answers */
static int fake_speak(void **sp, const char *lang, const char *text,
		      call_speech_done_h *doneh, void *arg)
{
	if (fake.speech_err)
		return fake.speech_err;
	*sp = mem_zalloc(1, fake_speech_destructor);
	if (!*sp)
		return ENOMEM;
	fake_log("say %s %s;", lang, text);
	fake.say_doneh = doneh;
	fake.say_arg = arg;
	return 0;
}

static void fake_forget(const char *path)
{
	fake_log("forget %s;", path);
}

void fake_say_done(int err, const char *path)
{
	call_speech_done_h *h = fake.say_doneh;

	fake.say_doneh = NULL;
	if (h)
		h(err, path, fake.say_arg);
}

struct fake_rec {
	char file[64];
};

static void fake_rec_destructor(void *arg)
{
	struct fake_rec *r = arg;

	fake_log("free rec %s;", r->file);
}

static int fake_record(void **rp, struct call_leg *leg, const char *path,
		       uint32_t max_ms, uint32_t silence_ms,
		       call_record_done_h *doneh, void *arg)
{
	const char *base = strrchr(path, '/');
	struct fake_rec *r;

	base = base ? base + 1 : path;
	if (!strcmp(base, "missing.wav"))
		return ENOENT;
	r = mem_zalloc(sizeof(*r), fake_rec_destructor);
	if (!r)
		return ENOMEM;
	str_copy(r->file, base, sizeof(r->file));
	str_copy(fake.rec_path, path, sizeof(fake.rec_path));
	fake_log("record %s max %u silence %u from %s;", base, max_ms,
		 silence_ms, fake_name(leg));
	fake.rec_doneh = doneh;
	fake.rec_arg = arg;
	*rp = r;
	return 0;
}

static void fake_keys_inband(struct call_leg *leg, bool on)
{
	(void)leg;
	fake.inband = on;
}

static int fake_record_stop(void *arg, uint32_t *msp)
{
	struct fake_rec *r = arg;

	fake_log("record stop %s;", r->file);
	*msp = fake.rec_ms;
	return fake.rec_err;
}

static int fake_refer_accept(struct call_leg *leg)
{
	fake_log("202 %s;", fake_name(leg));
	return 0;
}

static void fake_refer_refuse(struct call_leg *leg, uint16_t scode,
			      const char *reason)
{
	fake_log("refuse %s %u %s;", fake_name(leg), scode, reason);
}

static void fake_refer_notify(struct call_leg *leg, uint16_t scode,
			      const char *reason)
{
	fake_log("notify %s %u %s;", fake_name(leg), scode, reason);
}

/* A dialog is the leg's name as Call-ID, tags "lt" (ours), "rt". */
static bool fake_dialog_is(const struct call_leg *leg,
			   const struct call_dialog *d)
{
	return !strcmp(d->call_id, fake_name(leg)) &&
	       !strcmp(d->to_tag, "lt") && !strcmp(d->from_tag, "rt");
}

const struct call_backend fake_backend = {
    .a_media = fake_a_media,
    .a_offer = fake_a_offer,
    .a_ring = fake_a_ring,
    .a_answer = fake_a_answer,
    .a_reject = fake_a_reject,
    .dial = fake_dial,
    .originate = fake_originate,
    .codec_ok = fake_codec_ok,
    .held = fake_held,
    .idle_ms = fake_idle_ms,
    .bridge = fake_bridge,
    .unbridge = fake_unbridge,
    .play = fake_play,
    .speak = fake_speak,
    .forget = fake_forget,
    .record = fake_record,
    .record_stop = fake_record_stop,
    .keys_inband = fake_keys_inband,
    .refer_accept = fake_refer_accept,
    .refer_refuse = fake_refer_refuse,
    .refer_notify = fake_refer_notify,
    .dialog_is = fake_dialog_is,
};

/* ---- the test environment: demo store, fake backend --------------------- */

int env_open(struct env *e, const struct call_app *apps, size_t appc)
{
	struct store_employee emp;
	int err;

	memset(e, 0, sizeof(*e));
	memset(&emp, 0, sizeof(emp));
	fake_reset();
	fake.devices = 2;
	e->st = test_demo_store(e->path, sizeof(e->path));
	if (!e->st)
		return EIO;
	str_copy(e->cfg.node_id, "n1", sizeof(e->cfg.node_id));
	str_copy(e->cfg.prompts_dir, "/p", sizeof(e->cfg.prompts_dir));
	e->cfg.ring_timeout = 1;
	err = store_device_by_username(e->st, "1001", &e->dev);
	if (!err)
		err = store_employee_by_extension(e->st, 1, "1002", &emp);
	e->erika = emp.id;
	if (!err)
		err = store_employee_by_extension(e->st, 1, "1001", &emp);
	e->max = emp.id;
	if (!err)
		err = call_ctx_alloc(&e->ctx, &e->cfg, e->st, &fake_backend,
				     NULL, apps, appc);
	if (!err)
		err = call_ctx_subscribe(e->ctx, fake_event, NULL);
	return err;
}

void env_close(struct env *e)
{
	e->ctx = mem_deref(e->ctx);
	if (e->st)
		test_demo_store_drop(e->st, e->path);
}

int env_record(struct env *e, char *buf, size_t sz)
{
	struct store_call c;
	int err = store_call_get(e->st, fake.rec_id, &c);

	if (!err)
		re_snprintf(buf, sz, "%s %u %s %s",
			    store_disposition_name(c.disposition), c.sip_code,
			    store_party_name(c.ended_by), c.callee_leg);
	return err;
}

/* Device 1001 dials dialled. */
int env_call(struct env *e, const char *dialled)
{
	struct call_origin o;

	memset(&o, 0, sizeof(o));
	o.rc.device = &e->dev;
	o.rc.from_user = "1001";
	o.rc.from_name = "";
	o.dialled = dialled;
	o.call_id = "c1";
	o.leg = "device:1001";
	return call_incoming(e->ctx, &o, fake_be_alloc("A"));
}
