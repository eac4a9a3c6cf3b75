/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sc_thp.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14; older headers lack it */
#endif

/*
 * Fault every page in now, as EAL does with hugepages: a first touch on the data
 * path would cost a fault and, with THP, clearing 2 MiB (seen in the pipeline
 * benchmark when the first inserts reached the slot array), and a shortage shows
 * at start-up rather than under load (MADV_POPULATE_WRITE fails with ENOMEM). Kernels
 * before 5.14 refuse the advice; then each page is written once.
 */
static int
populate(uint8_t *p, size_t len)
{
	size_t off;

	if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	for (off = 0; off < len; off += 4096)
		((volatile uint8_t *)p)[off] = 0;
	return 0;
}

void *
sc_thp_map(struct sc_thp_map *m, size_t len)
{
	uint8_t *p;

	m->base = NULL;
	m->len = 0;
	if (len == 0 || len > SIZE_MAX - 2 * SC_THP_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	len = RTE_ALIGN_CEIL(len, SC_THP_SIZE);
	/* One huge page more, to start at a 2 MiB boundary wherever mmap puts it. */
	p = mmap(NULL, len + SC_THP_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	m->base = p;
	m->len = len + SC_THP_SIZE;
	p = (uint8_t *)RTE_ALIGN_CEIL((uintptr_t)p, (uintptr_t)SC_THP_SIZE);
	(void)madvise(p, len, MADV_HUGEPAGE);
	if (populate(p, len) != 0) {
		int err = errno;

		sc_thp_unmap(m);
		errno = err;
		return NULL;
	}
	return p;
}

void
sc_thp_unmap(struct sc_thp_map *m)
{
	if (m->base != NULL)
		munmap(m->base, m->len);
	m->base = NULL;
	m->len = 0;
}

int
sc_thp_heap_create(struct sc_thp_heap *h, const char *name, size_t len)
{
	int err, s;

	memset(h, 0, sizeof(*h));
	h->socket = -1;
	if (name == NULL || len == 0 || len > SIZE_MAX - 2 * SC_THP_SIZE ||
	    strlen(name) >= sizeof(h->name))
		return -EINVAL;
	len = RTE_ALIGN_CEIL(len, SC_THP_SIZE);
	h->va = sc_thp_map(&h->map, len);
	if (h->va == NULL)
		return -ENOMEM;
	if (rte_malloc_heap_create(name) != 0) {
		err = rte_errno == EEXIST ? -EEXIST : -ENOMEM;
		goto unmap;
	}
	if (rte_malloc_heap_memory_add(name, h->va, len, NULL,
				       (unsigned)(len / SC_THP_SIZE), SC_THP_SIZE) != 0) {
		err = -ENOMEM;
		goto destroy;
	}
	s = rte_malloc_heap_get_socket(name);
	if (s < 0) {
		rte_malloc_heap_memory_remove(name, h->va, len);
		err = -ENOMEM;
		goto destroy;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->len = len;
	h->socket = s;
	return 0;
destroy:
	rte_malloc_heap_destroy(name);
unmap:
	sc_thp_unmap(&h->map);
	h->va = NULL;
	return err;
}

int
sc_thp_heap_destroy(struct sc_thp_heap *h)
{
	int rc = 0;

	if (h->va == NULL)
		return 0;
	if (rte_malloc_heap_memory_remove(h->name, h->va, h->len) != 0)
		return rte_errno != 0 ? -rte_errno : -EBUSY;
	/* The memory is out of the heap: unmap it even if the empty heap stays. */
	if (rte_malloc_heap_destroy(h->name) != 0)
		rc = rte_errno != 0 ? -rte_errno : -EINVAL;
	sc_thp_unmap(&h->map);
	h->va = NULL;
	h->len = 0;
	h->socket = -1;
	return rc;
}

size_t
sc_thp_heap_used(const struct sc_thp_heap *h)
{
	struct rte_malloc_socket_stats st;

	if (h->va == NULL || rte_malloc_get_socket_stats(h->socket, &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

size_t
sc_thp_pktmbuf_pool_bytes(unsigned n, uint16_t data_room)
{
	struct rte_mempool_objsz sz;
	size_t objs;

	rte_mempool_calc_obj_size((uint32_t)(sizeof(struct rte_mbuf) + data_room), 0, &sz);
	objs = (size_t)n * sz.total_size;
	/*
	 * Besides the objects: the pool header with a cache per possible lcore, its ring
	 * (8 octets an object, rounded up to a power of two: 16 per object at most), a
	 * sixteenth for the memzones' and malloc's alignment and headers, and two huge
	 * pages of slack (faulted in with the rest, see populate()).
	 */
	return objs + objs / 16 + (size_t)16 * n + sizeof(struct rte_mempool) +
	       (size_t)RTE_MAX_LCORE * sizeof(struct rte_mempool_cache) + 2 * SC_THP_SIZE;
}
