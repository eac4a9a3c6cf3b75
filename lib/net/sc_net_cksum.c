/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071) over a buffer, fast. DPDK 22.11's __rte_raw_cksum
 * adds one 16-bit word per iteration (gcc -O3 vectorizes it with SSE to about 10
 * bytes per cycle: 34 cycles for 350 bytes in bench/cksum); here the words are
 * added 64 or 256 bits at a time (AVX2: 18 cycles for 350 bytes) and the carries
 * settled once at the end (RFC 1071 section 4.1, "deferred carries"), which is
 * valid because 2^16, 2^32 and 2^64 are all 1 modulo 0xffff: a sum of wider words
 * folds to the same one's-complement sum of 16-bit words.
 *
 * Words are loaded in host byte order with unaligned loads (memcpy or loadu), so
 * the result pairs bytes exactly as __rte_raw_cksum does: bytes 2k and 2k+1 of
 * the buffer form a word, whatever the buffer's alignment, and an odd last byte
 * is a word padded with a zero byte after it (RFC 1071 section 4.1).
 *
 * Two variants with the same contract: scalar (4 independent 64-bit accumulators
 * plus a carry count) and AVX2 (neighbouring words paired into 32-bit lanes by
 * vpmaddwd, which cannot overflow within AVX2_CHUNK bytes). The AVX2 one is
 * compiled with a target attribute and chosen at run time from CPUID, as lib/sip
 * does for its scans; the meson option 'simd' = scalar pins the scalar one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sc_copy.h"
#include "sc_net.h"
#include "net_cksum_priv.h"

#if defined(__x86_64__) && !defined(SC_SIMD_SCALAR)
#define NET_HAVE_AVX2 1
#include <immintrin.h>
#endif

static inline uint64_t
ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Sum of the len < 32 bytes at p as host-order words (odd last byte zero-padded),
 * added to acc. Each step adds less than 2^34, so acc must stay below 2^63.
 */
static inline uint64_t
tail_sum(const uint8_t *p, size_t len, uint64_t acc)
{
	if (len & 16) {
		acc += (uint64_t)ld32(p) + ld32(p + 4) + ld32(p + 8) + ld32(p + 12);
		p += 16;
	}
	if (len & 8) {
		acc += (uint64_t)ld32(p) + ld32(p + 4);
		p += 8;
	}
	if (len & 4) {
		acc += ld32(p);
		p += 4;
	}
	if (len & 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		acc += v;
		p += 2;
	}
	if (len & 1) {
		uint16_t v = 0;

		memcpy(&v, p, 1);
		acc += v;
	}
	return acc;
}

static uint32_t
cksum_scalar(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t a0 = sum, a1 = 0, a2 = 0, a3 = 0, carries = 0;
	uint64_t s;

	/*
	 * Four chains so the adds overlap; each carry out of a 64-bit add is worth
	 * 2^64 == 1 (mod 0xffff) and is counted instead of propagated.
	 */
	while (len >= 32) {
		carries += __builtin_add_overflow(a0, ld64(p), &a0);
		carries += __builtin_add_overflow(a1, ld64(p + 8), &a1);
		carries += __builtin_add_overflow(a2, ld64(p + 16), &a2);
		carries += __builtin_add_overflow(a3, ld64(p + 24), &a3);
		p += 32;
		len -= 32;
	}
	carries += __builtin_add_overflow(a0, a1, &a0);
	carries += __builtin_add_overflow(a2, a3, &a2);
	carries += __builtin_add_overflow(a0, a2, &a0);
	/* (a0 mod 2^32) + (a0 >> 32) < 2^33; carries < 2^59: no overflow below. */
	s = (a0 & 0xffffffffu) + (a0 >> 32) + carries;
	return net_cksum_fold64(tail_sum(p, len, s));
}

#ifdef NET_HAVE_AVX2

/*
 * Bytes per inner AVX2 pass. A 32-byte vector adds to each 32-bit lane a value in
 * [-65536, 65534] (see avx2_chunk), so 2050 vectors (64 KiB, 32 more bytes and a
 * masked tail) keep every lane within +-2^28 and the lane sums below within 32
 * bits. Even, so a chunk boundary never splits a 16-bit word.
 */
#define AVX2_CHUNK 65536u

/* Window masks: bytes [k, k + 32) keep the last k bytes of a 32-byte load. */
static const uint8_t tail_mask[64] = {
	[32] = 0xff, [33] = 0xff, [34] = 0xff, [35] = 0xff,
	[36] = 0xff, [37] = 0xff, [38] = 0xff, [39] = 0xff,
	[40] = 0xff, [41] = 0xff, [42] = 0xff, [43] = 0xff,
	[44] = 0xff, [45] = 0xff, [46] = 0xff, [47] = 0xff,
	[48] = 0xff, [49] = 0xff, [50] = 0xff, [51] = 0xff,
	[52] = 0xff, [53] = 0xff, [54] = 0xff, [55] = 0xff,
	[56] = 0xff, [57] = 0xff, [58] = 0xff, [59] = 0xff,
	[60] = 0xff, [61] = 0xff, [62] = 0xff, [63] = 0xff,
};

