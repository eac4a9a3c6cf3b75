/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy role, application side (proxy.c): next-hop paths, the neighbour cache
 * (ARP/ND) and packets held while a resolution is pending. Not a library header.
 */
#ifndef SC_PROXY_APP_H
#define SC_PROXY_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sc_app.h"
#include "sc_net.h"
#include "sc_sip.h"

#define SC_PX_NB_MAX	64	/* neighbours cached per worker */
#define SC_PX_HELD_MAX	64	/* packets waiting for a resolution, per worker */

struct sc_px_nb {
	uint8_t state;
	uint8_t ipv;
	uint8_t tries;			/* requests sent: a resolution, or probes of a known MAC */
	uint8_t ip[16];
	struct rte_ether_addr mac;
	uint64_t t_us;			/* last request sent, or when it failed */
	uint64_t confirmed_us;		/* NB_OK: last packet or answer from it */
	uint64_t probe_tsc;		/* when this resolution or probe began (TSC) */
};

/* Per-worker proxy state, written only by its worker. */
struct sc_px_worker {
	const struct sc_app_cfg *cfg;
	uint16_t src_port;		/* our SIP port, the source of what we send */
	uint64_t reachable_us;		/* --neigh-reachable */
	unsigned next_evict;
	bool pending;			/* an entry may be NB_PENDING (set first, cleared by a scan) */
	bool changed;			/* a neighbour resolved or failed: retry held */
	bool retrying;			/* held packets are back: holding one again is no new hold */
	unsigned n_held;
	struct sc_px_nb nb[SC_PX_NB_MAX];
	struct rte_mbuf *held[SC_PX_HELD_MAX];
	uint64_t held_us[SC_PX_HELD_MAX];
};

struct sc_worker;

/* Per-worker state for the proxy role; NULL + errno on failure. */
struct sc_px_worker *sc_px_worker_create(const struct sc_app_cfg *cfg, int socket);

/* Free it and every packet still held. NULL is a no-op. */
void sc_px_worker_free(struct sc_px_worker *px);

/*
 * lib/cancel in->next_path for m: the next hop of a request, the second Via of a
 * response. Returns 1 (out filled), 0 (resolution pending: hold the packet), -1
 * (no route or resolution failed) or -2 (a response with our Via only: none needed).
 */
int sc_px_next_path(struct sc_worker *w, const struct sc_sip_msg *m, struct sc_net_path *out);

/* Remember ip -> mac (an ARP reply or request, an NA or NS). */
void sc_px_learn(struct sc_worker *w, uint8_t ipv, const void *ip,
		 const struct rte_ether_addr *mac);

/*
 * The source of a received SIP packet: learned as above if on-link; from an off-link
 * address (--gateway), it only confirms the gateway, when it came from its MAC.
 */
void sc_px_learn_source(struct sc_worker *w, uint8_t ipv, const void *ip,
			const struct rte_ether_addr *mac);

/*
 * Learn from an ARP request for us (before it is answered in place) or from a frame
 * lib/net dropped (ARP reply, Neighbour Advertisement). True when the frame answers
 * a resolution some worker has open: it was used, not dropped.
 */
bool sc_px_rx_other(struct sc_worker *w, struct rte_mbuf *m, const struct sc_net_pkt *pkt);

/* Hold m until a resolution ends. False when the queue is full (caller goes on). */
bool sc_px_hold(struct sc_worker *w, struct rte_mbuf *m);

/*
 * Once per loop: repeat or fail pending resolutions, and when one ended hand back
 * up to cap held packets (to be handled again). Returns how many.
 */
unsigned sc_px_tick(struct sc_worker *w, struct rte_mbuf **out, unsigned cap);

/* lib/cancel cfg.path_local for struct sc_net_path blobs: "ip:port" of our side. */
int sc_px_path_local(const void *path_blob, char *sent_by, size_t cap);

#endif /* SC_PROXY_APP_H */
