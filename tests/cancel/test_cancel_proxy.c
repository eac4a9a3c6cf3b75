/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy role (lib/cancel) with virtual time: every message the proxy sends (upstream
 * responses, downstream requests) is caught by the sink, parsed again and checked
 * against RFC 3261 16.6-16.11, 9.1, 17.1.1, 17.2.1. Paths are 8-byte ids: 1 = the
 * upstream UAC (reply path), 2 = the downstream next hop, 3 = the path to a
 * response's second Via (stateless relay). Timers run on a real wheel in 1 ms steps.
 * Each test ends far in the future with every record back in its pool.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_ring.h>

#include "cancel_env.h"

/* Source of a request by path id: 198.18.0.77:(40000 + id); id 100: the sent-by. */
static int
path_source(const void *path_blob, char *ip, size_t cap, uint16_t *port)
{
	uint64_t id;

	memcpy(&id, path_blob, sizeof(id));
	snprintf(ip, cap, "%s", id == 100 ? "198.18.0.1" : "198.18.0.77");
	*port = (uint16_t)(40000 + id);
	return 0;
}

#define V6_HOP	7	/* a next hop reached over IPv6 */
#define NO_LOCAL_HOP	8	/* a next hop path_local cannot give our address for */
#define V6_SENT_BY	"[2001:db8::9]:5062"
static unsigned local_calls;	/* path_local() calls, all contexts */

/*
 * Our side of a path: 198.18.0.9:5060 (NUL-terminated, returns 0); for V6_HOP
 * V6_SENT_BY with its length returned and no NUL (a byte that must not be copied
 * follows it).
 */
static int
path_local(const void *path_blob, char *sent_by, size_t cap)
{
	uint64_t id;

	memcpy(&id, path_blob, sizeof(id));
	local_calls++;
	if (id == NO_LOCAL_HOP)
		return -EADDRNOTAVAIL;
	if (id == V6_HOP) {
		if (cap < sizeof(V6_SENT_BY))
			return -ENOSPC;
		memcpy(sent_by, V6_SENT_BY, sizeof(V6_SENT_BY) - 1);
		sent_by[sizeof(V6_SENT_BY) - 1] = '!';
		return (int)sizeof(V6_SENT_BY) - 1;
	}
	snprintf(sent_by, cap, "198.18.0.9:5060");
	return 0;
}

/* Past every proxy timer: C 181 s + 32 s, H 32 s, D 32 s. */
const struct env_role env_role = {
	.tag = "proxy",
	.max_sent = 512,
	.settle_s = 600,
	.path_source = path_source,
	.path_local = path_local,
};

/* ---- messages ------------------------------------------------------------------ */

#define UP	1	/* upstream UAC (reply path) */
#define DOWN	2	/* next hop */
#define VIA2	3	/* path to a response's second Via */

static struct tmsg *
parse_text(const char *text, size_t len)
{
	struct tmsg *m = calloc(1, sizeof(*m));

	cr_assert_not_null(m);
	cr_assert_lt(len, sizeof(m->buf));
	memcpy(m->buf, text, len);
	m->len = len;
	m->rc = sc_sip_parse(m->buf, m->len, &m->msg);
	cr_assert_gt(m->rc, 0, "test message does not parse: %.*s", (int)len, text);
	return m;
}

/* A request from the UAC. mf < 0: no Max-Forwards. */
static struct tmsg *
uac(const char *method, const char *branch, const char *call_id, int mf, const char *extra)
{
	char buf[4096], mfl[40] = "";
	const char *body = strcmp(method, "INVITE") == 0 ? "v=0\r\ns=-\r\n" : "";
	int n;

	if (mf >= 0)
		snprintf(mfl, sizeof(mfl), "Max-Forwards: %d\r\n", mf);
	n = snprintf(buf, sizeof(buf),
		     "%s sip:bob@198.18.0.2 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.1:5062;branch=%s;rport\r\n"
		     "%s"
		     "From: \"Alice\" <sip:alice@198.18.0.1>;tag=ft1\r\n"
		     "To: <sip:bob@198.18.0.2>\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: 1 %s\r\n"
		     "Route: <sip:198.18.0.9;lr>, <sip:198.18.0.50;lr>\r\n"
		     "%s"
		     "Content-Length: %zu\r\n\r\n%s",
		     method, branch, mfl, call_id, method, extra != NULL ? extra : "",
		     strlen(body), body);
	return parse_text(buf, (size_t)n);
}

/* Send a request from the UAC on ctx and free it. */
static uint8_t
from_uac(unsigned ctx, const char *method, const char *branch, const char *call_id, int mf,
	 const char *extra)
{
	struct tmsg *m = uac(method, branch, call_id, mf, extra);
	uint8_t v = handle(ctx, m, UP, DOWN);

	free(m);
	return v;
}

/* The downstream UAS answers the request sent as E.sent[i]. */
static uint8_t
from_uas(unsigned ctx, unsigned i, unsigned status, const char *to_tag)
{
	char buf[4096];
	struct sc_str tag = { to_tag, to_tag != NULL ? (uint32_t)strlen(to_tag) : 0 };
	struct tmsg *m;
	uint8_t v;
	int n;

	cr_assert_lt(i, E.nsent);
	cr_assert_eq(E.sent[i].msg.kind, SC_SIP_REQUEST);
	n = sc_sip_build_response(buf, sizeof(buf), &E.sent[i].msg, status, NULL,
				  to_tag != NULL ? &tag : NULL, NULL);
	cr_assert_gt(n, 0);
	m = parse_text(buf, (size_t)n);
	v = handle(ctx, m, DOWN, VIA2);
	free(m);
	return v;
}

/* Index of the first message sent at or after `from` on path with status (or method). */
static int
find(unsigned from, uint64_t path, unsigned status, int method)
{
	unsigned i;

	for (i = from; i < E.nsent; i++) {
		const struct sc_sip_msg *m = &E.sent[i].msg;

		if (E.sent[i].path != path)
			continue;
		if (status != 0 && m->kind == SC_SIP_RESPONSE && m->status == status)
			return (int)i;
		if (method != 0 && m->kind == SC_SIP_REQUEST && m->method == method)
			return (int)i;
	}
	return -1;
}

static unsigned
count(uint64_t path, unsigned status, int method)
{
	unsigned i, k = 0;

	for (i = 0; i < E.nsent; i++) {
		const struct sc_sip_msg *m = &E.sent[i].msg;

		if (E.sent[i].path != path)
			continue;
		if ((status != 0 && m->kind == SC_SIP_RESPONSE && m->status == status) ||
		    (method != 0 && m->kind == SC_SIP_REQUEST && m->method == method))
			k++;
	}
	return k;
}

static struct sc_cancel_cfg
proxy_cfg(void)
{
	struct sc_cancel_cfg c;

	sc_cancel_cfg_defaults(&c);
	c.role = SC_CANCEL_ROLE_PROXY;
	c.seed = 42;
	return c;
}

/* INVITE b/call on ctx; returns the index of the forwarded INVITE. */
static unsigned
invite(unsigned ctx, const char *branch, const char *call_id)
{
	int i;

	cr_assert_eq(from_uac(ctx, "INVITE", branch, call_id, 70, NULL), SC_CANCEL_V_RESPONDED);
	i = find(0, DOWN, 0, SC_METHOD_INVITE);
	while (i >= 0 && !str_is(&E.sent[i].msg.call_id, call_id))
		i = find((unsigned)i + 1, DOWN, 0, SC_METHOD_INVITE);
	cr_assert_geq(i, 0, "INVITE not forwarded");
	return (unsigned)i;
}

/*
 * INVITE b/call on context 0, a 180 with to_tag from downstream, then the UAC's
 * CANCEL; returns the index of the forwarded INVITE.
 */
static unsigned
invite_ringing_cancelled(const char *branch, const char *call_id, const char *to_tag)
{
	unsigned i = invite(0, branch, call_id);

	from_uas(0, i, 180, to_tag);
	from_uac(0, "CANCEL", branch, call_id, 70, NULL);
	return i;
}

/* ---- tests ------------------------------------------------------------------------- */

TestSuite(proxy, .timeout = 60);

/* 16.6: 100 upstream at once; downstream a new top Via with our cookie branch, the
 * UAC's Via second, Max-Forwards decremented, everything else (Route, body) kept. */
Test(proxy, invite_forwarded_with_new_via_and_max_forwards_decremented)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *f;
	unsigned i;
	int t;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKa1", "call-a1");
	t = find(0, UP, 100, 0);
	cr_assert_geq(t, 0, "no 100 upstream");
	cr_assert_lt((unsigned)t, i, "100 goes before the forward");
	cr_assert(str_is(&E.sent[t].msg.vias[0].branch, "z9hG4bKa1"));
	f = &E.sent[i].msg;
	cr_assert_eq(f->via_count, 2);
	cr_assert(sc_sip_branch_is_rfc3261(&f->vias[0].branch));
	cr_assert(str_is(&f->vias[0].host, "198.18.0.9"));
	cr_assert(str_is(&f->vias[1].branch, "z9hG4bKa1"));
	cr_assert_eq(f->max_forwards, 69);
	/* 16.4: the first Route named us (198.18.0.9:5060): removed, the next one kept. */
	cr_assert_eq(f->route_count, 1);
	cr_assert(str_is(&f->routes[0], "<sip:198.18.0.50;lr>"));
	cr_assert(str_is(&f->request_uri, "sip:bob@198.18.0.2"));
	cr_assert(str_is(&f->body, "v=0\r\ns=-\r\n"));
	cr_assert_eq(CT(SC_CANCEL_C_PX_INVITE_FWD), 1);
	/* Another transaction gets another branch (16.6 item 8: unique per client txn). */
	i = invite(0, "z9hG4bKa2", "call-a2");
	cr_assert_not(str_eq(&E.sent[i].msg.vias[0].branch, &f->vias[0].branch));
	from_uas(0, i, 486, "u2");
	from_uas(0, (unsigned)find(0, DOWN, 0, SC_METHOD_INVITE), 486, "u1");
	env_down();
}

/* 16.3 item 3: Max-Forwards 0 -> 483, never forwarded; 1 -> forwarded with 0;
 * absent -> 70 (16.6 item 3). */
