/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_pipeline: the whole fast path of sipcancel measured per core. The worker
 * lcore runs the application's own loop (sc_worker_main from app/sipcancel, linked
 * as sipcancel_core) on a net_ring port; the main lcore is the feeder: it copies
 * frames built from sipcancel-gen templates into mbufs, enqueues them on the port's
 * RX ring and drains its TX ring. Every call gets a fresh 16-hex token patched into
 * its branch and Call-ID (UDP checksum updated incrementally, RFC 1624), so each
 * call is a new transaction while the transaction table holds 1M pending INVITEs.
 *
 * Cycles per received packet = the worker's busy_cycles / rx_packets (loop
 * iterations that received something, driver RX/TX on the rings included); the two
 * baselines (io-forward, parse-and-swap) run on the same lcore with the same
 * accounting and the same packets.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_memcpy.h>
#include <rte_ring.h>
#include <rte_arp.h>
#include <rte_udp.h>

#include "sc_proxy_app.h"
#include "sc_thp.h"
#include "sc_worker.h"

/* The worker library logs through the application's log type: define it here. */
RTE_LOG_REGISTER(sc_app_logtype, sipcancel.app, WARNING)

#define BURST SC_APP_BURST
#define RXR_SIZE 1024
#define TXR_SIZE 4096
#define MAX_FRAME 1600
#define TOK_LEN 16
#define MAX_TOK 4
#define MAX_SEQ 9
#define LAG 64			/* packets of one call are this many steps apart */
#define MAX_Q 2
#define N_MBUF 65535
#define MBUF_CACHE 256
#define TIMER_TICK_US 1000	/* as the application */
#define FRAG_FLOWS 256
#define LOAD_FRACTION 0.8	/* latency measured at this fraction of the max rate */
#define WAIT_S 10		/* give up waiting for the worker after this */
#define RQ_SIZE 4096		/* downstream replies waiting for the RX ring, per queue */
/* Proxy role: the next hop the feeder plays (a UAS that rings, then answers CANCEL). */
#define NH_IP RTE_IPV4(198, 18, 0, 3)
#define SUT_IP RTE_IPV4(198, 18, 0, 2)
/* SC_PIPE_GATEWAY=1: the next hop is off-link here, behind the feeder as gateway NH_IP. */
#define NH_OFFLINK_IP RTE_IPV4(198, 18, 9, 3)
#define SIP_PORT 5060

enum kind {
	K_INV,
	K_CAN,
	K_ACK,
};

/* One frame from sipcancel-gen and where its call token sits. */
struct tmpl {
	uint8_t f[MAX_FRAME];
	uint16_t len;
	uint16_t ck_off;		/* UDP checksum */
	uint16_t ntok;
	uint16_t tok_off[MAX_TOK];
	uint16_t old_sum;		/* raw sum of the words covering the tokens */
	enum kind kind;
};

struct workload {
	const char *name;
	unsigned npk;
	const struct tmpl *seq[MAX_SEQ];
	bool uas_call;			/* counts toward cycles_per_pkt_uas */
	unsigned lag;			/* steps between a call's packets; 0: LAG */
};

/* State of the loop polling one queue: a baseline, or the worker when w is set. */
struct fwd {
	uint16_t port;
	uint16_t queue;
	bool swap;
	struct sc_worker *w;
	struct rte_ring *rxr;
	volatile bool stop;
	/*
	 * Saturation: iterate only once a full burst waits (as at line rate), so the
	 * figure does not depend on how fast the feeder, on a shared CPU, keeps up;
	 * flush lets the tail of a run through.
	 */
	volatile bool gate;
	volatile bool flush;
	volatile uint64_t rx;		/* in iterations that were not preempted */
	volatile uint64_t busy;		/* their cycles */
	volatile uint64_t skip_rx;	/* in iterations longer than preempt_cycles */
	volatile uint64_t skip_iters;
} __rte_cache_aligned;

enum loop_mode {
	MODE_NONE,
	MODE_IO,
	MODE_SWAP,
	MODE_PIPE,
};

/* A port with nq queue pairs and what polls it. */
struct rig {
	uint16_t port;
	unsigned nq;
	struct rte_ring *rx[MAX_Q], *tx[MAX_Q];
	unsigned lcore[MAX_Q];
	enum loop_mode mode;
	struct fwd fwd[MAX_Q];
	struct sc_net_cfg net;
	struct sc_txn_table *table;
	struct rte_ring *ev[MAX_Q];
	struct sc_worker *w[MAX_Q];
	bool proxy;			/* role proxy: the feeder answers for the next hop */
	struct sc_app_cfg pcfg;		/* what the proxy part of the app reads */
};

struct counters {
	uint64_t rx, busy, skip_rx, drops;
};

struct run_res {
	double cyc;			/* per received packet */
	double cyc_min;			/* best run: the least disturbed by others */
	double skip;			/* fraction of packets in preempted iterations */
	double wall_mpps;
	double lat_p50_us, lat_p99_us;
	double wlat_p50_us, wlat_p99_us;	/* inside the worker: its iteration, per packet */
	double offered_mpps;
	uint64_t drops;
	uint64_t rx;
	double rx_frame, tx_frame;	/* mean frame bytes (no FCS) */
	double tx_per_rx;
};

static struct rte_mempool *mp;
static struct rte_mempool *mp_indirect;	/* IP fragments' payload pieces, as main.c */
static uint64_t hz;
/*
 * The CPUs are shared with other processes: an iteration this long was preempted
 * (a burst of 32 at 2000 cycles each takes ~25 us), so its packets and cycles are
 * left out of cycles per packet and counted apart.
 */
static uint64_t preempt_cycles;
static uint64_t next_tok = 1;
static bool share_cpu;		/* the feeder shares a CPU with a worker */
/* Emulate a NIC's checksum offloads: RX marked good, TX left to the "NIC". */
static bool offload;
static uint64_t *lat_inv, *lat_can;
static uint32_t *lat_samp;
static size_t n_samp, cap_samp;
static uint64_t lat_base;
static uint64_t tx_bytes, tx_pkts, rx_bytes;	/* frame sizes, for line-rate sums */
/*
 * Latency runs: a TX callback on the worker's port writes the TSC of the worker's TX
 * burst into each mbuf, so rx-to-tx ends where the worker hands the packet to the
 * port, not when the feeder gets round to dequeuing it.
 */
static int tx_tsc_off = -1;
static volatile bool tx_stamp;
static struct rte_mbuf *rq[MAX_Q][RQ_SIZE];	/* next-hop replies to inject */
static unsigned rq_n[MAX_Q];
static uint64_t rq_inj;				/* replies injected so far */
static struct sc_sip_msg nh_msg;
/*
 * The INVITEs the next hop rang for, by Call-ID hash: its 487 answers the INVITE
 * (9.2), so it is built from the INVITE, with the INVITE's Vias, as a UAS does.
 */
#define NH_CALLS 8192
struct nh_invite {
	uint32_t len;
	char buf[MAX_FRAME];
};
static struct nh_invite *nh_invites;
static struct sc_sip_msg nh_inv_msg;
static uint64_t nh_487_lost;		/* slot taken by another call: no 487 sent */
static const struct rte_ether_addr nh_mac = { { 2, 0, 0, 0, 0, 3 } };
static uint32_t nh_ip;		/* the next hop's IP: NH_IP, or NH_OFFLINK_IP when routed */
static uint32_t lat_calls;
/*
 * The worker's share of the latency: the length of each loop iteration (rx burst to
 * TX flush) and the packets it received, recorded by worker 0 while a latency run
 * is on. A packet waits at most its iteration inside sipcancel.
 */
static volatile bool iter_rec;
static uint32_t *iter_cyc;
static uint16_t *iter_pk;
static size_t n_iter, cap_iter;

/* ---- templates ------------------------------------------------------------ */

