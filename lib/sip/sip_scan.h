/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte scans (line ends, token runs, URI runs, quoted strings, list separators),
 * one per SIMD level, all forced inline so that each instantiation of the parser
 * core (sc_sip_parse.c) inlines its own scans and the per-line cost is a few
 * instructions, not a call. None of the scans given an `end` reads at or past it:
 * vector loads happen only when a whole vector fits in [p0, end). The fixed-width
 * helpers (sip_nontok64_*, sip_ipv4_sse42) read the octets their comment states;
 * their callers check that the datagram holds them.
 */
#ifndef SIP_SCAN_H
#define SIP_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sip_priv.h"

#if defined(__x86_64__) && !defined(SC_SIMD_SCALAR)
#define SIP_HAVE_X86_SIMD 1
#include <immintrin.h>
#endif

/*
 * Branch hints for the parser's usual shapes: gcc lays the hinted side out as the
 * straight line, so a well-formed message runs through few taken branches.
 */
#define sip_likely(x) __builtin_expect(!!(x), 1)
#define sip_unlikely(x) __builtin_expect(!!(x), 0)

/*
 * The general paths behind the fast ones (other spellings, LWS, faults): out of
 * line and in the cold section, so the code that runs for a usual message sits in
 * fewer cache lines and is laid out without them in between.
 */
#define SIP_COLD __attribute__((cold, noinline))

/* Bits 0..n-1 (n <= 64): the octets of a 64-octet window that lie before a field's end. */
static inline uint64_t
sip_low_mask64(size_t n)
{
	return n < 64 ? (1ULL << n) - 1 : ~0ULL;
}

/*
 * Every scan is forced inline: the parser core calls them dozens of times per
 * message, and past a certain function size the compiler would otherwise turn
 * them into calls (and rebuild the vector constants after each one).
 */
#define SIP_SCAN_INL static inline __attribute__((always_inline))

/* Scalar twin: 8 bytes at a time (SWAR zero-byte test), then bytewise. */
SIP_SCAN_INL const char *
sip_eol_scalar_inl(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;

	while (end - p >= 8) {
		uint64_t w, a, b, z;

		memcpy(&w, p, sizeof(w));
		a = w ^ (ones * '\r');
		b = w ^ (ones * '\n');
		/* Exact for the lowest zero byte: borrows only propagate upwards. */
		z = ((a - ones) & ~a & high) | ((b - ones) & ~b & high);
		if (z != 0)
			return p + (__builtin_ctzll(z) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != '\r' && *p != '\n')
		p++;
	return p;
}

/*
 * First octet at or after p that is not a token character (25.1), or end. The
 * vector twins classify 16/32 octets at once with two nibble lookups: a byte is a
 * token character when lut_lo[low nibble] & lut_hi[high nibble] != 0 (one bit per
 * high-nibble row 2..7 of the ASCII table).
 */
#define SIP_TOK_LUT_LO \
	0x3a, 0x3f, 0x3e, 0x3e, 0x3e, 0x3f, 0x3e, 0x3f, \
	0x3e, 0x3e, 0x3d, 0x15, 0x14, 0x15, 0x35, 0x1c
#define SIP_TOK_LUT_HI \
	0x00, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

SIP_SCAN_INL const char *
sip_tok_end_scalar_inl(const char *p, const char *end)
{
	while (p < end && (sip_cls[(unsigned char)*p] & SIP_C_TOKEN))
		p++;
	return p;
}

/* First DQUOTE or backslash at or after p (quoted-string scan, 25.1), or end. */
SIP_SCAN_INL const char *
sip_qend_scalar_inl(const char *p, const char *end)
{
	while (p < end && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* First DQUOTE, "<", ">" or comma at or after p (list splitting, 7.3.1), or end. */
SIP_SCAN_INL const char *
sip_lsep_scalar_inl(const char *p, const char *end)
{
	while (p < end && *p != '"' && *p != '<' && *p != '>' && *p != ',')
		p++;
	return p;
}

/*
 * First octet at or after p that cannot be part of a URI (SP, CTL, non-ASCII,
 * "<", ">", DQUOTE), or end: ends the Request-URI and a URI inside "<>".
 */
SIP_SCAN_INL const char *
sip_uri_end_scalar_inl(const char *p, const char *end)
{
	while (p < end && (sip_cls[(unsigned char)*p] & SIP_C_URI))
		p++;
	return p;
}

/*
 * Start of a header line: the end of its name (first non-token octet) and, in
 * *eol, its first CR or LF. The line end is searched from the name end: a name
 * holds no CR or LF. The vector twins take both from one load.
 */
SIP_SCAN_INL const char *
sip_line_scalar_inl(const char *p, const char *end, const char **eol)
{
	p = sip_tok_end_scalar_inl(p, end);
	*eol = sip_eol_scalar_inl(p, end);
	return p;
}

#ifdef SIP_HAVE_X86_SIMD
__attribute__((target("sse4.2")))
SIP_SCAN_INL unsigned
sip_nonuri_mask_sse42(__m128i v)
{
	__m128i lo = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x20)), _mm_set1_epi8(0x20));
	__m128i hi = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x7f)), _mm_set1_epi8(0x7f));
	__m128i sp = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
				  _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));

	sp = _mm_or_si128(sp, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(lo, hi), sp));
}

