// The analyzer's streaming half: per-event bookkeeping of clocks, PINGs, streams, GOAWAYs and
// closes. The rules that read this state live in findings_lb.cpp, findings_goaway.cpp,
// findings_cadence.cpp and findings_timeout.cpp. Some 550 lines in one file on purpose: every
// per-event update reads and writes the same ConnState, and onEvent's dispatch is easiest to check
// against the event model when its handlers sit together.
#include "direction.h"
#include "findings_state.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

namespace ks::core {

double RecentStats::median() const
{
    const std::size_t n = std::min<std::size_t>(count, kWindow);
    if (n == 0)
        return 0;
    if (!medianValid) {
        std::array<double, kWindow> sorted {};
        std::copy(recent.begin(), recent.end(), sorted.begin());
        const auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(n / 2);
        std::nth_element(sorted.begin(), mid, sorted.begin() + static_cast<std::ptrdiff_t>(n));
        // nth_element leaves the smaller samples before mid: the lower middle is their largest.
        cachedMedian = n % 2 ? *mid : (*std::max_element(sorted.begin(), mid) + *mid) / 2;
        medianValid = true;
    }
    return cachedMedian;
}

std::string RecentStats::medianName() const
{
    return count > kWindow ? "median of the last " + std::to_string(kWindow) : std::string("median");
}

const SideState Sides::kNone {};

// C-core's BDP estimator pings as it reads data, so its PING follows received data closely; a
// keepalive PING may share a write with a window update long after the data (the lab's C-core
// client: WINDOW_UPDATEs and its first keepalive PING together, 1 s after the last data).
constexpr std::int64_t kBdpAfterDataNs = 200'000'000;
// grpc-java's AbstractNettyHandler.BDP_MEASUREMENT_PING, sent as data arrives (24-110 ms after it
// in tests/data/java_*.pcap, a JVM still compiling). C-core counts its opaque values up from 0,
// so its 1234th PING carries the same value: that one is keepalive unless data came just before.
constexpr std::uint64_t kJavaBdpPing = 1234;
constexpr std::int64_t kJavaBdpAfterDataNs = 1'000'000'000;

bool isKeepalivePing(const Event& e, std::int64_t lastDataReceivedNs)
{
    if (e.inferred)
        return !e.inferredShared; // no opaque data to tell: a PING beside WINDOW_UPDATEs is BDP
    // The same composition rule decoded (C-core's BDP PINGs reuse its opaque counter), when data
    // came just before it.
    if (e.besideWindowUpdates && lastDataReceivedNs >= 0 && e.tsNs - lastDataReceivedNs <= kBdpAfterDataNs)
        return false;
    switch (e.opaque) {
    case 0x02041010090e0707ULL: // grpc-go bdpPing
    case 0x0106010800030309ULL: // grpc-go goAwayPing
    case 0x97acef001ULL: // grpc-java NettyServerHandler.GRACEFUL_SHUTDOWN_PING (between its two GOAWAYs)
        return false;
    case kJavaBdpPing: // grpc-java's BDP PING, or C-core's 1234th PING: told by the data before it
        return lastDataReceivedNs < 0 || e.tsNs - lastDataReceivedNs > kJavaBdpAfterDataNs;
    default:
        return true;
    }
}

double keepaliveCadenceS(const SideState& s)
{
    return s.idlePingInterval.count >= 2 ? s.idlePingInterval.median() : s.pingInterval.median();
}

bool pingsResetIdle(const LbCatalogueEntry& entry)
{
    return entry.http2PingResetsIdle.value_or(true);
}
// Unknown counts as "no": the conservative reading when the documentation is silent.
bool tcpKeepalivesResetIdle(const LbCatalogueEntry& entry)
{
    return entry.profile.tcpKeepaliveResetsIdle.value_or(false);
}

FindingsAnalyzer::FindingsAnalyzer(AnalyzerOptions options)
    : m_state(std::make_unique<State>())
{
    m_state->options = std::move(options);
}

FindingsAnalyzer::~FindingsAnalyzer() = default;

AnalyzerOptions& FindingsAnalyzer::options()
{
    return m_state->options;
}

namespace {

bool isKeepaliveProbe(EventType t)
{
    return t == EventType::TcpKeepalive || t == EventType::TcpKeepaliveAck;
}

// Whether this event restarts the idle timer of the profile.
bool resetsIdle(const Event& e, const LbCatalogueEntry& p)
{
    if (isKeepaliveProbe(e.type))
        return tcpKeepalivesResetIdle(p);
    if (!pingsResetIdle(p)) // request-counting proxies: only streams and connection setup/teardown
        return e.type == EventType::Headers || e.type == EventType::Data || e.type == EventType::RstStream
            || e.type == EventType::Syn || e.type == EventType::Fin || e.type == EventType::Rst
            || e.type == EventType::Preface;
    return true;
}

void trackIdle(ConnBasics& c, const Event& e, const std::vector<LbCatalogueEntry>& profiles)
{
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        auto& t = c.tracks[i];
        if (!resetsIdle(e, profiles[i]))
            continue;
        if (t.lastNs >= 0) {
            const std::int64_t gap = e.tsNs - t.lastNs;
            if (gap > t.longestNs) {
                t.longestNs = gap;
                t.longestFrom = t.lastIndex;
                t.longestTo = e.index;
            }
            if (static_cast<double>(gap) > profiles[i].profile.idleTimeoutS * kNsPerS) {
                ++t.exceeded;
                t.lastExceedNs = gap;
                t.lastExceedEndNs = e.tsNs;
                t.lastExceedFrom = t.lastIndex;
                t.lastExceedTo = e.index;
            }
        }
        t.lastNs = e.tsNs;
        t.lastIndex = e.index;
    }
}

// How soon after received data a PING counts as the BDP estimator's, not the keepalive timer's.
constexpr std::int64_t kDataTriggeredPingNs = 20'000'000;

void onPing(ConnState& c, const Event& e)
{
    if (!isKeepalivePing(e, c.side[dirIndex(e.dir)].lastDataReceivedNs)) {
        c.side[dirIndex(e.dir)].lastAnyPingNs = e.tsNs;
        if (e.inferredCrossing)
            c.side[dirIndex(otherDirection(e.dir))].crossedNs = e.tsNs;
        return;
    }
    auto& s = c.side[dirIndex(e.dir)];
    if (s.pings == 0 && c.lastActivityNs >= 0)
        s.firstPingQuietNs = e.tsNs - c.lastActivityNs;
    const bool otherPingInGap = s.lastAnyPingNs > s.lastPingNs;
    s.lastAnyPingNs = e.tsNs;
    const bool dataTriggered = s.lastDataReceivedNs >= 0 && s.lastDataReceivedNs >= s.lastPingNs
        && e.tsNs - s.lastDataReceivedNs <= kDataTriggeredPingNs;
    if (s.lastPingNs >= 0 && !e.timeHeld && !s.lastPingHeld) { // no interval to or from an unknown time
        const double interval = toS(e.tsNs - s.lastPingNs);
        // A stretch without PINGs well beyond the cadence seen so far (ping policy held them back,
        // or a middlebox stopped forwarding them), on a connection that carried no RPC data
        // meanwhile (gRPC pings only when reads go quiet, so a busy connection needs none).
        // (median + 1 s >= min + 1 s: the cheap test first, the median only when it can matter.)
        // A PING of another kind inside (BDP, or one beside WINDOW_UPDATEs when inferred) says
        // data flowed or the PINGs are not all told apart: neither a stop nor a cadence interval.
        const bool longGap = s.pingInterval.count && interval >= s.pingInterval.min + 1.0
            && c.lastStreamNs < s.lastPingNs
            && interval >= std::max(3.0 * s.pingInterval.median(), s.pingInterval.median() + 1.0);
        if (longGap && !otherPingInGap && e.tsNs - s.lastPingNs > s.silenceNs) {
            s.silenceNs = e.tsNs - s.lastPingNs;
            s.silenceFromNs = s.lastPingNs;
            s.silenceFrom = s.recentPings.back();
            s.silenceTo = e.index;
            s.silenceEndNs = e.tsNs;
            s.silenceCadenceS = s.pingInterval.median();
        } else if (!dataTriggered && !(longGap && otherPingInGap)) {
            s.pingInterval.add(interval);
            if (c.lastStreamNs < s.lastPingNs)
                s.idlePingInterval.add(interval);
        }
    }
    ++s.pings;
    if (c.openStreams.empty())
        ++s.pingsWithoutCalls;
    s.lastPingNs = e.tsNs;
    s.lastPingHeld = e.timeHeld;
    s.recentPings = { s.recentPings[1], s.recentPings[2], e.index };
    s.outstanding = true;
    s.outstandingHeld = e.timeHeld;
    s.outstandingNs = e.tsNs;
    s.outstandingIndex = e.index;
    s.outstandingOpaque = e.opaque;
}

void onPingAck(ConnState& c, const Event& e)
{
    const auto& pinger = std::as_const(c).side[dirIndex(otherDirection(e.dir))];
    const bool pingHeld = pinger.outstanding && pinger.outstandingOpaque == e.opaque && pinger.outstandingHeld;
    if (pinger.outstanding && pinger.outstandingOpaque == e.opaque)
        c.side[dirIndex(otherDirection(e.dir))].outstanding = false;
    if (e.rttMs < 0 || e.timeHeld || pingHeld)
        return;
    // An outlier stands well above the recent median, in ratio and in absolute terms.
    if (c.rtt.count >= 3 && e.rttMs > c.rtt.min + 1.0) { // median + 1 >= min + 1: cheap test first
        const double median = c.rtt.median();
        if (e.rttMs > std::max(4.0 * median, median + 1.0)) {
            ++c.rttOutliers;
            c.outlierBaselineMs = median;
            if (c.outlierSamples.size() < 5)
                c.outlierSamples.emplace_back(e.index, e.rttMs);
        }
    }
    c.rtt.add(e.rttMs);
}

void onStream(ConnState& c, const Event& e)
{
    const std::int64_t previousNs = c.lastStreamNs;
    c.lastStreamNs = e.tsNs;
    if (e.dir == Direction::ServerToClient && e.stream) {
        if (e.type == EventType::RstStream)
            ++c.serverResets;
        else
            c.serverAnswered = true;
    }
    if (e.type != EventType::RstStream)
        c.side[dirIndex(otherDirection(e.dir))].lastDataReceivedNs = e.tsNs;
    else if (e.errorCode == 0x8) // CANCEL
        c.side[dirIndex(e.dir)].lastCancelNs = e.tsNs;
    auto it = std::find(c.openStreams.begin(), c.openStreams.end(), e.stream);
    const bool closes = e.type == EventType::RstStream || (e.endStream && e.dir == Direction::ServerToClient);
    if (e.type == EventType::Headers && e.dir == Direction::ClientToServer && it == c.openStreams.end() && e.stream) {
        if (c.hadStreams && c.openStreams.empty() && previousNs >= 0)
            c.longestRpcGapNs = std::max(c.longestRpcGapNs, e.tsNs - previousNs);
        c.hadStreams = true;
        if (c.openStreams.size() < 4096)
            c.openStreams.push_back(e.stream);
        it = c.openStreams.end() - 1;
    }
    if (closes && it != c.openStreams.end()) {
        const bool serverGoaway = !c.goaways.empty() && c.goaways.front().dir == Direction::ServerToClient;
        const bool failed = e.dir == Direction::ServerToClient
            && (e.type == EventType::RstStream || (e.type == EventType::Headers && e.grpcStatus > 0));
        if (serverGoaway && failed && c.callsFailedAfterGoaway++ == 0) {
            c.firstFailedCallIndex = e.index;
            c.failedCallStatus = e.type == EventType::Headers ? e.grpcStatus : -1;
            c.failedCallMessage = e.grpcMessage.substr(0, 80);
        }
        c.openStreams.erase(it);
    }
}

void onGoaway(ConnState& c, const Event& e)
{
    // A GOAWAY written after the peer closed its side answers that close (a server shutting down
    // its transports), it does not retire the connection.
    // One that names a shutdown the server's earlier GOAWAY began is kept (C-core's stop(0)
    // cancels its calls after the client's FIN), for shutdownNamed; nothing classifies it alone.
    const bool namesShutdown
        = e.debug.find("Cancelling all calls") != std::string::npos || e.debug.find("hutdown") != std::string::npos;
    if (c.closed && c.closedBy != e.dir && !(namesShutdown && !c.goaways.empty() && c.goaways.front().dir == e.dir))
        return;
    ++c.goawayCount;
    GoawayInfo g;
    g.index = e.index;
    g.ns = e.tsNs;
    g.dir = e.dir;
    g.code = e.errorCode;
    g.lastStreamId = e.lastStreamId;
    g.debug = e.debug;
    g.openStreams = c.openStreams.size();
    g.hadStreams = c.hadStreams;
    g.idleNs = e.tsNs - (c.lastStreamNs >= 0 ? c.lastStreamNs : c.firstNs);
    g.survivedIdleNs = c.longestRpcGapNs;
    g.ageNs = e.tsNs - c.firstNs;
    const auto& client = std::as_const(c).side[dirIndex(otherDirection(e.dir))];
    g.clientPingIntervalS = client.pingInterval.count ? client.pingInterval.median() : 0;
    g.clientPings = client.pings;
    g.clientPingsWithoutCalls = client.pingsWithoutCalls;
    g.clientRecentPings = client.recentPings;
    if (c.goaways.size() < 4)
        c.goaways.push_back(std::move(g));
    else
        c.goaways.back() = std::move(g);
}

// full: the connection's PING state, when it has any.
void onClose(ConnBasics& c, const Event& e, ConnState* full)
{
    if (c.closed)
        return;
    c.closed = true;
    c.closedByRst = e.type == EventType::Rst;
    c.rstAfterAck = c.closedByRst && e.peerDataAcked;
    c.closerDataAcked = c.closedByRst && e.ownDataAcked;
    c.closedBy = e.dir;
    c.closeNs = e.tsNs;
    c.closeIndex = e.index;
    c.quietBeforeCloseNs = c.lastActivityNs >= 0 ? e.tsNs - c.lastActivityNs : 0;
    if (!full)
        return; // no PING was ever sent: none in the quiet, none outstanding
    const auto& s = std::as_const(*full).side[dirIndex(e.dir)];
    c.pingDuringQuiet = s.lastPingNs >= c.lastActivityNs && c.lastActivityNs >= 0;
    // The pinging side gave up waiting for the ACK: a keepalive timeout. A PING written just before
    // an ordinary close is not one, hence the 50 ms floor.
    // A side that cancels its calls (RST_STREAM CANCEL) right before it closes is shutting down
    // on purpose (the application cancelled the call and closed the channel). C-core's keepalive
    // watchdog fails the calls with REFUSED_STREAM instead (seen in the lab), grpc-go writes no
    // frame at all.
    const bool cancelledFirst = s.lastCancelNs >= 0 && e.tsNs - s.lastCancelNs <= 200'000'000;
    auto& k = *full; // the same connection as c
    // TCP keep-alive gave up: the RST's sender probed, nothing answered any probe of the run nor
    // anything else since it began, and the RST follows the last probe.
    if (c.closedByRst && s.kaRun && s.lastKaAckReceivedNs < s.kaRunFirstNs && c.lastActivityNs < s.kaRunFirstNs
        && e.tsNs > s.lastKaNs && !k.tcpKaTimeout) {
        k.tcpKaTimeout = true;
        k.tcpKaProbes = s.kaRun;
        k.tcpKaFirstIndex = s.kaRunFirstIndex;
        k.tcpKaFirstNs = s.kaRunFirstNs;
        k.tcpKaLastNs = s.lastKaNs;
    }
    if (s.outstanding && e.tsNs - s.outstandingNs >= 50'000'000 && !k.kaTimeout && !cancelledFirst) {
        k.kaTimeout = true;
        k.kaTimeoutSide = e.dir;
        k.kaTimeoutPing = s.outstandingIndex;
        k.kaTimeoutPingNs = s.outstandingNs;
        k.kaTimeoutClose = e.index;
        k.kaTimeoutNs = e.tsNs - s.outstandingNs;
        const auto peerDir = dirIndex(otherDirection(e.dir));
        // A host's TCP answers a segment for a connection it no longer has with RST within
        // microseconds; 2 ms leaves room for a capture point a LAN hop away.
        const auto& peerLast = k.lastPacket[peerDir];
        k.kaCloseUnseen = c.closedByRst && peerLast.ns > s.outstandingNs
            && peerLast.ns >= k.lastPacket[dirIndex(e.dir)].ns && e.tsNs - peerLast.ns <= 2'000'000;
        k.kaAnsweredNs = peerLast.ns;
        k.kaAnsweredIndex = peerLast.index;
        k.kaAnsweredType = peerLast.type;
        const std::int64_t peerFrame = k.streams.lastFrameNs[peerDir];
        k.kaPeerFrameNs = peerFrame > s.outstandingNs ? peerFrame : -1;
    }
}

// Events that need more than ConnBasics.
bool needsFullState(EventType t)
{
    switch (t) {
    case EventType::Ping:
    case EventType::PingAck:
    case EventType::Headers:
    case EventType::Data:
    case EventType::RstStream:
    case EventType::Goaway:
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        return true;
    default:
        return false;
    }
}

void onTcpKeepalive(ConnState& c, const Event& e)
{
    auto& s = c.side[dirIndex(e.dir)];
    // Only the first probe after a quiet period (or after an answered probe) measures
    // TCP_KEEPIDLE; an unanswered probe is repeated after TCP_KEEPINTVL instead.
    const bool retry = s.kaProbes && s.lastKaAckReceivedNs < s.lastKaNs && c.lastActivityNs < s.lastKaNs;
    std::int64_t since = std::max(c.lastActivityNs, s.lastKaAckReceivedNs);
    // The other side's latest packets, unanswered by the prober: perhaps never received by it.
    const bool unanswered = c.burstStartNs >= 0 && c.burstDir != e.dir && !c.burstAnswered && c.burstGapNs > 0
        && s.lastKaAckReceivedNs < c.burstStartNs && c.lastActivityNs >= c.burstStartNs;
    if (!retry && since >= 0 && unanswered && s.kaIdleBeforeUnanswered < 0) {
        // An RST in the prober's name that answered them, and a probe after it: a socket that reset
        // does not probe, so the path sent that RST and the prober never got those packets.
        const bool forged = c.closed && c.closedByRst && c.closedBy == e.dir && c.closeNs >= c.burstStartNs
            && c.closeNs - c.burstStartNs <= 500'000'000;
        s.kaIdleBeforeUnanswered = toS(e.tsNs - (c.burstStartNs - c.burstGapNs));
        s.kaUnansweredNeverArrived = forged;
        if (forged)
            since = c.burstStartNs - c.burstGapNs;
    }
    if (!retry && since >= 0)
        s.kaIdle.add(toS(e.tsNs - since));
    if (!retry) {
        s.kaRun = 0;
        s.kaRunFirstNs = e.tsNs;
        s.kaRunFirstIndex = e.index;
    }
    ++s.kaRun;
    s.lastKaNs = e.tsNs;
    if (s.kaProbes++ == 0)
        s.firstKaIndex = e.index;
    s.lastKaIndex = e.index;
}

// Activity closer than this belongs to one exchange (a request and its answer, a PING and its ACK).
constexpr std::int64_t kBurstGapNs = 200'000'000;

// The connection's first request and first response (findH2ProxyHops pairs a proxy's legs by them).
void noteFirstCall(FindingsAnalyzer::State& st, ConnState& c, const Event& e)
{
    const auto us = static_cast<std::uint32_t>(
        std::clamp<std::int64_t>((e.tsNs - c.firstNs) / 1000 + 1, 1, std::numeric_limits<std::uint32_t>::max()));
    if (e.dir == Direction::ClientToServer && !e.path.empty() && c.firstReqUs == 0) {
        c.firstReqUs = us;
        st.requestConns.push_back(e.conn);
        c.firstReqPath = static_cast<std::uint32_t>(std::hash<std::string> {}(e.path)) | 1u;
    } else if (e.dir == Direction::ServerToClient && c.firstReqUs && c.firstRespUs == 0) {
        c.firstRespUs = us;
    }
}

void trackBursts(ConnBasics& c, const Event& e)
{
    if (c.lastActivityNs < 0 || e.tsNs - c.lastActivityNs >= kBurstGapNs) {
        if (c.burstAnswered && c.burstGapNs > c.longestSurvivedNs)
            c.longestSurvivedNs = c.burstGapNs;
        c.burstGapNs = c.lastActivityNs < 0 ? 0 : e.tsNs - c.lastActivityNs;
        c.burstStartNs = e.tsNs;
        c.burstStartIndex = e.index;
        c.burstPrevIndex = c.lastActivityIndex;
        c.burstDir = e.dir;
        c.burstAnswered = false;
        // (the basic state keeps no data times: a PING beside WINDOW_UPDATEs counts as BDP here)
        c.burstIsPing = e.type == EventType::Ping && isKeepalivePing(e, e.tsNs);
    } else if (e.dir != c.burstDir) {
        c.burstAnswered = true;
    }
}

} // namespace

