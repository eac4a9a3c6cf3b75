/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy role's L2/L3 side (RFC 3261 16.5/16.6 targets, 18.2.2 response paths):
 * next-hop selection (--next-hop, --route), a per-worker neighbour cache filled by
 * ARP / Neighbour Solicitation requests we send and by learning the source MAC of
 * every SIP packet and ARP reply / Neighbour Advertisement we receive, and the
 * bounded queue of packets waiting for a resolution.
 *
 * Routing: without --gateway every address is taken as on-link. With one, an
 * address of its family outside every --local-ip prefix is reached through the
 * gateway's MAC (RFC 1122 3.3.1.1), and a SIP packet from such an address teaches
 * nothing about it: its source MAC is a router's. It confirms the gateway when it
 * came from the gateway's MAC. All are reached through the first port. Hostnames
 * are not resolved (no DNS on the data path): a Via or route with a hostname has no
 * path. A resolution asks RESOLVE_TRIES times, RESOLVE_GAP_US apart; then it has
 * failed (an INVITE gets 503 from lib/cancel, anything else is dropped, counted)
 * and is tried again after FAILED_HOLD_US.
 *
 * A known MAC is trusted for --neigh-reachable after it was last confirmed: any
 * packet from that address (its source MAC) or an ARP reply / NA. Used after that,
 * it is still used while RESOLVE_TRIES unicast ARP requests / NSs, RESOLVE_GAP_US
 * apart, ask whether it holds; unanswered, the entry is forgotten and the next
 * request resolves the address afresh (RFC 1122 2.3.2.1 unicast poll, the PROBE
 * state of RFC 4861 7.3.2). A next hop replaced by a host with another MAC is so
 * found without a gratuitous ARP.
 *
 * The answer to a worker's ARP request or NS may arrive on another worker's queue
 * (RSS puts non-IP frames on one queue; AF_PACKET fanout on any). So a worker that
 * starts a resolution also posts it on a board shared by the workers; whichever
 * worker receives the answer writes the MAC there, and the asking worker takes it
 * from there while its resolution is pending. The board only takes answers for
 * addresses some worker asked for (RFC 826's merge rule, process-wide). It is off
 * the fast path (resolutions and ARP/ND frames only), so one spinlock guards it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "sc_proxy_app.h"
#include "sc_worker.h"

#define RESOLVE_TRIES	3
#define RESOLVE_GAP_US	300000ULL
#define FAILED_HOLD_US	5000000ULL
/* A confirmation this close to the last one is not written (below the least reachable time). */
#define CONFIRM_GRAIN_US 10000ULL

enum nb_state {
	NB_FREE = 0,
	NB_PENDING,
	NB_OK,
	NB_FAILED,
};

/* ---- the workers' shared board of resolutions ------------------------------------ */

enum board_state {
	BOARD_FREE = 0,
	BOARD_WANTED,		/* a worker asked; no answer seen yet */
	BOARD_KNOWN,
};

struct board_entry {
	uint8_t state;
	uint8_t ipv;
	uint8_t ip[16];
	struct rte_ether_addr mac;
	uint64_t tsc;		/* BOARD_KNOWN: when the last answer came */
};

static struct {
	rte_spinlock_t lock;
	unsigned next_evict;
	struct board_entry e[SC_PX_NB_MAX];
} board = { .lock = RTE_SPINLOCK_INITIALIZER };

static struct board_entry *
board_find(uint8_t ipv, const uint8_t *ip)
{
	unsigned i;

	for (i = 0; i < SC_PX_NB_MAX; i++) {
		struct board_entry *e = &board.e[i];

		if (e->state != BOARD_FREE && e->ipv == ipv &&
		    memcmp(e->ip, ip, ipv == 4 ? 4 : 16) == 0)
			return e;
	}
	return NULL;
}

/*
 * The MAC of ip when some worker received an answer for it at or after since_tsc
 * (true, mac set). post: a worker starts resolving or probing ip; an address
 * nobody asked for yet is put up as wanted.
 */
static bool
board_ask(uint8_t ipv, const uint8_t *ip, struct rte_ether_addr *mac, bool post,
	  uint64_t since_tsc)
{
	struct board_entry *e;
	bool known = false;

	rte_spinlock_lock(&board.lock);
	e = board_find(ipv, ip);
	if (e != NULL && e->state == BOARD_KNOWN && e->tsc >= since_tsc) {
		*mac = e->mac;
		known = true;
	} else if (e == NULL && post) {
		/* Full: reuse round robin; a lost entry is asked for again. */
		e = &board.e[board.next_evict];
		board.next_evict = (board.next_evict + 1) % SC_PX_NB_MAX;
		memset(e, 0, sizeof(*e));
		e->state = BOARD_WANTED;
		e->ipv = ipv;
		memcpy(e->ip, ip, ipv == 4 ? 4 : 16);
	}
	rte_spinlock_unlock(&board.lock);
	return known;
}

/* An ARP or ND answer for ip: kept when some worker asked for ip (returns true). */
static bool
board_offer(uint8_t ipv, const uint8_t *ip, const struct rte_ether_addr *mac)
{
	struct board_entry *e;

	if (rte_is_zero_ether_addr(mac) || !rte_is_unicast_ether_addr(mac))
		return false;
	rte_spinlock_lock(&board.lock);
	e = board_find(ipv, ip);
	if (e != NULL) {
		e->mac = *mac;
		e->state = BOARD_KNOWN;
		e->tsc = rte_rdtsc();
	}
	rte_spinlock_unlock(&board.lock);
	return e != NULL;
}

/* Probes of ip went unanswered: its MAC is no answer for anyone any more. */
static void
board_forget(uint8_t ipv, const uint8_t *ip)
{
	struct board_entry *e;

	rte_spinlock_lock(&board.lock);
	e = board_find(ipv, ip);
	if (e != NULL)
		e->state = BOARD_WANTED;
	rte_spinlock_unlock(&board.lock);
}

int
sc_app_parse_hop(const char *s, struct sc_app_hop *hop)
{
	char buf[128];
	const char *host = buf, *port = NULL;
	unsigned long v = 5060;
	char *end;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	memset(hop, 0, sizeof(*hop));
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');

		if (rb == NULL)
			return -EINVAL;
		*rb = '\0';
		host = buf + 1;
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0')
			return -EINVAL;
	} else {
		char *c = strchr(buf, ':');

		/* One colon: v4:port. More: a bare IPv6 without a port. */
		if (c != NULL && strchr(c + 1, ':') == NULL) {
			*c = '\0';
			port = c + 1;
		}
	}
	if (port != NULL) {
		errno = 0;
		v = strtoul(port, &end, 10);
		if (errno != 0 || *port == '\0' || *end != '\0' || v == 0 || v > 65535)
			return -EINVAL;
	}
	hop->port = (uint16_t)v;
	if (inet_pton(AF_INET, host, hop->ip.addr) == 1)
		hop->ip.family = AF_INET;
	else if (inet_pton(AF_INET6, host, hop->ip.addr) == 1)
		hop->ip.family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int
sc_app_parse_route(const char *s, struct sc_app_route *r)
{
	const char *eq = s == NULL ? NULL : strrchr(s, '=');
	size_t n;

	memset(r, 0, sizeof(*r));
	if (eq == NULL)
		return -EINVAL;
	if (strncmp(s, "host:", 5) == 0)
		r->kind = SC_APP_ROUTE_HOST;
	else if (strncmp(s, "user:", 5) == 0)
		r->kind = SC_APP_ROUTE_USER;
	else
		return -EINVAL;
	n = (size_t)(eq - (s + 5));
	if (n >= sizeof(r->match) || (n == 0 && r->kind == SC_APP_ROUTE_HOST))
		return -EINVAL;
	memcpy(r->match, s + 5, n);
	r->match[n] = '\0';
	return sc_app_parse_hop(eq + 1, &r->hop);
}

bool
sc_app_prefix_holds(const uint8_t *net, unsigned len, const uint8_t *addr)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(net, addr, full) != 0)
		return false;
	return rest == 0 || ((net[full] ^ addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}

bool
sc_app_onlink(const struct sc_app_cfg *cfg, int family, const uint8_t *addr)
{
	unsigned i;

	/* fe80::/10 is on every link (RFC 4291 2.5.6). */
	if (family == AF_INET6 && addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80)
		return true;
	for (i = 0; i < cfg->n_local_ips; i++)
		if (cfg->local_ips[i].family == family &&
		    sc_app_prefix_holds(cfg->local_ips[i].addr, cfg->local_prefix[i], addr))
			return true;
	return false;
}

/* user and host of a SIP URI (sip:user@host:port;params), either may be empty. */
static void
uri_parts(const struct sc_str *uri, struct sc_str *user, struct sc_str *host)
{
	const char *p = uri->p, *e = uri->p + uri->len, *at, *h;
	size_t i;

	user->p = host->p = NULL;
	user->len = host->len = 0;
	for (i = 0; p + i < e && p[i] != ':'; i++)
		;
	if (p + i == e)
		return;
	p += i + 1;
	at = memchr(p, '@', (size_t)(e - p));
	if (at != NULL) {
		user->p = p;
		user->len = (uint32_t)(at - p);
		p = at + 1;
	}
	h = p;
	if (h < e && *h == '[') {
		const char *rb = memchr(h, ']', (size_t)(e - h));

		host->p = h;
		host->len = rb == NULL ? 0 : (uint32_t)(rb + 1 - h);
		return;
	}
	while (p < e && *p != ':' && *p != ';' && *p != '?' && *p != '>')
		p++;
	host->p = h;
	host->len = (uint32_t)(p - h);
}

const struct sc_app_hop *
sc_app_route_lookup(const struct sc_app_cfg *cfg, const struct sc_sip_msg *req)
{
	struct sc_str user, host;
	const struct sc_app_route *best = NULL;
	size_t best_len = 0;
	unsigned i;

	/* No --route: every request goes to --next-hop, whatever its URI. */
	if (cfg->n_routes == 0)
		return cfg->next_hop_set ? &cfg->next_hop : NULL;
	uri_parts(&req->request_uri, &user, &host);
	for (i = 0; i < cfg->n_routes; i++) {
		const struct sc_app_route *r = &cfg->routes[i];
		size_t n = strlen(r->match);

		if (r->kind == SC_APP_ROUTE_HOST) {
			if (host.len == n && strncasecmp(host.p, r->match, n) == 0)
				return &r->hop;	/* an exact host wins over any prefix */
		} else if (user.len >= n && memcmp(user.p, r->match, n) == 0 &&
			   (best == NULL || n > best_len)) {
			best = r;		/* longest user prefix */
			best_len = n;
		}
	}
	if (best != NULL)
		return &best->hop;
	return cfg->next_hop_set ? &cfg->next_hop : NULL;
}

/* ---- neighbour cache ------------------------------------------------------------ */

/* Fixed-size compares: inlined, where a variable size is a library call per entry. */
static inline bool
nb_is(const struct sc_px_nb *n, uint8_t ipv, const uint8_t *ip)
{
	if (n->state == NB_FREE || n->ipv != ipv)
		return false;
	return ipv == 4 ? memcmp(n->ip, ip, 4) == 0 : memcmp(n->ip, ip, 16) == 0;
}

static struct sc_px_nb *
nb_find(struct sc_px_worker *px, uint8_t ipv, const uint8_t *ip)
{
	unsigned i;

	for (i = 0; i < SC_PX_NB_MAX; i++)
		if (nb_is(&px->nb[i], ipv, ip))
			return &px->nb[i];
	return NULL;
}

static struct sc_px_nb *
nb_slot(struct sc_px_worker *px, uint8_t ipv, const uint8_t *ip)
{
	struct sc_px_nb *n = nb_find(px, ipv, ip);
	unsigned i;

	if (n != NULL)
		return n;
	for (i = 0; i < SC_PX_NB_MAX; i++) {
		n = &px->nb[(px->next_evict + i) % SC_PX_NB_MAX];
		if (n->state == NB_FREE)
			break;
	}
	if (i == SC_PX_NB_MAX) {
		/* Full: reuse round robin; a lost entry is learned or asked again. */
		n = &px->nb[px->next_evict];
		px->next_evict = (px->next_evict + 1) % SC_PX_NB_MAX;
	}
	memset(n, 0, sizeof(*n));
	n->ipv = ipv;
	memcpy(n->ip, ip, ipv == 4 ? 4 : 16);
	return n;
}

void
sc_px_learn(struct sc_worker *w, uint8_t ipv, const void *ip, const struct rte_ether_addr *mac)
{
	struct sc_px_worker *px = w->px;
	struct sc_px_nb *n;

	if (px == NULL || rte_is_zero_ether_addr(mac) || !rte_is_unicast_ether_addr(mac))
		return;
	n = nb_slot(px, ipv, ip);
	if (n->state == NB_OK && rte_is_same_ether_addr(&n->mac, mac)) {
		/* Known (every SIP packet): the line is written only now and then. */
		if (w->now_us - n->confirmed_us >= CONFIRM_GRAIN_US || n->tries != 0) {
			n->confirmed_us = w->now_us;
			n->tries = 0;
		}
		return;
	}
	if (n->state != NB_OK) {
		w->stats.app[SC_APP_C_PX_NB_LEARNED]++;
		px->changed = true;
	}
	n->mac = *mac;
	n->state = NB_OK;
	n->confirmed_us = w->now_us;
	n->tries = 0;		/* no probe open */
}

/* The gateway of ip's family if ip is off-link (RFC 1122 3.3.1.1), else NULL. */
static inline const uint8_t *
gateway_for(const struct sc_px_worker *px, uint8_t ipv, const uint8_t *ip)
{
	const struct sc_app_cfg *cfg = px->cfg;
	unsigned f = ipv == 6;

	if (likely(!cfg->gateway_set[f]) ||
	    sc_app_onlink(cfg, f ? AF_INET6 : AF_INET, ip))
		return NULL;
	return cfg->gateway[f].addr;
}

void
sc_px_learn_source(struct sc_worker *w, uint8_t ipv, const void *ip,
		   const struct rte_ether_addr *mac)
{
	const uint8_t *gw = w->px == NULL ? NULL : gateway_for(w->px, ipv, ip);
	const struct sc_px_nb *n;

	if (gw == NULL) {
		sc_px_learn(w, ipv, ip, mac);
		return;
	}
	/* Off-link: mac is a router's; only the gateway's own confirms the gateway. */
	n = nb_find(w->px, ipv, gw);
	if (n != NULL && n->state == NB_OK && rte_is_same_ether_addr(&n->mac, mac))
		sc_px_learn(w, ipv, gw, mac);
}

static const uint8_t *
local_ip(const struct sc_worker *w, uint8_t ipv)
{
	const struct sc_net_cfg *c = w->net_cfg;

	if (ipv == 4)
		return c->ipv4_count > 0 ? (const uint8_t *)&c->ipv4[0].v4 : NULL;
	return c->ipv6_count > 0 ? c->ipv6[0].v6 : NULL;
}

static const struct rte_ether_addr *
local_mac(const struct sc_worker *w)
{
	return &w->net_cfg->mac[w->ports[0].port_id];
}

/*
 * ARP request (RFC 826) or Neighbour Solicitation (RFC 4861 4.3) for ip: broadcast /
 * to the solicited-node group, or, to probe a known MAC, unicast to it.
 */
static void
solicit(struct sc_worker *w, uint8_t ipv, const uint8_t *ip, const struct rte_ether_addr *to)
{
	const uint8_t *src = local_ip(w, ipv);
	struct rte_mbuf *m;
	struct rte_ether_hdr *eh;

	if (src == NULL || w->n_ports == 0)
		return;
	m = rte_pktmbuf_alloc(w->mp);
	if (m == NULL) {
		w->stats.app[SC_APP_C_TX_ALLOC_FAIL]++;
		return;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eh->src_addr = *local_mac(w);
	if (ipv == 4) {
		struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);

		if (to != NULL)
			eh->dst_addr = *to;
		else
			memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		a->arp_hlen = RTE_ETHER_ADDR_LEN;
		a->arp_plen = 4;
		a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		a->arp_data.arp_sha = *local_mac(w);
		memcpy(&a->arp_data.arp_sip, src, 4);
		memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
		memcpy(&a->arp_data.arp_tip, ip, 4);
		m->data_len = m->pkt_len = sizeof(*eh) + sizeof(*a);
		w->stats.app[SC_APP_C_PX_ARP_SENT]++;
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)(eh + 1);
		uint8_t *icmp = (uint8_t *)(h + 1);
		uint16_t plen = 8 + 16 + 8;	/* NS + target + source LL option */
		uint32_t sum;

		/* Solicited-node multicast ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX. */
		static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		eh->dst_addr.addr_bytes[0] = 0x33;
		eh->dst_addr.addr_bytes[1] = 0x33;
		eh->dst_addr.addr_bytes[2] = 0xff;
		memcpy(&eh->dst_addr.addr_bytes[3], ip + 13, 3);
		h->vtc_flow = rte_cpu_to_be_32(6u << 28);
		h->payload_len = rte_cpu_to_be_16(plen);
		h->proto = IPPROTO_ICMPV6;
		h->hop_limits = 255;
		memcpy(h->src_addr, src, 16);
		if (to != NULL) {
			eh->dst_addr = *to;
			memcpy(h->dst_addr, ip, 16);
		} else {
			memcpy(h->dst_addr, snm, 13);
			memcpy(h->dst_addr + 13, ip + 13, 3);
		}
		memset(icmp, 0, plen);
		icmp[0] = 135;			/* Neighbour Solicitation */
		memcpy(icmp + 8, ip, 16);
		icmp[24] = 1;			/* source link-layer address option */
		icmp[25] = 1;
		memcpy(icmp + 26, local_mac(w), 6);
		sum = rte_ipv6_phdr_cksum(h, 0);
		sum = rte_raw_cksum(icmp, plen) + (sum & 0xffff) + (sum >> 16);
		while (sum > 0xffff)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		memcpy(icmp + 2, &sum, 2);
		m->data_len = m->pkt_len = (uint32_t)(sizeof(*eh) + sizeof(*h) + plen);
		w->stats.app[SC_APP_C_PX_NS_SENT]++;
	}
	sc_worker_tx_frame(w, &w->ports[0], m);
}

