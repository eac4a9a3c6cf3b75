#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check the output pcap(s) of a sipcancel run against RFC 3261 and the expected
UAS behaviour of each scenario (the Call-ID names the scenario, see sipwork.py).

  check.py sip --in a.pcap [--in b.pcap] --out x.pcap [--out y.pcap] [--stats s.json]
  check.py arpnd --in ... --out ...
  check.py malformed --in ... --out ... [--expected EXPECTED.tsv]

Exit 0 when everything holds, 1 with one line per violation otherwise.
"""
import argparse
import ipaddress
import json
import os
import struct
import sys

import sipwork as sw

FAILS = []
# RFC 3261 18.2.1 and RFC 3581 section 4: the server MUST add received= when the
# sent-by host differs from the source address, and received= plus the source port
# in rport when the request's top Via has ;rport. SC_STRICT_3581=0 turns it off.
STRICT_3581 = os.environ.get("SC_STRICT_3581", "1") != "0"


def fail(msg):
    FAILS.append(msg)


# ---- input side -------------------------------------------------------------

class Req:
    def __init__(self, fr, payload, ts):
        self.fr = fr
        self.ts = ts
        self.payload = payload
        self.sip = sw.Sip(payload)
        self.vias = self.sip.all("via")
        self.call_id = self.sip.one("call-id")
        self.cseq = self.sip.cseq()


def reassemble(frames):
    """Decode input frames, reassembling IPv4/IPv6 fragments. Yields (ts, Frame, payload)."""
    pend = {}
    for ts, data in frames:
        f = sw.Frame(data)
        if f.error is not None or f.ip_version is None:
            continue
        if not f.frag:
            if f.payload is not None:
                yield ts, f, f.payload
            continue
        off = 18 if f.vlan is not None else 14
        if f.ip_version == 4:
            ihl = (data[off] & 0xF) * 4
            total, ident, ff = struct.unpack("!HHH", data[off + 2:off + 8])
            key = (f.src_ip, f.dst_ip, ident)
            chunk = data[off + ihl:off + total]
            foff, more = (ff & 0x1FFF) * 8, bool(ff & 0x2000)
        else:
            plen = struct.unpack("!H", data[off + 4:off + 6])[0]
            fh = data[off + 40:off + 48]
            _, _, fo, ident = struct.unpack("!BBHI", fh)
            key = (f.src_ip, f.dst_ip, ident)
            chunk = data[off + 48:off + 40 + plen]
            foff, more = fo & 0xFFF8, bool(fo & 1)
        parts = pend.setdefault(key, {})
        parts[foff] = (chunk, more)
        # Complete when contiguous from 0 to a last fragment.
        pos, buf = 0, b""
        while pos in parts:
            c, m = parts[pos]
            buf += c
            pos += len(c)
            if not m:
                del pend[key]
                f.sport, f.dport = struct.unpack("!HH", buf[:4])
                f.frag = False
                yield ts, f, buf[8:]
                break


def load_requests(in_paths):
    reqs = []
    for p in in_paths:
        for ts, f, payload in reassemble(sw.read_pcap(p)):
            if f.dport != sw.SIP_PORT:
                continue
            try:
                reqs.append(Req(f, payload, ts))
            except (ValueError, IndexError):
                pass
    return reqs


# IP MTU of the net_pcap port (rte_eth_dev_get_mtu: 1500), the limit of every frame.
OUT_MTU = 1500


def merge_fragments(name, frames, ids):
    """Output frames [(ts, bytes)] of one pcap -> [(ts, Frame)], every IP-fragmented
    datagram as one Frame rebuilt from its fragments (nframes = how many, fragmented =
    True; its payload, ports and UDP checksum those of the whole datagram). Each
    fragment is held to RFC 791 / RFC 8200 4.5: within the MTU, IPv4 DF clear and a
    valid header checksum, IPv6 Fragment header with next header UDP and zero
    reserved bits, all but the last carrying a multiple of 8 octets, the same L2
    addresses and VLAN; no overlap, no hole, no datagram left incomplete. ids: the
    (version, source, destination, Identification) of every fragmented datagram so
    far, which must never repeat (RFC 6864 section 4, RFC 8200 4.5)."""
    out, pend = [], {}
    for n, (ts, data) in enumerate(frames):
        f = sw.Frame(data)
        f.nframes, f.fragmented = 1, False
        if f.error is not None or not f.frag:
            out.append((ts, f))
            continue
        where = "%s frame %d (fragment)" % (name, n + 1)
        off = 18 if f.vlan is not None else 14
        if f.ip_version == 4:
            ihl = (data[off] & 0xF) * 4
            iplen, ident, ff = struct.unpack("!HHH", data[off + 2:off + 8])
            if ff & 0x4000:
                fail("%s: DF set on a fragment" % where)
            if data[off + 9] != 17:
                fail("%s: protocol %d, not UDP" % (where, data[off + 9]))
            chunk = data[off + ihl:off + iplen]
            foff, more = (ff & 0x1FFF) * 8, bool(ff & 0x2000)
        else:
            plen = struct.unpack("!H", data[off + 4:off + 6])[0]
            iplen = 40 + plen
            nh, res, fo, ident = struct.unpack("!BBHI", data[off + 40:off + 48])
            if nh != 17 or res != 0 or fo & 6:
                fail("%s: Fragment header next %d reserved %d/%d" % (where, nh, res, fo & 6))
            chunk = data[off + 48:off + iplen]
            foff, more = fo & 0xFFF8, bool(fo & 1)
        if iplen > OUT_MTU:
            fail("%s: IP datagram of %d octets above the MTU %d" % (where, iplen, OUT_MTU))
        if more and len(chunk) % 8:
            fail("%s: %d data octets, not a multiple of 8" % (where, len(chunk)))
        key = (f.ip_version, f.src_ip, f.dst_ip, ident)
        if key in ids:
            fail("%s: Identification %#x reused for %s -> %s" % (where, ident, f.src_ip,
                                                                 f.dst_ip))
            ids.discard(key)
        d = pend.setdefault(key, {"first": f, "parts": {}, "n": 0})
        g = d["first"]
        if (f.dst_mac, f.src_mac, f.vlan) != (g.dst_mac, g.src_mac, g.vlan):
            fail("%s: L2 differs from the first fragment's" % where)
        if foff in d["parts"]:
            fail("%s: offset %d sent twice" % (where, foff))
        d["parts"][foff] = (chunk, more)
        d["n"] += 1
        pos, buf, done = 0, b"", False
        while pos in d["parts"]:
            c, m = d["parts"][pos]
            buf += c
            pos += len(c)
            if not m:
                done = True
                break
        if not done:
            continue
        if len(d["parts"]) != d["n"] or sum(len(c) for c, _ in d["parts"].values()) != pos:
            fail("%s: fragments overlap" % where)
        del pend[key]
        ids.add(key)
        s, dd = sw.ip_bytes(g.src_ip), sw.ip_bytes(g.dst_ip)
        if g.ip_version == 4:
            rebuilt = sw.eth(g.dst_mac, g.src_mac, sw.ETH_P_IP,
                             sw.ipv4_header(s, dd, 17, len(buf), ident=ident) + buf, g.vlan)
        else:
            rebuilt = sw.eth(g.dst_mac, g.src_mac, sw.ETH_P_IP6,
                             sw.ipv6_header(s, dd, 17, len(buf)) + buf, g.vlan)
        r = sw.Frame(rebuilt)
        r.nframes, r.fragmented = d["n"], True
        if r.error is not None:
            r.error = "reassembled from %d fragments: %s" % (d["n"], r.error)
        out.append((ts, r))
    for key, d in pend.items():
        fail("%s: datagram %r left incomplete (%d fragments)" % (name, key, d["n"]))
    return out


def load_output(out_paths):
    """Frames sent, by time, IP fragments merged (merge_fragments)."""
    frames, ids = [], set()
    for p in out_paths:
        frames += merge_fragments(os.path.basename(p), sw.read_pcap(p), ids)
    frames.sort(key=lambda x: x[0])
    return [f for _, f in frames]


def n_frames(out):
    """Frames on the wire behind load_output's list (a fragmented datagram is several)."""
    return sum(f.nframes for f in out)


