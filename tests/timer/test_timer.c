/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the hierarchical timer wheel: ordering, the one-tick precision
 * bound at every level (past 3 minutes and hours out, through the overflow list)
 * under every advance granularity, cancel / re-arm including from callbacks, a
 * million timers, next_us, the virtual clock, the RFC 3261 helpers, and a seeded
 * randomized model check against a plain reference.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sc_timer.h"

#define US_PER_S	1000000ULL
#define US_PER_H	(3600 * US_PER_S)

/* splitmix64: small, seeded, deterministic. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rnd_below(uint64_t *s, uint64_t n)
{
	return n == 0 ? 0 : rnd(s) % n;
}

/* Offsets spread over every level: uniform in [0, 2^k) for a random k up to max_bits. */
static uint64_t
rnd_spread(uint64_t *s, unsigned int max_bits)
{
	unsigned int k = (unsigned int)rnd_below(s, max_bits + 1);

	return k == 0 ? 0 : rnd(s) & ((1ULL << k) - 1);
}

/* Assert in hot loops without reporting every passing check to the runner. */
#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			cr_assert(cond, __VA_ARGS__); \
	} while (0)

static uint64_t
round_up(uint64_t us, uint64_t tick)
{
	return (us + tick - 1) / tick * tick;
}

/* A record with an embedded timer; tests reach it from the callback's arg. */
struct rec {
	struct sc_timer tim;
	uint64_t deadline;
	unsigned int fired;
	uint64_t fired_at;	/* now_us of the advance that ran it */
	uint64_t seq;		/* global firing order */
};

/* What the callbacks see of the test in progress. */
struct ctx {
	struct sc_timer_wheel *w;
	uint64_t now;		/* now_us passed to the current advance */
	uint64_t seq;
	struct rec *other;	/* for callbacks that act on another timer */
	uint64_t other_deadline;
	unsigned int count;
};

static struct ctx g;

static void
cb_record(struct sc_timer *tim, void *arg)
{
	struct rec *r = arg;

	cr_assert_eq(tim, &r->tim);
	cr_assert(!sc_timer_is_armed(tim), "a running timer is no longer armed");
	r->fired++;
	r->fired_at = g.now;
	r->seq = g.seq++;
}

static unsigned int
advance(struct sc_timer_wheel *w, uint64_t now)
{
	g.now = now;
	return sc_timer_wheel_advance(w, now);
}

Test(unit, create_rejects_zero_tick)
{
	errno = 0;
	cr_assert_null(sc_timer_wheel_create(0, 0));
	cr_assert_eq(errno, EINVAL);
}

Test(unit, wheel_is_fixed_size)
{
	/* A million armed timers must cost memory only in their records. */
	cr_assert_lt(sc_timer_wheel_footprint(), 64 * 1024);
	cr_assert_leq(sizeof(struct sc_timer), 40);
}

Test(unit, virtual_clock)
{
	struct sc_virtual_clock vc;
	const struct sc_clock *clk = &vc.clock;

	sc_virtual_clock_init(&vc, 1234);
	cr_assert_eq(sc_clock_now_us(clk), 1234);
	sc_virtual_clock_advance(&vc, 766);
	cr_assert_eq(sc_clock_now_us(clk), 2000);
	sc_virtual_clock_set(&vc, 5000);
	cr_assert_eq(sc_clock_now_us(clk), 5000);
	/* Time never goes backwards. */
	sc_virtual_clock_set(&vc, 10);
	cr_assert_eq(sc_clock_now_us(clk), 5000);
}

Test(unit, virtual_clock_drives_wheel)
{
	struct sc_virtual_clock vc;
	struct sc_timer_wheel *w;
	struct rec r = {0};

	sc_virtual_clock_init(&vc, 7 * US_PER_H);
	w = sc_timer_wheel_create(1000, sc_clock_now_us(&vc.clock));
	cr_assert_not_null(w);
	sc_timer_arm(w, &r.tim, sc_clock_now_us(&vc.clock) + 32 * US_PER_S, cb_record, &r);
	sc_virtual_clock_advance(&vc, 32 * US_PER_S - 1);
	cr_assert_eq(advance(w, sc_clock_now_us(&vc.clock)), 0);
	sc_virtual_clock_advance(&vc, 1);
	cr_assert_eq(advance(w, sc_clock_now_us(&vc.clock)), 1);
	cr_assert_eq(r.fired, 1);
	sc_timer_wheel_free(w);
}

