/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel vs DPDK rte_timer, same process, same timer count, same deadlines.
 *
 * Deadlines are spread like SIP timers: one in ten at 180 s (Timer C territory),
 * the rest uniform over 0.5 s .. 32 s (T1 .. 64*T1). Per run, for each implementation:
 *   arm+cancel: arm every timer (index order), then cancel every timer (index order);
 *   arm+expire: arm every timer, then let them all fire, each callback counting.
 * Method for expiry:
 *   - wheel (1 ms tick, virtual clock): advance the clock in 1 ms steps until every
 *     deadline has passed, as the worker loop would (181 000 advance calls).
 *   - rte_timer: rte_timer_manage() compares against the real TSC, so deadlines are
 *     armed scaled 1 us -> 1 TSC cycle (rte_timer_reset(ticks = deadline_us)):
 *     same relative order and spread, but all due within ~0.2 s of real time. We
 *     wait (unmeasured) until the last is due and call rte_timer_manage() once.
 *     That costs rte_timer one call instead of 181 000, which favours it.
 * Both store their timers in one flat array; the measured time is TSC cycles over
 * the whole loop divided by the timer count. Medians of RUNS runs are printed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_timer.h>

#include "sc_timer.h"

#define RUNS		5
#define TICK_US		1000
#define SHORT_MIN_US	500000ULL	/* T1 */
#define SHORT_MAX_US	32000000ULL	/* 64*T1 */
#define LONG_US		180000000ULL	/* Timer C scale */

static uint64_t fired_count;

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	return v[n / 2];
}

static void
wheel_cb(struct sc_timer *tim, void *arg)
{
	(void)tim;
	(void)arg;
	fired_count++;
}

static void
rte_cb(struct rte_timer *tim, void *arg)
{
	(void)tim;
	(void)arg;
	fired_count++;
}

struct bench {
	unsigned int n;
	uint64_t *deadline_us;		/* offsets from the arm time */
	struct sc_timer *wt;
	struct rte_timer *rt;
};

static uint64_t
wheel_arm_cancel(struct bench *b)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(TICK_US, 0);
	uint64_t t0, t1;
	unsigned int i;

	if (w == NULL)
		rte_exit(EXIT_FAILURE, "sc_timer_wheel_create failed\n");
	t0 = rte_rdtsc();
	for (i = 0; i < b->n; i++)
		sc_timer_arm(w, &b->wt[i], b->deadline_us[i], wheel_cb, NULL);
	for (i = 0; i < b->n; i++)
		sc_timer_cancel(w, &b->wt[i]);
	t1 = rte_rdtsc();
	if (sc_timer_wheel_armed(w) != 0)
		rte_exit(EXIT_FAILURE, "wheel: timers left armed after cancel\n");
	sc_timer_wheel_free(w);
	return t1 - t0;
}

static uint64_t
wheel_arm_expire(struct bench *b)
{
	struct sc_virtual_clock vc;
	struct sc_timer_wheel *w;
	uint64_t t0, t1, end = LONG_US + TICK_US;
	unsigned int i;

	sc_virtual_clock_init(&vc, 0);
	w = sc_timer_wheel_create(TICK_US, sc_clock_now_us(&vc.clock));
	if (w == NULL)
		rte_exit(EXIT_FAILURE, "sc_timer_wheel_create failed\n");
	fired_count = 0;
	t0 = rte_rdtsc();
	for (i = 0; i < b->n; i++)
		sc_timer_arm(w, &b->wt[i], b->deadline_us[i], wheel_cb, NULL);
	while (sc_clock_now_us(&vc.clock) < end) {
		sc_virtual_clock_advance(&vc, TICK_US);
		sc_timer_wheel_advance(w, sc_clock_now_us(&vc.clock));
	}
	t1 = rte_rdtsc();
	if (fired_count != b->n)
		rte_exit(EXIT_FAILURE, "wheel: %" PRIu64 " of %u fired\n", fired_count, b->n);
	sc_timer_wheel_free(w);
	return t1 - t0;
}

static uint64_t
rte_arm_cancel(struct bench *b)
{
	unsigned int lcore = rte_lcore_id();
	uint64_t hz = rte_get_timer_hz();
	uint64_t t0, t1;
	unsigned int i;

	t0 = rte_rdtsc();
	for (i = 0; i < b->n; i++)
		rte_timer_reset(&b->rt[i], b->deadline_us[i] * hz / 1000000, SINGLE, lcore,
				rte_cb, NULL);
	for (i = 0; i < b->n; i++)
		rte_timer_stop(&b->rt[i]);
	t1 = rte_rdtsc();
	return t1 - t0;
}

