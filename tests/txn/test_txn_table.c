/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared table under EAL (--no-huge): matching through the table, forced
 * digest collisions, capacity exhaustion and recovery, and a two-lcore stress test
 * of insert / lookup / CAS / delete with RCU-deferred, poisoned frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "sc_txn.h"

static void
eal_up(void)
{
	char prefix[64];
	char *argv[] = {
		"test_txn_table", "-l", "0-1", "--no-huge", "--no-pci", "-m", "256",
		"--file-prefix", prefix, "--log-level=lib.eal:error", "--no-telemetry", NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	snprintf(prefix, sizeof(prefix), "sc_txn_test_%d", (int)getpid());
	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init failed");
}

static void
eal_down(void)
{
	rte_eal_cleanup();
}

TestSuite(table, .init = eal_up, .fini = eal_down, .timeout = 120);

/* Tables made by mk_table() publish records with a second add (each test is a process). */
static bool publish_by_add;

static struct sc_txn_table *
mk_table(const char *name, uint32_t cap, uint16_t owners, sc_txn_digest_fn fn, bool poison)
{
	struct sc_txn_table_params p = {
		.name = name,
		.capacity_per_owner = cap,
		.owners = owners,
		.socket_id = SOCKET_ID_ANY,
		.digest_fn = fn,
		.poison_on_free = poison,
		.publish_by_add = publish_by_add,
	};
	struct sc_txn_table *t = sc_txn_table_create(&p);
	unsigned i;

	cr_assert_not_null(t, "create: %s", strerror(errno));
	/* DPDK 22.11's key store passes the probe; a failed probe must show here. */
	cr_assert_eq(sc_txn_table_publish_direct(t), !publish_by_add);
	for (i = 0; i < owners; i++)
		cr_assert_eq(sc_txn_thread_register(t, i), 0);
	return t;
}

struct pmsg {
	char text[1024];
	struct sc_sip_msg m;
};

static void
parse_req(struct pmsg *p, const char *method, const char *cseq_method, const char *branch,
	  const char *to_tag)
{
	int n, rc;

	n = snprintf(p->text, sizeof(p->text),
		     "%s sip:bob@198.18.0.2 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.1:5060;branch=%s\r\n"
		     "To: <sip:bob@198.18.0.2>%s%s\r\n"
		     "From: <sip:alice@198.18.0.1>;tag=f00\r\n"
		     "Call-ID: cid-1@198.18.0.1\r\n"
		     "CSeq: 7 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     method, branch, to_tag != NULL ? ";tag=" : "", to_tag != NULL ? to_tag : "",
		     cseq_method);
	rc = sc_sip_parse(p->text, (size_t)n, &p->m);
	cr_assert_eq(rc, n, "parse %d", rc);
}

/* A distinct client key per (owner, n). */
static void
num_key(struct sc_txn_key *k, unsigned owner, uint64_t n)
{
	char b[48];
	struct sc_str s;

	s.len = (uint32_t)snprintf(b, sizeof(b), "z9hG4bK-%u-%llu", owner, (unsigned long long)n);
	s.p = b;
	cr_assert_eq(sc_txn_key_client(&s, SC_METHOD_INVITE, NULL, k), 0);
}

/* Insert an INVITE server transaction from a parsed INVITE. */
static struct sc_txn_rec *
insert_invite(struct sc_txn_table *t, const struct sc_sip_msg *inv, const char *to_tag)
{
	struct sc_txn_key k;
	struct sc_txn_rec *r;
	char blk[SC_TXN_RESP_HDR_MAX];
	int n;

	cr_assert_eq(sc_txn_key_server(inv, &k), 0);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_not_null(r);
	n = sc_sip_build_resp_headers(blk, sizeof(blk), inv, NULL);
	cr_assert_gt(n, 0);
	cr_assert_eq(sc_txn_rec_set_resp_hdr(t, r, blk, (size_t)n), 0);
	if (to_tag != NULL)
		cr_assert_eq(sc_txn_rec_set_to_tag(r, to_tag, strlen(to_tag)), 0);
	cr_assert_eq(sc_txn_insert(t, r), 0);
	return r;
}

static struct sc_txn_rec *
find_server(struct sc_txn_table *t, const struct sc_sip_msg *m)
{
	struct sc_txn_key k;

	cr_assert_eq(sc_txn_key_server(m, &k), 0);
	return sc_txn_lookup(t, 0, &k);
}

static struct sc_txn_rec *
find_cancel_target(struct sc_txn_table *t, const struct sc_sip_msg *m)
{
	struct sc_txn_key k;

	cr_assert_eq(sc_txn_key_cancel_target(m, &k), 0);
	return sc_txn_lookup(t, 0, &k);
}

Test(table, rfc3261_matching_through_the_table)
{
	struct sc_txn_table *t = mk_table("t_match", 64, 1, NULL, true);
	struct pmsg inv, m;
	struct sc_txn_rec *r;
	const char *blk;
	size_t len;

	parse_req(&inv, "INVITE", "INVITE", "z9hG4bKa1", NULL);
	r = insert_invite(t, &inv.m, "tt1");
	blk = sc_txn_rec_resp_hdr(r, &len);
	cr_assert_gt(len, 0);
	cr_assert(memmem(blk, len, "Call-ID: cid-1@198.18.0.1", 25) != NULL);

	parse_req(&m, "INVITE", "INVITE", "z9hG4bKa1", NULL);
	cr_assert_eq(find_server(t, &m.m), r, "retransmission");
	parse_req(&m, "ACK", "ACK", "z9hG4bKa1", "tt1");
	cr_assert_eq(find_server(t, &m.m), r, "ACK");
	parse_req(&m, "CANCEL", "CANCEL", "z9hG4bKa1", NULL);
	cr_assert_eq(find_cancel_target(t, &m.m), r, "CANCEL target");
	cr_assert_null(find_server(t, &m.m), "CANCEL's own transaction is not the INVITE");
	parse_req(&m, "CANCEL", "CANCEL", "z9hG4bKa2", NULL);
	cr_assert_null(find_cancel_target(t, &m.m), "CANCEL for an unknown branch: 481");

	/* A duplicate insert is refused and counted. */
	{
		struct sc_txn_key k;
		struct sc_txn_rec *d;
		struct sc_txn_counters c;

		cr_assert_eq(sc_txn_key_server(&inv.m, &k), 0);
		d = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
		cr_assert_not_null(d);
		cr_assert_eq(sc_txn_insert(t, d), -EEXIST);
		sc_txn_free(t, d);
		sc_txn_counters_get(t, 0, &c);
		cr_assert_eq(c.insert_duplicate, 1);
		cr_assert_eq(c.inserts, 1);
	}

	/* After delete the key misses at once, even before the grace period. */
	cr_assert_eq(sc_txn_delete(t, r), 0);
	cr_assert_eq(sc_txn_delete(t, r), -ENOENT);
	parse_req(&m, "INVITE", "INVITE", "z9hG4bKa1", NULL);
	cr_assert_null(find_server(t, &m.m));
	sc_txn_table_free(t);
}

Test(table, rfc2543_ack_and_cancel_through_the_table)
{
	struct sc_txn_table *t = mk_table("t_2543", 64, 1, NULL, true);
	struct pmsg inv, m;
	struct sc_txn_rec *r;

	parse_req(&inv, "INVITE", "INVITE", "old2543", NULL);
	r = insert_invite(t, &inv.m, "ourtag");
	cr_assert_eq(r->key_kind, SC_TXN_KEY_SERVER_2543);

	parse_req(&m, "INVITE", "INVITE", "old2543", NULL);
	cr_assert_eq(find_server(t, &m.m), r);
	/* 17.2.3: the ACK's To tag must equal the To tag of the response we sent. */
	parse_req(&m, "ACK", "ACK", "old2543", "ourtag");
	cr_assert_eq(find_server(t, &m.m), r);
	parse_req(&m, "ACK", "ACK", "old2543", "othertag");
	cr_assert_null(find_server(t, &m.m));
	parse_req(&m, "ACK", "ACK", "old2543", NULL);
	cr_assert_null(find_server(t, &m.m));
	/* 9.2 via 17.2.3: the CANCEL copies the INVITE's To (no tag). */
	parse_req(&m, "CANCEL", "CANCEL", "old2543", NULL);
	cr_assert_eq(find_cancel_target(t, &m.m), r);
	parse_req(&m, "CANCEL", "CANCEL", "old2543", "x");
	cr_assert_null(find_cancel_target(t, &m.m));
	/* An INVITE carrying a To tag is another transaction (re-INVITE-like). */
	parse_req(&m, "INVITE", "INVITE", "old2543", "ourtag");
	cr_assert_null(find_server(t, &m.m));
	sc_txn_table_free(t);
}

Test(table, client_transactions)
{
	struct sc_txn_table *t = mk_table("t_cli", 64, 1, NULL, true);
	const struct sc_str br = { "z9hG4bKprx77", 12 };
	struct sc_txn_key k;
	struct sc_txn_rec *r, *got;
	struct pmsg p;
	int n;

	cr_assert_eq(sc_txn_key_client(&br, SC_METHOD_INVITE, NULL, &k), 0);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
	cr_assert_not_null(r);
	cr_assert_eq(sc_txn_rec_set_fwd(t, r, "opaque-proxy-data", 17), 0);
	cr_assert_eq(sc_txn_insert(t, r), 0);

	n = snprintf(p.text, sizeof(p.text),
		     "SIP/2.0 180 Ringing\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.5;branch=z9hG4bKprx77\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKup\r\n"
		     "To: <sip:bob@x>;tag=9\r\nFrom: <sip:a@y>;tag=1\r\n"
		     "Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	cr_assert_eq(sc_sip_parse(p.text, (size_t)n, &p.m), n);
	cr_assert_eq(sc_txn_key_client_resp(&p.m, &k), 0);
	got = sc_txn_lookup(t, 0, &k);
	cr_assert_eq(got, r);
	{
		size_t len;
		const char *f = sc_txn_rec_fwd(got, &len);

		cr_assert_eq(len, 17);
		cr_assert_eq(memcmp(f, "opaque-proxy-data", 17), 0);
	}
	/* 9.1 through the CAS helper: CANCEL held in Calling, released by the 180. */
	cr_assert_eq(sc_txn_event(t, 0, got, SC_TXN_EV_CANCEL_REQ, NULL, NULL), 0);
	cr_assert_eq(sc_txn_event(t, 0, got, SC_TXN_EV_RX_1XX, NULL, NULL),
		     SC_TXN_A_FORWARD | SC_TXN_A_SEND_CANCEL | SC_TXN_A_ARM_CANCEL);
	cr_assert_eq(sc_txn_event(t, 0, got, SC_TXN_EV_CANCEL_REQ, NULL, NULL), 0,
		     "our CANCEL goes once");

	/* The 200 to our CANCEL (CSeq CANCEL) is not the INVITE transaction. */
	n = snprintf(p.text, sizeof(p.text),
		     "SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.5;branch=z9hG4bKprx77\r\n"
		     "To: <sip:bob@x>;tag=9\r\nFrom: <sip:a@y>;tag=1\r\n"
		     "Call-ID: c\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n");
	cr_assert_eq(sc_sip_parse(p.text, (size_t)n, &p.m), n);
	cr_assert_eq(sc_txn_key_client_resp(&p.m, &k), 0);
	cr_assert_null(sc_txn_lookup(t, 0, &k));
	sc_txn_table_free(t);
}

Test(table, state_word_sequence_and_cas)
{
	struct sc_txn_table *t = mk_table("t_cas", 8, 1, NULL, false);
	const struct sc_str br = { "z9hG4bKseq", 10 };
	struct sc_txn_key k;
	struct sc_txn_rec *r;
	uint32_t w, old, nw;
	unsigned a;

	cr_assert_eq(sc_txn_key_client(&br, SC_METHOD_INVITE, NULL, &k), 0);
	k.kind = SC_TXN_KEY_SERVER;	/* any kind will do for the state word */
	r = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_not_null(r);
	cr_assert_eq(sc_txn_insert(t, r), 0);
	w = sc_txn_load_state(r);
	a = sc_txn_event(t, 0, r, SC_TXN_EV_TX_1XX, &old, &nw);
	cr_assert_eq(a, SC_TXN_A_SEND);
	cr_assert_eq(old, w);
	cr_assert_eq(nw, sc_txn_load_state(r));
	cr_assert_eq(nw >> 16, (w >> 16) + 1, "sequence bumped");
	/* A CAS from the stale word fails and reports the current one. */
	cr_assert_not(sc_txn_cas_state(r, &w, SC_TXN_TERMINATED));
	cr_assert_eq(w, nw);
	cr_assert(sc_txn_cas_state(r, &w, SC_TXN_TERMINATED));
	cr_assert_eq(sc_txn_state_of(sc_txn_load_state(r)), SC_TXN_TERMINATED);
	sc_txn_table_free(t);
}

/* The two-step lookup gives what the one-call bulk lookup gives, hits and misses. */
Test(table, two_step_lookup_matches_bulk)
{
	enum { N = 100 };
	struct sc_txn_table *t = mk_table("t_2step", N, 1, NULL, false);
	static struct sc_txn_key keys[2 * N];
	struct sc_txn_key *kp[2 * N];
	struct sc_txn_rec *a[2 * N], *b[SC_TXN_LOOKUP_MAX], *ins[N];
	struct sc_txn_lookup lk;
	unsigned i, base, m, hits = 0;

	for (i = 0; i < 2 * N; i++) {
		num_key(&keys[i], 0, i);
		kp[i] = &keys[i];
		if (i < N) {
			ins[i] = sc_txn_alloc(t, 0, &keys[i], SC_TXN_CLI_CALLING);
			cr_assert_eq(sc_txn_insert(t, ins[i]), 0);
		}
	}
	cr_assert_eq(sc_txn_lookup_bulk(t, 0, kp, 2 * N, a), N);
	for (base = 0; base < 2 * N; base += m) {
		m = sc_txn_lookup_start(t, kp + base, 2 * N - base, &lk);
		cr_assert_eq(m, RTE_MIN(2u * N - base, (unsigned)SC_TXN_LOOKUP_MAX));
		hits += sc_txn_lookup_finish(t, 0, kp + base, &lk, b);
		for (i = 0; i < m; i++) {
			cr_assert_eq(b[i], a[base + i], "key %u", base + i);
			cr_assert_eq(b[i], base + i < N ? ins[base + i] : NULL);
		}
	}
	cr_assert_eq(hits, N);
	sc_txn_table_free(t);
}

/* ---- forced collisions ------------------------------------------------------ */

static void
const_digest(const void *buf, size_t len, uint8_t out[SC_TXN_DIGEST_LEN], void *ctx)
{
	(void)buf;
	(void)len;
	(void)ctx;
	memset(out, 0x42, SC_TXN_DIGEST_LEN);
}

Test(table, forced_collision_is_refused_and_never_matched)
{
	struct sc_txn_table *t = mk_table("t_coll", 16, 1, const_digest, true);
	const struct sc_str ba = { "z9hG4bKaaa", 10 }, bb = { "z9hG4bKbbb", 10 };
	struct sc_txn_key ka, kb, kb2;
	struct sc_txn_rec *ra, *rb;
	struct sc_txn_counters c;

	cr_assert_eq(sc_txn_key_client(&ba, SC_METHOD_INVITE, NULL, &ka), 0);
	cr_assert_eq(sc_txn_key_client(&bb, SC_METHOD_INVITE, NULL, &kb), 0);
	sc_txn_key_hash(t, &ka);
	sc_txn_key_hash(t, &kb);
	cr_assert_eq(memcmp(ka.digest, kb.digest, SC_TXN_DIGEST_LEN), 0, "forced collision");

	ra = sc_txn_alloc(t, 0, &ka, SC_TXN_CLI_CALLING);
	cr_assert_eq(sc_txn_insert(t, ra), 0);
	rb = sc_txn_alloc(t, 0, &kb, SC_TXN_CLI_CALLING);
	cr_assert_not_null(rb);
	cr_assert_eq(sc_txn_insert(t, rb), -EKEYREJECTED);
	sc_txn_free(t, rb);

	kb2 = kb;
	cr_assert_null(sc_txn_lookup(t, 0, &kb2), "the colliding key never matches");
	cr_assert_eq(sc_txn_lookup(t, 0, &ka), ra, "the first key is still found");
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_collision, 1);
	cr_assert_eq(c.digest_mismatch, 1);
	cr_assert_eq(c.hits, 1);
	cr_assert_eq(c.misses, 1);

	/* Once the first is gone (grace period over), the second can go in. */
	cr_assert_eq(sc_txn_delete(t, ra), 0);
	sc_txn_quiescent(t, 0);
	cr_assert_eq(sc_txn_limbo_count(t, 0), 0);
	rb = sc_txn_alloc(t, 0, &kb, SC_TXN_CLI_CALLING);
	cr_assert_eq(sc_txn_insert(t, rb), 0);
	cr_assert_eq(sc_txn_lookup(t, 0, &kb), rb);
	cr_assert_null(sc_txn_lookup(t, 0, &ka));
	sc_txn_table_free(t);
}

/*
 * The exact compare decides every hit (all keys share one digest here): any byte
 * difference, a different length, kind or stored tail is a miss, whatever the
 * length relative to the record's first cache line (SC_TXN_KEY_LINE0) and the
 * 8-byte words the compare works in; bytes after the key in the caller's buffer
 * never matter.
 */
static void
raw_key(struct sc_txn_key *k, unsigned len, unsigned tail, uint8_t seed)
{
	unsigned i;

	memset(k, 0, sizeof(*k));
	k->kind = SC_TXN_KEY_SERVER_2543;
	k->len = (uint16_t)len;
	k->tail_len = (uint8_t)tail;
	k->tail_match = SC_TXN_TAIL_STORED;
	for (i = 0; i < len + tail; i++)
		k->buf[i] = (char)('a' + (i * 7 + seed) % 26);
	/* Garbage after the key: must not take part in the compare. */
	for (; i < sizeof(k->buf); i++)
		k->buf[i] = (char)(0x80 | seed);
}

Test(table, exact_compare_every_byte_and_length)
{
	static const struct {
		unsigned len, tail;
	} cases[] = {
		{ 1, 0 }, { 7, 0 }, { 8, 0 }, { 9, 0 }, { 38, 0 }, { 52, 4 }, { 55, 0 },
		{ 55, 1 }, { 56, 0 }, { 57, 0 }, { 50, 10 }, { 64, 0 }, { 120, 0 }, { 200, 40 },
	};
	struct sc_txn_table *t = mk_table("t_exact", 4, 1, const_digest, true);
	struct sc_txn_key k, q;
	struct sc_txn_rec *r;
	struct sc_txn_counters c;
	unsigned ci, p;

	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		unsigned len = cases[ci].len, tail = cases[ci].tail;

		raw_key(&k, len, tail, 1);
		r = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
		cr_assert_not_null(r, "len %u", len);
		cr_assert_eq(sc_txn_insert(t, r), 0, "len %u", len);

		raw_key(&q, len, tail, 1);
		q.buf[len + tail] = 0x7f;	/* other garbage after the key */
		cr_assert_eq(sc_txn_lookup(t, 0, &q), r, "len %u: equal key", len);
		for (p = 0; p < len + tail; p++) {
			raw_key(&q, len, tail, 1);
			q.buf[p] ^= 0x20;
			cr_assert_null(sc_txn_lookup(t, 0, &q), "len %u tail %u: byte %u differs",
				       len, tail, p);
		}
		raw_key(&q, len, tail, 1);
		q.len = (uint16_t)(len - 1);	/* a prefix */
		cr_assert_null(sc_txn_lookup(t, 0, &q), "len %u: prefix", len);
		raw_key(&q, len + 1, tail, 1);
		memcpy(q.buf, k.buf, len);	/* one byte longer */
		cr_assert_null(sc_txn_lookup(t, 0, &q), "len %u: longer", len);
		raw_key(&q, len, tail, 1);
		q.kind = SC_TXN_KEY_SERVER;
		cr_assert_null(sc_txn_lookup(t, 0, &q), "len %u: kind", len);
		raw_key(&q, len, tail + 1, 1);
		memcpy(q.buf, k.buf, len + tail);
		cr_assert_null(sc_txn_lookup(t, 0, &q), "len %u: longer tail", len);
		if (tail > 0) {
			/* The record's stored tail is longer: a prefix of it never matches. */
			raw_key(&q, len, tail - 1, 1);
			cr_assert_null(sc_txn_lookup(t, 0, &q), "len %u: shorter tail", len);
		}

		cr_assert_eq(sc_txn_delete(t, r), 0);
		sc_txn_quiescent(t, 0);
	}
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.data_fallback, 0);
	sc_txn_table_free(t);
}

