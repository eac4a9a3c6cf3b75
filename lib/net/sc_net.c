/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decap, ARP/ND answers, reply paths and encap. Headers are read from the first
 * segment only (a NIC never splits the first 128 bytes); payloads and checksums
 * may span segments.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_udp.h>

#include "sc_copy.h"
#include "sc_net.h"
#include "net_cksum_priv.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60

/* Extension headers we walk before giving up (none of ours needs more than 3). */
#define MAX_IPV6_EXT 8

/* RFC 4861 section 4.3 / 4.4 and 7.1.1. */
#define ND_NS 135
#define ND_NA 136
#define ND_HOP_LIMIT 255
#define ND_NS_LEN 24			/* type..target */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NA_LEN (24 + 8)		/* NA + target link-layer address option */
#define ND_NA_FLAG_SOLICITED 0x40000000u
#define ND_NA_FLAG_OVERRIDE 0x20000000u

#define IPV4_DEFAULT_TTL 64
#define IPV6_DEFAULT_HOPS 64

static const char *const drop_names[] = {
#define SC_X_NAME(name, str) [SC_NET_DROP_##name] = str,
	SC_NET_DROPS(SC_X_NAME)
#undef SC_X_NAME
};

const char *
sc_net_drop_name(enum sc_net_drop reason)
{
	if ((unsigned)reason >= SC_NET_DROP_COUNT)
		return "unknown";
	return drop_names[reason];
}

const char *
sc_net_class_name(enum sc_net_class cls)
{
	switch (cls) {
	case SC_NET_DROP: return "drop";
	case SC_NET_SIP: return "sip";
	case SC_NET_ARP: return "arp";
	case SC_NET_ND: return "nd";
	case SC_NET_FRAGMENT: return "fragment";
	}
	return "unknown";
}

bool
sc_net_is_local(const struct sc_net_cfg *cfg, uint8_t ip_version, const union sc_net_ip *ip)
{
	unsigned i;

	if (ip_version == 4) {
		for (i = 0; i < cfg->ipv4_count; i++)
			if (cfg->ipv4[i].v4 == ip->v4)
				return true;
	} else if (ip_version == 6) {
		for (i = 0; i < cfg->ipv6_count; i++)
			if (memcmp(cfg->ipv6[i].v6, ip->v6, 16) == 0)
				return true;
	}
	return false;
}

static bool
is_sip_port(const struct sc_net_cfg *cfg, uint16_t port)
{
	unsigned i;

	for (i = 0; i < cfg->sip_port_count; i++)
		if (cfg->sip_ports[i] == port)
			return true;
	return false;
}

/*
 * rte_is_zero_ether_addr() reads the bytes through a uint16_t pointer, which
 * breaks strict aliasing on a just-written struct copy (gcc -O2 then reads stale
 * memory); compare bytes instead.
 */
static bool
mac_is_zero(const struct rte_ether_addr *a)
{
	static const uint8_t zero[RTE_ETHER_ADDR_LEN];

	return memcmp(a->addr_bytes, zero, RTE_ETHER_ADDR_LEN) == 0;
}

static bool
ipv6_is_unspec(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/*
 * A source no reply may go to: RFC 1122 3.2.1.3 (IPv4: this network 0/8, loopback
 * 127/8, multicast and class E, 224/3 with the limited broadcast) and RFC 4291
 * 2.5.3 and 2.7 (IPv6: loopback, multicast). Answering it would reflect traffic to
 * a group or to a forged address (RFC 1122 4.1.3.6: such UDP datagrams are
 * discarded). :: is refused by the callers, since an ND probe may come from it.
 */
static inline bool
ipv4_src_invalid(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static inline bool
ipv6_src_invalid(const uint8_t *a)
{
	static const uint8_t loopback[16] = { [15] = 1 };

	return a[0] == 0xff || memcmp(a, loopback, 16) == 0;
}

/* ff02::1:ffXX:XXXX for target (RFC 4291 section 2.7.1). */
static void
solicited_node(const uint8_t *target, uint8_t *out)
{
	static const uint8_t prefix[13] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff,
	};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + 13, target + 13, 3);
}

/*
 * One's-complement sum of the IPv4/IPv6 pseudo header (RFC 768, RFC 8200 8.1) in
 * host-order words, folded to 16 bits: a valid `sum` for sc_net_cksum_raw().
 */
static uint32_t
phdr6_sum(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t l4_len)
{
	uint64_t sum = (uint64_t)rte_cpu_to_be_16((uint16_t)l4_len) + rte_cpu_to_be_16(proto) +
		       rte_cpu_to_be_16((uint16_t)(l4_len >> 16));

	sum = net_cksum_add32(src, 16, sum);
	return net_cksum_fold64(net_cksum_add32(dst, 16, sum));
}

static uint32_t
phdr_sum(uint8_t ip_version, const union sc_net_ip *src, const union sc_net_ip *dst,
	 uint8_t proto, uint32_t l4_len)
{
	if (ip_version == 6)
		return phdr6_sum(src->v6, dst->v6, proto, l4_len);
	return net_cksum_fold64((uint64_t)rte_cpu_to_be_16((uint16_t)l4_len) +
				rte_cpu_to_be_16(proto) + src->v4 + dst->v4);
}

/* Host-order 16-bit word of two bytes as they sit in memory, `first` at the lower address. */
static inline uint32_t
wire16(uint8_t first, uint8_t second)
{
	return rte_cpu_to_be_16((uint16_t)(first << 8 | second));
}

/*
 * Checksum field for a folded sum. A UDP checksum computed as 0 is sent as 0xffff
 * (RFC 768; for IPv6 0 is invalid, RFC 8200 8.1); both are the same sum.
 */
static uint16_t
cksum_field(uint32_t folded)
{
	uint16_t ck = (uint16_t)~folded;

	return ck != 0 ? ck : 0xffff;
}

/*
 * True when the L4 checksum over m[off, off+len) plus the pseudo header sum is
 * right, i.e. the whole sum is 0xffff (RFC 1071 section 2). A datagram over
 * several segments (reassembled fragments) is summed segment by segment; a
 * segment starting at an odd byte of the datagram pairs its bytes the other way
 * round, so its folded sum is byte-swapped before adding (RFC 1071 section 2(B)).
 * DPDK 22.11's rte_raw_cksum_mbuf swaps the unfolded sum and gets that case wrong.
 */
