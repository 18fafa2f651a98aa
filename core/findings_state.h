// Private to the analyzer (findings_*.cpp): the bounded state kept per connection while events
// stream by, and the rule functions that turn it into findings at the end. Some 550 lines in one
// header on purpose: the per-connection state is one layout (its size is what a busy host's
// million connections cost), and each rule file reads the same parts of it.
#pragma once

#include "boxed.h"
#include "chunked_vector.h"
#include "findings_analyzer.h"
#include "keepalive_fix.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ks::core {

inline constexpr double kNsPerS = 1e9;
inline double toS(std::int64_t ns)
{
    return static_cast<double>(ns) / kNsPerS;
}

// count/min/max/sum over everything, median over the most recent kWindow samples.
struct RecentStats {
    static constexpr std::size_t kWindow = 32;
    std::uint64_t count = 0;
    double min = 0, max = 0, sum = 0;
    std::vector<double> recent; // grows to kWindow samples, then a ring: most connections have few
    mutable double cachedMedian = 0;
    mutable bool medianValid = false;

    // Inline: a sample per PING round trip and per server DATA frame.
    void add(double v)
    {
        min = count ? std::min(min, v) : v;
        max = count ? std::max(max, v) : v;
        sum += v;
        if (recent.size() < kWindow)
            recent.push_back(v); // count == recent.size() until the window is full
        else
            recent[count % kWindow] = v;
        ++count;
        medianValid = false;
    }
    double mean() const { return count ? sum / static_cast<double>(count) : 0; }
    double median() const; // of an even count, the mean of the two middle samples
    // How to name median() in text: "median", or "median of the last 32" once older samples left
    // the window (min, max and mean still cover all).
    std::string medianName() const;
};

// Keepalive PINGs: grpc-go's BDP-estimator and GOAWAY pings use fixed opaque data and are not
// keepalive (grpc-go internal/transport: bdpPing, goAwayPing), nor are grpc-java's (1.41, Netty:
// BDP_MEASUREMENT_PING 1234 sent as each burst of data arrives, GRACEFUL_SHUTDOWN_PING
// 0x97acef001 between the two GOAWAYs of a max_idle / max_age / shutdown). Its keepalive PINGs
// carry 1111 (client) and 0xdead (server). C-core 1.51 counts its opaque values up from 0, so a
// PING with 1234 is grpc-java's BDP PING only when data came within 1 s before it.
// lastDataReceivedNs: when the pinging side last received HEADERS or DATA (-1: never).
bool isKeepalivePing(const Event& e, std::int64_t lastDataReceivedNs);

// Inferred PINGs (no keys) at a pace no gRPC keepalive has: grpc-go clamps a server's keepalive
// Time to 1 s and a client's to 10 s, and gRPC servers refuse PINGs more often than every 5 min
// by default (C-core and grpc-go enforcement). Record-size pairs this quick are more likely tiny
// messages answered at once (an 8-byte DATA frame has a PING's size) than keepalive PINGs.
constexpr double kMinInferredKeepaliveS = 0.9;

struct ProfileTrack {
    std::int64_t lastNs = -1; // last event that resets this profile's idle timer
    std::uint64_t lastIndex = 0;
    std::int64_t longestNs = 0;
    std::uint64_t longestFrom = 0, longestTo = 0;
    std::uint32_t exceeded = 0; // gaps longer than the timeout
    std::int64_t lastExceedNs = 0, lastExceedEndNs = 0;
    std::uint64_t lastExceedFrom = 0, lastExceedTo = 0;
};

