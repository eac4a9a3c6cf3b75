/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net tests: frames built byte by byte with an independent checksum, run
 * through sc_net_classify (every class and drop reason, every truncation), ARP
 * and NS answers checked field by field, encap -> decap round trips, rte_ip_frag
 * reassembly of 3-fragment IPv4/IPv6 SIP datagrams in and out of order, and the
 * RFC 3261 18.2.2 / RFC 3581 response path rules. Needs EAL (--no-huge) for mbufs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sc_net.h"
#include "test_eal.h"
#include "../common/ref_cksum.h"

static struct rte_mempool *pool;
static struct sc_net_cfg cfg;

static const uint8_t MAC_US[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC_PEER[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static const char SIP_PAYLOAD[] =
	"OPTIONS sip:uas@198.18.0.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.18.0.1:5070;branch=z9hG4bK-net-1\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:uac@198.18.0.1>;tag=1\r\n"
	"To: <sip:uas@198.18.0.2>\r\n"
	"Call-ID: net-1@198.18.0.1\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static void
setup(void)
{
	char prefix[64];
	char *argv[] = {
		"test_net", "--no-huge", "--no-pci", "-m", "256", "--file-prefix", prefix,
		"--log-level=lib.eal:error", "--log-level=user1:error", "--no-telemetry",
	};

	snprintf(prefix, sizeof(prefix), "sc_test_net_%d", (int)getpid());
	cr_assert_geq(rte_eal_init((int)RTE_DIM(argv), argv), 0, "EAL init");
	pool = rte_pktmbuf_pool_create("test_net", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);

	memset(&cfg, 0, sizeof(cfg));
	inet_pton(AF_INET, "198.18.0.2", &cfg.ipv4[0].v4);
	inet_pton(AF_INET, "198.18.0.3", &cfg.ipv4[1].v4);
	cfg.ipv4_count = 2;
	inet_pton(AF_INET6, "2001:2::2", cfg.ipv6[0].v6);
	inet_pton(AF_INET6, "2001:2::3", cfg.ipv6[1].v6);
	cfg.ipv6_count = 2;
	cfg.sip_ports[0] = 5060;
	cfg.sip_ports[1] = 5080;
	cfg.sip_port_count = 2;
	memcpy(cfg.mac[0].addr_bytes, MAC_US, 6);
}

static void
teardown(void)
{
	rte_mempool_free(pool);
	test_eal_cleanup();
}

TestSuite(net, .init = setup, .fini = teardown, .timeout = 60);

/* ---- reference checksum (RFC 1071, tests/common/ref_cksum.h) ------------- */

/* Checksum over pseudo header + l4 (with its checksum field): 0 when right. */
static uint16_t
l4_verify(int v, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
	  uint32_t len)
{
	uint32_t s = sum16(src, v == 4 ? 4 : 16, 0);

	s = sum16(dst, v == 4 ? 4 : 16, s);
	s += proto;
	s += len & 0xffff;
	s += len >> 16;
	s = sum16(l4, len, s);
	return (uint16_t)~fold(s);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * A path from the peer (198.18.0.1:5070, 2001:2::1) to us (198.18.0.2:5060,
 * 2001:2::2) on port 0, VLAN tci or -1; its addresses in *src and *dst.
 */
static void
path_to_us(struct sc_net_path *path, int v, int tci, union sc_net_ip *src,
	   union sc_net_ip *dst)
{
	struct rte_ether_addr peer;

	memcpy(peer.addr_bytes, MAC_PEER, 6);
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	inet_pton(v == 4 ? AF_INET : AF_INET6, v == 4 ? "198.18.0.1" : "2001:2::1",
		  v == 4 ? (void *)&src->v4 : (void *)src->v6);
	inet_pton(v == 4 ? AF_INET : AF_INET6, v == 4 ? "198.18.0.2" : "2001:2::2",
		  v == 4 ? (void *)&dst->v4 : (void *)dst->v6);
	cr_assert_eq(sc_net_path_init(path, 0, &peer, &cfg.mac[0], tci, (uint8_t)v, src, 5070,
				      dst, 5060, 0), 0);
}

/* ---- frame builder -------------------------------------------------------- */

struct ext {
	uint8_t type;		/* 0, 43, 60 */
	uint8_t len8;		/* hdr ext len */
	uint8_t seg_left;	/* routing only */
};

struct spec {
	int v;			/* 4 or 6 */
	int vlan;		/* -1: none */
	bool qinq;		/* a second 802.1Q tag inside */
	bool outer_8a88;	/* S-tag 0x88a8 outer */
	const char *src, *dst;	/* IP text */
	const uint8_t *src_mac;	/* NULL: MAC_PEER */
	const uint8_t *dst_mac;	/* NULL: MAC_US */
	uint8_t opt_words;	/* IPv4 option words (NOP padding) */
	int ihl_override;	/* -1: computed */
	uint8_t version_override;
	bool bad_ip_cksum;
	int ip_len_adj;		/* added to IPv4 total length / IPv6 payload length */
	uint8_t proto;		/* 0: UDP */
	uint16_t frag;		/* IPv4 flags+offset field (host order) */
	int nexts;
	struct ext exts[4];
	bool v6frag;		/* IPv6 fragment header after the fixed header */
	uint16_t v6frag_data;	/* offset<<3 | M */
	uint32_t v6frag_id;
	uint16_t sport, dport;
	const char *payload;
	uint32_t payload_len;
	int udp_len_adj;
	int cksum;		/* 0 good, 1 bad, 2 zero */
	uint32_t l4_override_len;	/* raw bytes of l4 to emit when non-zero (fragments) */
	const uint8_t *l4_raw;
};

static struct spec
base_spec(int v)
{
	struct spec s = {
		.v = v,
		.vlan = -1,
		.ihl_override = -1,
		.src = v == 4 ? "198.18.0.1" : "2001:2::1",
		.dst = v == 4 ? "198.18.0.2" : "2001:2::2",
		.sport = 5070,
		.dport = 5060,
		.payload = SIP_PAYLOAD,
		.payload_len = sizeof(SIP_PAYLOAD) - 1,
	};
	return s;
}

/* Build the frame into b; returns its length. Offsets of headers in *l3o / *l4o. */
static uint32_t
build(const struct spec *s, uint8_t *b, uint32_t *l3o, uint32_t *l4o)
{
	uint8_t sip[16], dip[16];
	uint32_t o = 12, l3, l4, ulen, ihl = 0;
	int i;

	memset(b, 0, 4096);
	memcpy(b, s->dst_mac != NULL ? s->dst_mac : MAC_US, 6);
	memcpy(b + 6, s->src_mac != NULL ? s->src_mac : MAC_PEER, 6);
	inet_pton(s->v == 4 ? AF_INET : AF_INET6, s->src, sip);
	inet_pton(s->v == 4 ? AF_INET : AF_INET6, s->dst, dip);
	if (s->outer_8a88) {
		put16(b + o, 0x88a8);
		put16(b + o + 2, 7);
		o += 4;
	}
	if (s->vlan >= 0) {
		put16(b + o, 0x8100);
		put16(b + o + 2, (uint16_t)s->vlan);
		o += 4;
	}
	if (s->qinq) {
		put16(b + o, 0x8100);
		put16(b + o + 2, 9);
		o += 4;
	}
	put16(b + o, s->v == 4 ? 0x0800 : 0x86dd);
	o += 2;
	l3 = o;
	if (s->v == 4) {
		ihl = 20 + 4u * s->opt_words;
		l4 = l3 + ihl;
		memset(b + l3 + 20, 1, 4u * s->opt_words);	/* NOP options */
	} else {
		l4 = l3 + 40;
		for (i = 0; i < s->nexts; i++) {
			uint8_t *e = b + l4;

			e[0] = (uint8_t)(i + 1 < s->nexts ? s->exts[i + 1].type :
					 (s->v6frag ? 44 : (s->proto ? s->proto : 17)));
			e[1] = s->exts[i].len8;
			if (s->exts[i].type == 43) {
				e[2] = 0;
				e[3] = s->exts[i].seg_left;
			} else {
				e[2] = 1;	/* PadN filling the rest */
				e[3] = (uint8_t)((s->exts[i].len8 + 1) * 8 - 4);
			}
			l4 += (s->exts[i].len8 + 1u) * 8;
		}
		if (s->v6frag) {
			uint8_t *e = b + l4;

			e[0] = s->proto ? s->proto : 17;
			put16(e + 2, s->v6frag_data);
			e[4] = (uint8_t)(s->v6frag_id >> 24);
			e[5] = (uint8_t)(s->v6frag_id >> 16);
			e[6] = (uint8_t)(s->v6frag_id >> 8);
			e[7] = (uint8_t)s->v6frag_id;
			l4 += 8;
		}
	}
	if (s->l4_override_len != 0) {
		memcpy(b + l4, s->l4_raw, s->l4_override_len);
		ulen = s->l4_override_len;
	} else {
		ulen = 8 + s->payload_len;
		put16(b + l4, s->sport);
		put16(b + l4 + 2, s->dport);
		put16(b + l4 + 4, (uint16_t)((int)ulen + s->udp_len_adj));
		memcpy(b + l4 + 8, s->payload, s->payload_len);
		if (s->cksum != 2) {
			uint16_t c = l4_verify(s->v, sip, dip, 17, b + l4, ulen);

			if (c == 0 && s->v == 6)
				c = 0xffff;
			if (c == 0)
				c = 0xffff;
			put16(b + l4 + 6, (uint16_t)(s->cksum == 1 ? c ^ 0x5a5a : c));
		}
	}
	if (s->v == 4) {
		uint8_t *ip = b + l3;

		ip[0] = (uint8_t)(((s->version_override ? s->version_override : 4) << 4) |
				  (s->ihl_override >= 0 ? (unsigned)s->ihl_override : ihl / 4));
		put16(ip + 2, (uint16_t)((int)(ihl + ulen) + s->ip_len_adj));
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->frag);
		ip[8] = 64;
		ip[9] = s->proto ? s->proto : 17;
		memcpy(ip + 12, sip, 4);
		memcpy(ip + 16, dip, 4);
		put16(ip + 10, (uint16_t)(~fold(sum16(ip, ihl, 0)) ^ (s->bad_ip_cksum ? 1 : 0)));
	} else {
		uint8_t *ip = b + l3;

		ip[0] = (uint8_t)((s->version_override ? s->version_override : 6) << 4);
		put16(ip + 4, (uint16_t)((int)(l4 - l3 - 40 + ulen) + s->ip_len_adj));
		ip[6] = s->nexts ? s->exts[0].type : (s->v6frag ? 44 : (s->proto ? s->proto : 17));
		ip[7] = 64;
		memcpy(ip + 8, sip, 16);
		memcpy(ip + 24, dip, 16);
	}
	if (l3o != NULL)
		*l3o = l3;
	if (l4o != NULL)
		*l4o = l4;
	return l4 + ulen;
}

static struct rte_mbuf *
mbuf_of(const uint8_t *b, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *d;

	cr_assert_not_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	cr_assert(len == 0 || d != NULL);
	if (len)
		memcpy(d, b, len);
	m->port = 0;
	return m;
}

static enum sc_net_class
classify_spec(const struct spec *s, struct sc_net_pkt *pkt)
{
	uint8_t b[4096];
	uint32_t len = build(s, b, NULL, NULL);
	struct rte_mbuf *m = mbuf_of(b, len);
	enum sc_net_class c = sc_net_classify(m, &cfg, pkt);

	rte_pktmbuf_free(m);
	return c;
}

static void
expect(const char *what, const struct spec *s, enum sc_net_class cls, enum sc_net_drop reason)
{
	struct sc_net_pkt pkt;
	enum sc_net_class c = classify_spec(s, &pkt);

	cr_expect_eq(c, cls, "%s: class %s, want %s (drop %s)", what, sc_net_class_name(c),
		     sc_net_class_name(cls), sc_net_drop_name(pkt.drop));
	cr_expect_eq(pkt.cls, (uint8_t)c, "%s: pkt.cls", what);
	if (cls == SC_NET_DROP)
		cr_expect_eq(pkt.drop, reason, "%s: drop %s, want %s", what,
			     sc_net_drop_name(pkt.drop), sc_net_drop_name(reason));
}

/* ---- decap ---------------------------------------------------------------- */

Test(net, drop_names_complete)
{
	int i;

	for (i = 0; i < SC_NET_DROP_COUNT; i++) {
		cr_assert_not_null(sc_net_drop_name(i));
		cr_assert_neq(strcmp(sc_net_drop_name(i), "unknown"), 0, "reason %d unnamed", i);
	}
	cr_assert_str_eq(sc_net_drop_name(SC_NET_DROP_BAD_UDP_CHECKSUM), "bad_udp_checksum");
	cr_assert_str_eq(sc_net_drop_name(SC_NET_DROP_COUNT), "unknown");
	cr_assert(sizeof(struct sc_net_path) <= 64);
}

Test(net, ipv4_sip_fields)
{
	struct spec s = base_spec(4);
	struct sc_net_pkt pkt;
	uint32_t want;

	cr_assert_eq(classify_spec(&s, &pkt), SC_NET_SIP, "drop %s", sc_net_drop_name(pkt.drop));
	cr_expect_eq(pkt.ip_version, 4);
	cr_expect_eq(memcmp(pkt.src_mac.addr_bytes, MAC_PEER, 6), 0);
	cr_expect_eq(memcmp(pkt.dst_mac.addr_bytes, MAC_US, 6), 0);
	cr_expect_eq(memcmp(pkt.local_mac.addr_bytes, MAC_US, 6), 0);
	inet_pton(AF_INET, "198.18.0.1", &want);
	cr_expect_eq(pkt.src_ip.v4, want);
	inet_pton(AF_INET, "198.18.0.2", &want);
	cr_expect_eq(pkt.dst_ip.v4, want);
	cr_expect_eq(pkt.src_port, 5070);
	cr_expect_eq(pkt.dst_port, 5060);
	cr_expect_eq(pkt.l2_len, 14);
	cr_expect_eq(pkt.l3_len, 20);
	cr_expect_eq(pkt.has_vlan, 0);
	cr_expect_eq(pkt.mtu, SC_NET_DEFAULT_MTU);
	/* the mbuf is freed by classify_spec: check the slice before that below */
}

Test(net, payload_slice)
{
	struct spec s = base_spec(4);
	uint8_t b[4096];
	uint32_t l4, len = build(&s, b, NULL, &l4);
	struct rte_mbuf *m = mbuf_of(b, len);
	struct sc_net_pkt pkt;

	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP);
	cr_expect_eq(pkt.payload, rte_pktmbuf_mtod_offset(m, const char *, l4 + 8));
	cr_expect_eq(pkt.payload_len, sizeof(SIP_PAYLOAD) - 1);
	cr_expect_eq(memcmp(pkt.payload, SIP_PAYLOAD, pkt.payload_len), 0);
	rte_pktmbuf_free(m);
}

Test(net, ipv4_options_vlan_padding)
{
	struct spec s = base_spec(4);
	struct sc_net_pkt pkt;
	uint8_t b[4096];
	uint32_t len;
	struct rte_mbuf *m;

	s.opt_words = 3;
	cr_assert_eq(classify_spec(&s, &pkt), SC_NET_SIP, "drop %s", sc_net_drop_name(pkt.drop));
	cr_expect_eq(pkt.l3_len, 32);
	cr_expect_eq(pkt.payload_len, sizeof(SIP_PAYLOAD) - 1);

	s = base_spec(4);
	s.opt_words = 10;	/* IHL 15, the maximum */
	cr_assert_eq(classify_spec(&s, &pkt), SC_NET_SIP, "drop %s", sc_net_drop_name(pkt.drop));
	cr_expect_eq(pkt.l3_len, 60);

	s = base_spec(4);
	s.vlan = 0x2064;	/* PCP 1, VID 100 */
	cr_assert_eq(classify_spec(&s, &pkt), SC_NET_SIP);
	cr_expect_eq(pkt.has_vlan, 1);
	cr_expect_eq(pkt.vlan_tci, 0x2064);
	cr_expect_eq(pkt.l2_len, 18);

	/* A minimum-size Ethernet frame carries padding after a tiny datagram. */
	s = base_spec(4);
	s.payload = "x";
	s.payload_len = 1;
	len = build(&s, b, NULL, NULL);
	cr_assert_lt(len, 60);
	m = mbuf_of(b, 60);
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP);
	cr_expect_eq(pkt.payload_len, 1);
	cr_expect_eq(pkt.payload[0], 'x');
	rte_pktmbuf_free(m);
}

