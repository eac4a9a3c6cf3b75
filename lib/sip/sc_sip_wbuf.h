/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SC_SIP_WBUF_H
#define SC_SIP_WBUF_H

/*
 * The bounded output buffer of the message builders (lib/sip, lib/cancel's proxy):
 * a put that does not fit writes nothing and marks the buffer full, so a builder
 * writes its whole message unchecked and asks sc_wbuf_done() once at the end.
 * Header-only so that every put inlines into the builder.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sc_sip.h"

struct sc_wbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

/*
 * memcpy of n octets for the builders' short pieces (header values, tags, stored
 * blocks): two overlapping fixed-size copies for up to 32 octets, 32 at a time
 * beyond. It reads and writes only [0, n) of each buffer, and inlines: the libc
 * call, with its size dispatch, was 3-5% of the pipeline worker for pieces that
 * are mostly 5-60 octets. d and s must not overlap.
 */
#if defined(__GNUC__) && !defined(__clang__)
/*
 * gcc 12 checks the > 32 path against a caller's short array (sc_proxy.c's
 * Max-Forwards line) whose length it cannot bound, and calls it out of bounds.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
static inline void
sc_wbuf_copy(char *d, const char *s, size_t n)
{
	/* A literal's length is a constant: the compiler's own inline copy is exact. */
	if (__builtin_constant_p(n)) {
		memcpy(d, s, n);
		return;
	}
	if (n > 32) {
		char *de = d + n;
		const char *se = s + n;

		for (; n > 32; n -= 32, d += 32, s += 32) {
			memcpy(d, s, 16);
			memcpy(d + 16, s + 16, 16);
		}
		/* The last 32, overlapping what the loop copied. */
		memcpy(de - 32, se - 32, 16);
		memcpy(de - 16, se - 16, 16);
	} else if (n >= 16) {
		/* The first 16 and the last 16, overlapping in the middle. */
		memcpy(d + n - 16, s + n - 16, 16);
		memcpy(d, s, 16);
	} else if (n >= 8) {
		memcpy(d + n - 8, s + n - 8, 8);
		memcpy(d, s, 8);
	} else if (n >= 4) {
		memcpy(d + n - 4, s + n - 4, 4);
		memcpy(d, s, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n - 1] = s[n - 1];
		d[n / 2] = s[n / 2];
	}
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* Appends n octets of s, or marks w full (writing nothing) when they do not fit. */
static inline void
sc_wbuf_put(struct sc_wbuf *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	sc_wbuf_copy(w->p + w->len, s, n);
	w->len += n;
}

/* lit is a string literal: its length is known at compile time. */
#define SC_WBUF_PUTS(w, lit) sc_wbuf_put((w), (lit), sizeof(lit) - 1)

/* Appends s (nothing for a NULL string), as sc_wbuf_put(). */
static inline void
sc_wbuf_put_str(struct sc_wbuf *w, const struct sc_str *s)
{
	if (s->p != NULL)
		sc_wbuf_put(w, s->p, s->len);
}

/* Appends v in decimal, or marks w full when its digits do not fit. */
static inline void
sc_wbuf_put_u32(struct sc_wbuf *w, uint32_t v)
{
	size_t n;

	if (w->full)
		return;
	n = sc_sip_fmt_u32(w->p + w->len, w->cap - w->len, v);
	if (n == 0)
		w->full = true;
	w->len += n;
}

/* The length written, or -ENOSPC if anything did not fit. */
static inline int
sc_wbuf_done(const struct sc_wbuf *w)
{
	if (w->full || w->len > INT32_MAX)
		return -ENOSPC;
	return (int)w->len;
}

#endif /* SC_SIP_WBUF_H */
