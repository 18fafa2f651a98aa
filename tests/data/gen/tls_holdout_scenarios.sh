# Held-out rounds for the PING inference (tests/capture/tls_inference_test.cpp), sourced by
# make_tls_captures.sh, whose helpers (cap_start, cap_stop, bg, fg, wait_listen, port_filter,
# core_rpcs) and variables (KSGO, KSPY, PY, WORK, HERE, HP) they use. Each round was made after
# the rules of its day were final; the README gives what each measured first.
# shellcheck shell=bash
# Held out, second round (tests/capture/tls_inference_test.cpp): made after the size rules were
# generalised from frame sizes, and never tuned on. Keepalive settings, stream shapes and cipher
# suites none of the tuning captures has; ports NEW_PORT..+3 (default 47700-47703).
#  - a C-core client pinging every 700 ms, holding a Health/Watch server stream beside unary
#    calls, to grpc-go over TLS 1.3 ChaCha20-Poly1305 (Go without AES instructions picks it);
#  - the same over TLS 1.2 AES-128-GCM with both sides pinging: the client every 900 ms, the
#    Go server every 1.2 s;
#  - a C-core server pinging every 700 ms, a Go client's rapid calls (unimplemented: the server
#    has no health service), TLS 1.2 ChaCha20-Poly1305;
#  - nghttp2 (nghttpd) answering PINGs that OpenSSL's s_client carries over TLS 1.3
#    AES-256-GCM (key log from s_client).
NP=${NEW_PORT:-47700}
core_watch() {    # core_watch NAME PORT VERSION TLS1.2-SUITE CLIENT-KA-MS SERVER-KA [env...]
    local name=$1 P=$2 version=$3 suite=$4 ka=$5 ska=$6 keys="$WORK/$1.keys"; shift 6
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 env "$@" "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time "$ska" -ka-timeout 2s -life 12s -tls "$version" \
        -tls12-suite "$suite" -policy-min-time 300ms -permit-without-stream -keylog "$keys" -cert-out "$WORK/$name.pem"
    wait_listen "$P"
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:"$P" --rpcs 4 --interval 0.35 --idle 6 --watch 5 --tls-ca "$WORK/$name.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms="$ka" -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}
s_tls13_core_watch_chacha() { core_watch tls13_core_watch_chacha "$NP" 1.3 "" 700 0s GODEBUG=cpu.aes=off; }
s_tls12_core_watch_aes128() { core_watch tls12_core_watch_aes128 $((NP + 1)) 1.2 aes128gcm 900 1200ms; }
s_tls12_core_server_chacha() {
    local name=tls12_core_server_chacha P=$((NP + 2)) keys="$WORK/tls12_core_server_chacha.keys"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test -keyout "$WORK/$name.key" -out "$WORK/$name.crt" 2>/dev/null
    cap_start "$name.pcap" "$(port_filter "$P")"
    # C-core's TLS 1.2 cipher list has no ChaCha20 unless GRPC_SSL_CIPHER_SUITES adds it.
    bg 20 env GRPC_SSL_CIPHER_SUITES=ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256 \
        $PY "$KSPY" server --addr 127.0.0.1:"$P" --life 12 --tls-cert "$WORK/$name.crt" --tls-key "$WORK/$name.key" \
        -o grpc.keepalive_time_ms=700 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    wait_listen "$P"
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 12 -interval 200ms -idle 4s -tls 1.2 -tls12-suite chacha20 \
        -keylog "$keys"
    cap_stop "$keys"
}
s_tls13_nghttpd_pings() {
    local name=tls13_nghttpd_pings P=$((NP + 3)) keys="$WORK/nghttpd.keys"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test -keyout "$WORK/$name.key" -out "$WORK/$name.crt" 2>/dev/null
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 15 nghttpd --address=127.0.0.1 "$P" "$WORK/$name.key" "$WORK/$name.crt"
    wait_listen "$P"
    $PY "$HERE/gen/h2_pings.py" --pings 8 --gap 0.4 | fg 10 openssl s_client -connect 127.0.0.1:"$P" -tls1_3 \
        -ciphersuites TLS_AES_256_GCM_SHA384 -alpn h2 -servername ks.example.test -keylogfile "$keys"
    cap_stop "$keys"
}

# Held out, third round: made after the rules of the second round's fix were final, never tuned
# on. Closes of every kind and more cadences (ports NEW_PORT+4..+7, default 47704-47707):
#  - grpc-go's MaxConnectionAge (3 s, grace 2 s: GOAWAY, PING, GOAWAY) under a C-core client
#    pinging every 800 ms on a Health/Watch stream, TLS 1.3;
#  - grpc-go's MaxConnectionIdle (3 s) and server PINGs every 600 ms, a Go client, TLS 1.2
#    AES-256-GCM;
#  - a C-core client pinging every 400 ms against grpc-go's default policy: GOAWAY
#    ENHANCE_YOUR_CALM "too_many_pings" over TLS 1.2;
#  - nghttpd answering PINGs every 250 ms over TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384 (s_client).
s_tls13_core_max_age() {
    local name=tls13_core_max_age P=$((NP + 4)) keys="$WORK/tls13_core_max_age.keys"
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -max-age 3s -max-age-grace 2s -life 12s -tls 1.3 \
        -policy-min-time 300ms -permit-without-stream -keylog "$keys" -cert-out "$WORK/$name.pem"
    wait_listen "$P"
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:"$P" --rpcs 2 --interval 0.3 --idle 7 --watch 8 --tls-ca "$WORK/$name.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms=800 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}
s_tls12_go_max_idle() {
    local P=$((NP + 5)) keys="$WORK/tls12_go_max_idle.keys"
    cap_start tls12_go_max_idle.pcap "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time 600ms -ka-timeout 2s -max-idle 3s -life 12s -tls 1.2 \
        -tls12-suite aes256gcm -keylog "$keys"
    wait_listen "$P"
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 3 -interval 200ms -idle 6s -tls 1.2 -tls12-suite aes256gcm
    cap_stop "$keys"
}
s_tls12_core_too_many_pings() {
    local name=tls12_core_too_many_pings P=$((NP + 6)) keys="$WORK/tls12_core_too_many_pings.keys"
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -life 12s -tls 1.2 -keylog "$keys" -cert-out "$WORK/$name.pem"
    wait_listen "$P"
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:"$P" --rpcs 1 --idle 5 --tls-ca "$WORK/$name.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms=400 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}
s_tls12_nghttpd_pings() {
    local name=tls12_nghttpd_pings P=$((NP + 7)) keys="$WORK/tls12_nghttpd.keys"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test -keyout "$WORK/$name.key" -out "$WORK/$name.crt" 2>/dev/null
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 15 nghttpd --address=127.0.0.1 "$P" "$WORK/$name.key" "$WORK/$name.crt"
    wait_listen "$P"
    $PY "$HERE/gen/h2_pings.py" --pings 10 --gap 0.25 | fg 10 openssl s_client -connect 127.0.0.1:"$P" -tls1_2 \
        -cipher ECDHE-ECDSA-AES256-GCM-SHA384 -alpn h2 -servername ks.example.test -keylogfile "$keys"
    cap_stop "$keys"
}

# Held out, fourth round: made with the third round's rules, never tuned on (ports
# NEW_PORT+8..+12, default 47708-47712):
#  - grpc-go both sides over TLS 1.3: 10 quick calls, then a Health/Watch stream under server
#    PINGs every 1.5 s;
#  - a C-core client's 20 quick calls (keepalive 2 s) to grpc-go pinging every 700 ms, TLS 1.2
#    AES-256-GCM;
#  - a C-core server (keepalive 900 ms) and a Go client that prefers ChaCha20 (no AES
#    instructions) over TLS 1.3;
#  - a C-core client pinging every 600 ms through tinyproxy's CONNECT tunnel, TLS 1.2.
s_tls13_go_watch_rpcs() {
    local P=$((NP + 8)) keys="$WORK/tls13_go_watch_rpcs.keys"
    cap_start tls13_go_watch_rpcs.pcap "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time 1500ms -ka-timeout 2s -life 14s -tls 1.3 -keylog "$keys"
    wait_listen "$P"
    fg 20 "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 10 -interval 100ms -watch 7s -idle 1s -tls 1.3
    cap_stop "$keys"
}
s_tls12_core_quick_calls() { core_rpcs_ka tls12_core_quick_calls $((NP + 9)) 1.2 aes256gcm 2000 700ms 20 0.1; }
core_rpcs_ka() {  # core_rpcs_ka NAME PORT VERSION SUITE CLIENT-KA-MS SERVER-KA RPCS INTERVAL
    local name=$1 P=$2 version=$3 suite=$4 ka=$5 ska=$6 rpcs=$7 interval=$8 keys="$WORK/$1.keys"
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$P" -ka-time "$ska" -ka-timeout 2s -life 12s -tls "$version" \
        -tls12-suite "$suite" -policy-min-time 300ms -permit-without-stream -keylog "$keys" -cert-out "$WORK/$name.pem"
    wait_listen "$P"
    fg 20 $PY "$KSPY" client --addr 127.0.0.1:"$P" --rpcs "$rpcs" --interval "$interval" --idle 5 --tls-ca "$WORK/$name.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms="$ka" -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}
s_tls13_core_server_chacha() {
    local name=tls13_core_server_chacha P=$((NP + 10)) keys="$WORK/tls13_core_server_chacha.keys"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test -keyout "$WORK/$name.key" -out "$WORK/$name.crt" 2>/dev/null
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 20 $PY "$KSPY" server --addr 127.0.0.1:"$P" --life 12 --tls-cert "$WORK/$name.crt" --tls-key "$WORK/$name.key" \
        -o grpc.keepalive_time_ms=900 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    wait_listen "$P"
    fg 20 env GODEBUG=cpu.aes=off "$KSGO" -mode client -addr 127.0.0.1:"$P" -rpcs 6 -interval 300ms -idle 5s -tls 1.3 \
        -keylog "$keys"
    cap_stop "$keys"
}
s_tls12_core_proxy() {
    local P=$((NP + 11)) S=$((NP + 12)) keys="$WORK/proxy12.keys"
    cat >"$WORK/tinyproxy12.conf" <<CONF
Port $P
Listen 127.0.0.1
Timeout 60
MaxClients 10
Allow 127.0.0.1
ConnectPort $S
LogLevel Info
LogFile "$WORK/tinyproxy12.log"
PidFile "$WORK/tinyproxy12.pid"
CONF
    cap_start tls12_core_proxy.pcap "$(port_filter "$P" "$S")"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:"$S" -life 12s -tls 1.2 -policy-min-time 300ms -permit-without-stream \
        -keylog "$keys" -cert-out "$WORK/cert12.pem"
    wait_listen "$S"
    bg 20 tinyproxy -d -c "$WORK/tinyproxy12.conf"
    wait_listen "$P"
    fg 20 env https_proxy=http://127.0.0.1:"$P" grpc_proxy=http://127.0.0.1:"$P" no_proxy= \
        $PY "$KSPY" client --addr 127.0.0.1:"$S" --rpcs 3 --interval 0.5 --idle 5 --tls-ca "$WORK/cert12.pem" \
        --method /grpc.health.v1.Health/Check \
        -o grpc.keepalive_time_ms=600 -o grpc.keepalive_timeout_ms=2000 \
        -o grpc.keepalive_permit_without_calls=1 -o grpc.http2.max_pings_without_data=0
    cap_stop "$keys"
}

# Held out, fifth round: HTTP/2 without PINGs, made after the rule that an unknown record must
# have room for a PING and another frame, never tuned on: curl (its SSLKEYLOGFILE) fetching
# small files from nghttpd (8, 3, 21 and 300 bytes: DATA frames of PING-like sizes), on one
# connection back to back, at 4 requests a second, and one request per connection (ports
# NEW_PORT+13, +14). Every PING inferred on them is false.
curl_nghttpd() {  # curl_nghttpd NAME PORT CURL-TLS-OPTION
    local name=$1 P=$2 tlsopt=$3 keys="$WORK/$1.keys" u=() i
    mkdir -p "$WORK/docs"
    printf 'abcdefgh' >"$WORK/docs/a"; printf 'abc' >"$WORK/docs/b"
    printf '%021d' 0 >"$WORK/docs/c"; printf '%0300d' 0 >"$WORK/docs/d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ks.example.test \
        -addext subjectAltName=DNS:ks.example.test -keyout "$WORK/$name.key" -out "$WORK/$name.crt" 2>/dev/null
    for i in 1 2 3 4 5 6 7 8; do u+=("https://127.0.0.1:$P/a" "https://127.0.0.1:$P/b" "https://127.0.0.1:$P/c" "https://127.0.0.1:$P/d"); done
    cap_start "$name.pcap" "$(port_filter "$P")"
    bg 25 nghttpd --address=127.0.0.1 -d "$WORK/docs" "$P" "$WORK/$name.key" "$WORK/$name.crt"
    wait_listen "$P"
    fg 15 env SSLKEYLOGFILE="$keys" curl -sk --http2 $tlsopt "${u[@]}"
    fg 15 env SSLKEYLOGFILE="$keys" curl -sk --http2 $tlsopt --rate 4/s "${u[@]:0:12}"
    for i in 1 2 3; do
        fg 5 env SSLKEYLOGFILE="$keys" curl -sk --http2 $tlsopt "https://127.0.0.1:$P/a"
        sleep 0.3
    done
    cap_stop "$keys"
}
s_tls13_curl_nghttpd() { curl_nghttpd tls13_curl_nghttpd $((NP + 13)) --tlsv1.3; }
s_tls12_curl_nghttpd() { curl_nghttpd tls12_curl_nghttpd $((NP + 14)) "--tls-max 1.2"; }
