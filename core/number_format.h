// Number formatting for the event output's hot path, two digits at a time. Output is the same
// as std::to_chars gives (tests/core/number_format_test.cpp compares them; fixed-point values of
// 1e40 and more are the one exception, below), at a fraction of the instructions: a capture of a
// million frames prints several million numbers.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ks::core {

inline constexpr char kDigitPairs[] = "0001020304050607080910111213141516171819"
                                      "2021222324252627282930313233343536373839"
                                      "4041424344454647484950515253545556575859"
                                      "6061626364656667686970717273747576777879"
                                      "8081828384858687888990919293949596979899";

// Writes v in decimal at p (room for 20 bytes); returns the end.
inline char* formatUnsigned(char* p, std::uint64_t v)
{
    if (v < 10) {
        *p = static_cast<char>('0' + v);
        return p + 1;
    }
    if (v < 100) {
        std::memcpy(p, kDigitPairs + 2 * v, 2);
        return p + 2;
    }
    static constexpr std::uint64_t kPow10[] = { 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
        10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
        100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
        10000000000000000000ull };
    // Digits from the bit length (log10(2) ~ 1233 / 4096), corrected by one comparison.
    const int bits = 64 - __builtin_clzll(v);
    int width = (bits * 1233) >> 12;
    width += v >= kPow10[width] ? 1 : 0;
    char* end = p + width;
    char* q = end;
    while (v >= 100) {
        q -= 2;
        std::memcpy(q, kDigitPairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        q -= 2;
        std::memcpy(q, kDigitPairs + 2 * v, 2);
    } else {
        *--q = static_cast<char>('0' + v);
    }
    return end;
}

inline char* formatSigned(char* p, std::int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return formatUnsigned(p, 0 - static_cast<std::uint64_t>(v));
    }
    return formatUnsigned(p, static_cast<std::uint64_t>(v));
}

// Two lower-case hex digits per byte value.
inline constexpr auto kHexPairs = [] {
    std::array<char, 512> t {};
    constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
        t[std::size_t(2 * i)] = kHex[i >> 4];
        t[std::size_t(2 * i + 1)] = kHex[i & 0xf];
    }
    return t;
}();

// Sixteen lower-case hex digits of v at p; returns p + 16.
inline char* formatHex64(char* p, std::uint64_t v)
{
    for (int i = 14; i >= 0; i -= 2) {
        std::memcpy(p + i, kHexPairs.data() + 2 * (v & 0xff), 2);
        v >>= 8;
    }
    return p + 16;
}

// Seconds from nanoseconds with `decimals` digits (0-9) at p, which needs 36 bytes of room;
// returns the end. Event output formats two times per event ("t" and "ts") whose whole seconds
// change rarely: the text of the last two integer parts is kept, one slot per parity of the call.
inline char* formatSeconds(char* p, std::int64_t ns, int decimals)
{
    static constexpr std::uint32_t kPow10[]
        = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000 };
    struct Whole {
        std::uint64_t value = ~std::uint64_t { 0 };
        char text[24];
        std::uint8_t size = 0;
    };
    thread_local Whole cache[2];
    thread_local unsigned slot = 0;

    std::uint64_t magnitude = static_cast<std::uint64_t>(ns);
    if (ns < 0) {
        *p++ = '-';
        magnitude = 0 - magnitude;
    }
    const std::uint64_t whole = magnitude / 1000000000;
    Whole& w = cache[slot++ & 1];
    if (w.value != whole) {
        w.value = whole;
        w.size = static_cast<std::uint8_t>(formatUnsigned(w.text, whole) - w.text);
    }
    std::memcpy(p, w.text, sizeof w.text);
    p += w.size;
    decimals = decimals > 9 ? 9 : decimals;
    if (decimals <= 0)
        return p;
    const auto nanos = static_cast<std::uint32_t>(magnitude - whole * 1000000000);
    *p++ = '.';
    if (decimals == 6) { // microsecond captures, the common case: constant divisors, unrolled
        std::uint32_t micros = nanos / 1000;
        std::memcpy(p + 4, kDigitPairs + 2 * (micros % 100), 2);
        micros /= 100;
        std::memcpy(p + 2, kDigitPairs + 2 * (micros % 100), 2);
        std::memcpy(p, kDigitPairs + 2 * (micros / 100), 2);
        return p + 6;
    }
    std::uint32_t frac = nanos / kPow10[9 - decimals];
    int d = decimals;
    while (d >= 2) {
        std::memcpy(p + d - 2, kDigitPairs + 2 * (frac % 100), 2);
        frac /= 100;
        d -= 2;
    }
    if (d == 1)
        p[0] = static_cast<char>('0' + frac % 10);
    return p + decimals;
}

// v (finite) with `decimals` (0-9) digits after the point, rounded to nearest as
// std::to_chars(fixed) does; needs 64 bytes of room. Integer arithmetic where the rounding is
// unambiguous: when the scaled value is below 1e9, the product's error is under 1e-7, so unless
// its fraction lies within 1e-6 of one half the integer result is the correctly rounded one;
// otherwise std::to_chars decides. Magnitudes of 1e40 and more (no duration is that long) would
// not fit fixed-point in 64 bytes and come out in the shortest form that reads back exactly.
inline char* formatFixed(char* p, double v, int decimals)
{
    static constexpr double kScale[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
    static constexpr std::uint64_t kPow10[]
        = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000 };
    if (decimals >= 0 && decimals <= 9) {
        const double scaled = std::fabs(v) * kScale[decimals];
        if (scaled < 1e9) {
            const double floor = std::floor(scaled);
            const double fraction = scaled - floor;
            if (std::fabs(fraction - 0.5) > 1e-6) {
                const auto units = static_cast<std::uint64_t>(floor) + (fraction > 0.5 ? 1 : 0);
                if (std::signbit(v))
                    *p++ = '-';
                p = formatUnsigned(p, units / kPow10[decimals]);
                if (decimals == 0)
                    return p;
                *p++ = '.';
                std::uint64_t rest = units % kPow10[decimals];
                char* q = p + decimals;
                for (int left = decimals; left > 0;) {
                    if (left >= 2) {
                        q -= 2;
                        std::memcpy(q, kDigitPairs + 2 * (rest % 100), 2);
                        rest /= 100;
                        left -= 2;
                    } else {
                        *--q = static_cast<char>('0' + rest % 10);
                        left -= 1;
                    }
                }
                return p + decimals;
            }
        }
    }
    if (std::fabs(v) < 1e40)
        return std::to_chars(p, p + 64, v, std::chars_format::fixed, decimals).ptr;
    return std::to_chars(p, p + 64, v).ptr;
}

} // namespace ks::core
