/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcancel-gen: write CANCEL workloads as classic pcap files (Ethernet link
 * type, microsecond timestamps) for net_pcap runs, tcpreplay or SIPp-free tests.
 * No EAL; every generated SIP message is re-parsed with sc_sip_parse before it is
 * written, so the tool never emits something our own parser rejects.
 *
 * Each packet of call i is a pure function of (seed, i, packet index), so calls
 * can overlap in time (--call-gap-us) and be merged by timestamp with a small heap
 * and no per-call memory.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "sc_sip.h"
#include "sc_px_branch.h"

#define MAX_FRAME 2048
#define MAX_SPLIT 64
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_SNAPLEN 65535
#define LINKTYPE_ETHERNET 1
#define BASE_TIME_S 1700000000u		/* fixed, so output files are reproducible */
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define GEN_TTL 64
#define MTU 1500

/* Scenarios; the short name starts every Call-ID so a checker knows the intent. */
#define SCENARIOS(X) \
	X(AFTER_RINGING, "cancel-after-ringing", "ring", \
	  "INVITE, CANCEL, ACK; UAS rings (180) before the CANCEL") \
	X(BEFORE_RINGING, "cancel-before-ringing", "early", \
	  "INVITE, CANCEL, ACK; UAS ring delay > --gap-us") \
	X(UNMATCHED, "unmatched-cancel", "unmatched", \
	  "CANCEL for no INVITE (481)") \
	X(AFTER_FINAL, "cancel-after-final", "final", \
	  "INVITE, CANCEL, ACK; UAS sent its final first") \
	X(RETRANSMIT, "retransmit", "retrans", \
	  "INVITE twice, CANCEL twice, ACK") \
	X(RFC2543, "rfc2543", "rfc2543", \
	  "INVITE, CANCEL; no z9hG4bK (even) / no branch (odd)")

/*
 * Proxy scenarios (sipcancel --role proxy, RFC 3261 16.6-16.10, 9.1): both legs, the
 * UAC's requests to the SUT and the next hop's (--hop-ip) responses to it, whose
 * top Via carries the branch the proxy computes (16.11 hash, proxy_branch()). Not
 * part of "mixed". No --expect lines.
 */
#define PX_SCENARIOS(X) \
	X(PX_CANCEL, "proxy-cancel", "pxcancel", \
	  "proxy: INVITE, hop 100+180, CANCEL, hop 200(CANCEL)+487, ACK") \
	X(PX_EARLY, "proxy-early", "pxearly", \
	  "proxy: INVITE, CANCEL before any provisional (held), hop 180, 200, 487, ACK") \
	X(PX_BUSY, "proxy-busy", "pxbusy", \
	  "proxy: INVITE, CANCEL, hop 486 (crossing it), ACK") \
	X(PX_ANSWER, "proxy-answer", "pxanswer", \
	  "proxy: INVITE, hop 180, CANCEL, hop 200(INVITE) crossing it, 200(CANCEL)")

enum scenario {
#define X_ENUM(e, name, tag, text) SCEN_##e,
	SCENARIOS(X_ENUM)
#undef X_ENUM
	SCEN_COUNT,
	SCEN_MIXED = SCEN_COUNT,
#define X_ENUM(e, name, tag, text) SCEN_##e,
	PX_SCENARIOS(X_ENUM)
#undef X_ENUM
	SCEN_ALL,
};

#define SCEN_PX_FIRST (SCEN_MIXED + 1)

/* Indexed by enum scenario; the "mixed" slot is NULL. */
static const char *const scen_names[] = {
#define X_NAME(e, name, tag, text) name,
	SCENARIOS(X_NAME)
	NULL,
	PX_SCENARIOS(X_NAME)
#undef X_NAME
};

static const char *const scen_texts[] = {
#define X_TEXT(e, name, tag, text) text,
	SCENARIOS(X_TEXT)
	NULL,
	PX_SCENARIOS(X_TEXT)
#undef X_TEXT
};

static const char *const scen_tags[] = {
#define X_TAG(e, name, tag, text) tag,
	SCENARIOS(X_TAG)
	NULL,
	PX_SCENARIOS(X_TAG)
#undef X_TAG
};

enum pkt_kind {
	PK_INVITE,
	PK_CANCEL,
	PK_ACK,
	/* proxy scenarios: responses of the next hop */
	PK_R100,
	PK_R180,
	PK_R200,	/* to the INVITE */
	PK_R200C,	/* to the proxy's CANCEL */
	PK_R486,
	PK_R487,
};

