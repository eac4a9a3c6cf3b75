/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header-value grammar (RFC 3261 sections 20 and 25), instantiated once per scan
 * level next to the parser core (see sip_parse_core.h), so token runs use the
 * vector scan of that level. SIP_F(name) gives the level's name of a function.
 */

/*
 * Returns non-zero when parsing must stop (nothing after the start line can be
 * trusted to be SIP). Errors in a recognisable start line are recorded and the
 * headers still parsed, so a 400 or 505 can be routed.
 */
/*
 * Scans bounded by a field end e but allowed to read up to lim, the end of the
 * datagram: the vector scans then rarely fall back to bytes one at a time near a
 * field end. The result is clamped to e, so it is what a scan of [p, e) gives.
 */
SIP_CORE_ATTR static inline __attribute__((always_inline)) const char *
SIP_F(tok_in)(const char *lim, const char *p, const char *e)
{
	const char *q;

	if (p >= e)
		return p;
	q = SIP_TOK_END(p, lim);
	return q < e ? q : e;
}

SIP_CORE_ATTR static inline const char *
SIP_F(uri_in)(const char *lim, const char *p, const char *e)
{
	const char *q;

	if (p >= e)
		return p;
	q = SIP_URI_END(p, lim);
	return q < e ? q : e;
}

/* Skip a quoted-string at the DQUOTE at p (25.1); NULL when unterminated. */
SIP_CORE_ATTR static inline const char *
SIP_F(quoted_end)(const char *lim, const char *p, const char *e)
{
	for (p++;;) {
		const char *q = p < e ? SIP_QEND(p, lim) : e;

		if (q >= e)
			return NULL;
		if (*q == '"')
			return q + 1;
		/* quoted-pair: any octet but CR and LF follows the backslash. */
		if (q + 1 >= e || q[1] == '\r' || q[1] == '\n')
			return NULL;
		p = q + 2;
	}
}

/* End of a word (25.1): token runs joined by the extra word marks. */
SIP_CORE_ATTR static inline const char *
SIP_F(word_end)(const char *lim, const char *p, const char *e)
{
	p = SIP_F(tok_in)(lim, p, e);
	while (p < e && sip_is((unsigned char)*p, SIP_C_WORD))
		p = SIP_F(tok_in)(lim, p + 1, e);
	return p;
}

SIP_CORE_ATTR static int
SIP_F(sip_parse_start_line)(const char *lim, struct sc_sip_msg *msg, const char *p, const char *le)
{
	const char *q;
	uint64_t w7;

	if (le - p >= 4 && (ld4(p) | 0x00202020u) == ld4("sip/")) {
		enum sc_sip_error ve;
		unsigned code = 0;

		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (7.2). */
		msg->kind = SC_SIP_RESPONSE;
		if (le - p >= 8 && memcmp(p, "SIP/2.0 ", 8) == 0) {
			/* What every response says; any other spelling: the general check. */
			q = p + 7;
		} else {
			q = p;
			while (q < le && *q != ' ')
				q++;
			ve = check_version(p, q);
			if (ve != SC_SIP_E_OK)
				sip_err(msg, ve);
		}
		if (q == le) {
			sip_err(msg, SC_SIP_E_START_LINE);
			return 0;
		}
		p = q + 1;
		q = skip_cls(p, le, SIP_C_DIGIT);
		if (q == p || (q < le && *q != ' ')) {
			sip_err(msg, SC_SIP_E_START_LINE);
			return 0;
		}
		if (q - p != 3) {
			sip_err(msg, SC_SIP_E_STATUS_CODE);
			return 0;
		}
		code = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
		       (unsigned)(p[2] - '0');
		if (code < 100 || code > 699)
			sip_err(msg, SC_SIP_E_STATUS_CODE);
		msg->status = (uint16_t)code;
		msg->reason_phrase = sip_mkstr(q < le ? q + 1 : q, le);
		return 0;
	}

	/* Request-Line = Method SP Request-URI SP SIP-Version (7.1). */
	msg->kind = SC_SIP_REQUEST;
	/*
	 * The methods of the CANCEL flow by word compares of the token and its SP:
	 * what the token scan and method_id() below give for them.
	 */
	w7 = le - p >= 8 ? ld8(p) & 0x00ffffffffffffffULL : 0;
	if (w7 == (ld8("INVITE  ") & 0x00ffffffffffffffULL)) {
		q = p + 6;
		msg->method = SC_METHOD_INVITE;
	} else if (w7 == (ld8("CANCEL  ") & 0x00ffffffffffffffULL)) {
		q = p + 6;
		msg->method = SC_METHOD_CANCEL;
	} else if (le - p >= 4 && ld4(p) == ld4("ACK ")) {
		q = p + 3;
		msg->method = SC_METHOD_ACK;
	} else {
		q = SIP_F(tok_in)(lim, p, le);
		msg->method = (uint8_t)method_id(p, (size_t)(q - p));
	}
	msg->method_name = sip_mkstr(p, q);
	if (q == le || *q != ' ') {
		sip_err(msg, SC_SIP_E_METHOD);
		return 0;
	}
	p = q + 1;
	q = SIP_F(uri_in)(lim, p, le);
	if (q < le && *q != ' ') {
		sip_err(msg, SC_SIP_E_REQUEST_URI);
		while (q < le && *q != ' ')
			q++;
	}
	msg->request_uri = sip_mkstr(p, q);
	if (!check_uri(p, q))
		sip_err(msg, SC_SIP_E_REQUEST_URI);
	if (q == le) {
		sip_err(msg, SC_SIP_E_START_LINE);
		return 0;
	}
	p = q + 1;
	if (le - p == 7 && memcmp(p, "SIP/2.0", 7) == 0)
		return 0;
	q = p;
	while (q < le && *q != ' ')
		q++;
	if (q != le) {
		/*
		 * A third SP: LWS inside the Request-URI (RFC 4475 3.1.2.8), or only
		 * whitespace after the version (3.1.2.10), a start-line fault.
		 */
		bool trailing = skip_lws(q, le) == le && check_version(p, q) == SC_SIP_E_OK;

		sip_err(msg, trailing ? SC_SIP_E_START_LINE : SC_SIP_E_REQUEST_URI);
		return 0;
	}
	{
		enum sc_sip_error ve = check_version(p, le);

		if (ve != SC_SIP_E_OK)
			sip_err(msg, ve);
	}
	return 0;
}

