// Numbers the event output prints once per event, where one event's value shares most of its
// text with the one before: the event index grows by one, and the whole seconds of a time
// change once a second. Each keeps the text it printed last and redoes only what changed. The
// output is formatUnsigned's and formatSeconds's to the byte (tests/core/number_format_test.cpp).
#pragma once

#include "number_format.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace ks::core {

// Three decimal digits per entry, padded to 4 bytes so that an entry is copied as one word.
inline constexpr std::array<char, 4000> kDigitTriples = [] {
    std::array<char, 4000> t {};
    for (int i = 0; i < 1000; ++i) {
        t[std::size_t(4 * i)] = static_cast<char>('0' + i / 100);
        t[std::size_t(4 * i + 1)] = static_cast<char>('0' + i / 10 % 10);
        t[std::size_t(4 * i + 2)] = static_cast<char>('0' + i % 10);
    }
    return t;
}();

// Writes the three digits of v (< 1000) at p; writes 4 bytes, returns p + 3.
inline char* formatThreeDigits(char* p, std::uint32_t v)
{
    std::memcpy(p, kDigitTriples.data() + 4 * v, 4);
    return p + 3;
}

// formatUnsigned for a number that mostly grows by one from one call to the next: the last
// text is copied out and counted up in place. Needs 24 bytes of room at p.
class DecimalCounter {
public:
    char* write(char* p, std::uint64_t v)
    {
        if (m_size && v == m_value + 1 && v != 0) {
            // Copied out first, then counted up in both copies by the same byte stores: copied
            // after the count, the 16-byte load of bytes just stored one at a time could not be
            // forwarded from them and waited for the stores, at every event.
            std::memcpy(p, m_text, sizeof m_text);
            std::uint8_t size = m_size;
            increment(p, size);
            increment(m_text, m_size);
        } else {
            m_size = static_cast<std::uint8_t>(formatUnsigned(m_text, v) - m_text);
            std::memcpy(p, m_text, sizeof m_text);
        }
        m_value = v;
        return p + m_size;
    }

private:
    static void increment(char* text, std::uint8_t& size)
    {
        int i = size - 1;
        while (i >= 0 && text[i] == '9')
            text[i--] = '0';
        if (i >= 0) {
            ++text[i];
            return;
        }
        std::memmove(text + 1, text, size); // 99..9 + 1: one digit more (20 at most)
        text[0] = '1';
        ++size;
    }

    std::uint64_t m_value = 0;
    std::uint8_t m_size = 0; // 0: nothing printed yet
    char m_text[24] {};
};

// formatSeconds for one column of times (one per column: "t" and "ts" each keep their own
// whole second): while a time falls in the same whole second as the last, only the fraction is
// formatted, without a 64-bit division. decimals: 1 to 9. Needs 40 bytes of room at p.
class SecondsColumn {
public:
    char* write(char* p, std::int64_t ns, int decimals)
    {
        if (ns < 0)
            return formatSeconds(p, ns, decimals);
        auto frac = static_cast<std::uint64_t>(ns) - m_startNs;
        if (!m_size || frac >= 1'000'000'000) {
            const auto whole = static_cast<std::uint64_t>(ns) / 1'000'000'000;
            m_startNs = whole * 1'000'000'000;
            char* end = formatUnsigned(m_text, whole);
            *end++ = '.';
            m_size = static_cast<std::uint8_t>(end - m_text);
            frac = static_cast<std::uint64_t>(ns) - m_startNs;
        }
        std::memcpy(p, m_text, sizeof m_text);
        p += m_size;
        const auto nanos = static_cast<std::uint32_t>(frac);
        if (decimals == 6) { // microsecond captures, the common case
            const std::uint32_t micros = nanos / 1000;
            p = formatThreeDigits(p, micros / 1000);
            return formatThreeDigits(p, micros % 1000);
        }
        if (decimals == 9) {
            const std::uint32_t micros = nanos / 1000;
            p = formatThreeDigits(p, micros / 1000);
            p = formatThreeDigits(p, micros % 1000);
            return formatThreeDigits(p, nanos % 1000);
        }
        static constexpr std::uint32_t kPow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000 };
        std::uint32_t digits = nanos / kPow10[9 - decimals];
        for (int d = decimals - 1; d >= 0; --d) {
            p[d] = static_cast<char>('0' + digits % 10);
            digits /= 10;
        }
        return p + decimals;
    }

private:
    std::uint64_t m_startNs = 0; // the first nanosecond of the whole second in m_text
    std::uint8_t m_size = 0; // 0: nothing printed yet
    char m_text[24] {}; // the whole seconds and the point
};

} // namespace ks::core
