/*
 * registrar.c - REGISTER (RFC 3261 §10): bindings of a device's Contacts,
 * kept in the store so any node can reach the phone later.
 *
 * With every binding we store what the phone said (Contact, expiry,
 * +sip.instance, Path, User-Agent) and what we saw (source address,
 * transport): a phone behind NAT is reached where its REGISTER came from.
 * Behind a trusted edge (edge.c) the source is the client's, as the edge
 * names it, and the phone is reached through the Path the edge added
 * (path.c); the 200 echoes that Path (RFC 3327 §5.3).
 *
 *   REGISTER -> digest ok? -no-> 401 (challenge) / 403
 *            -> To user == auth user? -no-> 403
 *            -> Path entries not sip name-addrs / too long? -yes-> 400
 *            -> Contact "*" + Expires 0: remove all
 *            -> each Contact: expires 0 remove, < min 423, else upsert
 *            -> 200 with all current bindings
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "sip/sip_int.h"

struct reg_ctx {
	struct sipsrv *srv;
	const struct sip_msg *msg;
	const struct store_device *dev;
	const char *path; /* the REGISTER's Path entries, or "" */
	struct sa src;    /* the client's address (edge.c)      */
	uint32_t dflt;    /* [s] Expires header or default */
	uint64_t now;
	int err;
	uint16_t scode;
	const char *reason;
};

static uint32_t clamp_expires(const struct config *cfg, uint32_t e)
{
	return e > cfg->reg_max_expires ? cfg->reg_max_expires : e;
}

static bool contact_handler(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	struct reg_ctx *ctx = arg;
	const struct config *cfg = ctx->srv->cfg;
	struct store_registration r;
	const struct sip_hdr *h;
	struct sip_addr addr;
	struct pl ev;
	uint32_t expires = ctx->dflt;

	if (sip_addr_decode(&addr, &hdr->val)) {
		ctx->scode = 400;
		ctx->reason = "Bad Contact";
		return true;
	}
	if (fmt_param_get(&addr.params, "expires", &ev) && pl_isset(&ev))
		expires = pl_u32(&ev);

	if (addr.auri.l >= sizeof(r.contact)) {
		ctx->scode = 400;
		ctx->reason = "Contact Too Long";
		return true;
	}

	if (expires == 0) {
		char c[256];
		str_from_pl(c, sizeof(c), &addr.auri);
		ctx->err = store_reg_delete(ctx->srv->st, ctx->dev->id, c);
		if (ctx->err == ENOENT)
			ctx->err = 0;
		return ctx->err != 0;
	}
	if (expires < cfg->reg_min_expires) {
		ctx->scode = 423;
		ctx->reason = "Interval Too Brief";
		return true;
	}

	memset(&r, 0, sizeof(r));
	r.device_id = ctx->dev->id;
	str_from_pl(r.contact, sizeof(r.contact), &addr.auri);
	re_snprintf(r.received, sizeof(r.received), "%J", &ctx->src);
	str_copy(r.transport, sip_transp_name(msg->tp), sizeof(r.transport));
	str_from_pl(r.call_id, sizeof(r.call_id), &msg->callid);
	r.cseq = msg->cseq.num;
	h = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
	if (h)
		str_from_pl(r.user_agent, sizeof(r.user_agent), &h->val);
	if (!fmt_param_get(&addr.params, "+sip.instance", &ev))
		ev = pl_null;
	str_from_pl(r.instance, sizeof(r.instance), &ev);
	str_copy(r.path, ctx->path, sizeof(r.path));
	str_copy(r.node_id, cfg->node_id, sizeof(r.node_id));
	r.expires_at = ctx->now + (uint64_t)clamp_expires(cfg, expires) * 1000;
	r.updated_at = ctx->now;
	ctx->err = store_reg_save(ctx->srv->st, &r);
	if (!ctx->err)
		keepalive_registered(r.device_id, r.contact);
	if (!ctx->err)
		debug("registrar: %s bound %s via %s/%s for %us\n",
		      ctx->dev->username, r.contact, r.transport, r.received,
		      clamp_expires(cfg, expires));
	return ctx->err != 0;
}

