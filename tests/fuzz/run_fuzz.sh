#!/usr/bin/env bash
# Runs the libFuzzer target for a bounded time over a corpus seeded with the reference captures.
# Exit 77 (a ctest skip) when the fuzz build is missing; non-zero on any crash, leak or timeout.
set -euo pipefail
bin=$1 data=$2 seconds=${3:-60} seeds=${4:-captures}  # seeds: captures (*.pcap, *.pcapng) or keys (*.keys)
if [ ! -x "$bin" ]; then
  echo "SKIP: $bin not built (tools/test builds it with the fuzz preset; needs clang and libclang-rt-14-dev)"
  exit 77
fi
corpus=$(mktemp -d)
artifacts=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
if [ "$seeds" = keys ]; then
  cp "$data"/*.keys "$corpus"/
else
  cp "$data"/*.pcap "$data"/*.pcapng "$corpus"/
fi
echo "fuzzing for ${seconds}s; crash artifacts go to $artifacts"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus"
