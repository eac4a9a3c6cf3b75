#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run one sipcancel integration case: write the input pcap(s), run the real binary
on net_pcap (--no-huge), check the output pcap(s) and the stats file.

  run.py SIPCANCEL CASE [SIPCANCEL-GEN]

CASE: SCENARIO-v4|v6-vlan|novlan-w1|w2|w2x  (w2: two workers, calls split over two
      rx queues; w2x: INVITEs on one queue, CANCEL/ACK on the other)
      gen-SCENARIO-v4|v6-w1|w2 (workload from sipcancel-gen)
      full-..., config-..., arpnd, malformed-w1|w2, help, badopts, telemetry, checker
      longreq-v4|v6-vlan|novlan (RFC 4475 longreq.dat in fragments, its 513 out in fragments)
      edge-... (edge_case.py: fragment timeout and abuse, bad sources, port ids)
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import sipwork as sw  # noqa: E402

TIMEOUT = 120
GEN = None      # app/tools/sipcancel-gen
DATA = os.environ.get("SC_TEST_DATA",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))


PREFIXES = []


def eal_args(tag, workers, ins, outs):
    # Every lcore may run on either CPU: the tests share a 2-core machine.
    lc = ",".join("%d@(0,1)" % k for k in range(workers + 1))
    vdev = "net_pcap0," + ",".join(["rx_pcap=%s" % p for p in ins] +
                                   ["tx_pcap=%s" % p for p in outs])
    prefix = "sc_app_%s_%d" % (tag, os.getpid())
    PREFIXES.append(prefix)
    return ["--no-huge", "-m", "512", "--no-pci", "--file-prefix", prefix,
            "--log-level=lib.eal:error", "--lcores", lc, "--vdev", vdev]


def runtime_dir(prefix):
    base = os.environ.get("XDG_RUNTIME_DIR", "/tmp") if os.getuid() != 0 else "/var/run"
    return os.path.join(base, "dpdk", prefix)


def run(exe, args, tmp, expect_rc=0):
    cmd = [exe] + args
    r = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=TIMEOUT)
    out = r.stdout.decode(errors="replace")
    if r.returncode != expect_rc:
        print(out)
        print("FAIL: %s exited %d, want %d" % (" ".join(cmd), r.returncode, expect_rc))
        sys.exit(1)
    return out


def app_opts(stats, idle=300):
    return ["--local-ip", sw.UAS_IP4, "--local-ip", sw.UAS_IP6, "--mac", sw.UAS_MAC,
            "--pcap-pace", "--exit-idle", str(idle), "--stats-file", stats]


def wait_for_line(path, text, seconds):
    """Until the file holds text, for at most seconds."""
    deadline = time.time() + seconds
    while time.time() < deadline and text not in open(path).read():
        time.sleep(0.05)


def start(cmd, tmp, log):
    """sipcancel (cmd) in the background, its output in log; returns once its workers
    are launched (at most 10 s)."""
    with open(log, "w") as lf:
        app = subprocess.Popen(cmd, cwd=tmp, stdout=lf, stderr=subprocess.STDOUT)
    wait_for_line(log, "worker(s) on", 10)
    return app


def stop(app, log):
    """SIGTERM, then the exit status, or None (and a failure) if it does not exit."""
    app.send_signal(signal.SIGTERM)
    try:
        return app.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        check.fail("sipcancel still running %d s after SIGTERM: %s"
                   % (TIMEOUT, open(log).read()[-500:]))
        return None


def finish(name, calls, frames):
    for f in check.FAILS:
        print("FAIL: " + f)
    print("%s: %d calls/requests, %d output frames, %d violation(s)" %
          (name, calls, frames, len(check.FAILS)))
    return 1 if check.FAILS else 0


class Args:
    pass


CONFIG_FINAL = 603     # config-*: the command line's final, over the file's 480


