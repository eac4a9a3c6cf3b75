/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of the sipcancel application: settings, per-lcore state and
 * counters, shared between its source files. Not a library header.
 */
#ifndef SC_APP_H
#define SC_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>

#include "sc_cancel.h"
#include "sc_net.h"
#include "sc_sip.h"

/* One log type per component: this one is "sipcancel.app". */
extern int sc_app_logtype;
#define SC_APP_LOG(level, ...) \
	rte_log(RTE_LOG_##level, sc_app_logtype, \
		RTE_FMT("sipcancel: " RTE_FMT_HEAD(__VA_ARGS__,) "\n", RTE_FMT_TAIL(__VA_ARGS__,)))
/* Data path: compiled out above RTE_LOG_DP_LEVEL. */
#define SC_APP_LOG_DP(level, ...) \
	RTE_LOG_DP(level, SIPCANCEL_APP, \
		   RTE_FMT("sipcancel: " RTE_FMT_HEAD(__VA_ARGS__,) "\n", RTE_FMT_TAIL(__VA_ARGS__,)))
#define RTE_LOGTYPE_SIPCANCEL_APP sc_app_logtype

#define SC_APP_MAX_LOCAL_IPS (SC_NET_MAX_IPV4 + SC_NET_MAX_IPV6)
#define SC_APP_MAX_SIP_PORTS SC_NET_MAX_SIP_PORTS
#define SC_APP_MAX_PORTS 8		/* ports a worker polls */
#define SC_APP_BURST 32

enum sc_app_role {
	SC_APP_ROLE_UAS = 0,
	SC_APP_ROLE_PROXY,
};

struct sc_app_ip {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network order; IPv4 in the first 4 bytes */
};

/* A proxy next hop (--next-hop, --route): IPv4/IPv6 address and UDP port. */
struct sc_app_hop {
	struct sc_app_ip ip;
	uint16_t port;
};

enum sc_app_route_kind {
	SC_APP_ROUTE_HOST = 1,		/* Request-URI host equals match (case-insensitive) */
	SC_APP_ROUTE_USER,		/* Request-URI user starts with match (longest wins) */
};

#define SC_APP_MAX_ROUTES 32

struct sc_app_route {
	uint8_t kind;			/* enum sc_app_route_kind */
	char match[64];
	struct sc_app_hop hop;
};

/* Every setting; defaults in sc_app_cfg_defaults(). Times in milliseconds. */
struct sc_app_cfg {
	enum sc_app_role role;
	unsigned n_local_ips;
	struct sc_app_ip local_ips[SC_APP_MAX_LOCAL_IPS];
	uint8_t local_prefix[SC_APP_MAX_LOCAL_IPS];	/* on-link prefix length of each */
	unsigned n_sip_ports;
	uint16_t sip_ports[SC_APP_MAX_SIP_PORTS];
	uint32_t capacity;
	uint32_t t1_ms;
	uint32_t t2_ms;
	uint32_t t4_ms;
	uint32_t ring_delay_ms;
	uint32_t final_delay_ms;
	uint16_t final_code;
	uint32_t retry_after_s;
	uint32_t stats_period_s;
	char stats_file[256];
	uint32_t exit_idle_ms;
	char config_file[256];
	bool mac_set;
	struct rte_ether_addr mac;
	uint16_t rx_desc;
	uint16_t tx_desc;
	bool pcap_pace;
	bool no_offload;
	/* proxy role */
	bool next_hop_set;
	struct sc_app_hop next_hop;
	unsigned n_routes;
	struct sc_app_route routes[SC_APP_MAX_ROUTES];
	uint32_t timer_c_ms;
	bool cancel_same_source;
	uint32_t neigh_reachable_ms;	/* a neighbour's MAC is trusted this long */
	bool gateway_set[2];		/* [0] IPv4, [1] IPv6 (--gateway) */
	struct sc_app_ip gateway[2];
};

/* Parse "ADDR[:PORT]" / "[V6]:PORT" (port default 5060). Returns 0 or -EINVAL. */
int sc_app_parse_hop(const char *s, struct sc_app_hop *hop);

/* Parse "host:NAME=HOP" or "user:PREFIX=HOP". Returns 0 or -EINVAL. */
int sc_app_parse_route(const char *s, struct sc_app_route *r);

/*
 * Next hop of a request (16.5/16.6): an exact Request-URI host route, else the
 * longest user-prefix route, else --next-hop; NULL when none applies.
 */
const struct sc_app_hop *sc_app_route_lookup(const struct sc_app_cfg *cfg,
					     const struct sc_sip_msg *req);

/* Whether addr is in the prefix net/len (both network order). */
bool sc_app_prefix_holds(const uint8_t *net, unsigned len, const uint8_t *addr);

/*
 * Whether addr (of family AF_INET/AF_INET6) is on-link: inside a --local-ip prefix of
 * its family, or IPv6 link-local.
 */
