"""Crafts small pcap and pcapng captures byte by byte (standard library only) for the hostile-input
tests: Ethernet/VLAN/IPv4/IPv6/TCP frames, IPv4 fragments, odd record headers and timestamps."""
import struct

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def h2frame(ftype, flags, stream, payload):
    return struct.pack("!I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack("!I", stream) + payload


def h2ping(opaque, ack=False, stream=0):
    return h2frame(6, 1 if ack else 0, stream, struct.pack("!Q", opaque))


def h2goaway(last, code, debug=b""):
    return h2frame(7, 0, 0, struct.pack("!II", last, code) + debug)


def h2settings():
    return h2frame(4, 0, 0, b"")


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535):
    """A TCP header + payload; flags as a string of S, A, F, R, P."""
    bits = sum({"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}[c] for c in flags)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, bits, window, 0, 0)
    pseudo = bytes(map(int, src.split("."))) + bytes(map(int, dst.split("."))) + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    csum = checksum(pseudo + hdr + payload)
    return hdr[:16] + struct.pack("!H", csum) + hdr[18:] + payload


def ipv4(src, dst, payload, ident=1, frag_offset=0, more=False, proto=6, total=None):
    """An IPv4 header around payload; frag_offset in bytes (a multiple of 8)."""
    flags = (0x2000 if more else 0) | (frag_offset // 8)
    length = total if total is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, ident, flags, 64, proto, 0,
                      bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + payload


def ipv4_fragments(src, dst, payload, ident, size):
    """Splits one IPv4 payload (a TCP segment) into fragments of `size` bytes (multiple of 8)."""
    out = []
    for off in range(0, len(payload), size):
        chunk = payload[off:off + size]
        out.append(ipv4(src, dst, chunk, ident=ident, frag_offset=off, more=off + size < len(payload)))
    return out


def ether(payload, vlans=(), ethertype=0x0800):
    out = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
    for i, vid in enumerate(vlans):
        tpid = 0x88a8 if i < len(vlans) - 1 else 0x8100
        out += struct.pack("!HH", tpid, vid)
    return out + struct.pack("!H", ethertype) + payload


class Conversation:
    """One TCP connection, client 10.0.0.1:50000 -> server 10.0.0.2:port, with sequence numbers kept."""

    def __init__(self, port=50051, client="10.0.0.1", server="10.0.0.2", cport=50000):
        self.client, self.server, self.cport, self.port = client, server, cport, port
        self.seq = {True: 1000, False: 5000}  # True: client to server

    def segment(self, c2s, flags, payload=b"", window=65535, seq=None, advance=True):
        src, dst = (self.client, self.server) if c2s else (self.server, self.client)
        sp, dp = (self.cport, self.port) if c2s else (self.port, self.cport)
        s = self.seq[c2s] if seq is None else seq
        pkt = tcp(src, dst, sp, dp, s, self.seq[not c2s], flags, payload, window)
        if advance:
            self.seq[c2s] = s + len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        return ipv4(src, dst, pkt)

    def handshake(self):
        return [self.segment(True, "S"), self.segment(False, "SA"), self.segment(True, "A")]


def pcap(records, linktype=1, snaplen=65535, nano=False):
    """records: list of (seconds, fraction, data) or (seconds, fraction, data, orig_len)."""
    out = struct.pack("<IHHiIII", 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)
    for r in records:
        sec, frac, data = r[0], r[1], r[2]
        orig = r[3] if len(r) > 3 else len(data)
        out += struct.pack("<IIII", sec, frac, len(data), orig) + data
    return out


def _block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(interfaces, packets):
    """interfaces: list of (linktype, tsresol or None); packets: (interface, ts_units, data)."""
    out = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for linktype, tsresol in interfaces:
        opts = b""
        if tsresol is not None:
            opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
        out += _block(1, struct.pack("<HHI", linktype, 0, 0) + opts)
    for iface, ts, data in packets:
        out += _block(6, struct.pack("<IIIII", iface, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data)
    return out