static uint64_t
reachable_tsc(const struct sc_px_worker *px)
{
	return (uint64_t)px->cfg->neigh_reachable_ms * (rte_get_tsc_hz() / 1000);
}

/* A known MAC, unconfirmed for too long, is used: ask it whether it still holds. */
static void
nb_probe(struct sc_worker *w, struct sc_px_nb *n)
{
	struct rte_ether_addr unused;

	n->tries = 1;
	n->t_us = w->now_us;
	n->probe_tsc = rte_rdtsc();
	w->px->pending = true;
	/* Posted, so an answer that reaches another worker's queue counts too. */
	(void)board_ask(n->ipv, n->ip, &unused, true, UINT64_MAX);
	w->stats.app[SC_APP_C_PX_NB_PROBED]++;
	solicit(w, n->ipv, n->ip, &n->mac);
}

/*
 * State of the neighbour ip: 1 resolved (mac set), 0 pending (asked), -1 failed.
 */
static int
nb_resolve(struct sc_worker *w, uint8_t ipv, const uint8_t *ip, struct rte_ether_addr *mac)
{
	struct sc_px_worker *px = w->px;
	struct sc_px_nb *n = nb_find(px, ipv, ip);
	uint64_t now = w->now_us;

	if (n != NULL && n->state == NB_OK) {
		*mac = n->mac;
		if (n->tries == 0 && now - n->confirmed_us >= px->reachable_us)
			nb_probe(w, n);
		return 1;
	}
	if (n != NULL && n->state == NB_FAILED) {
		if (now - n->t_us < FAILED_HOLD_US)
			return -1;
		n->state = NB_FREE;
	}
	if (n == NULL || n->state == NB_FREE) {
		uint64_t tsc = rte_rdtsc(), reach = reachable_tsc(px);

		/* Another worker's answer, if it is recent enough to trust. */
		if (board_ask(ipv, ip, mac, true, tsc > reach ? tsc - reach : 0)) {
			sc_px_learn(w, ipv, ip, mac);
			return 1;
		}
		n = nb_slot(px, ipv, ip);
		n->state = NB_PENDING;
		px->pending = true;
		n->tries = 1;
		n->t_us = now;
		n->probe_tsc = tsc;
		w->stats.app[SC_APP_C_PX_RESOLVE_STARTED]++;
		solicit(w, ipv, ip, NULL);
	}
	return 0;
}

