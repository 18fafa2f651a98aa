// The open-stream findings (core/findings_stream.cpp) and the analyzer's two lab-stop rules on
// hand-made events: the thresholds, the cases that must not fire, and the evidence cited. The
// lab proves each on the wire (tests/lab/scenario_library_test.cpp).
#include "core/findings_analyzer.h"
#include "core/findings_state.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ks::core {
namespace {

constexpr auto C2S = Direction::ClientToServer;
constexpr auto S2C = Direction::ServerToClient;

struct Events {
    FindingsAnalyzer analyzer { AnalyzerOptions {} };
    std::uint64_t next = 0;
    Event& add(double t, EventType type, Direction dir, std::uint32_t stream = 0)
    {
        e.index = next++;
        e.tsNs = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(t * 1e9);
        e.relNs = static_cast<std::int64_t>(t * 1e9);
        e.type = type;
        e.dir = dir;
        e.stream = stream;
        e.endStream = false;
        e.errorCode = 0;
        return e;
    }
    void send() { analyzer.onEvent(e); }
    void at(double t, EventType type, Direction dir, std::uint32_t stream = 0)
    {
        add(t, type, dir, stream);
        send();
    }
    std::vector<Finding> finish() { return analyzer.finish({}); }
    Event e;
};

const Finding* find(const std::vector<Finding>& all, const std::string& id)
{
    const auto it = std::find_if(all.begin(), all.end(), [&](const Finding& f) { return f.id == id; });
    return it == all.end() ? nullptr : &*it;
}

// A server stream with a message every 0.5 s until `stopAt`, then (optionally) a client PING at
// `pingAt` and the messages again from `resumeAt`.
std::vector<Finding> stalledStream(double pingAt, double resumeAt = 7.0)
{
    Events ev;
    ev.at(0, EventType::Syn, C2S);
    ev.at(0.01, EventType::Headers, C2S, 1);
    for (double t = 0.5; t <= 2.0; t += 0.5) {
        ev.at(t, EventType::Data, S2C, 1);
        ev.at(t + 0.001, EventType::Ping, C2S); // C-core's BDP PING right after the data
    }
    if (pingAt > 0)
        ev.at(pingAt, EventType::Ping, C2S);
    ev.at(resumeAt, EventType::Data, S2C, 1);
    return ev.finish();
}

TEST(StreamFindings, serverMessagesThatStopWithNoClientPingAreAStallBdpPingsDoNotCount)
{
    const auto stalled = stalledStream(0);
    const auto* f = find(stalled, "stream-stalled-without-keepalive");
    ASSERT_NE(f, nullptr);
    EXPECT_NEAR(f->figure, 5.0, 0.01);
    EXPECT_EQ(f->severity, Severity::Warning);
    ASSERT_EQ(f->evidence.size(), 2u);
    EXPECT_EQ(f->evidence[1], 10u) << "the server's DATA that ended the silence";
    // A keepalive PING in the silence: the client was checking the path.
    EXPECT_EQ(find(stalledStream(3.0), "stream-stalled-without-keepalive"), nullptr);
    // Under max(2 s, 4 x the 0.5 s cadence): ordinary jitter, no finding.
    EXPECT_EQ(find(stalledStream(0, 3.9), "stream-stalled-without-keepalive"), nullptr);
}

// Three unary calls 0.5 s apart, each answered and ended with trailers, then 3.7 s of quiet, then
// a new call the path resets at once (python3-grpcio behind a conntrack idle timer): no call was
// open in the quiet, so no stream stalled (the finding once said "with a call open").
TEST(StreamFindings, aCallOpenedOnlyAtTheEndOfTheQuietIsNoStalledStream)
{
    Events ev;
    ev.at(0, EventType::Syn, C2S);
    for (std::uint32_t i = 0; i < 3; ++i) {
        const double t = 0.02 + 0.5 * i;
        const std::uint32_t stream = 1 + 2 * i;
        ev.at(t, EventType::Headers, C2S, stream);
        ev.at(t + 0.001, EventType::Data, C2S, stream);
        ev.at(t + 0.002, EventType::Headers, S2C, stream);
        ev.at(t + 0.003, EventType::Data, S2C, stream);
        ev.add(t + 0.004, EventType::Headers, S2C, stream);
        ev.e.endStream = true;
        ev.send();
    }
    ev.at(5.04, EventType::Headers, C2S, 7);
    ev.at(5.0401, EventType::Rst, S2C);
    const auto findings = ev.finish();
    EXPECT_EQ(find(findings, "stream-stalled-without-keepalive"), nullptr);
}

TEST(StreamFindings, aQuietStreamResetFromTheServerSideWithoutTrailersIsAProxysStreamTimeout)
{
    auto run = [](bool trailersFirst, double closeAfter) {
        Events ev;
        ev.at(0, EventType::Syn, C2S);
        ev.at(0.01, EventType::Headers, C2S, 1);
        ev.at(0.02, EventType::Headers, S2C, 1);
        if (trailersFirst) {
            ev.add(3.0, EventType::Headers, S2C, 1);
            ev.e.endStream = true;
            ev.send();
        }
        ev.add(3.02, EventType::RstStream, S2C, 1);
        ev.e.errorCode = 8;
        ev.send();
        ev.at(3.02 + closeAfter, EventType::Fin, C2S);
        return ev.finish();
    };
    const auto reset = run(false, 2.0);
    const auto* f = find(reset, "stream-idle-reset");
    ASSERT_NE(f, nullptr);
    EXPECT_NEAR(f->figure, 3.0, 0.01);
    EXPECT_EQ(f->evidence, std::vector<std::uint64_t> { 3 });
    EXPECT_EQ(find(run(true, 2.0), "stream-idle-reset"), nullptr) << "the server ended the call itself";
    EXPECT_EQ(find(run(false, 0.1), "stream-idle-reset"), nullptr) << "the connection did not live on";
}

TEST(StreamFindings, aServerSideCloseMidCallWithoutGoawayIsACut)
{
    auto run = [](bool goaway, Direction closer, bool callOpen) {
        Events ev;
        ev.at(0, EventType::Syn, C2S);
        ev.at(0.01, EventType::Headers, C2S, 1);
        if (!callOpen) {
            ev.add(0.02, EventType::Headers, S2C, 1);
            ev.e.endStream = true;
            ev.send();
        }
        if (goaway)
            ev.at(1.0, EventType::Goaway, S2C);
        ev.at(1.5, EventType::Fin, closer);
        return ev.finish();
    };
    const auto cut = run(false, S2C, true);
    const auto* f = find(cut, "connection-cut-mid-call");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, Severity::Error);
    EXPECT_NE(f->title.find("FIN"), std::string::npos);
    EXPECT_EQ(find(run(true, S2C, true), "connection-cut-mid-call"), nullptr) << "GOAWAY first: graceful";
    EXPECT_EQ(find(run(false, C2S, true), "connection-cut-mid-call"), nullptr) << "the client closed";
    EXPECT_EQ(find(run(false, S2C, false), "connection-cut-mid-call"), nullptr) << "no call open";
}

