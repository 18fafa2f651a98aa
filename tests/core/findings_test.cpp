// The findings analyzer on the reference captures (tests/data, made by grpc-go, gRPC C-core and the
// kernel): each finding kind on a capture that shows it, with its connection, key figure and
// evidence; healthy captures yield no warning. Kinds no reference capture shows (a GOAWAY with an
// error code, C-core's idle close at keepalive_time + timeout) are checked on hand-made events.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "core/findings_state.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace ks::core;

namespace {

using Analysis = ks::test::AnalyzedCapture;

Analysis analyze(const std::string& name, std::vector<LbCatalogueEntry> profiles = {},
    std::optional<KeepaliveSettings> settings = {})
{
    return ks::test::analyzeCapture(name, AnalyzerOptions { std::move(profiles), std::move(settings) });
}

LbCatalogueEntry builtin(const std::string& name)
{
    auto sel = selectLbProfiles(name, {});
    EXPECT_TRUE(sel.errors.empty()) << (sel.errors.empty() ? "" : sel.errors[0]);
    EXPECT_EQ(sel.entries.size(), 1u);
    return sel.entries.empty() ? LbCatalogueEntry {} : sel.entries[0];
}

LbCatalogueEntry custom(const std::string& name, double idleS, LbExpiryAction action, std::optional<bool> tcpKa = true,
    std::optional<bool> pings = std::nullopt)
{
    LbCatalogueEntry e;
    e.profile.name = name;
    e.profile.title = "test middlebox " + name;
    e.profile.idleTimeoutS = idleS;
    e.profile.onExpiry = action;
    e.profile.tcpKeepaliveResetsIdle = tcpKa;
    e.http2PingResetsIdle = pings;
    return e;
}

bool hasWarningOrWorse(const Analysis& r, std::string& which)
{
    for (const auto& f : r.findings)
        if (f.severity >= Severity::Warning) {
            which = f.id + ": " + f.title;
            return true;
        }
    return false;
}

} // namespace

TEST(Findings, goawayTooManyPingsNamesTheClientsPingIntervalAndTheSettingThatFixesIt)
{
    for (const char* file : { "goaway_too_many_pings.pcap", "goaway_too_many_pings_core.pcap" }) {
        const Analysis r = analyze(file);
        const auto found = r.of("goaway-too-many-pings");
        ASSERT_EQ(found.size(), 1u) << file;
        const auto& f = found[0];
        EXPECT_EQ(f.severity, Severity::Error) << file;
        EXPECT_EQ(f.conn, 0u) << file;
        // make_captures.sh: the C-core client pings every 1 s (keepalive_time_ms=1000).
        EXPECT_NEAR(f.figure, 1.0, 0.1) << file;
        ASSERT_GE(f.evidence.size(), 2u);
        const auto& goaway = r.event(f.evidence.back());
        EXPECT_EQ(goaway.type, EventType::Goaway);
        EXPECT_EQ(goaway.errorCode, 11u);
        for (std::size_t i = 0; i + 1 < f.evidence.size(); ++i) {
            EXPECT_EQ(r.event(f.evidence[i]).type, EventType::Ping) << file;
            EXPECT_EQ(r.event(f.evidence[i]).dir, Direction::ClientToServer) << file;
        }
        EXPECT_NE(f.suggestion.find("keepalive_time_ms >= 300000"), std::string::npos) << f.suggestion;
        EXPECT_NE(f.suggestion.find("min_ping_interval_without_data_ms"), std::string::npos) << f.suggestion;
        EXPECT_NE(f.suggestion.find("permit_without_calls"), std::string::npos) << f.suggestion;
    }
}

TEST(Findings, goawayTooManyPingsUsesTheServerMinimumFromTheSettingsWhenKnown)
{
    KeepaliveSettings s;
    ASSERT_EQ(s.set(SettingSide::Server, "min_ping_interval_without_data_ms", 20000), "");
    const Analysis r = analyze("goaway_too_many_pings.pcap", {}, s);
    const auto found = r.of("goaway-too-many-pings");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].detail.find("20 s (from the settings)"), std::string::npos) << found[0].detail;
    EXPECT_NE(found[0].suggestion.find("keepalive_time_ms >= 20000"), std::string::npos) << found[0].suggestion;
}