static bool
l4_cksum_ok(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t phdr)
{
	const struct rte_mbuf *seg = m;
	uint64_t sum = phdr;
	uint32_t done = 0;

	if (off + len <= rte_pktmbuf_data_len(m))
		return sc_net_cksum_raw(rte_pktmbuf_mtod_offset(m, const void *, off), len,
					phdr) == 0xffff;
	if (off + len > rte_pktmbuf_pkt_len(m))
		return false;
	while (seg != NULL && off >= rte_pktmbuf_data_len(seg)) {
		off -= rte_pktmbuf_data_len(seg);
		seg = seg->next;
	}
	while (done < len) {
		uint32_t n, s;

		if (seg == NULL)
			return false;
		n = RTE_MIN((uint32_t)rte_pktmbuf_data_len(seg) - off, len - done);
		s = sc_net_cksum_raw(rte_pktmbuf_mtod_offset(seg, const void *, off), n, 0);
		if (done & 1)
			s = rte_bswap16((uint16_t)s);
		sum += s;
		done += n;
		off = 0;
		seg = seg->next;
	}
	return net_cksum_fold64(sum) == 0xffff;
}

static enum sc_net_class
drop(struct sc_net_pkt *pkt, enum sc_net_drop reason)
{
	pkt->cls = SC_NET_DROP;
	pkt->drop = (uint8_t)reason;
	return SC_NET_DROP;
}

static enum sc_net_class
decap_arp(const struct sc_net_cfg *cfg, const uint8_t *l3, uint32_t avail,
	  struct sc_net_pkt *pkt)
{
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)l3;
	union sc_net_ip tip;

	if (avail < sizeof(*arp))
		return drop(pkt, SC_NET_DROP_BAD_ARP);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return drop(pkt, SC_NET_DROP_BAD_ARP);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		return drop(pkt, SC_NET_DROP_ARP_NOT_REQUEST);
	memcpy(&tip.v4, &arp->arp_data.arp_tip, 4);
	if (!sc_net_is_local(cfg, 4, &tip))
		return drop(pkt, SC_NET_DROP_ARP_NOT_FOR_US);
	if (mac_is_zero(&pkt->local_mac))
		return drop(pkt, SC_NET_DROP_NO_PORT_MAC);
	memcpy(&pkt->src_ip.v4, &arp->arp_data.arp_sip, 4);
	pkt->dst_ip = tip;
	pkt->cls = SC_NET_ARP;
	return SC_NET_ARP;
}

/*
 * UDP header at l4 (l4_avail bytes of IP payload, all in the packet). Shared by
 * IPv4 and IPv6 once the IP layer is done.
 */
static enum sc_net_class
decap_udp(struct rte_mbuf *m, const struct sc_net_cfg *cfg, uint32_t l4_off,
	  uint32_t l4_avail, struct sc_net_pkt *pkt)
{
	const struct rte_udp_hdr *udp;
	uint32_t ulen;
	uint64_t l4f;

	if (l4_avail < sizeof(*udp) || l4_off + sizeof(*udp) > rte_pktmbuf_data_len(m))
		return drop(pkt, SC_NET_DROP_BAD_UDP_LENGTH);
	udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4_off);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	/* RFC 768: the length covers header and data; octets beyond it are padding. */
	if (ulen < sizeof(*udp) || ulen > l4_avail)
		return drop(pkt, SC_NET_DROP_BAD_UDP_LENGTH);
	pkt->src_port = rte_be_to_cpu_16(udp->src_port);
	pkt->dst_port = rte_be_to_cpu_16(udp->dst_port);
	if (!is_sip_port(cfg, pkt->dst_port))
		return drop(pkt, SC_NET_DROP_NOT_SIP_PORT);
	/*
	 * A port without a MAC answers from the address the frame came to; a group
	 * address cannot be a source (IEEE 802), so such a frame cannot be answered.
	 */
	if (mac_is_zero(&pkt->local_mac) && rte_is_multicast_ether_addr(&pkt->dst_mac))
		return drop(pkt, SC_NET_DROP_NO_PORT_MAC);

	l4f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return drop(pkt, SC_NET_DROP_BAD_UDP_CHECKSUM);
	if (l4f != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		if (udp->dgram_cksum == 0) {
			/* IPv4: no checksum (RFC 768). IPv6: invalid (RFC 8200 8.1). */
			if (pkt->ip_version == 6)
				return drop(pkt, SC_NET_DROP_BAD_UDP_CHECKSUM);
		} else if (!l4_cksum_ok(m, l4_off, ulen,
					phdr_sum(pkt->ip_version, &pkt->src_ip, &pkt->dst_ip,
						 IPPROTO_UDP_, ulen))) {
			return drop(pkt, SC_NET_DROP_BAD_UDP_CHECKSUM);
		}
	}
	pkt->payload_len = ulen - (uint32_t)sizeof(*udp);
	if (l4_off + ulen <= rte_pktmbuf_data_len(m))
		pkt->payload = rte_pktmbuf_mtod_offset(m, const char *, l4_off + sizeof(*udp));
	else
		pkt->payload = NULL;	/* chained: see sc_net_flat_payload() */
	pkt->cls = SC_NET_SIP;
	return SC_NET_SIP;
}

static enum sc_net_class
decap_ipv4(struct rte_mbuf *m, const struct sc_net_cfg *cfg, uint32_t l2, struct sc_net_pkt *pkt)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t seg = rte_pktmbuf_data_len(m);
	uint32_t ihl, tot;
	uint64_t ipf;
	uint16_t frag;

	pkt->ip_version = 4;
	if (seg < l2 + sizeof(*ip))
		return drop(pkt, SC_NET_DROP_BAD_IP_HEADER);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2);
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	/* RFC 791: version 4, IHL >= 5 words, total length covers the header and fits. */
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || seg < l2 + ihl ||
	    tot < ihl || tot > rte_pktmbuf_pkt_len(m) - l2)
		return drop(pkt, SC_NET_DROP_BAD_IP_HEADER);
	ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return drop(pkt, SC_NET_DROP_BAD_IP_CHECKSUM);
	if (ipf != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    net_cksum_fold64(net_cksum_add32(ip, ihl, 0)) != 0xffff)
		return drop(pkt, SC_NET_DROP_BAD_IP_CHECKSUM);
	memcpy(&pkt->src_ip.v4, &ip->src_addr, 4);
	memcpy(&pkt->dst_ip.v4, &ip->dst_addr, 4);
	pkt->l3_len = (uint16_t)ihl;
	if (ipv4_src_invalid((const uint8_t *)&pkt->src_ip.v4))
		return drop(pkt, SC_NET_DROP_BAD_SOURCE);
	if (!sc_net_is_local(cfg, 4, &pkt->dst_ip))
		return drop(pkt, SC_NET_DROP_NOT_LOCAL);
	if (ip->next_proto_id != IPPROTO_UDP_)
		return drop(pkt, SC_NET_DROP_NOT_UDP);
	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if ((frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		uint32_t off = (uint32_t)(frag & RTE_IPV4_HDR_OFFSET_MASK) * 8;

		/* RFC 791: every fragment but the last carries a multiple of 8 octets. */
		if (off + tot - ihl > 65535 || tot == ihl ||
		    ((frag & RTE_IPV4_HDR_MF_FLAG) != 0 && ((tot - ihl) & 7) != 0))
			return drop(pkt, SC_NET_DROP_BAD_FRAGMENT);
		m->l2_len = l2;
		m->l3_len = ihl;
		pkt->cls = SC_NET_FRAGMENT;
		return SC_NET_FRAGMENT;
	}
	return decap_udp(m, cfg, l2 + ihl, tot - ihl, pkt);
}

