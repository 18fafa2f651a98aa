// One connection's events as the timeline needs them: per type, sorted times and store indexes,
// and the idle gaps seen under each rule of what counts as activity. Compact: most connections
// of a busy capture carry a handful of events, so a lane keeps them in one run sorted by type
// and time (about 200 bytes a lane, not a kilobyte of empty per-type vectors), and moves to
// per-type vectors once it grows past kSmall events, where inserting in one run would cost.
#pragma once

#include "event_record.h"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
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
    static constexpr std::size_t kSmall = 256; // events kept in one run up to this many

    explicit ConnectionLane(std::uint32_t conn = 0)
        : m_conn(conn)
    {
    }

    void add(const EventRecord& record, std::uint32_t index);

    std::uint32_t conn() const { return m_conn; }
    std::span<const std::int64_t> times(core::EventType type) const;
    std::span<const std::uint32_t> indexes(core::EventType type) const;
    std::int64_t firstNs() const { return m_firstNs; }
    std::int64_t lastNs() const { return m_lastNs; }
    bool closed() const { return m_closed; } // FIN or RST seen
    std::uint64_t count() const { return m_count; }

    // Completed gaps under the policy, in time order. The trailing gap of an open connection
    // (from its last activity to the end of the source) is openGapStartNs(policy).
    const std::vector<IdleGap>& gaps(IdlePolicy policy) const;
    std::int64_t openGapStartNs(IdlePolicy policy) const
    {
        return m_lastActivityNs[static_cast<std::size_t>(policy.index())];
    }

private:
    static std::size_t idx(core::EventType type) { return static_cast<std::size_t>(type); }
    void addToRun(std::size_t type, std::int64_t ns, std::uint32_t index);
    void toPerType();
    void trackGaps(const EventRecord& r);

    struct PerType {
        std::array<std::vector<std::int64_t>, core::kEventTypeCount> times;
        std::array<std::vector<std::uint32_t>, core::kEventTypeCount> indexes;
    };

    // Up to kSmall events: one run sorted by (type, time); type t is [m_start[t], m_start[t + 1]).
    std::vector<std::int64_t> m_times;
    std::vector<std::uint32_t> m_indexes;
    std::array<std::uint16_t, core::kEventTypeCount + 1> m_start {};
    std::unique_ptr<PerType> m_perType; // past kSmall: the run moved here, by type
    std::array<std::int64_t, 4> m_lastActivityNs { INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN };
    std::unique_ptr<std::array<std::vector<IdleGap>, 4>> m_gaps; // allocated with the first gap
    std::int64_t m_firstNs = INT64_MAX;
    std::int64_t m_lastNs = INT64_MIN;
    std::uint64_t m_count = 0;
    std::uint32_t m_conn;
    bool m_closed = false;
};

} // namespace ks::ui
