/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key builders (RFC 3261 17.1.3, 17.2.3, 9.2) and the transaction state machines
 * (17.1.1, 17.2.1, 9.1, 9.2). Pure code, no EAL.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sc_txn.h"

struct pmsg {
	char text[2048];
	struct sc_sip_msg m;
};

/* Render and parse a request; every field not given takes the base INVITE's value. */
struct req_spec {
	const char *method;
	const char *ruri;
	const char *via;	/* whole top Via value */
	const char *to;
	const char *from;
	const char *call_id;
	unsigned cseq;
	const char *cseq_method;
};

static const struct req_spec base_3261 = {
	.method = "INVITE",
	.ruri = "sip:bob@biloxi.example.com",
	.via = "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds",
	.to = "Bob <sip:bob@biloxi.example.com>",
	.from = "Alice <sip:alice@atlanta.example.com>;tag=1928301774",
	.call_id = "a84b4c76e66710@pc33.atlanta.example.com",
	.cseq = 314159,
	.cseq_method = NULL,
};

static struct req_spec
base_2543(void)
{
	struct req_spec s = base_3261;

	s.via = "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=776asdhds";
	return s;
}

static void
build_req(struct pmsg *p, const struct req_spec *s)
{
	int n, rc;

	n = snprintf(p->text, sizeof(p->text),
		     "%s %s SIP/2.0\r\n"
		     "Via: %s\r\n"
		     "Max-Forwards: 70\r\n"
		     "To: %s\r\n"
		     "From: %s\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %u %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     s->method, s->ruri, s->via, s->to, s->from, s->call_id, s->cseq,
		     s->cseq_method != NULL ? s->cseq_method : s->method);
	cr_assert(n > 0 && (size_t)n < sizeof(p->text));
	rc = sc_sip_parse(p->text, (size_t)n, &p->m);
	cr_assert_eq(rc, n, "parse failed (%d) for:\n%s", rc, p->text);
}

