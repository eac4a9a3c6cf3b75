/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SC_COPY_H
#define SC_COPY_H

#include <stddef.h>
#include <string.h>

/*
 * memcpy of n octets for the data path's short copies (header values, tags, stored
 * blocks, reply paths): two overlapping fixed-size copies for up to 32 octets, 32 at
 * a time beyond. It reads and writes only [0, n) of each buffer, and inlines: libc's
 * memcpy, called with its size dispatch for pieces mostly 5-60 octets long, held
 * 2-5% of the pipeline worker's samples (bench_parse: "copy"). dst and src must
 * not overlap.
 */
#if defined(__GNUC__) && !defined(__clang__)
/*
 * gcc 12 checks the > 32 path against a caller's short array (sc_proxy.c's
 * Max-Forwards line) whose length it cannot bound, and calls it out of bounds;
 * with -fprofile-use it says the same of the stores (-Wstringop-overflow).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
static inline void
sc_copy_short(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;

	/* A literal's length is a constant: the compiler's own inline copy is exact. */
	if (__builtin_constant_p(n)) {
		memcpy(d, s, n);
		return;
	}
	if (n > 32) {
		char *de = d + n;
		const char *se = s + n;

		for (; n > 32; n -= 32, d += 32, s += 32) {
			memcpy(d, s, 16);
			memcpy(d + 16, s + 16, 16);
		}
		/* The last 32, overlapping what the loop copied. */
		memcpy(de - 32, se - 32, 16);
		memcpy(de - 16, se - 16, 16);
	} else if (n >= 16) {
		/* The first 16 and the last 16, overlapping in the middle. */
		memcpy(d + n - 16, s + n - 16, 16);
		memcpy(d, s, 16);
	} else if (n >= 8) {
		memcpy(d + n - 8, s + n - 8, 8);
		memcpy(d, s, 8);
	} else if (n >= 4) {
		memcpy(d + n - 4, s + n - 4, 4);
		memcpy(d, s, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n - 1] = s[n - 1];
		d[n / 2] = s[n / 2];
	}
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif /* SC_COPY_H */
