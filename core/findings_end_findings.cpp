// The end-* findings: for each troubled end that no other rule explains, the title, the detail
// that says how the wire showed it, and the suggestion (docs/FINDINGS.md, "How connections end").
// The end causes themselves are decided in findings_end.cpp.
// endFinding (some 100 lines) is one case per end cause, each its title, detail and advice.
#include "direction.h"
#include "findings_state.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ks::core {

namespace {

// The findings of other rules that already cite an end (keepalive-timeout, peer-not-http2,
// goaway-*, idle-close-without-ping and proxy-idle-close), by connection: one pass over the findings, not one per
// connection.
class CoveringFindings {
public:
    explicit CoveringFindings(const std::vector<Finding>& findings)
    {
        for (const auto& f : findings)
            if (f.conn && kindOf(f.id) >= 0)
                m_seen.emplace_back(*f.conn, kindOf(f.id));
        std::sort(m_seen.begin(), m_seen.end());
    }

    // Whether another rule reports this cause (coveredElsewhere before: one scan per connection).
    bool covers(std::uint32_t id, const EndMark& v) const
    {
        switch (v.cause) {
        case EndCause::TooManyPings:
            return has(id, 0);
        case EndCause::GoawayError:
            return has(id, 1);
        case EndCause::KeepaliveTimeout:
            return has(id, 2) || has(id, 4);
        case EndCause::ClientGaveUp:
            return has(id, 3);
        case EndCause::IdleClose:
        case EndCause::Closed:
            return has(id, 5); // proxy-idle-close: an HTTP/2 proxy's idle timeout
        case EndCause::MaxIdle:
        case EndCause::MaxAge:
        case EndCause::MaxIdleOrAge:
            return true; // goaway-max-connection-*: a server limit, announced with NO_ERROR
        default:
            return false;
        }
    }

private:
    static int kindOf(std::string_view id)
    {
        if (id == "goaway-too-many-pings")
            return 0;
        if (id == "goaway-error")
            return 1;
        if (id == "keepalive-timeout")
            return 2;
        if (id == "idle-close-without-ping")
            return 3;
        if (id == "peer-not-http2")
            return 4;
        if (id == "proxy-idle-close")
            return 5;
        return -1;
    }
    bool has(std::uint32_t id, int kind) const
    {
        return std::binary_search(m_seen.begin(), m_seen.end(), std::pair { id, kind });
    }

