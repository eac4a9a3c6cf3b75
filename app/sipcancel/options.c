/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application options: the command line after EAL's "--", and the same keys in an
 * INI file (rte_cfgfile, section [sipcancel]) given with --config. The command line
 * overrides the file; a repeatable option given on the command line replaces the
 * file's list rather than adding to it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "sc_app.h"

#define SC_CFG_SECTION "sipcancel"
#define SC_SIP_DEFAULT_PORT 5060	/* RFC 3261 section 18.1.1 */

/* X-macro of options: name, has_arg, help text (defaults are printed separately). */
#define SC_APP_OPTIONS(X) \
	X("role", 1, "uas|proxy (proxy: transaction-stateful for INVITE/CANCEL, " \
	  "stateless for the rest; needs --next-hop or --route)") \
	X("next-hop", 1, "ADDR[:PORT] or [V6]:PORT: proxy next hop for every request " \
	  "no --route matches (resolved with ARP/ND; through --gateway when off-link)") \
	X("route", 1, "host:NAME=HOP or user:PREFIX=HOP: proxy route on the " \
	  "Request-URI host (exact) or user (longest prefix); repeatable") \
	X("gateway", 1, "ADDR: proxy: the router for addresses outside every " \
	  "--local-ip prefix of its family (one IPv4, one IPv6; on-link itself)") \
	X("timer-c", 1, "MS: proxy Timer C (RFC 3261 16.6 item 11), > 180000") \
	X("neigh-reachable", 1, "MS: proxy: a neighbour's MAC is trusted this long " \
	  "after a packet or ARP/ND answer from it; used later, it is probed with " \
	  "unicast ARP/NS and forgotten when 3 probes go unanswered") \
	X("cancel-same-source", 0, "proxy hardening: accept a CANCEL only from the " \
	  "source address/port of its INVITE (refused ones are counted)") \
	X("local-ip", 1, "ADDR[/LEN]: an address this element answers for (IPv4 or " \
	  "IPv6; repeatable; ARP/ND and SIP); LEN: its on-link prefix, for --gateway " \
	  "(without: the address alone)") \
	X("sip-port", 1, "N: UDP port carrying SIP (repeatable)") \
	X("capacity", 1, "N: pending transactions kept (records)") \
	X("t1", 1, "MS: RFC 3261 T1, RTT estimate (17.1.1.1)") \
	X("t2", 1, "MS: RFC 3261 T2, retransmit cap (17.1.2.2)") \
	X("t4", 1, "MS: RFC 3261 T4, message lifetime (17.1.2.2)") \
	X("ring-delay", 1, "MS: 180 Ringing this long after the 100") \
	X("final-delay", 1, "MS: final response this long after the INVITE") \
	X("final-code", 1, "N: final response code (200-699), 0 = none: ring until " \
	  "CANCEL") \
	X("retry-after", 1, "S: Retry-After of the 503 sent when the table is full") \
	X("stats-period", 1, "S: one console line of rates every S seconds, 0 = off") \
	X("stats-file", 1, "FILE: JSON counters written at exit") \
	X("exit-idle", 1, "MS: exit after this long without a received packet, 0 = " \
	  "never") \
	X("config", 1, "FILE: INI file, section [sipcancel], same keys as these " \
	  "options; the command line overrides it") \
	X("mac", 1, "XX:XX:XX:XX:XX:XX: source MAC instead of the port's") \
	X("rx-desc", 1, "N: RX descriptors per queue") \
	X("tx-desc", 1, "N: TX descriptors per queue") \
	X("pcap-pace", 0, "replay at capture speed: a packet with an RX timestamp " \
	  "(net_pcap) is handled no earlier than its offset from the first one") \
	X("no-offload", 0, "software checksums even when the port offloads them") \
	X("help", 0, "this text")

