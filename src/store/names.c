/*
 * names.c - the names of the enumerated settings of store.h, in one place:
 * the words the database stores and the API shows for a device's srtp, a
 * trunk's transport, a call's direction, disposition and ended_by, a
 * number's target type, a schedule's region (federal state) and state, a
 * tenant's language, an outbox delivery's channel and state, an uploaded
 * prompt's purpose, a ring group's strategy.
 *
 * Each enum has one table, indexed by its values.  store_<x>_name() and
 * store_<x>_parse() are written once (NAMES below) over them, and the
 * backends read and write the columns through the same tables (struct
 * store_names), so a new value is one enum constant and one word here.
 * Names are exact (case matters): they are what the API accepts.
 */
#include <string.h>
#include "core/core.h"
#include "store/store.h"

const char *store_names_get(const struct store_names *t, int v)
{
	if (!t || v < 0 || (size_t)v >= t->n)
		return NULL;

	return t->v[v];
}

bool store_names_has(const struct store_names *t, int v)
{
	return store_names_get(t, v) != NULL;
}

int store_names_find(const struct store_names *t, const char *s, int *vp)
{
	size_t i;

	if (!t || !s)
		return EINVAL;

	for (i = 0; i < t->n; i++) {
		if (t->v[i] && !strcmp(s, t->v[i])) {
			if (vp)
				*vp = (int)i;
			return 0;
		}
	}

	return EINVAL;
}

/* One table per enum, indexed by its values. */
static const char *const srtp_v[] = {
    [STORE_SRTP_AUTO] = "auto",
    [STORE_SRTP_OFF] = "off",
    [STORE_SRTP_OPTIONAL] = "optional",
    [STORE_SRTP_REQUIRED] = "required",
};

static const char *const transport_v[] = {
    [STORE_TRANSPORT_UDP] = "udp",
    [STORE_TRANSPORT_TCP] = "tcp",
    [STORE_TRANSPORT_TLS] = "tls",
};

static const char *const trunk_match_v[] = {
    [STORE_TRUNK_MATCH_ADDRESS_PORT] = "address_port",
    [STORE_TRUNK_MATCH_PORT_RANGE] = "address_port_range",
    [STORE_TRUNK_MATCH_ADDRESS] = "address",
};

static const char *const direction_v[] = {
    [STORE_DIR_INBOUND] = "inbound",
    [STORE_DIR_OUTBOUND] = "outbound",
    [STORE_DIR_INTERNAL] = "internal",
};

static const char *const disposition_v[] = {
    [STORE_DISP_NONE] = "",
    [STORE_DISP_ANSWERED] = "answered",
    [STORE_DISP_BUSY] = "busy",
    [STORE_DISP_NO_ANSWER] = "no_answer",
    [STORE_DISP_CANCELLED] = "cancelled",
    [STORE_DISP_UNAVAILABLE] = "unavailable",
    [STORE_DISP_NOT_FOUND] = "not_found",
    [STORE_DISP_REJECTED] = "rejected",
    [STORE_DISP_FAILED] = "failed",
    [STORE_DISP_RTP_TIMEOUT] = "rtp_timeout",
    [STORE_DISP_NODE_FAILURE] = "node_failure",
};

static const char *const party_v[] = {
    [STORE_PARTY_NONE] = "",
    [STORE_PARTY_CALLER] = "caller",
    [STORE_PARTY_CALLEE] = "callee",
    [STORE_PARTY_SYSTEM] = "system",
};

static const char *const target_v[] = {
    [TARGET_NONE] = "none",
    [TARGET_EMPLOYEE] = "employee",
    [TARGET_ANNOUNCEMENT] = "announcement",
    [TARGET_SCHEDULE] = "schedule",
    [TARGET_IVR] = "ivr",
    [TARGET_VOICEMAIL] = "voicemail",
    [TARGET_EXTERNAL] = "external",
    [TARGET_COLLECT] = "digit_input",
    [TARGET_RING_GROUP] = "ring_group",
    [TARGET_QUEUE] = "queue",
};

static const char *const queue_strategy_v[] = {
    [STORE_QUEUE_RING_ALL] = "ring_all",
    [STORE_QUEUE_ROUND_ROBIN] = "round_robin",
    [STORE_QUEUE_LONGEST_IDLE] = "longest_idle",
    [STORE_QUEUE_FEWEST_CALLS] = "fewest_calls",
    [STORE_QUEUE_SKILLS] = "skills",
};

static const char *const agent_state_v[] = {
    [STORE_AGENT_LOGGED_OUT] = "logged_out",
    [STORE_AGENT_AVAILABLE] = "available",
    [STORE_AGENT_PAUSED] = "paused",
};

static const char *const claim_kind_v[] = {
    [STORE_CLAIM_RINGING] = "ringing",
    [STORE_CLAIM_ON_CALL] = "on_call",
    [STORE_CLAIM_WRAPUP] = "wrapup",
};

static const char *const acd_change_kind_v[] = {
    [STORE_ACD_CHANGE_QUEUE] = "queue",
    [STORE_ACD_CHANGE_AGENT] = "agent",
    [STORE_ACD_CHANGE_TENANT] = "tenant",
};

