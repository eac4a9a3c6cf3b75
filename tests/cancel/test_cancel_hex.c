/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hex digits of tags and proxy branches (lib/cancel/sc_px_branch.h): the
 * register-built sc_cancel_put_hex16() must write exactly what the digit loop
 * sc_cancel_put_hex(.., 16) writes, since the proxy's branch (16.11) is computed
 * again by the app tests' Python copy. Pure code, no EAL.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cancel_priv.h"
#include "sc_px_branch.h"

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

/*
 * sc_whash() (lib/cancel/sc_px_branch.h) pinned to the values whash() in
 * tests/app/proxy_case.py computes: the proxy's branch must come out the same in
 * lib/cancel, sipcancel-gen and the app tests. Lengths 0, 3, 8 and 9 cover the
 * empty tail, a short tail, a whole word with an empty tail, and a word plus one
 * byte.
 */
Test(hex, whash_matches_the_python_reference)
{
	static const struct {
		const char *s;
		uint64_t h;
	} v[] = {
		{ "", 0xf8bb92c91b3f5cc0ULL },
		{ "abc", 0x202d77302eb23da4ULL },
		{ "12345678", 0xac01820b41373be4ULL },
		{ "123456789", 0x401f0356ca57d9c4ULL },
		{ "z9hG4bK776asdhds", 0x2a95b5b61b2e88baULL },
	};
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t h = sc_whash(FNV_BASIS, v[i].s, strlen(v[i].s));

		cr_assert_eq(h, v[i].h, "\"%s\": %#llx, want %#llx", v[i].s,
			     (unsigned long long)h, (unsigned long long)v[i].h);
	}
	/* The count byte keeps ("12345678", "9") apart from ("123456789", ""). */
	cr_assert_neq(sc_whash(sc_whash(FNV_BASIS, "12345678", 8), "9", 1),
		      sc_whash(sc_whash(FNV_BASIS, "123456789", 9), "", 0));
}

/* The whole branch, as proxy_case.py's px_branch() writes it for the same Via. */
Test(hex, px_branch_cookie_matches_the_python_reference)
{
	static const char branch[] = "z9hG4bK776asdhds", host[] = "198.18.0.10";
	char out[SC_PX_BRANCH_LEN + 2];

	memset(out, 'x', sizeof(out));
	sc_px_branch_text(sc_px_branch_cookie(0, branch, strlen(branch), host, strlen(host),
					      5060), out);
	cr_assert_str_eq(out, "z9hG4bKsc99c59e927677cf8e");
	cr_assert_eq(out[SC_PX_BRANCH_LEN + 1], 'x', "nothing written past the NUL");
}
