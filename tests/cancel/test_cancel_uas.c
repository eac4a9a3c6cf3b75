/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UAS role (lib/cancel) with virtual time: every response the role sends is caught
 * by the sink, parsed again with sc_sip_parse and checked against RFC 3261 (8.2.6,
 * 9.2, 13.3.1.4, 15.1.2, 17.2.1, 17.2.3). Timers run on a real wheel driven by a
 * virtual clock in 1 ms steps, so retransmission times are checked exactly.
 * Each test ends by running the clock far ahead and checking every record is back
 * in its owner's pool (no leak), and no timer is left armed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_ring.h>

#include "cancel_env.h"

/*
 * Source of a request by path id: 198.18.0.77:(40000 + id); id 100: the sent-by.
 * Odd ids: NUL-terminated text, returns 0; even ids: returns the length and leaves
 * no NUL (a byte that must not be copied follows), the two conventions of
 * cfg.path_source.
 */
static int
path_source(const void *path_blob, char *ip, size_t cap, uint16_t *port)
{
	const char *s;
	size_t n;
	uint64_t id;

	memcpy(&id, path_blob, sizeof(id));
	s = id == 100 ? "198.18.0.1" : "198.18.0.77";
	n = strlen(s);
	*port = (uint16_t)(40000 + id);
	if (cap <= n)
		return -ENOSPC;
	memcpy(ip, s, n);
	if (id % 2 == 1) {
		ip[n] = '\0';
		return 0;
	}
	ip[n] = '!';
	return (int)n;
}

/* Past every UAS timer: ring timeout 180 s, H 32 s, I 5 s, dialog hold 32 s. */
const struct env_role env_role = {
	.tag = "cancel",
	.max_sent = 256,
	.settle_s = 400,
	.path_source = path_source,
	.path_local = NULL,
};

/* ---- messages ------------------------------------------------------------------ */

struct req {
	const char *method;		/* request line and CSeq method */
	const char *branch;		/* NULL: no branch param (RFC 2543) */
	const char *call_id;
	unsigned cseq;
	const char *from_tag;
	const char *to_tag;		/* NULL: none */
	const char *extra;		/* extra header lines */
	unsigned vias;			/* 1 or 2 */
	const char *version;		/* NULL: SIP/2.0 */
	const char *cseq_override;	/* whole CSeq value */
	bool no_rport;			/* top Via without ;rport */
};

static struct tmsg *
mk(const struct req *r)
{
	struct tmsg *m = calloc(1, sizeof(*m));
	char via1[160], via2[96] = "", totag[64] = "", cseq[64];

	cr_assert_not_null(m);
	snprintf(via1, sizeof(via1), "Via: SIP/2.0/UDP 198.18.0.1:5062%s%s%s\r\n",
		 r->branch != NULL ? ";branch=" : "", r->branch != NULL ? r->branch : "",
		 r->no_rport ? "" : ";rport");
	if (r->vias == 2)
		snprintf(via2, sizeof(via2),
			 "Via: SIP/2.0/UDP 198.18.7.7;branch=z9hG4bKupstream"
			 ";received=198.18.7.8\r\n");
	if (r->to_tag != NULL)
		snprintf(totag, sizeof(totag), ";tag=%s", r->to_tag);
	if (r->cseq_override != NULL)
		snprintf(cseq, sizeof(cseq), "%s", r->cseq_override);
	else
		snprintf(cseq, sizeof(cseq), "%u %s", r->cseq, r->method);
	m->len = (size_t)snprintf(m->buf, sizeof(m->buf),
		"%s sip:bob@198.18.0.2 %s\r\n"
		"%s%s"
		"Max-Forwards: 70\r\n"
		"From: \"Alice\" <sip:alice@198.18.0.1>;tag=%s\r\n"
		"To: <sip:bob@198.18.0.2>%s\r\n"
		"Call-ID: %s\r\n"
		"CSeq: %s\r\n"
		"%s"
		"Content-Length: 0\r\n\r\n",
		r->method, r->version != NULL ? r->version : "SIP/2.0", via1, via2,
		r->from_tag != NULL ? r->from_tag : "ft1", totag, r->call_id, cseq,
		r->extra != NULL ? r->extra : "");
	m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
	return m;
}

static uint8_t
feed(unsigned ctx, const struct req *r, uint64_t path)
{
	struct tmsg *m = mk(r);
	uint8_t v;

	burst(ctx, &m, 1, path, &v);
	free(m);
	return v;
}

/* Check a sent response against the request it answers (8.2.6.2). */
static void
check_resp(const struct sent *s, unsigned status, const struct req *r, const char *cseq_method)
{
	const struct sc_sip_msg *m = &s->msg;

	cr_assert_eq(m->kind, SC_SIP_RESPONSE, "not a response: %.*s", (int)s->len, s->buf);
	cr_assert_eq(m->status, status, "status %u, expected %u: %.*s", m->status, status,
		     (int)s->len, s->buf);
	cr_assert(str_is(&m->call_id, r->call_id), "Call-ID");
	cr_assert_eq(m->cseq, r->cseq, "CSeq number");
	cr_assert(str_is(&m->cseq_method_name, cseq_method), "CSeq method: %.*s",
		  (int)m->cseq_method_name.len, m->cseq_method_name.p);
	cr_assert(str_is(&m->from.tag, r->from_tag != NULL ? r->from_tag : "ft1"), "From tag");
	cr_assert_eq(m->via_count, r->vias == 2 ? 2 : 1, "Via count");
	if (r->branch != NULL)
		cr_assert(str_is(&m->vias[0].branch, r->branch), "top Via branch");
	cr_assert(str_is(&m->vias[0].host, "198.18.0.1"));
	cr_assert_eq(m->vias[0].port, 5062);
	if (!r->no_rport) {
		char port[16];

		/* RFC 3581 section 4: rport filled with the source port, received added. */
		snprintf(port, sizeof(port), "%u", (unsigned)(40000 + s->path));
		cr_assert(str_is(&m->vias[0].rport, port), "rport=%.*s, source port %s",
			  (int)m->vias[0].rport.len, m->vias[0].rport.p, port);
		cr_assert(str_is(&m->vias[0].received,
				 s->path == 100 ? "198.18.0.1" : "198.18.0.77"), "received");
	}
	if (r->vias == 2) {
		cr_assert(str_is(&m->vias[1].branch, "z9hG4bKupstream"), "2nd Via");
		cr_assert(str_is(&m->vias[1].received, "198.18.7.8"), "2nd Via received");
	}
	cr_assert_gt(m->to.tag.len, 0, "a UAS response carries a To tag (8.2.6.2)");
	if (r->to_tag != NULL)
		cr_assert(str_is(&m->to.tag, r->to_tag), "To tag of the request kept");
}

static const struct sent *
S(unsigned i)
{
	cr_assert_lt(i, E.nsent, "message %u not sent (only %u)", i, E.nsent);
	return &E.sent[i];
}

static void
same_tag(const struct sent *a, const struct sent *b)
{
	cr_assert(str_eq(&a->msg.to.tag, &b->msg.to.tag), "To tags differ: %.*s vs %.*s",
		  (int)a->msg.to.tag.len, a->msg.to.tag.p, (int)b->msg.to.tag.len,
		  b->msg.to.tag.p);
}

/* A copy of sent message i's To tag, for building an ACK or BYE. */
static char *
tag_of(unsigned i)
{
	const struct sc_str *t = &S(i)->msg.to.tag;
	char *s = malloc(t->len + 1U);

	memcpy(s, t->p, t->len);
	s[t->len] = '\0';
	return s;
}

static void
base_cfg(struct sc_cancel_cfg *c)
{
	sc_cancel_cfg_defaults(c);
	c->seed = 42;
	c->ring_delay_us = 1 * SEC;
}

#define INV(b, cid) { .method = "INVITE", .branch = (b), .call_id = (cid), .cseq = 1, \
		      .vias = 2 }
#define CAN(b, cid) { .method = "CANCEL", .branch = (b), .call_id = (cid), .cseq = 1, \
		      .vias = 1 }
#define ACK(b, cid) { .method = "ACK", .branch = (b), .call_id = (cid), .cseq = 1, \
		      .vias = 1 }

TestSuite(cancel, .timeout = 60);

/* ---- INVITE: 100, 180, ring timeout, Timer G/H ----------------------------------- */

Test(cancel, invite_100_then_180_after_ring_delay)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-a1", "call-a1@198.18.0.1");
	uint64_t t0;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	cr_assert_eq(feed(0, &inv, 7), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, 1, "only 100 at once");
	check_resp(S(0), 100, &inv, "INVITE");
	cr_assert_eq(S(0)->path, 7, "100 goes back along the request's path");
	run_to(t0 + SEC - MS);
	cr_assert_eq(E.nsent, 1, "no 180 before the ring delay");
	run_to(t0 + SEC);
	cr_assert_eq(E.nsent, 2);
	check_resp(S(1), 180, &inv, "INVITE");
	cr_assert_eq(S(1)->t_us, t0 + SEC, "180 exactly at the ring delay");
	cr_assert_eq(S(1)->path, 7, "180 along the stored path");
	same_tag(S(0), S(1));
	cr_assert_eq(CT(SC_CANCEL_C_TX_100), 1);
	cr_assert_eq(CT(SC_CANCEL_C_TX_180), 1);
	cr_assert_eq(CT(SC_CANCEL_C_RECORDS_CREATED), 1);
	/* Cancel it so the record ends. */
	{
		struct req can = CAN("z9hG4bK-a1", "call-a1@198.18.0.1");
		struct req ack = ACK("z9hG4bK-a1", "call-a1@198.18.0.1");
		char *tag;

		feed(0, &can, 8);
		tag = tag_of(0);
		ack.to_tag = tag;
		cr_assert_eq(feed(0, &ack, 7), SC_CANCEL_V_ABSORBED);
		free(tag);
	}
	env_down();
}

Test(cancel, ring_delay_zero_sends_180_right_after_100)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-rd0", "call-rd0");

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.ring_timeout_us = 3 * SEC;
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	cr_assert_eq(E.nsent, 2);
	check_resp(S(0), 100, &inv, "INVITE");
	check_resp(S(1), 180, &inv, "INVITE");
	same_tag(S(0), S(1));
	env_down();
}

/*
 * Ring timeout: no final configured, 480 at ring_timeout_us. Then Timer G doubles
 * from T1 to T2 (17.2.1): with T1 500 ms and T2 4 s the 480 goes again 0.5, 1.5,
 * 3.5, 7.5, 11.5, ... 31.5 s after the first, and Timer H (64*T1 = 32 s) ends it.
 */