/*
 * A refused duplicate insert leaves the live transaction's lookups on the fast path
 * (rte_hash's add on a present key would have cleared its data word).
 */
Test(table, duplicate_insert_keeps_fast_path)
{
	struct sc_txn_table *t = mk_table("t_dup", 4, 1, NULL, true);
	struct sc_txn_key k;
	struct sc_txn_rec *r, *d;
	struct sc_txn_counters c;

	raw_key(&k, 40, 0, 3);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_eq(sc_txn_insert(t, r), 0);
	d = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_eq(sc_txn_insert(t, d), -EEXIST);
	sc_txn_free(t, d);
	cr_assert_eq(sc_txn_lookup(t, 0, &k), r);
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_duplicate, 1);
	cr_assert_eq(c.data_fallback, 0);
	cr_assert_eq(c.hits, 1);
	sc_txn_table_free(t);
}

/*
 * sc_txn_insert_missed() skips the presence check. Two inserts of one key (the race
 * it accepts: another insert since the caller's miss): exactly one wins, the loser
 * gets -EEXIST, and lookups still find the winner, through the slot fallback since
 * the loser's add cleared the data word. A digest collision is still refused and
 * never matched, and once the winner is gone the key goes in again, on the fast path.
 */
static void
insert_missed_race(void)
{
	struct sc_txn_table *t = mk_table("t_imiss", 8, 2, NULL, true);
	struct sc_txn_key k, q;
	struct sc_txn_rec *r, *d;
	struct sc_txn_counters c;

	raw_key(&k, 40, 0, 5);
	q = k;
	cr_assert_null(sc_txn_lookup(t, 0, &q), "not there yet");
	r = sc_txn_alloc(t, 0, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_not_null(r);
	cr_assert_eq(sc_txn_insert_missed(t, r), 0);
	cr_assert_eq(sc_txn_lookup(t, 0, &q), r);
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.data_fallback, 0, "a fresh insert is on the fast path");

	/* The other owner missed the same key a moment ago and inserts too: it loses. */
	d = sc_txn_alloc(t, 1, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_not_null(d);
	cr_assert_eq(sc_txn_insert_missed(t, d), -EEXIST);
	sc_txn_free(t, d);
	cr_assert_eq(sc_txn_lookup(t, 0, &q), r, "the winner is still found");
	cr_assert_eq(sc_txn_lookup(t, 1, &q), r);
	/* A plain insert after that is refused the same way. */
	d = sc_txn_alloc(t, 1, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_eq(sc_txn_insert(t, d), -EEXIST);
	sc_txn_free(t, d);
	cr_assert_eq(sc_txn_lookup(t, 1, &q), r);
	sc_txn_counters_get(t, 1, &c);
	cr_assert_eq(c.insert_duplicate, 2);
	cr_assert_eq(c.inserts, 0);
	cr_assert_eq(c.hits, 2);
	cr_assert_eq(c.data_fallback, 2, "the loser's add cleared the data word");
	cr_assert_eq(sc_txn_pool_free_count(t, 1), 8, "the loser's record is back");

	/* The winner goes; after the grace period the key is new again. */
	cr_assert_eq(sc_txn_delete(t, r), 0);
	cr_assert_null(sc_txn_lookup(t, 0, &q));
	sc_txn_quiescent(t, 0);
	sc_txn_quiescent(t, 1);
	cr_assert_eq(sc_txn_reclaim(t, 0), 1);
	d = sc_txn_alloc(t, 1, &k, SC_TXN_SRV_PROCEEDING);
	cr_assert_eq(sc_txn_insert_missed(t, d), 0);
	cr_assert_eq(sc_txn_lookup(t, 0, &q), d);
	sc_txn_counters_sum(t, &c);
	cr_assert_eq(c.data_fallback, 3, "the new entry is on the fast path");
	sc_txn_table_free(t);
}

Test(table, insert_missed_race_one_wins)
{
	insert_missed_race();
}

/* The same race when the winner publishes with a second add (no key store probe). */
Test(table, insert_missed_race_one_wins_publish_by_add)
{
	publish_by_add = true;
	insert_missed_race();
}

Test(table, insert_missed_refuses_a_collision)
{
	struct sc_txn_table *t = mk_table("t_imcoll", 8, 1, const_digest, true);
	struct sc_txn_key ka, kb;
	struct sc_txn_rec *ra, *rb;
	struct sc_txn_counters c;

	raw_key(&ka, 30, 0, 1);
	raw_key(&kb, 30, 0, 2);
	ra = sc_txn_alloc(t, 0, &ka, SC_TXN_SRV_PROCEEDING);
	cr_assert_eq(sc_txn_insert_missed(t, ra), 0);
	rb = sc_txn_alloc(t, 0, &kb, SC_TXN_SRV_PROCEEDING);
	cr_assert_eq(sc_txn_insert_missed(t, rb), -EKEYREJECTED);
	sc_txn_free(t, rb);
	cr_assert_null(sc_txn_lookup(t, 0, &kb), "the colliding key never matches");
	cr_assert_eq(sc_txn_lookup(t, 0, &ka), ra, "the first key is still found");
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_collision, 1);
	cr_assert_eq(c.inserts, 1);
	sc_txn_table_free(t);
}

Test(table, record_area_bounds)
{
	struct sc_txn_table *t = mk_table("t_area", 4, 1, NULL, false);
	const struct sc_str br = { "z9hG4bKarea", 11 };
	static char big[1024];
	struct sc_txn_key k;
	struct sc_txn_rec *r;
	struct sc_txn_counters c;

	cr_assert_eq(sc_txn_key_client(&br, SC_METHOD_INVITE, NULL, &k), 0);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
	cr_assert_eq(sc_txn_rec_set_resp_hdr(t, r, big, SC_TXN_RESP_HDR_MAX + 1), -E2BIG);
	cr_assert_eq(sc_txn_rec_set_resp_hdr(t, r, big, SC_TXN_RESP_HDR_MAX), 0);
	cr_assert_eq(sc_txn_rec_set_resp_hdr(t, r, big, 10), -EBUSY);
	cr_assert_eq(sc_txn_rec_set_fwd(t, r, big, sizeof(r->area)), -E2BIG, "area full");
	cr_assert_eq(sc_txn_rec_set_fwd(t, r, big, sizeof(r->area) - r->area_used), 0,
		     "what is left of the area fits exactly");
	cr_assert_eq(sc_txn_rec_set_to_tag(r, big, SC_TXN_TO_TAG_MAX + 1), -E2BIG);
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_too_long, 2);
	sc_txn_free(t, r);
	cr_assert_eq(sc_txn_pool_free_count(t, 0), 4);
	cr_assert_leq(sizeof(struct sc_txn_rec), 1024);
	sc_txn_table_free(t);
}

