/*
 * trunkreg.c - trunks that register to their carrier (RFC 3261 §10 as a
 * client): for every trunk with do_register we keep one binding of our
 * address, Contact sip:<username>@<our SIP address>, for the AOR
 * sip:<username>@<domain> at the trunk's registrar, with the trunk's digest
 * credentials.  The carrier then sends its calls to that Contact; they are
 * recognised as trunk calls by their source address like those of any
 * trunk (call.c, store_trunk_by_source).
 *
 * libre's sipreg sends the REGISTERs, answers 401/407 challenges and
 * refreshes the binding at 90 % of the expiry the registrar granted.  What
 * it does not do our way is retrying: after a failure it would try again
 * itself after 30 s to 30 min.  So on a failure we release the sipreg and
 * start a new one after our own backoff: 5 s, doubling up to 5 min, plus
 * up to 10 % jitter so that many trunks of one dead carrier do not retry in
 * step.
 *
 *            reload / start
 *                  |
 *                  v       2xx                      2xx (refresh)
 *   +-------> REGISTERING -----> REGISTERED <------------+
 *   |              |                 |  \________________|
 *   |              | 4xx-6xx,        | refresh failed
 *   |              | timeout         |
 *   |              v                 v
 *   +-- timer -- FAILED <------------+
 *     (backoff)
 *
 * Releasing a sipreg that holds a binding makes libre remove that binding
 * (REGISTER with Expires: 0) first.  The replacement must not overtake that
 * request, or the carrier would drop the new binding it just made: after a
 * failed refresh with no answer (the un-REGISTER may retransmit for 32 s,
 * 64 * T1) the first retry waits UNREG_GUARD, and after new settings while
 * a client runs (bound, or a REGISTER under way that may still bind) it
 * waits REPLACE_GUARD.
 *
 * The state lives in memory; after a restart we simply register again.
 * Every change of it is also written to the store (trunk_registrations,
 * with this node's id and the time), so every node's API shows the state
 * of the node that registers.
 *
 * Many nodes on one store: only the node holding the "trunkreg" lease
 * (node.h) registers, or the carrier would see one binding per node and
 * send calls to any of them.  Each heartbeat interval we look: a node that
 * gains the lease registers every trunk; one that loses it releases its
 * clients (libre un-REGISTERs its own Contact, not the new holder's).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "sip/sip.h"
#include "sip/sip_int.h"
#include "node/node.h"

enum {
	BACKOFF_MIN = 5000,    /* [ms] first retry after a failure      */
	BACKOFF_MAX = 300000,  /* [ms] longest wait between attempts    */
	UNREG_GUARD = 33000,   /* [ms] 64 * T1 + 1 s, see the top       */
	REPLACE_GUARD = 2000,  /* [ms] new settings, old client let go  */
	EXPIRES_DEFAULT = 600, /* [s] when the trunk names none         */
};

struct trunk_cred {
	char user[64];
	char pass[64];
};

struct trunkreg {
	struct le le;             /* in srv->trunkregs                    */
	struct sipsrv *srv;       /* (weak)                               */
	struct store_trunk trunk; /* the settings it runs with            */
	struct sipreg *reg;       /* (owned) NULL while waiting to retry  */
	struct tmr tmr;           /* next attempt                         */
	struct sip_trunkreg_status status;
	uint32_t attempts; /* new sipregs started, for the log     */
	bool seen;         /* reload: still a registering trunk    */
};

static void attempt(void *arg);

/* The lease of this node's SIP stack (one per process, like sipsrv_g). */
static struct {
	struct tmr tmr;
	bool held; /* this node holds "trunkreg": it registers */
} lease;

/* ---- credentials ------------------------------------------------------ */

int trunk_cred_alloc(struct trunk_cred **credp, const struct store_trunk *t)
{
	struct trunk_cred *cred;

	if (!credp || !t)
		return EINVAL;
	cred = mem_zalloc(sizeof(*cred), NULL);
	if (!cred)
		return ENOMEM;
	str_copy(cred->user, t->auth_user[0] ? t->auth_user : t->username,
		 sizeof(cred->user));
	str_copy(cred->pass, t->password, sizeof(cred->pass));
	*credp = cred;
	return 0;
}