/* RFC 3261 Table 4 (appendix A) defaults and the derived timers. */
Test(unit, rfc3261_timer_helpers)
{
	struct sc_timer_rfc r;
	static const uint64_t g_seq[] = {500000, 1000000, 2000000, 4000000, 4000000, 4000000};
	static const uint64_t a_seq[] = {500000, 1000000, 2000000, 4000000, 8000000, 16000000};
	unsigned int n;

	sc_timer_rfc_defaults(&r);
	cr_assert_eq(r.t1_us, 500000);
	cr_assert_eq(r.t2_us, 4000000);
	cr_assert_eq(r.t4_us, 5000000);
	cr_assert_gt(sc_timer_rfc_c(&r), 180 * US_PER_S, "Timer C MUST exceed 3 minutes (16.6)");
	cr_assert_eq(sc_timer_rfc_b(&r), 32 * US_PER_S);
	cr_assert_eq(sc_timer_rfc_h(&r), 32 * US_PER_S);
	cr_assert_geq(sc_timer_rfc_d(&r, false), 32 * US_PER_S);
	cr_assert_eq(sc_timer_rfc_d(&r, true), 0);
	cr_assert_eq(sc_timer_rfc_i(&r, false), r.t4_us);
	cr_assert_eq(sc_timer_rfc_i(&r, true), 0);
	cr_assert_eq(sc_timer_rfc_f(&r), 32 * US_PER_S);
	cr_assert_eq(sc_timer_rfc_j(&r, false), 32 * US_PER_S);
	cr_assert_eq(sc_timer_rfc_j(&r, true), 0);
	cr_assert_eq(sc_timer_rfc_k(&r, false), r.t4_us);
	cr_assert_eq(sc_timer_rfc_k(&r, true), 0);
	for (n = 0; n < sizeof(g_seq) / sizeof(g_seq[0]); n++) {
		cr_assert_eq(sc_timer_rfc_g(&r, n), g_seq[n], "Timer G, retransmission %u", n);
		cr_assert_eq(sc_timer_rfc_a(&r, n), a_seq[n], "Timer A, retransmission %u", n);
		cr_assert_eq(sc_timer_rfc_e(&r, n), g_seq[n], "Timer E, retransmission %u", n);
	}
	cr_assert_eq(sc_timer_rfc_g(&r, 200), r.t2_us);
	cr_assert_eq(sc_timer_rfc_a(&r, 200), UINT64_MAX);
	/* T1 is settable and everything 64*T1 follows it. */
	r.t1_us = 100000;
	cr_assert_eq(sc_timer_rfc_64t1(&r), 6400000);
	cr_assert_eq(sc_timer_rfc_h(&r), 6400000);
	cr_assert_eq(sc_timer_rfc_g(&r, 1), 200000);
}

Test(unit, fires_in_deadline_order)
{
	enum { N = 5000 };
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec *r = calloc(N, sizeof(*r));
	uint64_t s = 42, now = 0, last_tick = 0;
	unsigned int i, total = 0;
	struct rec **by_seq = calloc(N, sizeof(*by_seq));

	cr_assert_not_null(w);
	g.seq = 0;
	for (i = 0; i < N; i++) {
		r[i].deadline = 1 + rnd_spread(&s, 33);	/* up to ~2.4 hours */
		sc_timer_arm(w, &r[i].tim, r[i].deadline, cb_record, &r[i]);
	}
	while (total < N) {
		now += 1 + rnd_spread(&s, 30);
		total += advance(w, now);
	}
	cr_assert_eq(total, N);
	for (i = 0; i < N; i++) {
		cr_assert_eq(r[i].fired, 1);
		by_seq[r[i].seq] = &r[i];
	}
	for (i = 0; i < N; i++) {
		uint64_t tick = round_up(by_seq[i]->deadline, 1000);

		cr_assert_geq(tick, last_tick, "fired out of deadline order at %u", i);
		last_tick = tick;
	}
	free(by_seq);
	free(r);
	sc_timer_wheel_free(w);
}

/*
 * Next advance time under a granularity policy. Fine steps only near deadlines
 * (jump to just before the next one first), so hours-long horizons stay cheap while
 * far-level timers still meet sub-tick stepping around their deadline.
 */
enum step_mode {
	STEP_SUBTICK,
	STEP_TICK,
	STEP_MANY_TICKS,
	STEP_HUGE,
	STEP_RANDOM,
};

