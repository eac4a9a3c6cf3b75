/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters out of the workers: summed on demand (workers never share a write), shown
 * through rte_telemetry, a JSON file at exit and a periodic console line. Reads of
 * another lcore's 64-bit counters are plain loads: a value may be one update old.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_rwlock.h>
#include <rte_telemetry.h>

#include "sc_stats.h"

static const char *const app_names[] = {
#define SC_X_NAME(name, text) text,
	SC_APP_COUNTERS(SC_X_NAME)
#undef SC_X_NAME
};

static const char *const method_names[SC_METHOD_COUNT] = {
	[SC_METHOD_NONE] = "none",
#define SC_X_NAME(name, tok) [SC_METHOD_##name] = tok,
	SC_SIP_METHODS(SC_X_NAME)
#undef SC_X_NAME
	[SC_METHOD_EXTENSION] = "extension",
};

void
sc_stats_visit(struct sc_worker *const *w, unsigned n, sc_stats_visit_t cb, void *arg)
{
	char name[96];
	unsigned i, k;
	uint64_t v;

	for (k = 0; k < SC_APP_C_COUNT; k++) {
		for (v = 0, i = 0; i < n; i++)
			v += w[i]->stats.app[k];
		cb(app_names[k], v, arg);
	}
	for (v = 0, i = 0; i < n; i++)
		v += w[i]->stats.held;
	cb("held", v, arg);
	for (k = 0; k < SC_NET_DROP_COUNT; k++) {
		for (v = 0, i = 0; i < n; i++)
			v += w[i]->stats.net_drop[k];
		snprintf(name, sizeof(name), "net_drop_%s", sc_net_drop_name(k));
		cb(name, v, arg);
	}
	for (k = 0; k < SC_SIP_E_COUNT; k++) {
		for (v = 0, i = 0; i < n; i++)
			v += w[i]->stats.parse[k];
		snprintf(name, sizeof(name), "parse_%s", sc_sip_error_name(k));
		cb(name, v, arg);
	}
	for (k = 1; k < SC_METHOD_COUNT; k++) {
		for (v = 0, i = 0; i < n; i++)
			v += w[i]->stats.method_in[k];
		snprintf(name, sizeof(name), "rx_method_%s", method_names[k]);
		cb(name, v, arg);
	}
	for (k = 1; k <= 6; k++) {
		for (v = 0, i = 0; i < n; i++)
			v += w[i]->stats.status_out[k];
		snprintf(name, sizeof(name), "tx_status_%uxx", k);
		cb(name, v, arg);
	}
	for (k = 0; k < SC_CANCEL_C_COUNT; k++) {
		for (v = 0, i = 0; i < n; i++)
			v += w[i]->cancel != NULL ? sc_cancel_counters(w[i]->cancel)->v[k] :
			     w[i]->cancel_snap.v[k];
		snprintf(name, sizeof(name), "uas_%s", sc_cancel_counter_name(k));
		cb(name, v, arg);
	}
	for (k = 0; k < SC_TXN_NCOUNTERS; k++) {
		for (v = 0, i = 0; i < n; i++) {
			struct sc_txn_counters c;

			if (w[i]->table != NULL)
				sc_txn_counters_get(w[i]->table, w[i]->queue_id, &c);
			else
				c = w[i]->txn_snap;
			v += ((const uint64_t *)&c)[k];
		}
		snprintf(name, sizeof(name), "txn_%s", sc_txn_counter_names[k]);
		cb(name, v, arg);
	}
}

/* Sum of every drop counter: app drop_*, fragments given up, net and role drops. */
static uint64_t
drops_of(struct sc_worker *const *w, unsigned n)
{
	uint64_t v = 0;
	unsigned i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < SC_NET_DROP_COUNT; k++)
			v += w[i]->stats.net_drop[k];
		v += w[i]->stats.app[SC_APP_C_DROP_ROLE];
		v += w[i]->stats.app[SC_APP_C_DROP_PAYLOAD];
		v += w[i]->stats.app[SC_APP_C_DROP_SHUTDOWN];
		v += w[i]->stats.app[SC_APP_C_FRAG_EXPIRED];
	}
	return v;
}

