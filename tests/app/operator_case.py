# SPDX-License-Identifier: BSD-3-Clause
"""What a lab engineer who knows testpmd and l3fwd expects of the command line, the
config file and the counters (run.py op-NAME):

  op-badvalues        values that parse but cannot be meant: a loopback, multicast or
                      unspecified --local-ip/--next-hop, an address or port given twice,
                      ' 5', a value that is the next option, an ambiguous prefix
                      ("--final": final-code or final-delay?), an unwritable
                      --stats-file (refused before the run, not after it). Each must
                      exit 2 with a message naming the problem
  op-eal-args         "sipcancel --help" and "-h" (EAL's side) print EAL's and our usage
                      and exit 0; a stray word before "--" and a command line without
                      "--" are errors
  op-cfg-flags        INI "cancel-same-source = 0" leaves the hardening off and "= 1"
                      turns it on (a CANCEL from another port than its INVITE's)
  op-cfg-lines        INI lines rte_cfgfile would skip in silence: no "=", a second
                      section; a directory given as the file
  op-afpacket-qpairs  net_af_packet with more qpairs than workers (the kernel spreads
                      frames over every queue): refused at start, before any traffic
  op-port-counters    the ports' own counters (port_imissed, ...) in the stats file
  op-dumpcap          dpdk-dumpcap attaches to a running sipcancel (rte_pdump) on a
                      veth end and captures both directions of 12 cancelled calls;
                      needs hugepages, which the case reserves for itself and gives
                      back
  op-stuck-secondary  a secondary process dies holding EAL's shared memory lock (as a
                      dpdk-dumpcap whose EAL init failed can leave it): SIGTERM still
                      ends sipcancel, with exit 0 and its stats file written
  op-stuck-secondary-tailq
                      the same with EAL's tail-queue lock, which the stop needs before
                      the results are out: exit 1 and no stats file, within the bound
"""
import contextlib
import json
import os
import shutil
import subprocess

import check
import sipwork as sw
import proxy_case as px

GOOD = ["--local-ip", "198.18.0.2"]