/* Any realm gets the same account: a trunk has one. */
int trunk_cred_auth(char **user, char **pass, const char *realm, void *arg)
{
	const struct trunk_cred *cred = arg;
	int err;

	(void)realm;
	if (!cred || !cred->user[0] || !cred->pass[0])
		return EAUTH; /* nothing to answer with */
	err = str_dup(user, cred->user);
	if (!err)
		err = str_dup(pass, cred->pass);
	return err;
}

/* ---- one trunk's registration ----------------------------------------- */

static void trunkreg_destructor(void *arg)
{
	struct trunkreg *tr = arg;

	tmr_cancel(&tr->tmr);
	list_unlink(&tr->le);
	tr->reg = mem_deref(tr->reg); /* un-REGISTERs a binding */
}

static bool same_settings(const struct store_trunk *a,
			  const struct store_trunk *b)
{
	return a->do_register == b->do_register && a->port == b->port &&
	       a->expires == b->expires && !strcmp(a->host, b->host) &&
	       a->transport == b->transport &&
	       !strcmp(a->username, b->username) &&
	       !strcmp(a->password, b->password) &&
	       !strcmp(a->registrar, b->registrar) &&
	       !strcmp(a->domain, b->domain) &&
	       !strcmp(a->auth_user, b->auth_user);
}

/* ";transport=tcp|tls" for the trunk's transport, "" for UDP */
static const char *tp_param(const struct store_trunk *t)
{
	if (t->transport == STORE_TRANSPORT_TCP)
		return ";transport=tcp";
	if (t->transport == STORE_TRANSPORT_TLS)
		return ";transport=tls";
	return "";
}

/* An IPv6 address in a URI needs brackets. */
static const char *host_open(const char *host)
{
	return strchr(host, ':') ? "[" : "";
}

static const char *host_close(const char *host)
{
	return strchr(host, ':') ? "]" : "";
}

/* The registrar's URI: the trunk's, else sip:host:port; with the trunk's
 * transport unless the URI names one itself. */
static void registrar_uri(char *buf, size_t sz, const struct store_trunk *t)
{
	struct pl pl, tp;
	struct uri uri;
	bool has_tp = false;

	if (t->registrar[0]) {
		pl_set_str(&pl, t->registrar);
		has_tp = !uri_decode(&uri, &pl) &&
			 !msg_param_decode(&uri.params, "transport", &tp);
		re_snprintf(buf, sz, "%s%s", t->registrar,
			    has_tp ? "" : tp_param(t));
		return;
	}
	re_snprintf(buf, sz, "sip:%s%s%s:%u%s", host_open(t->host), t->host,
		    host_close(t->host), t->port ? t->port : 5060, tp_param(t));
}

static void aor_uri(char *buf, size_t sz, const struct store_trunk *t)
{
	const char *domain = t->domain[0] ? t->domain : t->host;

	re_snprintf(buf, sz, "sip:%s@%s%s%s", t->username, host_open(domain),
		    domain, host_close(domain));
}

/* Write tr's state to the store for the other nodes' APIs. */
static void put_state(const struct trunkreg *tr)
{
	struct store_trunk_reg r;
	int err;

	memset(&r, 0, sizeof(r));
	r.trunk_id = tr->trunk.id;
	str_copy(r.node, tr->srv->cfg->node_id, sizeof(r.node));
	str_copy(r.state, sipsrv_trunkreg_state_name(tr->status.state),
		 sizeof(r.state));
	r.code = tr->status.code;
	str_copy(r.reason, tr->status.reason, sizeof(r.reason));
	r.expires_at = tr->status.expires_at;
	r.retry_at = tr->status.retry_at;
	r.failures = tr->status.failures;
	r.updated_at = time_now_ms();
	err = store_trunk_reg_put(tr->srv->st, &r);
	if (err && err != ENOENT) /* ENOENT: the trunk was just deleted */
		warning("trunkreg: trunk %lld: state not stored: %m\n",
			(long long)tr->trunk.id, err);
}

