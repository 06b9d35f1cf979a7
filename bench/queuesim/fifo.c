/*
 * fifo.c - line.h as a plain FIFO with interchangeable agents: the
 * waiting callers in arrival order (a doubly linked list over caller
 * ids), the agents in an array, each free, busy, or busy and going off
 * shift.  A free agent takes the head of the line at once; a caller who
 * finds several free goes to the one free longest (the first of them on
 * a tie), as the engine's longest-idle strategy does; a new shift brings
 * back agents who were about to leave before adding new ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "line.h"

enum agent_state { AGENT_OFF, AGENT_FREE, AGENT_BUSY };

struct agent {
	enum agent_state state;
	int leaving;       /* busy, goes off shift when the call ends */
	uint64_t free_at;  /* [ms] FREE since                          */
};

struct node {
	uint32_t caller;
	struct node *prev, *next;
};

struct line {
	line_answer_h *answerh;
	void *arg;
	const uint64_t *now; /* the simulation's clock [ms] */
	struct node *head, *tail;
	unsigned waiting;
	struct agent *agent;
	unsigned nagent; /* allocated */
	unsigned serving;
	/* caller id -> node, grown on demand */
	struct node **byid;
	uint32_t nbyid;
};

int line_alloc(struct line **lp, line_answer_h *answerh, void *arg)
{
	struct line *l = calloc(1, sizeof(*l));

	if (!l)
		return ENOMEM;
	l->answerh = answerh;
	l->arg = arg;
	*lp = l;
	return 0;
}

void line_clock(struct line *l, const uint64_t *now)
{
	l->now = now;
}

void line_free(struct line *l)
{
	struct node *n, *next;

	if (!l)
		return;
	for (n = l->head; n; n = next) {
		next = n->next;
		free(n);
	}
	free(l->agent);
	free(l->byid);
	free(l);
}

static struct node *pop(struct line *l)
{
	struct node *n = l->head;

	if (!n)
		return NULL;
	l->head = n->next;
	if (l->head)
		l->head->prev = NULL;
	else
		l->tail = NULL;
	l->waiting--;
	l->byid[n->caller] = NULL;
	return n;
}

/* a free agent takes the head of the line, if any */
static void serve(struct line *l, unsigned a)
{
	struct node *n = pop(l);
	uint32_t caller;

	if (!n) {
		l->agent[a].state = AGENT_FREE;
		l->agent[a].free_at = l->now ? *l->now : 0;
		return;
	}
	caller = n->caller;
	free(n);
	l->agent[a].state = AGENT_BUSY;
	l->answerh(caller, a, l->arg);
}

int line_join(struct line *l, uint32_t caller)
{
	struct node *n;
	unsigned a, best;

	if (caller >= l->nbyid) {
		uint32_t sz = l->nbyid ? l->nbyid : 1024;
		struct node **p;

		while (sz <= caller)
			sz *= 2;
		p = realloc(l->byid, sz * sizeof(*p));
		if (!p)
			return ENOMEM;
		memset(p + l->nbyid, 0, (sz - l->nbyid) * sizeof(*p));
		l->byid = p;
		l->nbyid = sz;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return ENOMEM;
	n->caller = caller;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	l->waiting++;
	l->byid[caller] = n;
	best = l->nagent;
	for (a = 0; a < l->nagent; a++) {
		if (l->agent[a].state == AGENT_FREE &&
		    (best == l->nagent ||
		     l->agent[a].free_at < l->agent[best].free_at))
			best = a;
	}
	if (best < l->nagent)
		serve(l, best);
	return 0;
}

void line_abandon(struct line *l, uint32_t caller)
{
	struct node *n = caller < l->nbyid ? l->byid[caller] : NULL;

	if (!n)
		return;
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	l->byid[caller] = NULL;
	l->waiting--;
	free(n);
}

void line_done(struct line *l, unsigned a)
{
	if (a >= l->nagent || l->agent[a].state != AGENT_BUSY)
		return;
	if (l->agent[a].leaving) {
		l->agent[a].leaving = 0;
		l->agent[a].state = AGENT_OFF;
		return;
	}
	serve(l, a);
}

int line_staff(struct line *l, unsigned agents)
{
	unsigned a;

	if (agents > l->nagent) {
		struct agent *p = realloc(l->agent, agents * sizeof(*p));

		if (!p)
			return ENOMEM;
		memset(p + l->nagent, 0, (agents - l->nagent) * sizeof(*p));
		l->agent = p;
		l->nagent = agents;
	}
	/* fewer: free agents go first, then busy ones after their call */
	for (a = l->nagent; a-- > 0 && l->serving > agents;) {
		if (l->agent[a].state == AGENT_FREE) {
			l->agent[a].state = AGENT_OFF;
			l->serving--;
		}
	}
	for (a = l->nagent; a-- > 0 && l->serving > agents;) {
		if (l->agent[a].state == AGENT_BUSY && !l->agent[a].leaving) {
			l->agent[a].leaving = 1;
			l->serving--;
		}
	}
	/* more: those about to leave stay, then new ones start free */
	for (a = 0; a < l->nagent && l->serving < agents; a++) {
		if (l->agent[a].state == AGENT_BUSY && l->agent[a].leaving) {
			l->agent[a].leaving = 0;
			l->serving++;
		}
	}
	for (a = 0; a < l->nagent && l->serving < agents; a++) {
		if (l->agent[a].state == AGENT_OFF) {
			l->serving++;
			serve(l, a);
		}
	}
	return 0;
}

unsigned line_ahead(const struct line *l, uint32_t caller)
{
	const struct node *n = caller < l->nbyid ? l->byid[caller] : NULL;
	unsigned k = 0;

	for (; n && n->prev; n = n->prev)
		k++;
	return k;
}

unsigned line_serving(const struct line *l)
{
	return l->serving;
}

unsigned line_busy(const struct line *l)
{
	unsigned a, k = 0;

	for (a = 0; a < l->nagent; a++)
		k += l->agent[a].state == AGENT_BUSY && !l->agent[a].leaving;
	return k;
}

unsigned line_waiting(const struct line *l)
{
	return l->waiting;
}

unsigned line_agents(const struct line *l)
{
	return l->nagent;
}

int line_agent(const struct line *l, unsigned a)
{
	if (a >= l->nagent || l->agent[a].state == AGENT_OFF ||
	    l->agent[a].leaving)
		return LINE_AGENT_OFF;
	return l->agent[a].state == AGENT_FREE ? LINE_AGENT_FREE
					       : LINE_AGENT_BUSY;
}
