/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy SIP message parser and message builders (RFC 3261 sections 7, 8.2.6,
 * 9.1, 20, 25). No allocation, no DPDK dependency: every field is a slice into the
 * caller's buffer, valid for as long as that buffer is.
 */
#ifndef SC_SIP_H
#define SC_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A (pointer, length) view into the parsed buffer. len == 0 and p == NULL: absent. */
struct sc_str {
	const char *p;
	uint32_t len;
};

#define SC_SIP_MAX_VIAS 16
#define SC_SIP_MAX_ROUTES 8
#define SC_SIP_MAX_REASONS 4
#define SC_SIP_MAX_REQUIRES 8

/* X-macro: enum value, token. Order is ABI for counters; append only. */
#define SC_SIP_METHODS(X) \
	X(INVITE, "INVITE") \
	X(ACK, "ACK") \
	X(CANCEL, "CANCEL") \
	X(BYE, "BYE") \
	X(OPTIONS, "OPTIONS") \
	X(REGISTER, "REGISTER") \
	X(PRACK, "PRACK") \
	X(UPDATE, "UPDATE") \
	X(INFO, "INFO") \
	X(MESSAGE, "MESSAGE") \
	X(NOTIFY, "NOTIFY") \
	X(SUBSCRIBE, "SUBSCRIBE") \
	X(REFER, "REFER")

enum sc_sip_method {
	SC_METHOD_NONE = 0,	/* responses; absent CSeq */
#define SC_X_ENUM(name, tok) SC_METHOD_##name,
	SC_SIP_METHODS(SC_X_ENUM)
#undef SC_X_ENUM
	SC_METHOD_EXTENSION,	/* any other token: see method_name */
	SC_METHOD_COUNT,
};

/*
 * X-macro of parse verdicts: enum suffix, the response a UAS answers with
 * (0: drop, nothing can be answered), and a short reason shown to operators.
 */
#define SC_SIP_ERRORS(X) \
	X(OK, 0, "ok") \
	X(TRUNCATED, 400, "message ends inside the start line or headers") \
	X(START_LINE, 400, "malformed start line") \
	X(METHOD, 400, "malformed method token") \
	X(REQUEST_URI, 400, "malformed Request-URI") \
	X(VERSION, 505, "SIP-Version is not SIP/2.0") \
	X(STATUS_CODE, 0, "status code outside 100-699") \
	X(HEADER_SYNTAX, 400, "malformed header line") \
	X(VIA, 400, "malformed Via") \
	X(TOO_MANY_VIAS, 400, "more than 65535 Via values") \
	X(CALL_ID, 400, "malformed or repeated Call-ID") \
	X(CSEQ, 400, "malformed CSeq") \
	X(CSEQ_RANGE, 400, "CSeq number above 2**32-1") \
	X(CSEQ_METHOD, 400, "CSeq method differs from the request method") \
	X(FROM, 400, "malformed or repeated From") \
	X(TO, 400, "malformed or repeated To") \
	X(MAX_FORWARDS, 400, "malformed Max-Forwards") \
	X(CONTENT_LENGTH, 400, "malformed or conflicting Content-Length") \
	X(BODY_TRUNCATED, 400, "Content-Length larger than the datagram") \
	X(QUOTE, 400, "unterminated quoted string") \
	X(ANGLE, 400, "unbalanced angle brackets") \
	X(MISSING_HEADER, 400, "To, From, Call-ID, CSeq or Via missing") \
	X(NOT_SIP, 0, "not a SIP message")

enum sc_sip_error {
#define SC_X_ENUM(name, code, text) SC_SIP_E_##name,
	SC_SIP_ERRORS(SC_X_ENUM)
#undef SC_X_ENUM
	SC_SIP_E_COUNT,
};

enum sc_sip_kind {
	SC_SIP_REQUEST = 1,
	SC_SIP_RESPONSE = 2,
};

enum sc_sip_host_type {
	SC_HOST_NONE = 0,
	SC_HOST_NAME,
	SC_HOST_IPV4,
	SC_HOST_IPV6,		/* host slice is the reference with its brackets */
};

