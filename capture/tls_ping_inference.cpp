// Pairing rule. A PING is answered at once: the other side's very next record carries the PING
// ACK, within a few handshake round trips (the pinging side may send other records meanwhile, as
// a gRPC response follows a BDP PING). Around a PING, grpc-go and gRPC C-core send the PING or its
// ACK with the flow-control frames of the same moment (WINDOW_UPDATEs for the connection and the
// stream, a SETTINGS ACK), found by decrypting the reference captures. By plaintext size:
//   17  PING alone (keepalive), or PING ACK alone (the answer)
//   30  WINDOW_UPDATE + PING (a BDP PING), or PING ACK + WINDOW_UPDATE (an answer)
//   43  2 WINDOW_UPDATEs + PING, or PING ACK + 2 WINDOW_UPDATEs (C-core, stream and connection)
//   39  SETTINGS ACK + WINDOW_UPDATE + PING (a C-core server's first BDP PING)
//   47  PING ACK + WINDOW_UPDATE + PING: an answer that is a BDP PING too
// and a BDP PING also rides in front of a whole response (WINDOW_UPDATE + PING + HEADERS + DATA +
// HEADERS), a record of no telling size. So:
//   - a record of one of these sizes answered by 17 or 47 is a PING and its ACK; an answer of 47
//     is itself a PING, paired with the next answer the same way;
//   - an answer of 30 or 43 is either the ACK or a PING of its own: a PING is always answered,
//     so when the first side answers it at once it was a PING (and the first record was not),
//     and when the first side says nothing within the time allowed it was the ACK;
//   - a record of any size, the first of its side after the other side spoke, is a PING only
//     when a chain confirms it: answered by 47 which is answered in turn, or by 30 or 43 left
//     unanswered.
// A candidate not answered at once, or answered by another size, is dropped: an unanswered
// record is never reported (17 bytes may be an 8-byte DATA frame or a GOAWAY without debug data;
// 30 a 21-byte DATA frame).
#include "tls_ping_inference.h"

#include "event_emitter.h"
#include "tls_crypto.h"

#include <algorithm>

