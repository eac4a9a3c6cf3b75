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
 *   opt bits 3-4: RX IP checksum flag (unknown, good, bad, none)
 *   opt bits 5-6: RX L4 checksum flag (unknown, good, bad, none)
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
#define STRIPPED_TCI 0x0123
/* Room an answer may need around the frame: a re-inserted tag, the NA (72 bytes). */
#define ANSWER_ROOM 128

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const uint64_t ip_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_NONE,
};

static const uint64_t l4_flags[4] = {
	RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_L4_CKSUM_GOOD,
	RTE_MBUF_F_RX_L4_CKSUM_BAD,
	RTE_MBUF_F_RX_L4_CKSUM_NONE,
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
	const uint8_t *frame;
	enum sc_net_class cls;
	uint8_t *b0, *b1 = NULL;
	size_t flen, split;
	uint16_t port;
	uint8_t opt;

	if (size < 2 || size - 2 > UINT16_MAX - 2 * ANSWER_ROOM)
		return 0;
	opt = data[0];
	frame = data + 2;
	flen = size - 2;
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
	return 0;
}