def _run(exe, tmp, args, timeout):
    r = subprocess.run([exe] + args, cwd=tmp, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace")


BAD_VALUES = [
    (["--local-ip", "127.0.0.1"], "not a unicast host address"),
    (["--local-ip", "0.0.0.0"], "not a unicast host address"),
    (["--local-ip", "224.0.0.1"], "not a unicast host address"),
    (["--local-ip", "255.255.255.255"], "not a unicast host address"),
    (["--local-ip", "::"], "not a unicast host address"),
    (["--local-ip", "ff02::1"], "not a unicast host address"),
    (["--local-ip", "::1"], "not a unicast host address"),
    (GOOD + ["--local-ip", "198.18.0.2"], "given twice"),
    (GOOD + ["--sip-port", "5060", "--sip-port", "5060"], "given twice"),
    (GOOD + ["--capacity", " 5"], "not an integer"),
    (GOOD + ["--stats-file", "--pcap-pace"], "missing value"),
    (GOOD + ["--final", "486"], "ambiguous"),
    (GOOD + ["--stats-file", "/nonexistent-dir/s.json"], "cannot be written"),
    (GOOD + ["--role", "proxy", "--next-hop", "224.0.0.5"], "not a unicast host"),
    (GOOD + ["--role", "proxy", "--route", "user:1=127.0.0.1"], "not a unicast host"),
]


def badvalues(R, exe, tmp):
    for args, want in BAD_VALUES:
        rc, out = _run(exe, tmp, ["--"] + args, R.TIMEOUT)
        if rc != 2 or want not in out:
            check.fail("%s: exit %d, want 2 with %r; got %r" % (" ".join(args), rc, want,
                                                               out.strip()[-200:]))
    return len(BAD_VALUES), 0


def eal_args(R, exe, tmp):
    for h in ("--help", "-h"):
        rc, out = _run(exe, tmp, [h], R.TIMEOUT)
        if rc != 0 or "--local-ip" not in out or "--vdev" not in out:
            check.fail("'sipcancel %s': exit %d, want 0 with EAL's and sipcancel's "
                       "usage; got %r" % (h, rc, out[:300]))
    stats = os.path.join(tmp, "stats.json")
    ins = [os.path.join(tmp, "in.pcap")]
    sw.write_pcap(ins[0], [(0.0, sw.clock_frame(None))])
    args = R.eal_args("stray", 1, ins, [os.path.join(tmp, "out.pcap")])
    rc, out = _run(exe, tmp, ["stray-word"] + args + ["--"] + R.app_opts(stats), R.TIMEOUT)
    if rc != 2 or "'stray-word'" not in out:
        check.fail("a stray word before '--': exit %d, want 2 naming it; got %r"
                   % (rc, out.strip()[-300:]))
    rc, out = _run(exe, tmp, args + ["--local-ip", "198.18.0.2"], R.TIMEOUT)
    if rc != 2 or 'after "--"' not in out:
        check.fail("application options without '--': exit %d, want 2 saying where "
                   "they go; got %r" % (rc, out.strip()[-300:]))
    return 4, 0


def _cancel_other_port():
    """INVITE from the UAC's 5060, the hop's 100 and 180, then its CANCEL from 5070."""
    t, seq = 0.0, []

    def at(dt, fr):
        nonlocal t
        t += dt
        seq.append((t, fr))

    at(0.0, px.solicit(px.HOP_MAC, px.HOP_IP))
    at(0.05, px.up(px.request("INVITE", "s1", "z9hG4bK-s1")))
    at(0.05, px.down(px.response(100, "s1", "z9hG4bK-s1", None)))
    at(0.02, px.down(px.response(180, "s1", "z9hG4bK-s1", "h1")))
    at(0.05, sw.udp_frames(px.UAC_MAC, px.PROXY_MAC, px.UAC_IP, px.PROXY_IP, 5070, 5060,
                           px.request("CANCEL", "s1", "z9hG4bK-s1"))[0])
    return seq


def cfg_flags(R, exe, tmp):
    refused = {}
    for value in ("0", "off", "1", "yes"):
        stats = os.path.join(tmp, "stats-%s.json" % value)
        ins = [os.path.join(tmp, "in.pcap")]
        sw.write_pcap(ins[0], _cancel_other_port())
        ini = os.path.join(tmp, "flag.ini")
        with open(ini, "w") as f:
            f.write("[sipcancel]\ncancel-same-source = %s\n" % value)
        opts = ["--role", "proxy", "--local-ip", px.PROXY_IP, "--mac", px.PROXY_MAC,
                "--next-hop", px.HOP_IP + ":5060", "--pcap-pace", "--exit-idle", "300",
                "--stats-file", stats, "--config", ini]
        R.run(exe, R.eal_args("cfgflag", 1, ins, [os.path.join(tmp, "out.pcap")]) +
              ["--"] + opts, tmp)
        with open(stats) as f:
            refused[value] = json.load(f)["totals"]["uas_px_cancel_refused"]
    want = {"0": 0, "off": 0, "1": 1, "yes": 1}
    if refused != want:
        check.fail("cancel-same-source in the file: CANCELs refused %r, want %r"
                   % (refused, want))
    return 4, 0


def cfg_lines(R, exe, tmp):
    cases = [
        ("[sipcancel]\nlocal-ip = 198.18.0.2\nfinal-code 486\n", "line 3"),
        ("[sipcancel]\nlocal-ip = 198.18.0.2\nno-offload\n", "line 3"),
        ("[sipcancel]\nlocal-ip = 198.18.0.2\n[sipcancel]\nt1 = 100\n", "second section"),
        ("; comment\n[sipcancel]\nlocal-ip = 198.18.0.2 ; us\nt1 = 100\nzz\n", "line 5"),
    ]
    for k, (text, want) in enumerate(cases):
        ini = os.path.join(tmp, "c%d.ini" % k)
        with open(ini, "w") as f:
            f.write(text)
        rc, out = _run(exe, tmp, ["--", "--config", ini], R.TIMEOUT)
        if rc != 2 or want not in out:
            check.fail("config %r: exit %d, want 2 with %r; got %r"
                       % (text, rc, want, out.strip()[-200:]))
    rc, out = _run(exe, tmp, ["--", "--config", tmp] + GOOD, R.TIMEOUT)
    if rc != 2 or "not a regular file" not in out:
        check.fail("--config DIRECTORY: exit %d, want 2; got %r" % (rc, out.strip()[-200:]))
    return len(cases) + 1, 0


def afpacket_qpairs(R, exe, tmp):
    """Refused at port set-up: no frame is sent. The veth pair lives in a namespace of
    its own, removed afterwards."""
    ns = "sc-op-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "add", "scop0", "type", "veth", "peer",
                        "name", "scop1"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "scop0", "up"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "scop1", "up"], check=True)
        prefix = "sc_app_afp_%d" % os.getpid()
        R.PREFIXES.append(prefix)
        eal = ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
               "--log-level=lib.eal:error", "--lcores", "0@(0,1),1@(0,1)",
               "--vdev", "net_af_packet0,iface=scop0,qpairs=2"]
        rc, out = _run("ip", tmp, ["netns", "exec", ns, exe] + eal +
                       ["--", "--local-ip", "198.18.0.2", "--exit-idle", "200"], R.TIMEOUT)
        if rc != 2 or "qpairs=1" not in out:
            check.fail("net_af_packet qpairs=2 with one worker: exit %d, want 2 asking "
                       "for qpairs=1; got %r" % (rc, out.strip()[-300:]))
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    return 1, 0