/* ---- header values ------------------------------------------------------- */

/*
 * generic-param after a SEMI (25.1): token [ EQUAL gen-value ], gen-value = token /
 * host / quoted-string. p is just past the ";". Returns the end of the parameter,
 * or NULL with *err set.
 */
SIP_CORE_ATTR static inline __attribute__((always_inline)) const char *
SIP_F(parse_param)(const char *lim, const char *p, const char *e, struct sc_str *name,
	struct sc_str *val, enum sc_sip_error *err, enum sc_sip_error syntax)
{
	const char *q;

	p = skip_lws(p, e);
	q = SIP_F(tok_in)(lim, p, e);
	if (q == p) {
		*err = syntax;
		return NULL;
	}
	*name = sip_mkstr(p, q);
	val->p = NULL;
	val->len = 0;
	p = skip_lws(q, e);
	if (p == e || *p != '=')
		return q;
	p = skip_lws(p + 1, e);
	if (p < e && *p == '"') {
		q = SIP_F(quoted_end)(lim, p, e);
		if (q == NULL) {
			*err = SC_SIP_E_QUOTE;
			return NULL;
		}
	} else {
		/* gen-value: token, or host with ":" "[" "]" (RFC 5118 received=). */
		q = SIP_F(tok_in)(lim, p, e);
		while (q < e && (*q == ':' || *q == '[' || *q == ']'))
			q = SIP_F(tok_in)(lim, q + 1, e);
		if (q == p) {
			*err = syntax;
			return NULL;
		}
	}
	*val = sip_mkstr(p, q);
	return q;
}

/*
 * sent-by host (25.1): hostname / IPv4address / IPv6reference. Returns the end of
 * the host, or NULL.
 */
SIP_CORE_ATTR static const char *
SIP_F(parse_host)(const char *lim, const char *p, const char *e, struct sc_str *host, uint8_t *type)
{
	const char *q;

	if (p < e && *p == '[') {
		q = p + 1;
		while (q < e && (sip_is((unsigned char)*q, SIP_C_HEX) || *q == ':' || *q == '.'))
			q++;
		if (q == e || *q != ']' || q == p + 1)
			return NULL;
		q++;
		*host = sip_mkstr(p, q);
		*type = SC_HOST_IPV6;
		return q;
	}
	/*
	 * hostname / IPv4address. The run is taken as a token: "_" and the other
	 * token marks that 25.1 leaves out of hostname do occur in the field and
	 * cannot be mistaken for the ":" or ";" that follow a host.
	 */
	q = SIP_F(tok_in)(lim, p, e);
	if (q == p)
		return NULL;
	*host = sip_mkstr(p, q);
	*type = (unsigned)(*p - '0') <= 9 && is_ipv4(p, q) ? SC_HOST_IPV4 : SC_HOST_NAME;
	return q;
}

/* One via-parm (20.42, 25.1) at p; returns its end (before any LWS), or NULL. */
SIP_CORE_ATTR
#ifdef SIP_NONTOK64
SIP_COLD	/* behind via_fast at this level */
#endif
static const char *
SIP_F(parse_via_parm)(const char *lim, const char *p, const char *e, struct sc_sip_via *via,
	enum sc_sip_error *err)
{
	const char *s = p, *q, *ps;

