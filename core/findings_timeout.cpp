// Deaths and near-deaths seen from the keepalive side: a PING without ACK then a close by the
// pinging side (keepalive timeout), PINGs that stopped although the connection stayed idle, and a
// client that closed an idle connection keepalive_time + keepalive_timeout after the last frame
// without a PING on the wire (C-core's ping policy held the PING back while the watchdog ran).
#include "direction.h"
#include "findings_state.h"

#include <cmath>
#include <cstdio>
#include <string_view>

namespace ks::core {

namespace {

// The pinging side spoke HTTP/2 from the connection's start and its peer sent not one HTTP/2
// frame (not even the SETTINGS that RFC 9113 section 3.4 puts first): the peer is no HTTP/2
// server (another service on the port, HTTP/1.1, TLS expected), not a path that black-holed.
bool peerNeverSpokeHttp2(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    const auto peer
        = c.kaTimeoutSide == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer;
    if (!c.sawSyn || c.http2Sent(peer) || !c.http2Sent(c.kaTimeoutSide))
        return false;
    Finding f;
    f.id = "peer-not-http2";
    f.severity = Severity::Error;
    f.conn = id;
    f.figure = toS(c.closed ? c.closeNs - c.firstNs : c.kaTimeoutNs);
    f.evidence = { c.firstIndex, c.kaTimeoutPing, c.kaTimeoutClose };
    const char* who = sideName(c.kaTimeoutSide);
    const char* other = sideName(peer);
    f.title = std::string("The ") + other + " accepted the TCP connection but never answered as an HTTP/2 server";
    char buf[512];
    std::snprintf(buf, sizeof buf,
        "The %s spoke HTTP/2 from the connection's start; in the %s until it gave up and closed the "
        "connection (%s), the %s sent no HTTP/2 frame at all, not even the SETTINGS frame an HTTP/2 "
        "server sends first (RFC 9113 section 3.4). The keepalive PING at %.3f s went unanswered for the "
        "same reason.",
        who, formatDuration(f.figure).c_str(), c.closedByRst ? "RST" : "FIN", other,
        toS(c.kaTimeoutPingNs - st.originNs));
    f.detail = buf;
    f.suggestion = std::string("Check that the target is a gRPC server on that port: another service may listen there, "
                               "it may speak only HTTP/1.1, or it may expect TLS (target.tls) while the ")
        + who + " spoke cleartext HTTP/2. Keepalive settings cannot fix this.";
    st.findings.push_back(std::move(f));
    return true;
}

std::string_view hostPart(std::string_view endpoint)
{
    const auto colon = endpoint.rfind(':');
    return colon == std::string_view::npos ? endpoint : endpoint.substr(0, colon);
}

// The pinging side's RST answered a packet of its peer (ConnState::kaCloseUnseen): the close is
// not on the wire, so the capture bounds the keepalive timeout and does not time it. A new
// connection from the same host to the same server before that RST is the likeliest close time.
void keepaliveTimeoutUnseenClose(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    Finding f;
    f.id = "keepalive-timeout";
    f.severity = Severity::Error;
    f.conn = id;
    f.figure = toS(c.kaTimeoutNs);
    f.evidence = { c.kaTimeoutPing, c.kaAnsweredIndex, c.kaTimeoutClose };
    const char* who = sideName(c.kaTimeoutSide);
    const char* peer = sideName(
        c.kaTimeoutSide == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer);
    f.title = std::string("Keepalive timeout: the ") + who + "'s PING got no ACK and it gave up within "
        + formatDuration(f.figure) + " (its close is not on the wire)";
    const auto* s = st.lookup ? st.lookup->byId(id) : nullptr;
    const std::uint64_t retrans = s ? s->rare().retransmissions[static_cast<std::size_t>(c.kaTimeoutSide)] : 0;
    const char* what = c.kaAnsweredType == EventType::TcpKeepalive ? "TCP keep-alive probe"
        : c.kaPeerFrameNs == c.kaAnsweredNs                        ? "HTTP/2 frame"
                                                                   : "packet";
    char buf[1024];
    std::snprintf(buf, sizeof buf,
        "The %s sent a keepalive PING at %.3f s and no PING ACK came back. Its close is not on the wire: the %s's %s "
        "at %.3f s was answered %s later by RST from the %s's host, which is how a host's TCP answers a packet for a "
        "connection it no longer has (gRPC C-core's FIN waits behind the unacknowledged PING and never leaves). So "
        "the %s gave up at most %s after the PING: its keepalive_timeout is at most that, and the capture cannot time "
        "it. The %s's packets still reached the %s's host after the PING, so the path had not forgotten the flow; %s",
        who, toS(c.kaTimeoutPingNs - st.originNs), peer, what, toS(c.kaAnsweredNs - st.originNs),
        formatDuration(toS(c.kaTimeoutNs + c.kaTimeoutPingNs - c.kaAnsweredNs)).c_str(), who, who,
        formatDuration(f.figure).c_str(), peer, who,
        retrans ? "the capture holds retransmissions from the pinging side: the way toward its peer dropped its "
                  "packets (a one-way black hole: a firewall rule, a routing fault)."
                : "nothing was retransmitted, so the peer's TCP may have taken the PING while its process stalled.");
    f.detail = buf;
    if (s && st.lookup) {
        const auto client = hostPart(c.kaTimeoutSide == Direction::ClientToServer ? s->client : s->server);
        const std::string& server = c.kaTimeoutSide == Direction::ClientToServer ? s->server : s->client;
        const ConnectionSummary* next = nullptr;
        for (const auto& o : st.lookup->list())
            if (o.id != id && o.server == server && hostPart(o.client) == client && o.firstNs > c.kaTimeoutPingNs
                && o.firstNs < c.kaTimeoutPingNs + c.kaTimeoutNs && (!next || o.firstNs < next->firstNs))
                next = &o;
        if (next && c.kaTimeoutSide == Direction::ClientToServer) {
            std::snprintf(buf, sizeof buf,
                " A new connection from the client's host to the same server began at %.3f s, %s after the PING: if "
                "it is this client's reconnect (a gRPC channel reconnects once its transport closed), its "
                "keepalive_timeout is about %s.",
                toS(next->firstNs - st.originNs), formatDuration(toS(next->firstNs - c.kaTimeoutPingNs)).c_str(),
                formatDuration(toS(next->firstNs - c.kaTimeoutPingNs)).c_str());
            f.detail += buf;
            if (next->id < st.conns.size() && basicsOf(st.conns[next->id]).used)
                f.evidence.push_back(basicsOf(st.conns[next->id]).firstIndex);
        }
    }
    f.suggestion = std::string("Keepalive did its job: it detected that its PING went unanswered. Find what stopped "
                               "the PING on its way, or what stalled the ")
        + peer + "; the " + peer + "'s packets still came through.";
    st.findings.push_back(std::move(f));
}

void keepaliveTimeout(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    if (peerNeverSpokeHttp2(st, id, c))
        return;
    if (c.kaCloseUnseen) {
        keepaliveTimeoutUnseenClose(st, id, c);
        return;
    }
    Finding f;
    f.id = "keepalive-timeout";
    f.severity = Severity::Error;
    f.conn = id;
    f.figure = toS(c.kaTimeoutNs);
    f.evidence = { c.kaTimeoutPing, c.kaTimeoutClose };
    const char* who = sideName(c.kaTimeoutSide);
    const char* peer = sideName(
        c.kaTimeoutSide == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer);
    f.title = std::string("Keepalive timeout: the ") + who + "'s PING got no ACK and it closed the connection after "
        + formatDuration(f.figure);
    char buf[1024];
    if (c.kaPeerFrameNs >= 0)
        // The peer's frames kept coming: the way back worked, the PING or its ACK did not get through.
        std::snprintf(buf, sizeof buf,
            "The %s sent a keepalive PING at %.3f s and no PING ACK came back, though the %s's HTTP/2 frames still "
            "did (the last at %.3f s); %s later the %s closed the connection (%s). Its keepalive_timeout is about "
            "%s. The PING was lost on its way to the %s, or the %s stopped answering PINGs while it still sent.",
            who, toS(c.kaTimeoutPingNs - st.originNs), peer, toS(c.kaPeerFrameNs - st.originNs),
            formatDuration(f.figure).c_str(), who, keepaliveCloseWords(c), formatDuration(f.figure).c_str(), peer,
            peer);
    else
        std::snprintf(buf, sizeof buf,
            "The %s sent a keepalive PING at %.3f s and no HTTP/2 frame came back from the %s; %s later the %s closed "
            "the connection (%s). Its keepalive_timeout is about %s. The %s or something between the two went quiet "
            "without closing the connection: a middlebox that dropped the flow silently, a network partition, or a "
            "stalled %s process. The capture's TCP ACKs tell them apart: a plain ACK from the %s covering the PING "
            "means the network delivered it and the %s's process did not answer (or a proxy that ends TCP did not "
            "pass it on).",
            who, toS(c.kaTimeoutPingNs - st.originNs), peer, formatDuration(f.figure).c_str(), who,
            keepaliveCloseWords(c), formatDuration(f.figure).c_str(), peer, peer, peer, peer);
    f.detail = buf;
    if (st.options.settings) {
        const auto side = c.kaTimeoutSide == Direction::ClientToServer ? SettingSide::Client : SettingSide::Server;
        const double configured
            = static_cast<double>(st.options.settings->value(side, "keepalive_timeout_ms")) / 1000.0;
        std::snprintf(buf, sizeof buf, " The configured %s keepalive_timeout_ms is %.0f.", who, configured * 1000.0);
        f.detail += buf;
    }
    f.suggestion = "Keepalive did its job: it detected a dead path or peer after " + formatDuration(f.figure)
        + ". If the peer's TCP acknowledged the PING, find why its process stopped answering (a blocked, paused or "
          "overloaded process); if not, find what black-holed the connection, and if a load balancer or NAT drops idle "
          "flows silently, keep keepalive_time_ms below its "
          "idle timeout (compare the capture with that load balancer's profile).";
    st.findings.push_back(std::move(f));
}

void pingsStopped(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, Direction d)
{
    const auto& s = c.side[static_cast<std::size_t>(d)];
    if (s.pings < 2 || !s.pingInterval.count)
        return;
    if (c.inferredEvents && s.pingInterval.median() < kMinInferredKeepaliveS)
        return; // inferred PINGs too quick for a keepalive: no stop is judged (findings_cadence.cpp)
    // The trailing stretch: from the last PING to the close, or to the end of the capture.
    std::int64_t silenceNs = s.silenceNs, fromNs = s.silenceFromNs;
    std::uint64_t from = s.silenceFrom, to = s.silenceTo;
    double cadence = s.silenceCadenceS;
    const std::int64_t endNs = c.closed ? c.closeNs : st.lastNs;
    const double median = s.pingInterval.median();
    bool untilClose = false;
    if (endNs - s.lastPingNs > silenceNs && c.lastStreamNs < s.lastPingNs && s.lastAnyPingNs <= s.lastPingNs
        && toS(endNs - s.lastPingNs) >= std::max(3.0 * median, median + 1.0)) {
        silenceNs = endNs - s.lastPingNs;
        fromNs = s.lastPingNs;
        from = s.recentPings.back();
        to = c.closed ? c.closeIndex : 0;
        cadence = median;
        untilClose = true;
    }
    if (silenceNs <= 0)
        return;
    Finding f;
    f.id = "keepalive-pings-stopped";
    f.severity = Severity::Warning;
    f.conn = id;
    f.figure = toS(silenceNs);
    f.evidence.push_back(from);
    if (to)
        f.evidence.push_back(to);
    const char* who = sideName(d);
    f.title = std::string("The ") + who + "'s keepalive PINGs stopped for " + formatDuration(f.figure)
        + " (cadence was " + formatDuration(cadence) + ")";
    // A stop ended by a PING says so: "until the close" only when no PING came after it.
    char ending[64];
    if (!untilClose)
        std::snprintf(ending, sizeof ending, ", until its next PING at %.3f s", toS(s.silenceEndNs - st.originNs));
    else
        std::snprintf(ending, sizeof ending, ", until %s", c.closed && to ? "the close" : inputEnd(st.options));
    char buf[640];
    std::snprintf(buf, sizeof buf,
        "The %s pinged about every %s, then sent no PING for %s (from %.3f s%s). gRPC holds keepalive PINGs back "
        "on a connection without data: C-core after grpc.http2.max_pings_without_data PINGs (default 2) until "
        "data flows, and without calls unless keepalive_permit_without_calls=1. A middlebox that stopped "
        "forwarding would look the same on this side of it. Any idle timeout shorter than this gap drops the "
        "connection.",
        who, formatDuration(cadence).c_str(), formatDuration(f.figure).c_str(), toS(fromNs - st.originNs), ending);
    f.detail = buf;
    f.suggestion = d == Direction::ClientToServer
        ? "Client: grpc.http2.max_pings_without_data=0 and keepalive_permit_without_calls=1 (server: "
          "keepalive_permit_without_calls=1 and min_ping_interval_without_data_ms <= the client's keepalive_time_ms)."
        : "Server: keepalive_permit_without_calls=1, or keep a stream open.";
    if (d == Direction::ClientToServer) {
        f.changes = { { SettingSide::Client, "max_pings_without_data", 0, SettingUnit::Count },
            { SettingSide::Client, "keepalive_permit_without_calls", 1, SettingUnit::Boolean },
            { SettingSide::Server, "keepalive_permit_without_calls", 1, SettingUnit::Boolean } };
        // The server must accept the client's cadence, where the settings say what it is.
        if (st.options.settings) {
            const auto clientTime = st.options.settings->value(SettingSide::Client, "keepalive_time_ms");
            if (clientTime < kInfinite
                && st.options.settings->value(SettingSide::Server, "min_ping_interval_without_data_ms") > clientTime)
                f.changes.push_back({ SettingSide::Server, "min_ping_interval_without_data_ms", clientTime,
                    SettingUnit::Milliseconds });
        }
    } else {
        f.changes = { { SettingSide::Server, "keepalive_permit_without_calls", 1, SettingUnit::Boolean } };
    }
    st.findings.push_back(std::move(f));
}

void idleCloseByWatchdog(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    if (!st.options.settings || !c.closed || c.closedBy != Direction::ClientToServer || c.pingDuringQuiet)
        return;
    const auto& s = *st.options.settings;
    const std::int64_t timeMs = s.value(SettingSide::Client, "keepalive_time_ms");
    const std::int64_t timeoutMs = s.value(SettingSide::Client, "keepalive_timeout_ms");
    if (timeMs >= kInfinite || timeoutMs >= kInfinite)
        return;
    const double expected = static_cast<double>(timeMs + timeoutMs) / 1000.0;
    const double quiet = toS(c.quietBeforeCloseNs);
    if (std::fabs(quiet - expected) > std::max(0.3, 0.15 * expected))
        return;
    Finding f;
    f.id = "idle-close-without-ping";
    f.severity = Severity::Warning;
    f.conn = id;
    f.figure = quiet;
    f.evidence = { c.lastActivityIndex, c.closeIndex };
    f.title = "The client closed the idle connection " + formatDuration(quiet)
        + " after the last frame, with no PING on the wire";
    char buf[512];
    std::snprintf(buf, sizeof buf,
        "No frame either way for %s, no PING from the client, then the client closed. That equals its "
        "keepalive_time_ms + keepalive_timeout_ms (%lld + %lld ms): the keepalive watchdog ran although the ping "
        "policy never let the PING out (gRPC C-core with max_pings_without_data or min time between pings).",
        formatDuration(quiet).c_str(), static_cast<long long>(timeMs), static_cast<long long>(timeoutMs));
    f.detail = buf;
    f.suggestion
        = "Client: grpc.http2.max_pings_without_data=0 (and keepalive_permit_without_calls=1 on both sides), or raise "
          "keepalive_time_ms so idle connections are not torn down.";
    f.changes = { { SettingSide::Client, "max_pings_without_data", 0, SettingUnit::Count },
        { SettingSide::Client, "keepalive_permit_without_calls", 1, SettingUnit::Boolean },
        { SettingSide::Server, "keepalive_permit_without_calls", 1, SettingUnit::Boolean } };
    st.findings.push_back(std::move(f));
}

} // namespace

void addTimeoutFindings(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    if (!c.used)
        return;
    if (c.kaTimeout)
        keepaliveTimeout(st, id, c);
    for (auto d : { Direction::ClientToServer, Direction::ServerToClient })
        if (!(c.kaTimeout && c.kaTimeoutSide == d) && c.goaways.empty())
            pingsStopped(st, id, c, d);
    idleCloseByWatchdog(st, id, c);
}

} // namespace ks::core
