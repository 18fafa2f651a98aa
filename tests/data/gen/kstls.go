// kstls: the TLS configuration shared by the grpc-go peers ksgo.go and ks_hb.go (built with
// either: `go build ksgo.go kstls.go`): a self-signed ECDSA certificate made at start, one TLS
// version and suite forced, the session secrets appended to a key log (tls.Config.KeyLogWriter).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

func tlsVersionOf(v string) uint16 {
	if v == "1.2" {
		return tls.VersionTLS12
	}
	return tls.VersionTLS13
}

// suitesOf names a TLS 1.2 suite (TLS 1.3 suites are not configurable in Go); "" = Go's default.
func suitesOf(name string) []uint16 {
	switch name {
	case "aes128gcm":
		return []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	case "aes256gcm":
		return []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	case "chacha20":
		return []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}
	case "cbc":
		return []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	case "cbc256":
		return []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}
	}
	return nil
}

func keyLogWriter(path string) *os.File {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "keylog:", err)
		os.Exit(1)
	}
	return f
}

// serverTLS: certOut, when set, receives the certificate (PEM) and certOut+".key" its key.
func serverTLS(version, suite, keyLog, certOut string) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ks.example.test"},
		DNSNames: []string{"ks.example.test", "localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	if certOut != "" {
		os.WriteFile(certOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
		kb, _ := x509.MarshalECPrivateKey(key)
		os.WriteFile(certOut+".key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion: tlsVersionOf(version), MaxVersion: tlsVersionOf(version), CipherSuites: suitesOf(suite),
		NextProtos: []string{"h2"}}
	if w := keyLogWriter(keyLog); w != nil {
		cfg.KeyLogWriter = w
	}
	return cfg
}

func clientTLS(version, suite, keyLog, serverName string) *tls.Config {
	cfg := &tls.Config{InsecureSkipVerify: true, ServerName: serverName,
		MinVersion: tlsVersionOf(version), MaxVersion: tlsVersionOf(version), CipherSuites: suitesOf(suite)}
	if w := keyLogWriter(keyLog); w != nil {
		cfg.KeyLogWriter = w
	}
	return cfg
}
