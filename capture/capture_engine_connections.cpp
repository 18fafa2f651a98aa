// The engine's connection table: a packet's 4-tuple to its TcpConnection (hashed, with the last
// flow remembered, since packets of one flow come in runs), a new connection for a new SYN on an
// ended 4-tuple, which side is the server, and the HTTP/2 decoder a connection gets at its first
// payload. The packet path that calls it is in capture_engine.cpp.
#include "capture_engine.h"

#include "http2_framer.h"
#include "tcp_sequence.h"

#include <algorithm>
#include <cstring>

namespace ks::capture {

using core::Direction;

namespace {

// Linux's default ephemeral range (net.ipv4.ip_local_port_range).
bool linuxEphemeral(std::uint16_t port)
{
    return port >= 32768 && port <= 60999;
}

} // namespace

std::uint64_t CaptureEngine::hashOf(const FlowKey& k)
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
    // MurmurHash3's finalizer: the table indexes by the low bits, which the multiplies above
    // leave poorly mixed for addresses and ports that differ only in a few bits.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

CaptureEngine::FlowKey CaptureEngine::keyOf(
    const IpAddress& a, std::uint16_t portA, const IpAddress& b, std::uint16_t portB)
{
    // Either direction's packets give the same key: the lower endpoint first.
    const bool aFirst = a.bytesBefore(b) || (!b.bytesBefore(a) && portA < portB);
    FlowKey key;
    key.a = aFirst ? a : b;
    key.b = aFirst ? b : a;
    key.portA = aFirst ? portA : portB;
    key.portB = aFirst ? portB : portA;
    return key;
}

CaptureEngine::FlowKey CaptureEngine::keyOf(const TcpConnection& conn) const
{
    return keyOf(conn.clientAddr, conn.clientPort, conn.serverAddr, conn.serverPort);
}

bool CaptureEngine::srcIsServerByHeuristic(const TcpSegment& seg, bool& guessed) const
{
    guessed = false;
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
    // The first bytes of a connection whose SYN was missed: the client preface or a TLS
    // ClientHello names the client; a TLS ServerHello names the server.
    const auto p = seg.payload;
    if (startsWithHttp2Preface(p))
        return false;
    if (p.size() >= 6 && p[0] == 0x16 && p[1] == 0x03 && (p[5] == 1 || p[5] == 2))
        return p[5] == 2;
    // A server's first HTTP/2 frame is its SETTINGS (RFC 9113 section 3.4): likely, not certain
    // (the client's SETTINGS follows its preface, which the capture may have lost too).
    guessed = true;
    if (p.size() >= 9 && p[3] == 0x04 && p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] == 0 && p[8] == 0
        && ((std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]) % 6) == 0)
        return true;
    return false;
}

TcpConnection& CaptureEngine::createConnection(
    const FlowKey& key, std::uint64_t hash, const TcpSegment& seg, std::int64_t tsNs, bool reused)
{
    const bool syn = seg.flags & kTcpSyn;
    const bool ack = seg.flags & kTcpAck;
    const auto id = static_cast<std::uint32_t>(m_connections.size());
    auto& conn = m_connections.emplace_back(id);
    conn.traffic.sawHandshake = syn;
    bool srcIsClient;
    bool guessed = false;
    if (syn)
        srcIsClient = !ack;
    else
        srcIsClient = !srcIsServerByHeuristic(seg, guessed);
    if (guessed)
        conn.traffic.rareBox.make().rolesGuessed = true;
    conn.clientAddr = srcIsClient ? seg.src : seg.dst;
    conn.clientPort = srcIsClient ? seg.srcPort : seg.dstPort;
    conn.serverAddr = srcIsClient ? seg.dst : seg.src;
    conn.serverPort = srcIsClient ? seg.dstPort : seg.srcPort;
    conn.traffic.firstNs = tsNs;
    conn.lastPayloadNs = tsNs;
    ++m_serverPortUses[conn.serverPort];
    auto same = [this, &key](std::uint32_t other) { return keyOf(m_connections[other]) == key; };
    if (reused)
        m_table.replace(hash, same, id);
    else
        m_table.insert(hash, id, [this](std::uint32_t other) { return hashOf(keyOf(m_connections[other])); });
    return conn;
}

