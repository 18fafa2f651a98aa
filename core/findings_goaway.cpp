// GOAWAY explained: too_many_pings (with the client's cadence and the setting that fixes it),
// max_connection_idle, max_connection_age / graceful shutdown, and other codes by name.
// gracefulNoError (some 110 lines) tells max age, C-core's enter-idle and max idle apart, one
// branch each with its own text.
#include "findings_state.h"
#include "http2_codes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ks::core {

namespace {

constexpr std::uint32_t kNoError = 0;
constexpr std::uint32_t kInternalError = 2;
constexpr std::uint32_t kEnhanceYourCalm = 11;

// gRPC C-core 1.51 ends a connection for max_connection_idle with GOAWAY INTERNAL_ERROR and
// debug data "enter idle" (seen in the lab, tests/lab): an idle retirement, not a fault.
bool coreIdleGoaway(std::uint32_t code, const std::string& debug)
{
    return code == kInternalError && debug == "enter idle";
}

// C-core's idle filter (1.51, channel_idle_filter.cc) arms one max_connection_idle timer when the
// connection starts; at each expiry it re-arms if a call was active during the period, else it
// sends GOAWAY. So the GOAWAY comes k whole periods after the start, with the last call in period
// k-1: the period is age / k for the k with age (k-2) / k <= lastCall < age (k-1) / k.
double coreIdlePeriod(double ageS, double idleS)
{
    if (ageS <= 0 || idleS <= 0 || idleS > ageS)
        return idleS;
    const double lastCall = ageS - idleS;
    const double k = std::floor(1.0 / (1.0 - lastCall / ageS)) + 1.0;
    return ageS / std::min(k, 1e6);
}

std::string ms(double seconds)
{
    return std::to_string(static_cast<long long>(std::llround(seconds * 1000.0)));
}

// Without keepalive_permit_without_calls, grpc-go (http2_server.go defaultPingTimeout), grpc-java
// (KeepAliveEnforcer.IMPLICIT_PERMIT_TIME_NANOS) and C-core servers allow a PING with no call open
// only every 2 h, whatever their minimum interval: slowing such a client to 5 min does not help.
void tooManyPings(FindingsAnalyzer::State& st, std::uint32_t conn, const GoawayInfo& g)
{
    Finding f;
    f.id = "goaway-too-many-pings";
    f.severity = Severity::Error;
    f.conn = conn;
    f.figure = g.clientPingIntervalS;
    for (auto idx : g.clientRecentPings)
        if (idx)
            f.evidence.push_back(idx);
    f.evidence.push_back(g.index);
    const double interval = g.clientPingIntervalS;
    // The server's minimum: from the settings when known, else gRPC's default (5 min in grpc-go's
    // EnforcementPolicy.MinTime, grpc-java's permitKeepAliveTime and C-core's
    // min_ping_interval_without_data).
    double serverMinS = 300;
    bool fromSettings = false, serverPermitsIdle = false;
    if (st.options.settings) {
        serverMinS
            = static_cast<double>(st.options.settings->value(SettingSide::Server, "min_ping_interval_without_data_ms"))
            / 1000.0;
        fromSettings = st.options.settings->isSet(SettingSide::Server, "min_ping_interval_without_data_ms");
        serverPermitsIdle = st.options.settings->value(SettingSide::Server, "keepalive_permit_without_calls") == 1;
    }
    // PINGs with no call open count against the 2 h implicit minimum unless the server permits them.
    const bool idleRule = g.clientPingsWithoutCalls > 0 && !serverPermitsIdle;
    f.title = "Server refused the client's pings: GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\"";
    char buf[768];
    if (interval > 0)
        std::snprintf(buf, sizeof buf,
            "The client sent %llu keepalive PINGs, about every %s (%llu of them with no RPC in progress); the server "
            "counted them as abuse and closed the connection with GOAWAY ENHANCE_YOUR_CALM at %s after the connection "
            "opened. The server's minimum ping interval is %s%s%s",
            static_cast<unsigned long long>(g.clientPings), formatDuration(interval).c_str(),
            static_cast<unsigned long long>(g.clientPingsWithoutCalls), formatDuration(toS(g.ageNs)).c_str(),
            formatDuration(serverMinS).c_str(),
            fromSettings ? " (from the settings)" : " by default in grpc-go, grpc-java and C-core",
            idleRule ? "; with no RPC in progress a server that does not permit PINGs without calls (the default) "
                       "allows one only every 2 h."
                     : ".");
    else
        std::snprintf(buf, sizeof buf,
            "The server closed the connection with GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\" %s after it opened; "
            "the client's PING cadence is not visible in the capture.",
            formatDuration(toS(g.ageNs)).c_str());
    f.detail = buf;
    f.suggestion = "Either slow the client down: client keepalive_time_ms >= " + ms(serverMinS)
        + " (grpc.keepalive_time_ms; grpc-go keepalive.ClientParameters.Time, grpc-java "
          "NettyChannelBuilder.keepAliveTime >= "
        + formatDuration(serverMinS) + ")";
    if (idleRule)
        f.suggestion += " and no PINGs without calls: client keepalive_permit_without_calls=0 (grpc-go "
                        "ClientParameters.PermitWithoutStream: false, grpc-java keepAliveWithoutCalls(false))";
    if (interval > 0)
        f.suggestion
            += ", or let the server accept it: server min_ping_interval_without_data_ms <= " + ms(interval * 0.9)
            + " (grpc-go keepalive.EnforcementPolicy.MinTime, grpc-java "
              "NettyServerBuilder.permitKeepAliveTime)"
            + (g.clientPingsWithoutCalls
                    ? " and server keepalive_permit_without_calls=1 (grpc-go PermitWithoutStream: true, grpc-java "
                      "permitKeepAliveWithoutCalls(true))"
                    : "");
    f.suggestion += ".";
    // The changes keep the client's cadence (it was chosen for a reason, often a middlebox) and let
    // the server accept it; without a visible cadence, slow the client to the server's minimum.
    if (interval > 0) {
        f.changes.push_back({ SettingSide::Server, "min_ping_interval_without_data_ms", std::llround(interval * 900.0),
            SettingUnit::Milliseconds });
        if (g.clientPingsWithoutCalls)
            f.changes.push_back({ SettingSide::Server, "keepalive_permit_without_calls", 1, SettingUnit::Boolean });
    } else {
        f.changes.push_back({ SettingSide::Client, "keepalive_time_ms",
            std::max<std::int64_t>(1, std::llround(serverMinS * 1000.0)), SettingUnit::Milliseconds });
        if (idleRule)
            f.changes.push_back({ SettingSide::Client, "keepalive_permit_without_calls", 0, SettingUnit::Boolean });
    }
    st.findings.push_back(std::move(f));
}

// The server shut down: its GOAWAY named no limit and the client's next connection was refused.
// The evidence is a refused reconnect, or a later GOAWAY that names the shutdown.
void serverShutdown(FindingsAnalyzer::State& st, std::uint32_t conn, const ConnState& c, const GoawayInfo& first,
    const GoawayInfo* second, const ConnectionSummary* refused, const GoawayInfo* named)
{
    Finding f;
    f.id = "goaway-server-shutdown";
    f.conn = conn;
    f.severity = Severity::Info;
    f.figure = toS(first.ageNs);
    f.evidence.push_back(first.index);
    if (second)
        f.evidence.push_back(second->index);
    if (c.closed)
        f.evidence.push_back(c.closeIndex);
    f.title = refused ? "Server shut down: GOAWAY NO_ERROR, then the client's reconnect was refused"
                      : "Server shut down: GOAWAY NO_ERROR, then a GOAWAY naming the shutdown";
    if (named && named != &first) {
        f.evidence.push_back(named->index);
        std::sort(f.evidence.begin(), f.evidence.end());
    }
    char buf[640];
    std::string why;
    if (refused)
        why = "the client's next connection to the server (#" + std::to_string(refused->id) + "), "
            + formatDuration(toS(refused->firstNs - first.ns))
            + " after the GOAWAY, was refused (RST to its SYN): the server had "
              "stopped listening";
    else
        why = "the server's GOAWAY " + formatDuration(toS(named->ns - first.ns)) + " later says \"" + named->debug
            + "\" (gRPC C-core stopping with its calls cancelled)";
    const std::string when = first.openStreams ? "with " + std::to_string(first.openStreams) + " call(s) in flight"
                                               : formatDuration(toS(first.idleNs)) + " after the last RPC activity";
    std::snprintf(buf, sizeof buf,
        "GOAWAY NO_ERROR (last_stream_id %u)%s at %s into the connection, %s; %s. "
        "This was a shutdown (grpc-go GracefulStop, C-core Server.stop, a restart), not max_connection_idle or "
        "max_connection_age.",
        first.lastStreamId,
        second ? (", a second GOAWAY (last_stream_id " + std::to_string(second->lastStreamId) + ")").c_str() : "",
        formatDuration(toS(first.ageNs)).c_str(), when.c_str(), why.c_str());
    f.detail = buf;
    f.suggestion
        = "Expected during deploys and restarts; clients reconnect elsewhere or retry UNAVAILABLE. No keepalive "
          "setting is involved.";
    if (c.callsFailedAfterGoaway) {
        // The shutdown failed calls in flight: a fact the user must see, above an info line.
        f.severity = Severity::Warning;
        f.title = "Server shut down and failed " + std::to_string(c.callsFailedAfterGoaway) + " call(s) in flight";
        f.evidence.push_back(c.firstFailedCallIndex);
        std::sort(f.evidence.begin(), f.evidence.end());
        f.detail += " The server ended " + std::to_string(c.callsFailedAfterGoaway) + " call(s) after the GOAWAY "
            + (c.failedCallStatus >= 0 ? "with grpc-status " + std::to_string(c.failedCallStatus)
                        + (c.failedCallMessage.empty() ? std::string() : " \"" + c.failedCallMessage + "\"")
                                       : std::string("with a stream reset"))
            + ": the shutdown cancelled them (its grace, if any, was shorter than the calls).";
        f.suggestion = "Give the shutdown a grace longer than the longest call (C-core server.stop(grace), grpc-go "
                       "GracefulStop waits for calls; a pod's terminationGracePeriodSeconds above it), drain the "
                       "server from the load balancer first, and let clients retry UNAVAILABLE. No keepalive setting "
                       "is involved.";
    }
    st.findings.push_back(std::move(f));
}

void gracefulNoError(FindingsAnalyzer::State& st, std::uint32_t conn, const ConnState& c, const GoawayInfo& first,
    const GoawayInfo* second)
{
    Finding f;
    f.conn = conn;
    // A warning, as every end but a graceful one (FINDINGS.md): the server's own limit ended the
    // connection, not the path; harmless when intended, and the suggestion says so.
    f.severity = Severity::Warning;
    f.evidence.push_back(first.index);
    if (c.pingAfterGoaway)
        f.evidence.push_back(c.pingAfterGoawayIndex);
    if (second)
        f.evidence.push_back(second->index);
    if (c.closed)
        f.evidence.push_back(c.closeIndex);
    const double age = toS(first.ageNs);
    const double idle = toS(first.idleNs);
    char buf[640];
    // Newer grpc-go and C-core name the reason in the debug data; otherwise an RPC still open
    // means the server retired the connection for its age, not for idleness.
    const bool saysAge = first.debug.find("max_age") != std::string::npos;
    const bool coreIdle = coreIdleGoaway(first.code, first.debug);
    const bool saysIdle = first.debug.find("max_idle") != std::string::npos || coreIdle;
    // Requests the server reset unanswered were no RPCs: their open streams and gaps say nothing.
    const bool rejectedOnly = c.onlyRejectedRpcs();
    if (saysAge || (!rejectedOnly && ((!saysIdle && first.openStreams > 0) || idleRuledOut(first)))) {
        f.id = "goaway-max-connection-age";
        f.figure = age;
        f.title = "Server retired the connection at age " + formatDuration(age)
            + " (max_connection_age or a graceful shutdown)";
        const std::string when = first.openStreams > 0
            ? "while " + std::to_string(first.openStreams) + " RPC stream(s) were still open"
            : "with no RPC open, " + formatDuration(idle)
                + " after the last RPC activity (not max_connection_idle: the connection "
                  "had survived "
                + formatDuration(toS(first.survivedIdleNs)) + " without RPCs before)";
        std::snprintf(buf, sizeof buf,
            "GOAWAY NO_ERROR (last_stream_id %u)%s%s %s, %s after the connection "
            "opened: the server's max_connection_age (grpc-go MaxConnectionAge, grpc-java "
            "NettyServerBuilder.maxConnectionAge, C-core grpc.max_connection_age_ms; "
            "servers add up to 10%% jitter) or a server shutdown.",
            first.lastStreamId, c.pingAfterGoaway ? ", then a PING" : "",
            second ? (", then a second GOAWAY (last_stream_id " + std::to_string(second->lastStreamId) + ")").c_str()
                   : "",
            when.c_str(), formatDuration(age).c_str());
        f.detail = buf;
        if (second && c.closed && c.closeNs > second->ns) {
            // Only the server's own close after the second GOAWAY measures its grace period; a
            // client that ended its calls and closed first only says the grace (if any) is longer.
            const std::string after = formatDuration(toS(c.closeNs - second->ns));
            // A grace is measured only where its end cut calls: a server that closed once its last
            // call had ended (grpc-status OK, nothing open) closed because the calls were done.
            const bool cut = c.streams.openAtClose > 0 || c.callsFailedAfterGoaway > 0;
            if (c.closedBy == Direction::ServerToClient && cut)
                std::snprintf(buf, sizeof buf,
                    " The server closed the connection %s after the second GOAWAY (max_connection_age_grace ≈ %s).",
                    after.c_str(), after.c_str());
            else if (c.closedBy == Direction::ServerToClient)
                std::snprintf(buf, sizeof buf,
                    " The server closed the connection %s after the second GOAWAY, once its calls had ended (a "
                    "max_connection_age_grace, if the server has one, is at least that long).",
                    after.c_str());
            else
                std::snprintf(buf, sizeof buf,
                    " The client closed the connection %s after the second GOAWAY, before the server did (its calls "
                    "ended first: a max_connection_age_grace, if the server has one, is longer).",
                    after.c_str());
            f.detail += buf;
        }
        f.suggestion = "Normal connection rotation; clients reconnect. If long-lived streams are cut, raise server "
                       "max_connection_age_grace_ms above the longest stream, or max_connection_age_ms.";
    } else if (coreIdle && first.hadStreams && first.openStreams == 0) {
        const double period = coreIdlePeriod(age, idle);
        f.id = "goaway-max-connection-idle";
        f.figure = period;
        f.title = "Server closed the idle connection " + formatDuration(idle)
            + " after the last RPC (max_connection_idle about " + formatDuration(period) + ")";
        std::snprintf(buf, sizeof buf,
            "GOAWAY INTERNAL_ERROR \"enter idle\" (gRPC C-core's way of saying max_connection_idle) %s after the last "
            "RPC activity and %s after the connection opened. C-core (1.51) looks for idleness once per "
            "max_connection_idle period counted from the connection's start and closes at the end of the first period "
            "without a call, so the GOAWAY comes one to two periods after the last call: here %.0f periods of about "
            "%s, the server's grpc.max_connection_idle_ms.",
            formatDuration(idle).c_str(), formatDuration(age).c_str(), std::round(age / period),
            formatDuration(period).c_str());
        f.detail = buf;
        f.suggestion = "Harmless when the client reconnects on demand; to keep idle connections, raise server "
                       "max_connection_idle_ms above "
            + ms(period) + ", or send RPCs more often.";
        f.changes.push_back({ SettingSide::Server, "max_connection_idle_ms", kInfinite, SettingUnit::Milliseconds });
    } else if ((first.hadStreams && !rejectedOnly) || saysIdle) {
        f.id = "goaway-max-connection-idle";
        f.figure = idle;
        f.title
            = "Server closed the idle connection after " + formatDuration(idle) + " without RPCs (max_connection_idle)";
        std::snprintf(buf, sizeof buf,
            "GOAWAY %s %s after the last RPC activity, with no RPC in progress: the server's "
            "max_connection_idle (grpc-go MaxConnectionIdle, grpc-java NettyServerBuilder.maxConnectionIdle, C-core "
            "grpc.max_connection_idle_ms) is about %s.",
            coreIdle ? "INTERNAL_ERROR \"enter idle\" (gRPC C-core's way of saying max_connection_idle)" : "NO_ERROR",
            formatDuration(idle).c_str(), formatDuration(idle).c_str());
        f.detail = buf;
        if (!saysIdle)
            f.detail += " The GOAWAY's debug data names no reason (grpc-go 1.33 and C-core 1.51 send none for "
                        "max_connection_idle, "
                        "max_connection_age or a graceful shutdown alike): idleness is the reading that fits the quiet "
                        "before it, "
                        "a shutdown at that moment would look the same.";
        f.suggestion = "Harmless when the client reconnects on demand; to keep idle connections, raise server "
                       "max_connection_idle_ms above "
            + ms(idle) + ", or send RPCs more often.";
        // Above the observed idle time: gRPC's default, never.
        f.changes.push_back({ SettingSide::Server, "max_connection_idle_ms", kInfinite, SettingUnit::Milliseconds });
    } else {
        // Idle for its whole age: either limit fits, and the finding says both rather than pick.
        f.id = "goaway-max-connection-idle-or-age";
        f.figure = age;
        f.title
            = (rejectedOnly          ? "Server closed a connection whose every request it had rejected, after "
                      : c.hadStreams ? "Server closed a connection that had carried no RPC before its GOAWAY, after "
                                     : "Server closed a connection that never carried an RPC, after ")
            + formatDuration(age) + " (max_connection_idle or max_connection_age)";
        std::snprintf(buf, sizeof buf,
            "GOAWAY NO_ERROR %s after the connection opened and before any RPC%s: the server's max_connection_idle "
            "or its max_connection_age is about %s. A connection without RPCs is idle for its whole age, so the two "
            "cannot be told apart here; the ages at which other connections to this server got their GOAWAY tell "
            "(max_connection_age varies by up to 10%% between connections, and one that carried RPCs past this age "
            "rules it out).",
            formatDuration(age).c_str(),
            rejectedOnly ? (" the server accepted (it reset all " + std::to_string(c.serverResets)
                + " requests without an answer: requests that are no gRPC calls, such as an HTTP/2 "
                  "health check's GET, never start grpc-go's idle clock over)")
                               .c_str()
                         : "",
            formatDuration(age).c_str());
        f.detail = buf;
        f.suggestion = "Usually harmless; to keep such connections, raise whichever the server sets above " + ms(age)
            + " ms: max_connection_idle_ms or max_connection_age_ms.";
        f.changes.push_back({ SettingSide::Server, "max_connection_idle_ms", kInfinite, SettingUnit::Milliseconds });
        f.changes.push_back({ SettingSide::Server, "max_connection_age_ms", kInfinite, SettingUnit::Milliseconds });
    }
    st.findings.push_back(std::move(f));
}

void otherCode(FindingsAnalyzer::State& st, std::uint32_t conn, const GoawayInfo& g)
{
    Finding f;
    f.id = "goaway-error";
    f.conn = conn;
    f.severity = Severity::Warning;
    f.evidence.push_back(g.index);
    const std::string name(http2ErrorName(g.code));
    const char* who = g.dir == Direction::ServerToClient ? "server" : "client";
    f.title = std::string("The ") + who + " closed the connection with GOAWAY " + name;
    f.detail = std::string("GOAWAY ") + name + " (" + std::to_string(g.code) + ") from the " + who + " at "
        + formatDuration(toS(g.ageNs)) + " into the connection, last_stream_id " + std::to_string(g.lastStreamId)
        + (g.debug.empty() ? std::string(", no debug data.") : ", debug data \"" + g.debug + "\".");
    switch (g.code) {
    case 1:
    case 6:
    case 9:
        f.suggestion = "The peer sent frames the other side rejects (RFC 9113 section 7): look for a proxy or client "
                       "library in the path "
                       "that speaks HTTP/2 incorrectly; the debug data names the frame.";
        break;
    case 2:
        f.suggestion = "An internal error in the peer: check its logs at that time.";
        break;
    case kEnhanceYourCalm:
        f.suggestion
            = "The peer rate-limits this connection (too many streams, resets or settings); the debug data says which.";
        break;
    default:
        f.suggestion = "See the peer's logs for why it sent " + name + ".";
        break;
    }
    f.severity = g.code == 2 || g.code == 1 ? Severity::Error : Severity::Warning;
    st.findings.push_back(std::move(f));
}

} // namespace