struct SideState {
    // keepalive PINGs this side sent
    std::uint64_t pings = 0;
    std::int64_t lastPingNs = -1;
    // Any PING this side sent, keepalive or not (BDP, inferred beside WINDOW_UPDATEs): a gap in the
    // keepalive PINGs with one of these inside is no stop (data flowed, or the PING is unclassified).
    std::int64_t lastAnyPingNs = -1;
    // The other side's latest inferred crossing PING (Event::inferredCrossing): this side's PING
    // then may not have been inferred, so its inferred cadence is not stated.
    std::int64_t crossedNs = -1;
    // DATA or HEADERS this side received: C-core sends its BDP-estimator PING right after reading
    // data, with opaque values from the same counter as keepalive PINGs, so a PING that follows
    // received data closely does not end a cadence interval.
    std::int64_t lastDataReceivedNs = -1;
    std::int64_t lastCancelNs = -1; // this side's last RST_STREAM CANCEL
    std::array<std::uint64_t, 3> recentPings {}; // indexes, newest last
    RecentStats pingInterval;
    // The intervals with no HEADERS or DATA between their PINGs: a keepalive timer's alone. While
    // data flows, C-core also sends BDP PINGs alone (no WINDOW_UPDATE due), which no opaque tells.
    RecentStats idlePingInterval;
    std::uint64_t pingsWithoutCalls = 0;
    bool outstanding = false;
    bool outstandingHeld = false; // the outstanding PING's time is unknown (Event::timeHeld)
    bool lastPingHeld = false;
    std::int64_t outstandingNs = 0;
    std::uint64_t outstandingIndex = 0, outstandingOpaque = 0;
    // a long stretch without a PING after a cadence was established
    std::int64_t silenceNs = 0, silenceFromNs = 0, silenceEndNs = 0;
    std::uint64_t silenceFrom = 0, silenceTo = 0;
    double silenceCadenceS = 0;
    // TCP keep-alive probes this side sent: the idle time before each (TCP_KEEPIDLE)
    std::uint64_t kaProbes = 0, firstKaIndex = 0, lastKaIndex = 0;
    std::int64_t lastKaAckReceivedNs = -1, lastKaNs = -1;
    RecentStats kaIdle;
    // The first measured probe that followed the other side's unanswered packets: its idle counted
    // from before them (Linux counts TCP_KEEPIDLE from the last segment the prober received, and
    // those may never have reached it), and whether that is certain: an RST in the prober's name
    // answered them and the prober probed after it, so its socket never saw them (the path did).
    double kaIdleBeforeUnanswered = -1;
    // the quiet before this side's first keepalive PING: with one PING only, the best guess of
    // its keepalive_time (a watchdog close after more than 1.5 x it, ClientGaveUp)
    std::int64_t firstPingQuietNs = -1;
    bool kaUnansweredNeverArrived = false;
    // the latest run of probes with no ACK and no other event between them (TCP_KEEPCNT retries)
    std::uint64_t kaRun = 0, kaRunFirstIndex = 0;
    std::int64_t kaRunFirstNs = -1;
};

// The side's keepalive cadence: the median interval between PINGs on an idle connection when
// there are two such intervals, else over all (a cadence measured while data flowed may mix in
// BDP PINGs that went alone).
double keepaliveCadenceS(const SideState& s);

// Both sides' SideState, each made when that side first needs writing: a short connection with
// one PING uses one. Reading a side never made gives the empty state.
class Sides {
public:
    const SideState& operator[](std::size_t d) const { return m_side[d] ? *m_side[d] : kNone; }
    SideState& operator[](std::size_t d)
    {
        if (!m_side[d])
            m_side[d] = std::make_unique<SideState>();
        return *m_side[d];
    }

private:
    static const SideState kNone;
    std::array<std::unique_ptr<SideState>, 2> m_side;
};

struct GoawayInfo {
    std::uint64_t index = 0;
    std::int64_t ns = 0;
    Direction dir = Direction::ServerToClient;
    std::uint32_t code = 0, lastStreamId = 0;
    std::string debug;
    std::size_t openStreams = 0;
    bool hadStreams = false;
    std::int64_t idleNs = 0; // since the last stream activity (or the connection start)
    std::int64_t survivedIdleNs = 0; // ConnState::longestRpcGapNs when it came
    std::int64_t ageNs = 0;
    double clientPingIntervalS = 0; // snapshot of the peer's keepalive cadence
    std::uint64_t clientPings = 0, clientPingsWithoutCalls = 0;
    std::array<std::uint64_t, 3> clientRecentPings {};
};

// A server's NO_ERROR GOAWAY with no RPC open and no word on idleness came after a shorter RPC-free
// stretch than one the connection had survived (by 2 ms or 1 %, the wire's jitter around timers
// that grpc-go and C-core keep to the millisecond): max_connection_idle would have fired then, so
// the server retired the connection for its age (or shut down). C-core's max_connection_age
// GOAWAY carries no debug data (seen with python3-grpcio 1.51). A 5 % margin had called grpc-go's
// max_connection_age on a connection with an RPC every 200 ms "max_connection_idle of 195 ms".
inline bool idleRuledOut(const GoawayInfo& g)
{
    const double idle = static_cast<double>(g.idleNs);
    return g.hadStreams && g.openStreams == 0 && g.debug.find("idle") == std::string::npos
        && static_cast<double>(g.survivedIdleNs) > idle + std::max(2e6, 0.01 * idle);
}

