/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser benchmark: sc_sip_parse against libosip2, sofia-sip and libre over two
 * mixes, and against the floor: a loop that only finds every line end of the same
 * bytes with sc_sip_find_eol. Median of several runs, interleaved across
 * contenders, on one pinned CPU.
 *   carrier:  a realistic carrier mix (INVITE with SDP, CANCEL, ACK, 100, 180, 200
 *             with SDP, 487, compact and folded variants);
 *   pipeline: the messages bench/pipeline feeds the worker, as sipcancel-gen
 *             writes them (proxy-cancel: INVITE, 100, 180, CANCEL, 200, 487, ACK).
 * Each mix ends with "speedup_vs_best_peer X.Y floor_ratio Z.Z".
 * SC_BENCH_QUICK=1: a tenth of the work, every line still printed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* sched_getcpu, CPU_SET */
#endif
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sc_copy.h"
#include "sc_sip.h"
#include "peers.h"

#define CRLF "\r\n"

#define SDP \
	"v=0" CRLF \
	"o=- 3849173 3849173 IN IP4 198.18.0.10" CRLF \
	"s=-" CRLF \
	"c=IN IP4 198.18.0.10" CRLF \
	"t=0 0" CRLF \
	"m=audio 40000 RTP/AVP 0 8 18 101" CRLF \
	"a=rtpmap:0 PCMU/8000" CRLF \
	"a=rtpmap:8 PCMA/8000" CRLF \
	"a=rtpmap:18 G729/8000" CRLF \
	"a=fmtp:18 annexb=no" CRLF \
	"a=rtpmap:101 telephone-event/8000" CRLF \
	"a=fmtp:101 0-16" CRLF \
	"a=ptime:20" CRLF \
	"a=sendrecv" CRLF

#define VIAS \
	"Via: SIP/2.0/UDP " \
		"198.18.0.1:5060;branch=z9hG4bK-d8754z-1f2e3d4c5b6a-1---d8754z-;rport" CRLF \
	"Via: SIP/2.0/UDP 198.18.0.10:5060;received=198.18.0.10;branch=z9hG4bKas83kd9bs0" CRLF

#define DIALOG \
	"From: \"Carrier Test\" <sip:+15551230001@198.18.0.10;user=phone>;tag=4b1e2a9f" CRLF \
	"To: <sip:+15559870002@198.18.1.20;user=phone>"

#define CALLID "Call-ID: 7f3a9c2e81b54d06a1e4c9f0b2d3e5a7@198.18.0.10" CRLF

static const char invite[] =
	"INVITE sip:+15559870002@198.18.1.20:5060;user=phone SIP/2.0" CRLF
	VIAS
	"Max-Forwards: 69" CRLF
	"Record-Route: <sip:198.18.0.1;lr;ftag=4b1e2a9f>" CRLF
	DIALOG CRLF
	CALLID
	"CSeq: 101 INVITE" CRLF
	"Contact: <sip:+15551230001@198.18.0.10:5060;transport=udp>" CRLF
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER, NOTIFY" CRLF
	"Supported: 100rel, timer, replaces" CRLF
	"Session-Expires: 1800;refresher=uac" CRLF
	"Min-SE: 90" CRLF
	"P-Asserted-Identity: <sip:+15551230001@198.18.0.10;user=phone>" CRLF
	"User-Agent: CarrierSBC/4.2" CRLF
	"Content-Type: application/sdp" CRLF
	"Content-Length: 277" CRLF
	CRLF
	SDP;

static const char cancel[] =
	"CANCEL sip:+15559870002@198.18.1.20:5060;user=phone SIP/2.0" CRLF
	VIAS
	"Max-Forwards: 70" CRLF
	DIALOG CRLF
	CALLID
	"CSeq: 101 CANCEL" CRLF
	"Reason: Q.850;cause=16;text=\"Normal call clearing\"" CRLF
	"Content-Length: 0" CRLF
	CRLF;

static const char ack[] =
	"ACK sip:+15559870002@198.18.1.20:5060;user=phone SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK-d8754z-1f2e3d4c5b6a-1---d8754z-;rport" CRLF
	"Max-Forwards: 70" CRLF
	DIALOG ";tag=as5e1f2b7c" CRLF
	CALLID
	"CSeq: 101 ACK" CRLF
	"Content-Length: 0" CRLF
	CRLF;