	*err = SC_SIP_E_VIA;
	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	if (e - p >= 8 && (ld4(p) | 0x00202020u) == ld4("sip/") && ld4(p + 4) == ld4("2.0/")) {
		/* What every Via says, in one compare; the general form below. */
		via->protocol = sip_mkstr(p, p + 7);
		p = skip_lws(p + 8, e);	/* SLASH = SWS "/" SWS (25.1) */
	} else {
		q = SIP_F(tok_in)(lim, p, e);
		if (q == p)
			return NULL;
		ps = p;
		p = skip_lws(q, e);
		if (p == e || *p != '/')
			return NULL;
		p = skip_lws(p + 1, e);
		q = SIP_F(tok_in)(lim, p, e);
		if (q == p)
			return NULL;
		via->protocol = sip_mkstr(ps, q);
		p = skip_lws(q, e);
		if (p == e || *p != '/')
			return NULL;
		p = skip_lws(p + 1, e);
	}
	q = SIP_F(tok_in)(lim, p, e);
	if (q == p)
		return NULL;
	via->transport = sip_mkstr(p, q);
	via->value = sip_mkstr(s, q);
	/* LWS sent-by */
	p = skip_lws(q, e);
	if (p == q)
		return NULL;
	q = SIP_F(parse_host)(lim, p, e, &via->host, &via->host_type);
	if (q == NULL)
		return NULL;
	via->value = sip_mkstr(s, q);
	p = skip_lws(q, e);
	if (p < e && *p == ':') {
		uint64_t port;
		bool over;

		p = skip_lws(p + 1, e);
		q = parse_uint(p, e, 65535, &port, &over);
		if (q == NULL || over)
			return NULL;
		via->port = (uint16_t)port;
		via->value = sip_mkstr(s, q);
	}
	/* *( SEMI via-params ) */
	for (;;) {
		struct sc_str name, val;

		p = skip_lws(q, e);
		if (p == e || *p != ';')
			break;
		q = SIP_F(parse_param)(lim, p + 1, e, &name, &val, err, SC_SIP_E_VIA);
		if (q == NULL)
			return NULL;
		if (!via_param(via, &name, &val)) {
			*err = SC_SIP_E_VIA;
			return NULL;
		}
		via->value = sip_mkstr(s, q);
	}
	*err = SC_SIP_E_OK;
	return q;
}

#ifdef SIP_NONTOK64
/*
 * Token runs inside a 64-octet window whose non-token bitmap was computed once:
 * the same result as tok_in, for a shift and a count of trailing zeros.
 */
struct SIP_F(win) {
	const char *base;
	uint64_t nt;
};

SIP_CORE_ATTR static inline __attribute__((always_inline)) const char *
SIP_F(win_tok)(const struct SIP_F(win) *w, const char *lim, const char *p, const char *e)
{
	size_t off = (size_t)(p - w->base);
	const char *q;

	if (p >= e)
		return p;
	if (off < 64) {
		uint64_t m = w->nt >> off;

		if (m != 0) {
			q = p + __builtin_ctzll(m);
			return q < e ? q : e;
		}
		/* A token run to the window's end: the plain scan goes on from there. */
		p = w->base + 64;
	}
	q = SIP_TOK_END(p, lim);
	return q < e ? q : e;
}

/*
 * The Via shape nearly every element sends: "SIP/2.0/" transport SP host
 * [":" port] *(";" token ["=" token]), no other LWS, ending at e or at a comma.
 * Fills via as parse_via_parm does and returns the same end. Anything else
 * (LWS, quotes, IPv6, RFC 5118 values, faults) returns NULL with via partly
 * written: parse_via_parm then parses and judges the value from scratch, so
 * the fast path never decides a verdict.
 */
