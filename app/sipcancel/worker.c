/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (DESIGN "Data path"): RX burst -> lib/net classify (ARP/ND
 * answered in place, fragments reassembled) -> sc_sip_parse -> reply path (RFC 3261
 * 18.2.2 / RFC 3581) -> lib/cancel burst handler -> buffered TX flushed once per
 * loop -> lib/cancel poll (ring + wheel) -> RCU quiescent state.
 *
 * Accounting: every received mbuf ends exactly once as replied-in-place (ARP/ND),
 * SIP-handled (freed after lib/cancel took its verdict), dropped (one named
 * reason), merged into a reassembled datagram, or held (reassembly, pacer).
 */
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "sc_worker.h"

uint64_t
sc_worker_tsc_now_us(const struct sc_clock *clk)
{
	const struct sc_worker *w = clk->ctx;

	/* Read once per loop (sc_worker_clock_update): one conversion per loop, not per use. */
	return w->now_us;
}

__extension__ typedef unsigned __int128 u128;	/* gcc/clang; -Wpedantic knows it not */

void
sc_worker_clock_init(struct sc_worker *w, uint64_t hz)
{
	hz = RTE_MAX(hz, (uint64_t)1000001);
	w->tsc_per_us = hz / 1000000;
	/*
	 * A whole cycles-per-us divisor runs fast by up to 1/tsc_per_us (a 2.599999
	 * GHz TSC taken as 2599: Timer C 70 ms early); this fraction is exact to
	 * 2^-64 and costs one multiply per loop instead of a division. Rounded up,
	 * so that a whole number of microseconds does not read one less.
	 */
	w->us_per_tsc_q64 = (uint64_t)((((u128)1000000 << 64) + hz - 1) / hz);
	w->now_us = 0;
	sc_worker_clock_update(w, rte_rdtsc());
}

void
sc_worker_clock_update(struct sc_worker *w, uint64_t tsc)
{
	uint64_t now = (uint64_t)(((u128)tsc * w->us_per_tsc_q64) >> 64);

	/* Lcores may float between CPUs: never let the clock step back. */
	if (now > w->now_us)
		w->now_us = now;
}

void
sc_worker_tx_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct sc_worker *w = userdata;
	uint16_t i;

	/* tx_bytes counted them when they were buffered: they never left. */
	for (i = 0; i < unsent; i++)
		w->stats.app[SC_APP_C_TX_BYTES] -= pkts[i]->pkt_len;
	rte_pktmbuf_free_bulk(pkts, unsent);
	w->stats.app[SC_APP_C_TX_DROPPED] += unsent;
}

static inline struct sc_worker_port *
port_of(struct sc_worker *w, uint16_t port_id)
{
	uint16_t i;

	for (i = 0; i < w->n_ports; i++)
		if (w->ports[i].port_id == port_id)
			return &w->ports[i];
	return NULL;
}

static inline void
tx_one(struct sc_worker *w, struct sc_worker_port *p, struct rte_mbuf *m)
{
	w->stats.app[SC_APP_C_TX_BYTES] += m->pkt_len;
	w->stats.app[SC_APP_C_TX_PACKETS] +=
		rte_eth_tx_buffer(p->port_id, w->queue_id, p->txb, m);
}

void
sc_worker_tx_frame(struct sc_worker *w, struct sc_worker_port *p, struct rte_mbuf *m)
{
	tx_one(w, p, m);
}

/* Status class of an outgoing response, from its status line "SIP/2.0 NNN". */
static inline unsigned
status_class(const char *msg, uint32_t len)
{
	if (len < 12 || memcmp(msg, "SIP/2.0 ", 8) != 0)
		return 0;
	if (msg[8] < '1' || msg[8] > '6')
		return 0;
	return (unsigned)(msg[8] - '0');
}

void
sc_worker_frag_init(struct sc_worker *w, struct rte_mempool *indirect, unsigned n_workers)
{
	uint8_t shift = 0;

	while (shift < 16 && (1u << shift) < n_workers)
		shift++;
	w->mp_indirect = indirect;
	w->frag_id_shift = shift;
	/* An unpredictable start: off-path fragment injection needs the next ID (RFC 7739). */
	w->frag_seq = (uint32_t)rte_rand();
}

