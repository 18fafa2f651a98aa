// Both legs of an HTTP/2-terminating proxy in one capture (haproxy mode http, nginx grpc_pass,
// Envoy): the proxy speaks HTTP/2 to the client itself (its own SETTINGS first, PINGs answered
// by itself, its own GOAWAY) and forwards each call on an upstream connection of its own, which
// it may keep pooled or close after the call. Unlike a TCP proxy's legs, the two ends do not
// coincide; what ties them is the call: the same :path requested upstream just after the client
// requested it, answered upstream before the client got its answer.
#include "findings_state.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace ks::core {

const char* const kH2ProxyPingNote
    = "an HTTP/2-terminating proxy answers PINGs itself and does not forward them, so client keepalive PINGs "
      "neither reach the gRPC server nor keep the proxy's upstream connection alive (and haproxy 2.6, nginx "
      "1.22 and nghttpx 1.52 do not count them as activity for their own idle timeout either)";

namespace {

// When the client pinged with no call open more often than the proxy's idle close came (`idle`
// seconds), says so in the detail with kH2ProxyPingNote, and adds the last PINGs as evidence.
void addPingsDidNotKeepItOpen(Finding& f, const SideState& client, double idle, std::uint64_t pingsWithoutCalls,
    const std::array<std::uint64_t, 3>& recentPings)
{
    if (pingsWithoutCalls == 0 || !client.pingInterval.count || client.pingInterval.median() >= idle)
        return;
    char buf[200];
    std::snprintf(buf, sizeof buf,
        " The client's keepalive PINGs (about every %s, %llu with no call open) did not keep it open: ",
        formatDuration(client.pingInterval.median()).c_str(), static_cast<unsigned long long>(pingsWithoutCalls));
    f.detail += buf;
    f.detail += kH2ProxyPingNote;
    f.detail += '.';
    for (const auto i : recentPings)
        if (i)
            f.evidence.push_back(i);
}

// A proxy forwards a call within a second of getting it.
constexpr std::int64_t kForwardNs = 1'000'000'000;
// Upstream candidates looked at per client leg (a busy proxy host has many in a second).
constexpr std::size_t kMaxCandidates = 64;

std::string hostOf(const std::string& endpoint)
{
    const auto colon = endpoint.rfind(':');
    return colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
}

std::int64_t at(const ConnBasics& c, std::uint32_t us)
{
    return c.firstNs + (std::int64_t(us) - 1) * 1000;
}

// The first call's figures are in the full state (HEADERS make one).
bool hasCall(const ConnSlot& s)
{
    const ConnState* c = s.full.get();
    return c && c->used && c->firstReqUs && c->firstRespUs && c->firstS2cUs;
}

// Whether b is the upstream leg that carried a's first call through a proxy that speaks HTTP/2
// to a's client itself: same :path, requested upstream no earlier than the client requested it
// (and within kForwardNs), answered upstream no later than the client was answered, and the
// proxy's first frame to the client came before the server's first frame on b (a TCP proxy only
// passes the server's SETTINGS on, after the server sent them).
bool forwardsCall(const ConnSlot& slotA, const ConnSlot& slotB)
{
    if (!hasCall(slotA) || !hasCall(slotB))
        return false;
    const ConnState& a = *slotA.full;
    const ConnState& b = *slotB.full;
    if (b.firstReqPath != a.firstReqPath)
        return false;
    const std::int64_t reqA = at(a, a.firstReqUs), reqB = at(b, b.firstReqUs);
    return reqB >= reqA && reqB - reqA <= kForwardNs && at(b, b.firstRespUs) <= at(a, a.firstRespUs)
        && at(a, a.firstS2cUs) < at(b, b.firstS2cUs);
}

// The proxy's other upstream connections: from its host to a server it forwarded a call to,
// opened while that client leg was open and carrying a call of their own.
void findSameProxyLegs(
    FindingsAnalyzer::State& st, const SummaryLookup& connections, const std::vector<std::uint32_t>& callConns)
{
    if (st.h2Upstream.empty())
        return;
    std::unordered_map<std::string, std::vector<std::uint32_t>> clientLegsByRoute; // "proxy host|upstream server"
    for (const auto& [a, b] : st.h2Upstream)
        clientLegsByRoute[hostOf(connections.byId(b)->client) + '|' + connections.byId(b)->server].push_back(a);
    for (const std::uint32_t b : callConns) {
        const auto& cb = basicsOf(st.conns[b]);
        const auto* sb = connections.byId(b);
        if (!hasCall(st.conns[b]) || !sb || st.h2Downstream.count(b) || st.h2Upstream.count(b))
            continue;
        const auto route = clientLegsByRoute.find(hostOf(sb->client) + '|' + sb->server);
        if (route == clientLegsByRoute.end())
            continue;
        for (const auto a : route->second) {
            const auto& ca = basicsOf(st.conns[a]);
            if (cb.firstNs >= ca.firstNs && (!ca.closed || cb.firstNs <= ca.closeNs)) {
                st.h2SameProxy[b] = a;
                break;
            }
        }
    }
}

} // namespace

