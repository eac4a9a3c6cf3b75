/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message builders: responses (8.2.6), CANCEL (9.1) and the ACK for a non-2xx
 * final (17.1.1.3). Plain appends into the caller's buffer, no allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sc_sip.h"
#include "sc_sip_wbuf.h"
#include "sip_priv.h"

size_t
sc_sip_fmt_u32(char *out, size_t cap, uint32_t v)
{
	size_t n, i;

	/* Count by compares (no division), then write backwards in place. */
	if (v < 100000)
		n = v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
	else
		n = v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 :
		    v < 1000000000 ? 9 : 10;
	if (n > cap)
		return 0;
	i = n;
	do {
		out[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (i != 0);
	return n;
}

/* name is a string literal: its length is known at compile time. */
#define PUT_HDR(w, name, val) put_hdr((w), (name), sizeof(name) - 1, (val))

static void
put_hdr(struct sc_wbuf *w, const char *name, size_t name_len, const struct sc_str *val)
{
	sc_wbuf_put(w, name, name_len);
	sc_wbuf_put_str(w, val);
	SC_WBUF_PUTS(w, "\r\n");
}

/*
 * Offset just past a valueless ";rport" parameter in a via-parm, or 0 (RFC 3581
 * section 4: rport with no value is the one the server fills).
 */
static size_t
rport_end(const struct sc_str *v)
{
	size_t i = 0;

	while (i < v->len) {
		/* Parameters start at ';': jump between them (memchr scans wide). */
		const char *semi = memchr(v->p + i, ';', v->len - i);
		size_t j, k;

		if (semi == NULL)
			return 0;
		i = (size_t)(semi - v->p);
		j = i + 1;
		while (j < v->len && (v->p[j] == ' ' || v->p[j] == '\t'))
			j++;
		if (v->len - j < 5 || !sc_sip_ieq(v->p + j, "rport", 5)) {
			i = j;
			continue;
		}
		k = j + 5;
		while (k < v->len && (v->p[k] == ' ' || v->p[k] == '\t'))
			k++;
		if (k == v->len || v->p[k] == ';' || v->p[k] == ',')
			return j + 5;
		i = k;
	}
	return 0;
}

/*
 * The top Via value completed as a server does on receipt (18.2.1, RFC 3581
 * section 4): ";received=<source IP>" when the Via has no received and its sent-by
 * host differs from the source (or it has rport, which asks for it always); an
 * empty rport gets the source port. Written in one pass.
 */
void
sc_wbuf_put_via_completed(struct sc_wbuf *w, const struct sc_sip_via *top,
			  const struct sc_sip_src *src)
{
	const struct sc_str *v = &top->value;
	const char *host = top->host.p;
	size_t host_len = top->host.len, at;
	bool add_received, fill_rport;

	if (host_len >= 2 && top->host_type == SC_HOST_IPV6) {
		host++;
		host_len -= 2;
	}
	add_received = top->received.len == 0 &&
		       (top->has_rport || host_len != src->ip.len ||
			!sc_sip_ieq(host, src->ip.p, host_len));
	/* Only a valueless rport is filled: look for where it ends only then. */
	at = top->has_rport && top->rport.len == 0 ? rport_end(v) : 0;
	fill_rport = at != 0;
	if (fill_rport) {
		sc_wbuf_put(w, v->p, at);
		SC_WBUF_PUTS(w, "=");
		sc_wbuf_put_u32(w, src->port);
		sc_wbuf_put(w, v->p + at, v->len - at);
	} else {
		sc_wbuf_put(w, v->p, v->len);
	}
	if (add_received) {
		SC_WBUF_PUTS(w, ";received=");
		sc_wbuf_put(w, src->ip.p, src->ip.len);
	}
}

/* The top Via line of a response, completed for src (18.2.1, RFC 3581 section 4). */
static void
put_top_via(struct sc_wbuf *w, const struct sc_sip_via *top, const struct sc_sip_src *src)
{
	SC_WBUF_PUTS(w, "Via: ");
	sc_wbuf_put_via_completed(w, top, src);
	SC_WBUF_PUTS(w, "\r\n");
}

/* Copying every Via value of the request: the top one may need completing. */
struct via_ctx {
	struct sc_wbuf *w;
	const struct sc_sip_via *top;
	const struct sc_sip_src *src;	/* NULL: copied unchanged */
	bool first;
};

static int
via_cb(void *ctx, const char *p, size_t len)
{
	struct via_ctx *c = ctx;
	bool first = c->first;

	c->first = false;
	if (first && c->src != NULL && len == c->top->value.len &&
	    memcmp(p, c->top->value.p, len) == 0) {
		put_top_via(c->w, c->top, c->src);
		return 0;
	}
	SC_WBUF_PUTS(c->w, "Via: ");
	sc_wbuf_put(c->w, p, len);
	SC_WBUF_PUTS(c->w, "\r\n");
	return 0;
}

/*
 * 8.2.6.2: Via (all, in order), From, To (+tag), Call-ID and CSeq copied. src: the
 * request's source, to complete the top Via (NULL: unchanged).
 */
static void
put_resp_headers(struct sc_wbuf *w, const struct sc_sip_msg *req, const struct sc_str *to_tag,
		 const struct sc_sip_src *src)
{
	unsigned i = 0;

	if (src != NULL && (req->via_count == 0 || req->vias[0].value.len == 0))
		src = NULL;
	if (req->via_total > req->via_count) {
		/* More Via values than the parse kept: copy them from the header block. */
		struct via_ctx c = { w, &req->vias[0], src, true };

		sip_foreach_via(req, via_cb, &c);
	} else {
		if (src != NULL) {
			put_top_via(w, &req->vias[0], src);
			i = 1;
		}
		for (; i < req->via_count; i++)
			PUT_HDR(w, "Via: ", &req->vias[i].value);
	}
	PUT_HDR(w, "From: ", &req->from.value);
	SC_WBUF_PUTS(w, "To: ");
	sc_wbuf_put_str(w, &req->to.value);
	if (req->to.tag.p == NULL && to_tag != NULL && to_tag->p != NULL && to_tag->len != 0) {
		SC_WBUF_PUTS(w, ";tag=");
		sc_wbuf_put_str(w, to_tag);
	}
	SC_WBUF_PUTS(w, "\r\nCall-ID: ");
	sc_wbuf_put_str(w, &req->call_id);
	SC_WBUF_PUTS(w, "\r\nCSeq: ");
	sc_wbuf_put_u32(w, req->cseq);
	SC_WBUF_PUTS(w, " ");
	sc_wbuf_put_str(w, &req->cseq_method_name);
	SC_WBUF_PUTS(w, "\r\n");
}

/* The usual reason phrase of status; empty for one it does not know. */
static struct sc_str reason_of(unsigned status);

void
sc_wbuf_put_status_line(struct sc_wbuf *w, unsigned status, const struct sc_str *reason)
{
	uint32_t d0 = '0' + status / 100, d1 = '0' + status / 10 % 10, d2 = '0' + status % 10;
	char sl[12] = "SIP/2.0 ";
	uint32_t code;

	/* Status-Code = 3DIGIT (25.1). */
	if (status < 100 || status > 999) {
		w->full = true;
		return;
	}
	/*
	 * The code and its space in one 4-byte store: the 12-byte copy below reloads
	 * them at once, and a load cannot be forwarded from four byte stores (it would
	 * wait for them to reach the cache, about 20 cycles a response).
	 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	code = d0 | d1 << 8 | d2 << 16 | (uint32_t)' ' << 24;
#else
	code = d0 << 24 | d1 << 16 | d2 << 8 | (uint32_t)' ';
#endif
	memcpy(sl + 8, &code, sizeof(code));
	sc_wbuf_put(w, sl, sizeof(sl));
	if (reason != NULL) {
		sc_wbuf_put_str(w, reason);
	} else {
		struct sc_str r = reason_of(status);

		sc_wbuf_put(w, r.p, r.len);
	}
	SC_WBUF_PUTS(w, "\r\n");
}

/* The status line with reason (NUL-terminated), or the usual phrase for NULL. */
static void
put_status_line(struct sc_wbuf *w, unsigned status, const char *reason)
{
	struct sc_str r;

	if (reason == NULL) {
		sc_wbuf_put_status_line(w, status, NULL);
		return;
	}
	r.p = reason;
	r.len = (uint32_t)strlen(reason);
	sc_wbuf_put_status_line(w, status, &r);
}

static void
put_extra(struct sc_wbuf *w, const struct sc_str *extra)
{
	if (extra != NULL && extra->len != 0)
		sc_wbuf_put(w, extra->p, extra->len);
}

int
sc_sip_build_resp_headers(char *buf, size_t cap, const struct sc_sip_msg *req,
			  const struct sc_str *to_tag)
{
	return sc_sip_build_resp_headers_src(buf, cap, req, to_tag, NULL);
}

int
sc_sip_build_resp_headers_src(char *buf, size_t cap, const struct sc_sip_msg *req,
			      const struct sc_str *to_tag, const struct sc_sip_src *src)
{
	struct sc_wbuf w = { buf, cap, 0, false };

	put_resp_headers(&w, req, to_tag, src);
	return sc_wbuf_done(&w);
}

int
sc_sip_build_response_from_block(char *buf, size_t cap, unsigned status, const char *reason,
				 const char *block, size_t block_len, const char *extra)
{
	struct sc_wbuf w = { buf, cap, 0, false };

	if (status < 100 || status > 699)
		return -EINVAL;
	put_status_line(&w, status, reason);
	sc_wbuf_put(&w, block, block_len);
	if (extra != NULL)
		sc_wbuf_put(&w, extra, strlen(extra));
	SC_WBUF_PUTS(&w, "Content-Length: 0\r\n\r\n");
	return sc_wbuf_done(&w);
}

int
sc_sip_build_response_parts(char *buf, size_t cap, unsigned status, const struct sc_str *parts,
			    unsigned n_parts)
{
	struct sc_wbuf w = { buf, cap, 0, false };
	unsigned i;

	if (status < 100 || status > 699)
		return -EINVAL;
	put_status_line(&w, status, NULL);
	for (i = 0; i < n_parts; i++)
		put_extra(&w, &parts[i]);
	SC_WBUF_PUTS(&w, "Content-Length: 0\r\n\r\n");
	return sc_wbuf_done(&w);
}

int
sc_sip_build_response(char *buf, size_t cap, const struct sc_sip_msg *req, unsigned status,
		      const char *reason, const struct sc_str *to_tag, const char *extra)
{
	struct sc_wbuf w = { buf, cap, 0, false };

	if (status < 100 || status > 699)
		return -EINVAL;
	put_status_line(&w, status, reason);
	put_resp_headers(&w, req, to_tag, NULL);
	if (extra != NULL)
		sc_wbuf_put(&w, extra, strlen(extra));
	SC_WBUF_PUTS(&w, "Content-Length: 0\r\n\r\n");
	return sc_wbuf_done(&w);
}

int
sc_sip_build_response_src(char *buf, size_t cap, const struct sc_sip_msg *req, unsigned status,
			  const struct sc_str *to_tag, const struct sc_sip_src *src,
			  const struct sc_str *extra)
{
	struct sc_wbuf w = { buf, cap, 0, false };

	if (status < 100 || status > 699)
		return -EINVAL;
	put_status_line(&w, status, NULL);
	put_resp_headers(&w, req, to_tag, src);
	put_extra(&w, extra);
	SC_WBUF_PUTS(&w, "Content-Length: 0\r\n\r\n");
	return sc_wbuf_done(&w);
}

int
sc_sip_sent_invite_from_msg(struct sc_sip_sent_invite *inv, const struct sc_sip_msg *msg)
{
	if (msg->kind != SC_SIP_REQUEST || msg->via_count == 0)
		return -EINVAL;
	/* 9.1: the CANCEL repeats every Route value; only SC_SIP_MAX_ROUTES are kept. */
	if (msg->route_total > SC_SIP_MAX_ROUTES)
		return -E2BIG;
	memset(inv, 0, sizeof(*inv));
	inv->request_uri = msg->request_uri;
	inv->top_via = msg->vias[0].value;
	inv->from = msg->from.value;
	inv->to = msg->to.value;
	inv->call_id = msg->call_id;
	inv->cseq = msg->cseq;
	inv->route_count = msg->route_count;
	for (unsigned i = 0; i < msg->route_count && i < SC_SIP_MAX_ROUTES; i++)
		inv->routes[i] = msg->routes[i];
	return 0;
}

/* The lines CANCEL and ACK share (9.1, 17.1.1.3): request line, Via, Route, MF. */
static void
put_inv_common(struct sc_wbuf *w, const char *method, size_t method_len,
	       const struct sc_sip_sent_invite *inv)
{
	sc_wbuf_put(w, method, method_len);
	SC_WBUF_PUTS(w, " ");
	sc_wbuf_put_str(w, &inv->request_uri);
	SC_WBUF_PUTS(w, " SIP/2.0\r\n");
	PUT_HDR(w, "Via: ", &inv->top_via);
	for (unsigned i = 0; i < inv->route_count && i < SC_SIP_MAX_ROUTES; i++)
		PUT_HDR(w, "Route: ", &inv->routes[i]);
	/* 20.22: a UAC sets 70. */
	SC_WBUF_PUTS(w, "Max-Forwards: 70\r\n");
	PUT_HDR(w, "From: ", &inv->from);
}

int
sc_sip_build_cancel(char *buf, size_t cap, const struct sc_sip_sent_invite *inv,
		    const struct sc_str *reasons, unsigned reason_count)
{
	struct sc_wbuf w = { buf, cap, 0, false };

	put_inv_common(&w, "CANCEL", 6, inv);
	PUT_HDR(&w, "To: ", &inv->to);
	PUT_HDR(&w, "Call-ID: ", &inv->call_id);
	SC_WBUF_PUTS(&w, "CSeq: ");
	sc_wbuf_put_u32(&w, inv->cseq);
	SC_WBUF_PUTS(&w, " CANCEL\r\n");
	for (unsigned i = 0; i < reason_count && reasons != NULL; i++)
		PUT_HDR(&w, "Reason: ", &reasons[i]);
	SC_WBUF_PUTS(&w, "Content-Length: 0\r\n\r\n");
	return sc_wbuf_done(&w);
}

int
sc_sip_build_ack(char *buf, size_t cap, const struct sc_sip_sent_invite *inv,
		 const struct sc_sip_msg *final_resp)
{
	struct sc_wbuf w = { buf, cap, 0, false };

	put_inv_common(&w, "ACK", 3, inv);
	/* 17.1.1.3: To equals the To of the response being acknowledged (its tag). */
	PUT_HDR(&w, "To: ", &final_resp->to.value);
	PUT_HDR(&w, "Call-ID: ", &inv->call_id);
	SC_WBUF_PUTS(&w, "CSeq: ");
	sc_wbuf_put_u32(&w, inv->cseq);
	SC_WBUF_PUTS(&w, " ACK\r\n");
	SC_WBUF_PUTS(&w, "Content-Length: 0\r\n\r\n");
	return sc_wbuf_done(&w);
}

/* The phrase with its length, so the status line needs no strlen. */
#define R(lit)	return (struct sc_str){ (lit), sizeof(lit) - 1 }

static struct sc_str
reason_of(unsigned status)
{
	/* Section 21 (and RFC 3262/3265/3329/3903/4412/6086 for the common extras). */
	switch (status) {
	case 100: R("Trying");
	case 180: R("Ringing");
	case 181: R("Call Is Being Forwarded");
	case 182: R("Queued");
	case 183: R("Session Progress");
	case 200: R("OK");
	case 202: R("Accepted");
	case 300: R("Multiple Choices");
	case 301: R("Moved Permanently");
	case 302: R("Moved Temporarily");
	case 305: R("Use Proxy");
	case 380: R("Alternative Service");
	case 400: R("Bad Request");
	case 401: R("Unauthorized");
	case 402: R("Payment Required");
	case 403: R("Forbidden");
	case 404: R("Not Found");
	case 405: R("Method Not Allowed");
	case 406: R("Not Acceptable");
	case 407: R("Proxy Authentication Required");
	case 408: R("Request Timeout");
	case 410: R("Gone");
	case 413: R("Request Entity Too Large");
	case 414: R("Request-URI Too Long");
	case 415: R("Unsupported Media Type");
	case 416: R("Unsupported URI Scheme");
	case 420: R("Bad Extension");
	case 421: R("Extension Required");
	case 423: R("Interval Too Brief");
	case 480: R("Temporarily Unavailable");
	case 481: R("Call/Transaction Does Not Exist");
	case 482: R("Loop Detected");
	case 483: R("Too Many Hops");
	case 484: R("Address Incomplete");
	case 485: R("Ambiguous");
	case 486: R("Busy Here");
	case 487: R("Request Terminated");
	case 488: R("Not Acceptable Here");
	case 491: R("Request Pending");
	case 493: R("Undecipherable");
	case 500: R("Server Internal Error");
	case 501: R("Not Implemented");
	case 502: R("Bad Gateway");
	case 503: R("Service Unavailable");
	case 504: R("Server Time-out");
	case 505: R("Version Not Supported");
	case 513: R("Message Too Large");
	case 600: R("Busy Everywhere");
	case 603: R("Decline");
	case 604: R("Does Not Exist Anywhere");
	case 606: R("Not Acceptable");
	default: R("");
	}
}

#undef R

const char *
sc_sip_reason_phrase(unsigned status)
{
	return reason_of(status).p;
}
