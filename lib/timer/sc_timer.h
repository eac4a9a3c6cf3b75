/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-core hierarchical timing wheel and the clock it reads. No locks, no DPDK
 * dependency: one wheel belongs to one thread. Timers are intrusive (embedded in
 * the records they time), so a million armed timers cost memory only there.
 */
#ifndef SC_TIMER_H
#define SC_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Clock interface: the app reads the TSC, tests drive virtual time. Time is in
 * microseconds from an arbitrary origin and never goes backwards.
 */
struct sc_clock {
	uint64_t (*now_us)(const struct sc_clock *clk);
	void *ctx;
};

static inline uint64_t
sc_clock_now_us(const struct sc_clock *clk)
{
	return clk->now_us(clk);
}

/* A clock whose time moves only when the test says so. */
struct sc_virtual_clock {
	struct sc_clock clock;
	uint64_t now_us;
};

/* Set up a virtual clock at start_us; read it through &vc->clock. */
void sc_virtual_clock_init(struct sc_virtual_clock *vc, uint64_t start_us);

/* Move a virtual clock to now_us; earlier times are ignored (time never goes back). */
void sc_virtual_clock_set(struct sc_virtual_clock *vc, uint64_t now_us);

/* Move a virtual clock forward by delta_us. */
void sc_virtual_clock_advance(struct sc_virtual_clock *vc, uint64_t delta_us);

struct sc_timer;
typedef void (*sc_timer_cb_t)(struct sc_timer *tim, void *arg);

/* Embed in the record it times; zero-initialised or sc_timer_init()ed before use. */
struct sc_timer {
	struct sc_timer *next;
	struct sc_timer *prev;
	uint64_t expire_tick;
	sc_timer_cb_t cb;
	void *arg;
};

static inline void
sc_timer_init(struct sc_timer *tim)
{
	tim->next = tim->prev = NULL;
	tim->expire_tick = 0;
	tim->cb = NULL;
	tim->arg = NULL;
}

static inline bool
sc_timer_is_armed(const struct sc_timer *tim)
{
	return tim->prev != NULL;
}

struct sc_timer_wheel;

/*
 * Create a wheel with a tick of tick_us microseconds (any non-zero value; the app
 * uses 1000 or 256), whose current time is now_us. The wheel is fixed-size
 * (sc_timer_wheel_footprint()); armed timers add nothing to it. Returns NULL and
 * sets errno (EINVAL for tick_us 0, ENOMEM) on failure.
 */
struct sc_timer_wheel *sc_timer_wheel_create(uint32_t tick_us, uint64_t now_us);

/* Bytes one wheel occupies, whatever the number of armed timers. */
size_t sc_timer_wheel_footprint(void);

/* Free the wheel. Armed timers are forgotten, never called. */
void sc_timer_wheel_free(struct sc_timer_wheel *w);

/*
 * Arm (or re-arm) tim to call cb(tim, arg) once at or after expire_us, and no more
 * than one tick after it: it fires in the first advance whose now_us reaches
 * expire_us rounded up to the tick. O(1). A timer already armed is moved. A
 * deadline that is already due (rounded up, at or before the wheel's time) fires
 * in the next advance, whatever its now_us. Safe inside a callback, also for the
 * timer that is running; re-arming it for the tick being run defers it to the
 * next advance rather than looping. Timers due in the same tick fire in no
 * particular order.
 */
void sc_timer_arm(struct sc_timer_wheel *w, struct sc_timer *tim, uint64_t expire_us,
		  sc_timer_cb_t cb, void *arg);

/* Disarm tim if it is armed. O(1). Safe inside a callback, for any timer. */
void sc_timer_cancel(struct sc_timer_wheel *w, struct sc_timer *tim);

/*
 * Run every timer whose deadline (rounded up to the tick) is <= now_us, in deadline
 * order (tick by tick), and every timer armed in the past. A now_us earlier than the
 * wheel's time counts as the wheel's time. Cost grows with the timers fired and the
 * occupied slots passed, not with the time skipped: empty stretches are jumped over
 * through per-level occupancy bitmaps. Must not be called from a callback (returns
 * 0 then). Returns how many fired.
 */
unsigned sc_timer_wheel_advance(struct sc_timer_wheel *w, uint64_t now_us);

/* Number of armed timers. */
uint64_t sc_timer_wheel_armed(const struct sc_timer_wheel *w);

/*
 * Microseconds from the wheel's time (sc_timer_wheel_now_us()) until the earliest
 * armed timer is due, i.e. its deadline rounded up to the tick: 0 when one is due at
 * the next advance, UINT64_MAX when none is armed. O(1) when a timer is due within
 * 256 ticks or when asked again with no timer fired or earliest one cancelled since;
 * otherwise it scans the one slot that holds the earliest timers.
 */
uint64_t sc_timer_wheel_next_us(const struct sc_timer_wheel *w);

/* The wheel's time: now_us of the last advance (or of creation). */
uint64_t sc_timer_wheel_now_us(const struct sc_timer_wheel *w);

/* The tick the wheel was created with, in microseconds. */
uint32_t sc_timer_wheel_tick_us(const struct sc_timer_wheel *w);

/*
 * Check the wheel's internal invariants (every timer in the slot its deadline
 * calls for, occupancy bitmaps, count). O(armed timers): for tests and debugging.
 * Returns 0 when consistent, -EFAULT otherwise.
 */
