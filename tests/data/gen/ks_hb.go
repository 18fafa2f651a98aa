// ks_hb: a grpc-go 1.33 peer with a raw-bytes codec for the field tester's TLS captures
// (tls_field_scenarios.sh): unary /ks.Echo/Ping (concurrent calls), bidi /ks.Echo/Bidi (tiny
// messages, echoed), server-stream /ks.Echo/Bulk, server keepalive (-ka-time) and enforcement
// policy, TLS 1.2 / 1.3 with tls.Config.KeyLogWriter. kspy.py serves the same methods from C-core.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

type raw struct{}

func (raw) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (raw) Unmarshal(d []byte, v interface{}) error {
	b := v.(*[]byte)
	*b = append((*b)[:0], d...)
	return nil
}
func (raw) Name() string   { return "proto" }
func (raw) String() string { return "proto" }

func handler(srv interface{}, st grpc.ServerStream) error {
	m, _ := grpc.MethodFromServerStream(st)
	switch m {
	case "/ks.Echo/Bulk":
		var req []byte
		if err := st.RecvMsg(&req); err != nil {
			return err
		}
		n, _ := strconv.Atoi(string(req))
		chunk := make([]byte, 16384)
		for sent := 0; sent < n; sent += len(chunk) {
			if err := st.SendMsg(&chunk); err != nil {
				return err
			}
		}
		return nil
	default: // echo every message (unary Ping and Bidi)
		for {
			var req []byte
			if err := st.RecvMsg(&req); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			if err := st.SendMsg(&req); err != nil {
				return err
			}
		}
	}
}

func main() {
	mode := flag.String("mode", "server", "server|client")
	addr := flag.String("addr", "127.0.0.1:51100", "")
	life := flag.Duration("life", 10*time.Second, "")
	kaTime := flag.Duration("ka-time", 0, "")
	kaTimeout := flag.Duration("ka-timeout", 0, "")
	minTime := flag.Duration("policy-min-time", 0, "")
	permit := flag.Bool("permit", false, "")
	tlsV := flag.String("tls", "1.3", "")
	suite := flag.String("suite", "", "aes128gcm|aes256gcm|chacha20")
	keyLog := flag.String("keylog", "", "")
	certOut := flag.String("cert-out", "", "")
	work := flag.String("work", "unary", "unary|bidi|bulk|idle")
	conc := flag.Int("conc", 1, "")
	calls := flag.Int("calls", 5, "")
	gap := flag.Duration("gap", 200*time.Millisecond, "")
	size := flag.Int("size", 3, "")
	bulk := flag.Int("bulk", 4<<20, "")
	idle := flag.Duration("idle", 0, "")
	cka := flag.Duration("client-ka", 0, "")
	flag.Parse()
	if *mode == "server" {
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			panic(err)
		}
		opts := []grpc.ServerOption{grpc.CustomCodec(raw{}), grpc.UnknownServiceHandler(handler),
			grpc.KeepaliveParams(keepalive.ServerParameters{Time: *kaTime, Timeout: *kaTimeout}),
			grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: *minTime, PermitWithoutStream: *permit})}
		if *tlsV != "" {
			opts = append(opts, grpc.Creds(credentials.NewTLS(serverTLS(*tlsV, *suite, *keyLog, *certOut))))
		}
		s := grpc.NewServer(opts...)
		go func() { time.Sleep(*life); s.Stop(); os.Exit(0) }()
		s.Serve(lis)
		return
	}
	dial := []grpc.DialOption{grpc.WithBlock(), grpc.WithDefaultCallOptions(grpc.ForceCodec(raw{}))}
	if *tlsV != "" {
		cfg := clientTLS(*tlsV, *suite, *keyLog, "ks.example.test")
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if *cka > 0 {
		dial = append(dial, grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: *cka, Timeout: 5 * time.Second, PermitWithoutStream: true}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cc, err := grpc.DialContext(ctx, *addr, dial...)
	if err != nil {
		panic(err)
	}
	defer cc.Close()
	msg := make([]byte, *size)
	switch *work {
	case "unary":
		var wg sync.WaitGroup
		for g := 0; g < *conc; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < *calls; i++ {
					var out []byte
					err := cc.Invoke(ctx, "/ks.Echo/Ping", &msg, &out)
					if err != nil {
						fmt.Println("err", err)
					}
					time.Sleep(*gap)
				}
			}()
		}
		wg.Wait()
	case "bidi":
		st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, "/ks.Echo/Bidi")
		if err != nil {
			panic(err)
		}
		for i := 0; i < *calls; i++ {
			st.SendMsg(&msg)
			var out []byte
			st.RecvMsg(&out)
			time.Sleep(*gap)
		}
		st.CloseSend()
		var out []byte
		st.RecvMsg(&out)
	case "bulk":
		st, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/ks.Echo/Bulk")
		if err != nil {
			panic(err)
		}
		req := []byte(strconv.Itoa(*bulk))
		st.SendMsg(&req)
		st.CloseSend()
		n := 0
		for {
			var out []byte
			if err := st.RecvMsg(&out); err != nil {
				break
			}
			n += len(out)
		}
		fmt.Println("bulk got", n)
	}
	time.Sleep(*idle)
}