# ---- per-response RFC checks --------------------------------------------------

def expected_dport(req):
    """RFC 3261 18.2.2 / RFC 3581 section 4."""
    _, _, port, params = sw.via_parts(req.vias[0])
    if "rport" in params:
        return req.fr.sport
    return port if port is not None else 5060


def same_ip(host, ip):
    try:
        return ipaddress.ip_address(host.strip("[]")) == ipaddress.ip_address(ip)
    except ValueError:
        return False


def strip_params(via, names):
    head, *params = via.split(";")
    keep = [p for p in params if p.strip().split("=")[0].lower() not in names]
    return ";".join([head.strip()] + [p.strip() for p in keep])


def check_headers(where, req, fr, rsp):
    """Headers every response carries (RFC 3261 8.2.6.2)."""
    rv = rsp.all("via")
    if len(rv) != len(req.vias):
        fail("%s: %d Via values, request had %d" % (where, len(rv), len(req.vias)))
    else:
        for k, (a, b) in enumerate(zip(rv, req.vias)):
            if k == 0:
                # 18.2.1 / RFC 3581: the server may add received= and fill rport.
                _, _, _, pa = sw.via_parts(a)
                if "received" in pa and pa["received"].strip("[]") != req.fr.src_ip and \
                        ipaddress.ip_address(pa["received"].strip("[]")) != \
                        ipaddress.ip_address(req.fr.src_ip):
                    fail("%s: top Via received=%s, source was %s" %
                         (where, pa["received"], req.fr.src_ip))
                if pa.get("rport") not in (None, "", str(req.fr.sport)):
                    fail("%s: top Via rport=%s, source port was %d" %
                         (where, pa["rport"], req.fr.sport))
                _, host, _, pb = sw.via_parts(b)
                if STRICT_3581 and "rport" in pb and (
                        pa.get("rport") in (None, "") or "received" not in pa):
                    fail("%s: top Via %r lacks received= or a filled rport (RFC 3581 "
                         "section 4)" % (where, a))
                if STRICT_3581 and "received" not in pa and not same_ip(host, req.fr.src_ip):
                    fail("%s: top Via %r: sent-by differs from the source %s but no "
                         "received= (18.2.1)" % (where, a, req.fr.src_ip))
                a = strip_params(a, ("received", "rport"))
                b = strip_params(b, ("received", "rport"))
            if a != b:
                fail("%s: Via %d is %r, request had %r" % (where, k, a, b))
    if rsp.one("from") != req.sip.one("from"):
        fail("%s: From %r differs from the request's %r" %
             (where, rsp.one("from"), req.sip.one("from")))
    if rsp.one("call-id") != req.call_id:
        fail("%s: Call-ID %r differs from %r" % (where, rsp.one("call-id"), req.call_id))
    if rsp.cseq() != req.cseq:
        fail("%s: CSeq %r, request had %r" % (where, rsp.cseq(), req.cseq))
    to_req, to_rsp = req.sip.one("to"), rsp.one("to")
    if to_rsp is None:
        fail("%s: no single To" % where)
        return
    if req.sip.tag("to") is not None:
        if to_rsp != to_req:
            fail("%s: To %r, request had a tag and %r" % (where, to_rsp, to_req))
    else:
        if not to_rsp.startswith(to_req):
            fail("%s: To %r does not extend the request's %r" % (where, to_rsp, to_req))
        if rsp.status != 100 and not rsp.tag("to"):
            fail("%s: %d without a To tag (8.2.6.2)" % (where, rsp.status))
    cl = rsp.all("content-length")
    if len(cl) != 1 or cl[0].strip() != str(len(rsp.body.encode("latin-1"))):
        fail("%s: Content-Length %r for a %d-byte body" % (where, cl, len(rsp.body)))
    if not rsp.start.startswith("SIP/2.0 %03d " % rsp.status) or not rsp.reason:
        fail("%s: bad status line %r" % (where, rsp.start))


