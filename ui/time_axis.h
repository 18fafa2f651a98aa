// Time-to-pixel math of the timeline and the per-pixel-column bucketing that keeps a zoomed-out
// view of a million events as cheap to draw as a zoomed-in one. Plain values, tested alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ks::ui {

// Maps [t0, t1] seconds onto [x0, x1] pixels (left to right).
struct TimeAxisMapping {
    double t0 = 0.0;
    double t1 = 1.0;
    double x0 = 0.0;
    double x1 = 1.0;

    double secondsPerPixel() const { return (t1 - t0) / (x1 - x0); }
    double toPixel(double t) const { return x0 + (t - t0) / secondsPerPixel(); }
    double toSeconds(double x) const { return t0 + (x - x0) * secondsPerPixel(); }
    double toPixelNs(std::int64_t ns) const { return toPixel(static_cast<double>(ns) * 1e-9); }
    // The whole-pixel column (0 = the one starting at x0) that a time falls in.
    std::int64_t column(std::int64_t ns) const;
    int columnCount() const;
    bool valid() const { return t1 > t0 && x1 > x0; }
};

// A run of events falling in one pixel column: times[first .. first + count).
struct ColumnBucket {
    std::int64_t column = 0;
    std::size_t first = 0;
    std::size_t count = 0;
};

// Buckets the visible part of sortedNs (ascending nanoseconds) by pixel column, appending to
// out. Costs O(buckets * log(n / buckets)): a galloping search skips each column's events.
void bucketByColumn(
    std::span<const std::int64_t> sortedNs, const TimeAxisMapping& mapping, std::vector<ColumnBucket>& out);

// Index range [first, last) of sortedNs inside [fromNs, toNs].
std::pair<std::size_t, std::size_t> visibleRange(
    std::span<const std::int64_t> sortedNs, std::int64_t fromNs, std::int64_t toNs);

} // namespace ks::ui
