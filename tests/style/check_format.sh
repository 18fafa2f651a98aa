#!/usr/bin/env bash
# Fails when a C++ file of ours differs from what clang-format makes of it with the repo's
# .clang-format (hotspot's WebKit-based style). Fix with: tools/format
set -euo pipefail
root=${1:?usage: check_format.sh SOURCE_DIR}
cd "$root"
command -v clang-format >/dev/null || { echo "SKIP: clang-format is not installed (apt-get install clang-format)"; exit 77; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find app bench capture core tests ui -name '*.cpp' -o -name '*.h')
((${#files[@]} > 0)) || { echo "no C++ files found under $root" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'not formatted (%d of %d files; run tools/format):\n' "${#bad[@]}" "${#files[@]}"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "${#files[@]} files formatted"
