/* SPDX-License-Identifier: BSD-3-Clause */
/* sofia-sip: msg_make with the default SIP mclass (a full parse), msg_destroy. */
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_parser.h>

#include "peers.h"

static int
sofia_init(void)
{
	return 0;
}

static int
sofia_parse(const char *buf, size_t len)
{
	msg_t *m = msg_make(sip_default_mclass(), 0, buf, (isize_t)len);
	sip_t *sip;
	int rc = -1;

	if (m == NULL)
		return -1;
	sip = sip_object(m);
	if (sip != NULL && sip->sip_call_id != NULL && sip->sip_cseq != NULL &&
	    sip->sip_via != NULL && sip->sip_error == NULL)
		rc = 0;
	msg_destroy(m);
	return rc;
}

static void
sofia_fini(void)
{
}

const struct peer peer_sofia = { "sofia-sip", sofia_init, sofia_parse, sofia_fini };