#define SPARE_PREFETCH_BYTES 384	/* a typical response frame */
#define SPARE_AHEAD 2			/* sends between a spare's prefetch and its use */

/*
 * PREFETCHW fetches a line in a state we may write without another bus
 * transaction; prefetcht0 may leave it shared. DPDK 22.11 has no CPU flag for it
 * (and its rte_prefetch0_write is experimental and compiles to prefetcht0 unless
 * -mprfchw): ask CPUID once.
 */
static bool has_prefetchw;

RTE_INIT(worker_cpu_probe)
{
	unsigned a, b, c, d;

	has_prefetchw = __get_cpuid(0x80000001, &a, &b, &c, &d) != 0 && (c & bit_PRFCHW) != 0;
}

static inline void
prefetch_for_write(const void *p)
{
	if (likely(has_prefetchw))
		asm volatile("prefetchw %0" : : "m"(*(const volatile char *)p));
	else
		rte_prefetch0(p);
}

/* Keep m (direct, one segment, refcnt 1) as the hottest spare; its buffer noted now. */
static inline void
spare_push(struct sc_worker *w, struct rte_mbuf *m)
{
	w->spare_buf[w->n_spare].addr = m->buf_addr;
	w->spare_buf[w->n_spare].len = m->buf_len;
	w->spare[w->n_spare++] = m;
}

/*
 * Own the lines a response will write in spare i (header, first data lines) before
 * it does. One spare at a time, a few sends ahead: a burst's worth at once would
 * fill the miss buffers and stall the demand misses behind them.
 */
static inline void
prefetch_spare(const struct sc_worker *w, unsigned i)
{
	const struct rte_mbuf *m = w->spare[i];
	const char *d = w->spare_buf[i].addr + RTE_PKTMBUF_HEADROOM;
	unsigned off;

	prefetch_for_write(m);
	prefetch_for_write((const char *)m + RTE_CACHE_LINE_SIZE);
	for (off = 0; off < SPARE_PREFETCH_BYTES; off += RTE_CACHE_LINE_SIZE)
		prefetch_for_write(d + off);
}

/*
 * A message above the path MTU (RFC 4475 3.1.1.7's 513 with every Via, a relayed
 * INVITE with a large body): over UDP, IP fragmentation is what RFC 3261 18.1.1 /
 * 18.2.2 leave us. m is the mbuf taken for one frame; it becomes a spare again.
 */