Test(proxy, max_forwards_zero_gets_483_one_forwarded_absent_gets_70)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	int i;

	env_up(&cfg, CAP);
	cr_assert_eq(from_uac(0, "INVITE", "z9hG4bKm0", "call-m0", 0, NULL),
		     SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(UP, 483, 0), 1);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 0);
	cr_assert_eq(CT(SC_CANCEL_C_TX_483), 1);
	from_uac(0, "OPTIONS", "z9hG4bKm0o", "call-m0o", 0, NULL);
	cr_assert_eq(count(UP, 483, 0), 2);
	from_uac(0, "INVITE", "z9hG4bKm1", "call-m1", 1, NULL);
	i = find(0, DOWN, 0, SC_METHOD_INVITE);
	cr_assert_geq(i, 0);
	cr_assert_eq(E.sent[i].msg.max_forwards, 0);
	from_uac(0, "BYE", "z9hG4bKm2", "call-m2", -1, NULL);
	i = find(0, DOWN, 0, SC_METHOD_BYE);
	cr_assert_geq(i, 0);
	cr_assert_eq(E.sent[i].msg.max_forwards, 70);
	from_uas(0, (unsigned)find(0, DOWN, 0, SC_METHOD_INVITE), 404, "x");
	env_down();
}

/* 16.7: 100 from downstream absorbed (step 5), 180 relayed with our Via removed,
 * to the upstream reply path; 2xx relayed, the record ends after 64*T1. */
Test(proxy, provisionals_relayed_100_absorbed_2xx_relayed)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;
	int r;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKp1", "call-p1");
	cr_assert_eq(from_uas(0, i, 100, NULL), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(UP, 100, 0), 1, "only our own 100 upstream");
	cr_assert_eq(from_uas(0, i, 180, "uas1"), SC_CANCEL_V_RESPONDED);
	r = find(0, UP, 180, 0);
	cr_assert_geq(r, 0);
	cr_assert_eq(E.sent[r].msg.via_count, 1, "our Via removed");
	cr_assert(str_is(&E.sent[r].msg.vias[0].branch, "z9hG4bKp1"));
	cr_assert(str_is(&E.sent[r].msg.to.tag, "uas1"));
	from_uas(0, i, 200, "uas1");
	r = find(0, UP, 200, 0);
	cr_assert_geq(r, 0);
	cr_assert_eq(E.sent[r].msg.via_count, 1);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 0, "a proxy never ACKs a 2xx");
	/* A 2xx retransmission is relayed again (end to end). */
	from_uas(0, i, 200, "uas1");
	cr_assert_eq(count(UP, 200, 0), 2);
	cr_assert_eq(CT(SC_CANCEL_C_PX_RETRANS_2XX), 1);
	/* An ACK reusing the INVITE's branch after the 2xx is end to end: forwarded. */
	cr_assert_eq(from_uac(0, "ACK", "z9hG4bKp1", "call-p1", 70, NULL),
		     SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 1);
	/* An INVITE retransmission after the 2xx is absorbed, not forwarded. */
	cr_assert_eq(from_uac(0, "INVITE", "z9hG4bKp1", "call-p1", 70, NULL),
		     SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 1);
	env_down();
}

/* 16.10 / 9.1: CANCEL after a 180: 200 upstream at once; CANCEL downstream with the
 * INVITE's Request-URI, Call-ID, From, To, CSeq number, its top Via only, the Route
 * set and the Reason; the 487 is ACKed downstream (17.1.1.3) and relayed upstream. */
Test(proxy, cancel_after_180_built_per_9_1_then_487_acked_and_relayed)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *inv, *c, *a;
	unsigned i;
	int ci, ai, r;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKc1", "call-c1");
	from_uas(0, i, 180, "t1");
	cr_assert_eq(from_uac(0, "CANCEL", "z9hG4bKc1", "call-c1", 70,
			      "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"),
		     SC_CANCEL_V_RESPONDED);
	r = find(0, UP, 200, 0);
	cr_assert_geq(r, 0, "no 200 to the CANCEL");
	cr_assert_eq(E.sent[r].msg.cseq_method, SC_METHOD_CANCEL);
	ci = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(ci, 0, "no CANCEL downstream");
	inv = &E.sent[i].msg;
	c = &E.sent[ci].msg;
	cr_assert(str_eq(&c->request_uri, &inv->request_uri));
	cr_assert(str_eq(&c->call_id, &inv->call_id));
	cr_assert(str_eq(&c->from.value, &inv->from.value));
	cr_assert(str_eq(&c->to.value, &inv->to.value));
	cr_assert_eq(c->cseq, inv->cseq);
	cr_assert_eq(c->cseq_method, SC_METHOD_CANCEL);
	cr_assert_eq(c->via_count, 1);
	cr_assert(str_eq(&c->vias[0].value, &inv->vias[0].value));
	cr_assert_eq(c->route_count, 1);
	cr_assert(str_eq(&c->routes[0], &inv->routes[0]));
	cr_assert_eq(c->require_count + c->proxy_require_count, 0);
	cr_assert_eq(c->reason_count, 1);
	cr_assert(str_is(&c->reasons[0], "SIP;cause=200;text=\"Call completed elsewhere\""));
	/* Its 200 is absorbed; then the 487. */
	cr_assert_eq(from_uas(0, (unsigned)ci, 200, "t1"), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(UP, 200, 0), 1);
	from_uas(0, i, 487, "t1");
	ai = find(0, DOWN, 0, SC_METHOD_ACK);
	cr_assert_geq(ai, 0, "487 not ACKed downstream");
	a = &E.sent[ai].msg;
	cr_assert(str_eq(&a->vias[0].value, &inv->vias[0].value), "ACK Via = INVITE Via");
	cr_assert(str_is(&a->to.tag, "t1"));
	cr_assert_eq(a->cseq, inv->cseq);
	r = find(0, UP, 487, 0);
	cr_assert_geq(r, 0, "487 not relayed");
	cr_assert_eq(E.sent[r].msg.via_count, 1);
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_SENT), 1);
	/* A retransmitted CANCEL gets the same 200, no second CANCEL. */
	from_uac(0, "CANCEL", "z9hG4bKc1", "call-c1", 70, NULL);
	cr_assert_eq(count(UP, 200, 0), 2);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	/* The upstream ACK is absorbed (hop by hop) and stops Timer G. */
	cr_assert_eq(from_uac(0, "ACK", "z9hG4bKc1", "call-c1", 70, NULL),
		     SC_CANCEL_V_ABSORBED);
	run_for(20 * SEC);
	cr_assert_eq(count(UP, 487, 0), 1, "Timer G after the ACK");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 1);
	env_down();
}

/* 9.1: a CANCEL before any provisional is held, then sent on the first provisional. */
Test(proxy, cancel_before_provisional_held_until_the_180)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKh1", "call-h1");
	from_uac(0, "CANCEL", "z9hG4bKh1", "call-h1", 70, NULL);
	cr_assert_eq(count(UP, 200, 0), 1, "200 to the CANCEL at once");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0, "CANCEL before a provisional");
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_HELD), 1);
	run_for(300 * MS);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0);
	from_uas(0, i, 100, NULL);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1, "CANCEL on the first provisional");
	from_uas(0, i, 180, "h");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1, "only once");
	from_uas(0, i, 487, "h");
	from_uac(0, "ACK", "z9hG4bKh1", "call-h1", 70, NULL);
	env_down();
}

/* 9.1: a held CANCEL is never sent once a final arrived (486 / 404), and the final
 * is relayed; the CANCEL got its 200 anyway (16.10). */
Test(proxy, held_cancel_never_sent_after_a_final)
{
	static const unsigned codes[] = { 486, 404, 603 };
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned k;

	env_up(&cfg, CAP);
	for (k = 0; k < 3; k++) {
		char b[32], c[32];
		unsigned i;

		snprintf(b, sizeof(b), "z9hG4bKs%u", k);
		snprintf(c, sizeof(c), "call-s%u", k);
		i = invite(0, b, c);
		from_uac(0, "CANCEL", b, c, 70, NULL);
		from_uas(0, i, codes[k], "s");
		cr_assert_eq(count(UP, codes[k], 0), 1);
		from_uac(0, "ACK", b, c, 70, NULL);
	}
	run_for(40 * SEC);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0);
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_SUPPRESSED), 3);
	cr_assert_eq(count(UP, 200, 0), 3);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 3);
	env_down();
}

/* Race: the CANCEL crosses a 200 (sent downstream, the 200 arrives): the 2xx is
 * relayed, the CANCEL had its 200, and the proxy invents no 487. */
Test(proxy, cancel_crossing_200_relays_the_2xx_and_no_487)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite_ringing_cancelled("z9hG4bKx1", "call-x1", "x");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	from_uas(0, i, 200, "x");
	cr_assert_eq(count(UP, 200, 0), 2, "200 to CANCEL and the relayed 2xx");
	run_for(70 * SEC);
	cr_assert_eq(count(UP, 487, 0), 0);
	cr_assert_eq(count(UP, 408, 0), 0);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 0);
	env_down();
}

/* Race: the CANCEL arrives after a 486 crossed it: 200, no CANCEL downstream. */
Test(proxy, cancel_after_486_gets_200_only)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKy1", "call-y1");
	from_uas(0, i, 180, "y");
	from_uas(0, i, 486, "y");
	from_uac(0, "CANCEL", "z9hG4bKy1", "call-y1", 70, NULL);
	cr_assert_eq(count(UP, 200, 0), 1);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0);
	cr_assert_eq(CT(SC_CANCEL_C_CANCEL_AFTER_FINAL), 1);
	/* The 486 retransmitted: ACKed again, not relayed again (17.1.1.2). */
	cr_assert_eq(from_uas(0, i, 486, "y"), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(UP, 486, 0), 1);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 2);
	/* No upstream ACK: Timer G doubles to T2, Timer H ends at 64*T1. */
	run_for(40 * SEC);
	cr_assert_gt(count(UP, 486, 0), 5);
	cr_assert_eq(CT(SC_CANCEL_C_TIMER_H_EXPIRED), 1);
	env_down();
}

/* Cross-core: INVITE on core 0, the CANCEL on core 1, the 180 on core 1 again
 * (responses come in on other queues): exactly one CANCEL downstream, owner timers. */
