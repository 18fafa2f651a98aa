// Both legs of a proxy in one capture (client -> proxy, proxy -> server): two connections whose
// ends coincide, the second opened just after the first. The pair says which leg died first and
// who sent the RST or FIN; a death seen on one leg is the same event on the other.
#include "findings_state.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

namespace ks::core {

namespace {

// A proxy passes a close on within milliseconds; a middlebox closing both legs does so at once.
constexpr std::int64_t kEndToleranceNs = 250'000'000;
// A proxy connects upstream when the client connects (or on its first bytes).
constexpr std::int64_t kOpenToleranceNs = 2'000'000'000;

std::string host(const std::string& endpoint)
{
    const auto colon = endpoint.rfind(':');
    return colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
}

// Who sent the close on this leg, in the proxy's terms: on the client leg the proxy is the
// server side, on the server leg it is the client side.
std::string closer(const ConnBasics& c, bool clientLeg)
{
    const bool fromServerSide = c.closedBy == Direction::ServerToClient;
    if (clientLeg)
        return fromServerSide ? "the proxy" : "the client";
    return fromServerSide ? "the server" : "the proxy";
}

// Whether b can be the upstream leg of a's proxy as far as their first frames go: a proxy passes
// the client's bytes on, so b's first client frame comes no earlier than a's; and the server's,
// so a's first server frame comes no earlier than b's (but for a CONNECT tunnel, whose proxy
// answers the client itself first). Both legs carried HTTP/2 both ways: a refused connection
// is no leg, and two clients of two servers that merely started and ended together are not paired.
bool hasFramesBothWays(const ConnBasics& c)
{
    return c.firstC2sUs && c.firstS2cUs;
}

bool forwards(const ConnBasics& a, const ConnectionSummary& sa, const ConnBasics& b)
{
    if (!hasFramesBothWays(a) || !hasFramesBothWays(b))
        return false;
    const auto at = [](const ConnBasics& c, std::uint32_t us) { return c.firstNs + (std::int64_t(us) - 1) * 1000; };
    if (at(b, b.firstC2sUs) < at(a, a.firstC2sUs))
        return false;
    return !sa.rare().proxy.empty() || at(a, a.firstS2cUs) >= at(b, b.firstS2cUs);
}

// Upstream-leg candidates (used, closed, with a summary, HTTP/2 frames both ways: forwards()
// rejects the others, and a busy host's connections are mostly HTTP/1 or refused), found by
// their client's host and their server, in order of their start: one lookup per connection
// instead of a scan of all.
class LegIndex {
public:
    LegIndex(const FindingsAnalyzer::State& st, const SummaryLookup& connections)
    {
        // Counted first, then filled to size: a busy host's million connections to one server
        // would otherwise be one vector grown by doubling (half as much again, at the peak).
        auto forEachLeg = [&](auto f) {
            for (std::uint32_t b = 0; b < st.conns.size(); ++b) {
                const auto& cb = basicsOf(st.conns[b]);
                const auto* sb = connections.byId(b);
                if (cb.used && cb.closed && sb && hasFramesBothWays(cb))
                    f(m_hosts[host(sb->client)][sb->server], sb->firstNs, b);
            }
        };
        std::unordered_map<const Legs*, std::size_t> counts;
        forEachLeg([&counts](Legs& legs, std::int64_t, std::uint32_t) { ++counts[&legs]; });
        for (auto& [legs, n] : counts)
            const_cast<Legs*>(legs)->reserve(n);
        forEachLeg([](Legs& legs, std::int64_t firstNs, std::uint32_t b) { legs.push_back({ firstNs, b }); });
        for (auto& [h, servers] : m_hosts)
            for (auto& [server, legs] : servers)
                std::sort(legs.begin(), legs.end());
    }