// What happened to the open streams (findings_stream.cpp): server messages that stopped with no
// PING from the client, a stream reset by the path after a quiet period, a close mid-call.
struct StreamWatch {
    std::int64_t lastS2cNs = -1; // the server's last HTTP/2 frame
    std::uint64_t lastS2cIndex = 0;
    std::uint64_t s2cData = 0;
    std::int64_t lastS2cDataNs = -1;
    RecentStats s2cDataGap;
    std::int64_t lastC2sPingNs = -1;
    std::int64_t stallNs = 0; // the longest stretch of server silence with a stream open and no client PING
    std::uint64_t stallFrom = 0, stallTo = 0;
    double stallCadenceS = 0;
    struct OpenStream {
        std::uint32_t first = 0; // the stream
        std::int64_t second = 0; // its last frame
        std::int64_t openedNs = 0; // its first
    };
    std::vector<OpenStream> streamLastNs; // open streams: last frame
    std::uint64_t idleResets = 0, idleResetIndex = 0;
    std::uint32_t idleResetStream = 0, idleResetCode = 0;
    std::int64_t idleResetNs = 0, idleResetQuietNs = 0;
    std::size_t openAtClose = 0;
    bool goawayFromServer = false;
    // Zero-window probes, by the side that sent them (the other side's window was zero: it had
    // stopped reading): the current run, from the prober's last frame before it, and the longest.
    struct ZeroWindowRun {
        std::int64_t fromNs = -1; // the prober's last frame before the run: about when the window closed
        std::int64_t lastNs = -1; // the run's last probe
        std::uint64_t probes = 0, fromIndex = 0, lastIndex = 0;
    };
    struct ZeroWindowRuns {
        std::array<ZeroWindowRun, 2> current {}; // [prober's Direction]
        std::array<ZeroWindowRun, 2> longest {};
    };
    // Made at the first probe: few connections have any.
    Boxed<ZeroWindowRuns> zeroWindows;
    std::array<std::int64_t, 2> lastFrameNs { -1, -1 }; // [Direction]: the side's last HTTP/2 frame
    std::array<std::uint64_t, 2> lastFrameIndex {};
};

// What every connection keeps: clocks, idle tracks and its close. A connection whose events are
// only SYN, SETTINGS, WINDOW_UPDATE and its close (most of a busy host's short connections) keeps
// just this; the first PING, stream, GOAWAY or TCP keep-alive makes it a full ConnState.
struct ConnBasics {
    Direction closedBy = Direction::ClientToServer;
    // the latest burst of activity (below): who sent it, whether the other side answered within
    // it, whether it began with a keepalive PING (one-byte fields and bits together: no padding)
    Direction burstDir = Direction::ClientToServer;
    // One bit each, as the flags below: so the basics fit in 128 bytes (a busy host keeps a million).
    bool used : 1 = false;
    bool closed : 1 = false;
    bool closedByRst : 1 = false;
    bool burstAnswered : 1 = false;
    bool burstIsPing : 1 = false;
    bool pingDuringQuiet : 1 = false;
    // whether the capture holds the connection's start, and whether each direction sent an
    // HTTP/2 frame (peer-not-http2 in findings_timeout.cpp)
    bool sawSyn : 1 = false;
    bool http2SentC2S : 1 = false;
    bool http2SentS2C : 1 = false;
    bool rstAfterAck : 1
        = false; // the RST's sender had ACKed the other side's last packet first (Event::peerDataAcked)
    bool closerDataAcked : 1 = false; // the RST's sender's data had all been ACKed (Event::ownDataAcked)
    // Set when a full state is dropped after its rules ran (FindingsAnalyzer::finishLast): it
    // counted events known only by inference (ConnState::inferredEvents).
    bool hadInferred : 1 = false;
    bool http2Sent(Direction d) const { return d == Direction::ClientToServer ? http2SentC2S : http2SentS2C; }
    // Each direction's first HTTP/2 frame, in microseconds after firstNs, plus 1 (0: none): a
    // proxy forwards, so its upstream leg's first client frame follows the client leg's, and the
    // client leg's first server frame follows the upstream leg's (pairProxyLegs).
    std::uint32_t firstC2sUs = 0, firstS2cUs = 0;
    std::int64_t firstNs = 0, lastNs = 0;
    std::uint64_t firstIndex = 0;
    std::int64_t lastActivityNs = -1; // any event but TCP keep-alives
    std::uint64_t lastActivityIndex = 0;
    std::unique_ptr<ProfileTrack[]> tracks; // one per chosen profile, from the first event
    // how it ended
    std::int64_t closeNs = 0;
    std::uint64_t closeIndex = 0;
    std::int64_t quietBeforeCloseNs = 0; // silence (no event but keep-alives) before the close
    // bursts of activity: the silence before the latest one and where it began (a late packet
    // answered by RST, or into the void). Here, not in ConnState: the end causes of a connection
    // with no PING or stream read them.
    std::int64_t burstGapNs = 0, burstStartNs = -1;
    std::uint64_t burstStartIndex = 0, burstPrevIndex = 0;
    // the longest silence that ended with an answered exchange (the connection survived it)
    std::int64_t longestSurvivedNs = 0;
};

