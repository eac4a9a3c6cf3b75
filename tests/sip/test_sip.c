/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser and builder tests: a table of grammar cases (RFC 3261 sections 7, 20, 25),
 * the RFC 4475 corpus against EXPECTED.tsv, every truncated prefix of every
 * message placed against a guard page, on every byte-scan level the CPU has, and
 * builder round trips (8.2.6.2, 9.1, 17.1.1.3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sc_sip.h"
#include "sc_sip_wbuf.h"

/* ---- helpers ------------------------------------------------------------ */

static bool
str_is(struct sc_str s, const char *lit)
{
	if (lit == NULL)
		return s.p == NULL;
	return s.p != NULL && s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static bool
str_eq(struct sc_str a, struct sc_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#define ASSERT_STR(s, lit) \
	cr_assert(str_is((s), (lit)), "%s is '%.*s', want '%s'", #s, (int)(s).len, \
		  (s).p != NULL ? (s).p : "(null)", (lit) != NULL ? (lit) : "(absent)")

/* A region whose last readable byte sits just before a PROT_NONE page. */
struct guard {
	char *base;
	size_t size;		/* readable bytes */
};

static struct guard
guard_new(size_t need)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t size = ((need + (size_t)pg - 1) / (size_t)pg + 1) * (size_t)pg;
	struct guard g;

	g.base = mmap(NULL, size + (size_t)pg, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(g.base != MAP_FAILED);
	cr_assert(mprotect(g.base + size, (size_t)pg, PROT_NONE) == 0);
	g.size = size;
	return g;
}

static void
guard_free(struct guard *g)
{
	munmap(g->base, g->size + (size_t)sysconf(_SC_PAGESIZE));
}

/* Copy n bytes so they end exactly at the guard page. */
static const char *
guard_place(struct guard *g, const char *m, size_t n)
{
	char *p = g->base + g->size - n;

	cr_assert(n <= g->size);
	memcpy(p, m, n);
	return p;
}

static const enum sc_sip_simd all_levels[] = {
	SC_SIP_SIMD_SCALAR,
	SC_SIP_SIMD_SSE42,
	SC_SIP_SIMD_AVX2,
};

static const char *level_name[] = { "scalar", "sse4.2", "avx2" };

/* ---- the grammar table ------------------------------------------------------ */

#define VIA "Via: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK776asdhds\r\n"
#define FROM "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
#define TO "To: Bob <sip:bob@example.org>\r\n"
#define CID "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
#define MF "Max-Forwards: 70\r\n"
#define REQ_LINE "INVITE sip:bob@example.org SIP/2.0\r\n"
#define COMMON VIA FROM TO CID MF
#define INVITE_OK REQ_LINE COMMON "CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n"
#define RESP_HDRS VIA FROM "To: Bob <sip:bob@example.org>;tag=a6c85cf\r\n" CID \
	"CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n"

struct pcase {
	const char *name;
	const char *msg;
	enum sc_sip_error err;
	uint16_t resp;		/* sc_sip_verdict_response */
	void (*check)(const struct sc_sip_msg *m, const char *buf, size_t len);
};

static void
chk_basic(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	cr_assert_eq(m->kind, SC_SIP_REQUEST);
	cr_assert_eq(m->method, SC_METHOD_INVITE);
	ASSERT_STR(m->method_name, "INVITE");
	ASSERT_STR(m->request_uri, "sip:bob@example.org");
	cr_assert_eq(m->via_count, 1);
	cr_assert_eq(m->via_total, 1);
	ASSERT_STR(m->vias[0].value, "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK776asdhds");
	ASSERT_STR(m->vias[0].protocol, "SIP/2.0");
	ASSERT_STR(m->vias[0].transport, "UDP");
	ASSERT_STR(m->vias[0].host, "198.18.0.1");
	cr_assert_eq(m->vias[0].host_type, SC_HOST_IPV4);
	cr_assert_eq(m->vias[0].port, 5060);
	ASSERT_STR(m->vias[0].branch, "z9hG4bK776asdhds");
	cr_assert(sc_sip_branch_is_rfc3261(&m->vias[0].branch));
	ASSERT_STR(m->vias[0].received, NULL);
	cr_assert(!m->vias[0].has_rport);
	ASSERT_STR(m->from.value, "Alice <sip:alice@example.com>;tag=1928301774");
	ASSERT_STR(m->from.uri, "sip:alice@example.com");
	ASSERT_STR(m->from.tag, "1928301774");
	ASSERT_STR(m->to.uri, "sip:bob@example.org");
	ASSERT_STR(m->to.tag, NULL);
	ASSERT_STR(m->call_id, "a84b4c76e66710@pc33.example.com");
	cr_assert_eq(m->cseq, 314159);
	cr_assert_eq(m->cseq_method, SC_METHOD_INVITE);
	cr_assert_eq(m->max_forwards, 70);
	ASSERT_STR(m->max_forwards_value, " 70");	/* raw, from after the colon */
	cr_assert_eq(m->content_length, 0);
	cr_assert_eq(m->body.len, 0);
	cr_assert_eq(m->msg_len, len);
}

static void
chk_compact(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->via_count, 1);
	ASSERT_STR(m->vias[0].branch, "z9hG4bKc1");
	ASSERT_STR(m->from.tag, "f1");
	ASSERT_STR(m->to.tag, "t1");
	ASSERT_STR(m->call_id, "compact@h");
	cr_assert_eq(m->content_length, 4);
	ASSERT_STR(m->body, "abcd");
}

static void
chk_ipv6(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->via_count, 2);
	ASSERT_STR(m->vias[0].host, "[2001:db8::9:1]");
	cr_assert_eq(m->vias[0].host_type, SC_HOST_IPV6);
	cr_assert_eq(m->vias[0].port, 5070);
	ASSERT_STR(m->vias[0].received, "2001:db8::9:255");
	cr_assert(m->vias[0].has_rport);
	ASSERT_STR(m->vias[0].rport, "5071");
	ASSERT_STR(m->vias[0].maddr, "[2001:db8::2]");
	ASSERT_STR(m->vias[0].branch, "z9hG4bKv6");
	ASSERT_STR(m->vias[1].host, "[::1]");
	cr_assert_eq(m->vias[1].port, 0);
	ASSERT_STR(m->request_uri, "sip:[2001:db8::10]:5060");
	ASSERT_STR(m->to.uri, "sip:user@[2001:db8::10]");
}

static void
chk_via_forms(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	static const char *hosts[] = {
		"a.example.com", "b.example.com", "c.example.com", "d.example.com",
		"e.example.com", "f.example.com",
	};

	(void)buf;
	(void)len;
	cr_assert_eq(m->via_count, 6);
	cr_assert_eq(m->via_total, 6);
	for (unsigned i = 0; i < 6; i++) {
		ASSERT_STR(m->vias[i].host, hosts[i]);
		cr_assert_eq(m->vias[i].host_type, SC_HOST_NAME);
	}
	ASSERT_STR(m->vias[0].branch, "z9hG4bK1");	/* ;BRANCH= */
	ASSERT_STR(m->vias[1].branch, "z9hG4bK2");	/* folded before ;branch */
	ASSERT_STR(m->vias[1].transport, "TCP");
	ASSERT_STR(m->vias[2].branch, "z9hG4bK3");	/* tabs */
	ASSERT_STR(m->vias[3].branch, "z9hG4bK4");	/* space before colon, SWS around = */
	cr_assert(m->vias[3].has_rport);
	cr_assert_eq(m->vias[3].rport.len, 0);
	ASSERT_STR(m->vias[4].protocol, "SIP / 2.0");
	ASSERT_STR(m->vias[4].transport, "SCTP");
	cr_assert_eq(m->vias[4].port, 5062);
	ASSERT_STR(m->vias[5].branch, "z9hG4bK6");	/* no space after the colon */
}

static void
chk_addr(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	ASSERT_STR(m->from.value,
		"\"J \\\"Rosenberg\\\", \\\\x\" <sip:jdrosen@example.com>;TAG=98asjd8");
	ASSERT_STR(m->from.uri, "sip:jdrosen@example.com");
	ASSERT_STR(m->from.tag, "98asjd8");
	ASSERT_STR(m->to.uri, "sip:b@y.example.org;transport=udp");
	ASSERT_STR(m->to.tag, "5");
}

static void
chk_addrspec(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	ASSERT_STR(m->from.uri, "sip:a@x.example.com");
	ASSERT_STR(m->from.tag, "7");
	ASSERT_STR(m->to.uri, "sip:b@y.example.com");
	ASSERT_STR(m->to.tag, "zz");
}

static void
chk_lists(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->route_count, 3);
	ASSERT_STR(m->routes[0], "<sip:p1.example.com;lr>");
	ASSERT_STR(m->routes[1], "\"a, b\" <sip:p2.example.com;lr>;x=1");
	ASSERT_STR(m->routes[2], "<sip:p3.example.com;lr>");
	cr_assert_eq(m->require_count, 2);
	ASSERT_STR(m->requires[0], "100rel");
	ASSERT_STR(m->requires[1], "timer");
	cr_assert_eq(m->proxy_require_count, 1);
	ASSERT_STR(m->proxy_requires[0], "foo");
	cr_assert_eq(m->reason_count, 2);
	ASSERT_STR(m->reasons[0], "SIP ;cause=200 ;text=\"Call completed, elsewhere\"");
	ASSERT_STR(m->reasons[1], "Q.850;cause=16");
}

static void
chk_no_cl(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)len;
	cr_assert_eq(m->content_length, -1);
	cr_assert_eq(m->max_forwards, -1);
	ASSERT_STR(m->max_forwards_value, NULL);
	ASSERT_STR(m->body, "v=0\r\nrest");
	cr_assert_eq(m->body.p + m->body.len, buf + len);
}

static void
chk_short_cl(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	ASSERT_STR(m->body, "ab");
	cr_assert_eq(m->msg_len, (uint32_t)(m->body.p + 2 - buf));
	cr_assert_lt(m->msg_len, len);
}

static void
chk_ext(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->method, SC_METHOD_EXTENSION);
	ASSERT_STR(m->method_name, "FOO");
	cr_assert_eq(m->cseq_method, SC_METHOD_EXTENSION);
	ASSERT_STR(m->cseq_method_name, "FOO");
}

static void
chk_resp(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->kind, SC_SIP_RESPONSE);
	cr_assert_eq(m->status, 180);
	ASSERT_STR(m->reason_phrase, "Ringing");
	cr_assert_eq(m->method, SC_METHOD_NONE);
	cr_assert_eq(m->cseq_method, SC_METHOD_INVITE);
	ASSERT_STR(m->to.tag, "a6c85cf");
}

static void
chk_mf_zeros(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->max_forwards, 68);
	cr_assert_eq(m->cseq, 9);
}

static void
chk_cseq_max(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->cseq, 4294967295u);
}

static void
chk_many_vias(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	cr_assert_eq(m->via_total, 20);
	cr_assert_eq(m->via_count, SC_SIP_MAX_VIAS);
	ASSERT_STR(m->vias[15].host, "h15.example.com");
}

static void
chk_keepalive_prefix(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	cr_assert_eq(m->msg_len, len);
	cr_assert_eq(m->method, SC_METHOD_OPTIONS);
}

static void
chk_nine_routes(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	struct sc_sip_sent_invite si;

	(void)buf;
	(void)len;
	cr_assert_eq(m->route_count, SC_SIP_MAX_ROUTES);
	cr_assert_eq(m->route_total, 9);
	ASSERT_STR(m->routes[7], "<sip:8>");
	/* 9.1: a CANCEL must repeat all nine, which cannot be kept. */
	cr_assert_eq(sc_sip_sent_invite_from_msg(&si, m), -E2BIG);
}

struct list_seen {
	unsigned n;
	char v[16][48];
};

static int
list_seen_add(void *arg, const char *p, size_t len)
{
	struct list_seen *s = arg;

	cr_assert_lt(s->n, 16);
	cr_assert_lt(len, sizeof(s->v[0]));
	memcpy(s->v[s->n], p, len);
	s->v[s->n++][len] = '\0';
	return 0;
}

static int
list_stop_at_3(void *arg, const char *p, size_t len)
{
	struct list_seen *s = arg;

	(void)p;
	(void)len;
	return ++s->n == 3 ? 42 : 0;
}

/* The rescan of one list: n values, the first and the last as given. */
static void
assert_list(const struct sc_sip_msg *m, enum sc_sip_list which, unsigned n,
	    const char *first, const char *last)
{
	struct list_seen s = { 0 };

	cr_assert_eq(sc_sip_foreach_list_value(m, which, list_seen_add, &s), 0);
	cr_assert_eq(s.n, n, "list %d", (int)which);
	cr_assert_str_eq(s.v[0], first);
	cr_assert_str_eq(s.v[n - 1], last);
}

/*
 * None of these lists has a bound in the grammar (20.32, 20.29; RFC 3326): the
 * first ones are kept, all are counted, and the rescan gives every value in order.
 */
static void
chk_long_lists(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	struct list_seen s = { 0 };

	(void)buf;
	(void)len;
	cr_assert_eq(m->require_count, SC_SIP_MAX_REQUIRES);
	cr_assert_eq(m->require_total, 10);
	ASSERT_STR(m->requires[7], "r8");
	assert_list(m, SC_SIP_LIST_REQUIRE, 10, "r1", "r10");
	cr_assert_eq(m->proxy_require_count, SC_SIP_MAX_REQUIRES);
	cr_assert_eq(m->proxy_require_total, 9);
	assert_list(m, SC_SIP_LIST_PROXY_REQUIRE, 9, "p1", "p9");
	cr_assert_eq(m->reason_count, SC_SIP_MAX_REASONS);
	cr_assert_eq(m->reason_total, 5);
	assert_list(m, SC_SIP_LIST_REASON, 5, "Q.850;cause=16", "Q.850;cause=31");
	/* The quoted comma is inside one value. */
	sc_sip_foreach_list_value(m, SC_SIP_LIST_REASON, list_seen_add, &s);
	cr_assert_str_eq(s.v[1], "SIP;text=\"a, b\"");
	/* A callback's non-zero result stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	cr_assert_eq(sc_sip_foreach_list_value(m, SC_SIP_LIST_REQUIRE, list_stop_at_3, &s), 42);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(sc_sip_foreach_list_value(m, (enum sc_sip_list)7, list_seen_add, &s),
		     -EINVAL);
}

static void
chk_partial(const struct sc_sip_msg *m, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	/* On error the readable fields stay filled so a 400 can be sent (8.2.6.2). */
	cr_assert_eq(m->via_count, 1);
	ASSERT_STR(m->vias[0].branch, "z9hG4bK776asdhds");
	ASSERT_STR(m->call_id, "a84b4c76e66710@pc33.example.com");
	ASSERT_STR(m->from.tag, "1928301774");
	cr_assert_eq(m->cseq, 314159);
}