TEST(Findings, goawayAfterIdlePeriodIsMaxConnectionIdleWithTheObservedIdleTime)
{
    const Analysis r = analyze("goaway_max_idle.pcap");
    const auto found = r.of("goaway-max-connection-idle", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].severity, Severity::Warning); // not graceful: the server's limit ended it
    EXPECT_NEAR(found[0].figure, 1.0, 0.15); // MaxConnectionIdle=1s
    const auto& goaway = r.event(found[0].evidence.at(0));
    EXPECT_EQ(goaway.type, EventType::Goaway);
    EXPECT_EQ(goaway.errorCode, 0u);
    EXPECT_TRUE(r.of("goaway-max-connection-age").empty());
}

TEST(Findings, goawayPingGoawayWithAnOpenStreamIsMaxConnectionAgeWithTheObservedAge)
{
    const Analysis r = analyze("goaway_max_age.pcap");
    const auto found = r.of("goaway-max-connection-age", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NEAR(found[0].figure, 1.0, 0.15); // MaxConnectionAge=1s (grpc-go adds +-10% jitter)
    std::vector<EventType> types;
    for (auto idx : found[0].evidence)
        types.push_back(r.event(idx).type);
    EXPECT_EQ(
        types, (std::vector<EventType> { EventType::Goaway, EventType::Ping, EventType::Goaway, EventType::Fin }));
    EXPECT_EQ(r.event(found[0].evidence[0]).lastStreamId, 0x7fffffffu);
    // Grace 1 s: the server closed about a second after the second GOAWAY.
    EXPECT_NE(found[0].detail.find("max_connection_age_grace"), std::string::npos) << found[0].detail;
}

TEST(Findings, keepaliveTimeoutNamesThePingWithoutAckTheCloseAndTheObservedTimeout)
{
    const Analysis r = analyze("keepalive_timeout_proxy.pcap");
    const auto found = r.of("keepalive-timeout");
    ASSERT_EQ(found.size(), 1u);
    const auto& f = found[0];
    EXPECT_EQ(f.conn, 0u); // the client's leg; the proxy-to-server leg (conn 1) did not time out
    EXPECT_EQ(f.severity, Severity::Error);
    EXPECT_NEAR(f.figure, 1.0, 0.1); // grpc.keepalive_timeout_ms=1000
    ASSERT_EQ(f.evidence.size(), 2u);
    EXPECT_EQ(r.event(f.evidence[0]).type, EventType::Ping);
    EXPECT_EQ(r.event(f.evidence[0]).dir, Direction::ClientToServer);
    EXPECT_EQ(r.event(f.evidence[1]).type, EventType::Fin);
    EXPECT_EQ(r.event(f.evidence[1]).dir, Direction::ClientToServer);
}

TEST(Findings, pingsHeldBackByCCoresPingPolicyAreReportedWithTheSilence)
{
    // C-core client, keepalive 1 s, default max_pings_without_data=2: two PINGs, then none for
    // six seconds until the client exits.
    const Analysis r = analyze("core_idle_close.pcap");
    const auto found = r.of("keepalive-pings-stopped", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].severity, Severity::Warning);
    EXPECT_NEAR(found[0].figure, 6.0, 0.5);
    EXPECT_NE(found[0].title.find("client"), std::string::npos);
    EXPECT_EQ(r.event(found[0].evidence.at(0)).type, EventType::Ping);
    EXPECT_EQ(r.event(found[0].evidence.at(1)).type, EventType::Fin);
}

