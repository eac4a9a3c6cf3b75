/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy role: a transaction-stateful proxy for INVITE and CANCEL (RFC 3261 16.6-16.10,
 * 9.1, 17.1.1, 17.2.1), stateless for everything else (16.11).
 *
 * One record per forwarded INVITE: it is both the upstream server transaction and the
 * downstream client transaction (we never fork, so one response context has one
 * branch). It is keyed as the client transaction (17.1.3: our branch + INVITE). Our
 * branch is not random: it is computed from the received request as 16.11
 * recommends (a hash of the received branch and sent-by when it has the cookie,
 * else of the top Via, From tag, Call-ID, CSeq number and Request-URI), mixed with
 * cfg.seed (0 in sipcancel, so that sipcancel-gen and the tests can predict it; every
 * core must compute the same). So an upstream INVITE retransmission, its CANCEL and
 * the ACK of a non-2xx final (same branch, 9.1, 17.1.1.3) compute the same key and
 * find the record with one lookup, on any core; a response from downstream finds it
 * by its top Via.
 *
 * Record contents: the response header block of the upstream INVITE (8.2.6.2:
 * every Via, From, To without tag, Call-ID, CSeq) for the responses we send or
 * rebuild upstream; the upstream reply path; in the forward area the next hop's path,
 * our top Via, the Request-URI and Route set (for the 9.1 CANCEL and the 17.1.1.3
 * ACK) and a slot for the Reason values of the upstream CANCEL (RFC 3326);
 * to_tag: the To tag of the last response relayed upstream.
 * A response relayed at once is the downstream message with our Via removed, byte
 * for byte. A response we must send again later (Timer G, a retransmitted INVITE) is
 * rebuilt from the block, its status and To tag: headers beyond 8.2.6.2 (Contact,
 * body) are not repeated. Said plainly: retransmissions are minimal responses.
 *
 * State word (lib/txn states, one record for both sides):
 *   CLI_CALLING      forwarded, no response yet: Timer A/B (17.1.1.2)
 *   CLI_PROCEEDING   a provisional came (+PROV_RCVD): Timer C (16.6 item 11)
 *   CLI_COMPLETED    a final 300-699 relayed upstream (+FINAL_SENT, +FINAL_RCVD when
 *                    it came from downstream, which we ACKed), or our own 408:
 *                    Timer G/H upstream (17.2.1)
 *   SRV_CONFIRMED    the upstream ACK came: Timer I, and Timer D so retransmitted
 *                    finals from downstream are ACKed again (17.1.1.2)
 *   TERMINATED       a 2xx was relayed (RFC 6026: kept 64*T1 so INVITE
 *                    retransmissions are absorbed), or the end
 * Flags: CANCELLED (the upstream CANCEL was accepted), CANCEL_PENDING (held until a
 * provisional: 9.1), CANCEL_SENT (our CANCEL left: at most once).
 * Every change is a CAS (sc_cancel_transition) so a CANCEL on one core and a response
 * on another agree: the CANCEL either sets CANCEL_PENDING before the provisional's
 * CAS (which then sends the CANCEL) or sees PROCEEDING and sends it itself; a final
 * clears CANCEL_PENDING so a held CANCEL is never sent after a final (9.1).
 * Timers belong to the owner; other cores post the record to the owner's ring and
 * sc_proxy_reconcile() arms what the state needs (see sc_cancel.c).
 *
 * Timer reading of 9.1 / 16.8: 64*T1 after our CANCEL with no final, the client
 * transaction is considered terminated; 16.7 step 6 then picks the best response of
 * the context, and with none received the proxy sends 408 (Request Timeout): so the
 * upstream side gets 408. Timer B (no response at all) and Timer C without a
 * provisional refresh (16.8: the proxy CANCELs the branch, then the same 64*T1 rule)
 * end the same way.
 *
 * Timers on the record (3): T0 = Timer A / E (our CANCEL, 17.1.2.2) / G; T1 = Timer
 * B / C / the 64*T1 CANCEL guard (which is also Timer F of our CANCEL) / H / I / the
 * RFC 6026 hold; T2 unused. Once the INVITE has its final, the CANCEL's own
 * transaction is abandoned (its 200 is absorbed whenever it comes).
 *
 * Max-Forwards (16.3 item 3, 16.6 item 3): a request with 0 gets 483 (an ACK is
 * dropped: it is never answered); else it is forwarded with the value minus one; a
 * request without one gets 70. Route (16.4): a first Route value naming us (the
 * address:port the request came in on) is removed; the rest is forwarded unchanged.
 * The next hop comes from the app (--next-hop / --route), not from Route, and we do
 * not record-route (in-dialog requests go end to end). Proxy-Require: 420 (16.3).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "cancel_priv.h"
#include "sc_cancel.h"
#include "sc_copy.h"
#include "sc_px_branch.h"
#include "sc_sip_wbuf.h"
#include "sc_txn.h"

#define PX_COOKIE	"z9hG4bK"
#define PX_REASON_MAX	160
/*
 * The Reason slot takes what the record's area has left, up to PX_REASON_MAX, but
 * no less than this: an INVITE that has crossed another proxy (its Via, a long
 * branch) must still fit a record, and one Reason value (RFC 3326) is ~40-60 bytes.
 */
#define PX_REASON_MIN	64
#define PX_SLOT_LEN	2048
#define PX_MF_DEFAULT	70		/* 16.6 item 3 */
#define PX_TIMER_D_US	32000000ULL	/* 17.1.1.2: at least 32 s for UDP */

enum px_phase {
	PH_CALLING = 1,
	PH_PROCEEDING,
	PH_CANCELLING,
	PH_G,
	PH_I,
	PH_ACCEPTED,
};

/* user[0]: bits 0-7 phase (owner), 8-15 atomic flags, 32-63 last provisional (ms). */
#define U_PHASE		0xffULL
#define U_REASON_CLAIM	(1ULL << 8)
#define U_REASON_READY	(1ULL << 9)
#define U_CANCEL_200	(1ULL << 10)
#define U_TO_TAGGED	(1ULL << 11)	/* the INVITE's To had a tag: the block has it */
/* user[1]: bits 0-31 retransmission interval (us, owner), 32-63 store slot + 1. */

static void px_send_cb(struct sc_timer *tim, void *arg);
static void px_life_cb(struct sc_timer *tim, void *arg);

/* ---- small helpers ------------------------------------------------------------ */

static inline unsigned
phase(const struct sc_txn_rec *rec)
{
	return (unsigned)(__atomic_load_n(&rec->user[0], __ATOMIC_ACQUIRE) & U_PHASE);
}

/* Atomic read-modify-write of user[0]: other cores OR flags into it. */
static void
u0_update(struct sc_txn_rec *rec, uint64_t clear, uint64_t set)
{
	uint64_t o = __atomic_load_n(&rec->user[0], __ATOMIC_ACQUIRE);

	while (!__atomic_compare_exchange_n(&rec->user[0], &o, (o & ~clear) | set, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

static inline void
set_phase(struct sc_txn_rec *rec, unsigned ph)
{
	u0_update(rec, U_PHASE, ph);
}

static inline uint64_t
u0(const struct sc_txn_rec *rec)
{
	return __atomic_load_n(&rec->user[0], __ATOMIC_ACQUIRE);
}

static inline uint32_t
now_ms32(const struct sc_cancel_ctx *ctx)
{
	return (uint32_t)(now_us(ctx) / 1000);
}

static void
arm(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, unsigned which, uint64_t delay_us)
{
	sc_timer_arm(ctx->wheel, &rec->timers[which], now_us(ctx) + delay_us,
		     which == TIM_SEND ? px_send_cb : px_life_cb, ctx);
}

static inline bool
is_ours(const struct sc_str *branch)
{
	return branch->len == SC_PX_BRANCH_LEN &&
	       memcmp(branch->p, SC_PX_BRANCH_PREFIX, SC_PX_BRANCH_PREFIX_LEN) == 0;
}

/*
 * Our branch for a received request (16.11's recommended procedure, also used for
 * the stateful INVITE so its CANCEL and non-2xx ACK map onto it): a hash of the
 * received branch (and sent-by) when it has the cookie, else of the top Via, the
 * From tag, Call-ID, CSeq number and Request-URI. Not the To tag: an RFC 2543 ACK
 * carries the tag of the response it acknowledges, which its INVITE had not (17.2.3
 * matches it on that tag; handle_ack() checks it against the record).
 */
static void
px_branch(const struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m,
	  char out[SC_PX_BRANCH_LEN + 1])
{
	const struct sc_sip_via *v = &m->vias[0];
	uint64_t h;

	if (sc_sip_branch_is_rfc3261(&v->branch)) {
		h = sc_px_branch_cookie(ctx->cfg.seed, v->branch.p, v->branch.len, v->host.p,
					v->host.len, v->port);
	} else {
		h = SC_PX_BRANCH_BASIS ^ ctx->cfg.seed;
		h = sc_whash(h, v->value.p, v->value.len);
		h = sc_whash(h, m->from.tag.p, m->from.tag.len);
		h = sc_whash(h, m->call_id.p, m->call_id.len);
		h = sc_whash_u32(h, m->cseq);
		h = sc_px_branch_final(sc_whash(h, m->request_uri.p, m->request_uri.len));
	}
	sc_px_branch_text(h, out);
}

static int
px_key(const char *branch, size_t len, struct sc_txn_key *key)
{
	struct sc_str b = { branch, (uint32_t)len };

	return sc_txn_key_client(&b, SC_METHOD_INVITE, NULL, key);
}

/* Iterate the logical header lines of hdr (folded lines joined). */
static const char *
line_end(const char *p, const char *end)
{
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));

		if (e == NULL)
			return end;
		e++;
		if (e < end && (*e == ' ' || *e == '\t')) {
			p = e;
			continue;
		}
		return e;
	}
	return end;
}