TcpConnection& CaptureEngine::connectionFor(const TcpSegment& seg, std::int64_t tsNs)
{
    const FlowKey key = keyOf(seg.src, seg.srcPort, seg.dst, seg.dstPort);
    std::uint32_t index;
    std::uint64_t hash = 0;
    if (m_haveLastFlow && key == m_lastFlow) {
        index = m_lastFlowIndex; // packets of one flow come in runs: skip the hash lookup
    } else {
        hash = hashOf(key);
        index = m_table.find(hash, [this, &seg](std::uint32_t id) {
            const auto& c = m_connections[id];
            return (seg.srcPort == c.clientPort && seg.dstPort == c.serverPort && seg.src == c.clientAddr
                       && seg.dst == c.serverAddr)
                || (seg.srcPort == c.serverPort && seg.dstPort == c.clientPort && seg.src == c.serverAddr
                    && seg.dst == c.clientAddr);
        });
        if (index == FlowTable::kNone) {
            m_haveLastFlow = false;
            return createConnection(key, hash, seg, tsNs, false);
        }
        m_lastFlow = key;
        m_lastFlowIndex = index;
        m_haveLastFlow = true;
    }
    auto& conn = m_connections[index];
    // A new SYN on a 4-tuple whose connection ended (or with a new ISN) is a new connection.
    if ((seg.flags & kTcpSyn) && !(seg.flags & kTcpAck)) {
        const auto& c2s = conn.tcp[0];
        const bool ended = conn.rstSeen || conn.tcp[0].finSeen || conn.tcp[1].finSeen;
        if (ended || (c2s.synSeen && c2s.synSeq != seg.seq)) {
            closeDecoder(conn);
            m_haveLastFlow = false;
            return createConnection(key, hashOf(key), seg, tsNs, true);
        }
    }
    return conn;
}

ConnectionDecoder& CaptureEngine::makeDecoder(TcpConnection& conn, bool hunting)
{
    using Mode = Http2Framer::Mode;
    const bool fromStart = conn.traffic.sawHandshake && !hunting;
    conn.decoder = std::make_unique<ConnectionDecoder>(
        conn, *this, fromStart ? Mode::Preface : Mode::Hunting, fromStart ? Mode::ServerPreface : Mode::Hunting);
    if (hunting)
        return *conn.decoder;
    // Start each direction as if the decoder had been there since the SYN.
    for (std::size_t d = 0; d < 2; ++d) {
        const auto& dir = conn.tcp[d];
        if (!dir.synSeen)
            continue;
        conn.decoder->streams[d].setInitialSequence(dir.synSeq + 1);
        if (dir.peerAckedKnown)
            conn.decoder->streams[d].acknowledged(dir.peerAcked);
    }
    return *conn.decoder;
}

void CaptureEngine::closeDecoder(TcpConnection& conn)
{
    if (!conn.decoder)
        return;
    std::uint64_t holes = 0;
    for (auto& stream : conn.decoder->streams) {
        stream.flush();
        holes += stream.holeBytes();
    }
    // Bytes the peer acknowledged beyond the last the capture holds, with nothing after them to
    // make a hole (Wireshark's "ACKed unseen segment" at a stream's end: a lost GOAWAY). A FIN
    // takes a sequence number of its own, which nextSeq counts once it is seen.
    for (const auto& t : conn.tcp)
        if (t.peerAckedKnown && t.seen && t.nextSeq != t.baseSeq && seqDiff(t.peerAcked, t.nextSeq) > 0)
            holes += static_cast<std::uint32_t>(seqDiff(t.peerAcked, t.nextSeq));
    auto& traffic = conn.traffic;
    if (holes) {
        auto& rare = traffic.rareBox.make();
        if (rare.missingBytes == 0 && m_counters.connectionsWithHoles++ == 0)
            m_counters.firstHoleConnection = conn.id;
        rare.missingBytes += holes;
        m_counters.holeBytes += holes;
    }
    if (auto& pipeline = conn.decoder->pipeline) {
        pipeline->finish();
        traffic.tls = pipeline->tlsInfo();
        if (!pipeline->proxy().empty())
            traffic.rareBox.make().proxy = pipeline->proxy();
    }
    // A direction that ended with its FIN ends at a frame boundary: a hunt still open may lock
    // on a chain that ends exactly there (bytes missing before the FIN cleared the hunt).
    for (std::size_t d = 0; d < 2; ++d)
        conn.decoder->framers[d].finish(conn.tcp[d].finSeen);
    traffic.http2 = traffic.http2 || conn.decoder->everLocked();
    conn.decoder.reset();
    conn.decoderClosed = true;
}

} // namespace ks::capture
