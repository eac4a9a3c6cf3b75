/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipcancel's options (app/sipcancel/options.c) and the proxy's hop and route
 * syntax (proxy.c), without EAL: the bounds at both ends, the refusals, the
 * defaults, and the command line replacing the config file's lists.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>

#include "sc_app.h"

int sc_app_logtype;	/* sipcancel_core's user defines it (main.c, bench_pipeline) */

#define MAX_ARGS 64

/*
 * sc_app_parse_args() on "sipcancel", then "--local-ip 198.18.0.2" if with_local_ip,
 * then the NULL-terminated arguments.
 */
static int
parse_v(struct sc_app_cfg *cfg, bool with_local_ip, va_list ap)
{
	char *argv[MAX_ARGS + 4];
	int argc = 0;
	const char *a;

	argv[argc++] = (char *)"sipcancel";
	if (with_local_ip) {
		argv[argc++] = (char *)"--local-ip";
		argv[argc++] = (char *)"198.18.0.2";
	}
	while ((a = va_arg(ap, const char *)) != NULL) {
		cr_assert_lt(argc, MAX_ARGS);
		argv[argc++] = (char *)a;
	}
	argv[argc] = NULL;
	return sc_app_parse_args(cfg, argc, argv);
}

static int
parse(struct sc_app_cfg *cfg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = parse_v(cfg, false, ap);
	va_end(ap);
	return rc;
}

/* Parses with --local-ip 198.18.0.2 in front: 0 or the error. */
static int
parse_ok(struct sc_app_cfg *cfg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = parse_v(cfg, true, ap);
	va_end(ap);
	return rc;
}

/* The test's INI file (one per test process; ini_rm() removes it): its path. */
static char ini_path[64];

static const char *
ini(const char *text)
{
	FILE *f;

	snprintf(ini_path, sizeof(ini_path), "/tmp/sc_test_options_%d.ini", (int)getpid());
	f = fopen(ini_path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fputs(text, f) >= 0, true);
	cr_assert_eq(fclose(f), 0);
	return ini_path;
}

static void
ini_rm(void)
{
	if (ini_path[0] != '\0')
		unlink(ini_path);
}

/* A value at each end of its range is taken; one past either end is refused. */
struct bound {
	const char *opt;
	const char *lo_bad, *lo, *hi, *hi_bad;
};

static const struct bound bounds[] = {
	{ "--capacity", "0", "1", "67108864", "67108865" },
	{ "--t1", "0", "1", "60000", "60001" },
	{ "--t4", "0", "1", "600000", "600001" },
	{ "--ring-delay", NULL, "0", "3600000", "3600001" },
	{ "--final-delay", NULL, "0", "3600000", "3600001" },
	{ "--final-code", "199", "200", "699", "700" },
	{ "--retry-after", NULL, "0", "86400", "86401" },
	{ "--stats-period", NULL, "0", "86400", "86401" },
	{ "--exit-idle", NULL, "0", "86400000", "86400001" },
	{ "--neigh-reachable", "99", "100", "86400000", "86400001" },
	{ "--sip-port", "0", "1", "65535", "65536" },
	{ "--rx-desc", "16", "32", "16384", "32768" },
	{ "--tx-desc", "16", "32", "16384", "32768" },
};

/* One option's value, with --t2 at its top (--t1 60000 is then not above it). */
static int
bound_rc(const char *opt, const char *val)
{
	struct sc_app_cfg cfg;

	return parse_ok(&cfg, "--t2", "600000", opt, val, NULL);
}

