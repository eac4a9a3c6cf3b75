/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/net reassembly (sc_net_reassemble over rte_ip_frag):
 * any sequence of IPv4 or IPv6 fragments, in any order, overlapping, duplicated,
 * truncated or from several flows, must never crash, read outside a segment or
 * keep an mbuf: after each input every mbuf is back in the pool once the table is
 * expired. A datagram that does come out whole must be the one that was cut.
 *
 * Byte 0 chooses the mode:
 *   bit 0: IPv6 (fragment header, RFC 8200 section 4.5), else IPv4 (RFC 791)
 *   bit 1: split mode. The rest is [n_frags-1 (1 byte), order seed (1 byte),
 *          8-byte units per fragment (1 byte, modulo 185), UDP payload...]: the harness builds
 *          one valid UDP datagram to 198.18.0.2:5060, cuts it, sends the pieces in
 *          a seeded order (a duplicate of one when bit 2 is set) and checks what
 *          comes out against the payload.
 *   else raw mode. The rest is records [flags, offset hi, offset lo, len hi, len lo,
 *          len bytes of fragment data] (see send_raw()), each sent at once.
 * Time is virtual: the reassembly timeout is TIMEOUT cycles and records move it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "sc_net.h"
#include "sc_sip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define POOL_SIZE 1023		/* more than the table and one input can hold */
#define MAX_FLOWS 8		/* small, so a full table is reached */
#define TIMEOUT 1000000ULL	/* virtual TSC cycles */
#define MAX_RECORDS 64
#define MAX_FRAG_DATA 1480	/* fits a standard frame with either header */
#define MAX_SPLIT 32

#define OPT_V6 0x01
#define OPT_SPLIT 0x02
#define OPT_DUP 0x04

static struct rte_mempool *pool;
static struct sc_net_frag *frag;
static struct sc_net_cfg cfg;
static uint64_t now;

static const struct rte_ether_addr sut_mac = { { 2, 0, 0, 0, 0, 2 } };
static const struct rte_ether_addr peer_mac = { { 2, 0, 0, 0, 0, 1 } };
static const uint8_t sut4[4] = { 198, 18, 0, 2 };
static const uint8_t sut6[16] = { 0x20, 0x01, 0, 0x02, [15] = 0x02 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {
		"fuzz_net_reassemble", "--no-huge", "--no-pci", "-m", "64", "--no-shconf",
		"--no-telemetry", "--log-level=*:error", NULL,
	};

	(void)argc;
	(void)argv;
	CHECK(rte_eal_init((int)RTE_DIM(eal) - 1, eal) >= 0);
	pool = rte_pktmbuf_pool_create("fuzz_reasm", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(pool != NULL);
	frag = sc_net_frag_create(MAX_FLOWS, TIMEOUT, SOCKET_ID_ANY);
	CHECK(frag != NULL);
	memcpy(&cfg.ipv4[0].v4, sut4, 4);
	cfg.ipv4_count = 1;
	memcpy(cfg.ipv6[0].v6, sut6, 16);
	cfg.ipv6_count = 1;
	cfg.sip_ports[0] = SC_NET_SIP_DEFAULT_PORT;
	cfg.sip_port_count = 1;
	cfg.mac[0] = sut_mac;
	return 0;
}

/* One fragment as a frame: Ethernet, IP (and the IPv6 Fragment header), data. */
struct frag_spec {
	bool v6;
	bool more;		/* MF / M flag */
	bool bad_ip_cksum;
	uint8_t src;		/* last byte of the source address */
	uint32_t id;
	uint16_t off8;		/* offset in 8-octet units (13 bits) */
	const uint8_t *data;
	uint16_t len;
};

static struct rte_mbuf *
frame(const struct frag_spec *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	uint8_t *p;
	uint16_t l3;

	CHECK(m != NULL);	/* the pool is sized so a leak-free run never runs out */
	l3 = s->v6 ? sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_ipv6_fragment_ext) :
		     sizeof(struct rte_ipv4_hdr);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) + l3 + s->len));
	CHECK(p != NULL);
	eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = sut_mac;
	eh->src_addr = peer_mac;
	eh->ether_type = rte_cpu_to_be_16(s->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	p += sizeof(*eh);
	if (s->v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
		struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip + 1);

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*fh) + s->len));
		ip->proto = IPPROTO_FRAGMENT;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, sut6, 16);
		ip->src_addr[15] = s->src;
		memcpy(ip->dst_addr, sut6, 16);
		fh->next_header = IPPROTO_UDP;
		fh->reserved = 0;
		fh->frag_data = rte_cpu_to_be_16((uint16_t)(s->off8 << 3 | (s->more ? 1 : 0)));
		fh->id = rte_cpu_to_be_32(s->id);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + s->len));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)s->id);
		ip->fragment_offset = rte_cpu_to_be_16((uint16_t)((s->more ? RTE_IPV4_HDR_MF_FLAG :
								   0) | (s->off8 & 0x1fff)));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, sut4, 3);
		((uint8_t *)&ip->src_addr)[3] = s->src;
		memcpy(&ip->dst_addr, sut4, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (s->bad_ip_cksum)
			ip->hdr_checksum ^= 0x0100;
	}
	memcpy(p + l3, s->data, s->len);
	return m;
}