/* ICMPv6 at l4: only Neighbour Solicitations for a local address are ours. */
static enum sc_net_class
decap_icmpv6(struct rte_mbuf *m, const struct sc_net_cfg *cfg, const struct rte_ipv6_hdr *ip,
	     uint32_t l4_off, uint32_t l4_len, struct sc_net_pkt *pkt)
{
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4_off);
	union sc_net_ip target;
	uint8_t sn[16];
	uint32_t o;

	if (l4_len < 4 || l4_off + l4_len > rte_pktmbuf_data_len(m))
		return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
	if (icmp[0] != ND_NS)
		return drop(pkt, SC_NET_DROP_ICMPV6_OTHER);
	if (!l4_cksum_ok(m, l4_off, l4_len,
			 phdr_sum(6, &pkt->src_ip, &pkt->dst_ip, IPPROTO_ICMPV6_, l4_len)))
		return drop(pkt, SC_NET_DROP_BAD_ICMPV6_CHECKSUM);
	/* RFC 4861 section 7.1.1: validity checks of a Neighbor Solicitation. */
	if (ip->hop_limits != ND_HOP_LIMIT || icmp[1] != 0 || l4_len < ND_NS_LEN)
		return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
	memcpy(target.v6, icmp + 8, 16);
	if (target.v6[0] == 0xff)
		return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
	for (o = ND_NS_LEN; o < l4_len; ) {
		uint32_t olen;

		if (o + 2 > l4_len || icmp[o + 1] == 0)
			return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
		olen = (uint32_t)icmp[o + 1] * 8;
		if (o + olen > l4_len)
			return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
		/* DAD probes come from :: and must not carry a source link-layer option. */
		if (icmp[o] == ND_OPT_SLLA && ipv6_is_unspec(ip->src_addr))
			return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
		o += olen;
	}
	if (!sc_net_is_local(cfg, 6, &target))
		return drop(pkt, SC_NET_DROP_ND_NOT_FOR_US);
	/* Sent to the target itself (unicast NUD) or to its solicited-node group. */
	solicited_node(target.v6, sn);
	if (memcmp(pkt->dst_ip.v6, target.v6, 16) != 0 && memcmp(pkt->dst_ip.v6, sn, 16) != 0)
		return drop(pkt, SC_NET_DROP_ND_NOT_FOR_US);
	if (ipv6_is_unspec(ip->src_addr) && memcmp(pkt->dst_ip.v6, sn, 16) != 0)
		return drop(pkt, SC_NET_DROP_BAD_ICMPV6);
	if (mac_is_zero(&pkt->local_mac))
		return drop(pkt, SC_NET_DROP_NO_PORT_MAC);
	pkt->l3_len = (uint16_t)(l4_off - pkt->l2_len);
	pkt->payload = (const char *)icmp;
	pkt->payload_len = l4_len;
	pkt->cls = SC_NET_ND;
	return SC_NET_ND;
}

static enum sc_net_class
decap_ipv6(struct rte_mbuf *m, const struct sc_net_cfg *cfg, uint32_t l2, struct sc_net_pkt *pkt)
{
	const struct rte_ipv6_hdr *ip;
	uint32_t seg = rte_pktmbuf_data_len(m);
	uint32_t plen, off, end;
	uint8_t nh;
	int n;

	pkt->ip_version = 6;
	if (seg < l2 + sizeof(*ip))
		return drop(pkt, SC_NET_DROP_BAD_IP_HEADER);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l2);
	plen = rte_be_to_cpu_16(ip->payload_len);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 ||
	    plen > rte_pktmbuf_pkt_len(m) - l2 - sizeof(*ip))
		return drop(pkt, SC_NET_DROP_BAD_IP_HEADER);
	memcpy(pkt->src_ip.v6, ip->src_addr, 16);
	memcpy(pkt->dst_ip.v6, ip->dst_addr, 16);
	if (ipv6_src_invalid(pkt->src_ip.v6))
		return drop(pkt, SC_NET_DROP_BAD_SOURCE);
	off = l2 + (uint32_t)sizeof(*ip);
	end = off + plen;
	nh = ip->proto;

	/* RFC 8200 section 4: walk hop-by-hop, routing and destination options. */
	for (n = 0; ; n++) {
		const uint8_t *eh;
		uint32_t elen;

		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_DSTOPTS_ &&
		    nh != IPPROTO_FRAGMENT_)
			break;
		if (n == MAX_IPV6_EXT || off + 8 > end || off + 8 > seg)
			return drop(pkt, SC_NET_DROP_BAD_IPV6_EXT);
		eh = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
		if (nh == IPPROTO_FRAGMENT_) {
			const struct rte_ipv6_fragment_ext *fh = (const void *)eh;
			uint16_t fd = rte_be_to_cpu_16(fh->frag_data);

			/* An atomic fragment (offset 0, no M) is a whole datagram (RFC 6946). */
			if ((fd & RTE_IPV6_FRAG_USED_MASK) == 0) {
				nh = eh[0];
				off += 8;
				continue;
			}
			if (!sc_net_is_local(cfg, 6, &pkt->dst_ip))
				return drop(pkt, SC_NET_DROP_NOT_LOCAL);
			if (fh->next_header != IPPROTO_UDP_)
				return drop(pkt, SC_NET_DROP_NOT_UDP);
			if (ipv6_is_unspec(pkt->src_ip.v6))
				return drop(pkt, SC_NET_DROP_BAD_SOURCE);
			/*
			 * rte_ip_frag assumes the fragment header follows the fixed header
			 * directly, and fragments but the last carry multiples of 8 octets.
			 */
			if (off != l2 + sizeof(*ip) || end == off + 8 ||
			    (RTE_IPV6_GET_MF(fd) != 0 && ((end - off - 8) & 7) != 0))
				return drop(pkt, SC_NET_DROP_BAD_FRAGMENT);
			m->l2_len = l2;
			m->l3_len = off + 8 - l2;
			pkt->l3_len = (uint16_t)(off + 8 - l2);
			pkt->cls = SC_NET_FRAGMENT;
			return SC_NET_FRAGMENT;
		}
		elen = ((uint32_t)eh[1] + 1) * 8;
		if (off + elen > end)
			return drop(pkt, SC_NET_DROP_BAD_IPV6_EXT);
		/* A routing header with segments left names a further destination. */
		if (nh == IPPROTO_ROUTING_ && eh[3] != 0)
			return drop(pkt, SC_NET_DROP_BAD_IPV6_EXT);
		nh = eh[0];
		off += elen;
	}
	pkt->l3_len = (uint16_t)(off - l2);
	if (nh == IPPROTO_ICMPV6_)
		return decap_icmpv6(m, cfg, ip, off, end - off, pkt);
	if (!sc_net_is_local(cfg, 6, &pkt->dst_ip))
		return drop(pkt, SC_NET_DROP_NOT_LOCAL);
	if (nh != IPPROTO_UDP_)
		return drop(pkt, SC_NET_DROP_NOT_UDP);
	if (ipv6_is_unspec(pkt->src_ip.v6))
		return drop(pkt, SC_NET_DROP_BAD_SOURCE);
	return decap_udp(m, cfg, off, end - off, pkt);
}

