/*
 * outbox.c - the outbox dispatcher of this node, and notify_mail().
 *
 * The SIP thread owns everything here except one job in flight:
 *
 *   SIP thread                                   worker thread
 *   ----------                                   -------------
 *   tick (tmr, every NOTIFY_POLL ms, or at once
 *   after an enqueue or a finished job):
 *     no job in flight, a row due?
 *     store_outbox_claim -> job (a copy of the
 *     row and of the SMTP account, or of the
 *     push subscription) ---------------------> smtp_send or push_send
 *                                                (curl, blocks)
 *                                                mqueue_push(job)
 *   done_h (mqueue) <---------------------------
 *     join, notify_judge -> store: sent, retry
 *     or fail; next tick at once
 *
 * While a job is in flight the worker touches only the job, libcurl and
 * the attachment files; the SIP thread does not touch the job until it
 * has joined the worker.  A new thread per job (not a pool): one mail at a
 * time, each taking seconds, so the cost of a thread start does not
 * matter, and a thread that is joined after each job leaves nothing to
 * clean up.  The worker blocks all signals: they belong to the SIP
 * thread's loop.
 *
 * Shutdown aborts a transfer in flight (curl's progress callback sees
 * the stop flag within about a second); the row goes back to pending
 * without counting the attempt, or is marked sent if it made it.
 *
 * Many nodes on one store: the tick claims rows only while this node
 * holds the "outbox" lease, and escalates notes only while it holds
 * "escalation" (node.h); the heartbeat of node/ renews them.
 *
 * Delivery is at least once.  A claimed row is "sending" with this node's
 * id before the transfer starts; the mail's Message-ID is made from the
 * row (smtp.c), the same on every attempt and every node.  A node killed
 * after the SMTP server accepted a mail but before it marked the row sent
 * leaves it "sending": once its heartbeat is stale the row is pending
 * again (stale_check; at once when a node takes the outbox lease over)
 * and the next holder sends it again, with the same Message-ID, so a
 * receiver that drops duplicates by Message-ID shows it once.  Exactly
 * once is not possible without the server's help: the accept and our
 * write cannot be one transaction.
 */
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <curl/curl.h>
#include <re.h>
#include "core/core.h"
#include "notify/notify_int.h"
#include "notify/push_int.h"
#include "node/node.h"

/* One delivery in flight. */
struct job {
	struct notify *n; /* (weak) outlives the job          */
	pthread_t tid;
	struct smtp_conf conf;  /* copy for the worker               */
	struct sms_conf sms;    /* copy for the worker               */
	char secret[80];        /* the tenant's webhook secret       */
	bool hook_loopback;     /* --webhook-allow-loopback          */
	struct push_conf push;  /* a webpush row's, for the worker   */
	struct store_outbox o;  /* the claimed row                   */
	struct notify_result r; /* written by the worker             */
};

struct notify {
	struct tmr tmr;
	const struct config *cfg; /* (weak) outlives the dispatcher   */
	struct store *st;         /* (weak) outlives the dispatcher   */
	struct notify_policy pol;
	struct mqueue *mq; /* worker -> SIP thread (owned)        */
	struct job *job;   /* in flight, or NULL (owned)          */
	atomic_bool stop;  /* abort the transfer in flight        */
	uint64_t stale_at; /* [ms] last look for dead nodes' rows  */
	uint64_t esc_at;   /* [ms] last look for notes to escalate */
	bool held;         /* holds the outbox lease (last tick)   */
	bool curl;         /* curl_global_init() done             */
	/* the VAPID key pair of the installation (push.c) */
	struct push_keys keys;
	notify_oncall_h *oncallh; /* places on-call calls, or NULL */
	void *oncall_arg;
};

static void tick(void *arg);

/*
 * The channels: can this node deliver it now (its configuration), and
 * the worker's call that delivers one row.  A new channel is a row here
 * (and its name in store.h's enum store_channel).
 */
struct channel {
	enum store_channel ch;
	bool (*ready)(const struct config *cfg);
	void (*send)(struct job *job);
};

static void mail_send(struct job *job)
{
	smtp_send(&job->conf, &job->o, &job->n->stop, &job->r);
}

static void sms_job(struct job *job)
{
	sms_send(&job->sms, &job->o, &job->n->stop, &job->r);
}

static void webhook_job(struct job *job)
{
	webhook_send(job->secret, job->hook_loopback, &job->o, &job->n->stop,
		     &job->r);
}

