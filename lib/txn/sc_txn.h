/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction keys, records and the shared lock-free transaction table
 * (RFC 3261 sections 9.1, 9.2, 17.1, 17.2).
 *
 * Keys: a builder turns a parsed message into a normalised byte string (struct
 * sc_txn_key). The table hashes it into a 16-byte digest (XXH3-128 by default);
 * the digest is the rte_hash key and its first 32 bits the precomputed rte_hash
 * signature. The record keeps the normalised bytes and every hit is confirmed by
 * an exact compare (lengths first), so a digest collision never matches the wrong
 * transaction; a second key with an identical digest is refused on insert
 * (counter `insert_collision`).
 *
 * Table: one rte_hash shared by every worker, RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF
 * (lookups never lock) + MULTI_WRITER_ADD + EXT_TABLE (DPDK 22.11 accepts the
 * three together; writers serialise inside rte_hash, readers never wait). The hash
 * position maps to the record through a slot array claimed by CAS, so two cores
 * inserting the same transaction at once cannot both succeed (rte_hash's *_data
 * add would silently overwrite); the winner then also stores the record pointer in
 * rte_hash's data word (one store at an address probed at creation, or a second add
 * where the probe fails), which lookups read from the key store line the bulk lookup
 * has already fetched (rte_hash_lookup_with_hash_bulk_data), so a hit costs one
 * more cache line, the record's first, and the compare there is branch-free.
 * Under --no-huge the rte_hash lives in a private malloc heap over THP memory.
 * Records are fixed-size (SC_TXN_REC_SIZE), pre-allocated per owner at creation,
 * and go back to their owner's pool only after an RCU grace period (rte_rcu_qsbr):
 * each owner keeps its own deferred-free FIFO (instead of rte_hash_rcu_qsbr_add's
 * shared queue), so frees never cross cores and a record never changes hands.
 * Bytes per pending transaction: the record plus ~70 bytes of rte_hash, slot
 * array and pools (bench/table prints it).
 *
 * Threads: every thread that calls into the table has an id < params.max_threads
 * (the "owner" / thread id below; the app uses its worker index). Every such thread
 * is an RCU reader: register it with sc_txn_thread_register() and report quiescent
 * state with sc_txn_quiescent() once per loop, when it holds no record pointer.
 * Insert and delete must run on EAL lcores or rte_thread_register()ed threads
 * (rte_hash's multi-writer cache is per lcore). Only the owner of a record deletes
 * it. Any thread may change a record's state, through the CAS helpers.
 */
#ifndef SC_TXN_H
#define SC_TXN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sc_sip.h"
#include "sc_timer.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_rcu_qsbr;
struct sc_txn_table;

/* ---- keys ------------------------------------------------------------------ */

/* Largest normalised key (hashed part + unhashed To-tag tail). Longer: -E2BIG. */
#define SC_TXN_KEY_MAX		256
#define SC_TXN_DIGEST_LEN	16

enum sc_txn_key_kind {
	SC_TXN_KEY_NONE = 0,
	SC_TXN_KEY_SERVER,		/* 17.2.3, branch with the z9hG4bK cookie */
	SC_TXN_KEY_SERVER_2543,		/* 17.2.3, RFC 2543 fallback */
	SC_TXN_KEY_CLIENT,		/* 17.1.3, branch + CSeq method */
};

/* How the unhashed tail of a key is confirmed against a record. */
enum sc_txn_tail_match {
	SC_TXN_TAIL_STORED = 0,		/* tail == record's stored tail (To tag of the request) */
	SC_TXN_TAIL_SENT_TO_TAG,	/* tail == record's to_tag (2543 ACK, 17.2.3) */
};

/*
 * A normalised key. Filled by a builder, hashed by the table (lazily, once).
 * buf[0..len) is hashed; buf[len..len+tail_len) is the RFC 2543 To tag, compared
 * but not hashed, because a 2543 ACK carries the To tag of our response while the
 * INVITE that created the transaction carried none (17.2.3).
 */
struct sc_txn_key {
	uint8_t digest[SC_TXN_DIGEST_LEN];	/* valid when hashed */
	uint16_t len;				/* hashed bytes */
	uint8_t tail_len;
	uint8_t kind;				/* enum sc_txn_key_kind */
	uint8_t tail_match;			/* enum sc_txn_tail_match */
	uint8_t hashed;				/* digest valid (set by the table) */
	uint8_t pad[2];
	char buf[SC_TXN_KEY_MAX];
};

/*
 * Key of the server transaction `req` belongs to (17.2.3): INVITE -> its INVITE
 * transaction (a retransmission matches), ACK -> the INVITE transaction it acks
 * (non-2xx ACK), CANCEL -> the CANCEL's own transaction, any other method -> its
 * own. Uses the RFC 2543 fields when the top Via branch lacks the z9hG4bK cookie.
 * Returns 0, -EINVAL (not a request, no Via) or -E2BIG (longer than SC_TXN_KEY_MAX).
 */
int sc_txn_key_server(const struct sc_sip_msg *req, struct sc_txn_key *key);

/*
 * Key of the transaction a CANCEL cancels (9.2): the 17.2.3 rules applied as if the
 * CANCEL's method were INVITE (only INVITE transactions are kept). Returns as
 * sc_txn_key_server(); -EINVAL also when req is not a CANCEL.
 */
int sc_txn_key_cancel_target(const struct sc_sip_msg *req, struct sc_txn_key *key);

/*
 * Key of the client transaction a response belongs to (17.1.3): top Via branch and
 * CSeq method. Returns 0, -EINVAL (not a response, no Via/branch) or -E2BIG.
 */
int sc_txn_key_client_resp(const struct sc_sip_msg *resp, struct sc_txn_key *key);

/*
 * Key of a client transaction we create: the branch we put in our Via and the
 * method we send (method_name only used for SC_METHOD_EXTENSION). Returns 0,
 * -EINVAL or -E2BIG.
 */
int sc_txn_key_client(const struct sc_str *branch, enum sc_sip_method method,
		      const struct sc_str *method_name, struct sc_txn_key *key);

/* True when both keys are equal in every compared byte (kind, hashed part, tail). */
bool sc_txn_key_equal(const struct sc_txn_key *a, const struct sc_txn_key *b);

/* ---- records --------------------------------------------------------------- */

#define SC_TXN_REC_SIZE		896	/* bytes, whole record; cache-line multiple */
#define SC_TXN_REPLY_PATH_LEN	64	/* opaque, filled and read by the app */
/* A proxy keeps the next hop's tag: Kamailio's run to about 40 characters. */
#define SC_TXN_TO_TAG_MAX	48
#define SC_TXN_NTIMERS		3
#define SC_TXN_RESP_HDR_MAX	512	/* rendered response header block */

/*
 * State word: bits 0-7 enum sc_txn_state, bits 8-15 SC_TXN_F_* flags, bits 16-31 a
 * sequence bumped on every change (so a CAS never succeeds on a stale read).
 */
enum sc_txn_state {
	SC_TXN_FREE = 0,		/* in a pool or waiting for the grace period */
	SC_TXN_SRV_PROCEEDING,		/* 17.2.1 (Proceeding: created by INVITE) */
	SC_TXN_SRV_COMPLETED,		/* 17.2.1, 300-699 sent, waiting for ACK */
	SC_TXN_SRV_CONFIRMED,		/* 17.2.1, ACK received, Timer I running */
	SC_TXN_CLI_CALLING,		/* 17.1.1 */
	SC_TXN_CLI_PROCEEDING,		/* 17.1.1, provisional received */
	SC_TXN_CLI_COMPLETED,		/* 17.1.1, 300-699 received, ACK sent */
	SC_TXN_TERMINATED,		/* 17.1.1 / 17.2.1; the owner deletes it */
	SC_TXN_STATE_COUNT,
};

#define SC_TXN_F_FINAL_SENT	0x01	/* server: a final response is sent (or claimed) */
#define SC_TXN_F_CANCELLED	0x02	/* server: CANCEL accepted before a final, 487 owed */
#define SC_TXN_F_PROV_SENT	0x04	/* server: a provisional was sent */
#define SC_TXN_F_CANCEL_PENDING	0x08	/* client: CANCEL held until a provisional (9.1) */
#define SC_TXN_F_CANCEL_SENT	0x10	/* client: our CANCEL was sent (9.1) */
#define SC_TXN_F_PROV_RCVD	0x20	/* client: a provisional was received */
#define SC_TXN_F_FINAL_RCVD	0x40	/* client: a final was received */
#define SC_TXN_F_DEAD		0x80	/* deleted: lookups miss it, events are ignored */

static inline enum sc_txn_state
sc_txn_state_of(uint32_t word)
{
	return (enum sc_txn_state)(word & 0xffu);
}

static inline unsigned
sc_txn_flags_of(uint32_t word)
{
	return (word >> 8) & 0xffu;
}

/*
 * A pending transaction. SC_TXN_REC_SIZE bytes. Written only by its owner before
 * sc_txn_insert() (and by its owner's timers after); other threads read it,
 * change `state` only through the CAS helpers, and the To tag only through
 * sc_txn_rec_update_to_tag(). Variable-length data (key, response
 * header block, proxy forward data) shares `area`. The key starts at byte 8, so a
 * lookup confirms a hit from the first cache line alone for keys up to
 * SC_TXN_KEY_LINE0 bytes (every RFC 3261 key with a branch up to ~40 characters).
 */
#define SC_TXN_AREA_LEN		(SC_TXN_REC_SIZE - 312)
#define SC_TXN_KEY_LINE0	56

struct sc_txn_rec {
	/* first cache line: everything a lookup reads */
	uint32_t state;			/* atomic state word, see above */
	uint16_t key_len;		/* hashed key bytes at area[0] */
	uint8_t key_kind;		/* enum sc_txn_key_kind */
	uint8_t key_tail_len;		/* stored tail at area[key_len] */
	char area[SC_TXN_AREA_LEN];	/* key, then response block, then forward data */

	/* cold: read when the record is acted on */
	uint8_t reply_path[SC_TXN_REPLY_PATH_LEN];	/* app: upstream address, L2 */
	char to_tag[SC_TXN_TO_TAG_MAX];			/* the To tag we sent/generated */
	struct sc_timer timers[SC_TXN_NTIMERS];		/* owner's wheel only */
	uint64_t user[2];				/* app: e.g. peer record, time */
	struct sc_txn_rec *next;	/* deferred-free list */
	uint64_t rcu_token;		/* grace period after delete */
	uint8_t digest[SC_TXN_DIGEST_LEN];
	int32_t key_pos;		/* rte_hash position while inserted */
	uint16_t owner;			/* thread id that created it */
	uint16_t last_status;		/* last response sent (server) or received (client) */
	uint16_t area_used;
	uint16_t resp_off;		/* response header block in area */
	uint16_t resp_len;
	uint16_t fwd_off;		/* proxy forward data in area */
	uint16_t fwd_len;
	uint8_t to_tag_len;
	uint8_t internal;		/* table bookkeeping */
	uint16_t to_tag_seq;		/* odd while to_tag is rewritten, see below */
};

/* Hashed key bytes of a record. */
static inline const char *
sc_txn_rec_key(const struct sc_txn_rec *rec)
{
	return rec->area;
}

/* The stored response header block (sc_sip_build_resp_headers output), len in *len. */
static inline const char *
sc_txn_rec_resp_hdr(const struct sc_txn_rec *rec, size_t *len)
{
	*len = rec->resp_len;
	return rec->area + rec->resp_off;
}

/* The stored proxy forward data (opaque to the table), len in *len. */
static inline const char *
sc_txn_rec_fwd(const struct sc_txn_rec *rec, size_t *len)
{
	*len = rec->fwd_len;
	return rec->area + rec->fwd_off;
}

/*
 * Copy the response header block into the record's area (owner, before insert).
 * Returns 0, -E2BIG when longer than SC_TXN_RESP_HDR_MAX or the area is full
 * (counted as insert_too_long), -EBUSY when already set.
 */
int sc_txn_rec_set_resp_hdr(struct sc_txn_table *t, struct sc_txn_rec *rec,
			    const char *block, size_t len);

/* Copy opaque proxy forward data (e.g. 9.1 CANCEL fields). Returns as above. */
int sc_txn_rec_set_fwd(struct sc_txn_table *t, struct sc_txn_rec *rec,
		       const void *data, size_t len);

/*
 * Set the To tag we generated/sent (matched by RFC 2543 ACKs). Owner only, before
 * insert. Returns 0 or -E2BIG (> SC_TXN_TO_TAG_MAX).
 */
int sc_txn_rec_set_to_tag(struct sc_txn_rec *rec, const char *tag, size_t len);

/*
 * Replace the To tag of an inserted record from any thread (a proxy keeps the tag
 * of the last response it relayed, and responses reach whichever core RSS picks).
 * Writers are serialised on to_tag_seq; readers use sc_txn_rec_to_tag_copy().
 * Returns 0 or -E2BIG.
 */
int sc_txn_rec_update_to_tag(struct sc_txn_rec *rec, const char *tag, size_t len);

/*
 * Copy out the To tag of a record whose tag sc_txn_rec_update_to_tag() may be
 * rewriting on another core: never a mix of two tags. Returns its length (0: none).
 */
size_t sc_txn_rec_to_tag_copy(const struct sc_txn_rec *rec, char out[SC_TXN_TO_TAG_MAX]);

/* ---- table ----------------------------------------------------------------- */

/* Compute the 16-byte digest of buf[0..len). Default: XXH3-128. Tests force fakes. */
typedef void (*sc_txn_digest_fn)(const void *buf, size_t len,
				 uint8_t out[SC_TXN_DIGEST_LEN], void *ctx);

struct sc_txn_table_params {
	const char *name;		/* unique; rte_hash/memzone name */
	uint32_t capacity_per_owner;	/* records pre-allocated per owner */
	uint16_t owners;		/* owners (creating threads) */
	uint16_t max_threads;		/* RCU readers; 0: = owners */
	int socket_id;			/* SOCKET_ID_ANY is fine */
	struct rte_rcu_qsbr *rcu;	/* NULL: the table creates one for max_threads;
					 * given: initialised for >= max_threads */
	sc_txn_digest_fn digest_fn;	/* NULL: XXH3-128 */
	void *digest_ctx;
	bool poison_on_free;		/* tests: fill freed records with 0x5c */
	bool publish_by_add;		/* tests, benchmarks: publish a record with a
					 * second rte_hash add, as when the key store
					 * probe fails (sc_txn_table_publish_direct) */
};

/* Per-thread counters; each thread writes only its own. */
#define SC_TXN_COUNTERS(X) \
	X(inserts) \
	X(insert_full) \
	X(insert_duplicate) \
	X(insert_collision) \
	X(insert_too_long) \
	X(insert_hash_full) \
	X(deletes) \
	X(reclaimed) \
	X(lookups) \
	X(hits) \
	X(misses) \
	X(digest_mismatch) \
	X(cas_retries) \
	X(data_fallback)	/* hits found through the slot array (insert race window) */

struct sc_txn_counters {
#define SC_X_FIELD(name) uint64_t name;
	SC_TXN_COUNTERS(SC_X_FIELD)
#undef SC_X_FIELD
};

/* Names of the counters, in struct order. */
extern const char *const sc_txn_counter_names[];
#define SC_TXN_NCOUNTERS (sizeof(struct sc_txn_counters) / sizeof(uint64_t))

/*
 * Create the table, its rte_hash and every owner's records (capacity_per_owner *
 * owners in total). Returns the table, or NULL with errno set (EINVAL, ENOMEM,
 * EEXIST).
 */
struct sc_txn_table *sc_txn_table_create(const struct sc_txn_table_params *p);

/* Free the table, its hash, records and (if it created it) its RCU variable. */
void sc_txn_table_free(struct sc_txn_table *t);

/*
 * Bytes of the table held outside the EAL heap: with --no-huge the records and slots
 * live in anonymous memory advised for transparent huge pages (the EAL heap is then
 * 4 KiB pages), and the rte_hash in a private malloc heap over such memory (counted
 * as its allocated bytes). 0 with hugepages. For footprint reports.
 */
size_t sc_txn_table_anon_bytes(const struct sc_txn_table *t);

/*
 * Socket id of the heap holding the table's rte_hash: with --no-huge a private heap
 * of transparent-huge-page memory (external, >= RTE_MAX_NUMA_NODES), else the
 * socket asked for. For benchmarks that compare against a bare rte_hash.
 */
int sc_txn_table_hash_socket(const struct sc_txn_table *t);

/*
 * True when an insert's winner publishes its record in rte_hash's data word with one
 * store (the layout probe at creation passed), false when it uses a second add.
 */
bool sc_txn_table_publish_direct(const struct sc_txn_table *t);

/*
 * Benchmarks: publish with a second add (by_add) or, when the probe passed, with one
 * store. Only while no thread inserts. Returns sc_txn_table_publish_direct().
 */
bool sc_txn_table_set_publish_by_add(struct sc_txn_table *t, bool by_add);

/* The RCU variable the table uses (given or created). */
struct rte_rcu_qsbr *sc_txn_table_rcu(const struct sc_txn_table *t);

/* Register thread_id as an RCU reader and mark it online. Returns 0 or -errno. */
int sc_txn_thread_register(struct sc_txn_table *t, unsigned thread_id);

/* Mark offline and unregister (before a thread stops or blocks). */
void sc_txn_thread_unregister(struct sc_txn_table *t, unsigned thread_id);

/*
 * Report that thread_id holds no record pointer obtained before this call
 * (rte_rcu_qsbr_quiescent), then, if thread_id is an owner, return the records
 * whose grace period is over to its pool. Call once per worker loop.
 */
void sc_txn_quiescent(struct sc_txn_table *t, unsigned thread_id);

/*
 * Compute key->digest with the table's digest function unless already hashed.
 * Lookups and inserts call it; call it early to overlap with other work.
 */
void sc_txn_key_hash(const struct sc_txn_table *t, struct sc_txn_key *key);

/*
 * Look up n keys (any n): hash them, one rte_hash bulk lookup per 64, confirm each
 * hit by exact compare. out[i] is the record or NULL (miss, deleted, or a digest
 * collision with another key). Returns the number of hits. Any registered thread;
 * the records stay valid until that thread's next sc_txn_quiescent().
 */
unsigned sc_txn_lookup_bulk(struct sc_txn_table *t, unsigned thread_id,
			    struct sc_txn_key *const keys[], unsigned n,
			    struct sc_txn_rec *out[]);

/*
 * The same in two steps, so a worker can overlap the record misses of one burst
 * with other work (parsing the next burst, or starting its lookup):
 * sc_txn_lookup_start() hashes up to SC_TXN_LOOKUP_MAX keys, does the rte_hash bulk
 * lookup and prefetches the candidate records into `lk`; sc_txn_lookup_finish()
 * confirms them by exact compare into out[] and returns the hits. The keys must
 * stay unchanged in between, and both calls happen before the thread's next
 * sc_txn_quiescent(). start returns how many keys it took (min(n, MAX)).
 */
#define SC_TXN_LOOKUP_MAX	64

struct sc_txn_lookup {
	unsigned n;
	unsigned fallbacks;		/* table bookkeeping */
	struct sc_txn_rec *cand[SC_TXN_LOOKUP_MAX];
};

unsigned sc_txn_lookup_start(struct sc_txn_table *t, struct sc_txn_key *const keys[],
			     unsigned n, struct sc_txn_lookup *lk);
unsigned sc_txn_lookup_finish(struct sc_txn_table *t, unsigned thread_id,
			      struct sc_txn_key *const keys[], const struct sc_txn_lookup *lk,
			      struct sc_txn_rec *out[]);

/* One key. Returns the record or NULL. */
struct sc_txn_rec *sc_txn_lookup(struct sc_txn_table *t, unsigned thread_id,
				 struct sc_txn_key *key);

/*
 * Take a record from owner's pool (reclaiming records past their grace period when
 * it is empty) and copy the key into it. The record is private
 * until sc_txn_insert(); fill it (state, set_resp_hdr, reply_path, timers) first.
 * Returns NULL with errno ENOSPC (pool empty: insert_full) or E2BIG (key does not
 * fit: insert_too_long).
 */
struct sc_txn_rec *sc_txn_alloc(struct sc_txn_table *t, unsigned owner,
				const struct sc_txn_key *key, enum sc_txn_state initial);

/*
 * Publish rec in the table under the key given to sc_txn_alloc(). Owner only.
 * Returns 0, -EEXIST (an equal key is present: insert_duplicate), -EKEYREJECTED
 * (another key with the same digest is present: insert_collision), -ENOSPC (the
 * hash is full: insert_hash_full) or -EPERM (not an EAL or registered thread). On
 * error the record is still the caller's:
 * sc_txn_free() it.
 */
int sc_txn_insert(struct sc_txn_table *t, struct sc_txn_rec *rec);

/*
 * sc_txn_insert() for a key the caller has just looked up (in this read-side
 * section) and missed: one rte_hash operation fewer, since the key is then almost
 * never present. Same results and the same guarantee that exactly one of several
 * racing inserts of a key wins. The price of the rare race (someone inserted the key
 * since the caller's lookup, or a digest collision): the present entry's lookups
 * take the slower slot path (counter data_fallback) until it is deleted.
 */
int sc_txn_insert_missed(struct sc_txn_table *t, struct sc_txn_rec *rec);

/* Return an unpublished record (alloc'd, never inserted or insert failed). Owner only. */
void sc_txn_free(struct sc_txn_table *t, struct sc_txn_rec *rec);

/*
 * Remove a published record from the table (owner only; the caller has cancelled
 * its timers). Marks it DEAD at once so concurrent lookups miss it; it returns to
 * the pool after an RCU grace period. Returns 0 or -ENOENT.
 */
int sc_txn_delete(struct sc_txn_table *t, struct sc_txn_rec *rec);

/* Return owner's records whose grace period is over to its pool; returns how many. */
unsigned sc_txn_reclaim(struct sc_txn_table *t, unsigned owner);

/* Free records in owner's pool (not counting those waiting for a grace period). */
uint32_t sc_txn_pool_free_count(const struct sc_txn_table *t, unsigned owner);

/* Records waiting for their grace period on owner. */
uint32_t sc_txn_limbo_count(const struct sc_txn_table *t, unsigned owner);

/* Counters of thread_id (a snapshot of plain loads; exact when that thread is idle). */
void sc_txn_counters_get(const struct sc_txn_table *t, unsigned thread_id,
			 struct sc_txn_counters *out);

/* Sum of every thread's counters. */
void sc_txn_counters_sum(const struct sc_txn_table *t, struct sc_txn_counters *out);

/* ---- state machines -------------------------------------------------------- */

/*
 * Events. Server INVITE transaction (17.2.1, 9.2); client INVITE transaction with
 * CANCEL handling (17.1.1, 9.1, 16.10). The full state x event -> action table is
 * in sc_txn.c.
 */
enum sc_txn_event {
	/* server */
	SC_TXN_EV_RX_INVITE = 0,	/* retransmitted INVITE */
	SC_TXN_EV_TX_1XX,		/* TU sends a provisional */
	SC_TXN_EV_TX_2XX,		/* TU sends a 2xx */
	SC_TXN_EV_TX_FINAL,		/* TU sends 300-699 */
	SC_TXN_EV_RX_CANCEL,		/* a CANCEL matched this transaction (9.2) */
	SC_TXN_EV_RX_ACK,		/* ACK for a non-2xx final */
	SC_TXN_EV_TIMER_G,
	SC_TXN_EV_TIMER_H,
	SC_TXN_EV_TIMER_I,
	/* client */
	SC_TXN_EV_RX_1XX,
	SC_TXN_EV_RX_2XX,
	SC_TXN_EV_RX_FINAL,		/* 300-699 */
	SC_TXN_EV_CANCEL_REQ,		/* TU wants to cancel (16.10, 9.1) */
	SC_TXN_EV_TIMER_A,
	SC_TXN_EV_TIMER_B,
	SC_TXN_EV_TIMER_D,
	SC_TXN_EV_TIMER_CANCEL,		/* 64*T1 after our CANCEL, still no final */
	/* both */
	SC_TXN_EV_TRANSPORT_ERR,
	SC_TXN_EV_COUNT,
};

/* Actions: what the caller must do after an event (bit set). 0: nothing. */
#define SC_TXN_A_SEND		0x0001	/* send the response/request the TU asked for */
#define SC_TXN_A_RESEND_LAST	0x0002	/* retransmit the last response sent (last_status) */
#define SC_TXN_A_SEND_487	0x0004	/* send 487 on the INVITE transaction (9.2) */
#define SC_TXN_A_CANCEL_200	0x0008	/* answer the CANCEL with 200 (9.2) */
#define SC_TXN_A_FORWARD	0x0010	/* pass the response to the TU / upstream */
#define SC_TXN_A_SEND_CANCEL	0x0020	/* send our CANCEL downstream now (9.1) */
#define SC_TXN_A_SEND_ACK	0x0040	/* ACK the 300-699 final (17.1.1.3) */
#define SC_TXN_A_ARM_GH		0x0080	/* owner: arm Timer G (UDP) and Timer H */
#define SC_TXN_A_ARM_I		0x0100	/* owner: cancel G/H, arm Timer I */
#define SC_TXN_A_ARM_D		0x0200	/* owner: cancel A/B, arm Timer D */
#define SC_TXN_A_ARM_CANCEL	0x0400	/* owner: arm the 64*T1 CANCEL guard */
#define SC_TXN_A_DESTROY	0x0800	/* owner: cancel timers, sc_txn_delete() */
#define SC_TXN_A_REFUSE		0x1000	/* the event is not allowed in this state */
#define SC_TXN_A_ABSORB		0x2000	/* the message is absorbed, nothing to send */

/*
 * Pure transition: the word after `ev` hits `word`, and the actions in *actions.
 * Unknown or refused events return `word` unchanged. No side effects.
 */
uint32_t sc_txn_step(uint32_t word, enum sc_txn_event ev, unsigned *actions);

/*
 * Apply `ev` to rec atomically (CAS loop over sc_txn_step()), from any thread.
 * Returns the actions; exactly one of several racing threads gets an action such
 * as SC_TXN_A_SEND_487 or SC_TXN_A_SEND for a final. `thread_id` picks the
 * counters for CAS retries. On success *old_word/new_word (may be NULL) hold the
 * word before and after.
 */
unsigned sc_txn_event(struct sc_txn_table *t, unsigned thread_id, struct sc_txn_rec *rec,
		      enum sc_txn_event ev, uint32_t *old_word, uint32_t *new_word);

/* Load the state word (acquire). */
static inline uint32_t
sc_txn_load_state(const struct sc_txn_rec *rec)
{
	return __atomic_load_n(&rec->state, __ATOMIC_ACQUIRE);
}

/*
 * Raw CAS on the state word: replace *expected by desired (sequence bumped
 * automatically). Returns true on success; on failure *expected holds the current
 * word.
 */
bool sc_txn_cas_state(struct sc_txn_rec *rec, uint32_t *expected, uint32_t desired);

/* Name of a state / event, for logs and tests. Never NULL. */
const char *sc_txn_state_name(enum sc_txn_state s);
const char *sc_txn_event_name(enum sc_txn_event ev);

#ifdef __cplusplus
}
#endif

#endif /* SC_TXN_H */
