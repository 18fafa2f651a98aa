// Per-connection summary: endpoints, lifetime, how it ended (the TCP end from the engine, the
// cause from the analyzer), idle gaps and event counts.
#pragma once

#include "boxed.h"
#include "event.h"
#include "shared_text.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

// The last TCP control packet seen, as the engine saw it (JSON "end").
enum class ConnectionEnd : std::uint8_t { Open, FinC2S, FinS2C, RstC2S, RstS2C };
std::string_view connectionEndName(ConnectionEnd end);

// Events of each type on one connection. A busy host's capture holds a million summaries and
// most connections carry a handful of events: 8-bit counters inline, all widened to 64 bits on
// the heap the first time one would pass 255 (the pointer then kept in the same 24 bytes).
class EventCounts {
public:
    EventCounts() = default;
    EventCounts(const EventCounts& o) { copyFrom(o); }
    EventCounts& operator=(const EventCounts& o)
    {
        if (this != &o) {
            delete wide();
            copyFrom(o);
        }
        return *this;
    }
    EventCounts(EventCounts&& o) noexcept
        : m_bytes(o.m_bytes)
    {
        o.m_bytes = {};
    }
    EventCounts& operator=(EventCounts&& o) noexcept
    {
        if (this != &o) {
            delete wide();
            m_bytes = o.m_bytes;
            o.m_bytes = {};
        }
        return *this;
    }
    ~EventCounts() { delete wide(); }

    std::uint64_t operator[](std::size_t type) const { return isWide() ? (*wide())[type] : m_bytes[type]; }
    void add(std::size_t type)
    {
        if (!isWide() && m_bytes[type] == UINT8_MAX) {
            auto* w = new Wide {};
            for (std::size_t i = 0; i < kEventTypeCount; ++i)
                (*w)[i] = m_bytes[i];
            setWide(w);
        }
        if (isWide())
            ++(*wide())[type];
        else
            ++m_bytes[type];
    }

private:
    using Wide = std::array<std::uint64_t, kEventTypeCount>;
    static constexpr std::size_t kTag = 23; // non-zero: wide, its address in the first bytes
    static_assert(kEventTypeCount <= kTag, "one byte per event type, and the tag");
    bool isWide() const { return m_bytes[kTag] != 0; }
    Wide* wide() const
    {
        if (!isWide())
            return nullptr;
        Wide* w;
        std::memcpy(&w, m_bytes.data(), sizeof w);
        return w;
    }
    void setWide(Wide* w)
    {
        m_bytes = {};
        std::memcpy(m_bytes.data(), &w, sizeof w);
        m_bytes[kTag] = 1;
    }
    void copyFrom(const EventCounts& o)
    {
        if (o.isWide())
            setWide(new Wide(*o.wide()));
        else
            m_bytes = o.m_bytes;
    }
    alignas(8) std::array<std::uint8_t, 24> m_bytes {};
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
    // TLS 1.3: the key log has the session but not this direction's traffic secret (the line it
    // lacks in missingSecret): 0 client -> server, 1 server -> client, -1 none. Nothing is known
    // of the frames that way, so no finding may rest on their absence.
    std::int8_t unreadDir = -1;
    std::string missingSecret;
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
    // a server's NO_ERROR GOAWAY naming no reason on a connection that carried no RPC the server
    // took (none, or only requests it reset unanswered): idle for its whole age, so
    // max_connection_idle and max_connection_age cannot be told apart
    MaxIdleOrAge,
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
// JSON word: "open", "graceful", "too_many_pings", "max_idle", "max_age", "max_idle_or_age", "goaway_error",
// "keepalive_timeout", "idle_reset", "idle_close", "silent_drop", "client_gave_up", "reset", "closed".
std::string_view endCauseName(EndCause cause);
std::optional<EndCause> parseEndCause(std::string_view name);
// A short label for a timeline lane or a table cell: "open", "graceful", "too many pings",
// "idle reset", "silent drop", ...
std::string_view endCauseLabel(EndCause cause);
struct ConnectionSummary;
// The label for this connection's end: endCauseLabel's, but "proxy idle" (or "proxy GOAWAY")
// where an HTTP/2 proxy's own GOAWAY ended it; the JSON "end_cause" keeps the cause's name.
std::string_view endCauseLabel(const ConnectionSummary& c);
// Graceful and Open are the only causes without a finding.
inline bool isTroubledEnd(EndCause cause)
{
    return cause != EndCause::Open && cause != EndCause::Graceful;
}

// What few connections have: TCP retransmissions, payload the snapshot length cut, a proxy hop.
struct ConnectionRare {
    // TCP segments whose sequence range had been seen already, per direction [Direction]
    // (tshark's tcp.analysis.retransmission; keep-alive probes excluded), and the last one's time.
    std::array<std::uint64_t, 2> retransmissions {};
    std::int64_t lastRetransmissionNs = 0;
    // Payload bytes on the wire that the capture does not hold (cut by its snapshot length): the
    // HTTP/2 frames in them cannot be read (JSON "payload_cut_bytes", written when not zero).
    std::uint64_t payloadCutBytes = 0;
    // Payload bytes in holes of the TCP stream that nothing filled: sent (the peer acknowledged
    // them, or later data came), but not in the capture (JSON "missing_bytes", written when not zero).
    std::uint64_t missingBytes = 0;
    SharedText proxy; // the proxy hop: "CONNECT api.example.com:443", "h2c upgrade"
    // No SYN, and neither port told the server apart (a well-known port, one other connections
    // share, one outside the ephemeral range): the first packet's destination was taken for the
    // server, a guess (JSON "roles_guessed", written when true).
    bool rolesGuessed = false;
    // The GOAWAY that ended it was an HTTP/2-terminating proxy's own (its idle timeout or a
    // limit), not the gRPC server's (findings_h2proxy.cpp): endCauseLabel says "proxy idle".
    bool goawayByH2Proxy = false;
};

// What the engine records per connection while packets stream by (about 100 bytes: a busy host
// has a million); the summary adds the names and the end verdict when the capture is done.
struct ConnectionTraffic {
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
    // Last: the summary's id and end cause fill the padding after them.
    bool http2 = false;
    bool sawHandshake = false; // the SYN is in the capture
    ConnectionEnd end = ConnectionEnd::Open;