SIP_CORE_ATTR static inline __attribute__((always_inline)) const char *
SIP_F(via_fast)(const char *lim, const char *p, const char *e, struct sc_sip_via *via)
{
	struct SIP_F(win) w;
	const char *s = p, *q, *h;

	if (lim - p < 64 || e - p < 8 || (ld4(p) | 0x00202020u) != ld4("sip/") ||
	    ld4(p + 4) != ld4("2.0/"))
		return NULL;
	w.base = p;
	w.nt = SIP_NONTOK64(p);
	q = SIP_F(win_tok)(&w, lim, p + 8, e);
	if (q == p + 8 || e - q < 2 || *q != ' ')
		return NULL;
	via->protocol = sip_mkstr(p, p + 7);
	via->transport = sip_mkstr(p + 8, q);
	h = q + 1;
	q = SIP_F(win_tok)(&w, lim, h, e);
	if (q == h)
		return NULL;
	via->host = sip_mkstr(h, q);
	via->host_type = SC_HOST_NAME;
	if ((unsigned)(*h - '0') <= 9 && q - h >= 7 && q - h <= 15 &&
	    (lim - h >= 16 ? sip_ipv4_sse42(h, (unsigned)(q - h)) : is_ipv4(h, q)))
		via->host_type = SC_HOST_IPV4;
	if (q < e && *q == ':') {
		/* 1 to 5 digits; more (leading zeros) or over 65535: the general path. */
		uint32_t port;

		q = sip_read_digits(q + 1, e, 5, &port);
		if (q == NULL || port > 65535)
			return NULL;
		via->port = (uint16_t)port;
	}
	while (q < e && *q == ';') {
		struct sc_str name, val = { NULL, 0 };
		const char *n = q + 1;

		/*
		 * ";branch=" (any case) in one compare: what the general steps
		 * below read for it. OR-ing 0x20 folds exactly the six letters.
		 */
		if (e - q >= 8 && (ld8(q) | 0x0020202020202000ULL) == ld8(";branch=")) {
			n = q + 8;
			q = SIP_F(win_tok)(&w, lim, n, e);
			if (q == n || (q < e && (*q == ':' || *q == '[' || *q == ']')))
				return NULL;
			via->branch = sip_mkstr(n, q);
			continue;
		}
		q = SIP_F(win_tok)(&w, lim, n, e);
		if (q == n)
			return NULL;
		name = sip_mkstr(n, q);
		if (q < e && *q == '=') {
			n = q + 1;
			q = SIP_F(win_tok)(&w, lim, n, e);
			if (q == n || (q < e && (*q == ':' || *q == '[' || *q == ']')))
				return NULL;
			val = sip_mkstr(n, q);
		}
		if (!via_param(via, &name, &val))
			return NULL;
	}
	if (q < e && *q != ',')
		return NULL;
	via->value = sip_mkstr(s, q);
	return q;
}
#endif

SIP_CORE_ATTR static void
SIP_F(parse_via)(const char *lim, struct sc_sip_msg *msg, const char *p, const char *e)
{
	for (;;) {
		struct sc_sip_via tmp, *via;
		enum sc_sip_error err;
		const char *q;

		p = skip_lws(p, e);
		if (p == e) {
			sip_err(msg, SC_SIP_E_VIA);
			return;
		}
		if (msg->via_total == UINT16_MAX) {
			sip_err(msg, SC_SIP_E_TOO_MANY_VIAS);
			return;
		}
		via = msg->via_count < SC_SIP_MAX_VIAS ? &msg->vias[msg->via_count] : &tmp;
		via_clear(via);
#ifdef SIP_NONTOK64
		q = SIP_F(via_fast)(lim, p, e, via);
		if (q != NULL) {
			err = SC_SIP_E_OK;
		} else {
			via_clear(via);
			q = SIP_F(parse_via_parm)(lim, p, e, via, &err);
		}
#else
		q = SIP_F(parse_via_parm)(lim, p, e, via, &err);
#endif
		/* Keep what was read of a broken value: the 400 still needs its sent-by. */
		if (via != &tmp)
			msg->via_count++;
		msg->via_total++;
		if (q == NULL) {
			sip_err(msg, err);
			return;
		}
		p = skip_lws(q, e);
		if (p == e)
			return;
		if (*p != ',') {
			sip_err(msg, SC_SIP_E_VIA);
			return;
		}
		p++;
	}
}

#ifdef SIP_NONTOK64
/*
 * The header params after a URI in their usual shape, *(";" token ["=" token])
 * with no LWS and ending at e or a comma, read over one token bitmap. Returns the
 * end with a->tag set; or q itself, untouched, for the general loop in parse_addr
 * to read (and judge) whatever else is there.
 */
SIP_CORE_ATTR static inline const char *
SIP_F(addr_params_fast)(const char *lim, const char *q, const char *e, struct sc_sip_addr *a)
{
	struct SIP_F(win) w;
	struct sc_str tag = a->tag;
	const char *r = q;

	if (lim - q < 64 || q == e || *q != ';')
		return q;
	if (e - q >= 6 && (ld4(q) | 0x20202000u) == ld4(";tag") && q[4] == '=') {
		/* Mostly ";tag=" and a token to the end: one token scan, no bitmap. */
		const char *n = q + 5;

		r = SIP_F(tok_in)(lim, n, e);
		if (r == e && r != n) {
			a->tag = sip_mkstr(n, r);
			return r;
		}
		r = q;
	}
	w.base = q;
	w.nt = SIP_NONTOK64(q);
	while (r < e && *r == ';') {
		const char *n = r + 1;
		struct sc_str name, val = { NULL, 0 };

		/* ";tag=" (any case) in one compare, read as the general steps below. */
		if (e - r >= 5 && (ld4(r) | 0x20202000u) == ld4(";tag") && r[4] == '=') {
			n = r + 5;
			r = SIP_F(win_tok)(&w, lim, n, e);
			if (r == n || (r < e && (*r == ':' || *r == '[' || *r == ']')))
				return q;
			tag = sip_mkstr(n, r);
			continue;
		}
		r = SIP_F(win_tok)(&w, lim, n, e);
		if (r == n)
			return q;
		name = sip_mkstr(n, r);
		if (r < e && *r == '=') {
			n = r + 1;
			r = SIP_F(win_tok)(&w, lim, n, e);
			if (r == n || (r < e && (*r == ':' || *r == '[' || *r == ']')))
				return q;
			val = sip_mkstr(n, r);
		}
		/* A tag value is a token (25.1): this one is, by how it was read. */
		if (IEQ(name.p, name.len, "tag")) {
			if (val.p == NULL)
				return q;
			tag = val;
		}
	}
	if (r < e && *r != ',')
		return q;
	a->tag = tag;
	return r;
}
#endif

