// Per-connection indexes and idle gap bookkeeping, updated as events arrive.
#include "connection_lane.h"

#include <algorithm>

namespace ks::ui {

void ConnectionLane::add(const EventRecord& r, std::uint32_t index)
{
    using core::EventType;
    auto& times = m_times[idx(r.type)];
    auto& indexes = m_indexes[idx(r.type)];
    if (times.empty() || times.back() <= r.relNs) {
        times.push_back(r.relNs);
        indexes.push_back(index);
    } else {
        // Reassembly can deliver a frame a little after a later packet's event: keep order.
        const auto at = std::upper_bound(times.begin(), times.end(), r.relNs) - times.begin();
        times.insert(times.begin() + at, r.relNs);
        indexes.insert(indexes.begin() + at, index);
    }
    m_firstNs = std::min(m_firstNs, r.relNs);
    m_lastNs = std::max(m_lastNs, r.relNs);
    ++m_count;
    if (r.type == EventType::Fin || r.type == EventType::Rst)
        m_closed = true;

    // Lab events (channel state, RPC results) are not on the wire; a middlebox never sees them.
    if (r.type == EventType::ChannelState || r.type == EventType::Rpc)
        return;
    const bool isPing = r.type == EventType::Ping || r.type == EventType::PingAck;
    const bool isKeepalive = r.type == EventType::TcpKeepalive || r.type == EventType::TcpKeepaliveAck;
    for (int p = 0; p < 4; ++p) {
        const bool pingsReset = p & 1;
        const bool keepalivesReset = p & 2;
        if ((isPing && !pingsReset) || (isKeepalive && !keepalivesReset))
            continue;
        auto& g = m_gaps[static_cast<std::size_t>(p)];
        if (g.lastActivityNs != INT64_MIN && r.relNs - g.lastActivityNs >= kMinGapNs)
            g.done.push_back({ g.lastActivityNs, r.relNs });
        g.lastActivityNs = std::max(g.lastActivityNs, r.relNs);
    }
}

} // namespace ks::ui
