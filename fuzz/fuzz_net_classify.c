/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/net decap: a received frame of any shape must be
 * classified without reading outside it, and what the classifier hands on (SIP
 * payload slice, ARP/ND answer, fragment offsets) must stay inside the frame.
 *
 * Input: byte 0 chooses options, byte 1 the split point of a two-segment chain,
 * the rest is the Ethernet frame. The mbufs are built by hand (no EAL): each
 * segment's data sits in a heap block of exactly its size, data_off 0, so
 * AddressSanitizer sees any read past either end of a segment.
 *   opt bits 0-1: local config variant (see cfg_variant())
 *   opt bit 2:    two segments, split at byte 1 modulo the frame length
 *   opt bits 3-4: RX IP checksum flag (unknown, good, bad; 3: unknown, and the
 *                 harness first writes a right IPv4 header checksum)
 *   opt bits 5-6: RX L4 checksum flag (unknown, good, bad; 3: unknown, and the
 *                 harness first writes a right UDP checksum when IP is followed
 *                 directly by UDP), so the software sums, chained ones included,
 *                 must accept what a fuzzer could hardly get right by chance
 *   opt bit 7:    the NIC stripped an 802.1Q tag (RTE_MBUF_F_RX_VLAN_STRIPPED)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "sc_net.h"
#include "sc_sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPT_CFG_MASK 0x03
#define OPT_CHAIN 0x04
#define OPT_IP_SHIFT 3
#define OPT_L4_SHIFT 5
#define OPT_VLAN_STRIPPED 0x80
#define FIX_CKSUM 3
#define STRIPPED_TCI 0x0123
/* Room an answer may need around the frame: a re-inserted tag, the NA (72 bytes). */
#define ANSWER_ROOM 128

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const uint64_t ip_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,	/* FIX_CKSUM */
};

static const uint64_t l4_flags[4] = {
	RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_L4_CKSUM_GOOD,
	RTE_MBUF_F_RX_L4_CKSUM_BAD,
	RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN,	/* FIX_CKSUM */
};

/*
 * sipcancel-gen's defaults (as bench/pipeline rig_port()): SUT 02:00:00:00:00:02,
 * 198.18.0.2, 2001:2::2, port 5060; variants add addresses and ports, take away
 * the port's MAC, or receive on a port id past the MAC table.
 */
static void
cfg_variant(unsigned v, struct sc_net_cfg *cfg, uint16_t *port)
{
	static const struct rte_ether_addr mac = { { 2, 0, 0, 0, 0, 2 } };

	memset(cfg, 0, sizeof(*cfg));
	/* Bytes, not RTE_IPV4(): its 198 << 24 overflows int (UBSan stops on it). */
	memcpy(&cfg->ipv4[0].v4, (const uint8_t[4]){ 198, 18, 0, 2 }, 4);
	cfg->ipv4_count = 1;
	cfg->ipv6[0].v6[0] = 0x20;
	cfg->ipv6[0].v6[1] = 0x01;
	cfg->ipv6[0].v6[3] = 0x02;
	cfg->ipv6[0].v6[15] = 0x02;
	cfg->ipv6_count = 1;
	cfg->sip_ports[0] = SC_NET_SIP_DEFAULT_PORT;
	cfg->sip_port_count = 1;
	cfg->mac[0] = mac;
	*port = 0;
	switch (v) {
	case 1:			/* a port without a MAC, jumbo MTU */
		*port = 1;
		cfg->mtu[1] = 9000;
		break;
	case 2:			/* more of everything, the last port of the table */
		*port = SC_NET_MAX_PORTS - 1;
		cfg->mac[*port] = mac;
		memcpy(&cfg->ipv4[1].v4, (const uint8_t[4]){ 198, 19, 255, 255 }, 4);
		cfg->ipv4_count = 2;
		cfg->ipv6[1].v6[0] = 0xfe;
		cfg->ipv6[1].v6[1] = 0x80;
		cfg->ipv6[1].v6[15] = 0x02;
		cfg->ipv6_count = 2;
		cfg->sip_ports[1] = 5080;
		cfg->sip_ports[2] = 0;
		cfg->sip_port_count = 3;
		break;
	case 3:			/* a port id beyond SC_NET_MAX_PORTS */
		*port = 200;
		break;
	default:
		break;
	}
}

