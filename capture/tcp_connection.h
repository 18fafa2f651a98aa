// One TCP connection as the engine tracks it: both directions' sequence state (for Wireshark's
// keep-alive rules), reassembly, HTTP/2 framing and the running summary.
#pragma once

#include "core/connection_summary.h"
#include "http2_framer.h"
#include "http2_session.h"
#include "packet_decoder.h"
#include "stream_pipeline.h"
#include "stream_reassembler.h"

#include <array>
#include <cstdint>
#include <memory>

namespace ks::capture {

// Sequence state per direction, as Wireshark's TCP analysis keeps it (packet-tcp.c:
// nextseq, lastack, window, and whether the last segment was a keep-alive).
struct TcpDirectionState {
    bool seen = false;
    std::uint32_t baseSeq = 0; // first sequence number seen; Wireshark's relative zero
    std::uint32_t nextSeq = 0; // unknown while equal to baseSeq (Wireshark: nextseq == 0)
    std::uint32_t lastAck = 0;
    std::uint32_t lastPlainAck = 0; // of the last ACK that was not an RST
    bool plainAckSeen = false;
    std::uint16_t window = 0;
    bool lastWasKeepalive = false;
    bool synSeen = false;
    bool finSeen = false;
};

struct TcpConnection;

// The reassembler's output for one direction: straight to the framer for plaintext HTTP/2, or
// through the StreamPipeline (TLS, h2c upgrade, CONNECT), decided by the direction's first bytes.
class StreamInput final : public ByteStreamSink {
public:
    enum class Route : std::uint8_t { Undecided, Framer, Pipeline };
    StreamInput(TcpConnection& conn, core::Direction dir)
        : m_conn(conn)
        , m_dir(dir)
    {
    }
    void feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs) override;
    void gap(std::uint64_t count) override;
    Route route() const { return m_route; }

private:
    TcpConnection& m_conn;
    core::Direction m_dir;
    Route m_route = Route::Undecided;
};

struct TcpConnection {
    TcpConnection(std::uint32_t id, EventEmitter& emitter, bool fromStart);

    core::ConnectionSummary summary;
    IpAddress clientAddr;
    std::uint16_t clientPort = 0;
    std::uint32_t clientIsn = 0;
    bool rstSeen = false;
    std::int64_t lastPayloadNs = 0;
    std::array<TcpDirectionState, 2> tcp;
    std::array<Http2Framer, 2> framers;
    std::unique_ptr<Http2Session> session;
    std::array<std::unique_ptr<StreamReassembler>, 2> streams;
    EventEmitter* emitter;
    std::array<StreamInput, 2> inputs;
    std::unique_ptr<StreamPipeline> pipeline; // null for plaintext HTTP/2 (the common case)
};

} // namespace ks::capture