/* Every loop: repeat or give up pending resolutions and probes. */
static void
nb_tick(struct sc_worker *w)
{
	struct sc_px_worker *px = w->px;
	bool pending = false;
	unsigned i;

	/* Every loop: no scan of the whole cache unless a resolution may be open. */
	if (!px->pending)
		return;
	for (i = 0; i < SC_PX_NB_MAX; i++) {
		struct sc_px_nb *n = &px->nb[i];
		struct rte_ether_addr mac;
		bool probing = n->state == NB_OK && n->tries > 0;

		if (n->state != NB_PENDING && !probing)
			continue;
		/* Answered on another worker's queue? (On ours, the answer ended it.) */
		if (board_ask(n->ipv, n->ip, &mac, false, n->probe_tsc)) {
			sc_px_learn(w, n->ipv, n->ip, &mac);
			continue;
		}
		pending = true;
		if (w->now_us - n->t_us < RESOLVE_GAP_US)
			continue;
		if (n->tries >= RESOLVE_TRIES) {
			if (probing) {
				/* The MAC no longer answers: resolve afresh when next needed. */
				n->state = NB_FREE;
				board_forget(n->ipv, n->ip);
				w->stats.app[SC_APP_C_PX_NB_EXPIRED]++;
			} else {
				n->state = NB_FAILED;
				n->t_us = w->now_us;
				px->changed = true;
				w->stats.app[SC_APP_C_PX_RESOLVE_FAILED]++;
			}
			continue;
		}
		n->tries++;
		n->t_us = w->now_us;
		solicit(w, n->ipv, n->ip, probing ? &n->mac : NULL);
	}
	px->pending = pending;
}

