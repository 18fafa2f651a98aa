// Packet -> TCP connection -> events. TCP keep-alive rules follow Wireshark's TCP analysis
// (epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number) so counts agree with tshark.
// processPacket stays one function of some 170 lines: it is the per-packet path, its checks
// follow Wireshark's order, and split up it would hand a dozen locals between calls per packet.
// The connection table is in capture_engine_connections.cpp; the file stays at some 400 lines
// around that one path (the clock and the zero-window rules sit in it, where each packet passes).
#include "capture_engine.h"

#include "core/direction.h"

#include "tcp_sequence.h"
#include "tls_session.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ks::capture {

using core::Direction;
using core::Event;
using core::EventType;

namespace {

} // namespace

CaptureEngine::CaptureEngine(int linkType, EventSink& sink)
    : m_linkType(linkType)
    , m_linkSupported(linkType >= 0 && isSupportedLinkType(linkType))
    , m_sink(sink)
{
}

void CaptureEngine::setLinkType(int linkType)
{
    if (linkType == m_linkType)
        return;
    m_linkType = linkType;
    m_linkSupported = linkType >= 0 && isSupportedLinkType(linkType);
}

CaptureEngine::~CaptureEngine() = default;

void CaptureEngine::publish(Event& event)
{
    event.index = m_nextIndex++;
    event.timeHeld = m_timeHeld;
    event.relNs = event.tsNs - m_originNs;
    auto& traffic = m_connections[event.conn].traffic;
    const EventType type = event.type;
    traffic.counts.add(static_cast<std::size_t>(type));
    // The client preface names the client for certain: roles taken from a guess are confirmed.
    // (The type first, on its own: read with the direction as one 16-bit word, as the compiler
    // had merged the two tests, it could not be forwarded from the two byte stores that had just
    // set them, and waited for them at every event.)
    if (type == EventType::Preface) [[unlikely]] {
        if (event.dir == Direction::ClientToServer && traffic.rare().rolesGuessed)
            traffic.rareBox.make().rolesGuessed = false;
    }
    ++m_counters.events;
    m_sink.onEvent(event);
}

void CaptureEngine::warn(std::string text)
{
    if (m_warningListener && m_warnings.size() < kMaxWarnings)
        m_warningListener(text);
    if (m_warnings.size() < kMaxWarnings)
        m_warnings.push_back(std::move(text));
    else
        ++m_warningsDropped;
}

bool CaptureEngine::refreshKeyLog(std::int64_t tsNs, bool miss)
{
    // A lookup that missed re-reads at once (the key log may have grown since the last read: a
    // live capture, a lab writing it), at most every millisecond of capture time; other attempts
    // at most once a second. A file that did not grow is not opened (KeyLog::refresh), and a
    // capture of many sessions without keys does not re-read it for each.
    if (!m_keyLog)
        return false;
    const std::int64_t interval = miss ? 1'000'000 : 1'000'000'000;
    if (m_refreshed && tsNs >= m_lastRefreshNs && tsNs - m_lastRefreshNs < interval)
        return false;
    m_refreshed = true;
    m_lastRefreshNs = tsNs;
    return m_keyLog->refresh();
}

void CaptureEngine::addSecrets(std::string_view keyLogText, std::string_view source)
{
    if (!m_keyLog)
        m_keyLog = std::make_shared<KeyLog>();
    std::vector<std::string> lineWarnings;
    m_keyLog->addText(keyLogText, source, lineWarnings);
    for (auto& w : lineWarnings)
        warn(std::move(w));
}

void CaptureEngine::retryKeys(std::int64_t nowNs)
{
    if (m_awaitingKeys.empty())
        return;
    refreshKeyLog(nowNs, true);
    std::erase_if(m_awaitingKeys, [nowNs](TlsSession* s) { return !s->retryKeys(nowNs); });
}

void CaptureEngine::emitTcp(TcpConnection& conn, Direction dir, EventType type, std::int64_t tsNs, std::uint32_t seq,
    bool peerDataAcked, bool ownDataAcked)
{
    Event e;
    e.tsNs = tsNs;
    e.conn = conn.id;
    e.dir = dir;
    e.type = type;
    e.seq = seq;
    e.peerDataAcked = peerDataAcked;
    e.ownDataAcked = ownDataAcked;
    publish(e);
}

