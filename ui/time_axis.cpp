// Column bucketing with a galloping search from the current position.
#include "time_axis.h"

#include <algorithm>
#include <cmath>

namespace ks::ui {

std::int64_t TimeAxisMapping::column(std::int64_t ns) const
{
    return static_cast<std::int64_t>(std::floor((static_cast<double>(ns) * 1e-9 - t0) * (x1 - x0) / (t1 - t0)));
}

int TimeAxisMapping::columnCount() const
{
    return static_cast<int>(std::ceil(x1 - x0));
}

std::pair<std::size_t, std::size_t> visibleRange(
    std::span<const std::int64_t> sortedNs, std::int64_t fromNs, std::int64_t toNs)
{
    const auto lo = std::lower_bound(sortedNs.begin(), sortedNs.end(), fromNs);
    const auto hi = std::upper_bound(lo, sortedNs.end(), toNs);
    return { static_cast<std::size_t>(lo - sortedNs.begin()), static_cast<std::size_t>(hi - sortedNs.begin()) };
}

void bucketByColumn(std::span<const std::int64_t> sortedNs, const TimeAxisMapping& m, std::vector<ColumnBucket>& out)
{
    if (!m.valid() || sortedNs.empty())
        return;
    // Widen the search by a nanosecond each side so rounding never drops an edge event.
    const auto fromNs = static_cast<std::int64_t>(std::floor(m.t0 * 1e9)) - 1;
    const auto toNs = static_cast<std::int64_t>(std::ceil(m.t1 * 1e9)) + 1;
    auto [i, end] = visibleRange(sortedNs, fromNs, toNs);
    const std::int64_t columns = m.columnCount();
    while (i < end) {
        const std::int64_t col = m.column(sortedNs[i]);
        if (col < 0 || col >= columns) {
            ++i;
            continue;
        }
        // Gallop: find a bound past this column, then binary search inside the last step.
        std::size_t lo = i + 1;
        std::size_t step = 1;
        std::size_t hi = lo;
        while (hi < end && m.column(sortedNs[hi]) <= col) {
            lo = hi + 1;
            hi = std::min(end, hi + step);
            step *= 2;
        }
        const auto it = std::partition_point(sortedNs.begin() + static_cast<std::ptrdiff_t>(lo),
            sortedNs.begin() + static_cast<std::ptrdiff_t>(hi), [&](std::int64_t ns) { return m.column(ns) <= col; });
        const auto next = static_cast<std::size_t>(it - sortedNs.begin());
        out.push_back({ col, i, next - i });
        i = next;
    }
}

} // namespace ks::ui