def check_addressing(where, req, fr):
    """Response goes back where RFC 3261 18.2.2 / RFC 3581 say, from where it came."""
    q = req.fr
    if fr.dst_mac != q.src_mac:
        fail("%s: to MAC %s, request came from %s" % (where, fr.dst_mac, q.src_mac))
    if fr.src_mac != q.dst_mac:
        fail("%s: from MAC %s, request went to %s" % (where, fr.src_mac, q.dst_mac))
    if fr.vlan != q.vlan:
        fail("%s: VLAN %s, request on VLAN %s" % (where, fr.vlan, q.vlan))
    if fr.ip_version != q.ip_version:
        fail("%s: IPv%s, request was IPv%s" % (where, fr.ip_version, q.ip_version))
    if fr.dst_ip is None or ipaddress.ip_address(fr.dst_ip) != ipaddress.ip_address(q.src_ip):
        fail("%s: to IP %s, request came from %s (18.2.2)" % (where, fr.dst_ip, q.src_ip))
    if fr.src_ip is None or ipaddress.ip_address(fr.src_ip) != ipaddress.ip_address(q.dst_ip):
        fail("%s: from IP %s, request went to %s" % (where, fr.src_ip, q.dst_ip))
    if fr.sport != q.dport:
        fail("%s: from port %s, request went to %s" % (where, fr.sport, q.dport))
    dp = expected_dport(req)
    if fr.dport != dp:
        fail("%s: to port %s, expected %d (18.2.2 / RFC 3581, Via %r, source port %d)" %
             (where, fr.dport, dp, req.vias[0], q.sport))


