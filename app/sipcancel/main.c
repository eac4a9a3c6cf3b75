/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcancel: EAL, options, ports and queues, worker lcores, and the main lcore's
 * housekeeping (stats line, --exit-idle, signals, final counters). The main lcore
 * never polls a port.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "sc_app.h"
#include "sc_proxy_app.h"
#include "sc_stats.h"
#include "sc_thp.h"
#include "sc_worker.h"

RTE_LOG_REGISTER(sc_app_logtype, sipcancel.app, INFO)

#define EXIT_BAD_OPTION 2
#define TIMER_TICK_US 1000		/* wheel tick: 1 ms, finer than any SIP timer */
#define FRAG_FLOWS_PER_LCORE 256	/* datagrams in reassembly per worker */
#define FRAG_MAX_PER_FLOW 8		/* RTE_LIBRTE_IP_FRAG_MAX_FRAG */
#define FRAG_TIMEOUT_MS 2000		/* give up on a datagram's fragments */
#define MBUF_CACHE 256
/*
 * Indirect mbufs (payload pieces of IP fragments): a worker holds at most two per
 * fragment of one datagram at a time, since each fragment is copied into one mbuf
 * before it is sent.
 */
#define INDIRECT_PER_WORKER (2 * SC_NET_FRAG_MAX)
#define INDIRECT_CACHE 32
#define MAIN_TICK_US 10000		/* main lcore wakes every 10 ms */
/*
 * The stop, from the signal to the process's exit, normally takes well under a
 * second (0.1 s with a million records under ASan). It can block for ever on a lock
 * in EAL's shared memory that a secondary process (dpdk-dumpcap) left taken: one
 * killed while holding it, or one whose own EAL init failed (DPDK 22.11 then leaves
 * the memory lock taken, and rte_eal_cleanup() waits on it).
 */
#define STOP_TIMEOUT_S 10

static volatile sig_atomic_t quit_signal;
/* Exit status of a stop cut short: 1 until the results are saved. */
static volatile sig_atomic_t stop_exit_status = 1;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
on_stop_timeout(int sig)
{
	static const char msg[] = "sipcancel: stopping blocked for "
		RTE_STR(STOP_TIMEOUT_S) " s (a lock in EAL's shared memory left taken by "
		"a secondary process such as dpdk-dumpcap?): exiting with the clean-up "
		"unfinished\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(stop_exit_status);
}

/* From the first call on, the process exits within STOP_TIMEOUT_S. */
static void
stop_deadline_arm(void)
{
	static bool armed;

	if (armed)
		return;
	armed = true;
	signal(SIGALRM, on_stop_timeout);
	alarm(STOP_TIMEOUT_S);
}

struct app {
	struct sc_app_cfg cfg;
	struct sc_net_cfg net;
	uint16_t ports[SC_APP_MAX_PORTS];
	uint16_t n_ports;
	uint64_t tx_capa[SC_APP_MAX_PORTS];	/* checksum offloads in use, by index */
	unsigned n_workers;
	struct sc_worker *w[RTE_MAX_LCORE];
	struct rte_ring *rings[RTE_MAX_LCORE];
	struct rte_mempool *mp;
	struct rte_mempool *mp_indirect;	/* IP fragments' payload pieces */
	struct sc_thp_heap pool_heap;		/* --no-huge: both pools' memory */
	struct sc_txn_table *table;
	struct sc_stats_extra extra;
	bool pace;
	bool pdump;				/* rte_pdump_init() done: dpdk-dumpcap may attach */
	int ts_off;
	uint64_t ts_flag;
	uint64_t ts_per_sec[SC_APP_MAX_PORTS];	/* RX timestamp unit, by index */
};

static struct app app;

static uint32_t
pow2_at_least(uint64_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1U << 30))
		p <<= 1;
	return p;
}

