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
#include "sip_priv.h"

struct wbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void
put(struct wbuf *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

#define PUTS(w, lit) put((w), (lit), sizeof(lit) - 1)

static void
put_str(struct wbuf *w, const struct sc_str *s)
{
	if (s->p != NULL)
		put(w, s->p, s->len);
}

static void
put_cstr(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
put_u32(struct wbuf *w, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(w, tmp + sizeof(tmp) - n, n);
}

static void
put_hdr(struct wbuf *w, const char *name, const struct sc_str *val)
{
	put_cstr(w, name);
	put_str(w, val);
	PUTS(w, "\r\n");
}

static int
done(const struct wbuf *w)
{
	if (w->full || w->len > INT32_MAX)
		return -ENOSPC;
	return (int)w->len;
}

static int
via_cb(void *ctx, const char *p, size_t len)
{
	struct wbuf *w = ctx;

	PUTS(w, "Via: ");
	put(w, p, len);
	PUTS(w, "\r\n");
	return 0;
}

/* 8.2.6.2: Via (all, in order), From, To (+tag), Call-ID and CSeq copied. */
static void
put_resp_headers(struct wbuf *w, const struct sc_sip_msg *req, const struct sc_str *to_tag)
{
	if (req->via_total > req->via_count) {
		/* More Via values than the parse kept: copy them from the header block. */
		sip_foreach_via(req, via_cb, w);
	} else {
		for (unsigned i = 0; i < req->via_count; i++)
			put_hdr(w, "Via: ", &req->vias[i].value);
	}
	put_hdr(w, "From: ", &req->from.value);
	PUTS(w, "To: ");
	put_str(w, &req->to.value);
	if (req->to.tag.p == NULL && to_tag != NULL && to_tag->p != NULL && to_tag->len != 0) {
		PUTS(w, ";tag=");
		put_str(w, to_tag);
	}
	PUTS(w, "\r\nCall-ID: ");
	put_str(w, &req->call_id);
	PUTS(w, "\r\nCSeq: ");
	put_u32(w, req->cseq);
	PUTS(w, " ");
	put_str(w, &req->cseq_method_name);
	PUTS(w, "\r\n");
}

static void
put_status_line(struct wbuf *w, unsigned status, const char *reason)
{
	PUTS(w, "SIP/2.0 ");
	put_u32(w, status);
	PUTS(w, " ");
	put_cstr(w, reason != NULL ? reason : sc_sip_reason_phrase(status));
	PUTS(w, "\r\n");
}

int
sc_sip_build_resp_headers(char *buf, size_t cap, const struct sc_sip_msg *req,
			  const struct sc_str *to_tag)
{
	struct wbuf w = { buf, cap, 0, false };

	put_resp_headers(&w, req, to_tag);
	return done(&w);
}

int
sc_sip_build_response_from_block(char *buf, size_t cap, unsigned status, const char *reason,
				 const char *block, size_t block_len, const char *extra)
{
	struct wbuf w = { buf, cap, 0, false };

	if (status < 100 || status > 699)
		return -EINVAL;
	put_status_line(&w, status, reason);
	put(&w, block, block_len);
	if (extra != NULL)
		put_cstr(&w, extra);
	PUTS(&w, "Content-Length: 0\r\n\r\n");
	return done(&w);
}

int
sc_sip_build_response(char *buf, size_t cap, const struct sc_sip_msg *req, unsigned status,
		      const char *reason, const struct sc_str *to_tag, const char *extra)
{
	struct wbuf w = { buf, cap, 0, false };

	if (status < 100 || status > 699)
		return -EINVAL;
	put_status_line(&w, status, reason);
	put_resp_headers(&w, req, to_tag);
	if (extra != NULL)
		put_cstr(&w, extra);
	PUTS(&w, "Content-Length: 0\r\n\r\n");
	return done(&w);
}

int
sc_sip_sent_invite_from_msg(struct sc_sip_sent_invite *inv, const struct sc_sip_msg *msg)
{
	if (msg->kind != SC_SIP_REQUEST || msg->via_count == 0)
		return -EINVAL;
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
put_inv_common(struct wbuf *w, const char *method, const struct sc_sip_sent_invite *inv)
{
	put_cstr(w, method);
	PUTS(w, " ");
	put_str(w, &inv->request_uri);
	PUTS(w, " SIP/2.0\r\n");
	put_hdr(w, "Via: ", &inv->top_via);
	for (unsigned i = 0; i < inv->route_count && i < SC_SIP_MAX_ROUTES; i++)
		put_hdr(w, "Route: ", &inv->routes[i]);
	/* 20.22: a UAC sets 70. */
	PUTS(w, "Max-Forwards: 70\r\n");
	put_hdr(w, "From: ", &inv->from);
}

int
sc_sip_build_cancel(char *buf, size_t cap, const struct sc_sip_sent_invite *inv,
		    const struct sc_str *reasons, unsigned reason_count)
{
	struct wbuf w = { buf, cap, 0, false };

	put_inv_common(&w, "CANCEL", inv);
	put_hdr(&w, "To: ", &inv->to);
	put_hdr(&w, "Call-ID: ", &inv->call_id);
	PUTS(&w, "CSeq: ");
	put_u32(&w, inv->cseq);
	PUTS(&w, " CANCEL\r\n");
	for (unsigned i = 0; i < reason_count && reasons != NULL; i++)
		put_hdr(&w, "Reason: ", &reasons[i]);
	PUTS(&w, "Content-Length: 0\r\n\r\n");
	return done(&w);
}

int
sc_sip_build_ack(char *buf, size_t cap, const struct sc_sip_sent_invite *inv,
		 const struct sc_sip_msg *final_resp)
{
	struct wbuf w = { buf, cap, 0, false };

	put_inv_common(&w, "ACK", inv);
	/* 17.1.1.3: To equals the To of the response being acknowledged (its tag). */
	put_hdr(&w, "To: ", &final_resp->to.value);
	put_hdr(&w, "Call-ID: ", &inv->call_id);
	PUTS(&w, "CSeq: ");
	put_u32(&w, inv->cseq);
	PUTS(&w, " ACK\r\n");
	PUTS(&w, "Content-Length: 0\r\n\r\n");
	return done(&w);
}

const char *
sc_sip_reason_phrase(unsigned status)
{
	/* Section 21 (and RFC 3262/3265/3329/3903/4412/6086 for the common extras). */
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 202: return "Accepted";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 423: return "Interval Too Brief";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	default: return "";
	}
}
