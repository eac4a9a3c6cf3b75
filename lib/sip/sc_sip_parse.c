/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy SIP parser (RFC 3261 sections 7, 20 and 25). One pass over the start
 * line and the header lines; only the headers the transaction layer needs are
 * parsed, every other line costs one line-end scan. The body is never scanned.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sc_sip.h"
#include "sip_priv.h"
#include "sip_scan.h"

/* ---- character classes ------------------------------------------------- */

#define T SIP_C_TOKEN
#define W SIP_C_WORD
#define H SIP_C_HOST
#define V SIP_C_PVAL
#define U SIP_C_URI
#define D SIP_C_DIGIT
#define X SIP_C_HEX
#define L SIP_C_LWS

/*
 * token (25.1): alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
 * word adds "(" ")" "<" ">" ":" "\" DQUOTE "/" "[" "]" "?" "{" "}".
 */
const uint8_t sip_cls[256] = {
	['\t'] = L, ['\n'] = L, ['\r'] = L, [' '] = L,
	['!'] = T | W | V | U, ['"'] = W, ['#'] = U, ['$'] = U, ['%'] = T | W | V | U,
	['&'] = U, ['\''] = T | W | V | U, ['('] = W | U, [')'] = W | U,
	['*'] = T | W | V | U, ['+'] = T | W | V | U, [','] = U, ['-'] = T | W | H | V | U,
	['.'] = T | W | H | V | U, ['/'] = W | U,
	['0'] = T | W | H | V | U | D | X, ['1'] = T | W | H | V | U | D | X,
	['2'] = T | W | H | V | U | D | X, ['3'] = T | W | H | V | U | D | X,
	['4'] = T | W | H | V | U | D | X, ['5'] = T | W | H | V | U | D | X,
	['6'] = T | W | H | V | U | D | X, ['7'] = T | W | H | V | U | D | X,
	['8'] = T | W | H | V | U | D | X, ['9'] = T | W | H | V | U | D | X,
	[':'] = W | V | U, [';'] = U, ['<'] = W, ['='] = U, ['>'] = W, ['?'] = W | U,
	['@'] = U,
	['A'] = T | W | H | V | U | X, ['B'] = T | W | H | V | U | X, ['C'] = T | W | H | V | U | X,
	['D'] = T | W | H | V | U | X, ['E'] = T | W | H | V | U | X, ['F'] = T | W | H | V | U | X,
	['G'] = T | W | H | V | U, ['H'] = T | W | H | V | U, ['I'] = T | W | H | V | U,
	['J'] = T | W | H | V | U, ['K'] = T | W | H | V | U, ['L'] = T | W | H | V | U,
	['M'] = T | W | H | V | U, ['N'] = T | W | H | V | U, ['O'] = T | W | H | V | U,
	['P'] = T | W | H | V | U, ['Q'] = T | W | H | V | U, ['R'] = T | W | H | V | U,
	['S'] = T | W | H | V | U, ['T'] = T | W | H | V | U, ['U'] = T | W | H | V | U,
	['V'] = T | W | H | V | U, ['W'] = T | W | H | V | U, ['X'] = T | W | H | V | U,
	['Y'] = T | W | H | V | U, ['Z'] = T | W | H | V | U,
	['['] = W | V | U, ['\\'] = W | U, [']'] = W | V | U, ['^'] = U, ['_'] = T | W | V | U,
	['`'] = T | W | V | U,
	['a'] = T | W | H | V | U | X, ['b'] = T | W | H | V | U | X, ['c'] = T | W | H | V | U | X,
	['d'] = T | W | H | V | U | X, ['e'] = T | W | H | V | U | X, ['f'] = T | W | H | V | U | X,
	['g'] = T | W | H | V | U, ['h'] = T | W | H | V | U, ['i'] = T | W | H | V | U,
	['j'] = T | W | H | V | U, ['k'] = T | W | H | V | U, ['l'] = T | W | H | V | U,
	['m'] = T | W | H | V | U, ['n'] = T | W | H | V | U, ['o'] = T | W | H | V | U,
	['p'] = T | W | H | V | U, ['q'] = T | W | H | V | U, ['r'] = T | W | H | V | U,
	['s'] = T | W | H | V | U, ['t'] = T | W | H | V | U, ['u'] = T | W | H | V | U,
	['v'] = T | W | H | V | U, ['w'] = T | W | H | V | U, ['x'] = T | W | H | V | U,
	['y'] = T | W | H | V | U, ['z'] = T | W | H | V | U,
	['{'] = W | U, ['|'] = U, ['}'] = W | U, ['~'] = T | W | V | U,
};

