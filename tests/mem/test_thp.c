/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/mem: THP mappings and the malloc heaps over them (--no-huge runs). */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sc_thp.h"

static void
eal_up(void)
{
	char prefix[64];
	char *argv[] = {
		"test_thp", "-l", "0", "--no-huge", "--no-pci", "-m", "64",
		"--file-prefix", prefix, "--log-level=lib.eal:error", "--no-telemetry", NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	snprintf(prefix, sizeof(prefix), "sc_thp_test_%d", (int)getpid());
	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init failed");
}

static void
eal_down(void)
{
	rte_eal_cleanup();
}

TestSuite(thp, .init = eal_up, .fini = eal_down, .timeout = 60);

/* The VmFlags of the mapping holding p, from /proc/self/smaps ("" if none). */
static void
vm_flags(const void *p, char *out, size_t cap)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	bool in = false;
	uintptr_t lo, hi;
	int end;

	out[0] = '\0';
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		/* A mapping's first line: "lo-hi perms ..."; its fields follow. */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %n", &lo, &hi, &end) == 2 &&
		    end > 0)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, cap, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

Test(thp, map_is_aligned_populated_zeroed_and_advised)
{
	struct sc_thp_map m;
	size_t len = 3 * SC_THP_SIZE + 4096;
	uint8_t *p = sc_thp_map(&m, len);
	unsigned char resident[(3 * SC_THP_SIZE + 4096) / 4096];
	char flags[512];
	size_t i;

	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % SC_THP_SIZE, 0);
	cr_assert_geq((uint8_t *)m.base + m.len, p + len, "the mapping covers len");
	/* Faulted in before any touch: no first-touch fault on the data path. */
	cr_assert_eq(mincore(p, len, resident), 0, "mincore: %s", strerror(errno));
	for (i = 0; i < (len + 4095) / 4096; i++)
		cr_assert(resident[i] & 1, "page %zu of %zu not resident", i, (len + 4095) / 4096);
	for (i = 0; i < len; i += 4096)
		cr_assert_eq(p[i], 0);
	memset(p, 0xa5, len);
	/* A kernel without THP support refuses the advice; the mapping still works. */
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0) {
		vm_flags(p, flags, sizeof(flags));
		cr_assert(strstr(flags, " hg") != NULL, "MADV_HUGEPAGE not applied: %s", flags);
	} else {
		cr_log_warn("kernel without transparent huge pages: advice not checked");
	}
	sc_thp_unmap(&m);
	cr_assert_null(m.base);
	sc_thp_unmap(&m);	/* twice is harmless */

	errno = 0;
	cr_assert_null(sc_thp_map(&m, 0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(sc_thp_map(&m, SIZE_MAX - SC_THP_SIZE), "too large to align");
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(m.base);
}

Test(thp, heap_allocates_inside_and_refuses_to_unmap_live_memory)
{
	struct sc_thp_heap h;
	uint8_t *a;

	cr_assert_eq(sc_thp_heap_create(&h, "thp_t1", 5u << 20), 0);
	cr_assert_geq(h.socket, RTE_MAX_NUMA_NODES, "an external heap's socket id");
	cr_assert_eq(h.len, 6u << 20, "rounded up to 2 MiB");
	cr_assert_eq((uintptr_t)h.va % SC_THP_SIZE, 0);
	cr_assert_eq(sc_thp_heap_used(&h), 0);

	a = rte_malloc_socket("t", 1u << 20, 64, h.socket);
	cr_assert_not_null(a);
	cr_assert(a >= (uint8_t *)h.va && a + (1u << 20) <= (uint8_t *)h.va + h.len);
	cr_assert_geq(sc_thp_heap_used(&h), 1u << 20);
	cr_assert_null(rte_malloc_socket("t", 8u << 20, 64, h.socket), "bigger than the heap");

	cr_assert_eq(sc_thp_heap_destroy(&h), -EBUSY);
	cr_assert_not_null(h.va, "kept while busy");
	a[0] = 1;		/* still mapped */
	rte_free(a);
	cr_assert_eq(sc_thp_heap_destroy(&h), 0);
	cr_assert_null(h.va);
	cr_assert_eq(sc_thp_heap_destroy(&h), 0, "twice is harmless");

	/* The name is free again. */
	cr_assert_eq(sc_thp_heap_create(&h, "thp_t1", 1), 0);
	cr_assert_eq(sc_thp_heap_destroy(&h), 0);
}

Test(thp, heap_bad_arguments_and_a_taken_name)
{
	struct sc_thp_heap h1, h2;
	char longname[SC_THP_HEAP_NAME_LEN + 1];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(sc_thp_heap_create(&h2, longname, 1u << 20), -EINVAL);
	cr_assert_eq(sc_thp_heap_create(&h2, "thp_t2", 0), -EINVAL);
	cr_assert_eq(sc_thp_heap_create(&h2, NULL, 1u << 20), -EINVAL);
	cr_assert_null(h2.va);

	cr_assert_eq(sc_thp_heap_create(&h1, "thp_t2", 1u << 20), 0);
	cr_assert_eq(sc_thp_heap_create(&h2, "thp_t2", 1u << 20), -EEXIST);
	cr_assert_null(h2.va, "nothing left behind");
	cr_assert_eq(sc_thp_heap_destroy(&h2), 0);
	cr_assert_not_null(rte_malloc_socket("t", 4096, 64, h1.socket), "the first still works");
	cr_assert_eq(sc_thp_heap_destroy(&h1), -EBUSY);
}

/* A heap of sc_thp_pktmbuf_pool_bytes(n) holds a pool of n, at each size. */
Test(thp, pktmbuf_pool_fits_its_heap)
{
	static const struct { unsigned n; uint16_t room; } cases[] = {
		{ 63, RTE_MBUF_DEFAULT_BUF_SIZE }, { 4095, RTE_MBUF_DEFAULT_BUF_SIZE },
		{ 65535, RTE_MBUF_DEFAULT_BUF_SIZE }, { 511, 0 }, { 16383, 9216 },
	};
	struct rte_mbuf *m[64];
	size_t c;
	unsigned i, k;

	for (c = 0; c < RTE_DIM(cases); c++) {
		struct sc_thp_heap h;
		struct rte_mempool *mp;
		char name[32];

		snprintf(name, sizeof(name), "thp_pool_%zu", c);
		cr_assert_eq(sc_thp_heap_create(&h, name, sc_thp_pktmbuf_pool_bytes(
							  cases[c].n, cases[c].room)), 0);
		mp = rte_pktmbuf_pool_create(name, cases[c].n, 32, 0, cases[c].room, h.socket);
		cr_assert_not_null(mp, "pool of %u x %u: %s", cases[c].n, cases[c].room,
				   rte_strerror(rte_errno));
		k = RTE_MIN((unsigned)RTE_DIM(m), cases[c].n);
		cr_assert_eq(rte_pktmbuf_alloc_bulk(mp, m, k), 0);
		for (i = 0; i < k; i++) {
			cr_assert((uint8_t *)m[i] >= (uint8_t *)h.va &&
				  (uint8_t *)m[i] < (uint8_t *)h.va + h.len);
			if (cases[c].room != 0)
				memset(rte_pktmbuf_mtod(m[i], void *), 0x5a, cases[c].room -
				       RTE_PKTMBUF_HEADROOM);
		}
		rte_pktmbuf_free_bulk(m, k);
		cr_assert_eq(sc_thp_heap_destroy(&h), -EBUSY, "the pool still lives");
		rte_mempool_free(mp);
		cr_assert_eq(sc_thp_heap_destroy(&h), 0);
	}
}