__attribute__((target("sse4.2")))
SIP_SCAN_INL const char *
sip_uri_end_sse42_inl(const char *p, const char *end)
{
	const char *p0 = p;

	while (end - p >= 16) {
		unsigned m = sip_nonuri_mask_sse42(
			_mm_loadu_si128((const __m128i *)(const void *)p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	if (p < end && end - p0 >= 16) {
		const char *q = end - 16;
		unsigned m = sip_nonuri_mask_sse42(
			_mm_loadu_si128((const __m128i *)(const void *)q));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_uri_end_scalar_inl(p, end);
}

/* Unaligned 32-octet load at p. */
__attribute__((target("avx2")))
SIP_SCAN_INL __m256i
sip_ld32(const char *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

__attribute__((target("avx2")))
SIP_SCAN_INL uint32_t
sip_nonuri_mask_avx2(__m256i v)
{
	const __m256i c20 = _mm256_set1_epi8(0x20), c7f = _mm256_set1_epi8(0x7f);
	const __m256i lt = _mm256_set1_epi8('<'), gt = _mm256_set1_epi8('>');
	const __m256i dq = _mm256_set1_epi8('"');

	return (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
		_mm256_or_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(v, c20), c20),
				_mm256_cmpeq_epi8(_mm256_min_epu8(v, c7f), c7f)),
		_mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, lt),
						_mm256_cmpeq_epi8(v, gt)),
				_mm256_cmpeq_epi8(v, dq))));
}

/*
 * The AVX2 scans keep their first vector inline and continue out of line: most
 * runs end inside it, and the loop, the overlapping last vector and the narrower
 * fallbacks, inlined at every call site, made the parser's code several times
 * larger than the part a usual message runs through. p0 is where the scan
 * started (the overlapping last vector may reread octets from there on).
 */