#undef T
#undef W
#undef H
#undef V
#undef U
#undef D
#undef X
#undef L

/* ---- small helpers ------------------------------------------------------ */

struct sip_seen {
	bool call_id, cseq, from, to, max_forwards;
};

static inline struct sc_str
sip_mkstr(const char *s, const char *e)
{
	struct sc_str r = { s, (uint32_t)(e - s) };

	return r;
}

static inline void
sip_err(struct sc_sip_msg *msg, enum sc_sip_error e)
{
	/* The first fault wins: it is the one an operator wants to see. */
	if (msg->error == SC_SIP_E_OK)
		msg->error = (uint16_t)e;
}

static inline const char *
skip_lws(const char *p, const char *e)
{
	/* Mostly one SP or none: test that first so the loop below is rarely entered. */
	if (p < e && *p == ' ')
		p++;
	if (p < e && sip_is((unsigned char)*p, SIP_C_LWS)) {
		while (p < e && sip_is((unsigned char)*p, SIP_C_LWS))
			p++;
	}
	return p;
}

static inline bool
sip_digit(char c)
{
	return (unsigned)((unsigned char)c - '0') <= 9;
}

static inline const char *
rtrim(const char *s, const char *e)
{
	while (e > s && sip_is((unsigned char)e[-1], SIP_C_LWS))
		e--;
	return e;
}

static inline const char *
skip_cls(const char *p, const char *e, unsigned cls)
{
	while (p < e && sip_is((unsigned char)*p, cls))
		p++;
	return p;
}

static inline uint64_t
ld8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t
ld4(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint16_t
ld2(const char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/*
 * The decimal digits at p, at most max_digits (<= 9, so *v cannot wrap) and none
 * at or past e: the shared reader of the fast paths for ' <digits>' numbers, the
 * CSeq number and the Via port. Returns the end of the run, or NULL when there is
 * no digit or a digit follows the max_digits-th one; the caller then leaves the
 * field to the general number parse (leading zeros, range: RFC 4475 3.1.1.1).
 */
static inline __attribute__((always_inline)) const char *
sip_read_digits(const char *p, const char *e, size_t max_digits, uint32_t *v)
{
	const char *stop = (size_t)(e - p) > max_digits ? p + max_digits : e;
	const char *q;
	uint32_t n = 0;

	for (q = p; q < stop && sip_digit(*q); q++)
		n = n * 10 + (unsigned)((unsigned char)*q - '0');
	*v = n;
	if (q == p || (q == stop && q < e && sip_digit(*q)))
		return NULL;
	return q;
}

/*
 * Case-insensitive compare of n bytes of token text against a lower-case literal.
 * OR-ing 0x20 folds case exactly for token characters: the only other octets that
 * fold onto a token character are CTLs, which are not token characters.
 * With the literal's length a constant, this is at most a few word compares: the
 * first and last word of the span overlap for lengths that are not a multiple.
 */
static inline __attribute__((always_inline)) bool
ieq(const char *p, size_t n, const char *lit, size_t litlen)
{
	if (n != litlen)
		return false;
	if (n >= 8) {
		const uint64_t f = 0x2020202020202020ULL;
		size_t i;

		for (i = 0; i + 8 < n; i += 8)
			if ((ld8(p + i) | f) != ld8(lit + i))
				return false;
		return (ld8(p + n - 8) | f) == ld8(lit + n - 8);
	}
	if (n >= 4)
		return (ld4(p) | 0x20202020u) == ld4(lit) &&
		       (ld4(p + n - 4) | 0x20202020u) == ld4(lit + n - 4);
	if (n >= 2)
		return (ld2(p) | 0x2020) == ld2(lit) &&
		       (ld2(p + n - 2) | 0x2020) == ld2(lit + n - 2);
	return n == 0 || ((unsigned char)*p | 0x20) == (unsigned char)*lit;
}

#define IEQ(p, n, lit) ieq((p), (n), (lit), sizeof(lit) - 1)

/* Skip a quoted-string starting at the DQUOTE at p (25.1); NULL if unterminated. */
static const char *
quoted_end(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			/* quoted-pair: any octet but CR and LF follows the backslash. */
			if (p + 1 >= e || p[1] == '\r' || p[1] == '\n')
				return NULL;
			p++;
		}
	}
	return NULL;
}