static void
seg_init(struct rte_mbuf *m, void *buf, uint16_t len, uint16_t port)
{
	memset(m, 0, sizeof(*m));
	m->buf_addr = buf;
	m->buf_len = len;
	m->data_off = 0;
	m->data_len = len;
	m->pkt_len = len;
	m->nb_segs = 1;
	m->port = port;
	rte_mbuf_refcnt_set(m, 1);
}

/* RFC 1071 sum of p[0..len) as big-endian words, unfolded. */
static uint64_t
ref_sum(const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint64_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint64_t)p[len - 1] << 8;
	return acc;
}

static uint16_t
ref_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/*
 * Write right IPv4 header (fix_ip) and UDP (fix_udp) checksums into f, as far as
 * the headers are there and the UDP length fits. Sets *ip_fixed / *udp_fixed.
 */
static void
fix_cksums(uint8_t *f, size_t len, bool fix_ip, bool fix_udp, bool *ip_fixed,
	   bool *udp_fixed)
{
	size_t l2 = 14, l4, ulen;
	uint64_t ph;
	uint16_t et, ck;

	*ip_fixed = false;
	*udp_fixed = false;
	if (len < l2)
		return;
	et = (uint16_t)(f[12] << 8 | f[13]);
	if (et == RTE_ETHER_TYPE_VLAN && len >= 18) {
		et = (uint16_t)(f[16] << 8 | f[17]);
		l2 = 18;
	}
	if (et == RTE_ETHER_TYPE_IPV4 && len >= l2 + 20) {
		size_t ihl = (size_t)(f[l2] & 0x0f) * 4;

		if (ihl < 20 || len < l2 + ihl)
			return;
		if (fix_ip) {
			f[l2 + 10] = 0;
			f[l2 + 11] = 0;
			ck = (uint16_t)~ref_fold(ref_sum(f + l2, ihl));
			f[l2 + 10] = (uint8_t)(ck >> 8);
			f[l2 + 11] = (uint8_t)ck;
			*ip_fixed = true;
		}
		if (f[l2 + 9] != 17)
			return;
		l4 = l2 + ihl;
		ph = ref_sum(f + l2 + 12, 8) + 17;
	} else if (et == RTE_ETHER_TYPE_IPV6 && len >= l2 + 40 && f[l2 + 6] == 17) {
		l4 = l2 + 40;
		ph = ref_sum(f + l2 + 8, 32) + 17;
	} else {
		return;
	}
	if (!fix_udp || len < l4 + 8)
		return;
	ulen = (size_t)f[l4 + 4] << 8 | f[l4 + 5];
	if (ulen < 8 || len < l4 + ulen)
		return;
	f[l4 + 6] = 0;
	f[l4 + 7] = 0;
	ck = (uint16_t)~ref_fold(ph + ulen + ref_sum(f + l4, ulen));
	if (ck == 0)
		ck = 0xffff;	/* RFC 768: 0 means none; 0xffff is the same sum */
	f[l4 + 6] = (uint8_t)(ck >> 8);
	f[l4 + 7] = (uint8_t)ck;
	*udp_fixed = true;
}

/* [p, p+n) lies within [base, base+len). */
static bool
inside(const void *p, size_t n, const void *base, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	return a >= b && a - b <= len && n <= len - (a - b);
}

/*
 * Send the payload back on the reply path (software checksums) and classify
 * what we built as the peer would, with the peer's address and port as local:
 * it must come out as the same datagram.
 */
