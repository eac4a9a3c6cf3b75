/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum: sc_net_cksum_raw (each implementation the CPU has) against
 * DPDK's rte_raw_cksum, same process, same buffer, for SIP-sized datagrams (64,
 * 350, 600, 1400 bytes), and the encap case: copy the payload into the mbuf and
 * checksum it, as memcpy + rte_raw_cksum (before), memcpy + sc_net_cksum_raw, and
 * sc_net_cksum_copy (one pass).
 *
 * Method: the buffer is warm in L1 and starts 34 bytes past a 64-byte boundary
 * (where a UDP datagram sits behind Ethernet and IPv4 headers). One sample is
 * rte_rdtsc() around BATCH calls, each call's input sum taken from the previous
 * result so the calls cannot be merged or hoisted; cycles per call is the sample
 * over BATCH. The candidates take turns sample by sample, so machine noise hits
 * them alike; each prints the median of RUNS samples. ratio_vs_rte_raw_cksum is
 * our cycles over DPDK's (below 1: faster). Last line: the 350-byte figures of
 * the implementation the library picked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include "sc_net.h"

#define RUNS_FULL	2001
#define RUNS_QUICK	101
#define BATCH		64
#define BUF_OFF		34	/* Ethernet 14 + IPv4 20: where a UDP header starts */

enum cand {
	C_RTE,
	C_SCALAR,
	C_AVX2,
	C_COPY_RTE,
	C_COPY_SC,
	C_COPY_ONE,
	C_N,
};

static const char *const cand_names[C_N] = {
	"rte_raw_cksum",
	"scalar",
	"avx2",
	"memcpy+rte_raw_cksum",
	"memcpy+sc_net_cksum_raw",
	"sc_net_cksum_copy",
};

static uint8_t src_area[2048 + 128] __rte_aligned(64);
static uint8_t dst_area[2048 + 128] __rte_aligned(64);

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return (double)v[n / 2] / BATCH;
}

/* One sample of BATCH calls of candidate c; the sum chains through the calls. */
static uint64_t
sample(enum cand c, size_t len, uint32_t *chain)
{
	const uint8_t *src = src_area + BUF_OFF;
	uint8_t *dst = dst_area + BUF_OFF;
	uint32_t s = *chain & 0xffff;
	uint64_t t0, t1;
	unsigned int i;

	switch (c) {
	case C_RTE:
		t0 = rte_rdtsc();
		for (i = 0; i < BATCH; i++)
			s = __rte_raw_cksum_reduce(__rte_raw_cksum(src, len, s));
		t1 = rte_rdtsc();
		break;
	case C_SCALAR:
	case C_AVX2:
		t0 = rte_rdtsc();
		for (i = 0; i < BATCH; i++)
			s = sc_net_cksum_raw(src, len, s);
		t1 = rte_rdtsc();
		break;
	case C_COPY_RTE:
		t0 = rte_rdtsc();
		for (i = 0; i < BATCH; i++) {
			memcpy(dst, src, len);
			s = __rte_raw_cksum_reduce(__rte_raw_cksum(dst, len, s));
		}
		t1 = rte_rdtsc();
		break;
	case C_COPY_SC:
		t0 = rte_rdtsc();
		for (i = 0; i < BATCH; i++) {
			memcpy(dst, src, len);
			s = sc_net_cksum_raw(dst, len, s);
		}
		t1 = rte_rdtsc();
		break;
	case C_COPY_ONE:
	default:
		t0 = rte_rdtsc();
		for (i = 0; i < BATCH; i++)
			s = sc_net_cksum_copy(dst, src, len, s);
		t1 = rte_rdtsc();
		break;
	}
	*chain = s;
	return t1 - t0;
}

/*
 * The source address as text, as every response that gets received= needs it (RFC
 * 3261 18.2.1): sc_net_ip_fmt into a buffer that fits any address (it writes the
 * digits there), into one that fits only this address (it writes them to a
 * scratch copy first, as every call did before), and glibc's inet_ntop. The next
 * address depends on the last text, so the calls do not overlap.
 */
enum fmt_cand { F_DIRECT, F_SCRATCH, F_NTOP, F_N };

static const char *const fmt_names[F_N] = { "sc_net_ip_fmt", "sc_net_ip_fmt_scratch",
					    "inet_ntop" };

static uint64_t
fmt_sample(enum fmt_cand c, const union sc_net_ip *ips, unsigned n_ips, uint32_t *chain)
{
	char text[SC_NET_IP_TEXT_MAX];
	uint32_t s = *chain;
	uint64_t t0, t1;
	unsigned int i;

	t0 = rte_rdtsc();
	for (i = 0; i < BATCH; i++) {
		const union sc_net_ip *ip = &ips[(i + s) % n_ips];
		size_t n;

		if (c == F_NTOP)
			n = inet_ntop(AF_INET, &ip->v4, text, sizeof(text)) != NULL ?
			    strlen(text) : 0;
		else
			n = sc_net_ip_fmt(4, ip, text,
					  c == F_DIRECT ? sizeof(text) : INET_ADDRSTRLEN);
		s += (unsigned char)text[n - 1];
	}
	t1 = rte_rdtsc();
	*chain = s;
	return t1 - t0;
}