static bool always(const struct config *cfg)
{
	(void)cfg;
	return true;
}

static void push_job(struct job *job)
{
	push_send(&job->push, &job->o, &job->n->stop, &job->r);
}

static const struct channel channelv[] = {
    {STORE_CHANNEL_MAIL, notify_mail_configured, mail_send},
    {STORE_CHANNEL_SMS, notify_sms_configured, sms_job},
    {STORE_CHANNEL_WEBHOOK, always, webhook_job},
    {STORE_CHANNEL_WEBPUSH, always, push_job},
};

static const struct channel *channel_of(enum store_channel ch)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(channelv); i++) {
		if (channelv[i].ch == ch)
			return &channelv[i];
	}
	return NULL;
}

/* The bits (1 << channel) of the channels this node can deliver. */
static unsigned channels_ready(const struct config *cfg)
{
	unsigned mask = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(channelv); i++) {
		if (channelv[i].ready(cfg))
			mask |= 1u << channelv[i].ch;
	}
	return mask;
}

/* The URL without user:password@ (for the log). */
static int url_print(struct re_printf *pf, void *arg)
{
	const char *url = arg, *host = strstr(url, "://"), *at;

	if (!host)
		return re_hprintf(pf, "(bad URL)");
	host += 3;
	at = strchr(host, '@');
	if (at && (!strchr(host, '/') || at < strchr(host, '/')))
		return re_hprintf(pf, "%b%s", url, (size_t)(host - url),
				  at + 1);
	return re_hprintf(pf, "%s", url);
}

/* failed attempts and deliveries given up, by channel, since start
 * (GET /metrics); main thread */
static struct notify_metrics metrics;

void notify_metrics_get(struct notify_metrics *m)
{
	if (m)
		*m = metrics;
}

static void count_failure(enum store_channel ch, bool final)
{
	if ((unsigned)ch >= STORE_CHANNEL_COUNT)
		return;
	metrics.attempts_failed[ch]++;
	if (final)
		metrics.failed[ch]++;
}

/* Apply the outcome of job to its row. */
static void finish(struct notify *n, struct job *job)
{
	const struct store_outbox *o = &job->o;
	uint64_t now = time_now_ms(), next = 0;
	enum notify_verdict v;
	/* the log gets the generic reason: the raw text (kept in the row
	 * for the operator) may name the recipient */
	const char *why = notify_error_reason(o->channel, job->r.error);
	char ext[128];
	int err;

	if (!why)
		why = "no reason";
	if (atomic_load(&n->stop) && !job->r.ok) {
		/* cut by our shutdown: not an attempt that failed */
		err = store_outbox_requeue(n->st, n->cfg->node_id, NULL);
		if (err)
			warning("notify: outbox %lld: requeue: %m\n",
				(long long)o->id, err);
		return;
	}

	if (o->channel == STORE_CHANNEL_WEBPUSH)
		push_after(n->st, &job->push, o);

	v = notify_judge(&n->pol, o, &job->r, now, &next);
	switch (v) {
	case NOTIFY_SENT:
		ext[0] = '\0';
		if (o->channel == STORE_CHANNEL_SMS &&
		    notify_sms_id(ext, sizeof(ext), job->r.answer) == EINVAL)
			warning("notify: sms %lld: the gateway's answer names "
				"no usable message id\n",
				(long long)o->id);
		err =
		    store_outbox_done(n->st, o->id, now, job->r.delivered, ext);
		if (!err)
			info("notify: %s %lld %s (attempt %u)%s%s\n",
			     store_channel_name(o->channel), (long long)o->id,
			     job->r.delivered ? "delivered" : "sent",
			     o->attempts + 1, ext[0] ? ", gateway id " : "",
			     ext);
		break;

	case NOTIFY_RETRY:
		count_failure(o->channel, false);
		err = store_outbox_retry(n->st, o->id, next, job->r.error);
		if (!err)
			warning("notify: %s %lld: attempt %u failed: %s; "
				"next attempt in %llu s\n",
				store_channel_name(o->channel),
				(long long)o->id, o->attempts + 1, why,
				(unsigned long long)((next - now) / 1000));
		break;

	case NOTIFY_FAILED:
	default:
		count_failure(o->channel, true);
		err = store_outbox_fail(n->st, o->id, job->r.error);
		if (!err)
			warning("notify: %s %lld failed for good after %u "
				"attempts: %s\n",
				store_channel_name(o->channel),
				(long long)o->id, o->attempts + 1, why);
		break;
	}
	if (err)
		warning("notify: outbox %lld: cannot record the outcome: %m\n",
			(long long)o->id, err);
}

