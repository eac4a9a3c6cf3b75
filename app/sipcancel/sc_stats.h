/* SPDX-License-Identifier: BSD-3-Clause */
/* Counters of the sipcancel application: totals, telemetry, JSON, console line. */
#ifndef SC_STATS_H
#define SC_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "sc_worker.h"

/* Process-wide figures shown next to the counters. */
/*
 * Losses below the application, summed over the ports (rte_eth_stats_get): frames
 * the NIC or driver dropped before an RX burst could take them, and frames a TX
 * burst handed over that the driver then failed to send.
 */
#define SC_STATS_PORT_COUNTERS(X) \
	X(imissed)	/* RX ring full: the workers did not keep up */ \
	X(ierrors)	/* bad frames (CRC, length) */ \
	X(rx_nombuf)	/* no mbuf to refill an RX descriptor */ \
	X(oerrors)	/* TX failures after the burst */

struct sc_stats_extra {
	uint64_t mempool_size;
	uint64_t mempool_in_use;	/* UINT64_MAX: not measured yet */
	uint64_t live_records;
	const uint16_t *ports;		/* read live; n_ports 0 once they are closed */
	unsigned n_ports;
#define SC_X_FIELD(name) uint64_t port_##name;
	SC_STATS_PORT_COUNTERS(SC_X_FIELD)	/* the last reading, kept after close */
#undef SC_X_FIELD
};

/* Read the ports' counters into extra->port_* (while the ports are open). */
void sc_stats_read_ports(struct sc_stats_extra *extra);

/* Call back cb(name, value) for every counter of one worker's view, in a fixed order. */
typedef void (*sc_stats_visit_t)(const char *name, uint64_t value, void *arg);

/*
 * Visit every counter of the sum over workers w[0..n) (n == 1 for one lcore):
 * app counters, net drops (net_drop_*), parse verdicts (parse_*), requests by
 * method (rx_method_*), responses sent by class (tx_status_Nxx), lib/cancel
 * counters (uas_*), and the held gauge.
 */
void sc_stats_visit(struct sc_worker *const *w, unsigned n, sc_stats_visit_t cb, void *arg);

/* Remember the workers for telemetry and register /sipcancel/stats and /sipcancel/lcore. */
int sc_stats_telemetry_init(struct sc_worker *const *w, unsigned n,
			    const struct sc_stats_extra *extra);

/* Stop answering telemetry from worker state (before it is freed). */
void sc_stats_telemetry_stop(void);

/* Write {"totals": {...}, "lcores": {"<id>": {...}}, ...} to path. 0 or -errno. */
int sc_stats_write_json(const char *path, struct sc_worker *const *w, unsigned n,
			const struct sc_stats_extra *extra);

/* One console line of rates since the previous call (per second over `secs`). */
void sc_stats_print_rates(FILE *f, struct sc_worker *const *w, unsigned n, double secs);

/* Final counters, one "name value" per line (non-zero ones), to f. */
void sc_stats_print_final(FILE *f, struct sc_worker *const *w, unsigned n,
			  const struct sc_stats_extra *extra);

#endif /* SC_STATS_H */
