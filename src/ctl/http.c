/*
 * http.c - one request to the API with libcurl, and what its answer
 * means for the exit code: no connection (or no answer in time) is
 * "server unreachable", 401/403 "auth refused", 404 "not found",
 * anything else not 2xx "other error"; the API's {"error": "..."} text
 * is what the operator reads then.
 */
#include <stdarg.h>
#include <string.h>
#include <curl/curl.h>
#include "ctl/ctl.h"

enum { JSON_DEPTH = 16, BODY_MAX = 64 << 20 };

int ctl_err(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("switchboard-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static size_t write_h(char *p, size_t size, size_t n, void *arg)
{
	struct mbuf *mb = arg;

	if (mb->end + size * n > BODY_MAX)
		return 0;
	return mbuf_write_mem(mb, (const uint8_t *)p, size * n) ? 0 : size * n;
}

void ctl_resp_reset(struct ctl_resp *r)
{
	if (!r)
		return;
	r->body = mem_deref(r->body);
	r->o = mem_deref(r->o);
	r->status = 0;
}

void ctl_print_raw(const struct ctl_resp *r)
{
	if (r->body && r->body->end)
		fwrite(r->body->buf, 1, r->body->end, stdout);
	else
		fputs("{}", stdout); /* 204: nothing, still JSON */
	fputc('\n', stdout);
}

/* The exit code of an answer that is not 2xx, its message printed. */
static int status_fail(const struct ctl_resp *r, const char *method,
		       const char *path)
{
	const char *msg = r->o ? ctl_str(r->o, "error") : "";
	int code = CTL_OTHER;

	if (r->status == 401 || r->status == 403)
		code = CTL_AUTH;
	else if (r->status == 404)
		code = CTL_NOT_FOUND;
	if (!msg[0])
		return ctl_err(code, "%s %s: HTTP %ld", method, path,
			       r->status);
	return ctl_err(code, "%s (HTTP %ld)", msg, r->status);
}

int ctl_request(const struct ctl *c, const char *method, const char *path,
		const char *body, struct ctl_resp *r)
{
	struct curl_slist *hdrs = NULL;
	char url[1024], auth[300];
	CURL *h;
	CURLcode rc;
	int code;

	memset(r, 0, sizeof(*r));
	r->body = mbuf_alloc(4096);
	h = curl_easy_init();
	if (!r->body || !h) {
		curl_easy_cleanup(h);
		return ctl_err(CTL_OTHER, "out of memory");
	}
	re_snprintf(url, sizeof(url), "%s%s", c->url, path);
	re_snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body)
		hdrs =
		    curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_h);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r->body);
	curl_easy_setopt(h, CURLOPT_USERAGENT,
			 "switchboard-ctl/" SWITCHBOARD_VERSION);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK)
		return ctl_err(CTL_UNREACHABLE, "%s: %s", c->url,
			       curl_easy_strerror(rc));

	(void)mbuf_write_u8(r->body, 0); /* a C string, not counted */
	r->body->end--;
	if (r->body->end)
		(void)json_decode_odict(&r->o, 32, (const char *)r->body->buf,
					r->body->end, JSON_DEPTH);
	if (r->status >= 200 && r->status < 300)
		return CTL_OK;
	code = status_fail(r, method, path);
	return code;
}