Test(cancel, ring_timeout_480_timer_g_doubling_capped_at_t2_then_timer_h)
{
	static const uint64_t g_ms[] = { 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
					 27500, 31500 };
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-g1", "call-g1");
	uint64_t t0, tf;
	unsigned i;

	base_cfg(&cfg);
	cfg.ring_timeout_us = 10 * SEC;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 3);
	run_to(t0 + 10 * SEC);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 480, &inv, "INVITE");
	cr_assert_eq(S(2)->t_us, t0 + 10 * SEC);
	same_tag(S(0), S(2));
	cr_assert_eq(CT(SC_CANCEL_C_RING_TIMEOUT), 1);
	tf = S(2)->t_us;
	run_to(tf + 32 * SEC - MS);
	cr_assert_eq(E.nsent, 3 + 10, "%u retransmissions", E.nsent - 3);
	for (i = 0; i < 10; i++) {
		const struct sent *s = S(3 + i);

		check_resp(s, 480, &inv, "INVITE");
		same_tag(S(0), s);
		cr_assert_eq(s->t_us - tf, g_ms[i] * MS, "retransmission %u at %" PRIu64 " ms", i,
			     (s->t_us - tf) / MS);
		cr_assert_eq(memcmp(s->buf, S(2)->buf, s->len), 0, "same bytes");
	}
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 0);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1);
	run_to(tf + 32 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 1, "Timer H at 64*T1");
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_G_RETRANS), 10);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0, "Timer H frees the record");
	run_for(10 * SEC);
	cr_assert_eq(E.nsent, 13, "nothing after Timer H");
	/* The ACK that comes too late matches nothing: dropped, counted. */
	{
		struct req ack = ACK("z9hG4bK-g1", "call-g1");
		char *tag = tag_of(0);

		ack.to_tag = tag;
		cr_assert_eq(feed(0, &ack, 3), SC_CANCEL_V_DROPPED);
		cr_assert_eq(C(0, SC_CANCEL_C_DROP_ACK_NO_MATCH), 1);
		free(tag);
	}
	env_down();
}

/* ---- CANCEL (9.2) ------------------------------------------------------------------ */

static void
check_cancel_pair(unsigned i200, unsigned i487, const struct req *inv, const struct req *can,
		  unsigned first)
{
	check_resp(S(i200), 200, can, "CANCEL");
	check_resp(S(i487), 487, inv, "INVITE");
	same_tag(S(first), S(i200));
	same_tag(S(first), S(i487));
}

Test(cancel, cancel_after_180_gets_200_then_487_and_ack_stops_timer_g)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-c1", "call-c1");
	struct req can = CAN("z9hG4bK-c1", "call-c1");
	struct req ack = ACK("z9hG4bK-c1", "call-c1");
	uint64_t t0, tc;
	char *tag;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	run_to(t0 + 2 * SEC);
	cr_assert_eq(E.nsent, 2);
	tc = E.vc.now_us;
	cr_assert_eq(feed(0, &can, 2), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, 4, "200 to CANCEL and 487 to INVITE");
	check_cancel_pair(2, 3, &inv, &can, 0);
	cr_assert_eq(S(2)->path, 2, "200 goes where the CANCEL came from");
	cr_assert_eq(S(3)->path, 1, "487 goes where the INVITE came from");
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_MATCHED), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_487), 1);
	/* Timer G: first retransmission of the 487 at T1, second at 3*T1. */
	run_to(tc + 2 * SEC);
	cr_assert_eq(E.nsent, 6);
	check_resp(S(4), 487, &inv, "INVITE");
	cr_assert_eq(S(4)->t_us - tc, 500 * MS);
	cr_assert_eq(S(5)->t_us - tc, 1500 * MS);
	/* ACK (17.2.1): Confirmed, no more 487; never answered. */
	tag = tag_of(3);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(E.nsent, 6, "ACK is never answered");
	run_for(4 * SEC);
	cr_assert_eq(E.nsent, 6, "ACK stops Timer G");
	/*
	 * Timer I absorbs a late ACK. The INVITE was cancelled, so the record also
	 * serves the CANCEL's own transaction: Timer J, 64*T1 = 32 s (17.2.2), not
	 * T4 = 5 s; then it is freed.
	 */
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_ABSORBED), 2);
	run_for(1 * SEC);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1, "freed at T4, not 64*T1");
	run_for(27 * SEC - 10 * MS);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1);
	run_for(20 * MS);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_I_EXPIRED), 1);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_DROPPED,
		     "after Timer I the ACK matches nothing");
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 0);
	cr_assert_eq(E.nsent, 6);
	free(tag);
	env_down();
}

Test(cancel, cancel_before_180_no_180_ever)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-c2", "call-c2");
	struct req can = CAN("z9hG4bK-c2", "call-c2");
	uint64_t t0;
	unsigned i;

	base_cfg(&cfg);
	cfg.ring_delay_us = 2 * SEC;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	run_to(t0 + 500 * MS);
	feed(0, &can, 1);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(0), 100, &inv, "INVITE");
	check_cancel_pair(1, 2, &inv, &can, 0);
	run_to(t0 + 40 * SEC);
	for (i = 3; i < E.nsent; i++)
		cr_assert_eq(S(i)->msg.status, 487, "only 487 retransmissions, got %u",
			     S(i)->msg.status);
	cr_assert_eq(CT(SC_CANCEL_C_TX_180), 0, "no 180 after the final");
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 1, "no ACK: Timer H");
	env_down();
}

Test(cancel, cancel_after_final_gets_200_only)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-c3", "call-c3");
	struct req can = CAN("z9hG4bK-c3", "call-c3");
	uint64_t t0;

	base_cfg(&cfg);
	cfg.final_code = 486;
	cfg.final_delay_us = 1500 * MS;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	run_to(t0 + 1500 * MS);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 486, &inv, "INVITE");
	cr_assert_eq(S(2)->t_us, t0 + 1500 * MS);
	same_tag(S(0), S(2));
	run_to(t0 + 1600 * MS);
	feed(0, &can, 2);
	cr_assert_eq(E.nsent, 4, "only the 200, no 487");
	check_resp(S(3), 200, &can, "CANCEL");
	same_tag(S(0), S(3));
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_AFTER_FINAL), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_487), 0);
	/* The 486 keeps being retransmitted (its Timer G started at 1.5 s). */
	run_to(t0 + 2 * SEC);
	cr_assert_eq(E.nsent, 5);
	check_resp(S(4), 486, &inv, "INVITE");
	env_down();
}

Test(cancel, unmatched_cancel_gets_481)
{
	struct sc_cancel_cfg cfg;
	struct req can = CAN("z9hG4bK-nomatch", "call-none");
	struct req can_req = CAN("z9hG4bK-nomatch2", "call-none2");

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	cr_assert_eq(feed(0, &can, 4), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, 1);
	check_resp(S(0), 481, &can, "CANCEL");
	cr_assert_eq(S(0)->path, 4);
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_UNMATCHED), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 0, "no record for a 481");
	/* CANCEL never gets 420 (9.2: it carries no Require; 8.2.2.3). */
	can_req.extra = "Require: foo\r\n";
	feed(0, &can_req, 4);
	check_resp(S(1), 481, &can_req, "CANCEL");
	env_down();
}

Test(cancel, retransmitted_cancel_gets_the_same_200_and_one_487)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-c4", "call-c4");
	struct req can = CAN("z9hG4bK-c4", "call-c4");

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	run_for(1 * SEC);
	feed(0, &can, 2);
	run_for(100 * MS);
	feed(0, &can, 2);
	cr_assert_eq(E.nsent, 5);
	check_cancel_pair(2, 3, &inv, &can, 0);
	check_resp(S(4), 200, &can, "CANCEL");
	cr_assert_eq(S(4)->len, S(2)->len);
	cr_assert_eq(memcmp(S(4)->buf, S(2)->buf, S(2)->len), 0, "same 200 again");
	cr_assert_eq(CT(SC_CANCEL_C_TX_487), 1, "one 487");
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_RETRANS), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_MATCHED), 1);
	env_down();
}

Test(cancel, retransmitted_invite_gets_last_response_not_a_new_transaction)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-r1", "call-r1");
	struct req can = CAN("z9hG4bK-r1", "call-r1");

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	run_for(200 * MS);
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, 2);
	check_resp(S(1), 100, &inv, "INVITE");
	same_tag(S(0), S(1));
	run_for(1 * SEC);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 180, &inv, "INVITE");
	feed(0, &inv, 1);
	check_resp(S(3), 180, &inv, "INVITE");
	same_tag(S(0), S(3));
	feed(0, &can, 1);
	check_resp(S(5), 487, &inv, "INVITE");
	feed(0, &inv, 1);
	cr_assert_eq(E.nsent, 7);
	check_resp(S(6), 487, &inv, "INVITE");
	same_tag(S(0), S(6));
	cr_assert_eq(C(0, SC_CANCEL_C_INVITE_RETRANS), 3);
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 1, "one transaction");
	cr_assert_eq(C(0, SC_CANCEL_C_TX_100), 2);
	env_down();
}

/* Max-Forwards 0 at a UAS: processed normally (RFC 4475 3.3.11 / 16.3 is for proxies). */
Test(cancel, max_forwards_zero_invite_is_processed)
{
	struct sc_cancel_cfg cfg;
	struct tmsg *m;
	struct req inv = INV("z9hG4bK-mf0", "call-mf0");
	struct req can = CAN("z9hG4bK-mf0", "call-mf0");
	char *p;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	m = mk(&inv);
	p = strstr(m->buf, "Max-Forwards: 70");
	cr_assert_not_null(p);
	memcpy(p, "Max-Forwards: 00", 16);
	m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
	cr_assert_gt(m->rc, 0);
	cr_assert_eq(m->msg.max_forwards, 0);
	burst(0, &m, 1, 1, NULL);
	check_resp(S(0), 100, &inv, "INVITE");
	feed(0, &can, 1);
	free(m);
	env_down();
}

/* ---- RFC 2543 (no magic cookie, 17.2.3) ------------------------------------------- */

Test(cancel, rfc2543_invite_cancel_ack_matching)
{
	struct sc_cancel_cfg cfg;
	struct req inv = { .method = "INVITE", .branch = NULL, .call_id = "call-2543",
			   .cseq = 5, .vias = 2 };
	struct req inv_b = { .method = "INVITE", .branch = "1234abcd", .call_id = "call-2543b",
			     .cseq = 5, .vias = 1 };
	struct req can = { .method = "CANCEL", .branch = NULL, .call_id = "call-2543",
			   .cseq = 5, .vias = 2 };
	struct req can_b = { .method = "CANCEL", .branch = "1234abcd",
			     .call_id = "call-2543b", .cseq = 5, .vias = 1 };
	struct req ack = { .method = "ACK", .branch = NULL, .call_id = "call-2543", .cseq = 5,
			   .vias = 2 };
	char *tag;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	feed(0, &inv_b, 1);
	cr_assert_eq(E.nsent, 2);
	/* A retransmission (same fields) matches the transaction. */
	feed(0, &inv, 1);
	cr_assert_eq(C(0, SC_CANCEL_C_INVITE_RETRANS), 1);
	feed(0, &can, 1);
	cr_assert_eq(E.nsent, 5);
	check_cancel_pair(3, 4, &inv, &can, 0);
	feed(0, &can_b, 1);
	cr_assert_eq(E.nsent, 7);
	check_cancel_pair(5, 6, &inv_b, &can_b, 1);
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_MATCHED), 2);
	/* ACK with a To tag other than ours does not match (17.2.3). */
	ack.to_tag = "not-our-tag";
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_DROPPED);
	cr_assert_eq(C(0, SC_CANCEL_C_DROP_ACK_NO_MATCH), 1);
	tag = tag_of(4);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_ABSORBED), 1);
	run_for(2 * SEC);
	for (unsigned i = 7; i < E.nsent; i++)
		cr_assert(str_is(&S(i)->msg.call_id, "call-2543b"),
			  "the ACKed 487 is not retransmitted");
	free(tag);
	env_down();
}