Test(proxy, cross_core_cancel_and_provisional)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKk1", "call-k1");
	from_uac(1, "CANCEL", "z9hG4bKk1", "call-k1", 70, NULL);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0);
	from_uas(1, i, 180, "k");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	poll_all();
	/* Timer E on the owner retransmits until the CANCEL's 200. */
	run_for(600 * MS);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 2);
	from_uas(1, (unsigned)find(0, DOWN, 0, SC_METHOD_CANCEL), 200, "k");
	run_for(5 * SEC);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 2);
	from_uas(1, i, 487, "k");
	cr_assert_eq(count(UP, 487, 0), 1);
	from_uac(1, "ACK", "z9hG4bKk1", "call-k1", 70, NULL);
	env_down();
}

/* Cross-core, the other order: the 180 on core 1 first, then the CANCEL on core 1. */
Test(proxy, cross_core_provisional_then_cancel)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKk2", "call-k2");
	from_uas(1, i, 180, "k");
	from_uac(1, "CANCEL", "z9hG4bKk2", "call-k2", 70, NULL);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	from_uas(0, i, 487, "k");
	from_uac(0, "ACK", "z9hG4bKk2", "call-k2", 70, NULL);
	env_down();
}

/* 17.2.1: an INVITE retransmission is absorbed and gets the last response again,
 * before and after the CANCEL; never forwarded twice. */
Test(proxy, invite_retransmission_gets_last_response_not_forwarded)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKr1", "call-r1");
	cr_assert_eq(from_uac(0, "INVITE", "z9hG4bKr1", "call-r1", 70, NULL),
		     SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(UP, 100, 0), 2);
	from_uas(0, i, 180, "r");
	from_uac(1, "INVITE", "z9hG4bKr1", "call-r1", 70, NULL);
	cr_assert_eq(count(UP, 180, 0), 2, "the 180 again");
	from_uac(0, "CANCEL", "z9hG4bKr1", "call-r1", 70, NULL);
	from_uac(0, "INVITE", "z9hG4bKr1", "call-r1", 70, NULL);
	cr_assert_eq(count(UP, 180, 0), 3);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 1);
	from_uas(0, i, 487, "r");
	from_uac(0, "INVITE", "z9hG4bKr1", "call-r1", 70, NULL);
	cr_assert_eq(count(UP, 487, 0), 2, "the final again");
	cr_assert_eq(CT(SC_CANCEL_C_INVITE_RETRANS), 4);
	from_uac(0, "ACK", "z9hG4bKr1", "call-r1", 70, NULL);
	env_down();
}

/* 17.1.1.2: Timer A at T1, 2T1, 4T1... with the same bytes; Timer B at 64*T1 ends
 * the context with 408 upstream (16.8), which Timer G repeats until the ACK. */
Test(proxy, timer_a_doubles_and_timer_b_gives_408)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t t0 = 0;
	unsigned i, k, n = 0;
	int r;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKa9", "call-a9");
	t0 = E.sent[i].t_us;
	run_for(5 * SEC);
	for (k = i + 1; k < E.nsent; k++) {
		if (E.sent[k].path != DOWN)
			continue;
		cr_assert_eq(E.sent[k].len, E.sent[i].len);
		cr_assert_eq(memcmp(E.sent[k].buf, E.sent[i].buf, E.sent[i].len), 0);
		cr_assert_eq(E.sent[k].t_us - t0, ((UINT64_C(2) << n) - 1) * 500 * MS,
			     "retrans %u", n);
		n++;
	}
	cr_assert_eq(n, 3, "A at 0.5, 1.5, 3.5 s");
	run_to(t0 + 64 * 500 * MS + 10 * MS);
	r = find(0, UP, 408, 0);
	cr_assert_geq(r, 0, "no 408 after Timer B");
	cr_assert_gt(E.sent[r].msg.to.tag.len, 0, "a final carries a To tag");
	cr_assert_eq(CT(SC_CANCEL_C_PX_TIMER_B), 1);
	run_for(2 * SEC);
	cr_assert_geq(count(UP, 408, 0), 2, "Timer G repeats the 408");
	from_uac(0, "ACK", "z9hG4bKa9", "call-a9", 70, NULL);
	k = count(UP, 408, 0);
	run_for(10 * SEC);
	cr_assert_eq(count(UP, 408, 0), k);
	env_down();
}

/* 16.6 item 11 / 16.8: Timer C reset by provisionals; when it fires the branch is
 * CANCELled; 64*T1 later with no final the context ends with 408. Timer E repeats
 * the CANCEL (T1 doubling up to T2). */
Test(proxy, timer_c_cancels_then_64t1_gives_408)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t tc;
	unsigned i;
	int ci, k, prev;

	cfg.timer_c_us = 181 * SEC;
	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKtc", "call-tc");
	from_uas(0, i, 180, "c");
	run_for(100 * SEC);
	from_uas(0, i, 183, "c");	/* resets Timer C */
	tc = E.vc.now_us;
	run_to(tc + 180 * SEC);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0, "Timer C was reset");
	run_to(tc + 181 * SEC + 10 * MS);
	ci = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(ci, 0, "Timer C sent no CANCEL");
	cr_assert_eq(CT(SC_CANCEL_C_PX_TIMER_C), 1);
	run_for(10 * SEC);
	/* Timer E: 0.5, 1, 2, 4, 4 ... */
	prev = ci;
	for (k = 0; k < 4; k++) {
		int nx = find((unsigned)prev + 1, DOWN, 0, SC_METHOD_CANCEL);

		cr_assert_geq(nx, 0);
		cr_assert_eq(E.sent[nx].t_us - E.sent[prev].t_us,
			     (k < 3 ? (UINT64_C(500) << k) : 4000) * MS, "E %d", k);
		prev = nx;
	}
	cr_assert_eq(count(UP, 408, 0), 0);
	run_to(E.sent[ci].t_us + 32 * SEC + 10 * MS);
	cr_assert_eq(count(UP, 408, 0), 1, "64*T1 after the CANCEL: 408");
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_TIMEOUT), 1);
	from_uac(0, "ACK", "z9hG4bKtc", "call-tc", 70, NULL);
	env_down();
}

/* 9.1 after an upstream CANCEL: no final within 64*T1 -> 408 upstream, the client
 * transaction is gone (a late 487 is then relayed statelessly by Via, not ACKed by a
 * record... it finds no record). */
Test(proxy, cancel_without_final_ends_with_408_after_64t1)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	int ci;

	env_up(&cfg, CAP);
	(void)invite_ringing_cancelled("z9hG4bKq1", "call-q1", "q");
	ci = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(ci, 0);
	run_to(E.sent[ci].t_us + 32 * SEC - 10 * MS);
	cr_assert_eq(count(UP, 408, 0), 0);
	run_to(E.sent[ci].t_us + 32 * SEC + 10 * MS);
	cr_assert_eq(count(UP, 408, 0), 1);
	cr_assert_eq(count(UP, 487, 0), 0, "no 487 invented");
	from_uac(0, "ACK", "z9hG4bKq1", "call-q1", 70, NULL);
	env_down();
}

/* 16.10 / 16.11: a CANCEL with no response context is forwarded statelessly to the
 * next hop with Max-Forwards decremented and the branch the INVITE would get. */
Test(proxy, unmatched_cancel_forwarded_statelessly)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	int c;

	env_up(&cfg, CAP);
	cr_assert_eq(from_uac(0, "CANCEL", "z9hG4bKu1", "call-u1", 10, NULL),
		     SC_CANCEL_V_RESPONDED);
	c = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(c, 0);
	cr_assert_eq(count(UP, 200, 0) + count(UP, 481, 0), 0, "a proxy does not answer it");
	cr_assert_eq(E.sent[c].msg.max_forwards, 9);
	cr_assert_eq(E.sent[c].msg.via_count, 2);
	cr_assert_eq(CT(SC_CANCEL_C_PX_STATELESS_REQ), 1);
	from_uac(0, "CANCEL", "z9hG4bKu2", "call-u2", 0, NULL);
	cr_assert_eq(count(UP, 483, 0), 1);
	/* Its 200 comes back: relayed by Via (path to the second Via). */
	cr_assert_eq(from_uas(0, (unsigned)c, 200, "u"), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(VIA2, 200, 0), 1);
	cr_assert_eq(E.sent[find(0, VIA2, 200, 0)].msg.via_count, 1);
	env_down();
}

/*
 * A deferred next_path (the app computes none up front) is asked for only by a
 * stateless forward or relay, not by what matches a transaction. While the app is
 * still resolving the address the input is HELD: nothing sent, nothing counted;
 * handed in again, it is forwarded and counted once.
 */