void
sc_app_cfg_defaults(struct sc_app_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->role = SC_APP_ROLE_UAS;
	cfg->n_sip_ports = 1;
	cfg->sip_ports[0] = SC_SIP_DEFAULT_PORT;
	cfg->capacity = 65536;
	cfg->t1_ms = 500;
	cfg->t2_ms = 4000;
	cfg->t4_ms = 5000;
	cfg->ring_delay_ms = 0;
	cfg->final_delay_ms = 0;
	cfg->final_code = 0;
	cfg->retry_after_s = 5;
	cfg->stats_period_s = 0;
	cfg->exit_idle_ms = 0;
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->timer_c_ms = 181000;
	cfg->neigh_reachable_ms = 30000;	/* RFC 4861 REACHABLE_TIME */
}

/* The default of one option as --help shows it. */
static void
default_text(const struct sc_app_cfg *d, const char *name, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (strcmp(name, "role") == 0)
		snprintf(buf, cap, "uas");
	else if (strcmp(name, "local-ip") == 0)
		snprintf(buf, cap, "none; at least one is required");
	else if (strcmp(name, "sip-port") == 0)
		snprintf(buf, cap, "%u", d->sip_ports[0]);
	else if (strcmp(name, "capacity") == 0)
		snprintf(buf, cap, "%u", d->capacity);
	else if (strcmp(name, "t1") == 0)
		snprintf(buf, cap, "%u", d->t1_ms);
	else if (strcmp(name, "t2") == 0)
		snprintf(buf, cap, "%u", d->t2_ms);
	else if (strcmp(name, "t4") == 0)
		snprintf(buf, cap, "%u", d->t4_ms);
	else if (strcmp(name, "ring-delay") == 0)
		snprintf(buf, cap, "%u", d->ring_delay_ms);
	else if (strcmp(name, "final-delay") == 0)
		snprintf(buf, cap, "%u", d->final_delay_ms);
	else if (strcmp(name, "final-code") == 0)
		snprintf(buf, cap, "none");
	else if (strcmp(name, "retry-after") == 0)
		snprintf(buf, cap, "%u", d->retry_after_s);
	else if (strcmp(name, "stats-period") == 0)
		snprintf(buf, cap, "%u (off)", d->stats_period_s);
	else if (strcmp(name, "stats-file") == 0)
		snprintf(buf, cap, "none");
	else if (strcmp(name, "exit-idle") == 0)
		snprintf(buf, cap, "%u (never)", d->exit_idle_ms);
	else if (strcmp(name, "config") == 0)
		snprintf(buf, cap, "none");
	else if (strcmp(name, "mac") == 0)
		snprintf(buf, cap, "the port's MAC");
	else if (strcmp(name, "rx-desc") == 0)
		snprintf(buf, cap, "%u", d->rx_desc);
	else if (strcmp(name, "tx-desc") == 0)
		snprintf(buf, cap, "%u", d->tx_desc);
	else if (strcmp(name, "next-hop") == 0 || strcmp(name, "route") == 0)
		snprintf(buf, cap, "none");
	else if (strcmp(name, "gateway") == 0)
		snprintf(buf, cap, "none: every address on-link");
	else if (strcmp(name, "timer-c") == 0)
		snprintf(buf, cap, "%u", d->timer_c_ms);
	else if (strcmp(name, "neigh-reachable") == 0)
		snprintf(buf, cap, "%u", d->neigh_reachable_ms);
	else if (strcmp(name, "pcap-pace") == 0 || strcmp(name, "no-offload") == 0 ||
		 strcmp(name, "cancel-same-source") == 0)
		snprintf(buf, cap, "off");
}

#define USAGE_COLS 79
#define USAGE_INDENT 19

