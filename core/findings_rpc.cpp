// What the lab's channel saw: failed RPCs, grouped by status and message. A known cause (the
// server's ping policy, a keepalive timeout) is named, so that a lab run without capture
// permission, which has no wire events, still says why its RPCs failed.
#include "findings_state.h"

#include <algorithm>
#include <cctype>

namespace ks::core {

namespace {

constexpr std::size_t kMaxGroups = 32;
constexpr std::size_t kEvidencePerGroup = 5;

bool contains(std::string_view text, std::string_view needle)
{
    const auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != text.end();
}

bool hasFinding(const FindingsAnalyzer::State& st, std::string_view id)
{
    return std::any_of(st.findings.begin(), st.findings.end(), [id](const Finding& f) { return f.id == id; });
}

std::string times(std::uint64_t n)
{
    return n == 1 ? std::string("once") : std::to_string(n) + " times";
}

} // namespace

void onRpc(FindingsAnalyzer::State& st, const Event& e)
{
    if (e.status.empty() || e.status == "OK")
        return;
    if (e.status == "CANCELLED" && contains(e.message, "end of the lab run"))
        return; // the lab cancelled it when it stopped
    auto it = std::find_if(st.rpcFailures.begin(), st.rpcFailures.end(),
        [&](const RpcFailure& g) { return g.status == e.status && g.message == e.message; });
    if (it == st.rpcFailures.end()) {
        if (st.rpcFailures.size() >= kMaxGroups)
            return;
        st.rpcFailures.push_back({ e.status, e.message, e.conn, 0, {} });
        it = st.rpcFailures.end() - 1;
    }
    ++it->count;
    if (it->evidence.size() < kEvidencePerGroup)
        it->evidence.push_back(e.index);
}

void addRpcFindings(FindingsAnalyzer::State& st)
{
    for (const auto& g : st.rpcFailures) {
        Finding f;
        f.conn = g.conn;
        f.evidence = g.evidence;
        const std::string seen
            = "The channel's RPCs failed with " + g.status + " \"" + g.message + "\" " + times(g.count) + ".";
        if (contains(g.message, "too many pings") || contains(g.message, "too_many_pings")) {
            if (hasFinding(st, "goaway-too-many-pings"))
                continue; // the GOAWAY on the wire already says it, with the PING cadence
            f.id = "goaway-too-many-pings";
            f.severity = Severity::Error;
            f.title = "Server refused the client's pings (\"Too many pings\", from the RPC results)";
            f.detail = seen
                + " gRPC reports this when the server closed the connection with GOAWAY ENHANCE_YOUR_CALM "
                  "\"too_many_pings\": the client pinged more often than the server's policy allows "
                  "(min_ping_interval_without_data_ms, 5 min by default; without keepalive_permit_without_calls "
                  "no PING is allowed while no RPC runs). Seen in the RPC results, not on the wire.";
            f.suggestion = "Either slow the client down (client keepalive_time_ms at or above the server's "
                           "min_ping_interval_without_data_ms), or let the server accept the pings (lower its "
                           "min_ping_interval_without_data_ms; keepalive_permit_without_calls=1 for idle connections).";
        } else if (contains(g.message, "keepalive")
            && (contains(g.message, "timeout") || contains(g.message, "watchdog"))) {
            if (hasFinding(st, "keepalive-timeout"))
                continue;
            f.id = "keepalive-timeout";
            f.severity = Severity::Error;
            f.title = "The channel's keepalive PING went unanswered (from the RPC results)";
            f.detail = seen
                + " gRPC reports this when a keepalive PING got no ACK within keepalive_timeout_ms: the "
                  "path or the peer stopped delivering packets. Seen in the RPC results, not on the wire.";
            f.suggestion = "Find what black-holed the connection; keep client keepalive_time_ms below the idle "
                           "timeout of any load balancer or NAT in the path.";
        } else {
            f.id = "rpc-failed";
            f.severity = g.status == "UNAVAILABLE" || g.status == "INTERNAL" ? Severity::Warning : Severity::Info;
            f.title = "RPCs failed: " + g.status + (g.message.empty() ? std::string() : " \"" + g.message + "\"");
            f.detail = seen;
        }
        st.findings.push_back(std::move(f));
    }
}

} // namespace ks::core