/* An empty key is refused by alloc (E2BIG, counted), never stored. */
Test(table, alloc_refuses_an_empty_key)
{
	struct sc_txn_table *t = mk_table("t_empty", 4, 1, NULL, false);
	struct sc_txn_key k;
	struct sc_txn_counters c;

	num_key(&k, 0, 1);
	k.len = 0;
	k.tail_len = 0;
	k.hashed = 0;
	errno = 0;
	cr_assert_null(sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING));
	cr_assert_eq(errno, E2BIG);
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_too_long, 1);
	cr_assert_eq(sc_txn_pool_free_count(t, 0), 4);
	sc_txn_table_free(t);
}

/* A record never inserted: delete says -ENOENT and leaves it to sc_txn_free(). */
Test(table, delete_of_a_record_never_inserted_is_enoent)
{
	struct sc_txn_table *t = mk_table("t_delni", 4, 1, NULL, false);
	struct sc_txn_key k;
	struct sc_txn_rec *r;

	num_key(&k, 0, 1);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
	cr_assert_not_null(r);
	cr_assert_eq(sc_txn_delete(t, r), -ENOENT);
	cr_assert_eq(sc_txn_limbo_count(t, 0), 0);
	sc_txn_free(t, r);
	cr_assert_eq(sc_txn_pool_free_count(t, 0), 4);
	sc_txn_table_free(t);
}