def case_sip(exe, tmp, name, config=False):
    scen, ipv, vlan, w = name.split("-")
    ipv = int(ipv[1])
    vlan = sw.VLAN_ID if vlan == "vlan" else None
    workers = 1 if w == "w1" else 2
    split = "kind" if w == "w2x" else "call"
    ins = [os.path.join(tmp, "in%d.pcap" % k) for k in range(workers)]
    outs = [os.path.join(tmp, "out%d.pcap" % k) for k in range(workers)]
    sw.write_inputs(ins, scen, ipv, vlan, split)
    stats = os.path.join(tmp, "stats.json")
    opts = app_opts(stats, idle=700 if scen == "early" else 300)
    sopts = sw.SCENARIOS[scen]["opts"]
    if config:
        # The same settings from an INI file; the command line overrides one of them.
        ini = os.path.join(tmp, "sc.ini")
        with open(ini, "w") as f:
            f.write("; sipcancel test config\n[sipcancel]\n")
            for k in range(0, len(sopts), 2):
                f.write("%s = %s\n" % (sopts[k].lstrip("-"), sopts[k + 1]))
            f.write("final-code = 480\nsip-port = 5060, 5080\n")
        # A 6xx, so that tx_status_6xx is counted somewhere (check_stats).
        sopts = ["--config", ini, "--final-code", str(CONFIG_FINAL)]
    out = run(exe, eal_args(name, workers, ins, outs) + ["--"] + opts + sopts, tmp)
    a = Args()
    a.inp, a.out, a.stats = ins, outs, stats
    if config:
        a.final_code = CONFIG_FINAL
    n, m = check.check_sip(a)
    if check.FAILS:
        print(out)
    return finish(name, n, m)


GEN_SCENARIOS = {
    "ring": ("cancel-after-ringing", ["--ring-delay", "0"]),
    "early": ("cancel-before-ringing", ["--ring-delay", "500"]),
    "unmatched": ("unmatched-cancel", ["--ring-delay", "0"]),
    "final": ("cancel-after-final", ["--ring-delay", "0", "--final-code", "486",
                                     "--final-delay", "0"]),
    "retrans": ("retransmit", ["--ring-delay", "0"]),
    "rfc2543": ("rfc2543", ["--ring-delay", "0"]),
}