void
sc_stats_read_ports(struct sc_stats_extra *extra)
{
	struct rte_eth_stats st;
	unsigned i;

#define SC_X_ZERO(name) extra->port_##name = 0;
	SC_STATS_PORT_COUNTERS(SC_X_ZERO)
#undef SC_X_ZERO
	for (i = 0; i < extra->n_ports; i++) {
		if (rte_eth_stats_get(extra->ports[i], &st) != 0)
			continue;
#define SC_X_ADD(name) extra->port_##name += st.name;
		SC_STATS_PORT_COUNTERS(SC_X_ADD)
#undef SC_X_ADD
	}
}

/* ---- telemetry ------------------------------------------------------------- */

static struct sc_worker *const *tel_w;
static unsigned tel_n;
static const struct sc_stats_extra *tel_extra;
/*
 * Held for reading by every telemetry handler (telemetry's own thread) and for
 * writing by sc_stats_telemetry_stop(), so that no handler is still walking the
 * workers' counters when the main lcore frees them.
 */
static rte_rwlock_t tel_lock = RTE_RWLOCK_INITIALIZER;

static void
tel_add(const char *name, uint64_t value, void *arg)
{
	rte_tel_data_add_dict_u64(arg, name, value);
}

static void
tel_fill(struct rte_tel_data *d, struct sc_worker *const *w, unsigned n)
{
	rte_tel_data_start_dict(d);
	sc_stats_visit(w, n, tel_add, d);
	rte_tel_data_add_dict_u64(d, "drops_total", drops_of(w, n));
	if (tel_extra != NULL) {
		struct sc_stats_extra ports = *tel_extra;

		sc_stats_read_ports(&ports);
#define SC_X_TEL(name) rte_tel_data_add_dict_u64(d, "port_" #name, ports.port_##name);
		SC_STATS_PORT_COUNTERS(SC_X_TEL)
#undef SC_X_TEL
		rte_tel_data_add_dict_u64(d, "mempool_size", tel_extra->mempool_size);
		if (tel_extra->mempool_in_use != UINT64_MAX)
			rte_tel_data_add_dict_u64(d, "mempool_in_use",
						  tel_extra->mempool_in_use);
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_rwlock_read_lock(&tel_lock);
	tel_fill(d, tel_w, tel_n);
	rte_rwlock_read_unlock(&tel_lock);
	return 0;
}

static int
tel_lcore(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned i;
	char *end;
	unsigned long id;
	int rc = -EINVAL;

	(void)cmd;
	rte_rwlock_read_lock(&tel_lock);
	if (params == NULL || *params == '\0') {
		/* No lcore given: list the worker lcores. */
		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		for (i = 0; i < tel_n; i++)
			rte_tel_data_add_array_int(d, (int)tel_w[i]->lcore_id);
		rc = 0;
	} else {
		id = strtoul(params, &end, 10);
		for (i = 0; *end == '\0' && i < tel_n; i++)
			if (tel_w[i]->lcore_id == id) {
				tel_fill(d, &tel_w[i], 1);
				rc = 0;
				break;
			}
	}
	rte_rwlock_read_unlock(&tel_lock);
	return rc;
}

void
sc_stats_telemetry_stop(void)
{
	/* Waits for a handler still inside; later ones see no workers. */
	rte_rwlock_write_lock(&tel_lock);
	tel_n = 0;
	rte_rwlock_write_unlock(&tel_lock);
}

int
sc_stats_telemetry_init(struct sc_worker *const *w, unsigned n,
			const struct sc_stats_extra *extra)
{
	int rc;

	tel_w = w;
	tel_n = n;
	tel_extra = extra;
	rc = rte_telemetry_register_cmd("/sipcancel/stats", tel_stats,
					"Counters summed over every worker lcore. No parameters.");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sipcancel/lcore", tel_lcore,
						"Counters of one worker. Parameter: lcore id "
						"(none: list of worker lcores).");
	return rc;
}

/* ---- JSON file ------------------------------------------------------------- */

struct json_ctx {
	FILE *f;
	bool first;
};

static void
json_add(const char *name, uint64_t value, void *arg)
{
	struct json_ctx *j = arg;

	fprintf(j->f, "%s\n    \"%s\": %" PRIu64, j->first ? "" : ",", name, value);
	j->first = false;
}

static void
json_obj(FILE *f, struct sc_worker *const *w, unsigned n)
{
	struct json_ctx j = { f, true };

	fprintf(f, "{");
	sc_stats_visit(w, n, json_add, &j);
	json_add("drops_total", drops_of(w, n), &j);
	fprintf(f, "\n  }");
}