    std::vector<std::pair<std::uint32_t, int>> m_seen;
};

Finding endFinding(FindingsAnalyzer::State& st, std::uint32_t id, const EndMark& v)
{
    Finding f;
    f.conn = id;
    f.evidence = endEvidenceOf(st, id).toVector();
    f.figure = v.silenceS;
    f.detail = "How it ended: " + endDetailOf(st, id).str() + ".";
    switch (v.cause) {
    case EndCause::IdleReset:
        f.id = "end-idle-reset";
        f.severity = Severity::Error;
        f.title
            = "Reset after " + formatDuration(v.silenceS) + " of silence, with no GOAWAY: an idle timeout on the path";
        f.detail += v.seen == LbExpiryAction::RstOnNextPacket
            ? " A middlebox that forgets an idle flow and answers the next packet with RST does this (AWS NLB, "
              "AWS NAT gateway toward the inside host): its timer is at most this silence."
            : " gRPC peers send GOAWAY before closing; an RST after exactly this silence is a middlebox's idle timer "
              "firing with RST both ways (Azure Load Balancer with TCP reset on idle, a proxy).";
        f.suggestion
            = "Keep the connection busier than the middlebox's idle timer: client keepalive_time_ms below it with "
              "keepalive_permit_without_calls=1 (see the inferred idle timer finding, or analyze with --lb).";
        break;
    case EndCause::SilentDrop:
        f.id = "end-silent-drop";
        f.severity = Severity::Error;
        f.title = v.silenceS >= 0
            ? "Silently dropped: after " + formatDuration(v.silenceS) + " of silence nothing got through"
            : "Silently dropped: packets went unanswered (retransmitted) until the connection died";
        f.detail += " No answer came back (no HTTP/2 frame, no RST, no FIN): the path dropped the flow without telling "
                    "either side (a load "
                    "balancer or NAT that expires flows silently, or a partition). Only a keepalive detects this.";
        f.suggestion = "Send keepalive PINGs (or TCP keep-alives) more often than the path's idle timeout, and keep "
                       "keepalive_timeout_ms short so a dead path is detected fast.";
        break;
    case EndCause::IdleClose:
        f.id = "end-idle-close";
        f.severity = Severity::Warning;
        // On a proxy's upstream leg the proxy is this connection's client: it sent the FIN.
        f.title = std::string(basicsOf(st.conns[id]).closedBy == Direction::ServerToClient ? "Closed by the server side"
                                                                                           : "Closed by the proxy")
            + " after " + formatDuration(v.silenceS) + " of silence, with no GOAWAY";
        f.detail += " A gRPC server announces its own idle limits with GOAWAY; a bare FIN after a silence is a proxy "
                    "or load "
                    "balancer closing an idle connection, unless the server process closed it without GOAWAY (grpc-go "
                    "1.33's "
                    "Server.Stop sends none; a refused reconnect right after would show that).";
        f.suggestion
            = "Keep traffic more frequent than that idle timeout (keepalive PINGs if the middlebox counts them), or "
              "raise its timeout.";
        break;
    case EndCause::ClientGaveUp: {
        f.id = "end-client-gave-up";
        f.severity = Severity::Warning;
        auto hop = st.h2Downstream.find(id);
        const bool likely = hop == st.h2Downstream.end();
        if (likely)
            hop = st.h2SameProxy.find(id);
        if (hop != (likely ? st.h2SameProxy.end() : st.h2Downstream.end())) {
            // The client here is an HTTP/2-terminating proxy: its own upstream timeout, not a gRPC
            // client's keepalive watchdog, and no gRPC keepalive setting reaches it.
            f.title = std::string(likely ? "Most likely the proxy" : "The proxy")
                + " gave up on this upstream connection after " + formatDuration(v.silenceS < 0 ? 0 : v.silenceS)
                + " of silence (a timeout of the proxy's)";
            f.detail += std::string(likely ? " The client of this connection is most likely an HTTP/2-terminating "
                                             "proxy (from the host and to the server of connection "
                                           : " The client of this connection is an HTTP/2-terminating proxy (it "
                                             "forwarded connection ")
                + std::to_string(likely ? st.h2Upstream[hop->second] : hop->second)
                + (likely ? ", which carried connection " + std::to_string(hop->second) + "'s first call)"
                          : "'s first call)")
                + ": with a call open, its upstream read timeout fits (nginx grpc_read_timeout, default 60 "
                  "s; nghttpx --backend-read-timeout, default 1 min; haproxy timeout server; Envoy's route timeout), "
                  "with none its upstream keepalive timeout. "
                  "gRPC keepalive settings cannot change it: "
                + kH2ProxyPingNote + ".";
            f.suggestion = "Raise the proxy's upstream timeout above the longest silence of a call (a server "
                           "stream's gap between messages), or have the server send a message more often than that.";
            break;
        }
        f.title = "The client gave up on the connection after " + formatDuration(v.silenceS < 0 ? 0 : v.silenceS)
            + " of silence, with no PING on the wire";
        f.detail
            += " Either the client's keepalive watchdog (keepalive_time + keepalive_timeout) ran while its ping policy "
               "held the PING back (gRPC C-core's grpc.http2.max_pings_without_data), or the application closed the "
               "channel; "
               "the wire alone cannot tell which (analyze with --settings: a close at keepalive_time + "
               "keepalive_timeout "
               "is the watchdog). Either way its PINGs had stopped, so no middlebox saw keepalive traffic.";
        f.suggestion = "Client: grpc.http2.max_pings_without_data=0 and keepalive_permit_without_calls=1 (server: "
                       "keepalive_permit_without_calls=1).";
        f.changes = { { SettingSide::Client, "max_pings_without_data", 0, SettingUnit::Count },
            { SettingSide::Client, "keepalive_permit_without_calls", 1, SettingUnit::Boolean },
            { SettingSide::Server, "keepalive_permit_without_calls", 1, SettingUnit::Boolean } };
        break;
    }
    case EndCause::KeepaliveTimeout: // only TCP's: a PING's has its keepalive-timeout finding
        f.id = "tcp-keepalive-timeout";
        f.severity = Severity::Error;
        f.title = std::string("TCP keep-alive timeout: the ") + sideName(basicsOf(st.conns[id]).closedBy)
            + "'s probes got no ACK and its kernel reset the connection";
        f.detail
            += " The RST came from the side that probed, after its probes went unanswered: not a middlebox's idle "
               "timer "
               "but the other host gone or the path black-holing packets (a host that lost power or its network, a "
               "partition, a middlebox that dropped the flow). TCP keep-alive detected it, as it should.";
        f.suggestion
            = "Find what stopped answering. gRPC keepalive PINGs detect the same dead path at the HTTP/2 level, "
              "and also a peer whose kernel still ACKs but whose process no longer answers.";
        break;
    case EndCause::Reset:
        f.id = "end-reset";
        f.severity = Severity::Warning;
        if (v.forgedRst) {
            f.title = "Reset by the path, not by a peer: an RST in the "
                + std::string(sideName(basicsOf(st.conns[id]).closedBy)) + "'s name that it did not send";
            f.detail += " No silence came before it, so no idle timer: a firewall, NAT or load balancer on the path "
                        "rejected the flow (a rule, a state table that lost it, a failover).";
            f.suggestion = "Find the middlebox that answers for this flow (its rules and connection tracking); "
                           "keepalive settings do not prevent a reset that no idle timer caused.";
            break;
        }
        f.title = "Reset without GOAWAY: an abort";
        f.detail += " Not an idle timeout (no silence before it, or the server refused the next connection): a peer "
                    "crashed or aborted, or a proxy passed on a reset.";
        break;
    case EndCause::Closed:
        f.id = "end-closed";
        f.severity = Severity::Warning;
        if (basicsOf(st.conns[id]).closedBy == Direction::ClientToServer) {
            f.title = "The client closed with a call still open";
            f.detail += " A gRPC client cancels its calls (RST_STREAM CANCEL) or waits for them before it closes; a "
                        "bare FIN with a call open is an application that exited or gave up on its own (a deadline "
                        "outside gRPC, such as curl's --max-time, or a process exit).";
            f.suggestion = "Check the client application's own timeouts and exits; a call that must outlive them "
                           "needs a longer deadline or a retry.";
            break;
        }
        f.title = "The server side closed without GOAWAY";
        f.detail
            += " gRPC servers send GOAWAY before closing; a bare FIN is a process exiting, a protocol error (C-core "
               "closes on some without GOAWAY) or a proxy.";
        break;
    default:
        break;
    }
    if (v.framesCut)
        f.title += " (as far as the capture shows: frames are missing from it)";
    if (const auto* s = st.lookup ? st.lookup->byId(id) : nullptr; s && s->rare().rolesGuessed)
        f.title += " (if client and server are as guessed)";
    (void)st;
    return f;
}

// A gRPC client's connection refused by a server that had spoken HTTP/2 on an earlier one.
Finding refusedFinding(FindingsAnalyzer::State& st, std::uint32_t id)
{
    Finding f;
    f.id = "end-refused";
    f.conn = id;
    f.severity = Severity::Warning;
    f.evidence = endEvidenceOf(st, id).toVector();
    const auto* s = st.lookup ? st.lookup->byId(id) : nullptr;
    const auto* earlier = s ? st.lookup->earlierHttp2To(*s) : nullptr;
    const std::string server = s ? s->server : std::string("the server");
    f.title = "Connection refused: nothing listened on " + server + " any more";
    f.detail = "The client's SYN was answered by RST (no SYN-ACK): nothing listened on " + server
        + ", though it had spoken HTTP/2"
        + (earlier ? " on connection #" + std::to_string(earlier->id) + ", "
                    + formatDuration(toS(s->firstNs - earlier->firstNs)) + " earlier"
                   : " earlier")
        + ". The server process had stopped (a shutdown, restart or crash) or its port changed; no keepalive setting "
          "is "
          "involved.";
    f.suggestion = "Find why the server stopped listening (its logs, restarts); clients retry with backoff and reach "
                   "it again once it listens.";
    return f;
}

// Every connection to one server refused at its SYN, two attempts or more and none accepted in
// the capture: nothing listened there at all (a wrong address or port, a server not started),
// which is all a lab run against a wrong target shows. One finding per server, on its first
// attempt; a lone refused SYN (a port scan's) says nothing.
void addNothingListenedFindings(FindingsAnalyzer::State& st)
{
    if (!st.lookup)
        return;
    struct Refused {
        std::uint32_t first = 0;
        std::size_t count = 0;
        std::int64_t firstNs = 0;
        std::int64_t lastNs = 0;
    };
    std::unordered_map<std::string_view, Refused> byServer;
    for (std::uint32_t id = 0; id < st.ends.size(); ++id) {
        const auto& v = st.ends[id];
        const auto* s = v.judged || v.unjudgedReason != UnjudgedReason::Refused ? nullptr : st.lookup->byId(id);
        if (!s)
            continue;
        auto& r = byServer.try_emplace(s->server, Refused { id, 0, s->firstNs, s->firstNs }).first->second;
        ++r.count;
        r.lastNs = std::max(r.lastNs, s->firstNs);
    }
    for (const auto& [server, r] : byServer) {
        if (r.count < 2 || st.lookup->connectionsTo(server) != r.count)
            continue; // one attempt, or the server accepted another connection
        Finding f;
        f.id = "connection-refused";
        f.conn = r.first;
        f.severity = Severity::Warning;
        f.evidence = endEvidenceOf(st, r.first).toVector();
        const std::string where(server);
        f.title = "Every connection to " + where + " was refused (" + std::to_string(r.count)
            + " attempts): nothing listened there";
        f.detail = "All " + std::to_string(r.count) + " connection attempts to " + where + " in the capture, over "
            + formatDuration(toS(r.lastNs - r.firstNs))
            + ", had their SYN answered by RST (no SYN-ACK): nothing listened on that address and port while the "
              "capture ran. No HTTP/2 was spoken, so no keepalive setting is involved.";
        f.suggestion = "Check the target's address and port (a typo, the wrong port, a server not started or "
                       "listening on another address); the client retries with backoff and connects once something "
                       "listens there.";
        st.findings.push_back(std::move(f));
    }
}

} // namespace

