# SPDX-License-Identifier: BSD-3-Clause
"""Packets for the sipcancel pcap-in/pcap-out tests, standard library only.

pcap read/write, Ethernet/802.1Q/IPv4/IPv6/UDP build (with checksums and IP
fragmentation) and decode, and the SIP workloads of every scenario.

Addresses come from the benchmarking ranges (RFC 2544 198.18.0.0/15, RFC 5180
2001:2::/48). Every Call-ID starts with the scenario name ("ring-3@...") so the
checker knows what the UAS must do with that call.
"""
import ipaddress
import random
import struct

UAS_MAC = "02:00:00:00:00:01"
UAS_IP4 = "198.18.0.1"
UAS_IP6 = "2001:2::1"
SIP_PORT = 5060
VLAN_ID = 100
LINKTYPE_ETHERNET = 1
ETH_P_IP = 0x0800
ETH_P_IP6 = 0x86DD
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


# ---- pcap -------------------------------------------------------------------

def write_pcap(path, frames):
    """frames: list of (timestamp_seconds, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        for ts, data in frames:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def read_pcap(path):
    """Return a list of (timestamp_seconds, bytes). Handles both byte orders and ns."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file (%d bytes)" % (path, len(data)))
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
        magic = struct.unpack(">I", data[:4])[0]
    else:
        raise ValueError("%s: bad pcap magic %08x" % (path, magic))
    div = 1e9 if magic == 0xA1B23C4D else 1e6
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError("%s: link type %d, expected Ethernet" % (path, linktype))
    off = 24
    out = []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise ValueError("%s: truncated record" % path)
        out.append((sec + frac / div, data[off:off + incl]))
        off += incl
    return out


# ---- checksums and headers ----------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def inet_csum(data):
    return (~csum(data)) & 0xFFFF


def ip_version(addr):
    return ipaddress.ip_address(addr).version


def ip_bytes(addr):
    return ipaddress.ip_address(addr).packed


