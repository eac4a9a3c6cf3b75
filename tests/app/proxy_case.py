# SPDX-License-Identifier: BSD-3-Clause
"""pcap-in/pcap-out cases of the proxy role (RFC 3261 16.6-16.11, 9.1, 17.1.1.3).

One net_pcap port carries both legs: the UAC (198.18.0.10) upstream and the next hop
(198.18.0.20) downstream; sipcancel is 198.18.0.1. The input holds the UAC's requests
and the next hop's responses. The next hop's responses must carry the proxy's Via
branch: the proxy computes it from the received request (16.11's recommended hash,
lib/cancel px_branch, seed 0), and px_branch() below computes the same.

  proxy-v4     calls: cancel after 180, CANCEL before a provisional (held), Max-
               Forwards 0 (483), unmatched CANCEL (stateless), 486 (hop-by-hop ACK),
               answered call (2xx relayed, end-to-end ACK and BYE stateless, the
               BYE's 200 relayed by Via)
  proxy-w2     proxy-v4 on two workers: UAC packets on one queue, the next hop's on
               the other (every response meets its record on another core)
  proxy-route  proxy-v4 with a silent --next-hop: the user-prefix --route must win
  proxy-noarp  the next hop never answers ARP but once with a group MAC, which is no
               answer: 3 ARP requests, then 503 upstream; a second INVITE after the
               failure gets its 503 at once, no new ARP
  proxy-heldexit  the same silent hop, but the run ends before the resolution fails: the
               waiting INVITE is a drop_shutdown, nothing stays held
  proxy-heldfull  70 INVITEs at once for the silent hop: 64 (SC_PX_HELD_MAX) wait and
               are drop_shutdown at exit, the 6 with no room get 503 at once
               (px_held_queue_full, px_no_next_path)
  proxy-w2arp  two workers: the next hop's ARP reply arrives on the other worker's queue
  proxy-big    an INVITE and its 200 OK with 3 KB bodies, in IP fragments both ways:
               forwarded and relayed in IP fragments
  proxy-bigwait  proxy-big before the next hop's address is known: the reassembled
               INVITE waits for the ARP reply / NA (px_held_for_resolution), no 503
  proxy-stale  the next hop's MAC ages: unicast probes when used unconfirmed, forgotten
               when they go unanswered, then resolved afresh to a new MAC (run_stale)
  proxy-stale-w2  the same on two workers, the hop's answers on the other one's queue
  proxy-heldlive  the live held gauge (telemetry) while INVITEs wait for silent hops
  proxy-confirm  the hop's SIP packets confirm its MAC (no probe); one probe at a time
               while a stale hop is used; a SIP packet answers a resolution (run_confirm)
  proxy-retry  an unsolicited ARP reply / NA is not learned; 503 at once for 5 s after a
               failed resolution, then a new one (run_retry)
  proxy-board  two workers: board answers are trusted for --neigh-reachable only; one
               taken from the board is cached and later probed (run_board)
  proxy-mixed  dual stack: an IPv4 and an IPv6 hop sharing 32 leading bits (run_mixed)
  proxy-forget  two workers: a MAC whose probes went unanswered is not taken again from
               the board, however recent its last answer there (run_forget)
  proxy-gateway  --gateway: an off-link next hop and UACs through the gateway; only the
               gateway is resolved and probed (run_gateway)
  proxy-heldstateless  a BYE and a 200 relayed by Via wait for their next hop's address
               like an INVITE, and are counted once (run_heldstateless)
  proxy-v6, proxy-w2-v6, proxy-noarp-v6, proxy-heldexit-v6, proxy-big-v6,
  proxy-bigwait-v6, proxy-stale-v6, proxy-stale-w2-v6, proxy-confirm-v6, proxy-retry-v6,
  proxy-board-v6: the same over IPv6 (ND: an NS teaches the proxy the hop's MAC;
               the silent hop gets 3 NSs); proxy-gateway-v6 with a link-local gateway
"""
import ipaddress
import json
import os
import time

import check
import sipwork as sw

PROXY_IP = sw.UAS_IP4
PROXY_MAC = sw.UAS_MAC
UAC_IP, UAC_MAC = "198.18.0.10", "02:00:00:00:00:10"
HOP_IP, HOP_MAC = "198.18.0.20", "02:00:00:00:00:20"
UAC_IP6, HOP_IP6 = "2001:2::10", "2001:2::20"
M64 = (1 << 64) - 1
HELD_MAX = 64       # SC_PX_HELD_MAX: packets a worker holds for resolutions
HELD_OVER = 6       # proxy-heldfull: INVITEs beyond that


def use_v6():
    """Every address IPv6 (RFC 5180 2001:2::/48): the -v6 cases."""
    global PROXY_IP, UAC_IP, HOP_IP
    PROXY_IP, UAC_IP, HOP_IP = sw.UAS_IP6, UAC_IP6, HOP_IP6


def h(ip):
    """Host for URIs and Via: IPv6 references in brackets (25.1)."""
    return "[%s]" % ip if ":" in ip else ip
WHASH_MUL = 0x9e3779b97f4a7c15


def whash(h, data):
    """lib/cancel/sc_px_branch.h sc_whash(): 8-byte little-endian words, then tail | count << 56."""
    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        h = ((h ^ int.from_bytes(data[i:i + 8], "little")) * WHASH_MUL) & M64
        h ^= h >> 32
    tail = data[full:]
    w = int.from_bytes(tail, "little") | (len(tail) << 56)
    h = ((h ^ w) * WHASH_MUL) & M64
    return h ^ (h >> 32)


def px_branch(branch, host, port, seed=0):
    """lib/cancel/sc_px_branch.h sc_px_branch_cookie() and the proxy's 16 hex digits."""
    h = 0xcbf29ce484222325 ^ seed ^ 0x5ca11ab1e
    h = whash(h, branch.encode())
    h = whash(h, host.encode())
    h = ((h ^ port) * WHASH_MUL) & M64
    h ^= h >> 31
    h = (h * 0x94d049bb133111eb) & M64
    h ^= h >> 29
    out = "z9hG4bKsc"
    for _ in range(16):
        out += "0123456789abcdef"[h & 0xf]
        h >>= 4
    return out


def uac_via(b):
    return "SIP/2.0/UDP %s:5060;branch=%s;rport" % (h(UAC_IP), b)


def uac_via_fwd(b, rport="5060"):
    """The UAC's Via as forwarded: completed on receipt (18.2.1, RFC 3581 section 4)."""
    return uac_via(b) + "=%s;received=%s" % (rport, UAC_IP)


def our_via(b):
    return "SIP/2.0/UDP %s:5060;branch=%s" % (h(PROXY_IP), px_branch(b, h(UAC_IP), 5060))