__attribute__((target("avx2"))) static inline __m256i
ldu256(const uint8_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

__attribute__((target("avx2"))) static inline void
stu256(uint8_t *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
}

/*
 * Pair sums of the 16 words of v into 8 signed 32-bit lanes in 2 operations:
 * flipping the top bit maps word w to w - 32768 as a signed word, and vpmaddwd
 * by 1 adds neighbours, so each lane gets (w0 + w1) - 65536. The caller adds the
 * 65536 * 8 per vector back at the end.
 */
__attribute__((target("avx2"))) static inline __m256i
pair_sums(__m256i v)
{
	return _mm256_madd_epi16(_mm256_xor_si256(v, _mm256_set1_epi16((short)0x8000)),
				 _mm256_set1_epi16(1));
}

/*
 * Sum of an even len (32 <= len <= AVX2_CHUNK + 32) bytes at src; when dst !=
 * NULL the bytes are also copied there. The last partial block is a 32-byte
 * window ending at the buffer's end with its already-summed head masked to zero
 * words: it starts an even distance from src, so its words pair like the rest;
 * the copy rewrites the overlapping bytes with the same values.
 */
__attribute__((target("avx2"), always_inline)) static inline uint64_t
avx2_chunk(uint8_t *dst, const uint8_t *src, size_t len)
{
	__m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
	uint64_t nvec = len / 32 + (len % 32 != 0);
	size_t off = 0;
	__m128i x, w;
	__m256i v, u;
	int64_t t;

	for (; off + 64 <= len; off += 64) {
		v = ldu256(src + off);
		u = ldu256(src + off + 32);
		if (dst != NULL) {
			stu256(dst + off, v);
			stu256(dst + off + 32, u);
		}
		a0 = _mm256_add_epi32(a0, pair_sums(v));
		a1 = _mm256_add_epi32(a1, pair_sums(u));
	}
	if (off + 32 <= len) {
		v = ldu256(src + off);
		if (dst != NULL)
			stu256(dst + off, v);
		a0 = _mm256_add_epi32(a0, pair_sums(v));
		off += 32;
	}
	if (off < len) {
		v = ldu256(src + len - 32);
		if (dst != NULL)
			stu256(dst + len - 32, v);
		a1 = _mm256_add_epi32(a1, pair_sums(_mm256_and_si256(v,
						ldu256(tail_mask + (len - off)))));
	}
	/* Signed lanes: widen to 64 bits before the last adds, then undo the bias. */
	a0 = _mm256_add_epi32(a0, a1);
	x = _mm_add_epi32(_mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1));
	w = _mm_add_epi64(_mm_cvtepi32_epi64(x), _mm_cvtepi32_epi64(_mm_srli_si128(x, 8)));
	t = _mm_cvtsi128_si64(w) + _mm_extract_epi64(w, 1);
	return (uint64_t)(t + (int64_t)(nvec << 19));
}

/* dst == NULL: sum only. Inlined twice below, so the copy test folds away. */
__attribute__((target("avx2"), always_inline)) static inline uint32_t
cksum_avx2(uint8_t *dst, const uint8_t *src, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	if (len < 32) {
		if (dst != NULL)
			sc_copy_short(dst, src, len);
		return net_cksum_fold64(tail_sum(src, len, s));
	}
	/* The odd last byte first: the rest is then even and a window can end there. */
	if (len & 1) {
		uint16_t v = 0;

		len--;
		memcpy(&v, src + len, 1);
		if (dst != NULL)
			dst[len] = src[len];
		s += v;
	}
	while (len > AVX2_CHUNK + 32) {
		s += avx2_chunk(dst, src, AVX2_CHUNK);
		src += AVX2_CHUNK;
		if (dst != NULL)
			dst += AVX2_CHUNK;
		len -= AVX2_CHUNK;
	}
	/* 32 <= len <= AVX2_CHUNK + 32 here: one more block than a chunk is still safe. */
	s += avx2_chunk(dst, src, len);
	return net_cksum_fold64(s);
}

__attribute__((target("avx2"))) static uint32_t
sum_avx2(const void *buf, size_t len, uint32_t sum)
{
	return cksum_avx2(NULL, buf, len, sum);
}

__attribute__((target("avx2"))) static uint32_t
copy_avx2(void *dst, const void *src, size_t len, uint32_t sum)
{
	return cksum_avx2(dst, src, len, sum);
}

#endif /* NET_HAVE_AVX2 */

static enum sc_net_cksum_impl cksum_impl = SC_NET_CKSUM_SCALAR;

static bool
cpu_has(enum sc_net_cksum_impl impl)
{
	switch (impl) {
	case SC_NET_CKSUM_SCALAR:
		return true;
#ifdef NET_HAVE_AVX2
	case SC_NET_CKSUM_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
	default:
		return false;
	}
}

/*
 * Same policy as lib/sip: the meson option 'simd' caps the default ('scalar' and
 * 'sse42' have no AVX2, there is no SSE variant), 'auto' and 'avx2' take AVX2 when
 * the CPU has it.
 */
__attribute__((constructor)) static void
net_cksum_init(void)
{
#if defined(NET_HAVE_AVX2) && !defined(SC_SIMD_SSE42)
	__builtin_cpu_init();
	if (cpu_has(SC_NET_CKSUM_AVX2))
		cksum_impl = SC_NET_CKSUM_AVX2;
#endif
}

int
sc_net_cksum_set_impl(enum sc_net_cksum_impl impl)
{
	if (!cpu_has(impl))
		return -ENOTSUP;
	cksum_impl = impl;
	return 0;
}

enum sc_net_cksum_impl
sc_net_cksum_get_impl(void)
{
	return cksum_impl;
}

uint32_t
sc_net_cksum_raw(const void *buf, size_t len, uint32_t sum)
{
#ifdef NET_HAVE_AVX2
	if (cksum_impl == SC_NET_CKSUM_AVX2)
		return sum_avx2(buf, len, sum);
#endif
	return cksum_scalar(buf, len, sum);
}

uint32_t
sc_net_cksum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
#ifdef NET_HAVE_AVX2
	if (cksum_impl == SC_NET_CKSUM_AVX2)
		return copy_avx2(dst, src, len, sum);
#endif
	/* Scalar: the copy leaves the bytes in L1, so a second pass is cheap. */
	memcpy(dst, src, len);
	return cksum_scalar(src, len, sum);
}
