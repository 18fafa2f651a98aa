#!/usr/bin/python3
"""keepalive-scope lab from the command line: a target this project did not write (gRPC C-core
through python3-grpcio), plaintext and TLS with a CA file, through the simulator; the saved pcap;
no capture permission; a target that does not answer; a bad experiment file. Loopback only; every
process is bounded by a timeout and killed at the end."""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
        if detail:
            print("     " + detail.replace("\n", "\n     ")[:3000])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listen(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def experiment(tmp, name, **fields):
    doc = {"format": "keepalive-scope-experiment", "version": 1}
    doc.update(fields)
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    os.chmod(path, 0o644)
    return path


def lab(binary, args, timeout=30, prefix=()):
    return subprocess.run(list(prefix) + [binary, "lab"] + args, capture_output=True, timeout=timeout)


def rpcs(doc):
    return [e for e in doc["events"] if e["type"] == "rpc"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--kspy", required=True)
    a = ap.parse_args()
    b = a.binary
    tmp = tempfile.mkdtemp()
    os.chmod(tmp, 0o755)
    procs = []
    try:
        # A plaintext C-core server, called with the user's method and an empty message.
        port = free_port()
        procs.append(subprocess.Popen(["/usr/bin/python3", a.kspy, "server", "--addr", f"127.0.0.1:{port}", "--life", "25"]))
        check(wait_listen(port), "python3-grpcio server listens")
        cfg = experiment(tmp, "target.json", target={"embedded": False, "address": f"127.0.0.1:{port}"},
                         rpc={"pattern": "unary", "interval_s": 0.4, "method": "/ks.Echo/Ping"})
        out = os.path.join(tmp, "target.pcap")
        r = lab(b, ["--config", cfg, "--duration", "1.5s", "--json", "--pcap", out])
        check(r.returncode == 0, "lab against a user target exits 0", r.stderr.decode())
        doc = json.loads(r.stdout)
        ok = [e for e in rpcs(doc) if e["status"] == "OK" and e["method"] == "/ks.Echo/Ping"]
        check(len(ok) >= 3, f"unary calls to the user's method succeed ({len(ok)} OK)", r.stdout.decode()[:2000])

        # The saved capture says what the live one said.
        check(os.path.exists(out), "--pcap wrote the capture")
        r2 = subprocess.run([b, "analyze", out, "--json"], capture_output=True, timeout=30)
        check(r2.returncode == 0, "the saved capture analyzes", r2.stderr.decode())
        saved = json.loads(r2.stdout)
        wire = lambda d: sorted(e["type"] for e in d["events"] if e["type"] not in ("rpc", "channel_state"))
        check(wire(saved) == wire(doc), "the saved capture decodes to the same wire events as the live run",
              f"live {wire(doc)}\nsaved {wire(saved)}")

        # The same target through the simulator playing a profile from the catalogue.
        r = lab(b, ["--config", cfg, "--duration", "1.5s", "--json", "--lb", "aws-nlb"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {"events": [], "connections": []}
        check(r.returncode == 0 and len([e for e in rpcs(doc) if e["status"] == "OK"]) >= 3,
              "calls through the simulator (--lb aws-nlb) succeed", r.stderr.decode())
        check(len(doc["connections"]) >= 2, "the capture sees both legs of the simulator",
              json.dumps(doc["connections"])[:500])

        # TLS with a CA file: a self-signed certificate for 127.0.0.1.
        key, crt = os.path.join(tmp, "key.pem"), os.path.join(tmp, "crt.pem")
        gen = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                              "-days", "1", "-subj", "/CN=localhost",
                              "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], capture_output=True, timeout=60)
        check(gen.returncode == 0, "openssl made a test certificate", gen.stderr.decode())
        tport = free_port()
        procs.append(subprocess.Popen(["/usr/bin/python3", a.kspy, "server", "--addr", f"127.0.0.1:{tport}", "--life", "25",
                                       "--tls-cert", crt, "--tls-key", key]))
        check(wait_listen(tport), "TLS server listens")
        tls = experiment(tmp, "tls.json", target={"embedded": False, "address": f"127.0.0.1:{tport}", "tls": True,
                                                   "ca_file": crt},
                         rpc={"pattern": "unary", "interval_s": 0.4, "method": "/ks.Echo/Ping"})
        r = lab(b, ["--config", tls, "--duration", "1.5s", "--json"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {"events": []}
        check(len([e for e in rpcs(doc) if e["status"] == "OK"]) >= 3, "TLS with the CA file: calls succeed",
              r.stderr.decode() + r.stdout.decode()[:1500])
        # Every TLS run writes its key log, so the lab reads C-core's TLS server decrypted, live.
        tconns = [c for c in doc.get("connections", []) if c.get("tls")]
        check(tconns and all(c["tls"]["decryption"] == "decrypted" and c["http2"] for c in tconns),
              "the lab decrypts its TLS run against C-core with its own key log", json.dumps(tconns)[:1500])
        check(b"TLS key log: " in r.stderr, "and says where the key log is", r.stderr.decode())
        roots = experiment(tmp, "roots.json", target={"embedded": False, "address": f"127.0.0.1:{tport}", "tls": True},
                           rpc={"pattern": "unary", "interval_s": 0.4, "method": "/ks.Echo/Ping"})
        r = lab(b, ["--config", roots, "--duration", "1.5s", "--json"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {"events": []}
        bad = [e for e in rpcs(doc) if e["status"] == "UNAVAILABLE"]
        check(r.returncode == 0 and bad and not [e for e in rpcs(doc) if e["status"] == "OK"],
              "TLS with system roots refuses a self-signed server: calls fail UNAVAILABLE", r.stdout.decode()[:1500])

        # The embedded server over TLS (--tls: a certificate made at start), its key log kept with
        # --keylog: PINGs and their ACKs read from decrypted frames, not inferred.
        keys = os.path.join(tmp, "lab-keys.log")
        pinging = experiment(tmp, "tlsping.json", client={"keepalive_time_ms": 1000, "keepalive_permit_without_calls": True},
                             server={"keepalive_permit_without_calls": True, "min_ping_interval_without_data_ms": 500},
                             rpc={"pattern": "idle"})
        r = lab(b, ["--config", pinging, "--duration", "3.5s", "--json", "--tls", "--keylog", keys])
        doc = json.loads(r.stdout) if r.returncode == 0 else {"events": [], "connections": []}
        pings = [e for e in doc["events"] if e["type"] in ("ping", "ping_ack")]
        if r.returncode == 0 and not [e for e in doc["events"] if e["type"] == "syn"]:
            print("skip: no live capture here for the TLS lab run")
        else:
            check(r.returncode == 0 and len(pings) >= 4 and not [e for e in pings if e.get("inferred")]
                  and all("opaque" in e for e in pings),
                  "lab --tls: the embedded TLS server's PINGs are decrypted live", r.stderr.decode() + str(pings)[:1500])
            check([c for c in doc["connections"] if c.get("tls", {}).get("version") == "TLS 1.3"
                   and c["tls"]["decryption"] == "decrypted"], "lab --tls: the connection is TLS 1.3, decrypted",
                  json.dumps(doc["connections"])[:1500])
        text = open(keys, "rb").read() if os.path.exists(keys) else b""
        check(b"CLIENT_TRAFFIC_SECRET_0 " in text, "lab --keylog keeps the run's key log", str(text[:200]))
        r = lab(b, ["--config", pinging, "--duration", "1s", "--cert", crt])
        check(r.returncode == 2 and b"--cert and --key go together" in r.stderr, "--cert without --key is refused",
              r.stderr.decode())

        # A target that does not answer: failures as events, bounded, no hang.
        dead = free_port()
        cfg = experiment(tmp, "dead.json", target={"embedded": False, "address": f"127.0.0.1:{dead}"},
                         rpc={"pattern": "unary", "interval_s": 0.5, "method": "/ks.Echo/Ping"})
        t0 = time.time()
        r = lab(b, ["--config", cfg, "--duration", "3s", "--json"])
        took = time.time() - t0
        doc = json.loads(r.stdout) if r.returncode == 0 else {"events": [], "findings": []}
        states = {e["state"] for e in doc["events"] if e["type"] == "channel_state"}
        check(r.returncode == 0 and "transient_failure" in states, "a closed port shows transient_failure", str(states))
        check(any(e["status"] in ("UNAVAILABLE", "DEADLINE_EXCEEDED") for e in rpcs(doc)),
              "calls to a closed port fail UNAVAILABLE or DEADLINE_EXCEEDED")
        check(took < 12, f"the run against a dead target ends on time ({took:.1f} s for --duration 3s)")
        # C-core retries after about 1 s: two attempts or more in 3 s, each SYN answered by RST,
        # and the findings say that nothing listened there (not "0 findings").
        syns = [e for e in doc["events"] if e["type"] == "syn"]
        if not syns:
            print("skip: no live capture here: the refused connections are not on the wire")
        else:
            refused = [f for f in doc["findings"] if f["id"] == "connection-refused"]
            check(len(syns) >= 2 and len(refused) == 1 and f"127.0.0.1:{dead}" in refused[0]["title"]
                  and refused[0]["severity"] == "warning",
                  "a closed port is named: every connection refused, nothing listened there",
                  json.dumps(doc["findings"])[:1500])

        # Without capture permission: a message that says how to grant it, and the lab goes on.
        cfg = experiment(tmp, "embedded.json", rpc={"pattern": "unary", "interval_s": 0.4})
        setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                   "--bounding-set=-net_raw,-net_admin"]
        if os.geteuid() != 0:
            print("skip: the no-permission check needs root to drop to nobody")
        else:
            r = lab(b, ["--config", cfg, "--duration", "1.2s", "--json"], prefix=setpriv)
            err = r.stderr.decode()
            check(r.returncode == 0, "without capture permission the lab still runs", err)
            check("setcap cap_net_raw,cap_net_admin=eip" in err, "and says how to grant the permission", err)
            doc = json.loads(r.stdout) if r.returncode == 0 else {"events": []}
            check(len([e for e in rpcs(doc) if e["status"] == "OK"]) >= 2
                  and not [e for e in doc["events"] if e["type"] in ("syn", "ping")],
                  "with channel and RPC events only")

        # The capture helper with the capability, the program without: the wire comes through the
        # helper's pcap stream, as Wireshark's comes through dumpcap.
        helper = os.path.join(os.path.dirname(b), "keepalive-scope-capture")
        hdir = tempfile.mkdtemp()
        os.chmod(hdir, 0o777)
        hcopy = os.path.join(hdir, "keepalive-scope-capture")
        subprocess.run(["cp", helper, hcopy], check=True)
        sc = subprocess.run(["setcap", "cap_net_raw,cap_net_admin=eip", hcopy], capture_output=True)
        if os.geteuid() != 0 or sc.returncode != 0:
            print("skip: cannot give the capture helper file capabilities here: " + sc.stderr.decode().strip())
        else:
            env = dict(os.environ, KS_CAPTURE_HELPER=hcopy)
            out = os.path.join(hdir, "helper.pcap")
            r = subprocess.run(setpriv[:-1] + [b, "lab", "--config", cfg, "--duration", "1.5s", "--json", "--pcap", out],
                               capture_output=True, timeout=30, env=env)
            doc = json.loads(r.stdout) if r.returncode == 0 else {"events": [], "warnings": []}
            types = {e["type"] for e in doc["events"]}
            check(r.returncode == 0 and {"syn", "ping", "ping_ack", "fin"} <= types and "rpc" in types,
                  "an unprivileged lab captures through the privileged helper", r.stderr.decode() + str(types))
            check(os.path.exists(out) and os.stat(out).st_uid == 65534, "and saves the capture as the user")
            left = subprocess.run(["pgrep", "-f", hcopy], capture_output=True)
            check(left.returncode == 1, "no capture helper is left running")

        # Findings on a lab run: the too_many_pings GOAWAY is explained, with the client's interval.
        calm = experiment(tmp, "calm.json", client={"keepalive_time_ms": 1000, "max_pings_without_data": 0},
                          server={"min_ping_interval_without_data_ms": 300000}, rpc={"pattern": "stream"})
        r = lab(b, ["--config", calm, "--duration", "6s", "--json"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {"findings": []}
        f = [x for x in doc["findings"] if x["id"] == "goaway-too-many-pings"]
        check(f and 0.9 <= f[0]["figure_s"] <= 1.1, "the lab's findings explain too_many_pings with the 1 s interval",
              json.dumps(doc.get("findings"))[:1500])

        # The scenario library from the command line: the list, one scenario, a run of each variant.
        r = subprocess.run([b, "scenarios", "--json"], capture_output=True, timeout=10)
        listed = json.loads(r.stdout) if r.returncode == 0 else []
        names = [s["name"] for s in listed]
        check(len(names) >= 12 and "nlb-idle-timeout" in names and "alb-ignores-pings" in names,
              f"scenarios --json lists the library ({len(names)})", r.stdout.decode()[:500])
        r = subprocess.run([b, "scenarios", "too-many-pings"], capture_output=True, timeout=10)
        out = r.stdout.decode()
        check(r.returncode == 0 and "failing experiment:" in out and "fixed experiment:" in out
              and "goaway-too-many-pings" in out, "scenarios NAME prints both experiments and the finding", out[:800])
        r = subprocess.run([b, "scenarios", "no-such"], capture_output=True, timeout=10)
        check(r.returncode == 2 and "too-many-pings" in r.stderr.decode(), "an unknown scenario is refused, listing the known",
              r.stderr.decode())
        r = lab(b, ["--scenario", "no-such"])
        check(r.returncode == 2 and "no such scenario" in r.stderr.decode(), "lab --scenario with an unknown name exits 2",
              r.stderr.decode())
        r = lab(b, ["--fixed", "--config", calm])
        check(r.returncode == 2 and "--fixed needs --scenario" in r.stderr.decode(), "--fixed without --scenario is refused",
              r.stderr.decode())
        # Both variants at once (ephemeral ports each): the text run says whether the finding came.
        runs = {v: subprocess.Popen([b, "lab", "--scenario", "too-many-pings"] + (["--fixed"] if v else []),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE) for v in (False, True)}
        procs.extend(runs.values())
        outs = {v: p.communicate(timeout=40) for v, p in runs.items()}
        failing, fixed = outs[False][0].decode(), outs[True][0].decode()
        if "no capture" in failing or "setcap" in outs[False][1].decode():
            print("skip scenario runs: no capture permission here")
        else:
            check(runs[False].returncode == 0 and "goaway-too-many-pings present (as expected)" in failing
                  and "Client PINGs faster than the server allows" in failing,
                  "lab --scenario too-many-pings shows the failure and its finding", failing[-1500:])
            check(runs[True].returncode == 0 and "goaway-too-many-pings absent (fixed, as expected)" in fixed,
                  "lab --scenario too-many-pings --fixed shows it gone", fixed[-1500:])

        # A bad experiment file: the field and the allowed range are named, exit 2.
        bad = experiment(tmp, "bad.json", client={"keepalive_time_ms": -5})
        r = lab(b, ["--config", bad, "--duration", "1s"])
        err = r.stderr.decode()
        check(r.returncode == 2 and "client.keepalive_time_ms" in err and "bad.json" in err,
              "a negative keepalive time is refused, naming file and field", err)
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=10)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
