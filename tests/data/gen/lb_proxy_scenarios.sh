# Sourced by make_captures.sh. Real HTTP/2-terminating proxies in the path (haproxy 2.6 `mode
# http` with `proto h2` on both sides, nginx 1.22 `grpc_pass`), each run in the foreground with
# its own configuration under $WORK (never the system service), both legs captured on lo. They
# answer the client's PINGs themselves and forward only the calls: ports 49560-49569.
# Debian: apt-get install --no-install-recommends haproxy nginx-light (make_captures.sh does).

lb_haproxy_h2() {   # lb_haproxy_h2 FRONT BACK EXTRA...  (writes $WORK/haproxy-FRONT.cfg)
    local F=$1 B=$2; shift 2
    {
        printf 'global\n    pidfile %s/haproxy-%s.pid\ndefaults\n    mode http\n    timeout connect 2s\n' "$WORK" "$F"
        local line; for line in "$@"; do printf '    %s\n' "$line"; done
        printf 'frontend fe\n    bind 127.0.0.1:%s proto h2\n    default_backend be\n' "$F"
        printf 'backend be\n    server s1 127.0.0.1:%s proto h2\n' "$B"
    } >"$WORK/haproxy-$F.cfg"
}

lb_nginx_grpc() {   # lb_nginx_grpc FRONT BACK SERVER-DIRECTIVES  (writes $WORK/nginx-FRONT.conf)
    local F=$1 B=$2 extra=$3 d="$WORK/nginx-$1"
    mkdir -p "$d"
    cat >"$WORK/nginx-$F.conf" <<CONF
daemon off;
master_process off;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d; uwsgi_temp_path $d; scgi_temp_path $d;
    server {
        listen 127.0.0.1:$F http2;
        $extra
        location / { grpc_pass grpc://127.0.0.1:$B; }
    }
}
CONF
}

# haproxy `timeout http-keep-alive 3s` (timeout client 30 s) between a C-core client pinging every
# 1 s and a grpc-go server: the proxy answers the PINGs itself, and 3.0 s after the call it sends
# GOAWAY NO_ERROR and FIN to the client all the same; the pooled backend leg never sees a PING.
s_haproxy_h2_ping_idle() {
    local F=49560 B=49561
    lb_haproxy_h2 $F $B "timeout client 30s" "timeout server 30s" "timeout http-keep-alive 3s"
    cap_start haproxy_h2_ping_idle.pcap lo "$(port_filter $F $B)" -B 32768
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    bg 20 haproxy -db -f "$WORK/haproxy-$F.cfg"
    wait_listen $F
    fg 15 $PY "$KSPY" client --addr 127.0.0.1:$F --rpcs 1 --idle 5 --method /grpc.health.v1.Health/Check "${CORE_KA[@]}"
    sleep 1; cap_stop
}

# nginx `keepalive_timeout 3s` the same way: GOAWAY NO_ERROR + FIN 3.0 s after the call in spite of
# the PINGs; without `upstream keepalive` nginx closes the upstream leg right after the call.
s_nginx_grpc_ping_idle() {
    local F=49562 B=49563
    lb_nginx_grpc $F $B "keepalive_timeout 3s;"
    cap_start nginx_grpc_ping_idle.pcap lo "$(port_filter $F $B)" -B 32768
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    bg 20 nginx -p "$WORK/nginx-$F" -c "$WORK/nginx-$F.conf"
    wait_listen $F
    fg 15 $PY "$KSPY" client --addr 127.0.0.1:$F --rpcs 1 --idle 5 --method /grpc.health.v1.Health/Check "${CORE_KA[@]}"
    sleep 1; cap_stop
}

# nginx `grpc_read_timeout 2s`: a grpc-go client's Health/Watch (one message, then silence) is
# forwarded on its own upstream connection; 2.0 s later nginx FINs that leg and resets the
# client's stream (RST_STREAM INTERNAL_ERROR). No gRPC keepalive setting is in play.
s_nginx_grpc_read_timeout() {
    local F=49564 B=49565
    lb_nginx_grpc $F $B "grpc_read_timeout 2s;"
    cap_start nginx_grpc_read_timeout.pcap lo "$(port_filter $F $B)" -B 32768
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    bg 20 nginx -p "$WORK/nginx-$F" -c "$WORK/nginx-$F.conf"
    wait_listen $F
    fg 15 "$KSGO" -mode client -addr 127.0.0.1:$F -rpcs 1 -watch 5s
    sleep 1; cap_stop
}

# nginx `keepalive_requests 2`: GOAWAY NO_ERROR (last_stream_id 3) as the second call arrives; the
# C-core client reconnects for its third call. Four calls 0.3 s apart: two client connections.
s_nginx_grpc_keepalive_requests() {
    local F=49566 B=49567
    lb_nginx_grpc $F $B "keepalive_requests 2;"
    cap_start nginx_grpc_keepalive_requests.pcap lo "$(port_filter $F $B)" -B 32768
    bg 20 "$KSGO" -mode server -addr 127.0.0.1:$B -life 15s
    wait_listen $B
    bg 20 nginx -p "$WORK/nginx-$F" -c "$WORK/nginx-$F.conf"
    wait_listen $F
    fg 15 $PY "$KSPY" client --addr 127.0.0.1:$F --rpcs 4 --interval 0.3 --idle 1 --method /grpc.health.v1.Health/Check
    sleep 1; cap_stop
}
