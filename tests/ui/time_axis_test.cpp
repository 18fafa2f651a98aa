// The timeline's time-to-pixel math and per-column bucketing (ui/time_axis.h), as plain values:
// a zoomed-out view of many events draws one mark per pixel column and loses none in view.
#include "ui/time_axis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using ks::ui::bucketByColumn;
using ks::ui::ColumnBucket;
using ks::ui::TimeAxisMapping;
using ks::ui::visibleRange;

namespace {

// What bucketByColumn promises, the slow way: every event inside [t0, t1] (a nanosecond of
// slack each side for rounding) whose column lies in [0, columns), runs of one column in time
// order. A fractional last column reaches past t1: events there are out of view.
std::vector<ColumnBucket> bucketsOneByOne(const std::vector<std::int64_t>& ns, const TimeAxisMapping& m)
{
    const auto fromNs = static_cast<std::int64_t>(std::floor(m.t0 * 1e9)) - 1;
    const auto toNs = static_cast<std::int64_t>(std::ceil(m.t1 * 1e9)) + 1;
    std::vector<ColumnBucket> out;
    for (std::size_t i = 0; i < ns.size(); ++i) {
        const auto col = m.column(ns[i]);
        if (col < 0 || col >= m.columnCount() || ns[i] < fromNs || ns[i] > toNs)
            continue;
        if (!out.empty() && out.back().column == col && out.back().first + out.back().count == i)
            ++out.back().count;
        else
            out.push_back({ col, i, 1 });
    }
    return out;
}

void expectSameBuckets(const std::vector<ColumnBucket>& got, const std::vector<ColumnBucket>& want)
{
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].column, want[i].column) << "bucket " << i;
        EXPECT_EQ(got[i].first, want[i].first) << "bucket " << i;
        EXPECT_EQ(got[i].count, want[i].count) << "bucket " << i;
    }
}

} // namespace