#define RESP_HDRS(totag, method) \
	VIAS \
	"Record-Route: <sip:198.18.0.1;lr;ftag=4b1e2a9f>" CRLF \
	DIALOG totag CRLF \
	CALLID \
	"CSeq: 101 " method CRLF

static const char r100[] =
	"SIP/2.0 100 Trying" CRLF
	RESP_HDRS("", "INVITE")
	"Content-Length: 0" CRLF
	CRLF;

static const char r180[] =
	"SIP/2.0 180 Ringing" CRLF
	RESP_HDRS(";tag=as5e1f2b7c", "INVITE")
	"Contact: <sip:+15559870002@198.18.1.20:5060>" CRLF
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE" CRLF
	"Content-Length: 0" CRLF
	CRLF;

static const char r200[] =
	"SIP/2.0 200 OK" CRLF
	RESP_HDRS(";tag=as5e1f2b7c", "INVITE")
	"Contact: <sip:+15559870002@198.18.1.20:5060>" CRLF
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE" CRLF
	"Supported: replaces, timer" CRLF
	"Session-Expires: 1800;refresher=uac" CRLF
	"Require: timer" CRLF
	"Content-Type: application/sdp" CRLF
	"Content-Length: 277" CRLF
	CRLF
	SDP;

static const char r487[] =
	"SIP/2.0 487 Request Terminated" CRLF
	RESP_HDRS(";tag=as5e1f2b7c", "INVITE")
	"Content-Length: 0" CRLF
	CRLF;

static const char r200cancel[] =
	"SIP/2.0 200 OK" CRLF
	RESP_HDRS(";tag=as5e1f2b7c", "CANCEL")
	"Content-Length: 0" CRLF
	CRLF;

/* Compact forms (7.3.3) as some UAs send to stay under the MTU. */
static const char invite_compact[] =
	"INVITE sip:+15559870002@198.18.1.20:5060 SIP/2.0" CRLF
	"v: SIP/2.0/UDP 198.18.0.11:5060;branch=z9hG4bKc0mp4ct1;rport" CRLF
	"Max-Forwards: 70" CRLF
	"f: <sip:+15551230003@198.18.0.11>;tag=c0ff33" CRLF
	"t: <sip:+15559870002@198.18.1.20>" CRLF
	"i: c0mp4ct-8812@198.18.0.11" CRLF
	"CSeq: 7 INVITE" CRLF
	"m: <sip:+15551230003@198.18.0.11:5060>" CRLF
	"k: 100rel" CRLF
	"c: application/sdp" CRLF
	"l: 277" CRLF
	CRLF
	SDP;

/* Folded header values (7.3.1) and LWS around separators. */
static const char cancel_folded[] =
	"CANCEL sip:+15559870002@198.18.1.20:5060 SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 198.18.0.11:5060" CRLF
	" ;branch=z9hG4bKc0mp4ct1 ;rport" CRLF
	"Max-Forwards : 70" CRLF
	"From: <sip:+15551230003@198.18.0.11>" CRLF
	"\t;tag=c0ff33" CRLF
	"To: <sip:+15559870002@198.18.1.20>" CRLF
	"Call-ID: c0mp4ct-8812@198.18.0.11" CRLF
	"CSeq: 7" CRLF
	"  CANCEL" CRLF
	"Content-Length: 0" CRLF
	CRLF;

/*
 * The pipeline workload: sipcancel-gen -s proxy-cancel, byte for byte (the UAS
 * workload receives the INVITE, CANCEL and ACK of the same shape).
 */
#define P_VIA_UAC "Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK-910a2dec89025cc1"
#define P_VIA_HOP "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKscd60f39e811fde752" CRLF
#define P_FROM "From: \"UAC 0\" <sip:uac0@198.18.0.1>;tag=1c9756ce" CRLF
#define P_TO "To: <sip:uas@198.18.0.2:5060>"
#define P_CALLID "Call-ID: pxcancel-0-910a2dec89025cc1@198.18.0.1" CRLF
#define P_REQ(method) \
	method " sip:uas@198.18.0.2:5060 SIP/2.0" CRLF \
	P_VIA_UAC CRLF \
	"Max-Forwards: 70" CRLF \
	P_FROM \
	P_TO CRLF \
	P_CALLID \
	"CSeq: 1 " method CRLF