static __rte_noinline int
send_fragmented(struct sc_worker *w, struct sc_worker_port *p, struct rte_mbuf *m,
		const struct sc_net_path *path, const char *msg, uint32_t len)
{
	struct rte_mbuf *fr[SC_NET_FRAG_MAX];
	uint32_t id;
	int n, i;

	/* sc_net_encap reset it: a plain mbuf, and the slot it came from is free. */
	spare_push(w, m);
	/*
	 * Never repeated for a source/destination/protocol while fragments may be in
	 * flight (RFC 791 3.2, RFC 6864 4): a per-worker sequence, the low bits being
	 * the worker's queue so two cores sending to one peer never share a value.
	 * IPv4 keeps the low 16 bits, IPv6 all 32 (RFC 8200 4.5).
	 */
	id = w->frag_seq++ << w->frag_id_shift | w->queue_id;
	/*
	 * No multi-segment TX asked of the port (it would change the driver's TX path
	 * for every packet): each fragment is copied into one mbuf.
	 */
	n = sc_net_encap_frag(fr, RTE_DIM(fr), w->mp, w->mp_indirect, path, msg, len, id,
			      p->tx_offload_capa & ~RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	if (n < 0) {
		w->stats.app[n == -ENOMEM ? SC_APP_C_TX_ALLOC_FAIL : SC_APP_C_TX_ENCAP_FAIL]++;
		SC_APP_LOG_DP(DEBUG, "fragmenting a %u byte message failed: %d", len, n);
		return n;
	}
	w->stats.app[SC_APP_C_TX_FRAGMENTED]++;
	w->stats.app[SC_APP_C_TX_FRAGMENTS] += (uint64_t)n;
	w->stats.status_out[status_class(msg, len)]++;
	for (i = 0; i < n; i++)
		tx_one(w, p, fr[i]);
	return 0;
}

int
sc_worker_sink_send(void *sink_ctx, const void *path_blob, const char *msg, uint32_t len)
{
	struct sc_worker *w = sink_ctx;
	const struct sc_net_path *path = path_blob;
	struct sc_worker_port *p;
	struct rte_mbuf *m;
	int rc;

	p = port_of(w, path->port_id);
	if (p == NULL) {
		w->stats.app[SC_APP_C_TX_ENCAP_FAIL]++;
		return -ENODEV;
	}
	if (w->n_spare > 0) {
		const struct sc_worker_buf *sb = &w->spare_buf[--w->n_spare];

		m = w->spare[w->n_spare];
		/* The one SPARE_AHEAD sends from now: its misses overlap this encap. */
		if (w->n_spare >= SPARE_AHEAD)
			prefetch_spare(w, w->n_spare - SPARE_AHEAD);
		rc = sc_net_encap_raw(m, sb->addr, sb->len, path, msg, len, p->tx_offload_capa);
	} else {
		m = rte_pktmbuf_alloc(w->mp);
		if (m == NULL) {
			w->stats.app[SC_APP_C_TX_ALLOC_FAIL]++;
			return -ENOMEM;
		}
		rc = sc_net_encap(m, path, msg, len, p->tx_offload_capa);
	}
	if (rc < 0) {
		if (rc == -EMSGSIZE && w->mp_indirect != NULL && sc_net_needs_frag(path, len))
			return send_fragmented(w, p, m, path, msg, len);
		rte_pktmbuf_free(m);
		w->stats.app[SC_APP_C_TX_ENCAP_FAIL]++;
		SC_APP_LOG_DP(DEBUG, "encap of a %u byte message failed: %d", len, rc);
		return rc;
	}
	w->stats.status_out[status_class(msg, len)]++;
	tx_one(w, p, m);
	return 0;
}

int
sc_worker_path_source(const void *path_blob, char *ip, size_t cap, uint16_t *port)
{
	const struct sc_net_path *path = path_blob;
	size_t n;

	/* The response goes to the request's source (18.2.2): dst_ip/dst_port. */
	n = sc_net_ip_fmt(path->ip_version, &path->dst_ip, ip, cap);
	if (n == 0)
		return -EINVAL;
	*port = path->dst_port;
	return (int)n;
}

/*
 * The mbufs of a handled batch: plain single-segment ones become spares for the
 * next responses (sc_net_encap resets them), the rest go back to their pool. A
 * request's lines may still be shared with the core or device that wrote them:
 * sink_send asks for ownership a few sends before it writes them (prefetch_spare).
 */
static void
recycle(struct sc_worker *w, struct rte_mbuf **m, unsigned n)
{
	struct rte_mbuf *fr[SC_APP_BURST];
	unsigned i, nf = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *x = m[i];

		if (w->n_spare < SC_WORKER_SPARE_MAX && x->nb_segs == 1 && RTE_MBUF_DIRECT(x) &&
		    rte_mbuf_refcnt_read(x) == 1)
			spare_push(w, x);
		else
			fr[nf++] = x;
	}
	if (nf != 0)
		rte_pktmbuf_free_bulk(fr, nf);
}

/*
 * Responses outnumber requests (INVITE: 100 and 180; CANCEL: 200 and 487): top the
 * spares up from the pool to two per request before a batch, under the hot ones.
 * Their cache misses start when their turn comes near (prefetch_spare).
 */
