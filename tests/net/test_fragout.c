/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sc_net_encap_frag: UDP datagrams above the path MTU sent as IP fragments.
 * Every frame is read back byte by byte and checked against the RFCs (IPv4: DF
 * clear, one Identification, offsets in 8-octet units, MF on all but the last,
 * header checksum; IPv6: Fragment header of RFC 8200 4.5 with the 32-bit
 * Identification; every frame within the MTU), reassembled by a reference in this
 * file and compared with the payload and an independent RFC 1071 UDP checksum,
 * and reassembled again by rte_ip_frag through lib/net. Pool exhaustion at every
 * allocation must leave nothing allocated. Needs EAL (--no-huge) for mbufs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sc_net.h"
#include "test_eal.h"
#include "../common/ref_cksum.h"

#define POOL_N 511
#define MAX_DGRAM 70000
#define PEER_PORT 5070
#define OUR_PORT 5060

static struct rte_mempool *direct;
static struct rte_mempool *indirect;
static struct sc_net_cfg cfg;
static uint8_t payload[MAX_DGRAM];

static const uint8_t MAC_US[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC_PEER[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static void
setup(void)
{
	char prefix[64];
	char *argv[] = {
		"test_fragout", "--no-huge", "--no-pci", "-m", "256", "--file-prefix", prefix,
		"--log-level=lib.eal:error", "--no-telemetry",
	};
	size_t i;

	snprintf(prefix, sizeof(prefix), "sc_test_fragout_%d", (int)getpid());
	cr_assert_geq(rte_eal_init((int)RTE_DIM(argv), argv), 0, "EAL init");
	/* No per-lcore cache: rte_mempool_in_use_count() is then exact. */
	direct = rte_pktmbuf_pool_create("fo_direct", POOL_N, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	indirect = rte_pktmbuf_pool_create("fo_indirect", POOL_N, 0, 0, 0, SOCKET_ID_ANY);
	cr_assert_not_null(direct);
	cr_assert_not_null(indirect);
	/* Not a period of 2 or 8: a misplaced or swapped chunk shows. */
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + i / 251);

	memset(&cfg, 0, sizeof(cfg));
	inet_pton(AF_INET, "198.18.0.2", &cfg.ipv4[0].v4);
	cfg.ipv4_count = 1;
	inet_pton(AF_INET6, "2001:2::2", cfg.ipv6[0].v6);
	cfg.ipv6_count = 1;
	cfg.sip_ports[0] = OUR_PORT;
	cfg.sip_port_count = 1;
	memcpy(cfg.mac[0].addr_bytes, MAC_US, 6);
}

static void
teardown(void)
{
	rte_mempool_free(direct);
	rte_mempool_free(indirect);
	test_eal_cleanup();
}

TestSuite(fragout, .init = setup, .fini = teardown, .timeout = 120);

/* ---- byte helpers (the reference checksum: tests/common/ref_cksum.h) ------- */

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- paths --------------------------------------------------------------- */

/* From the peer to us, so lib/net's own decap and reassembly accept the frames. */
static struct sc_net_path
make_path(int v, int vlan, uint16_t mtu)
{
	struct sc_net_path path;
	struct rte_ether_addr peer;
	union sc_net_ip src, dst;

	memcpy(peer.addr_bytes, MAC_PEER, 6);
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if (v == 4) {
		inet_pton(AF_INET, "198.18.0.1", &src.v4);
		inet_pton(AF_INET, "198.18.0.2", &dst.v4);
	} else {
		inet_pton(AF_INET6, "2001:2::1", src.v6);
		inet_pton(AF_INET6, "2001:2::2", dst.v6);
	}
	cr_assert_eq(sc_net_path_init(&path, 0, &peer, &cfg.mac[0], vlan, (uint8_t)v, &src,
				      PEER_PORT, &dst, OUR_PORT, mtu), 0);
	return path;
}

/* ---- reference reassembly ----------------------------------------------------- */

struct reasm {
	uint8_t dgram[MAX_DGRAM];	/* UDP header + payload */
	uint8_t seen[MAX_DGRAM];
	uint32_t total;			/* UDP length, from the last fragment */
	uint32_t max_ip_len;		/* largest IP datagram of one frame */
	unsigned frames;
};

/*
 * Check frame k of n (flat copy f, flen bytes) and put its data in r. Returns
 * false when a field is wrong (already reported).
 */
static bool
take_frame(struct reasm *r, const struct sc_net_path *path, const uint8_t *f, uint32_t flen,
	   unsigned k, unsigned n, uint32_t ip_id, bool sw_ip_cksum)
{
	uint32_t l2 = path->has_vlan ? 18 : 14, iplen, off, dlen, mtu;
	const uint8_t *ip = f + l2, *data;
	uint16_t et;
	bool more, frag = n > 1;

	mtu = path->mtu != 0 ? path->mtu : SC_NET_DEFAULT_MTU;
	cr_expect_eq(memcmp(f, MAC_US, 6), 0, "frame %u: destination MAC", k);
	cr_expect_eq(memcmp(f + 6, MAC_PEER, 6), 0, "frame %u: source MAC", k);
	et = get16(f + 12);
	if (path->has_vlan) {
		cr_expect_eq(et, 0x8100, "frame %u: 802.1Q", k);
		cr_expect_eq(get16(f + 14) & 0xfff, path->vlan_tci, "frame %u: VLAN", k);
		et = get16(f + 16);
	}
	cr_expect_eq(et, path->ip_version == 4 ? 0x0800 : 0x86dd, "frame %u: ethertype", k);
	if (path->ip_version == 4) {
		uint16_t ff;

		cr_assert_eq(ip[0], 0x45, "frame %u: version/IHL", k);
		iplen = get16(ip + 2);
		cr_assert_eq(l2 + iplen, flen, "frame %u: total length %u, frame %u", k, iplen,
			     flen);
		ff = get16(ip + 6);
		if (frag) {
			cr_expect_eq(get16(ip + 4), (uint16_t)ip_id, "frame %u: Identification",
				     k);
			cr_expect_eq(ff & 0x4000, 0, "frame %u: DF set on a fragment", k);
		}
		more = (ff & 0x2000) != 0;
		off = (uint32_t)(ff & 0x1fff) * 8;
		cr_expect_eq(ip[9], 17, "frame %u: protocol", k);
		if (sw_ip_cksum)
			cr_expect_eq(fold(sum16(ip, 20, 0)), 0xffff, "frame %u: header checksum",
				     k);
		cr_expect_eq(memcmp(ip + 12, &path->src_ip.v4, 4), 0);
		cr_expect_eq(memcmp(ip + 16, &path->dst_ip.v4, 4), 0);
		data = ip + 20;
		dlen = iplen - 20;
	} else {
		iplen = 40 + get16(ip + 4);
		cr_assert_eq(ip[0] >> 4, 6, "frame %u: version", k);
		cr_assert_eq(l2 + iplen, flen, "frame %u: payload length", k);
		cr_expect_eq(memcmp(ip + 8, path->src_ip.v6, 16), 0);
		cr_expect_eq(memcmp(ip + 24, path->dst_ip.v6, 16), 0);
		if (frag) {
			const uint8_t *fh = ip + 40;

			cr_assert_eq(ip[6], 44, "frame %u: next header %u, want Fragment", k,
				     ip[6]);
			cr_expect_eq(fh[0], 17, "frame %u: fragment's next header", k);
			cr_expect_eq(fh[1], 0, "frame %u: reserved", k);
			cr_expect_eq(get16(fh + 2) & 6, 0, "frame %u: Res bits", k);
			cr_expect_eq(get32(fh + 4), ip_id, "frame %u: Identification %08x", k,
				     get32(fh + 4));
			more = (get16(fh + 2) & 1) != 0;
			off = get16(fh + 2) & 0xfff8u;
			data = fh + 8;
			dlen = iplen - 48;
		} else {
			cr_expect_eq(ip[6], 17, "unfragmented: no Fragment header");
			more = false;
			off = 0;
			data = ip + 40;
			dlen = iplen - 40;
		}
	}
	cr_expect_leq(iplen, mtu, "frame %u: IP datagram %u above the MTU %u", k, iplen, mtu);
	if (iplen > r->max_ip_len)
		r->max_ip_len = iplen;
	/* RFC 791 / RFC 8200 4.5: all but the last carry a multiple of 8 octets. */
	if (more)
		cr_expect_eq(dlen % 8, 0, "frame %u: %u data octets, not a multiple of 8", k,
			     dlen);
	cr_expect_eq(more, k + 1 < n, "frame %u of %u: more-fragments %d", k, n, more);
	cr_assert_leq(off + dlen, sizeof(r->dgram));
	for (uint32_t i = 0; i < dlen; i++) {
		cr_assert_eq(r->seen[off + i], 0, "frame %u: octet %u twice", k, off + i);
		r->seen[off + i] = 1;
	}
	memcpy(r->dgram + off, data, dlen);
	if (!more)
		r->total = off + dlen;
	r->frames++;
	return true;
}

/* The reassembled UDP datagram: length, ports, checksum (RFC 768), payload. */
static void
check_udp(const struct reasm *r, const struct sc_net_path *path, uint32_t len)
{
	const uint8_t *u = r->dgram;
	uint32_t i, s;
	int alen = path->ip_version == 4 ? 4 : 16;

	cr_assert_eq(r->total, 8 + len, "reassembled %u octets, want %u", r->total, 8 + len);
	for (i = 0; i < r->total; i++)
		cr_assert_eq(r->seen[i], 1, "hole at octet %u", i);
	cr_expect_eq(get16(u), path->src_port);
	cr_expect_eq(get16(u + 2), path->dst_port);
	cr_expect_eq(get16(u + 4), 8 + len, "UDP length");
	cr_expect_neq(get16(u + 6), 0, "UDP checksum present");
	s = sum16(path->ip_version == 4 ? (const uint8_t *)&path->src_ip.v4 : path->src_ip.v6,
		  (size_t)alen, 0);
	s = sum16(path->ip_version == 4 ? (const uint8_t *)&path->dst_ip.v4 : path->dst_ip.v6,
		  (size_t)alen, s);
	s += 17 + r->total;
	s = sum16(u, r->total, s);
	cr_expect_eq(fold(s), 0xffff, "UDP checksum over the reassembled datagram");
	cr_expect_eq(memcmp(u + 8, payload, len), 0, "payload");
}

static unsigned
in_use(void)
{
	return rte_mempool_in_use_count(direct) + rte_mempool_in_use_count(indirect);
}

/*
 * Send len payload octets on path, check every frame, reassemble, free. Returns
 * the number of frames.
 */
static int
send_and_check(const struct sc_net_path *path, uint32_t len, uint64_t capa, uint32_t ip_id)
{
	static struct reasm r;
	static uint8_t flat[9100];
	struct rte_mbuf *out[SC_NET_FRAG_MAX];
	int n, k;

	memset(&r, 0, sizeof(r));
	n = sc_net_encap_frag(out, RTE_DIM(out), direct, indirect, path, payload, len, ip_id,
			      capa);
	cr_assert_gt(n, 0, "v%u len %u mtu %u: %d", path->ip_version, len, path->mtu, n);
	for (k = 0; k < n; k++) {
		const uint8_t *f;
		uint32_t flen = rte_pktmbuf_pkt_len(out[k]);
		uint64_t ipf = path->ip_version == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;

		cr_assert_leq(flen, sizeof(flat));
		if ((capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) == 0)
			cr_expect_eq(out[k]->nb_segs, 1, "no multi-seg TX: one segment");
		cr_expect_eq(out[k]->port, path->port_id);
		cr_expect_eq(out[k]->l2_len, path->has_vlan ? 18 : 14);
		cr_expect_eq(out[k]->ol_flags & ipf, ipf);
		f = rte_pktmbuf_read(out[k], 0, flen, flat);
		cr_assert_not_null(f);
		if (n > 1 && (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0 && path->ip_version == 4)
			cr_expect_neq(out[k]->ol_flags & RTE_MBUF_F_TX_IP_CKSUM, 0);
		take_frame(&r, path, f, flen, (unsigned)k, (unsigned)n, ip_id,
			   (capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) == 0);
		if (n > 1)
			cr_expect_eq(out[k]->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM, 0,
				     "a fragment asks no UDP offload");
	}
	if (n > 1 || (capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) == 0)
		check_udp(&r, path, len);
	rte_pktmbuf_free_bulk(out, (unsigned)n);
	cr_expect_eq(in_use(), 0, "mbufs left after freeing the frames");
	return n;
}

/* Frames a datagram of IP length iplen needs at that MTU (RFC 791 / RFC 8200 4.5). */
static int
frames_for(int v, uint32_t mtu, uint32_t len)
{
	uint32_t l3 = v == 4 ? 20 : 40, per;

	if (l3 + 8 + len <= mtu)
		return 1;
	per = (mtu - l3 - (v == 6 ? 8 : 0)) / 8 * 8;
	return (int)((8 + len + per - 1) / per);
}

Test(fragout, sizes_around_the_mtu)
{
	static const uint64_t capas[] = {
		0,
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
	};
	static const int deltas[] = { -1, 0, 1, 2, 7, 8, 9 };
	int v, vl;
	size_t c, d;

	for (v = 4; v <= 6; v += 2)
	for (vl = 0; vl < 2; vl++)
	for (c = 0; c < RTE_DIM(capas); c++) {
		uint16_t mtu = v == 4 ? 1500 : 1280;	/* IPv6 minimum link MTU (RFC 8200 5) */
		struct sc_net_path path = make_path(v, vl ? 77 : -1, v == 4 ? 0 : mtu);
		uint32_t l3 = v == 4 ? 20 : 40;

		for (d = 0; d < RTE_DIM(deltas); d++) {
			uint32_t len = mtu - l3 - 8 + (uint32_t)deltas[d];
			int n = send_and_check(&path, len, capas[c], 0x1234u + (uint32_t)d);

			cr_expect_eq(n, frames_for(v, mtu, len), "v%d len %u: %d frames", v, len,
				     n);
			cr_expect_eq(n > 1, sc_net_needs_frag(&path, len));
		}
	}
}

Test(fragout, three_and_more_fragments)
{
	/* RFC 4475 longreq's 513 is ~3.5 KB; the largest UDP payload of IPv4 is 65507. */
	static const uint32_t lens[] = { 2961, 3500, 4001, 8999, 20000, 65507 };
	static const uint16_t mtus[] = { 1500, 1280, 576, 9000 };
	int v, vl;
	size_t i, m;

	for (v = 4; v <= 6; v += 2)
	for (vl = 0; vl < 2; vl++)
	for (m = 0; m < RTE_DIM(mtus); m++)
	for (i = 0; i < RTE_DIM(lens); i++) {
		struct sc_net_path path = make_path(v, vl ? 4094 : -1, mtus[m]);
		uint32_t len = lens[i];
		int want;

		if (v == 6 && mtus[m] < 1280)
			continue;
		if (v == 6 && len > 65527)
			len = 65527;
		want = frames_for(v, mtus[m], len);
		if (want > SC_NET_FRAG_MAX) {
			struct rte_mbuf *out[SC_NET_FRAG_MAX];

			cr_expect_eq(sc_net_encap_frag(out, RTE_DIM(out), direct, indirect, &path,
						       payload, len, 1, 0), -EMSGSIZE,
				     "%d fragments", want);
			cr_expect_eq(in_use(), 0);
			continue;
		}
		cr_expect_eq(send_and_check(&path, len, RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
					    0xdead0000u + (uint32_t)i), want,
			     "v%d mtu %u len %u", v, mtus[m], len);
		/* Linearized frames too, where a frame fits one mbuf. */
		if (mtus[m] + 18 <= RTE_MBUF_DEFAULT_DATAROOM)
			send_and_check(&path, len, 0, 7);
	}
}

Test(fragout, identification_v4_low_16_bits_v6_all_32)
{
	struct sc_net_path p4 = make_path(4, -1, 0), p6 = make_path(6, -1, 1280);

	send_and_check(&p4, 3000, 0, 0xabcd1234u);	/* take_frame checks 0x1234 */
	send_and_check(&p6, 3000, 0, 0xabcd1234u);
	send_and_check(&p6, 3000, 0, 0);
	send_and_check(&p6, 3000, 0, UINT32_MAX);
}

/* A direct pool with an odd data room: datagram pieces start at odd offsets. */
Test(fragout, odd_segment_sizes)
{
	static const uint16_t rooms[] = { 301, 1001, 1499 };
	struct rte_mempool *save = direct;
	size_t i;
	int v;

	for (i = 0; i < RTE_DIM(rooms); i++) {
		char name[32];

		snprintf(name, sizeof(name), "fo_odd_%zu", i);
		direct = rte_pktmbuf_pool_create(name, 255, 0, 0,
						 (uint16_t)(RTE_PKTMBUF_HEADROOM + rooms[i]),
						 SOCKET_ID_ANY);
		cr_assert_not_null(direct);
		for (v = 4; v <= 6; v += 2) {
			struct sc_net_path path = make_path(v, 5, 1280);
			struct rte_mbuf *out[SC_NET_FRAG_MAX];

			send_and_check(&path, 4001, RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 99);
			send_and_check(&path, 3333, RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 98);
			/* Without multi-seg TX a fragment must fit one of these mbufs. */
			if (rooms[i] < 1280 + 18)
				cr_expect_eq(sc_net_encap_frag(out, RTE_DIM(out), direct, indirect,
							       &path, payload, 4001, 1, 0),
					     -EMSGSIZE);
			cr_expect_eq(in_use(), 0);
		}
		rte_mempool_free(direct);
	}
	direct = save;
}

/* lib/net's own receive path (rte_ip_frag) takes the fragments back. */
Test(fragout, reassembled_by_rte_ip_frag)
{
	static const uint64_t capas[] = { 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS };
	int v, vl;
	size_t c;

	for (v = 4; v <= 6; v += 2)
	for (vl = 0; vl < 2; vl++)
	for (c = 0; c < RTE_DIM(capas); c++) {
		struct sc_net_path path = make_path(v, vl ? 33 : -1, v == 4 ? 1500 : 1280);
		struct sc_net_frag *f = sc_net_frag_create(16, 1000000000ull, SOCKET_ID_ANY);
		struct rte_mbuf *out[SC_NET_FRAG_MAX], *r = NULL;
		struct sc_net_pkt pkt;
		const char *flat;
		int n, k;

		cr_assert_not_null(f);
		n = sc_net_encap_frag(out, RTE_DIM(out), direct, indirect, &path, payload, 3501,
				      0x5150u, capas[c]);
		cr_assert_eq(n, 3, "v%d: %d frames", v, n);
		/* What a receiving NIC makes of each frame: one segment. */
		for (k = 0; k < n; k++) {
			struct rte_mbuf *rx = rte_pktmbuf_alloc(direct);
			uint32_t flen = rte_pktmbuf_pkt_len(out[k]);
			const void *src;
			char *d;

			cr_assert_not_null(rx);
			d = rte_pktmbuf_append(rx, (uint16_t)flen);
			cr_assert_not_null(d);
			/* rte_pktmbuf_read copies only what is not contiguous already. */
			src = rte_pktmbuf_read(out[k], 0, flen, d);
			cr_assert_not_null(src);
			if (src != d)
				memcpy(d, src, flen);
			rte_pktmbuf_free(out[k]);
			out[k] = rx;
		}
		/* Backwards: the last fragment first, as a reordering path may deliver. */
		for (k = n - 1; k >= 0; k--) {
			cr_assert_eq(sc_net_classify(out[k], &cfg, &pkt), SC_NET_FRAGMENT,
				     "v%d fragment %d: %s", v, k, sc_net_drop_name(pkt.drop));
			r = sc_net_reassemble(f, out[k], &cfg, &pkt, 10 + (uint64_t)k);
			cr_assert_eq(r != NULL, k == 0, "complete after the last one only");
		}
		cr_assert_eq(pkt.cls, SC_NET_SIP, "v%d reassembled: %s", v,
			     sc_net_drop_name(pkt.drop));
		cr_expect_eq(pkt.src_port, PEER_PORT);
		cr_expect_eq(pkt.dst_port, OUR_PORT);
		cr_expect_eq(pkt.has_vlan, vl);
		cr_expect_eq(pkt.payload_len, 3501);
		flat = sc_net_flat_payload(f, r, &pkt);
		cr_assert_not_null(flat);
		cr_expect_eq(memcmp(flat, payload, 3501), 0);
		rte_pktmbuf_free(r);
		cr_expect_eq(sc_net_frag_drain(f), 0);
		sc_net_frag_free(f);
		cr_expect_eq(in_use(), 0);
	}
}

/*
 * The pools run dry at every possible point: hold all but k mbufs of one pool,
 * and the call either succeeds or fails with -ENOMEM, and nothing stays allocated.
 */
Test(fragout, pool_exhaustion_leaks_nothing)
{
	static struct rte_mbuf *hold[POOL_N];
	int v, which;

	for (v = 4; v <= 6; v += 2)
	for (which = 0; which < 2; which++) {
		struct rte_mempool *mp = which == 0 ? direct : indirect;
		struct sc_net_path path = make_path(v, 9, 1280);
		unsigned avail, ok = 0, nomem = 0;

		for (avail = 0; avail <= 12; avail++) {
			struct rte_mbuf *out[SC_NET_FRAG_MAX];
			unsigned h = 0;
			int n;

			while (rte_mempool_avail_count(mp) > avail) {
				hold[h] = rte_pktmbuf_alloc(mp);
				cr_assert_not_null(hold[h]);
				h++;
			}
			n = sc_net_encap_frag(out, RTE_DIM(out), direct, indirect, &path,
					      payload, 3600, 3, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
			if (n > 0) {
				ok++;
				rte_pktmbuf_free_bulk(out, (unsigned)n);
			} else {
				cr_expect_eq(n, -ENOMEM, "v%d %s pool with %u left: %d", v,
					     which ? "indirect" : "direct", avail, n);
				nomem++;
			}
			rte_pktmbuf_free_bulk(hold, h);
			cr_expect_eq(in_use(), 0, "v%d %s pool with %u left: %u mbufs leaked", v,
				     which ? "indirect" : "direct", avail, in_use());
		}
		cr_expect_gt(ok, 0, "succeeds once the pool has enough");
		cr_expect_gt(nomem, 1, "fails at more than one point");
	}
}

Test(fragout, errors_leave_nothing)
{
	struct sc_net_path p4 = make_path(4, -1, 0), p6 = make_path(6, -1, 1280), bad;
	struct rte_mbuf *out[SC_NET_FRAG_MAX];

	cr_expect_eq(sc_net_encap_frag(out, 2, direct, indirect, &p4, payload, 3000, 1, 0),
		     -ENOSPC, "3 fragments, room for 2");
	cr_expect_eq(sc_net_encap_frag(out, 64, direct, indirect, &p4, payload, 65508, 1, 0),
		     -EMSGSIZE, "above the IPv4 total length");
	cr_expect_eq(sc_net_encap_frag(out, 64, direct, indirect, &p6, payload, 65528, 1, 0),
		     -EMSGSIZE, "above the IPv6 payload length");
	cr_expect_eq(sc_net_encap_frag(out, 64, direct, NULL, &p4, payload, 3000, 1, 0),
		     -EINVAL, "no indirect pool");
	cr_expect_eq(sc_net_encap_frag(out, 0, direct, indirect, &p4, payload, 100, 1, 0),
		     -EINVAL);
	cr_expect_eq(sc_net_encap_frag(out, 64, direct, indirect, &p4, NULL, 100, 1, 0),
		     -EINVAL);
	bad = p4;
	bad.ip_version = 5;
	cr_expect_eq(sc_net_encap_frag(out, 64, direct, indirect, &bad, payload, 3000, 1, 0),
		     -EINVAL);
	bad = p4;
	bad.mtu = 60;
	cr_expect_eq(sc_net_encap_frag(out, 64, direct, indirect, &bad, payload, 3000, 1, 0),
		     -EINVAL, "MTU below 68 (RFC 791)");
	/* Within the MTU no indirect pool is needed: one frame. */
	cr_expect_eq(sc_net_encap_frag(out, 1, direct, NULL, &p4, payload, 1472, 1, 0), 1);
	rte_pktmbuf_free(out[0]);
	cr_expect_eq(in_use(), 0);
}
