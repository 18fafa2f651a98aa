#!/usr/bin/python3
"""kspy: gRPC C-core (python3-grpcio) server/client, a black-holing TCP proxy and a plain
TCP keep-alive pair, used by make_captures.sh. No generated code: raw-bytes generic handlers.

  kspy.py server --addr 127.0.0.1:50110 --life 8 [-o grpc.key=value ...] [--tls-cert C --tls-key K]
  kspy.py client --addr 127.0.0.1:50110 --rpcs 2 --interval 0.5 --idle 5 [-o ...] [--watch 6]
  kspy.py proxy  --listen 127.0.0.1:50150 --target 127.0.0.1:50151 --forward-for 2 --life 8
  kspy.py tcpka  --port 50160 --idle 5
  kspy.py proxy  ... --idle-reset 1.5     (an idle-timeout middlebox: RST both ways on traffic after 1.5 s idle)
  kspy.py proxy  ... --drop-after 3       (after 3 s the proxy's kernel discards every arriving segment unACKed:
                                           a silent drop the peers see as retransmissions)
  kspy.py badframe --addr 127.0.0.1:50195  (a raw HTTP/2 client that sends a malformed SETTINGS frame)
  kspy.py kagone --port 47810 --gone-after 0.5 (raw HTTP/2 pair, client kernel keep-alive 1 s x 3; the
                                           server's socket then discards every segment: probes unanswered)
"""
import argparse
import socket
import struct
import sys
import threading
import time

METHOD = "/ks.Echo/Ping"


def parse_opts(opts):
    out = []
    for o in opts or []:
        k, v = o.split("=", 1)
        try:
            v = int(v)
        except ValueError:
            pass
        out.append((k, v))
    return out


def run_server(a):
    import grpc
    from concurrent import futures

    def ping(request, context):
        time.sleep(a.delay)  # --delay: keep the call open (a server stopped mid-call cancels it)
        return b"pong:" + request

    def bidi(it, context):
        for m in it:
            yield m

    def bulk(req, context):
        n = int(req or b"4194304")
        chunk = b"x" * 16384
        sent = 0
        while sent < n:
            yield chunk
            sent += len(chunk)

    handler = grpc.method_handlers_generic_handler(
        "ks.Echo", {"Ping": grpc.unary_unary_rpc_method_handler(ping),
                    "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
                    "Bulk": grpc.unary_stream_rpc_method_handler(bulk)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=parse_opts(a.o))
    server.add_generic_rpc_handlers((handler,))
    if a.tls_cert:
        creds = grpc.ssl_server_credentials([(open(a.tls_key, "rb").read(), open(a.tls_cert, "rb").read())])
        port = server.add_secure_port(a.addr, creds)
    else:
        port = server.add_insecure_port(a.addr)
    if port == 0:
        sys.exit("cannot bind " + a.addr)
    server.start()
    server.wait_for_termination(timeout=a.life)
    server.stop(0)


def run_client(a):
    import grpc
    if a.tls_ca:
        # TLS to a server whose self-signed certificate is in --tls-ca (grpc-go's -cert-out);
        # the name it was issued for is checked, whatever address is dialled.
        creds = grpc.ssl_channel_credentials(root_certificates=open(a.tls_ca, "rb").read())
        opts = parse_opts(a.o) + [("grpc.ssl_target_name_override", "ks.example.test")]
        ch = grpc.secure_channel(a.addr, creds, options=opts)
    else:
        ch = grpc.insecure_channel(a.addr, options=parse_opts(a.o))
    grpc.channel_ready_future(ch).result(timeout=10)
    if a.watch:
        # A server stream held open (grpc.health.v1.Health/Watch on grpc-go: one message, then
        # nothing until the status changes) for --watch seconds, beside the unary calls.
        watch = ch.unary_stream("/grpc.health.v1.Health/Watch")

        def hold():
            try:
                for msg in watch(b"", timeout=a.watch):
                    print("watch", msg, flush=True)
            except grpc.RpcError as e:
                print("watch ended:", e.code(), flush=True)
        threading.Thread(target=hold, daemon=True).start()
    if a.work == "bidi":
        def gen():
            for i in range(a.rpcs):
                yield b"x" * a.size
                time.sleep(a.interval)
        n = 0
        for m in ch.stream_stream("/ks.Echo/Bidi")(gen(), timeout=60):
            n += 1
        print("bidi got", n, flush=True)
    elif a.work == "bulk":
        n = 0
        for m in ch.unary_stream("/ks.Echo/Bulk")(str(a.bulk).encode(), timeout=60):
            n += len(m)
        print("bulk got", n, flush=True)
    elif a.work == "conc":
        fut = ch.unary_unary(a.method)
        for r in range(a.rpcs):
            fs = [fut.future(b"x" * a.size, timeout=5) for _ in range(a.conc)]
            for f in fs:
                f.result()
            time.sleep(a.interval)
    call = ch.unary_unary(a.method)
    for i in range(a.rpcs if a.work == "unary" else 0):
        if i:
            time.sleep(a.interval)
        # grpc.health.v1.Health/Check takes an empty HealthCheckRequest (zero bytes).
        req = b"" if "Health" in a.method else b"x" * a.size
        try:
            print("rpc", i, call(req, timeout=5), flush=True)
        except grpc.RpcError as e:
            print("rpc", i, "failed:", e.code(), flush=True)
    # Stay connected (keepalive pings flow, or the server says GOAWAY) for --idle seconds.
    state = {}
    ch.subscribe(lambda s: state.__setitem__("last", s))
    time.sleep(a.idle)
    print("channel state at end:", state.get("last"), flush=True)
    ch.close()


def drop_everything(sock):
    """Attach a classic BPF socket filter that returns 0 ("ret #0"): the kernel discards each
    arriving segment before TCP sees it, so nothing is ACKed and the sender retransmits. The
    segments are still on the wire (tcpdump taps the device, before the socket filter)."""
    import ctypes
    SO_ATTACH_FILTER = 26
    insn = (ctypes.c_ubyte * 8)(0x06, 0x00, 0, 0, 0, 0, 0, 0)  # BPF_RET|BPF_K, k = 0
    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    prog = Fprog(1, ctypes.addressof(insn))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(memoryview(prog)))