namespace ks::capture {

namespace {

constexpr std::int64_t kPing = 17; // a PING frame: 9-byte header + 8 bytes of opaque data
constexpr std::int64_t kWindowPing = 30; // WINDOW_UPDATE (13) + PING, or PING ACK + WINDOW_UPDATE
constexpr std::int64_t kWindowWindowPing = 43; // 2 WINDOW_UPDATEs + PING, or PING ACK + 2 WINDOW_UPDATEs
constexpr std::int64_t kSettingsAckWindowPing = 39; // SETTINGS ACK + WINDOW_UPDATE + PING
constexpr std::int64_t kAckWindowPing = 47; // PING ACK + WINDOW_UPDATE + PING

// The ACK alone, or the ACK with a PING of its own.
bool certainAnswer(std::int64_t plain)
{
    return plain == kPing || plain == kAckWindowPing;
}

// The ACK with WINDOW_UPDATEs, or WINDOW_UPDATEs with a PING of its own.
bool eitherAnswerOrPing(std::int64_t plain)
{
    return plain == kWindowPing || plain == kWindowWindowPing;
}

bool sizedPing(std::int64_t plain)
{
    return plain == kPing || plain == kWindowPing || plain == kSettingsAckWindowPing || plain == kWindowWindowPing
        || plain == kAckWindowPing;
}

} // namespace

std::uint32_t tlsPingRecordLength(std::uint16_t version, std::uint16_t suite)
{
    const auto info = tlsSuiteInfo(suite);
    if (info.aead == TlsAead::None)
        return 0;
    if (version == 0x0304)
        return 34;
    if (version == 0x0303)
        return info.aead == TlsAead::ChaCha20Poly1305 ? 33 : 41;
    return 0;
}

void TlsPingInference::setHandshakeRtt(std::int64_t ns)
{
    m_maxAnswerNs = std::clamp(ns * kAnswerRtts, kMinAnswerNs, kMaxAnswerNs);
}

std::int64_t TlsPingInference::plaintext(std::uint32_t length) const
{
    return std::int64_t(length) - (std::int64_t(m_pingLength) - kPing);
}

bool TlsPingInference::lonePingLength(std::uint32_t length) const
{
    return length == 33 || length == 34 || length == 41;
}

std::uint64_t TlsPingInference::publish(core::EventType type, core::Direction dir, std::int64_t tsNs,
                                        std::uint32_t conn, EventEmitter& emitter, std::int64_t pingNs,
                                        std::int64_t pingIndex)
{
    core::Event e;
    e.tsNs = tsNs;
    e.conn = conn;
    e.dir = dir;
    e.type = type;
    e.inferred = true;
    if (type == core::EventType::PingAck) {
        e.rttMs = static_cast<double>(tsNs - pingNs) / 1e6;
        e.pingIndex = pingIndex;
        ++m_pairs;
    }
    emitter.publish(e);
    return e.index;
}

void TlsPingInference::onApplicationRecord(core::Direction dir, std::uint32_t length, std::int64_t tsNs,
                                           std::uint32_t conn, EventEmitter& emitter)
{
    if (m_pingLength == 0) {
        onLegacyRecord(dir, length, tsNs, conn, emitter);
        return;
    }
    if (m_pingLength < kPing)
        return; // a suite whose record sizes are not known: infer nothing
    const std::int64_t plain = plaintext(length);
    const bool firstOfSide = !m_anyRecord || dir != m_lastDir;
    m_anyRecord = true;
    m_lastDir = dir;
    using core::EventType;
    if (m_pending.set && dir != m_pending.dir) {
        const Candidate p = m_pending;
        m_pending = {};
        const bool inTime = tsNs >= p.tsNs && tsNs - p.tsNs <= m_maxAnswerNs;
        const bool answer = inTime && certainAnswer(plain);
        if (answer && (p.sized || p.chained)) {
            if (p.chained) { // the held record, its answer (this candidate), then this answer
                const auto held = publish(EventType::Ping, dir, p.heldPingNs, conn, emitter);
                publish(EventType::PingAck, p.dir, p.tsNs, conn, emitter, p.heldPingNs, std::int64_t(held));
            }
            const auto ping = publish(EventType::Ping, p.dir, p.tsNs, conn, emitter);
            publish(EventType::PingAck, dir, tsNs, conn, emitter, p.tsNs, std::int64_t(ping));
            if (plain == kAckWindowPing)
                m_pending = {true, true, dir, tsNs, std::uint32_t(plain)};
            return;
        }
        if (p.creditIfUnanswered && !inTime)
            settle(p, conn, emitter);
        if (answer && plain == kAckWindowPing) { // answers a record of unknown shape: hold it
            m_pending = {true, false, dir, tsNs, std::uint32_t(plain), true, false, p.tsNs};
            return;
        }
        if (inTime && eitherAnswerOrPing(plain) && !p.chained) {
            // WINDOW_UPDATEs + PING (answered next) or PING ACK + WINDOW_UPDATEs (not answered)
            m_pending = {true, true, dir, tsNs, std::uint32_t(plain), false, true, p.tsNs};
            return;
        }
    } else if (m_pending.set) {
        // The same side again: an earlier candidate waits for its answer, unless it is stale or
        // a record of unknown shape that a sized one now replaces.
        const bool stale = tsNs - m_pending.tsNs > m_maxAnswerNs;
        if (!stale && (m_pending.sized || m_pending.chained || !sizedPing(plain)))
            return;
        if (stale && m_pending.creditIfUnanswered)
            settle(m_pending, conn, emitter);
        m_pending = {};
    }
    if (sizedPing(plain))
        m_pending = {true, true, dir, tsNs, std::uint32_t(plain)};
    else if (firstOfSide)
        m_pending = {true, false, dir, tsNs, std::uint32_t(plain)};
}

void TlsPingInference::settle(const Candidate& unanswered, std::uint32_t conn, EventEmitter& emitter)
{
    // The answer (30 or 43) was PING ACK + WINDOW_UPDATEs: the held record, from the other side,
    // held the PING.
    const auto pingDir = unanswered.dir == core::Direction::ClientToServer ? core::Direction::ServerToClient
                                                                         : core::Direction::ClientToServer;
    const auto ping = publish(core::EventType::Ping, pingDir, unanswered.heldPingNs, conn, emitter);
    publish(core::EventType::PingAck, unanswered.dir, unanswered.tsNs, conn, emitter, unanswered.heldPingNs,
            std::int64_t(ping));
}

void TlsPingInference::finish(std::uint32_t conn, EventEmitter& emitter)
{
    if (m_pending.set && m_pending.creditIfUnanswered)
        settle(m_pending, conn, emitter);
    m_pending = {};
}

// The handshake was not seen: the record overhead is unknown, so only a lone PING answered by a
// record of the same length (one of the three lengths a lone PING has) is paired.
void TlsPingInference::onLegacyRecord(core::Direction dir, std::uint32_t length, std::int64_t tsNs,
                                      std::uint32_t conn, EventEmitter& emitter)
{
    if (m_pending.set && dir != m_pending.dir) {
        const Candidate p = m_pending;
        m_pending = {};
        if (length == p.plain && tsNs >= p.tsNs && tsNs - p.tsNs <= m_maxAnswerNs) {
            const auto ping = publish(core::EventType::Ping, p.dir, p.tsNs, conn, emitter);
            publish(core::EventType::PingAck, dir, tsNs, conn, emitter, p.tsNs, std::int64_t(ping));
            return;
        }
    }
    if (lonePingLength(length))
        m_pending = {true, true, dir, tsNs, length};
}

} // namespace ks::capture
