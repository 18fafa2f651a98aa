// Link layer -> IPv4/IPv6 -> TCP: turns one captured frame into a view of its TCP segment.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace ks::capture {

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpAck = 0x10;

struct IpAddress {
    std::uint8_t family = 0; // 4 or 6
    std::array<std::uint8_t, 16> bytes {};

    // Two words, not a memcmp call: compared for every packet (flow lookup, direction).
    bool operator==(const IpAddress& other) const
    {
        std::uint64_t a[2], b[2];
        std::memcpy(a, bytes.data(), sizeof a);
        std::memcpy(b, other.bytes.data(), sizeof b);
        return family == other.family && ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
    }
    // The bytes' lexicographic order (std::array's <), word by word.
    bool bytesBefore(const IpAddress& other) const
    {
        std::uint64_t a[2], b[2];
        std::memcpy(a, bytes.data(), sizeof a);
        std::memcpy(b, other.bytes.data(), sizeof b);
        const std::uint64_t a0 = __builtin_bswap64(a[0]), b0 = __builtin_bswap64(b[0]);
        return a0 != b0 ? a0 < b0 : __builtin_bswap64(a[1]) < __builtin_bswap64(b[1]);
    }
    std::string toString() const;
};

struct TcpSegment {
    IpAddress src;
    IpAddress dst;
    std::uint16_t srcPort = 0;
    std::uint16_t dstPort = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::span<const std::uint8_t> payload; // the captured part of the payload
    std::uint32_t payloadLength = 0; // on the wire, from the IP header (>= payload.size())
    std::int32_t ipId = -1; // IPv4's identification field; -1 for IPv6
    std::span<const std::uint8_t> ipv4Fragment; // set with DecodeStatus::Ipv4Fragment
};

// Ipv4Fragment: the packet is one fragment of an IPv4 datagram, left in out.ipv4Fragment (its
// header and captured bytes) for the engine's reassembly.
enum class DecodeStatus { Tcp, NotTcp, Truncated, Malformed, Ipv4Fragment };

// linkType is the libpcap DLT_ value of the source.
DecodeStatus decodePacket(int linkType, std::span<const std::uint8_t> frame, TcpSegment& out);

// A whole IPv4 packet (e.g. a reassembled datagram).
DecodeStatus decodeIpv4Packet(std::span<const std::uint8_t> packet, TcpSegment& out);

bool isSupportedLinkType(int linkType);
std::string linkTypeDescription(int linkType);

} // namespace ks::capture
