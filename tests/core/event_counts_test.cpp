// EventCounts keeps small counters inline and widens them all past 255; SharedText shares one copy.
#include "core/connection_summary.h"

#include <gtest/gtest.h>

using namespace ks::core;

TEST(EventCounts, countsPastTheInlineWidthStayExactThroughCopiesAndMoves)
{
    EventCounts counts;
    for (int i = 0; i < 70'000; ++i)
        counts.add(static_cast<std::size_t>(EventType::Data));
    for (int i = 0; i < 255; ++i)
        counts.add(static_cast<std::size_t>(EventType::Ping));
    EXPECT_EQ(counts[static_cast<std::size_t>(EventType::Data)], 70'000u);
    EXPECT_EQ(counts[static_cast<std::size_t>(EventType::Ping)], 255u);
    const EventCounts copy = counts;
    counts.add(static_cast<std::size_t>(EventType::Ping));
    EXPECT_EQ(copy[static_cast<std::size_t>(EventType::Ping)], 255u); // a copy, not shared
    EXPECT_EQ(counts[static_cast<std::size_t>(EventType::Ping)], 256u);
    EventCounts moved = std::move(counts);
    EXPECT_EQ(moved[static_cast<std::size_t>(EventType::Data)], 70'000u);

    EventCounts small;
    for (int i = 0; i < 255; ++i)
        small.add(static_cast<std::size_t>(EventType::Syn));
    EXPECT_EQ(small[static_cast<std::size_t>(EventType::Syn)], 255u);
    small.add(static_cast<std::size_t>(EventType::Syn)); // the widening step itself
    EXPECT_EQ(small[static_cast<std::size_t>(EventType::Syn)], 256u);
    EXPECT_EQ(small[static_cast<std::size_t>(EventType::Fin)], 0u);
}

TEST(SharedText, emptyReadsAsAnEmptyStringAndSharedTextIsOneCopy)
{
    SharedText none;
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.str(), "");
    SharedText text = std::string("closed; not HTTP/2");
    EXPECT_FALSE(text.empty());
    EXPECT_TRUE(text == "closed; not HTTP/2");
    EXPECT_NE(text.find("HTTP/2"), std::string::npos);
    const auto one = std::make_shared<const std::string>("reset");
    EXPECT_EQ(&SharedText::shared(one).str(), &SharedText::shared(one).str());
}
