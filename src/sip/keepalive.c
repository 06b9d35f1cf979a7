/*
 * keepalive.c - keep NAT bindings of registered UDP phones open, and know
 * which phones are gone.
 *
 * A home router forgets an idle UDP mapping after as little as 30 s (some
 * after 5 s); then an INVITE to the phone's public port is dropped and the
 * phone rings no more until its next REGISTER.  So every
 * --keepalive-interval seconds we send an OPTIONS to each UDP binding
 * whose source differs from its Contact (it is behind NAT), to where its
 * REGISTER came from.  Any answer counts.  A ping still unanswered when
 * the next is due is a miss; after --keepalive-max-missed misses in a row
 * the binding is unreachable, and call.c does not ring it: a caller gets
 * 480 at once instead of waiting out a timeout.  An answer or a new
 * REGISTER makes it reachable again.
 *
 *   binding --ping--> pending --answer--> ok (misses = 0)
 *                        |--next tick--> miss++ --(misses >= max)--> unreachable
 *
 * A phone that registered through an edge proxy (a Path, path.c) is
 * pinged through that Path like any other request to it: R-URI its
 * Contact, Route the Path; the edge takes it to the phone's NAT address.
 *
 * State is per node, in memory: the node that holds a phone's NAT binding
 * is the one that pings it.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "sip/sip_int.h"

struct ka_entry {
	struct le le; /* in ka.entries */
	int64_t device_id;
	char contact[256];
	char received[64];
	char path[256];          /* Path it registered with, or ""   */
	struct sip_request *req; /* pending ping (owned) */
	unsigned misses;
	uint64_t seen; /* [cycle] last cycle it was listed */
};

static struct {
	struct sipsrv *srv; /* (weak) */
	struct list entries;
	struct tmr tmr;
	uint64_t cycle;
} ka;

static void entry_destructor(void *arg)
{
	struct ka_entry *e = arg;

	list_unlink(&e->le);
	e->req = mem_deref(e->req);
}

static struct ka_entry *entry_find(int64_t device_id, const char *contact)
{
	struct le *le;

	for (le = ka.entries.head; le; le = le->next) {
		struct ka_entry *e = le->data;
		if (e->device_id == device_id && !strcmp(e->contact, contact))
			return e;
	}
	return NULL;
}

static void ping_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct ka_entry *e = arg;

	e->req = mem_deref(e->req);
	if (err || !msg)
		return; /* counted as a miss at the next tick */
	if (e->misses >= ka.srv->cfg->keepalive_max_missed)
		info("keepalive: %s reachable again\n", e->contact);
	e->misses = 0;
}

static bool behind_nat(const struct store_registration *r)
{
	struct sa rcv, dst;
	struct uri uri;
	struct pl pl;

	pl_set_str(&pl, r->contact);
	if (uri_decode(&uri, &pl) ||
	    sa_decode(&rcv, r->received, strlen(r->received)))
		return false;
	if (sa_set(&dst, &uri.host, uri.port ? uri.port : 5060))
		return true; /* a host name in Contact: use the source */
	return !sa_cmp(&dst, &rcv, SA_ALL);
}

static void ping(struct ka_entry *e)
{
	struct sipsrv *srv = ka.srv;
	char route[SIP_ROUTE_LEN], from[96];
	struct uri ruri;
	struct pl pl;
	int err;

	if (e->path[0]) { /* to the first Path entry, all of them as Route */
		char v[SIP_ROUTE_MAX][SIP_ROUTE_LEN];

		if (!sip_path_routes(e->path, v, SIP_ROUTE_MAX))
			return;
		str_copy(route, v[0], sizeof(route));
	}
	else
		re_snprintf(route, sizeof(route), "sip:%s", e->received);
	pl_set_str(&pl, route);
	if (uri_decode(&ruri, &pl))
		return;
	re_snprintf(from, sizeof(from), "sip:keepalive@%s", srv->host);
	err = sip_requestf(&e->req, srv->sip, true, "OPTIONS", e->contact,
			   &ruri, NULL, NULL, ping_resp, e,
			   "%s%s%s"
			   "To: <%s>\r\n"
			   "From: <%s>;tag=%08x\r\n"
			   "Call-ID: ka-%08x%08x\r\n"
			   "CSeq: 1 OPTIONS\r\n"
			   "Content-Length: 0\r\n\r\n",
			   e->path[0] ? "Route: " : "", e->path,
			   e->path[0] ? "\r\n" : "", e->contact, from,
			   rand_u32(), rand_u32(), rand_u32());
	if (err)
		debug("keepalive: ping to %s: %m\n", e->contact, err);
}

static int binding_h(const struct store_registration *r, void *arg)
{
	const struct config *cfg = ka.srv->cfg;
	struct ka_entry *e;

	(void)arg;
	if (str_casecmp(r->transport, "udp") || !behind_nat(r))
		return 0;
	e = entry_find(r->device_id, r->contact);
	if (!e) {
		e = mem_zalloc(sizeof(*e), entry_destructor);
		if (!e)
			return 0;
		e->device_id = r->device_id;
		str_copy(e->contact, r->contact, sizeof(e->contact));
		list_append(&ka.entries, &e->le, e);
	}
	if (strcmp(e->received, r->received) ||
	    strcmp(e->path, r->path)) { /* re-registered elsewhere */
		str_copy(e->received, r->received, sizeof(e->received));
		str_copy(e->path, r->path, sizeof(e->path));
		e->misses = 0;
	}
	e->seen = ka.cycle;
	if (e->req) { /* the last ping got no answer */
		e->req = mem_deref(e->req);
		if (++e->misses == cfg->keepalive_max_missed)
			warning("keepalive: %s (%s) unreachable after %u "
				"unanswered pings\n",
				e->contact, e->received, e->misses);
	}
	ping(e);
	return 0;
}

static void tick(void *arg)
{
	struct le *le;

	(void)arg;
	ka.cycle++;
	(void)store_reg_list(ka.srv->st, 0, time_now_ms(), binding_h, NULL);
	le = ka.entries.head;
	while (le) { /* bindings that expired or were removed */
		struct ka_entry *e = le->data;
		le = le->next;
		if (e->seen != ka.cycle)
			mem_deref(e);
	}
	tmr_start(&ka.tmr, (uint64_t)ka.srv->cfg->keepalive_interval * 1000,
		  tick, NULL);
}

void keepalive_start(struct sipsrv *srv)
{
	ka.srv = srv;
	list_init(&ka.entries);
	tmr_init(&ka.tmr);
	if (!srv->cfg->keepalive_interval)
		return;
	tmr_start(&ka.tmr, (uint64_t)srv->cfg->keepalive_interval * 1000, tick,
		  NULL);
	info("keepalive: OPTIONS to NATed UDP phones every %us\n",
	     srv->cfg->keepalive_interval);
}

void keepalive_stop(void)
{
	tmr_cancel(&ka.tmr);
	list_flush(&ka.entries);
}

bool keepalive_reachable(int64_t device_id, const char *contact,
			 const char *received)
{
	const struct ka_entry *e;

	if (!ka.srv || !ka.srv->cfg->keepalive_max_missed)
		return true;
	e = entry_find(device_id, contact);
	if (!e || strcmp(e->received, received))
		return true; /* not pinged (yet) from this address */
	return e->misses < ka.srv->cfg->keepalive_max_missed;
}

void keepalive_registered(int64_t device_id, const char *contact)
{
	struct ka_entry *e = entry_find(device_id, contact);

	if (e)
		e->misses = 0;
}
