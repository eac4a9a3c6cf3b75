/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksum helpers shared by sc_net.c, sc_net_frag.c and sc_net_cksum.c: folding
 * and the short fixed-size sums (pseudo headers, IPv4 header) that are cheaper
 * inline than through sc_net_cksum_raw().
 */
#ifndef NET_CKSUM_PRIV_H
#define NET_CKSUM_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Fold a 64-bit sum of host-order words to 16 bits with end-around carry
 * (2^16 == 1 mod 0xffff). 0 stays 0 and nothing else becomes 0, so the result
 * reduces like __rte_raw_cksum_reduce() of the same sum.
 */
static inline uint32_t
net_cksum_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);	/* < 2^33 */
	s = (s & 0xffffffffu) + (s >> 32);	/* < 2^32 */
	s = (s & 0xffffu) + (s >> 16);		/* < 2^17 */
	s = (s & 0xffffu) + (s >> 16);		/* <= 0xffff */
	return (uint32_t)s;
}

/*
 * sum plus the n bytes at p (n a multiple of 4: IPv4 headers, addresses) as
 * host-order 16-bit words, unfolded. Meant for short n known at the call.
 */
static inline uint64_t
net_cksum_add32(const void *p, size_t n, uint64_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		uint32_t w;

		memcpy(&w, b + i, 4);
		sum += w;
	}
	return sum;
}

#endif /* NET_CKSUM_PRIV_H */
