/*
 * api_stats.c - /api/v1/stats: what this node is doing right now (live
 * calls, media legs, players) and its RTP counters since start.  The
 * benchmarks read it to count relayed packets, so loss is measured on the
 * server itself rather than guessed from the load generator; and the
 * prompt cache (files loaded, plays served from memory) and speech
 * (texts synthesised, cache hits, time spent synthesising [us]); the
 * event stream (clients, events, messages, clients dropped as too slow,
 * the bound that drops them [bytes]).  One object
 * of nested counters, not a collection: the resource is a single action.
 */
#include <errno.h>
#include <string.h>
#include "http/http_int.h"
#include "media/media.h"
#include "sip/sip.h"

static int stats_get(struct api_req *req)
{
	struct media_stats ms;
	struct media_speech_stats ss;
	struct api_query q;
	struct api_events_stats es;
	struct odict *o = NULL, *rtp = NULL, *sip = NULL, *pr = NULL,
		     *sp = NULL, *ev = NULL;
	int err;

	err = api_query_read(req, NULL, 0, &q);
	if (err)
		return err;
	media_stats_get(&ms);
	media_speech_stats(&ss);
	err = odict_alloc(&o, 8);
	if (!err)
		err = odict_alloc(&rtp, 8);
	if (!err)
		err = odict_alloc(&sip, 4);
	if (!err)
		err = odict_alloc(&pr, 4);
	if (!err)
		err = odict_alloc(&sp, 4);
	if (!err)
		err = odict_alloc(&ev, 4);
	if (err)
		goto out;
	api_events_stats(req->api, &es);
	err |= api_add_int(o, "calls_active", (int64_t)sipsrv_calls_active());
	err |= api_add_int(rtp, "legs", (int64_t)ms.legs);
	err |= api_add_int(rtp, "players", (int64_t)ms.players);
	err |= api_add_int(rtp, "received", (int64_t)ms.rx);
	err |= api_add_int(rtp, "relayed", (int64_t)ms.relayed);
	err |= api_add_int(rtp, "played", (int64_t)ms.played);
	err |= api_add_int(rtp, "refused", (int64_t)ms.refused);
	err |= api_add_int(rtp, "dtmf", (int64_t)ms.dtmf);
	err |= odict_entry_add(o, "rtp", ODICT_OBJECT, rtp);
	err |= api_add_int(pr, "loaded", (int64_t)ms.prompt_loads);
	err |= api_add_int(pr, "hits", (int64_t)ms.prompt_hits);
	err |= odict_entry_add(o, "prompts", ODICT_OBJECT, pr);
	err |= api_add_int(sp, "synthesised", (int64_t)ss.synthesised);
	err |= api_add_int(sp, "hits", (int64_t)ss.hits);
	err |= api_add_int(sp, "synth_us", (int64_t)ss.synth_us);
	err |= api_add_int(sp, "synth_us_max", (int64_t)ss.synth_us_max);
	err |= odict_entry_add(o, "speech", ODICT_OBJECT, sp);
	err |=
	    api_add_int(sip, "undecodable", (int64_t)log_libre_undecodable());
	err |= odict_entry_add(o, "sip", ODICT_OBJECT, sip);
	err |= api_add_int(ev, "clients", (int64_t)es.clients);
	err |= api_add_int(ev, "published", (int64_t)es.published);
	err |= api_add_int(ev, "sent", (int64_t)es.sent);
	err |= api_add_int(ev, "slow_disconnects", (int64_t)es.slow);
	err |= api_add_int(ev, "queue_max",
			   (int64_t)req->api->cfg->events_queue_max);
	err |= odict_entry_add(o, "events", ODICT_OBJECT, ev);
	if (err) {
		err = ENOMEM;
		goto out;
	}
	err = api_reply_object(req, 200, o);
out:
	mem_deref(ev);
	mem_deref(sp);
	mem_deref(pr);
	mem_deref(sip);
	mem_deref(rtp);
	mem_deref(o);
	return err;
}

static const struct api_action actions[] = {
    {"GET", "", stats_get},
};

const struct api_resource api_stats = {
    .path = "/api/v1/stats",
    .noun = "stats",
    .label = "stats",
    .actionv = actions,
    .actionc = ARRAY_SIZE(actions),
};
