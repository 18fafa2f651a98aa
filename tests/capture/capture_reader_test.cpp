// Reading a capture to its end (capture/capture_reader.h), as analyze and the window do: a whole
// file, one cut inside a record, one with no readable packet, a link type we cannot decode, and
// a cancelled read.
#include "capture/capture_reader.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace ks::capture;

namespace {

struct CountingSink final : EventSink {
    void onEvent(const ks::core::Event&) override { ++events; }
    std::size_t events = 0;
};

std::vector<std::uint8_t> fileBytes(const std::string& name)
{
    std::ifstream in(std::string(KS_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), {} };
}

} // namespace

TEST(CaptureReader, readsAWholeCaptureAndFinishesTheEngine)
{
    const auto bytes = fileBytes("go_ping_healthy.pcap");
    ASSERT_GT(bytes.size(), 24u);
    std::string error;
    auto source = PacketSource::openBytes(bytes, "go_ping_healthy.pcap", error);
    ASSERT_TRUE(source) << error;
    EXPECT_EQ(unsupportedLinkTypeError(*source, "go_ping_healthy.pcap"), "");
    CountingSink sink;
    CaptureEngine engine(source->linkType(), sink);
    std::size_t calls = 0;
    const auto read = readCapture(*source, engine, "go_ping_healthy.pcap", [&] { ++calls; });
    EXPECT_EQ(read.error, "");
    EXPECT_EQ(read.stoppedEarly, "");
    EXPECT_TRUE(read.warnings.empty()) << read.warnings.front();
    EXPECT_FALSE(read.cancelled);
    EXPECT_EQ(calls, engine.counters().packets); // once before each packet
    EXPECT_GT(engine.counters().packets, 10u);
    EXPECT_GT(sink.events, 0u);
    ASSERT_FALSE(engine.summaries().empty());
}

TEST(CaptureReader, aRecordCutShortStopsTheReadAndSaysTheResultsCoverThePartBefore)
{
    auto bytes = fileBytes("go_ping_healthy.pcap");
    bytes.resize(bytes.size() - 7); // the last record's data is cut
    std::string error;
    auto source = PacketSource::openBytes(bytes, "cut.pcap", error);
    ASSERT_TRUE(source) << error;
    CountingSink sink;
    CaptureEngine engine(source->linkType(), sink);
    const auto read = readCapture(*source, engine, "cut.pcap");
    EXPECT_EQ(read.error, "");
    const std::string start
        = "cut.pcap: stopped after " + std::to_string(engine.counters().packets) + " packets, the rest is unreadable (";
    EXPECT_EQ(read.stoppedEarly.substr(0, start.size()), start) << read.stoppedEarly;
    EXPECT_NE(read.stoppedEarly.find("results cover the readable part"), std::string::npos) << read.stoppedEarly;
}

TEST(CaptureReader, aFileWithoutOneReadablePacketIsAnError)
{
    auto bytes = fileBytes("go_ping_healthy.pcap");
    bytes.resize(24 + 16 + 3); // the file header, one record header, 3 bytes of its data
    std::string error;
    auto source = PacketSource::openBytes(bytes, "stub.pcap", error);
    ASSERT_TRUE(source) << error;
    CountingSink sink;
    CaptureEngine engine(source->linkType(), sink);
    const auto read = readCapture(*source, engine, "stub.pcap");
    EXPECT_EQ(read.error.substr(0, 30), "stub.pcap: no readable packet ") << read.error;
    EXPECT_EQ(engine.counters().packets, 0u);
}

TEST(CaptureReader, aLinkTypeTheEngineCannotDecodeIsNamedWithTheSupportedOnes)
{
    auto bytes = fileBytes("go_ping_healthy.pcap");
    ASSERT_EQ(bytes[0], 0xd4); // little-endian pcap: the link type is bytes 20..23
    bytes[20] = 147; // LINKTYPE_USER0
    bytes[21] = bytes[22] = bytes[23] = 0;
    std::string error;
    auto source = PacketSource::openBytes(bytes, "user0.pcap", error);
    ASSERT_TRUE(source) << error;
    const auto message = unsupportedLinkTypeError(*source, "user0.pcap");
    EXPECT_EQ(message.substr(0, 34), "user0.pcap: unsupported link type ") << message;
    EXPECT_NE(message.find("supported: Ethernet"), std::string::npos) << message;
}