/* Fill the lib/net configuration from the options and the ports' MACs and MTUs. */
static int
net_cfg_init(void)
{
	struct sc_net_cfg *n = &app.net;
	unsigned i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < app.cfg.n_local_ips; i++) {
		const struct sc_app_ip *ip = &app.cfg.local_ips[i];

		if (ip->family == AF_INET) {
			if (n->ipv4_count == SC_NET_MAX_IPV4) {
				fprintf(stderr, "sipcancel: --local-ip: at most %d IPv4 "
					"addresses\n", SC_NET_MAX_IPV4);
				return -EINVAL;
			}
			memcpy(&n->ipv4[n->ipv4_count++].v4, ip->addr, 4);
		} else {
			if (n->ipv6_count == SC_NET_MAX_IPV6) {
				fprintf(stderr, "sipcancel: --local-ip: at most %d IPv6 "
					"addresses\n", SC_NET_MAX_IPV6);
				return -EINVAL;
			}
			memcpy(n->ipv6[n->ipv6_count++].v6, ip->addr, 16);
		}
	}
	for (i = 0; i < app.cfg.n_sip_ports; i++)
		n->sip_ports[i] = app.cfg.sip_ports[i];
	n->sip_port_count = (uint8_t)app.cfg.n_sip_ports;
	for (i = 0; i < app.n_ports; i++) {
		uint16_t pid = app.ports[i];
		uint16_t mtu = 0;

		if (app.cfg.mac_set)
			n->mac[pid] = app.cfg.mac;
		else
			rte_eth_macaddr_get(pid, &n->mac[pid]);
		if (rte_eth_dev_get_mtu(pid, &mtu) == 0)
			n->mtu[pid] = mtu;
	}
	return 0;
}

/* Configure one port: one RX/TX queue pair per worker, RSS and offloads if it has them. */
static int
port_init(unsigned idx)
{
	uint16_t pid = app.ports[idx];
	uint16_t nq = (uint16_t)app.n_workers;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxc;
	struct rte_eth_txconf txc;
	uint16_t nrx = app.cfg.rx_desc, ntx = app.cfg.tx_desc;
	uint64_t want;
	uint16_t q;
	int rc;

	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		return rc;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		fprintf(stderr, "sipcancel: port %u (%s) has %u RX / %u TX queues, %u "
			"worker lcores need one pair each (net_pcap: one rx_pcap and one "
			"tx_pcap per worker; net_af_packet: qpairs=N)\n", pid, info.driver_name,
			info.max_rx_queues, info.max_tx_queues, nq);
		return -EINVAL;
	}
	/*
	 * net_af_packet opens its qpairs sockets at probe and the kernel spreads frames
	 * over all of them (PACKET_FANOUT): a queue no worker polls loses its share.
	 */
	if (strcmp(info.driver_name, "net_af_packet") == 0 && info.max_rx_queues != nq) {
		fprintf(stderr, "sipcancel: port %u (net_af_packet) has qpairs=%u, but %u "
			"worker lcore(s) poll it: the kernel spreads frames over every queue, "
			"so give qpairs=%u\n", pid, info.max_rx_queues, nq, nq);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (nq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
						   info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads;
	} else if (nq > 1) {
		SC_APP_LOG(NOTICE, "port %u (%s): no RSS, each queue gets what the driver "
			   "gives it", pid, info.driver_name);
	}
	want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	if (!app.cfg.no_offload)
		conf.rxmode.offloads |= info.rx_offload_capa & want;
	if (app.pace && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) != 0)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	/*
	 * net_pcap stamps every packet once the field is registered, in microseconds
	 * (capture time), without advertising the offload; other drivers use ns.
	 */
	app.ts_per_sec[idx] = strcmp(info.driver_name, "net_pcap") == 0 ? 1000000 :
			      1000000000;
	want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	app.tx_capa[idx] = app.cfg.no_offload ? 0 : info.tx_offload_capa & want;
	conf.txmode.offloads = app.tx_capa[idx];

	rc = rte_eth_dev_configure(pid, nq, nq, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	if (rc != 0)
		return rc;
	rxc = info.default_rxconf;
	rxc.offloads = conf.rxmode.offloads;
	txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nrx, rte_eth_dev_socket_id(pid), &rxc,
					    app.mp);
		if (rc != 0)
			return rc;
		rc = rte_eth_tx_queue_setup(pid, q, ntx, rte_eth_dev_socket_id(pid), &txc);
		if (rc != 0)
			return rc;
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0)
		return rc;
	/* --mac: frames come to an address the port does not own. */
	if (app.cfg.mac_set && rte_eth_promiscuous_enable(pid) != 0)
		SC_APP_LOG(WARNING, "port %u: promiscuous mode unavailable", pid);
	/* IPv6 NS go to solicited-node multicast groups. */
	(void)rte_eth_allmulticast_enable(pid);
	SC_APP_LOG(INFO, "port %u (%s): %u queue pair(s), %s, checksums %s", pid,
		   info.driver_name, nq, conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ?
		   "RSS" : "no RSS", app.tx_capa[idx] != 0 ? "offloaded" : "in software");
	return 0;
}

