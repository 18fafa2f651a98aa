// IPv4 reassembly: a payload of at most 65535 bytes per datagram, tracked in 8-byte blocks.
#include "ipv4_reassembler.h"

#include <algorithm>
#include <cstring>

namespace ks::capture {

std::uint64_t Ipv4Reassembler::abandonedFragments() const
{
    std::uint64_t n = m_abandonedFragments;
    for (const auto& p : m_pending)
        n += p.fragments;
    return n;
}

std::span<const std::uint8_t> Ipv4Reassembler::add(std::span<const std::uint8_t> pkt, std::int64_t tsNs)
{
    const auto drop = [this](std::vector<Pending>::iterator it) {
        ++m_abandoned;
        m_abandonedFragments += it->fragments;
        return m_pending.erase(it);
    };
    for (auto it = m_pending.begin(); it != m_pending.end();)
        it = tsNs - it->firstNs > kMaxWaitNs ? drop(it) : it + 1;

    const std::size_t headerLength = std::size_t(pkt[0] & 0x0f) * 4;
    const std::size_t wireLength = std::size_t(pkt[2]) << 8 | pkt[3];
    const std::uint16_t flags = static_cast<std::uint16_t>(pkt[6] << 8 | pkt[7]);
    const std::size_t offset = std::size_t(flags & 0x1fff) * 8;
    const bool more = flags & 0x2000;
    std::array<std::uint8_t, 11> key {};
    std::memcpy(key.data(), pkt.data() + 12, 8);
    key[8] = pkt[9];
    key[9] = pkt[4];
    key[10] = pkt[5];
    auto it = std::find_if(m_pending.begin(), m_pending.end(), [&](const Pending& p) { return p.key == key; });
    if (it == m_pending.end()) {
        if (m_pending.size() >= kMaxPending)
            drop(m_pending.begin()); // the oldest
        m_pending.push_back({});
        it = m_pending.end() - 1;
        it->key = key;
        it->firstNs = tsNs;
        it->header.assign(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(headerLength));
    }
    Pending& p = *it;
    ++p.fragments;
    if (wireLength < headerLength || pkt.size() < wireLength) {
        drop(it); // cut by the snaplen: the datagram cannot be completed
        return {};
    }
    const std::span<const std::uint8_t> data = pkt.subspan(headerLength, wireLength - headerLength);
    const std::size_t end = offset + data.size();
    if (end + headerLength > 65535 || (p.totalLength && end > p.totalLength)
        || (!more && (p.totalLength ? p.totalLength != end : end < p.payload.size()))) {
        drop(it); // beyond the largest datagram, or fragments that disagree on its length
        return {};
    }
    if (offset == 0)
        p.header.assign(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(headerLength));
    if (!more)
        p.totalLength = static_cast<std::uint32_t>(end);
    if (p.payload.size() < end)
        p.payload.resize(end);
    std::copy(data.begin(), data.end(), p.payload.begin() + static_cast<std::ptrdiff_t>(offset));
    // Only whole 8-byte blocks count, except the datagram's last, shorter one.
    for (std::size_t b = offset / 8; b * 8 < end && (b * 8 + 8 <= end || !more); ++b)
        p.have.set(b);
    if (!p.totalLength)
        return {};
    for (std::size_t b = 0; b * 8 < p.totalLength; ++b)
        if (!p.have.test(b))
            return {};
    // Whole: the first fragment's header, the total length set, the fragment fields cleared.
    m_out = p.header;
    const std::size_t length = m_out.size() + p.totalLength;
    m_out[2] = static_cast<std::uint8_t>(length >> 8);
    m_out[3] = static_cast<std::uint8_t>(length);
    m_out[6] = 0;
    m_out[7] = 0;
    m_out.insert(m_out.end(), p.payload.begin(), p.payload.begin() + p.totalLength);
    m_pending.erase(it);
    return m_out;
}

} // namespace ks::capture