// A side's last packet of any kind but FIN and RST (a frame, an ACK-carrying keep-alive probe):
// an RST from the other side right after it answers it (ConnState::kaCloseUnseen).
struct LastPacket {
    std::int64_t ns = -1;
    std::uint64_t index = 0;
    EventType type = EventType::Syn;
};

struct ConnState : ConnBasics {
    std::uint64_t inferredEvents = 0; // PINGs known only from TLS record sizes (Event::inferred)
    // The first request (client HEADERS with a :path) and the first response HEADERS, in
    // microseconds after firstNs plus 1 (0: none), and a hash of the request's :path (0: none):
    // an HTTP/2-terminating proxy forwards the call on its upstream leg after it came and answers
    // after the upstream answered (findH2ProxyHops, which runs before any full state is dropped).
    // Here, not in the basics: HEADERS make a full state.
    std::uint32_t firstReqUs = 0, firstRespUs = 0, firstReqPath = 0;
    Sides side; // [Direction]
    // [Direction], here rather than in SideState: a side that only answers (a PING ACK, SETTINGS)
    // then needs no SideState of its own (a busy host's short connections have many such).
    std::array<LastPacket, 2> lastPacket {};
    // streams (HEADERS opens, END_STREAM/RST_STREAM closes); bounded by the peers' concurrency
    std::vector<std::uint32_t> openStreams;
    bool hadStreams = false;
    std::int64_t lastStreamNs = -1;
    // The server's answers: a response frame (HEADERS, DATA) on any stream, and its stream resets.
    // Requests it reset without ever answering were rejected (grpc-go resets a non-gRPC request
    // with PROTOCOL_ERROR before it counts as an active stream, so its max_connection_idle clock
    // runs on from the connection's start): a connection with only those carried no RPC.
    // the last activity that was no PING or PING ACK (C-core 1.51's watchdog closes
    // keepalive_time + keepalive_timeout after it, though a PING between was answered: huntA A1)
    std::int64_t lastNonPingNs = -1;
    bool serverAnswered = false;
    std::uint32_t serverResets = 0;
    bool onlyRejectedRpcs() const { return hadStreams && !serverAnswered && serverResets > 0; }
    // GOAWAY: the first, the PING after it, the second (graceful shutdown), and the last error one
    std::vector<GoawayInfo> goaways; // at most 4 kept
    std::uint64_t goawayCount = 0;
    // Calls the server ended after its first GOAWAY with an error status or a stream reset: a
    // shutdown that cancelled calls in flight (C-core's "Cancelling all calls").
    std::uint32_t callsFailedAfterGoaway = 0;
    std::uint64_t firstFailedCallIndex = 0;
    int failedCallStatus = -1; // grpc-status of the first, -1 for a stream reset
    std::string failedCallMessage;
    std::uint64_t pingAfterGoawayIndex = 0;
    bool pingAfterGoaway = false;
    // keepalive timeout: a PING without ACK, then the pinging side closed
    bool kaTimeout = false;
    Direction kaTimeoutSide = Direction::ClientToServer;
    std::uint64_t kaTimeoutPing = 0, kaTimeoutClose = 0;
    std::int64_t kaTimeoutPingNs = 0, kaTimeoutNs = 0;
    // The pinging side's RST came right after a packet of its peer (sent after the PING): a host
    // answers so for a connection it no longer has, so the close itself is not on the wire and
    // kaTimeoutNs is only an upper bound (gRPC C-core's FIN waits behind the unacknowledged PING
    // and never leaves; grpc-go's close put nothing on the wire either, seen in the field hunt).
    bool kaCloseUnseen = false;
    std::int64_t kaAnsweredNs = 0; // the peer's packet the RST answered
    std::uint64_t kaAnsweredIndex = 0;
    EventType kaAnsweredType = EventType::Syn;
    std::int64_t kaPeerFrameNs = -1; // the peer's last HTTP/2 frame after the PING, before the close
    // TCP keep-alive timeout: the RST's sender had probed with no ACK and nothing else came back
    // (Linux's tcp_keepalive_timer resets the connection after TCP_KEEPCNT unanswered probes)
    bool tcpKaTimeout = false;
    std::uint64_t tcpKaProbes = 0, tcpKaFirstIndex = 0;
    std::int64_t tcpKaFirstNs = 0, tcpKaLastNs = 0;
    // the longest stretch with no RPC open that ended with a new RPC (max_connection_idle did not fire)
    std::int64_t longestRpcGapNs = 0;
    // PING round trips
    RecentStats rtt;
    std::uint64_t rttOutliers = 0;
    std::vector<std::pair<std::uint64_t, double>> outlierSamples; // at most 5
    double outlierBaselineMs = 0;
    StreamWatch streams;
};