TEST(Findings, idleGapLongerThanTheProfileThenResetIsAnErrorWithTheGapAndTheReconnect)
{
    // The kspy proxy resets a flow that sends after 1.5 s of silence; RPCs come every 2.5 s.
    const auto proxy = custom("idle-reset-proxy", 1.5, LbExpiryAction::Rst);
    const Analysis r = analyze("idle_reset_proxy.pcap", { proxy });
    const auto found = r.of("lb-idle-timeout");
    ASSERT_EQ(found.size(), 2u);
    for (const auto& f : found) {
        EXPECT_EQ(f.severity, Severity::Error);
        EXPECT_EQ(f.profile, "idle-reset-proxy");
        EXPECT_NEAR(f.figure, 2.5, 0.1);
        EXPECT_EQ(r.event(f.evidence.back()).type, EventType::Rst);
        EXPECT_NE(f.detail.find("reconnected on connection"), std::string::npos) << f.detail;
        EXPECT_NE(f.suggestion.find("keepalive_time_ms=1200"), std::string::npos) << f.suggestion; // 80 % of 1.5 s
    }
    EXPECT_EQ(found[0].conn, 0u);
    EXPECT_EQ(found[1].conn, 2u);
}

TEST(Findings, aConnectionThatSurvivedOnlyBecauseItsGapsStayedShortIsNamed)
{
    // Same capture against a 4 s profile: no gap exceeds it, but nothing would hold a longer one.
    const Analysis r = analyze("idle_reset_proxy.pcap", { custom("four-seconds", 4.0, LbExpiryAction::Rst) });
    EXPECT_TRUE(r.of("lb-idle-timeout").empty());
    const auto found = r.of("lb-idle-margin", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].severity, Severity::Info);
    EXPECT_NEAR(found[0].figure, 2.5, 0.1);
}

TEST(Findings, idleGapEndingInAnUnansweredPingIsASilentDeathBehindTheProfile)
{
    // Pings every second; behind a 0.9 s silent-drop middlebox each gap exceeds it, and the last
    // one ends with the PING that got no ACK.
    const Analysis r
        = analyze("keepalive_timeout_proxy.pcap", { custom("tight-nat", 0.9, LbExpiryAction::SilentDrop) });
    const auto found = r.of("lb-idle-timeout", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].severity, Severity::Error);
    EXPECT_NE(found[0].title.find("Died silently"), std::string::npos) << found[0].title;
    const auto timeout = r.of("keepalive-timeout", 0);
    ASSERT_EQ(timeout.size(), 1u);
    EXPECT_NE(
        std::find(found[0].evidence.begin(), found[0].evidence.end(), timeout[0].evidence[0]), found[0].evidence.end());
}

TEST(Findings, pingCadenceIsReportedPerSideAndComparedWithTheProfiles)
{
    // grpc-go server keepalive (ServerParameters.Time=1s).
    const Analysis ok = analyze("go_ping_healthy.pcap", { builtin("aws-nlb") });
    const auto cadence = ok.of("ping-cadence", 0);
    ASSERT_EQ(cadence.size(), 1u);
    EXPECT_NEAR(cadence[0].figure, 1.0, 0.05);
    EXPECT_NE(cadence[0].title.find("server"), std::string::npos);
    EXPECT_EQ(ok.event(cadence[0].evidence.at(0)).dir, Direction::ServerToClient);
    EXPECT_TRUE(ok.of("ping-cadence-vs-lb").empty());

    const Analysis slow = analyze("go_ping_healthy.pcap", { custom("half-second", 0.5, LbExpiryAction::Rst) });
    const auto tooSlow = slow.of("ping-cadence-vs-lb", 0);
    ASSERT_EQ(tooSlow.size(), 1u);
    EXPECT_EQ(tooSlow[0].severity, Severity::Warning);
    EXPECT_EQ(tooSlow[0].profile, "half-second");
    EXPECT_NEAR(tooSlow[0].figure, 1.0, 0.05);
    EXPECT_NE(tooSlow[0].detail.find("will not keep"), std::string::npos);

    // AWS ALB does not count PINGs: the cadence is named as useless there, whatever it is.
    const Analysis alb = analyze("go_ping_healthy.pcap", { builtin("aws-alb") });
    const auto ignored = alb.of("ping-cadence-vs-lb", 0);
    ASSERT_EQ(ignored.size(), 1u);
    EXPECT_EQ(ignored[0].profile, "aws-alb");
}

