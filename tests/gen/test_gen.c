/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcancel-gen: run the tool (path in $SC_GEN) for every scenario, read each
 * pcap back with an independent reader, check the Ethernet/802.1Q/IPv4/IPv6/UDP
 * headers and checksums, re-parse every payload with sc_sip_parse, and check the
 * RFC 3261 relations between the messages of a call (9.1 CANCEL, 17.1.1.3 ACK).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sc_sip.h"
#include "../common/ref_cksum.h"

#define MAX_PKTS 4096

struct pkt {
	uint32_t ts_s, ts_us;
	uint8_t data[2048];
	uint32_t len;
};

struct capture {
	struct pkt *p;
	uint32_t n;
};

static char dir[256];

static void
mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sc_test_gen_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
rm_tmp(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(gen, .init = mkdir_tmp, .fini = rm_tmp, .timeout = 60);

static const char *
gen_path(void)
{
	const char *p = getenv("SC_GEN");

	cr_assert_not_null(p, "SC_GEN must name the sipcancel-gen binary");
	return p;
}

/* Run sipcancel-gen with args (a shell fragment); returns its exit status. */
static int
run_gen(const char *args)
{
	char cmd[2048];
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>/dev/null >/dev/null", gen_path(), args);
	st = system(cmd);
	cr_assert_neq(st, -1);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void
read_pcap(const char *path, struct capture *c)
{
	FILE *fp = fopen(path, "rb");
	uint8_t h[24], r[16];
	uint32_t magic, v;

	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	cr_assert_eq(fread(h, 1, 24, fp), 24);
	memcpy(&magic, h, 4);
	cr_assert_eq(magic, 0xa1b2c3d4u, "classic pcap, microseconds, native order");
	cr_expect_eq(h[4] | h[5] << 8, 2, "major version");
	cr_expect_eq(h[6] | h[7] << 8, 4, "minor version");
	memcpy(&v, h + 20, 4);
	cr_assert_eq(v, 1, "linktype Ethernet");
	c->p = calloc(MAX_PKTS, sizeof(*c->p));
	c->n = 0;
	cr_assert_not_null(c->p);
	while (fread(r, 1, 16, fp) == 16) {
		struct pkt *p = &c->p[c->n];
		uint32_t incl, orig;

		cr_assert_lt(c->n, MAX_PKTS);
		memcpy(&p->ts_s, r, 4);
		memcpy(&p->ts_us, r + 4, 4);
		memcpy(&incl, r + 8, 4);
		memcpy(&orig, r + 12, 4);
		cr_assert_eq(incl, orig);
		cr_assert_leq(incl, sizeof(p->data));
		cr_assert_lt(p->ts_us, 1000000u);
		cr_assert_eq(fread(p->data, 1, incl, fp), incl, "truncated record");
		p->len = incl;
		c->n++;
	}
	fclose(fp);
}

struct l4 {
	const char *payload;
	uint32_t len;
	uint16_t sport, dport;
	int vlan;
	int v;
};

/* Decode and validate the headers; fails the test on any inconsistency. */
static struct l4
decode(const struct pkt *p)
{
	struct l4 out = { .vlan = -1 };
	uint32_t o = 12, l3, l4, ulen;
	uint16_t et = get16(p->data + 12);
	uint32_t s;

	cr_assert_geq(p->len, 14 + 20 + 8);
	if (et == 0x8100) {
		out.vlan = get16(p->data + 14) & 0x0fff;
		o += 4;
		et = get16(p->data + o);
	}
	l3 = o + 2;
	if (et == 0x0800) {
		const uint8_t *ip = p->data + l3;

		out.v = 4;
		cr_assert_eq(ip[0], 0x45);
		cr_assert_eq(get16(ip + 2), p->len - l3, "IPv4 total length");
		cr_assert_eq(fold(sum16(ip, 20, 0)), 0xffff, "IPv4 header checksum");
		cr_assert_eq(ip[9], 17);
		cr_assert_eq(get16(ip + 6) & 0x3fff, 0, "not a fragment");
		l4 = l3 + 20;
		s = sum16(ip + 12, 8, 0);
	} else {
		const uint8_t *ip = p->data + l3;

		cr_assert_eq(et, 0x86dd);
		out.v = 6;
		cr_assert_eq(ip[0] >> 4, 6);
		cr_assert_eq(get16(ip + 4), p->len - l3 - 40, "IPv6 payload length");
		cr_assert_eq(ip[6], 17);
		l4 = l3 + 40;
		s = sum16(ip + 8, 32, 0);
	}
	ulen = get16(p->data + l4 + 4);
	cr_assert_eq(ulen, p->len - l4, "UDP length");
	cr_assert_neq(get16(p->data + l4 + 6), 0, "UDP checksum present");
	s += 17 + ulen;
	cr_assert_eq(fold(sum16(p->data + l4, ulen, s)), 0xffff, "UDP checksum");
	out.sport = get16(p->data + l4);
	out.dport = get16(p->data + l4 + 2);
	out.payload = (const char *)p->data + l4 + 8;
	out.len = ulen - 8;
	return out;
}

static bool
str_eq(const struct sc_str *a, const struct sc_str *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* Call index out of "tag-<i>-<tok>@host". */
static long
call_of(const struct sc_sip_msg *m)
{
	const char *d = memchr(m->call_id.p, '-', m->call_id.len);

	cr_assert_not_null(d);
	return strtol(d + 1, NULL, 10);
}

struct scen_case {
	const char *name;
	unsigned invites, cancels, acks;	/* per call */
	unsigned expect_lines;			/* per call */
};

static const struct scen_case scens[] = {
	{ "cancel-after-ringing", 1, 1, 1, 4 },
	{ "cancel-before-ringing", 1, 1, 1, 3 },
	{ "unmatched-cancel", 0, 1, 0, 1 },
	{ "cancel-after-final", 1, 1, 1, 3 },
	{ "retransmit", 2, 2, 1, 5 },
	{ "rfc2543", 1, 1, 0, 4 },
};

#define CALLS 6

/* Generate, read back and check one scenario. */
static void
check_scenario(const struct scen_case *sc, const char *extra, int v, int vlan)
{
	char args[1024], path[300], tsv[300], line[512];
	struct capture c;
	struct sc_sip_msg *msgs = calloc(MAX_PKTS, sizeof(*msgs));
	unsigned inv = 0, can = 0, ack = 0, i, j, lines = 0;
	FILE *fp;

	cr_assert_not_null(msgs);
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, sc->name);
	snprintf(tsv, sizeof(tsv), "%s/%s.tsv", dir, sc->name);
	snprintf(args, sizeof(args), "-o '%s' --expect '%s' --calls %d --scenario %s %s", path,
		 tsv, CALLS, sc->name, extra);
	cr_assert_eq(run_gen(args), 0, "sipcancel-gen %s", args);
	read_pcap(path, &c);
	cr_assert_eq(c.n, CALLS * (sc->invites + sc->cancels + sc->acks), "%s: %u packets",
		     sc->name, c.n);
	for (i = 0; i < c.n; i++) {
		struct l4 d = decode(&c.p[i]);
		struct sc_sip_msg *m = &msgs[i];
		int rc;

		cr_assert_eq(d.v, v);
		cr_assert_eq(d.vlan, vlan);
		cr_assert_eq(d.dport, 5060);
		if (i > 0)
			cr_assert((uint64_t)c.p[i].ts_s * 1000000 + c.p[i].ts_us >=
				  (uint64_t)c.p[i - 1].ts_s * 1000000 + c.p[i - 1].ts_us,
				  "timestamps in order");
		rc = sc_sip_parse(d.payload, d.len, m);
		cr_assert_eq(rc, (int)d.len, "%s packet %u: parse %d (%s)", sc->name, i, rc,
			     rc < 0 ? sc_sip_error_name((enum sc_sip_error)-rc) : "short");
		cr_assert_eq(m->error, SC_SIP_E_OK);
		cr_assert_eq(m->kind, SC_SIP_REQUEST);
		cr_expect_eq(m->max_forwards, 70);
		cr_expect_eq(m->content_length, (int64_t)m->body.len);
		cr_expect_eq(m->cseq_method, m->method);
		cr_expect_eq(m->via_count, 1);
		cr_expect_eq(m->vias[0].port, d.sport, "Via sent-by port = source port");
		cr_expect_neq(m->from.tag.len, 0, "From tag");
		cr_expect_eq(m->to.tag.len, 0, "no To tag (UAC cannot know it)");
		if (strcmp(sc->name, "rfc2543") == 0)
			cr_expect(!sc_sip_branch_is_rfc3261(&m->vias[0].branch));
		else
			cr_expect(sc_sip_branch_is_rfc3261(&m->vias[0].branch));
		if (m->method == SC_METHOD_INVITE) {
			inv++;
			cr_expect_gt(m->body.len, 0, "INVITE carries SDP");
			cr_expect_eq(memcmp(m->body.p, "v=0\r\n", 5), 0);
		} else if (m->method == SC_METHOD_CANCEL) {
			can++;
			cr_expect_eq(m->body.len, 0);
		} else {
			cr_assert_eq(m->method, SC_METHOD_ACK);
			ack++;
		}
	}
	cr_expect_eq(inv, CALLS * sc->invites);
	cr_expect_eq(can, CALLS * sc->cancels);
	cr_expect_eq(ack, CALLS * sc->acks);

	/* Per call: CANCEL and ACK mirror the INVITE (9.1, 17.1.1.3). */
	for (i = 0; i < c.n; i++) {
		if (msgs[i].method != SC_METHOD_INVITE)
			continue;
		for (j = 0; j < c.n; j++) {
			const struct sc_sip_msg *a = &msgs[i], *b = &msgs[j];

			if (j == i || !str_eq(&a->call_id, &b->call_id))
				continue;
			cr_expect(j > i || b->method == SC_METHOD_INVITE, "INVITE first");
			cr_expect(str_eq(&a->request_uri, &b->request_uri), "Request-URI");
			cr_expect(str_eq(&a->from.value, &b->from.value), "From");
			cr_expect(str_eq(&a->to.value, &b->to.value), "To");
			cr_expect_eq(a->cseq, b->cseq, "CSeq number");
			cr_expect(str_eq(&a->vias[0].value, &b->vias[0].value), "top Via");
			if (b->method == SC_METHOD_INVITE)
				cr_expect(str_eq(&a->headers, &b->headers), "same retransmission");
		}
	}
	/* Unique Call-IDs: one per call. */
	for (i = 0; i < c.n; i++)
		for (j = i + 1; j < c.n; j++)
			if (str_eq(&msgs[i].call_id, &msgs[j].call_id))
				cr_expect_eq(call_of(&msgs[i]), call_of(&msgs[j]));

	fp = fopen(tsv, "r");
	cr_assert_not_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		long call;
		char st[8], meth[16], to[96], cid[200];

		if (line[0] == '#')
			continue;
		cr_assert_eq(sscanf(line, "%ld\t%7s\t%15s\t%95s\t%199s", &call, st, meth, to, cid),
			     5, "TSV line: %s", line);
		cr_expect(call >= 0 && call < CALLS);
		cr_expect(strcmp(meth, "INVITE") == 0 || strcmp(meth, "CANCEL") == 0);
		lines++;
	}
	fclose(fp);
	cr_expect_eq(lines, CALLS * sc->expect_lines, "%s: %u expect lines", sc->name, lines);
	free(c.p);
	free(msgs);
}

Test(gen, every_scenario_ipv4)
{
	size_t i;

	for (i = 0; i < sizeof(scens) / sizeof(scens[0]); i++)
		check_scenario(&scens[i], "", 4, -1);
}

Test(gen, every_scenario_ipv6_vlan_rport)
{
	size_t i;

	for (i = 0; i < sizeof(scens) / sizeof(scens[0]); i++)
		check_scenario(&scens[i], "-6 --vlan 100 --rport", 6, 100);
}

Test(gen, rfc2543_branch_forms)
{
	char args[1024], path[300];
	struct capture c;
	struct sc_sip_msg m;
	unsigned i, none = 0, nocookie = 0;

	snprintf(path, sizeof(path), "%s/r.pcap", dir);
	snprintf(args, sizeof(args), "-o '%s' --calls 4 --scenario rfc2543", path);
	cr_assert_eq(run_gen(args), 0);
	read_pcap(path, &c);
	for (i = 0; i < c.n; i++) {
		struct l4 d = decode(&c.p[i]);

		cr_assert_eq(sc_sip_parse(d.payload, d.len, &m), (int)d.len);
		if (m.vias[0].branch.len == 0)
			none++;
		else if (!sc_sip_branch_is_rfc3261(&m.vias[0].branch))
			nocookie++;
	}
	cr_expect_gt(none, 0, "calls without a branch");
	cr_expect_gt(nocookie, 0, "calls with a cookie-less branch");
	free(c.p);
}

Test(gen, mixed_split_flows)
{
	char args[1024], path[300];
	struct capture c;
	struct sc_sip_msg m;
	unsigned k, i, total = 0, seen[6] = { 0 };
	uint16_t ports[16];
	unsigned nports = 0;

	snprintf(path, sizeof(path), "%s/mix.pcap", dir);
	snprintf(args, sizeof(args), "-o '%s' --calls 12 --scenario mixed --split 3 --flows 4 "
		 "--call-gap-us 10", path);
	cr_assert_eq(run_gen(args), 0);
	for (k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "%s/mix.%u.pcap", dir, k);
		read_pcap(path, &c);
		total += c.n;
		for (i = 0; i < c.n; i++) {
			struct l4 d = decode(&c.p[i]);
			unsigned j;
			bool have = false;

			cr_assert_eq(sc_sip_parse(d.payload, d.len, &m), (int)d.len);
			cr_expect_eq((unsigned)(call_of(&m) % 3), k, "round-robin by call");
			seen[call_of(&m) % 6]++;
			for (j = 0; j < nports; j++)
				have |= ports[j] == d.sport;
			if (!have && nports < 16)
				ports[nports++] = d.sport;
			cr_expect(d.sport >= 5060 && d.sport < 5064);
		}
		free(c.p);
	}
	/* 2 calls of each scenario: 3+3+1+3+5+2 packets per round. */
	cr_expect_eq(total, 2 * (3 + 3 + 1 + 3 + 5 + 2));
	cr_expect_eq(nports, 4, "--flows 4 source ports");
	for (i = 0; i < 6; i++)
		cr_expect_gt(seen[i], 0, "scenario %u present", i);
}

