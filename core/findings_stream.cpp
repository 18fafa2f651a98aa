// What happened to the open streams: server messages that stopped while the client had no PING
// out to test the path (a dead path goes unnoticed), a stream reset by something in the path
// after a quiet period while the connection lived (Envoy's stream_idle_timeout), and a
// connection closed from the server's side mid-call without the GOAWAY a gRPC server sends first.
#include "findings_state.h"
#include "http2_codes.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

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
    case EventType::ZeroWindowProbe:
    case EventType::ChannelState:
    case EventType::Rpc:
        return false;
    default:
        return true;
    }
}

void judgeLongSilence(ConnState& c, std::int64_t gap, std::uint64_t endIndex);

// The server went quiet at w.lastS2cNs; endNs ends the quiet (its next frame, a close, the end).
// Inline: this runs at every server frame of a busy stream, where the cheap tests end it.
inline void judgeSilence(ConnState& c, std::int64_t endNs, std::uint64_t endIndex)
{
    auto& w = c.streams;
    if (w.lastS2cNs < 0 || w.s2cData < 3 || c.openStreams.empty() || w.lastC2sPingNs >= w.lastS2cNs)
        return;
    // The gap first: on a busy stream it is short.
    const std::int64_t gap = endNs - w.lastS2cNs;
    if (gap < kMinStallNs || gap <= w.stallNs)
        return;
    judgeLongSilence(c, gap, endIndex);
}

// judgeSilence's tests for a gap long enough to be a stall.
[[gnu::noinline]] void judgeLongSilence(ConnState& c, std::int64_t gap, std::uint64_t endIndex)
{
    auto& w = c.streams;
    // A call open through the whole quiet: opened before the server's last frame. (A call opened
    // at its end, after unary calls that had all finished, is no stalled stream.)
    if (std::none_of(
            w.streamLastNs.begin(), w.streamLastNs.end(), [&](const auto& s) { return s.openedNs <= w.lastS2cNs; }))
        return;
    // The server probed the client's zero window in the quiet: the client stopped reading (the
    // server had more to send), which peer-stopped-reading reports; the path was working.
    if (const auto& zw = w.zeroWindows.get().current[1]; zw.probes && zw.lastNs > w.lastS2cNs)
        return;
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
    const std::size_t d = fromServer ? 1 : 0;
    if (e.type == EventType::ZeroWindowProbe) {
        // A new run once the prober has sent a frame since its last probe (the window had opened).
        auto& runs = w.zeroWindows.make();
        auto& run = runs.current[d];
        if (run.probes == 0 || run.lastNs < w.lastFrameNs[d]) {
            run = {};
            run.fromNs = w.lastFrameNs[d] >= 0 ? w.lastFrameNs[d] : e.tsNs;
            run.fromIndex = w.lastFrameNs[d] >= 0 ? w.lastFrameIndex[d] : e.index;
        }
        ++run.probes;
        run.lastNs = e.tsNs;
        run.lastIndex = e.index;
        auto& longest = runs.longest[d];
        if (longest.probes == 0 || longest.fromNs == run.fromNs
            || run.lastNs - run.fromNs > longest.lastNs - longest.fromNs)
            longest = run;
        return;
    }
    if (!isFrame(e.type))
        return;
    w.lastFrameNs[d] = e.tsNs;
    w.lastFrameIndex[d] = e.index;
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
        w.streamLastNs.push_back({ e.stream, e.tsNs, e.tsNs });
        return;
    }
    // A server's own end of a call is trailers (HEADERS with END_STREAM); a reset with no
    // trailers from the server's side after a quiet stretch is the path's doing.
    if (fromServer && e.type == EventType::RstStream && e.tsNs - it->second >= kMinQuietNs) {
        ++w.idleResets;
        w.idleResetIndex = e.index;
        w.idleResetStream = e.stream;
        w.idleResetCode = e.errorCode;
        w.idleResetNs = e.tsNs;
        w.idleResetQuietNs = e.tsNs - it->second;
    }
    it->second = e.tsNs;
    if (e.type == EventType::RstStream || (fromServer && e.endStream))
        w.streamLastNs.erase(it);
}

