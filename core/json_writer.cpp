// Streaming JSON writer (RFC 8259 escaping; numbers formatted with std::to_chars).
#include "json_writer.h"

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

void appendSeconds(std::string& out, std::int64_t ns, int decimals)
{
    char buf[40];
    char* p = buf;
    std::uint64_t magnitude = static_cast<std::uint64_t>(ns);
    if (ns < 0) {
        *p++ = '-';
        magnitude = 0 - magnitude;
    }
    p = std::to_chars(p, buf + 24, magnitude / 1000000000).ptr;
    if (decimals > 0) {
        decimals = decimals > 9 ? 9 : decimals;
        std::uint64_t frac = magnitude % 1000000000;
        for (int d = 9; d > decimals; --d)
            frac /= 10;
        *p++ = '.';
        for (int d = decimals - 1; d >= 0; --d) {
            p[d] = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        p += decimals;
    }
    out.append(buf, static_cast<std::size_t>(p - buf));
}

void OutputBuffer::append(std::string_view text)
{
    char* p = grow(text.size());
    std::memcpy(p, text.data(), text.size());
    commit(p + text.size());
}

void OutputBuffer::appendJsonString(std::string_view text)
{
    // Worst case every byte becomes \u00XX.
    char* p = grow(text.size() * 6 + 2);
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
    commit(p);
}

void appendJsonString(std::string& out, std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0; // start of the pending run of bytes that need no escaping
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default: {
            const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            out.append(esc, 6);
        }
        }
    }
    out.append(text.data() + run, text.size() - run);
    out.push_back('"');
}

} // namespace ks::core
