/*
 * publish_int.h - private to src/acd: the engine's events on the event
 * bus (publish.c).  To be merged into acd_int.h.
 */
#ifndef SWITCHBOARD_ACD_PUBLISH_INT_H
#define SWITCHBOARD_ACD_PUBLISH_INT_H

#include <stdint.h>

struct store;
struct acd_event;

/* The call an event of a queue is about, as the call events name it. */
struct acd_pub_call {
	const char *call_id; /* the caller's Call-ID */
	int64_t record_id;   /* the call record      */
};

/* Publish ev (agent state, a caller joined or left a queue) for the
 * tenant it belongs to; c: its call, NULL for agent events.  Nothing
 * while no one listens (event_wanted()); errors are logged. */
void acd_publish(struct store *st, const struct acd_event *ev,
		 const struct acd_pub_call *c);

#endif