/*
 * Start of the logical line holding q, as line_end() cuts them: begin, or just past
 * a LF whose next byte does not fold (SP, HTAB).
 */
static const char *
line_start(const char *begin, const char *q)
{
	while (q > begin && !(q[-1] == '\n' && *q != ' ' && *q != '\t'))
		q--;
	return q;
}

/* A part of the received header block that build_forward() writes otherwise. */
struct fwd_edit {
	const char *from, *to;		/* [from, to) of the received block */
	unsigned kind;
};

enum { EDIT_MF, EDIT_ROUTE, EDIT_VIA };

/*
 * The request to send downstream (16.6): start line unchanged, our Via on top (item
 * 8), the received top Via completed for src as the transport does on receipt
 * (18.2.1, RFC 3581 section 4; src NULL: unchanged), Max-Forwards decremented or
 * added (item 3), every other header and the body unchanged.
 */
static int
build_forward(char *buf, size_t cap, const struct sc_sip_msg *m, const struct sc_str *via,
	      bool skip_route0, const struct sc_sip_src *src)
{
	struct sc_wbuf w = { buf, cap, 0, false };
	const char *p = m->headers.p, *end = m->headers.p + m->headers.len;
	const char *r0 = skip_route0 && m->route_count > 0 ? m->routes[0].p : NULL;
	const char *run = p;
	/* 0 never gets here (483 or an ACK dropped first). */
	uint32_t mfv = m->max_forwards < 0 ? PX_MF_DEFAULT :
		       m->max_forwards > 0 ? (uint32_t)m->max_forwards - 1 : 0;
	char mf[sizeof("Max-Forwards: 4294967295\r\n")] = "Max-Forwards: ";
	size_t mf_len = sizeof("Max-Forwards: ") - 1;
	const char *mfp = m->max_forwards >= 0 ? m->max_forwards_value.p : NULL;
	struct fwd_edit ed[3], t;
	unsigned n = 0, k;
	bool mf_seen = false;

	mf_len += sc_sip_fmt_u32(mf + mf_len, sizeof(mf) - mf_len, mfv);
	mf[mf_len++] = '\r';
	mf[mf_len++] = '\n';
	sc_wbuf_put(&w, m->method_name.p, (size_t)(m->headers.p - m->method_name.p));
	SC_WBUF_PUTS(&w, "Via: ");
	sc_wbuf_put(&w, via->p, via->len);
	SC_WBUF_PUTS(&w, "\r\n");
	/*
	 * At most three places change: the Max-Forwards line, the Route line holding
	 * our own Route value, and the top Via value. The parser points into each (a
	 * second Max-Forwards is a 400), so they are found from there and every other
	 * line is copied in runs, unscanned.
	 */
	if (mfp != NULL) {
		if (mfp < p || mfp > end)
			return -EINVAL;
		ed[n].from = line_start(p, mfp);
		ed[n].to = line_end(ed[n].from, end);
		ed[n++].kind = EDIT_MF;
	}
	if (r0 != NULL) {
		if (r0 < p || r0 >= end)
			return -EINVAL;
		ed[n].from = line_start(p, r0);
		ed[n].to = line_end(ed[n].from, end);
		ed[n++].kind = EDIT_ROUTE;
	}
	if (src != NULL && m->via_count > 0) {
		const struct sc_str *v0 = &m->vias[0].value;

		if (v0->p < p || v0->p + v0->len > end)
			return -EINVAL;
		ed[n].from = v0->p;
		ed[n].to = v0->p + v0->len;
		ed[n++].kind = EDIT_VIA;
	}
	/* In buffer order: they never overlap (three different header lines). */
	for (k = 1; k < n; k++)
		for (unsigned j = k; j > 0 && ed[j].from < ed[j - 1].from; j--) {
			t = ed[j];
			ed[j] = ed[j - 1];
			ed[j - 1] = t;
		}
	for (k = 0; k < n; k++) {
		sc_wbuf_put(&w, run, (size_t)(ed[k].from - run));
		if (ed[k].kind == EDIT_MF) {
			sc_wbuf_put(&w, mf, mf_len);
			mf_seen = true;
		} else if (ed[k].kind == EDIT_VIA) {
			sc_wbuf_put_via_completed(&w, &m->vias[0], src);
		} else {
			/* 16.4: our own Route value goes; the rest of its line stays. */
			const char *r1 = m->route_count > 1 ? m->routes[1].p : NULL;

			if (r1 != NULL && r1 > r0 && r1 < ed[k].to) {
				SC_WBUF_PUTS(&w, "Route: ");
				sc_wbuf_put(&w, r1, (size_t)(ed[k].to - r1));
			}
		}
		run = ed[k].to;
	}
	sc_wbuf_put(&w, run, (size_t)(end - run));
	if (!mf_seen)
		sc_wbuf_put(&w, mf, mf_len);
	SC_WBUF_PUTS(&w, "\r\n");
	if (m->body.len > 0)
		sc_wbuf_put(&w, m->body.p, m->body.len);
	return sc_wbuf_done(&w);
}

/* A response with our top Via removed (16.7 step 9 / 16.11), the rest unchanged. */
static int
build_strip(char *buf, size_t cap, const struct sc_sip_msg *m)
{
	struct sc_wbuf w = { buf, cap, 0, false };
	const char *begin = m->headers.p, *end = m->headers.p + m->headers.len;
	const char *v0 = m->vias[0].value.p, *v1, *s, *e;

	if (v0 == NULL || begin == NULL || v0 < begin || v0 >= end)
		return -EINVAL;
	/* Only the line of our Via changes: the lines before and after are copied whole. */
	s = line_start(begin, v0);
	e = line_end(s, end);
	v1 = m->via_count > 1 ? m->vias[1].value.p : NULL;
	sc_wbuf_put_status_line(&w, m->status, &m->reason_phrase);
	sc_wbuf_put(&w, begin, (size_t)(s - begin));
	if (v1 != NULL && v1 > v0 && v1 < e) {
		/* "Via: ours, theirs": keep the rest of the line. */
		SC_WBUF_PUTS(&w, "Via: ");
		sc_wbuf_put(&w, v1, (size_t)(e - v1));
	}
	sc_wbuf_put(&w, e, (size_t)(end - e));
	SC_WBUF_PUTS(&w, "\r\n");
	if (m->body.len > 0)
		sc_wbuf_put(&w, m->body.p, m->body.len);
	return sc_wbuf_done(&w);
}

/* ---- forward area ---------------------------------------------------------------
 * [next path: path_len][top Via: lstr][Request-URI: lstr][n routes: 1][route: lstr]...
 * [reason len: 2][reasons: the rest of the area, PX_REASON_MIN..PX_REASON_MAX]
 * lstr: a 2-byte length (host order) and that many bytes, read without a scan.
 */
struct px_fwd {
	const uint8_t *path;
	struct sc_str via;
	struct sc_str ruri;
	unsigned n_routes;
	struct sc_str routes[SC_SIP_MAX_ROUTES];
	char *reason;			/* [2 bytes len][text], written once by the CANCEL */
	size_t reason_cap;		/* bytes of text the slot holds */
};

static void
fwd_put_lstr(struct sc_wbuf *w, const char *p, uint32_t len)
{
	uint16_t l = (uint16_t)len;

	if (len > UINT16_MAX) {
		w->full = true;
		return;
	}
	sc_wbuf_put(w, (const char *)&l, sizeof(l));
	sc_wbuf_put(w, p, len);
}

/* The lstr at b[*off] of an area of len bytes; -EINVAL when it does not fit. */
static int
fwd_get_lstr(const char *b, size_t len, size_t *off, struct sc_str *s)
{
	uint16_t l;

	if (len - *off < sizeof(l))
		return -EINVAL;
	memcpy(&l, b + *off, sizeof(l));
	*off += sizeof(l);
	if (len - *off < l)
		return -EINVAL;
	s->p = b + *off;
	s->len = l;
	*off += l;
	return 0;
}

