// grpc-java 1.41 (Netty) on both ends, a stack whose captures the engine had never read
// (tests/data/gen/java_scenarios.sh, ports 49700-49709; tshark agrees on every count: the
// oracle). Each test says what the verdict said before it was fixed. grpc-java's own PINGs carry
// fixed opaque data: 1234 its BDP PING (as data arrives), 0x97acef001 the PING between the two
// GOAWAYs of a graceful shutdown, 1111 the client's keepalive PING and 0xdead the server's.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "core/findings_state.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <string>

using namespace ks::core;

namespace {

bool has(const std::string& text, const char* words)
{
    return text.find(words) != std::string::npos;
}

std::uint64_t opaqueOf(const ks::test::AnalyzedCapture& r, std::uint64_t index)
{
    return r.event(index).opaque;
}

} // namespace

TEST(JavaTruth, aKeepaliveTimeoutThatGrpcJavaAnnouncesWithAGoawayIsNoMaxIdle)
{
    // Server keepAliveTime 10 s, keepAliveTimeout 2 s, the client SIGSTOPped: the server's PING
    // (0xdead) unanswered, then 2.0 s later GOAWAY NO_ERROR (no debug data) and FIN. Before: end
    // "max idle" and a goaway-max-connection-idle warning ("max_connection_idle ... is about 12 s")
    // beside the keepalive-timeout error.
    const auto r = ks::test::analyzeCapture("java_server_keepalive_timeout.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    const auto& c = r.conn(0);
    EXPECT_EQ(c.endCause, EndCause::KeepaliveTimeout) << c.endDetail.str();
    EXPECT_TRUE(has(c.endDetail.str(), "GOAWAY NO_ERROR, then FIN")) << c.endDetail.str();
    EXPECT_TRUE(r.of("goaway-max-connection-idle").empty());
    EXPECT_TRUE(r.of("goaway-max-connection-idle-or-age").empty());
    EXPECT_TRUE(r.of("end-silent-drop").empty());
    const auto f = r.of("keepalive-timeout", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(has(f[0].title, "server's PING")) << f[0].title;
    EXPECT_NEAR(f[0].figure, 2.0, 0.1);
    EXPECT_TRUE(has(f[0].detail, "(GOAWAY NO_ERROR, then FIN)")) << f[0].detail;
    ASSERT_FALSE(f[0].evidence.empty());
    EXPECT_EQ(opaqueOf(r, f[0].evidence.front()), 0xdeadu);
    // The counts tshark gives: 3 PINGs and 3 ACKs (the last one late, after the close), 1 GOAWAY.
    EXPECT_EQ(c.count(EventType::Ping), 3u);
    EXPECT_EQ(c.count(EventType::PingAck), 3u);
    EXPECT_EQ(c.count(EventType::Goaway), 1u);
}

TEST(JavaTruth, aClientsKeepaliveTimeoutWithAGoawayIsNoGracefulClose)
{
    // Client keepAliveTime 10 s, keepAliveTimeout 2 s, the server SIGSTOPped: the client's PING
    // (1111) unanswered, then 2.0 s later the client's GOAWAY NO_ERROR and FIN. Before: end
    // "graceful" (a client's GOAWAY), the keepalive-timeout finding alone saying otherwise.
    const auto r = ks::test::analyzeCapture("java_client_keepalive_timeout.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::KeepaliveTimeout) << r.conn(0).endDetail.str();
    EXPECT_TRUE(has(r.conn(0).endDetail.str(), "client's PING")) << r.conn(0).endDetail.str();
    const auto f = r.of("keepalive-timeout", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NEAR(f[0].figure, 2.0, 0.1);
    ASSERT_FALSE(f[0].evidence.empty());
    EXPECT_EQ(opaqueOf(r, f[0].evidence.front()), 1111u);
}

TEST(JavaTruth, grpcJavasBdpPingIsNoKeepalivePing)
{
    // One call, then the client's keepalive PINGs (1111) every 10 s; its BDP PING (1234) came
    // 20 ms after the call's response. Before: "3 PINGs from the client" for 2 (too_many_pings)
    // and 3 (healthy), the BDP PING counted as the cadence's first and cited as evidence.
    const auto tmp = ks::test::analyzeCapture("java_too_many_pings.pcap");
    const auto f = tmp.of("goaway-too-many-pings", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(has(f[0].detail, "The client sent 2 keepalive PINGs")) << f[0].detail;
    for (auto idx : f[0].evidence) {
        if (tmp.event(idx).type == EventType::Ping) {
            EXPECT_EQ(opaqueOf(tmp, idx), 1111u) << "event " << idx;
        }
    }

    const auto ok = ks::test::analyzeCapture("java_ping_healthy.pcap");
    const auto cadence = ok.of("ping-cadence", 0);
    ASSERT_EQ(cadence.size(), 1u);
    EXPECT_TRUE(has(cadence[0].detail, "3 PINGs from the client")) << cadence[0].detail;
    EXPECT_NEAR(cadence[0].figure, 10.0, 0.2);
    EXPECT_EQ(ok.conn(0).endCause, EndCause::Graceful);
    EXPECT_FALSE(ok.hasFinding(0, Severity::Warning));
}

TEST(JavaTruth, opaque1234IsBdpOnlyRightAfterData)
{
    // C-core 1.51 counts its opaque values up from 0: its 1234th PING, long after any data, is a
    // keepalive PING; grpc-java's BDP PING follows received data.
    Event e;
    e.type = EventType::Ping;
    e.opaque = 1234;
    e.tsNs = 100'000'000'000;
    EXPECT_TRUE(isKeepalivePing(e, -1));
    EXPECT_TRUE(isKeepalivePing(e, e.tsNs - 30'000'000'000));
    EXPECT_FALSE(isKeepalivePing(e, e.tsNs - 80'000'000));
    e.opaque = 0x97acef001ULL; // grpc-java's graceful-shutdown PING: never keepalive
    EXPECT_FALSE(isKeepalivePing(e, -1));
    e.opaque = 1111; // grpc-java's client keepalive PING
    EXPECT_TRUE(isKeepalivePing(e, e.tsNs - 80'000'000));
}

TEST(JavaTruth, tooManyPingsWithoutCallsIsNotFixedBySlowingToFiveMinutes)
{
    // The pings came with no call open and the server does not permit that (grpc-java's default,
    // grpc-go's and C-core's too): such a PING passes only every 2 h. Before, the advice was
    // "client keepalive_time_ms >= 300000" alone, which still draws the GOAWAY; and it named only
    // grpc-go's knobs.
    const auto r = ks::test::analyzeCapture("java_too_many_pings.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::TooManyPings);
    const auto f = r.of("goaway-too-many-pings", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(has(f[0].detail, "only every 2 h")) << f[0].detail;
    EXPECT_TRUE(has(f[0].suggestion, "client keepalive_permit_without_calls=0")) << f[0].suggestion;
    EXPECT_TRUE(has(f[0].suggestion, "keepAliveWithoutCalls(false)")) << f[0].suggestion;
    EXPECT_TRUE(has(f[0].suggestion, "NettyServerBuilder.permitKeepAliveTime")) << f[0].suggestion;
    EXPECT_TRUE(has(f[0].suggestion, "permitKeepAliveWithoutCalls(true)")) << f[0].suggestion;
    // With the settings saying the server permits PINGs without calls, its 5 min minimum is all.
    AnalyzerOptions o;
    KeepaliveSettings s;
    s.set(SettingSide::Server, "keepalive_permit_without_calls", 1);
    o.settings = s;
    const auto permitted = ks::test::analyzeCapture("java_too_many_pings.pcap", o).of("goaway-too-many-pings", 0);
    ASSERT_EQ(permitted.size(), 1u);
    EXPECT_FALSE(has(permitted[0].detail, "2 h")) << permitted[0].detail;
    EXPECT_FALSE(has(permitted[0].suggestion, "keepalive_permit_without_calls=0")) << permitted[0].suggestion;
}

TEST(JavaTruth, maxIdleAndMaxAgeNameGrpcJavasSettings)
{
    // grpc-java's graceful shutdown: GOAWAY (2^31-1), PING 0x97acef001, ACK, GOAWAY (last
    // stream), FIN. Right before too; the findings named only grpc-go's and C-core's knobs.
    const auto idle = ks::test::analyzeCapture("java_max_idle.pcap");
    EXPECT_EQ(idle.conn(0).endCause, EndCause::MaxIdle);
    const auto fi = idle.of("goaway-max-connection-idle", 0);
    ASSERT_EQ(fi.size(), 1u);
    EXPECT_NEAR(fi[0].figure, 1.0, 0.15);
    EXPECT_TRUE(has(fi[0].detail, "NettyServerBuilder.maxConnectionIdle")) << fi[0].detail;
    EXPECT_TRUE(idle.of("ping-cadence").empty()); // BDP and shutdown PINGs make no cadence

    // maxConnectionAge 1 s, grace 1.5 s, a 5 s stream open: FIN 1.5 s after the second GOAWAY.
    const auto age = ks::test::analyzeCapture("java_max_age.pcap");
    EXPECT_EQ(age.conn(0).endCause, EndCause::MaxAge);
    const auto fa = age.of("goaway-max-connection-age", 0);
    ASSERT_EQ(fa.size(), 1u);
    EXPECT_TRUE(has(fa[0].detail, "NettyServerBuilder.maxConnectionAge")) << fa[0].detail;
    EXPECT_TRUE(has(fa[0].detail, "1 RPC stream(s) were still open")) << fa[0].detail;
    EXPECT_TRUE(has(fa[0].detail, "max_connection_age_grace ≈ 1.50 s")) << fa[0].detail;
}