int sc_timer_wheel_audit(const struct sc_timer_wheel *w);

/*
 * RFC 3261 timer values (section 17; Table 4 in appendix A, "Table of Timer
 * Values"). T1, T2, T4 and Timer C are settings; every other timer derives from
 * them. All values in microseconds.
 */
#define SC_TIMER_RFC_T1_US	500000ULL	/* RTT estimate, 17.1.1.1 */
#define SC_TIMER_RFC_T2_US	4000000ULL	/* max retransmit interval, 17.1.2.2 */
#define SC_TIMER_RFC_T4_US	5000000ULL	/* max message lifetime, 17.1.2.2 */
/* Timer C: 16.6 bullet 11 and 16.7 item 2 say it MUST be greater than 3 minutes. */
#define SC_TIMER_RFC_C_US	181000000ULL
/* Timer D: "at least 32 seconds" for unreliable transports, 17.1.1.2. */
#define SC_TIMER_RFC_D_UDP_US	32000000ULL

/* The settable RFC 3261 timer bases. */
struct sc_timer_rfc {
	uint64_t t1_us;
	uint64_t t2_us;
	uint64_t t4_us;
	uint64_t timer_c_us;
};

/* Fill r with the RFC 3261 defaults (Table 4): T1 500 ms, T2 4 s, T4 5 s, C 181 s. */
static inline void
sc_timer_rfc_defaults(struct sc_timer_rfc *r)
{
	r->t1_us = SC_TIMER_RFC_T1_US;
	r->t2_us = SC_TIMER_RFC_T2_US;
	r->t4_us = SC_TIMER_RFC_T4_US;
	r->timer_c_us = SC_TIMER_RFC_C_US;
}

/* 64*T1: Timers B, F, H and J (UDP), 17.1.1.2, 17.1.2.2, 17.2.1, 17.2.2. */
static inline uint64_t
sc_timer_rfc_64t1(const struct sc_timer_rfc *r)
{
	return 64 * r->t1_us;
}

/*
 * Timer A before retransmission n (n = 0 for the first send): 2^n * T1, doubling
 * without a cap (17.1.1.2). Saturates instead of overflowing for absurd n.
 */
static inline uint64_t
sc_timer_rfc_a(const struct sc_timer_rfc *r, unsigned int n)
{
	if (n >= 32 || (r->t1_us << n) >> n != r->t1_us)
		return UINT64_MAX;
	return r->t1_us << n;
}

/*
 * Timers G (17.2.1) and E (17.1.2.2) before retransmission n (n = 0 first):
 * min(2^n * T1, T2).
 */
static inline uint64_t
sc_timer_rfc_g(const struct sc_timer_rfc *r, unsigned int n)
{
	uint64_t a = sc_timer_rfc_a(r, n);

	return a < r->t2_us ? a : r->t2_us;
}

/* Timer B: INVITE client transaction timeout, 64*T1 (17.1.1.2). */
static inline uint64_t
sc_timer_rfc_b(const struct sc_timer_rfc *r)
{
	return sc_timer_rfc_64t1(r);
}

/* Timer C: proxy INVITE transaction timeout, > 3 min (16.6 bullet 11). */
static inline uint64_t
sc_timer_rfc_c(const struct sc_timer_rfc *r)
{
	return r->timer_c_us;
}

/* Timer D: wait for response retransmits, >= 32 s for UDP, 0 reliable (17.1.1.2). */
static inline uint64_t
sc_timer_rfc_d(const struct sc_timer_rfc *r, bool reliable)
{
	(void)r;
	return reliable ? 0 : SC_TIMER_RFC_D_UDP_US;
}

/* Timer H: wait for ACK, 64*T1 (17.2.1). */
static inline uint64_t
sc_timer_rfc_h(const struct sc_timer_rfc *r)
{
	return sc_timer_rfc_64t1(r);
}

/* Timers I (17.2.1) and K (17.1.2.2): T4 for UDP, 0 for reliable transports. */
static inline uint64_t
sc_timer_rfc_i(const struct sc_timer_rfc *r, bool reliable)
{
	return reliable ? 0 : r->t4_us;
}

/*
 * The non-INVITE transactions a CANCEL runs in (RFC 3261 9.1, 9.2): the client
 * side uses E, F and K (17.1.2.2), the server side J (17.2.2).
 */

/* Timer E before retransmission n: min(2^n * T1, T2), like G (17.1.2.2). */
static inline uint64_t
sc_timer_rfc_e(const struct sc_timer_rfc *r, unsigned int n)
{
	return sc_timer_rfc_g(r, n);
}

/* Timer F: non-INVITE client transaction timeout, 64*T1 (17.1.2.2). */
static inline uint64_t
sc_timer_rfc_f(const struct sc_timer_rfc *r)
{
	return sc_timer_rfc_64t1(r);
}

/* Timer J: 64*T1 for UDP, 0 for reliable transports (17.2.2). */
static inline uint64_t
sc_timer_rfc_j(const struct sc_timer_rfc *r, bool reliable)
{
	return reliable ? 0 : sc_timer_rfc_64t1(r);
}

/* Timer K: T4 for UDP, 0 for reliable transports (17.1.2.2). */
static inline uint64_t
sc_timer_rfc_k(const struct sc_timer_rfc *r, bool reliable)
{
	return sc_timer_rfc_i(r, reliable);
}

#ifdef __cplusplus
}
#endif

#endif /* SC_TIMER_H */