static uint16_t
sum_tokens(const struct tmpl *t, const uint8_t *f)
{
	uint32_t s = 0;
	unsigned i;

	for (i = 0; i < t->ntok; i++) {
		unsigned a = t->tok_off[i] & ~1u, b = (t->tok_off[i] + TOK_LEN + 1u) & ~1u;

		s += rte_raw_cksum(f + a, b - a);
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static int
tmpl_init(struct tmpl *t, const uint8_t *f, uint32_t len)
{
	static const char cookie[] = "branch=z9hG4bK-";
	const uint8_t *p, *end = f + len;
	uint16_t et, l4;
	char tok[TOK_LEN];

	if (len > MAX_FRAME || len < 60)
		return -EINVAL;
	memcpy(t->f, f, len);
	t->len = (uint16_t)len;
	et = (uint16_t)(f[12] << 8 | f[13]);
	if (et == RTE_ETHER_TYPE_IPV4)
		l4 = (uint16_t)(14 + (f[14] & 0xf) * 4);
	else if (et == RTE_ETHER_TYPE_IPV6)
		l4 = 14 + 40;
	else
		return -EINVAL;
	t->ck_off = l4 + 6;
	p = memmem(f, len, cookie, sizeof(cookie) - 1);
	if (p == NULL || p + sizeof(cookie) - 1 + TOK_LEN > end)
		return -EINVAL;
	memcpy(tok, p + sizeof(cookie) - 1, TOK_LEN);
	t->ntok = 0;
	for (p = f + l4 + 8; p + TOK_LEN <= end && t->ntok < MAX_TOK; p++) {
		p = memmem(p, (size_t)(end - p), tok, TOK_LEN);
		if (p == NULL)
			break;
		t->tok_off[t->ntok++] = (uint16_t)(p - f);
	}
	t->old_sum = sum_tokens(t, t->f);
	if (memcmp(f + l4 + 8, "INVITE ", 7) == 0)
		t->kind = K_INV;
	else if (memcmp(f + l4 + 8, "CANCEL ", 7) == 0)
		t->kind = K_CAN;
	else
		t->kind = K_ACK;
	return 0;
}

static const char hexd[] = "0123456789abcdef";

/* Frame of template t for the call with token v, into dst. */
static inline void
tmpl_build(const struct tmpl *t, uint64_t v, uint8_t *dst)
{
	char hex[TOK_LEN];
	uint16_t ck, ns;
	uint32_t s;
	unsigned i;

	for (i = 0; i < TOK_LEN; i++)
		hex[i] = hexd[(v >> (60 - 4 * i)) & 0xf];
	rte_memcpy(dst, t->f, t->len);
	for (i = 0; i < t->ntok; i++)
		memcpy(dst + t->tok_off[i], hex, TOK_LEN);
	memcpy(&ck, dst + t->ck_off, 2);
	if (ck == 0)
		return;		/* IPv4 without checksum (RFC 768) */
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
	ns = sum_tokens(t, dst);
	s = (uint32_t)(uint16_t)~ck + (uint16_t)~t->old_sum + ns;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ck = (uint16_t)~s;
	if (ck == 0)
		ck = 0xffff;
	memcpy(dst + t->ck_off, &ck, 2);
}

/* Run sipcancel-gen for one call and load its frames (at most max). */
static int
gen_frames(const char *gen, const char *dir, const char *scen, bool v6, struct tmpl *out,
	   unsigned max)
{
	char path[512], cmd[1200];
	uint8_t buf[MAX_FRAME];
	uint32_t hdr[6], rec[4];
	unsigned n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s%s.pcap", dir, scen, v6 ? "-v6" : "");
	snprintf(cmd, sizeof(cmd), "'%s' -n 1 -s %s %s -o '%s' >/dev/null", gen, scen,
		 v6 ? "-6" : "", path);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_pipeline: %s failed\n", cmd);
		return -EIO;
	}
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -errno;
	/* Native byte order and microseconds: what sipcancel-gen writes. */
	if (fread(hdr, sizeof(hdr), 1, fp) != 1 || hdr[0] != 0xa1b2c3d4u) {
		fclose(fp);
		return -EINVAL;
	}
	while (n < max && fread(rec, sizeof(rec), 1, fp) == 1) {
		if (rec[2] > sizeof(buf) || fread(buf, rec[2], 1, fp) != 1)
			break;
		if (tmpl_init(&out[n], buf, rec[2]) < 0) {
			fclose(fp);
			return -EINVAL;
		}
		n++;
	}
	fclose(fp);
	unlink(path);
	return (int)n;
}

/* ---- baselines ------------------------------------------------------------ */

static inline void
swap_pkt(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr ea = eth->src_addr;
	struct rte_udp_hdr *udp;
	uint16_t port;

	eth->src_addr = eth->dst_addr;
	eth->dst_addr = ea;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		uint32_t a = ip->src_addr;

		if (ip->next_proto_id != IPPROTO_UDP)
			return;
		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		udp = (struct rte_udp_hdr *)((char *)ip + rte_ipv4_hdr_len(ip));
	} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
		uint8_t a[16];

		if (ip->proto != IPPROTO_UDP)
			return;
		memcpy(a, ip->src_addr, 16);
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, a, 16);
		udp = (struct rte_udp_hdr *)(ip + 1);
	} else {
		return;
	}
	port = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = port;
}

/*
 * The loop on a worker lcore: sc_worker_iterate (the application's loop body) or a
 * baseline (rx burst -> [parse, swap] -> tx burst), each iteration timed alike.
 */
static int
loop_main(void *arg)
{
	struct fwd *f = arg;
	struct rte_mbuf *pk[BURST];
	uint64_t last = rte_rdtsc(), t0, t1, rx0;
	uint16_t n, s, i;
	bool busy;

	if (f->w != NULL && sc_txn_thread_register(f->w->table, f->w->queue_id) < 0)
		return -1;
	while (!f->stop) {
		if (f->gate && !f->flush && rte_ring_count(f->rxr) < BURST) {
			if (share_cpu)
				sched_yield();
			else
				rte_pause();
			continue;
		}
		t0 = rte_rdtsc();
		if (f->w != NULL) {
			rx0 = f->w->stats.app[SC_APP_C_RX_PACKETS];
			busy = sc_worker_iterate(f->w, &last);
			n = (uint16_t)(f->w->stats.app[SC_APP_C_RX_PACKETS] - rx0);
		} else {
			n = rte_eth_rx_burst(f->port, f->queue, pk, BURST);
			if (n != 0) {
				if (f->swap)
					for (i = 0; i < n; i++)
						swap_pkt(pk[i]);
				s = rte_eth_tx_burst(f->port, f->queue, pk, n);
				if (s < n)
					rte_pktmbuf_free_bulk(pk + s, n - s);
			}
			busy = n != 0;
		}
		t1 = rte_rdtsc();
		if (iter_rec && f->w != NULL && f->queue == 0 && n != 0 && n_iter < cap_iter) {
			iter_cyc[n_iter] = (uint32_t)RTE_MIN(t1 - t0, (uint64_t)UINT32_MAX);
			iter_pk[n_iter] = n;
			__atomic_store_n(&n_iter, n_iter + 1, __ATOMIC_RELEASE);
		}
		if (busy && t1 - t0 < preempt_cycles) {
			f->busy += t1 - t0;
			f->rx += n;
		} else if (busy) {
			f->skip_rx += n;
			f->skip_iters++;
		} else if (share_cpu) {
			sched_yield();
		}
	}
	if (f->w != NULL)
		sc_txn_thread_unregister(f->w->table, f->w->queue_id);
	return 0;
}

/* ---- stall probe: what the CPU alone does to latency ------------------------ */

#define STALL_PROBE_GAPS (1u << 20)
#define STALL_PROBE_RUNS 8

/*
 * A loop that does nothing but read the TSC, on a worker's CPU, records every gap
 * over 1 us between two reads: the time the CPU was taken away (host steal,
 * interrupts, other tasks, RT throttling). A packet arriving at a random instant
 * waits out the rest of the gap it lands in, so the gaps alone give a latency
 * floor that no worker loop can beat on this machine: the baseline for the p99
 * target.
 */
struct stall_probe {
	uint64_t cycles;		/* how long to run */
	uint32_t *gap;			/* cycles, STALL_PROBE_GAPS of them */
	uint32_t n;
	uint64_t lost;			/* sum of the recorded gaps */
};

static int
stall_main(void *arg)
{
	struct stall_probe *sp = arg;
	uint64_t t0 = rte_rdtsc(), prev = t0, now, min_gap = hz / 1000000;

	sp->n = 0;
	sp->lost = 0;
	while ((now = rte_rdtsc()) - t0 < sp->cycles) {
		uint64_t g = now - prev;

		if (g > min_gap) {
			sp->lost += g;
			if (sp->n < STALL_PROBE_GAPS)
				sp->gap[sp->n++] = (uint32_t)RTE_MIN(g, (uint64_t)UINT32_MAX);
		}
		prev = now;
	}
	return 0;
}

/*
 * The wait x (us) that a packet arriving at a uniformly random instant exceeds with
 * probability frac: the sum over gaps of max(0, gap - x), over the probe's length,
 * equals frac. Bisection: that sum falls as x grows.
 */
static double
stall_wait_quantile(const struct stall_probe *sp, double frac)
{
	double lo = 0, hi = 0, us = (double)hz / 1e6, len = (double)sp->cycles / us;
	unsigned it;
	uint32_t i;

	for (i = 0; i < sp->n; i++)
		hi = RTE_MAX(hi, sp->gap[i] / us);
	for (it = 0; it < 50; it++) {
		double x = (lo + hi) / 2, over = 0;

		for (i = 0; i < sp->n; i++)
			if (sp->gap[i] / us > x)
				over += sp->gap[i] / us - x;
		if (over / len > frac)
			lo = x;
		else
			hi = x;
	}
	return hi;
}