/* One option: name, then its help text and default wrapped at USAGE_COLS. */
static void
print_wrapped(const char *name, const char *help, const char *def)
{
	char text[512];
	const char *p = text;
	int col;

	if (def[0] != '\0')
		snprintf(text, sizeof(text), "%s (default: %s)", help, def);
	else
		snprintf(text, sizeof(text), "%s", help);
	col = printf("  --%-14s ", name);
	while (*p != '\0') {
		const char *sp = p;
		const char *brk = NULL;

		/* Longest run of words that fits in the line. */
		while (*sp != '\0' && col + (sp - p) <= USAGE_COLS) {
			if (*sp == ' ')
				brk = sp;
			sp++;
		}
		if (*sp == '\0' && col + (sp - p) <= USAGE_COLS + 1)
			brk = sp;
		if (brk == NULL || brk == p)
			brk = sp;
		printf("%.*s\n", (int)(brk - p), p);
		p = brk;
		while (*p == ' ')
			p++;
		if (*p != '\0')
			col = printf("%*s", USAGE_INDENT, "");
	}
}

void
sc_app_usage(const char *prog)
{
	struct sc_app_cfg d;
	char def[64];

	sc_app_cfg_defaults(&d);
	printf("Usage: %s [EAL options] -- [options]\n\n"
	       "SIP CANCEL fast path (RFC 3261 section 9). Every port found by EAL is\n"
	       "used; each worker lcore polls one RX/TX queue pair on every port.\n\n"
	       "Options:\n", prog);
#define SC_X_USAGE(name, arg, help) \
	default_text(&d, name, def, sizeof(def)); \
	print_wrapped(name, help, def);
	SC_APP_OPTIONS(SC_X_USAGE)
#undef SC_X_USAGE
	printf("\nConfig file: INI, section [sipcancel], keys are the option names "
	       "without\n\"--\" (local-ip, sip-port and gateway take lists: \"5060, 5080\").\n"
	       "Telemetry (dpdk-telemetry.py): /sipcancel/stats, /sipcancel/lcore,<id>.\n"
	       "Exit codes: 0 clean stop, 1 run-time failure, 2 bad option or "
	       "unsupported\nsetting.\n");
}

static int
parse_u32(const char *name, const char *val, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (val == NULL || *val < '0' || *val > '9')
		goto bad;
	v = strtoull(val, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	fprintf(stderr, "sipcancel: --%s: '%s' is not an integer in [%u, %u]\n",
		name, val == NULL ? "" : val, lo, hi);
	return -EINVAL;
}

/* One host's address: 0.0.0.0, 127.0.0.1, 224.0.0.1, ::, ff02::1 name no host. */
static bool
ip_is_host(const struct sc_app_ip *ip)
{
	union sc_net_ip a;

	memcpy(&a, ip->addr, sizeof(a));
	return sc_net_ip_is_host(ip->family == AF_INET ? 4 : 6, &a);
}

/*
 * A unicast host address for option name; with prefix non-NULL, "ADDR[/LEN]" and
 * *prefix the LEN (default: the whole address).
 */
static int
parse_ip(const char *name, const char *val, struct sc_app_ip *ip, uint8_t *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = val == NULL ? NULL : strchr(val, '/');

	memset(ip, 0, sizeof(*ip));
	if (val == NULL || strlen(val) >= sizeof(buf) || (slash != NULL && prefix == NULL))
		goto bad;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash == NULL ? strlen(val) :
						 (size_t)(slash - val)), val);
	if (inet_pton(AF_INET, buf, ip->addr) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ip->addr) == 1)
		ip->family = AF_INET6;
	else
		goto bad;
	if (prefix != NULL) {
		uint32_t max = ip->family == AF_INET ? 32 : 128, len = max;

		if (slash != NULL &&
		    parse_u32("local-ip prefix", slash + 1, 0, max, &len) != 0)
			return -EINVAL;
		*prefix = (uint8_t)len;
	}
	if (!ip_is_host(ip)) {
		fprintf(stderr, "sipcancel: --%s: '%s' is not a unicast host address "
			"(unspecified, loopback, multicast or broadcast)\n", name, val);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "sipcancel: --%s: '%s' is neither an IPv4 nor an IPv6 address%s\n",
		name, val == NULL ? "" : val, prefix != NULL ? " (ADDR or ADDR/LEN)" : "");
	return -EINVAL;
}