static int
fwd_build(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m, const void *next_path,
	  const struct sc_str *via, unsigned first_route, char *buf, size_t cap)
{
	struct sc_wbuf w = { buf, cap, 0, false };
	uint8_t n = 0;
	unsigned i;

	/* 9.1: our CANCEL repeats every Route value the INVITE was forwarded with. */
	if (m->route_total > SC_SIP_MAX_ROUTES)
		return -E2BIG;
	sc_wbuf_put(&w, next_path, ctx->cfg.path_len);
	fwd_put_lstr(&w, via->p, via->len);
	fwd_put_lstr(&w, m->request_uri.p, m->request_uri.len);
	n = m->route_count;
	n = (uint8_t)(n >= first_route ? n - first_route : 0);
	sc_wbuf_put(&w, (const char *)&n, 1);
	for (i = 0; i < n; i++)
		fwd_put_lstr(&w, m->routes[first_route + i].p, m->routes[first_route + i].len);
	if (!w.full && cap - w.len >= 2 + PX_REASON_MIN) {
		size_t rc = cap - w.len - 2 < PX_REASON_MAX ? cap - w.len - 2 : PX_REASON_MAX;

		/*
		 * The slot's length is 0; its text is read only up to the length (see
		 * send_cancel), so it is not cleared: a memset of 2 + rc bytes is a rep
		 * stos per INVITE.
		 */
		memset(buf + w.len, 0, 2);
		w.len += 2 + rc;
	} else {
		w.full = true;
	}
	return sc_wbuf_done(&w);
}

static int
fwd_read(struct sc_cancel_ctx *ctx, const struct sc_txn_rec *rec, struct px_fwd *f)
{
	size_t len, off;
	const char *b = sc_txn_rec_fwd(rec, &len);
	unsigned i;

	/* The path, two lengths, the route count, the reason slot: the least there is. */
	if (len < ctx->cfg.path_len + 2 + 2 + 1 + 2 + PX_REASON_MIN)
		return -EINVAL;
	/* The area packs byte strings: hand the sink an aligned copy of the path blob. */
	sc_copy_short(ctx->path_buf, b, ctx->cfg.path_len);
	f->path = (const uint8_t *)ctx->path_buf;
	off = ctx->cfg.path_len;
	if (fwd_get_lstr(b, len, &off, &f->via) != 0 ||
	    fwd_get_lstr(b, len, &off, &f->ruri) != 0 || off >= len)
		return -EINVAL;
	f->n_routes = (uint8_t)b[off++];
	if (f->n_routes > SC_SIP_MAX_ROUTES)
		return -EINVAL;
	for (i = 0; i < f->n_routes; i++)
		if (fwd_get_lstr(b, len, &off, &f->routes[i]) != 0)
			return -EINVAL;
	/* The reason slot is written once after insert, by the CANCEL's winner only. */
	if (off + 2 + PX_REASON_MIN > len)
		return -EINVAL;
	f->reason = (char *)(uintptr_t)(b + off);
	f->reason_cap = len - off - 2;
	return 0;
}

/*
 * Length of the line at l (through its LF, or to end) in a block we built: each line
 * ends in CRLF and no value holds a CR or LF (the parser refuses them), so the
 * parser's vector EOL scan finds the CR; memchr only if that ever does not hold.
 */
static inline size_t
block_line_len(const char *l, const char *end)
{
	const char *e = sc_sip_find_eol(l, end);

	if (likely(end - e >= 2 && e[0] == '\r' && e[1] == '\n'))
		return (size_t)(e - l) + 2;
	e = memchr(l, '\n', (size_t)(end - l));
	return e == NULL ? (size_t)(end - l) : (size_t)(e - l) + 1;
}

/* One line of our block: the value when it is the first line named so. */
static void
take_field(const char *l, size_t ll, const char *name, size_t n, struct sc_str *s)
{
	if (s->p == NULL && ll > n + 2 && memcmp(l, name, n) == 0) {
		s->p = l + n;
		s->len = (uint32_t)(ll - n - 2);
	}
}

/* A header value of our own response block ("From: ", "To: ", "Call-ID: "). */
#define BLOCK_FIELD(b, len, lit)	block_field((b), (len), (lit), sizeof(lit) - 1)

static struct sc_str
block_field(const char *b, size_t len, const char *name, size_t n)
{
	struct sc_str s = { NULL, 0 };
	size_t i = 0;

	while (i < len && s.p == NULL) {
		size_t ll = block_line_len(b + i, b + len);

		take_field(b + i, ll, name, n, &s);
		i += ll;
	}
	return s;
}

#define TAKE(l, ll, lit, s)	take_field((l), (ll), (lit), sizeof(lit) - 1, (s))

/*
 * From, To, Call-ID and CSeq of our own response block in one pass; each is what
 * block_field() finds (the first line that starts with its name).
 */
static void
block_fields(const char *b, size_t len, struct sc_str *from, struct sc_str *to,
	     struct sc_str *call_id, struct sc_str *cseq)
{
	size_t i = 0;

	from->p = to->p = call_id->p = cseq->p = NULL;
	from->len = to->len = call_id->len = cseq->len = 0;
	while (i < len && (from->p == NULL || to->p == NULL || call_id->p == NULL ||
			   cseq->p == NULL)) {
		const char *l = b + i;
		size_t ll = block_line_len(l, b + len);

		switch (l[0]) {
		case 'F':
			TAKE(l, ll, "From: ", from);
			break;
		case 'T':
			TAKE(l, ll, "To: ", to);
			break;
		case 'C':
			TAKE(l, ll, "Call-ID: ", call_id);
			TAKE(l, ll, "CSeq: ", cseq);
			break;
		default:
			break;
		}
		i += ll;
	}
}

/* The forwarded INVITE as sent, for the 9.1 CANCEL and the 17.1.1.3 ACK. */
static int
sent_invite(struct sc_cancel_ctx *ctx, const struct sc_txn_rec *rec,
	    struct sc_sip_sent_invite *inv, struct px_fwd *f)
{
	size_t blen;
	const char *b = sc_txn_rec_resp_hdr(rec, &blen);
	unsigned i;

	if (fwd_read(ctx, rec, f) != 0)
		return -EINVAL;
	memset(inv, 0, sizeof(*inv));
	inv->request_uri = f->ruri;
	inv->top_via = f->via;
	{
		struct sc_str cs;
		uint32_t v = 0;

		block_fields(b, blen, &inv->from, &inv->to, &inv->call_id, &cs);
		for (i = 0; i < cs.len && cs.p[i] >= '0' && cs.p[i] <= '9'; i++)
			v = v * 10 + (uint32_t)(cs.p[i] - '0');
		inv->cseq = v;
	}
	inv->route_count = (uint8_t)f->n_routes;
	for (i = 0; i < f->n_routes && i < SC_SIP_MAX_ROUTES; i++)
		inv->routes[i] = f->routes[i];
	return inv->from.len == 0 || inv->call_id.len == 0 ? -EINVAL : 0;
}

/* ---- sending ------------------------------------------------------------------- */

/* The stored To tag, copied: another core may be replacing it (store_to_tag). */
static struct sc_str
px_to_tag(const struct sc_txn_rec *rec, char buf[SC_TXN_TO_TAG_MAX])
{
	struct sc_str s = { buf, (uint32_t)sc_txn_rec_to_tag_copy(rec, buf) };

	return s;
}

/*
 * A response upstream rebuilt from the record (100 Trying, our 408, Timer G and
 * INVITE-retransmission repeats): the block with the stored To tag.
 */
static bool
send_up(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, unsigned status)
{
	size_t blen;
	const char *b = sc_txn_rec_resp_hdr(rec, &blen);
	char tbuf[SC_TXN_TO_TAG_MAX];
	struct sc_str to = { NULL, 0 }, tag = { NULL, 0 };
	struct sc_str parts[4] = { { b, (uint32_t)blen } };
	unsigned n = 1;
	int len;

	/*
	 * The To line is looked for only when a tag goes in: not for the 100, and not
	 * when the INVITE's own To had one (8.2.6.2: the block already carries it).
	 */
	if (status != 100 && (u0(rec) & U_TO_TAGGED) == 0) {
		tag = px_to_tag(rec, tbuf);
		if (tag.len > 0)
			to = BLOCK_FIELD(b, blen, "To: ");
	}
	if (to.len > 0) {
		size_t cut = (size_t)(to.p + to.len - b);

		/* Straight into scratch: the block split around the stored To tag. */
		parts[0].len = (uint32_t)cut;
		parts[1] = CSTR(";tag=");
		parts[2] = tag;
		parts[3].p = b + cut;
		parts[3].len = (uint32_t)(blen - cut);
		n = 4;
	}
	len = sc_sip_build_response_parts(ctx->scratch, sizeof(ctx->scratch), status, parts, n);
	return sc_cancel_emit(ctx, rec->reply_path, len, status);
}

/* Relay a downstream response upstream along path, our Via removed. */
static bool
relay_up(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m, const void *path)
{
	int len = build_strip(ctx->scratch, sizeof(ctx->scratch), m);

	if (len < 0)
		cnt(ctx, SC_CANCEL_C_PX_BUILD_FAIL);
	return sc_cancel_emit(ctx, path, len, m->status);
}