/* ---- table full ------------------------------------------------------------------- */

Test(cancel, table_full_503_with_retry_after_then_recovery)
{
	struct sc_cancel_cfg cfg;
	struct req inv[3] = { INV("z9hG4bK-f1", "call-f1"), INV("z9hG4bK-f2", "call-f2"),
			      INV("z9hG4bK-f3", "call-f3") };
	struct req can = CAN("z9hG4bK-f1", "call-f1");
	const char *p;

	base_cfg(&cfg);
	cfg.retry_after_s = 17;
	env_up(&cfg, 2);
	feed(0, &inv[0], 1);
	feed(0, &inv[1], 1);
	cr_assert_eq(E.nsent, 2);
	feed(0, &inv[2], 1);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 503, &inv[2], "INVITE");
	p = strstr(S(2)->buf, "\r\nRetry-After: 17\r\n");
	cr_assert_not_null(p, "Retry-After: %.*s", (int)S(2)->len, S(2)->buf);
	cr_assert_eq(C(0, SC_CANCEL_C_TABLE_FULL), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_503), 1);
	/* Free one: CANCEL, no ACK, Timer H after 32 s; then the grace period. */
	feed(0, &can, 1);
	run_for(33 * SEC);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1);
	E.nsent = 0;
	feed(0, &inv[2], 1);
	cr_assert_eq(E.nsent, 1);
	check_resp(S(0), 100, &inv[2], "INVITE");
	env_down();
}

/* ---- other methods ---------------------------------------------------------------- */

Test(cancel, options_200_with_allow)
{
	struct sc_cancel_cfg cfg;
	struct req opt = { .method = "OPTIONS", .branch = "z9hG4bK-o1", .call_id = "call-o1",
			   .cseq = 9, .vias = 2 };

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	cr_assert_eq(feed(0, &opt, 1), SC_CANCEL_V_RESPONDED);
	check_resp(S(0), 200, &opt, "OPTIONS");
	cr_assert_not_null(strstr(S(0)->buf, "\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"));
	feed(0, &opt, 1);
	cr_assert_eq(memcmp(S(1)->buf, S(0)->buf, S(0)->len), 0,
		     "a retransmission gets the same response");
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 0);
	env_down();
}

struct method_case {
	const char *method;
	const char *extra;
	unsigned status;
	const char *must_have;
};

Test(cancel, method_and_require_rejections_405_501_420)
{
	static const struct method_case cases[] = {
		{ "REGISTER", NULL, 405, "\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n" },
		{ "SUBSCRIBE", NULL, 405, "\r\nAllow: " },
		{ "PRACK", NULL, 405, "\r\nAllow: " },
		{ "FOOBAR", NULL, 501, NULL },
		{ "NEWMETHOD", "Require: foo\r\n", 501, NULL },	/* 8.2.1 before 8.2.2 */
		{ "INVITE", "Require: foo, bar\r\n", 420, "\r\nUnsupported: foo, bar\r\n" },
		{ "OPTIONS", "Require: 100rel\r\n", 420, "\r\nUnsupported: 100rel\r\n" },
		{ "BYE", "Require: timer\r\n", 420, "\r\nUnsupported: timer\r\n" },
		/* Ten tags on two lines, one folded: all ten listed (the parse keeps 8). */
		{ "INVITE", "Require: t1, t2, t3, t4, t5, t6\r\nRequire: t7,t8,t9,\r\n t10\r\n",
		  420, "\r\nUnsupported: t1, t2, t3, t4, t5, t6, t7, t8, t9, t10\r\n" },
		{ "BYE", NULL, 481, NULL },	/* 15.1.2: no such dialog */
	};
	struct sc_cancel_cfg cfg;
	unsigned i;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cid[32];
		struct req r = { .method = cases[i].method, .branch = "z9hG4bK-m",
				 .call_id = cid, .cseq = 3, .vias = 2, .extra = cases[i].extra,
				 .to_tag = strcmp(cases[i].method, "BYE") == 0 ? "t9" : NULL };

		snprintf(cid, sizeof(cid), "call-m%u", i);
		E.nsent = 0;
		cr_assert_eq(feed(0, &r, 1), SC_CANCEL_V_RESPONDED, "case %u", i);
		cr_assert_eq(E.nsent, 1, "case %u", i);
		check_resp(S(0), cases[i].status, &r, cases[i].method);
		if (cases[i].must_have != NULL)
			cr_assert_not_null(strstr(S(0)->buf, cases[i].must_have), "case %u: %s",
					   i, S(0)->buf);
	}
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 0, "rejected INVITE made no record");
	cr_assert_eq(C(0, SC_CANCEL_C_TX_420), 4);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_405), 3);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_501), 2);
	env_down();
}

/* An INVITE with a To tag we do not know: a dialog we do not have (12.2.2). */
Test(cancel, invite_with_unknown_to_tag_gets_481)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-reinv", "call-reinv");

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	inv.to_tag = "nosuch";
	feed(0, &inv, 1);
	cr_assert_eq(E.nsent, 1);
	check_resp(S(0), 481, &inv, "INVITE");
	env_down();
}

/* ---- malformed and unroutable ------------------------------------------------------- */

Test(cancel, malformed_requests_400_505_or_counted_drop)
{
	struct sc_cancel_cfg cfg;
	struct req bad_ver = INV("z9hG4bK-v", "call-v");
	struct req bad_cseq = INV("z9hG4bK-cs", "call-cs");
	struct req bad_ack = { .method = "ACK", .branch = "z9hG4bK-ba", .call_id = "call-ba",
			       .vias = 1, .cseq_override = "x ACK" };
	struct tmsg *m;
	uint8_t v;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	bad_ver.version = "SIP/7.0";
	m = mk(&bad_ver);
	cr_assert_lt(m->rc, 0);
	burst(0, &m, 1, 1, &v);
	cr_assert_eq(v, SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, 1);
	cr_assert_eq(S(0)->msg.status, 505);
	cr_assert(str_is(&S(0)->msg.call_id, "call-v"));
	free(m);

	bad_cseq.cseq_override = "1 BYE";	/* CSeq method differs from the method */
	m = mk(&bad_cseq);
	cr_assert_lt(m->rc, 0);
	burst(0, &m, 1, 1, &v);
	cr_assert_eq(E.nsent, 2);
	cr_assert_eq(S(1)->msg.status, 400);
	cr_assert(str_is(&S(1)->msg.vias[0].branch, "z9hG4bK-cs"));
	free(m);

	/* A malformed ACK is never answered. */
	m = mk(&bad_ack);
	cr_assert_lt(m->rc, 0);
	burst(0, &m, 1, 1, &v);
	cr_assert_eq(v, SC_CANCEL_V_DROPPED);
	cr_assert_eq(E.nsent, 2);
	free(m);

	/* No Via: nowhere to send a response (18.2.2). */
	m = calloc(1, sizeof(*m));
	m->len = (size_t)snprintf(m->buf, sizeof(m->buf),
				  "INVITE sip:bob@198.18.0.2 SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\n"
				  "To: <sip:bob@198.18.0.2>\r\nCall-ID: nv\r\nCSeq: 1 INVITE\r\n"
				  "Content-Length: 0\r\n\r\n");
	m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
	burst(0, &m, 1, 1, &v);
	cr_assert_eq(v, SC_CANCEL_V_DROPPED);
	cr_assert_eq(E.nsent, 2);
	cr_assert_eq(C(0, SC_CANCEL_C_DROP_UNROUTABLE), 1);
	free(m);

	/* Responses are not ours: dropped, counted. */
	m = calloc(1, sizeof(*m));
	m->len = (size_t)snprintf(m->buf, sizeof(m->buf),
				  "SIP/2.0 180 Ringing\r\n"
				  "Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKx\r\n"
				  "From: <sip:a@b>;tag=1\r\nTo: <sip:bob@c>;tag=2\r\n"
				  "Call-ID: r1\r\n"
				  "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
	cr_assert_gt(m->rc, 0);
	burst(0, &m, 1, 1, &v);
	cr_assert_eq(v, SC_CANCEL_V_DROPPED);
	cr_assert_eq(C(0, SC_CANCEL_C_DROP_RESPONSE), 1);
	free(m);

	/* Garbage: no answer. */
	m = calloc(1, sizeof(*m));
	m->len = (size_t)snprintf(m->buf, sizeof(m->buf), "hello world\r\n\r\n");
	m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
	cr_assert_lt(m->rc, 0);
	burst(0, &m, 1, 1, &v);
	cr_assert_eq(v, SC_CANCEL_V_DROPPED);
	cr_assert_eq(E.nsent, 2);
	free(m);
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 0);
	env_down();
}

/* ---- bursts ------------------------------------------------------------------------- */

Test(cancel, invite_and_cancel_in_one_burst)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-b1", "call-b1");
	struct req can = CAN("z9hG4bK-b1", "call-b1");
	struct req inv2 = INV("z9hG4bK-b2", "call-b2");
	struct tmsg *m[4];
	uint8_t v[4];

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	env_up(&cfg, CAP);
	m[0] = mk(&inv);
	m[1] = mk(&inv);	/* retransmission inside the burst */
	m[2] = mk(&can);
	m[3] = mk(&inv2);
	burst(0, m, 4, 1, v);
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 2);
	cr_assert_eq(C(0, SC_CANCEL_C_INVITE_RETRANS), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_MATCHED), 1, "CANCEL right behind its INVITE matches");
	check_resp(S(0), 100, &inv, "INVITE");
	check_resp(S(1), 180, &inv, "INVITE");
	check_resp(S(2), 180, &inv, "INVITE");
	check_cancel_pair(3, 4, &inv, &can, 0);
	check_resp(S(5), 100, &inv2, "INVITE");
	for (unsigned i = 0; i < 4; i++)
		free(m[i]);
	m[0] = mk(&can);
	m[1] = mk(&(struct req)CAN("z9hG4bK-b2", "call-b2"));
	burst(0, m, 2, 1, NULL);
	free(m[0]);
	free(m[1]);
	env_down();
}