def match_responses(reqs, out, allow_other=False):
    """Map every output frame to its request. Returns {(call, cseq, method): [(fr, sip)]}."""
    by_key = {}
    for r in reqs:
        if r.cseq is None or r.call_id is None:
            continue
        by_key.setdefault((r.call_id, r.cseq[0], r.cseq[1]), r)
    got = {}
    for n, fr in enumerate(out):
        where = "output frame %d" % (n + 1)
        if fr.error is not None:
            fail("%s: %s" % (where, fr.error))
            continue
        if fr.payload is None:
            if not allow_other:
                fail("%s: not a UDP datagram (ethertype %04x)" % (where, fr.ethertype))
            continue
        try:
            rsp = sw.Sip(fr.payload)
        except (ValueError, IndexError) as e:
            fail("%s: not SIP: %s" % (where, e))
            continue
        if not rsp.is_response:
            fail("%s: a request %r; a UAS only answers" % (where, rsp.start))
            continue
        cs = rsp.cseq()
        key = (rsp.one("call-id"), cs[0] if cs else None, cs[1] if cs else None)
        req = by_key.get(key)
        if req is None:
            fail("%s: %d for no request sent (Call-ID %r, CSeq %r)" %
                 (where, rsp.status, key[0], cs))
            continue
        where = "%d to %s %s" % (rsp.status, key[2], key[0])
        check_headers(where, req, fr, rsp)
        check_addressing(where, req, fr)
        got.setdefault(key, []).append((fr, rsp))
    return by_key, got


# ---- scenarios ----------------------------------------------------------------

def statuses(lst):
    return [s.status for _, s in lst]


def check_invite(call, lst, final, want_180, min_180=1):
    """INVITE server transaction (17.2.1): provisionals, then one final, retransmitted
    identically; no provisional after the final; one To tag for all but 100."""
    st = statuses(lst)
    where = "call %s INVITE" % call
    if 100 not in st:
        fail("%s: no 100 Trying (responses %s)" % (where, st))
    finals = [k for k, s in enumerate(st) if s >= 200]
    if not finals:
        fail("%s: no final response (responses %s, want %d)" % (where, st, final))
        return None
    first = finals[0]
    if any(s < 200 for s in st[first:]):
        fail("%s: provisional after the final (17.2.1): %s" % (where, st))
    if any(st[k] != final for k in finals):
        fail("%s: finals %s, want %d only" % (where, [st[k] for k in finals], final))
    fpay = {bytes(lst[k][0].payload) for k in finals}
    if len(fpay) != 1:
        fail("%s: final retransmissions differ (17.2.1 retransmits the same response)"
             % where)
    n180 = st.count(180)
    if want_180 and n180 < min_180:
        fail("%s: %d x 180, want at least %d (responses %s)" % (where, n180, min_180, st))
    if not want_180 and n180:
        fail("%s: 180 sent, but the CANCEL came before the ring delay (%s)" % (where, st))
    if any(s not in (100, 180) and s < 200 for s in st):
        fail("%s: unexpected provisional in %s" % (where, st))
    p100 = st.index(100) if 100 in st else None
    if p100 is not None and 180 in st and st.index(180) < p100:
        fail("%s: 180 before 100 (%s)" % (where, st))
    tags = {s.tag("to") for _, s in lst if s.status != 100}
    if len(tags) != 1:
        fail("%s: To tags differ across responses: %s" % (where, sorted(map(str, tags))))
        return None
    return tags.pop()


