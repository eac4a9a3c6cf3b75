/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy role's branch: its hash (RFC 3261 section 16.11's recommended
 * procedure) and its text, with the hex digit writers the UAS's To tags use too.
 * Header-only and free of DPDK so sipcancel-gen writes the very branch the proxy
 * puts on a forwarded request. tests/app/proxy_case.py is an independent Python
 * copy, pinned to this one by tests/cancel/test_cancel_hex.c.
 */
#ifndef SC_PX_BRANCH_H
#define SC_PX_BRANCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Our branches: the magic cookie (8.1.1.7), "sc", 16 hex digits of the hash. */
#define SC_PX_BRANCH_PREFIX	"z9hG4bKsc"
#define SC_PX_BRANCH_PREFIX_LEN	9
#define SC_PX_BRANCH_LEN	(SC_PX_BRANCH_PREFIX_LEN + 16)

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

/* n lower-case hex digits of h into out, lowest nibble first (tags, branches). */
static inline void
sc_cancel_put_hex(char *out, uint64_t h, unsigned n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[i] = hex[h & 0xf];
		h >>= 4;
	}
}

/* The 8 nibbles of v (low first) as 8 lower-case hex digits, one per byte. */
static inline uint64_t
sc_cancel_hex8(uint32_t v)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t x = v;

	/* Nibble i to byte i (little-endian: out[i]). */
	x = (x | x << 16) & 0x0000ffff0000ffffULL;
	x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
	/* '0' + d, plus 'a' - '0' - 10 where d > 9 (bit 4 of d + 6). */
	return x + '0' * ones + (((x + 6 * ones) >> 4) & ones) * ('a' - '0' - 10);
}

/*
 * sc_cancel_put_hex(out, h, 16) without the loop: two 8-byte stores of digits built
 * in registers (little-endian, as DPDK's x86 targets).
 */
static inline void
sc_cancel_put_hex16(char *out, uint64_t h)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t lo = sc_cancel_hex8((uint32_t)h), hi = sc_cancel_hex8((uint32_t)(h >> 32));

	memcpy(out, &lo, 8);
	memcpy(out + 8, &hi, 8);
#else
	sc_cancel_put_hex(out, h, 16);
#endif
}

/* The branch text for hash h: the prefix, 16 hex digits, a NUL. */
static inline void
sc_px_branch_text(uint64_t h, char out[SC_PX_BRANCH_LEN + 1])
{
	memcpy(out, SC_PX_BRANCH_PREFIX, SC_PX_BRANCH_PREFIX_LEN);
	sc_cancel_put_hex16(out + SC_PX_BRANCH_PREFIX_LEN, h);
	out[SC_PX_BRANCH_LEN] = '\0';
}

#endif /* SC_PX_BRANCH_H */
