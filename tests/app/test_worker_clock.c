/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's microsecond clock (app/sipcancel/worker.c): exact on a TSC whose
 * rate is not a whole number of cycles per microsecond, and never stepping back.
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "sc_worker.h"

int sc_app_logtype;	/* sipcancel_core's user defines it (main.c, bench_pipeline) */

static struct sc_worker *
worker_new(void)
{
	struct sc_worker *w = aligned_alloc(RTE_CACHE_LINE_SIZE,
					    RTE_ALIGN_CEIL(sizeof(*w), RTE_CACHE_LINE_SIZE));

	cr_assert_not_null(w);
	memset(w, 0, sizeof(*w));
	return w;
}

/*
 * 2.599999 GHz: a whole divisor (2599) made 1000 s of TSC read 1000.38 s, and
 * Timer C's 181 s fire 70 ms early. With the fraction, a whole number of seconds of
 * TSC reads exactly that many microseconds, and 1.5 us of cycles later one more.
 */
Test(worker_clock, exact_on_a_fractional_rate)
{
	static const uint64_t rates[] = { 2599999000ULL, 2600000000ULL, 1000000001ULL,
					  3333333333ULL, 25000000ULL };
	struct sc_worker *w = worker_new();
	unsigned i;

	for (i = 0; i < RTE_DIM(rates); i++) {
		uint64_t hz = rates[i];
		uint64_t secs[] = { 1, 181, 86400, 86400ULL * 365 };

		for (unsigned k = 0; k < RTE_DIM(secs); k++) {
			sc_worker_clock_init(w, hz);
			w->now_us = 0;
			sc_worker_clock_update(w, hz * secs[k]);
			cr_assert_eq(w->now_us, secs[k] * 1000000,
				     "%" PRIu64 " Hz, %" PRIu64 " s: %" PRIu64 " us", hz, secs[k],
				     w->now_us);
			sc_worker_clock_update(w, hz * secs[k] + hz / 1000000 * 3 / 2);
			cr_assert_eq(w->now_us, secs[k] * 1000000 + 1);
		}
	}
	free(w);
}

Test(worker_clock, never_steps_back)
{
	struct sc_worker *w = worker_new();

	sc_worker_clock_init(w, 2600000000ULL);
	w->now_us = 0;
	sc_worker_clock_update(w, 2600000000ULL * 10);
	cr_assert_eq(w->now_us, 10000000);
	/* An lcore moved to a CPU whose TSC reads a little behind. */
	sc_worker_clock_update(w, 2600000000ULL * 9);
	cr_assert_eq(w->now_us, 10000000);
	cr_assert_eq(sc_worker_tsc_now_us(&(struct sc_clock){ .ctx = w }), 10000000);
	free(w);
}
