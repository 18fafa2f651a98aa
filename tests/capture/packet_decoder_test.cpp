// Link types and IP versions the decoder must accept, built byte by byte.
#include "capture/packet_decoder.h"

#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include <vector>

using ks::capture::decodePacket;
using ks::capture::DecodeStatus;
using ks::capture::TcpSegment;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes tcpHeader(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags)
{
    return { static_cast<std::uint8_t>(sport >> 8), static_cast<std::uint8_t>(sport),
        static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport), 0, 0, 0x10, 0, // seq 4096
        0, 0, 0, 1, // ack
        0x50, flags, 0x01, 0x00, // offset 5 words, window 256
        0, 0, 0, 0 };
}

Bytes ipv4(const Bytes& tcp, const Bytes& payload)
{
    const std::size_t total = 20 + tcp.size() + payload.size();
    Bytes p { 0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 0, 0x40, 0, 64, 6, 0,
        0, 127, 0, 0, 1, 127, 0, 0, 2 };
    p.insert(p.end(), tcp.begin(), tcp.end());
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

Bytes ipv6WithHopByHop(const Bytes& tcp, const Bytes& payload)
{
    const std::size_t plen = 8 + tcp.size() + payload.size();
    Bytes p { 0x60, 0, 0, 0, static_cast<std::uint8_t>(plen >> 8), static_cast<std::uint8_t>(plen), 0 /* hop-by-hop */,
        64 };
    for (int i = 0; i < 2; ++i) { // ::1 twice
        Bytes addr(16, 0);
        addr[15] = 1;
        p.insert(p.end(), addr.begin(), addr.end());
    }
    Bytes hbh { 6 /* next: TCP */, 0, 1, 4, 0, 0, 0, 0 }; // PadN option
    p.insert(p.end(), hbh.begin(), hbh.end());
    p.insert(p.end(), tcp.begin(), tcp.end());
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

Bytes concat(Bytes a, const Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

const Bytes kPayload { 1, 2, 3, 4, 5 };

void expectSegment(int dlt, const Bytes& frame, std::uint8_t family)
{
    TcpSegment seg;
    ASSERT_EQ(decodePacket(dlt, frame, seg), DecodeStatus::Tcp) << "link type " << dlt;
    EXPECT_EQ(seg.src.family, family);
    EXPECT_EQ(seg.srcPort, 40000);
    EXPECT_EQ(seg.dstPort, 50051);
    EXPECT_EQ(seg.seq, 4096u);
    EXPECT_EQ(seg.window, 256);
    EXPECT_EQ(seg.payloadLength, 5u);
    EXPECT_EQ(Bytes(seg.payload.begin(), seg.payload.end()), kPayload);
}

} // namespace

TEST(PacketDecoder, ethernetWithStackedVlanTags)
{
    Bytes eth(12, 0);
    eth.insert(eth.end(), { 0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00 });
    expectSegment(DLT_EN10MB, concat(eth, ipv4(tcpHeader(40000, 50051, 0x18), kPayload)), 4);
}

TEST(PacketDecoder, linuxCookedV1AndV2)
{
    Bytes sll(14, 0);
    sll.insert(sll.end(), { 0x86, 0xdd });
    expectSegment(DLT_LINUX_SLL, concat(sll, ipv6WithHopByHop(tcpHeader(40000, 50051, 0x18), kPayload)), 6);
    Bytes sll2 { 0x08, 0x00 };
    sll2.resize(20, 0);
    expectSegment(DLT_LINUX_SLL2, concat(sll2, ipv4(tcpHeader(40000, 50051, 0x18), kPayload)), 4);
}

TEST(PacketDecoder, bsdLoopbackInEitherByteOrderAndRawIp)
{
    expectSegment(DLT_NULL, concat(Bytes { 2, 0, 0, 0 }, ipv4(tcpHeader(40000, 50051, 0x18), kPayload)), 4);
    expectSegment(
        DLT_NULL, concat(Bytes { 0, 0, 0, 30 }, ipv6WithHopByHop(tcpHeader(40000, 50051, 0x18), kPayload)), 6);
    expectSegment(DLT_LOOP, concat(Bytes { 0, 0, 0, 2 }, ipv4(tcpHeader(40000, 50051, 0x18), kPayload)), 4);
    expectSegment(DLT_RAW, ipv6WithHopByHop(tcpHeader(40000, 50051, 0x18), kPayload), 6);
}

TEST(PacketDecoder, snaplenCutPayloadKeepsTheWireLength)
{
    Bytes pkt = ipv4(tcpHeader(40000, 50051, 0x18), kPayload);
    pkt.resize(pkt.size() - 3);
    TcpSegment seg;
    ASSERT_EQ(decodePacket(DLT_RAW, pkt, seg), DecodeStatus::Tcp);
    EXPECT_EQ(seg.payloadLength, 5u);
    EXPECT_EQ(seg.payload.size(), 2u);
}

TEST(PacketDecoder, aSynWhoseOptionsTheSnaplenCutStillCounts)
{
    // tcpdump -s 68 on Ethernet keeps 34 bytes of a SYN's 40-byte TCP header: ports, sequence
    // number and flags are there, only options are missing (tshark reads it the same way).
    Bytes tcp = tcpHeader(40000, 50051, 0x02);
    tcp[12] = 0xa0; // 40-byte header: 20 bytes of options
    tcp.insert(tcp.end(), 20, 0x01);
    Bytes pkt = ipv4(tcp, {});
    pkt.resize(20 + 34);
    TcpSegment seg;
    ASSERT_EQ(decodePacket(DLT_RAW, pkt, seg), DecodeStatus::Tcp);
    EXPECT_EQ(seg.flags, 0x02);
    EXPECT_EQ(seg.seq, 4096u);
    EXPECT_EQ(seg.payloadLength, 0u);
    EXPECT_TRUE(seg.payload.empty());
    // With data behind the cut options, the whole payload counts as missing, never as options.
    Bytes withData = ipv4(tcp, kPayload);
    withData.resize(20 + 30);
    ASSERT_EQ(decodePacket(DLT_RAW, withData, seg), DecodeStatus::Tcp);
    EXPECT_EQ(seg.payloadLength, 5u);
    EXPECT_TRUE(seg.payload.empty());
}

TEST(PacketDecoder, truncatedAndForeignPacketsAreStatusesNotCrashes)
{
    TcpSegment seg;
    Bytes pkt = ipv4(tcpHeader(40000, 50051, 0x18), kPayload);
    for (std::size_t n = 0; n < 40; ++n)
        EXPECT_NE(decodePacket(DLT_RAW, Bytes(pkt.begin(), pkt.begin() + static_cast<std::ptrdiff_t>(n)), seg),
            DecodeStatus::Tcp);
    Bytes udp = pkt;
    udp[9] = 17;
    EXPECT_EQ(decodePacket(DLT_RAW, udp, seg), DecodeStatus::NotTcp);
    Bytes badHeaderLength = pkt;
    badHeaderLength[20 + 12] = 0x20; // TCP data offset 2 words
    EXPECT_EQ(decodePacket(DLT_RAW, badHeaderLength, seg), DecodeStatus::Malformed);
    Bytes arp(12, 0);
    arp.insert(arp.end(), { 0x08, 0x06 });
    arp.resize(60, 0);
    EXPECT_EQ(decodePacket(DLT_EN10MB, arp, seg), DecodeStatus::NotTcp);
}

namespace {

// An outer IPv4 header (192.168.0.1 -> 192.168.0.2) around `inner`, of IP protocol `proto`.
Bytes outerIpv4(std::uint8_t proto, const Bytes& inner)
{
    const std::size_t total = 20 + inner.size();
    Bytes p { 0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0x12, 0x34, 0x40, 0,
        64, proto, 0, 0, 192, 168, 0, 1, 192, 168, 0, 2 };
    return concat(p, inner);
}

Bytes udp(std::uint16_t dport, const Bytes& body)
{
    const std::size_t len = 8 + body.size();
    return concat({ 0xc0, 0x00, static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport),
                      static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len), 0, 0 },
        body);
}

Bytes ethernet(std::uint16_t etherType, const Bytes& body)
{
    Bytes eth(12, 0xaa);
    eth.push_back(static_cast<std::uint8_t>(etherType >> 8));
    eth.push_back(static_cast<std::uint8_t>(etherType));
    return concat(eth, body);
}

} // namespace

