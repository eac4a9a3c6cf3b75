/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/cancel: the context shared by the UAS role (sc_cancel.c) and the
 * proxy role (sc_proxy.c), and the helpers both use. Not installed, not for app/.
 */
#ifndef CANCEL_PRIV_H
#define CANCEL_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "sc_cancel.h"
#include "sc_px_branch.h"
#include "sc_txn.h"

/* Messages per bulk lookup; a larger burst is handled in chunks. */
#define BURST_CHUNK	32
#define SCRATCH_LEN	4096
#define UNSUPPORTED_MAX	1536	/* a 420's Unsupported line; the rest of SCRATCH_LEN is
				 * the response's other lines */
/* Inserts remembered per chunk: an INVITE record and a dialog record per message. */
#define INS_MAX		(2 * BURST_CHUNK)
#define TAG_HEX		16	/* 64 random bits: 19.3 asks for at least 32 */
_Static_assert(TAG_HEX == 16, "tags are written by sc_cancel_put_hex16");
#define S(x)		(1u << (x))
#define SRC_IP_LEN	64	/* cfg.path_source text: an IPv6 address fits */
/* A string literal as a struct sc_str (its length known at compile time). */
#define CSTR(lit)	((struct sc_str){ (lit), sizeof(lit) - 1 })

/* Proxy: forwarded INVITEs kept for Timer A (17.1.1.2), owner-private slots. */
struct sc_proxy_store {
	uint32_t n;
	uint32_t slot_len;
	uint32_t n_free;
	uint32_t *free;			/* stack of free slot indexes */
	uint32_t *len;			/* bytes in each slot */
	char *buf;			/* n * slot_len */
};

/*
 * Proxy: the last cfg.path_local answer for one use (the next hop's path, the
 * request's source path), so a burst to the same hop formats its address once.
 */
#define LOCAL_LEN	80	/* "[IPv6]:port" fits */
enum {
	LOCAL_NEXT = 0,		/* sent-by of our Via (18.1.1) */
	LOCAL_IN,		/* where a request came in: Route check (16.4) */
	LOCAL_N,
};

struct sc_local_memo {
	uint64_t path[SC_TXN_REPLY_PATH_LEN / sizeof(uint64_t)];
	char sent_by[LOCAL_LEN];
	uint8_t len;			/* 0: empty */
};

struct sc_cancel_ctx {
	struct sc_cancel_cfg cfg;
	struct sc_txn_table *table;
	struct sc_timer_wheel *wheel;
	const struct sc_clock *clock;
	unsigned owner;
	unsigned n_rings;
	struct rte_ring **rings;
	struct sc_cancel_sink sink;
	uint64_t rng;
	/*
	 * Digests of the records this context inserted since the chunk's bulk lookup
	 * (n_ins may exceed INS_MAX: then every miss is looked up again).
	 */
	unsigned n_ins;
	uint64_t ins[INS_MAX][SC_TXN_DIGEST_LEN / sizeof(uint64_t)];
	struct sc_cancel_counters cnt;
	struct sc_proxy_store store;	/* proxy role only */
	/* proxy: the record's next-hop path copied out of its (unaligned) forward area */
	uint64_t path_buf[SC_TXN_REPLY_PATH_LEN / sizeof(uint64_t)];
	struct sc_local_memo local[LOCAL_N];
	struct sc_txn_key tmp_key;	/* outside the burst's key array */
	struct sc_txn_key keys[2 * BURST_CHUNK];
	struct sc_txn_rec *found[2 * BURST_CHUNK];
	char scratch[SCRATCH_LEN];
	char block[SCRATCH_LEN];	/* response header block being built */
	char fwd[SCRATCH_LEN];		/* proxy: request or response being relayed */
};

static inline void
cnt(struct sc_cancel_ctx *ctx, enum sc_cancel_counter c)
{
	ctx->cnt.v[c]++;
}

static inline uint64_t
now_us(const struct sc_cancel_ctx *ctx)
{
	return sc_clock_now_us(ctx->clock);
}

/* CAS the state word (see sc_cancel.c). True when this thread made the change. */
bool sc_cancel_transition(struct sc_txn_rec *rec, unsigned from_mask, unsigned forbid,
			  enum sc_txn_state to, unsigned add, uint32_t *seen);

/* A record's state word: state in the low byte, flags above (both roles). */
static inline uint32_t
state_word(enum sc_txn_state s, unsigned flags)
{
	return (uint32_t)s | (flags << 8);
}

/*
 * Both roles keep a record's retransmission timer (17.2.1 Timer G; UAS 180 delay and
 * 2xx repeats; proxy Timer A and E) and its lifetime timer (Timer H, I, B, C, ...) in
 * the same two slots.
 */
enum {
	TIM_SEND = 0,
	TIM_LIFE = 1,
};

/* The record whose timer `which` (TIM_SEND, TIM_LIFE: a constant) fired. */
#define TIMER_REC(tim, which)	container_of((tim), struct sc_txn_rec, timers[which])