/* True when two enabled lcores may run on the same CPU. */
static bool
lcores_share_cpu(void)
{
	unsigned a, b;

	RTE_LCORE_FOREACH(a) {
		RTE_LCORE_FOREACH(b) {
			rte_cpuset_t x = rte_lcore_cpuset(a), y = rte_lcore_cpuset(b), z;

			if (a >= b)
				continue;
			CPU_AND(&z, &x, &y);
			if (CPU_COUNT(&z) != 0)
				return true;
		}
	}
	return false;
}

static int
workers_init(void)
{
	struct sc_cancel_cfg cc;
	struct sc_cancel_sink sink;
	struct sc_txn_table_params tp;
	bool share = lcores_share_cpu();
	uint32_t ring_size;
	unsigned lcore, i = 0, p;
	char name[RTE_RING_NAMESIZE];

	memset(&tp, 0, sizeof(tp));
	tp.name = "sc_txn";
	/* Each owner holds all it may need: RSS may put every call on one core. */
	tp.capacity_per_owner = app.n_workers == 1 ? app.cfg.capacity :
		RTE_MAX(app.cfg.capacity / app.n_workers * 2, (uint32_t)64);
	tp.capacity_per_owner = RTE_MIN(tp.capacity_per_owner, app.cfg.capacity);
	tp.owners = (uint16_t)app.n_workers;
	tp.socket_id = (int)rte_socket_id();
	app.table = sc_txn_table_create(&tp);
	if (app.table == NULL) {
		fprintf(stderr, "sipcancel: transaction table of %u records: %s\n",
			app.cfg.capacity, strerror(errno));
		return -ENOMEM;
	}
	if (!sc_txn_table_publish_direct(app.table))
		SC_APP_LOG(NOTICE, "transaction table: rte_hash key store layout not as "
			   "probed; inserts publish records with a second rte_hash add");

	/* Cross-core events: at most one per record in flight, bounded by capacity. */
	ring_size = pow2_at_least(RTE_MAX(tp.capacity_per_owner, 1024u));
	ring_size = RTE_MIN(ring_size, 1u << 20);
	if (app.n_workers > 1) {
		for (i = 0; i < app.n_workers; i++) {
			snprintf(name, sizeof(name), "sc_ev_%u", i);
			app.rings[i] = rte_ring_create(name, ring_size, (int)rte_socket_id(),
						       RING_F_SC_DEQ);
			if (app.rings[i] == NULL) {
				fprintf(stderr, "sipcancel: ring %s: %s\n", name,
					rte_strerror(rte_errno));
				return -ENOMEM;
			}
		}
	}

	sc_cancel_cfg_defaults(&cc);
	cc.role = app.cfg.role == SC_APP_ROLE_PROXY ? SC_CANCEL_ROLE_PROXY : SC_CANCEL_ROLE_UAS;
	cc.timer_c_us = app.cfg.timer_c_ms * 1000ULL;
	cc.cancel_same_source = app.cfg.cancel_same_source;
	cc.path_local = sc_px_path_local;
	cc.t1_us = app.cfg.t1_ms * 1000ULL;
	cc.t2_us = app.cfg.t2_ms * 1000ULL;
	cc.t4_us = app.cfg.t4_ms * 1000ULL;
	cc.ring_delay_us = app.cfg.ring_delay_ms * 1000ULL;
	cc.final_delay_us = app.cfg.final_delay_ms * 1000ULL;
	cc.final_code = app.cfg.final_code;
	cc.retry_after_s = app.cfg.retry_after_s;
	cc.path_len = sizeof(struct sc_net_path);
	cc.path_source = sc_worker_path_source;

	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct sc_worker *w;
		struct sc_worker_burst *b;

		w = rte_zmalloc_socket("sc_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		b = rte_zmalloc_socket("sc_burst", sizeof(*b), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL || b == NULL) {
			rte_free(w);
			rte_free(b);
			return -ENOMEM;
		}
		app.w[i] = w;
		w->burst = b;
		w->lcore_id = lcore;
		w->queue_id = (uint16_t)i;
		w->net_cfg = &app.net;
		w->mp = app.mp;
		sc_worker_frag_init(w, app.mp_indirect, app.n_workers);
		w->table = app.table;
		w->yield_idle = share;
		w->pace = app.pace;
		w->ts_off = app.ts_off;
		w->ts_flag = app.ts_flag;
		w->clock.now_us = sc_worker_tsc_now_us;
		w->clock.ctx = w;
		sc_worker_clock_init(w, rte_get_tsc_hz());
		w->n_ports = app.n_ports;
		for (p = 0; p < app.n_ports; p++) {
			struct sc_worker_port *wp = &w->ports[p];

			wp->port_id = app.ports[p];
			wp->tx_offload_capa = app.tx_capa[p];
			wp->ts_per_sec = app.ts_per_sec[p];
			wp->txb = rte_zmalloc_socket("sc_txb",
						     RTE_ETH_TX_BUFFER_SIZE(SC_APP_BURST * 2), 0,
						     (int)rte_lcore_to_socket_id(lcore));
			if (wp->txb == NULL)
				return -ENOMEM;
			rte_eth_tx_buffer_init(wp->txb, SC_APP_BURST * 2);
			rte_eth_tx_buffer_set_err_callback(wp->txb, sc_worker_tx_drop, w);
		}
		w->frag = sc_net_frag_create(FRAG_FLOWS_PER_LCORE,
					     rte_get_tsc_hz() / 1000 * FRAG_TIMEOUT_MS,
					     (int)rte_lcore_to_socket_id(lcore));
		if (w->frag == NULL) {
			fprintf(stderr, "sipcancel: reassembly table: %s\n", strerror(errno));
			return -ENOMEM;
		}
		w->wheel = sc_timer_wheel_create(TIMER_TICK_US, sc_clock_now_us(&w->clock));
		if (w->wheel == NULL)
			return -ENOMEM;
		if (app.cfg.role == SC_APP_ROLE_PROXY) {
			w->px = sc_px_worker_create(&app.cfg, (int)rte_lcore_to_socket_id(lcore));
			if (w->px == NULL)
				return -ENOMEM;
		}
		sink.send = sc_worker_sink_send;
		sink.sink_ctx = w;
		sink.next_path = sc_worker_next_path;
		w->cancel = sc_cancel_ctx_create(&cc, app.table, w->wheel, &w->clock, i,
						 app.n_workers > 1 ? app.rings : NULL,
						 app.n_workers > 1 ? app.n_workers : 0, &sink);
		if (w->cancel == NULL) {
			fprintf(stderr, "sipcancel: %s context for lcore %u: %s\n",
				app.cfg.role == SC_APP_ROLE_PROXY ? "proxy" : "UAS", lcore,
				strerror(errno));
			return -errno;
		}
		i++;
	}
	return 0;
}

