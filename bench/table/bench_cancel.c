/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UAS and proxy RFC logic per call over the table (lib/cancel + lib/txn), without
 * the ports, the parser or the encap: sc_cancel_handle_burst() of pre-parsed bursts,
 * then the owner's poll and quiescent report, as the worker loop does, with 1M
 * pending INVITEs (200k with SC_BENCH_QUICK=1; proxy: each answered with 180). The
 * workload is the pipeline's (bench/pipeline, LAG 64): step s sends the INVITE of
 * call s, the CANCEL of call s-64 and the ACK (of the 487) of call s-128; proxy:
 * the same upstream, plus the next hop's 180 to each INVITE and 200 / 487 to each
 * CANCEL, half a lag later, the way it answers what the proxy forwarded (its
 * branch read from the forwarded INVITE).
 * Messages are built and parsed outside the timed part; the sink only counts.
 *
 * Printed: cycles per message (median burst), and the ratio to a baseline in the
 * same process: the bulk lookup alone of every burst's 17.2.3 keys (key build,
 * digest, sc_txn_lookup_bulk), i.e. what the logic costs beyond its table lookups.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "sc_cancel.h"
#include "sc_sip.h"
#include "sc_timer.h"
#include "sc_txn.h"

#define BURST		32
#define LAG		64
#define RUNS		5
#define TXT_MAX		768
#define PATH_LEN	8
#define OUR_SENT_BY	"198.18.0.9:5060"

enum kind { K_INV, K_CAN, K_ACK, K_180, K_200C, K_487 };

struct slot {
	char txt[TXT_MAX];
	struct sc_sip_msg m;
	uint64_t path;
	uint64_t next;
};

static uint64_t sent_msgs, sent_bytes;
/* Proxy: the branch the proxy put on each call's forwarded INVITE (from the sink). */
static char (*px_branch)[32];
static uint32_t n_branch;

static int
sink_send(void *c, const void *path, const char *msg, uint32_t len)
{
	(void)c;
	(void)path;
	sent_msgs++;
	sent_bytes += len;
	/* The forwarded INVITE carries our branch: keep it for the next hop's answers. */
	if (px_branch != NULL && len > 7 && memcmp(msg, "INVITE ", 7) == 0) {
		const char *b = strstr(msg, ";branch=z9hG4bKsc");
		const char *cid = strstr(msg, "\r\nCall-ID: bc");

		if (b != NULL && cid != NULL) {
			uint32_t call = (uint32_t)strtoul(cid + 13, NULL, 10);

			if (call < n_branch)
				memcpy(px_branch[call], b + 8, 25);
		}
	}
	return 0;
}

