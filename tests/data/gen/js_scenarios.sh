# Sourced by make_captures.sh. grpc-js (Node.js; @grpc/grpc-js 1.14.7 from the npm registry,
# installed into the work folder) against gRPC C-core (python3-grpcio 1.51, gen/kspy.py), each
# side in its turn: gen/ks_grpc_js.js. Ports 49720-49724, 127.0.0.1 only, every process bounded.
# Debian: apt-get install nodejs npm python3-grpcio (the npm registry must be reachable once).

JS=()                # the node command line that runs ks_grpc_js.js, set by js_build
js_build() {         # installs @grpc/grpc-js once into $KSJS_DIR (or $WORK/ksjs)
    ((${#JS[@]})) && return 0
    local d=${KSJS_DIR:-$WORK/ksjs}
    command -v node >/dev/null && command -v npm >/dev/null ||
        { echo "js_scenarios.sh: needs node and npm (Debian: apt-get install nodejs npm)" >&2; return 1; }
    mkdir -p "$d"
    if [[ ! -d $d/node_modules/@grpc/grpc-js ]]; then
        echo "  installing @grpc/grpc-js 1.14.7 from npm into $d"
        (cd "$d" && timeout 300 npm install --no-audit --no-fund --silent @grpc/grpc-js@1.14.7)
    fi
    JS=(env NODE_PATH="$d/node_modules" node "$HERE/gen/ks_grpc_js.js")
}

# grpc-js client keepalive_time 1 s with permit_without_calls against a C-core server that allows
# a PING without calls every 5 s and 2 strikes: after one call, the third idle PING draws GOAWAY
# ENHANCE_YOUR_CALM "too_many_pings" (grpc-js then doubles its interval for a new connection).
s_js_client_too_many_pings() {
    local P=49720
    js_build
    cap_start js_client_too_many_pings.pcap lo "$(port_filter $P)"
    bg 15 "$PY" "$KSPY" server --addr 127.0.0.1:$P --life 10 \
        -o grpc.http2.min_ping_interval_without_data_ms=5000 -o grpc.http2.max_ping_strikes=2
    wait_listen $P
    fg 12 "${JS[@]}" client $P 1 6000 grpc.keepalive_time_ms=1000 grpc.keepalive_timeout_ms=2000 \
        grpc.keepalive_permit_without_calls=1
    cap_stop
}

# js_server_one_call FILE PORT [grpc.key=value ...]: a grpc-js server with those options, and a
# C-core client that makes one call and idles 3 s.
js_server_one_call() {
    local file=$1 P=$2; shift 2
    js_build
    cap_start "$file" lo "$(port_filter $P)"
    bg 12 "${JS[@]}" server $P 8000 "$@"
    wait_listen $P
    fg 10 "$PY" "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 3
    cap_stop
}

# Server max_connection_idle 1 s: GOAWAY NO_ERROR with no debug data; the client closes first
# (FIN) and the server's second GOAWAY draws its RST.
s_js_server_max_idle() { js_server_one_call js_server_max_idle.pcap 49721 grpc.max_connection_idle_ms=1000; }

# Server max_connection_age 1 s, grace 1 s: GOAWAY NO_ERROR "max_age" (last_stream_id 2^31-1)
# and a second GOAWAY (last_stream_id 1) in one segment, no PING between; the client closes first.
s_js_server_max_age() {
    js_server_one_call js_server_max_age.pcap 49722 grpc.max_connection_age_ms=1000 grpc.max_connection_age_grace_ms=1000
}

# Server keepalive_time 1 s, keepalive_timeout 1 s: every server PING gets its ACK, then the
# client closes (FIN).
s_js_server_ping_healthy() {
    js_server_one_call js_server_ping_healthy.pcap 49723 grpc.keepalive_time_ms=1000 grpc.keepalive_timeout_ms=1000
}

# The same server; the C-core client is SIGSTOPped 1.5 s after it started (its one call done) and
# continued 3 s later: its kernel ACKs the server's PING, no PING ACK comes, and 1 s later the
# server closes (GOAWAY NO_ERROR without debug data, then FIN); the continued client's late
# frames draw the server's RST.
s_js_server_keepalive_timeout() {
    local P=49724
    js_build
    cap_start js_server_keepalive_timeout.pcap lo "$(port_filter $P)"
    bg 14 "${JS[@]}" server $P 10000 grpc.keepalive_time_ms=1000 grpc.keepalive_timeout_ms=1000
    wait_listen $P
    bg 12 "$PY" "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 6
    sleep 1.5
    pkill -STOP -f "kspy.py client --addr 127.0.0.1:$P" || true
    sleep 3
    pkill -CONT -f "kspy.py client --addr 127.0.0.1:$P" || true
    sleep 2
    cap_stop
}
