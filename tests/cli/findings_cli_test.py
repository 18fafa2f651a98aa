#!/usr/bin/python3
"""keepalive-scope's findings surfaces on the reference captures: analyze --lb/--lb-file/--settings
(text and JSON), --fail-on exit codes, --report files, lint and lb-profiles; bad names and bad
catalogue entries refused with exit 2 and a message naming them."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

failures = []
passes = []
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 3


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passes if cond else failures).append(what)


def run(binary, args, timeout=60):
    return subprocess.run([binary] + args, capture_output=True, timeout=timeout)


def doc_of(r):
    try:
        return json.loads(r.stdout)
    except ValueError:
        return None


def profile_files(tmp):
    """A user catalogue with one good profile, and one with a bad entry."""
    custom = os.path.join(tmp, "proxy.json")
    with open(custom, "w") as f:
        json.dump({"format": "keepalive-scope-lb-profiles", "version": 1, "profiles": [
            {"name": "idle-reset-proxy", "title": "kspy proxy, RST after 1.5 s idle", "idle_timeout_s": 1.5,
             "on_expiry": "rst", "tcp_keepalive_resets_idle": True}]}, f)
    bad = os.path.join(tmp, "bad_profiles.json")
    with open(bad, "w") as f:
        json.dump({"profiles": [{"name": "fine", "idle_timeout_s": 5, "on_expiry": "rst"},
                                {"name": "broken", "idle_timeout_s": "five", "on_expiry": "rst"}]}, f)
    return custom, bad


def check_export(b, cap, tmp, custom, bad_profiles):
    """export draws the same profiles, user files included (starts keepalive-scope-gui)."""
    plain_png, lb_png = os.path.join(tmp, "plain.png"), os.path.join(tmp, "lb.png")
    r1 = run(b, ["export", cap("idle_reset_proxy.pcap"), "--png", plain_png, "--width", "900", "--height", "400"])
    r2 = run(b, ["export", cap("idle_reset_proxy.pcap"), "--png", lb_png, "--width", "900", "--height", "400",
                 "--lb-file", custom, "--lb=idle-reset-proxy"])
    both = r1.returncode == 0 and r2.returncode == 0 and os.path.exists(plain_png) and os.path.exists(lb_png)
    check(both and open(plain_png, "rb").read() != open(lb_png, "rb").read(),
          "export --lb-file FILE --lb NAME draws that profile's crossings (the PNG differs from one without)")
    r = run(b, ["export", cap("go_ping_healthy.pcap"), "--png", os.path.join(tmp, "x.png"), "--lb-file", bad_profiles])
    check(r.returncode == EXIT_BAD_INPUT and b'("broken").idle_timeout_s' in r.stderr
          and not os.path.exists(os.path.join(tmp, "x.png")), "export refuses a bad catalogue file with exit 2, writing nothing")
    r = run(b, ["export", cap("go_ping_healthy.pcap"), "--png", os.path.join(tmp, "x.png"), "--lb", "aws-nbl"])
    check(r.returncode == EXIT_BAD_INPUT and b"aws-nbl" in r.stderr, "export refuses an unknown profile name")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    # engine: analyze, lint, lb-profiles (keepalive-scope alone, also run under ASan); gui: export,
    # which starts keepalive-scope-gui (Qt). Each is its own ctest entry.
    ap.add_argument("--part", choices=("engine", "gui", "all"), default="all")
    a = ap.parse_args()
    b = a.binary
    cap = lambda name: os.path.join(a.data, name)
    tmp = tempfile.mkdtemp()
    custom, bad_profiles = profile_files(tmp)
    if a.part == "gui":
        check_export(b, cap, tmp, custom, bad_profiles)
        shutil.rmtree(tmp, ignore_errors=True)
        print("%d passed, %d failed" % (len(passes), len(failures)))
        return 1 if failures else 0
    part = a.part

    # --- analyze: findings in the JSON document, per the DESIGN.md contract ------------------
    r = run(b, ["analyze", cap("goaway_too_many_pings.pcap"), "--json", "--lb", "aws-nlb"])
    d = doc_of(r)
    check(r.returncode == 0 and d is not None, "analyze --lb aws-nlb --json exits 0 with a JSON document")
    findings = d["findings"] if d else []
    check(all({"id", "severity", "conn", "title", "detail", "evidence"} <= set(f) for f in findings) and findings,
          "every finding has id, severity, conn, title, detail, evidence")
    tmp_f = [f for f in findings if f["id"] == "goaway-too-many-pings"]
    check(len(tmp_f) == 1 and tmp_f[0]["severity"] == "error" and tmp_f[0]["conn"] == 0 and "suggestion" in tmp_f[0],
          "too_many_pings finding: error, connection 0, with a suggestion")
    if tmp_f and d:
        events = {e["index"]: e for e in d["events"]}
        ev = [events.get(i) for i in tmp_f[0]["evidence"]]
        check(all(ev) and ev[-1]["type"] == "goaway" and ev[-1]["error_code"] == 11
              and all(e["type"] == "ping" and e["dir"] == "c2s" for e in ev[:-1]),
              "its evidence indexes are the client's PINGs and the GOAWAY in the events list")
        check(abs(tmp_f[0].get("figure_s", 0) - 1.0) < 0.1, "its key figure is the client's 1 s ping interval")
    check(any(f["id"] == "ping-cadence" and f.get("profile") is None for f in findings),
          "the observed PING cadence is a finding")

    # text view: findings section and event indexes
    r = run(b, ["analyze", cap("goaway_too_many_pings.pcap"), "--lb", "aws-nlb"])
    out = r.stdout.decode()
    check(r.returncode == 0 and "findings: " in out and "goaway-too-many-pings" in out and "judged against aws-nlb" in out,
          "text output lists the findings and the profiles judged against")
    check("what to do: " in out and "evidence: events #" in out, "text findings show the change and the evidence")

    # healthy captures: no warning or error
    for name in ("go_ping_healthy.pcap", "core_ping_healthy.pcap"):
        r = run(b, ["analyze", cap(name), "--json", "--lb", "aws-nlb,azure-lb,gcp-cloud-nat"])
        d = doc_of(r)
        bad = [f["id"] for f in (d or {}).get("findings", []) if f["severity"] != "info"]
        check(r.returncode == 0 and d is not None and not bad, "%s yields no warning (%s)" % (name, bad))

    # --- --fail-on -----------------------------------------------------------------------
    r = run(b, ["analyze", cap("goaway_too_many_pings.pcap"), "--fail-on", "error"])
    check(r.returncode == EXIT_FINDINGS, "--fail-on error exits 3 on an error finding (got %d)" % r.returncode)
    r = run(b, ["analyze", cap("core_idle_close.pcap"), "--fail-on", "error"])
    check(r.returncode == 0, "--fail-on error exits 0 when the worst finding is a warning (got %d)" % r.returncode)
    r = run(b, ["analyze", cap("core_idle_close.pcap"), "--fail-on=warning", "--json"])
    check(r.returncode == EXIT_FINDINGS and doc_of(r) is not None,
          "--fail-on=warning exits 3 on a warning and still prints the document (got %d)" % r.returncode)
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--fail-on", "warning"])
    check(r.returncode == 0, "--fail-on warning exits 0 on a healthy capture (got %d)" % r.returncode)
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--fail-on", "info"])
    check(r.returncode == EXIT_BAD_INPUT and b"--fail-on info" in r.stderr, "--fail-on info is refused with exit 2")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--fail-on"])
    check(r.returncode == EXIT_BAD_INPUT and b"needs a value" in r.stderr, "--fail-on without a value is refused")

    # --- profiles: unknown names, user catalogue files -------------------------------------
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--lb", "aws-nlb,aws-nbl"])
    err = r.stderr.decode()
    check(r.returncode == EXIT_BAD_INPUT and "aws-nbl" in err and "known:" in err and "gcp-cloud-nat" in err and not r.stdout,
          "an unknown profile is refused with exit 2, listing the known names, before any output")
    r = run(b, ["analyze", cap("idle_reset_proxy.pcap"), "--json", "--lb-file", custom, "--lb", "idle-reset-proxy"])
    d = doc_of(r)
    lb = [f for f in (d or {}).get("findings", []) if f["id"] == "lb-idle-timeout"]
    check(r.returncode == 0 and len(lb) == 2 and all(f["profile"] == "idle-reset-proxy" and f["severity"] == "error"
                                                     and abs(f["figure_s"] - 2.5) < 0.1 for f in lb),
          "a --lb-file profile finds both resets after 2.5 s idle gaps")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--lb-file", bad_profiles])
    err = r.stderr.decode()
    check(r.returncode == EXIT_BAD_INPUT and 'profiles[1] ("broken").idle_timeout_s' in err and "bad_profiles.json" in err,
          "a bad catalogue entry is refused with exit 2, naming the file, entry and field")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--lb-file", os.path.join(tmp, "nope.json")])
    check(r.returncode == EXIT_BAD_INPUT and b"nope.json" in r.stderr, "a missing catalogue file is refused with exit 2")

    if part == "all":
        check_export(b, cap, tmp, custom, bad_profiles)

    # --- settings and report -------------------------------------------------------------
    exp = os.path.join(tmp, "exp.json")
    with open(exp, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1,
                   "client": {"keepalive_time_ms": 1000, "keepalive_timeout_ms": 2000, "keepalive_permit_without_calls": True},
                   "server": {"min_ping_interval_without_data_ms": 20000},
                   "lb_profiles": ["aws-nlb"]}, f)
    md, js = os.path.join(tmp, "out.md"), os.path.join(tmp, "out.json")
    r = run(b, ["analyze", cap("goaway_too_many_pings.pcap"), "--json", "--settings", exp, "--report", md])
    d = doc_of(r)
    check(r.returncode == 0 and os.path.isfile(md), "--report OUT.md writes the Markdown report")
    text = open(md).read() if os.path.isfile(md) else ""
    check("## Findings" in text and "## Connections" in text and "| aws-nlb |" in text and "From `%s`" % exp in text,
          "the Markdown report has findings, connections, the settings file's LB profile and the settings")
    check(d is not None and any("20 s (from the settings)" in f["detail"] for f in d["findings"]),
          "--settings feeds the server's minimum ping interval into the too_many_pings finding")
    r = run(b, ["analyze", cap("goaway_too_many_pings.pcap"), "--lb", "aws-nlb", "--report", js])
    rep = json.load(open(js)) if os.path.isfile(js) else {}
    check(r.returncode == 0 and rep.get("format") == "keepalive-scope-report" and rep.get("settings") is None
          and [p["name"] for p in rep.get("lb_profiles", [])] == ["aws-nlb"] and len(rep.get("connections", [])) == 1
          and any(f["id"] == "goaway-too-many-pings" for f in rep.get("findings", [])),
          "--report OUT.json is parseable and holds profiles, connections and findings")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--report", os.path.join(tmp, "out.txt")])
    check(r.returncode == EXIT_BAD_INPUT and b".md" in r.stderr and not r.stdout, "--report with an unknown suffix is refused up front")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--settings", os.path.join(tmp, "nope.json")])
    check(r.returncode == EXIT_BAD_INPUT and b"nope.json" in r.stderr, "a missing --settings file is refused with exit 2")

    # --- lint ----------------------------------------------------------------------------
    r = run(b, ["lint", exp, "--json"])
    d = doc_of(r)
    ids = [f["id"] for f in (d or {}).get("findings", [])]
    check(r.returncode == 0 and d is not None and d.get("lb_profiles") == ["aws-nlb"], "lint --json prints a document with the file's profiles")
    check("lint-client-below-server-minimum" in ids and "lint-below-grpc-go-minimum" in ids and "lint-timeout-not-below-time" in ids
          and all(f["conn"] is None for f in d["findings"]), "lint finds the client below the server minimum, grpc-go's floor, timeout >= time")
    r = run(b, ["lint", exp, "--fail-on", "error"])
    check(r.returncode == EXIT_FINDINGS and b"lint-client-below-server-minimum" in r.stdout, "lint --fail-on error exits 3 (text)")
    good = os.path.join(tmp, "good.json")
    with open(good, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1,
                   "client": {"keepalive_time_ms": 60000, "keepalive_timeout_ms": 20000, "keepalive_permit_without_calls": True},
                   "server": {"min_ping_interval_without_data_ms": 30000, "keepalive_permit_without_calls": True}}, f)
    r = run(b, ["lint", good, "--lb", "aws-nlb", "--fail-on", "warning", "--report", os.path.join(tmp, "lint.md")])
    check(r.returncode == 0 and os.path.isfile(os.path.join(tmp, "lint.md")), "lint of good settings exits 0 with --fail-on warning and writes its report")
    r = run(b, ["lint", good, "--lb", "aws-alb", "--fail-on", "warning"])
    check(r.returncode == EXIT_FINDINGS and b"lint-lb-ignores-pings" in r.stdout, "lint against aws-alb warns that PINGs do not count")
    r = run(b, ["lint", good, "--lb", "nope"])
    check(r.returncode == EXIT_BAD_INPUT and b"nope" in r.stderr and b"aws-nlb" in r.stderr, "lint --lb with an unknown name exits 2")
    typo = os.path.join(tmp, "typo.json")
    with open(typo, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1, "lb_profiles": ["aws-nlb", "nlb-typo"]}, f)
    r = run(b, ["lint", typo])
    check(r.returncode == EXIT_BAD_INPUT and b"typo.json: lb_profiles: unknown load-balancer profile \"nlb-typo\"" in r.stderr,
          "an unknown profile in the settings file is named with the file")
    broken = os.path.join(tmp, "broken.json")
    with open(broken, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1, "client": {"keepalive_time": 5}}, f)
    r = run(b, ["lint", broken])
    check(r.returncode == EXIT_BAD_INPUT and b"client.keepalive_time" in r.stderr, "lint of a bad settings file exits 2 naming the field")

    # --- lb-profiles ---------------------------------------------------------------------
    r = run(b, ["lb-profiles"])
    check(r.returncode == 0 and b"aws-nlb" in r.stdout and b"linux-conntrack" in r.stdout, "lb-profiles lists the catalogue")
    r = run(b, ["lb-profiles", "--json", "--lb-file", custom])
    d = doc_of(r)
    names = [p["name"] for p in (d or {}).get("profiles", [])]
    check(r.returncode == 0 and "aws-nlb" in names and names[-1] == "idle-reset-proxy",
          "lb-profiles --json lists the built-in profiles and the user's")
    r = run(b, ["lb-profiles", "--lb-file", bad_profiles])
    check(r.returncode == EXIT_BAD_INPUT and b'("broken").idle_timeout_s' in r.stderr, "lb-profiles checks a user file")

    # --- end causes, the inferred timer as a profile, fixes written back -------------------
    r = run(b, ["analyze", cap("lbsim_idle_reset.pcap"), "--json"])
    d = doc_of(r) or {}
    causes = [c.get("end_cause") for c in d.get("connections", [])]
    check(causes.count("idle_reset") == 8 and all("other_leg" in c for c in d.get("connections", []) if c.get("end_cause") == "idle_reset"),
          "without --lb, each leg reset by the simulator reads end_cause idle_reset with its other leg (%s)" % causes)
    r = run(b, ["analyze", cap("lbsim_idle_reset.pcap")])
    check(b"how it ended: idle reset" in r.stdout and b"inferred-idle-timer" in r.stdout, "the text view says how each connection ended")
    prof = os.path.join(tmp, "inferred.json")
    r = run(b, ["analyze", cap("lbsim_idle_reset.pcap"), "--emit-profile", prof])
    p = json.load(open(prof)) if os.path.isfile(prof) else {}
    t = (p.get("profiles") or [{}])[0]
    check(r.returncode == 0 and t.get("name") == "inferred-idle-timer" and abs(t.get("idle_timeout_s", 0) - 2.0) <= 0.04
          and t.get("on_expiry") == "rst", "--emit-profile writes the inferred 2.0 s RST-both-ways timer in catalogue form (%s)" % t)
    r = run(b, ["analyze", cap("lbsim_idle_reset.pcap"), "--json", "--lb-file", prof, "--lb", "inferred-idle-timer"])
    d = doc_of(r) or {}
    check(r.returncode == 0 and any(f["id"] == "lb-idle-timeout" for f in d.get("findings", [])),
          "the emitted profile loads back with --lb-file and judges the capture")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--emit-profile", os.path.join(tmp, "none.json")])
    check(r.returncode == EXIT_BAD_INPUT and b"no idle timer could be inferred" in r.stderr
          and not os.path.exists(os.path.join(tmp, "none.json")), "--emit-profile on a healthy capture says why nothing is written")
    exp_in = os.path.join(tmp, "in.json")
    exp_out = os.path.join(tmp, "fixed.json")
    with open(exp_in, "w") as f:
        json.dump({"format": "keepalive-scope-experiment", "version": 1, "client": {"keepalive_time_ms": 60000}}, f)
    r = run(b, ["analyze", cap("lbsim_idle_reset.pcap"), "--settings", exp_in, "--write-fix", exp_out])
    fixed = json.load(open(exp_out)) if os.path.isfile(exp_out) else {}
    kt = fixed.get("client", {}).get("keepalive_time_ms", 10 ** 9)
    check(r.returncode == 0 and kt < 2000 and fixed.get("client", {}).get("keepalive_permit_without_calls") is True
          and fixed.get("server", {}).get("min_ping_interval_without_data_ms", 10 ** 9) <= kt,
          "--write-fix writes the experiment with keepalive below the inferred 2.0 s timer (%s)" % fixed.get("client"))
    r = run(b, ["lint", exp_out, "--lb-file", prof, "--lb", "inferred-idle-timer"])
    check(b"lint-lb-time-too-long" not in r.stdout, "the fixed experiment passes lint against the inferred profile")
    r = run(b, ["analyze", cap("go_ping_healthy.pcap"), "--write-fix", exp_out])
    check(r.returncode == EXIT_BAD_INPUT and b"--write-fix needs --settings" in r.stderr, "--write-fix without --settings is refused")

    r = run(b, ["--help"])
    check(b"lint FILE.json" in r.stdout and b"lb-profiles" in r.stdout and b"--fail-on" in r.stdout, "the usage text names the new commands")

    shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(passes), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
