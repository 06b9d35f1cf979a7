/*
 * trunktls.c - a TLS trunk checks its carrier's certificate.
 *
 * libre 1.1.0 opens the TLS connections of its SIP transport itself
 * (src/sip/transp.c: tls_start_tcp() on the one struct tls of the TLS
 * transport) and offers no per-connection hook, and it never verifies the
 * server.  What it does let us reach is that transport's OpenSSL context
 * (tls_openssl_context()).  On it we set an info callback: when a client
 * handshake starts - before the ClientHello is written - we find out whom
 * the connection goes to, and if that is one of our TLS trunks (its host
 * and port, or its registrar), we configure that one SSL:
 *
 *   handshake start (client side)
 *     -> peer address (libre's connection behind the SSL's write BIO)
 *     -> trunk at that address (a TLS one first)?  no: left as libre
 *        made it (a phone)
 *     -> yes: SSL_VERIFY_PEER with our callback, depth 8,
 *             pinned fingerprint?  yes: only the leaf's SHA-256 counts
 *                                  no:  chain to ca_file or the system's
 *                                       CAs, and the name: tls_name (also
 *                                       sent as SNI) or the host's IP
 *     -> refused: OpenSSL aborts the handshake, libre closes the
 *        connection, the INVITE is never sent; the reason is logged here
 *        and remembered for the peer (trunktls_refused) so that the caller
 *        hears why (sess.c, 503).
 *
 * Finding the peer: libre's tls_conn (its tls_tcp.c) is the data of the
 * SSL's write BIO ("tcp_send") and holds the TCP connection, whose peer
 * tcp_conn_peer_get() gives.  Its layout is libre 1.1.0's (re_shadow
 * below); it is checked against the SSL (both BIOs and the SSL itself must
 * be where we expect them) and if it does not match the handshake is
 * refused, never let through unchecked.
 *
 * Trunks at one address share libre's connection: the first (lowest id)
 * TLS trunk there decides how it is checked.
 *
 * The same callback counts the outgoing TLS connections for the metrics
 * (switchboard_sip_connections{transport="tls"}): nat.c sees a
 * connection only once it carried a request to us, and a carrier often
 * sends none over ours.  At SSL_CB_HANDSHAKE_DONE of a client SSL an
 * entry (struct outconn) goes into a list and is tied to the SSL as
 * ex_data; OpenSSL frees it with the SSL, which libre frees when the
 * connection closes.  The entry keeps libre's tcp_conn as a key (never
 * dereferenced; libre holds the tcp_conn as long as the SSL), so that
 * nat.c does not count the same connection twice.
 */
#define USE_OPENSSL 1
#include <ctype.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <re.h>
#include "core/core.h"
#include "store/store.h"
#include "sip/sip.h"
#include "sip/sip_int.h"

enum {
	TRUNKTLS_DEPTH = 8,         /* chain length we accept          */
	TRUNKTLS_REFUSALS = 64,     /* peers whose refusal we remember */
	TRUNKTLS_REFUSAL_MS = 64000 /* [ms] as long as a transaction   */
};

/* libre 1.1.0's struct tls_conn (src/tls/openssl/tls_tcp.c, OpenSSL >=
 * 1.1 so TLS_BIO_OPAQUE): only the leading fields we read. */
struct re_shadow {
	SSL *ssl;
	BIO_METHOD *biomet;
	BIO *sbio_out;
	BIO *sbio_in;
	struct tcp_helper *th;
	struct tcp_conn *tcp;
};

/* How one connection to a trunk is checked (SSL ex_data, freed with the
 * SSL). */
struct tconn {
	int64_t trunk_id;
	char name[64];  /* the trunk's, for the log          */
	char want[64];  /* the name or IP the cert must show */
	char fp[96];    /* pinned fingerprint, or ""         */
	struct sa peer; /* where the connection goes         */
};

/* A refused handshake, for the caller's answer. */
struct refusal {
	struct le le;
	struct sa peer;
	uint64_t at; /* [ms] tmr_jiffies() */
	char why[192];
};

