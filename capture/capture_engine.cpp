// Packet -> TCP connection -> events. TCP keep-alive rules follow Wireshark's TCP analysis
// (epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number) so counts agree with tshark.
#include "capture_engine.h"

#include <algorithm>
#include <cstring>

namespace ks::capture {

using core::Direction;
using core::Event;
using core::EventType;

namespace {

std::int32_t seqDiff(std::uint32_t a, std::uint32_t b)
{
    return static_cast<std::int32_t>(a - b);
}

std::size_t dirIndex(Direction dir)
{
    return dir == Direction::ClientToServer ? 0 : 1;
}

std::string endpoint(const IpAddress& addr, std::uint16_t port)
{
    return addr.toString() + ":" + std::to_string(port);
}

// Linux's default ephemeral range (net.ipv4.ip_local_port_range).
bool linuxEphemeral(std::uint16_t port)
{
    return port >= 32768 && port <= 60999;
}

} // namespace

TcpConnection::TcpConnection(std::uint32_t id, EventEmitter& emitter, bool fromStart)
    : framers {Http2Framer(fromStart ? Http2Framer::Mode::Preface : Http2Framer::Mode::Hunting),
               Http2Framer(fromStart ? Http2Framer::Mode::ServerPreface : Http2Framer::Mode::Hunting)}
    , session(std::make_unique<Http2Session>(id, emitter))
    , emitter(&emitter)
    , inputs {StreamInput(*this, Direction::ClientToServer), StreamInput(*this, Direction::ServerToClient)}
{
    summary.id = id;
    summary.sawHandshake = fromStart;
    framers[0].setListener(&session->listener(Direction::ClientToServer));
    framers[1].setListener(&session->listener(Direction::ServerToClient));
    streams[0] = std::make_unique<StreamReassembler>(inputs[0]);
    streams[1] = std::make_unique<StreamReassembler>(inputs[1]);
}

void StreamInput::feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    const std::size_t d = dirIndex(m_dir);
    if (m_route == Route::Undecided) {
        // The connection's other direction decided first: follow it (a server speaks HTTP/2 or
        // TLS when its client does); else these bytes decide.
        const Route other = m_conn.inputs[1 - d].m_route;
        if (other != Route::Undecided)
            m_route = other;
        else if (needsStreamPipeline(bytes, m_dir, m_conn.summary.sawHandshake))
            m_route = Route::Pipeline;
        else
            m_route = Route::Framer;
        if (m_route == Route::Pipeline && !m_conn.pipeline)
            m_conn.pipeline = std::make_unique<StreamPipeline>(m_conn, m_conn.summary.sawHandshake);
    }
    if (m_route == Route::Framer)
        m_conn.framers[d].feed(bytes, tsNs);
    else
        m_conn.pipeline->feed(m_dir, bytes, tsNs);
}

void StreamInput::gap(std::uint64_t count)
{
    if (m_route == Route::Pipeline)
        m_conn.pipeline->gap(m_dir, count);
    else
        m_conn.framers[dirIndex(m_dir)].gap(count);
}

std::size_t CaptureEngine::FlowKeyHash::operator()(const FlowKey& k) const
{
    // Word-wise multiply-xorshift over the addresses and ports (unused IPv4 bytes are zero).
    std::uint64_t h = std::uint64_t(k.portA) << 16 | k.portB;
    auto mix = [&h](const std::array<std::uint8_t, 16>& bytes) {
        std::uint64_t words[2];
        std::memcpy(words, bytes.data(), sizeof words);
        for (std::uint64_t w : words) {
            h = (h ^ w) * 0x9e3779b97f4a7c15ull;
            h ^= h >> 29;
        }
    };
    mix(k.a.bytes);
    mix(k.b.bytes);
    return static_cast<std::size_t>(h);
}

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
    event.relNs = event.tsNs - m_originNs;
    auto& conn = *m_connections[event.conn];
    ++conn.summary.counts[static_cast<std::size_t>(event.type)];
    ++m_counters.events;
    m_sink.onEvent(event);
}

void CaptureEngine::warn(std::string text)
{
    if (m_warnings.size() < kMaxWarnings)
        m_warnings.push_back(std::move(text));
    else
        ++m_warningsDropped;
}

