#!/usr/bin/python3
"""Captures joined or written out of time order by real tools (hunt D: D18, D19, D12), made here
from tests/data/tinyproxy_idle_close.pcap (a grpc-go client through tinyproxy to a grpc-go
server, both legs on lo; the proxy closes both after 2 s idle). An SRE captures each leg of a
proxy on its own interface or host; the legs are split here with tshark and put back together:

- `cat legA.pcapng legB.pcapng`: two sections (pcapng: a Section Header Block starts a new,
  independent section; `cat` is how the pcapng spec means files to be joined), the second
  beginning 9.7 s before the first ended;
- `mergecap -a -I none`: one section, two interfaces, every packet of the second written after
  every packet of the first -- an interface whose blocks come late, as extcap or per-pod tools
  append them;
- `cat legA.pcap legB.pcap` on a pipe: a second pcap file header at a record boundary;
- dumpcap's two-interface pcapng on a pipe that goes quiet: held events must come out.

Each packet keeps its own timestamp (tshark shows the same times as in the original): the
results must equal the original's (ends, proxy legs paired, first times), and no clock step may
be assumed. Before the fix both pcapng joins were taken for the capturing host's clock stepping
back: the second leg moved 9.7 s later, the legs unpaired, the server leg's end changed.

  joined_captures_test.py --binary build/release/app/keepalive-scope --data tests/data
"""
import argparse
import json
import re
import os
import shutil
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


def analyze(binary, path, stdin=None):
    args = [binary, "analyze", "-" if stdin is not None else path, "--json"]
    r = subprocess.run(args, input=stdin, capture_output=True, timeout=60)
    if r.returncode != 0:
        print(r.stderr.decode())
        return None
    return json.loads(r.stdout)


def absolute_first(doc):
    """Each connection's first packet as epoch seconds (from its first event's ts)."""
    first = {}
    for e in doc["events"]:
        first.setdefault(e["conn"], e["ts"])
    return {c["client"] + ">" + c["server"]: round(first[c["id"]], 4) for c in doc["connections"]}


def summary(doc):
    return sorted((c["client"], c["server"], c["end_cause"], c.get("other_leg") is not None, c["end"])
                  for c in doc["connections"])


def no_clock_step(doc):
    return not any("time runs backwards" in w or "clock being set back" in w for w in doc.get("warnings", []))


def test_quiet_pipe(binary, path):
    """D17: dumpcap's two-interface pcapng (tests/data/multi_iface.pcapng) on a pipe that then goes
    quiet, as `dumpcap -i eth0 -i lo -w - | keepalive-scope analyze -` does while a connection
    idles. The reorder window waits for late packets of the other interface; before the fix it
    released them only when newer packets came (here: at the end of input, 6 s later)."""
    with open(path, "rb") as f:
        data = f.read()
    p = subprocess.Popen([binary, "analyze", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    seen = []
    start = time.monotonic()

    def reader():
        for line in p.stdout:
            if re.match(rb"\s+\d+\.\d+\s+#\d+ ", line): # an event line
                seen.append(time.monotonic() - start)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    p.stdin.write(data)
    p.stdin.flush()
    time.sleep(6)
    shown = len(seen)
    last = seen[-1] if seen else None
    p.stdin.close()
    p.wait(timeout=30)
    t.join(timeout=5)
    check(shown > 0 and shown == len(seen),
          "quiet two-interface pipe: every event is shown while the pipe is open (%d of %d)" % (shown, len(seen)))
    check(last is not None and 1.5 < last < 4.5,
          "quiet two-interface pipe: the held events come after ~2 s of quiet, not at the end (last at %s s)"
          % (None if last is None else round(last, 2)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    for tool in ("tshark", "mergecap"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed (it splits and joins the captures)" % tool)
            return 77
    orig_path = os.path.join(a.data, "tinyproxy_idle_close.pcap")
    orig = analyze(a.binary, orig_path)
    check(orig is not None and len(orig["connections"]) == 4, "the original reads: 4 connections")
    check(sum(c.get("other_leg") is not None for c in orig["connections"]) == 4, "the original pairs every leg")
    with tempfile.TemporaryDirectory() as tmp:
        parts = {}
        for name, port in (("A", 47820), ("B", 47821)):
            for fmt in ("pcapng", "pcap"):
                out = os.path.join(tmp, "leg%s.%s" % (name, fmt))
                subprocess.run(["tshark", "-r", orig_path, "-Y", "tcp.port==%d" % port, "-F", fmt, "-w", out],
                               check=True, capture_output=True, timeout=60)
                parts[name, fmt] = out
        joined = os.path.join(tmp, "cat.pcapng")
        with open(joined, "wb") as f:
            for name in ("A", "B"):
                with open(parts[name, "pcapng"], "rb") as p:
                    f.write(p.read())
        late = os.path.join(tmp, "late.pcapng")
        subprocess.run(["mergecap", "-a", "-I", "none", "-w", late, parts["A", "pcapng"], parts["B", "pcapng"]],
                       check=True, capture_output=True, timeout=60)
        n_if = subprocess.run(["capinfos", "-M", late], capture_output=True).stdout.decode()
        print(n_if.splitlines()[-1] if n_if else "")
        for what, path in (("cat of two pcapng captures (two sections)", joined),
                           ("mergecap -a -I none (one interface written after the other)", late)):
            doc = analyze(a.binary, path)
            check(doc is not None, what + ": read")
            if doc is None:
                continue
            check(summary(doc) == summary(orig), what + ": ends and proxy legs as in the original: %s" % summary(doc))
            check(absolute_first(doc) == absolute_first(orig), what + ": every connection starts at its own time")
            check(no_clock_step(doc), what + ": no clock step assumed: %s" % doc.get("warnings"))
            check(any("merged by timestamp" in w for w in doc.get("warnings", [])),
                  what + ": a warning says the streams were merged by time")
        # D12: two pcap files joined with cat, read from a pipe: the second file header is named.
        with open(parts["A", "pcap"], "rb") as f1, open(parts["B", "pcap"], "rb") as f2:
            both = f1.read() + f2.read()
        r = subprocess.run([a.binary, "analyze", "-", "--json"], input=both, capture_output=True, timeout=60)
        check(r.returncode == 0, "cat of two pcap files on a pipe: read (rc %d)" % r.returncode)
        if r.returncode == 0:
            doc = json.loads(r.stdout)
            named = [w for w in doc.get("warnings", []) if "pcap file header" in w]
            check(len(named) == 1 and "before packet 42" in named[0] and "mergecap" in named[0],
                  "cat of two pcap files: the second file header is named, with mergecap as the fix: %s" % named)
            check(len(doc["connections"]) == 4, "cat of two pcap files: both files' connections are read")
            check(not any("inconsistent" in w for w in doc.get("warnings", [])),
                  "cat of two pcap files: the header is not read as a packet")
    test_quiet_pipe(a.binary, os.path.join(a.data, "multi_iface.pcapng"))
    print("%d failure(s)" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