void findH2ProxyHops(FindingsAnalyzer::State& st, const SummaryLookup& connections)
{
    st.h2Upstream.clear();
    st.h2CallResets.clear();
    st.h2Downstream.clear();
    // Upstream candidates by their client's host, in order of their first request.
    std::unordered_map<std::string, std::vector<std::pair<std::int64_t, std::uint32_t>>> byHost;
    // Only connections that sent a request can have a call, taken in id order as before.
    std::vector<std::uint32_t> callConns = st.requestConns;
    std::sort(callConns.begin(), callConns.end());
    callConns.erase(std::unique(callConns.begin(), callConns.end()), callConns.end());
    for (const std::uint32_t b : callConns) {
        const auto* sb = connections.byId(b);
        if (hasCall(st.conns[b]) && sb) {
            const ConnState& cb = *st.conns[b].full;
            byHost[hostOf(sb->client)].push_back({ at(cb, cb.firstReqUs), b });
        }
    }
    if (byHost.empty())
        return;
    for (auto& [h, legs] : byHost)
        std::sort(legs.begin(), legs.end());
    for (const std::uint32_t a : callConns) {
        const auto* sa = connections.byId(a);
        // A CONNECT tunnel or h2c upgrade is a TCP relay after its start (findings_legs.cpp).
        if (!hasCall(st.conns[a]) || !sa || !sa->rare().proxy.empty())
            continue;
        const ConnState& ca = *st.conns[a].full;
        const auto it = byHost.find(hostOf(sa->server));
        if (it == byHost.end())
            continue;
        const auto& legs = it->second;
        const std::int64_t reqA = at(ca, ca.firstReqUs);
        std::optional<std::uint32_t> found;
        std::size_t looked = 0;
        for (auto c = std::lower_bound(legs.begin(), legs.end(), std::pair { reqA, std::uint32_t(0) });
             c != legs.end() && c->first - reqA <= kForwardNs && looked < kMaxCandidates; ++c, ++looked) {
            const std::uint32_t b = c->second;
            const auto* sb = connections.byId(b);
            if (b == a || st.h2Downstream.count(b) || sb->server == sa->server)
                continue;
            // Two client-server pairs that merely started together may fit one way; a hop fits
            // only one way round.
            if (forwardsCall(st.conns[a], st.conns[b]) && !forwardsCall(st.conns[b], st.conns[a])) {
                found = b;
                break;
            }
        }
        if (found) {
            st.h2Upstream[a] = *found;
            st.h2Downstream[*found] = a;
        }
    }
    findSameProxyLegs(st, connections, callConns);
}

