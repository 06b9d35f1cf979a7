/*
 * events.c - events between nodes (events.h says what, when and why).
 *
 *   bus event, published here, peers alive -> row (node, at, tenant,
 *       employee, class, type, fields as JSON)  [+ pg_notify]
 *   poll every NODE_EVENTS_POLL_MS, or a notification -> rows id > last:
 *       done already (a hole was open) -> skip
 *       own                            -> skip (counted)
 *       another node's                 -> event_republish (ev->node set)
 *   then last moves over every id dealt with in a row; a hole older than
 *   NODE_EVENTS_GAP_MS is given up (its row was rolled back, or lost in
 *   a sequence's cache after a crash).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "node/events.h"

enum {
	PEERS_EVERY = 2, /* polls between looks at the other nodes */
	TRIM_EVERY = 60, /* polls between deletions of old rows    */
	DONE_MAX = 4096, /* ids after a hole remembered at most    */
	ROUNDS_MAX = 8,  /* full batches read in one poll at most  */
	JSON_DEPTH = 16, /* of an event's fields                   */
};

struct node_events {
	const struct config *cfg; /* (weak) outlives it */
	struct store *st;         /* (weak) outlives it */
	bool writing;             /* the bus's stamp is ours */
	struct store_listen *listen;
	bool listened;       /* the LISTEN was up once */
	unsigned streams;    /* this node's clients, as last written */
	uint64_t streams_at; /* [ms] when written, 0: not yet */
	struct tmr tmr;
	int64_t last;           /* every id up to here is dealt with          */
	int64_t done[DONE_MAX]; /* ids after a hole dealt with, sorted */
	size_t donec;
	uint64_t hole_since; /* [ms] the first hole open since, 0 none */
	unsigned polls;
	unsigned got; /* rows of the current read */
	struct node_events_stats stats;
};

static void poll_h(void *arg);

/* ---- the row of an event, and back ------------------------------------ */

int node_event_encode(const struct event *ev, const char *self,
		      struct store_node_event *row, char **jsonp)
{
	int err;

	if (!ev || !str_isset(self) || !row || !jsonp)
		return EINVAL;
	if (ev->fields)
		err = re_sdprintf(jsonp, "%H", json_encode_odict, ev->fields);
	else
		err = re_sdprintf(jsonp, "{}");
	if (err)
		return err;
	memset(row, 0, sizeof(*row));
	row->node_id = self;
	row->at = ev->time;
	row->tenant_id = ev->tenant_id;
	row->employee_id = ev->employee_id;
	row->cls = event_class_name(ev->cls);
	row->type = ev->type;
	row->fields = *jsonp;
	return 0;
}

int node_event_decode(const struct store_node_event *row, struct event *ev,
		      struct odict **fieldsp)
{
	struct odict *o = NULL;
	enum event_class cls;
	int err;