TEST(StreamFindings, aCloseRightAfterTheClientsOwnCancelIsNoKeepaliveTimeout)
{
    auto run = [](std::uint32_t resetCode) {
        Events ev;
        ev.at(0, EventType::Syn, C2S);
        ev.at(0.005, EventType::Settings, S2C); // an HTTP/2 server speaks first (RFC 9113 3.4)
        ev.at(0.01, EventType::Headers, C2S, 1);
        ev.at(1.0, EventType::Ping, C2S);
        ev.add(1.4, EventType::RstStream, C2S, 1);
        ev.e.errorCode = resetCode;
        ev.send();
        ev.at(1.41, EventType::Fin, C2S);
        return ev.finish();
    };
    EXPECT_EQ(find(run(8), "keepalive-timeout"), nullptr) << "CANCEL: the application closed the channel";
    EXPECT_NE(find(run(7), "keepalive-timeout"), nullptr) << "REFUSED_STREAM: C-core's keepalive watchdog";
}

TEST(StreamFindings, aGoawayAfterTheClientsFinIsNotMaxConnectionIdle)
{
    Events ev;
    ev.at(0, EventType::Syn, C2S);
    ev.at(5.0, EventType::Fin, C2S);
    ev.at(5.001, EventType::Goaway, S2C);
    const auto findings = ev.finish();
    EXPECT_EQ(find(findings, "goaway-max-connection-idle"), nullptr);
    EXPECT_EQ(find(findings, "goaway-max-connection-age"), nullptr);
}

} // namespace
} // namespace ks::core

