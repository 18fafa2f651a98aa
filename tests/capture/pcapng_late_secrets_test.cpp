// pcapng Decryption Secrets Blocks that the prescan before the first packet does not see: after
// packets (two captures joined with cat) and anywhere in a stream (tcpdump / dumpcap on a pipe,
// `analyze -`). They reach the engine through readCapture, the path analyze and the window share,
// and the TLS sessions after them are decrypted exactly as with the secrets up front.
#include "capture/capture_engine.h"
#include "capture/capture_reader.h"
#include "capture/packet_source.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using ks::capture::CaptureEngine;
using ks::capture::PacketSource;
using ks::core::Event;
using ks::core::EventType;

std::vector<std::uint8_t> bytesOf(const std::string& name)
{
    std::ifstream in(std::string(KS_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

struct Counted final : ks::capture::EventSink {
    std::size_t pings = 0, acks = 0, inferred = 0;
    void onEvent(const Event& e) override
    {
        pings += e.type == EventType::Ping;
        acks += e.type == EventType::PingAck;
        inferred += e.inferred;
    }
};

struct Read {
    Counted sink;
    std::vector<ks::core::ConnectionSummary> connections;
    ks::capture::CaptureReadResult result;
};

void readAll(PacketSource& source, Read& out)
{
    CaptureEngine engine(source.linkType(), out.sink);
    out.result = ks::capture::readCapture(source, engine, "joined");
    out.connections = engine.summaries();
}

std::string decryptionOf(const Read& r, std::size_t i)
{
    return i < r.connections.size() && r.connections[i].tls ? r.connections[i].tls->decryption : "(not TLS)";
}

// The reference: tls13_dsb.pcapng alone, its secrets read before the first packet (the prescan).
Read alone()
{
    Read r;
    const auto bytes = bytesOf("tls13_dsb.pcapng");
    std::string error;
    auto source = PacketSource::openBytes(bytes, "tls13_dsb.pcapng", error);
    EXPECT_TRUE(source) << error;
    CaptureEngine engine(source->linkType(), r.sink);
    r.result = ks::capture::readCapture(*source, engine, "tls13_dsb.pcapng");
    r.connections = engine.summaries();
    return r;
}

TEST(PcapngLateSecrets, aSecretsBlockAfterPacketsDecryptsTheSessionsAfterIt)
{
    const Read reference = alone();
    ASSERT_EQ(decryptionOf(reference, 0), "decrypted");
    ASSERT_GE(reference.sink.pings, 10u);

    // cat ping_healthy.pcapng tls13_dsb.pcapng: the second section's secrets come after packets.
    auto joined = bytesOf("ping_healthy.pcapng");
    const auto second = bytesOf("tls13_dsb.pcapng");
    const std::size_t plainConnections = [&] {
        Read plain;
        std::string error;
        auto source = PacketSource::openBytes(joined, "ping_healthy.pcapng", error);
        EXPECT_TRUE(source) << error;
        readAll(*source, plain);
        return plain.connections.size();
    }();
    joined.insert(joined.end(), second.begin(), second.end());
    std::string error;
    auto source = PacketSource::openBytes(joined, "joined", error);
    ASSERT_TRUE(source) << error;
    EXPECT_TRUE(source->embeddedKeyLog().empty()); // the prescan stops at the first packet
    Read r;
    readAll(*source, r);
    EXPECT_TRUE(r.result.error.empty()) << r.result.error;
    ASSERT_EQ(r.connections.size(), plainConnections + reference.connections.size());
    EXPECT_EQ(decryptionOf(r, plainConnections), "decrypted");
    EXPECT_EQ(r.sink.inferred, 0u);
    EXPECT_GE(r.sink.pings, reference.sink.pings); // the plaintext part adds its own PINGs
}

TEST(PcapngLateSecrets, aStreamsSecretsBlockIsReadAsItArrives)
{
    const Read reference = alone();
    const auto bytes = bytesOf("tls13_dsb.pcapng");
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread writer([&] {
        std::size_t at = 0;
        while (at < bytes.size()) {
            const ssize_t n = ::write(fds[1], bytes.data() + at, bytes.size() - at);
            if (n <= 0)
                break;
            at += static_cast<std::size_t>(n);
        }
        ::close(fds[1]);
    });
    std::string error;
    auto source = PacketSource::openPipe(fds[0], "standard input", nullptr, error);
    ASSERT_TRUE(source) << error;
    Read r;
    readAll(*source, r);
    writer.join();
    EXPECT_TRUE(r.result.error.empty()) << r.result.error;
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_EQ(decryptionOf(r, 0), "decrypted");
    EXPECT_EQ(r.sink.pings, reference.sink.pings);
    EXPECT_EQ(r.sink.acks, reference.sink.acks);
    EXPECT_EQ(r.sink.inferred, 0u);
}

TEST(PcapngLateSecrets, secretsUpFrontInAFileAreNotHandedOnTwice)
{
    const auto bytes = bytesOf("tls13_dsb.pcapng");
    std::string error;
    auto source = PacketSource::openBytes(bytes, "tls13_dsb.pcapng", error);
    ASSERT_TRUE(source) << error;
    ASSERT_FALSE(source->embeddedKeyLog().empty());
    std::int64_t ts = 0;
    std::span<const std::uint8_t> frame;
    while (source->next(ts, frame, error) == PacketSource::Status::Packet)
        EXPECT_FALSE(source->hasLateSecrets());
}

} // namespace