#define VIA20 \
	"Via: SIP/2.0/UDP h0.example.com;branch=z9hG4bK0, SIP/2.0/UDP h1.example.com\r\n" \
	"Via: SIP/2.0/UDP h2.example.com,SIP/2.0/UDP h3.example.com,SIP/2.0/UDP " \
		"h4.example.com\r\n" \
	"Via: SIP/2.0/UDP h5.example.com\r\nVia: SIP/2.0/UDP h6.example.com\r\n" \
	"Via: SIP/2.0/UDP h7.example.com\r\nVia: SIP/2.0/UDP h8.example.com\r\n" \
	"Via: SIP/2.0/UDP h9.example.com\r\nVia: SIP/2.0/UDP h10.example.com\r\n" \
	"Via: SIP/2.0/UDP h11.example.com\r\nVia: SIP/2.0/UDP h12.example.com\r\n" \
	"Via: SIP/2.0/UDP h13.example.com\r\nVia: SIP/2.0/UDP h14.example.com\r\n" \
	"Via: SIP/2.0/UDP h15.example.com\r\nVia: SIP/2.0/UDP h16.example.com\r\n" \
	"Via: SIP/2.0/UDP h17.example.com\r\nVia: SIP/2.0/UDP h18.example.com\r\n" \
	"Via: SIP/2.0/UDP h19.example.com\r\n"