// Captures on an overlay's underlay (Kubernetes nodes, AWS GWLB, mirrored ports) hold the TCP
// inside a tunnel: the inner segment is decoded as if captured alone. (This kernel has VXLAN
// devices, whose capture is tests/data/vxlan_tunnel.pcap; GRE, IP in IP and Geneve are built here.)
TEST(PacketDecoder, tcpInsideTunnelsIsDecoded)
{
    const Bytes inner = ipv4(tcpHeader(40000, 50051, 0x18), kPayload);
    // IP in IP (RFC 2003) and 6in4 (RFC 4213)
    expectSegment(DLT_RAW, outerIpv4(4, inner), 4);
    expectSegment(DLT_RAW, outerIpv4(41, ipv6WithHopByHop(tcpHeader(40000, 50051, 0x18), kPayload)), 6);
    // GRE with checksum, key and sequence number (RFC 2890) carrying IPv4, and transparent Ethernet bridging
    expectSegment(DLT_RAW, outerIpv4(47, concat({ 0xb0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1 }, inner)), 4);
    expectSegment(DLT_RAW, outerIpv4(47, concat({ 0x00, 0x00, 0x65, 0x58 }, ethernet(0x0800, inner))), 4);
    // ERSPAN type II: GRE with a sequence number, an 8-byte ERSPAN header, the mirrored Ethernet frame
    expectSegment(DLT_RAW,
        outerIpv4(47, concat({ 0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x01, 0, 0, 0, 0, 0, 0 }, ethernet(0x0800, inner))),
        4);
    // VXLAN (UDP 4789) inside Ethernet, and Geneve (UDP 6081) with one 4-byte option
    expectSegment(
        DLT_EN10MB, ethernet(0x0800, outerIpv4(17, udp(4789, concat({ 0x08, 0, 0, 0, 0, 0, 42, 0 }, ethernet(0x0800, inner))))), 4);
    expectSegment(DLT_RAW,
        outerIpv4(17, udp(6081, concat({ 0x01, 0, 0x65, 0x58, 0, 0, 42, 0, 0x01, 0x02, 0x03, 0x00 }, ethernet(0x0800, inner)))),
        4);
}