/*
 * A record marked DEAD (its owner's sc_txn_delete() has begun, the hash entry is
 * not removed yet) is never returned by a lookup.
 */
Test(table, lookup_skips_a_record_marked_dead)
{
	struct sc_txn_table *t = mk_table("t_dead", 4, 1, NULL, false);
	struct sc_txn_key k;
	struct sc_txn_rec *r;
	uint32_t w;

	num_key(&k, 0, 7);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
	cr_assert_not_null(r);
	cr_assert_eq(sc_txn_insert(t, r), 0);
	cr_assert_eq(sc_txn_lookup(t, 0, &k), r);
	w = sc_txn_load_state(r);
	cr_assert(sc_txn_cas_state(r, &w, w | ((uint32_t)SC_TXN_F_DEAD << 8)));
	cr_assert_null(sc_txn_lookup(t, 0, &k), "a DEAD record must miss");
	w = sc_txn_load_state(r);
	cr_assert(sc_txn_cas_state(r, &w, w & ~((uint32_t)SC_TXN_F_DEAD << 8)));
	cr_assert_eq(sc_txn_delete(t, r), 0);
	sc_txn_table_free(t);
}

/* ---- capacity ------------------------------------------------------------------ */


Test(table, capacity_exhaustion_and_recovery)
{
	enum { CAP = 32 };
	struct sc_txn_table *t = mk_table("t_cap", CAP, 1, NULL, true);
	struct sc_txn_rec *recs[CAP];
	struct sc_txn_counters c;
	struct sc_txn_key k;
	unsigned i;

	for (i = 0; i < CAP; i++) {
		num_key(&k, 0, i);
		recs[i] = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
		cr_assert_not_null(recs[i], "record %u", i);
		cr_assert_eq(sc_txn_insert(t, recs[i]), 0);
	}
	num_key(&k, 0, 1000);
	errno = 0;
	cr_assert_null(sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING));
	cr_assert_eq(errno, ENOSPC);
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_full, 1);

	for (i = 0; i < 4; i++)
		cr_assert_eq(sc_txn_delete(t, recs[i]), 0);
	/* Deleted but not yet past a grace period: still not reusable. */
	cr_assert_eq(sc_txn_limbo_count(t, 0), 4);
	cr_assert_null(sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING));
	sc_txn_quiescent(t, 0);
	cr_assert_eq(sc_txn_limbo_count(t, 0), 0);
	cr_assert_eq(sc_txn_pool_free_count(t, 0), 4);
	for (i = 0; i < 4; i++) {
		struct sc_txn_rec *r;

		num_key(&k, 0, 1000 + i);
		r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
		cr_assert_not_null(r);
		cr_assert_eq(sc_txn_insert(t, r), 0);
		cr_assert_eq(sc_txn_lookup(t, 0, &k), r);
	}
	for (i = 4; i < CAP; i++) {
		num_key(&k, 0, i);
		cr_assert_eq(sc_txn_lookup(t, 0, &k), recs[i], "survivor %u", i);
	}
	sc_txn_counters_get(t, 0, &c);
	cr_assert_eq(c.insert_full, 2);
	cr_assert_eq(c.inserts, CAP + 4);
	cr_assert_eq(c.reclaimed, 4);

	/* An empty pool reclaims by itself once the grace period is over. */
	cr_assert_eq(sc_txn_delete(t, recs[4]), 0);
	rte_rcu_qsbr_quiescent(sc_txn_table_rcu(t), 0);
	num_key(&k, 0, 2000);
	cr_assert_not_null(sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING));
	sc_txn_table_free(t);
}