static void *worker(void *arg)
{
	struct job *job = arg;
	const struct channel *c = channel_of(job->o.channel);

	if (c) {
		c->send(job);
	}
	else {
		job->r.permanent = true;
		snprintf(job->r.error, sizeof(job->r.error), "no such channel");
	}
	(void)mqueue_push(job->n->mq, 0, job);

	return NULL;
}

/* The worker of job ended: its outcome to the store, then the next. */
static void done_h(int id, void *data, void *arg)
{
	struct notify *n = arg;
	struct job *job = data;

	(void)id;
	if (!job || job != n->job)
		return;

	(void)pthread_join(job->tid, NULL);
	finish(n, job);
	n->job = mem_deref(n->job);

	tmr_start(&n->tmr, 0, tick, n);
}

/* Start a worker for job; signals stay with the SIP thread. */
static int job_start(struct job *job)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&job->tid, NULL, worker, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	return err;
}

/* Now and then: what nodes that died left in sending goes out again
 * (from here, unless they come back first). */
static void stale_check(struct notify *n, uint64_t now)
{
	uint64_t stale = (uint64_t)n->cfg->node_stale_after * 1000;
	unsigned cnt = 0;
	int err;

	if (now - n->stale_at < NOTIFY_STALE_CHECK || now <= stale)
		return;
	n->stale_at = now;

	err = store_outbox_requeue_stale(n->st, n->cfg->node_id, now - stale,
					 &cnt);
	if (err)
		warning("notify: outbox requeue of dead nodes: %m\n", err);
	else if (cnt)
		info("notify: %u deliveries of dead nodes are pending again "
		     "(they may arrive twice)\n",
		     cnt);
}

/* Urgent notes due for escalation (escalate.c), every
 * NOTIFY_ESCALATE_POLL ms at most: the tick also runs after each
 * enqueue. */
static void escalate_check(struct notify *n, uint64_t now)
{
	if (now - n->esc_at < NOTIFY_ESCALATE_POLL)
		return;
	n->esc_at = now;
	/* one node escalates (node.h, leases) */
	if (!node_lease_held(n->cfg, n->st, NODE_LEASE_ESCALATION, now))
		return;
	notify_escalate_tick(n, now);
}

/* The worker's conf of a claimed webpush row: 0 if it can go out.  Its
 * subscription gone (deleted by the API, or after a 410 of another push)
 * or unusable: the row fails at once, without a request (ENOENT: look
 * for the next row now).  The store failing: back to pending (EIO). */
static int push_prepare(struct notify *n, struct job *job)
{
	const struct store_outbox *o = &job->o;
	const char *why;
	int err;

	err = push_conf_make(&job->push, n->cfg, n->st, &n->keys, o);
	if (!err)
		return 0;

	why = err == ENOENT ? "subscription gone" : "unusable subscription";
	if (err != ENOENT && err != EINVAL) {
		/* the store: try again later, like a failed attempt */
		warning("notify: webpush %lld: subscription %lld: %m\n",
			(long long)o->id, (long long)o->push.subscription_id,
			err);
		(void)store_outbox_requeue(n->st, n->cfg->node_id, NULL);
		return EIO;
	}
	err = store_outbox_fail(n->st, o->id, why);
	if (err)
		warning("notify: outbox %lld: cannot record the outcome: %m\n",
			(long long)o->id, err);
	else
		warning("notify: webpush %lld failed: %s (subscription %lld)\n",
			(long long)o->id, why,
			(long long)o->push.subscription_id);
	return ENOENT;
}

