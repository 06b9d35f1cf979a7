/*
 * sdes.c - SRTP keys exchanged in SDP (SDES, RFC 4568) for one leg.
 *
 * Each side names, in an a=crypto line, the suite and the master key it
 * encrypts its own packets with:
 *
 *   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<base64 key+salt>[|lifetime]
 *
 * As offerer we list our suites (tags 1..n, one master key per leg) and
 * the answer picks one tag.  As answerer we take the first line of the
 * offer we support and answer it with the same tag and suite and our key.
 * libre's srtp does the packets: srtp_rx decrypts with the far end's key,
 * srtp_tx encrypts with ours; this file runs on the SIP thread and makes
 * the contexts, the media thread (relay.c) owns them once handed over.
 * The policy of the leg decides what happens without keys: MEDIA_PLAIN
 * and MEDIA_SRTP_OPTIONAL fall back to RTP
 * (unless the offer itself says RTP/SAVP), MEDIA_SRTP_REQUIRED refuses.
 * Lines with an MKI or session parameters are skipped: no phone we know
 * needs them and libre's srtp has no MKI.
 */
#include <string.h>
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

static const struct {
	const char *name;
	enum srtp_suite suite;
	size_t keylen; /* master key + salt, bytes */
} suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", SRTP_AES_CM_128_HMAC_SHA1_80, 30},
    {"AES_CM_128_HMAC_SHA1_32", SRTP_AES_CM_128_HMAC_SHA1_32, 30},
    {"AES_256_CM_HMAC_SHA1_80", SRTP_AES_256_CM_HMAC_SHA1_80, 46},
    {"AES_256_CM_HMAC_SHA1_32", SRTP_AES_256_CM_HMAC_SHA1_32, 46},
};

/* the suites we offer, in order of preference (tag = index + 1) */
enum { OFFERED = 2 };

struct sdes_line {
	unsigned tag;
	unsigned suite; /* index into suites[] */
	uint8_t key[MEDIA_KEY_MAX];
};

/* "1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^31" -> line; false if we
 * cannot use it */
static bool line_parse(const char *val, struct sdes_line *l)
{
	struct pl tag, suite, key, rest, params;
	/* libre's base64_decode() wants room for 3 bytes per 4 characters
	 * even where the last group is padding: a 64-character AES-256 key
	 * (46 bytes) needs 48 */
	uint8_t buf[MEDIA_KEY_MAX + 3];
	size_t klen = sizeof(buf);
	unsigned i;

	if (!val ||
	    re_regex(val, strlen(val),
		     "[0-9]+[ \t]+[^ \t]+[ \t]+inline:[^|; \t]+[^ \t]*"
		     "[ \t]*[^]*",
		     &tag, NULL, &suite, NULL, &key, &rest, NULL, &params))
		return false;
	if (pl_isset(&params))
		return false; /* session parameters: not supported */
	/* "|lifetime" is fine, "|MKI:len" (has a colon) is not */
	if (pl_isset(&rest) && pl_strchr(&rest, ':'))
		return false;
	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (!pl_strcmp(&suite, suites[i].name))
			break;
	if (i == ARRAY_SIZE(suites))
		return false;
	if (base64_decode(key.p, key.l, buf, &klen) || klen != suites[i].keylen)
		return false;
	memcpy(l->key, buf, klen);
	l->tag = pl_u32(&tag);
	l->suite = i;
	return l->tag > 0;
}

static int line_set(struct media_leg *leg, bool replace, unsigned tag,
		    unsigned suite)
{
	char b64[80];
	size_t n = sizeof(b64) - 1;
	int err;

	err = base64_encode(leg->lkey, suites[suite].keylen, b64, &n);
	if (err)
		return err;
	b64[n] = '\0';
	return sdp_media_set_lattr(leg->sdpm, replace, "crypto",
				   "%u %s inline:%s", tag, suites[suite].name,
				   b64);
}

int media_sdes_init(struct media_leg *leg)
{
	unsigned i;
	int err = 0;

	rand_bytes(leg->lkey, sizeof(leg->lkey));
	if (leg->crypto == MEDIA_PLAIN)
		return 0;
	for (i = 0; i < OFFERED && !err; i++)
		err = line_set(leg, i == 0, i + 1, i);
	return err;
}

/* contexts for a negotiated line; none when nothing changed, so that a
 * re-INVITE with the same keys does not reset replay protection.  New
 * contexts wait in the leg until media_leg_decode() hands them to the
 * media thread (srtp_new). */
static int keys_apply(struct media_leg *leg, const struct sdes_line *l)
{
	size_t klen = suites[l->suite].keylen;
	enum srtp_suite s = suites[l->suite].suite;
	bool same = leg->secure && leg->suite == l->suite &&
		    !memcmp(leg->rkey, l->key, klen);
	struct srtp *rx = NULL, *tx = NULL;
	int err;

	if (same)
		return 0;
	err = srtp_alloc(&rx, s, l->key, klen, 0);
	if (!err)
		err = srtp_alloc(&tx, s, leg->lkey, klen, 0);
	if (err) {
		mem_deref(rx);
		mem_deref(tx);
		return err;
	}
	mem_deref(leg->srtp_rx);
	mem_deref(leg->srtp_tx);
	leg->srtp_rx = rx;
	leg->srtp_tx = tx;
	leg->srtp_new = true;
	leg->secure = true;
	memcpy(leg->rkey, l->key, klen);
	leg->suite = l->suite;
	debug("media: port %u: SRTP %s\n", leg->port, suites[l->suite].name);
	return 0;
}

struct pick {
	struct media_leg *leg;
	bool offer;
	struct sdes_line line;
	bool found;
};

static bool pick_line(const char *name, const char *value, void *arg)
{
	struct pick *pk = arg;
	struct sdes_line l;

	(void)name;
	if (!line_parse(value, &l))
		return false;
	/* an answer must pick one of the tags we offered, same suite */
	if (!pk->offer && pk->leg->ltag &&
	    (l.tag != pk->leg->ltag || l.suite != pk->leg->suite))
		return false;
	if (!pk->offer && !pk->leg->ltag &&
	    (l.tag > OFFERED || l.suite != l.tag - 1))
		return false;
	pk->line = l;
	pk->found = true;
	return true;
}

static void plain(struct media_leg *leg)
{
	leg->srtp_rx = mem_deref(leg->srtp_rx);
	leg->srtp_tx = mem_deref(leg->srtp_tx);
	leg->srtp_new = leg->secure; /* the media thread drops its contexts */
	leg->secure = false;
	leg->ltag = 0;
	sdp_media_del_lattr(leg->sdpm, "crypto");
}

int media_sdes_negotiate(struct media_leg *leg, bool offer)
{
	const char *proto = sdp_media_proto(leg->sdpm);
	bool savp = proto && !str_casecmp(proto, "RTP/SAVP");
	struct pick pk = {leg, offer, {0, 0, {0}}, false};
	int err;

	/* crypto in an answer counts only if we offered keys */
	if (offer || leg->crypto != MEDIA_PLAIN)
		(void)sdp_media_rattr_apply(leg->sdpm, "crypto", pick_line,
					    &pk);
	if (!pk.found) {
		if (savp || leg->crypto == MEDIA_SRTP_REQUIRED)
			return ENOTSUP;
		plain(leg);
		return 0;
	}
	err = keys_apply(leg, &pk.line);
	if (!err)
		err = line_set(leg, true, pk.line.tag, pk.line.suite);
	if (!err)
		leg->ltag = pk.line.tag;
	return err ? ENOMEM : 0;
}
