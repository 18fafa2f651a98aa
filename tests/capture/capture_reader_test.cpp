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
