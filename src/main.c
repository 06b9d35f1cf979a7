/*
 * main.c - start-up order, the event loop and shutdown in reverse order.
 *
 *   config -> libre (+ check of our tmr_start, core/tmr.c) -> store
 *   (migrate) -> admin token
 *   -> node (close the calls a crash left open, heartbeat)
 *   -> voicemail sweep (message files a crash left without a row)
 *   -> notify (outbox: requeue what a crash cut, deliver) -> sip
 *   -> speech thread (media_speech_start, cache in <data>/speech)
 *   -> call (sip's incoming calls go to call/ from now on) -> http
 *   -> memory give-back tick -> SIGHUP (config_reload)
 *   -> systemd: watchdog tick, READY=1 (core/sdnotify.c)
 *   re_main() until SIGINT/SIGTERM (STOPPING=1)
 *   sip shutdown (call/ BYEs/CANCELs all calls, wait for transactions)
 *   tick -> http -> call -> speech -> sip -> notify -> node -> store
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "http/http.h"
#include "node/node.h"
#include "node/events.h"
#include "sip/sip.h"
#include "call/call.h"
#include "media/media.h"
#include "notify/notify.h"
#include "voicemail/voicemail.h"
#include "acd/acd.h"
#include "secretariat/secretariat.h"

static struct config cfg;

/*
 * Memory back to its idle level after a load peak.  glibc keeps the heap
 * that calls freed for the next calls; malloc_trim() hands its unused
 * pages back to the kernel.  The heap empties in steps: when the calls
 * end, when their SIP transactions time out (up to 32 s later), when
 * nonces expire.  A heap page goes back only once its last object is
 * freed, and that may be a small one, so the trigger is any real drop:
 * once a second, while no call is up, if the heap in use fell by
 * TRIM_STEP below its highest level since the last give-back, drop
 * SQLite's page cache (its pages sit between the calls' objects) and
 * trim.  A trim costs one madvise() per free chunk: a few milliseconds
 * for a heap left ragged by 2000 calls (about 1800 chunks).  While calls
 * are up nothing is given back or measured: the next calls would only
 * fault the pages in again.
 */
enum {
	TRIM_TICK = 1000,    /* [ms]                                     */
	TRIM_STEP = 64 << 10 /* [bytes] heap freed before a give-back    */
};

static struct {
	struct tmr tmr;
	struct store *st; /* (weak) */
	bool busy;        /* calls were up at the last tick           */
	size_t high;      /* [bytes] heap in use, highest since trim  */
} trim;

static void trim_now(void)
{
	(void)store_release_memory(trim.st);
	(void)malloc_trim(0);
	trim.high = mallinfo2().uordblks;
	debug("main: idle, heap trimmed, %zu KiB in use\n", trim.high >> 10);
}

static void trim_tick(void *arg)
{
	size_t used;

	(void)arg;
	tmr_start(&trim.tmr, TRIM_TICK, trim_tick, NULL);

	if (sipsrv_calls_active()) {
		trim.busy = true;
		return;
	}
	if (trim.busy) { /* the last calls just ended */
		trim.busy = false;
		trim_now();
		return;
	}
	used = mallinfo2().uordblks;
	if (used > trim.high)
		trim.high = used;
	else if (trim.high - used >= TRIM_STEP)
		trim_now();
}

static void trim_start(struct store *st)
{
	trim.st = st;
	trim.high = mallinfo2().uordblks;
	tmr_start(&trim.tmr, TRIM_TICK, trim_tick, NULL);
}

/*
 * Every call leg holds an RTP and an RTCP socket, so a thousand calls need
 * four thousand descriptors: raise the soft limit to the hard one and tell
 * libre's poll loop (whose default is 1024) to watch that many.
 */
static void fd_limit_raise(void)
{
	struct rlimit rl;
	int n = 4096;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 0)
			n = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	}
	if (fd_setsize(n))
		warning("main: cannot poll %d descriptors\n", n);
	else
		info("main: up to %d open descriptors\n", n);
}

static void signal_handler(int sig)
{
	static int count;

	info("main: caught signal %d, shutting down\n", sig);
	if (++count > 1) {
		re_cancel();
	}
	else {
		sdnotify_stopping();
		sipsrv_shutdown(re_cancel);
	}
}

/* SIGHUP and POST /api/v1/reload: the log file reopened, the
 * configuration again; what may change running changes (rep: what did,
 * may be NULL; by: "SIGHUP" or "reload", for the log).  0, or the error
 * of a refused reload. */
static int reload_do(const char *by, struct config_report *rep,
		     struct notify *notify)
{
	int err;

	sdnotify_reloading();
	err = log_file_reopen();
	if (err)
		warning("main: %s: cannot reopen %s: %m\n", by, cfg.log_file,
			err);
	info("main: %s: log reopened, reloading the configuration\n", by);
	err = config_reload_report(&cfg, rep);
	if (!err)
		notify_reconfigure(notify);
	sdnotify_ready(); /* a refused reload: running as before */
	return err;
}

static int reload_run(struct config_report *rep, void *arg)
{
	return reload_do("reload", rep, arg);
}

static void reload(void *arg)
{
	(void)reload_do("SIGHUP", NULL, arg);
}

/* The watchdog's health check (core/sdnotify.c): the loop runs (this is
 * called from its timer) and the store answers a query on an index; the
 * status line says what the node carries. */
