# SPDX-License-Identifier: BSD-3-Clause
"""Edge cases of the data path, through the real binary on net_pcap (run.py edge-NAME):

  edge-frag-timeout  a lone first fragment: let go of after the 2 s reassembly timeout
  edge-frag-exit     a lone first fragment at exit: drop_shutdown, not held
  edge-frag-jumbo    a fragment larger than one mbuf: refused and counted, accounts balance
  edge-frag-abuse    duplicates, overlaps, over 8 fragments, a full table: accounts balance
  edge-bad-source    requests from broadcast, multicast and group-MAC sources: no answer
  edge-pace-stop     SIGTERM while --pcap-pace still holds frames due in a minute: each
                     is received and a drop_shutdown, the accounts balance
  edge-port-id8      the SIP port has ethdev id 8 (failsafe ports own ids 1-7): no
                     corruption of the local addresses behind the port tables
"""
import json
import os
import time

import check
import sipwork as sw


def _go(R, exe, tmp, tag, frames, idle=300, eal_extra=None):
    ins, outs = [os.path.join(tmp, "in.pcap")], [os.path.join(tmp, "out.pcap")]
    sw.write_pcap(ins[0], [(0.0, sw.clock_frame(None))] + frames)
    stats = os.path.join(tmp, "stats.json")
    args = R.eal_args(tag, 1, ins, outs)
    if eal_extra:
        k = args.index("--vdev")
        args[k:k] = eal_extra
    out = R.run(exe, args + ["--"] + R.app_opts(stats, idle) + ["--ring-delay", "0"], tmp)
    with open(stats) as f:
        st = json.load(f)
    return out, st, sw.read_pcap(outs[0]), stats


def _lone_fragment(R, exe, tmp, tag, ident, idle, expired, shutdown):
    # One first fragment and nothing more: let go of by the 2 s reassembly timeout
    # (frag_expired) or by the end of the run (drop_shutdown), never left held, and
    # its mbuf back in the pool either way.
    c = sw.Call("frag", 0, 4)
    frs = c.frames(c.invite(), None, ident)
    out, st, sent, stats = _go(R, exe, tmp, tag, [(0.05, frs[0])], idle=idle)
    t = st["totals"]
    got = (t["held"], t["frag_expired"], t["drop_shutdown"])
    if got != (0, expired, shutdown):
        check.fail("lone fragment, %d ms idle: held %d frag_expired %d drop_shutdown %d, "
                   "want 0, %d, %d" % ((idle,) + got + (expired, shutdown)))
    if st["mempool_in_use"] != 0:
        check.fail("mempool_in_use %d" % st["mempool_in_use"])
    check.check_stats(stats, len(sent))
    return 1, len(sent)


def frag_timeout(R, exe, tmp):
    # The app idles 3.5 s; the timeout is 2 s.
    return _lone_fragment(R, exe, tmp, "fragto", 77, 3500, expired=1, shutdown=0)


def frag_exit(R, exe, tmp):
    # The run ends before the timeout.
    return _lone_fragment(R, exe, tmp, "fragexit", 78, 400, expired=0, shutdown=1)


def frag_jumbo(R, exe, tmp):
    # Two IPv4 fragments, the first 3034 octets: net_pcap hands it over in two mbufs.
    c = sw.Call("frag", 0, 4)
    payload = c.invite() + b"x" * 600
    frs = sw.udp_frames(c.mac, sw.UAS_MAC, c.ip, c.uas_ip, c.sport, sw.SIP_PORT,
                        payload, mtu=3020, ident=88)
    out, st, sent, stats = _go(R, exe, tmp, "fragjumbo",
                               [(0.05 + k * 1e-4, f) for k, f in enumerate(frs)])
    t = st["totals"]
    if t["net_drop_bad_fragment"] < 1:
        check.fail("the 2-mbuf fragment was not refused: %s" % {
            k: t[k] for k in ("rx_packets", "frag_merged", "held", "drops_total")})
    check.check_stats(stats, len(sent))
    return 1, len(sent)


def frag_abuse(R, exe, tmp):
    frames = []
    ts = 0.05
    for ipv in (4, 6):
        c = sw.Call("frag", 1, ipv)
        big = c.invite() + b"y" * 6000
        frs = sw.udp_frames(c.mac, sw.UAS_MAC, c.ip, c.uas_ip, c.sport, sw.SIP_PORT,
                            big, ident=500 + ipv)
        seqs = [frs[:1] + frs[:1] + frs[1:],            # the first twice
                frs[:-1] + frs[1:3] + frs[-1:],         # middle ones twice
                frs + frs,                              # whole, then again
                list(reversed(frs))]
        seqs.append(sw.udp_frames(c.mac, sw.UAS_MAC, c.ip, c.uas_ip, c.sport, sw.SIP_PORT,
                                  c.invite() + b"z" * 3000, mtu=600, ident=900 + ipv))
        for s in seqs:
            for f in s:
                frames.append((ts, f))
                ts += 1e-4
        for k in range(300):                            # more open datagrams than flows
            fr = sw.udp_frames(c.mac, sw.UAS_MAC, c.ip, c.uas_ip, c.sport, sw.SIP_PORT,
                               big, ident=2000 + k)
            frames.append((ts, fr[0]))
            ts += 1e-5
    # Idle past the timeout: nothing may stay held at exit.
    out, st, sent, stats = _go(R, exe, tmp, "fragabuse", frames, idle=3500)
    if st["totals"]["held"] != 0 or st["totals"]["drop_shutdown"] != 0:
        check.fail("%d fragments still held 3.5 s after the last (drop_shutdown %d)"
                   % (st["totals"]["held"], st["totals"]["drop_shutdown"]))
    if st["mempool_in_use"] != 0:
        check.fail("mempool_in_use %d" % st["mempool_in_use"])
    check.check_stats(stats, len(sent))
    return 2, len(sent)


