/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2-L4 for SIP over UDP: decap of received mbufs (Ethernet, one 802.1Q tag,
 * IPv4/IPv6, UDP) into struct sc_net_pkt, ARP and IPv6 Neighbour Solicitation
 * answers rewritten in place, reassembly glue over rte_ip_frag, the reply path of
 * RFC 3261 section 18.2.2 / RFC 3581, and UDP/IP encap of a payload.
 *
 * Addresses and ports in sc_net_pkt and sc_net_path are in host byte order except
 * IP addresses, which are kept as on the wire (network order bytes).
 */
#ifndef SC_NET_H
#define SC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sc_sip.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Ethdev port ids we keep a MAC and MTU for: every id there can be, since ids skip
 * numbers when a driver owns sub-devices (failsafe, netvsc), and the tables are
 * indexed by id.
 */
#define SC_NET_MAX_PORTS RTE_MAX_ETHPORTS
#define SC_NET_MAX_IPV4 8		/* local IPv4 addresses */
#define SC_NET_MAX_IPV6 8		/* local IPv6 addresses */
#define SC_NET_MAX_SIP_PORTS 4		/* UDP ports we take SIP on */
#define SC_NET_SIP_DEFAULT_PORT 5060	/* RFC 3261 section 18.2.2 / 19.1.2 */
#define SC_NET_DEFAULT_MTU 1500

/* An IPv4 (first 4 bytes, network order) or IPv6 address. */
union sc_net_ip {
	rte_be32_t v4;
	uint8_t v6[16];
};

/* Local configuration: what is "us". Filled once at start-up, read-only after. */
struct sc_net_cfg {
	union sc_net_ip ipv4[SC_NET_MAX_IPV4];	/* .v4 used */
	union sc_net_ip ipv6[SC_NET_MAX_IPV6];	/* .v6 used */
	uint16_t sip_ports[SC_NET_MAX_SIP_PORTS];	/* host order */
	struct rte_ether_addr mac[SC_NET_MAX_PORTS];	/* our MAC, by ethdev port id */
	uint16_t mtu[SC_NET_MAX_PORTS];		/* IP MTU by port; 0: SC_NET_DEFAULT_MTU */
	uint8_t ipv4_count;
	uint8_t ipv6_count;
	uint8_t sip_port_count;
};

/*
 * Drop reasons: enum suffix and counter name. Append only (counter order). Every
 * packet classified SC_NET_DROP carries one of these.
 */
#define SC_NET_DROPS(X) \
	X(NONE, "none") \
	X(RUNT, "runt") \
	X(VLAN_QINQ, "vlan_qinq") \
	X(NOT_IP, "not_ip") \
	X(BAD_IP_HEADER, "bad_ip_header") \
	X(BAD_IP_CHECKSUM, "bad_ip_checksum") \
	X(NOT_LOCAL, "not_local") \
	X(NOT_UDP, "not_udp") \
	X(BAD_IPV6_EXT, "bad_ipv6_ext") \
	X(BAD_FRAGMENT, "bad_fragment") \
	X(BAD_UDP_LENGTH, "bad_udp_length") \
	X(BAD_UDP_CHECKSUM, "bad_udp_checksum") \
	X(NOT_SIP_PORT, "not_sip_port") \
	X(BAD_ARP, "bad_arp") \
	X(ARP_NOT_REQUEST, "arp_not_request") \
	X(ARP_NOT_FOR_US, "arp_not_for_us") \
	X(BAD_ICMPV6, "bad_icmpv6") \
	X(BAD_ICMPV6_CHECKSUM, "bad_icmpv6_checksum") \
	X(ICMPV6_OTHER, "icmpv6_other") \
	X(ND_NOT_FOR_US, "nd_not_for_us") \
	X(NO_PORT_MAC, "no_port_mac") \
	X(BAD_SOURCE, "bad_source")

enum sc_net_drop {
#define SC_X_ENUM(name, str) SC_NET_DROP_##name,
	SC_NET_DROPS(SC_X_ENUM)
#undef SC_X_ENUM
	SC_NET_DROP_COUNT,
};

