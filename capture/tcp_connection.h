// One TCP connection as the engine tracks it: both directions' sequence state (for Wireshark's
// keep-alive rules) and the running summary, plus the payload decoder (reassembly, HTTP/2
// framing, HPACK), which exists only while the connection carries payload: it is made at the
// first payload byte and dropped at the close, so a closed connection costs a few hundred bytes.
#pragma once

#include "http2_framer.h"
#include "http2_session.h"
#include "packet_decoder.h"
#include "stream_reassembler.h"

#include <array>
#include <cstdint>
#include <memory>

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
    std::uint16_t window = 0;
    std::uint32_t baseSeq = 0; // first sequence number seen; Wireshark's relative zero
    std::uint32_t nextSeq = 0; // unknown while equal to baseSeq (Wireshark: nextseq == 0)
    std::uint32_t lastAck = 0;
    std::uint32_t synSeq = 0;
    std::uint32_t peerAcked = 0;
};

// Reassembly, HTTP/2 framing and the HTTP/2 session of both directions.
struct ConnectionDecoder {
    ConnectionDecoder(std::uint32_t id, EventEmitter& emitter, Http2Framer::Mode clientMode,
                      Http2Framer::Mode serverMode);
    ConnectionDecoder(const ConnectionDecoder&) = delete;
    ConnectionDecoder& operator=(const ConnectionDecoder&) = delete;

    bool everLocked() const { return framers[0].everLocked() || framers[1].everLocked(); }

    std::array<Http2Framer, 2> framers;
    Http2Session session;
    std::array<StreamReassembler, 2> streams;
};

// The engine keeps the connection's summary beside it (CaptureEngine::m_summaries[id]).
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
    std::int64_t lastPayloadNs = 0;
    std::array<TcpDirectionState, 2> tcp;
    std::unique_ptr<ConnectionDecoder> decoder;
};

} // namespace ks::capture
