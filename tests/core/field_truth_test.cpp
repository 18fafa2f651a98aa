// Ends and GOAWAYs from stacks this project did not write, each capture with a known ground truth
// (tests/data/make_captures.sh, the "field-truth audit" scenarios, ports 47800-47899): the verdict
// must say what happened, and must not invent a middlebox, a timer or a setting that was not there.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "core/findings_state.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ks::core;

namespace {

using Verdict = ks::test::AnalyzedCapture;

Verdict analyze(const std::string& name)
{
    return ks::test::analyzeCapture(name);
}

bool says(const SharedText& text, const char* words)
{
    return text.str().find(words) != std::string::npos;
}

} // namespace

TEST(FieldTruth, aServerThatClosesAfterItsUnansweredPingIsAKeepaliveTimeoutOfTheServer)
{
    // grpc-go server Time=1s Timeout=1s, the client SIGSTOPped: the third PING unanswered, FIN 1 s later.
    const Verdict r = analyze("go_server_keepalive_timeout.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::KeepaliveTimeout) << r.conn(0).endDetail.str();
    const auto f = r.of("keepalive-timeout");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].title.find("server's PING"), std::string::npos) << f[0].title;
    EXPECT_NEAR(f[0].figure, 1.0, 0.1);
}

TEST(FieldTruth, anUnansweredPingThatTcpDeliveredIsNoSilentDropWithoutAnotherLeg)
{
    // grpc-go client Time=10s to a SIGSTOPped server: the PING after 10 s of silence is TCP-ACKed
    // by the server's kernel, never answered; no middlebox, so none may be inferred.
    const Verdict r = analyze("go_client_keepalive_timeout.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::KeepaliveTimeout) << r.conn(0).endDetail.str();
    EXPECT_TRUE(says(r.conn(0).endDetail, "no other leg")) << r.conn(0).endDetail.str();
    EXPECT_TRUE(r.of("end-silent-drop").empty());
    EXPECT_TRUE(r.of("inferred-idle-timer").empty());
    EXPECT_EQ(r.of("keepalive-timeout").size(), 1u);
    // With the simulator's other leg in the capture the same client-leg picture stays a silent drop.
    EXPECT_EQ(analyze("lbsim_silent_drop.pcap").conn(0).endCause, EndCause::SilentDrop);
}

TEST(FieldTruth, anRstFromTheSideWhoseTcpKeepalivesWentUnansweredIsItsKernelGivingUp)
{
    // TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3 against a peer whose socket went deaf: three
    // probes, then the prober's own RST (Linux tcp_keepalive_timer), not a middlebox's.
    const Verdict r = analyze("kernel_keepalive_peer_gone.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::KeepaliveTimeout) << r.conn(0).endDetail.str();
    EXPECT_TRUE(says(r.conn(0).endDetail, "3 TCP keep-alive probe(s)")) << r.conn(0).endDetail.str();
    const auto f = r.of("tcp-keepalive-timeout");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Error);
    EXPECT_TRUE(r.of("end-idle-reset").empty());
    EXPECT_TRUE(r.of("inferred-idle-timer").empty());
}

TEST(FieldTruth, tinyproxysIdleTimeoutClosesBothLegsAndIsInferred)
{
    // tinyproxy 1.11 Timeout 2: FIN to both legs about 2 s after the last byte.
    const Verdict r = analyze("tinyproxy_idle_close.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::IdleClose) << r.conn(0).endDetail.str();
    EXPECT_EQ(r.conn(1).endCause, EndCause::IdleClose) << r.conn(1).endDetail.str();
    EXPECT_EQ(r.conn(0).otherLeg, std::optional<std::uint32_t>(1));
    const auto t = r.of("inferred-idle-timer");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_NEAR(t[0].figure, 2.0, 0.1);
}

TEST(FieldTruth, cCoreEnterIdleComesWholePeriodsAfterTheStartSoTheSettingIsThePeriod)
{
    // grpc.max_connection_idle_ms=1000: GOAWAY "enter idle" 2.0 s after an RPC at the start (the
    // period with the call re-armed the timer), then 1.0 s into an RPC-less connection.
    const Verdict r = analyze("core_server_max_idle.pcap");
    const auto f = r.of("goaway-max-connection-idle");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_NEAR(f[0].figure, 1.0, 0.05) << f[0].detail;
    EXPECT_NEAR(f[1].figure, 1.0, 0.05) << f[1].detail;
    EXPECT_EQ(r.conn(0).endCause, EndCause::MaxIdle);
    EXPECT_TRUE(r.of("goaway-error").empty());
}

TEST(FieldTruth, aNoErrorGoawayBetweenRpcsAfterLongerRpcFreeGapsIsMaxAgeNotMaxIdle)
{
    // C-core max_connection_age_ms=1000, no debug data, RPCs 0.4 s apart: the GOAWAY came 0.17 s
    // and 0.05 s after the last RPC, shorter than the 0.4 s gaps the connections survived.
    const Verdict r = analyze("core_server_max_age.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::MaxAge) << r.conn(0).endDetail.str();
    EXPECT_EQ(r.conn(1).endCause, EndCause::MaxAge) << r.conn(1).endDetail.str();
    EXPECT_TRUE(r.of("goaway-max-connection-idle").empty());
    const auto f = r.of("goaway-max-connection-age");
    ASSERT_EQ(f.size(), 2u);
    for (const auto& age : f)
        EXPECT_NEAR(age.figure, 1.0, 0.15) << age.detail; // C-core jitters the age
    // grpc-go's MaxConnectionIdle stays max idle: no RPC-free gap was survived there.
    EXPECT_EQ(analyze("goaway_max_idle.pcap").conn(0).endCause, EndCause::MaxIdle);
}

TEST(FieldTruth, aServerThatClosedAndThenRefusedTheReconnectWentAwayNoIdleTimer)
{
    // grpc-go Server.Stop (no GOAWAY in 1.33) 3 s in: FIN after silence, then SYN answered by RST.
    const Verdict r = analyze("go_server_stop.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::Closed) << r.conn(0).endDetail.str();
    EXPECT_TRUE(says(r.conn(0).endDetail, "refused")) << r.conn(0).endDetail.str();
    EXPECT_TRUE(r.of("inferred-idle-timer").empty());
    EXPECT_TRUE(r.of("end-idle-close").empty());
    EXPECT_EQ(r.of("end-closed").size(), 1u);
    // The reconnects are told as refused, not as connections that spoke something else than HTTP/2.
    EXPECT_EQ(r.conn(1).endCause, EndCause::Reset);
    EXPECT_TRUE(says(r.conn(1).endDetail, "refused")) << r.conn(1).endDetail.str();
    // Each refused reconnect is a warning naming it and the connection that spoke gRPC before.
    const auto refused = r.of("end-refused");
    ASSERT_EQ(refused.size(), 2u);
    EXPECT_EQ(refused[0].conn, 1u);
    EXPECT_EQ(refused[1].conn, 2u);
    EXPECT_EQ(refused[0].severity, Severity::Warning);
    EXPECT_NE(refused[0].detail.find("connection #0"), std::string::npos) << refused[0].detail;
}

TEST(FieldTruth, onlyAServerThatSpokeHttp2BeforeMakesARefusedConnectionAGrpcReconnect)
{
    std::vector<ConnectionSummary> list(4);
    for (std::uint32_t i = 0; i < list.size(); ++i) {
        list[i].id = i;
        list[i].server = i == 3 ? "10.0.0.2:80" : "10.0.0.1:443";
        list[i].firstNs = 1'000'000'000LL * (i + 1);
    }
    list[1].http2 = true; // the second connection to 10.0.0.1:443 speaks HTTP/2
    const ks::core::SummaryLookup lookup(list);
    EXPECT_EQ(lookup.earlierHttp2To(list[0]), nullptr); // refused before the server spoke gRPC
    EXPECT_EQ(lookup.earlierHttp2To(list[1]), nullptr); // itself
    EXPECT_EQ(lookup.earlierHttp2To(list[2]), &list[1]);
    EXPECT_EQ(lookup.earlierHttp2To(list[3]), nullptr); // another server

    // TLS read without keys counts when its ALPN chose h2 (or offered it, with no answer seen).
    std::vector<ConnectionSummary> tls(2);
    for (std::uint32_t i = 0; i < tls.size(); ++i) {
        tls[i].id = i;
        tls[i].server = "10.0.0.1:443";
        tls[i].firstNs = 1'000'000'000LL * (i + 1);
    }
    TlsInfo info;
    info.alpn = "http/1.1";
    tls[0].tls = std::make_shared<const TlsInfo>(info);
    EXPECT_EQ(ks::core::SummaryLookup(tls).earlierHttp2To(tls[1]), nullptr);
    info.alpn = "h2";
    tls[0].tls = std::make_shared<const TlsInfo>(info);
    EXPECT_EQ(ks::core::SummaryLookup(tls).earlierHttp2To(tls[1]), &tls[0]);
}

// reusedAfter indexes only the 4-tuples of connections the engine saw open, and every 4-tuple
// once a closed one asks; either way it answers with the earliest later connection on the very
// same client and server, never one that shares only the server or only the client.
TEST(FieldTruth, aReused4TupleIsFoundWhetherTheAskingConnectionLooksOpenOrClosed)
{
    std::vector<ConnectionSummary> list(6);
    const char* clients[] = { "10.0.0.9:40000", "10.0.0.9:40001", "10.0.0.9:40000", "10.0.0.8:40000", "10.0.0.9:40000",
        "10.0.0.9:40001" };
    for (std::uint32_t i = 0; i < list.size(); ++i) {
        list[i].id = i;
        list[i].client = clients[i];
        list[i].server = i == 3 ? "10.0.0.2:443" : "10.0.0.1:443";
        list[i].firstNs = 1'000'000'000LL * (10 - i); // later ids start earlier
        list[i].end = ConnectionEnd::FinC2S;
    }
    list[0].end = ConnectionEnd::Open;
    const ks::core::SummaryLookup lookup(list);
    // #0 (10.0.0.9:40000 -> 10.0.0.1:443, starts at 10 s): #2 (8 s) and #4 (6 s) share its 4-tuple.
    EXPECT_EQ(lookup.reusedAfter(list[0], 5'000'000'000LL), &list[4]);
    EXPECT_EQ(lookup.reusedAfter(list[0], 7'000'000'000LL), &list[2]);
    EXPECT_EQ(lookup.reusedAfter(list[0], 9'000'000'000LL), nullptr); // only itself after 9 s
    // #1 was seen to close, so its 4-tuple was not indexed: asking indexes every one.
    EXPECT_EQ(lookup.reusedAfter(list[1], 0), &list[5]);
    EXPECT_EQ(lookup.reusedAfter(list[3], 0), nullptr); // same client port, another host and server
    EXPECT_EQ(lookup.reusedAfter(list[0], 5'000'000'000LL), &list[4]); // still right after
}

TEST(FieldTruth, aNoErrorGoawayFollowedByARefusedReconnectIsAShutdownNotMaxIdle)
{
    // grpc-go GracefulStop 2 s in (no MaxConnectionIdle set): GOAWAY NO_ERROR, FIN, SYN answered by RST.
    const Verdict r = analyze("go_server_graceful_stop.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::Graceful) << r.conn(0).endDetail.str();
    EXPECT_TRUE(says(r.conn(0).endDetail, "shutting down")) << r.conn(0).endDetail.str();
    EXPECT_EQ(r.of("goaway-server-shutdown").size(), 1u);
    EXPECT_TRUE(r.of("goaway-max-connection-idle").empty());
    EXPECT_TRUE(r.of("goaway-max-connection-age").empty());
}

TEST(FieldTruth, aLaterGoawayThatNamesTheShutdownMakesTheFirstOneAShutdown)
{
    // C-core stop(0): GOAWAY NO_ERROR (no debug data), then INTERNAL_ERROR "Cancelling all calls".
    const Verdict r = analyze("core_server_stop.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::Graceful) << r.conn(0).endDetail.str();
    const auto f = r.of("goaway-server-shutdown");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].detail.find("Cancelling all calls"), std::string::npos) << f[0].detail;
    // The call in flight was cancelled (trailers grpc-status 1 after the GOAWAY): a failed call is a
    // warning, not "after the last RPC activity" at info level.
    EXPECT_EQ(f[0].severity, Severity::Warning) << f[0].title;
    EXPECT_NE(f[0].title.find("failed 1 call(s) in flight"), std::string::npos) << f[0].title;
    EXPECT_NE(f[0].detail.find("with 1 call(s) in flight"), std::string::npos) << f[0].detail;
    EXPECT_EQ(f[0].detail.find("after the last RPC activity"), std::string::npos) << f[0].detail;
    EXPECT_TRUE(r.of("goaway-max-connection-idle").empty());
    // Its own code is INTERNAL_ERROR, but it is part of the shutdown that the first one began.
    for (const auto& e : r.of("goaway-error"))
        EXPECT_EQ(e.severity, Severity::Info) << e.title;
}

TEST(FieldTruth, curlAndNghttpdEndGracefully)
{
    const Verdict r = analyze("curl_nghttpd.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::Graceful) << r.conn(0).endDetail.str();
    for (const auto& f : r.findings)
        EXPECT_EQ(f.severity, Severity::Info) << f.id;
}

TEST(FieldTruth, aReaderThatStoppedReadingIsAZeroWindowStallNotAnIdleReset)
{
    // nghttpd serving a client whose 4 KB receive buffer is never read: the client's window goes to
    // zero and the server's kernel probes it in the keep-alive's shape (Linux tcp_xmit_probe_skb,
    // tshark calls them keep-alives), backing off from 0.25 s; the client closes after 5 s (RST).
    // Before: "idle reset after 5.00 s of silence", an inferred idle timer and a TCP_KEEPIDLE of 254 ms.
    const Verdict r = analyze("zero_window_stall.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::Reset) << r.conn(0).endDetail.str();
    EXPECT_TRUE(says(r.conn(0).endDetail, "stopped reading")) << r.conn(0).endDetail.str();
    EXPECT_EQ(r.conn(0).count(EventType::ZeroWindowProbe), 4u);
    EXPECT_EQ(r.conn(0).count(EventType::TcpKeepalive), 0u);
    const auto f = r.of("peer-stopped-reading");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].title.find("The client stopped reading for 5.00 s"), std::string::npos) << f[0].title;
    for (const char* absent :
        { "end-idle-reset", "inferred-idle-timer", "tcp-keepalive-cadence", "stream-stalled-without-keepalive" })
        EXPECT_TRUE(r.of(absent).empty()) << absent;
}

TEST(FieldTruth, anEndSeenThroughACutCaptureSaysTheGoawayMayBeAmongTheCutBytes)
{
    // tcpdump -s 96: the too_many_pings GOAWAY's packet is cut after its frame header. The close
    // may not be called one "without GOAWAY" as a fact.
    const Verdict r = analyze("snaplen_goaway.pcap");
    EXPECT_TRUE(says(r.conn(0).endDetail, "snapshot length cut")) << r.conn(0).endDetail.str();
    const auto f = r.of("end-closed");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].title.find("as far as the capture shows"), std::string::npos) << f[0].title;
}

TEST(FieldTruth, rolesTakenFromTheFirstPacketAreCalledAGuessWhereverTheyAreUsed)
{
    // A capture that starts mid-connection (no SYN) between two ports of the ephemeral range:
    // nothing tells the server apart, so every statement about "the client" is hedged.
    const Verdict r = analyze("mid_connection.pcap");
    ASSERT_TRUE(r.conn(0).rare().rolesGuessed);
    EXPECT_TRUE(says(r.conn(0).endDetail, "client and server guessed")) << r.conn(0).endDetail.str();
    ASSERT_FALSE(r.findings.empty());
    for (const auto& f : r.findings) {
        if (f.conn != 0u)
            continue;
        EXPECT_TRUE(f.detail.find("may be the other way round") != std::string::npos
            || f.title.find("as guessed") != std::string::npos)
            << f.id << ": " << f.title;
    }
    // With a SYN the roles are known.
    EXPECT_FALSE(analyze("go_ping_healthy.pcap").conn(0).rare().rolesGuessed);
}

TEST(FieldTruth, aClientThatLeavesItsCallWithABareFinIsNoGracefulEnd)
{
    // curl through tinyproxy to grpc-go (TLS 1.3), holding a Health/Watch call until its own
    // --max-time: FIN with the call open, no RST_STREAM, no GOAWAY. Before: "graceful, no RPC open".
    const Verdict r = ks::test::analyzeCapture("tls13_curl_proxy_watch.pcap", {}, "tls13_curl_proxy_watch.keys");
    ASSERT_EQ(r.connections.size(), 2u);
    for (std::uint32_t id = 0; id < 2; ++id) {
        EXPECT_EQ(r.conn(id).endCause, EndCause::Closed) << r.conn(id).endDetail.str();
        EXPECT_TRUE(says(r.conn(id).endDetail, "RPC(s) were open")) << r.conn(id).endDetail.str();
    }
    const auto f = r.of("end-closed");
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].title, "The client closed with a call still open");
}

TEST(FieldTruth, tlsPingsWithTheHellosCutAreInferredTheRightWayRound)
{
    // tcpdump -s 128 cut the TLS hellos; the C-core client pings every second and grpc-go ACKs at
    // once. The server's first 34-byte record came a second before the client's first PING: with no
    // TLS round trip known, a 2 s answer window paired it with that PING and turned every pair round.
    const Verdict r = analyze("tls13_snaplen_pings.pcap");
    int pings = 0;
    for (const auto& e : r.events) {
        if (e.type == EventType::Ping && e.inferred) {
            EXPECT_EQ(e.dir, Direction::ClientToServer) << "event " << e.index;
            ++pings;
        }
        if (e.type == EventType::PingAck && e.inferred) {
            EXPECT_LT(e.rttMs, 20.0) << "event " << e.index;
        }
    }
    EXPECT_GE(pings, 2);
}

TEST(FieldTruth, onlyTheServersOwnCloseAfterTheSecondGoawayMeasuresItsGrace)
{
    // grpc-go GracefulStop under a C-core Watch: the client's deadline ends the call and the client
    // closes 6.44 s after the second GOAWAY. Before: "max_connection_age_grace ≈ 6.44 s" (GracefulStop
    // has none). MaxConnectionAge 3 s + grace 2 s on the other connection: the server closes, 2.00 s.
    const Verdict r = analyze("go_age_graceful.pcap");
    const auto stop = r.of("goaway-max-connection-age", 0u);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0].detail.find("grace \u2248"), std::string::npos) << stop[0].detail;
    EXPECT_NE(stop[0].detail.find("The client closed the connection"), std::string::npos) << stop[0].detail;
    const auto age = r.of("goaway-max-connection-age", 1u);
    ASSERT_EQ(age.size(), 1u);
    EXPECT_NE(age[0].detail.find("max_connection_age_grace \u2248 2.00 s"), std::string::npos) << age[0].detail;
}

TEST(FieldTruth, twoClientsOfTwoServersOnOneHostAreNoProxysLegs)
{
    // Same host, started and ended together: only the order of their first frames tells, and the
    // second client's server answered before the first's could have been passed on.
    const Verdict r = analyze("two_clients_two_servers.pcap");
    ASSERT_EQ(r.connections.size(), 2u);
    for (const auto& c : r.connections) {
        EXPECT_FALSE(c.otherLeg) << c.id << ": " << c.endDetail.str();
        EXPECT_FALSE(says(c.endDetail, "proxy")) << c.endDetail.str();
    }
    // A real proxy's legs still pair (the simulator between a grpc-go client and server).
    EXPECT_TRUE(analyze("lbsim_idle_reset.pcap").conn(0).otherLeg);
}

TEST(FieldTruth, aFirewallsResetOfAKeepaliveProbeOnlyBoundsItsTimer)
{
    // conntrack (2 s established timeout) and nft's reject-with-reset in the server's netns; an HTTP/2
    // client quiet after its SETTINGS, kernel keep-alive after 3 s: the probe drew the RST, so the
    // 3.05 s of silence bound the timer from above. It was read as "RST both ways after exactly
    // 3.05 s" and a keepalive_time just below that, which the 2 s timer would still kill.
    const Verdict r = analyze("conntrack_tcp_keepalive_reset.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    EXPECT_EQ(r.conn(0).endCause, EndCause::IdleReset) << r.conn(0).endDetail.str();
    EXPECT_TRUE(says(r.conn(0).endDetail, "keep-alive probe was answered by RST")) << r.conn(0).endDetail.str();
    const auto timer = r.of("inferred-idle-timer");
    ASSERT_EQ(timer.size(), 1u);
    EXPECT_NE(timer[0].title.find("at most"), std::string::npos) << timer[0].title;
}

TEST(FieldTruth, aServerStopMidCallWithNoReconnectIsNotClaimedForThePath)
{
    // grpc-go Server.Stop 2 s in with a Health/Watch open (no GOAWAY, FIN); the client exits after
    // its call fails, so no refused reconnect shows the server went away. Before: "a close without
    // one in the middle of a call came from the path" and "Something on the path closes connections
    // after about 1.65 s of silence", from this one connection.
    const auto r = ks::test::analyzeCapture("go_server_stop_mid_call.pcap");
    ASSERT_EQ(r.connections.size(), 1u);
    const auto cut = r.of("connection-cut-mid-call", 0);
    ASSERT_EQ(cut.size(), 1u);
    EXPECT_NE(cut[0].detail.find("the server process itself closing without GOAWAY"), std::string::npos)
        << cut[0].detail;
    const auto timer = r.of("inferred-idle-timer");
    ASSERT_EQ(timer.size(), 1u);
    EXPECT_EQ(timer[0].title.find("Something on the path"), std::string::npos) << timer[0].title;
    EXPECT_NE(timer[0].title.find("or the server closing it"), std::string::npos) << timer[0].title;
    EXPECT_NE(timer[0].detail.find("One death alone does not show a timer"), std::string::npos) << timer[0].detail;
}