// A side that stopped reading: the other side probed its zero window (Linux's persist timer) for
// at least kMinStallNs, or until the connection ended (HTTP/2 read: docs/FINDINGS.md).
void addStoppedReadingFinding(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, std::size_t prober)
{
    const auto& w = c.streams;
    const auto& run = w.zeroWindows.get().longest[prober];
    // Only where the prober's frames are read: they show when the window opened again (a run ends
    // at its next frame); without them one run could span stalls with reads between.
    if (run.probes == 0 || w.lastFrameNs[prober] < 0)
        return;
    const bool stillZero
        = run.fromNs == w.zeroWindows.get().current[prober].fromNs && w.lastFrameNs[prober] <= run.lastNs;
    const std::int64_t endNs = stillZero ? (c.closed ? c.closeNs : st.lastNs) : run.lastNs;
    const bool endedIt = stillZero && c.closed;
    if (endNs - run.fromNs < kMinStallNs && !endedIt)
        return;
    const std::string reader = prober == 1 ? "client" : "server";
    const std::string sender = prober == 1 ? "server" : "client";
    Finding f;
    f.id = "peer-stopped-reading";
    f.severity = Severity::Warning;
    f.conn = id;
    f.figure = toS(endNs - run.fromNs);
    f.evidence = { run.fromIndex, run.lastIndex };
    if (endedIt)
        f.evidence.push_back(c.closeIndex);
    f.title = "The " + reader + " stopped reading for " + formatDuration(f.figure) + " (a zero TCP window)";
    std::string ending = std::string("The window was still zero when ") + inputEnded(st.options) + ".";
    const Direction readerDir = prober == 1 ? Direction::ClientToServer : Direction::ServerToClient;
    if (endedIt && c.closedBy == readerDir)
        ending = "Then the " + reader
            + (c.closedByRst ? " reset the connection (RST) with the data unread." : " closed the connection (FIN).");
    else if (endedIt)
        ending = "Then the " + sender + (c.closedByRst ? " reset" : " closed") + " the connection ("
            + (c.closedByRst ? "RST" : "FIN") + ").";
    else if (!stillZero)
        ending = "Then the window opened again.";
    f.detail = "The " + reader + " advertised a zero TCP receive window: its receive buffer was full because its "
        + "process did not read (stopped, hung, or blocked in the application), so the " + sender
        + " could not send. The " + sender + " probed the window " + std::to_string(run.probes)
        + " time(s) (the persist timer, backing off from the retransmission timeout). A zero window is the " + reader
        + "'s own state, not an idle timeout or a fault of the path. " + ending;
    f.suggestion = "Find why the " + reader + " stopped reading its socket (a stopped or overloaded process, a blocked "
        + "event loop or transport thread). TCP keep-alive cannot tell: the " + reader + "'s kernel answers it. A PING "
        + "cannot pass a zero window, so the " + sender + "'s keepalive (keepalive_time_ms, then keepalive_timeout_ms "
        + "without an ACK) bounds how long it waits on such a peer.";
    st.findings.push_back(std::move(f));
}

