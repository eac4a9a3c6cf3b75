/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcancel-parse: run the data-path parser over files, one datagram per file, and
 * print its verdict -- what an operator uses to check why a capture was answered
 * with 400 or dropped. Exit 0: all ok, 1: any rejected, 2: usage or read error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_sip.h"

/* The parser takes any length, but a UDP datagram is at most 64 KiB. */
#define MAX_FILE (1u << 20)

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sipcancel-parse [--json] FILE...\n"
		"Parse each FILE as one SIP datagram (RFC 3261) and print one line per file.\n"
		"  --json   one JSON object per line: file, verdict, reason, response, kind,\n"
		"           method, status, call_id, cseq, cseq_method, via_count, branch,\n"
		"           sent_by, from_tag, to_tag, max_forwards, content_length, body_length\n"
		"  --help   this text\n"
		"Exit status: 0 all ok, 1 any rejected, 2 usage or read error.\n");
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string; control octets and octets that are not UTF-8 become \u00XX. */
static void
json_str(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t l;

		if (c == '"' || c == '\\') {
			printf("\\%c", c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
			i++;
		} else if ((l = utf8_len(p + i, n - i)) == 0) {
			printf("\\u%04x", c);
			i++;
		} else {
			fwrite(p + i, 1, l, stdout);
			i += l;
		}
	}
	putchar('"');
}

static void
json_slice(const char *key, const struct sc_str *s)
{
	printf(",\"%s\":", key);
	if (s == NULL || s->p == NULL)
		fputs("null", stdout);
	else
		json_str(s->p, s->len);
}

static void
json_num(const char *key, bool present, long long v)
{
	printf(",\"%s\":", key);
	if (present)
		printf("%lld", v);
	else
		fputs("null", stdout);
}

static const char *
kind_name(const struct sc_sip_msg *m)
{
	return m->kind == SC_SIP_REQUEST ? "request" :
	       m->kind == SC_SIP_RESPONSE ? "response" : NULL;
}

static void
print_json(const char *file, const struct sc_sip_msg *m, int rc)
{
	const struct sc_sip_via *top = m->via_count > 0 ? &m->vias[0] : NULL;
	enum sc_sip_error err = (enum sc_sip_error)m->error;
	bool ok = rc > 0;

	fputs("{\"file\":", stdout);
	json_str(file, strlen(file));
	printf(",\"verdict\":\"%s\"", ok ? "ok" : "reject");
	printf(",\"reason\":\"%s\"", sc_sip_error_name(err));
	fputs(",\"reason_text\":", stdout);
	json_str(sc_sip_error_text(err), strlen(sc_sip_error_text(err)));
	printf(",\"response\":%u", sc_sip_verdict_response(m));
	if (kind_name(m) != NULL)
		printf(",\"kind\":\"%s\"", kind_name(m));
	else
		fputs(",\"kind\":null", stdout);
	json_slice("method", m->kind == SC_SIP_REQUEST ? &m->method_name : NULL);
	json_num("status", m->kind == SC_SIP_RESPONSE && m->status != 0, m->status);
	json_slice("request_uri", m->kind == SC_SIP_REQUEST ? &m->request_uri : NULL);
	json_slice("call_id", &m->call_id);
	json_num("cseq", m->cseq_method_name.p != NULL, m->cseq);
	json_slice("cseq_method", &m->cseq_method_name);
	json_num("via_count", true, m->via_total);
	json_slice("branch", top != NULL ? &top->branch : NULL);
	printf(",\"sent_by\":");
	if (top == NULL || top->host.p == NULL) {
		fputs("null", stdout);
	} else {
		char sb[320];
		int n;

		if (top->port != 0)
			n = snprintf(sb, sizeof(sb), "%.*s:%u", (int)top->host.len, top->host.p,
				     top->port);
		else
			n = snprintf(sb, sizeof(sb), "%.*s", (int)top->host.len, top->host.p);
		if (n < 0)
			n = 0;
		json_str(sb, (size_t)n < sizeof(sb) ? (size_t)n : sizeof(sb) - 1);
	}
	json_slice("from_tag", &m->from.tag);
	json_slice("to_tag", &m->to.tag);
	json_num("max_forwards", m->max_forwards >= 0, m->max_forwards);
	json_num("content_length", m->content_length >= 0, m->content_length);
	json_num("body_length", m->body.p != NULL, m->body.len);
	json_num("msg_length", ok, m->msg_len);
	fputs("}\n", stdout);
}

static void
print_text(const char *file, const struct sc_sip_msg *m, int rc)
{
	enum sc_sip_error err = (enum sc_sip_error)m->error;

	if (rc > 0) {
		if (m->kind == SC_SIP_REQUEST)
			printf("%s: ok request %.*s", file, (int)m->method_name.len,
			       m->method_name.p);
		else
			printf("%s: ok response %u", file, m->status);
		printf(" call-id=%.*s cseq=%u vias=%u len=%d\n", (int)m->call_id.len,
		       m->call_id.p != NULL ? m->call_id.p : "", m->cseq, m->via_total, rc);
	} else {
		printf("%s: reject %s (%s), response %u\n", file, sc_sip_error_name(err),
		       sc_sip_error_text(err), sc_sip_verdict_response(m));
	}
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(MAX_FILE);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_FILE, f);
	if (ferror(f) || (n == MAX_FILE && fgetc(f) != EOF)) {
		errno = ferror(f) ? EIO : EFBIG;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	static struct sc_sip_msg msg;
	bool json = false, rejected = false, read_err = false;
	int first = 1, nfiles = 0;

	for (; first < argc; first++) {
		if (strcmp(argv[first], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		} else if (argv[first][0] == '-' && argv[first][1] != '\0') {
			fprintf(stderr, "sipcancel-parse: unknown option %s\n", argv[first]);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		size_t len = 0;
		char *buf = read_all(argv[i], &len);
		int rc;

		if (buf == NULL) {
			fprintf(stderr, "sipcancel-parse: %s: %s\n", argv[i], strerror(errno));
			read_err = true;
			continue;
		}
		nfiles++;
		rc = sc_sip_parse(buf, len, &msg);
		if (rc <= 0)
			rejected = true;
		if (json)
			print_json(argv[i], &msg, rc);
		else
			print_text(argv[i], &msg, rc);
		free(buf);
	}
	fflush(stdout);
	if (read_err)
		return 2;
	return rejected ? 1 : 0;
}