def case_gen(exe, tmp, name):
    """Workload from app/tools/sipcancel-gen (net engineer's generator)."""
    _, scen, ipv, w = name.split("-")
    workers = 2 if w == "w2" else 1
    gen = GEN or os.path.join(os.path.dirname(exe), "..", "tools", "sipcancel-gen")
    base = os.path.join(tmp, "in.pcap")
    g = [gen, "-o", base, "-n", "16", "-s", GEN_SCENARIOS[scen][0], "--gap-us", "100000",
         "--call-gap-us", "7000", "--rport", "--flows", "8", "--seed", "7"]
    if ipv == "v6":
        g.append("-6")
    if workers > 1:
        g += ["--split", "2"]
    r = subprocess.run(g, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 0:
        print(r.stdout.decode(errors="replace"))
        check.fail("sipcancel-gen exited %d" % r.returncode)
        return finish(name, 0, 0)
    ins = [base] if workers == 1 else [os.path.join(tmp, "in.%d.pcap" % k)
                                       for k in range(2)]
    outs = [os.path.join(tmp, "out%d.pcap" % k) for k in range(workers)]
    stats = os.path.join(tmp, "stats.json")
    ip, mac = ("198.18.0.2", "02:00:00:00:00:02") if ipv == "v4" else \
        ("2001:2::2", "02:00:00:00:00:02")
    opts = ["--local-ip", ip, "--mac", mac, "--pcap-pace", "--exit-idle",
            "700" if scen == "early" else "300", "--stats-file", stats]
    out = run(exe, eal_args(name, workers, ins, outs) + ["--"] + opts +
              GEN_SCENARIOS[scen][1], tmp)
    a = Args()
    a.inp, a.out, a.stats, a.clocks = ins, outs, stats, 0
    n, m = check.check_sip(a)
    if check.FAILS:
        print(out)
    return finish(name, n, m)


def garbage_frames(seed, n):
    """Hostile input: valid SIP frames with random byte flips and cuts, random bytes,
    runts, QinQ, IPv4 options, odd fragments, bad lengths. Deterministic per seed."""
    rnd = random.Random(seed)
    base = []
    for scen in ("ring", "retrans", "frag", "rfc2543"):
        for ipv in (4, 6):
            base += [fr for _, fr, _, _ in sw.scenario_packets(scen, ipv, rnd.choice(
                [None, sw.VLAN_ID]))]
    base.append(sw.arp_request("02:00:00:01:00:05", "198.18.1.5", sw.UAS_IP4))
    base.append(sw.neighbour_solicit("02:00:00:01:00:05", "2001:2::1:5", sw.UAS_IP6))
    out = []
    for k in range(n):
        fr = bytearray(rnd.choice(base))
        how = rnd.randrange(8)
        if how == 0:
            fr = bytearray(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 200)))
        elif how == 1:
            fr = fr[:rnd.randrange(0, len(fr) + 1)]
        elif how == 2:
            for _ in range(rnd.randrange(1, 8)):
                fr[rnd.randrange(len(fr))] = rnd.getrandbits(8)
        elif how == 3:
            # Flip a byte in the L2-L4 headers only, keep the rest.
            fr[rnd.randrange(min(len(fr), 62))] ^= 1 << rnd.randrange(8)
        elif how == 4:
            fr = fr[:12] + bytearray(b"\x88\xa8\x00\x05") + fr[12:]     # QinQ
        elif how == 5 and fr[12:14] == b"\x08\x00":
            # IPv4 length fields inconsistent with the frame.
            fr[16:18] = rnd.getrandbits(16).to_bytes(2, "big")
        elif how == 6:
            # A SIP payload mutated: random byte flips, checksums made right again.
            f = sw.Frame(bytes(fr))
            if f.payload and not f.error:
                pl = bytearray(f.payload)
                for _ in range(rnd.randrange(1, 6)):
                    pl[rnd.randrange(len(pl))] = rnd.choice(b"\r\n:;,<>\"@ =\x00\xffzZ9")
                fr = bytearray(sw.udp_frames(f.src_mac, f.dst_mac, f.src_ip, f.dst_ip,
                                             f.sport, f.dport, bytes(pl), vlan=f.vlan)[0])
        out.append((0.05 + k * 0.0004, bytes(fr)))
    return out


def case_garbage(exe, tmp, name):
    """Never crash, never leak, every packet accounted, every output well-formed."""
    workers = 2 if name.endswith("w2") else 1
    ins = [os.path.join(tmp, "in%d.pcap" % k) for k in range(workers)]
    outs = [os.path.join(tmp, "out%d.pcap" % k) for k in range(workers)]
    frames = garbage_frames(4475, 3000)
    for k, p in enumerate(ins):
        sw.write_pcap(p, [(0.0, sw.clock_frame(None))] + frames[k::workers])
    stats = os.path.join(tmp, "stats.json")
    out = run(exe, eal_args(name, workers, ins, outs) + ["--"] + app_opts(stats) +
              ["--ring-delay", "0"], tmp)
    n_out = 0
    for p in outs:
        for n, (ts, data) in enumerate(sw.read_pcap(p)):
            n_out += 1
            f = sw.Frame(data)
            if f.error is not None:
                check.fail("%s frame %d: %s" % (os.path.basename(p), n + 1, f.error))
            elif f.payload is not None:
                try:
                    rsp = sw.Sip(f.payload)
                    if not rsp.is_response:
                        check.fail("%s frame %d: a request" % (os.path.basename(p), n + 1))
                except (ValueError, IndexError) as e:
                    check.fail("%s frame %d: not SIP: %s" % (os.path.basename(p), n + 1, e))
    st = check.check_stats(stats, n_out)
    if st["rx_packets"] != len(frames) + workers:
        check.fail("stats: rx_packets %d, input holds %d frames" %
                   (st["rx_packets"], len(frames) + workers))
    if check.FAILS:
        print(out)
    return finish(name, len(frames), n_out)