static uint64_t
rte_arm_expire(struct bench *b)
{
	unsigned int lcore = rte_lcore_id();
	uint64_t t0, t1, t2, t3, due;
	unsigned int i;

	fired_count = 0;
	t0 = rte_rdtsc();
	for (i = 0; i < b->n; i++)
		rte_timer_reset(&b->rt[i], b->deadline_us[i], SINGLE, lcore, rte_cb, NULL);
	t1 = rte_rdtsc();
	/* Unmeasured: wait until the last (scaled) deadline has passed. */
	due = t1 + LONG_US + 1;
	while (rte_get_timer_cycles() < due)
		rte_pause();
	t2 = rte_rdtsc();
	rte_timer_manage();
	t3 = rte_rdtsc();
	if (fired_count != b->n)
		rte_exit(EXIT_FAILURE, "rte_timer: %" PRIu64 " of %u fired\n", fired_count, b->n);
	return (t1 - t0) + (t3 - t2);
}

static void
print_line(const char *workload, const char *impl, uint64_t cycles, unsigned int n)
{
	double per = (double)cycles / n;

	printf("%-11s %-9s %10.1f cycles/timer %8.1f ns/timer\n", workload, impl, per,
	       per * 1e9 / (double)rte_get_tsc_hz());
}

int
main(int argc, char **argv)
{
	static const char *const defaults[] = {
		"--no-huge", "--no-pci", "-m", "1024", "--file-prefix", "bench_timer",
		"--log-level=lib.eal:error", "--no-telemetry",
	};
	const unsigned int nd = RTE_DIM(defaults);
	const char *quick = getenv("SC_BENCH_QUICK");
	uint64_t wac[RUNS], wae[RUNS], rac[RUNS], rae[RUNS];
	uint64_t s = 3261, m_wac, m_wae, m_rac, m_rae;
	char **eal_argv;
	struct bench b;
	unsigned int i, r;
	int ret;

	/* Our defaults first, then whatever EAL arguments the caller adds. */
	eal_argv = calloc(argc + nd + 1, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return EXIT_FAILURE;
	eal_argv[0] = argv[0];
	for (i = 0; i < nd; i++)
		eal_argv[1 + i] = (char *)(uintptr_t)defaults[i];
	for (i = 1; i < (unsigned int)argc; i++)
		eal_argv[nd + i] = argv[i];
	ret = rte_eal_init(argc + (int)nd, eal_argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "rte_eal_init failed\n");
	if (rte_timer_subsystem_init() < 0)
		rte_exit(EXIT_FAILURE, "rte_timer_subsystem_init failed\n");

	b.n = quick != NULL && strcmp(quick, "1") == 0 ? 100000 : 1000000;
	b.deadline_us = calloc(b.n, sizeof(*b.deadline_us));
	b.wt = calloc(b.n, sizeof(*b.wt));
	b.rt = calloc(b.n, sizeof(*b.rt));
	if (b.deadline_us == NULL || b.wt == NULL || b.rt == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	for (i = 0; i < b.n; i++) {
		b.deadline_us[i] = i % 10 == 0 ? LONG_US :
				   SHORT_MIN_US + rnd(&s) % (SHORT_MAX_US - SHORT_MIN_US + 1);
		sc_timer_init(&b.wt[i]);
		rte_timer_init(&b.rt[i]);
	}

	printf("timers %u, deadlines 90%% uniform 0.5..32 s + 10%% at 180 s, wheel tick %u us,"
	       " median of %d runs, TSC %" PRIu64 " Hz\n", b.n, TICK_US, RUNS, rte_get_tsc_hz());
	printf("memory per armed timer: sc_timer %zu bytes, rte_timer %zu bytes"
	       " (wheel itself: %zu bytes fixed)\n",
	       sizeof(struct sc_timer), sizeof(struct rte_timer), sc_timer_wheel_footprint());
	for (r = 0; r < RUNS; r++) {
		wac[r] = wheel_arm_cancel(&b);
		rac[r] = rte_arm_cancel(&b);
		wae[r] = wheel_arm_expire(&b);
		rae[r] = rte_arm_expire(&b);
	}
	m_wac = median(wac, RUNS);
	m_wae = median(wae, RUNS);
	m_rac = median(rac, RUNS);
	m_rae = median(rae, RUNS);
	print_line("arm+cancel", "wheel", m_wac, b.n);
	print_line("arm+cancel", "rte_timer", m_rac, b.n);
	printf("arm+cancel  ratio     %10.1f\n", (double)m_rac / (double)m_wac);
	print_line("arm+expire", "wheel", m_wae, b.n);
	print_line("arm+expire", "rte_timer", m_rae, b.n);
	printf("arm+expire  ratio     %10.1f\n", (double)m_rae / (double)m_wae);
	print_line("combined", "wheel", m_wac + m_wae, b.n);
	print_line("combined", "rte_timer", m_rac + m_rae, b.n);
	printf("wheel_vs_rte_timer %.1f\n", (double)(m_rac + m_rae) / (double)(m_wac + m_wae));
	fflush(stdout);

	free(b.rt);
	free(b.wt);
	free(b.deadline_us);
	free(eal_argv);
	rte_timer_subsystem_finalize();
	rte_eal_cleanup();
	return 0;
}
