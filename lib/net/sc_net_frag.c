/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly glue over rte_ip_frag: one table and death row per lcore, and a
 * scratch buffer so the parser always gets a flat payload.
 */
/* rte_ip_frag_table_del_expired_entries() is still experimental in DPDK 22.11. */
#ifndef ALLOW_EXPERIMENTAL_API
#define ALLOW_EXPERIMENTAL_API
#endif

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "sc_net.h"

/* Entries per hash bucket; the value DPDK's examples use (power of two). */
#define FRAG_BUCKET_ENTRIES 16
/* Largest UDP payload of a reassembled IPv4/IPv6 datagram. */
#define FRAG_SCRATCH_LEN 65536

struct sc_net_frag {
	struct rte_ip_frag_tbl *tbl;
	uint64_t freed;			/* death-row mbufs freed, not yet reported */
	struct rte_ip_frag_death_row dr;
	char scratch[FRAG_SCRATCH_LEN] __rte_cache_aligned;
};

struct sc_net_frag *
sc_net_frag_create(uint32_t max_flows, uint64_t timeout_cycles, int socket_id)
{
	struct sc_net_frag *f;
	uint32_t buckets;

	if (max_flows == 0 || timeout_cycles == 0) {
		errno = EINVAL;
		return NULL;
	}
	f = rte_zmalloc_socket("sc_net_frag", sizeof(*f), RTE_CACHE_LINE_SIZE, socket_id);
	if (f == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* rte_ip_frag wants max_entries <= buckets * entries; keep the load at 1/16. */
	buckets = rte_align32pow2(max_flows);
	f->tbl = rte_ip_frag_table_create(buckets, FRAG_BUCKET_ENTRIES, max_flows,
					  timeout_cycles, socket_id);
	if (f->tbl == NULL) {
		rte_free(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

uint32_t
sc_net_frag_drain(struct sc_net_frag *f)
{
	uint64_t n = f->freed + f->dr.cnt;

	rte_ip_frag_free_death_row(&f->dr, 0);
	f->freed = 0;
	return (uint32_t)n;
}

uint32_t
sc_net_frag_expire(struct sc_net_frag *f, uint64_t now_tsc)
{
	/* Deletes while the death row has room; what is left goes next time. */
	rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr, now_tsc);
	return sc_net_frag_drain(f);
}

void
sc_net_frag_free(struct sc_net_frag *f)
{
	if (f == NULL)
		return;
	rte_ip_frag_free_death_row(&f->dr, 0);
	rte_ip_frag_table_destroy(f->tbl);
	rte_free(f);
}

const char *
sc_net_flat_payload(struct sc_net_frag *f, const struct rte_mbuf *m, struct sc_net_pkt *pkt)
{
	uint32_t off = (uint32_t)pkt->l2_len + pkt->l3_len + (uint32_t)sizeof(struct rte_udp_hdr);

	if (pkt->payload != NULL)
		return pkt->payload;
	if (pkt->payload_len > FRAG_SCRATCH_LEN)
		return NULL;
	pkt->payload = rte_pktmbuf_read(m, off, pkt->payload_len, f->scratch);
	return pkt->payload;
}

struct rte_mbuf *
sc_net_reassemble(struct sc_net_frag *f, struct rte_mbuf *m, const struct sc_net_cfg *cfg,
		  struct sc_net_pkt *pkt, uint64_t now_tsc)
{
	struct rte_mbuf *r;

	/*
	 * rte_ip_frag may put up to RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1 mbufs on the death
	 * row per call; free early so a long burst of bad fragments cannot overflow it.
	 */
	if (f->dr.cnt + RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1 > RTE_DIM(f->dr.row)) {
		f->freed += f->dr.cnt;
		rte_ip_frag_free_death_row(&f->dr, 0);
	}
	if (pkt->ip_version == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								   m->l2_len);

		r = rte_ipv4_frag_reassemble_packet(f->tbl, &f->dr, m, now_tsc, ip);
		if (r == NULL)
			return NULL;
		/* rte_ip_frag zeroes the header checksum of the rebuilt header. */
		ip = rte_pktmbuf_mtod_offset(r, struct rte_ipv4_hdr *, r->l2_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
								   m->l2_len);
		struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip + 1);

		r = rte_ipv6_frag_reassemble_packet(f->tbl, &f->dr, m, now_tsc, ip, fh);
		if (r == NULL)
			return NULL;
	}
	/* A NIC cannot check L4 of a fragment; whatever the flags say, check ourselves. */
	r->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	/*
	 * The payload is usually chained: it stays NULL here so the caller decides
	 * when to copy it into the scratch (sc_net_flat_payload) and knows that copy
	 * is overwritten by the next one.
	 */
	if (sc_net_classify(r, cfg, pkt) == SC_NET_FRAGMENT) {
		/* Cannot happen for a datagram rte_ip_frag rebuilt; never loop on it. */
		pkt->cls = SC_NET_DROP;
		pkt->drop = SC_NET_DROP_BAD_FRAGMENT;
	}
	return r;
}