// Failed RPCs of the lab's channel, grouped by status and message (findings_rpc.cpp): what the
// channel saw, which is all there is when the lab runs without capture permission.
struct RpcFailure {
    std::string status;
    std::string message;
    std::uint32_t conn = 0;
    std::uint64_t count = 0;
    std::vector<std::uint64_t> evidence; // the first few
};

// Why a connection's end is not judged: its frames are not seen.
// RefusedReconnect: refused by a server that spoke HTTP/2 earlier in the capture, a gRPC client's
// reconnect; it alone of these has a finding (end-refused).
enum class UnjudgedReason : std::uint8_t { NotHttp2, OpaqueTls, PayloadCut, Refused, RefusedReconnect };

// How a connection ended (findings_end.cpp), kept per connection for the rules that read the
// ends of all connections (legs, end findings, the inferred timer) and for the summaries: small
// (24 bytes: the flags are bits), its evidence and detail being written straight into the
// connection's summary.
struct EndMark {
    std::optional<std::uint32_t> otherLeg;
    EndCause cause = EndCause::Open;
    LbExpiryAction seen = LbExpiryAction::Rst; // how the expiry showed, for the inferred profile
    UnjudgedReason unjudgedReason = UnjudgedReason::NotHttp2; // why, when !judged
    bool atExpiry : 1 = false;
    // False for a connection that is not gRPC (no HTTP/2 seen, no h2 in its TLS ALPN): its end is
    // told as closed/reset/open only, with no end-* finding and no part in the inferred timer.
    bool judged : 1 = true;
    // A silent drop inferred from a PING unanswered after a silence, with no retransmission: the
    // PING reached a TCP endpoint, so only a proxy's other leg in the capture can show that the
    // proxy (and not a stalled peer) swallowed it (confirmSilentDrops).
    bool dropUnconfirmed : 1 = false;
    // The capture's snapshot length cut payload of this connection and no GOAWAY was read: the
    // verdict rests on frames that may be among the bytes cut (a GOAWAY, the HEADERS of a call).
    bool framesCut : 1 = false;
    // With otherLeg: this is the proxy's client leg (client -> proxy), the other its server leg.
    bool clientLeg : 1 = false;
    // The closing RST came from the path in the closer's name: that side went on retransmitting
    // after it (findings_end.cpp), so neither peer reset the connection.
    bool forgedRst : 1 = false;
    // idle deaths: the silence before it, and whether that silence is the timer itself (the
    // middlebox acted at expiry: atExpiry) or only an upper bound (it acted on the next packet, or dropped)
    double silenceS = -1;
};
static_assert(sizeof(EndMark) <= 24, "a busy host keeps one per connection");

// The whole verdict, as classified: the mark, the events that show it and one sentence.
struct EndVerdict : EndMark {
    EndEvidence evidence;
    std::string detail;
};

// A verdict's evidence and detail for a connection without a summary (FindingsAnalyzer fed
// events alone); the others' live in their summary's endEvidence and endDetail.
struct EndTexts {
    EndEvidence evidence;
    SharedText detail;
};

// An unjudged end's detail is one of a few fixed sentences, shared by every summary that carries
// it (a busy host has a million such connections); EndVerdict::detail stays empty for it until
// something is appended (findings_legs.cpp). Empty for a judged or open connection.
SharedText unjudgedDetail(const EndMark& v);

