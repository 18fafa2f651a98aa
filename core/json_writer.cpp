// Streaming JSON writer (RFC 8259 escaping; numbers formatted with std::to_chars).
#include "json_writer.h"
#include "number_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace ks::core {

void JsonWriter::separate()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_depth > 0) {
        if (!m_first[m_depth - 1])
            m_out.push_back(',');
        m_first[m_depth - 1] = false;
    }
}

void JsonWriter::beginObject()
{
    separate();
    m_out.push_back('{');
    if (m_depth < kMaxDepth)
        m_first[m_depth++] = true;
}

void JsonWriter::endObject()
{
    m_out.push_back('}');
    if (m_depth > 0)
        --m_depth;
}

void JsonWriter::beginArray()
{
    separate();
    m_out.push_back('[');
    if (m_depth < kMaxDepth)
        m_first[m_depth++] = true;
}

void JsonWriter::endArray()
{
    m_out.push_back(']');
    if (m_depth > 0)
        --m_depth;
}

void JsonWriter::key(std::string_view name)
{
    separate();
    appendJsonString(m_out, name);
    m_out.push_back(':');
    m_afterKey = true;
}

void JsonWriter::value(std::string_view text)
{
    separate();
    appendJsonString(m_out, text);
}

void JsonWriter::value(std::int64_t number)
{
    separate();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, number);
    m_out.append(buf, res.ptr);
}

void JsonWriter::value(std::uint64_t number)
{
    separate();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, number);
    m_out.append(buf, res.ptr);
}

void JsonWriter::value(bool flag)
{
    separate();
    m_out.append(flag ? "true" : "false");
}

void JsonWriter::value(double number, int decimals)
{
    separate();
    if (!std::isfinite(number)) {
        m_out.append("null");
        return;
    }
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, number, std::chars_format::fixed, decimals);
    m_out.append(buf, res.ptr);
}

void JsonWriter::null()
{
    separate();
    m_out.append("null");
}

void JsonWriter::seconds(std::int64_t ns, int decimals)
{
    separate();
    appendSeconds(m_out, ns, decimals);
}

char* formatSeconds(char* p, std::int64_t ns, int decimals)
{
    static constexpr std::uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
    // Event output formats two times per event ("t" and "ts") whose whole seconds change rarely:
    // the text of the last two integer parts is kept, one slot per parity of the call.
    struct Whole {
        std::uint64_t value = ~std::uint64_t {0};
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
        const char* pair = kDigitPairs + 2 * (frac % 100);
        p[d - 2] = pair[0];
        p[d - 1] = pair[1];
        frac /= 100;
        d -= 2;
    }
    if (d == 1)
        p[0] = static_cast<char>('0' + frac % 10);
    return p + decimals;
}

void appendSeconds(std::string& out, std::int64_t ns, int decimals)
{
    char buf[40];
    out.append(buf, static_cast<std::size_t>(formatSeconds(buf, ns, decimals) - buf));
}

namespace {

// Writes text as a JSON string at p (room for 6 * size + 2 bytes) and returns the end.
char* escapeJson(char* p, std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    *p++ = '"';
    for (unsigned char c : text) {
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            *p++ = static_cast<char>(c);
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
        }
    }
    *p++ = '"';
    return p;
}

} // namespace

void OutputBuffer::appendJsonString(std::string_view text)
{
    commit(escapeJson(grow(text.size() * 6 + 2), text));
}

void appendJsonString(std::string& out, std::string_view text)
{
    const std::size_t at = out.size();
    out.resize(at + text.size() * 6 + 2);
    char* end = escapeJson(out.data() + at, text);
    out.resize(static_cast<std::size_t>(end - out.data()));
}

} // namespace ks::core