#ifdef SIP_WIN3
/*
 * The From/To shape nearly every element sends, judged in one 64-octet window:
 * [LWS] [quoted-string LWS] "<" URI ">" [";tag=" token], the whole value inside
 * the window, with no backslash in the display name, a URI that starts with a
 * three-letter scheme ("sip:", "tel:") and has no octet above 0x7e, and nothing
 * after the tag. Then every position parse_addr looks for is a bit of the window's
 * class maps, found by shifts and counts of trailing zeros instead of one vector
 * scan after another, each waiting for the previous one's result. Fills a as
 * parse_addr does and returns e, its result for such a value; any other shape
 * returns NULL (a possibly written) for parse_addr to read and judge from scratch.
 * n = e - p0 is 1..64 and the window p0[0..64) is inside the datagram.
 */
SIP_CORE_ATTR static inline __attribute__((always_inline)) const char *
SIP_F(addr_fast)(const char *p0, const char *e, struct sc_sip_addr *a)
{
	static const struct sc_str z;
	size_t n = (size_t)(e - p0), o;
	uint64_t vm = sip_low_mask64(n), m;
	const char *s, *p, *up, *ue, *t;
	struct sip_win3 w;

	s = skip_lws(p0, e);
	if (s == e || (*s != '"' && *s != '<'))
		return NULL;
	SIP_WIN3(p0, &w);
	p = s;
	if (*s == '"') {
		/* The closing DQUOTE: the first DQUOTE or backslash after the opening one. */
		m = w.qb & vm & (~1ULL << (size_t)(s - p0));
		if (m == 0 || p0[__builtin_ctzll(m)] != '"')
			return NULL;
		p = skip_lws(p0 + __builtin_ctzll(m) + 1, e);
		if (p == e || *p != '<')
			return NULL;
	}
	/* The URI: up to the first octet after "<" that cannot be in one, a ">". */
	o = (size_t)(p - p0);
	m = w.nu & vm & (~1ULL << o);
	if (m == 0)
		return NULL;
	up = p + 1;
	ue = p0 + __builtin_ctzll(m);
	if (*ue != '>' || ue - up < 4 || up[3] != ':')
		return NULL;
	a->tag = z;
	t = ue + 1;
	if (t < e) {
		if (e - t < 6 || (ld4(t) | 0x20202000u) != ld4(";tag") || t[4] != '=')
			return NULL;
		/* A token from after "=" to the end of the value (25.1: tag-param). */
		t += 5;
		if ((w.nt & vm & (~0ULL << (size_t)(t - p0))) != 0)
			return NULL;
		a->tag = sip_mkstr(t, e);
	}
	a->value = sip_mkstr(s, e);
	a->uri = sip_mkstr(up, ue);
	return e;
}
#endif

/*
 * name-addr / addr-spec with header params (20.10, 20.20, 20.39, 20.34). Stops at
 * a top-level comma or e; returns that position, or NULL with *err set. With
 * need_angle (Route) the URI must be inside "<>".
 */
