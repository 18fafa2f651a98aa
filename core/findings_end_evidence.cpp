// Evidence for a connection's end from the other connections in the capture
// (docs/FINDINGS.md, "How connections end"): a refused reconnect shows the server had gone away
// (no idle timer), and only a proxy leg of the connection can confirm that a PING which TCP
// delivered was swallowed by a proxy rather than left unanswered by a stalled peer.
#include "direction.h"
#include "findings_state.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace ks::core {

namespace {

std::string hostOf(const std::string& endpoint)
{
    const auto colon = endpoint.rfind(':');
    return colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
}

// Connections by a host (their client's or their server's), in order of their start.
using ByHost = std::unordered_map<std::string, std::vector<std::pair<std::int64_t, const ConnectionSummary*>>>;

// Whether byHost[host] holds a connection to a server other than notServer that started in [from, to].
bool anyStarted(
    const ByHost& byHost, const std::string& host, const std::string& notServer, std::int64_t from, std::int64_t to)
{
    const auto it = byHost.find(host);
    if (it == byHost.end())
        return false;
    const auto& v = it->second;
    for (auto at
         = std::lower_bound(v.begin(), v.end(), std::pair { from, static_cast<const ConnectionSummary*>(nullptr) });
         at != v.end() && at->first <= to; ++at)
        if (at->second->server != notServer)
            return true;
    return false;
}

} // namespace

// The client's next connection to the same server after this one closed, when it was refused
// (its SYN answered by RST, no SYN-ACK): nothing listened there any more.
const ConnectionSummary* refusedReconnect(
    const SummaryLookup& connections, const ConnectionSummary* s, std::int64_t closeNs)
{
    if (!s)
        return nullptr;
    const auto* next = connections.reconnectAfter(*s, closeNs);
    if (!next || next->firstNs < closeNs || !next->sawHandshake || next->end != ConnectionEnd::RstS2C
        || next->count(EventType::Syn) != 1 || next->payloadBytes != 0)
        return nullptr;
    return next;
}

// A server that closed after a silence and then refused the client's reconnect had stopped
// listening: a shutdown or exit (grpc-go 1.33's Server.Stop sends no GOAWAY), not an idle timer.
bool serverWentAway(EndVerdict& v, const ConnBasics& c, const ConnectionSummary* next, const char* how, double quiet)
{
    if (!next || c.closedBy != Direction::ServerToClient)
        return false;
    char buf[400];
    std::snprintf(buf, sizeof buf,
        "%s from the server side after %s of silence, with no GOAWAY; the client's next connection to it, %s later, "
        "was refused (RST to its SYN): the server had stopped listening (a shutdown or exit), not an idle timer",
        how, formatDuration(quiet).c_str(), formatDuration(toS(next->firstNs - c.closeNs)).c_str());
    v.cause = c.closedByRst ? EndCause::Reset : EndCause::Closed;
    v.evidence.set(c.lastActivityIndex, c.closeIndex);
    v.detail = buf;
    return true;
}

void confirmSilentDrops(FindingsAnalyzer::State& st, const SummaryLookup& connections)
{
    constexpr std::int64_t kLegOpenNs = 2'000'000'000; // as findings_legs.cpp: a proxy connects upstream at once
    std::vector<std::uint32_t> doubtful;
    for (std::uint32_t id = 0; id < st.ends.size(); ++id)
        if (st.ends[id].dropUnconfirmed && st.conns[id].full)
            doubtful.push_back(id);
    if (doubtful.empty())
        return;
    ByHost byClient, byServer;
    for (const auto& s : connections.list()) {
        byClient[hostOf(s.client)].emplace_back(s.firstNs, &s);
        byServer[hostOf(s.server)].emplace_back(s.firstNs, &s);
    }
    for (auto* m : { &byClient, &byServer })
        for (auto& [h, v] : *m)
            std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto id : doubtful) {
        const auto* s = connections.byId(id);
        if (!s)
            continue;
        // The upstream leg (s's server host connecting elsewhere just after s opened), or the
        // client leg (a connection to s's client host, opened just before s, to another server).
        const bool leg = anyStarted(byClient, hostOf(s->server), s->server, s->firstNs, s->firstNs + kLegOpenNs)
            || anyStarted(byServer, hostOf(s->client), s->server, s->firstNs - kLegOpenNs, s->firstNs);
        if (leg)
            continue;
        const ConnState& c = *st.conns[id].full;
        auto& v = st.ends[id];
        char buf[640];
        std::snprintf(buf, sizeof buf,
            "the %s's PING after %s of silence got no ACK, though it was never retransmitted (TCP delivered it); the "
            "%s closed "
            "(%s) %s later. The %s stopped answering, or a proxy in front of it (one that acknowledges TCP itself) "
            "dropped the flow: the capture holds no other leg to tell",
            sideName(c.kaTimeoutSide), formatDuration(toS(c.burstGapNs)).c_str(), sideName(c.closedBy),
            keepaliveCloseWords(c), formatDuration(toS(c.kaTimeoutNs)).c_str(),
            sideName(
                c.kaTimeoutSide == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer));
        v.cause = EndCause::KeepaliveTimeout;
        v.seen = LbExpiryAction::Rst;
        v.silenceS = -1;
        v.dropUnconfirmed = false;
        endEvidenceOf(st, id).set(c.kaTimeoutPing, c.kaTimeoutClose);
        endDetailOf(st, id) = SharedText(std::string(buf));
    }
}

} // namespace ks::core