/* One via-parm (RFC 3261 section 20.42, 25.1). */
struct sc_sip_via {
	struct sc_str value;		/* the whole via-parm, trimmed */
	struct sc_str protocol;		/* "SIP/2.0" */
	struct sc_str transport;	/* "UDP", "TCP", ... */
	struct sc_str host;		/* sent-by host */
	uint16_t port;			/* sent-by port; 0 when absent */
	uint8_t host_type;		/* enum sc_sip_host_type */
	bool has_rport;			/* ";rport" present, with or without a value */
	struct sc_str branch;
	struct sc_str received;
	struct sc_str rport;		/* value; len 0 when ";rport" alone */
	struct sc_str maddr;
};

/* From and To (section 20.20, 20.39). */
struct sc_sip_addr {
	struct sc_str value;		/* the whole header value, trimmed */
	struct sc_str uri;		/* inside <>, or the addr-spec */
	struct sc_str tag;		/* tag parameter value; absent when no tag */
};

struct sc_sip_msg {
	uint8_t kind;			/* enum sc_sip_kind */
	uint8_t method;			/* enum sc_sip_method (requests) */
	uint8_t cseq_method;		/* enum sc_sip_method */
	uint8_t via_count;		/* values kept in vias[] (<= SC_SIP_MAX_VIAS) */
	uint16_t status;		/* responses */
	uint16_t error;			/* enum sc_sip_error; SC_SIP_E_OK when valid */

	struct sc_str method_name;	/* the raw token, also for extension methods */
	struct sc_str request_uri;
	struct sc_str reason_phrase;	/* responses */

	/*
	 * Every Via value counts in via_total; the first SC_SIP_MAX_VIAS are kept in
	 * vias[] (via_count of them). A request with more (RFC 4475 longreq has 34) is
	 * still valid: the builders rescan the header block to copy all of them.
	 */
	uint16_t via_total;
	struct sc_sip_via vias[SC_SIP_MAX_VIAS];

	struct sc_str call_id;
	uint32_t cseq;
	struct sc_str cseq_method_name;
	struct sc_sip_addr from;
	struct sc_sip_addr to;

	int32_t max_forwards;		/* -1 when absent */
	struct sc_str max_forwards_value;	/* raw, from after its colon: where the
						 * line a proxy rewrites is (16.6 item 3) */
	int64_t content_length;		/* -1 when absent */

	uint8_t route_count;
	uint8_t reason_count;
	uint8_t require_count;
	uint8_t proxy_require_count;
	/*
	 * Every Route value counts in route_total (saturating); the first
	 * SC_SIP_MAX_ROUTES are kept in routes[]. A route set has no upper bound (25.1,
	 * 12.2.1.1), so a longer one is valid; a role that must copy it all (a CANCEL,
	 * 9.1) checks route_total.
	 */
	uint16_t route_total;
	/*
	 * The same for Require, Proxy-Require and Reason: the first values are kept,
	 * all are counted (saturating), and sc_sip_foreach_list_value() gives them all.
	 */
	uint16_t require_total;
	uint16_t proxy_require_total;
	uint16_t reason_total;
	struct sc_str routes[SC_SIP_MAX_ROUTES];	/* each route-param */
	struct sc_str reasons[SC_SIP_MAX_REASONS];	/* each Reason value */
	struct sc_str requires[SC_SIP_MAX_REQUIRES];	/* option tags */
	struct sc_str proxy_requires[SC_SIP_MAX_REQUIRES];

	struct sc_str headers;		/* first header line to the last one's CRLF */
	struct sc_str body;		/* framed by Content-Length */
	uint32_t msg_len;		/* start line + headers + body */
};

/*
 * Parse one SIP message at buf[0..len) in one pass, in place.
 *
 * Returns the number of bytes the message occupies (start line, headers and the
 * body as framed by Content-Length; octets after it are not part of the message),
 * or -enum sc_sip_error. On error msg->error holds the same reason and every field
 * parsed before or after the faulty header stays filled, so a caller can still
 * build the response sc_sip_error_response() names when Via, From, To, Call-ID
 * and CSeq were readable. Never reads buf[len] or beyond.
 */
int sc_sip_parse(const char *buf, size_t len, struct sc_sip_msg *msg);

/* The list headers whose values sc_sip_foreach_list_value() gives. */
enum sc_sip_list {
	SC_SIP_LIST_REQUIRE,
	SC_SIP_LIST_PROXY_REQUIRE,
	SC_SIP_LIST_REASON,
};