    // f(b) for each candidate whose client is on host h, whose server is not notServer, and that
    // started within [from, to].
    template <class F>
    void forEach(const std::string& h, const std::string& notServer, std::int64_t from, std::int64_t to, F f) const
    {
        const auto it = m_hosts.find(h);
        if (it == m_hosts.end())
            return;
        for (const auto& [server, legs] : it->second) {
            if (server == notServer)
                continue;
            for (auto at = std::lower_bound(legs.begin(), legs.end(), std::pair { from, std::uint32_t(0) });
                 at != legs.end() && at->first <= to; ++at)
                f(at->second);
        }
    }

private:
    using Legs = std::vector<std::pair<std::int64_t, std::uint32_t>>; // (start, id)
    std::unordered_map<std::string, std::unordered_map<std::string, Legs>> m_hosts;
};

} // namespace

void pairProxyLegs(FindingsAnalyzer::State& st, const SummaryLookup& connections)
{
    const LegIndex index(st, connections);
    std::vector<bool> paired(st.conns.size(), false);
    for (std::uint32_t a = 0; a < st.conns.size(); ++a) {
        const auto& ca = basicsOf(st.conns[a]);
        const auto* sa = connections.byId(a);
        if (!ca.used || !ca.closed || !sa || paired[a] || !hasFramesBothWays(ca))
            continue; // (forwards() would turn every candidate down)
        // b: the upstream leg, opened after a, to another server, from the proxy's host; the
        // nearest close wins, the lowest id among equals.
        std::optional<std::uint32_t> best;
        std::int64_t bestDelta = kEndToleranceNs + 1;
        index.forEach(host(sa->server), sa->server, sa->firstNs, sa->firstNs + kOpenToleranceNs, [&](std::uint32_t b) {
            if (b == a || paired[b])
                return;
            if (!forwards(ca, *sa, basicsOf(st.conns[b])))
                return;
            const std::int64_t delta = std::llabs(basicsOf(st.conns[b]).closeNs - ca.closeNs);
            if (delta < bestDelta || (delta == bestDelta && best && b < *best)) {
                bestDelta = delta;
                best = b;
            }
        });
        if (!best)
            continue;
        const std::uint32_t b = *best;
        const auto& cb = basicsOf(st.conns[b]);
        paired[a] = paired[b] = true;
        st.ends[a].otherLeg = b;
        st.ends[b].otherLeg = a;
        st.ends[a].clientLeg = true;
        const bool clientFirst = ca.closeNs <= cb.closeNs;
        const auto& first = clientFirst ? ca : cb;
        const auto& second = clientFirst ? cb : ca;
        char buf[400];
        std::snprintf(buf, sizeof buf,
            "; both legs of the proxy died together: the %s leg first (%s from %s), the %s leg %s later (%s from "
            "%s)",
            clientFirst ? "client" : "server", first.closedByRst ? "RST" : "FIN", closer(first, clientFirst).c_str(),
            clientFirst ? "server" : "client", formatDuration(toS(second.closeNs - first.closeNs)).c_str(),
            second.closedByRst ? "RST" : "FIN", closer(second, !clientFirst).c_str());
        // The same event on both legs: an idle death on one is the cause of the other's end too,
        // and a FIN sent by the proxy to both sides after a silence is its idle timer.
        auto& va = st.ends[a];
        auto& vb = st.ends[b];
        const bool proxyClosedBoth
            = ca.closedBy == Direction::ServerToClient && cb.closedBy == Direction::ClientToServer;
        if (proxyClosedBoth && !ca.closedByRst && !cb.closedByRst && va.cause == EndCause::IdleClose
            && vb.cause == EndCause::Graceful && toS(cb.quietBeforeCloseNs) >= 1.0) {
            vb.cause = EndCause::IdleClose;
            vb.seen = LbExpiryAction::Fin;
            vb.silenceS = toS(cb.quietBeforeCloseNs);
            vb.atExpiry = true;
            endEvidenceOf(st, b).set(cb.lastActivityIndex, cb.closeIndex);
            endDetailOf(st, b)
                = "FIN from the proxy after " + formatDuration(vb.silenceS) + " of silence, with no GOAWAY";
        }
        std::string detailA = endDetailOf(st, a).empty() ? unjudgedDetail(va).str() : endDetailOf(st, a).str();
        std::string detailB = endDetailOf(st, b).empty() ? unjudgedDetail(vb).str() : endDetailOf(st, b).str();
        detailA += buf;
        detailB += buf;
        if (proxyClosedBoth && ca.closedByRst && cb.closedByRst && va.cause == EndCause::IdleReset)
            detailA += " (RST both ways: the proxy's idle timer)";
        endDetailOf(st, a) = std::move(detailA);
        endDetailOf(st, b) = std::move(detailB);
    }
}

namespace {

std::string eventList(const std::vector<std::uint64_t>& evidence)
{
    std::string out;
    for (auto i : evidence)
        out += (out.empty() ? "#" : ", #") + std::to_string(i);
    return out;
}

} // namespace

void foldRelayedGoaways(FindingsAnalyzer::State& st)
{
    // The server leg's goaway-* finding by connection; few connections have one.
    std::unordered_map<std::uint32_t, std::size_t> serverLegGoaway;
    for (std::size_t i = 0; i < st.findings.size(); ++i) {
        const auto& f = st.findings[i];
        if (f.conn && f.id.starts_with("goaway-") && *f.conn < st.ends.size() && st.ends[*f.conn].otherLeg
            && !st.ends[*f.conn].clientLeg)
            serverLegGoaway.emplace(*f.conn, i);
    }
    for (auto& f : st.findings) {
        if (!f.conn || !f.id.starts_with("goaway-") || *f.conn >= st.ends.size())
            continue;
        const std::uint32_t a = *f.conn;
        const auto& va = st.ends[a];
        // An HTTP/2-terminating proxy's client leg (h2Upstream) speaks its own GOAWAYs.
        if (!va.clientLeg || !va.otherLeg || st.h2Upstream.contains(a))
            continue;
        const std::uint32_t b = *va.otherLeg;
        const auto it = serverLegGoaway.find(b);
        if (it == serverLegGoaway.end() || st.ends[b].cause != va.cause)
            continue;
        auto& g = st.findings[it->second];
        if (g.id != f.id || g.title != f.title)
            continue;
        const std::string bName = "conn " + std::to_string(b);
        // goaway-too-many-pings lists the PINGs, then the GOAWAY.
        const std::string where = f.id == "goaway-too-many-pings" && !f.evidence.empty()
            ? ", event #" + std::to_string(f.evidence.back())
            : std::string();
        g.detail += " A TCP proxy passed this GOAWAY on unchanged to the client, on its client leg (conn "
            + std::to_string(a) + where + "): one GOAWAY, seen on both legs.";
        f.id = "goaway-relayed";
        // This leg's end, told (every troubled end has a warning), but not a second error.
        f.severity = std::min(f.severity, Severity::Warning);
        f.detail = "This connection is the client leg of a TCP proxy whose server leg is " + bName
            + ": the GOAWAY here is the server's, which the proxy passed on byte for byte (a TCP relay writes no "
              "HTTP/2 of its own), not a second one. What it means and what to change is in "
            + bName + "'s finding (" + g.id + ", events " + eventList(g.evidence) + ").";
        f.title = "Passed on by the proxy from " + bName + ": " + f.title;
        f.suggestion = f.suggestion.empty() ? std::string() : "As for " + bName + ".";
        f.changes.clear();
        f.figure = -1;
    }
}

} // namespace ks::core
