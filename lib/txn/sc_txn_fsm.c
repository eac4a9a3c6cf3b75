/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction state machines over one 32-bit state word, applied by CAS so any
 * core may drive a record it does not own (DESIGN.md, "Shared state").
 *
 * Server INVITE transaction, RFC 3261 17.2.1, plus the UAS facts of 9.2
 * (F = flags; "-" = unchanged; actions are SC_TXN_A_*):
 *
 * state       | event        | next        | actions
 * ------------+--------------+-------------+---------------------------------------
 * PROCEEDING  | RX_INVITE    | -           | RESEND_LAST if PROV_SENT, else ABSORB
 * PROCEEDING  | TX_1XX       | - +PROV_SENT| SEND
 * PROCEEDING  | TX_2XX       | TERMINATED  | SEND, DESTROY        (+FINAL_SENT)
 * PROCEEDING  | TX_FINAL     | COMPLETED   | SEND, ARM_GH         (+FINAL_SENT)
 * PROCEEDING  | RX_CANCEL    | COMPLETED   | CANCEL_200, SEND_487, ARM_GH
 *             |              |             |   (+CANCELLED +FINAL_SENT: 9.2, the 487
 *             |              |             |   is the final; a racing TX_* is refused)
 * PROCEEDING  | RX_ACK       | -           | ABSORB (no final sent yet: stray)
 * PROCEEDING  | TRANSPORT_ERR| TERMINATED  | DESTROY
 * COMPLETED   | RX_INVITE    | -           | RESEND_LAST (the final)
 * COMPLETED   | RX_CANCEL    | -           | CANCEL_200 (final already sent: no effect)
 * COMPLETED   | RX_ACK       | CONFIRMED   | ABSORB, ARM_I
 * COMPLETED   | TIMER_G      | -           | RESEND_LAST (owner re-arms G)
 * COMPLETED   | TIMER_H      | TERMINATED  | DESTROY (TU told: no ACK)
 * COMPLETED   | TRANSPORT_ERR| TERMINATED  | DESTROY
 * CONFIRMED   | RX_INVITE    | -           | ABSORB
 * CONFIRMED   | RX_ACK       | -           | ABSORB
 * CONFIRMED   | RX_CANCEL    | -           | CANCEL_200
 * CONFIRMED   | TIMER_I      | TERMINATED  | DESTROY
 * TERMINATED  | RX_CANCEL    | -           | CANCEL_200 (final sent, record not yet gone)
 * TERMINATED  | RX_INVITE/ACK| -           | ABSORB
 * any server  | TX_* refused | -           | REFUSE
 * any server  | other timers | -           | 0 (stale timer)
 *
 * Client INVITE transaction, 17.1.1, with the CANCEL rules of 9.1 and 16.10:
 *
 * CALLING     | RX_1XX       | C_PROCEEDING| FORWARD (+PROV_RCVD); if CANCEL_PENDING
 *             |              |             |   also SEND_CANCEL, ARM_CANCEL (-PENDING
 *             |              |             |   +CANCEL_SENT): 9.1 waits for a 1xx
 * CALLING     | RX_2XX       | TERMINATED  | FORWARD, DESTROY (-CANCEL_PENDING)
 * CALLING     | RX_FINAL     | C_COMPLETED | FORWARD, SEND_ACK, ARM_D (-CANCEL_PENDING:
 *             |              |             |   never CANCEL after a final, 9.1)
 * CALLING     | CANCEL_REQ   | - +PENDING  | 0 (held until a provisional, 9.1)
 * CALLING     | TIMER_A      | -           | RESEND_LAST (the INVITE)
 * CALLING     | TIMER_B      | TERMINATED  | DESTROY (TU told: timeout)
 * C_PROCEEDING| RX_1XX       | -           | FORWARD
 * C_PROCEEDING| RX_2XX       | TERMINATED  | FORWARD, DESTROY
 * C_PROCEEDING| RX_FINAL     | C_COMPLETED | FORWARD, SEND_ACK, ARM_D
 * C_PROCEEDING| CANCEL_REQ   | - +SENT     | SEND_CANCEL, ARM_CANCEL (once)
 * C_PROCEEDING| TIMER_CANCEL | TERMINATED  | DESTROY if CANCEL_SENT (64*T1, no final)
 * C_COMPLETED | RX_FINAL     | -           | SEND_ACK (retransmitted final, not passed up)
 * C_COMPLETED | RX_1XX/2XX   | -           | ABSORB
 * C_COMPLETED | CANCEL_REQ   | -           | 0 (final received)
 * C_COMPLETED | TIMER_D      | TERMINATED  | DESTROY
 * any client  | TRANSPORT_ERR| TERMINATED  | DESTROY
 * TERMINATED  | RX_2XX       | -           | FORWARD (2xx retransmissions, 16.7 item 5)
 * TERMINATED  | RX_1XX/FINAL | -           | ABSORB
 *
 * FREE, or any state with F_DEAD: every event gives 0 and no change. Server
 * events on a client record (and the reverse) give REFUSE.
 */