void FindingsAnalyzer::onEvent(const Event& e)
{
    auto& st = *m_state;
    if (!st.haveOrigin) {
        st.haveOrigin = true;
        st.originNs = e.tsNs - e.relNs;
    }
    st.conns.growTo(std::size_t(e.conn) + 1);
    auto& slot = st.conns[e.conn];
    if (!slot.full && (needsFullState(e.type) || e.inferred)) {
        slot.full = std::make_unique<ConnState>();
        static_cast<ConnBasics&>(*slot.full) = std::move(slot.basics);
        slot.basics = ConnBasics {};
        slot.full->lastNonPingNs = slot.full->lastActivityNs;
    }
    ConnBasics& c = slot.full ? *slot.full : slot.basics;
    if (!c.used) {
        c.used = true;
        c.firstNs = e.tsNs;
        c.firstIndex = e.index;
        if (!st.options.profiles.empty())
            c.tracks = std::make_unique<ProfileTrack[]>(st.options.profiles.size());
    }
    c.lastNs = e.tsNs;
    if (e.inferred)
        ++slot.full->inferredEvents;
    st.lastNs = std::max(st.lastNs, e.tsNs);
    trackIdle(c, e, st.options.profiles);
    if (slot.full) // stream watching reads only PINGs, streams and GOAWAYs: a full state's events
        watchStreams(*slot.full, e);

    switch (e.type) {
    case EventType::Syn:
        c.sawSyn = true;
        break;
    case EventType::Preface:
    case EventType::Settings:
    case EventType::Headers:
    case EventType::Data:
    case EventType::Ping:
    case EventType::PingAck:
    case EventType::Goaway:
    case EventType::RstStream:
    case EventType::WindowUpdate: {
        auto& first = e.dir == Direction::ClientToServer ? c.firstC2sUs : c.firstS2cUs;
        if (first == 0)
            first = static_cast<std::uint32_t>(std::clamp<std::int64_t>(
                (e.tsNs - c.firstNs) / 1000 + 1, 1, std::numeric_limits<std::uint32_t>::max()));
        if (e.dir == Direction::ClientToServer)
            c.http2SentC2S = true;
        else
            c.http2SentS2C = true;
        if (e.type == EventType::Headers) // (needsFullState: slot.full is made)
            noteFirstCall(st, *slot.full, e);
        break;
    }
    default:
        break;
    }
    if (e.type == EventType::Fin || e.type == EventType::Rst)
        onClose(c, e, slot.full.get());
    if (e.type == EventType::Rpc)
        onRpc(st, e);
    if (slot.full) {
        auto& full = *slot.full;
        switch (e.type) {
        case EventType::Ping:
            onPing(full, e);
            break;
        case EventType::PingAck:
            onPingAck(full, e);
            break;
        case EventType::Headers:
        case EventType::Data:
        case EventType::RstStream:
            onStream(full, e);
            break;
        case EventType::Goaway:
            onGoaway(full, e);
            break;
        case EventType::TcpKeepalive:
            onTcpKeepalive(full, e);
            break;
        case EventType::TcpKeepaliveAck:
            full.side[dirIndex(otherDirection(e.dir))].lastKaAckReceivedNs = e.tsNs;
            break;
        default:
            break;
        }
        if (e.type != EventType::Fin && e.type != EventType::Rst)
            full.lastPacket[dirIndex(e.dir)] = { e.tsNs, e.index, e.type };
        if (e.type == EventType::Ping && full.goawayCount && !full.pingAfterGoaway && !full.goaways.empty()
            && full.goaways.front().dir == e.dir) {
            full.pingAfterGoaway = true;
            full.pingAfterGoawayIndex = e.index;
        }
    }
    if (!isKeepaliveProbe(e.type) && e.type != EventType::Fin && e.type != EventType::Rst) {
        trackBursts(c, e);
        if (slot.full && e.type != EventType::Ping && e.type != EventType::PingAck)
            slot.full->lastNonPingNs = e.tsNs;
        c.lastActivityNs = e.tsNs;
        c.lastActivityIndex = e.index;
    }
}

} // namespace ks::core
