#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A tiny stand-in for sipcancel's UAS role over a kernel UDP socket.

Used only by `scripts/lab.sh --sut mock` to prove the lab plumbing (namespaces, veth,
addresses, the SIPp scenarios) without the DPDK application. It follows the same
rules the scenarios assert: INVITE -> 100, 180 after --ring-delay ms; retransmitted
INVITE -> last response again; CANCEL -> 200 and 487 when it matches a pending INVITE
by branch (RFC 3261 9.2, 17.2.3), else 481; retransmitted CANCEL -> same response;
ACK absorbed. Not a SIP implementation: no Timer G/H, no sent-by routing.
"""
import argparse
import heapq
import os
import select
import signal
import socket
import time


def parse(data):
    text = data.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    hdrs = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            hdrs.append((name.strip(), value.strip()))
    return lines[0], hdrs


def get(hdrs, name):
    return [v for n, v in hdrs if n.lower() == name.lower()]


FAULT = "none"


def build(code, reason, hdrs, to_tag, cseq=None):
    out = ["SIP/2.0 %d %s" % (code, reason)]
    out += ["Via: " + v for v in get(hdrs, "Via")]
    # RFC 3581 section 4: fill a bare rport of the top Via, and add received.
    src = dict(hdrs).get("_src")
    if src is not None and len(out) > 1 and ";rport" in out[1] and FAULT != "no-rport":
        parts = out[1].split(";")
        parts = [p for p in parts if p != "rport" and not p.startswith("rport=")
                 and not p.startswith("received=")]
        out[1] = ";".join(parts) + ";rport=%d;received=%s" % (src[1], src[0])
    out.append("From: " + get(hdrs, "From")[0])
    to = get(hdrs, "To")[0]
    if ";tag=" not in to:
        to += ";tag=" + to_tag
    out.append("To: " + to)
    out.append("Call-ID: " + get(hdrs, "Call-ID")[0])
    out.append("CSeq: " + (cseq or get(hdrs, "CSeq")[0]))
    out.append("Content-Length: 0")
    return ("\r\n".join(out) + "\r\n\r\n").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ip", default="198.18.0.2")
    ap.add_argument("--port", type=int, default=5060)
    ap.add_argument("--ring-delay", type=int, default=100, help="ms")
    ap.add_argument("--exit-idle", type=int, default=30000, help="ms")
    ap.add_argument("--final-code", type=int, default=0, help="0: ring until CANCEL")
    ap.add_argument("--final-delay", type=int, default=0, help="ms after the INVITE")
    ap.add_argument("--fault", default="none",
                    choices=["none", "no487", "ring-now", "wrong481", "changed-repeat",
                             "487-after-final", "no-rport"],
                    help="break one rule on purpose, to show the lab catches it")
    args = ap.parse_args()
    global FAULT
    FAULT = args.fault
    # lab.sh stops the SUT with SIGTERM; that is a clean stop.
    # timeout(1) forwards the signal and also sends it to its process group, so it
    # can come twice: leave at once, without interpreter shutdown in between.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.ip, args.port))
    print("mock_uas: ready on %s:%d" % (args.ip, args.port), flush=True)
    invites = {}   # branch -> dict(last=bytes, final=bool, hdrs, src, tag)
    cancels = {}   # branch -> bytes (the final response of the CANCEL transaction)
    timers = []    # (due, branch)
    n = 0
    last_rx = time.monotonic()
    while True:
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, br, what = heapq.heappop(timers)
            t = invites.get(br)
            if t is None or t["final"]:
                continue
            if what == "ring":
                t["last"] = build(180, "Ringing", t["hdrs"], t["tag"])
            else:
                t["last"] = build(args.final_code, "Busy Here", t["hdrs"], t["tag"])
                t["final"] = True
            sock.sendto(t["last"], t["src"])
        if now - last_rx > args.exit_idle / 1000.0:
            return
        wait = 0.2 if not timers else max(0.0, min(0.2, timers[0][0] - now))
        r, _, _ = select.select([sock], [], [], wait)
        if not r:
            continue
        data, src = sock.recvfrom(65535)
        last_rx = time.monotonic()
        try:
            start, hdrs = parse(data)
            hdrs.append(("_src", src))
            method = start.split(" ", 1)[0]
            via = get(hdrs, "Via")[0]
            br = via.split("branch=", 1)[1].split(";")[0].split(",")[0].strip()
        except (IndexError, ValueError):
            continue
        if method == "INVITE":
            t = invites.get(br)
            if t is not None:
                if args.fault == "changed-repeat":
                    # The same status, rebuilt with another To tag: not "the same".
                    line = t["last"].split(b"\r\n", 1)[0].decode().split(" ", 2)
                    t["last"] = build(int(line[1]), line[2], t["hdrs"], t["tag"] + "x")
                sock.sendto(t["last"], src)
                continue
            n += 1
            t = {"hdrs": hdrs, "src": src, "tag": "mock%d" % n, "final": False}
            t["last"] = build(100, "Trying", hdrs, t["tag"])
            invites[br] = t
            sock.sendto(t["last"], src)
            delay = 0 if args.fault == "ring-now" else args.ring_delay / 1000.0
            now = time.monotonic()
            heapq.heappush(timers, (now + delay, br, "ring"))
            if args.final_code:
                heapq.heappush(timers, (now + args.final_delay / 1000.0, br, "final"))
        elif method == "CANCEL":
            if br in cancels:
                sock.sendto(cancels[br], src)
                continue
            t = invites.get(br)
            if t is None or args.fault == "wrong481":
                n += 1
                cancels[br] = build(481, "Call/Transaction Does Not Exist", hdrs,
                                    "mock%d" % n)
                sock.sendto(cancels[br], src)
                continue
            cancels[br] = build(200, "OK", hdrs, t["tag"])
            sock.sendto(cancels[br], src)
            if args.fault == "487-after-final" and t["final"]:
                t["final"] = False
            if not t["final"] and args.fault != "no487":
                num = get(t["hdrs"], "CSeq")[0].split()[0]
                t["last"] = build(487, "Request Terminated", t["hdrs"], t["tag"],
                                  num + " INVITE")
                t["final"] = True
                sock.sendto(t["last"], src)
        # ACK and anything else: absorbed.


if __name__ == "__main__":
    main()