static void *
foreign_insert(void *arg)
{
	struct sc_txn_table *t = arg;
	const struct sc_str br = { "z9hG4bKforeign", 14 };
	struct sc_txn_key k;
	struct sc_txn_rec *r;
	intptr_t rc;

	sc_txn_key_client(&br, SC_METHOD_INVITE, NULL, &k);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
	rc = r == NULL ? -ENOMEM : sc_txn_insert(t, r);
	return (void *)rc;
}

/* rte_hash's multi-writer cache needs an lcore id: a plain pthread is refused. */
Test(table, insert_from_a_non_eal_thread_is_refused)
{
	struct sc_txn_table *t = mk_table("t_foreign", 4, 1, NULL, false);
	pthread_t th;
	void *rc;

	cr_assert_eq(pthread_create(&th, NULL, foreign_insert, t), 0);
	cr_assert_eq(pthread_join(th, &rc), 0);
	cr_assert_eq((intptr_t)rc, -EPERM);
	sc_txn_table_free(t);
}

/* A second registered reader that has not reported holds the grace period open. */
Test(table, grace_period_waits_for_every_reader)
{
	struct sc_txn_table_params p = {
		.name = "t_grace",
		.capacity_per_owner = 8,
		.owners = 1,
		.max_threads = 2,
		.socket_id = SOCKET_ID_ANY,
		.poison_on_free = true,
	};
	struct sc_txn_table *t = sc_txn_table_create(&p);
	struct sc_txn_key k;
	struct sc_txn_rec *r, *seen;

	cr_assert_not_null(t);
	cr_assert_eq(sc_txn_thread_register(t, 0), 0);
	cr_assert_eq(sc_txn_thread_register(t, 1), 0);
	num_key(&k, 0, 1);
	r = sc_txn_alloc(t, 0, &k, SC_TXN_CLI_CALLING);
	cr_assert_eq(sc_txn_insert(t, r), 0);
	seen = sc_txn_lookup(t, 1, &k);		/* reader 1 holds r */
	cr_assert_eq(seen, r);
	cr_assert_eq(sc_txn_delete(t, r), 0);
	sc_txn_quiescent(t, 0);
	sc_txn_quiescent(t, 0);
	cr_assert_eq(sc_txn_limbo_count(t, 0), 1, "reader 1 has not reported");
	cr_assert_eq(sc_txn_rec_key(seen)[0], k.buf[0], "not poisoned while held");
	cr_assert_eq(memcmp(sc_txn_rec_key(seen), k.buf, k.len), 0);
	sc_txn_quiescent(t, 1);
	sc_txn_quiescent(t, 0);
	cr_assert_eq(sc_txn_limbo_count(t, 0), 0);
	cr_assert_eq(sc_txn_pool_free_count(t, 0), 8);
	cr_assert_eq((unsigned char)r->area[0], 0x5c, "freed records are poisoned");
	sc_txn_table_free(t);
}

/* ---- two-lcore stress ------------------------------------------------------------ */

enum {
	ST_CAP = 2048,		/* per owner */
	ST_LIVE = 1024,		/* records an owner keeps in flight */
	ST_ITERS = 60000,
	ST_SHARED = 512,	/* keys both owners race to insert */
	ST_BURST = 16,
};

struct stress {
	struct sc_txn_table *t;
	unsigned lcores[2];
	uint64_t claims_487;		/* SEND_487 actions seen (atomic) */
	uint64_t claims_2xx;		/* TX_2XX SEND actions seen (atomic) */
	uint64_t finals_at_delete;	/* records deleted with FINAL_SENT (atomic) */
	uint64_t both_flags;		/* records with 2xx and CANCELLED (atomic) */
	uint64_t poison_seen;		/* readers that saw poison (atomic) */
	uint64_t wrong_rec;		/* own lookups that found another record */
	uint64_t errors;		/* unexpected return codes in a worker (atomic) */
	uint8_t shared_won[2][ST_SHARED];
	volatile int go;
};

struct live {
	struct sc_txn_rec *r;
	uint64_t n;
	bool got_2xx;
};

static bool
poisoned(const struct sc_txn_rec *r)
{
	const unsigned char *p = (const unsigned char *)r->area;

	return r->key_len == 0x5c5c || (p[0] == 0x5c && p[1] == 0x5c && p[2] == 0x5c);
}