namespace {

// The HTTP/2-terminating proxy of this client leg reset a quiet call as it closed the upstream
// leg that carried it (its upstream read timeout: nginx grpc_read_timeout, nghttpx
// --backend-read-timeout): proxy-reset-call. False, nothing added, when no such leg closed then.
bool addProxyResetCallFinding(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    const auto& w = c.streams;
    std::optional<std::uint32_t> leg;
    const auto near = [&](std::uint32_t b) {
        const auto& cb = basicsOf(st.conns[b]);
        return cb.closed && cb.closedBy == Direction::ClientToServer
            && std::llabs(cb.closeNs - w.idleResetNs) <= kLivedOnNs && cb.quietBeforeCloseNs >= kMinQuietNs;
    };
    if (const auto up = st.h2Upstream.find(id); up != st.h2Upstream.end() && near(up->second))
        leg = up->second;
    for (const auto& [b, a] : st.h2SameProxy)
        if (!leg && a == id && near(b))
            leg = b;
    if (!leg)
        return false;
    const double quiet = toS(basicsOf(st.conns[*leg]).quietBeforeCloseNs);
    const std::string code
        = std::string(http2ErrorName(w.idleResetCode)) + " (" + std::to_string(w.idleResetCode) + ")";
    Finding f;
    f.id = "proxy-reset-call";
    f.severity = Severity::Warning;
    f.conn = id;
    f.figure = quiet;
    f.evidence = { std::min(w.idleResetIndex, basicsOf(st.conns[*leg]).closeIndex),
        std::max(w.idleResetIndex, basicsOf(st.conns[*leg]).closeIndex) };
    f.title = "The HTTP/2 proxy reset stream " + std::to_string(w.idleResetStream) + " when it gave up on its upstream "
        + "connection after " + formatDuration(quiet) + " of silence (a timeout of the proxy's)";
    f.detail = "RST_STREAM " + code + " from the server side of this connection, an HTTP/2-terminating proxy, with no "
        + "trailers before it, as the proxy closed connection " + std::to_string(*leg)
        + ", the upstream connection of this call, after " + formatDuration(quiet)
        + " of silence: the proxy's upstream read timeout (nginx grpc_read_timeout, default 60 s; nghttpx "
          "--backend-read-timeout, default 1 min; haproxy timeout server), not the gRPC server, which never ended "
          "the call. The call fails on the client (grpc-go: INTERNAL, \"stream terminated by RST_STREAM\"). gRPC "
          "keepalive settings cannot change it: "
        + kH2ProxyPingNote + ".";
    f.suggestion = "Raise the proxy's upstream read timeout above the longest silence of a call (a server stream's gap "
                   "between messages), or have the server send a message more often than that.";
    st.findings.push_back(std::move(f));
    st.h2CallResets[id] = "; before that the proxy reset its call (stream " + std::to_string(w.idleResetStream)
        + ", RST_STREAM " + code + ", event #" + std::to_string(w.idleResetIndex)
        + ") as it gave up on the call's upstream connection " + std::to_string(*leg) + " after "
        + formatDuration(quiet) + " of silence: the call failed, the connection did not idle out";
    return true;
}

} // namespace

void addStreamFindings(FindingsAnalyzer::State& st, std::uint32_t id, ConnState& c)
{
    if (!c.used)
        return;
    addStoppedReadingFinding(st, id, c, 1);
    addStoppedReadingFinding(st, id, c, 0);
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
    if (w.idleResets && addProxyResetCallFinding(st, id, c))
        ; // the HTTP/2 proxy's upstream timeout, told as such
    else if (w.idleResets && livedOn) {
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
        f.detail = "A gRPC server says GOAWAY before it closes a connection on its own (max_connection_age, "
                   "GracefulStop); a close without one in the middle of a call came from the path (a proxy's byte or "
                   "time limit such as toxiproxy's limit_data, a load balancer's connection lifetime, an idle timeout) "
                   "or from the server process itself closing without GOAWAY (grpc-go 1.33's Server.Stop, a crash, a "
                   "kill): the wire alone does not tell which. The open calls fail UNAVAILABLE. The connection lived "
            + formatDuration(f.figure) + ".";
        f.suggestion
            = "If the server stopped, stop it with GracefulStop (or C-core's shutdown with a grace) so calls end "
              "first. If the path limits connections, have the server recycle them first: max_connection_age_ms "
              "below the path's limit, with max_connection_age_grace_ms for the calls in flight; and let clients "
              "retry.";
        st.findings.push_back(std::move(f));
    }
}

} // namespace ks::core
