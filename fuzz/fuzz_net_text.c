/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential libFuzzer harness for lib/net's small pure helpers:
 *  - sc_net_ip_fmt() against glibc's inet_ntop() (it promises the same text),
 *    for the first 4 and 16 input bytes, and its cap handling;
 *  - sc_net_cksum_raw() with every implementation the CPU has against a plain
 *    RFC 1071 sum, over the input after a 4-byte initial sum, at any alignment;
 *  - sc_net_cksum_copy(): the same value, and dst is exactly src.
 * Buffers are heap blocks of exactly their size so AddressSanitizer sees any
 * access past them (the AVX2 sum reads 32 bytes at a time).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* RFC 1071 section 4.1, with the word order and odd-byte rule of sc_net.h. */
static uint32_t
ref_cksum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t acc = sum;
	uint16_t w;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, p + i, 2);
		acc += w;
	}
	if (len & 1) {
		uint8_t last[2] = { p[len - 1], 0 };

		memcpy(&w, last, 2);
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static void
check_fmt(uint8_t version, const uint8_t *addr)
{
	char want[INET6_ADDRSTRLEN], got[SC_NET_IP_TEXT_MAX];
	union sc_net_ip ip;
	size_t n, wlen;

	memset(&ip, 0, sizeof(ip));
	memcpy(&ip, addr, version == 4 ? 4 : 16);
	CHECK(inet_ntop(version == 4 ? AF_INET : AF_INET6, addr, want, sizeof(want)) != NULL);
	wlen = strlen(want);
	n = sc_net_ip_fmt(version, &ip, got, sizeof(got));
	if (n != wlen || strcmp(got, want) != 0) {
		fprintf(stderr, "ip_fmt v%u: got '%s' (%zu), inet_ntop '%s'\n", version, got, n,
			want);
		__builtin_trap();
	}
	/* One byte short of the NUL: nothing but an empty string. */
	memset(got, 'x', sizeof(got));
	CHECK(sc_net_ip_fmt(version, &ip, got, wlen) == 0 && got[0] == '\0');
	CHECK(sc_net_ip_fmt(version, &ip, got, wlen + 1) == wlen && got[wlen] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sc_net_cksum_impl impls[] = {
		SC_NET_CKSUM_SCALAR,
		SC_NET_CKSUM_AVX2,
	};
	enum sc_net_cksum_impl saved = sc_net_cksum_get_impl();
	uint8_t *src, *dst, *blk;
	uint32_t sum, want;
	size_t len, i, off;

	if (size >= 4)
		check_fmt(4, data);
	if (size >= 16)
		check_fmt(6, data);
	if (size < 4)
		return 0;
	memcpy(&sum, data, 4);
	len = size - 4;
	/*
	 * Copies ending exactly at their block's end, starting at a misalignment the
	 * input picks (the low bits of the sum); libFuzzer's own buffer is exact too.
	 */
	off = sum & 31;
	blk = malloc(off + len + 1);
	dst = malloc(len + 1);
	CHECK(blk != NULL && dst != NULL);
	src = blk + off + (len == 0);
	memcpy(src, data + 4, len);
	want = ref_cksum(src, len, sum);
	for (i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
		uint32_t got;

		if (sc_net_cksum_set_impl(impls[i]) != 0)
			continue;
		got = sc_net_cksum_raw(data + 4, len, sum);
		if (got != want) {
			fprintf(stderr, "cksum_raw impl %d len %zu sum %#x: got %#x want %#x\n",
				impls[i], len, sum, got, want);
			__builtin_trap();
		}
		CHECK(sc_net_cksum_raw(src, len, sum) == want);
		memset(dst, 0xa5, len);
		got = sc_net_cksum_copy(dst, src, len, sum);
		if (got != want || memcmp(dst, src, len) != 0) {
			fprintf(stderr, "cksum_copy impl %d len %zu sum %#x: got %#x want %#x\n",
				impls[i], len, sum, got, want);
			__builtin_trap();
		}
	}
	CHECK(sc_net_cksum_set_impl(saved) == 0);
	free(blk);
	free(dst);
	return 0;
}
