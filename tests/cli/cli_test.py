#!/usr/bin/python3
"""keepalive-scope analyze on bad input and on a pcap stream: clear messages, exit status 2,
partial results with a warning, and events printed while the stream is still open."""
import argparse
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import time

failures = []
passes = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passes if cond else failures).append(what)


def run(binary, args, stdin=None, timeout=30):
    return subprocess.run([binary] + args, input=stdin, capture_output=True, timeout=timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    b = a.binary
    good = os.path.join(a.data, "goaway_too_many_pings.pcap")
    raw = open(good, "rb").read()
    tmp = tempfile.mkdtemp()

    # A capture cut in the middle of a packet: partial result, a warning, exit 0.
    cut = os.path.join(tmp, "cut.pcap")
    open(cut, "wb").write(raw[: len(raw) * 2 // 3 + 5])
    r = run(b, ["analyze", cut, "--json"])
    check(r.returncode == 0, "truncated capture exits 0 with the readable part")
    doc = json.loads(r.stdout)
    check(doc["packets"] > 5 and len(doc["events"]) > 5, "truncated capture still yields events")
    check(any("truncated" in w for w in doc["warnings"]) and b"cut.pcap" in r.stderr,
          "truncated capture warns, naming the file and the problem")

    # Not a capture at all.
    txt = os.path.join(tmp, "notes.txt")
    open(txt, "w").write("this is not a capture\n" * 10)
    r = run(b, ["analyze", txt])
    check(r.returncode == 2 and b"notes.txt" in r.stderr and b"not a pcap or pcapng" in r.stderr,
          "a text file is refused with exit 2 and names the file")
    check(r.stderr.count(b"\n") == 1, "the refusal is one line")

    # A pcap header cut short, an empty file, a missing file, a directory.
    short = os.path.join(tmp, "short.pcap")
    open(short, "wb").write(raw[:10])
    r = run(b, ["analyze", short])
    check(r.returncode == 2 and b"short.pcap" in r.stderr and b"truncated" in r.stderr,
          "a truncated file header is refused with exit 2")
    empty = os.path.join(tmp, "empty.pcap")
    open(empty, "wb").close()
    r = run(b, ["analyze", empty])
    check(r.returncode == 2 and b"empty" in r.stderr, "an empty file is refused with exit 2")
    r = run(b, ["analyze", os.path.join(tmp, "missing.pcap")])
    check(r.returncode == 2 and b"missing.pcap" in r.stderr and b"No such file" in r.stderr,
          "a missing file is refused with exit 2")
    r = run(b, ["analyze", tmp])
    check(r.returncode == 2 and b"directory" in r.stderr, "a directory is refused with exit 2")

    # An unsupported link type (IEEE 802.11, DLT 105).
    wifi = os.path.join(tmp, "wifi.pcap")
    with open(wifi, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 105))
        f.write(struct.pack("<IIII", 1, 0, 24, 24) + b"\x00" * 24)
    r = run(b, ["analyze", wifi])
    check(r.returncode == 2 and b"unsupported link type" in r.stderr and b"IEEE802_11" in r.stderr,
          "an unsupported link type is refused with exit 2, naming the type")

    # Garbage TCP payload in a real capture: no crash, still a document.
    garbled = bytearray(raw)
    for i in range(200, len(garbled), 7):
        garbled[i] ^= 0x5A
    gpath = os.path.join(tmp, "garbled.pcap")
    open(gpath, "wb").write(bytes(garbled[:24]) + bytes(garbled[24:]))
    r = run(b, ["analyze", gpath, "--json"])
    check(r.returncode in (0, 2) and r.returncode >= 0, "garbled capture does not crash (exit %d)" % r.returncode)

    # A pcap stream on stdin: events come out while the pipe is still open.
    p = subprocess.Popen([b, "analyze", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Everything up to and including the GOAWAY packet, then wait with the pipe open.
        p.stdin.write(raw)
        p.stdin.flush()
        deadline = time.time() + 10
        seen = b""
        while time.time() < deadline and b"goaway" not in seen:
            ready, _, _ = select.select([p.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
        check(b"goaway" in seen and b"too_many_pings" in seen, "stdin stream prints events before the pipe closes")
    finally:
        p.stdin.close()
        out = p.stdout.read()
        p.wait(timeout=10)
    check(p.returncode == 0 and b"TCP connections" in seen + out, "stdin stream ends with the summary")

    r = run(b, ["analyze", "-"], stdin=b"")
    check(r.returncode == 2 and b"standard input" in r.stderr, "an empty stdin is refused with exit 2")

    r = run(b, ["analyze", good, "--json"])
    doc = json.loads(r.stdout)
    check(set(["source", "packets", "connections", "events", "findings"]) <= set(doc), "JSON has the DESIGN.md keys")
    c = doc["connections"][0]
    check(set(["id", "client", "server", "http2", "first", "last", "end", "longest_idle_s"]) <= set(c),
          "connection objects have the DESIGN.md fields")

    # TLS: --keylog decrypts; a missing key log is refused; bad lines warn with their number;
    # without keys a warning names the connection and PINGs are marked inferred.
    tls = os.path.join(a.data, "tls13_go_ping.pcap")
    keys = os.path.join(a.data, "tls13_go_ping.keys")
    r = run(b, ["analyze", tls, "--keylog", keys, "--json"])
    doc = json.loads(r.stdout)
    t = doc["connections"][0].get("tls", {})
    check(r.returncode == 0 and t.get("version") == "TLS 1.3" and t.get("alpn") == "h2"
          and t.get("decryption") == "decrypted", "--keylog: the connection's tls object says TLS 1.3, h2, decrypted")
    check(sum(e["type"] == "ping" for e in doc["events"]) >= 10 and not any(e.get("inferred") for e in doc["events"]),
          "--keylog: PINGs decoded, none inferred")
    r = run(b, ["analyze", tls, "--keylog", os.path.join(tmp, "missing.keys")])
    check(r.returncode == 2 and b"missing.keys" in r.stderr and b"cannot read the key log" in r.stderr,
          "a missing key log is refused with exit 2, naming it")
    bad = os.path.join(tmp, "bad.keys")
    open(bad, "w").write("# comment\nCLIENT_RANDOM zz 00\n" + open(keys).read())
    r = run(b, ["analyze", tls, "--keylog", bad, "--json"])
    doc = json.loads(r.stdout)
    check(r.returncode == 0 and b"bad.keys:2:" in r.stderr and any("bad.keys:2:" in w for w in doc["warnings"])
          and doc["connections"][0]["tls"]["decryption"] == "decrypted",
          "a malformed key log line is warned with its line number; the good lines still decrypt")
    r = run(b, ["analyze", tls, "--json"])
    doc = json.loads(r.stdout)
    check(any("connection 0 (" in w and "--keylog" in w for w in doc["warnings"]),
          "without keys a warning names the connection and how to decrypt")
    inferred = [e for e in doc["events"] if e["type"] in ("ping", "ping_ack")]
    check(inferred and all(e.get("inferred") is True and "opaque" not in e for e in inferred),
          "without keys PINGs are marked \"inferred\": true, with no opaque data made up")
    r = run(b, ["analyze", tls])
    check(b"inferred from TLS record sizes" in r.stdout, "the text view says the PINGs are inferred from TLS record sizes")

    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