/*
 * A burst only looks a missed key up again when this core inserted a record under
 * its digest earlier in the burst: every CANCEL and ACK behind its own INVITE still
 * matches (RFC 3261 and 2543 keys), an unmatched CANCEL still gets 481, an INVITE
 * retransmission is not a new transaction, and an ACK with a To tag that matches
 * its INVITE transaction (17.2.3) is absorbed without a dialog.
 */
Test(cancel, calls_interleaved_in_one_burst)
{
	struct sc_cancel_cfg cfg;
	struct req ia = INV("z9hG4bK-i1", "call-i1"), ib = INV("z9hG4bK-i2", "call-i2");
	struct req ic = { .method = "INVITE", .branch = NULL, .call_id = "call-i3", .cseq = 4,
			  .vias = 2 };
	struct req cc = { .method = "CANCEL", .branch = NULL, .call_id = "call-i3", .cseq = 4,
			  .vias = 2 };
	struct req ca = CAN("z9hG4bK-i1", "call-i1"), cd = CAN("z9hG4bK-i4", "call-i4");
	struct req aa = ACK("z9hG4bK-i1", "call-i1");
	struct req *seq[] = { &ia, &ib, &ic, &ib, &cc, &ca, &cd, &aa, &aa };
	static const uint8_t want[] = {
		SC_CANCEL_V_RESPONDED, SC_CANCEL_V_RESPONDED, SC_CANCEL_V_RESPONDED,
		SC_CANCEL_V_RESPONDED, SC_CANCEL_V_RESPONDED, SC_CANCEL_V_RESPONDED,
		SC_CANCEL_V_RESPONDED, SC_CANCEL_V_ABSORBED, SC_CANCEL_V_ABSORBED,
	};
	struct tmsg *m[9];
	uint8_t v[9];
	unsigned i;

	aa.to_tag = "any-tag";	/* 3261 ACK: the branch decides, the To tag does not */
	base_cfg(&cfg);
	env_up(&cfg, CAP);
	for (i = 0; i < 9; i++)
		m[i] = mk(seq[i]);
	burst(0, m, 9, 1, v);
	for (i = 0; i < 9; i++)
		cr_assert_eq(v[i], want[i], "message %u verdict %u", i, v[i]);
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 3);
	cr_assert_eq(C(0, SC_CANCEL_C_INVITE_RETRANS), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_MATCHED), 2);
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_UNMATCHED), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_487), 2);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_ABSORBED), 2);
	cr_assert_eq(C(0, SC_CANCEL_C_DROP_ACK_NO_MATCH), 0);
	/* 100 x3, 100 again (retransmission), 200+487 x2 for c and a, 481 for d. */
	cr_assert_eq(E.nsent, 9);
	check_resp(S(3), 100, &ib, "INVITE");
	check_cancel_pair(4, 5, &ic, &cc, 2);
	check_cancel_pair(6, 7, &ia, &ca, 0);
	check_resp(S(8), 481, &cd, "CANCEL");
	/* a is Confirmed (no Timer G), c is not: only c's 487 is retransmitted. */
	run_for(2 * SEC);
	cr_assert_gt(E.nsent, 9);
	for (i = 9; i < E.nsent; i++)
		cr_assert(str_is(&S(i)->msg.call_id, "call-i3") ||
			  str_is(&S(i)->msg.call_id, "call-i2"), "message %u", i);
	for (i = 0; i < 9; i++)
		free(m[i]);
	env_down();
}

/* ---- two cores ----------------------------------------------------------------------- */

/*
 * Ringing at once (ring delay 0): a CANCEL on another core that lands between the
 * INVITE's 100 and its 180 takes the final (9.2): 200 and 487 from that core, and no
 * 180 from the owner after them; the owner runs Timer G for the 487 (17.2.1).
 */
static struct tmsg *race_cancel;

static void
cancel_after_100(const struct sent *s)
{
	struct tmsg *m = race_cancel;

	if (m == NULL || s->ctx != 0 || s->msg.status != 100)
		return;
	race_cancel = NULL;
	cr_assert_eq(handle(1, m, 2, 0), SC_CANCEL_V_RESPONDED);
}

Test(cancel, cancel_between_100_and_180_on_another_core)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-r18", "call-r18");
	struct req can = CAN("z9hG4bK-r18", "call-r18");
	struct req ack = ACK("z9hG4bK-r18", "call-r18");
	struct tmsg *cm;
	unsigned i;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	env_up(&cfg, CAP);
	cm = mk(&can);
	race_cancel = cm;
	E.after_send = cancel_after_100;
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	E.after_send = NULL;
	cr_assert_null(race_cancel, "the CANCEL ran");
	cr_assert_eq(E.nsent, 3, "100, then 200 and 487 from the other core: no 180");
	check_resp(S(0), 100, &inv, "INVITE");
	cr_assert_eq(S(1)->ctx, 1);
	check_cancel_pair(1, 2, &inv, &can, 0);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_180) + C(1, SC_CANCEL_C_TX_180), 0);
	cr_assert_eq(C(1, SC_CANCEL_C_CANCEL_MATCHED), 1);
	/* The owner's Timer G repeats the 487 at T1 until the ACK. */
	run_for(600 * MS);
	cr_assert_eq(E.nsent, 4);
	check_resp(S(3), 487, &inv, "INVITE");
	cr_assert_eq(S(3)->ctx, 0);
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	run_for(5 * SEC);
	cr_assert_eq(E.nsent, 4);
	for (i = 0; i < E.nsent; i++)
		cr_assert_neq(S(i)->msg.status, 180, "message %u", i);
	free(cm);
	env_down();
}

/* The same INVITE alone: 100, then 180 at once, on the owner. */
Test(cancel, ring_now_180_follows_the_100)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-r19", "call-r19");

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	env_up(&cfg, CAP);
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, 2);
	check_resp(S(0), 100, &inv, "INVITE");
	check_resp(S(1), 180, &inv, "INVITE");
	same_tag(S(0), S(1));
	/* A retransmission gets the 180 again (17.2.1: the last provisional). */
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	check_resp(S(2), 180, &inv, "INVITE");
	env_down();
}

Test(cancel, cross_core_cancel_one_487_owner_runs_timers)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-x1", "call-x1");
	struct req can = CAN("z9hG4bK-x1", "call-x1");
	struct req ack = ACK("z9hG4bK-x1", "call-x1");
	uint64_t tc;
	char *tag;

	base_cfg(&cfg);
	cfg.final_code = 486;
	cfg.final_delay_us = 3 * SEC;
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	run_for(1 * SEC);
	cr_assert_eq(E.nsent, 2);
	/* The CANCEL lands on core 1: it wins the CAS and sends 200 + 487 itself. */
	tc = E.vc.now_us;
	feed(1, &can, 2);
	poll_all();
	cr_assert_eq(E.nsent, 4);
	check_cancel_pair(2, 3, &inv, &can, 0);
	cr_assert_eq(S(2)->ctx, 1);
	cr_assert_eq(S(3)->ctx, 1);
	cr_assert_eq(S(3)->path, 1, "487 along the record's path");
	cr_assert_eq(C(1, SC_CANCEL_C_RING_POSTED), 1, "core 1 asks the owner");
	/* A retransmitted INVITE on core 1 gets the 487 too, from the shared record. */
	feed(1, &inv, 1);
	check_resp(S(4), 487, &inv, "INVITE");
	/* The owner drains its ring and runs Timer G; its final timer (486) lost the CAS. */
	run_to(tc + 4 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_RING_DRAINED), 1);
	cr_assert_eq(CT(SC_CANCEL_C_TX_486), 0, "exactly one final: the 487");
	cr_assert_geq(C(0, SC_CANCEL_C_TIMER_G_RETRANS), 2);
	for (unsigned i = 5; i < E.nsent; i++) {
		check_resp(S(i), 487, &inv, "INVITE");
		cr_assert_eq(S(i)->ctx, 0, "Timer G runs on the owner");
		same_tag(S(0), S(i));
	}
	cr_assert_eq(S(5)->t_us - tc, 500 * MS);
	/* ACK on core 1 too: CAS to Confirmed, the owner cancels G and runs Timer I. */
	tag = tag_of(0);
	ack.to_tag = tag;
	cr_assert_eq(feed(1, &ack, 1), SC_CANCEL_V_ABSORBED);
	unsigned n = E.nsent;

	/* Cancelled: the record lasts the CANCEL's Timer J, 64*T1 (17.2.2). */
	run_for(64 * 500 * MS - 100 * MS);
	cr_assert_eq(E.nsent, n, "no Timer G after the ACK");
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1);
	run_for(200 * MS);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_I_EXPIRED), 1);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	cr_assert_eq(CT(SC_CANCEL_C_TX_487), 1 + 1 + C(0, SC_CANCEL_C_TIMER_G_RETRANS));
	cr_assert_eq(sc_cancel_live_records(E.ctx[1]), 0, "core 1 owns nothing");
	free(tag);
	env_down();
}

/* ---- 2xx (13.3.1.4) and BYE (15.1.2) -------------------------------------------------- */
/*
 * A UAS whose TU answers `code` after `delay`: inv fed on core 0 and the run taken
 * to its final (100, 180, final sent). Returns when the final was sent.
 */
static uint64_t
call_to_final(const struct req *inv, unsigned code, uint64_t delay)
{
	struct sc_cancel_cfg cfg;
	uint64_t t0;

	base_cfg(&cfg);
	cfg.final_code = code;
	cfg.final_delay_us = delay;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, inv, 1);
	run_to(t0 + delay);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), code, inv, "INVITE");
	return S(2)->t_us;
}


