/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer parsers for the benchmark, one translation unit each: sofia-sip and libre
 * both define sip_request and other names, so they cannot share one.
 * parse returns 0 when the peer parsed the whole message with its normal API
 * (and freed what that API allocated), non-zero otherwise.
 */
#ifndef BENCH_PEERS_H
#define BENCH_PEERS_H

#include <stddef.h>

struct peer {
	const char *name;
	int (*init)(void);
	int (*parse)(const char *buf, size_t len);
	void (*fini)(void);
};

extern const struct peer peer_osip;
extern const struct peer peer_sofia;
extern const struct peer peer_re;

#endif /* BENCH_PEERS_H */
