#!/usr/bin/python3
"""Hostile and odd input (issue 14): captures crafted here byte by byte (pcap_craft.py), hostile
settings and profile files, and odd command lines. Where tshark is the oracle for a wire fact
(malformed frames, zero-window probes, VLAN stacks, IPv4 fragments, snaplen, interfaces) the test
runs tshark on the same file and compares. Exit 0 pass, 1 failure.

  hostile_input_test.py --binary build/release/app/keepalive-scope
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_craft import (PREFACE, Conversation, ether, h2frame, h2goaway, h2ping, h2settings, ipv4,  # noqa: E402
                        ipv4_fragments, pcap, pcapng, tcp)

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(binary, *args, stdin=None, stdout=subprocess.PIPE, timeout=60):
    return subprocess.run([binary, *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)


def analyze(binary, path):
    r = run(binary, "analyze", path, "--json")
    doc = json.loads(r.stdout) if r.returncode == 0 else None
    return r, doc


def count(doc, etype):
    return sum(1 for e in doc["events"] if e["type"] == etype)


def tshark_fields(path, fields, extra=()):
    tshark = shutil.which("tshark")
    cmd = [tshark, "-r", path, "-n", "-o", "tcp.analyze_sequence_numbers:TRUE", "-d", "tcp.port==50051,http2",
           "-T", "fields", *extra]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    return [line.split("\t") for line in r.stdout.decode().splitlines()]


def tshark_count(path, field, value=None):
    n = 0
    for row in tshark_fields(path, [field]):
        for v in row[0].split(","):
            if v and (value is None or v == value):
                n += 1
    return n


def records(packets, start=1000):
    return [(start + i, 0, ether(p)) for i, p in enumerate(packets)]


def h2_connection(payload_frames, vlans=()):
    """A whole connection: handshake, client preface + SETTINGS, then the given frames."""
    c = Conversation()
    pk = c.handshake()
    pk.append(c.segment(True, "PA", PREFACE + h2settings()))
    pk.append(c.segment(False, "PA", h2settings()))
    pk.append(c.segment(True, "PA", b"".join(payload_frames)))
    return [(1000 + i, 0, ether(p, vlans=vlans)) for i, p in enumerate(pk)]


def test_framer_resync(binary, tmp, have_tshark):
    # A PING on stream 1 (malformed) and 100 valid PINGs: tshark shows 101 PING frames.
    path = os.path.join(tmp, "ping_stream1.pcap")
    frames = [h2ping(0xbad, stream=1)] + [h2ping(i) for i in range(100)]
    open(path, "wb").write(pcap(h2_connection(frames)))
    r, doc = analyze(binary, path)
    ours = count(doc, "ping") if doc else -1
    check(ours == 101, "a malformed PING does not hide the 100 after it (ours %d)" % ours)
    if have_tshark:
        theirs = tshark_count(path, "http2.type", "6")
        check(ours == theirs, "PING frames agree with tshark (%d vs %d)" % (ours, theirs))
    # GOAWAYs shorter than 8 bytes, then a valid one.
    path = os.path.join(tmp, "short_goaways.pcap")
    frames = [h2frame(7, 0, 0, b"\0" * n) for n in (0, 1, 4, 7)] + [h2goaway(1, 11, b"too_many_pings")]
    open(path, "wb").write(pcap(h2_connection(frames)))
    r, doc = analyze(binary, path)
    goaways = [e for e in doc["events"] if e["type"] == "goaway"] if doc else []
    check(len(goaways) == 1 and goaways[0].get("debug") == "too_many_pings",
          "short GOAWAYs do not hide the valid GOAWAY after them (%d)" % len(goaways))


def test_zero_window_probes(binary, tmp, have_tshark):
    c = Conversation()
    pk = c.handshake()
    pk.append(c.segment(True, "PA", PREFACE + h2settings()))
    pk.append(c.segment(False, "A", window=0))
    probe = c.seq[True]
    for _ in range(3):  # the probe and two re-sends, each answered with a zero window
        pk.append(c.segment(True, "A", b"x", seq=probe, advance=False))
        pk.append(c.segment(False, "A", window=0))
    pk.append(c.segment(False, "A"))  # the window opens
    path = os.path.join(tmp, "zero_window.pcap")
    open(path, "wb").write(pcap(records(pk)))
    r, doc = analyze(binary, path)
    zwp, ka = count(doc, "zero_window_probe"), count(doc, "tcp_keepalive")
    check(zwp == 3 and ka == 0, "zero-window probes are their own events, not keep-alives (%d probes, %d ka)" % (zwp, ka))
    check(not any(f["id"].startswith("tcp-keepalive") for f in doc["findings"]),
          "no TCP keep-alive finding from zero-window probes")
    if have_tshark:
        theirs = tshark_count(path, "tcp.analysis.zero_window_probe")
        theirs_ka = tshark_count(path, "tcp.analysis.keep_alive")
        check((zwp, ka) == (theirs, theirs_ka), "probes and keep-alives agree with tshark (%d/%d vs %d/%d)"
              % (zwp, ka, theirs, theirs_ka))
    r = run(binary, "analyze", path)
    check(b"zero-window probes 3" in r.stdout, "the text summary counts zero-window probes")


def test_vlan_stack(binary, tmp, have_tshark):
    path = os.path.join(tmp, "vlan6.pcap")
    open(path, "wb").write(pcap(h2_connection([h2ping(7)], vlans=(10, 20, 30, 40, 50, 60))))
    r, doc = analyze(binary, path)
    conns = len(doc["connections"]) if doc else 0
    check(conns == 1 and count(doc, "ping") == 1, "six stacked VLAN tags still decode (%d connections)" % conns)
    if have_tshark:
        check(tshark_count(path, "http2.type", "6") == count(doc, "ping"), "VLAN PINGs agree with tshark")


def test_ipv4_fragments(binary, tmp, have_tshark):
    c = Conversation()
    pk = [ether(p) for p in c.handshake()]
    pk.append(ether(c.segment(True, "PA", PREFACE + h2settings())))
    seg = tcp(c.client, c.server, c.cport, c.port, c.seq[True], c.seq[False], "PA", h2ping(0x1234) + h2ping(0x5678))
    c.seq[True] += len(seg) - 20
    frags = ipv4_fragments(c.client, c.server, seg, ident=77, size=16)
    pk += [ether(f) for f in reversed(frags)]  # out of order, as reassembly must allow
    # A datagram missing a fragment: counted, never decoded.
    lost = ipv4_fragments(c.client, c.server, seg, ident=78, size=16)[1:]
    pk += [ether(f) for f in lost]
    path = os.path.join(tmp, "fragments.pcap")
    open(path, "wb").write(pcap([(1000 + i, 0, p) for i, p in enumerate(pk)]))
    r, doc = analyze(binary, path)
    check(count(doc, "ping") == 2, "PINGs inside a fragmented IPv4 packet are found (%d)" % count(doc, "ping"))
    check(any("fragments" in w for w in doc["warnings"]), "an incomplete datagram is named in the warnings")
    if have_tshark:
        theirs = tshark_count(path, "http2.type", "6")
        check(theirs == count(doc, "ping"), "fragment PINGs agree with tshark (%d vs %d)" % (count(doc, "ping"), theirs))


def snaplen_capture(tmp):
    """Five PINGs in records longer than the header's snaplen (64); the other tests' input too."""
    path = os.path.join(tmp, "snaplen.pcap")
    if not os.path.exists(path):
        open(path, "wb").write(pcap(h2_connection([h2ping(i) for i in range(5)]), snaplen=64))
    return path


def test_snaplen_and_interfaces(binary, tmp, have_tshark):
    # Records longer than the header's snaplen (64) are read as stored.
    path = snaplen_capture(tmp)
    r, doc = analyze(binary, path)
    check(doc is not None and count(doc, "ping") == 5, "records longer than the snaplen are read whole")
    if have_tshark and doc:
        check(tshark_count(path, "http2.type", "6") == count(doc, "ping"), "snaplen PINGs agree with tshark")
    # pcapng: interface 0 Ethernet, interface 1 raw IPv4; packets of one connection on both.
    c = Conversation()
    pk = c.handshake() + [c.segment(True, "PA", PREFACE + h2settings() + h2ping(1)), c.segment(False, "PA", h2settings())]
    packets = [(i % 2, (1000 + i) * 1000000, ether(p) if i % 2 == 0 else p) for i, p in enumerate(pk)]
    packets.append((5, 1006 * 1000000, b"\0" * 40))  # an interface never described
    path = os.path.join(tmp, "mixed.pcapng")
    open(path, "wb").write(pcapng([(1, None), (101, None)], packets))
    r, doc = analyze(binary, path)
    check(r.returncode == 0 and doc and len(doc["connections"]) == 1 and count(doc, "ping") == 1,
          "pcapng interfaces of different link types are each read with their own type")
    check(doc and any("never describes" in w and "packet 6" in w for w in doc["warnings"]),
          "a packet on an undescribed interface is counted in the warnings")
    if have_tshark and doc:
        check(tshark_count(path, "http2.type", "6") == count(doc, "ping"), "mixed-interface PINGs agree with tshark")


def test_timestamps(binary, tmp):
    frames = h2_connection([h2ping(1)])
    # pcap seconds at or above 2^31 are unsigned (2038..2106), not negative.
    path = os.path.join(tmp, "y2040.pcap")
    open(path, "wb").write(pcap([(2**31 + 10 + i, 0, d) for i, (_, _, d) in enumerate(frames)]))
    r, doc = analyze(binary, path)
    check(doc and doc["events"][0]["ts"] > 2**31, "pcap seconds >= 2^31 read as unsigned")
    # Time running backwards: warned with the packet number, no negative gap or duration.
    recs = [(1000 + i * 100, 0, d) for i, (_, _, d) in enumerate(frames)]
    recs[3] = (10, 0, recs[3][2])
    path = os.path.join(tmp, "backwards.pcap")
    open(path, "wb").write(pcap(recs))
    r, doc = analyze(binary, path)
    text = json.dumps(doc)
    check(doc and any("backwards at packet 4" in w for w in doc["warnings"]), "time running backwards is warned")
    check(doc and all(c["longest_idle_s"] >= 0 for c in doc["connections"]) and all(e["t"] >= 0 for e in doc["events"]),
          "no negative gap or time after time ran backwards")
    check(": -" not in text.replace('"t": -', ""), "no negative figure in the document")
    # The capturing host's clock set back 5 s between two PINGs of a 1 s cadence: the packets
    # after the step keep their spacing (a cadence of 42 ms was reported when they were all held
    # at the latest time).
    c = Conversation()
    pk = [(1000, 0, p) for p in c.handshake()]
    pk += [(1000, 100, c.segment(True, "PA", PREFACE + h2settings())), (1000, 200, c.segment(False, "PA", h2settings()))]
    for i in range(1, 11):
        back = 5 if i > 5 else 0
        pk.append((1000 + i - back, 0, c.segment(True, "PA", h2ping(i))))
        pk.append((1000 + i - back, 500, c.segment(False, "PA", h2ping(i, ack=True))))
    path = os.path.join(tmp, "clock_step.pcap")
    open(path, "wb").write(pcap([(sec, frac, ether(p)) for sec, frac, p in pk]))
    r, doc = analyze(binary, path)
    warnings = " ".join(doc["warnings"]) if doc else ""
    check("clock being set back" in warnings, "a clock set back 5 s is named in the warnings (%s)" % warnings)
    cadence = [f for f in (doc or {}).get("findings", []) if f["id"] == "ping-cadence"]
    check(cadence and abs(cadence[0]["figure_s"] - 1.0) < 0.01,
          "the PING cadence across a clock step stays 1 s (%s)" % [f["title"] for f in cadence])
    check(all(e["t"] >= 0 for e in doc["events"]) and doc["events"][-1]["t"] < 11,
          "times after the step are moved forward by it, not beyond")
    # A SYN retransmitted and never answered (a listener that never accepts): no FIN, no RST, so
    # the connection is open, not "closed" (its retransmissions once made it a drop, told as closed).
    c = Conversation()
    syn = c.handshake()[0]
    path = os.path.join(tmp, "syn_unanswered.pcap")
    open(path, "wb").write(pcap([(1000 + 2 ** i, 0, ether(syn)) for i in range(4)]))
    r, doc = analyze(binary, path)
    conn = doc["connections"][0] if doc and doc["connections"] else {}
    check(conn.get("end") == "open" and conn.get("end_cause") == "open",
          "an unanswered SYN is open, not closed (%s / %s)" % (conn.get("end"), conn.get("end_cause")))
    # A fraction of a second >= 1e9 ns: warned with the packet number.
    path = os.path.join(tmp, "nanos.pcap")
    recs = [(1000 + i, 5, d) for i, (_, _, d) in enumerate(frames)]
    recs[2] = (1002, 1500000000, recs[2][2])
    open(path, "wb").write(pcap(recs, nano=True))
    r, doc = analyze(binary, path)
    check(doc and any("packet 3" in w and "one second or more" in w for w in doc["warnings"]),
          "a nanosecond field >= 1e9 is warned naming the packet")
    # pcapng after 2262: no overflow, the packet is named.
    c = Conversation()
    pk = c.handshake()
    packets = [(0, (1000 + i) * 1000000, ether(p)) for i, p in enumerate(pk)]
    packets[1] = (0, 2**64 - 1, packets[1][2])
    path = os.path.join(tmp, "y3000.pcapng")
    open(path, "wb").write(pcapng([(1, None)], packets))
    r, doc = analyze(binary, path)
    check(r.returncode == 0 and any("packet 2" in w and "2262" in w for w in doc["warnings"]),
          "a pcapng timestamp past 2262 is named, not overflowed")


def test_hostile_settings(binary, tmp):
    base = {"format": "keepalive-scope-experiment", "version": 1}

    def write(name, text):
        p = os.path.join(tmp, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    cap = snaplen_capture(tmp)
    overflow = write("overflow.json", '{"format": "keepalive-scope-experiment", "version": 1, '
                                      '"simulator": {"idle_timeout_s": 1e400}}')
    for args in (["lint", overflow], ["analyze", cap, "--settings", overflow]):
        r = run(binary, *args)
        check(r.returncode == 2 and b"simulator.idle_timeout_s" in r.stderr and b"out of range" in r.stderr,
              "%s: 1e400 gives exit 2 naming the field" % args[0])
    for dev in ("/dev/zero", tmp):
        r = run(binary, "lint", dev, timeout=20)
        check(r.returncode == 2 and (b"device" in r.stderr or b"directory" in r.stderr),
              "lint %s is refused with a clear message" % dev)
        r = run(binary, "analyze", cap, "--lb-file", dev, timeout=20)
        check(r.returncode == 2 and (b"device" in r.stderr or b"directory" in r.stderr),
              "--lb-file %s is refused with a clear message" % dev)
    fifo = os.path.join(tmp, "fifo.json")
    os.mkfifo(fifo)
    r = run(binary, "lint", fifo, timeout=20)
    check(r.returncode == 2 and b"FIFO" in r.stderr, "a FIFO as settings file is refused, not waited on")
    big = write("big.json", " " * (5 * 1024 * 1024) + "{}")
    r = run(binary, "lint", big)
    check(r.returncode == 2 and b"too large" in r.stderr, "an oversized settings file is refused")
    v = write("version.json", json.dumps(dict(base, version=18446744073709551615)))
    r = run(binary, "lint", v)
    check(b"18446744073709551615 is not supported" in r.stderr and b"-1" not in r.stderr,
          "version 18446744073709551615 is reported as itself")
    esc = write("escape.json", json.dumps(dict(base, rpc={"pattern": "\x1b[31mred\x07"})))
    r = run(binary, "lint", esc)
    check(r.returncode == 2 and b"\x1b" not in r.stderr and b"\x07" not in r.stderr and b"\\u001b" in r.stderr,
          "control characters from the file are escaped in messages")
    for value in (1e300, 1e-300):
        prof = write("prof.json", json.dumps([{"name": "x", "idle_timeout_s": value, "on_expiry": "rst"}]))
        r = run(binary, "analyze", cap, "--lb-file", prof, "--lb", "x")
        check(r.returncode == 2 and b"idle_timeout_s" in r.stderr, "profile idle_timeout_s %g is refused" % value)
    prof = write("prof_esc.json", json.dumps([{"name": "x", "idle_timeout_s": 10, "on_expiry": "rst",
                                               "notes": "\x1b]0;title\x07"}]))
    r = run(binary, "lb-profiles", "--lb-file", prof)
    check(r.returncode == 2 and b"\x1b" not in r.stderr + r.stdout, "profile text with escapes is refused, escaped")


def test_lab_arguments(binary, tmp):
    cfg = os.path.join(tmp, "ok.json")
    with open(cfg, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1,
                   "simulator": {"idle_timeout_s": 10}}, f)
    for d in ("nan", "inf", "1e30s", "-1s"):
        r = run(binary, "lab", "--config", cfg, "--duration", d, timeout=20)
        check(r.returncode == 2 and b"--duration" in r.stderr, "lab --duration %s is refused" % d)
    for fault in ("latency=2147483648@0.5s", "latency=100@nan", "bandwidth=99999999999999999@1s"):
        r = run(binary, "lab", "--config", cfg, "--fault", fault, timeout=20)
        check(r.returncode == 2 and b"--fault" in r.stderr, "lab --fault %s is refused" % fault)


def test_lab_target_not_http2(binary, tmp):
    """A target that accepts TCP and never speaks: the lab must say so, not blame a black hole."""
    import socket
    import threading
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))  # a free port: another run on this host may hold any fixed one
    port = srv.getsockname()[1]
    srv.listen(8)
    srv.settimeout(1)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)  # read nothing, write nothing
            except OSError:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    cfg = os.path.join(tmp, "silent_target.json")
    with open(cfg, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1,
                   "client": {"keepalive_time_ms": 1000, "keepalive_timeout_ms": 1000,
                              "keepalive_permit_without_calls": True},
                   "target": {"embedded": False, "address": "127.0.0.1:%d" % port}}, f)
    try:
        r = run(binary, "lab", "--config", cfg, "--duration", "8s", timeout=60)
    finally:
        stop.set()
        t.join(5)
        for c in held:
            c.close()
        srv.close()
    out = r.stdout + r.stderr
    check(b"never answered as an HTTP/2 server" in out and b"black-holed" not in out,
          "a lab target that never speaks HTTP/2 is named as such (exit %d)" % r.returncode)


def test_output_failures(binary, tmp):
    cap = snaplen_capture(tmp)
    with open("/dev/full", "wb") as full:
        for args in (["analyze", cap], ["analyze", cap, "--json"], ["lb-profiles"], ["lint", "--help"]):
            r = run(binary, *args, stdout=full)
            check(r.returncode != 0 and b"standard output" in r.stderr, "%s > /dev/full fails with a message" % " ".join(args))
    # A closed pipe with SIGPIPE ignored (as many supervisors run us): EPIPE must not exit 0.
    p = subprocess.Popen(["/bin/sh", "-c", "trap '' PIPE; exec \"$0\" analyze \"$1\" --json", binary, cap],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read()
    check(p.wait(timeout=30) != 0 and b"standard output" in err, "a closed pipe is an error, not exit 0")


def test_export(binary, tmp):
    cap = snaplen_capture(tmp)
    r = run(binary, "export", cap, "--png", os.path.join(tmp, "big.png"), "--width", "20000", "--height", "20000")
    check(r.returncode == 2 and b"million pixels" in r.stderr, "a 20000x20000 export is refused with a clear message")
    r = run(binary, "export", cap, "--png", os.path.join(tmp, "no-such-dir", "t.png"))
    check(r.returncode != 0 and b"cannot write" in r.stderr and b"no-such-dir" in r.stderr,
          "export names why a file cannot be written")
    env = dict(os.environ)
    env.pop("XDG_RUNTIME_DIR", None)
    r = subprocess.run([binary, "export", cap, "--png", os.path.join(tmp, "t.png")], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    check(r.returncode == 0 and b"XDG_RUNTIME_DIR" not in r.stderr, "export keeps Qt's XDG_RUNTIME_DIR noise off stderr")


def test_capture_cut_by_snaplen(binary, have_tshark):
    # A real capture (tests/data/make_captures.sh snaplen_cut): grpc-go pinging every second,
    # taken with tcpdump -s 68. No HTTP/2 frame survives; the tool must say why, not call the
    # connection "not HTTP/2", and must still count the SYNs whose TCP options were cut.
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "snaplen_cut.pcap")
    r, doc = analyze(binary, path)
    check(doc is not None and len(doc["connections"]) == 1, "a capture cut by its snaplen is read")
    if not doc:
        return
    conn = doc["connections"][0]
    check(conn["handshake_seen"] and count(doc, "syn") == 2, "SYNs whose TCP options were cut still count")
    cut = [w for w in doc["warnings"] if "snapshot length" in w]
    check(len(cut) == 1 and "tcpdump -s 0" in cut[0], "the warning names the snapshot length and the fix")
    check(conn.get("payload_cut_bytes", 0) > 0 and "snapshot length" in conn["end_detail"],
          "the connection says its payload is cut, and judges no gRPC end")
    check(not any(f["id"].startswith("end-") for f in doc["findings"]), "no end-* finding on unreadable frames")
    text = run(binary, "analyze", path).stdout.decode()
    check("payload cut by the snapshot length" in text and "not HTTP/2 (or encrypted)" not in text,
          "the text view does not call the connection not HTTP/2")
    if have_tshark:
        rows = tshark_fields(path, ["frame.cap_len", "frame.len", "tcp.len"])
        wire_cut = sum(1 for c, l, t in rows if int(c) < int(l) and int(t or 0) > 0)
        check(cut and cut[0].startswith("%d TCP segments" % wire_cut),
              "cut segments counted as tshark sees them (%d)" % wire_cut)


def test_lab_config_overflow(binary, tmp):
    path = os.path.join(tmp, "overflow.json")
    with open(path, "w") as f:
        f.write('{"format": "keepalive-scope-experiment", "version": 1, "simulator": {"idle_timeout_s": 1e400}}')
    r = run(binary, "lab", "--config", path, "--duration", "1s")
    check(r.returncode == 2 and b"simulator.idle_timeout_s" in r.stderr, "lab --config: 1e400 gives exit 2 naming the field")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    # engine: what reads untrusted input in keepalive-scope itself (run under ASan too); gui: the
    # lab and export, which start keepalive-scope-gui (Qt, grpc++). Each is its own ctest entry.
    ap.add_argument("--part", choices=("engine", "gui", "all"), default="all")
    args = ap.parse_args()
    engine, gui = args.part in ("engine", "all"), args.part in ("gui", "all")
    have_tshark = shutil.which("tshark") is not None
    if not have_tshark:
        print("note: tshark missing, wire facts are checked without the oracle")
    with tempfile.TemporaryDirectory() as tmp:
        if engine:
            test_framer_resync(args.binary, tmp, have_tshark)
            test_zero_window_probes(args.binary, tmp, have_tshark)
            test_vlan_stack(args.binary, tmp, have_tshark)
            test_ipv4_fragments(args.binary, tmp, have_tshark)
            test_snaplen_and_interfaces(args.binary, tmp, have_tshark)
            test_capture_cut_by_snaplen(args.binary, have_tshark)
            test_timestamps(args.binary, tmp)
            test_hostile_settings(args.binary, tmp)
            test_output_failures(args.binary, tmp)
        if gui:
            test_lab_config_overflow(args.binary, tmp)
            test_lab_arguments(args.binary, tmp)
            test_lab_target_not_http2(args.binary, tmp)
            test_export(args.binary, tmp)
    if FAILURES:
        print("%d failures" % len(FAILURES))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