/* What to do with a received frame. */
enum sc_net_class {
	SC_NET_DROP = 0,	/* free it, count pkt->drop */
	SC_NET_SIP,		/* UDP datagram to a local address and SIP port */
	SC_NET_ARP,		/* ARP request for a local IPv4: sc_net_answer() it */
	SC_NET_ND,		/* NS for a local IPv6: sc_net_answer() it */
	SC_NET_FRAGMENT,	/* IPv4/IPv6 fragment to a local address: sc_net_reassemble() */
};

/* Decap result. Slices point into the mbuf; valid while the mbuf is. */
struct sc_net_pkt {
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	struct rte_ether_addr local_mac;	/* cfg->mac[port_id]; zero when not set */
	uint16_t port_id;		/* m->port */
	uint16_t vlan_tci;		/* host order, valid when has_vlan */
	uint8_t has_vlan;
	uint8_t ip_version;		/* 4 or 6; 0 for ARP / not IP */
	uint8_t cls;			/* enum sc_net_class */
	uint8_t drop;			/* enum sc_net_drop */
	union sc_net_ip src_ip;
	union sc_net_ip dst_ip;
	uint16_t src_port;		/* UDP, host order */
	uint16_t dst_port;
	uint16_t l2_len;		/* Ethernet + VLAN */
	uint16_t l3_len;		/* IP header incl. options / extension headers */
	uint16_t mtu;			/* IP MTU of the port */
	const char *payload;		/* UDP payload; contiguous (see sc_net_reassemble) */
	uint32_t payload_len;
};

/*
 * Everything needed to send a UDP datagram later without the original packet.
 * Fits the transaction record's opaque reply-path blob (<= 64 bytes).
 */
struct sc_net_path {
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint16_t vlan_tci;		/* host order, used when has_vlan */
	uint16_t port_id;		/* ethdev port to send on */
	uint8_t has_vlan;
	uint8_t ip_version;		/* 4 or 6 */
	uint16_t mtu;			/* IP MTU; 0: SC_NET_DEFAULT_MTU */
	uint16_t src_port;		/* host order */
	uint16_t dst_port;
	union sc_net_ip src_ip;
	union sc_net_ip dst_ip;
};

_Static_assert(sizeof(struct sc_net_path) <= 64, "sc_net_path must fit the reply blob");

/* Counter name of a drop reason ("bad_udp_checksum"). Never NULL. */
const char *sc_net_drop_name(enum sc_net_drop reason);

/* Name of a class ("sip", "arp", ...). Never NULL. */
const char *sc_net_class_name(enum sc_net_class cls);

/*
 * Decap a received frame (m data starts at the Ethernet header). Fills *pkt and
 * returns its class (also in pkt->cls). Verifies the IPv4 header checksum unless
 * m->ol_flags says RTE_MBUF_F_RX_IP_CKSUM_GOOD, and a non-zero UDP checksum unless
 * RTE_MBUF_F_RX_L4_CKSUM_GOOD (an IPv6 UDP checksum of zero is invalid, RFC 8200
 * section 8.1). For SC_NET_FRAGMENT it also sets m->l2_len / m->l3_len as
 * rte_ip_frag wants them. The mbuf is never freed or modified otherwise.
 * For SC_NET_SIP on a chained mbuf the payload may not be contiguous: then
 * pkt->payload is NULL and sc_net_flat_payload() gives a flat copy.
 */
enum sc_net_class sc_net_classify(struct rte_mbuf *m, const struct sc_net_cfg *cfg,
				  struct sc_net_pkt *pkt);

/*
 * Answer an SC_NET_ARP or SC_NET_ND packet by rewriting m in place into the ARP
 * reply / Neighbour Advertisement (solicited, override, target link-layer
 * address option, ICMPv6 checksum). The caller transmits m on pkt->port_id.
 * Returns 0, or -EINVAL when pkt->cls is neither (m untouched).
 */
int sc_net_answer(struct rte_mbuf *m, const struct sc_net_cfg *cfg, const struct sc_net_pkt *pkt);

