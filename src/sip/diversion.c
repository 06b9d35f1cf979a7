/*
 * diversion.c - the numbers a call was forwarded from, as its INVITE
 * says: Diversion (RFC 5806; the most recent diversion first, each entry
 * the number that diverted) and History-Info (RFC 7044; the targets in
 * the order they were tried, the first the number the caller dialled).
 * The answering service finds a client by the number it forwarded
 * (route/route.c); which number counts is the router's to decide.
 *
 * Read with libre (sip_msg_xhdr_apply, sip_msg_hdr_apply,
 * sip_addr_decode).  libre splits History-Info at its commas; Diversion
 * it hands over as one value per line, so a line with several entries is
 * cut at the commas outside quotes and angle brackets here.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip.h"

struct walk {
	char (*numv)[SIP_DIVERT_LEN];
	size_t max, n;
};

/* The user of a sip/sips URI, the number of a tel URI, into w. */
static void add(struct walk *w, const struct sip_addr *a)
{
	const struct pl *num = &a->uri.user;

	if (!pl_strcasecmp(&a->uri.scheme, "tel"))
		num = &a->uri.host;
	if (!num->l || num->l >= SIP_DIVERT_LEN || w->n >= w->max)
		return;
	pl_strcpy(num, w->numv[w->n++], SIP_DIVERT_LEN);
}

/* The rest of val after its first entry's comma, or an empty pl. */
static void next_entry(struct pl *val)
{
	bool quoted = false;
	int angle = 0;
	size_t i;

	for (i = 0; i < val->l; i++) {
		char c = val->p[i];

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = false;
		}
		else if (c == '"')
			quoted = true;
		else if (c == '<')
			angle++;
		else if (c == '>' && angle)
			angle--;
		else if (c == ',' && !angle)
			break;
	}
	pl_advance(val, i < val->l ? i + 1 : val->l);
}

static bool diversion_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
			void *arg)
{
	struct pl val = hdr->val;
	struct sip_addr a;

	(void)msg;
	while (val.l) {
		struct pl e = val;

		while (e.l && (e.p[0] == ' ' || e.p[0] == '\t'))
			pl_advance(&e, 1);
		next_entry(&val);
		if (val.l)
			e.l = (size_t)(val.p - e.p) - 1;
		if (e.l && !sip_addr_decode(&a, &e))
			add(arg, &a);
	}
	return false;
}

static bool history_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	struct sip_addr a;

	(void)msg;
	if (!sip_addr_decode(&a, &hdr->val))
		add(arg, &a);
	return false;
}

size_t sip_diverted_from(const struct sip_msg *msg,
			 char (*numv)[SIP_DIVERT_LEN], size_t max)
{
	struct walk w = {numv, max, 0};

	if (!msg || !numv || !max)
		return 0;
	(void)sip_msg_xhdr_apply(msg, true, "Diversion", diversion_h, &w);
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_HISTORY_INFO, history_h, &w);
	return w.n;
}
