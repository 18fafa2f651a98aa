// The engine on captures made by grpc-go, gRPC C-core and the kernel (tests/data, made by
// tests/data/make_captures.sh): what an SRE needs to read off each must come out right.
#include "core/http2_codes.h"
#include "read_capture.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using ks::core::Direction;
using ks::core::Event;
using ks::core::EventType;

namespace {

struct Result {
    std::vector<Event> events;
    std::vector<ks::core::ConnectionSummary> connections;
    int decimals = 0;
    int linkType = 0;

    std::vector<Event> of(EventType type) const
    {
        std::vector<Event> out;
        std::copy_if(
            events.begin(), events.end(), std::back_inserter(out), [type](const Event& e) { return e.type == type; });
        return out;
    }
};

struct Collector final : ks::capture::EventSink {
    std::vector<Event>* out;
    void onEvent(const Event& e) override { out->push_back(e); }
};

Result analyze(const std::string& name)
{
    Result r;
    Collector sink;
    sink.out = &r.events;
    auto read = ks::test::readCapture(name, sink);
    r.connections = std::move(read.connections);
    r.decimals = read.decimals;
    r.linkType = read.linkType;
    for (std::size_t i = 0; i < r.events.size(); ++i)
        EXPECT_EQ(r.events[i].index, i);
    return r;
}

} // namespace

TEST(ReferenceCaptures, goawayTooManyPingsIsDecodedWithDebugTextFromGrpcGoAndCCore)
{
    for (const char* file : { "goaway_too_many_pings.pcap", "goaway_too_many_pings_core.pcap" }) {
        const Result r = analyze(file);
        const auto goaways = r.of(EventType::Goaway);
        ASSERT_EQ(goaways.size(), 1u) << file;
        EXPECT_EQ(goaways[0].dir, Direction::ServerToClient) << file;
        EXPECT_EQ(goaways[0].errorCode, 11u) << file;
        EXPECT_EQ(goaways[0].debug, "too_many_pings") << file;
        EXPECT_GE(r.of(EventType::Ping).size(), 3u) << file;
        ASSERT_EQ(r.connections.size(), 1u);
        EXPECT_EQ(r.connections[0].end, ks::core::ConnectionEnd::FinS2C) << file;
    }
}

TEST(ReferenceCaptures, everyPingAckIsPairedWithItsPingAndHasARoundTripTime)
{
    for (const char* file : { "go_ping_healthy.pcap", "core_ping_healthy.pcap", "ping_healthy.pcapng", "ping_nano.pcap",
             "ipv6_any.pcap" }) {
        const Result r = analyze(file);
        const auto acks = r.of(EventType::PingAck);
        ASSERT_GE(acks.size(), 3u) << file;
        // ipv6_any.pcap lost 47 client bytes (tcpdump -i any), among them a PING: its ACK has
        // no partner, and the next ACK with the same opaque must not pair with that old PING.
        const bool lossy = std::string(file) == "ipv6_any.pcap";
        int unpaired = 0;
        for (const auto& ack : acks) {
            if (lossy && ack.pingIndex < 0 && ++unpaired == 1)
                continue;
            ASSERT_GE(ack.pingIndex, 0) << file;
            const Event& ping = r.events[static_cast<std::size_t>(ack.pingIndex)];
            EXPECT_EQ(ping.type, EventType::Ping);
            EXPECT_EQ(ping.opaque, ack.opaque);
            EXPECT_NE(ping.dir, ack.dir);
            EXPECT_GE(ack.rttMs, 0.0);
            EXPECT_LT(ack.rttMs, 50.0) << "loopback RTT in " << file;
            EXPECT_NEAR(ack.rttMs, static_cast<double>(ack.tsNs - ping.tsNs) / 1e6, 1e-9);
        }
    }
}

TEST(ReferenceCaptures, headersGiveTheMethodPathAndGrpcStatus)
{
    const Result r = analyze("go_ping_healthy.pcap");
    bool sawPath = false, sawStatus = false;
    for (const auto& h : r.of(EventType::Headers)) {
        EXPECT_EQ(h.hpack, ks::core::HpackState::Decoded);
        if (h.dir == Direction::ClientToServer && h.path == "/grpc.health.v1.Health/Check")
            sawPath = true;
        if (h.dir == Direction::ServerToClient && h.endStream && h.grpcStatus == 0)
            sawStatus = true;
    }
    EXPECT_TRUE(sawPath);
    EXPECT_TRUE(sawStatus);
    EXPECT_EQ(r.of(EventType::Preface).size(), 1u);
}