def case_arpnd(exe, tmp):
    peer_mac, p4, p6 = "02:00:00:01:00:05", "198.18.1.5", "2001:2::1:5"
    frames = [(0.0, sw.arp_request(peer_mac, p4, sw.UAS_IP4)),
              (0.01, sw.arp_request(peer_mac, p4, "198.18.0.99")),
              (0.02, sw.neighbour_solicit(peer_mac, p6, sw.UAS_IP6)),
              (0.03, sw.neighbour_solicit(peer_mac, p6, "2001:2::99")),
              # A second ARP request: the ARP and ND counters must differ.
              (0.04, sw.arp_request(peer_mac, p4, sw.UAS_IP4))]
    ins, outs = [os.path.join(tmp, "in.pcap")], [os.path.join(tmp, "out.pcap")]
    sw.write_pcap(ins[0], frames)
    stats = os.path.join(tmp, "stats.json")
    out = run(exe, eal_args("arpnd", 1, ins, outs) + ["--"] + app_opts(stats), tmp)
    a = Args()
    a.inp, a.out, a.stats = ins, outs, stats
    a.peer_mac, a.peer_ip4, a.peer_ip6 = peer_mac, p4, p6
    a.n_arp = 2
    n, m = check.check_arpnd(a)
    with open(stats) as f:
        st = json.load(f)["totals"]
    if st["arp_replies"] != 2 or st["nd_replies"] != 1:
        check.fail("stats: arp_replies %d nd_replies %d, want 2 and 1" %
                   (st["arp_replies"], st["nd_replies"]))
    if check.FAILS:
        print(out)
    return finish("arpnd", n, m)


def case_malformed(exe, tmp, name):
    workers = 2 if name.endswith("w2") else 1
    corpus = os.path.join(DATA, "rfc4475")
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".dat"))
    per = [[(0.0, sw.clock_frame(None))] for _ in range(workers)]
    cid_of = {}
    for k, fn in enumerate(files):
        with open(os.path.join(corpus, fn), "rb") as f:
            payload = f.read()
        try:
            cid = sw.Sip(payload).one("call-id")
        except (ValueError, IndexError):
            cid = None
        if cid:
            cid_of[fn] = cid
        src = "198.18.2.%d" % (10 + k)
        mac = "02:00:00:02:00:%02x" % k
        for fr in sw.udp_frames(mac, sw.UAS_MAC, src, sw.UAS_IP4, 5060, 5060, payload,
                                ident=k + 1):
            per[k % workers].append((0.05 + 0.005 * k, fr))
        # Every truncated prefix of the first 200 bytes too: never crash.
        for cut in range(1, min(len(payload), 200), 7):
            for fr in sw.udp_frames(mac, sw.UAS_MAC, src, sw.UAS_IP4, 5061, 5060,
                                    payload[:cut], ident=1000 + k * 40 + cut):
                per[k % workers].append((0.06 + 0.005 * k, fr))
    ins = [os.path.join(tmp, "in%d.pcap" % k) for k in range(workers)]
    outs = [os.path.join(tmp, "out%d.pcap" % k) for k in range(workers)]
    for p, fr in zip(ins, per):
        fr.sort(key=lambda x: x[0])
        sw.write_pcap(p, fr)
    stats = os.path.join(tmp, "stats.json")
    out = run(exe, eal_args(name, workers, ins, outs) + ["--"] + app_opts(stats) +
              ["--ring-delay", "0"], tmp)
    a = Args()
    a.inp, a.out, a.stats = ins, outs, stats
    a.expected = os.path.join(corpus, "EXPECTED.tsv")
    a.cid_of = cid_of
    n, m = check.check_malformed(a)
    if check.FAILS:
        print(out)
    return finish(name, n, m)