static void tick(void *arg)
{
	struct notify *n = arg;
	struct job *job;
	int err;

	bool held;

	tmr_start(&n->tmr, NOTIFY_POLL, tick, n);
	/* one node delivers (node.h, leases) */
	held = node_lease_held(n->cfg, n->st, NODE_LEASE_OUTBOX, time_now_ms());
	if (held && !n->held)
		n->stale_at = 0; /* a takeover: the old holder's rows now */
	n->held = held;
	stale_check(n, time_now_ms());
	escalate_check(n, time_now_ms());
	if (n->job || !held)
		return;

	job = mem_zalloc(sizeof(*job), NULL);
	if (!job)
		return;

	err = store_outbox_claim_of(n->st, n->cfg->node_id, time_now_ms(),
				    channels_ready(n->cfg), &job->o);
	if (err) {
		if (err != ENOENT)
			warning("notify: outbox claim: %m\n", err);
		mem_deref(job);
		return;
	}

	job->n = n;
	if (job->o.channel == STORE_CHANNEL_WEBPUSH) {
		err = push_prepare(n, job);
		if (err) {
			mem_deref(job);
			if (err == ENOENT)
				tmr_start(&n->tmr, 0, tick, n);
			return;
		}
	}
	str_copy(job->conf.url, n->cfg->smtp_url, sizeof(job->conf.url));
	str_copy(job->conf.user, n->cfg->smtp_user, sizeof(job->conf.user));
	str_copy(job->conf.password, n->cfg->smtp_password,
		 sizeof(job->conf.password));
	str_copy(job->sms.url, n->cfg->sms_gateway_url, sizeof(job->sms.url));
	str_copy(job->sms.token, n->cfg->sms_gateway_token,
		 sizeof(job->sms.token));
	job->hook_loopback = n->cfg->webhook_allow_loopback;
	if (job->o.channel == STORE_CHANNEL_WEBHOOK && job->o.tenant_id > 0) {
		struct store_note_settings ns;

		if (!store_note_settings_get(n->st, job->o.tenant_id, &ns))
			str_copy(job->secret, ns.webhook_secret,
				 sizeof(job->secret));
	}

	err = job_start(job);
	if (err) {
		warning("notify: %s %lld: no worker thread: %m\n",
			store_channel_name(job->o.channel),
			(long long)job->o.id, err);
		(void)store_outbox_requeue(n->st, n->cfg->node_id, NULL);
		mem_deref(job);
		return;
	}
	debug("notify: %s %lld: attempt %u\n",
	      store_channel_name(job->o.channel), (long long)job->o.id,
	      job->o.attempts + 1);
	n->job = job;
}

static void destructor(void *arg)
{
	struct notify *n = arg;

	tmr_cancel(&n->tmr);
	if (n->job) {
		atomic_store(&n->stop, true);
		(void)pthread_join(n->job->tid, NULL);
		finish(n, n->job);
		n->job = mem_deref(n->job);
	}
	n->mq = mem_deref(n->mq);
	if (n->curl)
		curl_global_cleanup();
	memset(&n->keys, 0, sizeof(n->keys));
}

bool notify_mail_configured(const struct config *cfg)
{
	return cfg && cfg->smtp_url[0];
}

bool notify_sms_configured(const struct config *cfg)
{
	return cfg && cfg->sms_gateway_url[0];
}

const struct config *notify_config(const struct notify *n)
{
	return n->cfg;
}

struct store *notify_store(const struct notify *n)
{
	return n->st;
}

const struct push_keys *notify_push_keys(const struct notify *n)
{
	return &n->keys;
}

void notify_reconfigure(struct notify *n)
{
	if (n)
		notify_policy_of(&n->pol, n->cfg);
}

int notify_alloc(struct notify **np, const struct config *cfg, struct store *st)
{
	struct notify *n;
	unsigned requeued = 0;
	int err;

	if (!np || !cfg || !st)
		return EINVAL;

	n = mem_zalloc(sizeof(*n), destructor);
	if (!n)
		return ENOMEM;
	n->cfg = cfg;
	n->st = st;
	atomic_init(&n->stop, false);
	notify_policy_of(&n->pol, cfg);

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		err = ENOMEM;
		goto out;
	}
	n->curl = true;

	err = mqueue_alloc(&n->mq, done_h, n);
	if (err)
		goto out;

	/* what this node was sending when it died goes out again */
	err = store_outbox_requeue(st, cfg->node_id, &requeued);
	if (err)
		goto out;
	if (requeued)
		info("notify: %u deliveries cut by the last stop are pending "
		     "again (they may arrive twice)\n",
		     requeued);

	/* the VAPID key pair: made on the installation's first start */
	err = push_keys_load(&n->keys, st);
	if (err) {
		warning("notify: web push: no VAPID key: %m\n", err);
		goto out;
	}

	if (notify_mail_configured(cfg)) {
		info("notify: mail through %H from %s%s; retry after %u s, "
		     "doubling up to %u s, %u attempts\n",
		     url_print, cfg->smtp_url, cfg->smtp_from,
		     cfg->smtp_user[0] ? " with AUTH" : "", n->pol.retry_base,
		     n->pol.retry_max, n->pol.max_attempts);
	}
	else {
		info("notify: no --smtp-url: mails wait in the outbox\n");
	}
	if (notify_sms_configured(cfg))
		info("notify: SMS through %H\n", url_print,
		     cfg->sms_gateway_url);
	else
		info("notify: no --sms-gateway-url: SMS wait in the outbox\n");
	/* webhooks need nothing configured: the dispatcher always runs */
	info("notify: web push as %s%s\n", cfg->push_subject,
	     cfg->push_allow_http ? " (http:// endpoints allowed)" : "");
	tmr_start(&n->tmr, 0, tick, n);

