/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Criterion harness shared by the UAS and the proxy role tests (lib/cancel):
 * EAL once per process, one transaction table with NCTX owners, a timer wheel, ring
 * and context per owner, a virtual clock moved in 1 ms steps, and a sink that keeps
 * every message sent and parses it again. What differs between the two test
 * programs (names, callbacks, how long the role's timers run) is in env_role, which
 * each test file defines.
 */
#ifndef CANCEL_ENV_H
#define CANCEL_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>

#include "sc_cancel.h"
#include "sc_sip.h"
#include "sc_timer.h"
#include "sc_txn.h"

#define CAP		8		/* records per owner */
#define NCTX		2
#define MS		UINT64_C(1000)
#define SEC		UINT64_C(1000000)
#define PATH_LEN	8		/* path blobs are 8-byte ids */

/* One message a context handed to its sink, parsed again. */
struct sent {
	unsigned ctx;			/* which context's sink */
	uint64_t path;			/* reply-path id the sink was given */
	uint64_t t_us;			/* virtual time of the send */
	char buf[8192];
	uint32_t len;
	struct sc_sip_msg msg;
	int rc;
};

struct sink_ctx {
	unsigned id;
};

/* What one test program sets for its role. */
struct env_role {
	const char *tag;		/* EAL file prefix, table and ring names */
	unsigned max_sent;		/* messages one test may send at most */
	unsigned settle_s;		/* env_down() runs this long: past every timer */
	int (*path_source)(const void *path_blob, char *ip, size_t cap, uint16_t *port);
	int (*path_local)(const void *path_blob, char *sent_by, size_t cap);	/* or NULL */
};

/* Defined by each test file. */
extern const struct env_role env_role;

struct env {
	struct sc_virtual_clock vc;
	struct sc_txn_table *table;
	struct sc_timer_wheel *wheel[NCTX];
	struct rte_ring *ring[NCTX];
	struct sc_cancel_ctx *ctx[NCTX];
	struct sink_ctx sinkc[NCTX];
	struct sent *sent;
	unsigned nsent;
	unsigned cap;
	bool lose_posts;		/* context 1 gets no rings: every post is lost */
	bool allow_unparsable;		/* corpus: a 400 echoes a broken To (8.2.6.2) */
	/* Called by the sink after it kept a message (NULL: none); may handle more. */
	void (*after_send)(const struct sent *s);
	/*
	 * Proxy: burst_to() defers the next_path of every input but an INVITE, and the
	 * sink's next_path gives it (defer_next, 0: none) or, with defer_pending, says
	 * the address is still being resolved; defer_calls counts the questions.
	 */
	bool defer;
	bool defer_pending;
	unsigned defer_calls;
	uint64_t defer_next;
};

extern struct env E;
extern bool lose_posts_next;		/* set before env_up() */

/* rte_eal_init once per process (no hugepages, a file prefix per pid). */
void eal_once(void);

/* The contexts' sink: keeps the message in E.sent and asserts it parses. */
int sink_send(void *sink_ctx, const void *path_blob, const char *msg, uint32_t len);

/* A fresh table (cap records per owner), wheels, rings and contexts from cfg_in. */
void env_up(const struct sc_cancel_cfg *cfg_in, unsigned cap);

/* Runs past every timer, asserts every record is back in its pool, frees all. */
void env_down(void);

/* Counter c of context ctx; CT: summed over every context. */
uint64_t C(unsigned ctx, enum sc_cancel_counter c);
uint64_t CT(enum sc_cancel_counter c);

/* Every context polls (rings, timers) once, then reports quiescence. */
void poll_all(void);

/* Move virtual time to t (absolute, us) in 1 ms steps, polling every context. */
void run_to(uint64_t t);
void run_for(uint64_t d);

/* A test message and its parse. */
struct tmsg {
	char buf[8192];
	size_t len;
	struct sc_sip_msg msg;
	int rc;
};

/*
 * Handle msgs[0..n) (n <= 16) as one burst on context ctx: reply path id `path`,
 * next hop id `next` (0: none). Verdicts into verdicts[] unless NULL.
 */
void burst_to(unsigned ctx, struct tmsg **msgs, unsigned n, uint64_t path, uint64_t next,
	      uint8_t *verdicts);

/* The same without a next hop (the UAS role has none). */
static inline void
burst(unsigned ctx, struct tmsg **msgs, unsigned n, uint64_t path, uint8_t *verdicts)
{
	burst_to(ctx, msgs, n, path, 0, verdicts);
}

/* One message as a burst of one; returns its verdict. */
uint8_t handle(unsigned ctx, struct tmsg *m, uint64_t path, uint64_t next);

/* Byte-exact compares of slices. */
bool str_eq(const struct sc_str *a, const struct sc_str *b);
bool str_is(const struct sc_str *a, const char *s);

#endif /* CANCEL_ENV_H */