/*
 * A flag: bare on the command line (val NULL); in the file "key = 1|yes|true|on" or
 * "key = 0|no|false|off".
 */
static int
parse_flag(const char *name, const char *val, bool *out)
{
	if (val == NULL || strcmp(val, "1") == 0 || strcmp(val, "yes") == 0 ||
	    strcmp(val, "true") == 0 || strcmp(val, "on") == 0)
		*out = true;
	else if (strcmp(val, "0") == 0 || strcmp(val, "no") == 0 ||
		 strcmp(val, "false") == 0 || strcmp(val, "off") == 0)
		*out = false;
	else {
		fprintf(stderr, "sipcancel: %s: '%s' is not a boolean (1/0, yes/no, "
			"true/false, on/off)\n", name, val);
		return -EINVAL;
	}
	return 0;
}

/* What was given on the command line so far, to let it replace the file's lists. */
struct seen {
	bool local_ip;
	bool sip_port;
	bool route;
	bool gateway;
};

/* Apply one option; from_cli marks command-line values. */
static int
apply(struct sc_app_cfg *cfg, const char *name, const char *val, struct seen *seen)
{
	uint32_t v;
	int rc = 0;

	if (strcmp(name, "role") == 0) {
		if (val != NULL && strcmp(val, "uas") == 0)
			cfg->role = SC_APP_ROLE_UAS;
		else if (val != NULL && strcmp(val, "proxy") == 0)
			cfg->role = SC_APP_ROLE_PROXY;
		else {
			fprintf(stderr, "sipcancel: --role: '%s': expected uas or proxy\n",
				val == NULL ? "" : val);
			rc = -EINVAL;
		}
	} else if (strcmp(name, "local-ip") == 0) {
		if (seen != NULL && !seen->local_ip) {
			cfg->n_local_ips = 0;
			seen->local_ip = true;
		}
		if (cfg->n_local_ips == SC_APP_MAX_LOCAL_IPS) {
			fprintf(stderr, "sipcancel: --local-ip: at most %d addresses\n",
				SC_APP_MAX_LOCAL_IPS);
			return -EINVAL;
		}
		rc = parse_ip(name, val, &cfg->local_ips[cfg->n_local_ips],
			      &cfg->local_prefix[cfg->n_local_ips]);
		for (v = 0; rc == 0 && v < cfg->n_local_ips; v++)
			if (memcmp(&cfg->local_ips[v], &cfg->local_ips[cfg->n_local_ips],
				   sizeof(cfg->local_ips[v])) == 0) {
				fprintf(stderr, "sipcancel: --local-ip: %s given twice\n", val);
				rc = -EINVAL;
			}
		if (rc == 0)
			cfg->n_local_ips++;
	} else if (strcmp(name, "sip-port") == 0) {
		if (seen != NULL && !seen->sip_port) {
			cfg->n_sip_ports = 0;
			seen->sip_port = true;
		}
		if (cfg->n_sip_ports == SC_APP_MAX_SIP_PORTS) {
			fprintf(stderr, "sipcancel: --sip-port: at most %d ports\n",
				SC_APP_MAX_SIP_PORTS);
			return -EINVAL;
		}
		rc = parse_u32(name, val, 1, 65535, &v);
		for (unsigned i = 0; rc == 0 && i < cfg->n_sip_ports; i++)
			if (cfg->sip_ports[i] == v) {
				fprintf(stderr, "sipcancel: --sip-port: %u given twice\n", v);
				rc = -EINVAL;
			}
		if (rc == 0)
			cfg->sip_ports[cfg->n_sip_ports++] = (uint16_t)v;
	} else if (strcmp(name, "next-hop") == 0) {
		rc = sc_app_parse_hop(val, &cfg->next_hop);
		if (rc != 0)
			fprintf(stderr, "sipcancel: --next-hop: '%s': expected ADDR[:PORT] or "
				"[V6]:PORT\n", val == NULL ? "" : val);
		else if (!ip_is_host(&cfg->next_hop.ip)) {
			fprintf(stderr, "sipcancel: --next-hop: '%s' is not a unicast host "
				"address\n", val);
			rc = -EINVAL;
		}
		cfg->next_hop_set = rc == 0;
	} else if (strcmp(name, "gateway") == 0) {
		struct sc_app_ip gw;
		unsigned f;

		if (seen != NULL && !seen->gateway) {
			cfg->gateway_set[0] = cfg->gateway_set[1] = false;
			seen->gateway = true;
		}
		rc = parse_ip(name, val, &gw, NULL);
		if (rc != 0)
			return rc;
		f = gw.family == AF_INET6;
		if (cfg->gateway_set[f]) {
			fprintf(stderr, "sipcancel: --gateway: '%s': one %s gateway only\n", val,
				f ? "IPv6" : "IPv4");
			return -EINVAL;
		}
		cfg->gateway[f] = gw;
		cfg->gateway_set[f] = true;
	} else if (strcmp(name, "route") == 0) {
		if (seen != NULL && !seen->route) {
			cfg->n_routes = 0;
			seen->route = true;
		}
		if (cfg->n_routes == SC_APP_MAX_ROUTES) {
			fprintf(stderr, "sipcancel: --route: at most %d routes\n",
				SC_APP_MAX_ROUTES);
			return -EINVAL;
		}
		rc = sc_app_parse_route(val, &cfg->routes[cfg->n_routes]);
		if (rc != 0)
			fprintf(stderr, "sipcancel: --route: '%s': expected host:NAME=HOP or "
				"user:PREFIX=HOP\n", val == NULL ? "" : val);
		else if (!ip_is_host(&cfg->routes[cfg->n_routes].hop.ip)) {
			fprintf(stderr, "sipcancel: --route: '%s': the hop is not a unicast host "
				"address\n", val);
			rc = -EINVAL;
		} else
			cfg->n_routes++;
	} else if (strcmp(name, "timer-c") == 0) {
		/* 16.6 item 11: Timer C MUST be larger than 3 minutes. */
		rc = parse_u32(name, val, 180001, 86400000, &cfg->timer_c_ms);
	} else if (strcmp(name, "neigh-reachable") == 0) {
		rc = parse_u32(name, val, 100, 86400000, &cfg->neigh_reachable_ms);
	} else if (strcmp(name, "cancel-same-source") == 0) {
		rc = parse_flag(name, val, &cfg->cancel_same_source);
	} else if (strcmp(name, "capacity") == 0) {
		rc = parse_u32(name, val, 1, 1U << 26, &cfg->capacity);
	} else if (strcmp(name, "t1") == 0) {
		rc = parse_u32(name, val, 1, 60000, &cfg->t1_ms);
	} else if (strcmp(name, "t2") == 0) {
		rc = parse_u32(name, val, 1, 600000, &cfg->t2_ms);
	} else if (strcmp(name, "t4") == 0) {
		rc = parse_u32(name, val, 1, 600000, &cfg->t4_ms);
	} else if (strcmp(name, "ring-delay") == 0) {
		rc = parse_u32(name, val, 0, 3600000, &cfg->ring_delay_ms);
	} else if (strcmp(name, "final-delay") == 0) {
		rc = parse_u32(name, val, 0, 3600000, &cfg->final_delay_ms);
	} else if (strcmp(name, "final-code") == 0) {
		if (val != NULL && strcmp(val, "none") == 0) {
			cfg->final_code = 0;
		} else {
			rc = parse_u32(name, val, 0, 699, &v);
			/* A final response is 2xx-6xx (RFC 3261 section 7.2). */
			if (rc == 0 && v != 0 && v < 200) {
				fprintf(stderr, "sipcancel: --final-code: %u is not a final "
					"response (200-699, or 0/none)\n", v);
				rc = -EINVAL;
			}
			if (rc == 0)
				cfg->final_code = (uint16_t)v;
		}
	} else if (strcmp(name, "retry-after") == 0) {
		rc = parse_u32(name, val, 0, 86400, &cfg->retry_after_s);
	} else if (strcmp(name, "stats-period") == 0) {
		rc = parse_u32(name, val, 0, 86400, &cfg->stats_period_s);
	} else if (strcmp(name, "stats-file") == 0) {
		if (val == NULL || *val == '\0' || strlen(val) >= sizeof(cfg->stats_file)) {
			fprintf(stderr, "sipcancel: --stats-file: empty or too long path\n");
			return -EINVAL;
		}
		snprintf(cfg->stats_file, sizeof(cfg->stats_file), "%s", val);
	} else if (strcmp(name, "exit-idle") == 0) {
		rc = parse_u32(name, val, 0, 86400000, &cfg->exit_idle_ms);
	} else if (strcmp(name, "mac") == 0) {
		if (val == NULL || rte_ether_unformat_addr(val, &cfg->mac) != 0 ||
		    !rte_is_unicast_ether_addr(&cfg->mac) ||
		    rte_is_zero_ether_addr(&cfg->mac)) {
			fprintf(stderr, "sipcancel: --mac: '%s' is not a unicast MAC "
				"address\n", val == NULL ? "" : val);
			return -EINVAL;
		}
		cfg->mac_set = true;
	} else if (strcmp(name, "rx-desc") == 0 || strcmp(name, "tx-desc") == 0) {
		rc = parse_u32(name, val, 32, 16384, &v);
		if (rc == 0 && (v & (v - 1)) != 0) {
			fprintf(stderr, "sipcancel: --%s: %u is not a power of two\n", name, v);
			rc = -EINVAL;
		}
		if (rc == 0 && name[0] == 'r')
			cfg->rx_desc = (uint16_t)v;
		else if (rc == 0)
			cfg->tx_desc = (uint16_t)v;
	} else if (strcmp(name, "pcap-pace") == 0) {
		rc = parse_flag(name, val, &cfg->pcap_pace);
	} else if (strcmp(name, "no-offload") == 0) {
		rc = parse_flag(name, val, &cfg->no_offload);
	} else {
		fprintf(stderr, "sipcancel: unknown option '%s'\n", name);
		rc = -EINVAL;
	}
	return rc;
}

