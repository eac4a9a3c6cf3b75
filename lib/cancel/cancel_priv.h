/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/cancel: the context shared by the UAS role (sc_cancel.c) and the
 * proxy role (sc_proxy.c), and the helpers both use. Not installed, not for app/.
 */
#ifndef CANCEL_PRIV_H
#define CANCEL_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_cancel.h"
#include "sc_txn.h"

/* Messages per bulk lookup; a larger burst is handled in chunks. */
#define BURST_CHUNK	32
#define SCRATCH_LEN	4096
#define TAG_HEX		16	/* 64 random bits: 19.3 asks for at least 32 */
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
	bool inserted;			/* an insert happened since the bulk lookup */
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

/* A record's state word: state in the low byte, flags above (both roles). */
static inline uint32_t
state_word(enum sc_txn_state s, unsigned flags)
{
	return (uint32_t)s | (flags << 8);
}

/* Owner: stop every timer of the record. */
static inline void
sc_cancel_disarm_all(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	unsigned i;

	for (i = 0; i < SC_TXN_NTIMERS; i++)
		sc_timer_cancel(ctx->wheel, &rec->timers[i]);
}

/* Count a sent response by class and code. */
void sc_cancel_count_tx(struct sc_cancel_ctx *ctx, unsigned status);

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

/* CAS the state word (see sc_cancel.c). True when this thread made the change. */
bool sc_cancel_transition(struct sc_txn_rec *rec, unsigned from_mask, unsigned forbid,
			  enum sc_txn_state to, unsigned add, uint32_t *seen);

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
