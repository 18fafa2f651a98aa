// Packet loss and resets on the path (tests/data/gen/field_hunt6_scenarios.sh: grpc-go both sides in a
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

TEST(LossTruth, aFirewallsResetMidCallIsThePathsNotTheServers)
{
    // nft `reject with tcp reset` in the server's namespace from 2.5 s into a grpc-go Health/Watch
    // (captured on the client's side): the client's PING ACK draws an RST in the server's name;
    // the server, which never saw it, goes on retransmitting its PINGs. Before: end-reset "Reset
    // without GOAWAY: an abort ... a peer crashed or aborted", and connection-cut-mid-call "the
    // wire alone does not tell which", beside an end detail that said the path forged it.
    const auto r = ks::test::analyzeCapture("firewall_reset_mid_call.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::Reset);
    EXPECT_NE(r.conn(0).endDetail.str().find("the path forged it"), std::string::npos) << r.conn(0).endDetail.str();
    const auto end = r.of("end-reset", 0);
    ASSERT_EQ(end.size(), 1u);
    EXPECT_NE(end[0].title.find("Reset by the path, not by a peer"), std::string::npos) << end[0].title;
    EXPECT_EQ(end[0].detail.find("a peer crashed"), std::string::npos) << end[0].detail;
    const auto cut = r.of("connection-cut-mid-call", 0);
    ASSERT_EQ(cut.size(), 1u);
    EXPECT_NE(cut[0].detail.find("the path forged it"), std::string::npos) << cut[0].detail;
    EXPECT_EQ(cut[0].detail.find("does not tell which"), std::string::npos) << cut[0].detail;
}
