#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over a corpus seeded with files of the repository.
#   run_fuzz.sh BINARY SECONDS SEED...   (a SEED is a file, such as a key log's .keys, or a folder
#   whose captures and JSON files are copied)
# Exit 77 (a ctest skip) when the fuzz build is missing; non-zero on any crash, leak or timeout.
set -euo pipefail
bin=$1 seconds=$2
shift 2
if [ ! -x "$bin" ]; then
  echo "SKIP: $bin not built (tools/test builds it with the fuzz preset; needs clang and libclang-rt-14-dev)"
  exit 77
fi
corpus=$(mktemp -d)
artifacts=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
for seed in "$@"; do
  if [ -d "$seed" ]; then
    find "$seed" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.json' \) -exec cp {} "$corpus"/ \;
  else
    cp "$seed" "$corpus"/
  fi
done
echo "fuzzing $(basename "$bin") for ${seconds}s over $(ls "$corpus" | wc -l) seeds; crash artifacts go to $artifacts"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -error_exitcode=1 -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus"  # 77 would read as a skip