Test(proxy, deferred_next_path_asked_only_when_needed_held_while_pending)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t rx_cancel, unmatched, rx_resp;
	unsigned i, n, calls;
	struct tmsg *opt;
	int bye;

	env_up(&cfg, CAP);
	E.defer = true;
	i = invite(0, "z9hG4bKd1", "call-d1");
	cr_assert_eq(from_uas(0, i, 180, "d"), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(UP, 180, 0), 1);
	cr_assert_eq(E.defer_calls, 0, "a matched response needs no next path");
	/* A CANCEL without a transaction, while the next hop is being resolved. */
	E.defer_pending = true;
	n = E.nsent;
	rx_cancel = CT(SC_CANCEL_C_RX_CANCEL);
	unmatched = CT(SC_CANCEL_C_CANCEL_UNMATCHED);
	cr_assert_eq(from_uac(0, "CANCEL", "z9hG4bKu9", "call-u9", 10, NULL), SC_CANCEL_V_HELD);
	cr_assert_eq(E.defer_calls, 1);
	cr_assert_eq(E.nsent, n, "a held input sends nothing");
	cr_assert_eq(CT(SC_CANCEL_C_RX_CANCEL), rx_cancel);
	cr_assert_eq(CT(SC_CANCEL_C_CANCEL_UNMATCHED), unmatched);
	E.defer_pending = false;
	cr_assert_eq(from_uac(0, "CANCEL", "z9hG4bKu9", "call-u9", 10, NULL),
		     SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	cr_assert_eq(CT(SC_CANCEL_C_RX_CANCEL), rx_cancel + 1);
	cr_assert_eq(CT(SC_CANCEL_C_CANCEL_UNMATCHED), unmatched + 1);
	/* The CANCEL of d1 matches: its CANCEL goes on the stored path, no question. */
	calls = E.defer_calls;
	cr_assert_eq(from_uac(0, "CANCEL", "z9hG4bKd1", "call-d1", 70, NULL),
		     SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 2);
	cr_assert_eq(E.defer_calls, calls);
	/* A BYE (stateless), then its 200, relayed by Via: HELD while pending. */
	cr_assert_eq(from_uac(0, "BYE", "z9hG4bKb9", "call-b9", 70, NULL), SC_CANCEL_V_RESPONDED);
	bye = find(0, DOWN, 0, SC_METHOD_BYE);
	cr_assert_geq(bye, 0);
	E.defer_pending = true;
	rx_resp = CT(SC_CANCEL_C_RX_RESPONSE);
	n = E.nsent;
	cr_assert_eq(from_uas(0, (unsigned)bye, 200, "b"), SC_CANCEL_V_HELD);
	cr_assert_eq(E.nsent, n);
	cr_assert_eq(CT(SC_CANCEL_C_RX_RESPONSE), rx_resp);
	E.defer_pending = false;
	cr_assert_eq(from_uas(0, (unsigned)bye, 200, "b"), SC_CANCEL_V_RESPONDED);
	cr_assert_eq(count(VIA2, 200, 0), 1);
	cr_assert_eq(CT(SC_CANCEL_C_RX_RESPONSE), rx_resp + 1);
	/* No route once resolved (NULL): dropped and counted as before. */
	E.defer_next = 0;
	opt = uac("OPTIONS", "z9hG4bKo9", "call-o9", 70, NULL);
	cr_assert_eq(handle(0, opt, UP, 0), SC_CANCEL_V_DROPPED);
	free(opt);
	cr_assert_eq(CT(SC_CANCEL_C_PX_NO_ROUTE), 1);
	env_down();
}

/* 16.11: BYE and other requests statelessly; the same request gets the same branch;
 * responses with a top Via that is not ours are dropped (18.1.2). */
Test(proxy, other_requests_stateless_same_branch_and_foreign_via_dropped)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	struct tmsg *m;
	int a, b;
	char buf[1024];
	int n;

	env_up(&cfg, CAP);
	from_uac(0, "BYE", "z9hG4bKb1", "call-b1", 70, NULL);
	from_uac(1, "BYE", "z9hG4bKb1", "call-b1", 70, NULL);
	a = find(0, DOWN, 0, SC_METHOD_BYE);
	b = find((unsigned)a + 1, DOWN, 0, SC_METHOD_BYE);
	cr_assert_geq(b, 0);
	cr_assert(str_eq(&E.sent[a].msg.vias[0].branch, &E.sent[b].msg.vias[0].branch));
	from_uas(0, (unsigned)a, 200, "b");
	cr_assert_eq(count(VIA2, 200, 0), 1);
	n = snprintf(buf, sizeof(buf),
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.18.5.5;branch=z9hG4bKother\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKb1\r\n"
		     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: z\r\n"
		     "CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
	m = parse_text(buf, (size_t)n);
	cr_assert_eq(handle(0, m, DOWN, VIA2), SC_CANCEL_V_DROPPED);
	free(m);
	cr_assert_eq(CT(SC_CANCEL_C_PX_NOT_OUR_VIA), 1);
	env_down();
}

/* No route (next_path NULL): an INVITE gets 503, nothing is kept. */
Test(proxy, no_route_gives_503)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	struct tmsg *m;

	env_up(&cfg, CAP);
	m = uac("INVITE", "z9hG4bKn1", "call-n1", 70, NULL);
	cr_assert_eq(handle(0, m, UP, 0), SC_CANCEL_V_RESPONDED);
	free(m);
	cr_assert_eq(count(UP, 503, 0), 1);
	cr_assert_eq(CT(SC_CANCEL_C_PX_NO_ROUTE), 1);
	env_down();
}

/* --cancel-same-source: a CANCEL from another source is refused (dropped, counted). */
Test(proxy, cancel_same_source_refuses_other_sources)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	struct tmsg *m;
	unsigned i;

	cfg.cancel_same_source = true;
	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKss", "call-ss");
	from_uas(0, i, 180, "s");
	m = uac("CANCEL", "z9hG4bKss", "call-ss", 70, NULL);
	cr_assert_eq(handle(0, m, 7, DOWN), SC_CANCEL_V_DROPPED);
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_REFUSED), 1);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0);
	cr_assert_eq(handle(0, m, UP, DOWN), SC_CANCEL_V_RESPONDED);
	free(m);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	from_uas(0, i, 487, "s");
	from_uac(0, "ACK", "z9hG4bKss", "call-ss", 70, NULL);
	env_down();
}

/* Table full: the INVITE is forwarded statelessly (DESIGN), counted. */
Test(proxy, table_full_forwards_statelessly)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned k;

	env_up(&cfg, 2);
	for (k = 0; k < 3; k++) {
		char b[32], c[32];

		snprintf(b, sizeof(b), "z9hG4bKf%u", k);
		snprintf(c, sizeof(c), "call-f%u", k);
		from_uac(0, "INVITE", b, c, 70, NULL);
	}
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 3);
	cr_assert_eq(count(UP, 100, 0), 2);
	cr_assert_eq(CT(SC_CANCEL_C_PX_STATELESS_FULL), 1);
	env_down();
}

/* Proxy cfg checks: Timer C must exceed 3 minutes (16.6 item 11), path_local needed. */
Test(proxy, cfg_validation)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	struct sc_cancel_cfg bad;
	struct sc_cancel_sink sink = { sink_send, NULL };

	env_up(&cfg, CAP);
	bad = cfg;
	bad.path_len = PATH_LEN;
	bad.path_local = NULL;
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	cr_assert_eq(errno, ENOTSUP);
	bad.path_local = path_local;
	bad.timer_c_us = 180 * SEC;
	cr_assert_null(sc_cancel_ctx_create(&bad, E.table, E.wheel[0], &E.vc.clock, 0, NULL, 0,
					    &sink));
	cr_assert_eq(errno, EINVAL);
	env_down();
}

/* 17.2.1 Timer G: T1, 2T1, 4T1, then capped at T2; Timer H ends it at 64*T1. */
Test(proxy, timer_g_doubles_capped_at_t2)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t want[] = { 500, 1000, 2000, 4000, 4000, 4000 };
	unsigned i, k;
	int prev, nx;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKg1", "call-g1");
	from_uas(0, i, 486, "g");
	prev = find(0, UP, 486, 0);
	cr_assert_geq(prev, 0);
	run_for(20 * SEC);
	for (k = 0; k < 6; k++) {
		nx = find((unsigned)prev + 1, UP, 486, 0);
		cr_assert_geq(nx, 0, "G %u missing", k);
		cr_assert_eq(E.sent[nx].t_us - E.sent[prev].t_us, want[k] * MS, "G %u", k);
		cr_assert(str_is(&E.sent[nx].msg.to.tag, "g"), "repeat keeps the To tag");
		prev = nx;
	}
	env_down();
}

/* 17.1.1.2 Timer D: after the upstream ACK a retransmitted 486 is still ACKed
 * downstream (and not relayed) for 32 s; then the record is gone (Timer I / D). */
Test(proxy, final_retransmission_reacked_during_timer_d)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKd1", "call-d1");
	from_uas(0, i, 486, "d");
	from_uac(0, "ACK", "z9hG4bKd1", "call-d1", 70, NULL);
	run_for(10 * SEC);
	cr_assert_eq(from_uas(0, i, 486, "d"), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 2);
	cr_assert_eq(count(UP, 486, 0), 1);
	run_for(23 * SEC);
	cr_assert_eq(sc_cancel_live_records(E.ctx[0]), 0, "gone after Timer D");
	env_down();
}

/* RFC 2543 upstream (no cookie): the CANCEL still finds the context (16.11 hash of
 * the top Via, tags, Call-ID, CSeq number and Request-URI); several Reasons copied. */
Test(proxy, rfc2543_cancel_matches_and_reasons_copied)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *c;
	unsigned i;
	int ci;

	env_up(&cfg, CAP);
	i = invite(0, "old-2543-branch", "call-o1");
	from_uas(0, i, 180, "o");
	from_uac(0, "CANCEL", "old-2543-branch", "call-o1", 70,
		 "Reason: SIP;cause=600;text=\"Busy Everywhere\"\r\n"
		 "Reason: Q.850;cause=17\r\n");
	ci = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(ci, 0, "the 2543 CANCEL found no context");
	c = &E.sent[ci].msg;
	cr_assert(str_eq(&c->vias[0].value, &E.sent[i].msg.vias[0].value));
	cr_assert_eq(c->reason_count, 2);
	cr_assert(str_is(&c->reasons[1], "Q.850;cause=17"));
	cr_assert_eq(CT(SC_CANCEL_C_CANCEL_UNMATCHED), 0);
	from_uas(0, i, 487, "o");
	env_down();
}

/*
 * A Reason list has no bound (RFC 3326): a CANCEL with five values is matched and
 * forwarded, not refused with 400; the forwarded CANCEL carries the first
 * SC_SIP_MAX_REASONS of them.
 */
Test(proxy, cancel_with_five_reasons_forwarded_with_the_first_four)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *c;
	unsigned i;
	int ci;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKr5", "call-r5");
	from_uas(0, i, 180, "r");
	cr_assert_neq(from_uac(0, "CANCEL", "z9hG4bKr5", "call-r5", 70,
			       "Reason: Q.850;cause=16, SIP;cause=200\r\n"
			       "Reason: Q.850;cause=17,SIP;cause=600,Q.850;cause=31\r\n"),
		      SC_CANCEL_V_DROPPED);
	cr_assert_eq(count(UP, 400, 0), 0, "five Reasons were refused");
	cr_assert_geq(find(0, UP, 200, 0), 0, "no 200 to the CANCEL");
	ci = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(ci, 0, "the CANCEL was not forwarded");
	c = &E.sent[ci].msg;
	cr_assert_eq(c->reason_total, SC_SIP_MAX_REASONS);
	cr_assert(str_is(&c->reasons[0], "Q.850;cause=16"));
	cr_assert(str_is(&c->reasons[3], "SIP;cause=600"));
	from_uas(0, i, 487, "r");
	env_down();
}