def run_proxy(a):
    """Forward bytes both ways for --forward-for seconds after start, then keep every socket
    open but silently discard what arrives (a black-holing middlebox)."""
    lh, lp = a.listen.rsplit(":", 1)
    th, tp = a.target.rsplit(":", 1)
    t0 = time.monotonic()
    last = {}  # id(pair) -> time of the last forwarded bytes (for --idle-reset)
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((lh, int(lp)))
    lst.listen(8)
    lst.settimeout(0.2)
    keep = []

    def reset(*socks):
        # SO_LINGER 0: close() sends RST, as an LB whose idle timer expired does (AWS NLB, Azure
        # with TCP reset) when either side sends again.
        for s_ in socks:
            try:
                s_.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s_.close()
            except OSError:
                pass

    def pump(src, dst, key):
        while True:
            try:
                b = src.recv(65536)
            except OSError:
                return
            if not b:
                return  # peer closed; keep our side open (do not propagate)
            now = time.monotonic()
            if a.idle_reset and now - last[key] > a.idle_reset:
                reset(src, dst)
                return
            last[key] = now
            if now - t0 < a.forward_for:
                try:
                    dst.sendall(b)
                except OSError:
                    return
            # else: drop silently

    dropped = False
    while time.monotonic() - t0 < a.life:
        if a.drop_after and not dropped and time.monotonic() - t0 >= a.drop_after:
            dropped = True
            for s_ in keep:
                drop_everything(s_)
        try:
            c, _ = lst.accept()
        except socket.timeout:
            continue
        u = socket.create_connection((th, int(tp)), timeout=5)
        u.settimeout(None)
        keep += [c, u]
        last[id(c)] = time.monotonic()
        for s, d in ((c, u), (u, c)):
            threading.Thread(target=pump, args=(s, d, id(c)), daemon=True).start()
    time.sleep(max(0.0, a.life - (time.monotonic() - t0)))
    for s in keep:
        s.close()


def run_tcpka(a):
    """Plain TCP pair; the client enables kernel keep-alive (idle 1 s, interval 1 s)."""
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", a.port))
    lst.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    c.connect(("127.0.0.1", a.port))
    s, _ = lst.accept()
    c.sendall(b"hello\n")
    s.recv(100)
    s.sendall(b"world\n")
    c.recv(100)
    time.sleep(a.idle)
    c.close()
    time.sleep(0.2)
    s.close()
    lst.close()


def run_h2ka(a):
    """An HTTP/2 client that says only its preface and SETTINGS to --addr, then stays quiet with
    kernel keep-alive on its socket (TCP_KEEPIDLE --keepidle s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 3)
    for --idle seconds: what a middlebox's idle timer does to the probes is the point."""
    host, port = a.addr.rsplit(":", 1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, a.keepidle)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    c.connect((host, int(port)))
    c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    c.settimeout(a.idle)
    deadline = time.monotonic() + a.idle
    try:
        while time.monotonic() < deadline:
            data = c.recv(4096)
            if not data:
                print("h2ka: the server closed", flush=True)
                break
            if b"\x00\x00\x00\x04\x00" in data[:9] or len(data) >= 9:
                c.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")  # SETTINGS ACK (idempotent enough)
            c.settimeout(max(0.1, deadline - time.monotonic()))
    except OSError as e:
        print("h2ka: read failed:", e, flush=True)  # ECONNRESET when a middlebox resets the flow
    c.close()