/*
 * Call fn for every value of that header in msg, in order, across every line of
 * it, by rescanning msg->headers: for the values past those msg keeps (more than
 * SC_SIP_MAX_REQUIRES or SC_SIP_MAX_REASONS). Values are trimmed of LWS; a folded
 * value keeps its inner CRLF. Returns 0 or the first non-zero fn result.
 */
int sc_sip_foreach_list_value(const struct sc_sip_msg *msg, enum sc_sip_list which,
			      int (*fn)(void *ctx, const char *p, size_t len), void *ctx);

/* The response a UAS sends for this verdict (400, 505), or 0: drop. */
uint16_t sc_sip_error_response(enum sc_sip_error err);

/*
 * The response to send for a parsed message: 0 when it parsed ok, when it is a
 * response (responses are never answered, section 17.1.3) or not SIP at all;
 * otherwise sc_sip_error_response(msg->error).
 */
uint16_t sc_sip_verdict_response(const struct sc_sip_msg *msg);

/* Short operator-facing text of a verdict. Never NULL. */
const char *sc_sip_error_text(enum sc_sip_error err);

/* Stable identifier of a verdict ("CSEQ_RANGE"), for counters and JSON. */
const char *sc_sip_error_name(enum sc_sip_error err);

/* Token of a method ("INVITE"), "" for NONE and EXTENSION. */
const char *sc_sip_method_name(enum sc_sip_method m);

/* Default reason phrase of a status code (section 21), "" when unknown. */
const char *sc_sip_reason_phrase(unsigned status);

/* True when the branch carries the RFC 3261 magic cookie (section 8.1.1.7). */
bool sc_sip_branch_is_rfc3261(const struct sc_str *branch);

/*
 * ASCII case-insensitive compare of n bytes of a and b: true when equal. For the
 * parts of a message that compare so (section 7.3.1: header names; URI schemes and
 * hosts, 19.1.4; parameter names). Inline: builders call it per header line.
 */
static inline bool
sc_sip_ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/* Byte-scan implementations; tests run every one the CPU supports. */
enum sc_sip_simd {
	SC_SIP_SIMD_SCALAR = 0,
	SC_SIP_SIMD_SSE42,
	SC_SIP_SIMD_AVX2,
};

/* Pick the scan used by sc_sip_parse. Returns 0, or -ENOTSUP if the CPU lacks it. */
int sc_sip_set_simd(enum sc_sip_simd level);
enum sc_sip_simd sc_sip_get_simd(void);

/*
 * Find the next CR or LF in [p, end), or return end. The same helper the parser
 * uses, exported for the benchmark's floor loop.
 */
const char *sc_sip_find_eol(const char *p, const char *end);

/* ---- builders --------------------------------------------------------------
 * All builders write into buf[0..cap) and return the number of bytes written, or
 * -ENOSPC when the message does not fit (buf content then undefined).
 */

/*
 * Render the header block every response to `req` carries (section 8.2.6.2):
 * every Via in order, From, To (with ;tag=to_tag appended when the request's To
 * has no tag and to_tag is given), Call-ID and CSeq, each line CRLF-terminated.
 * Transaction records keep this block so later responses (180, 487, Timer G
 * retransmissions) need no copy of the request.
 */
int sc_sip_build_resp_headers(char *buf, size_t cap, const struct sc_sip_msg *req,
			      const struct sc_str *to_tag);

/*
 * Build a complete response: status line, the rendered header block, then
 * `extra` verbatim (CRLF-terminated header lines such as Retry-After or Allow; may
 * be NULL) and "Content-Length: 0", blank line. reason NULL: the default phrase.
 */
int sc_sip_build_response_from_block(char *buf, size_t cap, unsigned status,
				     const char *reason, const char *block, size_t block_len,
				     const char *extra);

/* Both steps at once, for responses sent while the request is at hand. */
int sc_sip_build_response(char *buf, size_t cap, const struct sc_sip_msg *req,
			  unsigned status, const char *reason, const struct sc_str *to_tag,
			  const char *extra);

/*
 * The hot-path builders below take lengths, never NUL-terminated strings, and
 * write every message in one pass into its final buffer.
 */