/* ---- method and header-name dispatch ----------------------------------- */

/* Word compares: the memcmp of a constant length compiles to one load and compare. */
static enum sc_sip_method
method_id(const char *p, size_t n)
{
	switch (n) {
	case 3:
		if (memcmp(p, "ACK", 3) == 0)
			return SC_METHOD_ACK;
		if (memcmp(p, "BYE", 3) == 0)
			return SC_METHOD_BYE;
		break;
	case 4:
		if (memcmp(p, "INFO", 4) == 0)
			return SC_METHOD_INFO;
		break;
	case 5:
		if (memcmp(p, "PRACK", 5) == 0)
			return SC_METHOD_PRACK;
		if (memcmp(p, "REFER", 5) == 0)
			return SC_METHOD_REFER;
		break;
	case 6:
		if (memcmp(p, "INVITE", 6) == 0)
			return SC_METHOD_INVITE;
		if (memcmp(p, "CANCEL", 6) == 0)
			return SC_METHOD_CANCEL;
		if (memcmp(p, "UPDATE", 6) == 0)
			return SC_METHOD_UPDATE;
		if (memcmp(p, "NOTIFY", 6) == 0)
			return SC_METHOD_NOTIFY;
		break;
	case 7:
		if (memcmp(p, "OPTIONS", 7) == 0)
			return SC_METHOD_OPTIONS;
		if (memcmp(p, "MESSAGE", 7) == 0)
			return SC_METHOD_MESSAGE;
		break;
	case 8:
		if (memcmp(p, "REGISTER", 8) == 0)
			return SC_METHOD_REGISTER;
		break;
	case 9:
		if (memcmp(p, "SUBSCRIBE", 9) == 0)
			return SC_METHOD_SUBSCRIBE;
		break;
	default:
		break;
	}
	return SC_METHOD_EXTENSION;
}

static inline __attribute__((always_inline)) enum sip_hdr
header_id_inl(const char *p, size_t n)
{
	switch (n) {
	case 1:
		/* Compact forms, section 7.3.3 and 20. */
		switch ((unsigned char)*p | 0x20) {
		case 'v':
			return SIP_H_VIA;
		case 'i':
			return SIP_H_CALL_ID;
		case 'f':
			return SIP_H_FROM;
		case 't':
			return SIP_H_TO;
		case 'l':
			return SIP_H_CONTENT_LENGTH;
		default:
			return SIP_H_OTHER;
		}
	case 2:
		if ((ld2(p) | 0x2020) == ld2("to"))
			return SIP_H_TO;
		break;
	case 3:
		if (IEQ(p, 3, "via"))
			return SIP_H_VIA;
		break;
	case 4:
		if ((ld4(p) | 0x20202020u) == ld4("cseq"))
			return SIP_H_CSEQ;
		if ((ld4(p) | 0x20202020u) == ld4("from"))
			return SIP_H_FROM;
		break;
	case 5:
		if (IEQ(p, 5, "route"))
			return SIP_H_ROUTE;
		break;
	case 6:
		if (IEQ(p, 6, "reason"))
			return SIP_H_REASON;
		break;
	case 7:
		if (IEQ(p, 7, "call-id"))
			return SIP_H_CALL_ID;
		if (IEQ(p, 7, "require"))
			return SIP_H_REQUIRE;
		break;
	case 12:
		if (IEQ(p, 12, "max-forwards"))
			return SIP_H_MAX_FORWARDS;
		break;
	case 13:
		if (IEQ(p, 13, "proxy-require"))
			return SIP_H_PROXY_REQUIRE;
		break;
	case 14:
		if (IEQ(p, 14, "content-length"))
			return SIP_H_CONTENT_LENGTH;
		break;
	default:
		break;
	}
	return SIP_H_OTHER;
}

