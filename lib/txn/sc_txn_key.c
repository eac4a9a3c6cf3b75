/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction key builders (RFC 3261 sections 17.1.3, 17.2.3, 9.2).
 *
 * A key is a length-prefixed byte string, so two different field tuples can never
 * encode to the same bytes:
 *
 *   byte 0        kind (enum sc_txn_key_kind)
 *   byte 1        method class (enum sc_sip_method); EXTENSION is followed by
 *                 len8 + the method token (methods are case-sensitive, 7.1)
 *   SERVER        len8 branch (exact, 17.2.3), len8 host (lowercased: hosts compare
 *                 case-insensitively, 19.1.4), port16 (5060, 5061 for TLS, when
 *                 absent: the sent-by of the same client is then equal either way)
 *   SERVER_2543   len8 Request-URI, len8 From tag, len8 Call-ID, cseq32, then the
 *                 top Via: len8 transport (uppercased, 20.42), len8 host
 *                 (lowercased), port16, len8 branch (exact, may be empty);
 *                 unhashed tail: the To tag (see sc_txn.h)
 *   CLIENT        len8 branch (17.1.3)
 *
 * Request-URI, Call-ID (20.8: byte-by-byte) and tags are compared as bytes: a
 * retransmission, its ACK (17.1.1.3) and its CANCEL (9.1) copy them verbatim.
 */
#include <string.h>

#include "sc_copy.h"
#include "sc_txn.h"

#define DEFAULT_PORT		5060	/* 19.1.2, 18.2.2 */
#define DEFAULT_TLS_PORT	5061

struct kbuf {
	struct sc_txn_key *key;
	uint32_t len;
	bool overflow;
};

static void
kb_init(struct kbuf *kb, struct sc_txn_key *key, enum sc_txn_key_kind kind)
{
	memset(key, 0, offsetof(struct sc_txn_key, buf));
	key->kind = (uint8_t)kind;
	kb->key = key;
	kb->len = 0;
	kb->overflow = false;
}

static void
kb_put(struct kbuf *kb, const void *p, uint32_t n)
{
	if (kb->overflow || kb->len + n > SC_TXN_KEY_MAX) {
		kb->overflow = true;
		return;
	}
	if (n > 0)
		sc_copy_short(kb->key->buf + kb->len, p, n);
	kb->len += n;
}

static void
kb_u8(struct kbuf *kb, uint8_t v)
{
	kb_put(kb, &v, 1);
}

static void
kb_u16(struct kbuf *kb, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	kb_put(kb, b, 2);
}

static void
kb_u32(struct kbuf *kb, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	kb_put(kb, b, 4);
}

/* len8 + bytes; a field longer than 255 cannot fit a key anyway. */
static void
kb_str(struct kbuf *kb, const struct sc_str *s)
{
	uint32_t n = s == NULL ? 0 : s->len;

	if (n > 255) {
		kb->overflow = true;
		return;
	}
	kb_u8(kb, (uint8_t)n);
	if (n > 0)
		kb_put(kb, s->p, n);
}

#define ONES8	0x0101010101010101ULL

/*
 * 8 bytes with ASCII case folded: the bytes in [lo, lo + 25] get bit 5 flipped
 * (lower: 'A'-'Z' -> 'a'-'z', upper: 'a'-'z' -> 'A'-'Z'); bytes >= 0x80 and
 * everything else stay. Per byte, t + c never carries into the next byte (t <= 0x7f,
 * c < 0x80), so bit 7 of t + (0x80 - lo) says t >= lo and of t + (0x80 - lo - 26)
 * says t > lo + 25.
 */
static inline uint64_t
fold8(uint64_t x, unsigned lo)
{
	uint64_t t = x & (0x7f * ONES8);
	uint64_t ge = t + (0x80 - lo) * ONES8;
	uint64_t gt = t + (0x80 - lo - 26) * ONES8;
	uint64_t in = (ge & ~gt & ~x) & (0x80 * ONES8);

	return x ^ (in >> 2);
}