def case_longreq(exe, tmp, name):
    """RFC 4475 3.1.1.7 longreq.dat (34 Vias, 3.5 KB), itself IP-fragmented as it
    would arrive, must be accepted as well-formed; sipcancel answers 513 (its record
    cannot hold the header block) and that 513 carries every Via (8.2.6.2), so it
    exceeds the MTU and must go out in IP fragments (RFC 3261 18.2.2 over UDP)."""
    _, ipv, vlan = name.split("-")
    ipv = int(ipv[1])
    vlan = sw.VLAN_ID if vlan == "vlan" else None
    with open(os.path.join(DATA, "rfc4475", "longreq.dat"), "rb") as f:
        payload = f.read()
    src, dst = ("198.18.3.10", sw.UAS_IP4) if ipv == 4 else ("2001:2::3:10", sw.UAS_IP6)
    frames = sw.udp_frames("02:00:00:03:00:10", sw.UAS_MAC, src, dst, 5062, sw.SIP_PORT,
                           payload, vlan=vlan, ident=0x4475)
    if len(frames) < 3:
        check.fail("longreq.dat input in %d frames, want 3 fragments" % len(frames))
    ins, outs = [os.path.join(tmp, "in.pcap")], [os.path.join(tmp, "out.pcap")]
    sw.write_pcap(ins[0], [(0.0, sw.clock_frame(vlan))] +
                  [(0.05 + 0.0001 * k, fr) for k, fr in enumerate(frames)])
    stats = os.path.join(tmp, "stats.json")
    out = run(exe, eal_args(name, 1, ins, outs) + ["--"] + app_opts(stats) +
              ["--ring-delay", "0"], tmp)
    reqs = check.load_requests(ins)
    sent = check.load_output(outs)
    if len(reqs) != 1 or len(reqs[0].vias) != 34:
        check.fail("input: %d request(s), %s Vias; want longreq.dat's 34" %
                   (len(reqs), [len(r.vias) for r in reqs]))
        return finish(name, 0, 0)
    req = reqs[0]
    by_key, got = check.match_responses(reqs, sent)
    rsps = [x for lst in got.values() for x in lst]
    if not rsps or any(r.status != 513 for _, r in rsps):
        check.fail("longreq.dat got %s, want 513 (its header block is larger than a "
                   "record; 8.2.6.2 still copies every Via)" % [r.status for _, r in rsps])
    for fr, rsp in rsps:
        # match_responses held its Vias, From, To, Call-ID, CSeq and addressing.
        vias = rsp.all("via")
        if len(vias) != 34 or [check.strip_params(v, ("received", "rport")) for v in vias] \
                != [check.strip_params(v, ("received", "rport")) for v in req.vias]:
            check.fail("513: %d Vias, want the request's 34 in order" % len(vias))
        if not fr.fragmented or fr.nframes < 2:
            check.fail("513 of %d octets sent in %d frame(s), want IP fragments" %
                       (len(fr.payload), fr.nframes))
    if len(sent) != len(rsps):
        check.fail("%d datagram(s) sent besides the 513" % (len(sent) - len(rsps)))
    st = check.check_stats(stats, check.n_frames(sent), sent)
    if st["rx_packets"] != len(frames) + 1 or st["rx_sip_handled"] != 1 or \
            st["frag_merged"] != len(frames) - 1 or st["drops_total"] != 1:
        check.fail("stats: rx %d sip_handled %d frag_merged %d drops %d; input: clock "
                   "packet + %d fragments of one request" %
                   (st["rx_packets"], st["rx_sip_handled"], st["frag_merged"],
                    st["drops_total"], len(frames)))
    if check.FAILS:
        print(out)
    return finish(name, 1, check.n_frames(sent))


