// The table's sort on the worker: std::sort over compact keys, stable by capture order.
#include "event_sort.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace ks::ui {

std::vector<std::uint32_t> sortNumericKeys(
    std::vector<NumericSortKey>& keys, bool descending, const std::atomic<bool>& cancel)
{
    std::sort(keys.begin(), keys.end(), [](const NumericSortKey& a, const NumericSortKey& b) {
        return std::tie(a.primary, a.relNs, a.row) < std::tie(b.primary, b.relNs, b.row);
    });
    std::vector<std::uint32_t> order;
    if (cancel.load())
        return order;
    order.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i)
        order[i] = keys[i].row;
    std::vector<NumericSortKey>().swap(keys);
    if (descending)
        std::reverse(order.begin(), order.end());
    return order;
}

void TextSortKeys::add(std::string_view text, std::uint32_t row)
{
    const std::size_t size = text.size();
    if (m_blocks.empty() || m_used + size > kBlock) {
        m_blocks.push_back(std::make_unique_for_overwrite<char[]>(std::max(kBlock, size)));
        m_used = 0;
    }
    char* at = m_blocks.back().get() + m_used;
    if (size > 0)
        std::memcpy(at, text.data(), size);
    m_used += size;
    m_keys.push_back({ at, static_cast<std::uint32_t>(size), row });
}

std::vector<std::uint32_t> TextSortKeys::sortedRows(bool descending, const std::atomic<bool>& cancel)
{
    std::sort(m_keys.begin(), m_keys.end(), [](const Key& a, const Key& b) {
        const int c = std::string_view(a.text, a.length).compare(std::string_view(b.text, b.length));
        return c < 0 || (c == 0 && a.row < b.row);
    });
    std::vector<std::uint32_t> order;
    if (!cancel.load()) {
        order.reserve(m_keys.size());
        for (const auto& k : m_keys)
            order.push_back(k.row);
        if (descending)
            std::reverse(order.begin(), order.end());
    }
    std::vector<Key>().swap(m_keys);
    m_blocks.clear();
    m_used = 0;
    return order;
}

} // namespace ks::ui