Test(options, bounds_at_both_ends)
{
	struct sc_app_cfg cfg;
	unsigned i;

	for (i = 0; i < RTE_DIM(bounds); i++) {
		const struct bound *b = &bounds[i];

		if (b->lo_bad != NULL)
			cr_expect_eq(bound_rc(b->opt, b->lo_bad), -EINVAL, "%s %s taken", b->opt,
				     b->lo_bad);
		cr_expect_eq(bound_rc(b->opt, b->lo), 0, "%s %s refused", b->opt, b->lo);
		cr_expect_eq(bound_rc(b->opt, b->hi), 0, "%s %s refused", b->opt, b->hi);
		cr_expect_eq(bound_rc(b->opt, b->hi_bad), -EINVAL, "%s %s taken", b->opt,
			     b->hi_bad);
	}
	/* t2 up to 600000, and not below t1. */
	cr_expect_eq(parse_ok(&cfg, "--t2", "600000", NULL), 0);
	cr_expect_eq(parse_ok(&cfg, "--t2", "600001", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--proxy-unknown", NULL), -EINVAL);
}

Test(options, values_land_where_they_belong)
{
	struct sc_app_cfg cfg;

	cr_assert_eq(parse_ok(&cfg, "--rx-desc", "64", "--tx-desc", "256", "--capacity",
			      "67108864", "--final-code", "486", "--retry-after", "86400", NULL),
		     0);
	cr_expect_eq(cfg.rx_desc, 64);
	cr_expect_eq(cfg.tx_desc, 256);
	cr_expect_eq(cfg.capacity, 67108864u);
	cr_expect_eq(cfg.final_code, 486);
	cr_expect_eq(cfg.retry_after_s, 86400u);
	cr_assert_eq(parse_ok(&cfg, "--final-code", "none", NULL), 0);
	cr_expect_eq(cfg.final_code, 0);
}

/* Descriptor rings are powers of two; a final response is 2xx-6xx or none (0). */
Test(options, refusals_inside_the_range)
{
	struct sc_app_cfg cfg;

	cr_expect_eq(parse_ok(&cfg, "--rx-desc", "48", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--tx-desc", "1000", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--final-code", "100", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--final-code", "0", NULL), 0);
	cr_expect_eq(parse_ok(&cfg, "--mac", "00:00:00:00:00:00", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--mac", "02:00:00:00:00:01", NULL), 0);
	cr_expect(cfg.mac_set);
	cr_expect_eq(parse_ok(&cfg, "--stats-file", "", NULL), -EINVAL);
	/* Refused before the run, not found unwritable at its end. */
	cr_expect_eq(parse_ok(&cfg, "--stats-file", "/nonexistent-dir/s.json", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--stats-file", "/tmp/sc-test-options-stats.json", NULL),
		     0);
	cr_expect_eq(parse_ok(&cfg, "--capacity", "+5", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--capacity", "5 ", NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--t1", "18446744073709551617", NULL), -EINVAL);
}

/* RFC 3261 17.1.2.2: T2 is the cap of T1's doubling; equal is allowed. */
Test(options, t2_equal_to_t1_is_taken)
{
	struct sc_app_cfg cfg;

	cr_expect_eq(parse_ok(&cfg, "--t1", "500", "--t2", "500", NULL), 0);
	cr_expect_eq(parse_ok(&cfg, "--t1", "501", "--t2", "500", NULL), -EINVAL);
}

Test(options, defaults)
{
	struct sc_app_cfg cfg;

	cr_assert_eq(parse_ok(&cfg, NULL), 0);
	cr_expect_eq(cfg.role, SC_APP_ROLE_UAS);
	cr_expect_eq(cfg.n_local_ips, 1);
	cr_expect_eq(cfg.n_sip_ports, 1);
	cr_expect_eq(cfg.sip_ports[0], 5060);
	cr_expect_eq(cfg.capacity, 65536u);
	cr_expect_eq(cfg.t1_ms, 500u);
	cr_expect_eq(cfg.t2_ms, 4000u);
	cr_expect_eq(cfg.t4_ms, 5000u);
	cr_expect_eq(cfg.ring_delay_ms, 0u);
	cr_expect_eq(cfg.final_delay_ms, 0u);
	cr_expect_eq(cfg.final_code, 0);
	cr_expect_eq(cfg.retry_after_s, 5u);
	cr_expect_eq(cfg.stats_period_s, 0u);
	cr_expect_eq(cfg.exit_idle_ms, 0u);
	cr_expect_eq(cfg.rx_desc, 1024);
	cr_expect_eq(cfg.tx_desc, 1024);
	/* RFC 3261 16.6 item 11: Timer C MUST be larger than 3 minutes. */
	cr_expect_eq(cfg.timer_c_ms, 181000u);
	/* RFC 4861 section 10: REACHABLE_TIME 30 s. */
	cr_expect_eq(cfg.neigh_reachable_ms, 30000u);
	cr_expect(!cfg.pcap_pace);
	cr_expect(!cfg.no_offload);
	cr_expect(!cfg.cancel_same_source);
	cr_expect(!cfg.mac_set);
	cr_expect(!cfg.next_hop_set);
	cr_expect_eq(cfg.n_routes, 0u);
	/* No prefix: the address alone; no gateway: every address on-link. */
	cr_expect_eq(cfg.local_prefix[0], 32);
	cr_expect(!cfg.gateway_set[0]);
	cr_expect(!cfg.gateway_set[1]);
	cr_expect_eq(cfg.stats_file[0], '\0');
}

#define LIST_ARGS_MAX (4 + 2 * (SC_APP_MAX_LOCAL_IPS + SC_APP_MAX_ROUTES + 1))

/*
 * The lead arguments, then opt with each of vals[0..max-1]: parses, and *count is
 * max; then opt once more with vals[max]: refused.
 */
static void
expect_list_limit(const char *const *lead, unsigned n_lead, const char *opt,
		  char (*vals)[64], unsigned max, const unsigned *count,
		  struct sc_app_cfg *cfg)
{
	char *argv[LIST_ARGS_MAX + 4];
	int argc = 0;
	unsigned i;

	cr_assert_leq(1 + n_lead + 2 * (max + 1), LIST_ARGS_MAX);
	argv[argc++] = (char *)"sipcancel";
	for (i = 0; i < n_lead; i++)
		argv[argc++] = (char *)lead[i];
	for (i = 0; i < max; i++) {
		argv[argc++] = (char *)opt;
		argv[argc++] = vals[i];
	}
	argv[argc] = NULL;
	cr_expect_eq(sc_app_parse_args(cfg, argc, argv), 0, "%u x %s refused", max, opt);
	cr_expect_eq(*count, max);
	argv[argc++] = (char *)opt;
	argv[argc++] = vals[max];
	argv[argc] = NULL;
	cr_expect_eq(sc_app_parse_args(cfg, argc, argv), -EINVAL, "%u x %s taken", max + 1,
		     opt);
}

/* Lists hold SC_APP_MAX_* entries and no more. */
Test(options, list_limits)
{
	static const char *const proxy[] = { "--local-ip", "198.18.0.2", "--role", "proxy" };
	static char ips[SC_APP_MAX_LOCAL_IPS + 1][64];
	static char routes[SC_APP_MAX_ROUTES + 1][64];
	struct sc_app_cfg cfg;
	int i;

	/* The one too many is IPv4: nothing else then refuses it by chance. */
	for (i = 0; i < SC_APP_MAX_LOCAL_IPS; i++)
		snprintf(ips[i], sizeof(ips[i]), "2001:2::%x", i + 1);
	snprintf(ips[i], sizeof(ips[i]), "198.18.0.%d", i + 1);
	for (i = 0; i <= SC_APP_MAX_ROUTES; i++)
		snprintf(routes[i], sizeof(routes[i]), "user:%d=198.18.0.3", 100 + i);

	expect_list_limit(NULL, 0, "--local-ip", ips, SC_APP_MAX_LOCAL_IPS, &cfg.n_local_ips,
			  &cfg);
	expect_list_limit(proxy, RTE_DIM(proxy), "--route", routes, SC_APP_MAX_ROUTES,
			  &cfg.n_routes, &cfg);

	cr_expect_eq(parse_ok(&cfg, "--sip-port", "5060", "--sip-port", "5061", "--sip-port",
			      "5062", "--sip-port", "5063", NULL), 0);
	cr_expect_eq(cfg.n_sip_ports, (unsigned)SC_APP_MAX_SIP_PORTS);
	cr_expect_eq(parse_ok(&cfg, "--sip-port", "5060", "--sip-port", "5061", "--sip-port",
			      "5062", "--sip-port", "5063", "--sip-port", "5064", NULL), -EINVAL);
}

/* A flag in the file: 1/yes/true/on and 0/no/false/off; anything else refused. */
Test(options, config_flag_words, .fini = ini_rm)
{
	static const char *const on[] = { "1", "yes", "true", "on" };
	static const char *const off[] = { "0", "no", "false", "off" };
	struct sc_app_cfg cfg;
	char text[128];
	unsigned i;

	for (i = 0; i < RTE_DIM(on); i++) {
		snprintf(text, sizeof(text), "[sipcancel]\nno-offload = %s\n", on[i]);
		cr_expect_eq(parse_ok(&cfg, "--config", ini(text), NULL), 0, "%s", on[i]);
		cr_expect(cfg.no_offload, "no-offload = %s", on[i]);
	}
	for (i = 0; i < RTE_DIM(off); i++) {
		snprintf(text, sizeof(text), "[sipcancel]\npcap-pace = %s\n", off[i]);
		cr_expect_eq(parse_ok(&cfg, "--pcap-pace", "--config", ini(text), NULL), 0);
		/* The command line overrides the file. */
		cr_expect(cfg.pcap_pace, "pcap-pace = %s, and --pcap-pace", off[i]);
		cr_expect_eq(parse_ok(&cfg, "--config", ini(text), NULL), 0);
		cr_expect(!cfg.pcap_pace, "pcap-pace = %s", off[i]);
	}
	cr_expect_eq(parse_ok(&cfg, "--config", ini("[sipcancel]\nno-offload = maybe\n"),
			      NULL), -EINVAL);
}

/* The command line replaces the file's list of a repeatable key, not adds to it. */
Test(options, command_line_replaces_file_lists, .fini = ini_rm)
{
	struct sc_app_cfg cfg;
	const char *f = ini("[sipcancel]\nlocal-ip = 198.18.0.9, 2001:2::9\n"
			    "sip-port = 5070, 5080\n");

	cr_assert_eq(parse(&cfg, "--config", f, NULL), 0);
	cr_expect_eq(cfg.n_local_ips, 2);
	cr_expect_eq(cfg.n_sip_ports, 2);
	cr_expect_eq(cfg.sip_ports[0], 5070);
	cr_expect_eq(cfg.sip_ports[1], 5080);

	cr_assert_eq(parse(&cfg, "--config", f, "--local-ip", "198.18.0.2", "--sip-port",
			   "5090", NULL), 0);
	cr_expect_eq(cfg.n_local_ips, 1);
	cr_expect_eq(cfg.local_ips[0].family, AF_INET);
	cr_expect_eq(memcmp(cfg.local_ips[0].addr, "\xc6\x12\x00\x02", 4), 0);
	cr_expect_eq(cfg.n_sip_ports, 1);
	cr_expect_eq(cfg.sip_ports[0], 5090);
	/* Repeated on the command line: a list of its own. */
	cr_assert_eq(parse(&cfg, "--config", f, "--sip-port", "5090", "--sip-port", "5091",
			   NULL), 0);
	cr_expect_eq(cfg.n_sip_ports, 2);
	cr_expect_eq(cfg.n_local_ips, 2);
}

Test(options, config_file_refusals, .fini = ini_rm)
{
	struct sc_app_cfg cfg;

	cr_expect_eq(parse_ok(&cfg, "--config", ini("[sipcancel]\nhelp = 1\n"), NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--config", ini("[sipcancel]\nconfig = /x.ini\n"), NULL),
		     -EINVAL);
	/* An empty port list leaves no port at all. */
	cr_expect_eq(parse_ok(&cfg, "--config", ini("[sipcancel]\nsip-port = ,\n"), NULL),
		     -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--config", ini("[sipcancel]\nt1 = 100\n[sipcancel]\nt4 = 100\n"),
			      NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--config", ini("[other]\nt1 = 100\n"), NULL), -EINVAL);
	cr_expect_eq(parse_ok(&cfg, "--config", ini("; nothing\n"), NULL), 0);
}

/* --local-ip ADDR/LEN: LEN 0..32 / 0..128, a decimal number and nothing else. */
Test(options, local_ip_prefix)
{
	static const char *const bad[] = {
		"198.18.0.1/33", "198.18.0.1/", "198.18.0.1/24x", "198.18.0.1/-1",
		"198.18.0.1/+8", "198.18.0.1/24/8", "2001:2::1/129", "/24", "198.18.0.0/24x",
	};
	struct sc_app_cfg cfg;
	unsigned i;

	cr_assert_eq(parse(&cfg, "--local-ip", "198.18.0.1/0", "--local-ip", "198.18.1.1/32",
			   "--local-ip", "2001:2::1/64", "--local-ip", "2001:3::1/128",
			   "--local-ip", "2001:4::1/0", "--local-ip", "2001:5::1", NULL), 0);
	cr_expect_eq(cfg.n_local_ips, 6);
	cr_expect_eq(cfg.local_prefix[0], 0);
	cr_expect_eq(cfg.local_prefix[1], 32);
	cr_expect_eq(cfg.local_prefix[2], 64);
	cr_expect_eq(cfg.local_prefix[3], 128);
	cr_expect_eq(cfg.local_prefix[4], 0);
	cr_expect_eq(cfg.local_prefix[5], 128);
	cr_expect_eq(memcmp(cfg.local_ips[0].addr, "\xc6\x12\x00\x01", 4), 0);
	for (i = 0; i < RTE_DIM(bad); i++)
		cr_expect_eq(parse(&cfg, "--local-ip", bad[i], NULL), -EINVAL, "%s taken",
			     bad[i]);
	/* The same address with another prefix is the same address. */
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--local-ip", "198.18.0.1/16",
			   NULL), -EINVAL);
	/* A prefix is no host address of its own: the address must still be one. */
	cr_expect_eq(parse(&cfg, "--local-ip", "224.0.0.1/24", NULL), -EINVAL);
}

/* --gateway: one per family, on-link by a --local-ip prefix (or IPv6 link-local). */
Test(options, gateway)
{
	struct sc_app_cfg cfg;

	cr_assert_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--local-ip", "2001:2::1/64",
			   "--gateway", "198.18.0.254", "--gateway", "2001:2::fe", NULL), 0);
	cr_expect(cfg.gateway_set[0]);
	cr_expect(cfg.gateway_set[1]);
	cr_expect_eq(cfg.gateway[0].family, AF_INET);
	cr_expect_eq(memcmp(cfg.gateway[0].addr, "\xc6\x12\x00\xfe", 4), 0);
	cr_expect_eq(cfg.gateway[1].family, AF_INET6);
	/* IPv6 link-local needs no prefix (RFC 4291 2.5.6); fec0:: is not link-local. */
	cr_expect_eq(parse(&cfg, "--local-ip", "2001:2::1", "--gateway", "fe80::1", NULL), 0);
	cr_expect(!cfg.gateway_set[0]);
	cr_expect(cfg.gateway_set[1]);
	cr_expect_eq(parse(&cfg, "--local-ip", "2001:2::1", "--gateway", "febf::1", NULL), 0);
	cr_expect_eq(parse(&cfg, "--local-ip", "2001:2::1", "--gateway", "fec0::1", NULL),
		     -EINVAL);
	/* Off-link, or no prefix given: refused. */
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1", "--gateway", "198.18.0.254", NULL),
		     -EINVAL);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--gateway", "198.18.1.254",
			   NULL), -EINVAL);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/23", "--gateway", "198.18.1.254",
			   NULL), 0);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/23", "--gateway", "198.18.2.1",
			   NULL), -EINVAL);
	/* On-link by a prefix of the other family: no. */
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1", "--local-ip", "2001:2::1/0",
			   "--gateway", "198.18.0.254", NULL), -EINVAL);
	/* Ourselves, two of a family, a prefix, a non-host address: refused. */
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--gateway", "198.18.0.1", NULL),
		     -EINVAL);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--gateway", "198.18.0.2",
			   "--gateway", "198.18.0.3", NULL), -EINVAL);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--gateway", "198.18.0.2/24",
			   NULL), -EINVAL);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/0", "--gateway", "224.0.0.1", NULL),
		     -EINVAL);
	cr_expect_eq(parse(&cfg, "--local-ip", "198.18.0.1/24", "--gateway", "router", NULL),
		     -EINVAL);
}

