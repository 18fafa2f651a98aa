// TCP relays in the path (tests/data/gen/field_hunt6_scenarios.sh: tinyproxy 1.11 CONNECT and
// haproxy 2.6 `mode tcp`, both legs captured). A relay writes no HTTP/2 of its own: every frame on
// the client leg is a frame of the server leg passed on, so one server's GOAWAY is one event, told
// once, on the leg where the server sent it.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <string>

using namespace ks::core;

namespace {

bool has(const std::string& text, const char* words)
{
    return text.find(words) != std::string::npos;
}

// A C-core client pinging every 1 s through the relay (client leg: connection 0) to a grpc-go
// server with the default policy (server leg: connection 1), which sends GOAWAY ENHANCE_YOUR_CALM
// "too_many_pings" 3 s in; the relay passes it on and closes both legs.
void expectOneRefusal(const ks::test::AnalyzedCapture& r)
{
    ASSERT_EQ(r.connections.size(), 2u);
    EXPECT_EQ(r.conn(0).count(EventType::Goaway), 1u) << "the relayed GOAWAY is on the wire of both legs";
    EXPECT_EQ(r.conn(1).count(EventType::Goaway), 1u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::TooManyPings);
    EXPECT_EQ(r.conn(1).endCause, EndCause::TooManyPings);
    EXPECT_EQ(r.conn(0).otherLeg, std::optional<std::uint32_t>(1));
    const auto refused = r.of("goaway-too-many-pings");
    ASSERT_EQ(refused.size(), 1u) << "one server refused the pings once";
    EXPECT_EQ(refused[0].conn, std::optional<std::uint32_t>(1)) << "on the leg where the server sent it";
    EXPECT_EQ(refused[0].severity, Severity::Error);
    EXPECT_TRUE(has(refused[0].detail, "passed this GOAWAY on unchanged to the client")) << refused[0].detail;
    EXPECT_FALSE(refused[0].changes.empty());
    const auto relayed = r.of("goaway-relayed", 0);
    ASSERT_EQ(relayed.size(), 1u);
    EXPECT_EQ(relayed[0].severity, Severity::Warning) << "this leg's end, told once more, not a second error";
    EXPECT_TRUE(has(relayed[0].detail, "server leg is conn 1")) << relayed[0].detail;
    EXPECT_TRUE(relayed[0].changes.empty()) << "the change is the server leg's finding's, listed once";
    EXPECT_FALSE(r.hasFinding(0, Severity::Error)) << "nothing on the client leg counts as a second error";
}

} // namespace

TEST(RelayTruth, tinyproxyTunnelsOneTooManyPingsGoawayToldOnceOnTheServerLeg)
{
    expectOneRefusal(ks::test::analyzeCapture("tinyproxy_too_many_pings.pcap"));
}

TEST(RelayTruth, haproxyModeTcpRelaysOneTooManyPingsGoawayToldOnceOnTheServerLeg)
{
    expectOneRefusal(ks::test::analyzeCapture("haproxy_tcp_too_many_pings.pcap"));
}