static int
stress_worker(void *arg)
{
	struct stress *s = arg;
	struct sc_txn_table *t = s->t;
	unsigned me = rte_lcore_id() == s->lcores[0] ? 0 : 1;
	static __thread struct live live[ST_LIVE];
	struct sc_txn_key keys[ST_BURST];
	struct sc_txn_key *kp[ST_BURST];
	struct sc_txn_rec *out[ST_BURST];
	struct sc_txn_rec *want[ST_BURST];
	unsigned nlive = 0, i, it;
	uint64_t next_n = 0;

	while (!s->go)
		;
	for (i = 0; i < ST_BURST; i++)
		kp[i] = &keys[i];
	for (it = 0; it < ST_ITERS; it++) {
		unsigned op = (unsigned)(rte_rand() % 8);

		if (op < 3 && nlive < ST_LIVE) {
			struct sc_txn_key k;
			struct sc_txn_rec *r;

			num_key(&k, me, next_n);
			r = sc_txn_alloc(t, me, &k, SC_TXN_SRV_PROCEEDING);
			if (r == NULL)
				goto quiesce;	/* pool waiting for grace: fine */
			r->user[0] = next_n;
			/* A fresh key: never present, so the insert may skip the check. */
			if ((next_n % 2 == 0 ? sc_txn_insert_missed(t, r) : sc_txn_insert(t, r)) != 0) {
				__atomic_fetch_add(&s->wrong_rec, 1, __ATOMIC_RELAXED);
				sc_txn_free(t, r);
				goto quiesce;
			}
			live[nlive].r = r;
			live[nlive].n = next_n++;
			live[nlive].got_2xx = false;
			nlive++;
		} else if (op < 5 && nlive > 0) {
			/* Delete a random own record; settle who sent the final. */
			unsigned j = (unsigned)(rte_rand() % nlive);
			struct sc_txn_rec *r = live[j].r;
			unsigned fl;

			if (rte_rand() % 2 == 0 &&
			    (sc_txn_event(t, me, r, SC_TXN_EV_TX_2XX, NULL, NULL) & SC_TXN_A_SEND)) {
				__atomic_fetch_add(&s->claims_2xx, 1, __ATOMIC_RELAXED);
				live[j].got_2xx = true;
			}
			if (sc_txn_delete(t, r) != 0)
				__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
			fl = sc_txn_flags_of(sc_txn_load_state(r));
			if (fl & SC_TXN_F_FINAL_SENT)
				__atomic_fetch_add(&s->finals_at_delete, 1, __ATOMIC_RELAXED);
			if (live[j].got_2xx && (fl & SC_TXN_F_CANCELLED))
				__atomic_fetch_add(&s->both_flags, 1, __ATOMIC_RELAXED);
			live[j] = live[--nlive];
		} else if (op == 5) {
			/* Race the other owner for a shared key: exactly one may win. */
			unsigned j = (unsigned)(rte_rand() % ST_SHARED);
			struct sc_txn_key k;
			struct sc_txn_rec *r;
			int rc;

			num_key(&k, 9, j);
			r = sc_txn_alloc(t, me, &k, SC_TXN_SRV_PROCEEDING);
			if (r == NULL)
				goto quiesce;
			/* Half the time as the worker does: after a lookup that missed. */
			if (rte_rand() % 2 == 0 && sc_txn_lookup(t, me, &k) == NULL)
				rc = sc_txn_insert_missed(t, r);
			else
				rc = sc_txn_insert(t, r);
			if (rc == 0)
				s->shared_won[me][j]++;
			else
				sc_txn_free(t, r);
			if (rc != 0 && rc != -EEXIST)
				__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		} else {
			/* Bulk lookups: own live keys must hit, the other's may; CANCEL them. */
			unsigned n = ST_BURST;

			for (i = 0; i < n; i++) {
				if (i % 2 == 0 && nlive > 0) {
					unsigned j = (unsigned)(rte_rand() % nlive);

					num_key(&keys[i], me, live[j].n);
					want[i] = live[j].r;
				} else {
					num_key(&keys[i], 1 - me, rte_rand() % (next_n + 1));
					want[i] = NULL;
				}
			}
			sc_txn_lookup_bulk(t, me, kp, n, out);
			for (i = 0; i < n; i++) {
				struct sc_txn_rec *r = out[i];

				if (want[i] != NULL && r != want[i])
					__atomic_fetch_add(&s->wrong_rec, 1, __ATOMIC_RELAXED);
				if (r == NULL)
					continue;
				if (r->owner != me &&
				    (sc_txn_event(t, me, r, SC_TXN_EV_RX_CANCEL, NULL, NULL) &
				     SC_TXN_A_SEND_487))
					__atomic_fetch_add(&s->claims_487, 1, __ATOMIC_RELAXED);
			}
			/* Hold the records a while, then check none was freed under us. */
			for (i = 0; i < 200; i++)
				rte_pause();
			for (i = 0; i < n; i++)
				if (out[i] != NULL && (poisoned(out[i]) ||
				    memcmp(sc_txn_rec_key(out[i]), keys[i].buf, keys[i].len) != 0))
					__atomic_fetch_add(&s->poison_seen, 1, __ATOMIC_RELAXED);
		}
quiesce:
		sc_txn_quiescent(t, me);
	}
	/* Drain: delete what is left, then wait for every grace period. */
	while (nlive > 0) {
		struct sc_txn_rec *r = live[--nlive].r;

		if (sc_txn_delete(t, r) != 0)
			__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		if (sc_txn_flags_of(sc_txn_load_state(r)) & SC_TXN_F_FINAL_SENT)
			__atomic_fetch_add(&s->finals_at_delete, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static void
two_lcore_stress(void)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct sc_txn_counters c0, c1, sum;
	struct sc_txn_key k;
	unsigned worker, j, spins;

	cr_assert_not_null(s);
	cr_assert_geq(rte_lcore_count(), 2, "needs 2 lcores");
	s->t = mk_table("t_stress", ST_CAP, 2, NULL, true);
	s->lcores[0] = rte_get_main_lcore();
	worker = rte_get_next_lcore(s->lcores[0], 1, 0);
	s->lcores[1] = worker;
	cr_assert_eq(rte_eal_remote_launch(stress_worker, s, worker), 0);
	s->go = 1;
	stress_worker(s);
	cr_assert_eq(rte_eal_wait_lcore(worker), 0);

	/* The worker stopped: only the main thread reports from now on. */
	sc_txn_thread_unregister(s->t, 1);
	for (spins = 0; spins < 1000; spins++) {
		sc_txn_quiescent(s->t, 0);
		sc_txn_reclaim(s->t, 1);	/* owner 1 is idle: safe from here */
		if (sc_txn_limbo_count(s->t, 0) == 0 && sc_txn_limbo_count(s->t, 1) == 0)
			break;
	}
	cr_assert_eq(sc_txn_limbo_count(s->t, 0), 0);
	cr_assert_eq(sc_txn_limbo_count(s->t, 1), 0);

	/* Shared keys: exactly one owner won each key that was attempted. */
	for (j = 0; j < ST_SHARED; j++) {
		struct sc_txn_rec *r;

		cr_assert_leq(s->shared_won[0][j] + s->shared_won[1][j], 1, "shared key %u", j);
		num_key(&k, 9, j);
		r = sc_txn_lookup(s->t, 0, &k);
		cr_assert_eq(r != NULL, s->shared_won[0][j] + s->shared_won[1][j] == 1);
		if (r != NULL) {
			cr_assert_eq(r->owner, s->shared_won[0][j] ? 0 : 1);
			if (r->owner == 0)
				cr_assert_eq(sc_txn_delete(s->t, r), 0);
		}
	}
	/* Owner 1's leftovers: delete on its behalf now that it is idle (test only). */
	for (j = 0; j < ST_SHARED; j++) {
		struct sc_txn_rec *r;

		num_key(&k, 9, j);
		r = sc_txn_lookup(s->t, 0, &k);
		if (r != NULL)
			cr_assert_eq(sc_txn_delete(s->t, r), 0);
	}
	sc_txn_quiescent(s->t, 0);
	for (spins = 0; spins < 100 && (sc_txn_limbo_count(s->t, 0) != 0 ||
					sc_txn_limbo_count(s->t, 1) != 0); spins++) {
		sc_txn_quiescent(s->t, 0);
		sc_txn_reclaim(s->t, 1);
	}

	sc_txn_counters_get(s->t, 0, &c0);
	sc_txn_counters_get(s->t, 1, &c1);
	sc_txn_counters_sum(s->t, &sum);
	cr_log_info("stress: inserts %llu/%llu deletes %llu lookups %llu hits %llu dup %llu "
		    "487 %llu 2xx %llu cas_retries %llu",
		    (unsigned long long)c0.inserts, (unsigned long long)c1.inserts,
		    (unsigned long long)sum.deletes, (unsigned long long)sum.lookups,
		    (unsigned long long)sum.hits, (unsigned long long)sum.insert_duplicate,
		    (unsigned long long)s->claims_487, (unsigned long long)s->claims_2xx,
		    (unsigned long long)sum.cas_retries);

	/* Nothing lost: every record is back in its owner's pool. */
	cr_assert_eq(sc_txn_pool_free_count(s->t, 0), ST_CAP);
	cr_assert_eq(sc_txn_pool_free_count(s->t, 1), ST_CAP);
	cr_assert_eq(sum.inserts, sum.deletes);
	cr_assert_eq(sum.deletes, sum.reclaimed);
	cr_assert_gt(sum.inserts, 1000);
	cr_assert_gt(sum.hits, 1000);
	/* Nothing duplicated, nothing freed while in use, no false match. */
	cr_assert_eq(s->wrong_rec, 0);
	cr_assert_eq(s->errors, 0);
	cr_assert_eq(s->poison_seen, 0);
	cr_assert_eq(sum.digest_mismatch, 0);
	cr_assert_eq(sum.insert_collision, 0);
	/* Every final was claimed by exactly one side (9.2 race), never both. */
	cr_assert_eq(s->both_flags, 0);
	cr_assert_gt(s->claims_487, 0);
	cr_assert_eq(s->claims_487 + s->claims_2xx, s->finals_at_delete);
	sc_txn_table_free(s->t);
	free(s);
}

Test(table, two_lcore_stress)
{
	two_lcore_stress();
}

Test(table, two_lcore_stress_publish_by_add)
{
	publish_by_add = true;
	two_lcore_stress();
}

/* ---- extendable buckets (found by review) ------------------------------------------- */

/*
 * Every key gets the same rte_hash signature (the digest's first 4 bytes) and a
 * distinct rest: all keys share one primary and one secondary bucket, so beyond 16
 * keys they go to extendable buckets, as keys do in a loaded (or attacked) table.
 * With RW_CONCURRENCY_LF an ext bucket emptied by a delete goes back on rte_hash's
 * free list only in rte_hash_free_key_with_position(), i.e. in sc_txn_reclaim() of
 * the deleted record's owner, on that owner's lcore, after the grace period.
 */
#define EX_SIG	0x00050003u	/* primary bucket 3, secondary (3 ^ 5) = 6 */

static void
same_sig_digest(const void *buf, size_t len, uint8_t out[SC_TXN_DIGEST_LEN], void *ctx)
{
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	const uint8_t *p = buf;
	uint32_t sig = EX_SIG;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++) {
		h1 = (h1 ^ p[i]) * 0x100000001b3ULL;
		h2 = (h2 ^ p[i]) * 0x100000001b3ULL;
		h2 ^= h2 >> 29;
	}
	memcpy(out, &h1, 8);
	memcpy(out + 8, &h2, 8);
	memcpy(out, &sig, sizeof(sig));
}

enum {
	EX_CAP = 512,		/* per owner: 1024 entries, 128 buckets, 128 ext buckets */
	EX_BASE = 16,		/* fill the primary and the secondary bucket */
	EX_LIMBO = 8,		/* at most this many parked records per owner */
	EX_ITERS = 400000,
};

struct exrace {
	struct sc_txn_table *t;
	unsigned lcores[2];
	int force_me;		/* >= 0: run as that owner (serial control) */
	volatile int go;
	uint64_t hash_full;	/* inserts refused -ENOSPC */
	uint64_t missing;	/* own live key not found */
	uint64_t other;		/* other unexpected return codes */
};

static int
exrace_worker(void *arg)
{
	struct exrace *s = arg;
	struct sc_txn_table *t = s->t;
	unsigned me = s->force_me >= 0 ? (unsigned)s->force_me :
		      rte_lcore_id() == s->lcores[0] ? 0 : 1;
	struct sc_txn_key k, q;
	unsigned it, spins;

	while (!s->go)
		;
	for (it = 0; it < EX_ITERS; it++) {
		struct sc_txn_rec *r;
		int rc;

		num_key(&k, me, 1000000 + it);
		r = sc_txn_alloc(t, me, &k, SC_TXN_CLI_CALLING);
		if (r == NULL) {
			__atomic_fetch_add(&s->other, 1, __ATOMIC_RELAXED);
			goto quiesce;
		}
		rc = sc_txn_insert(t, r);
		if (rc != 0) {
			__atomic_fetch_add(rc == -ENOSPC ? &s->hash_full : &s->other, 1,
					   __ATOMIC_RELAXED);
			sc_txn_free(t, r);
			goto quiesce;
		}
		q = k;
		if (sc_txn_lookup(t, me, &q) != r)
			__atomic_fetch_add(&s->missing, 1, __ATOMIC_RELAXED);
		/* Alone in the chain's last ext bucket: this delete empties it. */
		if (sc_txn_delete(t, r) != 0)
			__atomic_fetch_add(&s->other, 1, __ATOMIC_RELAXED);
quiesce:
		/* Reclaim: rte_hash_free_key_with_position() recycles the ext bucket. */
		sc_txn_quiescent(t, me);
		if (s->force_me >= 0) {
			/* Serial control: the idle owner's thread reports too (same lcore). */
			sc_txn_quiescent(t, 1 - me);
			continue;
		}
		/* Few parked ext buckets: wait for the other owner's report if needed. */
		for (spins = 0; sc_txn_limbo_count(t, me) > EX_LIMBO && spins < 10000000; spins++) {
			rte_pause();
			sc_txn_quiescent(t, me);
		}
	}
	/* Keep reporting until the other owner is done too. */
	__atomic_fetch_add(&s->go, 1, __ATOMIC_RELAXED);
	while (s->force_me < 0 && s->go < 3)
		sc_txn_quiescent(t, me);
	return 0;
}

static void
exrace_run(bool concurrent)
{
	struct exrace *s = calloc(1, sizeof(*s));
	struct sc_txn_rec *base[EX_BASE];
	struct sc_txn_counters sum;
	struct sc_txn_key k;
	unsigned i, o, worker, spins, refused = 0;

	cr_assert_not_null(s);
	cr_assert_geq(rte_lcore_count(), 2, "needs 2 lcores");
	s->t = mk_table(concurrent ? "t_extrace" : "t_exserial", EX_CAP, 2, same_sig_digest,
			false);
	for (i = 0; i < EX_BASE; i++) {
		num_key(&k, 0, i);
		base[i] = sc_txn_alloc(s->t, 0, &k, SC_TXN_CLI_CALLING);
		cr_assert_eq(sc_txn_insert(s->t, base[i]), 0);
	}
	s->lcores[0] = rte_get_main_lcore();
	worker = rte_get_next_lcore(s->lcores[0], 1, 0);
	s->lcores[1] = worker;
	s->go = 1;
	if (concurrent) {
		s->force_me = -1;
		cr_assert_eq(rte_eal_remote_launch(exrace_worker, s, worker), 0);
		exrace_worker(s);
		cr_assert_eq(rte_eal_wait_lcore(worker), 0);
	} else {
		/* The same work, one owner after the other, on one lcore. */
		for (o = 0; o < 2; o++) {
			s->force_me = (int)o;
			exrace_worker(s);
		}
	}

	/* Quiet now: everything back, then every record must fit the chain again. */
	for (i = 0; i < EX_BASE; i++)
		cr_assert_eq(sc_txn_delete(s->t, base[i]), 0);
	for (spins = 0; spins < 100; spins++) {
		sc_txn_quiescent(s->t, 0);
		sc_txn_quiescent(s->t, 1);
	}
	cr_assert_eq(sc_txn_limbo_count(s->t, 0) + sc_txn_limbo_count(s->t, 1), 0);
	/* 2 * EX_CAP keys; the chain has room for 16 + 8 * 128 = 2 * EX_CAP + 16. */
	for (o = 0; o < 2; o++)
		for (i = 0; i < EX_CAP; i++) {
			struct sc_txn_rec *r;

			num_key(&k, o, 5000000 + i);
			r = sc_txn_alloc(s->t, o, &k, SC_TXN_CLI_CALLING);
			cr_assert_not_null(r);
			if (sc_txn_insert(s->t, r) != 0) {
				sc_txn_free(s->t, r);
				refused++;
			}
		}
	sc_txn_counters_sum(s->t, &sum);
	cr_log_info("ext buckets (%s): inserts %llu, refused in the loop %llu, missing %llu, "
		    "other %llu, refused at the end %u of %u",
		    concurrent ? "two lcores" : "serial", (unsigned long long)sum.inserts,
		    (unsigned long long)s->hash_full, (unsigned long long)s->missing,
		    (unsigned long long)s->other, refused, 2 * EX_CAP);
	cr_assert_eq(s->other, 0);
	cr_assert_eq(s->missing, 0);
	cr_assert_eq(s->hash_full, 0,
		     "inserts refused as 'hash full' with at most %u keys live and %u parked: "
		     "%llu (ext buckets lost)", EX_BASE + 2, 2 * (EX_LIMBO + 1),
		     (unsigned long long)s->hash_full);
	cr_assert_eq(refused, 0, "%u of %u records no longer fit an empty table", refused,
		     2 * EX_CAP);
	sc_txn_table_free(s->t);
	free(s);
}

/*
 * Two owners' reclaims at the same time, on two lcores (what every worker does).
 * rte_hash 22.11 recycles an emptied ext bucket with a single-producer enqueue:
 * without sc_txn's free_lock this lost buckets until inserts were refused.
 */
Test(table, two_owners_reclaim_ext_buckets_concurrently, .timeout = 240)
{
	exrace_run(true);
}

/* Control: the same inserts, deletes and reclaims, one owner at a time: no loss. */
Test(table, ext_buckets_reclaimed_serially, .timeout = 240)
{
	exrace_run(false);
}

/*
 * The default digest is seeded per table: the same key has another digest in
 * another table (so nobody can choose keys that share a bucket pair), and the
 * same one every time within a table.
 */
Test(table, default_digest_seeded_per_table)
{
	struct sc_txn_table *a = mk_table("t_seed_a", 64, 1, NULL, false);
	struct sc_txn_table *b = mk_table("t_seed_b", 64, 1, NULL, false);
	struct sc_txn_key k1, k2, k3;

	num_key(&k1, 0, 7);
	k2 = k1;
	k3 = k1;
	sc_txn_key_hash(a, &k1);
	sc_txn_key_hash(a, &k2);
	sc_txn_key_hash(b, &k3);
	cr_assert_eq(memcmp(k1.digest, k2.digest, SC_TXN_DIGEST_LEN), 0);
	cr_assert_neq(memcmp(k1.digest, k3.digest, SC_TXN_DIGEST_LEN), 0);
	sc_txn_table_free(a);
	sc_txn_table_free(b);
}

/*
 * A proxy record's To tag is replaced by whichever core relays a response while
 * other cores read it to repeat a response or check an ACK. Two writers: one writes
 * 40-octet tags of one lower-case letter, the next letter each time, the other
 * 48-octet tags of one upper-case letter. A reader must see a whole tag each time:
 * one letter throughout, at that writer's length (sc_txn_rec_update_to_tag and
 * sc_txn_rec_to_tag_copy).
 */
#define TAG_LOWER_LEN 40
#define TAG_UPPER_LEN SC_TXN_TO_TAG_MAX
#define TAG_READS 4000000
#define TAG_READ_SECONDS 20	/* bound, should one writer not be scheduled */

struct tag_writer {
	struct sc_txn_rec *rec;
	volatile bool stop;
	char first;		/* 'a' or 'A' */
	size_t len;
	unsigned long writes;
};

static void *
tag_writer(void *arg)
{
	struct tag_writer *w = arg;
	char tag[SC_TXN_TO_TAG_MAX];

	while (!w->stop) {
		memset(tag, w->first + (int)(w->writes % 26), w->len);
		cr_assert_eq(sc_txn_rec_update_to_tag(w->rec, tag, w->len), 0);
		__atomic_fetch_add(&w->writes, 1, __ATOMIC_RELAXED);
		/* With three threads on two CPUs, one writer may otherwise wait for a slice. */
		if (w->writes % 1024 == 0)
			sched_yield();
	}
	return NULL;
}

/* 'a' or 'A' when out[0..len) is one letter throughout at that writer's length, else 0. */
static char
whole_tag(const char *out, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++)
		if (out[i] != out[0])
			return 0;
	if (len == TAG_LOWER_LEN && out[0] >= 'a' && out[0] <= 'z')
		return 'a';
	if (len == TAG_UPPER_LEN && out[0] >= 'A' && out[0] <= 'Z')
		return 'A';
	return 0;
}

