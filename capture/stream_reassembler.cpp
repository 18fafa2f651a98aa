// TCP byte-stream reassembly with wrap-around safe sequence arithmetic (RFC 9293 section 3.4).
#include "stream_reassembler.h"

#include "tcp_sequence.h"

namespace ks::capture {

void StreamReassembler::setInitialSequence(std::uint32_t next)
{
    if (!m_started) {
        m_started = true;
        m_next = next;
    }
}

void StreamReassembler::segment(
    std::uint32_t seq, std::span<const std::uint8_t> payload, std::uint32_t wireLength, std::int64_t tsNs)
{
    if (wireLength == 0)
        return;
    if (!m_started) {
        m_started = true;
        m_next = seq;
    }
    const std::int32_t ahead = seqDiff(seq, m_next);
    if (ahead <= 0) {
        deliver(seq, payload, wireLength, tsNs);
        drain();
        return;
    }
    // A hole before this segment that the peer already acknowledged was lost by the capture,
    // not by the network: nothing will fill it. (An ACK seen before its data, as tcpdump -i any
    // can reorder, skips nothing: it only counts once later data waits behind a hole.)
    if (m_peerAckedKnown && seqDiff(m_peerAcked, seq) >= 0) {
        const std::uint32_t hole = static_cast<std::uint32_t>(ahead);
        m_framer.gap(hole);
        m_gapBytes += hole;
        m_holeBytes += hole;
        m_next = seq;
        deliver(seq, payload, wireLength, tsNs);
        drain();
        return;
    }
    // Otherwise hold it until the hole fills or a limit is reached.
    if (!m_held.empty()) {
        const auto oldest = m_held.begin(); // not necessarily oldest in time; good enough as a bound
        if (tsNs - oldest->second.tsNs > kMaxHoldNs) {
            skipToFirstHeld();
            drain();
            segment(seq, payload, wireLength, tsNs);
            return;
        }
    }
    auto [it, inserted] = m_held.try_emplace(seq);
    if (inserted || it->second.wireLength < wireLength) {
        m_heldBytes -= it->second.bytes.size();
        it->second.bytes.assign(payload.begin(), payload.end());
        it->second.wireLength = wireLength;
        it->second.tsNs = tsNs;
        m_heldBytes += payload.size();
    }
    while (m_held.size() > kMaxHeldSegments || m_heldBytes > kMaxHeldBytes) {
        skipToFirstHeld();
        drain();
    }
}

void StreamReassembler::deliver(
    std::uint32_t seq, std::span<const std::uint8_t> payload, std::uint32_t wireLength, std::int64_t tsNs)
{
    const std::int32_t behind = seqDiff(m_next, seq);
    if (behind >= 0 && static_cast<std::uint32_t>(behind) >= wireLength)
        return; // entirely retransmitted (or a keep-alive probe's garbage byte)
    std::uint32_t skip = behind > 0 ? static_cast<std::uint32_t>(behind) : 0;
    std::uint32_t length = wireLength - skip;
    std::span<const std::uint8_t> fresh;
    if (skip < payload.size())
        fresh = payload.subspan(skip);
    m_framer.feed(fresh, tsNs);
    if (fresh.size() < length) {
        m_framer.gap(length - fresh.size()); // snaplen cut the segment short
        m_gapBytes += length - fresh.size();
    }
    m_next += length;
}

void StreamReassembler::drain()
{
    while (!m_held.empty()) {
        // Keys are absolute sequence numbers; find any held segment that now starts at or
        // before m_next (wrap-around safe, so scan: there are at most kMaxHeldSegments).
        auto ready = m_held.end();
        for (auto it = m_held.begin(); it != m_held.end(); ++it) {
            if (seqDiff(it->first, m_next) <= 0) {
                ready = it;
                break;
            }
        }
        if (ready == m_held.end())
            return;
        Held held = std::move(ready->second);
        const std::uint32_t seq = ready->first;
        m_held.erase(ready);
        m_heldBytes -= held.bytes.size();
        deliver(seq, held.bytes, held.wireLength, held.tsNs);
    }
}

void StreamReassembler::skipToFirstHeld()
{
    if (m_held.empty())
        return;
    // The held segment closest after m_next in sequence space.
    auto first = m_held.begin();
    for (auto it = m_held.begin(); it != m_held.end(); ++it)
        if (seqDiff(it->first, m_next) < seqDiff(first->first, m_next))
            first = it;
    const std::int32_t hole = seqDiff(first->first, m_next);
    if (hole > 0) {
        m_framer.gap(static_cast<std::uint32_t>(hole));
        m_gapBytes += static_cast<std::uint32_t>(hole);
        m_holeBytes += static_cast<std::uint32_t>(hole);
        m_next = first->first;
    }
}

void StreamReassembler::giveUpAckedHole()
{
    skipToFirstHeld();
    drain();
}

void StreamReassembler::flush()
{
    while (!m_held.empty()) {
        skipToFirstHeld();
        drain();
    }
}

void StreamReassembler::finish(std::uint32_t finSeq)
{
    flush();
    const std::int32_t hole = m_started ? seqDiff(finSeq, m_next) : 0;
    if (hole > 0) {
        m_framer.gap(static_cast<std::uint32_t>(hole));
        m_gapBytes += static_cast<std::uint32_t>(hole);
        m_holeBytes += static_cast<std::uint32_t>(hole);
        m_next = finSeq;
    }
}

} // namespace ks::capture
