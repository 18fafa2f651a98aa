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
s_tls13_core_server_bidi() { # [PORT NAME]: the same workload made again under another name
    local P=${1:-51111} name=${2:-tls13_core_server_bidi}
    local keys="$WORK/$name.keys"
    build_hb; field_cert "$name"
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 $PY "$KSPY" server --addr 127.0.0.1:$P --life 20 --tls-cert "$WORK/$name.crt" --tls-key "$WORK/$name.key" \
        "${FIELD_KA[@]}"
    wait_listen $P
    fg 30 "$WORK/ks_hb" -mode client -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -work bidi -calls 25 -gap 120ms \
        -size 3 -idle 3s
    cap_stop "$keys"
    (($# == 0)) || return 0
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

# The field tester's inference captures (ports as made). h2load to nghttpd: 200 GETs of an
# 8-byte file, then 200 POSTs of a 3-byte body on a second connection (34-byte HEADERS + DATA
# records answered by 30-byte responses: PING compositions' sizes, no PING at all); TLS 1.3.
s_tls13_h2load_post() {
    local P=51187 name=tls13_h2load_post keys="$WORK/tls13_h2load_post.keys"
    field_cert ngh; mkdir -p "$WORK/www"; printf '12345678' >"$WORK/www/f8"; printf 'abc' >"$WORK/www/f3"
    cap_start "$name.pcap" "$(port_filter $P)" -B 32768 # 800 requests in a blink
    bg 30 nghttpd -d "$WORK/www" --address=127.0.0.1 $P "$WORK/ngh.key" "$WORK/ngh.crt"
    wait_listen $P
    fg 20 env SSLKEYLOGFILE="$keys" h2load -n 200 -c 1 -m 1 https://127.0.0.1:$P/f8
    fg 20 env SSLKEYLOGFILE="$keys" h2load -n 200 -c 1 -m 1 -d "$WORK/www/f3" https://127.0.0.1:$P/f3
    cap_stop "$keys"
}

# grpc-go MaxConnectionAge 3 s (grace 1 s), keepalive Time 1 s, a client's Watch stream: GOAWAY
# without debug data and the GOAWAY PING in one record at max age; TLS 1.3.
s_tls13_go_max_age_ping() {
    local P=51160 name=tls13_go_max_age_ping keys="$WORK/tls13_go_max_age_ping.keys"
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 "$KSGO" -mode server -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -life 12s -max-age 3s -max-age-grace 1s \
        -ka-time 1s -ka-timeout 2s
    wait_listen $P
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:$P -tls 1.3 -rpcs 3 -interval 200ms -watch 6s -idle 2s
    cap_stop "$keys"
}

# A C-core client (keepalive 1 s) and a grpc-go server (keepalive Time 1 s) idle for 8 s: the
# timers fire together every 2 s and the PINGs cross; TLS 1.3.
s_tls13_core_go_crossing() {
    local P=51179 name=tls13_core_go_crossing keys="$WORK/tls13_core_go_crossing.keys"
    build_hb
    cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 "$WORK/ks_hb" -mode server -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -cert-out "$WORK/$name.pem" \
        -life 25s -ka-time 1s -ka-timeout 2s -policy-min-time 500ms -permit
    wait_listen $P
    fg 30 $PY "$KSPY" client --addr 127.0.0.1:$P --tls-ca "$WORK/$name.pem" "${FIELD_KA[@]}" --work unary --rpcs 1 \
        --size 0 --method /ks.Echo/Ping --idle 8
    cap_stop "$keys"
}

# grpc-go both sides (server keepalive 1 s) in a network namespace whose input drops 12 % of the
# packets at random (nft numgen): PING ACKs come late after retransmissions; TLS 1.3.
s_tls13_go_loss() {
    local P=51142 name=tls13_go_loss keys="$WORK/tls13_go_loss.keys" ns=ks_tls_loss
    build_hb
    ip netns del $ns 2>/dev/null || true
    ip netns add $ns
    ip -n $ns link set lo up
    ip netns exec $ns nft -f - <<NFT
table inet ksloss { chain in { type filter hook input priority 0; tcp dport $P numgen random mod 100 < 12 drop; tcp sport $P numgen random mod 100 < 12 drop; }; }
NFT
    CAP_NS=$ns cap_start "$name.pcap" "$(port_filter $P)"
    bg 30 ip netns exec $ns "$WORK/ks_hb" -mode server -addr 127.0.0.1:$P -tls 1.3 -keylog "$keys" -life 25s \
        -ka-time 1s -ka-timeout 3s
    local i
    for i in $(seq 1 100); do ip netns exec $ns ss -Hltn "sport = :$P" | grep -q . && break; sleep 0.1; done
    fg 30 ip netns exec $ns "$WORK/ks_hb" -mode client -addr 127.0.0.1:$P -tls 1.3 -work unary -conc 2 -calls 5 \
        -gap 300ms -size 40 -idle 8s
    cap_stop "$keys"
    ip netns del $ns
}

# openssl s_server -rev and s_client, both offering ALPN h2 (chosen), typing 17-byte lines: no
# HTTP/2 preface ever; TLS 1.3.
s_tls13_openssl_h2alpn_lines() { field_rev tls13_openssl_h2alpn_lines 51122 "-alpn h2" -tls1_3 -alpn h2; }

# tls13_core_server_bidi made again: C-core sends BDP PINGs alone too while the stream runs (their
# timing varies from run to run; this one has four, 0.4-0.6 s apart); port 49811.
s_tls13_core_server_lone_bdp() { s_tls13_core_server_bidi 49811 tls13_core_server_lone_bdp; }