def port_counters(R, exe, tmp):
    stats = os.path.join(tmp, "stats.json")
    ins = [os.path.join(tmp, "in.pcap")]
    sw.write_pcap(ins[0], [(0.0, sw.clock_frame(None))])
    R.run(exe, R.eal_args("portctr", 1, ins, [os.path.join(tmp, "out.pcap")]) + ["--"] +
          R.app_opts(stats), tmp)
    with open(stats) as f:
        st = json.load(f)
    for k in ("port_imissed", "port_ierrors", "port_rx_nombuf", "port_oerrors"):
        if st.get(k) != 0:
            check.fail("stats file: %s is %r, want 0 for a one-frame pcap run"
                       % (k, st.get(k)))
    return 1, 0


def _epb_count(path):
    """Enhanced Packet Blocks (type 6) in a pcapng file (little-endian sections)."""
    n = 0
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 8 <= len(data):
        btype, blen = int.from_bytes(data[off:off + 4], "little"), \
            int.from_bytes(data[off + 4:off + 8], "little")
        if blen < 12:
            break
        n += btype == 6
        off += blen
    return n


SEND_FRAMES = """
import socket, sys, time
sys.path.insert(0, sys.argv[3])
import sipwork as sw
frames = sw.read_pcap(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
t0 = time.time()
for t, fr in frames:
    time.sleep(max(0.0, t0 + t - time.time()))
    s.send(fr)
"""


# A secondary process maps EAL memory at the primary's addresses. Left to itself, an
# ASan build of sipcancel (ASan's shadow covers DPDK's default hint, 4 GB) reserves
# them wherever mmap puts it, where the secondary may already have a library, and
# the attach then fails one run in a few ("Cannot get a virtual area").
SHARED_BASE_VA = "0x200000000000"


@contextlib.contextmanager
def _hugepages(tmp, n):
    """n more 2 MB hugepages and a hugetlbfs mount of the case's own, both given back."""
    nr_path = "/proc/sys/vm/nr_hugepages"
    with open(nr_path) as f:
        nr_before = int(f.read())
    mnt = os.path.join(tmp, "huge")
    os.mkdir(mnt)
    mounted = False
    try:
        with open(nr_path, "w") as f:
            f.write(str(nr_before + n))
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", mnt], check=True)
        mounted = True
        yield mnt
    finally:
        if mounted:
            subprocess.run(["umount", mnt])
        with open(nr_path, "w") as f:
            f.write(str(nr_before))


