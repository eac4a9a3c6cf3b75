/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libre: sip_msg_decode over an mbuf, then mem_deref. The mbuf holding the bytes
 * is allocated once per message and rewound, which is cheaper for libre than the
 * per-datagram mbuf its own receive path allocates.
 */
/* re.h expects the C library headers it uses to be included first. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <re.h>

#include "peers.h"

static struct mbuf *mb;

static int
re_init(void)
{
	if (libre_init() != 0)
		return -1;
	mb = mbuf_alloc(65536);
	return mb == NULL ? -1 : 0;
}

static int
re_parse(const char *buf, size_t len)
{
	struct sip_msg *msg = NULL;
	int rc;

	mbuf_rewind(mb);
	if (mbuf_write_mem(mb, (const uint8_t *)buf, len) != 0)
		return -1;
	mb->pos = 0;
	rc = sip_msg_decode(&msg, mb);
	if (rc == 0 && (msg == NULL || msg->callid.l == 0 || msg->cseq.num == 0))
		rc = -1;
	mem_deref(msg);
	return rc;
}

static void
re_fini(void)
{
	mem_deref(mb);
	libre_close();
}

const struct peer peer_re = { "libre", re_init, re_parse, re_fini };
