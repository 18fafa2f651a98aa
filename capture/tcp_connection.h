// One TCP connection as the engine tracks it: both directions' sequence state (for Wireshark's
// keep-alive rules) and the running summary, plus the payload decoder (reassembly, HTTP/2
// framing, HPACK), which exists only while the connection carries payload: it is made at the
// first payload byte and dropped at the close, so a closed connection costs a few hundred bytes.
#pragma once

#include "core/boxed.h"
#include "core/connection_summary.h"
#include "http2_framer.h"
#include "http2_session.h"
#include "packet_decoder.h"
#include "stream_pipeline.h"
#include "stream_reassembler.h"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace ks::capture {

// Sequence state per direction, as Wireshark's TCP analysis keeps it (packet-tcp.c:
// nextseq, lastack, window, and whether the last segment was a keep-alive).
struct TcpDirectionState {
    // One bit each: a million connections' worth of this is kept.
    bool seen : 1 = false;
    bool lastWasKeepalive : 1 = false;
    bool synSeen : 1 = false;
    bool finSeen : 1 = false;
    // What the peer acknowledged of this direction since its SYN, kept while no decoder exists
    // so that one made later starts as if it had seen every ACK (StreamReassembler::acknowledged).
    bool peerAckedKnown : 1 = false;
    bool plainAckSeen : 1 = false; // lastPlainAck is set
    std::uint16_t window = 0;
    std::uint32_t baseSeq = 0; // first sequence number seen; Wireshark's relative zero
    std::uint32_t nextSeq = 0; // unknown while equal to baseSeq (Wireshark: nextseq == 0)
    std::uint32_t lastAck = 0;
    std::uint32_t lastPlainAck = 0; // of the last ACK that was not an RST
    std::uint32_t synSeq = 0;
    std::uint32_t peerAcked = 0;
};

struct ConnectionDecoder;
struct TcpConnection;

// Without the SYN (a capture started mid-connection): the shortest data segment -> ACK time seen
// so far (0: none yet), from one segment at a time (probe*), retransmitted ones not. Boxed in the
// connection: most connections' SYN is in the capture, and a busy host has a million of them.
struct DataRttProbe {
    std::uint32_t shortestUs = 0;
    std::uint32_t probeEnd = 0;
    std::int64_t probeNs = -1; // -1: no segment waiting for its ACK
    std::uint8_t probeDir = 0;
};

// The reassembler's output for one direction: straight to the framer for plaintext HTTP/2, or
// through the StreamPipeline (TLS, h2c upgrade, CONNECT), decided by the direction's first bytes.
class StreamInput final : public ByteStreamSink {
public:
    enum class Route : std::uint8_t { Undecided, Framer, Pipeline };
    StreamInput(ConnectionDecoder& conn, core::Direction dir)
        : m_conn(conn)
        , m_dir(dir)
    {
    }
    void feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs) override;
    void gap(std::uint64_t count) override;
    Route route() const { return m_route; }

private:
    ConnectionDecoder& m_conn;
    core::Direction m_dir;
    Route m_route = Route::Undecided;
};

// Reassembly, the TLS / h2c / CONNECT pipeline (made only when a direction needs it), HTTP/2
// framing and the HTTP/2 session of both directions.
struct ConnectionDecoder {
    // conn: the engine's connection (read for its name and times); it outlives its decoder.
    ConnectionDecoder(
        const TcpConnection& conn, EventEmitter& emitter, Http2Framer::Mode clientMode, Http2Framer::Mode serverMode);
    ConnectionDecoder(const ConnectionDecoder&) = delete;
    ConnectionDecoder& operator=(const ConnectionDecoder&) = delete;

    bool everLocked() const { return framers[0].everLocked() || framers[1].everLocked(); }
    const TcpConnection& connection() const { return *conn; }

    std::uint32_t id;
    const TcpConnection* conn;
    std::array<Http2Framer, 2> framers;
    Http2Session session;
    EventEmitter* emitter;
    std::array<StreamInput, 2> inputs;
    std::array<StreamReassembler, 2> streams;
    std::unique_ptr<StreamPipeline> pipeline; // null for plaintext HTTP/2 (the common case)
};

// The engine's connection: TCP state, the running traffic record its summary is built from at
// the end, and the decoder while there is payload to decode.
struct TcpConnection {
    explicit TcpConnection(std::uint32_t connId)
        : id(connId)
    {
    }

    std::uint32_t id;
    IpAddress clientAddr;
    IpAddress serverAddr;
    std::uint16_t clientPort = 0;
    std::uint16_t serverPort = 0;
    bool rstSeen = false;
    bool decoderClosed = false; // dropped at the close: old bytes after it are not decoded again
    std::uint32_t handshakeRttUs = 0; // SYN to the client's ACK of the SYN-ACK (0: not seen)
    std::int64_t lastPayloadNs = 0;
    std::array<TcpDirectionState, 2> tcp;
    core::ConnectionTraffic traffic;
    std::unique_ptr<ConnectionDecoder> decoder;
    core::Boxed<DataRttProbe> dataRtt; // made only without the SYN (CaptureEngine::sampleDataRtt)

    std::uint32_t dataRttUs() const { return dataRtt.get().shortestUs; }

    std::string clientName() const; // "127.0.0.1:41234" or "[::1]:41234"
    std::string serverName() const;
};

} // namespace ks::capture
