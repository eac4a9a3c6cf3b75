/* SPDX-License-Identifier: BSD-3-Clause */
/* The harness of cancel_env.h, compiled into both lib/cancel test programs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "cancel_env.h"

struct env E;
bool lose_posts_next;

void
eal_once(void)
{
	static int done;
	char prefix[64];
	char *argv[] = {
		"test_cancel", "--no-huge", "--no-pci", "-m", "64", "--no-shconf",
		"--file-prefix", prefix, "--log-level=lib.eal:error", "--no-telemetry",
		"--lcores", "0",
	};

	if (done)
		return;
	snprintf(prefix, sizeof(prefix), "sc_%s_test_%d", env_role.tag, (int)getpid());
	cr_assert(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) >= 0,
		  "EAL init failed");
	done = 1;
}

int
sink_send(void *sink_ctx, const void *path_blob, const char *msg, uint32_t len)
{
	const struct sink_ctx *sc = sink_ctx;
	struct sent *s;

	cr_assert_lt(E.nsent, env_role.max_sent, "too many messages sent");
	cr_assert_lt(len, sizeof(s->buf));
	s = &E.sent[E.nsent++];
	s->ctx = sc->id;
	memcpy(&s->path, path_blob, sizeof(s->path));
	s->t_us = E.vc.now_us;
	memcpy(s->buf, msg, len);
	s->len = len;
	s->rc = sc_sip_parse(s->buf, len, &s->msg);
	cr_assert(s->rc > 0 || E.allow_unparsable, "sent message does not parse (%d): %.*s",
		  s->rc, (int)len, msg);
	if (E.after_send != NULL)
		E.after_send(s);
	return 0;
}

/* The contexts' sink.next_path (see E.defer). */
static int
env_next_path(void *sink_ctx, struct sc_cancel_in *in)
{
	(void)sink_ctx;
	E.defer_calls++;
	if (E.defer_pending)
		return 0;
	in->next_path = E.defer_next == 0 ? NULL : &E.defer_next;
	return 1;
}

void
env_up(const struct sc_cancel_cfg *cfg_in, unsigned cap)
{
	struct sc_txn_table_params p = { 0 };
	struct sc_cancel_cfg cfg;
	char name[64];
	unsigned i;

	eal_once();
	memset(&E, 0, sizeof(E));
	E.lose_posts = lose_posts_next;
	lose_posts_next = false;
	E.sent = calloc(env_role.max_sent, sizeof(*E.sent));
	cr_assert_not_null(E.sent);
	E.cap = cap;
	sc_virtual_clock_init(&E.vc, 1000 * SEC);
	snprintf(name, sizeof(name), "%s_t_%d", env_role.tag, (int)getpid());
	p.name = name;
	p.capacity_per_owner = cap;
	p.owners = NCTX;
	p.max_threads = NCTX;
	p.socket_id = SOCKET_ID_ANY;
	p.poison_on_free = true;
	E.table = sc_txn_table_create(&p);
	cr_assert_not_null(E.table, "table: %s", strerror(errno));
	cfg = *cfg_in;
	cfg.path_len = PATH_LEN;
	cfg.path_source = env_role.path_source;
	if (env_role.path_local != NULL)
		cfg.path_local = env_role.path_local;
	for (i = 0; i < NCTX; i++) {
		struct sc_cancel_sink sink = { sink_send, &E.sinkc[i], env_next_path };

		cr_assert_eq(sc_txn_thread_register(E.table, i), 0);
		snprintf(name, sizeof(name), "%s%u_%d", env_role.tag, i, (int)getpid());
		E.ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
		cr_assert_not_null(E.ring[i]);
		E.wheel[i] = sc_timer_wheel_create(1000, E.vc.now_us);
		cr_assert_not_null(E.wheel[i]);
		E.sinkc[i].id = i;
		if (E.lose_posts && i == 1)
			E.ctx[i] = sc_cancel_ctx_create(&cfg, E.table, E.wheel[i], &E.vc.clock, i,
							NULL, 0, &sink);
		else
			E.ctx[i] = sc_cancel_ctx_create(&cfg, E.table, E.wheel[i], &E.vc.clock, i,
							E.ring, NCTX, &sink);
		cr_assert_not_null(E.ctx[i], "ctx: %s", strerror(errno));
	}
}

