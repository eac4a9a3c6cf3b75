#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Verdicts and the summary of scripts/proxylab.sh, from the files in its work dir.

  proxylab_summary.py check WORKDIR SCENARIO CALLS
      exit 0 when both SIPp ends of the scenario passed: exit status 0, CALLS
      successful calls, no failed call, no unexpected or dead-call message.
  proxylab_summary.py summary WORKDIR CALLS RATE PROXY STATS_FILE SCENARIO...
      prints calls / successful / failed per scenario and end, the response times,
      and the proxy's counters (Kamailio: kamcmd statistics deltas per scenario;
      sipcancel: the non-zero totals of its --stats-file).
  proxylab_summary.py okcalls WORKDIR SCENARIO...
      prints the number of calls the UAC completed successfully over the scenarios.
  proxylab_summary.py telemetry SOCKET OUT
      writes sipcancel's /sipcancel/stats (DPDK telemetry v2 socket) to OUT as JSON.
  proxylab_summary.py sccheck WORKDIR SCENARIO FIRST
      sipcancel's counter deltas over the scenario (SCENARIO.sc-before/after.json)
      must equal the calls SIPp counted; FIRST is 1 when sipcancel is the UAC's
      first hop (it then sees every CANCEL of the UAC, whatever the race). Writes
      the comparison to SCENARIO.sc-check.txt; exit 1 on a mismatch.
  proxylab_summary.py probes STATS_FILE
      --neigh-reachable runs: exit 0 when sipcancel probed its neighbours
      (px_neighbour_probed > 0) and none went unanswered (px_neighbour_expired
      and px_resolve_failed 0).
  proxylab_summary.py routed STATS_FILE
      --routed runs: exit 0 when sipcancel sent through its gateway
      (px_routed_via_gateway > 0), no resolution failed and no request lacked a
      path (px_no_next_path 0).
"""
import json
import os
import socket
import sys
import textwrap

ENDS = ("uac", "uas")
# SIPp -trace_stat columns that must stay zero: any of them means a message the
# scenario did not expect (a late response, a retransmission past the end, ...).
MUST_BE_ZERO = ["FailedCall(C)", "OutOfCallMsgs(C)", "DeadCallMsgs(C)",
                "FailedUnexpectedMessage(C)", "FailedCallRejected(C)",
                "FailedMaxUDPRetrans(C)", "FailedCmdNotSent(C)",
                "FailedRegexpDoesntMatch(C)", "FailedRegexpHdrNotFound(C)",
                "FailedOutboundCongestion(C)", "FailedTimeoutOnRecv(C)",
                "FailedTimeoutOnSend(C)", "Retransmissions(C)"]
# Kamailio statistics shown per scenario (deltas), when non-zero.
KAM_SHOWN = ["core:rcv_requests_invite", "core:rcv_requests_cancel",
             "core:rcv_requests_ack", "core:rcv_requests_bye",
             "core:rcv_replies_1xx", "core:rcv_replies_2xx", "core:rcv_replies_4xx",
             "core:fwd_requests", "core:fwd_replies", "core:drop_requests",
             "core:drop_replies", "core:err_requests", "core:err_replies",
             "tm:total", "tm:total_local", "tm:created", "tm:freed",
             "tm:rpl_received", "tm:rpl_generated", "tm:rpl_sent",
             "tm:2xx", "tm:4xx", "tm:current", "sl:sent_replies"]


def stat_row(workdir, scenario, end):
    """The last line of SIPp's -trace_stat file as a dict, or None."""
    path = os.path.join(workdir, "%s.%s.stat.csv" % (scenario, end))
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
    except OSError:
        return None
    if len(lines) < 2:
        return None
    return dict(zip(lines[0].split(";"), lines[-1].split(";")))


def num(row, key):
    try:
        return int(float(row.get(key, "0") or 0))
    except ValueError:
        return 0


def read_rc(workdir, scenario, end):
    try:
        with open(os.path.join(workdir, "%s.%s.rc" % (scenario, end))) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return -1


def check(workdir, scenario, calls):
    bad = []
    for end in ENDS:
        rc = read_rc(workdir, scenario, end)
        if rc != 0:
            bad.append("%s: SIPp exit status %d" % (end, rc))
        row = stat_row(workdir, scenario, end)
        if row is None:
            bad.append("%s: no SIPp statistics" % end)
            continue
        ok = num(row, "SuccessfulCall(C)")
        if ok != calls:
            bad.append("%s: %d of %d calls successful" % (end, ok, calls))
        for key in MUST_BE_ZERO:
            # A retransmission is no failure when the network or a slow end asked
            # for it; it is reported, not judged.
            if key != "Retransmissions(C)" and num(row, key) != 0:
                bad.append("%s: %s = %d" % (end, key, num(row, key)))
    for b in bad:
        print("proxylab: %s: %s" % (scenario, b), file=sys.stderr)
    return 0 if not bad else 1


def kam_stats(path):
    """kamcmd 'stats.get_statistics all' output: lines 'group:name = value'."""
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                name, sep, value = line.strip().partition(" = ")
                if sep:
                    try:
                        out[name.strip()] = int(value)
                    except ValueError:
                        pass
    except OSError:
        return None
    return out