namespace ks::core {
namespace {

// grpc-go's MaxConnectionIdle GOAWAY before any RPC, then a C-core client's RPC on the same
// connection (its last stream id allowed it), then both close: the connection carried an RPC,
// so "never carried an RPC" was false.
TEST(StreamFindings, anRpcAfterAnIdleGoawayIsNotNeverCarriedAnRpc)
{
    Events ev;
    ev.at(0, EventType::Syn, C2S);
    ev.at(0.01, EventType::Settings, S2C);
    ev.add(1.52, EventType::Goaway, S2C);
    ev.e.lastStreamId = 0x7fffffff;
    ev.send();
    ev.at(4.02, EventType::Headers, C2S, 1);
    ev.add(4.03, EventType::Headers, S2C, 1);
    ev.e.endStream = true;
    ev.send();
    ev.at(4.04, EventType::Goaway, S2C);
    ev.at(4.05, EventType::Fin, C2S);
    const auto findings = ev.finish();
    // No RPC before the GOAWAY: idle and age fit alike, and the finding names both (huntA A3).
    const auto* f = find(findings, "goaway-max-connection-idle-or-age");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->title.find("never carried"), std::string::npos) << f->title;
    EXPECT_NE(f->title.find("no RPC before its GOAWAY"), std::string::npos) << f->title;
}

} // namespace
} // namespace ks::core

namespace ks::core {
namespace {

// grpc-go MaxConnectionAge 3 s on a connection with an RPC every 200 ms: the GOAWAY came 195 ms
// after the last call, and the connection had lived through 199 ms without calls. Idle is ruled
// out (max_connection_idle would have fired in the longer gap); a 5 % margin had called it
// "max_connection_idle of 195 ms". Within the timers' jitter (2 ms) nothing is ruled out.
TEST(GoawayReading, aShorterQuietThanOneSurvivedRulesOutIdleBeyondTheTimersJitter)
{
    GoawayInfo g;
    g.hadStreams = true;
    g.idleNs = 195'000'000;
    g.survivedIdleNs = 199'000'000;
    EXPECT_TRUE(idleRuledOut(g));
    g.survivedIdleNs = 196'500'000;
    EXPECT_FALSE(idleRuledOut(g));
    g.idleNs = 60'000'000'000; // a minute of quiet: 1 % (600 ms) is the jitter
    g.survivedIdleNs = 60'400'000'000;
    EXPECT_FALSE(idleRuledOut(g));
    g.survivedIdleNs = 61'000'000'000;
    EXPECT_TRUE(idleRuledOut(g));
    g.debug = "max_idle";
    EXPECT_FALSE(idleRuledOut(g)) << "the server's own word wins";
}

} // namespace
} // namespace ks::core

namespace ks::core {
namespace {

// C-core max_connection_age 2 s with no grace set (infinite): GOAWAY, PING, GOAWAY with a stream
// open; the stream ends by itself, grpc-status OK, 2.07 s later and the server closes at once.
// That close measures no grace (it was once "max_connection_age_grace = 2.07 s").
TEST(StreamFindings, aServerCloseAfterItsLastCallEndedOkMeasuresNoGrace)
{
    Events ev;
    ev.at(0, EventType::Syn, C2S);
    ev.at(0.01, EventType::Headers, C2S, 1);
    ev.add(1.96, EventType::Goaway, S2C);
    ev.e.lastStreamId = 0x7fffffff;
    ev.send();
    ev.at(1.9601, EventType::Ping, S2C);
    ev.add(1.9605, EventType::Goaway, S2C);
    ev.e.lastStreamId = 1;
    ev.send();
    ev.add(4.032, EventType::Headers, S2C, 1);
    ev.e.endStream = true;
    ev.e.grpcStatus = 0;
    ev.send();
    ev.at(4.0327, EventType::Fin, S2C);
    const auto findings = ev.finish();
    const auto* f = find(findings, "goaway-max-connection-age");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->detail.find("max_connection_age_grace ≈"), std::string::npos) << f->detail;
    EXPECT_NE(f->detail.find("once its calls had ended"), std::string::npos) << f->detail;
}

} // namespace
} // namespace ks::core
