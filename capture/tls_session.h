// One TLS connection: both directions' record layers, the handshake (hello parsing, which keys
// apply when), decryption with the key log's secrets into the HTTP/2 framers, and, without keys,
// PING inference from record sizes. Allocated only for connections that carry TLS.
#pragma once

#include "core/connection_summary.h"
#include "http2_framer.h"
#include "key_log.h"
#include "tls_crypto.h"
#include "tls_handshake.h"
#include "tls_ping_inference.h"
#include "tls_record_reader.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace ks::capture {

class EventEmitter;

class TlsSession {
public:
    // aligned: the direction's bytes start at a record boundary (the connection's start, or right
    // after a CONNECT tunnel opened). name: how warnings name the connection.
    TlsSession(
        std::uint32_t conn, EventEmitter& emitter, std::array<Http2Framer, 2>& framers, bool aligned, std::string name);
    ~TlsSession();

    void feed(core::Direction dir, std::span<const std::uint8_t> bytes, std::int64_t tsNs);
    void gap(core::Direction dir, std::uint64_t count);
    // Called at the end of the capture: reports a handshake cut short.
    void finish();
    // While records are held for secrets the key log does not have yet (live capture): looks
    // again (the emitter has just re-read the key log) and decrypts what was held once they are
    // there, or gives up after the wait (nowNs, capture clock). False once no longer waiting.
    bool retryKeys(std::int64_t nowNs);
    std::shared_ptr<const core::TlsInfo> info() const;
    // The TCP handshake's round trip (SYN to the client's ACK): bounds how late a PING's answer may
    // come for the inference until the TLS hellos give their own (none when they were cut).
    void setTcpRtt(std::int64_t ns);

private:
    enum class Keys : std::uint8_t { NotYet, Ready, Missing, Unsupported };
    struct Direction final : TlsRecordListener {
        Direction(TlsSession& session, core::Direction dir, bool aligned);
        void onRecord(const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs) override;
        void onRecordGap() override;

        TlsSession& session;
        core::Direction dir;
        TlsRecordReader reader;
        bool protectedRecords = false; // after ServerHello (1.3) or ChangeCipherSpec (1.2)
        bool appKeys = false; // TLS 1.3: traffic secret 0 (or later) in use
        bool failed = false; // authentication failed: nothing more is decrypted this way
        bool resync = false; // records were lost: the sequence number must be found again
        const char* missingSecret = nullptr; // TLS 1.3: the session's key log entry lacks this line
        std::unique_ptr<TlsRecordCipher> handshakeCipher;
        std::unique_ptr<TlsRecordCipher> appCipher;
        std::vector<std::uint8_t> handshakeBytes; // handshake messages split over records
        std::uint64_t records = 0;
    };

    void onRecord(Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs);
    void onProtectedRecord(
        Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs);
    bool decryptRecord(
        Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::uint8_t& innerType);
    void onPlaintext(Direction& d, std::uint8_t type, std::span<const std::uint8_t> bytes, std::int64_t tsNs);
    void onHandshakeBytes(Direction& d, std::span<const std::uint8_t> bytes, std::int64_t tsNs);
    void onHandshakeMessage(Direction& d, std::uint8_t type, std::span<const std::uint8_t> body, std::int64_t tsNs);
    void onServerHello(const ServerHelloInfo& hello, std::int64_t tsNs);
    void setUpKeys(std::int64_t tsNs);
    bool decryptWith(Direction& d, TlsRecordCipher& cipher, const std::uint8_t* header,
        std::span<const std::uint8_t> body, std::uint8_t& innerType);
    void fail(Direction& d);
    bool setUpTls13Keys(const TlsSessionSecrets& secrets);
    bool setUpTls12Keys(const TlsSessionSecrets& secrets);
    void warn(const std::string& what);
    bool findKeys(std::int64_t tsNs);
    void hold(Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs);
    void releaseHeld();
    std::string directionName(core::Direction dir) const;
    std::string alpnWords() const; // why the hellos rule HTTP/2 out

    std::uint32_t m_conn;
    EventEmitter& m_emitter;
    std::array<Http2Framer, 2>& m_framers;
    std::string m_name;
    std::array<Direction, 2> m_dirs;
    bool m_sawClientHello = false;
    std::int64_t m_clientHelloNs = 0;
    bool m_sawServerHello = false;
    ClientHelloInfo m_clientHello;
    ServerHelloInfo m_serverHello;
    std::string m_alpn;
    Keys m_keys = Keys::NotYet;
    bool m_warnedNoKeys = false;
    std::uint8_t m_keyRetries = 0;
    TlsPingInference m_inference;
    // Protected records held while the key log catches up (live capture only), in arrival order.
    struct HeldRecord {
        std::uint8_t dir = 0;
        std::array<std::uint8_t, 5> header {};
        std::vector<std::uint8_t> body;
        std::int64_t tsNs = 0;
    };
    static constexpr std::size_t kMaxHeldBytes = 1 << 20; // per session, at most
    static constexpr std::size_t kMaxHeldRecords = 512;
    std::vector<HeldRecord> m_held;
    std::size_t m_heldBytes = 0;
    std::int64_t m_holdStartNs = 0;
    bool m_holding = false;
    bool m_holdOver = false; // held once already: never again
    std::uint64_t m_authFailures = 0;
    std::int8_t m_unreadDir = -1; // a direction whose traffic secret the key log lacks (TlsInfo::unreadDir)
};

} // namespace ks::capture