enum sip_hdr
sip_header_id(const char *p, size_t n)
{
	return header_id_inl(p, n);
}

/* ---- start line ---------------------------------------------------------- */

static inline __attribute__((always_inline)) void
sip_msg_init(struct sc_sip_msg *msg)
{
	/*
	 * Field by field, not one memset: the compiler emits plain vector stores for
	 * these, where a memset of the same span became "rep stos" (slow to start).
	 * Arrays are valid below their counts and filled in order, so never cleared.
	 */
	static const struct sc_str z;
	static const struct sc_sip_addr za;

	msg->kind = 0;
	msg->method = SC_METHOD_NONE;
	msg->cseq_method = SC_METHOD_NONE;
	msg->via_count = 0;
	msg->status = 0;
	msg->error = SC_SIP_E_OK;
	msg->method_name = z;
	msg->request_uri = z;
	msg->reason_phrase = z;
	msg->via_total = 0;
	msg->call_id = z;
	msg->cseq = 0;
	msg->cseq_method_name = z;
	msg->from = za;
	msg->to = za;
	msg->max_forwards = -1;
	msg->max_forwards_value = z;
	msg->content_length = -1;
	msg->route_count = 0;
	msg->route_total = 0;
	msg->reason_count = 0;
	msg->require_count = 0;
	msg->proxy_require_count = 0;
	msg->require_total = 0;
	msg->proxy_require_total = 0;
	msg->reason_total = 0;
	msg->headers = z;
	msg->body = z;
	msg->msg_len = 0;
}

/* SIP-Version (25.1): "SIP" "/" 1*DIGIT "." 1*DIGIT; "SIP" is case-insensitive. */
SIP_COLD static enum sc_sip_error
check_version(const char *p, const char *e)
{
	const char *q;

	if (e - p < 4 || (p[0] | 0x20) != 's' || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'p' ||
	    p[3] != '/')
		return SC_SIP_E_START_LINE;
	if (e - p == 7 && memcmp(p + 4, "2.0", 3) == 0)
		return SC_SIP_E_OK;
	q = skip_cls(p + 4, e, SIP_C_DIGIT);
	if (q == p + 4 || q == e || *q != '.')
		return SC_SIP_E_START_LINE;
	p = q + 1;
	q = skip_cls(p, e, SIP_C_DIGIT);
	if (q == p || q != e)
		return SC_SIP_E_START_LINE;
	/* Well-formed but not 2.0: section 8.2 answers 505. */
	return SC_SIP_E_VERSION;
}

/*
 * Request-URI (25.1): an absoluteURI or SIP-URI starts with a scheme and ":". The
 * octets (no SP, CTL, "<", ">", DQUOTE: RFC 4475 3.1.2.7/3.1.2.8) are checked by
 * the scan that finds its end.
 */
