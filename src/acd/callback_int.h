/*
 * callback_int.h - what the queue callbacks (callback.c: requests and
 * their calls) and their node part (callback_node.c: the "callbacks"
 * lease and the re-read of the store) share.
 */
#ifndef SWITCHBOARD_ACD_CALLBACK_INT_H
#define SWITCHBOARD_ACD_CALLBACK_INT_H

#include <re.h>
#include "store/store.h"
#include "acd/acd_int.h"

struct call;
struct call_ctx;
struct config;

/* One request live on this node. */
struct cbe {
	struct le le;
	struct store_callback cb;
	bool joined;
	bool join_failed;       /* not joined (nobody logged in, ...): retry */
	struct tmr tmr;         /* joins again (retry) */
	struct tmr tmr_offer;   /* places the offer     */
	struct acd_offer offer; /* being placed or ringing */
	bool offered;
	struct call *call; /* the agent's call (weak), or NULL */
	int64_t agent;     /* on it, answered            */
	int64_t record;    /* its call record (billing)  */
	char lang[4];
	unsigned gen; /* the last re-read that found it waiting here */
};

/* The callbacks of this process. */
struct acd_cbs {
	struct acd *acd;
	struct call_ctx *calls;
	struct list cbs;
	struct tmr tmr_lease; /* every heartbeat interval: lease, re-read */
	bool held;            /* this node holds the "callbacks" lease    */
	unsigned gen;         /* re-reads so far                          */
};

extern struct acd_cbs acd_cbs;

/* This node's settings (NULL without a call context) and id ("" then). */
const struct config *acd_cb_cfg(void);
const char *acd_cb_self(void);
/* The live request id, or NULL. */
struct cbe *acd_cbe_find(int64_t id);
/* Take over request cb (in the store): join now or at its next_at. */
int acd_cbe_add(const struct store_callback *cb);

#endif
