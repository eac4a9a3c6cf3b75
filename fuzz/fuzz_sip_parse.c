/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the SIP parser. The input is copied into a buffer of
 * exactly its size so AddressSanitizer sees any over-read. When a request parses,
 * the responses, the CANCEL and the ACK the builders make from it must parse too:
 * what the data path sends must be as well-formed as what it accepted.
 */
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

	/* Both scans must agree on every input. */
	sc_sip_set_simd(SC_SIP_SIMD_SCALAR);
	rc = sc_sip_parse(buf, size, &msg);
	{
		int rc2;

		if (sc_sip_set_simd(SC_SIP_SIMD_AVX2) == 0 ||
		    sc_sip_set_simd(SC_SIP_SIMD_SSE42) == 0) {
			rc2 = sc_sip_parse(buf, size, &fin);
			if (rc2 != rc || fin.error != msg.error || fin.via_total != msg.via_total) {
				fprintf(stderr, "scan levels disagree: %d vs %d\n", rc, rc2);
				abort();
			}
		}
	}
	if (rc > 0 && (size_t)rc > size)
		abort();
	sc_sip_verdict_response(&msg);

	if (rc > 0 && msg.kind == SC_SIP_REQUEST) {
		n = sc_sip_build_response(out, sizeof(out), &msg, 487, NULL, &tag, NULL);
		must_parse("487", out, n);
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