/*
 * Where a request came from, as the transport saw it: the source IP as text
 * (IPv6 without brackets) and the UDP source port. A server completes the top Via
 * of its responses with them (18.2.1, RFC 3581 section 4).
 */
struct sc_sip_src {
	struct sc_str ip;
	uint16_t port;
};

/*
 * Like sc_sip_build_resp_headers(), with the top Via completed for src (NULL:
 * copied unchanged): ";received=<ip>" appended when the Via has no received
 * parameter and its sent-by host is not src->ip (compared without IPv6 brackets,
 * ASCII case-insensitive) or it has rport; a valueless rport becomes
 * "rport=<port>" (RFC 3581 section 4). Other Via values are copied unchanged.
 */
int sc_sip_build_resp_headers_src(char *buf, size_t cap, const struct sc_sip_msg *req,
				  const struct sc_str *to_tag, const struct sc_sip_src *src);

/*
 * A complete response to the request at hand in one pass: status line (default
 * phrase), the header block of sc_sip_build_resp_headers_src(), extra verbatim
 * (CRLF-terminated header lines; NULL or empty: none), "Content-Length: 0" and the
 * blank line. Returns the length, -EINVAL for a status outside 100..699, -ENOSPC.
 */
int sc_sip_build_response_src(char *buf, size_t cap, const struct sc_sip_msg *req,
			      unsigned status, const struct sc_str *to_tag,
			      const struct sc_sip_src *src, const struct sc_str *extra);

/*
 * A complete response from pre-rendered pieces: status line (default phrase), the
 * n_parts byte strings in order (a stored header block, possibly split to insert a
 * To tag, then extra header lines), "Content-Length: 0" and the blank line.
 * Returns the length, -EINVAL for a status outside 100..699, -ENOSPC.
 */
int sc_sip_build_response_parts(char *buf, size_t cap, unsigned status,
				const struct sc_str *parts, unsigned n_parts);

/*
 * Write v in decimal (no sign, no leading zero) into out[0..cap), not terminated.
 * Returns the number of digits (1..10), or 0 when they do not fit (nothing written).
 */
size_t sc_sip_fmt_u32(char *out, size_t cap, uint32_t v);

/*
 * The fields of an INVITE as it was sent to the next hop, kept by the proxy so
 * it can build the CANCEL (section 9.1) and the ACK for a non-2xx final
 * (section 17.1.1.3) after the packet is gone.
 */
struct sc_sip_sent_invite {
	struct sc_str request_uri;
	struct sc_str top_via;		/* the via-parm the proxy put on top */
	struct sc_str from;		/* whole From value */
	struct sc_str to;		/* whole To value, as sent (no tag) */
	struct sc_str call_id;
	uint32_t cseq;
	uint8_t route_count;
	struct sc_str routes[SC_SIP_MAX_ROUTES];
};

/*
 * Fill inv from a parsed INVITE (slices point into the INVITE's buffer; the
 * caller copies them into its own storage when the packet goes away). The top
 * Via is vias[0]. Returns 0, or -EINVAL when msg is not a parsed request.
 */
int sc_sip_sent_invite_from_msg(struct sc_sip_sent_invite *inv, const struct sc_sip_msg *msg);

/*
 * CANCEL for a forwarded INVITE (section 9.1): same Request-URI, Call-ID, To,
 * From and CSeq number, CSeq method CANCEL, one Via equal to the INVITE's top Via,
 * the same Route set, Max-Forwards 70, no Require or Proxy-Require, and every
 * Reason value of `reasons` copied (RFC 3326).
 */
int sc_sip_build_cancel(char *buf, size_t cap, const struct sc_sip_sent_invite *inv,
			const struct sc_str *reasons, unsigned reason_count);

/*
 * ACK for a non-2xx final response to a forwarded INVITE (section 17.1.1.3): the
 * INVITE's Request-URI, Call-ID, From, CSeq number and Route set, one Via equal to
 * the INVITE's top Via, and the To of the response (with its tag).
 */
int sc_sip_build_ack(char *buf, size_t cap, const struct sc_sip_sent_invite *inv,
		     const struct sc_sip_msg *final_resp);

#ifdef __cplusplus
}
#endif

#endif /* SC_SIP_H */
