// Names of load-balancer expiry actions as the catalogue and experiment files spell them.
#include "lb_profile.h"

namespace ks::core {

std::string_view lbExpiryActionName(LbExpiryAction action)
{
    switch (action) {
    case LbExpiryAction::Rst: return "rst";
    case LbExpiryAction::SilentDrop: return "silent_drop";
    case LbExpiryAction::Fin: return "fin";
    case LbExpiryAction::Goaway: return "goaway";
    }
    return "rst";
}

std::optional<LbExpiryAction> parseLbExpiryAction(std::string_view name)
{
    for (auto action : {LbExpiryAction::Rst, LbExpiryAction::SilentDrop, LbExpiryAction::Fin, LbExpiryAction::Goaway})
        if (lbExpiryActionName(action) == name)
            return action;
    return std::nullopt;
}

} // namespace ks::core
