// The lab against a target of the user's that refuses the channel's connections (nothing listens
// on its port): said as a finding, since no keepalive finding can come from connections that never
// opened. The window's own (the command line's lab and analyze are unchanged).
#pragma once

#include "core/connection_summary.h"
#include "core/finding.h"

#include <optional>
#include <string>
#include <vector>

namespace ks::ui {

// target: the lab's "host:port"; connections: judged (endCause written by the analyzer).
// Empty when no connection to the target's port was refused at its SYN.
std::optional<core::Finding> labTargetRefusedFinding(
    const std::string& target, const std::vector<core::ConnectionSummary>& connections);

} // namespace ks::ui
