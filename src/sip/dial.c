/*
 * dial.c - where our INVITEs go and how they look: the registered
 * contacts of an employee's devices (reached where they registered from,
 * when a NAT sits between) and a number out through a trunk, each with
 * the caller ID presented and the SRTP policy of the new leg, and the
 * values the caller typed (a customer number) as a header to the
 * employee's phones.  call/ decides whom to dial and what goes with it;
 * this file knows how that is said in SIP.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

/*
 * SRTP policy of a leg.  A device can say it outright (its srtp setting:
 * off, optional, required).  Otherwise ("auto", trunks too) the transport
 * decides: keys in SDP are secret only on TLS, so we offer them there
 * (and insist with --srtp-required), and on UDP/TCP we offer plain RTP.
 * Every leg still answers an offer that carries keys with SRTP.
 */
enum media_crypto sipsrv_crypto(const struct sipsrv *srv, bool tls,
				enum store_srtp dev_srtp)
{
	switch (dev_srtp) {
	case STORE_SRTP_OFF:
		return MEDIA_PLAIN;
	case STORE_SRTP_OPTIONAL:
		return MEDIA_SRTP_OPTIONAL;
	case STORE_SRTP_REQUIRED:
		return MEDIA_SRTP_REQUIRED;
	case STORE_SRTP_AUTO:
		break;
	}
	if (!tls)
		return MEDIA_PLAIN;
	return srv->cfg->srtp_required ? MEDIA_SRTP_REQUIRED
				       : MEDIA_SRTP_OPTIONAL;
}

struct dial_ctx {
	struct sipsrv *srv;
	const char *cid;
	const char *cname;
	const char *extra; /* header lines for every device */
	sip_dial_h *h;
	void *arg;
};