static const struct pcase cases[] = {
	{ "basic", INVITE_OK, SC_SIP_E_OK, 0, chk_basic },
	{ "compact", "INVITE sip:b@y SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bKc1\r\n"
	  "f: <sip:a@x>;tag=f1\r\nT: <sip:b@y>;tag=t1\r\ni: compact@h\r\n"
	  "CSeq: 1 INVITE\r\nl: 4\r\nc: text/plain\r\n\r\nabcdEXTRA", SC_SIP_E_OK, 0, chk_compact },
	{ "ipv6", "INVITE sip:[2001:db8::10]:5060 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;received=2001:db8::9:255;rport=5071;"
	  "maddr=[2001:db8::2];branch=z9hG4bKv6\r\nVia: SIP/2.0/UDP [::1]\r\n"
	  FROM "To: <sip:user@[2001:db8::10]>\r\n" CID "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_OK, 0, chk_ipv6 },
	{ "via forms", "OPTIONS sip:b@y SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP a.example.com;BRANCH=z9hG4bK1\r\n"
	  "via: SIP/2.0/TCP b.example.com\r\n ;branch=z9hG4bK2\r\n"
	  "VIA:\tSIP/2.0/UDP\tc.example.com\t;\tbranch=z9hG4bK3\r\n"
	  "Via  : SIP/2.0/UDP d.example.com ; branch = z9hG4bK4;rport, "
	  "SIP / 2.0 / SCTP e.example.com : 5062\r\n"
	  "Via:SIP/2.0/UDP f.example.com;branch=z9hG4bK6\r\n"
	  FROM TO CID "CSeq: 2 OPTIONS\r\n\r\n", SC_SIP_E_OK, 0, chk_via_forms },
	{ "addr quoting", "OPTIONS sip:b@y SIP/2.0\r\n" VIA
	  "From: \"J \\\"Rosenberg\\\", \\\\x\" <sip:jdrosen@example.com>;TAG=98asjd8\r\n"
	  "To:\r\n <sip:b@y.example.org;transport=udp> ;tag = 5\r\n" CID
	  "CSeq: 1 OPTIONS\r\n\r\n", SC_SIP_E_OK, 0, chk_addr },
	{ "addr-spec", "OPTIONS sip:b@y SIP/2.0\r\n" VIA
	  "From: sip:a@x.example.com;tag=7\r\nTo: sip:b@y.example.com ;tag=zz;foo\r\n" CID
	  "CSeq: 1 OPTIONS\r\n\r\n", SC_SIP_E_OK, 0, chk_addrspec },
	{ "lists", REQ_LINE COMMON "CSeq: 1 INVITE\r\n"
	  "Route: <sip:p1.example.com;lr>, \"a, b\" <sip:p2.example.com;lr>;x=1\r\n"
	  "Require: 100rel,timer\r\nProxy-Require: foo\r\n"
	  "Route: <sip:p3.example.com;lr>\r\n"
	  "Reason: SIP ;cause=200 ;text=\"Call completed, elsewhere\", Q.850;cause=16\r\n\r\n",
	  SC_SIP_E_OK, 0, chk_lists },
	{ "unknown headers", REQ_LINE COMMON "CSeq: 1 INVITE\r\nX-Empty:\r\nX-Sp: \r\n"
	  "X-Weird: \"unterminated <<< ;;,,\r\nX-Fold: a\r\n\tb\r\n c\r\n"
	  "extensionHeader-!.%*+_`'~:\xef\xbb\xbf\r\n\r\n", SC_SIP_E_OK, 0, NULL },
	{ "no content-length", "INVITE sip:b@y SIP/2.0\r\n" VIA FROM TO CID
	  "CSeq: 1 INVITE\r\n\r\nv=0\r\nrest", SC_SIP_E_OK, 0, chk_no_cl },
	{ "octets after body", REQ_LINE COMMON "CSeq: 1 INVITE\r\nContent-Length: 2\r\n\r\nabcd",
	  SC_SIP_E_OK, 0, chk_short_cl },
	{ "same content-length twice", REQ_LINE COMMON
	  "CSeq: 1 INVITE\r\nContent-Length: 2\r\nl: 002\r\n\r\nab", SC_SIP_E_OK, 0, NULL },
	{ "extension method", "FOO sip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 FOO\r\n\r\n",
	  SC_SIP_E_OK, 0, chk_ext },
	{ "response", "SIP/2.0 180 Ringing\r\n" RESP_HDRS, SC_SIP_E_OK, 0, chk_resp },
	{ "response empty phrase", "SIP/2.0 200 \r\n" RESP_HDRS, SC_SIP_E_OK, 0, NULL },
	{ "leading zeros", REQ_LINE VIA FROM TO CID "Max-Forwards: 0068\r\n"
	  "CSeq: 0009\r\n  INVITE\r\n\r\n", SC_SIP_E_OK, 0, chk_mf_zeros },
	{ "cseq 2^32-1", REQ_LINE COMMON "CSeq: 4294967295 INVITE\r\n\r\n", SC_SIP_E_OK, 0,
	  chk_cseq_max },
	{ "20 vias", REQ_LINE VIA20 FROM TO CID "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_OK, 0,
	  chk_many_vias },
	{ "bare LF", "OPTIONS sip:b@y SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKlf\n"
	  "From: <sip:a@x>;tag=1\nTo: <sip:b@y>\nCall-ID: lf\nCSeq: 1 OPTIONS\n\n",
	  SC_SIP_E_OK, 0, NULL },
	{ "keepalive CRLF first", "\r\n\r\nOPTIONS sip:b@y SIP/2.0\r\n" COMMON
	  "CSeq: 1 OPTIONS\r\n\r\n", SC_SIP_E_OK, 0, chk_keepalive_prefix },
	{ "lower-case version", "OPTIONS sip:b@y sip/2.0\r\n" COMMON "CSeq: 1 OPTIONS\r\n\r\n",
	  SC_SIP_E_OK, 0, NULL },
	{ "ack", "ACK sip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 ACK\r\n\r\n", SC_SIP_E_OK, 0, NULL },
	/* RFC 4475 and RFC 5118 messages that are not in tests/data */
	{ "4475 esc02", "RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
	  "To: \"%Z%45\" <sip:resource@example.com>\r\n"
	  "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n"
	  "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\r\n"
	  "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209g\r\n"
	  "CSeq: 29344 RE%47IST%45R\r\nMax-Forwards: 70\r\n"
	  "C%6Fntact: <sip:alias2@host2.example.com>\r\nl: 0\r\n\r\n", SC_SIP_E_OK, 0, NULL },
	{ "4475 transports", "OPTIONS sip:user@example.com SIP/2.0\r\n" FROM TO CID
	  "CSeq: 60 OPTIONS\r\nVia: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
	  "Via: SIP/2.0/TLS-SCTP t3.example.com;branch=z9hG4bK2980unddj\r\n"
	  "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\nl: 0\r\n\r\n",
	  SC_SIP_E_OK, 0, NULL },
	{ "4475 lwsstart", "INVITE  sip:user@example.com  SIP/2.0\r\n" COMMON
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_REQUEST_URI, 400, NULL },
	{ "4475 trws", "OPTIONS sip:remote-target@example.com SIP/2.0  \r\n" COMMON
	  "CSeq: 1 OPTIONS\r\n\r\n", SC_SIP_E_START_LINE, 400, NULL },
	{ "4475 badaspec", "OPTIONS sip:user@example.org SIP/2.0\r\n" VIA FROM
	  "To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n" CID
	  "CSeq: 1 OPTIONS\r\n\r\n", SC_SIP_E_ANGLE, 400, NULL },
	{ "4475 baddn", "OPTIONS sip:user@example.org SIP/2.0\r\n" VIA
	  "From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\n" TO CID
	  "CSeq: 1 OPTIONS\r\n\r\n", SC_SIP_E_FROM, 400, NULL },
	{ "4475 mismatch02", "NEWMETHOD sip:user@example.com SIP/2.0\r\n" COMMON
	  "CSeq: 8 INVITE\r\n\r\n", SC_SIP_E_CSEQ_METHOD, 400, NULL },
	{ "5118 ipv6 received", "BYE sip:[2001:db8::10] SIP/2.0\r\n"
	  "To: sip:user@example.com;tag=bd76ya\r\nFrom: sip:user@example.com;tag=81x2\r\n"
	  "Via: SIP/2.0/UDP [2001:db8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bKas3\r\n"
	  CID "CSeq: 321 BYE\r\n\r\n", SC_SIP_E_OK, 0, NULL },
	{ "5118 ipv4-mapped", "OPTIONS sip:user@[::ffff:192.0.2.1] SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP [::ffff:192.0.2.2];branch=z9hG4bKas3\r\n" FROM
	  "To: sip:user@[::ffff:192.0.2.1]\r\n" CID "CSeq: 921 OPTIONS\r\n\r\n",
	  SC_SIP_E_OK, 0, NULL },

	{ "cancel", "CANCEL sip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 CANCEL\r\n\r\n",
	  SC_SIP_E_OK, 0, NULL },

	/* rejections */
	{ "cseq 2^32", REQ_LINE COMMON "CSeq: 4294967296 INVITE\r\n\r\n",
	  SC_SIP_E_CSEQ_RANGE, 400, NULL },
	{ "cseq no method", REQ_LINE COMMON "CSeq: 1\r\n\r\n", SC_SIP_E_CSEQ, 400, NULL },
	{ "cseq no number", REQ_LINE COMMON "CSeq: INVITE\r\n\r\n", SC_SIP_E_CSEQ, 400, NULL },
	{ "cseq twice", REQ_LINE COMMON "CSeq: 1 INVITE\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_CSEQ, 400, NULL },
	{ "ack with cseq invite", "ACK sip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_CSEQ_METHOD, 400, NULL },
	{ "cancel with cseq invite", "CANCEL sip:b@y SIP/2.0\r\n" COMMON
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_CSEQ_METHOD, 400, NULL },
	{ "cseq method case", REQ_LINE COMMON "CSeq: 1 invite\r\n\r\n",
	  SC_SIP_E_CSEQ_METHOD, 400, NULL },
	/* 8.1.1.5: the whole token matches, not a prefix of it. */
	{ "cseq method longer", "FOO sip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 FOOBAR\r\n\r\n",
	  SC_SIP_E_CSEQ_METHOD, 400, NULL },
	/* 20.16: CSeq = 1*DIGIT LWS Method, and nothing after the method. */
	{ "cseq no LWS", REQ_LINE COMMON "CSeq: 1INVITE\r\n\r\n", SC_SIP_E_CSEQ, 400, NULL },
	{ "cseq trailing token", REQ_LINE COMMON "CSeq: 1 INVITE x\r\n\r\n", SC_SIP_E_CSEQ,
	  400, NULL },
	{ "status 099", "SIP/2.0 099 Low\r\n" RESP_HDRS, SC_SIP_E_STATUS_CODE, 0, NULL },
	{ "status 700", "SIP/2.0 700 High\r\n" RESP_HDRS, SC_SIP_E_STATUS_CODE, 0, NULL },
	{ "status 4 digits", "SIP/2.0 1000 X\r\n" RESP_HDRS, SC_SIP_E_STATUS_CODE, 0, NULL },
	{ "status not digits", "SIP/2.0 2x0 X\r\n" RESP_HDRS, SC_SIP_E_START_LINE, 0, NULL },
	{ "response version", "SIP/3.0 200 OK\r\n" RESP_HDRS, SC_SIP_E_VERSION, 0, NULL },
	{ "request version", "INVITE sip:b@y SIP/2.1\r\n" COMMON "CSeq: 314159 INVITE\r\n\r\n",
	  SC_SIP_E_VERSION, 505, chk_partial },
	{ "garbage version", "INVITE sip:b@y HTTP/1.1\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_START_LINE, 400, NULL },
	{ "no version", "INVITE sip:b@y\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_START_LINE, 400, NULL },
	{ "uri in <>", "INVITE <sip:b@y> SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_REQUEST_URI, 400, NULL },
	{ "uri with LWS", "INVITE sip:b@y; lr SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_REQUEST_URI, 400, NULL },
	{ "uri no scheme", "INVITE bob SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_REQUEST_URI, 400, NULL },
	{ "method then tab", "INVITE\tsip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_METHOD, 400, NULL },
	{ "missing via", "OPTIONS sip:b@y SIP/2.0\r\n" FROM TO CID "CSeq: 1 OPTIONS\r\n\r\n",
	  SC_SIP_E_MISSING_HEADER, 400, NULL },
	{ "missing to", "OPTIONS sip:b@y SIP/2.0\r\n" VIA FROM CID "CSeq: 1 OPTIONS\r\n\r\n",
	  SC_SIP_E_MISSING_HEADER, 400, NULL },
	{ "missing cseq", "OPTIONS sip:b@y SIP/2.0\r\n" VIA FROM TO CID "\r\n",
	  SC_SIP_E_MISSING_HEADER, 400, NULL },
	{ "response missing call-id", "SIP/2.0 200 OK\r\n" VIA FROM TO "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_MISSING_HEADER, 0, NULL },
	{ "content-length too big",
		REQ_LINE COMMON "CSeq: 314159 INVITE\r\nContent-Length: 5\r\n\r\n"
	  "abcd", SC_SIP_E_BODY_TRUNCATED, 400, chk_partial },
	{ "content-length negative", REQ_LINE COMMON "CSeq: 1 INVITE\r\nl: -1\r\n\r\n",
	  SC_SIP_E_CONTENT_LENGTH, 400, NULL },
	{ "content-length conflict", REQ_LINE COMMON
	  "CSeq: 1 INVITE\r\nContent-Length: 1\r\nl: 2\r\n\r\nab", SC_SIP_E_CONTENT_LENGTH, 400,
	  NULL },
	/* A first value of 0 conflicts as much as any other (20.14, 18.3). */
	{ "content-length 0 then 2", REQ_LINE COMMON
	  "CSeq: 1 INVITE\r\nl: 0\r\nContent-Length: 2\r\n\r\nab", SC_SIP_E_CONTENT_LENGTH,
	  400, NULL },
	{ "content-length huge", REQ_LINE COMMON
	  "CSeq: 1 INVITE\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	  SC_SIP_E_CONTENT_LENGTH, 400, NULL },
	{ "max-forwards text",
		REQ_LINE VIA FROM TO CID "Max-Forwards: abc\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_MAX_FORWARDS, 400, NULL },
	/* Max-Forwards is not a list header: one line only (7.3.1, 20.22). */
	{ "max-forwards twice", REQ_LINE COMMON "Max-Forwards: 69\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_MAX_FORWARDS, 400, NULL },
	{ "call-id with space", REQ_LINE VIA FROM TO "Call-ID: a b\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_CALL_ID, 400, NULL },
	{ "call-id twice", REQ_LINE COMMON "i: other\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_CALL_ID, 400, NULL },
	{ "call-id empty", REQ_LINE VIA FROM TO "Call-ID:\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_CALL_ID, 400, NULL },
	{ "two To values", REQ_LINE VIA FROM "To: <sip:a@b>, <sip:c@d>\r\n" CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_TO, 400, NULL },
	{ "To twice", REQ_LINE COMMON "t: <sip:c@d>\r\nCSeq: 1 INVITE\r\n\r\n", SC_SIP_E_TO, 400,
	  NULL },
	{ "From twice", REQ_LINE COMMON "f: <sip:c@d>\r\nCSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_FROM, 400, NULL },
	{ "open quote", REQ_LINE VIA "From: \"Alice <sip:a@x>;tag=1\r\n" TO CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_QUOTE, 400, NULL },
	{ "open angle", REQ_LINE VIA FROM "To: Bob <sip:b@y\r\n" CID "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_ANGLE, 400, NULL },
	{ "empty tag", REQ_LINE VIA "From: <sip:a@x>;tag=\r\n" TO CID "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_FROM, 400, NULL },
	{ "via empty element", REQ_LINE "Via: SIP/2.0/UDP h1,,SIP/2.0/UDP h2\r\n" FROM TO CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_VIA, 400, NULL },
	{ "via empty params", REQ_LINE "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n" FROM TO CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_VIA, 400, NULL },
	{ "via port range", REQ_LINE "Via: SIP/2.0/UDP h:65536\r\n" FROM TO CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_VIA, 400, NULL },
	{ "via no sent-by", REQ_LINE "Via: SIP/2.0/UDP\r\n" FROM TO CID "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_VIA, 400, NULL },
	{ "via empty branch", REQ_LINE "Via: SIP/2.0/UDP h;branch=\r\n" FROM TO CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_VIA, 400, NULL },
	{ "via bad ipv6", REQ_LINE "Via: SIP/2.0/UDP [2001:db8::1\r\n" FROM TO CID
	  "CSeq: 1 INVITE\r\n\r\n", SC_SIP_E_VIA, 400, NULL },
	/* A route set has no bound (25.1): eight kept, all nine counted. */
	{ "nine routes", REQ_LINE COMMON "CSeq: 1 INVITE\r\nRoute: <sip:1>,<sip:2>,<sip:3>,"
	  "<sip:4>,<sip:5>,<sip:6>,<sip:7>,<sip:8>\r\nRoute: <sip:9>\r\n\r\n", SC_SIP_E_OK, 0,
	  chk_nine_routes },
	{ "long lists", REQ_LINE COMMON "CSeq: 1 INVITE\r\n"
	  "Require: r1,r2,r3,r4,r5 , r6,r7,r8,r9,\r\n r10\r\n"
	  "Proxy-Require: p1,p2,p3,p4,p5\r\nReason: Q.850;cause=16\r\n"
	  "Proxy-Require: p6,p7,p8,p9\r\n"
	  "Reason: SIP;text=\"a, b\",SIP;cause=1,SIP;cause=2\r\nReason: Q.850;cause=31\r\n\r\n",
	  SC_SIP_E_OK, 0, chk_long_lists },
	{ "route without <>", REQ_LINE COMMON "CSeq: 1 INVITE\r\nRoute: sip:p1;lr\r\n\r\n",
	  SC_SIP_E_ANGLE, 400, NULL },
	{ "require not token", REQ_LINE COMMON "CSeq: 1 INVITE\r\nRequire: a b\r\n\r\n",
	  SC_SIP_E_HEADER_SYNTAX, 400, NULL },
	{ "header without colon", REQ_LINE COMMON "CSeq: 314159 INVITE\r\nBogus header\r\n\r\n",
	  SC_SIP_E_HEADER_SYNTAX, 400, chk_partial },
	{ "leading fold", REQ_LINE " folded: x\r\n" COMMON "CSeq: 1 INVITE\r\n\r\n",
	  SC_SIP_E_HEADER_SYNTAX, 400, NULL },
	{ "bare CR in header", REQ_LINE COMMON "CSeq: 1 INVITE\r\nX-A: a\rb\r\n\r\n",
	  SC_SIP_E_HEADER_SYNTAX, 400, NULL },
	{ "no empty line", REQ_LINE COMMON "CSeq: 314159 INVITE\r\nX: y\r\n", SC_SIP_E_TRUNCATED,
		400,
	  chk_partial },
	/* Not even a whole start line: the kind is unknown, nothing to answer. */
	{ "start line only", "INVITE sip:b@y SIP/2.0", SC_SIP_E_TRUNCATED, 0, NULL },
	{ "binary", "\x01\x01\x00\x08\x21\x12\xa4\x42", SC_SIP_E_NOT_SIP, 0, NULL },
	{ "empty", "", SC_SIP_E_NOT_SIP, 0, NULL },
	{ "only CRLF", "\r\n\r\n", SC_SIP_E_NOT_SIP, 0, NULL },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void
run_case(const struct pcase *c, struct guard *g, const char *lvl)
{
	size_t len = strlen(c->msg);
	const char *buf = guard_place(g, c->msg, len);
	struct sc_sip_msg m;
	int rc = sc_sip_parse(buf, len, &m);

	if (c->err == SC_SIP_E_OK)
		cr_assert_gt(rc, 0, "[%s] %s: rc %d (%s)", lvl, c->name, rc,
			     sc_sip_error_name((enum sc_sip_error)m.error));
	else
		cr_assert_eq(rc, -(int)c->err, "[%s] %s: rc %d (%s), want %s", lvl, c->name, rc,
			     sc_sip_error_name((enum sc_sip_error)m.error),
			     sc_sip_error_name(c->err));
	cr_assert_eq(m.error, c->err, "[%s] %s", lvl, c->name);
	cr_assert_eq(sc_sip_verdict_response(&m), c->resp, "[%s] %s: response %u want %u", lvl,
		     c->name, sc_sip_verdict_response(&m), c->resp);
	if (c->check != NULL)
		c->check(&m, buf, len);
}

Test(sip_parse, table_every_simd_level)
{
	struct guard g = guard_new(8192);
	unsigned levels = 0;

	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		levels++;
		for (size_t i = 0; i < NCASES; i++)
			run_case(&cases[i], &g, level_name[l]);
	}
	cr_assert_geq(levels, 1);
	cr_assert_eq(sc_sip_set_simd(SC_SIP_SIMD_SCALAR), 0);
	guard_free(&g);
}

/*
 * Via values in the shapes the vector levels parse on a fast path and in the ones
 * that leave it, each checked at every level: sent-by (IPv4address, hostname,
 * IPv6reference per 25.1), port, and the parameters of 20.42 / RFC 3581.
 */
struct via_case {
	const char *via;
	enum sc_sip_error err;
	uint8_t host_type;
	const char *host;
	uint16_t port;
	const char *branch;
	const char *received;
	bool has_rport;
};

static const struct via_case via_cases[] = {
	{ "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKa1", SC_SIP_E_OK, SC_HOST_IPV4,
	  "198.18.0.1", 5060, "z9hG4bKa1", NULL, false },
	{ "SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKa2", SC_SIP_E_OK, SC_HOST_IPV4,
	  "255.255.255.255", 0, "z9hG4bKa2", NULL, false },
	{ "SIP/2.0/UDP 01.002.3.249;branch=z9hG4bKa3", SC_SIP_E_OK, SC_HOST_IPV4,
	  "01.002.3.249", 0, "z9hG4bKa3", NULL, false },
	{ "SIP/2.0/UDP 256.1.1.1;branch=z9hG4bKa4", SC_SIP_E_OK, SC_HOST_NAME,
	  "256.1.1.1", 0, "z9hG4bKa4", NULL, false },
	{ "SIP/2.0/UDP 1.2.3.4.5;branch=z9hG4bKa5", SC_SIP_E_OK, SC_HOST_NAME,
	  "1.2.3.4.5", 0, "z9hG4bKa5", NULL, false },
	{ "SIP/2.0/UDP 1..23.4;branch=z9hG4bKa6", SC_SIP_E_OK, SC_HOST_NAME,
	  "1..23.4", 0, "z9hG4bKa6", NULL, false },
	{ "SIP/2.0/UDP 1234.1.1.1;branch=z9hG4bKa7", SC_SIP_E_OK, SC_HOST_NAME,
	  "1234.1.1.1", 0, "z9hG4bKa7", NULL, false },
	{ "SIP/2.0/UDP 10.0.0.1.:5060;branch=z9hG4bKa8", SC_SIP_E_OK, SC_HOST_NAME,
	  "10.0.0.1.", 5060, "z9hG4bKa8", NULL, false },
	{ "SIP/2.0/UDP 10.0.0.25a;branch=z9hG4bKa9", SC_SIP_E_OK, SC_HOST_NAME,
	  "10.0.0.25a", 0, "z9hG4bKa9", NULL, false },
	{ "sip/2.0/tcp host.example.com:5061;rport;received=198.18.0.2;branch=z9hG4bKb1",
	  SC_SIP_E_OK, SC_HOST_NAME, "host.example.com", 5061, "z9hG4bKb1", "198.18.0.2",
	  true },
	{ "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKc1", SC_SIP_E_OK, SC_HOST_IPV6,
	  "[2001:db8::1]", 5060, "z9hG4bKc1", NULL, false },
	{ "SIP/2.0/UDP 198.18.0.1 ;branch=z9hG4bKd1", SC_SIP_E_OK, SC_HOST_IPV4,
	  "198.18.0.1", 0, "z9hG4bKd1", NULL, false },
	{ "SIP/2.0/UDP 198.18.0.1;received=[2001:db8::2];branch=z9hG4bKe1", SC_SIP_E_OK,
	  SC_HOST_IPV4, "198.18.0.1", 0, "z9hG4bKe1", "[2001:db8::2]", false },
	{ "SIP/2.0/UDP 198.18.0.1;BRANCH=z9hG4bKf1;RPort=5062", SC_SIP_E_OK, SC_HOST_IPV4,
	  "198.18.0.1", 0, "z9hG4bKf1", NULL, true },
	{ "SIP/2.0/UDP 198.18.0.1:65536;branch=z9hG4bKg1", SC_SIP_E_VIA, 0, NULL, 0, NULL,
	  NULL, false },
	{ "SIP/2.0/UDP 198.18.0.1;rport=12a;branch=z9hG4bKg2", SC_SIP_E_VIA, 0, NULL, 0,
	  NULL, NULL, false },
	{ "SIP/2.0/UDP 198.18.0.1;branch", SC_SIP_E_VIA, 0, NULL, 0, NULL, NULL, false },
	{ "SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKg3;=x", SC_SIP_E_VIA, 0, NULL, 0, NULL, NULL,
	  false },
	{ "SIP/2.0/UDP198.18.0.1;branch=z9hG4bKg4", SC_SIP_E_VIA, 0, NULL, 0, NULL, NULL,
	  false },
	/* SLASH = SWS "/" SWS (25.1): LWS after the second slash too (review finding). */
	{ "SIP/2.0/ UDP 198.18.0.1;branch=z9hG4bKh1", SC_SIP_E_OK, SC_HOST_IPV4,
	  "198.18.0.1", 0, "z9hG4bKh1", NULL, false },
	{ "sip/2.0/\tudp 198.18.0.1;branch=z9hG4bKh2", SC_SIP_E_OK, SC_HOST_IPV4,
	  "198.18.0.1", 0, "z9hG4bKh2", NULL, false },
	{ "SIP/2.0/\r\n UDP host.example.com;branch=z9hG4bKh3", SC_SIP_E_OK, SC_HOST_NAME,
	  "host.example.com", 0, "z9hG4bKh3", NULL, false },
	{ "SIP / 2.0 / UDP 198.18.0.1;branch=z9hG4bKh4", SC_SIP_E_OK, SC_HOST_IPV4,
	  "198.18.0.1", 0, "z9hG4bKh4", NULL, false },
};

Test(sip_parse, via_forms_every_simd_level)
{
	struct guard g = guard_new(8192);
	char msg[1024];

	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		for (size_t i = 0; i < sizeof(via_cases) / sizeof(via_cases[0]); i++) {
			const struct via_case *c = &via_cases[i];
			struct sc_sip_msg m;
			int n = snprintf(msg, sizeof(msg), REQ_LINE "Via: %s\r\n" FROM TO CID MF
					 "CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
					 c->via);
			const char *buf = guard_place(&g, msg, (size_t)n);

			sc_sip_parse(buf, (size_t)n, &m);
			cr_assert_eq(m.error, c->err, "[%s] %s: %s", level_name[l], c->via,
				     sc_sip_error_name((enum sc_sip_error)m.error));
			cr_assert_eq(m.via_count, 1, "[%s] %s", level_name[l], c->via);
			if (c->err != SC_SIP_E_OK)
				continue;
			cr_assert_eq(m.vias[0].host_type, c->host_type, "[%s] %s", level_name[l],
				     c->via);
			ASSERT_STR(m.vias[0].host, c->host);
			cr_assert_eq(m.vias[0].port, c->port, "[%s] %s", level_name[l], c->via);
			ASSERT_STR(m.vias[0].branch, c->branch);
			ASSERT_STR(m.vias[0].received, c->received);
			cr_assert_eq(m.vias[0].has_rport, c->has_rport, "[%s] %s", level_name[l],
				     c->via);
			ASSERT_STR(m.vias[0].value, c->via);
			cr_assert_eq(m.vias[0].transport.len, 3);
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

/*
 * From values with header params in the usual shape (read on a fast path by the
 * vector levels) and in the others, at every level (20.20, 25.1: tag is a token).
 */
struct addr_case {
	const char *from;
	enum sc_sip_error err;
	const char *uri;
	const char *tag;
};

static const struct addr_case addr_cases[] = {
	{ "<sip:a@198.18.0.1>;tag=abc", SC_SIP_E_OK, "sip:a@198.18.0.1", "abc" },
	{ "\"A B\" <sip:a@198.18.0.1;user=phone>;tag=abc", SC_SIP_E_OK,
	  "sip:a@198.18.0.1;user=phone", "abc" },
	{ "<sip:a@198.18.0.1>;TAG=abc", SC_SIP_E_OK, "sip:a@198.18.0.1", "abc" },
	{ "<sip:a@198.18.0.1> ;tag=abc", SC_SIP_E_OK, "sip:a@198.18.0.1", "abc" },
	{ "<sip:a@198.18.0.1>;tag=abc;foo=bar;lr", SC_SIP_E_OK, "sip:a@198.18.0.1", "abc" },
	{ "<sip:a@198.18.0.1>;foo=\"q r\";tag=abc", SC_SIP_E_OK, "sip:a@198.18.0.1", "abc" },
	{ "<sip:a@198.18.0.1>;tag=abc;tag=def", SC_SIP_E_OK, "sip:a@198.18.0.1", "def" },
	{ "<sip:a@198.18.0.1>;x=[2001:db8::1];tag=abc", SC_SIP_E_OK, "sip:a@198.18.0.1",
	  "abc" },
	{ "sip:a@198.18.0.1;tag=abc", SC_SIP_E_OK, "sip:a@198.18.0.1", "abc" },
	{ "<tel:+15551230001>;tag=abc", SC_SIP_E_OK, "tel:+15551230001", "abc" },
	{ "<sip:a@198.18.0.1>", SC_SIP_E_OK, "sip:a@198.18.0.1", NULL },
	{ "<sip:a@198.18.0.1>;tag=a:b", SC_SIP_E_FROM, NULL, NULL },
	{ "<sip:a@198.18.0.1>;tag", SC_SIP_E_FROM, NULL, NULL },
	{ "<sip:a@198.18.0.1>;tag=", SC_SIP_E_FROM, NULL, NULL },
	{ "<sip:a@198.18.0.1>;=abc", SC_SIP_E_FROM, NULL, NULL },
	{ "<sip:a@198.18.0.1>;tag=abc, <sip:b@198.18.0.2>", SC_SIP_E_FROM, NULL, NULL },
	{ "<sip:a@198.18.0.1>;tag=abc?", SC_SIP_E_FROM, NULL, NULL },
	{ "<sip:a@198.18.0.1>;tag=abc>", SC_SIP_E_ANGLE, NULL, NULL },
	{ "<a@198.18.0.1>;tag=abc", SC_SIP_E_FROM, NULL, NULL },
};

Test(sip_parse, from_params_every_simd_level)
{
	struct guard g = guard_new(8192);
	char msg[1024];

	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
			const struct addr_case *c = &addr_cases[i];
			struct sc_sip_msg m;
			int n = snprintf(msg, sizeof(msg), REQ_LINE VIA "From: %s\r\n" TO CID MF
					 "CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
					 c->from);
			const char *buf = guard_place(&g, msg, (size_t)n);

			sc_sip_parse(buf, (size_t)n, &m);
			cr_assert_eq(m.error, c->err, "[%s] %s: %s", level_name[l], c->from,
				     sc_sip_error_name((enum sc_sip_error)m.error));
			if (c->err != SC_SIP_E_OK)
				continue;
			ASSERT_STR(m.from.uri, c->uri);
			ASSERT_STR(m.from.tag, c->tag);
			ASSERT_STR(m.from.value, c->from);
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

/*
 * Reason values (RFC 3326) split at top-level commas only (7.3.1): not inside a
 * quoted-string, whatever it holds, nor inside "<>". Every level, values from a
 * few octets to longer than one vector.
 */
struct reason_case {
	const char *reason;
	enum sc_sip_error err;
	unsigned count;
	const char *first;
	const char *last;
};

static const struct reason_case reason_cases[] = {
	{ "Q.850;cause=16;text=\"Normal call clearing\"", SC_SIP_E_OK, 1,
	  "Q.850;cause=16;text=\"Normal call clearing\"", NULL },
	{ "SIP;cause=487, Q.850;cause=16", SC_SIP_E_OK, 2, "SIP;cause=487", "Q.850;cause=16" },
	{ "SIP;text=\"a, b, \\\" c\" , Q.850;cause=31;text=\"x<y>,z\"", SC_SIP_E_OK, 2,
	  "SIP;text=\"a, b, \\\" c\"", "Q.850;cause=31;text=\"x<y>,z\"" },
	{ "SIP;x=<a,b>;cause=600,Q.850;cause=17,SIP;cause=200;text=\"Call completed elsewhere\"",
	  SC_SIP_E_OK, 3, "SIP;x=<a,b>;cause=600",
	  "SIP;cause=200;text=\"Call completed elsewhere\"" },
	{ "SIP;text=\"never closed, at all", SC_SIP_E_QUOTE, 0, NULL, NULL },
	{ "SIP;x=<a,b;cause=600", SC_SIP_E_ANGLE, 0, NULL, NULL },
	{ "SIP;cause=600, , Q.850", SC_SIP_E_HEADER_SYNTAX, 0, NULL, NULL },
};

Test(sip_parse, reason_lists_every_simd_level)
{
	struct guard g = guard_new(8192);
	char msg[1024];

	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		for (size_t i = 0; i < sizeof(reason_cases) / sizeof(reason_cases[0]); i++) {
			const struct reason_case *c = &reason_cases[i];
			struct sc_sip_msg m;
			int n = snprintf(msg, sizeof(msg), "CANCEL sip:bob@example.org SIP/2.0\r\n"
					 VIA FROM TO CID MF "CSeq: 314159 CANCEL\r\n"
					 "Reason: %s\r\nContent-Length: 0\r\n\r\n", c->reason);
			const char *buf = guard_place(&g, msg, (size_t)n);

			sc_sip_parse(buf, (size_t)n, &m);
			cr_assert_eq(m.error, c->err, "[%s] %s: %s", level_name[l], c->reason,
				     sc_sip_error_name((enum sc_sip_error)m.error));
			if (c->err != SC_SIP_E_OK)
				continue;
			cr_assert_eq(m.reason_count, c->count, "[%s] %s", level_name[l], c->reason);
			ASSERT_STR(m.reasons[0], c->first);
			if (c->last != NULL)
				ASSERT_STR(m.reasons[c->count - 1], c->last);
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

/*
 * Shapes at the edges of the parser's fast paths (usual header lines read by word
 * compares, Call-ID and tag read from one bitmap, 1-5 digit Via ports), each at
 * every level: the fast paths must reach the verdict and fields the grammar gives.
 * cseq_method -1 and port -1: not checked; NULL strings: absent.
 */
struct edge_case {
	const char *name;
	const char *line;	/* replaces one header line of INVITE_OK, or the start line */
	enum sc_sip_error err;
	int cseq_method;
	uint32_t cseq;
	int port;
	const char *branch;
	const char *from_tag;
	const char *call_id;
};

#define EDGE_CSEQ(name, line, err, meth, num) \
	{ name, "CSeq: " line, err, meth, num, 5060, "z9hG4bK776asdhds", "1928301774", \
	  "a84b4c76e66710@pc33.example.com" }
#define EDGE_CID(name, line, err, cid) \
	{ name, "Call-ID: " line, err, SC_METHOD_INVITE, 314159, 5060, "z9hG4bK776asdhds", \
	  "1928301774", cid }
#define EDGE_VIA(name, line, err, port, branch) \
	{ name, "Via: SIP/2.0/UDP 198.18.0.1" line, err, SC_METHOD_INVITE, 314159, port, \
	  branch, "1928301774", "a84b4c76e66710@pc33.example.com" }
#define EDGE_FROM(name, line, err, tag) \
	{ name, "From: <sip:alice@example.com>" line, err, SC_METHOD_INVITE, 314159, 5060, \
	  "z9hG4bK776asdhds", tag, "a84b4c76e66710@pc33.example.com" }
#define EDGE_FROMV(name, value, err, tag) \
	{ name, "From: " value, err, SC_METHOD_INVITE, 314159, 5060, "z9hG4bK776asdhds", tag, \
	  "a84b4c76e66710@pc33.example.com" }
#define EDGE_START(name, line, err) \
	{ name, line, err, SC_METHOD_INVITE, 314159, 5060, "z9hG4bK776asdhds", "1928301774", \
	  "a84b4c76e66710@pc33.example.com" }

static const struct edge_case edge_cases[] = {
	/* 7.1, 8.1.1.5: methods are case-sensitive; the CSeq method must match. */
	EDGE_CSEQ("cseq_lower_method", "1 invite", SC_SIP_E_CSEQ_METHOD, SC_METHOD_EXTENSION, 1),
	EDGE_CSEQ("cseq_longer_method", "1 INVITEX", SC_SIP_E_CSEQ_METHOD, SC_METHOD_EXTENSION,
		  1),
	/* RFC 4475 3.1.1.1: leading zeros; LWS between number and method. */
	EDGE_CSEQ("cseq_ten_digits", "0000000007 INVITE", SC_SIP_E_OK, SC_METHOD_INVITE, 7),
	EDGE_CSEQ("cseq_two_spaces", "9  INVITE", SC_SIP_E_OK, SC_METHOD_INVITE, 9),
	EDGE_CSEQ("cseq_over_32_bits", "4294967296 INVITE", SC_SIP_E_CSEQ_RANGE,
		  SC_METHOD_INVITE, 0),
	EDGE_CSEQ("cseq_no_method", "12 ", SC_SIP_E_CSEQ, -1, 0),
	EDGE_CSEQ("cseq_nine_digits", "999999999 CANCEL", SC_SIP_E_CSEQ_METHOD,
		  SC_METHOD_CANCEL, 999999999),
	EDGE_CSEQ("cseq_ten_digits_max", "4294967295 INVITE", SC_SIP_E_OK, SC_METHOD_INVITE,
		  4294967295u),
	/* 25.1: callid = word [ "@" word ]. */
	EDGE_CID("callid_no_at", "abc-123.x", SC_SIP_E_OK, "abc-123.x"),
	EDGE_CID("callid_word_marks", "a(b)c@d<e>", SC_SIP_E_OK, "a(b)c@d<e>"),
	EDGE_CID("callid_at_first", "@host", SC_SIP_E_CALL_ID, NULL),
	EDGE_CID("callid_at_last", "abc@", SC_SIP_E_CALL_ID, NULL),
	EDGE_CID("callid_two_at", "a@b@c", SC_SIP_E_CALL_ID, NULL),
	EDGE_CID("callid_inner_space", "a b@c", SC_SIP_E_CALL_ID, NULL),
	/* 20.42, 25.1: port = 1*DIGIT (at most 65535 here); branch needs a value. */
	EDGE_VIA("via_port_five_digits", ":05060;branch=z9hG4bKe1", SC_SIP_E_OK, 5060,
		 "z9hG4bKe1"),
	EDGE_VIA("via_port_six_digits", ":005060;branch=z9hG4bKe2", SC_SIP_E_OK, 5060,
		 "z9hG4bKe2"),
	EDGE_VIA("via_port_65535", ":65535;branch=z9hG4bKe3", SC_SIP_E_OK, 65535, "z9hG4bKe3"),
	EDGE_VIA("via_port_empty", ":;branch=z9hG4bKe4", SC_SIP_E_VIA, -1, NULL),
	EDGE_VIA("via_port_65536", ":65536;branch=z9hG4bKe8", SC_SIP_E_VIA, -1, NULL),
	EDGE_VIA("via_port_at_line_end", ":5061", SC_SIP_E_OK, 5061, NULL),
	EDGE_VIA("via_port_letter", ":50a;branch=z9hG4bKe9", SC_SIP_E_VIA, -1, NULL),
	EDGE_VIA("via_branch_any_case", ";BrAnCh=z9hG4bKe5", SC_SIP_E_OK, 0, "z9hG4bKe5"),
	EDGE_VIA("via_branch_lookalike", ";branchx=1;branch=z9hG4bKe6", SC_SIP_E_OK, 0,
		 "z9hG4bKe6"),
	EDGE_VIA("via_branch_host_value", ";branch=z9hG4bKe7:1", SC_SIP_E_OK, 0,
		 "z9hG4bKe7:1"),
	EDGE_VIA("via_branch_empty", ";branch=;rport", SC_SIP_E_VIA, -1, NULL),
	/* 20.20: tag is a token; parameter names are case-insensitive (7.3.1). */
	EDGE_FROM("from_tag_any_case", ";TaG=abc", SC_SIP_E_OK, "abc"),
	EDGE_FROM("from_tag_then_param", ";tag=abc;lr", SC_SIP_E_OK, "abc"),
	EDGE_FROM("from_tag_lookalike", ";tagx=1;tag=abc", SC_SIP_E_OK, "abc"),
	EDGE_FROM("from_tag_one_octet", ";tag=a", SC_SIP_E_OK, "a"),
	EDGE_FROM("from_tag_not_token", ";tag=a\"b\"", SC_SIP_E_QUOTE, NULL),
	/* 20.10, 25.1: the shapes at the edges of the one-window From/To read. */
	EDGE_FROMV("from_display_tag", "\"A\" <sip:a@x>;tag=t1", SC_SIP_E_OK, "t1"),
	EDGE_FROMV("from_display_escape", "\"A\\\"B\" <sip:a@x>;tag=t2", SC_SIP_E_OK, "t2"),
	EDGE_FROMV("from_display_open", "\"A <sip:a@x>;tag=t3", SC_SIP_E_QUOTE, NULL),
	EDGE_FROMV("from_display_no_angle", "\"A\" sip:a@x;tag=t4", SC_SIP_E_ANGLE, NULL),
	EDGE_FROMV("from_token_display", "Alice <sip:a@x>;tag=t5", SC_SIP_E_OK, "t5"),
	EDGE_FROMV("from_no_tag", "<sip:a@x>", SC_SIP_E_OK, NULL),
	EDGE_FROMV("from_tag_then_lr", "<sip:a@x>;tag=t6;lr", SC_SIP_E_OK, "t6"),
	EDGE_FROMV("from_param_then_tag", "<sip:a@x>;x=1;tag=t7", SC_SIP_E_OK, "t7"),
	EDGE_FROMV("from_tag_trailing_sp", "<sip:a@x>;tag=t8 ", SC_SIP_E_OK, "t8"),
	EDGE_FROMV("from_tag_empty", "<sip:a@x>;tag=", SC_SIP_E_FROM, NULL),
	EDGE_FROMV("from_tag_host_value", "<sip:a@x>;tag=t9:1", SC_SIP_E_FROM, NULL),
	EDGE_FROMV("from_scheme_sips", "<sips:a@x>;tag=ta", SC_SIP_E_OK, "ta"),
	EDGE_FROMV("from_scheme_none", "<a@x>;tag=tb", SC_SIP_E_FROM, NULL),
	EDGE_FROMV("from_uri_utf8", "<sip:\xc3\xa9@x>;tag=tc", SC_SIP_E_OK, "tc"),
	EDGE_FROMV("from_uri_unclosed", "<sip:a@x;tag=td", SC_SIP_E_ANGLE, NULL),
	EDGE_FROMV("from_uri_space", "<sip:a @x>;tag=te", SC_SIP_E_ANGLE, NULL),
	EDGE_FROMV("from_two_values", "<sip:a@x>;tag=tf, <sip:b@y>", SC_SIP_E_FROM, "tf"),
	/* 64 and 65 octets of value after "From:" (the window's bound). */
	EDGE_FROMV("from_value_64",
		   "\"D\" <sip:alice-0123456789@example.com>;tag=0123456789abcdefghij",
		   SC_SIP_E_OK, "0123456789abcdefghij"),
	EDGE_FROMV("from_value_65",
		   "\"D\" <sip:alice-0123456789@example.com>;tag=0123456789abcdefghijk",
		   SC_SIP_E_OK, "0123456789abcdefghijk"),
	/* Longer values, quotes and URIs across the 64-octet mark: parse_addr alone. */
	EDGE_FROMV("from_value_127",
		   "\"Carrier Test\" <sip:+15551230001@198.18.0.10;user=phone>;tag=0"
		   "123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrs",
		   SC_SIP_E_OK,
		   "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr"
		   "s"),
	EDGE_FROMV("from_value_128",
		   "\"Carrier Test\" <sip:+15551230001@198.18.0.10;user=phone>;tag=0"
		   "123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrs"
		   "t",
		   SC_SIP_E_OK,
		   "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr"
		   "st"),
	EDGE_FROMV("from_value_129",
		   "\"Carrier Test\" <sip:+15551230001@198.18.0.10;user=phone>;tag=0"
		   "123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrs"
		   "tu",
		   SC_SIP_E_OK,
		   "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr"
		   "stu"),
	EDGE_FROMV("from_long_display",
		   "\"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
		   "XXXXXXXX\" <sip:a@x>;tag=tg",
		   SC_SIP_E_OK, "tg"),
	EDGE_FROMV("from_long_display_open",
		   "\"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
		   "XXXXXXXX <sip:a@x>;tag=tg",
		   SC_SIP_E_QUOTE, NULL),
	EDGE_FROMV("from_long_uri_unclosed",
		   "<sip:uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
		   "uuuuuuuuuuu@x;tag=th",
		   SC_SIP_E_ANGLE, NULL),
	EDGE_FROMV("from_long_tag_quote",
		   "<sip:uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
		   "uuuuuuuuuuu@x>;tag=a\"b\"",
		   SC_SIP_E_QUOTE, NULL),
	/* 7.1: one SP between the parts; schemes compare case-insensitively (19.1.4). */
	EDGE_START("method_lower_case", "invite sip:bob@example.org SIP/2.0",
		   SC_SIP_E_CSEQ_METHOD),
	EDGE_START("method_two_spaces", "INVITE  sip:bob@example.org SIP/2.0",
		   SC_SIP_E_REQUEST_URI),
	EDGE_START("scheme_upper_case", "INVITE SIP:bob@example.org SIP/2.0", SC_SIP_E_OK),
	EDGE_START("scheme_not_sip", "INVITE sips:bob@example.org SIP/2.0", SC_SIP_E_OK),
	EDGE_START("scheme_missing", "INVITE bob@example.org SIP/2.0", SC_SIP_E_REQUEST_URI),
	/* 20.14, 20.22: 1*DIGIT; Max-Forwards kept as a 32-bit signed value. */
	EDGE_START("content_length_zeros", "Content-Length: 00", SC_SIP_E_OK),
	EDGE_START("max_forwards_huge", "Max-Forwards: 4294967296", SC_SIP_E_MAX_FORWARDS),
	EDGE_START("max_forwards_over_int32", "Max-Forwards: 2147483648", SC_SIP_E_MAX_FORWARDS),
	EDGE_START("max_forwards_nine_digits", "Max-Forwards: 999999999", SC_SIP_E_OK),
	EDGE_START("max_forwards_ten_zeros", "Max-Forwards: 0000000070", SC_SIP_E_OK),
	EDGE_START("max_forwards_sign", "Max-Forwards: +70", SC_SIP_E_MAX_FORWARDS),
	EDGE_START("content_length_nine_zeros", "Content-Length: 000000000", SC_SIP_E_OK),
};

/* INVITE_OK with the line of the same header (or the start line) replaced by line. */
static int
edge_message(char *out, size_t cap, const char *line)
{
	static const char *const lines[] = {
		"INVITE sip:bob@example.org SIP/2.0", VIA, FROM, TO, CID, MF,
		"CSeq: 314159 INVITE\r\n", "Content-Length: 0\r\n",
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *l = lines[i];
		size_t k = strcspn(l, ": ");
		int w;

		/* The start line is line 0; a header line by its name. */
		if (i == 0 ? strncmp(line, "INVITE", 6) == 0 || strncmp(line, "invite", 6) == 0 :
		    strncmp(l, line, k + 1) == 0)
			l = line;
		w = snprintf(out + n, cap - n, "%s%s", l, strstr(l, "\r\n") != NULL ? "" : "\r\n");
		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		n += (size_t)w;
	}
	if (n + 2 >= cap)
		return -1;
	memcpy(out + n, "\r\n", 2);
	return (int)(n + 2);
}

Test(sip_parse, fast_path_edges_every_simd_level)
{
	struct guard g = guard_new(8192);
	char msg[1024];

	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		for (size_t i = 0; i < sizeof(edge_cases) / sizeof(edge_cases[0]); i++) {
			const struct edge_case *c = &edge_cases[i];
			int n = edge_message(msg, sizeof(msg), c->line);
			const char *buf;
			struct sc_sip_msg m;

			cr_assert_gt(n, 0, "%s", c->name);
			buf = guard_place(&g, msg, (size_t)n);
			sc_sip_parse(buf, (size_t)n, &m);
			cr_assert_eq(m.error, c->err, "[%s] %s: %s", level_name[l], c->name,
				     sc_sip_error_name((enum sc_sip_error)m.error));
			if (c->cseq_method >= 0) {
				cr_assert_eq(m.cseq_method, c->cseq_method, "[%s] %s",
					     level_name[l], c->name);
				cr_assert_eq(m.cseq, c->cseq, "[%s] %s", level_name[l], c->name);
			}
			if (c->port >= 0) {
				cr_assert_eq(m.vias[0].port, c->port, "[%s] %s", level_name[l],
					     c->name);
				ASSERT_STR(m.vias[0].branch, c->branch);
			}
			if (c->err != SC_SIP_E_FROM && c->err != SC_SIP_E_QUOTE)
				ASSERT_STR(m.from.tag, c->from_tag);
			if (c->err != SC_SIP_E_CALL_ID)
				ASSERT_STR(m.call_id, c->call_id);
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

Test(sip_parse, every_method_token)
{
	static const char *toks[] = { "INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER",
				      "PRACK", "UPDATE", "INFO", "MESSAGE", "NOTIFY",
				      "SUBSCRIBE", "REFER" };
	char buf[1024];

	for (unsigned i = 0; i < 13; i++) {
		struct sc_sip_msg m;
		int n = snprintf(buf, sizeof(buf), "%s sip:b@y SIP/2.0\r\n" COMMON
				 "CSeq: 1 %s\r\n\r\n", toks[i], toks[i]);

		cr_assert_gt(sc_sip_parse(buf, (size_t)n, &m), 0, "%s", toks[i]);
		cr_assert_eq(m.method, SC_METHOD_INVITE + i, "%s", toks[i]);
		cr_assert_eq(m.cseq_method, SC_METHOD_INVITE + i);
		cr_assert_str_eq(sc_sip_method_name((enum sc_sip_method)m.method), toks[i]);
	}
	/* Methods are case-sensitive (7.1): "invite" is an extension method. */
	{
		struct sc_sip_msg m;
		const char *s = "invite sip:b@y SIP/2.0\r\n" COMMON "CSeq: 1 invite\r\n\r\n";

		cr_assert_gt(sc_sip_parse(s, strlen(s), &m), 0);
		cr_assert_eq(m.method, SC_METHOD_EXTENSION);
	}
}

Test(sip_parse, branch_cookie)
{
	struct sc_str b1 = { "z9hG4bK", 7 }, b2 = { "z9hG4bKx", 8 }, b3 = { "z9hg4bkx", 8 };
	struct sc_str b4 = { NULL, 0 };

	cr_assert(!sc_sip_branch_is_rfc3261(&b1));
	cr_assert(sc_sip_branch_is_rfc3261(&b2));
	cr_assert(!sc_sip_branch_is_rfc3261(&b3));	/* the cookie is case-sensitive */
	cr_assert(!sc_sip_branch_is_rfc3261(&b4));
}

Test(sip_parse, error_names_and_codes)
{
	cr_assert_eq(sc_sip_error_response(SC_SIP_E_VERSION), 505);
	cr_assert_eq(sc_sip_error_response(SC_SIP_E_CSEQ_RANGE), 400);
	cr_assert_eq(sc_sip_error_response(SC_SIP_E_STATUS_CODE), 0);
	cr_assert_str_eq(sc_sip_error_name(SC_SIP_E_CSEQ_RANGE), "CSEQ_RANGE");
	for (int e = 0; e < SC_SIP_E_COUNT; e++) {
		cr_assert_neq(sc_sip_error_text((enum sc_sip_error)e), NULL);
		cr_assert_gt(strlen(sc_sip_error_name((enum sc_sip_error)e)), 0);
	}
	cr_assert_str_eq(sc_sip_reason_phrase(487), "Request Terminated");
	cr_assert_str_eq(sc_sip_reason_phrase(299), "");
}

/* Every scan level finds the same first CR/LF as a plain loop, at every offset. */
Test(sip_scan, find_eol_levels_agree)
{
	struct guard g = guard_new(512);
	char src[300];
	unsigned seed = 12345;

	for (unsigned iter = 0; iter < 400; iter++) {
		size_t n = iter % 260;

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			src[i] = (char)('a' + (seed >> 16) % 26);
			if ((seed >> 8) % 97 == 0)
				src[i] = ((seed >> 4) & 1) ? '\r' : '\n';
		}
		const char *buf = guard_place(&g, src, n);

		for (size_t off = 0; off <= n; off++) {
			const char *want = buf + off;

			while (want < buf + n && *want != '\r' && *want != '\n')
				want++;
			for (unsigned l = 0; l < 3; l++) {
				if (sc_sip_set_simd(all_levels[l]) != 0)
					continue;
				cr_assert_eq(sc_sip_find_eol(buf + off, buf + n), want,
					     "%s n=%zu off=%zu", level_name[l], n, off);
			}
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

/* token (25.1), written out here independently of the parser's tables. */
static bool
is_token(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("-.!%*_+`'~", (int)c) != NULL);
}

/*
 * Every octet value, in a header name and in URIs, at a short and a long offset,
 * on every scan level: the vector classifiers agree with the grammar.
 */
Test(sip_scan, every_octet_in_names_and_uris)
{
	struct guard g = guard_new(4096);
	static const char *long_name = "X-Long-Header-Name-For-Vector-Paths";
	static const char *long_user = "a-rather-long-user-part-for-the-vector-scans";

	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		for (unsigned b = 0; b < 256; b++) {
			for (unsigned pos = 0; pos < 2; pos++) {
				char msg[1024];
				size_t n;
				struct sc_sip_msg m;
				bool want;
				int rc;

				/* header name: token octets or the colon keep the line valid */
				n = (size_t)snprintf(msg, sizeof(msg), "OPTIONS sip:b@y SIP/2.0\r\n"
						     COMMON "CSeq: 1 OPTIONS\r\n%.*s",
						     pos ? 30 : 2, long_name);
				msg[n++] = (char)b;
				n += (size_t)snprintf(msg + n, sizeof(msg) - n, "Z: 1\r\n\r\n");
				rc = sc_sip_parse(guard_place(&g, msg, n), n, &m);
				want = is_token(b) || b == ':';
				cr_assert_eq(rc > 0, want, "[%s] name octet 0x%02x pos %u: %s",
					     level_name[l], b, pos,
					     sc_sip_error_name((enum sc_sip_error)m.error));

				/* Request-URI: 0x21-0x7e but "<" ">" DQUOTE */
				n = (size_t)snprintf(msg, sizeof(msg), "OPTIONS sip:%.*s",
						     pos ? 40 : 2, long_user);
				msg[n++] = (char)b;
				n += (size_t)snprintf(msg + n, sizeof(msg) - n, "@y SIP/2.0\r\n"
						      COMMON "CSeq: 1 OPTIONS\r\n\r\n");
				rc = sc_sip_parse(guard_place(&g, msg, n), n, &m);
				want = b > 0x20 && b < 0x7f && b != '<' && b != '>' && b != '"';
				cr_assert_eq(rc > 0, want, "[%s] R-URI octet 0x%02x pos %u: %s",
					     level_name[l], b, pos,
					     sc_sip_error_name((enum sc_sip_error)m.error));

				/* URI in <>: the same, and raw UTF-8 octets tolerated */
				n = (size_t)snprintf(msg, sizeof(msg),
						     "OPTIONS sip:b@y SIP/2.0\r\n" VIA FROM CID
						     "CSeq: 1 OPTIONS\r\nTo: <sip:%.*s",
						     pos ? 40 : 2, long_user);
				msg[n++] = (char)b;
				n += (size_t)snprintf(msg + n, sizeof(msg) - n, "@y>\r\n\r\n");
				rc = sc_sip_parse(guard_place(&g, msg, n), n, &m);
				want = (b > 0x20 && b < 0x7f && b != '<' && b != '>' && b != '"') ||
				       b >= 0x80;
				cr_assert_eq(rc > 0, want, "[%s] To URI octet 0x%02x pos %u: %s",
					     level_name[l], b, pos,
					     sc_sip_error_name((enum sc_sip_error)m.error));
			}
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

/* ---- RFC 4475 corpus ---------------------------------------------------------- */

struct corpus_expect {
	const char *file;
	enum sc_sip_error err;
	uint16_t resp;
};

/* The verdict of each file, from EXPECTED.tsv's rfc_expected_handling column. */
static const struct corpus_expect corpus[] = {
	{ "wsinv.dat", SC_SIP_E_OK, 0 },
	{ "intmeth.dat", SC_SIP_E_OK, 0 },
	{ "esc01.dat", SC_SIP_E_OK, 0 },
	{ "escnull.dat", SC_SIP_E_OK, 0 },
	{ "lwsdisp.dat", SC_SIP_E_OK, 0 },
	{ "longreq.dat", SC_SIP_E_OK, 0 },
	{ "dblreq.dat", SC_SIP_E_OK, 0 },
	{ "mpart01.dat", SC_SIP_E_OK, 0 },
	{ "unreason.dat", SC_SIP_E_OK, 0 },
	{ "badinv01.dat", SC_SIP_E_VIA, 400 },
	{ "clerr.dat", SC_SIP_E_BODY_TRUNCATED, 400 },
	{ "ncl.dat", SC_SIP_E_CONTENT_LENGTH, 400 },
	{ "scalar02.dat", SC_SIP_E_CSEQ_RANGE, 400 },
	{ "quotbal.dat", SC_SIP_E_QUOTE, 400 },
	{ "ltgtruri.dat", SC_SIP_E_REQUEST_URI, 400 },
	{ "lwsruri.dat", SC_SIP_E_REQUEST_URI, 400 },
	{ "badvers.dat", SC_SIP_E_VERSION, 505 },
	{ "mismatch01.dat", SC_SIP_E_CSEQ_METHOD, 400 },
	{ "bigcode.dat", SC_SIP_E_STATUS_CODE, 0 },
	{ "badbranch.dat", SC_SIP_E_OK, 0 },
	{ "insuf.dat", SC_SIP_E_MISSING_HEADER, 400 },
	{ "inv2543.dat", SC_SIP_E_OK, 0 },
	{ "multi01.dat", SC_SIP_E_CSEQ, 400 },
	{ "mcl01.dat", SC_SIP_E_CONTENT_LENGTH, 400 },
	{ "zeromf.dat", SC_SIP_E_OK, 0 },
	{ "bext01.dat", SC_SIP_E_OK, 0 },
};

#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

static char *
read_file(const char *name, size_t *len)
{
	const char *dir = getenv("SC_TEST_DATA");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	cr_assert(dir != NULL, "SC_TEST_DATA not set");
	snprintf(path, sizeof(path), "%s/rfc4475/%s", dir, name);
	f = fopen(path, "rb");
	cr_assert(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(buf != NULL);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

Test(sip_corpus, every_expected_file_is_checked)
{
	size_t len;
	char *tsv = read_file("EXPECTED.tsv", &len);
	unsigned rows = 0;

	tsv[len] = '\0';
	for (char *line = strtok(tsv, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');
		bool found = false;

		if (tab == NULL || strncmp(line, "file\t", 5) == 0)
			continue;
		*tab = '\0';
		for (size_t i = 0; i < NCORPUS; i++)
			found |= strcmp(corpus[i].file, line) == 0;
		cr_assert(found, "%s from EXPECTED.tsv has no expectation here", line);
		rows++;
	}
	cr_assert_eq(rows, NCORPUS);
	free(tsv);
}

static void
corpus_check(const struct corpus_expect *c, const struct sc_sip_msg *m, int rc,
	     const char *buf, size_t len)
{
	if (c->err == SC_SIP_E_OK)
		cr_assert_gt(rc, 0, "%s: %s", c->file,
			sc_sip_error_name((enum sc_sip_error)m->error));
	else
		cr_assert_eq(rc, -(int)c->err, "%s: %s want %s", c->file,
			     sc_sip_error_name((enum sc_sip_error)m->error),
			     sc_sip_error_name(c->err));
	cr_assert_eq(sc_sip_verdict_response(m), c->resp, "%s", c->file);

	if (strcmp(c->file, "dblreq.dat") == 0) {
		const char *inv = memmem(buf, len, "INVITE sip:joe", 14);

		/* Only the REGISTER: the INVITE after its empty body is not part of it. */
		cr_assert_eq(m->method, SC_METHOD_REGISTER);
		cr_assert(inv != NULL);
		cr_assert_leq((size_t)rc, (size_t)(inv - buf));
		cr_assert_eq(m->body.len, 0);
	} else if (strcmp(c->file, "mpart01.dat") == 0) {
		cr_assert_eq(m->content_length, 553);
		cr_assert_eq(m->body.len, 553);
		cr_assert_eq((size_t)rc, (size_t)(m->body.p - buf) + 553);
	} else if (strcmp(c->file, "zeromf.dat") == 0) {
		cr_assert_eq(m->max_forwards, 0);
	} else if (strcmp(c->file, "inv2543.dat") == 0) {
		cr_assert_eq(m->max_forwards, -1);
		cr_assert_eq(m->content_length, -1);
		ASSERT_STR(m->from.tag, NULL);
		ASSERT_STR(m->vias[0].branch, NULL);
		cr_assert_eq(m->body.p + m->body.len, buf + len);
	} else if (strcmp(c->file, "badbranch.dat") == 0) {
		ASSERT_STR(m->vias[0].branch, "z9hG4bK");
		cr_assert(!sc_sip_branch_is_rfc3261(&m->vias[0].branch));
	} else if (strcmp(c->file, "bext01.dat") == 0) {
		cr_assert_eq(m->require_count, 2);
		ASSERT_STR(m->requires[0], "nothingSupportsThis");
		ASSERT_STR(m->requires[1], "nothingSupportsThisEither");
		cr_assert_eq(m->proxy_require_count, 2);
		ASSERT_STR(m->proxy_requires[1], "norDoAnyProxiesSupportThis");
	} else if (strcmp(c->file, "intmeth.dat") == 0) {
		cr_assert_eq(m->method, SC_METHOD_EXTENSION);
		ASSERT_STR(m->method_name, "!interesting-Method0123456789_*+`.%indeed'~");
		ASSERT_STR(m->call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
		ASSERT_STR(m->from.tag, "_token~1'+`*%!-.");
	} else if (strcmp(c->file, "wsinv.dat") == 0) {
		cr_assert_eq(m->via_count, 3);
		ASSERT_STR(m->vias[0].host, "192.0.2.2");
		ASSERT_STR(m->vias[0].branch, "390skdjuw");
		ASSERT_STR(m->vias[1].transport, "TCP");
		ASSERT_STR(m->vias[1].branch, "z9hG4bK9ikj8");
		ASSERT_STR(m->vias[2].host, "192.168.255.111");
		ASSERT_STR(m->vias[2].branch, "z9hG4bK30239");
		ASSERT_STR(m->to.tag, "1918181833n");
		ASSERT_STR(m->from.tag, "98asjd8");
		cr_assert_eq(m->max_forwards, 68);
		cr_assert_eq(m->cseq, 9);
		cr_assert_eq(m->route_count, 1);
		cr_assert_eq(m->body.len, 150);
	} else if (strcmp(c->file, "longreq.dat") == 0) {
		cr_assert_eq(m->via_total, 34);
		ASSERT_STR(m->vias[0].host, "sip33.example.com");
	} else if (strcmp(c->file, "insuf.dat") == 0) {
		ASSERT_STR(m->vias[0].branch, "z9hG4bKkdj.insuf");
	} else if (strcmp(c->file, "scalar02.dat") == 0) {
		cr_assert_eq(m->max_forwards, 300);
	} else if (strcmp(c->file, "unreason.dat") == 0) {
		cr_assert_eq(m->status, 200);
	}
}

Test(sip_corpus, verdicts_every_simd_level)
{
	for (size_t i = 0; i < NCORPUS; i++) {
		size_t len;
		char *raw = read_file(corpus[i].file, &len);
		struct guard g = guard_new(len);
		const char *buf = guard_place(&g, raw, len);

		for (unsigned l = 0; l < 3; l++) {
			struct sc_sip_msg m;

			if (sc_sip_set_simd(all_levels[l]) != 0)
				continue;
			corpus_check(&corpus[i], &m, sc_sip_parse(buf, len, &m), buf, len);
		}
		guard_free(&g);
		free(raw);
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
}

/*
 * Every prefix of a message, ending at a guard page: no over-read (a fault kills
 * the test), and a prefix that cuts the header block or a Content-Length-framed
 * body is never accepted.
 */
static void
prefixes(const char *raw, size_t len, const char *what)
{
	struct guard g = guard_new(len + 1);
	struct sc_sip_msg full;
	int full_rc;
	size_t hdr_end;

	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	full_rc = sc_sip_parse(raw, len, &full);
	hdr_end = full.body.p != NULL ? (size_t)(full.body.p - raw) : len;
	for (unsigned l = 0; l < 3; l++) {
		if (sc_sip_set_simd(all_levels[l]) != 0)
			continue;
		for (size_t k = 0; k < len; k++) {
			const char *buf = guard_place(&g, raw, k);
			struct sc_sip_msg m;
			int rc = sc_sip_parse(buf, k, &m);

			cr_assert_leq(rc, (int)k);
			if (k < hdr_end || (full_rc > 0 && full.content_length > 0 &&
					    k < full.msg_len))
				cr_assert_lt(rc, 0, "[%s] %s prefix %zu accepted", level_name[l],
					     what, k);
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	guard_free(&g);
}

Test(sip_truncation, every_prefix_of_table_messages)
{
	for (size_t i = 0; i < NCASES; i++)
		prefixes(cases[i].msg, strlen(cases[i].msg), cases[i].name);
}

Test(sip_truncation, every_prefix_of_corpus, .timeout = 120)
{
	for (size_t i = 0; i < NCORPUS; i++) {
		size_t len;
		char *raw = read_file(corpus[i].file, &len);

		prefixes(raw, len, corpus[i].file);
		free(raw);
	}
}

/* ---- builders ------------------------------------------------------------------ */

#define RT_INVITE \
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP bigbox3.site3.example.com;branch=z9hG4bK77ef4c2312983.1\r\n" \
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n" \
	"v: SIP/2.0/UDP [2001:db8::1]:5062;rport=5062;branch=z9hG4bKv6\r\n" \
	"Max-Forwards: 69\r\n" \
	"To: Bob <sip:bob@biloxi.example.com>\r\n" \
	"From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n" \
	"Call-ID: a84b4c76e66710\r\n" \
	"CSeq: 314159 INVITE\r\n" \
	"Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n" \
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n" \
	"Content-Type: application/sdp\r\n" \
	"Content-Length: 4\r\n\r\nv=0\n"

static void
check_resp(const struct sc_sip_msg *req, const char *out, int n, unsigned status,
	   const char *tag)
{
	struct sc_sip_msg r;
	int rc;

	cr_assert_gt(n, 0);
	rc = sc_sip_parse(out, (size_t)n, &r);
	cr_assert_eq(rc, n, "%u: rc %d (%s)\n%.*s", status, rc,
		     sc_sip_error_name((enum sc_sip_error)r.error), n, out);
	cr_assert_eq(r.kind, SC_SIP_RESPONSE);
	cr_assert_eq(r.status, status);
	/* 8.2.6.2: Via values in the same order, From, Call-ID and CSeq equal. */
	cr_assert_eq(r.via_total, req->via_total);
	for (unsigned i = 0; i < r.via_count; i++)
		cr_assert(str_eq(r.vias[i].value, req->vias[i].value), "via %u", i);
	cr_assert(str_eq(r.from.value, req->from.value));
	cr_assert(str_eq(r.from.tag, req->from.tag));
	cr_assert(str_eq(r.to.uri, req->to.uri));
	cr_assert(str_eq(r.call_id, req->call_id));
	cr_assert_eq(r.cseq, req->cseq);
	cr_assert(str_eq(r.cseq_method_name, req->cseq_method_name));
	cr_assert_eq(r.content_length, 0);
	if (req->to.tag.p != NULL)
		cr_assert(str_eq(r.to.tag, req->to.tag));
	else if (tag != NULL)
		ASSERT_STR(r.to.tag, tag);
	else
		ASSERT_STR(r.to.tag, NULL);
}

Test(sip_build, responses_round_trip)
{
	struct sc_sip_msg req;
	struct sc_str tag = { "as83kd9bs", 9 };
	char out[4096], block[2048];
	int n, bn;

	cr_assert_gt(sc_sip_parse(RT_INVITE, strlen(RT_INVITE), &req), 0);

	n = sc_sip_build_response(out, sizeof(out), &req, 100, NULL, NULL, NULL);
	check_resp(&req, out, n, 100, NULL);
	cr_assert(memmem(out, (size_t)n, "SIP/2.0 100 Trying\r\n", 20) == out);

	static const unsigned codes[] = { 180, 200, 481, 487, 400, 505 };

	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		n = sc_sip_build_response(out, sizeof(out), &req, codes[i], NULL, &tag, NULL);
		check_resp(&req, out, n, codes[i], "as83kd9bs");
	}
	n = sc_sip_build_response(out, sizeof(out), &req, 503, NULL, &tag, "Retry-After: 5\r\n");
	check_resp(&req, out, n, 503, "as83kd9bs");
	cr_assert(memmem(out, (size_t)n, "\r\nRetry-After: 5\r\n", 18) != NULL);
	n = sc_sip_build_response(out, sizeof(out), &req, 405, "Nope", &tag,
				  "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n");
	check_resp(&req, out, n, 405, "as83kd9bs");
	cr_assert(memmem(out, (size_t)n, "SIP/2.0 405 Nope\r\n", 18) == out);
	cr_assert(memmem(out, (size_t)n, "\r\nAllow: INVITE, ACK", 20) != NULL);

	/* The stored-block path gives the same bytes. */
	bn = sc_sip_build_resp_headers(block, sizeof(block), &req, &tag);
	cr_assert_gt(bn, 0);
	{
		char out2[4096];
		int n2 = sc_sip_build_response_from_block(out2, sizeof(out2), 487, NULL, block,
							  (size_t)bn, NULL);

		n = sc_sip_build_response(out, sizeof(out), &req, 487, NULL, &tag, NULL);
		cr_assert_eq(n, n2);
		cr_assert(memcmp(out, out2, (size_t)n) == 0);
	}
	/* Too small a buffer. */
	cr_assert_eq(sc_sip_build_response(out, 40, &req, 487, NULL, &tag, NULL), -ENOSPC);
	cr_assert_eq(sc_sip_build_resp_headers(block, 10, &req, &tag), -ENOSPC);
}

Test(sip_build, existing_to_tag_kept)
{
	const char *s = "BYE sip:b@y SIP/2.0\r\n" VIA FROM
			"To: <sip:b@y>;tag=keepme\r\n" CID "CSeq: 2 BYE\r\n\r\n";
	struct sc_sip_msg req;
	struct sc_str tag = { "other", 5 };
	char out[2048];
	int n;

	cr_assert_gt(sc_sip_parse(s, strlen(s), &req), 0);
	n = sc_sip_build_response(out, sizeof(out), &req, 200, NULL, &tag, NULL);
	check_resp(&req, out, n, 200, "keepme");
	cr_assert(memmem(out, (size_t)n, "other", 5) == NULL);
}

/* A given but empty to_tag adds nothing: ";tag=" with no token is not a tag-param (25.1). */
Test(sip_build, empty_to_tag_adds_no_tag)
{
	struct sc_sip_msg req;
	struct sc_str tag = { "", 0 };
	char out[2048];
	int n;

	cr_assert_gt(sc_sip_parse(INVITE_OK, strlen(INVITE_OK), &req), 0);
	n = sc_sip_build_response(out, sizeof(out), &req, 487, NULL, &tag, NULL);
	check_resp(&req, out, n, 487, NULL);
	cr_assert(memmem(out, (size_t)n, ";tag=\r\n", 7) == NULL, "%.*s", n, out);
}

Test(sip_build, responses_to_every_accepted_corpus_request)
{
	struct sc_str tag = { "t1", 2 };

	for (size_t i = 0; i < NCORPUS; i++) {
		size_t len;
		char *raw = read_file(corpus[i].file, &len);
		struct sc_sip_msg req;
		static char out[16384];
		int rc = sc_sip_parse(raw, len, &req);

		/* 400s for the rejected ones that still have the 8.2.6.2 headers. */
		if (req.kind == SC_SIP_REQUEST && req.via_count > 0 && req.from.value.p != NULL &&
		    req.to.value.p != NULL && req.call_id.p != NULL && req.cseq_method_name.p &&
		    (rc > 0 || req.error != SC_SIP_E_VIA)) {
			unsigned st = rc > 0 ? 487 : sc_sip_verdict_response(&req);
			int n = sc_sip_build_response(out, sizeof(out), &req, st, NULL, &tag, NULL);

			if (req.error == SC_SIP_E_CSEQ_RANGE || req.error == SC_SIP_E_FROM ||
			    req.error == SC_SIP_E_TO || req.error == SC_SIP_E_QUOTE ||
			    req.error == SC_SIP_E_CALL_ID || req.error == SC_SIP_E_CSEQ) {
				/* Copies of broken values: the response may be broken too. */
				free(raw);
				continue;
			}
			check_resp(&req, out, n, st, req.to.tag.p != NULL ? NULL : "t1");
			if (strcmp(corpus[i].file, "longreq.dat") == 0) {
				/* All 34 Via values, in order, past what vias[] keeps. */
				const char *a = memmem(out, (size_t)n, "sip2.example.com", 16);
				const char *b = memmem(out, (size_t)n, "sip1.example.com", 16);
				const char *c = memmem(out, (size_t)n, "host.example.com", 16);

				cr_assert(a != NULL && b != NULL && c != NULL && a < b && b < c);
			}
		}
		free(raw);
	}
}

#define R0 "SIP;cause=200;text=\"Call completed elsewhere\""
#define R1 "Q.850;cause=16"

Test(sip_build, cancel_and_ack)
{
	struct sc_sip_msg inv, c, fin, ack;
	struct sc_sip_sent_invite si;
	struct sc_str reasons[2] = {
		{ R0, sizeof(R0) - 1 },
		{ R1, sizeof(R1) - 1 },
	};
	char out[4096], resp[4096];
	int n, rn;

	cr_assert_gt(sc_sip_parse(RT_INVITE, strlen(RT_INVITE), &inv), 0);
	cr_assert_eq(sc_sip_sent_invite_from_msg(&si, &inv), 0);

	/* 9.1 */
	n = sc_sip_build_cancel(out, sizeof(out), &si, reasons, 2);
	cr_assert_gt(n, 0);
	cr_assert_eq(sc_sip_parse(out, (size_t)n, &c), n, "%.*s", n, out);
	cr_assert_eq(c.method, SC_METHOD_CANCEL);
	cr_assert(str_eq(c.request_uri, inv.request_uri));
	cr_assert_eq(c.via_total, 1);
	cr_assert(str_eq(c.vias[0].value, inv.vias[0].value));
	cr_assert(str_eq(c.vias[0].branch, inv.vias[0].branch));
	cr_assert(str_eq(c.from.value, inv.from.value));
	cr_assert(str_eq(c.to.value, inv.to.value));
	cr_assert(str_eq(c.call_id, inv.call_id));
	cr_assert_eq(c.cseq, inv.cseq);
	cr_assert_eq(c.cseq_method, SC_METHOD_CANCEL);
	cr_assert_eq(c.route_count, inv.route_count);
	for (unsigned i = 0; i < c.route_count; i++)
		cr_assert(str_eq(c.routes[i], inv.routes[i]));
	cr_assert_eq(c.max_forwards, 70);
	cr_assert_eq(c.require_count, 0);
	cr_assert_eq(c.proxy_require_count, 0);
	cr_assert_eq(c.reason_count, 2);
	cr_assert(str_eq(c.reasons[0], reasons[0]));
	cr_assert(str_eq(c.reasons[1], reasons[1]));
	cr_assert_eq(sc_sip_build_cancel(out, 30, &si, NULL, 0), -ENOSPC);

	/* 17.1.1.3: ACK to a 487 carries the response's To (with its tag). */
	{
		struct sc_str tag = { "xyz987", 6 };

		rn = sc_sip_build_response(resp, sizeof(resp), &inv, 487, NULL, &tag, NULL);
		cr_assert_gt(sc_sip_parse(resp, (size_t)rn, &fin), 0);
	}
	n = sc_sip_build_ack(out, sizeof(out), &si, &fin);
	cr_assert_gt(n, 0);
	cr_assert_eq(sc_sip_parse(out, (size_t)n, &ack), n, "%.*s", n, out);
	cr_assert_eq(ack.method, SC_METHOD_ACK);
	cr_assert(str_eq(ack.request_uri, inv.request_uri));
	cr_assert_eq(ack.via_total, 1);
	cr_assert(str_eq(ack.vias[0].value, inv.vias[0].value));
	cr_assert(str_eq(ack.from.value, inv.from.value));
	ASSERT_STR(ack.to.tag, "xyz987");
	cr_assert(str_eq(ack.to.uri, inv.to.uri));
	cr_assert(str_eq(ack.call_id, inv.call_id));
	cr_assert_eq(ack.cseq, inv.cseq);
	cr_assert_eq(ack.cseq_method, SC_METHOD_ACK);
	cr_assert_eq(ack.route_count, 2);
	cr_assert(str_eq(ack.routes[1], inv.routes[1]));
	cr_assert_eq(sc_sip_sent_invite_from_msg(&si, &fin), -EINVAL);
}

/*
 * 9.1 and 17.1.1.3: the Request-URI of the CANCEL and of the ACK is the INVITE's,
 * here a next-hop contact that differs from the To URI (as after a proxy's lookup).
 */
Test(sip_build, cancel_and_ack_keep_request_uri_not_to_uri)
{
	static const char s[] =
		"INVITE sip:bob@192.0.2.4:5070;transport=udp SIP/2.0\r\n" VIA
		"Max-Forwards: 69\r\n" FROM TO CID "CSeq: 7 INVITE\r\n\r\n";
	struct sc_sip_msg inv, c, fin, ack;
	struct sc_sip_sent_invite si;
	struct sc_str tag = { "xyz987", 6 };
	char out[2048], resp[2048];
	int n, rn;

	cr_assert_gt(sc_sip_parse(s, strlen(s), &inv), 0);
	cr_assert(!str_eq(inv.request_uri, inv.to.uri));
	cr_assert_eq(sc_sip_sent_invite_from_msg(&si, &inv), 0);
	ASSERT_STR(si.request_uri, "sip:bob@192.0.2.4:5070;transport=udp");

	n = sc_sip_build_cancel(out, sizeof(out), &si, NULL, 0);
	cr_assert_eq(sc_sip_parse(out, (size_t)n, &c), n, "%.*s", n, out);
	ASSERT_STR(c.request_uri, "sip:bob@192.0.2.4:5070;transport=udp");

	rn = sc_sip_build_response(resp, sizeof(resp), &inv, 487, NULL, &tag, NULL);
	cr_assert_gt(sc_sip_parse(resp, (size_t)rn, &fin), 0);
	n = sc_sip_build_ack(out, sizeof(out), &si, &fin);
	cr_assert_eq(sc_sip_parse(out, (size_t)n, &ack), n, "%.*s", n, out);
	ASSERT_STR(ack.request_uri, "sip:bob@192.0.2.4:5070;transport=udp");
}

/* ---- one-pass builders: top Via completion, parts, decimal ----------------------- */

Test(sip_build, fmt_u32_edges)
{
	static const struct {
		uint32_t v;
		const char *s;
	} t[] = {
		{ 0, "0" }, { 9, "9" }, { 10, "10" }, { 99, "99" }, { 100, "100" },
		{ 999, "999" }, { 1000, "1000" }, { 5060, "5060" }, { 9999, "9999" },
		{ 10000, "10000" }, { 65535, "65535" }, { 99999, "99999" },
		{ 100000, "100000" }, { 999999, "999999" }, { 1000000, "1000000" },
		{ 9999999, "9999999" }, { 10000000, "10000000" }, { 99999999, "99999999" },
		{ 100000000, "100000000" }, { 999999999, "999999999" },
		{ 1000000000, "1000000000" }, { 4294967295u, "4294967295" },
	};
	char out[16];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = strlen(t[i].s);

		memset(out, '#', sizeof(out));
		cr_assert_eq(sc_sip_fmt_u32(out, sizeof(out), t[i].v), n, "%u", t[i].v);
		cr_assert(memcmp(out, t[i].s, n) == 0 && out[n] == '#', "%u", t[i].v);
		/* Exactly enough room works; one byte less writes nothing and says 0. */
		memset(out, '#', sizeof(out));
		cr_assert_eq(sc_sip_fmt_u32(out, n, t[i].v), n);
		memset(out, '#', sizeof(out));
		cr_assert_eq(sc_sip_fmt_u32(out, n - 1, t[i].v), 0, "%u", t[i].v);
		for (size_t j = 0; j < sizeof(out); j++)
			cr_assert_eq(out[j], '#');
	}
}

/*
 * sc_sip_ieq folds ASCII letters only (7.3.1), both sides, exactly n bytes: the
 * bytes just outside A-Z ('@', '[', '`', '{') and non-ASCII octets compare as they are.
 */
Test(sip_build, ieq_folds_ascii_letters_only)
{
	static const struct {
		const char *a, *b;
		size_t n;
		bool eq;
	} t[] = {
		{ "rport", "RPORT", 5, true }, { "Max-Forwards", "max-forwards", 12, true },
		{ "sip:", "SIP:", 4, true }, { "aZ09-._", "Az09-._", 7, true },
		{ "rportX", "rportY", 5, true }, { "", "", 0, true }, { "x", "y", 0, true },
		{ "rport", "rpor", 5, false }, { "@", "`", 1, false }, { "[", "{", 1, false },
		{ "a", "b", 1, false }, { "Z", "[", 1, false }, { "z", "{", 1, false },
		{ "\xc4", "\xe4", 1, false }, { "\xe4", "\xe4", 1, true },
		{ "198.18.0.1", "198.18.0.2", 10, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(sc_sip_ieq(t[i].a, t[i].b, t[i].n), t[i].eq, "case %zu", i);
		cr_assert_eq(sc_sip_ieq(t[i].b, t[i].a, t[i].n), t[i].eq, "case %zu swapped", i);
	}
}

#define SRC_REQ(via) \
	"INVITE sip:b@198.18.0.2 SIP/2.0\r\n" \
	"Via: " via "\r\n" \
	"Via: SIP/2.0/UDP 198.18.9.9:5070;branch=z9hG4bKsecond\r\n" \
	"From: <sip:a@198.18.0.1>;tag=f1\r\nTo: <sip:b@198.18.0.2>\r\n" \
	"Call-ID: c1@x\r\nCSeq: 7 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
#define SRC_REST \
	"Via: SIP/2.0/UDP 198.18.9.9:5070;branch=z9hG4bKsecond\r\n" \
	"From: <sip:a@198.18.0.1>;tag=f1\r\nTo: <sip:b@198.18.0.2>;tag=tt\r\n" \
	"Call-ID: c1@x\r\nCSeq: 7 INVITE\r\n"

/*
 * 18.2.1: received= when the sent-by host is not the source address; RFC 3581
 * section 4: with rport, received= always and an empty rport gets the source port.
 */
static const struct {
	const char *req;
	const char *ip;
	uint16_t port;
	const char *top;	/* the response's top Via value */
} via_src_cases[] = {
	/* Same host, no rport: unchanged. */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKa"), "198.18.0.1", 5060,
	  "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKa" },
	/* Another host (NAT): received. */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKa"), "198.18.7.7", 5060,
	  "SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bKa;received=198.18.7.7" },
	/* A host name never equals an address. */
	{ SRC_REQ("SIP/2.0/UDP pc33.example.com;branch=z9hG4bKa"), "198.18.0.1", 5060,
	  "SIP/2.0/UDP pc33.example.com;branch=z9hG4bKa;received=198.18.0.1" },
	/* Empty rport, same host: rport filled and received anyway; port edges. */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1:5060;rport;branch=z9hG4bKa"), "198.18.0.1", 0,
	  "SIP/2.0/UDP 198.18.0.1:5060;rport=0;branch=z9hG4bKa;received=198.18.0.1" },
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1:5060;rport;branch=z9hG4bKa"), "198.18.0.1", 65535,
	  "SIP/2.0/UDP 198.18.0.1:5060;rport=65535;branch=z9hG4bKa;received=198.18.0.1" },
	/* rport last. */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKa;rport"), "198.18.0.3", 40000,
	  "SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKa;rport=40000;received=198.18.0.3" },
	/* Look-alike parameters before the real rport; whitespace around ';' (SEMI). */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1;rportx=1;xrport;branch=z9hG4bKa;rport"),
	  "198.18.0.1", 5062,
	  "SIP/2.0/UDP 198.18.0.1;rportx=1;xrport;branch=z9hG4bKa;rport=5062;"
	  "received=198.18.0.1" },
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1 ; rport ;branch=z9hG4bKa"), "198.18.0.1", 1,
	  "SIP/2.0/UDP 198.18.0.1 ; rport=1 ;branch=z9hG4bKa;received=198.18.0.1" },
	/* rport with a value: kept, received still added. */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1:5060;rport=1234;branch=z9hG4bKa"), "198.18.0.1", 9,
	  "SIP/2.0/UDP 198.18.0.1:5060;rport=1234;branch=z9hG4bKa;received=198.18.0.1" },
	/* received already there: nothing added. */
	{ SRC_REQ("SIP/2.0/UDP 198.18.0.1:5060;received=198.18.5.5;branch=z9hG4bKa"),
	  "198.18.7.7", 5060,
	  "SIP/2.0/UDP 198.18.0.1:5060;received=198.18.5.5;branch=z9hG4bKa" },
	/* IPv6: the bracketed host compares to the bare source, case-insensitively. */
	{ SRC_REQ("SIP/2.0/UDP [2001:DB8::a]:5060;branch=z9hG4bKa"), "2001:db8::a", 5060,
	  "SIP/2.0/UDP [2001:DB8::a]:5060;branch=z9hG4bKa" },
	{ SRC_REQ("SIP/2.0/UDP [2001:db8::a]:5060;branch=z9hG4bKa"), "2001:db8::b", 5060,
	  "SIP/2.0/UDP [2001:db8::a]:5060;branch=z9hG4bKa;received=2001:db8::b" },
	{ SRC_REQ("SIP/2.0/UDP [2001:db8::a];rport;branch=z9hG4bKa"), "2001:db8::a", 5062,
	  "SIP/2.0/UDP [2001:db8::a];rport=5062;branch=z9hG4bKa;received=2001:db8::a" },
};

static int
expect_block(char *out, size_t cap, const char *top)
{
	int n = snprintf(out, cap, "Via: %s\r\n" SRC_REST, top);

	cr_assert(n > 0 && (size_t)n < cap);
	return n;
}

Test(sip_build, top_via_completed_for_source)
{
	struct sc_str tag = { "tt", 2 };

	for (size_t i = 0; i < sizeof(via_src_cases) / sizeof(via_src_cases[0]); i++) {
		const char *rq = via_src_cases[i].req;
		struct sc_sip_src src = {
			{ via_src_cases[i].ip, (uint32_t)strlen(via_src_cases[i].ip) },
			via_src_cases[i].port,
		};
		struct sc_sip_msg req, r;
		char want[1024], got[1024], resp[1024];
		int wn, n;

		cr_assert_gt(sc_sip_parse(rq, strlen(rq), &req), 0, "case %zu", i);
		wn = expect_block(want, sizeof(want), via_src_cases[i].top);
		n = sc_sip_build_resp_headers_src(got, sizeof(got), &req, &tag, &src);
		cr_assert(n == wn && memcmp(got, want, (size_t)n) == 0,
			  "case %zu:\n%.*s\nwant\n%s", i, n > 0 ? n : 0, got, want);
		/* The one-pass response carries the same block after its status line. */
		n = sc_sip_build_response_src(resp, sizeof(resp), &req, 487, &tag, &src, NULL);
		cr_assert_gt(n, 0);
		cr_assert(memcmp(resp, "SIP/2.0 487 Request Terminated\r\n", 32) == 0);
		cr_assert(memcmp(resp + 32, want, (size_t)wn) == 0, "case %zu", i);
		cr_assert_eq(n, 32 + wn + 21);
		cr_assert(memcmp(resp + 32 + wn, "Content-Length: 0\r\n\r\n", 21) == 0);
		/* And it parses back with the Via values as completed. */
		cr_assert_eq(sc_sip_parse(resp, (size_t)n, &r), n);
		cr_assert_eq(r.via_total, 2);
		cr_assert(str_is(r.vias[0].value, via_src_cases[i].top), "case %zu", i);
		/* Without a source: the plain block, byte for byte. */
		n = sc_sip_build_resp_headers_src(got, sizeof(got), &req, &tag, NULL);
		wn = sc_sip_build_resp_headers(want, sizeof(want), &req, &tag);
		cr_assert(n == wn && memcmp(got, want, (size_t)n) == 0);
	}
}

#define V6_MAX_VIA \
	";rport=65535;branch=z9hG4bKa;received=2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\r\n"
#define RA_END	"\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n"

/* Every capacity short of the need fails with -ENOSPC and writes nothing past cap. */
Test(sip_build, one_pass_builders_fail_cleanly_when_short)
{
	const char *rq = SRC_REQ("SIP/2.0/UDP [2001:db8::a];rport;branch=z9hG4bKa");
	struct sc_sip_src src = { { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 38 }, 65535 };
	struct sc_str tag = { "tt", 2 }, extra = { "Retry-After: 5\r\n", 16 };
	struct sc_str parts[3] = { { "From: x\r\n", 9 }, { NULL, 0 }, { "To: y\r\n", 7 } };
	struct sc_sip_msg req;
	char full[1024], out[1024];
	int need, n;

	cr_assert_gt(sc_sip_parse(rq, strlen(rq), &req), 0);
	need = sc_sip_build_response_src(full, sizeof(full), &req, 503, &tag, &src, &extra);
	cr_assert_gt(need, 0);
	cr_assert(memmem(full, (size_t)need, V6_MAX_VIA, sizeof(V6_MAX_VIA) - 1) != NULL);
	cr_assert(memmem(full, (size_t)need, RA_END, sizeof(RA_END) - 1) != NULL);
	for (int cap = 0; cap <= need; cap++) {
		memset(out, '#', sizeof(out));
		n = sc_sip_build_response_src(out, (size_t)cap, &req, 503, &tag, &src, &extra);
		if (cap < need)
			cr_assert_eq(n, -ENOSPC, "cap %d", cap);
		else
			cr_assert(n == need && memcmp(out, full, (size_t)n) == 0);
		for (size_t j = (size_t)cap; j < sizeof(out); j++)
			cr_assert_eq(out[j], '#', "cap %d: byte %zu written", cap, j);
	}
	need = sc_sip_build_resp_headers_src(full, sizeof(full), &req, &tag, &src);
	cr_assert_gt(need, 0);
	for (int cap = 0; cap <= need; cap++) {
		memset(out, '#', sizeof(out));
		n = sc_sip_build_resp_headers_src(out, (size_t)cap, &req, &tag, &src);
		cr_assert_eq(n, cap < need ? -ENOSPC : need, "cap %d", cap);
		for (size_t j = (size_t)cap; j < sizeof(out); j++)
			cr_assert_eq(out[j], '#', "cap %d: byte %zu written", cap, j);
	}
	need = sc_sip_build_response_parts(full, sizeof(full), 180, parts, 3);
	cr_assert_eq(need, (int)strlen("SIP/2.0 180 Ringing\r\nFrom: x\r\nTo: y\r\n"
				      "Content-Length: 0\r\n\r\n"));
	cr_assert(memcmp(full, "SIP/2.0 180 Ringing\r\nFrom: x\r\nTo: y\r\n"
			 "Content-Length: 0\r\n\r\n", (size_t)need) == 0);
	for (int cap = 0; cap < need; cap++)
		cr_assert_eq(sc_sip_build_response_parts(out, (size_t)cap, 180, parts, 3), -ENOSPC);
	/* Status outside 100..699. */
	cr_assert_eq(sc_sip_build_response_parts(out, sizeof(out), 99, parts, 3), -EINVAL);
	cr_assert_eq(sc_sip_build_response_parts(out, sizeof(out), 700, parts, 3), -EINVAL);
	cr_assert_eq(sc_sip_build_response_src(out, sizeof(out), &req, 700, &tag, &src, NULL),
		     -EINVAL);
}

/* More Via values than vias[] keeps: only the first one of the header block changes. */
Test(sip_build, top_via_completed_past_kept_vias)
{
	const char *rq = "INVITE sip:b@y SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 198.18.0.1;rport;branch=z9hG4bK0, "
			 "SIP/2.0/UDP h1.example.com\r\n" VIA20 FROM "To: <sip:b@y>\r\n" CID
			 "CSeq: 1 INVITE\r\n\r\n";
	struct sc_sip_src src = { { "198.18.0.9", 10 }, 5999 };
	struct sc_sip_msg req;
	char plain[8192], got[8192];
	int pn, n;
	const char *top = "Via: SIP/2.0/UDP 198.18.0.1;rport=5999;branch=z9hG4bK0;"
			  "received=198.18.0.9\r\n";
	size_t old_top = strlen("Via: SIP/2.0/UDP 198.18.0.1;rport;branch=z9hG4bK0\r\n");

	cr_assert_gt(sc_sip_parse(rq, strlen(rq), &req), 0);
	cr_assert_gt(req.via_total, req.via_count);
	pn = sc_sip_build_resp_headers(plain, sizeof(plain), &req, NULL);
	n = sc_sip_build_resp_headers_src(got, sizeof(got), &req, NULL, &src);
	cr_assert_gt(pn, 0);
	cr_assert_eq((size_t)n, (size_t)pn - old_top + strlen(top), "%.*s", n, got);
	cr_assert(memcmp(got, top, strlen(top)) == 0, "%.*s", n, got);
	cr_assert(memcmp(got + strlen(top), plain + old_top, (size_t)pn - old_top) == 0);
}

/* The stored-block route (a block split around a To tag, extra lines) = one pass. */
Test(sip_build, parts_equal_one_pass)
{
	struct sc_sip_msg req;
	struct sc_str tag = { "as83kd9bs", 9 }, allow = { "Allow: INVITE\r\n", 15 };
	char block[2048], a[4096], b[4096];
	int bn, na, nb;
	const char *to;

	cr_assert_gt(sc_sip_parse(RT_INVITE, strlen(RT_INVITE), &req), 0);
	bn = sc_sip_build_resp_headers(block, sizeof(block), &req, NULL);
	cr_assert_gt(bn, 0);
	to = memmem(block, (size_t)bn, "To: Bob <sip:bob@biloxi.example.com>", 36);
	cr_assert(to != NULL);
	{
		size_t cut = (size_t)(to + 36 - block);
		struct sc_str parts[5] = {
			{ block, (uint32_t)cut }, { ";tag=", 5 }, tag,
			{ block + cut, (uint32_t)((size_t)bn - cut) }, allow,
		};

		na = sc_sip_build_response_parts(a, sizeof(a), 200, parts, 5);
	}
	nb = sc_sip_build_response_src(b, sizeof(b), &req, 200, &tag, NULL, &allow);
	cr_assert(na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0, "%.*s\n%.*s", na, a,
		  nb, b);
	/* And the old NUL-terminated API gives the same bytes. */
	na = sc_sip_build_response(a, sizeof(a), &req, 200, NULL, &tag, "Allow: INVITE\r\n");
	cr_assert(na == nb && memcmp(a, b, (size_t)na) == 0);
}

/*
 * The builders' copy: every length from 0 to 200 at every source and destination
 * offset mod 16 copies exactly n octets and touches nothing around them.
 */
Test(sip_build, wbuf_copy_every_length_and_alignment)
{
	char src[256 + 32], dst[256 + 64];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 1);
	for (size_t n = 0; n <= 200; n++) {
		for (size_t so = 0; so < 16; so++) {
			for (size_t dof = 0; dof < 16; dof++) {
				memset(dst, '#', sizeof(dst));
				sc_copy_short(dst + 16 + dof, src + so, n);
				cr_assert(memcmp(dst + 16 + dof, src + so, n) == 0, "n %zu", n);
				for (size_t j = 0; j < 16 + dof; j++)
					cr_assert_eq(dst[j], '#', "n %zu: byte %zu before", n, j);
				for (size_t j = 16 + dof + n; j < sizeof(dst); j++)
					cr_assert_eq(dst[j], '#', "n %zu: byte %zu after", n, j);
			}
		}
	}
}

/* 7.2 status lines: a given phrase, the usual one, and what is not three digits. */
Test(sip_build, wbuf_status_line)
{
	static const struct {
		unsigned status;
		const char *reason;	/* NULL: the usual phrase */
		const char *want;	/* NULL: marks the buffer full */
	} t[] = {
		{ 180, "Ringing", "SIP/2.0 180 Ringing\r\n" },
		{ 183, "Early Media, Please", "SIP/2.0 183 Early Media, Please\r\n" },
		{ 487, NULL, "SIP/2.0 487 Request Terminated\r\n" },
		{ 200, "", "SIP/2.0 200 \r\n" },
		{ 799, NULL, "SIP/2.0 799 \r\n" },
		{ 999, "Odd", "SIP/2.0 999 Odd\r\n" },
		{ 99, NULL, NULL },
		{ 1000, "Long", NULL },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_wbuf w = { buf, sizeof(buf), 0, false };
		struct sc_str r = { t[i].reason, t[i].reason ? (uint32_t)strlen(t[i].reason) : 0 };

		sc_wbuf_put_status_line(&w, t[i].status, t[i].reason ? &r : NULL);
		if (t[i].want == NULL) {
			cr_assert_eq(sc_wbuf_done(&w), -ENOSPC, "status %u", t[i].status);
			cr_assert_eq(w.len, 0);
			continue;
		}
		cr_assert_eq(sc_wbuf_done(&w), (int)strlen(t[i].want), "status %u", t[i].status);
		cr_assert(memcmp(buf, t[i].want, w.len) == 0, "status %u", t[i].status);
		/* One octet short: nothing past the capacity, and the buffer marked full. */
		memset(buf, '#', sizeof(buf));
		w = (struct sc_wbuf){ buf, strlen(t[i].want) - 1, 0, false };
		sc_wbuf_put_status_line(&w, t[i].status, t[i].reason ? &r : NULL);
		cr_assert_eq(sc_wbuf_done(&w), -ENOSPC, "status %u", t[i].status);
		cr_assert_eq(buf[strlen(t[i].want) - 1], '#', "status %u", t[i].status);
	}
}
