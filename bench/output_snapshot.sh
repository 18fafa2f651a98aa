#!/usr/bin/env bash
# bench/output_snapshot.sh BINARY OUTDIR
#
# Writes `analyze --json`, `analyze` (text) and `analyze --all` of every reference capture in
# tests/data to OUTDIR, one file each. Run it with the binary before and after a change to the
# engine and `diff -r` the two directories: a speed or memory change must not change a byte.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 BINARY OUTDIR" >&2; exit 2; }
bin=$(realpath "$1") out=$2
data=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/data" && pwd)
mkdir -p "$out"
# Short idle timeouts, so the load-balancer rules (and their reconnect search) have work to do.
profiles="$out/profiles.json"
cat >"$profiles" <<'JSON'
{"profiles": [{"name": "rst-1s", "title": "test proxy, RST after 1 s idle", "idle_timeout_s": 1, "on_expiry": "rst"},
              {"name": "silent-3s", "title": "test NAT, silent after 3 s idle", "idle_timeout_s": 3, "on_expiry": "silent_drop"}]}
JSON
for cap in "$data"/*.pcap "$data"/*.pcapng; do
    name=$(basename "$cap")
    # Relative path, so the document's "source" is the same whichever worktree runs this.
    (cd "$data" && "$bin" analyze "$name" --json --lb haproxy-client,aws-nlb --lb-file "$profiles" --lb rst-1s,silent-3s >"$out/$name.json") || echo "exit $? on $name" >>"$out/$name.json"
    (cd "$data" && "$bin" analyze "$name" >"$out/$name.txt") || echo "exit $? on $name" >>"$out/$name.txt"
    (cd "$data" && "$bin" analyze "$name" --all --lb nginx-keepalive >"$out/$name.all.txt") || echo "exit $? on $name" >>"$out/$name.all.txt"
done
echo "wrote $(ls "$out" | wc -l) files to $out"