uint64_t
C(unsigned ctx, enum sc_cancel_counter c)
{
	return sc_cancel_counters(E.ctx[ctx])->v[c];
}

uint64_t
CT(enum sc_cancel_counter c)
{
	return C(0, c) + C(1, c);
}

void
poll_all(void)
{
	unsigned i;

	for (i = 0; i < NCTX; i++)
		sc_cancel_poll(E.ctx[i]);
	for (i = 0; i < NCTX; i++)
		sc_txn_quiescent(E.table, i);
}

void
run_to(uint64_t t)
{
	while (E.vc.now_us < t) {
		uint64_t next = E.vc.now_us + MS;

		sc_virtual_clock_set(&E.vc, next < t ? next : t);
		poll_all();
	}
	poll_all();
}

void
run_for(uint64_t d)
{
	run_to(E.vc.now_us + d);
}

void
env_down(void)
{
	unsigned i;

	for (i = 0; i < env_role.settle_s; i++) {
		sc_virtual_clock_advance(&E.vc, SEC);
		poll_all();
	}
	poll_all();
	for (i = 0; i < NCTX; i++) {
		cr_assert_eq(sc_cancel_live_records(E.ctx[i]), 0, "ctx %u leaks records", i);
		cr_assert_eq(sc_timer_wheel_armed(E.wheel[i]), 0, "ctx %u timers armed", i);
		cr_assert_eq(sc_txn_limbo_count(E.table, i), 0);
		cr_assert_eq(sc_txn_pool_free_count(E.table, i), E.cap,
			     "owner %u: %u of %u records free", i,
			     sc_txn_pool_free_count(E.table, i), E.cap);
	}
	for (i = 0; i < NCTX; i++) {
		sc_cancel_ctx_free(E.ctx[i]);
		sc_timer_wheel_free(E.wheel[i]);
		rte_ring_free(E.ring[i]);
		sc_txn_thread_unregister(E.table, i);
	}
	sc_txn_table_free(E.table);
	free(E.sent);
}

void
burst_to(unsigned ctx, struct tmsg **msgs, unsigned n, uint64_t path, uint64_t next,
	 uint8_t *verdicts)
{
	struct sc_cancel_in in[16];
	unsigned i;

	cr_assert_leq(n, 16);
	for (i = 0; i < n; i++) {
		in[i].msg = &msgs[i]->msg;
		in[i].parse_rc = msgs[i]->rc;
		in[i].path = &path;
		in[i].next_path = next == 0 ? NULL : &next;
		in[i].next_path_deferred = false;
		if (E.defer && (msgs[i]->msg.kind != SC_SIP_REQUEST ||
				msgs[i]->msg.method != SC_METHOD_INVITE)) {
			in[i].next_path = NULL;
			in[i].next_path_deferred = true;
			E.defer_next = next;
		}
		in[i].verdict = 0xff;
	}
	cr_assert_eq(sc_cancel_handle_burst(E.ctx[ctx], in, n), n);
	for (i = 0; i < n; i++) {
		cr_assert_neq(in[i].verdict, 0xff);
		if (verdicts != NULL)
			verdicts[i] = in[i].verdict;
	}
	sc_txn_quiescent(E.table, ctx);
}

uint8_t
handle(unsigned ctx, struct tmsg *m, uint64_t path, uint64_t next)
{
	uint8_t v;

	burst_to(ctx, &m, 1, path, next, &v);
	return v;
}

bool
str_eq(const struct sc_str *a, const struct sc_str *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

bool
str_is(const struct sc_str *a, const char *s)
{
	return a->len == strlen(s) && memcmp(a->p, s, a->len) == 0;
}
