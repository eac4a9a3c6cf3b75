/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' reference Internet checksum (RFC 1071), written the slow, obvious
 * way and independent of lib/net and DPDK, so a test never checks the code under
 * test against itself. Big-endian 16-bit words; fold() leaves the one's
 * complement sum, 0xffff over data that carries a right checksum.
 */
#ifndef TEST_REF_CKSUM_H
#define TEST_REF_CKSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static inline uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif /* TEST_REF_CKSUM_H */
