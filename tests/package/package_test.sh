#!/usr/bin/env bash
# Builds the Debian package with CPack from a configured build directory, unpacks it into a
# scratch root (dpkg-deb -x, no maintainer scripts) and checks what a user would get: the
# installed program runs and analyzes a reference capture, every file of the desktop
# integration is there and valid, the postinst grants the capture capability, lintian finds no
# error. desktop-file-validate, appstreamcli and lintian checks are skipped with a note when the
# tool is missing (tools/deps.sh installs them).
#
#   tests/package/package_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

build=${1:?usage: package_test.sh BUILD_DIR SOURCE_DIR}
source=${2:?usage: package_test.sh BUILD_DIR SOURCE_DIR}
scratch=$(mktemp -d /tmp/ks-package-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

# 1. Build the package into the scratch directory (the build tree stays clean).
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1; then
  cat "$scratch/cpack.log"
  fail "cpack -G DEB"
  exit 1
fi
debs=("$scratch"/out/keepalive-scope_*.deb)
deb=${debs[0]}
[ -f "$deb" ] || { fail "cpack made no keepalive-scope_*.deb"; exit 1; }
ok "cpack built $(basename "$deb")"
version=$(dpkg-deb -f "$deb" Version)

# 2. Control data: name, section, dependencies from dpkg-shlibdeps plus the postinst's tools.
check "package name is keepalive-scope" test "$(dpkg-deb -f "$deb" Package)" = keepalive-scope
check "section is net" test "$(dpkg-deb -f "$deb" Section)" = net
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libpcap0.8 'libgrpc++1.51' libnghttp2-14 libprotobuf libc6 libcap2-bin adduser; do
  check "Depends names $dep" grep -qF "$dep" <<<"$depends"
done
dpkg-deb -e "$deb" "$scratch/control"
check "postinst grants the capture capability to the helper" \
  grep -qF 'setcap cap_net_raw,cap_net_admin=eip "$HELPER"' "$scratch/control/postinst"
check "postinst names the installed helper" \
  grep -qF 'HELPER=/usr/libexec/keepalive-scope/keepalive-scope-capture' "$scratch/control/postinst"
check "postinst is valid sh" sh -n "$scratch/control/postinst"

# 3. Unpack into a scratch root; every file of the desktop integration is there.
root=$scratch/root
dpkg-deb -x "$deb" "$root"
files=(
  usr/bin/keepalive-scope
  usr/libexec/keepalive-scope/keepalive-scope-capture
  usr/libexec/keepalive-scope/keepalive-scope-gui
  usr/share/applications/keepalive-scope.desktop
  usr/share/metainfo/io.github.keepalivescope.KeepaliveScope.metainfo.xml
  usr/share/icons/hicolor/scalable/apps/keepalive-scope.svg
  usr/share/man/man1/keepalive-scope.1.gz
  usr/share/keepalive-scope/lb_profiles.json
  usr/share/doc/keepalive-scope/copyright
  usr/share/doc/keepalive-scope/changelog.gz
)
for size in 16 32 48 64 128 256; do
  files+=("usr/share/icons/hicolor/${size}x${size}/apps/keepalive-scope.png")
done
for f in "${files[@]}"; do
  check "package has /$f" test -s "$root/$f"
done
for size in 16 32 48 64 128 256; do
  png=$root/usr/share/icons/hicolor/${size}x${size}/apps/keepalive-scope.png
  check "${size}x${size} icon is a ${size} x ${size} PNG" grep -q "PNG image data, $size x $size," <(file -b "$png")
done
check "the catalogue is the one compiled in" cmp -s "$root/usr/share/keepalive-scope/lb_profiles.json" "$source/resources/lb_profiles.json"
# The scenario library: every file installed as it is compiled in, and listed by the installed program.
scenario_count=0
for f in "$source"/resources/scenarios/*.json; do
  name=$(basename "$f" .json)
  scenario_count=$((scenario_count + 1))
  check "package has scenario $name, as in the source" cmp -s "$root/usr/share/keepalive-scope/scenarios/$name.json" "$f"
done
check "at least 12 scenarios in the source" test "$scenario_count" -ge 12
scenario_list=$("$root/usr/bin/keepalive-scope" scenarios --json 2>&1)
check "installed keepalive-scope scenarios lists all $scenario_count" \
  test "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$scenario_list" 2>/dev/null)" = "$scenario_count"
check "installed keepalive-scope scenarios nlb-idle-timeout prints both experiments" \
  bash -c "'$root/usr/bin/keepalive-scope' scenarios nlb-idle-timeout | grep -q '^fixed experiment:'"
check "man page names version $version" grep -q "^\.TH KEEPALIVE-SCOPE 1 .*\"Keepalive Scope $version\"" <(zcat "$root/usr/share/man/man1/keepalive-scope.1.gz")
check "man page renders without warnings" test -z "$(zcat "$root/usr/share/man/man1/keepalive-scope.1.gz" | LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l - 2>&1 >/dev/null)"
check "changelog's newest entry is $version" grep -q "^keepalive-scope ($version) " <(zcat "$root/usr/share/doc/keepalive-scope/changelog.gz")
check "metainfo lists release $version" grep -qF "<release version=\"$version\"" "$root/usr/share/metainfo/io.github.keepalivescope.KeepaliveScope.metainfo.xml"
# The helper alone holds capabilities: it must link libpcap and the C/C++ runtime, nothing of ours.
needed=$(readelf -d "$root/usr/libexec/keepalive-scope/keepalive-scope-capture" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
check "helper links libpcap" grep -q 'libpcap' <<<"$needed"
check "helper links nothing but libpcap and the runtime ($needed)" \
  test -z "$(tr ' ' '\n' <<<"$needed" | grep -v -E '^(libpcap\.so.*|libc\.so.*|libstdc\+\+\.so.*|libgcc_s\.so.*|libm\.so.*|)$')"

# 4. The installed program runs (system libraries only) and does its job.
bin=$root/usr/bin/keepalive-scope
out=$("$bin" --version 2>&1)
check "--version prints keepalive-scope $version" grep -q "^keepalive-scope $version\$" <<<"$out"
check "--version names libpcap" grep -q "libpcap version" <<<"$out"
needed=$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
check "keepalive-scope itself loads no Qt and no grpc++ ($needed)" bash -c "! grep -qE 'Qt6|grpc' <<<'$needed'"
check "--version names Qt" grep -qE "^Qt 6\.[0-9.]+ .*" <<<"$out"
check "--version names grpc++" grep -qE "^grpc\+\+ 1\.[0-9.]+$" <<<"$out"
out=$("$bin" analyze "$source/tests/data/go_ping_healthy.pcap" 2>&1)
rc=$?
check "analyze go_ping_healthy.pcap exits 0" test "$rc" = 0
check "analyze counts 47 packets on one HTTP/2 connection" grep -q "47 packets, 1 TCP connections (1 HTTP/2)" <<<"$out"
check "analyze pairs 8 PINGs with 8 ACKs" grep -q "PING 8, PING ACK 8 (rtt" <<<"$out"
json_pings=$("$bin" analyze "$source/tests/data/go_ping_healthy.pcap" --json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(e["type"]=="ping" for e in d["events"]))')
check "analyze --json has 8 ping events" test "$json_pings" = 8
"$bin" analyze "$scratch/no-such.pcap" >/dev/null 2>&1
check "analyze of a missing file exits 2" test $? = 2
helper=$root/usr/libexec/keepalive-scope/keepalive-scope-capture
"$helper" >/dev/null 2>"$scratch/helper.err"
check "installed helper runs (usage, exit 2)" test $? = 2
check "installed helper prints its usage" grep -q "usage: keepalive-scope-capture" "$scratch/helper.err"

# Headless export from the installed binary: no display, no QT_QPA_PLATFORM.
png=$scratch/timeline.png
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$bin" export "$source/tests/data/go_ping_healthy.pcap" \
  --png "$png" --width 1000 --height 500 >"$scratch/export.log" 2>&1
rc=$?
check "export --png exits 0 without a display" test "$rc" = 0
check "export --png wrote a 1000 x 500 PNG" grep -q "PNG image data, 1000 x 500" <(file -b "$png" 2>/dev/null)
check "the PNG holds a drawing, not a blank page (> 8 kB)" test "$(stat -c %s "$png" 2>/dev/null || echo 0)" -gt 8192
[ "$rc" = 0 ] || cat "$scratch/export.log"

# 5. Validators.
if command -v desktop-file-validate >/dev/null; then
  check "desktop-file-validate accepts the .desktop entry" desktop-file-validate "$root/usr/share/applications/keepalive-scope.desktop"
else
  echo "skip: desktop-file-validate not installed (desktop-file-utils)"
fi
if command -v appstreamcli >/dev/null; then
  check "appstreamcli validate accepts the metainfo" \
    appstreamcli validate --no-net "$root/usr/share/metainfo/io.github.keepalivescope.KeepaliveScope.metainfo.xml"
else
  echo "skip: appstreamcli not installed (appstream)"
fi
if command -v lintian >/dev/null; then
  lintian --info "$deb" >"$scratch/lintian.log" 2>&1
  grep -v '^running with root privileges' "$scratch/lintian.log"
  errors=$(grep -c '^E: ' "$scratch/lintian.log")
  warnings=$(grep -c '^W: ' "$scratch/lintian.log")
  echo "lintian: $errors errors, $warnings warnings"
  check "lintian finds no errors" test "$errors" = 0
else
  echo "skip: lintian not installed"
fi

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all package checks passed"
