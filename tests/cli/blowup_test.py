#!/usr/bin/python3
"""keepalive-scope analyze on the blow-up inputs of issue 14, crafted here with
tests/data/gen/synth_pcap.py: an HPACK amplification (one-byte references to a 3.9 KB
grpc-message in the dynamic table) and many short connections. Both must stay linear in the
input, in CPU time and in memory."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


# Runs the binary in a child of a child, so its own rusage (CPU seconds, peak RSS in KiB) is read
# without the other runs' mixed in.
MEASURE = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    rc = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, u.ru_utime + u.ru_stime, u.ru_maxrss)
"""


def measure(binary, args, out):
    r = subprocess.run([sys.executable, "-c", MEASURE, out, binary] + args, capture_output=True, text=True,
                       timeout=300)
    rc, cpu, rss = r.stdout.split()
    return int(rc), float(cpu), int(rss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--sanitized", action="store_true", help="the binary is an ASan build: memory is not measured")
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.data, "gen"))
    import synth_pcap

    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "out.json")

    # HPACK amplification: 1 MiB and 4 MiB of one-byte references (one block each, in
    # CONTINUATION frames). Before the fix each reference decoded the 3.9 KB value again: 5-20 s
    # for the 1 MiB block on the reference machine.
    message = None
    for blocks in (1, 4):
        cap = os.path.join(tmp, f"bomb{blocks}.pcap")
        synth_pcap.hpack_bomb(cap, 1 << 20, 3900, blocks, 50552)
        rc, cpu, rss = measure(a.binary, ["analyze", cap, "--json"], out)
        doc = json.load(open(out))
        headers = [e for e in doc["events"] if e["type"] == "headers" and e["dir"] == "s2c"]
        check(rc == 0 and len(headers) == 1 + blocks,
              f"HPACK bomb x{blocks}: every header block is reported ({len(headers)} s2c HEADERS)")
        unit = "deadline exceeded %E2%9C%93 while waiting; "
        want = urllib.parse.unquote((unit * 100)[:3900])
        check(all(h.get("grpc_message") == want and h.get("grpc_status") == 4 for h in headers),
              f"HPACK bomb x{blocks}: each block's grpc-message is the 3.9 KB table entry, decoded once")
        check(cpu < 1.0 * blocks, f"HPACK bomb x{blocks} ({os.path.getsize(cap) >> 20} MiB) takes {cpu:.2f} s of CPU "
                                  f"(< {1.0 * blocks:.0f} s; one decode per reference took 5-20 s per MiB)")

    # Many short connections: memory a few hundred bytes per closed connection, time linear.
    runs = {}
    for count in (20_000, 80_000):
        cap = os.path.join(tmp, f"conns{count}.pcap")
        synth_pcap.short_connections(cap, count, 10, 50551)
        # The least CPU time of three runs: ctest runs two tests at a time, and the other one's load
        # (cache, memory bandwidth) inflates a single run's CPU time by up to 1.5x.
        results = [measure(a.binary, ["analyze", cap, "--json"], out) for _ in range(3)]
        rc = max(r[0] for r in results)
        cpu = min(r[1] for r in results)
        rss = max(r[2] for r in results)
        doc = json.load(open(out))
        conns = doc["connections"]
        check(rc == 0 and len(conns) == count, f"{count} connections: all reported ({len(conns)})")
        check(sum(1 for c in conns if c["http2"]) == count // 10 and all(c["end"] == "fin_s2c" for c in conns),
              f"{count} connections: every 10th is HTTP/2, every one closed by the server's FIN")
        pings = sum(1 for e in doc["events"] if e["type"] == "ping_ack" and "rtt_ms" in e)
        check(pings == count // 10, f"{count} connections: {pings} PING ACKs paired with their PING")
        runs[count] = (cpu, rss)
        print(f"     {count} connections: {cpu:.2f} s CPU, peak RSS {rss / 1024:.1f} MiB")
    (cpu1, rss1), (cpu4, rss4) = runs[20_000], runs[80_000]
    per_conn = (rss4 - rss1) * 1024 / 60_000
    # 522-531 bytes measured here (1 in 10 HTTP/2 with a PING) once the findings' ends grew as the
    # full states were freed and the per-connection basics and summaries shrank; 556 with the build
    # before (measured the same day; this comment had said 516), 725 before the engine built the
    # summaries at the end, 892 before the summaries shrank, about 8 KB before the perf work. The
    # bound catches a regression of 75 bytes.
    if a.sanitized:  # the Release run checks it
        print(f"skip memory per connection ({per_conn:.0f} bytes): AddressSanitizer's redzones and quarantine inflate it")
    else:
        check(per_conn < 600, f"memory per connection {per_conn:.0f} bytes (< 600; about 8 KB before)")
    # Linear is 4x (plus fixed costs, which only lower the ratio); the quadratic findings took 6.5x.
    # Release measured 3.4-3.6x. Under ASan the ratio is not the code's: its allocator's cost grows
    # with the heap (483 MiB at 80000), and a CI run measured 5.7x with the other test's load; the
    # Release run checks it.
    ratio = cpu4 / max(cpu1, 0.05)
    if a.sanitized:
        print(f"skip 4x the connections takes {ratio:.1f}x the CPU time: under AddressSanitizer the allocator's "
              "cost grows with the heap; the Release run checks linearity")
    else:
        check(ratio < 5.5, f"4x the connections takes {ratio:.1f}x the CPU time (< 5.5x: linear, not quadratic)")

    print(f"\n{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
