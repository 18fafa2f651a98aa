// The JSON writer: valid escaping and fixed-point times at capture resolution.
#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
