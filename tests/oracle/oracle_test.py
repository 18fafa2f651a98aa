#!/usr/bin/python3
"""tshark oracle for keepalive-scope.

For every capture listed in DATA/captures.json this test
  1. dissects the capture with tshark (PDML, `-d tcp.port==P,http2` for each listed port) and
     counts HTTP/2 PING / PING ACK / GOAWAY frames (frames, not packets), TCP keep-alives and
     their ACKs, RST packets and FINs (first FIN per direction per TCP connection);
  2. checks that the capture still shows what the manifest says it shows ("expect"), so a
     regenerated capture that lost its point fails;
  3. runs `BINARY analyze FILE --json` and counts the events by "type", and checks the
     manifest's "verdict" (each connection's end_cause, findings required and forbidden);
  4. prints a per-file table tshark vs ours and exits 1 on any mismatch.

  /usr/bin/python3 oracle_test.py --binary build/.../keepalive-scope --data tests/data
  /usr/bin/python3 oracle_test.py --data tests/data            # tshark half only
  ... --only goaway_max_age.pcap  ... -v                      # one file, show the event lists

Exit codes: 0 pass, 1 mismatch or error, 77 tshark missing (ctest SKIP_RETURN_CODE).
Standard library only.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
# RFC 9113 section 7 error code names, used to cross-check our "error" field.
H2_ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
             "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
             "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
             "HTTP_1_1_REQUIRED"]
# Counted columns, in table order. "ping.c2s" etc. split pings by direction (the server is the
# side whose port is listed in the manifest).
KEYS = ["packets", "ping", "ping_ack", "ping.c2s", "ping.s2c", "ping_ack.c2s", "ping_ack.s2c",
        "goaway", "tcp_keepalive", "tcp_keepalive_ack", "zero_window_probe", "rst", "fin", "retransmission"]
# Shown and used by "expect", but a difference is only reported, not a failure (HPACK-level
# detail such as HEADERS on a capture that starts mid-connection is not what this oracle checks).
INFO_KEYS = ["headers", "goaway_cut"]


def int0(s):
    try:
        return int(s, 0)
    except (TypeError, ValueError):
        return 0


def hex_to_text(h):
    h = (h or "").replace(":", "")
    try:
        return bytes.fromhex(h).decode("utf-8", errors="replace")
    except ValueError:
        return ""


def capture_format(path):
    with open(path, "rb") as f:
        m = f.read(4)
    return {b"\xd4\xc3\xb2\xa1": "pcap", b"\xa1\xb2\xc3\xd4": "pcap",
            b"\x4d\x3c\xb2\xa1": "pcap-ns", b"\xa1\xb2\x3c\x4d": "pcap-ns",
            b"\x0a\x0d\x0d\x0a": "pcapng"}.get(m, "unknown")


def without_duplicates(path, ignore_bytes, tmpdir):
    """A capture that records each packet twice (tcpdump -i any on a bridge: the manifest's
    "duplicates") is compared the way Wireshark's users remove the copies: editcap -D, ignoring
    the link header's first bytes (SLL2 names the interface, which differs between the copies).
    tshark counts both copies of a PING; keepalive-scope skips the copy (and warns)."""
    editcap = shutil.which("editcap")
    if not editcap:
        raise RuntimeError("editcap not found (package wireshark-common): needed to compare a capture with duplicates")
    out = os.path.join(tmpdir, "dedup-" + os.path.basename(path))
    res = subprocess.run([editcap, "-D", "8", "-I", str(ignore_bytes), path, out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if res.returncode != 0:
        raise RuntimeError("editcap -D failed on %s: %s" % (path, res.stderr.decode(errors="replace")))
    seen = [l for l in res.stderr.decode(errors="replace").splitlines() + res.stdout.decode(errors="replace").splitlines()
            if "packets seen" in l]
    if not seen:
        raise RuntimeError("editcap -D on %s did not say how many packets it saw" % path)
    return out, int(seen[0].split()[0])  # the packets the file holds, copies included


def tshark_counts(tshark, path, ports, decode_as=None, keylog=None):
    """Dissect with tshark -T pdml and count what the wire shows. decode_as: the manifest's
    "decode_as" ("tcp.port==P,tls" for TLS, ",http" for an upgrade or a CONNECT proxy) instead of
    HTTP/2 on every port; keylog: the TLS key log tshark decrypts with (-o tls.keylog_file)."""
    cmd = [tshark, "-r", path, "-n", "-T", "pdml",
           "-o", "tcp.analyze_sequence_numbers:TRUE", "-o", "tcp.desegment_tcp_streams:TRUE"]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    for d in decode_as or ["tcp.port==%d,http2" % p for p in ports]:
        cmd += ["-d", d]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if res.returncode != 0:
        err = [l for l in res.stderr.decode(errors="replace").splitlines() if "dangerous" not in l]
        raise RuntimeError("tshark failed on %s: %s" % (path, " / ".join(err)))
    root = ET.fromstring(res.stdout)
    c = collections.Counter({k: 0 for k in KEYS + INFO_KEYS})
    goaways, fins, encaps, syns, ipv6 = [], set(), set(), 0, False
    segments = set()  # (tcp.stream, source, seq, len) seen: what a repeated segment repeats
    windows = {}    # (tcp.stream, source) -> the last window it advertised
    portset = set(ports)
    for pkt in root.iter("packet"):
        c["packets"] += 1
        f = {}          # first occurrence of each field name in the packet
        for fld in pkt.iter("field"):
            f.setdefault(fld.get("name"), fld)
        g = lambda n: f[n].get("show") if n in f else None
        encaps.add(g("frame.encap_type"))
        ipv6 |= "ipv6.src" in f
        if "tcp" not in {p.get("name") for p in pkt.iter("proto")}:
            continue
        sport = int0(g("tcp.srcport"))
        src = (g("ip.src") or g("ipv6.src"), sport)
        direction = "s2c" if sport in portset else "c2s"
        retrans = "tcp.analysis.retransmission" in f
        # tshark calls a segment "out-of-order" rather than a retransmission when it comes within
        # its out-of-order threshold (3 ms) of the previous one, even when it repeats a segment
        # already sent (a quick retransmission under loss): bytes sent again are a retransmission.
        seg = (g("tcp.stream"), src, g("tcp.seq"), int0(g("tcp.len")))
        if not retrans and "tcp.analysis.out_of_order" in f and seg[3] and seg in segments:
            retrans = True
        segments.add(seg)
        c["retransmission"] += 1 if retrans else 0
        if int0(g("tcp.flags.syn")) and not int0(g("tcp.flags.ack")):
            syns += 1
        if int0(g("tcp.flags.reset")):
            c["rst"] += 1
        if int0(g("tcp.flags.fin")) and not retrans:
            key = (g("tcp.stream"), src)
            if key not in fins:
                fins.add(key)
                c["fin"] += 1
        # Where we disagree with tshark: Linux probes a zero window in the keep-alive's shape
        # (tcp_write_wakeup -> tcp_xmit_probe_skb: no data at snd_una - 1, backing off from the RTO)
        # and tshark calls those keep-alives. Against a zero window it is the persist timer's probe
        # (zero_window_stall.pcap: the server's probes back off 0.25, 0.69, 1.56, 3.26 s while the
        # client's window stays 0), so it is counted as a zero-window probe here, as we do.
        other = windows.get((g("tcp.stream"), (g("ip.dst") or g("ipv6.dst"), int0(g("tcp.dstport")))))
        windows[(g("tcp.stream"), src)] = int0(g("tcp.window_size_value"))
        if "tcp.analysis.zero_window_probe" in f or ("tcp.analysis.keep_alive" in f and other == 0):
            c["zero_window_probe"] += 1
        elif "tcp.analysis.keep_alive" in f:
            c["tcp_keepalive"] += 1
        if "tcp.analysis.keep_alive_ack" in f:
            c["tcp_keepalive_ack"] += 1
        # HTTP/2: one <field name="http2.stream"> per frame (several per packet are common).
        for proto in pkt.iter("proto"):
            if proto.get("name") != "http2":
                continue
            for fr in proto.iter("field"):
                if fr.get("name") != "http2.stream":
                    continue
                sub = {}
                for x in fr.iter("field"):
                    sub.setdefault(x.get("name"), x)
                ftype = int0(sub["http2.type"].get("show")) if "http2.type" in sub else -1
                flags = int(sub["http2.flags"].get("value") or "0", 16) if "http2.flags" in sub else 0
                if ftype == 1:
                    c["headers"] += 1
                elif ftype == 6:
                    k = "ping_ack" if flags & 1 else "ping"
                    c[k] += 1
                    c["%s.%s" % (k, direction)] += 1
                elif ftype == 7 and "http2.goaway.error" not in sub:
                    # A GOAWAY whose packet the snapshot length cut after the frame header: tshark
                    # shows "[Packet size limited]" and no error code; its code and debug data are
                    # not in the capture, so we report no GOAWAY event (the end's detail says frames
                    # were cut instead).
                    c["goaway_cut"] += 1
                elif ftype == 7:
                    code = int0(sub["http2.goaway.error"].get("show")) if "http2.goaway.error" in sub else -1
                    dbg = hex_to_text(sub["http2.goaway.addata"].get("value")) if "http2.goaway.addata" in sub else ""
                    goaways.append((code, dbg))
                    c["goaway"] += 1
    info = {"encaps": encaps, "syns": syns, "ipv6": ipv6, "format": capture_format(path)}
    return c, sorted(goaways), info


def our_counts(binary, path, ports, keylog=None):
    res = subprocess.run([binary, "analyze", path, "--json"] + (["--keylog", keylog] if keylog else []),
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=120)
    if res.returncode != 0:
        raise RuntimeError("%s analyze %s --json exited %d: %s" % (
            binary, path, res.returncode, res.stderr.decode(errors="replace")[-2000:]))
    try:
        doc = json.loads(res.stdout)
    except ValueError as e:
        raise RuntimeError("output of analyze %s is not JSON: %s" % (path, e))
    c = collections.Counter({k: 0 for k in KEYS + INFO_KEYS})
    c["packets"] = doc.get("packets", -1)
    goaways, problems = [], []
    for conn in doc.get("connections", []):
        r = conn.get("retransmissions", {})
        c["retransmission"] += r.get("c2s", 0) + r.get("s2c", 0)
    for ev in doc.get("events", []):
        t = ev.get("type")
        if ev.get("inferred"):
            continue  # known from TLS record sizes, not decoded: tshark has nothing to compare (tls_inference_test)
        if t in ("ping", "ping_ack"):
            c[t] += 1
            c["%s.%s" % (t, ev.get("dir"))] += 1
            op = ev.get("opaque", "")
            if not (isinstance(op, str) and len(op) == 16):
                problems.append("event %s: opaque %r is not 16 hex digits" % (ev.get("index"), op))
        elif t == "goaway":
            c[t] += 1
            code = ev.get("error_code")
            goaways.append((code, ev.get("debug", "")))
            if isinstance(code, int) and code < len(H2_ERRORS) and ev.get("error") != H2_ERRORS[code]:
                problems.append("event %s: goaway error_code %s named %r, RFC 9113 says %s" % (
                    ev.get("index"), code, ev.get("error"), H2_ERRORS[code]))
        elif t in ("tcp_keepalive", "tcp_keepalive_ack", "zero_window_probe", "rst", "fin", "headers"):
            c[t] += 1
    return c, sorted(goaways, key=lambda x: (str(x[0]), str(x[1]))), problems, doc


def check_expect(entry, c, goaways, info):
    """The manifest's "expect" block: what the capture must show for its scenario to hold."""
    e = entry.get("expect", {})
    errs = []
    for k, v in e.get("min", {}).items():
        if c[k] < v:
            errs.append("expected %s >= %d, tshark sees %d" % (k, v, c[k]))
    for k, v in e.get("max", {}).items():
        if c[k] > v:
            errs.append("expected %s <= %d, tshark sees %d" % (k, v, c[k]))
    for code, dbg in e.get("goaway_has", []):
        if (code, dbg) not in goaways:
            errs.append("expected a GOAWAY (%d, %r), tshark sees %s" % (code, dbg, goaways))
    if e.get("all_acked") and c["ping"] != c["ping_ack"]:
        errs.append("expected every PING acked, tshark sees %d PING / %d ACK" % (c["ping"], c["ping_ack"]))
    if e.get("unacked_ping") and not c["ping"] > c["ping_ack"]:
        errs.append("expected a PING without ACK, tshark sees %d PING / %d ACK" % (c["ping"], c["ping_ack"]))
    if "format" in e and info["format"] != e["format"]:
        errs.append("expected file format %s, file is %s" % (e["format"], info["format"]))
    if "encap" in e and info["encaps"] != {str(e["encap"])}:
        errs.append("expected link encapsulation %s, tshark sees %s" % (e["encap"], info["encaps"]))
    if e.get("ipv6") and not info["ipv6"]:
        errs.append("expected IPv6 packets")
    if e.get("headers_decoded") and c["headers"] < e["headers_decoded"]:
        errs.append("expected >= %d HEADERS, tshark sees %d" % (e["headers_decoded"], c["headers"]))
    if e.get("no_syn") and info["syns"]:
        errs.append("expected no SYN (capture starts mid-connection), tshark sees %d" % info["syns"])
    return errs


