#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes fuzz/seeds-fuzz_net_classify/: frames from sipcancel-gen pcaps (given as
# arguments) plus hand-made ARP request, IPv6 NS, IPv4 and IPv6 fragments. Each seed
# is the harness's two option bytes (0: one segment, software checksums) and a frame;
# SIP frames also get a two-segment copy (option 0x04, split inside the payload).
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds-fuzz_net_classify')
SUT_MAC = bytes([2, 0, 0, 0, 0, 2])
UAC_MAC = bytes([2, 0, 0, 0, 0, 1])
SUT4 = bytes([198, 18, 0, 2])
UAC4 = bytes([198, 18, 0, 1])
SUT6 = bytes.fromhex('20010002000000000000000000000002')
UAC6 = bytes.fromhex('20010002000000000000000000000001')


def pcap_frames(path):
    data = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack('<I', data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, ident=1, frag=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                    src, dst)
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload


def udp4(src, dst, sport, dport, payload):
    u = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    ph = src + dst + struct.pack('!BBH', 0, 17, len(u))
    return u[:6] + struct.pack('!H', csum(ph + u) or 0xffff) + u[8:]


def spoil(fr):
    # Wrong IPv4 header and UDP checksums: option 0x7c (two segments split at byte 101,
    # odd, IP and UDP flags 3) makes the harness write right ones before classifying.
    fr = bytearray(fr)
    l2 = 18 if fr[12:14] == b'\x81\x00' else 14
    if fr[l2 - 2:l2] == b'\x08\x00':
        fr[l2 + 10] ^= 0x5a
        l4 = l2 + 20
    else:
        l4 = l2 + 40
    fr[l4 + 6] ^= 0xa5
    return bytes(fr)


def write(name, opt, split, frame):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(bytes([opt, split]) + frame)


def main():
    n = 0
    for path in sys.argv[1:]:
        for fr in pcap_frames(path):
            write('gen-%02d' % n, 0, 0, fr)
            write('gen-%02d-chain' % n, 0x04, min(len(fr) - 100, 255), fr)
            if n % 3 == 0:
                write('gen-%02d-fixsum-odd' % n, 0x7c, 100, spoil(fr))
            n += 1
    eth4 = SUT_MAC + UAC_MAC + b'\x08\x00'
    # RFC 826 request: who has 198.18.0.2
    arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + UAC_MAC + UAC4 + bytes(6) + SUT4
    write('arp-request', 0, 0, b'\xff' * 6 + UAC_MAC + b'\x08\x06' + arp + bytes(18))
    # RFC 4861 7.1.1 NS for 2001:2::2 to its solicited-node group, with SLLA option
    sn = bytes.fromhex('ff0200000000000000000001ff000002')
    ns = struct.pack('!BBHI', 135, 0, 0, 0) + SUT6 + bytes([1, 1]) + UAC_MAC
    ph = UAC6 + sn + struct.pack('!IxxxB', len(ns), 58)
    ns = ns[:2] + struct.pack('!H', csum(ph + ns)) + ns[4:]
    ip6 = struct.pack('!IHBB', 6 << 28, len(ns), 58, 255) + UAC6 + sn
    write('nd-ns', 0, 0, bytes.fromhex('3333ff000002') + UAC_MAC + b'\x86\xdd' + ip6 + ns)
    # IPv4 fragments of one UDP datagram (RFC 791): 64 + rest bytes, MF on the first
    body = (b'OPTIONS sip:198.18.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bKf\r\n'
            b'Call-ID: frag\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\n'
            b'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n')
    dg = udp4(UAC4, SUT4, 5060, 5060, body)
    write('ipv4-whole', 0, 0, eth4 + ipv4(UAC4, SUT4, 17, dg, 7))
    write('ipv4-frag0', 0, 0, eth4 + ipv4(UAC4, SUT4, 17, dg[:64], 7, 0x2000))
    write('ipv4-frag1', 0, 0, eth4 + ipv4(UAC4, SUT4, 17, dg[64:], 7, 64 // 8))
    # IPv6 fragment (RFC 8200 4.5), first of two, checksums left to the offload flag
    fh = struct.pack('!BBHI', 17, 0, 1, 9)	# offset 0, M
    ip6 = struct.pack('!IHBB', 6 << 28, 8 + 64, 44, 64) + UAC6 + SUT6
    write('ipv6-frag0', 0x28, 0, SUT_MAC + UAC_MAC + b'\x86\xdd' + ip6 + fh + dg[:64])


if __name__ == '__main__':
    main()