	if (!row || !ev || !fieldsp || !str_isset(row->node_id) || !row->fields)
		return EINVAL;
	err = event_class_parse(row->cls, &cls);
	if (err)
		return err;
	if (row->fields[0] != '{')
		return EINVAL;
	err = json_decode_odict(&o, 16, row->fields, strlen(row->fields),
				JSON_DEPTH);
	if (err)
		return err;
	memset(ev, 0, sizeof(*ev));
	ev->time = row->at;
	ev->tenant_id = row->tenant_id;
	ev->employee_id = row->employee_id;
	ev->cls = cls;
	ev->type = row->type;
	ev->fields = odict_count(o, false) ? o : NULL;
	ev->node = row->node_id;
	ev->id = row->id;
	if (!ev->fields)
		o = mem_deref(o);
	*fieldsp = o;
	return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* An event published here: its row, and the row's id is the event's. */
static int64_t stamp_h(const struct event *ev, void *arg)
{
	struct node_events *ne = arg;
	struct store_node_event row;
	char *json = NULL;
	int64_t id = 0;
	int err;

	err = node_event_encode(ev, ne->cfg->node_id, &row, &json);
	if (!err)
		err = store_node_event_add(ne->st, &row, &id);
	if (err)
		warning("node: events: %s %s not written: %m\n",
			event_class_name(ev->cls), ev->type, err);
	else
		++ne->stats.written;
	mem_deref(json);
	return err ? 0 : id;
}

/* This node's stream clients in the store: at once when they come (or
 * their number changes), then every heartbeat interval while there are
 * any; with none the row ages out. */
static bool streams_upkeep(struct node_events *ne, uint64_t now)
{
	const unsigned n = event_streams();
	const uint64_t every = (uint64_t)ne->cfg->heartbeat_interval * 1000;
	const bool first = n && !ne->streams;
	int err;

	if (!n) {
		ne->streams = 0;
		return false;
	}
	if (n == ne->streams && ne->streams_at && now < ne->streams_at + every)
		return false;
	err = store_event_streams_set(ne->st, ne->cfg->node_id, n, now);
	if (err) {
		warning("node: events: stream clients not written: %m\n", err);
		return first;
	}
	ne->streams = n;
	ne->streams_at = now;
	return first;
}

/* Should this node write its events?  Only where another node may show
 * them (one seen within the rows' keep time: it may have clients, or get
 * the clients of a node that died), and only while some node has stream
 * clients or had within the keep time (a client gone may come back, to
 * any node, and ask for what it missed: node_events_replay).  A single
 * node, and nodes without clients for 5 minutes, write nothing. */
bool node_events_should_write(unsigned peers, unsigned local_streams,
			      unsigned streams)
{
	return peers > 0 && (local_streams > 0 || streams > 0);
}

static void writing_set(struct node_events *ne, bool on)
{
	if (on == ne->writing)
		return;
	ne->writing = on;
	event_stamp_set(on ? stamp_h : NULL, ne);
	if (on)
		info("node: events: a stream client in the cluster: events "
		     "written\n");
	else
		info("node: events: no stream client or no other node: "
		     "events not written\n");
}

static void peers_look(struct node_events *ne, uint64_t now)
{
	const uint64_t keep = NODE_EVENTS_KEEP_MS;
	const uint64_t since = now > keep ? now - keep : 0;
	unsigned peers = 0, streams = 0;
	int err;

	err = store_node_event_peers(ne->st, ne->cfg->node_id, since, &peers);
	if (!err && peers && !event_streams())
		err = store_event_streams_count(ne->st, since, &streams);
	if (err)
		return; /* as it was */
	writing_set(ne,
		    node_events_should_write(peers, event_streams(), streams));
	ne->stats.peers = ne->writing;
}

/* ---- reading ------------------------------------------------------------ */

static bool done_has(const struct node_events *ne, int64_t id)
{
	size_t i;

	for (i = 0; i < ne->donec; i++) {
		if (ne->done[i] == id)
			return true;
	}
	return false;
}

/* Remember id (> last, not yet known) as dealt with, in order. */
static int done_add(struct node_events *ne, int64_t id)
{
	int64_t *v = ne->done;
	size_t i;

	if (ne->donec >= DONE_MAX)
		return EOVERFLOW; /* read_rows() gives the hole up first */
	for (i = ne->donec; i > 0 && v[i - 1] > id; i--)
		v[i] = v[i - 1];
	v[i] = id;
	++ne->donec;
	return 0;
}

/* Move last over the ids dealt with right after it. */
static void last_advance(struct node_events *ne)
{
	size_t i = 0;

	while (i < ne->donec && ne->done[i] <= ne->last + 1) {
		if (ne->done[i] == ne->last + 1)
			ne->last = ne->done[i];
		i++;
	}
	if (i) {
		memmove(ne->done, ne->done + i,
			(ne->donec - i) * sizeof(*ne->done));
		ne->donec -= i;
	}
}

static int row_h(const struct store_node_event *row, void *arg)
{
	struct node_events *ne = arg;
	struct odict *fields = NULL;
	struct event ev;
	int err;

	++ne->got;
	if (row->id <= ne->last || done_has(ne, row->id))
		return 0;
	err = done_add(ne, row->id);
	if (err)
		return err;
	if (!strcmp(row->node_id, ne->cfg->node_id)) {
		++ne->stats.own; /* published here when it happened */
		return 0;
	}
	err = node_event_decode(row, &ev, &fields);
	if (!err)
		err = event_republish(&ev);
	if (err) {
		++ne->stats.bad;
		warning("node: events: row %lld of %s (%s %s) not "
			"published: %m\n",
			(long long)row->id, row->node_id, row->cls, row->type,
			err);
	}
	else {
		++ne->stats.published;
	}
	mem_deref(fields);
	return 0;
}

/* Read every row after last (a few batches at most; the next poll
 * reads on). */
static void read_rows(struct node_events *ne, uint64_t now)
{
	unsigned round;
	int err = 0;

	for (round = 0; round < ROUNDS_MAX; round++) {
		/* the first read from last (a hole may be filled now),
		 * the next ones after what the full batch brought */
		int64_t from =
		    round && ne->donec ? ne->done[ne->donec - 1] : ne->last;

		ne->got = 0;
		err = store_node_event_after(ne->st, from, NODE_EVENTS_BATCH,
					     row_h, ne);
		last_advance(ne);
		if (err || ne->got < NODE_EVENTS_BATCH)
			break;
	}
	if (err && err != EOVERFLOW) {
		warning("node: events: read after %lld: %m\n",
			(long long)ne->last, err);
		return;
	}
	if (!ne->donec) {
		ne->hole_since = 0;
		return;
	}
	/* a hole: a row not committed yet (PostgreSQL), or never to be */
	if (!ne->hole_since)
		ne->hole_since = now;
	if (now - ne->hole_since >= NODE_EVENTS_GAP_MS ||
	    ne->donec > DONE_MAX - NODE_EVENTS_BATCH) {
		warning("node: events: ids %lld to %lld never came: given "
			"up\n",
			(long long)ne->last + 1, (long long)ne->done[0] - 1);
		++ne->stats.gaps;
		ne->last = ne->done[0] - 1;
		last_advance(ne);
		ne->hole_since = ne->donec ? now : 0;
	}
}

static void poll_now(struct node_events *ne)
{
	const uint64_t now = time_now_ms();
	unsigned n = 0;

	tmr_start(&ne->tmr, NODE_EVENTS_POLL_MS, poll_h, ne);
	++ne->polls;
	/* a first client here: write from now on, not a look later */
	if (streams_upkeep(ne, now) || !(ne->polls % PEERS_EVERY))
		peers_look(ne, now);
	read_rows(ne, now);
	if (!(ne->polls % TRIM_EVERY) && now > NODE_EVENTS_KEEP_MS &&
	    !store_node_event_trim(ne->st, now - NODE_EVENTS_KEEP_MS, &n) &&
	    n) {
		debug("node: events: %u rows older than %u s deleted\n", n,
		      NODE_EVENTS_KEEP_MS / 1000);
	}
}

static void poll_h(void *arg)
{
	poll_now(arg);
}

void node_events_poll(struct node_events *ne)
{
	if (ne)
		poll_now(ne);
}

/* ---- replay ------------------------------------------------------------- */

struct replay {
	struct node_events *ne;
	event_h *h;
	void *harg;
	unsigned got;
	int64_t after; /* the last row read */
};

static int replay_row_h(const struct store_node_event *row, void *arg)
{
	struct replay *r = arg;
	struct node_events *ne = r->ne;
	struct odict *fields = NULL;
	const bool own = !strcmp(row->node_id, ne->cfg->node_id);
	struct event ev;
	int err;

	++r->got;
	r->after = row->id;
	/* another node's row this node has not published yet comes live */
	if (!own && row->id > ne->last && !done_has(ne, row->id))
		return 0;
	err = node_event_decode(row, &ev, &fields);
	if (err) {
		warning("node: events: row %lld not replayed: %m\n",
			(long long)row->id, err);
		return 0;
	}
	if (own)
		ev.node = NULL;
	r->h(&ev, r->harg);
	mem_deref(fields);
	return 0;
}

/* event_replay(): every row after `after` this node's bus has shown (its
 * own, and the others' it published), in id order. */
static int replay_h(int64_t after, event_h *h, void *harg, void *arg)
{
	struct replay r;
	int err;

	memset(&r, 0, sizeof(r));
	r.ne = arg;
	r.h = h;
	r.harg = harg;
	r.after = after;
	do {
		r.got = 0;
		err = store_node_event_after(
		    r.ne->st, r.after, NODE_EVENTS_BATCH, replay_row_h, &r);
	} while (!err && r.got == NODE_EVENTS_BATCH);
	return err;
}

/* A notification (or the LISTEN connection back): read now. */
static void listen_h(bool reconnected, void *arg)
{
	struct node_events *ne = arg;

	if (reconnected) {
		if (ne->listened)
			++ne->stats.reconnects;
		ne->listened = true;
	}
	else {
		++ne->stats.wakeups;
	}
	poll_now(ne);
}

/* ---- life --------------------------------------------------------------- */

static void destructor(void *arg)
{
	struct node_events *ne = arg;

	tmr_cancel(&ne->tmr);
	if (ne->writing)
		event_stamp_set(NULL, NULL);
	event_replay_set(NULL, NULL);
	ne->listen = mem_deref(ne->listen);
}

int node_events_alloc(struct node_events **nep, const struct config *cfg,
		      struct store *st)
{
	struct node_events *ne;
	int err;

