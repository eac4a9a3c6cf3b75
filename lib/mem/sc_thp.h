/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SC_THP_H
#define SC_THP_H

/*
 * Memory on transparent huge pages for runs without hugepages (--no-huge).
 *
 * Under --no-huge, EAL memory is a shared memfd of 4 KiB pages that in practice gets
 * no transparent huge pages (shmem THP is off by default, and EAL maps the memfd at
 * an offset that is not 2 MiB aligned). A million transaction records, or a pool of
 * 64 Ki mbufs cycled through a ring, then cost a TLB miss and a page walk on nearly
 * every cold access: a cost a hugepage deployment never pays. These helpers map private
 * anonymous memory, 2 MiB aligned and advised MADV_HUGEPAGE, and can put a DPDK
 * malloc heap over it (rte_malloc_heap_create) so that rte_hash, rte_mempool and
 * rte_malloc allocate there by its socket id.
 *
 * The memory is registered with no IOVA and has no file descriptor: only for what no
 * device DMAs into and no other process maps (tables, or the mbufs of drivers that
 * copy frames, such as net_pcap and net_af_packet). The advice is only advice: with
 * THP off the mapping works with small pages.
 */

#include <stddef.h>
#include <stdint.h>

#define SC_THP_SIZE ((size_t)2 << 20)
#define SC_THP_HEAP_NAME_LEN 32	/* RTE_HEAP_NAME_MAX_LEN, not in the public headers */

struct sc_thp_map {
	void *base;		/* as mapped; NULL: nothing mapped */
	size_t len;
};

/*
 * Zeroed memory of len octets at a 2 MiB boundary, faulted in (no first-touch fault
 * later), or NULL: errno EINVAL for a len of 0 or too large to align, ENOMEM when
 * the pages cannot all be had, else mmap's.
 */
void *sc_thp_map(struct sc_thp_map *m, size_t len);

/* Unmaps what sc_thp_map() mapped into m; nothing may use it any more. Idempotent. */
void sc_thp_unmap(struct sc_thp_map *m);

struct sc_thp_heap {
	char name[SC_THP_HEAP_NAME_LEN];
	struct sc_thp_map map;
	void *va;		/* 2 MiB aligned start of the heap memory; NULL: none */
	size_t len;
	int socket;		/* the heap's socket id (>= RTE_MAX_NUMA_NODES) */
};

/*
 * A malloc heap called name over len octets (rounded up to 2 MiB) of THP memory, in
 * h (which must not hold a heap already). 0, or -EEXIST (name taken), -ENOMEM,
 * -EINVAL; on failure nothing is left behind.
 */
int sc_thp_heap_create(struct sc_thp_heap *h, const char *name, size_t len);

/*
 * Removes the heap and unmaps it; 0 also when h holds none. When the memory cannot
 * leave the heap (-EBUSY: something is still allocated in it, or another negative
 * errno from DPDK) it stays mapped, live objects being never unmapped, and h is
 * kept. When only the emptied heap cannot be destroyed, the memory is unmapped, h
 * cleared and DPDK's error returned.
 */
int sc_thp_heap_destroy(struct sc_thp_heap *h);

/* Octets allocated in the heap now (0 if h has none). */
size_t sc_thp_heap_used(const struct sc_thp_heap *h);

/*
 * Heap size for a pool of n packet mbufs of data_room octets each, made by
 * rte_pktmbuf_pool_create() with no private area, with room for the pool's header
 * and per-lcore caches, its ring and the heap's own alignment.
 */
size_t sc_thp_pktmbuf_pool_bytes(unsigned n, uint16_t data_room);

#endif /* SC_THP_H */
