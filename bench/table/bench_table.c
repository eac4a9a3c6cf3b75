/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction table benchmark: bulk lookups (rte_hash bulk + record + exact compare)
 * per second per core with 1M pending transactions (200k with SC_BENCH_QUICK=1),
 * insert+delete per second, and bytes per pending transaction. Key building and the
 * XXH3-128 digest are timed apart ("lookup hit" has the digest precomputed, as the
 * worker computes it while the packet is in cache), then added up, and once more in
 * a pipelined burst loop (build + digest + start k+1 + finish k).
 *
 * Baseline, in the same process: a bare rte_hash with the same flags and the same
 * 16-byte digests, on the same kind of memory as the table's hash (THP under
 * --no-huge), looked up with rte_hash_lookup_with_hash_bulk() from precomputed
 * signatures: no key hashing, no record access, no exact compare. A second bare
 * hash on the EAL heap (4 KiB pages under --no-huge) shows what the THP heap buys.
 * For insert+delete the baseline is rte_hash add + del + free_key_with_position of
 * the same digests. Ratio = table cycles / baseline cycles.
 * SC_BENCH_BURST=n (1..64) sets the lookup burst; 32 (one rx burst) by default.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "sc_thp.h"
#include "sc_txn.h"

#define RUNS		5
#define BURST_MAX	SC_TXN_LOOKUP_MAX
/* Lookup burst: one rx burst (32, DESIGN.md) by default; SC_BENCH_BURST=64 for two. */
static unsigned burst = 32;
#define NSMP		11

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of per-burst samples, cycles per op: robust to preemption on a shared box. */
static double
burst_median(uint32_t *v, size_t n, unsigned ops)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	return (double)v[n / 2] / ops;
}