/* True when ip is one of cfg's local addresses of that version. */
bool sc_net_is_local(const struct sc_net_cfg *cfg, uint8_t ip_version, const union sc_net_ip *ip);

/* ---- reassembly ------------------------------------------------------------ */

/* Per-lcore reassembly context: rte_ip_frag table, death row, a flat scratch. */
struct sc_net_frag;

/*
 * Create a reassembly context on `socket_id`: `max_flows` datagrams in flight,
 * each given at most `timeout_cycles` (TSC) to complete. NULL + errno on failure.
 * Use from one lcore only.
 */
struct sc_net_frag *sc_net_frag_create(uint32_t max_flows, uint64_t timeout_cycles,
				       int socket_id);

/* Free the context and every mbuf it holds. NULL is a no-op. */
void sc_net_frag_free(struct sc_net_frag *f);

/*
 * Feed one SC_NET_FRAGMENT mbuf (as classified) at time now_tsc. The context
 * owns m from here on. Returns NULL while more fragments are needed (or when the
 * fragment was invalid and sent to the death row), else the reassembled mbuf,
 * decapped again into *pkt: its class is SC_NET_SIP or SC_NET_DROP (caller
 * frees). The reassembled mbuf is the caller's; it is usually chained, so
 * pkt->payload is usually NULL: get it with sc_net_flat_payload().
 */
struct rte_mbuf *sc_net_reassemble(struct sc_net_frag *f, struct rte_mbuf *m,
				   const struct sc_net_cfg *cfg, struct sc_net_pkt *pkt,
				   uint64_t now_tsc);

/*
 * Free the mbufs rte_ip_frag put on the death row (timed-out or bad fragments).
 * Call once per loop. Returns how many were freed (for a counter).
 */
uint32_t sc_net_frag_drain(struct sc_net_frag *f);

/*
 * Like sc_net_frag_drain(), and first move the fragments of datagrams older than
 * the timeout at now_tsc to the death row, so incomplete datagrams do not hold
 * mbufs until their hash bucket is next used. Returns how many mbufs were freed.
 */
uint32_t sc_net_frag_expire(struct sc_net_frag *f, uint64_t now_tsc);

/*
 * Flat view of an SC_NET_SIP payload: pkt->payload when set, else the payload
 * copied from the chained mbuf into the context's single scratch buffer (and
 * pkt->payload set to it), valid until the next copy: finish with it first.
 * NULL when the payload exceeds the scratch (64 KiB).
 */
const char *sc_net_flat_payload(struct sc_net_frag *f, const struct rte_mbuf *m,
				struct sc_net_pkt *pkt);

/* ---- paths and encap ------------------------------------------------------- */

/*
 * Where a response to the request in pkt goes (RFC 3261 section 18.2.2 for
 * unreliable unicast transport, RFC 3581 section 4): to the request's source IP
 * (what the server puts in `received`); to the port of ;rport when the top Via
 * has one (its value if the request carried one, else the source port); else
 * the sent-by port; else default_port. Sent from the address and port the request
 * arrived on, on the same port and VLAN, back to the request's source MAC.
 * top_via NULL: treated as a Via without rport and port. maddr is not honoured
 * (we never send to multicast). Returns 0.
 */
int sc_net_response_path(const struct sc_net_pkt *pkt, const struct sc_sip_via *top_via,
			 uint16_t default_port, struct sc_net_path *out);

/*
 * Path to an arbitrary destination (the proxy's next hop): our port/MAC/IP/port
 * and the next hop's MAC/IP/port. vlan_tci < 0: untagged. ip_version 4 or 6.
 * Returns 0 or -EINVAL.
 */
int sc_net_path_init(struct sc_net_path *out, uint16_t port_id,
		     const struct rte_ether_addr *src_mac, const struct rte_ether_addr *dst_mac,
		     int32_t vlan_tci, uint8_t ip_version,
		     const union sc_net_ip *src_ip, uint16_t src_port,
		     const union sc_net_ip *dst_ip, uint16_t dst_port, uint16_t mtu);