static uint64_t
next_now(uint64_t now, uint64_t tick, enum step_mode mode, uint64_t next_deadline, uint64_t *s)
{
	uint64_t fine;

	if (mode == STEP_RANDOM)
		mode = (enum step_mode)rnd_below(s, STEP_RANDOM);
	switch (mode) {
	case STEP_SUBTICK:
		fine = tick > 3 ? tick / 3 : 1;
		break;
	case STEP_TICK:
		fine = tick;
		break;
	case STEP_MANY_TICKS:
		fine = tick * (2 + rnd_below(s, 5000));
		break;
	default:
		return now + 1 + rnd_below(s, 3 * US_PER_H);
	}
	/* Skip the empty stretch but land a few steps before the deadline. */
	if (next_deadline != UINT64_MAX && next_deadline > now + 4 * fine)
		return next_deadline - 1 - rnd_below(s, 3 * fine);
	return now + fine;
}

static void
check_precision(uint32_t tick, enum step_mode mode, unsigned int max_bits, uint64_t seed)
{
	enum { N = 3000 };
	struct sc_timer_wheel *w;
	struct rec *r = calloc(N, sizeof(*r));
	uint64_t s = seed, now = 1000 * US_PER_S + rnd_below(&s, US_PER_S), prev;
	unsigned int i, total = 0;

	w = sc_timer_wheel_create(tick, now);
	cr_assert_not_null(w);
	for (i = 0; i < N; i++) {
		/* A few deadlines pinned far out: beyond Timer C and several hours. */
		uint64_t off = i % 10 == 0 ? 181 * US_PER_S + rnd_below(&s, 6 * US_PER_H) :
			       1 + rnd_spread(&s, max_bits);

		r[i].deadline = now + off;
		sc_timer_arm(w, &r[i].tim, r[i].deadline, cb_record, &r[i]);
	}
	cr_assert_eq(sc_timer_wheel_armed(w), N);
	while (total < N) {
		uint64_t next = UINT64_MAX;

		for (i = 0; i < N; i++)
			if (r[i].fired == 0 && r[i].deadline < next)
				next = r[i].deadline;
		prev = now;
		now = next_now(now, tick, mode, next, &s);
		total += advance(w, now);
		for (i = 0; i < N; i++) {
			uint64_t due = round_up(r[i].deadline, tick);

			if (r[i].fired == 0) {
				CHECK(due > now, "timer %u missed: due %lu, now %lu", i,
				      (unsigned long)due, (unsigned long)now);
				continue;
			}
			if (r[i].fired_at != now)
				continue;
			/* Never early; and it was not yet due at the previous advance. */
			CHECK(r[i].deadline <= now, "timer %u early", i);
			CHECK(due > prev, "timer %u late: due %lu before prev %lu", i,
			      (unsigned long)due, (unsigned long)prev);
			CHECK(due - r[i].deadline < tick, "timer %u: due rounds past a tick", i);
		}
	}
	cr_assert_eq(total, N);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	for (i = 0; i < N; i++)
		CHECK(r[i].fired == 1, "timer %u fired %u times", i, r[i].fired);
	cr_assert_eq(sc_timer_wheel_audit(w), 0);
	free(r);
	sc_timer_wheel_free(w);
}

struct precision_case {
	uint32_t tick;
	enum step_mode mode;
	unsigned int max_bits;
};

static const struct precision_case precision_cases[] = {
	{1000, STEP_SUBTICK, 35},
	{1000, STEP_TICK, 35},
	{1000, STEP_MANY_TICKS, 35},
	{1000, STEP_HUGE, 35},
	{1000, STEP_RANDOM, 35},
	{256, STEP_SUBTICK, 35},
	{256, STEP_RANDOM, 35},
	/* 1 us tick: the wheel spans 2^32 ticks (71 min), so 2^38 us uses the overflow list. */
	{1, STEP_TICK, 38},
	{1, STEP_MANY_TICKS, 38},
	{1, STEP_RANDOM, 38},
	{7, STEP_SUBTICK, 38},
};

Test(unit, precision_one_tick_bound_all_levels_and_granularities)
{
	unsigned int i;

	for (i = 0; i < sizeof(precision_cases) / sizeof(precision_cases[0]); i++) {
		const struct precision_case *c = &precision_cases[i];

		check_precision(c->tick, c->mode, c->max_bits, 1000 + i);
	}
}