/* In the file, gateway is a list like local-ip; the command line replaces it. */
Test(options, gateway_in_config_file, .fini = ini_rm)
{
	struct sc_app_cfg cfg;
	const char *f = ini("[sipcancel]\nlocal-ip = 198.18.0.1/24, 2001:2::1/64\n"
			    "gateway = 198.18.0.254, 2001:2::fe\n");

	cr_assert_eq(parse(&cfg, "--config", f, NULL), 0);
	cr_expect_eq(cfg.local_prefix[0], 24);
	cr_expect_eq(cfg.local_prefix[1], 64);
	cr_expect(cfg.gateway_set[0] && cfg.gateway_set[1]);
	cr_assert_eq(parse(&cfg, "--config", f, "--gateway", "198.18.0.253", NULL), 0);
	cr_expect(cfg.gateway_set[0]);
	cr_expect(!cfg.gateway_set[1]);
	cr_expect_eq(cfg.gateway[0].addr[3], 253);
	cr_expect_eq(parse(&cfg, "--config",
			   ini("[sipcancel]\nlocal-ip = 198.18.0.1/24\n"
			       "gateway = 198.18.0.254, 198.18.0.253\n"), NULL), -EINVAL);
}

/* The prefix match behind the routing choice (proxy.c). */
Test(options, onlink)
{
	static const struct { int family; const char *addr; bool onlink; } cases[] = {
		{ AF_INET, "198.18.1.200", true },	/* inside /23 */
		{ AF_INET, "198.18.2.0", false },
		{ AF_INET, "198.19.5.4", true },	/* inside /31 */
		{ AF_INET, "198.19.5.6", false },
		{ AF_INET6, "2001:2:0:7::1", true },	/* inside /61 */
		{ AF_INET6, "2001:2:0:8::1", false },
		{ AF_INET6, "fe80::9", true },		/* link-local */
	};
	struct sc_app_cfg cfg;
	uint8_t a[16];
	unsigned i;

	cr_assert_eq(parse(&cfg, "--local-ip", "198.18.0.1/23", "--local-ip", "198.19.5.5/31",
			   "--local-ip", "2001:2::1/61", NULL), 0);
	for (i = 0; i < RTE_DIM(cases); i++) {
		cr_assert_eq(inet_pton(cases[i].family, cases[i].addr, a), 1);
		cr_expect_eq(sc_app_onlink(&cfg, cases[i].family, a), cases[i].onlink, "%s",
			     cases[i].addr);
	}
	/* An IPv4 address is never on-link by an IPv6 prefix, whatever its bytes. */
	memcpy(a, "\x20\x01\x00\x02", 4);
	cr_expect(!sc_app_onlink(&cfg, AF_INET, a));
	cr_expect(sc_app_prefix_holds((const uint8_t *)"\xff\xff", 0, (const uint8_t *)"\0\0"));
	cr_expect(sc_app_prefix_holds((const uint8_t *)"\xc6\x12\x00\x80", 25,
				      (const uint8_t *)"\xc6\x12\x00\xff"));
	cr_expect(!sc_app_prefix_holds((const uint8_t *)"\xc6\x12\x00\x80", 25,
				       (const uint8_t *)"\xc6\x12\x00\x7f"));
}