void CaptureEngine::payload(TcpConnection& conn, std::size_t d, const TcpSegment& seg, std::int64_t tsNs, bool fresh)
{
    if (!conn.decoder) {
        // After the close only bytes never seen before are decoded (a peer that ignored an RST
        // carries on), from a frame boundary found again; retransmissions are not.
        if (conn.decoderClosed && !fresh)
            return;
        makeDecoder(conn, conn.decoderClosed);
    }
    auto& decoder = *conn.decoder;
    auto& framer = decoder.framers[d];
    const bool deciding = framer.mode() == Http2Framer::Mode::Preface;
    decoder.streams[d].segment(seg.seq, seg.payload, seg.payloadLength, tsNs);
    if (deciding && framer.mode() == Http2Framer::Mode::Opaque)
        decoder.framers[1 - d].setOpaque(); // no client preface: not HTTP/2 (or TLS)
}

// A capture that started mid-connection has no handshake to time: one data segment at a time is
// timed to the ACK that covers it (Karn: not across a retransmission), and the shortest such time
// bounds how late a PING's answer may come (TLS PING inference, StreamPipeline).
void CaptureEngine::sampleDataRtt(TcpConnection& conn, std::size_t d, std::uint32_t seq, std::uint32_t seglen,
    std::uint32_t ack, bool acks, bool keepalive, std::int64_t tsNs)
{
    auto& probe = conn.dataRtt.make();
    if (probe.probeNs >= 0 && probe.probeDir != d && acks && seqDiff(ack, probe.probeEnd) >= 0) {
        const std::int64_t us = (tsNs - probe.probeNs) / 1000 + 1;
        if (tsNs >= probe.probeNs && (!probe.shortestUs || us < probe.shortestUs))
            probe.shortestUs
                = static_cast<std::uint32_t>(std::min<std::int64_t>(us, std::numeric_limits<std::uint32_t>::max()));
        probe.probeNs = -1;
    }
    if (seglen == 0 || keepalive)
        return;
    if (probe.probeNs >= 0 && probe.probeDir == d && seqDiff(seq, probe.probeEnd) < 0)
        probe.probeNs = -1; // the timed segment (or part of it) sent again: no sample from it
    else if (probe.probeNs < 0) {
        probe.probeNs = tsNs;
        probe.probeEnd = seq + seglen;
        probe.probeDir = static_cast<std::uint8_t>(d);
    }
}