/*
 * len8 + bytes with ASCII case folded (lower or upper): 8 bytes at a time, the last
 * 8 overlapping (never reading past the field, which may end a packet), a byte loop
 * below 8; locals, so the stores do not make the compiler reload kb.
 */
static void
kb_str_fold(struct kbuf *kb, const struct sc_str *s, bool upper)
{
	uint32_t n = s == NULL ? 0 : s->len;
	unsigned lo = upper ? 'a' : 'A';
	const char *src;
	char *dst;
	uint64_t x;
	uint32_t i;

	if (n > 255 || kb->overflow || kb->len + 1 + n > SC_TXN_KEY_MAX) {
		kb->overflow = true;
		return;
	}
	dst = kb->key->buf + kb->len;
	kb->len += 1 + n;
	*dst++ = (char)n;
	if (n == 0)
		return;
	src = s->p;
	if (n < 8) {
		for (i = 0; i < n; i++) {
			unsigned c = (uint8_t)src[i];

			dst[i] = (char)(c - lo < 26 ? c ^ 0x20 : c);
		}
		return;
	}
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, src + i, 8);
		x = fold8(x, lo);
		memcpy(dst + i, &x, 8);
	}
	if (i < n) {
		memcpy(&x, src + n - 8, 8);
		x = fold8(x, lo);
		memcpy(dst + n - 8, &x, 8);
	}
}

static void
kb_method(struct kbuf *kb, enum sc_sip_method m, const struct sc_str *name)
{
	kb_u8(kb, (uint8_t)m);
	if (m == SC_METHOD_EXTENSION)
		kb_str(kb, name);
}

static bool
ascii_ieq(const struct sc_str *s, const char *lit)
{
	size_t n = strlen(lit);
	size_t i;

	if (s->len != n)
		return false;
	for (i = 0; i < n; i++) {
		char c = s->p[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != lit[i])
			return false;
	}
	return true;
}

static uint16_t
via_port(const struct sc_sip_via *v)
{
	if (v->port != 0)
		return v->port;
	return ascii_ieq(&v->transport, "TLS") ? DEFAULT_TLS_PORT : DEFAULT_PORT;
}

static void
kb_sent_by(struct kbuf *kb, const struct sc_sip_via *v)
{
	kb_str_fold(kb, &v->host, false);
	kb_u16(kb, via_port(v));
}

static int
kb_finish(struct kbuf *kb)
{
	if (kb->overflow)
		return -E2BIG;
	kb->key->len = (uint16_t)kb->len;
	return 0;
}

/* Append the unhashed tail (2543 To tag). */
static int
kb_tail(struct kbuf *kb, const struct sc_str *tag, enum sc_txn_tail_match m)
{
	uint32_t n = tag == NULL ? 0 : tag->len;

	if (kb->overflow || n > 255 || kb->len + n > SC_TXN_KEY_MAX)
		return -E2BIG;
	if (n > 0)
		sc_copy_short(kb->key->buf + kb->len, tag->p, n);
	kb->key->tail_len = (uint8_t)n;
	kb->key->tail_match = (uint8_t)m;
	return 0;
}

/*
 * Server key with the method class of the transaction the request is matched
 * against (`cls`, `cls_name` for extensions). `is_ack`: 2543 ACK rule (17.2.3).
 */