Test(net, ipv4_drops)
{
	struct spec s;

	s = base_spec(4); s.qinq = true; s.vlan = 5;
	expect("qinq 8100/8100", &s, SC_NET_DROP, SC_NET_DROP_VLAN_QINQ);
	s = base_spec(4); s.outer_8a88 = true; s.vlan = 5;
	expect("qinq 88a8", &s, SC_NET_DROP, SC_NET_DROP_VLAN_QINQ);
	s = base_spec(4); s.bad_ip_cksum = true;
	expect("bad ip checksum", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_CHECKSUM);
	s = base_spec(4); s.ihl_override = 4;
	expect("ihl 4", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_HEADER);
	s = base_spec(4); s.version_override = 5;
	expect("version 5", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_HEADER);
	s = base_spec(4); s.ip_len_adj = 1;
	expect("total length past frame", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_HEADER);
	s = base_spec(4); s.ip_len_adj = -(int)(8 + sizeof(SIP_PAYLOAD) - 1) - 1;
	expect("total length < ihl", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_HEADER);
	s = base_spec(4); s.ip_len_adj = -(int)(sizeof(SIP_PAYLOAD) - 1) - 2;
	expect("room for 6 bytes of udp", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_LENGTH);
	s = base_spec(4); s.dst = "198.18.0.9";
	expect("not local", &s, SC_NET_DROP, SC_NET_DROP_NOT_LOCAL);
	s = base_spec(4); s.dst = "255.255.255.255";
	expect("broadcast", &s, SC_NET_DROP, SC_NET_DROP_NOT_LOCAL);
	s = base_spec(4); s.dst = "198.18.0.3";
	expect("second local", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	s = base_spec(4); s.proto = 6;
	expect("tcp", &s, SC_NET_DROP, SC_NET_DROP_NOT_UDP);
	s = base_spec(4); s.dport = 5061;
	expect("port 5061", &s, SC_NET_DROP, SC_NET_DROP_NOT_SIP_PORT);
	s = base_spec(4); s.dport = 5080;
	expect("port 5080", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	s = base_spec(4); s.udp_len_adj = 1;
	expect("udp length past ip", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_LENGTH);
	s = base_spec(4); s.udp_len_adj = -(int)(sizeof(SIP_PAYLOAD) - 1) - 1;
	expect("udp length 7", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_LENGTH);
	s = base_spec(4); s.cksum = 1;
	expect("bad udp checksum", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_CHECKSUM);
	s = base_spec(4); s.cksum = 2;
	expect("ipv4 udp checksum 0 = none", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	s = base_spec(4); s.frag = 0x2000; s.payload_len = 16;
	expect("MF", &s, SC_NET_FRAGMENT, SC_NET_DROP_NONE);
	s = base_spec(4); s.frag = 0x0010;
	expect("offset 128", &s, SC_NET_FRAGMENT, SC_NET_DROP_NONE);
	s = base_spec(4); s.frag = 0x4000;
	expect("DF only", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	s = base_spec(4); s.frag = 0x2000; s.payload_len = 13;
	expect("MF, not a multiple of 8", &s, SC_NET_DROP, SC_NET_DROP_BAD_FRAGMENT);
	s = base_spec(4); s.frag = 0x2000; s.dst = "198.18.0.9"; s.payload_len = 16;
	expect("fragment not local", &s, SC_NET_DROP, SC_NET_DROP_NOT_LOCAL);
}

Test(net, offload_flags_trusted)
{
	struct spec s = base_spec(4);
	uint8_t b[4096];
	uint32_t len;
	struct rte_mbuf *m;
	struct sc_net_pkt pkt;

	s.bad_ip_cksum = true;
	s.cksum = 1;
	len = build(&s, b, NULL, NULL);
	m = mbuf_of(b, len);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_UDP_CHECKSUM);
	rte_pktmbuf_free(m);

	s = base_spec(4);
	len = build(&s, b, NULL, NULL);
	m = mbuf_of(b, len);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD;
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_IP_CHECKSUM);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_UDP_CHECKSUM);
	/* The NIC stripped the tag: the packet is on that VLAN all the same. */
	m->ol_flags = RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 42;
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP);
	cr_expect_eq(pkt.has_vlan, 1);
	cr_expect_eq(pkt.vlan_tci, 42);
	rte_pktmbuf_free(m);
}