/* A request downstream, from ctx->scratch (len bytes); not counted as a response. */
static bool
send_down(struct sc_cancel_ctx *ctx, const void *path, int len)
{
	if (len < 0) {
		cnt(ctx, SC_CANCEL_C_PX_BUILD_FAIL);
		return false;
	}
	if (ctx->sink.send(ctx->sink.sink_ctx, path, ctx->scratch, (uint32_t)len) != 0) {
		cnt(ctx, SC_CANCEL_C_TX_SINK_FAIL);
		return false;
	}
	return true;
}

/* Our CANCEL for the record's INVITE (9.1), with the upstream CANCEL's Reasons. */
static void
send_cancel(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	struct sc_sip_sent_invite inv;
	struct px_fwd f;
	struct sc_str reasons[SC_SIP_MAX_REASONS];
	unsigned nr = 0;
	int len = -EINVAL;

	if (sent_invite(ctx, rec, &inv, &f) == 0) {
		if ((u0(rec) & U_REASON_READY) != 0) {
			uint16_t rl;
			const char *p, *e;

			memcpy(&rl, f.reason, sizeof(rl));
			p = f.reason + 2;
			e = p + (rl < f.reason_cap ? rl : f.reason_cap);
			while (p < e && nr < SC_SIP_MAX_REASONS) {
				const char *z = memchr(p, '\0', (size_t)(e - p));

				if (z == NULL)
					break;
				reasons[nr].p = p;
				reasons[nr].len = (uint32_t)(z - p);
				nr++;
				p = z + 1;
			}
		}
		len = sc_sip_build_cancel(ctx->scratch, sizeof(ctx->scratch), &inv,
					  nr != 0 ? reasons : NULL, nr);
	}
	if (send_down(ctx, f.path, len))
		cnt(ctx, SC_CANCEL_C_PX_CANCEL_SENT);
}

/* ACK a 300-699 final downstream, hop by hop (17.1.1.3). */
static void
send_ack(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, const struct sc_sip_msg *resp)
{
	struct sc_sip_sent_invite inv;
	struct px_fwd f;
	int len = -EINVAL;

	if (sent_invite(ctx, rec, &inv, &f) == 0)
		len = sc_sip_build_ack(ctx->scratch, sizeof(ctx->scratch), &inv, resp);
	if (send_down(ctx, f.path, len))
		cnt(ctx, SC_CANCEL_C_PX_ACK_SENT);
}

/*
 * The next hop's To tag, for the responses we rebuild (repeats, answers to INVITE
 * retransmissions) and the RFC 2543 ACK check. A longer one than the record holds
 * is counted; those rebuilt responses then go without a tag.
 */
static void
store_to_tag(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, const struct sc_sip_msg *m)
{
	if (m->to.tag.len == 0)
		return;
	if (m->to.tag.len > SC_TXN_TO_TAG_MAX) {
		cnt(ctx, SC_CANCEL_C_PX_TO_TAG_TOO_LONG);
		return;
	}
	sc_txn_rec_update_to_tag(rec, m->to.tag.p, m->to.tag.len);
}

/* ---- Timer A store --------------------------------------------------------------- */

int
sc_proxy_store_init(struct sc_cancel_ctx *ctx)
{
	struct sc_proxy_store *s = &ctx->store;
	uint32_t i;

	s->n = ctx->cfg.retrans_slots;
	s->slot_len = PX_SLOT_LEN;
	if (s->n == 0)
		return 0;
	s->free = calloc(s->n, sizeof(*s->free));
	s->len = calloc(s->n, sizeof(*s->len));
	s->buf = malloc((size_t)s->n * s->slot_len);
	if (s->free == NULL || s->len == NULL || s->buf == NULL) {
		sc_proxy_store_free(ctx);
		return -ENOMEM;
	}
	for (i = 0; i < s->n; i++)
		s->free[i] = s->n - 1 - i;
	s->n_free = s->n;
	return 0;
}

