// Link, IP and TCP header decoding. Bounds are checked on every read: a malformed packet is a
// status, never an exception or an out-of-range read.
#include "packet_decoder.h"

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <pcap/pcap.h>

namespace ks::capture {

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr std::uint16_t kEtherQinQOld = 0x9100;

std::uint16_t be16(const std::uint8_t* p)
{
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

DecodeStatus decodeTcp(std::span<const std::uint8_t> ipPayload, std::uint32_t wireLength, TcpSegment& out)
{
    if (ipPayload.size() < 20)
        return DecodeStatus::Truncated;
    const std::uint8_t* p = ipPayload.data();
    const std::size_t headerLength = std::size_t(p[12] >> 4) * 4;
    if (headerLength < 20 || headerLength > wireLength)
        return DecodeStatus::Malformed;
    // A snapshot length that cuts into the TCP options (tcpdump -s 68 on a SYN) still leaves the
    // ports, sequence numbers and flags readable: the segment counts, its payload is all missing.
    const std::size_t readable = std::min(ipPayload.size(), headerLength);
    out.srcPort = be16(p);
    out.dstPort = be16(p + 2);
    out.seq = be32(p + 4);
    out.ack = be32(p + 8);
    out.flags = p[13];
    out.window = be16(p + 14);
    out.payloadLength = wireLength - static_cast<std::uint32_t>(headerLength);
    std::size_t captured = ipPayload.size() - readable;
    if (captured > out.payloadLength)
        captured = out.payloadLength; // Ethernet padding after a short segment
    out.payload = ipPayload.subspan(readable, captured);
    return DecodeStatus::Tcp;
}

DecodeStatus decodeIpv4(std::span<const std::uint8_t> pkt, TcpSegment& out, int depth);
DecodeStatus decodeIpv6(std::span<const std::uint8_t> pkt, TcpSegment& out, int depth);
DecodeStatus decodeEthernet(std::span<const std::uint8_t> frame, TcpSegment& out, int depth);

// Tunnels a capture on a node's underlay carries (Kubernetes overlays, AWS GWLB, mirrored
// ports): IP in IP (RFC 2003, 4213), GRE (RFC 2784, 2890; ERSPAN II and III), VXLAN (RFC 7348,
// UDP 4789) and Geneve (RFC 8926, UDP 6081). The inner packet is decoded as if captured alone;
// kMaxTunnelDepth bounds the nesting.
constexpr int kMaxTunnelDepth = 4;
constexpr std::uint16_t kEtherBridged = 0x6558; // transparent Ethernet bridging
constexpr std::uint16_t kErspan2 = 0x88be;
constexpr std::uint16_t kErspan3 = 0x22eb;

DecodeStatus decodeGre(std::span<const std::uint8_t> pkt, TcpSegment& out, int depth)
{
    if (pkt.size() < 4)
        return DecodeStatus::Truncated;
    const std::uint16_t flags = be16(pkt.data());
    if ((flags & 0x0007) != 0)
        return DecodeStatus::NotTcp; // version 1 is PPTP's enhanced GRE: PPP inside
    std::size_t offset = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
    const std::uint16_t proto = be16(pkt.data() + 2);
    if (proto == kErspan2)
        offset += 8;
    else if (proto == kErspan3)
        offset += (pkt.size() >= offset + 12 && (pkt[offset + 11] & 0x01)) ? 20 : 12;
    if (pkt.size() < offset)
        return DecodeStatus::Truncated;
    const auto inner = pkt.subspan(offset);
    if (proto == kEtherBridged || proto == kErspan2 || proto == kErspan3)
        return decodeEthernet(inner, out, depth);
    if (proto == kEtherIpv4)
        return decodeIpv4(inner, out, depth);
    if (proto == kEtherIpv6)
        return decodeIpv6(inner, out, depth);
    return DecodeStatus::NotTcp;
}

DecodeStatus decodeUdpTunnel(std::span<const std::uint8_t> udp, TcpSegment& out, int depth)
{
    if (udp.size() < 8)
        return DecodeStatus::NotTcp;
    const std::uint16_t dport = be16(udp.data() + 2);
    const auto body = udp.subspan(8);
    if (dport == 4789 && body.size() >= 8 && (body[0] & 0x08))
        return decodeEthernet(body.subspan(8), out, depth);
    if (dport == 6081 && body.size() >= 8 && (body[0] >> 6) == 0) {
        const std::size_t header = 8 + std::size_t(body[0] & 0x3f) * 4;
        if (body.size() < header)
            return DecodeStatus::Truncated;
        const std::uint16_t proto = be16(body.data() + 2);
        if (proto == kEtherBridged)
            return decodeEthernet(body.subspan(header), out, depth);
        if (proto == kEtherIpv4)
            return decodeIpv4(body.subspan(header), out, depth);
        if (proto == kEtherIpv6)
            return decodeIpv6(body.subspan(header), out, depth);
    }
    return DecodeStatus::NotTcp;
}

// An IP payload of protocol `proto` that is no TCP: a tunnel's, or nothing this tool reads.
DecodeStatus decodeTunnel(std::uint8_t proto, std::span<const std::uint8_t> payload, TcpSegment& out, int depth)
{
    if (depth >= kMaxTunnelDepth)
        return DecodeStatus::NotTcp;
    switch (proto) {
    case 4:
        return decodeIpv4(payload, out, depth + 1);
    case 41:
        return decodeIpv6(payload, out, depth + 1);
    case 47:
        return decodeGre(payload, out, depth + 1);
    case IPPROTO_UDP:
        return decodeUdpTunnel(payload, out, depth + 1);
    }
    return DecodeStatus::NotTcp;
}

DecodeStatus decodeIpv4(std::span<const std::uint8_t> pkt, TcpSegment& out, int depth)
{
    if (pkt.size() < 20)
        return DecodeStatus::Truncated;
    const std::uint8_t* p = pkt.data();
    if ((p[0] >> 4) != 4)
        return DecodeStatus::Malformed;
    const std::size_t headerLength = std::size_t(p[0] & 0x0f) * 4;
    std::size_t totalLength = be16(p + 2);
    if (headerLength < 20 || pkt.size() < headerLength)
        return DecodeStatus::Malformed;
    if (totalLength == 0)
        totalLength = pkt.size(); // TCP segmentation offload leaves it zero on some captures
    if (totalLength < headerLength)
        return DecodeStatus::Malformed;
    const std::uint16_t fragment = be16(p + 6);
    const bool fragmented = (fragment & 0x1fff) != 0 || (fragment & 0x2000) != 0;
    if (p[9] != IPPROTO_TCP) {
        if (fragmented)
            return DecodeStatus::NotTcp;
        const std::size_t end = std::min(pkt.size(), totalLength);
        return decodeTunnel(p[9], pkt.subspan(headerLength, end - headerLength), out, depth);
    }
    if (fragmented) {
        out.ipv4Fragment = pkt; // only TCP's fragments: others would crowd the reassembly table
        return DecodeStatus::Ipv4Fragment;
    }
    out.src.family = out.dst.family = 4;
    out.src.bytes.fill(0);
    out.dst.bytes.fill(0);
    std::copy(p + 12, p + 16, out.src.bytes.begin());
    std::copy(p + 16, p + 20, out.dst.bytes.begin());
    out.ipId = be16(p + 4);
    const std::size_t end = std::min(pkt.size(), totalLength);
    return decodeTcp(
        pkt.subspan(headerLength, end - headerLength), static_cast<std::uint32_t>(totalLength - headerLength), out);
}

DecodeStatus decodeIpv6(std::span<const std::uint8_t> pkt, TcpSegment& out, int depth)
{
    if (pkt.size() < 40)
        return DecodeStatus::Truncated;
    const std::uint8_t* p = pkt.data();
    if ((p[0] >> 4) != 6)
        return DecodeStatus::Malformed;
    std::uint32_t remaining = be16(p + 4); // payload length, extension headers included
    if (remaining == 0)
        remaining = static_cast<std::uint32_t>(pkt.size() - 40); // jumbogram or offload
    std::uint8_t next = p[6];
    out.src.family = out.dst.family = 6;
    out.ipId = -1;
    std::copy(p + 8, p + 24, out.src.bytes.begin());
    std::copy(p + 24, p + 40, out.dst.bytes.begin());
    std::size_t offset = 40;
    // Skip extension headers (RFC 8200 section 4); a bounded number, as a loop guard.
    for (int hops = 0; hops < 16; ++hops) {
        switch (next) {
        case IPPROTO_TCP: {
            const std::size_t end = std::min(pkt.size(), std::size_t(40) + remaining);
            if (offset > end)
                return DecodeStatus::Truncated;
            const std::uint32_t consumed = static_cast<std::uint32_t>(offset - 40);
            if (consumed > remaining)
                return DecodeStatus::Malformed;
            return decodeTcp(pkt.subspan(offset, end - offset), remaining - consumed, out);
        }
        case 0: // hop-by-hop
        case 43: // routing
        case 60: // destination options
        case 135: // mobility
        case 139: // HIP
        case 140: { // shim6
            if (pkt.size() < offset + 8)
                return DecodeStatus::Truncated;
            next = pkt[offset];
            offset += (std::size_t(pkt[offset + 1]) + 1) * 8;
            break;
        }
        case 51: { // authentication header: length in 4-octet units, minus 2
            if (pkt.size() < offset + 8)
                return DecodeStatus::Truncated;
            next = pkt[offset];
            offset += (std::size_t(pkt[offset + 1]) + 2) * 4;
            break;
        }
        case 44: { // fragment: only an unfragmented "atomic" fragment is decoded
            if (pkt.size() < offset + 8)
                return DecodeStatus::Truncated;
            const std::uint16_t frag = be16(pkt.data() + offset + 2);
            if ((frag & 0xfff9) != 0)
                return DecodeStatus::NotTcp;
            next = pkt[offset];
            offset += 8;
            break;
        }
        default: {
            const std::size_t end = std::min(pkt.size(), std::size_t(40) + remaining);
            if (offset > end)
                return DecodeStatus::Truncated;
            return decodeTunnel(next, pkt.subspan(offset, end - offset), out, depth);
        }
        }
    }
    return DecodeStatus::Malformed;
}

DecodeStatus decodeByEtherType(
    std::uint16_t etherType, std::span<const std::uint8_t> pkt, TcpSegment& out, int depth = 0)
{
    if (etherType == kEtherIpv4)
        return decodeIpv4(pkt, out, depth);
    if (etherType == kEtherIpv6)
        return decodeIpv6(pkt, out, depth);
    return DecodeStatus::NotTcp;
}

DecodeStatus decodeByVersion(std::span<const std::uint8_t> pkt, TcpSegment& out)
{
    if (pkt.empty())
        return DecodeStatus::Truncated;
    switch (pkt[0] >> 4) {
    case 4:
        return decodeIpv4(pkt, out, 0);
    case 6:
        return decodeIpv6(pkt, out, 0);
    }
    return DecodeStatus::NotTcp;
}

DecodeStatus decodeEthernet(std::span<const std::uint8_t> frame, TcpSegment& out, int depth)
{
    if (frame.size() < 14)
        return DecodeStatus::Truncated;
    std::size_t offset = 12;
    std::uint16_t etherType = be16(frame.data() + offset);
    // 802.1Q and 802.1ad tags, stacked as deep as the frame goes (Wireshark sets no limit); each
    // tag takes 4 bytes of the frame, so the loop ends with it.
    while (etherType == kEtherVlan || etherType == kEtherQinQ || etherType == kEtherQinQOld) {
        offset += 4;
        if (frame.size() < offset + 2)
            return DecodeStatus::Truncated;
        etherType = be16(frame.data() + offset);
    }
    return decodeByEtherType(etherType, frame.subspan(offset + 2), out, depth);
}

DecodeStatus decodeNull(std::span<const std::uint8_t> frame, bool networkOrder, TcpSegment& out)
{
    if (frame.size() < 4)
        return DecodeStatus::Truncated;
    // DLT_NULL stores the address family in the capturing host's byte order: accept both.
    std::uint32_t family = networkOrder ? be32(frame.data())
                                        : std::uint32_t(frame[0]) | std::uint32_t(frame[1]) << 8
            | std::uint32_t(frame[2]) << 16 | std::uint32_t(frame[3]) << 24;
    if (!networkOrder && family > 0xffff)
        family = be32(frame.data());
    const auto pkt = frame.subspan(4);
    switch (family) {
    case 2:
        return decodeIpv4(pkt, out, 0);
    case 10:
    case 24:
    case 28:
    case 30:
        return decodeIpv6(pkt, out, 0); // Linux, BSDs, macOS
    }
    return DecodeStatus::NotTcp;
}

} // namespace

DecodeStatus decodePacket(int linkType, std::span<const std::uint8_t> frame, TcpSegment& out)
{
    switch (linkType) {
    case DLT_EN10MB:
        return decodeEthernet(frame, out, 0);
    case DLT_LINUX_SLL: // 16-byte cooked header, protocol last
        if (frame.size() < 16)
            return DecodeStatus::Truncated;
        return decodeByEtherType(be16(frame.data() + 14), frame.subspan(16), out);
    case DLT_LINUX_SLL2: // 20-byte cooked header, protocol first
        if (frame.size() < 20)
            return DecodeStatus::Truncated;
        return decodeByEtherType(be16(frame.data()), frame.subspan(20), out);
    case DLT_NULL:
        return decodeNull(frame, false, out);
    case DLT_LOOP:
        return decodeNull(frame, true, out);
    case DLT_RAW:
    case 14: // DLT_RAW on OpenBSD
    case 101: // LINKTYPE_RAW as some writers store it
        return decodeByVersion(frame, out);
    case DLT_IPV4:
        return decodeIpv4(frame, out, 0);
    case DLT_IPV6:
        return decodeIpv6(frame, out, 0);
    }
    return DecodeStatus::NotTcp;
}

DecodeStatus decodeIpv4Packet(std::span<const std::uint8_t> packet, TcpSegment& out)
{
    return decodeIpv4(packet, out, 0);
}

bool isSupportedLinkType(int linkType)
{
    switch (linkType) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case 14:
    case 101:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    }
    return false;
}

std::string linkTypeDescription(int linkType)
{
    const char* name = pcap_datalink_val_to_name(linkType);
    const char* description = pcap_datalink_val_to_description(linkType);
    std::string text = name ? name : "DLT " + std::to_string(linkType);
    if (description)
        text += std::string(" (") + description + ")";
    return text;
}

std::string IpAddress::toString() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == 4) {
        inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
        return buf;
    }
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    return std::string("[") + buf + "]";
}

} // namespace ks::capture
