// Without keys, an HTTP/2 PING still leaves sizes on the wire: a 17-byte frame in a TLS record,
// answered by the other side's next record (which carries the 17-byte PING ACK) within a round
// trip. Records whose plaintext size is a sum of the frames peers send around a PING (PINGs,
// WINDOW_UPDATEs, a SETTINGS ACK: see tls_ping_inference.cpp) are paired into ping / ping_ack
// events marked inferred.
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

    // length: the record length a lone PING has on this connection (tlsPingRecordLength); it
    // gives the record overhead, so frame compositions can be told by size. 0 when the handshake
    // was not seen (then only lone PINGs of any of the three lengths, the same both ways).
    void setPingLength(std::uint32_t length) { m_pingLength = length; }
    // The hellos rule HTTP/2 out (ALPN other than h2 chosen, or h2 never offered: RFC 9113
    // section 3.2 negotiates h2 over TLS only by ALPN): no record is read as a PING from then on.
    void ruleOutHttp2() { m_notHttp2 = true; }
    bool http2RuledOut() const { return m_notHttp2; }
    // A protected record that may carry HTTP/2 frames (application data) or an encrypted alert
    // (TLS 1.2's; TLS 1.3's look like application data): length is the record's body.
    void onApplicationRecord(
        core::Direction dir, std::uint32_t length, std::int64_t tsNs, std::uint32_t conn, EventEmitter& emitter);
    // The end of the connection or capture: a candidate whose time is up is settled, and a
    // lone PING that was the last word, at its side's keepalive cadence, is inferred.
    void finish(std::uint32_t conn, EventEmitter& emitter);
    std::uint64_t inferredPairs() const { return m_pairs; }

private:
    // A record that may hold a PING, waiting for the other side's next record. Sized: its
    // plaintext size is one of the PING compositions (tls_ping_inference.cpp lists them).
    struct Candidate {
        bool set = false;
        bool sized = false; // its size names a PING composition; else only a chain confirms it
        core::Direction dir = core::Direction::ClientToServer;
        std::int64_t tsNs = 0;
        std::uint32_t plain = 0;
        bool chained = false; // a record with two PING frames answering one of unknown shape (held)
        bool creditIfUnanswered = false; // a 30 or 43 answering a record: credit it if left unanswered
        std::int64_t heldPingNs = 0; // that record's time: its PING is confirmed with this one
        std::uint32_t heldPlain = 0; // and its plaintext size
        // Two PING frames that answered a PING: its ACK and a PING of its own, which the other
        // side's next record must answer. Two PING frames that answered none hold one PING at
        // most (two from one side at once: no gRPC stack does), beside 17 other bytes.
        bool ackedPing = false;
        // A lone PING right after the lone exchange its side led: a new PING, or the ACK of a
        // PING the other side sent as that exchange crossed it. Either way not a keepalive
        // cadence's (published shared).
        bool crossing = false;
    };

    std::int64_t plaintext(std::uint32_t length) const;
    // False for records that cannot hold HTTP/2 frames (alerts, TLS 1.3's encrypted handshake).
    bool holdsFrames(core::Direction dir, std::int64_t plain, std::int64_t tsNs);
    bool lonePingLength(std::uint32_t length) const;
    void onLegacyRecord(
        core::Direction dir, std::uint32_t length, std::int64_t tsNs, std::uint32_t conn, EventEmitter& emitter);
    // The other side's record after a candidate: true when it was its answer (or decided it).
    bool onAnswer(const Candidate& p, core::Direction dir, std::int64_t plain, std::int64_t tsNs, std::uint32_t conn,
        EventEmitter& emitter);
    // A candidate answered at once by this record: the PING and its ACK (and what they held).
    void publishPair(const Candidate& p, core::Direction dir, std::int64_t plain, std::int64_t tsNs, std::uint32_t conn,
        EventEmitter& emitter, bool freshTwo);
    void settle(const Candidate& unanswered, std::uint32_t conn, EventEmitter& emitter);
    // shared: a PING whose record held other frames too (Event::inferredShared); crossing: see
    // Event::inferredCrossing.
    std::uint64_t publish(core::EventType type, core::Direction dir, std::int64_t tsNs, std::uint32_t conn,
        EventEmitter& emitter, std::int64_t pingNs = -1, std::int64_t pingIndex = -1, bool shared = false,
        bool crossing = false);

    // A lone PING answered by PING ACK + GOAWAY (a record of no listed size), kept until it
    // proves to be the connection's last word.
    struct EndGuess {
        bool set = false;
        core::Direction pingDir = core::Direction::ClientToServer;
        std::int64_t pingNs = 0;
        std::int64_t answerNs = 0;
    };
    // Keepalive PINGs come at a fixed interval: a PING at the end of a connection, with no
    // answer to pair it, is inferred only at its side's cadence (of at least kMinCadenceNs).
    static constexpr std::int64_t kMinCadenceNs = 100'000'000;
    static constexpr std::int64_t kMaxCadenceNs = 86'400'000'000'000;
    void noteLonePing(core::Direction dir, std::int64_t tsNs);
    bool atCadence(core::Direction dir, std::int64_t tsNs) const;

    std::uint32_t m_pingLength = 0;
    bool m_notHttp2 = false;
    EndGuess m_end;
    bool m_clientFinished = false; // TLS 1.3: the handshake records are behind
    // Per direction: a record with two PING frames' size that answered no PING was answered by a
    // record holding none: that side's such records are something else (a small response).
    bool m_twoRefuted[2] = {};
    bool m_clientSpoke = false; // the client's first record that can hold HTTP/2 frames was seen
    std::int64_t m_lastNs = 0; // the latest record that can hold HTTP/2 frames
    // The latest lone PING answered by a lone ACK: who pinged, and when the ACK came.
    core::Direction m_lonePairDir = core::Direction::ClientToServer;
    std::int64_t m_lonePairAckNs = -1;
    std::int64_t m_lonePingNs[2][3] = {}; // per direction, the three latest confirmed lone PINGs
    std::int64_t m_maxAnswerNs = kMaxAnswerNs;
    Candidate m_pending;
    bool m_anyRecord = false;
    core::Direction m_lastDir = core::Direction::ClientToServer;
    std::uint64_t m_pairs = 0;
};

} // namespace ks::capture
