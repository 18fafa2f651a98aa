// Configuration lint: what is wrong with a set of keepalive settings before any traffic flows,
// against each other, against grpc-go's limits and against the chosen load balancers.
#pragma once

#include "experiment.h"
#include "finding.h"
#include "lb_catalogue.h"

#include <vector>

namespace ks::core {

// target: where the client connects (public addresses get the one-minute rule); may be null.
std::vector<Finding> lintSettings(
    const KeepaliveSettings& settings, const std::vector<LbCatalogueEntry>& profiles, const Target* target);

// Loopback, RFC 1918, link-local, CGNAT, IPv6 ULA, "localhost" and *.internal/*.local/*.svc names.
bool isPrivateAddress(std::string_view hostPort);

} // namespace ks::core
