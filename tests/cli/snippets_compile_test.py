#!/usr/bin/python3
"""The keepalive settings as code (`lint FILE --code LANG`, the window's Export > Settings) are
pasted into real programs, so each snippet is checked by its stack's own compiler against the
Debian packages of that stack: grpc++ (g++ against libgrpc++-dev), grpc-go (go build against
golang-google-grpc-dev), grpc-java (javac against libgrpc-java and libnetty-java), and Python
(run with python3-grpcio: the server and channel are made with the snippet's options and the
channel connects to the server). A snippet naming an API the stack lacks fails here.

The one API newer than Debian's packages: grpc.WithIdleTimeout (grpc-go 1.56; Debian 12 ships
1.33). Its line carries the comment "grpc-go 1.56 or later"; against an older grpc-go the test
checks that the comment is there and compiles the rest without that line."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []
passes = []

# Every setting set, so every line each snippet can hold is compiled.
EXPERIMENT = """{
  "format": "keepalive-scope-experiment", "version": 1,
  "client": {"keepalive_time_ms": 30000, "keepalive_timeout_ms": 5000, "keepalive_permit_without_calls": true,
             "max_pings_without_data": 0, "client_idle_timeout_ms": 60000},
  "server": {"keepalive_time_ms": 60000, "keepalive_timeout_ms": 10000, "keepalive_permit_without_calls": true,
             "min_ping_interval_without_data_ms": 10000, "max_ping_strikes": 3, "max_connection_idle_ms": 300000,
             "max_connection_age_ms": 3600000, "max_connection_age_grace_ms": 30000},
  "tcp": {"so_keepalive": true, "tcp_keepidle_s": 60, "tcp_keepintvl_s": 10, "tcp_keepcnt": 3}
}
"""
# One side only: the snippets keep their shape (the other side's statements, with no setting).
CLIENT_ONLY = '{"format": "keepalive-scope-experiment", "version": 1, "client": {"keepalive_time_ms": 30000}}'
SERVER_ONLY = '{"format": "keepalive-scope-experiment", "version": 1, "server": {"max_connection_age_ms": 30000}}'
NEWER_GO = "grpc-go 1.56 or later"


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or not detail else "\n" + detail))
    (passes if cond else failures).append(what)


def skip(what, why):
    print(f"skip {what}: {why}")


def run(cmd, timeout=300, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def snippet(binary, experiment, lang):
    r = run([binary, "lint", experiment, "--code", lang], timeout=60)
    check(r.returncode == 0 and r.stdout.strip(), f"lint --code {lang} prints a snippet", r.stderr)
    return r.stdout


def check_cpp(code, work):
    src = os.path.join(work, "snippet.cc")
    with open(src, "w") as f:
        f.write("#include <grpcpp/grpcpp.h>\n#include <string>\n\n"
                "void snippet(const std::string& target)\n{\n" + code + "\n(void)channel;\n}\n")
    flags = run(["pkg-config", "--cflags", "grpc++"]).stdout.split()
    r = run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Werror", *flags, src])
    check(r.returncode == 0, "the grpc++ snippet compiles against libgrpc++-dev", r.stderr[-3000:])


def check_go(code, work):
    if not shutil.which("go") or not os.path.isdir("/usr/share/gocode/src/google.golang.org/grpc"):
        skip("grpc-go", "go or golang-google-grpc-dev is not installed")
        return
    api = open("/usr/share/gocode/src/google.golang.org/grpc/dialoptions.go").read()
    if "func WithIdleTimeout(" not in api:
        lines = [l for l in code.splitlines() if "WithIdleTimeout" in l]
        if lines:
            check(all(NEWER_GO in l for l in lines),
                  f"grpc.WithIdleTimeout is marked '{NEWER_GO}' (Debian's grpc-go lacks it)", code)
        code = "\n".join(l for l in code.splitlines() if "WithIdleTimeout" not in l)
    pkg = os.path.join(work, "gopath", "src", "snippet")
    os.makedirs(pkg)
    with open(os.path.join(pkg, "main.go"), "w") as f:
        f.write('package main\n\nimport (\n\t"time"\n\n\t"google.golang.org/grpc"\n'
                '\t"google.golang.org/grpc/keepalive"\n)\n\n'
                'func main() {\n\ttarget := "127.0.0.1:1"\n\tvar _ = time.Second\n\tvar _ keepalive.ClientParameters\n'
                + code + '\n\t_, _, _ = conn, err, srv\n}\n')
    env = dict(os.environ, GO111MODULE="off", GOPATH=os.path.join(work, "gopath") + ":/usr/share/gocode",
               GOCACHE=os.path.join(tempfile.gettempdir(), "ks-snippet-gocache"), GOFLAGS="")
    r = run(["go", "vet", "snippet"], env=env, cwd=pkg, timeout=600)
    check(r.returncode == 0, "the grpc-go snippet compiles (go vet) against golang-google-grpc-dev", r.stderr[-3000:])


def check_java(code, work):
    jars = ["grpc-api", "grpc-core", "grpc-netty", "netty-transport", "netty-transport-native-epoll",
            "netty-transport-native-unix-common", "netty-common", "netty-codec-http2", "guava"]
    paths = [f"/usr/share/java/{j}.jar" for j in jars]
    if not shutil.which("javac") or not all(os.path.exists(p) for p in paths):
        skip("grpc-java", "javac (default-jdk-headless) or libgrpc-java / libnetty-java is not installed")
        return
    with open(os.path.join(work, "Snippet.java"), "w") as f:
        f.write("import io.grpc.ManagedChannel;\nimport io.grpc.Server;\nimport io.grpc.BindableService;\n"
                "import io.grpc.netty.NettyChannelBuilder;\nimport io.grpc.netty.NettyServerBuilder;\n"
                "import io.netty.channel.ChannelOption;\nimport io.netty.channel.epoll.EpollChannelOption;\nimport java.util.concurrent.TimeUnit;\n\n"
                "class Snippet {\n  static void snippet(String target, int port, BindableService service) {\n"
                + code + "\n  }\n}\n")
    r = run(["javac", "-d", work, "-cp", ":".join(paths), os.path.join(work, "Snippet.java")])
    check(r.returncode == 0, "the grpc-java snippet compiles against libgrpc-java and libnetty-java", r.stderr[-3000:])


def check_python(code, work):
    src = os.path.join(work, "snippet.py")
    # The snippet makes the server and the channel; the test serves on a free loopback port and
    # waits (bounded) until the channel with the snippet's options is ready.
    with open(src, "w") as f:
        f.write("from concurrent import futures\nimport grpc\n\ntarget = 'unused'\n" + code + "\n"
                "port = server.add_insecure_port('127.0.0.1:0')\nserver.start()\n"
                "channel = grpc.insecure_channel(f'127.0.0.1:{port}', options=channel_options)\n"
                "grpc.channel_ready_future(channel).result(timeout=20)\n"
                "channel.close()\nserver.stop(None)\nprint('connected')\n")
    r = run(["/usr/bin/python3", src], timeout=60)
    check(r.returncode == 0 and "connected" in r.stdout,
          "the Python snippet runs with python3-grpcio and its channel connects to its server", r.stderr[-3000:])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    a = p.parse_args()
    for name, text in (("every setting", EXPERIMENT), ("client only", CLIENT_ONLY), ("server only", SERVER_ONLY)):
        print(f"-- {name}")
        with tempfile.TemporaryDirectory() as work:
            experiment = os.path.join(work, "settings.json")
            with open(experiment, "w") as f:
                f.write(text)
            check_cpp(snippet(a.binary, experiment, "grpc++"), work)
            check_go(snippet(a.binary, experiment, "grpc-go"), work)
            check_java(snippet(a.binary, experiment, "grpc-java"), work)
            check_python(snippet(a.binary, experiment, "python"), work)
    with tempfile.TemporaryDirectory() as work:
        experiment = os.path.join(work, "all.json")
        with open(experiment, "w") as f:
            f.write(EXPERIMENT)
        r = run([a.binary, "lint", experiment, "--code", "rust"], timeout=60)
        check(r.returncode == 2 and "expected grpc++, grpc-go, grpc-java or python" in r.stderr,
              "an unknown --code language is refused with the names it takes")
        r = run([a.binary, "lint", experiment, "--code", "go", "--json"], timeout=60)
        check(r.returncode == 2 and "--code prints code only" in r.stderr, "--code with --json is refused")
    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