/* This node stopped registering: its rows say so. */
static void stop_states(const struct sipsrv *srv)
{
	int err = store_trunk_reg_stop(srv->st, srv->cfg->node_id,
				       time_now_ms(), NULL);

	if (err)
		warning("trunkreg: states not stored: %m\n", err);
}

static void set_reason(struct trunkreg *tr, uint16_t code,
		       const struct pl *reason, const char *text)
{
	tr->status.code = code;
	if (reason)
		str_from_pl(tr->status.reason, sizeof(tr->status.reason),
			    reason);
	else
		str_copy(tr->status.reason, text ? text : "",
			 sizeof(tr->status.reason));
}

/* [ms] before attempt number failures + 1 */
static uint64_t backoff(uint32_t failures)
{
	uint64_t ms = BACKOFF_MAX;

	if (failures && failures <= 7)
		ms = (uint64_t)BACKOFF_MIN << (failures - 1);
	if (ms > BACKOFF_MAX)
		ms = BACKOFF_MAX;
	return ms + rand_u32() % (ms / 10 + 1);
}

static void schedule(struct trunkreg *tr, uint64_t ms)
{
	tr->status.retry_at = time_now_ms() + ms;
	tmr_start(&tr->tmr, ms, attempt, tr);
}

/*
 * The attempt failed: release the sipreg (after a refresh that failed,
 * libre removes the binding it held) and try again later.  no_answer:
 * nothing came back (timeout, transport error).
 */
static void failed(struct trunkreg *tr, bool no_answer)
{
	bool had_binding = tr->reg && sipreg_registered(tr->reg);
	uint64_t wait;

	tr->status.state = TRUNKREG_FAILED;
	tr->status.expires_at = 0;
	tr->status.failures++;
	wait = backoff(tr->status.failures);
	if (had_binding && no_answer && wait < UNREG_GUARD)
		wait = UNREG_GUARD;
	tr->reg = mem_deref(tr->reg);
	schedule(tr, wait);
	put_state(tr);
	warning("trunkreg: trunk %lld (%s): registration failed: %u %s; "
		"retry in %llu s (failure %u)\n",
		(long long)tr->trunk.id, tr->trunk.name, tr->status.code,
		tr->status.reason, (unsigned long long)(wait + 999) / 1000,
		tr->status.failures);
}

/*
 * Every final answer to one of our REGISTERs, refreshes included, after
 * libre has answered challenges.  Called last by sipreg, so releasing the
 * sipreg here is safe.
 */
static void reg_resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct trunkreg *tr = arg;
	uint32_t granted;
	bool was;

	if (err || !msg) {
		char text[64];
		re_snprintf(text, sizeof(text), "%m", err ? err : EPROTO);
		set_reason(tr, err == ETIMEDOUT ? 408 : 503, NULL, text);
		failed(tr, true);
		return;
	}
	if (msg->scode < 200)
		return;
	if (msg->scode >= 300) {
		set_reason(tr, msg->scode, &msg->reason, NULL);
		failed(tr, false);
		return;
	}

	granted = sipreg_proxy_expires(tr->reg);
	set_reason(tr, msg->scode, &msg->reason, NULL);
	if (!granted) {
		set_reason(tr, msg->scode, NULL, "no binding granted");
		failed(tr, false);
		return;
	}
	was = tr->status.state == TRUNKREG_REGISTERED;
	tr->status.state = TRUNKREG_REGISTERED;
	tr->status.expires_at = time_now_ms() + (uint64_t)granted * 1000;
	tr->status.retry_at = 0;
	tr->status.failures = 0;
	put_state(tr);
	if (was)
		debug("trunkreg: trunk %lld: refreshed for %u s\n",
		      (long long)tr->trunk.id, granted);
	else
		info("trunkreg: trunk %lld (%s): registered for %u s\n",
		     (long long)tr->trunk.id, tr->trunk.name, granted);
}

