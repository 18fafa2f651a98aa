#!/usr/bin/python3
"""Every command reads its arguments through one option table (app/cli_options.h): --help lists
every option the usage line names, and the same rules hold for all commands: --name=value equals
--name value, a missing or empty value, an unknown option, a flag given a value, a single-valued
option given twice and a stray operand are refused with exit 2 and one line naming the problem;
repeatable options add up."""
import argparse
import json
import os
import re
import subprocess
import sys

failures = []
passes = []

# The commands and, for each, an option with a value that can be given twice to test refusal.
COMMANDS = {
    "analyze": "--settings",
    "lint": "--report",
    "lb-profiles": None,
    "scenarios": None,
    "lab": "--duration",
    "export": "--width",
}


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    (passes if cond else failures).append(what)


def run(binary, args, timeout=60):
    return subprocess.run([binary] + args, capture_output=True, timeout=timeout,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})


def option_lines(help_text):
    """The option names the help describes, one per '  --name' line."""
    return set(re.findall(r"^  (--[a-z0-9-]+)", help_text, re.M))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    b = a.binary
    capture = a.data + "/goaway_too_many_pings.pcap"

    all_listed = set()
    for command, twice in COMMANDS.items():
        r = run(b, [command, "--help"])
        text = r.stdout.decode()
        usage = text.split("\n  ")[0]
        named = set(re.findall(r"\[(--[a-z0-9-]+)", usage)) | set(re.findall(r" (--[a-z0-9-]+) ", usage))
        listed = option_lines(text)
        all_listed |= listed
        check(r.returncode == 0 and text.startswith("usage: keepalive-scope " + command),
              f"{command} --help: exit 0, the usage first")
        check(named <= listed, f"{command} --help describes every option its usage names (missing: {sorted(named - listed)})")

        r = run(b, [command, "--no-such-option"])
        err = r.stderr.decode()
        check(r.returncode == 2 and f"keepalive-scope {command}: unknown option --no-such-option" in err
              and f"keepalive-scope {command} --help" in err and err.count("\n") <= 3,
              f"{command}: an unknown option is named in one line, with where to find the options")

        if twice:
            r = run(b, [command, twice])
            check(r.returncode == 2 and f"{twice} needs a value" in r.stderr.decode(), f"{command} {twice} without a value")
            r = run(b, [command, twice + "="])
            check(r.returncode == 2 and f"{twice} needs a non-empty value" in r.stderr.decode(),
                  f"{command} {twice}= (empty) is refused")
            r = run(b, [command, twice, "1", twice, "2"])
            check(r.returncode == 2 and f"{twice} given twice (1 and 2)" in r.stderr.decode(),
                  f"{command}: {twice} given twice is refused, naming both values")

    r = run(b, ["analyze", capture, "--json=yes"])
    check(r.returncode == 2 and b"--json takes no value" in r.stderr, "a flag given a value is refused")
    r = run(b, ["analyze", capture, "other.pcap"])
    check(r.returncode == 2 and b"one capture at a time (got" in r.stderr, "two captures are refused")
    r = run(b, ["lb-profiles", "stray"])
    check(r.returncode == 2 and b"unexpected argument stray" in r.stderr, "lb-profiles takes no operand")

    # --name=value and --name value give the same result; a repeatable option adds up.
    spaced = run(b, ["analyze", capture, "--json", "--lb", "aws-alb", "--lb", "aws-nlb"])
    joined = run(b, ["analyze", capture, "--json", "--lb=aws-alb", "--lb=aws-nlb"])
    both = run(b, ["analyze", capture, "--json", "--lb", "aws-alb,aws-nlb"])
    ok = spaced.returncode == joined.returncode == both.returncode == 0
    check(ok and spaced.stdout == joined.stdout == both.stdout,
          "analyze --lb A --lb B equals --lb=A --lb=B equals --lb A,B")
    text = run(b, ["analyze", capture, "--lb=aws-alb", "--lb", "aws-nlb"]).stdout.decode()
    check("judged against aws-alb (60 s), aws-nlb (350 s)" in text, "both profiles judged, in order")
    r = run(b, ["analyze", capture, "--fail-on=info"])
    check(r.returncode == 2 and b"--fail-on info: expected warning or error" in r.stderr, "--fail-on=info is refused")
    r = run(b, ["lint", a.data + "/experiments/minimal.json", "--report", "out.txt"])
    check(r.returncode == 2 and b"name it .md (Markdown) or .json (JSON)" in r.stderr,
          "lint --report with another extension is refused before any work")
    r = run(b, ["export", capture, "--png", "a.png", "--out", "b.png"])
    check(r.returncode == 2 and b"--png and --out name the same file" in r.stderr, "export --png with --out is refused")

    # The man page describes every option of every command, and no option they do not take.
    man = open(os.path.join(a.data, "..", "..", "resources", "man", "keepalive-scope.1")).read()
    in_man = {m.replace("\\-", "-") for m in re.findall(r"\\-\\-[a-z](?:[a-z]|\\-)*", man)}
    in_man -= {"--help", "--version", "--add", "--update"}  # top level, and other tools' options (setcap)
    check(in_man, "the man page names options")
    check(in_man <= all_listed, f"every option in the man page is one a command takes (unknown: {sorted(in_man - all_listed)})")
    check(all_listed <= in_man, f"the man page describes every option (missing: {sorted(all_listed - in_man)})")

    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
