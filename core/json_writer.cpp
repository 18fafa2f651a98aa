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

void JsonWriter::plainKey(std::string_view name)
{
    separate();
    m_out.push_back('"');
    m_out.append(name);
    m_out.append("\":", 2);
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

void appendSeconds(std::string& out, std::int64_t ns, int decimals)
{
    char buf[40];
    out.append(buf, static_cast<std::size_t>(formatSeconds(buf, ns, decimals) - buf));
}

namespace {

// Whether any byte of w is below 0x20, '"', '\\' or 0x7f (bytes from 0x80 are plain text).
bool needsEscape(std::uint64_t w)
{
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    auto hasZero = [](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
    return ((w - ones * 0x20) & ~w & highs) != 0 || hasZero(w ^ (ones * '"')) || hasZero(w ^ (ones * '\\'))
        || hasZero(w ^ (ones * 0x7f));
}

// Writes text as a JSON string at p (room for 6 * size + 2 bytes) and returns the end.
char* escapeJson(char* p, std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    *p++ = '"';
    // Eight bytes at a time while none needs escaping (most text: names, addresses, sentences).
    std::size_t plain = 0;
    for (std::uint64_t w; plain + 8 <= text.size(); plain += 8) {
        std::memcpy(&w, text.data() + plain, sizeof w);
        if (needsEscape(w))
            break;
    }
    std::memcpy(p, text.data(), plain);
    p += plain;
    text.remove_prefix(plain);
    for (unsigned char c : text) {
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            *p++ = static_cast<char>(c);
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
            *p++ = '"';
            break;
        case '\\':
            *p++ = '\\';
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
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