def check_sip(args):
    reqs = load_requests(args.inp)
    out = load_output(args.out)
    by_key, got = match_responses(reqs, out)
    calls = {}
    for (cid, num, meth), r in by_key.items():
        calls.setdefault(cid, {})[meth] = r
    if not calls:
        fail("no SIP request in the input")
    for cid, m in sorted(calls.items()):
        scen = cid.split("-")[0]
        inv = got.get((cid, m["INVITE"].cseq[0], "INVITE"), []) if "INVITE" in m else []
        can = got.get((cid, m["CANCEL"].cseq[0], "CANCEL"), []) if "CANCEL" in m else []
        ack = got.get((cid, m["ACK"].cseq[0], "ACK"), []) if "ACK" in m else []
        if ack:
            fail("call %s: %d response(s) to ACK; ACK is never answered (17.2.1)" %
                 (cid, len(ack)))
        if scen == "unmatched":
            if statuses(can) != [481]:
                fail("call %s: CANCEL for no transaction got %s, want one 481 (9.2)" %
                     (cid, statuses(can)))
            continue
        if scen == "full" and int(cid.split("-")[1]) >= sw.FULL_CAPACITY:
            if statuses(inv) != [503]:
                fail("call %s: INVITE with the table full got %s, want one 503" %
                     (cid, statuses(inv)))
            else:
                ra = inv[0][1].all("retry-after")
                if ra != [str(sw.FULL_RETRY_AFTER)]:
                    fail("call %s: 503 Retry-After %r, want %d (--retry-after)" %
                         (cid, ra, sw.FULL_RETRY_AFTER))
            if statuses(can) != [481]:
                fail("call %s: CANCEL after a stateless 503 got %s, want 481 (9.2)" %
                     (cid, statuses(can)))
            continue
        if scen in ("ring", "rfc2543", "frag", "full"):
            tag = check_invite(cid, inv, 487, True)
            ncan = 1
        elif scen == "early":
            tag = check_invite(cid, inv, 487, False)
            ncan = 1
        elif scen == "final":
            tag = check_invite(cid, inv, getattr(args, "final_code", 486), True)
            ncan = 1
            if 487 in statuses(inv):
                fail("call %s: 487 after the final was sent (9.2: CANCEL has no effect)"
                     % cid)
        elif scen == "retrans":
            tag = check_invite(cid, inv, 487, True, min_180=2)
            ncan = 2
        else:
            fail("call %s: unknown scenario %r" % (cid, scen))
            continue
        if statuses(can) != [200] * ncan:
            fail("call %s: CANCEL sent %d time(s) got %s, want %s (9.2)" %
                 (cid, ncan, statuses(can), [200] * ncan))
        elif ncan > 1 and len({bytes(f.payload) for f, _ in can}) != 1:
            fail("call %s: retransmitted CANCEL got a different 200 (17.2.2)" % cid)
        if can and tag is not None:
            ctag = can[0][1].tag("to")
            if ctag != tag:
                fail("call %s: 200 to CANCEL has To tag %r, INVITE responses %r (9.2)" %
                     (cid, ctag, tag))
    if args.stats:
        st = check_stats(args.stats, n_frames(out), out)
        full = sum(1 for c in calls if c.startswith("full-") and
                   int(c.split("-")[1]) >= sw.FULL_CAPACITY)
        # Every SIP datagram handled; the only drop is each file's clock packet.
        if st["rx_sip_handled"] != len(reqs) - full:
            fail("stats: rx_sip_handled %d, the input holds %d SIP datagrams" %
                 (st["rx_sip_handled"], len(reqs) - full))
        # ACKs of stateless 503s match nothing: counted role drops.
        clocks = getattr(args, "clocks", len(args.inp))
        if st["drops_total"] != clocks + full:
            fail("stats: drops_total %d, want %d (one clock packet per input, one "
                 "ACK per 503)" % (st["drops_total"], clocks + full))
        # Bytes of every frame received and sent (a datagram's fragments included).
        for key, paths in (("rx_bytes", args.inp), ("tx_bytes", args.out)):
            n = sum(len(fr) for p in paths for _, fr in sw.read_pcap(p))
            if st[key] != n:
                fail("stats: %s %d, the %s pcaps hold %d" % (key, st[key], key[:2], n))
    return len(calls), len(out)


# ---- ARP and ND -------------------------------------------------------------------

