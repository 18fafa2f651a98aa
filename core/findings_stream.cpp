// What happened to the open streams: server messages that stopped while the client had no PING
// out to test the path (a dead path goes unnoticed), a stream reset by something in the path
// after a quiet period while the connection lived (Envoy's stream_idle_timeout), and a
// connection closed from the server's side mid-call without the GOAWAY a gRPC server sends first.
#include "findings_state.h"

#include <algorithm>

namespace ks::core {

namespace {

constexpr std::int64_t kMinStallNs = 2'000'000'000;
constexpr std::int64_t kMinQuietNs = 1'000'000'000;
constexpr std::int64_t kLivedOnNs = 500'000'000;
constexpr std::int64_t kBdpPingNs = 20'000'000;

bool isFrame(EventType t)
{
    switch (t) {
    case EventType::Syn:
    case EventType::Fin:
    case EventType::Rst:
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ChannelState:
    case EventType::Rpc:
        return false;
    default:
        return true;
    }
}

// The server went quiet at w.lastS2cNs; endNs ends the quiet (its next frame, a close, the end).
void judgeSilence(ConnState& c, std::int64_t endNs, std::uint64_t endIndex)
{
    auto& w = c.streams;
    if (w.lastS2cNs < 0 || w.s2cData < 3 || c.openStreams.empty() || w.lastC2sPingNs >= w.lastS2cNs)
        return;
    const std::int64_t gap = endNs - w.lastS2cNs;
    if (gap < kMinStallNs || gap <= w.stallNs)
        return; // before the median: this runs at every server frame of a busy stream
    const double cadence = w.s2cDataGap.count ? w.s2cDataGap.median() : 0;
    if (gap < static_cast<std::int64_t>(4 * cadence * kNsPerS))
        return;
    w.stallNs = gap;
    w.stallFrom = w.lastS2cIndex;
    w.stallTo = endIndex;
    w.stallCadenceS = cadence;
}

} // namespace

void watchStreams(ConnState& c, const Event& e)
{
    auto& w = c.streams;
    const bool fromServer = e.dir == Direction::ServerToClient;
    // C-core's BDP PING follows received data within milliseconds and is no check of the path.
    if (e.type == EventType::Ping && !fromServer && (w.lastS2cNs < 0 || e.tsNs - w.lastS2cNs > kBdpPingNs))
        w.lastC2sPingNs = e.tsNs;
    if (e.type == EventType::Fin || e.type == EventType::Rst) {
        if (!c.closed) {
            judgeSilence(c, e.tsNs, e.index);
            w.openAtClose = c.openStreams.size();
        }
        return;
    }
    if (!isFrame(e.type))
        return;
    if (fromServer) {
        judgeSilence(c, e.tsNs, e.index);
        w.lastS2cNs = e.tsNs;
        w.lastS2cIndex = e.index;
        if (e.type == EventType::Data) {
            if (w.lastS2cDataNs >= 0)
                w.s2cDataGap.add(toS(e.tsNs - w.lastS2cDataNs));
            w.lastS2cDataNs = e.tsNs;
            ++w.s2cData;
        }
        if (e.type == EventType::Goaway)
            w.goawayFromServer = true;
    }
    if (e.stream == 0)
        return;
    auto it = std::find_if(
        w.streamLastNs.begin(), w.streamLastNs.end(), [&](const auto& s) { return s.first == e.stream; });
    if (it == w.streamLastNs.end()) {
        if (fromServer || e.type != EventType::Headers || w.streamLastNs.size() >= 256)
            return;
        w.streamLastNs.emplace_back(e.stream, e.tsNs);
        return;
    }
    // A server's own end of a call is trailers (HEADERS with END_STREAM); a reset with no
    // trailers from the server's side after a quiet stretch is the path's doing.
    if (fromServer && e.type == EventType::RstStream && e.tsNs - it->second >= kMinQuietNs) {
        ++w.idleResets;
        w.idleResetIndex = e.index;
        w.idleResetStream = e.stream;
        w.idleResetNs = e.tsNs;
        w.idleResetQuietNs = e.tsNs - it->second;
    }
    it->second = e.tsNs;
    if (e.type == EventType::RstStream || (fromServer && e.endStream))
        w.streamLastNs.erase(it);
}

void addStreamFindings(FindingsAnalyzer::State& st, std::uint32_t id, ConnState& c)
{
    if (!c.used)
        return;
    auto& w = c.streams;
    if (!c.closed)
        judgeSilence(c, st.lastNs, c.lastActivityIndex);
    if (w.stallNs > 0) {
        Finding f;
        f.id = "stream-stalled-without-keepalive";
        f.severity = Severity::Warning;
        f.conn = id;
        f.figure = toS(w.stallNs);
        f.evidence = { w.stallFrom, w.stallTo };
        f.title = "The server's messages stopped for " + formatDuration(f.figure)
            + " and the client never checked the path";
        f.detail = "Messages came about every " + formatDuration(w.stallCadenceS) + ", then nothing for "
            + formatDuration(f.figure)
            + " with a call open, and the client sent no PING in that time. Without keepalive "
              "a client cannot tell a quiet server from a dead path: behind a blackhole it waits until TCP gives up "
              "(about 15 min with Linux's tcp_retries2=15), and the call hangs as long.";
        f.suggestion
            = "Enable client keepalive: keepalive_time_ms and keepalive_timeout_ms a few seconds each (their sum is "
              "how "
              "long a dead path goes unnoticed), keepalive_permit_without_calls=1, and a server that permits it "
              "(min_ping_interval_without_data_ms <= keepalive_time_ms).";
        st.findings.push_back(std::move(f));
    }
    const bool livedOn = !c.closed || c.closeNs - w.idleResetNs >= kLivedOnNs;
    if (w.idleResets && livedOn) {
        Finding f;
        f.id = "stream-idle-reset";
        f.severity = Severity::Warning;
        f.conn = id;
        f.figure = toS(w.idleResetQuietNs);
        f.evidence = { w.idleResetIndex };
        f.title = "Stream " + std::to_string(w.idleResetStream) + " was reset after " + formatDuration(f.figure)
            + " without a frame, while the connection stayed open";
        f.detail
            = "The reset came from the server's side with no trailers before it (a gRPC server ends a call with "
              "trailers), after the stream had been quiet: something in the path limits how long a stream may stay "
              "quiet, as Envoy's stream_idle_timeout (5 min by default) does. HTTP/2 PINGs and TCP keep-alive keep the "
              "connection, not the stream."
            + std::string(w.idleResets > 1 ? " It happened " + std::to_string(w.idleResets) + " times." : "");
        f.suggestion = "Send a message on the stream (an application heartbeat) at least every "
            + formatDuration(f.figure / 2)
            + ", or raise the proxy's stream idle timeout; the client should reopen the stream when it ends.";
        st.findings.push_back(std::move(f));
    }
    if (c.closed && c.closedBy == Direction::ServerToClient && w.openAtClose > 0 && !w.goawayFromServer) {
        Finding f;
        f.id = "connection-cut-mid-call";
        f.severity = Severity::Error;
        f.conn = id;
        f.figure = toS(c.closeNs - c.firstNs);
        f.evidence = { c.closeIndex };
        f.title = std::string("Closed from the server's side (") + (c.closedByRst ? "RST" : "FIN") + ") with "
            + std::to_string(w.openAtClose) + " call(s) open and no GOAWAY";
        f.detail
            = "A gRPC server says GOAWAY before it closes a connection on its own (max_connection_age, shutdown); a "
              "close without one in the middle of a call came from the path: a proxy's byte or time limit "
              "(toxiproxy's limit_data, a load balancer's connection lifetime), an idle timeout, or a crash. The "
              "open calls fail UNAVAILABLE. The connection lived "
            + formatDuration(f.figure) + ".";
        f.suggestion
            = "If the path limits connections, have the server recycle them first: max_connection_age_ms below "
              "the path's limit, with max_connection_age_grace_ms for the calls in flight; and let clients retry.";
        st.findings.push_back(std::move(f));
    }
}

} // namespace ks::core