TEST(Findings, cCoreBdpPingsRightAfterReceivedDataDoNotCountAsKeepaliveCadence)
{
    // core_ping_healthy: the C-core client answers each RPC response with a BDP PING (same opaque
    // counter as its keepalive PINGs), and pings every second once idle.
    const Analysis r = analyze("core_ping_healthy.pcap");
    std::int64_t lastData = -1;
    int pings = 0, afterData = 0;
    for (const auto& e : r.events) {
        if (e.dir == Direction::ServerToClient && (e.type == EventType::Data || e.type == EventType::Headers))
            lastData = e.tsNs;
        if (e.dir == Direction::ClientToServer && e.type == EventType::Ping) {
            if (pings++ > 0 && lastData >= 0 && e.tsNs - lastData <= 20'000'000)
                ++afterData;
        }
    }
    ASSERT_GE(afterData, 1);
    const auto cadence = r.of("ping-cadence", 0);
    ASSERT_EQ(cadence.size(), 1u);
    EXPECT_NEAR(cadence[0].figure, 1.0, 0.05);
    const std::string intervals = "over " + std::to_string(pings - 1 - afterData) + " intervals";
    EXPECT_NE(cadence[0].detail.find(intervals), std::string::npos) << cadence[0].detail << " / expected " << intervals;
    EXPECT_NE(cadence[0].detail.find("min 1.00 s"), std::string::npos) << cadence[0].detail;
}

TEST(Findings, tcpKeepaliveCadenceIsRecognisedAndJudgedAgainstProfilesThatCountIt)
{
    const Analysis go = analyze("go_default_tcp_keepalive.pcap", { builtin("aws-nlb") });
    const auto found = go.of("tcp-keepalive-cadence", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NEAR(found[0].figure, 15.0, 1.0); // Go's net.Dialer default
    EXPECT_NE(found[0].title.find("Go"), std::string::npos) << found[0].title;
    EXPECT_EQ(go.event(found[0].evidence.at(0)).type, EventType::TcpKeepalive);
    EXPECT_TRUE(go.of("tcp-keepalive-vs-lb").empty()); // 15 s is well under 350 s

    const Analysis tight
        = analyze("go_default_tcp_keepalive.pcap", { custom("ten-seconds", 10, LbExpiryAction::SilentDrop, true) });
    const auto vs = tight.of("tcp-keepalive-vs-lb", 0);
    ASSERT_EQ(vs.size(), 1u);
    EXPECT_EQ(vs[0].severity, Severity::Warning);
    EXPECT_NE(vs[0].suggestion.find("tcp_keepidle_s=8"), std::string::npos) << vs[0].suggestion;
    // A middlebox that ignores TCP keep-alives is not judged on them.
    const Analysis ignores
        = analyze("go_default_tcp_keepalive.pcap", { custom("ten-seconds", 10, LbExpiryAction::SilentDrop, false) });
    EXPECT_TRUE(ignores.of("tcp-keepalive-vs-lb").empty());

    const Analysis kernel = analyze("tcp_keepalive_kernel.pcap");
    const auto custom1 = kernel.of("tcp-keepalive-cadence", 0);
    ASSERT_EQ(custom1.size(), 1u);
    EXPECT_NEAR(custom1[0].figure, 1.0, 0.2); // TCP_KEEPIDLE=1
    EXPECT_NE(custom1[0].title.find("custom"), std::string::npos) << custom1[0].title;
}

TEST(Findings, aConnectionWhosePayloadIsNotDecodedIsJudgedByItsPayloadGaps)
{
    // Plain TCP (as TLS would be): no HTTP/2 events, so the gap is the summary's longest stretch
    // without payload; a profile that counts the probes seen cannot be judged from it.
    const Analysis r = analyze("tcp_keepalive_kernel.pcap",
        { custom("two-s", 2, LbExpiryAction::Rst, false), custom("two-s-ka", 2, LbExpiryAction::Rst, true) });
    ASSERT_EQ(r.connections.size(), 1u);
    ASSERT_FALSE(r.connections[0].http2);
    const auto found = r.of("lb-idle-timeout", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].profile, "two-s");
    EXPECT_DOUBLE_EQ(found[0].figure, static_cast<double>(r.connections[0].longestIdleNs) / 1e9);
    EXPECT_NE(found[0].detail.find("not decoded"), std::string::npos);
}

