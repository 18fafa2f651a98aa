// The event output's number formatting must print exactly what std::to_chars prints: for the
// boundaries of every digit count, for random values, and for the halves where rounding is
// decided by the binary value (where formatFixed hands over to std::to_chars).
#include "core/finding.h"
#include "core/number_cache.h"
#include "core/number_format.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace ks::core;

namespace {

std::string viaToChars(std::uint64_t v)
{
    char buf[32];
    return { buf, std::to_chars(buf, buf + sizeof buf, v).ptr };
}
std::string viaToChars(std::int64_t v)
{
    char buf[32];
    return { buf, std::to_chars(buf, buf + sizeof buf, v).ptr };
}
std::string viaToChars(double v, int decimals)
{
    char buf[400];
    return { buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals).ptr };
}
std::string unsignedText(std::uint64_t v)
{
    char buf[32];
    return { buf, formatUnsigned(buf, v) };
}
std::string signedText(std::int64_t v)
{
    char buf[32];
    return { buf, formatSigned(buf, v) };
}
std::string fixedText(double v, int decimals)
{
    char buf[400];
    return { buf, formatFixed(buf, v, decimals) };
}

} // namespace

TEST(NumberFormat, integersAtEveryDigitCountBoundaryMatchToChars)
{
    std::vector<std::uint64_t> values { 0, 1, 9, 10, 11, 99, 100, 101, std::numeric_limits<std::uint64_t>::max() };
    for (std::uint64_t p = 10; p <= 1'000'000'000'000'000'000ull; p *= 10) {
        values.push_back(p - 1);
        values.push_back(p);
        values.push_back(p + 1);
    }
    values.push_back(10'000'000'000'000'000'000ull);
    values.push_back(10'000'000'000'000'000'000ull - 1);
    for (auto v : values)
        EXPECT_EQ(unsignedText(v), viaToChars(v)) << v;
    for (std::int64_t v : { std::int64_t { 0 }, std::int64_t { -1 }, std::int64_t { -10 }, std::int64_t { -99 },
             std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max() })
        EXPECT_EQ(signedText(v), viaToChars(v)) << v;
}

TEST(NumberFormat, randomIntegersMatchToChars)
{
    std::mt19937_64 rng(42);
    for (int i = 0; i < 200'000; ++i) {
        const std::uint64_t v = rng() >> (rng() % 64);
        ASSERT_EQ(unsignedText(v), viaToChars(v)) << v;
        const auto s = static_cast<std::int64_t>(rng()) >> (rng() % 64);
        ASSERT_EQ(signedText(s), viaToChars(s)) << s;
    }
}

TEST(NumberFormat, hexIsSixteenLowerCaseDigits)
{
    char buf[16];
    EXPECT_EQ(std::string(buf, formatHex64(buf, 0)), "0000000000000000");
    EXPECT_EQ(std::string(buf, formatHex64(buf, 0x02041010090e0707ull)), "02041010090e0707");
    EXPECT_EQ(std::string(buf, formatHex64(buf, ~0ull)), "ffffffffffffffff");
}

TEST(NumberFormat, fixedPointMatchesToCharsForRandomRttsAndDurations)
{
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> ms(0.0, 5000.0);
    for (int i = 0; i < 200'000; ++i) {
        const int decimals = static_cast<int>(rng() % 10);
        const double v = i % 2 ? ms(rng) : ms(rng) / 1000.0;
        ASSERT_EQ(fixedText(v, decimals), viaToChars(v, decimals)) << v << " " << decimals;
        ASSERT_EQ(fixedText(-v, decimals), viaToChars(-v, decimals)) << -v << " " << decimals;
    }
    // RTTs as the engine computes them: nanosecond differences over 1e6, printed with 3 decimals.
    for (std::int64_t ns = 0; ns < 3'000'000; ns += 37)
        ASSERT_EQ(fixedText(static_cast<double>(ns) / 1e6, 3), viaToChars(static_cast<double>(ns) / 1e6, 3)) << ns;
}

TEST(NumberFormat, fixedPointHalvesNegativeZeroAndHugeValuesMatchToChars)
{
    const std::vector<double> values { 0.0, -0.0, 0.5, 1.5, 2.5, 0.0005, 0.0015, 0.0025, 1.0005, 2.675, -2.675, 0.125,
        0.375, -0.0004, 999999.9995, 1e8, 1e9, 1e12, 1e30, -1e30, std::numeric_limits<double>::min(),
        std::numeric_limits<double>::denorm_min() };
    for (double v : values)
        for (int decimals = 0; decimals <= 9; ++decimals)
            EXPECT_EQ(fixedText(v, decimals), viaToChars(v, decimals)) << v << " " << decimals;
}

TEST(NumberFormat, magnitudesTooLongForFixedPointComeOutShortAndExact)
{
    for (double v : { 1e40, -1e300, std::numeric_limits<double>::max(), -std::numeric_limits<double>::max() }) {
        const auto text = fixedText(v, 9);
        EXPECT_LE(text.size(), 64u) << text;
        EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
    }
}