int
sc_stats_write_json(const char *path, struct sc_worker *const *w, unsigned n,
		    const struct sc_stats_extra *extra)
{
	FILE *f = fopen(path, "w");
	unsigned i;
	int rc = 0;

	if (f == NULL)
		return -errno;
	fprintf(f, "{\n  \"totals\": ");
	json_obj(f, w, n);
	fprintf(f, ",\n  \"lcores\": {");
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n  \"%u\": ", i == 0 ? "" : ",", w[i]->lcore_id);
		json_obj(f, &w[i], 1);
	}
	fprintf(f, "},\n");
#define SC_X_JSON(name) fprintf(f, "  \"port_" #name "\": %" PRIu64 ",\n", extra->port_##name);
	SC_STATS_PORT_COUNTERS(SC_X_JSON)
#undef SC_X_JSON
	fprintf(f, "  \"mempool_size\": %" PRIu64 ",\n  \"mempool_in_use\": %" PRIu64
		",\n  \"live_records\": %" PRIu64 "\n}\n",
		extra->mempool_size, extra->mempool_in_use, extra->live_records);
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* ---- console --------------------------------------------------------------- */

struct rate_snap {
	uint64_t rx, tx, frag, inv, can, drops, busy, idle;
};

static struct rate_snap prev_snap;

static void
snap(struct sc_worker *const *w, unsigned n, struct rate_snap *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		s->rx += w[i]->stats.app[SC_APP_C_RX_PACKETS];
		s->tx += w[i]->stats.app[SC_APP_C_TX_PACKETS];
		s->frag += w[i]->stats.app[SC_APP_C_TX_FRAGMENTED];
		s->inv += w[i]->stats.method_in[SC_METHOD_INVITE];
		s->can += w[i]->stats.method_in[SC_METHOD_CANCEL];
		s->busy += w[i]->stats.app[SC_APP_C_BUSY_CYCLES];
		s->idle += w[i]->stats.app[SC_APP_C_IDLE_CYCLES];
	}
	s->drops = drops_of(w, n);
}

void
sc_stats_print_rates(FILE *f, struct sc_worker *const *w, unsigned n, double secs)
{
	struct rate_snap s;
	uint64_t cyc;

	snap(w, n, &s);
	cyc = (s.busy - prev_snap.busy) + (s.idle - prev_snap.idle);
	/* frag: datagrams sent as IP fragments (their frames are in tx). */
	fprintf(f, "sipcancel: rx %.0f/s tx %.0f/s frag %.0f/s INVITE %.0f/s CANCEL %.0f/s "
		"drop %.0f/s busy %.1f%%\n",
		(double)(s.rx - prev_snap.rx) / secs, (double)(s.tx - prev_snap.tx) / secs,
		(double)(s.frag - prev_snap.frag) / secs,
		(double)(s.inv - prev_snap.inv) / secs, (double)(s.can - prev_snap.can) / secs,
		(double)(s.drops - prev_snap.drops) / secs,
		cyc == 0 ? 0.0 : 100.0 * (double)(s.busy - prev_snap.busy) / (double)cyc);
	fflush(f);
	prev_snap = s;
}

static void
print_nonzero(const char *name, uint64_t value, void *arg)
{
	if (value != 0)
		fprintf(arg, "  %-36s %" PRIu64 "\n", name, value);
}

void
sc_stats_print_final(FILE *f, struct sc_worker *const *w, unsigned n,
		     const struct sc_stats_extra *extra)
{
	fprintf(f, "sipcancel: final counters (non-zero), %u worker(s):\n", n);
	sc_stats_visit(w, n, print_nonzero, f);
	fprintf(f, "  %-36s %" PRIu64 "\n", "drops_total", drops_of(w, n));
#define SC_X_PRINT(name) \
	if (extra->port_##name != 0) \
		fprintf(f, "  %-36s %" PRIu64 "\n", "port_" #name, extra->port_##name);
	SC_STATS_PORT_COUNTERS(SC_X_PRINT)
#undef SC_X_PRINT
	fprintf(f, "  %-36s %" PRIu64 " of %" PRIu64 "\n", "mempool_in_use",
		extra->mempool_in_use, extra->mempool_size);
	fprintf(f, "  %-36s %" PRIu64 "\n", "live_records", extra->live_records);
	fflush(f);
}