def _huge_eal(R, tag, mnt, vdev):
    """EAL options of a sipcancel on the case's hugepages at SHARED_BASE_VA, one worker;
    and its file prefix, for the secondary processes that attach to it."""
    prefix = "sc_app_%s_%d" % (tag, os.getpid())
    R.PREFIXES.append(prefix)
    return ["-m", "256", "--huge-dir", mnt, "--base-virtaddr", SHARED_BASE_VA, "--no-pci",
            "--file-prefix", prefix, "--log-level=lib.eal:error", "--lcores",
            "0@(0,1),1@(0,1)", "--vdev", vdev], prefix


def dumpcap(R, exe, tmp):
    """sipcancel on a veth end (net_af_packet) in a namespace of its own; the calls
    are sent into the other end only once dpdk-dumpcap has attached, so that both
    directions of every call must be in the capture."""
    dumpcap_exe = shutil.which("dpdk-dumpcap")
    if dumpcap_exe is None:
        check.fail("dpdk-dumpcap not installed (package dpdk-dev)")
        return 0, 0
    ns = "sc-dc-%d" % os.getpid()
    app = cap = None
    n_cap = 0
    with _hugepages(tmp, 160) as mnt:
        try:
            subprocess.run(["ip", "netns", "add", ns], check=True)
            # No IPv6 in the namespace: the kernel then sends nothing of its own
            # (DAD, router solicits) on the veth, and the capture is the calls alone.
            for k in ("all", "default"):
                subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                                "net.ipv6.conf.%s.disable_ipv6=1" % k], check=True)
            subprocess.run(["ip", "-n", ns, "link", "add", "scdc0", "type", "veth",
                            "peer", "name", "scdc1"], check=True)
            for dev in ("scdc0", "scdc1"):
                subprocess.run(["ip", "-n", ns, "link", "set", dev, "up"], check=True)
            # Each call is 3 requests in and 4 responses out (100, 180, 200, 487).
            calls = [(t, fr) for t, fr, _, _ in sw.scenario_packets("ring", 4, None)]
            want = sw.N_CALLS * 7
            calls_pcap = os.path.join(tmp, "calls.pcap")
            sw.write_pcap(calls_pcap, calls)
            stats = os.path.join(tmp, "stats.json")
            eal, prefix = _huge_eal(R, "dumpcap", mnt, "net_af_packet0,iface=scdc0")
            opts = ["--local-ip", sw.UAS_IP4, "--mac", sw.UAS_MAC, "--stats-file", stats]
            app_log = os.path.join(tmp, "app.log")
            app = R.start(["ip", "netns", "exec", ns, exe] + eal + ["--"] + opts, tmp,
                          app_log)
            pcapng = os.path.join(tmp, "cap.pcapng")
            cap_log = os.path.join(tmp, "dumpcap.log")
            # -c: stop once every packet of the calls is written.
            with open(cap_log, "w") as lf:
                cap = subprocess.Popen([dumpcap_exe, "--file-prefix=" + prefix, "-i", "0",
                                        "-w", pcapng, "-c", str(want)], cwd=tmp,
                                       stdout=lf, stderr=subprocess.STDOUT)
            R.wait_for_line(cap_log, "Packets captured", 10)
            subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", SEND_FRAMES,
                            calls_pcap, "scdc1",
                            os.path.dirname(os.path.abspath(__file__))],
                           check=True, timeout=R.TIMEOUT)
            try:
                cap_rc = cap.wait(timeout=15)
            except subprocess.TimeoutExpired:
                cap_rc = "still running after 15 s"
            rc = R.stop(app, app_log)
            if rc is None:
                return 1, 0
            app = None
            if rc != 0 or cap_rc != 0:
                check.fail("sipcancel exit %s, dpdk-dumpcap exit %s: %s %s"
                           % (rc, cap_rc, open(app_log).read()[-500:],
                              open(cap_log).read()[-300:]))
                return 1, 0
            cap = None
            with open(stats) as f:
                st = json.load(f)
            tot = st["totals"]
            n_cap = _epb_count(pcapng) if os.path.exists(pcapng) else 0
            if tot["rx_packets"] != sw.N_CALLS * 3 or tot["tx_packets"] != sw.N_CALLS * 4 \
                    or n_cap != want:
                check.fail("dpdk-dumpcap captured %d packets, want %d; sipcancel received "
                           "%d and sent %d; dumpcap said %r"
                           % (n_cap, want, tot["rx_packets"], tot["tx_packets"],
                              open(cap_log).read()[-400:]))
            if st["mempool_in_use"] != 0:
                check.fail("%d mbufs in use at exit with a capture attached"
                           % st["mempool_in_use"])
        finally:
            for p in (app, cap):
                if p is not None:
                    p.kill()
                    p.wait()
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    return sw.N_CALLS, n_cap


