// Real HTTP/2-terminating proxies in the path (tests/data/gen/lb_proxy_scenarios.sh: haproxy 2.6
// `mode http` + `proto h2`, nginx 1.22 `grpc_pass`, grpc-go and C-core peers, both legs captured).
// They answer the client's PINGs themselves, send GOAWAYs of their own and forward only the calls:
// a verdict must not blame the gRPC server behind them, nor suggest a gRPC setting that cannot
// reach the proxy's timer.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "core/lb_catalogue.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <string>

using namespace ks::core;

namespace {

bool has(const std::string& text, const std::string& words)
{
    return text.find(words) != std::string::npos;
}

// No change of a gRPC server setting: the server behind the proxy never saw the GOAWAY's cause.
bool changesServer(const Finding& f)
{
    for (const auto& c : f.changes)
        if (c.side == SettingSide::Server)
            return true;
    return false;
}

void expectProxyIdleGoaway(const ks::test::AnalyzedCapture& r, const char* proxyTimer)
{
    // The client leg ends with the proxy's GOAWAY NO_ERROR 3.0 s after the call, in spite of the
    // client's PINGs every 1 s; the upstream leg (connection 1) carries no GOAWAY at all.
    EXPECT_TRUE(r.of("goaway-max-connection-idle").empty()) << "the gRPC server has no max_connection_idle";
    const auto f = r.of("proxy-goaway-idle", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NEAR(f[0].figure, 3.0, 0.1);
    EXPECT_FALSE(changesServer(f[0])) << f[0].suggestion;
    EXPECT_TRUE(has(f[0].detail, "connection 1 carried")) << f[0].detail;
    EXPECT_TRUE(has(f[0].detail, "does not forward them")) << f[0].detail; // the PINGs
    EXPECT_TRUE(has(f[0].suggestion, proxyTimer)) << f[0].suggestion;
    EXPECT_EQ(r.conn(1).count(EventType::Ping), 1u) << "only the server's own handshake PING: none forwarded";
}

// The client leg's call was reset by the proxy (RST_STREAM INTERNAL_ERROR) as it closed the
// upstream leg `upstream` on its read timeout; the client then closed. Before: the client leg
// was told "graceful: ... with no RPC open" and nothing named the failed call.
void expectCallResetByProxy(const ks::test::AnalyzedCapture& r, std::uint32_t upstream)
{
    EXPECT_EQ(r.conn(0).count(EventType::RstStream), 1u);
    const auto f = r.of("proxy-reset-call", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NEAR(f[0].figure, 2.0, 0.1);
    EXPECT_TRUE(has(f[0].detail, "INTERNAL_ERROR")) << f[0].detail;
    EXPECT_TRUE(has(f[0].detail, "connection " + std::to_string(upstream) + ",")) << f[0].detail;
    EXPECT_TRUE(f[0].changes.empty());
    EXPECT_TRUE(has(r.conn(0).endDetail.str(), "the proxy reset its call")) << r.conn(0).endDetail.str();
}

} // namespace

TEST(ProxyTruth, haproxyH2IdleGoawayDespitePingsIsTheProxysTimeoutNotTheServers)
{
    // haproxy `timeout http-keep-alive 3s`, C-core client PINGs every 1 s, grpc-go server behind.
    const auto r = ks::test::analyzeCapture("haproxy_h2_ping_idle.pcap");
    ASSERT_GE(r.connections.size(), 2u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::MaxIdle) << r.conn(0).endDetail.str();
    EXPECT_TRUE(has(r.conn(0).endDetail.str(), "HTTP/2-terminating proxy")) << r.conn(0).endDetail.str();
    expectProxyIdleGoaway(r, "timeout http-keep-alive");
}

TEST(ProxyTruth, nginxKeepaliveTimeoutGoawayDespitePingsIsTheProxysTimeout)
{
    // nginx `keepalive_timeout 3s`; even with the nginx profile chosen the server is not blamed.
    AnalyzerOptions options;
    const auto sel = selectLbProfiles("nginx-keepalive", {});
    ASSERT_TRUE(sel.errors.empty());
    options.profiles = sel.entries;
    const auto r = ks::test::analyzeCapture("nginx_grpc_ping_idle.pcap", options);
    ASSERT_GE(r.connections.size(), 2u);
    expectProxyIdleGoaway(r, "keepalive_timeout");
}

TEST(ProxyTruth, nginxRequestLimitGoawayIsNotTheServersMaxConnectionAge)
{
    // nginx `keepalive_requests 2`: GOAWAY NO_ERROR (last_stream_id 3) as the second call arrives.
    const auto r = ks::test::analyzeCapture("nginx_grpc_keepalive_requests.pcap");
    EXPECT_TRUE(r.of("goaway-max-connection-age").empty());
    const auto f = r.of("proxy-goaway", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(has(f[0].detail, "keepalive_requests")) << f[0].detail;
    EXPECT_TRUE(has(f[0].detail, "its 2 calls")) << f[0].detail;
    EXPECT_FALSE(changesServer(f[0]));
    EXPECT_GE(r.of("proxy-goaway").size(), 2u) << "the reconnected client leg is retired the same way";
}

TEST(ProxyTruth, nginxReadTimeoutOnAnUpstreamLegIsNotTheClientsKeepaliveWatchdog)
{
    // nginx `grpc_read_timeout 2s`, a silent Health/Watch forwarded on its own upstream connection:
    // nginx closes that leg 2.0 s later. The client's gRPC keepalive settings cannot reach it.
    const auto r = ks::test::analyzeCapture("nginx_grpc_read_timeout.pcap");
    ASSERT_EQ(r.connections.size(), 3u);
    EXPECT_EQ(r.conn(2).endCause, EndCause::ClientGaveUp) << r.conn(2).endDetail.str();
    const auto f = r.of("end-client-gave-up", 2);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(has(f[0].title, "proxy")) << f[0].title;
    EXPECT_TRUE(has(f[0].detail, "grpc_read_timeout")) << f[0].detail;
    EXPECT_TRUE(f[0].changes.empty()) << "no gRPC keepalive setting reaches the proxy's read timer";
    EXPECT_FALSE(has(f[0].suggestion, "max_pings_without_data")) << f[0].suggestion;
    expectCallResetByProxy(r, 2);
}

TEST(ProxyTruth, anInferredTimerListsProfilesConfigurableWithoutAnUpperBound)
{
    // tinyproxy Timeout 2 closes both legs with FIN after 2.0 s: HAProxy's timeouts (configurable
    // from 0 s with no documented maximum, FIN on expiry) fit it as well as AWS ALB's.
    const auto r = ks::test::analyzeCapture("tinyproxy_idle_close.pcap");
    const auto t = r.of("inferred-idle-timer");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_TRUE(has(t[0].detail, "haproxy-client")) << t[0].detail;
    // The legs' FINs microseconds apart read in microseconds, never "0.0 ms later".
    for (const auto& c : r.connections)
        EXPECT_FALSE(has(c.endDetail.str(), " 0.0 ms")) << c.endDetail.str();
    EXPECT_TRUE(has(t[0].detail, "aws-alb")) << t[0].detail;
}

TEST(ProxyTruth, twoClientServerPairsStartedTogetherAreNoProxyHop)
{
    // Two C-core clients, each to its own grpc-go server, no proxy: no leg may be told as a proxy's.
    const auto r = ks::test::analyzeCapture("two_clients_two_servers.pcap");
    for (const auto& c : r.connections)
        EXPECT_FALSE(has(c.endDetail.str(), "HTTP/2-terminating proxy")) << c.id << ": " << c.endDetail.str();
    EXPECT_TRUE(r.of("proxy-goaway-idle").empty());
    EXPECT_TRUE(r.of("proxy-goaway").empty());
}

TEST(ProxyTruth, nghttpxReadTimeoutBareFinIsTheProxysIdleTimeoutNoPingFix)
{
    // nghttpx --frontend-http2-read-timeout=3s, a grpc-go client idle after one call: a bare FIN
    // (no GOAWAY) 3.0 s after the call. The timer is the proxy's; PINGs would not reset it (next test).
    const auto r = ks::test::analyzeCapture("nghttpx_read_timeout.pcap");
    ASSERT_GE(r.connections.size(), 2u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::IdleClose) << r.conn(0).endDetail.str();
    const auto f = r.of("proxy-idle-close", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NEAR(f[0].figure, 3.0, 0.1);
    EXPECT_TRUE(has(f[0].detail, "frontend-http2-read-timeout")) << f[0].detail;
    EXPECT_TRUE(f[0].changes.empty()) << "no gRPC keepalive setting reaches the proxy's idle timer";
    EXPECT_TRUE(r.of("end-idle-close", 0).empty()) << "told once, by proxy-idle-close";
    EXPECT_TRUE(r.of("inferred-idle-timer").empty()) << "its PING fix would not keep the proxy's leg open";
}

TEST(ProxyTruth, nghttpxReadTimeoutClosesDespiteClientPingsAndSaysSo)
{
    // The same with a C-core client pinging every 1 s: nghttpx answers every PING and still closes
    // 3.0 s after the call. Before: "closed ... a bare FIN is a process exiting, a protocol error
    // or a proxy", measured from the last PING ACK (1 s), with nothing on why.
    const auto r = ks::test::analyzeCapture("nghttpx_read_timeout_pings.pcap");
    ASSERT_GE(r.connections.size(), 2u);
    EXPECT_GE(r.conn(0).count(EventType::PingAck), 3u);
    const auto f = r.of("proxy-idle-close", 0);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NEAR(f[0].figure, 3.0, 0.1);
    EXPECT_TRUE(has(f[0].detail, "did not keep it open")) << f[0].detail;
    EXPECT_TRUE(f[0].changes.empty());
    EXPECT_TRUE(r.of("end-closed", 0).empty()) << "told once, by proxy-idle-close";
}

TEST(ProxyTruth, nghttpxBackendReadTimeoutIsTheProxysUpstreamTimeout)
{
    // nghttpx --backend-read-timeout=2s under a silent Health/Watch: the proxy FINs its backend
    // leg 2.0 s later and resets the client's stream; the timeout is named for nghttpx too.
    const auto r = ks::test::analyzeCapture("nghttpx_backend_read_timeout.pcap");
    ASSERT_EQ(r.connections.size(), 2u);
    EXPECT_EQ(r.conn(1).endCause, EndCause::ClientGaveUp) << r.conn(1).endDetail.str();
    const auto f = r.of("end-client-gave-up", 1);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_TRUE(has(f[0].title, "proxy")) << f[0].title;
    EXPECT_TRUE(has(f[0].detail, "--backend-read-timeout")) << f[0].detail;
    EXPECT_TRUE(f[0].changes.empty());
    expectCallResetByProxy(r, 1);
}