static void
check_encap(const struct sc_net_path *path, const char *payload, uint32_t len)
{
	struct sc_net_cfg peer;
	struct sc_net_pkt back;
	struct rte_mbuf e;
	uint32_t room = RTE_PKTMBUF_HEADROOM + sc_net_hdr_len(path) + len;
	uint8_t *buf;
	int rc;

	buf = malloc(room);
	CHECK(buf != NULL);
	seg_init(&e, buf, (uint16_t)room, 0);
	rc = sc_net_encap(&e, path, payload, len, 0);
	if (rc == -EMSGSIZE && sc_net_needs_frag(path, len)) {
		free(buf);
		return;
	}
	CHECK(rc == 0);
	CHECK(e.nb_segs == 1 && e.data_len == e.pkt_len);
	CHECK(e.pkt_len == sc_net_hdr_len(path) + len);
	CHECK((uint32_t)e.data_off + e.data_len <= e.buf_len);

	memset(&peer, 0, sizeof(peer));
	if (path->ip_version == 4) {
		peer.ipv4[0] = path->dst_ip;
		peer.ipv4_count = 1;
	} else {
		peer.ipv6[0] = path->dst_ip;
		peer.ipv6_count = 1;
	}
	peer.sip_ports[0] = path->dst_port;
	peer.sip_port_count = 1;
	e.port = 0;
	e.ol_flags = 0;
	CHECK(sc_net_classify(&e, &peer, &back) == SC_NET_SIP);
	CHECK(back.payload != NULL && back.payload_len == len);
	CHECK(memcmp(back.payload, payload, len) == 0);
	CHECK(back.ip_version == path->ip_version);
	CHECK(back.src_port == path->src_port && back.dst_port == path->dst_port);
	CHECK(memcmp(&back.src_ip, &path->src_ip, path->ip_version == 4 ? 4 : 16) == 0);
	CHECK(back.has_vlan == path->has_vlan);
	CHECK(!back.has_vlan || back.vlan_tci == path->vlan_tci);
	CHECK(rte_is_same_ether_addr(&back.src_mac, &path->src_mac));
	CHECK(rte_is_same_ether_addr(&back.dst_mac, &path->dst_mac));
	free(buf);
}

static void
check_sip(const struct sc_net_pkt *pkt, const struct rte_mbuf *m, const struct sc_net_cfg *cfg,
	  const uint8_t *frame, size_t flen)
{
	struct sc_net_path path;
	struct sc_sip_msg msg;
	const struct sc_sip_via *via = NULL;
	char *copy;
	int rc;

	CHECK(pkt->ip_version == 4 || pkt->ip_version == 6);
	CHECK(sc_net_is_local(cfg, pkt->ip_version, &pkt->dst_ip));
	CHECK(pkt->l2_len + (size_t)pkt->l3_len + 8 + pkt->payload_len <= flen);
	if (pkt->payload == NULL) {
		/* Only a payload that runs past the first segment needs a flat copy. */
		CHECK(m->nb_segs > 1);
		CHECK(pkt->l2_len + (size_t)pkt->l3_len + 8 + pkt->payload_len >
		      rte_pktmbuf_data_len(m));
		/* The payload is the frame's tail from the UDP data on. */
		frame += pkt->l2_len + pkt->l3_len + 8;
	} else {
		CHECK(inside(pkt->payload, pkt->payload_len, rte_pktmbuf_mtod(m, const char *),
			     rte_pktmbuf_data_len(m)));
		CHECK(memcmp(pkt->payload, frame + (pkt->payload -
						    rte_pktmbuf_mtod(m, const char *)),
			     pkt->payload_len) == 0);
		frame += pkt->payload - rte_pktmbuf_mtod(m, const char *);
	}
	/* Exactly the payload's size, so the parser's over-reads show too. */
	copy = malloc(pkt->payload_len + 1);
	CHECK(copy != NULL);
	memcpy(copy, frame, pkt->payload_len);
	rc = sc_sip_parse(copy, pkt->payload_len, &msg);
	CHECK(rc <= (int)pkt->payload_len);
	if (msg.via_count > 0)
		via = &msg.vias[0];
	CHECK(sc_net_response_path(pkt, via, SC_NET_SIP_DEFAULT_PORT, &path) == 0);
	CHECK(path.ip_version == pkt->ip_version);
	CHECK(path.port_id == pkt->port_id);
	CHECK(path.src_port == pkt->dst_port);
	CHECK(memcmp(&path.src_ip, &pkt->dst_ip, pkt->ip_version == 4 ? 4 : 16) == 0);
	CHECK(memcmp(&path.dst_ip, &pkt->src_ip, pkt->ip_version == 4 ? 4 : 16) == 0);
	CHECK(rte_is_same_ether_addr(&path.dst_mac, &pkt->src_mac));
	CHECK(path.has_vlan == pkt->has_vlan);
	CHECK(sc_net_hdr_len(&path) == (pkt->has_vlan ? 18u : 14u) +
	      (pkt->ip_version == 4 ? 20u : 40u) + 8u);
	check_encap(&path, copy, pkt->payload_len);
	free(copy);
}

