# Sourced by make_captures.sh. grpc-java 1.41 (Debian 12 libgrpc-java, Netty 4.1.48 from
# libnetty-java) on both ends: gen/KsJava.java, a hand-built "ks.Java" service (byte-array
# marshaller, unary Echo, server-streaming Hold), every NettyServerBuilder / NettyChannelBuilder
# keepalive knob as a key=value flag. Ports 49700-49709, 127.0.0.1 only, every JVM bounded.
# Debian: apt-get install --no-install-recommends default-jdk-headless libgrpc-java libnetty-java
# libperfmark-java (make_captures.sh does). KSJAVA_DIR=... reuses compiled classes.

KSJAVA=()          # the java command line that runs KsJava, set by java_build
java_build() {      # compiles gen/KsJava.java once into $KSJAVA_DIR (or $WORK/ksjava)
    ((${#KSJAVA[@]})) && return 0
    local d=${KSJAVA_DIR:-$WORK/ksjava} j=/usr/share/java cp="" n
    for n in grpc-api grpc-core grpc-netty grpc-context grpc-stub netty-transport netty-transport-native-epoll \
        netty-transport-native-unix-common netty-common netty-codec-http2 netty-codec-http netty-codec \
        netty-handler netty-buffer netty-resolver guava perfmark-api; do
        cp+="${cp:+:}$j/$n.jar"
    done
    mkdir -p "$d"
    if [[ ! -f $d/KsJava.class ]]; then
        echo "  compiling gen/KsJava.java"
        timeout 300 javac -d "$d" -cp "$cp" "$HERE/gen/KsJava.java"
    fi
    KSJAVA=(java -Xmx64m -XX:+UseSerialGC -cp "$d:$cp" KsJava)
}

# Client keepAliveTime 10 s (grpc-java's floor for clients) with keepAliveWithoutCalls(true)
# against a server on the defaults (permitKeepAliveTime 5 min, permitKeepAliveWithoutCalls
# false): the KeepAliveEnforcer counts each idle PING as a strike and on the third (about 30 s
# in) answers GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and closes.
s_java_too_many_pings() {
    local P=49700
    java_build
    cap_start java_too_many_pings.pcap lo "$(port_filter $P)"
    bg 50 "${KSJAVA[@]}" server port=$P life=45000
    wait_listen $P
    fg 50 "${KSJAVA[@]}" client port=$P ka-time=10000 ka-without-calls rpcs=1 idle=36000
    cap_stop
}

# Server maxConnectionIdle 1 s, one call then 3 s idle: grpc-java's graceful shutdown sends
# GOAWAY NO_ERROR "max_idle" with last_stream_id 2^31-1, a PING, and after its ACK a second
# GOAWAY "max_idle" with the real last stream id, then closes. The client reconnects only for a
# new call (none here).
s_java_max_idle() {
    local P=49701
    java_build
    cap_start java_max_idle.pcap lo "$(port_filter $P)"
    bg 20 "${KSJAVA[@]}" server port=$P max-idle=1000 life=12000
    wait_listen $P
    fg 20 "${KSJAVA[@]}" client port=$P rpcs=1 idle=3000
    cap_stop
}

# Server maxConnectionAge 1 s (grpc-java adds +-10 % jitter) and maxConnectionAgeGrace 1.5 s
# while a Hold stream (5 s) is in flight: two GOAWAYs "max_age" with a PING between, then when
# the grace runs out the server resets the stream and closes.
s_java_max_age() {
    local P=49702
    java_build
    cap_start java_max_age.pcap lo "$(port_filter $P)"
    bg 25 "${KSJAVA[@]}" server port=$P max-age=1000 max-age-grace=1500 life=15000
    wait_listen $P
    fg 20 "${KSJAVA[@]}" client port=$P rpcs=1 hold=5000 idle=1000
    cap_stop
}

# Server keepAliveTime 10 s (grpc-java 1.41 raises anything lower to 10 s, servers included:
# KeepAliveManager.clampKeepAliveTimeInNanos), keepAliveTimeout 2 s; the client stops itself
# (SIGSTOP) after its call: its kernel still ACKs, the JVM never answers the PING, and 2 s after
# the PING the server gives up and closes. The client is continued (SIGCONT) 15 s later.
s_java_server_keepalive_timeout() {
    local P=49703 pidf="$WORK/ksjava-freeze.pid" _
    java_build
    rm -f "$pidf"
    cap_start java_server_keepalive_timeout.pcap lo "$(port_filter $P)"
    bg 40 "${KSJAVA[@]}" server port=$P ka-time=10000 ka-timeout=2000 life=24000
    wait_listen $P
    bg 40 "${KSJAVA[@]}" client port=$P rpcs=1 freeze="$pidf" idle=1000
    for _ in $(seq 1 150); do [[ -s $pidf ]] && break; sleep 0.1; done
    sleep 15
    if [[ -s $pidf ]]; then kill -CONT "$(cat "$pidf")" 2>/dev/null || true; fi
    sleep 2.5
    cap_stop
}

# The client's side of it: keepAliveTime 10 s, keepAliveTimeout 2 s, keepAliveWithoutCalls(true),
# to a permissive server that is stopped (SIGSTOP) 4 s after it started, once the call is done:
# the client's PING is ACKed by the server's kernel only, and 2 s later the client closes. The
# server is continued (SIGCONT) 15 s after it was stopped.
s_java_client_keepalive_timeout() {
    local P=49705 pidf="$WORK/ksjava-server.pid" _
    java_build
    rm -f "$pidf"
    cap_start java_client_keepalive_timeout.pcap lo "$(port_filter $P)"
    bg 40 "${KSJAVA[@]}" server port=$P permit-time=5000 permit-without-calls pidfile="$pidf" life=30000
    wait_listen $P
    for _ in $(seq 1 50); do [[ -s $pidf ]] && break; sleep 0.1; done
    bg 40 "${KSJAVA[@]}" client port=$P ka-time=10000 ka-timeout=2000 ka-without-calls rpcs=1 idle=17000
    sleep 4
    kill -STOP "$(cat "$pidf")"
    sleep 15
    kill -CONT "$(cat "$pidf")" 2>/dev/null || true
    sleep 1.5
    cap_stop
}

# Healthy client keepalive: keepAliveTime 10 s, keepAliveTimeout 2 s, keepAliveWithoutCalls(true)
# to a server that permits it (permitKeepAliveTime 5 s, permitKeepAliveWithoutCalls(true)): three
# PINGs (opaque 1111) in 33 s of idle, all ACKed, the client closes its channel at the end.
s_java_ping_healthy() {
    local P=49704
    java_build
    cap_start java_ping_healthy.pcap lo "$(port_filter $P)"
    bg 50 "${KSJAVA[@]}" server port=$P permit-time=5000 permit-without-calls life=40000
    wait_listen $P
    fg 50 "${KSJAVA[@]}" client port=$P ka-time=10000 ka-timeout=2000 ka-without-calls rpcs=1 idle=33000
    cap_stop
}
