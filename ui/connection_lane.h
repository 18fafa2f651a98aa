// One connection's events as the timeline needs them: per type, sorted times and store indexes,
// and the idle gaps seen under each rule of what counts as activity.
#pragma once

#include "event_record.h"

#include <array>
#include <cstdint>
#include <vector>

namespace ks::ui {

struct IdleGap {
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
};

// What resets a middlebox's idle timer besides payload: HTTP/2 PINGs (not for AWS ALB or nginx),
// TCP keep-alive probes (AWS NLB, Azure LB). Index into ConnectionLane::gaps.
struct IdlePolicy {
    bool pingsReset = true;
    bool keepalivesReset = true;
    int index() const { return (pingsReset ? 1 : 0) | (keepalivesReset ? 2 : 0); }
};

class ConnectionLane {
public:
    // Gaps shorter than this are not kept; load balancer timeouts are seconds or more.
    static constexpr std::int64_t kMinGapNs = 100'000'000;

    explicit ConnectionLane(std::uint32_t conn = 0)
        : m_conn(conn)
    {
    }

    void add(const EventRecord& record, std::uint32_t index);

    std::uint32_t conn() const { return m_conn; }
    const std::vector<std::int64_t>& times(core::EventType type) const { return m_times[idx(type)]; }
    const std::vector<std::uint32_t>& indexes(core::EventType type) const { return m_indexes[idx(type)]; }
    std::int64_t firstNs() const { return m_firstNs; }
    std::int64_t lastNs() const { return m_lastNs; }
    bool closed() const { return m_closed; } // FIN or RST seen
    std::uint64_t count() const { return m_count; }

    // Completed gaps under the policy, in time order. The trailing gap of an open connection
    // (from its last activity to the end of the source) is openGapStartNs(policy).
    const std::vector<IdleGap>& gaps(IdlePolicy policy) const { return m_gaps[policy.index()].done; }
    std::int64_t openGapStartNs(IdlePolicy policy) const { return m_gaps[policy.index()].lastActivityNs; }

private:
    struct GapTracker {
        std::int64_t lastActivityNs = INT64_MIN;
        std::vector<IdleGap> done;
    };
    static std::size_t idx(core::EventType type) { return static_cast<std::size_t>(type); }

    std::uint32_t m_conn;
    std::array<std::vector<std::int64_t>, core::kEventTypeCount> m_times;
    std::array<std::vector<std::uint32_t>, core::kEventTypeCount> m_indexes;
    std::array<GapTracker, 4> m_gaps;
    std::int64_t m_firstNs = INT64_MAX;
    std::int64_t m_lastNs = INT64_MIN;
    std::uint64_t m_count = 0;
    bool m_closed = false;
};

} // namespace ks::ui