	if (!nep || !cfg || !st || !str_isset(cfg->node_id))
		return EINVAL;
	ne = mem_zalloc(sizeof(*ne), destructor);
	if (!ne)
		return ENOMEM;
	ne->cfg = cfg;
	ne->st = st;
	tmr_init(&ne->tmr);
	/* what happened before this start is not replayed */
	err = store_node_event_last(st, &ne->last);
	if (err) {
		warning("node: events: cannot read the last id: %m\n", err);
		goto out;
	}
	err = store_listen_alloc(&ne->listen, cfg->db_path,
				 STORE_EVENTS_CHANNEL, listen_h, ne);
	if (err == ENOTSUP)
		err = 0; /* SQLite: the poll alone */
	else if (err)
		warning("node: events: listen: %m (polling every %u ms)\n", err,
			(unsigned)NODE_EVENTS_POLL_MS);
	err = 0;
	event_replay_set(replay_h, ne);
	peers_look(ne, time_now_ms());
	tmr_start(&ne->tmr, NODE_EVENTS_POLL_MS, poll_h, ne);
	info("node: events: following other nodes' events after id %lld "
	     "every %u ms%s\n",
	     (long long)ne->last, (unsigned)NODE_EVENTS_POLL_MS,
	     ne->listen ? " and on their notifications" : "");

out:
	if (err)
		mem_deref(ne);
	else
		*nep = ne;
	return err;
}

void node_events_stats(const struct node_events *ne,
		       struct node_events_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!ne)
		return;
	*st = ne->stats;
	st->last = ne->last;
	st->listening = store_listen_up(ne->listen);
}