Test(cancel, answer_200_retransmitted_until_ack_then_bye)
{
	struct req inv = INV("z9hG4bK-ok1", "call-ok1");
	struct req can = CAN("z9hG4bK-ok1", "call-ok1");
	struct req ack = ACK("z9hG4bK-newbranch", "call-ok1");
	struct req bye = { .method = "BYE", .branch = "z9hG4bK-bye", .call_id = "call-ok1",
			   .cseq = 2, .vias = 1 };
	uint64_t ta;
	char *tag;

	ta = call_to_final(&inv, 200, 2 * SEC);
	same_tag(S(0), S(2));
	cr_assert_not_null(strstr(S(2)->buf, "\r\nContact: <sip:bob@198.18.0.2>\r\n"),
			   "12.1.1: a 2xx to INVITE carries Contact");
	/* 13.3.1.4: the 2xx again at T1, 3*T1, 7*T1 ... while no ACK. */
	run_to(ta + 3600 * MS);
	cr_assert_eq(E.nsent, 6);
	cr_assert_eq(S(3)->t_us - ta, 500 * MS);
	cr_assert_eq(S(4)->t_us - ta, 1500 * MS);
	cr_assert_eq(S(5)->t_us - ta, 3500 * MS);
	check_resp(S(5), 200, &inv, "INVITE");
	cr_assert_not_null(strstr(S(5)->buf, "\r\nContact: <sip:bob@198.18.0.2>\r\n"),
			   "retransmitted 2xx carries Contact too");
	cr_assert_null(strstr(S(0)->buf, "Contact:"), "Contact only on the 2xx");
	/* CANCEL after the 2xx: 200, no effect (9.2). INVITE retransmission: the 2xx again. */
	feed(0, &can, 1);
	check_resp(S(6), 200, &can, "CANCEL");
	feed(0, &inv, 1);
	check_resp(S(7), 200, &inv, "INVITE");
	cr_assert_not_null(strstr(S(7)->buf, "\r\nContact: "));
	cr_assert_null(strstr(S(6)->buf, "Contact:"), "not on the 200 to CANCEL");
	cr_assert_eq(C(0, SC_CANCEL_C_TX_487), 0);
	/* The ACK for the 2xx has a new branch (17.1.1.3): matched by dialog. */
	tag = tag_of(2);
	ack.to_tag = tag;
	ack.cseq = 7;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_DROPPED, "ACK with another CSeq: no match");
	ack.cseq = 1;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_2XX), 1);
	unsigned n = E.nsent;

	run_for(10 * SEC);
	cr_assert_eq(E.nsent, n, "the ACK stops the 2xx retransmissions");
	/* BYE in the dialog: 200; again: 200; in an unknown dialog: 481. */
	bye.to_tag = tag;
	cr_assert_eq(feed(0, &bye, 5), SC_CANCEL_V_RESPONDED);
	check_resp(S(n), 200, &bye, "BYE");
	cr_assert_eq(S(n)->path, 5);
	feed(0, &bye, 5);
	check_resp(S(n + 1), 200, &bye, "BYE");
	cr_assert_eq(C(0, SC_CANCEL_C_BYE_MATCHED), 1);
	bye.call_id = "call-other";
	feed(0, &bye, 5);
	check_resp(S(n + 2), 481, &bye, "BYE");
	cr_assert_eq(C(0, SC_CANCEL_C_BYE_UNMATCHED), 1);
	free(tag);
	env_down();
}

/*
 * An ACK for the 2xx that reuses the INVITE's branch (an old or sloppy UAC) hits the
 * INVITE record, Terminated after the 2xx (17.2.1), and is matched to the dialog by
 * its To tag (13.2.2.4): looked up only then, not in the chunk's bulk lookup. In a
 * burst behind an ACK of the same dialog with a new branch, it is absorbed as a
 * repeat. A To tag of no dialog: no match.
 */
Test(cancel, ack_for_2xx_on_the_invite_branch_matches_the_dialog)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-rb1", "call-rb1");
	struct req ack = ACK("z9hG4bK-rb1", "call-rb1");
	struct req ack2 = ACK("z9hG4bK-rb1-new", "call-rb1");
	struct tmsg *m[2];
	uint8_t v[2];
	unsigned n;
	char *tag;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.final_code = 200;
	cfg.final_delay_us = 1 * SEC;
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	run_for(1 * SEC);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 200, &inv, "INVITE");
	tag = tag_of(2);
	ack.to_tag = "no-such-dialog";
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_DROPPED);
	cr_assert_eq(C(0, SC_CANCEL_C_DROP_ACK_NO_MATCH), 1);
	ack.to_tag = tag;
	ack2.to_tag = tag;
	m[0] = mk(&ack2);
	m[1] = mk(&ack);
	burst(0, m, 2, 1, v);
	cr_assert_eq(v[0], SC_CANCEL_V_ABSORBED);
	cr_assert_eq(v[1], SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_2XX), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_ABSORBED), 1, "the second ACK is a repeat");
	cr_assert_eq(C(0, SC_CANCEL_C_DROP_ACK_NO_MATCH), 1);
	free(m[0]);
	free(m[1]);
	n = E.nsent;
	run_for(10 * SEC);
	cr_assert_eq(E.nsent, n, "the ACK stops the 2xx retransmissions");
	free(tag);
	env_down();
}

/* The same ACK alone, on the INVITE's branch, ends the 2xx retransmissions. */
Test(cancel, ack_for_2xx_on_the_invite_branch_alone)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-rb2", "call-rb2");
	struct req ack = ACK("z9hG4bK-rb2", "call-rb2");
	unsigned n;
	char *tag;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.final_code = 200;
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 200, &inv, "INVITE");
	tag = tag_of(2);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_2XX), 1);
	n = E.nsent;
	run_for(10 * SEC);
	cr_assert_eq(E.nsent, n, "the ACK stops the 2xx retransmissions");
	free(tag);
	env_down();
}

Test(cancel, answer_200_without_ack_gives_up_after_64_t1)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-ok2", "call-ok2");
	uint64_t ta;
	unsigned i, retr = 0;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.final_code = 200;
	cfg.final_delay_us = 0;
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	cr_assert_eq(E.nsent, 3, "100, 180, 200 at once");
	check_resp(S(2), 200, &inv, "INVITE");
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 2, "INVITE and dialog records");
	ta = S(2)->t_us;
	run_to(ta + 32 * SEC);
	for (i = 3; i < E.nsent; i++) {
		check_resp(S(i), 200, &inv, "INVITE");
		retr++;
	}
	cr_assert_eq(retr, 10, "same schedule as Timer G");
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_2XX_GIVEUP), 1);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	env_down();
}

/*
 * The post to the owner is lost (ring full): the owner's own timers re-read the
 * state word and catch up, so the 487 is still retransmitted and the record freed.
 */
Test(cancel, cross_core_cancel_lost_post_owner_catches_up)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-lp", "call-lp");
	struct req can = CAN("z9hG4bK-lp", "call-lp");
	uint64_t t0;
	unsigned i;

	base_cfg(&cfg);
	cfg.ring_delay_us = 2 * SEC;
	cfg.ring_timeout_us = 0;	/* rings forever: only the watchdog is armed */
	lose_posts_next = true;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	feed(1, &can, 2);
	cr_assert_eq(E.nsent, 3);
	check_cancel_pair(1, 2, &inv, &can, 0);
	cr_assert_eq(C(1, SC_CANCEL_C_RING_FULL), 1);
	/* The 180 timer fires at 2 s, sees Completed: no 180, Timer G/H armed. */
	run_to(t0 + 2 * SEC + 500 * MS);
	cr_assert_eq(E.nsent, 4);
	check_resp(S(3), 487, &inv, "INVITE");
	cr_assert_eq(S(3)->t_us - t0, 2500 * MS);
	cr_assert_eq(CT(SC_CANCEL_C_TX_180), 0);
	run_to(t0 + 40 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 1);
	for (i = 3; i < E.nsent; i++)
		cr_assert_eq(S(i)->msg.status, 487);
	env_down();
}

Test(cancel, cross_core_cancel_lost_post_ring_forever_watchdog)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-wd", "call-wd");
	struct req can = CAN("z9hG4bK-wd", "call-wd");
	uint64_t t0;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.ring_timeout_us = 0;
	lose_posts_next = true;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	feed(1, &can, 2);
	cr_assert_eq(E.nsent, 4);
	/* Nothing armed but the 64*T1 watchdog: it arms Timer G/H at 32 s. */
	run_to(t0 + 32 * SEC + 500 * MS);
	cr_assert_eq(E.nsent, 5);
	check_resp(S(4), 487, &inv, "INVITE");
	run_to(t0 + 70 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 1);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	env_down();
}

/* ---- two threads, real clock: exactly one final per INVITE ---------------------------- */

#include <pthread.h>
#include <sched.h>
#include <time.h>

#define ST_CALLS	500
#define ST_MAXMSG	(ST_CALLS * 24)

struct st_out {
	uint32_t n;
	uint32_t call[ST_MAXMSG];
	uint16_t status[ST_MAXMSG];
	uint8_t cancel[ST_MAXMSG];	/* CSeq method CANCEL */
	char last_tag[40];		/* To tag of the last 200 to a CANCEL */
	unsigned bad;			/* messages that did not parse */
};

struct st_env {
	struct sc_txn_table *table;
	struct sc_cancel_ctx *ctx[NCTX];
	struct sc_timer_wheel *wheel[NCTX];
	struct rte_ring *ring[NCTX];
	struct st_out out[NCTX];
	struct sc_clock clock;
	uint32_t invited;		/* calls whose INVITE thread 0 handled */
	uint32_t b_done;
	uint32_t b_progress;		/* calls thread 1 has finished */
	uint64_t seed;
};