/* Run the probe on lcore for seconds and print it as a baseline line. */
static int
stall_probe_run(unsigned lcore, unsigned cpu, double seconds)
{
	struct stall_probe sp = { .cycles = (uint64_t)(seconds * (double)hz) };
	double us = (double)hz / 1e6, max_us = 0;
	uint32_t i, over10 = 0, over50 = 0;

	sp.gap = malloc(STALL_PROBE_GAPS * sizeof(*sp.gap));
	if (sp.gap == NULL)
		return -ENOMEM;
	if (rte_eal_remote_launch(stall_main, &sp, lcore) != 0) {
		free(sp.gap);
		return -EBUSY;
	}
	rte_eal_wait_lcore(lcore);
	for (i = 0; i < sp.n; i++) {
		max_us = RTE_MAX(max_us, sp.gap[i] / us);
		over10 += sp.gap[i] > 10 * us;
		over50 += sp.gap[i] > 50 * us;
	}
	printf("baseline stall_probe cpu=%u seconds=%.2f lost_pct=%.3f gaps_over_1us=%u "
	       "gaps_over_10us=%u gaps_over_50us=%u max_gap_us=%.1f stall_wait_p99_us=%.2f "
	       "stall_wait_p999_us=%.2f\n", cpu, seconds,
	       100.0 * (double)sp.lost / (double)sp.cycles, sp.n, over10, over50, max_us,
	       stall_wait_quantile(&sp, 0.01), stall_wait_quantile(&sp, 0.001));
	free(sp.gap);
	return 0;
}

/* ---- rig: port, loops ----------------------------------------------------- */

static uint16_t
stamp_tx(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	uint64_t now;
	uint16_t i;

	RTE_SET_USED(port);
	RTE_SET_USED(queue);
	RTE_SET_USED(arg);
	if (!tx_stamp)
		return n;
	now = rte_rdtsc();
	for (i = 0; i < n; i++)
		*RTE_MBUF_DYNFIELD(pkts[i], tx_tsc_off, uint64_t *) = now;
	return n;
}

