/*
 * node_test_events.c - events between nodes (node/events.h, migration
 * 61): the rows in the store (on both backends: the PostgreSQL insert
 * also notifies), an event's row and back, and a node following another
 * node's rows: each published once with its node, its own rows skipped,
 * a hole in the ids waited for and then given up, nothing written back.
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "core/core.h"
#include "store/store.h"
#include "node/events.h"
#include "test.h"
#include "store_test.h"

struct got {
	unsigned n;     /* remote events */
	unsigned local; /* events published here */
	char types[8][16];
	char node[16];
	int64_t tenant_id, employee_id;
	uint64_t time;
	char json[256];
};

static void got_h(const struct event *ev, void *arg)
{
	struct got *g = arg;

	if (!ev->node) {
		g->local++;
		return;
	}
	if (g->n < 8)
		str_copy(g->types[g->n], ev->type, sizeof(g->types[0]));
	g->n++;
	str_copy(g->node, ev->node, sizeof(g->node));
	g->tenant_id = ev->tenant_id;
	g->employee_id = ev->employee_id;
	g->time = ev->time;
	g->json[0] = '\0';
	if (ev->fields)
		re_snprintf(g->json, sizeof(g->json), "%H", json_encode_odict,
			    ev->fields);
}

struct rows {
	unsigned n;
	int64_t ids[8];
	char nodes[8][8];
	char fields[8][64];
};

static int rows_h(const struct store_node_event *e, void *arg)
{
	struct rows *r = arg;

	if (r->n < 8) {
		r->ids[r->n] = e->id;
		str_copy(r->nodes[r->n], e->node_id, sizeof(r->nodes[0]));
		str_copy(r->fields[r->n], e->fields, sizeof(r->fields[0]));
	}
	r->n++;
	return 0;
}

static int add(struct store *st, const char *node, uint64_t at,
	       const char *type)
{
	struct store_node_event e;

	memset(&e, 0, sizeof(e));
	e.node_id = node;
	e.at = at;
	e.tenant_id = 1;
	e.cls = "agent";
	e.type = type;
	e.fields = "{\"employee_id\":7}";
	return store_node_event_add(st, &e, NULL);
}

/* PostgreSQL: what the LISTEN connection said. */
struct heard {
	unsigned wakeups, reconnects;
	struct tmr stop;
};

static void heard_h(bool reconnected, void *arg)
{
	struct heard *hd = arg;

	if (reconnected)
		hd->reconnects++;
	else
		hd->wakeups++;
	re_cancel();
}

static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}

/* Run the main loop until the listener says something, at most ms. */
static void listen_for(struct heard *hd, uint64_t ms)
{
	tmr_start(&hd->stop, ms, stop_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&hd->stop);
}

/* The insert notifies (at its commit, with the row there to read); a
 * lost LISTEN connection is made again and says so. */
static int listen_pg(struct tdb *db)
{
	struct store_listen *l = NULL;
	struct heard hd;
	char buf[32];
	int err = 0;

	memset(&hd, 0, sizeof(hd));
	tmr_init(&hd.stop);
	TEST_EQ_INT(store_listen_alloc(&l, "/tmp/x.db", STORE_EVENTS_CHANNEL,
				       heard_h, &hd),
		    ENOTSUP);
	TEST_EQ_INT(store_listen_alloc(&l, db->path, STORE_EVENTS_CHANNEL,
				       heard_h, &hd),
		    0);
	/* the connect runs in the main loop: up once it says so */
	TEST_ASSERT(!store_listen_up(l));
	listen_for(&hd, 5000);
	TEST_EQ_INT(hd.reconnects, 1);
	TEST_ASSERT(store_listen_up(l));
	TEST_EQ_INT(add(db->st, "b", T0, "state"), 0);
	listen_for(&hd, 5000);
	TEST_EQ_INT(hd.wakeups, 1);
	TEST_EQ_INT(store_listen_count(l), 1);
	/* the server ends the LISTEN session: made again within a retry */
	TEST_EQ_INT(raw_pg_query(db->path,
				 "SELECT count(pg_terminate_backend(pid)) FROM"
				 " pg_stat_activity WHERE query LIKE 'LISTEN%'"
				 " AND pid <> pg_backend_pid()",
				 buf, sizeof(buf)),
		    0);
	TEST_EQ_STR(buf, "1");
	listen_for(&hd, 3 * STORE_LISTEN_RETRY_MS + 2000);
	TEST_EQ_INT(hd.reconnects, 2);
	TEST_ASSERT(store_listen_up(l));
	TEST_EQ_INT(add(db->st, "b", T0, "state"), 0);
	listen_for(&hd, 5000);
	TEST_EQ_INT(hd.wakeups, 2);

out:
	tmr_cancel(&hd.stop);
	mem_deref(l);
	return err;
}

