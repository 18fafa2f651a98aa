// ksgo: tiny grpc-go (1.33, Debian golang-google-grpc-dev) server/client used by
// make_captures.sh to produce reference captures. Uses the precompiled health service,
// so no protoc is needed. Build: GO111MODULE=off GOPATH=/usr/share/gocode go build ksgo.go kstls.go
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	hpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
)

func main() {
	mode := flag.String("mode", "server", "server | h2c-server | client")
	addr := flag.String("addr", "127.0.0.1:50100", "listen / dial address")
	life := flag.Duration("life", 10*time.Second, "server: exit after this long")
	// server keepalive knobs
	kaTime := flag.Duration("ka-time", 0, "server: ServerParameters.Time (server-sent PING cadence)")
	kaTimeout := flag.Duration("ka-timeout", 0, "server: ServerParameters.Timeout")
	maxIdle := flag.Duration("max-idle", 0, "server: MaxConnectionIdle")
	maxAge := flag.Duration("max-age", 0, "server: MaxConnectionAge")
	maxAgeGrace := flag.Duration("max-age-grace", 0, "server: MaxConnectionAgeGrace")
	minTime := flag.Duration("policy-min-time", 0, "server: EnforcementPolicy.MinTime (0 = grpc default 5m)")
	permit := flag.Bool("permit-without-stream", false, "server: EnforcementPolicy.PermitWithoutStream")
	graceful := flag.Bool("graceful-stop", false, "server: at -life call GracefulStop (GOAWAY, wait for the clients) instead of Stop")
	// client behaviour
	rpcs := flag.Int("rpcs", 1, "client: number of unary Check RPCs")
	interval := flag.Duration("interval", 500*time.Millisecond, "client: gap between RPCs")
	idle := flag.Duration("idle", 0, "client: stay connected and idle this long after the RPCs")
	watch := flag.Duration("watch", 0, "client: hold a Health/Watch server stream open up to this long")
	kaClient := flag.Duration("client-ka-time", 0, "client: ClientParameters.Time (client-sent PING cadence, grpc-go floor 10s)")
	lisKA := flag.Duration("listener-tcp-keepalive", 0, "server: TCP keep-alive period of accepted conns (0 = Go default 15s, negative = off)")
	// TLS: a self-signed certificate made at start (server), its PEM written to -cert-out for
	// other clients; the session secrets appended to -keylog (tls.Config.KeyLogWriter).
	tlsVersion := flag.String("tls", "", "TLS version: 1.2 or 1.3 (empty: plaintext h2c)")
	tlsSuite := flag.String("tls12-suite", "", "TLS 1.2 cipher suite: aes128gcm, aes256gcm or chacha20 (empty: Go's choice)")
	keyLog := flag.String("keylog", "", "append TLS session secrets (NSS key log) to this file")
	certOut := flag.String("cert-out", "", "server: write the self-signed certificate (PEM) here")
	hpackTable := flag.Int("hpack-table", 0, "h2c-server: HPACK table size advertised and used for encoding (0 = 4096)")
	serverName := flag.String("sni", "ks.example.test", "client: the TLS server name sent")
	flag.Parse()

	switch *mode {
	case "server":
		lis, err := (&net.ListenConfig{KeepAlive: *lisKA}).Listen(context.Background(), "tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
		sp := keepalive.ServerParameters{Time: *kaTime, Timeout: *kaTimeout,
			MaxConnectionIdle: *maxIdle, MaxConnectionAge: *maxAge, MaxConnectionAgeGrace: *maxAgeGrace}
		ep := keepalive.EnforcementPolicy{MinTime: *minTime, PermitWithoutStream: *permit}
		opts := []grpc.ServerOption{grpc.KeepaliveParams(sp), grpc.KeepaliveEnforcementPolicy(ep)}
		if *tlsVersion != "" {
			opts = append(opts, grpc.Creds(credentials.NewTLS(serverTLS(*tlsVersion, *tlsSuite, *keyLog, *certOut))))
		}
		s := grpc.NewServer(opts...)
		hpb.RegisterHealthServer(s, health.NewServer())
		go func() {
			time.Sleep(*life)
			if *graceful {
				s.GracefulStop()
			} else {
				s.Stop()
			}
			os.Exit(0)
		}()
		if err := s.Serve(lis); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
		}
	case "h2c-server":
		// The same gRPC server behind Go's own HTTP/2 server (grpc.Server.ServeHTTP over h2c, as
		// gRPC-in-net/http deployments run it): connection errors end in a GOAWAY with their code.
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
		s := grpc.NewServer()
		hpb.RegisterHealthServer(s, health.NewServer())
		h2s := &http2.Server{MaxDecoderHeaderTableSize: uint32(*hpackTable), MaxEncoderHeaderTableSize: uint32(*hpackTable)}
		hs := &http.Server{Handler: h2c.NewHandler(s, h2s)}
		go func() { time.Sleep(*life); hs.Close(); os.Exit(0) }()
		if err := hs.Serve(lis); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, "serve:", err)
		}
	case "client":
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		dialOpts := []grpc.DialOption{grpc.WithBlock()}
		if *tlsVersion != "" {
			dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(clientTLS(*tlsVersion, *tlsSuite, *keyLog, *serverName))))
		} else {
			dialOpts = append(dialOpts, grpc.WithInsecure())
		}
		if *kaClient > 0 {
			dialOpts = append(dialOpts, grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: *kaClient, Timeout: 2 * time.Second, PermitWithoutStream: true}))
		}
		conn, err := grpc.DialContext(ctx, *addr, dialOpts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		defer conn.Close()
		c := hpb.NewHealthClient(conn)
		for i := 0; i < *rpcs; i++ {
			if i > 0 {
				time.Sleep(*interval)
			}
			rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
			r, err := c.Check(rctx, &hpb.HealthCheckRequest{})
			rcancel()
			fmt.Printf("check %d: %v %v\n", i, r.GetStatus(), err)
		}
		if *watch > 0 {
			wctx, wcancel := context.WithTimeout(ctx, *watch)
			st, err := c.Watch(wctx, &hpb.HealthCheckRequest{})
			if err == nil {
				for {
					r, err := st.Recv()
					if err != nil {
						fmt.Printf("watch ended: %v\n", err)
						break
					}
					fmt.Printf("watch: %v\n", r.GetStatus())
				}
			}
			wcancel()
		}
		if *idle > 0 {
			time.Sleep(*idle)
		}
	}
}