def rtd_ms(row, name):
    v = row.get("ResponseTime%s(C)" % name)
    if not v:
        return "-"
    # HH:MM:SS:microseconds
    h, m, s, us = (int(x) for x in v.split(":"))
    return "%.1f" % ((h * 3600 + m * 60 + s) * 1000 + us / 1000)


def summary(workdir, calls, rate, proxy, stats_file, scenarios):
    print("proxylab summary: proxy %s, %d calls per scenario at %d/s" % (proxy, calls, rate))
    print("  %-12s %-4s %6s %10s %7s %8s %10s" % ("scenario", "end", "calls", "successful",
                                                  "failed", "retrans", "avg rtd ms"))
    rc = 0
    for s in scenarios:
        for end in ENDS:
            row = stat_row(workdir, s, end)
            if row is None:
                print("  %-12s %-4s %6s" % (s, end, "no statistics"))
                rc = 1
                continue
            rtd = "-"
            if end == "uac":
                rtd = "inv %s can %s" % (rtd_ms(row, "invite"), rtd_ms(row, "cancel"))
            print("  %-12s %-4s %6d %10d %7d %8d %s" % (
                s, end, num(row, "TotalCallCreated"), num(row, "SuccessfulCall(C)"),
                num(row, "FailedCall(C)"), num(row, "Retransmissions(C)"), rtd))
    hops = proxy.split("+")
    if "kamailio" in hops:
        for s in scenarios:
            a = kam_stats(os.path.join(workdir, s + ".kam-before.txt"))
            b = kam_stats(os.path.join(workdir, s + ".kam-after.txt"))
            if not a or not b:
                print("  kamailio %s: no statistics (kamcmd)" % s)
                continue
            shown = ["%s %d" % (k.split(":", 1)[1], b[k] - a.get(k, 0))
                     for k in KAM_SHOWN if k in b and b[k] - a.get(k, 0) != 0]
            print(textwrap.fill("kamailio %s: %s" % (s, ", ".join(shown) or "no change"),
                                width=88, initial_indent="  ", subsequent_indent="      "))
    if "sipcancel" in hops:
        for s in scenarios:
            try:
                with open(os.path.join(workdir, s + ".sc-check.txt"),
                          encoding="utf-8") as f:
                    lines = f.read().splitlines()
            except OSError:
                lines = ["sipcancel %s: no counter check" % s]
                rc = 1
            for line in lines:
                print(textwrap.fill(line, width=88, initial_indent="  ",
                                    subsequent_indent="      "))
                if line.startswith("MISMATCH"):
                    rc = 1
        try:
            with open(stats_file, encoding="utf-8") as f:
                totals = json.load(f)["totals"]
            shown = ["%s %d" % (k, v) for k, v in totals.items() if v != 0]
            print(textwrap.fill("sipcancel (whole run, non-zero): " + ", ".join(shown),
                                width=88, initial_indent="  ", subsequent_indent="      "))
        except (OSError, ValueError, KeyError) as e:
            print("  sipcancel: no stats file %s (%s)" % (stats_file, e))
            rc = 1
    return rc


