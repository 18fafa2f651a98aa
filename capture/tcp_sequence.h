// TCP sequence-number arithmetic (RFC 9293 section 3.4): differences modulo 2^32.
#pragma once

#include <cstdint>

namespace ks::capture {

// a - b in sequence space: positive when a is after b (within 2^31).
inline std::int32_t seqDiff(std::uint32_t a, std::uint32_t b)
{
    return static_cast<std::int32_t>(a - b);
}

} // namespace ks::capture
