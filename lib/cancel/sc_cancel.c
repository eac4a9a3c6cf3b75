/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UAS role (RFC 3261 sections 8.2, 9.2, 13.3.1.4, 17.2.1, 17.2.3) over lib/txn.
 *
 * Records. An INVITE creates an INVITE server transaction record keyed per 17.2.3
 * (sc_txn_key_server). It holds the rendered response header block (with our To
 * tag, 8.2.6.2), the reply path and two timers:
 *   timers[TIM_SEND]  Proceeding: the 180 delay; Completed: Timer G (17.2.1);
 *                     dialog record: 2xx retransmission (13.3.1.4)
 *   timers[TIM_LIFE]  Proceeding: final delay or ring timeout; Completed: Timer H;
 *                     Confirmed: Timer I; after a 2xx: 64*T1 (RFC 6026 Timer L);
 *                     dialog record: 64*T1 without ACK, hold after ACK, Timer J
 *                     after BYE.
 * A 2xx ends the INVITE server transaction (17.2.1) but the UAS core must go on
 * retransmitting the 2xx until the ACK (13.3.1.4). That ACK has a new branch
 * (17.1.1.3, 13.2.2.4), so it is a transaction of its own and matches nothing in
 * 17.2.3: it is matched to the dialog instead. So a 2xx creates a second record, the
 * dialog record, keyed by Call-ID, From tag and our To tag (12: the dialog ID); the
 * ACK must also carry the INVITE's CSeq number (13.2.2.4). The same record answers
 * a BYE with 200 (15.1.2) while it is remembered. The INVITE record stays 64*T1 in
 * the table (RFC 6026 "Accepted") so an INVITE retransmission is not a new call.
 *
 * State changes: every change of the state word is a CAS (sc_txn_cas_state), so
 * when cores race (CANCEL on core B, the final timer on owner A), one wins and only
 * the winner sends. Timers are the owner's: a non-owner that changed a state posts
 * the record to the owner's ring; the owner's reconcile() looks at the state word
 * and arms the timers that state needs. reconcile() is idempotent and is also run
 * by every timer callback, so a lost post only delays the timer work, and a stale
 * post for a record since freed and reused does nothing wrong.
 *
 * Known race: the owner's 180 and a CANCEL's 487 on another core can leave in
 * either order when they happen in the same microsecond; the state stays right
 * (Completed, 487 retransmitted) and the UAC ignores a 180 after a final (17.1.1.2).
 *
 * State x event (UAS, INVITE record; "+F" = SC_TXN_F_FINAL_SENT):
 *   Proceeding, ring timer       -> Proceeding +PROV_SENT, send 180
 *   Proceeding, final timer      -> Completed +F (3xx-6xx) send final, arm G/H
 *                                -> Terminated +F (2xx) send 2xx, dialog record, arm L
 *   Proceeding, CANCEL           -> Completed +F +CANCELLED, 200 to CANCEL, 487, G/H
 *   Proceeding, INVITE retrans   -> resend last provisional (17.2.1)
 *   Completed, INVITE retrans    -> resend the final (17.2.1)
 *   Completed, Timer G           -> resend final, G = min(2G, T2)
 *   Completed, ACK               -> Confirmed, cancel G/H, arm I
 *   Completed, Timer H           -> Terminated, delete (counted)
 *   Confirmed, ACK/INVITE        -> absorbed
 *   Confirmed, Timer I           -> Terminated, delete
 *   Terminated(2xx), INVITE      -> resend the 2xx (13.3.1.4: the TU retransmits)
 *   Terminated(2xx), Timer L     -> delete
 *   any with final, CANCEL       -> 200 to CANCEL, no effect (9.2)
 * Dialog record: Completed = 2xx sent, waiting for ACK; Confirmed = ACK received;
 * Terminated = BYE answered (kept for Timer J so BYE retransmissions get 200).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ring.h>
/* Inline XXH3 (stateless tags): the fields are short, a call costs as much as the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "cancel_priv.h"
#include "sc_cancel.h"
#include "sc_copy.h"
#include "sc_txn.h"

#define ALLOW_HDR	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"

/* Our key kind for dialog records; past lib/txn's kinds so keys never compare equal. */
#define KEY_DIALOG	0x40

/*
 * user[0] bit 8: a CANCEL was answered 200 after the INVITE's final. Its own server
 * transaction (17.2.2) must answer retransmissions for Timer J, so the owner keeps
 * the record 64*T1 from then (reconcile()).
 */
#define U_CANCEL_LATE	(1ULL << 8)
#define U_LATE_HELD	(1ULL << 9)	/* owner: the record was kept for it */

/* Owner-private phase of a record, in rec->user[0] bits 0-7. */
enum phase {
	PH_RINGING = 1,		/* INVITE: Proceeding timers armed */
	PH_G,			/* INVITE: Timer G/H armed */
	PH_I,			/* INVITE: Timer I armed */
	PH_ACCEPTED,		/* INVITE: 2xx sent, Timer L armed */
	PH_D_WAIT_ACK,		/* dialog: retransmitting the 2xx */
	PH_D_EST,		/* dialog: ACKed, hold timer */
	PH_D_CLOSED,		/* dialog: BYE answered, Timer J */
};


static const char *const counter_names[SC_CANCEL_C_COUNT] = {
#define SC_X_NAME(name, text) text,
	SC_CANCEL_COUNTERS(SC_X_NAME)
#undef SC_X_NAME
};

const char *
sc_cancel_counter_name(unsigned i)
{
	return i < SC_CANCEL_C_COUNT ? counter_names[i] : NULL;
}

void
sc_cancel_cfg_defaults(struct sc_cancel_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->role = SC_CANCEL_ROLE_UAS;
	cfg->t1_us = SC_TIMER_RFC_T1_US;
	cfg->t2_us = SC_TIMER_RFC_T2_US;
	cfg->t4_us = SC_TIMER_RFC_T4_US;
	cfg->ring_delay_us = 0;
	cfg->final_delay_us = 0;
	cfg->final_code = 0;
	cfg->ring_timeout_us = 180000000ULL;
	cfg->ring_timeout_code = 480;
	cfg->retry_after_s = 5;
	cfg->dialog_hold_us = 64 * SC_TIMER_RFC_T1_US;
	cfg->path_len = SC_TXN_REPLY_PATH_LEN;
	cfg->seed = 0;
	cfg->timer_c_us = 181000000ULL;
	cfg->cancel_same_source = false;
	cfg->retrans_slots = 1024;
	cfg->path_local = NULL;
}