#include "sc_txn.h"

#define W_STATE(w)	((w) & 0xffu)
#define W_FLAGS(w)	(((w) >> 8) & 0xffu)
#define W_SEQ_ONE	(1u << 16)
#define W_MAKE(w, st, fl) (((w) & 0xffff0000u) | ((uint32_t)(fl) << 8) | (uint32_t)(st))

static bool
is_server_event(enum sc_txn_event ev)
{
	return ev <= SC_TXN_EV_TIMER_I;
}

static bool
is_server_state(unsigned st)
{
	return st >= SC_TXN_SRV_PROCEEDING && st <= SC_TXN_SRV_CONFIRMED;
}

static bool
is_client_state(unsigned st)
{
	return st >= SC_TXN_CLI_CALLING && st <= SC_TXN_CLI_COMPLETED;
}

static uint32_t
step_server(uint32_t w, unsigned st, unsigned fl, enum sc_txn_event ev, unsigned *a)
{
	switch (ev) {
	case SC_TXN_EV_RX_INVITE:
		if (st == SC_TXN_SRV_PROCEEDING)
			*a = (fl & SC_TXN_F_PROV_SENT) ? SC_TXN_A_RESEND_LAST : SC_TXN_A_ABSORB;
		else if (st == SC_TXN_SRV_COMPLETED)
			*a = SC_TXN_A_RESEND_LAST;
		else
			*a = SC_TXN_A_ABSORB;
		return w;
	case SC_TXN_EV_TX_1XX:
		if (st != SC_TXN_SRV_PROCEEDING) {
			*a = SC_TXN_A_REFUSE;
			return w;
		}
		*a = SC_TXN_A_SEND;
		return W_MAKE(w, st, fl | SC_TXN_F_PROV_SENT);
	case SC_TXN_EV_TX_2XX:
		if (st != SC_TXN_SRV_PROCEEDING) {
			*a = SC_TXN_A_REFUSE;
			return w;
		}
		*a = SC_TXN_A_SEND | SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl | SC_TXN_F_FINAL_SENT);
	case SC_TXN_EV_TX_FINAL:
		if (st != SC_TXN_SRV_PROCEEDING) {
			*a = SC_TXN_A_REFUSE;
			return w;
		}
		*a = SC_TXN_A_SEND | SC_TXN_A_ARM_GH;
		return W_MAKE(w, SC_TXN_SRV_COMPLETED, fl | SC_TXN_F_FINAL_SENT);
	case SC_TXN_EV_RX_CANCEL:
		if (st == SC_TXN_SRV_PROCEEDING && !(fl & SC_TXN_F_FINAL_SENT)) {
			*a = SC_TXN_A_CANCEL_200 | SC_TXN_A_SEND_487 | SC_TXN_A_ARM_GH;
			return W_MAKE(w, SC_TXN_SRV_COMPLETED,
				      fl | SC_TXN_F_CANCELLED | SC_TXN_F_FINAL_SENT);
		}
		*a = SC_TXN_A_CANCEL_200;
		return w;
	case SC_TXN_EV_RX_ACK:
		if (st == SC_TXN_SRV_COMPLETED) {
			*a = SC_TXN_A_ABSORB | SC_TXN_A_ARM_I;
			return W_MAKE(w, SC_TXN_SRV_CONFIRMED, fl);
		}
		*a = SC_TXN_A_ABSORB;
		return w;
	case SC_TXN_EV_TIMER_G:
		*a = st == SC_TXN_SRV_COMPLETED ? SC_TXN_A_RESEND_LAST : 0;
		return w;
	case SC_TXN_EV_TIMER_H:
		if (st != SC_TXN_SRV_COMPLETED) {
			*a = 0;
			return w;
		}
		*a = SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl);
	case SC_TXN_EV_TIMER_I:
		if (st != SC_TXN_SRV_CONFIRMED) {
			*a = 0;
			return w;
		}
		*a = SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl);
	default:
		*a = SC_TXN_A_REFUSE;
		return w;
	}
}