static bool
check_uri(const char *p, const char *e)
{
	const char *q = p;

	/* "sip:" in any case, the usual scheme: what the loop below accepts. */
	if (e - p >= 4 && (ld4(p) | 0x00202020u) == ld4("sip:"))
		return true;
	if (p == e || !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
		return false;
	while (q < e && (sip_is((unsigned char)*q, SIP_C_TOKEN) && *q != '%'))
		q++;
	return q < e && *q == ':';
}

/*
 * IPv4address (25.1): four dotted 1-3 digit parts, each <= 255. Unrolled per part:
 * this runs for the sent-by of nearly every Via.
 */
static inline __attribute__((always_inline)) bool
is_ipv4(const char *p, const char *e)
{
	if (e - p < 7 || e - p > 15)
		return false;
	for (unsigned part = 0; part < 4; part++) {
		unsigned v, d;

		if (part != 0) {
			if (p == e || *p != '.')
				return false;
			p++;
		}
		if (p == e || (v = (unsigned)((unsigned char)*p - '0')) > 9)
			return false;
		p++;
		if (p < e && (d = (unsigned)((unsigned char)*p - '0')) <= 9) {
			v = v * 10 + d;
			p++;
			if (p < e && (d = (unsigned)((unsigned char)*p - '0')) <= 9) {
				v = v * 10 + d;
				p++;
				if (v > 255 || (p < e && (unsigned)((unsigned char)*p - '0') <= 9))
					return false;
			}
		}
	}
	return p == e;
}

/*
 * Decimal with leading zeros allowed (RFC 4475 3.1.1.1). Returns the end, or NULL
 * when there is no digit. *over is set when the value exceeds max (<= UINT32_MAX);
 * *out is then meaningless.
 */
static inline __attribute__((always_inline)) const char *
parse_uint(const char *p, const char *e, uint64_t max, uint64_t *out, bool *over)
{
	/* 19 decimal digits always fit in 64 bits: no overflow test per digit. */
	const char *s = p, *fast = e - p > 19 ? p + 19 : e;
	uint64_t v = 0;
	bool ov = false;

	while (p < fast && (unsigned)((unsigned char)*p - '0') <= 9) {
		v = v * 10 + (unsigned)((unsigned char)*p - '0');
		p++;
	}
	if (p == fast && p < e && (unsigned)((unsigned char)*p - '0') <= 9) {
		/* Longer (leading zeros): saturate at max, digit by digit. */
		for (p = s, v = 0; p < e && (unsigned)((unsigned char)*p - '0') <= 9; p++) {
			/* v <= max <= UINT32_MAX here, so v * 10 + 9 cannot wrap. */
			uint64_t nv = v * 10 + (uint64_t)((unsigned char)*p - '0');

			ov |= nv > max;
			v = nv > max ? v : nv;
		}
	}
	*over = ov || v > max;
	*out = v;
	return p == s ? NULL : p;
}

static inline void
via_clear(struct sc_sip_via *v)
{
	/* Field stores rather than a memset that would become "rep stos". */
	static const struct sc_str z;

	v->value = z;
	v->protocol = z;
	v->transport = z;
	v->host = z;
	v->port = 0;
	v->host_type = SC_HOST_NONE;
	v->has_rport = false;
	v->branch = z;
	v->received = z;
	v->rport = z;
	v->maddr = z;
}

/*
 * Record a via-param the transaction layer uses (20.42, RFC 3581). Parameter
 * names are case-insensitive (7.3.1). False when the value is not allowed:
 * a branch needs one, an rport value is digits.
 */
static inline __attribute__((always_inline)) bool
via_param(struct sc_sip_via *via, const struct sc_str *name, const struct sc_str *val)
{
	switch (name->len) {
	case 5:
		if (IEQ(name->p, 5, "maddr")) {
			via->maddr = *val;
		} else if (IEQ(name->p, 5, "rport")) {
			via->has_rport = true;
			via->rport = *val;
			if (val->p != NULL &&
			    skip_cls(val->p, val->p + val->len, SIP_C_DIGIT) != val->p + val->len)
				return false;
		}
		break;
	case 6:
		if (IEQ(name->p, 6, "branch")) {
			if (val->p == NULL || val->len == 0)
				return false;
			via->branch = *val;
		}
		break;
	case 8:
		if (IEQ(name->p, 8, "received"))
			via->received = *val;
		break;
	default:
		break;
	}
	return true;
}

/*
 * Split a comma list at top-level commas (not inside quotes or <>), section 7.3.1.
 * Returns the end of the element at p (at a comma or e), or NULL on an open quote
 * or bracket with *err set.
 */
static const char *
list_elem_end(const char *p, const char *e, enum sc_sip_error *err)
{
	int angle = 0;

	while (p < e) {
		if (*p == '"') {
			p = quoted_end(p, e);
			if (p == NULL) {
				*err = SC_SIP_E_QUOTE;
				return NULL;
			}
			continue;
		}
		if (*p == '<')
			angle++;
		else if (*p == '>') {
			if (--angle < 0)
				break;
		} else if (*p == ',' && angle == 0)
			return p;
		p++;
	}
	if (angle != 0) {
		*err = SC_SIP_E_ANGLE;
		return NULL;
	}
	return p;
}

SIP_COLD static void
parse_number_gen(struct sc_sip_msg *msg, const char *p, const char *e, uint64_t max,
		 uint64_t *out, enum sc_sip_error err)
{
	const char *q;
	bool over;

	p = skip_lws(p, e);
	q = parse_uint(p, e, max, out, &over);
	if (q == NULL || over || skip_lws(q, e) != e) {
		sip_err(msg, err);
		*out = UINT64_MAX;
	}
}

static inline __attribute__((always_inline)) void
parse_number(struct sc_sip_msg *msg, const char *p, const char *e, uint64_t max, uint64_t *out,
	     enum sc_sip_error err)
{
	/*
	 * What nearly every element writes: one SP and at most nine digits to the
	 * line end ("Content-Length: 0"), read inline. Nine digits cannot wrap; a
	 * value above max, or any other shape, takes the general path and its verdict.
	 */
	if (e - p >= 2 && e - p <= 10 && *p == ' ') {
		uint32_t v;

		if (sip_read_digits(p + 1, e, 9, &v) == e && v <= max) {
			*out = v;
			return;
		}
	}
	parse_number_gen(msg, p, e, max, out, err);
}

/*
 * Request method and CSeq method are the same token (case-sensitive, 7.1). Both
 * were looked up exactly, so a known method on either side decides by its id.
 */
static inline bool
same_method(const struct sc_sip_msg *msg)
{
	if (msg->method != SC_METHOD_EXTENSION || msg->cseq_method != SC_METHOD_EXTENSION)
		return msg->method == msg->cseq_method;
	return msg->cseq_method_name.len == msg->method_name.len &&
	       memcmp(msg->cseq_method_name.p, msg->method_name.p, msg->method_name.len) == 0;
}

/* Whole-message rules checked once every header is seen. */
static void
sip_validate(struct sc_sip_msg *msg, const struct sip_seen *seen)
{
	/* 8.1.1: To, From, CSeq, Call-ID, Max-Forwards (tolerated absent: RFC 2543), Via. */
	if (msg->via_total == 0 || !seen->call_id || !seen->cseq || !seen->from || !seen->to)
		sip_err(msg, SC_SIP_E_MISSING_HEADER);
	/* 8.1.1.5: the CSeq method matches the request method (ACK and CANCEL too). */
	if (msg->kind == SC_SIP_REQUEST && seen->cseq && msg->cseq_method_name.len != 0 &&
	    !same_method(msg))
		sip_err(msg, SC_SIP_E_CSEQ_METHOD);
}

/* ---- instantiations of the core, one per scan level ----------------------- */

#define SIP_CAT_(a, b) a##_##b
#define SIP_CAT(a, b) SIP_CAT_(a, b)
#define SIP_F(name) SIP_CAT(name, SIP_LEVEL)

#define SIP_LEVEL scalar
#define SIP_CORE_ATTR
#define SIP_EOL sip_eol_scalar_inl
#define SIP_LINE(buf, p, end, eol) sip_line_scalar_inl((p), (end), (eol))
#define SIP_TOK_END sip_tok_end_scalar_inl
#define SIP_URI_END sip_uri_end_scalar_inl
#define SIP_QEND sip_qend_scalar_inl
#define SIP_LSEP sip_lsep_scalar_inl
#include "sip_fields_core.h"
#include "sip_parse_core.h"

#ifdef SIP_HAVE_X86_SIMD
#define SIP_LEVEL sse42
#define SIP_CORE_ATTR __attribute__((target("sse4.2")))
#define SIP_EOL sip_eol_sse42_inl
#define SIP_LINE(buf, p, end, eol) sip_line_sse42_inl((p), (end), (eol))
#define SIP_TOK_END sip_tok_end_sse42_inl
#define SIP_URI_END sip_uri_end_sse42_inl
#define SIP_QEND sip_qend_sse42_inl
#define SIP_LSEP sip_lsep_sse42_inl
#define SIP_NONTOK64 sip_nontok64_sse42
#define SIP_WIN3 sip_win3_sse42
#include "sip_fields_core.h"
#include "sip_parse_core.h"

#define SIP_LEVEL avx2
#define SIP_CORE_ATTR __attribute__((target("avx2")))
#define SIP_EOL sip_eol_avx2_inl
#define SIP_LINE sip_line_avx2_inl
#define SIP_TOK_END sip_tok_end_avx2_inl
#define SIP_URI_END sip_uri_end_avx2_inl
#define SIP_QEND sip_qend_avx2_inl
#define SIP_LSEP sip_lsep_avx2_inl
#define SIP_NONTOK64 sip_nontok64_avx2
#define SIP_WIN3 sip_win3_avx2
#include "sip_fields_core.h"
#include "sip_parse_core.h"
#endif

static enum sc_sip_simd sip_level = SC_SIP_SIMD_SCALAR;

static bool
cpu_has(enum sc_sip_simd level)
{
	switch (level) {
	case SC_SIP_SIMD_SCALAR:
		return true;
#ifdef SIP_HAVE_X86_SIMD
	case SC_SIP_SIMD_SSE42:
		return __builtin_cpu_supports("sse4.2");
	case SC_SIP_SIMD_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
	default:
		return false;
	}
}

/* The build's 'simd' option picks the default; 'auto' takes the best the CPU has. */
__attribute__((constructor)) static void
sip_simd_init(void)
{
#if defined(SC_SIMD_AVX2)
	enum sc_sip_simd want = SC_SIP_SIMD_AVX2;
#elif defined(SC_SIMD_SSE42)
	enum sc_sip_simd want = SC_SIP_SIMD_SSE42;
#elif defined(SC_SIMD_SCALAR)
	enum sc_sip_simd want = SC_SIP_SIMD_SCALAR;
#else
	enum sc_sip_simd want = SC_SIP_SIMD_AVX2;
#endif
#ifdef SIP_HAVE_X86_SIMD
	__builtin_cpu_init();
#endif
	while (want != SC_SIP_SIMD_SCALAR && !cpu_has(want))
		want = (enum sc_sip_simd)(want - 1);
	sip_level = want;
}

int
sc_sip_set_simd(enum sc_sip_simd level)
{
	if (!cpu_has(level))
		return -ENOTSUP;
	sip_level = level;
	return 0;
}

enum sc_sip_simd
sc_sip_get_simd(void)
{
	return sip_level;
}

int
sc_sip_parse(const char *buf, size_t len, struct sc_sip_msg *msg)
{
	/* Slices carry 32-bit lengths and the result is an int. */
	if (len > INT32_MAX)
		len = INT32_MAX;
	switch (sip_level) {
#ifdef SIP_HAVE_X86_SIMD
	case SC_SIP_SIMD_AVX2:
		return parse_avx2(buf, len, msg);
	case SC_SIP_SIMD_SSE42:
		return parse_sse42(buf, len, msg);
#endif
	default:
		return parse_scalar(buf, len, msg);
	}
}

const char *
sip_find_eol_scalar(const char *p, const char *end)
{
	return sip_eol_scalar_inl(p, end);
}

#ifdef SIP_HAVE_X86_SIMD
__attribute__((target("sse4.2"))) static const char *
find_eol_sse42(const char *p, const char *end)
{
	return sip_eol_sse42_inl(p, end);
}

__attribute__((target("avx2"))) static const char *
find_eol_avx2(const char *p, const char *end)
{
	/* The whole scan inline here, as before the parser's split (the floor). */
	return sip_eol_avx2_rest_inl(p, p, end);
}
#endif

const char *
sc_sip_find_eol(const char *p, const char *end)
{
	switch (sip_level) {
#ifdef SIP_HAVE_X86_SIMD
	case SC_SIP_SIMD_AVX2:
		return find_eol_avx2(p, end);
	case SC_SIP_SIMD_SSE42:
		return find_eol_sse42(p, end);
#endif
	default:
		return sip_eol_scalar_inl(p, end);
	}
}

/* ---- list rescans: Via for the builders, Require and Reason for lib/cancel -- */

static int
foreach_value(const struct sc_sip_msg *msg, enum sip_hdr id,
	      int (*fn)(void *ctx, const char *p, size_t len), void *ctx)
{
	const char *p = msg->headers.p;
	const char *end = p + msg->headers.len;

	if (p == NULL)
		return 0;
	while (p < end) {
		const char *name = p, *ne, *v, *le, *next;

		ne = skip_cls(p, end, SIP_C_TOKEN);
		v = ne;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		/* The block ends with the last header's CRLF: treat end as a line end. */
		le = v;
		for (;;) {
			le = sip_eol_scalar_inl(le, end);
			next = le;
			if (le < end && *le == '\r' && le + 1 < end && le[1] == '\n')
				next = le + 2;
			else if (le < end)
				next = le + 1;
			if (next < end && (*next == ' ' || *next == '\t') && le < end) {
				le = next;
				continue;
			}
			if (le < end && *le == '\r' && next == le + 1 && le + 1 < end) {
				/* A bare CR inside a value is not a line end. */
				le = next;
				continue;
			}
			break;
		}
		if (v < le && *v == ':' && ne != name &&
		    sip_header_id(name, (size_t)(ne - name)) == id) {
			const char *q = v + 1;

			for (;;) {
				enum sc_sip_error err;
				const char *ee = list_elem_end(q, le, &err);
				const char *s, *t;
				int rc;

				if (ee == NULL)
					ee = le;
				s = skip_lws(q, ee);
				t = rtrim(s, ee);
				if (s < t) {
					rc = fn(ctx, s, (size_t)(t - s));
					if (rc != 0)
						return rc;
				}
				if (ee >= le)
					break;
				q = ee + 1;
			}
		}
		p = next;
	}
	return 0;
}

int
sip_foreach_via(const struct sc_sip_msg *msg,
		int (*fn)(void *ctx, const char *p, size_t len), void *ctx)
{
	return foreach_value(msg, SIP_H_VIA, fn, ctx);
}

int
sc_sip_foreach_list_value(const struct sc_sip_msg *msg, enum sc_sip_list which,
			  int (*fn)(void *ctx, const char *p, size_t len), void *ctx)
{
	static const enum sip_hdr ids[] = {
		[SC_SIP_LIST_REQUIRE] = SIP_H_REQUIRE,
		[SC_SIP_LIST_PROXY_REQUIRE] = SIP_H_PROXY_REQUIRE,
		[SC_SIP_LIST_REASON] = SIP_H_REASON,
	};

	if ((unsigned)which >= sizeof(ids) / sizeof(ids[0]))
		return -EINVAL;
	return foreach_value(msg, ids[which], fn, ctx);
}

/* ---- names and phrases ------------------------------------------------------ */

static const uint16_t err_resp[SC_SIP_E_COUNT] = {
#define SC_X(name, code, text) [SC_SIP_E_##name] = code,
	SC_SIP_ERRORS(SC_X)
#undef SC_X
};

static const char *const err_text[SC_SIP_E_COUNT] = {
#define SC_X(name, code, text) [SC_SIP_E_##name] = text,
	SC_SIP_ERRORS(SC_X)
#undef SC_X
};

static const char *const err_name[SC_SIP_E_COUNT] = {
#define SC_X(name, code, text) [SC_SIP_E_##name] = #name,
	SC_SIP_ERRORS(SC_X)
#undef SC_X
};

uint16_t
sc_sip_error_response(enum sc_sip_error err)
{
	return (unsigned)err < SC_SIP_E_COUNT ? err_resp[err] : 0;
}

uint16_t
sc_sip_verdict_response(const struct sc_sip_msg *msg)
{
	if (msg->error == SC_SIP_E_OK || msg->kind != SC_SIP_REQUEST)
		return 0;
	return sc_sip_error_response((enum sc_sip_error)msg->error);
}

const char *
sc_sip_error_text(enum sc_sip_error err)
{
	return (unsigned)err < SC_SIP_E_COUNT ? err_text[err] : "unknown verdict";
}

const char *
sc_sip_error_name(enum sc_sip_error err)
{
	return (unsigned)err < SC_SIP_E_COUNT ? err_name[err] : "UNKNOWN";
}

static const char *const method_tok[SC_METHOD_COUNT] = {
#define SC_X(name, tok) [SC_METHOD_##name] = tok,
	SC_SIP_METHODS(SC_X)
#undef SC_X
};

const char *
sc_sip_method_name(enum sc_sip_method m)
{
	if ((unsigned)m >= SC_METHOD_COUNT || method_tok[m] == NULL)
		return "";
	return method_tok[m];
}

bool
sc_sip_branch_is_rfc3261(const struct sc_str *branch)
{
	/*
	 * 8.1.1.7: the branch begins with "z9hG4bK". A branch that is only the cookie
	 * carries no unique part (RFC 4475 3.2.1): match it the RFC 2543 way.
	 */
	return branch != NULL && branch->p != NULL && branch->len > 7 &&
	       memcmp(branch->p, "z9hG4bK", 7) == 0;
}