#define P_RESP(status, totag, method) \
	"SIP/2.0 " status CRLF \
	P_VIA_HOP \
	P_VIA_UAC ";received=198.18.0.1" CRLF \
	P_FROM \
	P_TO totag CRLF \
	P_CALLID \
	"CSeq: 1 " method CRLF \
	"Content-Length: 0" CRLF \
	CRLF

static const char p_invite[] =
	P_REQ("INVITE")
	"Contact: <sip:uac@198.18.0.1>" CRLF
	"Content-Type: application/sdp" CRLF
	"Content-Length: 112" CRLF
	CRLF
	"v=0" CRLF
	"o=- 0 1 IN IP4 198.18.0.1" CRLF
	"s=-" CRLF
	"c=IN IP4 198.18.0.1" CRLF
	"t=0 0" CRLF
	"m=audio 10000 RTP/AVP 0" CRLF
	"a=rtpmap:0 PCMU/8000" CRLF;

static const char p_r100[] = P_RESP("100 Trying", "", "INVITE");
static const char p_r180[] = P_RESP("180 Ringing", ";tag=hdb018fed", "INVITE");

static const char p_cancel[] =
	P_REQ("CANCEL")
	"Content-Length: 0" CRLF
	CRLF;

/* The hop's 200 to the CANCEL carries only the hop's Via (16.7: the top one removed). */
static const char p_r200cancel[] =
	"SIP/2.0 200 OK" CRLF
	P_VIA_HOP
	P_FROM
	P_TO ";tag=hdb018fed" CRLF
	P_CALLID
	"CSeq: 1 CANCEL" CRLF
	"Content-Length: 0" CRLF
	CRLF;

static const char p_r487[] = P_RESP("487 Request Terminated", ";tag=hdb018fed", "INVITE");

static const char p_ack[] =
	P_REQ("ACK")
	"Content-Length: 0" CRLF
	CRLF;

struct bmsg {
	const char *name;
	const char *p;
	size_t len;
};

#define M(x) { #x, x, sizeof(x) - 1 }

static const struct bmsg mix_carrier[] = {
	M(invite), M(r100), M(r180), M(cancel), M(r200cancel), M(r487), M(ack), M(r200),
	M(invite_compact), M(cancel_folded),
};

static const struct bmsg mix_pipeline[] = {
	M(p_invite), M(p_r100), M(p_r180), M(p_cancel), M(p_r200cancel), M(p_r487), M(p_ack),
};

struct bmix {
	const char *name;
	const struct bmsg *m;
	unsigned n;
};

#define MIX(name, a) { name, a, sizeof(a) / sizeof(a[0]) }

static const struct bmix mixes[] = {
	MIX("carrier", mix_carrier),
	MIX("pipeline", mix_pipeline),
};

/* The mix being measured: every pass reads it. */
static const struct bmsg *mix;
static unsigned nmix;

static volatile uint64_t sink;

/*
 * Thread CPU time, not wall time: the benchmark shares a small machine, and time
 * spent descheduled says nothing about a parser.
 */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Pin the thread to the CPU it runs on, so every contender sees the same core and
 * caches; returns the CPU, or -1 when the affinity cannot be set.
 */
static int
pin_self(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? cpu : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

typedef uint64_t (*pass_fn)(const void *ctx, unsigned reps);

#define MAX_RUNS 31

/* One contender: runs are interleaved across contenders, so a burst of load from
 * other processes hits all of them alike; the median of the runs is reported. */
struct contender {
	const char *name;
	pass_fn fn;
	const void *ctx;
	unsigned reps;
	enum sc_sip_simd level;
	double ns[MAX_RUNS];
	double median;
};

static void
run_once(struct contender *c, unsigned r)
{
	uint64_t t0;

	sc_sip_set_simd(c->level);
	if (r == 0)
		sink += c->fn(c->ctx, c->reps / 10 + 1);	/* warm caches, predictors */
	t0 = now_ns();
	sink += c->fn(c->ctx, c->reps);
	c->ns[r] = (double)(now_ns() - t0) / ((double)c->reps * nmix);
}

static void
finish(struct contender *c, unsigned runs)
{
	qsort(c->ns, runs, sizeof(c->ns[0]), cmp_double);
	c->median = c->ns[runs / 2];
}

static uint64_t
pass_ours(const void *ctx, unsigned reps)
{
	static struct sc_sip_msg msg;
	uint64_t acc = 0;

	(void)ctx;
	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < nmix; i++)
			acc += (uint64_t)sc_sip_parse(mix[i].p, mix[i].len, &msg) + msg.via_count;
	return acc;
}