/* ---- proxy.c: --next-hop and --route syntax, route choice ---------------------------- */

Test(proxy_hop, ports_and_forms)
{
	static const struct {
		const char *text;
		int rc;
		uint16_t port;
		int family;
	} cases[] = {
		{ "198.18.0.3", 0, 5060, AF_INET },
		{ "198.18.0.3:65535", 0, 65535, AF_INET },
		{ "198.18.0.3:65536", -EINVAL, 0, 0 },
		{ "198.18.0.3:0", -EINVAL, 0, 0 },
		{ "198.18.0.3:", -EINVAL, 0, 0 },
		{ "198.18.0.3:50x", -EINVAL, 0, 0 },
		{ "[2001:2::3]:1", 0, 1, AF_INET6 },
		{ "2001:2::3", 0, 5060, AF_INET6 },
		{ "[2001:2::3]x", -EINVAL, 0, 0 },
		{ "[2001:2::3]:65536", -EINVAL, 0, 0 },
	};
	struct sc_app_hop h;
	unsigned i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		int rc = sc_app_parse_hop(cases[i].text, &h);

		cr_expect_eq(rc, cases[i].rc, "%s: %d", cases[i].text, rc);
		if (rc != 0 || cases[i].rc != 0)
			continue;
		cr_expect_eq(h.port, cases[i].port, "%s: port %u", cases[i].text, h.port);
		cr_expect_eq(h.ip.family, cases[i].family, "%s: family", cases[i].text);
	}
}