void CaptureEngine::processPacket(std::int64_t tsNs, std::span<const std::uint8_t> frame)
{
    ++m_counters.packets;
    if (!m_haveOrigin) {
        m_haveOrigin = true;
        m_originNs = tsNs;
        m_latestNs = tsNs;
    }
    // A step back of a second or more that the next packet stays behind too is the capturing
    // host's clock set back (NTP, a resumed VM): from that next packet on, times are moved forward
    // by the step, so a PING cadence or an idle gap after it is still measured right (only the
    // time across the step is lost). Anything else (one bad timestamp, interfaces written late
    // into one file) is held at the latest time.
    constexpr std::int64_t kClockStepNs = 1'000'000'000;
    constexpr std::int64_t kMaxNs = std::numeric_limits<std::int64_t>::max();
    auto shifted = [&](std::int64_t ns) { return ns > kMaxNs - m_clockShiftNs ? kMaxNs : ns + m_clockShiftNs; };
    const std::int64_t rawNs = tsNs;
    tsNs = shifted(rawNs);
    if (m_pendingStepNs > 0 && tsNs < m_latestNs) {
        ++m_counters.clockSteps;
        m_clockShiftNs = m_pendingStepNs > kMaxNs - m_clockShiftNs ? kMaxNs : m_clockShiftNs + m_pendingStepNs;
        tsNs = shifted(rawNs);
    }
    m_pendingStepNs = 0;
    m_timeHeld = tsNs < m_latestNs;
    if (tsNs < m_latestNs) {
        if (m_counters.timeBackwards++ == 0)
            m_counters.firstTimeBackwards = m_counters.packets;
        const std::int64_t step = m_latestNs - tsNs;
        m_counters.largestStepBackNs = std::max(m_counters.largestStepBackNs, step);
        if (step >= kClockStepNs)
            m_pendingStepNs = step;
        tsNs = m_latestNs;
    }
    m_latestNs = tsNs;
    if (!m_linkSupported) {
        if (m_counters.unreadableLinkPackets++ == 0)
            m_counters.firstUnreadableLinkType = m_linkType;
        return;
    }
    TcpSegment& seg = m_segment;
    DecodeStatus status = decodePacket(m_linkType, frame, seg);
    if (status == DecodeStatus::Ipv4Fragment) {
        ++m_counters.ipv4Fragments;
        const auto datagram = m_fragments.add(seg.ipv4Fragment, tsNs);
        if (datagram.empty())
            return;
        status = decodeIpv4Packet(datagram, seg);
    }
    switch (status) {
    case DecodeStatus::Tcp:
        break;
    case DecodeStatus::Ipv4Fragment:
    case DecodeStatus::NotTcp:
        ++m_counters.otherPackets;
        return;
    case DecodeStatus::Truncated:
    case DecodeStatus::Malformed:
        ++m_counters.malformedPackets;
        return;
    }
    ++m_counters.tcpPackets;

    TcpConnection& conn = connectionFor(seg, tsNs);
    const Direction dir = (seg.src == conn.clientAddr && seg.srcPort == conn.clientPort) ? Direction::ClientToServer
                                                                                         : Direction::ServerToClient;
    const std::size_t d = dirIndex(dir);
    if (m_duplicates.duplicate(conn.id, d, seg, tsNs)) {
        if (m_counters.duplicates++ == 0)
            m_counters.firstDuplicate = m_counters.packets;
        return;
    }
    TcpDirectionState& fwd = conn.tcp[d];
    TcpDirectionState& rev = conn.tcp[1 - d];
    const std::uint32_t nextSeqBefore = fwd.nextSeq;
    const bool nextKnownBefore = fwd.seen && fwd.nextSeq != fwd.baseSeq;
    auto& summary = conn.traffic;
    ++summary.packets;
    summary.lastNs = tsNs;

    const std::uint8_t flags = seg.flags;
    const bool syn = flags & kTcpSyn;
    const bool fin = flags & kTcpFin;
    const bool rst = flags & kTcpRst;
    const std::uint32_t seglen = seg.payloadLength;

    // Wireshark: "a keepalive contains 0 or 1 bytes of data and starts one byte prior to what
    // should be the next sequence number"; its ACK repeats the previous ACK while the last
    // segment the other way was a keep-alive.
    const bool nextKnown = fwd.seen && fwd.nextSeq != fwd.baseSeq;
    const bool plain = !(flags & (kTcpSyn | kTcpFin | kTcpRst));
    // Wireshark checks for a zero-window probe first: one byte at the next sequence number while
    // the other side's last window was zero. The probe does not move nextSeq (Wireshark >= 3.4),
    // so its re-sends are probes too (tshark 4.0 flags every one), not the keep-alives that
    // seq == nextSeq - 1 would make of them.
    // Linux probes a zero window in the keep-alive's shape instead (tcp_write_wakeup: no data the
    // window admits, so tcp_xmit_probe_skb sends nothing at snd_una - 1), backing off from the RTO,
    // while its keep-alive timer waits for an idle connection: against a zero window that shape is
    // the persist timer's probe. tshark calls it a keep-alive; a zero window is the reason either way.
    const bool againstZeroWindow = plain && nextKnown && rev.seen && rev.window == 0;
    const bool zeroWindowProbe
        = againstZeroWindow && ((seglen == 1 && seg.seq == fwd.nextSeq) || (seglen <= 1 && seg.seq == fwd.nextSeq - 1));
    const bool keepalive = !zeroWindowProbe && plain && seglen <= 1 && nextKnown && seg.seq == fwd.nextSeq - 1;
    const bool keepaliveAck = plain && !keepalive && seglen == 0 && seg.window != 0 && fwd.seen
        && seg.window == fwd.window && nextKnown && seg.seq == fwd.nextSeq && seg.ack == fwd.lastAck
        && rev.lastWasKeepalive;

    if (!fwd.seen) {
        fwd.seen = true;
        fwd.baseSeq = seg.seq;
        fwd.nextSeq = seg.seq;
    }
    const std::uint32_t segEnd = seg.seq + seglen + ((syn || fin) ? 1u : 0u);
    // tshark's tcp.analysis.retransmission (packet-tcp.c): data, SYN or FIN that starts before
    // nextseq and is no keep-alive. Its out-of-order case (within ~3 ms of the highest segment) is
    // not told apart: on the paths that matter here a retransmission waits a full RTO.
    if (nextKnown && !keepalive && !rst && (seglen > 0 || syn || fin) && seqDiff(fwd.nextSeq, seg.seq) > 0) {
        auto& rare = summary.rareBox.make();
        ++rare.retransmissions[d];
        rare.lastRetransmissionNs = tsNs;
    }
    if (!zeroWindowProbe && (seqDiff(segEnd, fwd.nextSeq) > 0 || fwd.nextSeq == fwd.baseSeq))
        fwd.nextSeq = segEnd;
    if (flags & kTcpAck)
        fwd.lastAck = seg.ack;
    if ((flags & kTcpAck) && !rst) {
        fwd.lastPlainAck = seg.ack;
        fwd.plainAckSeen = true;
    }
    fwd.window = seg.window;
    fwd.lastWasKeepalive = keepalive;

    if ((flags & kTcpAck) && !syn) {
        if (conn.decoder)
            conn.decoder->streams[1 - d].acknowledged(seg.ack);
        if (rev.synSeen && (!rev.peerAckedKnown || seqDiff(seg.ack, rev.peerAcked) > 0)) {
            rev.peerAcked = seg.ack;
            rev.peerAckedKnown = true;
        }
    }

    // The client's first ACK after both SYNs: one round trip after its SYN, wherever the capture
    // was taken (TLS PING inference bounds its answer window with it).
    if (!syn && !rst && (flags & kTcpAck) && dir == Direction::ClientToServer && fwd.synSeen && rev.synSeen
        && !conn.handshakeRttUs && summary.sawHandshake && tsNs > summary.firstNs)
        conn.handshakeRttUs = static_cast<std::uint32_t>(
            std::min<std::int64_t>((tsNs - summary.firstNs) / 1000 + 1, std::numeric_limits<std::uint32_t>::max()));
    if (!summary.sawHandshake)
        sampleDataRtt(conn, d, seg.seq, seglen, seg.ack, (flags & kTcpAck) && !rst && !syn, keepalive, tsNs);
    if (syn && !fwd.synSeen) {
        fwd.synSeen = true;
        fwd.synSeq = seg.seq; // the client's ISN tells a new connection on a reused 4-tuple
        if (conn.decoder)
            conn.decoder->streams[d].setInitialSequence(seg.seq + 1);
        emitTcp(conn, dir, EventType::Syn, tsNs);
    }
    if (keepalive)
        emitTcp(conn, dir, EventType::TcpKeepalive, tsNs, seg.seq);
    if (keepaliveAck)
        emitTcp(conn, dir, EventType::TcpKeepaliveAck, tsNs, seg.seq);
    if (zeroWindowProbe)
        emitTcp(conn, dir, EventType::ZeroWindowProbe, tsNs, seg.seq);

    if (seglen > 0 && !keepalive) {
        const std::int64_t idle = tsNs - conn.lastPayloadNs;
        if (idle > summary.longestIdleNs) {
            summary.longestIdleNs = idle;
            summary.longestIdleStartNs = conn.lastPayloadNs;
        }
        conn.lastPayloadNs = tsNs;
        summary.payloadBytes += seglen;
        if (seg.payload.size() < seglen) {
            const std::uint64_t missing = seglen - seg.payload.size();
            summary.rareBox.make().payloadCutBytes += missing;
            m_counters.cutBytes += missing;
            if (m_counters.cutPackets++ == 0)
                m_counters.firstCutPacket = m_counters.packets;
        }
        const bool fresh = !nextKnownBefore || seqDiff(seg.seq + seglen, nextSeqBefore) > 0;
        payload(conn, d, seg, tsNs, fresh);
    }

    if (fin && !fwd.finSeen) {
        fwd.finSeen = true;
        if (conn.decoder) {
            conn.decoder->streams[d].finish(seg.seq + seglen);
            conn.decoder->session.senderClosed(dir);
        }
        if (summary.end == core::ConnectionEnd::Open)
            summary.end = dir == Direction::ClientToServer ? core::ConnectionEnd::FinC2S : core::ConnectionEnd::FinS2C;
        emitTcp(conn, dir, EventType::Fin, tsNs);
        if (rev.finSeen)
            closeDecoder(conn); // closed both ways: nothing more to decode
    }
    if (rst) {
        if (!conn.rstSeen) {
            conn.rstSeen = true;
            closeDecoder(conn);
            // An abortive close outranks an earlier FIN: the connection was torn down.
            summary.end = dir == Direction::ClientToServer ? core::ConnectionEnd::RstC2S : core::ConnectionEnd::RstS2C;
        }
        // A plain ACK that had covered all the other side's data: its last packet reached this
        // side's TCP stack, so the RST is this endpoint's (an application closing with unread data),
        // not a pass-through middlebox's that dropped the packet and answered for the flow.
        emitTcp(conn, dir, EventType::Rst, tsNs, 0,
            fwd.plainAckSeen && rev.seen && rev.nextSeq != rev.baseSeq && seqDiff(fwd.lastPlainAck, rev.nextSeq) >= 0,
            rev.plainAckSeen && nextKnownBefore && seqDiff(rev.lastPlainAck, nextSeqBefore) >= 0);
    }
}

