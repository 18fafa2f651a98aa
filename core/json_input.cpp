// JSON problems with the field's path (a SAX pass tracks where the parser is), and safe quoting.
#include "json_input.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace ks::core {

namespace {

using nlohmann::json;

class PathTracker final : public nlohmann::json_sax<json> {
public:
    std::string problem;

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override { return push(false); }
    bool key(string_t& k) override
    {
        m_frames.back().key = k;
        return true;
    }
    bool end_object() override { return pop(); }
    bool start_array(std::size_t) override { return push(true); }
    bool end_array() override { return pop(); }
    bool parse_error(std::size_t, const std::string& lastToken, const nlohmann::detail::exception& ex) override
    {
        const std::string where = path();
        std::string what = ex.what();
        if (ex.id == 406) { // out_of_range: number overflow
            // Appended piece by piece: GCC 12 misreports a chain of + here (-Wrestrict, bug 105651).
            problem = where;
            problem += where.empty() ? "" : ": ";
            problem += "the number ";
            problem += quotedText(lastToken);
            problem += " is out of range (it does not fit a double)";
            return false;
        }
        const auto at = what.find("parse error");
        // nlohmann quotes the last bytes read, DEL and non-UTF-8 bytes included: escape them.
        const std::string shown = quotedText(what.substr(at == std::string::npos ? 0 : at), 400);
        problem = "not valid JSON (" + shown.substr(1, shown.size() - 2) + ")";
        if (!where.empty())
            problem += " in " + where;
        return false;
    }

private:
    struct Frame {
        bool array = false;
        std::size_t index = 0;
        std::string key;
    };
    bool value()
    {
        if (!m_frames.empty() && m_frames.back().array)
            ++m_frames.back().index;
        return true;
    }
    bool push(bool array)
    {
        m_frames.push_back({ array, 0, {} });
        return true;
    }
    bool pop()
    {
        m_frames.pop_back();
        return value();
    }
    std::string path() const
    {
        std::string out;
        for (const auto& f : m_frames) {
            if (f.array) {
                out += '[';
                out += std::to_string(f.index);
                out += ']';
            } else if (!f.key.empty()) {
                if (!out.empty())
                    out += '.';
                out += keyName(f.key);
            }
        }
        return out;
    }
    std::vector<Frame> m_frames;
};

void appendCodePoint(std::string& out, unsigned c);

} // namespace

std::string keyName(std::string_view key)
{
    bool plain = !key.empty() && key.size() <= 64;
    for (char c : key)
        plain = plain
            && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    return plain ? std::string(key) : quotedText(key, 64);
}

namespace {

void appendCodePoint(std::string& out, unsigned c)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\u00";
    out.push_back(hex[(c >> 4) & 0xf]);
    out.push_back(hex[c & 0xf]);
}

} // namespace

std::string jsonProblem(std::string_view text)
{
    PathTracker tracker;
    // Depth is bounded by nlohmann's parser only by memory; a file of a few MB is bounded anyway.
    json::sax_parse(text.begin(), text.end(), &tracker);
    return tracker.problem;
}

std::string quotedText(std::string_view text, std::size_t maxChars)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i, ++chars) {
        if (chars == maxChars) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            appendCodePoint(out, c);
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            // Keep well-formed UTF-8 except the C1 controls (U+0080..U+009F: some terminals act on them).
            const int extra = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
            bool valid = extra > 0 && c >= 0xc2 && c <= 0xf4 && i + static_cast<std::size_t>(extra) < text.size() + 0;
            for (int k = 1; valid && k <= extra; ++k)
                valid = i + static_cast<std::size_t>(k) < text.size()
                    && (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0xc0) == 0x80;
            if (valid && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
                appendCodePoint(out, static_cast<unsigned char>(text[i + 1]));
                ++i;
                continue;
            }
            if (!valid) {
                out += "\\x";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
                continue;
            }
            out.append(text.substr(i, static_cast<std::size_t>(extra) + 1));
            i += static_cast<std::size_t>(extra);
        }
    }
    out.push_back('"');
    return out;
}

} // namespace ks::core