/* Bytes of Ethernet/VLAN/IP/UDP header sc_net_encap() writes for this path. */
uint32_t sc_net_hdr_len(const struct sc_net_path *path);

/*
 * Build a UDP datagram in m (reset here; one segment): headers for `path`, then
 * payload[0..len). IPv4 header and UDP checksums in software (the payload is
 * summed while it is copied, sc_net_cksum_copy()), or as TX offload flags when
 * tx_offload_capa (rte_eth_dev_info.tx_offload_capa) has
 * RTE_ETH_TX_OFFLOAD_{IPV4,UDP}_CKSUM; DF set. One frame only: returns -EMSGSIZE
 * when the IP datagram exceeds the path MTU (see sc_net_needs_frag() and
 * sc_net_encap_frag()) or the frame the mbuf's room (caller counts and frees),
 * -EINVAL on a bad path, else 0.
 */
int sc_net_encap(struct rte_mbuf *m, const struct sc_net_path *path, const void *payload,
		 uint32_t len, uint64_t tx_offload_capa);

/*
 * sc_net_encap() for a direct, single-segment mbuf (no external buffer) whose
 * buf_addr and buf_len the caller passes, read when the mbuf was last in cache (or
 * its pool's layout, rte_pktmbuf_init()): the same frame and mbuf fields, but no
 * field of m is loaded before it is written, so writing a cold mbuf waits for its
 * lines in the store buffer instead of stalling on a load. Errors as sc_net_encap().
 */
int sc_net_encap_raw(struct rte_mbuf *m, char *buf_addr, uint16_t buf_len,
		     const struct sc_net_path *path, const void *payload, uint32_t len,
		     uint64_t tx_offload_capa);

/*
 * Same as sc_net_encap() when the payload is already in m at offset
 * sc_net_hdr_len(path) (data_len == hdr_len + len): writes only the headers.
 * Lets a request mbuf be rewritten into its response without a copy.
 */
int sc_net_encap_hdr(struct rte_mbuf *m, const struct sc_net_path *path, uint32_t len,
		     uint64_t tx_offload_capa);

/*
 * True when a UDP datagram of len payload bytes on path is larger than the
 * path's IP MTU, i.e. sc_net_encap() cannot send it and sc_net_encap_frag() must.
 */
static inline bool
sc_net_needs_frag(const struct sc_net_path *path, uint32_t len)
{
	uint32_t mtu = path->mtu != 0 ? path->mtu : SC_NET_DEFAULT_MTU;
	uint32_t l3 = path->ip_version == 6 ? 40 : 20;	/* IPv6 / IPv4 header, no options */

	return l3 + 8 + (uint64_t)len > mtu;
}

/* Largest number of fragments sc_net_encap_frag() makes of one datagram. */
#define SC_NET_FRAG_MAX 64

/*
 * Build the UDP datagram of sc_net_encap() when it may exceed the path MTU (RFC
 * 3261 18.1.1 / 18.2.2 leave IP fragmentation to UDP): the whole datagram (IP and
 * UDP headers, payload[0..len), UDP checksum over all of it, always in software
 * since a NIC checksums one frame) is built in a chain of mbufs from `direct`,
 * cut by rte_ipv4_fragment_packet() / rte_ipv6_fragment_packet() into fragments
 * of at most the path MTU (data in multiples of 8 bytes) made of a header mbuf
 * from `direct` and payload mbufs from `indirect` (no data room needed) attached
 * to the chain, and each fragment gets its Ethernet (and 802.1Q) header.
 * IPv4: DF clear, Identification (uint16_t)ip_id, which the caller must not repeat
 * for the same source, destination and protocol while fragments may be in flight
 * (RFC 791 section 3.2, RFC 6864 section 4); header checksum per fragment, in
 * software unless tx_offload_capa has RTE_ETH_TX_OFFLOAD_IPV4_CKSUM. IPv6: a
 * Fragment header with Identification ip_id in every fragment (RFC 8200 section
 * 4.5). Without RTE_ETH_TX_OFFLOAD_MULTI_SEGS in tx_offload_capa every fragment is
 * copied into one segment. A datagram within the MTU is one frame: as
 * sc_net_encap() builds it in an mbuf from `direct`, or, above that mbuf's room
 * (a jumbo MTU), the chain itself with DF clear.
 * Fills out[0..n) and returns n (1..cap), the frames to send in that order; the
 * caller owns them. On error nothing is left allocated: -EINVAL (bad path or
 * arguments, MTU below 68), -EMSGSIZE (larger than an IP datagram, than
 * SC_NET_FRAG_MAX fragments or segments, or a frame to copy than an mbuf),
 * -ENOSPC (more than cap fragments), -ENOMEM (a pool ran dry).
 */