def check_verdict(entry, doc):
    """The manifest's "verdict" block, the scenario's ground truth as keepalive-scope must tell it:
    each connection's end_cause in order, findings that must be there and findings that must not
    (a false claim is a failure, e.g. an inferred middlebox timer in a capture with no middlebox)."""
    v = entry.get("verdict")
    if not v or doc is None:
        return []
    errs = []
    causes = [c.get("end_cause") for c in doc.get("connections", [])]
    if "end_causes" in v and causes != v["end_causes"]:
        errs.append("end causes %s, the scenario's truth is %s" % (causes, v["end_causes"]))
    # Every connection that ended other than gracefully or is still open has a warning or error
    # finding that names it (FINDINGS.md: "how each connection ended").
    named = {f.get("conn") for f in doc.get("findings", []) if f.get("severity") in ("warning", "error")}
    for c in doc.get("connections", []):
        if c.get("end_cause") not in ("graceful", "open", None) and c.get("id") not in named:
            errs.append("connection %s ended %s with no warning or error finding naming it"
                        % (c.get("id"), c.get("end_cause")))
    ids = [f["id"] for f in doc.get("findings", [])]
    for want in v.get("findings_has", []):
        if want not in ids:
            errs.append("no %s finding (findings: %s)" % (want, ids))
    for bad in v.get("findings_absent", []):
        if bad in ids:
            errs.append("a %s finding, false for this scenario" % bad)
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="keepalive-scope executable (omit: tshark half only)")
    ap.add_argument("--data", required=True, help="directory holding captures.json and the captures")
    ap.add_argument("--tshark", default=os.environ.get("TSHARK") or shutil.which("tshark"))
    ap.add_argument("--only", action="append", help="only this capture file (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print GOAWAY lists and our warnings")
    a = ap.parse_args()

    if not a.tshark or not os.access(a.tshark, os.X_OK):
        print("SKIP: tshark not found (install the tshark package); the oracle needs it", flush=True)
        return SKIP
    man_path = os.path.join(a.data, "captures.json")
    try:
        with open(man_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL: cannot read manifest %s: %s" % (man_path, e))
        return 1
    if a.binary and not os.access(a.binary, os.X_OK):
        print("FAIL: --binary %s is not an executable file" % a.binary)
        return 1

    failures = []
    tmpdir = tempfile.mkdtemp(prefix="ks-oracle-")
    for entry in manifest:
        name = entry["file"]
        if a.only and name not in a.only:
            continue
        path = os.path.join(a.data, name)
        ports = entry.get("ports", [])
        print("=== %s  (ports %s, %s): %s" % (name, ports or "-", entry.get("impl"), entry.get("shows")))
        if not os.path.isfile(path):
            failures.append("%s: file missing" % name)
            print("  FAIL: file missing")
            continue
        keylog = os.path.join(a.data, entry["keylog"]) if "keylog" in entry else None
        try:
            tpath, records = path, None
            if "duplicates" in entry:
                tpath, records = without_duplicates(path, entry["duplicates"]["ignore_bytes"], tmpdir)
            tc, tg, info = tshark_counts(a.tshark, tpath, ports, entry.get("decode_as"), keylog)
            if records is not None:
                tc["packets"] = records
        except (RuntimeError, ET.ParseError, subprocess.TimeoutExpired) as e:
            failures.append("%s: %s" % (name, e))
            print("  FAIL:", e)
            continue
        for err in check_expect(entry, tc, tg, info):
            failures.append("%s: scenario check: %s" % (name, err))
            print("  SCENARIO FAIL:", err)
        oc = og = None
        if a.binary:
            try:
                oc, og, problems, doc = our_counts(a.binary, path, ports, keylog)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                failures.append("%s: %s" % (name, e))
                print("  FAIL:", e)
            else:
                for p in problems + check_verdict(entry, doc):
                    failures.append("%s: %s" % (name, p))
                    print("  FAIL:", p)
                if a.verbose and doc.get("warnings"):
                    print("  our warnings:", doc.get("warnings"))
        print("  %-18s %8s %8s" % ("", "tshark", "ours" if oc is not None else ""))
        for k in KEYS:
            mark = ""
            if oc is not None and oc[k] != tc[k]:
                mark = "   <-- MISMATCH"
                failures.append("%s: %s tshark=%d ours=%d" % (name, k, tc[k], oc[k]))
            print("  %-18s %8d %8s%s" % (k, tc[k], "" if oc is None else oc[k], mark))
        for k in INFO_KEYS:
            mark = "   (differs; info only)" if oc is not None and oc[k] != tc[k] else ""
            print("  %-18s %8d %8s%s" % (k, tc[k], "" if oc is None else oc[k], mark))
        print("  goaway (tshark)    %s" % tg)
        if og is not None:
            if og != [tuple(x) for x in tg]:
                failures.append("%s: GOAWAY list tshark=%s ours=%s" % (name, tg, og))
                print("  goaway (ours)      %s   <-- MISMATCH" % og)
            elif a.verbose:
                print("  goaway (ours)      %s" % og)

    shutil.rmtree(tmpdir, ignore_errors=True)
    print()
    if failures:
        print("FAILED (%d):" % len(failures))
        for f in failures:
            print("  - " + f)
        return 1
    print("OK: %s" % ("tshark and keepalive-scope agree on every capture" if a.binary
                      else "every capture shows its scenario (tshark half only, no --binary)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
