/*
 * path.c - Path (RFC 3327): the proxies a REGISTER passed on its way to
 * us, which every request to that phone must pass again.
 *
 * The registrar stores a REGISTER's Path entries with the binding, in
 * order, as one comma-separated value ("<sip:edge@e1;lr;received=..>,
 * <sip:p2;lr>"), and echoes them in its 200.  A request to the phone
 * then has R-URI = Contact and the Path entries as its preloaded route
 * set (§5.2: Route = Path, the first one nearest to us), and goes to the
 * first of them: the edge, which knows where the phone really is
 * (Kamailio's path module: ;received=).
 *
 *   REGISTER via edge: Path: <sip:edge;lr;received=sip:phone-nat>
 *   INVITE to phone:   sip:contact + Route: <sip:edge;lr;received=...>
 *                      --> edge --> phone-nat
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

struct path_ctx {
	char *buf;
	size_t sz;
	size_t n;
	int err;
};

static bool path_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		   void *arg)
{
	struct path_ctx *c = arg;
	struct sip_addr addr;
	int len;
	(void)msg;

	if (sip_addr_decode(&addr, &hdr->val) ||
	    (pl_strcasecmp(&addr.uri.scheme, "sip") &&
	     pl_strcasecmp(&addr.uri.scheme, "sips"))) {
		c->err = EBADMSG;
		return true;
	}
	len = re_snprintf(c->buf + c->n, c->sz - c->n, "%s%r", c->n ? ", " : "",
			  &hdr->val);
	if (len < 0 || (size_t)len >= c->sz - c->n) {
		c->err = ENOSPC;
		return true;
	}
	c->n += (size_t)len;
	return false;
}

int sip_path_collect(const struct sip_msg *msg, char *buf, size_t sz)
{
	struct path_ctx c = {buf, sz, 0, 0};

	if (!msg || !buf || !sz)
		return EINVAL;
	buf[0] = '\0';
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_PATH, path_h, &c);
	if (c.err)
		buf[0] = '\0';
	return c.err;
}

/* next entry of a comma-separated list of name-addrs: a comma inside
 * <...> or "..." does not separate */
static bool next_entry(struct pl *list, struct pl *entry)
{
	bool quoted = false, angle = false;
	size_t i;

	while (list->l && (*list->p == ' ' || *list->p == ',')) {
		++list->p;
		--list->l;
	}
	if (!list->l)
		return false;
	for (i = 0; i < list->l; i++) {
		char ch = list->p[i];

		if (quoted && ch == '\\')
			++i;
		else if (ch == '"' && !angle)
			quoted = !quoted;
		else if (!quoted && ch == '<')
			angle = true;
		else if (!quoted && ch == '>')
			angle = false;
		else if (!quoted && !angle && ch == ',')
			break;
	}
	entry->p = list->p;
	entry->l = i < list->l ? i : list->l;
	list->p += entry->l;
	list->l -= entry->l;
	return true;
}

/* uri without its ";lr" parameter (libre writes "<%s;lr>") */
static int route_print(char *out, size_t sz, const struct pl *uri)
{
	size_t i;
	int len;

	for (i = 0; i + 3 <= uri->l; i++) {
		if (uri->p[i] != ';' || (uri->p[i + 1] | 0x20) != 'l' ||
		    (uri->p[i + 2] | 0x20) != 'r')
			continue;
		if (i + 3 == uri->l || uri->p[i + 3] == ';') {
			len = re_snprintf(out, sz, "%b%b", uri->p, i,
					  uri->p + i + 3, uri->l - i - 3);
			return len < 0 || (size_t)len >= sz ? ENOSPC : 0;
		}
	}
	len = re_snprintf(out, sz, "%r", uri);
	return len < 0 || (size_t)len >= sz ? ENOSPC : 0;
}

size_t sip_path_routes(const char *path, char (*v)[SIP_ROUTE_LEN], size_t max)
{
	struct pl list, entry;
	size_t n = 0;

	if (!path || !v)
		return 0;
	pl_set_str(&list, path);
	while (n < max && next_entry(&list, &entry)) {
		struct sip_addr addr;

		if (sip_addr_decode(&addr, &entry) ||
		    route_print(v[n], SIP_ROUTE_LEN, &addr.auri))
			return 0;
		++n;
	}
	if (next_entry(&list, &entry))
		return 0; /* more than max: the route would be cut short */
	return n;
}
