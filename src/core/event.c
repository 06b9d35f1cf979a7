/*
 * event.c - the event bus: a list of subscribers that every published
 * event is handed to, in subscription order (see core.h).  Nothing is
 * queued here: a subscriber that cannot keep up (a slow WebSocket client)
 * is the subscriber's problem, bounded there (http/events.c).
 *
 * A subscriber may unsubscribe itself, or another one, from within its
 * handler, and a handler may publish: each walk over the list (one per
 * publish under way) keeps its next subscriber in a record on the
 * stack, and a subscriber that goes moves every record that points at
 * it on to the one after it.
 */
#include <errno.h>
#include <string.h>
#include "core/core.h"

struct event_sub {
	struct le le; /* in subs */
	event_h *h;
	void *arg;
};

/* A publish under way: the subscriber it comes to next. */
struct walk {
	struct le *next;
	struct walk *up; /* the publish this one runs inside, or NULL */
};

static struct list subs = LIST_INIT;
static struct walk *walks; /* innermost first */
static event_stamp_h *stamp_h;
static void *stamp_arg;
static event_replay_h *replay_h;
static void *replay_arg;
static unsigned streams;

static const char *const class_names[] = {
    [EVENT_CALL] = "call",
    [EVENT_QUEUE] = "queue",
    [EVENT_AGENT] = "agent",
};

const char *event_class_name(enum event_class cls)
{
	return (size_t)cls < ARRAY_SIZE(class_names) ? class_names[cls] : "?";
}

static void sub_destructor(void *arg)
{
	struct event_sub *s = arg;
	struct walk *w;

	for (w = walks; w; w = w->up) {
		if (w->next == &s->le)
			w->next = s->le.next;
	}
	list_unlink(&s->le);
}

int event_subscribe(struct event_sub **subp, event_h *h, void *arg)
{
	struct event_sub *s;

	if (!subp || !h)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), sub_destructor);
	if (!s)
		return ENOMEM;
	s->h = h;
	s->arg = arg;
	list_append(&subs, &s->le, s);
	*subp = s;
	return 0;
}

bool event_wanted(void)
{
	return subs.head != NULL || stamp_h != NULL;
}

void event_stamp_set(event_stamp_h *h, void *arg)
{
	stamp_h = h;
	stamp_arg = h ? arg : NULL;
}

void event_replay_set(event_replay_h *h, void *arg)
{
	replay_h = h;
	replay_arg = h ? arg : NULL;
}

int event_replay(int64_t after, event_h *h, void *harg)
{
	if (after < 0 || !h)
		return EINVAL;
	if (!replay_h)
		return ENOTSUP;
	return replay_h(after, h, harg, replay_arg);
}

void event_streams_set(unsigned n)
{
	streams = n;
}

unsigned event_streams(void)
{
	return streams;
}

static bool type_ok(const char *type)
{
	size_t i;

	if (!type || !type[0] || strlen(type) > 31)
		return false;
	for (i = 0; type[i]; i++) {
		if ((type[i] < 'a' || type[i] > 'z') && type[i] != '_')
			return false;
	}
	return true;
}

int event_publish(int64_t tenant_id, enum event_class cls, const char *type,
		  const struct odict *fields)
{
	return event_publish_to(tenant_id, 0, cls, type, fields);
}

/* Hand ev to every subscriber. */
static void walk(const struct event *ev)
{
	struct walk w;

	w.next = subs.head;
	w.up = walks;
	walks = &w;
	while (w.next) {
		struct event_sub *s = w.next->data;

		w.next = w.next->next;
		s->h(ev, s->arg);
	}
	walks = w.up;
}

int event_publish_to(int64_t tenant_id, int64_t employee_id,
		     enum event_class cls, const char *type,
		     const struct odict *fields)
{
	struct event ev;

	if (tenant_id < 0 || employee_id < 0 ||
	    (size_t)cls >= ARRAY_SIZE(class_names) || !type_ok(type))
		return EINVAL;
	memset(&ev, 0, sizeof(ev));
	ev.employee_id = employee_id;
	ev.time = time_now_ms();
	ev.tenant_id = tenant_id;
	ev.cls = cls;
	ev.type = type;
	ev.fields = fields;
	if (stamp_h)
		ev.id = stamp_h(&ev, stamp_arg);
	walk(&ev);
	return 0;
}

int event_republish(const struct event *ev)
{
	if (!ev || !str_isset(ev->node) || ev->tenant_id < 0 ||
	    ev->employee_id < 0 || (size_t)ev->cls >= ARRAY_SIZE(class_names) ||
	    !type_ok(ev->type))
		return EINVAL;
	walk(ev);
	return 0;
}

int event_class_parse(const char *s, enum event_class *clsp)
{
	size_t i;

	if (!s || !clsp)
		return EINVAL;
	for (i = 0; i < ARRAY_SIZE(class_names); i++) {
		if (class_names[i] && !strcmp(s, class_names[i])) {
			*clsp = (enum event_class)i;
			return 0;
		}
	}
	return EINVAL;
}