static void
top_up_spares(struct sc_worker *w, unsigned n_req)
{
	unsigned want = RTE_MIN(2 * n_req, (unsigned)SC_WORKER_SPARE_MAX), k, i;
	struct rte_mbuf *fresh[SC_WORKER_SPARE_MAX];
	uint16_t room = rte_pktmbuf_data_room_size(w->mp);

	if (w->n_spare >= want)
		return;
	k = want - w->n_spare;
	/*
	 * Raw mbufs (refcnt 1, one segment, as the pool keeps them): sc_net_encap_raw
	 * writes every field a reset would when one is used, so nothing touches the
	 * cold lines before then.
	 */
	if (rte_mempool_get_bulk(w->mp, (void **)fresh, k) != 0)
		return;		/* the pool is low: sink_send allocates one by one */
	memmove(&w->spare[k], &w->spare[0], w->n_spare * sizeof(w->spare[0]));
	memmove(&w->spare_buf[k], &w->spare_buf[0], w->n_spare * sizeof(w->spare_buf[0]));
	for (i = 0; i < k; i++) {
		w->spare[i] = fresh[i];
		/*
		 * A pool mbuf's buffer follows it and the private area, data room
		 * size long (rte_pktmbuf_init(), restored by rte_pktmbuf_detach();
		 * main.c's pool is rte_pktmbuf_pool_create(), not an extbuf one):
		 * known without touching its cold header.
		 */
		w->spare_buf[i].addr = (char *)fresh[i] + sizeof(struct rte_mbuf) +
				       rte_pktmbuf_priv_size(w->mp);
		w->spare_buf[i].len = room;
	}
	w->n_spare += k;
}

/* Count a parsed message in (add_sip), or with -1 take that back. */
static inline void
count_sip(struct sc_worker *w, const struct sc_sip_msg *msg, int rc, int64_t d)
{
	w->stats.parse[rc < 0 ? msg->error : SC_SIP_E_OK] += (uint64_t)d;
	if (msg->kind == SC_SIP_REQUEST) {
		w->stats.app[SC_APP_C_SIP_REQUESTS] += (uint64_t)d;
		if (msg->method < SC_METHOD_COUNT)
			w->stats.method_in[msg->method] += (uint64_t)d;
	} else if (msg->kind == SC_SIP_RESPONSE) {
		w->stats.app[SC_APP_C_SIP_RESPONSES] += (uint64_t)d;
	}
}

/*
 * sink.next_path: lib/cancel needs the next hop of an input whose path add_sip
 * deferred. Returns 0 (HELD: run_batch holds it) only while the hold queue has
 * room; without room it is unroutable, as in add_sip.
 */
int
sc_worker_next_path(void *sink_ctx, struct sc_cancel_in *in)
{
	struct sc_worker *w = sink_ctx;
	struct sc_worker_burst *b = w->burst;
	unsigned k = (unsigned)(in - b->in);

	RTE_ASSERT(k < b->n);
	switch (sc_px_next_path(w, in->msg, &b->npath[k])) {
	case 1:
		in->next_path = &b->npath[k];
		return 1;
	case 0:
		if (w->px->n_held + b->n_to_hold < SC_PX_HELD_MAX) {
			b->n_to_hold++;
			return 0;
		}
		w->stats.app[SC_APP_C_PX_HELD_FULL]++;
		w->stats.app[SC_APP_C_PX_NO_PATH]++;
		return 1;
	case -2:
		return 1;
	default:
		w->stats.app[SC_APP_C_PX_NO_PATH]++;
		return 1;
	}
}

/* Hand the SIP messages collected so far to lib/cancel, then recycle their mbufs. */
static void
run_batch(struct sc_worker *w)
{
	struct sc_worker_burst *b = w->burst;
	struct rte_mbuf *done[SC_APP_BURST];
	unsigned i, n_done = 0;

	if (b->n == 0)
		return;
	top_up_spares(w, b->n);
	for (i = 1; i <= SPARE_AHEAD && i <= w->n_spare; i++)
		prefetch_spare(w, w->n_spare - i);
	b->n_to_hold = 0;
	sc_cancel_handle_burst(w->cancel, b->in, b->n);
	for (i = 0; i < b->n; i++) {
		switch (b->in[i].verdict) {
		case SC_CANCEL_V_HELD:
			/* Room was kept for it: it is counted when it comes back. */
			if (sc_px_hold(w, b->m[i])) {
				count_sip(w, b->in[i].msg, b->in[i].parse_rc, -1);
				continue;
			}
			w->stats.app[SC_APP_C_DROP_ROLE]++;
			break;
		case SC_CANCEL_V_DROPPED:
			w->stats.app[SC_APP_C_DROP_ROLE]++;
			break;
		default:
			w->stats.app[SC_APP_C_RX_SIP_HANDLED]++;
			break;
		}
		done[n_done++] = b->m[i];
	}
	/* Not before: the parsed messages point into these payloads. */
	recycle(w, done, n_done);
	b->n = 0;
}