    const ConnectionRare& rare() const { return rareBox.get(); }
    std::uint64_t count(EventType type) const { return counts[static_cast<std::size_t>(type)]; }
};

// The events that show how a connection ended: at most three indexes, kept inline (a vector
// would cost a heap block per connection, a million of them on a busy host); the unused ones
// hold kNone, so no count is stored (24 bytes).
class EndEvidence {
public:
    static constexpr std::size_t kMax = 3;
    template <class... Indexes> void set(Indexes... indexes)
    {
        static_assert(sizeof...(Indexes) <= kMax, "an end cites at most kMax events");
        m_items.fill(kNone);
        std::size_t n = 0;
        ((m_items[n++] = static_cast<std::uint64_t>(indexes)), ...);
    }
    bool empty() const { return m_items[0] == kNone; }
    std::size_t size() const
    {
        std::size_t n = 0;
        while (n < kMax && m_items[n] != kNone)
            ++n;
        return n;
    }
    std::uint64_t front() const { return m_items[0]; }
    std::uint64_t back() const { return m_items[size() - 1]; }
    const std::uint64_t* begin() const { return m_items.data(); }
    const std::uint64_t* end() const { return m_items.data() + size(); }
    std::vector<std::uint64_t> toVector() const { return { begin(), end() }; }

private:
    // No event has this index (indexes count events from 0; a capture holds fewer than 2^64).
    static constexpr std::uint64_t kNone = UINT64_MAX;
    std::array<std::uint64_t, kMax> m_items { kNone, kNone, kNone };
};

struct ConnectionSummary : ConnectionTraffic {
    // Filled by FindingsAnalyzer::finish (non-const overload); Open until then.
    EndCause endCause = EndCause::Open;
    std::uint32_t id = 0;
    std::string client; // "127.0.0.1:41234" or "[::1]:41234"
    std::string server;
    // One sentence with the figures: "RST from the server after 4.00 s of silence", and the event
    // indexes that show the cause; both empty (no heap) while the connection is open.
    SharedText endDetail;
    EndEvidence endEvidence;
    // The other leg of a proxy, when the capture holds both and their ends coincide (JSON
    // "other_leg"); endDetail then says which leg died first and who sent the RST or FIN.
    std::optional<std::uint32_t> otherLeg;
};

// A SYN answered by RST (no SYN-ACK, no payload): the connection was refused, it never got to
// speak at all (nothing listened on the server's port).
bool refusedAtSyn(const ConnectionTraffic& s);

} // namespace ks::core
