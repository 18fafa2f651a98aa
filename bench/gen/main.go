// Command kagen is the Keepalive Scope benchmark load generator.
//
// It runs a grpc-go server and client in one process on loopback: N client
// connections, each issuing unary calls in a loop for a bounded duration.
// The server sends an HTTP/2 PING on every connection every second
// (keepalive.ServerParameters.Time = 1s), and the enforcement policy is
// permissive, so the capture carries PING/PING-ACK pairs on every connection
// next to a dense stream of HEADERS/DATA frames. On exit the server closes
// gracefully, so each connection also ends with a GOAWAY.
//
// The service is a single unary method /kagen.Echo/Echo carried with a raw
// (bytes in, bytes out) codec registered as content subtype "raw".
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/keepalive"
)

// rawCodec passes *[]byte messages through unchanged.
type rawCodec struct{}

func (rawCodec) Name() string { return "raw" }

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("raw codec: unexpected type %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: unexpected type %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

type echoServer interface{}

type echoImpl struct{ respSize int }

func echoHandler(srv interface{}, ctx context.Context, dec func(interface{}) error, _ grpc.UnaryServerInterceptor) (interface{}, error) {
	var in []byte
	if err := dec(&in); err != nil {
		return nil, err
	}
	out := make([]byte, srv.(*echoImpl).respSize)
	copy(out, in)
	return &out, nil
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "kagen.Echo",
	HandlerType: (*echoServer)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Echo", Handler: echoHandler}},
	Metadata:    "kagen",
}

func main() {
	addr := flag.String("addr", "127.0.0.1:50300", "listen/dial address (loopback)")
	dur := flag.Duration("duration", 25*time.Second, "how long the client sends calls")
	conns := flag.Int("conns", 16, "number of client connections")
	par := flag.Int("par", 1, "concurrent calls in flight per connection")
	reqSize := flag.Int("req", 32, "request payload bytes")
	respSize := flag.Int("resp", 64, "response payload bytes")
	pingEvery := flag.Duration("ping", 2*time.Second, "server keepalive ping interval (ServerParameters.Time)")
	rate := flag.Float64("rate", 11500, "total calls/s cap over all connections (0 = as fast as possible)")
	idle := flag.Duration("idle", 2500*time.Millisecond, "each connection goes quiet this long once per -idle-every, so the server's keepalive PING fires (0 = never idle)")
	tcpKeepalive := flag.Duration("tcp-keepalive", time.Second, "client sockets' TCP keepalive idle time and probe interval, so TCP keep-alive probes show in the idle gaps (0 = Go default 15s)")
	idleEvery := flag.Duration("idle-every", 6*time.Second, "period of the idle gaps (staggered across connections)")
	bdp := flag.Bool("bdp", true, "grpc-go's BDP-estimation PINGs (false: fixed 1 MiB windows, which turn the estimator off, so only keepalive PINGs remain: a call-heavy capture)")
	keyLog := flag.String("tls-keylog", "", "serve TLS 1.3 (self-signed) and append the session secrets to this file (empty: plaintext)")
	flag.Parse()

	encoding.RegisterCodec(rawCodec{})

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kagen: listen:", err)
		os.Exit(1)
	}
	var serverCreds grpc.ServerOption
	dialSecurity := grpc.WithInsecure()
	if *keyLog != "" {
		sc, cc := tlsConfigs(*keyLog)
		serverCreds = grpc.Creds(credentials.NewTLS(sc))
		dialSecurity = grpc.WithTransportCredentials(credentials.NewTLS(cc))
	}
	serverOpts := []grpc.ServerOption{
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: *pingEvery, Timeout: 20 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Millisecond, PermitWithoutStream: true}),
	}
	if serverCreds != nil {
		serverOpts = append(serverOpts, serverCreds)
	}
	var windowOpts []grpc.DialOption
	if !*bdp {
		// grpc-go runs its BDP estimator only while the windows are left at their defaults.
		serverOpts = append(serverOpts, grpc.InitialWindowSize(1<<20), grpc.InitialConnWindowSize(1<<20))
		windowOpts = append(windowOpts, grpc.WithInitialWindowSize(1<<20), grpc.WithInitialConnWindowSize(1<<20))
	}
	srv := grpc.NewServer(serverOpts...)
	srv.RegisterService(&echoDesc, &echoImpl{respSize: *respSize})
	go srv.Serve(lis)

	var calls, fails int64
	var wg sync.WaitGroup
	ccs := make([]*grpc.ClientConn, *conns)
	for i := range ccs {
		dialer := &net.Dialer{KeepAlive: *tcpKeepalive}
		opts := append([]grpc.DialOption{dialSecurity, grpc.WithBlock(),
			grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
				return dialer.DialContext(ctx, "tcp", a)
			}),
			grpc.WithDefaultCallOptions(grpc.CallContentSubtype("raw"))}, windowOpts...)
		cc, err := grpc.Dial(*addr, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kagen: dial:", err)
			os.Exit(1)
		}
		ccs[i] = cc
	}
	start := time.Now()
	deadline := start.Add(*dur)
	// Pacing: each caller goroutine gets an equal share of -rate, scheduled on
	// absolute times so sleep overshoot does not lower the rate.
	var interval time.Duration
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(*conns**par) / *rate)
		if *idle > 0 && *idleEvery > *idle {
			// make up for the idle gaps so the average stays at -rate
			interval = time.Duration(float64(interval) * (1 - idle.Seconds()/idleEvery.Seconds()))
		}
	}
	for ci, cc := range ccs {
		// Stagger the idle gaps so that only a few connections are quiet at once.
		phase := time.Duration(0)
		if *idle > 0 && *idleEvery > *idle {
			phase = time.Duration(int64(*idleEvery) * int64(ci) / int64(*conns))
		}
		for p := 0; p < *par; p++ {
			wg.Add(1)
			go func(cc *grpc.ClientConn, phase time.Duration) {
				defer wg.Done()
				req := make([]byte, *reqSize)
				var resp []byte
				next := time.Now()
				nextIdle := start.Add(*idleEvery + phase - *idle)
				for {
					now := time.Now()
					if !now.Before(deadline) {
						break
					}
					if *idle > 0 && *idleEvery > *idle && !now.Before(nextIdle) {
						d := *idle
						if left := time.Until(deadline); left < d {
							d = left
						}
						time.Sleep(d)
						nextIdle = nextIdle.Add(*idleEvery)
						next = time.Now()
						continue
					}
					if interval > 0 {
						if d := next.Sub(now); d > 0 {
							time.Sleep(d)
						} else if -d > time.Second {
							next = now // far behind (slow machine): do not burst
						}
						next = next.Add(interval)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					err := cc.Invoke(ctx, "/kagen.Echo/Echo", &req, &resp)
					cancel()
					if err != nil {
						atomic.AddInt64(&fails, 1)
						time.Sleep(10 * time.Millisecond)
						continue
					}
					atomic.AddInt64(&calls, 1)
				}
			}(cc, phase)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	// Graceful stop sends GOAWAY on every connection; then close the clients.
	done := make(chan struct{})
	go func() { srv.GracefulStop(); close(done) }()
	time.Sleep(100 * time.Millisecond)
	for _, cc := range ccs {
		cc.Close()
	}
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		srv.Stop()
	}
	fmt.Printf("kagen: %d calls (%d failed) on %d connections in %.1fs (%.0f calls/s)\n",
		calls, fails, *conns, elapsed.Seconds(), float64(calls)/elapsed.Seconds())
	if calls == 0 {
		os.Exit(1)
	}
}

// tlsConfigs: TLS 1.3 with a self-signed ECDSA certificate made now; the server writes the key log.
func tlsConfigs(keyLog string) (*tls.Config, *tls.Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kagen.test"},
		DNSNames: []string{"kagen.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	w, err := os.OpenFile(keyLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		panic(err)
	}
	server := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion: tls.VersionTLS13, KeyLogWriter: w}
	client := &tls.Config{InsecureSkipVerify: true, ServerName: "kagen.test", MinVersion: tls.VersionTLS13}
	return server, client
}
