// IPv4 fragment reassembly (RFC 791), as Wireshark does it by default (ip.defragment): fragments
// of one datagram (same source, destination, protocol and identification) are put together and
// the whole datagram is decoded. Bounded in datagrams held, bytes held and time waited.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <vector>

namespace ks::capture {

class Ipv4Reassembler {
public:
    // fragment: one IPv4 packet with MF set or a non-zero offset (its header and the captured part
    // of its payload). Returns the reassembled datagram (header + payload, no longer a fragment)
    // when this fragment completes it, else an empty span. The span stays valid until the next add.
    std::span<const std::uint8_t> add(std::span<const std::uint8_t> fragment, std::int64_t tsNs);

    // Datagrams given up on (evicted, expired, inconsistent, or still incomplete at the end).
    std::uint64_t abandoned() const { return m_abandoned + m_pending.size(); }
    std::uint64_t abandonedFragments() const;

    static constexpr std::size_t kMaxPending = 64;
    // Linux drops an incomplete datagram after ipfrag_time (30 s): the host never saw it whole.
    static constexpr std::int64_t kMaxWaitNs = 30'000'000'000;

private:
    struct Pending {
        std::array<std::uint8_t, 11> key {}; // source, destination, protocol, identification
        std::int64_t firstNs = 0;
        std::vector<std::uint8_t> header; // the first fragment's IPv4 header
        std::vector<std::uint8_t> payload;
        std::bitset<8192> have; // 8-byte blocks of the payload received
        std::uint32_t totalLength = 0; // payload length, known once the last fragment came
        std::uint64_t fragments = 0;
    };

    std::vector<Pending> m_pending;
    std::vector<std::uint8_t> m_out;
    std::uint64_t m_abandoned = 0;
    std::uint64_t m_abandonedFragments = 0;
};

} // namespace ks::capture
