/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared transaction table: rte_hash (lock-free readers) keyed by a 16-byte
 * digest, a slot array from hash position to record, fixed-size records in one
 * pre-allocated block carved into per-owner pools, and per-owner deferred-free
 * lists released after an RCU grace period.
 *
 * Why a slot array instead of rte_hash's data pointer: rte_hash_add_key_*_data()
 * overwrites the data of a key already present, so two cores inserting the same
 * transaction at once would both "succeed". rte_hash_add_key_with_hash() returns
 * the key's position whether it was new or not; claiming slot[position] by CAS
 * from 0 makes exactly one insert win. The slot holds record index + 1 (4 bytes).
 *
 * Lookups still read the record pointer from rte_hash's data word, which sits next
 * to the key in the key store line the bulk lookup has just compared: the slot
 * array would be one more dependent cache miss per hit before the record can even
 * be prefetched. Only the slot winner ever stores a non-NULL data word (after its
 * CAS), so the word is NULL or the winner's record. It can be NULL for a hit while
 * an insert is between its add and its data store, or when a racing duplicate
 * insert's add (which rewrites the data word with NULL) came after; such a hit
 * falls back to the position and the slot (counter data_fallback). Either way the
 * exact compare and the DEAD flag decide. The winner stores the word itself, at an
 * address in rte_hash's key store probed when the table is made (probe_key_store());
 * where the probe fails, it uses a second add, which takes rte_hash's writer lock and
 * searches the buckets again.
 *
 * Lifetime: sc_txn_delete() sets F_DEAD (lookups miss the record from then on),
 * removes the key (RW_CONCURRENCY_LF leaves the key position allocated), takes an
 * RCU token and queues the record on its owner's FIFO. Once every reader has
 * passed the token, the owner clears the slot, frees the key position and returns
 * the record to its pool. A reader therefore never sees a record reused while it
 * holds it, and a writer mid-insert (a reader too) never sees its position reused.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>
/* Inline XXH3: keys are short, a library call costs as much as the hash itself. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sc_copy.h"
#include "sc_thp.h"
#include "sc_txn.h"

_Static_assert(sizeof(struct sc_txn_rec) == SC_TXN_REC_SIZE, "record size");
_Static_assert(offsetof(struct sc_txn_rec, area) == 64 - SC_TXN_KEY_LINE0,
	       "a short key ends in the first cache line");
_Static_assert(SC_TXN_REC_SIZE % 64 == 0, "records are cache-line aligned");
_Static_assert(SC_TXN_LOOKUP_MAX <= RTE_HASH_LOOKUP_BULK_MAX, "one rte_hash bulk call");

#define POISON_BYTE	0x5c
/*
 * rte_hash bytes per entry with LF|MW|EXT and 16-byte keys: buckets and extendable
 * buckets (2 x 64 B per 8 entries, rounded to a power of two), key store (32 B per
 * slot), free-slot rings. ~72 B at 1M entries; the rest is slack (faulted in with
 * the rest of the mapping, see sc_thp_map).
 */
#define HEAP_BYTES_PER_ENTRY	128
#define HEAP_SLACK		(32u << 20)	/* per-lcore caches, small tables */
#define RECLAIM_BATCH	64	/* records released per reclaim call, bounds latency */
/*
 * An alloc starts the misses of the record the alloc ALLOC_AHEAD calls later takes:
 * the pool is a stack of indexes, so that record is known without touching the
 * records in between (a linked pool only knew the next one, and reading its link was
 * itself a miss when the prefetch had not landed).
 */
#define ALLOC_AHEAD	2
#define STACK_AHEAD	(2 * RTE_CACHE_LINE_SIZE / sizeof(uint32_t))

struct owner {
	uint32_t *free;			/* pool: stack of record indexes, top at free_count - 1 */
	uint32_t free_count;
	uint32_t limbo_count;
	struct sc_txn_rec *limbo_head;
	struct sc_txn_rec *limbo_tail;
} __rte_cache_aligned;

struct thread {
	struct sc_txn_counters c;
} __rte_cache_aligned;

/* Memory for the big arrays: EAL heap, or anonymous THP pages (see big_alloc). */
struct big {
	void *heap;			/* with hugepages: from rte_malloc */
	struct sc_thp_map map;		/* without */
};

struct sc_txn_table {
	struct rte_hash *h;
	uint32_t *slot;			/* hash position -> record index + 1 */
	uint32_t nslots;
	struct sc_txn_rec *recs;
	uint32_t nrecs;
	struct big recs_mem;
	struct big slot_mem;
	struct big free_mem;		/* the owners' pool stacks */
	struct sc_thp_heap heap;	/* --no-huge: the rte_hash's heap (heap.va set) */
	int hash_socket;		/* socket the hash was asked for without the heap */
	uint16_t owners;
	uint16_t max_threads;
	bool own_rcu;
	bool poison;
	struct rte_rcu_qsbr *rcu;
	sc_txn_digest_fn digest_fn;
	void *digest_ctx;
	uint64_t digest_seed;		/* the default digest's, random per table */
	/*
	 * Held around rte_hash_free_key_with_position(): DPDK 22.11 gives an emptied
	 * extendable bucket back there with a single-producer ring enqueue, so two
	 * owners reclaiming at once could write one ring slot and lose a bucket.
	 */
	rte_spinlock_t free_lock;
	struct owner *own;
	struct thread *thr;
	/*
	 * Position 0's key in rte_hash's key store and the distance between keys, when
	 * the probe at creation confirmed the layout (see data_word()); else NULL and
	 * the winner publishes its record with a second add.
	 */
	char *key0;
	size_t key_stride;
	char *key0_probed;		/* key0 as probed, for set_publish_by_add */
};