void addEndCauseFindings(FindingsAnalyzer::State& st)
{
    const CoveringFindings covering(st.findings);
    // Reserved first: a busy host's end findings (tens of MB) grown by doubling would hold
    // half as much again, and twice that while the vector moves.
    const auto judgedTrouble = [](const EndMark& v) {
        return v.judged ? isTroubledEnd(v.cause) : v.unjudgedReason == UnjudgedReason::RefusedReconnect;
    };
    std::size_t troubled = 0;
    for (std::uint32_t id = 0; id < st.ends.size(); ++id)
        troubled += judgedTrouble(st.ends[id]);
    st.findings.reserve(st.findings.size() + troubled);
    for (std::uint32_t id = 0; id < st.ends.size(); ++id) {
        const auto& v = st.ends[id];
        if (!judgedTrouble(v))
            continue;
        if (!v.judged)
            st.findings.push_back(refusedFinding(st, id));
        else if (!covering.covers(id, v))
            st.findings.push_back(endFinding(st, id, v));
    }
    // A cut mid-call whose RST the path forged (the server went on sending after it): the wire
    // does tell who closed it.
    for (auto& f : st.findings)
        if (f.id == "connection-cut-mid-call" && f.conn && *f.conn < st.ends.size() && st.ends[*f.conn].forgedRst) {
            f.title += ", the RST forged by the path";
            f.detail = "The RST claimed to come from the server's side, but that side went on retransmitting after "
                       "it: the path forged it (a firewall, NAT or load balancer answering for the flow) in the "
                       "middle of a call, not the server. The open calls fail UNAVAILABLE.";
            f.suggestion = "Find the middlebox that answers for this flow (its rules and connection tracking); let "
                           "clients retry.";
        }
    addNothingListenedFindings(st);
}

} // namespace ks::core
