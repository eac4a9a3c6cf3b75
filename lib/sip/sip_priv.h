/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers of lib/sip shared by the parser, the byte scans and the builders.
 * Not part of the public interface: app/ and other libraries use sc_sip.h only.
 */
#ifndef SIP_PRIV_H
#define SIP_PRIV_H

#include <stdint.h>
#include <string.h>

#include "sc_sip.h"

/* Character classes (RFC 3261 section 25.1), one 256-entry table, bit per class. */
enum {
	SIP_C_TOKEN = 1 << 0,	/* token: alphanum / "-" / "." / "!" / "%" / "*" / "_" ... */
	SIP_C_LWS = 1 << 1,	/* SP, HTAB, and CR/LF (only seen inside a folded value) */
	SIP_C_WORD = 1 << 2,	/* word (Call-ID) */
	SIP_C_HOST = 1 << 3,	/* hostname / IPv4 characters */
	SIP_C_PVAL = 1 << 4,	/* generic-param value: token plus ":" "[" "]" (RFC 5118) */
	SIP_C_URI = 1 << 5,	/* octets allowed in a Request-URI (no SP, CTL, <, >, ") */
	SIP_C_DIGIT = 1 << 6,
	SIP_C_HEX = 1 << 7,
};

extern const uint8_t sip_cls[256];

static inline int
sip_is(unsigned char c, unsigned cls)
{
	return sip_cls[c] & cls;
}

/* Header identifiers the parser dispatches on; everything else is skipped. */
enum sip_hdr {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTENT_LENGTH,
	SIP_H_ROUTE,
	SIP_H_REQUIRE,
	SIP_H_PROXY_REQUIRE,
	SIP_H_REASON,
};

/* Classify a header name (case-insensitive, compact forms of section 7.3.3). */
enum sip_hdr sip_header_id(const char *name, size_t len);

/* Scalar line-end scan; the parser's reference twin of the SIMD variants. */
const char *sip_find_eol_scalar(const char *p, const char *end);

/*
 * Call fn for every Via value of the header block of msg, in order, by rescanning
 * msg->headers. Used by the builders when a request carries more Via values than
 * msg->vias keeps. Returns 0 or the first non-zero fn result.
 */
int sip_foreach_via(const struct sc_sip_msg *msg,
		    int (*fn)(void *ctx, const char *p, size_t len), void *ctx);

#endif /* SIP_PRIV_H */