static void
build_resp(struct pmsg *p, unsigned status, const char *via, const char *cseq_method)
{
	int n, rc;

	n = snprintf(p->text, sizeof(p->text),
		     "SIP/2.0 %u Whatever\r\n"
		     "Via: %s\r\n"
		     "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
		     "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		     "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		     "Call-ID: a84b4c76e66710\r\n"
		     "CSeq: 314159 %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     status, via, cseq_method);
	cr_assert(n > 0 && (size_t)n < sizeof(p->text));
	rc = sc_sip_parse(p->text, (size_t)n, &p->m);
	cr_assert_eq(rc, n, "parse failed (%d)", rc);
}

static void
server_key_of(const struct req_spec *s, struct sc_txn_key *k)
{
	struct pmsg p;

	build_req(&p, s);
	cr_assert_eq(sc_txn_key_server(&p.m, k), 0);
}

static void
cancel_target_of(const struct req_spec *s, struct sc_txn_key *k)
{
	struct pmsg p;

	build_req(&p, s);
	cr_assert_eq(sc_txn_key_cancel_target(&p.m, k), 0);
}

static bool
hashed_equal(const struct sc_txn_key *a, const struct sc_txn_key *b)
{
	return a->kind == b->kind && a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

/* ---- RFC 3261 branch (z9hG4bK) -------------------------------------------- */

enum how { SERVER, CANCEL_TARGET };

struct key_case {
	const char *name;
	const char *method;
	const char *via;
	const char *cseq_method;
	enum how how;
	bool match;	/* expected to match the base INVITE's transaction */
};

static const struct key_case cases_3261[] = {
	{ "INVITE retransmission", "INVITE", NULL, NULL, SERVER, true },
	{ "ACK for the non-2xx final (17.2.3 item 3)", "ACK", NULL, NULL, SERVER, true },
	{ "CANCEL is its own transaction", "CANCEL", NULL, NULL, SERVER, false },
	{ "CANCEL target is the INVITE (9.2)", "CANCEL", NULL, NULL, CANCEL_TARGET, true },
	{ "BYE with the same branch is another transaction", "BYE", NULL, NULL, SERVER, false },
	{ "different branch", "INVITE",
	  "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhdt", NULL, SERVER,
	  false },
	{ "branch compares case-sensitively", "INVITE",
	  "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776ASDHDS", NULL, SERVER,
	  false },
	{ "different sent-by port", "INVITE",
	  "SIP/2.0/UDP pc33.atlanta.example.com:5070;branch=z9hG4bK776asdhds", NULL, SERVER,
	  false },
	{ "different sent-by host", "INVITE",
	  "SIP/2.0/UDP pc34.atlanta.example.com:5060;branch=z9hG4bK776asdhds", NULL, SERVER,
	  false },
	{ "CANCEL from another sent-by does not cancel", "CANCEL",
	  "SIP/2.0/UDP 198.18.0.9:5060;branch=z9hG4bK776asdhds", NULL, CANCEL_TARGET, false },
	{ "sent-by host is case-insensitive (19.1.4)", "INVITE",
	  "SIP/2.0/UDP PC33.Atlanta.Example.COM:5060;branch=z9hG4bK776asdhds", NULL, SERVER,
	  true },
	{ "absent port is the default 5060", "INVITE",
	  "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds", NULL, SERVER, true },
	{ "ACK for 2xx has a new branch (17.1.1.3 vs 13.2.2.4)", "ACK",
	  "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKnew2xx", NULL, SERVER,
	  false },
	{ "other Via params do not matter", "INVITE",
	  "SIP/2.0/UDP pc33.atlanta.example.com:5060;rport;branch=z9hG4bK776asdhds;x=y", NULL,
	  SERVER, true },
};

Test(keys, rfc3261_table)
{
	struct sc_txn_key inv, k;
	size_t i;

	server_key_of(&base_3261, &inv);
	cr_assert_eq(inv.kind, SC_TXN_KEY_SERVER);
	for (i = 0; i < sizeof(cases_3261) / sizeof(cases_3261[0]); i++) {
		const struct key_case *c = &cases_3261[i];
		struct req_spec s = base_3261;

		s.method = c->method;
		if (c->via != NULL)
			s.via = c->via;
		s.cseq_method = c->cseq_method;
		if (c->how == SERVER)
			server_key_of(&s, &k);
		else
			cancel_target_of(&s, &k);
		cr_expect_eq(sc_txn_key_equal(&inv, &k), c->match, "case '%s'", c->name);
	}
}

Test(keys, tls_default_port_is_5061)
{
	struct req_spec a = base_3261, b = base_3261;
	struct sc_txn_key ka, kb;

	a.via = "SIP/2.0/TLS pc33.atlanta.example.com;branch=z9hG4bK776asdhds";
	b.via = "SIP/2.0/TLS pc33.atlanta.example.com:5061;branch=z9hG4bK776asdhds";
	server_key_of(&a, &ka);
	server_key_of(&b, &kb);
	cr_assert(sc_txn_key_equal(&ka, &kb));
	b.via = "SIP/2.0/TLS pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds";
	server_key_of(&b, &kb);
	cr_assert_not(sc_txn_key_equal(&ka, &kb));
}

Test(keys, cancel_target_requires_cancel)
{
	struct pmsg p;
	struct sc_txn_key k;

	build_req(&p, &base_3261);
	cr_assert_eq(sc_txn_key_cancel_target(&p.m, &k), -EINVAL);
}

Test(keys, too_long_is_refused)
{
	static char via[600];
	struct req_spec s = base_3261;
	struct sc_txn_key k;
	struct pmsg p;
	int n;

	n = snprintf(via, sizeof(via), "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK");
	memset(via + n, 'x', 300);
	via[n + 300] = '\0';
	s.via = via;
	build_req(&p, &s);
	cr_assert_eq(sc_txn_key_server(&p.m, &k), -E2BIG);
}

Test(keys, extension_method_token_is_part_of_the_key)
{
	struct req_spec a = base_3261, b = base_3261;
	struct sc_txn_key ka, kb;

	a.method = "FOO";
	b.method = "BAR";
	server_key_of(&a, &ka);
	server_key_of(&b, &kb);
	cr_assert_not(sc_txn_key_equal(&ka, &kb));
	server_key_of(&a, &kb);
	cr_assert(sc_txn_key_equal(&ka, &kb));
}

/* ---- RFC 2543 fallback ------------------------------------------------------ */

struct key2543_case {
	const char *name;
	struct req_spec s;	/* fields set override base_2543 */
	enum how how;
	bool hashed_match;	/* finds the INVITE's record */
	bool full_match;	/* ... and the stored tail matches (not for ACK) */
};

Test(keys, rfc2543_table)
{
	struct req_spec b = base_2543();
	const struct key2543_case cases[] = {
		{ "INVITE retransmission", { .method = "INVITE" }, SERVER, true, true },
		{ "CANCEL target (9.2)", { .method = "CANCEL" }, CANCEL_TARGET, true, true },
		{ "CANCEL own transaction", { .method = "CANCEL" }, SERVER, false, false },
		{ "other Request-URI", { .method = "INVITE", .ruri = "sip:carol@chicago.com" },
		  SERVER, false, false },
		{ "other From tag", { .method = "INVITE", .from = "<sip:a@b>;tag=99" }, SERVER,
		  false, false },
		{ "other Call-ID", { .method = "INVITE", .call_id = "zzz@host" }, SERVER, false,
		  false },
		{ "other CSeq number", { .method = "INVITE", .cseq = 314160 }, SERVER, false,
		  false },
		{ "other top Via host",
		  { .method = "INVITE", .via = "SIP/2.0/UDP pc34.atlanta.example.com;branch=776asdhds" },
		  SERVER, false, false },
		{ "other top Via branch",
		  { .method = "INVITE",
		    .via = "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=776asdhdt" },
		  SERVER, false, false },
		{ "other top Via transport",
		  { .method = "INVITE",
		    .via = "SIP/2.0/TCP pc33.atlanta.example.com:5060;branch=776asdhds" },
		  SERVER, false, false },
		{ "Via host case-insensitive",
		  { .method = "INVITE",
		    .via = "SIP/2.0/udp PC33.atlanta.example.com:5060;branch=776asdhds" },
		  SERVER, true, true },
		{ "To tag differs (17.2.3: To tag is matched)",
		  { .method = "INVITE", .to = "Bob <sip:bob@biloxi.example.com>;tag=zz" },
		  SERVER, true, false },
		{ "CANCEL with a To tag the INVITE lacked",
		  { .method = "CANCEL", .to = "Bob <sip:bob@biloxi.example.com>;tag=zz" },
		  CANCEL_TARGET, true, false },
	};
	struct sc_txn_key inv, k;
	size_t i;

	server_key_of(&b, &inv);
	cr_assert_eq(inv.kind, SC_TXN_KEY_SERVER_2543);
	cr_assert_eq(inv.tail_len, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct req_spec s = b;
		const struct req_spec *o = &cases[i].s;

		s.method = o->method;
		if (o->ruri != NULL)
			s.ruri = o->ruri;
		if (o->via != NULL)
			s.via = o->via;
		if (o->to != NULL)
			s.to = o->to;
		if (o->from != NULL)
			s.from = o->from;
		if (o->call_id != NULL)
			s.call_id = o->call_id;
		if (o->cseq != 0)
			s.cseq = o->cseq;
		if (cases[i].how == SERVER)
			server_key_of(&s, &k);
		else
			cancel_target_of(&s, &k);
		cr_expect_eq(hashed_equal(&inv, &k), cases[i].hashed_match, "case '%s'",
			     cases[i].name);
		cr_expect_eq(sc_txn_key_equal(&inv, &k), cases[i].full_match, "case '%s'",
			     cases[i].name);
		cr_expect_eq(k.tail_match, SC_TXN_TAIL_STORED, "case '%s'", cases[i].name);
	}
}

Test(keys, rfc2543_ack_uses_cseq_number_and_sent_to_tag)
{
	struct req_spec s = base_2543();
	struct sc_txn_key inv, ack;

	server_key_of(&s, &inv);
	/* 17.2.3: the ACK carries the To tag of our response and CSeq "n ACK". */
	s.method = "ACK";
	s.to = "Bob <sip:bob@biloxi.example.com>;tag=ourtag42";
	server_key_of(&s, &ack);
	cr_assert(hashed_equal(&inv, &ack), "ACK must find the INVITE's record");
	cr_assert_eq(ack.tail_match, SC_TXN_TAIL_SENT_TO_TAG);
	cr_assert_eq(ack.tail_len, strlen("ourtag42"));
	cr_assert_eq(memcmp(ack.buf + ack.len, "ourtag42", ack.tail_len), 0);
	s.cseq = 314160;
	server_key_of(&s, &ack);
	cr_assert_not(hashed_equal(&inv, &ack), "other CSeq number");
}

Test(keys, no_branch_at_all_is_2543)
{
	struct req_spec s = base_3261;
	struct sc_txn_key k;

	s.via = "SIP/2.0/UDP pc33.atlanta.example.com:5060";
	server_key_of(&s, &k);
	cr_assert_eq(k.kind, SC_TXN_KEY_SERVER_2543);
}

Test(keys, cookie_and_2543_never_equal)
{
	struct req_spec a = base_3261, b = base_2543();
	struct sc_txn_key ka, kb;

	server_key_of(&a, &ka);
	server_key_of(&b, &kb);
	cr_assert_not(sc_txn_key_equal(&ka, &kb));
}

/* ---- client side (17.1.3) ------------------------------------------------- */

Test(keys, client_response_matching)
{
	const struct sc_str br = { "z9hG4bKproxy1", 13 };
	const struct sc_str br2 = { "z9hG4bKproxy2", 13 };
	struct sc_txn_key inv, cancel, k;
	struct pmsg p;

	cr_assert_eq(sc_txn_key_client(&br, SC_METHOD_INVITE, NULL, &inv), 0);
	cr_assert_eq(sc_txn_key_client(&br, SC_METHOD_CANCEL, NULL, &cancel), 0);
	cr_assert_not(sc_txn_key_equal(&inv, &cancel), "CANCEL shares the branch, not the txn");

	build_resp(&p, 180, "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKproxy1", "INVITE");
	cr_assert_eq(sc_txn_key_client_resp(&p.m, &k), 0);
	cr_assert(sc_txn_key_equal(&inv, &k));
	build_resp(&p, 200, "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKproxy1", "CANCEL");
	cr_assert_eq(sc_txn_key_client_resp(&p.m, &k), 0);
	cr_assert(sc_txn_key_equal(&cancel, &k));
	cr_assert_not(sc_txn_key_equal(&inv, &k));
	/* The sent-by is not part of the client match (17.1.3 names branch and method). */
	build_resp(&p, 487, "SIP/2.0/UDP 198.18.0.7;branch=z9hG4bKproxy1", "INVITE");
	cr_assert_eq(sc_txn_key_client_resp(&p.m, &k), 0);
	cr_assert(sc_txn_key_equal(&inv, &k));
	build_resp(&p, 180, "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKproxy2", "INVITE");
	cr_assert_eq(sc_txn_key_client_resp(&p.m, &k), 0);
	cr_assert_not(sc_txn_key_equal(&inv, &k));
	cr_assert_eq(sc_txn_key_client(&br2, SC_METHOD_INVITE, NULL, &inv), 0);
	cr_assert(sc_txn_key_equal(&inv, &k));
}

Test(keys, client_and_server_kinds_differ)
{
	const struct sc_str br = { "z9hG4bK776asdhds", 16 };
	struct sc_txn_key c, s;

	cr_assert_eq(sc_txn_key_client(&br, SC_METHOD_INVITE, NULL, &c), 0);
	server_key_of(&base_3261, &s);
	cr_assert_not(sc_txn_key_equal(&c, &s));
}

/* ---- state machines ----------------------------------------------------------- */

struct fsm_case {
	enum sc_txn_state st;
	unsigned fl;
	enum sc_txn_event ev;
	enum sc_txn_state next;
	unsigned next_fl;
	unsigned actions;
};

#define S(x) SC_TXN_##x
#define E(x) SC_TXN_EV_##x
#define F(x) SC_TXN_F_##x
#define A(x) SC_TXN_A_##x

static const struct fsm_case fsm_cases[] = {
	/* 17.2.1 */
	{ S(SRV_PROCEEDING), 0, E(RX_INVITE), S(SRV_PROCEEDING), 0, A(ABSORB) },
	{ S(SRV_PROCEEDING), F(PROV_SENT), E(RX_INVITE), S(SRV_PROCEEDING), F(PROV_SENT),
	  A(RESEND_LAST) },
	{ S(SRV_PROCEEDING), 0, E(TX_1XX), S(SRV_PROCEEDING), F(PROV_SENT), A(SEND) },
	{ S(SRV_PROCEEDING), 0, E(TX_2XX), S(TERMINATED), F(FINAL_SENT), A(SEND) | A(DESTROY) },
	{ S(SRV_PROCEEDING), 0, E(TX_FINAL), S(SRV_COMPLETED), F(FINAL_SENT),
	  A(SEND) | A(ARM_GH) },
	{ S(SRV_COMPLETED), F(FINAL_SENT), E(RX_INVITE), S(SRV_COMPLETED), F(FINAL_SENT),
	  A(RESEND_LAST) },
	{ S(SRV_COMPLETED), F(FINAL_SENT), E(TX_2XX), S(SRV_COMPLETED), F(FINAL_SENT),
	  A(REFUSE) },
	{ S(SRV_COMPLETED), F(FINAL_SENT), E(RX_ACK), S(SRV_CONFIRMED), F(FINAL_SENT),
	  A(ABSORB) | A(ARM_I) },
	{ S(SRV_COMPLETED), F(FINAL_SENT), E(TIMER_G), S(SRV_COMPLETED), F(FINAL_SENT),
	  A(RESEND_LAST) },
	{ S(SRV_COMPLETED), F(FINAL_SENT), E(TIMER_H), S(TERMINATED), F(FINAL_SENT),
	  A(DESTROY) },
	{ S(SRV_CONFIRMED), F(FINAL_SENT), E(RX_ACK), S(SRV_CONFIRMED), F(FINAL_SENT),
	  A(ABSORB) },
	{ S(SRV_CONFIRMED), F(FINAL_SENT), E(TIMER_G), S(SRV_CONFIRMED), F(FINAL_SENT), 0 },
	{ S(SRV_CONFIRMED), F(FINAL_SENT), E(TIMER_I), S(TERMINATED), F(FINAL_SENT),
	  A(DESTROY) },
	{ S(SRV_PROCEEDING), 0, E(TRANSPORT_ERR), S(TERMINATED), 0, A(DESTROY) },
	/* 9.2 */
	{ S(SRV_PROCEEDING), F(PROV_SENT), E(RX_CANCEL), S(SRV_COMPLETED),
	  F(PROV_SENT) | F(CANCELLED) | F(FINAL_SENT),
	  A(CANCEL_200) | A(SEND_487) | A(ARM_GH) },
	{ S(SRV_COMPLETED), F(FINAL_SENT), E(RX_CANCEL), S(SRV_COMPLETED), F(FINAL_SENT),
	  A(CANCEL_200) },
	{ S(SRV_COMPLETED), F(FINAL_SENT) | F(CANCELLED), E(RX_CANCEL), S(SRV_COMPLETED),
	  F(FINAL_SENT) | F(CANCELLED), A(CANCEL_200) },
	{ S(TERMINATED), F(FINAL_SENT), E(RX_CANCEL), S(TERMINATED), F(FINAL_SENT),
	  A(CANCEL_200) },
	/* 17.1.1 + 9.1 */
	{ S(CLI_CALLING), 0, E(TIMER_A), S(CLI_CALLING), 0, A(RESEND_LAST) },
	{ S(CLI_CALLING), 0, E(CANCEL_REQ), S(CLI_CALLING), F(CANCEL_PENDING), 0 },
	{ S(CLI_CALLING), F(CANCEL_PENDING), E(RX_1XX), S(CLI_PROCEEDING),
	  F(PROV_RCVD) | F(CANCEL_SENT), A(FORWARD) | A(SEND_CANCEL) | A(ARM_CANCEL) },
	{ S(CLI_CALLING), F(CANCEL_PENDING), E(RX_FINAL), S(CLI_COMPLETED), F(FINAL_RCVD),
	  A(FORWARD) | A(SEND_ACK) | A(ARM_D) },
	{ S(CLI_CALLING), F(CANCEL_PENDING), E(RX_2XX), S(TERMINATED), F(FINAL_RCVD),
	  A(FORWARD) | A(DESTROY) },
	{ S(CLI_CALLING), 0, E(TIMER_B), S(TERMINATED), 0, A(DESTROY) },
	{ S(CLI_CALLING), 0, E(RX_1XX), S(CLI_PROCEEDING), F(PROV_RCVD), A(FORWARD) },
	{ S(CLI_PROCEEDING), F(PROV_RCVD), E(TIMER_A), S(CLI_PROCEEDING), F(PROV_RCVD), 0 },
	{ S(CLI_PROCEEDING), F(PROV_RCVD), E(CANCEL_REQ), S(CLI_PROCEEDING),
	  F(PROV_RCVD) | F(CANCEL_SENT), A(SEND_CANCEL) | A(ARM_CANCEL) },
	{ S(CLI_PROCEEDING), F(PROV_RCVD) | F(CANCEL_SENT), E(CANCEL_REQ), S(CLI_PROCEEDING),
	  F(PROV_RCVD) | F(CANCEL_SENT), 0 },
	{ S(CLI_PROCEEDING), F(PROV_RCVD), E(RX_FINAL), S(CLI_COMPLETED),
	  F(PROV_RCVD) | F(FINAL_RCVD), A(FORWARD) | A(SEND_ACK) | A(ARM_D) },
	{ S(CLI_PROCEEDING), F(PROV_RCVD) | F(CANCEL_SENT), E(TIMER_CANCEL), S(TERMINATED),
	  F(PROV_RCVD) | F(CANCEL_SENT), A(DESTROY) },
	{ S(CLI_PROCEEDING), F(PROV_RCVD), E(TIMER_CANCEL), S(CLI_PROCEEDING), F(PROV_RCVD),
	  0 },
	{ S(CLI_COMPLETED), F(FINAL_RCVD), E(RX_FINAL), S(CLI_COMPLETED), F(FINAL_RCVD),
	  A(SEND_ACK) },
	{ S(CLI_COMPLETED), F(FINAL_RCVD), E(CANCEL_REQ), S(CLI_COMPLETED), F(FINAL_RCVD), 0 },
	{ S(CLI_COMPLETED), F(FINAL_RCVD), E(TIMER_D), S(TERMINATED), F(FINAL_RCVD),
	  A(DESTROY) },
	/* kinds do not mix; dead and free records ignore everything */
	{ S(CLI_CALLING), 0, E(RX_CANCEL), S(CLI_CALLING), 0, A(REFUSE) },
	{ S(SRV_PROCEEDING), 0, E(RX_1XX), S(SRV_PROCEEDING), 0, A(REFUSE) },
	{ S(SRV_PROCEEDING), F(DEAD), E(RX_CANCEL), S(SRV_PROCEEDING), F(DEAD), 0 },
	{ S(FREE), 0, E(RX_CANCEL), S(FREE), 0, 0 },
};

Test(fsm, table)
{
	size_t i;

	for (i = 0; i < sizeof(fsm_cases) / sizeof(fsm_cases[0]); i++) {
		const struct fsm_case *c = &fsm_cases[i];
		uint32_t w = 0x00070000u | ((uint32_t)c->fl << 8) | (uint32_t)c->st;
		unsigned a = 0xdead;
		uint32_t n = sc_txn_step(w, c->ev, &a);

		cr_expect_eq(sc_txn_state_of(n), c->next, "%s x %s: state %s",
			     sc_txn_state_name(c->st), sc_txn_event_name(c->ev),
			     sc_txn_state_name(sc_txn_state_of(n)));
		cr_expect_eq(sc_txn_flags_of(n), c->next_fl, "%s x %s: flags %#x",
			     sc_txn_state_name(c->st), sc_txn_event_name(c->ev),
			     sc_txn_flags_of(n));
		cr_expect_eq(a, c->actions, "%s x %s: actions %#x want %#x",
			     sc_txn_state_name(c->st), sc_txn_event_name(c->ev), a, c->actions);
		cr_expect_eq(n >> 16, 7u, "step never touches the sequence");
	}
}

/* A UAS that was cancelled can never also send a 2xx: the 9.2/13.3.1.4 race. */
Test(fsm, cancel_then_2xx_refused_and_reverse)
{
	unsigned a;
	uint32_t w = SC_TXN_SRV_PROCEEDING;

	w = sc_txn_step(w, SC_TXN_EV_RX_CANCEL, &a);
	cr_assert(a & SC_TXN_A_SEND_487);
	sc_txn_step(w, SC_TXN_EV_TX_2XX, &a);
	cr_assert_eq(a, SC_TXN_A_REFUSE);

	w = sc_txn_step(SC_TXN_SRV_PROCEEDING, SC_TXN_EV_TX_2XX, &a);
	cr_assert(a & SC_TXN_A_SEND);
	sc_txn_step(w, SC_TXN_EV_RX_CANCEL, &a);
	cr_assert_eq(a, SC_TXN_A_CANCEL_200, "CANCEL after the final: 200 only (9.2)");
}

Test(fsm, names)
{
	cr_assert_str_eq(sc_txn_state_name(SC_TXN_SRV_COMPLETED), "SRV_COMPLETED");
	cr_assert_str_eq(sc_txn_event_name(SC_TXN_EV_TIMER_CANCEL), "TIMER_CANCEL");
	cr_assert_str_eq(sc_txn_state_name((enum sc_txn_state)99), "?");
	cr_assert_str_eq(sc_txn_counter_names[0], "inserts");
}

/*
 * The sent-by host is folded to lower case and the 2543 transport to upper case
 * (19.1.4, 20.42) 8 bytes at a time: every length from 0 to 80, each byte in turn
 * one of the values around the folded ranges ('@' 'A' 'Z' '[' '`' 'a' 'z' '{', 0x80,
 * 0xc1, 0xff), against a byte-at-a-time reference. The field is the last bytes of
 * its buffer, so the fold must not read past it.
 */
static char
ref_fold(char c, bool upper)
{
	if (upper && c >= 'a' && c <= 'z')
		return (char)(c - 'a' + 'A');
	if (!upper && c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

Test(keys, case_fold_every_length_and_byte_class)
{
	static const unsigned char probe[] = { '@', 'A', 'Z', '[', '`', 'a', 'z', '{', '0', '.',
					       0x80, 0xc1, 0xff };
	static char field[80];
	struct sc_sip_msg m;
	struct sc_txn_key k;
	unsigned len, pos, pi, i, side;

	for (len = 0; len <= sizeof(field); len++) {
		for (pos = 0; pos < (len == 0 ? 1 : len); pos++) {
			for (pi = 0; pi < sizeof(probe); pi++) {
				char *f = field + sizeof(field) - len;

				for (i = 0; i < len; i++)
					f[i] = (char)("HoSt-Mixed.Case.EXAMPLE.com"[(i * 5) % 27]);
				if (len > 0)
					f[pos] = (char)probe[pi];
				for (side = 0; side < 2; side++) {
					/* side 0: RFC 3261 key, host; side 1: 2543 key, transport. */
					const char *exp_at;
					unsigned off;

					memset(&m, 0, sizeof(m));
					m.kind = SC_SIP_REQUEST;
					m.method = SC_METHOD_INVITE;
					m.via_count = 1;
					m.vias[0].port = 5060;
					m.vias[0].host.p = side == 0 ? f : "h";
					m.vias[0].host.len = side == 0 ? len : 1;
					m.vias[0].transport.p = side == 1 ? f : "UDP";
					m.vias[0].transport.len = side == 1 ? len : 3;
					m.vias[0].branch.p = side == 0 ? "z9hG4bKx" : "x";
					m.vias[0].branch.len = side == 0 ? 8 : 1;
					cr_assert_eq(sc_txn_key_server(&m, &k), 0);
					/* method, len8 branch + 8 / 2543: method, 3 empty len8, cseq32 */
					off = side == 0 ? 1 + 1 + 8 : 1 + 3 + 4;
					cr_assert_eq((uint8_t)k.buf[off], len, "len %u", len);
					exp_at = k.buf + off + 1;
					for (i = 0; i < len; i++)
						cr_assert_eq(exp_at[i], ref_fold(f[i], side == 1),
							     "side %u len %u pos %u probe %#x byte %u",
							     side, len, pos, probe[pi], i);
				}
				if (len == 0)
					break;
			}
		}
	}
}

/*
 * The boundary of too_long_is_refused: an RFC 3261 key of exactly SC_TXN_KEY_MAX
 * bytes (method 1, len8 + branch, len8 + host 24, port 2) is built; one byte of
 * branch more is -E2BIG.
 */
Test(keys, key_of_exactly_max_length_fits)
{
	static const char pre[] = "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK";
	static char via[600];
	const size_t n = sizeof(pre) - 1, blen = SC_TXN_KEY_MAX - 29;
	struct req_spec s = base_3261;
	struct sc_txn_key k;
	struct pmsg p;

	memcpy(via, pre, n);
	memset(via + n, 'x', blen - 7 + 1);
	via[n + blen - 7] = '\0';
	s.via = via;
	build_req(&p, &s);
	cr_assert_eq(sc_txn_key_server(&p.m, &k), 0, "a key of SC_TXN_KEY_MAX bytes fits");
	cr_assert_eq(k.len, SC_TXN_KEY_MAX);
	via[n + blen - 7] = 'x';
	via[n + blen - 6] = '\0';
	build_req(&p, &s);
	cr_assert_eq(sc_txn_key_server(&p.m, &k), -E2BIG);
}