__attribute__((target("avx2"), noinline)) static const char *
sip_uri_end_avx2_more(const char *p0, const char *p, const char *end)
{
	while (end - p >= 32) {
		uint32_t m = sip_nonuri_mask_avx2(sip_ld32(p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 32;
	}
	if (p < end && end - p0 >= 32) {
		const char *q = end - 32;
		uint32_t m = sip_nonuri_mask_avx2(sip_ld32(q));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_uri_end_sse42_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_uri_end_avx2_inl(const char *p, const char *end)
{
	if (sip_likely(end - p >= 32)) {
		uint32_t m = sip_nonuri_mask_avx2(sip_ld32(p));

		if (sip_likely(m != 0))
			return p + __builtin_ctz(m);
		return sip_uri_end_avx2_more(p, p + 32, end);
	}
	return sip_uri_end_avx2_more(p, p, end);
}

/* Bit i set when octet i of v is NOT a token character. */
__attribute__((target("sse4.2")))
SIP_SCAN_INL unsigned
sip_nontok_mask_sse42(__m128i v)
{
	const __m128i lut_lo = _mm_setr_epi8(SIP_TOK_LUT_LO);
	const __m128i lut_hi = _mm_setr_epi8(SIP_TOK_LUT_HI);
	const __m128i nib = _mm_set1_epi8(0x0f);
	__m128i lo = _mm_and_si128(v, nib);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), nib);
	__m128i t = _mm_and_si128(_mm_shuffle_epi8(lut_lo, lo), _mm_shuffle_epi8(lut_hi, hi));

	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(t, _mm_setzero_si128()));
}

__attribute__((target("sse4.2")))
SIP_SCAN_INL const char *
sip_tok_end_sse42_inl(const char *p, const char *end)
{
	const char *p0 = p;

	while (end - p >= 16) {
		unsigned m = sip_nontok_mask_sse42(
			_mm_loadu_si128((const __m128i *)(const void *)p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	if (p < end && end - p0 >= 16) {
		const char *q = end - 16;
		unsigned m = sip_nontok_mask_sse42(
			_mm_loadu_si128((const __m128i *)(const void *)q));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_tok_end_scalar_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL uint32_t
sip_nontok_mask_avx2(__m256i v)
{
	const __m256i lut_lo = _mm256_setr_epi8(SIP_TOK_LUT_LO, SIP_TOK_LUT_LO);
	const __m256i lut_hi = _mm256_setr_epi8(SIP_TOK_LUT_HI, SIP_TOK_LUT_HI);
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i lo = _mm256_and_si256(v, nib);
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
	__m256i t = _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo),
				     _mm256_shuffle_epi8(lut_hi, hi));

	return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t, _mm256_setzero_si256()));
}

__attribute__((target("avx2"), noinline)) static const char *
sip_tok_end_avx2_more(const char *p0, const char *p, const char *end)
{
	while (end - p >= 32) {
		uint32_t m = sip_nontok_mask_avx2(
			_mm256_loadu_si256((const __m256i *)(const void *)p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 32;
	}
	if (p < end && end - p0 >= 32) {
		const char *q = end - 32;
		uint32_t m = sip_nontok_mask_avx2(
			_mm256_loadu_si256((const __m256i *)(const void *)q));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_tok_end_sse42_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_tok_end_avx2_inl(const char *p, const char *end)
{
	if (sip_likely(end - p >= 32)) {
		uint32_t m = sip_nontok_mask_avx2(
			_mm256_loadu_si256((const __m256i *)(const void *)p));

		if (sip_likely(m != 0))
			return p + __builtin_ctz(m);
		return sip_tok_end_avx2_more(p, p + 32, end);
	}
	return sip_tok_end_avx2_more(p, p, end);
}

/*
 * Non-token bitmap of the 64 octets at p (bit i: p[i] is not a token character),
 * for parsers that look at several short token runs within one field: each run
 * end is then a shift and a count of trailing zeros. Reads p[0..64).
 */
__attribute__((target("sse4.2")))
SIP_SCAN_INL uint64_t
sip_nontok64_sse42(const char *p)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < 4; i++)
		m |= (uint64_t)sip_nontok_mask_sse42(
			_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i))) << (16 * i);
	return m;
}

/*
 * IPv4address (25.1) test of the n octets at p, 7 <= n <= 15, reading p[0..16):
 * digits and exactly three dots, no empty part, no part over three digits, and
 * every three-digit part at most "255" (same-length digit strings compare like
 * their values). The same verdict as is_ipv4() of the parser, in one vector.
 */
__attribute__((target("sse4.2")))
SIP_SCAN_INL bool
sip_ipv4_sse42(const char *p, unsigned n)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	unsigned all = (1u << n) - 1;
	unsigned dig = (unsigned)_mm_movemask_epi8(
		_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)) & all;
	unsigned dot = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))) & all;
	unsigned three;

	if ((dig | dot) != all || __builtin_popcount(dot) != 3 || (dot & 1) != 0 ||
	    (dot >> (n - 1)) != 0 || (dot & (dot >> 1)) != 0 ||
	    (dig & (dig >> 1) & (dig >> 2) & (dig >> 3)) != 0)
		return false;
	/* Bit i: a three-digit part starts at i (no part is longer). */
	for (three = dig & (dig >> 1) & (dig >> 2); three != 0; three &= three - 1) {
		uint32_t w;

		/* The part and the octet after it, within p[0..16); x86 is little-endian. */
		memcpy(&w, p + __builtin_ctz(three), sizeof(w));
		if (__builtin_bswap32(w) >> 8 > 0x323535u)
			return false;
	}
	return true;
}