int sc_net_encap_frag(struct rte_mbuf **out, unsigned cap, struct rte_mempool *direct,
		      struct rte_mempool *indirect, const struct sc_net_path *path,
		      const void *payload, uint32_t len, uint32_t ip_id,
		      uint64_t tx_offload_capa);

/*
 * One's-complement sum (RFC 1071) of buf[0..len) in 16-bit words of host byte
 * order, added to sum with end-around carry: bytes 2k and 2k+1 of buf form a word
 * whatever buf's alignment, an odd last byte is a word padded with a zero byte.
 * Returns the sum folded to 16 bits (0 only when sum and every word are 0), so
 * __rte_raw_cksum_reduce() of the result equals that of __rte_raw_cksum(buf, len,
 * sum) whenever the latter's 32-bit sum does not wrap (sum < 2^31 is enough for
 * len <= 65535; past a wrap DPDK's value is the wrong one). The checksum field
 * value is ~result. Any len; AVX2 when the CPU has it (sc_net_cksum_set_impl()).
 */
uint32_t sc_net_cksum_raw(const void *buf, size_t len, uint32_t sum);

/*
 * memcpy(dst, src, len) and sc_net_cksum_raw(src, len, sum) in one pass over src
 * (dst and src must not overlap). Returns what sc_net_cksum_raw() would.
 */
uint32_t sc_net_cksum_copy(void *dst, const void *src, size_t len, uint32_t sum);

/* Checksum implementations; tests and benchmarks run every one the CPU supports. */
enum sc_net_cksum_impl {
	SC_NET_CKSUM_SCALAR = 0,
	SC_NET_CKSUM_AVX2,
};

/*
 * Pick the implementation behind sc_net_cksum_raw/copy for the whole process
 * (set it before workers start). Returns 0, or -ENOTSUP if the CPU or build lacks it.
 */
int sc_net_cksum_set_impl(enum sc_net_cksum_impl impl);

/* The implementation in use: the best the CPU has unless the 'simd' option or a set said less. */
enum sc_net_cksum_impl sc_net_cksum_get_impl(void);

/* Longest text of an IP address as sc_net_ip_fmt writes it, with its NUL (INET6_ADDRSTRLEN). */
#define SC_NET_IP_TEXT_MAX 46

/*
 * An IP address as text into buf ("198.18.0.2"; RFC 5952 "2001:2::2", as inet_ntop
 * writes it), NUL-terminated. Returns the length without the NUL, or 0 (buf "")
 * when cap is too small or the version is neither 4 nor 6. No stdio: it runs for
 * every response that gets received= (RFC 3261 18.2.1).
 */
size_t sc_net_ip_fmt(uint8_t ip_version, const union sc_net_ip *ip, char *buf, size_t cap);

/*
 * True when the address can name one host: not unspecified, loopback, multicast or
 * (IPv4) class E and limited broadcast. The same rule drops SIP from such sources
 * (SC_NET_DROP_BAD_SOURCE); the application uses it to refuse them as its own or a
 * next hop's address.
 */
bool sc_net_ip_is_host(uint8_t ip_version, const union sc_net_ip *ip);

/* Format an IP for logs ("198.18.0.2", "2001:2::2"). Returns buf. */
const char *sc_net_ip_str(uint8_t ip_version, const union sc_net_ip *ip, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SC_NET_H */
