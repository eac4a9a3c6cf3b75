#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Verdicts and the summary of scripts/lab.sh, from the files it leaves in its work dir.

  lab_summary.py check WORKDIR SCENARIO CALLS
      exit 0 when the scenario passed: SIPp exit status 0, CALLS successful calls, no
      failed call, no dead-call or out-of-call message (a late 180 after a CANCEL, a
      487 retransmitted past its ACK, a response to nothing), and every response the
      UAS repeated is byte-identical to its first copy (17.2.1, 17.2.2), with as
      many repeats as the scenario provokes (REPEATS).
  lab_summary.py snapshot SOCKET OUT.json
      reads /sipcancel/stats from sipcancel's telemetry socket into OUT.json.
  lab_summary.py appcheck WORKDIR SCENARIO CALLS
      compares sipcancel's counter deltas over one scenario (WORKDIR/SCENARIO.before
      and .after.json snapshots) with what the scenario must cause (EXPECT below).
  lab_summary.py summary WORKDIR CALLS RATE SUT STATS_FILE SCENARIO...
      prints calls, failures and response times per scenario (from SIPp's -trace_stat
      file and, for microsecond times, its -trace_shortmsg log) and the counters of
      sipcancel's --stats-file.
Environment: LAB_QUIET=1 prints only failures in 'check'.
"""
import json
import os
import socket
import sys

# What each call of a scenario must make sipcancel count (uas_* counters of lib/cancel).
# Exact when SIPp retransmitted nothing in that scenario; otherwise a lower bound,
# except the keys in NEVER, which no retransmission can excuse.
EXPECT = {
    "after180": {"uas_rx_invite": 1, "uas_rx_cancel": 1, "uas_rx_ack": 1,
                 "uas_tx_100": 1, "uas_tx_180": 1, "uas_tx_200": 1, "uas_tx_487": 1,
                 "uas_tx_481": 0, "uas_cancel_matched": 1},
    "retrans": {"uas_rx_invite": 2, "uas_rx_cancel": 4, "uas_rx_ack": 2,
                "uas_tx_100": 1, "uas_tx_180": 2, "uas_tx_200": 2, "uas_tx_487": 1,
                "uas_tx_481": 2, "uas_cancel_matched": 1,
                "uas_invite_retrans_absorbed": 1, "uas_cancel_retrans_absorbed": 1},
    "unmatched": {"uas_rx_invite": 1, "uas_rx_cancel": 3, "uas_rx_ack": 1,
                  "uas_tx_100": 1, "uas_tx_180": 1, "uas_tx_200": 1, "uas_tx_487": 1,
                  "uas_tx_481": 2, "uas_cancel_matched": 1,
                  "uas_cancel_unmatched_481": 2},
    "before180": {"uas_rx_invite": 2, "uas_rx_cancel": 2, "uas_rx_ack": 1,
                  "uas_tx_100": 2, "uas_tx_180": 0, "uas_tx_200": 1, "uas_tx_487": 1,
                  "uas_tx_481": 1, "uas_cancel_matched": 1,
                  "uas_invite_retrans_absorbed": 1},
    "afterfinal": {"uas_rx_invite": 1, "uas_rx_cancel": 1, "uas_rx_ack": 1,
                   "uas_tx_100": 1, "uas_tx_180": 1, "uas_tx_486": 1, "uas_tx_200": 1,
                   "uas_tx_487": 0, "uas_tx_481": 0, "uas_cancel_after_final": 1},
}
# Responses each call must receive twice, byte for byte (status, CSeq method): the
# scenario retransmitted the request and the server transaction answers again with
# what it sent last (17.2.1 for INVITE, 17.2.2 for CANCEL).
REPEATS = {
    "retrans": [("180", "INVITE"), ("200", "CANCEL")],
    "before180": [("100", "INVITE")],
}

# Counters the summary always shows (sipcancel --stats-file "totals").
SHOWN = ["rx_packets", "tx_packets", "arp_replies", "sip_requests", "drops_total",
         "rx_method_INVITE", "rx_method_CANCEL", "rx_method_ACK",
         "uas_tx_100", "uas_tx_180", "uas_tx_200", "uas_tx_481", "uas_tx_486",
         "uas_tx_487",
         "uas_cancel_matched", "uas_cancel_unmatched_481", "uas_cancel_after_final",
         "uas_invite_retrans_absorbed", "uas_cancel_retrans_absorbed", "uas_ack_absorbed",
         "uas_timer_g_retrans", "uas_records_created", "uas_records_freed"]

# 9.2: a CANCEL that arrived before the 180 leaves no 180 to send, ever; one that
# arrived after the final has no effect on the INVITE, so no 487.
NEVER = {"before180": ["uas_tx_180"], "afterfinal": ["uas_tx_487"]}


def stat_row(workdir, scenario):
    """The last line of SIPp's -trace_stat file as a dict, or None."""
    path = os.path.join(workdir, scenario + ".stat.csv")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
    except OSError:
        return None
    if len(lines) < 2:
        return None
    head = lines[0].split(";")
    vals = lines[-1].split(";")
    return dict(zip(head, vals))