static void
workers_free(void)
{
	unsigned i;

	for (i = 0; i < app.n_workers; i++) {
		struct sc_worker *w = app.w[i];

		if (w == NULL)
			continue;
		sc_worker_release(w);
		if (w->cancel != NULL)
			app.extra.live_records += sc_cancel_live_records(w->cancel);
	}
}

static void
resources_free(void)
{
	unsigned i, p;

	for (i = 0; i < app.n_workers; i++) {
		struct sc_worker *w = app.w[i];

		if (w == NULL)
			continue;
		if (w->cancel != NULL) {
			w->cancel_snap = *sc_cancel_counters(w->cancel);
			sc_cancel_ctx_free(w->cancel);
		}
		w->cancel = NULL;
		if (app.table != NULL)
			sc_txn_counters_get(app.table, w->queue_id, &w->txn_snap);
		w->table = NULL;
		if (w->wheel != NULL)
			sc_timer_wheel_free(w->wheel);
		sc_net_frag_free(w->frag);
		w->frag = NULL;
		sc_px_worker_free(w->px);
		w->px = NULL;
		for (p = 0; p < w->n_ports; p++)
			rte_free(w->ports[p].txb);
		rte_free(w->burst);
	}
	for (i = 0; i < app.n_workers; i++)
		rte_ring_free(app.rings[i]);
	if (app.table != NULL)
		sc_txn_table_free(app.table);
}

