/*
 * dtmf.c - the key presses the far end of a leg sends as RFC 4733
 * telephone-events, reported to the leg's digit handler once per press.
 *
 * A phone sends one key press as a run of packets of one event (RFC 4733
 * 2.5): all carry the RTP timestamp of the press's start and the duration
 * so far, one every 50 ms or so, and the last one (E bit set) is sent
 * three times.  Any of them may be lost (the first ones too), reordered
 * or duplicated, and a press longer than the duration field holds (8 s)
 * goes on in a new segment, with a new timestamp.  So a press is known by
 * its timestamp, not by a start packet: per stream the receiver keeps the
 * event heard last and reports a digit at the first packet it sees of a
 * new one, never again for the same one.
 *
 *        first event, or a new SSRC: REPORT
 *              |
 *              v
 *   +--> [event at timestamp T] --- same T: a repeat, an end or a late
 *   |        |  |  |  |             copy (E marks it ended): nothing
 *   |        |  |  |  +------------ older timestamp: a late packet of an
 *   |        |  |  |                earlier press: ignored
 *   |        |  |  +--------------- newer T' = T + its duration, same
 *   |        |  |                   event, not ended: the next segment
 *   |        |  |                   of a long press: nothing
 *   |        |  +------------------ same T after an end, no E, a newer
 *   |        |                      sequence number: a sender that kept
 *   |        |                      the timestamp for the next press:
 *   |        |                      REPORT
 *   |        +--------------------- newer timestamp: REPORT
 *   +--------------------------------+
 *
 * Timestamps and sequence numbers are compared modulo 2^32 and 2^16: a
 * wrap is just "newer".  Events above 15 (tones, flash) are no digits and
 * leave the state alone.
 *
 * Threads (thread.c): the relay (relay.c) calls media_dtmf_rtp() on the
 * media thread for each packet of the payload type the leg negotiated as
 * telephone-event, after it accepted the packet (from the latched phone,
 * SRTP authentic: a stranger cannot press keys) and before it relays the
 * packet as it always did; audio packets pay one compare.  A new press
 * goes through the event queue to the SIP thread, naming the leg by its
 * id, where media_dtmf_ev() finds the leg, if it still exists, and calls
 * its handler.
 *
 * Key presses also come as tones in the audio (inband.c).  Both ways go
 * through media_digit_report(), which reports a key once when a phone
 * sends it both ways: the same key from the other way within
 * MEDIA_DIGIT_TWICE_MS of the last report is the same press.
 */
#include <re.h>
#include "core/core.h"
#include "media/media.h"
#include "media/media_int.h"

/* event code -> digit (RFC 4733 3.2) */
static const char digits[] = "0123456789*#ABCD";

enum { TEV_SIZE = 4, SEGMENT_MAX = 0xffff };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(((unsigned)p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

size_t media_rtp_payload(const uint8_t *p, size_t len, size_t *np)
{
	size_t hlen = RTP_HEADER_SIZE + 4u * (p[0] & 0x0f);

	*np = 0;
	if (p[0] & 0x10) { /* header extension */
		if (len < hlen + 4)
			return 0;
		hlen += 4 + 4u * get16(p + hlen + 2);
	}
	if (p[0] & 0x20) { /* padding: its length is the last byte */
		if (len <= hlen || p[len - 1] > len - hlen)
			return 0;
		len -= p[len - 1];
	}
	if (len <= hlen)
		return 0;
	*np = len - hlen;
	return hlen;
}

char media_dtmf_recv(struct media_dtmf *d, const uint8_t rxmap[128],
		     const uint8_t *p, size_t len)
{
	struct media_dtmf pk; /* what this packet says */
	uint32_t gap;
	size_t off, n;

	if (!d || !rxmap || !p || len < RTP_HEADER_SIZE || (p[0] >> 6) != 2 ||
	    rxmap[p[1] & 0x7f] != PT_TEV)
		return 0;
	off = media_rtp_payload(p, len, &n);
	if (!off || n < TEV_SIZE || p[off] >= sizeof(digits) - 1)
		return 0;
	pk = (struct media_dtmf){
	    .ssrc = get32(p + 8),
	    .ts = get32(p + 4),
	    .seq = get16(p + 2),
	    .dur = get16(p + off + 2),
	    .event = p[off],
	    .ended = (p[off + 1] & 0x80) != 0,
	    .valid = true,
	};

	if (!d->valid || pk.ssrc != d->ssrc)
		goto press;
	gap = pk.ts - d->ts;
	if (gap == 0) {
		bool newer = (int16_t)(pk.seq - d->seq) > 0;
		if (!pk.ended && d->ended && newer)
			goto press;
		if (newer)
			d->seq = pk.seq;
		if (pk.dur > d->dur)
			d->dur = pk.dur;
		d->ended |= pk.ended;
		return 0;
	}
	if ((int32_t)gap < 0)
		return 0;
	if (!d->ended && pk.event == d->event &&
	    (gap == d->dur || gap == SEGMENT_MAX)) {
		*d = pk; /* the same press goes on */
		return 0;
	}

press:
	*d = pk;
	return digits[pk.event];
}

void media_digit_report(struct media_stream *ms, char digit,
			enum media_digit_src src, uint64_t now)
{
	/* a phone that sends a press both ways: the other way's report of
	 * the same key soon after is that press again */
	if (digit == ms->dig_last && src != ms->dig_src &&
	    now - ms->dig_at < MEDIA_DIGIT_TWICE_MS) {
		ms->dig_at = now;
		return;
	}
	ms->dig_last = digit;
	ms->dig_src = src;
	ms->dig_at = now;
	if (media_ev_push_digit(ms->leg_id, digit))
		warning("media: port %u: digit %c lost: out of memory\n",
			ms->port, digit);
}

void media_dtmf_rtp(struct media_stream *ms, const uint8_t *p, size_t len,
		    uint64_t now)
{
	char digit = media_dtmf_recv(&ms->dtmf, ms->cfg.rxmap, p, len);

	if (digit)
		media_digit_report(ms, digit, MEDIA_DIGIT_RFC4733, now);
}

void media_dtmf_ev(const struct media_ev *ev)
{
	struct media_leg *leg = media_leg_find(ev->leg);
	media_digit_h *h;
	void *arg;

	if (!leg) /* freed while its digit was on the way */
		return;
	media_ctr_inc(&media_count.dtmf);
	debug("media: port %u: digit %c\n", leg->port, ev->digit);
	h = leg->digith;
	arg = leg->digit_arg;
	if (h)
		h(ev->digit, arg); /* last: it may free the leg */
}

void media_leg_set_digith(struct media_leg *leg, media_digit_h *h, void *arg)
{
	if (!leg)
		return;
	leg->digith = h;
	leg->digit_arg = h ? arg : NULL;
}