/* Apply a list value "a, b c" of a repeatable key one element at a time. */
static int
apply_list(struct sc_app_cfg *cfg, const char *name, const char *val)
{
	char buf[CFG_VALUE_LEN];
	char *save = NULL;
	char *tok;
	int rc;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		rc = apply(cfg, name, tok, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * What rte_cfgfile would pass over in silence: it skips a line without '=' (so
 * "final-code 486" or a bare "no-offload" would be lost), takes a directory for an
 * empty file, and merges a section given twice. Comments start with ';'.
 */
static int
config_prescan(const char *path)
{
	char line[CFG_NAME_LEN + CFG_VALUE_LEN + 16];
	unsigned lineno = 0, sections = 0;
	struct stat st;
	int rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "sipcancel: --config: '%s': %s\n", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "sipcancel: --config: '%s' is not a regular file\n", path);
		fclose(f);
		return -EINVAL;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *e;

		lineno++;
		e = strchr(p, ';');
		if (e != NULL)
			*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
				 e[-1] == '\t'))
			*--e = '\0';
		if (*p == '\0')
			continue;
		if (*p == '[') {
			if (++sections > 1) {
				fprintf(stderr, "sipcancel: --config: '%s' line %u: a second "
					"section; put every key in one [" SC_CFG_SECTION "]\n",
					path, lineno);
				rc = -EINVAL;
			}
		} else if (strchr(p, '=') == NULL) {
			fprintf(stderr, "sipcancel: --config: '%s' line %u: '%s': expected "
				"key = value (a flag is 'key = 1'; comments start with ';')\n",
				path, lineno, p);
			rc = -EINVAL;
		}
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "sipcancel: --config: '%s': read error\n", path);
		rc = -EINVAL;
	}
	fclose(f);
	return rc;
}