enum sc_net_class
sc_net_classify(struct rte_mbuf *m, const struct sc_net_cfg *cfg, struct sc_net_pkt *pkt)
{
	const struct rte_ether_hdr *eth;
	uint32_t seg = rte_pktmbuf_data_len(m);
	uint32_t l2 = sizeof(*eth);
	uint16_t et;

	memset(pkt, 0, sizeof(*pkt));
	pkt->port_id = m->port;
	if (m->port < SC_NET_MAX_PORTS) {
		pkt->local_mac = cfg->mac[m->port];
		pkt->mtu = cfg->mtu[m->port];
	}
	if (pkt->mtu == 0)
		pkt->mtu = SC_NET_DEFAULT_MTU;
	if (seg < sizeof(*eth))
		return drop(pkt, SC_NET_DROP_RUNT);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	rte_ether_addr_copy(&eth->src_addr, &pkt->src_mac);
	rte_ether_addr_copy(&eth->dst_addr, &pkt->dst_mac);
	/* IEEE 802: a group address is never a source; nothing is sent back to one. */
	if (rte_is_multicast_ether_addr(&pkt->src_mac))
		return drop(pkt, SC_NET_DROP_BAD_SOURCE);
	et = rte_be_to_cpu_16(eth->ether_type);
	if ((m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0) {
		pkt->has_vlan = 1;
		pkt->vlan_tci = m->vlan_tci;
	}
	if (et == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh;

		if (pkt->has_vlan)	/* the NIC took the outer tag */
			return drop(pkt, SC_NET_DROP_VLAN_QINQ);
		if (seg < l2 + sizeof(*vh))
			return drop(pkt, SC_NET_DROP_RUNT);
		vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, l2);
		pkt->has_vlan = 1;
		pkt->vlan_tci = rte_be_to_cpu_16(vh->vlan_tci);
		et = rte_be_to_cpu_16(vh->eth_proto);
		l2 += sizeof(*vh);
		if (et == RTE_ETHER_TYPE_VLAN || et == RTE_ETHER_TYPE_QINQ ||
		    et == RTE_ETHER_TYPE_QINQ1)
			return drop(pkt, SC_NET_DROP_VLAN_QINQ);
	} else if (et == RTE_ETHER_TYPE_QINQ || et == RTE_ETHER_TYPE_QINQ1) {
		return drop(pkt, SC_NET_DROP_VLAN_QINQ);
	}
	pkt->l2_len = (uint16_t)l2;

	switch (et) {
	case RTE_ETHER_TYPE_IPV4:
		return decap_ipv4(m, cfg, l2, pkt);
	case RTE_ETHER_TYPE_IPV6:
		return decap_ipv6(m, cfg, l2, pkt);
	case RTE_ETHER_TYPE_ARP:
		return decap_arp(cfg, rte_pktmbuf_mtod_offset(m, const uint8_t *, l2), seg - l2,
				 pkt);
	default:
		return drop(pkt, SC_NET_DROP_NOT_IP);
	}
}

/* ---- answers ---------------------------------------------------------------- */

/* Put back a tag the NIC stripped, since we transmit the frame as it is. */
static int
restore_vlan(struct rte_mbuf **m, const struct sc_net_pkt *pkt)
{
	if (((*m)->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) == 0)
		return 0;
	(*m)->vlan_tci = pkt->vlan_tci;
	(*m)->ol_flags &= ~RTE_MBUF_F_RX_VLAN_STRIPPED;
	return rte_vlan_insert(m);
}

static int
answer_arp(struct rte_mbuf *m, const struct sc_net_pkt *pkt)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, pkt->l2_len);

	/* RFC 826: swap sender and target, fill in our hardware address, op = reply. */
	rte_ether_addr_copy(&pkt->src_mac, &eth->dst_addr);
	rte_ether_addr_copy(&pkt->local_mac, &eth->src_addr);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &arp->arp_data.arp_tha);
	rte_ether_addr_copy(&pkt->local_mac, &arp->arp_data.arp_sha);
	memcpy(&arp->arp_data.arp_tip, &pkt->src_ip.v4, 4);
	memcpy(&arp->arp_data.arp_sip, &pkt->dst_ip.v4, 4);
	return 0;
}

static int
answer_nd(struct rte_mbuf *m, const struct sc_net_pkt *pkt)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const struct rte_ether_addr all_nodes_mac = {
		.addr_bytes = { 0x33, 0x33, 0, 0, 0, 0x01 },
	};
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, pkt->l2_len);
	const uint8_t *ns = (const uint8_t *)pkt->payload;
	uint32_t newlen = pkt->l2_len + (uint32_t)sizeof(*ip) + ND_NA_LEN;
	bool dad = ipv6_is_unspec(pkt->src_ip.v6);
	uint8_t target[16];
	uint8_t *na;
	uint32_t flags;
	uint16_t ck;

	if (m->nb_segs != 1)
		return -ENOTSUP;
	memcpy(target, ns + 8, 16);
	if (newlen > rte_pktmbuf_pkt_len(m)) {
		if (rte_pktmbuf_append(m, (uint16_t)(newlen - rte_pktmbuf_pkt_len(m))) == NULL)
			return -ENOSPC;
	} else {
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - newlen));
	}
	/*
	 * RFC 4861 section 7.2.4: a solicited NA from the target address to the
	 * solicitation's source; to all-nodes with S clear when that source is ::
	 * (duplicate address detection). Extension headers of the NS are not copied.
	 */
	if (dad)
		rte_ether_addr_copy(&all_nodes_mac, &eth->dst_addr);
	else
		rte_ether_addr_copy(&pkt->src_mac, &eth->dst_addr);
	rte_ether_addr_copy(&pkt->local_mac, &eth->src_addr);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(ND_NA_LEN);
	ip->proto = IPPROTO_ICMPV6_;
	ip->hop_limits = ND_HOP_LIMIT;
	memcpy(ip->src_addr, target, 16);
	memcpy(ip->dst_addr, dad ? all_nodes : pkt->src_ip.v6, 16);
	na = (uint8_t *)(ip + 1);
	na[0] = ND_NA;
	na[1] = 0;
	na[2] = 0;
	na[3] = 0;
	flags = ND_NA_FLAG_OVERRIDE | (dad ? 0 : ND_NA_FLAG_SOLICITED);
	flags = rte_cpu_to_be_32(flags);
	memcpy(na + 4, &flags, 4);
	memcpy(na + 8, target, 16);
	na[24] = ND_OPT_TLLA;
	na[25] = 1;
	memcpy(na + 26, pkt->local_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	/* ICMPv6 has no "no checksum" value: 0xffff for 0 is the same sum. */
	ck = cksum_field(sc_net_cksum_raw(na, ND_NA_LEN, phdr6_sum(ip->src_addr, ip->dst_addr,
								 IPPROTO_ICMPV6_, ND_NA_LEN)));
	memcpy(na + 2, &ck, 2);
	return 0;
}