/* 16.3 item 6: an unknown Proxy-Require option gets 420 listing it; a CANCEL is not
 * refused that way (it is forwarded). */
Test(proxy, proxy_require_gets_420_with_unsupported)
{
	static const char all9[] = "Unsupported: a1, a2, a3, a4, a5, a6, a7, a8, a9\r\n";
	struct sc_cancel_cfg cfg = proxy_cfg();
	int r;

	env_up(&cfg, CAP);
	cr_assert_eq(from_uac(0, "INVITE", "z9hG4bKpr", "call-pr", 70,
			      "Proxy-Require: foo, bar\r\n"), SC_CANCEL_V_RESPONDED);
	r = find(0, UP, 420, 0);
	cr_assert_geq(r, 0, "no 420");
	cr_assert_not_null(memmem(E.sent[r].buf, E.sent[r].len, "Unsupported: foo, bar\r\n",
				  23));
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 0);
	from_uac(0, "CANCEL", "z9hG4bKpr2", "call-pr2", 70, "Proxy-Require: foo\r\n");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1);
	cr_assert_eq(CT(SC_CANCEL_C_PX_420), 1);
	/* Nine tags: all nine listed, though the parse keeps eight. */
	cr_assert_eq(from_uac(0, "INVITE", "z9hG4bKpr3", "call-pr3", 70,
			      "Proxy-Require: a1,a2,a3,a4,a5,a6,a7,a8\r\nProxy-Require: a9\r\n"),
		     SC_CANCEL_V_RESPONDED);
	r = find((unsigned)r + 1, UP, 420, 0);
	cr_assert_geq(r, 0, "no second 420");
	cr_assert_not_null(memmem(E.sent[r].buf, E.sent[r].len, all9, strlen(all9)),
			   "%.*s", (int)E.sent[r].len, E.sent[r].buf);
	cr_assert_eq(CT(SC_CANCEL_C_PX_420), 2);
	env_down();
}

/* 16.4: only a first Route naming this proxy (host and port, 5060 when absent) is
 * removed; another port or host stays. */
Test(proxy, route_removed_only_when_it_names_us)
{
	static const struct { const char *route; int kept; } cases[] = {
		{ "Route: <sip:198.18.0.9:5060;lr>\r\n", 0 },
		{ "Route: <sip:px@198.18.0.9;lr>\r\n", 0 },
		{ "Route: <sip:198.18.0.9:5070;lr>\r\n", 1 },
		{ "Route: <sip:198.18.0.99;lr>\r\n", 1 },
		{ "Route: <sip:proxy.example;lr>\r\n", 1 },
	};
	struct sc_cancel_cfg cfg = proxy_cfg();
	char buf[1024], b[32];
	struct tmsg *m;
	unsigned k;
	int n, i;

	env_up(&cfg, CAP);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		snprintf(b, sizeof(b), "z9hG4bKrt%u", k);
		n = snprintf(buf, sizeof(buf),
			     "OPTIONS sip:bob@198.18.0.2 SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 198.18.0.1:5062;branch=%s\r\n"
			     "Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\n"
			     "Call-ID: rt%u\r\nCSeq: 1 OPTIONS\r\n%sContent-Length: 0\r\n\r\n",
			     b, k, cases[k].route);
		m = parse_text(buf, (size_t)n);
		handle(0, m, UP, DOWN);
		free(m);
		i = (int)E.nsent - 1;
		cr_assert_eq(E.sent[i].msg.method, SC_METHOD_OPTIONS);
		cr_assert_eq(E.sent[i].msg.route_count, cases[k].kept, "case %u", k);
	}
	env_down();
}

/*
 * 16.6 items 3 and 8, 16.4, 18.2.1: the forwarded header block byte for byte, after
 * our Via. Max-Forwards before or after the Route line, folded, in another case,
 * with space before the colon, last, or absent (then added at the end); our Route
 * alone on its line (the line goes), first of a comma list (the rest stays), or
 * folded; the UAC's Via (source 198.18.0.77:40001) completed with received= (and
 * rport= when it asks), first or after the lines that change, one of a list.
 */
Test(proxy, forwarded_header_block_byte_exact)
{
#define FH_VIA	"Via: SIP/2.0/UDP 198.18.0.1:5062;branch=z9hG4bKfh"
#define FH_RCVD	";received=198.18.0.77"
#define FH_TAIL	"From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: fh\r\nCSeq: 1 OPTIONS\r\n"
#define FH_US	"Route: <sip:198.18.0.9;lr>"
#define FH_NEXT	"<sip:198.18.0.50;lr>"
	static const struct { const char *in, *out; } cases[] = {
		{ FH_VIA "\r\nMax-Forwards: 70\r\n" FH_TAIL FH_US ", " FH_NEXT
		  "\r\nContent-Length: 0\r\n",
		  FH_VIA FH_RCVD "\r\nMax-Forwards: 69\r\n" FH_TAIL "Route: " FH_NEXT
		  "\r\nContent-Length: 0\r\n" },
		{ FH_VIA "\r\n" FH_US "\r\n" FH_TAIL "Max-Forwards: 7\r\nContent-Length: 0\r\n",
		  FH_VIA FH_RCVD "\r\n" FH_TAIL "Max-Forwards: 6\r\nContent-Length: 0\r\n" },
		{ FH_VIA "\r\n" FH_TAIL "Max-Forwards:\r\n  12\r\nContent-Length: 0\r\n",
		  FH_VIA FH_RCVD "\r\n" FH_TAIL "Max-Forwards: 11\r\nContent-Length: 0\r\n" },
		{ FH_VIA "\r\nmax-forwards: 10\r\n" FH_TAIL "Content-Length: 0\r\n",
		  FH_VIA FH_RCVD "\r\nMax-Forwards: 9\r\n" FH_TAIL "Content-Length: 0\r\n" },
		{ FH_VIA "\r\nMax-Forwards : 5\r\n" FH_TAIL "Content-Length: 0\r\n",
		  FH_VIA FH_RCVD "\r\nMax-Forwards: 4\r\n" FH_TAIL "Content-Length: 0\r\n" },
		{ FH_VIA "\r\n" FH_TAIL "Content-Length: 0\r\nMax-Forwards: 1\r\n",
		  FH_VIA FH_RCVD "\r\n" FH_TAIL "Content-Length: 0\r\nMax-Forwards: 0\r\n" },
		{ FH_VIA "\r\n" FH_TAIL FH_US "\r\nContent-Length: 0\r\n",
		  FH_VIA FH_RCVD "\r\n" FH_TAIL "Content-Length: 0\r\nMax-Forwards: 70\r\n" },
		{ FH_VIA "\r\n" FH_US "\r\nRoute: " FH_NEXT "\r\n" FH_TAIL "Max-Forwards: 70\r\n",
		  FH_VIA FH_RCVD "\r\nRoute: " FH_NEXT "\r\n" FH_TAIL "Max-Forwards: 69\r\n" },
		{ FH_VIA "\r\nMax-Forwards: 3\r\n" FH_US ",\r\n " FH_NEXT "\r\n" FH_TAIL,
		  FH_VIA FH_RCVD "\r\nMax-Forwards: 2\r\nRoute: " FH_NEXT "\r\n" FH_TAIL },
		/* The Via after both changed lines, then between them. */
		{ "Max-Forwards: 70\r\n" FH_US "\r\n" FH_VIA "\r\n" FH_TAIL,
		  "Max-Forwards: 69\r\n" FH_VIA FH_RCVD "\r\n" FH_TAIL },
		{ FH_US ", " FH_NEXT "\r\n" FH_VIA "\r\nMax-Forwards: 70\r\n" FH_TAIL,
		  "Route: " FH_NEXT "\r\n" FH_VIA FH_RCVD "\r\nMax-Forwards: 69\r\n" FH_TAIL },
		/* rport asked: filled, and received= added although the host is the source. */
		{ "Via: SIP/2.0/UDP 198.18.0.77:5062;rport;branch=z9hG4bKfh\r\n" FH_TAIL,
		  "Via: SIP/2.0/UDP 198.18.0.77:5062;rport=40001;branch=z9hG4bKfh" FH_RCVD "\r\n"
		  FH_TAIL "Max-Forwards: 70\r\n" },
		/* Sent-by already the source, no rport: unchanged. A Via list: the first. */
		{ "Via: SIP/2.0/UDP 198.18.0.77:5062;branch=z9hG4bKfh\r\n" FH_TAIL,
		  "Via: SIP/2.0/UDP 198.18.0.77:5062;branch=z9hG4bKfh\r\n" FH_TAIL
		  "Max-Forwards: 70\r\n" },
		{ FH_VIA ", SIP/2.0/UDP 198.18.0.50;branch=z9hG4bKx\r\n" FH_TAIL,
		  FH_VIA FH_RCVD ", SIP/2.0/UDP 198.18.0.50;branch=z9hG4bKx\r\n" FH_TAIL
		  "Max-Forwards: 70\r\n" },
	};
	struct sc_cancel_cfg cfg = proxy_cfg();
	char buf[1024];
	struct tmsg *m;
	unsigned k;
	int n;

	env_up(&cfg, CAP);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct sent *f;
		const char *hb;
		size_t want = strlen(cases[k].out);

		n = snprintf(buf, sizeof(buf), "OPTIONS sip:bob@198.18.0.2 SIP/2.0\r\n%s\r\n",
			     cases[k].in);
		m = parse_text(buf, (size_t)n);
		handle(0, m, UP, DOWN);
		free(m);
		f = &E.sent[E.nsent - 1];
		cr_assert_eq(f->msg.method, SC_METHOD_OPTIONS, "case %u", k);
		/* Start line, our Via, then the rest. */
		hb = memchr(f->buf, '\n', f->len);
		cr_assert_not_null(hb);
		hb = memchr(hb + 1, '\n', f->len - (size_t)(hb + 1 - f->buf));
		cr_assert_not_null(hb);
		hb++;
		cr_assert_eq(f->len - (size_t)(hb - f->buf), want + 2,
			     "case %u: %.*s", k, (int)f->len, f->buf);
		cr_assert(memcmp(hb, cases[k].out, want) == 0,
			  "case %u: %.*s", k, (int)f->len, f->buf);
		cr_assert(memcmp(hb + want, "\r\n", 2) == 0);
	}
	env_down();
