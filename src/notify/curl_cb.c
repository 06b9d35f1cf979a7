/*
 * curl_cb.c - the libcurl callbacks every channel's worker uses (smtp.c,
 * http_post.c, push_send.c): a transfer stops when the dispatcher sets
 * its stop flag (shutdown), and an answer's body is read and dropped, or
 * its start kept (an SMS gateway's answer names the message).
 */
#include <string.h>
#include <curl/curl.h>
#include "notify/notify_int.h"

int notify_curl_progress(void *arg, curl_off_t dlt, curl_off_t dln,
			 curl_off_t ult, curl_off_t uln)
{
	const atomic_bool *stop = arg;

	(void)dlt;
	(void)dln;
	(void)ult;
	(void)uln;
	return atomic_load(stop) ? 1 : 0;
}

size_t notify_curl_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

size_t notify_curl_keep(char *p, size_t size, size_t n, void *arg)
{
	struct notify_result *r = arg;
	size_t have = strlen(r->answer), room = sizeof(r->answer) - 1 - have;
	size_t len = size * n;

	if (len < room)
		room = len;
	memcpy(r->answer + have, p, room);
	r->answer[have + room] = '\0';
	return len;
}