Test(unit, hours_after_idle_is_cheap)
{
	/* With 1 us ticks, stepping tick by tick over 200 years would never finish. */
	struct sc_timer_wheel *w = sc_timer_wheel_create(1, 5);
	struct rec a = {0}, b = {0};
	const uint64_t year = 365ULL * 24 * US_PER_H;

	cr_assert_not_null(w);
	sc_timer_arm(w, &a.tim, 100 * year, cb_record, &a);
	sc_timer_arm(w, &b.tim, 200 * year + 3, cb_record, &b);
	cr_assert_eq(advance(w, 100 * year - 1), 0);
	cr_assert_eq(sc_timer_wheel_next_us(w), 1);
	cr_assert_eq(advance(w, 150 * year), 1);
	cr_assert_eq(a.fired, 1);
	cr_assert_eq(sc_timer_wheel_next_us(w), 50 * year + 3);
	cr_assert_eq(advance(w, 200 * year + 2), 0);
	cr_assert_eq(advance(w, 300 * year), 1);
	cr_assert_eq(b.fired_at, 300 * year);
	cr_assert_eq(advance(w, UINT64_MAX), 0);
	sc_timer_wheel_free(w);
}

Test(unit, cancel_and_rearm)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec a = {0}, b = {0};

	cr_assert_not_null(w);
	sc_timer_init(&a.tim);
	cr_assert(!sc_timer_is_armed(&a.tim));
	sc_timer_cancel(w, &a.tim);	/* cancelling an idle timer is a no-op */
	sc_timer_arm(w, &a.tim, 5000, cb_record, &a);
	sc_timer_arm(w, &b.tim, 5000, cb_record, &b);
	cr_assert(sc_timer_is_armed(&a.tim));
	cr_assert_eq(sc_timer_wheel_armed(w), 2);
	sc_timer_cancel(w, &a.tim);
	sc_timer_cancel(w, &a.tim);
	cr_assert_eq(sc_timer_wheel_armed(w), 1);
	/* Re-arm moves: b from 5 ms to 300 s (level 2), no double count. */
	sc_timer_arm(w, &b.tim, 300 * US_PER_S, cb_record, &b);
	cr_assert_eq(sc_timer_wheel_armed(w), 1);
	cr_assert_eq(advance(w, 10000), 0);
	cr_assert_eq(a.fired + b.fired, 0);
	sc_timer_arm(w, &a.tim, 20000, cb_record, &a);
	sc_timer_arm(w, &b.tim, 15000, cb_record, &b);	/* move nearer */
	cr_assert_eq(advance(w, 15000), 1);
	cr_assert_eq(b.fired, 1);
	cr_assert_eq(advance(w, 300 * US_PER_S), 1);
	cr_assert_eq(a.fired, 1);
	cr_assert_eq(b.fired, 1);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	cr_assert_eq(sc_timer_wheel_audit(w), 0);
	sc_timer_wheel_free(w);
}

Test(unit, arm_in_past_fires_on_next_advance)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 50 * US_PER_S);
	struct rec a = {0}, b = {0}, c = {0};

	cr_assert_not_null(w);
	sc_timer_arm(w, &a.tim, 0, cb_record, &a);			/* long past */
	sc_timer_arm(w, &b.tim, 50 * US_PER_S, cb_record, &b);	/* exactly now */
	sc_timer_arm(w, &c.tim, 50 * US_PER_S + 1, cb_record, &c);	/* future */
	cr_assert_eq(sc_timer_wheel_next_us(w), 0);
	/* Same now: the past ones still fire, the future one does not. */
	cr_assert_eq(advance(w, 50 * US_PER_S), 2);
	cr_assert_eq(a.fired, 1);
	cr_assert_eq(b.fired, 1);
	cr_assert_eq(c.fired, 0);
	cr_assert_eq(sc_timer_wheel_next_us(w), 1000);
	cr_assert_eq(advance(w, 50 * US_PER_S + 999), 0);
	cr_assert_eq(advance(w, 50 * US_PER_S + 1000), 1);
	sc_timer_wheel_free(w);
}