struct opts {
	const char *out;
	const char *expect;
	uint64_t calls;
	int scenario;			/* enum scenario or SCEN_MIXED */
	bool ipv6;
	int vlan;			/* -1: none */
	char src_ip[64], dst_ip[64];
	uint8_t src_addr[16], dst_addr[16];
	uint16_t src_port, dst_port;
	uint8_t src_mac[6], dst_mac[6];
	char hop_ip[64];		/* proxy scenarios: the next hop */
	uint8_t hop_addr[16];
	uint8_t hop_mac[6];
	uint64_t gap_us;
	uint64_t call_gap_us;		/* 0: one call after another */
	bool rport;
	uint64_t seed;
	uint32_t flows;
	uint32_t split;
	unsigned final_status;
};

struct gen {
	struct opts o;
	FILE *pcap[MAX_SPLIT];
	FILE *expect;
	uint32_t ip_id;
	uint64_t packets;
	struct sc_sip_msg msg;		/* self-check scratch */
};

/* ---- helpers -------------------------------------------------------------- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
call_token(const struct opts *o, uint64_t call, uint64_t salt)
{
	return mix64(o->seed * 0x9e3779b97f4a7c15ULL + call * 0x632be59bd9b4e019ULL + salt);
}

static int
call_scenario(const struct opts *o, uint64_t call)
{
	return o->scenario == SCEN_MIXED ? (int)(call % SCEN_COUNT) : o->scenario;
}

static uint16_t
call_sport(const struct opts *o, uint64_t call)
{
	return (uint16_t)(o->src_port + call % o->flows);
}

/* Packets of a call, in the order the UAC sends them. */
static unsigned
call_packets(int scen, enum pkt_kind *k)
{
	switch (scen) {
	case SCEN_PX_CANCEL:
		k[0] = PK_INVITE; k[1] = PK_R100; k[2] = PK_R180; k[3] = PK_CANCEL;
		k[4] = PK_R200C; k[5] = PK_R487; k[6] = PK_ACK;
		return 7;
	case SCEN_PX_EARLY:
		k[0] = PK_INVITE; k[1] = PK_CANCEL; k[2] = PK_R180; k[3] = PK_R200C;
		k[4] = PK_R487; k[5] = PK_ACK;
		return 6;
	case SCEN_PX_BUSY:
		k[0] = PK_INVITE; k[1] = PK_CANCEL; k[2] = PK_R486; k[3] = PK_ACK;
		return 4;
	case SCEN_PX_ANSWER:
		k[0] = PK_INVITE; k[1] = PK_R180; k[2] = PK_CANCEL; k[3] = PK_R200;
		k[4] = PK_R200C;
		return 5;
	case SCEN_UNMATCHED:
		k[0] = PK_CANCEL;
		return 1;
	case SCEN_RFC2543:
		/*
		 * No ACK: without the cookie the UAS matches an ACK by the To tag of its
		 * 487 (17.2.3 / RFC 2543), which a capture cannot know.
		 */
		k[0] = PK_INVITE;
		k[1] = PK_CANCEL;
		return 2;
	case SCEN_RETRANSMIT:
		k[0] = PK_INVITE;
		k[1] = PK_INVITE;
		k[2] = PK_CANCEL;
		k[3] = PK_CANCEL;
		k[4] = PK_ACK;
		return 5;
	default:
		k[0] = PK_INVITE;
		k[1] = PK_CANCEL;
		k[2] = PK_ACK;
		return 3;
	}
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t
cksum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* "host" for URIs and Via: IPv6 references in brackets (RFC 3261 section 25.1). */
static void
host_of(const struct opts *o, const char *ip, char *buf, size_t cap)
{
	snprintf(buf, cap, o->ipv6 ? "[%s]" : "%s", ip);
}

/* ---- SIP ------------------------------------------------------------------ */

static inline bool
is_hop_response(enum pkt_kind k)
{
	return k >= PK_R100;
}

/*
 * The branch sipcancel's proxy role puts on the INVITE it forwards (lib/cancel
 * sc_proxy.c px_branch, seed 0): 16.11's hash of the received branch and sent-by,
 * from the same header (sc_px_branch.h).
 */
static void
proxy_branch(const char *branch, const char *host, uint16_t port,
	     char out[SC_PX_BRANCH_LEN + 1])
{
	sc_px_branch_text(sc_px_branch_cookie(0, branch, strlen(branch), host, strlen(host),
					      port), out);
}

/* A response of the next hop to what the proxy forwarded (proxy scenarios). */
static int
build_hop_response(const struct opts *o, uint64_t call, enum pkt_kind k, const char *uac,
		   const char *uas, uint16_t sport, const char *ubranch, const char *via,
		   char *buf, size_t cap)
{
	static const struct { enum pkt_kind k; unsigned st; const char *reason; } rs[] = {
		{ PK_R100, 100, "Trying" }, { PK_R180, 180, "Ringing" }, { PK_R200, 200, "OK" },
		{ PK_R200C, 200, "OK" }, { PK_R486, 486, "Busy Here" },
		{ PK_R487, 487, "Request Terminated" },
	};
	int scen = call_scenario(o, call);
	uint64_t tok = call_token(o, call, 1);
	uint32_t ftag = (uint32_t)call_token(o, call, 2);
	uint32_t ttag = (uint32_t)call_token(o, call, 3);
	char pb[SC_PX_BRANCH_LEN + 1], proxy[80], totag[24] = "", uvia[320] = "";
	unsigned i, st = 0;
	const char *reason = "";
	int n;

	for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		if (rs[i].k == k) {
			st = rs[i].st;
			reason = rs[i].reason;
		}
	host_of(o, o->dst_ip, proxy, sizeof(proxy));
	proxy_branch(ubranch, uac, sport, pb);
	if (st > 100)
		snprintf(totag, sizeof(totag), ";tag=h%08x", ttag);
	/* The 200 to the proxy's CANCEL has only the proxy's Via (9.1: one Via). */
	if (k != PK_R200C)
		snprintf(uvia, sizeof(uvia), "Via: %s;received=%s\r\n", via, o->src_ip);
	n = snprintf(buf, cap,
		     "SIP/2.0 %u %s\r\n"
		     "Via: SIP/2.0/UDP %s:%u;branch=%s\r\n"
		     "%s"
		     "From: \"UAC %" PRIu64 "\" <sip:uac%" PRIu64 "@%s>;tag=%08x\r\n"
		     "To: <sip:uas@%s:%u>%s\r\n"
		     "Call-ID: %s-%" PRIu64 "-%016" PRIx64 "@%s\r\n"
		     "CSeq: %u %s\r\n"
		     "Content-Length: 0\r\n"
		     "\r\n",
		     st, reason, proxy, o->dst_port, pb, uvia,
		     call, call, uac, ftag,
		     uas, o->dst_port, totag,
		     scen_tags[scen], call, tok, uac,
		     (unsigned)(1 + call % 1000), k == PK_R200C ? "CANCEL" : "INVITE");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* Build packet kind k of call `call` into buf; returns its length. */
static int
build_sip(const struct gen *g, uint64_t call, enum pkt_kind k, char *buf, size_t cap)
{
	const struct opts *o = &g->o;
	int scen = call_scenario(o, call);
	uint64_t tok = call_token(o, call, 1);
	uint32_t ftag = (uint32_t)call_token(o, call, 2);
	uint16_t sport = call_sport(o, call);
	char uac[80], uas[80], branch[64], via[200], sdp[512];
	const char *method = k == PK_INVITE ? "INVITE" : k == PK_CANCEL ? "CANCEL" : "ACK";
	char ubranch[64];
	int n, blen = 0;

	host_of(o, o->src_ip, uac, sizeof(uac));
	host_of(o, o->dst_ip, uas, sizeof(uas));
	/*
	 * Branch (8.1.1.7): z9hG4bK + unique token. RFC 2543 calls alternate between
	 * a branch without the cookie and no branch at all (17.2.3 fallback matching).
	 * The ACK for a non-2xx final reuses the INVITE's branch (17.1.1.3); for a
	 * 2xx it is a new transaction (13.2.2.4) and gets its own.
	 */
	if (scen == SCEN_RFC2543 && call % 2 == 1)
		branch[0] = '\0';
	else if (scen == SCEN_RFC2543)
		snprintf(branch, sizeof(branch), ";branch=2543-%016" PRIx64, tok);
	else if (k == PK_ACK && scen == SCEN_AFTER_FINAL && o->final_status < 300)
		snprintf(branch, sizeof(branch), ";branch=z9hG4bK-ack-%016" PRIx64, tok);
	else
		snprintf(branch, sizeof(branch), ";branch=z9hG4bK-%016" PRIx64, tok);
	snprintf(via, sizeof(via), "SIP/2.0/UDP %s:%u%s%s", uac, sport, branch,
		 o->rport ? ";rport" : "");
	if (is_hop_response(k)) {
		snprintf(ubranch, sizeof(ubranch), "%s", branch + 8);	/* after ";branch=" */
		return build_hop_response(o, call, k, uac, uas, sport, ubranch, via, buf, cap);
	}
	if (k == PK_INVITE) {
		blen = snprintf(sdp, sizeof(sdp),
				"v=0\r\n"
				"o=- %" PRIu64 " 1 IN %s %s\r\n"
				"s=-\r\n"
				"c=IN %s %s\r\n"
				"t=0 0\r\n"
				"m=audio %u RTP/AVP 0\r\n"
				"a=rtpmap:0 PCMU/8000\r\n",
				call, o->ipv6 ? "IP6" : "IP4", o->src_ip,
				o->ipv6 ? "IP6" : "IP4", o->src_ip,
				(unsigned)(10000 + 2 * (call % 20000)));
	}
	/*
	 * CANCEL (9.1): Request-URI, Call-ID, From, To and CSeq number of the INVITE,
	 * one Via equal to its top Via. ACK (17.1.1.3): the same, but To should carry
	 * the tag of the UAS's final response, which a pre-recorded capture cannot
	 * know: it is sent without one; the UAS matches it by branch (17.2.3).
	 */
	n = snprintf(buf, cap,
		     "%s sip:uas@%s:%u SIP/2.0\r\n"
		     "Via: %s\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: \"UAC %" PRIu64 "\" <sip:uac%" PRIu64 "@%s>;tag=%08x\r\n"
		     "To: <sip:uas@%s:%u>\r\n"
		     "Call-ID: %s-%" PRIu64 "-%016" PRIx64 "@%s\r\n"
		     "CSeq: %u %s\r\n"
		     "%s%s%s%s"
		     "Content-Length: %d\r\n"
		     "\r\n"
		     "%s",
		     method, uas, o->dst_port,
		     via,
		     call, call, uac, ftag,
		     uas, o->dst_port,
		     scen_tags[scen], call, tok, uac,
		     (unsigned)(1 + call % 1000), method,
		     k == PK_INVITE ? "Contact: <sip:uac@" : "",
		     k == PK_INVITE ? uac : "",
		     k == PK_INVITE ? ">\r\n" : "",
		     k == PK_INVITE ? "Content-Type: application/sdp\r\n" : "",
		     blen,
		     k == PK_INVITE ? sdp : "");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* ---- frames --------------------------------------------------------------- */

static uint32_t
build_frame(struct gen *g, uint16_t sport, const char *payload, uint32_t plen, uint8_t *f,
	    bool from_hop)
{
	const struct opts *o = &g->o;
	const uint8_t *smac = from_hop ? o->hop_mac : o->src_mac;
	const uint8_t *saddr = from_hop ? o->hop_addr : o->src_addr;
	uint32_t off = 12, l3, l4, ulen = 8 + plen;
	uint32_t s;
	uint16_t ck;

	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, smac, 6);
	if (o->vlan >= 0) {
		put16(f + off, ETH_P_8021Q);
		put16(f + off + 2, (uint16_t)o->vlan);
		off += 4;
	}
	put16(f + off, o->ipv6 ? ETH_P_IPV6 : ETH_P_IPV4);
	l3 = off + 2;
	l4 = l3 + (o->ipv6 ? 40 : 20);
	if (o->ipv6) {
		uint8_t *ip = f + l3;

		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)ulen);
		ip[6] = 17;
		ip[7] = GEN_TTL;
		memcpy(ip + 8, saddr, 16);
		memcpy(ip + 24, o->dst_addr, 16);
		s = sum16(saddr, 16, 0);
		s = sum16(o->dst_addr, 16, s);
	} else {
		uint8_t *ip = f + l3;

		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + ulen));
		put16(ip + 4, (uint16_t)g->ip_id++);
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = GEN_TTL;
		ip[9] = 17;
		memcpy(ip + 12, saddr, 4);
		memcpy(ip + 16, o->dst_addr, 4);
		put16(ip + 10, cksum_fold(sum16(ip, 20, 0)));
		s = sum16(saddr, 4, 0);
		s = sum16(o->dst_addr, 4, s);
	}
	put16(f + l4, sport);
	put16(f + l4 + 2, o->dst_port);
	put16(f + l4 + 4, (uint16_t)ulen);
	put16(f + l4 + 6, 0);
	memcpy(f + l4 + 8, payload, plen);
	s += 17 + ulen;
	ck = cksum_fold(sum16(f + l4, ulen, s));
	put16(f + l4 + 6, ck == 0 ? 0xffff : ck);	/* 0 means "none" (RFC 768) */
	return l4 + ulen;
}