Test(net, not_ip)
{
	uint8_t b[64] = { 0 };
	struct rte_mbuf *m;
	struct sc_net_pkt pkt;

	memcpy(b, MAC_US, 6);
	put16(b + 12, 0x88cc);	/* LLDP */
	m = mbuf_of(b, 60);
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_NOT_IP);
	rte_pktmbuf_free(m);
}

/* Every prefix of a valid frame is dropped for the reason its length implies. */
static void
truncations(const struct spec *s, uint32_t l2)
{
	uint8_t b[4096];
	uint32_t len = build(s, b, NULL, NULL);
	uint32_t n;

	for (n = 0; n < len; n++) {
		struct rte_mbuf *m = mbuf_of(b, n);
		struct sc_net_pkt pkt;
		enum sc_net_drop want = n < l2 ? SC_NET_DROP_RUNT : SC_NET_DROP_BAD_IP_HEADER;

		cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP, "len %u", n);
		cr_expect_eq(pkt.drop, want, "len %u of %u: %s, want %s", n, len,
			     sc_net_drop_name(pkt.drop), sc_net_drop_name(want));
		rte_pktmbuf_free(m);
	}
}

Test(net, truncated_at_every_length)
{
	struct spec s = base_spec(4);

	truncations(&s, 14);
	s.vlan = 7;
	s.opt_words = 2;
	truncations(&s, 18);
	s = base_spec(6);
	truncations(&s, 14);
	s.vlan = 7;
	s.nexts = 2;
	s.exts[0] = (struct ext){ .type = 0, .len8 = 0 };
	s.exts[1] = (struct ext){ .type = 60, .len8 = 1 };
	truncations(&s, 18);
}

Test(net, ipv6_sip_and_ext_headers)
{
	struct spec s = base_spec(6);
	struct sc_net_pkt pkt;
	uint8_t want[16];

	cr_assert_eq(classify_spec(&s, &pkt), SC_NET_SIP, "drop %s", sc_net_drop_name(pkt.drop));
	cr_expect_eq(pkt.ip_version, 6);
	cr_expect_eq(pkt.l3_len, 40);
	inet_pton(AF_INET6, "2001:2::1", want);
	cr_expect_eq(memcmp(pkt.src_ip.v6, want, 16), 0);
	inet_pton(AF_INET6, "2001:2::2", want);
	cr_expect_eq(memcmp(pkt.dst_ip.v6, want, 16), 0);
	cr_expect_eq(pkt.payload_len, sizeof(SIP_PAYLOAD) - 1);

	s.nexts = 3;
	s.exts[0] = (struct ext){ .type = 0, .len8 = 0 };
	s.exts[1] = (struct ext){ .type = 43, .len8 = 2, .seg_left = 0 };
	s.exts[2] = (struct ext){ .type = 60, .len8 = 1 };
	cr_assert_eq(classify_spec(&s, &pkt), SC_NET_SIP, "drop %s", sc_net_drop_name(pkt.drop));
	cr_expect_eq(pkt.l3_len, 40 + 8 + 24 + 16);
	cr_expect_eq(pkt.payload_len, sizeof(SIP_PAYLOAD) - 1);

	s.exts[1].seg_left = 1;
	expect("routing with segments left", &s, SC_NET_DROP, SC_NET_DROP_BAD_IPV6_EXT);

	s = base_spec(6);
	s.nexts = 1;
	s.exts[0] = (struct ext){ .type = 60, .len8 = 0 };
	s.payload_len = 0;
	s.l4_override_len = 4;	/* 4 bytes of IP payload after an 8-byte header */
	s.l4_raw = (const uint8_t *)"abcd";
	expect("udp header cut", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_LENGTH);
	s.l4_override_len = 0;
	s.payload_len = sizeof(SIP_PAYLOAD) - 1;
	{
		uint8_t b[4096];
		uint32_t l3, len = build(&s, b, &l3, NULL);
		struct rte_mbuf *m;

		b[l3 + 40 + 1] = 200;	/* header claims 1608 bytes: past the datagram */
		m = mbuf_of(b, len);
		cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
		cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_IPV6_EXT, "%s", sc_net_drop_name(pkt.drop));
		rte_pktmbuf_free(m);
	}
}

