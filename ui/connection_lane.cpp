// Per-connection indexes and idle gap bookkeeping, updated as events arrive.
#include "connection_lane.h"

#include <algorithm>

namespace ks::ui {

std::span<const std::int64_t> ConnectionLane::times(core::EventType type) const
{
    const std::size_t t = idx(type);
    if (m_perType)
        return m_perType->times[t];
    return std::span<const std::int64_t>(m_times).subspan(m_start[t], m_start[t + 1] - m_start[t]);
}

std::span<const std::uint32_t> ConnectionLane::indexes(core::EventType type) const
{
    const std::size_t t = idx(type);
    if (m_perType)
        return m_perType->indexes[t];
    return std::span<const std::uint32_t>(m_indexes).subspan(m_start[t], m_start[t + 1] - m_start[t]);
}

const std::vector<IdleGap>& ConnectionLane::gaps(IdlePolicy policy) const
{
    static const std::vector<IdleGap> none;
    return m_gaps ? (*m_gaps)[static_cast<std::size_t>(policy.index())] : none;
}

void ConnectionLane::addToRun(std::size_t t, std::int64_t ns, std::uint32_t index)
{
    // Reassembly can deliver a frame a little after a later packet's event: keep time order.
    const auto begin = m_times.begin() + m_start[t], end = m_times.begin() + m_start[t + 1];
    const auto at = (begin == end || *(end - 1) <= ns) ? end : std::upper_bound(begin, end, ns);
    const auto pos = at - m_times.begin();
    m_times.insert(at, ns);
    m_indexes.insert(m_indexes.begin() + pos, index);
    for (std::size_t u = t + 1; u < m_start.size(); ++u)
        ++m_start[u];
}

void ConnectionLane::toPerType()
{
    m_perType = std::make_unique<PerType>();
    for (std::size_t t = 0; t < core::kEventTypeCount; ++t) {
        m_perType->times[t].assign(m_times.begin() + m_start[t], m_times.begin() + m_start[t + 1]);
        m_perType->indexes[t].assign(m_indexes.begin() + m_start[t], m_indexes.begin() + m_start[t + 1]);
    }
    m_times = {};
    m_indexes = {};
    m_start = {};
}

void ConnectionLane::add(const EventRecord& r, std::uint32_t index)
{
    using core::EventType;
    const std::size_t t = idx(r.type);
    if (!m_perType && m_times.size() >= kSmall)
        toPerType();
    if (m_perType) {
        auto& times = m_perType->times[t];
        auto& indexes = m_perType->indexes[t];
        if (times.empty() || times.back() <= r.relNs) {
            times.push_back(r.relNs);
            indexes.push_back(index);
        } else {
            const auto at = std::upper_bound(times.begin(), times.end(), r.relNs) - times.begin();
            times.insert(times.begin() + at, r.relNs);
            indexes.insert(indexes.begin() + at, index);
        }
    } else {
        addToRun(t, r.relNs, index);
    }
    m_firstNs = std::min(m_firstNs, r.relNs);
    m_lastNs = std::max(m_lastNs, r.relNs);
    ++m_count;
    if (r.type == EventType::Fin || r.type == EventType::Rst)
        m_closed = true;
    trackGaps(r);
}

void ConnectionLane::trackGaps(const EventRecord& r)
{
    using core::EventType;
    // Lab events (channel state, RPC results) are not on the wire; a middlebox never sees them.
    if (r.type == EventType::ChannelState || r.type == EventType::Rpc)
        return;
    const bool isPing = r.type == EventType::Ping || r.type == EventType::PingAck;
    const bool isKeepalive = r.type == EventType::TcpKeepalive || r.type == EventType::TcpKeepaliveAck;
    for (std::size_t p = 0; p < 4; ++p) {
        const bool pingsReset = p & 1;
        const bool keepalivesReset = p & 2;
        if ((isPing && !pingsReset) || (isKeepalive && !keepalivesReset))
            continue;
        std::int64_t& last = m_lastActivityNs[p];
        if (last != INT64_MIN && r.relNs - last >= kMinGapNs) {
            if (!m_gaps)
                m_gaps = std::make_unique<std::array<std::vector<IdleGap>, 4>>();
            (*m_gaps)[p].push_back({ last, r.relNs });
        }
        last = std::max(last, r.relNs);
    }
}

} // namespace ks::ui