static int
pcap_header(FILE *fp)
{
	/* Native byte order; readers tell it from the magic. */
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} h = { PCAP_MAGIC_US, 2, 4, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHERNET };

	_Static_assert(sizeof(h) == 24, "pcap file header is 24 bytes");
	return fwrite(&h, sizeof(h), 1, fp) == 1 ? 0 : -EIO;
}

static int
pcap_record(FILE *fp, uint64_t t_us, const uint8_t *frame, uint32_t len)
{
	uint32_t r[4] = {
		BASE_TIME_S + (uint32_t)(t_us / 1000000), (uint32_t)(t_us % 1000000), len, len,
	};

	if (fwrite(r, sizeof(r), 1, fp) != 1 || fwrite(frame, len, 1, fp) != 1)
		return -EIO;
	return 0;
}

/* ---- expectations --------------------------------------------------------- */

/*
 * What a UAS must send for each call (RFC 3261 9.2, 17.2.1), one line per
 * response: call, status ("1xx": any provisional), CSeq method, destination
 * ip:port, Call-ID. Extra 180s from a ring timer and Timer G retransmissions of
 * a final are allowed beyond these lines.
 */
static void
write_expect(struct gen *g, uint64_t call)
{
	const struct opts *o = &g->o;
	int scen = call_scenario(o, call);
	char to[96], cid[200], line[160];
	uint64_t tok = call_token(o, call, 1);
	const char *rows[6][2];
	unsigned n = 0, i;
	char final[8];
	char uac[80];

	if (scen >= SCEN_PX_FIRST)
		return;		/* proxy scenarios: checked by tests/app/proxy_case.py */
	host_of(o, o->src_ip, uac, sizeof(uac));
	/* Via sent-by port == source port, so rport or not the answer goes there. */
	snprintf(to, sizeof(to), "%s:%u", uac, call_sport(o, call));
	snprintf(cid, sizeof(cid), "%s-%" PRIu64 "-%016" PRIx64 "@%s", scen_tags[scen], call, tok,
		 uac);
	snprintf(final, sizeof(final), "%u", o->final_status);
	switch (scen) {
	case SCEN_UNMATCHED:
		rows[n][0] = "481"; rows[n++][1] = "CANCEL";
		break;
	case SCEN_AFTER_FINAL:
		rows[n][0] = "100"; rows[n++][1] = "INVITE";
		rows[n][0] = final; rows[n++][1] = "INVITE";
		rows[n][0] = "200"; rows[n++][1] = "CANCEL";
		break;
	case SCEN_BEFORE_RINGING:
		rows[n][0] = "100"; rows[n++][1] = "INVITE";
		rows[n][0] = "200"; rows[n++][1] = "CANCEL";
		rows[n][0] = "487"; rows[n++][1] = "INVITE";
		break;
	case SCEN_RETRANSMIT:
		rows[n][0] = "100"; rows[n++][1] = "INVITE";
		rows[n][0] = "1xx"; rows[n++][1] = "INVITE";	/* last provisional again */
		rows[n][0] = "200"; rows[n++][1] = "CANCEL";
		rows[n][0] = "200"; rows[n++][1] = "CANCEL";	/* the same 200 again */
		rows[n][0] = "487"; rows[n++][1] = "INVITE";
		break;
	default:	/* after ringing, rfc2543 */
		rows[n][0] = "100"; rows[n++][1] = "INVITE";
		rows[n][0] = "180"; rows[n++][1] = "INVITE";
		rows[n][0] = "200"; rows[n++][1] = "CANCEL";
		rows[n][0] = "487"; rows[n++][1] = "INVITE";
		break;
	}
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%" PRIu64 "\t%s\t%s\t%s\t", call, rows[i][0],
			 rows[i][1], to);
		fprintf(g->expect, "%s%s\n", line, cid);
	}
}