Test(unit, next_us)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 10 * US_PER_S);
	struct rec a = {0}, b = {0}, c = {0};
	const uint64_t t0 = 10 * US_PER_S;

	cr_assert_not_null(w);
	cr_assert_eq(sc_timer_wheel_next_us(w), UINT64_MAX);
	cr_assert_eq(sc_timer_wheel_now_us(w), t0);
	cr_assert_eq(sc_timer_wheel_tick_us(w), 1000);
	/* Far timers (level 2 at 1 ms): exact, not the start of their slot. */
	sc_timer_arm(w, &a.tim, t0 + 200 * US_PER_S + 7000, cb_record, &a);
	cr_assert_eq(sc_timer_wheel_next_us(w), 200 * US_PER_S + 7000);
	sc_timer_arm(w, &b.tim, t0 + 33 * US_PER_S + 1500, cb_record, &b);	/* rounds up */
	cr_assert_eq(sc_timer_wheel_next_us(w), 33 * US_PER_S + 2000);
	sc_timer_arm(w, &c.tim, t0 + 5000, cb_record, &c);
	cr_assert_eq(sc_timer_wheel_next_us(w), 5000);
	sc_timer_cancel(w, &c.tim);
	cr_assert_eq(sc_timer_wheel_next_us(w), 33 * US_PER_S + 2000);
	/* After advancing, relative to the new wheel time, also across cascades. */
	cr_assert_eq(advance(w, t0 + 20 * US_PER_S + 300), 0);
	cr_assert_eq(sc_timer_wheel_now_us(w), t0 + 20 * US_PER_S + 300);
	cr_assert_eq(sc_timer_wheel_next_us(w), 13 * US_PER_S + 1700);
	cr_assert_eq(advance(w, t0 + 33 * US_PER_S + 1999), 0);
	cr_assert_eq(sc_timer_wheel_next_us(w), 1);
	cr_assert_eq(advance(w, t0 + 40 * US_PER_S), 1);
	cr_assert_eq(sc_timer_wheel_next_us(w), 160 * US_PER_S + 7000);
	sc_timer_cancel(w, &a.tim);
	cr_assert_eq(sc_timer_wheel_next_us(w), UINT64_MAX);
	sc_timer_wheel_free(w);
}

/* The wheel's time never runs backwards: an advance to an earlier time changes nothing. */
Test(unit, advance_backwards_keeps_the_wheel_time)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 10 * US_PER_S);
	struct rec a = {0};
	const uint64_t t0 = 10 * US_PER_S;

	cr_assert_not_null(w);
	sc_timer_arm(w, &a.tim, t0 + 5 * US_PER_S, cb_record, &a);
	cr_assert_eq(advance(w, t0 + 2 * US_PER_S), 0);
	cr_assert_eq(advance(w, t0 + 1 * US_PER_S), 0);
	cr_assert_eq(sc_timer_wheel_now_us(w), t0 + 2 * US_PER_S);
	cr_assert_eq(sc_timer_wheel_next_us(w), 3 * US_PER_S);
	cr_assert_eq(advance(w, t0 + 5 * US_PER_S), 1);
	cr_assert_eq(a.fired, 1);
	sc_timer_wheel_free(w);
}

/* ---- callbacks that act on the wheel ---- */

static void
cb_cancel_other(struct sc_timer *tim, void *arg)
{
	cb_record(tim, arg);
	sc_timer_cancel(g.w, &g.other->tim);
}

/* Pairs (2k, 2k+1) due in one tick; each callback cancels its partner. */
enum { PAIRS = 64 };
static struct rec pair_rec[2 * PAIRS];

static void
cb_cancel_partner(struct sc_timer *tim, void *arg)
{
	struct rec *r = arg;

	cb_record(tim, arg);
	sc_timer_cancel(g.w, &pair_rec[(r - pair_rec) ^ 1].tim);
}

Test(unit, cancel_other_due_in_same_slot_from_callback)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec c = {0};
	unsigned int i, fired = 0;

	cr_assert_not_null(w);
	g.w = w;
	memset(pair_rec, 0, sizeof(pair_rec));
	/* All due in tick 3 (2500 rounds up to it); whichever of a pair runs first wins. */
	for (i = 0; i < 2 * PAIRS; i++)
		sc_timer_arm(w, &pair_rec[i].tim, i % 3 == 0 ? 2500 : 3000, cb_cancel_partner,
			     &pair_rec[i]);
	sc_timer_arm(w, &c.tim, 3000, cb_record, &c);
	cr_assert_eq(advance(w, 3000), PAIRS + 1);
	for (i = 0; i < PAIRS; i++) {
		cr_assert_eq(pair_rec[2 * i].fired + pair_rec[2 * i + 1].fired, 1, "pair %u", i);
		fired += pair_rec[2 * i].fired + pair_rec[2 * i + 1].fired;
	}
	cr_assert_eq(fired, PAIRS);
	cr_assert_eq(c.fired, 1);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	cr_assert_eq(advance(w, 100000), 0);
	cr_assert_eq(sc_timer_wheel_audit(w), 0);
	sc_timer_wheel_free(w);
}

/* The first of a pair to run moves its partner (still waiting in this tick) 10 ms on. */
static void
cb_defer_partner(struct sc_timer *tim, void *arg)
{
	struct rec *r = arg;
	struct rec *p = &pair_rec[(r - pair_rec) ^ 1];

	cb_record(tim, arg);
	if (p->fired == 0)
		sc_timer_arm(g.w, &p->tim, g.now + 10000, cb_defer_partner, p);
}

