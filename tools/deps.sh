# Sourced by tools/run and tools/test: installs the Debian 12 packages the project needs,
# running apt-get only when something is missing (so a second run does nothing).
# shellcheck shell=bash

KS_PACKAGES=(
  cmake ninja-build g++ pkg-config python3
  libpcap-dev libnghttp2-dev libssl-dev nlohmann-json3-dev libgtest-dev
  tshark tcpdump
  clang libclang-rt-14-dev clang-format  # clang-format: tools/format and tests/style
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  python3-grpcio openssl libcap2-bin procps
  librsvg2-bin dpkg-dev file lintian desktop-file-utils appstream
  # tests/cli/snippets_compile_test.py: the settings-as-code snippets built by each stack
  golang-go golang-google-grpc-dev default-jdk-headless libgrpc-java libnetty-java
  libperfmark-java  # grpc-java's runtime needs it: the java_* captures (tests/data/gen/java_scenarios.sh)
  xvfb  # xvfb-run: to look at the real window (and take screenshots) on a headless machine
)

ks_install_deps() {
  local missing=()
  local pkg
  for pkg in "${KS_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
