#!/usr/bin/python3
"""Synthetic captures for the blow-up cases (issue 14): written packet by packet, not recorded,
because no real peer makes them on demand. Used by tests/cli/blowup_test.py and bench/run.

  synth_pcap.py connections OUT.pcap [--count N] [--h2-every K] [--port P]
      N short TCP connections (default 1,000,000) to one server port, 64 in flight at a time:
      SYN, SYN-ACK, ACK + request, response + FIN, FIN-ACK, ACK (6 packets). Every K-th
      connection (default 10) speaks HTTP/2 (preface, SETTINGS, PING; SETTINGS, SETTINGS ACK,
      PING ACK); the others carry a short HTTP/1.1 health check.
  synth_pcap.py hpack-bomb OUT.pcap [--block-bytes B] [--message-bytes M] [--blocks C] [--port P]
      One HTTP/2 connection whose server adds a grpc-message of M bytes (default 3,900) to its
      HPACK dynamic table, then sends C (default 1) header blocks of B bytes (default 1 MiB), each
      a run of one-byte references to that entry (0xbf, dynamic index 63), split over
      CONTINUATION frames of 16 KiB.
"""
import argparse
import struct
import sys

LINKTYPE_ETHERNET = 1
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
ETH_HEADER = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


class PcapWriter:
    """Classic pcap, microsecond timestamps, Ethernet + IPv4 + TCP (checksums left zero: the
    tools read here do not verify them)."""

    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 22)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        self.usec = 1_700_000_000 * 1_000_000

    def tcp(self, src, sport, dst, dport, seq, ack, flags, payload=b"", step_usec=1):
        self.usec += step_usec
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0)
        total = 20 + 20 + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
        length = 14 + total
        self.f.write(struct.pack("<IIII", self.usec // 1_000_000, self.usec % 1_000_000, length, length))
        self.f.write(ETH_HEADER)
        self.f.write(ip)
        self.f.write(tcp)
        self.f.write(payload)

    def close(self):
        self.f.close()


def ip4(a, b, c, d):
    return bytes([a, b, c, d])


def short_connections(out, count, h2_every, port):
    w = PcapWriter(out)
    server = ip4(10, 0, 0, 1)
    h2_request = PREFACE + frame(4, 0, 0, b"") + frame(6, 0, 0, b"\x00\x00\x00\x00\x00\x00\x00\x2a")
    h2_response = frame(4, 0, 0, b"") + frame(4, 1, 0, b"") + frame(6, 1, 0, b"\x00\x00\x00\x00\x00\x00\x00\x2a")
    h1_request = b"GET /healthz HTTP/1.1\r\nHost: svc\r\n\r\n"
    h1_response = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    in_flight = 64
    for base in range(0, count, in_flight):
        batch = range(base, min(base + in_flight, count))
        conns = []
        for i in batch:
            client = ip4(10, 1 + (i // 60000) // 256, (i // 60000) % 256, 2)
            cport = 1024 + i % 60000
            cisn, sisn = (i * 7919) & 0xFFFFFFFF, (i * 104729 + 12345) & 0xFFFFFFFF
            h2 = h2_every > 0 and i % h2_every == 0
            conns.append((client, cport, cisn, sisn, h2_request if h2 else h1_request, h2_response if h2 else h1_response))
        for client, cport, cisn, sisn, _, _ in conns:
            w.tcp(client, cport, server, port, cisn, 0, SYN)
        for client, cport, cisn, sisn, _, _ in conns:
            w.tcp(server, port, client, cport, sisn, cisn + 1, SYN | ACK)
        for client, cport, cisn, sisn, req, _ in conns:
            w.tcp(client, cport, server, port, cisn + 1, sisn + 1, PSH | ACK, req)
        for client, cport, cisn, sisn, req, resp in conns:
            w.tcp(server, port, client, cport, sisn + 1, cisn + 1 + len(req), PSH | FIN | ACK, resp)
        for client, cport, cisn, sisn, req, resp in conns:
            w.tcp(client, cport, server, port, cisn + 1 + len(req), sisn + 2 + len(resp), FIN | ACK)
        for client, cport, cisn, sisn, req, resp in conns:
            w.tcp(server, port, client, cport, sisn + 2 + len(resp), cisn + 2 + len(req), ACK)
    w.close()


def hpack_literal_incremental(name, value):
    """Literal header field with incremental indexing, new name (RFC 7541 section 6.2.1), no
    Huffman; lengths with a 7-bit prefix."""

    def string(s):
        out = bytearray()
        n = len(s)
        if n < 127:
            out.append(n)
        else:
            out.append(127)
            n -= 127
            while n >= 128:
                out.append(n % 128 + 128)
                n //= 128
            out.append(n)
        return bytes(out) + s

    return b"\x40" + string(name) + string(value)


def hpack_bomb(out, block_bytes, message_bytes, blocks, port):
    w = PcapWriter(out)
    client, server = ip4(127, 0, 0, 1), ip4(127, 0, 0, 2)
    cport = 41000
    cseq, sseq = 1000, 5000
    w.tcp(client, cport, server, port, cseq, 0, SYN)
    w.tcp(server, port, client, cport, sseq, cseq + 1, SYN | ACK)
    cseq += 1
    sseq += 1
    w.tcp(client, cport, server, port, cseq, sseq, ACK)

    def send(from_client, payload):
        nonlocal cseq, sseq
        for off in range(0, len(payload), 65000):
            chunk = payload[off:off + 65000]
            if from_client:
                w.tcp(client, cport, server, port, cseq, sseq, PSH | ACK, chunk)
                cseq += len(chunk)
            else:
                w.tcp(server, port, client, cport, sseq, cseq, PSH | ACK, chunk)
                sseq += len(chunk)

    send(True, PREFACE + frame(4, 0, 0, b"") + frame(1, 0x04, 1, b"\x83\x86\x44\x06/a.B/C"))
    # The message (percent-encoded bytes and plain text mixed, as a real server might send).
    unit = b"deadline exceeded %E2%9C%93 while waiting; "
    message = (unit * (message_bytes // len(unit) + 1))[:message_bytes]
    first = hpack_literal_incremental(b"grpc-message", message) + hpack_literal_incremental(b"grpc-status", b"4")
    send(False, frame(4, 0, 0, b"") + frame(1, 0x05, 1, first))
    # grpc-status is dynamic index 62, grpc-message 63 (newest first): 0xbf references the message.
    for n in range(blocks):
        stream = 3 + 2 * n
        block = b"\xbe" + b"\xbf" * (block_bytes - 1)
        frames = bytearray()
        piece = 16384
        for off in range(0, len(block), piece):
            last = off + piece >= len(block)
            frames += frame(1 if off == 0 else 9, (0x04 if last else 0) | (0x01 if off == 0 else 0), stream,
                            block[off:off + piece])
        send(False, bytes(frames))
    w.tcp(client, cport, server, port, cseq, sseq, FIN | ACK)
    w.tcp(server, port, client, cport, sseq, cseq + 1, FIN | ACK)
    w.tcp(client, cport, server, port, cseq + 1, sseq + 1, ACK)
    w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="kind", required=True)
    c = sub.add_parser("connections")
    c.add_argument("out")
    c.add_argument("--count", type=int, default=1_000_000)
    c.add_argument("--h2-every", type=int, default=10)
    c.add_argument("--port", type=int, default=50551)
    h = sub.add_parser("hpack-bomb")
    h.add_argument("out")
    h.add_argument("--block-bytes", type=int, default=1 << 20)
    h.add_argument("--message-bytes", type=int, default=3900)
    h.add_argument("--blocks", type=int, default=1)
    h.add_argument("--port", type=int, default=50552)
    a = ap.parse_args()
    if a.kind == "connections":
        if not 0 < a.count <= 10_000_000:
            sys.exit("synth_pcap.py: --count must be between 1 and 10,000,000")
        short_connections(a.out, a.count, a.h2_every, a.port)
    else:
        if a.block_bytes < 2 or a.message_bytes < 1 or a.blocks < 1:
            sys.exit("synth_pcap.py: --block-bytes >= 2, --message-bytes >= 1, --blocks >= 1")
        hpack_bomb(a.out, a.block_bytes, a.message_bytes, a.blocks, a.port)


if __name__ == "__main__":
    main()
