// A small streaming JSON writer: appends to a buffer the caller flushes, so a document of a
// million events is written without building it in memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

    std::string& m_out;
    std::vector<bool> m_first; // one per open container: no element written yet
    bool m_afterKey = false;
};

void appendJsonString(std::string& out, std::string_view text);
void appendSeconds(std::string& out, std::int64_t ns, int decimals);

} // namespace ks::core