void describeH2ProxyHops(FindingsAnalyzer::State& st, const SummaryLookup& connections)
{
    for (const auto& [a, b] : st.h2Upstream) {
        const auto* sb = connections.byId(b);
        const auto* sa = connections.byId(a);
        auto& da = endDetailOf(st, a);
        if (!da.empty() && sb)
            da = da.str() + "; the server side is an HTTP/2-terminating proxy (connection " + std::to_string(b)
                + " carried this connection's first call on to " + sb->server + ")";
        auto& db = endDetailOf(st, b);
        if (!db.empty() && sa)
            db = db.str() + "; the client side is an HTTP/2-terminating proxy (it forwarded connection "
                + std::to_string(a) + "'s first call, from " + sa->client + ")";
    }
    for (const auto& [a, words] : st.h2CallResets) {
        auto& da = endDetailOf(st, a);
        if (!da.empty())
            da = da.str() + words;
    }
    for (const auto& [b, a] : st.h2SameProxy) {
        auto& db = endDetailOf(st, b);
        if (!db.empty())
            db = db.str() + "; the client side is most likely the HTTP/2-terminating proxy of connection "
                + std::to_string(a) + " (from its host to the server it forwarded that connection's first call to)";
    }
}

// The proxy's own GOAWAY NO_ERROR on the client leg: its idle timeout or a limit of its own,
// not the gRPC server's max_connection_idle or max_connection_age.
bool addH2ProxyGoawayFinding(
    FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, const GoawayInfo& g, const SummaryLookup& lookup)
{
    const auto up = st.h2Upstream.find(id);
    if (up == st.h2Upstream.end() || g.dir != Direction::ServerToClient || g.code != 0)
        return false;
    const auto* sb = lookup.byId(up->second);
    // An upstream GOAWAY may be what the proxy passed on: then the server's words apply.
    if (!sb || sb->count(EventType::Goaway) > 0)
        return false;
    st.goawayByH2Proxy.push_back(id);
    Finding f;
    f.conn = id;
    f.severity = Severity::Warning;
    f.evidence.push_back(g.index);
    if (c.closed)
        f.evidence.push_back(c.closeIndex);
    const double idle = toS(g.idleNs), age = toS(g.ageNs);
    const std::string hop = "from the server side of this connection, an HTTP/2-terminating proxy (connection "
        + std::to_string(up->second) + " carried this connection's first call on to " + sb->server
        + ", and no GOAWAY came on it)";
    char buf[400];
    if (g.openStreams == 0) {
        f.id = "proxy-goaway-idle";
        f.figure = idle;
        f.title = "The HTTP/2 proxy closed the idle connection after " + formatDuration(idle)
            + " without RPCs (the proxy's idle timeout, not the gRPC server's)";
        std::snprintf(buf, sizeof buf, "GOAWAY NO_ERROR %s after the last RPC activity, with no RPC in progress, ",
            formatDuration(idle).c_str());
        f.detail = buf + hop
            + ". So the proxy's own idle timeout closed it (haproxy: timeout http-keep-alive, else timeout client; "
              "nginx: keepalive_timeout, http2_idle_timeout before 1.19.7; Envoy: idle_timeout), not the gRPC "
              "server's max_connection_idle.";
        addPingsDidNotKeepItOpen(f, c.side[static_cast<std::size_t>(Direction::ClientToServer)], idle,
            g.clientPingsWithoutCalls, g.clientRecentPings);
        f.suggestion = "Harmless when the client reconnects on demand; to keep idle connections, raise the proxy's "
                       "idle timeout above "
            + formatDuration(idle)
            + " (haproxy timeout http-keep-alive, nginx keepalive_timeout), or send an RPC (a health check) more "
              "often than that. No gRPC keepalive setting helps: the proxy answers the client's PINGs itself.";
    } else {
        f.id = "proxy-goaway";
        f.figure = age;
        f.title = "The HTTP/2 proxy retired the connection at age " + formatDuration(age) + " with "
            + std::to_string(g.openStreams) + " call(s) open (a limit of the proxy's, not the gRPC server's)";
        std::snprintf(buf, sizeof buf, "GOAWAY NO_ERROR (last_stream_id %u) while %zu call(s) were open, %s ",
            g.lastStreamId, g.openStreams, formatDuration(age).c_str());
        f.detail = buf + std::string("after the connection opened, ") + hop
            + ": a limit of the proxy's own, not the gRPC server's max_connection_age.";
        if (g.idleNs <= 50'000'000) {
            std::snprintf(buf, sizeof buf,
                " It came %s after the client's last call began, as a per-connection request limit does (nginx "
                "keepalive_requests, default 1000, http2_max_requests before 1.19.7; Envoy "
                "max_requests_per_connection): this connection's streams up to %u are its %u calls.",
                formatDuration(idle).c_str(), g.lastStreamId, (g.lastStreamId + 1) / 2);
            f.detail += buf;
        }
        f.suggestion = "Normal connection rotation when clients reconnect: the calls up to last_stream_id complete. "
                       "To rotate less often, raise the proxy's per-connection request or age limit (nginx "
                       "keepalive_requests). No gRPC server setting is involved.";
    }
    std::sort(f.evidence.begin(), f.evidence.end());
    f.evidence.erase(std::unique(f.evidence.begin(), f.evidence.end()), f.evidence.end());
    st.findings.push_back(std::move(f));
    return true;
}