/* An outgoing TLS connection whose handshake finished (SSL ex_data,
 * freed with the SSL). */
struct outconn {
	struct le le;    /* in outconns */
	const void *tcp; /* (weak) libre's tcp_conn: a key, never used */
};

static struct {
	struct sipsrv *srv;   /* (weak) */
	SSL_CTX *ctx;         /* (weak) libre's */
	X509_STORE *sys;      /* (owned) the system's CAs, loaded once */
	struct list refusals; /* struct refusal, newest first */
	int idx;              /* SSL ex_data index of struct tconn */
	int oidx;             /* SSL ex_data index of struct outconn */
} tt = {.idx = -1, .oidx = -1};

/* struct outconn, each owned by its SSL: not flushed at trunktls_close()
 * (an SSL may outlive it), each unlinks itself when freed */
static struct list outconns;

static void tconn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
		       long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	mem_deref(ptr);
}

/* ---- fingerprints --------------------------------------------------- */

/* 32 bytes in hex, as "ab12..." (64 digits) or "AB:12:..." (95 characters):
 * the two ways tools print a SHA-256 fingerprint. */
int sip_tls_fingerprint_norm(char *out, size_t sz, const char *in)
{
	size_t len, i, o = 0;
	bool colons;

	if (!out || !in || sz < 96)
		return EINVAL;
	len = strlen(in);
	if (len != 64 && len != 95)
		return EINVAL;
	colons = len == 95;
	for (i = 0; i < len; i++) {
		char c = in[i];

		if (colons && i % 3 == 2) {
			if (c != ':')
				return EINVAL;
			out[o++] = ':';
			continue;
		}
		if (!isxdigit((unsigned char)c))
			return EINVAL;
		out[o++] = (char)toupper((unsigned char)c);
		if (!colons && i % 2 && i + 1 < len)
			out[o++] = ':';
	}
	out[o] = '\0';
	return 0;
}

/* SHA-256 of cert's DER as "AB:CD:...". */
static void cert_fp(X509 *cert, char *out, size_t sz)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	size_t o = 0;

	out[0] = '\0';
	if (!cert || !X509_digest(cert, EVP_sha256(), md, &len))
		return;
	for (i = 0; i < len && o + 3 < sz; i++)
		o += (size_t)re_snprintf(out + o, sz - o, "%s%02X",
					 i ? ":" : "", md[i]);
}

/* ---- refusals ------------------------------------------------------- */

static void refusal_forget(const struct sa *peer)
{
	struct le *le = list_head(&tt.refusals);

	while (le) {
		struct refusal *r = le->data;

		le = le->next;
		if (sa_cmp(&r->peer, peer, SA_ALL)) {
			list_unlink(&r->le);
			mem_deref(r);
		}
	}
}

static void refusal_add(const struct sa *peer, const char *why)
{
	struct refusal *r;

	refusal_forget(peer);
	while (list_count(&tt.refusals) >= TRUNKTLS_REFUSALS) {
		struct le *le = list_tail(&tt.refusals);

		list_unlink(le);
		mem_deref(le->data);
	}
	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return;
	r->peer = *peer;
	r->at = tmr_jiffies();
	str_copy(r->why, why, sizeof(r->why));
	list_prepend(&tt.refusals, &r->le, r);
}

bool trunktls_refused(const struct sa *peer, char *why, size_t sz)
{
	struct le *le;

	if (!peer)
		return false;
	for (le = list_head(&tt.refusals); le; le = le->next) {
		const struct refusal *r = le->data;

		if (!sa_cmp(&r->peer, peer, SA_ALL))
			continue;
		if (tmr_jiffies() - r->at > TRUNKTLS_REFUSAL_MS)
			return false;
		if (why && sz)
			str_copy(why, r->why, sz);
		return true;
	}
	return false;
}

/* Log the refusal of tc's handshake (the decision is here) and remember it.
 */
