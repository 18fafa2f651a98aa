// One direction of a TCP connection as an ordered byte stream: trims retransmitted bytes, holds
// out-of-order segments (bounded in count, bytes and capture time) and reports what is missing
// as a gap, so the framer above never sees bytes twice or out of order.
#pragma once

#include "byte_stream_sink.h"
#include "tcp_sequence.h"

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace ks::capture {

class StreamReassembler {
public:
    static constexpr std::size_t kMaxHeldSegments = 64;
    static constexpr std::size_t kMaxHeldBytes = 512 * 1024;
    static constexpr std::int64_t kMaxHoldNs = 2'000'000'000; // give up on a hole after 2 s

    explicit StreamReassembler(ByteStreamSink& sink)
        : m_framer(sink)
    {
    }

    // Sequence number of the first payload byte (ISN + 1), from the SYN.
    void setInitialSequence(std::uint32_t next);
    // payload: the captured bytes; wireLength: the segment's payload length on the wire.
    void segment(std::uint32_t seq, std::span<const std::uint8_t> payload, std::uint32_t wireLength, std::int64_t tsNs);
    // The peer acknowledged up to `ack`: a hole before it that later data waits behind was lost
    // by the capture (Wireshark's "ACKed unseen segment"), so it is reported as a gap at once.
    // (Inline: called for every ACK, which nearly always only moves m_peerAcked.)
    void acknowledged(std::uint32_t ack)
    {
        if (!m_started)
            return;
        if (!m_peerAckedKnown || seqDiff(ack, m_peerAcked) > 0) {
            m_peerAcked = ack;
            m_peerAckedKnown = true;
        }
        // A hole the peer has acknowledged while later bytes wait behind it will never be filled.
        if (!m_held.empty() && seqDiff(m_peerAcked, m_next) > 0)
            giveUpAckedHole();
    }
    // Deliver everything still held, with gaps for the holes (FIN, RST, end of capture).
    void flush();
    // The direction's FIN at finSeq: flush, and what lies between the last byte seen and the FIN
    // was sent but is not in the capture (a hole at the stream's end: a lost GOAWAY).
    void finish(std::uint32_t finSeq);

    std::uint64_t gapBytes() const { return m_gapBytes; }
    // Of those, the bytes of holes nothing filled (not the snaplen's cuts).
    std::uint64_t holeBytes() const { return m_holeBytes; }

private:
    struct Held {
        std::vector<std::uint8_t> bytes;
        std::uint32_t wireLength;
        std::int64_t tsNs;
    };

    void deliver(std::uint32_t seq, std::span<const std::uint8_t> payload, std::uint32_t wireLength, std::int64_t tsNs);
    void drain();
    void skipToFirstHeld();
    void giveUpAckedHole();

    ByteStreamSink& m_framer;
    bool m_started = false;
    std::uint32_t m_next = 0;
    std::map<std::uint32_t, Held> m_held; // keyed by sequence number
    std::size_t m_heldBytes = 0;
    std::uint64_t m_gapBytes = 0;
    std::uint64_t m_holeBytes = 0;
    bool m_peerAckedKnown = false;
    std::uint32_t m_peerAcked = 0;
};

} // namespace ks::capture
