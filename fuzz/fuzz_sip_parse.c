/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the SIP parser. The input is copied into a buffer of
 * exactly its size so AddressSanitizer sees any over-read. When a request parses,
 * the responses, the CANCEL and the ACK the builders make from it must parse too:
 * what the data path sends must be as well-formed as what it accepted.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must_parse(const char *what, const char *buf, int n)
{
	struct sc_sip_msg m;
	int rc;

	if (n <= 0) {
		/* -ENOSPC only: the output buffer is larger than any input. */
		fprintf(stderr, "%s: builder failed %d\n", what, n);
		abort();
	}
	rc = sc_sip_parse(buf, (size_t)n, &m);
	if (rc != n) {
		fprintf(stderr, "%s: re-parse rc %d (%s)\n%.*s\n", what, rc,
			sc_sip_error_name((enum sc_sip_error)m.error), n, buf);
		abort();
	}
}

static bool
str_same(const struct sc_str *a, const struct sc_str *b)
{
	return a->p == b->p && a->len == b->len;
}

static bool
addr_same(const struct sc_sip_addr *a, const struct sc_sip_addr *b)
{
	return str_same(&a->value, &b->value) && str_same(&a->uri, &b->uri) &&
	       str_same(&a->tag, &b->tag);
}

/* The list rescan against the parse: as many values, the kept ones the same. */
struct rescan {
	const struct sc_str *kept;
	unsigned n_kept, n;
};

static int
rescan_cb(void *arg, const char *p, size_t len)
{
	struct rescan *r = arg;

	if (r->n < r->n_kept && (r->kept[r->n].p != p || r->kept[r->n].len != len)) {
		fprintf(stderr, "rescan value %u differs from the parse's\n", r->n);
		abort();
	}
	r->n++;
	return 0;
}

static void
rescan_same(const struct sc_sip_msg *m)
{
	const struct { enum sc_sip_list which; const struct sc_str *kept; unsigned n_kept, total; }
	lists[] = {
		{ SC_SIP_LIST_REQUIRE, m->requires, m->require_count, m->require_total },
		{ SC_SIP_LIST_PROXY_REQUIRE, m->proxy_requires, m->proxy_require_count,
		  m->proxy_require_total },
		{ SC_SIP_LIST_REASON, m->reasons, m->reason_count, m->reason_total },
	};

	for (unsigned i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct rescan r = { lists[i].kept, lists[i].n_kept, 0 };

		sc_sip_foreach_list_value(m, lists[i].which, rescan_cb, &r);
		if (lists[i].total < UINT16_MAX && r.n != lists[i].total) {
			fprintf(stderr, "list %u: rescan %u values, parse counted %u\n", i, r.n,
				lists[i].total);
			abort();
		}
	}
}

/* Every field the parser fills, arrays below their counts. */
static bool
msg_same(const struct sc_sip_msg *a, const struct sc_sip_msg *b)
{
	if (a->kind != b->kind || a->method != b->method || a->cseq_method != b->cseq_method ||
	    a->via_count != b->via_count || a->status != b->status || a->error != b->error ||
	    a->via_total != b->via_total || a->cseq != b->cseq ||
	    a->max_forwards != b->max_forwards || a->content_length != b->content_length ||
	    a->route_count != b->route_count || a->reason_count != b->reason_count ||
	    a->require_count != b->require_count ||
	    a->proxy_require_count != b->proxy_require_count || a->msg_len != b->msg_len ||
	    a->route_total != b->route_total || a->require_total != b->require_total ||
	    a->proxy_require_total != b->proxy_require_total ||
	    a->reason_total != b->reason_total)
		return false;
	if (!str_same(&a->method_name, &b->method_name) ||
	    !str_same(&a->request_uri, &b->request_uri) ||
	    !str_same(&a->reason_phrase, &b->reason_phrase) ||
	    !str_same(&a->call_id, &b->call_id) ||
	    !str_same(&a->cseq_method_name, &b->cseq_method_name) ||
	    !addr_same(&a->from, &b->from) || !addr_same(&a->to, &b->to) ||
	    !str_same(&a->headers, &b->headers) || !str_same(&a->body, &b->body))
		return false;
	for (unsigned i = 0; i < a->via_count; i++) {
		const struct sc_sip_via *x = &a->vias[i], *y = &b->vias[i];

		if (!str_same(&x->value, &y->value) || !str_same(&x->protocol, &y->protocol) ||
		    !str_same(&x->transport, &y->transport) || !str_same(&x->host, &y->host) ||
		    x->port != y->port || x->host_type != y->host_type ||
		    x->has_rport != y->has_rport || !str_same(&x->branch, &y->branch) ||
		    !str_same(&x->received, &y->received) || !str_same(&x->rport, &y->rport) ||
		    !str_same(&x->maddr, &y->maddr))
			return false;
	}
	for (unsigned i = 0; i < a->route_count; i++)
		if (!str_same(&a->routes[i], &b->routes[i]))
			return false;
	for (unsigned i = 0; i < a->reason_count; i++)
		if (!str_same(&a->reasons[i], &b->reasons[i]))
			return false;
	for (unsigned i = 0; i < a->require_count; i++)
		if (!str_same(&a->requires[i], &b->requires[i]))
			return false;
	for (unsigned i = 0; i < a->proxy_require_count; i++)
		if (!str_same(&a->proxy_requires[i], &b->proxy_requires[i]))
			return false;
	return true;
}

