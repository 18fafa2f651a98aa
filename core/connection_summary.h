// Per-connection summary: endpoints, lifetime, how it ended (the TCP end from the engine, the
// cause from the analyzer), idle gaps and event counts.
#pragma once

#include "event.h"
#include "shared_text.h"

#include <array>
#include <cstdint>
#include <optional>
#include <memory>
#include <vector>
#include <string>
#include <string_view>

namespace ks::core {

// The last TCP control packet seen, as the engine saw it (JSON "end").
enum class ConnectionEnd : std::uint8_t { Open, FinC2S, FinS2C, RstC2S, RstS2C };
std::string_view connectionEndName(ConnectionEnd end);

// Events of each type on one connection. A busy host's capture holds a million summaries and
// most connections carry a handful of events: 8-bit counters inline (16 bytes), all widened to
// 64 bits on the heap the first time one would pass 255.
class EventCounts {
public:
    EventCounts() = default;
    EventCounts(const EventCounts& o)
        : m_small(o.m_small)
        , m_wide(o.m_wide ? std::make_unique<Wide>(*o.m_wide) : nullptr)
    {
    }
    EventCounts& operator=(const EventCounts& o)
    {
        if (this != &o) {
            m_small = o.m_small;
            m_wide = o.m_wide ? std::make_unique<Wide>(*o.m_wide) : nullptr;
        }
        return *this;
    }
    EventCounts(EventCounts&&) noexcept = default;
    EventCounts& operator=(EventCounts&&) noexcept = default;

    std::uint64_t operator[](std::size_t type) const { return m_wide ? (*m_wide)[type] : m_small[type]; }
    void add(std::size_t type)
    {
        if (!m_wide && m_small[type] == UINT8_MAX) {
            m_wide = std::make_unique<Wide>();
            for (std::size_t i = 0; i < kEventTypeCount; ++i)
                (*m_wide)[i] = m_small[i];
        }
        if (m_wide)
            ++(*m_wide)[type];
        else
            ++m_small[type];
    }

private:
    using Wide = std::array<std::uint64_t, kEventTypeCount>;
    std::array<std::uint8_t, kEventTypeCount> m_small {};
    std::unique_ptr<Wide> m_wide;
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

// Why the connection ended (JSON "end_cause"), decided by FindingsAnalyzer::finish from the events
// and the engine's summary; docs/FINDINGS.md gives the rule for each. Every cause other than
// Graceful and Open has a warning or error finding ("end-*" ids) citing the evidence.
enum class EndCause : std::uint8_t {
    Open, // still open when the capture ended (or never closed in it)
    Graceful, // GOAWAY NO_ERROR then close, or the client closed soon after its last RPC
    TooManyPings, // server enforcement: GOAWAY ENHANCE_YOUR_CALM "too_many_pings"
    MaxIdle, // server max_connection_idle: GOAWAY after a quiet period, no stream open
    MaxAge, // server max_connection_age: GOAWAY with streams, or at a fixed age
    GoawayError, // another GOAWAY with an error code (PROTOCOL_ERROR, ...)
    KeepaliveTimeout, // a keepalive PING without ACK, then the pinging side closed
    IdleReset, // RST after silence, no GOAWAY: a middlebox forgot the flow (often both legs at once)
    IdleClose, // FIN after silence, no GOAWAY: a middlebox (or peer) closed the idle connection
    SilentDrop, // data or a PING into the void (unanswered, retransmitted), then a timeout or RST
    ClientGaveUp, // the client closed after silence with no PING on the wire (C-core's watchdog)
    Reset, // RST without a preceding silence or GOAWAY: an abort
    Closed, // FIN with none of the signs above (an application close)
};
inline constexpr std::size_t kEndCauseCount = static_cast<std::size_t>(EndCause::Closed) + 1;
// JSON word: "open", "graceful", "too_many_pings", "max_idle", "max_age", "goaway_error",
// "keepalive_timeout", "idle_reset", "idle_close", "silent_drop", "client_gave_up", "reset", "closed".
std::string_view endCauseName(EndCause cause);
std::optional<EndCause> parseEndCause(std::string_view name);
// A short label for a timeline lane or a table cell: "open", "graceful", "too many pings",
// "idle reset", "silent drop", ...
std::string_view endCauseLabel(EndCause cause);
// Graceful and Open are the only causes without a finding.
inline bool isTroubledEnd(EndCause cause) { return cause != EndCause::Open && cause != EndCause::Graceful; }

// A copyable pointer to a value made only when needed: the figures most connections never have.
template <class T>
class Boxed {
public:
    Boxed() = default;
    Boxed(const Boxed& o)
        : m_p(o.m_p ? std::make_unique<T>(*o.m_p) : nullptr)
    {
    }
    Boxed& operator=(const Boxed& o)
    {
        if (this != &o)
            m_p = o.m_p ? std::make_unique<T>(*o.m_p) : nullptr;
        return *this;
    }
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(Boxed&&) noexcept = default;

    const T& get() const { return m_p ? *m_p : none(); }
    T& make()
    {
        if (!m_p)
            m_p = std::make_unique<T>();
        return *m_p;
    }

private:
    static const T& none()
    {
        static const T empty {};
        return empty;
    }
    std::unique_ptr<T> m_p;
};

// What few connections have: TCP retransmissions, payload the snapshot length cut, a proxy hop.
struct ConnectionRare {
    // TCP segments whose sequence range had been seen already, per direction [Direction]
    // (tshark's tcp.analysis.retransmission; keep-alive probes excluded), and the last one's time.
    std::array<std::uint64_t, 2> retransmissions {};
    std::int64_t lastRetransmissionNs = 0;
    // Payload bytes on the wire that the capture does not hold (cut by its snapshot length): the
    // HTTP/2 frames in them cannot be read (JSON "payload_cut_bytes", written when not zero).
    std::uint64_t payloadCutBytes = 0;
    SharedText proxy; // the proxy hop: "CONNECT api.example.com:443", "h2c upgrade"
};

// What the engine records per connection while packets stream by (about 100 bytes: a busy host
// has a million); the summary adds the names and the end verdict when the capture is done.
struct ConnectionTraffic {
    bool http2 = false;
    bool sawHandshake = false; // the SYN is in the capture
    ConnectionEnd end = ConnectionEnd::Open;
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
    Boxed<ConnectionRare> rareBox;

    const ConnectionRare& rare() const { return rareBox.get(); }
    std::uint64_t count(EventType type) const { return counts[static_cast<std::size_t>(type)]; }
};

struct ConnectionSummary : ConnectionTraffic {
    std::uint32_t id = 0;
    // Filled by FindingsAnalyzer::finish (non-const overload); Open until then.
    EndCause endCause = EndCause::Open;
    std::string client; // "127.0.0.1:41234" or "[::1]:41234"
    std::string server;
    // One sentence with the figures: "RST from the server after 4.00 s of silence", and the event
    // indexes that show the cause; both empty (no heap) while the connection is open.
    SharedText endDetail;
    std::vector<std::uint64_t> endEvidence;
    // The other leg of a proxy, when the capture holds both and their ends coincide (JSON
    // "other_leg"); endDetail then says which leg died first and who sent the RST or FIN.
    std::optional<std::uint32_t> otherLeg;
};

} // namespace ks::core
