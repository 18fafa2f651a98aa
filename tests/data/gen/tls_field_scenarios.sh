# Sourced by make_tls_captures.sh. The field tester's captures (issue: false facts in TLS
# analysis), made by real peers: gen/ks_hb.go (grpc-go 1.33, raw-bytes codec: unary Ping, bidi
# Bidi, server-stream Bulk), gen/kspy.py (gRPC C-core via python3-grpcio, the same methods) and
# OpenSSL's s_server -rev / s_client. Ports 51111-51131 (as the tester made them).
build_hb() {
    [[ -x $WORK/ks_hb ]] && return 0
    (cd "$HERE/gen" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="${GOCACHE:-/tmp/ks-gocache}" GOFLAGS= \
        timeout 300 go build -o "$WORK/ks_hb" ks_hb.go kstls.go)
}
field_cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test,IP:127.0.0.1 -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2>/dev/null
}
FIELD_KA=(-o grpc.keepalive_time_ms=1000 -o grpc.keepalive_timeout_ms=2000 -o grpc.keepalive_permit_without_calls=1
          -o grpc.http2.max_pings_without_data=0)

# A C-core server pinging every 1 s (and its BDP PINGs beside WINDOW_UPDATEs) under a grpc-go
# bidi stream of 3-byte messages every 120 ms for 3 s, then idle; TLS 1.3 (Go picks X25519
# after a HelloRetryRequest from C-core). Also cut 1.5 s in: a capture started mid-connection.
s_tls13_core_server_bidi() {
    local P=51111 name=tls13_core_server_bidi keys="$WORK/tls13_core_server_bidi.keys"
    build_hb; field_cert "$name"
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 $PY "$KSPY" server --addr 127.0.0.1:$P --life 20 --tls-cert "$WORK/$name.crt" --tls-key "$WORK/$name.key" \
        "${FIELD_KA[@]}"
    wait_listen $P
    fg 30 "$WORK/ks_hb" -mode client -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -work bidi -calls 25 -gap 120ms \
        -size 3 -idle 3s
    cap_stop "$keys"
    local start
    start=$(capinfos -T -r -a -S "$OUT/$name.pcap" | cut -f2)
    editcap -A "$($PY -c "print(f'{$start + 1.5:.6f}')")" "$OUT/$name.pcap" "$OUT/${name}_mid.pcap"
    chmod 0644 "$OUT/${name}_mid.pcap"
}

# A C-core client (keepalive 1 s) with 4 concurrent unary calls x 10 rounds of 3-byte messages to
# a grpc-go server, then 4 s idle; TLS 1.3.
s_tls13_core_client_conc() {
    local P=51114 name=tls13_core_client_conc keys="$WORK/tls13_core_client_conc.keys"
    build_hb
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 "$WORK/ks_hb" -mode server -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -cert-out "$WORK/$name.pem" \
        -life 25s -policy-min-time 500ms -permit
    wait_listen $P
    fg 30 $PY "$KSPY" client --addr 127.0.0.1:$P --tls-ca "$WORK/$name.pem" "${FIELD_KA[@]}" --work conc --conc 4 \
        --rpcs 10 --interval 0.2 --size 3 --method /ks.Echo/Ping --idle 4
    cap_stop "$keys"
}

# TLS that is not HTTP/2: openssl s_server -rev echoes each 17-byte line reversed, once a second.
rev_lines() { sleep 0.5; for _ in $(seq 1 8); do echo abcdefghijklmnop; sleep 1; done; sleep 0.5; }
field_rev() {     # field_rev NAME PORT "S_SERVER ARGS" S_CLIENT ARGS...
    local name=$1 P=$2 sargs=$3 keys="$WORK/$1.keys"; shift 3
    field_cert rev
    cap_start "$name.pcap" "$(port_filter "$P")"
    # shellcheck disable=SC2086
    bg 20 openssl s_server -accept 127.0.0.1:"$P" -cert "$WORK/rev.crt" -key "$WORK/rev.key" -rev -quiet $sargs
    wait_listen "$P"
    rev_lines | fg 15 openssl s_client -connect 127.0.0.1:"$P" -keylogfile "$keys" -quiet "$@"
    cap_stop "$keys"
}
# ALPN http/1.1 chosen in the TLS 1.2 ServerHello (in clear); TLS 1.3 with no ALPN offered.
s_tls12_openssl_http11() {
    field_rev tls12_openssl_http11 51123 "-alpn http/1.1" -tls1_2 -alpn http/1.1 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
}
s_tls13_openssl_noalpn() { field_rev tls13_openssl_noalpn 51120 "" -tls1_3; }

# OpenSSL's s_client carrying gen/h2_pings.py (4 PINGs 0.4 s apart, then GOAWAY) to nghttpd,
# twice, the second resuming the first's session; TLS 1.3 ChaCha20. Beside it, its key log
# without one direction's application traffic secret (a key log copied while a peer was still
# writing it): NAME_nosrv0.keys, NAME_nocli0.keys.
s_tls13_nghttpd_resume() {
    local P=51131 name=tls13_nghttpd_resume keys="$WORK/tls13_nghttpd_resume.keys" i
    field_cert ngh
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 nghttpd --address=127.0.0.1 $P "$WORK/ngh.key" "$WORK/ngh.crt"
    wait_listen $P
    for i in out in; do
        $PY "$HERE/gen/h2_pings.py" --pings 4 --gap 0.4 | fg 10 openssl s_client -connect 127.0.0.1:$P -alpn h2 \
            -servername ks.example.test -keylogfile "$keys" -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 \
            "-sess_$i" "$WORK/$name.sess"
        sleep 0.5
    done
    cap_stop "$keys"
    grep -v '^SERVER_TRAFFIC_SECRET_0 ' "$OUT/$name.keys" >"$OUT/${name}_nosrv0.keys"
    grep -v '^CLIENT_TRAFFIC_SECRET_0 ' "$OUT/$name.keys" >"$OUT/${name}_nocli0.keys"
    chmod 0644 "$OUT/${name}_nosrv0.keys" "$OUT/${name}_nocli0.keys"
}

# grpc-go both sides (server keepalive 1 s, the client none): a bidi stream of 3-byte messages
# every 100 ms (8-byte DATA frames: a PING's size), echoed, then 2 s idle; TLS 1.3.
s_tls13_go_bidi_tiny() {
    local P=51103 name=tls13_go_bidi_tiny keys="$WORK/tls13_go_bidi_tiny.keys"
    build_hb
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 "$WORK/ks_hb" -mode server -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -life 25s -ka-time 1s -ka-timeout 2s
    wait_listen $P
    fg 30 "$WORK/ks_hb" -mode client -addr 127.0.0.1:$P -tls 1.3 -work bidi -calls 30 -gap 100ms -size 3 -idle 2s
    cap_stop "$keys"
}
