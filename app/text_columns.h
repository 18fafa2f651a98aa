// Fixed-width columns of the text view's event lines, written in place into an output buffer
// that has room past the line (what a block writes beyond its field, the next one overwrites).
#pragma once

#include "core/event.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace ks::app {

// printf's %*s and %-*s for [text, end) at p (room for the wider of the two); return the end.
inline char* padLeft(char* p, const char* text, const char* end, std::size_t width)
{
    const auto size = static_cast<std::size_t>(end - text);
    if (size < width) {
        std::memset(p, ' ', width - size);
        p += width - size;
    }
    std::memcpy(p, text, size);
    return p + size;
}

inline char* padRight(char* p, const char* text, const char* end, std::size_t width)
{
    const auto size = static_cast<std::size_t>(end - text);
    std::memcpy(p, text, size);
    p += size;
    if (size < width) {
        std::memset(p, ' ', width - size);
        p += width - size;
    }
    return p;
}

// A field written at start and ending at end, padded with spaces to width (at most 16).
inline char* padAfter(char* start, char* end, std::size_t width)
{
    if (static_cast<std::size_t>(end - start) >= width)
        return end;
    std::memcpy(end, "                ", 16);
    return start + width;
}

// " c2s  ping              " (%-3s  %-17s with the spaces around) for each direction and
// type, copied as one block of fixed size.
struct DirTypeColumn {
    char text[32];
    std::uint8_t size;
};
using DirTypeColumns = std::array<std::array<DirTypeColumn, core::kEventTypeCount>, 2>;

inline DirTypeColumns makeDirTypeColumns()
{
    DirTypeColumns table {};
    for (std::size_t d = 0; d < 2; ++d) {
        for (std::size_t t = 0; t < core::kEventTypeCount; ++t) {
            char line[64];
            const auto dir
                = core::directionName(d == 0 ? core::Direction::ClientToServer : core::Direction::ServerToClient);
            const auto name = core::eventTypeName(static_cast<core::EventType>(t));
            const int n = std::snprintf(line, sizeof line, " %-3.*s  %-17.*s ", static_cast<int>(dir.size()),
                dir.data(), static_cast<int>(name.size()), name.data());
            if (n <= 0 || n >= static_cast<int>(sizeof table[d][t].text))
                continue; // (no name is that long) size 0: written field by field
            std::memcpy(table[d][t].text, line, static_cast<std::size_t>(n)); // 24 bytes
            table[d][t].size = static_cast<std::uint8_t>(n);
        }
    }
    return table;
}

} // namespace ks::app
