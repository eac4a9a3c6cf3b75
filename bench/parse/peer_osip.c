/* SPDX-License-Identifier: BSD-3-Clause */
/* libosip2: osip_message_parse into a fresh osip_message_t, then free it. */
#include <osipparser2/osip_parser.h>

#include "peers.h"

static int
osip_init(void)
{
	return parser_init();
}

static int
osip_parse(const char *buf, size_t len)
{
	osip_message_t *m;
	int rc;

	if (osip_message_init(&m) != 0)
		return -1;
	rc = osip_message_parse(m, buf, len);
	if (rc == 0 && (m->call_id == NULL || m->cseq == NULL))
		rc = -1;
	osip_message_free(m);
	return rc;
}

static void
osip_fini(void)
{
}

const struct peer peer_osip = { "libosip2", osip_init, osip_parse, osip_fini };