bool sc_app_onlink(const struct sc_app_cfg *cfg, int family, const uint8_t *addr);

/* Fill cfg with the defaults shown by --help. */
void sc_app_cfg_defaults(struct sc_app_cfg *cfg);

/*
 * Parse the application arguments (after EAL's): --config first, then the command
 * line on top. Returns 0, 1 when --help was printed, or -EINVAL after printing the
 * reason.
 */
int sc_app_parse_args(struct sc_app_cfg *cfg, int argc, char **argv);

/* Print the usage text with the defaults to stdout. */
void sc_app_usage(const char *prog);

/*
 * App counters (X-macro: enum suffix, name). tx_fragmented: datagrams above the
 * path MTU sent as IP fragments, tx_fragments: their frames (also in tx_packets).
 * busy_cycles: TSC of loop iterations
 * that received, sent or fired anything (each from its own start: time spent
 * polling or yielded before it is idle_cycles); proc_cycles: the part of them spent
 * in classify/parse/lib/cancel/encap, i.e. without the driver's RX and TX;
 * busy_long_cycles: the part of busy_cycles in iterations longer than 500 us,
 * which were preempted (on a shared CPU), not working.
 * Packet accounting:
 * rx_packets = rx_replied_in_place + rx_sip_handled + rx_neighbour_answers (ARP
 * replies and NAs to the proxy's own resolutions) + drops (every drop_* here,
 * frag_expired, the net drops and lib/cancel's verdict drops) + held (fragments in
 * reassembly, proxy packets waiting for an address; drop_shutdown at exit) +
 * frag_merged (fragments that became part of another datagram).
 */
#define SC_APP_COUNTERS(X) \
	X(RX_PACKETS, "rx_packets") \
	X(RX_BYTES, "rx_bytes") \
	X(TX_PACKETS, "tx_packets") \
	X(TX_BYTES, "tx_bytes") \
	X(TX_DROPPED, "tx_dropped") \
	X(TX_ALLOC_FAIL, "tx_alloc_fail") \
	X(TX_ENCAP_FAIL, "tx_encap_fail") \
	X(TX_FRAGMENTED, "tx_fragmented") \
	X(TX_FRAGMENTS, "tx_fragments") \
	X(RX_REPLIED_IN_PLACE, "rx_replied_in_place") \
	X(RX_SIP_HANDLED, "rx_sip_handled") \
	X(RX_NEIGH_ANSWERS, "rx_neighbour_answers") \
	X(ARP_REPLIES, "arp_replies") \
	X(ND_REPLIES, "nd_replies") \
	X(FRAG_HELD, "frag_held") \
	X(FRAG_MERGED, "frag_merged") \
	X(FRAG_EXPIRED, "frag_expired") \
	X(SIP_REQUESTS, "sip_requests") \
	X(SIP_RESPONSES, "sip_responses") \
	X(DROP_ROLE, "drop_role") \
	X(DROP_PAYLOAD, "drop_payload_too_big") \
	X(DROP_SHUTDOWN, "drop_shutdown") \
	X(POLL_EVENTS, "poll_events") \
	X(LOOPS, "loops") \
	X(BUSY_CYCLES, "busy_cycles") \
	X(BUSY_LONG_CYCLES, "busy_long_cycles") \
	X(PROC_CYCLES, "proc_cycles") \
	X(IDLE_CYCLES, "idle_cycles") \
	X(PX_RESOLVE_STARTED, "px_resolve_started") \
	X(PX_RESOLVE_FAILED, "px_resolve_failed") \
	X(PX_NB_LEARNED, "px_neighbour_learned") \
	X(PX_NB_PROBED, "px_neighbour_probed") \
	X(PX_NB_EXPIRED, "px_neighbour_expired") \
	X(PX_VIA_GATEWAY, "px_routed_via_gateway") \
	X(PX_ARP_SENT, "px_arp_requests_sent") \
	X(PX_NS_SENT, "px_ns_sent") \
	X(PX_HELD, "px_held_for_resolution") \
	X(PX_HELD_FULL, "px_held_queue_full") \
	X(PX_NO_PATH, "px_no_next_path")

enum sc_app_counter {
#define SC_X_ENUM(name, text) SC_APP_C_##name,
	SC_APP_COUNTERS(SC_X_ENUM)
#undef SC_X_ENUM
	SC_APP_C_COUNT,
};

/* Counters of one worker, written only by it. */
struct sc_app_stats {
	uint64_t app[SC_APP_C_COUNT];
	uint64_t net_drop[SC_NET_DROP_COUNT];	/* by lib/net drop reason */
	uint64_t parse[SC_SIP_E_COUNT];		/* parse verdicts of received SIP */
	uint64_t method_in[SC_METHOD_COUNT];	/* requests by method */
	uint64_t status_out[7];			/* responses sent by class, [1]..[6] */
	uint64_t held;				/* gauge: packets held right now */
} __rte_cache_aligned;

#endif /* SC_APP_H */