void CaptureEngine::finish()
{
    m_awaitingKeys.clear(); // each session settles its held records in its own finish()
    m_counters.fragmentsNotReassembled = m_fragments.abandonedFragments();
    for (std::size_t id = 0; id < m_connections.size(); ++id) {
        auto& conn = m_connections[id];
        closeDecoder(conn);
        auto& summary = conn.traffic;
        const std::int64_t tail = summary.lastNs - conn.lastPayloadNs;
        if (tail > summary.longestIdleNs) {
            summary.longestIdleNs = tail;
            summary.longestIdleStartNs = conn.lastPayloadNs;
        }
    }
    if (m_warningsDropped) {
        m_warnings.push_back(std::to_string(m_warningsDropped) + " more warnings like these not listed");
        m_warningsDropped = 0;
    }
}

core::ConnectionSummary CaptureEngine::summary(std::uint32_t id) const
{
    const auto& conn = m_connections[id];
    core::ConnectionSummary out;
    static_cast<core::ConnectionTraffic&>(out) = conn.traffic;
    out.id = conn.id;
    out.client = conn.clientName();
    out.server = conn.serverName();
    out.http2 = out.http2 || (conn.decoder && conn.decoder->everLocked());
    if (conn.decoder && conn.decoder->pipeline) {
        out.tls = conn.decoder->pipeline->tlsInfo();
        if (!conn.decoder->pipeline->proxy().empty())
            out.rareBox.make().proxy = conn.decoder->pipeline->proxy();
    }
    return out;
}