SIP_CORE_ATTR static const char *
SIP_F(parse_addr)(const char *lim, const char *p, const char *e, struct sc_sip_addr *a,
	bool need_angle, enum sc_sip_error *err, enum sc_sip_error syntax)
{
	/*
	 * One copy of a zero constant: clearing a->value field by field and copying
	 * it into uri and tag made gcc reload the fresh narrow stores with one wide
	 * load, a store-forwarding stall on every From and To.
	 */
	static const struct sc_sip_addr za;
	const char *s, *q, *ue, *c;

#ifdef SIP_WIN3
	if (lim - p >= 64 && e > p && e - p <= 64) {
		q = SIP_F(addr_fast)(p, e, a);
		if (q != NULL) {
			*err = SC_SIP_E_OK;
			return q;
		}
	}
#endif
	*err = syntax;
	*a = za;
	p = skip_lws(p, e);
	s = p;
	if (p == e)
		return NULL;
	if (*p == '"') {
		q = SIP_F(quoted_end)(lim, p, e);
		if (q == NULL) {
			*err = SC_SIP_E_QUOTE;
			return NULL;
		}
		p = skip_lws(q, e);
		if (p == e || *p != '<') {
			*err = SC_SIP_E_ANGLE;
			return NULL;
		}
	} else {
		/* display-name as tokens and LWS, or the start of an addr-spec. */
		q = p;
		while (q < e && sip_is((unsigned char)*q, SIP_C_TOKEN | SIP_C_LWS))
			q++;
		if (q < e && *q == '<')
			p = q;
		else if (need_angle) {
			*err = SC_SIP_E_ANGLE;
			return NULL;
		}
	}
	if (*p == '<') {
		p++;
		q = SIP_F(uri_in)(lim, p, e);
		/* Tolerate raw UTF-8 in a user part; SP, CTL, "<" and DQUOTE end it. */
		while (q < e && (unsigned char)*q >= 0x80)
			q = SIP_F(uri_in)(lim, q + 1, e);
		if (q == e || *q != '>') {
			*err = SC_SIP_E_ANGLE;
			return NULL;
		}
		ue = q;
		q++;
	} else {
		/* addr-spec: a URI with ";" "," or "?" must be in <> (20.10). */
		q = p;
		while (q < e && *q != ';' && *q != ',' && *q != '<' && *q != '>' && *q != '"' &&
		       !sip_is((unsigned char)*q, SIP_C_LWS))
			q++;
		if (q < e && (*q == '<' || *q == '>')) {
			*err = SC_SIP_E_ANGLE;
			return NULL;
		}
		if (q < e && *q == '"') {
			*err = SC_SIP_E_QUOTE;
			return NULL;
		}
		ue = q;
	}
	/* The URI has a scheme: a ":", mostly the fourth octet ("sip:", "tel:"). */
	if (ue - p < 4 || p[3] != ':') {
		for (c = p; c < ue && *c != ':'; c++)
			;
		if (c == ue)
			return NULL;
	}
	a->uri = sip_mkstr(p, ue);
#ifdef SIP_NONTOK64
	q = SIP_F(addr_params_fast)(lim, q, e, a);
#endif
	for (;;) {
		struct sc_str name, val;

		p = skip_lws(q, e);
		if (p == e || *p != ';')
			break;
		q = SIP_F(parse_param)(lim, p + 1, e, &name, &val, err, syntax);
		if (q == NULL)
			return NULL;
		if (IEQ(name.p, name.len, "tag")) {
			if (val.p == NULL || val.len == 0 ||
			    SIP_F(tok_in)(lim, val.p, val.p + val.len) != val.p + val.len) {
				*err = syntax;
				return NULL;
			}
			a->tag = val;
		}
	}
	a->value = sip_mkstr(s, q);
	if (p < e && *p != ',') {
		/* Anything but a list separator after the parameters. */
		*err = (*p == '<' || *p == '>') ? SC_SIP_E_ANGLE :
		       (*p == '"') ? SC_SIP_E_QUOTE : syntax;
		return NULL;
	}
	*err = SC_SIP_E_OK;
	return p;
}

SIP_CORE_ATTR static inline __attribute__((always_inline)) void
SIP_F(parse_from_to)(const char *lim, struct sc_sip_msg *msg, bool *seen, struct sc_sip_addr *a,
	const char *p, const char *e, enum sc_sip_error syntax)
{
	enum sc_sip_error err;
	const char *q;

	if (*seen) {
		/* From and To are single-valued (7.3.1, RFC 4475 3.3.8). */
		sip_err(msg, syntax);
		return;
	}
	*seen = true;
	q = SIP_F(parse_addr)(lim, p, e, a, false, &err, syntax);
	if (q == NULL) {
		sip_err(msg, err);
		/* Keep the raw value (uri and tag as far as read): a 400 copies it. */
		p = skip_lws(p, e);
		a->value = sip_mkstr(p, rtrim(p, e));
		return;
	}
	if (q != e)
		sip_err(msg, syntax);	/* a second value after a comma */
}

SIP_CORE_ATTR static void
SIP_F(parse_route)(const char *lim, struct sc_sip_msg *msg, const char *p, const char *e)
{
	for (;;) {
		struct sc_sip_addr a;
		enum sc_sip_error err;
		const char *q = SIP_F(parse_addr)(lim, p, e, &a, true, &err,
			SC_SIP_E_HEADER_SYNTAX);

		if (q == NULL) {
			sip_err(msg, err);
			return;
		}
		if (msg->route_count < SC_SIP_MAX_ROUTES)
			msg->routes[msg->route_count++] = a.value;
		if (msg->route_total < UINT16_MAX)
			msg->route_total++;
		if (q == e)
			return;
		p = q + 1;
	}
}

/*
 * Split a comma list at top-level commas (not inside quotes or <>), section 7.3.1:
 * list_elem_end of sc_sip_parse.c with vector scans between the separators.
 */