static uint64_t
st_now_us(const struct sc_clock *clk)
{
	struct timespec ts;

	(void)clk;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
st_sink(void *sink_ctx, const void *path, const char *msg, uint32_t len)
{
	struct st_out *o = sink_ctx;
	struct sc_sip_msg m;
	unsigned k;

	(void)path;
	if (sc_sip_parse(msg, len, &m) <= 0 || m.call_id.len < 4 || o->n >= ST_MAXMSG) {
		o->bad++;
		return 0;
	}
	k = (unsigned)strtoul(m.call_id.p + 3, NULL, 10);
	o->call[o->n] = k;
	o->status[o->n] = m.status;
	o->cancel[o->n] = m.cseq_method == SC_METHOD_CANCEL;
	o->n++;
	if (m.cseq_method == SC_METHOD_CANCEL && m.to.tag.len < sizeof(o->last_tag)) {
		memcpy(o->last_tag, m.to.tag.p, m.to.tag.len);
		o->last_tag[m.to.tag.len] = '\0';
	}
	return 0;
}

static void
st_feed(struct st_env *st, unsigned ctx, const struct req *r)
{
	struct tmsg *m = mk(r);
	struct sc_cancel_in in = { &m->msg, m->rc, &in, 0 };

	sc_cancel_handle_burst(st->ctx[ctx], &in, 1);
	free(m);
}

static void
st_spin(struct st_env *st, unsigned ctx, uint64_t us)
{
	uint64_t end = st_now_us(NULL) + us;

	do {
		sc_cancel_poll(st->ctx[ctx]);
		sc_txn_quiescent(st->table, ctx);
	} while (st_now_us(NULL) < end);
}

/* Thread 1: a CANCEL for every call at a random moment around the final, then ACK. */
static void *
st_thread_b(void *arg)
{
	struct st_env *st = arg;
	uint64_t rng = st->seed;
	unsigned k;

	for (k = 0; k < ST_CALLS; k++) {
		char cid[32];
		struct req can = { .method = "CANCEL", .branch = cid, .call_id = cid, .cseq = 1,
				   .vias = 1 };
		struct req ack = ACK(cid, cid);

		while (__atomic_load_n(&st->invited, __ATOMIC_ACQUIRE) <= k) {
			st_spin(st, 1, 0);
			sched_yield();
		}
		snprintf(cid, sizeof(cid), "st-%u", k);
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		st_spin(st, 1, (rng >> 33) % 2000);
		st_feed(st, 1, &can);
		ack.to_tag = st->out[1].last_tag;
		st_feed(st, 1, &ack);
		sc_txn_quiescent(st->table, 1);
		__atomic_store_n(&st->b_progress, k + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&st->b_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(cancel, two_threads_cancel_races_final_exactly_one_final_per_call, .timeout = 120)
{
	struct sc_txn_table_params p = { 0 };
	struct sc_cancel_cfg cfg;
	struct st_env *st = calloc(1, sizeof(*st));
	uint8_t *finals = calloc(ST_CALLS, 1);
	pthread_t tb;
	char name[64];
	unsigned i, k, won = 0;
	uint64_t deadline;

	cr_assert_not_null(st);
	eal_once();
	st->clock.now_us = st_now_us;
	st->seed = 12345;
	snprintf(name, sizeof(name), "cancel_st_%d", (int)getpid());
	p.name = name;
	p.capacity_per_owner = 4096;
	p.owners = NCTX;
	p.max_threads = NCTX;
	p.socket_id = SOCKET_ID_ANY;
	st->table = sc_txn_table_create(&p);
	cr_assert_not_null(st->table);
	sc_cancel_cfg_defaults(&cfg);
	cfg.t1_us = 1000;
	cfg.t2_us = 4000;
	cfg.t4_us = 5000;
	cfg.ring_delay_us = 0;
	cfg.final_code = 486;
	cfg.final_delay_us = 1000;
	cfg.path_len = PATH_LEN;
	cfg.seed = 9;
	for (i = 0; i < NCTX; i++) {
		struct sc_cancel_sink sink = { st_sink, &st->out[i] };

		cr_assert_eq(sc_txn_thread_register(st->table, i), 0);
		snprintf(name, sizeof(name), "st%u_%d", i, (int)getpid());
		st->ring[i] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
		st->wheel[i] = sc_timer_wheel_create(100, st_now_us(NULL));
		cr_assert(st->ring[i] != NULL && st->wheel[i] != NULL);
		st->ctx[i] = sc_cancel_ctx_create(&cfg, st->table, st->wheel[i], &st->clock, i,
						  st->ring, NCTX, &sink);
		cr_assert_not_null(st->ctx[i]);
	}
	cr_assert_eq(pthread_create(&tb, NULL, st_thread_b, st), 0);
	/* Thread 0 (this one, an EAL lcore): every INVITE, and all the timers. */
	for (k = 0; k < ST_CALLS; k++) {
		char cid[32];
		struct req inv = { .method = "INVITE", .branch = cid, .call_id = cid, .cseq = 1,
				   .vias = 1 };

		snprintf(cid, sizeof(cid), "st-%u", k);
		st_feed(st, 0, &inv);
		__atomic_store_n(&st->invited, k + 1, __ATOMIC_RELEASE);
		/* Lockstep, so every CANCEL lands near its INVITE's final timer. */
		while (__atomic_load_n(&st->b_progress, __ATOMIC_ACQUIRE) <= k) {
			st_spin(st, 0, 0);
			sched_yield();
		}
	}
	deadline = st_now_us(NULL) + 60 * SEC;
	while ((__atomic_load_n(&st->b_done, __ATOMIC_ACQUIRE) == 0 ||
		sc_cancel_live_records(st->ctx[0]) != 0) && st_now_us(NULL) < deadline)
		st_spin(st, 0, 1000);
	pthread_join(tb, NULL);
	st_spin(st, 0, 2000);
	st_spin(st, 1, 0);
	st_spin(st, 0, 0);

	cr_assert_eq(st->out[0].bad + st->out[1].bad, 0);
	/* First final per call, from either core: 486 (final timer) or 487 (CANCEL). */
	for (i = 0; i < NCTX; i++) {
		const struct st_out *o = &st->out[i];

		for (unsigned j = 0; j < o->n; j++) {
			uint8_t f = o->status[j] == 486 ? 1 : o->status[j] == 487 ? 2 : 0;

			cr_assert_lt(o->call[j], ST_CALLS);
			if (f == 0 || o->cancel[j])
				continue;
			cr_assert(finals[o->call[j]] == 0 || finals[o->call[j]] == f,
				  "call %u got both 486 and 487", o->call[j]);
			finals[o->call[j]] = f;
		}
	}
	for (k = 0; k < ST_CALLS; k++) {
		cr_assert_neq(finals[k], 0, "call %u got no final", k);
		won += finals[k] == 2;
	}
	cr_assert_eq(won, sc_cancel_counters(st->ctx[1])->v[SC_CANCEL_C_CANCEL_MATCHED],
		     "calls with a 487 = CANCELs that won the CAS");
	/* Core 1 sends only first 487s (the owner runs Timer G): one per won CANCEL. */
	{
		unsigned n487 = 0;

		for (unsigned j = 0; j < st->out[1].n; j++)
			n487 += st->out[1].status[j] == 487;
		cr_assert_eq(n487, won, "%u 487s from core 1 for %u won CANCELs", n487, won);
	}
	cr_assert_gt(won, 0, "the race never went the CANCEL's way: test proves nothing");
	cr_assert_lt(won, ST_CALLS, "the race never went the final's way");
	cr_assert_eq(sc_cancel_counters(st->ctx[1])->v[SC_CANCEL_C_CANCEL_MATCHED] +
		     sc_cancel_counters(st->ctx[1])->v[SC_CANCEL_C_CANCEL_AFTER_FINAL], ST_CALLS);
	cr_assert_eq(sc_cancel_live_records(st->ctx[0]), 0, "records leaked");
	cr_assert_eq(sc_cancel_counters(st->ctx[1])->v[SC_CANCEL_C_RECORDS_CREATED], 0);
	for (i = 0; i < NCTX; i++) {
		sc_txn_quiescent(st->table, i);
		cr_assert_eq(sc_txn_pool_free_count(st->table, i), 4096, "owner %u pool", i);
		sc_cancel_ctx_free(st->ctx[i]);
		sc_timer_wheel_free(st->wheel[i]);
		rte_ring_free(st->ring[i]);
		sc_txn_thread_unregister(st->table, i);
	}
	cr_log_info("calls %u: CANCEL won %u, after final %u", ST_CALLS, won, ST_CALLS - won);
	sc_txn_table_free(st->table);
	free(finals);
	free(st);
}

/* ---- RFC 4475 torture messages at a UAS ------------------------------------------------ */

struct torture {
	const char *file;
	unsigned status;	/* first response; 0: dropped, nothing sent */
	unsigned alt;		/* also acceptable (RFC 4475 allows either) */
};

Test(cancel, rfc4475_corpus_at_a_uas)
{
	static const struct torture cases[] = {
		{ "wsinv.dat", 481, 0 },	/* 3.1.1.1 well-formed; To tag, no such dialog */
		{ "intmeth.dat", 501, 0 },	/* 3.1.1.2 unknown method at an endpoint */
		{ "esc01.dat", 100, 0 },
		{ "escnull.dat", 405, 0 },	/* REGISTER: we are no registrar */
		{ "lwsdisp.dat", 200, 0 },
		{ "longreq.dat", 100, 513 },	/* 34 Vias: 513 if the record cannot hold them */
		{ "dblreq.dat", 405, 0 },
		{ "mpart01.dat", 405, 0 },
		{ "unreason.dat", 0, 0 },	/* a response: never answered */
		{ "badinv01.dat", 400, 0 },
		{ "clerr.dat", 400, 0 },
		{ "ncl.dat", 400, 0 },
		{ "scalar02.dat", 400, 0 },
		{ "quotbal.dat", 400, 0 },
		{ "ltgtruri.dat", 400, 0 },
		{ "lwsruri.dat", 400, 0 },
		{ "badvers.dat", 505, 0 },
		{ "mismatch01.dat", 400, 0 },
		{ "bigcode.dat", 0, 0 },
		{ "badbranch.dat", 200, 400 },	/* 3.2.1: 2543 matching or 400 */
		{ "insuf.dat", 400, 0 },
		{ "inv2543.dat", 100, 0 },	/* 3.4.1 */
		{ "multi01.dat", 400, 0 },
		{ "mcl01.dat", 400, 0 },
		{ "zeromf.dat", 200, 0 },	/* 3.3.11: endpoint ignores Max-Forwards 0 */
		{ "bext01.dat", 420, 0 },	/* 3.3.5 */
	};
	struct sc_cancel_cfg cfg;
	unsigned i;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512];
		struct tmsg *m = calloc(1, sizeof(*m));
		FILE *f;
		unsigned before = E.nsent;

		E.allow_unparsable = true;
		snprintf(path, sizeof(path), "%s/rfc4475/%s", SC_TEST_DATA, cases[i].file);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "%s", path);
		m->len = fread(m->buf, 1, sizeof(m->buf), f);
		fclose(f);
		m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
		burst(0, &m, 1, i, NULL);
		if (cases[i].status == 0) {
			cr_assert_eq(E.nsent, before, "%s: answered", cases[i].file);
		} else {
			unsigned st = 0;

			cr_assert_gt(E.nsent, before, "%s: no answer", cases[i].file);
			cr_assert_eq(sscanf(S(before)->buf, "SIP/2.0 %u ", &st), 1);
			cr_assert(st == cases[i].status ||
				  (cases[i].alt != 0 && st == cases[i].alt), "%s: %u",
				  cases[i].file, st);
			cr_log_info("%s: %u", cases[i].file, st);
			/*
			 * Only a 400 echoing the request's own defect may not parse: quotbal's
			 * broken To, insuf's missing To/From/Call-ID (the UAC still matches it
			 * by Via branch and CSeq, 17.1.3).
			 */
			cr_assert(S(before)->rc > 0 || strcmp(cases[i].file, "quotbal.dat") == 0 ||
				  strcmp(cases[i].file, "insuf.dat") == 0,
				  "%s: our response does not parse", cases[i].file);
			cr_assert_eq(S(before)->path, i);
		}
		if (strcmp(cases[i].file, "longreq.dat") == 0 && C(0, SC_CANCEL_C_TX_513) != 0)
			cr_assert_eq(C(0, SC_CANCEL_C_INSERT_FAIL), 1);
		if (cases[i].status == 420)
			cr_assert_not_null(strstr(S(before)->buf, "\r\nUnsupported: "));
		free(m);
	}
	env_down();
}

/* 18.2.1: received only when the sent-by host is not the source; RFC 3581 rport. */
Test(cancel, top_via_received_and_rport)
{
	struct sc_cancel_cfg cfg;
	struct req opt = { .method = "OPTIONS", .branch = "z9hG4bK-v1", .call_id = "call-v1",
			   .cseq = 1, .vias = 2, .no_rport = true };
	const struct sc_sip_via *v;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	/* No rport, sent-by 198.18.0.1 but the source is 198.18.0.77: received added. */
	feed(0, &opt, 3);
	v = &S(0)->msg.vias[0];
	cr_assert(str_is(&v->received, "198.18.0.77"));
	cr_assert_not(v->has_rport);
	cr_assert(str_is(&S(0)->msg.vias[1].branch, "z9hG4bKupstream"), "2nd Via untouched");
	cr_assert_null(strstr(S(0)->buf, "z9hG4bKupstream;received=198.18.0.77"));
	/* No rport, the source is the sent-by host: the Via is copied unchanged. */
	feed(0, &opt, 100);
	v = &S(1)->msg.vias[0];
	cr_assert_eq(v->received.len, 0);
	cr_assert_not_null(strstr(S(1)->buf,
				  "\r\nVia: SIP/2.0/UDP 198.18.0.1:5062;branch=z9hG4bK-v1\r\n"));
	/* rport: filled and received added even when equal to the sent-by (RFC 3581). */
	opt.no_rport = false;
	feed(0, &opt, 100);
	cr_assert_not_null(strstr(S(2)->buf,
				  "\r\nVia: SIP/2.0/UDP 198.18.0.1:5062;branch=z9hG4bK-v1"
				  ";rport=40100;received=198.18.0.1\r\n"), "%s", S(2)->buf);
	env_down();
}

/* ---- API -------------------------------------------------------------------------------- */

Test(cancel, create_validates_cfg_and_counter_names_are_unique)
{
	struct sc_cancel_cfg cfg, bad;
	struct sc_cancel_sink sink = { sink_send, &E.sinkc[0] };
	unsigned i, j;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	bad = cfg;
	bad.t2_us = bad.t1_us - 1;
	errno = 0;
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	cr_assert_eq(errno, EINVAL);
	bad = cfg;
	bad.final_code = 180;		/* a final must be >= 200 */
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	bad = cfg;
	bad.ring_timeout_code = 200;	/* the ring timeout ends the call: 3xx-6xx */
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	bad = cfg;
	bad.path_len = SC_TXN_REPLY_PATH_LEN + 1;
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	bad = cfg;
	bad.role = SC_CANCEL_ROLE_PROXY;
	errno = 0;
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	cr_assert_eq(errno, ENOTSUP, "proxy role: issue 5");
	for (i = 0; i < SC_CANCEL_C_COUNT; i++) {
		cr_assert_not_null(sc_cancel_counter_name(i));
		for (j = 0; j < i; j++)
			cr_assert_str_neq(sc_cancel_counter_name(i), sc_cancel_counter_name(j));
	}
	cr_assert_null(sc_cancel_counter_name(SC_CANCEL_C_COUNT));
	env_down();
}

/* 2xx on core 0; INVITE retransmission, ACK and BYE all land on core 1. */
Test(cancel, cross_core_2xx_ack_and_bye)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-xo", "call-xo");
	struct req ack = ACK("z9hG4bK-xo-ack", "call-xo");
	struct req bye = { .method = "BYE", .branch = "z9hG4bK-xo-bye", .call_id = "call-xo",
			   .cseq = 2, .vias = 1 };
	uint64_t t0;
	unsigned n;
	char *tag;

	base_cfg(&cfg);
	cfg.final_code = 200;
	cfg.final_delay_us = 1500 * MS;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	/* Proceeding: a retransmission on core 1 gets the last provisional, 100. */
	feed(1, &inv, 1);
	check_resp(S(1), 100, &inv, "INVITE");
	cr_assert_eq(S(1)->ctx, 1);
	same_tag(S(0), S(1));
	run_to(t0 + 1500 * MS);
	cr_assert_eq(E.nsent, 4);
	check_resp(S(2), 180, &inv, "INVITE");
	check_resp(S(3), 200, &inv, "INVITE");
	tag = tag_of(3);
	ack.to_tag = tag;
	cr_assert_eq(feed(1, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(1, SC_CANCEL_C_ACK_2XX), 1);
	cr_assert_eq(C(1, SC_CANCEL_C_RING_POSTED), 1);
	n = E.nsent;
	run_for(10 * SEC);
	cr_assert_eq(E.nsent, n, "the owner stopped the 2xx retransmissions");
	bye.to_tag = tag;
	cr_assert_eq(feed(1, &bye, 6), SC_CANCEL_V_RESPONDED);
	check_resp(S(n), 200, &bye, "BYE");
	cr_assert_eq(S(n)->ctx, 1);
	cr_assert_eq(C(1, SC_CANCEL_C_BYE_MATCHED), 1);
	free(tag);
	env_down();
}

/*
 * 17.2.2, 9.2: the CANCEL is a transaction of its own, Completed for Timer J (64*T1
 * on UDP), answering every retransmission with the same 200. Here that 200 is lost,
 * the 487 is ACKed, and the CANCEL is retransmitted 7.5 s after its first copy
 * (Timer E), after Timer I's T4 = 5 s: still the same 200, not 481 (found in review).
 */
Test(cancel, cancel_retrans_after_timer_i_gets_same_200)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-rv1", "call-rv1");
	struct req can = CAN("z9hG4bK-rv1", "call-rv1");
	struct req ack = ACK("z9hG4bK-rv1", "call-rv1");
	uint64_t tc;
	char *tag;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	feed(0, &inv, 1);
	run_for(1 * SEC);
	cr_assert_eq(E.nsent, 2);
	tc = E.vc.now_us;
	feed(0, &can, 2);
	cr_assert_eq(E.nsent, 4);
	check_cancel_pair(2, 3, &inv, &can, 0);
	tag = tag_of(3);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	run_to(tc + 7500 * MS);
	feed(0, &can, 2);
	cr_assert_eq(E.nsent, 5);
	cr_assert_eq(S(4)->msg.status, 200, "CANCEL retransmission at 7.5 s got %u",
		     S(4)->msg.status);
	same_tag(S(2), S(4));
	free(tag);
	env_down();
}

