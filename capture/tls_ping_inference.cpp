// Pairing rule. A PING is answered at once: the other side's very next record carries the PING
// ACK, within a few handshake round trips (the pinging side may send other records meanwhile, as
// a gRPC response follows a BDP PING). Around a PING, grpc-go and gRPC C-core send the PING or its
// ACK with the flow-control frames of the same moment (WINDOW_UPDATEs for the connection and the
// stream, a SETTINGS ACK). A record's plaintext size is read as such a composition when it is a
// sum of frame sizes (shapeOf below: 17 per PING frame, 13 per WINDOW_UPDATE, 9 for a SETTINGS
// ACK), e.g.
//   17  PING alone (keepalive), or PING ACK alone (the answer)
//   30, 43, 56  1-3 WINDOW_UPDATEs + PING (a BDP PING), or PING ACK + WINDOW_UPDATEs (an answer)
//   39  SETTINGS ACK + WINDOW_UPDATE + PING (a C-core server's first BDP PING)
//   34, 47, 60, 73  PING ACK + 0-3 WINDOW_UPDATEs + PING: an answer that is a PING too
// and a BDP PING also rides in front of a whole response (WINDOW_UPDATE + PING + HEADERS + DATA +
// HEADERS), a record of no telling size. So:
//   - a record with a PING frame answered by 17 or by a record with two PING frames is a PING
//     and its ACK; the latter's own PING is paired with the next answer the same way;
//   - an answer with one PING frame beside others is either the ACK or a PING of its own: a PING
//     is always answered, so when the first side answers it at once it was a PING (and the first
//     record was not), and when the first side says nothing within the time allowed (or, when
//     the first record had a PING's size, says something without a PING) it was the ACK;
//   - a record of any other size with room for a PING and another frame, the first of its side
//     after the other side spoke, is a PING only when a chain confirms it: answered by a record
//     with two PING frames which is answered in turn, or by one PING frame left unanswered;
//   - at the end of a connection, a lone PING at its side's keepalive cadence (finish()).
// Consistency: a record with one PING frame answering a record with two is the ACK of the PING
// among them, never a PING of its own (that one would go unanswered: 34-byte requests answered
// by 30-byte responses had chained into hundreds of PINGs); two PING frames that answered no PING
// hold one PING at most beside 17 other bytes (GOAWAY + PING), and none once such a record of
// that side was answered without a PING. Hedged (published shared: no keepalive cadence): a PING
// beside other frames, and a lone PING right after the lone exchange its side led (it may be the
// ACK of the other side's PING crossing that exchange).
// A candidate not answered at once, or answered by another size, is dropped: an unanswered
// record is never reported otherwise (17 bytes may be an 8-byte DATA frame or a GOAWAY without
// debug data; 30 a 21-byte DATA frame or a small response).
#include "tls_ping_inference.h"

#include "event_emitter.h"
#include "tls_crypto.h"

#include <algorithm>
#include <cstdlib>

