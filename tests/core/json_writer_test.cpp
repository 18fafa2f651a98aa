// The JSON writer: valid escaping and fixed-point times at capture resolution; findings' JSON.
#include "core/finding.h"
#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

using ks::core::JsonWriter;

TEST(JsonWriter, escapesControlCharactersAndQuotes)
{
    std::string out;
    JsonWriter json(out);
    json.beginObject();
    json.key("debug");
    json.value(std::string_view("a\"b\\c\n\x01", 7));
    json.endObject();
    EXPECT_EQ(nlohmann::json::parse(out)["debug"], std::string("a\"b\\c\n\x01"));
}

TEST(JsonWriter, secondsKeepTheCaptureResolution)
{
    std::string us, ns;
    ks::core::appendSeconds(us, 1'234'567'891, 6);
    ks::core::appendSeconds(ns, 1'234'567'891, 9);
    EXPECT_EQ(us, "1.234567");
    EXPECT_EQ(ns, "1.234567891");
    std::string neg;
    ks::core::appendSeconds(neg, -5'000, 9);
    EXPECT_EQ(neg, "-0.000005000");
}

// findingJson writes most findings without nlohmann's document tree; whatever the text (UTF-8 such
// as "µs", control characters, DEL, invalid UTF-8 that the tree replaces), it must write exactly
// what the tree writes.
TEST(FindingJson, theDirectWriterEqualsTheTreeForEveryText)
{
    const std::vector<std::string> texts { "plain ASCII \"quoted\" \\ back", "0 \xc2\xb5s after the last frame",
        "idle \xe2\x86\x92 reset", "emoji \xf0\x9f\x98\x80", "C1 \xc2\x85 control", "DEL \x7f", "bs \b ff \f",
        std::string("nul \0 x", 7), "tab\tnl\ncr\r", "overlong \xc0\x80", "surrogate \xed\xa0\x80",
        "past U+10FFFF \xf4\x90\x80\x80", "cut \xe2\x82", "stray \x80", "ff \xff", "max \xf4\x8f\xbf\xbf" };
    ks::core::Finding f;
    f.id = "end-closed";
    f.conn = 7;
    f.evidence = { 3, 4 };
    f.figure = 1.25;
    f.changes.push_back({ ks::core::SettingSide::Client, "keepalive_time_ms", 50000 });
    std::size_t compared = 0;
    for (const auto& title : texts)
        for (const auto& detail : texts) {
            f.title = title;
            f.detail = detail;
            f.suggestion = detail.size() % 2 ? title : "";
            f.profile = title.size() % 2 ? "aws-alb" : "";
            ASSERT_EQ(ks::core::findingJson(f), ks::core::findingJsonTree(f)) << title << " | " << detail;
            ++compared;
        }
    // Random bytes, biased towards UTF-8 lead and continuation bytes; a fixed seed, a fixed count.
    std::mt19937 random(20261202);
    const unsigned char pool[] = { 'a', ' ', '"', '\\', 0x01, 0x1f, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
        0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
    for (int i = 0; i < 3000; ++i) {
        std::string s(random() % 12, ' ');
        for (auto& c : s)
            c = static_cast<char>(pool[random() % sizeof pool]);
        f.detail = s;
        ASSERT_EQ(ks::core::findingJson(f), ks::core::findingJsonTree(f)) << i;
        ++compared;
    }
    EXPECT_EQ(compared, texts.size() * texts.size() + 3000);
}