def check_arpnd(args):
    out = load_output(args.out)
    arp = [f for f in out if f.arp is not None]
    na = [f for f in out if f.icmp6 is not None]
    n_arp = getattr(args, "n_arp", 1)      # requests for our address
    if len(arp) != n_arp:
        fail("%d ARP replies, want %d (requests for our address, one for another)"
             % (len(arp), n_arp))
    for f in arp:
        a = f.arp
        if a["op"] != 2:
            fail("ARP op %d, want 2 (reply)" % a["op"])
        if a["sha"] != sw.UAS_MAC or a["spa"] != sw.UAS_IP4:
            fail("ARP reply says %s is at %s, want %s at %s" %
                 (a["spa"], a["sha"], sw.UAS_IP4, sw.UAS_MAC))
        if a["tha"] != args.peer_mac or a["tpa"] != args.peer_ip4:
            fail("ARP reply target %s/%s, want %s/%s" %
                 (a["tha"], a["tpa"], args.peer_mac, args.peer_ip4))
        if f.dst_mac != args.peer_mac or f.src_mac != sw.UAS_MAC:
            fail("ARP reply Ethernet %s -> %s" % (f.src_mac, f.dst_mac))
    if len(na) != 1:
        fail("%d ICMPv6 messages, want 1 Neighbour Advertisement" % len(na))
    for f in na:
        if f.error:
            fail("NA: %s" % f.error)
        t, code = f.icmp6[0], f.icmp6[1]
        flags = struct.unpack("!I", f.icmp6[4:8])[0]
        target = str(ipaddress.ip_address(f.icmp6[8:24]))
        if t != 136 or code != 0:
            fail("ICMPv6 type %d code %d, want 136/0" % (t, code))
        if not flags & 0x40000000 or not flags & 0x20000000:
            fail("NA flags %08x: want Solicited and Override (RFC 4861 7.2.4)" % flags)
        if ipaddress.ip_address(target) != ipaddress.ip_address(sw.UAS_IP6):
            fail("NA target %s, want %s" % (target, sw.UAS_IP6))
        opts, tlla = f.icmp6[24:], None
        while len(opts) >= 8 and opts[1]:
            if opts[0] == 2:
                tlla = sw.mac_str(opts[2:8])
            opts = opts[opts[1] * 8:]
        if tlla != sw.UAS_MAC:
            fail("NA target link-layer address %s, want %s" % (tlla, sw.UAS_MAC))
        if ipaddress.ip_address(f.dst_ip) != ipaddress.ip_address(args.peer_ip6):
            fail("NA to %s, want the soliciting %s" % (f.dst_ip, args.peer_ip6))
        if f.dst_mac != args.peer_mac:
            fail("NA to MAC %s, want %s" % (f.dst_mac, args.peer_mac))
    if args.stats:
        check_stats(args.stats, n_frames(out), out)
    return 0, len(out)


# ---- malformed input ----------------------------------------------------------------

def check_malformed(args):
    expected = {}
    if args.expected:
        with open(args.expected) as f:
            next(f)
            for ln in f:
                name, sect, kind, handling = ln.rstrip("\n").split("\t")
                expected[name] = handling
    reqs = load_requests(args.inp)
    out = load_output(args.out)
    by_cid = {}
    for r in reqs:
        if r.call_id:
            by_cid.setdefault(r.call_id, r)
    answered = {}
    for n, fr in enumerate(out):
        where = "output frame %d" % (n + 1)
        if fr.error is not None or fr.payload is None:
            fail("%s: %s" % (where, fr.error or "not UDP"))
            continue
        try:
            rsp = sw.Sip(fr.payload)
        except (ValueError, IndexError) as e:
            fail("%s: not SIP: %s" % (where, e))
            continue
        if not rsp.is_response:
            fail("%s: a request from a UAS" % where)
            continue
        answered.setdefault(rsp.one("call-id"), []).append(rsp.status)
    # The payload of each input names its corpus file in the From of our wrapper? No:
    # the corpus is byte-exact; map files by their Call-ID instead.
    for name, handling in expected.items():
        cid = args.cid_of.get(name)
        if cid is None:
            continue
        st = answered.get(cid, [])
        if handling.startswith("invalid: respond 505") and st and set(st) != {505}:
            fail("%s: answered %s, RFC 4475 wants 505" % (name, st))
        elif handling.startswith("invalid: respond 400") and st and set(st) != {400}:
            fail("%s: answered %s, RFC 4475 wants 400" % (name, st))
        if name in ("unreason.dat", "bigcode.dat") and st:
            fail("%s: a response was answered with %s" % (name, st))
        print("  %-16s %-12s %s" % (name, st or "-", handling[:60]))
    if args.stats:
        check_stats(args.stats, n_frames(out), out)
    return len(reqs), len(out)


