/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parser core, instantiated once per byte-scan level by sc_sip_parse.c:
 *   SIP_F(name)    the level's name of a function (SIP_LEVEL suffix)
 *   SIP_CORE_ATTR  target attribute of the instantiation (empty for scalar)
 *   SIP_EOL        the line-end scan to inline
 *   SIP_TOK_END    the token-run scan to inline
 *   SIP_LINE       name end and first line end of a header line (buf, p, end, &eol)
 *   SIP_NONTOK64   64-octet non-token bitmap (vector levels only; enables the
 *                  Via fast path)
 * Everything here runs once per line; the per-field grammar is in
 * sip_fields_core.h, instantiated alongside.
 */

/*
 * End of the logical header line whose first CR or LF (or end) is q: the CR (or
 * bare LF) of the last physical line, skipping folded continuations (CRLF
 * followed by SP or HTAB, section 7.3.1). *next is the start of the following
 * line. NULL when the buffer ends first: a header block must end with an empty
 * line, so this is truncation.
 */
SIP_CORE_ATTR SIP_COLD static const char *
SIP_F(line_end)(const char *q, const char *end, const char **next, bool *bare_cr)
{
	for (;;) {
		const char *n;

		if (q == end)
			return NULL;
		if (*q == '\n') {
			n = q + 1;
		} else {
			if (q + 1 == end)
				return NULL;
			if (q[1] != '\n') {
				/* A bare CR is not a line end (section 7: CRLF). */
				*bare_cr = true;
				q = SIP_EOL(q + 1, end);
				continue;
			}
			n = q + 2;
		}
		if (n == end)
			return NULL;
		if (*n == ' ' || *n == '\t') {
			q = SIP_EOL(n, end);
			continue;
		}
		*next = n;
		return q;
	}
}

SIP_CORE_ATTR static int
SIP_F(parse)(const char *buf, size_t len, struct sc_sip_msg *msg)
{
	const char *end = buf + len;
	const char *p = buf;
	const char *le, *next, *hstart;
	struct sip_seen seen = { 0 };
	bool bare_cr = false;

	sip_msg_init(msg);

	/* Section 7.5: CRLFs before the start line are ignored (keep-alives). */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end || !sip_is((unsigned char)*p, SIP_C_TOKEN)) {
		sip_err(msg, SC_SIP_E_NOT_SIP);
		msg->msg_len = (uint32_t)len;
		return -SC_SIP_E_NOT_SIP;
	}

	/* Start line: one physical line. */
	{
		const char *q = p;

		for (;;) {
			le = SIP_EOL(q, end);
			if (le == end)
				goto truncated;
			if (*le == '\n') {
				next = le + 1;
				break;
			}
			if (le + 1 == end)
				goto truncated;
			if (le[1] == '\n') {
				next = le + 2;
				break;
			}
			bare_cr = true;
			q = le + 1;
		}
		if (bare_cr)
			sip_err(msg, SC_SIP_E_START_LINE);
		if (SIP_F(sip_parse_start_line)(end, msg, p, le) != 0) {
			msg->msg_len = (uint32_t)len;
			return -(int)msg->error;
		}
		p = next;
	}

	/* Header lines up to the empty line. */
	hstart = p;
	for (;;) {
		const char *name, *ne, *v, *eol;
		unsigned char c;

		if (sip_unlikely(p >= end))
			goto truncated;
		c = (unsigned char)*p;
		/* A name starts above '\r': one compare for every header line. */
		if (sip_unlikely(c <= '\r') && (c == '\r' || c == '\n')) {
			if (c == '\r') {
				if (p + 1 == end)
					goto truncated;
				if (p[1] != '\n') {
					sip_err(msg, SC_SIP_E_HEADER_SYNTAX);
					p++;
					continue;
				}
				msg->headers = sip_mkstr(hstart, p);
				p += 2;
			} else {
				msg->headers = sip_mkstr(hstart, p);
				p += 1;
			}
			break;
		}

		name = p;
		p = SIP_LINE(buf, p, end, &eol);
		ne = p;
		if (sip_likely(p < end && *p == ':' && ne != name && end - eol >= 3 &&
			       ld2(eol) == ld2("\r\n") && eol[2] != ' ' && eol[2] != '\t')) {
			/*
			 * The usual line, "name:" value CRLF and no continuation:
			 * what the general path below concludes for it, in one test.
			 */
			v = p + 1;
			le = eol;
			next = eol + 2;
		} else {
			bare_cr = false;
			if (p < end && *p != ':') {
				/* HCOLON = *( SP / HTAB ) ":" SWS (25.1) */
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
			}
			v = p;
			if (p < end && *p == ':' && ne != name) {
				v = p + 1;
			} else {
				/* Not "name :" -- a broken line; skip it, remember why. */
				sip_err(msg, SC_SIP_E_HEADER_SYNTAX);
				name = ne;
			}
			/* eol: the first CR or LF of the line, none of which is before v. */
			le = SIP_F(line_end)(eol, end, &next, &bare_cr);
			if (le == NULL)
				goto truncated;
			if (bare_cr)
				sip_err(msg, SC_SIP_E_HEADER_SYNTAX);
		}
		if (sip_likely(ne != name))
			SIP_F(sip_parse_header)(end, msg, &seen, header_id_inl(name,
				(size_t)(ne - name)), v, le);
		p = next;
	}

	/* Body, framed by Content-Length; without one, the rest of the datagram (18.3). */
	{
		size_t hdr_len = (size_t)(p - buf);
		size_t rest = len - hdr_len;

		if (msg->content_length >= 0) {
			if ((uint64_t)msg->content_length > rest) {
				sip_err(msg, SC_SIP_E_BODY_TRUNCATED);
				msg->body = sip_mkstr(p, end);
				msg->msg_len = (uint32_t)len;
			} else {
				msg->body = sip_mkstr(p, p + msg->content_length);
				msg->msg_len = (uint32_t)(hdr_len + (size_t)msg->content_length);
			}
		} else {
			msg->body = sip_mkstr(p, end);
			msg->msg_len = (uint32_t)len;
		}
	}
	sip_validate(msg, &seen);
	if (msg->error != SC_SIP_E_OK)
		return -(int)msg->error;
	return (int)msg->msg_len;

truncated:
	sip_err(msg, SC_SIP_E_TRUNCATED);
	sip_validate(msg, &seen);
	msg->msg_len = (uint32_t)len;
	return -(int)msg->error;
}

#undef SIP_LEVEL
#undef SIP_CORE_ATTR
#undef SIP_EOL
#undef SIP_TOK_END
#undef SIP_URI_END
#undef SIP_QEND
#undef SIP_NONTOK64
#undef SIP_WIN3
#undef SIP_LINE
#undef SIP_LSEP