int
sc_net_answer(struct rte_mbuf *m, const struct sc_net_cfg *cfg, const struct sc_net_pkt *pkt)
{
	int rc;

	RTE_SET_USED(cfg);
	if (pkt->cls == SC_NET_ARP)
		rc = answer_arp(m, pkt);
	else if (pkt->cls == SC_NET_ND)
		rc = answer_nd(m, pkt);
	else
		return -EINVAL;
	if (rc != 0)
		return rc;
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	return restore_vlan(&m, pkt);
}

/* ---- paths and encap ------------------------------------------------------ */

/* Decimal port 1..65535, or 0. */
static uint16_t
parse_port(const struct sc_str *s)
{
	uint32_t v = 0;
	uint32_t i;

	if (s->p == NULL || s->len == 0 || s->len > 5)
		return 0;
	for (i = 0; i < s->len; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(s->p[i] - '0');
	}
	return v <= 65535 ? (uint16_t)v : 0;
}

int
sc_net_response_path(const struct sc_net_pkt *pkt, const struct sc_sip_via *top_via,
		     uint16_t default_port, struct sc_net_path *out)
{
	uint16_t port = 0;

	memset(out, 0, sizeof(*out));
	out->port_id = pkt->port_id;
	/* No MAC configured for the port: the unicast address the request came to. */
	if (mac_is_zero(&pkt->local_mac))
		rte_ether_addr_copy(&pkt->dst_mac, &out->src_mac);
	else
		rte_ether_addr_copy(&pkt->local_mac, &out->src_mac);
	rte_ether_addr_copy(&pkt->src_mac, &out->dst_mac);
	out->has_vlan = pkt->has_vlan;
	out->vlan_tci = pkt->vlan_tci;
	out->ip_version = pkt->ip_version;
	out->mtu = pkt->mtu;
	out->src_ip = pkt->dst_ip;
	out->src_port = pkt->dst_port;
	/* RFC 3261 18.2.2: the received address, i.e. the request's source IP. */
	out->dst_ip = pkt->src_ip;
	if (top_via != NULL && top_via->has_rport) {
		/*
		 * RFC 3581 section 4: the server fills an empty rport with the source
		 * port and responds to received:rport; a value already present is used.
		 */
		port = parse_port(&top_via->rport);
		if (port == 0)
			port = pkt->src_port;
	}
	if (port == 0 && top_via != NULL)
		port = top_via->port;	/* sent-by port */
	if (port == 0)
		port = default_port != 0 ? default_port : SC_NET_SIP_DEFAULT_PORT;
	out->dst_port = port;
	return 0;
}

int
sc_net_path_init(struct sc_net_path *out, uint16_t port_id,
		 const struct rte_ether_addr *src_mac, const struct rte_ether_addr *dst_mac,
		 int32_t vlan_tci, uint8_t ip_version,
		 const union sc_net_ip *src_ip, uint16_t src_port,
		 const union sc_net_ip *dst_ip, uint16_t dst_port, uint16_t mtu)
{
	if ((ip_version != 4 && ip_version != 6) || vlan_tci > 0xffff || src_mac == NULL ||
	    dst_mac == NULL || src_ip == NULL || dst_ip == NULL || dst_port == 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->port_id = port_id;
	rte_ether_addr_copy(src_mac, &out->src_mac);
	rte_ether_addr_copy(dst_mac, &out->dst_mac);
	out->has_vlan = vlan_tci >= 0;
	out->vlan_tci = vlan_tci >= 0 ? (uint16_t)vlan_tci : 0;
	out->ip_version = ip_version;
	out->src_ip = *src_ip;
	out->dst_ip = *dst_ip;
	out->src_port = src_port;
	out->dst_port = dst_port;
	out->mtu = mtu;
	return 0;
}

static uint32_t
l3_hdr_len(const struct sc_net_path *path)
{
	return path->ip_version == 4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
}

uint32_t
sc_net_hdr_len(const struct sc_net_path *path)
{
	return (uint32_t)sizeof(struct rte_ether_hdr) +
	       (path->has_vlan ? (uint32_t)sizeof(struct rte_vlan_hdr) : 0) +
	       l3_hdr_len(path) + (uint32_t)sizeof(struct rte_udp_hdr);
}

/* IPv6 header of path at ip, for a UDP datagram of ulen bytes (no extension headers). */
static inline void
put_ip6_udp(struct rte_ipv6_hdr *ip, const struct sc_net_path *path, uint32_t ulen)
{
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)ulen);
	ip->proto = IPPROTO_UDP_;
	ip->hop_limits = IPV6_DEFAULT_HOPS;
	memcpy(ip->src_addr, path->src_ip.v6, 16);
	memcpy(ip->dst_addr, path->dst_ip.v6, 16);
}

/* Ethernet (and 802.1Q) header of path at eth. */
static void
put_l2(struct rte_ether_hdr *eth, const struct sc_net_path *path)
{
	uint16_t et = rte_cpu_to_be_16(path->ip_version == 4 ? RTE_ETHER_TYPE_IPV4 :
				       RTE_ETHER_TYPE_IPV6);

	rte_ether_addr_copy(&path->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&path->src_mac, &eth->src_addr);
	if (path->has_vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(path->vlan_tci);
		vh->eth_proto = et;
	} else {
		eth->ether_type = et;
	}
}

/*
 * The frame for path at f: headers in front of len payload bytes at offset
 * sc_net_hdr_len(path). payload != NULL: copy the payload there first, checksumming
 * it in the same pass when the UDP checksum is ours to compute. Writes f only (no
 * load of what it stores); returns the mbuf's TX ol_flags, the L2 length in *l2_out.
 * The caller checked the IP version and the MTU (frame_check).
 */
