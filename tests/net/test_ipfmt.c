/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sc_net_ip_fmt against glibc's inet_ntop: every IPv6 zero-group layout (all 256),
 * IPv4-mapped and -compatible forms, random addresses, and short buffers.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sc_net.h"

static void
check(uint8_t ver, const union sc_net_ip *ip)
{
	char want[INET6_ADDRSTRLEN], got[SC_NET_IP_TEXT_MAX];
	size_t n;

	cr_assert_not_null(inet_ntop(ver == 6 ? AF_INET6 : AF_INET,
				     ver == 6 ? (const void *)ip->v6 : (const void *)&ip->v4,
				     want, sizeof(want)));
	n = sc_net_ip_fmt(ver, ip, got, sizeof(got));
	cr_assert_str_eq(got, want);
	cr_assert_eq(n, strlen(want));
	/* Exactly enough room (text + NUL), then one byte short: refused, buf "". */
	memset(got, 'x', sizeof(got));
	cr_assert_eq(sc_net_ip_fmt(ver, ip, got, n + 1), n);
	cr_assert_str_eq(got, want);
	memset(got, 'x', sizeof(got));
	cr_assert_eq(sc_net_ip_fmt(ver, ip, got, n), 0);
	cr_assert_eq(got[0], '\0');
	cr_assert_eq(got[n], 'x', "wrote past the capacity it was given");
}

Test(ipfmt, v4_edges_and_random)
{
	static const uint8_t edges[][4] = {
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 198, 18, 0, 2 }, { 10, 0, 0, 1 },
		{ 1, 22, 100, 9 }, { 99, 100, 199, 200 },
	};
	union sc_net_ip ip;
	unsigned i;

	for (i = 0; i < RTE_DIM(edges); i++) {
		memcpy(&ip.v4, edges[i], 4);
		check(4, &ip);
	}
	srand(4);
	for (i = 0; i < 100000; i++) {
		ip.v4 = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		check(4, &ip);
	}
}

Test(ipfmt, v6_every_zero_layout)
{
	union sc_net_ip ip;
	unsigned mask, g, round;

	srand(6);
	for (round = 0; round < 64; round++) {
		for (mask = 0; mask < 256; mask++) {
			for (g = 0; g < 8; g++) {
				/* Small and large group values: leading zeros must go. */
				unsigned v = (mask >> g & 1) ? 0 :
					     1 + (unsigned)rand() % (round & 1 ? 0xffff : 0xff);

				ip.v6[2 * g] = (uint8_t)(v >> 8);
				ip.v6[2 * g + 1] = (uint8_t)v;
			}
			check(6, &ip);
		}
	}
}

Test(ipfmt, v6_embedded_v4_and_specials)
{
	static const char *const texts[] = {
		"::", "::1", "::ffff:198.18.0.2", "::198.18.0.2", "::ffff:0:1", "::fffe:c612:2",
		"2001:2::2", "2001:db8::1:0:0:1", "2001:0:0:1::1", "1::", "fe80::1:2:3:4",
		"::1:0:0:0:0", "1:2:3:4:5:6:7:8", "0:1::", "::ffff:0.0.0.0", "64:ff9b::1.2.3.4",
	};
	union sc_net_ip ip;
	unsigned i;

	for (i = 0; i < RTE_DIM(texts); i++) {
		cr_assert_eq(inet_pton(AF_INET6, texts[i], ip.v6), 1, "%s", texts[i]);
		check(6, &ip);
	}
}

Test(ipfmt, other_versions_refused)
{
	union sc_net_ip ip;
	char buf[SC_NET_IP_TEXT_MAX] = "x";

	memset(&ip, 1, sizeof(ip));
	cr_assert_eq(sc_net_ip_fmt(5, &ip, buf, sizeof(buf)), 0);
	cr_assert_eq(buf[0], '\0');
	cr_assert_eq(sc_net_ip_fmt(4, &ip, buf, 0), 0);
}
