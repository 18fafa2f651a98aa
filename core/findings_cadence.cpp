// Observed keepalive cadence per side (HTTP/2 PING and TCP keep-alive) against the chosen
// load-balancer timeouts, the TCP keep-alive setting recognised, and PING round-trip statistics.
#include "direction.h"
#include "findings_state.h"

#include <cmath>
#include <cstdio>

namespace ks::core {

namespace {

// The side's last few PINGs, as the finding's evidence.
void addRecentPings(Finding& f, const SideState& s)
{
    for (auto idx : s.recentPings)
        if (idx)
            f.evidence.push_back(idx);
}

// Inferred "PINGs" faster than any gRPC keepalive: said as what they are, an info and no advice.
void inferredTooFast(FindingsAnalyzer::State& st, std::uint32_t id, const SideState& s, std::size_t d, double interval)
{
    Finding f;
    f.id = "inferred-ping-pace";
    f.severity = Severity::Info;
    f.conn = id;
    f.figure = interval;
    addRecentPings(f, s);
    f.title = std::string("The ") + sideName(static_cast<Direction>(d))
        + "'s inferred PING-sized exchanges come about every " + formatDuration(interval)
        + ": too often for a gRPC keepalive";
    char buf[768];
    std::snprintf(buf, sizeof buf,
        "Evidence inferred (no keys): %llu records from the %s had a PING's size and were answered at once, about "
        "every %s. No gRPC keepalive "
        "pings that often (grpc-go's floor is 1 s for servers and 10 s for clients, grpc-java's 10 s for both; "
        "servers refuse PINGs more "
        "often than every 5 min by default), so they are more likely small messages answered at once (an 8-byte "
        "DATA frame has a PING's size) or BDP PINGs; no keepalive cadence or stop is judged from them.",
        static_cast<unsigned long long>(s.pings), sideName(static_cast<Direction>(d)),
        formatDuration(interval).c_str());
    f.detail = buf;
    st.findings.push_back(std::move(f));
}

void pingCadence(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, std::size_t d)
{
    const auto& s = c.side[d];
    if (s.pingInterval.count < 2)
        return;
    if (c.inferredEvents && s.crossedNs >= 0)
        return; // a PING of this side may hide in a crossing exchange: its intervals are not all seen
    const double interval = keepaliveCadenceS(s);
    if (c.inferredEvents && interval < kMinInferredKeepaliveS) {
        inferredTooFast(st, id, s, d, interval);
        return; // no cadence, and no load-balancer advice, on PINGs that may not be PINGs
    }
    {
        Finding f;
        f.id = "ping-cadence";
        f.severity = Severity::Info;
        f.conn = id;
        f.figure = interval;
        addRecentPings(f, s);
        f.title = std::string("The ") + sideName(static_cast<Direction>(d)) + " sends keepalive PINGs about every "
            + formatDuration(interval);
        // Measured on the idle stretches when there are some (keepaliveCadenceS).
        const bool idle = s.idlePingInterval.count >= 2;
        const RecentStats& used = idle ? s.idlePingInterval : s.pingInterval;
        char buf[320];
        std::snprintf(buf, sizeof buf, "%llu PINGs from the %s; interval %s %s (min %s, max %s over %llu intervals%s).",
            static_cast<unsigned long long>(s.pings), sideName(static_cast<Direction>(d)), used.medianName().c_str(),
            formatDuration(interval).c_str(), formatDuration(used.min).c_str(), formatDuration(used.max).c_str(),
            static_cast<unsigned long long>(used.count),
            idle && used.count < s.pingInterval.count ? " with no call data between their PINGs; PINGs while data "
                                                        "flowed may be BDP PINGs"
                                                      : "");
        f.detail = buf;
        std::string fine;
        for (const auto& entry : st.options.profiles)
            if (pingsResetIdle(entry) && interval < entry.profile.idleTimeoutS)
                fine += (fine.empty() ? "" : ", ") + entry.profile.name + " ("
                    + formatDuration(entry.profile.idleTimeoutS) + ")";
        if (!fine.empty())
            f.detail += " Often enough to hold an idle connection through " + fine + ".";
        st.findings.push_back(std::move(f));
    }
    for (const auto& entry : st.options.profiles) {
        const auto& p = entry.profile;
        Finding f;
        f.conn = id;
        f.profile = p.name;
        f.figure = interval;
        for (auto idx : s.recentPings)
            if (idx)
                f.evidence.push_back(idx);
        char buf[512];
        if (!pingsResetIdle(entry)) {
            f.id = "ping-cadence-vs-lb";
            f.severity = Severity::Info;
            f.title = std::string("The ") + sideName(static_cast<Direction>(d)) + "'s PINGs (every "
                + formatDuration(interval) + ") do not count for " + p.name;
            std::snprintf(buf, sizeof buf,
                "%s ignores HTTP/2 PING frames when it measures idleness (see its notes), so these PINGs do not keep "
                "the connection open through it; only RPCs do. Its idle timeout is %s.",
                p.title.c_str(), formatDuration(p.idleTimeoutS).c_str());
        } else if (interval >= p.idleTimeoutS) {
            f.id = "ping-cadence-vs-lb";
            f.severity = Severity::Warning;
            f.title = std::string("The ") + sideName(static_cast<Direction>(d)) + " pings every "
                + formatDuration(interval) + ": too slow for " + p.name + " (" + formatDuration(p.idleTimeoutS) + ")";
            std::snprintf(buf, sizeof buf,
                "Pings every %s will not keep a %s %s from dropping this connection: on an otherwise idle "
                "connection the %s idle timer fires before the next PING.",
                formatDuration(interval).c_str(), formatDuration(p.idleTimeoutS).c_str(), p.name.c_str(),
                p.name.c_str());
        } else {
            continue;
        }
        f.detail = buf;
        // The side that pings is the side to fix.
        setKeepaliveFix(f, st, entry, d == 1 ? KeepaliveSide::Server : KeepaliveSide::Client);
        st.findings.push_back(std::move(f));
    }
}

void tcpKeepalive(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, std::size_t d)
{
    const auto& s = c.side[d];
    if (!s.kaProbes || !s.kaIdle.count)
        return;
    const double idle = s.kaIdle.median();
    const auto knownDefault = [](double v) -> const char* {
        if (std::fabs(v - 15.0) <= 1.5)
            return "Go's net.Dialer / net.ListenConfig default (15 s), which grpc-go inherits";
        if (std::fabs(v - 7200.0) <= 360.0)
            return "Linux's default net.ipv4.tcp_keepalive_time (7200 s)";
        return nullptr;
    };
    std::string what
        = knownDefault(idle) ? knownDefault(idle) : "a custom TCP_KEEPIDLE of about " + formatDuration(idle);
    // Linux counts TCP_KEEPIDLE from the last segment the prober received. The other side's
    // unanswered packets just before the probe may never have reached it (a firewall or a
    // forgotten flow dropped them): counted from before them, the idle may be a known default.
    const double before = s.kaIdleBeforeUnanswered;
    const bool altDefault = before >= 0 && !s.kaUnansweredNeverArrived && !knownDefault(idle) && knownDefault(before);
    const char* who = sideName(static_cast<Direction>(d));
    const char* other = sideName(otherDirection(static_cast<Direction>(d)));
    Finding f;
    f.id = "tcp-keepalive-cadence";
    f.severity = Severity::Info;
    f.conn = id;
    f.figure = idle;
    f.evidence = { s.firstKaIndex };
    if (s.lastKaIndex != s.firstKaIndex)
        f.evidence.push_back(s.lastKaIndex);
    f.title
        = std::string("The ") + who + " sends TCP keep-alive probes after " + formatDuration(idle) + " idle: " + what;
    if (altDefault)
        f.title = std::string("The ") + who + " sends TCP keep-alive probes after " + formatDuration(idle)
            + " idle, or " + formatDuration(before) + " counted from before the " + other
            + "'s unanswered packets: " + knownDefault(before) + " if those never reached it";
    char buf[384];
    std::snprintf(buf, sizeof buf,
        "%llu TCP keep-alive probe(s) from the %s, the first after %s without traffic (%s over %llu).",
        static_cast<unsigned long long>(s.kaProbes), sideName(static_cast<Direction>(d)), formatDuration(idle).c_str(),
        s.kaIdle.medianName().c_str(), static_cast<unsigned long long>(s.kaIdle.count));
    f.detail = buf;
    if (s.kaUnansweredNeverArrived)
        f.detail += std::string(" Counted from before the ") + other + "'s last packets: an RST in the " + who
            + "'s name answered them and the " + who
            + " probed after it, which a socket that reset never does, so the path sent that RST and those packets "
              "never reached the "
            + who + " (Linux counts TCP_KEEPIDLE from the last segment the prober received).";
    else if (altDefault)
        f.detail += std::string(" Linux counts TCP_KEEPIDLE from the last segment the prober received: the ") + other
            + "'s last packets got no answer from the " + who + ", and counted from before them the idle is "
            + formatDuration(before) + ". Which it is depends on whether they reached the " + who
            + ", which the capture does not show (a capture on the " + who + "'s host would).";
    st.findings.push_back(f);

    for (const auto& entry : st.options.profiles) {
        const auto& p = entry.profile;
        if (!tcpKeepalivesResetIdle(entry) || idle < p.idleTimeoutS)
            continue;
        Finding g = f;
        g.id = "tcp-keepalive-vs-lb";
        g.severity = Severity::Warning;
        g.profile = p.name;
        g.title = std::string("The ") + sideName(static_cast<Direction>(d)) + "'s TCP keep-alive ("
            + formatDuration(idle) + ") is too slow for " + p.name + " (" + formatDuration(p.idleTimeoutS) + ")";
        std::snprintf(buf, sizeof buf,
            "%s counts TCP keep-alive probes as traffic, but the first probe comes only after %s of silence, "
            "later than its %s idle timeout.",
            p.title.c_str(), formatDuration(idle).c_str(), formatDuration(p.idleTimeoutS).c_str());
        g.detail = buf;
        // TCP keep-alive is what this side uses: the TCP change first, HTTP/2 keepalive as the alternative.
        LbCatalogueEntry tcpOnly = entry;
        tcpOnly.http2PingResetsIdle = false;
        const auto tcp = keepaliveFix(tcpOnly, st.options.settings);
        LbCatalogueEntry pingOnly = entry; // the alternative, without offering TCP keep-alive twice
        pingOnly.profile.tcpKeepaliveResetsIdle = false;
        if (const auto keepidle = tcpKeepidleTargetS(p.idleTimeoutS)) {
            g.changes = tcp.changes;
            g.suggestion = "TCP keep-alive below " + formatDuration(p.idleTimeoutS)
                + ": tcp_keepidle_s=" + std::to_string(*keepidle)
                + " (TCP_KEEPIDLE on the socket, or net.ipv4.tcp_keepalive_time); or HTTP/2 keepalive: "
                + keepaliveFix(pingOnly, st.options.settings).suggestion;
        } else {
            g.suggestion = "TCP keep-alive cannot help: TCP_KEEPIDLE is whole seconds, at least 1 s, not below "
                + formatDuration(p.idleTimeoutS)
                + ". HTTP/2 keepalive instead: " + keepaliveFix(pingOnly, st.options.settings).suggestion;
            g.changes = keepaliveFix(pingOnly, st.options.settings).changes;
        }
        st.findings.push_back(std::move(g));
    }
}

void pingRtt(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    if (c.rtt.count < 3)
        return;
    Finding f;
    f.id = "ping-rtt";
    f.severity = c.rtt.max >= 1000.0 ? Severity::Warning : Severity::Info;
    f.conn = id;
    f.figure = c.rtt.median() / 1000.0;
    char buf[512];
    std::snprintf(buf, sizeof buf, "PING round trip %.3f ms %s (min %.3f, mean %.3f, max %.3f ms over %llu PINGs)",
        c.rtt.median(), c.rtt.medianName().c_str(), c.rtt.min, c.rtt.mean(), c.rtt.max,
        static_cast<unsigned long long>(c.rtt.count));
    f.title = buf;
    f.detail = buf;
    f.detail += ".";
    if (c.rttOutliers) {
        std::snprintf(buf, sizeof buf,
            " %llu outlier(s) well above the recent median of %.3f ms:", static_cast<unsigned long long>(c.rttOutliers),
            c.outlierBaselineMs);
        f.detail += buf;
        for (const auto& [index, ms] : c.outlierSamples) {
            std::snprintf(buf, sizeof buf, " %.3f ms (event %llu)", ms, static_cast<unsigned long long>(index));
            f.detail += buf;
            f.evidence.push_back(index);
        }
        f.detail += '.';
        // Linux's minimum retransmission timeout: a PING or PING ACK lost once and resent costs
        // at least this much; the peer answering at once looks the same as a slow one.
        constexpr double kMinRtoMs = 200.0;
        const auto* s = st.lookup ? st.lookup->byId(id) : nullptr;
        const std::uint64_t resent = s ? s->rare().retransmissions[0] + s->rare().retransmissions[1] : 0;
        bool rtoSized = false;
        for (const auto& sample : c.outlierSamples)
            rtoSized = rtoSized || sample.second >= kMinRtoMs;
        if (resent > 0 && rtoSized)
            f.detail += " This connection had " + std::to_string(resent)
                + " TCP retransmission(s): a round trip of 200 ms or more is what a PING or PING ACK lost once and "
                  "resent costs (Linux's minimum retransmission timeout is 200 ms), so these outliers may be loss on "
                  "the path rather than a slow peer; a busy peer (GC pause, saturated event loop) looks the same. "
                  "Either matters when it approaches keepalive_timeout_ms.";
        else
            f.detail += " Slow ACKs point at a busy peer (GC pause, saturated event loop) or a congested path; they "
                        "matter when they approach keepalive_timeout_ms.";
    }
    if (f.severity == Severity::Warning)
        f.suggestion = "Keep keepalive_timeout_ms well above the slowest round trip seen ("
            + formatDuration(c.rtt.max / 1000.0) + ").";
    st.findings.push_back(std::move(f));
}

} // namespace

void addCadenceFindings(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c)
{
    if (!c.used)
        return;
    for (std::size_t d = 0; d < 2; ++d) {
        pingCadence(st, id, c, d);
        tcpKeepalive(st, id, c, d);
    }
    pingRtt(st, id, c);
}

} // namespace ks::core
