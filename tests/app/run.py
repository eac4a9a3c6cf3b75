#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run one sipcancel integration case: write the input pcap(s), run the real binary
on net_pcap (--no-huge), check the output pcap(s) and the stats file.

  run.py SIPCANCEL CASE

CASE: SCENARIO-v4|v6-vlan|novlan-w1|w2|w2x  (w2: two workers, calls split over two
      rx queues; w2x: INVITEs on one queue, CANCEL/ACK on the other)
      arpnd, malformed-w1, malformed-w2, help, badopts, config, proxy
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import sipwork as sw  # noqa: E402

TIMEOUT = 120
DATA = os.environ.get("SC_TEST_DATA",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))


def eal_args(tag, workers, ins, outs):
    # Every lcore may run on either CPU: the tests share a 2-core machine.
    lc = ",".join("%d@(0,1)" % k for k in range(workers + 1))
    vdev = "net_pcap0," + ",".join(["rx_pcap=%s" % p for p in ins] +
                                   ["tx_pcap=%s" % p for p in outs])
    return ["--no-huge", "-m", "512", "--no-pci", "--file-prefix",
            "sc_app_%s_%d" % (tag, os.getpid()), "--log-level=lib.eal:error",
            "--lcores", lc, "--vdev", vdev]


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


def finish(name, calls, frames):
    for f in check.FAILS:
        print("FAIL: " + f)
    print("%s: %d calls/requests, %d output frames, %d violation(s)" %
          (name, calls, frames, len(check.FAILS)))
    return 1 if check.FAILS else 0


class Args:
    pass


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
        sopts = ["--config", ini, "--final-code", "486"]
    out = run(exe, eal_args(name, workers, ins, outs) + ["--"] + opts + sopts, tmp)
    a = Args()
    a.inp, a.out, a.stats = ins, outs, stats
    n, m = check.check_sip(a)
    if check.FAILS:
        print(out)
    return finish(name, n, m)


def case_arpnd(exe, tmp):
    peer_mac, p4, p6 = "02:00:00:01:00:05", "198.18.1.5", "2001:2::1:5"
    frames = [(0.0, sw.arp_request(peer_mac, p4, sw.UAS_IP4)),
              (0.01, sw.arp_request(peer_mac, p4, "198.18.0.99")),
              (0.02, sw.neighbour_solicit(peer_mac, p6, sw.UAS_IP6)),
              (0.03, sw.neighbour_solicit(peer_mac, p6, "2001:2::99"))]
    ins, outs = [os.path.join(tmp, "in.pcap")], [os.path.join(tmp, "out.pcap")]
    sw.write_pcap(ins[0], frames)
    stats = os.path.join(tmp, "stats.json")
    out = run(exe, eal_args("arpnd", 1, ins, outs) + ["--"] + app_opts(stats), tmp)
    a = Args()
    a.inp, a.out, a.stats = ins, outs, stats
    a.peer_mac, a.peer_ip4, a.peer_ip6 = peer_mac, p4, p6
    n, m = check.check_arpnd(a)
    with open(stats) as f:
        st = json.load(f)["totals"]
    if st["arp_replies"] != 1 or st["nd_replies"] != 1:
        check.fail("stats: arp_replies %d nd_replies %d, want 1 and 1" %
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


def case_help(exe, tmp):
    out = run(exe, ["--", "--help"], tmp)
    for opt in ("--role", "--local-ip", "--sip-port", "--capacity", "--t1", "--t2", "--t4",
                "--ring-delay", "--final-delay", "--final-code", "--retry-after",
                "--stats-period", "--stats-file", "--exit-idle", "--config", "--mac"):
        if opt + " " not in out:
            check.fail("--help does not list %s" % opt)
    if "default" not in out or "not implemented yet" not in out:
        check.fail("--help shows no defaults or no proxy note")
    return finish("help", 0, 0)


BAD = [
    ["--role", "b2bua"], ["--local-ip", "198.18.0.300"], ["--local-ip", "::g"],
    ["--sip-port", "0"], ["--sip-port", "65536"], ["--capacity", "0"], ["--t1", "-5"],
    ["--t1", "abc"], ["--t2", "100", "--t1", "500"], ["--final-code", "180"],
    ["--final-code", "700"], ["--stats-period", "1x"], ["--exit-idle", ""],
    ["--mac", "01:00:5e:00:00:01"], ["--mac", "zz"], ["--config", "/nonexistent.ini"],
    ["--no-such-option"], ["stray"], ["--ring-delay"],
]


def case_badopts(exe, tmp):
    for b in BAD:
        r = subprocess.run([exe, "--", *b], cwd=tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT)
        msg = r.stdout.decode(errors="replace").strip()
        if r.returncode != 2:
            check.fail("%s: exit %d, want 2 (%s)" % (" ".join(b), r.returncode, msg))
        elif "sipcancel" not in msg:
            check.fail("%s: no clear error message: %r" % (" ".join(b), msg))
    ini = os.path.join(tmp, "bad.ini")
    with open(ini, "w") as f:
        f.write("[sipcancel]\nt1 = fast\n")
    r = subprocess.run([exe, "--", "--config", ini], cwd=tmp, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 2:
        check.fail("config file with t1 = fast: exit %d, want 2" % r.returncode)
    r = subprocess.run([exe, "--", "--role", "proxy"], cwd=tmp, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if r.returncode != 2 or b"not implemented yet" not in r.stdout:
        check.fail("--role proxy: exit %d, output %r" % (r.returncode, r.stdout[:200]))
    return finish("badopts", len(BAD) + 2, 0)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    exe, name = os.path.abspath(sys.argv[1]), sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="sc_app_%s_" % name)
    try:
        if name == "help":
            rc = case_help(exe, tmp)
        elif name == "badopts":
            rc = case_badopts(exe, tmp)
        elif name == "arpnd":
            rc = case_arpnd(exe, tmp)
        elif name.startswith("malformed"):
            rc = case_malformed(exe, tmp, name)
        elif name.startswith("config-"):
            rc = case_sip(exe, tmp, name[len("config-"):], config=True)
        else:
            rc = case_sip(exe, tmp, name)
    finally:
        if os.environ.get("SC_KEEP") and "rc" in dir():
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