out:
	if (err)
		mem_deref(n);
	else
		*np = n;
	return err;
}

/* Copy list ("a@x,b@y ,c@z") as "a@x, b@y, c@z" into buf; false if it
 * does not fit. */
static bool list_norm(char *buf, size_t sz, const char *list)
{
	const char *p, *end;
	size_t used = 0, n;

	buf[0] = '\0';
	for (p = list; p && *p; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			++p;
		n = (size_t)(end - p);
		while (n && p[n - 1] == ' ')
			--n;
		if (!n)
			continue;
		if (used + n + (used ? 2 : 0) + 1 > sz)
			return false;
		if (used) {
			memcpy(buf + used, ", ", 2);
			used += 2;
		}
		memcpy(buf + used, p, n);
		used += n;
		buf[used] = '\0';
	}

	return true;
}

/* No control characters in s; in a body also \n, \r and \t are fine. */
static bool text_ok(const char *s, bool body)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0x7f || (c < ' ' && !(body && strchr("\n\r\t", c))))
			return false;
	}
	return true;
}

/* Fits buffer sz with its NUL. */
static bool fits(const char *s, size_t sz)
{
	return !s || strlen(s) < sz;
}

int notify_mail_row(const struct config *cfg, const struct notify_mail *m,
		    struct store_outbox *o)
{
	size_t i;

	if (!cfg || !m || !o || !notify_addr_list_ok(m->to) ||
	    (str_isset(m->cc) && !notify_addr_list_ok(m->cc)) ||
	    !text_ok(m->subject, false) || !text_ok(m->body, true) ||
	    m->filec > STORE_OUTBOX_FILES || (m->filec && !m->filev))
		return EINVAL;

	memset(o, 0, sizeof(*o));
	o->tenant_id = m->tenant_id;
	o->channel = STORE_CHANNEL_MAIL;
	if (!list_norm(o->mail_to, sizeof(o->mail_to), m->to) ||
	    !list_norm(o->mail_cc, sizeof(o->mail_cc), m->cc) ||
	    !fits(m->subject, sizeof(o->subject)) ||
	    !fits(m->body, sizeof(o->body)))
		return EINVAL;
	str_copy(o->mail_from, cfg->smtp_from, sizeof(o->mail_from));
	str_copy(o->subject, m->subject ? m->subject : "", sizeof(o->subject));
	str_copy(o->body, m->body ? m->body : "", sizeof(o->body));
	for (i = 0; i < m->filec; i++)
		o->filev[i] = m->filev[i];
	o->filec = (uint32_t)m->filec;
	return 0;
}

void notify_kick(struct notify *n)
{
	if (n && !n->job)
		tmr_start(&n->tmr, 0, tick, n);
}

int notify_mail(struct notify *n, const struct notify_mail *m, int64_t *idp)
{
	struct store_outbox *o;
	int err;

	if (!n || !m)
		return EINVAL;

	o = mem_zalloc(sizeof(*o), NULL);
	if (!o)
		return ENOMEM;

	err = notify_mail_row(n->cfg, m, o);
	if (err)
		goto out;

	err = store_outbox_add(n->st, o);
	if (err)
		goto out;

	info("notify: mail %lld queued (tenant %lld, %u attachments)\n",
	     (long long)o->id, (long long)o->tenant_id, o->filec);
	if (idp)
		*idp = o->id;

	/* deliver at once if the worker is free */
	notify_kick(n);

out:
	mem_deref(o);
	return err;
}

void notify_oncall_use(struct notify *n, notify_oncall_h *h, void *arg)
{
	if (!n)
		return;
	n->oncallh = h;
	n->oncall_arg = h ? arg : NULL;
}

notify_oncall_h *notify_oncall_handler(const struct notify *n, void **argp)
{
	*argp = n->oncall_arg;
	return n->oncallh;
}