Test(proxy_hop, route_syntax)
{
	struct sc_app_route r;

	cr_assert_eq(sc_app_parse_route("host:example.com=198.18.0.3:5070", &r), 0);
	cr_expect_eq(r.kind, SC_APP_ROUTE_HOST);
	cr_expect_str_eq(r.match, "example.com");
	cr_expect_eq(r.hop.port, 5070);
	/* A host route names a host; a user route may match every user. */
	cr_expect_eq(sc_app_parse_route("host:=198.18.0.3", &r), -EINVAL);
	cr_assert_eq(sc_app_parse_route("user:=198.18.0.3", &r), 0);
	cr_expect_eq(r.kind, SC_APP_ROUTE_USER);
	cr_expect_str_eq(r.match, "");
	cr_expect_eq(sc_app_parse_route("dom:x=198.18.0.3", &r), -EINVAL);
	cr_expect_eq(sc_app_parse_route("user:1", &r), -EINVAL);
}

static const struct sc_app_hop *
lookup(const struct sc_app_cfg *cfg, const char *uri)
{
	static struct sc_sip_msg m;

	memset(&m, 0, sizeof(m));
	m.request_uri.p = uri;
	m.request_uri.len = (uint32_t)strlen(uri);
	return sc_app_route_lookup(cfg, &m);
}