/*
 * Is every worker idle for longer than --exit-idle? Idle time is measured on the
 * worker's own loop (last loop start - last receive), so a worker that was not
 * scheduled for a while (a loaded host, a blocking pcap write) never looks idle.
 */
static bool
idle_expired(void)
{
	uint64_t limit = rte_get_tsc_hz() / 1000 * app.cfg.exit_idle_ms;
	unsigned i;

	for (i = 0; i < app.n_workers; i++) {
		uint64_t rx = app.w[i]->last_rx_tsc;
		uint64_t loop = app.w[i]->last_loop_tsc;

		if (loop <= rx || loop - rx < limit)
			return false;
	}
	return true;
}

/*
 * Proxy start-up log of the routing: each gateway; and a hop outside the on-link
 * prefixes given, with no gateway of its family, which is still resolved as
 * on-link: likely a missing --gateway, so say so.
 */
static void
log_routing(const struct sc_app_cfg *cfg)
{
	char txt[INET6_ADDRSTRLEN];
	unsigned i, k;

	for (i = 0; i < 2; i++) {
		if (!cfg->gateway_set[i])
			continue;
		inet_ntop(cfg->gateway[i].family, cfg->gateway[i].addr, txt, sizeof(txt));
		SC_APP_LOG(INFO, "proxy: off-link IPv%d addresses through gateway %s",
			   i ? 6 : 4, txt);
	}
	for (k = 0; k <= cfg->n_routes; k++) {
		const struct sc_app_hop *hop = k < cfg->n_routes ? &cfg->routes[k].hop :
					       cfg->next_hop_set ? &cfg->next_hop : NULL;
		int f;
		bool prefixed = false;

		if (hop == NULL)
			continue;
		f = hop->ip.family;
		for (i = 0; i < cfg->n_local_ips; i++)
			if (cfg->local_ips[i].family == f &&
			    cfg->local_prefix[i] < (f == AF_INET ? 32 : 128))
				prefixed = true;
		if (!prefixed || cfg->gateway_set[f == AF_INET6] ||
		    sc_app_onlink(cfg, f, hop->ip.addr))
			continue;
		inet_ntop(f, hop->ip.addr, txt, sizeof(txt));
		SC_APP_LOG(NOTICE, "proxy: hop %s is outside every --local-ip prefix and there "
			   "is no --gateway for it: resolved as on-link", txt);
	}
}

/* Returns 0 on a requested stop (signal, --exit-idle), -1 when a worker died. */
static int
main_loop(void)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t last_stats = rte_rdtsc();
	uint64_t now;
	unsigned i;

	for (;;) {
		usleep(MAIN_TICK_US);
		now = rte_rdtsc();
		if (quit_signal != 0) {
			SC_APP_LOG(NOTICE, "signal %d: stopping", (int)quit_signal);
			return 0;
		}
		if (app.cfg.exit_idle_ms != 0 && idle_expired()) {
			SC_APP_LOG(INFO, "no packet for %u ms: stopping", app.cfg.exit_idle_ms);
			return 0;
		}
		for (i = 0; i < app.n_workers; i++)
			if (!app.w[i]->running && rte_eal_get_lcore_state(app.w[i]->lcore_id)
			    == WAIT)
				break;
		if (i < app.n_workers) {
			SC_APP_LOG(ERR, "worker lcore %u stopped", app.w[i]->lcore_id);
			return -1;
		}
		if (app.cfg.stats_period_s != 0 &&
		    now - last_stats >= hz * app.cfg.stats_period_s) {
			sc_stats_print_rates(stdout, app.w, app.n_workers,
					     (double)(now - last_stats) / (double)hz);
			last_stats = now;
		}
	}
}

/*
 * Split argv at the first "--": EAL before it, the application after it. Returns
 * the EAL's argc; *app_argc is 0 when there is no "--".
 */
static int
app_args(int argc, char **argv, int *app_argc, char ***app_argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			break;
	if (i == argc) {
		*app_argc = 0;
		*app_argv = argv;
		return argc;
	}
	/* The application sees argv[0] followed by what came after "--". */
	argv[i] = argv[0];
	*app_argc = argc - i;
	*app_argv = &argv[i];
	return i;
}