SIP_CORE_ATTR static const char *
SIP_F(list_elem_end)(const char *lim, const char *p, const char *e, enum sc_sip_error *err)
{
	int angle = 0;

	while (p < e) {
		/* Bounded by e, not lim: most values hold no separator at all. */
		p = SIP_LSEP(p, e);
		if (p == e)
			break;
		if (*p == '"') {
			p = SIP_F(quoted_end)(lim, p, e);
			if (p == NULL) {
				*err = SC_SIP_E_QUOTE;
				return NULL;
			}
			continue;
		}
		if (*p == '<')
			angle++;
		else if (*p == '>') {
			if (--angle < 0)
				break;
		} else if (angle == 0)
			return p;	/* a comma */
		p++;
	}
	if (angle != 0) {
		*err = SC_SIP_E_ANGLE;
		return NULL;
	}
	return p;
}

/* Reason (RFC 3326) and option-tag lists (20.32, 20.29): kept as trimmed slices. */
SIP_CORE_ATTR static void
SIP_F(parse_list)(const char *lim, struct sc_sip_msg *msg, const char *p, const char *e,
	struct sc_str *arr, uint8_t *count, uint16_t *total, unsigned max, bool tokens)
{
	for (;;) {
		enum sc_sip_error err = SC_SIP_E_HEADER_SYNTAX;
		const char *q = SIP_F(list_elem_end)(lim, p, e, &err);
		const char *s, *t;

		if (q == NULL) {
			sip_err(msg, err);
			return;
		}
		s = skip_lws(p, q);
		t = rtrim(s, q);
		if (s == t || (q < e && *q != ',') || !sip_is((unsigned char)*s, SIP_C_TOKEN) ||
		    (tokens && SIP_F(tok_in)(lim, s, t) != t)) {
			sip_err(msg, SC_SIP_E_HEADER_SYNTAX);
			return;
		}
		/* No bound in the grammar: the first max are kept, all counted. */
		if (*count < max)
			arr[(*count)++] = sip_mkstr(s, t);
		if (*total < UINT16_MAX)
			(*total)++;
		if (q == e)
			return;
		p = q + 1;
	}
}

SIP_CORE_ATTR static void
SIP_F(parse_cseq_gen)(const char *lim, struct sc_sip_msg *msg, const char *p, const char *e);

SIP_CORE_ATTR static void
SIP_F(parse_cseq)(const char *lim, struct sc_sip_msg *msg, struct sip_seen *seen, const char *p,
	const char *e)
{
	const char *q, *m;
	uint32_t n;

	if (seen->cseq) {
		sip_err(msg, SC_SIP_E_CSEQ);
		return;
	}
	seen->cseq = true;
	/*
	 * The usual shape, SP 1-9 digits SP method to the line end, with the
	 * method INVITE, CANCEL or ACK: the general path below reads it the
	 * same way, with more tests.
	 */
	if (e - p >= 5 && *p == ' ' &&
	    (q = sip_read_digits(p + 1, e, 9, &n)) != NULL) {
		if (q < e && *q == ' ' && q + 1 < e) {
			size_t ml;
			int id = -1;

			m = q + 1;
			ml = (size_t)(e - m);
			/* Word compares: gcc calls memcmp for these lengths. */
			if (ml == 6 && ld4(m) == ld4("INVI") && ld2(m + 4) == ld2("TE"))
				id = SC_METHOD_INVITE;
			else if (ml == 6 && ld4(m) == ld4("CANC") && ld2(m + 4) == ld2("EL"))
				id = SC_METHOD_CANCEL;
			else if (ml == 3 && ld2(m) == ld2("AC") && m[2] == 'K')
				id = SC_METHOD_ACK;
			if (id >= 0) {
				msg->cseq_method_name = sip_mkstr(m, e);
				msg->cseq_method = (uint8_t)id;
				msg->cseq = n;
				return;
			}
		}
	}
	SIP_F(parse_cseq_gen)(lim, msg, p, e);
}

/* CSeq = 1*DIGIT LWS Method; the number is 32-bit (8.1.1.5, RFC 4475 3.1.2.4). */
SIP_CORE_ATTR SIP_COLD static void
SIP_F(parse_cseq_gen)(const char *lim, struct sc_sip_msg *msg, const char *p, const char *e)
{
	const char *q, *m;
	uint64_t v;
	bool over;

	p = skip_lws(p, e);
	q = parse_uint(p, e, UINT32_MAX, &v, &over);
	if (q == NULL) {
		sip_err(msg, SC_SIP_E_CSEQ);
		return;
	}
	m = skip_lws(q, e);
	if (m == q) {
		sip_err(msg, SC_SIP_E_CSEQ);
		return;
	}
	q = SIP_F(tok_in)(lim, m, e);
	msg->cseq_method_name = sip_mkstr(m, q);
	msg->cseq_method = (uint8_t)method_id(m, (size_t)(q - m));
	msg->cseq = over ? 0 : (uint32_t)v;
	if (over)
		sip_err(msg, SC_SIP_E_CSEQ_RANGE);
	if (q == m || skip_lws(q, e) != e)
		sip_err(msg, SC_SIP_E_CSEQ);
}