TEST(NumberFormat, secondsMatchAPlainRenderingAcrossTheWholeSecondsCache)
{
    // The reference: whole seconds, a point, the fraction truncated to `decimals` digits.
    const auto reference = [](std::int64_t ns, int decimals) {
        const std::uint64_t magnitude = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
        std::string out = (ns < 0 ? "-" : "") + std::to_string(magnitude / 1'000'000'000);
        if (decimals > 0) {
            std::string frac = std::to_string(magnitude % 1'000'000'000);
            frac.insert(0, 9 - frac.size(), '0');
            out += "." + frac.substr(0, static_cast<std::size_t>(decimals));
        }
        return out;
    };
    std::mt19937_64 rng(3);
    const std::int64_t epoch = 1'795'425'191'523'158'000;
    for (int i = 0; i < 100'000; ++i) {
        const int decimals = i % 3 == 0 ? 9 : (i % 3 == 1 ? 6 : static_cast<int>(rng() % 10));
        // Alternating relative and epoch times, as the event output calls it, with the whole
        // seconds sometimes repeating (cache hits) and sometimes not.
        const std::int64_t rel
            = static_cast<std::int64_t>(rng() % 5'000'000'000ull) - (i % 17 == 0 ? 2'000'000'000 : 0);
        for (const std::int64_t ns : { rel, epoch + rel }) {
            char buf[40];
            ASSERT_EQ(std::string(buf, formatSeconds(buf, ns, decimals)), reference(ns, decimals))
                << ns << " " << decimals;
        }
    }
}

TEST(NumberFormat, aCounterPrintsWhatFormatUnsignedPrintsAcrossCarriesAndJumps)
{
    DecimalCounter counter;
    char buf[32];
    char ref[32];
    const auto check = [&](std::uint64_t v) {
        ASSERT_EQ(std::string(buf, counter.write(buf, v)), std::string(ref, formatUnsigned(ref, v))) << v;
    };
    for (std::uint64_t v = 0; v < 100'500; ++v) // every carry up to 6 digits, one by one
        check(v);
    check(7); // going back: printed afresh
    for (std::uint64_t v = 999'999'990; v < 1'000'000'010; ++v)
        check(v);
    for (std::uint64_t v = std::numeric_limits<std::uint64_t>::max() - 5; v != 0; ++v) // up to the last value
        check(v);
    check(0); // after the largest value, 0 is printed afresh (no wrap-around count)
    check(1);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 100'000; ++i)
        check(i % 3 ? rng() >> (rng() % 64) : 0);
}

TEST(NumberFormat, aSecondsColumnPrintsWhatFormatSecondsPrints)
{
    std::mt19937_64 rng(5);
    for (int decimals = 1; decimals <= 9; ++decimals) {
        SecondsColumn column;
        std::int64_t ns = 1'795'425'191'000'000'000 - 3'000'000;
        for (int i = 0; i < 60'000; ++i) {
            // Mostly forward in small steps (across whole seconds), sometimes back, sometimes
            // negative (time before the origin), sometimes a jump.
            const auto r = rng() % 100;
            const std::int64_t value = r < 2 ? -static_cast<std::int64_t>(rng() % 3'000'000'000ull)
                : r < 4                      ? static_cast<std::int64_t>(rng() >> 1)
                        : (ns += static_cast<std::int64_t>(rng() % 40'000'000) - (r < 10 ? 30'000'000 : 0));
            char buf[48];
            char ref[48];
            ASSERT_EQ(std::string(buf, column.write(buf, value, decimals)),
                std::string(ref, formatSeconds(ref, value, decimals)))
                << value << " " << decimals;
        }
        char buf[48];
        char ref[48];
        for (const std::int64_t edge : { std::int64_t { 0 }, std::int64_t { 999'999'999 },
                 std::int64_t { 1'000'000'000 }, std::numeric_limits<std::int64_t>::max(), std::int64_t { 0 } })
            ASSERT_EQ(std::string(buf, column.write(buf, edge, decimals)),
                std::string(ref, formatSeconds(ref, edge, decimals)))
                << edge << " " << decimals;
    }
}

TEST(NumberFormat, durationsReadAsPrintfWroteThem)
{
    // formatDuration's text as it was written with snprintf before it used formatFixed (and
    // microseconds below 0.05 ms, where "%.1f ms" printed "0.0 ms").
    const auto reference = [](double s) {
        char buf[48];
        if (s < 0)
            s = 0;
        if (s > 0 && s < 0.0000005)
            return std::string("< 1 \u00b5s");
        if (s < 0.00005)
            std::snprintf(buf, sizeof buf, "%.0f \u00b5s", s * 1e6);
        else if (s < 0.99995)
            std::snprintf(buf, sizeof buf, "%.1f ms", s * 1000.0);
        else if (s < 9.995)
            std::snprintf(buf, sizeof buf, "%.2f s", s);
        else if (s < 599.5)
            std::snprintf(buf, sizeof buf, "%.0f s", s);
        else if (s < 7200.0)
            std::snprintf(buf, sizeof buf, "%.0f s (%.0f min)", s, s / 60.0);
        else
            std::snprintf(buf, sizeof buf, "%.0f s (%.1f h)", s, s / 3600.0);
        return std::string(buf);
    };
    std::vector<double> values { 0.0, -0.0, -1.0, 0.00005, 0.00015, 0.0125, 0.99994, 0.99995, 0.99996, 1.0, 9.994,
        9.995, 9.996, 10.5, 11.5, 599.4, 599.5, 600.0, 7199.9, 7200.0, 1e6, 1e14, 9.9e14, 1e15, 1e20, 1e300,
        std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN() };
    std::mt19937_64 rng(9);
    for (int i = 0; i < 200'000; ++i) {
        values.push_back(
            static_cast<double>(rng() % 1'000'000'000'000ull) / 1e9 / static_cast<double>(1 + rng() % 1000));
        values.push_back(static_cast<double>(static_cast<std::int64_t>(rng() % 20'000'000'000'000ull)) / 1e9);
    }
    for (double v : values)
        ASSERT_EQ(formatDuration(v), reference(v)) << v;
}