Test(net, ipv6_drops)
{
	struct spec s;

	s = base_spec(6); s.cksum = 2;
	expect("ipv6 udp checksum 0", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_CHECKSUM);
	s = base_spec(6); s.cksum = 1;
	expect("ipv6 bad udp checksum", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_CHECKSUM);
	s = base_spec(6); s.dst = "2001:2::9";
	expect("ipv6 not local", &s, SC_NET_DROP, SC_NET_DROP_NOT_LOCAL);
	s = base_spec(6); s.dst = "2001:2::3";
	expect("ipv6 second local", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	s = base_spec(6); s.dst = "ff02::1";
	expect("ipv6 multicast", &s, SC_NET_DROP, SC_NET_DROP_NOT_LOCAL);
	s = base_spec(6); s.proto = 6;
	expect("ipv6 tcp", &s, SC_NET_DROP, SC_NET_DROP_NOT_UDP);
	s = base_spec(6); s.dport = 1;
	expect("ipv6 port 1", &s, SC_NET_DROP, SC_NET_DROP_NOT_SIP_PORT);
	s = base_spec(6); s.version_override = 4;
	expect("ipv6 version 4", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_HEADER);
	s = base_spec(6); s.ip_len_adj = 1;
	expect("ipv6 payload length past frame", &s, SC_NET_DROP, SC_NET_DROP_BAD_IP_HEADER);
	s = base_spec(6); s.udp_len_adj = 3;
	expect("ipv6 udp length", &s, SC_NET_DROP, SC_NET_DROP_BAD_UDP_LENGTH);
	s = base_spec(6); s.v6frag = true; s.v6frag_data = 1; s.payload_len = 16;
	expect("ipv6 fragment", &s, SC_NET_FRAGMENT, SC_NET_DROP_NONE);
	s = base_spec(6); s.v6frag = true; s.v6frag_data = 0;
	expect("ipv6 atomic fragment", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	s = base_spec(6); s.v6frag = true; s.v6frag_data = 1; s.nexts = 1; s.payload_len = 16;
	s.exts[0] = (struct ext){ .type = 60, .len8 = 0 };
	expect("ipv6 fragment after dest opts", &s, SC_NET_DROP, SC_NET_DROP_BAD_FRAGMENT);
}

/*
 * Sources no reply may go to (RFC 1122 3.2.1.3 and 4.1.3.6, RFC 4291 2.5.3 and 2.7,
 * IEEE 802 group addresses): dropped before anything answers them, fragments too.
 */
Test(net, bad_sources)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t mcast6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	static const struct {
		int v;
		const char *src;
		const uint8_t *mac;
		bool fragment;
		enum sc_net_class cls;
	} t[] = {
		{ 4, "255.255.255.255", NULL, false, SC_NET_DROP },
		{ 4, "224.0.0.1", NULL, false, SC_NET_DROP },
		{ 4, "239.255.255.250", NULL, false, SC_NET_DROP },
		{ 4, "240.0.0.1", NULL, false, SC_NET_DROP },
		{ 4, "0.0.0.0", NULL, false, SC_NET_DROP },
		{ 4, "0.1.2.3", NULL, false, SC_NET_DROP },
		{ 4, "127.0.0.1", NULL, false, SC_NET_DROP },
		{ 4, "224.0.0.1", NULL, true, SC_NET_DROP },
		{ 4, "198.18.0.1", bcast, false, SC_NET_DROP },
		{ 4, "198.18.0.1", mcast, false, SC_NET_DROP },
		{ 4, "223.255.255.254", NULL, false, SC_NET_SIP },
		{ 4, "1.0.0.1", NULL, false, SC_NET_SIP },
		{ 4, "128.0.0.1", NULL, false, SC_NET_SIP },
		{ 6, "ff02::1", NULL, false, SC_NET_DROP },
		{ 6, "ff0e::1", NULL, true, SC_NET_DROP },
		{ 6, "::1", NULL, false, SC_NET_DROP },
		{ 6, "::", NULL, false, SC_NET_DROP },
		{ 6, "::", NULL, true, SC_NET_DROP },
		{ 6, "2001:2::1", mcast6, false, SC_NET_DROP },
		{ 6, "fe80::1", NULL, false, SC_NET_SIP },
		{ 6, "::2", NULL, false, SC_NET_SIP },
	};

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		struct spec s = base_spec(t[i].v);
		char what[96];

		s.src = t[i].src;
		s.src_mac = t[i].mac;
		if (t[i].fragment && t[i].v == 4) {
			s.frag = 0x2000;
			s.payload_len = 16;
		} else if (t[i].fragment) {
			s.v6frag = true;
			s.v6frag_data = 1;
			s.payload_len = 16;
		}
		snprintf(what, sizeof(what), "source %s%s%s", t[i].src,
			 t[i].mac != NULL ? " from a group MAC" : "",
			 t[i].fragment ? ", a fragment" : "");
		expect(what, &s, t[i].cls,
		       t[i].cls == SC_NET_DROP ? SC_NET_DROP_BAD_SOURCE : SC_NET_DROP_NONE);
		/* The application refuses as its own or a hop's address what is dropped here. */
		if (t[i].mac == NULL) {
			union sc_net_ip a;

			cr_assert_eq(inet_pton(t[i].v == 4 ? AF_INET : AF_INET6, t[i].src, &a), 1);
			cr_expect_eq(sc_net_ip_is_host((uint8_t)t[i].v, &a),
				     t[i].cls == SC_NET_SIP, "sc_net_ip_is_host(%s)", t[i].src);
		}
	}
}

/*
 * A port without a MAC answers from the address a frame came to, which a group
 * address cannot be (found by fuzz_net_classify): such a SIP datagram is dropped
 * as no_port_mac; to a unicast MAC it is taken; with the port's MAC, either is.
 */
Test(net, group_dst_on_a_port_without_mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct sc_net_cfg saved = cfg;
	struct spec s = base_spec(4);

	s.dst_mac = bcast;
	expect("broadcast MAC, port MAC set", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	memset(&cfg.mac[0], 0, sizeof(cfg.mac[0]));
	expect("broadcast MAC, no port MAC", &s, SC_NET_DROP, SC_NET_DROP_NO_PORT_MAC);
	s = base_spec(6);
	s.dst_mac = bcast;
	expect("v6, broadcast MAC, no port MAC", &s, SC_NET_DROP, SC_NET_DROP_NO_PORT_MAC);
	s.dst_mac = NULL;
	expect("v6, unicast MAC, no port MAC", &s, SC_NET_SIP, SC_NET_DROP_NONE);
	cfg = saved;
}

/* ---- ARP ------------------------------------------------------------------ */

static uint32_t
build_arp(uint8_t *b, int vlan, uint16_t op, const char *tip, uint8_t hlen)
{
	uint32_t o = 12;
	uint8_t *a;

	memset(b, 0, 64);
	memset(b, 0xff, 6);
	memcpy(b + 6, MAC_PEER, 6);
	if (vlan >= 0) {
		put16(b + o, 0x8100);
		put16(b + o + 2, (uint16_t)vlan);
		o += 4;
	}
	put16(b + o, 0x0806);
	a = b + o + 2;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = hlen;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, MAC_PEER, 6);
	inet_pton(AF_INET, "198.18.0.1", a + 14);
	inet_pton(AF_INET, tip, a + 24);
	return 60 + (vlan >= 0 ? 4 : 0);
}

static void
check_arp(int vlan)
{
	uint8_t b[128], ip[4];
	uint32_t len = build_arp(b, vlan, 1, "198.18.0.2", 6);
	struct rte_mbuf *m = mbuf_of(b, len);
	struct sc_net_pkt pkt;
	const uint8_t *r, *a;
	uint32_t l2 = vlan >= 0 ? 18 : 14;

	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_ARP, "drop %s",
		     sc_net_drop_name(pkt.drop));
	cr_assert_eq(sc_net_answer(m, &cfg, &pkt), 0);
	r = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), len);
	cr_expect_eq(memcmp(r, MAC_PEER, 6), 0, "eth dst = requester");
	cr_expect_eq(memcmp(r + 6, MAC_US, 6), 0, "eth src = us");
	if (vlan >= 0) {
		cr_expect_eq(get16(r + 12), 0x8100);
		cr_expect_eq(get16(r + 14), vlan);
	}
	cr_expect_eq(get16(r + l2 - 2), 0x0806);
	a = r + l2;
	cr_expect_eq(get16(a), 1);
	cr_expect_eq(get16(a + 2), 0x0800);
	cr_expect_eq(a[4], 6);
	cr_expect_eq(a[5], 4);
	cr_expect_eq(get16(a + 6), 2, "op reply");
	cr_expect_eq(memcmp(a + 8, MAC_US, 6), 0, "sha = us");
	inet_pton(AF_INET, "198.18.0.2", ip);
	cr_expect_eq(memcmp(a + 14, ip, 4), 0, "spa = requested");
	cr_expect_eq(memcmp(a + 18, MAC_PEER, 6), 0, "tha = requester");
	inet_pton(AF_INET, "198.18.0.1", ip);
	cr_expect_eq(memcmp(a + 24, ip, 4), 0, "tpa = requester");
	rte_pktmbuf_free(m);
}