Test(table, to_tag_replaced_by_two_cores_is_never_read_torn, .timeout = 60)
{
	struct sc_txn_rec *rec = aligned_alloc(64, sizeof(*rec));
	struct tag_writer lo = { .first = 'a', .len = TAG_LOWER_LEN };
	struct tag_writer up = { .first = 'A', .len = TAG_UPPER_LEN };
	unsigned long seen_lo = 0, seen_up = 0, torn = 0, i;
	char out[SC_TXN_TO_TAG_MAX];
	time_t deadline;
	pthread_t tlo, tup;

	cr_assert_not_null(rec);
	memset(rec, 0, sizeof(*rec));
	lo.rec = up.rec = rec;
	cr_assert_eq(sc_txn_rec_to_tag_copy(rec, out), 0, "a fresh record has no tag");
	cr_assert_eq(sc_txn_rec_update_to_tag(rec, out, SC_TXN_TO_TAG_MAX + 1), -E2BIG);
	cr_assert_eq(pthread_create(&tlo, NULL, tag_writer, &lo), 0);
	cr_assert_eq(pthread_create(&tup, NULL, tag_writer, &up), 0);
	while (__atomic_load_n(&lo.writes, __ATOMIC_RELAXED) == 0 ||
	       __atomic_load_n(&up.writes, __ATOMIC_RELAXED) == 0)
		rte_pause();
	deadline = time(NULL) + TAG_READ_SECONDS;
	for (i = 0; i < TAG_READS || ((seen_lo == 0 || seen_up == 0) && time(NULL) < deadline);
	     i++) {
		switch (whole_tag(out, sc_txn_rec_to_tag_copy(rec, out))) {
		case 'a':
			seen_lo++;
			break;
		case 'A':
			seen_up++;
			break;
		default:
			torn++;
		}
	}
	lo.stop = up.stop = true;
	cr_assert_eq(pthread_join(tlo, NULL), 0);
	cr_assert_eq(pthread_join(tup, NULL), 0);
	cr_assert_eq(torn, 0, "%lu of %lu reads were not one whole tag", torn, i);
	/* The race was run: the reader saw both writers' tags. */
	cr_assert(seen_lo > 0 && seen_up > 0, "lower %lu, upper %lu", seen_lo, seen_up);
	cr_assert_eq(rec->to_tag_seq % 2, 0, "no writer left the lock taken");
	free(rec);
}
