/*
 * curl_cb.c - the libcurl callbacks every channel's worker uses (smtp.c,
 * http_post.c, push_send.c): a transfer stops when the dispatcher sets
 * its stop flag (shutdown), and an answer's body is read and dropped.
 */
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