TEST(Findings, pingRoundTripStatisticsPerConnection)
{
    const Analysis r = analyze("keepalive_timeout_proxy.pcap");
    for (std::uint32_t conn : { 0u, 1u }) {
        const auto found = r.of("ping-rtt", conn);
        ASSERT_EQ(found.size(), 1u) << conn;
        double sum = 0;
        std::vector<double> rtts;
        for (const auto& e : r.events)
            if (e.conn == conn && e.type == EventType::PingAck && e.rttMs >= 0)
                rtts.push_back(e.rttMs);
        ASSERT_GE(rtts.size(), 3u);
        const std::size_t total = rtts.size();
        if (rtts.size() > RecentStats::kWindow) // the median covers the last 32 samples, and says so
            rtts.erase(rtts.begin(), rtts.end() - RecentStats::kWindow);
        EXPECT_EQ(found[0].detail.find("median of the last 32") != std::string::npos, total > RecentStats::kWindow)
            << found[0].detail;
        std::sort(rtts.begin(), rtts.end());
        for (double v : rtts)
            sum += v;
        const double median
            = rtts.size() % 2 ? rtts[rtts.size() / 2] : (rtts[rtts.size() / 2 - 1] + rtts[rtts.size() / 2]) / 2;
        EXPECT_NEAR(found[0].figure * 1000.0, median, 1e-6) << conn;
        rtts.resize(total);
        EXPECT_NE(found[0].detail.find("over " + std::to_string(total) + " PINGs"), std::string::npos)
            << found[0].detail;
        (void)sum;
    }
}

TEST(Findings, runningMedianIsTheMiddleOfTheLast32AndSaysSo)
{
    RecentStats s;
    for (double v : { 4.0, 1.0, 3.0, 2.0 })
        s.add(v);
    EXPECT_DOUBLE_EQ(s.median(), 2.5); // even count: the mean of the two middle samples
    EXPECT_EQ(s.medianName(), "median");
    s.add(10.0);
    EXPECT_DOUBLE_EQ(s.median(), 3.0);
    for (int i = 0; i < 40; ++i) // 45 samples: the last 32 are 100..131
        s.add(100.0 + (i >= 8 ? i - 8 : 0));
    EXPECT_EQ(s.count, 45u);
    EXPECT_DOUBLE_EQ(s.median(), 115.5);
    EXPECT_DOUBLE_EQ(s.min, 1.0);
    EXPECT_EQ(s.medianName(), "median of the last 32");
}

TEST(Findings, healthyConnectionsYieldNoWarningEvenAgainstTheCommonLoadBalancers)
{
    const std::vector<LbCatalogueEntry> profiles
        = { builtin("aws-nlb"), builtin("gcp-cloud-nat"), builtin("azure-lb") };
    for (const char* file : { "go_ping_healthy.pcap", "core_ping_healthy.pcap", "ping_healthy.pcapng", "ping_nano.pcap",
             "ipv6_any.pcap" }) {
        const Analysis r = analyze(file, profiles);
        std::string which;
        EXPECT_FALSE(hasWarningOrWorse(r, which)) << file << ": " << which;
        EXPECT_FALSE(r.of("ping-cadence").empty()) << file;
    }
}

TEST(Findings, aServerThatClosesWithoutGoawayGetsNoInventedGoawayFinding)
{
    // C-core 1.51 answers a malformed SETTINGS frame with a plain FIN (no GOAWAY on the wire).
    const Analysis r = analyze("goaway_frame_size.pcap");
    for (const auto& f : r.findings)
        EXPECT_EQ(f.id.rfind("goaway", 0), std::string::npos) << f.id;
}

TEST(Findings, goawayFrameSizeErrorFromGosHttp2ServerIsExplainedByName)
{
    // grpc-go served through Go's HTTP/2 server (h2c) answers a SETTINGS frame of length 5 with
    // GOAWAY FRAME_SIZE_ERROR, then closes.
    const Analysis r = analyze("goaway_frame_size_go.pcap");
    const auto found = r.of("goaway-error", 0);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].severity, Severity::Warning);
    EXPECT_NE(found[0].title.find("FRAME_SIZE_ERROR"), std::string::npos) << found[0].title;
    ASSERT_EQ(found[0].evidence.size(), 1u);
    const Event& g = r.event(found[0].evidence[0]);
    EXPECT_EQ(g.type, EventType::Goaway);
    EXPECT_EQ(g.errorCode, 6u);
    EXPECT_EQ(g.dir, Direction::ServerToClient);
}

