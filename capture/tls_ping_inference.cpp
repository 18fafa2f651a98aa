// Pairing rule: a candidate record, then the other side's very next record has the same length
// and arrives within a few handshake round trips (the pinging side may send other records meanwhile, as a BDP
// PING goes with WINDOW_UPDATEs). A record from the other side of another length, or a late one,
// drops the candidate: an unanswered candidate is never reported (it may be anything 17 bytes
// long: an 8-byte DATA frame, a GOAWAY without debug data).
#include "tls_ping_inference.h"

#include "event_emitter.h"
#include "tls_crypto.h"

#include <algorithm>

namespace ks::capture {

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

bool TlsPingInference::candidate(std::uint32_t length) const
{
    if (m_pingLength)
        return length == m_pingLength;
    return length == 33 || length == 34 || length == 41;
}

void TlsPingInference::onApplicationRecord(core::Direction dir, std::uint32_t length, std::int64_t tsNs,
                                           std::uint32_t conn, EventEmitter& emitter)
{
    if (m_pending && dir != m_pendingDir) {
        const bool answer = length == m_pendingLength && tsNs - m_pendingNs <= m_maxAnswerNs && tsNs >= m_pendingNs;
        m_pending = false;
        if (answer) {
            core::Event ping;
            ping.tsNs = m_pendingNs;
            ping.conn = conn;
            ping.dir = m_pendingDir;
            ping.type = core::EventType::Ping;
            ping.inferred = true;
            emitter.publish(ping);
            core::Event ack;
            ack.tsNs = tsNs;
            ack.conn = conn;
            ack.dir = dir;
            ack.type = core::EventType::PingAck;
            ack.inferred = true;
            ack.rttMs = static_cast<double>(tsNs - m_pendingNs) / 1e6;
            ack.pingIndex = static_cast<std::int64_t>(ping.index);
            emitter.publish(ack);
            ++m_pairs;
            return;
        }
    }
    if (candidate(length)) {
        m_pending = true;
        m_pendingDir = dir;
        m_pendingLength = length;
        m_pendingNs = tsNs;
    }
}

} // namespace ks::capture