def request(method, call, b, mf=70, to_tag=None, cseq_method=None, user="bob"):
    """From the UAC; user is the Request-URI's (--route user: prefixes match it)."""
    lines = ["%s sip:%s@%s SIP/2.0" % (method, user, h(HOP_IP)), "Via: " + uac_via(b)]
    if mf is not None:
        lines.append("Max-Forwards: %d" % mf)
    lines += ["From: <sip:alice@%s>;tag=a-%s" % (h(UAC_IP), call),
              "To: <sip:bob@%s>%s" % (h(HOP_IP), ";tag=" + to_tag if to_tag else ""),
              "Call-ID: %s@px" % call,
              "CSeq: 1 %s" % (cseq_method or method), "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def response(status, call, b, tag, method="INVITE", upstream=True, cseq=1, rport="5060"):
    """From the next hop: our Via on top, the UAC's below unless upstream=False."""
    vias = ["Via: " + our_via(b)] + (["Via: " + uac_via_fwd(b, rport)] if upstream else [])
    reason = {100: "Trying", 180: "Ringing", 200: "OK", 486: "Busy Here",
              487: "Request Terminated"}[status]
    lines = ["SIP/2.0 %d %s" % (status, reason)] + vias + [
        "From: <sip:alice@%s>;tag=a-%s" % (h(UAC_IP), call),
        "To: <sip:bob@%s>%s" % (h(HOP_IP), ";tag=" + tag if tag and status > 100 else ""),
        "Call-ID: %s@px" % call, "CSeq: %d %s" % (cseq, method),
        "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def solicit(mac, ip):
    """ARP request / Neighbour Solicitation from ip for the proxy: it learns ip's MAC."""
    if ":" in ip:
        return sw.neighbour_solicit(mac, ip, PROXY_IP)
    return sw.arp_request(mac, ip, PROXY_IP)


def up(payload):
    return sw.udp_frames(UAC_MAC, PROXY_MAC, UAC_IP, PROXY_IP, 5060, 5060, payload)[0]


def group_mac_answer():
    """The next hop's ARP reply or NA naming a group MAC as its address (sent from its
    own MAC): refused, so the resolution goes on as if nothing came."""
    v6 = ":" in HOP_IP
    group = "33:33:00:00:00:20" if v6 else "01:00:5e:00:00:20"
    fr = (sw.neighbour_advert if v6 else sw.arp_reply)(group, HOP_IP, PROXY_MAC, PROXY_IP)
    return fr[:6] + sw.mac_bytes(HOP_MAC) + fr[12:]


def down(payload):
    return sw.udp_frames(HOP_MAC, PROXY_MAC, HOP_IP, PROXY_IP, 5060, 5060, payload)[0]


def inputs_v4():
    t, seq = 0.0, []

    def at(dt, fr):
        nonlocal t
        t += dt
        seq.append((t, fr))

    at(0.0, solicit(HOP_MAC, HOP_IP))
    # c1: cancel after 180
    at(0.05, up(request("INVITE", "c1", "z9hG4bK-c1")))
    at(0.05, down(response(100, "c1", "z9hG4bK-c1", None)))
    at(0.02, down(response(180, "c1", "z9hG4bK-c1", "h1")))
    at(0.05, up(request("CANCEL", "c1", "z9hG4bK-c1")))
    at(0.05, down(response(200, "c1", "z9hG4bK-c1", "h1", "CANCEL", upstream=False)))
    at(0.02, down(response(487, "c1", "z9hG4bK-c1", "h1")))
    at(0.05, up(request("ACK", "c1", "z9hG4bK-c1", to_tag="h1")))
    # c2: CANCEL before any provisional: held until the 180 (9.1)
    at(0.05, up(request("INVITE", "c2", "z9hG4bK-c2")))
    at(0.02, up(request("CANCEL", "c2", "z9hG4bK-c2")))
    at(0.05, down(response(180, "c2", "z9hG4bK-c2", "h2")))
    at(0.05, down(response(200, "c2", "z9hG4bK-c2", "h2", "CANCEL", upstream=False)))
    at(0.02, down(response(487, "c2", "z9hG4bK-c2", "h2")))
    at(0.05, up(request("ACK", "c2", "z9hG4bK-c2", to_tag="h2")))
    # c3: Max-Forwards 0 -> 483 (16.3 item 3)
    at(0.05, up(request("INVITE", "c3", "z9hG4bK-c3", mf=0)))
    # c4: CANCEL without a context: forwarded statelessly (16.10)
    at(0.05, up(request("CANCEL", "c4", "z9hG4bK-c4", mf=5)))
    # c5: 486 -> ACK downstream (17.1.1.3), 486 upstream, upstream ACK absorbed
    at(0.05, up(request("INVITE", "c5", "z9hG4bK-c5")))
    at(0.05, down(response(486, "c5", "z9hG4bK-c5", "h5")))
    at(0.05, up(request("ACK", "c5", "z9hG4bK-c5", to_tag="h5")))
    # c6: answered; 2xx ACK and BYE are end to end (stateless), BYE's 200 by Via
    at(0.05, up(request("INVITE", "c6", "z9hG4bK-c6")))
    at(0.05, down(response(180, "c6", "z9hG4bK-c6", "h6")))
    at(0.02, down(response(200, "c6", "z9hG4bK-c6", "h6")))
    at(0.05, up(request("ACK", "c6", "z9hG4bK-c6ack", to_tag="h6")))
    at(0.05, up(request("BYE", "c6", "z9hG4bK-c6bye", to_tag="h6")))
    # Relayed by its Via (no transaction): rport=0 is no port (RFC 3581), so the 200
    # goes to the sent-by port, 5060.
    at(0.05, down(response(200, "c6", "z9hG4bK-c6bye", "h6", "BYE", rport="0")))
    return seq


def sips(out_paths, uac_ip=None, hop_ip=None, hop_macs=None, port=5060):
    """(direction, Sip) of every SIP datagram sent; direction 'up' or 'down'; each Sip
    gets the frame's dst_mac. With a port, every datagram must go to it (the UAC's
    and the hop's are both 5060). Downstream frames must go to one of hop_macs."""
    uac_ip, hop_ip, hop_macs = uac_ip or UAC_IP, hop_ip or HOP_IP, hop_macs or (HOP_MAC,)
    res, arps = [], 0
    for f in check.load_output(out_paths):     # IP fragments merged and checked
        if f.error:
            check.fail("output frame: " + f.error)
            continue
        if f.arp is not None:
            if f.arp["op"] == 1:
                arps += 1
            continue
        if f.icmp6 is not None:
            if f.icmp6[0] == 135:
                arps += 1
            continue
        if f.payload is None:
            continue
        s = sw.Sip(f.payload)
        s.dst_mac = f.dst_mac
        if port is not None and f.dport != port:
            check.fail("SIP to %s port %s, want %d: %r" % (f.dst_ip, f.dport, port,
                                                           f.payload[:40]))
        if f.dst_ip == uac_ip:
            res.append(("up", s))
        elif f.dst_ip == hop_ip:
            if f.dst_mac not in hop_macs:
                check.fail("downstream frame to MAC %s, not the next hop's" % f.dst_mac)
            res.append(("down", s))
        else:
            check.fail("SIP to %s: neither leg" % f.dst_ip)
    return res, arps


def pick(res, d, call, what):
    out = []
    for dd, s in res:
        if dd != d or s.one("call-id") != call + "@px":
            continue
        if (isinstance(what, int) and s.is_response and s.status == what) or \
           (isinstance(what, str) and not s.is_response and s.method == what):
            out.append(s)
    return out


def expect(res, d, call, what, n, why):
    got = pick(res, d, call, what)
    if len(got) != n:
        check.fail("%s %s %s: %d sent, want %d (%s)" % (call, d, what, len(got), n, why))
    return got


def check_v4(res, ordered=True):
    for c in ("c1", "c2", "c5", "c6"):
        expect(res, "up", c, 100, 1, "our own 100 only; a 100 is never relayed (16.7)")
        inv = expect(res, "down", c, "INVITE", 1, "forwarded once (16.6)")
        for s in inv:
            v = s.all("via")
            b = "z9hG4bK-" + c
            if len(v) != 2 or v[0] != our_via(b) or v[1] != uac_via_fwd(b):
                check.fail("%s INVITE Vias %r: ours on top, the UAC's next" % (c, v))
            if s.one("max-forwards") != "69":
                check.fail("%s INVITE Max-Forwards %r, want 69" % (c, s.one("max-forwards")))
    for s in [x for d, x in res if d == "up"]:
        if len(s.all("via")) != 1:
            check.fail("upstream %s with Vias %r: ours must be gone" % (s.start, s.all("via")))
    for c, n in (("c1", 1), ("c2", 1)):
        expect(res, "up", c, 180, 1, "provisional relayed")
        expect(res, "up", c, 487, 1, "487 relayed once, no Timer G after the ACK")
        oks = expect(res, "up", c, 200, n, "200 to the CANCEL (16.10)")
        for s in oks:
            if s.cseq() != (1, "CANCEL"):
                check.fail("%s 200 upstream is not for the CANCEL: %r" % (c, s.cseq()))
        can = expect(res, "down", c, "CANCEL", 1, "one CANCEL per 9.1")
        for s in can:
            if s.all("via") != [our_via("z9hG4bK-" + c)] or s.cseq() != (1, "CANCEL"):
                check.fail("%s CANCEL Via %r / CSeq %r (9.1)" % (c, s.all("via"), s.cseq()))
        ack = expect(res, "down", c, "ACK", 1, "487 ACKed hop by hop (17.1.1.3)")
        for s in ack:
            if s.all("via") != [our_via("z9hG4bK-" + c)] or s.tag("to") != "h" + c[1]:
                check.fail("%s ACK Via %r To tag %r" % (c, s.all("via"), s.tag("to")))
    # 9.1: c2's CANCEL was held: not sent with the 200 to the CANCEL, but in the
    # same step as the 180 relay (the provisional's arrival releases it).
    order = [(d, s.start) for d, s in res if s.one("call-id") == "c2@px"]
    can = ("down", "CANCEL sip:bob@%s SIP/2.0" % h(HOP_IP))
    ok200 = ("up", "SIP/2.0 200 OK")
    ring = ("up", "SIP/2.0 180 Ringing")
    if ordered and can in order and ring in order and ok200 in order:
        if order.index(can) < order.index(ok200) or \
           abs(order.index(can) - order.index(ring)) != 1:
            check.fail("c2: CANCEL not held until the provisional (9.1): %r" % order)
    expect(res, "up", "c3", 483, 1, "Max-Forwards 0 (16.3 item 3)")
    expect(res, "down", "c3", "INVITE", 0, "not forwarded with Max-Forwards 0")
    c4 = expect(res, "down", "c4", "CANCEL", 1, "stateless forward (16.10, 16.11)")
    for s in c4:
        if s.one("max-forwards") != "4" or len(s.all("via")) != 2:
            check.fail("c4 CANCEL: Max-Forwards %r Vias %r" % (s.one("max-forwards"),
                                                              s.all("via")))
    expect(res, "up", "c4", 200, 0, "a proxy does not answer an unmatched CANCEL")
    expect(res, "up", "c5", 486, 1, "486 relayed")
    expect(res, "down", "c5", "ACK", 1, "486 ACKed hop by hop")
    expect(res, "down", "c5", "CANCEL", 0, "nothing cancelled")
    expect(res, "up", "c6", 200, 2, "the 2xx and the BYE's 200 relayed")
    acks = expect(res, "down", "c6", "ACK", 1, "the UAC's 2xx ACK, forwarded")
    for s in acks:
        if len(s.all("via")) != 2:
            check.fail("c6 ACK: a proxy never ACKs a 2xx itself (Vias %r)" % s.all("via"))
    expect(res, "down", "c6", "BYE", 1, "BYE forwarded statelessly")
    for c in ("c1", "c2", "c3", "c4", "c5", "c6"):
        for w in (408, 503):
            expect(res, "up", c, w, 0, "no timeout/failure responses")


BIG_PAD = 44     # a=x-pad lines of 67 octets: a body of about 3 KB


def big_sdp(who):
    return "v=0\r\no=%s 1 1 IN IP4 198.18.0.10\r\ns=-\r\n" % who + "".join(
        "a=x-pad:%s-%04d%s\r\n" % (who, k, "q" * 50) for k in range(BIG_PAD))


def with_body(msg, body):
    """msg (from request() / response(), Content-Length 0) carrying an SDP body."""
    head = msg.decode().replace("Content-Length: 0\r\n",
                                "Content-Type: application/sdp\r\nContent-Length: %d\r\n"
                                % len(body))
    return (head + body).encode()


def hop_answer(mac=None, ip=None):
    """A next hop's ARP reply / NA (default: HOP_IP's, HOP_MAC) to the proxy's request
    for its address."""
    mac, ip = mac or HOP_MAC, ip or HOP_IP
    if ":" in ip:
        return sw.neighbour_advert(mac, ip, PROXY_MAC, PROXY_IP)
    return sw.arp_reply(mac, ip, PROXY_MAC, PROXY_IP)


def resolve_mac(ip):
    """Where a resolution of ip goes: broadcast (ARP), or the solicited-node group's
    MAC (NS, RFC 4861 7.2.2 and RFC 2464 7)."""
    if ":" not in ip:
        return "ff:ff:ff:ff:ff:ff"
    b = ipaddress.ip_address(ip).packed
    return "33:33:ff:%02x:%02x:%02x" % (b[13], b[14], b[15])


def inputs_big(wait=False):
    """b1: an INVITE and a 200 OK, each with a ~3 KB body, arrive in IP fragments;
    the proxy must forward the INVITE and relay the 200 (16.6, 16.7), both again
    above the MTU, so in IP fragments (RFC 3261 18.1.1 leaves UDP that). With wait,
    the next hop's address is not known yet: the reassembled INVITE waits for the
    answer to the proxy's ARP request / NS, 100 ms later, instead of getting 503."""
    t, seq = 0.0, []

    def at(dt, frames):
        nonlocal t
        t += dt
        for k, fr in enumerate(frames):
            seq.append((t + 0.0001 * k, fr))

    uac = (UAC_MAC, PROXY_MAC, UAC_IP, PROXY_IP, 5060, 5060)
    hop = (HOP_MAC, PROXY_MAC, HOP_IP, PROXY_IP, 5060, 5060)
    if not wait:
        at(0.0, [solicit(HOP_MAC, HOP_IP)])
    at(0.05, sw.udp_frames(*uac, with_body(request("INVITE", "b1", "z9hG4bK-b1"),
                                           big_sdp("uac")), ident=0x1b1))
    if wait:
        at(0.1, [hop_answer()])
    at(0.05, [down(response(180, "b1", "z9hG4bK-b1", "hb"))])
    at(0.05, sw.udp_frames(*hop, with_body(response(200, "b1", "z9hG4bK-b1", "hb"),
                                           big_sdp("uas")), ident=0x2b1))
    at(0.05, [up(request("ACK", "b1", "z9hG4bK-b1ack", to_tag="hb"))])
    return seq


def check_big(outs, n_in_frames):
    sent = check.load_output(outs)
    res, _ = sips(outs)
    inv = expect(res, "down", "b1", "INVITE", 1, "forwarded once (16.6)")
    for s in inv:
        b = "z9hG4bK-b1"
        if s.all("via") != [our_via(b), uac_via_fwd(b)] or s.one("max-forwards") != "69":
            check.fail("b1 INVITE Vias %r Max-Forwards %r" % (s.all("via"),
                                                              s.one("max-forwards")))
        if s.body != big_sdp("uac") or s.one("content-length") != str(len(s.body)):
            check.fail("b1 INVITE body of %d octets differs from the UAC's %d" %
                       (len(s.body), len(big_sdp("uac"))))
    ok = expect(res, "up", "b1", 200, 1, "2xx relayed (16.7)")
    for s in ok:
        if len(s.all("via")) != 1 or s.body != big_sdp("uas"):
            check.fail("b1 200 upstream: Vias %r, body of %d octets" % (s.all("via"),
                                                                        len(s.body)))
    expect(res, "up", "b1", 180, 1, "provisional relayed")
    expect(res, "down", "b1", "ACK", 1, "the 2xx ACK forwarded end to end")
    big = [f for f in sent if f.payload is not None and len(f.payload) > 2000]
    if len(big) != 2 or not all(f.fragmented and f.nframes >= 3 for f in big):
        check.fail("the INVITE and the 200 (3 KB each) went out as %s, want IP fragments "
                   "(3 or more each)" % [(len(f.payload), f.nframes) for f in big])
    return sent


def solicitations(out_paths):
    """(destination MAC, target address) of every ARP request / NS sent, in order.
    An NS must go to the target's solicited-node group, or, unicast (a probe), to the
    target itself (RFC 4861 7.2.2)."""
    out = []
    for f in check.load_output(out_paths):
        if f.arp is not None and f.arp["op"] == 1:
            out.append((f.dst_mac, f.arp["tpa"]))
        elif f.icmp6 is not None and f.icmp6[0] == 135:
            target = ipaddress.ip_address(bytes(f.icmp6[8:24]))
            out.append((f.dst_mac, str(target)))
            if f.dst_mac.startswith("33:33:"):
                want = ipaddress.ip_address(bytes.fromhex("ff02" + "00" * 9 + "01ff") +
                                            target.packed[13:])
            else:
                want = target
            if ipaddress.ip_address(f.dst_ip) != want:
                check.fail("NS for %s to MAC %s, IPv6 %s: want %s (RFC 4861 7.2.2)"
                           % (target, f.dst_mac, f.dst_ip, want))
    return out


def write_queues(tmp, files):
    """One input pcap per RX queue from files (lists of (time, frame)); returns the
    input and output paths."""
    ins = [os.path.join(tmp, "in%d.pcap" % q) for q in range(len(files))]
    outs = [os.path.join(tmp, "out%d.pcap" % q) for q in range(len(files))]
    for p, fr in zip(ins, files):
        sw.write_pcap(p, fr)
    return ins, outs


def conclude(R, name, outs, stats, out, counts, what, want):
    """A runner's last checks: the stats file against the frames sent, the counters in
    want; then the verdict (counts: inputs and outputs, for the summary line)."""
    sent = check.load_output(outs)
    check.check_stats(stats, check.n_frames(sent), sent)
    check_counters(stats, what, want)
    if check.FAILS:
        print(out)
    return R.finish(name, *counts)


def check_counters(stats, what, want):
    """The --stats-file totals named in want must have those values."""
    tot = json.loads(open(stats).read())["totals"]
    got = {k: tot[k] for k in want}
    if got != want:
        check.fail("%s counters %r, want %r" % (what, got, want))


STALE_MS = 300      # proxy-stale: --neigh-reachable


def run_stale(R, exe, tmp, name):
    """proxy-stale(-v6): the next hop's MAC ages (RFC 1122 2.3.2.1, RFC 4861 7.3).
    Learned at 0 s from its ARP request / NS. s1 (0.05 s) goes to it unasked. s2
    (0.5 s) finds it unconfirmed for longer than --neigh-reachable: still sent to
    it, with a unicast probe, which the hop answers. s3 (0.58 s): confirmed, no
    probe (a probe there would end, unanswered, before s4 and make s4 resolve
    afresh). s4 (2.0 s): stale again, sent to the old MAC with a probe; the old host
    is gone, so two more probes go unanswered and the entry is forgotten (2.9 s).
    s5 (3.3 s) resolves afresh (broadcast / solicited-node group) and the host that
    took the address over answers with another MAC: s5 goes there, not to the old
    one, and not as a 503. T1 of 12 s: no INVITE is retransmitted within the run.

    proxy-stale-w2: the same on two workers, the hop's answers on the other worker's
    queue (as RSS puts non-IP frames): the probing worker must take them from the
    board the workers share. Every time is doubled, since two pacers drift apart."""
    w2 = name.startswith("proxy-stale-w2")
    if name.endswith("-v6"):
        use_v6()
    hop_mac2 = "02:00:00:00:00:21"
    stats = os.path.join(tmp, "stats.json")
    k = 2.0 if w2 else 1.0
    # (time, frame, queue 1 when w2)
    seq = [(0.0, solicit(HOP_MAC, HOP_IP), False),
           (0.05, up(request("INVITE", "s1", "z9hG4bK-s1")), False),
           (0.5, up(request("INVITE", "s2", "z9hG4bK-s2")), False),
           (0.55, hop_answer(), True),
           (0.58, up(request("INVITE", "s3", "z9hG4bK-s3")), False),
           (2.0, up(request("INVITE", "s4", "z9hG4bK-s4")), False),
           (3.3, up(request("INVITE", "s5", "z9hG4bK-s5")), False),
           (3.4, hop_answer(hop_mac2), True)]
    files = [[(k * t, fr) for t, fr, q1 in seq if not (w2 and q1)]]
    if w2:
        # Starts at 0 like queue 0, so that both pacers start together.
        files.append([(0.0, solicit(UAC_MAC, UAC_IP))] +
                     [(k * t, fr) for t, fr, q1 in seq if q1])
    ins, outs = write_queues(tmp, files)
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC,
            "--next-hop", h(HOP_IP) + ":5060", "--neigh-reachable", str(int(k * STALE_MS)),
            "--pcap-pace", "--t1", "12000", "--t2", "40000", "--exit-idle", "600",
            "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, len(files), ins, outs) + ["--"] + opts, tmp)
    res, _ = sips(outs, hop_macs=(HOP_MAC, hop_mac2))
    group = resolve_mac(HOP_IP)
    want = [(HOP_MAC, HOP_IP)] * 4 + [(group, HOP_IP)]
    got = solicitations(outs)
    if got != want:
        check.fail("ARP requests / NSs sent %r, want %r: a unicast probe for s2, three "
                   "for s4, then a fresh resolution for s5" % (got, want))
    for call, mac in (("s1", HOP_MAC), ("s2", HOP_MAC), ("s3", HOP_MAC), ("s4", HOP_MAC),
                      ("s5", hop_mac2)):
        for s in expect(res, "down", call, "INVITE", 1, "forwarded (16.6)"):
            if s.dst_mac != mac:
                check.fail("%s INVITE to MAC %s, want %s" % (call, s.dst_mac, mac))
        expect(res, "up", call, 503, 0, "the next hop was reachable")
    return conclude(R, name, outs, stats, out, (len(seq), len(res)), "neighbour ageing",
                    {"px_neighbour_probed": 2, "px_neighbour_expired": 1,
                     "px_resolve_started": 1, "px_resolve_failed": 0,
                     "px_held_for_resolution": 1, "rx_neighbour_answers": 2})


LIVE_HOPS = 8       # proxy-heldlive: silent hops, one INVITE waiting for each
LIVE_GAP = 0.6      # s between those INVITEs; each waits 0.9 s (3 ARPs 300 ms apart)


def run_heldlive(R, exe, tmp, name):
    """proxy-heldlive: the live `held` gauge (telemetry) counts the requests waiting
    for a next hop's address. Eight INVITEs, 0.6 s apart, each routed by its user
    part to its own silent hop: one or two wait at every moment from 0 to 5.1 s,
    while telemetry is read every 50 ms. Some reading must show held >= 1 and none
    more than two; after the last resolution failed, held is 0; every INVITE gets
    its 503 (once: T1 of 10 s); SIGTERM ends the run."""
    seq = []
    for k in range(LIVE_HOPS):
        inv = request("INVITE", "l%d" % k, "z9hG4bK-l%d" % k, user="h%d" % k)
        seq.append((k * LIVE_GAP, up(inv)))
    ins, outs = write_queues(tmp, [seq])
    stats, log = os.path.join(tmp, "stats.json"), os.path.join(tmp, "sipcancel.log")
    routes = []
    for k in range(LIVE_HOPS):
        routes += ["--route", "user:h%d=198.18.0.%d:5060" % (k, 40 + k)]
    args = [a for a in R.eal_args(name, 1, ins, outs) if a != "--log-level=lib.eal:error"]
    cmd = [exe] + args + ["--", "--role", "proxy", "--local-ip", PROXY_IP, "--mac",
                          PROXY_MAC, "--next-hop", "198.18.0.39:5060"] + routes + [
        "--pcap-pace", "--t1", "10000", "--t2", "40000", "--stats-file", stats]
    sock = os.path.join(R.runtime_dir(R.PREFIXES[-1]), "dpdk_telemetry.v2")
    app = R.start(cmd, tmp, log)
    readings, after = [], None
    deadline = time.time() + 30
    try:
        while time.time() < deadline and app.poll() is None:
            time.sleep(0.05)
            try:
                t = R.telemetry(sock, "/sipcancel/stats")
            except (OSError, ValueError, KeyError):
                continue
            if not t:
                continue
            if t.get("px_resolve_failed", 0) < LIVE_HOPS:
                readings.append(t.get("held"))
            elif after is None:
                after = time.time()
            elif time.time() - after > 0.2:
                # Settled: the last failure's loop iteration is long over.
                after = t.get("held")
                break
    finally:
        rc = R.stop(app, log) if app.poll() is None else app.returncode
    if rc != 0:
        check.fail("exit %r after SIGTERM, want 0" % rc)
    if not readings or max(h or 0 for h in readings) < 1:
        check.fail("held never above 0 in %d telemetry readings while INVITEs waited "
                   "for their next hops: %r" % (len(readings), readings[:20]))
    if any(h is None or h > 2 for h in readings):
        check.fail("held readings %r: want 0, 1 or 2 (one INVITE every 0.6 s, each "
                   "waiting 0.9 s)" % sorted(set(readings), key=str))
    if after != 0:
        check.fail("held %r once every resolution failed, want 0" % (after,))
    res, arps = sips(outs)
    for k in range(LIVE_HOPS):
        expect(res, "up", "l%d" % k, 503, 1, "its next hop never answered (16.7)")
    if arps != 3 * LIVE_HOPS:
        check.fail("%d ARP requests, want 3 for each of %d hops" % (arps, LIVE_HOPS))
    tot = json.loads(open(stats).read())["totals"]
    got = (tot["held"], tot["px_held_for_resolution"], tot["px_resolve_failed"])
    if got != (0, LIVE_HOPS, LIVE_HOPS):
        check.fail("at exit: held %d, px_held_for_resolution %d, px_resolve_failed %d; "
                   "want 0, %d, %d" % (got + (LIVE_HOPS, LIVE_HOPS)))
    if check.FAILS:
        print(open(log).read()[-2000:])
    return R.finish(name, len(seq), len(res))


def split_legs(seq):
    """proxy-w2: the UAC's packets on queue 0, the next hop's on queue 1 (responses
    meet their INVITE's record on another core, as RSS does to a real proxy). Each
    file starts at t=0 so both pacers start together, queue 1 with the UAC's ARP
    so that worker knows the UAC's MAC for relays by Via."""
    q0 = [(0.0, solicit(HOP_MAC, HOP_IP))]
    q1 = [(0.0, solicit(UAC_MAC, UAC_IP))]
    for t, fr in seq[1:]:
        # Three times the single-queue gaps: the two pacers drift apart under load.
        (q1 if sw.Frame(fr).src_ip == HOP_IP else q0).append((3 * t, fr))
    return [q0, q1]


def answer_on_other_queue():
    """proxy-w2arp: the INVITE on queue 0, whose worker asks for the next hop; the
    next hop's answer (ARP reply / NA) on queue 1, as RSS puts non-IP frames on one
    queue. The asking worker must still learn it and forward the INVITE."""
    q0 = [(0.0, up(request("INVITE", "w1", "z9hG4bK-w1")))]
    q1 = [(0.0, solicit(UAC_MAC, UAC_IP)), (0.1, hop_answer())]
    return [q0, q1]


def run_case(R, exe, tmp, name):
    stats = os.path.join(tmp, "stats.json")
    name_base = name
    if name == "proxy-v6":
        use_v6()
        name_base = "proxy-v4"
    elif name.endswith("-v6"):
        use_v6()
        name_base = name[:-3]
    noarp = name_base == "proxy-noarp"
    # The same silent next hop, but the run ends before the third ARP request.
    heldexit = name_base == "proxy-heldexit"
    w2arp = name_base == "proxy-w2arp"
    # More INVITEs at once than one worker may hold for the silent hop's address.
    heldfull = name_base == "proxy-heldfull"
    if noarp or heldexit:
        seq = [(0.0, up(request("INVITE", "n1", "z9hG4bK-n1")))]
        if noarp:
            # An answer with a group MAC is no answer: nothing may go to that MAC.
            seq.append((0.1, group_mac_answer()))
            # Well after the resolution failed (0.9 s): no new one for 5 s, 503 at once.
            seq.append((2.0, up(request("INVITE", "n2", "z9hG4bK-n2"))))
    elif heldfull:
        seq = [(0.0, up(request("INVITE", "f%d" % k, "z9hG4bK-f%d" % k)))
               for k in range(HELD_MAX + HELD_OVER)]
    elif w2arp:
        seq = None
    elif name_base in ("proxy-big", "proxy-bigwait"):
        seq = inputs_big(wait=name_base == "proxy-bigwait")
    else:
        seq = inputs_v4()
    if w2arp:
        files = answer_on_other_queue()
        seq = files[0] + files[1]
    else:
        files = split_legs(seq) if name_base == "proxy-w2" else [seq]
    ins, outs = write_queues(tmp, files)
    hop = ["--next-hop", h(HOP_IP) + ":5060"]
    if name_base == "proxy-route":
        # The default hop is silent: every call must take the user-prefix route; a
        # host route for another domain must not catch it.
        hop = ["--next-hop", "198.18.0.99:5060",
               "--route", "host:example.invalid=198.18.0.98",
               "--route", "user:bo=%s:5060" % HOP_IP, "--route", "user:x=198.18.0.97"]
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC] + hop + [
            "--pcap-pace", "--t1", "2000", "--t2", "4000",
            "--exit-idle", "1500" if noarp else "450" if heldexit or heldfull else "400",
            "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, len(files), ins, outs) + ["--"] + opts, tmp)
    res, arps = sips(outs)
    if w2arp:
        if arps < 1:
            check.fail("no ARP request / NS for the next hop")
        expect(res, "up", "w1", 503, 0, "the answer came on the other worker's queue")
        expect(res, "up", "w1", 100, 1, "100 once the next hop is known (16.2)")
        expect(res, "down", "w1", "INVITE", 1, "forwarded once resolved (16.6)")
    elif heldexit:
        # Two by the clock (0 and 300 ms); a late exit may see the third.
        if arps < 1:
            check.fail("no ARP request / NS for the next hop")
        expect(res, "up", "n1", 503, 0, "no answer: the run ended while it waited")
        expect(res, "down", "n1", "INVITE", 0, "nothing downstream")
    elif heldfull:
        if arps < 1:
            check.fail("no ARP request / NS for the next hop")
        for k in range(HELD_MAX + HELD_OVER):
            over = k >= HELD_MAX
            expect(res, "up", "f%d" % k, 503, 1 if over else 0,
                   "no room to wait: unroutable (16.7)" if over else
                   "held: the run ended while it waited")
            expect(res, "down", "f%d" % k, "INVITE", 0, "nothing downstream")
    elif noarp:
        if arps != 3:
            check.fail("%d ARP requests / NSs for the silent next hop, want 3" % arps)
        expect(res, "up", "n1", 100, 0, "no 100: the INVITE waited, then failed")
        expect(res, "up", "n1", 503, 1, "failed resolution: 503 upstream")
        expect(res, "down", "n1", "INVITE", 0, "nothing downstream")
        expect(res, "up", "n2", 503, 1, "the hop failed moments ago: 503 upstream")
        expect(res, "down", "n2", "INVITE", 0, "nothing downstream")
        tot = json.loads(open(stats).read())["totals"]
        got = (tot["px_resolve_started"], tot["px_resolve_failed"],
               tot["px_held_for_resolution"])
        if got != (1, 1, 1):
            check.fail("px_resolve_started %d px_resolve_failed %d px_held_for_resolution "
                       "%d, want 1, 1 and 1 (the failed hop is not asked again within 5 s, "
                       "and n2 does not wait)" % got)
    elif w2arp:
        pass
    elif name_base in ("proxy-big", "proxy-bigwait"):
        sent = check_big(outs, len(seq))
        check.check_stats(stats, check.n_frames(sent), sent)
        if name_base == "proxy-bigwait":
            # The reassembled INVITE waited for the hop's address, then went on.
            expect(res, "up", "b1", 503, 0, "the INVITE waited for the next hop")
            tot = json.loads(open(stats).read())["totals"]
            got = {k: tot[k] for k in ("px_held_for_resolution", "px_resolve_started",
                                       "px_resolve_failed", "px_no_next_path",
                                       "rx_neighbour_answers", "held")}
            want = {"px_held_for_resolution": 1, "px_resolve_started": 1,
                    "px_resolve_failed": 0, "px_no_next_path": 0,
                    "rx_neighbour_answers": 1, "held": 0}
            if got != want or arps != 1:
                check.fail("fragmented INVITE held for the hop: counters %r and %d ARP "
                           "request(s) / NS(s); want %r and 1" % (got, arps, want))
    else:
        check_v4(res, ordered=len(files) == 1)
    with open(stats) as f:
        st = f.read()
    if heldexit:
        # The INVITE still waiting for the next hop's address at exit is a shutdown
        # drop, as the pacer's packets are: nothing stays held.
        check.check_stats(stats, arps)
        tot = json.loads(st)["totals"]
        got = tuple(tot[k] for k in ("held", "drop_shutdown", "px_resolve_failed",
                                     "px_held_for_resolution"))
        if got != (0, 1, 0, 1):
            check.fail("at exit: held %d, drop_shutdown %d, px_resolve_failed %d, "
                       "px_held_for_resolution %d; want 0, 1, 0, 1" % got)
    if heldfull:
        # Every packet accounted for: the held ones as shutdown drops at exit, the
        # ones with no room as handled (their 503), none left in a mempool.
        check.check_stats(stats, arps + len(res))
        tot = json.loads(st)["totals"]
        got = {k: tot[k] for k in ("held", "drop_shutdown", "drop_payload_too_big",
                                   "px_held_queue_full", "px_no_next_path",
                                   "px_resolve_failed", "rx_sip_handled",
                                   "px_held_for_resolution")}
        want = {"held": 0, "drop_shutdown": HELD_MAX, "drop_payload_too_big": 0,
                "px_held_queue_full": HELD_OVER, "px_no_next_path": HELD_OVER,
                "px_held_for_resolution": HELD_MAX,
                "px_resolve_failed": 0, "rx_sip_handled": HELD_OVER}
        if got != want:
            check.fail("held queue full: counters %r, want %r" % (got, want))
    if w2arp:
        # The ARP reply / NA answered our own resolution: used, not a drop.
        tot = json.loads(st)["totals"]
        if tot["rx_neighbour_answers"] != 1 or tot["drops_total"] != 0:
            check.fail("the next hop's answer: rx_neighbour_answers %d, drops_total %d; "
                       "want 1 and 0" % (tot["rx_neighbour_answers"], tot["drops_total"]))
    for key in (("px_resolve_failed", "px_held_for_resolution") if noarp or heldexit or heldfull
                else
                ("px_held_for_resolution",) if w2arp else
                ("px_invite_forwarded",) if name_base in ("proxy-big", "proxy-bigwait") else
                ("px_invite_forwarded", "px_cancel_held", "px_cancel_sent_downstream")):
        if '"%s"' % key not in st and key not in st:
            check.fail("stats file lacks %s" % key)
    if check.FAILS:
        print(out)
    return R.finish(name, len(seq), len(res))


# ---- workloads of app/tools/sipcancel-gen (proxy scenarios) -------------------------

GEN_EXPECT = {
    # scenario: counters of the proxy per call (RFC 3261 16.6-16.10, 9.1, 17.1.1.3)
    "proxy-cancel": {"uas_px_invite_forwarded": 1, "uas_px_cancel_sent_downstream": 1,
                     "uas_px_relayed_3xx_6xx": 1, "uas_px_ack_sent_downstream": 1,
                     "uas_px_100_absorbed": 1, "uas_px_cancel_200_absorbed": 1},
    "proxy-early": {"uas_px_cancel_held": 1, "uas_px_cancel_sent_downstream": 1,
                    "uas_px_relayed_3xx_6xx": 1, "uas_px_ack_sent_downstream": 1},
    "proxy-busy": {"uas_px_cancel_held": 1, "uas_px_cancel_suppressed_by_final": 1,
                   "uas_px_cancel_sent_downstream": 0, "uas_px_ack_sent_downstream": 1},
    "proxy-answer": {"uas_px_relayed_2xx": 1, "uas_px_cancel_sent_downstream": 1,
                     "uas_tx_487": 0, "uas_px_ack_sent_downstream": 0},
}


def run_gen_case(R, exe, tmp, name, gen):
    """proxy-gen-SCEN-v4|v6: sipcancel-gen's two-leg workload through the proxy; the
    counters must show each call's RFC action exactly once."""
    scen = "proxy-" + name.split("-")[2]
    v6 = name.endswith("-v6")
    calls = 8
    base = os.path.join(tmp, "gen.pcap")
    g = [gen, "-o", base, "-n", str(calls), "-s", scen, "--gap-us", "40000",
         "--call-gap-us", "15000", "--seed", "3"]
    if v6:
        g.append("-6")
    r = R.subprocess.run(g, stdout=R.subprocess.PIPE, stderr=R.subprocess.STDOUT,
                         timeout=R.TIMEOUT)
    if r.returncode != 0:
        check.fail("sipcancel-gen exited %d: %s" % (r.returncode, r.stdout))
        return R.finish(name, 0, 0)
    proxy_ip, hop_ip = ("2001:2::2", "2001:2::3") if v6 else ("198.18.0.2", "198.18.0.3")
    hop_mac = "02:00:00:00:00:03"
    # The next hop announces itself first (ARP / NS), as on a live segment.
    first = sw.neighbour_solicit(hop_mac, hop_ip, proxy_ip) if v6 else \
        sw.arp_request(hop_mac, hop_ip, proxy_ip)
    frames = sw.read_pcap(base)
    inp = os.path.join(tmp, "in.pcap")
    sw.write_pcap(inp, [(frames[0][0] - 0.01, first)] + frames)
    outp = os.path.join(tmp, "out.pcap")
    stats = os.path.join(tmp, "stats.json")
    opts = ["--role", "proxy", "--local-ip", proxy_ip, "--mac", "02:00:00:00:00:02",
            "--next-hop", ("[%s]" % hop_ip if v6 else hop_ip) + ":5060", "--pcap-pace",
            "--t1", "2000", "--t2", "4000", "--exit-idle", "400", "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 1, [inp], [outp]) + ["--"] + opts, tmp)
    with open(stats) as f:
        tot = json.load(f).get("totals", {})
    for k, per in GEN_EXPECT[scen].items():
        if tot.get(k, 0) != per * calls:
            check.fail("%s: %s = %d, want %d" % (scen, k, tot.get(k, 0), per * calls))
    res, _ = sips([outp], "2001:2::1" if v6 else "198.18.0.1", hop_ip, hop_mac, None)
    ups = [s for d, s in res if d == "up"]
    if any(s.status == 100 and len(s.all("via")) != 1 for s in ups):
        check.fail("a relayed 100 upstream (16.7 step 5)")
    if check.FAILS:
        print(out)
    return R.finish(name, calls, len(res))


CONFIRM_MS = 600    # proxy-confirm: --neigh-reachable


def run_confirm(R, exe, tmp, name):
    """proxy-confirm(-v6): --neigh-reachable 600 ms, one worker. The next hop is learned
    at 0 s from its ARP request / NS; its own SIP packets (100, 180, 486 for k1) confirm
    its MAC, so k2 (0.7 s, 0.3 s after the last of them but 0.7 s after the ARP/NS)
    goes to it with no probe (README: a hop whose SIP packets reach the worker is
    confirmed by them). Then the hop falls silent: k3 (1.2 s) finds it unconfirmed and
    opens a probe; k4..k6 (1.3-1.6 s) use it while the probe is open and open no other:
    three unicast probes 300 ms apart in all, then the entry is forgotten (2.1 s) and
    k7 (2.6 s) resolves afresh (one broadcast / solicited-node NS), answered by the
    host that took the address over with a SIP packet from its new MAC (2.7 s): k7
    goes there, and the entry is simply known (no probe of it follows). T1 of 12 s:
    nothing is retransmitted within the run."""
    if name.endswith("-v6"):
        use_v6()
    hop_mac2 = "02:00:00:00:00:21"
    stats = os.path.join(tmp, "stats.json")
    seq = [(0.0, solicit(HOP_MAC, HOP_IP)),
           (0.05, up(request("INVITE", "k1", "z9hG4bK-k1"))),
           (0.15, down(response(100, "k1", "z9hG4bK-k1", None))),
           (0.25, down(response(180, "k1", "z9hG4bK-k1", "hk1"))),
           (0.4, down(response(486, "k1", "z9hG4bK-k1", "hk1"))),
           (0.5, up(request("ACK", "k1", "z9hG4bK-k1", to_tag="hk1"))),
           (0.7, up(request("INVITE", "k2", "z9hG4bK-k2")))]
    seq += [(t, up(request("INVITE", c, "z9hG4bK-" + c)))
            for t, c in ((1.2, "k3"), (1.3, "k4"), (1.4, "k5"), (1.6, "k6"), (2.6, "k7"))]
    # The host that took the address over answers with a SIP packet (a stray BYE 200,
    # relayed upstream by its Via): its source MAC resolves the address too.
    seq += [(2.7, sw.udp_frames(hop_mac2, PROXY_MAC, HOP_IP, PROXY_IP, 5060, 5060,
                                response(200, "k0", "z9hG4bK-k0", "hk0", "BYE"))[0])]
    ins, outs = write_queues(tmp, [seq])
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC,
            "--next-hop", h(HOP_IP) + ":5060", "--neigh-reachable", str(CONFIRM_MS),
            "--pcap-pace", "--t1", "12000", "--t2", "40000", "--exit-idle", "600",
            "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 1, ins, outs) + ["--"] + opts, tmp)
    res, _ = sips(outs, hop_macs=(HOP_MAC, hop_mac2))
    group = resolve_mac(HOP_IP)
    got = [s for s in solicitations(outs) if s[1] == HOP_IP]
    want = [(HOP_MAC, HOP_IP)] * 3 + [(group, HOP_IP)]
    if got != want:
        check.fail("ARP requests / NSs for the next hop %r, want %r: none while its SIP "
                   "packets confirm it, three unicast probes from k3 (not one more per "
                   "use while the probe is open), then a fresh resolution for k7"
                   % (got, want))
    for call in ("k1", "k2", "k3", "k4", "k5", "k6", "k7"):
        mac = hop_mac2 if call == "k7" else HOP_MAC
        for s in expect(res, "down", call, "INVITE", 1, "forwarded (16.6)"):
            if s.dst_mac != mac:
                check.fail("%s INVITE to MAC %s, want %s" % (call, s.dst_mac, mac))
        expect(res, "up", call, 503, 0, "the next hop was reachable")
    expect(res, "up", "k0", 200, 1, "relayed by its Via (16.7)")
    expect(res, "up", "k1", 486, 1, "486 relayed")
    expect(res, "down", "k1", "ACK", 1, "486 ACKed hop by hop")
    return conclude(R, name, outs, stats, out, (len(seq), len(res)), "neighbour",
                    {"px_neighbour_probed": 1, "px_neighbour_expired": 1,
                     "px_resolve_started": 1, "px_resolve_failed": 0,
                     "px_held_for_resolution": 1})


def run_retry(R, exe, tmp, name):
    """proxy-retry(-v6): a failed resolution is tried again after 5 s (FAILED_HOLD_US).
    An ARP reply / NA for the next hop's address that nobody asked for (0 s, naming a
    stray MAC) is not learned (RFC 826 merge rule, RFC 4861 7.2.5): r1 (0.2 s) waits
    for the silent next hop, three ARP requests / NSs, 503 at 1.1 s. r2 (1.7 s) and
    r3 (5.95 s, 4.85 s after the failure) get 503 at once, nothing asked. r4 (6.7 s,
    5.6 s after the failure) starts a new resolution, which the hop answers (6.8 s):
    r4 is forwarded."""
    if name.endswith("-v6"):
        use_v6()
    stats = os.path.join(tmp, "stats.json")
    seq = [(0.0, hop_answer("02:00:00:00:00:66")),
           (0.2, up(request("INVITE", "r1", "z9hG4bK-r1"))),
           (1.7, up(request("INVITE", "r2", "z9hG4bK-r2"))),
           (5.95, up(request("INVITE", "r3", "z9hG4bK-r3"))),
           (6.7, up(request("INVITE", "r4", "z9hG4bK-r4"))),
           (6.8, hop_answer())]
    ins, outs = write_queues(tmp, [seq])
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC,
            "--next-hop", h(HOP_IP) + ":5060", "--pcap-pace", "--t1", "12000",
            "--t2", "40000", "--exit-idle", "400", "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 1, ins, outs) + ["--"] + opts, tmp)
    res, arps = sips(outs)
    if arps != 4:
        check.fail("%d ARP requests / NSs, want 4: three for r1, one for r4" % arps)
    for call, failed in (("r1", True), ("r2", True), ("r3", True), ("r4", False)):
        expect(res, "up", call, 503, 1 if failed else 0,
               "resolution failed (16.7 step 6)" if failed else "asked again after 5 s")
        expect(res, "down", call, "INVITE", 0 if failed else 1,
               "nothing downstream" if failed else "forwarded once resolved")
    return conclude(R, name, outs, stats, out, (len(seq), len(res)), "resolution",
                    {"px_resolve_started": 2, "px_resolve_failed": 1,
                     "px_held_for_resolution": 2})


BOARD_MS = 2000     # proxy-board: --neigh-reachable; every time doubled (two pacers)
HOP2_IP4, HOP2_IP6 = "198.18.0.21", "2001:2::21"
HOP2_MAC, HOP2_MAC2 = "02:00:00:00:00:31", "02:00:00:00:00:32"


def run_board(R, exe, tmp, name):
    """proxy-board(-v6): the age of an answer on the workers' board (RFC 4861
    REACHABLE_TIME, --neigh-reachable 2 s). Two workers; worker 1 (queue 1) resolves
    hop A (user a, --next-hop) at 0.2 s and hop C (user c, --route) at 1.0 s, both
    answered on its own queue, so both answers are on the board. Worker 0: a2 (1.5 s)
    to A takes A's MAC from the board (answered 1.15 s before: recent), no ARP / NS,
    and keeps it in its own cache; a3 (4.8 s) finds it unconfirmed for 3.3 s: sent
    with a unicast probe, which A answers (5.2 s, on queue 1). c2 (6.0 s) to C finds
    C's answer on the board 4.85 s old, too old to trust: a fresh resolution
    (broadcast / solicited-node group), answered (6.4 s) by the host that took C's
    address with another MAC; c2 goes there. Every answer comes 0.35-0.4 s after what
    it answers, so that the two queues' pacers may start that far apart."""
    if name.endswith("-v6"):
        use_v6()
    hop2 = HOP2_IP6 if ":" in HOP_IP else HOP2_IP4

    def inv(call, user):
        return up(request("INVITE", call, "z9hG4bK-" + call, user=user))

    stats = os.path.join(tmp, "stats.json")
    q1 = [(0.0, solicit(UAC_MAC, UAC_IP)), (0.2, inv("a1", "a")),
          (0.35, hop_answer()), (1.0, inv("c1", "c")),
          (1.15, hop_answer(HOP2_MAC, hop2)), (5.2, hop_answer()),
          (6.4, hop_answer(HOP2_MAC2, hop2))]
    q0 = [(0.0, solicit(UAC_MAC, UAC_IP)), (1.5, inv("a2", "a")), (4.8, inv("a3", "a")),
          (6.0, inv("c2", "c"))]
    files = [q0, q1]
    ins, outs = write_queues(tmp, files)
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC,
            "--next-hop", h(HOP_IP) + ":5060", "--route", "user:c=%s:5060" % h(hop2),
            "--neigh-reachable", str(BOARD_MS), "--pcap-pace", "--t1", "12000",
            "--t2", "40000", "--exit-idle", "600", "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 2, ins, outs) + ["--"] + opts, tmp)
    # Worker 0: for A only unicast probes to A's MAC (one, or more if A's answer
    # on the other queue is late), for C a fresh resolution (one or more).
    got0 = solicitations(outs[:1])
    if not got0 or got0[0] != (HOP_MAC, HOP_IP) or \
            any(s[1] == HOP_IP and s[0] != HOP_MAC for s in got0) or \
            not any(s == (resolve_mac(hop2), hop2) for s in got0) or \
            any(s[1] == hop2 and s[0] != resolve_mac(hop2) for s in got0):
        check.fail("worker 0 sent ARP requests / NSs %r, want none for a2 (a recent "
                   "answer on the board), a unicast probe for a3 (its own cache entry "
                   "is stale), then a fresh resolution for c2 (the board's answer for C "
                   "is too old to trust)" % got0)
    got1 = solicitations(outs[1:])
    want1 = [(resolve_mac(HOP_IP), HOP_IP), (resolve_mac(hop2), hop2)]
    if got1 != want1:
        check.fail("worker 1 sent ARP requests / NSs %r, want %r" % (got1, want1))
    fwd, ups = set(), []
    for f in check.load_output(outs):
        if f.error:
            check.fail("output frame: " + f.error)
        elif f.payload is not None and f.payload.startswith(b"INVITE "):
            fwd.add((sw.Sip(f.payload).one("call-id")[:2], f.dst_ip, f.dst_mac))
        elif f.payload is not None and f.dst_ip == UAC_IP:
            s = sw.Sip(f.payload)
            ups.append((s.one("call-id")[:2], s.status))
    want_fwd = {("a1", HOP_IP, HOP_MAC), ("a2", HOP_IP, HOP_MAC), ("a3", HOP_IP, HOP_MAC),
                ("c1", hop2, HOP2_MAC), ("c2", hop2, HOP2_MAC2)}
    if fwd != want_fwd:
        check.fail("INVITEs forwarded (call, IP, MAC) %r, want %r"
                   % (sorted(fwd), sorted(want_fwd)))
    if sorted(ups) != sorted((c, 100) for c in ("a1", "a2", "a3", "c1", "c2")):
        check.fail("upstream responses %r, want one 100 per INVITE (every hop answered)"
                   % sorted(ups))
    return conclude(R, name, outs, stats, out, (len(q0) + len(q1), len(fwd) + len(ups)),
                    "neighbour", {"px_neighbour_probed": 1, "px_neighbour_expired": 0,
                     "px_resolve_started": 3, "px_resolve_failed": 0,
                     "px_held_for_resolution": 3})


MIXED_IP6 = "c612:14::20"   # proxy-mixed: its first 32 bits are HOP_IP's (198.18.0.20)


def run_mixed(R, exe, tmp, name):
    """proxy-mixed: a dual-stack proxy (an IPv4 and an IPv6 --local-ip) resolves an
    IPv4 next hop and an IPv6 one whose address starts with the IPv4 one's 32 bits.
    x1 (0 s, user v6x, --route) waits for the silent IPv6 hop; b1 (0.1 s, --next-hop)
    for the IPv4 hop, which answers its ARP request (0.2 s). The two are different
    neighbours on the workers' board too: b1 goes to the IPv4 hop's MAC, x1 still
    fails after three NSs (503, 16.7 step 6) and is sent to no MAC."""
    stats = os.path.join(tmp, "stats.json")
    x1 = request("INVITE", "x1", "z9hG4bK-x1", user="v6x")
    seq = [(0.0, up(x1)), (0.1, up(request("INVITE", "b1", "z9hG4bK-b1"))),
           (0.2, hop_answer())]
    ins, outs = write_queues(tmp, [seq])
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--local-ip", sw.UAS_IP6,
            "--mac", PROXY_MAC, "--next-hop", HOP_IP + ":5060",
            "--route", "user:v6x=[%s]:5060" % MIXED_IP6, "--pcap-pace", "--t1", "12000",
            "--t2", "40000", "--exit-idle", "1500", "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 1, ins, outs) + ["--"] + opts, tmp)
    got = solicitations(outs)
    want = [(resolve_mac(HOP_IP), HOP_IP)] + [(resolve_mac(MIXED_IP6), MIXED_IP6)] * 3
    if sorted(got) != sorted(want):
        check.fail("ARP requests / NSs %r, want %r" % (got, want))
    fwd, ups = [], []
    for f in check.load_output(outs):
        if f.error:
            check.fail("output frame: " + f.error)
        elif f.payload is not None and f.payload.startswith(b"INVITE "):
            fwd.append((sw.Sip(f.payload).one("call-id"), f.dst_ip, f.dst_mac))
        elif f.payload is not None and f.dst_ip == UAC_IP:
            s = sw.Sip(f.payload)
            ups.append((s.one("call-id"), s.status))
    if fwd != [("b1@px", HOP_IP, HOP_MAC)]:
        check.fail("INVITEs forwarded (Call-ID, IP, MAC) %r, want only b1 to the IPv4 hop "
                   "(the IPv6 hop never answered)" % fwd)
    if sorted(ups) != [("b1@px", 100), ("x1@px", 503)]:
        check.fail("upstream responses %r, want b1's 100 and x1's 503" % sorted(ups))
    sent = check.load_output(outs)
    check.check_stats(stats, check.n_frames(sent), sent)
    if check.FAILS:
        print(out)
    return R.finish(name, len(seq), len(fwd) + len(ups))


def run_forget(R, exe, tmp, name):
    """proxy-forget: a MAC whose probes went unanswered is forgotten on the workers'
    board too (--neigh-reachable 2 s, two workers). Worker 0 learns the next hop at 0 s
    (its ARP request). Worker 1 resolves it for g1 (1.65 s), answered at 1.8 s: a
    recent answer on the board. g2 (2.5 s) finds worker 0's entry stale: sent, with
    three unicast probes that go unanswered (the host left); the entry is forgotten
    (3.4 s). g3 (3.6 s) must resolve afresh, though the board's answer of 1.8 s is
    younger than --neigh-reachable: the host that took the address answers with another
    MAC (3.75 s), and g3 goes there, not to the MAC that stopped answering."""
    hop_mac2 = "02:00:00:00:00:21"
    stats = os.path.join(tmp, "stats.json")
    q0 = [(0.0, solicit(HOP_MAC, HOP_IP)), (2.5, up(request("INVITE", "g2", "z9hG4bK-g2"))),
          (3.6, up(request("INVITE", "g3", "z9hG4bK-g3"))), (3.75, hop_answer(hop_mac2))]
    q1 = [(0.0, solicit(UAC_MAC, UAC_IP)), (1.65, up(request("INVITE", "g1", "z9hG4bK-g1"))),
          (1.8, hop_answer())]
    files = [q0, q1]
    ins, outs = write_queues(tmp, files)
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC,
            "--next-hop", h(HOP_IP) + ":5060", "--neigh-reachable", "2000",
            "--pcap-pace", "--t1", "12000", "--t2", "40000", "--exit-idle", "600",
            "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 2, ins, outs) + ["--"] + opts, tmp)
    res, _ = sips(outs, hop_macs=(HOP_MAC, hop_mac2))
    bcast = resolve_mac(HOP_IP)
    got = (solicitations(outs[:1]), solicitations(outs[1:]))
    want = ([(HOP_MAC, HOP_IP)] * 3 + [(bcast, HOP_IP)], [(bcast, HOP_IP)])
    if got != want:
        check.fail("ARP requests (worker 0, worker 1) %r, want %r: g3 resolves afresh "
                   "after the probes for g2 went unanswered" % (got, want))
    for call, mac in (("g1", HOP_MAC), ("g2", HOP_MAC), ("g3", hop_mac2)):
        for s in expect(res, "down", call, "INVITE", 1, "forwarded (16.6)"):
            if s.dst_mac != mac:
                check.fail("%s INVITE to MAC %s, want %s" % (call, s.dst_mac, mac))
        expect(res, "up", call, 503, 0, "the next hop was reachable")
    check_counters(stats, "neighbour", {
        "px_neighbour_probed": 1, "px_neighbour_expired": 1, "px_resolve_started": 2,
        "px_resolve_failed": 0})
    if check.FAILS:
        print(out)
    return R.finish(name, len(q0) + len(q1), len(res))


GW_MAC, R2_MAC = "02:00:00:00:00:fe", "02:00:00:00:00:fd"
GW_REACHABLE_MS = 400   # proxy-gateway: --neigh-reachable


def run_gateway(R, exe, tmp, name):
    """proxy-gateway(-v6): --gateway (RFC 1122 3.3.1.1). sipcancel is 198.18.0.1/24
    (2001:2::1/64); the gateway 198.18.0.254 (the link-local fe80::fe); the next hop
    198.19.7.20 (2001:2:0:7::20) is off-link. UAC X (198.19.9.10) is off-link behind
    the gateway, UAC U (198.18.0.10) on-link, UAC Y (198.19.9.11) off-link behind a
    second router R2. --neigh-reachable 400 ms.
      0.00  g1 INVITE from X: the proxy resolves the gateway, not the next hop
      0.05  the gateway answers: g1 goes to its MAC, IP destination the next hop
      0.15  g1 180, relayed to X through the gateway
      0.30  g2 INVITE from U, 0.40 its 180, relayed to U's own MAC
      0.70-0.80  g1 CANCEL, 200, 487 (relayed), ACK
    The off-link packets that came from the gateway's MAC confirm it, so no use up to
    0.77 probes it. Y's packets come from R2: they neither confirm the gateway nor
    teach Y's address R2's MAC.
      1.30  g3 INVITE from Y: the gateway was last confirmed at 0.80, so it is probed
      1.35  the gateway answers the probe; 1.40 g3 180, 1.45 486, 1.50 Y's ACK
      1.55  a 200 to a BYE of Y's, relayed by its Via alone: through the gateway
    What the proxy sends upstream within a transaction (its own 100 and CANCEL 200,
    the responses it relays) goes back the way the request came, to the MAC it came
    from: g3's to R2. Only the gateway is ever resolved or probed."""
    global UAC_IP, HOP_IP
    v6 = name.endswith("-v6")
    if v6:
        use_v6()
        gw_ip, prefix = "fe80::fe", "64"
        x_ip, u_ip, y_ip, hop_ip = ("2001:2:0:9::10", "2001:2::10", "2001:2:0:9::11",
                                    "2001:2:0:7::20")
    else:
        gw_ip, prefix = "198.18.0.254", "24"
        x_ip, u_ip, y_ip, hop_ip = "198.19.9.10", "198.18.0.10", "198.19.9.11", "198.19.7.20"
    HOP_IP = hop_ip
    uacs = {"g1": (x_ip, GW_MAC), "g2": (u_ip, UAC_MAC), "g3": (y_ip, R2_MAC)}
    stats = os.path.join(tmp, "stats.json")

    def frm(call, who, payload):
        global UAC_IP
        ip, mac = uacs[call]
        UAC_IP = ip
        if who == "uac":
            return sw.udp_frames(mac, PROXY_MAC, ip, PROXY_IP, 5060, 5060, payload())[0]
        return sw.udp_frames(GW_MAC, PROXY_MAC, hop_ip, PROXY_IP, 5060, 5060, payload())[0]

    def req(call, method, **kw):
        return frm(call, "uac", lambda: request(method, call, "z9hG4bK-" + call, **kw))

    def rsp(call, status, tag, method="INVITE", upstream=True, b=None):
        return frm(call, "hop", lambda: response(status, call, b or "z9hG4bK-" + call,
                                                 tag, method, upstream=upstream))

    seq = [(0.0, req("g1", "INVITE")), (0.05, hop_answer(GW_MAC, gw_ip)),
           (0.15, rsp("g1", 180, "t1")), (0.3, req("g2", "INVITE")),
           (0.4, rsp("g2", 180, "t2")), (0.7, req("g1", "CANCEL")),
           (0.75, rsp("g1", 200, "t1", "CANCEL", upstream=False)),
           (0.77, rsp("g1", 487, "t1")), (0.8, req("g1", "ACK", to_tag="t1")),
           (1.3, req("g3", "INVITE")), (1.35, hop_answer(GW_MAC, gw_ip)),
           (1.4, rsp("g3", 180, "t3")), (1.45, rsp("g3", 486, "t3")),
           (1.5, req("g3", "ACK", to_tag="t3")),
           (1.55, rsp("g3", 200, "t3", "BYE", b="z9hG4bK-g3bye"))]
    ins, outs = write_queues(tmp, [seq])
    opts = ["--role", "proxy", "--local-ip", PROXY_IP + "/" + prefix, "--mac", PROXY_MAC,
            "--gateway", gw_ip, "--next-hop", h(hop_ip) + ":5060",
            "--neigh-reachable", str(GW_REACHABLE_MS), "--pcap-pace", "--t1", "12000",
            "--t2", "40000", "--exit-idle", "600", "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 1, ins, outs) + ["--"] + opts, tmp)
    fam = 6 if v6 else 4
    if "off-link IPv%d addresses through gateway %s" % (fam, gw_ip) not in out:
        check.fail("the start-up log does not name the gateway")
    # The same hop, a prefix and no gateway: resolved as on-link, which the log flags.
    nogw = os.path.join(tmp, "nogw")
    os.makedirs(nogw)
    ins2, outs2 = write_queues(nogw, [[]])
    out2 = R.run(exe, R.eal_args(name + "-nogw", 1, ins2, outs2) + ["--"] + [
        "--role", "proxy", "--local-ip", PROXY_IP + "/" + prefix, "--next-hop",
        h(hop_ip) + ":5060", "--exit-idle", "100"], tmp)
    if "hop %s is outside every --local-ip prefix and there is no --gateway" % hop_ip \
            not in out2 or "is outside every" in out:
        check.fail("an off-link hop without --gateway is not flagged at start (or one "
                   "with it is)")
    want = [(resolve_mac(gw_ip), gw_ip), (GW_MAC, gw_ip)]
    got = solicitations(outs)
    if got != want:
        check.fail("ARP requests / NSs %r, want %r: the gateway resolved for g1 and "
                   "probed once for g3, no off-link address asked" % (got, want))
    # (Call-ID, first line) -> destination MAC of every SIP datagram sent
    sent = {}
    for f in check.load_output(outs):
        if f.payload is not None:
            s = sw.Sip(f.payload)
            key = (s.one("call-id").split("@")[0], s.start.split(" sip:")[0],
                   ipaddress.ip_address(f.dst_ip))
            sent.setdefault(key, []).append(f.dst_mac)
    hop, x, u, y = (ipaddress.ip_address(a) for a in (hop_ip, x_ip, u_ip, y_ip))
    want_sent = {
        ("g1", "SIP/2.0 100 Trying", x): [GW_MAC],     # our own: back where it came from
        ("g1", "INVITE", hop): [GW_MAC],
        ("g1", "SIP/2.0 180 Ringing", x): [GW_MAC],
        ("g2", "SIP/2.0 100 Trying", u): [UAC_MAC],
        ("g2", "INVITE", hop): [GW_MAC],
        ("g2", "SIP/2.0 180 Ringing", u): [UAC_MAC],    # on-link: its own MAC
        ("g1", "SIP/2.0 200 OK", x): [GW_MAC],          # to the CANCEL
        ("g1", "CANCEL", hop): [GW_MAC],
        ("g1", "SIP/2.0 487 Request Terminated", x): [GW_MAC],
        ("g1", "ACK", hop): [GW_MAC],
        ("g3", "SIP/2.0 100 Trying", y): [R2_MAC],
        ("g3", "INVITE", hop): [GW_MAC],
        ("g3", "SIP/2.0 180 Ringing", y): [R2_MAC],
        ("g3", "SIP/2.0 486 Busy Here", y): [R2_MAC],
        ("g3", "ACK", hop): [GW_MAC],
        ("g3", "SIP/2.0 200 OK", y): [GW_MAC]}         # by Via: routed, not to R2
    if sent != want_sent:
        check.fail("SIP sent (call, start, IP) -> MACs:\n  %s\nwant:\n  %s" % (
            "\n  ".join("%s -> %s" % kv for kv in sorted(sent.items(), key=str)),
            "\n  ".join("%s -> %s" % kv for kv in sorted(want_sent.items(), key=str))))
    # Paths found through the gateway: the three INVITEs and the BYE's 200, relayed by
    # its Via (the rest use their transaction's stored path and ask for none);
    # learned: the gateway (its answer) and U (its INVITE).
    return conclude(R, name, outs, stats, out, (len(seq), len(sent)), "gateway",
                    {"px_routed_via_gateway": 4, "px_resolve_started": 1,
                     "px_neighbour_probed": 1, "px_neighbour_learned": 2,
                     "px_neighbour_expired": 0, "px_held_for_resolution": 1,
                     "rx_neighbour_answers": 2})


def run_heldstateless(R, exe, tmp, name):
    """proxy-heldstateless(-v6): requests and responses relayed statelessly wait for
    their next hop's address too. The proxy knows nobody at first. A BYE (0 s) opens
    the resolution of the next hop and waits; the hop answers (0.1 s) and the BYE is
    forwarded. Its 200 (0.2 s) goes straight back to the UAC, learned from the BYE. A
    200 to a BYE from another UAC, 198.18.0.31 (2001:2::31), that the proxy never
    heard (0.3 s), opens a resolution of that address by its second Via and waits;
    answered (0.4 s), it is relayed there. Each message is counted once, however
    long it waited (rx_method_BYE, sip_requests, sip_responses, lib/cancel's rx_bye
    and rx_response, px_held_for_resolution)."""
    global UAC_IP
    if name.endswith("-v6"):
        use_v6()
    other_ip = "2001:2::31" if name.endswith("-v6") else "198.18.0.31"
    other_mac = "02:00:00:00:00:31"
    stats = os.path.join(tmp, "stats.json")
    uac_ip = UAC_IP
    seq = [(0.0, up(request("BYE", "h1", "z9hG4bK-h1bye", to_tag="t1"))),
           (0.1, hop_answer()),
           (0.2, down(response(200, "h1", "z9hG4bK-h1bye", "t1", "BYE")))]
    UAC_IP = other_ip
    seq += [(0.3, down(response(200, "h2", "z9hG4bK-h2bye", "t2", "BYE"))),
            (0.4, hop_answer(other_mac, other_ip))]
    UAC_IP = uac_ip
    ins, outs = write_queues(tmp, [seq])
    opts = ["--role", "proxy", "--local-ip", PROXY_IP, "--mac", PROXY_MAC,
            "--next-hop", h(HOP_IP) + ":5060", "--pcap-pace", "--exit-idle", "600",
            "--stats-file", stats]
    out = R.run(exe, R.eal_args(name, 1, ins, outs) + ["--"] + opts, tmp)
    got = solicitations(outs)
    want = [(resolve_mac(HOP_IP), HOP_IP), (resolve_mac(other_ip), other_ip)]
    if got != want:
        check.fail("ARP requests / NSs %r, want %r: one resolution for the BYE's next "
                   "hop, one for the unknown UAC of the second 200" % (got, want))
    sent = []
    for f in check.load_output(outs):
        if f.payload is not None:
            sent.append((sw.Sip(f.payload).start, str(ipaddress.ip_address(f.dst_ip)),
                         f.dst_mac))
    hop, uac, other = (str(ipaddress.ip_address(a)) for a in (HOP_IP, uac_ip, other_ip))
    want_sent = [("BYE sip:bob@%s SIP/2.0" % h(HOP_IP), hop, HOP_MAC),
                 ("SIP/2.0 200 OK", uac, UAC_MAC), ("SIP/2.0 200 OK", other, other_mac)]
    if sent != want_sent:
        check.fail("sent %r, want %r" % (sent, want_sent))
    return conclude(R, name, outs, stats, out, (len(seq), len(sent)), "stateless holds",
                    {"px_held_for_resolution": 2, "px_resolve_started": 2,
                     "px_resolve_failed": 0, "px_no_next_path": 0, "rx_method_BYE": 1,
                     "sip_requests": 1, "sip_responses": 2, "uas_rx_bye": 1,
                     "uas_rx_response": 2, "uas_px_stateless_req_forwarded": 1,
                     "uas_px_stateless_resp_relayed": 2})


# Cases with a runner of their own, by name prefix; the rest are run_case's.
RUNNERS = (("proxy-heldlive", run_heldlive), ("proxy-stale", run_stale),
           ("proxy-confirm", run_confirm), ("proxy-retry", run_retry),
           ("proxy-forget", run_forget), ("proxy-mixed", run_mixed),
           ("proxy-board", run_board), ("proxy-gateway", run_gateway),
           ("proxy-heldstateless", run_heldstateless))


def run(R, exe, tmp, name):
    """Any proxy-* case but proxy-gen-*."""
    for prefix, fn in RUNNERS:
        if name.startswith(prefix):
            return fn(R, exe, tmp, name)
    return run_case(R, exe, tmp, name)
