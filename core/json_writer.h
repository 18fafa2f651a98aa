// A small streaming JSON writer: appends to a buffer the caller flushes, so a document of a
// million events is written without building it in memory.
#pragma once

#include "number_format.h" // formatSeconds

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ks::core {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out)
        : m_out(out)
    {
    }

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    void key(std::string_view name);
    // A key the program spells (a literal, an event type's name): plain ASCII, copied without
    // the escape scan. A connection's object has some 40 keys; a busy host's capture, a million.
    template <std::size_t N> void key(const char (&name)[N]) { plainKey(std::string_view(name, N - 1)); }
    void plainKey(std::string_view name);

    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void value(std::int64_t number);
    void value(std::uint64_t number);
    void value(int number) { value(static_cast<std::int64_t>(number)); }
    void value(unsigned number) { value(static_cast<std::uint64_t>(number)); }
    void value(bool flag);
    void value(double number, int decimals);
    void null();
    // A fixed-point number of seconds from nanoseconds, with 6 or 9 decimals.
    void seconds(std::int64_t ns, int decimals);

private:
    void separate();

    static constexpr int kMaxDepth = 64;
    std::string& m_out;
    int m_depth = 0;
    bool m_first[kMaxDepth] {}; // per open container: no element written yet
    bool m_afterKey = false;
};

void appendJsonString(std::string& out, std::string_view text);

// A growable byte buffer written through a raw cursor: grow(n) hands out room for n bytes
// without initialising it (std::string::resize would zero it, which dominated event output).
class OutputBuffer {
public:
    char* grow(std::size_t n)
    {
        if (m_size + n > m_storage.size())
            m_storage.resize(std::max(m_storage.size() * 2, m_size + n + 4096));
        return m_storage.data() + m_size;
    }
    void commit(const char* end) { m_size = static_cast<std::size_t>(end - m_storage.data()); }
    void append(std::string_view text)
    {
        char* p = grow(text.size());
        std::memcpy(p, text.data(), text.size());
        commit(p + text.size());
    }
    void appendJsonString(std::string_view text);
    std::string_view view() const { return { m_storage.data(), m_size }; }
    std::size_t size() const { return m_size; }
    void clear() { m_size = 0; }

private:
    std::string m_storage;
    std::size_t m_size = 0;
};
void appendSeconds(std::string& out, std::int64_t ns, int decimals);

} // namespace ks::core