/*
 * Classify and, for a fragment, reassemble. Returns the reassembled UDP payload's
 * length and copies it to out (when out is not NULL and it fits), or -1.
 */
static int
deliver(struct rte_mbuf *m, uint8_t *out, size_t cap)
{
	struct sc_net_pkt pkt;
	struct rte_mbuf *r;
	const char *pl;
	int got = -1;

	if (sc_net_classify(m, &cfg, &pkt) != SC_NET_FRAGMENT) {
		/* A bad header (or a fragment to nobody) never reaches the table. */
		rte_pktmbuf_free(m);
		return -1;
	}
	r = sc_net_reassemble(frag, m, &cfg, &pkt, now);
	if (r == NULL)
		return -1;
	CHECK(pkt.cls == SC_NET_SIP || pkt.cls == SC_NET_DROP);
	if (pkt.cls == SC_NET_SIP) {
		CHECK((uint32_t)pkt.l2_len + pkt.l3_len + sizeof(struct rte_udp_hdr) +
		      pkt.payload_len <= rte_pktmbuf_pkt_len(r));
		pl = sc_net_flat_payload(frag, r, &pkt);
		if (pl != NULL) {
			struct sc_sip_msg msg;

			(void)sc_sip_parse(pl, pkt.payload_len, &msg);
			if (out != NULL && pkt.payload_len <= cap) {
				memcpy(out, pl, pkt.payload_len);
				got = (int)pkt.payload_len;
			}
		}
	}
	rte_pktmbuf_free(r);
	return got;
}

/*
 * Raw mode record: flags (bit 0 MF, bits 1-2 one of four Identifications, bit 3 a
 * second source, bit 4 a bad IPv4 header checksum, bits 5-7 the time step in
 * eighths of the timeout), offset (13 bits), data length (capped), data.
 */
static void
send_raw(bool v6, const uint8_t *d, size_t n)
{
	static const uint32_t ids[4] = { 0x1234, 0xbeef, 0, 0xffffffff };
	unsigned rec;

	for (rec = 0; rec < MAX_RECORDS && n >= 5; rec++) {
		struct frag_spec s = { .v6 = v6 };
		size_t len = (size_t)(d[3] << 8 | d[4]) % (MAX_FRAG_DATA + 1);

		s.more = d[0] & 1;
		s.id = ids[(d[0] >> 1) & 3];
		s.src = (d[0] & 0x08) ? 3 : 1;
		s.bad_ip_cksum = !v6 && (d[0] & 0x10);
		s.off8 = (uint16_t)((d[1] << 8 | d[2]) & 0x1fff);
		now += (uint64_t)(d[0] >> 5) * (TIMEOUT / 8);
		d += 5;
		n -= 5;
		if (len > n)
			len = n;
		s.data = d;
		s.len = (uint16_t)len;
		d += len;
		n -= len;
		(void)deliver(frame(&s), NULL, 0);
		if ((rec & 7) == 7)
			(void)sc_net_frag_expire(frag, now);
	}
}