void
sc_proxy_store_free(struct sc_cancel_ctx *ctx)
{
	struct sc_proxy_store *s = &ctx->store;

	free(s->free);
	free(s->len);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* Keep scratch[0..len) for Timer A; returns slot + 1, or 0 when none is free. */
static uint32_t
store_put(struct sc_cancel_ctx *ctx, uint32_t len)
{
	struct sc_proxy_store *s = &ctx->store;
	uint32_t i;

	if (s->n_free == 0 || len > s->slot_len) {
		cnt(ctx, SC_CANCEL_C_PX_STORE_FULL);
		return 0;
	}
	i = s->free[--s->n_free];
	memcpy(s->buf + (size_t)i * s->slot_len, ctx->scratch, len);
	s->len[i] = len;
	return i + 1;
}

static void
store_release(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	uint32_t slot = (uint32_t)(rec->user[1] >> 32);

	if (slot == 0 || slot > ctx->store.n)
		return;
	ctx->store.free[ctx->store.n_free++] = slot - 1;
	rec->user[1] &= 0xffffffffULL;
}

static inline uint64_t
interval(const struct sc_txn_rec *rec)
{
	return rec->user[1] & 0xffffffffULL;
}

static inline void
set_interval(struct sc_txn_rec *rec, uint64_t us)
{
	rec->user[1] = (rec->user[1] & ~0xffffffffULL) | (us & 0xffffffffULL);
}

/* ---- owner: timers and reconcile ------------------------------------------------ */


/* The shared end of a record, and its Timer A slot back to the store. */
static void
destroy(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	store_release(ctx, rec);
	sc_cancel_destroy(ctx, rec);
}

void
sc_proxy_reconcile(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec)
{
	uint32_t w = sc_txn_load_state(rec);
	enum sc_txn_state s = sc_txn_state_of(w);
	unsigned f = sc_txn_flags_of(w), ph = phase(rec);

	if ((f & SC_TXN_F_DEAD) != 0 || s == SC_TXN_FREE || ph == 0)
		return;
	if (s == SC_TXN_CLI_PROCEEDING) {
		if (ph == PH_CALLING) {
			/* 17.1.1.2: a provisional stops Timer A; 16.6 item 11: Timer C. */
			sc_timer_cancel(ctx->wheel, &rec->timers[TIM_SEND]);
			store_release(ctx, rec);
			arm(ctx, rec, TIM_LIFE, ctx->cfg.timer_c_us);
			set_phase(rec, PH_PROCEEDING);
			ph = PH_PROCEEDING;
		}
		if ((f & SC_TXN_F_CANCEL_SENT) != 0 && ph == PH_PROCEEDING) {
			/* 17.1.2.2 Timer E for our CANCEL; 9.1/16.8 the 64*T1 guard (= F). */
			set_interval(rec, ctx->cfg.t1_us);
			arm(ctx, rec, TIM_SEND, ctx->cfg.t1_us);
			arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
			set_phase(rec, PH_CANCELLING);
		}
		return;
	}
	if (s == SC_TXN_CLI_COMPLETED && ph < PH_G) {
		/* 17.2.1: Timer G = T1 (UDP), Timer H = 64*T1 for the final we relayed. */
		sc_cancel_disarm_all(ctx, rec);
		store_release(ctx, rec);
		set_interval(rec, ctx->cfg.t1_us);
		arm(ctx, rec, TIM_SEND, ctx->cfg.t1_us);
		arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
		set_phase(rec, PH_G);
		return;
	}
	if (s == SC_TXN_SRV_CONFIRMED && ph < PH_I) {
		/*
		 * 17.2.1 Timer I = T4; a final from downstream also needs Timer D (17.1.1.2,
		 * 32 s) so its retransmissions are ACKed again: the longer of both.
		 */
		uint64_t d = (f & SC_TXN_F_FINAL_RCVD) != 0 && PX_TIMER_D_US > ctx->cfg.t4_us ?
			     PX_TIMER_D_US : ctx->cfg.t4_us;

		sc_cancel_disarm_all(ctx, rec);
		store_release(ctx, rec);
		arm(ctx, rec, TIM_LIFE, d);
		set_phase(rec, PH_I);
		return;
	}
	if (s == SC_TXN_TERMINATED && ph < PH_ACCEPTED) {
		/* RFC 6026: absorb INVITE retransmissions, relay 2xx repeats for 64*T1. */
		sc_cancel_disarm_all(ctx, rec);
		store_release(ctx, rec);
		arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
		set_phase(rec, PH_ACCEPTED);
	}
}

/* Our own final upstream (408: 16.7 step 6 / 16.8) when the context ends without one. */
static void
final_408(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, unsigned from_mask,
	  enum sc_cancel_counter why)
{
	char tag[TAG_HEX + 1], tbuf[SC_TXN_TO_TAG_MAX];
	uint32_t seen;

	if (!sc_cancel_transition(rec, from_mask, SC_TXN_F_FINAL_SENT | SC_TXN_F_FINAL_RCVD,
				  SC_TXN_CLI_COMPLETED, SC_TXN_F_FINAL_SENT, &seen)) {
		sc_proxy_reconcile(ctx, rec);
		return;
	}
	if ((sc_txn_flags_of(seen) & SC_TXN_F_CANCEL_PENDING) != 0)
		cnt(ctx, SC_CANCEL_C_PX_CANCEL_SUPPRESSED);
	cnt(ctx, why);
	if (sc_txn_rec_to_tag_copy(rec, tbuf) == 0) {
		sc_cancel_new_tag(ctx, tag);
		sc_txn_rec_update_to_tag(rec, tag, TAG_HEX);
	}
	rec_set_last_status(rec, 408);
	send_up(ctx, rec, 408);
	sc_proxy_reconcile(ctx, rec);
}

static void
px_send_cb(struct sc_timer *tim, void *arg)
{
	struct sc_cancel_ctx *ctx = arg;
	struct sc_txn_rec *rec = TIMER_REC(tim, TIM_SEND);
	enum sc_txn_state s = rec_state(rec);
	unsigned ph = phase(rec);
	uint32_t slot = (uint32_t)(rec->user[1] >> 32);

	if (s == SC_TXN_CLI_CALLING && ph == PH_CALLING) {
		/* 17.1.1.2 Timer A: resend, double (no cap while Calling). */
		struct px_fwd f;

		if (slot != 0 && fwd_read(ctx, rec, &f) == 0 &&
		    ctx->sink.send(ctx->sink.sink_ctx, f.path,
				   ctx->store.buf + (size_t)(slot - 1) * ctx->store.slot_len,
				   ctx->store.len[slot - 1]) == 0)
			cnt(ctx, SC_CANCEL_C_PX_TIMER_A);
		set_interval(rec, 2 * interval(rec));
		arm(ctx, rec, TIM_SEND, interval(rec));
		return;
	}
	if (s == SC_TXN_CLI_PROCEEDING && ph == PH_CANCELLING) {
		/* 17.1.2.2 Timer E for our CANCEL until its 200 (then abandoned). */
		if ((u0(rec) & U_CANCEL_200) != 0)
			return;
		send_cancel(ctx, rec);
		cnt(ctx, SC_CANCEL_C_PX_TIMER_E);
		set_interval(rec, sc_cancel_next_interval(ctx, interval(rec)));
		arm(ctx, rec, TIM_SEND, interval(rec));
		return;
	}
	if (s == SC_TXN_CLI_COMPLETED && ph == PH_G) {
		/* 17.2.1 Timer G: the final again upstream, doubled up to T2. */
		send_up(ctx, rec, rec_last_status(rec));
		cnt(ctx, SC_CANCEL_C_TIMER_G_RETRANS);
		set_interval(rec, sc_cancel_next_interval(ctx, interval(rec)));
		arm(ctx, rec, TIM_SEND, interval(rec));
		return;
	}
	sc_proxy_reconcile(ctx, rec);
}

static void
px_life_cb(struct sc_timer *tim, void *arg)
{
	struct sc_cancel_ctx *ctx = arg;
	struct sc_txn_rec *rec = TIMER_REC(tim, TIM_LIFE);
	enum sc_txn_state s = rec_state(rec);
	unsigned ph = phase(rec);

	if (s == SC_TXN_CLI_CALLING && ph == PH_CALLING) {
		/* 17.1.1.2 Timer B: no response at all; 16.8 treats it as a 408. */
		final_408(ctx, rec, S(SC_TXN_CLI_CALLING), SC_CANCEL_C_PX_TIMER_B);
		return;
	}
	if (s == SC_TXN_CLI_PROCEEDING && ph == PH_PROCEEDING) {
		/* 16.7 item 2: every provisional resets Timer C. */
		uint32_t last = (uint32_t)(u0(rec) >> 32), now = now_ms32(ctx);
		uint64_t since = (uint64_t)(uint32_t)(now - last) * 1000;

		if (since < ctx->cfg.timer_c_us) {
			arm(ctx, rec, TIM_LIFE, ctx->cfg.timer_c_us - since);
			return;
		}
		/* 16.8: Timer C fired with a provisional: CANCEL the branch. */
		cnt(ctx, SC_CANCEL_C_PX_TIMER_C);
		if (sc_cancel_transition(rec, S(SC_TXN_CLI_PROCEEDING), SC_TXN_F_CANCEL_SENT,
					 SC_TXN_CLI_PROCEEDING, SC_TXN_F_CANCEL_SENT, NULL))
			send_cancel(ctx, rec);
		sc_proxy_reconcile(ctx, rec);
		return;
	}
	if (s == SC_TXN_CLI_PROCEEDING && ph == PH_CANCELLING) {
		/* 9.1 / 16.8: 64*T1 after our CANCEL, no final: context ends with 408. */
		final_408(ctx, rec, S(SC_TXN_CLI_PROCEEDING), SC_CANCEL_C_PX_CANCEL_TIMEOUT);
		return;
	}
	if (s == SC_TXN_CLI_COMPLETED && ph == PH_G) {
		if (!sc_cancel_timer_h(ctx, rec, SC_TXN_CLI_COMPLETED)) {
			sc_proxy_reconcile(ctx, rec);
			return;
		}
		destroy(ctx, rec);
		return;
	}
	if (s == SC_TXN_SRV_CONFIRMED && ph == PH_I) {
		cnt(ctx, SC_CANCEL_C_TIMER_I_EXPIRED);
		destroy(ctx, rec);
		return;
	}
	if (s == SC_TXN_TERMINATED && ph == PH_ACCEPTED) {
		destroy(ctx, rec);
		return;
	}
	sc_proxy_reconcile(ctx, rec);
}

/* ---- requests ---------------------------------------------------------------------- */

/* 16.3 item 3: Max-Forwards 0 gets 483 (never for ACK, which is dropped). */
static bool
mf_exhausted(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	if (in->msg->max_forwards != 0)
		return false;
	if (in->msg->method == SC_METHOD_ACK) {
		cnt(ctx, SC_CANCEL_C_DROP_ACK_NO_MATCH);
		in->verdict = SC_CANCEL_V_DROPPED;
	} else {
		sc_cancel_respond_stateless(ctx, in, 483, NULL);
	}
	return true;
}

/*
 * 16.3 item 6: a Proxy-Require option-tag we do not understand (we support none) gets
 * 420 with Unsupported listing them; never for ACK or CANCEL (which cannot be
 * refused that way, 8.2.2.3 / 9.1). Returns true when answered.
 */
static bool
proxy_require_refused(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	const struct sc_sip_msg *m = in->msg;

	if (m->proxy_require_count == 0 || m->method == SC_METHOD_ACK ||
	    m->method == SC_METHOD_CANCEL)
		return false;
	cnt(ctx, SC_CANCEL_C_PX_420);
	sc_cancel_respond_420(ctx, in, SC_SIP_LIST_PROXY_REQUIRE);
	return true;
}

/*
 * 16.4: does the first Route value name this proxy (the address and port the request
 * came in on, as cfg.path_local tells for its reply path)? Compared as host[:port],
 * port 5060 when absent; a hostname never matches (we have no name).
 */
/*
 * Our sent-by for a message on path ("198.18.0.1:5060"), from cfg.path_local, whose
 * answer depends on the blob's bytes only: kept per use and asked again only when
 * the blob differs. Returns its length, or a negative errno.
 */
static int
local_sent_by(struct sc_cancel_ctx *ctx, const void *path, unsigned use, const char **sb)
{
	struct sc_local_memo *c = &ctx->local[use];
	int rc;

	if (c->len == 0 || memcmp(c->path, path, ctx->cfg.path_len) != 0) {
		c->len = 0;
		rc = ctx->cfg.path_local(path, c->sent_by, sizeof(c->sent_by));
		if (rc < 0 || rc >= LOCAL_LEN)
			return -EINVAL;
		/* 0: a callback that only NUL-terminates the text. */
		if (rc == 0)
			rc = (int)strnlen(c->sent_by, sizeof(c->sent_by));
		if (rc == 0 || rc >= LOCAL_LEN)
			return -EINVAL;
		sc_copy_short(c->path, path, ctx->cfg.path_len);
		c->len = (uint8_t)rc;
	}
	*sb = c->sent_by;
	return c->len;
}

static bool
route_is_us(struct sc_cancel_ctx *ctx, const struct sc_cancel_in *in)
{
	const struct sc_sip_msg *m = in->msg;
	const char *p, *e, *h, *c, *us;
	char them[80];
	size_t n;
	int us_len;

	if (m->route_count == 0 || in->path == NULL ||
	    (us_len = local_sent_by(ctx, in->path, LOCAL_IN, &us)) < 0)
		return false;
	p = m->routes[0].p;
	e = p + m->routes[0].len;
	/*
	 * route-param = name-addr = [display-name] LAQUOT addr-spec RAQUOT (25.1), as
	 * the parser checked: the URI starts after the first '<' outside a quoted name.
	 */
	if (p < e && *p == '"')
		for (p++; p < e && *p != '"'; p++)
			if (*p == '\\' && p + 1 < e)
				p++;
	p = memchr(p, '<', (size_t)(e - p));
	if (p == NULL)
		return false;
	p++;
	if ((size_t)(e - p) < 4 || !sc_sip_ieq(p, "sip:", 4))
		return false;
	p += 4;
	for (c = p; c < e && *c != '>' && *c != ';'; c++)
		if (*c == '@')
			p = c + 1;
	h = p;
	if (h < e && *h == '[') {
		while (p < e && *p != ']')
			p++;
		if (p < e)
			p++;
	} else {
		while (p < e && *p != ':' && *p != ';' && *p != '>')
			p++;
	}
	n = (size_t)(p - h);
	if (n == 0 || n + 7 >= sizeof(them))
		return false;
	sc_copy_short(them, h, n);
	if (p < e && *p == ':') {
		const char *q = p + 1;

		while (q < e && *q >= '0' && *q <= '9')
			q++;
		if ((size_t)(q - h) + 1 >= sizeof(them))
			return false;
		sc_copy_short(them + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
	} else {
		memcpy(them + n, ":5060", 5);	/* 19.1.2: the default port */
		n += 5;
	}
	return n == (size_t)us_len && sc_sip_ieq(them, us, n);
}

#define VIA_LEN		160	/* "SIP/2.0/UDP " sent-by ";branch=" SC_PX_BRANCH_LEN */
_Static_assert(sizeof("SIP/2.0/UDP ") - 1 + LOCAL_LEN <= VIA_LEN, "make_via copies LOCAL_LEN");
_Static_assert(sizeof(((struct sc_local_memo *)0)->sent_by) == LOCAL_LEN, "memo holds LOCAL_LEN");

/*
 * Our Via value for a request leaving on path with branch b (16.6 item 8, 18.1.1)
 * into via[0..VIA_LEN), not terminated; *out points to it. Returns 0 or a negative
 * errno.
 */
static int
make_via(struct sc_cancel_ctx *ctx, const void *path, const char b[SC_PX_BRANCH_LEN + 1],
	 char via[VIA_LEN], struct sc_str *out)
{
	static const char proto[] = "SIP/2.0/UDP ", param[] = ";branch=";
	const char *sb;
	int sb_len = local_sent_by(ctx, path, LOCAL_NEXT, &sb);
	size_t n = 0;

	if (sb_len < 0)
		return -EINVAL;
	if (sizeof(proto) - 1 + (size_t)sb_len + sizeof(param) - 1 + SC_PX_BRANCH_LEN >= VIA_LEN)
		return -ENOSPC;
	memcpy(via, proto, sizeof(proto) - 1);
	n += sizeof(proto) - 1;
	/*
	 * The whole memo buffer, a constant size (vector moves), and the rest written
	 * over its tail: gcc compiles a copy of sb_len bytes to rep movsq, whose
	 * start-up cost most of this function.
	 */
	memcpy(via + n, sb, LOCAL_LEN);
	n += (size_t)sb_len;
	memcpy(via + n, param, sizeof(param) - 1);
	n += sizeof(param) - 1;
	memcpy(via + n, b, SC_PX_BRANCH_LEN);
	n += SC_PX_BRANCH_LEN;
	out->p = via;
	out->len = (uint32_t)n;
	return 0;
}

/*
 * The next hop's path of an input whose app deferred it, asked for now that it is
 * needed. False when the app is still resolving the address: the input is HELD,
 * and sc_proxy_handle_chunk takes back what was counted for it.
 */
static bool
path_ready(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	if (!in->next_path_deferred)
		return true;
	in->next_path_deferred = false;
	/* No sink.next_path: nothing can give one (no route). */
	if (ctx->sink.next_path == NULL || ctx->sink.next_path(ctx->sink.sink_ctx, in) != 0)
		return true;
	in->verdict = SC_CANCEL_V_HELD;
	return false;
}

/* 16.11: forward a request statelessly with a branch computed from it. */
static void
forward_stateless(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, const char *b)
{
	struct sc_sip_src src;
	char via[VIA_LEN], ip[SRC_IP_LEN];
	struct sc_str v;
	int len = -EINVAL;

	if (mf_exhausted(ctx, in) || proxy_require_refused(ctx, in))
		return;
	if (!path_ready(ctx, in))
		return;
	in->verdict = SC_CANCEL_V_DROPPED;
	if (in->next_path == NULL) {
		cnt(ctx, SC_CANCEL_C_PX_NO_ROUTE);
		return;
	}
	if (make_via(ctx, in->next_path, b, via, &v) != 0) {
		/* No Via of ours for that path (the app could not say our address). */
		cnt(ctx, SC_CANCEL_C_PX_BUILD_FAIL);
		if (in->msg->method != SC_METHOD_ACK)
			sc_cancel_respond_stateless(ctx, in, 500, NULL);
		return;
	}
	len = build_forward(ctx->scratch, sizeof(ctx->scratch), in->msg, &v, route_is_us(ctx, in),
			    sc_cancel_req_src(ctx, in->path, &src, ip) ? &src : NULL);
	if (send_down(ctx, in->next_path, len)) {
		cnt(ctx, SC_CANCEL_C_PX_STATELESS_REQ);
		in->verdict = SC_CANCEL_V_RESPONDED;
	}
}

static void
invite_retrans(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec)
{
	uint32_t w = sc_txn_load_state(rec);
	unsigned st = rec_last_status(rec);

	cnt(ctx, SC_CANCEL_C_INVITE_RETRANS);
	in->verdict = SC_CANCEL_V_ABSORBED;
	switch (sc_txn_state_of(w)) {
	case SC_TXN_CLI_CALLING:
	case SC_TXN_CLI_PROCEEDING:
		/* 17.2.1: the most recent provisional again (our 100 if none relayed). */
		send_up(ctx, rec, st >= 100 && st < 200 ? st : 100);
		break;
	case SC_TXN_CLI_COMPLETED:
		/* 17.2.1: the final again. */
		if (st >= 300)
			send_up(ctx, rec, st);
		break;
	default:
		/* Confirmed absorbs; after a 2xx the UAS retransmits it end to end. */
		break;
	}
}

static void
handle_invite(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_key *key,
	      struct sc_txn_rec *rec, const char *b)
{
	const struct sc_sip_msg *m = in->msg;
	struct sc_txn_rec *other;
	struct sc_sip_src src;
	char via[VIA_LEN], ip[SRC_IP_LEN];
	struct sc_str v;
	int len, blen, flen, rc;
	bool own_route, have_src;
	uint32_t slot;

	if (rec != NULL) {
		invite_retrans(ctx, in, rec);
		return;
	}
	if (mf_exhausted(ctx, in) || proxy_require_refused(ctx, in))
		return;
	if (in->next_path == NULL) {
		/* 16.6 item 7 / 16.7: no target reachable. */
		cnt(ctx, SC_CANCEL_C_PX_NO_ROUTE);
		sc_cancel_respond_stateless(ctx, in, 503, NULL);
		return;
	}
	if (key == NULL) {
		cnt(ctx, SC_CANCEL_C_PX_BUILD_FAIL);
		forward_stateless(ctx, in, b);
		return;
	}
	if (make_via(ctx, in->next_path, b, via, &v) != 0) {
		forward_stateless(ctx, in, b);	/* counts it and answers 500 */
		return;
	}
	rec = sc_txn_alloc(ctx->table, ctx->owner, key, SC_TXN_CLI_CALLING);
	if (rec == NULL) {
		/* DESIGN: table full -> forward statelessly, counted. */
		cnt(ctx, SC_CANCEL_C_PX_STATELESS_FULL);
		forward_stateless(ctx, in, b);
		return;
	}
	own_route = route_is_us(ctx, in);
	have_src = sc_cancel_req_src(ctx, in->path, &src, ip);
	/* Our own responses (100, 408, repeats) carry the completed Via too (18.2.1). */
	blen = sc_sip_build_resp_headers_src(ctx->block, sizeof(ctx->block), m, NULL,
					     have_src ? &src : NULL);
	rc = blen < 0 ? -E2BIG :
	     sc_txn_rec_set_resp_hdr(ctx->table, rec, ctx->block, (size_t)blen);
	if (rc == 0) {
		/* The forward data, Reason slot last, gets what the area has left. */
		size_t room = sizeof(rec->area) - rec->area_used;

		flen = fwd_build(ctx, m, in->next_path, &v, own_route ? 1 : 0, ctx->fwd,
				 room < sizeof(ctx->fwd) ? room : sizeof(ctx->fwd));
		rc = flen < 0 ? -E2BIG :
		     sc_txn_rec_set_fwd(ctx->table, rec, ctx->fwd, (size_t)flen);
	}
	if (rc != 0) {
		sc_txn_free(ctx->table, rec);
		cnt(ctx, SC_CANCEL_C_PX_STATELESS_FULL);
		forward_stateless(ctx, in, b);
		return;
	}
	sc_copy_short(rec->reply_path, in->path, ctx->cfg.path_len);
	rec->user[0] = PH_CALLING | (m->to.tag.len > 0 ? U_TO_TAGGED : 0);
	rec->user[1] = ctx->cfg.t1_us;
	rec->last_status = 0;
	if (sc_cancel_insert(ctx, rec, key, &other) != 0) {
		if (other != NULL)
			invite_retrans(ctx, in, other);
		else
			forward_stateless(ctx, in, b);
		return;
	}
	/* 16.2 / 17.2.1: 100 Trying upstream at once. */
	send_up(ctx, rec, 100);
	len = build_forward(ctx->scratch, sizeof(ctx->scratch), m, &v, own_route,
			    have_src ? &src : NULL);
	slot = len > 0 ? store_put(ctx, (uint32_t)len) : 0;
	rec->user[1] |= (uint64_t)slot << 32;
	/* 17.1.1.2: Timer A = T1 (UDP), Timer B = 64*T1. */
	arm(ctx, rec, TIM_SEND, ctx->cfg.t1_us);
	arm(ctx, rec, TIM_LIFE, 64 * ctx->cfg.t1_us);
	if (send_down(ctx, in->next_path, len))
		cnt(ctx, SC_CANCEL_C_PX_INVITE_FWD);
	in->verdict = SC_CANCEL_V_RESPONDED;
}

/* Keep the upstream CANCEL's Reason values for our CANCEL (RFC 3326), once. */
static void
keep_reasons(struct sc_cancel_ctx *ctx, struct sc_txn_rec *rec, const struct sc_sip_msg *m)
{
	struct px_fwd f;
	uint64_t o = __atomic_fetch_or(&rec->user[0], U_REASON_CLAIM, __ATOMIC_ACQ_REL);
	uint16_t used = 0;
	unsigned i;

	if ((o & U_REASON_CLAIM) != 0 || fwd_read(ctx, rec, &f) != 0)
		return;
	for (i = 0; i < m->reason_count && i < SC_SIP_MAX_REASONS; i++) {
		if (used + m->reasons[i].len + 1 > f.reason_cap)
			break;
		memcpy(f.reason + 2 + used, m->reasons[i].p, m->reasons[i].len);
		used = (uint16_t)(used + m->reasons[i].len);
		f.reason[2 + used++] = '\0';
	}
	memcpy(f.reason, &used, sizeof(used));
	__atomic_fetch_or(&rec->user[0], U_REASON_READY, __ATOMIC_RELEASE);
}

/* 16.10: a CANCEL. */
static void
handle_cancel(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec,
	      const char *b)
{
	char tbuf[TAG_HEX + 1], rbuf[SC_TXN_TO_TAG_MAX];
	struct sc_str tag;
	uint32_t w;

	if (rec == NULL) {
		/* 16.10: no response context: forward statelessly (16.11). */
		cnt(ctx, SC_CANCEL_C_CANCEL_UNMATCHED);
		forward_stateless(ctx, in, b);
		return;
	}
	if (ctx->cfg.cancel_same_source &&
	    memcmp(in->path, rec->reply_path, ctx->cfg.path_len) != 0) {
		cnt(ctx, SC_CANCEL_C_PX_CANCEL_REFUSED);
		in->verdict = SC_CANCEL_V_DROPPED;
		return;
	}
	keep_reasons(ctx, rec, in->msg);
	w = sc_txn_load_state(rec);
	for (;;) {
		enum sc_txn_state s = sc_txn_state_of(w);
		unsigned f = sc_txn_flags_of(w), add;

		if ((f & SC_TXN_F_DEAD) != 0 ||
		    (f & (SC_TXN_F_FINAL_SENT | SC_TXN_F_FINAL_RCVD)) != 0 ||
		    (s != SC_TXN_CLI_CALLING && s != SC_TXN_CLI_PROCEEDING)) {
			/* A final was already relayed: 200, nothing else (16.10, 9.2). */
			cnt(ctx, SC_CANCEL_C_CANCEL_AFTER_FINAL);
			break;
		}
		if ((f & SC_TXN_F_CANCELLED) != 0) {
			cnt(ctx, SC_CANCEL_C_CANCEL_RETRANS);
			break;
		}
		add = SC_TXN_F_CANCELLED;
		if (s == SC_TXN_CLI_CALLING)
			add |= SC_TXN_F_CANCEL_PENDING;
		else if ((f & SC_TXN_F_CANCEL_SENT) == 0)
			add |= SC_TXN_F_CANCEL_SENT;
		if (!sc_txn_cas_state(rec, &w, state_word(s, f | add)))
			continue;
		cnt(ctx, SC_CANCEL_C_CANCEL_MATCHED);
		if ((add & SC_TXN_F_CANCEL_PENDING) != 0) {
			/* 9.1: no CANCEL before a provisional: held. */
			cnt(ctx, SC_CANCEL_C_PX_CANCEL_HELD);
		} else if ((add & SC_TXN_F_CANCEL_SENT) != 0) {
			send_cancel(ctx, rec);
			sc_cancel_notify_owner(ctx, rec);
		}
		break;
	}
	/* 16.10: 200 to the CANCEL at once, To tag of the context's responses if any. */
	tag = px_to_tag(rec, rbuf);
	if (tag.len == 0)
		tag = sc_cancel_stateless_tag(ctx, in->msg, tbuf);
	in->verdict = sent_verdict(sc_cancel_respond(ctx, in, 200, &tag, NULL));
}

/* The ACK's To tag is the one of the final we relayed (unknown when not kept: yes). */
static bool
ack_tag_matches(const struct sc_txn_rec *rec, const struct sc_sip_msg *ack)
{
	char buf[SC_TXN_TO_TAG_MAX];
	struct sc_str tag = px_to_tag(rec, buf);

	return tag.len == 0 ||
	       (ack->to.tag.len == tag.len && memcmp(ack->to.tag.p, tag.p, tag.len) == 0);
}

static void
handle_ack(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec,
	   const char *b)
{
	uint32_t seen;
	enum sc_txn_state s = rec == NULL ? SC_TXN_FREE :
			      sc_txn_state_of(sc_txn_load_state(rec));

	if (s != SC_TXN_CLI_COMPLETED && s != SC_TXN_SRV_CONFIRMED) {
		/*
		 * A 2xx ACK (new branch, end to end), one we know nothing of, or one that
		 * reuses the INVITE's branch after a 2xx or before any final: 16.11.
		 */
		forward_stateless(ctx, in, b);
		return;
	}
	if (!sc_sip_branch_is_rfc3261(&in->msg->vias[0].branch) &&
	    !ack_tag_matches(rec, in->msg)) {
		/* 17.2.3, RFC 2543: the To tag must be that of the response we passed up. */
		forward_stateless(ctx, in, b);
		return;
	}
	/* 17.2.1: the ACK of the non-2xx final we relayed is hop by hop: absorbed. */
	in->verdict = SC_CANCEL_V_ABSORBED;
	cnt(ctx, SC_CANCEL_C_ACK_ABSORBED);
	if (sc_cancel_transition(rec, S(SC_TXN_CLI_COMPLETED), 0, SC_TXN_SRV_CONFIRMED, 0, &seen))
		sc_cancel_notify_owner(ctx, rec);
}

/* ---- responses ------------------------------------------------------------------- */

static void
relay_stateless(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	if (in->msg->via_count >= 2 && !path_ready(ctx, in))
		return;
	in->verdict = SC_CANCEL_V_DROPPED;
	if (in->msg->via_count < 2 || in->next_path == NULL) {
		/* 16.7 step 3 / 18.1.2: nowhere to send it. */
		cnt(ctx, SC_CANCEL_C_PX_NO_ROUTE);
		return;
	}
	if (relay_up(ctx, in->msg, in->next_path)) {
		cnt(ctx, SC_CANCEL_C_PX_STATELESS_RESP);
		in->verdict = SC_CANCEL_V_RESPONDED;
	}
}

static void
resp_1xx(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec)
{
	const struct sc_sip_msg *m = in->msg;
	uint32_t w = sc_txn_load_state(rec);
	bool send_c = false;

	for (;;) {
		enum sc_txn_state s = sc_txn_state_of(w);
		unsigned f = sc_txn_flags_of(w), nf = f | SC_TXN_F_PROV_RCVD;

		if (s != SC_TXN_CLI_CALLING && s != SC_TXN_CLI_PROCEEDING) {
			/* 17.1.1.2: provisionals after a final are not passed up. */
			cnt(ctx, SC_CANCEL_C_PX_LATE_1XX);
			in->verdict = SC_CANCEL_V_ABSORBED;
			return;
		}
		send_c = (f & SC_TXN_F_CANCEL_PENDING) != 0;
		if (send_c)
			nf = (nf & ~(unsigned)SC_TXN_F_CANCEL_PENDING) | SC_TXN_F_CANCEL_SENT;
		if (s == SC_TXN_CLI_PROCEEDING && nf == f)
			break;
		if (sc_txn_cas_state(rec, &w, state_word(SC_TXN_CLI_PROCEEDING, nf)))
			break;
	}
	/* 16.7 step 2: a provisional other than 100 restarts Timer C. */
	if (m->status != 100)
		u0_update(rec, 0xffffffff00000000ULL, (uint64_t)now_ms32(ctx) << 32);
	if (send_c)
		send_cancel(ctx, rec);	/* 9.1: the held CANCEL goes now */
	if (m->status == 100) {
		/* 16.7 step 5: a proxy never forwards 100 Trying. */
		cnt(ctx, SC_CANCEL_C_PX_100_ABSORBED);
		in->verdict = SC_CANCEL_V_ABSORBED;
	} else {
		store_to_tag(ctx, rec, m);
		rec_set_last_provisional(rec, m->status);
		in->verdict = sent_verdict(relay_up(ctx, m, rec->reply_path));
		cnt(ctx, SC_CANCEL_C_PX_RELAY_1XX);
	}
	sc_cancel_notify_owner(ctx, rec);
}

static void
resp_final(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec)
{
	const struct sc_sip_msg *m = in->msg;
	bool ok2 = m->status < 300;
	uint32_t seen;

	if (sc_cancel_transition(rec, S(SC_TXN_CLI_CALLING) | S(SC_TXN_CLI_PROCEEDING),
				 SC_TXN_F_FINAL_SENT | SC_TXN_F_FINAL_RCVD,
				 ok2 ? SC_TXN_TERMINATED : SC_TXN_CLI_COMPLETED,
				 SC_TXN_F_FINAL_SENT | SC_TXN_F_FINAL_RCVD, &seen)) {
		uint32_t w = sc_txn_load_state(rec);

		/* 9.1: a final before the provisional: the held CANCEL is never sent. */
		if ((sc_txn_flags_of(seen) & SC_TXN_F_CANCEL_PENDING) != 0) {
			cnt(ctx, SC_CANCEL_C_PX_CANCEL_SUPPRESSED);
			while ((sc_txn_flags_of(w) & SC_TXN_F_CANCEL_PENDING) != 0 &&
			       !sc_txn_cas_state(rec, &w,
						 state_word(sc_txn_state_of(w), sc_txn_flags_of(w) &
							    ~(unsigned)SC_TXN_F_CANCEL_PENDING)))
				;
		}
		store_to_tag(ctx, rec, m);
		if (!ok2)
			send_ack(ctx, rec, m);
		if (m->status == 503) {
			/*
			 * 16.7 step 6 / 16.9: a 503 is not forwarded; with one branch it
			 * is the only response, so the client gets a 500 of ours.
			 */
			rec_set_last_status(rec, 500);
			in->verdict = sent_verdict(send_up(ctx, rec, 500));
			cnt(ctx, SC_CANCEL_C_PX_503_AS_500);
		} else {
			rec_set_last_status(rec, m->status);
			in->verdict = sent_verdict(relay_up(ctx, m, rec->reply_path));
			cnt(ctx, ok2 ? SC_CANCEL_C_PX_RELAY_2XX : SC_CANCEL_C_PX_RELAY_FINAL);
		}
		sc_cancel_notify_owner(ctx, rec);
		return;
	}
	if (ok2) {
		/* 2xx repeats (or a 2xx after our 408) are end to end: relayed (16.7 step 5). */
		in->verdict = sent_verdict(relay_up(ctx, m, rec->reply_path));
		cnt(ctx, SC_CANCEL_C_PX_RETRANS_2XX);
		return;
	}
	/* 17.1.1.2: a retransmitted 300-699 is ACKed again, not passed up. */
	in->verdict = SC_CANCEL_V_ABSORBED;
	if (sc_txn_state_of(seen) != SC_TXN_TERMINATED) {
		send_ack(ctx, rec, m);
		cnt(ctx, SC_CANCEL_C_PX_FINAL_REACKED);
	}
}

static void
handle_response(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, struct sc_txn_rec *rec)
{
	const struct sc_sip_msg *m = in->msg;

	cnt(ctx, SC_CANCEL_C_RX_RESPONSE);
	if (!is_ours(&m->vias[0].branch)) {
		/* 18.1.2: the top Via is not ours: discard. */
		cnt(ctx, SC_CANCEL_C_PX_NOT_OUR_VIA);
		in->verdict = SC_CANCEL_V_DROPPED;
		return;
	}
	if (rec != NULL && m->cseq_method == SC_METHOD_CANCEL) {
		/* The 200 to our CANCEL: its transaction ends here (absorbed). */
		__atomic_fetch_or(&rec->user[0], U_CANCEL_200, __ATOMIC_RELEASE);
		cnt(ctx, SC_CANCEL_C_PX_CANCEL_200_ABSORBED);
		in->verdict = SC_CANCEL_V_ABSORBED;
		return;
	}
	if (rec == NULL || m->cseq_method != SC_METHOD_INVITE) {
		relay_stateless(ctx, in);
		return;
	}
	if (m->via_total < 2) {
		/* 16.7 step 3: no Via left once ours goes: meant for us, never forwarded. */
		cnt(ctx, SC_CANCEL_C_PX_NO_ROUTE);
		in->verdict = SC_CANCEL_V_DROPPED;
		return;
	}
	if (m->status < 200)
		resp_1xx(ctx, in, rec);
	else
		resp_final(ctx, in, rec);
}

static bool
usable(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in)
{
	const struct sc_sip_msg *m = in->msg;

	in->verdict = SC_CANCEL_V_DROPPED;
	if (in->parse_rc < 0 || (m->kind != SC_SIP_REQUEST && m->kind != SC_SIP_RESPONSE)) {
		cnt(ctx, SC_CANCEL_C_RX_MALFORMED);
		cnt(ctx, SC_CANCEL_C_DROP_PARSE);
		return false;
	}
	if (m->via_count == 0 || m->vias[0].host.len == 0) {
		cnt(ctx, SC_CANCEL_C_DROP_UNROUTABLE);
		return false;
	}
	if (m->kind == SC_SIP_REQUEST) {
		sc_cancel_count_rx(ctx, m);
		if (in->path == NULL && m->method != SC_METHOD_ACK) {
			cnt(ctx, SC_CANCEL_C_DROP_NO_PATH);
			return false;
		}
	}
	return true;
}

/*
 * A HELD input comes back and is counted then: take back what usable() and the
 * handler counted before they asked for its path (the rx counter by method; for
 * a response rx_response; for a CANCEL without a transaction cancel_unmatched).
 */
static void
uncount_held(struct sc_cancel_ctx *ctx, const struct sc_sip_msg *m,
	     const struct sc_txn_rec *rec)
{
	if (m->kind == SC_SIP_RESPONSE) {
		ctx->cnt.v[SC_CANCEL_C_RX_RESPONSE]--;
		return;
	}
	sc_cancel_count_rx_by(ctx, m, -1);
	if (m->method == SC_METHOD_CANCEL && rec == NULL)
		ctx->cnt.v[SC_CANCEL_C_CANCEL_UNMATCHED]--;
}

void
sc_proxy_handle_chunk(struct sc_cancel_ctx *ctx, struct sc_cancel_in *in, unsigned n)
{
	struct sc_txn_key *kptr[BURST_CHUNK];
	char br[BURST_CHUNK][SC_PX_BRANCH_LEN + 1];
	int8_t ia[BURST_CHUNK];
	bool ok[BURST_CHUNK];
	unsigned i, nk = 0;

	for (i = 0; i < n; i++) {
		const struct sc_sip_msg *m = in[i].msg;
		int rc = -EINVAL;

		ia[i] = -1;
		br[i][0] = '\0';
		ok[i] = usable(ctx, &in[i]);
		if (!ok[i])
			continue;
		if (m->kind == SC_SIP_RESPONSE) {
			if (is_ours(&m->vias[0].branch))
				rc = px_key(m->vias[0].branch.p, m->vias[0].branch.len,
					    &ctx->keys[nk]);
		} else {
			px_branch(ctx, m, br[i]);
			if (m->method == SC_METHOD_INVITE || m->method == SC_METHOD_CANCEL ||
			    m->method == SC_METHOD_ACK)
				rc = px_key(br[i], SC_PX_BRANCH_LEN, &ctx->keys[nk]);
		}
		if (rc == 0) {
			kptr[nk] = &ctx->keys[nk];
			ia[i] = (int8_t)nk++;
		}
	}
	sc_cancel_ins_reset(ctx);
	if (nk > 0)
		sc_txn_lookup_bulk(ctx->table, ctx->owner, kptr, nk, ctx->found);
	for (i = 0; i < n; i++) {
		const struct sc_sip_msg *m = in[i].msg;
		struct sc_txn_key *k = ia[i] < 0 ? NULL : kptr[ia[i]];
		struct sc_txn_rec *r = ia[i] < 0 ? NULL : ctx->found[ia[i]];

		if (!ok[i])
			continue;
		if (k != NULL && r == NULL && sc_cancel_ins_maybe(ctx, k))
			r = sc_txn_lookup(ctx->table, ctx->owner, k);
		if (m->kind == SC_SIP_RESPONSE) {
			handle_response(ctx, &in[i], r);
		} else {
			switch (m->method) {
			case SC_METHOD_INVITE:
				handle_invite(ctx, &in[i], k, r, br[i]);
				break;
			case SC_METHOD_CANCEL:
				handle_cancel(ctx, &in[i], r, br[i]);
				break;
			case SC_METHOD_ACK:
				handle_ack(ctx, &in[i], r, br[i]);
				break;
			default:
				forward_stateless(ctx, &in[i], br[i]);
				break;
			}
		}
		if (unlikely(in[i].verdict == SC_CANCEL_V_HELD))
			uncount_held(ctx, m, r);
	}
}