/* ---- paths --------------------------------------------------------------------- */

static int
path_to(struct sc_worker *w, uint8_t ipv, const uint8_t *ip, uint16_t port,
	struct sc_net_path *out)
{
	const uint8_t *src = local_ip(w, ipv);
	const uint8_t *gw = gateway_for(w->px, ipv, ip);
	struct rte_ether_addr mac;
	union sc_net_ip s, d;
	int st;

	if (src == NULL || w->n_ports == 0)
		return -1;
	st = nb_resolve(w, ipv, gw != NULL ? gw : ip, &mac);
	if (st <= 0)
		return st;
	if (gw != NULL)
		w->stats.app[SC_APP_C_PX_VIA_GATEWAY]++;
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	memcpy(&s, src, ipv == 4 ? 4 : 16);
	memcpy(&d, ip, ipv == 4 ? 4 : 16);
	if (sc_net_path_init(out, w->ports[0].port_id, local_mac(w), &mac, -1, ipv, &s,
			     w->px->src_port, &d, port, w->net_cfg->mtu[w->ports[0].port_id]) != 0)
		return -1;
	return 1;
}

/*
 * Dotted-quad p[0..n) in the one form inet_pton(AF_INET) accepts (four decimal
 * octets up to 255, no leading zero): true with out set. False for anything else,
 * which the caller then gives to inet_pton, so the outcome is inet_pton's.
 */