const char *const sc_txn_counter_names[] = {
#define SC_X_NAME(name) #name,
	SC_TXN_COUNTERS(SC_X_NAME)
#undef SC_X_NAME
};

/*
 * XXH3-128 seeded per table: a sender who knows the hash could otherwise choose
 * Call-IDs and branches that all fall in one bucket pair, whose extendable buckets
 * then run out (insert_hash_full) for everyone.
 */
static void
xxh3_digest(const void *buf, size_t len, uint8_t out[SC_TXN_DIGEST_LEN], void *ctx)
{
	XXH128_hash_t h = XXH3_128bits_withSeed(buf, len, *(const uint64_t *)ctx);

	memcpy(out, &h.low64, 8);
	memcpy(out + 8, &h.high64, 8);
}

/* rte_hash wants a hash function; we always pass the signature, taken from the digest. */
static uint32_t
digest_sig_fn(const void *key, uint32_t key_len, uint32_t init_val)
{
	uint32_t sig;

	(void)key_len;
	(void)init_val;
	memcpy(&sig, key, sizeof(sig));
	return sig;
}

static inline uint32_t
digest_sig(const uint8_t *d)
{
	return digest_sig_fn(d, SC_TXN_DIGEST_LEN, 0);
}

static inline struct sc_txn_counters *
ctr(struct sc_txn_table *t, unsigned thread_id)
{
	return &t->thr[thread_id].c;
}

/*
 * With --no-huge, EAL memory is a shared memfd of 4 KiB pages: a million records
 * then cost a TLB miss and a page walk per lookup. Then the records and slots come
 * from a private anonymous mapping advised for transparent huge pages instead (no
 * DMA or secondary process ever touches them). With hugepages, the EAL heap.
 */
static void *
big_alloc(struct big *b, const char *name, size_t len, int socket, bool zero)
{
	b->heap = NULL;
	if (!rte_eal_has_hugepages())
		return sc_thp_map(&b->map, len);	/* anonymous pages are zero */
	b->map = (struct sc_thp_map){ NULL, 0 };
	b->heap = zero ? rte_zmalloc_socket(name, len, RTE_CACHE_LINE_SIZE, socket) :
			 rte_malloc_socket(name, len, RTE_CACHE_LINE_SIZE, socket);
	return b->heap;
}

static void
big_free(struct big *b)
{
	rte_free(b->heap);
	b->heap = NULL;
	sc_thp_unmap(&b->map);
}

/*
 * With --no-huge the rte_hash buckets and key store would sit in EAL memory too,
 * and every lookup would pay two or three TLB misses and page walks. Instead the
 * hash goes into a private malloc heap over THP memory (sc_thp.h), like the
 * records. On any failure the hash falls back to the EAL heap (same behaviour,
 * slower).
 */
