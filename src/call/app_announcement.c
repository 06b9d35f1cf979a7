/*
 * app_announcement.c - the announcement: answer at once, play the
 * announcement's file once the caller's ACK came, hang up when it ends.
 * The call record names "announcement" as who answered.  A file that
 * cannot be played (gone since it was saved, or broken) is never
 * answered: the caller gets 480 and pays nothing, the log says why.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "call/call_int.h"

static void announcement_played(struct call *call, int err, char digit,
				void *arg)
{
	(void)digit;
	(void)arg;
	if (err)
		call_hangup(call, 500, NULL, STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
	else
		call_hangup(call, 200, NULL, STORE_DISP_ANSWERED,
			    STORE_PARTY_SYSTEM);
}

static void announcement_answered(struct call *call, void *arg)
{
	const char *path = arg;

	if (call_play(call, &path, 1, false, announcement_played, NULL))
		call_hangup(call, 500, NULL, STORE_DISP_FAILED,
			    STORE_PARTY_SYSTEM);
}

int app_announcement_start(struct call *call, const struct route_target *t)
{
	struct store_announcement a;
	char *path;
	int err;

	err = store_announcement_get(call_store(call), t->id, &a);
	if (err)
		return err;
	path = mem_zalloc(300, NULL);
	if (!path)
		return ENOMEM;
	re_snprintf(path, 300, "%s/%s", call_config(call)->prompts_dir, a.file);
	call_app_data_set(call, path); /* the call owns it now */
	if (call_prompt_refuse(call, "announcement", a.id, path))
		return 0;
	return call_answer(call, "announcement", announcement_answered, path);
}