def run_kagone(a):
    """A raw HTTP/2 pair (preface and SETTINGS both ways, then quiet) whose client socket has
    kernel keep-alive (TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 3). --gone-after seconds
    after the handshake the server's socket gets the drop-all filter: the peer is gone without a
    FIN or RST (a host that lost power, a path that black-holes). The client's probes go
    unanswered and after the third the client's kernel resets the connection itself
    (tcp_keepalive_timer: tcp_send_active_reset, then ETIMEDOUT to the application)."""
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", a.port))
    lst.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    c.connect(("127.0.0.1", a.port))
    s, _ = lst.accept()
    settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    settings_ack = b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"
    c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + settings)
    s.recv(100)
    s.sendall(settings + settings_ack)
    c.recv(100)
    c.sendall(settings_ack)
    s.recv(100)
    time.sleep(a.gone_after)
    drop_everything(s)
    c.settimeout(12)
    try:
        print("client read:", c.recv(100), flush=True)
    except OSError as e:
        print("client read failed:", e, flush=True)  # ETIMEDOUT after the third probe
    c.close()
    time.sleep(0.5)
    s.close()
    lst.close()


def run_badframe(a):
    """Client preface, then a SETTINGS frame whose length is not a multiple of 6: RFC 9113 section
    6.5 makes it a FRAME_SIZE_ERROR connection error. C-core 1.51 closes with a plain FIN and sends
    no GOAWAY (goaway_frame_size.pcap shows exactly that)."""
    h, p = a.addr.rsplit(":", 1)
    c = socket.create_connection((h, int(p)), timeout=5)
    c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    time.sleep(0.3)
    c.sendall(b"\x00\x00\x05\x04\x00\x00\x00\x00\x00" + b"\x00" * 5)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    time.sleep(0.2)
    c.close()


def run_h2stall(a):
    """An HTTP/2 client that stops reading: a GET of a large file with windows opened wide, from a
    socket with a small receive buffer that it never reads, then a close with the data unread. Its
    kernel advertises a zero window once the buffer is full, the server's kernel probes it (the
    persist timer, backing off from the RTO), and the close answers with RST (unread data)."""
    h, p = a.addr.rsplit(":", 1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.connect((h, int(p)))
    big = 0x7FFFFFFF
    settings = struct.pack(">HI", 4, big)  # SETTINGS_INITIAL_WINDOW_SIZE
    frame = lambda t, f, sid, body: struct.pack(">I", len(body))[1:] + bytes([t, f]) + struct.pack(">I", sid) + body
    authority = ("%s:%s" % (h, p)).encode()
    path = a.path.encode()
    block = b"\x82\x86" + b"\x44" + bytes([len(path)]) + path + b"\x41" + bytes([len(authority)]) + authority
    c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, settings)
              + frame(8, 0, 0, struct.pack(">I", big - 65535)) + frame(1, 5, 1, block))
    time.sleep(a.stall)
    c.close()  # unread data: Linux answers with RST


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("server")
    s.add_argument("--addr", required=True)
    s.add_argument("--life", type=float, default=10)
    s.add_argument("-o", action="append")
    s.add_argument("--delay", type=float, default=0, help="seconds each call takes")
    s.add_argument("--tls-cert", help="serve TLS with this PEM certificate (and --tls-key)")
    s.add_argument("--tls-key")
    c = sub.add_parser("client")
    c.add_argument("--addr", required=True)
    c.add_argument("--rpcs", type=int, default=1)
    c.add_argument("--interval", type=float, default=0.5)
    c.add_argument("--idle", type=float, default=3)
    c.add_argument("--method", default=METHOD, help="full method name, e.g. /grpc.health.v1.Health/Check")
    c.add_argument("-o", action="append")
    c.add_argument("--tls-ca", help="connect with TLS, trusting this PEM certificate")
    c.add_argument("--watch", type=float, default=0, help="hold a Health/Watch stream open this long")
    c.add_argument("--work", default="unary")
    c.add_argument("--size", type=int, default=3)
    c.add_argument("--conc", type=int, default=4)
    c.add_argument("--bulk", type=int, default=4194304)
    x = sub.add_parser("proxy")
    x.add_argument("--listen", required=True)
    x.add_argument("--target", required=True)
    x.add_argument("--forward-for", type=float, default=2)
    x.add_argument("--life", type=float, default=10)
    x.add_argument("--idle-reset", type=float, default=0)
    x.add_argument("--drop-after", type=float, default=0)
    k = sub.add_parser("tcpka")
    k.add_argument("--port", type=int, required=True)
    k.add_argument("--idle", type=float, default=5)
    b = sub.add_parser("badframe")
    b.add_argument("--addr", required=True)
    h = sub.add_parser("h2ka")
    h.add_argument("--addr", required=True)
    h.add_argument("--keepidle", type=int, default=3)
    h.add_argument("--idle", type=float, default=6)
    g = sub.add_parser("kagone")
    g.add_argument("--port", type=int, required=True)
    g.add_argument("--gone-after", type=float, default=0.5)
    z = sub.add_parser("h2stall")
    z.add_argument("--addr", required=True)
    z.add_argument("--path", default="/big.bin")
    z.add_argument("--stall", type=float, default=5)
    a = p.parse_args()
    {"server": run_server, "client": run_client, "proxy": run_proxy, "tcpka": run_tcpka, "h2ka": run_h2ka,
     "badframe": run_badframe, "kagone": run_kagone, "h2stall": run_h2stall}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # make_captures.sh stops helpers with SIGINT
        pass
