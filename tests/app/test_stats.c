/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --stats-file JSON (app/sipcancel/stats.c) from two workers' counters set by
 * hand: totals are the sums, each lcore's object its own counters, drops_total every
 * drop counter, and the extra fields (mempool_in_use, live_records, port_*) as given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sc_stats.h"
#include "sc_worker.h"

int sc_app_logtype;	/* sipcancel_core's user defines it (main.c, bench_pipeline) */

static struct sc_worker *
worker_new(unsigned lcore)
{
	struct sc_worker *w = aligned_alloc(RTE_CACHE_LINE_SIZE,
					    RTE_ALIGN_CEIL(sizeof(*w), RTE_CACHE_LINE_SIZE));

	cr_assert_not_null(w);
	memset(w, 0, sizeof(*w));	/* no cancel context, no table: their snapshots */
	w->lcore_id = lcore;
	w->queue_id = lcore - 1;
	return w;
}

static char json_path[64];

static void
json_rm(void)
{
	if (json_path[0] != '\0')
		unlink(json_path);
}

/* The --stats-file JSON of these workers, as text (one buffer, reused). */
static char *
json_of(struct sc_worker *const *w, unsigned n, const struct sc_stats_extra *extra)
{
	static char text[1 << 16];
	size_t len;
	FILE *f;

	snprintf(json_path, sizeof(json_path), "/tmp/sc_test_stats_%d.json", (int)getpid());
	cr_assert_eq(sc_stats_write_json(json_path, w, n, extra), 0);
	f = fopen(json_path, "r");
	cr_assert_not_null(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	return text;
}

/* "name": value inside the object that starts at obj (up to its closing brace). */
static void
expect_in(const char *obj, const char *name, unsigned long long value)
{
	const char *end = strchr(obj, '}');
	char want[128];
	const char *p;

	snprintf(want, sizeof(want), "\"%s\": %llu", name, value);
	p = strstr(obj, want);
	cr_expect(p != NULL && (end == NULL || p < end) &&
		  (p[strlen(want)] == ',' || p[strlen(want)] == '\n'),
		  "%s not in %.80s...", want, obj);
}

static const char *
object(const char *text, const char *key)
{
	char k[32];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\": {", key);
	p = strstr(text, k);
	cr_assert_not_null(p, "no object %s", key);
	return p + strlen(k);
}

Test(stats_json, totals_lcores_drops_and_extra, .fini = json_rm)
{
	struct sc_worker *w[2] = { worker_new(1), worker_new(2) };
	struct sc_stats_extra extra;
	const char *text, *tot, *l1, *l2;

	w[0]->stats.app[SC_APP_C_RX_PACKETS] = 100;
	w[1]->stats.app[SC_APP_C_RX_PACKETS] = 20;
	w[0]->stats.app[SC_APP_C_DROP_ROLE] = 1;
	w[0]->stats.app[SC_APP_C_DROP_PAYLOAD] = 2;
	w[1]->stats.app[SC_APP_C_DROP_SHUTDOWN] = 4;
	w[1]->stats.app[SC_APP_C_FRAG_EXPIRED] = 8;
	w[0]->stats.net_drop[SC_NET_DROP_BAD_FRAGMENT] = 16;
	w[1]->stats.net_drop[0] = 32;
	w[0]->stats.status_out[1] = 3;
	w[1]->stats.status_out[6] = 5;
	w[0]->stats.method_in[SC_METHOD_INVITE] = 7;
	w[1]->stats.method_in[SC_METHOD_EXTENSION] = 9;
	w[1]->stats.held = 11;
	memset(&extra, 0, sizeof(extra));
	extra.mempool_size = 8191;
	extra.mempool_in_use = 7;
	extra.live_records = 3;
	extra.port_imissed = 12;
	extra.port_oerrors = 13;

	text = json_of(w, 2, &extra);
	tot = object(text, "totals");
	expect_in(tot, "rx_packets", 120);
	expect_in(tot, "drop_role", 1);
	expect_in(tot, "drop_payload_too_big", 2);
	expect_in(tot, "drop_shutdown", 4);
	expect_in(tot, "frag_expired", 8);
	expect_in(tot, "drops_total", 1 + 2 + 4 + 8 + 16 + 32);
	expect_in(tot, "tx_status_1xx", 3);
	expect_in(tot, "tx_status_6xx", 5);
	expect_in(tot, "rx_method_INVITE", 7);
	expect_in(tot, "rx_method_extension", 9);
	expect_in(tot, "held", 11);

	l1 = object(text, "1");
	expect_in(l1, "rx_packets", 100);
	expect_in(l1, "drops_total", 1 + 2 + 16);
	expect_in(l1, "tx_status_6xx", 0);
	expect_in(l1, "held", 0);
	l2 = object(text, "2");
	expect_in(l2, "rx_packets", 20);
	expect_in(l2, "drops_total", 4 + 8 + 32);
	expect_in(l2, "tx_status_6xx", 5);
	expect_in(l2, "held", 11);

	cr_expect_not_null(strstr(text, "\"mempool_size\": 8191,\n"));
	cr_expect_not_null(strstr(text, "\"mempool_in_use\": 7,\n"));
	cr_expect_not_null(strstr(text, "\"live_records\": 3\n}"));
	cr_expect_not_null(strstr(text, "\"port_imissed\": 12,\n"));
	cr_expect_not_null(strstr(text, "\"port_oerrors\": 13,\n"));
	cr_expect_not_null(strstr(text, "\"port_ierrors\": 0,\n"));
	free(w[0]);
	free(w[1]);
}

Test(stats_json, unwritable_path)
{
	struct sc_worker *w = worker_new(1);
	struct sc_stats_extra extra;

	memset(&extra, 0, sizeof(extra));
	cr_expect_lt(sc_stats_write_json("/nonexistent-dir/s.json", &w, 1, &extra), 0);
	free(w);
}