static const char *const visit_outcome_v[] = {
    [STORE_VISIT_WAITING] = "waiting",
    [STORE_VISIT_ANSWERED] = "answered",
    [STORE_VISIT_ABANDONED] = "abandoned",
    [STORE_VISIT_TIMEOUT] = "timeout",
    [STORE_VISIT_FULL] = "full",
    [STORE_VISIT_NO_AGENTS] = "no_agents",
    [STORE_VISIT_CLOSED] = "closed",
    [STORE_VISIT_VOICEMAIL] = "voicemail",
    [STORE_VISIT_CALLBACK] = "callback",
};

static const char *const callback_state_v[] = {
    [STORE_CB_REQUESTED] = "requested", [STORE_CB_CALLING] = "calling",
    [STORE_CB_COMPLETED] = "completed", [STORE_CB_FAILED] = "failed",
    [STORE_CB_CANCELLED] = "cancelled",
};

static const char *const transfer_v[] = {
    [STORE_TRANSFER_NONE] = "none",
    [STORE_TRANSFER_ALL] = "all",
    [STORE_TRANSFER_VIP] = "vip",
};

static const char *const ring_strategy_v[] = {
    [STORE_RING_SIMULTANEOUS] = "simultaneous",
    [STORE_RING_SEQUENTIAL] = "sequential",
};

static const char *const region_v[] = {
    [STORE_REGION_NONE] = "", [STORE_REGION_BW] = "BW",
    [STORE_REGION_BY] = "BY", [STORE_REGION_BE] = "BE",
    [STORE_REGION_BB] = "BB", [STORE_REGION_HB] = "HB",
    [STORE_REGION_HH] = "HH", [STORE_REGION_HE] = "HE",
    [STORE_REGION_MV] = "MV", [STORE_REGION_NI] = "NI",
    [STORE_REGION_NW] = "NW", [STORE_REGION_RP] = "RP",
    [STORE_REGION_SL] = "SL", [STORE_REGION_SN] = "SN",
    [STORE_REGION_ST] = "ST", [STORE_REGION_SH] = "SH",
    [STORE_REGION_TH] = "TH",
};

static const char *const language_v[] = {
    [STORE_LANG_DE] = "de",
    [STORE_LANG_EN] = "en",
};

static const char *const sched_state_v[] = {
    [STORE_SCHED_OPEN] = "open",
    [STORE_SCHED_CLOSED] = "closed",
    [STORE_SCHED_HOLIDAY] = "holiday",
};

static const char *const channel_v[] = {
    [STORE_CHANNEL_MAIL] = "mail",
    [STORE_CHANNEL_SMS] = "sms",
    [STORE_CHANNEL_WEBHOOK] = "webhook",
    [STORE_CHANNEL_WEBPUSH] = "webpush",
};

static const char *const prompt_purpose_v[] = {
    [STORE_PROMPT_OTHER] = "other",       [STORE_PROMPT_GREETING] = "greeting",
    [STORE_PROMPT_CLOSED] = "closed",     [STORE_PROMPT_MAILBOX] = "mailbox",
    [STORE_PROMPT_MOH] = "music_on_hold",
};

static const char *const outbox_state_v[] = {
    [STORE_OUTBOX_PENDING] = "pending",     [STORE_OUTBOX_SENDING] = "sending",
    [STORE_OUTBOX_SENT] = "sent",           [STORE_OUTBOX_FAILED] = "failed",
    [STORE_OUTBOX_DELIVERED] = "delivered",
};

/*
 * store_names_<x> over the table <x>_v of enum type, and store_<x>_name()
 * and store_<x>_parse() over it (contracts in store.h).
 */
#define NAMES(x, type)                                                         \
	const struct store_names store_names_##x = {x##_v, ARRAY_SIZE(x##_v)}; \
                                                                               \
	const char *store_##x##_name(type v)                                   \
	{                                                                      \
		const char *s = store_names_get(&store_names_##x, (int)v);     \
                                                                               \
		return s ? s : "unknown";                                      \
	}                                                                      \
                                                                               \
	int store_##x##_parse(const char *s, type *vp)                         \
	{                                                                      \
		int v, err;                                                    \
                                                                               \
		err = store_names_find(&store_names_##x, s, &v);               \
		if (!err && vp)                                                \
			*vp = (type)v;                                         \
		return err;                                                    \
	}

NAMES(srtp, enum store_srtp)
NAMES(transport, enum store_transport)
NAMES(trunk_match, enum store_trunk_match)
NAMES(direction, enum store_direction)
NAMES(disposition, enum store_disposition)
NAMES(party, enum store_party)
NAMES(target, enum store_target)
NAMES(region, enum store_region)
NAMES(sched_state, enum store_sched_state)
NAMES(language, enum store_language)
NAMES(channel, enum store_channel)
NAMES(outbox_state, enum store_outbox_state)
NAMES(prompt_purpose, enum store_prompt_purpose)
NAMES(ring_strategy, enum store_ring_strategy)
NAMES(queue_strategy, enum store_queue_strategy)
NAMES(agent_state, enum store_agent_state)
NAMES(claim_kind, enum store_claim_kind)
NAMES(acd_change_kind, enum store_acd_change_kind)
NAMES(visit_outcome, enum store_visit_outcome)
NAMES(callback_state, enum store_callback_state)
NAMES(transfer, enum store_transfer)
