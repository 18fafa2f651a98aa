// Packet loss on the path (tests/data/gen/field_hunt6_scenarios.sh: grpc-go both sides in a
// network namespace whose input drops 25 % of the port's packets, captured on lo before the drop,
// so every retransmission is in the capture). A PING lost once costs TCP's retransmission
// timeout; the peer answered it at once, so the long round trip must not be blamed on the peer.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <string>

using namespace ks::core;

TEST(LossTruth, pingRoundTripsOfOneRetransmissionTimeoutAreNotBlamedOnThePeer)
{
    const auto r = ks::test::analyzeCapture("loss_ping_ack_retransmit.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    const auto& c = r.conn(0);
    EXPECT_GT(c.rare().retransmissions[0] + c.rare().retransmissions[1], 0u);
    // Every PING answered (tshark: 14 PINGs, 14 ACKs): a lost and resent frame is no unanswered one.
    EXPECT_EQ(c.count(EventType::Ping), 14u);
    EXPECT_EQ(c.count(EventType::PingAck), 14u);
    EXPECT_TRUE(r.of("keepalive-timeout").empty());
    EXPECT_EQ(c.endCause, EndCause::Graceful);
    const auto f = r.of("ping-rtt", 0);
    ASSERT_EQ(f.size(), 1u);
    // Before: "Slow ACKs point at a busy peer (GC pause, saturated event loop) or a congested
    // path" for 216-276 ms round trips whose PING segments were retransmitted after ~215 ms
    // (tshark tcp.analysis.retransmission) and answered within 1 ms of the resend.
    EXPECT_NE(f[0].detail.find("lost once and resent"), std::string::npos) << f[0].detail;
    EXPECT_EQ(f[0].detail.find("Slow ACKs point at a busy peer"), std::string::npos) << f[0].detail;
}