bool CaptureEngine::refreshKeyLog(std::int64_t tsNs)
{
    // At most once a second of capture time: a key log written while a live capture runs is
    // picked up, and a capture of many sessions without keys does not re-read the file each time.
    if (!m_keyLog || (m_refreshed && tsNs - m_lastRefreshNs < 1'000'000'000))
        return false;
    m_refreshed = true;
    m_lastRefreshNs = tsNs;
    return m_keyLog->refresh();
}

void CaptureEngine::emitTcp(TcpConnection& conn, Direction dir, EventType type, std::int64_t tsNs,
                            std::uint32_t seq)
{
    Event e;
    e.tsNs = tsNs;
    e.conn = conn.summary.id;
    e.dir = dir;
    e.type = type;
    e.seq = seq;
    publish(e);
}

bool CaptureEngine::srcIsServerByHeuristic(const TcpSegment& seg) const
{
    // Without a SYN: a well-known port is the server's; then a port other connections share
    // (servers keep one port, clients change theirs); then the port outside the ephemeral
    // range; last, the destination of the first packet seen is the server.
    const bool srcLow = seg.srcPort < 1024;
    const bool dstLow = seg.dstPort < 1024;
    if (srcLow != dstLow)
        return srcLow;
    auto uses = [this](std::uint16_t port) {
        auto it = m_serverPortUses.find(port);
        return it == m_serverPortUses.end() ? 0u : it->second;
    };
    const auto srcUses = uses(seg.srcPort);
    const auto dstUses = uses(seg.dstPort);
    if (srcUses != dstUses)
        return srcUses > dstUses;
    const bool srcEph = linuxEphemeral(seg.srcPort);
    const bool dstEph = linuxEphemeral(seg.dstPort);
    if (srcEph != dstEph)
        return !srcEph;
    return false;
}

TcpConnection& CaptureEngine::createConnection(const FlowKey& key, const TcpSegment& seg, std::int64_t tsNs)
{
    const bool syn = seg.flags & kTcpSyn;
    const bool ack = seg.flags & kTcpAck;
    const auto id = static_cast<std::uint32_t>(m_connections.size());
    auto conn = std::make_unique<TcpConnection>(id, *this, syn);
    bool srcIsClient;
    if (syn)
        srcIsClient = !ack;
    else
        srcIsClient = !srcIsServerByHeuristic(seg);
    conn->clientAddr = srcIsClient ? seg.src : seg.dst;
    conn->clientPort = srcIsClient ? seg.srcPort : seg.dstPort;
    const IpAddress& serverAddr = srcIsClient ? seg.dst : seg.src;
    const std::uint16_t serverPort = srcIsClient ? seg.dstPort : seg.srcPort;
    conn->summary.client = endpoint(conn->clientAddr, conn->clientPort);
    conn->summary.server = endpoint(serverAddr, serverPort);
    conn->summary.firstNs = tsNs;
    conn->lastPayloadNs = tsNs;
    ++m_serverPortUses[serverPort];
    m_table[key] = id;
    m_connections.push_back(std::move(conn));
    return *m_connections.back();
}

TcpConnection& CaptureEngine::connectionFor(const TcpSegment& seg, std::int64_t tsNs)
{
    FlowKey key;
    const bool srcFirst = std::tie(seg.src.bytes, seg.srcPort) < std::tie(seg.dst.bytes, seg.dstPort);
    key.a = srcFirst ? seg.src : seg.dst;
    key.b = srcFirst ? seg.dst : seg.src;
    key.portA = srcFirst ? seg.srcPort : seg.dstPort;
    key.portB = srcFirst ? seg.dstPort : seg.srcPort;
    std::uint32_t index;
    if (m_haveLastFlow && key == m_lastFlow) {
        index = m_lastFlowIndex; // packets of one flow come in runs: skip the hash lookup
    } else {
        auto it = m_table.find(key);
        if (it == m_table.end()) {
            auto& created = createConnection(key, seg, tsNs);
            m_haveLastFlow = false;
            return created;
        }
        index = it->second;
        m_lastFlow = key;
        m_lastFlowIndex = index;
        m_haveLastFlow = true;
    }
    auto& conn = *m_connections[index];
    // A new SYN on a 4-tuple whose connection ended (or with a new ISN) is a new connection.
    if ((seg.flags & kTcpSyn) && !(seg.flags & kTcpAck)) {
        const auto& c2s = conn.tcp[0];
        const bool ended = conn.rstSeen || conn.tcp[0].finSeen || conn.tcp[1].finSeen;
        if (ended || (c2s.synSeen && conn.clientIsn != seg.seq)) {
            for (auto& stream : conn.streams)
                stream->flush();
            m_haveLastFlow = false;
            return createConnection(key, seg, tsNs);
        }
    }
    return conn;
}

void CaptureEngine::processPacket(std::int64_t tsNs, std::span<const std::uint8_t> frame)
{
    ++m_counters.packets;
    if (!m_haveOrigin) {
        m_haveOrigin = true;
        m_originNs = tsNs;
        m_latestNs = tsNs;
    }
    if (tsNs < m_latestNs) {
        if (m_counters.timeBackwards++ == 0)
            m_counters.firstTimeBackwards = m_counters.packets;
        m_counters.largestStepBackNs = std::max(m_counters.largestStepBackNs, m_latestNs - tsNs);
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
    const Direction dir = (seg.src == conn.clientAddr && seg.srcPort == conn.clientPort)
        ? Direction::ClientToServer
        : Direction::ServerToClient;
    const std::size_t d = dirIndex(dir);
    TcpDirectionState& fwd = conn.tcp[d];
    TcpDirectionState& rev = conn.tcp[1 - d];
    auto& summary = conn.summary;
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
    const bool zeroWindowProbe
        = plain && seglen == 1 && nextKnown && rev.seen && rev.window == 0 && seg.seq == fwd.nextSeq;
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
        ++summary.retransmissions[d];
        summary.lastRetransmissionNs = tsNs;
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

    if ((flags & kTcpAck) && !syn)
        conn.streams[1 - d]->acknowledged(seg.ack);

    if (syn && !fwd.synSeen) {
        fwd.synSeen = true;
        if (dir == Direction::ClientToServer)
            conn.clientIsn = seg.seq;
        conn.streams[d]->setInitialSequence(seg.seq + 1);
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
            summary.payloadCutBytes += missing;
            m_counters.cutBytes += missing;
            if (m_counters.cutPackets++ == 0)
                m_counters.firstCutPacket = m_counters.packets;
        }

        auto& framer = conn.framers[d];
        const bool deciding = framer.mode() == Http2Framer::Mode::Preface;
        conn.streams[d]->segment(seg.seq, seg.payload, seglen, tsNs);
        if (deciding && framer.mode() == Http2Framer::Mode::Opaque)
            conn.framers[1 - d].setOpaque(); // no client preface: not HTTP/2 (or TLS)
    }

    if (fin && !fwd.finSeen) {
        fwd.finSeen = true;
        conn.streams[d]->flush();
        if (summary.end == core::ConnectionEnd::Open)
            summary.end = dir == Direction::ClientToServer ? core::ConnectionEnd::FinC2S
                                                           : core::ConnectionEnd::FinS2C;
        emitTcp(conn, dir, EventType::Fin, tsNs);
    }
    if (rst) {
        if (!conn.rstSeen) {
            conn.rstSeen = true;
            for (auto& stream : conn.streams)
                stream->flush();
            // An abortive close outranks an earlier FIN: the connection was torn down.
            summary.end = dir == Direction::ClientToServer ? core::ConnectionEnd::RstC2S
                                                           : core::ConnectionEnd::RstS2C;
        }
        // A plain ACK that had covered all the other side's data: its last packet reached this
        // side's TCP stack, so the RST is this endpoint's (an application closing with unread data),
        // not a pass-through middlebox's that dropped the packet and answered for the flow.
        Event e;
        e.tsNs = tsNs;
        e.conn = conn.summary.id;
        e.dir = dir;
        e.type = EventType::Rst;
        e.peerDataAcked = fwd.plainAckSeen && rev.seen && rev.nextSeq != rev.baseSeq && seqDiff(fwd.lastPlainAck, rev.nextSeq) >= 0;
        publish(e);
    }
}

void CaptureEngine::finish()
{
    m_counters.fragmentsNotReassembled = m_fragments.abandonedFragments();
    for (auto& conn : m_connections) {
        for (auto& stream : conn->streams)
            stream->flush();
        if (conn->pipeline)
            conn->pipeline->finish();
        auto& summary = conn->summary;
        const std::int64_t tail = summary.lastNs - conn->lastPayloadNs;
        if (tail > summary.longestIdleNs) {
            summary.longestIdleNs = tail;
            summary.longestIdleStartNs = conn->lastPayloadNs;
        }
    }
    if (m_warningsDropped) {
        m_warnings.push_back(std::to_string(m_warningsDropped) + " more warnings like these not listed");
        m_warningsDropped = 0;
    }
}

core::ConnectionSummary CaptureEngine::summary(std::uint32_t id) const
{
    const auto& conn = *m_connections[id];
    core::ConnectionSummary out = conn.summary;
    out.http2 = conn.framers[0].everLocked() || conn.framers[1].everLocked();
    if (conn.pipeline) {
        out.tls = conn.pipeline->tlsInfo();
        out.proxy = conn.pipeline->proxy();
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

} // namespace ks::capture
