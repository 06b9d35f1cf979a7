/*
 * media_ref.h - reference values for the media tests, taken from the
 * standards and their reference implementations, never computed by
 * src/media or by the libraries it calls (media_test_ref.c).
 */
#ifndef SWITCHBOARD_MEDIA_REF_H
#define SWITCHBOARD_MEDIA_REF_H

#include <stddef.h>
#include <stdint.h>

/*
 * G.711 written from its tables (Table 1: A-law, Table 2: mu-law), in the
 * 16-bit scale of ITU-T G.191 (A-law's 13-bit values x 8, mu-law's 14-bit
 * values x 4).  The encoders take the magnitude |x| and put a decision
 * value into the upper interval (as G.711's Tables 3 and 4 do); |x| up to
 * 32767.
 */
int ref_alaw_dec(uint8_t c);
int ref_ulaw_dec(uint8_t c);
uint8_t ref_alaw_enc(int x);
uint8_t ref_ulaw_enc(int x);
/* mu-law to A-law as the relay must convert: decode, encode; the negative
 * zero 0x7f stays negative (0x55), as in G.711 Table 3 */
uint8_t ref_u2a(uint8_t c);

/* Samples with their G.711 codes, worked out by hand from the tables (the
 * derivation is beside the table in media_test_ref.c). */
struct g711_vec {
	int16_t x;    /* 16-bit linear input                 */
	uint8_t alaw; /* its A-law code                      */
	uint8_t ulaw; /* its mu-law code                     */
	int16_t adec; /* what the A-law code decodes to      */
	int16_t udec; /* what the mu-law code decodes to     */
};
extern const struct g711_vec ref_g711[];
extern const size_t ref_g711_n;

/* SRTP reference packets of libsrtp's srtp_validate() (test/srtp_driver.c):
 * an RTP packet (seq 0x1234, SSRC 0xcafebabe, 16 x 0xab) protected with
 * the master key + salt of RFC 3711 B.3 (AES-CM-128) or libsrtp's AES-256
 * test key, HMAC-SHA1 tag of 80 bits (the 32-bit tag is its first 4
 * bytes). */
extern const uint8_t ref_srtp_key128[30], ref_srtp_key256[46];
extern const uint8_t ref_rtp_plain[28];
extern const uint8_t ref_srtp128_80[38], ref_srtp256_80[38];

#endif
