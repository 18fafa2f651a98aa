// The event model shared by capture, lab, analyzer and views: one value per thing that happened
// on a connection (see DESIGN.md, "Events").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace ks::core {

enum class Direction : std::uint8_t { ClientToServer, ServerToClient };

enum class EventType : std::uint8_t {
    Syn,
    Fin,
    Rst,
    TcpKeepalive,
    TcpKeepaliveAck,
    ZeroWindowProbe, // a 1-byte probe against a zero window (Wireshark's rule), not a keep-alive
    Preface,
    Settings,
    Headers,
    Data,
    Ping,
    PingAck,
    Goaway,
    RstStream,
    WindowUpdate,
    ChannelState,
    Rpc,
};
inline constexpr std::size_t kEventTypeCount = static_cast<std::size_t>(EventType::Rpc) + 1;

std::string_view eventTypeName(EventType type);
std::string_view directionName(Direction dir);

// How much of a HEADERS block could be decoded. A capture that starts mid-connection lacks the
// HPACK dynamic table entries made before it; fields that refer to them are unknown, not guessed.
// Malformed: the block breaks HPACK's encoding itself (a bad integer or Huffman code, a string
// running past the block, index 0), whatever table came before it.
enum class HpackState : std::uint8_t { Decoded, UnknownDynamicTable, TooLarge, Malformed };

struct SettingValue {
    std::uint16_t id = 0;
    std::uint32_t value = 0;
};

// An event's numbers and flags: trivially copyable, so that an event crosses to another thread as
// one block and only the texts and SETTINGS values it has (app/event_pipe.h).
struct EventFields {
    std::uint64_t index = 0; // position in the event stream; findings cite it
    std::int64_t tsNs = 0; // epoch nanoseconds
    std::int64_t relNs = 0; // nanoseconds since the first packet of the source
    std::uint32_t conn = 0;
    Direction dir = Direction::ClientToServer;
    EventType type = EventType::Syn;
    // Known only by inference (a PING seen as a TLS record of the right size, without keys).
    bool inferred = false;
    // An inferred PING that shared its TLS record with other frames (WINDOW_UPDATEs: gRPC's BDP
    // PINGs go out with them; keepalive PINGs go alone), so it is not taken for a keepalive PING.
    bool inferredShared = false;
    // An inferred PING right after the lone exchange its side led: it may as well be the ACK of a
    // PING the other side sent as that exchange crossed it (published shared too), so the other
    // side's PING at that moment may be missing from the inferred ones.
    bool inferredCrossing = false;
    // A decoded PING that followed WINDOW_UPDATE frames in the same TLS record or TCP segment
    // (gRPC C-core's BDP PING goes out with its flow-control update; keepalive PINGs go alone).
    bool besideWindowUpdates = false;
    // rst: before it, the sender had acknowledged everything the other side sent with a plain ACK
    // (its TCP stack took the last packet in, so no middlebox dropped that packet; JSON
    // "peer_data_acked", written when true)
    bool peerDataAcked = false;
    // rst: before it, the other side had acknowledged everything the sender sent (its data reached
    // the other host: nothing the sender wrote went into the void; not in the JSON)
    bool ownDataAcked = false;
    // Its packet was stamped earlier than the one before and held at the latest time (time ran
    // backwards): its true time is unknown, so no interval or round trip is measured to or from it.
    bool timeHeld = false;

    // tcp_keepalive, tcp_keepalive_ack, zero_window_probe
    std::uint32_t seq = 0;
    // headers, data, rst_stream, window_update
    std::uint32_t stream = 0;
    std::uint32_t length = 0; // data length, window increment
    bool endStream = false;
    // settings (the values: Event::settings)
    bool ack = false;
    std::uint8_t settingsCount = 0;
    // ping, ping_ack
    std::uint64_t opaque = 0;
    double rttMs = -1.0; // < 0 when the PING was not seen
    std::int64_t pingIndex = -1;
    // goaway, rst_stream
    std::uint32_t lastStreamId = 0;
    std::uint32_t errorCode = 0;
    // headers
    HpackState hpack = HpackState::Decoded;
    int grpcStatus = -1;
    // lab: rpc
    double durationMs = -1.0;
};

static_assert(std::is_trivially_copyable_v<EventFields>);

struct Event : EventFields {
    std::array<SettingValue, 12> settings {}; // settings: the first settingsCount
    std::string debug; // goaway debug data, printable
    // headers
    std::string path;
    std::string grpcMessage;
    // lab: channel_state, rpc
    std::string state;
    std::string method;
    std::string status;
    std::string message;
};

} // namespace ks::core
