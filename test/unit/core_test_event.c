/*
 * core_test_event.c - the event bus (core/event.c): subscribers are told
 * in the order they subscribed; one that unsubscribes itself or the next
 * one from its handler, or publishes from it, breaks nothing; bad
 * arguments reach nobody; an event for one employee carries its id.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "test.h"

struct rec {
	char log[256];
	struct event_sub *self;  /* unsubscribed by its handler if set */
	struct event_sub **kill; /* another one to unsubscribe          */
	bool nest;               /* publish "inner" once from the handler */
};

static void rec_h(const struct event *ev, void *arg)
{
	struct rec *r = arg;
	size_t n = strlen(r->log);
	int64_t v = 0;
	const struct odict_entry *e =
	    ev->fields ? odict_lookup(ev->fields, "n") : NULL;

	if (e)
		v = e->u.integer;
	re_snprintf(r->log + n, sizeof(r->log) - n, "%s/%s/%lld/%lld",
		    event_class_name(ev->cls), ev->type,
		    (long long)ev->tenant_id, (long long)v);
	n = strlen(r->log);
	if (ev->employee_id) /* for one employee alone */
		re_snprintf(r->log + n, sizeof(r->log) - n, "@%lld",
			    (long long)ev->employee_id);
	n = strlen(r->log);
	re_snprintf(r->log + n, sizeof(r->log) - n, ";");
	if (r->self)
		r->self = mem_deref(r->self);
	if (r->kill && *r->kill)
		*r->kill = mem_deref(*r->kill);
	if (r->nest) {
		r->nest = false;
		(void)event_publish(0, EVENT_AGENT, "inner", NULL);
	}
}

int test_event_bus(void)
{
	struct rec a, b, c;
	struct event_sub *sa = NULL, *sb = NULL, *sc = NULL;
	struct odict *o = NULL;
	int err = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	TEST_ASSERT(!event_wanted());
	TEST_EQ_INT(event_publish(1, EVENT_CALL, "new", NULL), 0);
	TEST_EQ_INT(event_subscribe(&sa, rec_h, &a), 0);
	TEST_EQ_INT(event_subscribe(&sb, rec_h, &b), 0);
	TEST_EQ_INT(event_subscribe(&sc, rec_h, &c), 0);
	TEST_ASSERT(event_wanted());

	TEST_EQ_INT(odict_alloc(&o, 4), 0);
	TEST_EQ_INT(odict_entry_add(o, "n", ODICT_INT, (int64_t)7), 0);
	TEST_EQ_INT(event_publish(3, EVENT_QUEUE, "caller_joined", o), 0);
	TEST_EQ_STR(a.log, "queue/caller_joined/3/7;");
	TEST_EQ_STR(b.log, "queue/caller_joined/3/7;");
	TEST_EQ_STR(c.log, "queue/caller_joined/3/7;");

	/* bad arguments: nobody is told */
	TEST_EQ_INT(event_publish(-1, EVENT_CALL, "new", NULL), EINVAL);
	TEST_EQ_INT(event_publish(1, (enum event_class)3, "new", NULL), EINVAL);
	TEST_EQ_INT(event_publish(1, EVENT_CALL, "New", NULL), EINVAL);
	TEST_EQ_INT(event_publish(1, EVENT_CALL, "", NULL), EINVAL);
	TEST_EQ_INT(event_publish(1, EVENT_CALL, NULL, NULL), EINVAL);
	TEST_EQ_INT(event_publish(1, EVENT_CALL,
				  "a_name_of_thirty_two_characters_", NULL),
		    EINVAL);
	TEST_EQ_INT(event_subscribe(NULL, rec_h, &a), EINVAL);
	TEST_EQ_INT(event_subscribe(&sa, NULL, &a), EINVAL);
	TEST_EQ_INT(event_publish_to(3, -1, EVENT_QUEUE, "pop", NULL), EINVAL);
	TEST_EQ_STR(a.log, "queue/caller_joined/3/7;");

	/* an event for one employee (a screen pop) reaches every subscriber
	 * with its employee; the stream picks its clients (http/events.c) */
	TEST_EQ_INT(event_publish_to(3, 5, EVENT_QUEUE, "pop", NULL), 0);
	TEST_EQ_STR(a.log, "queue/caller_joined/3/7;queue/pop/3/0@5;");
	TEST_EQ_STR(c.log, "queue/caller_joined/3/7;queue/pop/3/0@5;");

	/* a unsubscribes b (the next one) from its handler: b is not told,
	 * c is; b unsubscribes itself ... */
	a.log[0] = b.log[0] = c.log[0] = '\0';
	a.kill = &sb;
	TEST_EQ_INT(event_publish(0, EVENT_AGENT, "paused", NULL), 0);
	TEST_ASSERT(sb == NULL);
	TEST_EQ_STR(a.log, "agent/paused/0/0;");
	TEST_EQ_STR(b.log, "");
	TEST_EQ_STR(c.log, "agent/paused/0/0;");

	/* c unsubscribes itself while a publishes from its handler: the
	 * inner event reaches a and c, the outer one goes on to c no more
	 * (gone), and nothing is touched twice */
	a.log[0] = c.log[0] = '\0';
	a.kill = NULL;
	a.nest = true;
	c.self = sc;
	sc = NULL;
	TEST_EQ_INT(event_publish(2, EVENT_CALL, "ended", NULL), 0);
	TEST_EQ_STR(a.log, "call/ended/2/0;agent/inner/0/0;");
	TEST_EQ_STR(c.log, "agent/inner/0/0;");
	TEST_ASSERT(c.self == NULL);

	sa = mem_deref(sa);
	TEST_ASSERT(!event_wanted());
	TEST_EQ_STR(event_class_name(EVENT_CALL), "call");
	TEST_EQ_STR(event_class_name(EVENT_AGENT), "agent");
	TEST_EQ_STR(event_class_name((enum event_class)9), "?");
out:
	mem_deref(o);
	mem_deref(sa);
	mem_deref(sb);
	mem_deref(sc);
	mem_deref(c.self);
	return err;
}