static int
server_key(const struct sc_sip_msg *req, enum sc_sip_method cls, const struct sc_str *cls_name,
	   bool is_ack, struct sc_txn_key *key)
{
	const struct sc_sip_via *v = &req->vias[0];
	struct kbuf kb;
	int rc;

	if (req->kind != SC_SIP_REQUEST || req->via_count == 0)
		return -EINVAL;
	if (sc_sip_branch_is_rfc3261(&v->branch)) {
		/* 17.2.3 items 1-3: branch, sent-by, method (ACK -> INVITE). */
		kb_init(&kb, key, SC_TXN_KEY_SERVER);
		kb_method(&kb, cls, cls_name);
		kb_str(&kb, &v->branch);
		kb_sent_by(&kb, v);
		return kb_finish(&kb);
	}
	/*
	 * 17.2.3, RFC 2543: Request-URI, To tag, From tag, Call-ID, CSeq and top Via;
	 * for ACK the CSeq number only and the To tag of the response we sent. The To
	 * tag stays out of the hash so an ACK finds the INVITE's record.
	 */
	kb_init(&kb, key, SC_TXN_KEY_SERVER_2543);
	kb_method(&kb, cls, cls_name);
	kb_str(&kb, &req->request_uri);
	kb_str(&kb, &req->from.tag);
	kb_str(&kb, &req->call_id);
	kb_u32(&kb, req->cseq);
	kb_str_fold(&kb, &v->transport, true);
	kb_sent_by(&kb, v);
	kb_str(&kb, &v->branch);
	rc = kb_finish(&kb);
	if (rc != 0)
		return rc;
	return kb_tail(&kb, &req->to.tag, is_ack ? SC_TXN_TAIL_SENT_TO_TAG : SC_TXN_TAIL_STORED);
}

int
sc_txn_key_server(const struct sc_sip_msg *req, struct sc_txn_key *key)
{
	enum sc_sip_method m;

	if (req == NULL || key == NULL)
		return -EINVAL;
	m = (enum sc_sip_method)req->method;
	if (m == SC_METHOD_ACK)
		return server_key(req, SC_METHOD_INVITE, NULL, true, key);
	if (m == SC_METHOD_NONE)
		return -EINVAL;
	return server_key(req, m, &req->method_name, false, key);
}

int
sc_txn_key_cancel_target(const struct sc_sip_msg *req, struct sc_txn_key *key)
{
	if (req == NULL || key == NULL || req->kind != SC_SIP_REQUEST ||
	    req->method != SC_METHOD_CANCEL)
		return -EINVAL;
	/*
	 * 9.2: "assuming that the request method is anything but CANCEL or ACK":
	 * only INVITE transactions are kept, so the class is INVITE; with 2543 the To
	 * tag of the CANCEL equals the INVITE's (9.1 copies To), matched as stored.
	 */
	return server_key(req, SC_METHOD_INVITE, NULL, false, key);
}

int
sc_txn_key_client(const struct sc_str *branch, enum sc_sip_method method,
		  const struct sc_str *method_name, struct sc_txn_key *key)
{
	struct kbuf kb;

	if (branch == NULL || key == NULL || branch->len == 0 || method == SC_METHOD_NONE)
		return -EINVAL;
	if (method == SC_METHOD_EXTENSION && (method_name == NULL || method_name->len == 0))
		return -EINVAL;
	/* 17.1.3: branch of the top Via and the CSeq method (CANCEL shares the branch). */
	kb_init(&kb, key, SC_TXN_KEY_CLIENT);
	kb_method(&kb, method, method_name);
	kb_str(&kb, branch);
	return kb_finish(&kb);
}

int
sc_txn_key_client_resp(const struct sc_sip_msg *resp, struct sc_txn_key *key)
{
	if (resp == NULL || key == NULL || resp->kind != SC_SIP_RESPONSE || resp->via_count == 0)
		return -EINVAL;
	return sc_txn_key_client(&resp->vias[0].branch, (enum sc_sip_method)resp->cseq_method,
				 &resp->cseq_method_name, key);
}

bool
sc_txn_key_equal(const struct sc_txn_key *a, const struct sc_txn_key *b)
{
	return a->kind == b->kind && a->len == b->len && a->tail_len == b->tail_len &&
	       memcmp(a->buf, b->buf, (size_t)a->len + a->tail_len) == 0;
}