TEST(ReferenceCaptures, midConnectionCaptureDecodesFramesAndSaysTheHpackTableIsUnknown)
{
    const Result r = analyze("mid_connection.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_FALSE(r.connections[0].sawHandshake);
    EXPECT_TRUE(r.connections[0].http2);
    EXPECT_EQ(r.connections[0].server.substr(r.connections[0].server.rfind(':')), ":50185");
    EXPECT_GE(r.of(EventType::Ping).size(), 3u);
    const auto headers = r.of(EventType::Headers);
    ASSERT_GE(headers.size(), 4u);
    for (const auto& h : headers) {
        // Whatever decodes must be real; what refers to unseen table entries must say so.
        if (h.hpack == ks::core::HpackState::Decoded)
            EXPECT_TRUE(h.path.empty() || h.path.front() == '/');
        else
            EXPECT_EQ(h.hpack, ks::core::HpackState::UnknownDynamicTable);
    }
    EXPECT_TRUE(r.of(EventType::Preface).empty());
}

TEST(ReferenceCaptures, kernelTcpKeepalivesAreProbesAndAcks)
{
    const Result r = analyze("tcp_keepalive_kernel.pcap");
    const auto probes = r.of(EventType::TcpKeepalive);
    const auto acks = r.of(EventType::TcpKeepaliveAck);
    ASSERT_GE(probes.size(), 3u);
    EXPECT_EQ(acks.size(), probes.size());
    for (std::size_t i = 1; i < probes.size(); ++i) // TCP_KEEPINTVL=1 s
        EXPECT_NEAR(static_cast<double>(probes[i].tsNs - probes[i - 1].tsNs) / 1e9, 1.0, 0.2);
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_FALSE(r.connections[0].http2);
    EXPECT_GE(r.connections[0].longestIdleNs, 3'000'000'000); // probes are not payload
}

TEST(ReferenceCaptures, grpcGoDefaultTcpKeepaliveComesAfterFifteenSeconds)
{
    const Result r = analyze("go_default_tcp_keepalive.pcap");
    const auto probes = r.of(EventType::TcpKeepalive);
    ASSERT_GE(probes.size(), 1u);
    EXPECT_GE(r.connections.at(0).longestIdleNs, 15'000'000'000);
    EXPECT_EQ(probes[0].dir, Direction::ClientToServer);
}

TEST(ReferenceCaptures, keepaliveTimeoutLeavesAPingWithoutAckThenTheClientCloses)
{
    const Result r = analyze("keepalive_timeout_proxy.pcap");
    // Connection 0 is client -> proxy: its last PING has no ACK and the client sends FIN.
    std::vector<Event> pings, acks;
    for (const auto& e : r.events) {
        if (e.conn != 0)
            continue;
        if (e.type == EventType::Ping)
            pings.push_back(e);
        if (e.type == EventType::PingAck)
            acks.push_back(e);
    }
    ASSERT_GE(pings.size(), 2u);
    EXPECT_EQ(acks.size() + 1, pings.size());
    const auto fins = r.of(EventType::Fin);
    ASSERT_FALSE(fins.empty());
    EXPECT_EQ(fins[0].conn, 0u);
    EXPECT_EQ(fins[0].dir, Direction::ClientToServer);
    const double waited = static_cast<double>(fins[0].tsNs - pings.back().tsNs) / 1e9;
    EXPECT_NEAR(waited, 1.0, 0.3); // keepalive_timeout_ms=1000
}

TEST(ReferenceCaptures, maxConnectionAgeSendsTwoGoawaysAndIdleSendsNoError)
{
    const Result age = analyze("goaway_max_age.pcap");
    const auto goaways = age.of(EventType::Goaway);
    ASSERT_GE(goaways.size(), 2u);
    EXPECT_EQ(goaways[0].lastStreamId, 0x7fffffffu); // graceful shutdown announcement
    EXPECT_EQ(goaways[0].errorCode, 0u);
    EXPECT_LT(goaways[1].lastStreamId, 0x7fffffffu);
    const Result idle = analyze("goaway_max_idle.pcap");
    ASSERT_FALSE(idle.of(EventType::Goaway).empty());
    EXPECT_EQ(idle.of(EventType::Goaway)[0].errorCode, 0u);
    EXPECT_EQ(ks::core::http2ErrorName(idle.of(EventType::Goaway)[0].errorCode), "NO_ERROR");
}

TEST(ReferenceCaptures, timestampResolutionAndLinkTypesFollowTheFile)
{
    const Result nano = analyze("ping_nano.pcap");
    EXPECT_EQ(nano.decimals, 9);
    EXPECT_TRUE(std::any_of(nano.events.begin(), nano.events.end(), [](const Event& e) { return e.tsNs % 1000 != 0; }));
    const Result micro = analyze("go_ping_healthy.pcap");
    EXPECT_EQ(micro.decimals, 6);
    const Result ng = analyze("ping_healthy.pcapng");
    EXPECT_FALSE(ng.of(EventType::Ping).empty());
    const Result v6 = analyze("ipv6_any.pcap");
    EXPECT_EQ(v6.linkType, 276); // LINUX_SLL2
    ASSERT_EQ(v6.connections.size(), 1u);
    EXPECT_EQ(v6.connections[0].server.rfind("[::1]:", 0), 0u);
}
