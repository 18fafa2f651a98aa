#!/usr/bin/env bash
# make_large_capture.sh OUT.pcap [SECONDS] [-- extra kagen flags]
#
# Builds the grpc-go load generator (bench/gen), captures its loopback traffic
# with tcpdump while it runs, and prints the capture's size and packet count.
# Default 25 s of load: 16 connections, ~12k unary calls/s, HTTP/2 PINGs on
# every connection (grpc-go BDP pings plus server keepalive pings every 1 s of
# idleness), ending with GOAWAY + FIN on every connection.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 OUT.pcap [SECONDS] [-- extra kagen flags]" >&2
    exit 2
fi
out=$1; shift
secs=25
if [[ $# -gt 0 && $1 != -- ]]; then secs=$1; shift; fi
[[ ${1:-} == -- ]] && shift
extra=("$@")

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${KAGEN_PORT:-50300}
work=$(mktemp -d "${TMPDIR:-/tmp}/kagen.XXXXXX")
tcpdump_pid=
cleanup() {
    if [[ -n $tcpdump_pid ]] && kill -0 "$tcpdump_pid" 2>/dev/null; then
        kill -INT "$tcpdump_pid" 2>/dev/null || true
        wait "$tcpdump_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

for tool in go tcpdump capinfos; do
    command -v "$tool" >/dev/null || { echo "make_large_capture: '$tool' not found" >&2; exit 1; }
done
if [[ ! -d /usr/share/gocode/src/google.golang.org/grpc ]]; then
    echo "make_large_capture: grpc-go not found (apt-get install golang-google-grpc-dev)" >&2
    exit 1
fi
if [[ $(id -u) -ne 0 ]] && ! tcpdump -D >/dev/null 2>&1; then
    echo "make_large_capture: tcpdump needs root or CAP_NET_RAW" >&2
    exit 1
fi

echo "== building load generator (grpc-go from /usr/share/gocode)"
( cd "$here/gen" &&
  GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" \
  GOFLAGS='' go build -o "$work/kagen" . )

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "make_large_capture: port $port is already in use (set KAGEN_PORT)" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
rm -f "$out"
tmp_out="$out.partial"
rm -f "$tmp_out"
echo "== capturing tcp port $port on lo for ${secs}s of load -> $out"
# -B: 256 MiB kernel ring so the capture keeps up; -s 0: whole packets.
tcpdump -i lo -nn -s 0 -B 262144 -w "$tmp_out" "tcp port $port" 2>"$work/tcpdump.err" &
tcpdump_pid=$!
# wait until tcpdump is listening
for _ in $(seq 50); do
    grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on" "$work/tcpdump.err" || { cat "$work/tcpdump.err" >&2; echo "make_large_capture: tcpdump did not start" >&2; exit 1; }

"$work/kagen" -addr "127.0.0.1:$port" -duration "${secs}s" "${extra[@]}"

# tcpdump reads the kernel ring (TPACKET_V3) a block at a time; a block is handed over when
# full or after tcpdump's 1 s timeout. Wait for the last block before stopping, or the tail
# (GOAWAY, FIN) is lost.
sleep 2.5
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
tcpdump_pid=
mv "$tmp_out" "$out"

grep -E "packets (captured|received|dropped)" "$work/tcpdump.err" | sed 's/^/tcpdump: /'
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump.err")
bytes=$(stat -c %s "$out")
packets=$(capinfos -T -r -c "$out" | awk -F'\t' '{print $2}')
printf 'capture: %s  %d bytes (%.1f MB)  %s packets  dropped by kernel: %s\n' \
    "$out" "$bytes" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')" "$packets" "${dropped:-?}"
if [[ ${dropped:-0} != 0 ]]; then
    echo "make_large_capture: WARNING: tcpdump dropped $dropped packets; the capture has gaps" >&2
fi
