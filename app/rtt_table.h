// The text view's PING round-trip figures per connection (min/avg/max in its connection blocks),
// in one open-addressing block: a hash node per connection with a PING had been interleaved with
// the analyzer's per-connection state, and those nodes kept freed pages resident through the end
// (12 MB of the text view's peak on a million connections, 1 in 20 with a PING).
#pragma once

#include <cstdint>
#include <vector>

namespace ks::app {

struct RttStats {
    std::uint64_t count = 0;
    double min = 0, max = 0, sum = 0;
};

class RttTable {
public:
    // The connection's figures, made (zero) on first use.
    RttStats& operator[](std::uint32_t conn)
    {
        if (2 * (m_used + 1) > m_slots.size())
            grow();
        Slot& slot = m_slots[probe(m_slots, conn)];
        if (!slot.used) {
            slot.used = true;
            slot.conn = conn;
            ++m_used;
        }
        return slot.stats;
    }
    // Null when the connection had no round trip.
    const RttStats* find(std::uint32_t conn) const
    {
        if (m_slots.empty())
            return nullptr;
        const Slot& slot = m_slots[probe(m_slots, conn)];
        return slot.used ? &slot.stats : nullptr;
    }

private:
    struct Slot {
        std::uint32_t conn = 0;
        bool used = false;
        RttStats stats;
    };
    // The slot holding conn, or the empty one where it goes (linear probing; never full: the
    // table is kept at most half full).
    static std::size_t probe(const std::vector<Slot>& slots, std::uint32_t conn)
    {
        const std::size_t mask = slots.size() - 1;
        std::size_t i = ((conn * std::size_t(0x9E3779B97F4A7C15ULL)) >> 20) & mask;
        while (slots[i].used && slots[i].conn != conn)
            i = (i + 1) & mask;
        return i;
    }
    void grow()
    {
        std::vector<Slot> bigger(m_slots.empty() ? 1024 : 2 * m_slots.size());
        for (const Slot& s : m_slots)
            if (s.used)
                bigger[probe(bigger, s.conn)] = s;
        m_slots.swap(bigger);
    }

    std::vector<Slot> m_slots; // a power of two in size
    std::size_t m_used = 0;
};

} // namespace ks::app