std::vector<core::ConnectionSummary> CaptureEngine::summaries() const
{
    std::vector<core::ConnectionSummary> out;
    out.reserve(m_connections.size());
    for (std::uint32_t id = 0; id < m_connections.size(); ++id)
        out.push_back(summary(id));
    return out;
}

std::vector<core::ConnectionSummary> CaptureEngine::takeSummaries()
{
    for (std::size_t id = 0; id < m_connections.size(); ++id)
        closeDecoder(m_connections[id]);
    m_table.clear();
    m_haveLastFlow = false;
    // Built here, not kept while the packets stream by (the names and end fields would double a
    // busy host's memory); each block of connections is freed as soon as its summaries are made,
    // and the freed heap handed back at once (every 8 blocks had held 7.6 MB more at the peak of
    // a million connections), so the two never add up.
    std::vector<core::ConnectionSummary> out;
    out.reserve(m_connections.size());
    m_connections.drain(
        [&out](TcpConnection& conn) {
            auto& s = out.emplace_back();
            static_cast<core::ConnectionTraffic&>(s) = std::move(conn.traffic);
            s.id = conn.id;
            s.client = conn.clientName();
            s.server = conn.serverName();
        },
        [] { core::releaseFreedMemory(); }, 1);
    return out;
}

} // namespace ks::capture