/* Answer a copy of the frame (one segment, room around it) and check its size. */
static void
check_answer(const struct sc_net_pkt *pkt, const struct rte_mbuf *m,
	     const struct sc_net_cfg *cfg, const uint8_t *frame, size_t flen)
{
	struct rte_mbuf a;
	uint8_t *buf;
	uint32_t want;
	int rc;

	buf = malloc(ANSWER_ROOM + flen + ANSWER_ROOM);
	CHECK(buf != NULL);
	memcpy(buf + ANSWER_ROOM, frame, flen);
	seg_init(&a, buf, (uint16_t)(ANSWER_ROOM + flen + ANSWER_ROOM), m->port);
	a.data_off = ANSWER_ROOM;
	a.data_len = (uint16_t)flen;
	a.pkt_len = (uint32_t)flen;
	a.ol_flags = m->ol_flags;
	a.vlan_tci = m->vlan_tci;
	rc = sc_net_answer(&a, cfg, pkt);
	CHECK(rc == 0);
	CHECK(a.nb_segs == 1 && a.next == NULL);
	CHECK(a.data_len == a.pkt_len);
	CHECK((uint32_t)a.data_off + a.data_len <= a.buf_len);
	if (pkt->cls == SC_NET_ARP)
		want = (uint32_t)flen;
	else
		want = pkt->l2_len + 40u + 32u;	/* IPv6 header, NA with one option */
	if ((m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0)
		want += 4;			/* the tag goes back in */
	CHECK(a.pkt_len == want);
	CHECK(rte_is_same_ether_addr(&rte_pktmbuf_mtod(&a, struct rte_ether_hdr *)->src_addr,
				     &pkt->local_mac));
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf m0, m1;
	struct sc_net_cfg cfg;
	struct sc_net_pkt pkt;
	uint8_t *frame;
	enum sc_net_class cls;
	bool ip_fixed, udp_fixed;
	uint8_t *b0, *b1 = NULL;
	size_t flen, split;
	uint16_t port;
	uint8_t opt;

	if (size < 2 || size - 2 > UINT16_MAX - 2 * ANSWER_ROOM)
		return 0;
	opt = data[0];
	flen = size - 2;
	frame = malloc(flen + 1);
	CHECK(frame != NULL);
	memcpy(frame, data + 2, flen);
	fix_cksums(frame, flen, ((opt >> OPT_IP_SHIFT) & 3) == FIX_CKSUM,
		   ((opt >> OPT_L4_SHIFT) & 3) == FIX_CKSUM, &ip_fixed, &udp_fixed);
	split = flen;
	if ((opt & OPT_CHAIN) != 0 && flen >= 2)
		split = 1 + data[1] % (flen - 1);
	cfg_variant(opt & OPT_CFG_MASK, &cfg, &port);

	b0 = malloc(split + 1);	/* +1: malloc(0) may return NULL */
	CHECK(b0 != NULL);
	memcpy(b0, frame, split);
	seg_init(&m0, b0, (uint16_t)split, port);
	if (split < flen) {
		b1 = malloc(flen - split);
		CHECK(b1 != NULL);
		memcpy(b1, frame + split, flen - split);
		seg_init(&m1, b1, (uint16_t)(flen - split), port);
		m0.next = &m1;
		m0.nb_segs = 2;
		m0.pkt_len = (uint32_t)flen;
	}
	m0.ol_flags = ip_flags[(opt >> OPT_IP_SHIFT) & 3] | l4_flags[(opt >> OPT_L4_SHIFT) & 3];
	if ((opt & OPT_VLAN_STRIPPED) != 0) {
		m0.ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		m0.vlan_tci = STRIPPED_TCI;
	}

	cls = sc_net_classify(&m0, &cfg, &pkt);
	CHECK(cls == (enum sc_net_class)pkt.cls);
	/* SC_FUZZ_VERBOSE=1: what each input (a seed, a crash) classified as. */
	if (getenv("SC_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "class %s drop %s\n", sc_net_class_name(cls),
			sc_net_drop_name((enum sc_net_drop)pkt.drop));
	CHECK(sc_net_class_name(cls) != NULL);
	CHECK(pkt.port_id == port);
	CHECK(pkt.l2_len <= flen);
	/* The classifier never touches the frame. */
	CHECK(memcmp(b0, frame, split) == 0);
	CHECK(b1 == NULL || memcmp(b1, frame + split, flen - split) == 0);
	switch (cls) {
	case SC_NET_DROP:
		CHECK(pkt.drop != SC_NET_DROP_NONE && pkt.drop < SC_NET_DROP_COUNT);
		CHECK(!ip_fixed || pkt.drop != SC_NET_DROP_BAD_IP_CHECKSUM);
		CHECK(!udp_fixed || pkt.drop != SC_NET_DROP_BAD_UDP_CHECKSUM);
		CHECK(sc_net_drop_name((enum sc_net_drop)pkt.drop) != NULL);
		break;
	case SC_NET_SIP:
		CHECK(pkt.drop == SC_NET_DROP_NONE);
		CHECK(pkt.l2_len == (pkt.has_vlan && (opt & OPT_VLAN_STRIPPED) == 0 ? 18 : 14));
		check_sip(&pkt, &m0, &cfg, frame, flen);
		break;
	case SC_NET_ARP:
		CHECK(pkt.drop == SC_NET_DROP_NONE && pkt.ip_version == 0);
		CHECK(pkt.l2_len + 28u <= split);	/* the ARP body is in the first segment */
		CHECK(sc_net_is_local(&cfg, 4, &pkt.dst_ip));
		check_answer(&pkt, &m0, &cfg, frame, flen);
		break;
	case SC_NET_ND:
		CHECK(pkt.drop == SC_NET_DROP_NONE && pkt.ip_version == 6);
		CHECK(pkt.payload != NULL && pkt.payload_len >= 24);
		CHECK(inside(pkt.payload, pkt.payload_len, b0, split));
		check_answer(&pkt, &m0, &cfg, frame, flen);
		break;
	case SC_NET_FRAGMENT:
		CHECK(pkt.drop == SC_NET_DROP_NONE);
		CHECK(pkt.ip_version == 4 || pkt.ip_version == 6);
		CHECK(m0.l2_len == pkt.l2_len);
		CHECK((size_t)m0.l2_len + m0.l3_len <= split);
		CHECK(sc_net_is_local(&cfg, pkt.ip_version, &pkt.dst_ip));
		break;
	default:
		__builtin_trap();
	}
	free(b0);
	free(b1);
	free(frame);
	return 0;
}