/* Start a new registration client (timer handler, or directly). */
static void attempt(void *arg)
{
	struct trunkreg *tr = arg;
	struct sipsrv *srv = tr->srv;
	const struct store_trunk *t = &tr->trunk;
	struct trunk_cred *cred = NULL;
	char reg_uri[192], aor[192], text[64];
	int err;

	tr->reg = mem_deref(tr->reg);
	tr->status.retry_at = 0;
	tr->status.state = TRUNKREG_REGISTERING;
	tr->attempts++;
	registrar_uri(reg_uri, sizeof(reg_uri), t);
	aor_uri(aor, sizeof(aor), t);
	info("trunkreg: trunk %lld (%s): registering %s at %s (attempt %u)\n",
	     (long long)t->id, t->name, aor, reg_uri, tr->attempts);
	put_state(tr);

	err = trunk_cred_alloc(&cred, t);
	if (!err)
		err = sipreg_register(
		    &tr->reg, srv->sip, reg_uri, aor, NULL, aor,
		    t->expires ? t->expires : EXPIRES_DEFAULT, t->username,
		    NULL, 0, 0, trunk_cred_auth, cred, true, reg_resp_handler,
		    tr, NULL, NULL);
	mem_deref(cred);
	if (err) {
		/* e.g. a registrar URI that does not parse or no transport */
		re_snprintf(text, sizeof(text), "cannot send REGISTER: %m",
			    err);
		set_reason(tr, 0, NULL, text);
		failed(tr, true);
	}
}

static int trunkreg_alloc(struct trunkreg **trp, struct sipsrv *srv,
			  const struct store_trunk *t)
{
	struct trunkreg *tr;

	tr = mem_zalloc(sizeof(*tr), trunkreg_destructor);
	if (!tr)
		return ENOMEM;
	tr->srv = srv;
	tr->trunk = *t;
	tmr_init(&tr->tmr);
	list_append(&srv->trunkregs, &tr->le, tr);
	*trp = tr;
	return 0;
}

static struct trunkreg *find(const struct sipsrv *srv, int64_t id)
{
	struct le *le;

	for (le = srv->trunkregs.head; le; le = le->next) {
		struct trunkreg *tr = le->data;
		if (tr->trunk.id == id)
			return tr;
	}
	return NULL;
}

/* ---- the set of registering trunks ------------------------------------ */

/* One trunk of the store: start, keep or restart its registration. */
static int reload_h(const struct store_trunk *t, void *arg)
{
	struct sipsrv *srv = arg;
	struct trunkreg *tr;
	bool had_client;
	int err;

	if (!t->do_register)
		return 0;
	tr = find(srv, t->id);
	if (tr && same_settings(&tr->trunk, t)) {
		tr->trunk = *t; /* name, tenant, ...: for the log only */
		tr->seen = true;
		return 0;
	}
	if (tr) {
		info("trunkreg: trunk %lld (%s): new settings, registering "
		     "again\n",
		     (long long)t->id, t->name);
		/* a client with a binding, or one that may get it from a
		 * REGISTER under way, removes it when released */
		had_client = tr->reg != NULL;
		tr->reg = mem_deref(tr->reg);
		tr->trunk = *t;
		memset(&tr->status, 0, sizeof(tr->status));
		tr->seen = true;
		if (had_client) {
			tr->status.state = TRUNKREG_REGISTERING;
			schedule(tr, REPLACE_GUARD);
			put_state(tr);
		}
		else {
			attempt(tr);
		}
		return 0;
	}
	err = trunkreg_alloc(&tr, srv, t);
	if (err)
		return err;
	tr->seen = true;
	attempt(tr);
	return 0;
}

