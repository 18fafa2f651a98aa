// grpc-java (Debian 12: libgrpc-java 1.41 + libnetty-java 4.1.48) server and client for the
// reference captures of gen/java_scenarios.sh. No code generation: one service "ks.Java" built
// by hand with a byte-array Marshaller, a unary /ks.Java/Echo and a server-streaming
// /ks.Java/Hold (one message back, then the stream stays open for the number of milliseconds
// the request names, then OK). Plain-text HTTP/2 (usePlaintext) on 127.0.0.1, Netty transport.
//
//   java -cp ... KsJava server port=P [permit-time=MS] [permit-without-calls] [max-idle=MS]
//        [max-age=MS] [max-age-grace=MS] [ka-time=MS] [ka-timeout=MS] [pidfile=PATH] life=MS
//   java -cp ... KsJava client port=P [ka-time=MS] [ka-timeout=MS] [ka-without-calls]
//        [rpcs=N] [interval=MS] [hold=MS] [freeze=PIDFILE] idle=MS
//
// freeze=PIDFILE: after the calls the client writes its pid there and stops itself (SIGSTOP), a
// peer that still ACKs at the TCP level but never answers a PING; the caller sends SIGCONT.
// Every knob maps one to one to a NettyServerBuilder / NettyChannelBuilder method of the same
// name; an absent knob keeps grpc-java's default. Every wait is bounded (life=, idle=, hold=).
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

public final class KsJava {
    static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override public InputStream stream(byte[] v) { return new java.io.ByteArrayInputStream(v); }
        @Override public byte[] parse(InputStream in) {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                return out.toByteArray();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
    }

    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder(new Bytes(), new Bytes())
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("ks.Java/Echo").build();
    static final MethodDescriptor<byte[], byte[]> HOLD = MethodDescriptor.<byte[], byte[]>newBuilder(new Bytes(), new Bytes())
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("ks.Java/Hold").build();

    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 0) m.put(args[i], "1"); else m.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return m;
    }

    static long ms(Map<String, String> o, String k, long dflt) { return o.containsKey(k) ? Long.parseLong(o.get(k)) : dflt; }

    static void log(String s) { System.err.printf("[ksjava %d] %s%n", System.currentTimeMillis(), s); }

    static ServerServiceDefinition service(ScheduledExecutorService timer) {
        return ServerServiceDefinition.builder("ks.Java")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(HOLD, ServerCalls.asyncServerStreamingCall((byte[] req, StreamObserver<byte[]> out) -> {
                    long hold = Long.parseLong(new String(req, StandardCharsets.US_ASCII).trim());
                    out.onNext("held".getBytes(StandardCharsets.US_ASCII));
                    timer.schedule(() -> {
                        try {
                            out.onCompleted();
                        } catch (RuntimeException e) {
                            log("hold end: " + e);
                        }
                    }, hold, TimeUnit.MILLISECONDS);
                }))
                .build();
    }

    static void server(Map<String, String> o) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(o.get("port"))))
                .addService(service(timer));
        if (o.containsKey("permit-time")) b.permitKeepAliveTime(ms(o, "permit-time", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("permit-without-calls")) b.permitKeepAliveWithoutCalls(true);
        if (o.containsKey("max-idle")) b.maxConnectionIdle(ms(o, "max-idle", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("max-age")) b.maxConnectionAge(ms(o, "max-age", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("max-age-grace")) b.maxConnectionAgeGrace(ms(o, "max-age-grace", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("ka-time")) b.keepAliveTime(ms(o, "ka-time", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("ka-timeout")) b.keepAliveTimeout(ms(o, "ka-timeout", 0), TimeUnit.MILLISECONDS);
        Server s = b.build().start();
        if (o.containsKey("pidfile")) // for a caller that stops the server (SIGSTOP) mid-run
            java.nio.file.Files.writeString(java.nio.file.Path.of(o.get("pidfile")), ProcessHandle.current().pid() + "\n");
        log("server listening on " + o.get("port"));
        Thread.sleep(ms(o, "life", 10000));
        s.shutdownNow();
        s.awaitTermination(2, TimeUnit.SECONDS);
        timer.shutdownNow();
    }

    static void client(Map<String, String> o) throws Exception {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(o.get("port"))).usePlaintext();
        if (o.containsKey("ka-time")) b.keepAliveTime(ms(o, "ka-time", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("ka-timeout")) b.keepAliveTimeout(ms(o, "ka-timeout", 0), TimeUnit.MILLISECONDS);
        if (o.containsKey("ka-without-calls")) b.keepAliveWithoutCalls(true);
        ManagedChannel ch = b.build();
        long rpcs = ms(o, "rpcs", 1), interval = ms(o, "interval", 300);
        for (long i = 0; i < rpcs; i++) {
            if (i > 0) Thread.sleep(interval);
            try {
                byte[] r = ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                        ("ping " + i).getBytes(StandardCharsets.US_ASCII));
                log("echo " + i + ": " + r.length + " bytes");
            } catch (RuntimeException e) {
                log("echo " + i + ": " + e);
            }
        }
        if (o.containsKey("hold")) {
            long hold = ms(o, "hold", 0);
            try {
                Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, HOLD,
                        CallOptions.DEFAULT.withDeadlineAfter(hold + 5000, TimeUnit.MILLISECONDS),
                        Long.toString(hold).getBytes(StandardCharsets.US_ASCII));
                int n = 0;
                while (it.hasNext()) { it.next(); n++; }
                log("hold: " + n + " messages, OK");
            } catch (RuntimeException e) {
                log("hold: " + e);
            }
        }
        if (o.containsKey("freeze")) {
            long pid = ProcessHandle.current().pid();
            java.nio.file.Files.writeString(java.nio.file.Path.of(o.get("freeze")), Long.toString(pid) + "\n");
            log("freezing (SIGSTOP) pid " + pid);
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
            log("continued");
        }
        Thread.sleep(ms(o, "idle", 1000));
        log("client state before shutdown: " + ch.getState(false));
        ch.shutdown();
        ch.awaitTermination(2, TimeUnit.SECONDS);
        ch.shutdownNow();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = parse(args);
        if (args.length > 0 && args[0].equals("server")) server(o);
        else if (args.length > 0 && args[0].equals("client")) client(o);
        else { System.err.println("usage: KsJava server|client port=P ..."); System.exit(2); }
        System.exit(0);
    }
}
