#!/usr/bin/env bash
# Regenerate the reference captures in tests/data/ from real gRPC implementations
# (grpc-go 1.33 from golang-google-grpc-dev, gRPC C-core 1.51 from python3-grpcio, grpc-java 1.41
# from libgrpc-java), the lab's
# load-balancer simulator (core/lab/lb_simulator, as gen/ks_lbsim) and the Linux kernel.
# Loopback only (127.0.0.1 / ::1) or network namespaces made here, fixed ports (each scenario
# names its own; captures.json lists them per capture), every process is
# bounded by `timeout` and killed on exit. Needs root (tcpdump/dumpcap on lo).
#
#   tests/data/make_captures.sh              # all scenarios (~2 minutes)
#   tests/data/make_captures.sh NAME...      # only these (e.g. go_ping_healthy ipv6_any)
#   OUT=/tmp/x tests/data/make_captures.sh   # write elsewhere
#
# What each capture shows, and its HTTP/2 ports, is in captures.json next to this script.
# Ports are fixed here so that captures.json stays valid after regeneration.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$HERE}
PY=/usr/bin/python3           # Debian python3 with python3-grpcio (not a pyenv python)
KSPY="$HERE/gen/kspy.py"

# ---- dependencies (skipped when present) -------------------------------------------------
need=()
for p in golang-go golang-google-grpc-dev python3-grpcio tcpdump tshark wireshark-common haproxy nginx-light tinyproxy nghttp2-proxy \
         default-jdk-headless libgrpc-java libnetty-java libperfmark-java; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if ((${#need[@]})); then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[[ $(id -u) == 0 ]] || { echo "make_captures.sh: needs root to capture on lo" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ks-captures.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    PIDS=()
}
NETNS_CLEAN=()   # network namespaces a scenario made, removed on exit
trap 'cleanup; for n in "${NETNS_CLEAN[@]}"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# ---- build the grpc-go helper --------------------------------------------------------------
# KSGO_BIN / LBSIM_BIN: use these already built helpers instead (quicker when iterating).
KSGO=${KSGO_BIN:-}
if [[ -z $KSGO ]]; then
    echo "building gen/ksgo.go"
    (cd "$HERE/gen" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="${GOCACHE:-/tmp/ks-gocache}" GOFLAGS= \
        timeout 300 go build -o "$WORK/ksgo" ksgo.go kstls.go)
    KSGO="$WORK/ksgo"
fi
LBSIM=${LBSIM_BIN:-}
if [[ -z $LBSIM ]]; then
    echo "building gen/ks_lbsim.cpp (the lab's load-balancer simulator)"
    ROOT=$(cd "$HERE/../.." && pwd)
    timeout 600 g++ -std=c++20 -O1 -I"$ROOT" -o "$WORK/ks_lbsim" "$HERE/gen/ks_lbsim.cpp" "$ROOT/core/lab/lb_simulator.cpp" "$ROOT/core/lab/lb_pair.cpp" \
        "$ROOT/core/lab/lb_commands.cpp" "$ROOT/core/lab/lb_frame_tracker.cpp" \
        "$ROOT/core/event_hub.cpp" "$ROOT/core/lb_profile.cpp" -pthread
    LBSIM="$WORK/ks_lbsim"
fi

# ---- helpers ---------------------------------------------------------------------------------
# bg SECONDS CMD...   run CMD in the background, killed after SECONDS at the latest
bg() { local t=$1; shift; timeout -s INT -k 2 "$t" "$@" >>"$WORK/log" 2>&1 & PIDS+=($!); }
# fg SECONDS CMD...   run CMD in the foreground, bounded
fg() { local t=$1; shift; timeout -s INT -k 2 "$t" "$@" >>"$WORK/log" 2>&1 || echo "  (exit $? from $1)"; }

wait_listen() {   # wait_listen PORT  (checks with ss; no packets, so nothing lands in the capture)
    local i
    for i in $(seq 1 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2; return 1
}

CAP_PID=""; CAP_TMP=""; CAP_DST=""
cap_run() {       # cap_run FILE CMD...: run the capture command CMD, bounded, its "-w @" writing FILE;
                  # returns once it says it listens
    CAP_DST="$OUT/$1"; CAP_TMP="$WORK/$1"; shift
    local args=() a
    for a in "$@"; do [[ $a == @ ]] && args+=("$CAP_TMP") || args+=("$a"); done
    : >"$WORK/cap.err"
    timeout -s INT 120 "${args[@]}" 2>"$WORK/cap.err" &
    CAP_PID=$!; PIDS+=("$CAP_PID")
    local i
    for i in $(seq 1 100); do
        grep -qE "listening on|Capturing on" "$WORK/cap.err" && { sleep 0.2; return 0; }
        sleep 0.1
    done
    cat "$WORK/cap.err" >&2; echo "capture did not start" >&2; return 1
}
cap_start() {     # cap_start FILE IFACE FILTER [tool-args...]; tool = tcpdump unless FILE ends .pcapng
    local file=$1 ifc=$2 filter=$3; shift 3
    if [[ $file == *.pcapng ]]; then
        cap_run "$file" dumpcap -q -i "$ifc" -f "$filter" -w @ "$@"
    else
        cap_run "$file" tcpdump --immediate-mode -U -n -i "$ifc" -w @ "$@" "$filter"
    fi
}
cap_stop() {
    sleep 1  # let the last packets (FIN, final ACKs) reach the capture

    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    cleanup
    wait 2>/dev/null || true
    chmod 0644 "$CAP_TMP"; chown --reference="$OUT" "$CAP_TMP" 2>/dev/null || true
    mv -f "$CAP_TMP" "$CAP_DST"
    printf '  -> %s (%s bytes, %s packets)\n' "${CAP_DST#"$OUT"/}" "$(stat -c %s "$CAP_DST")" \
        "$(capinfos -c -M "$CAP_DST" 2>/dev/null | awk -F: '/Number of packets/{gsub(/ /,"",$2);print $2}')"
}
port_filter() { local f="" p; for p in "$@"; do f+="${f:+ or }tcp port $p"; done; echo "$f"; }

netns_add() {     # netns_add NS...: new network namespaces with lo up, removed on exit (or by netns_del)
    local n
    for n in "$@"; do ip netns add "$n"; NETNS_CLEAN+=("$n"); ip -n "$n" link set lo up; done
}
netns_del() { local n; for n in "${NETNS_CLEAN[@]}"; do ip netns del "$n"; done; NETNS_CLEAN=(); }
veth() {          # veth NS1 IF1 NS2 IF2 NET: a veth pair, NET.1/24 on NS1's end and NET.2/24 on NS2's, both up
    ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
    ip -n "$1" addr add "$5.1/24" dev "$2"; ip -n "$3" addr add "$5.2/24" dev "$4"
    ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up
}

# C-core client options: ping every 1 s even without calls, no cap on pings without data.
CORE_KA=(-o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=2000
         -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0)
# C-core server options that accept those pings.
CORE_PERMIT=(-o grpc.keepalive_permit_without_calls=1 -o grpc.http2.min_ping_interval_without_data_ms=100
             -o grpc.http2.max_ping_strikes=0)

# ---- scenarios ---------------------------------------------------------------------------------
s_go_ping_healthy() {      # grpc-go server pings every 1 s (ServerParameters.Time has no floor)
    local P=50100
    cap_start go_ping_healthy.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 2s -life 10s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 2 -interval 300ms -idle 4500ms
    cap_stop
}

s_core_ping_healthy() {    # C-core client keepalive 1 s to a permissive C-core server
    local P=50110
    cap_start core_ping_healthy.pcap lo "$(port_filter $P)"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:$P --life 12 "${CORE_PERMIT[@]}"
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 2 --interval 0.3 --idle 4.5 "${CORE_KA[@]}"
    cap_stop
}

s_goaway_too_many_pings() {    # C-core client pinging every 1 s vs grpc-go default policy (5 min)
    local P=50120
    cap_start goaway_too_many_pings.pcap lo "$(port_filter $P)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$P -life 12s
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 5 "${CORE_KA[@]}" \
        --method /grpc.health.v1.Health/Check
    cap_stop
}

s_goaway_too_many_pings_core() {  # same client vs a C-core server with default ping policy
    local P=50121
    cap_start goaway_too_many_pings_core.pcap lo "$(port_filter $P)"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:$P --life 12
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 5 "${CORE_KA[@]}"
    cap_stop
}

s_goaway_max_idle() {      # grpc-go MaxConnectionIdle 1 s: GOAWAY NO_ERROR after 1 s without RPCs
    local P=50130
    cap_start goaway_max_idle.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -max-idle 1s -life 10s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 1800ms
    cap_stop
}

s_goaway_max_age() {       # grpc-go MaxConnectionAge 1 s + grace 1 s, with a long-lived Watch stream
    local P=50135
    cap_start goaway_max_age.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -max-age 1s -max-age-grace 1s -life 10s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -watch 4s
    cap_stop
}

s_keepalive_timeout_proxy() {  # C-core client -> black-holing proxy (50150) -> C-core server (50151)
    local P=50150 S=50151
    cap_start keepalive_timeout_proxy.pcap lo "$(port_filter $P $S)"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:$S --life 12 "${CORE_PERMIT[@]}"
    wait_listen $S
    bg 20 $PY "$KSPY" proxy --listen 127.0.0.1:$P --target 127.0.0.1:$S --forward-for 2.5 --life 9
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 6 \
        -o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=1000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop
}

s_tcp_keepalive_kernel() { # plain TCP, SO_KEEPALIVE with TCP_KEEPIDLE=1 TCP_KEEPINTVL=1
    local P=50160
    cap_start tcp_keepalive_kernel.pcap lo "$(port_filter $P)"
    fg 15 $PY "$KSPY" tcpka --port $P --idle 4.5
    cap_stop
}

s_go_default_tcp_keepalive() { # grpc-go client's default net.Dialer: TCP keep-alive after 15 s idle
    local P=50165
    cap_start go_default_tcp_keepalive.pcap lo "$(port_filter $P)"
    # The server's listener would also probe at 15 s (Go default); switch it off so the capture
    # shows only the client's probes (simultaneous probes make tshark call one ACK a dup ACK).
    bg 30 "$KSGO" -mode server -addr 127.0.0.1:$P -life 25s -listener-tcp-keepalive=-1s
    wait_listen $P
    fg 30 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 16500ms
    cap_stop
}

s_ipv6_any() {             # grpc-go over [::1], server pings every 1 s, captured on "any" (SLL2)
    local P=50170
    cap_start ipv6_any.pcap any "ip6 and ($(port_filter $P))"
    bg 15 "$KSGO" -mode server -addr "[::1]:$P" -ka-time 1s -ka-timeout 2s -life 10s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr "[::1]:$P" -rpcs 2 -interval 300ms -idle 3500ms
    cap_stop
}

s_ping_healthy_pcapng() {  # pcapng written by dumpcap: C-core client keepalive to permissive C-core
    local P=50175
    cap_start ping_healthy.pcapng lo "$(port_filter $P)"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:$P --life 12 "${CORE_PERMIT[@]}"
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 2 --interval 0.3 --idle 3.5 "${CORE_KA[@]}"
    cap_stop
}

s_ping_nano() {            # nanosecond-resolution pcap (magic a1b23c4d), grpc-go server pings
    local P=50180
    cap_start ping_nano.pcap lo "$(port_filter $P)" --time-stamp-precision=nano
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 2s -life 10s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 2 -interval 300ms -idle 3500ms
    cap_stop
}

s_mid_connection() {       # capture starts ~2 s into the connection (no SYN, no preface/SETTINGS)
    local P=50185
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 2s -life 12s
    wait_listen $P
    bg 20 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 14 -interval 400ms -idle 1s
    local client=${PIDS[-1]}
    sleep 2
    cap_start mid_connection.pcap lo "$(port_filter $P)"
    wait "$client" 2>/dev/null || true
    cap_stop
}

s_idle_reset_proxy() {     # grpc-go client -> idle-reset proxy (50190) -> grpc-go server (50191)
    local P=50190 S=50191
    cap_start idle_reset_proxy.pcap lo "$(port_filter $P $S)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$S -life 12s
    wait_listen $S
    bg 20 $PY "$KSPY" proxy --listen 127.0.0.1:$P --target 127.0.0.1:$S --forward-for 60 --life 9 --idle-reset 1.5
    wait_listen $P
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 3 -interval 2500ms -idle 500ms
    cap_stop
}

s_core_idle_close() {      # C-core client keepalive 1 s / timeout 1 s, default max_pings_without_data (2)
    local P=50192
    cap_start core_idle_close.pcap lo "$(port_filter $P)"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:$P --life 12 "${CORE_PERMIT[@]}"
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 7 \
        -o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=1000 -o grpc.keepalive_permit_without_calls=1
    cap_stop
}

s_goaway_frame_size() {    # a malformed SETTINGS frame to a C-core server: C-core 1.51 closes with FIN, no GOAWAY
    local P=50195
    cap_start goaway_frame_size.pcap lo "$(port_filter $P)"
    bg 15 $PY "$KSPY" server --addr 127.0.0.1:$P --life 6
    wait_listen $P
    fg 10 $PY "$KSPY" badframe --addr 127.0.0.1:$P
    cap_stop
}

s_goaway_frame_size_go() { # the same malformed SETTINGS frame to grpc-go behind Go's HTTP/2 server (h2c)
    local P=50196
    cap_start goaway_frame_size_go.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode h2c-server -addr 127.0.0.1:$P -life 6s
    wait_listen $P
    fg 10 $PY "$KSPY" badframe --addr 127.0.0.1:$P
    cap_stop
}

# ---- how connections end, behind the lab's simulator (2.0 s idle timer) and a dropping proxy ------
s_lbsim_idle_reset() {     # grpc-go client -> simulator :50300 (RST both ways after 2.0 s idle) -> grpc-go :50301
    local P=50300 S=50301
    cap_start lbsim_idle_reset.pcap lo "$(port_filter $P $S)"
    bg 25 "$KSGO" -mode server -addr 127.0.0.1:$S -life 16s
    wait_listen $S
    bg 20 "$LBSIM" $P $S 2.0 rst 14
    wait_listen $P
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 4 -interval 3s -idle 2500ms
    cap_stop
}

s_lbsim_idle_fin() {       # C-core client -> simulator :50310 (FIN both ways after 2.0 s idle) -> C-core :50311
    local P=50310 S=50311
    cap_start lbsim_idle_fin.pcap lo "$(port_filter $P $S)"
    bg 25 $PY "$KSPY" server --addr 127.0.0.1:$S --life 16
    wait_listen $S
    bg 20 "$LBSIM" $P $S 2.0 fin 14
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 4 --interval 3 --idle 2.5
    cap_stop
}

s_lbsim_silent_drop() {    # C-core client (keepalive 3 s, timeout 1 s) -> simulator :50320 (silent drop after 2.0 s) -> C-core :50321
    local P=50320 S=50321
    cap_start lbsim_silent_drop.pcap lo "$(port_filter $P $S)"
    bg 25 $PY "$KSPY" server --addr 127.0.0.1:$S --life 14 "${CORE_PERMIT[@]}"
    wait_listen $S
    bg 20 "$LBSIM" $P $S 2.0 silent_drop 12
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 6 \
        -o grpc.keepalive_time_ms=3000 -o grpc.keepalive_timeout_ms=1000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop
}

s_lbsim_rst_next_packet() { # grpc-go client -> simulator :50330 (forgets after 2.0 s, RST to the next packet) -> grpc-go :50331
    local P=50330 S=50331
    cap_start lbsim_rst_next_packet.pcap lo "$(port_filter $P $S)"
    bg 25 "$KSGO" -mode server -addr 127.0.0.1:$S -life 16s
    wait_listen $S
    bg 20 "$LBSIM" $P $S 2.0 rst_next_packet 14
    wait_listen $P
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 3 -interval 3s -idle 500ms
    cap_stop
}

s_drop_retransmit() {      # C-core client (keepalive 1 s, timeout 2 s) -> kspy proxy :50340 that stops ACKing after 2.5 s -> C-core :50341
    local P=50340 S=50341
    cap_start drop_retransmit.pcap lo "$(port_filter $P $S)"
    bg 25 $PY "$KSPY" server --addr 127.0.0.1:$S --life 14 "${CORE_PERMIT[@]}"
    wait_listen $S
    bg 20 $PY "$KSPY" proxy --listen 127.0.0.1:$P --target 127.0.0.1:$S --forward-for 60 --drop-after 2.5 --life 10
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 6 "${CORE_KA[@]}"
    cap_stop
}

s_snaplen_cut() {           # grpc-go server pings every 1 s, captured with tcpdump -s 68 (the old default)
    local P=50197
    cap_start snaplen_cut.pcap lo "$(port_filter $P)" -s 68
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 2s -life 8s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 2 -interval 300ms -idle 3s
    cap_stop
}

# ---- field-truth audit: stacks and ends not covered above (ports 47800-47899) ------------------
stop_child() {    # stop_child PID-of-bg: SIGSTOP the process that `timeout` runs (its kernel still ACKs)
    local c; c=$(pgrep -P "$1") && kill -STOP $c
}

s_go_server_keepalive_timeout() {  # grpc-go server pings every 1 s (timeout 1 s); the grpc-go client is SIGSTOPped
    local P=47800
    cap_start go_server_keepalive_timeout.pcap lo "$(port_filter $P)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 1s -life 12s
    wait_listen $P
    bg 20 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 9s
    local client=${PIDS[-1]}
    sleep 2.6
    stop_child "$client"
    sleep 3.5
    cap_stop     # the capture ends before the stopped client is killed
}

s_go_client_keepalive_timeout() {  # grpc-go client keepalive 10 s (timeout 2 s) to a SIGSTOPped grpc-go server
    local P=47805
    cap_start go_client_keepalive_timeout.pcap lo "$(port_filter $P)"
    bg 30 "$KSGO" -mode server -addr 127.0.0.1:$P -policy-min-time 1s -permit-without-stream -life 25s
    local server=${PIDS[-1]}
    wait_listen $P
    bg 30 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -client-ka-time 10s -idle 16s
    sleep 1.5
    stop_child "$server"
    sleep 12.5
    cap_stop
}

s_kernel_keepalive_peer_gone() {  # raw HTTP/2 pair, client kernel keep-alive 1 s x 3; the server's socket goes deaf
    local P=47810
    cap_start kernel_keepalive_peer_gone.pcap lo "$(port_filter $P)"
    fg 20 $PY "$KSPY" kagone --port $P --gone-after 0.5
    cap_stop
}

s_tinyproxy_idle_close() {  # C-core client -> tinyproxy 1.11 CONNECT (Timeout 2) -> C-core server, RPC every 4.5 s
    local P=47820 S=47821
    cat >"$WORK/tinyproxy.conf" <<CONF
Port $P
Listen 127.0.0.1
Timeout 2
MaxClients 10
Allow 127.0.0.1
ConnectPort $S
LogLevel Info
LogFile "$WORK/tinyproxy.log"
PidFile "$WORK/tinyproxy.pid"
CONF
    cap_start tinyproxy_idle_close.pcap lo "$(port_filter $P $S)"
    bg 30 $PY "$KSPY" server --addr 127.0.0.1:$S --life 20
    wait_listen $S
    bg 30 tinyproxy -d -c "$WORK/tinyproxy.conf"
    wait_listen $P
    fg 25 env http_proxy=http://127.0.0.1:$P grpc_proxy=http://127.0.0.1:$P no_proxy= \
        $PY "$KSPY" client --addr 127.0.0.1:$S --rpcs 3 --interval 4.5 --idle 0.5
    cap_stop
}

s_core_server_max_idle() {  # C-core server max_connection_idle 1 s, grpc-go client idle after one RPC
    local P=47830
    cap_start core_server_max_idle.pcap lo "$(port_filter $P)"
    bg 15 $PY "$KSPY" server --addr 127.0.0.1:$P --life 10 -o grpc.max_connection_idle_ms=1000
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 3600ms
    cap_stop
}

s_core_server_max_age() {   # C-core server max_connection_age 1 s, grace 1 s; grpc-go client RPCs every 0.4 s
    local P=47835
    cap_start core_server_max_age.pcap lo "$(port_filter $P)"
    bg 15 $PY "$KSPY" server --addr 127.0.0.1:$P --life 10 -o grpc.max_connection_age_ms=1000 \
        -o grpc.max_connection_age_grace_ms=1000
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 6 -interval 400ms -idle 1s
    cap_stop
}

s_curl_nghttpd() {          # curl --http2-prior-knowledge (libcurl + nghttp2) to nghttpd, h2c, two GETs
    local P=47840
    mkdir -p "$WORK/htdocs"; echo hello >"$WORK/htdocs/index.html"
    cap_start curl_nghttpd.pcap lo "$(port_filter $P)"
    bg 15 nghttpd --no-tls -d "$WORK/htdocs" $P
    wait_listen $P
    fg 10 curl -s -o /dev/null --http2-prior-knowledge http://127.0.0.1:$P/index.html
    cap_stop
}

s_go_server_stop() {        # grpc-go server's Server.Stop 3 s in (no GOAWAY, FIN), the client idle after one RPC
    local P=47845
    cap_start go_server_stop.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -life 3s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 4s
    cap_stop
}

s_go_server_graceful_stop() { # grpc-go server's GracefulStop 2 s in (GOAWAY NO_ERROR), the client idle after one RPC
    local P=47850
    cap_start go_server_graceful_stop.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -life 2s -graceful-stop
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 3s
    cap_stop
}

s_core_server_stop() {      # C-core server's stop(0) 3 s in, mid-call (each call takes 4 s): it cancels the call
    local P=47855
    cap_start core_server_stop.pcap lo "$(port_filter $P)"
    bg 15 $PY "$KSPY" server --addr 127.0.0.1:$P --life 3 --delay 4
    wait_listen $P
    fg 15 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 1
    cap_stop
}

s_multi_iface_pcapng() {    # dumpcap on two interfaces (lo and a veth into a second netns), grpc-go pings on each
    local P=47860 Q=47861 A=ks-cap-a-$$ B=ks-cap-b-$$
    netns_add $A $B
    veth $A v0 $B v1 10.47.0
    cap_run multi_iface.pcapng ip netns exec $A dumpcap -q -i lo -f "tcp port $Q" -i v0 -f "tcp port $P" -w @
    bg 15 ip netns exec $B "$KSGO" -mode server -addr 10.47.0.2:$P -ka-time 1s -ka-timeout 2s -life 9s
    bg 15 ip netns exec $A "$KSGO" -mode server -addr 127.0.0.1:$Q -ka-time 1s -ka-timeout 2s -life 9s
    sleep 1
    bg 15 ip netns exec $A "$KSGO" -mode client -addr 127.0.0.1:$Q -rpcs 1 -idle 3500ms
    fg 15 ip netns exec $A "$KSGO" -mode client -addr 10.47.0.2:$P -rpcs 1 -idle 3500ms
    sleep 0.5
    cap_stop
    netns_del
}

s_zero_window_stall() {      # nghttpd serving 20 MB to a raw HTTP/2 client (4 KB receive buffer) that never reads, 5 s
    local P=47865
    mkdir -p "$WORK/htdocs"; truncate -s 20M "$WORK/htdocs/big.bin"
    cap_start zero_window_stall.pcap lo "$(port_filter $P)"
    bg 15 nghttpd --no-tls -d "$WORK/htdocs" $P
    wait_listen $P
    fg 15 $PY "$KSPY" h2stall --addr 127.0.0.1:$P --stall 5
    cap_stop
}

s_snaplen_goaway() {        # C-core client pinging every 1 s vs grpc-go's default policy (too_many_pings), tcpdump -s 96
    local P=47866
    cap_start snaplen_goaway.pcap lo "$(port_filter $P)" -s 96
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$P -life 12s
    wait_listen $P
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 5 "${CORE_KA[@]}" \
        --method /grpc.health.v1.Health/Check
    cap_stop
}

s_go_age_graceful() {        # grpc-go MaxConnectionAge 3 s + grace 2 s (49011) and GracefulStop at 4 s (49012), each
                            # under a C-core client's 10 s Health/Watch (the ports of the committed capture)
    local PA=49011 PB=49012
    cap_start go_age_graceful.pcap lo "$(port_filter $PA $PB)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$PA -life 12s -max-age 3s -max-age-grace 2s
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$PB -life 4s -graceful-stop
    wait_listen $PA
    wait_listen $PB
    bg 13 $PY "$KSPY" client --addr 127.0.0.1:$PA --rpcs 0 --idle 10 --watch 10
    bg 13 $PY "$KSPY" client --addr 127.0.0.1:$PB --rpcs 0 --idle 10 --watch 10
    sleep 12
    cap_stop
}

s_two_clients_two_servers() { # two C-core clients, started together, each to its own grpc-go server (no proxy), one
                              # RPC and 1 s idle: both start and end together, on one host
    local PA=49013 PB=49014
    cap_start two_clients_two_servers.pcap lo "$(port_filter $PA $PB)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$PA -life 6s
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$PB -life 6s
    wait_listen $PA
    wait_listen $PB
    bg 10 $PY "$KSPY" client --addr 127.0.0.1:$PA --rpcs 1 --idle 1 --method /grpc.health.v1.Health/Check
    fg 10 $PY "$KSPY" client --addr 127.0.0.1:$PB --rpcs 1 --idle 1 --method /grpc.health.v1.Health/Check
    sleep 0.5
    cap_stop
}

s_bridge_duplicates() {      # tcpdump -i any in a netns holding a Linux bridge between a grpc-go client's netns and a
                              # grpc-go server's (pings every 1 s): each frame is recorded on both bridge ports (a
                              # Kubernetes node's picture); the client exits after 3 s idle
    local P=49015 H=ks-br-h-$$ C=ks-br-c-$$ S=ks-br-s-$$
    netns_add $H $C $S
    ip -n $H link add br0 type bridge; ip -n $H link set br0 up
    ip -n $C link add v0 type veth peer name pc netns $H
    ip -n $S link add v0 type veth peer name ps netns $H
    local n; for n in pc ps; do ip -n $H link set $n master br0; ip -n $H link set $n up; done
    ip -n $C addr add 10.49.15.1/24 dev v0; ip -n $S addr add 10.49.15.2/24 dev v0
    ip -n $C link set v0 up; ip -n $S link set v0 up
    cap_run bridge_duplicates.pcap ip netns exec $H tcpdump --immediate-mode -U -n -i any -w @ "tcp port $P"
    bg 15 ip netns exec $S "$KSGO" -mode server -addr 10.49.15.2:$P -ka-time 1s -ka-timeout 2s -permit-without-stream -policy-min-time 1s -life 9s
    sleep 1
    fg 15 ip netns exec $C "$KSGO" -mode client -addr 10.49.15.2:$P -rpcs 3 -interval 200ms -idle 3s
    sleep 0.5
    cap_stop
    netns_del
}

s_vxlan_tunnel() {           # grpc-go client and server (pings every 1 s) in two netns joined by a veth, talking over
                              # VXLAN 42 (UDP 4789): captured on the veth, the underlay, as on a node of an overlay
                              # network (GRE, IP in IP and Geneve are in packet_decoder_test: this kernel has no such
                              # devices)
    local P=49016 A=ks-tun-a-$$ B=ks-tun-b-$$
    netns_add $A $B
    veth $A u0 $B u0 192.168.49
    ip -n $A link add vx1 type vxlan id 42 local 192.168.49.1 remote 192.168.49.2 dstport 4789 dev u0
    ip -n $B link add vx1 type vxlan id 42 local 192.168.49.2 remote 192.168.49.1 dstport 4789 dev u0
    ip -n $A addr add 10.49.16.1/30 dev vx1; ip -n $B addr add 10.49.16.2/30 dev vx1
    ip -n $A link set vx1 up; ip -n $B link set vx1 up
    cap_run vxlan_tunnel.pcap ip netns exec $A tcpdump --immediate-mode -U -n -i u0 -w @ "udp port 4789"
    bg 15 ip netns exec $B "$KSGO" -mode server -addr 10.49.16.2:$P -ka-time 1s -ka-timeout 2s -permit-without-stream -policy-min-time 1s -life 8s
    sleep 1
    fg 12 ip netns exec $A "$KSGO" -mode client -addr 10.49.16.2:$P -rpcs 1 -idle 2500ms
    sleep 0.5
    cap_stop
    netns_del
}

s_nflog_first_iface() {      # dumpcap -i nflog -i lo: the file's first interface is NFLOG (no packet on it), the
                              # grpc-go pair (server pings every 1 s) on the second, Ethernet-typed loopback
    local P=49017
    cap_run nflog_first_iface.pcapng dumpcap -q -i nflog -i lo -f "tcp port $P" -w @
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 2s -permit-without-stream -policy-min-time 1s -life 6s
    wait_listen $P
    fg 12 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -idle 2500ms
    cap_stop
}

s_conntrack_first_ping_reset() { # a stateful firewall's 2 s idle timer (conntrack in the server's netns, nft rejecting
                              # with a TCP reset what it no longer tracks) kills a C-core client's FIRST keepalive
                              # PING, 3 s after its one call (keepalive_time 3 s; its only earlier PING is the call's
                              # BDP PING): an idle reset, not "no silence before it"
    local P=49018 C=ks-ct-c-$$ S=ks-ct-s-$$
    ct_namespaces $P $C $S 10.49.18
    cap_run conntrack_first_ping_reset.pcap ip netns exec $C tcpdump --immediate-mode -U -n -i v0 -w @ "tcp port $P"
    bg 15 ip netns exec $S "$KSGO" -mode server -addr 10.49.18.2:$P -permit-without-stream -policy-min-time 1s -life 10s
    sleep 1
    fg 12 ip netns exec $C $PY "$KSPY" client --addr 10.49.18.2:$P --rpcs 1 --idle 5 \
        -o grpc.keepalive_time_ms=3000 -o grpc.keepalive_timeout_ms=2000 -o grpc.keepalive_permit_without_calls=1 \
        -o grpc.http2.max_pings_without_data=0 --method /grpc.health.v1.Health/Check
    sleep 0.5
    cap_stop
    netns_del
}

ct_namespaces() {           # ct_namespaces PORT C S: client and server netns on a veth (10.49.P.1 -> .2 by the
                              # caller's subnet 10.49.$4), the server's with conntrack's established timeout 2 s and
                              # nft rejecting with a TCP reset what it no longer tracks (a stateful firewall / NAT)
    local P=$1 C=$2 S=$3 NET=$4
    netns_add $C $S
    veth $C v0 $S v0 $NET
    ip netns exec $S nft add table inet ks
    ip netns exec $S nft add chain inet ks input '{ type filter hook input priority 0; }'
    ip netns exec $S nft add rule inet ks input tcp dport $P ct state invalid reject with tcp reset
    ip netns exec $S sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_established=2 net.netfilter.nf_conntrack_tcp_loose=0
}

s_conntrack_tcp_keepalive_reset() { # the same firewall (2 s) answers an HTTP/2 client's kernel keep-alive probe
                              # (TCP_KEEPIDLE 3 s) with a reset: the RST answers the probe, so the 3 s of silence
                              # only bound the timer (it was read once as "RST both ways after exactly 3.16 s")
    local P=49019 C=ks-ctk-c-$$ S=ks-ctk-s-$$
    ct_namespaces $P $C $S 10.49.19
    cap_run conntrack_tcp_keepalive_reset.pcap ip netns exec $C tcpdump --immediate-mode -U -n -i v0 -w @ "tcp port $P"
    bg 15 ip netns exec $S "$KSGO" -mode server -addr 10.49.19.2:$P -life 9s
    sleep 1
    fg 12 ip netns exec $C $PY "$KSPY" h2ka --addr 10.49.19.2:$P --keepidle 3 --idle 6
    sleep 0.5
    cap_stop
    netns_del
}

# Real HTTP/2-terminating proxies (haproxy, nginx) in the path: gen/lb_proxy_scenarios.sh.
# shellcheck source=gen/lb_proxy_scenarios.sh
source "$HERE/gen/lb_proxy_scenarios.sh"
# Field scenarios of the sixth hunt (TCP proxies, nghttpx, middlebox resets): gen/field_hunt6_scenarios.sh.
# shellcheck source=gen/field_hunt6_scenarios.sh
source "$HERE/gen/field_hunt6_scenarios.sh"
# grpc-java 1.41 (Netty) servers and clients: gen/java_scenarios.sh.
# shellcheck source=gen/java_scenarios.sh
source "$HERE/gen/java_scenarios.sh"
# grpc-js (Node.js) against gRPC C-core: gen/js_scenarios.sh.
# shellcheck source=gen/js_scenarios.sh
source "$HERE/gen/js_scenarios.sh"

ALL=(go_ping_healthy core_ping_healthy goaway_too_many_pings goaway_too_many_pings_core
     goaway_max_idle goaway_max_age keepalive_timeout_proxy tcp_keepalive_kernel
     go_default_tcp_keepalive ipv6_any ping_healthy_pcapng ping_nano mid_connection
     idle_reset_proxy core_idle_close goaway_frame_size goaway_frame_size_go
     lbsim_idle_reset lbsim_idle_fin lbsim_silent_drop lbsim_rst_next_packet drop_retransmit
     snaplen_cut go_server_keepalive_timeout go_client_keepalive_timeout kernel_keepalive_peer_gone
     tinyproxy_idle_close core_server_max_idle core_server_max_age curl_nghttpd go_server_stop
     go_server_graceful_stop core_server_stop multi_iface_pcapng zero_window_stall snaplen_goaway go_age_graceful
     two_clients_two_servers bridge_duplicates vxlan_tunnel
     nflog_first_iface conntrack_first_ping_reset conntrack_tcp_keepalive_reset
     haproxy_h2_ping_idle nginx_grpc_ping_idle nginx_grpc_read_timeout nginx_grpc_keepalive_requests
     tinyproxy_too_many_pings haproxy_tcp_too_many_pings nghttpx_read_timeout nghttpx_read_timeout_pings
     nghttpx_backend_read_timeout loss_ping_ack_retransmit go_server_stop_mid_call
     firewall_reset_mid_call java_too_many_pings java_max_idle java_max_age java_server_keepalive_timeout
     java_client_keepalive_timeout java_ping_healthy js_client_too_many_pings js_server_max_idle
     js_server_max_age js_server_ping_healthy js_server_keepalive_timeout)
(($#)) && ALL=("$@")
start=$SECONDS
for s in "${ALL[@]}"; do
    declare -F "s_$s" >/dev/null || { echo "unknown scenario: $s (known: ${ALL[*]})" >&2; exit 2; }
    echo "== $s"
    "s_$s"
done
echo "done in $((SECONDS - start)) s; helper output in the log was:"
tail -n 40 "$WORK/log" | sed 's/^/  | /'