Test(unit, rearm_other_due_in_same_slot_from_callback)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	unsigned int i;

	cr_assert_not_null(w);
	g.w = w;
	memset(pair_rec, 0, sizeof(pair_rec));
	for (i = 0; i < 2 * PAIRS; i++)
		sc_timer_arm(w, &pair_rec[i].tim, 7000, cb_defer_partner, &pair_rec[i]);
	cr_assert_eq(advance(w, 7000), PAIRS);
	cr_assert_eq(sc_timer_wheel_armed(w), PAIRS);
	cr_assert_eq(advance(w, 16999), 0);
	cr_assert_eq(advance(w, 17000), PAIRS);
	for (i = 0; i < 2 * PAIRS; i++)
		cr_assert_eq(pair_rec[i].fired, 1, "timer %u", i);
	for (i = 0; i < PAIRS; i++)
		cr_assert_neq(pair_rec[2 * i].fired_at, pair_rec[2 * i + 1].fired_at);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	sc_timer_wheel_free(w);
}

Test(unit, cancel_other_due_later_in_same_advance)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec a = {0}, b = {0};

	cr_assert_not_null(w);
	g.w = w;
	g.other = &b;
	sc_timer_arm(w, &a.tim, 1000, cb_cancel_other, &a);
	sc_timer_arm(w, &b.tim, 90 * US_PER_S, cb_record, &b);	/* a higher level */
	cr_assert_eq(advance(w, 100 * US_PER_S), 1);
	cr_assert_eq(b.fired, 0);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	sc_timer_wheel_free(w);
}

static void
cb_rearm_self_same_tick(struct sc_timer *tim, void *arg)
{
	struct rec *r = arg;

	cb_record(tim, arg);
	if (r->fired == 1)
		sc_timer_arm(g.w, tim, r->deadline, cb_rearm_self_same_tick, r);
}

Test(unit, rearm_running_timer_for_same_tick)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec a = {0};

	cr_assert_not_null(w);
	g.w = w;
	a.deadline = 4000;
	sc_timer_arm(w, &a.tim, a.deadline, cb_rearm_self_same_tick, &a);
	/* Runs once, and is not run again in the same advance (no loop). */
	cr_assert_eq(advance(w, 4000), 1);
	cr_assert_eq(a.fired, 1);
	cr_assert(sc_timer_is_armed(&a.tim));
	/* Its deadline has passed: the next advance runs it, even at the same time. */
	cr_assert_eq(advance(w, 4000), 1);
	cr_assert_eq(a.fired, 2);
	cr_assert(!sc_timer_is_armed(&a.tim));
	sc_timer_wheel_free(w);
}

static void
cb_rearm_self_later(struct sc_timer *tim, void *arg)
{
	struct rec *r = arg;

	cb_record(tim, arg);
	if (r->fired < 5) {
		r->deadline += 30 * US_PER_S;	/* cascades from level 1 each time */
		sc_timer_arm(g.w, tim, r->deadline, cb_rearm_self_later, r);
	}
}

Test(unit, rearm_running_timer_later_fires_within_same_advance)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec a = {0};

	cr_assert_not_null(w);
	g.w = w;
	a.deadline = 1000;
	sc_timer_arm(w, &a.tim, a.deadline, cb_rearm_self_later, &a);
	/* One huge jump runs all five, each at its own tick, in one call. */
	cr_assert_eq(advance(w, 10 * US_PER_H), 5);
	cr_assert_eq(a.fired, 5);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	sc_timer_wheel_free(w);
}

static struct rec spawned[3];

static void
cb_arm_others(struct sc_timer *tim, void *arg)
{
	cb_record(tim, arg);
	/* One later in this advance, one in the past, one beyond this advance. */
	sc_timer_arm(g.w, &spawned[0].tim, g.other_deadline, cb_record, &spawned[0]);
	sc_timer_arm(g.w, &spawned[1].tim, 0, cb_record, &spawned[1]);
	sc_timer_arm(g.w, &spawned[2].tim, 50 * US_PER_H, cb_record, &spawned[2]);
	g.count++;
}