struct ConnSlot {
    ConnBasics basics; // while full is null
    std::unique_ptr<ConnState> full;
};
static_assert(sizeof(ConnSlot) <= 136, "a busy host keeps one per connection");
inline const ConnBasics& basicsOf(const ConnSlot& s)
{
    return s.full ? static_cast<const ConnBasics&>(*s.full) : s.basics;
}

// The engine's summaries found by id and by server without a scan per connection (findings_lb.cpp).
// HTTP/2 decoded, or TLS whose ALPN chose h2 (or, with no answer seen, offered it).
bool speaksHttp2(const ConnectionSummary& s);

class SummaryLookup {
public:
    explicit SummaryLookup(const std::vector<ConnectionSummary>& list);
    const ConnectionSummary* byId(std::uint32_t id) const;
    const std::vector<ConnectionSummary>& list() const { return m_list; }
    // A new connection to the same server soon after this one died: the first in list order that
    // started between 0.5 s before and 30 s after closeNs.
    const ConnectionSummary* reconnectAfter(const ConnectionSummary& dead, std::int64_t closeNs) const;
    // The first connection to s's server that spoke HTTP/2 (speaksHttp2), when it started before s.
    const ConnectionSummary* earlierHttp2To(const ConnectionSummary& s) const;
    // The first connection on s's very 4-tuple (same client and server) that started after
    // afterNs: a new SYN reused it, so s had ended before, whether or not its close was captured.
    const ConnectionSummary* reusedAfter(const ConnectionSummary& s, std::int64_t afterNs) const;
    // How many connections of the capture went to this server (client to server, in any state).
    std::size_t connectionsTo(std::string_view server) const;

private:
    struct Server {
        std::vector<std::size_t> positions; // in list order
        bool ordered = true; // firstNs never decreases along positions
        const ConnectionSummary* firstHttp2 = nullptr; // the earliest to start
    };
    void buildServers() const;
    const std::vector<ConnectionSummary>& m_list;
    bool m_positional = true; // list[i].id == i for every i
    std::unordered_map<std::uint32_t, std::size_t> m_byId; // otherwise
    mutable bool m_serversBuilt = false;
    mutable std::unordered_map<std::string_view, Server> m_servers;
    // reusedAfter's index: (4-tuple hash, position) of the connections on the 4-tuple of an
    // open one, sorted. Only open connections ask, and a busy host's million mostly closed: a map
    // of every 4-tuple had cost a node, a vector and 800 instructions a connection.
    void indexTuples(std::vector<std::uint64_t> hashes, bool all) const; // hashes: those to index
    mutable std::vector<std::pair<std::uint64_t, std::uint32_t>> m_tuples;
    mutable std::vector<std::uint64_t> m_tupleHashes; // the 4-tuples indexed, sorted
    mutable bool m_tuplesBuilt = false;
    mutable bool m_allTuples = false;
};

// Where the input ended, in the texts: "the end of the capture" / "the capture ended", or where a
// cancelled read stopped.
inline const char* inputEnd(const AnalyzerOptions& o)
{
    return o.readCancelled ? "the read stopped (cancelled)" : "the end of the capture";
}
inline const char* inputEnded(const AnalyzerOptions& o)
{
    return o.readCancelled ? "the read stopped (cancelled)" : "the capture ended";
}

