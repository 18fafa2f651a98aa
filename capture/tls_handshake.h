// TLS handshake messages this tool reads: ClientHello (random, SNI, ALPN, versions, suites),
// ServerHello (random, version, suite, ALPN in TLS 1.2) and EncryptedExtensions (ALPN in TLS 1.3).
// RFC 8446 section 4 and RFC 5246 section 7.4; every length is checked against its container.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ks::capture {

enum class TlsHandshakeType : std::uint8_t {
    ClientHello = 1,
    ServerHello = 2,
    NewSessionTicket = 4,
    EncryptedExtensions = 8,
    Certificate = 11,
    Finished = 20,
    KeyUpdate = 24,
};

struct ClientHelloInfo {
    std::array<std::uint8_t, 32> random {};
    std::uint16_t legacyVersion = 0;
    std::vector<std::uint16_t> versions; // supported_versions, else {legacyVersion}
    std::vector<std::uint16_t> suites;
    std::string sni;
    std::vector<std::string> alpn;
};

struct ServerHelloInfo {
    std::array<std::uint8_t, 32> random {};
    std::uint16_t version = 0; // supported_versions when present, else legacy_version
    std::uint16_t suite = 0;
    std::string alpn; // TLS 1.2 only: 1.3 sends it in EncryptedExtensions
    bool helloRetryRequest = false;
};

// body: the handshake message after its 4-byte header. False when malformed.
bool parseClientHello(std::span<const std::uint8_t> body, ClientHelloInfo& out);
bool parseServerHello(std::span<const std::uint8_t> body, ServerHelloInfo& out);
bool parseEncryptedExtensions(std::span<const std::uint8_t> body, std::string& alpn);

// "TLS 1.3", "TLS 1.2", ... or "0x7f1c".
std::string tlsVersionName(std::uint16_t version);

} // namespace ks::capture
