/*
 * events.h - events between nodes (issue 21, docs/cluster.md "Events
 * between nodes"): this node's bus events as rows of the shared store,
 * and the other nodes' rows published on this node's bus, so an event
 * stream client of any node sees every node's call, queue and agent
 * events.
 *
 * What travels: every event of the bus (core.h) that was published here
 * (ev->node NULL), while another node is alive (its heartbeat younger than
 * --node-stale-after, looked at every second): call (new, ringing,
 * answered, ..., note_escalation), queue (joined, offered, missed, left,
 * callback, the screen pop "pop" with its employee) and agent (state).  They are
 * all what the event stream (http/events.c) shows, and the stream is
 * their only subscriber that shows them; nothing here acts on events.
 * With no other node alive nothing is written (and the bus has no
 * subscriber for it, so a single node builds no events without stream
 * clients, as before).
 *
 * How: the row is written at once (one insert; on PostgreSQL it notifies
 * the readers in the same statement).  Every node reads the rows after the
 * last id it has dealt with every NODE_EVENTS_POLL_MS, and at once when a
 * notification wakes it (PostgreSQL LISTEN on a second connection): rows
 * of other nodes are published with event_republish() (ev->node set: they
 * are never written again, and consumers that act on events skip them),
 * its own are skipped.  Ids may be used out of order on PostgreSQL (two
 * inserts commit in the other order): a hole in the ids is waited for up
 * to NODE_EVENTS_GAP_MS before it is given up, and rows after it that were
 * published already are remembered, so none is published twice.  A node
 * starts after the largest id of the store (what happened before its
 * start is not replayed); after a lost LISTEN connection it reads every row
 * since its last id (nothing lost while the rows are kept).  Rows older
 * than NODE_EVENTS_KEEP_MS are deleted by every node (idempotent).
 */
#ifndef SWITCHBOARD_NODE_EVENTS_H
#define SWITCHBOARD_NODE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

enum {
	NODE_EVENTS_POLL_MS = 500,    /* [ms] between reads of the rows    */
	NODE_EVENTS_GAP_MS = 3000,    /* [ms] a hole in the ids waited for */
	NODE_EVENTS_KEEP_MS = 300000, /* [ms] rows kept (5 min)           */
	NODE_EVENTS_BATCH = 500,      /* rows read at once                 */
};

struct config;
struct store;
struct event;
struct odict;
struct store_node_event;
struct node_events;

struct node_events_stats {
	uint64_t written;    /* this node's events written            */
	uint64_t published;  /* other nodes' events published here    */
	uint64_t own;        /* own rows read back and skipped        */
	uint64_t bad;        /* rows that could not be read as events */
	uint64_t gaps;       /* holes in the ids given up             */
	uint64_t wakeups;    /* reads woken by a notification         */
	uint64_t reconnects; /* LISTEN connections made again         */
	bool peers;          /* another node is alive: writing        */
	bool listening;      /* a LISTEN connection (PostgreSQL)      */
	int64_t last;        /* every id up to here is dealt with     */
};

/* Start: read from the largest id on, write while other nodes are alive,
 * LISTEN on PostgreSQL (cfg->db_path).  mem_deref() stops it. */
int node_events_alloc(struct node_events **nep, const struct config *cfg,
		      struct store *st);
/* Read now (as the timer does: also the look at the peers every second
 * call, and the trim); for tests. */
void node_events_poll(struct node_events *ne);
void node_events_stats(const struct node_events *ne,
		       struct node_events_stats *st);

/* The row of event ev published on node self: *jsonp (owned by the
 * caller) is its fields as a JSON object, row->fields points to it. */
int node_event_encode(const struct event *ev, const char *self,
		      struct store_node_event *row, char **jsonp);
/* The event of row (ev->node is the row's node, ev->fields *fieldsp,
 * owned by the caller; strings point into row).  EINVAL for an unknown
 * class, or fields that are not a JSON object. */
int node_event_decode(const struct store_node_event *row, struct event *ev,
		      struct odict **fieldsp);

#endif