static uint64_t
pass_floor(const void *ctx, unsigned reps)
{
	uint64_t acc = 0;

	(void)ctx;
	for (unsigned r = 0; r < reps; r++) {
		for (unsigned i = 0; i < nmix; i++) {
			const char *p = mix[i].p, *end = p + mix[i].len;

			while (p < end) {
				p = sc_sip_find_eol(p, end);
				acc++;
				p++;
			}
		}
	}
	return acc;
}

static uint64_t
pass_peer(const void *ctx, unsigned reps)
{
	const struct peer *pe = ctx;
	uint64_t acc = 0;

	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < nmix; i++)
			acc += (uint64_t)pe->parse(mix[i].p, mix[i].len);
	return acc;
}

static void
row(const char *name, double ns)
{
	printf("%-22s %10.1f ns/msg %12.0f msgs/s\n", name, ns, 1e9 / ns);
}

/*
 * Measure one mix: every contender interleaved, medians printed, then the ratio
 * line. Returns non-zero when a message of the mix is rejected by sc_sip_parse.
 */
static int
run_mix(const struct bmix *bm, bool quick, int cpu)
{
	static const struct peer *const peers[] = { &peer_osip, &peer_sofia, &peer_re };
	static const char *const lvl_name[] = { "scalar", "sse4.2", "avx2" };
	static char names[3][32];
	static struct contender cs[8];
	/*
	 * Many short rounds rather than a few long ones: on a shared machine a burst
	 * of load then lands on every contender of a round alike, and the median of
	 * each contender drops the rounds it spoiled. About 5 ms per run.
	 */
	unsigned runs = quick ? 9 : 31;
	unsigned reps_ours = quick ? 500 : 2000;
	unsigned reps_peer = quick ? 10 : 40;
	enum sc_sip_simd best = sc_sip_get_simd();
	unsigned nc = 0, ours = 0, floor_i;
	double best_peer = 0;
	size_t bytes = 0;

	mix = bm->m;
	nmix = bm->n;
	for (unsigned i = 0; i < nmix; i++) {
		struct sc_sip_msg m;

		bytes += mix[i].len;
		if (sc_sip_parse(mix[i].p, mix[i].len, &m) <= 0) {
			fprintf(stderr, "bench message %s rejected: %s\n", mix[i].name,
				sc_sip_error_name((enum sc_sip_error)m.error));
			return 1;
		}
	}
	printf("mix: %s, %u messages, %zu bytes on average; thread CPU time, median of %u "
	       "interleaved runs%s; ", bm->name, nmix, bytes / nmix, runs,
	       quick ? " (quick)" : "");
	if (cpu >= 0)
		printf("pinned to cpu %d\n", cpu);
	else
		printf("not pinned\n");

	for (int l = SC_SIP_SIMD_SCALAR; l <= SC_SIP_SIMD_AVX2; l++) {
		if (sc_sip_set_simd((enum sc_sip_simd)l) != 0)
			continue;
		snprintf(names[l], sizeof(names[l]), "sc_sip_parse/%s", lvl_name[l]);
		if ((enum sc_sip_simd)l == best)
			ours = nc;
		cs[nc++] = (struct contender){ names[l], pass_ours, NULL, reps_ours,
					       (enum sc_sip_simd)l, { 0 }, 0 };
	}
	sc_sip_set_simd(best);
	floor_i = nc;
	cs[nc++] = (struct contender){ "floor(find_eol)", pass_floor, NULL, reps_ours, best,
				       { 0 }, 0 };
	for (unsigned k = 0; k < 3; k++) {
		const struct peer *pe = peers[k];
		int bad = 0;

		if (pe->init() != 0) {
			printf("%-22s init failed\n", pe->name);
			continue;
		}
		for (unsigned i = 0; i < nmix; i++) {
			if (pe->parse(mix[i].p, mix[i].len) != 0) {
				printf("%-22s rejects %s (excluded from best peer)\n", pe->name,
				       mix[i].name);
				bad++;
			}
		}
		cs[nc++] = (struct contender){ pe->name, pass_peer, pe, reps_peer, best, { 0 },
					       bad ? -1.0 : 0 };
	}

	for (unsigned r = 0; r < runs; r++)
		for (unsigned c = 0; c < nc; c++)
			run_once(&cs[c], r);
	sc_sip_set_simd(best);

	for (unsigned c = 0; c < nc; c++) {
		bool excluded = cs[c].median < 0;

		finish(&cs[c], runs);
		row(cs[c].name, cs[c].median);
		if (c > floor_i && !excluded && (best_peer == 0 || cs[c].median < best_peer))
			best_peer = cs[c].median;
	}
	for (unsigned k = 0; k < 3; k++)
		peers[k]->fini();
	printf("ours at %s: %.1f ns/msg, floor %.1f ns/msg, best peer %.1f ns/msg\n",
	       lvl_name[best], cs[ours].median, cs[floor_i].median, best_peer);
	printf("speedup_vs_best_peer %.1f floor_ratio %.1f\n",
	       best_peer > 0 ? best_peer / cs[ours].median : 0.0,
	       cs[ours].median / cs[floor_i].median);
	return 0;
}

