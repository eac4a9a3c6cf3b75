/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-core hierarchical timing wheel and the clock it reads. No locks, no DPDK
 * dependency: one wheel belongs to one thread. Timers are intrusive (embedded in
 * the records they time), so a million armed timers cost memory only there.
 */
#ifndef SC_TIMER_H
#define SC_TIMER_H

#include <stdbool.h>
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

/* Set up a virtual clock at start_us. */
void sc_virtual_clock_init(struct sc_virtual_clock *vc, uint64_t start_us);

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
 * Create a wheel with a tick of tick_us microseconds (1000 or finer), whose
 * current time is now_us. Returns NULL and sets errno on failure.
 */
struct sc_timer_wheel *sc_timer_wheel_create(uint32_t tick_us, uint64_t now_us);

/* Free the wheel. Armed timers are forgotten, never called. */
void sc_timer_wheel_free(struct sc_timer_wheel *w);

/*
 * Arm (or re-arm) tim to call cb(tim, arg) once at or after expire_us, and no more
 * than one tick after it. O(1). A timer already armed is moved. Safe inside a
 * callback, also for the timer that is running.
 */
void sc_timer_arm(struct sc_timer_wheel *w, struct sc_timer *tim, uint64_t expire_us,
		  sc_timer_cb_t cb, void *arg);

/* Disarm tim if it is armed. O(1). Safe inside a callback, for any timer. */
void sc_timer_cancel(struct sc_timer_wheel *w, struct sc_timer *tim);

/* Run every timer whose deadline is <= now_us. Returns how many fired. */
unsigned sc_timer_wheel_advance(struct sc_timer_wheel *w, uint64_t now_us);

/* Number of armed timers. */
uint64_t sc_timer_wheel_armed(const struct sc_timer_wheel *w);

/* Microseconds until the earliest armed deadline (UINT64_MAX when none armed). */
uint64_t sc_timer_wheel_next_us(const struct sc_timer_wheel *w);

#ifdef __cplusplus
}
#endif

#endif /* SC_TIMER_H */