static void refuse(const struct tconn *tc, const char *why)
{
	warning("sip: trunk %lld (%s) at %J: TLS certificate refused: %s\n",
		(long long)tc->trunk_id, tc->name, &tc->peer, why);
	refusal_add(&tc->peer, why);
}

/* ---- verification ----------------------------------------------------- */

/*
 * OpenSSL's verify callback for a trunk's connection: ok is its verdict for
 * the certificate at the current depth.  Pinned: the leaf's fingerprint
 * alone decides (a self-signed carrier).  Else any error refuses.
 */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	const struct tconn *tc = ssl ? SSL_get_ex_data(ssl, tt.idx) : NULL;
	char why[192], subj[96] = "", got[96];
	X509 *cur;
	int e;

	if (!tc)
		return 0; /* only set with a tconn: cannot happen */
	if (tc->fp[0]) {
		cert_fp(X509_STORE_CTX_get0_cert(xs), got, sizeof(got));
		if (!strcmp(got, tc->fp))
			return 1;
		re_snprintf(why, sizeof(why),
			    "fingerprint %s is not the pinned one", got);
		refuse(tc, why);
		return 0;
	}
	if (ok)
		return 1;
	e = X509_STORE_CTX_get_error(xs);
	cur = X509_STORE_CTX_get_current_cert(xs);
	if (cur)
		X509_NAME_oneline(X509_get_subject_name(cur), subj,
				  sizeof(subj));
	if (e == X509_V_ERR_HOSTNAME_MISMATCH ||
	    e == X509_V_ERR_IP_ADDRESS_MISMATCH)
		re_snprintf(why, sizeof(why), "%s (it does not name %s; %s)",
			    X509_verify_cert_error_string(e), tc->want, subj);
	else
		re_snprintf(why, sizeof(why), "%s (depth %d, %s)",
			    X509_verify_cert_error_string(e),
			    X509_STORE_CTX_get_error_depth(xs), subj);
	refuse(tc, why);
	return 0;
}

/* The libre connection behind ssl; NULL if libre's tls_conn is not laid
 * out as we expect. */
static struct tcp_conn *ssl_tcp(const SSL *ssl)
{
	BIO *wb = SSL_get_wbio(ssl);
	const struct re_shadow *rc;
	const char *meth;

	if (!wb)
		return NULL;
	meth = BIO_method_name(wb);
	rc = BIO_get_data(wb);
	if (!meth || strcmp(meth, "tcp_send") || !rc || rc->ssl != ssl ||
	    rc->sbio_out != wb || rc->sbio_in != SSL_get_rbio(ssl))
		return NULL;
	return rc->tcp;
}

/* The peer of the libre connection behind ssl; EPROTO if libre's tls_conn
 * is not laid out as we expect. */
static int ssl_peer(SSL *ssl, struct sa *peer)
{
	struct tcp_conn *tcp = ssl_tcp(ssl);

	return tcp ? tcp_conn_peer_get(tcp, peer) : EPROTO;
}

/* ---- outgoing connections, for the metrics ----------------------------- */

static void outconn_destructor(void *arg)
{
	struct outconn *oc = arg;

	list_unlink(&oc->le);
}

/* ssl's handshake finished: count it (once; TLS 1.3 may say so again) */
static void outconn_add(SSL *ssl)
{
	struct outconn *oc;

	if (tt.oidx < 0 || SSL_get_ex_data(ssl, tt.oidx))
		return;
	oc = mem_zalloc(sizeof(*oc), outconn_destructor);
	if (!oc)
		return;
	oc->tcp = ssl_tcp(ssl);
	if (!SSL_set_ex_data(ssl, tt.oidx, oc)) {
		mem_deref(oc);
		return;
	}
	list_append(&outconns, &oc->le, oc);
}

unsigned trunktls_conn_count(void)
{
	return list_count(&outconns);
}

