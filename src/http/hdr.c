/*
 * hdr.c - the items of a header value that lists them: "a, b" of
 * Connection or Sec-WebSocket-Protocol, "n=v; m=w" of Cookie.  One walker
 * for all of them, so that each header is split and trimmed alike.
 */
#include <string.h>
#include "http/http_int.h"

bool api_hdr_item_next(struct pl *v, char sep, struct pl *item)
{
	const char *end;

	if (!v || !item || !v->l)
		return false;
	end = memchr(v->p, sep, v->l);
	item->p = v->p;
	item->l = end ? (size_t)(end - v->p) : v->l;
	pl_advance(v, end ? item->l + 1 : v->l);
	while (item->l && (item->p[0] == ' ' || item->p[0] == '\t'))
		pl_advance(item, 1);
	while (item->l &&
	       (item->p[item->l - 1] == ' ' || item->p[item->l - 1] == '\t'))
		--item->l;
	return true;
}
