// Streaming JSON writer (RFC 8259 escaping; numbers formatted with std::to_chars).
#include "json_writer.h"

#include <charconv>
#include <cmath>

namespace ks::core {

void JsonWriter::separate()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back())
            m_out.push_back(',');
        m_first.back() = false;
    }
}

void JsonWriter::beginObject()
{
    separate();
    m_out.push_back('{');
    m_first.push_back(true);
}

void JsonWriter::endObject()
{
    m_out.push_back('}');
    m_first.pop_back();
}

void JsonWriter::beginArray()
{
    separate();
    m_out.push_back('[');
    m_first.push_back(true);
}

void JsonWriter::endArray()
{
    m_out.push_back(']');
    m_first.pop_back();
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
    if (ns < 0) {
        out.push_back('-');
        ns = -ns;
    }
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, ns / 1000000000);
    out.append(buf, res.ptr);
    if (decimals <= 0)
        return;
    std::int64_t frac = ns % 1000000000;
    for (int d = 9; d > decimals; --d)
        frac /= 10;
    char digits[9];
    for (int d = decimals - 1; d >= 0; --d) {
        digits[d] = static_cast<char>('0' + frac % 10);
        frac /= 10;
    }
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(decimals));
}

void appendJsonString(std::string& out, std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : text) {
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out.append("\\u00");
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
}

} // namespace ks::core