def num(row, key):
    try:
        return int(row.get(key, "0") or 0)
    except ValueError:
        return 0


def sipp_rc(workdir, scenario):
    try:
        with open(os.path.join(workdir, scenario + ".rc")) as f:
            return int(f.read().strip() or 1)
    except (OSError, ValueError):
        return -1


def verdict(workdir, scenario, calls):
    """(passed, reason) for one scenario."""
    rc = sipp_rc(workdir, scenario)
    row = stat_row(workdir, scenario)
    if row is None:
        return False, "sipp exit %d, no statistics file" % rc
    ok = num(row, "SuccessfulCall(C)")
    bad = num(row, "FailedCall(C)")
    dead = num(row, "DeadCallMsgs(C)")
    ooc = num(row, "OutOfCallMsgs(C)")
    why = []
    if rc != 0:
        why.append("sipp exit %d" % rc)
    if ok != calls:
        why.append("%d/%d calls successful" % (ok, calls))
    if bad != 0:
        why.append("%d failed" % bad)
    if dead != 0:
        why.append("%d dead-call messages" % dead)
    if ooc != 0:
        why.append("%d out-of-call messages" % ooc)
    if not why:
        passed, reason = repeats_ok(workdir, scenario, calls)
        if not passed:
            why.append(reason)
        errors, _ = rfc_notes(workdir, scenario)
        why += errors
    if why:
        return False, ", ".join(why)
    return True, "%d/%d calls successful%s" % (
        ok, calls, ", repeated responses identical" if scenario in REPEATS else "")


