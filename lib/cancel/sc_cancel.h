/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 3261 role logic of sipcancel: pure functions over parsed messages, the
 * shared transaction table (lib/txn), a per-core timer wheel and a clock, so it is
 * testable without ports. Role `uas` (issue 4): the element answers INVITEs itself
 * and handles CANCEL per section 9.2. Role `proxy` (issue 5, sc_proxy.c): a
 * transaction-stateful proxy for INVITE/CANCEL (16.6-16.10, 9.1), stateless for the
 * rest (16.11), dispatched from the same entry points on cfg.role.
 *
 * Threading: one context per worker lcore ("owner"). A context touches only its own
 * wheel, counters and scratch buffer. Records are allocated from the owner's pool and
 * freed only by the owner. Another core that matches a record (a CANCEL, ACK or
 * INVITE retransmission that RSS put elsewhere) changes it only by compare-and-swap
 * on the record's state word; the CAS winner is the only core that sends the final
 * response. Timer work that follows (Timer G/H after a final, Timer I after an ACK)
 * is requested from the owner by posting the record to the owner's ring;
 * sc_cancel_poll() on the owner drains it. Lost posts (ring full) are tolerated: the
 * owner's own timers re-read the state word and catch up.
 *
 * UAS behaviour (choices where the RFC leaves room):
 *  - INVITE: 100 at once (with our To tag, like every later response of the call),
 *    180 after ring_delay_us, final_code after final_delay_us, else ringing until
 *    CANCEL or ring_timeout_us (then ring_timeout_code, default 480).
 *  - CANCEL (9.2): 481 when nothing matches; 200 (To tag of the INVITE's responses)
 *    then 487 when no final was sent; 200 only when one was. Retransmitted CANCEL:
 *    the same 200, for the CANCEL's Timer J (64*T1, 17.2.2): the record outlives
 *    Timer I for it.
 *  - Non-2xx final: Timer G/H/I per 17.2.1 (UDP). 2xx final: the INVITE record
 *    stays 64*T1 for INVITE retransmissions (RFC 6026), a dialog record (Call-ID,
 *    From tag, our To tag) retransmits the 2xx (13.3.1.4) until the ACK (new branch,
 *    same CSeq number) or 64*T1, then answers BYE with 200 (15.1.2) for
 *    dialog_hold_us; later BYEs get 481.
 *  - OPTIONS: 200 with Allow. Known methods we do not take: 405 with Allow; unknown
 *    methods: 501 (8.2.1). Any Require (we support no extension): 420 with
 *    Unsupported (8.2.2.3), never for CANCEL or ACK. INVITE with an unknown To tag:
 *    481 (12.2.2). Parser verdicts: 400/505 when a Via routes the answer, else a
 *    counted drop. Table full: 503 with Retry-After. INVITE too large for a record
 *    (key or response header block): 513 (21.5.14). Responses: counted drop.
 *
 * Proxy behaviour (details and RFC readings in sc_proxy.c):
 *  - INVITE: 100 upstream at once; forwarded to in->next_path with our Via (branch
 *    computed from the request per 16.11, so its CANCEL and non-2xx ACK find the
 *    record on any core), the client's Via completed with received/rport (18.2.1,
 *    RFC 3581) and Max-Forwards - 1 (0 received: 483; none: 70). Timer A/B
 *    (17.1.1.2) and C (cfg.timer_c_us, 16.6 item 11; restarted by 101-199 only). No
 *    next path: 503; no Via of ours for it: 500. Table full or too large: forwarded
 *    statelessly (counted).
 *  - Responses: matched by branch and CSeq method (17.1.3), our Via removed, relayed
 *    to the INVITE's reply path; one with no Via left is ours and dropped (16.7
 *    step 3); 100 absorbed (16.7 step 5); 503 replaced by our 500 (16.7 step 6);
 *    300-699 ACKed hop by hop, repeats ACKed again and absorbed; 2xx relayed,
 *    repeats too (end to end). Upstream: Timer G/H until the ACK (absorbed, also an
 *    RFC 2543 one with the final's To tag), then Timer I / D. Responses we repeat
 *    (Timer G, answers to INVITE retransmissions) are rebuilt from the stored
 *    header block with the next hop's To tag (up to SC_TXN_TO_TAG_MAX octets): the
 *    status line and the 8.2.6.2 headers, without the original's other headers or
 *    body (a repeated 407 has no Proxy-Authenticate, a repeated 183 no SDP).
 *  - CANCEL with a context: 200 at once; our CANCEL (9.1, Reasons copied) only
 *    once a provisional arrived, never after a final; Timer E; 64*T1 without a
 *    final: 408 upstream (16.8 / 16.7 step 6). Without a context: stateless forward.
 *  - Everything else: stateless (16.11); responses whose top Via is not ours: drop.
 *    A stateless forward or relay of an input with next_path_deferred asks
 *    sink.next_path for its path only then; still resolving: verdict HELD.
 *  - Any Proxy-Require (we support no extension): 420 with Unsupported (16.3 item 6),
 *    never for ACK or CANCEL.
 */
#ifndef SC_CANCEL_H
#define SC_CANCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_sip.h"
#include "sc_timer.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sc_txn_table;
struct rte_ring;
struct sc_cancel_ctx;

enum sc_cancel_role {
	SC_CANCEL_ROLE_UAS = 0,
	SC_CANCEL_ROLE_PROXY,		/* 16.6-16.11: see sc_proxy.c and below */
};

/*
 * Settings. All times in microseconds. sc_cancel_cfg_defaults() fills RFC defaults;
 * the app overrides from its options.
 */
struct sc_cancel_cfg {
	enum sc_cancel_role role;
	uint64_t t1_us;			/* 17.1.1.1, default 500 ms */
	uint64_t t2_us;			/* 17.1.2.2, default 4 s */
	uint64_t t4_us;			/* 17.1.2.2, default 5 s */
	/* 180 Ringing this long after the 100; 0: right after the 100. */
	uint64_t ring_delay_us;
	/* Final response final_code this long after the INVITE; ignored when code 0. */
	uint64_t final_delay_us;
	uint16_t final_code;		/* 0: none, ring until CANCEL or ring timeout */
	/*
	 * A UAS that never answers: RFC 3261 gives a UAS no ringing limit (Timer C in
	 * 16.6/16.7 is a proxy timer, > 3 min). We end the ring after ring_timeout_us
	 * (default 180 s, i.e. not after any proxy in front, whose Timer C must exceed
	 * 3 min) with ring_timeout_code (default 480 Temporarily Unavailable, 21.4.18:
	 * the callee was reached but did not answer). 0 disables the timeout.
	 */
	uint64_t ring_timeout_us;
	uint16_t ring_timeout_code;
	uint32_t retry_after_s;		/* Retry-After of the 503 when the table is full */
	/*
	 * How long a dialog answered with 2xx is remembered after its ACK, so a BYE
	 * gets 200 (15.1.2) rather than 481. Default 64*T1.
	 */
	uint64_t dialog_hold_us;
	/* Bytes of the app's reply-path blob copied into records (<= txn blob size). */
	uint32_t path_len;
	uint64_t seed;			/* To-tag generator seed; 0: from the clock */
	/*
	 * Optional (NULL: top Via copied unchanged). The source of the request whose
	 * reply-path blob this is: its IP as text into ip[0..cap) (IPv6 without
	 * brackets) and its UDP source port (read only when the top Via has rport, so
	 * a path's destination port per RFC 3581 is right). Returns the text's length
	 * (no NUL needed), or 0 for a NUL-terminated text (measured here), or negative
	 * when unknown. Called for every response built from a request: keep it cheap
	 * (no stdio). With it, every response's top Via gets received=<source IP> when
	 * the sent-by host differs (18.2.1) or the Via has rport, and an empty rport
	 * gets the source port (RFC 3581 section 4). For sc_net_path blobs: dst_ip as
	 * text, and dst_port.
	 */
	int (*path_source)(const void *path_blob, char *ip, size_t cap, uint16_t *port);

	/* ---- proxy role ---- */
	/* Timer C (16.6 item 11, 16.8): > 3 minutes, default 181 s. */
	uint64_t timer_c_us;
	/*
	 * Hardening, off by default: a CANCEL matching a response context is accepted
	 * only when its reply path (source address, port, L2) equals the INVITE's;
	 * others are dropped and counted (px_cancel_refused).
	 */
	bool cancel_same_source;
	/* Forwarded INVITEs kept per context for Timer A retransmission (17.1.1.2). */
	uint32_t retrans_slots;
	/*
	 * Required for the proxy role: our sent-by ("198.18.0.1:5060", "[2001:2::1]:5060")
	 * for a Via on a request sent along path_blob (18.1.1). Returns the text's
	 * length (no NUL needed), or 0 for a NUL-terminated text, or negative. Must
	 * depend on the blob's bytes only: each context keeps the last answer per use
	 * and asks again only when the blob differs.
	 */
	int (*path_local)(const void *path_blob, char *sent_by, size_t cap);
};

/* Fill cfg with the defaults described in struct sc_cancel_cfg (role uas). */
void sc_cancel_cfg_defaults(struct sc_cancel_cfg *cfg);

/*
 * Output sink the app implements: send msg[0..len) as one UDP datagram along the
 * reply path path_blob (a blob the app computed per 18.2.2 / RFC 3581, either the
 * one of the request at hand or the copy kept in a record). msg is in a scratch
 * buffer reused after the call returns: copy it. Returns 0 or a negative errno
 * (counted as tx_sink_fail; the RFC timers cover a lost datagram).
 */
struct sc_cancel_in;

struct sc_cancel_sink {
	int (*send)(void *sink_ctx, const void *path_blob, const char *msg, uint32_t len);
	void *sink_ctx;
	/*
	 * Proxy role, optional: an input with next_path_deferred asks here for its
	 * next_path when it needs one (a stateless forward or relay, 16.11 / 16.7), so
	 * that the app computes none for the messages that match a transaction and use
	 * its stored path. Set in->next_path (NULL: no route) and return 1, or return
	 * 0 while the next hop's address is being resolved: the input then gets
	 * verdict SC_CANCEL_V_HELD.
	 */
	int (*next_path)(void *sink_ctx, struct sc_cancel_in *in);
};

/* What became of one input. The input buffer is never kept: the caller frees it. */
enum sc_cancel_verdict {
	SC_CANCEL_V_RESPONDED = 0,	/* at least one message sent for it */
	SC_CANCEL_V_ABSORBED,		/* matched, consumed silently (ACK, retransmission) */
	SC_CANCEL_V_DROPPED,		/* counted drop: see the drop_* counters */
	/*
	 * Proxy: waiting for its next hop's address (sink.next_path said so); nothing
	 * was sent or counted for it: the app keeps the buffer and hands it in again.
	 */
	SC_CANCEL_V_HELD,
};

/* One received message, parsed by the app. */
struct sc_cancel_in {
	const struct sc_sip_msg *msg;	/* filled by sc_sip_parse, also on error */
	int parse_rc;			/* sc_sip_parse() return: > 0 ok, -sc_sip_error */
	/*
	 * Reply-path blob, cfg.path_len bytes (copied into the record of a new INVITE).
	 * NULL when the app found no route back (18.2.2): the request is then dropped
	 * (counter drop_no_path), except an ACK, which needs no answer.
	 */
	const void *path;
	/*
	 * Proxy role only (cfg.path_len bytes, or NULL): for a request, the path to its
	 * next hop (the app's route: --next-hop or the route table, L2 resolved); for a
	 * response, the path to its second Via (18.2.2 / RFC 3581 on vias[1]: where
	 * the response goes once our top Via is removed, 16.7 / 16.11). NULL: no route
	 * (an INVITE gets 503, anything else is a counted drop).
	 */
	const void *next_path;
	/* Proxy: next_path not computed yet: ask sink.next_path when it is needed. */
	bool next_path_deferred;
	uint8_t verdict;		/* out: enum sc_cancel_verdict */
};

/*
 * Counters, per context (no shared writes). X-macro: enum suffix, name shown by the
 * app. Append only.
 */
#define SC_CANCEL_COUNTERS(X) \
	X(RX_INVITE, "rx_invite") \
	X(RX_ACK, "rx_ack") \
	X(RX_CANCEL, "rx_cancel") \
	X(RX_BYE, "rx_bye") \
	X(RX_OPTIONS, "rx_options") \
	X(RX_OTHER, "rx_other_method") \
	X(RX_UNKNOWN, "rx_unknown_method") \
	X(RX_RESPONSE, "rx_response") \
	X(RX_MALFORMED, "rx_malformed") \
	X(TX_1XX, "tx_1xx") \
	X(TX_2XX, "tx_2xx") \
	X(TX_3XX, "tx_3xx") \
	X(TX_4XX, "tx_4xx") \
	X(TX_5XX, "tx_5xx") \
	X(TX_6XX, "tx_6xx") \
	X(TX_100, "tx_100") \
	X(TX_180, "tx_180") \
	X(TX_200, "tx_200") \
	X(TX_400, "tx_400") \
	X(TX_405, "tx_405") \
	X(TX_420, "tx_420") \
	X(TX_480, "tx_480") \
	X(TX_481, "tx_481") \
	X(TX_486, "tx_486") \
	X(TX_487, "tx_487") \
	X(TX_501, "tx_501") \
	X(TX_503, "tx_503") \
	X(TX_505, "tx_505") \
	X(TX_SINK_FAIL, "tx_sink_fail") \
	X(TX_BUILD_FAIL, "tx_build_fail") \
	X(CANCEL_MATCHED, "cancel_matched") \
	X(CANCEL_UNMATCHED, "cancel_unmatched_481") \
	X(CANCEL_AFTER_FINAL, "cancel_after_final") \
	X(CANCEL_RETRANS, "cancel_retrans_absorbed") \
	X(INVITE_RETRANS, "invite_retrans_absorbed") \
	X(ACK_ABSORBED, "ack_absorbed") \
	X(ACK_2XX, "ack_2xx_matched") \
	X(BYE_MATCHED, "bye_matched") \
	X(BYE_UNMATCHED, "bye_unmatched_481") \
	X(TIMER_G_RETRANS, "timer_g_retrans") \
	X(RETRANS_2XX, "retrans_2xx") \
	X(TIMER_H_EXPIRED, "timer_h_expired") \
	X(TIMER_2XX_GIVEUP, "timer_2xx_no_ack") \
	X(TIMER_I_EXPIRED, "timer_i_expired") \
	X(RING_TIMEOUT, "ring_timeout") \
	X(TIMERS_FIRED, "timers_fired") \
	X(RECORDS_CREATED, "records_created") \
	X(RECORDS_FREED, "records_freed") \
	X(TABLE_FULL, "table_full_503") \
	X(INSERT_FAIL, "insert_fail") \
	X(RING_POSTED, "ring_posted") \
	X(RING_FULL, "ring_full") \
	X(RING_DRAINED, "ring_drained") \
	X(CAS_LOST, "cas_lost") \
	X(DROP_RESPONSE, "drop_response") \
	X(DROP_UNROUTABLE, "drop_unroutable") \
	X(DROP_PARSE, "drop_parse") \
	X(DROP_ACK_NO_MATCH, "drop_ack_no_match") \
	X(DROP_ACK_PARSE, "drop_ack_malformed") \
	X(DROP_NO_PATH, "drop_no_path") \
	X(TX_513, "tx_513") \
	X(TX_408, "tx_408") \
	X(TX_483, "tx_483") \
	X(PX_INVITE_FWD, "px_invite_forwarded") \
	X(PX_RELAY_1XX, "px_relayed_1xx") \
	X(PX_RELAY_2XX, "px_relayed_2xx") \
	X(PX_RELAY_FINAL, "px_relayed_3xx_6xx") \
	X(PX_503_AS_500, "px_503_as_500") \
	X(PX_TO_TAG_TOO_LONG, "px_to_tag_too_long") \
	X(PX_100_ABSORBED, "px_100_absorbed") \
	X(PX_CANCEL_HELD, "px_cancel_held") \
	X(PX_CANCEL_SENT, "px_cancel_sent_downstream") \
	X(PX_CANCEL_SUPPRESSED, "px_cancel_suppressed_by_final") \
	X(PX_CANCEL_200_ABSORBED, "px_cancel_200_absorbed") \
	X(PX_TIMER_E, "px_timer_e_retrans") \
	X(PX_CANCEL_TIMEOUT, "px_cancel_64t1_408") \
	X(PX_TIMER_A, "px_timer_a_retrans") \
	X(PX_TIMER_B, "px_timer_b_408") \
	X(PX_TIMER_C, "px_timer_c_fired") \
	X(PX_ACK_SENT, "px_ack_sent_downstream") \
	X(PX_FINAL_REACKED, "px_final_retrans_reacked") \
	X(PX_RETRANS_2XX, "px_2xx_retrans_relayed") \
	X(PX_LATE_1XX, "px_late_1xx_absorbed") \
	X(PX_STATELESS_REQ, "px_stateless_req_forwarded") \
	X(PX_STATELESS_RESP, "px_stateless_resp_relayed") \
	X(PX_STATELESS_FULL, "px_table_full_stateless") \
	X(PX_NO_ROUTE, "px_no_route") \
	X(PX_CANCEL_REFUSED, "px_cancel_refused") \
	X(PX_NOT_OUR_VIA, "px_drop_not_our_via") \
	X(PX_STORE_FULL, "px_retrans_store_full") \
	X(PX_BUILD_FAIL, "px_build_fail") \
	X(PX_420, "px_proxy_require_420")

enum sc_cancel_counter {
#define SC_X_ENUM(name, text) SC_CANCEL_C_##name,
	SC_CANCEL_COUNTERS(SC_X_ENUM)
#undef SC_X_ENUM
	SC_CANCEL_C_COUNT,
};

struct sc_cancel_counters {
	uint64_t v[SC_CANCEL_C_COUNT];
};

/* Name of counter i ("tx_487"), or NULL when i is out of range. */
const char *sc_cancel_counter_name(unsigned i);

/*
 * Create the context of one owner (worker lcore).
 *  cfg    copied.
 *  table  the shared txn table; `owner` is this context's owner id in it.
 *  wheel  this lcore's timer wheel; only this context's thread advances it.
 *  clock  read for every deadline; must outlive the context.
 *  rings  array indexed by owner id of every owner's event ring (created by the
 *         app: rte_ring_create(name, count, socket, RING_F_SC_DEQ), i.e. multi-
 *         producer, single-consumer, pointer elements; count >= 1024 suggested),
 *         or NULL when there is a single owner. Copied (the pointer array).
 *  n_rings entries in rings.
 *  sink   copied.
 * Returns the context, or NULL with errno (EINVAL, e.g. a proxy cfg with Timer C
 * <= 3 min; ENOMEM; ENOTSUP for an unknown role or a proxy cfg without path_local).
 */
struct sc_cancel_ctx *sc_cancel_ctx_create(const struct sc_cancel_cfg *cfg,
					   struct sc_txn_table *table,
					   struct sc_timer_wheel *wheel,
					   const struct sc_clock *clock, unsigned owner,
					   struct rte_ring *const *rings, unsigned n_rings,
					   const struct sc_cancel_sink *sink);

/*
 * Free the context, after its thread stopped. Timers of its records may still be
 * armed on the wheel and point to the context: free or stop advancing the wheel
 * too. Records still in the table stay there (freed with the table).
 */
void sc_cancel_ctx_free(struct sc_cancel_ctx *ctx);

/*
 * Handle a burst of received messages in order: builds every key, one bulk lookup,
 * then the RFC action per message (a message that follows an INVITE inserted in the
 * same burst is looked up again so it matches). Sets in[i].verdict. Must be called
 * by the context's thread, inside its RCU read-side (between quiescent reports).
 * Returns n.
 */
unsigned sc_cancel_handle_burst(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in,
				unsigned n);

/*
 * Owner housekeeping, once per loop: drain this owner's ring (events posted by
 * other cores) and advance the wheel to the clock's now. Returns the number of ring
 * events plus timers handled (0: idle).
 */
unsigned sc_cancel_poll(struct sc_cancel_ctx *ctx);

/* This context's counters; valid as long as the context. */
const struct sc_cancel_counters *sc_cancel_counters(const struct sc_cancel_ctx *ctx);

/* Records this context owns that are live in the table (created - freed). */
uint64_t sc_cancel_live_records(const struct sc_cancel_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* SC_CANCEL_H */