static bool
ipv4_quad(const char *p, size_t n, uint8_t out[4])
{
	const char *e = p + n;
	unsigned k;

	for (k = 0; k < 4; k++) {
		const char *o;
		unsigned v = 0;

		if (k > 0 && (p == e || *p++ != '.'))
			return false;
		for (o = p; p < e && *p >= '0' && *p <= '9' && p - o < 4; p++)
			v = v * 10 + (unsigned)(*p - '0');
		if (p == o || p - o > 3 || v > 255 || (p - o > 1 && *o == '0'))
			return false;
		out[k] = (uint8_t)v;
	}
	return p == e;
}

/* IP literal of a Via host (brackets stripped). Returns the IP version or 0. */
static uint8_t
via_ip(const struct sc_str *h, uint8_t out[16])
{
	char buf[64];
	const char *p = h->p;
	size_t n = h->len;

	if (n >= 2 && p[0] == '[') {
		p++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	if (ipv4_quad(p, n, out))
		return 4;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 6;
	return 0;
}

int
sc_px_next_path(struct sc_worker *w, const struct sc_sip_msg *m, struct sc_net_path *out)
{
	if (m->kind == SC_SIP_REQUEST) {
		const struct sc_app_hop *hop = sc_app_route_lookup(w->px->cfg, m);

		if (hop == NULL)
			return -1;
		return path_to(w, hop->ip.family == AF_INET ? 4 : 6, hop->ip.addr, hop->port,
			       out);
	}
	if (m->kind == SC_SIP_RESPONSE && m->via_count >= 2) {
		/* 18.2.2 / RFC 3581 on the second Via: received, rport, sent-by port. */
		const struct sc_sip_via *v = &m->vias[1];
		uint8_t ip[16];
		uint8_t ipv = via_ip(v->received.len > 0 ? &v->received : &v->host, ip);
		uint16_t port = v->port != 0 ? v->port : SC_NET_SIP_DEFAULT_PORT;

		if (v->rport.len > 0) {
			unsigned long r = strtoul(v->rport.p, NULL, 10);

			if (r > 0 && r < 65536)
				port = (uint16_t)r;
		}
		if (ipv == 0)
			return -1;
		return path_to(w, ipv, ip, port, out);
	}
	/* A response to our own request (one Via: ours) goes nowhere further. */
	return m->kind == SC_SIP_RESPONSE ? -2 : -1;
}

/* ---- held packets ---------------------------------------------------------------- */

bool
sc_px_hold(struct sc_worker *w, struct rte_mbuf *m)
{
	struct sc_px_worker *px = w->px;

	if (px->n_held == SC_PX_HELD_MAX) {
		w->stats.app[SC_APP_C_PX_HELD_FULL]++;
		return false;
	}
	px->held[px->n_held] = m;
	px->held_us[px->n_held] = w->now_us;
	px->n_held++;
	if (!px->retrying)
		w->stats.app[SC_APP_C_PX_HELD]++;
	return true;
}

unsigned
sc_px_tick(struct sc_worker *w, struct rte_mbuf **out, unsigned cap)
{
	struct sc_px_worker *px = w->px;
	unsigned i, k = 0, n;

	if (px == NULL)
		return 0;
	nb_tick(w);
	if (px->n_held == 0 || !px->changed)
		return 0;
	px->changed = false;
	/* Everything held goes back through the loop: resolved, failed or still waiting. */
	n = px->n_held;
	for (i = 0; i < n && k < cap; i++)
		out[k++] = px->held[i];
	memmove(px->held, px->held + k, (n - k) * sizeof(px->held[0]));
	memmove(px->held_us, px->held_us + k, (n - k) * sizeof(px->held_us[0]));
	px->n_held = n - k;
	return k;
}

/* ---- received ARP replies / NAs ----------------------------------------------------- */

bool
sc_px_rx_other(struct sc_worker *w, struct rte_mbuf *m, const struct sc_net_pkt *pkt)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t off = pkt->l2_len;
	bool wanted;

	if (w->px == NULL)
		return false;
	if (pkt->cls == SC_NET_ARP || pkt->drop == SC_NET_DROP_ARP_NOT_REQUEST ||
	    pkt->drop == SC_NET_DROP_ARP_NOT_FOR_US) {
		const struct rte_arp_hdr *a;

		if (off == 0)
			off = sizeof(struct rte_ether_hdr);
		if (len < off + sizeof(*a))
			return false;
		a = (const struct rte_arp_hdr *)(d + off);
		/*
		 * RFC 826 merge: a request for us adds its sender; a reply or another
		 * request only updates a neighbour we are resolving.
		 */
		if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
			return false;
		wanted = nb_find(w->px, 4, (const uint8_t *)&a->arp_data.arp_sip) != NULL;
		if (pkt->cls == SC_NET_ARP || wanted)
			sc_px_learn(w, 4, &a->arp_data.arp_sip, &a->arp_data.arp_sha);
		if (board_offer(4, (const uint8_t *)&a->arp_data.arp_sip, &a->arp_data.arp_sha))
			wanted = true;
		return wanted;
	}
	if (pkt->ip_version == 6 && len >= (uint32_t)pkt->l2_len + pkt->l3_len + 32) {
		const uint8_t *icmp = d + pkt->l2_len + pkt->l3_len;

		/* Neighbour Advertisement (136): target, then a target LL option. */
		if (icmp[0] == 136 && icmp[24] == 2 && icmp[25] == 1) {
			wanted = nb_find(w->px, 6, icmp + 8) != NULL;
			if (wanted)
				sc_px_learn(w, 6, icmp + 8,
					    (const struct rte_ether_addr *)(icmp + 26));
			if (board_offer(6, icmp + 8, (const struct rte_ether_addr *)(icmp + 26)))
				wanted = true;
			return wanted;
		}
		/* An NS for us with a source LL option: RFC 4861 7.2.3, learn its sender. */
		else if (icmp[0] == 135 && pkt->cls == SC_NET_ND && icmp[24] == 1 &&
			 icmp[25] == 1)
			sc_px_learn(w, 6, &pkt->src_ip, (const struct rte_ether_addr *)(icmp + 26));
	}
	return false;
}