static size_t
heap_alloc_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;
	unsigned s;

	for (s = 0; s < rte_socket_count(); s++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

/* kB of a /proc/self/smaps_rollup field (e.g. "AnonHugePages"), 0 when absent. */
static unsigned long
smaps_kb(const char *field)
{
	char line[256];
	unsigned long v = 0;
	size_t fl = strlen(field);
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtoul(line + fl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * The benchmark's own big inputs (branches, digests, record pointers: ~100 MB read
 * at random) on THP memory. They stand in for the burst's packets, which a worker
 * has just received and parsed: on 4 KiB pages they would add ~64 TLB misses per
 * burst that evict the table's own TLB entries, a cost the data path does not pay.
 * Never freed (process exit).
 */
static void *
thp_malloc(size_t len)
{
	struct sc_thp_map m;

	return sc_thp_map(&m, len);
}

static struct rte_hash *
bare_hash(const char *name, uint32_t entries, int socket,
	  uint8_t (*digests)[SC_TXN_DIGEST_LEN], uint32_t n)
{
	struct rte_hash_parameters hp;
	struct rte_hash *h;
	uint32_t i;

	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = entries;
	hp.key_len = SC_TXN_DIGEST_LEN;
	hp.socket_id = socket;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	h = rte_hash_create(&hp);
	if (h == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		uint32_t s;

		memcpy(&s, digests[i], 4);
		if (rte_hash_add_key_with_hash(h, digests[i], s) < 0)
			return NULL;
	}
	return h;
}

#define BRANCH_LEN	23	/* "z9hG4bK" + 16 hex digits */

/* Read every branch of a burst (both lines it may span), as the parser would have. */
static uint64_t
touch_burst(const char *branches, const uint32_t *idx)
{
	uint64_t s = 0;
	unsigned j;

	for (j = 0; j < burst; j++)
		rte_prefetch0(branches + (size_t)idx[j] * BRANCH_LEN);
	for (j = 0; j < burst; j++) {
		const volatile char *b = branches + (size_t)idx[j] * BRANCH_LEN;

		s += (uint64_t)b[0] + (uint64_t)b[BRANCH_LEN - 1];
	}
	return s;
}

static const char *const hosts[] = {
	"198.18.0.1", "198.18.7.33", "pbx1.carrier.example.net", "198.19.200.4",
};

/* The branch of pending transaction i (what a real UA would put in its Via). */
static void
make_branch(char *b, uint64_t i)
{
	char tmp[BRANCH_LEN + 1];

	snprintf(tmp, sizeof(tmp), "z9hG4bK%016" PRIx64,
		 (uint64_t)(i * UINT64_C(0x9e3779b97f4a7c15)));
	memcpy(b, tmp, BRANCH_LEN);
}

/*
 * Build the 17.2.3 server key of INVITE i from parsed fields, as the worker does
 * after sc_sip_parse: the message struct is reused, only the slices change.
 */
static inline void
make_key(struct sc_sip_msg *m, struct sc_txn_key *k, const char *branches, uint64_t i)
{
	m->vias[0].branch.p = branches + i * BRANCH_LEN;
	m->vias[0].host.p = hosts[i & 3];
	m->vias[0].host.len = (uint32_t)strlen(hosts[i & 3]);
	m->vias[0].port = (uint16_t)(5060 + (i & 1));
	if (sc_txn_key_server(m, k) != 0)
		abort();
}

static void
msg_init(struct sc_sip_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = SC_SIP_REQUEST;
	m->method = SC_METHOD_INVITE;
	m->cseq_method = SC_METHOD_INVITE;
	m->via_count = 1;
	m->vias[0].branch.len = BRANCH_LEN;
	m->vias[0].transport.p = "UDP";
	m->vias[0].transport.len = 3;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "-l", "0", "--no-huge", "--no-pci", "-m", "2048", "--file-prefix",
		prefix, "--log-level=lib.eal:error", "--no-telemetry", NULL,
	};
	const char *q = getenv("SC_BENCH_QUICK");
	const char *bs = getenv("SC_BENCH_BURST");
	bool quick = q != NULL && strcmp(q, "1") == 0;
	uint32_t n = quick ? 200000 : 1000000;
	uint32_t nlook = quick ? 200000 : 1000000;	/* lookups per run */
	uint32_t nchurn = quick ? 16384 : 32768;	/* insert+delete pairs per run */
	uint32_t ntot = 2 * n + nchurn;			/* hits, misses, churn */
	struct sc_txn_table_params tp;
	static struct sc_thp_heap bheap;	/* left to process exit */
	int bsock;
	struct sc_sip_msg *msg;
	struct sc_txn_key *kb;				/* one burst of keys, hot */
	struct sc_txn_key *kp[BURST_MAX];
	struct sc_txn_rec *out[BURST_MAX];
	uint8_t (*digests)[SC_TXN_DIGEST_LEN];
	uint8_t bd[BURST_MAX][SC_TXN_DIGEST_LEN];
	const void *dk[BURST_MAX];
	hash_sig_t sig[BURST_MAX];
	int32_t pos[BURST_MAX];
	char *branches;
	uint32_t *idx_hit, *idx_miss;
	uint64_t t_hit[RUNS], t_miss[RUNS], b_hit[RUNS], b_miss[RUNS], t_ch[RUNS], b_ch[RUNS];
	uint64_t t_chm[RUNS];
	uint64_t t_chma[RUNS];
	unsigned v;
	uint64_t k_build[RUNS];
	/*
	 * Per-burst samples: 0 hit, 1 miss, 2/3 baseline hit/miss (EAL heap), 4 key build,
	 * 5 record-line floor, 6 pipelined hit, 7 digest, 8/9 baseline hit/miss (THP heap),
	 * 10 whole pipelined burst (key build + digest + start k+1 + finish k).
	 */
	uint32_t *smp[NSMP];
	size_t nsmp_p = 0;
	struct sc_txn_key *kb2;
	struct sc_txn_rec **recp;
	size_t nsmp = 0;
	unsigned si;
	uint64_t t0, hz, sink = 0;
	size_t before, after;
	struct sc_txn_table *t;
	struct rte_hash *bh, *bht;
	unsigned r, i, j;

	(void)argc;
	if (bs != NULL && atoi(bs) >= 1 && atoi(bs) <= BURST_MAX)
		burst = (unsigned)atoi(bs);
	snprintf(prefix, sizeof(prefix), "sc_bench_table_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	hz = rte_get_tsc_hz();
	msg = malloc(sizeof(*msg));
	kb = malloc(sizeof(*kb) * burst);
	kb2 = malloc(sizeof(*kb2) * burst);
	branches = thp_malloc((size_t)ntot * BRANCH_LEN);
	digests = thp_malloc(sizeof(*digests) * ntot);
	idx_hit = malloc(sizeof(*idx_hit) * nlook);
	idx_miss = malloc(sizeof(*idx_miss) * nlook);
	if (msg == NULL || kb == NULL || kb2 == NULL || branches == NULL || digests == NULL ||
	    idx_hit == NULL || idx_miss == NULL)
		return 1;
	msg_init(msg);
	for (i = 0; i < ntot; i++)
		make_branch(branches + (size_t)i * BRANCH_LEN, i);
	for (i = 0; i < nlook; i++) {
		idx_hit[i] = (uint32_t)(rte_rand() % n);
		idx_miss[i] = n + (uint32_t)(rte_rand() % n);
	}
	for (j = 0; j < burst; j++)
		kp[j] = &kb[j];
	recp = thp_malloc(sizeof(*recp) * n);
	if (recp == NULL)
		return 1;
	for (si = 0; si < NSMP; si++) {
		smp[si] = malloc(sizeof(uint32_t) * RUNS * (nlook / burst + 1));
		if (smp[si] == NULL)
			return 1;
	}

	/* Capacity = the pending set plus the churn set: bytes are per capacity. */
	before = heap_alloc_bytes();
	memset(&tp, 0, sizeof(tp));
	tp.name = "bench_txn";
	tp.capacity_per_owner = n + nchurn;
	tp.owners = 1;
	tp.socket_id = SOCKET_ID_ANY;
	t = sc_txn_table_create(&tp);
	if (t == NULL) {
		perror("sc_txn_table_create");
		return 1;
	}
	after = heap_alloc_bytes();
	sc_txn_thread_register(t, 0);
	for (i = 0; i < ntot; i++) {
		make_key(msg, &kb[0], branches, i);
		sc_txn_key_hash(t, &kb[0]);
		memcpy(digests[i], kb[0].digest, SC_TXN_DIGEST_LEN);
	}

	t0 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct sc_txn_rec *rec;

		make_key(msg, &kb[0], branches, i);
		rec = sc_txn_alloc(t, 0, &kb[0], SC_TXN_SRV_PROCEEDING);
		if (rec == NULL || sc_txn_insert(t, rec) != 0) {
			fprintf(stderr, "fill failed at %u\n", i);
			return 1;
		}
		recp[i] = rec;
	}
	printf("table: fill %u pending transactions: %" PRIu64 " cycles/insert (key build "
	       "included)\n", n, (rte_rdtsc() - t0) / n);
	printf("table: smaps: Rss %lu kB, AnonHugePages %lu kB, ShmemPmdMapped %lu kB; rte_hash "
	       "on socket %d (%s)\n", smaps_kb("Rss"), smaps_kb("AnonHugePages"),
	       smaps_kb("ShmemPmdMapped"), sc_txn_table_hash_socket(t),
	       sc_txn_table_hash_socket(t) >= RTE_MAX_NUMA_NODES ? "private THP heap" :
	       "EAL heap");

	/*
	 * Baseline hashes: same flags, same digests; one on the EAL heap (4 KiB pages
	 * with --no-huge), one on THP memory like the table's.
	 */
	bh = bare_hash("bench_bare", n + nchurn, SOCKET_ID_ANY, digests, n);
	/* The baseline rte_hash on the same kind of pages as the table's (sc_txn.c). */
	bsock = -1;
	if (sc_thp_heap_create(&bheap, "bench_thp", (size_t)(n + nchurn) * 128 + (32u << 20)) == 0)
		bsock = bheap.socket;
	bht = bare_hash("bench_bare_thp", n + nchurn, bsock >= 0 ? bsock : SOCKET_ID_ANY,
			digests, n);
	if (bh == NULL || bht == NULL) {
		fprintf(stderr, "rte_hash_create baseline failed\n");
		return 1;
	}

	for (r = 0; r < RUNS; r++) {
		uint32_t *idxs[2] = { idx_hit, idx_miss };
		uint64_t *res[2] = { &t_hit[r], &t_miss[r] };
		uint64_t *bres[2] = { &b_hit[r], &b_miss[r] };
		unsigned which;

		k_build[r] = 0;
		for (which = 0; which < 2; which++) {
			uint32_t *idx = idxs[which];
			uint64_t acc = 0, bacc = 0, kacc = 0, d;
			unsigned hits = 0;
			size_t s0 = nsmp;

			for (i = 0; i + burst <= nlook; i += burst) {
				/*
				 * The worker builds the burst's keys from parsed messages, whose
				 * bytes the parser has just read: bring the branches in first.
				 */
				sink += touch_burst(branches, idx + i);
				t0 = rte_rdtsc();
				for (j = 0; j < burst; j++)
					make_key(msg, &kb[j], branches, idx[i + j]);
				d = rte_rdtsc() - t0;
				kacc += d;
				if (which == 0)
					smp[4][nsmp] = (uint32_t)d;
				/* ... hashes them (while the packet data is hot) ... */
				t0 = rte_rdtsc();
				for (j = 0; j < burst; j++)
					sc_txn_key_hash(t, &kb[j]);
				if (which == 0)
					smp[7][nsmp] = (uint32_t)(rte_rdtsc() - t0);
				/* ... then one bulk lookup and the exact compares. */
				t0 = rte_rdtsc();
				hits += sc_txn_lookup_bulk(t, 0, kp, burst, out);
				d = rte_rdtsc() - t0;
				acc += d;
				smp[which][nsmp] = (uint32_t)d;
				sc_txn_quiescent(t, 0);

				/* Baseline: the same digests, signatures given, nothing else. */
				for (j = 0; j < burst; j++) {
					memcpy(bd[j], digests[idx[i + j]], SC_TXN_DIGEST_LEN);
					dk[j] = bd[j];
					memcpy(&sig[j], bd[j], 4);
				}
				t0 = rte_rdtsc();
				rte_hash_lookup_with_hash_bulk(bh, dk, sig, burst, pos);
				d = rte_rdtsc() - t0;
				bacc += d;
				smp[2 + which][nsmp] = (uint32_t)d;
				t0 = rte_rdtsc();
				rte_hash_lookup_with_hash_bulk(bht, dk, sig, burst, pos);
				smp[8 + which][nsmp] = (uint32_t)(rte_rdtsc() - t0);
				if (which == 0) {
					/* Floor: one random record line per op, prefetched. */
					/* other records than the ones just looked up */
					const uint32_t *fi = &idx_hit[(i + nlook / 2) % (nlook - burst)];

					t0 = rte_rdtsc();
					for (j = 0; j < burst; j++)
						rte_prefetch0(recp[fi[j]]);
					for (j = 0; j < burst; j++)
						sink += recp[fi[j]]->key_len;
					smp[5][nsmp] = (uint32_t)(rte_rdtsc() - t0);
				}
				nsmp++;
				sink += (uint64_t)pos[0];
			}
			if (hits != (which == 0 ? nlook / burst * burst : 0)) {
				fprintf(stderr, "unexpected hits %u\n", hits);
				return 1;
			}
			if (which == 0)
				nsmp = s0;	/* the miss pass refills the same sample slots */
			*res[which] = acc;
			*bres[which] = bacc;
			k_build[r] += kacc;
		}

		/*
		 * Pipelined hits: start the lookup of burst k+1, then confirm burst k, so
		 * burst k's record misses overlap burst k+1's key building, hashing and
		 * bucket walk, as a worker would do it. Timed twice: start+finish alone, and
		 * the whole burst with the key building.
		 */
		{
			struct sc_txn_key *pk[2][BURST_MAX];
			struct sc_txn_lookup lk[2];
			unsigned cur = 0, hits = 0;
			uint64_t d;

			for (j = 0; j < burst; j++) {
				pk[0][j] = &kb[j];
				pk[1][j] = &kb2[j];
			}
			for (i = 0; i + burst <= nlook; i += burst) {
				const uint32_t *pi = &idx_hit[(i + nlook / 3) % (nlook - burst)];
				uint64_t tb;

				sink += touch_burst(branches, pi);
				tb = rte_rdtsc();
				for (j = 0; j < burst; j++) {
					make_key(msg, pk[cur][j], branches, pi[j]);
					sc_txn_key_hash(t, pk[cur][j]);
				}
				t0 = rte_rdtsc();
				sc_txn_lookup_start(t, pk[cur], burst, &lk[cur]);
				if (i > 0)
					hits += sc_txn_lookup_finish(t, 0, pk[cur ^ 1], &lk[cur ^ 1],
								     out);
				d = rte_rdtsc() - t0;
				if (i > 0) {
					smp[10][nsmp_p] = (uint32_t)(rte_rdtsc() - tb);
					smp[6][nsmp_p++] = (uint32_t)d;
				}
				sc_txn_quiescent(t, 0);
				cur ^= 1;
			}
			hits += sc_txn_lookup_finish(t, 0, pk[cur ^ 1], &lk[cur ^ 1], out);
			if (hits != nlook / burst * burst) {
				fprintf(stderr, "pipelined: unexpected hits %u\n", hits);
				return 1;
			}
		}

		/*
		 * Insert + delete (reclaimed after the grace period) of fresh keys at n load:
		 * sc_txn_insert(), then the same keys (gone again) with sc_txn_insert_missed(),
		 * the worker's insert after a bulk lookup that missed.
		 */
		for (v = 0; v < 2; v++) {
			/*
			 * Blocks of `burst` inserts then deletes, timed one by one; for
			 * insert_missed, every other block publishes with a second rte_hash
			 * add instead of one store, so both see the same drift and load.
			 */
			uint64_t tsum[2] = { 0, 0 }, tb = 0;
			unsigned by_add = 0;

			for (i = 0; i < nchurn; i++) {
				struct sc_txn_rec *rec;

				if (i % burst == 0) {
					by_add = v == 1 && (i / burst) % 2 == 1;
					sc_txn_table_set_publish_by_add(t, by_add);
					tb = rte_rdtsc();
				}
				make_key(msg, &kb[0], branches, 2ULL * n + i);
				rec = sc_txn_alloc(t, 0, &kb[0], SC_TXN_SRV_PROCEEDING);
				if (rec == NULL || (v == 0 ? sc_txn_insert(t, rec) :
						    sc_txn_insert_missed(t, rec)) != 0)
					return 1;
				out[i % burst] = rec;
				if (i % burst == burst - 1) {
					for (j = 0; j < burst; j++)
						sc_txn_delete(t, out[j]);
					sc_txn_quiescent(t, 0);
					tsum[by_add] += rte_rdtsc() - tb;
				}
			}
			while (sc_txn_limbo_count(t, 0) != 0)
				sc_txn_quiescent(t, 0);
			if (v == 0) {
				t_ch[r] = tsum[0];
			} else {
				t_chm[r] = 2 * tsum[0];		/* per pair over nchurn */
				t_chma[r] = 2 * tsum[1];
			}
		}
		sc_txn_table_set_publish_by_add(t, false);

		t0 = rte_rdtsc();
		for (i = 0; i < nchurn; i++) {
			const uint8_t *d = digests[2 * n + i];
			uint32_t s;
			int32_t p, p2;

			memcpy(&s, d, 4);
			p = rte_hash_add_key_with_hash(bht, d, s);
			p2 = rte_hash_del_key_with_hash(bht, d, s);
			if (p < 0 || p2 != p)
				return 1;
			rte_hash_free_key_with_position(bht, p);
		}
		b_ch[r] = rte_rdtsc() - t0;
	}

	{
		uint32_t nl = nlook / burst * burst;
		/* Per-op figures: median burst; "mean" = median over runs of the run mean. */
		double mean_h = (double)median(t_hit, RUNS) / nl;
		double mean_bh = (double)median(b_hit, RUNS) / nl;
		double mean_k = (double)median(k_build, RUNS) / (2.0 * nl);
		double cyc_h = burst_median(smp[0], nsmp, burst);
		double cyc_m = burst_median(smp[1], nsmp, burst);
		double ecyc_h = burst_median(smp[2], nsmp, burst);
		double ecyc_m = burst_median(smp[3], nsmp, burst);
		double cyc_k = burst_median(smp[4], nsmp, burst);
		double cyc_f = burst_median(smp[5], nsmp, burst);
		double cyc_p = burst_median(smp[6], nsmp_p, burst);
		double cyc_pf = burst_median(smp[10], nsmp_p, burst);
		double cyc_d = burst_median(smp[7], nsmp, burst);
		double bcyc_h = burst_median(smp[8], nsmp, burst);
		double bcyc_m = burst_median(smp[9], nsmp, burst);
		double cyc_c = (double)median(t_ch, RUNS) / nchurn;
		double bcyc_c = (double)median(b_ch, RUNS) / nchurn;
		double cyc_cm = (double)median(t_chm, RUNS) / nchurn;
		double cyc_cma = (double)median(t_chma, RUNS) / nchurn;
		double per_txn = (double)(after - before + sc_txn_table_anon_bytes(t)) /
				 tp.capacity_per_owner;
		double full = cyc_k + cyc_d + cyc_h;
		struct sc_txn_counters c;

		printf("table: %u pending, TSC %.2f GHz, bursts of %u, %d runs, median burst%s\n", n,
		       (double)hz / 1e9, burst, RUNS, quick ? " (SC_BENCH_QUICK)" : "");
		printf("table: key build (17.2.3 server key from parsed fields in cache) %6.1f cycles/key\n",
		       cyc_k);
		printf("table: key digest (XXH3-128 of the key, packet data hot) %6.1f cycles/key\n",
		       cyc_d);
		printf("table: lookup hit  %6.1f cycles/op  %6.2f M/s/core  baseline %6.1f cycles/op"
		       "  ratio %.2f  (digest precomputed)\n", cyc_h, (double)hz / cyc_h / 1e6,
		       bcyc_h, cyc_h / bcyc_h);
		printf("table: lookup miss %6.1f cycles/op  %6.2f M/s/core  baseline %6.1f cycles/op"
		       "  ratio %.2f  (digest precomputed)\n", cyc_m, (double)hz / cyc_m / 1e6,
		       bcyc_m, cyc_m / bcyc_m);
		printf("table: digest + lookup hit %6.1f cycles/op  %6.2f M/s/core  ratio %.2f\n",
		       cyc_d + cyc_h, (double)hz / (cyc_d + cyc_h) / 1e6, (cyc_d + cyc_h) / bcyc_h);
		printf("table: key build + digest + lookup hit %6.1f cycles/op  %6.2f M/s/core\n",
		       full, (double)hz / full / 1e6);
		printf("table: lookup hit pipelined (start k+1, finish k) %6.1f cycles/op  %6.2f "
		       "M/s/core  ratio %.2f  (digest precomputed)\n", cyc_p,
		       (double)hz / cyc_p / 1e6, cyc_p / bcyc_h);
		printf("table: data path pipelined (key build + digest + start k+1 + finish k) "
		       "%6.1f cycles/op  %6.2f M/s/core; minus key build and digest: lookup hit "
		       "%6.1f cycles/op  %6.2f M/s/core\n", cyc_pf, (double)hz / cyc_pf / 1e6,
		       cyc_pf - cyc_k - cyc_d, (double)hz / (cyc_pf - cyc_k - cyc_d) / 1e6);
		printf("table: lookup 50/50 hit/miss mix %6.1f cycles/op  %6.2f M/s/core  "
		       "baseline %6.1f cycles/op  ratio %.2f  (digest precomputed)\n",
		       (cyc_h + cyc_m) / 2, 2 * (double)hz / (cyc_h + cyc_m) / 1e6,
		       (bcyc_h + bcyc_m) / 2, (cyc_h + cyc_m) / (bcyc_h + bcyc_m));
		printf("table: baseline on the EAL heap (4 KiB pages under --no-huge): hit %6.1f, "
		       "miss %6.1f cycles/op; THP/EAL ratio hit %.2f miss %.2f\n", ecyc_h, ecyc_m,
		       bcyc_h / ecyc_h, bcyc_m / ecyc_m);
		printf("table: memory reference: a random record (of %u) per op through a pointer "
		       "array (two dependent random lines), burst prefetched: %6.1f cycles/op\n", n,
		       cyc_f);
		printf("table: run means (incl. preemption): lookup hit %6.1f, EAL baseline %6.1f, "
		       "key build %6.1f cycles/op\n", mean_h, mean_bh, mean_k);
		printf("table: insert+delete %6.1f cycles/pair  %6.2f M pairs/s  baseline %6.1f"
		       " cycles/pair  ratio %.2f\n", cyc_c, (double)hz / cyc_c / 1e6, bcyc_c,
		       cyc_c / bcyc_c);
		printf("table: insert_missed+delete %6.1f cycles/pair  %6.2f M pairs/s  ratio to "
		       "insert+delete %.2f  (no presence check: the key just missed)\n", cyc_cm,
		       (double)hz / cyc_cm / 1e6, cyc_cm / cyc_c);
		if (sc_txn_table_publish_direct(t))
			printf("table: insert_missed+delete publishing by a second rte_hash add "
			       "%6.1f cycles/pair; one store instead (above): ratio %.2f\n",
			       cyc_cma, cyc_cm / cyc_cma);
		else
			printf("table: insert publishes by a second rte_hash add (key store "
			       "probe failed)\n");
		printf("table: bytes per pending transaction %.1f (record %zu + hash, slot array "
		       "and pools %.1f) at capacity %u, target <= 1024\n", per_txn,
		       sizeof(struct sc_txn_rec), per_txn - (double)sizeof(struct sc_txn_rec),
		       tp.capacity_per_owner);
		printf("table: baseline = bare rte_hash_lookup_with_hash_bulk of the same 16-byte "
		       "digests (LF|MW|EXT) on THP memory like the table's, no key hashing, no "
		       "record access, no exact compare; insert+delete baseline = rte_hash "
		       "add+del+free_key_with_position\n");
		sc_txn_counters_get(t, 0, &c);
		printf("table: counters lookups %" PRIu64 " hits %" PRIu64 " misses %" PRIu64
		       " inserts %" PRIu64 " deletes %" PRIu64 " reclaimed %" PRIu64
		       " digest_mismatch %" PRIu64 " data_fallback %" PRIu64 " (sink %" PRIu64 ")\n",
		       c.lookups, c.hits, c.misses, c.inserts, c.deletes, c.reclaimed,
		       c.digest_mismatch, c.data_fallback, sink & 1);
	}
	rte_hash_free(bh);
	rte_hash_free(bht);
	sc_txn_table_free(t);
	free(msg);
	free(kb);
	free(kb2);
	free(idx_hit);
	free(idx_miss);
	for (si = 0; si < NSMP; si++)
		free(smp[si]);
	rte_eal_cleanup();
	return 0;
}