Test(unit, arm_others_from_callback)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(256, 0);
	struct rec a = {0};

	cr_assert_not_null(w);
	memset(spawned, 0, sizeof(spawned));
	g.w = w;
	g.count = 0;
	g.other_deadline = 200 * US_PER_S;
	sc_timer_arm(w, &a.tim, 1000, cb_arm_others, &a);
	cr_assert_eq(advance(w, 300 * US_PER_S), 2);
	cr_assert_eq(spawned[0].fired, 1, "armed ahead within this advance: runs now");
	cr_assert_eq(spawned[0].seq, a.seq + 1);
	cr_assert_eq(spawned[1].fired, 0, "armed in the past: waits for the next advance");
	cr_assert_eq(advance(w, 300 * US_PER_S), 1);
	cr_assert_eq(spawned[1].fired, 1);
	cr_assert_eq(spawned[2].fired, 0);
	cr_assert_eq(advance(w, 50 * US_PER_H), 1);
	cr_assert_eq(spawned[2].fired, 1);
	sc_timer_wheel_free(w);
}

static void
cb_nested_advance(struct sc_timer *tim, void *arg)
{
	cb_record(tim, arg);
	g.count = sc_timer_wheel_advance(g.w, g.now + US_PER_S);
}

Test(unit, advance_from_callback_refused)
{
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	struct rec a = {0}, b = {0};

	cr_assert_not_null(w);
	g.w = w;
	g.count = 99;
	sc_timer_arm(w, &a.tim, 1000, cb_nested_advance, &a);
	sc_timer_arm(w, &b.tim, 1500 * 1000, cb_record, &b);
	cr_assert_eq(advance(w, 1000), 1);
	cr_assert_eq(g.count, 0);
	cr_assert_eq(b.fired, 0);
	sc_timer_wheel_free(w);
}

/* ---- a million timers ---- */

static unsigned long million_fired;

static void
cb_count(struct sc_timer *tim, void *arg)
{
	(void)arg;
	CHECK(tim->cb == cb_count && !sc_timer_is_armed(tim), "bad timer in callback");
	million_fired++;
}

Test(unit, million_timers_cancelled_and_expired)
{
	enum { N = 1000000 };
	struct sc_timer *t = calloc(N, sizeof(*t));
	struct sc_timer_wheel *w = sc_timer_wheel_create(1000, 0);
	uint64_t s = 7, now, deadline_max = 0;
	unsigned long i;

	cr_assert_not_null(t);
	cr_assert_not_null(w);
	/* SIP-like spread: 0.5 s .. 32 s, and one in 16 at Timer C. */
	for (i = 0; i < N; i++) {
		uint64_t d = i % 16 == 0 ? 181 * US_PER_S : 500000 + rnd_below(&s, 31500000);

		sc_timer_arm(w, &t[i], d, cb_count, NULL);
		if (d > deadline_max)
			deadline_max = d;
	}
	cr_assert_eq(sc_timer_wheel_armed(w), N);
	cr_assert_eq(sc_timer_wheel_audit(w), 0);
	for (i = 0; i < N; i++)
		sc_timer_cancel(w, &t[i]);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	cr_assert_eq(sc_timer_wheel_next_us(w), UINT64_MAX);
	million_fired = 0;
	cr_assert_eq(advance(w, 200 * US_PER_S), 0);
	cr_assert_eq(million_fired, 0);

	/* Re-arm all relative to the new time; expire them in 1 ms steps. */
	now = 200 * US_PER_S;
	for (i = 0; i < N; i++) {
		uint64_t d = i % 16 == 0 ? 181 * US_PER_S : 500000 + rnd_below(&s, 31500000);

		sc_timer_arm(w, &t[i], now + d, cb_count, NULL);
	}
	cr_assert_eq(sc_timer_wheel_armed(w), N);
	while (now < 200 * US_PER_S + deadline_max) {
		now += 1000;
		advance(w, now);
		if (now == 200 * US_PER_S + 16 * US_PER_S) {
			cr_assert_eq(sc_timer_wheel_audit(w), 0);
			cr_assert_eq(million_fired + sc_timer_wheel_armed(w), N);
		}
	}
	cr_assert_eq(million_fired, N);
	cr_assert_eq(sc_timer_wheel_armed(w), 0);
	for (i = 0; i < N; i++)
		CHECK(!sc_timer_is_armed(&t[i]), "timer %lu still armed", i);
	free(t);
	sc_timer_wheel_free(w);
}

/* ---- randomized model check ---- */

/*
 * The reference: per timer, armed or not and its deadline; "due" at now means
 * round_up(deadline) <= now, or armed at or before an already-run tick (pending).
 * Each advance must fire exactly the due set, in tick order after the pending ones.
 */
struct model_timer {
	struct sc_timer tim;
	bool armed;
	bool pending;		/* armed for a tick the wheel had already run */
	uint64_t deadline;
	uint64_t order;		/* position in this advance's firing sequence */
	bool fired;
};

static uint64_t model_seq;

