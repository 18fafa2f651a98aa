// Per-connection summary: endpoints, lifetime, how it ended (the TCP end from the engine, the
// cause from the analyzer), idle gaps and event counts.
#pragma once

#include "event.h"

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

struct ConnectionSummary {
    std::uint32_t id = 0;
    std::string client; // "127.0.0.1:41234" or "[::1]:41234"
    std::string server;
    bool http2 = false;
    bool sawHandshake = false; // the SYN is in the capture
    std::int64_t firstNs = 0; // epoch nanoseconds
    std::int64_t lastNs = 0;
    ConnectionEnd end = ConnectionEnd::Open;
    // Filled by FindingsAnalyzer::finish (non-const overload); Open until then.
    EndCause endCause = EndCause::Open;
    std::string endDetail; // one sentence with the figures: "RST from the server after 4.00 s of silence"
    std::vector<std::uint64_t> endEvidence; // event indexes that show the cause
    // The other leg of a proxy, when the capture holds both and their ends coincide (JSON
    // "other_leg"); endDetail then says which leg died first and who sent the RST or FIN.
    std::optional<std::uint32_t> otherLeg;
    // TCP segments whose sequence range had been seen already, per direction [Direction]
    // (tshark's tcp.analysis.retransmission; keep-alive probes excluded), and the last one's time.
    std::array<std::uint64_t, 2> retransmissions {};
    std::int64_t lastRetransmissionNs = 0;
    // Longest stretch with no TCP payload either way (keep-alive probes do not count as payload),
    // including the stretches before the first and after the last payload.
    std::int64_t longestIdleNs = 0;
    std::int64_t longestIdleStartNs = 0;
    std::uint64_t packets = 0;
    std::uint64_t payloadBytes = 0;
    // Payload bytes on the wire that the capture does not hold (cut by its snapshot length): the
    // HTTP/2 frames in them cannot be read (JSON "payload_cut_bytes", written when not zero).
    std::uint64_t payloadCutBytes = 0;
    std::array<std::uint64_t, kEventTypeCount> counts {};
    std::shared_ptr<const TlsInfo> tls; // null: not TLS
    std::string proxy; // the proxy hop: "CONNECT api.example.com:443", "h2c upgrade"

    std::uint64_t count(EventType type) const { return counts[static_cast<std::size_t>(type)]; }
};

} // namespace ks::core