TEST(TimeAxisMapping, mapsSecondsToPixelsAndBack)
{
    const TimeAxisMapping m { 10.0, 20.0, 100.0, 600.0 }; // 10 s over 500 px
    EXPECT_DOUBLE_EQ(m.secondsPerPixel(), 0.02);
    EXPECT_DOUBLE_EQ(m.toPixel(10.0), 100.0);
    EXPECT_DOUBLE_EQ(m.toPixel(20.0), 600.0);
    EXPECT_DOUBLE_EQ(m.toPixel(15.0), 350.0);
    EXPECT_DOUBLE_EQ(m.toPixel(5.0), -150.0); // before the view: left of x0, not clamped
    EXPECT_DOUBLE_EQ(m.toSeconds(350.0), 15.0);
    EXPECT_DOUBLE_EQ(m.toPixelNs(12'500'000'000), 225.0);
    for (double t = 9.0; t < 21.0; t += 0.37)
        EXPECT_NEAR(m.toSeconds(m.toPixel(t)), t, 1e-9);
}

TEST(TimeAxisMapping, columnsAreWholePixelsFromTheLeftEdge)
{
    const TimeAxisMapping m { 0.0, 1.0, 0.0, 100.0 }; // 10 ms a column
    EXPECT_EQ(m.columnCount(), 100);
    EXPECT_EQ(m.column(0), 0);
    EXPECT_EQ(m.column(9'999'999), 0);
    EXPECT_EQ(m.column(10'000'000), 1);
    EXPECT_EQ(m.column(999'999'999), 99);
    EXPECT_EQ(m.column(1'000'000'000), 100); // the right edge is past the last column
    EXPECT_EQ(m.column(-1), -1);
    const TimeAxisMapping fractional { 0.0, 1.0, 0.0, 99.5 };
    EXPECT_EQ(fractional.columnCount(), 100); // a partly visible column still counts
}

TEST(TimeAxisMapping, emptyOrReversedRangesAreInvalid)
{
    EXPECT_TRUE((TimeAxisMapping { 0.0, 1.0, 0.0, 1.0 }).valid());
    EXPECT_FALSE((TimeAxisMapping { 1.0, 1.0, 0.0, 100.0 }).valid());
    EXPECT_FALSE((TimeAxisMapping { 2.0, 1.0, 0.0, 100.0 }).valid());
    EXPECT_FALSE((TimeAxisMapping { 0.0, 1.0, 50.0, 50.0 }).valid());
}

TEST(VisibleRange, isTheIndexRangeInsideBothBounds)
{
    const std::vector<std::int64_t> ns { 1, 5, 5, 9, 12, 20 };
    EXPECT_EQ(visibleRange(ns, 5, 12), std::make_pair(std::size_t { 1 }, std::size_t { 5 }));
    EXPECT_EQ(visibleRange(ns, 0, 0), std::make_pair(std::size_t { 0 }, std::size_t { 0 }));
    EXPECT_EQ(visibleRange(ns, 21, 30), std::make_pair(std::size_t { 6 }, std::size_t { 6 }));
    EXPECT_EQ(visibleRange(ns, 0, 100), std::make_pair(std::size_t { 0 }, std::size_t { 6 }));
    EXPECT_EQ(visibleRange({}, 0, 100), std::make_pair(std::size_t { 0 }, std::size_t { 0 }));
}

TEST(BucketByColumn, groupsRunsOfOneColumnAndSkipsEventsOutOfView)
{
    const TimeAxisMapping m { 1.0, 2.0, 0.0, 10.0 }; // 100 ms a column
    const std::vector<std::int64_t> ns { 500'000'000, 1'000'000'000, 1'010'000'000, 1'099'999'999, 1'100'000'000,
        1'950'000'000, 1'999'999'999, 2'000'000'000, 3'000'000'000 };
    std::vector<ColumnBucket> out;
    bucketByColumn(ns, m, out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].column, 0); // the event at t0 is in view
    EXPECT_EQ(out[0].first, 1u);
    EXPECT_EQ(out[0].count, 3u);
    EXPECT_EQ(out[1].column, 1);
    EXPECT_EQ(out[1].count, 1u);
    EXPECT_EQ(out[2].column, 9);
    EXPECT_EQ(out[2].first, 5u);
    EXPECT_EQ(out[2].count, 2u);
    expectSameBuckets(out, bucketsOneByOne(ns, m));
}

TEST(BucketByColumn, appendsAndLeavesNothingForAnEmptyOrInvalidView)
{
    std::vector<ColumnBucket> out { { 7, 0, 1 } };
    bucketByColumn({}, TimeAxisMapping { 0.0, 1.0, 0.0, 10.0 }, out);
    const std::vector<std::int64_t> ns { 100, 200 };
    bucketByColumn(ns, TimeAxisMapping { 1.0, 1.0, 0.0, 10.0 }, out);
    ASSERT_EQ(out.size(), 1u);
    bucketByColumn(ns, TimeAxisMapping { 0.0, 1.0, 0.0, 10.0 }, out);
    ASSERT_EQ(out.size(), 2u); // the earlier bucket stays; both events share column 0
    EXPECT_EQ(out[1].count, 2u);
}

TEST(BucketByColumn, matchesTheOneByOneBucketingAtEveryZoom)
{
    // Bursts and gaps, as a capture has them: many events per column zoomed out, one or none
    // zoomed in, and views that start and end between events.
    std::mt19937_64 random(2026);
    std::vector<std::int64_t> ns;
    std::int64_t t = 0;
    for (int i = 0; i < 200'000; ++i) {
        t += (random() % 50 == 0) ? static_cast<std::int64_t>(random() % 2'000'000'000)
                                  : static_cast<std::int64_t>(random() % 20'000);
        ns.push_back(t);
    }
    const double end = static_cast<double>(t) * 1e-9;
    for (const double fraction : { 1.0, 0.5, 0.01, 0.0001, 1e-7 }) {
        for (int k = 0; k < 5; ++k) {
            const double t0 = end * (static_cast<double>(random() % 1000) / 1000.0) * (1.0 - fraction) - 0.5;
            const TimeAxisMapping m { t0, t0 + end * fraction + 1e-9, 30.0,
                30.0 + 800.0 + static_cast<double>(k) * 0.3 };
            std::vector<ColumnBucket> out;
            bucketByColumn(ns, m, out);
            expectSameBuckets(out, bucketsOneByOne(ns, m));
            EXPECT_LE(out.size(), static_cast<std::size_t>(m.columnCount()));
        }
    }
    // The whole capture in view: every event drawn, in at most one bucket per column.
    std::vector<ColumnBucket> out;
    bucketByColumn(ns, TimeAxisMapping { -0.5, end + 0.5, 0.0, 800.0 }, out);
    std::size_t shown = 0;
    for (const auto& b : out)
        shown += b.count;
    EXPECT_EQ(shown, ns.size());
    EXPECT_LE(out.size(), 800u);
}