static void
cb_model(struct sc_timer *tim, void *arg)
{
	struct model_timer *m = arg;

	CHECK(&m->tim == tim, "callback got the wrong timer");
	CHECK(!m->fired, "fired twice in one advance");
	m->fired = true;
	m->order = model_seq++;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
model_run(uint32_t tick, uint64_t seed, unsigned int ops)
{
	enum { N = 1500 };
	struct model_timer *m = calloc(N, sizeof(*m));
	uint64_t *expect = calloc(N, sizeof(*expect));
	uint64_t s = seed, now = rnd_below(&s, 1ULL << 40);
	uint64_t ran_to = now / tick;	/* last tick the wheel has run */
	struct sc_timer_wheel *w = sc_timer_wheel_create(tick, now);
	unsigned int op, i, armed = 0;

	cr_assert_not_null(w);
	for (op = 0; op < ops; op++) {
		unsigned int what = (unsigned int)rnd_below(&s, 100);

		if (what < 55) {		/* arm or re-arm */
			i = (unsigned int)rnd_below(&s, N);
			if (rnd_below(&s, 20) == 0)
				m[i].deadline = now - rnd_below(&s, now < US_PER_S ? now : US_PER_S);
			else
				m[i].deadline = now + rnd_spread(&s, tick == 1 ? 38 : 40);
			if (!m[i].armed)
				armed++;
			m[i].armed = true;
			m[i].pending = (m[i].deadline + tick - 1) / tick <= ran_to;
			sc_timer_arm(w, &m[i].tim, m[i].deadline, cb_model, &m[i]);
		} else if (what < 65) {	/* cancel */
			i = (unsigned int)rnd_below(&s, N);
			if (m[i].armed)
				armed--;
			m[i].armed = false;
			sc_timer_cancel(w, &m[i].tim);
		} else if (what < 75) {	/* check next_us against the reference */
			uint64_t min = UINT64_MAX;

			for (i = 0; i < N; i++) {
				uint64_t due;

				if (!m[i].armed)
					continue;
				due = m[i].pending ? 0 : round_up(m[i].deadline, tick) - now;
				if (due < min)
					min = due;
			}
			CHECK(sc_timer_wheel_next_us(w) == min, "op %u: next_us", op);
		} else {			/* advance */
			uint64_t step;
			unsigned int n_exp = 0, fired;

			/* Mostly small steps so many timers stay armed; now and then hours. */
			what = (unsigned int)rnd_below(&s, 100);
			if (what < 45)
				step = rnd_below(&s, tick);
			else if (what < 80)
				step = tick * rnd_below(&s, 130);
			else if (what < 99)
				step = rnd_spread(&s, 28);
			else
				step = rnd_below(&s, 6 * US_PER_H);
			now += step;
			for (i = 0; i < N; i++)
				m[i].fired = false;
			model_seq = 0;
			fired = advance(w, now);
			ran_to = now / tick;
			for (i = 0; i < N; i++) {
				bool due = m[i].armed &&
					   (m[i].pending || round_up(m[i].deadline, tick) <= now);

				CHECK(m[i].fired == due, "op %u timer %u: fired %d due %d",
				      op, i, m[i].fired, due);
				if (!due)
					continue;
				/* Sort key: pending first, then tick; order inside a tick is free. */
				expect[n_exp++] = m[i].pending ? 0 :
						  (m[i].deadline + tick - 1) / tick;
				m[i].armed = false;
				armed--;
			}
			cr_assert_eq(fired, n_exp);
			qsort(expect, n_exp, sizeof(expect[0]), cmp_u64);
			for (i = 0; i < N; i++) {
				uint64_t key;

				if (!m[i].fired)
					continue;
				key = m[i].pending ? 0 : (m[i].deadline + tick - 1) / tick;
				CHECK(expect[m[i].order] == key, "timer %u out of order", i);
				m[i].pending = false;
			}
		}
		CHECK(sc_timer_wheel_armed(w) == armed, "op %u: armed count", op);
		if (op % 64 == 0)
			cr_assert_eq(sc_timer_wheel_audit(w), 0, "op %u", op);
	}
	cr_assert_eq(sc_timer_wheel_audit(w), 0);
	free(expect);
	free(m);
	sc_timer_wheel_free(w);
}

Test(unit, model_check_random_ops)
{
	static const uint32_t ticks[] = {1000, 256, 1, 3};
	unsigned int i;

	for (i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		model_run(ticks[i], 0x5eed0000 + i, 20000);
		model_run(ticks[i], 0xfeed0000 + i, 20000);
	}
}