// The proxy's FIN, with no GOAWAY, on the client leg with no call open, a while after the last
// call: its idle timeout (nghttpx --frontend-http2-read-timeout closes so, PINGs or not).
bool addH2ProxyCloseFinding(
    FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, const SummaryLookup& lookup)
{
    const auto up = st.h2Upstream.find(id);
    if (up == st.h2Upstream.end() || !c.closed || c.closedByRst || c.closedBy != Direction::ServerToClient
        || c.goawayCount > 0 || !c.openStreams.empty() || c.lastStreamNs < 0)
        return false;
    const double idle = toS(c.closeNs - c.lastStreamNs);
    const auto* sb = lookup.byId(up->second);
    if (idle < 1.0 || !sb)
        return false;
    Finding f;
    f.id = "proxy-idle-close";
    f.conn = id;
    f.severity = Severity::Warning;
    f.figure = idle;
    f.evidence.push_back(c.closeIndex);
    f.title = "The HTTP/2 proxy closed the idle connection " + formatDuration(idle)
        + " after the last RPC, with no GOAWAY (the proxy's idle timeout, not the gRPC server's)";
    f.detail = "FIN with no GOAWAY " + formatDuration(idle)
        + " after the last RPC activity, with no RPC in progress, from the server side of this connection, an "
          "HTTP/2-terminating proxy (connection "
        + std::to_string(up->second) + " carried this connection's first call on to " + sb->server
        + "). So the proxy's own idle timeout closed it (nghttpx: --frontend-http2-read-timeout, default 3 min, which "
          "closes without GOAWAY; haproxy: timeout client; nginx: keepalive_timeout), not the gRPC server.";
    const auto& cs = c.side[static_cast<std::size_t>(Direction::ClientToServer)];
    addPingsDidNotKeepItOpen(f, cs, idle, cs.pingsWithoutCalls, cs.recentPings);
    f.suggestion = "Harmless when the client reconnects on demand; to keep idle connections, raise the proxy's idle "
                   "timeout above "
        + formatDuration(idle)
        + " (nghttpx --frontend-http2-read-timeout, haproxy timeout client, nginx keepalive_timeout), or send an RPC "
          "(a health check) more often than that. No gRPC keepalive setting helps: the proxy answers the client's "
          "PINGs itself.";
    std::sort(f.evidence.begin(), f.evidence.end());
    st.findings.push_back(std::move(f));
    return true;
}

} // namespace ks::core