TEST(PacketDecoder, tunnelsAreBoundedAndOtherUdpIsNotTcp)
{
    TcpSegment seg;
    // A UDP datagram to another port, GRE version 1 (PPTP), a truncated GRE header: no TCP, no crash.
    EXPECT_EQ(decodePacket(DLT_RAW, outerIpv4(17, udp(53, Bytes(20, 0))), seg), DecodeStatus::NotTcp);
    EXPECT_EQ(decodePacket(DLT_RAW, outerIpv4(47, Bytes { 0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 0 }), seg),
        DecodeStatus::NotTcp);
    EXPECT_EQ(decodePacket(DLT_RAW, outerIpv4(47, Bytes { 0xb0, 0x00, 0x08, 0x00 }), seg), DecodeStatus::Truncated);
    // IP in IP nested deeper than any real path: given up, not followed down the stack.
    Bytes nested = ipv4(tcpHeader(40000, 50051, 0x18), kPayload);
    for (int i = 0; i < 10; ++i)
        nested = outerIpv4(4, nested);
    EXPECT_EQ(decodePacket(DLT_RAW, nested, seg), DecodeStatus::NotTcp);
}

TEST(PacketDecoder, ipv4IdentificationIsKeptForDuplicateDetection)
{
    TcpSegment seg;
    ASSERT_EQ(decodePacket(DLT_RAW, outerIpv4(4, ipv4(tcpHeader(40000, 50051, 0x18), kPayload)), seg), DecodeStatus::Tcp);
    EXPECT_EQ(seg.ipId, 0); // the inner header's, not the tunnel's 0x1234
    ASSERT_EQ(decodePacket(DLT_RAW, outerIpv4(6, tcpHeader(40000, 50051, 0x18)), seg), DecodeStatus::Tcp);
    EXPECT_EQ(seg.ipId, 0x1234);
    ASSERT_EQ(decodePacket(DLT_RAW, ipv6WithHopByHop(tcpHeader(40000, 50051, 0x18), kPayload), seg), DecodeStatus::Tcp);
    EXPECT_EQ(seg.ipId, -1);
}