void addGoawayFindings(
    FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, const SummaryLookup& connections)
{
    if (c.goaways.empty())
        return;
    const auto& first = c.goaways.front();
    const GoawayInfo* second = nullptr;
    if (c.goaways.size() > 1 && c.goaways[1].dir == first.dir && c.goaways[1].code == kNoError)
        second = &c.goaways[1];
    bool explainedGraceful = false;
    const GoawayInfo* named = nullptr; // the later GOAWAY that names a shutdown the first one began
    for (const auto& g : c.goaways) {
        if (g.code == kEnhanceYourCalm && g.debug.find("too_many_pings") != std::string::npos) {
            tooManyPings(st, id, g);
        } else if ((g.code == kNoError || coreIdleGoaway(g.code, g.debug)) && g.dir == Direction::ServerToClient) {
            if (!explainedGraceful && &g == &first && keepaliveGoaway(c, first)) {
                // grpc-java's close on a keepalive timeout: the keepalive-timeout finding tells it
            } else if (!explainedGraceful && &g == &first && first.code == kNoError
                && addH2ProxyGoawayFinding(st, id, c, first, connections)) {
                // the proxy's own GOAWAY (findings_h2proxy.cpp)
            } else if (!explainedGraceful && &g == &first) {
                const auto* refused = shutdownAfter(first, connections, connections.byId(id));
                named = first.code == kNoError && first.debug.empty() ? shutdownNamed(c) : nullptr;
                if (refused || named)
                    serverShutdown(st, id, c, first, second, refused, named);
                else
                    gracefulNoError(st, id, c, first, second);
            }
            explainedGraceful = true;
        } else if (g.code != kNoError && &g != named) {
            otherCode(st, id, g);
        }
    }
}

} // namespace ks::core
