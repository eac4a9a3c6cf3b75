/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sc_net_cksum_raw / sc_net_cksum_copy against an independent RFC 1071 reference
 * (big-endian 16-bit words, one at a time, carries folded at the end) and against
 * DPDK's __rte_raw_cksum, for every implementation the CPU has: random buffers of
 * every length 0..2048 at every alignment 0..7 with random initial sums, all-0xff
 * buffers (every add carries), lengths past the AVX2 chunk size, buffers ending
 * and starting at a PROT_NONE page (no over-read), and copies that must not write
 * outside their destination. No EAL.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include <criterion/criterion.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "sc_net.h"

#define MAX_LEN 2048
#define ALIGNS 8

static const enum sc_net_cksum_impl impls[] = {
	SC_NET_CKSUM_SCALAR,
	SC_NET_CKSUM_AVX2,
};

static const char *const impl_names[] = { "scalar", "avx2" };

/* ---- reference (RFC 1071 section 4.1, network byte order) -------------------- */

static uint64_t
ref_sum_be(const uint8_t *p, size_t n, uint64_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint64_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint64_t)p[n - 1] << 8;
	return s;
}

static uint16_t
ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static bool
host_is_le(void)
{
	const uint16_t one = 1;
	uint8_t b;

	memcpy(&b, &one, 1);
	return b == 1;
}

/*
 * What sc_net_cksum_raw(p, n, sum) must return: the host-order sum. The initial
 * sum is in host-order words; the byte-order independence of the one's-complement
 * sum (RFC 1071 section 2(B)) says a byte swap converts between the two views.
 */
static uint16_t
ref_cksum_host(const uint8_t *p, size_t n, uint32_t sum)
{
	uint16_t s = ref_fold(sum);

	if (!host_is_le())
		return ref_fold(ref_sum_be(p, n, s));
	return swap16(ref_fold(ref_sum_be(p, n, swap16(s))));
}

/* ---- helpers ---------------------------------------------------------------- */

static uint64_t rng_state = 0x5c5c5c5c12345678ULL;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Select impl; false (test skipped for it) when the CPU or build lacks it. */
static bool
use_impl(size_t k)
{
	int rc = sc_net_cksum_set_impl(impls[k]);

	if (rc == -ENOTSUP)
		return false;
	cr_assert_eq(rc, 0);
	cr_assert_eq(sc_net_cksum_get_impl(), impls[k]);
	return true;
}

static void
check_one(const uint8_t *p, size_t n, uint32_t sum, size_t k, const char *what)
{
	uint32_t got = sc_net_cksum_raw(p, n, sum);

	cr_assert_leq(got, 0xffff, "%s %s len %zu: not folded (%#x)", impl_names[k], what, n,
		      got);
	cr_assert_eq(got, ref_cksum_host(p, n, sum),
		     "%s %s len %zu align %zu sum %#x: %#x vs ref %#x", impl_names[k], what, n,
		     (size_t)((uintptr_t)p & 7), sum, got, ref_cksum_host(p, n, sum));
	/* DPDK's sum wraps at 2^32; below that the reduced values must be equal. */
	if (sum < 0x80000000u && n <= 65535)
		cr_assert_eq(__rte_raw_cksum_reduce(got),
			     __rte_raw_cksum_reduce(__rte_raw_cksum(p, n, sum)),
			     "%s %s len %zu: differs from __rte_raw_cksum", impl_names[k], what, n);
}

/* ---- tests ------------------------------------------------------------------ */

Test(cksum, reference_self_check)
{
	/* RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	cr_assert_eq(ref_fold(ref_sum_be(ex, sizeof(ex), 0)), 0xddf2);
	cr_assert_eq(ref_cksum_host(ex, sizeof(ex), 0),
		     host_is_le() ? swap16(0xddf2) : 0xddf2);
}

Test(cksum, rfc1071_example)
{
	static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t want = host_is_le() ? swap16(0xddf2) : 0xddf2;
	size_t k;

	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		cr_expect_eq(sc_net_cksum_raw(ex, sizeof(ex), 0), want, "%s", impl_names[k]);
	}
}

Test(cksum, set_impl_rejects_unknown)
{
	enum sc_net_cksum_impl before = sc_net_cksum_get_impl();

	cr_expect_eq(sc_net_cksum_set_impl((enum sc_net_cksum_impl)99), -ENOTSUP);
	cr_expect_eq(sc_net_cksum_get_impl(), before);
	cr_expect_eq(sc_net_cksum_set_impl(SC_NET_CKSUM_SCALAR), 0);
}

Test(cksum, random_every_length_every_alignment, .timeout = 120)
{
	static uint8_t buf[MAX_LEN + ALIGNS + 64];
	size_t k, len, al;

	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		for (len = 0; len <= MAX_LEN; len++) {
			for (al = 0; al < ALIGNS; al++) {
				uint32_t sum = (uint32_t)rnd();

				fill_random(buf + al, len);
				/* Full-range and small (pseudo-header-like) initial sums. */
				check_one(buf + al, len, sum, k, "random");
				check_one(buf + al, len, sum & 0x3ffff, k, "random");
			}
		}
	}
}