def telemetry(sock_path, cmd):
    """One rte_telemetry v2 request; returns the JSON value of cmd."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.settimeout(5)
        s.connect(sock_path)
        json.loads(s.recv(16384).decode())     # greeting with version and max size
        s.send(cmd.encode())
        reply = json.loads(s.recv(1 << 20).decode())
    finally:
        s.close()
    return reply[cmd.split(",")[0]]


def case_telemetry(exe, tmp):
    """Counters through rte_telemetry while running, a stats line per --stats-period,
    then SIGTERM: clean stop, final counters, stats file, every response right."""
    ins = [os.path.join(tmp, "in%d.pcap" % k) for k in range(2)]
    outs = [os.path.join(tmp, "out%d.pcap" % k) for k in range(2)]
    sw.write_inputs(ins, "ring", 4, None, "call")
    n_pkts = sum(len(sw.read_pcap(p)) for p in ins)
    stats = os.path.join(tmp, "stats.json")
    args = eal_args("telemetry", 2, ins, outs)
    args = [a for a in args if a != "--log-level=lib.eal:error"]
    cmd = [exe] + args + ["--"] + app_opts(stats, idle=0) + ["--stats-period", "1"]
    sock = os.path.join(runtime_dir(PREFIXES[-1]), "dpdk_telemetry.v2")
    proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tot = lcores = one = bad = None
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            time.sleep(0.2)
            if proc.poll() is not None:
                break
            try:
                tot = telemetry(sock, "/sipcancel/stats")
            except (OSError, ValueError, KeyError):
                continue
            if tot is None:     # command not registered yet
                continue
            if tot.get("rx_packets") == n_pkts and tot.get("uas_tx_487", 0) == sw.N_CALLS:
                lcores = telemetry(sock, "/sipcancel/lcore")
                one = telemetry(sock, "/sipcancel/lcore,%d" % lcores[0])
                # Not an lcore id, and an lcore that is no worker: an error (null).
                bad = [telemetry(sock, "/sipcancel/lcore,%s" % p)
                       for p in ("%dx" % lcores[0], "99")]
                time.sleep(1.2)     # at least one --stats-period line
                break
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=TIMEOUT)[0].decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        check.fail("exit %d after SIGTERM, want 0" % proc.returncode)
    if tot is None or tot.get("rx_packets") != n_pkts:
        check.fail("/sipcancel/stats: rx_packets %r, want %d" %
                   (None if tot is None else tot.get("rx_packets"), n_pkts))
    if lcores is None or len(lcores) != 2:
        check.fail("/sipcancel/lcore: %r, want two worker lcores" % (lcores,))
    if one is None or one.get("rx_packets", 0) == 0 or \
            (tot and one.get("rx_packets", 0) >= tot["rx_packets"]):
        check.fail("/sipcancel/lcore,<id>: %r is not one lcore's share" %
                   (None if one is None else one.get("rx_packets")))
    if bad != [None, None]:
        check.fail("/sipcancel/lcore,%dx and ,99: %r, want errors (null)"
                   % (lcores[0] if lcores else -1, bad))
    if "signal 15: stopping" not in out or "final counters" not in out:
        check.fail("no clean-stop message and final counters on SIGTERM")
    if "sipcancel: rx " not in out:
        check.fail("no --stats-period line")
    a = Args()
    a.inp, a.out, a.stats = ins, outs, stats
    n, m = (0, 0)
    if os.path.exists(stats):
        n, m = check.check_sip(a)
    else:
        check.fail("no --stats-file after SIGTERM")
    if check.FAILS:
        print(out)
    return finish("telemetry", n, m)


def case_checker(exe, tmp):
    """The checker must catch wrong responses: run a good case, then break its output
    one way at a time and expect a violation each time."""
    ins = [os.path.join(tmp, "in.pcap")]
    outs = [os.path.join(tmp, "out.pcap")]
    sw.write_inputs(ins, "ring", 4, sw.VLAN_ID, "call")
    stats = os.path.join(tmp, "stats.json")
    run(exe, eal_args("checker", 1, ins, outs) + ["--"] + app_opts(stats) +
        sw.SCENARIOS["ring"]["opts"], tmp)
    a = Args()
    a.inp, a.out, a.stats = ins, outs, None
    check.check_sip(a)
    if check.FAILS:
        return finish("checker (unmodified output)", 0, 0)
    good = sw.read_pcap(outs[0])

    def rewrite(fn):
        res = []
        for ts, fr in good:
            f = sw.Frame(fr)
            r = fn(f, fr)
            if r is not None:
                res.append((ts, r))
        return res

    def resip(f, fr, new_payload):
        # Rebuild the frame around a new SIP payload with correct checksums.
        return sw.udp_frames(f.dst_mac, f.src_mac, f.src_ip, f.dst_ip, f.sport, f.dport,
                             new_payload, vlan=f.vlan)[0]

    def sub(old, new, status):
        def fn(f, fr):
            if f.payload and f.payload.startswith(b"SIP/2.0 %d" % status):
                return resip(f, fr, f.payload.replace(old, new, 1))
            return fr
        return fn

    mutations = {
        "487 To tag changed": sub(b";tag=", b";tag=x", 487),
        "180 Via dropped": lambda f, fr: resip(f, fr, b"\r\n".join(
            ln for ln in f.payload.split(b"\r\n")
            if not ln.startswith(b"Via: SIP/2.0/UDP 198.18.9.9")))
        if f.payload.startswith(b"SIP/2.0 180") else fr,
        "200 CSeq method": sub(b"CANCEL\r\n", b"INVITE\r\n", 200),
        "487 Call-ID": sub(b"Call-ID: ring", b"Call-ID: gnir", 487),
        "no 487": lambda f, fr: None if f.payload.startswith(b"SIP/2.0 487") else fr,
        "no 100": lambda f, fr: None if f.payload.startswith(b"SIP/2.0 100") else fr,
        "extra 180 after final": None,
        "wrong port": lambda f, fr: sw.udp_frames(f.dst_mac, f.src_mac, f.src_ip, f.dst_ip,
                                                  f.sport, f.dport + 1, f.payload,
                                                  vlan=f.vlan)[0],
        "wrong MAC": lambda f, fr: b"\x02\x00\x00\x00\x00\x77" + fr[6:],
        "no VLAN": lambda f, fr: fr[:12] + fr[16:],
        "UDP checksum": lambda f, fr: fr[:-1] + bytes([fr[-1] ^ 1]),
        "status 486": sub(b"SIP/2.0 487 Request Terminated", b"SIP/2.0 486 Busy Here", 487),
        "received= removed": lambda f, fr: resip(f, fr, re.sub(
            rb";received=[^;\r\n,]*", b"", f.payload, count=1))
        if f.payload.startswith(b"SIP/2.0 100") else fr,
        "rport left empty": lambda f, fr: resip(f, fr, re.sub(
            rb";rport=[0-9]+", b";rport", f.payload, count=1))
        if f.payload.startswith(b"SIP/2.0 180") else fr,
    }
    missed = []
    for name, fn in mutations.items():
        if fn is None:
            bad = list(good)
            ts, fr = [(t, x) for t, x in good if sw.Frame(x).payload.startswith(b"SIP/2.0 180")][0]
            bad.append((ts + 10, fr))
        else:
            bad = rewrite(fn)
        sw.write_pcap(outs[0], bad)
        check.FAILS.clear()
        check.check_sip(a)
        if not check.FAILS:
            missed.append(name)
    check.FAILS.clear()
    for name in missed:
        check.fail("checker accepted a broken output: %s" % name)
    return finish("checker", len(mutations), len(good))


def case_help(exe, tmp):
    out = run(exe, ["--", "--help"], tmp)
    for opt in ("--role", "--local-ip", "--sip-port", "--capacity", "--t1", "--t2", "--t4",
                "--ring-delay", "--final-delay", "--final-code", "--retry-after",
                "--stats-period", "--stats-file", "--exit-idle", "--config", "--mac",
                "--next-hop", "--route", "--timer-c", "--cancel-same-source"):
        if opt + " " not in out:
            check.fail("--help does not list %s" % opt)
    if "default" not in out or "not implemented" in out:
        check.fail("--help shows no defaults, or still calls the proxy role missing")
    return finish("help", 0, 0)


BAD = [
    ["--role", "b2bua"], ["--local-ip", "198.18.0.300"], ["--local-ip", "::g"],
    ["--sip-port", "0"], ["--sip-port", "65536"], ["--capacity", "0"], ["--t1", "-5"],
    ["--t1", "abc"], ["--t2", "100", "--t1", "500"], ["--final-code", "180"],
    ["--final-code", "700"], ["--stats-period", "1x"], ["--exit-idle", ""],
    ["--mac", "01:00:5e:00:00:01"], ["--mac", "zz"], ["--config", "/nonexistent.ini"],
    ["--no-such-option"], ["stray"], ["--ring-delay"],
    # proxy role: a next hop is needed; Timer C > 3 min (16.6 item 11); hop syntax
    ["--role", "proxy", "--local-ip", "198.18.0.1"],
    ["--role", "proxy", "--local-ip", "198.18.0.1", "--next-hop", "198.18.0.2:0"],
    ["--role", "proxy", "--local-ip", "198.18.0.1", "--next-hop", "[2001:db8::1"],
    ["--role", "proxy", "--local-ip", "198.18.0.1", "--route", "dom:x=198.18.0.2"],
    ["--role", "proxy", "--local-ip", "198.18.0.1", "--next-hop", "198.18.0.2",
     "--timer-c", "180000"],
]


def case_badopts(exe, tmp):
    for b in BAD:
        # With a --local-ip, so that the bad value, not the missing address, is refused.
        if "--local-ip" not in b:
            b = ["--local-ip", "198.18.0.1"] + b
        r = subprocess.run([exe, "--", *b], cwd=tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT)
        msg = r.stdout.decode(errors="replace").strip()
        if r.returncode != 2:
            check.fail("%s: exit %d, want 2 (%s)" % (" ".join(b), r.returncode, msg))
        # Refused by the option parser ("see --help"), not later by EAL or a port.
        elif "see --help" not in msg or "at least one --local-ip" in msg:
            check.fail("%s: no clear error message: %r" % (" ".join(b), msg))
    ini = os.path.join(tmp, "bad.ini")
    with open(ini, "w") as f:
        f.write("[sipcancel]\nt1 = fast\n")
    r = subprocess.run([exe, "--", "--local-ip", "198.18.0.1", "--config", ini], cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 2 or b"'fast'" not in r.stdout:
        check.fail("config file with t1 = fast: exit %d, want 2 naming the value: %r"
                   % (r.returncode, r.stdout[-200:]))
    r = subprocess.run([exe, "--", "--role", "proxy", "--local-ip", "198.18.0.1"], cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 2 or b"--next-hop" not in r.stdout:
        check.fail("--role proxy without a hop: exit %d, output %r"
                   % (r.returncode, r.stdout[:200]))
    return finish("badopts", len(BAD) + 2, 0)


def main():
    global GEN
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        return 2
    exe, name = os.path.abspath(sys.argv[1]), sys.argv[2]
    GEN = os.path.abspath(sys.argv[3]) if len(sys.argv) == 4 else None
    tmp = tempfile.mkdtemp(prefix="sc_app_%s_" % name)
    try:
        if name.startswith("proxy-gen-"):
            import proxy_case
            gen = GEN or os.path.join(os.path.dirname(exe), "..", "tools", "sipcancel-gen")
            rc = proxy_case.run_gen_case(sys.modules[__name__], exe, tmp, name, gen)
        elif name.startswith("proxy-"):
            import proxy_case
            rc = proxy_case.run(sys.modules[__name__], exe, tmp, name)
        elif name.startswith("op-"):
            import operator_case
            rc = operator_case.run_case(sys.modules[__name__], exe, tmp, name)
        elif name.startswith("edge-"):
            import edge_case
            rc = edge_case.run_case(sys.modules[__name__], exe, tmp, name)
        elif name == "help":
            rc = case_help(exe, tmp)
        elif name == "badopts":
            rc = case_badopts(exe, tmp)
        elif name == "arpnd":
            rc = case_arpnd(exe, tmp)
        elif name.startswith("longreq-"):
            rc = case_longreq(exe, tmp, name)
        elif name.startswith("malformed"):
            rc = case_malformed(exe, tmp, name)
        elif name == "telemetry":
            rc = case_telemetry(exe, tmp)
        elif name == "checker":
            rc = case_checker(exe, tmp)
        elif name.startswith("garbage-"):
            rc = case_garbage(exe, tmp, name)
        elif name.startswith("gen-"):
            rc = case_gen(exe, tmp, name)
        elif name.startswith("config-"):
            rc = case_sip(exe, tmp, name[len("config-"):], config=True)
        else:
            rc = case_sip(exe, tmp, name)
    finally:
        for p in PREFIXES:
            shutil.rmtree(runtime_dir(p), ignore_errors=True)
        if os.environ.get("SC_KEEP") and "rc" in dir():
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