__attribute__((target("avx2")))
SIP_SCAN_INL uint64_t
sip_nontok64_avx2(const char *p)
{
	uint64_t lo = sip_nontok_mask_avx2(_mm256_loadu_si256((const __m256i *)(const void *)p));
	uint64_t hi = sip_nontok_mask_avx2(
		_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)));

	return lo | hi << 32;
}

__attribute__((target("sse4.2")))
SIP_SCAN_INL const char *
sip_eol_sse42_inl(const char *p, const char *end)
{
	const char *p0 = p;
	const __m128i cr = _mm_set1_epi8('\r');
	const __m128i lf = _mm_set1_epi8('\n');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr),
								     _mm_cmpeq_epi8(v, lf)));
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	if (p < end && end - p0 >= 16) {
		/* Overlapping last vector: bytes before p are known to hold no EOL. */
		const char *q = end - 16;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr),
								     _mm_cmpeq_epi8(v, lf)));
		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_eol_scalar_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL uint32_t
sip_eol_mask_avx2(__m256i v)
{
	return (uint32_t)_mm256_movemask_epi8(
		_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r')),
				_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))));
}

__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_eol_avx2_rest_inl(const char *p0, const char *p, const char *end)
{
	while (end - p >= 32) {
		uint32_t m = sip_eol_mask_avx2(sip_ld32(p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 32;
	}
	if (p < end && end - p0 >= 32) {
		const char *q = end - 32;
		uint32_t m = sip_eol_mask_avx2(sip_ld32(q));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_eol_sse42_inl(p, end);
}

__attribute__((target("avx2"), noinline)) static const char *
sip_eol_avx2_more(const char *p0, const char *p, const char *end)
{
	return sip_eol_avx2_rest_inl(p0, p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_eol_avx2_inl(const char *p, const char *end)
{
	if (sip_likely(end - p >= 32)) {
		uint32_t m = sip_eol_mask_avx2(sip_ld32(p));

		if (sip_likely(m != 0))
			return p + __builtin_ctz(m);
		return sip_eol_avx2_more(p, p + 32, end);
	}
	return sip_eol_avx2_more(p, p, end);
}

/* Vector twins of sip_line_scalar_inl: one load covers most header lines. */
__attribute__((target("sse4.2")))
SIP_SCAN_INL const char *
sip_line_sse42_inl(const char *p, const char *end, const char **eol)
{
	if (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned nt = sip_nontok_mask_sse42(v);
		unsigned el = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));

		*eol = el != 0 ? p + __builtin_ctz(el) : sip_eol_sse42_inl(p + 16, end);
		return nt != 0 ? p + __builtin_ctz(nt) : sip_tok_end_sse42_inl(p + 16, end);
	}
	*eol = sip_eol_sse42_inl(p, end);
	return sip_tok_end_sse42_inl(p, end);
}

/*
 * The AVX2 twin also takes buf, the start of the datagram: within 32 octets of
 * end it classifies the last 32 octets (from at or after buf) shifted down to
 * p, rather than falling back to narrower scans for the last header lines.
 */
__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_line_avx2_inl(const char *buf, const char *p, const char *end, const char **eol)
{
	if (sip_likely(end - p >= 32)) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		uint32_t nt = sip_nontok_mask_avx2(v);
		uint32_t el = sip_eol_mask_avx2(v);

		*eol = sip_likely(el != 0) ? p + __builtin_ctz(el) :
			sip_eol_avx2_inl(p + 32, end);
		return sip_likely(nt != 0) ? p + __builtin_ctz(nt) :
			sip_tok_end_avx2_inl(p + 32, end);
	}
	if (end - buf >= 32) {
		const char *q = end - 32;
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
		unsigned sh = (unsigned)(p - q);	/* 1..31: nothing before p counts */
		uint64_t nt = (uint64_t)sip_nontok_mask_avx2(v) >> sh;
		uint64_t el = (uint64_t)sip_eol_mask_avx2(v) >> sh;

		*eol = el != 0 ? p + __builtin_ctzll(el) : end;
		return nt != 0 ? p + __builtin_ctzll(nt) : end;
	}
	*eol = sip_eol_avx2_inl(p, end);
	return sip_tok_end_avx2_inl(p, end);
}

__attribute__((target("sse4.2")))
SIP_SCAN_INL const char *
sip_qend_sse42_inl(const char *p, const char *end)
{
	const char *p0 = p;
	const __m128i dq = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, dq),
								     _mm_cmpeq_epi8(v, bs)));
		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	if (p < end && end - p0 >= 16) {
		const char *q = end - 16;
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, dq),
								     _mm_cmpeq_epi8(v, bs)));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_qend_scalar_inl(p, end);
}