static int
path_local(const void *blob, char *sent_by, size_t cap)
{
	(void)blob;
	snprintf(sent_by, cap, "%s", OUR_SENT_BY);
	return (int)strlen(OUR_SENT_BY);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Text of message `k` of call `call` (upstream hop 198.18.0.1, next hop .2). */
static int
build(char *t, enum kind k, uint32_t call)
{
	static const char *const meth[] = { "INVITE", "CANCEL", "ACK" };
	const char *tag = k == K_ACK ? ";tag=t487" : "";

	if (k <= K_ACK)
		return snprintf(t, TXT_MAX,
			"%s sip:bob@198.18.0.2 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKuac%u;rport\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:alice@198.18.0.1>;tag=a%u\r\n"
			"To: <sip:bob@198.18.0.2>%s\r\n"
			"Call-ID: bc%u@198.18.0.1\r\n"
			"CSeq: 1 %s\r\n"
			"Content-Length: 0\r\n\r\n",
			meth[k], call, call, tag, call, meth[k]);
	/* The next hop's answers, to the proxy's Via (branch learnt from the sink). */
	return snprintf(t, TXT_MAX,
		"SIP/2.0 %s\r\n"
		"Via: SIP/2.0/UDP " OUR_SENT_BY ";branch=%.25s\r\n"
		"Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKuac%u;rport=5060\r\n"
		"From: <sip:alice@198.18.0.1>;tag=a%u\r\n"
		"To: <sip:bob@198.18.0.2>;tag=b%u\r\n"
		"Call-ID: bc%u@198.18.0.1\r\n"
		"CSeq: 1 %s\r\n"
		"Content-Length: 0\r\n\r\n",
		k == K_180 ? "180 Ringing" : k == K_200C ? "200 OK" : "487 Request Terminated",
		px_branch != NULL && call < n_branch ? px_branch[call] : "z9hG4bKsc0000000000000000",
		call, call, call, call, k == K_200C ? "CANCEL" : "INVITE");
}

struct stream {
	uint64_t step;
	unsigned j;
	uint32_t base, calls;
	bool proxy;
};

/*
 * Next message of the stream: per step, the INVITE of call s, the CANCEL of s - LAG,
 * the ACK of s - 2 LAG; proxy: also the 180 of s - LAG/2 and the 200 and 487 of the
 * CANCEL of s - 3 LAG/2 (answers come back half a lag later: bursts are built ahead).
 */
static bool
next_msg(struct stream *st, enum kind *k, uint32_t *call)
{
	static const enum kind uas_seq[] = { K_INV, K_CAN, K_ACK };
	static const int64_t uas_lag[] = { 0, LAG, 2 * LAG };
	static const enum kind px_seq[] = { K_INV, K_180, K_CAN, K_200C, K_487, K_ACK };
	static const int64_t px_lag[] = { 0, LAG / 2, LAG, LAG + LAG / 2, LAG + LAG / 2,
					  2 * LAG };
	unsigned np = st->proxy ? 6 : 3;

	while (st->step < (uint64_t)st->calls + 2 * LAG + 1) {
		int64_t c = (int64_t)st->step - (st->proxy ? px_lag : uas_lag)[st->j];
		enum kind kk = (st->proxy ? px_seq : uas_seq)[st->j];

		if (++st->j == np) {
			st->j = 0;
			st->step++;
		}
		if (c >= 0 && c < st->calls) {
			*k = kk;
			*call = st->base + (uint32_t)c;
			return true;
		}
	}
	return false;
}

/* Build and parse up to BURST messages into s[]; returns how many. */
static unsigned
fill(struct stream *st, struct slot *s, struct sc_cancel_in *in)
{
	unsigned n = 0;
	enum kind k;
	uint32_t call;

	while (n < BURST && next_msg(st, &k, &call)) {
		int len = build(s[n].txt, k, call);

		if (sc_sip_parse(s[n].txt, (size_t)len, &s[n].m) <= 0) {
			fprintf(stderr, "bench_cancel: parse failed: %s\n", s[n].txt);
			exit(1);
		}
		s[n].path = 1;
		s[n].next = 2;
		in[n].msg = &s[n].m;
		in[n].parse_rc = len;
		in[n].path = &s[n].path;
		in[n].next_path = &s[n].next;
		in[n].next_path_deferred = false;
		in[n].verdict = 0xff;
		n++;
	}
	return n;
}

/* Run calls through ctx; per-burst cycles per message into smp[]. Returns bursts. */
static size_t
run(struct sc_cancel_ctx *ctx, struct sc_txn_table *t, struct sc_virtual_clock *vc,
    uint32_t base, uint32_t calls, bool proxy, bool lookup_only, uint64_t *smp, size_t cap)
{
	static struct slot s[BURST];
	struct sc_cancel_in in[BURST];
	struct sc_txn_key keys[BURST], *kp[BURST];
	struct sc_txn_rec *out[BURST];
	struct stream st = { 0, 0, base, calls, proxy };
	size_t nb = 0;
	unsigned n, i;

	for (i = 0; i < BURST; i++)
		kp[i] = &keys[i];
	while ((n = fill(&st, s, in)) > 0) {
		uint64_t t0 = rte_rdtsc(), t1;

		if (lookup_only) {
			unsigned nk = 0;

			for (i = 0; i < n; i++)
				if (s[i].m.kind == SC_SIP_REQUEST &&
				    (s[i].m.method == SC_METHOD_CANCEL ?
				     sc_txn_key_cancel_target(&s[i].m, kp[nk]) :
				     sc_txn_key_server(&s[i].m, kp[nk])) == 0)
					nk++;
			sc_txn_lookup_bulk(t, 0, kp, nk, out);
		} else {
			sc_cancel_handle_burst(ctx, in, n);
			sc_cancel_poll(ctx);
		}
		sc_txn_quiescent(t, 0);
		t1 = rte_rdtsc();
		if (nb < cap)
			smp[nb++] = (t1 - t0) / n;
		/* ~0.5 us per message, as the pipeline at ~2 Mpps. */
		sc_virtual_clock_advance(vc, n / 2 + 1);
	}
	return nb;
}

static double
med(uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[n / 2];
}

static int
one_role(bool proxy, bool quick)
{
	uint32_t prefill = quick ? 200000 : 1000000, calls = quick ? 20000 : 100000;
	struct sc_txn_table_params tp = { 0 };
	struct sc_cancel_cfg cfg;
	struct sc_cancel_sink sink = { sink_send, NULL };
	struct sc_virtual_clock vc;
	struct sc_timer_wheel *w;
	struct sc_cancel_ctx *ctx;
	struct sc_txn_table *t;
	char name[64];
	uint64_t *smp, *bsmp;
	double r_full[RUNS], r_base[RUNS];
	size_t cap = (size_t)calls * 6 / BURST + 16, nb;
	uint32_t base = prefill;
	unsigned r;

	sent_msgs = sent_bytes = 0;
	snprintf(name, sizeof(name), "bc_%s_%d", proxy ? "px" : "uas", (int)getpid());
	tp.name = name;
	tp.capacity_per_owner = prefill + (RUNS + 1) * calls + 65536;
	tp.owners = 1;
	tp.socket_id = SOCKET_ID_ANY;
	t = sc_txn_table_create(&tp);
	if (t == NULL || sc_txn_thread_register(t, 0) != 0) {
		fprintf(stderr, "bench_cancel: table: %s\n", strerror(errno));
		return 1;
	}
	sc_virtual_clock_init(&vc, 1000000);
	w = sc_timer_wheel_create(1000, vc.clock.now_us(&vc.clock));
	sc_cancel_cfg_defaults(&cfg);
	cfg.role = proxy ? SC_CANCEL_ROLE_PROXY : SC_CANCEL_ROLE_UAS;
	cfg.ring_delay_us = 0;		/* as bench/pipeline: 100 and 180 at once */
	cfg.seed = 1;
	cfg.path_len = PATH_LEN;
	cfg.path_local = path_local;
	ctx = w == NULL ? NULL : sc_cancel_ctx_create(&cfg, t, w, &vc.clock, 0, NULL, 0, &sink);
	smp = calloc(cap, sizeof(*smp));
	bsmp = calloc(cap, sizeof(*bsmp));
	n_branch = prefill + (RUNS + 1) * calls;
	px_branch = proxy ? calloc(n_branch, sizeof(*px_branch)) : NULL;
	if (ctx == NULL || smp == NULL || bsmp == NULL || (proxy && px_branch == NULL)) {
		fprintf(stderr, "bench_cancel: set-up: %s\n", strerror(errno));
		return 1;
	}
	/* Pending INVITEs: inserted through the logic, never cancelled. */
	{
		static struct slot s[BURST];
		struct sc_cancel_in in[BURST];
		struct stream st = { 0, 0, 0, prefill, false };
		enum kind k;
		uint32_t call, n = 0;

		while (next_msg(&st, &k, &call)) {
			int len;

			if (k != K_INV)
				continue;
			len = build(s[n].txt, k, call);
			sc_sip_parse(s[n].txt, (size_t)len, &s[n].m);
			s[n].path = 1;
			s[n].next = 2;
			in[n] = (struct sc_cancel_in){ &s[n].m, len, &s[n].path, &s[n].next, 0 };
			if (++n == BURST) {
				sc_cancel_handle_burst(ctx, in, n);
				sc_txn_quiescent(t, 0);
				n = 0;
			}
		}
		if (n > 0)
			sc_cancel_handle_burst(ctx, in, n);
		/*
		 * Proxy: the next hop rings for every pending INVITE, as the pipeline's
		 * feeder does, so they wait in Proceeding (Timer C), not Calling (A/B).
		 */
		for (call = 0, n = 0; proxy && call < prefill; call++) {
			int len = build(s[n].txt, K_180, call);

			sc_sip_parse(s[n].txt, (size_t)len, &s[n].m);
			s[n].path = 1;
			s[n].next = 2;
			in[n] = (struct sc_cancel_in){ &s[n].m, len, &s[n].path, &s[n].next, 0 };
			if (++n == BURST || call + 1 == prefill) {
				sc_cancel_handle_burst(ctx, in, n);
				sc_txn_quiescent(t, 0);
				n = 0;
			}
		}
	}
	/* One warm-up run, then RUNS measured runs, each with fresh calls. */
	run(ctx, t, &vc, base, calls, proxy, false, smp, cap);
	base += calls;
	for (r = 0; r < RUNS; r++) {
		nb = run(ctx, t, &vc, base, calls, proxy, false, smp, cap);
		r_full[r] = med(smp, nb);
		/* Baseline: the same messages' bulk lookups alone (the calls now exist). */
		nb = run(ctx, t, &vc, base, calls, proxy, true, bsmp, cap);
		r_base[r] = med(bsmp, nb);
		base += calls;
	}
	qsort(r_full, RUNS, sizeof(double), cmp_dbl);
	qsort(r_base, RUNS, sizeof(double), cmp_dbl);
	printf("cancel: role=%s pending=%u calls/run=%u runs=%d msgs/call=%u: %.1f cycles/msg "
	       "(median burst, median run), baseline lookup-only %.1f cycles/msg, ratio %.2f; "
	       "records live %" PRIu64 ", sent %" PRIu64 "%s\n",
	       proxy ? "proxy" : "uas", prefill, calls, RUNS, proxy ? 6 : 3, r_full[RUNS / 2],
	       r_base[RUNS / 2], r_full[RUNS / 2] / r_base[RUNS / 2], sc_cancel_live_records(ctx),
	       sent_msgs, quick ? " (SC_BENCH_QUICK)" : "");
	sc_cancel_ctx_free(ctx);
	sc_timer_wheel_free(w);
	sc_txn_table_free(t);
	free(smp);
	free(bsmp);
	free(px_branch);
	px_branch = NULL;
	return 0;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = {
		argv[0], "-l", "0", "--no-huge", "--no-pci", "-m", "2048", "--file-prefix",
		prefix, "--log-level=lib.eal:error", "--no-telemetry", NULL,
	};
	const char *q = getenv("SC_BENCH_QUICK");
	bool quick = q != NULL && strcmp(q, "1") == 0;
	const char *only = getenv("SC_BENCH_ROLE");

	(void)argc;
	snprintf(prefix, sizeof(prefix), "sc_bench_cancel_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	printf("# bench_cancel: TSC %.2f GHz\n", (double)rte_get_tsc_hz() / 1e9);
	if ((only == NULL || strcmp(only, "uas") == 0) && one_role(false, quick) != 0)
		return 1;
	if ((only == NULL || strcmp(only, "proxy") == 0) && one_role(true, quick) != 0)
		return 1;
	rte_eal_cleanup();
	return 0;
}