static int reload(struct sipsrv *srv)
{
	struct le *le;
	int err;

	if (!lease.held)
		return 0; /* another node registers */
	for (le = srv->trunkregs.head; le; le = le->next) {
		struct trunkreg *tr = le->data;
		tr->seen = false;
	}
	err = store_trunk_list(srv->st, reload_h, srv);
	if (err) {
		warning("trunkreg: cannot read the trunks: %m\n", err);
		return err; /* keep what runs */
	}
	le = srv->trunkregs.head;
	while (le) {
		struct trunkreg *tr = le->data;
		le = le->next;
		if (!tr->seen) {
			info("trunkreg: trunk %lld (%s): no longer "
			     "registering\n",
			     (long long)tr->trunk.id, tr->trunk.name);
			mem_deref(tr);
		}
	}
	return 0;
}

static bool lease_now(const struct sipsrv *srv)
{
	return node_lease_held(srv->cfg, srv->st, NODE_LEASE_TRUNKREG,
			       time_now_ms());
}

/* [ms] between looks at the lease: the heartbeat interval (10 s if a
 * test's configuration has none). */
static uint64_t lease_period(const struct sipsrv *srv)
{
	unsigned s = srv->cfg->heartbeat_interval;

	return (uint64_t)(s ? s : 10) * 1000;
}

/* Every heartbeat interval: start or stop by the lease. */
static void lease_check(void *arg)
{
	struct sipsrv *srv = arg;
	bool held = lease_now(srv);

	tmr_start(&lease.tmr, lease_period(srv), lease_check, srv);
	if (held == lease.held)
		return;
	lease.held = held;
	if (held) {
		info("trunkreg: this node holds the trunkreg lease: "
		     "registering the trunks\n");
		(void)reload(srv);
	}
	else {
		warning("trunkreg: this node lost the trunkreg lease: it "
			"stops registering\n");
		list_flush(&srv->trunkregs);
		stop_states(srv);
	}
}

int trunkreg_init(struct sipsrv *srv)
{
	if (!srv)
		return EINVAL;
	tmr_init(&lease.tmr);
	lease.held = lease_now(srv);
	tmr_start(&lease.tmr, lease_period(srv), lease_check, srv);
	if (!lease.held)
		info("trunkreg: another node holds the trunkreg lease and "
		     "registers the trunks\n");
	return reload(srv);
}

void trunkreg_close(struct sipsrv *srv)
{
	tmr_cancel(&lease.tmr);
	if (srv)
		list_flush(&srv->trunkregs);
	if (srv && lease.held)
		stop_states(srv);
	lease.held = false;
}

/* ---- sip.h ------------------------------------------------------------ */

const char *sipsrv_trunkreg_state_name(enum sip_trunkreg_state state)
{
	switch (state) {
	case TRUNKREG_REGISTERING:
		return "registering";
	case TRUNKREG_REGISTERED:
		return "registered";
	case TRUNKREG_FAILED:
		return "failed";
	default:
		return "unregistered";
	}
}

int sipsrv_trunkreg_state_parse(const char *name,
				enum sip_trunkreg_state *statep)
{
	enum sip_trunkreg_state v;

	for (v = TRUNKREG_UNREGISTERED; v <= TRUNKREG_FAILED; v++) {
		if (name && statep &&
		    !strcmp(name, sipsrv_trunkreg_state_name(v))) {
			*statep = v;
			return 0;
		}
	}
	return EINVAL;
}

void sipsrv_trunkreg_reload(void)
{
	struct sipsrv *srv = sipsrv_g;

	if (!srv || srv->closing)
		return;
	(void)reload(srv);
}

int sipsrv_trunkreg_status(int64_t trunk_id, struct sip_trunkreg_status *s)
{
	const struct trunkreg *tr;

	if (!s)
		return EINVAL;
	if (!sipsrv_g)
		return ENOENT;
	tr = find(sipsrv_g, trunk_id);
	if (!tr)
		return ENOENT;
	*s = tr->status;
	/* past its expiry a binding is gone, even while libre's refresh
	 * is still retransmitting */
	if (s->state == TRUNKREG_REGISTERED && time_now_ms() >= s->expires_at)
		s->state = TRUNKREG_REGISTERING;
	return 0;
}