Test(net, arp)
{
	uint8_t b[128];
	struct rte_mbuf *m;
	struct sc_net_pkt pkt;
	struct sc_net_cfg nomac = cfg;

	check_arp(-1);
	check_arp(100);

	m = mbuf_of(b, build_arp(b, -1, 1, "198.18.0.77", 6));
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_ARP_NOT_FOR_US);
	cr_expect_eq(sc_net_answer(m, &cfg, &pkt), -EINVAL);
	rte_pktmbuf_free(m);
	m = mbuf_of(b, build_arp(b, -1, 2, "198.18.0.2", 6));
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_ARP_NOT_REQUEST);
	rte_pktmbuf_free(m);
	m = mbuf_of(b, build_arp(b, -1, 1, "198.18.0.2", 8));
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_ARP);
	rte_pktmbuf_free(m);
	m = mbuf_of(b, 14 + 20);	/* truncated ARP */
	cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_ARP);
	rte_pktmbuf_free(m);
	memset(&nomac.mac[0], 0, sizeof(nomac.mac[0]));
	m = mbuf_of(b, build_arp(b, -1, 1, "198.18.0.2", 6));
	cr_expect_eq(sc_net_classify(m, &nomac, &pkt), SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_NO_PORT_MAC);
	rte_pktmbuf_free(m);
}

/* ---- IPv6 neighbour discovery --------------------------------------------- */

struct ns_spec {
	const char *src, *dst, *target;
	uint8_t hop;
	bool sllao;
	bool bad_cksum;
	uint8_t type;
	int vlan;
};

static uint32_t
build_ns(const struct ns_spec *n, uint8_t *b)
{
	uint8_t sip[16], dip[16];
	uint32_t o = 12, l4len = 24 + (n->sllao ? 8 : 0);
	uint8_t *ip, *icmp;
	uint16_t c;

	memset(b, 0, 256);
	inet_pton(AF_INET6, n->src, sip);
	inet_pton(AF_INET6, n->dst, dip);
	/* 33:33 + low 32 bits of the group (RFC 2464 section 7). */
	b[0] = 0x33;
	b[1] = 0x33;
	memcpy(b + 2, dip + 12, 4);
	memcpy(b + 6, MAC_PEER, 6);
	if (n->vlan >= 0) {
		put16(b + o, 0x8100);
		put16(b + o + 2, (uint16_t)n->vlan);
		o += 4;
	}
	put16(b + o, 0x86dd);
	ip = b + o + 2;
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = 58;
	ip[7] = n->hop;
	memcpy(ip + 8, sip, 16);
	memcpy(ip + 24, dip, 16);
	icmp = ip + 40;
	icmp[0] = n->type ? n->type : 135;
	inet_pton(AF_INET6, n->target, icmp + 8);
	if (n->sllao) {
		icmp[24] = 1;
		icmp[25] = 1;
		memcpy(icmp + 26, MAC_PEER, 6);
	}
	c = l4_verify(6, sip, dip, 58, icmp, l4len);
	put16(icmp + 2, (uint16_t)(n->bad_cksum ? c ^ 0x0101 : c));
	return (uint32_t)(icmp - b) + l4len;
}

static void
check_na(const struct ns_spec *n, bool dad)
{
	uint8_t b[256], a[16];
	struct rte_mbuf *m = mbuf_of(b, build_ns(n, b));
	struct sc_net_pkt pkt;
	const uint8_t *r, *ip, *na;
	uint32_t l2 = n->vlan >= 0 ? 18 : 14;
	uint32_t flags;

	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_ND, "%s -> %s: drop %s", n->src,
		     n->dst, sc_net_drop_name(pkt.drop));
	cr_assert_eq(sc_net_answer(m, &cfg, &pkt), 0);
	r = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_expect_eq(rte_pktmbuf_pkt_len(m), l2 + 40 + 32);
	if (dad) {
		static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

		cr_expect_eq(memcmp(r, allnodes_mac, 6), 0);
	} else {
		cr_expect_eq(memcmp(r, MAC_PEER, 6), 0, "eth dst = solicitor");
	}
	cr_expect_eq(memcmp(r + 6, MAC_US, 6), 0);
	if (n->vlan >= 0)
		cr_expect_eq(get16(r + 14), n->vlan);
	cr_expect_eq(get16(r + l2 - 2), 0x86dd);
	ip = r + l2;
	cr_expect_eq(ip[0] >> 4, 6);
	cr_expect_eq(get16(ip + 4), 32, "payload length");
	cr_expect_eq(ip[6], 58);
	cr_expect_eq(ip[7], 255, "hop limit 255 (RFC 4861 7.1.2)");
	inet_pton(AF_INET6, n->target, a);
	cr_expect_eq(memcmp(ip + 8, a, 16), 0, "src = target");
	inet_pton(AF_INET6, dad ? "ff02::1" : n->src, a);
	cr_expect_eq(memcmp(ip + 24, a, 16), 0, "dst");
	na = ip + 40;
	cr_expect_eq(na[0], 136);
	cr_expect_eq(na[1], 0);
	flags = (uint32_t)na[4] << 24 | (uint32_t)na[5] << 16 | (uint32_t)na[6] << 8 | na[7];
	cr_expect_eq(flags, dad ? 0x20000000u : 0x60000000u, "R=0, S=%d, O=1: %08x", !dad, flags);
	inet_pton(AF_INET6, n->target, a);
	cr_expect_eq(memcmp(na + 8, a, 16), 0, "target");
	cr_expect_eq(na[24], 2, "target link-layer address option");
	cr_expect_eq(na[25], 1);
	cr_expect_eq(memcmp(na + 26, MAC_US, 6), 0);
	cr_expect_eq(l4_verify(6, ip + 8, ip + 24, 58, na, 32), 0, "ICMPv6 checksum");
	rte_pktmbuf_free(m);
}

Test(net, nd)
{
	struct ns_spec n = {
		.src = "2001:2::1", .dst = "ff02::1:ff00:2", .target = "2001:2::2",
		.hop = 255, .sllao = true, .vlan = -1,
	};
	uint8_t b[256];
	struct rte_mbuf *m;
	struct sc_net_pkt pkt;
	struct ns_spec bad;

	check_na(&n, false);			/* solicited-node multicast */
	n.vlan = 300;
	check_na(&n, false);
	n.vlan = -1;
	n.dst = "2001:2::2";			/* unicast (NUD) */
	check_na(&n, false);
	n.dst = "ff02::1:ff00:3";
	n.target = "2001:2::3";			/* our second address */
	n.sllao = false;
	check_na(&n, false);
	n.src = "::";				/* duplicate address detection */
	check_na(&n, true);

	struct {
		const char *what;
		struct ns_spec n;
		enum sc_net_drop want;
	} cases[] = {
		{ "target not ours", { "2001:2::1", "ff02::1:ff00:9", "2001:2::9", 255, true,
		  false, 0, -1 }, SC_NET_DROP_ND_NOT_FOR_US },
		{ "wrong solicited-node group", { "2001:2::1", "ff02::1:ff00:3", "2001:2::2",
		  255, true, false, 0, -1 }, SC_NET_DROP_ND_NOT_FOR_US },
		{ "hop limit 64", { "2001:2::1", "ff02::1:ff00:2", "2001:2::2", 64, true,
		  false, 0, -1 }, SC_NET_DROP_BAD_ICMPV6 },
		{ "bad checksum", { "2001:2::1", "ff02::1:ff00:2", "2001:2::2", 255, true,
		  true, 0, -1 }, SC_NET_DROP_BAD_ICMPV6_CHECKSUM },
		{ "DAD with SLLAO", { "::", "ff02::1:ff00:2", "2001:2::2", 255, true,
		  false, 0, -1 }, SC_NET_DROP_BAD_ICMPV6 },
		{ "echo request", { "2001:2::1", "2001:2::2", "::", 64, false, false, 128, -1 },
		  SC_NET_DROP_ICMPV6_OTHER },
		{ "neighbour advertisement", { "2001:2::1", "2001:2::2", "2001:2::1", 255, false,
		  false, 136, -1 }, SC_NET_DROP_ICMPV6_OTHER },
	};
	size_t i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		bad = cases[i].n;
		m = mbuf_of(b, build_ns(&bad, b));
		cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP, "%s", cases[i].what);
		cr_expect_eq(pkt.drop, cases[i].want, "%s: %s", cases[i].what,
			     sc_net_drop_name(pkt.drop));
		rte_pktmbuf_free(m);
	}
}

/* ---- encap round trip ---------------------------------------------------- */