def stuck_secondary(R, exe, tmp, lock="mem"):
    """sipcancel on net_pcap with hugepages; sc-secondary-lock attaches and exits with
    one of EAL's locks taken. Without a bound on the stop, sipcancel waits on it for
    ever: on the memory lock in rte_eal_cleanup(), after the results are saved, and on
    the tail-queue lock in rte_hash_free(), before."""
    tool = os.environ.get("SC_SECONDARY_LOCK", "")
    if not os.access(tool, os.X_OK):
        check.fail("SC_SECONDARY_LOCK=%r: not an executable (tests/app/meson.build "
                   "builds sc-secondary-lock)" % tool)
        return 0, 0
    app = None
    with _hugepages(tmp, 160) as mnt:
        try:
            ins = os.path.join(tmp, "in.pcap")
            sw.write_pcap(ins, [(0.0, sw.clock_frame(None))])
            stats = os.path.join(tmp, "stats.json")
            eal, prefix = _huge_eal(R, "stuck", mnt, "net_pcap0,rx_pcap=%s,tx_pcap=%s"
                                    % (ins, os.path.join(tmp, "out.pcap")))
            opts = ["--local-ip", sw.UAS_IP4, "--mac", sw.UAS_MAC, "--stats-file", stats]
            app_log = os.path.join(tmp, "app.log")
            app = R.start([exe] + eal + ["--"] + opts, tmp, app_log)
            r = subprocess.run([tool, "--proc-type=secondary", "--file-prefix=" + prefix,
                                "--no-pci", "--log-level=lib.eal:error", "--", lock], cwd=tmp,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=R.TIMEOUT)
            out = r.stdout.decode(errors="replace")
            if r.returncode != 0 or "lock taken" not in out:
                check.fail("sc-secondary-lock exit %d: %s" % (r.returncode, out[-400:]))
                return 1, 0
            rc = R.stop(app, app_log)
            if rc is None:
                return 1, 0
            app = None
            log = open(app_log).read()
            saved = lock == "mem"
            if rc != (0 if saved else 1) or "stopping blocked" not in log:
                check.fail("after a secondary died holding the %s lock: exit %d, want %d "
                           "with a message; log %r" % (lock, rc, 0 if saved else 1,
                                                       log[-500:]))
            if not saved:
                if os.path.exists(stats):
                    check.fail("a stats file, though the stop blocked before it")
            elif not os.path.exists(stats):
                check.fail("stats file not written")
            else:
                with open(stats) as f:
                    st = json.load(f)
                if st["mempool_in_use"] != 0:
                    check.fail("%d mbufs in use at exit" % st["mempool_in_use"])
        finally:
            if app is not None:
                app.kill()
                app.wait()
    return 1, 0


CASES = {
    "op-badvalues": badvalues,
    "op-eal-args": eal_args,
    "op-cfg-flags": cfg_flags,
    "op-cfg-lines": cfg_lines,
    "op-afpacket-qpairs": afpacket_qpairs,
    "op-port-counters": port_counters,
    "op-dumpcap": dumpcap,
    "op-stuck-secondary": stuck_secondary,
    "op-stuck-secondary-tailq": lambda R, exe, tmp: stuck_secondary(R, exe, tmp, "tailq"),
}


def run_case(R, exe, tmp, name):
    n, m = CASES[name](R, exe, tmp)
    return R.finish(name, n, m)
