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
"""
import json
import os
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
    if proxy == "kamailio":
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
    elif proxy == "sipcancel":
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


def main(argv):
    if len(argv) >= 5 and argv[1] == "check":
        return check(argv[2], argv[3], int(argv[4]))
    if len(argv) >= 7 and argv[1] == "summary":
        return summary(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], argv[7:])
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