Test(net, encap_roundtrip)
{
	static const uint64_t capas[] = {
		0,
		RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
	};
	int v, vl;
	size_t c;

	for (v = 4; v <= 6; v += 2)
	for (vl = 0; vl < 2; vl++)
	for (c = 0; c < RTE_DIM(capas); c++) {
		struct sc_net_path path;
		union sc_net_ip src, dst;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		struct sc_net_pkt pkt;
		const uint8_t *r;
		uint32_t l2 = vl ? 18 : 14;

		/* Send "to us" so our own decap accepts the frame. */
		path_to_us(&path, v, vl ? 77 : -1, &src, &dst);
		cr_assert_eq(sc_net_encap(m, &path, SIP_PAYLOAD, sizeof(SIP_PAYLOAD) - 1,
					  capas[c]), 0);
		cr_expect_eq(rte_pktmbuf_pkt_len(m), sc_net_hdr_len(&path) +
			     sizeof(SIP_PAYLOAD) - 1);
		r = rte_pktmbuf_mtod(m, const uint8_t *);
		if (capas[c] == 0) {
			const uint8_t *ip = r + l2;

			cr_expect_eq(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM |
						    RTE_MBUF_F_TX_UDP_CKSUM), 0);
			if (v == 4) {
				cr_expect_eq(fold(sum16(ip, 20, 0)), 0xffff, "ip checksum");
				cr_expect_eq(l4_verify(4, ip + 12, ip + 16, 17, ip + 20,
						       get16(ip + 24)), 0, "udp checksum");
			} else {
				cr_expect_eq(l4_verify(6, ip + 8, ip + 24, 17, ip + 40,
						       get16(ip + 4)), 0, "udp checksum");
			}
		} else {
			uint16_t phdr;

			cr_expect_neq(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM, 0);
			cr_expect_eq(m->l2_len, l2);
			cr_expect_eq(m->l3_len, v == 4 ? 20 : 40);
			if (v == 4) {
				uint64_t want = RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4;

				cr_expect_eq(m->ol_flags & want, want);
			} else {
				cr_expect_neq(m->ol_flags & RTE_MBUF_F_TX_IPV6, 0);
			}
			/* The UDP field holds the pseudo-header sum the NIC completes. */
			phdr = v == 4 ?
				rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)(r + l2),
						    m->ol_flags) :
				rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)(r + l2),
						    m->ol_flags);
			cr_expect_eq(get16(r + l2 + (v == 4 ? 26 : 46)), rte_be_to_cpu_16(phdr),
				     "v%d offload pseudo-header sum", v);
			/* What the NIC would compute: pretend it did. */
			m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		}
		cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP, "v%d vlan %d capa %zu: %s",
			     v, vl, c, sc_net_drop_name(pkt.drop));
		cr_expect_eq(pkt.has_vlan, vl);
		if (vl)
			cr_expect_eq(pkt.vlan_tci, 77);
		cr_expect_eq(pkt.src_port, 5070);
		cr_expect_eq(pkt.dst_port, 5060);
		cr_expect_eq(memcmp(&pkt.src_ip, &src, v == 4 ? 4 : 16), 0);
		cr_expect_eq(memcmp(&pkt.dst_ip, &dst, v == 4 ? 4 : 16), 0);
		cr_expect_eq(memcmp(pkt.src_mac.addr_bytes, MAC_PEER, 6), 0);
		cr_expect_eq(pkt.payload_len, sizeof(SIP_PAYLOAD) - 1);
		cr_expect_eq(memcmp(pkt.payload, SIP_PAYLOAD, pkt.payload_len), 0);
		rte_pktmbuf_free(m);
	}
}

Test(net, encap_limits)
{
	static char big[2100];
	struct sc_net_path path;
	struct rte_ether_addr a = { { 2, 0, 0, 0, 0, 1 } };
	union sc_net_ip ip = { .v4 = 0x01020304 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	cr_assert_eq(sc_net_path_init(&path, 0, &a, &a, -1, 4, &ip, 5060, &ip, 5060, 0), 0);
	cr_expect_eq(sc_net_encap(m, &path, big, 1500 - 28, 0), 0, "exactly the MTU");
	cr_expect_eq(sc_net_encap(m, &path, big, 1500 - 28 + 1, 0), -EMSGSIZE);
	path.mtu = 576;
	cr_expect_eq(sc_net_encap(m, &path, big, 576 - 28 + 1, 0), -EMSGSIZE);
	path.mtu = 9000;	/* jumbo path, but the mbuf holds 2048 */
	cr_expect_eq(sc_net_encap(m, &path, big, sizeof(big), 0), -EMSGSIZE);
	cr_expect_eq(sc_net_path_init(&path, 0, &a, &a, -1, 5, &ip, 5060, &ip, 5060, 0),
		     -EINVAL);
	path.ip_version = 5;
	cr_expect_eq(sc_net_encap(m, &path, big, 10, 0), -EINVAL);
	rte_pktmbuf_free(m);
}

/* An mbuf as a handled request leaves it: RX flags, offsets and lengths set. */
static void
dirty(struct rte_mbuf *m)
{
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD |
		      RTE_MBUF_F_RX_VLAN;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP;
	m->vlan_tci = 55;
	m->vlan_tci_outer = 66;
	m->port = 3;
	m->tx_offload = rte_mbuf_tx_offload(1, 2, 3, 400, 5, 6, 0);
	m->data_off = 64;
	m->data_len = 333;
	m->pkt_len = 333;
	memset(rte_pktmbuf_mtod(m, char *), 0xa5, 600);
}

/*
 * sc_net_encap_raw() (the worker's spares: no load from the mbuf) leaves the frame
 * and every field sc_net_encap() sets exactly as sc_net_encap() does, and fails the
 * same way, for v4/v6, 802.1Q, software and offloaded checksums, odd lengths.
 */
Test(net, encap_raw_same_as_encap)
{
	static const uint64_t capas[] = {
		0,
		RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM,
	};
	static const uint32_t lens[] = { 0, 1, 31, 33, 64, 313, 1000 };
	static char body[1500];
	int v, vl;
	size_t c, k, i;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (char)(' ' + i % 90);
	for (v = 4; v <= 6; v += 2)
	for (vl = 0; vl < 2; vl++)
	for (c = 0; c < RTE_DIM(capas); c++)
	for (k = 0; k < RTE_DIM(lens); k++) {
		struct rte_mbuf *a = rte_pktmbuf_alloc(pool), *b = rte_pktmbuf_alloc(pool);
		struct sc_net_path path;
		union sc_net_ip src, dst;

		cr_assert(a != NULL && b != NULL);
		/* What the worker assumes of a fresh pool mbuf (rte_pktmbuf_init). */
		cr_expect_eq((char *)b->buf_addr, (char *)b + sizeof(*b) +
			     rte_pktmbuf_priv_size(pool));
		cr_expect_eq(b->buf_len, rte_pktmbuf_data_room_size(pool));
		dirty(a);
		dirty(b);
		path_to_us(&path, v, vl ? 77 : -1, &src, &dst);
		cr_assert_eq(sc_net_encap(a, &path, body, lens[k], capas[c]), 0);
		cr_assert_eq(sc_net_encap_raw(b, b->buf_addr, b->buf_len, &path, body, lens[k],
					      capas[c]), 0, "v%d vlan %d capa %zu len %u",
			     v, vl, c, lens[k]);
		cr_expect_eq(b->data_off, a->data_off);
		cr_expect_eq(b->data_len, a->data_len);
		cr_expect_eq(b->pkt_len, a->pkt_len);
		cr_expect_eq(b->nb_segs, 1);
		cr_expect_null(b->next);
		cr_expect_eq(b->port, a->port);
		cr_expect_eq(b->ol_flags, a->ol_flags, "ol_flags %#" PRIx64 " vs %#" PRIx64,
			     b->ol_flags, a->ol_flags);
		cr_expect_eq(b->packet_type, a->packet_type);
		cr_expect_eq(b->vlan_tci, a->vlan_tci);
		cr_expect_eq(b->vlan_tci_outer, a->vlan_tci_outer);
		cr_expect_eq(b->tx_offload, a->tx_offload);
		cr_expect_eq(memcmp(rte_pktmbuf_mtod(b, char *), rte_pktmbuf_mtod(a, char *),
				    a->data_len), 0, "v%d vlan %d capa %zu len %u: frame differs",
			     v, vl, c, lens[k]);
		rte_pktmbuf_free(a);
		rte_pktmbuf_free(b);
	}
}

Test(net, encap_raw_limits)
{
	static char big[2100];
	struct sc_net_path path;
	struct rte_ether_addr e = { { 2, 0, 0, 0, 0, 1 } };
	union sc_net_ip ip = { .v4 = 0x01020304 };
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *buf = m->buf_addr;
	uint16_t room = m->buf_len;

	cr_assert_eq(sc_net_path_init(&path, 0, &e, &e, -1, 4, &ip, 5060, &ip, 5060, 0), 0);
	cr_expect_eq(sc_net_encap_raw(m, buf, room, &path, big, 1500 - 28, 0), 0, "the MTU");
	dirty(m);
	cr_expect_eq(sc_net_encap_raw(m, buf, room, &path, big, 1500 - 28 + 1, 0), -EMSGSIZE);
	/* Failed as sc_net_encap() fails: m reset, nothing in it. */
	cr_expect_eq(m->data_len, 0);
	cr_expect_eq(m->ol_flags, 0);
	path.mtu = 9000;	/* jumbo path, but the mbuf holds 2048 */
	dirty(m);
	cr_expect_eq(sc_net_encap_raw(m, buf, room, &path, big, sizeof(big), 0), -EMSGSIZE);
	cr_expect_eq(m->data_len, 0);
	path.ip_version = 5;
	cr_expect_eq(sc_net_encap_raw(m, buf, room, &path, big, 10, 0), -EINVAL);
	rte_pktmbuf_free(m);
}

/* ---- response path ------------------------------------------------------- */

static struct sc_sip_via
via(uint16_t port, bool rport, const char *rport_val)
{
	struct sc_sip_via v;

	memset(&v, 0, sizeof(v));
	v.port = port;
	v.has_rport = rport;
	if (rport_val != NULL) {
		v.rport.p = rport_val;
		v.rport.len = (uint32_t)strlen(rport_val);
	}
	return v;
}

Test(net, response_path)
{
	struct spec s = base_spec(4);
	uint8_t b[4096];
	struct rte_mbuf *m;
	struct sc_net_pkt pkt;
	struct sc_net_path p;
	struct sc_sip_via v;
	union sc_net_ip want;

	s.vlan = 12;
	s.sport = 40000;	/* what a NAT did to the UAC's 5070 */
	m = mbuf_of(b, build(&s, b, NULL, NULL));
	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP);

	v = via(5070, true, NULL);		/* ;rport: the source port (RFC 3581 4) */
	cr_assert_eq(sc_net_response_path(&pkt, &v, 5060, &p), 0);
	cr_expect_eq(p.dst_port, 40000);
	inet_pton(AF_INET, "198.18.0.1", &want.v4);
	cr_expect_eq(p.dst_ip.v4, want.v4, "to the received address (source IP)");
	inet_pton(AF_INET, "198.18.0.2", &want.v4);
	cr_expect_eq(p.src_ip.v4, want.v4, "from the address it came to");
	cr_expect_eq(p.src_port, 5060);
	cr_expect_eq(p.ip_version, 4);
	cr_expect_eq(p.has_vlan, 1);
	cr_expect_eq(p.vlan_tci, 12);
	cr_expect_eq(p.port_id, 0);
	cr_expect_eq(memcmp(p.dst_mac.addr_bytes, MAC_PEER, 6), 0);
	cr_expect_eq(memcmp(p.src_mac.addr_bytes, MAC_US, 6), 0);

	v = via(5070, true, "5999");		/* a value already there is used */
	sc_net_response_path(&pkt, &v, 5060, &p);
	cr_expect_eq(p.dst_port, 5999);
	v = via(5070, true, "99999");		/* nonsense value: the source port */
	sc_net_response_path(&pkt, &v, 5060, &p);
	cr_expect_eq(p.dst_port, 40000);
	v = via(5070, false, NULL);		/* RFC 3261 18.2.2: sent-by port */
	sc_net_response_path(&pkt, &v, 5060, &p);
	cr_expect_eq(p.dst_port, 5070);
	v = via(0, false, NULL);		/* no port: 5060 */
	sc_net_response_path(&pkt, &v, 5060, &p);
	cr_expect_eq(p.dst_port, 5060);
	sc_net_response_path(&pkt, &v, 0, &p);
	cr_expect_eq(p.dst_port, 5060);
	sc_net_response_path(&pkt, &v, 5080, &p);
	cr_expect_eq(p.dst_port, 5080);
	sc_net_response_path(&pkt, NULL, 5060, &p);
	cr_expect_eq(p.dst_port, 5060);
	rte_pktmbuf_free(m);

	s = base_spec(6);
	m = mbuf_of(b, build(&s, b, NULL, NULL));
	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP);
	v = via(0, true, NULL);
	sc_net_response_path(&pkt, &v, 5060, &p);
	cr_expect_eq(p.ip_version, 6);
	cr_expect_eq(p.has_vlan, 0);
	cr_expect_eq(p.dst_port, 5070);
	inet_pton(AF_INET6, "2001:2::1", want.v6);
	cr_expect_eq(memcmp(p.dst_ip.v6, want.v6, 16), 0);
	rte_pktmbuf_free(m);
}

