// A SYN answered by RST is core::refusedAtSyn, the same test `analyze` uses for "refused".
#include "lab_target_finding.h"

#include "core/lab/lab_runner.h"

namespace ks::ui {

std::optional<core::Finding> labTargetRefusedFinding(
    const std::string& target, const std::vector<core::ConnectionSummary>& connections)
{
    std::string host;
    std::uint16_t port = 0;
    if (!core::lab::splitHostPort(target, host, port))
        return std::nullopt;
    const std::string suffix = ':' + std::to_string(port);
    std::size_t tried = 0, refused = 0;
    core::Finding f;
    for (const auto& c : connections) {
        // A SYN still unanswered when the run stopped (the channel's last retry) tried nothing yet.
        if (!c.server.ends_with(suffix) || c.endCause == core::EndCause::Open)
            continue;
        ++tried;
        if (c.endCause != core::EndCause::Reset || !core::refusedAtSyn(c))
            continue;
        if (refused++ == 0)
            f.conn = c.id;
        const auto evidence = c.endEvidence.toVector();
        f.evidence.insert(f.evidence.end(), evidence.begin(), evidence.end());
    }
    if (refused == 0)
        return std::nullopt;
    const std::string counted = std::to_string(refused) + " of " + std::to_string(tried);
    f.id = "lab-target-refused";
    f.severity = refused == tried ? core::Severity::Error : core::Severity::Warning;
    f.title = "The target " + target + " refused "
        + (refused == tried ? "every connection (" + counted + ")" : counted + " connections");
    f.detail = "The channel's SYN to " + target + " was answered by RST (no SYN-ACK) on " + counted
        + " connections in the capture: nothing listened on that port when the channel connected, so no RPC or "
          "keepalive ran on them and no keepalive finding can come from them.";
    f.suggestion = "Check the target's address and port, and that the server is running and listening there; or "
                   "run the lab against its embedded server.";
    return f;
}

} // namespace ks::ui