def pseudo_header(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def udp_segment(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = inet_csum(pseudo_header(src, dst, 17, length) + hdr + payload)
    if c == 0:
        c = 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def ipv4_header(src, dst, proto, payload_len, ident=0, flags_frag=0, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, flags_frag, ttl,
                      proto, 0, src, dst)
    c = inet_csum(hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:]


def ipv6_header(src, dst, nxt, payload_len, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, payload_len, nxt, hlim, src, dst)


def eth(dst_mac, src_mac, ethertype, payload, vlan=None):
    h = mac_bytes(dst_mac) + mac_bytes(src_mac)
    if vlan is not None:
        h += struct.pack("!HH", ETH_P_8021Q, vlan & 0x0FFF)
    return h + struct.pack("!H", ethertype) + payload


def udp_frames(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload, vlan=None,
               mtu=1500, ident=1):
    """Ethernet frames of one UDP datagram, IP-fragmented when above mtu."""
    s, d = ip_bytes(src_ip), ip_bytes(dst_ip)
    seg = udp_segment(s, d, sport, dport, payload)
    if len(s) == 4:
        if 20 + len(seg) <= mtu:
            return [eth(dst_mac, src_mac, ETH_P_IP, ipv4_header(s, d, 17, len(seg),
                                                               ident=ident) + seg, vlan)]
        step = (mtu - 20) // 8 * 8
        frames = []
        for off in range(0, len(seg), step):
            chunk = seg[off:off + step]
            more = 0x2000 if off + step < len(seg) else 0
            frames.append(eth(dst_mac, src_mac, ETH_P_IP,
                              ipv4_header(s, d, 17, len(chunk), ident=ident,
                                          flags_frag=more | (off // 8)) + chunk, vlan))
        return frames
    if 40 + len(seg) <= mtu:
        return [eth(dst_mac, src_mac, ETH_P_IP6, ipv6_header(s, d, 17, len(seg)) + seg, vlan)]
    step = (mtu - 40 - 8) // 8 * 8
    frames = []
    for off in range(0, len(seg), step):
        chunk = seg[off:off + step]
        more = 1 if off + step < len(seg) else 0
        fh = struct.pack("!BBHI", 17, 0, off | more, ident)
        frames.append(eth(dst_mac, src_mac, ETH_P_IP6,
                          ipv6_header(s, d, 44, 8 + len(chunk)) + fh + chunk, vlan))
    return frames


def arp_request(src_mac, src_ip, target_ip, vlan=None):
    body = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1, mac_bytes(src_mac),
                       ip_bytes(src_ip), b"\0" * 6, ip_bytes(target_ip))
    return eth("ff:ff:ff:ff:ff:ff", src_mac, ETH_P_ARP, body, vlan)


def arp_reply(src_mac, src_ip, dst_mac, dst_ip, vlan=None):
    body = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 2, mac_bytes(src_mac),
                       ip_bytes(src_ip), mac_bytes(dst_mac), ip_bytes(dst_ip))
    return eth(dst_mac, src_mac, ETH_P_ARP, body, vlan)


def neighbour_advert(src_mac, src_ip, dst_mac, dst_ip, vlan=None):
    """Solicited NA (RFC 4861 4.4) from src_ip, with its target link-layer option."""
    t = ip_bytes(src_ip)
    icmp = struct.pack("!BBHI16s", 136, 0, 0, 0x60000000, t) + struct.pack(
        "!BB6s", 2, 1, mac_bytes(src_mac))
    s, d = t, ip_bytes(dst_ip)
    c = inet_csum(pseudo_header(s, d, 58, len(icmp)) + icmp)
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    return eth(dst_mac, src_mac, ETH_P_IP6, ipv6_header(s, d, 58, len(icmp), hlim=255) + icmp,
               vlan)


def solicited_node(ip6):
    b = ip_bytes(ip6)
    return ipaddress.ip_address(b"\xff\x02" + b"\0" * 9 + b"\x01\xff" + b[13:]).compressed


def neighbour_solicit(src_mac, src_ip, target_ip, vlan=None):
    dst_ip = solicited_node(target_ip)
    t = ip_bytes(target_ip)
    dst_mac = "33:33:" + mac_str(ip_bytes(dst_ip)[12:])
    icmp = struct.pack("!BBHI16s", 135, 0, 0, 0, t) + struct.pack("!BB6s", 1, 1,
                                                                   mac_bytes(src_mac))
    s, d = ip_bytes(src_ip), ip_bytes(dst_ip)
    c = inet_csum(pseudo_header(s, d, 58, len(icmp)) + icmp)
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    return eth(dst_mac, src_mac, ETH_P_IP6, ipv6_header(s, d, 58, len(icmp), hlim=255) + icmp,
               vlan)


# ---- decode -----------------------------------------------------------------

class Frame:
    """A decoded frame; fields None when absent. `error` says what is malformed."""

    def __init__(self, data):
        self.raw = data
        self.error = None
        self.vlan = None
        self.ip_version = None
        self.src_ip = self.dst_ip = None
        self.sport = self.dport = None
        self.payload = None
        self.arp = None
        self.icmp6 = None
        self.frag = False
        try:
            self._decode(data)
        except (struct.error, ValueError, IndexError) as e:
            self.error = "undecodable: %s" % e

    def _decode(self, d):
        if len(d) < 14:
            raise ValueError("runt frame")
        self.dst_mac, self.src_mac = mac_str(d[0:6]), mac_str(d[6:12])
        et = struct.unpack("!H", d[12:14])[0]
        off = 14
        if et == ETH_P_8021Q:
            tci, et = struct.unpack("!HH", d[14:18])
            self.vlan = tci & 0x0FFF
            off = 18
        self.ethertype = et
        if et == ETH_P_ARP:
            (htype, ptype, hlen, plen, op, sha, spa, tha,
             tpa) = struct.unpack("!HHBBH6s4s6s4s", d[off:off + 28])
            self.arp = dict(op=op, sha=mac_str(sha), spa=str(ipaddress.ip_address(spa)),
                            tha=mac_str(tha), tpa=str(ipaddress.ip_address(tpa)))
            return
        if et == ETH_P_IP:
            self.ip_version = 4
            vihl = d[off]
            ihl = (vihl & 0xF) * 4
            if vihl >> 4 != 4 or ihl < 20:
                raise ValueError("bad IPv4 version/IHL")
            hdr = d[off:off + ihl]
            if inet_csum(hdr) != 0:
                self.error = "IPv4 header checksum wrong"
            total, _, ff, _, proto = struct.unpack("!HHHBB", hdr[2:10])
            if ff & 0x3FFF:
                self.frag = True
            self.src_ip = str(ipaddress.ip_address(hdr[12:16]))
            self.dst_ip = str(ipaddress.ip_address(hdr[16:20]))
            s, dd = hdr[12:16], hdr[16:20]
            l4 = d[off + ihl:off + total]
            if total != len(d) - off and len(d) - off != max(total, 46):
                if len(d) - off < total:
                    raise ValueError("IPv4 total length beyond the frame")
        elif et == ETH_P_IP6:
            self.ip_version = 6
            plen, proto = struct.unpack("!HB", d[off + 4:off + 7])
            s, dd = d[off + 8:off + 24], d[off + 24:off + 40]
            self.src_ip = str(ipaddress.ip_address(s))
            self.dst_ip = str(ipaddress.ip_address(dd))
            l4 = d[off + 40:off + 40 + plen]
            if proto == 44:
                self.frag = True
                return
        else:
            raise ValueError("ethertype %04x" % et)
        if proto == 58:
            self.icmp6 = l4
            if inet_csum(pseudo_header(s, dd, 58, len(l4)) + l4) != 0:
                self.error = "ICMPv6 checksum wrong"
            return
        if proto != 17:
            raise ValueError("IP protocol %d" % proto)
        if self.frag:
            return
        sport, dport, ulen, uc = struct.unpack("!HHHH", l4[:8])
        if ulen != len(l4):
            raise ValueError("UDP length %d, IP payload %d" % (ulen, len(l4)))
        self.sport, self.dport = sport, dport
        if uc == 0 and self.ip_version == 6:
            self.error = "IPv6 UDP checksum zero"
        elif uc != 0 and inet_csum(pseudo_header(s, dd, 17, ulen) + l4) != 0:
            self.error = "UDP checksum wrong"
        self.payload = l4[8:]


# ---- SIP text ---------------------------------------------------------------

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length",
           "m": "contact", "c": "content-type"}


class Sip:
    """Just enough SIP to check responses: start line, headers in order, body."""

    def __init__(self, data):
        text = data.decode("latin-1")
        head, sep, self.body = text.partition("\r\n\r\n")
        if not sep:
            raise ValueError("no CRLF CRLF after the headers")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.headers = []
        for ln in lines[1:]:
            if ln[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + ln.strip())
                continue
            n, c, v = ln.partition(":")
            if not c:
                raise ValueError("header line without colon: %r" % ln)
            n = n.strip().lower()
            self.headers.append((COMPACT.get(n, n), v.strip()))
        p = self.start.split(" ", 2)
        if self.start.startswith("SIP/2.0 "):
            self.is_response = True
            self.status = int(p[1])
            self.reason = p[2] if len(p) > 2 else ""
            self.method = None
        else:
            self.is_response = False
            self.method = p[0]
            self.status = None

    def all(self, name):
        out = []
        for n, v in self.headers:
            if n == name:
                if name == "via":
                    out.extend(x.strip() for x in split_commas(v))
                else:
                    out.append(v)
        return out

    def one(self, name):
        v = self.all(name)
        return v[0] if len(v) == 1 else None

    def cseq(self):
        v = self.one("cseq")
        if v is None:
            return None
        n, m = v.split()
        return int(n), m

    def tag(self, name):
        v = self.one(name)
        if v is None:
            return None
        return param(v.split(">")[-1], "tag")


def split_commas(v):
    out, cur, q = [], "", False
    for ch in v:
        if ch == '"':
            q = not q
        if ch == "," and not q:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def param(v, name):
    """Value of ;name=value in a header value (None absent, '' when valueless)."""
    for p in v.split(";")[1:]:
        k, eq, val = p.strip().partition("=")
        if k.strip().lower() == name:
            return val.strip() if eq else ""
    return None


def via_parts(via):
    """(transport, host, port or None, params dict) of a via-parm."""
    proto, sentby = via.split(None, 1) if " " in via else (via, "")
    sent = sentby.split(";")[0].strip()
    params = {}
    for p in sentby.split(";")[1:]:
        k, eq, val = p.strip().partition("=")
        params[k.lower()] = val if eq else ""
    if sent.startswith("["):
        host, _, rest = sent[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else None
    elif sent.count(":") == 1:
        host, p = sent.split(":")
        port = int(p)
    else:
        host, port = sent, None
    return proto.split("/")[-1], host, port, params


# ---- workloads --------------------------------------------------------------

# Per scenario: app options, and how long the calls' packets are spread.
SCENARIOS = {
    # 180 sent right away; CANCEL after it: 200 + 487 (RFC 3261 9.2).
    "ring": dict(opts=["--ring-delay", "0"]),
    # CANCEL before the 180 is due: 200 + 487, never a 180 (17.2.1: no 1xx after final).
    "early": dict(opts=["--ring-delay", "500"]),
    # CANCEL matching nothing: 481 (9.2).
    "unmatched": dict(opts=["--ring-delay", "0"]),
    # CANCEL after the final: 200, no effect, no 487 (9.2).
    "final": dict(opts=["--ring-delay", "0", "--final-code", "486", "--final-delay", "0"]),
    # Retransmitted INVITE: last provisional again; retransmitted CANCEL: same 200 (17.2.1).
    "retrans": dict(opts=["--ring-delay", "0"]),
    # RFC 2543 peers: no z9hG4bK branch; matching by the 17.2.3 fallback fields.
    "rfc2543": dict(opts=["--ring-delay", "0"]),
    # INVITE larger than the MTU: IP fragments reassembled, then as "ring".
    "frag": dict(opts=["--ring-delay", "0"]),
    # Table full: the first FULL_CAPACITY calls as "ring", the rest get 503 with
    # Retry-After (DESIGN "Shared state"), and their CANCEL 481 (nothing pending).
    "full": dict(opts=["--ring-delay", "0", "--capacity", "4", "--retry-after", "7"]),
}
FULL_CAPACITY = 4
FULL_RETRY_AFTER = 7

N_CALLS = 12
CALL_GAP = 0.012


class Call:
    def __init__(self, scenario, i, ipv):
        self.scenario = scenario
        self.i = i
        self.ipv = ipv
        self.mac = "02:00:00:01:%02x:%02x" % (i >> 8, i & 0xFF)
        if ipv == 4:
            self.ip = "198.18.1.%d" % (10 + i)
            self.uas_ip = UAS_IP4
        else:
            self.ip = "2001:2::1:%x" % (10 + i)
            self.uas_ip = UAS_IP6
        self.sport = 41000 + i
        host = self.ip if ipv == 4 else "[%s]" % self.ip
        style = i % 3
        rnd = random.Random("%s-%d-%d" % (scenario, i, ipv))
        tok = "%08x" % rnd.getrandbits(32)
        if scenario == "rfc2543":
            br = "" if i % 2 == 0 else ";branch=2543-%s" % tok
        else:
            br = ";branch=z9hG4bK-%s-%d" % (tok, i)
        # Response port per RFC 3261 18.2.2 / RFC 3581: rport -> source port;
        # else the sent-by port; else 5060.
        if style == 0:
            self.top_via = "SIP/2.0/UDP %s:%d%s;rport" % (host, 5070, br)
        elif style == 1:
            self.top_via = "SIP/2.0/UDP %s:%d%s" % (host, 5070, br)
        else:
            self.top_via = "SIP/2.0/UDP client%d.example.net%s" % (i, br)
        self.vias = [self.top_via]
        if i % 2 == 1:
            self.vias.append("SIP/2.0/UDP 198.18.9.9:5060;branch=z9hG4bK-up-%s" % tok)
        self.call_id = "%s-%d-%s@%s" % (scenario, i, tok, host)
        ftag = "" if (scenario == "rfc2543" and i % 4 == 0) else ";tag=f%s" % tok
        self.from_ = "\"Alice %d\" <sip:alice%d@example.com>%s" % (i, i, ftag)
        self.to = "<sip:bob@%s>" % (UAS_IP4 if ipv == 4 else "[%s]" % UAS_IP6)
        self.ruri = "sip:bob@%s" % (UAS_IP4 if ipv == 4 else "[%s]" % UAS_IP6)
        self.cseq = 100 + i

    def request(self, method, vias=None, to=None, body=""):
        vias = vias or self.vias
        cseq_m = method
        lines = ["%s %s SIP/2.0" % (method, self.ruri)]
        lines += ["Via: %s" % v for v in vias]
        lines += ["Max-Forwards: 70",
                  "From: %s" % self.from_,
                  "To: %s" % (to or self.to),
                  "Call-ID: %s" % self.call_id,
                  "CSeq: %d %s" % (self.cseq, cseq_m)]
        if method == "INVITE":
            lines.append("Contact: <sip:alice%d@%s:%d>" % (self.i, self.ip if self.ipv == 4
                                                            else "[%s]" % self.ip, self.sport))
            if body:
                lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    def invite(self):
        body = ""
        if self.scenario == "frag":
            # Big enough for 3 fragments at MTU 1500.
            body = "v=0\r\no=- 1 1 IN IP4 198.18.1.1\r\ns=-\r\n" + "".join(
                "a=x-pad:%04d%s\r\n" % (k, "z" * 60) for k in range(48))
        return self.request("INVITE", body=body)

    def cancel(self):
        # 9.1: same Request-URI, Call-ID, To, From, CSeq number; one Via, the
        # INVITE's top Via.
        return self.request("CANCEL", vias=[self.top_via])

    def ack(self):
        # 17.1.1.3: the To of the response (tag unknown to this generator).
        return self.request("ACK", vias=[self.top_via], to=self.to + ";tag=unknown")

    def frames(self, payload, vlan, ident):
        return udp_frames(self.mac, UAS_MAC, self.ip, self.uas_ip, self.sport, SIP_PORT,
                          payload, vlan=vlan, ident=ident)


def scenario_packets(scenario, ipv, vlan):
    """List of (time offset, frame, call index, kind) for every call of a scenario."""
    out = []
    ident = 1
    for i in range(N_CALLS):
        c = Call(scenario, i, ipv)
        t0 = 0.05 + i * CALL_GAP
        if scenario == "unmatched":
            seq = [(0.0, "CANCEL", c.cancel())]
        elif scenario == "early":
            seq = [(0.0, "INVITE", c.invite()), (0.15, "CANCEL", c.cancel()),
                   (0.25, "ACK", c.ack())]
        elif scenario == "final":
            seq = [(0.0, "INVITE", c.invite()), (0.3, "CANCEL", c.cancel()),
                   (0.4, "ACK", c.ack())]
        elif scenario == "retrans":
            inv, can = c.invite(), c.cancel()
            seq = [(0.0, "INVITE", inv), (0.1, "INVITE", inv), (0.3, "CANCEL", can),
                   (0.35, "CANCEL", can), (0.5, "ACK", c.ack())]
        elif scenario == "rfc2543":
            # No ACK: a 2543 ACK is matched by the To tag of our 487, unknown here.
            seq = [(0.0, "INVITE", c.invite()), (0.3, "CANCEL", c.cancel())]
        else:
            seq = [(0.0, "INVITE", c.invite()), (0.3, "CANCEL", c.cancel()),
                   (0.5, "ACK", c.ack())]
        for dt, kind, payload in seq:
            for fr in c.frames(payload, vlan, ident):
                out.append((t0 + dt, fr, i, kind))
            ident += 1
    out.sort(key=lambda x: x[0])
    return out


def clock_frame(vlan):
    """A non-SIP UDP packet at time 0 of every input file: starts each worker's pacer
    together. The UAS drops it (counted not_sip_port)."""
    return udp_frames("02:00:00:09:09:09", UAS_MAC, "198.18.9.1", UAS_IP4, 9, 9,
                      b"clock", vlan=vlan)[0]


def write_inputs(paths, scenario, ipv, vlan, split):
    """Write the scenario into len(paths) pcaps. split 'call': a call's packets all in
    one file; 'kind': INVITEs in the first, everything else in the second (so a CANCEL
    reaches another worker than its INVITE)."""
    pk = scenario_packets(scenario, ipv, vlan)
    files = [[(0.0, clock_frame(vlan))] for _ in paths]
    for t, fr, i, kind in pk:
        if len(paths) == 1:
            k = 0
        elif split == "kind":
            k = 0 if kind == "INVITE" else 1
        else:
            k = i % len(paths)
        files[k].append((t, fr))
    for p, fr in zip(paths, files):
        write_pcap(p, fr)
    return pk