__attribute__((target("sse4.2")))
SIP_SCAN_INL unsigned
sip_lsep_mask_sse42(__m128i v)
{
	__m128i a = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
	/* "<" and ">" are 0x3c and 0x3e: one compare after clearing bit 1. */
	__m128i b = _mm_cmpeq_epi8(_mm_andnot_si128(_mm_set1_epi8(2), v), _mm_set1_epi8('<'));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(a, b));
}

__attribute__((target("sse4.2")))
SIP_SCAN_INL const char *
sip_lsep_sse42_inl(const char *p, const char *end)
{
	const char *p0 = p;

	while (end - p >= 16) {
		unsigned m = sip_lsep_mask_sse42(_mm_loadu_si128((const __m128i *)(const void *)p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	if (p < end && end - p0 >= 16) {
		const char *q = end - 16;
		unsigned m = sip_lsep_mask_sse42(_mm_loadu_si128((const __m128i *)(const void *)q));

		m >>= (unsigned)(p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return sip_lsep_scalar_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_lsep_avx2_inl(const char *p, const char *end)
{
	while (end - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i a = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')),
					    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(',')));
		__m256i b = _mm256_cmpeq_epi8(_mm256_andnot_si256(_mm256_set1_epi8(2), v),
					      _mm256_set1_epi8('<'));
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(a, b));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 32;
	}
	return sip_lsep_sse42_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL uint32_t
sip_qend_mask_avx2(__m256i v)
{
	return (uint32_t)_mm256_movemask_epi8(
		_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')),
				_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))));
}

__attribute__((target("avx2"), noinline)) static const char *
sip_qend_avx2_more(const char *p, const char *end)
{
	while (end - p >= 32) {
		uint32_t m = sip_qend_mask_avx2(sip_ld32(p));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 32;
	}
	return sip_qend_sse42_inl(p, end);
}

__attribute__((target("avx2")))
SIP_SCAN_INL const char *
sip_qend_avx2_inl(const char *p, const char *end)
{
	if (sip_likely(end - p >= 32)) {
		uint32_t m = sip_qend_mask_avx2(sip_ld32(p));

		if (sip_likely(m != 0))
			return p + __builtin_ctz(m);
		p += 32;
	}
	return sip_qend_avx2_more(p, end);
}

/*
 * Three class bitmaps of the 64 octets at p for a From/To value read in one
 * window (bit i for p[i]): not a token character, not a URI octet (as
 * sip_uri_end_*), DQUOTE or backslash (as sip_qend_*). Reads p[0..64).
 */
struct sip_win3 {
	uint64_t nt, nu, qb;
};

__attribute__((target("sse4.2")))
SIP_SCAN_INL void
sip_win3_sse42(const char *p, struct sip_win3 *w)
{
	const __m128i dq = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');
	uint64_t nt = 0, nu = 0, qb = 0;

	for (unsigned i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));

		nt |= (uint64_t)sip_nontok_mask_sse42(v) << (16 * i);
		nu |= (uint64_t)sip_nonuri_mask_sse42(v) << (16 * i);
		qb |= (uint64_t)(unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs))) << (16 * i);
	}
	w->nt = nt;
	w->nu = nu;
	w->qb = qb;
}

__attribute__((target("avx2")))
SIP_SCAN_INL void
sip_win3_avx2(const char *p, struct sip_win3 *w)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));

	w->nt = sip_nontok_mask_avx2(a) | (uint64_t)sip_nontok_mask_avx2(b) << 32;
	w->nu = sip_nonuri_mask_avx2(a) | (uint64_t)sip_nonuri_mask_avx2(b) << 32;
	w->qb = sip_qend_mask_avx2(a) | (uint64_t)sip_qend_mask_avx2(b) << 32;
}

#endif /* SIP_HAVE_X86_SIMD */

#endif /* SIP_SCAN_H */