def received(workdir, scenario):
    """{Call-ID: [raw response text, ...]} from SIPp's -trace_msg log, in order."""
    path = os.path.join(workdir, scenario + ".messages.log")
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    for block in text.split("\n----------------------------------------------- ")[1:]:
        head, _, body = block.partition("\n")
        if not head or "UDP message received" not in body.split("\n", 1)[0]:
            continue
        msg = body.split("\n", 1)[1].lstrip("\n") if "\n" in body else ""
        msg = msg.rstrip("\n")
        if not msg.startswith("SIP/2.0 "):
            continue
        cid = ""
        for line in msg.split("\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() in ("call-id", "i"):
                cid = value.strip()
                break
        out.setdefault(cid, []).append(msg)
    return out


def cseq_method(msg):
    for line in msg.split("\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "cseq":
            return value.split()[-1] if value.split() else ""
    return ""


def repeats_ok(workdir, scenario, calls):
    """(passed, reason): the repeated responses of REPEATS, per call."""
    want = REPEATS.get(scenario)
    if not want:
        return True, ""
    got = received(workdir, scenario)
    if got is None:
        return False, "no SIPp message log"
    if len(got) != calls:
        return False, "responses seen for %d calls of %d" % (len(got), calls)
    for cid, msgs in got.items():
        for code, method in want:
            same = [m for m in msgs if m.split(" ", 2)[1] == code and
                    cseq_method(m) == method]
            if len(same) < 2:
                return False, "call %s: %s to %s came %d time(s), want 2" % (
                    cid, code, method, len(same))
            if any(m != same[0] for m in same[1:]):
                return False, "call %s: the repeated %s to %s differs from the first" % (
                    cid, code, method)
    return True, ""


def header(msg, *names):
    """First value of a header (full or compact name) in a raw message, or ""."""
    for line in msg.split("\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in names:
            return value.strip()
    return ""


def to_tag(msg):
    to = header(msg, "to", "t")
    return to.split(";tag=", 1)[1].split(";")[0].strip() if ";tag=" in to else ""


def rfc_notes(workdir, scenario):
    """(errors, warnings): header rules checked on every response SIPp received.

    Errors (MUST): 8.2.6.2, one To tag for every response to an INVITE but the 100;
    RFC 3581 section 4, a request whose top Via has "rport" gets a response whose top
    Via has rport=<source port> and received=<source IP> (LAB_UAC_IP, LAB_UAC_PORT
    when known); SC_STRICT_3581=0 turns the latter into a warning.
    Warnings, errors under LAB_STRICT=1: 9.2's SHOULD that the 200 to a CANCEL
    carries the INVITE responses' To tag.
    """
    want_ip = os.environ.get("LAB_UAC_IP", "")
    want_port = os.environ.get("LAB_UAC_PORT", "")
    got = received(workdir, scenario) or {}
    errors, warnings = [], []
    n_rport = 0
    n_tag92 = 0
    for cid, msgs in got.items():
        inv_tags = set()
        for m in msgs:
            code = m.split(" ", 2)[1]
            method = cseq_method(m)
            via = header(m, "via", "v")
            if ";rport" in via:
                params = dict((kv.split("=", 1) + [""])[:2] for kv in via.split(";")[1:])
                rport = params.get("rport", "")
                recv = params.get("received", "")
                if (not rport.isdigit() or not recv or (want_port and rport != want_port)
                        or (want_ip and recv != want_ip)):
                    n_rport += 1
            if method == "INVITE" and code != "100":
                inv_tags.add(to_tag(m))
        if len(inv_tags) > 1:
            errors.append("call %s: responses to its INVITE carry To tags %s "
                          "(8.2.6.2: one tag)" % (cid, sorted(inv_tags)))
        for m in msgs:
            if (m.split(" ", 2)[1] == "200" and cseq_method(m) == "CANCEL" and inv_tags
                    and to_tag(m) not in inv_tags):
                n_tag92 += 1
    if n_rport:
        what = ("%d responses lack rport=%s;received=%s in the top Via (RFC 3581 "
                "section 4)" % (n_rport, want_port or "<port>", want_ip or "<ip>"))
        if os.environ.get("SC_STRICT_3581") == "0":
            warnings.append(what)
        else:
            errors.append(what)
    if n_tag92:
        warnings.append("%d 200s to CANCEL carry another To tag than the INVITE's "
                        "responses (9.2 SHOULD)" % n_tag92)
    if os.environ.get("LAB_STRICT") == "1":
        return errors + warnings, []
    return errors[:3] + (["... %d more" % (len(errors) - 3)] if len(errors) > 3 else []), \
        warnings


def samples(workdir, scenario):
    """Response times in microseconds by kind, from the -trace_shortmsg log.

    Each scenario waits for the answer to a request before it sends the next one of
    the same method, so a response pairs with the first send of that method since the
    previous response to it (a SIPp retransmission does not reset the clock). The 487
    is timed from the CANCEL that caused it.
    """
    path = os.path.join(workdir, scenario + ".short.log")
    out = {}
    calls = {}
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except OSError:
        return out
    with f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 7:
                continue
            try:
                t = float(p[2])
            except ValueError:
                continue
            way, cid, cseq, first = p[3], p[4], p[5], p[6]
            method = cseq.split()[-1] if cseq.split() else ""
            st = calls.setdefault(cid, {"pending": {}, "cancel_t0": None})
            if way == "S":
                st["pending"].setdefault(method, t)
                if method == "CANCEL" and st["cancel_t0"] is None:
                    st["cancel_t0"] = t
                continue
            if not first.startswith("SIP/2.0 "):
                continue
            code = first.split()[1]
            if method == "INVITE" and code == "487" and st["cancel_t0"] is not None:
                out.setdefault("CANCEL->487", []).append((t - st["cancel_t0"]) * 1e6)
            t0 = st["pending"].pop(method, None)
            if t0 is None:
                continue
            kind = "%s->%s" % (method, "1xx" if code.startswith("1") else code)
            out.setdefault(kind, []).append((t - t0) * 1e6)
            if method == "CANCEL" and code != "200":
                st["cancel_t0"] = None
    return out


def pct(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[i]


def flatten(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, prefix + str(k) + ".")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from flatten(v, prefix + str(i) + ".")
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield prefix[:-1], obj


def snapshot(sock_path, out):
    """One /sipcancel/stats reply of the DPDK telemetry v2 socket, saved as JSON."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(sock_path)
    info = json.loads(s.recv(65536).decode())
    s.send(b"/sipcancel/stats")
    reply = json.loads(s.recv(int(info.get("max_output_len", 16384)) + 1024).decode())
    s.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(reply.get("/sipcancel/stats", {}), f)


def appcheck(workdir, scenario, calls):
    """(passed, reason): sipcancel's counter deltas over the scenario."""
    try:
        with open(os.path.join(workdir, scenario + ".before.json")) as f:
            before = json.load(f)
        with open(os.path.join(workdir, scenario + ".after.json")) as f:
            after = json.load(f)
    except (OSError, ValueError) as e:
        return False, "no counter snapshots (%s)" % e
    row = stat_row(workdir, scenario) or {}
    exact = num(row, "Retransmissions(C)") == 0
    why = []
    for key, per_call in EXPECT.get(scenario, {}).items():
        if key not in after:
            why.append("%s: no such counter" % key)
            continue
        got = after[key] - before.get(key, 0)
        want = per_call * calls
        if key in NEVER.get(scenario, []) or exact:
            bad = got != want
        else:
            bad = got < want
        if bad:
            why.append("%s %d, want %s%d" % (key, got, "" if exact else ">=", want))
    if why:
        return False, "; ".join(why)
    return True, "%d counters as expected%s" % (
        len(EXPECT.get(scenario, {})), "" if exact else " (lower bounds: SIPp retransmitted)")


def summary(workdir, calls, rate, sut, stats_file, scenarios):
    ok_all = True
    print("== sipcancel lab summary: %s, %d calls per scenario at %d/s" % (sut, calls, rate))
    print("%-10s %6s %6s %6s %7s %6s  %s" % ("scenario", "calls", "ok", "failed", "retrans",
                                            "dead", "verdict"))
    times = {}
    for s in scenarios:
        row = stat_row(workdir, s) or {}
        passed, why = verdict(workdir, s, calls)
        if passed and sut == "sipcancel":
            passed, why = appcheck(workdir, s, calls)
        ok_all = ok_all and passed
        print("%-10s %6d %6d %6d %7d %6d  %s" % (
            s, num(row, "TotalCallCreated"), num(row, "SuccessfulCall(C)"),
            num(row, "FailedCall(C)"), num(row, "Retransmissions(C)"),
            num(row, "DeadCallMsgs(C)") + num(row, "OutOfCallMsgs(C)"),
            "PASS" if passed else "FAIL: " + why))
        for kind, vals in samples(workdir, s).items():
            times.setdefault(kind, []).extend(vals)
    notes = {}
    for s in scenarios:
        for w in rfc_notes(workdir, s)[1]:
            notes.setdefault(w.split(" ", 1)[1], []).append((s, int(w.split(" ", 1)[0])))
    for what, where in notes.items():
        print("warning: %d %s [%s]; --strict makes this a failure" % (
            sum(n for _, n in where), what, ", ".join(s for s, _ in where)))
    if times:
        print("response times seen by SIPp, microseconds (all scenarios):")
        print("  %-14s %7s %9s %9s %9s %9s" % ("exchange", "n", "median", "p90", "p99",
                                             "max"))
        order = ["INVITE->1xx", "CANCEL->200", "CANCEL->487", "CANCEL->481"]
        for kind in order + sorted(k for k in times if k not in order):
            if kind not in times:
                continue
            v = sorted(times[kind])
            print("  %-14s %7d %9.0f %9.0f %9.0f %9.0f" % (
                kind, len(v), pct(v, 0.5), pct(v, 0.9), pct(v, 0.99), v[-1]))
    if sut == "sipcancel":
        # One stats file per sipcancel run (one per UAS profile): counters add up.
        totals, stats, lcores = {}, {}, {}
        for path in stats_file.split(","):
            try:
                with open(path, encoding="utf-8") as f:
                    one = json.load(f)
            except (OSError, ValueError) as e:
                print("sipcancel counters: no readable stats file (%s)" % e)
                return False
            for k, v in flatten(one.get("totals", {})):
                totals[k] = totals.get(k, 0) + v
            for k, v in one.items():
                if isinstance(v, int):
                    stats[k] = stats.get(k, 0) + v
            for lc, d in one.get("lcores", {}).items():
                lcores.setdefault(lc, {"rx_packets": 0})
                lcores[lc]["rx_packets"] += d.get("rx_packets", 0)
        runs = len(stats_file.split(","))
        # The counters a reader of a CANCEL run looks for, then every non-zero one that
        # says something went wrong (drops, failures, parse errors).
        items = [(k, totals[k]) for k in SHOWN if k in totals]
        items += [(k, v) for k, v in sorted(totals.items())
                  if v and k not in SHOWN and k != "parse_OK" and
                  any(w in k for w in ("drop", "fail", "malformed", "parse_", "503"))]
        items += [(k, stats[k]) for k in ("live_records", "mempool_in_use") if k in stats]
        if len(lcores) > 1:
            items += [("rx_packets@lcore" + k, v.get("rx_packets", 0))
                      for k, v in lcores.items()]
        print("sipcancel counters (%d worker(s), %d run(s); all in %s):" % (
            len(lcores), runs, " ".join(os.path.basename(p) for p in stats_file.split(","))))
        line = " "
        for k, v in items:
            cell = " %s=%s" % (k, v if isinstance(v, int) else "%.3g" % v)
            if len(line) + len(cell) > 88:
                print(line)
                line = " "
            line += cell
        if line.strip():
            print(line)
    return ok_all


def main(argv):
    if len(argv) >= 5 and argv[1] == "check":
        passed, why = verdict(argv[2], argv[3], int(argv[4]))
        if not passed or os.environ.get("LAB_QUIET") != "1":
            print("lab: scenario %s: %s (%s)" % (argv[3], "PASS" if passed else "FAIL", why))
            for w in rfc_notes(argv[2], argv[3])[1]:
                print("lab: scenario %s: warning: %s" % (argv[3], w))
        return 0 if passed else 1
    if len(argv) == 4 and argv[1] == "snapshot":
        try:
            snapshot(argv[2], argv[3])
        except (OSError, ValueError) as e:
            print("lab: telemetry %s: %s" % (argv[2], e), file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 5 and argv[1] == "appcheck":
        passed, why = appcheck(argv[2], argv[3], int(argv[4]))
        if not passed or os.environ.get("LAB_QUIET") != "1":
            print("lab: scenario %s: sipcancel %s (%s)" % (
                argv[3], "PASS" if passed else "FAIL", why))
        return 0 if passed else 1
    if len(argv) >= 7 and argv[1] == "summary":
        ok = summary(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], argv[7:])
        return 0 if ok else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