/* ---- timeline ------------------------------------------------------------- */

struct event {
	uint64_t t_us;
	uint64_t call;
	uint32_t idx;			/* packet index within the call */
};

struct heap {
	struct event *e;
	size_t n, cap;
};

static bool
ev_less(const struct event *a, const struct event *b)
{
	return a->t_us != b->t_us ? a->t_us < b->t_us : a->call < b->call;
}

static int
heap_push(struct heap *h, struct event ev)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct event *e = realloc(h->e, cap * sizeof(*e));

		if (e == NULL)
			return -ENOMEM;
		h->e = e;
		h->cap = cap;
	}
	i = h->n++;
	while (i > 0 && ev_less(&ev, &h->e[(i - 1) / 2])) {
		h->e[i] = h->e[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->e[i] = ev;
	return 0;
}

static struct event
heap_pop(struct heap *h)
{
	struct event top = h->e[0], last = h->e[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_less(&h->e[c + 1], &h->e[c]))
			c++;
		if (!ev_less(&h->e[c], &last))
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	if (h->n > 0)
		h->e[i] = last;
	return top;
}

static int
emit(struct gen *g, const struct event *ev)
{
	enum pkt_kind kinds[16];
	char sip[MAX_FRAME];
	uint8_t frame[MAX_FRAME + 128];
	int scen = call_scenario(&g->o, ev->call);
	uint32_t flen;
	int len, rc;

	call_packets(scen, kinds);
	len = build_sip(g, ev->call, kinds[ev->idx], sip, sizeof(sip));
	if (len < 0)
		return len;
	rc = sc_sip_parse(sip, (size_t)len, &g->msg);
	if (rc != len) {
		fprintf(stderr, "sipcancel-gen: internal error: call %" PRIu64 " packet %u does "
			"not parse (%s)\n", ev->call, ev->idx,
			rc < 0 ? sc_sip_error_text((enum sc_sip_error)-rc) : "length");
		return -EPROTO;
	}
	if ((uint32_t)len + 8 + (g->o.ipv6 ? 40 : 20) > MTU)
		return -EMSGSIZE;
	if (is_hop_response(kinds[ev->idx]))
		flen = build_frame(g, g->o.dst_port, sip, (uint32_t)len, frame, true);
	else
		flen = build_frame(g, call_sport(&g->o, ev->call), sip, (uint32_t)len, frame,
				   false);
	g->packets++;
	return pcap_record(g->pcap[ev->call % g->o.split], ev->t_us, frame, flen);
}

static int
run(struct gen *g)
{
	struct heap h = { 0 };
	uint64_t next_call = 0, next_start = 0;
	enum pkt_kind kinds[16];
	int rc = 0;

	while (rc == 0 && (next_call < g->o.calls || h.n > 0)) {
		if (next_call < g->o.calls && (h.n == 0 || next_start <= h.e[0].t_us)) {
			unsigned np = call_packets(call_scenario(&g->o, next_call), kinds);

			rc = heap_push(&h, (struct event){ next_start, next_call, 0 });
			if (g->expect != NULL)
				write_expect(g, next_call);
			/* Default: the next call starts one gap after this one's last packet. */
			next_start += g->o.call_gap_us ? g->o.call_gap_us : np * g->o.gap_us;
			next_call++;
			continue;
		}
		{
			struct event ev = heap_pop(&h);
			unsigned np = call_packets(call_scenario(&g->o, ev.call), kinds);

			rc = emit(g, &ev);
			if (rc == 0 && ev.idx + 1 < np)
				rc = heap_push(&h, (struct event){ ev.t_us + g->o.gap_us, ev.call,
								    ev.idx + 1 });
		}
	}
	free(h.e);
	return rc;
}

/* ---- options -------------------------------------------------------------- */

static void
usage(FILE *fp)
{
	unsigned i;

	fprintf(fp,
		"usage: sipcancel-gen [options] -o OUT.pcap\n"
		"Write SIP CANCEL workloads (UAC -> SUT over UDP) as classic pcap files\n"
		"(Ethernet, microsecond timestamps). Every message is re-parsed before it\n"
		"is written. Call-IDs start with the scenario's short name (ring-, early-,\n"
		"unmatched-, final-, retrans-, rfc2543-).\n"
		"\n"
		"  -o, --output FILE     output pcap (required); with --split K: FILE.0.pcap ..\n"
		"  -n, --calls N         number of calls (default 1)\n"
		"  -s, --scenario NAME   default cancel-after-ringing; one of:\n");
	for (i = 0; i < SCEN_COUNT; i++)
		fprintf(fp, "    %-22s %s\n", scen_names[i], scen_texts[i]);
	fprintf(fp,
		"    mixed                  call i: scenario i mod 6, in the order above\n");
	for (i = SCEN_PX_FIRST; i < SCEN_ALL; i++)
		fprintf(fp, "    %-22s %s\n", scen_names[i], scen_texts[i]);
	fprintf(fp,
		"      --hop-ip IP       proxy scenarios: the next hop (default 198.18.0.3,\n"
		"                        -6: 2001:2::3)\n"
		"      --hop-mac MAC     the next hop's MAC (default 02:00:00:00:00:03)\n"
		"  -6, --ipv6            IPv6 (default IPv4)\n"
		"      --vlan ID         802.1Q tag with VLAN ID 0-4095 (default untagged)\n"
		"      --src-ip IP       UAC address (default 198.18.0.1, -6: 2001:2::1)\n"
		"      --dst-ip IP       SUT address (default 198.18.0.2, -6: 2001:2::2)\n"
		"      --src-port P      UAC port, first of --flows (default 5060)\n"
		"      --dst-port P      SUT port (default 5060)\n"
		"      --src-mac MAC     UAC MAC (default 02:00:00:00:00:01)\n"
		"      --dst-mac MAC     SUT MAC (default 02:00:00:00:00:02)\n"
		"      --gap-us N        timestamp gap between a call's packets (default 1000)\n"
		"      --call-gap-us N   gap between call starts; 0 = after the previous call's\n"
		"                        last packet plus one gap (default 0)\n"
		"      --rport           put ;rport on the Via (RFC 3581)\n"
		"      --seed N          seed of Call-IDs, tags and branches (default 1)\n"
		"      --flows N         vary the UAC source port over N values (default 1)\n"
		"      --split K         write K files, calls round-robin (default 1, max %d)\n"
		"      --final-status N  final response the SUT is configured with, for\n"
		"                        cancel-after-final (--expect, ACK branch) (default 486)\n"
		"      --expect FILE     write what a UAS must send (RFC 3261 9.2, 17.2.1) as\n"
		"                        TSV: call, status (1xx: any provisional), CSeq method,\n"
		"                        destination ip:port, Call-ID; extra 180s and Timer G\n"
		"                        retransmissions of a final are allowed on top\n"
		"  -h, --help            this text\n"
		"\n"
		"Limits: the ACK for the 487 has no To tag (a capture cannot know the UAS's\n"
		"tag); the UAS matches it by the INVITE branch (17.2.3). RFC 2543 calls (no\n"
		"cookie / no branch) would need that tag, so they are sent without an ACK.\n",
		MAX_SPLIT);
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

enum {
	OPT_VLAN = 256,
	OPT_SRC_IP,
	OPT_DST_IP,
	OPT_SRC_PORT,
	OPT_DST_PORT,
	OPT_SRC_MAC,
	OPT_DST_MAC,
	OPT_GAP,
	OPT_CALL_GAP,
	OPT_RPORT,
	OPT_SEED,
	OPT_FLOWS,
	OPT_SPLIT,
	OPT_EXPECT,
	OPT_FINAL,
	OPT_HOP_IP,
	OPT_HOP_MAC,
};

static int
bad(const char *opt, const char *val)
{
	fprintf(stderr, "sipcancel-gen: bad value for %s: '%s'\n", opt, val);
	return -EINVAL;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "calls", required_argument, NULL, 'n' },
		{ "scenario", required_argument, NULL, 's' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "help", no_argument, NULL, 'h' },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "src-ip", required_argument, NULL, OPT_SRC_IP },
		{ "dst-ip", required_argument, NULL, OPT_DST_IP },
		{ "src-port", required_argument, NULL, OPT_SRC_PORT },
		{ "dst-port", required_argument, NULL, OPT_DST_PORT },
		{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
		{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
		{ "gap-us", required_argument, NULL, OPT_GAP },
		{ "call-gap-us", required_argument, NULL, OPT_CALL_GAP },
		{ "rport", no_argument, NULL, OPT_RPORT },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "split", required_argument, NULL, OPT_SPLIT },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "final-status", required_argument, NULL, OPT_FINAL },
		{ "hop-ip", required_argument, NULL, OPT_HOP_IP },
		{ "hop-mac", required_argument, NULL, OPT_HOP_MAC },
		{ NULL, 0, NULL, 0 },
	};
	const char *src_ip = NULL, *dst_ip = NULL, *hop_ip = NULL;
	uint64_t v;
	int c, i;

	memset(o, 0, sizeof(*o));
	o->calls = 1;
	o->scenario = SCEN_AFTER_RINGING;
	o->vlan = -1;
	o->src_port = 5060;
	o->dst_port = 5060;
	parse_mac("02:00:00:00:00:01", o->src_mac);
	parse_mac("02:00:00:00:00:02", o->dst_mac);
	parse_mac("02:00:00:00:00:03", o->hop_mac);
	o->gap_us = 1000;
	o->seed = 1;
	o->flows = 1;
	o->split = 1;
	o->final_status = 486;

	while ((c = getopt_long(argc, argv, "o:n:s:6h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'n':
			if (parse_u64(optarg, UINT32_MAX, &o->calls) != 0)
				return bad("--calls", optarg);
			break;
		case 's':
			o->scenario = -1;
			for (i = 0; i < SCEN_ALL; i++)
				if (scen_names[i] != NULL && strcmp(optarg, scen_names[i]) == 0)
					o->scenario = i;
			if (strcmp(optarg, "mixed") == 0)
				o->scenario = SCEN_MIXED;
			if (o->scenario < 0)
				return bad("--scenario", optarg);
			break;
		case '6': o->ipv6 = true; break;
		case 'h': usage(stdout); exit(0);
		case OPT_VLAN:
			if (parse_u64(optarg, 4095, &v) != 0)
				return bad("--vlan", optarg);
			o->vlan = (int)v;
			break;
		case OPT_SRC_IP: src_ip = optarg; break;
		case OPT_DST_IP: dst_ip = optarg; break;
		case OPT_SRC_PORT:
			if (parse_u64(optarg, 65535, &v) != 0 || v == 0)
				return bad("--src-port", optarg);
			o->src_port = (uint16_t)v;
			break;
		case OPT_DST_PORT:
			if (parse_u64(optarg, 65535, &v) != 0 || v == 0)
				return bad("--dst-port", optarg);
			o->dst_port = (uint16_t)v;
			break;
		case OPT_SRC_MAC:
			if (parse_mac(optarg, o->src_mac) != 0)
				return bad("--src-mac", optarg);
			break;
		case OPT_DST_MAC:
			if (parse_mac(optarg, o->dst_mac) != 0)
				return bad("--dst-mac", optarg);
			break;
		case OPT_GAP:
			if (parse_u64(optarg, UINT32_MAX, &o->gap_us) != 0)
				return bad("--gap-us", optarg);
			break;
		case OPT_CALL_GAP:
			if (parse_u64(optarg, UINT32_MAX, &o->call_gap_us) != 0)
				return bad("--call-gap-us", optarg);
			break;
		case OPT_RPORT: o->rport = true; break;
		case OPT_SEED:
			if (parse_u64(optarg, UINT64_MAX, &o->seed) != 0)
				return bad("--seed", optarg);
			break;
		case OPT_FLOWS:
			if (parse_u64(optarg, 65535, &v) != 0 || v == 0)
				return bad("--flows", optarg);
			o->flows = (uint32_t)v;
			break;
		case OPT_SPLIT:
			if (parse_u64(optarg, MAX_SPLIT, &v) != 0 || v == 0)
				return bad("--split", optarg);
			o->split = (uint32_t)v;
			break;
		case OPT_EXPECT: o->expect = optarg; break;
		case OPT_HOP_IP: hop_ip = optarg; break;
		case OPT_HOP_MAC:
			if (parse_mac(optarg, o->hop_mac) != 0)
				return bad("--hop-mac", optarg);
			break;
		case OPT_FINAL:
			if (parse_u64(optarg, 699, &v) != 0 || v < 200)
				return bad("--final-status", optarg);
			o->final_status = (unsigned)v;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sipcancel-gen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->out == NULL) {
		fprintf(stderr, "sipcancel-gen: -o OUT.pcap is required (see --help)\n");
		return -EINVAL;
	}
	if (src_ip == NULL)
		src_ip = o->ipv6 ? "2001:2::1" : "198.18.0.1";
	if (dst_ip == NULL)
		dst_ip = o->ipv6 ? "2001:2::2" : "198.18.0.2";
	if (inet_pton(o->ipv6 ? AF_INET6 : AF_INET, src_ip, o->src_addr) != 1)
		return bad("--src-ip", src_ip);
	if (inet_pton(o->ipv6 ? AF_INET6 : AF_INET, dst_ip, o->dst_addr) != 1)
		return bad("--dst-ip", dst_ip);
	if (hop_ip == NULL)
		hop_ip = o->ipv6 ? "2001:2::3" : "198.18.0.3";
	if (inet_pton(o->ipv6 ? AF_INET6 : AF_INET, hop_ip, o->hop_addr) != 1)
		return bad("--hop-ip", hop_ip);
	inet_ntop(o->ipv6 ? AF_INET6 : AF_INET, o->hop_addr, o->hop_ip, sizeof(o->hop_ip));
	/* Canonical text form, so Via/URIs/expectations match what a decoder prints. */
	inet_ntop(o->ipv6 ? AF_INET6 : AF_INET, o->src_addr, o->src_ip, sizeof(o->src_ip));
	inet_ntop(o->ipv6 ? AF_INET6 : AF_INET, o->dst_addr, o->dst_ip, sizeof(o->dst_ip));
	if ((uint32_t)o->src_port + o->flows - 1 > 65535) {
		fprintf(stderr, "sipcancel-gen: --src-port + --flows exceeds 65535\n");
		return -EINVAL;
	}
	return 0;
}

static int
open_outputs(struct gen *g)
{
	const char *out = g->o.out;
	size_t base = strlen(out);
	char path[4096];
	uint32_t k;

	if (base >= 5 && strcmp(out + base - 5, ".pcap") == 0)
		base -= 5;
	for (k = 0; k < g->o.split; k++) {
		if (g->o.split == 1)
			snprintf(path, sizeof(path), "%s", out);
		else
			snprintf(path, sizeof(path), "%.*s.%u.pcap", (int)base, out, k);
		g->pcap[k] = fopen(path, "wb");
		if (g->pcap[k] == NULL || pcap_header(g->pcap[k]) != 0) {
			fprintf(stderr, "sipcancel-gen: %s: %s\n", path, strerror(errno));
			return -EIO;
		}
	}
	if (g->o.expect != NULL) {
		g->expect = fopen(g->o.expect, "w");
		if (g->expect == NULL) {
			fprintf(stderr, "sipcancel-gen: %s: %s\n", g->o.expect, strerror(errno));
			return -EIO;
		}
		fprintf(g->expect, "# call\tstatus\tcseq_method\tto\tcall_id\n");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct gen g;
	uint32_t k;
	int rc;

	if (parse_args(argc, argv, &g.o) != 0)
		return 2;
	rc = open_outputs(&g);
	if (rc == 0)
		rc = run(&g);
	for (k = 0; k < g.o.split; k++)
		if (g.pcap[k] != NULL && fclose(g.pcap[k]) != 0)
			rc = -EIO;
	if (g.expect != NULL && fclose(g.expect) != 0)
		rc = -EIO;
	if (rc != 0) {
		fprintf(stderr, "sipcancel-gen: failed: %s\n", strerror(-rc));
		return 1;
	}
	fprintf(stderr, "sipcancel-gen: %" PRIu64 " calls, %" PRIu64 " packets, %u file(s)\n",
		g.o.calls, g.packets, g.o.split);
	return 0;
}
