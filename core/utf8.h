// Well-formed UTF-8 (RFC 3629, table 3-7 of the Unicode standard): no overlong form, no
// surrogate, nothing past U+10FFFF. Shared by the texts that keep UTF-8 as it is and escape the
// rest (HPACK's printable text, findings' JSON).
#pragma once

#include <cstddef>

namespace ks::core {

// The length (2 to 4) of the well-formed multi-byte sequence at p, of `left` bytes at most; 0
// when p does not start one (ASCII, a stray continuation byte, a cut or malformed sequence).
inline std::size_t utf8SequenceLength(const unsigned char* p, std::size_t left)
{
    if (left < 2)
        return 0;
    const unsigned char c = p[0];
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf; // the second byte's allowed range
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c == 0xe0)
        len = 3, lo = 0xa0;
    else if (c == 0xed)
        len = 3, hi = 0x9f;
    else if (c >= 0xe1 && c <= 0xef)
        len = 3;
    else if (c == 0xf0)
        len = 4, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3)
        len = 4;
    else if (c == 0xf4)
        len = 4, hi = 0x8f;
    else
        return 0;
    if (left < len || p[1] < lo || p[1] > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

} // namespace ks::core
