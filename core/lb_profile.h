// A middlebox between client and server that closes idle connections: a load balancer, NAT
// gateway or proxy. The catalogue (resources/lb_profiles.json) describes the ones SREs meet; the
// lab's simulator plays one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ks::core {

// What the middlebox does when a connection's idle timer fires.
enum class LbExpiryAction : std::uint8_t { Rst, SilentDrop, Fin, Goaway };
std::string_view lbExpiryActionName(LbExpiryAction action); // "rst", "silent_drop", "fin", "goaway"
std::optional<LbExpiryAction> parseLbExpiryAction(std::string_view name);

struct LbProfile {
    std::string name; // stable id, e.g. "aws-nlb"
    std::string title; // display name, e.g. "AWS Network Load Balancer"
    double idleTimeoutS = 0; // the default idle timeout
    std::optional<double> configurableMinS; // documented configurable range, where there is one
    std::optional<double> configurableMaxS;
    LbExpiryAction onExpiry = LbExpiryAction::Rst;
    std::optional<bool> tcpKeepaliveResetsIdle; // unknown when the documentation does not say
    std::string source; // documentation URL
    std::string notes;
};

} // namespace ks::core