namespace {

Event ev(std::uint64_t index, double t, EventType type, Direction dir)
{
    Event e;
    e.index = index;
    e.tsNs = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(t * 1e9);
    e.relNs = static_cast<std::int64_t>(t * 1e9);
    e.type = type;
    e.dir = dir;
    return e;
}

} // namespace

TEST(Findings, goawayWithAnErrorCodeIsExplainedByName)
{
    // Hand-made, for PROTOCOL_ERROR and its debug data (the FRAME_SIZE_ERROR case above is real).
    FindingsAnalyzer a(AnalyzerOptions {});
    std::uint64_t i = 0;
    a.onEvent(ev(i++, 0, EventType::Syn, Direction::ClientToServer));
    a.onEvent(ev(i++, 0.001, EventType::Preface, Direction::ClientToServer));
    auto g = ev(i++, 0.5, EventType::Goaway, Direction::ServerToClient);
    g.errorCode = 1;
    g.debug = "bad frame";
    a.onEvent(g);
    a.onEvent(ev(i++, 0.501, EventType::Fin, Direction::ServerToClient));
    const auto findings = a.finish({});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].id, "goaway-error");
    EXPECT_EQ(findings[0].severity, Severity::Error);
    EXPECT_NE(findings[0].title.find("PROTOCOL_ERROR"), std::string::npos) << findings[0].title;
    EXPECT_NE(findings[0].detail.find("bad frame"), std::string::npos);
    EXPECT_EQ(findings[0].evidence, std::vector<std::uint64_t> { 2 });
}

TEST(Findings, aKeepalivePingSharingAWriteWithWindowUpdatesLongAfterDataIsKeepalive)
{
    // Hand-made after a lab run of pings-stop-on-quiet-stream (the lab's C-core client): one
    // call's data at the start, then WINDOW_UPDATEs and the first keepalive PING in one segment
    // 1 s later, a second PING at 2 s, then none until the load balancer's RST at 6 s. Only a PING
    // right after received data is C-core's BDP PING; this one was read as BDP, leaving one
    // keepalive PING and no "stopped" warning, in some runs.
    FindingsAnalyzer a(AnalyzerOptions {});
    std::uint64_t i = 0;
    const auto c2s = Direction::ClientToServer, s2c = Direction::ServerToClient;
    a.onEvent(ev(i++, 0, EventType::Syn, c2s));
    a.onEvent(ev(i++, 0.001, EventType::Preface, c2s));
    auto h = ev(i++, 0.002, EventType::Headers, c2s);
    h.stream = 1;
    a.onEvent(h);
    auto r = ev(i++, 0.003, EventType::Headers, s2c);
    r.stream = 1;
    a.onEvent(r);
    for (double t : { 1.0, 2.0 }) {
        auto p = ev(i++, t, EventType::Ping, c2s);
        p.opaque = static_cast<std::uint64_t>(t);
        p.besideWindowUpdates = t == 1.0;
        a.onEvent(p);
        auto ack = ev(i++, t + 0.001, EventType::PingAck, s2c);
        ack.opaque = p.opaque;
        ack.rttMs = 1.0;
        a.onEvent(ack);
    }
    a.onEvent(ev(i++, 6.0, EventType::Rst, s2c));
    const auto findings = a.finish({});
    const auto stopped = std::find_if(
        findings.begin(), findings.end(), [](const Finding& f) { return f.id == "keepalive-pings-stopped"; });
    ASSERT_NE(stopped, findings.end());
    EXPECT_NEAR(stopped->figure, 4.0, 0.01);
}