Test(proxy_hop, route_choice)
{
	struct sc_app_cfg cfg;

	sc_app_cfg_defaults(&cfg);
	cr_expect_null(lookup(&cfg, "sip:1234@example.com"));
	cr_assert_eq(sc_app_parse_hop("198.18.0.9", &cfg.next_hop), 0);
	cfg.next_hop_set = true;
	cr_expect_eq(lookup(&cfg, "sip:1234@example.com"), &cfg.next_hop);

	/* Longest user prefix, in either order of the routes. */
	cr_assert_eq(sc_app_parse_route("user:12=198.18.0.3", &cfg.routes[0]), 0);
	cr_assert_eq(sc_app_parse_route("user:1234=198.18.0.4", &cfg.routes[1]), 0);
	cr_assert_eq(sc_app_parse_route("user:1=198.18.0.5", &cfg.routes[2]), 0);
	cfg.n_routes = 3;
	cr_expect_eq(lookup(&cfg, "sip:12345@example.com"), &cfg.routes[1].hop);
	cr_expect_eq(lookup(&cfg, "sip:1299@example.com"), &cfg.routes[0].hop);
	cr_expect_eq(lookup(&cfg, "sip:19@example.com"), &cfg.routes[2].hop);
	cr_expect_eq(lookup(&cfg, "sip:9@example.com"), &cfg.next_hop);
	/* An exact host (any case) wins over every prefix. */
	cr_assert_eq(sc_app_parse_route("host:Example.COM=198.18.0.6", &cfg.routes[3]), 0);
	cfg.n_routes = 4;
	cr_expect_eq(lookup(&cfg, "sip:12345@example.com;transport=udp"), &cfg.routes[3].hop);
	cr_expect_eq(lookup(&cfg, "sip:12345@example.com.x"), &cfg.routes[1].hop);
	cfg.next_hop_set = false;
	cr_expect_null(lookup(&cfg, "sip:9@example.org"));
}
