// The engine's index from a TCP 4-tuple to its current connection: open addressing over 32-bit
// connection ids (about 12 bytes a connection), the endpoints read back from the connections.
#pragma once

#include <cstdint>
#include <vector>

namespace ks::capture {

class FlowTable {
public:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    // The id stored for `hash` whose key matches (same(id) is true), or kNone.
    template <class Same> std::uint32_t find(std::uint64_t hash, Same same) const
    {
        if (m_slots.empty())
            return kNone;
        const std::size_t mask = m_slots.size() - 1;
        for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
            const std::uint32_t slot = m_slots[i];
            if (slot == 0)
                return kNone;
            if (same(slot - 1))
                return slot - 1;
        }
    }

    // Stores id for a key not in the table yet; hashOf(id) gives any stored id's hash (for growth).
    template <class HashOf> void insert(std::uint64_t hash, std::uint32_t id, HashOf hashOf)
    {
        if ((m_count + 1) * 2 > m_slots.size())
            grow(hashOf);
        place(hash, id);
        ++m_count;
    }

    // Points the key that `same` matches at a new id (a new connection on a reused 4-tuple).
    template <class Same> void replace(std::uint64_t hash, Same same, std::uint32_t id)
    {
        const std::size_t mask = m_slots.size() - 1;
        for (std::size_t i = hash & mask; m_slots[i] != 0; i = (i + 1) & mask) {
            if (same(m_slots[i] - 1)) {
                m_slots[i] = id + 1;
                return;
            }
        }
    }

    void clear()
    {
        m_slots = {};
        m_count = 0;
    }

private:
    void place(std::uint64_t hash, std::uint32_t id)
    {
        const std::size_t mask = m_slots.size() - 1;
        std::size_t i = hash & mask;
        while (m_slots[i] != 0)
            i = (i + 1) & mask;
        m_slots[i] = id + 1;
    }

    template <class HashOf> void grow(HashOf hashOf)
    {
        std::vector<std::uint32_t> old(m_slots.empty() ? 64 : m_slots.size() * 2, 0);
        old.swap(m_slots);
        for (const std::uint32_t slot : old)
            if (slot != 0)
                place(hashOf(slot - 1), slot - 1);
    }

    std::vector<std::uint32_t> m_slots; // connection id + 1; 0 is empty
    std::size_t m_count = 0;
};

} // namespace ks::capture