#undef FH_VIA
#undef FH_RCVD
#undef FH_TAIL
#undef FH_US
#undef FH_NEXT
}

/*
 * 18.1.1 / 16.6 item 8: our Via's sent-by is the address of the path the request
 * leaves on. path_local is asked once per path blob (the answer is kept while the
 * next hop stays the same) and again when the blob changes; a length-returning
 * callback's text is taken as is.
 */
Test(proxy, via_sent_by_follows_next_hop_and_is_asked_once_per_path)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *f;
	struct tmsg *m;
	unsigned before, i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKs1", "call-s1");
	cr_assert(str_is(&E.sent[i].msg.vias[0].host, "198.18.0.9"));
	before = local_calls;
	i = invite(0, "z9hG4bKs2", "call-s2");
	cr_assert(str_is(&E.sent[i].msg.vias[0].host, "198.18.0.9"));
	cr_assert_eq(local_calls, before, "same next hop, same blob: asked again");
	/* Another next hop: asked, and its (IPv6, unterminated) sent-by is used. */
	m = uac("INVITE", "z9hG4bKs3", "call-s3", 70, NULL);
	cr_assert_eq(handle(0, m, UP, V6_HOP), SC_CANCEL_V_RESPONDED);
	free(m);
	cr_assert_gt(local_calls, before);
	i = (unsigned)find(0, V6_HOP, 0, SC_METHOD_INVITE);
	f = &E.sent[i].msg;
	cr_assert_eq(f->vias[0].host_type, SC_HOST_IPV6);
	cr_assert(str_is(&f->vias[0].host, "[2001:db8::9]"));
	cr_assert_eq(f->vias[0].port, 5062);
	cr_assert_null(memmem(E.sent[i].buf, E.sent[i].len, "5062!", 5));
	/* Back to the first hop: its own sent-by again, not the last one kept. */
	i = invite(0, "z9hG4bKs4", "call-s4");
	cr_assert(str_is(&E.sent[i].msg.vias[0].host, "198.18.0.9"));
	cr_assert_eq(E.sent[i].msg.vias[0].port, 5060);
}

/*
 * 16.7 step 9 / 16.11: a relayed response is the received one with our top Via
 * value removed and every other byte kept, whatever the Via layout: our value alone
 * on its line, first of a comma list, folded with the next value, compact form,
 * not the first header.
 */
#define OURS	"SIP/2.0/UDP 198.18.0.9:5060;branch=z9hG4bKsc0123456789abcdef"
#define THEIRS	"SIP/2.0/UDP 198.18.0.1:5062;branch=z9hG4bKup;rport=5062"
#define R_HEAD	"SIP/2.0 180 Ringing\r\n"
#define R_TAIL	"From: <sip:a@198.18.0.1>;tag=f\r\nTo: <sip:b@198.18.0.2>;tag=t\r\n" \
		"Call-ID: strip-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nabcd"

Test(proxy, relayed_response_loses_only_our_via)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ R_HEAD "Via: " OURS "\r\nVia: " THEIRS "\r\n" R_TAIL,
		  R_HEAD "Via: " THEIRS "\r\n" R_TAIL },
		{ R_HEAD "Via: " OURS "," THEIRS "\r\n" R_TAIL,
		  R_HEAD "Via: " THEIRS "\r\n" R_TAIL },
		{ R_HEAD "Via: " OURS " , " THEIRS ",SIP/2.0/UDP h3;branch=z9hG4bK3\r\n" R_TAIL,
		  R_HEAD "Via: " THEIRS ",SIP/2.0/UDP h3;branch=z9hG4bK3\r\n" R_TAIL },
		{ R_HEAD "Via: " OURS ",\r\n " THEIRS "\r\n" R_TAIL,
		  R_HEAD "Via: " THEIRS "\r\n" R_TAIL },
		{ R_HEAD "Via:\r\n " OURS "\r\nv: " THEIRS "\r\n" R_TAIL,
		  R_HEAD "v: " THEIRS "\r\n" R_TAIL },
		{ R_HEAD "Subject: x\r\nv: " OURS "\r\nAllow: y\r\nVia: " THEIRS "\r\n" R_TAIL,
		  R_HEAD "Subject: x\r\nAllow: y\r\nVia: " THEIRS "\r\n" R_TAIL },
	};
	struct sc_cancel_cfg cfg = proxy_cfg();

	env_up(&cfg, CAP);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tmsg *m = parse_text(t[i].in, strlen(t[i].in));
		unsigned before = E.nsent;

		cr_assert_gt(m->rc, 0, "case %u does not parse", i);
		cr_assert_eq(handle(0, m, DOWN, VIA2), SC_CANCEL_V_RESPONDED, "case %u", i);
		free(m);
		cr_assert_eq(E.nsent, before + 1);
		cr_assert_eq(E.sent[before].path, VIA2);
		cr_assert(E.sent[before].len == strlen(t[i].out) &&
			  memcmp(E.sent[before].buf, t[i].out, E.sent[before].len) == 0,
			  "case %u:\n%.*s\nwant\n%s", i, (int)E.sent[before].len,
			  E.sent[before].buf, t[i].out);
	}
}

/* ---- found in review (each failed before its fix) -------------------------------- */

/* A request from the UAC with a chosen To tag (NULL: none). */
static struct tmsg *
uac_to(const char *method, const char *branch, const char *call_id, const char *to_tag)
{
	char buf[4096], tt[128] = "";
	int n;

	if (to_tag != NULL)
		snprintf(tt, sizeof(tt), ";tag=%s", to_tag);
	n = snprintf(buf, sizeof(buf),
		     "%s sip:bob@198.18.0.2 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.1:5062;branch=%s;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: \"Alice\" <sip:alice@198.18.0.1>;tag=ft1\r\n"
		     "To: <sip:bob@198.18.0.2>%s\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: 1 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     method, branch, tt, call_id, method);
	return parse_text(buf, (size_t)n);
}

static uint8_t
send_uac_to(unsigned ctx, const char *method, const char *branch, const char *call_id,
	    const char *to_tag)
{
	struct tmsg *m = uac_to(method, branch, call_id, to_tag);
	uint8_t v = handle(ctx, m, UP, DOWN);

	free(m);
	return v;
}

/* an INVITE that already has a To tag (re-INVITE through us): the block keeps the
 * tag and send_up() appends a second one, so the 408 of Timer B (16.8) carries
 * "To: <..>;tag=dlg1;tag=<random>" (8.2.6.2: To of the request, tag unchanged). */
Test(proxy, reinvite_408_keeps_the_single_to_tag)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	int r;

	env_up(&cfg, CAP);
	E.allow_unparsable = true;
	cr_assert_eq(send_uac_to(0, "INVITE", "z9hG4bKri1", "call-ri1", "dlg1"),
		     SC_CANCEL_V_RESPONDED);
	run_for(33 * SEC);			/* Timer B: 408 upstream */
	r = find(0, UP, 408, 0);
	cr_assert_geq(r, 0, "no 408");
	{
		const char *to = strstr(E.sent[r].buf, "\r\nTo: ");
		const char *eol = to ? strstr(to + 2, "\r\n") : NULL;
		unsigned tags = 0;

		cr_assert_not_null(eol);
		for (const char *p = to; p != NULL && p < eol; p = strstr(p + 1, ";tag="))
			if (p != to)
				tags++;
		cr_assert_eq(tags, 1, "408 To line: %.*s", (int)(eol - to - 2), to + 2);
	}
	send_uac_to(0, "ACK", "z9hG4bKri1", "call-ri1", "dlg1");
	env_down();
}

/* 16.7 step 2: only 101-199 reset Timer C, "anything but 100". A 100 here does. */
Test(proxy, timer_c_not_reset_by_100)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t t0;
	unsigned i;

	cfg.timer_c_us = 181 * SEC;
	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKc100", "call-c100");
	from_uas(0, i, 180, "c");
	t0 = E.vc.now_us;
	run_for(100 * SEC);
	from_uas(0, i, 100, NULL);		/* must not reset Timer C */
	run_to(t0 + 181 * SEC + 10 * MS);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 1,
		     "Timer C did not fire 181 s after the 180 (a 100 reset it)");
	run_for(300 * SEC);
	from_uac(0, "ACK", "z9hG4bKc100", "call-c100", 70, NULL);
	env_down();
}

/* 16.7 step 3: a response left with no Via once ours is removed was meant for
 * this element and MUST NOT be forwarded. A 180 carrying only our Via is relayed
 * upstream with no Via at all. */
Test(proxy, response_with_only_our_via_not_relayed)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *f;
	char buf[2048];
	struct tmsg *m;
	unsigned i, before;
	int n;

	env_up(&cfg, CAP);
	E.allow_unparsable = true;
	i = invite(0, "z9hG4bKov1", "call-ov1");
	f = &E.sent[i].msg;
	n = snprintf(buf, sizeof(buf),
		     "SIP/2.0 180 Ringing\r\nVia: %.*s\r\nFrom: %.*s\r\nTo: %.*s;tag=ov\r\n"
		     "Call-ID: call-ov1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		     (int)f->vias[0].value.len, f->vias[0].value.p, (int)f->from.value.len,
		     f->from.value.p, (int)f->to.value.len, f->to.value.p);
	m = parse_text(buf, (size_t)n);
	before = E.nsent;
	handle(0, m, DOWN, 0);
	free(m);
	cr_assert_eq(E.nsent, before, "relayed upstream: %.*s",
		     E.nsent > before ? (int)E.sent[before].len : 0,
		     E.nsent > before ? E.sent[before].buf : "");
	from_uas(0, i, 486, "ov");
	from_uac(0, "ACK", "z9hG4bKov1", "call-ov1", 70, NULL);
	env_down();
}

/* (SHOULD) 16.7 step 6: a proxy SHOULD NOT forward a 503 upstream; when it is
 * the only response it SHOULD send 500. */
Test(proxy, only_503_becomes_500)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bK503", "call-503");
	from_uas(0, i, 503, "s");
	cr_assert_eq(count(UP, 503, 0), 0, "503 relayed upstream");
	cr_assert_eq(count(UP, 500, 0), 1);
	from_uac(0, "ACK", "z9hG4bK503", "call-503", 70, NULL);
	env_down();
}

