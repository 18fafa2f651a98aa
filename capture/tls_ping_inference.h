// Without keys, an HTTP/2 PING still has a fixed size on the wire: a 17-byte frame in one TLS
// record of a known length, answered by a record of the same length from the other side within
// a round trip. Such pairs become ping / ping_ack events marked inferred.
#pragma once

#include "core/event.h"

#include <cstdint>

namespace ks::capture {

class EventEmitter;

// Record payload length of a record carrying exactly one PING frame (17 bytes):
// TLS 1.3 AEAD: 17 + 1 (content type) + 16 (tag) = 34; TLS 1.2 AES-GCM: 8 (explicit nonce) +
// 17 + 16 = 41; TLS 1.2 ChaCha20-Poly1305: 17 + 16 = 33. 0 when unknown.
std::uint32_t tlsPingRecordLength(std::uint16_t version, std::uint16_t suite);

class TlsPingInference {
public:
    // The answer must come within a few round trips: kAnswerRtts times the ClientHello ->
    // ServerHello time, within [kMinAnswerNs, kMaxAnswerNs]; kMaxAnswerNs when the handshake was
    // not seen. A loose bound pairs a lone PING ACK with the next keepalive PING a second later.
    static constexpr std::int64_t kAnswerRtts = 8;
    static constexpr std::int64_t kMinAnswerNs = 20'000'000;
    static constexpr std::int64_t kMaxAnswerNs = 2'000'000'000;
    void setHandshakeRtt(std::int64_t ns);

    // length: the record length a PING has on this connection; 0 when the handshake was not
    // seen (then any of the three lengths, the same both ways).
    void setPingLength(std::uint32_t length) { m_pingLength = length; }
    void onApplicationRecord(core::Direction dir, std::uint32_t length, std::int64_t tsNs, std::uint32_t conn,
                             EventEmitter& emitter);
    std::uint64_t inferredPairs() const { return m_pairs; }

private:
    bool candidate(std::uint32_t length) const;

    std::uint32_t m_pingLength = 0;
    std::int64_t m_maxAnswerNs = kMaxAnswerNs;
    bool m_pending = false;
    core::Direction m_pendingDir = core::Direction::ClientToServer;
    std::uint32_t m_pendingLength = 0;
    std::int64_t m_pendingNs = 0;
    std::uint64_t m_pairs = 0;
};

} // namespace ks::capture
