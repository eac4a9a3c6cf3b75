/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy role's branch hash (RFC 3261 section 16.11's recommended procedure),
 * header-only and free of DPDK so sipcancel-gen can predict the branch the proxy
 * puts on a forwarded request. tests/app/proxy_case.py is an independent Python
 * copy, pinned to this one by tests/cancel/test_cancel_hex.c.
 */
#ifndef SC_PX_BRANCH_H
#define SC_PX_BRANCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SC_WHASH_MUL		0x9e3779b97f4a7c15ULL
/* Start of every branch hash: FNV-1a's basis, the seed and a role constant. */
#define SC_PX_BRANCH_BASIS	(0xcbf29ce484222325ULL ^ 0x5ca11ab1eULL)

/*
 * p[0..n) folded into h eight bytes (little-endian) at a time; the last word holds
 * the 0-7 bytes left and, in its top byte, their count, so fields never run
 * together. A multiply per word where a byte-wise FNV takes one per byte: ~40
 * cycles for a branch and sent-by where FNV took ~120.
 */
static inline uint64_t
sc_whash(uint64_t h, const char *p, size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * SC_WHASH_MUL;
		h ^= h >> 32;
	}
	w = (uint64_t)n << 56;
	while (n > 0) {
		n--;
		w |= (uint64_t)(uint8_t)p[n] << (8 * n);
	}
	h = (h ^ w) * SC_WHASH_MUL;
	return h ^ (h >> 32);
}

/* A number folded into h (port, CSeq). */
static inline uint64_t
sc_whash_u32(uint64_t h, uint32_t v)
{
	return (h ^ v) * SC_WHASH_MUL;
}

/* The last mix, so every bit of the 16 hex digits depends on every input bit. */
static inline uint64_t
sc_px_branch_final(uint64_t h)
{
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

/*
 * Hash of a received request whose top Via branch has the magic cookie: its
 * branch and sent-by, which identify the upstream transaction (17.2.3).
 */
static inline uint64_t
sc_px_branch_cookie(uint64_t seed, const char *branch, size_t branch_len, const char *host,
		    size_t host_len, uint16_t port)
{
	uint64_t h = SC_PX_BRANCH_BASIS ^ seed;

	h = sc_whash(h, branch, branch_len);
	h = sc_whash(h, host, host_len);
	return sc_px_branch_final(sc_whash_u32(h, port));
}

#endif /* SC_PX_BRANCH_H */
