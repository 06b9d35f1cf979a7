/*
 * feature.c - feature codes an agent dials from his phone: *50 log in,
 * *51 log out, *52 pause or resume (a pause from the phone has the reason
 * "pause"; *52 while paused, also after "no answer", resumes).  An
 * application on the call seam (call/call.h): the state changes first
 * (acd_agent_act(): kept in the store), then the call is answered, a
 * sentence in the tenant's language confirms what happened (or says why
 * not), and the server hangs up.  Without speech the call just ends
 * after the answer; the state changed all the same.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "route/route.h"
#include "call/call.h"
#include "acd/acd.h"

static struct acd *node_acd; /* (weak) the node's live queues */

void acd_feature_use(struct acd *acd)
{
	node_acd = acd;
}

enum said {
	SAID_LOGIN = 0,
	SAID_LOGIN_AGAIN,
	SAID_LOGOUT,
	SAID_LOGOUT_AGAIN,
	SAID_PAUSE,
	SAID_UNPAUSE,
	SAID_NOT_IN,
	SAID_FAILED,
};

static const char *const text_de[] = {
    [SAID_LOGIN] = "Sie sind angemeldet.",
    [SAID_LOGIN_AGAIN] = "Sie sind bereits angemeldet.",
    [SAID_LOGOUT] = "Sie sind abgemeldet.",
    [SAID_LOGOUT_AGAIN] = "Sie sind bereits abgemeldet.",
    [SAID_PAUSE] = "Pause. Sie erhalten keine Anrufe.",
    [SAID_UNPAUSE] = "Pause beendet. Sie erhalten wieder Anrufe.",
    [SAID_NOT_IN] = "Sie sind nicht angemeldet.",
    [SAID_FAILED] = "Das hat nicht geklappt.",
};

static const char *const text_en[] = {
    [SAID_LOGIN] = "You are logged in.",
    [SAID_LOGIN_AGAIN] = "You are logged in already.",
    [SAID_LOGOUT] = "You are logged out.",
    [SAID_LOGOUT_AGAIN] = "You are logged out already.",
    [SAID_PAUSE] = "Paused. You get no calls.",
    [SAID_UNPAUSE] = "Pause ended. You get calls again.",
    [SAID_NOT_IN] = "You are not logged in.",
    [SAID_FAILED] = "That did not work.",
};

struct feature {
	char lang[4];
	enum said said;
};

/* What the code does for employee id now; the sentence that says so. */
static enum said act(int64_t id, const char *code, uint64_t now)
{
	struct acd_agent_view v;
	enum acd_action a;
	int err;

	if (!strcmp(code, "*50"))
		a = ACD_LOGIN;
	else if (!strcmp(code, "*51"))
		a = ACD_LOGOUT;
	else if (acd_agent_view(node_acd, id, &v) == 0 &&
		 !strcmp(v.state, "paused"))
		a = ACD_UNPAUSE;
	else
		a = ACD_PAUSE;
	err = acd_agent_act(node_acd, id, a, NULL, now);
	if (err)
		info("acd: agent %lld: %s: %m\n", (long long)id, code, err);
	switch (a) {
	case ACD_LOGIN:
		return !err              ? SAID_LOGIN
		       : err == EALREADY ? SAID_LOGIN_AGAIN
					 : SAID_FAILED;
	case ACD_LOGOUT:
		return !err              ? SAID_LOGOUT
		       : err == EALREADY ? SAID_LOGOUT_AGAIN
					 : SAID_FAILED;
	default:
		if (err == ENOTCONN)
			return SAID_NOT_IN;
		if (err)
			return SAID_FAILED;
		return a == ACD_PAUSE ? SAID_PAUSE : SAID_UNPAUSE;
	}
}

static void said(struct call *call, int err, char digit, void *arg)
{
	(void)err;
	(void)digit;
	(void)arg;
	call_hangup(call, 200, NULL, STORE_DISP_ANSWERED, STORE_PARTY_SYSTEM);
}

static void answered(struct call *call, void *arg)
{
	const struct feature *f = arg;
	const char *text =
	    !strcmp(f->lang, "en") ? text_en[f->said] : text_de[f->said];

	if (call_say(call, f->lang, text, false, said, NULL))
		call_hangup(call, 200, NULL, STORE_DISP_ANSWERED,
			    STORE_PARTY_SYSTEM);
}

int acd_feature_start(struct call *call, const struct route_target *t)
{
	struct store *st = call_store(call);
	struct store_employee e;
	struct store_tenant tn;
	struct feature *f;
	int err;

	if (!node_acd) {
		call_hangup(call, 503, "No Queues", STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
		return 0;
	}
	err = store_employee_get(st, t->id, &e);
	if (!err)
		err = store_tenant_get(st, e.tenant_id, &tn);
	if (err)
		return err;
	f = mem_zalloc(sizeof(*f), NULL);
	if (!f)
		return ENOMEM;
	str_copy(f->lang, store_language_name(tn.language), sizeof(f->lang));
	f->said = act(e.id, t->number, time_now_ms());
	call_app_data_set(call, f); /* the call owns it now */
	return call_answer(call, "feature", answered, f);
}