TEST(Findings, clientClosingAnIdleConnectionAtKeepaliveTimePlusTimeoutWithoutAPingIsNamed)
{
    // Hand-made: core_idle_close.pcap's client exits before its watchdog would fire.
    KeepaliveSettings s;
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 1000), "");
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_timeout_ms", 1000), "");
    auto run = [&](double closeAt) {
        FindingsAnalyzer a(AnalyzerOptions { {}, s });
        std::uint64_t i = 0;
        a.onEvent(ev(i++, 0, EventType::Syn, Direction::ClientToServer));
        auto h = ev(i++, 0.01, EventType::Headers, Direction::ClientToServer);
        h.stream = 1;
        a.onEvent(h);
        auto r = ev(i++, 0.02, EventType::Headers, Direction::ServerToClient);
        r.stream = 1;
        r.endStream = true;
        a.onEvent(r);
        a.onEvent(ev(i++, closeAt, EventType::Fin, Direction::ClientToServer));
        return a.finish({});
    };
    const auto hit = run(2.02);
    const auto found
        = std::find_if(hit.begin(), hit.end(), [](const Finding& f) { return f.id == "idle-close-without-ping"; });
    ASSERT_NE(found, hit.end());
    EXPECT_NEAR(found->figure, 2.0, 0.01);
    EXPECT_EQ(found->evidence, (std::vector<std::uint64_t> { 2, 3 }));
    const auto miss = run(6.0);
    EXPECT_TRUE(
        std::none_of(miss.begin(), miss.end(), [](const Finding& f) { return f.id == "idle-close-without-ping"; }));
}

TEST(Findings, durationsInFindingsRoundIntoTheNextUnitCleanly)
{
    EXPECT_EQ(formatDuration(0.0025), "2.5 ms");
    // Under 0.05 ms, microseconds: never "0.0 ms" for a time that passed.
    EXPECT_EQ(formatDuration(0.000012), "12 \u00b5s");
    EXPECT_EQ(formatDuration(0.0000001), "< 1 \u00b5s");
    EXPECT_EQ(formatDuration(0.0), "0 \u00b5s");
    EXPECT_EQ(formatDuration(0.00005), "0.1 ms");
    EXPECT_EQ(formatDuration(0.99996), "1.00 s");
    EXPECT_EQ(formatDuration(9.999), "10 s");
    EXPECT_EQ(formatDuration(350), "350 s");
    EXPECT_EQ(formatDuration(599.7), "600 s (10 min)");
    EXPECT_EQ(formatDuration(7200), "7200 s (2.0 h)");
}

TEST(Findings, aServerThatNeverSpeaksHttp2IsNamedNotABlackHole)
{
    // The client speaks HTTP/2 from its SYN, the server accepts TCP and sends nothing: the PING's
    // timeout is not a black-holed path but a target that is no HTTP/2 server.
    auto run = [](bool serverSpeaks) {
        FindingsAnalyzer a(AnalyzerOptions {});
        std::uint64_t i = 0;
        a.onEvent(ev(i++, 0, EventType::Syn, Direction::ClientToServer));
        a.onEvent(ev(i++, 0, EventType::Syn, Direction::ServerToClient));
        a.onEvent(ev(i++, 0.001, EventType::Preface, Direction::ClientToServer));
        a.onEvent(ev(i++, 0.001, EventType::Settings, Direction::ClientToServer));
        if (serverSpeaks)
            a.onEvent(ev(i++, 0.002, EventType::Settings, Direction::ServerToClient));
        a.onEvent(ev(i++, 1.0, EventType::Ping, Direction::ClientToServer));
        a.onEvent(ev(i++, 3.0, EventType::Fin, Direction::ClientToServer));
        return a.finish({});
    };
    const auto silent = run(false);
    ASSERT_EQ(silent.size(), 1u);
    EXPECT_EQ(silent[0].id, "peer-not-http2");
    EXPECT_NE(silent[0].title.find("never answered as an HTTP/2 server"), std::string::npos) << silent[0].title;
    EXPECT_EQ(silent[0].detail.find("black-holed"), std::string::npos);
    const auto spoke = run(true);
    ASSERT_FALSE(spoke.empty());
    EXPECT_EQ(spoke[0].id, "keepalive-timeout");
}
