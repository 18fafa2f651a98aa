// The event table's sort (ui/event_sort.h) without Qt: numeric columns by key, then time, then
// capture order; the details column by text; descending reverses all of it; a cancelled sort
// gives nothing to apply.
#include "ui/event_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using ks::ui::NumericSortKey;
using ks::ui::sortNumericKeys;
using ks::ui::TextSortKeys;

namespace {

const std::atomic<bool> kNotCancelled { false };

} // namespace

TEST(EventSort, numericColumnsOrderByKeyThenTimeThenCaptureOrder)
{
    std::vector<NumericSortKey> keys {
        { 300, 2, 0 },
        { 100, 1, 1 },
        { 100, 2, 2 },
        { 200, 1, 3 },
        { 100, 1, 4 },
        { 50, 3, 5 },
    };
    EXPECT_EQ(sortNumericKeys(keys, false, kNotCancelled), (std::vector<std::uint32_t> { 1, 4, 3, 2, 0, 5 }));
    EXPECT_TRUE(keys.empty()); // the copy is freed once sorted
}

TEST(EventSort, descendingIsTheAscendingOrderReversedTiesIncluded)
{
    std::vector<NumericSortKey> keys { { 100, 1, 0 }, { 100, 1, 1 }, { 100, 0, 2 } };
    auto ascending = keys;
    auto up = sortNumericKeys(ascending, false, kNotCancelled);
    auto down = sortNumericKeys(keys, true, kNotCancelled);
    std::reverse(up.begin(), up.end());
    EXPECT_EQ(down, up);
    EXPECT_EQ(down, (std::vector<std::uint32_t> { 1, 0, 2 }));
}

TEST(EventSort, aCancelledSortHasNoOrderToApply)
{
    const std::atomic<bool> cancelled { true };
    std::vector<NumericSortKey> keys { { 1, 1, 0 }, { 0, 0, 1 } };
    EXPECT_TRUE(sortNumericKeys(keys, false, cancelled).empty());
    TextSortKeys text;
    text.add("b", 0);
    text.add("a", 1);
    EXPECT_TRUE(text.sortedRows(false, cancelled).empty());
}

TEST(EventSort, detailsOrderByTextBytesWithTiesInCaptureOrder)
{
    TextSortKeys keys;
    const std::vector<std::string> texts { "seq=9", "opaque=00000000000000ff", "", "seq=10", "opaque=00000000000000ff",
        "stream=1 path=/a", "grpc-message=\"h\xc3\xa9\"", "grpc-message=\"hz\"" };
    for (std::size_t i = 0; i < texts.size(); ++i)
        keys.add(texts[i], static_cast<std::uint32_t>(i));
    EXPECT_EQ(keys.size(), texts.size());
    // "seq=10" < "seq=9" as text; "é" (U+00E9) after "z" as in code point order.
    EXPECT_EQ(keys.sortedRows(false, kNotCancelled), (std::vector<std::uint32_t> { 2, 7, 6, 1, 4, 3, 0, 5 }));
    EXPECT_EQ(keys.size(), 0u);
}

TEST(EventSort, detailsSortKeepsTextsAcrossBlocksAndLongerThanABlock)
{
    // Enough text for several 4 MB blocks, one row longer than a block: every row keeps its text.
    std::mt19937 random(15);
    TextSortKeys keys;
    std::vector<std::string> texts;
    for (std::uint32_t i = 0; i < 60'000; ++i) {
        texts.push_back("stream=" + std::to_string(random() % 5000) + std::string(random() % 200, 'x'));
        if (i == 30'000)
            texts.back() = std::string(5 << 20, 'a') + "b";
        keys.add(texts.back(), i);
    }
    const auto order = keys.sortedRows(true, kNotCancelled);
    std::vector<std::uint32_t> expected(texts.size());
    std::iota(expected.begin(), expected.end(), 0u);
    std::stable_sort(
        expected.begin(), expected.end(), [&](std::uint32_t a, std::uint32_t b) { return texts[a] < texts[b]; });
    std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(order, expected);
    EXPECT_EQ(order.back(), 30'000u); // "aaa...b" sorts first, so last when descending
}