// Its own cache lines (alignas): written at every event by the thread that runs the analyzer,
// it is allocated by the thread that builds it, among whatever that thread's heap holds next,
// which `analyze FILE`'s engine thread writes at every packet (app/event_pipe.h).
struct alignas(128) FindingsAnalyzer::State {
    AnalyzerOptions options;
    std::vector<RpcFailure> rpcFailures; // at most a few dozen groups
    ChunkedVector<ConnSlot> conns; // by connection id
    std::int64_t lastNs = 0;
    std::int64_t originNs = 0; // the first packet of the source: times in details are relative to it
    bool haveOrigin = false;
    std::vector<Finding> findings;
    ChunkedVector<EndMark> ends; // per connection id, by finish(); chunked: it reuses the heap the engine freed
    // During finish(): the summaries (writable: the ends' texts go into them) and their lookup,
    // and the texts of connections without a summary.
    const SummaryLookup* lookup = nullptr;
    bool last = false; // finishLast(): each connection's full state is dropped once its rules ran
    std::unordered_map<std::uint32_t, EndTexts> orphanEnds;
    // Through an HTTP/2-terminating proxy (haproxy mode http, nginx grpc_pass, Envoy): the client
    // leg -> the upstream leg that carried its first call, and back (findings_h2proxy.cpp).
    std::unordered_map<std::uint32_t, std::uint32_t> h2Upstream, h2Downstream;
    // The connections that sent a request, in the order of their first: only they can be such
    // legs, and a busy host's million connections mostly carry none (findH2ProxyHops reads these).
    std::vector<std::uint32_t> requestConns;
    // Other connections from such a proxy's host to the same upstream server, opened while one of
    // its client legs was open (nginx without upstream keepalive opens one per call): upstream
    // leg -> that client leg. Likely the proxy's, not certainly (a client on the proxy's host).
    std::unordered_map<std::uint32_t, std::uint32_t> h2SameProxy;
    // Client legs ended by the proxy's own GOAWAY (proxy-goaway-idle, proxy-goaway): their end
    // cause is labelled as the proxy's (endCauseLabel), not as a gRPC server's max idle or age.
    std::vector<std::uint32_t> goawayByH2Proxy;
    // Such a client leg whose call the proxy reset as it gave up on its upstream leg: the words
    // its end's detail gets (proxy-reset-call, findings_stream.cpp; few connections have one).
    std::unordered_map<std::uint32_t, std::string> h2CallResets;
};

// Rules, one connection at a time (each appends to state.findings).
void addLbIdleFindings(
    FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c, const SummaryLookup& connections);
void addGoawayFindings(
    FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c, const SummaryLookup& connections);
void addCadenceFindings(FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c);
void addTimeoutFindings(FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c);
void addStreamFindings(FindingsAnalyzer::State& state, std::uint32_t id, ConnState& c);
void watchStreams(ConnState& c, const Event& e); // before the connection's state takes e
// How one connection ended (findings_end.cpp), into state.ends[id].
void classifyEnd(
    FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c, const SummaryLookup& connections);
// Across connections, after every connection's end is classified: the two legs of a proxy
// paired (findings_legs.cpp), an "end-*" finding for each troubled end not already covered by
// another rule (findings_end.cpp).
void pairProxyLegs(FindingsAnalyzer::State& state, const SummaryLookup& connections);
// After pairProxyLegs: a TCP proxy's client leg carries the server's GOAWAY byte for byte, so the
// same goaway-* finding on both legs is one event; the client leg's becomes goaway-relayed (a warning at most),
// pointing at the server leg's, which says it was passed on (findings_legs.cpp).
void foldRelayedGoaways(FindingsAnalyzer::State& state);
// Before the rules: the legs of an HTTP/2-terminating proxy, which answers PINGs and SETTINGS
// itself and forwards calls (state.h2Upstream, h2Downstream); after pairProxyLegs, their ends'
// details say so (findings_h2proxy.cpp).
void findH2ProxyHops(FindingsAnalyzer::State& state, const SummaryLookup& connections);
void describeH2ProxyHops(FindingsAnalyzer::State& state, const SummaryLookup& connections);
// The proxy's FIN without GOAWAY on such a client leg, no call open, >= 1 s after the last call:
// proxy-idle-close (its idle timeout). False, nothing added, otherwise.
bool addH2ProxyCloseFinding(
    FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c, const SummaryLookup& connections);
// The words every finding on such a hop uses for the proxy's PINGs.
extern const char* const kH2ProxyPingNote;
// The proxy's own GOAWAY NO_ERROR on such a client leg (proxy-goaway-idle, proxy-goaway): false,
// nothing added, when id is no such leg or the GOAWAY may be the server's passed on.
bool addH2ProxyGoawayFinding(FindingsAnalyzer::State& state, std::uint32_t id, const ConnState& c,
    const GoawayInfo& goaway, const SummaryLookup& connections);
// Before pairProxyLegs: a silent drop known only from an unanswered, unretransmitted PING stays
// one only when the capture holds a proxy leg of that connection; otherwise it is told as the
// keepalive timeout it certainly is (findings_end.cpp).
void confirmSilentDrops(FindingsAnalyzer::State& state, const SummaryLookup& connections);
// The client's next connection to the same server after closeNs, when it was refused (SYN
// answered by RST); null otherwise (findings_end_evidence.cpp).
const ConnectionSummary* refusedReconnect(
    const SummaryLookup& connections, const ConnectionSummary* s, std::int64_t closeNs);