/* A server that takes the TCP connection but never answers (a stopped
 * postmaster): the connect must not hold the main loop. */
struct ticks {
	struct tmr tmr;
	uint64_t last, max_gap;
	unsigned n;
};

static void tick_h(void *arg)
{
	struct ticks *t = arg;
	uint64_t now = tmr_jiffies();

	if (t->last && now - t->last > t->max_gap)
		t->max_gap = now - t->last;
	t->last = now;
	if (++t->n >= 30) {
		re_cancel();
		return;
	}
	tmr_start(&t->tmr, 50, tick_h, t);
}

int test_store_listen_nonblocking(void)
{
	struct store_listen *l = NULL;
	struct heard hd;
	struct ticks t;
	struct sa sa;
	char url[96];
	uint64_t t0;
	int fd = -1, err = 0;

	memset(&hd, 0, sizeof(hd));
	memset(&t, 0, sizeof(t));
	tmr_init(&t.tmr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	TEST_ASSERT(fd >= 0);
	TEST_EQ_INT(sa_set_str(&sa, "127.0.0.1", 0), 0);
	TEST_EQ_INT(bind(fd, &sa.u.sa, sa.len), 0);
	TEST_EQ_INT(listen(fd, 4), 0); /* never accepted */
	TEST_EQ_INT(getsockname(fd, &sa.u.sa, &sa.len), 0);
	re_snprintf(url, sizeof(url), "postgresql://sb@127.0.0.1:%u/sb",
		    sa_port(&sa));
	t0 = tmr_jiffies();
	TEST_EQ_INT(
	    store_listen_alloc(&l, url, STORE_EVENTS_CHANNEL, heard_h, &hd), 0);
	TEST_ASSERT(tmr_jiffies() - t0 < 100);
	/* 1.5 s of the loop: every 50 ms tick comes, nothing is heard */
	tmr_start(&t.tmr, 50, tick_h, &t);
	(void)re_main(NULL);
	TEST_EQ_INT(t.n, 30);
	TEST_ASSERT(t.max_gap < 150);
	TEST_EQ_INT(hd.reconnects + hd.wakeups, 0);
	TEST_ASSERT(!store_listen_up(l));

out:
	tmr_cancel(&t.tmr);
	mem_deref(l);
	if (fd >= 0)
		close(fd);
	return err;
}

int test_store_node_events(void)
{
	struct tdb db;
	struct rows r;
	struct store_node_event e;
	int64_t last = -1;
	unsigned n = 0;
	int err = 0;

	TEST_EQ_INT(tdb_open(&db), 0);
	TEST_EQ_INT(store_node_event_last(db.st, &last), 0);
	TEST_EQ_INT(last, 0);
	memset(&e, 0, sizeof(e));
	e.node_id = "a";
	e.cls = "call";
	e.type = "new";
	TEST_EQ_INT(store_node_event_add(db.st, &e, NULL),
		    EINVAL); /* no fields */
	e.fields = "{}";
	e.tenant_id = -1;
	TEST_EQ_INT(store_node_event_add(db.st, &e, NULL), EINVAL);

	TEST_EQ_INT(add(db.st, "a", T0 - 400000, "state"), 0);
	TEST_EQ_INT(add(db.st, "b", T0 - 1000, "state"), 0);
	TEST_EQ_INT(add(db.st, "a", T0, "state"), 0);
	TEST_EQ_INT(store_node_event_last(db.st, &last), 0);
	TEST_ASSERT(last >= 3);

	memset(&r, 0, sizeof(r));
	TEST_EQ_INT(store_node_event_after(db.st, 0, 10, rows_h, &r), 0);
	TEST_EQ_INT(r.n, 3);
	TEST_ASSERT(r.ids[0] < r.ids[1] && r.ids[1] < r.ids[2]);
	TEST_EQ_INT(r.ids[2], last);
	TEST_EQ_STR(r.nodes[1], "b");
	TEST_EQ_STR(r.fields[1], "{\"employee_id\":7}");
	memset(&r, 0, sizeof(r));
	TEST_EQ_INT(store_node_event_after(db.st, r.ids[0], 1, rows_h, &r), 0);
	TEST_EQ_INT(r.n, 1); /* the limit */

	/* 5 minutes: only the first goes; the newest always stays */
	TEST_EQ_INT(store_node_event_trim(db.st, T0 - 300000, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(store_node_event_trim(db.st, T0 + 1, &n), 0);
	TEST_EQ_INT(n, 1);
	memset(&r, 0, sizeof(r));
	TEST_EQ_INT(store_node_event_after(db.st, 0, 10, rows_h, &r), 0);
	TEST_EQ_INT(r.n, 1);
	TEST_EQ_INT(r.ids[0], last);
	/* and the next id is after it */
	TEST_EQ_INT(add(db.st, "b", T0, "state"), 0);
	memset(&r, 0, sizeof(r));
	TEST_EQ_INT(store_node_event_after(db.st, last, 10, rows_h, &r), 0);
	TEST_EQ_INT(r.n, 1);
	TEST_ASSERT(r.ids[0] > last);

	/* peers: heartbeats at or after since, self not counted */
	TEST_EQ_INT(store_node_heartbeat(db.st, "a", T0, T0), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "b", T0, T0 - 5000), 0);
	TEST_EQ_INT(store_node_event_peers(db.st, "a", T0 - 5000, &n), 0);
	TEST_EQ_INT(n, 1);
	TEST_EQ_INT(store_node_event_peers(db.st, "a", T0 - 4999, &n), 0);
	TEST_EQ_INT(n, 0);
	TEST_EQ_INT(store_node_event_peers(db.st, "b", T0 - 4999, &n), 0);
	TEST_EQ_INT(n, 1);
	if (tdb_is_pg(db.path))
		err = listen_pg(&db);
	else
		TEST_EQ_INT(
		    store_listen_alloc(NULL, db.path, "x", heard_h, NULL),
		    EINVAL);

out:
	tdb_close(&db);
	return err;
}

int test_node_events_codec(void)
{
	struct odict *o = NULL, *sub = NULL, *back = NULL;
	struct store_node_event row;
	struct event ev, ev2;
	char *json = NULL, *json2 = NULL;
	int err = 0;

	TEST_EQ_INT(odict_alloc(&o, 8), 0);
	TEST_EQ_INT(odict_alloc(&sub, 8), 0);
	TEST_EQ_INT(odict_entry_add(sub, "email", ODICT_STRING, "max@x.de"), 0);
	TEST_EQ_INT(odict_entry_add(sub, "vip", ODICT_BOOL, true), 0);
	TEST_EQ_INT(odict_entry_add(o, "call_id", ODICT_INT, (int64_t)42), 0);
	TEST_EQ_INT(odict_entry_add(o, "from", ODICT_STRING, "\"Max\" <1001>"),
		    0);
	TEST_EQ_INT(odict_entry_add(o, "caller", ODICT_OBJECT, sub), 0);
	TEST_EQ_INT(odict_entry_add(o, "agent", ODICT_NULL), 0);
	TEST_EQ_INT(odict_entry_add(o, "neg", ODICT_INT, (int64_t)-5), 0);

	memset(&ev, 0, sizeof(ev));
	ev.time = T0 + 123;
	ev.tenant_id = 3;
	ev.employee_id = 9;
	ev.cls = EVENT_QUEUE;
	ev.type = "pop";
	ev.fields = o;
	TEST_EQ_INT(node_event_encode(&ev, "", &row, &json), EINVAL);
	TEST_EQ_INT(node_event_encode(&ev, "node-a", &row, &json), 0);
	TEST_EQ_STR(row.node_id, "node-a");
	TEST_EQ_STR(row.cls, "queue");
	TEST_EQ_STR(row.type, "pop");
	TEST_EQ_INT(row.at, T0 + 123);
	TEST_EQ_INT(row.tenant_id, 3);
	TEST_EQ_INT(row.employee_id, 9);

	TEST_EQ_INT(node_event_decode(&row, &ev2, &back), 0);
	TEST_EQ_STR(ev2.node, "node-a");
	TEST_EQ_INT(ev2.cls, EVENT_QUEUE);
	TEST_EQ_STR(ev2.type, "pop");
	TEST_EQ_INT(ev2.time, T0 + 123);
	TEST_EQ_INT(ev2.tenant_id, 3);
	TEST_EQ_INT(ev2.employee_id, 9);
	TEST_ASSERT(ev2.fields != NULL);
	TEST_EQ_INT(re_sdprintf(&json2, "%H", json_encode_odict, ev2.fields),
		    0);
	TEST_EQ_STR(json2, json); /* the same fields, in the same order */
	TEST_EQ_STR(odict_string(
			odict_get_type(ev2.fields, ODICT_OBJECT, "caller")
			    ? odict_get_type(ev2.fields, ODICT_OBJECT, "caller")
				  ->u.odict
			    : NULL,
			"email"),
		    "max@x.de");
	back = mem_deref(back);

	/* no fields: "{}" and back to none */
	ev.fields = NULL;
	json = mem_deref(json);
	TEST_EQ_INT(node_event_encode(&ev, "node-a", &row, &json), 0);
	TEST_EQ_STR(json, "{}");
	TEST_EQ_INT(node_event_decode(&row, &ev2, &back), 0);
	TEST_ASSERT(ev2.fields == NULL && back == NULL);

	/* what is not an event */
	row.cls = "bogus";
	TEST_EQ_INT(node_event_decode(&row, &ev2, &back), EINVAL);
	row.cls = "call";
	row.fields = "[1]";
	TEST_EQ_INT(node_event_decode(&row, &ev2, &back), EINVAL);
	row.fields = "{\"a\":";
	TEST_ASSERT(node_event_decode(&row, &ev2, &back) != 0);
	TEST_ASSERT(back == NULL);

out:
	mem_deref(back);
	mem_deref(json);
	mem_deref(json2);
	mem_deref(sub);
	mem_deref(o);
	return err;
}

static uint64_t ev_now;

static uint64_t ev_clock(void)
{
	return ev_now;
}

/* A raw row of node b with id (SQLite: a hole in the ids on purpose). */
static int raw_row(const char *path, int64_t id, const char *type)
{
	char sql[256];

	re_snprintf(sql, sizeof(sql),
		    "INSERT INTO node_events (id, node_id, at, tenant_id,"
		    " employee_id, class, type, fields) VALUES (%lld, 'b',"
		    " %llu, 2, 0, 'call', '%s', '{\"call_id\":%lld}')",
		    (long long)id, (unsigned long long)ev_now, type,
		    (long long)id);
	return raw_exec(path, sql);
}

int test_node_events_follow(void)
{
	struct config cfg;
	struct tdb db;
	struct node_events *ne = NULL;
	struct event_sub *sub = NULL;
	struct node_events_stats s;
	struct got g;
	struct rows r;
	int err = 0;

	TEST_SKIP_PG("holes in the ids are made with SQLite's explicit ids");
	memset(&g, 0, sizeof(g));
	TEST_EQ_INT(tdb_open(&db), 0);
	ev_now = T0;
	time_clock_set(ev_clock);
	memset(&cfg, 0, sizeof(cfg));
	str_copy(cfg.node_id, "a", sizeof(cfg.node_id));
	str_copy(cfg.db_path, db.path, sizeof(cfg.db_path));
	cfg.heartbeat_interval = 10;
	cfg.node_stale_after = 45;

	/* a row from before the start is not replayed */
	TEST_EQ_INT(add(db.st, "b", T0 - 1000, "old"), 0);
	TEST_EQ_INT(store_node_heartbeat(db.st, "b", T0, T0), 0);
	TEST_EQ_INT(event_subscribe(&sub, got_h, &g), 0);
	TEST_EQ_INT(node_events_alloc(&ne, &cfg, db.st), 0);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.last, 1);
	/* b is alive, but no node has a stream client: nothing written */
	TEST_ASSERT(!s.peers);
	TEST_ASSERT(!s.listening);
	TEST_EQ_INT(event_publish(2, EVENT_AGENT, "state", NULL), 0);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.written, 0);
	TEST_EQ_INT(g.local, 1);
	/* b gets a stream client: a writes from its next look on */
	TEST_EQ_INT(store_event_streams_set(db.st, "b", 1, T0), 0);
	node_events_poll(ne);
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_ASSERT(s.peers);
	g.local = 0;

	/* a's own event: written once, not published again here */
	TEST_EQ_INT(event_publish(2, EVENT_AGENT, "state", NULL), 0);
	TEST_EQ_INT(g.local, 1);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.written, 1);
	/* b's: published once each, with b's node, time and fields */
	TEST_EQ_INT(raw_row(db.path, 3, "new"), 0);
	TEST_EQ_INT(raw_row(db.path, 4, "ringing"), 0);
	node_events_poll(ne);
	TEST_EQ_INT(g.n, 2);
	TEST_EQ_STR(g.types[0], "new");
	TEST_EQ_STR(g.types[1], "ringing");
	TEST_EQ_STR(g.node, "b");
	TEST_EQ_INT(g.tenant_id, 2);
	TEST_EQ_INT(g.time, T0);
	TEST_EQ_STR(g.json, "{\"call_id\":4}");
	TEST_EQ_INT(g.local, 1);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.own, 1);
	TEST_EQ_INT(s.published, 2);
	TEST_EQ_INT(s.last, 4);
	/* nothing written back: still one row of a */
	memset(&r, 0, sizeof(r));
	TEST_EQ_INT(store_node_event_after(db.st, 0, 10, rows_h, &r), 0);
	TEST_EQ_INT(r.n, 4);
	TEST_EQ_STR(r.nodes[1], "a");
	TEST_EQ_STR(r.nodes[3], "b");
	node_events_poll(ne);
	TEST_EQ_INT(g.n, 2); /* none twice */

	/* a hole: 6 before 5 (5 not committed yet) */
	TEST_EQ_INT(raw_row(db.path, 6, "answered"), 0);
	node_events_poll(ne);
	TEST_EQ_INT(g.n, 3);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.last, 4); /* 5 is waited for */
	TEST_EQ_INT(raw_row(db.path, 5, "early"), 0);
	ev_now += 1000;
	node_events_poll(ne);
	TEST_EQ_INT(g.n, 4); /* 5 now, 6 not again */
	TEST_EQ_STR(g.types[3], "early");
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.last, 6);
	TEST_EQ_INT(s.gaps, 0);

	/* a hole that never fills: given up after NODE_EVENTS_GAP_MS */
	TEST_EQ_INT(raw_row(db.path, 8, "ended"), 0);
	node_events_poll(ne);
	TEST_EQ_INT(g.n, 5);
	ev_now += NODE_EVENTS_GAP_MS - 1;
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.last, 6);
	ev_now += 1;
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.last, 8);
	TEST_EQ_INT(s.gaps, 1);
	TEST_EQ_INT(g.n, 5);

	/* replay after 1: a's own row 2 and b's 3..8 it published; not
	 * b's 9, which it has not published yet (it comes live) */
	TEST_EQ_INT(raw_row(db.path, 9, "late"), 0);
	{
		struct got rp;

		memset(&rp, 0, sizeof(rp));
		TEST_EQ_INT(event_replay(1, got_h, &rp), 0);
		TEST_EQ_INT(rp.local, 1); /* a's own, as published here */
		TEST_EQ_INT(rp.n, 5);     /* b's 3, 4, 5, 6, 8 */
		TEST_EQ_STR(rp.types[0], "new");
		TEST_EQ_STR(rp.types[4], "ended");
		memset(&rp, 0, sizeof(rp));
		TEST_EQ_INT(event_replay(6, got_h, &rp), 0);
		TEST_EQ_INT(rp.n, 1);
		TEST_EQ_INT(rp.local, 0);
		node_events_poll(ne); /* 9 published: replayed from now on */
		memset(&rp, 0, sizeof(rp));
		TEST_EQ_INT(event_replay(6, got_h, &rp), 0);
		TEST_EQ_INT(rp.n, 2);
		TEST_EQ_STR(rp.types[1], "late");
		TEST_EQ_INT(event_replay(-1, got_h, &rp), EINVAL);
	}

	/* b's client is gone, but within the rows' keep time it may come
	 * back: a still writes; after it, no more */
	ev_now = T0 + NODE_EVENTS_KEEP_MS; /* b's client seen at T0 */
	TEST_EQ_INT(store_node_heartbeat(db.st, "b", T0, ev_now), 0);
	node_events_poll(ne);
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_ASSERT(s.peers);
	ev_now += 1;
	TEST_EQ_INT(store_node_heartbeat(db.st, "b", T0, ev_now), 0);
	node_events_poll(ne);
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_ASSERT(!s.peers);
	/* a client here: written at once (its own row too), and b sees it */
	event_streams_set(1);
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_ASSERT(s.peers);
	{
		unsigned n = 0;

		TEST_EQ_INT(store_event_streams_count(db.st, ev_now, &n), 0);
		TEST_EQ_INT(n, 1);
	}
	event_streams_set(0);

	/* b is gone: a stops writing (and stops building events) */
	ev_now += NODE_EVENTS_KEEP_MS + 1000;
	node_events_poll(ne);
	node_events_poll(ne);
	node_events_stats(ne, &s);
	TEST_ASSERT(!s.peers);
	TEST_EQ_INT(event_publish(2, EVENT_AGENT, "state", NULL), 0);
	node_events_stats(ne, &s);
	TEST_EQ_INT(s.written, 1);

out:
	event_streams_set(0);
	mem_deref(ne);
	mem_deref(sub);
	tdb_close(&db);
	return err;
}

int test_node_events_should_write(void)
{
	int err = 0;

	TEST_ASSERT(!node_events_should_write(0, 0, 0));
	TEST_ASSERT(!node_events_should_write(0, 3, 2)); /* a single node */
	TEST_ASSERT(!node_events_should_write(2, 0, 0)); /* no client */
	TEST_ASSERT(node_events_should_write(1, 1, 0));
	TEST_ASSERT(node_events_should_write(1, 0, 1));
out:
	return err;
}
