// Names of load-balancer expiry actions as the catalogue and experiment files spell them.
#include "lb_profile.h"

namespace ks::core {

std::string_view lbExpiryActionName(LbExpiryAction action)
{
    switch (action) {
    case LbExpiryAction::Rst:
        return "rst";
    case LbExpiryAction::SilentDrop:
        return "silent_drop";
    case LbExpiryAction::Fin:
        return "fin";
    case LbExpiryAction::Goaway:
        return "goaway";
    case LbExpiryAction::RstOnNextPacket:
        return "rst_next_packet";
    }
    return "rst";
}

std::string_view lbExpiryActionWords(LbExpiryAction action)
{
    switch (action) {
    case LbExpiryAction::Rst:
        return "RST both ways";
    case LbExpiryAction::SilentDrop:
        return "silent drop";
    case LbExpiryAction::Fin:
        return "FIN";
    case LbExpiryAction::Goaway:
        return "GOAWAY";
    case LbExpiryAction::RstOnNextPacket:
        return "RST on the next packet";
    }
    return "RST both ways";
}

std::optional<LbExpiryAction> parseLbExpiryAction(std::string_view name)
{
    for (auto action : { LbExpiryAction::Rst, LbExpiryAction::SilentDrop, LbExpiryAction::Fin, LbExpiryAction::Goaway,
             LbExpiryAction::RstOnNextPacket })
        if (lbExpiryActionName(action) == name)
            return action;
    if (name == "rst_both_ways")
        return LbExpiryAction::Rst;
    return std::nullopt;
}

} // namespace ks::core
