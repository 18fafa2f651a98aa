#!/usr/bin/env bash
# Regenerate the TLS, proxy and upgrade reference captures in tests/data/ from real peers:
# grpc-go 1.33 (golang-google-grpc-dev) with tls.Config.KeyLogWriter, gRPC C-core 1.51
# (python3-grpcio) as a TLS client and server, Debian's tinyproxy as the CONNECT proxy, nghttp2's
# nghttp and nghttpd for the h2c upgrade, a raised HPACK table and PING answers, OpenSSL's
# s_client. Each TLS capture is stored with its key log (NAME.keys). Loopback only, fixed ports
# 50200-50299 (HOLDOUT_PORT moves the later workloads; the stored ones used 47400-47407) and,
# for the PING inference's held-out rounds, 47700-47712 (NEW_PORT); every process bounded by `timeout`.
#
#   tests/data/make_tls_captures.sh            # all scenarios (~3 minutes)
#   tests/data/make_tls_captures.sh NAME...    # only these
#   OUT=/tmp/x tests/data/make_tls_captures.sh # write elsewhere
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3
KSPY="$HERE/gen/kspy.py"

need=()
for p in golang-go golang-google-grpc-dev python3-grpcio tcpdump tshark wireshark-common tinyproxy \
         nghttp2-client nghttp2-server; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if ((${#need[@]})); then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[[ $(id -u) == 0 ]] || { echo "make_tls_captures.sh: needs root to capture on lo" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ks-tls-captures.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    PIDS=()
}
trap 'cleanup; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

echo "building gen/ksgo.go"
(cd "$HERE/gen" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="${GOCACHE:-/tmp/ks-gocache}" GOFLAGS= \
    timeout 300 go build -o "$WORK/ksgo" ksgo.go kstls.go)
KSGO="$WORK/ksgo"

bg() { local t=$1; shift; timeout -s INT -k 2 "$t" "$@" >>"$WORK/log" 2>&1 & PIDS+=($!); }
fg() { local t=$1; shift; timeout -s INT -k 2 "$t" "$@" >>"$WORK/log" 2>&1 || echo "  (exit $? from $1)"; }
wait_listen() {
    local i
    for i in $(seq 1 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2; return 1
}
CAP_PID=""; CAP_TMP=""; CAP_DST=""
cap_start() {     # cap_start FILE FILTER [tcpdump options, e.g. -s 128]
    CAP_DST="$OUT/$1"; CAP_TMP="$WORK/$1"
    local filter=$2; shift 2
    : >"$WORK/cap.err"
    # CAP_NS: capture the loopback of that network namespace instead
    ${CAP_NS:+ip netns exec "$CAP_NS"} timeout -s INT 120 tcpdump --immediate-mode -U -n -i lo -w "$CAP_TMP" "$@" \
        "$filter" 2>"$WORK/cap.err" &
    CAP_PID=$!; PIDS+=("$CAP_PID")
    local i
    for i in $(seq 1 100); do
        grep -q "listening on" "$WORK/cap.err" && { sleep 0.2; return 0; }
        sleep 0.1
    done
    cat "$WORK/cap.err" >&2; echo "capture did not start" >&2; return 1
}
cap_stop() {      # cap_stop [KEYLOG]: the key log is stored beside the capture as NAME.keys
    sleep 1
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    cleanup
    wait 2>/dev/null || true
    chmod 0644 "$CAP_TMP"
    mv -f "$CAP_TMP" "$CAP_DST"
    if (($#)); then
        install -m 0644 "$1" "${CAP_DST%.*}.keys"
    fi
    printf '  -> %s (%s bytes)\n' "${CAP_DST#"$OUT"/}" "$(stat -c %s "$CAP_DST")"
    # A busy machine can make the capture drop packets; such a capture shows the drop, not its
    # scenario, so the scenario is run again (see the loop at the end).
    LOST=$(tshark -r "$CAP_DST" -Y 'tcp.analysis.lost_segment or tcp.analysis.ack_lost_segment' 2>/dev/null | wc -l)
}
LOST=0
port_filter() { local f="" p; for p in "$@"; do f+="${f:+ or }tcp port $p"; done; echo "$f"; }

# Go's TLS server pinging every 1 s (ServerParameters.Time) and a Go TLS client idling: the
# keepalive PINGs the inference must find, and the BDP PINGs of the two RPCs.
go_tls_ping() {   # go_tls_ping NAME PORT VERSION [TLS1.2 SUITE] [env...]
    local name=$1 P=$2 version=$3 suite=${4:-}; shift 4 || shift $#
    local keys="$WORK/$name.keys"
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 25 env "$@" "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time 1s -ka-timeout 2s -life 14s \
        -tls "$version" -tls12-suite "$suite" -keylog "$keys"
    wait_listen "$P"
    fg 25 env "$@" "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 2 -interval 300ms -idle 10500ms \
        -tls "$version" -tls12-suite "$suite"
    cap_stop "$keys"
}

s_tls13_go_ping()       { go_tls_ping tls13_go_ping 50200 1.3 ""; }
# Go picks ChaCha20-Poly1305 for TLS 1.3 when it believes the CPU has no AES instructions.
s_tls13_go_chacha()     { go_tls_ping tls13_go_chacha 50201 1.3 "" GODEBUG=cpu.aes=off; }
s_tls12_go_aes128gcm()  { go_tls_ping tls12_go_aes128gcm 50202 1.2 aes128gcm; }
s_tls12_go_aes256gcm()  { go_tls_ping tls12_go_aes256gcm 50203 1.2 aes256gcm; }
s_tls12_go_chacha()     { go_tls_ping tls12_go_chacha 50204 1.2 chacha20; }

# TLS 1.3 with TLS_AES_256_GCM_SHA384 (SHA-384 key schedule): Go's client never offers it first,
# so OpenSSL's s_client offers only it (-ciphersuites) with ALPN h2; the grpc-go server answers
# with its HTTP/2 SETTINGS, encrypted, before the client hangs up.
s_tls13_openssl_aes256() {
    local P=50206 keys="$WORK/aes256.keys"
    cap_start tls13_openssl_aes256.pcap "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -life 6s -tls 1.3 -keylog "$keys"
    wait_listen $P
    sleep 2 | fg 10 openssl s_client -connect 127.0.0.1:$P -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 \
        -alpn h2 -servername ks.example.test
    cap_stop "$keys"
}

# TLS 1.3 KeyUpdate with a real peer: OpenSSL 3.0's s_client carries a raw HTTP/2 client
# (gen/h2_pings.py: preface, SETTINGS, PINGs) to the grpc-go server and, between PINGs, sends
# KeyUpdate with its interactive commands (K: update_requested, so Go updates its keys too; k:
# the client only). Key log from s_client (-keylogfile).
s_tls13_keyupdate() {
    local P=$((HP + 7)) keys="$WORK/keyupdate.keys"
    cap_start tls13_keyupdate.pcap "$(port_filter "$P")"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:"$P" -life 8s -tls 1.3
    wait_listen "$P"
    $PY "$HERE/gen/h2_pings.py" | fg 10 openssl s_client -connect 127.0.0.1:"$P" -tls1_3 -alpn h2 \
        -servername ks.example.test -keylogfile "$keys"
    cap_stop "$keys"
}

# The issue's example: a C-core TLS client pinging every second against grpc-go's default ping
# policy: GOAWAY ENHANCE_YOUR_CALM "too_many_pings" inside TLS 1.3 (keys from the Go server).
s_tls13_too_many_pings() {
    local P=50205 keys="$WORK/tmp.keys"
    cap_start tls13_too_many_pings.pcap "$(port_filter $P)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$P -life 12s -tls 1.3 -keylog "$keys" -cert-out "$WORK/cert.pem"
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 5 --tls-ca "$WORK/cert.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}

# gRPC through a real CONNECT proxy: C-core honours https_proxy; tinyproxy (its own config, on
# a port of ours, ConnectPort opened for the server's port) tunnels TLS 1.3 to grpc-go.
s_tls_connect_proxy() {
    local P=50210 S=50211 keys="$WORK/proxy.keys"
    cat >"$WORK/tinyproxy.conf" <<CONF
Port $P
Listen 127.0.0.1
Timeout 60
MaxClients 10
Allow 127.0.0.1
ConnectPort $S
LogLevel Info
LogFile "$WORK/tinyproxy.log"
PidFile "$WORK/tinyproxy.pid"
CONF
    cap_start tls_connect_proxy.pcap "$(port_filter $P $S)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$S -ka-time 1s -ka-timeout 2s -life 12s -tls 1.3 \
        -keylog "$keys" -cert-out "$WORK/cert.pem"
    wait_listen $S
    bg 20 tinyproxy -d -c "$WORK/tinyproxy.conf"
    wait_listen $P
    fg 20 env https_proxy=http://127.0.0.1:$P grpc_proxy=http://127.0.0.1:$P no_proxy= \
        $PY "$KSPY" client --addr 127.0.0.1:$S --rpcs 1 --idle 3.5 --tls-ca "$WORK/cert.pem" \
        --method /grpc.health.v1.Health/Check
    cap_stop "$keys"
}

# curl (SSLKEYLOGFILE) through tinyproxy's CONNECT to grpc-go over TLS 1.3, holding a Health/Watch
# call it wrote by hand until its own --max-time: the client leaves a call open with a bare FIN
# (no RST_STREAM, no GOAWAY), which is no graceful end.
s_tls13_curl_proxy_watch() {
    local P=48561 S=48560 keys="$WORK/curl_proxy.keys"  # the ports of the committed capture
    cat >"$WORK/tinyproxy.conf" <<CONF
Port $P
Listen 127.0.0.1
Timeout 30
MaxClients 10
Allow 127.0.0.1
ConnectPort $S
LogFile "$WORK/tinyproxy.log"
PidFile "$WORK/tinyproxy.pid"
CONF
    printf '\x00\x00\x00\x00\x00' >"$WORK/empty.grpc"
    rm -f "$keys"
    cap_start tls13_curl_proxy_watch.pcap "$(port_filter $P $S)"
    bg 25 "$KSGO" -mode server -addr 127.0.0.1:$S -ka-time 2s -ka-timeout 5s -life 16s -tls 1.3
    wait_listen $S
    bg 25 tinyproxy -d -c "$WORK/tinyproxy.conf"
    wait_listen $P
    fg 15 env SSLKEYLOGFILE="$keys" curl -sS -k --http2 --keepalive-time 1 -x http://127.0.0.1:$P \
        -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$WORK/empty.grpc" --max-time 9 -o /dev/null \
        https://127.0.0.1:$S/grpc.health.v1.Health/Watch
    cap_stop "$keys"
}

# The too_many_pings scenario over TLS 1.3 captured with tcpdump -s 128: the ClientHello and
# ServerHello are cut, so no TLS round trip is known; the PINGs (34-byte records) are whole.
s_tls13_snaplen_pings() {
    local P=48521 keys="$WORK/snaplen.keys"  # the port of the committed capture
    cap_start tls13_snaplen_pings.pcap "$(port_filter $P)" -s 128
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$P -life 12s -tls 1.3 -keylog "$keys" -cert-out "$WORK/cert.pem"
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 5 --tls-ca "$WORK/cert.pem" \
        -o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0 \
        --method /grpc.health.v1.Health/Check
    cap_stop "$keys"
}

# More workloads for the PING inference (tests/capture/tls_inference_test.cpp): C-core's client
# with its own keepalive PINGs, several RPCs and BDP PINGs against a permissive Go server (TLS 1.3
# and 1.2), and a Go client holding a Health/Watch stream under the server's PINGs. Made after
# the first size rules; the rule for C-core's PING ACK + WINDOW_UPDATE answer came from them.
# HOLDOUT_PORT moves their ports (default 50230-50234).
HP=${HOLDOUT_PORT:-50230}
core_rpcs() {     # core_rpcs NAME PORT VERSION [RPCS INTERVAL TLS1.2-SUITE]
    local name=$1 P=$2 version=$3 rpcs=${4:-6} interval=${5:-0.4} suite=${6:-} keys="$WORK/$1.keys"
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time 1500ms -ka-timeout 2s -life 12s -tls "$version" \
        -tls12-suite "$suite" -policy-min-time 500ms -permit-without-stream -keylog "$keys" -cert-out "$WORK/$name.pem"
    wait_listen "$P"
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:"$P" --rpcs "$rpcs" --interval "$interval" --idle 5 --tls-ca "$WORK/$name.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}
s_tls13_core_rpcs() { core_rpcs tls13_core_rpcs "$HP" 1.3; }
s_tls12_core_rpcs() { core_rpcs tls12_core_rpcs $((HP + 1)) 1.2; }
s_tls13_go_watch() {
    local P=$((HP + 2)) keys="$WORK/watch.keys"
    cap_start tls13_go_watch.pcap "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time 1s -ka-timeout 2s -life 12s -tls 1.3 -keylog "$keys"
    wait_listen "$P"
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 4 -interval 150ms -watch 6s -idle 1s -tls 1.3
    cap_stop "$keys"
}

# Held out: made after the size rules were final and never tuned on. A gRPC C-core server
# (python3-grpcio, its own keepalive PINGs every second) with a Go client writing the key log.
core_server() {   # core_server NAME PORT VERSION
    local name=$1 P=$2 version=$3 keys="$WORK/$1.keys"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test -keyout "$WORK/$name.key" -out "$WORK/$name.crt" 2>/dev/null
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:"$P" --life 12 --tls-cert "$WORK/$name.crt" --tls-key "$WORK/$name.key" \
        -o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    wait_listen "$P"
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 5 -interval 250ms -idle 5s -tls "$version" -keylog "$keys"
    cap_stop "$keys"
}
s_tls13_core_server() { core_server tls13_core_server $((HP + 3)) 1.3; }
s_tls12_core_server() { core_server tls12_core_server $((HP + 4)) 1.2; }

# The lab's own TLS traffic: grpc++ (C-core) channel and embedded server, both sides, with the
# lab's key log (grpc++ 1.51 ends its lines with a lone CR: stored with LF so tshark reads it).
# Needs keepalive-scope-gui built (KS_GUI). The server port is ephemeral (see captures.json).
KS_GUI=${KS_GUI:-$HERE/../../build/release/app/keepalive-scope-gui}
lab_tls() {       # lab_tls NAME RPC-JSON
    local name=$1 rpc=$2
    [[ -x $KS_GUI ]] || { echo "  skipped: $KS_GUI not built" >&2; return 0; }
    cat >"$WORK/$name.json" <<JSON
{"format": "keepalive-scope-experiment", "version": 1,
 "client": {"keepalive_time_ms": 1000, "keepalive_permit_without_calls": true},
 "server": {"keepalive_permit_without_calls": true, "min_ping_interval_without_data_ms": 500},
 "rpc": $rpc}
JSON
    fg 40 "$KS_GUI" lab --config "$WORK/$name.json" --duration 8s --tls --keylog "$WORK/$name.keys" \
        --pcap "$WORK/$name.pcap"
    tr '\r' '\n' <"$WORK/$name.keys" | sed '/^$/d' >"$OUT/$name.keys"
    install -m 0644 "$WORK/$name.pcap" "$OUT/$name.pcap"
    chmod 0644 "$OUT/$name.keys"
    printf '  -> %s\n' "$name.pcap"
}
s_lab_tls13_unary()  { lab_tls lab_tls13_unary '{"pattern": "unary", "interval_s": 0.3}'; }
s_lab_tls13_stream() { lab_tls lab_tls13_stream '{"pattern": "stream", "stream_message_interval_s": 0.4}'; }

# Held out (tests/capture/tls_inference_test.cpp): made after the size rules were final and
# never tuned on. New workloads: the lab's grpc++ bidi stream; a Go watch stream over TLS 1.2
# (AES-256-GCM); a C-core client's rapid RPCs over TLS 1.2 AES-256-GCM (gRPC C-core offers no ChaCha20
# in TLS 1.2) (ports HP+5, HP+6).
s_lab_tls13_bidi()   { lab_tls lab_tls13_bidi '{"pattern": "bidi", "stream_message_interval_s": 0.3}'; }
s_tls12_go_watch() {
    local P=$((HP + 5)) keys="$WORK/watch12.keys"
    cap_start tls12_go_watch.pcap "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time 1s -ka-timeout 2s -life 12s -tls 1.2 \
        -tls12-suite aes256gcm -keylog "$keys"
    wait_listen "$P"
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 3 -interval 250ms -watch 5s -idle 2s -tls 1.2 \
        -tls12-suite aes256gcm
    cap_stop "$keys"
}
s_tls12_core_rapid() { core_rpcs tls12_core_rapid $((HP + 6)) 1.2 15 0.15 aes256gcm; }

# Held-out rounds 2-5 for the PING inference: scenarios in gen/tls_holdout_scenarios.sh.
# shellcheck source=gen/tls_holdout_scenarios.sh
source "$HERE/gen/tls_holdout_scenarios.sh"
# The field tester's captures (false facts in TLS analysis): gen/tls_field_scenarios.sh.
# shellcheck source=gen/tls_field_scenarios.sh
source "$HERE/gen/tls_field_scenarios.sh"

# HTTP/1.1 Upgrade: h2c (nghttp -u; nghttpd does not take upgrades) to Go's h2c server, both
# advertising a 64 KB HPACK table and encoding with it: each encoder sends a dynamic table size
# update above 4096, as the peer's SETTINGS_HEADER_TABLE_SIZE allows.
s_h2c_upgrade_hpack() {
    local P=50220
    cap_start h2c_upgrade_hpack.pcap "$(port_filter $P)"
    bg 15 "$KSGO" -mode h2c-server -addr 127.0.0.1:$P -life 6s -hpack-table 65536
    wait_listen $P
    fg 10 nghttp -u -n -c 65536 --encoder-header-table-size=65536 -H "x-ks-big: $(printf 'a%.0s' $(seq 1 5000))" \
        http://127.0.0.1:$P/a http://127.0.0.1:$P/b http://127.0.0.1:$P/c
    cap_stop
}

# The TLS 1.3 capture again as pcapng with its key log inside (a Decryption Secrets Block).
s_tls13_dsb() {
    [[ -f "$OUT/tls13_go_ping.pcap" ]] || s_tls13_go_ping
    editcap --inject-secrets "tls,$OUT/tls13_go_ping.keys" "$OUT/tls13_go_ping.pcap" "$OUT/tls13_dsb.pcapng"
    chmod 0644 "$OUT/tls13_dsb.pcapng"
    echo "  -> tls13_dsb.pcapng"
}

s_tls13_client_rejects_cert() { # a C-core client trusting another CA than the one that signed the grpc-go server's
                                # certificate: it gives up in the TLS 1.3 handshake, three connections in a row,
                                # never sending an HTTP/2 frame (once told as "closed ... after the last frame")
    local P=48562 keys="$WORK/rejects.keys"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other.example.test \
        -keyout "$WORK/other.key" -out "$WORK/other.crt" 2>/dev/null
    cap_start tls13_client_rejects_cert.pcap "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -life 8s -tls 1.3 -keylog "$keys"
    wait_listen "$P"
    fg 10 $PY "$KSPY" client --addr 127.0.0.1:"$P" --tls-ca "$WORK/other.crt" --rpcs 1 --idle 1
    cap_stop "$keys"
}

ALL=(tls13_go_ping tls13_go_chacha tls13_openssl_aes256 tls12_go_aes128gcm tls12_go_aes256gcm tls12_go_chacha
     tls13_too_many_pings tls_connect_proxy h2c_upgrade_hpack tls13_dsb
     tls13_core_rpcs tls12_core_rpcs tls13_go_watch tls13_core_server tls12_core_server
     lab_tls13_unary lab_tls13_stream lab_tls13_bidi tls12_go_watch tls12_core_rapid
     tls13_keyupdate tls13_core_watch_chacha tls12_core_watch_aes128 tls12_core_server_chacha tls13_nghttpd_pings
     tls13_core_max_age tls12_go_max_idle tls12_core_too_many_pings tls12_nghttpd_pings
     tls13_go_watch_rpcs tls12_core_quick_calls tls13_core_server_chacha tls12_core_proxy
     tls13_curl_nghttpd tls12_curl_nghttpd tls13_curl_proxy_watch tls13_snaplen_pings
     tls13_core_server_bidi tls13_core_client_conc tls12_openssl_http11 tls13_openssl_noalpn tls13_nghttpd_resume
     tls13_go_bidi_tiny tls13_client_rejects_cert tls13_h2load_post tls13_go_max_age_ping tls13_core_go_crossing
     tls13_go_loss tls13_openssl_h2alpn_lines tls13_core_server_lone_bdp)
(($#)) && ALL=("$@")
start=$SECONDS
for s in "${ALL[@]}"; do
    declare -F "s_$s" >/dev/null || { echo "unknown scenario: $s (known: ${ALL[*]})" >&2; exit 2; }
    for try in 1 2 3; do
        echo "== $s${try/#1/}"
        "s_$s"
        ((LOST == 0)) && break
        echo "  the capture lost packets ($LOST); again"
    done
done
echo "done in $((SECONDS - start)) s; helper output in the log was:"
tail -n 40 "$WORK/log" | sed 's/^/  | /'