bool trunktls_conn_ours(const void *tcp)
{
	struct le *le;

	for (le = list_head(&outconns); tcp && le; le = le->next) {
		const struct outconn *oc = le->data;

		if (oc->tcp == tcp)
			return true;
	}
	return false;
}

/* Does trunk t take connections to peer (its host and port, or its
 * registrar's)?  Any transport: a UDP trunk may register over TLS
 * (registrar ";transport=tls"). */
static bool trunk_at(const struct store_trunk *t, const struct sa *peer)
{
	struct sa sa;
	struct uri uri;
	struct pl pl;

	if (!sa_set_str(&sa, t->host, t->port ? t->port : 5061) &&
	    sa_cmp(&sa, peer, SA_ALL))
		return true;
	if (!t->registrar[0])
		return false;
	pl_set_str(&pl, t->registrar);
	return !uri_decode(&uri, &pl) &&
	       !sa_set(&sa, &uri.host, uri.port ? uri.port : 5061) &&
	       sa_cmp(&sa, peer, SA_ALL);
}

struct find {
	const struct sa *peer;
	struct store_trunk *t;
	bool found;
};

/* The first TLS trunk at the peer, else the first trunk of any transport
 * there. */
static int find_h(const struct store_trunk *t, void *arg)
{
	struct find *f = arg;

	if (!trunk_at(t, f->peer))
		return 0;
	if (!f->found || t->transport == STORE_TRANSPORT_TLS)
		*f->t = *t;
	f->found = true;
	return t->transport == STORE_TRANSPORT_TLS ? EEXIST : 0; /* stop */
}

/* The trunk a TLS connection to peer is for, into *t: 0 or ENOENT. */
static int trunk_find(const struct sa *peer, struct store_trunk *t)
{
	struct find f = {peer, t, false};

	(void)store_trunk_list(tt.srv->st, find_h, &f);
	return f.found ? 0 : ENOENT;
}

/* The CAs a trunk's chain must reach: its ca_file, else the system's.
 * A new reference, or NULL (nothing then verifies: refused). */
static X509_STORE *ca_store(const struct store_trunk *t)
{
	X509_STORE *s;

	if (!t->ca_file[0]) {
		if (tt.sys && !X509_STORE_up_ref(tt.sys))
			return NULL;
		return tt.sys;
	}
	s = X509_STORE_new();
	if (s && !X509_STORE_load_locations(s, t->ca_file, NULL)) {
		warning("sip: trunk %lld (%s): cannot load ca_file %s\n",
			(long long)t->id, t->name, t->ca_file);
		X509_STORE_free(s);
		s = NULL;
	}
	return s;
}

/* Configure ssl (before its ClientHello) for trunk t at peer. */
static int conn_setup(SSL *ssl, const struct store_trunk *t,
		      const struct sa *peer)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	struct tconn *tc;
	X509_STORE *cas;
	struct sa ip;
	int ok = 1;

	tc = mem_zalloc(sizeof(*tc), NULL);
	if (!tc)
		return ENOMEM;
	tc->trunk_id = t->id;
	tc->peer = *peer;
	str_copy(tc->name, t->name, sizeof(tc->name));
	str_copy(tc->want, t->tls_name[0] ? t->tls_name : t->host,
		 sizeof(tc->want));
	str_copy(tc->fp, t->tls_fingerprint, sizeof(tc->fp));
	if (!SSL_set_ex_data(ssl, tt.idx, tc)) {
		mem_deref(tc);
		return ENOMEM;
	}
	SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_cb);
	SSL_set_verify_depth(ssl, TRUNKTLS_DEPTH);
	if (tc->fp[0])
		return 0; /* the pin alone decides */

	cas = ca_store(t);
	if (!cas || !SSL_set0_verify_cert_store(ssl, cas)) {
		X509_STORE_free(cas);
		return ENOENT;
	}
	if (!sa_set_str(&ip, tc->want, 0)) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, tc->want);
	}
	else {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		ok = SSL_set1_host(ssl, tc->want) &&
		     SSL_set_tlsext_host_name(ssl, tc->want);
	}
	return ok ? 0 : EINVAL;
}