def telemetry(sock_path, out):
    """One /sipcancel/stats query on DPDK's telemetry socket (SOCK_SEQPACKET)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(sock_path)
        info = json.loads(s.recv(1024).decode())
        s.send(b"/sipcancel/stats")
        reply = json.loads(s.recv(int(info.get("max_output_len", 16384))).decode())
    except (OSError, ValueError) as e:
        print("proxylab: sipcancel telemetry %s: %s" % (sock_path, e), file=sys.stderr)
        return 1
    finally:
        s.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(reply.get("/sipcancel/stats", {}), f)
    return 0


# What sipcancel must have counted in one scenario, per call SIPp completed: the
# counters count transactions (retransmissions have their own), so each is exact.
#   invite  px_invite_forwarded: one INVITE forwarded per call (16.6)
#   cancel  cancel_matched: the CANCEL answered 200 upstream (9.2, 16.10);
#           px_cancel_sent_downstream: one CANCEL per branch (9.1, 16.10);
#           px_cancel_200_absorbed: its 200 not forwarded (16.7 step 3 is for the
#           INVITE's responses only); tx_487: the 487 relayed upstream (16.7)
#   final   px_relayed_3xx_6xx and px_ack_sent_downstream: the non-2xx final relayed
#           and ACKed hop by hop (17.1.1.3)
SC_EXPECT = {
    "cancel": {"px_invite_forwarded": 1, "cancel_matched": 1,
               "px_cancel_sent_downstream": 1, "px_cancel_200_absorbed": 1,
               "tx_487": 1, "px_relayed_3xx_6xx": 1, "px_ack_sent_downstream": 1},
    "busy": {"px_invite_forwarded": 1, "cancel_matched": 0, "tx_486": 1,
             "tx_487": 0, "px_relayed_3xx_6xx": 1, "px_ack_sent_downstream": 1},
    # 9.2: the 2xx ends the INVITE; relayed once, no 487. Whether the CANCEL reaches
    # sipcancel at all when Kamailio is in front depends on the race.
    "answer_race": {"px_invite_forwarded": 1, "px_relayed_2xx": 1, "tx_487": 0},
}
SC_EXPECT["slow"] = SC_EXPECT["cancel"]
SC_EXPECT_FIRST = {"answer_race": {"cancel_matched": 1}}


def sc_counters(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    # The stats file and telemetry name the role counters uas_* (one table for both
    # roles); accept either spelling.
    return {k[4:] if k.startswith("uas_") else k: v for k, v in d.items()
            if isinstance(v, int)}


def sccheck(workdir, scenario, first):
    a = sc_counters(os.path.join(workdir, scenario + ".sc-before.json"))
    b = sc_counters(os.path.join(workdir, scenario + ".sc-after.json"))
    uac = stat_row(workdir, scenario, "uac")
    uas = stat_row(workdir, scenario, "uas")
    out = os.path.join(workdir, scenario + ".sc-check.txt")
    if a is None or b is None or uac is None or uas is None:
        msg = "sipcancel %s: no counters or no SIPp statistics" % scenario
        with open(out, "w", encoding="utf-8") as f:
            f.write(msg + "\n")
        print("proxylab: " + msg, file=sys.stderr)
        return 1
    n = num(uac, "SuccessfulCall(C)")
    bad = []
    if num(uas, "SuccessfulCall(C)") != n:
        bad.append("SIPp UAC %d vs UAS %d calls" % (n, num(uas, "SuccessfulCall(C)")))
    want = dict(SC_EXPECT.get(scenario, {}))
    if first:
        want.update(SC_EXPECT_FIRST.get(scenario, {}))
    shown = []
    for k, per_call in want.items():
        got = b.get(k, 0) - a.get(k, 0)
        exp = per_call * n
        shown.append("%s %d/%d" % (k, got, exp))
        if got != exp:
            bad.append("%s = %d, SIPp says %d" % (k, got, exp))
    line = "sipcancel %s (counted/SIPp): %s" % (scenario, ", ".join(shown))
    with open(out, "w", encoding="utf-8") as f:
        f.write(line + "\n")
        for x in bad:
            f.write("MISMATCH " + x + "\n")
    for x in bad:
        print("proxylab: %s: sipcancel counter %s" % (scenario, x), file=sys.stderr)
    return 0 if not bad else 1


def stats_verdict(stats_file, what, keys, ok, want):
    """sipcancel's --stats-file totals of keys, printed; 0 when ok(totals), else 1
    with want (what is missing) on stderr."""
    try:
        with open(stats_file, encoding="utf-8") as f:
            t = json.load(f)["totals"]
    except (OSError, ValueError, KeyError) as e:
        print("proxylab: %s: no stats file %s (%s)" % (what, stats_file, e), file=sys.stderr)
        return 1
    got = {k: t.get(k, 0) for k in keys}
    print("  sipcancel %s: %s" % (what, ", ".join("%s %d" % kv for kv in got.items())))
    if not ok(got):
        print("proxylab: %s: want %s: %r" % (what, want, got), file=sys.stderr)
        return 1
    return 0


def probes(stats_file):
    """--neigh-reachable: sipcancel probed its neighbours and all of them answered."""
    return stats_verdict(
        stats_file, "neighbour probes",
        ("px_neighbour_probed", "px_neighbour_expired", "px_resolve_failed"),
        lambda g: g["px_neighbour_probed"] > 0 and g["px_neighbour_expired"] == 0 and
        g["px_resolve_failed"] == 0,
        "px_neighbour_probed > 0 and no expiry or failed resolution")


def routed(stats_file):
    """--routed: sipcancel sent through its gateway, and every resolution succeeded
    (none was tried, and failed, for the off-link UAS itself)."""
    return stats_verdict(
        stats_file, "routing",
        ("px_routed_via_gateway", "px_resolve_started", "px_resolve_failed",
         "px_no_next_path"),
        lambda g: g["px_routed_via_gateway"] > 0 and g["px_resolve_failed"] == 0 and
        g["px_no_next_path"] == 0,
        "px_routed_via_gateway > 0, no failed resolution and no request without a path")


def main(argv):
    if len(argv) >= 5 and argv[1] == "check":
        return check(argv[2], argv[3], int(argv[4]))
    if len(argv) >= 7 and argv[1] == "summary":
        return summary(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], argv[7:])
    if len(argv) == 4 and argv[1] == "telemetry":
        return telemetry(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "probes":
        return probes(argv[2])
    if len(argv) == 3 and argv[1] == "routed":
        return routed(argv[2])
    if len(argv) == 5 and argv[1] == "sccheck":
        return sccheck(argv[2], argv[3], argv[4] == "1")
    if len(argv) >= 3 and argv[1] == "okcalls":
        total = 0
        for s in argv[3:]:
            row = stat_row(argv[2], s, "uac")
            total += num(row, "SuccessfulCall(C)") if row else 0
        print(total)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