Test(gen, deterministic_and_seeded)
{
	char a[300], b[300], args[700], cmd[700];

	snprintf(a, sizeof(a), "%s/a.pcap", dir);
	snprintf(b, sizeof(b), "%s/b.pcap", dir);
	snprintf(args, sizeof(args), "-o '%s' --calls 5 --scenario mixed --seed 7", a);
	cr_assert_eq(run_gen(args), 0);
	snprintf(args, sizeof(args), "-o '%s' --calls 5 --scenario mixed --seed 7", b);
	cr_assert_eq(run_gen(args), 0);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	cr_expect_eq(system(cmd), 0, "same seed, same bytes");
	snprintf(args, sizeof(args), "-o '%s' --calls 5 --scenario mixed --seed 8", b);
	cr_assert_eq(run_gen(args), 0);
	cr_expect_neq(system(cmd), 0, "another seed, other Call-IDs");
}

Test(gen, help_and_bad_options)
{
	static const char *const opts[] = {
		"--output", "--calls", "--scenario", "--ipv6", "--vlan", "--src-ip", "--dst-ip",
		"--src-port", "--dst-port", "--src-mac", "--dst-mac", "--gap-us", "--call-gap-us",
		"--rport", "--seed", "--flows", "--split", "--final-status", "--expect", "--help",
		"cancel-after-ringing", "cancel-before-ringing", "unmatched-cancel",
		"cancel-after-final", "retransmit", "rfc2543", "mixed", "198.18.0.1", "2001:2::2",
	};
	char cmd[600], out[8192];
	FILE *fp;
	size_t n, i;

	snprintf(cmd, sizeof(cmd), "'%s' --help", gen_path());
	fp = popen(cmd, "r");
	cr_assert_not_null(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	cr_expect_eq(pclose(fp), 0, "--help exits 0");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		cr_expect_not_null(strstr(out, opts[i]), "--help mentions %s", opts[i]);
	cr_expect_eq(run_gen("--calls 1"), 2, "no -o");
	cr_expect_eq(run_gen("-o /dev/null --scenario nope"), 2);
	cr_expect_eq(run_gen("-o /dev/null --vlan 4096"), 2);
	cr_expect_eq(run_gen("-o /dev/null --src-ip 2001:2::1"), 2, "IPv6 address without -6");
	cr_expect_eq(run_gen("-o /dev/null --src-mac 02:00:00"), 2);
	cr_expect_eq(run_gen("-o /dev/null --bogus"), 2);
}