/* ---- reassembly ---------------------------------------------------------- */

/* A SIP INVITE too big for one frame of 600 bytes: cut into 3 fragments. */
static void
reassemble(int v, const int order[3], int vlan)
{
	static char body[1400];
	struct spec s = base_spec(v);
	uint8_t whole[4096], fb[4096];
	uint32_t l4, len, ulen, per, off;
	uint8_t udp[2048];
	struct sc_net_frag *f;
	struct rte_mbuf *frags[3], *r = NULL;
	struct sc_net_pkt pkt;
	int i, k, n_out = 0;

	memset(body, 'a', sizeof(body));
	memcpy(body, "INVITE sip:x@198.18.0.2 SIP/2.0\r\n", 33);
	s.payload = body;
	s.payload_len = sizeof(body);
	s.vlan = vlan;
	len = build(&s, whole, NULL, &l4);
	ulen = len - l4;
	memcpy(udp, whole + l4, ulen);
	per = 8 * ((ulen + 2) / 3 / 8 + 1);
	cr_assert_lt(2 * per, ulen);

	f = sc_net_frag_create(64, rte_get_tsc_hz() ? rte_get_tsc_hz() : 1000000000ull,
			       SOCKET_ID_ANY);
	cr_assert_not_null(f);
	for (k = 0; k < 3; k++) {
		struct spec fs = s;
		uint32_t flen;

		off = per * (uint32_t)k;
		fs.l4_override_len = k < 2 ? per : ulen - 2 * per;
		fs.l4_raw = udp + off;
		if (v == 4) {
			fs.frag = (uint16_t)((k < 2 ? 0x2000 : 0) | (off / 8));
		} else {
			fs.v6frag = true;
			fs.v6frag_data = (uint16_t)(off | (k < 2 ? 1 : 0));
			fs.v6frag_id = 0xabc;
		}
		flen = build(&fs, fb, NULL, NULL);
		frags[k] = mbuf_of(fb, flen);
		cr_assert_eq(sc_net_classify(frags[k], &cfg, &pkt), SC_NET_FRAGMENT,
			     "fragment %d: %s", k, sc_net_drop_name(pkt.drop));
	}
	for (i = 0; i < 3; i++) {
		struct rte_mbuf *m = frags[order[i]];

		cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_FRAGMENT);
		r = sc_net_reassemble(f, m, &cfg, &pkt, 1000 + (uint64_t)i);
		if (r != NULL) {
			n_out++;
			cr_expect_eq(i, 2, "complete only after the last fragment");
			break;
		}
	}
	cr_assert_eq(n_out, 1);
	cr_assert_not_null(r);
	cr_assert_eq(pkt.cls, SC_NET_SIP, "reassembled: %s", sc_net_drop_name(pkt.drop));
	cr_expect_gt(r->nb_segs, 1, "chained");
	cr_expect_eq(pkt.has_vlan, vlan >= 0);
	cr_expect_eq(pkt.payload_len, sizeof(body));
	cr_expect_null(pkt.payload, "chained: the caller asks for the flat copy");
	cr_assert_not_null(sc_net_flat_payload(f, r, &pkt));
	cr_assert_not_null(pkt.payload);
	cr_expect_eq(memcmp(pkt.payload, body, sizeof(body)), 0, "payload is the original");
	cr_expect_eq(pkt.src_port, 5070);
	cr_expect_eq(pkt.dst_port, 5060);
	cr_expect_eq(sc_net_frag_drain(f), 0);
	rte_pktmbuf_free(r);
	sc_net_frag_free(f);
}

Test(net, reassembly_ipv4)
{
	static const int in_order[3] = { 0, 1, 2 };
	static const int reversed[3] = { 2, 1, 0 };
	static const int mixed[3] = { 1, 2, 0 };

	reassemble(4, in_order, -1);
	reassemble(4, reversed, -1);
	reassemble(4, mixed, 33);
}