/* splitmix64: cheap, and every 64-bit state gives a distinct output. */
static uint64_t
rng_next(struct sc_cancel_ctx *ctx)
{
	uint64_t z = (ctx->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A fresh To tag (8.2.6.2, 19.3): TAG_HEX hex digits into tag[], NUL-terminated. */
void
sc_cancel_new_tag(struct sc_cancel_ctx *ctx, char tag[TAG_HEX + 1])
{
	sc_cancel_put_hex16(tag, rng_next(ctx));
	tag[TAG_HEX] = '\0';
}

void
sc_cancel_count_tx(struct sc_cancel_ctx *ctx, unsigned status)
{
	unsigned cls = status / 100;

	if (cls >= 1 && cls <= 6)
		cnt(ctx, (enum sc_cancel_counter)(SC_CANCEL_C_TX_1XX + cls - 1));
	switch (status) {
	case 100: cnt(ctx, SC_CANCEL_C_TX_100); break;
	case 180: cnt(ctx, SC_CANCEL_C_TX_180); break;
	case 200: cnt(ctx, SC_CANCEL_C_TX_200); break;
	case 400: cnt(ctx, SC_CANCEL_C_TX_400); break;
	case 405: cnt(ctx, SC_CANCEL_C_TX_405); break;
	case 408: cnt(ctx, SC_CANCEL_C_TX_408); break;
	case 420: cnt(ctx, SC_CANCEL_C_TX_420); break;
	case 480: cnt(ctx, SC_CANCEL_C_TX_480); break;
	case 481: cnt(ctx, SC_CANCEL_C_TX_481); break;
	case 483: cnt(ctx, SC_CANCEL_C_TX_483); break;
	case 486: cnt(ctx, SC_CANCEL_C_TX_486); break;
	case 487: cnt(ctx, SC_CANCEL_C_TX_487); break;
	case 501: cnt(ctx, SC_CANCEL_C_TX_501); break;
	case 503: cnt(ctx, SC_CANCEL_C_TX_503); break;
	case 505: cnt(ctx, SC_CANCEL_C_TX_505); break;
	case 513: cnt(ctx, SC_CANCEL_C_TX_513); break;
	default: break;
	}
}

/* Hand ctx->scratch[0..len) to the sink. Returns true when sent. */
bool
sc_cancel_emit(struct sc_cancel_ctx *ctx, const void *path, int len, unsigned status)
{
	if (len < 0) {
		cnt(ctx, SC_CANCEL_C_TX_BUILD_FAIL);
		return false;
	}
	if (ctx->sink.send(ctx->sink.sink_ctx, path, ctx->scratch, (uint32_t)len) != 0) {
		cnt(ctx, SC_CANCEL_C_TX_SINK_FAIL);
		return false;
	}
	sc_cancel_count_tx(ctx, status);
	return true;
}

bool
sc_cancel_req_src(const struct sc_cancel_ctx *ctx, const void *path, struct sc_sip_src *src,
		  char ip[SRC_IP_LEN])
{
	int rc;

	if (ctx->cfg.path_source == NULL || path == NULL)
		return false;
	rc = ctx->cfg.path_source(path, ip, SRC_IP_LEN, &src->port);
	if (rc < 0 || rc >= SRC_IP_LEN)
		return false;
	src->ip.p = ip;
	/* 0: an older callback that only NUL-terminates the text. */
	src->ip.len = rc > 0 ? (uint32_t)rc : (uint32_t)strnlen(ip, SRC_IP_LEN);
	return src->ip.len > 0 && src->ip.len < SRC_IP_LEN;
}

/*
 * The response header block for req into ctx->block (8.2.6.2), with the top Via
 * completed per 18.2.1 and RFC 3581 section 4 when the app tells the source.
 * Returns the length or a negative errno.
 */
static int
build_block(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *req, const void *path,
	    const struct sc_str *to_tag)
{
	struct sc_sip_src src;
	char ip[SRC_IP_LEN];

	return sc_sip_build_resp_headers_src(ctx->block, sizeof(ctx->block), req, to_tag,
					     sc_cancel_req_src(ctx, path, &src, ip) ? &src : NULL);
}

/* A response to the request at hand, built from it straight into scratch (8.2.6). */
bool
sc_cancel_respond(struct sc_cancel_ctx *ctx, const struct sc_cancel_in *in, unsigned status,
		  const struct sc_str *to_tag, const struct sc_str *extra)
{
	struct sc_str fresh;
	struct sc_sip_src src;
	char tag[TAG_HEX + 1], ip[SRC_IP_LEN];
	bool have_src;
	int len;

	/* 8.2.6.2: a UAS adds a To tag unless the request already had one. */
	if (to_tag == NULL && in->msg->to.tag.len == 0) {
		sc_cancel_new_tag(ctx, tag);
		fresh.p = tag;
		fresh.len = TAG_HEX;
		to_tag = &fresh;
	}
	have_src = sc_cancel_req_src(ctx, in->path, &src, ip);
	len = sc_sip_build_response_src(ctx->scratch, sizeof(ctx->scratch), in->msg, status,
					to_tag, have_src ? &src : NULL, extra);
	return sc_cancel_emit(ctx, in->path, len, status);
}

static struct sc_str answer_contact(const struct sc_txn_rec *rec);

/* A response of the transaction in rec, from its stored header block. */
static bool
respond_rec(struct sc_cancel_ctx *ctx, const struct sc_txn_rec *rec, unsigned status)
{
	struct sc_str parts[2] = { { NULL, 0 }, { NULL, 0 } };
	size_t blen;
	int len;

	parts[0].p = sc_txn_rec_resp_hdr(rec, &blen);
	parts[0].len = (uint32_t)blen;
	if (status >= 200 && status < 300)
		parts[1] = answer_contact(rec);
	len = sc_sip_build_response_parts(ctx->scratch, sizeof(ctx->scratch), status, parts, 2);
	return sc_cancel_emit(ctx, rec->reply_path, len, status);
}

/*
 * CAS the state word from a state in `from_mask` (bit per enum sc_txn_state) whose
 * flags have none of `forbid`, to state `to` with `add` flags added. Returns true
 * when this thread made the change; *seen holds the word it last saw.
 */
bool
sc_cancel_transition(struct sc_txn_rec *rec, unsigned from_mask, unsigned forbid,
		     enum sc_txn_state to, unsigned add, uint32_t *seen)
{
	uint32_t w = sc_txn_load_state(rec);

	for (;;) {
		unsigned f = sc_txn_flags_of(w);

		if ((from_mask & (1u << sc_txn_state_of(w))) == 0 || (f & forbid) != 0 ||
		    (f & SC_TXN_F_DEAD) != 0) {
			if (seen != NULL)
				*seen = w;
			return false;
		}
		if (sc_txn_cas_state(rec, &w, state_word(to, f | add))) {
			if (seen != NULL)
				*seen = w;
			return true;
		}
	}
}


/*
 * user[0]: bits 0-7 the phase (owner only), bits 32-63 the INVITE's CSeq number
 * (fixed at insert, read by any core). Atomic accesses: the word is shared.
 */
static inline unsigned
rec_phase(const struct sc_txn_rec *rec)
{
	return (unsigned)(__atomic_load_n(&rec->user[0], __ATOMIC_RELAXED) & 0xff);
}

/* A CAS: bit U_CANCEL_LATE is set by any core (see handle_cancel()). */
static inline void
set_phase(struct sc_txn_rec *rec, unsigned ph)
{
	uint64_t u = __atomic_load_n(&rec->user[0], __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&rec->user[0], &u, (u & ~0xffULL) | ph, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static inline uint32_t
rec_cseq(const struct sc_txn_rec *rec)
{
	return (uint32_t)(__atomic_load_n(&rec->user[0], __ATOMIC_RELAXED) >> 32);
}

static inline bool
is_dialog(const struct sc_txn_rec *rec)
{
	return rec->key_kind == KEY_DIALOG;
}

static void tim_send_cb(struct sc_timer *tim, void *arg);
static void tim_life_cb(struct sc_timer *tim, void *arg);

static void
arm(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, unsigned which, uint64_t delay_us)
{
	sc_timer_arm(ctx->wheel, &rec->timers[which], now_us(ctx) + delay_us,
		     which == TIM_SEND ? tim_send_cb : tim_life_cb, ctx);
}

/*
 * Owner: arm what the current state needs, if not armed yet (see the file comment).
 * Idempotent: run after every state change, by any core's post and by every timer.
 */
static void
reconcile(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	uint32_t w = sc_txn_load_state(rec);
	enum sc_txn_state s = sc_txn_state_of(w);
	unsigned ph = rec_phase(rec);

	if (ctx->cfg.role == SC_CANCEL_ROLE_PROXY) {
		sc_proxy_reconcile(ctx, rec);
		return;
	}
	if ((sc_txn_flags_of(w) & SC_TXN_F_DEAD) != 0 || s == SC_TXN_FREE)
		return;
	if (is_dialog(rec)) {
		if (s == SC_TXN_SRV_CONFIRMED && ph == PH_D_WAIT_ACK) {
			sc_timer_cancel(ctx->wheel, &rec->timers[TIM_SEND]);
			arm(ctx, rec, TIM_LIFE, ctx->cfg.dialog_hold_us);
			set_phase(rec, PH_D_EST);
		} else if (s == SC_TXN_TERMINATED && ph != PH_D_CLOSED) {
			/* Timer J (17.2.2): absorb BYE retransmissions for 64*T1. */
			sc_timer_cancel(ctx->wheel, &rec->timers[TIM_SEND]);
			arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
			set_phase(rec, PH_D_CLOSED);
		}
		return;
	}
	if (s == SC_TXN_SRV_COMPLETED && ph == PH_RINGING) {
		/* 17.2.1: Timer G = T1 (unreliable transport), Timer H = 64*T1. */
		rec->user[1] = ctx->cfg.t1_us;
		arm(ctx, rec, TIM_SEND, ctx->cfg.t1_us);
		arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
		set_phase(rec, PH_G);
	} else if (s == SC_TXN_SRV_CONFIRMED && (ph == PH_RINGING || ph == PH_G)) {
		/*
		 * 17.2.1: Confirmed cancels G, Timer I = T4 for UDP. A record whose
		 * INVITE was cancelled also answers that CANCEL's retransmissions: its
		 * server transaction lasts Timer J = 64*T1 (17.2.2), which began before
		 * this ACK, so the record stays that long instead.
		 */
		bool j = (sc_txn_flags_of(w) & SC_TXN_F_CANCELLED) != 0 ||
			 (__atomic_load_n(&rec->user[0], __ATOMIC_ACQUIRE) & U_CANCEL_LATE) != 0;

		sc_timer_cancel(ctx->wheel, &rec->timers[TIM_SEND]);
		arm(ctx, rec, TIM_LIFE, j ? 64 * ctx->cfg.t1_us : ctx->cfg.t4_us);
		set_phase(rec, PH_I);
	}
	if ((__atomic_load_n(&rec->user[0], __ATOMIC_ACQUIRE) &
	     (U_CANCEL_LATE | U_LATE_HELD)) == U_CANCEL_LATE &&
	    (s == SC_TXN_SRV_COMPLETED || s == SC_TXN_SRV_CONFIRMED || s == SC_TXN_TERMINATED)) {
		/* A CANCEL answered after the final: Timer J (17.2.2) from its first 200. */
		const struct sc_timer *life = &rec->timers[TIM_LIFE];

		/* Only ever later: Timer H, I or L may already end after that. */
		if (sc_timer_is_armed(life) &&
		    life->expire_tick * sc_timer_wheel_tick_us(ctx->wheel) <
		    now_us(ctx) + 64 * ctx->cfg.t1_us)
			arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
		__atomic_fetch_or(&rec->user[0], U_LATE_HELD, __ATOMIC_RELAXED);
	}
}

/* Ask the record's owner to reconcile it; done at once when that is us. */
void
sc_cancel_notify_owner(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	unsigned owner = rec->owner;
	uint64_t ev;

	if (owner == ctx->owner) {
		reconcile(ctx, rec);
		return;
	}
	/*
	 * Elements go through uint64_t on both sides: rte_ring copies them as 64-bit
	 * words, and clang -O3 mis-orders a void * array filled that way (aliasing).
	 */
	ev = (uint64_t)(uintptr_t)rec;
	if (owner >= ctx->n_rings || ctx->rings[owner] == NULL ||
	    rte_ring_mp_enqueue_elem(ctx->rings[owner], &ev, sizeof(ev)) != 0) {
		/* The owner's own timers re-read the state and catch up. */
		cnt(ctx, SC_CANCEL_C_RING_FULL);
		return;
	}
	cnt(ctx, SC_CANCEL_C_RING_POSTED);
}

/* ---- dialog records (2xx) ------------------------------------------------------ */

/* Dialog ID (12): Call-ID, remote (From) tag, local (To) tag. Byte-exact. */
static int
key_dialog(const struct sc_str *call_id, const struct sc_str *from_tag,
	   const struct sc_str *to_tag, struct sc_txn_key *key)
{
	size_t n = (size_t)call_id->len + from_tag->len + to_tag->len + 2;
	char *p = key->buf;

	if (call_id->len == 0 || to_tag->len == 0)
		return -EINVAL;
	if (n > SC_TXN_KEY_MAX)
		return -E2BIG;
	sc_copy_short(p, call_id->p, call_id->len);
	p += call_id->len;
	*p++ = '\0';
	if (from_tag->len != 0)
		sc_copy_short(p, from_tag->p, from_tag->len);
	p += from_tag->len;
	*p++ = '\0';
	sc_copy_short(p, to_tag->p, to_tag->len);
	key->len = (uint16_t)n;
	key->tail_len = 0;
	key->kind = KEY_DIALOG;
	key->tail_match = SC_TXN_TAIL_STORED;
	key->hashed = 0;
	return 0;
}

/*
 * After a 2xx on the INVITE record: the dialog record retransmits it (13.3.1.4).
 * Its key was built when the INVITE was at hand and kept in the record's opaque
 * forward area (unused by the UAS role).
 */
static void
start_dialog(struct sc_cancel_ctx *ctx, struct sc_txn_rec *inv, unsigned status)
{
	struct sc_txn_key *key = &ctx->tmp_key;
	const char *block, *kb;
	size_t blen, klen, flen;
	uint16_t k16 = 0;
	struct sc_txn_rec *d;

	kb = sc_txn_rec_fwd(inv, &flen);
	if (flen >= sizeof(k16))
		memcpy(&k16, kb, sizeof(k16));
	klen = k16;
	if (flen < sizeof(k16) + klen || klen == 0 || klen > SC_TXN_KEY_MAX) {
		cnt(ctx, SC_CANCEL_C_INSERT_FAIL);
		return;
	}
	sc_copy_short(key->buf, kb + sizeof(k16), klen);
	key->len = (uint16_t)klen;
	key->tail_len = 0;
	key->kind = KEY_DIALOG;
	key->tail_match = SC_TXN_TAIL_STORED;
	key->hashed = 0;
	d = sc_txn_alloc(ctx->table, ctx->owner, key, SC_TXN_SRV_COMPLETED);
	if (d == NULL) {
		cnt(ctx, errno == ENOSPC ? SC_CANCEL_C_TABLE_FULL : SC_CANCEL_C_INSERT_FAIL);
		return;
	}
	block = sc_txn_rec_resp_hdr(inv, &blen);
	if (sc_txn_rec_set_resp_hdr(ctx->table, d, block, blen) != 0 ||
	    sc_txn_rec_set_fwd(ctx->table, d, kb, flen) != 0 ||
	    sc_txn_rec_set_to_tag(d, inv->to_tag, inv->to_tag_len) != 0) {
		sc_txn_free(ctx->table, d);
		cnt(ctx, SC_CANCEL_C_INSERT_FAIL);
		return;
	}
	memcpy(d->reply_path, inv->reply_path, sizeof(d->reply_path));
	d->user[0] = (inv->user[0] & ~0xffULL) | PH_D_WAIT_ACK;
	d->user[1] = ctx->cfg.t1_us;
	d->last_status = (uint16_t)status;
	if (sc_txn_insert(ctx->table, d) != 0) {
		sc_txn_free(ctx->table, d);
		cnt(ctx, SC_CANCEL_C_INSERT_FAIL);
		return;
	}
	sc_cancel_ins_note(ctx, d);
	cnt(ctx, SC_CANCEL_C_RECORDS_CREATED);
	arm(ctx, d, TIM_SEND, ctx->cfg.t1_us);
	arm(ctx, d, TIM_LIFE, 64 * ctx->cfg.t1_us);
}

/* ---- owner timers -------------------------------------------------------------- */

static void
send_180(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	if (!sc_cancel_transition(rec, S(SC_TXN_SRV_PROCEEDING),
				  SC_TXN_F_FINAL_SENT | SC_TXN_F_PROV_SENT,
				  SC_TXN_SRV_PROCEEDING, SC_TXN_F_PROV_SENT, NULL)) {
		reconcile(ctx, rec);
		return;
	}
	rec_set_last_provisional(rec, 180);
	respond_rec(ctx, rec, 180);
}

/*
 * Owner: the TU's final response (final delay or ring timeout). Competes by CAS
 * with a CANCEL on any core: only the winner sends (9.2, 17.2.1).
 */
static void
send_final(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, unsigned code)
{
	if (code >= 200 && code < 300) {
		/* 17.2.1: a 2xx terminates the server transaction; the TU carries on. */
		if (!sc_cancel_transition(rec, S(SC_TXN_SRV_PROCEEDING), SC_TXN_F_FINAL_SENT,
					  SC_TXN_TERMINATED, SC_TXN_F_FINAL_SENT, NULL)) {
			reconcile(ctx, rec);
			return;
		}
		rec_set_last_status(rec, code);
		respond_rec(ctx, rec, code);
		sc_timer_cancel(ctx->wheel, &rec->timers[TIM_SEND]);
		/* RFC 6026 Timer L: keep matching INVITE retransmissions for 64*T1. */
		arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
		set_phase(rec, PH_ACCEPTED);
		start_dialog(ctx, rec, code);
		return;
	}
	if (!sc_cancel_transition(rec, S(SC_TXN_SRV_PROCEEDING), SC_TXN_F_FINAL_SENT,
				  SC_TXN_SRV_COMPLETED, SC_TXN_F_FINAL_SENT, NULL)) {
		reconcile(ctx, rec);
		return;
	}
	rec_set_last_status(rec, code);
	respond_rec(ctx, rec, code);
	reconcile(ctx, rec);
}

static void
tim_send_cb(struct sc_timer *tim, void *arg)
{
	struct sc_cancel_ctx *ctx = arg;
	struct sc_txn_rec *rec = TIMER_REC(tim, TIM_SEND);
	enum sc_txn_state s = rec_state(rec);
	unsigned ph = rec_phase(rec);

	if (is_dialog(rec)) {
		if (s == SC_TXN_SRV_COMPLETED && ph == PH_D_WAIT_ACK) {
			respond_rec(ctx, rec, rec_last_status(rec));
			cnt(ctx, SC_CANCEL_C_RETRANS_2XX);
			rec->user[1] = sc_cancel_next_interval(ctx, rec->user[1]);
			arm(ctx, rec, TIM_SEND, rec->user[1]);
			return;
		}
		reconcile(ctx, rec);
		return;
	}
	if (s == SC_TXN_SRV_PROCEEDING && ph == PH_RINGING) {
		send_180(ctx, rec);
		return;
	}
	if (s == SC_TXN_SRV_COMPLETED && ph == PH_G) {
		respond_rec(ctx, rec, rec_last_status(rec));
		cnt(ctx, SC_CANCEL_C_TIMER_G_RETRANS);
		rec->user[1] = sc_cancel_next_interval(ctx, rec->user[1]);
		arm(ctx, rec, TIM_SEND, rec->user[1]);
		return;
	}
	reconcile(ctx, rec);
}

static void
tim_life_cb(struct sc_timer *tim, void *arg)
{
	struct sc_cancel_ctx *ctx = arg;
	struct sc_txn_rec *rec = TIMER_REC(tim, TIM_LIFE);
	enum sc_txn_state s = rec_state(rec);
	unsigned ph = rec_phase(rec);

	if (is_dialog(rec)) {
		if (s == SC_TXN_SRV_COMPLETED && ph == PH_D_WAIT_ACK) {
			/* 13.3.1.4: no ACK within 64*T1; the dialog is forgotten. */
			if (!sc_cancel_transition(rec, S(SC_TXN_SRV_COMPLETED), 0,
						  SC_TXN_TERMINATED, 0, NULL)) {
				reconcile(ctx, rec);
				return;
			}
			cnt(ctx, SC_CANCEL_C_TIMER_2XX_GIVEUP);
			sc_cancel_destroy(ctx, rec);
		} else if ((s == SC_TXN_SRV_CONFIRMED && ph == PH_D_EST) ||
			   (s == SC_TXN_TERMINATED && ph == PH_D_CLOSED)) {
			sc_cancel_destroy(ctx, rec);
		} else {
			reconcile(ctx, rec);
		}
		return;
	}
	switch (s) {
	case SC_TXN_SRV_PROCEEDING:
		if (ph != PH_RINGING)
			break;
		if (ctx->cfg.final_code == 0 && ctx->cfg.ring_timeout_us == 0) {
			/* Rings forever: only a watchdog, see create_invite(). */
			arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
			return;
		}
		if (ctx->cfg.final_code != 0) {
			send_final(ctx, rec, ctx->cfg.final_code);
		} else {
			cnt(ctx, SC_CANCEL_C_RING_TIMEOUT);
			send_final(ctx, rec, ctx->cfg.ring_timeout_code);
		}
		return;
	case SC_TXN_SRV_COMPLETED:
		if (ph != PH_G)
			break;
		if (!sc_cancel_timer_h(ctx, rec, SC_TXN_SRV_COMPLETED))
			break;
		sc_cancel_destroy(ctx, rec);
		return;
	case SC_TXN_SRV_CONFIRMED:
		if (ph != PH_I)
			break;
		cnt(ctx, SC_CANCEL_C_TIMER_I_EXPIRED);
		sc_cancel_destroy(ctx, rec);
		return;
	case SC_TXN_TERMINATED:
		if (ph != PH_ACCEPTED)
			break;
		sc_cancel_destroy(ctx, rec);
		return;
	default:
		break;
	}
	reconcile(ctx, rec);
}

/* ---- requests -------------------------------------------------------------------- */

/*
 * To tag of a stateless response: a hash of the request's transaction fields, so
 * a retransmitted request gets the same response (17.2.2 would resend it).
 */
struct sc_str
sc_cancel_stateless_tag(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m,
			char tag[TAG_HEX + 1])
{
	uint64_t h = FNV_BASIS ^ ctx->cfg.seed;
	const struct sc_str *parts[3] = { &m->call_id, &m->from.tag, NULL };
	struct sc_str s;
	unsigned i;

	if (m->via_count > 0)
		parts[2] = &m->vias[0].branch;
	/*
	 * XXH3 per field, each seeded with the hash so far (its length is mixed in, so
	 * fields never run together): ~60 bytes in a few dozen cycles, where a byte-wise
	 * FNV chain took four per byte.
	 */
	for (i = 0; i < 3; i++) {
		if (parts[i] != NULL)
			h = XXH3_64bits_withSeed(parts[i]->p, parts[i]->len, h);
	}
	h = (h ^ m->cseq) * FNV_PRIME;
	h ^= h >> 29;
	sc_cancel_put_hex16(tag, h);
	tag[TAG_HEX] = '\0';
	s.p = tag;
	s.len = TAG_HEX;
	return s;
}

/* A stateless response (no record): 4xx/5xx and OPTIONS. */
void
sc_cancel_respond_stateless(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in,
			    unsigned status, const struct sc_str *extra)
{
	char tag[TAG_HEX + 1];
	struct sc_str t = sc_cancel_stateless_tag(ctx, in->msg, tag);

	in->verdict = sent_verdict(sc_cancel_respond(ctx, in, status, &t, extra));
}

/*
 * 8.2.2.3: every option tag in Require is unknown to us (we support no extension),
 * so any Require gets 420 with the tags listed in Unsupported. Returns true when
 * the request was answered so.
 */
static bool
check_require(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	if (in->msg->require_count == 0)
		return false;
	sc_cancel_respond_420(ctx, in, SC_SIP_LIST_REQUIRE);
	return true;
}

/* The Unsupported line of a 420: its value so far, and room for the line end. */
struct unsupported {
	char buf[UNSUPPORTED_MAX];
	size_t off;
	unsigned n;
};

static int
unsupported_add(void *arg, const char *tag, size_t len)
{
	struct unsupported *u = arg;
	size_t sep = u->n > 0 ? 2 : 0;

	/* Whole tags only, and "\r\n" still fits after the last one. */
	if (u->off + sep + len + 2 > sizeof(u->buf))
		return 1;
	if (sep != 0)
		memcpy(u->buf + u->off, ", ", 2);
	memcpy(u->buf + u->off + sep, tag, len);
	u->off += sep + len;
	u->n++;
	return 0;
}

void
sc_cancel_respond_420(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in,
		      enum sc_sip_list which)
{
	struct unsupported u;
	struct sc_str e;

	memcpy(u.buf, "Unsupported: ", 13);
	u.off = 13;
	u.n = 0;
	/*
	 * 8.2.2.3: every tag of the request, also past the ones the parse kept, so
	 * from the header block: a second read of its lines, on this error path only.
	 */
	sc_sip_foreach_list_value(in->msg, which, unsupported_add, &u);
	memcpy(u.buf + u.off, "\r\n", 2);
	e.p = u.buf;
	e.len = (uint32_t)u.off + 2;
	sc_cancel_respond_stateless(ctx, in, 420, &e);
}

static void
respond_full(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	char extra[64];
	int n = snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", ctx->cfg.retry_after_s);
	struct sc_str e = { extra, n > 0 ? (uint32_t)n : 0 };

	sc_cancel_respond_stateless(ctx, in, 503, &e);
}

/*
 * The INVITE's key or response header block does not fit a record (many Vias,
 * huge To/From): 513 Message Too Large (21.5.14) says so; nothing is kept.
 */
static void
too_large(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	cnt(ctx, SC_CANCEL_C_INSERT_FAIL);
	sc_cancel_respond_stateless(ctx, in, 513, NULL);
}

static void
invite_retrans(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec)
{
	uint32_t w = sc_txn_load_state(rec);
	unsigned st = rec_last_status(rec);

	cnt(ctx, SC_CANCEL_C_INVITE_RETRANS);
	in->verdict = SC_CANCEL_V_ABSORBED;
	switch (sc_txn_state_of(w)) {
	case SC_TXN_SRV_PROCEEDING:
		/* 17.2.1: the most recent provisional again. */
		if (st >= 200)
			st = 100;
		break;
	case SC_TXN_SRV_COMPLETED:
		/*
		 * 17.2.1: the final again. A provisional status here means the core
		 * that took the final has not stored its code yet; it is sending that
		 * final now, so a stale 1xx is not repeated.
		 */
		if (st < 200)
			return;
		break;
	case SC_TXN_TERMINATED:
		/* After a 2xx (13.3.1.4): the 2xx again, the UAC may have lost it. */
		if ((sc_txn_flags_of(w) & SC_TXN_F_FINAL_SENT) == 0 || st < 200 || st >= 300)
			return;
		break;
	default:
		/* Confirmed: absorbed (17.2.1). */
		return;
	}
	if (respond_rec(ctx, rec, st))
		in->verdict = SC_CANCEL_V_RESPONDED;
}

/*
 * What a 2xx needs later, kept in the record's forward area (unused by the UAS
 * role): [u16 key length][dialog key][Contact line, NUL-terminated]. 12.1.1: a 2xx
 * to INVITE carries Contact; we give the Request-URI that reached us.
 */
static int
set_answer_data(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, const struct sc_sip_msg *m,
		const struct sc_str *to_tag)
{
	static const char pre[] = "Contact: <", post[] = ">\r\n";
	struct sc_txn_key *dk = &ctx->tmp_key;
	char *buf = ctx->scratch;
	uint16_t klen;
	size_t off;
	int rc;

	rc = key_dialog(&m->call_id, &m->from.tag, to_tag, dk);
	if (rc != 0)
		return rc;
	klen = dk->len;
	off = sizeof(klen) + klen;
	if (off + sizeof(pre) - 1 + m->request_uri.len + sizeof(post) > sizeof(ctx->scratch))
		return -E2BIG;
	memcpy(buf, &klen, sizeof(klen));
	sc_copy_short(buf + sizeof(klen), dk->buf, klen);
	memcpy(buf + off, pre, sizeof(pre) - 1);
	off += sizeof(pre) - 1;
	if (m->request_uri.len != 0)
		sc_copy_short(buf + off, m->request_uri.p, m->request_uri.len);
	off += m->request_uri.len;
	memcpy(buf + off, post, sizeof(post));	/* with its NUL: the area's format */
	return sc_txn_rec_set_fwd(ctx->table, rec, buf, off + sizeof(post));
}

/* The Contact line kept by set_answer_data() (without its NUL), or an empty one. */
static struct sc_str
answer_contact(const struct sc_txn_rec *rec)
{
	struct sc_str c = { NULL, 0 };
	size_t len;
	const char *p = sc_txn_rec_fwd(rec, &len);
	uint16_t klen;

	if (len < sizeof(klen))
		return c;
	memcpy(&klen, p, sizeof(klen));
	if (sizeof(klen) + klen + 1 < len) {
		c.p = p + sizeof(klen) + klen;
		c.len = (uint32_t)(len - sizeof(klen) - klen - 1);
	}
	return c;
}

/* A new INVITE: create its server transaction (17.2.1), 100 at once, then 180. */
static void
create_invite(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_key *key)
{
	const struct sc_sip_msg *m = in->msg;
	char tag[TAG_HEX + 1];
	struct sc_str t;
	struct sc_txn_rec *rec, *other;
	bool answer2xx = ctx->cfg.final_code >= 200 && ctx->cfg.final_code < 300;
	bool ring_now = ctx->cfg.ring_delay_us == 0;
	int blen, rc;

	rec = sc_txn_alloc(ctx->table, ctx->owner, key, SC_TXN_SRV_PROCEEDING);
	if (rec == NULL) {
		if (errno == ENOSPC) {
			cnt(ctx, SC_CANCEL_C_TABLE_FULL);
			respond_full(ctx, in);
		} else {
			too_large(ctx, in);
		}
		return;
	}
	sc_cancel_new_tag(ctx, tag);
	t.p = tag;
	t.len = TAG_HEX;
	blen = build_block(ctx, m, in->path, &t);
	rc = blen < 0 ? -E2BIG : sc_txn_rec_set_resp_hdr(ctx->table, rec, ctx->block,
							(size_t)blen);
	if (rc == 0)
		rc = sc_txn_rec_set_to_tag(rec, tag, TAG_HEX);
	if (rc == 0 && answer2xx)
		rc = set_answer_data(ctx, rec, m, &t);
	if (rc != 0) {
		sc_txn_free(ctx->table, rec);
		too_large(ctx, in);
		return;
	}
	sc_copy_short(rec->reply_path, in->path, ctx->cfg.path_len);
	rec->user[0] = PH_RINGING | ((uint64_t)m->cseq << 32);
	rec->user[1] = 0;
	rec->last_status = 100;
	if (ring_now) {
		/*
		 * The TU rings at once: the 180's flag and last status go in with plain
		 * stores while the record is private (no other core sees it before the
		 * insert), instead of send_180()'s two CAS on it afterwards.
		 */
		rec->state = state_word(SC_TXN_SRV_PROCEEDING, SC_TXN_F_PROV_SENT);
		rec->last_status = 180;
	}
	if (sc_cancel_insert(ctx, rec, key, &other) != 0) {
		if (other != NULL)
			invite_retrans(ctx, in, other);
		else
			respond_full(ctx, in);
		return;
	}
	/* 17.2.1: 100 Trying at once (we never know the TU answers within 200 ms). */
	in->verdict = sent_verdict(respond_rec(ctx, rec, 100));
	if (ring_now) {
		/*
		 * Then the 180, unless a CANCEL on another core took the final since the
		 * insert (9.2): what send_180()'s CAS would have refused.
		 */
		uint32_t w = sc_txn_load_state(rec);

		if (sc_txn_state_of(w) != SC_TXN_SRV_PROCEEDING ||
		    (sc_txn_flags_of(w) & (SC_TXN_F_FINAL_SENT | SC_TXN_F_DEAD)) != 0) {
			/*
			 * reconcile() arms what the new state needs (Timer G and H after
			 * the 487, 17.2.1); the final or ring timer below would replace H.
			 */
			reconcile(ctx, rec);
			return;
		}
		respond_rec(ctx, rec, 180);
	} else {
		arm(ctx, rec, TIM_SEND, ctx->cfg.ring_delay_us);
	}
	if (ctx->cfg.final_code != 0) {
		if (ctx->cfg.final_delay_us == 0)
			send_final(ctx, rec, ctx->cfg.final_code);
		else
			arm(ctx, rec, TIM_LIFE, ctx->cfg.final_delay_us);
	} else if (ctx->cfg.ring_timeout_us != 0) {
		arm(ctx, rec, TIM_LIFE, ctx->cfg.ring_timeout_us);
	} else {
		/*
		 * Ringing without end: a watchdog every 64*T1 runs reconcile(), so a
		 * CANCEL from another core whose ring post was lost still gets Timer G/H.
		 */
		arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
	}
}

static void
handle_invite(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_key *key,
	      struct sc_txn_rec *rec)
{
	if (rec != NULL && !is_dialog(rec)) {
		invite_retrans(ctx, in, rec);
		return;
	}
	if (check_require(ctx, in))
		return;
	if (in->msg->to.tag.len != 0) {
		/* 12.2.2: a mid-dialog request for a dialog we do not have. */
		sc_cancel_respond_stateless(ctx, in, 481, NULL);
		return;
	}
	if (key == NULL) {
		too_large(ctx, in);
		return;
	}
	create_invite(ctx, in, key);
}

/* 9.2. CANCEL never gets 420 (it carries no Require). */
static void
handle_cancel(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec)
{
	struct sc_str tag;
	uint32_t seen;

	if (rec == NULL || is_dialog(rec)) {
		cnt(ctx, SC_CANCEL_C_CANCEL_UNMATCHED);
		sc_cancel_respond_stateless(ctx, in, 481, NULL);
		return;
	}
	/* 9.2: the 200 to the CANCEL carries the To tag of the INVITE's responses. */
	tag = rec_to_tag(rec);
	if (sc_cancel_transition(rec, S(SC_TXN_SRV_PROCEEDING), SC_TXN_F_FINAL_SENT,
				 SC_TXN_SRV_COMPLETED, SC_TXN_F_FINAL_SENT | SC_TXN_F_CANCELLED,
				 &seen)) {
		rec_set_last_status(rec, 487);
		cnt(ctx, SC_CANCEL_C_CANCEL_MATCHED);
		sc_cancel_respond(ctx, in, 200, &tag, NULL);
		respond_rec(ctx, rec, 487);
		in->verdict = SC_CANCEL_V_RESPONDED;
		sc_cancel_notify_owner(ctx, rec);
		return;
	}
	if ((sc_txn_flags_of(seen) & SC_TXN_F_CANCELLED) != 0) {
		cnt(ctx, SC_CANCEL_C_CANCEL_RETRANS);
	} else {
		cnt(ctx, SC_CANCEL_C_CANCEL_AFTER_FINAL);
		/* Keep answering it for Timer J (17.2.2): the owner extends the record. */
		if ((__atomic_fetch_or(&rec->user[0], U_CANCEL_LATE, __ATOMIC_RELEASE) &
		     U_CANCEL_LATE) == 0)
			sc_cancel_notify_owner(ctx, rec);
	}
	in->verdict = sent_verdict(sc_cancel_respond(ctx, in, 200, &tag, NULL));
}

static bool
ack_dialog(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *d)
{
	/* 13.2.2.4: the ACK for a 2xx carries the INVITE's CSeq number. */
	if (d == NULL || !is_dialog(d) || rec_cseq(d) != in->msg->cseq)
		return false;
	if (sc_cancel_transition(d, S(SC_TXN_SRV_COMPLETED), 0, SC_TXN_SRV_CONFIRMED, 0, NULL)) {
		cnt(ctx, SC_CANCEL_C_ACK_2XX);
		sc_cancel_notify_owner(ctx, d);
	} else {
		cnt(ctx, SC_CANCEL_C_ACK_ABSORBED);
	}
	in->verdict = SC_CANCEL_V_ABSORBED;
	return true;
}

/*
 * The dialog record an ACK with a To tag may match (13.2.2.4), for an ACK whose
 * dialog key the chunk did not look up because its server key hit (see
 * uas_handle_chunk): an ACK reusing the INVITE's branch after a 2xx.
 */
static struct sc_txn_rec *
ack_dialog_lookup(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m)
{
	struct sc_txn_key *k = &ctx->tmp_key;

	if (m->to.tag.len == 0 || key_dialog(&m->call_id, &m->from.tag, &m->to.tag, k) != 0)
		return NULL;
	return sc_txn_lookup(ctx->table, ctx->owner, k);
}

/*
 * ACKs are never answered (17.2.1, 13.3.1.4). d_known: d is the result of the dialog
 * lookup (NULL: missed or no To tag); else it is looked up here when needed.
 */
static void
handle_ack(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec,
	   struct sc_txn_rec *d, bool d_known)
{
	uint32_t seen;

	if (rec != NULL && !is_dialog(rec)) {
		if (sc_cancel_transition(rec, S(SC_TXN_SRV_COMPLETED), 0, SC_TXN_SRV_CONFIRMED, 0,
					 &seen)) {
			cnt(ctx, SC_CANCEL_C_ACK_ABSORBED);
			sc_cancel_notify_owner(ctx, rec);
			in->verdict = SC_CANCEL_V_ABSORBED;
			return;
		}
		if (sc_txn_state_of(seen) == SC_TXN_SRV_CONFIRMED) {
			/* 17.2.1: Confirmed absorbs ACK retransmissions. */
			cnt(ctx, SC_CANCEL_C_ACK_ABSORBED);
			in->verdict = SC_CANCEL_V_ABSORBED;
			return;
		}
		/* Terminated after a 2xx: an ACK reusing the INVITE branch; try the dialog. */
	}
	if (!d_known)
		d = ack_dialog_lookup(ctx, in->msg);
	if (ack_dialog(ctx, in, d))
		return;
	cnt(ctx, SC_CANCEL_C_DROP_ACK_NO_MATCH);
	in->verdict = SC_CANCEL_V_DROPPED;
}

static void
handle_bye(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *d)
{
	uint32_t seen;

	if (check_require(ctx, in))
		return;
	if (d == NULL || !is_dialog(d)) {
		/* 15.1.2: no such dialog. */
		cnt(ctx, SC_CANCEL_C_BYE_UNMATCHED);
		sc_cancel_respond_stateless(ctx, in, 481, NULL);
		return;
	}
	if (sc_cancel_transition(d, S(SC_TXN_SRV_COMPLETED) | S(SC_TXN_SRV_CONFIRMED), 0,
				 SC_TXN_TERMINATED, 0, &seen)) {
		cnt(ctx, SC_CANCEL_C_BYE_MATCHED);
		sc_cancel_notify_owner(ctx, d);
	}
	/* A BYE retransmission (dialog Terminated) gets the same 200 again. */
	sc_cancel_respond_stateless(ctx, in, 200, NULL);
}

static void
handle_parse_error(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	const struct sc_sip_msg *m = in->msg;
	unsigned code = sc_sip_error_response((enum sc_sip_error)-in->parse_rc);

	cnt(ctx, SC_CANCEL_C_RX_MALFORMED);
	in->verdict = SC_CANCEL_V_DROPPED;
	/* Never answer a response or an ACK; answer only what the parser can route. */
	if (code == 0 || m->kind != SC_SIP_REQUEST || m->method == SC_METHOD_ACK) {
		cnt(ctx, SC_CANCEL_C_DROP_PARSE);
		return;
	}
	if (m->via_count == 0 || m->vias[0].host.len == 0) {
		cnt(ctx, SC_CANCEL_C_DROP_UNROUTABLE);
		return;
	}
	if (in->path == NULL) {
		cnt(ctx, SC_CANCEL_C_DROP_NO_PATH);
		return;
	}
	sc_cancel_respond_stateless(ctx, in, code, NULL);
}

/* Is in[] a well-formed request we can answer? Counts the drop otherwise. */
static bool
usable(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	const struct sc_sip_msg *m = in->msg;

	in->verdict = SC_CANCEL_V_DROPPED;
	if (in->parse_rc < 0) {
		handle_parse_error(ctx, in);
		return false;
	}
	if (m->kind == SC_SIP_RESPONSE) {
		/* A UAS sends no requests, so no response is ours (17.1.3 matches none). */
		cnt(ctx, SC_CANCEL_C_RX_RESPONSE);
		cnt(ctx, SC_CANCEL_C_DROP_RESPONSE);
		return false;
	}
	if (m->kind != SC_SIP_REQUEST) {
		cnt(ctx, SC_CANCEL_C_DROP_PARSE);
		return false;
	}
	sc_cancel_count_rx(ctx, m);
	if (m->via_count == 0 || m->vias[0].host.len == 0) {
		cnt(ctx, SC_CANCEL_C_DROP_UNROUTABLE);
		return false;
	}
	if (in->path == NULL && m->method != SC_METHOD_ACK) {
		cnt(ctx, SC_CANCEL_C_DROP_NO_PATH);
		return false;
	}
	return true;
}

/*
 * ka/ra: the key of the request's transaction (17.2.3; BYE: its dialog) and the
 * bulk lookup's result; kb/rb: an ACK's dialog key and result when looked up (see
 * uas_handle_chunk), else NULL.
 */
static void
handle_one(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_key *ka,
	   struct sc_txn_rec *ra, struct sc_txn_key *kb, struct sc_txn_rec *rb)
{
	const struct sc_sip_msg *m = in->msg;

	/* 17.2.3 lookups missed in the bulk may hit a record inserted earlier in this burst. */
	if (ka != NULL && ra == NULL && sc_cancel_ins_maybe(ctx, ka))
		ra = sc_txn_lookup(ctx->table, ctx->owner, ka);
	if (kb != NULL && rb == NULL && sc_cancel_ins_maybe(ctx, kb))
		rb = sc_txn_lookup(ctx->table, ctx->owner, kb);
	switch (m->method) {
	case SC_METHOD_INVITE:
		handle_invite(ctx, in, ka, ra);
		break;
	case SC_METHOD_CANCEL:
		handle_cancel(ctx, in, ra);
		break;
	case SC_METHOD_ACK:
		/* No dialog key looked up: looked up in handle_ack() if it is needed. */
		handle_ack(ctx, in, ra, rb, kb != NULL || m->to.tag.len == 0);
		break;
	case SC_METHOD_BYE:
		handle_bye(ctx, in, ra);
		break;
	case SC_METHOD_OPTIONS:
		/* 11.2: Allow and Accept describe what we take. */
		if (!check_require(ctx, in))
			sc_cancel_respond_stateless(ctx, in, 200,
						    &CSTR(ALLOW_HDR "Accept: application/sdp\r\n"));
		break;
	case SC_METHOD_EXTENSION:
		/* 8.2.1: a method we do not recognise. */
		sc_cancel_respond_stateless(ctx, in, 501, &CSTR(ALLOW_HDR));
		break;
	default:
		/* 8.2.1: known, not supported here. */
		sc_cancel_respond_stateless(ctx, in, 405, &CSTR(ALLOW_HDR));
		break;
	}
}

/*
 * One bulk lookup of every request's key, then a second, smaller one of the dialog
 * keys of the ACKs with a To tag whose server key missed: the ACK of a 2xx has a
 * branch of its own (17.1.1.3, 13.2.2.4) and matches only its dialog, while the ACK
 * of a non-2xx final matches its INVITE transaction and needs no dialog key.
 */
static void
uas_handle_chunk(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, unsigned n)
{
	struct sc_txn_key *kptr[2 * BURST_CHUNK];
	int8_t ia[BURST_CHUNK], ib[BURST_CHUNK];
	bool ok[BURST_CHUNK];
	unsigned i, nk = 0, nk1;

	for (i = 0; i < n; i++) {
		const struct sc_sip_msg *m = in[i].msg;
		struct sc_txn_key *k = &ctx->keys[nk];
		int rc = -EINVAL;

		ia[i] = ib[i] = -1;
		ok[i] = usable(ctx, &in[i]);
		if (!ok[i])
			continue;
		switch (m->method) {
		case SC_METHOD_INVITE:
		case SC_METHOD_ACK:
			rc = sc_txn_key_server(m, k);
			break;
		case SC_METHOD_CANCEL:
			rc = sc_txn_key_cancel_target(m, k);
			break;
		case SC_METHOD_BYE:
			rc = key_dialog(&m->call_id, &m->from.tag, &m->to.tag, k);
			break;
		default:
			break;
		}
		if (rc == 0) {
			kptr[nk] = k;
			ia[i] = (int8_t)nk++;
		}
	}
	sc_cancel_ins_reset(ctx);
	if (nk > 0)
		sc_txn_lookup_bulk(ctx->table, ctx->owner, kptr, nk, ctx->found);
	nk1 = nk;
	for (i = 0; i < n; i++) {
		const struct sc_sip_msg *m = in[i].msg;
		struct sc_txn_key *k = &ctx->keys[nk];

		if (!ok[i] || m->method != SC_METHOD_ACK || m->to.tag.len == 0 ||
		    (ia[i] >= 0 && ctx->found[ia[i]] != NULL))
			continue;
		if (key_dialog(&m->call_id, &m->from.tag, &m->to.tag, k) == 0) {
			kptr[nk] = k;
			ib[i] = (int8_t)nk++;
		}
	}
	if (nk > nk1)
		sc_txn_lookup_bulk(ctx->table, ctx->owner, kptr + nk1, nk - nk1,
				   ctx->found + nk1);
	for (i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		handle_one(ctx, &in[i], ia[i] < 0 ? NULL : kptr[ia[i]],
			   ia[i] < 0 ? NULL : ctx->found[ia[i]], ib[i] < 0 ? NULL : kptr[ib[i]],
			   ib[i] < 0 ? NULL : ctx->found[ib[i]]);
	}
}

unsigned
sc_cancel_handle_burst(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, unsigned n)
{
	unsigned done = 0;

	/* Role dispatch: the proxy role (issue 5) gets its own chunk handler. */
	while (done < n) {
		unsigned k = n - done < BURST_CHUNK ? n - done : BURST_CHUNK;

		switch (ctx->cfg.role) {
		case SC_CANCEL_ROLE_UAS:
			uas_handle_chunk(ctx, in + done, k);
			break;
		case SC_CANCEL_ROLE_PROXY:
			sc_proxy_handle_chunk(ctx, in + done, k);
			break;
		default:
			for (unsigned i = 0; i < k; i++)
				in[done + i].verdict = SC_CANCEL_V_DROPPED;
			break;
		}
		done += k;
	}
	return n;
}

#define RING_DRAIN_MAX	256

unsigned
sc_cancel_poll(struct sc_cancel_ctx *ctx)
{
	struct rte_ring *r = ctx->owner < ctx->n_rings ? ctx->rings[ctx->owner] : NULL;
	unsigned work = 0, fired;

	while (r != NULL && work < RING_DRAIN_MAX) {
		uint64_t objs[32];
		unsigned i, k = rte_ring_sc_dequeue_burst_elem(r, objs, sizeof(objs[0]),
							       RTE_DIM(objs), NULL);

		if (k == 0)
			break;
		for (i = 0; i < k; i++) {
			struct sc_txn_rec *rec = (struct sc_txn_rec *)(uintptr_t)objs[i];

			/* A stale post for a record since reused is harmless: see reconcile(). */
			if (rec->owner == ctx->owner)
				reconcile(ctx, rec);
		}
		work += k;
		ctx->cnt.v[SC_CANCEL_C_RING_DRAINED] += k;
	}
	fired = sc_timer_wheel_advance(ctx->wheel, now_us(ctx));
	ctx->cnt.v[SC_CANCEL_C_TIMERS_FIRED] += fired;
	return work + fired;
}

const struct sc_cancel_counters *
sc_cancel_counters(const struct sc_cancel_ctx *ctx)
{
	return &ctx->cnt;
}

uint64_t
sc_cancel_live_records(const struct sc_cancel_ctx *ctx)
{
	return ctx->cnt.v[SC_CANCEL_C_RECORDS_CREATED] - ctx->cnt.v[SC_CANCEL_C_RECORDS_FREED];
}

struct sc_cancel_ctx *
sc_cancel_ctx_create(const struct sc_cancel_cfg *cfg, struct sc_txn_table *table,
		     struct sc_timer_wheel *wheel, const struct sc_clock *clock, unsigned owner,
		     struct rte_ring *const *rings, unsigned n_rings,
		     const struct sc_cancel_sink *sink)
{
	struct sc_cancel_ctx *ctx;
	void *mem;

	if (cfg == NULL || table == NULL || wheel == NULL || clock == NULL || sink == NULL ||
	    sink->send == NULL || cfg->t1_us == 0 || cfg->t2_us < cfg->t1_us ||
	    cfg->t4_us == 0 || cfg->path_len > SC_TXN_REPLY_PATH_LEN ||
	    (cfg->final_code != 0 && (cfg->final_code < 200 || cfg->final_code > 699)) ||
	    cfg->ring_timeout_code < 300 || cfg->ring_timeout_code > 699 ||
	    (rings == NULL && n_rings != 0)) {
		errno = EINVAL;
		return NULL;
	}
	if (cfg->role != SC_CANCEL_ROLE_UAS &&
	    (cfg->role != SC_CANCEL_ROLE_PROXY || cfg->path_local == NULL ||
	     cfg->timer_c_us <= 180000000ULL)) {
		/*
		 * 16.6 item 11: Timer C MUST be larger than 3 minutes (EINVAL). A proxy
		 * without path_local cannot write its Via: not supported (ENOTSUP).
		 */
		errno = cfg->role == SC_CANCEL_ROLE_PROXY && cfg->path_local != NULL ? EINVAL :
			ENOTSUP;
		return NULL;
	}
	if (posix_memalign(&mem, 64, sizeof(*ctx)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	ctx = mem;
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = *cfg;
	ctx->table = table;
	ctx->wheel = wheel;
	ctx->clock = clock;
	ctx->owner = owner;
	ctx->sink = *sink;
	if (n_rings > 0) {
		ctx->rings = calloc(n_rings, sizeof(*ctx->rings));
		if (ctx->rings == NULL) {
			free(ctx);
			errno = ENOMEM;
			return NULL;
		}
		memcpy(ctx->rings, rings, n_rings * sizeof(*ctx->rings));
		ctx->n_rings = n_rings;
	}
	if (cfg->role == SC_CANCEL_ROLE_PROXY && sc_proxy_store_init(ctx) != 0) {
		free(ctx->rings);
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	ctx->rng = (cfg->seed != 0 ? cfg->seed : sc_clock_now_us(clock) ^ (uintptr_t)ctx) ^
		   ((uint64_t)owner << 48);
	return ctx;
}

void
sc_cancel_ctx_free(struct sc_cancel_ctx *ctx)
{
	if (ctx == NULL)
		return;
	sc_proxy_store_free(ctx);
	free(ctx->rings);
	free(ctx);
}