static uint32_t
step_client(uint32_t w, unsigned st, unsigned fl, enum sc_txn_event ev, unsigned *a)
{
	switch (ev) {
	case SC_TXN_EV_RX_1XX:
		if (st == SC_TXN_CLI_CALLING) {
			*a = SC_TXN_A_FORWARD;
			fl |= SC_TXN_F_PROV_RCVD;
			if (fl & SC_TXN_F_CANCEL_PENDING) {
				fl &= ~(unsigned)SC_TXN_F_CANCEL_PENDING;
				fl |= SC_TXN_F_CANCEL_SENT;
				*a |= SC_TXN_A_SEND_CANCEL | SC_TXN_A_ARM_CANCEL;
			}
			return W_MAKE(w, SC_TXN_CLI_PROCEEDING, fl);
		}
		*a = st == SC_TXN_CLI_PROCEEDING ? SC_TXN_A_FORWARD : SC_TXN_A_ABSORB;
		return w;
	case SC_TXN_EV_RX_2XX:
		if (st == SC_TXN_CLI_CALLING || st == SC_TXN_CLI_PROCEEDING) {
			*a = SC_TXN_A_FORWARD | SC_TXN_A_DESTROY;
			fl &= ~(unsigned)SC_TXN_F_CANCEL_PENDING;
			return W_MAKE(w, SC_TXN_TERMINATED, fl | SC_TXN_F_FINAL_RCVD);
		}
		*a = SC_TXN_A_ABSORB;
		return w;
	case SC_TXN_EV_RX_FINAL:
		if (st == SC_TXN_CLI_CALLING || st == SC_TXN_CLI_PROCEEDING) {
			*a = SC_TXN_A_FORWARD | SC_TXN_A_SEND_ACK | SC_TXN_A_ARM_D;
			fl &= ~(unsigned)SC_TXN_F_CANCEL_PENDING;
			return W_MAKE(w, SC_TXN_CLI_COMPLETED, fl | SC_TXN_F_FINAL_RCVD);
		}
		*a = SC_TXN_A_SEND_ACK;
		return w;
	case SC_TXN_EV_CANCEL_REQ:
		*a = 0;
		if (st == SC_TXN_CLI_CALLING)
			return W_MAKE(w, st, fl | SC_TXN_F_CANCEL_PENDING);
		if (st == SC_TXN_CLI_PROCEEDING && !(fl & SC_TXN_F_CANCEL_SENT)) {
			*a = SC_TXN_A_SEND_CANCEL | SC_TXN_A_ARM_CANCEL;
			return W_MAKE(w, st, fl | SC_TXN_F_CANCEL_SENT);
		}
		return w;
	case SC_TXN_EV_TIMER_A:
		*a = st == SC_TXN_CLI_CALLING ? SC_TXN_A_RESEND_LAST : 0;
		return w;
	case SC_TXN_EV_TIMER_B:
		if (st != SC_TXN_CLI_CALLING) {
			*a = 0;
			return w;
		}
		*a = SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl & ~(unsigned)SC_TXN_F_CANCEL_PENDING);
	case SC_TXN_EV_TIMER_D:
		if (st != SC_TXN_CLI_COMPLETED) {
			*a = 0;
			return w;
		}
		*a = SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl);
	case SC_TXN_EV_TIMER_CANCEL:
		if (st != SC_TXN_CLI_PROCEEDING || !(fl & SC_TXN_F_CANCEL_SENT)) {
			*a = 0;
			return w;
		}
		*a = SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl);
	default:
		*a = SC_TXN_A_REFUSE;
		return w;
	}
}