/* A verify callback for a handshake that must fail: whom it goes to is
 * unknown, or its set-up failed. */
static int refuse_cb(int ok, X509_STORE_CTX *xs)
{
	(void)ok;
	(void)xs;
	return 0;
}

static void info_cb(const SSL *cssl, int where, int ret)
{
	SSL *ssl = (SSL *)cssl; /* ours to configure at handshake start */
	struct store_trunk t;
	struct sa peer;
	int err;

	(void)ret;
	if (SSL_is_server(ssl))
		return;
	if (where & SSL_CB_HANDSHAKE_DONE) {
		outconn_add(ssl);
		return;
	}
	if (!(where & SSL_CB_HANDSHAKE_START) || SSL_get_ex_data(ssl, tt.idx) ||
	    !tt.srv)
		return;
	err = ssl_peer(ssl, &peer);
	if (err) {
		warning("sip: an outgoing TLS connection cannot be told apart "
			"(libre's connection is not as expected): refused\n");
		SSL_set_verify(ssl, SSL_VERIFY_PEER, refuse_cb);
		return;
	}
	refusal_forget(&peer);
	if (trunk_find(&peer, &t)) {
		debug("sip: TLS to %J: no trunk, not verified\n", &peer);
		return;
	}
	err = conn_setup(ssl, &t, &peer);
	if (err) {
		struct tconn tc = {.trunk_id = t.id, .peer = peer};
		char why[96];

		str_copy(tc.name, t.name, sizeof(tc.name));
		re_snprintf(why, sizeof(why), "cannot set up the check: %m",
			    err);
		refuse(&tc, why);
		SSL_set_verify(ssl, SSL_VERIFY_PEER, refuse_cb);
		return;
	}
	debug("sip: trunk %lld (%s) at %J: TLS, checking %s\n", (long long)t.id,
	      t.name, &peer,
	      t.tls_fingerprint[0] ? "the pinned fingerprint" : "CA and name");
}

/* ---- set-up ----------------------------------------------------------- */

int trunktls_init(struct sipsrv *srv, struct tls *tls)
{
	SSL_CTX *ctx;

	if (!srv || !tls)
		return EINVAL;
	ctx = tls_openssl_context(tls);
	if (!ctx)
		return ENOTSUP;
	if (tt.idx < 0)
		tt.idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, tconn_free);
	if (tt.oidx < 0)
		tt.oidx = SSL_get_ex_new_index(0, NULL, NULL, NULL, tconn_free);
	if (tt.idx < 0 || tt.oidx < 0)
		return ENOMEM;
	tt.sys = X509_STORE_new();
	if (!tt.sys || !X509_STORE_set_default_paths(tt.sys)) {
		warning("sip: TLS trunks: cannot load the system's CAs\n");
		X509_STORE_free(tt.sys);
		tt.sys = NULL; /* trunks without ca_file are refused */
	}
	tt.srv = srv;
	tt.ctx = ctx;
	SSL_CTX_set_info_callback(ctx, info_cb);
	return 0;
}

void trunktls_close(void)
{
	if (tt.ctx)
		SSL_CTX_set_info_callback(tt.ctx, NULL);
	tt.ctx = NULL;
	tt.srv = NULL;
	X509_STORE_free(tt.sys);
	tt.sys = NULL;
	list_flush(&tt.refusals);
}

int sip_tls_ca_check(const char *path)
{
	X509_STORE *s;
	int n;

	if (!path || path[0] != '/')
		return EINVAL;
	s = X509_STORE_new();
	if (!s)
		return ENOMEM;
	n = X509_STORE_load_locations(s, path, NULL) ? 1 : 0;
	if (n) {
		STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(s);

		n = objs ? sk_X509_OBJECT_num(objs) : 0;
	}
	X509_STORE_free(s);
	return n > 0 ? 0 : ENOENT;
}