struct contact_list {
	struct mbuf *mb;
	uint64_t now;
};

static int print_binding(const struct store_registration *r, void *arg)
{
	struct contact_list *cl = arg;
	uint64_t left = r->expires_at > cl->now ? r->expires_at - cl->now : 0;

	return mbuf_printf(cl->mb, "Contact: <%s>;expires=%llu\r\n", r->contact,
			   (unsigned long long)(left / 1000));
}

static bool is_star(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CONTACT);

	return h && h->val.l == 1 && h->val.p[0] == '*';
}

void registrar_handle(struct sipsrv *srv, const struct sip_msg *msg)
{
	struct store_device dev;
	struct reg_ctx ctx;
	struct contact_list cl = {NULL, 0};
	char path[sizeof(((struct store_registration *)0)->path)];
	char touser[64];
	int err;

	if (!sipauth_check(srv, msg, &dev))
		return;

	str_from_pl(touser, sizeof(touser), &msg->to.uri.user);
	if (strcmp(touser, dev.username)) {
		info("registrar: %J: %s may not register '%s'\n", &msg->src,
		     dev.username, touser);
		(void)sip_treply(NULL, srv->sip, msg, 403, "Forbidden");
		return;
	}

	err = sip_path_collect(msg, path, sizeof(path));
	if (err) {
		info("registrar: %J: %s: Path %s\n", &msg->src, dev.username,
		     err == ENOSPC ? "too long" : "not sip name-addrs");
		(void)sip_treply(NULL, srv->sip, msg, 400,
				 err == ENOSPC ? "Path Too Long" : "Bad Path");
		return;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.srv = srv;
	ctx.msg = msg;
	ctx.dev = &dev;
	ctx.path = path;
	sipedge_source(srv, msg, &ctx.src);
	ctx.now = time_now_ms();
	ctx.dflt = pl_isset(&msg->expires) ? pl_u32(&msg->expires) : 3600;

	if (is_star(msg)) {
		if (sip_msg_hdr_count(msg, SIP_HDR_CONTACT) != 1 || ctx.dflt) {
			(void)sip_treply(NULL, srv->sip, msg, 400,
					 "Bad Wildcard Contact");
			return;
		}
		err = store_reg_delete_device(srv->st, dev.id);
		if (err && err != ENOENT)
			goto error;
		info("registrar: %s removed all bindings\n", dev.username);
	}
	else {
		(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT,
					contact_handler, &ctx);
		if (ctx.err) {
			err = ctx.err;
			goto error;
		}
		if (ctx.scode == 423) {
			(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, 423,
					  ctx.reason,
					  "Min-Expires: %u\r\n"
					  "Content-Length: 0\r\n\r\n",
					  srv->cfg->reg_min_expires);
			return;
		}
		if (ctx.scode) {
			(void)sip_treply(NULL, srv->sip, msg, ctx.scode,
					 ctx.reason);
			return;
		}
	}

	cl.mb = mbuf_alloc(512);
	cl.now = ctx.now;
	if (!cl.mb) {
		err = ENOMEM;
		goto error;
	}
	err = store_reg_list(srv->st, dev.id, ctx.now, print_binding, &cl);
	if (err)
		goto error;
	(void)sip_treplyf(NULL, NULL, srv->sip, msg, false, 200, "OK",
			  "%b%s%s%sDate: %H\r\nContent-Length: 0\r\n\r\n",
			  cl.mb->buf, cl.mb->end, path[0] ? "Path: " : "", path,
			  path[0] ? "\r\n" : "", fmt_gmtime, NULL);
	mem_deref(cl.mb);
	return;

error:
	mem_deref(cl.mb);
	warning("registrar: %s: store failed: %m\n", dev.username, err);
	(void)sip_treply(NULL, srv->sip, msg, 500, "Server Internal Error");
}