/* RFC 2543 UAC (no cookie). 17.2.3: its ACK for a non-2xx matches the INVITE
 * transaction (To tag = the response's). The proxy's 16.11 branch hash includes the
 * To tag, so the ACK misses the context and is forwarded downstream although the
 * proxy already ACKed the 486 hop by hop (17.1.1.3). */
Test(proxy, rfc2543_ack_for_486_absorbed)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;
	uint8_t v;

	env_up(&cfg, CAP);
	cr_assert_eq(send_uac_to(0, "INVITE", "old-2543-ack", "call-oa", NULL),
		     SC_CANCEL_V_RESPONDED);
	i = (unsigned)find(0, DOWN, 0, SC_METHOD_INVITE);
	from_uas(0, i, 486, "o486");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 1, "our hop-by-hop ACK");
	v = send_uac_to(0, "ACK", "old-2543-ack", "call-oa", "o486");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 1,
		     "the UAC's ACK went downstream too (verdict %u, ack_absorbed %" PRIu64 ")",
		     v, CT(SC_CANCEL_C_ACK_ABSORBED));
	cr_assert_eq(v, SC_CANCEL_V_ABSORBED);
	env_down();
}

/* The same with an ACK whose To tag is not the 486's: not ours, forwarded statelessly. */
Test(proxy, rfc2543_ack_with_other_tag_forwarded)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	cr_assert_eq(send_uac_to(0, "INVITE", "old-2543-ot", "call-ot", NULL),
		     SC_CANCEL_V_RESPONDED);
	i = (unsigned)find(0, DOWN, 0, SC_METHOD_INVITE);
	from_uas(0, i, 486, "o486");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 1, "our hop-by-hop ACK");
	send_uac_to(0, "ACK", "old-2543-ot", "call-ot", "other");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_ACK), 2, "the foreign ACK was not forwarded");
	cr_assert_eq(CT(SC_CANCEL_C_ACK_ABSORBED), 0);
	send_uac_to(0, "ACK", "old-2543-ot", "call-ot", "o486");
	cr_assert_eq(CT(SC_CANCEL_C_ACK_ABSORBED), 1);
	env_down();
}

/* 18.2.1 / RFC 3581 4: the server transport adds received (source differs from
 * sent-by, or rport present) and fills rport before the request is processed; the
 * proxy forwards the request with that Via. Here the UAC's Via leaves unchanged
 * (source 198.18.0.77:40001, sent-by 198.18.0.1:5062;rport), so a response to a
 * statelessly forwarded request (BYE) is routed by vias[1] to the sent-by. The
 * proxy's own 100 also lacks it while its 200 to a CANCEL has it. */
Test(proxy, forwarded_request_via_gets_received_and_rport)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	int b, t;

	env_up(&cfg, CAP);
	from_uac(0, "BYE", "z9hG4bKrv1", "call-rv1", 70, NULL);
	b = find(0, DOWN, 0, SC_METHOD_BYE);
	cr_assert_geq(b, 0);
	invite(0, "z9hG4bKrv2", "call-rv2");
	t = find(0, UP, 100, 0);
	cr_assert_geq(t, 0);
	cr_assert(str_is(&E.sent[t].msg.vias[0].received, "198.18.0.77"),
		  "100 Trying top Via: %.*s", (int)E.sent[t].msg.vias[0].value.len,
		  E.sent[t].msg.vias[0].value.p);
	cr_assert(str_is(&E.sent[b].msg.vias[1].received, "198.18.0.77") &&
		  str_is(&E.sent[b].msg.vias[1].rport, "40001"),
		  "forwarded BYE second Via: %.*s", (int)E.sent[b].msg.vias[1].value.len,
		  E.sent[b].msg.vias[1].value.p);
	env_down();
}

#define LONG_TAG "8b9d07d42d1f55a2c1c5bbb2abb9b5a3-3f2c0a11"	/* 41 chars, Kamailio-like */

/*
 * 17.2.1, 8.2.6.2: the final repeated by Timer G carries the next hop's To tag, also
 * a Kamailio-length one (the record held 32 octets and dropped longer tags
 * silently). One over SC_TXN_TO_TAG_MAX is counted (the next test).
 */
Test(proxy, timer_g_repeat_keeps_a_long_to_tag)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;
	int r1, r2;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKlt1", "call-lt1");
	from_uas(0, i, 486, LONG_TAG);
	r1 = find(0, UP, 486, 0);
	cr_assert_geq(r1, 0);
	cr_assert(str_is(&E.sent[r1].msg.to.tag, LONG_TAG), "relayed 486 keeps the tag");
	run_for(600 * MS);			/* Timer G = T1: the 486 again */
	r2 = find((unsigned)r1 + 1, UP, 486, 0);
	cr_assert_geq(r2, 0, "no Timer G repeat");
	cr_assert(str_is(&E.sent[r2].msg.to.tag, LONG_TAG),
		  "Timer G 486 has To tag '%.*s' (len %u), want " LONG_TAG,
		  (int)E.sent[r2].msg.to.tag.len,
		  E.sent[r2].msg.to.tag.p ? E.sent[r2].msg.to.tag.p : "", E.sent[r2].msg.to.tag.len);
	send_uac_to(0, "ACK", "z9hG4bKlt1", "call-lt1", LONG_TAG);
	env_down();
}

Test(proxy, to_tag_over_the_record_counted)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	char tag[SC_TXN_TO_TAG_MAX + 2];
	unsigned i;

	memset(tag, 'a', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKlt2", "call-lt2");
	from_uas(0, i, 486, tag);
	cr_assert_geq(find(0, UP, 486, 0), 0);
	cr_assert_eq(CT(SC_CANCEL_C_PX_TO_TAG_TOO_LONG), 1);
	send_uac_to(0, "ACK", "z9hG4bKlt2", "call-lt2", tag);
	env_down();
}

/*
 * No Via of ours for the next hop (path_local fails): the INVITE and a BYE get a 500
 * once each, counted once each, and nothing goes downstream; an ACK is only counted.
 */
Test(proxy, no_local_address_for_next_hop_answers_500)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	struct tmsg *m;
	const char *methods[] = { "INVITE", "BYE", "ACK" };
	unsigned k;

	env_up(&cfg, CAP);
	for (k = 0; k < 3; k++) {
		m = uac(methods[k], "z9hG4bKnl1", "call-nl1", 70, NULL);
		handle(0, m, UP, NO_LOCAL_HOP);
		free(m);
	}
	cr_assert_eq(count(UP, 500, 0), 2);
	cr_assert_eq(count(NO_LOCAL_HOP, 0, SC_METHOD_INVITE) +
		     count(NO_LOCAL_HOP, 0, SC_METHOD_BYE) + count(NO_LOCAL_HOP, 0, SC_METHOD_ACK),
		     0);
	cr_assert_eq(CT(SC_CANCEL_C_PX_BUILD_FAIL), 3);
	env_down();
}

/*
 * route-param is a name-addr, which may carry a display name (25.1): a first Route
 * naming us is removed (16.4) with one, quoted or not; a '<' inside a quoted name is
 * not the URI's. Found by review: only a leading '<' was skipped, so such a value was
 * forwarded and the next hop would route the request back to us.
 */
Test(proxy, first_route_with_display_name_naming_us_is_removed)
{
	static const char *const routes[] = {
		"Route: <sip:198.18.0.9;lr>, <sip:198.18.0.50;lr>\r\n",
		"Route: \"edge\" <sip:198.18.0.9;lr>, <sip:198.18.0.50;lr>\r\n",
		"Route: edge proxy <sip:198.18.0.9;lr>, <sip:198.18.0.50;lr>\r\n",
		"Route: \"a \\\" <sip:198.18.0.50>\" <sip:198.18.0.9;lr>, <sip:198.18.0.50;lr>\r\n",
	};
	struct sc_cancel_cfg cfg = proxy_cfg();
	char buf[1024];
	unsigned k;

	env_up(&cfg, CAP);
	for (k = 0; k < RTE_DIM(routes); k++) {
		struct tmsg *m;
		int n, i;

		n = snprintf(buf, sizeof(buf),
			     "OPTIONS sip:bob@198.18.0.2 SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 198.18.0.1:5062;branch=z9hG4bKdn%u\r\n"
			     "Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\n"
			     "Call-ID: dn%u\r\nCSeq: 1 OPTIONS\r\n%sContent-Length: 0\r\n\r\n",
			     k, k, routes[k]);
		m = parse_text(buf, (size_t)n);
		cr_assert_eq(m->msg.route_count, 2, "case %u", k);
		handle(0, m, UP, DOWN);
		free(m);
		i = (int)E.nsent - 1;
		cr_assert_geq(i, 0);
		cr_assert_eq(E.sent[i].path, DOWN);
		cr_expect_eq(E.sent[i].msg.route_count, 1, "case %u: our Route was forwarded", k);
		cr_expect_eq(strncmp(E.sent[i].msg.routes[0].p, "<sip:198.18.0.50;lr>", 20), 0,
			     "case %u", k);
	}
	env_down();
}

/*
 * A route set longer than a record keeps (nine values; 25.1 sets no bound) is valid.
 * Our CANCEL would have to repeat them all (9.1), so the INVITE is forwarded
 * statelessly, as one too large for a record, with every Route value.
 */
Test(proxy, invite_with_nine_routes_forwarded_statelessly)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	char buf[1024];
	struct tmsg *m;
	int n;

	env_up(&cfg, CAP);
	n = snprintf(buf, sizeof(buf),
		     "INVITE sip:bob@198.18.0.2 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 198.18.0.1:5062;branch=z9hG4bKr9\r\n"
		     "Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\n"
		     "Call-ID: r9\r\nCSeq: 1 INVITE\r\n"
		     "Route: <sip:r1;lr>, <sip:r2;lr>, <sip:r3;lr>, <sip:r4;lr>, <sip:r5;lr>\r\n"
		     "Route: <sip:r6;lr>, <sip:r7;lr>, <sip:r8;lr>, <sip:r9;lr>\r\n"
		     "Content-Length: 0\r\n\r\n");
	m = parse_text(buf, (size_t)n);
	cr_assert_eq(m->msg.route_total, 9);
	handle(0, m, UP, DOWN);
	free(m);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 1);
	cr_assert_eq(count(UP, 400, 0), 0);
	cr_assert_eq(CT(SC_CANCEL_C_PX_STATELESS_FULL), 1);
	cr_assert_eq(E.sent[E.nsent - 1].msg.route_total, 9);
	env_down();
}