/*
 * Split mode: one UDP datagram carrying payload, cut into pieces of unit*8 octets
 * (the last one shorter), sent in a seeded order. Whatever comes out must be it.
 */
static void
send_split(bool v6, bool dup, const uint8_t *d, size_t n)
{
	static uint8_t dgram[MAX_SPLIT * MAX_FRAG_DATA];
	static uint8_t out[sizeof(dgram)];
	unsigned order[MAX_SPLIT + 1], k, i, pieces, seed, unit;
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)dgram;
	size_t len, plen;
	int got = -1;

	if (n < 3)
		return;
	pieces = 2 + d[0] % (MAX_SPLIT - 1);
	seed = d[1];
	unit = 1 + d[2] % (MAX_FRAG_DATA / 8);
	d += 3;
	n -= 3;
	plen = RTE_MIN(n, (size_t)pieces * unit * 8 - sizeof(*uh));
	len = sizeof(*uh) + plen;
	/* Fewer pieces when the datagram is short: each but the last is full. */
	pieces = (unsigned)((len + unit * 8 - 1) / (unit * 8));
	if (pieces < 2)
		return;		/* offset 0 without MF is no fragment */
	uh->src_port = rte_cpu_to_be_16(5060);
	uh->dst_port = rte_cpu_to_be_16(5060);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)len);
	uh->dgram_cksum = 0;
	memcpy(dgram + sizeof(*uh), d, plen);
	if (v6) {
		/* RFC 8200 section 8.1: a UDP checksum is mandatory over IPv6. */
		uint8_t ph[40] = { 0 };
		uint32_t sum;

		memcpy(ph, sut6, 16);
		ph[15] = 1;
		memcpy(ph + 16, sut6, 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = IPPROTO_UDP;
		sum = rte_raw_cksum(ph, sizeof(ph)) + rte_raw_cksum(dgram, len);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		uh->dgram_cksum = (uint16_t)~sum;
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = 0xffff;
	}
	for (i = 0; i < pieces; i++)
		order[i] = i;
	for (i = pieces; i > 1; i--) {	/* Fisher-Yates with a small LCG */
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % i;
		RTE_SWAP(order[i - 1], order[k]);
	}
	k = pieces;
	if (dup)
		order[k++] = order[seed % pieces];
	for (i = 0; i < k; i++) {
		struct frag_spec s = { .v6 = v6, .src = 1, .id = 0x5ca1 };
		size_t at = (size_t)order[i] * unit * 8;
		int r;

		s.off8 = (uint16_t)(at / 8);
		s.more = order[i] + 1 < pieces;
		s.data = dgram + at;
		s.len = (uint16_t)RTE_MIN((size_t)unit * 8, len - at);
		r = deliver(frame(&s), out, sizeof(out));
		if (r >= 0) {
			CHECK(got < 0);	/* one datagram in, at most one out */
			got = r;
		}
	}
	if (got >= 0) {
		CHECK((size_t)got == plen);
		CHECK(memcmp(out, dgram + sizeof(*uh), plen) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool v6;

	if (size < 1)
		return 0;
	v6 = data[0] & OPT_V6;
	if (data[0] & OPT_SPLIT)
		send_split(v6, data[0] & OPT_DUP, data + 1, size - 1);
	else
		send_raw(v6, data + 1, size - 1);
	/* Everything still held times out: every mbuf must be back in the pool. */
	now += TIMEOUT + 1;
	while (sc_net_frag_expire(frag, now) != 0)
		;
	CHECK(rte_mempool_in_use_count(pool) == 0);
	return 0;
}