namespace ks::capture {

namespace {

constexpr std::int64_t kFrameHeader = 9; // every HTTP/2 frame; SETTINGS ACK is a header alone
constexpr std::int64_t kPing = 17; // a PING frame: 9-byte header + 8 bytes of opaque data
constexpr std::int64_t kWindowUpdate = 13; // WINDOW_UPDATE: header + 4-byte increment
constexpr std::int64_t kMinGoaway = 17; // GOAWAY: header + last stream id + code, debug data optional
constexpr std::int64_t kPreface = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
constexpr int kMaxWindowUpdates = 3;

// The frames a record of plaintext size `plain` holds if it holds only the control frames of a
// PING moment: k PING frames (a PING, its ACK, or both), w WINDOW_UPDATEs, at most one SETTINGS
// ACK. plain = 17k + 13w + 9s has at most one such solution for k <= 2, w <= 3, s <= 1 with the
// SETTINGS ACK only beside one PING and one WINDOW_UPDATE (39, a C-core server's first BDP PING;
// with a PING alone it has the size of two WINDOW_UPDATEs, 26, the commonest record of a busy
// stream, and with two WINDOW_UPDATEs that of a TLS 1.3 Finished under SHA-384, 52). pings: 0
// when no composition fits.
struct Shape {
    int pings = 0;
    bool lone = false; // a PING frame alone (17): a PING, or the ACK when it answers
};

Shape shapeOf(std::int64_t plain)
{
    for (int k = 1; k <= 2; ++k)
        for (int s = 0; s <= (k == 1 ? 1 : 0); ++s)
            for (int w = s; w <= (s ? 1 : kMaxWindowUpdates); ++w)
                if (plain == k * kPing + w * kWindowUpdate + s * kFrameHeader)
                    return { k, plain == kPing };
    return {};
}

// The answer to a PING: the ACK alone, or the ACK with a PING of its own (and WINDOW_UPDATEs).
bool certainAnswer(const Shape& s)
{
    return s.lone || s.pings == 2;
}

// A PING in a record of this size went out with frames other than PINGs (WINDOW_UPDATEs, or a
// response): gRPC's BDP PINGs do, keepalive PINGs go alone or beside an ACK.
bool besideOtherFrames(std::int64_t plain)
{
    return plain != kPing && plain != 2 * kPing;
}

// One PING frame with flow-control frames: the ACK (answering) or a PING of its own.
bool eitherAnswerOrPing(const Shape& s)
{
    return s.pings == 1 && !s.lone;
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
    std::uint32_t conn, EventEmitter& emitter, std::int64_t pingNs, std::int64_t pingIndex, bool shared, bool crossing)
{
    core::Event e;
    e.tsNs = tsNs;
    e.conn = conn;
    e.dir = dir;
    e.type = type;
    e.inferred = true;
    e.inferredShared = type == core::EventType::Ping && shared;
    e.inferredCrossing = type == core::EventType::Ping && crossing;
    if (type == core::EventType::PingAck) {
        e.rttMs = static_cast<double>(tsNs - pingNs) / 1e6;
        e.pingIndex = pingIndex;
        ++m_pairs;
    }
    emitter.publish(e);
    return e.index;
}

bool TlsPingInference::holdsFrames(core::Direction dir, std::int64_t plain, std::int64_t tsNs)
{
    if (m_pingLength < kPing)
        return false; // a suite whose record sizes are not known: infer nothing
    if (plain < kFrameHeader) {
        // Not HTTP/2: an alert (close_notify; TLS 1.3 sends it as application data). Still a
        // word after the last record: a PING before it was not left unanswered by a close (a
        // peer that answers with close_notify read the record and did not ACK it: a GOAWAY
        // without debug data has a lone PING's size).
        m_lastNs = tsNs;
        return false;
    }
    if (m_pingLength == tlsPingRecordLength(0x0304, 0x1301) && !m_clientFinished) {
        // TLS 1.3 encrypts the handshake too: the server's flight up to the client's first
        // protected record (its Finished) holds no HTTP/2 frame.
        m_clientFinished = dir == core::Direction::ClientToServer;
        return false;
    }
    return true;
}

void TlsPingInference::onApplicationRecord(
    core::Direction dir, std::uint32_t length, std::int64_t tsNs, std::uint32_t conn, EventEmitter& emitter)
{
    if (m_notHttp2)
        return;
    if (m_pingLength == 0) {
        onLegacyRecord(dir, length, tsNs, conn, emitter);
        return;
    }
    const std::int64_t plain = plaintext(length);
    if (!holdsFrames(dir, plain, tsNs))
        return;
    if (dir == core::Direction::ClientToServer && !m_clientSpoke) {
        // An HTTP/2 client's first bytes are the 24-byte connection preface (RFC 9113 section
        // 3.4), which every stack writes whole: a first record shorter than that is no HTTP/2
        // (openssl s_client typing lines under ALPN h2).
        m_clientSpoke = true;
        if (plain < kPreface) {
            ruleOutHttp2();
            m_pending = {};
            return;
        }
    }
    m_end.set = false; // a frame after the PING: it was not the last word
    m_lastNs = tsNs;
    const Shape shape = shapeOf(plain);
    const bool firstOfSide = !m_anyRecord || dir != m_lastDir;
    m_anyRecord = true;
    m_lastDir = dir;
    // Right after a lone exchange, its pinging side's next lone record may be the ACK of a PING
    // the other side sent meanwhile (keepalive timers firing together cross) as well as a PING.
    const bool afterLonePair = m_lonePairAckNs >= 0 && dir == m_lonePairDir && tsNs - m_lonePairAckNs <= m_maxAnswerNs;
    m_lonePairAckNs = -1;
    if (m_pending.set && dir != m_pending.dir) {
        const Candidate p = m_pending;
        m_pending = {};
        if (onAnswer(p, dir, plain, tsNs, conn, emitter))
            return;
    } else if (m_pending.set) {
        // The same side again: an earlier candidate waits for its answer, unless it is stale or
        // a record of unknown shape that a sized one now replaces.
        const bool stale = tsNs - m_pending.tsNs > m_maxAnswerNs;
        if (!stale && (m_pending.sized || m_pending.chained || shape.pings == 0))
            return;
        if (stale && m_pending.creditIfUnanswered)
            settle(m_pending, conn, emitter);
        m_pending = {};
    }
    if (shape.pings > 0) {
        m_pending = { true, true, dir, tsNs, std::uint32_t(plain) };
        m_pending.crossing = afterLonePair && shape.lone;
    } else if (firstOfSide && plain >= kPing + kFrameHeader) { // room for a PING and another frame
        m_pending = { true, false, dir, tsNs, std::uint32_t(plain) };
    }
}

bool TlsPingInference::onAnswer(const Candidate& p, core::Direction dir, std::int64_t plain, std::int64_t tsNs,
    std::uint32_t conn, EventEmitter& emitter)
{
    using core::EventType;
    const Shape shape = shapeOf(plain);
    const bool inTime = tsNs >= p.tsNs && tsNs - p.tsNs <= m_maxAnswerNs;
    const bool answer = inTime && certainAnswer(shape);
    const bool twoPings = shapeOf(p.plain).pings == 2;
    if (inTime && twoPings && eitherAnswerOrPing(shape)) {
        // One PING frame answering two: the ACK of the PING among them, never a PING of its own
        // (that PING would go unanswered). A pair only when the two were ACK + PING.
        if (p.ackedPing) {
            const auto ping
                = publish(EventType::Ping, p.dir, p.tsNs, conn, emitter, -1, -1, besideOtherFrames(p.plain));
            publish(EventType::PingAck, dir, tsNs, conn, emitter, p.tsNs, std::int64_t(ping));
        }
        return true;
    }
    // Two PING frames that answered no PING: one PING at most, beside 17 other bytes.
    const bool freshTwo = twoPings && p.sized && !p.ackedPing;
    bool& refuted = m_twoRefuted[p.dir == core::Direction::ClientToServer ? 0 : 1];
    if (freshTwo && inTime && shape.pings == 0)
        refuted = true;
    if (answer && freshTwo && refuted)
        return true; // its side's records of that shape were answered as no PING is (h2load's GETs)
    if (answer && (p.sized || p.chained)) {
        publishPair(p, dir, plain, tsNs, conn, emitter, freshTwo);
        return true;
    }
    // The first side did not answer the 30 or 43 in time: it was the ACK. When the record it
    // answered has a PING's size, a prompt record that holds no PING says so too; when that
    // record could be anything (a request answered by a small response: HEADERS + DATA can
    // make 30 or 43), only silence does.
    if (p.creditIfUnanswered && (!inTime || (shape.pings == 0 && shapeOf(p.heldPlain).pings > 0)))
        settle(p, conn, emitter);
    if (!answer && inTime && p.sized && p.plain == kPing && !p.chained && !p.creditIfUnanswered
        && plain >= kPing + kMinGoaway && atCadence(p.dir, p.tsNs))
        m_end = { true, p.dir, p.tsNs, tsNs }; // ACK + GOAWAY, if nothing follows
    if (answer && shape.pings == 2) { // answers a record of unknown shape: hold it
        m_pending = { true, false, dir, tsNs, std::uint32_t(plain), true, false, p.tsNs, p.plain };
        return true;
    }
    if (inTime && eitherAnswerOrPing(shape) && !p.chained) {
        // WINDOW_UPDATEs + PING (answered next) or PING ACK + WINDOW_UPDATEs (not answered)
        m_pending = { true, true, dir, tsNs, std::uint32_t(plain), false, true, p.tsNs, p.plain };
        return true;
    }
    return false;
}

void TlsPingInference::publishPair(const Candidate& p, core::Direction dir, std::int64_t plain, std::int64_t tsNs,
    std::uint32_t conn, EventEmitter& emitter, bool freshTwo)
{
    using core::EventType;
    const Shape shape = shapeOf(plain);
    if (p.chained) { // the held record, its answer (this candidate), then this answer
        const auto held = publish(EventType::Ping, dir, p.heldPingNs, conn, emitter, -1, -1, true);
        publish(EventType::PingAck, p.dir, p.tsNs, conn, emitter, p.heldPingNs, std::int64_t(held));
    }
    // Not a keepalive PING: beside WINDOW_UPDATEs (BDP), maybe crossing, or beside 17 bytes that
    // were no ACK (a GOAWAY without debug data: grpc-go's max-age GOAWAY + PING).
    const bool shared = besideOtherFrames(p.plain) || p.crossing || freshTwo;
    const auto ping = publish(EventType::Ping, p.dir, p.tsNs, conn, emitter, -1, -1, shared, p.crossing);
    publish(EventType::PingAck, dir, tsNs, conn, emitter, p.tsNs, std::int64_t(ping));
    if (p.plain == kPing && !p.crossing)
        noteLonePing(p.dir, p.tsNs);
    if (p.plain == kPing && shape.lone) {
        m_lonePairDir = p.dir;
        m_lonePairAckNs = tsNs;
    }
    if (shape.pings == 2) {
        m_pending = { true, true, dir, tsNs, std::uint32_t(plain) };
        m_pending.ackedPing = true;
    }
}

void TlsPingInference::settle(const Candidate& unanswered, std::uint32_t conn, EventEmitter& emitter)
{
    // The answer (30 or 43) was PING ACK + WINDOW_UPDATEs: the held record, from the other side,
    // held the PING.
    const auto pingDir = unanswered.dir == core::Direction::ClientToServer ? core::Direction::ServerToClient
                                                                           : core::Direction::ClientToServer;
    const auto ping = publish(core::EventType::Ping, pingDir, unanswered.heldPingNs, conn, emitter, -1, -1,
        besideOtherFrames(unanswered.heldPlain));
    publish(core::EventType::PingAck, unanswered.dir, unanswered.tsNs, conn, emitter, unanswered.heldPingNs,
        std::int64_t(ping));
}

void TlsPingInference::finish(std::uint32_t conn, EventEmitter& emitter)
{
    using core::EventType;
    const Candidate p = m_pending;
    m_pending = {};
    if (m_notHttp2)
        return;
    if (p.set && p.creditIfUnanswered) {
        settle(p, conn, emitter);
    } else if (p.set && p.sized && p.plain == kPing && !p.chained && p.tsNs == m_lastNs && atCadence(p.dir, p.tsNs)) {
        // The last record of the connection, a lone PING's size, at the side's PING cadence: a
        // keepalive PING the close (or the capture's end) left unanswered.
        publish(EventType::Ping, p.dir, p.tsNs, conn, emitter);
    }
    if (m_end.set) { // a lone PING at its cadence, answered by ACK + GOAWAY, then nothing more
        const auto ping = publish(EventType::Ping, m_end.pingDir, m_end.pingNs, conn, emitter);
        const auto ackDir = m_end.pingDir == core::Direction::ClientToServer ? core::Direction::ServerToClient
                                                                             : core::Direction::ClientToServer;
        publish(EventType::PingAck, ackDir, m_end.answerNs, conn, emitter, m_end.pingNs, std::int64_t(ping));
        m_end = {};
    }
}

void TlsPingInference::noteLonePing(core::Direction dir, std::int64_t tsNs)
{
    auto& times = m_lonePingNs[dir == core::Direction::ClientToServer ? 0 : 1];
    times[0] = times[1];
    times[1] = times[2];
    times[2] = tsNs;
}

namespace {

// gap is a whole number of intervals (1 to 3: a keepalive timer that found other traffic
// meanwhile skips its turn, as grpc-go's does), within 5% (keepalive timers do not drift more).
bool wholeIntervals(std::int64_t gap, std::int64_t interval)
{
    for (std::int64_t n = 1; n <= 3; ++n)
        if (std::abs(gap - n * interval) <= std::max<std::int64_t>(n * interval / 20, 2'000'000))
            return true;
    return false;
}

} // namespace

bool TlsPingInference::atCadence(core::Direction dir, std::int64_t tsNs) const
{
    // The latest lone PINGs of this side, confirmed by their ACKs, set the interval (the shorter
    // of the last two, when the longer is a whole number of it); this record comes a whole
    // number of intervals after the last.
    const auto& t = m_lonePingNs[dir == core::Direction::ClientToServer ? 0 : 1];
    if (t[1] <= 0 || t[2] <= t[1])
        return false;
    std::int64_t interval = t[2] - t[1];
    if (t[0] > 0 && t[1] > t[0]) {
        const std::int64_t earlier = t[1] - t[0];
        const std::int64_t shorter = std::min(interval, earlier), longer = std::max(interval, earlier);
        if (shorter > kMaxCadenceNs || !wholeIntervals(longer, shorter))
            return false;
        interval = shorter;
    }
    // At most a day (C-core's default keepalive is 2 h): three intervals stay far from overflow.
    return interval >= kMinCadenceNs && interval <= kMaxCadenceNs && tsNs >= t[2]
        && wholeIntervals(tsNs - t[2], interval);
}

// The handshake was not seen: the record overhead is unknown, so only a lone PING answered by a
// record of the same length (one of the three lengths a lone PING has) is paired.
void TlsPingInference::onLegacyRecord(
    core::Direction dir, std::uint32_t length, std::int64_t tsNs, std::uint32_t conn, EventEmitter& emitter)
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
        m_pending = { true, true, dir, tsNs, length };
}

} // namespace ks::capture
