#!/usr/bin/python3
"""Odd but legal capture files and odd paths, made here from the reference captures: BSD loopback
link types (NULL in either byte order, OpenBSD LOOP), a pcapng with unknown blocks between its
packets, dumpcap's two-interface pcapng with the interfaces interleaved out of time order, a FIFO as the capture (the writer comes late), an empty file. Each is read as tshark reads
it (the oracle, when installed) or refused with a message naming the problem; nothing hangs.

  odd_captures_test.py --binary build/release/app/keepalive-scope --data tests/data
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def counts(binary, path):
    r = subprocess.run([binary, "analyze", path, "--json"], capture_output=True, timeout=60)
    if r.returncode != 0:
        return None, r
    doc = json.loads(r.stdout)
    c = {}
    for e in doc["events"]:
        c[e["type"]] = c.get(e["type"], 0) + 1
    return c, r


def tshark_pings(path, port):
    """PING frames (flags 0) and PING ACKs as tshark dissects them, or None without tshark."""
    if not shutil.which("tshark"):
        return None
    out = subprocess.run(["tshark", "-r", path, "-d", "tcp.port==%d,http2" % port, "-T", "fields",
                          "-e", "http2.type", "-e", "http2.flags"], capture_output=True, timeout=60).stdout.decode()
    ping = ack = 0
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0]:
            continue
        for t, f in zip(parts[0].split(","), parts[1].split(",")):
            if t == "6":
                if int(f, 16) & 1:
                    ack += 1
                else:
                    ping += 1
    return ping, ack


def pcap_records(data):
    off = 24
    while off + 16 <= len(data):
        ts, us, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        yield ts, us, data[off + 16:off + 16 + incl], orig
        off += 16 + incl


def test_bsd_loopback(binary, data, tmp):
    src = open(os.path.join(data, "go_ping_healthy.pcap"), "rb").read()
    magic, vmaj, vmin, tz, sig, snap, link = struct.unpack("<IHHiIII", src[:24])
    assert link == 1
    ref, _ = counts(binary, os.path.join(data, "go_ping_healthy.pcap"))
    # DLT_NULL (0) carries the address family in the writer's byte order; LOOP (108) in network order.
    for name, lt, hdr in (("null_le.pcap", 0, struct.pack("<I", 2)), ("null_be.pcap", 0, struct.pack(">I", 2)),
                          ("loop.pcap", 108, struct.pack(">I", 2))):
        out = bytearray(struct.pack("<IHHiIII", magic, vmaj, vmin, tz, sig, snap, lt))
        for ts, us, pkt, orig in pcap_records(src):
            body = hdr + pkt[14:]
            out += struct.pack("<IIII", ts, us, len(body), orig - 10) + body
        path = os.path.join(tmp, name)
        open(path, "wb").write(out)
        c, r = counts(binary, path)
        check(c is not None and c == ref, "%s (link type %d) reads as the Ethernet original (%s)" % (name, lt, c))
        t = tshark_pings(path, 50100)
        if t is not None and c is not None:
            check(t == (c.get("ping", 0), c.get("ping_ack", 0)), "%s: PING/ACK as tshark %s" % (name, t))


def test_unknown_pcapng_blocks(binary, data, tmp):
    src = open(os.path.join(data, "ping_healthy.pcapng"), "rb").read()
    blocks, off = [], 0
    while off < len(src):
        _, length = struct.unpack("<II", src[off:off + 8])
        blocks.append(src[off:off + length])
        off += length
    # A block type no reader knows and a Custom Block (0x00000BAD), both skipped by length.
    unknown = struct.pack("<II", 0x12345678, 16) + b"wxyz" + struct.pack("<I", 16)
    custom = struct.pack("<II", 0x00000BAD, 20) + struct.pack("<I", 32473) + b"ABCD" + struct.pack("<I", 20)
    path = os.path.join(tmp, "unknown_blocks.pcapng")
    open(path, "wb").write(b"".join(blocks[:5]) + unknown + b"".join(blocks[5:9]) + custom + b"".join(blocks[9:]))
    ref, _ = counts(binary, os.path.join(data, "ping_healthy.pcapng"))
    c, r = counts(binary, path)
    check(c is not None and c == ref and not r.stderr, "unknown pcapng blocks between packets are skipped silently (%s)" % r.stderr[:200])
    t = tshark_pings(path, 50175)
    if t is not None and c is not None:
        check(t == (c.get("ping", 0), c.get("ping_ack", 0)), "unknown blocks: PING/ACK as tshark %s" % (t,))


def test_interleaved_interfaces(binary, data):
    """dumpcap's two-interface pcapng holds the lo connection's last packets after later veth
    packets: read in time order, each connection ends when tshark says it does."""
    path = os.path.join(data, "multi_iface.pcapng")
    r = subprocess.run([binary, "analyze", path, "--json"], capture_output=True, timeout=60)
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    warnings = " ".join(doc.get("warnings", []))
    check(r.returncode == 0 and "backwards" not in warnings, "interleaved interfaces: no time runs backwards (%s)" % warnings)
    ts = [e["t"] for e in doc.get("events", [])]
    check(ts == sorted(ts), "interleaved interfaces: events in time order")
    if not shutil.which("tshark"):
        return
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e",
                          "frame.time_relative"], capture_output=True, timeout=60).stdout.decode()
    last = {}
    for line in out.splitlines():
        sp, dp, t = line.split("\t")
        key = frozenset((int(sp), int(dp)))
        last[key] = max(last.get(key, 0.0), float(t))
    for c in doc.get("connections", []):
        key = frozenset((int(c["client"].rsplit(":", 1)[1]), int(c["server"].rsplit(":", 1)[1])))
        check(abs(c["last"] - last.get(key, -1)) < 1e-6,
              "interleaved interfaces: %s ends at %.6f s as in tshark (%.6f s)" % (c["client"], c["last"], last.get(key, -1)))


def test_fifo_and_empty(binary, data, tmp):
    fifo = os.path.join(tmp, "capture.fifo")
    os.mkfifo(fifo)
    p = subprocess.Popen([binary, "analyze", fifo, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The message comes before open() waits for the writer; read it, then write the capture late.
    first = []
    reader = threading.Thread(target=lambda: first.append(p.stderr.readline()))
    reader.start()
    reader.join(10)
    check(first and b"FIFO" in first[0] and b"waiting for a writer" in first[0],
          "a FIFO with no writer yet is named as such while analyze waits (%r)" % (first[:1],))
    time.sleep(0.2)
    with open(fifo, "wb") as w:
        w.write(open(os.path.join(data, "go_ping_healthy.pcap"), "rb").read())
    try:
        out, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out = b""
    ok = p.returncode == 0 and json.loads(out or b"{}").get("events")
    check(bool(ok), "the capture written late into the FIFO is analyzed (exit %s)" % p.returncode)
    empty = os.path.join(tmp, "empty.pcap")
    open(empty, "wb").close()
    r = subprocess.run([binary, "analyze", empty], capture_output=True, timeout=30)
    check(r.returncode == 2 and b"empty" in r.stderr, "an empty file is refused as empty (%r)" % r.stderr[:120])


def test_capture_loss(binary, data, tmp):
    """A packet the capture missed (a busy host drops them): grpc-go's GracefulStop GOAWAY (with a
    PING, packet 17, 34 bytes) taken out of go_server_graceful_stop.pcap. The client's ACK covers
    it and the server's FIN comes after it. The end may not be told as if no GOAWAY had been sent:
    the connection says which bytes are missing, and the warnings say the capture lost packets."""
    raw = open(os.path.join(data, "go_server_graceful_stop.pcap"), "rb").read()
    recs = list(pcap_records(raw))
    out = bytearray(raw[:24])
    for i, (ts, us, body, orig) in enumerate(recs, start=1):
        if i != 17:
            out += struct.pack("<IIII", ts, us, len(body), orig) + body
    path = os.path.join(tmp, "lost_goaway.pcap")
    open(path, "wb").write(bytes(out))
    for name, p, missing in (("whole", os.path.join(data, "go_server_graceful_stop.pcap"), 0), ("lost", path, 34)):
        r = subprocess.run([binary, "analyze", p, "--json"], capture_output=True, timeout=60)
        doc = json.loads(r.stdout) if r.returncode == 0 else None
        conn = doc["connections"][0] if doc else {}
        check(conn.get("missing_bytes", 0) == missing, "%s capture: %d bytes missing (%s)" % (name, missing, conn.get("missing_bytes")))
        lost_warned = doc is not None and any("does not hold" in w for w in doc["warnings"])
        check(lost_warned == (missing > 0), "%s capture: the capture's lost packets are warned about only when there are some" % name)
        if missing:
            check("not in the capture" in conn.get("end_detail", ""), "the end says bytes are missing: %s" % conn.get("end_detail"))


def test_syn_lost_but_preface_seen(binary, data, tmp):
    """Only the handshake missing (a capture started a moment late): the client preface is still in
    the capture and names the client, so the roles are not a guess and the start is in it."""
    raw = open(os.path.join(data, "go_ping_healthy.pcap"), "rb").read()
    out = bytearray(raw[:24])
    for i, (ts, us, body, orig) in enumerate(pcap_records(raw), start=1):
        if i > 3:  # SYN, SYN-ACK, ACK
            out += struct.pack("<IIII", ts, us, len(body), orig) + body
    path = os.path.join(tmp, "no_syn.pcap")
    open(path, "wb").write(bytes(out))
    r = subprocess.run([binary, "analyze", path, "--json"], capture_output=True, timeout=60)
    doc = json.loads(r.stdout) if r.returncode == 0 else None
    conn = doc["connections"][0] if doc else {}
    check(conn.get("counts", {}).get("preface") == 1, "the preface after a lost SYN is read (%s)" % conn.get("counts"))
    check(not conn.get("roles_guessed"), "the preface names the client: the roles are no guess")
    text = subprocess.run([binary, "analyze", path], capture_output=True, timeout=60).stdout.decode()
    check("its SYN not in the capture" in text and "guessed" not in text, "the text says the SYN is missing, not a guess")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        test_bsd_loopback(a.binary, a.data, tmp)
        test_unknown_pcapng_blocks(a.binary, a.data, tmp)
        test_interleaved_interfaces(a.binary, a.data)
        test_fifo_and_empty(a.binary, a.data, tmp)
        test_capture_loss(a.binary, a.data, tmp)
        test_syn_lost_but_preface_seen(a.binary, a.data, tmp)
    if FAILURES:
        print("%d failures" % len(FAILURES))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