static void
run_ip_fmt(unsigned int runs, uint64_t *v[F_N], uint32_t *chain)
{
	union sc_net_ip ips[8];
	double cyc[F_N];
	unsigned int r, k;

	/* Sources of the lab nets, one to three digits per octet. */
	for (k = 0; k < RTE_DIM(ips); k++)
		ips[k].v4 = rte_cpu_to_be_32(RTE_IPV4(198, 18 + (k & 1), k * 37 % 256,
						      2 + k * 29));
	for (r = 0; r < runs; r++)
		for (k = 0; k < F_N; k++)
			v[k][r] = fmt_sample((enum fmt_cand)k, ips, RTE_DIM(ips), chain);
	for (k = 0; k < F_N; k++)
		cyc[k] = median(v[k], runs);
	printf("ip_fmt v4 %s=%.1f %s=%.1f %s=%.1f ratio_vs_scratch=%.3f ratio_vs_inet_ntop=%.3f\n",
	       fmt_names[F_DIRECT], cyc[F_DIRECT], fmt_names[F_SCRATCH], cyc[F_SCRATCH],
	       fmt_names[F_NTOP], cyc[F_NTOP], cyc[F_DIRECT] / cyc[F_SCRATCH],
	       cyc[F_DIRECT] / cyc[F_NTOP]);
}

/* Implementation a candidate runs under; -1 when it does not depend on it. */
static int
cand_impl(enum cand c, enum sc_net_cksum_impl dflt)
{
	switch (c) {
	case C_SCALAR:
		return SC_NET_CKSUM_SCALAR;
	case C_AVX2:
		return SC_NET_CKSUM_AVX2;
	case C_COPY_SC:
	case C_COPY_ONE:
		return (int)dflt;
	default:
		return -1;
	}
}

int
main(void)
{
	static const size_t lens[] = { 64, 350, 600, 1400 };
	const char *q = getenv("SC_BENCH_QUICK");
	unsigned int runs = (q != NULL && strcmp(q, "1") == 0) ? RUNS_QUICK : RUNS_FULL;
	enum sc_net_cksum_impl dflt = sc_net_cksum_get_impl();
	bool have_avx2 = sc_net_cksum_set_impl(SC_NET_CKSUM_AVX2) == 0;
	uint64_t *v[C_N];
	double cyc[C_N];
	double c350 = 0, r350 = 0;
	uint32_t chain = 1;
	size_t li, i;
	unsigned int r;
	int k;

	sc_net_cksum_set_impl(dflt);
	for (i = 0; i < sizeof(src_area); i++)
		src_area[i] = (uint8_t)(i * 131 + 7);
	for (k = 0; k < C_N; k++) {
		v[k] = calloc(runs, sizeof(uint64_t));
		if (v[k] == NULL)
			return 1;
	}
	printf("# bench_cksum: %u samples of %d calls per figure, buffer at 64n+%d, "
	       "library default %s\n", runs, BATCH, BUF_OFF,
	       dflt == SC_NET_CKSUM_AVX2 ? "avx2" : "scalar");
	for (li = 0; li < RTE_DIM(lens); li++) {
		size_t len = lens[li];
		enum sc_net_cksum_impl best = dflt;

		for (r = 0; r < runs; r++) {
			for (k = 0; k < C_N; k++) {
				int impl = cand_impl((enum cand)k, dflt);

				if (k == C_AVX2 && !have_avx2)
					continue;
				if (impl >= 0)
					sc_net_cksum_set_impl((enum sc_net_cksum_impl)impl);
				v[k][r] = sample((enum cand)k, len, &chain);
			}
		}
		sc_net_cksum_set_impl(dflt);
		for (k = 0; k < C_N; k++)
			cyc[k] = (k == C_AVX2 && !have_avx2) ? 0 : median(v[k], runs);
		for (k = C_SCALAR; k <= C_AVX2; k++) {
			if (k == C_AVX2 && !have_avx2)
				continue;
			printf("cksum len=%zu impl=%s cycles=%.1f rte_raw_cksum_cycles=%.1f "
			       "ratio_vs_rte_raw_cksum=%.3f bytes_per_cycle=%.1f\n", len,
			       cand_names[k], cyc[k], cyc[C_RTE], cyc[k] / cyc[C_RTE],
			       (double)len / cyc[k]);
		}
		printf("copy+cksum len=%zu %s=%.1f %s=%.1f %s=%.1f ratio_copy_vs_memcpy_rte=%.3f\n",
		       len, cand_names[C_COPY_RTE], cyc[C_COPY_RTE], cand_names[C_COPY_SC],
		       cyc[C_COPY_SC], cand_names[C_COPY_ONE], cyc[C_COPY_ONE],
		       cyc[C_COPY_ONE] / cyc[C_COPY_RTE]);
		if (len == 350) {
			k = best == SC_NET_CKSUM_AVX2 ? C_AVX2 : C_SCALAR;
			c350 = cyc[k];
			r350 = cyc[k] / cyc[C_RTE];
		}
	}
	run_ip_fmt(runs, v, &chain);
	printf("cksum_350_cycles %.1f ratio %.3f\n", c350, r350);
	if (chain == 0x12345678)	/* keeps the chained sums observable */
		printf("#\n");
	for (k = 0; k < C_N; k++)
		free(v[k]);
	return 0;
}