uint32_t
sc_txn_step(uint32_t w, enum sc_txn_event ev, unsigned *actions)
{
	unsigned st = W_STATE(w);
	unsigned fl = W_FLAGS(w);
	unsigned dummy;

	if (actions == NULL)
		actions = &dummy;
	*actions = 0;
	if (st == SC_TXN_FREE || st >= SC_TXN_STATE_COUNT || (fl & SC_TXN_F_DEAD) ||
	    (unsigned)ev >= SC_TXN_EV_COUNT)
		return w;
	if (ev == SC_TXN_EV_TRANSPORT_ERR) {
		if (st == SC_TXN_TERMINATED)
			return w;
		*actions = SC_TXN_A_DESTROY;
		return W_MAKE(w, SC_TXN_TERMINATED, fl);
	}
	if (st == SC_TXN_TERMINATED) {
		/* The record lingers until its owner deletes it. */
		if (is_server_event(ev)) {
			if (ev == SC_TXN_EV_RX_CANCEL)
				*actions = SC_TXN_A_CANCEL_200;
			else if (ev == SC_TXN_EV_RX_INVITE || ev == SC_TXN_EV_RX_ACK)
				*actions = SC_TXN_A_ABSORB;
			else if (ev <= SC_TXN_EV_TX_FINAL)
				*actions = SC_TXN_A_REFUSE;
		} else if (ev == SC_TXN_EV_RX_2XX) {
			*actions = SC_TXN_A_FORWARD;
		} else if (ev == SC_TXN_EV_RX_1XX || ev == SC_TXN_EV_RX_FINAL) {
			*actions = SC_TXN_A_ABSORB;
		}
		return w;
	}
	if (is_server_state(st)) {
		if (!is_server_event(ev)) {
			*actions = SC_TXN_A_REFUSE;
			return w;
		}
		return step_server(w, st, fl, ev, actions);
	}
	if (is_client_state(st)) {
		if (is_server_event(ev)) {
			*actions = SC_TXN_A_REFUSE;
			return w;
		}
		return step_client(w, st, fl, ev, actions);
	}
	return w;
}

bool
sc_txn_cas_state(struct sc_txn_rec *rec, uint32_t *expected, uint32_t desired)
{
	uint32_t want = (desired & 0xffffu) | ((*expected & 0xffff0000u) + W_SEQ_ONE);

	return __atomic_compare_exchange_n(&rec->state, expected, want, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static const char *const state_names[SC_TXN_STATE_COUNT] = {
	[SC_TXN_FREE] = "FREE",
	[SC_TXN_SRV_PROCEEDING] = "SRV_PROCEEDING",
	[SC_TXN_SRV_COMPLETED] = "SRV_COMPLETED",
	[SC_TXN_SRV_CONFIRMED] = "SRV_CONFIRMED",
	[SC_TXN_CLI_CALLING] = "CLI_CALLING",
	[SC_TXN_CLI_PROCEEDING] = "CLI_PROCEEDING",
	[SC_TXN_CLI_COMPLETED] = "CLI_COMPLETED",
	[SC_TXN_TERMINATED] = "TERMINATED",
};

static const char *const event_names[SC_TXN_EV_COUNT] = {
	[SC_TXN_EV_RX_INVITE] = "RX_INVITE",
	[SC_TXN_EV_TX_1XX] = "TX_1XX",
	[SC_TXN_EV_TX_2XX] = "TX_2XX",
	[SC_TXN_EV_TX_FINAL] = "TX_FINAL",
	[SC_TXN_EV_RX_CANCEL] = "RX_CANCEL",
	[SC_TXN_EV_RX_ACK] = "RX_ACK",
	[SC_TXN_EV_TIMER_G] = "TIMER_G",
	[SC_TXN_EV_TIMER_H] = "TIMER_H",
	[SC_TXN_EV_TIMER_I] = "TIMER_I",
	[SC_TXN_EV_RX_1XX] = "RX_1XX",
	[SC_TXN_EV_RX_2XX] = "RX_2XX",
	[SC_TXN_EV_RX_FINAL] = "RX_FINAL",
	[SC_TXN_EV_CANCEL_REQ] = "CANCEL_REQ",
	[SC_TXN_EV_TIMER_A] = "TIMER_A",
	[SC_TXN_EV_TIMER_B] = "TIMER_B",
	[SC_TXN_EV_TIMER_D] = "TIMER_D",
	[SC_TXN_EV_TIMER_CANCEL] = "TIMER_CANCEL",
	[SC_TXN_EV_TRANSPORT_ERR] = "TRANSPORT_ERR",
};

const char *
sc_txn_state_name(enum sc_txn_state s)
{
	if ((unsigned)s >= SC_TXN_STATE_COUNT)
		return "?";
	return state_names[s];
}

const char *
sc_txn_event_name(enum sc_txn_event ev)
{
	if ((unsigned)ev >= SC_TXN_EV_COUNT)
		return "?";
	return event_names[ev];
}