int
sc_px_path_local(const void *path_blob, char *sent_by, size_t cap)
{
	const struct sc_net_path *p = path_blob;
	size_t n, k, at = p->ip_version == 6 ? 1 : 0;

	/* "[v6]:port" or "v4:port" (18.1.1 sent-by), without stdio. */
	if (cap <= at)
		return -ENOSPC;
	n = sc_net_ip_fmt(p->ip_version, &p->src_ip, sent_by + at, cap - at);
	if (n == 0)
		return -ENOSPC;
	if (at != 0) {
		sent_by[0] = '[';
		sent_by[at + n++] = ']';	/* over the NUL sc_net_ip_fmt wrote */
	}
	n += at;
	if (n + 1 >= cap)
		return -ENOSPC;
	sent_by[n++] = ':';
	k = sc_sip_fmt_u32(sent_by + n, cap - n - 1, p->src_port);	/* room for the NUL */
	if (k == 0)
		return -ENOSPC;
	n += k;
	sent_by[n] = '\0';
	return (int)n;
}

struct sc_px_worker *
sc_px_worker_create(const struct sc_app_cfg *cfg, int socket)
{
	struct sc_px_worker *px = rte_zmalloc_socket("sc_px", sizeof(*px), RTE_CACHE_LINE_SIZE,
						     socket);

	if (px == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	px->cfg = cfg;
	px->src_port = cfg->sip_ports[0];
	px->reachable_us = (uint64_t)cfg->neigh_reachable_ms * 1000;
	return px;
}

void
sc_px_worker_free(struct sc_px_worker *px)
{
	unsigned i;

	if (px == NULL)
		return;
	for (i = 0; i < px->n_held; i++)
		rte_pktmbuf_free(px->held[i]);
	rte_free(px);
}
