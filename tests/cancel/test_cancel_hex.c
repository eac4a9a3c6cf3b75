/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hex digits of tags and proxy branches (lib/cancel/cancel_priv.h): the
 * register-built sc_cancel_put_hex16() must write exactly what the digit loop
 * sc_cancel_put_hex(.., 16) writes, since the proxy's branch (16.11) is computed
 * again by sipcancel-gen and the app tests. Pure code, no EAL.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cancel_priv.h"

static void
check(uint64_t h)
{
	char a[17], b[17];

	memset(a, 'x', sizeof(a));
	memset(b, 'y', sizeof(b));
	sc_cancel_put_hex(a, h, 16);
	sc_cancel_put_hex16(b, h);
	cr_assert_eq(memcmp(a, b, 16), 0, "%#llx: %.16s vs %.16s", (unsigned long long)h, a, b);
	cr_assert_eq(b[16], 'y', "nothing written past 16 digits");
}

Test(hex, put_hex16_equals_the_digit_loop)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned i, d;

	check(0);
	check(UINT64_MAX);
	check(0x0123456789abcdefULL);
	check(0xfedcba9876543210ULL);
	/* Every digit value in every position. */
	for (i = 0; i < 16; i++)
		for (d = 0; d < 16; d++)
			check((uint64_t)d << (4 * i));
	for (i = 0; i < 100000; i++) {
		/* splitmix64 */
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		check(z ^ (z >> 31));
	}
}