// dumpcap -i nflog -i lo: the first interface is one the engine cannot decode, and carries no
// packet; the file is read, not refused for it.
TEST(CaptureReader, aPcapngWhoseFirstInterfaceIsUndecodableIsStillRead)
{
    std::string error;
    auto source = PacketSource::open(std::string(KS_TEST_DATA_DIR) + "/nflog_first_iface.pcapng", error);
    ASSERT_TRUE(source) << error;
    EXPECT_FALSE(isSupportedLinkType(source->linkType())); // NFLOG
    EXPECT_EQ(unsupportedLinkTypeError(*source, "nflog_first_iface.pcapng"), "");
}

TEST(CaptureReader, aCancelledReadStopsBeforeTheNextPacket)
{
    const auto bytes = fileBytes("go_ping_healthy.pcap");
    std::string error;
    auto source = PacketSource::openBytes(bytes, "go_ping_healthy.pcap", error);
    ASSERT_TRUE(source) << error;
    CountingSink sink;
    CaptureEngine engine(source->linkType(), sink);
    std::atomic<bool> cancel { false };
    std::size_t calls = 0;
    const auto read = readCapture(
        *source, engine, "go_ping_healthy.pcap",
        [&] {
            if (++calls == 5)
                cancel = true;
        },
        &cancel);
    EXPECT_TRUE(read.cancelled);
    EXPECT_EQ(read.error, "");
    EXPECT_EQ(engine.counters().packets, 5u);
}

// A Simple Packet Block has no timestamp (pcapng spec, section 4.4): Wireshark shows no time for
// it; we give it the previous packet's and say how many packets got one. dumpcap never writes
// SPBs, so every second EPB of its ping_healthy.pcapng is rewritten as one here.
TEST(CaptureReader, simplePacketBlocksWithoutATimeAreCountedInAWarning)
{
    const auto in = fileBytes("ping_healthy.pcapng");
    ASSERT_GT(in.size(), 28u);
    const auto u32 = [&](std::size_t at) {
        return std::uint32_t(in[at]) | std::uint32_t(in[at + 1]) << 8 | std::uint32_t(in[at + 2]) << 16
            | std::uint32_t(in[at + 3]) << 24;
    };
    const auto put32 = [](std::vector<std::uint8_t>& out, std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    ASSERT_EQ(u32(8), 0x1a2b3c4du); // little-endian, as dumpcap writes here
    std::vector<std::uint8_t> out;
    std::size_t epbs = 0, spbs = 0;
    for (std::size_t at = 0; at + 12 <= in.size();) {
        const std::uint32_t type = u32(at), length = u32(at + 4);
        ASSERT_GE(length, 12u);
        if (type == 6 && epbs++ % 2 == 1) {
            const std::uint32_t caplen = u32(at + 20), wire = u32(at + 24);
            ASSERT_EQ(caplen, wire); // whole packets: an SPB holds the original length only
            const std::uint32_t padded = (caplen + 3) & ~3u;
            put32(out, 3);
            put32(out, 16 + padded);
            put32(out, wire);
            out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(at + 28),
                in.begin() + static_cast<std::ptrdiff_t>(at + 28 + padded));
            put32(out, 16 + padded);
            ++spbs;
        } else {
            out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(at),
                in.begin() + static_cast<std::ptrdiff_t>(at + length));
        }
        at += length;
    }
    ASSERT_GT(spbs, 3u);
    std::string error;
    auto source = PacketSource::openBytes(out, "spb.pcapng", error);
    ASSERT_TRUE(source) << error;
    CountingSink sink;
    CaptureEngine engine(source->linkType(), sink);
    const auto read = readCapture(*source, engine, "spb.pcapng");
    EXPECT_EQ(read.error, "");
    EXPECT_EQ(engine.counters().packets, epbs);
    std::string spbWarning;
    for (const auto& w : read.warnings)
        if (w.find("Simple Packet Block") != std::string::npos)
            spbWarning = w;
    EXPECT_NE(spbWarning.find(std::to_string(spbs) + " packets"), std::string::npos) << spbWarning;
    EXPECT_NE(spbWarning.find("first: packet 2"), std::string::npos) << spbWarning;
}
