# Sourced by make_captures.sh. Field scenarios a user brings that the others do not cover (ports
# 49600-49649): TCP proxies between a pinging client and a strict server, nghttpx (nghttp2's
# reverse proxy) in front of grpc-go, middleboxes that reset, and servers stopping mid-call.
# Debian: apt-get install --no-install-recommends tinyproxy haproxy nghttp2-proxy (make_captures.sh does).

h6_tinyproxy_conf() {   # h6_tinyproxy_conf PORT TARGET-PORT TIMEOUT  (writes $WORK/tinyproxy-PORT.conf)
    cat >"$WORK/tinyproxy-$1.conf" <<CONF
Port $1
Listen 127.0.0.1
Timeout $3
MaxClients 10
Allow 127.0.0.1
ConnectPort $2
LogLevel Info
LogFile "$WORK/tinyproxy-$1.log"
PidFile "$WORK/tinyproxy-$1.pid"
CONF
}

# A C-core client pinging every 1 s through tinyproxy's CONNECT tunnel to a grpc-go server with
# the default enforcement policy (5 min): the server's GOAWAY ENHANCE_YOUR_CALM "too_many_pings"
# travels inside the tunnel on both legs, but only the server sent it; tinyproxy then closes.
s_tinyproxy_too_many_pings() {
    local P=49600 S=49601
    h6_tinyproxy_conf $P $S 30
    cap_start tinyproxy_too_many_pings.pcap lo "$(port_filter $P $S)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$S -life 14s
    wait_listen $S
    bg 20 tinyproxy -d -c "$WORK/tinyproxy-$P.conf"
    wait_listen $P
    fg 15 env http_proxy=http://127.0.0.1:$P grpc_proxy=http://127.0.0.1:$P no_proxy= \
        $PY "$KSPY" client --addr 127.0.0.1:$S --rpcs 1 --idle 5 "${CORE_KA[@]}" \
        --method /grpc.health.v1.Health/Check
    cap_stop
}

# The same through haproxy `mode tcp` (a plain TCP relay, no HTTP/2 of its own).
s_haproxy_tcp_too_many_pings() {
    local P=49602 S=49603
    printf 'global\n    pidfile %s/haproxy-%s.pid\ndefaults\n    mode tcp\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\nlisten l\n    bind 127.0.0.1:%s\n    server s1 127.0.0.1:%s\n' \
        "$WORK" "$P" "$P" "$S" >"$WORK/haproxy-$P.cfg"
    cap_start haproxy_tcp_too_many_pings.pcap lo "$(port_filter $P $S)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$S -life 14s
    wait_listen $S
    bg 20 haproxy -db -f "$WORK/haproxy-$P.cfg"
    wait_listen $P
    fg 15 $PY "$KSPY" client --addr 127.0.0.1:$P --rpcs 1 --idle 5 "${CORE_KA[@]}" \
        --method /grpc.health.v1.Health/Check
    cap_stop
}

# nghttpx (nghttp2's reverse proxy, Debian nghttp2-proxy) in front of a grpc-go server: HTTP/2 on
# both sides (h2c), one worker, its own timeouts; run in the foreground, no configuration file.
h6_nghttpx() {   # h6_nghttpx FRONT BACK OPTIONS...
    local F=$1 B=$2; shift 2
    bg 25 nghttpx --conf=/dev/null --workers=1 --frontend="127.0.0.1,$F;no-tls" \
        --backend="127.0.0.1,$B;;proto=h2" --pid-file="$WORK/nghttpx-$F.pid" \
        --errorlog-file="$WORK/nghttpx-$F.log" --accesslog-file=/dev/null "$@"
}

# nghttpx --frontend-http2-read-timeout=3s: a grpc-go client idle after one call, no gRPC
# keepalive. nghttpx 1.52 closes the client leg with a bare FIN (no GOAWAY) 3.0 s after the call;
# the grpc-go client reconnects at once (its new connection idles out the same way).
s_nghttpx_read_timeout() {
    local F=49610 B=49611
    cap_start nghttpx_read_timeout.pcap lo "$(port_filter $F $B)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    h6_nghttpx $F $B --frontend-http2-read-timeout=3s
    wait_listen $F
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$F -rpcs 1 -idle 6s
    cap_stop
}