static uint64_t
encap_frame(char *f, const struct sc_net_path *path, const void *payload, uint32_t len,
	    uint64_t tx_offload_capa, uint32_t *l2_out)
{
	uint32_t l2 = sizeof(struct rte_ether_hdr);
	uint32_t l3 = l3_hdr_len(path), hdr = sc_net_hdr_len(path);
	uint32_t ulen = (uint32_t)sizeof(struct rte_udp_hdr) + len;
	bool sw_udp = (tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) == 0;
	struct rte_udp_hdr *udp;
	uint32_t sum = 0, phdr;
	uint64_t ol = 0;
	char *data = f + hdr;

	if (payload != NULL && !sw_udp)
		memcpy(data, payload, len);
	else if (payload != NULL)
		sum = sc_net_cksum_copy(data, payload, len, 0);
	else if (sw_udp)
		sum = sc_net_cksum_raw(data, len, 0);

	put_l2((struct rte_ether_hdr *)f, path);
	if (path->has_vlan)
		l2 += sizeof(struct rte_vlan_hdr);
	udp = (struct rte_udp_hdr *)(f + l2 + l3);
	udp->src_port = rte_cpu_to_be_16(path->src_port);
	udp->dst_port = rte_cpu_to_be_16(path->dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)ulen);
	udp->dgram_cksum = 0;
	/*
	 * Header sums come from the values, never from reading back what was just
	 * stored: a wide load over narrow fresh stores cannot be forwarded and waits
	 * until they reach L1, i.e. for the mbuf's cache lines to be owned again.
	 */
	phdr = phdr_sum(path->ip_version, &path->src_ip, &path->dst_ip, IPPROTO_UDP_, ulen);
	if (sw_udp)
		sum = cksum_field(net_cksum_fold64((uint64_t)sum + phdr +
						   rte_cpu_to_be_16(path->src_port) +
						   rte_cpu_to_be_16(path->dst_port) +
						   rte_cpu_to_be_16((uint16_t)ulen)));
	else
		sum = phdr;	/* what the NIC completes (rte_ipv{4,6}_phdr_cksum, no TSO) */
	udp->dgram_cksum = (uint16_t)sum;
	if (!sw_udp)
		ol |= RTE_MBUF_F_TX_UDP_CKSUM;

	if (path->ip_version == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + l2);
		uint16_t tot = rte_cpu_to_be_16((uint16_t)(l3 + ulen));

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0;
		ip->total_length = tot;
		/* DF set, so the ID need not be unique (RFC 6864 section 4.1). */
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = IPV4_DEFAULT_TTL;
		ip->next_proto_id = IPPROTO_UDP_;
		ip->hdr_checksum = 0;
		ip->src_addr = path->src_ip.v4;
		ip->dst_addr = path->dst_ip.v4;
		ol |= RTE_MBUF_F_TX_IPV4;
		if ((tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0)
			ol |= RTE_MBUF_F_TX_IP_CKSUM;
		else
			ip->hdr_checksum = (uint16_t)~net_cksum_fold64((uint64_t)
				wire16(RTE_IPV4_VHL_DEF, 0) + tot +
				rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) +
				wire16(IPV4_DEFAULT_TTL, IPPROTO_UDP_) +
				path->src_ip.v4 + path->dst_ip.v4);
	} else {
		put_ip6_udp((struct rte_ipv6_hdr *)(f + l2), path, ulen);
		ol |= RTE_MBUF_F_TX_IPV6;
	}
	*l2_out = l2;
	return ol;
}

/*
 * 0 when a datagram of len payload bytes can go on path as one frame: -EINVAL for
 * an unknown IP version, -EMSGSIZE over the path MTU (we never fragment here).
 */
static inline int
frame_check(const struct sc_net_path *path, uint32_t len)
{
	uint32_t mtu = path->mtu != 0 ? path->mtu : SC_NET_DEFAULT_MTU;
	uint32_t ip_len;

	if (path->ip_version != 4 && path->ip_version != 6)
		return -EINVAL;
	ip_len = l3_hdr_len(path) + (uint32_t)sizeof(struct rte_udp_hdr) + len;
	return ip_len <= mtu && ip_len <= UINT16_MAX ? 0 : -EMSGSIZE;
}

/* encap_frame() into m's data room, and m's length and TX offload fields. */
static int
encap(struct rte_mbuf *m, const struct sc_net_path *path, const void *payload, uint32_t len,
      uint64_t tx_offload_capa)
{
	uint32_t hdr, l2;
	uint64_t ol;
	int rc;

	rc = frame_check(path, len);
	if (rc < 0)
		return rc;
	hdr = sc_net_hdr_len(path);
	if (m->nb_segs != 1 || (uint32_t)m->buf_len < (uint32_t)m->data_off + hdr + len)
		return -EMSGSIZE;
	m->data_len = (uint16_t)(hdr + len);
	m->pkt_len = hdr + len;
	ol = encap_frame(rte_pktmbuf_mtod(m, char *), path, payload, len, tx_offload_capa, &l2);
	m->ol_flags = ol;
	m->l2_len = l2;
	m->l3_len = l3_hdr_len(path);
	m->l4_len = sizeof(struct rte_udp_hdr);
	m->port = path->port_id;
	return 0;
}

int
sc_net_encap_hdr(struct rte_mbuf *m, const struct sc_net_path *path, uint32_t len,
		 uint64_t tx_offload_capa)
{
	return encap(m, path, NULL, len, tx_offload_capa);
}

int
sc_net_encap(struct rte_mbuf *m, const struct sc_net_path *path, const void *payload,
	     uint32_t len, uint64_t tx_offload_capa)
{
	if (path->ip_version != 4 && path->ip_version != 6)
		return -EINVAL;
	rte_pktmbuf_reset(m);
	if ((uint32_t)rte_pktmbuf_tailroom(m) < sc_net_hdr_len(path) + len)
		return -EMSGSIZE;
	return encap(m, path, payload, len, tx_offload_capa);
}

int
sc_net_encap_raw(struct rte_mbuf *m, char *buf_addr, uint16_t buf_len,
		 const struct sc_net_path *path, const void *payload, uint32_t len,
		 uint64_t tx_offload_capa)
{
	uint16_t off = RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, buf_len);
	uint32_t hdr, l2;
	uint64_t ol;

	/* Every error (rare) the way sc_net_encap() has it, m reset included. */
	if (frame_check(path, len) < 0)
		return sc_net_encap(m, path, payload, len, tx_offload_capa);
	hdr = sc_net_hdr_len(path);
	if ((uint32_t)buf_len < (uint32_t)off + hdr + len)
		return sc_net_encap(m, path, payload, len, tx_offload_capa);
	ol = encap_frame(buf_addr + off, path, payload, len, tx_offload_capa, &l2);
	/*
	 * What rte_pktmbuf_reset() and encap() leave in a direct mbuf (no
	 * RTE_MBUF_F_EXTERNAL to keep), stored whole: a bit-field or `&=` would load
	 * the line first and wait for it.
	 */
	m->next = NULL;
	m->pkt_len = hdr + len;
	m->tx_offload = rte_mbuf_tx_offload(l2, l3_hdr_len(path), sizeof(struct rte_udp_hdr),
					    0, 0, 0, 0);
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->nb_segs = 1;
	m->port = path->port_id;
	m->ol_flags = ol;
	m->packet_type = 0;
	m->data_off = off;
	m->data_len = (uint16_t)(hdr + len);
	return 0;
}