Test(net, reassembly_ipv6)
{
	static const int in_order[3] = { 0, 1, 2 };
	static const int reversed[3] = { 2, 0, 1 };

	reassemble(6, in_order, -1);
	reassemble(6, reversed, -1);
	reassemble(6, in_order, 33);
}

Test(net, reassembly_bad_checksum_dropped)
{
	/* A corrupted datagram reassembles but fails the UDP checksum over all of it. */
	static char body[1400];
	struct spec s = base_spec(4);
	uint8_t whole[4096], fb[4096], udp[2048];
	uint32_t l4, len, ulen, per = 480;
	struct sc_net_frag *f = sc_net_frag_create(16, 1000000000ull, SOCKET_ID_ANY);
	struct rte_mbuf *r = NULL;
	struct sc_net_pkt pkt;
	int k;

	cr_assert_not_null(f);
	memset(body, 'b', sizeof(body));
	s.payload = body;
	s.payload_len = sizeof(body);
	len = build(&s, whole, NULL, &l4);
	ulen = len - l4;
	memcpy(udp, whole + l4, ulen);
	udp[1000] ^= 0x01;
	for (k = 0; k < 3; k++) {
		struct spec fs = s;
		struct rte_mbuf *m;

		fs.l4_override_len = k < 2 ? per : ulen - 2 * per;
		fs.l4_raw = udp + per * (uint32_t)k;
		fs.frag = (uint16_t)((k < 2 ? 0x2000 : 0) | (per * (uint32_t)k / 8));
		m = mbuf_of(fb, build(&fs, fb, NULL, NULL));
		cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_FRAGMENT);
		r = sc_net_reassemble(f, m, &cfg, &pkt, 5);
	}
	cr_assert_not_null(r);
	cr_expect_eq(pkt.cls, SC_NET_DROP);
	cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_UDP_CHECKSUM);
	rte_pktmbuf_free(r);
	sc_net_frag_free(f);
}

Test(net, reassembly_timeout_frees_held_fragments)
{
	struct spec s = base_spec(4);
	uint8_t b[4096];
	struct sc_net_frag *f = sc_net_frag_create(16, 1000, SOCKET_ID_ANY);
	unsigned before = rte_mempool_in_use_count(pool);
	struct sc_net_pkt pkt;
	struct rte_mbuf *m;

	cr_assert_not_null(f);
	s.frag = 0x2000;	/* first fragment; the rest never comes */
	s.payload_len = 16;
	m = mbuf_of(b, build(&s, b, NULL, NULL));
	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_FRAGMENT);
	cr_assert_null(sc_net_reassemble(f, m, &cfg, &pkt, 100));
	cr_expect_eq(rte_mempool_in_use_count(pool), before + 1, "held");
	cr_expect_eq(sc_net_frag_expire(f, 500), 0, "within the timeout");
	cr_expect_eq(sc_net_frag_expire(f, 100 + 1000 + 1), 1, "expired and freed");
	cr_expect_eq(rte_mempool_in_use_count(pool), before);
	sc_net_frag_free(f);
}

Test(net, answer_restores_stripped_vlan)
{
	uint8_t b[128];
	struct rte_mbuf *m;
	struct sc_net_pkt pkt;
	const uint8_t *r;

	/* The NIC took tag 100 off an ARP request: the reply must carry it again. */
	m = mbuf_of(b, build_arp(b, -1, 1, "198.18.0.2", 6));
	m->ol_flags = RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 100;
	cr_assert_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_ARP);
	cr_assert_eq(sc_net_answer(m, &cfg, &pkt), 0);
	r = rte_pktmbuf_mtod(m, const uint8_t *);
	cr_expect_eq(get16(r + 12), 0x8100);
	cr_expect_eq(get16(r + 14), 100);
	cr_expect_eq(get16(r + 16), 0x0806);
	cr_expect_eq(get16(r + 18 + 6), 2, "op reply");
	cr_expect_eq(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED, 0);
	rte_pktmbuf_free(m);
}

/* ---- chained mbufs: checksum across segments ---------------------------- */

/*
 * The frame split into a chain: the first segment ends `first` bytes past the UDP
 * header, the rest in segments of the lengths in cuts[] (cycled). Odd cuts put
 * segments at odd offsets of the datagram, where the byte pairing flips.
 */
static struct rte_mbuf *
chain_of(const uint8_t *b, uint32_t len, uint32_t first, const uint32_t *cuts, size_t ncuts)
{
	struct rte_mbuf *head = mbuf_of(b, first);
	uint32_t o = first;
	size_t i = 0;

	while (o < len) {
		uint32_t n = RTE_MIN(cuts[i++ % ncuts], len - o);
		struct rte_mbuf *seg = mbuf_of(b + o, n);

		cr_assert_eq(rte_pktmbuf_chain(head, seg), 0);
		o += n;
	}
	return head;
}

Test(net, chained_udp_checksum_odd_segments)
{
	static const uint32_t cut_sets[][4] = {
		{ 1, 1, 1, 300 },
		{ 3, 5, 7, 9 },
		{ 255, 2, 1, 600 },
		{ 333, 334, 333, 1000 },
		{ 2, 4, 8, 512 },
	};
	static const uint32_t firsts[] = { 0, 1, 2, 17, 100, 401 };
	static char body[1400];
	uint8_t b[4096];
	size_t i, c, f;
	int v;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (char)(0x80 + (i * 37) % 127);	/* big words: many carries */
	for (v = 4; v <= 6; v += 2)
	for (c = 0; c < RTE_DIM(cut_sets); c++)
	for (f = 0; f < RTE_DIM(firsts); f++) {
		struct spec s = base_spec(v);
		struct sc_net_pkt pkt;
		struct rte_mbuf *m;
		uint32_t l4, len;
		int bad;

		s.payload = body;
		s.payload_len = sizeof(body);
		len = build(&s, b, NULL, &l4);
		for (bad = 0; bad < 2; bad++) {
			if (bad)
				b[len - 700] ^= 0x10;	/* one bit in a later segment */
			m = chain_of(b, len, l4 + 8 + firsts[f], cut_sets[c], 4);
			cr_assert_gt(m->nb_segs, 1);
			if (bad) {
				cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_DROP,
					     "v%d cuts %zu first %u: corrupt accepted", v, c,
					     firsts[f]);
				cr_expect_eq(pkt.drop, SC_NET_DROP_BAD_UDP_CHECKSUM);
			} else {
				cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP,
					     "v%d cuts %zu first %u: %s", v, c, firsts[f],
					     sc_net_drop_name(pkt.drop));
				cr_expect_null(pkt.payload, "chained payload is not flat");
				cr_expect_eq(pkt.payload_len, sizeof(body));
			}
			rte_pktmbuf_free(m);
		}
	}
}

/*
 * A UDP checksum that computes to 0 goes out as 0xffff (RFC 768; for IPv6 0 would
 * mean "none" and is invalid, RFC 8200 8.1). The payload's last word is chosen as
 * the first checksum, which makes the second one compute to exactly 0.
 */
Test(net, encap_checksum_zero_sent_as_ffff)
{
	int v;

	for (v = 4; v <= 6; v += 2) {
		char body[64];
		struct sc_net_path path;
		union sc_net_ip src, dst;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		struct sc_net_pkt pkt;
		const uint8_t *ip;
		uint32_t uo = v == 4 ? 20 : 40;
		uint16_t c;

		cr_assert_not_null(m);
		path_to_us(&path, v, -1, &src, &dst);
		memset(body, 'x', sizeof(body));
		body[62] = 0;
		body[63] = 0;
		cr_assert_eq(sc_net_encap(m, &path, body, sizeof(body), 0), 0);
		ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, 14);
		c = get16(ip + uo + 6);
		put16((uint8_t *)body + 62, c);
		cr_assert_eq(sc_net_encap(m, &path, body, sizeof(body), 0), 0);
		ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, 14);
		cr_expect_eq(get16(ip + uo + 6), 0xffff, "v%d: computed 0 must be sent as 0xffff",
			     v);
		cr_expect_eq(l4_verify(v, ip + (v == 4 ? 12 : 8), ip + (v == 4 ? 16 : 24), 17,
				       ip + uo, 8 + sizeof(body)), 0, "v%d: checksum", v);
		cr_expect_eq(sc_net_classify(m, &cfg, &pkt), SC_NET_SIP, "v%d: %s", v,
			     sc_net_drop_name(pkt.drop));
		rte_pktmbuf_free(m);
	}
}
