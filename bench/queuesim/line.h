/*
 * line.h - the queue the simulation drives: who waits in which order and
 * which agent takes whom.  The simulation (queuesim.c) knows nothing
 * else about the queue.  engine_line.c implements it on src/acd/'s
 * queue engine (the clock passed in): the bench measures the real
 * distribution.  fifo.c implements it as a plain FIFO line with s
 * interchangeable agents, the reference both must agree with
 * (build/queuesim_fifo).
 */
#ifndef QUEUESIM_LINE_H
#define QUEUESIM_LINE_H

#include <stdint.h>

struct line;

/* caller (an id of the simulation) was given to agent (0..) */
typedef void(line_answer_h)(uint32_t caller, unsigned agent, void *arg);

/* A line with no agents; answerh is called whenever an agent takes a
 * caller (from within line_join, line_done or line_staff).  0/ENOMEM. */
int line_alloc(struct line **lp, line_answer_h *answerh, void *arg);
void line_free(struct line *l);
/* The simulation's clock [ms], read at every call from now on. */
void line_clock(struct line *l, const uint64_t *now);

/* caller joins at the end; answered at once if an agent is free */
int line_join(struct line *l, uint32_t caller);
/* caller hung up while waiting */
void line_abandon(struct line *l, uint32_t caller);
/* agent finished a call: takes the next caller, or goes off shift */
void line_done(struct line *l, unsigned agent);
/* agents on shift from now on (those going off finish their call) */
int line_staff(struct line *l, unsigned agents);

/* callers waiting before caller (who is waiting) */
unsigned line_ahead(const struct line *l, uint32_t caller);
/* agents serving the line now: on shift, busy or free */
unsigned line_serving(const struct line *l);
/* agents serving and on a call now */
unsigned line_busy(const struct line *l);
/* callers waiting */
unsigned line_waiting(const struct line *l);
/* agents 0..line_agents()-1: LINE_AGENT_OFF (or going off after the call
 * in hand), LINE_AGENT_FREE, LINE_AGENT_BUSY (serving, on a call) */
enum { LINE_AGENT_OFF, LINE_AGENT_FREE, LINE_AGENT_BUSY };
unsigned line_agents(const struct line *l);
int line_agent(const struct line *l, unsigned agent);

#endif