/* ---- fragmented output ------------------------------------------------------ */

/* RFC 791 section 3.2: every IPv4 module forwards 68 octets without fragmenting. */
#define IPV4_MIN_MTU 68
#define IPV6_FRAG_HDR_LEN 8		/* RFC 8200 section 4.5 */
#define FRAG_DATA_ALIGN 8		/* fragment offsets count 8-octet units */

/*
 * The whole IP datagram (no L2) for path in a chain of nseg mbufs from `direct`,
 * `room` bytes each: IP header, UDP header with its checksum computed in software
 * over the whole datagram (a NIC's UDP offload covers one frame, not a datagram
 * split over several), payload. NULL when the pool runs dry.
 */
static struct rte_mbuf *
build_datagram(struct rte_mempool *direct, uint32_t nseg, uint32_t room,
	       const struct sc_net_path *path, const uint8_t *payload, uint32_t len,
	       uint32_t ip_id)
{
	struct rte_mbuf *seg[SC_NET_FRAG_MAX];
	uint32_t l3 = l3_hdr_len(path), ulen = (uint32_t)sizeof(struct rte_udp_hdr) + len;
	uint32_t total = l3 + ulen, off = 0, done = 0, i;
	struct rte_udp_hdr *udp;
	uint64_t sum = 0;
	uint8_t *d;

	if (rte_pktmbuf_alloc_bulk(direct, seg, nseg) != 0)
		return NULL;
	for (i = 0; i < nseg; i++) {
		uint32_t n = RTE_MIN(room, total - off);

		seg[i]->data_len = (uint16_t)n;
		seg[i]->next = i + 1 < nseg ? seg[i + 1] : NULL;
		d = rte_pktmbuf_mtod(seg[i], uint8_t *);
		if (i == 0) {
			d += l3 + sizeof(*udp);
			n -= l3 + (uint32_t)sizeof(*udp);
		}
		/*
		 * A piece starting at an odd payload offset pairs its bytes the other way
		 * round: its folded sum is byte-swapped (RFC 1071 section 2(B)).
		 */
		if (done & 1)
			sum += rte_bswap16((uint16_t)sc_net_cksum_copy(d, payload + done, n, 0));
		else
			sum += sc_net_cksum_copy(d, payload + done, n, 0);
		done += n;
		off += seg[i]->data_len;
	}
	seg[0]->nb_segs = (uint16_t)nseg;
	seg[0]->pkt_len = total;

	d = rte_pktmbuf_mtod(seg[0], uint8_t *);
	udp = (struct rte_udp_hdr *)(d + l3);
	udp->src_port = rte_cpu_to_be_16(path->src_port);
	udp->dst_port = rte_cpu_to_be_16(path->dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)ulen);
	sum += (uint64_t)phdr_sum(path->ip_version, &path->src_ip, &path->dst_ip, IPPROTO_UDP_,
				  ulen) + rte_cpu_to_be_16(path->src_port) +
	       rte_cpu_to_be_16(path->dst_port) + rte_cpu_to_be_16((uint16_t)ulen);
	udp->dgram_cksum = cksum_field(net_cksum_fold64(sum));
	if (path->ip_version == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)total);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)ip_id);
		/* DF clear: this datagram is meant to be fragmented (RFC 791 section 3.1). */
		ip->fragment_offset = 0;
		ip->time_to_live = IPV4_DEFAULT_TTL;
		ip->next_proto_id = IPPROTO_UDP_;
		ip->hdr_checksum = 0;	/* per fragment, after rte_ip_frag rewrote it */
		ip->src_addr = path->src_ip.v4;
		ip->dst_addr = path->dst_ip.v4;
	} else {
		put_ip6_udp((struct rte_ipv6_hdr *)d, path, ulen);
	}
	return seg[0];
}

/*
 * Turn m (IP header at its data start, as rte_ip_frag leaves a fragment) into a
 * frame: IPv4 header checksum, IPv6 Identification when frag, L2 header, TX
 * metadata, one segment when the port cannot send chains. 0 or a negative errno.
 */
static int
finish_frame(struct rte_mbuf *m, const struct sc_net_path *path, bool frag, uint32_t ip_id,
	     uint64_t tx_offload_capa)
{
	uint32_t l2 = sc_net_hdr_len(path) - l3_hdr_len(path) -
		      (uint32_t)sizeof(struct rte_udp_hdr);
	uint64_t ol;
	char *eth;

	if (path->ip_version == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

		ip->hdr_checksum = 0;
		ol = RTE_MBUF_F_TX_IPV4;
		if ((tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0)
			ol |= RTE_MBUF_F_TX_IP_CKSUM;
		else
			ip->hdr_checksum = (uint16_t)~net_cksum_fold64(net_cksum_add32(ip,
										 sizeof(*ip), 0));
		m->l3_len = sizeof(*ip);
	} else if (frag) {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
		struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip + 1);

		/* DPDK 22.11 leaves the Identification 0: every datagram would share it. */
		fh->id = rte_cpu_to_be_32(ip_id);
		ol = RTE_MBUF_F_TX_IPV6;
		m->l3_len = sizeof(*ip) + sizeof(*fh);
	} else {
		ol = RTE_MBUF_F_TX_IPV6;
		m->l3_len = sizeof(struct rte_ipv6_hdr);
	}
	eth = rte_pktmbuf_prepend(m, (uint16_t)l2);
	if (eth == NULL)
		return -ENOSPC;
	put_l2((struct rte_ether_hdr *)eth, path);
	m->ol_flags = ol;
	m->l2_len = l2;
	m->l4_len = 0;
	m->port = path->port_id;
	if (m->nb_segs > 1 && (tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) == 0 &&
	    rte_pktmbuf_linearize(m) != 0)
		return -EMSGSIZE;
	return 0;
}