/* "-h" or "--help" among the EAL options, as testpmd and l3fwd take it. */
static bool
eal_asks_help(int eal_argc, char **argv)
{
	int i;

	for (i = 1; i < eal_argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

static void
eal_usage_hook(const char *prog)
{
	sc_app_usage(prog);
}

/*
 * Every port's driver copies frames between its own buffers and the mbufs, so no
 * device DMAs into an mbuf and no other process maps one. Other virtual devices
 * may not: net_bonding and net_failsafe wrap PCI ports, and net_virtio_user and
 * net_memif hand the memory's file descriptors to a peer.
 */
static bool
ports_all_copying(void)
{
	static const char *const copying[] = {
		"net_pcap", "net_af_packet", "net_tap", "net_ring", "net_null",
	};
	struct rte_eth_dev_info info;
	unsigned k;
	int i;

	for (i = 0; i < app.n_ports; i++) {
		if (rte_eth_dev_info_get(app.ports[i], &info) != 0 || info.driver_name == NULL)
			return false;
		for (k = 0; k < RTE_DIM(copying); k++)
			if (strcmp(info.driver_name, copying[k]) == 0)
				break;
		if (k == RTE_DIM(copying))
			return false;
	}
	return true;
}

/*
 * The socket the mbuf pools are created on. With --no-huge and only copying
 * drivers, a heap on transparent huge pages (sc_thp.h): on the memfd's 4 KiB pages,
 * a pool cycled through its ring costs a TLB miss on nearly every packet's first
 * touch. Any other port needs EAL memory (DMA, or memory a peer can map).
 */
static int
pools_socket(uint64_t n, uint64_t n_indirect)
{
	size_t len;
	int rc;

	if (rte_eal_has_hugepages() || !ports_all_copying())
		return (int)rte_socket_id();
	len = sc_thp_pktmbuf_pool_bytes((unsigned)n, RTE_MBUF_DEFAULT_BUF_SIZE) +
	      sc_thp_pktmbuf_pool_bytes((unsigned)n_indirect, 0);
	rc = sc_thp_heap_create(&app.pool_heap, "sc_mbuf_thp", len);
	if (rc != 0) {
		SC_APP_LOG(NOTICE, "mbuf pools on 4 KiB pages: no THP heap: %s", strerror(-rc));
		return (int)rte_socket_id();
	}
	SC_APP_LOG(INFO, "--no-huge: mbuf pools on transparent huge pages (%zu MiB heap)",
		   app.pool_heap.len >> 20);
	return app.pool_heap.socket;
}

int
main(int argc, char **argv)
{
	int eal_argc, a_argc, rc, i;
	char **a_argv;
	uint16_t pid;
	unsigned lcore;
	int status = 0;

	/* Options first: --help and bad options need no EAL. */
	eal_argc = app_args(argc, argv, &a_argc, &a_argv);
	rte_set_application_usage_hook(eal_usage_hook);
	if (eal_asks_help(eal_argc, argv)) {
		/* EAL prints its options and ours (the hook), then exits. */
		(void)rte_eal_init(eal_argc, argv);
		sc_app_usage(argv[0]);
		return 0;
	}
	if (a_argc == 0) {
		fprintf(stderr, "sipcancel: no application options: they go after \"--\" "
			"(%s [EAL options] -- --local-ip ADDR [options]); see --help\n",
			argv[0]);
		return EXIT_BAD_OPTION;
	}
	rc = sc_app_parse_args(&app.cfg, a_argc, a_argv);
	if (rc == 1) {
		sc_app_usage(argv[0]);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "sipcancel: see --help\n");
		return EXIT_BAD_OPTION;
	}
	rc = rte_eal_init(eal_argc, argv);
	if (rc < 0) {
		fprintf(stderr, "sipcancel: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return EXIT_BAD_OPTION;
	}
	/* EAL moves what it did not take behind what it parsed (rc arguments). */
	if (rc + 1 < eal_argc) {
		fprintf(stderr, "sipcancel: '%s' before \"--\" is not an EAL option; "
			"application options go after \"--\"\n", argv[rc + 1]);
		rte_eal_cleanup();
		return EXIT_BAD_OPTION;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/*
	 * Capture with dpdk-dumpcap or dpdk-pdump, which attach as secondary processes:
	 * they need EAL memory in hugepages, so with --no-huge there is nothing to
	 * attach to (capture on the veth or in net_pcap's files instead).
	 */
	if (rte_eal_has_hugepages() && rte_pdump_init() == 0)
		app.pdump = true;
	else
		SC_APP_LOG(INFO, "packet capture (dpdk-dumpcap) unavailable: %s",
			   rte_eal_has_hugepages() ? rte_strerror(rte_errno) :
			   "it needs hugepages (--no-huge)");

	RTE_ETH_FOREACH_DEV(pid) {
		if (app.n_ports == SC_APP_MAX_PORTS) {
			fprintf(stderr, "sipcancel: more than %d ports\n", SC_APP_MAX_PORTS);
			status = EXIT_BAD_OPTION;
			goto out_eal;
		}
		app.ports[app.n_ports++] = pid;
	}
	if (app.n_ports == 0) {
		fprintf(stderr, "sipcancel: no port: give a PCI device or a --vdev "
			"(net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap; net_af_packet0,iface=X)\n");
		status = EXIT_BAD_OPTION;
		goto out_eal;
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		app.n_workers++;
	if (app.n_workers == 0) {
		fprintf(stderr, "sipcancel: no worker lcore: the main lcore does not poll; "
			"give two or more lcores (-l 0-1, --lcores '0@0,1@1')\n");
		status = EXIT_BAD_OPTION;
		goto out_eal;
	}
	if (net_cfg_init() < 0) {
		status = EXIT_BAD_OPTION;
		goto out_eal;
	}

	if (app.cfg.pcap_pace) {
		rc = rte_mbuf_dyn_rx_timestamp_register(&app.ts_off, &app.ts_flag);
		if (rc != 0) {
			fprintf(stderr, "sipcancel: --pcap-pace: no timestamp field\n");
			status = 1;
			goto out_eal;
		}
		app.pace = true;
	}

	{
		/*
		 * RX rings, TX rings and buffers, pacer, reassembly, responses in flight,
		 * a datagram being fragmented (its chain and its fragments), and the
		 * proxy's requests waiting for the next hop (each may be a reassembled chain).
		 */
		uint64_t per_q = (uint64_t)app.cfg.rx_desc + app.cfg.tx_desc + 4 * SC_APP_BURST;
		uint64_t held = app.cfg.role == SC_APP_ROLE_PROXY ?
			(uint64_t)SC_PX_HELD_MAX * FRAG_MAX_PER_FLOW : 0;
		uint64_t n = per_q * app.n_ports * app.n_workers +
			(uint64_t)app.n_workers * (FRAG_FLOWS_PER_LCORE * FRAG_MAX_PER_FLOW +
						   MBUF_CACHE * 2 + 2 * SC_NET_FRAG_MAX + held) +
			1024;
		uint64_t n_indirect;
		int pool_socket;

		n = pow2_at_least(n) - 1;
		/* No data room: these only point into the direct mbufs of a datagram. */
		n_indirect = pow2_at_least((uint64_t)app.n_workers * (INDIRECT_PER_WORKER +
								      2 * INDIRECT_CACHE) + 64) - 1;
		pool_socket = pools_socket(n, n_indirect);
		app.mp = rte_pktmbuf_pool_create("sc_mbuf", (unsigned)n, MBUF_CACHE, 0,
						 RTE_MBUF_DEFAULT_BUF_SIZE, pool_socket);
		if (app.mp == NULL && app.pool_heap.va != NULL) {
			/* The heap was too small or unusable: EAL memory, as with a PCI port. */
			SC_APP_LOG(NOTICE, "mbuf pool on the THP heap: %s; on EAL memory instead",
				   rte_strerror(rte_errno));
			(void)sc_thp_heap_destroy(&app.pool_heap);
			pool_socket = (int)rte_socket_id();
			app.mp = rte_pktmbuf_pool_create("sc_mbuf", (unsigned)n, MBUF_CACHE, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, pool_socket);
		}
		if (app.mp == NULL) {
			fprintf(stderr, "sipcancel: mbuf pool of %" PRIu64 ": %s\n", n,
				rte_strerror(rte_errno));
			status = 1;
			goto out_eal;
		}
		app.extra.mempool_size = n;
		app.extra.mempool_in_use = UINT64_MAX;
		n = n_indirect;
		app.mp_indirect = rte_pktmbuf_pool_create("sc_mbuf_indirect", (unsigned)n,
							  INDIRECT_CACHE, 0, 0, pool_socket);
		if (app.mp_indirect == NULL) {
			fprintf(stderr, "sipcancel: indirect mbuf pool of %" PRIu64 ": %s\n", n,
				rte_strerror(rte_errno));
			rte_mempool_free(app.mp);
			status = 1;
			goto out_eal;
		}
	}

	for (i = 0; i < app.n_ports; i++) {
		rc = port_init((unsigned)i);
		if (rc < 0) {
			fprintf(stderr, "sipcancel: port %u: %s\n", app.ports[i], strerror(-rc));
			status = rc == -EINVAL ? EXIT_BAD_OPTION : 1;
			goto out_ports;
		}
	}
	app.extra.ports = app.ports;
	app.extra.n_ports = (unsigned)app.n_ports;
	rc = workers_init();
	if (rc < 0) {
		status = 1;
		goto out_workers;
	}
	if (sc_stats_telemetry_init(app.w, app.n_workers, &app.extra) != 0)
		SC_APP_LOG(WARNING, "telemetry commands not registered");

	for (i = 0; i < (int)app.n_workers; i++) {
		/* --exit-idle counts from the launch, not from a worker's first loop. */
		app.w[i]->last_rx_tsc = rte_rdtsc();
		app.w[i]->last_loop_tsc = app.w[i]->last_rx_tsc;
		app.w[i]->running = true;
		rte_eal_remote_launch(sc_worker_main, app.w[i], app.w[i]->lcore_id);
	}
	SC_APP_LOG(INFO, "%u worker(s) on %u port(s), role %s", app.n_workers, app.n_ports,
		   app.cfg.role == SC_APP_ROLE_PROXY ? "proxy" : "uas");
	if (app.cfg.role == SC_APP_ROLE_PROXY)
		log_routing(&app.cfg);

	if (main_loop() < 0)
		status = 1;
	stop_deadline_arm();

	for (i = 0; i < (int)app.n_workers; i++)
		app.w[i]->stop = true;
	rte_eal_mp_wait_lcore();
	sc_stats_telemetry_stop();
	workers_free();

out_workers:
	resources_free();
out_ports:
	sc_stats_read_ports(&app.extra);
	app.extra.n_ports = 0;
	for (i = 0; i < app.n_ports; i++) {
		rte_eth_dev_stop(app.ports[i]);
		rte_eth_dev_close(app.ports[i]);
	}
	if (app.mp != NULL) {
		/* Every mbuf back: nothing is held once reassembly tables are freed. */
		app.extra.mempool_in_use = rte_mempool_in_use_count(app.mp) +
					   rte_mempool_in_use_count(app.mp_indirect);
		if (app.extra.mempool_in_use != 0)
			SC_APP_LOG(WARNING, "%" PRIu64 " mbufs still in use at exit",
				   app.extra.mempool_in_use);
	}
	if (app.n_workers > 0 && app.w[0] != NULL) {
		sc_stats_print_final(stdout, app.w, app.n_workers, &app.extra);
		if (app.cfg.stats_file[0] != '\0') {
			rc = sc_stats_write_json(app.cfg.stats_file, app.w, app.n_workers,
						 &app.extra);
			if (rc < 0) {
				fprintf(stderr, "sipcancel: --stats-file %s: %s\n",
					app.cfg.stats_file, strerror(-rc));
				status = 1;
			}
		}
	}
	stop_exit_status = status;	/* the results are out */
	for (i = 0; i < (int)app.n_workers; i++)
		rte_free(app.w[i]);
	rte_mempool_free(app.mp);
	rte_mempool_free(app.mp_indirect);
out_eal:
	stop_deadline_arm();
	if (status != 0)
		stop_exit_status = status;
	if (app.pdump)
		rte_pdump_uninit();
	if (sc_thp_heap_destroy(&app.pool_heap) != 0)
		SC_APP_LOG(WARNING, "mbuf pool heap still in use at exit");
	rte_eal_cleanup();
	return status;
}