# The same read timeout with a C-core client pinging every 1 s: nghttpx answers the PINGs itself
# and still closes (FIN, no GOAWAY) 3.0 s after the call: PINGs do not reset its timer.
s_nghttpx_read_timeout_pings() {
    local F=49612 B=49613
    cap_start nghttpx_read_timeout_pings.pcap lo "$(port_filter $F $B)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    h6_nghttpx $F $B --frontend-http2-read-timeout=3s
    wait_listen $F
    fg 15 $PY "$KSPY" client --addr 127.0.0.1:$F --rpcs 1 --idle 6 "${CORE_KA[@]}" \
        --method /grpc.health.v1.Health/Check
    cap_stop
}

# nghttpx --backend-read-timeout=2s under a grpc-go Health/Watch (one message, then silence): 2.0 s
# later nghttpx FINs the backend leg and resets the client's stream (RST_STREAM INTERNAL_ERROR).
s_nghttpx_backend_read_timeout() {
    local F=49616 B=49617
    cap_start nghttpx_backend_read_timeout.pcap lo "$(port_filter $F $B)"
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    h6_nghttpx $F $B --backend-read-timeout=2s
    wait_listen $F
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$F -rpcs 1 -watch 5s
    cap_stop
}

# grpc-go both sides in a private network namespace whose input drops 25 % of the packets of the
# port at random (nft numgen; lo is captured before the drop, so every retransmission is seen):
# server keepalive PINGs every 1 s (timeout 5 s) to an idle client; some PING ACKs are lost and
# retransmitted, and answered late.
s_loss_ping_ack_retransmit() {
    local P=49620 ns=ks-h6-loss-$$
    netns_add $ns
    ip netns exec $ns nft -f - <<NFT
table inet kshloss { chain in { type filter hook input priority 0; tcp dport $P numgen random mod 100 < 25 drop; tcp sport $P numgen random mod 100 < 25 drop; }; }
NFT
    cap_run loss_ping_ack_retransmit.pcap ip netns exec $ns tcpdump --immediate-mode -U -n -i lo -w @ "tcp port $P"
    bg 30 ip netns exec $ns "$KSGO" -mode server -addr 127.0.0.1:$P -ka-time 1s -ka-timeout 5s -life 20s
    local i
    for i in $(seq 1 100); do ip netns exec $ns ss -Hltn "sport = :$P" | grep -q . && break; sleep 0.1; done
    fg 25 ip netns exec $ns "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 3 -interval 300ms -idle 10s
    cap_stop
    netns_del
}

# grpc-go Server.Stop 2 s in while a grpc-go client's Health/Watch is open (grpc-go 1.33 closes
# its transports without GOAWAY); the client's reconnect is refused (nothing listens any more).
s_go_server_stop_mid_call() {
    local P=49625
    cap_start go_server_stop_mid_call.pcap lo "$(port_filter $P)"
    bg 15 "$KSGO" -mode server -addr 127.0.0.1:$P -life 2s
    wait_listen $P
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$P -rpcs 1 -watch 4s
    cap_stop
}

# A firewall in the server's namespace starts rejecting the client's packets with a TCP reset
# (nft `reject with tcp reset`) 2.5 s into a grpc-go Health/Watch, server keepalive PINGs every
# 1 s: the client's PING ACK draws an RST in the server's name that the server never sent;
# captured on the client's side of the veth.
s_firewall_reset_mid_call() {
    local P=49630 C=ks-h6-fwc-$$ S=ks-h6-fws-$$
    netns_add $C $S
    veth $C v0 $S v1 10.49.6
    cap_run firewall_reset_mid_call.pcap ip netns exec $C tcpdump --immediate-mode -U -n -i v0 -w @ "tcp port $P"
    bg 15 ip netns exec $S "$KSGO" -mode server -addr 10.49.6.2:$P -ka-time 1s -ka-timeout 5s -life 10s
    local i
    for i in $(seq 1 100); do ip netns exec $S ss -Hltn "sport = :$P" | grep -q . && break; sleep 0.1; done
    bg 15 ip netns exec $C "$KSGO" -mode client -addr 10.49.6.2:$P -rpcs 1 -watch 6s
    sleep 2.5
    ip netns exec $S nft -f - <<NFT
table inet kshfw { chain in { type filter hook input priority 0; tcp dport $P reject with tcp reset; }; }
NFT
    sleep 4
    cap_stop
    netns_del
}