SIP_CORE_ATTR static void
SIP_F(parse_call_id)(const char *lim, struct sc_sip_msg *msg, struct sip_seen *seen, const char *p,
	const char *e)
{
	const char *q, *at;

	if (seen->call_id) {
		sip_err(msg, SC_SIP_E_CALL_ID);
		return;
	}
	seen->call_id = true;
	/* callid = word [ "@" word ] (25.1) */
	p = skip_lws(p, e);
	e = rtrim(p, e);
	msg->call_id = sip_mkstr(p, e);
#ifdef SIP_NONTOK64
	if (e - p >= 1 && e - p <= 64 && lim - p >= 64) {
		/*
		 * Token octets only, or with one "@" that neither starts nor ends
		 * the value: a valid callid, as the word scans below would find.
		 */
		size_t n = (size_t)(e - p);
		uint64_t nt = SIP_NONTOK64(p) & sip_low_mask64(n);
		size_t b = nt != 0 ? (size_t)__builtin_ctzll(nt) : 0;

		if (nt == 0 || ((nt & (nt - 1)) == 0 && p[b] == '@' && b != 0 && b + 1 < n))
			return;
	}
#endif
	q = SIP_F(word_end)(lim, p, e);
	if (q == p) {
		sip_err(msg, SC_SIP_E_CALL_ID);
		return;
	}
	if (q == e)
		return;
	at = q;
	q = SIP_F(word_end)(lim, q + 1, e);
	if (*at != '@' || q == at + 1 || q != e)
		sip_err(msg, SC_SIP_E_CALL_ID);
}

SIP_CORE_ATTR static void
SIP_F(sip_parse_header)(const char *lim, struct sc_sip_msg *msg, struct sip_seen *seen,
	enum sip_hdr id, const char *p, const char *e)
{
	uint64_t v;

	switch (id) {
	case SIP_H_OTHER:
		return;
	case SIP_H_VIA:
		SIP_F(parse_via)(lim, msg, p, e);
		return;
	case SIP_H_CALL_ID:
		SIP_F(parse_call_id)(lim, msg, seen, p, e);
		return;
	case SIP_H_CSEQ:
		SIP_F(parse_cseq)(lim, msg, seen, p, e);
		return;
	case SIP_H_FROM:
		SIP_F(parse_from_to)(lim, msg, &seen->from, &msg->from, p, e, SC_SIP_E_FROM);
		return;
	case SIP_H_TO:
		SIP_F(parse_from_to)(lim, msg, &seen->to, &msg->to, p, e, SC_SIP_E_TO);
		return;
	case SIP_H_MAX_FORWARDS:
		/* 20.22 says 0-255; larger values are tolerated (RFC 4475 3.1.2.4). */
		if (seen->max_forwards) {
			sip_err(msg, SC_SIP_E_MAX_FORWARDS);
			return;
		}
		seen->max_forwards = true;
		msg->max_forwards_value = sip_mkstr(p, e);
		parse_number(msg, p, e, INT32_MAX, &v, SC_SIP_E_MAX_FORWARDS);
		if (v != UINT64_MAX)
			msg->max_forwards = (int32_t)v;
		return;
	case SIP_H_CONTENT_LENGTH:
		parse_number(msg, p, e, UINT32_MAX, &v, SC_SIP_E_CONTENT_LENGTH);
		if (v == UINT64_MAX)
			return;
		/* Repeating the same value is harmless; two values cannot frame a body. */
		if (msg->content_length >= 0 && (uint64_t)msg->content_length != v)
			sip_err(msg, SC_SIP_E_CONTENT_LENGTH);
		else
			msg->content_length = (int64_t)v;
		return;
	case SIP_H_ROUTE:
		SIP_F(parse_route)(lim, msg, p, e);
		return;
	case SIP_H_REQUIRE:
		SIP_F(parse_list)(lim, msg, p, e, msg->requires, &msg->require_count,
				  &msg->require_total, SC_SIP_MAX_REQUIRES, true);
		return;
	case SIP_H_PROXY_REQUIRE:
		SIP_F(parse_list)(lim, msg, p, e, msg->proxy_requires, &msg->proxy_require_count,
				  &msg->proxy_require_total, SC_SIP_MAX_REQUIRES, true);
		return;
	case SIP_H_REASON:
		SIP_F(parse_list)(lim, msg, p, e, msg->reasons, &msg->reason_count,
				  &msg->reason_total, SC_SIP_MAX_REASONS, false);
		return;
	}
}