static int
thp_heap_create(struct sc_txn_table *t, uint32_t entries)
{
	static uint32_t seq;
	char name[SC_THP_HEAP_NAME_LEN];

	snprintf(name, sizeof(name), "sc_txn_%d_%u", (int)getpid(),
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	return sc_thp_heap_create(&t->heap, name,
				  (size_t)entries * HEAP_BYTES_PER_ENTRY + HEAP_SLACK);
}

size_t
sc_txn_table_anon_bytes(const struct sc_txn_table *t)
{
	return t->recs_mem.map.len + t->slot_mem.map.len + t->free_mem.map.len +
	       sc_thp_heap_used(&t->heap);
}

int
sc_txn_table_hash_socket(const struct sc_txn_table *t)
{
	return t->heap.va != NULL ? t->heap.socket : t->hash_socket;
}

bool
sc_txn_table_publish_direct(const struct sc_txn_table *t)
{
	return t->key0 != NULL;
}

bool
sc_txn_table_set_publish_by_add(struct sc_txn_table *t, bool by_add)
{
	t->key0 = by_add ? NULL : t->key0_probed;
	return t->key0 != NULL;
}

/* rte_hash's data word of the key at position pos: the pointer-sized word before it. */
static inline void **
data_word(const struct sc_txn_table *t, int32_t pos)
{
	return (void **)(void *)(t->key0 + (size_t)pos * t->key_stride) - 1;
}

/* Add a probe key carrying `data`; its position, or -1. */
static int32_t
probe_add(struct rte_hash *h, const uint8_t *key, void *data)
{
	if (rte_hash_add_key_with_hash_data(h, key, digest_sig(key), data) != 0)
		return -1;
	return rte_hash_lookup_with_hash(h, key, digest_sig(key));
}

/*
 * Learn where rte_hash keeps the data word of a position, so that an insert's winner
 * can publish its record with one store instead of a second add (a second pass
 * through rte_hash's writer lock and bucket search). rte_hash_get_key_with_position()
 * gives the key's address in the key store; the data word is the pointer before it
 * (struct rte_hash_key, private to rte_hash, unchanged since DPDK 2.2). Nothing is
 * assumed: two probe keys fix the stride, and the layout is used only if a store
 * through it is what rte_hash's lookup then returns. The probes are removed again.
 * Key store entries never move (LF mode moves only bucket entries), so the address
 * of a position holds for the table's life. Needs an lcore id (rte_hash's per-lcore
 * free-slot cache); without one, or on any mismatch, key0 stays NULL.
 */
static void
probe_key_store(struct sc_txn_table *t)
{
	static const uint8_t probe[2][SC_TXN_DIGEST_LEN] = {
		{ 0x5c, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x30, 0x00, 1, 2, 3, 4, 5, 6, 7, 8 },
		{ 0x5c, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x31, 0x00, 8, 7, 6, 5, 4, 3, 2, 1 },
	};
	int32_t pos[2] = { -1, -1 };
	char *key[2];
	void *got = NULL;
	ptrdiff_t span;
	unsigned i;
	bool ok = false;

	if (rte_lcore_id() == LCORE_ID_ANY)
		return;
	for (i = 0; i < 2; i++) {
		void *k;

		pos[i] = probe_add(t->h, probe[i], (void *)&probe[i]);
		if (pos[i] < 0 || (uint32_t)pos[i] >= t->nslots ||
		    rte_hash_get_key_with_position(t->h, pos[i], &k) != 0 ||
		    memcmp(k, probe[i], SC_TXN_DIGEST_LEN) != 0 ||
		    ((void **)k)[-1] != (const void *)&probe[i])
			goto out;
		key[i] = k;
	}
	span = key[1] - key[0];
	if (pos[0] == pos[1] || span % (pos[1] - pos[0]) != 0)
		goto out;
	t->key_stride = (size_t)(span / (pos[1] - pos[0]));
	if (t->key_stride < sizeof(void *) + SC_TXN_DIGEST_LEN)
		goto out;
	t->key0 = key[0] - (size_t)pos[0] * t->key_stride;
	/* The test that matters: rte_hash returns what a store through data_word() put. */
	__atomic_store_n(data_word(t, pos[1]), (void *)t, __ATOMIC_RELEASE);
	ok = rte_hash_lookup_with_hash_data(t->h, probe[1], digest_sig(probe[1]), &got) ==
		pos[1] && got == (void *)t;
out:
	for (i = 0; i < 2; i++) {
		if (pos[i] < 0)
			continue;
		if (rte_hash_del_key_with_hash(t->h, probe[i], digest_sig(probe[i])) >= 0)
			(void)rte_hash_free_key_with_position(t->h, pos[i]);
	}
	if (!ok || rte_hash_count(t->h) != 0) {
		t->key0 = NULL;
		t->key_stride = 0;
	}
	t->key0_probed = t->key0;
}

struct sc_txn_table *
sc_txn_table_create(const struct sc_txn_table_params *p)
{
	struct rte_hash_parameters hp;
	struct sc_txn_table *t;
	char hname[RTE_HASH_NAMESIZE];
	uint64_t total;
	uint32_t *pool;
	uint32_t i, o;
	size_t sz;
	int err;

	if (p == NULL || p->name == NULL || p->owners == 0 || p->capacity_per_owner == 0 ||
	    (p->max_threads != 0 && p->max_threads < p->owners)) {
		errno = EINVAL;
		return NULL;
	}
	total = (uint64_t)p->capacity_per_owner * p->owners;
	if (total >= UINT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("sc_txn", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->owners = p->owners;
	t->max_threads = p->max_threads != 0 ? p->max_threads : p->owners;
	t->nrecs = (uint32_t)total;
	t->poison = p->poison_on_free;
	if (p->digest_fn != NULL) {
		t->digest_fn = p->digest_fn;
		t->digest_ctx = p->digest_ctx;
	} else {
		if (getrandom(&t->digest_seed, sizeof(t->digest_seed), 0) !=
		    (ssize_t)sizeof(t->digest_seed))
			t->digest_seed = rte_rand();
		t->digest_fn = xxh3_digest;
		t->digest_ctx = &t->digest_seed;
	}
	rte_spinlock_init(&t->free_lock);

	t->own = rte_zmalloc_socket("sc_txn_own", sizeof(*t->own) * t->owners,
				    RTE_CACHE_LINE_SIZE, p->socket_id);
	t->thr = rte_zmalloc_socket("sc_txn_thr", sizeof(*t->thr) * t->max_threads,
				    RTE_CACHE_LINE_SIZE, p->socket_id);
	/* Not zeroed: a million records would be written twice. Pools init below. */
	t->recs = big_alloc(&t->recs_mem, "sc_txn_recs", (size_t)total * SC_TXN_REC_SIZE,
			    p->socket_id, false);
	pool = big_alloc(&t->free_mem, "sc_txn_pool", (size_t)total * sizeof(uint32_t),
			 p->socket_id, false);
	if (t->own == NULL || t->thr == NULL || t->recs == NULL || pool == NULL) {
		err = ENOMEM;
		goto fail;
	}

	if (p->rcu != NULL) {
		t->rcu = p->rcu;
	} else {
		sz = rte_rcu_qsbr_get_memsize(t->max_threads);
		t->rcu = rte_zmalloc_socket("sc_txn_rcu", sz, RTE_CACHE_LINE_SIZE, p->socket_id);
		if (t->rcu == NULL) {
			err = ENOMEM;
			goto fail;
		}
		t->own_rcu = true;
		if (rte_rcu_qsbr_init(t->rcu, t->max_threads) != 0) {
			err = EINVAL;
			goto fail;
		}
	}

	/*
	 * LF: readers never lock. MULTI_WRITER_ADD: several owners insert and delete.
	 * EXT_TABLE: cuckoo displacement can fail well below 100% load; the extendable
	 * buckets make "entries" a real capacity, so the hash is sized to the records.
	 */
	snprintf(hname, sizeof(hname), "%s", p->name);
	memset(&hp, 0, sizeof(hp));
	hp.name = hname;
	hp.entries = (uint32_t)RTE_MAX(total, (uint64_t)64);
	hp.key_len = SC_TXN_DIGEST_LEN;
	hp.hash_func = digest_sig_fn;
	hp.hash_func_init_val = 0;
	hp.socket_id = p->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->hash_socket = p->socket_id;
	if (!rte_eal_has_hugepages() && thp_heap_create(t, hp.entries) == 0) {
		hp.socket_id = t->heap.socket;
		t->h = rte_hash_create(&hp);
		if (t->h == NULL) {
			(void)sc_thp_heap_destroy(&t->heap);
			hp.socket_id = p->socket_id;
		}
	}
	if (t->h == NULL)
		t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		err = rte_errno != 0 ? rte_errno : ENOMEM;
		goto fail;
	}
	/* Positions are < max key id + 1; the per-lcore caches add slots beyond entries. */
	t->nslots = (uint32_t)rte_hash_max_key_id(t->h) + 1;
	t->slot = big_alloc(&t->slot_mem, "sc_txn_slot", sizeof(uint32_t) * t->nslots,
			    p->socket_id, true);
	if (t->slot == NULL) {
		err = ENOMEM;
		goto fail;
	}
	if (!p->publish_by_add)
		probe_key_store(t);

	for (o = 0; o < t->owners; o++) {
		struct owner *ow = &t->own[o];
		uint32_t base = o * p->capacity_per_owner;

		ow->free = pool + base;
		for (i = 0; i < p->capacity_per_owner; i++) {
			struct sc_txn_rec *r = &t->recs[base + i];

			r->state = SC_TXN_FREE;
			r->owner = (uint16_t)o;
			r->key_pos = -1;
			r->next = NULL;
			/* Top of the stack first: records are taken in address order. */
			ow->free[p->capacity_per_owner - 1 - i] = base + i;
		}
		ow->free_count = p->capacity_per_owner;
	}
	return t;
fail:
	sc_txn_table_free(t);
	errno = err;
	return NULL;
}

void
sc_txn_table_free(struct sc_txn_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	(void)sc_thp_heap_destroy(&t->heap);	/* busy: leaked, never unmapped live */
	big_free(&t->slot_mem);
	big_free(&t->free_mem);
	if (t->own_rcu)
		rte_free(t->rcu);
	big_free(&t->recs_mem);
	rte_free(t->thr);
	rte_free(t->own);
	rte_free(t);
}

struct rte_rcu_qsbr *
sc_txn_table_rcu(const struct sc_txn_table *t)
{
	return t->rcu;
}

int
sc_txn_thread_register(struct sc_txn_table *t, unsigned thread_id)
{
	if (thread_id >= t->max_threads)
		return -EINVAL;
	if (rte_rcu_qsbr_thread_register(t->rcu, thread_id) != 0)
		return -rte_errno;
	rte_rcu_qsbr_thread_online(t->rcu, thread_id);
	return 0;
}

void
sc_txn_thread_unregister(struct sc_txn_table *t, unsigned thread_id)
{
	if (thread_id >= t->max_threads)
		return;
	rte_rcu_qsbr_thread_offline(t->rcu, thread_id);
	rte_rcu_qsbr_thread_unregister(t->rcu, thread_id);
}

void
sc_txn_quiescent(struct sc_txn_table *t, unsigned thread_id)
{
	rte_rcu_qsbr_quiescent(t->rcu, thread_id);
	if (thread_id < t->owners && t->own[thread_id].limbo_head != NULL)
		sc_txn_reclaim(t, thread_id);
}

void
sc_txn_key_hash(const struct sc_txn_table *t, struct sc_txn_key *key)
{
	if (key->hashed)
		return;
	t->digest_fn(key->buf, key->len, key->digest, t->digest_ctx);
	key->hashed = 1;
}

static inline struct sc_txn_rec *
slot_rec(const struct sc_txn_table *t, int32_t pos)
{
	uint32_t v;

	if (pos < 0 || (uint32_t)pos >= t->nslots)
		return NULL;
	v = __atomic_load_n(&t->slot[pos], __ATOMIC_ACQUIRE);
	return v == 0 ? NULL : &t->recs[v - 1];
}

/* A hit whose data word is NULL (see the top of this file): position, then slot. */
static struct sc_txn_rec *
lookup_fallback(const struct sc_txn_table *t, const void *digest, hash_sig_t sig,
		unsigned *count)
{
	(*count)++;
	return slot_rec(t, rte_hash_lookup_with_hash(t->h, digest, sig));
}

/* Byte equality of short strings without a libc call: 8 bytes at a time. */
static inline bool
bytes_equal(const char *a, const char *b, size_t n)
{
	uint64_t x, y, d = 0;

	while (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		d |= x ^ y;
		a += 8;
		b += 8;
		n -= 8;
	}
	while (n > 0) {
		d |= (uint64_t)(uint8_t)(*a++ ^ *b++);
		n--;
	}
	return d == 0;
}

static inline bool
rec_hashed_equal(const struct sc_txn_rec *r, const struct sc_txn_key *k)
{
	return r->key_kind == k->kind && r->key_len == k->len &&
	       bytes_equal(r->area, k->buf, k->len);
}

/*
 * SC_TXN_KEY_LINE0 bytes of 0xff, then as many zeros: the 8 bytes at
 * len_ones + SC_TXN_KEY_LINE0 - n + 8 * w mask the bytes of word w below n. A load
 * instead of arithmetic on n, because compilers turn the arithmetic back into
 * length-driven branches, and key lengths vary per packet: those branches
 * mispredicted several times per key and cost more than the record's cache miss.
 */
#define FF8	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
static const uint8_t len_ones[2 * SC_TXN_KEY_LINE0] __rte_aligned(64) = {
	FF8, FF8, FF8, FF8, FF8, FF8, FF8,
};
#undef FF8
_Static_assert(SC_TXN_KEY_LINE0 == 7 * 8, "len_ones holds SC_TXN_KEY_LINE0 ones");

/* The record's key_len, key_kind and key_tail_len as one word; the key's the same. */
static inline uint32_t
rec_hdr(const struct sc_txn_rec *r)
{
	return (uint32_t)r->key_len | (uint32_t)r->key_kind << 16 |
	       (uint32_t)r->key_tail_len << 24;
}

static inline uint32_t
key_hdr(const struct sc_txn_key *k)
{
	return (uint32_t)k->len | (uint32_t)k->kind << 16 | (uint32_t)k->tail_len << 24;
}

#define HDR_NO_TAIL	0x00ffffffu	/* rec_hdr/key_hdr without the tail length */

/*
 * Exact compare for keys whose compared bytes (n <= SC_TXN_KEY_LINE0) sit in the
 * record's first line: always the same seven word compares, masked to n, so
 * nothing depends on the length but the masks. key->buf is SC_TXN_KEY_MAX bytes
 * and the area longer than SC_TXN_KEY_LINE0, so the reads stay inside both.
 */
static inline bool
rec_line0_equal(const struct sc_txn_rec *r, const struct sc_txn_key *k, unsigned n,
		uint32_t hdr_mask)
{
	const uint8_t *ones = len_ones + SC_TXN_KEY_LINE0 - n;
	uint64_t d = (rec_hdr(r) ^ key_hdr(k)) & hdr_mask;
	uint64_t x, y, m;
	unsigned w;

	for (w = 0; w < SC_TXN_KEY_LINE0 / 8; w++) {
		memcpy(&x, r->area + 8 * w, 8);
		memcpy(&y, k->buf + 8 * w, 8);
		memcpy(&m, ones + 8 * w, 8);
		d |= (x ^ y) & m;
	}
	return d == 0;
}

static inline bool
rec_tail_equal(const struct sc_txn_rec *r, const struct sc_txn_key *k)
{
	if (k->tail_match == SC_TXN_TAIL_SENT_TO_TAG)
		return r->to_tag_len == k->tail_len &&
		       memcmp(r->to_tag, k->buf + k->len, k->tail_len) == 0;
	return r->key_tail_len == k->tail_len &&
	       memcmp(r->area + r->key_len, k->buf + k->len, k->tail_len) == 0;
}

unsigned
sc_txn_lookup_start(struct sc_txn_table *t, struct sc_txn_key *const keys[], unsigned n,
		    struct sc_txn_lookup *lk)
{
	const void *dk[SC_TXN_LOOKUP_MAX];
	hash_sig_t sig[SC_TXN_LOOKUP_MAX];
	void *data[SC_TXN_LOOKUP_MAX];
	uint64_t hit = 0;
	unsigned i;

	n = RTE_MIN(n, (unsigned)SC_TXN_LOOKUP_MAX);
	lk->n = n;
	lk->fallbacks = 0;
	for (i = 0; i < n; i++) {
		struct sc_txn_key *k = keys[i];

		sc_txn_key_hash(t, k);
		dk[i] = k->digest;
		sig[i] = digest_sig(k->digest);
	}
	if (n == 0)
		return 0;
	rte_hash_lookup_with_hash_bulk_data(t->h, dk, sig, n, &hit, data);
	/*
	 * The record pointer came with the key store line: prefetch every candidate
	 * now; the compares come in sc_txn_lookup_finish(), ideally a burst later.
	 */
	for (i = 0; i < n; i++) {
		const struct sc_txn_key *k = keys[i];
		struct sc_txn_rec *r = NULL;

		if (hit & (UINT64_C(1) << i)) {
			r = data[i];
			if (unlikely(r == NULL))
				r = lookup_fallback(t, dk[i], sig[i], &lk->fallbacks);
		}
		lk->cand[i] = r;
		if (r != NULL) {
			rte_prefetch0(r);
			if ((unsigned)k->len + k->tail_len > SC_TXN_KEY_LINE0)
				rte_prefetch0(r->area + SC_TXN_KEY_LINE0);
		}
	}
	return n;
}

unsigned
sc_txn_lookup_finish(struct sc_txn_table *t, unsigned thread_id,
		     struct sc_txn_key *const keys[], const struct sc_txn_lookup *lk,
		     struct sc_txn_rec *out[])
{
	struct sc_txn_counters *c = ctr(t, thread_id);
	unsigned hits = 0;
	unsigned i;

	for (i = 0; i < lk->n; i++) {
		const struct sc_txn_key *k = keys[i];
		struct sc_txn_rec *r = lk->cand[i];
		bool stored, eq;
		unsigned n;

		out[i] = NULL;
		if (r == NULL)
			continue;
		/* A stored tail follows the hashed bytes in both: one compare covers it. */
		stored = k->tail_match == SC_TXN_TAIL_STORED;
		n = (unsigned)k->len + (stored ? k->tail_len : 0);
		if (likely(n <= SC_TXN_KEY_LINE0))
			eq = rec_line0_equal(r, k, n, stored ? UINT32_MAX : HDR_NO_TAIL);
		else
			eq = rec_hashed_equal(r, k) && (!stored || rec_tail_equal(r, k));
		if (unlikely(!eq)) {
			/* Same digest, different transaction: never a match. */
			if (!rec_hashed_equal(r, k))
				c->digest_mismatch++;
			continue;
		}
		/* 2543 ACK: the To tag we sent, in the record's cold part (17.2.3). */
		if (unlikely(!stored) && !rec_tail_equal(r, k))
			continue;
		if (sc_txn_flags_of(sc_txn_load_state(r)) & SC_TXN_F_DEAD)
			continue;
		out[i] = r;
		hits++;
	}
	c->lookups += lk->n;
	c->data_fallback += lk->fallbacks;
	c->hits += hits;
	c->misses += lk->n - hits;
	return hits;
}

unsigned
sc_txn_lookup_bulk(struct sc_txn_table *t, unsigned thread_id, struct sc_txn_key *const keys[],
		   unsigned n, struct sc_txn_rec *out[])
{
	struct sc_txn_lookup lk;
	unsigned hits = 0;
	unsigned base, m;

	for (base = 0; base < n; base += m) {
		m = sc_txn_lookup_start(t, keys + base, n - base, &lk);
		hits += sc_txn_lookup_finish(t, thread_id, keys + base, &lk, out + base);
	}
	return hits;
}

struct sc_txn_rec *
sc_txn_lookup(struct sc_txn_table *t, unsigned thread_id, struct sc_txn_key *key)
{
	struct sc_txn_rec *r;

	sc_txn_lookup_bulk(t, thread_id, &key, 1, &r);
	return r;
}

/* Start the misses of a cold record the owner is about to write. */
static inline void
prefetch_rec(const struct sc_txn_rec *r)
{
	unsigned off;

	for (off = 0; off < sizeof(*r); off += RTE_CACHE_LINE_SIZE)
		__builtin_prefetch((const char *)r + off, 1, 3);
}

struct sc_txn_rec *
sc_txn_alloc(struct sc_txn_table *t, unsigned owner, const struct sc_txn_key *key,
	     enum sc_txn_state initial)
{
	struct sc_txn_counters *c;
	struct owner *ow;
	struct sc_txn_rec *r;
	size_t klen;
	unsigned i;

	if (owner >= t->owners || key == NULL) {
		errno = EINVAL;
		return NULL;
	}
	c = ctr(t, owner);
	ow = &t->own[owner];
	klen = (size_t)key->len + key->tail_len;
	if (klen > SC_TXN_KEY_MAX || klen > sizeof(r->area) || key->len == 0) {
		c->insert_too_long++;
		errno = E2BIG;
		return NULL;
	}
	if (ow->free_count == 0 && ow->limbo_head != NULL) {
		/* Deleted records whose grace period is over count as free. */
		sc_txn_reclaim(t, owner);
	}
	if (ow->free_count == 0) {
		c->insert_full++;
		errno = ENOSPC;
		return NULL;
	}
	r = &t->recs[ow->free[--ow->free_count]];
	/*
	 * Free records are cold (1M pending: the pool is far larger than the cache).
	 * An alloc writes most of its record: start the misses of the one taken
	 * ALLOC_AHEAD allocs from now (this one's were started that long ago).
	 */
	if (ow->free_count >= ALLOC_AHEAD)
		prefetch_rec(&t->recs[ow->free[ow->free_count - ALLOC_AHEAD]]);
	/*
	 * The stack itself is cold below its top after a run of allocs (4 bytes per
	 * record): its line for the allocs a cache line's worth of indexes from now.
	 */
	if (ow->free_count >= STACK_AHEAD)
		rte_prefetch0(&ow->free[ow->free_count - STACK_AHEAD]);

	/* Every field is set here; the area beyond area_used is written before read. */
	r->owner = (uint16_t)owner;
	r->key_pos = -1;
	r->state = (uint32_t)initial;
	r->last_status = 0;
	r->resp_off = r->resp_len = 0;
	r->fwd_off = r->fwd_len = 0;
	r->internal = 0;
	r->rcu_token = 0;
	r->next = NULL;
	r->key_len = key->len;
	r->key_kind = key->kind;
	r->key_tail_len = key->tail_len;
	sc_copy_short(r->area, key->buf, klen);
	r->area_used = (uint16_t)klen;
	if (key->hashed)
		memcpy(r->digest, key->digest, SC_TXN_DIGEST_LEN);
	else
		t->digest_fn(key->buf, key->len, r->digest, t->digest_ctx);
	r->to_tag_len = 0;
	r->to_tag_seq = 0;
	/*
	 * Field by field, not memset: gcc turns a 136-byte memset into rep stos, whose
	 * start-up costs more than the stores.
	 */
	for (i = 0; i < SC_TXN_NTIMERS; i++)
		sc_timer_init(&r->timers[i]);
	r->user[0] = r->user[1] = 0;
	return r;
}

static int
area_put(struct sc_txn_table *t, struct sc_txn_rec *r, const void *p, size_t len,
	 size_t max, uint16_t *off, uint16_t *olen)
{
	if (*olen != 0)
		return -EBUSY;
	if (len > max || r->area_used + len > sizeof(r->area)) {
		ctr(t, r->owner)->insert_too_long++;
		return -E2BIG;
	}
	sc_copy_short(r->area + r->area_used, p, len);
	*off = r->area_used;
	*olen = (uint16_t)len;
	r->area_used = (uint16_t)(r->area_used + len);
	return 0;
}

int
sc_txn_rec_set_resp_hdr(struct sc_txn_table *t, struct sc_txn_rec *rec, const char *block,
			size_t len)
{
	return area_put(t, rec, block, len, SC_TXN_RESP_HDR_MAX, &rec->resp_off, &rec->resp_len);
}

int
sc_txn_rec_set_fwd(struct sc_txn_table *t, struct sc_txn_rec *rec, const void *data, size_t len)
{
	return area_put(t, rec, data, len, sizeof(rec->area), &rec->fwd_off, &rec->fwd_len);
}

int
sc_txn_rec_set_to_tag(struct sc_txn_rec *rec, const char *tag, size_t len)
{
	if (len > SC_TXN_TO_TAG_MAX)
		return -E2BIG;
	sc_copy_short(rec->to_tag, tag, len);
	rec->to_tag_len = (uint8_t)len;
	return 0;
}

/*
 * A sequence lock over to_tag and to_tag_len. The record has 4 bytes to spare:
 * rte_seqlock_t takes 8, and rte_seqcount_t (4) needs a writers' lock beside it.
 * So the writers' lock is the sequence word itself: a writer moves it from even to
 * odd by CAS, writes, and releases it at the next even value.
 */
int
sc_txn_rec_update_to_tag(struct sc_txn_rec *rec, const char *tag, size_t len)
{
	uint16_t seq;

	if (len > SC_TXN_TO_TAG_MAX)
		return -E2BIG;
	seq = __atomic_load_n(&rec->to_tag_seq, __ATOMIC_RELAXED);
	for (;;) {
		if ((seq & 1) != 0) {
			rte_pause();
			seq = __atomic_load_n(&rec->to_tag_seq, __ATOMIC_RELAXED);
			continue;
		}
		if (__atomic_compare_exchange_n(&rec->to_tag_seq, &seq, (uint16_t)(seq + 1),
						false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
	}
	/* The odd value is visible before any byte of the new tag. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&rec->to_tag_len, (uint8_t)len, __ATOMIC_RELAXED);
	sc_copy_short(rec->to_tag, tag, len);
	__atomic_store_n(&rec->to_tag_seq, (uint16_t)(seq + 2), __ATOMIC_RELEASE);
	return 0;
}

size_t
sc_txn_rec_to_tag_copy(const struct sc_txn_rec *rec, char out[SC_TXN_TO_TAG_MAX])
{
	uint16_t seq0, seq1;
	size_t len;

	for (;;) {
		seq0 = __atomic_load_n(&rec->to_tag_seq, __ATOMIC_ACQUIRE);
		if ((seq0 & 1) != 0) {
			rte_pause();
			continue;
		}
		len = __atomic_load_n(&rec->to_tag_len, __ATOMIC_RELAXED);
		if (len > SC_TXN_TO_TAG_MAX)
			len = SC_TXN_TO_TAG_MAX;	/* torn: the retry below drops it */
		memcpy(out, rec->to_tag, len);
		/* The bytes are read before the sequence is checked again. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		seq1 = __atomic_load_n(&rec->to_tag_seq, __ATOMIC_RELAXED);
		if (seq0 == seq1)
			return len;
	}
}

/* Duplicate or digest collision against the record holding the slot (index + 1). */
static int
insert_refused(struct sc_txn_table *t, const struct sc_txn_rec *rec, uint32_t idx1)
{
	struct sc_txn_counters *c = ctr(t, rec->owner);
	const struct sc_txn_rec *cur = &t->recs[idx1 - 1];

	if (cur->key_kind == rec->key_kind && cur->key_len == rec->key_len &&
	    memcmp(cur->area, rec->area, rec->key_len) == 0) {
		c->insert_duplicate++;
		return -EEXIST;
	}
	c->insert_collision++;
	return -EKEYREJECTED;
}

/*
 * Add rec's digest and claim its slot; `check` first looks the digest up so a present
 * key is refused without an add (see sc_txn_insert_missed() for why one may skip it).
 */
static inline int
insert(struct sc_txn_table *t, struct sc_txn_rec *rec, bool check)
{
	struct sc_txn_counters *c = ctr(t, rec->owner);
	uint32_t idx1 = (uint32_t)(rec - t->recs) + 1;
	hash_sig_t sig = digest_sig(rec->digest);
	uint32_t expect;
	int32_t pos;
	int ret;

	/* rte_hash's multi-writer free-slot cache is indexed by lcore id. */
	if (rte_lcore_id() == LCORE_ID_ANY)
		return -EPERM;

	/*
	 * A present digest is refused without an add: rte_hash_add_key_with_hash() on a
	 * present key rewrites its data word with NULL, which would send that live
	 * transaction's lookups down the fallback path.
	 */
	if (check) {
		pos = rte_hash_lookup_with_hash(t->h, rec->digest, sig);
		if (pos >= 0) {
			expect = __atomic_load_n(&t->slot[pos], __ATOMIC_ACQUIRE);
			if (expect != 0)
				return insert_refused(t, rec, expect);
		}
	}
	pos = rte_hash_add_key_with_hash(t->h, rec->digest, sig);
	if (pos < 0) {
		c->insert_hash_full++;
		return -ENOSPC;
	}
	/* Release: the record's contents are visible before the slot that names it. */
	expect = 0;
	if (!__atomic_compare_exchange_n(&t->slot[pos], &expect, idx1, false,
					 __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		return insert_refused(t, rec, expect);
	/*
	 * Won: publish the record pointer in the data word. The key is present (only
	 * this record's delete removes it) and its key store entry never moves, so one
	 * release store does it; a racing loser's add may still write NULL there, which
	 * the fallback covers as before. Without the probed layout, a second add updates
	 * the same entry (writers serialise inside rte_hash, which stores with release).
	 */
	if (likely(t->key0 != NULL)) {
		__atomic_store_n(data_word(t, pos), rec, __ATOMIC_RELEASE);
	} else {
		ret = rte_hash_add_key_with_hash_data(t->h, rec->digest, sig, rec);
		RTE_VERIFY(ret == 0);
	}
	rec->key_pos = pos;
	c->inserts++;
	return 0;
}

int
sc_txn_insert(struct sc_txn_table *t, struct sc_txn_rec *rec)
{
	return insert(t, rec, true);
}

/*
 * The caller's lookup has just missed, so the key is almost never present: skip the
 * presence check. In the rare race (another thread inserted the same key since that
 * lookup, or a digest collision) the add rewrites the present entry's data word with
 * NULL, the slot CAS refuses this record exactly as in sc_txn_insert(), and the
 * winner's lookups take the slot fallback (data_fallback), which the file comment
 * covers: correct, one lookup slower, for that one transaction.
 */
int
sc_txn_insert_missed(struct sc_txn_table *t, struct sc_txn_rec *rec)
{
	return insert(t, rec, false);
}

static void
pool_push(struct sc_txn_table *t, struct sc_txn_rec *r)
{
	struct owner *ow = &t->own[r->owner];
	uint16_t owner = r->owner;

	if (t->poison) {
		/* Catch use after free: every byte but the pool link and the owner. */
		memset(r, POISON_BYTE, SC_TXN_REC_SIZE);
		r->owner = owner;
	}
	__atomic_store_n(&r->state, (uint32_t)SC_TXN_FREE, __ATOMIC_RELEASE);
	ow->free[ow->free_count++] = (uint32_t)(r - t->recs);
}

void
sc_txn_free(struct sc_txn_table *t, struct sc_txn_rec *rec)
{
	pool_push(t, rec);
}

int
sc_txn_delete(struct sc_txn_table *t, struct sc_txn_rec *rec)
{
	struct owner *ow = &t->own[rec->owner];
	uint32_t w = sc_txn_load_state(rec);
	int32_t pos;

	if (rec->key_pos < 0)
		return -ENOENT;
	/* Mark dead first: a lookup racing with the removal then misses it. */
	for (;;) {
		if (sc_txn_flags_of(w) & SC_TXN_F_DEAD)
			return -ENOENT;
		if (sc_txn_cas_state(rec, &w, w | ((uint32_t)SC_TXN_F_DEAD << 8)))
			break;
	}
	pos = rte_hash_del_key_with_hash(t->h, rec->digest, digest_sig(rec->digest));
	RTE_VERIFY(pos == rec->key_pos);
	rec->rcu_token = rte_rcu_qsbr_start(t->rcu);
	rec->next = NULL;
	if (ow->limbo_tail == NULL)
		ow->limbo_head = rec;
	else
		ow->limbo_tail->next = rec;
	ow->limbo_tail = rec;
	ow->limbo_count++;
	ctr(t, rec->owner)->deletes++;
	return 0;
}

unsigned
sc_txn_reclaim(struct sc_txn_table *t, unsigned owner)
{
	int32_t freed[RECLAIM_BATCH];
	struct owner *ow;
	unsigned n = 0, i;

	if (owner >= t->owners)
		return 0;
	ow = &t->own[owner];
	/* Tokens grow along the FIFO: stop at the first one still in use. */
	while (ow->limbo_head != NULL && n < RECLAIM_BATCH) {
		struct sc_txn_rec *r = ow->limbo_head;
		int32_t pos = r->key_pos;

		if (rte_rcu_qsbr_check(t->rcu, r->rcu_token, false) != 1)
			break;
		ow->limbo_head = r->next;
		if (ow->limbo_head == NULL)
			ow->limbo_tail = NULL;
		ow->limbo_count--;
		__atomic_store_n(&t->slot[pos], 0, __ATOMIC_RELEASE);
		freed[n] = pos;
		pool_push(t, r);
		n++;
	}
	if (n > 0) {
		rte_spinlock_lock(&t->free_lock);
		for (i = 0; i < n; i++)
			rte_hash_free_key_with_position(t->h, freed[i]);
		rte_spinlock_unlock(&t->free_lock);
	}
	/* The next allocs take what was pushed last; later ones are prefetched by them. */
	for (i = 0; i < ALLOC_AHEAD && i < n; i++)
		prefetch_rec(&t->recs[ow->free[ow->free_count - 1 - i]]);
	ctr(t, owner)->reclaimed += n;
	return n;
}

uint32_t
sc_txn_pool_free_count(const struct sc_txn_table *t, unsigned owner)
{
	return owner < t->owners ? t->own[owner].free_count : 0;
}

uint32_t
sc_txn_limbo_count(const struct sc_txn_table *t, unsigned owner)
{
	return owner < t->owners ? t->own[owner].limbo_count : 0;
}

void
sc_txn_counters_get(const struct sc_txn_table *t, unsigned thread_id,
		    struct sc_txn_counters *out)
{
	if (thread_id >= t->max_threads) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = t->thr[thread_id].c;
}

void
sc_txn_counters_sum(const struct sc_txn_table *t, struct sc_txn_counters *out)
{
	unsigned i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->max_threads; i++) {
		const uint64_t *src = (const uint64_t *)&t->thr[i].c;
		uint64_t *dst = (uint64_t *)out;

		for (j = 0; j < SC_TXN_NCOUNTERS; j++)
			dst[j] += src[j];
	}
}

unsigned
sc_txn_event(struct sc_txn_table *t, unsigned thread_id, struct sc_txn_rec *rec,
	     enum sc_txn_event ev, uint32_t *old_word, uint32_t *new_word)
{
	uint32_t w = sc_txn_load_state(rec);
	unsigned actions;
	uint32_t next;

	for (;;) {
		next = sc_txn_step(w, ev, &actions);
		if (next == w)
			break;
		if (sc_txn_cas_state(rec, &w, next)) {
			next = (next & 0xffffu) | ((w & 0xffff0000u) + (1u << 16));
			break;
		}
		if (thread_id < t->max_threads)
			ctr(t, thread_id)->cas_retries++;
	}
	if (old_word != NULL)
		*old_word = w;
	if (new_word != NULL)
		*new_word = next;
	return actions;
}