Test(cksum, all_ones_carry_torture, .timeout = 120)
{
	static const uint32_t sums[] = { 0, 1, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0xffffffff };
	static uint8_t buf[MAX_LEN + ALIGNS];
	size_t k, len, al, s;

	memset(buf, 0xff, sizeof(buf));
	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		for (len = 0; len <= MAX_LEN; len++)
			for (al = 0; al < ALIGNS; al++)
				for (s = 0; s < RTE_DIM(sums); s++)
					check_one(buf + al, len, sums[s], k, "0xff");
	}
}

Test(cksum, zero_stays_zero)
{
	static uint8_t buf[MAX_LEN];
	size_t k, len;

	memset(buf, 0, sizeof(buf));
	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		for (len = 0; len <= MAX_LEN; len += 7) {
			/* 0 means "no words at all"; 0xffff (negative zero) must stay that. */
			cr_expect_eq(sc_net_cksum_raw(buf, len, 0), 0, "%s len %zu", impl_names[k],
				     len);
			cr_expect_eq(sc_net_cksum_raw(buf, len, 0xffff), 0xffff, "%s len %zu",
				     impl_names[k], len);
		}
	}
}

Test(cksum, long_buffers_past_chunks, .timeout = 120)
{
	/* Past AVX2_CHUNK (64 KiB) and its boundary; 0xff and random contents. */
	static const size_t lens[] = {
		65503, 65504, 65535, 65536, 65537, 65567, 65568, 65569, 65600,
		131072, 131105, 196611, (1u << 21) + 3,
	};
	size_t n = (1u << 21) + 16;
	uint8_t *ones = malloc(n), *r = malloc(n);
	size_t k, i;

	cr_assert_not_null(ones);
	cr_assert_not_null(r);
	memset(ones, 0xff, n);
	fill_random(r, n);
	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		for (i = 0; i < RTE_DIM(lens); i++) {
			check_one(ones + 1, lens[i], 0xffffffffu, k, "0xff long");
			check_one(r + 3, lens[i], (uint32_t)rnd(), k, "random long");
		}
	}
	free(ones);
	free(r);
}

Test(cksum, no_read_past_either_end)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, (size_t)pg * 3, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *page;
	size_t k, len;

	cr_assert_neq(map, MAP_FAILED);
	page = map + pg;
	cr_assert_eq(mprotect(map, (size_t)pg, PROT_NONE), 0);
	cr_assert_eq(mprotect(page + pg, (size_t)pg, PROT_NONE), 0);
	fill_random(page, (size_t)pg);
	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		for (len = 0; len <= 300; len++) {
			/* Ending at the guard page after, starting at the one before. */
			check_one(page + pg - len, len, 0x1234, k, "guard end");
			check_one(page, len, 0x1234, k, "guard start");
		}
	}
	munmap(map, (size_t)pg * 3);
}

Test(cksum, copy_matches_and_stays_in_bounds, .timeout = 120)
{
	static uint8_t src[MAX_LEN + ALIGNS], dst[MAX_LEN + ALIGNS + 64];
	size_t k, len, al;

	for (k = 0; k < RTE_DIM(impls); k++) {
		if (!use_impl(k))
			continue;
		for (len = 0; len <= MAX_LEN; len++) {
			for (al = 0; al < ALIGNS; al++) {
				size_t dal = (al * 3 + 1) % ALIGNS;
				uint32_t sum = (uint32_t)rnd() & 0xfffff;
				uint32_t got;
				size_t i;

				fill_random(src + al, len);
				memset(dst, 0xa5, sizeof(dst));
				got = sc_net_cksum_copy(dst + 32 + dal, src + al, len, sum);
				cr_assert_eq(got, ref_cksum_host(src + al, len, sum),
					     "%s copy len %zu", impl_names[k], len);
				cr_assert_eq(memcmp(dst + 32 + dal, src + al, len), 0,
					     "%s copy len %zu: bytes", impl_names[k], len);
				for (i = 0; i < 32 + dal; i++)
					cr_assert_eq(dst[i], 0xa5, "%s copy len %zu: wrote before",
						     impl_names[k], len);
				for (i = 32 + dal + len; i < sizeof(dst); i++)
					cr_assert_eq(dst[i], 0xa5, "%s copy len %zu: wrote after",
						     impl_names[k], len);
			}
		}
	}
}

Test(cksum, implementations_agree)
{
	static uint8_t buf[MAX_LEN + ALIGNS];
	uint32_t s[RTE_DIM(impls)];
	size_t k, len, al, n = 0;

	for (len = 0; len <= MAX_LEN; len += 3) {
		for (al = 0; al < ALIGNS; al++) {
			uint32_t sum = (uint32_t)rnd();

			fill_random(buf, sizeof(buf));
			for (k = 0, n = 0; k < RTE_DIM(impls); k++) {
				if (!use_impl(k))
					continue;
				s[n++] = sc_net_cksum_raw(buf + al, len, sum);
			}
			for (k = 1; k < n; k++)
				cr_assert_eq(s[k], s[0], "len %zu align %zu", len, al);
		}
	}
}
