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

#include "sc_copy.h"
#include "sc_sip.h"

struct sc_wbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

/* Appends n octets of s, or marks w full (writing nothing) when they do not fit. */
static inline void
sc_wbuf_put(struct sc_wbuf *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	sc_copy_short(w->p + w->len, s, n);
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

/*
 * "SIP/2.0 <status> <reason>" CRLF (7.2; the version in upper case, as 7.1 says
 * to send it). reason NULL: the usual phrase of the status. A status that is not
 * three digits marks w full. Out of line, in sc_sip_build.c.
 */
void sc_wbuf_put_status_line(struct sc_wbuf *w, unsigned status, const struct sc_str *reason);

/*
 * The top Via value of a request received from src, completed as the server
 * transport does (18.2.1: received= when the sent-by host is not the source
 * address; RFC 3581 section 4: a valueless rport gets the source port, and
 * received= is then always added). A Via that has received= already is copied.
 */
void sc_wbuf_put_via_completed(struct sc_wbuf *w, const struct sc_sip_via *top,
			       const struct sc_sip_src *src);

/* The length written, or -ENOSPC if anything did not fit. */
static inline int
sc_wbuf_done(const struct sc_wbuf *w)
{
	if (w->full || w->len > INT32_MAX)
		return -ENOSPC;
	return (int)w->len;
}

#endif /* SC_SIP_WBUF_H */