/*
 * The one-pass builders of the hot path must write what the general ones write
 * (want: sc_sip_build_response(487, tag) of req), byte for byte, and with a source
 * address a response that still parses with as many Vias.
 */
static void
one_pass_same(const struct sc_sip_msg *req, const struct sc_str *tag, const char *want,
	      int want_len)
{
	static char got[3 * 65536], block[3 * 65536];
	static struct sc_sip_msg back;
	static const struct sc_str retry = { "Retry-After: 5\r\n", 16 };
	struct sc_sip_src src = { { "198.18.0.9", 10 }, 5099 };
	struct sc_str parts[2];
	int n, blen, m;

	n = sc_sip_build_response_src(got, sizeof(got), req, 487, tag, NULL, NULL);
	if (n != want_len || (n > 0 && memcmp(got, want, (size_t)n) != 0)) {
		fprintf(stderr, "one-pass 487 differs: %d vs %d\n", n, want_len);
		abort();
	}
	blen = sc_sip_build_resp_headers(block, sizeof(block), req, tag);
	if (blen < 0)
		return;
	parts[0].p = block;
	parts[0].len = (size_t)blen;
	parts[1] = retry;
	n = sc_sip_build_response_parts(got, sizeof(got), 503, parts, 2);
	m = sc_sip_build_response_from_block(got + sizeof(got) / 2, sizeof(got) / 2, 503, NULL,
					     block, (size_t)blen, "Retry-After: 5\r\n");
	if (n != m || (n > 0 && memcmp(got, got + sizeof(got) / 2, (size_t)n) != 0)) {
		fprintf(stderr, "parts 503 differs: %d vs %d\n", n, m);
		abort();
	}
	n = sc_sip_build_response_src(got, sizeof(got), req, 100, NULL, &src, NULL);
	if (n > 0) {
		must_parse("100 with source", got, n);
		if (sc_sip_parse(got, (size_t)n, &back) != n || back.via_count != req->via_count)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_sip_msg msg, fin;
	static char out[3 * 65536];
	struct sc_str tag = { "fz1", 3 };
	struct sc_sip_sent_invite inv;
	char *buf;
	int rc, n;

	if (size > 65535)
		return 0;
	buf = malloc(size == 0 ? 1 : size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	/*
	 * Every scan level must agree with the scalar one on every input, field by
	 * field: the vector levels take fast paths (the Via one) the scalar level
	 * never does, so this also checks each fast path against the general one.
	 */
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	rc = sc_sip_parse(buf, size, &msg);
	for (int l = SC_SIP_SIMD_SSE42; l <= SC_SIP_SIMD_AVX2; l++) {
		int rc2;

		if (sc_sip_set_simd((enum sc_sip_simd)l) != 0)
			continue;
		rc2 = sc_sip_parse(buf, size, &fin);
		if (rc2 != rc || !msg_same(&msg, &fin)) {
			fprintf(stderr, "scan levels disagree (level %d): %d vs %d\n", l, rc, rc2);
			abort();
		}
	}
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	if (rc > 0 && (size_t)rc > size)
		abort();
	sc_sip_verdict_response(&msg);
	if (rc > 0)
		rescan_same(&msg);

	if (rc > 0 && msg.kind == SC_SIP_REQUEST) {
		n = sc_sip_build_response(out, sizeof(out), &msg, 487, NULL, &tag, NULL);
		must_parse("487", out, n);
		one_pass_same(&msg, &tag, out, n);
		n = sc_sip_build_response(out, sizeof(out), &msg, 100, NULL, NULL, NULL);
		must_parse("100", out, n);
		n = sc_sip_build_response(out, sizeof(out), &msg, 503, NULL, &tag,
					  "Retry-After: 5\r\n");
		must_parse("503", out, n);
		if (sc_sip_sent_invite_from_msg(&inv, &msg) == 0) {
			n = sc_sip_build_cancel(out, sizeof(out), &inv, msg.reasons,
						msg.reason_count);
			must_parse("CANCEL", out, n);
			n = sc_sip_build_response(out, sizeof(out), &msg, 486, NULL, &tag, NULL);
			if (sc_sip_parse(out, (size_t)n, &fin) == n) {
				static char ack[3 * 65536];

				n = sc_sip_build_ack(ack, sizeof(ack), &inv, &fin);
				must_parse("ACK", ack, n);
			}
		}
	}
	free(buf);
	return 0;
}