int
sc_net_encap_frag(struct rte_mbuf **out, unsigned cap, struct rte_mempool *direct,
		  struct rte_mempool *indirect, const struct sc_net_path *path,
		  const void *payload, uint32_t len, uint32_t ip_id, uint64_t tx_offload_capa)
{
	uint32_t mtu = path->mtu != 0 ? path->mtu : SC_NET_DEFAULT_MTU;
	uint32_t l3, ulen, per, room, nseg, l2;
	uint16_t nout = (uint16_t)RTE_MIN(cap, (unsigned)SC_NET_FRAG_MAX);
	bool frag;
	struct rte_mbuf *whole;
	int32_t n;
	int rc, i;

	if ((path->ip_version != 4 && path->ip_version != 6) || out == NULL || cap == 0 ||
	    direct == NULL || (payload == NULL && len != 0) || mtu < IPV4_MIN_MTU)
		return -EINVAL;
	l2 = sc_net_hdr_len(path) - l3_hdr_len(path) - (uint32_t)sizeof(struct rte_udp_hdr);
	room = rte_pktmbuf_data_room_size(direct);
	/* The datagram's headers in its first segment, L2 in each frame's headroom. */
	if (room < RTE_PKTMBUF_HEADROOM + sc_net_hdr_len(path) || RTE_PKTMBUF_HEADROOM < l2)
		return -EINVAL;
	room -= RTE_PKTMBUF_HEADROOM;
	frag = sc_net_needs_frag(path, len);
	if (!frag && l2 + len + l3_hdr_len(path) + sizeof(struct rte_udp_hdr) <= room) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(direct);

		if (m == NULL)
			return -ENOMEM;
		rc = sc_net_encap(m, path, payload, len, tx_offload_capa);
		if (rc < 0) {
			rte_pktmbuf_free(m);
			return rc;
		}
		out[0] = m;
		return 1;
	}
	if (frag && indirect == NULL)
		return -EINVAL;
	l3 = l3_hdr_len(path);
	ulen = (uint32_t)sizeof(struct rte_udp_hdr) + len;
	/* IPv4 Total Length / IPv6 Payload Length are 16 bits (no jumbograms). */
	if (len > UINT16_MAX || (path->ip_version == 4 ? l3 + ulen : ulen) > UINT16_MAX)
		return -EMSGSIZE;
	per = (mtu - l3 - (path->ip_version == 6 ? IPV6_FRAG_HDR_LEN : 0)) &
	      ~(uint32_t)(FRAG_DATA_ALIGN - 1);
	if (per == 0)
		return -EINVAL;
	if (frag && (ulen + per - 1) / per > SC_NET_FRAG_MAX)
		return -EMSGSIZE;
	if (frag && (ulen + per - 1) / per > cap)
		return -ENOSPC;
	nseg = (l3 + ulen + room - 1) / room;
	if (nseg > SC_NET_FRAG_MAX)
		return -EMSGSIZE;
	whole = build_datagram(direct, nseg, room, path, payload, len, ip_id);
	if (whole == NULL)
		return -ENOMEM;
	if (!frag) {
		/* Within a jumbo MTU but not one mbuf: the chain is the frame. */
		out[0] = whole;
		n = 1;
	} else {
		if (path->ip_version == 4)
			n = rte_ipv4_fragment_packet(whole, out, nout, (uint16_t)mtu, direct,
						     indirect);
		else
			n = rte_ipv6_fragment_packet(whole, out, nout, (uint16_t)mtu, direct,
						     indirect);
		/* The fragments hold references to its buffers; this drops ours. */
		rte_pktmbuf_free(whole);
		if (n < 0)
			return n;
	}
	for (i = 0; i < n; i++) {
		rc = finish_frame(out[i], path, frag, ip_id, tx_offload_capa);
		if (rc < 0) {
			rte_pktmbuf_free_bulk(out, (unsigned)n);
			return rc;
		}
	}
	return n;
}

/* Decimal of v (0-255) at p; returns the digits written. */
static inline size_t
put_u8_dec(char *p, unsigned v)
{
	if (v >= 100) {
		p[0] = (char)('0' + v / 100);
		p[1] = (char)('0' + v / 10 % 10);
		p[2] = (char)('0' + v % 10);
		return 3;
	}
	if (v >= 10) {
		p[0] = (char)('0' + v / 10);
		p[1] = (char)('0' + v % 10);
		return 2;
	}
	p[0] = (char)('0' + v);
	return 1;
}

/* Lower-case hex of v without leading zeros (RFC 5952 section 4.1). */
static inline size_t
put_u16_hex(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	int shift = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;

	for (; shift >= 0; shift -= 4)
		p[n++] = hex[(v >> shift) & 0xf];
	return n;
}

static size_t
fmt_v4(const uint8_t *a, char *out)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			out[n++] = '.';
		n += put_u8_dec(out + n, a[i]);
	}
	return n;
}

/*
 * RFC 5952 text, as glibc's inet_ntop writes it: the longest run of two or more
 * zero groups (the first of equal runs) becomes "::", and ::a.b.c.d / ::ffff:a.b.c.d
 * end in a dotted quad.
 */
static size_t
fmt_v6(const uint8_t *a, char *out)
{
	unsigned g[8], i, best = 8, best_len = 0, cur = 8, cur_len = 0;
	size_t n = 0;

	for (i = 0; i < 8; i++) {
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (g[i] == 0) {
			if (cur_len++ == 0)
				cur = i;
			if (cur_len > best_len) {
				best = cur;
				best_len = cur_len;
			}
		} else {
			cur_len = 0;
		}
	}
	if (best_len < 2)
		best = 8;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			out[n++] = ':';
			if (best + best_len == 8)
				out[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0)
			out[n++] = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xffff)))
			return n + fmt_v4(a + 12, out + n);
		n += put_u16_hex(out + n, g[i]);
	}
	return n;
}

bool
sc_net_ip_is_host(uint8_t ip_version, const union sc_net_ip *ip)
{
	if (ip_version == 4)
		return !ipv4_src_invalid((const uint8_t *)&ip->v4);
	if (ip_version == 6)
		return !ipv6_src_invalid(ip->v6) && !ipv6_is_unspec(ip->v6);
	return false;
}

size_t
sc_net_ip_fmt(uint8_t ip_version, const union sc_net_ip *ip, char *buf, size_t cap)
{
	char tmp[SC_NET_IP_TEXT_MAX];
	/*
	 * Straight into buf when any text fits: the digits are single-byte stores, and
	 * copying them from tmp at once loads words that the store buffer cannot
	 * forward from several narrower stores, so the copy waited for all of them.
	 */
	char *out = cap >= SC_NET_IP_TEXT_MAX ? buf : tmp;
	size_t n;

	if (ip_version == 4)
		n = fmt_v4((const uint8_t *)&ip->v4, out);
	else if (ip_version == 6)
		n = fmt_v6(ip->v6, out);
	else
		n = 0;
	if (n == 0 || n >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return 0;
	}
	if (out != buf)
		sc_copy_short(buf, tmp, n);
	buf[n] = '\0';
	return n;
}

const char *
sc_net_ip_str(uint8_t ip_version, const union sc_net_ip *ip, char *buf, size_t cap)
{
	sc_net_ip_fmt(ip_version, ip, buf, cap);
	return buf;
}