/*
 * The same for a CANCEL answered after the final (no 487): the record, held by
 * Timer I for T4 after the ACK, is kept 64*T1 from that CANCEL, so a retransmission
 * 20 s later still gets the same 200; 64*T1 after the CANCEL it is gone (481).
 */
Test(cancel, cancel_after_final_retrans_within_timer_j_gets_same_200)
{
	struct req inv = INV("z9hG4bK-rv2", "call-rv2");
	struct req can = CAN("z9hG4bK-rv2", "call-rv2");
	struct req ack = ACK("z9hG4bK-rv2", "call-rv2");
	uint64_t tc;
	char *tag;

	call_to_final(&inv, 486, 1 * SEC);
	tag = tag_of(2);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	tc = E.vc.now_us;
	feed(0, &can, 2);
	cr_assert_eq(E.nsent, 4);
	check_resp(S(3), 200, &can, "CANCEL");
	cr_assert_eq(C(0, SC_CANCEL_C_CANCEL_AFTER_FINAL), 1);
	run_to(tc + 20 * SEC);
	feed(0, &can, 2);
	cr_assert_eq(E.nsent, 5);
	cr_assert_eq(S(4)->msg.status, 200, "CANCEL retransmission at 20 s got %u",
		     S(4)->msg.status);
	same_tag(S(3), S(4));
	run_to(tc + 64 * 500 * MS + 100 * MS);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	feed(0, &can, 2);
	cr_assert_eq(S(5)->msg.status, 481);
	free(tag);
	env_down();
}

/* ---- Timer H after a CANCEL that wins during the INVITE's 100 (found by review) ---- */

/*
 * ring_delay 0: create_invite() sends the 100, sees the state word Completed (a
 * CANCEL on core 1 won between the insert and that check: the sink hook forces it)
 * and calls reconcile(), which arms Timer G = T1 and Timer H = 64*T1 (17.2.1). The
 * 487 was the final; without an ACK, Timer H must end the transaction 64*T1 later.
 */
Test(cancel, ring_now_cancel_during_100_timer_h_is_64_t1)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-rvh1", "call-rvh1");
	struct req can = CAN("z9hG4bK-rvh1", "call-rvh1");
	uint64_t tc;
	unsigned i, late = 0;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;		/* ring_timeout_us: default 180 s */
	env_up(&cfg, CAP);
	struct tmsg *cm = mk(&can);

	race_cancel = cm;
	E.after_send = cancel_after_100;
	tc = E.vc.now_us;
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	E.after_send = NULL;
	cr_assert_null(race_cancel, "the CANCEL ran on core 1 during the 100");
	cr_assert_eq(E.nsent, 3, "100, 200 (CANCEL), 487");
	check_resp(S(2), 487, &inv, "INVITE");
	run_to(tc + 64 * 500 * MS + 10 * MS);
	for (i = 3; i < E.nsent; i++)
		if (S(i)->t_us > tc + 64 * 500 * MS)
			late++;
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 1,
		     "17.2.1: Timer H fires 64*T1 after the 487 (live %" PRIu64 ")",
		     sc_cancel_live_records(E.ctx[0]));
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0, "Timer H frees the record");
	run_for(30 * SEC);
	for (i = 3; i < E.nsent; i++)
		if (S(i)->t_us > tc + 64 * 500 * MS)
			late++;
	cr_assert_eq(late, 0, "487 retransmitted after Timer H: %u times", late);
	free(cm);
	env_down();
}

/*
 * The same race with a delayed final (final_code 486 after 2 s): the 2 s final
 * timer must not replace Timer H (it did: the record died at 2 s, and the CANCEL's
 * retransmission 3 s later got 481 instead of the same 200, 9.2, 17.2.2).
 */
Test(cancel, ring_now_cancel_during_100_final_delay_does_not_cut_timer_h)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-rvh2", "call-rvh2");
	struct req can = CAN("z9hG4bK-rvh2", "call-rvh2");
	uint64_t tc;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.final_code = 486;
	cfg.final_delay_us = 2 * SEC;
	env_up(&cfg, CAP);
	struct tmsg *cm = mk(&can);

	race_cancel = cm;
	E.after_send = cancel_after_100;
	tc = E.vc.now_us;
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	E.after_send = NULL;
	cr_assert_null(race_cancel);
	cr_assert_eq(E.nsent, 3);
	check_resp(S(2), 487, &inv, "INVITE");
	run_to(tc + 3 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 0, "Timer H fired after %s",
		     "only 2 s (the final delay), not 64*T1");
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1);
	feed(1, &can, 2);
	cr_assert_eq(E.sent[E.nsent - 1].msg.status, 200,
		     "CANCEL retransmission 3 s after the first got %u",
		     E.sent[E.nsent - 1].msg.status);
	cr_assert_eq(CT(SC_CANCEL_C_TX_486), 0);
	free(cm);
	env_down();
}

/* ---- an INVITE another core inserts mid-burst, then its CANCEL (found by review) ---- */

static struct tmsg *race_invite;