static inline void
drop(struct sc_worker *w, struct rte_mbuf *m, enum sc_app_counter c)
{
	w->stats.app[c]++;
	rte_pktmbuf_free(m);
}

/* Parse one SIP datagram in m and queue it for lib/cancel. */
static void
add_sip(struct sc_worker *w, struct rte_mbuf *m, struct sc_net_pkt *pkt)
{
	struct sc_worker_burst *b = w->burst;
	unsigned k = b->n;
	struct sc_sip_msg *msg = &b->msg[k];
	const struct sc_sip_via *top;
	bool scratch = false;
	int rc;

	if (pkt->payload == NULL) {
		/* Chained mbuf: flat copy in the reassembly scratch. */
		if (sc_net_flat_payload(w->frag, m, pkt) == NULL) {
			drop(w, m, SC_APP_C_DROP_PAYLOAD);
			return;
		}
		scratch = true;
	}
	if (pkt != &b->pkt[k])
		b->pkt[k] = *pkt;
	pkt = &b->pkt[k];

	rc = sc_sip_parse(pkt->payload, pkt->payload_len, msg);
	b->in[k].next_path = NULL;
	b->in[k].next_path_deferred = false;
	if (w->px != NULL && rc > 0) {
		/* Proxy: learn the sender's MAC. */
		sc_px_learn_source(w, pkt->ip_version, &pkt->src_ip, &pkt->src_mac);
		if (msg->kind != SC_SIP_REQUEST || msg->method != SC_METHOD_INVITE) {
			/*
			 * Most of these match a transaction and use its stored path:
			 * lib/cancel asks for one only when it forwards or relays
			 * statelessly.
			 */
			b->in[k].next_path_deferred = true;
		} else {
			/* An INVITE: find the next hop now, or wait for ARP/ND. */
			switch (sc_px_next_path(w, msg, &b->npath[k])) {
			case 1:
				b->in[k].next_path = &b->npath[k];
				break;
			case 0:
				/*
				 * A reassembled datagram waits as its chain: the scratch
				 * copy is made again when it comes back (classify gives a
				 * NULL payload).
				 */
				if (sc_px_hold(w, m))
					return;
				/* No room to wait: handled as unroutable. */
				w->stats.app[SC_APP_C_PX_NO_PATH]++;
				break;
			case -2:
				break;
			default:
				w->stats.app[SC_APP_C_PX_NO_PATH]++;
				break;
			}
		}
	}
	count_sip(w, msg, rc, 1);
	top = msg->via_count > 0 ? &msg->vias[0] : NULL;
	b->in[k].msg = msg;
	b->in[k].parse_rc = rc;
	/* No route back (18.2.2): lib/cancel drops it, or absorbs an ACK. */
	b->in[k].path = sc_net_response_path(pkt, top, SC_NET_SIP_DEFAULT_PORT,
					     &b->path[k]) == 0 ? &b->path[k] : NULL;
	b->in[k].verdict = SC_CANCEL_V_DROPPED;
	b->m[k] = m;
	b->n = k + 1;
	/*
	 * The scratch copy is overwritten by the next chained payload, and a full
	 * batch has no room left: hand the batch over now, in order.
	 */
	if (scratch || b->n == SC_APP_BURST)
		run_batch(w);
}

#define PREFETCH_AHEAD 2
#define PREFETCH_DATA_MAX 640	/* bytes: a typical INVITE; the rest streams in */

