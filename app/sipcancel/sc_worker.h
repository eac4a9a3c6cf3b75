/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker lcores of the sipcancel application: state and loop. Not a library header. */
#ifndef SC_WORKER_H
#define SC_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sc_app.h"
#include "sc_cancel.h"
#include "sc_net.h"
#include "sc_proxy_app.h"
#include "sc_sip.h"
#include "sc_timer.h"
#include "sc_txn.h"

/* Per-port state a worker needs: its TX buffer and what the port offloads. */
struct sc_worker_port {
	uint16_t port_id;
	struct rte_eth_dev_tx_buffer *txb;
	uint64_t tx_offload_capa;	/* 0 when checksums are done in software */
	uint64_t ts_per_sec;		/* unit of the RX timestamps */
	/* --pcap-pace: packets read but not yet due. */
	struct rte_mbuf *pend[SC_APP_BURST];
	uint16_t n_pend;
	uint16_t i_pend;
};

/* Per-burst scratch, kept off the stack (a parsed message is ~2 KiB). */
struct sc_worker_burst {
	struct sc_net_pkt pkt[SC_APP_BURST];
	struct sc_sip_msg msg[SC_APP_BURST];
	struct sc_net_path path[SC_APP_BURST];
	struct sc_net_path npath[SC_APP_BURST];	/* proxy: next-hop paths */
	struct sc_cancel_in in[SC_APP_BURST];
	struct rte_mbuf *m[SC_APP_BURST];
	unsigned n;
	unsigned n_to_hold;		/* run_batch: inputs HELD by lib/cancel, to hold */
};

/*
 * A spare mbuf's buf_addr and buf_len, noted while it was in cache, so a response
 * is written into it without first loading its header (sc_net_encap_raw).
 */
struct sc_worker_buf {
	char *addr;
	uint16_t len;
};

/*
 * Handled requests' mbufs kept for the next responses (in-place reuse): their
 * header and data lines are still in this core's cache, a pool's mbuf is not.
 */
#define SC_WORKER_SPARE_MAX (2 * SC_APP_BURST)

/* One worker lcore. Written only by its lcore except `stop`. */
struct sc_worker {
	struct sc_app_stats stats;	/* first: cache aligned, read by main/telemetry */
	unsigned lcore_id;
	uint16_t queue_id;		/* also the owner id in lib/txn / lib/cancel */
	uint16_t n_ports;
	struct sc_worker_port ports[SC_APP_MAX_PORTS];
	const struct sc_net_cfg *net_cfg;
	struct rte_mempool *mp;
	struct sc_net_frag *frag;
	struct sc_timer_wheel *wheel;
	struct sc_cancel_ctx *cancel;
	struct sc_px_worker *px;	/* proxy role only, else NULL */
	struct sc_clock clock;		/* TSC microseconds, read at each loop start */
	uint64_t now_us;
	uint64_t tsc_per_us;		/* whole cycles per us, for coarse thresholds */
	uint64_t us_per_tsc_q64;	/* microseconds per cycle, 64-bit fraction */
	struct sc_txn_table *table;	/* shared; this worker is RCU reader queue_id */
	bool yield_idle;		/* lcores share a CPU: yield when idle */
	struct sc_worker_burst *burst;
	volatile bool stop;
	volatile uint64_t last_rx_tsc;	/* read by main for --exit-idle */
	volatile uint64_t last_loop_tsc;	/* start of the latest loop iteration */
	volatile bool running;
	/* --pcap-pace */
	bool pace;
	int ts_off;			/* mbuf dynfield offset of the RX timestamp */
	uint64_t ts_flag;
	bool pace_started;
	uint64_t pace_ts0;		/* in the port's timestamp unit */
	uint64_t pace_tsc0;
	uint64_t frag_held_now;
	struct rte_mbuf *spare[SC_WORKER_SPARE_MAX];	/* LIFO: the last one is hottest */
	struct sc_worker_buf spare_buf[SC_WORKER_SPARE_MAX];	/* spare[i]'s buffer */
	unsigned n_spare;
	/* Counters of lib/cancel and lib/txn kept when those are freed at exit. */
	struct sc_cancel_counters cancel_snap;
	struct sc_txn_counters txn_snap;
	/* IP fragments out (rare): last, so the hot fields keep their cache lines. */
	struct rte_mempool *mp_indirect;	/* payload mbufs of IP fragments */
	uint32_t frag_seq;		/* next IP Identification sequence number */
	uint8_t frag_id_shift;		/* IP Identification: frag_seq << shift | queue_id */
} __rte_cache_aligned;

/* TSC clock in microseconds, for lib/timer and lib/cancel; clk->ctx is the worker. */
uint64_t sc_worker_tsc_now_us(const struct sc_clock *clk);

/* Move the worker's clock to TSC value tsc (monotonic). */
void sc_worker_clock_update(struct sc_worker *w, uint64_t tsc);

/*
 * The worker's clock on a TSC of hz cycles per second: its time in microseconds,
 * set from the TSC now.
 */
void sc_worker_clock_init(struct sc_worker *w, uint64_t hz);

/*
 * Let the worker send datagrams above the path MTU as IP fragments, with payload
 * mbufs from `indirect` (no data room). n_workers: how many workers share the
 * addresses, so each takes its own IP Identification values.
 */
void sc_worker_frag_init(struct sc_worker *w, struct rte_mempool *indirect, unsigned n_workers);

/*
 * The sink lib/cancel sends through: encap into a fresh mbuf and buffer it; a
 * datagram above the path MTU goes out as IP fragments (sc_worker_frag_init).
 */
int sc_worker_sink_send(void *sink_ctx, const void *path_blob, const char *msg, uint32_t len);

/* lib/cancel sink.next_path (proxy role): a deferred next-hop path (sink_ctx: worker). */
int sc_worker_next_path(void *sink_ctx, struct sc_cancel_in *in);

/*
 * lib/cancel cfg.path_source: the request's source address and port as kept in a
 * struct sc_net_path, so responses get received= and rport= (18.2.1, RFC 3581).
 */
int sc_worker_path_source(const void *path_blob, char *ip, size_t cap, uint16_t *port);

/* Buffer frame m for TX on port p (counted as sent). */
void sc_worker_tx_frame(struct sc_worker *w, struct sc_worker_port *p, struct rte_mbuf *m);

/* TX buffer error callback: frees the unsent mbufs and counts them as tx_dropped. */
void sc_worker_tx_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata);

/*
 * One iteration of the worker loop (what sc_worker_main repeats until stop): RX and
 * handle a burst per port, lib/cancel poll, TX flush, reassembly drain, RCU
 * quiescent state, counters. *last: TSC at the end of the previous iteration, for
 * busy/idle cycles; updated. Returns true when it received, sent or fired anything.
 * The caller has registered RCU reader w->queue_id (sc_txn_thread_register).
 * bench/pipeline drives the loop through it.
 */
bool sc_worker_iterate(struct sc_worker *w, uint64_t *last);

/* lcore entry point; arg is the struct sc_worker. */
int sc_worker_main(void *arg);

/*
 * At shutdown: free every packet still held by the pacer or waiting for the next
 * hop's address, count those and the fragments still in reassembly as
 * drop_shutdown (held is 0 after), and free the spare mbufs kept for reuse.
 */
void sc_worker_release(struct sc_worker *w);

#endif /* SC_WORKER_H */