/* The record's state, read once (what a timer callback looks at first). */
static inline enum sc_txn_state
rec_state(const struct sc_txn_rec *rec)
{
	return sc_txn_state_of(sc_txn_load_state(rec));
}

/* Owner: stop every timer of the record. */
static inline void
sc_cancel_disarm_all(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	unsigned i;

	for (i = 0; i < SC_TXN_NTIMERS; i++)
		sc_timer_cancel(ctx->wheel, &rec->timers[i]);
}

/*
 * Owner: the record's life is over; it leaves the table after a grace period. The
 * state goes to Terminated first so late events (a stale ring post) do nothing.
 */
static inline void
sc_cancel_destroy(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	uint32_t w = sc_txn_load_state(rec);

	sc_cancel_disarm_all(ctx, rec);
	while (sc_txn_state_of(w) != SC_TXN_TERMINATED &&
	       !sc_txn_cas_state(rec, &w, state_word(SC_TXN_TERMINATED, sc_txn_flags_of(w))))
		;
	if (sc_txn_delete(ctx->table, rec) == 0)
		cnt(ctx, SC_CANCEL_C_RECORDS_FREED);
}

/* A chunk starts: its bulk lookup saw every record inserted before it. */
static inline void
sc_cancel_ins_reset(struct sc_cancel_ctx *ctx)
{
	ctx->n_ins = 0;
}

/* rec was inserted by this context after the chunk's bulk lookup. */
static inline void
sc_cancel_ins_note(struct sc_cancel_ctx *ctx, const struct sc_txn_rec *rec)
{
	if (ctx->n_ins < INS_MAX)
		memcpy(ctx->ins[ctx->n_ins], rec->digest, SC_TXN_DIGEST_LEN);
	ctx->n_ins++;
}

/*
 * Can key, which missed in the chunk's bulk lookup, hit now? Only when this context
 * inserted a record with its digest since (an INVITE and its CANCEL or ACK, or a
 * retransmission, in one burst): then the caller looks it up again. A record
 * another core inserts meanwhile is that core's race, settled by the insert (the
 * loser finds the winner) as it would be a moment before the bulk lookup. The key
 * is hashed (the bulk lookup did it).
 */
static inline bool
sc_cancel_ins_maybe(const struct sc_cancel_ctx *ctx, const struct sc_txn_key *key)
{
	uint64_t d[SC_TXN_DIGEST_LEN / sizeof(uint64_t)];
	unsigned i;

	if (ctx->n_ins == 0)
		return false;
	if (ctx->n_ins > INS_MAX || !key->hashed)
		return true;
	memcpy(d, key->digest, sizeof(d));
	for (i = 0; i < ctx->n_ins; i++)
		if (((ctx->ins[i][0] ^ d[0]) | (ctx->ins[i][1] ^ d[1])) == 0)
			return true;
	return false;
}

/*
 * Insert rec, filled by the caller, under key, which has just missed a lookup (the
 * chunk's bulk lookup, or the look again after an insert of this chunk). Returns 0
 * (counted). Else rec is freed and *other is the record another core inserted first
 * under the same key (the request's retransmission won the race), or NULL (counted
 * insert_fail).
 */
static inline int
sc_cancel_insert(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, struct sc_txn_key *key,
		 struct sc_txn_rec **other)
{
	int rc = sc_txn_insert_missed(ctx->table, rec);

	*other = NULL;
	if (rc != 0) {
		sc_txn_free(ctx->table, rec);
		if (rc == -EEXIST)
			*other = sc_txn_lookup(ctx->table, ctx->owner, key);
		if (*other == NULL)
			cnt(ctx, SC_CANCEL_C_INSERT_FAIL);
		else
			/* A CANCEL or ACK later in the chunk missed it in the bulk lookup too. */
			sc_cancel_ins_note(ctx, *other);
		return rc;
	}
	sc_cancel_ins_note(ctx, rec);
	cnt(ctx, SC_CANCEL_C_RECORDS_CREATED);
	return 0;
}

/* 17.2.1 Timer G (also 17.1.2.2 Timer E, 13.3.1.4 2xx repeats): doubled, capped at T2. */
static inline uint64_t
sc_cancel_next_interval(const struct sc_cancel_ctx *ctx, uint64_t cur)
{
	uint64_t n = 2 * cur;

	return n < ctx->cfg.t2_us ? n : ctx->cfg.t2_us;
}

/*
 * Timer H fired (17.2.1): no ACK came for the final. Completed -> Terminated by CAS,
 * so an ACK racing in on another core wins. True (counted) when the caller is to
 * destroy the record.
 */
static inline bool
sc_cancel_timer_h(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec,
		  enum sc_txn_state completed)
{
	if (!sc_cancel_transition(rec, 1u << completed, 0, SC_TXN_TERMINATED, 0, NULL))
		return false;
	cnt(ctx, SC_CANCEL_C_TIMER_H_EXPIRED);
	return true;
}

/* The last response status of the record (any core reads it). */
static inline unsigned
rec_last_status(const struct sc_txn_rec *rec)
{
	return __atomic_load_n(&rec->last_status, __ATOMIC_ACQUIRE);
}