/* At core 0's first send (the 481 to a stray CANCEL), core 1 takes the INVITE. */
static void
invite_on_core1_after_481(const struct sent *s)
{
	struct tmsg *m = race_invite;

	if (m == NULL || s->ctx != 0 || s->msg.status != 481)
		return;
	race_invite = NULL;
	handle(1, m, 1, 0);
	free(m);
}

/*
 * Core 0's burst holds a stray CANCEL, the INVITE and its CANCEL. The INVITE (and
 * CANCEL) missed in the burst's bulk lookup; core 1 inserts the same INVITE (a
 * retransmission it received) before core 0 does, so core 0's insert finds core 1's
 * record. The CANCEL after it in the burst must match that record (200, 9.2), not
 * get 481 because its bulk lookup had missed.
 */
Test(cancel, cancel_after_invite_inserted_by_another_core_mid_burst)
{
	struct sc_cancel_cfg cfg;
	struct req stray = CAN("z9hG4bK-mbx", "call-mbx");
	struct req inv = INV("z9hG4bK-mb1", "call-mb1");
	struct req can = CAN("z9hG4bK-mb1", "call-mb1");
	struct tmsg *msgs[3];
	unsigned i, ok200 = 0, no481 = 0;

	base_cfg(&cfg);
	env_up(&cfg, CAP);
	msgs[0] = mk(&stray);
	msgs[1] = mk(&inv);
	msgs[2] = mk(&can);
	race_invite = mk(&inv);
	E.after_send = invite_on_core1_after_481;
	burst(0, msgs, 3, 1, NULL);
	E.after_send = NULL;
	cr_assert_null(race_invite, "core 1 took the INVITE during core 0's burst");
	for (i = 0; i < E.nsent; i++) {
		const struct sc_sip_msg *r = &E.sent[i].msg;

		if (r->cseq_method != SC_METHOD_CANCEL || E.sent[i].ctx != 0)
			continue;
		if (r->status == 200)
			ok200++;
		else if (r->status == 481)
			no481++;
	}
	cr_assert_eq(no481, 1, "only the stray CANCEL gets 481");
	cr_assert_eq(ok200, 1, "the INVITE's CANCEL matched core 1's record");
	for (i = 0; i < 3; i++)
		free(msgs[i]);
	env_down();
}

/* ---- Timer I, Timer L, the BYE's Timer J, the watchdog, counters by class -------- */

/*
 * 17.2.1: a non-2xx final not caused by a CANCEL. The ACK moves the transaction to
 * Confirmed, which absorbs INVITE retransmissions (no response at all), and Timer I
 * = T4 (5 s for UDP) ends it: not T2, not 64*T1 (that is only for a cancelled INVITE,
 * whose record also serves the CANCEL's Timer J).
 */
Test(cancel, confirmed_absorbs_invite_retrans_and_timer_i_is_t4)
{
	struct req inv = INV("z9hG4bK-ci1", "call-ci1");
	struct req ack = ACK("z9hG4bK-ci1", "call-ci1");
	uint64_t ta;
	char *tag;

	call_to_final(&inv, 486, 1 * SEC);
	tag = tag_of(2);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	ta = E.vc.now_us;
	/* Confirmed: the INVITE retransmission is absorbed, the 486 is not sent again. */
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(E.nsent, 3, "17.2.1: Confirmed absorbs INVITE retransmissions");
	cr_assert_eq(C(0, SC_CANCEL_C_INVITE_RETRANS), 1);
	/* Timer I = T4 from the ACK. */
	run_to(ta + 5 * SEC - 10 * MS);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_I_EXPIRED), 0, "Timer I fired before T4");
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1);
	run_to(ta + 5 * SEC + 10 * MS);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_I_EXPIRED), 1, "Timer I at T4");
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	free(tag);
	env_down();
}

/*
 * RFC 6026 Timer L: after a 2xx the INVITE record stays 64*T1, so an INVITE
 * retransmission 10 s later (past T2 and T4) is still the same transaction: the 2xx
 * again with the same To tag, no new record, no new 100. It ends exactly at 64*T1.
 * The 2xx retransmissions (13.3.1.4) are counted.
 */
Test(cancel, answer_200_timer_l_keeps_the_invite_record_64_t1)
{
	struct req inv = INV("z9hG4bK-tl1", "call-tl1");
	struct req ack = ACK("z9hG4bK-tl1-ack", "call-tl1");
	uint64_t ta;
	unsigned n;
	char *tag;

	ta = call_to_final(&inv, 200, 2 * SEC);
	run_to(ta + 3600 * MS);
	cr_assert_eq(E.nsent, 6);
	cr_assert_eq(C(0, SC_CANCEL_C_RETRANS_2XX), 3, "three 2xx retransmissions counted");
	tag = tag_of(2);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 2, "INVITE and dialog records");
	run_to(ta + 10 * SEC);
	n = E.nsent;
	cr_assert_eq(feed(0, &inv, 1), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(E.nsent, n + 1, "one response to the INVITE retransmission");
	check_resp(S(n), 200, &inv, "INVITE");
	same_tag(S(2), S(n));
	cr_assert_eq(C(0, SC_CANCEL_C_INVITE_RETRANS), 1, "Timer L: still the same transaction");
	cr_assert_eq(C(0, SC_CANCEL_C_RECORDS_CREATED), 2, "no new transaction");
	/* Timer L ends the INVITE record 64*T1 after the 2xx; the dialog record stays. */
	run_to(ta + 32 * SEC - 10 * MS);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 2);
	run_to(ta + 32 * SEC + 10 * MS);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1, "Timer L at 64*T1");
	free(tag);
	env_down();
}

/*
 * 17.2.2: the BYE's server transaction answers its retransmissions for Timer J =
 * 64*T1 on UDP. The dialog record, Terminated by the BYE, is kept that long: a BYE
 * retransmission 10 s later (past T4) still gets 200, not 481; 64*T1 after the BYE
 * the record is gone.
 */
Test(cancel, bye_retrans_within_timer_j_gets_200)
{
	struct req inv = INV("z9hG4bK-bj1", "call-bj1");
	struct req ack = ACK("z9hG4bK-bj1-ack", "call-bj1");
	struct req bye = { .method = "BYE", .branch = "z9hG4bK-bj1-bye", .call_id = "call-bj1",
			   .cseq = 2, .vias = 1 };
	uint64_t ta, tb;
	unsigned n;
	char *tag;

	ta = call_to_final(&inv, 200, 1 * SEC);
	tag = tag_of(2);
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	run_to(ta + 1 * SEC);
	bye.to_tag = tag;
	n = E.nsent;
	tb = E.vc.now_us;
	cr_assert_eq(feed(0, &bye, 5), SC_CANCEL_V_RESPONDED);
	check_resp(S(n), 200, &bye, "BYE");
	cr_assert_eq(C(0, SC_CANCEL_C_BYE_MATCHED), 1);
	run_to(tb + 10 * SEC);
	cr_assert_eq(feed(0, &bye, 5), SC_CANCEL_V_RESPONDED);
	check_resp(S(n + 1), 200, &bye, "BYE");
	cr_assert_eq(C(0, SC_CANCEL_C_BYE_UNMATCHED), 0, "BYE retransmission within Timer J");
	/* The INVITE record left at ta + 64*T1 (Timer L); the dialog at tb + 64*T1. */
	run_to(tb + 32 * SEC - 10 * MS);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 1, "dialog record kept for Timer J");
	run_to(tb + 32 * SEC + 10 * MS);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0, "Timer J at 64*T1");
	free(tag);
	env_down();
}

/*
 * A BYE that overtakes the ACK of the 2xx (UDP reorders): the 2xx reached the UAC,
 * so the BYE ends the dialog at once (15.1.2: 200, counted as matched), the 2xx
 * retransmissions stop, and the late ACK is absorbed, not matched again.
 */
Test(cancel, bye_before_ack_ends_the_dialog)
{
	struct req inv = INV("z9hG4bK-ba1", "call-ba1");
	struct req ack = ACK("z9hG4bK-ba1-ack", "call-ba1");
	struct req bye = { .method = "BYE", .branch = "z9hG4bK-ba1-bye", .call_id = "call-ba1",
			   .cseq = 2, .vias = 1 };
	uint64_t ta;
	char *tag;

	ta = call_to_final(&inv, 200, 1 * SEC);
	run_to(ta + 600 * MS);
	cr_assert_eq(E.nsent, 4, "the 2xx once again at T1");
	tag = tag_of(2);
	bye.to_tag = tag;
	cr_assert_eq(feed(0, &bye, 5), SC_CANCEL_V_RESPONDED);
	check_resp(S(4), 200, &bye, "BYE");
	cr_assert_eq(C(0, SC_CANCEL_C_BYE_MATCHED), 1, "a BYE before the ACK ends the dialog");
	run_for(10 * SEC);
	cr_assert_eq(E.nsent, 5, "no 2xx retransmission after the BYE");
	ack.to_tag = tag;
	cr_assert_eq(feed(0, &ack, 1), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(C(0, SC_CANCEL_C_ACK_2XX), 0);
	free(tag);
	env_down();
}

/*
 * The watchdog of an INVITE that rings forever re-arms every 64*T1: a CANCEL from
 * another core whose post is lost after the first period (at 40 s) is still caught
 * up by the second one, at 64 s, which arms Timer G/H.
 */
Test(cancel, ring_forever_watchdog_rearms_every_64_t1)
{
	struct sc_cancel_cfg cfg;
	struct req inv = INV("z9hG4bK-wd2", "call-wd2");
	struct req can = CAN("z9hG4bK-wd2", "call-wd2");
	uint64_t t0;

	base_cfg(&cfg);
	cfg.ring_delay_us = 0;
	cfg.ring_timeout_us = 0;
	lose_posts_next = true;
	env_up(&cfg, CAP);
	t0 = E.vc.now_us;
	feed(0, &inv, 1);
	run_to(t0 + 40 * SEC);
	cr_assert_eq(E.nsent, 2, "100 and 180 only");
	feed(1, &can, 2);
	cr_assert_eq(E.nsent, 4);
	cr_assert_eq(C(1, SC_CANCEL_C_RING_FULL), 1);
	run_to(t0 + 64 * SEC + 500 * MS);
	cr_assert_eq(E.nsent, 5, "the second watchdog period arms Timer G");
	check_resp(S(4), 487, &inv, "INVITE");
	run_to(t0 + 100 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_TIMER_H_EXPIRED), 1);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0);
	env_down();
}

/* Responses are counted by class too: a 6xx final (603 Decline) is one tx_6xx. */
Test(cancel, final_603_counted_as_6xx)
{
	struct req inv = INV("z9hG4bK-sx1", "call-sx1");

	call_to_final(&inv, 603, 1 * SEC);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_6XX), 1);
	cr_assert_eq(C(0, SC_CANCEL_C_TX_1XX), 2);
	env_down();
}