// With such a refused reconnect after a server-side close: the verdict "the server had stopped
// listening" (closed or reset, not an idle timer). False, v untouched, when next is null.
bool serverWentAway(EndVerdict& v, const ConnBasics& c, const ConnectionSummary* next, const char* how, double quiet);
// A later GOAWAY from the server that names its shutdown: gRPC C-core's server cancelling its calls
// as it stops ("Cancelling all calls", seen with python3-grpcio 1.51's stop(0)).
inline const GoawayInfo* shutdownNamed(const ConnState& c)
{
    for (const auto& g : c.goaways)
        if (g.dir == Direction::ServerToClient
            && (g.debug.find("Cancelling all calls") != std::string::npos
                || g.debug.find("hutdown") != std::string::npos))
            return &g;
    return nullptr;
}

// A keepalive timeout announced with a GOAWAY: grpc-java 1.41 (Netty's Http2ConnectionHandler
// .close) sends GOAWAY NO_ERROR without debug data when its keepalive PING went unanswered, then
// FIN at once (grpc-go and C-core send none). Such a GOAWAY is no max_connection_idle: it came
// from the side whose PING was outstanding, 50 ms or more after it, with no HTTP/2 frame from the
// peer since the PING, and that side closed within 1 s of it
// (tests/data/java_server_keepalive_timeout.pcap).
inline bool keepaliveGoaway(const ConnState& c, const GoawayInfo& g)
{
    return c.kaTimeout && !c.kaCloseUnseen && c.kaPeerFrameNs < 0 && g.code == 0 && g.debug.empty()
        && g.dir == c.kaTimeoutSide && c.closedBy == g.dir && g.ns - c.kaTimeoutPingNs >= 50'000'000
        && c.closeNs >= g.ns && c.closeNs - g.ns <= 1'000'000'000;
}

// How the pinging side closed on a keepalive timeout, for a sentence: "FIN", "RST", or with
// grpc-java's GOAWAY before it "GOAWAY NO_ERROR, then FIN".
inline const char* keepaliveCloseWords(const ConnState& c)
{
    if (!c.goaways.empty() && keepaliveGoaway(c, c.goaways.front()))
        return c.closedByRst ? "GOAWAY NO_ERROR, then RST" : "GOAWAY NO_ERROR, then FIN";
    return c.closedByRst ? "RST" : "FIN";
}

// A server's NO_ERROR GOAWAY that names no limit, followed by a refused reconnect: the server
// was shutting down (grpc-go GracefulStop), not retiring the connection for idleness or age.
inline const ConnectionSummary* shutdownAfter(
    const GoawayInfo& g, const SummaryLookup& connections, const ConnectionSummary* s)
{
    if (g.code != 0 || g.dir != Direction::ServerToClient || g.debug.find("max_age") != std::string::npos
        || g.debug.find("idle") != std::string::npos)
        return nullptr;
    return refusedReconnect(connections, s, g.ns);
}
// Failed RPCs of the lab's channel (findings_rpc.cpp): grouped as they come, reported after the wire rules.
void onRpc(FindingsAnalyzer::State& state, const Event& event);
void addRpcFindings(FindingsAnalyzer::State& state);
void addEndCauseFindings(FindingsAnalyzer::State& state);
// The middlebox idle timer inferred across connections (findings_idle_timer.cpp).
void addInferredTimerFinding(FindingsAnalyzer::State& state, const SummaryLookup& connections);
// A verdict's evidence and detail: in the connection's summary (finish() writes them there, so a
// million short connections do not keep them twice), else in state.orphanEnds.
EndEvidence& endEvidenceOf(FindingsAnalyzer::State& state, std::uint32_t id);
SharedText& endDetailOf(FindingsAnalyzer::State& state, std::uint32_t id);
// Writes endCause and otherLeg from state.ends into the summaries, and the shared detail of an
// unjudged end; frees state.ends.
void annotateEnds(FindingsAnalyzer::State& state, std::vector<ConnectionSummary>& connections);

// Sets f.suggestion and f.changes to the keepalive change that keeps a connection through a
// profile (keepalive_fix.h), judged against the configured settings when known.
void setKeepaliveFix(Finding& f, const FindingsAnalyzer::State& state, const LbCatalogueEntry& entry,
    KeepaliveSide side = KeepaliveSide::Client);
bool pingsResetIdle(const LbCatalogueEntry& entry);
bool tcpKeepalivesResetIdle(const LbCatalogueEntry& entry);

} // namespace ks::core
