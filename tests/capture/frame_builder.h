// Test helpers: HTTP/2 frames as bytes, and a listener that records what the framer reports.
#pragma once

#include "capture/http2_framer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ks::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const Bytes& payload)
{
    Bytes out { static_cast<std::uint8_t>(payload.size() >> 16), static_cast<std::uint8_t>(payload.size() >> 8),
        static_cast<std::uint8_t>(payload.size()), type, flags, static_cast<std::uint8_t>(stream >> 24),
        static_cast<std::uint8_t>(stream >> 16), static_cast<std::uint8_t>(stream >> 8),
        static_cast<std::uint8_t>(stream) };
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline Bytes ping(std::uint64_t opaque, bool ack = false)
{
    Bytes p(8);
    for (int i = 0; i < 8; ++i)
        p[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(opaque >> (56 - 8 * i));
    return frame(6, ack ? 1 : 0, 0, p);
}

inline Bytes goaway(std::uint32_t lastStream, std::uint32_t code, const std::string& debug)
{
    Bytes p { static_cast<std::uint8_t>(lastStream >> 24), static_cast<std::uint8_t>(lastStream >> 16),
        static_cast<std::uint8_t>(lastStream >> 8), static_cast<std::uint8_t>(lastStream),
        static_cast<std::uint8_t>(code >> 24), static_cast<std::uint8_t>(code >> 16),
        static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code) };
    p.insert(p.end(), debug.begin(), debug.end());
    return frame(7, 0, 0, p);
}

inline Bytes data(std::uint32_t stream, std::size_t length, bool endStream = false)
{
    Bytes p(length);
    for (std::size_t i = 0; i < length; ++i)
        p[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return frame(0, endStream ? 1 : 0, stream, p);
}

inline void append(Bytes& out, const Bytes& more)
{
    out.insert(out.end(), more.begin(), more.end());
}

struct RecordedFrame {
    std::uint8_t type;
    std::uint8_t flags;
    std::uint32_t stream;
    std::uint32_t length;
    Bytes payload;
    bool operator==(const RecordedFrame&) const = default;
};

struct FrameRecorder final : capture::Http2FrameListener {
    std::vector<RecordedFrame> frames;
    int prefaces = 0;
    int desyncs = 0;
    void onPreface(std::int64_t) override { ++prefaces; }
    void onFrame(const capture::FrameHeader& h, std::span<const std::uint8_t> payload, bool, std::int64_t) override
    {
        frames.push_back({ h.type, h.flags, h.stream, h.length, Bytes(payload.begin(), payload.end()) });
    }
    void onDesync() override { ++desyncs; }
};

} // namespace ks::test