/*
 * The builders' copy, sc_copy_short(), against a call to libc's memcpy, which is
 * what gcc emitted for the builders' variable-length copies before: the pieces a
 * UAS response to the pipeline INVITE copies (each Via, From, To, Call-ID, CSeq
 * method, then the stored header block of a later response), written one after
 * another into one buffer as a builder does. Interleaved runs, median.
 */
static void *(*volatile libc_memcpy)(void *, const void *, size_t) = memcpy;

#define COPY_PIECES	(SC_SIP_MAX_VIAS + 6)

static int
run_copy(bool quick)
{
	static char block[1024], out[4096];
	struct sc_str piece[COPY_PIECES];
	struct sc_str tag = { "hdb018fed", 9 };
	struct sc_sip_msg m;
	unsigned n = 0, runs = quick ? 9 : 31, reps = quick ? 20000 : 100000;
	double ns[2][MAX_RUNS];
	size_t bytes = 0;
	int blen;

	if (sc_sip_parse(p_invite, sizeof(p_invite) - 1, &m) <= 0)
		return 1;
	blen = sc_sip_build_resp_headers(block, sizeof(block), &m, &tag);
	if (blen <= 0)
		return 1;
	for (unsigned v = 0; v < m.via_count && v < SC_SIP_MAX_VIAS; v++)
		piece[n++] = m.vias[v].value;
	piece[n++] = m.from.value;
	piece[n++] = m.to.value;
	piece[n++] = m.call_id;
	piece[n++] = m.cseq_method_name;
	piece[n++] = (struct sc_str){ block, (uint32_t)blen };
	for (unsigned i = 0; i < n; i++)
		bytes += piece[i].len;
	for (unsigned r = 0; r < runs; r++) {
		for (unsigned k = 0; k < 2; k++) {
			uint64_t t0 = now_ns();

			for (unsigned i = 0; i < reps; i++) {
				size_t off = 0;

				for (unsigned j = 0; j < n; j++) {
					if (k == 0)
						sc_copy_short(out + off, piece[j].p, piece[j].len);
					else
						libc_memcpy(out + off, piece[j].p, piece[j].len);
					off += piece[j].len;
				}
				sink += (uint8_t)out[i % off];
			}
			ns[k][r] = (double)(now_ns() - t0) / reps;
		}
	}
	qsort(ns[0], runs, sizeof(double), cmp_double);
	qsort(ns[1], runs, sizeof(double), cmp_double);
	printf("copy: the pieces of a response (%u pieces, %zu bytes): sc_copy_short %.1f ns, "
	       "libc memcpy call %.1f ns, ratio %.2f\n", n, bytes, ns[0][runs / 2],
	       ns[1][runs / 2], ns[0][runs / 2] / ns[1][runs / 2]);
	return 0;
}

int
main(void)
{
	const char *q = getenv("SC_BENCH_QUICK");
	bool quick = q != NULL && strcmp(q, "0") != 0;
	int cpu = pin_self();
	int rc = 0;

	for (unsigned i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++) {
		if (i != 0)
			printf("\n");
		rc |= run_mix(&mixes[i], quick, cpu);
	}
	printf("\n");
	rc |= run_copy(quick);
	return rc;
}