/* s percent-encoded (RFC 3986 unreserved kept) */
static int pct_print(struct re_printf *pf, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int err = 0;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			err = re_hprintf(pf, "%c", c);
		else
			err =
			    re_hprintf(pf, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}

int sip_dial_collected(char *buf, size_t sz, const struct store_call_var *varv,
		       size_t varc)
{
	size_t i, n = 0;
	int len;

	if (!buf || !sz || (varc && !varv))
		return EINVAL;
	buf[0] = '\0';
	for (i = 0; i < varc; i++) {
		len = re_snprintf(
		    buf + n, sz - n, "X-Switchboard-Collected: %H=%H\r\n",
		    pct_print, varv[i].name, pct_print, varv[i].value);
		if (len < 0 || (size_t)len >= sz - n) {
			buf[0] = '\0';
			return ENOSPC;
		}
		n += (size_t)len;
	}
	return 0;
}

/* "tcp"/"tls" for a transport=... parameter, from a stored transport */
static const char *dial_tp_param(const char *transport)
{
	return !str_casecmp(transport, "tls") ? "tls" : "tcp";
}

/*
 * The route set to the phone: the Path it registered with (RFC 3327:
 * through the edge, which knows where it is), or else where it
 * registered from, if that differs from its Contact (libre wraps each
 * entry: "Route: <%s;lr>").  None if not needed.
 */
static void dial_route(struct sip_dial *d, const struct store_registration *reg)
{
	struct uri uri;
	struct pl pl;
	struct sa rcv, dst;
	bool udp = !str_casecmp(reg->transport, "udp");

	d->routec = 0;
	if (reg->path[0]) {
		d->routec = (uint32_t)sip_path_routes(reg->path, d->routev,
						      SIP_ROUTE_MAX);
		if (!d->routec)
			warning("sip: %s: bad stored Path '%s', not used\n",
				reg->contact, reg->path);
		return;
	}
	pl_set_str(&pl, reg->contact);
	if (uri_decode(&uri, &pl) ||
	    sa_decode(&rcv, reg->received, strlen(reg->received)))
		return;
	if (!sa_set(&dst, &uri.host, uri.port ? uri.port : 5060) &&
	    sa_cmp(&dst, &rcv, SA_ALL))
		return;
	re_snprintf(
	    d->routev[0], sizeof(d->routev[0]), "sip:%J%s%s", &rcv,
	    udp ? "" : ";transport=", udp ? "" : dial_tp_param(reg->transport));
	d->routec = 1;
}

static int dial_registration(const struct store_registration *reg, void *arg)
{
	struct dial_ctx *dc = arg;
	struct store_device dev;
	struct sip_dial d;

	if (!keepalive_reachable(reg->device_id, reg->contact, reg->received)) {
		debug("sip: %s skipped: unreachable\n", reg->contact);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	str_copy(d.uri, reg->contact, sizeof(d.uri));
	dial_route(&d, reg);
	if (store_device_get(dc->srv->st, reg->device_id, &dev)) {
		str_copy(dev.username, "?", sizeof(dev.username));
		dev.srtp = STORE_SRTP_AUTO;
	}
	re_snprintf(d.desc, sizeof(d.desc), "device:%s", dev.username);
	re_snprintf(d.from_uri, sizeof(d.from_uri), "sip:%s@%s", dc->cid,
		    dc->srv->host);
	str_copy(d.from_name, dc->cname, sizeof(d.from_name));
	d.crypto = sipsrv_crypto(dc->srv, !str_casecmp(reg->transport, "tls"),
				 dev.srtp);
	str_copy(d.extra, dc->extra, sizeof(d.extra));
	return dc->h(&d, dc->arg);
}

int sip_dial_employee(struct sipsrv *srv, int64_t employee_id, const char *cid,
		      const char *cname, const struct store_call_var *varv,
		      size_t varc, sip_dial_h *h, void *arg)
{
	struct dial_ctx dc = {srv, cid, cname ? cname : "", NULL, h, arg};
	char extra[sizeof(((struct sip_dial *)0)->extra)];
	int err;

	if (!srv || !cid || !h)
		return EINVAL;
	err = sip_dial_collected(extra, sizeof(extra), varv, varc);
	if (err)
		return err;
	dc.extra = extra;
	return store_reg_list_employee(srv->st, employee_id, time_now_ms(),
				       dial_registration, &dc);
}

int sip_dial_device(struct sipsrv *srv, int64_t device_id, const char *cid,
		    const char *cname, const struct store_call_var *varv,
		    size_t varc, sip_dial_h *h, void *arg)
{
	struct dial_ctx dc = {srv, cid, cname ? cname : "", NULL, h, arg};
	char extra[sizeof(((struct sip_dial *)0)->extra)];
	int err;

	if (!srv || !cid || !h)
		return EINVAL;
	err = sip_dial_collected(extra, sizeof(extra), varv, varc);
	if (err)
		return err;
	dc.extra = extra;
	return store_reg_list(srv->st, device_id, time_now_ms(),
			      dial_registration, &dc);
}

void sip_dial_contact(struct sipsrv *srv, const char *uri, const char *cid,
		      const char *cname, struct sip_dial *d)
{
	memset(d, 0, sizeof(*d));
	str_copy(d->uri, uri, sizeof(d->uri));
	re_snprintf(d->desc, sizeof(d->desc), "contact:%s", uri);
	re_snprintf(d->from_uri, sizeof(d->from_uri), "sip:%s@%s", cid,
		    srv->host);
	str_copy(d->from_name, cname ? cname : "", sizeof(d->from_name));
	d->crypto = sipsrv_crypto(srv, strstr(uri, "transport=tls") != NULL,
				  STORE_SRTP_AUTO);
}

/*
 * Out through the trunk.  From carries the caller ID (or the trunk's
 * from_user, for carriers that want their account there; P-Asserted-
 * Identity keeps the caller ID), at our address, or for a registering
 * trunk at the account's domain, as carriers expect of a registered
 * account.  A 401/407 of the carrier is answered with the trunk's
 * credentials (d->auth).
 */
void sip_dial_trunk(struct sipsrv *srv, const struct store_trunk *t,
		    const char *number, const char *cid, struct sip_dial *d)
{
	const char *from_host = srv->host;

	memset(d, 0, sizeof(*d));
	re_snprintf(d->uri, sizeof(d->uri), "sip:%s@%s:%u;transport=%s", number,
		    t->host, t->port ? t->port : 5060,
		    store_transport_name(t->transport));
	re_snprintf(d->desc, sizeof(d->desc), "trunk:%lld", (long long)t->id);
	re_snprintf(d->extra, sizeof(d->extra),
		    "P-Asserted-Identity: <sip:%s@%s>\r\n", cid, srv->host);
	if (t->do_register)
		from_host = t->domain[0] ? t->domain : t->host;
	re_snprintf(d->from_uri, sizeof(d->from_uri), "sip:%s@%s",
		    t->from_user[0] ? t->from_user : cid, from_host);
	d->crypto = sipsrv_crypto(srv, t->transport == STORE_TRANSPORT_TLS,
				  STORE_SRTP_AUTO);
	d->auth = t;
}