/* ---- timers A, B, C, H, I and L; 503 repeats; tags; late provisionals ---------- */

/*
 * 17.1.1.2: Timer A doubles with no T2 cap while Calling (0.5, 1.5, 3.5, 7.5, 15.5,
 * 31.5 s); Timer B fires at 64*T1, not before; the ACK of our 408 starts Timer I
 * (T4, 17.2.1) at once, not at the next Timer G tick.
 */
Test(proxy, timer_a_uncapped_timer_b_at_64t1_timer_i_from_the_ack)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t t0, ta;
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKab1", "call-ab1");
	t0 = E.sent[i].t_us;
	run_to(t0 + 16 * SEC);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 6, "Timer A capped at T2?");
	run_to(t0 + 32 * SEC - 10 * MS);
	cr_assert_eq(count(UP, 408, 0), 0, "408 before Timer B = 64*T1");
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 7);
	run_to(t0 + 32 * SEC + 10 * MS);
	cr_assert_eq(count(UP, 408, 0), 1);
	from_uac(0, "ACK", "z9hG4bKab1", "call-ab1", 70, NULL);
	ta = E.vc.now_us;
	run_to(ta + 5 * SEC - 10 * MS);
	cr_assert_eq(CT(SC_CANCEL_C_TIMER_I_EXPIRED), 0);
	run_to(ta + 5 * SEC + 10 * MS);
	cr_assert_eq(CT(SC_CANCEL_C_TIMER_I_EXPIRED), 1, "Timer I = T4 from the ACK");
	env_down();
}

/* 17.2.1: Timer H = 64*T1 after the relayed final, Timer G repeating until then. */
Test(proxy, timer_h_at_64t1)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t t;
	unsigned i;
	int r;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKth1", "call-th1");
	from_uas(0, i, 486, "h");
	r = find(0, UP, 486, 0);
	cr_assert_geq(r, 0);
	t = E.sent[r].t_us;
	run_to(t + 32 * SEC - 10 * MS);
	cr_assert_eq(CT(SC_CANCEL_C_TIMER_H_EXPIRED), 0, "Timer H before 64*T1");
	cr_assert_eq(count(UP, 486, 0), 1 + 10, "G at 0.5 1.5 3.5 7.5 11.5 ... 31.5 s");
	run_to(t + 32 * SEC + 10 * MS);
	cr_assert_eq(CT(SC_CANCEL_C_TIMER_H_EXPIRED), 1);
	env_down();
}

/* RFC 6026 (Timer L = 64*T1): INVITE retransmissions after a 2xx are absorbed for 64*T1. */
Test(proxy, invite_retransmission_absorbed_for_64t1_after_2xx)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t t;
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKl1", "call-l1");
	from_uas(0, i, 200, "l");
	t = E.vc.now_us;
	run_to(t + 30 * SEC);
	cr_assert_eq(from_uac(0, "INVITE", "z9hG4bKl1", "call-l1", 70, NULL),
		     SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_INVITE), 1, "forwarded again within 64*T1");
	env_down();
}

/*
 * Counters: a CANCEL retransmission; a held CANCEL that Timer B ends is counted
 * suppressed (never sent), a plain Timer B is not.
 */
Test(proxy, held_cancel_ended_by_timer_b_counted_suppressed)
{
	struct sc_cancel_cfg cfg = proxy_cfg();

	env_up(&cfg, CAP);
	invite(0, "z9hG4bKhb1", "call-hb1");
	from_uac(0, "CANCEL", "z9hG4bKhb1", "call-hb1", 70, NULL);
	from_uac(0, "CANCEL", "z9hG4bKhb1", "call-hb1", 70, NULL);
	cr_assert_eq(CT(SC_CANCEL_C_CANCEL_RETRANS), 1);
	cr_assert_eq(count(UP, 200, 0), 2);
	run_for(33 * SEC);
	cr_assert_geq(count(UP, 408, 0), 1);
	cr_assert_eq(count(DOWN, 0, SC_METHOD_CANCEL), 0);
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_SUPPRESSED), 1);
	from_uac(0, "ACK", "z9hG4bKhb1", "call-hb1", 70, NULL);
	invite(0, "z9hG4bKhb2", "call-hb2");
	run_for(33 * SEC);
	cr_assert_geq(count(UP, 408, 0), 2);
	cr_assert_eq(CT(SC_CANCEL_C_PX_CANCEL_SUPPRESSED), 1, "no CANCEL was held");
	from_uac(0, "ACK", "z9hG4bKhb2", "call-hb2", 70, NULL);
	env_down();
}

/* 9.2 (SHOULD): the 200 to the CANCEL carries the To tag of the INVITE's responses. */
Test(proxy, cancel_200_has_the_context_to_tag)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;
	int r;

	env_up(&cfg, CAP);
	i = invite_ringing_cancelled("z9hG4bKct1", "call-ct1", "ctx-tag");
	r = find(0, UP, 200, 0);
	cr_assert_geq(r, 0);
	cr_assert(str_is(&E.sent[r].msg.to.tag, "ctx-tag"));
	from_uas(0, i, 487, "ctx-tag");
	from_uac(0, "ACK", "z9hG4bKct1", "call-ct1", 70, NULL);
	env_down();
}

/* 16.7 step 6: a 503 becomes our 500, also in Timer G repeats and for INVITE
 * retransmissions: a 503 never goes upstream. */
Test(proxy, a_503_is_repeated_as_500)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bK5r", "call-5r");
	from_uas(0, i, 503, "s");
	run_for(600 * MS);
	from_uac(0, "INVITE", "z9hG4bK5r", "call-5r", 70, NULL);
	cr_assert_eq(count(UP, 503, 0), 0, "503 upstream in a repeat");
	cr_assert_eq(count(UP, 500, 0), 3);
	from_uac(0, "ACK", "z9hG4bK5r", "call-5r", 70, NULL);
	env_down();
}

/* 16.11 / 16.7 step 3: a response to a stateless request with only our Via is dropped. */
Test(proxy, stateless_response_with_only_our_via_dropped)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	const struct sc_sip_msg *f;
	char buf[2048];
	struct tmsg *m;
	unsigned before;
	int o, n;

	env_up(&cfg, CAP);
	E.allow_unparsable = true;
	from_uac(0, "OPTIONS", "z9hG4bKso1", "call-so1", 70, NULL);
	o = find(0, DOWN, 0, SC_METHOD_OPTIONS);
	cr_assert_geq(o, 0);
	f = &E.sent[o].msg;
	n = snprintf(buf, sizeof(buf),
		     "SIP/2.0 200 OK\r\nVia: %.*s\r\nFrom: %.*s\r\nTo: %.*s;tag=so\r\n"
		     "Call-ID: call-so1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		     (int)f->vias[0].value.len, f->vias[0].value.p, (int)f->from.value.len,
		     f->from.value.p, (int)f->to.value.len, f->to.value.p);
	m = parse_text(buf, (size_t)n);
	before = E.nsent;
	cr_assert_eq(handle(0, m, DOWN, VIA2), SC_CANCEL_V_DROPPED);
	free(m);
	cr_assert_eq(E.nsent, before, "relayed with no Via left");
	cr_assert_eq(CT(SC_CANCEL_C_PX_NO_ROUTE), 1);
	env_down();
}

/* A To tag of exactly SC_TXN_TO_TAG_MAX octets is kept for the Timer G repeat. */
Test(proxy, to_tag_of_the_record_size_kept)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	char tag[SC_TXN_TO_TAG_MAX + 1];
	unsigned i;
	int r;

	memset(tag, 'b', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKlt3", "call-lt3");
	from_uas(0, i, 486, tag);
	run_for(600 * MS);
	r = find((unsigned)find(0, UP, 486, 0) + 1, UP, 486, 0);
	cr_assert_geq(r, 0);
	cr_assert(str_is(&E.sent[r].msg.to.tag, tag));
	cr_assert_eq(CT(SC_CANCEL_C_PX_TO_TAG_TOO_LONG), 0);
	send_uac_to(0, "ACK", "z9hG4bKlt3", "call-lt3", tag);
	env_down();
}

/* 17.1.1.2: a provisional after the final is not passed up, and the state stays. */
Test(proxy, provisional_after_final_absorbed)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	unsigned i;

	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKlp1", "call-lp1");
	from_uas(0, i, 486, "lp");
	cr_assert_eq(from_uas(0, i, 180, "lp"), SC_CANCEL_V_ABSORBED);
	cr_assert_eq(count(UP, 180, 0), 0);
	cr_assert_eq(CT(SC_CANCEL_C_PX_LATE_1XX), 1);
	from_uac(0, "INVITE", "z9hG4bKlp1", "call-lp1", 70, NULL);
	cr_assert_eq(count(UP, 486, 0), 2, "the final again, not the 180");
	from_uac(0, "ACK", "z9hG4bKlp1", "call-lp1", 70, NULL);
	env_down();
}

/*
 * 16.6 item 11: Timer C is its configured value whatever T1 is (T1 = 3 s makes
 * 64*T1 = 192 s > 181 s), and fires on the dot.
 */
Test(proxy, timer_c_independent_of_t1)
{
	struct sc_cancel_cfg cfg = proxy_cfg();
	uint64_t t;
	unsigned i;
	int ci;

	cfg.t1_us = 3 * SEC;
	cfg.timer_c_us = 181 * SEC;
	env_up(&cfg, CAP);
	i = invite(0, "z9hG4bKtc3", "call-tc3");
	from_uas(0, i, 180, "c3");
	t = E.vc.now_us;
	run_to(t + 181 * SEC + 10 * MS);
	ci = find(0, DOWN, 0, SC_METHOD_CANCEL);
	cr_assert_geq(ci, 0, "Timer C late");
	cr_assert_eq(E.sent[ci].t_us, t + 181 * SEC, "Timer C at %" PRIu64, E.sent[ci].t_us - t);
	from_uas(0, i, 487, "c3");
	from_uac(0, "ACK", "z9hG4bKtc3", "call-tc3", 70, NULL);
	env_down();
}