static inline void
rec_set_last_status(struct sc_txn_rec *rec, unsigned status)
{
	__atomic_store_n(&rec->last_status, (uint16_t)status, __ATOMIC_RELEASE);
}

/* Store a provisional as the last response only while no final was stored. */
static inline void
rec_set_last_provisional(struct sc_txn_rec *rec, unsigned status)
{
	uint16_t cur = __atomic_load_n(&rec->last_status, __ATOMIC_ACQUIRE);

	while (cur < 200 &&
	       !__atomic_compare_exchange_n(&rec->last_status, &cur, (uint16_t)status, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

/* The To tag stored in the record (len 0: none yet). */
static inline struct sc_str
rec_to_tag(const struct sc_txn_rec *rec)
{
	struct sc_str s = { rec->to_tag, rec->to_tag_len };

	return s;
}

/* A request's verdict after sending its answer or forward. */
static inline uint8_t
sent_verdict(bool sent)
{
	return sent ? SC_CANCEL_V_RESPONDED : SC_CANCEL_V_DROPPED;
}

/* Add delta to a received request's rx_* counter by method (both roles). */
static inline void
sc_cancel_count_rx_by(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m, int64_t delta)
{
	enum sc_cancel_counter c;

	switch (m->method) {
	case SC_METHOD_INVITE: c = SC_CANCEL_C_RX_INVITE; break;
	case SC_METHOD_ACK: c = SC_CANCEL_C_RX_ACK; break;
	case SC_METHOD_CANCEL: c = SC_CANCEL_C_RX_CANCEL; break;
	case SC_METHOD_BYE: c = SC_CANCEL_C_RX_BYE; break;
	case SC_METHOD_OPTIONS: c = SC_CANCEL_C_RX_OPTIONS; break;
	case SC_METHOD_EXTENSION: c = SC_CANCEL_C_RX_UNKNOWN; break;
	default: c = SC_CANCEL_C_RX_OTHER; break;
	}
	ctx->cnt.v[c] += (uint64_t)delta;
}

/* Count a received request by method (both roles' rx_* counters). */
static inline void
sc_cancel_count_rx(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m)
{
	sc_cancel_count_rx_by(ctx, m, 1);
}

/* FNV-1a constants (the stateless To tag). */
#define FNV_PRIME	0x100000001b3ULL
#define FNV_BASIS	0xcbf29ce484222325ULL

/* Count a sent response by class and code. */
void sc_cancel_count_tx(struct sc_cancel_ctx *ctx, unsigned status);

/*
 * Where the request on path came from, for its top Via (18.2.1, RFC 3581 section 4),
 * via cfg.path_source. ip[] holds the text. False when unknown.
 */
bool sc_cancel_req_src(const struct sc_cancel_ctx *ctx, const void *path,
		       struct sc_sip_src *src, char ip[SRC_IP_LEN]);

/* Hand ctx->scratch[0..len) to the sink (len < 0: a build failure). True when sent. */
bool sc_cancel_emit(struct sc_cancel_ctx *ctx, const void *path, int len, unsigned status);

/* A fresh random To tag, TAG_HEX hex digits, NUL-terminated. */
void sc_cancel_new_tag(struct sc_cancel_ctx *ctx, char tag[TAG_HEX + 1]);

/*
 * A response to the request at hand (8.2.6), to_tag NULL: a fresh one when needed;
 * extra: header lines (CRLF-terminated) or NULL.
 */
bool sc_cancel_respond(struct sc_cancel_ctx *ctx, const struct sc_cancel_in *in,
		       unsigned status, const struct sc_str *to_tag, const struct sc_str *extra);

/* To tag of a stateless response, the same for a retransmitted request. */
struct sc_str sc_cancel_stateless_tag(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m,
				      char tag[TAG_HEX + 1]);

/* A stateless response; sets in->verdict. */
void sc_cancel_respond_stateless(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in,
				 unsigned status, const struct sc_str *extra);

/*
 * 420 Bad Extension (8.2.2.3, 16.3 item 6), stateless, with every tag of the
 * request's Require or Proxy-Require listed in Unsupported (as many whole tags as
 * fit UNSUPPORTED_MAX octets); sets in->verdict.
 */
void sc_cancel_respond_420(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in,
			   enum sc_sip_list which);


/* Ask the record's owner to reconcile its timers; at once when that is us. */
void sc_cancel_notify_owner(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec);

/* ---- proxy role (sc_proxy.c) ---- */

/* Handle up to BURST_CHUNK messages in the proxy role. */
void sc_proxy_handle_chunk(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, unsigned n);

/* Owner: arm what the record's state needs (idempotent). */
void sc_proxy_reconcile(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec);

/* Allocate / free the Timer A store. Returns 0 or -ENOMEM. */
int sc_proxy_store_init(struct sc_cancel_ctx *ctx);
void sc_proxy_store_free(struct sc_cancel_ctx *ctx);

#endif /* CANCEL_PRIV_H */
