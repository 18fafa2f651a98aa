// Per-connection summary: endpoints, lifetime, how it ended, idle gaps and event counts.
#pragma once

#include "event.h"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

namespace ks::core {

enum class ConnectionEnd : std::uint8_t { Open, FinC2S, FinS2C, RstC2S, RstS2C };
std::string_view connectionEndName(ConnectionEnd end);

// Events of each type on one connection: 48-bit counters (6 bytes, not 8), since a busy host's
// capture holds a million summaries and no connection carries 2^48 events of one type.
class EventCounts {
public:
    std::uint64_t operator[](std::size_t type) const { return std::uint64_t(m_high[type]) << 32 | m_low[type]; }
    void add(std::size_t type)
    {
        if (++m_low[type] == 0)
            ++m_high[type];
    }

private:
    std::array<std::uint32_t, kEventTypeCount> m_low {};
    std::array<std::uint16_t, kEventTypeCount> m_high {};
};

// What the TLS handshake showed (DESIGN.md: the `tls` object of a connection).
struct TlsInfo {
    std::string version; // "TLS 1.3"; empty when no hello was seen (a capture started later)
    std::string cipher; // IANA suite name
    std::string sni;
    std::string alpn; // selected protocol; empty when not seen (TLS 1.3 without keys)
    std::vector<std::string> alpnOffered;
    // "decrypted", "no keys", "authentication failed", "unsupported cipher", "handshake not seen"
    std::string decryption;
};

// Fields ordered largest-last so that no padding is wasted.
struct ConnectionSummary {
    std::uint32_t id = 0;
    bool http2 = false;
    bool sawHandshake = false; // the SYN is in the capture
    ConnectionEnd end = ConnectionEnd::Open;
    std::string client; // "127.0.0.1:41234" or "[::1]:41234"
    std::string server;
    std::int64_t firstNs = 0; // epoch nanoseconds
    std::int64_t lastNs = 0;
    // Longest stretch with no TCP payload either way (keep-alive probes do not count as payload),
    // including the stretches before the first and after the last payload.
    std::int64_t longestIdleNs = 0;
    std::int64_t longestIdleStartNs = 0;
    std::uint64_t packets = 0;
    std::uint64_t payloadBytes = 0;
    EventCounts counts;
    std::shared_ptr<const TlsInfo> tls; // null: not TLS
    std::string proxy; // the proxy hop: "CONNECT api.example.com:443", "h2c upgrade"

    std::uint64_t count(EventType type) const { return counts[static_cast<std::size_t>(type)]; }
};

} // namespace ks::core