# ---- stats file ------------------------------------------------------------------

def check_stats(path, n_out, out=None):
    """The stats file: packet accounting, tx_packets = n_out frames sent, no mbuf
    left, per-lcore sums; with out (load_output) also the fragmented datagrams."""
    with open(path) as f:
        st = json.load(f)
    tot = st["totals"]
    if out is not None:
        fd = [f for f in out if f.fragmented]
        if tot.get("tx_fragmented") != len(fd) or \
                tot.get("tx_fragments") != sum(f.nframes for f in fd):
            fail("stats: tx_fragmented %r tx_fragments %r, output holds %d datagram(s) in "
                 "%d fragments" % (tot.get("tx_fragmented"), tot.get("tx_fragments"),
                                   len(fd), sum(f.nframes for f in fd)))
        # Every response sent, in one frame or in IP fragments, counted by its class.
        by_class = dict.fromkeys(range(1, 7), 0)
        for f in out:
            p = f.payload or b""
            if p[:8] == b"SIP/2.0 " and p[8:9] in b"123456" and len(p) >= 12:
                by_class[int(p[8:9])] += 1
        got = {k: tot.get("tx_status_%dxx" % k) for k in by_class}
        if got != by_class:
            fail("stats: tx_status_Nxx %r, output holds responses by class %r"
                 % (got, by_class))
    lhs = tot["rx_packets"]
    rhs = (tot["rx_replied_in_place"] + tot["rx_sip_handled"] +
           tot["rx_neighbour_answers"] + tot["drops_total"] + tot["held"] + tot["frag_merged"])
    if lhs != rhs:
        fail("stats: rx_packets %d != replied_in_place %d + sip_handled %d + "
             "neighbour_answers %d + drops %d + held %d + frag_merged %d"
             % (lhs, tot["rx_replied_in_place"], tot["rx_sip_handled"],
                tot["rx_neighbour_answers"], tot["drops_total"], tot["held"],
                tot["frag_merged"]))
    # Every request received counted under its method, an unknown one as extension.
    by_method = sum(v for k, v in tot.items() if k.startswith("rx_method_"))
    if by_method != tot["sip_requests"]:
        fail("stats: rx_method_* sum to %d, sip_requests %d"
             % (by_method, tot["sip_requests"]))
    if tot["tx_packets"] != n_out:
        fail("stats: tx_packets %d, output pcaps hold %d" % (tot["tx_packets"], n_out))
    if st["mempool_in_use"] != 0:
        fail("stats: %d mbufs still in use at exit (leak)" % st["mempool_in_use"])
    keys = set(tot)
    for lc, c in st["lcores"].items():
        if set(c) != keys:
            fail("stats: lcore %s has other counters than the totals" % lc)
    for k in ("rx_packets", "tx_packets", "rx_sip_handled", "busy_cycles", "tx_fragments"):
        if k not in tot:
            fail("stats: no %s counter" % k)
            continue
        s = sum(c.get(k, 0) for c in st["lcores"].values())
        if s != tot[k]:
            fail("stats: %s total %d != sum over lcores %d" % (k, tot[k], s))
    return tot


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("sip", "arpnd", "malformed"))
    ap.add_argument("--in", dest="inp", action="append", default=[])
    ap.add_argument("--out", action="append", default=[])
    ap.add_argument("--stats")
    ap.add_argument("--expected")
    ap.add_argument("--peer-mac", default="02:00:00:01:00:05")
    ap.add_argument("--peer-ip4", default="198.18.1.5")
    ap.add_argument("--peer-ip6", default="2001:2::1:5")
    args = ap.parse_args()
    args.cid_of = {}
    n, m = {"sip": check_sip, "arpnd": check_arpnd, "malformed": check_malformed}[
        args.mode](args)
    for f in FAILS:
        print("FAIL: " + f)
    print("check %s: %d calls/requests, %d output frames, %d violation(s)" %
          (args.mode, n, m, len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