static int
rig_port(struct rig *r, unsigned nq, const char *name)
{
	static const struct rte_mbuf_dynfield tx_tsc_desc = {
		.name = "sc_bench_tx_tsc",
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	struct rte_eth_conf conf;
	unsigned q;
	char rn[RTE_RING_NAMESIZE];
	int pid;

	r->nq = nq;
	for (q = 0; q < nq; q++) {
		snprintf(rn, sizeof(rn), "%s_rx%u", name, q);
		r->rx[q] = rte_ring_create(rn, RXR_SIZE, (int)rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx%u", name, q);
		r->tx[q] = rte_ring_create(rn, TXR_SIZE, (int)rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (r->rx[q] == NULL || r->tx[q] == NULL)
			return -ENOMEM;
	}
	pid = rte_eth_from_rings(name, r->rx, nq, r->tx, nq, rte_socket_id());
	if (pid < 0)
		return -ENODEV;
	r->port = (uint16_t)pid;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(r->port, (uint16_t)nq, (uint16_t)nq, &conf) != 0)
		return -EIO;
	for (q = 0; q < nq; q++) {
		if (rte_eth_rx_queue_setup(r->port, (uint16_t)q, RXR_SIZE, rte_socket_id(), NULL,
					   mp) != 0 ||
		    rte_eth_tx_queue_setup(r->port, (uint16_t)q, TXR_SIZE, rte_socket_id(),
					   NULL) != 0)
			return -EIO;
	}
	if (rte_eth_dev_start(r->port) != 0)
		return -EIO;
	if (tx_tsc_off < 0)
		tx_tsc_off = rte_mbuf_dynfield_register(&tx_tsc_desc);
	if (tx_tsc_off < 0)
		return -ENOSPC;
	for (q = 0; q < nq; q++)
		if (rte_eth_add_tx_callback(r->port, (uint16_t)q, stamp_tx, NULL) == NULL)
			return -EIO;
	/* sipcancel-gen's defaults: SUT 02:00:00:00:00:02, 198.18.0.2, 2001:2::2, 5060. */
	memset(&r->net, 0, sizeof(r->net));
	r->net.ipv4[0].v4 = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	r->net.ipv4_count = 1;
	memset(r->net.ipv6[0].v6, 0, 16);
	r->net.ipv6[0].v6[0] = 0x20;
	r->net.ipv6[0].v6[1] = 0x01;
	r->net.ipv6[0].v6[3] = 0x02;
	r->net.ipv6[0].v6[15] = 0x02;
	r->net.ipv6_count = 1;
	r->net.sip_ports[0] = 5060;
	r->net.sip_port_count = 1;
	r->net.mac[r->port] = (struct rte_ether_addr){ { 2, 0, 0, 0, 0, 2 } };
	return 0;
}

static void
rig_counters(const struct rig *r, struct counters *c)
{
	unsigned q;

	memset(c, 0, sizeof(*c));
	for (q = 0; q < r->nq; q++) {
		c->rx += r->fwd[q].rx;
		c->busy += r->fwd[q].busy;
		c->skip_rx += r->fwd[q].skip_rx;
		if (r->mode == MODE_PIPE) {
			const struct sc_app_stats *s = &r->w[q]->stats;

			/* Every received packet not handed to lib/cancel nor answered (ARP)
			 * was dropped.
			 */
			c->drops += s->app[SC_APP_C_RX_PACKETS] - s->app[SC_APP_C_RX_SIP_HANDLED] -
				    s->app[SC_APP_C_RX_REPLIED_IN_PLACE] +
				    s->app[SC_APP_C_TX_DROPPED] + s->app[SC_APP_C_TX_ALLOC_FAIL];
		}
	}
}

static void
rig_start(struct rig *r, enum loop_mode mode)
{
	unsigned q;

	r->mode = mode;
	for (q = 0; q < r->nq; q++) {
		struct fwd *f = &r->fwd[q];

		f->port = r->port;
		f->queue = (uint16_t)q;
		f->swap = mode == MODE_SWAP;
		f->w = mode == MODE_PIPE ? r->w[q] : NULL;
		f->rxr = r->rx[q];
		f->gate = false;
		f->flush = true;
		f->stop = false;
		f->rx = 0;
		f->busy = 0;
		f->skip_rx = 0;
		f->skip_iters = 0;
		rte_eal_remote_launch(loop_main, f, r->lcore[q]);
	}
}

static void
rig_stop(struct rig *r)
{
	unsigned q;

	for (q = 0; q < r->nq; q++)
		r->fwd[q].stop = true;
	for (q = 0; q < r->nq; q++)
		rte_eal_wait_lcore(r->lcore[q]);
	r->mode = MODE_NONE;
}

/* The application's worker set-up (app/sipcancel/main.c workers_init), role uas. */
static int
rig_pipe_init(struct rig *r, uint32_t capacity)
{
	struct sc_txn_table_params tp;
	struct sc_cancel_cfg cc;
	struct sc_cancel_sink sink;
	char name[RTE_RING_NAMESIZE];
	unsigned q;

	memset(&tp, 0, sizeof(tp));
	snprintf(name, sizeof(name), "bp_txn%u", r->nq);
	tp.name = name;
	/* RSS-like spreading is balanced here: each owner needs its share plus slack. */
	tp.capacity_per_owner = r->nq == 1 ? capacity : capacity / r->nq * 6 / 5;
	tp.owners = (uint16_t)r->nq;
	tp.socket_id = (int)rte_socket_id();
	r->table = sc_txn_table_create(&tp);
	if (r->table == NULL)
		return -ENOMEM;
	if (r->nq > 1) {
		for (q = 0; q < r->nq; q++) {
			snprintf(name, sizeof(name), "bp_ev%u_%u", r->nq, q);
			r->ev[q] = rte_ring_create(name, 1u << 20, (int)rte_socket_id(),
						   RING_F_SC_DEQ);
			if (r->ev[q] == NULL)
				return -ENOMEM;
		}
	}
	sc_cancel_cfg_defaults(&cc);
	cc.role = r->proxy ? SC_CANCEL_ROLE_PROXY : SC_CANCEL_ROLE_UAS;
	cc.ring_delay_us = 0;		/* 100 and 180 at once; no final: calls stay pending */
	cc.final_code = 0;
	cc.path_len = sizeof(struct sc_net_path);
	cc.path_source = sc_worker_path_source;	/* as app/sipcancel/main.c */
	cc.path_local = sc_px_path_local;
	cc.seed = 1;
	if (r->proxy) {
		/*
		 * The application's defaults (--neigh-reachable and all), then the next
		 * hop and our port.
		 */
		if (nh_invites == NULL &&
		    (nh_invites = calloc(NH_CALLS, sizeof(*nh_invites))) == NULL)
			return -ENOMEM;
		sc_app_cfg_defaults(&r->pcfg);
		r->pcfg.role = SC_APP_ROLE_PROXY;
		r->pcfg.n_sip_ports = 1;
		r->pcfg.sip_ports[0] = SIP_PORT;
		r->pcfg.next_hop_set = true;
		r->pcfg.next_hop.ip.family = AF_INET;
		rte_memcpy(r->pcfg.next_hop.ip.addr, &(uint32_t){ rte_cpu_to_be_32(nh_ip) }, 4);
		r->pcfg.next_hop.port = SIP_PORT;
		if (nh_ip != NH_IP) {
			/*
			 * Routed: only 198.18.0.2/31 on-link (the UAC's 198.18.0.1 and the
			 * next hop are off-link), the feeder's NH_IP the gateway.
			 */
			r->pcfg.n_local_ips = 1;
			r->pcfg.local_ips[0].family = AF_INET;
			rte_memcpy(r->pcfg.local_ips[0].addr,
				   &(uint32_t){ rte_cpu_to_be_32(SUT_IP) }, 4);
			r->pcfg.local_prefix[0] = 31;
			r->pcfg.gateway_set[0] = true;
			r->pcfg.gateway[0].family = AF_INET;
			rte_memcpy(r->pcfg.gateway[0].addr,
				   &(uint32_t){ rte_cpu_to_be_32(NH_IP) }, 4);
		}
	}
	for (q = 0; q < r->nq; q++) {
		struct sc_worker *w;
		struct sc_worker_port *wp;

		w = rte_zmalloc("bp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
		if (w == NULL)
			return -ENOMEM;
		r->w[q] = w;
		w->burst = rte_zmalloc("bp_burst", sizeof(*w->burst), RTE_CACHE_LINE_SIZE);
		if (w->burst == NULL)
			return -ENOMEM;
		w->lcore_id = r->lcore[q];
		w->queue_id = (uint16_t)q;
		w->net_cfg = &r->net;
		w->mp = mp;
		sc_worker_frag_init(w, mp_indirect, r->nq);
		w->table = r->table;
		w->yield_idle = share_cpu;
		w->clock.now_us = sc_worker_tsc_now_us;
		w->clock.ctx = w;
		sc_worker_clock_init(w, hz);
		w->n_ports = 1;
		wp = &w->ports[0];
		wp->port_id = r->port;
		wp->ts_per_sec = 1000000000;
		wp->txb = rte_zmalloc("bp_txb", RTE_ETH_TX_BUFFER_SIZE(BURST * 2), 0);
		if (wp->txb == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(wp->txb, BURST * 2);
		rte_eth_tx_buffer_set_err_callback(wp->txb, sc_worker_tx_drop, w);
		w->frag = sc_net_frag_create(FRAG_FLOWS, hz * 2, (int)rte_socket_id());
		w->wheel = sc_timer_wheel_create(TIMER_TICK_US, sc_clock_now_us(&w->clock));
		if (w->frag == NULL || w->wheel == NULL)
			return -ENOMEM;
		if (r->proxy) {
			w->px = sc_px_worker_create(&r->pcfg, (int)rte_socket_id());
			if (w->px == NULL)
				return -ENOMEM;
		}
		sink.send = sc_worker_sink_send;
		sink.sink_ctx = w;
		sink.next_path = sc_worker_next_path;
		w->cancel = sc_cancel_ctx_create(&cc, r->table, w->wheel, &w->clock, q,
						 r->nq > 1 ? r->ev : NULL, r->nq > 1 ? r->nq : 0,
						 &sink);
		if (w->cancel == NULL)
			return -errno;
	}
	return 0;
}

static uint64_t
rig_live(const struct rig *r)
{
	uint64_t n = 0;
	unsigned q;

	for (q = 0; q < r->nq; q++)
		n += sc_cancel_live_records(r->w[q]->cancel);
	return n;
}

/*
 * SC_PIPE_VERBOSE=1: lib/cancel's non-zero counters, to check what the worker did,
 * and the app counters that explain a run's drops= figure. rx_not_handled also
 * counts packets still held (fragments, or waiting for the next hop's address).
 */
static void
rig_dump(const struct rig *r, const char *what)
{
	static const struct { enum sc_app_counter c; const char *name; } app_why[] = {
		{ SC_APP_C_TX_DROPPED, "tx_dropped" },
		{ SC_APP_C_TX_ALLOC_FAIL, "tx_alloc_fail" },
		{ SC_APP_C_DROP_ROLE, "drop_role" },
		{ SC_APP_C_PX_HELD, "px_held_for_resolution" },
		{ SC_APP_C_PX_HELD_FULL, "px_held_queue_full" },
		{ SC_APP_C_PX_NO_PATH, "px_no_next_path" },
	};
	const struct sc_cancel_counters *c;
	const struct sc_app_stats *s;
	unsigned q, i;

	if (getenv("SC_PIPE_VERBOSE") == NULL)
		return;
	if (r->proxy)
		printf("# %s feeder: 487s not sent, their INVITE's slot reused: %" PRIu64 "\n",
		       what, nh_487_lost);
	for (q = 0; q < r->nq; q++) {
		c = sc_cancel_counters(r->w[q]->cancel);
		s = &r->w[q]->stats;
		printf("# %s worker %u:", what, q);
		for (i = 0; i < SC_CANCEL_C_COUNT; i++)
			if (c->v[i] != 0)
				printf(" %s=%" PRIu64, sc_cancel_counter_name(i), c->v[i]);
		printf("\n# %s worker %u app: rx_not_handled=%" PRIu64, what, q,
		       s->app[SC_APP_C_RX_PACKETS] - s->app[SC_APP_C_RX_SIP_HANDLED] -
		       s->app[SC_APP_C_RX_REPLIED_IN_PLACE]);
		for (i = 0; i < RTE_DIM(app_why); i++)
			printf(" %s=%" PRIu64, app_why[i].name, s->app[app_why[i].c]);
		for (i = 0; i < SC_NET_DROP_COUNT; i++)
			if (s->net_drop[i] != 0)
				printf(" net_drop_%s=%" PRIu64, sc_net_drop_name(i),
				       s->net_drop[i]);
		printf("\n");
	}
}

static void
rig_pipe_free(struct rig *r)
{
	unsigned q;

	for (q = 0; q < r->nq; q++) {
		struct sc_worker *w = r->w[q];

		if (w == NULL)
			continue;
		sc_worker_release(w);
		if (w->cancel != NULL)
			sc_cancel_ctx_free(w->cancel);
		if (w->wheel != NULL)
			sc_timer_wheel_free(w->wheel);
		if (w->px != NULL)
			sc_px_worker_free(w->px);
		sc_net_frag_free(w->frag);
		rte_free(w->ports[0].txb);
		rte_free(w->burst);
		rte_free(w);
		r->w[q] = NULL;
		rte_ring_free(r->ev[q]);
		r->ev[q] = NULL;
	}
	if (r->table != NULL)
		sc_txn_table_free(r->table);
	r->table = NULL;
}

/* ---- feeder --------------------------------------------------------------- */

/*
 * Latency: match a response to its request by the token in its branch; tx_tsc is
 * when the worker's TX burst sent it.
 */
static void
lat_take(struct rte_mbuf *m, uint64_t tx_tsc)
{
	static const char cookie[] = "branch=z9hG4bK-";
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *), *p, *pay;
	uint32_t len = rte_pktmbuf_data_len(m), off;
	uint64_t v = 0, *slot;
	unsigned i;

	if (f[12] == 0x08 && f[13] == 0x00)
		off = 14 + (f[14] & 0xfu) * 4 + 8;
	else
		off = 14 + 40 + 8;
	if (len < off + 12)
		return;
	pay = f + off;
	if (memcmp(pay, "SIP/2.0 ", 8) != 0)
		return;
	p = memmem(pay, RTE_MIN(len - off, 400u), cookie, sizeof(cookie) - 1);
	if (p == NULL || p + sizeof(cookie) - 1 + TOK_LEN > f + len)
		return;
	p += sizeof(cookie) - 1;
	for (i = 0; i < TOK_LEN; i++) {
		uint8_t c = p[i];

		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (v < lat_base || v - lat_base >= lat_calls)
		return;
	/* 100 and 180 answer an INVITE; 200, 481 and 487 follow a CANCEL. */
	slot = pay[8] == '1' ? &lat_inv[v - lat_base] : &lat_can[v - lat_base];
	if (*slot == 0 || n_samp == cap_samp)
		return;
	lat_samp[n_samp++] = (uint32_t)RTE_MIN(tx_tsc - *slot, (uint64_t)UINT32_MAX);
	*slot = 0;
}

/* A frame from the next hop to us carrying payload p[0..len), queued for RX. */
static void
nh_send(const struct rig *r, const void *p, uint32_t len, unsigned q)
{
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m;

	if (rq_n[q] == RQ_SIZE || (m = rte_pktmbuf_alloc(mp)) == NULL)
		return;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eh->dst_addr = r->net.mac[r->port];
	eh->src_addr = nh_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(nh_ip);
	ip->dst_addr = rte_cpu_to_be_32(SUT_IP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(SIP_PORT);
	udp->dst_port = rte_cpu_to_be_16(SIP_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, p, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->data_len = (uint16_t)(sizeof(*eh) + sizeof(*ip) + sizeof(*udp) + len);
	m->pkt_len = m->data_len;
	m->port = r->port;
	m->ol_flags = offload ? RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
	rq[q][rq_n[q]++] = m;
}

/* The next hop's answer to a request (req) the proxy sent it. */
static void
nh_reply(const struct rig *r, const struct sc_sip_msg *req, unsigned status, unsigned q)
{
	static const struct sc_str tag = { "nh1", 3 };
	char buf[MAX_FRAME];
	int n;

	n = sc_sip_build_response(buf, sizeof(buf) - 100, req, status, NULL, &tag, NULL);
	if (n <= 0)
		return;
	nh_send(r, buf, (uint32_t)n, q);
}

/* The slot of a call: its token (TOK_LEN hex digits before the Call-ID's '@'). */
static struct nh_invite *
nh_slot(const struct sc_str *call_id)
{
	const char *at = memchr(call_id->p, '@', call_id->len);
	uint64_t v = 0;
	unsigned i;

	for (i = 0; at != NULL && at - call_id->p >= TOK_LEN && i < TOK_LEN; i++) {
		char c = at[(int)i - TOK_LEN];

		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return &nh_invites[v % NH_CALLS];
}

/* The 487 for the INVITE a CANCEL (nh_msg) cancels: from the INVITE kept for it. */
static void
nh_terminate(const struct rig *r, unsigned q)
{
	const struct nh_invite *inv = nh_slot(&nh_msg.call_id);

	if (inv->len == 0 || sc_sip_parse(inv->buf, inv->len, &nh_inv_msg) <= 0 ||
	    nh_inv_msg.call_id.len != nh_msg.call_id.len ||
	    memcmp(nh_inv_msg.call_id.p, nh_msg.call_id.p, nh_msg.call_id.len) != 0 ||
	    nh_inv_msg.cseq != nh_msg.cseq) {
		nh_487_lost++;
		return;
	}
	nh_reply(r, &nh_inv_msg, 487, q);
}

/*
 * Play the next hop for what the proxy sent it: answer ARP for its address, ring
 * (180) on INVITE, 200 then 487 on CANCEL, nothing on ACK.
 */
static void
nh_answer(const struct rig *r, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	unsigned q = 0;
	uint32_t i, h = 0;

	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eh + 1);
		struct rte_ether_hdr *oe;
		struct rte_arp_hdr *oa;
		struct rte_mbuf *o;

		if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
		    a->arp_data.arp_tip != rte_cpu_to_be_32(NH_IP) || rq_n[0] == RQ_SIZE ||
		    (o = rte_pktmbuf_alloc(mp)) == NULL)
			return;
		oe = rte_pktmbuf_mtod(o, struct rte_ether_hdr *);
		oe->dst_addr = eh->src_addr;
		oe->src_addr = nh_mac;
		oe->ether_type = eh->ether_type;
		oa = (struct rte_arp_hdr *)(oe + 1);
		*oa = *a;
		oa->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		oa->arp_data.arp_sha = nh_mac;
		oa->arp_data.arp_sip = a->arp_data.arp_tip;
		oa->arp_data.arp_tha = a->arp_data.arp_sha;
		oa->arp_data.arp_tip = a->arp_data.arp_sip;
		o->data_len = (uint16_t)(sizeof(*oe) + sizeof(*oa));
		o->pkt_len = o->data_len;
		o->port = r->port;
		rq[0][rq_n[0]++] = o;
		return;
	}
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	if (ip->dst_addr != rte_cpu_to_be_32(nh_ip) || ip->next_proto_id != IPPROTO_UDP)
		return;
	udp = (const struct rte_udp_hdr *)((const char *)ip + rte_ipv4_hdr_len(ip));
	if (sc_sip_parse((const char *)(udp + 1),
			 rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp), &nh_msg) < 0 ||
	    nh_msg.kind != SC_SIP_REQUEST)
		return;
	/* Downstream answers reach any queue: spread them by Call-ID. */
	for (i = 0; i < nh_msg.call_id.len; i++)
		h = h * 31 + (uint8_t)nh_msg.call_id.p[i];
	q = r->nq == 1 ? 0 : h % r->nq;
	if (nh_msg.method == SC_METHOD_INVITE) {
		struct nh_invite *inv = nh_slot(&nh_msg.call_id);
		uint32_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);

		inv->len = len <= sizeof(inv->buf) ? len : 0;
		if (inv->len > 0)
			memcpy(inv->buf, udp + 1, len);
		nh_reply(r, &nh_msg, 180, q);
	} else if (nh_msg.method == SC_METHOD_CANCEL) {
		nh_reply(r, &nh_msg, 200, q);
		nh_terminate(r, q);
	}
}

/*
 * The next hop asks for our MAC (ARP request for us) so the proxy learns its own
 * (RFC 826 merge) before the first INVITE, rather than holding INVITEs meanwhile.
 */
static void
nh_announce(const struct rig *r)
{
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	if (m == NULL)
		return;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->src_addr = nh_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eh + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = nh_mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(NH_IP);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = rte_cpu_to_be_32(SUT_IP);
	m->data_len = (uint16_t)(sizeof(*eh) + sizeof(*a));
	m->pkt_len = m->data_len;
	m->port = r->port;
	m->ol_flags = 0;
	rq[0][rq_n[0]++] = m;
}

/* Inject the queued next-hop replies ahead of new traffic. */
static bool
rq_push(const struct rig *r)
{
	unsigned q, e;
	bool any = false;

	for (q = 0; q < r->nq; q++) {
		if (rq_n[q] == 0)
			continue;
		e = rte_ring_enqueue_burst(r->rx[q], (void **)rq[q], rq_n[q], NULL);
		rq_n[q] -= e;
		memmove(rq[q], rq[q] + e, rq_n[q] * sizeof(rq[q][0]));
		rq_inj += e;
		any = any || e != 0;
	}
	return any;
}

static unsigned
drain(const struct rig *r, bool lat)
{
	struct rte_mbuf *ms[BURST * 2];
	unsigned q, n, i, tot = 0;

	for (q = 0; q < r->nq; q++) {
		n = rte_ring_dequeue_burst(r->tx[q], (void **)ms, RTE_DIM(ms), NULL);
		if (n == 0)
			continue;
		if (lat)
			for (i = 0; i < n; i++)
				lat_take(ms[i], *RTE_MBUF_DYNFIELD(ms[i], tx_tsc_off, uint64_t *));
		for (i = 0; i < n; i++)
			tx_bytes += ms[i]->pkt_len;
		if (r->proxy)
			for (i = 0; i < n; i++)
				nh_answer(r, ms[i]);
		tx_pkts += n;
		rte_pktmbuf_free_bulk(ms, n);
		tot += n;
	}
	if (r->proxy)
		rq_push(r);
	return tot;
}

/* Position in a workload's packet stream: step s sends packet j of call s - j*LAG. */
struct stream {
	const struct workload *wl;
	uint32_t n_calls;
	uint64_t step;
	unsigned j;
};

static bool
stream_next(struct stream *st, uint32_t *call, const struct tmpl **t)
{
	uint64_t gap = st->wl->lag != 0 ? st->wl->lag : LAG;
	uint64_t last = st->n_calls + (uint64_t)(st->wl->npk - 1) * gap;

	while (st->step < last) {
		uint64_t lag = (uint64_t)st->j * gap;
		bool ok = st->step >= lag && st->step - lag < st->n_calls;

		if (ok) {
			*call = (uint32_t)(st->step - lag);
			*t = st->wl->seq[st->j];
		}
		if (++st->j == st->wl->npk) {
			st->j = 0;
			st->step++;
		}
		if (ok)
			return true;
	}
	return false;
}

static inline unsigned
queue_of(uint64_t tok, unsigned nq)
{
	/* RSS-like: all packets of a call on one queue, calls spread by a hash. */
	return nq == 1 ? 0 : (unsigned)((tok * 0x9e3779b97f4a7c15ULL) >> 63);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Feed n_calls calls of wl through the rig: as fast as possible (pps 0) or paced at
 * pps with latency samples. Fills r with the rig's cycles per received packet.
 */
static int
cmp_iter(const void *a, const void *b)
{
	uint32_t x = iter_cyc[*(const uint32_t *)a], y = iter_cyc[*(const uint32_t *)b];

	return x < y ? -1 : x > y;
}

/* Per-packet percentiles of the iteration each packet was handled in. */
static void
iter_percentiles(size_t n, struct run_res *res)
{
	uint32_t *idx = malloc(n * sizeof(*idx));
	uint64_t total = 0, acc = 0;
	size_t i;

	if (idx == NULL || n == 0) {
		free(idx);
		return;
	}
	for (i = 0; i < n; i++) {
		idx[i] = (uint32_t)i;
		total += iter_pk[i];
	}
	qsort(idx, n, sizeof(*idx), cmp_iter);
	for (i = 0; i < n; i++) {
		acc += iter_pk[idx[i]];
		if (res->wlat_p50_us == 0 && acc * 2 >= total)
			res->wlat_p50_us = iter_cyc[idx[i]] * 1e6 / (double)hz;
		if (acc * 100 >= total * 99) {
			res->wlat_p99_us = iter_cyc[idx[i]] * 1e6 / (double)hz;
			break;
		}
	}
	free(idx);
}

static int
feed(const struct rig *rg, const struct workload *wl, uint32_t n_calls, double pps,
     struct run_res *res)
{
	struct rte_mbuf *stg[MAX_Q][BURST];
	uint32_t stg_call[MAX_Q][BURST];
	uint8_t stg_kind[MAX_Q][BURST];
	unsigned ns[MAX_Q] = { 0 };
	struct stream st = { wl, n_calls, 0, 0 };
	uint64_t total = (uint64_t)n_calls * wl->npk, sent = 0, base = next_tok, inj0 = rq_inj;
	uint64_t t0, t_end, deadline;
	bool lat = pps > 0, more = true;
	struct counters c0, c1;
	unsigned q, i;

	next_tok += n_calls;
	if (lat) {
		memset(lat_inv, 0, sizeof(*lat_inv) * n_calls);
		memset(lat_can, 0, sizeof(*lat_can) * n_calls);
		lat_base = base;
		lat_calls = n_calls;
		n_samp = 0;
	}
	for (q = 0; q < rg->nq; q++) {
		struct fwd *f = (struct fwd *)(uintptr_t)&rg->fwd[q];

		f->flush = lat;
		f->gate = !lat;
	}
	rig_counters(rg, &c0);
	if (lat) {
		__atomic_store_n(&n_iter, 0, __ATOMIC_RELEASE);
		iter_rec = true;
		tx_stamp = true;
	}
	t0 = rte_rdtsc();
	while (more || ns[0] != 0 || (rg->nq > 1 && ns[1] != 0)) {
		bool idle = true;
		uint64_t now = rte_rdtsc();

		for (q = 0; q < rg->nq; q++) {
			unsigned e;

			if (ns[q] == 0)
				continue;
			e = rte_ring_enqueue_burst(rg->rx[q], (void **)stg[q], ns[q], NULL);
			if (e == 0)
				continue;
			idle = false;
			if (lat)
				for (i = 0; i < e; i++)
					(stg_kind[q][i] == K_CAN ? lat_can : lat_inv)
						[stg_call[q][i]] = now;
			ns[q] -= e;
			memmove(stg[q], stg[q] + e, ns[q] * sizeof(stg[q][0]));
			memmove(stg_call[q], stg_call[q] + e, ns[q] * sizeof(stg_call[q][0]));
			memmove(stg_kind[q], stg_kind[q] + e, ns[q]);
		}
		if (more && ns[0] == 0 && (rg->nq == 1 || ns[1] == 0)) {
			unsigned want = BURST;

			if (lat) {
				double due = (double)(now - t0) * pps / (double)hz - (double)sent;

				want = due < 1 ? 0 : due > BURST ? BURST : (unsigned)due;
			}
			for (i = 0; i < want; i++) {
				const struct tmpl *t;
				struct rte_mbuf *m;
				uint32_t call;
				uint64_t tok;

				if (!stream_next(&st, &call, &t)) {
					more = false;
					break;
				}
				m = rte_pktmbuf_alloc(mp);
				if (m == NULL) {
					fprintf(stderr, "bench_pipeline: mbuf pool empty\n");
					return -ENOMEM;
				}
				tok = base + call;
				tmpl_build(t, tok, rte_pktmbuf_mtod(m, uint8_t *));
				rx_bytes += t->len;
				m->data_len = t->len;
				m->pkt_len = t->len;
				m->port = rg->port;
				m->ol_flags = offload ? RTE_MBUF_F_RX_IP_CKSUM_GOOD |
					      RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
				q = queue_of(tok, rg->nq);
				stg_call[q][ns[q]] = call;
				stg_kind[q][ns[q]] = (uint8_t)t->kind;
				stg[q][ns[q]++] = m;
				sent++;
				idle = false;
			}
		}
		if (drain(rg, lat) != 0)
			idle = false;
		if (idle && share_cpu)
			sched_yield();
	}
	for (q = 0; q < rg->nq; q++)
		((struct fwd *)(uintptr_t)&rg->fwd[q])->flush = true;
	/*
	 * Wait until the worker has taken every packet (and the next hop's replies,
	 * proxy role), then let its last loop end.
	 */
	deadline = rte_rdtsc() + hz * WAIT_S;
again:
	for (;;) {
		rig_counters(rg, &c1);
		if (c1.rx + c1.skip_rx - c0.rx - c0.skip_rx >= total + rq_inj - inj0 &&
		    rq_n[0] == 0 && (rg->nq == 1 || rq_n[1] == 0))
			break;
		if (rte_rdtsc() > deadline) {
			fprintf(stderr, "bench_pipeline: %s: worker took %" PRIu64 " of %" PRIu64
				" packets\n", wl->name, c1.rx + c1.skip_rx - c0.rx - c0.skip_rx,
				total);
			return -ETIMEDOUT;
		}
		if (drain(rg, lat) == 0 && share_cpu)
			sched_yield();
	}
	t_end = rte_rdtsc();
	{
		uint64_t inj = rq_inj, quiet = t_end + hz / 500;

		while (rte_rdtsc() < quiet)
			if (drain(rg, lat) == 0 && share_cpu)
				sched_yield();
		if (rq_inj != inj || rq_n[0] != 0 || (rg->nq > 1 && rq_n[1] != 0))
			goto again;
	}
	rig_counters(rg, &c1);
	res->rx = c1.rx - c0.rx;
	res->cyc = res->rx == 0 ? 0 : (double)(c1.busy - c0.busy) / (double)res->rx;
	res->skip = (double)(c1.skip_rx - c0.skip_rx) / (double)total;
	res->drops = c1.drops - c0.drops;
	res->wall_mpps = (double)(total + rq_inj - inj0) / ((double)(t_end - t0) / (double)hz) /
			 1e6;
	res->offered_mpps = res->wall_mpps;
	res->lat_p50_us = res->lat_p99_us = 0;
	res->wlat_p50_us = res->wlat_p99_us = 0;
	iter_rec = false;
	tx_stamp = false;
	if (lat)
		iter_percentiles(__atomic_load_n(&n_iter, __ATOMIC_ACQUIRE), res);
	if (lat && n_samp > 0) {
		qsort(lat_samp, n_samp, sizeof(lat_samp[0]), cmp_u32);
		res->lat_p50_us = lat_samp[n_samp / 2] * 1e6 / (double)hz;
		res->lat_p99_us = lat_samp[RTE_MIN(n_samp - 1, n_samp * 99 / 100)] * 1e6 /
				  (double)hz;
	}
	return 0;
}

/* Pre-fill: n INVITEs that stay pending (no final, ring timeout 180 s). */
static int
prefill(const struct rig *rg, const struct tmpl *inv, uint32_t n)
{
	struct workload w = { "prefill", 1, { inv }, false };
	struct run_res r;
	uint64_t t0 = rte_rdtsc();
	int rc;

	rc = feed(rg, &w, n, 0, &r);
	if (rc < 0)
		return rc;
	printf("prefill cores=%u invites=%u pending=%" PRIu64 " seconds=%.2f drops=%" PRIu64
	       "\n", rg->nq, n, rig_live(rg), (double)(rte_rdtsc() - t0) / (double)hz,
	       r.drops);
	return 0;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over runs of cycles per packet and wall Mpps. */
static int
measure(const struct rig *rg, const struct workload *wl, uint32_t calls, unsigned runs,
	struct run_res *med)
{
	double cyc[16], skip[16], wall[16];
	struct run_res r;
	uint64_t drops = 0;
	unsigned i;
	int rc;

	struct timespec t_start, t_end;

	tx_bytes = tx_pkts = rx_bytes = 0;
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (i = 0; i < runs; i++) {
		rc = feed(rg, wl, calls, 0, &r);
		if (rc < 0)
			return rc;
		cyc[i] = r.cyc;
		skip[i] = r.skip;
		wall[i] = r.wall_mpps;
		drops += r.drops;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	/*
	 * SC_PIPE_WINDOWS=1: when the measured runs were, on CLOCK_MONOTONIC, so that a
	 * profile (perf record -k mono) can be cut to them (scripts/profile-pipeline.sh)
	 * and leave out the prefill, the baselines and the latency runs.
	 */
	if (getenv("SC_PIPE_WINDOWS") != NULL)
		printf("window mode=%s workload=%s cores=%u checksums=%s start=%ld.%06ld "
		       "end=%ld.%06ld\n", rg->mode == MODE_IO ? "io" : rg->mode == MODE_SWAP ?
		       "swap" : "pipe", wl->name, rg->nq, offload ? "offloaded" : "sw",
		       (long)t_start.tv_sec, t_start.tv_nsec / 1000, (long)t_end.tv_sec,
		       t_end.tv_nsec / 1000);
	qsort(cyc, runs, sizeof(double), cmp_dbl);
	qsort(skip, runs, sizeof(double), cmp_dbl);
	qsort(wall, runs, sizeof(double), cmp_dbl);
	memset(med, 0, sizeof(*med));
	med->cyc = cyc[runs / 2];
	med->cyc_min = cyc[0];
	med->skip = skip[runs / 2];
	med->wall_mpps = wall[runs / 2];
	med->drops = drops;
	/* Upstream requests only: the next hop's replies are not counted here. */
	med->rx_frame = (double)rx_bytes / ((double)calls * wl->npk * runs);
	med->tx_frame = tx_pkts == 0 ? 0 : (double)tx_bytes / (double)tx_pkts;
	med->tx_per_rx = (double)tx_pkts / ((double)calls * wl->npk * runs);
	return 0;
}

/* ---- main ----------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: bench_pipeline --gen PATH-TO-sipcancel-gen [--tmp DIR]\n");
}

int
main(int argc, char **argv)
{
	const char *gen = NULL, *tmp = "/tmp", *quick_env = getenv("SC_BENCH_QUICK");
	bool quick = quick_env != NULL && strcmp(quick_env, "0") != 0;
	uint32_t n_prefill = quick ? 200000 : 1000000;
	uint32_t calls = quick ? 4000 : 25000;
	unsigned runs = quick ? 3 : 5, nw, cpus[2] = { 0, 0 }, ncpu = 0, wi, i;
	static struct tmpl ring4[4], ring6[4], unm[2];
	struct workload wl[4];
	unsigned n_wl = 4;
	struct run_res io[4], sw[4], pipe1[4], pipe2[4], lat[4];
	static struct rig rig1, rig2;
	char lcores[64], prefix[64], tmpdir[256];
	char *eal[16];
	int eal_argc = 0, rc, pool_socket;
	static struct sc_thp_heap pool_heap;	/* left to process exit, as the pools */
	const char *pool_env;
	uint32_t capacity;
	cpu_set_t cs;
	double uas_cyc = 0, proxy_cyc = 0;
	const char *only = NULL;

	for (i = 1; i < (unsigned)argc; i++) {
		if (strcmp(argv[i], "--gen") == 0 && i + 1 < (unsigned)argc)
			gen = argv[++i];
		else if (strcmp(argv[i], "--tmp") == 0 && i + 1 < (unsigned)argc)
			tmp = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (gen == NULL) {
		usage();
		return 2;
	}
	/* Diagnostics, for profiling one phase: SC_PIPE_ONLY=uas|proxy|scaling|stall. */
	if (getenv("SC_PIPE_ONLY") != NULL)
		only = getenv("SC_PIPE_ONLY");
	/* A/B: the proxy's next hop off-link, reached through --gateway (the feeder). */
	nh_ip = NH_IP;
	if (getenv("SC_PIPE_GATEWAY") != NULL && strcmp(getenv("SC_PIPE_GATEWAY"), "0") != 0) {
		nh_ip = NH_OFFLINK_IP;
		printf("config proxy next hop 198.18.9.3 off-link through gateway 198.18.0.3 "
		       "(SC_PIPE_GATEWAY)\n");
	}
	/* Diagnostics: another pre-fill size (e.g. 0 to see what 1M pending costs). */
	if (getenv("SC_PIPE_PREFILL") != NULL)
		n_prefill = (uint32_t)strtoul(getenv("SC_PIPE_PREFILL"), NULL, 0);

	/* Feeder on the first CPU, worker 1 on the second, worker 2 back on the first. */
	if (sched_getaffinity(0, sizeof(cs), &cs) == 0)
		for (i = 0; i < CPU_SETSIZE && ncpu < 2; i++)
			if (CPU_ISSET(i, &cs))
				cpus[ncpu++] = i;
	if (ncpu < 2)
		cpus[1] = cpus[0];
	snprintf(lcores, sizeof(lcores), "--lcores=0@%u,1@%u,2@%u", cpus[0], cpus[1], cpus[0]);
	snprintf(prefix, sizeof(prefix), "--file-prefix=bench_pipe_%d", (int)getpid());
	eal[eal_argc++] = argv[0];
	eal[eal_argc++] = (char *)"--no-huge";
	eal[eal_argc++] = (char *)"--no-pci";
	eal[eal_argc++] = (char *)"--no-telemetry";
	eal[eal_argc++] = (char *)"--no-shconf";	/* no run-time files left behind */
	eal[eal_argc++] = (char *)"-m";
	eal[eal_argc++] = (char *)(quick ? "1024" : "2048");
	eal[eal_argc++] = prefix;
	eal[eal_argc++] = lcores;
	eal[eal_argc++] = (char *)"--log-level=lib.eal:error";
	eal[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal) < 0) {
		fprintf(stderr, "bench_pipeline: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	hz = rte_get_tsc_hz();
	preempt_cycles = hz / 5000;	/* 200 us */

	snprintf(tmpdir, sizeof(tmpdir), "%s/bench_pipe_%d", tmp, (int)getpid());
	if (mkdir(tmpdir, 0700) != 0) {
		perror(tmpdir);
		return 1;
	}
	if (gen_frames(gen, tmpdir, "cancel-after-ringing", false, ring4, 4) != 3 ||
	    gen_frames(gen, tmpdir, "cancel-after-ringing", true, ring6, 4) != 3 ||
	    gen_frames(gen, tmpdir, "unmatched-cancel", false, unm, 2) != 1) {
		fprintf(stderr, "bench_pipeline: unexpected sipcancel-gen output\n");
		return 1;
	}
	rmdir(tmpdir);
	wl[0] = (struct workload){ "uas-v4", 3, { &ring4[0], &ring4[1], &ring4[2] }, true };
	wl[1] = (struct workload){ "uas-v6", 3, { &ring6[0], &ring6[1], &ring6[2] }, true };
	wl[2] = (struct workload){ "retrans-storm-v4", 9,
		{ &ring4[0], &ring4[0], &ring4[0], &ring4[1], &ring4[1], &ring4[1],
		  &ring4[2], &ring4[2], &ring4[2] }, false };
	wl[3] = (struct workload){ "unmatched-cancel-v4", 1, { &unm[0] }, false };

	lat_inv = calloc(calls, sizeof(*lat_inv));
	lat_can = calloc(calls, sizeof(*lat_can));
	cap_samp = (size_t)calls * 6;
	lat_samp = calloc(cap_samp, sizeof(*lat_samp));
	cap_iter = (size_t)calls * 6;
	iter_cyc = calloc(cap_iter, sizeof(*iter_cyc));
	iter_pk = calloc(cap_iter, sizeof(*iter_pk));
	/*
	 * The pools on transparent huge pages, as main.c puts them with --no-huge when
	 * every driver copies frames (net_ring does). SC_PIPE_POOL=4k keeps them on EAL
	 * memory's 4 KiB pages (A/B).
	 */
	pool_socket = (int)rte_socket_id();
	pool_env = getenv("SC_PIPE_POOL");
	if ((pool_env == NULL || strcmp(pool_env, "4k") != 0) &&
	    sc_thp_heap_create(&pool_heap, "bp_mbuf_thp",
			       sc_thp_pktmbuf_pool_bytes(N_MBUF, RTE_MBUF_DEFAULT_BUF_SIZE) +
			       sc_thp_pktmbuf_pool_bytes(511, 0)) == 0)
		pool_socket = pool_heap.socket;
	mp = rte_pktmbuf_pool_create("bp_mbuf", N_MBUF, MBUF_CACHE, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, pool_socket);
	mp_indirect = rte_pktmbuf_pool_create("bp_mbuf_ind", 511, 32, 0, 0, pool_socket);
	if (mp == NULL || mp_indirect == NULL || lat_inv == NULL || lat_can == NULL ||
	    lat_samp == NULL || iter_cyc == NULL || iter_pk == NULL) {
		fprintf(stderr, "bench_pipeline: out of memory\n");
		return 1;
	}
	/* Pending INVITEs, then two records (INVITE, CANCEL: Timer J 32 s) per call. */
	capacity = n_prefill + 2 * calls * (runs + 1) * 3 + 65536;
	printf("# bench_pipeline: TSC %.2f GHz, burst %u, %u runs of %u calls, prefill %u, "
	       "table capacity %u%s; worker lcore on CPU %u, feeder on CPU %u; mbufs on %s\n",
	       (double)hz / 1e9, BURST, runs, calls, n_prefill, capacity,
	       quick ? " (SC_BENCH_QUICK)" : "", cpus[1], cpus[0],
	       pool_heap.va != NULL ? "transparent huge pages" : "EAL memory (4 KiB pages)");

	/* ---- one worker ---- */
	rig1.lcore[0] = 1;
	rc = rig_port(&rig1, 1, "bp1");
	if (rc < 0) {
		fprintf(stderr, "bench_pipeline: ring port: %s\n", strerror(-rc));
		return 1;
	}
	/*
	 * The latency floor of the worker's CPU itself, before anything runs on it; half
	 * a second, so that under chrt the kernel's RT throttling (95% of each second by
	 * default) does not stop the probe itself.
	 */
	rc = stall_probe_run(rig1.lcore[0], cpus[1], quick ? 0.3 : 0.5);
	/* SC_PIPE_ONLY=stall: the probe alone, STALL_PROBE_RUNS times, a second apart. */
	for (i = 1; rc == 0 && only != NULL && strcmp(only, "stall") == 0 &&
	     i < STALL_PROBE_RUNS; i++) {
		rte_delay_us_sleep(500000);
		rc = stall_probe_run(rig1.lcore[0], cpus[1], quick ? 0.3 : 0.5);
	}
	if (rc < 0) {
		fprintf(stderr, "bench_pipeline: stall probe: %s\n", strerror(-rc));
		return 1;
	}
	if (only != NULL && strcmp(only, "stall") == 0)
		goto done;
	for (wi = 0; wi < n_wl; wi++) {
		rig_start(&rig1, MODE_IO);
		rc = measure(&rig1, &wl[wi], calls, runs, &io[wi]);
		rig_stop(&rig1);
		if (rc < 0)
			return 1;
		rig_start(&rig1, MODE_SWAP);
		rc = measure(&rig1, &wl[wi], calls, runs, &sw[wi]);
		rig_stop(&rig1);
		if (rc < 0)
			return 1;
		printf("baseline workload=%s io_fwd_cycles_per_pkt=%.1f parse_swap_cycles_per_pkt="
		       "%.1f\n", wl[wi].name, io[wi].cyc, sw[wi].cyc);
	}
	if (only != NULL && strcmp(only, "uas") != 0)
		goto proxy_role;
	rc = rig_pipe_init(&rig1, capacity);
	if (rc < 0) {
		fprintf(stderr, "bench_pipeline: worker set-up: %s\n", strerror(-rc));
		return 1;
	}
	rig_start(&rig1, MODE_PIPE);
	if (prefill(&rig1, &ring4[0], n_prefill) < 0)
		return 1;
	for (wi = 0; wi < n_wl; wi++) {
		double pps;

		if (measure(&rig1, &wl[wi], calls, runs, &pipe1[wi]) < 0)
			return 1;
		pps = LOAD_FRACTION * pipe1[wi].wall_mpps * 1e6;
		if (feed(&rig1, &wl[wi], calls, pps, &lat[wi]) < 0)
			return 1;
		printf("pipeline workload=%s cores=1 mpps_per_core=%.2f cycles_per_pkt=%.1f "
		       "cycles_per_pkt_min=%.1f preempted=%.3f ratio_io_fwd=%.2f "
		       "ratio_parse_swap=%.2f wall_mpps=%.2f lat_load_mpps=%.2f lat_p50_us=%.2f "
		       "lat_p99_us=%.2f lat_worker_p50_us=%.2f lat_worker_p99_us=%.2f drops=%" PRIu64
		       " pending=%" PRIu64 " rx_frame_bytes=%.0f "
		       "tx_frame_bytes=%.0f tx_per_rx=%.2f\n",
		       wl[wi].name, (double)hz / pipe1[wi].cyc / 1e6, pipe1[wi].cyc,
		       pipe1[wi].cyc_min, pipe1[wi].skip, pipe1[wi].cyc / io[wi].cyc,
		       pipe1[wi].cyc / sw[wi].cyc,
		       pipe1[wi].wall_mpps, lat[wi].offered_mpps, lat[wi].lat_p50_us,
		       lat[wi].lat_p99_us, lat[wi].wlat_p50_us, lat[wi].wlat_p99_us,
		       pipe1[wi].drops + lat[wi].drops, rig_live(&rig1),
		       pipe1[wi].rx_frame, pipe1[wi].tx_frame, pipe1[wi].tx_per_rx);
		if (wi == 0)
			uas_cyc = pipe1[wi].cyc;
	}
	/* The same with checksums offloaded, as on a NIC (net_ring has none). */
	offload = only == NULL;
	rig1.w[0]->ports[0].tx_offload_capa = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
					      RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	for (wi = 0; offload && wi < n_wl; wi++) {
		struct run_res o;

		if (measure(&rig1, &wl[wi], calls, runs, &o) < 0)
			return 1;
		printf("pipeline workload=%s cores=1 checksums=offloaded mpps_per_core=%.2f "
		       "cycles_per_pkt=%.1f cycles_per_pkt_min=%.1f preempted=%.3f "
		       "ratio_sw_checksums=%.2f drops=%"
		       PRIu64 "\n", wl[wi].name, (double)hz / o.cyc / 1e6, o.cyc, o.cyc_min, o.skip,
		       o.cyc / pipe1[wi].cyc, o.drops);
	}
	offload = false;
	rig1.w[0]->ports[0].tx_offload_capa = 0;
	rig_stop(&rig1);
	rig_dump(&rig1, "uas");
	rig_pipe_free(&rig1);

	/*
	 * (b) proxy role, both legs: the UAC's INVITE, CANCEL and ACK of (a) come in
	 * upstream; the feeder plays the next hop and answers what the proxy forwards
	 * (180 to the INVITE, 200 and 487 to the CANCEL), so the worker receives six
	 * packets per call. Baseline ratios are against the upstream packets of (a).
	 */
proxy_role:
	if (only != NULL && strcmp(only, "proxy") != 0)
		goto two_workers;
	rig1.proxy = true;
	rc = rig_pipe_init(&rig1, capacity);
	if (rc < 0) {
		fprintf(stderr, "bench_pipeline: proxy set-up: %s\n", strerror(-rc));
		return 1;
	}
	rig_start(&rig1, MODE_PIPE);
	nh_announce(&rig1);
	if (prefill(&rig1, &ring4[0], n_prefill) < 0)
		return 1;
	{
		/*
		 * The CANCEL after the next hop's 180 and the ACK after the 487 it relays,
		 * as a UAC does: the downstream round trip is up to an RX ring of packets.
		 */
		struct workload pw = wl[0];
		struct run_res px, pl;

		pw.name = "proxy-v4";
		pw.lag = 2 * RXR_SIZE;
		if (measure(&rig1, &pw, calls, runs, &px) < 0)
			return 1;
		/*
		 * feed() paces the upstream packets; the worker also receives one next-hop
		 * reply for each (180; 200 and 487), so half the rate is 80% of its load.
		 */
		if (feed(&rig1, &pw, calls, LOAD_FRACTION * px.wall_mpps * 1e6 / 2, &pl) < 0)
			return 1;
		printf("pipeline workload=proxy-v4 cores=1 mpps_per_core=%.2f cycles_per_pkt=%.1f "
		       "cycles_per_pkt_min=%.1f preempted=%.3f ratio_io_fwd=%.2f "
		       "ratio_parse_swap=%.2f wall_mpps=%.2f "
		       "lat_load_mpps=%.2f lat_p50_us=%.2f lat_p99_us=%.2f lat_worker_p50_us=%.2f "
		       "lat_worker_p99_us=%.2f drops=%" PRIu64
		       " pending=%" PRIu64 " (rx: upstream requests and the next hop's "
		       "responses, 6 per call)\n",
		       (double)hz / px.cyc / 1e6, px.cyc, px.cyc_min, px.skip, px.cyc / io[0].cyc,
		       px.cyc / sw[0].cyc, px.wall_mpps, pl.offered_mpps, pl.lat_p50_us,
		       pl.lat_p99_us, pl.wlat_p50_us, pl.wlat_p99_us, px.drops + pl.drops,
		       rig_live(&rig1));
		proxy_cyc = px.cyc;
	}
	rig_stop(&rig1);
	rig_dump(&rig1, "proxy");
	rig_pipe_free(&rig1);
	rig1.proxy = false;

two_workers:
	if (only != NULL && strcmp(only, "scaling") != 0)
		goto done;
	/* ---- two workers, RSS-like spreading; worker 2 shares the feeder's CPU ---- */
	nw = 2;
	share_cpu = true;
	rig2.lcore[0] = 1;
	rig2.lcore[1] = 2;
	rc = rig_port(&rig2, nw, "bp2");
	if (rc == 0)
		rc = rig_pipe_init(&rig2, capacity);
	if (rc < 0) {
		fprintf(stderr, "bench_pipeline: two-worker set-up: %s\n", strerror(-rc));
		return 1;
	}
	rig_start(&rig2, MODE_PIPE);
	if (prefill(&rig2, &ring4[0], n_prefill) < 0)
		return 1;
	for (wi = 0; wi < n_wl; wi++) {
		if (measure(&rig2, &wl[wi], calls, runs, &pipe2[wi]) < 0)
			return 1;
		/*
		 * scaling: wall-clock packets per second, two workers over one; both are
		 * bounded by the feeder, which shares CPU 0 with worker 2. capacity_scaling:
		 * 2 x (cycles per packet with one worker / with two), i.e. what two
		 * dedicated cores would give if the spreading is even.
		 */
		printf("scaling workload=%s cores=2 wall_mpps=%.2f wall_mpps_1core=%.2f "
		       "scaling=%.2f cycles_per_pkt=%.1f capacity_scaling=%.2f drops=%" PRIu64
		       " (feeder shares CPU %u with worker 2)\n",
		       wl[wi].name, pipe2[wi].wall_mpps, pipe1[wi].wall_mpps,
		       pipe2[wi].wall_mpps / pipe1[wi].wall_mpps, pipe2[wi].cyc,
		       2.0 * pipe1[wi].cyc / pipe2[wi].cyc, pipe2[wi].drops, cpus[0]);
	}
	rig_stop(&rig2);
	rig_dump(&rig2, "uas, two workers");
	rig_pipe_free(&rig2);
done:
	printf("cycles_per_pkt_uas %.0f cycles_per_pkt_proxy %.0f\n", uas_cyc, proxy_cyc);
	/* EAL leaves its (here empty) run-time directory behind: remove it. */
	snprintf(tmpdir, sizeof(tmpdir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(tmpdir);
	return 0;
}
