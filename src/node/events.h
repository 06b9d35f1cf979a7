/*
 * events.h - events between nodes (issue 21, docs/cluster.md "Events
 * between nodes"): this node's bus events as rows of the shared store,
 * and the other nodes' rows published on this node's bus, so an event
 * stream client of any node sees every node's call, queue and agent
 * events.
 *
 * What travels: every event of the bus (core.h) that was published here
 * (ev->node NULL): call (new, ringing, answered, ..., note_escalation),
 * queue (joined, offered, missed, left, callback, the screen pop "pop"
 * with its employee) and agent (state).  They are all what the event
 * stream (http/events.c) shows, and the stream is their only subscriber
 * that shows them; nothing here acts on events.
 *
 * When (node_events_should_write, looked at every second, and at once
 * when this node gets its first stream client): while another node was
 * seen within NODE_EVENTS_KEEP_MS (its heartbeat), and some node has a
 * stream client or had one within NODE_EVENTS_KEEP_MS (the event_streams
 * rows, migration 66: a node with clients writes its row when they come
 * and every heartbeat interval).  The keep time is the replay's: a client
 * that lost its node may come back to any node within it, with its last
 * id, and get what it missed (event_replay(), http/events.c).  A single
 * node writes nothing (and its bus then has no subscriber without stream
 * clients of its own, so it builds no events, as before).
 *
 * How: the bus's stamp (core.h event_stamp_set) writes the row before any
 * subscriber sees the event, and the row's id is the event's id, the
 * same on every node (the stream's "id"): one insert; on PostgreSQL it
 * notifies the readers in the same statement.  Every node reads the rows after the
 * last id it has dealt with every NODE_EVENTS_POLL_MS, and at once when a
 * notification wakes it (PostgreSQL LISTEN on a second connection): rows
 * of other nodes are published with event_republish() (ev->node set: they
 * are never written again, and consumers that act on events skip them),
 * its own are skipped.  Ids may be used out of order on PostgreSQL (two
 * inserts commit in the other order): a hole in the ids is waited for up
 * to NODE_EVENTS_GAP_MS before it is given up, and rows after it that were
 * published already are remembered, so none is published twice.  A node
 * starts after the largest id of the store (what happened before its
 * start is not published on its bus); after a lost LISTEN connection it
 * reads every row since its last id (nothing lost while the rows are
 * kept).  Rows older than NODE_EVENTS_KEEP_MS are deleted by every node
 * (idempotent).
 *
 * Replay (core.h event_replay, for a stream client that comes back with
 * its last id): the rows after that id that this node's bus has shown,
 * its own and the others' it published, in id order, from before its
 * start too; a row it has not published yet is left to come live.
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
	bool peers;          /* writing (node_events_should_write)    */
	bool listening;      /* a LISTEN connection up (PostgreSQL)   */
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
/* Write events?  peers: other nodes seen within NODE_EVENTS_KEEP_MS;
 * local_streams: this node's stream clients now; streams: nodes with
 * stream clients within NODE_EVENTS_KEEP_MS (the store's rows). */
bool node_events_should_write(unsigned peers, unsigned local_streams,
			      unsigned streams);

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
