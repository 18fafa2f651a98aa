// Runtime faults of the load-balancer simulator, applied on its event loop.
#include "lb_commands.h"

#include <algorithm>

namespace ks::core::lab {

std::string applyLbCommand(const LbCommand& c, LbFaults& faults, bool& resetAll)
{
    resetAll = false;
    switch (c.kind) {
    case LbCommand::Blackhole:
        faults.blackhole = c.value != 0;
        return faults.blackhole ? "fault: blackhole on (nothing is forwarded either way; bytes wait in the sockets)"
                                : "fault: blackhole off (what waited is forwarded now)";
    case LbCommand::Latency:
        faults.latencyNs = std::max<std::int64_t>(0, c.value) * 1'000'000;
        return "fault: added latency " + std::to_string(c.value) + " ms each way";
    case LbCommand::Bandwidth:
        faults.bandwidth = std::max<std::int64_t>(0, c.value);
        return c.value > 0 ? "fault: bandwidth limited to " + std::to_string(c.value) + " bytes/s each way"
                           : "fault: bandwidth unlimited";
    case LbCommand::Loss: {
        faults.lossShare = std::clamp(double(c.value) / 10000.0, 0.0, 0.5);
        const int tenths = static_cast<int>(faults.lossShare * 1000.0 + 0.5);
        return "fault: " + std::to_string(tenths / 10) + "." + std::to_string(tenths % 10)
            + " % of segments lost (each held until its retransmission)";
    }
    case LbCommand::Reset:
        resetAll = true;
        return "fault: reset now";
    }
    return {};
}

void LbCommandQueue::post(LbCommand command)
{
    std::lock_guard lock(m_mutex);
    m_commands.push_back(command);
}

std::vector<LbCommand> LbCommandQueue::take()
{
    std::vector<LbCommand> out;
    std::lock_guard lock(m_mutex);
    out.swap(m_commands);
    return out;
}

} // namespace ks::core::lab