static int
load_config(struct sc_app_cfg *cfg, const char *path)
{
	struct rte_cfgfile *f;
	struct rte_cfgfile_entry *e = NULL;
	int n, i, rc = 0;
	bool port_reset = false;

	rc = config_prescan(path);
	if (rc < 0)
		return rc;
	f = rte_cfgfile_load(path, 0);
	if (f == NULL) {
		fprintf(stderr, "sipcancel: --config: cannot load INI file '%s'\n", path);
		return -EINVAL;
	}
	n = rte_cfgfile_num_sections(f, NULL, 0);
	if (n > 1 || (n == 1 && !rte_cfgfile_has_section(f, SC_CFG_SECTION))) {
		fprintf(stderr, "sipcancel: --config: '%s': only a [" SC_CFG_SECTION
			"] section is understood\n", path);
		rc = -EINVAL;
		goto out;
	}
	if (n == 0)
		goto out;
	n = rte_cfgfile_section_num_entries(f, SC_CFG_SECTION);
	if (n <= 0)
		goto out;
	e = calloc((size_t)n, sizeof(*e));
	if (e == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = rte_cfgfile_section_entries(f, SC_CFG_SECTION, e, n);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(e[i].name, "config") == 0 || strcmp(e[i].name, "help") == 0) {
			fprintf(stderr, "sipcancel: --config: key '%s' not allowed in a "
				"file\n", e[i].name);
			rc = -EINVAL;
		} else if (strcmp(e[i].name, "local-ip") == 0 ||
			   strcmp(e[i].name, "sip-port") == 0 ||
			   strcmp(e[i].name, "gateway") == 0) {
			/* The file's ports replace the built-in default port. */
			if (strcmp(e[i].name, "sip-port") == 0 && !port_reset) {
				cfg->n_sip_ports = 0;
				port_reset = true;
			}
			rc = apply_list(cfg, e[i].name, e[i].value);
		} else {
			rc = apply(cfg, e[i].name, e[i].value, NULL);
		}
		if (rc < 0)
			fprintf(stderr, "sipcancel: --config: in '%s'\n", path);
	}