static inline void
prefetch_data(const struct rte_mbuf *m)
{
	const char *d = rte_pktmbuf_mtod(m, const char *);
	uint32_t len = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), (uint32_t)PREFETCH_DATA_MAX);
	uint32_t off;

	for (off = 0; off < len; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(d + off);
}

/* Classify and dispatch one received burst. */
static void
handle_rx(struct sc_worker *w, struct rte_mbuf **pkts, uint16_t n, uint64_t now_tsc)
{
	struct sc_worker_burst *b = w->burst;
	struct sc_worker_port *p;
	struct sc_net_pkt *pkt;
	struct rte_mbuf *m, *r;
	uint16_t i;

	/*
	 * The driver (or another core) wrote these: start every header miss at once,
	 * then fetch each packet's data two packets ahead of its parse.
	 */
	for (i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		prefetch_data(pkts[i]);
	w->stats.app[SC_APP_C_RX_PACKETS] += n;
	for (i = 0; i < n; i++) {
		m = pkts[i];
		if (i + PREFETCH_AHEAD < n)
			prefetch_data(pkts[i + PREFETCH_AHEAD]);
		w->stats.app[SC_APP_C_RX_BYTES] += m->pkt_len;
		pkt = &b->pkt[b->n];
		switch (sc_net_classify(m, w->net_cfg, pkt)) {
		case SC_NET_SIP:
			add_sip(w, m, pkt);
			break;
		case SC_NET_ARP:
		case SC_NET_ND:
			p = port_of(w, pkt->port_id);
			if (w->px != NULL)
				sc_px_rx_other(w, m, pkt);
			if (p == NULL || sc_net_answer(m, w->net_cfg, pkt) < 0) {
				w->stats.net_drop[SC_NET_DROP_NONE]++;
				rte_pktmbuf_free(m);
				break;
			}
			w->stats.app[pkt->cls == SC_NET_ARP ? SC_APP_C_ARP_REPLIES :
				     SC_APP_C_ND_REPLIES]++;
			w->stats.app[SC_APP_C_RX_REPLIED_IN_PLACE]++;
			tx_one(w, p, m);
			break;
		case SC_NET_FRAGMENT:
			/*
			 * One mbuf per fragment: the accounting below counts a reassembled
			 * datagram's segments as its fragments, and the pool is sized so.
			 * A fragment larger than one mbuf (scatter RX) is refused.
			 */
			if (m->nb_segs != 1) {
				w->stats.net_drop[SC_NET_DROP_BAD_FRAGMENT]++;
				rte_pktmbuf_free(m);
				break;
			}
			w->stats.app[SC_APP_C_FRAG_HELD]++;
			w->frag_held_now++;
			r = sc_net_reassemble(w->frag, m, w->net_cfg, pkt, now_tsc);
			if (r == NULL)
				break;
			/* Each fragment became one segment of r; r stands for all. */
			w->frag_held_now -= RTE_MIN((uint64_t)r->nb_segs, w->frag_held_now);
			w->stats.app[SC_APP_C_FRAG_MERGED] += r->nb_segs - 1u;
			if (pkt->cls == SC_NET_SIP) {
				add_sip(w, r, pkt);
			} else {
				w->stats.net_drop[pkt->drop < SC_NET_DROP_COUNT ? pkt->drop : 0]++;
				rte_pktmbuf_free(r);
			}
			break;
		default:
			if (w->px != NULL && sc_px_rx_other(w, m, pkt))
				w->stats.app[SC_APP_C_RX_NEIGH_ANSWERS]++;
			else
				w->stats.net_drop[pkt->drop < SC_NET_DROP_COUNT ? pkt->drop : 0]++;
			rte_pktmbuf_free(m);
			break;
		}
	}
	run_batch(w);
}

/* Proxy: packets held for a resolution that ended go through the SIP path again. */
static void
release_held(struct sc_worker *w)
{
	struct rte_mbuf *m[SC_PX_HELD_MAX];
	unsigned i, n = sc_px_tick(w, m, SC_PX_HELD_MAX);

	if (n == 0)
		return;
	w->px->retrying = true;
	for (i = 0; i < n; i++) {
		struct sc_net_pkt *pkt = &w->burst->pkt[w->burst->n];

		if (sc_net_classify(m[i], w->net_cfg, pkt) == SC_NET_SIP) {
			add_sip(w, m[i], pkt);
		} else {
			w->stats.net_drop[pkt->drop < SC_NET_DROP_COUNT ? pkt->drop : 0]++;
			rte_pktmbuf_free(m[i]);
		}
	}
	run_batch(w);
	w->px->retrying = false;
}

static inline uint64_t
pkt_ts(const struct sc_worker *w, const struct rte_mbuf *m)
{
	if ((m->ol_flags & w->ts_flag) == 0)
		return UINT64_MAX;
	return *RTE_MBUF_DYNFIELD(m, w->ts_off, const rte_mbuf_timestamp_t *);
}

/*
 * --pcap-pace: from the packets read on port p, return how many at the head are
 * due (their capture offset from the first packet has elapsed, in the port's
 * timestamp unit) and move them to out. Packets without a timestamp are always due.
 */
static uint16_t
pace_take(struct sc_worker *w, struct sc_worker_port *p, struct rte_mbuf **out,
	  uint64_t now_tsc)
{
	uint64_t hz = rte_get_tsc_hz();
	uint16_t k = 0;

	if (p->i_pend == p->n_pend) {
		p->n_pend = rte_eth_rx_burst(p->port_id, w->queue_id, p->pend, SC_APP_BURST);
		p->i_pend = 0;
	}
	while (p->i_pend < p->n_pend) {
		struct rte_mbuf *m = p->pend[p->i_pend];
		uint64_t ts = pkt_ts(w, m);

		if (ts != UINT64_MAX) {
			if (!w->pace_started) {
				w->pace_started = true;
				w->pace_ts0 = ts;
				w->pace_tsc0 = now_tsc;
			}
			if (ts > w->pace_ts0) {
				uint64_t due = ts - w->pace_ts0;
				double el = (double)(now_tsc - w->pace_tsc0) / (double)hz *
					    (double)p->ts_per_sec;

				if (el < (double)due)
					break;
			}
		}
		out[k++] = m;
		p->i_pend++;
	}
	return k;
}

void
sc_worker_release(struct sc_worker *w)
{
	unsigned k;
	uint16_t i;

	for (i = 0; i < w->n_ports; i++) {
		struct sc_worker_port *p = &w->ports[i];

		while (p->i_pend < p->n_pend) {
			w->stats.app[SC_APP_C_RX_PACKETS]++;
			drop(w, p->pend[p->i_pend++], SC_APP_C_DROP_SHUTDOWN);
		}
	}
	/*
	 * What is still held goes with the run too: packets waiting for the next
	 * hop's address, and fragments of incomplete datagrams (their mbufs go back
	 * when the reassembly table is freed). Nothing is held after this.
	 */
	if (w->px != NULL) {
		for (k = 0; k < w->px->n_held; k++)
			drop(w, w->px->held[k], SC_APP_C_DROP_SHUTDOWN);
		w->px->n_held = 0;
	}
	w->stats.app[SC_APP_C_DROP_SHUTDOWN] += w->frag_held_now;
	w->frag_held_now = 0;
	w->stats.held = 0;
	rte_pktmbuf_free_bulk(w->spare, w->n_spare);
	w->n_spare = 0;
}

/*
 * A full burst takes well under 100 us even with cold caches: an iteration longer
 * than this was preempted (a shared CPU), and busy_long_cycles says how much.
 */
#define LONG_ITERATION_US 500

bool
sc_worker_iterate(struct sc_worker *w, uint64_t *last)
{
	struct rte_mbuf *pkts[SC_APP_BURST];
	unsigned thread_id = w->queue_id;
	bool busy = false;
	uint64_t t0, t1, tp = 0, tn;
	uint16_t i, n;
	unsigned ev;
	uint32_t dr;

	t0 = rte_rdtsc();
	sc_worker_clock_update(w, t0);
	for (i = 0; i < w->n_ports; i++) {
		struct sc_worker_port *p = &w->ports[i];

		if (w->pace) {
			n = pace_take(w, p, pkts, t0);
			if (p->i_pend < p->n_pend)
				w->last_rx_tsc = t0;	/* still replaying */
		} else {
			n = rte_eth_rx_burst(p->port_id, w->queue_id, pkts,
					     SC_APP_BURST);
		}
		if (n == 0)
			continue;
		busy = true;
		w->last_rx_tsc = t0;
		/* One TSC read ends a stretch of work and starts the next (~25 cycles each). */
		if (tp == 0)
			tp = rte_rdtsc();
		handle_rx(w, pkts, n, t0);
		tn = rte_rdtsc();
		w->stats.app[SC_APP_C_PROC_CYCLES] += tn - tp;
		tp = tn;
	}
	if (w->px != NULL)
		release_held(w);
	/* Timers and cross-core events may send too: poll before the flush. */
	if (tp == 0)
		tp = rte_rdtsc();
	ev = sc_cancel_poll(w->cancel);
	if (ev != 0) {
		busy = true;
		w->stats.app[SC_APP_C_POLL_EVENTS] += ev;
		w->stats.app[SC_APP_C_PROC_CYCLES] += rte_rdtsc() - tp;
	}
	for (i = 0; i < w->n_ports; i++) {
		struct sc_worker_port *p = &w->ports[i];

		n = rte_eth_tx_buffer_flush(p->port_id, w->queue_id, p->txb);
		w->stats.app[SC_APP_C_TX_PACKETS] += n;
	}
	/* Incomplete datagrams older than the timeout let go of their mbufs (RFC 791). */
	dr = sc_net_frag_expire(w->frag, t0);
	if (dr != 0) {
		w->stats.app[SC_APP_C_FRAG_EXPIRED] += dr;
		w->frag_held_now -= RTE_MIN((uint64_t)dr, w->frag_held_now);
	}
	w->stats.held = w->frag_held_now + (w->px != NULL ? w->px->n_held : 0);
	/* No record pointer survives the loop iteration. */
	sc_txn_quiescent(w->table, thread_id);
	w->stats.app[SC_APP_C_LOOPS]++;
	/* After last_rx_tsc: a worker back from a stall is not seen idle. */
	w->last_loop_tsc = t0;
	t1 = rte_rdtsc();
	/*
	 * Busy is this iteration only: the gap before it (idle polling, or other
	 * threads running while this one yielded) is idle even when packets wait.
	 */
	if (busy) {
		w->stats.app[SC_APP_C_BUSY_CYCLES] += t1 - t0;
		w->stats.app[SC_APP_C_IDLE_CYCLES] += t0 - *last;
		if (t1 - t0 > LONG_ITERATION_US * w->tsc_per_us)
			w->stats.app[SC_APP_C_BUSY_LONG_CYCLES] += t1 - t0;
	} else {
		w->stats.app[SC_APP_C_IDLE_CYCLES] += t1 - *last;
	}
	*last = t1;
	return busy;
}

int
sc_worker_main(void *arg)
{
	struct sc_worker *w = arg;
	uint64_t last = rte_rdtsc();
	unsigned thread_id = w->queue_id;

	w->running = true;
	w->last_rx_tsc = last;
	w->last_loop_tsc = last;
	if (sc_txn_thread_register(w->table, thread_id) < 0) {
		SC_APP_LOG(ERR, "worker lcore %u: RCU registration failed", w->lcore_id);
		w->running = false;
		return -1;
	}
	SC_APP_LOG(INFO, "worker lcore %u: queue %u on %u port(s)", w->lcore_id,
		   w->queue_id, w->n_ports);

	while (!w->stop) {
		/* Several lcores on one CPU: let the others run when there is no work. */
		if (!sc_worker_iterate(w, &last) && w->yield_idle)
			sched_yield();
	}
	sc_txn_thread_unregister(w->table, thread_id);
	w->running = false;
	return 0;
}
