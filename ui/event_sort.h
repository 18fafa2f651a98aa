// The event table's sort as plain values, without Qt: the keys the GUI thread copies from the
// store, and the worker's sort that turns them into the rows' display order. Tested alone
// (tests/ui/event_sort_test.cpp); EventFilterProxy schedules it and applies the result.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace ks::ui {

// A numeric column's key for one row (conn, dir, type; 0 for the time column).
struct NumericSortKey {
    std::int64_t relNs = 0;
    std::uint32_t primary = 0;
    std::uint32_t row = 0; // store index
};

// Rows ordered by primary, then time, then capture order; descending reverses the whole order
// (ties too, as a table's header click does). Empty when cancel was set meanwhile. Frees keys.
std::vector<std::uint32_t> sortNumericKeys(
    std::vector<NumericSortKey>& keys, bool descending, const std::atomic<bool>& cancel);

// Rows ordered by a text per row (the details column), ties in capture order. The texts are kept
// as UTF-8 in 4 MB blocks with a 16-byte key per row: a QString per row (3.5M of them) peaked at
// 938 MB. UTF-8 byte order is code point order, which is QString's order for the text the details
// column holds (no characters outside the Basic Multilingual Plane).
class TextSortKeys {
public:
    void reserve(std::size_t rows) { m_keys.reserve(rows); }
    void add(std::string_view text, std::uint32_t row);
    std::size_t size() const { return m_keys.size(); }
    // Empty when cancel was set meanwhile. Frees the texts.
    std::vector<std::uint32_t> sortedRows(bool descending, const std::atomic<bool>& cancel);

private:
    struct Key {
        const char* text;
        std::uint32_t length;
        std::uint32_t row;
    };
    static constexpr std::size_t kBlock = 4 << 20;
    std::vector<std::unique_ptr<char[]>> m_blocks;
    std::size_t m_used = 0; // bytes used in the last block
    std::vector<Key> m_keys;
};

} // namespace ks::ui
