// Capture duplicates: the same TCP segment recorded twice, as `tcpdump -i any` records a packet
// crossing a bridge on each port, or `dumpcap -i lo -i any` on both interfaces, or mergecap of
// overlapping captures. No TCP stack sends a copy: a retransmission waits for an RTO (200 ms at
// least on Linux) or for the peer's duplicate ACKs, and Linux gives it a new IPv4 identification.
// So a segment equal in every header field that matters to one seen just before on the same
// connection and direction is the capture's copy, not a retransmission: counting it as one turned
// graceful closes into silent drops. Equal means same sequence and acknowledgment numbers, flags,
// window, payload length, and IPv4 identification; "just before" is kSameIdNs when the
// identification is set (it changes with each packet a Linux or Windows stack sends) and
// kNoIdNs without one (IPv6, or a stack that sends zero).
#pragma once

#include "packet_decoder.h"

#include <array>
#include <cstdint>

namespace ks::capture {

class DuplicateFilter {
public:
    static constexpr std::int64_t kSameIdNs = 1'000'000'000;
    static constexpr std::int64_t kNoIdNs = 200'000;

    // True when seg, on connection conn in direction d at tsNs, is a copy of a segment seen before;
    // otherwise remembers it.
    bool duplicate(std::uint32_t conn, std::size_t d, const TcpSegment& seg, std::int64_t tsNs)
    {
        Print p { tsNs, conn, seg.seq, seg.ack, seg.payloadLength, seg.ipId, seg.window,
            static_cast<std::uint8_t>(seg.flags), static_cast<std::uint8_t>(d) };
        Print& slot = m_slots[hash(p) % m_slots.size()];
        const bool same = slot.tsNs >= 0 && slot.sameSegment(p);
        const std::int64_t window = p.ipId > 0 ? kSameIdNs : kNoIdNs;
        if (same && tsNs - slot.tsNs <= window)
            return true;
        slot = p;
        return false;
    }

private:
    struct Print {
        std::int64_t tsNs = -1;
        std::uint32_t conn = 0, seq = 0, ack = 0, length = 0;
        std::int32_t ipId = -1;
        std::uint16_t window = 0;
        std::uint8_t flags = 0, dir = 0;
        bool sameSegment(const Print& o) const
        {
            return conn == o.conn && seq == o.seq && ack == o.ack && length == o.length && ipId == o.ipId
                && window == o.window && flags == o.flags && dir == o.dir;
        }
    };
    static std::uint64_t hash(const Print& p)
    {
        std::uint64_t h = (std::uint64_t(p.conn) << 1 | p.dir) * 0x9E3779B97F4A7C15ull;
        h ^= (std::uint64_t(p.seq) << 32 | p.ack) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
        h ^= (std::uint64_t(p.length) << 16 | p.flags) + (h << 6) + (h >> 2);
        return h ^ (h >> 29);
    }
    std::array<Print, 1024> m_slots {};
};

} // namespace ks::capture
