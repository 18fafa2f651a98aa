// A middlebox between client and server that closes idle connections: a load balancer, NAT
// gateway or proxy. The catalogue (resources/lb_profiles.json) describes the ones SREs meet; the
// lab's simulator plays one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ks::core {

// What the middlebox does when a connection's idle timer fires, as it shows on the wire.
enum class LbExpiryAction : std::uint8_t {
    Rst, // "rst": RST to both sides at expiry (Azure LB with TCP reset on idle, the lab simulator)
    SilentDrop, // "silent_drop": nothing at expiry and nothing after; later packets vanish
    Fin, // "fin": FIN to both sides at expiry
    Goaway, // "goaway": an HTTP/2 GOAWAY, then a close
    RstOnNextPacket, // "rst_next_packet": nothing at expiry; the next packet is answered with RST
};
// "rst", "silent_drop", "fin", "goaway", "rst_next_packet" (the catalogue and experiment files).
std::string_view lbExpiryActionName(LbExpiryAction action);
// Words for findings: "RST both ways", "silent drop", "FIN", "GOAWAY", "RST on the next packet".
std::string_view lbExpiryActionWords(LbExpiryAction action);
// Accepts the names above and "rst_both_ways" for "rst".
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