out:
	free(e);
	rte_cfgfile_close(f);
	return rc;
}

/* Whether path can be written at exit: the file, or else its directory. */
static bool
path_writable(const char *path)
{
	char dir[PATH_MAX];
	const char *slash;

	if (access(path, F_OK) == 0)
		return access(path, W_OK) == 0;
	slash = strrchr(path, '/');
	if (slash == NULL)
		return access(".", W_OK | X_OK) == 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	return access(dir, W_OK | X_OK) == 0;
}

/* A gateway must be reachable without one: on-link, and not ourselves. */
static int
check_gateways(const struct sc_app_cfg *cfg)
{
	char txt[INET6_ADDRSTRLEN];
	unsigned f, i;

	for (f = 0; f < 2; f++) {
		const struct sc_app_ip *gw = &cfg->gateway[f];

		if (!cfg->gateway_set[f])
			continue;
		inet_ntop(gw->family, gw->addr, txt, sizeof(txt));
		for (i = 0; i < cfg->n_local_ips; i++)
			if (memcmp(&cfg->local_ips[i], gw, sizeof(*gw)) == 0) {
				fprintf(stderr, "sipcancel: --gateway %s is a --local-ip\n", txt);
				return -EINVAL;
			}
		if (!sc_app_onlink(cfg, gw->family, gw->addr)) {
			fprintf(stderr, "sipcancel: --gateway %s is not on-link: no --local-ip "
				"ADDR/LEN of its family holds it\n", txt);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * getopt_long takes any unambiguous prefix of a long option, and a prefix of
 * several options is ambiguous only when their entries differ: each gets its own
 * val, so that "--final" (final-code, final-delay) is an error, not final-code.
 */
#define OPT_VAL_BASE 256

int
sc_app_parse_args(struct sc_app_cfg *cfg, int argc, char **argv)
{
	static const struct { const char *name; int has_arg; } opts[] = {
#define SC_X_LONG(name, arg, help) { name, arg },
		SC_APP_OPTIONS(SC_X_LONG)
#undef SC_X_LONG
	};
	struct option longopts[RTE_DIM(opts) + 1];
	struct seen seen = { false, false, false, false };
	const char *name;
	unsigned k;
	int c, rc;

	for (k = 0; k < RTE_DIM(opts); k++)
		longopts[k] = (struct option){ opts[k].name, opts[k].has_arg ?
					       required_argument : no_argument, NULL,
					       OPT_VAL_BASE + (int)k };
	longopts[k] = (struct option){ NULL, 0, NULL, 0 };
	sc_app_cfg_defaults(cfg);

	/* Pass 1: --help and --config, and reject anything getopt does not know. */
	opterr = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c < OPT_VAL_BASE)
			return -EINVAL;
		name = longopts[c - OPT_VAL_BASE].name;
		/* "--stats-file --pcap-pace": the value is missing, not "--pcap-pace". */
		if (optarg != NULL && strncmp(optarg, "--", 2) == 0) {
			fprintf(stderr, "sipcancel: --%s: missing value (next is the option "
				"'%s')\n", name, optarg);
			return -EINVAL;
		}
		if (strcmp(name, "help") == 0)
			return 1;
		if (strcmp(name, "config") == 0) {
			if (strlen(optarg) >= sizeof(cfg->config_file)) {
				fprintf(stderr, "sipcancel: --config: path too long\n");
				return -EINVAL;
			}
			snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", optarg);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sipcancel: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->config_file[0] != '\0') {
		rc = load_config(cfg, cfg->config_file);
		if (rc < 0)
			return rc;
	}

	/* Pass 2: the command line on top of the file. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		name = longopts[c - OPT_VAL_BASE].name;
		if (strcmp(name, "config") == 0)
			continue;
		rc = apply(cfg, name, optarg, &seen);
		if (rc < 0)
			return rc;
	}
	if (cfg->role == SC_APP_ROLE_PROXY && !cfg->next_hop_set && cfg->n_routes == 0) {
		fprintf(stderr, "sipcancel: --role proxy needs --next-hop or --route\n");
		return -EINVAL;
	}
	if (cfg->n_local_ips == 0) {
		fprintf(stderr, "sipcancel: at least one --local-ip is needed (the addresses "
			"ARP/ND and SIP are answered for)\n");
		return -EINVAL;
	}
	if (cfg->n_sip_ports == 0) {
		fprintf(stderr, "sipcancel: at least one --sip-port is needed\n");
		return -EINVAL;
	}
	if (check_gateways(cfg) != 0)
		return -EINVAL;
	if (cfg->stats_file[0] != '\0' && !path_writable(cfg->stats_file)) {
		fprintf(stderr, "sipcancel: --stats-file %s: cannot be written: %s\n",
			cfg->stats_file, strerror(errno));
		return -EINVAL;
	}
	if (cfg->t2_ms < cfg->t1_ms) {
		fprintf(stderr, "sipcancel: --t2 (%u) must not be below --t1 (%u) "
			"(RFC 3261 17.1.2.2 caps retransmits at T2)\n", cfg->t2_ms, cfg->t1_ms);
		return -EINVAL;
	}
	return 0;
}