def bad_source(R, exe, tmp):
    # RFC 1122 3.2.1.3 / 4.1.3.6, RFC 4291 2.7: such sources are never answered.
    frames = []
    for k, (mac, src) in enumerate([("ff:ff:ff:ff:ff:ff", "255.255.255.255"),
                                    ("01:00:5e:00:00:01", "224.0.0.1"),
                                    ("02:00:00:00:00:01", "127.0.0.1"),
                                    ("01:00:5e:00:00:01", "198.18.0.1")]):
        c = sw.Call("ring", k, 4)
        c.ip, c.mac = src, mac
        frames += [(0.05 + 0.01 * k, f) for f in c.frames(c.invite(), None, 90 + k)]
    c = sw.Call("ring", 5, 6)
    c.ip, c.mac = "ff02::1", "33:33:00:00:00:01"
    frames += [(0.1, f) for f in c.frames(c.invite(), None, 95)]
    # One good call after them: still answered.
    c = sw.Call("ring", 6, 4)
    frames += [(0.12, f) for f in c.frames(c.invite(), None, 96)]
    out, st, sent, stats = _go(R, exe, tmp, "badsrc", frames)
    answered = 0
    for ts, d in sent:
        f = sw.Frame(d)
        if f.dst_ip != c.ip:
            check.fail("answered %s (MAC %s): %r" % (f.dst_ip, sw.mac_str(d[:6]),
                                                     (f.payload or b"")[:12]))
        else:
            answered += 1
    if answered != 2:
        check.fail("the good INVITE got %d responses, want 100 and 180" % answered)
    if st["totals"].get("net_drop_bad_source") != 5:
        check.fail("net_drop_bad_source %r, want 5" % st["totals"].get("net_drop_bad_source"))
    check.check_stats(stats, len(sent))
    return 6, len(sent)


def port_id8(R, exe, tmp):
    # Failsafe ports over net_null take ids 0-7 with their sub-devices, the pcap port
    # gets id 8. Its MAC and MTU went past 8-entry tables into the local address
    # counts, so 32.1.0.2 (the first octets of 2001:2::2) and :: were taken as local.
    frames = []
    c = sw.Call("ring", 0, 4)
    c.uas_ip = "32.1.0.2"
    frames += [(0.05, f) for f in c.frames(c.invite(), None, 7)]
    c = sw.Call("ring", 1, 6)
    c.uas_ip = "::"
    frames += [(0.06, f) for f in c.frames(c.invite(), None, 8)]
    good = sw.Call("ring", 2, 4)
    frames += [(0.07, f) for f in good.frames(good.invite(), None, 9)]
    fs = []
    for j, subs in enumerate(((0, 1), (2, 3), (4,))):
        fs += ["--vdev", "net_failsafe%d," % j + ",".join(
            "dev(net_null%d,no-rx=1)" % i for i in subs)]
    out, st, sent, stats = _go(R, exe, tmp, "pid8", frames, eal_extra=fs)
    answered = 0
    for ts, d in sent:
        f = sw.Frame(d)
        if f.src_ip != good.uas_ip:
            check.fail("answered a request to %s, not a local address: %r"
                       % (f.src_ip, (f.payload or b"")[:12]))
        else:
            answered += 1
    if answered != 2:
        check.fail("the INVITE to our address got %d responses, want 2" % answered)
    return 3, len(sent)


def pace_stop(R, exe, tmp):
    # The pacer has read every frame of the pcap (one burst), but five are due only a
    # minute in: stopped before, they still count as received, each a shutdown drop.
    c = sw.Call("ring", 0, 4)
    late = [(60.0 + 0.01 * k, sw.clock_frame(None)) for k in range(5)]
    frames = [(0.0, sw.clock_frame(None))] + \
        [(0.05, f) for f in c.frames(c.invite(), None, 11)] + late
    ins, outs = [os.path.join(tmp, "in.pcap")], [os.path.join(tmp, "out.pcap")]
    sw.write_pcap(ins[0], frames)
    stats = os.path.join(tmp, "stats.json")
    log = os.path.join(tmp, "app.log")
    args = R.eal_args("pacestop", 1, ins, outs) + ["--"] + R.app_opts(stats, 0) + \
        ["--ring-delay", "0"]
    app = R.start([exe] + args, tmp, log)
    try:
        time.sleep(0.5)
        rc = R.stop(app, log)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    if rc is None:
        return 1, 0
    if rc != 0:
        check.fail("SIGTERM: exit %d, want 0: %s" % (rc, open(log).read()[-500:]))
        return 1, 0
    with open(stats) as f:
        t = json.load(f)["totals"]
    sent = sw.read_pcap(outs[0])
    if t["rx_packets"] != len(frames) or t["drop_shutdown"] < len(late) or t["held"] != 0:
        check.fail("stopped with %d frames paced: rx_packets %d (want %d), drop_shutdown %d "
                   "(want >= %d), held %d" % (len(late), t["rx_packets"], len(frames),
                                             t["drop_shutdown"], len(late), t["held"]))
    check.check_stats(stats, len(sent))
    return 1, len(sent)


CASES = {
    "edge-frag-timeout": frag_timeout,
    "edge-frag-exit": frag_exit,
    "edge-frag-jumbo": frag_jumbo,
    "edge-frag-abuse": frag_abuse,
    "edge-bad-source": bad_source,
    "edge-port-id8": port_id8,
    "edge-pace-stop": pace_stop,
}


def run_case(R, exe, tmp, name):
    calls, frames = CASES[name](R, exe, tmp)
    return R.finish(name, calls, frames)
