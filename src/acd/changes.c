/*
 * changes.c - queue and agent settings changed through another node
 * (issue 21, migration 63, docs/cluster.md "Queues on many nodes"): the
 * node whose API changed a queue (added, changed, deleted) or an agent's
 * skills takes it over at once and writes a row of acd_changes; every
 * node looks at the rows every CHANGES_POLL_MS and takes the queues and
 * agents the others changed over from the store (acd_queue_sync,
 * acd_agent_sync).  So a member added, a strategy, ring timeout or skill
 * changed through node-b counts on node-a within a second, not only at
 * its next start.  A client deleted through a node is a third kind
 * (tenant, migration 64): the others forget its queues, agents and
 * callback requests (acd_tenant_forget) as the deleting node did.
 *
 * A row carries the store's clock (at, as agent_states.updated_at does:
 * store_now_ms, never a node's own clock), and a look reads from a time
 * on that it took from the store too; the rows are read again
 * CHANGES_OVERLAP_MS back (a commit later than its stamp), and the ids
 * taken over in that window are remembered: each change is taken over
 * once.  Rows older
 * than CHANGES_KEEP_MS are deleted by whichever node looks (the same
 * delete on every node: harmless twice).
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "acd/acd.h"
#include "acd/acd_int.h"

enum {
	CHANGES_POLL_MS = 500,     /* [ms] between looks               */
	CHANGES_OVERLAP_MS = 3000, /* [ms] read again before the last  */
	CHANGES_KEEP_MS = 600000,  /* [ms] a row is kept this long     */
	CHANGES_PURGE_EVERY = 120, /* looks between two deletes        */
};

/* A change taken over (or our own) within the overlap. */
struct seen {
	struct le le;
	int64_t id;
	uint64_t at;
};

static struct {
	struct acd *acd; /* (weak) */
	const struct config *cfg;
	struct tmr tmr;
	struct list seen; /* struct seen */
	uint64_t since;   /* [ms UTC] the next look reads rows from here */
	unsigned looks;
} ch;

static struct store *store(void)
{
	return acd_store(ch.acd);
}

static bool seen(int64_t id)
{
	struct le *le;

	for (le = ch.seen.head; le; le = le->next) {
		const struct seen *s = le->data;

		if (s->id == id)
			return true;
	}
	return false;
}

static void seen_add(int64_t id, uint64_t at)
{
	struct seen *s = mem_zalloc(sizeof(*s), NULL);

	if (!s)
		return; /* taken over once more at the next look: harmless */
	s->id = id;
	s->at = at;
	list_append(&ch.seen, &s->le, s);
}

/* Forget the ids the next look no longer reads. */
static void seen_prune(void)
{
	struct le *le = ch.seen.head;

	while (le) {
		struct seen *s = le->data;

		le = le->next;
		if (s->at < ch.since) {
			list_unlink(&s->le);
			mem_deref(s);
		}
	}
}

static int change_h(const struct store_acd_change *c, void *arg)
{
	int err;

	(void)arg;
	if (seen(c->id))
		return 0;
	seen_add(c->id, c->at);
	if (!strcmp(c->node_id, ch.cfg->node_id))
		return 0; /* taken over when it was made */
	if (c->kind == STORE_ACD_CHANGE_TENANT) {
		acd_tenant_forget(ch.acd, c->ref_id, tmr_jiffies(), c->node_id,
				  NULL, NULL);
		return 0;
	}
	if (c->kind == STORE_ACD_CHANGE_QUEUE) {
		err = acd_queue_sync(ch.acd, c->ref_id);
		acd_cb_rejoin();
	}
	else
		err = acd_agent_sync(ch.acd, c->ref_id);
	if (err && err != ENOENT)
		warning("acd: %s %lld changed through %s: not taken over: "
			"%m\n",
			store_acd_change_kind_name(c->kind),
			(long long)c->ref_id, c->node_id, err);
	else
		info("acd: %s %lld changed through %s: taken over\n",
		     store_acd_change_kind_name(c->kind), (long long)c->ref_id,
		     c->node_id);
	return 0;
}

static void look(void *arg)
{
	uint64_t wall = 0;
	int err;

	(void)arg;
	tmr_start(&ch.tmr, CHANGES_POLL_MS, look, NULL);
	/* the store's clock before the read: the next look reads from it */
	err = store_now_ms(store(), &wall);
	if (!err)
		err = store_acd_change_list(store(), ch.since, change_h, NULL);
	if (err) {
		warning("acd: settings changes of other nodes: %m\n", err);
		return;
	}
	ch.since = wall > CHANGES_OVERLAP_MS ? wall - CHANGES_OVERLAP_MS : 0;
	seen_prune();
	if (++ch.looks % CHANGES_PURGE_EVERY == 0 && wall > CHANGES_KEEP_MS)
		(void)store_acd_change_purge(store(), wall - CHANGES_KEEP_MS,
					     NULL);
}

int acd_changes_use(struct acd *acd, const struct config *cfg)
{
	if (!acd || !cfg || !str_isset(cfg->node_id)) {
		tmr_cancel(&ch.tmr);
		list_flush(&ch.seen);
		ch.acd = NULL;
		ch.cfg = NULL;
		return 0;
	}
	ch.acd = acd;
	ch.cfg = cfg;
	ch.looks = 0;
	tmr_init(&ch.tmr);
	list_init(&ch.seen);
	/* the engine was loaded from the store just now */
	if (store_now_ms(store(), &ch.since))
		ch.since = 0;
	tmr_start(&ch.tmr, CHANGES_POLL_MS, look, NULL);
	return 0;
}

/* Written for the other nodes when there are any. */
static int tell(struct acd *acd, enum store_acd_change_kind kind, int64_t id)
{
	struct store_acd_change c;
	int err;

	if (ch.acd != acd || !ch.cfg)
		return 0;
	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.ref_id = id;
	str_copy(c.node_id, ch.cfg->node_id, sizeof(c.node_id));
	err = store_acd_change_add(store(), &c);
	if (err)
		warning("acd: %s %lld: the other nodes are not told: %m\n",
			store_acd_change_kind_name(kind), (long long)id, err);
	return err;
}

/* Taken over here; written for the other nodes when there are any. */
static int changed(struct acd *acd, enum store_acd_change_kind kind, int64_t id)
{
	int err, err2;

	err = kind == STORE_ACD_CHANGE_QUEUE ? acd_queue_sync(acd, id)
					     : acd_agent_sync(acd, id);
	if (kind == STORE_ACD_CHANGE_QUEUE)
		acd_cb_rejoin();
	err2 = tell(acd, kind, id);
	return err ? err : err2;
}

void acd_changes_tenant_gone(struct acd *acd, int64_t tenant_id)
{
	(void)tell(acd, STORE_ACD_CHANGE_TENANT, tenant_id);
}

int acd_queue_changed(struct acd *acd, int64_t queue_id)
{
	return changed(acd, STORE_ACD_CHANGE_QUEUE, queue_id);
}

int acd_agent_changed(struct acd *acd, int64_t employee_id)
{
	return changed(acd, STORE_ACD_CHANGE_AGENT, employee_id);
}