static int health(char *status, size_t sz, void *arg)
{
	struct store *st = arg;
	uint64_t regs = 0;
	unsigned calls;
	int err;

	err = store_reg_count(st, time_now_ms(), &regs);
	if (err) {
		re_snprintf(status, sz,
			    "unhealthy: the database does not "
			    "answer (%m)",
			    err);
		return err;
	}
	calls = sipsrv_calls_active();
	re_snprintf(status, sz, "%u call%s, %llu registration%s", calls,
		    calls == 1 ? "" : "s", (unsigned long long)regs,
		    regs == 1 ? "" : "s");
	return 0;
}

int main(int argc, char *argv[])
{
	struct store *st = NULL;
	struct http_api *api = NULL;
	struct node *node = NULL;
	struct node_events *nevents = NULL;
	struct sipsrv *srv = NULL;
	struct call_ctx *calls = NULL;
	char path[sizeof(cfg.data_dir) + 16];
	char db_name[sizeof(cfg.db_path)];
	struct notify *notify = NULL;
	struct acd *acd = NULL;
	struct secr_oncall_phone *oncall = NULL;
	int err;

	err = config_load(&cfg, argc, argv);
	if (err < 0)
		return 0;
	if (err)
		return 2;
	log_set_level(cfg.log_level);
	err = log_file_open(cfg.log_file);
	if (err) {
		fprintf(stderr, "switchboard: --log-file: cannot open %s: %s\n",
			cfg.log_file, strerror(err));
		return 2;
	}
	if (cfg.syslog)
		log_syslog_start();
	err = sdnotify_open();
	if (err)
		warning("main: not telling systemd: %m\n", err);
	mkdir(cfg.data_dir, 0755);

	err = libre_init();
	if (err) {
		warning("main: libre_init: %m\n", err);
		return 1;
	}
	log_take_libre();
	err = tmr_replacement_check();
	if (err) {
		warning("main: timer replacement of src/core/tmr.c not active "
			"(%m); refusing to run\n",
			err);
		libre_close();
		return 1;
	}

	fd_limit_raise();

	/* a postgresql:// URL may hold a password: never logged */
	str_url_nopass(db_name, sizeof(db_name), cfg.db_path);
	err = store_open(&st, cfg.db_path);
	if (err) {
		warning("main: cannot open database %s: %m\n", db_name, err);
		goto out;
	}
	info("main: database %s, schema %d\n", db_name,
	     store_schema_version(st));
	if (cfg.admin_token_new) {
		err = admin_token_new(st, &cfg);
		goto out;
	}
	err = admin_token_ensure(st, &cfg);
	if (err)
		goto out;

	if (cfg.init_demo) {
		if (store_is_empty(st)) {
			err = store_demo_seed(st, cfg.realm, "127.0.0.1", 5090);
			if (err) {
				warning("main: demo data: %m\n", err);
				goto out;
			}
			info("main: demo data created in %s\n", db_name);
		}
		else {
			info("main: %s has data, demo not added\n", db_name);
		}
		goto out;
	}

	err = node_alloc(&node, &cfg, st);
	if (err)
		goto out;
	/* the other nodes' events on this bus, this node's to them */
	err = node_events_alloc(&nevents, &cfg, st);
	if (err)
		goto out;
	/* what a kill -9 left of a voicemail message: no row, no file */
	err = voicemail_sweep(&cfg, st, NULL);
	if (err)
		warning("main: voicemail sweep: %m\n", err);
	err = notify_alloc(&notify, &cfg, st);
	if (err) {
		warning("main: outbox: %m\n", err);
		goto out;
	}
	err = sipsrv_init(&cfg, st, &srv);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s/speech", cfg.data_dir);
	err = media_speech_start(path);
	if (err) {
		warning("main: speech cache %s: %m\n", path, err);
		goto out;
	}
	err = call_ctx_start(&calls, &cfg, st, srv);
	if (err)
		goto out;
	err = secr_oncall_phone_alloc(&oncall, &cfg, st, notify, calls);
	if (err) {
		warning("main: on-call calls: %m\n", err);
		goto out;
	}
	err = acd_alloc(&acd, st);
	if (err) {
		warning("main: queues: %m\n", err);
		goto out;
	}
	err = http_api_alloc(&api, &cfg, st, notify);
	if (err) {
		warning("main: HTTP on %s: %m\n", cfg.http_listen, err);
		goto out;
	}
	http_api_set_calls(api, calls);
	http_api_set_reload(api, reload_run, notify);
	http_api_set_acd(api, acd);
	acd_feature_use(acd);
	err = acd_queue_use(acd, calls);
	if (err) {
		warning("main: queue calls: %m\n", err);
		goto out;
	}

	trim_start(st);
	err = sighup_listen(reload, notify);
	if (err) {
		warning("main: SIGHUP: %m\n", err);
		goto out;
	}
	(void)sdnotify_watch(health, st);
	sdnotify_ready();

	info("main: switchboard running: SIP %s, HTTP %s, node %s\n",
	     cfg.sip_listen, cfg.http_listen, cfg.node_id);
	err = re_main(signal_handler);

out:
	sdnotify_close();
	sighup_close();
	tmr_cancel(&trim.tmr);
	api = mem_deref(api);
	acd_feature_use(NULL);
	(void)acd_queue_use(NULL, NULL);
	acd = mem_deref(acd);
	oncall = mem_deref(oncall);
	calls = mem_deref(calls);
	media_speech_stop();
	sipsrv_close();
	notify = mem_deref(notify);
	nevents = mem_deref(nevents);
	node = mem_deref(node);
	st = mem_deref(st);
	libre_close();
	tmr_replacement_flush();
	tmr_debug();
	log_file_close();
	log_syslog_stop();
	return err ? 1 : 0;
}
