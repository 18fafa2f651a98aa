// Per-connection summary: endpoints, lifetime, how it ended, idle gaps and event counts.
#pragma once

#include "event.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ks::core {

enum class ConnectionEnd : std::uint8_t { Open, FinC2S, FinS2C, RstC2S, RstS2C };
std::string_view connectionEndName(ConnectionEnd end);

struct ConnectionSummary {
    std::uint32_t id = 0;
    std::string client; // "127.0.0.1:41234" or "[::1]:41234"
    std::string server;
    bool http2 = false;
    bool sawHandshake = false; // the SYN is in the capture
    std::int64_t firstNs = 0; // epoch nanoseconds
    std::int64_t lastNs = 0;
    ConnectionEnd end = ConnectionEnd::Open;
    // Longest stretch with no TCP payload either way (keep-alive probes do not count as payload),
    // including the stretches before the first and after the last payload.
    std::int64_t longestIdleNs = 0;
    std::int64_t longestIdleStartNs = 0;
    std::uint64_t packets = 0;
    std::uint64_t payloadBytes = 0;
    std::array<std::uint64_t, kEventTypeCount> counts {};

    std::uint64_t count(EventType type) const { return counts[static_cast<std::size_t>(type)]; }
};

} // namespace ks::core
