// The lab's six reference scenarios (issue 3, a-f), each a real grpc++ channel and server on
// loopback, asserted on what the lab's own live capture decoded.
#include "lab_run.h"

#include "core/lab/lab_runner.h"
#include "core/lab/lb_simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ks::test {
namespace {

using core::Direction;
using core::EventType;
using core::RpcPattern;
using core::SettingSide;

#define KS_REQUIRE_CAPTURE(r)                                                                                          \
    do {                                                                                                               \
        ASSERT_TRUE((r).error.empty()) << (r).error;                                                                   \
        if (!(r).capturing)                                                                                            \
            GTEST_SKIP() << "no live capture on lo: " << (r).captureWarning;                                           \
    } while (0)

bool hasRpcStatus(const LabResult& r, const std::string& status)
{
    for (const auto* e : r.channelEvents(EventType::Rpc))
        if (e->status == status)
            return true;
    return false;
}

// Client side closes a channel-leg connection: FIN or RST from the client.
const core::Event* firstClientClose(const LabResult& r, double after)
{
    for (const auto& e : r.events)
        if ((e.type == EventType::Fin || e.type == EventType::Rst) && e.dir == Direction::ClientToServer
            && r.onChannelLeg(e) && r.seconds(e) >= after)
            return &e;
    return nullptr;
}

// (a) A client that pings every second with a call in flight, against a server that accepts a
// ping at most every 5 minutes: the server's third strike is GOAWAY ENHANCE_YOUR_CALM
// "too_many_pings", and the call fails UNAVAILABLE.
TEST(LabScenario, TooManyPingsGoaway)
{
    auto ex = experiment(RpcPattern::Stream);
    set(ex, SettingSide::Client, "keepalive_time_ms", 1000);
    set(ex, SettingSide::Client, "keepalive_timeout_ms", 1000);
    set(ex, SettingSide::Client, "max_pings_without_data", 0);
    set(ex, SettingSide::Server, "min_ping_interval_without_data_ms", 300000);
    const auto r = runLab(ex, 7);
    KS_REQUIRE_CAPTURE(r);
    const auto goaways = r.channelEvents(EventType::Goaway, Direction::ServerToClient);
    const auto calm = std::find_if(goaways.begin(), goaways.end(),
        [](const core::Event* e) { return e->errorCode == 0xb && e->debug == "too_many_pings"; });
    ASSERT_NE(calm, goaways.end()) << r.dump();
    // The strikes are the client's pings before it: at least max_ping_strikes (2) + 1.
    std::size_t pingsBefore = 0;
    for (const auto* p : r.channelEvents(EventType::Ping, Direction::ClientToServer))
        pingsBefore += p->index < (*calm)->index && p->conn == (*calm)->conn;
    EXPECT_GE(pingsBefore, 3u) << r.dump();
    EXPECT_TRUE(hasRpcStatus(r, "UNAVAILABLE")) << r.dump();
    // The finding names the client's interval.
    const auto* f = r.finding(ex, "goaway-too-many-pings");
    ASSERT_NE(f, nullptr) << r.dump();
    EXPECT_NEAR(f->figure, 1.0, 0.15);
    EXPECT_EQ(f->severity, core::Severity::Error);
}

// (b) Keepalive 1 s / 1 s on a live stream through the simulator; the simulator blackholes the
// path at 2 s: a PING goes unanswered, and the client closes the connection within
// keepalive time + timeout (+ slack) of the blackhole; the stream fails UNAVAILABLE.
TEST(LabScenario, KeepaliveTimeoutThroughBlackhole)
{
    auto ex = experiment(RpcPattern::Stream);
    set(ex, SettingSide::Client, "keepalive_time_ms", 1000);
    set(ex, SettingSide::Client, "keepalive_timeout_ms", 1000);
    set(ex, SettingSide::Client, "max_pings_without_data", 0);
    set(ex, SettingSide::Server, "min_ping_interval_without_data_ms", 100);
    set(ex, SettingSide::Server, "max_ping_strikes", 0);
    ex.simulator = core::SimulatorPlan {}; // no idle timeout: only the fault
    constexpr double kBlackholeAt = 2.0;
    const auto r
        = runLab(ex, 6.5, { { kBlackholeAt, [](core::lab::LabRunner& lab) { lab.simulator()->setBlackhole(true); } } });
    KS_REQUIRE_CAPTURE(r);

    const core::Event* unanswered = nullptr;
    const auto pings = r.channelEvents(EventType::Ping, Direction::ClientToServer);
    const auto acks = r.channelEvents(EventType::PingAck, Direction::ServerToClient);
    for (const auto* p : pings) {
        const bool answered = std::any_of(acks.begin(), acks.end(),
            [&](const core::Event* a) { return a->pingIndex == static_cast<std::int64_t>(p->index); });
        if (!answered && r.seconds(*p) > kBlackholeAt) {
            unanswered = p;
            break;
        }
    }
    ASSERT_NE(unanswered, nullptr) << r.dump();
    EXPECT_LE(r.seconds(*unanswered), kBlackholeAt + 1.0 + 0.3) << r.dump();
    const auto* close = firstClientClose(r, kBlackholeAt);
    ASSERT_NE(close, nullptr) << r.dump();
    EXPECT_EQ(close->conn, unanswered->conn);
    const double closeAfterPing = r.seconds(*close) - r.seconds(*unanswered);
    EXPECT_GE(closeAfterPing, 0.9) << "closed before keepalive_timeout\n" << r.dump();
    EXPECT_LE(r.seconds(*close), kBlackholeAt + 1.0 + 1.0 + 0.5) << r.dump();
    EXPECT_TRUE(hasRpcStatus(r, "UNAVAILABLE")) << r.dump();
    // The finding: a keepalive timeout of about a second on the channel's connection.
    const auto* f = r.finding(ex, "keepalive-timeout");
    ASSERT_NE(f, nullptr) << r.dump();
    EXPECT_EQ(f->conn, unanswered->conn);
    EXPECT_NEAR(f->figure, 1.0, 0.3);
}

// (c) The simulator resets connections idle for 2 s; without keepalive, a unary call every 3 s
// finds its connection reset each time and reconnects.
TEST(LabScenario, IdleResetWithoutKeepalive)
{
    auto ex = experiment(RpcPattern::Unary);
    ex.rpc.intervalS = 3;
    core::SimulatorPlan sim;
    sim.idleTimeoutS = 2;
    sim.onExpiry = core::LbExpiryAction::Rst;
    ex.simulator = sim;
    const auto r = runLab(ex, 7.5);
    KS_REQUIRE_CAPTURE(r);
    const auto rsts = r.channelEvents(EventType::Rst, Direction::ServerToClient);
    const auto syns = r.channelEvents(EventType::Syn, Direction::ClientToServer);
    ASSERT_GE(rsts.size(), 2u) << r.dump();
    ASSERT_GE(syns.size(), 3u) << "expected a reconnect after each reset\n" << r.dump();
    // Each reset comes about 2 s after the call before it, i.e. after an idle gap of the timeout.
    for (const auto* rst : rsts) {
        const double t = r.seconds(*rst);
        const double sinceCall = std::fmod(t, 3.0);
        EXPECT_GE(sinceCall, 1.8) << "RST at " << t << " s\n" << r.dump();
        EXPECT_LE(sinceCall, 2.6) << "RST at " << t << " s\n" << r.dump();
    }
    // Every call succeeded on a fresh connection.
    for (const auto* rpc : r.channelEvents(EventType::Rpc))
        EXPECT_EQ(rpc->status, "OK") << r.dump();
}

// (c, second half) Keepalive every 500 ms on a live stream, with a server that permits it, keeps
// the same simulator from resetting anything for 10 s.
TEST(LabScenario, KeepaliveKeepsIdleLbOpen)
{
    auto ex = experiment(RpcPattern::Stream);
    set(ex, SettingSide::Client, "keepalive_time_ms", 500);
    set(ex, SettingSide::Client, "max_pings_without_data", 0);
    set(ex, SettingSide::Server, "min_ping_interval_without_data_ms", 100);
    set(ex, SettingSide::Server, "max_ping_strikes", 0);
    core::SimulatorPlan sim;
    sim.idleTimeoutS = 2;
    sim.onExpiry = core::LbExpiryAction::Rst;
    ex.simulator = sim;
    const auto r = runLab(ex, 10);
    KS_REQUIRE_CAPTURE(r);
    EXPECT_EQ(r.channelEvents(EventType::Rst).size(), 0u) << r.dump();
    EXPECT_EQ(r.channelEvents(EventType::Syn, Direction::ClientToServer).size(), 1u) << r.dump();
    EXPECT_GE(r.channelEvents(EventType::Ping, Direction::ClientToServer).size(), 8u)
        << r.dump(); // C-core sends at most one per second
}

// (d) max_connection_idle 1 s: the server says GOAWAY after the idle second and closes.
// gRPC C-core 1.51 (the grpc++ we link) sends it as INTERNAL_ERROR with debug data "enter idle",
// where grpc-go sends NO_ERROR "max_idle" (tests/data/goaway_max_idle.pcap): the wire decides.
TEST(LabScenario, MaxConnectionIdleGoaway)
{
    auto ex = experiment(RpcPattern::Idle);
    set(ex, SettingSide::Server, "max_connection_idle_ms", 1000);
    const auto r = runLab(ex, 3);
    KS_REQUIRE_CAPTURE(r);
    const auto goaways = r.channelEvents(EventType::Goaway, Direction::ServerToClient);
    ASSERT_FALSE(goaways.empty()) << r.dump();
    EXPECT_TRUE(goaways.front()->errorCode == 0u || goaways.front()->errorCode == 2u) << r.dump();
    EXPECT_EQ(goaways.front()->debug, "enter idle") << r.dump();
    const auto syns = r.channelEvents(EventType::Syn, Direction::ClientToServer);
    ASSERT_FALSE(syns.empty());
    const double idle = r.seconds(*goaways.front()) - r.seconds(*syns.front());
    // C-core jitters nothing here, but its idle timer starts after the handshake.
    EXPECT_GE(idle, 0.9) << r.dump();
    EXPECT_LE(idle, 1.6) << r.dump();
    // C-core's INTERNAL_ERROR "enter idle" is explained as max_connection_idle, not as a fault.
    const auto* f = r.finding(ex, "goaway-max-connection-idle");
    ASSERT_NE(f, nullptr) << r.dump();
    EXPECT_NEAR(f->figure, 1.0, 0.3);
    EXPECT_EQ(r.finding(ex, "goaway-error"), nullptr);
}

// (e) max_connection_age 1 s, grace 1 s, with a stream open: GOAWAY at about 1 s, and the
// server closes the connection when the grace period ends.
TEST(LabScenario, MaxConnectionAgeWithGrace)
{
    auto ex = experiment(RpcPattern::Stream);
    set(ex, SettingSide::Server, "max_connection_age_ms", 1000);
    set(ex, SettingSide::Server, "max_connection_age_grace_ms", 1000);
    const auto r = runLab(ex, 4);
    KS_REQUIRE_CAPTURE(r);
    const auto goaways = r.channelEvents(EventType::Goaway, Direction::ServerToClient);
    ASSERT_FALSE(goaways.empty()) << r.dump();
    const auto syns = r.channelEvents(EventType::Syn, Direction::ClientToServer);
    ASSERT_FALSE(syns.empty());
    const auto* first = goaways.front();
    const double age = r.seconds(*first) - r.seconds(*syns.front());
    EXPECT_GE(age, 0.8) << r.dump(); // C-core jitters the age by +-10 %
    EXPECT_LE(age, 1.4) << r.dump();
    const core::Event* close = nullptr;
    for (const auto& e : r.events)
        if ((e.type == EventType::Fin || e.type == EventType::Rst) && e.conn == first->conn && e.index > first->index) {
            close = &e;
            break;
        }
    ASSERT_NE(close, nullptr) << r.dump();
    const double grace = r.seconds(*close) - r.seconds(*first);
    EXPECT_GE(grace, 0.8) << r.dump();
    EXPECT_LE(grace, 1.6) << r.dump();
    const auto* f = r.finding(ex, "goaway-max-connection-age");
    ASSERT_NE(f, nullptr) << r.dump();
    EXPECT_NEAR(f->figure, age, 0.05);
}

// (f) TCP keepalive with TCP_KEEPIDLE 1 s on the channel's socket (through grpc's socket
// mutator): the kernel probes every second and the server's kernel answers each probe.
TEST(LabScenario, TcpKeepaliveOnChannelSocket)
{
    auto ex = experiment(RpcPattern::Idle);
    set(ex, SettingSide::Tcp, "so_keepalive", 1);
    set(ex, SettingSide::Tcp, "tcp_keepidle_s", 1);
    set(ex, SettingSide::Tcp, "tcp_keepintvl_s", 1);
    const auto r = runLab(ex, 5);
    KS_REQUIRE_CAPTURE(r);
    const auto probes = r.channelEvents(EventType::TcpKeepalive, Direction::ClientToServer);
    const auto acks = r.channelEvents(EventType::TcpKeepaliveAck, Direction::ServerToClient);
    ASSERT_GE(probes.size(), 3u) << r.dump();
    EXPECT_GE(acks.size(), probes.size() - 1) << r.dump();
    for (std::size_t i = 1; i < probes.size(); ++i) {
        const double gap = r.seconds(*probes[i]) - r.seconds(*probes[i - 1]);
        EXPECT_NEAR(gap, 1.0, 0.25) << r.dump();
    }
    // Each decoded packet reached the listener within 100 ms of its capture timestamp.
    auto delivery = r.deliveryMs;
    ASSERT_FALSE(delivery.empty());
    std::sort(delivery.begin(), delivery.end());
    std::printf("delivery to listeners: median %.1f ms, max %.1f ms over %zu wire events\n",
        delivery[delivery.size() / 2], delivery.back(), delivery.size());
    EXPECT_LT(delivery.back(), 100.0);
    // The server side never probes: the option is the channel's alone.
    EXPECT_TRUE(r.channelEvents(EventType::TcpKeepalive, Direction::ServerToClient).empty()) << r.dump();
}

} // namespace
} // namespace ks::test
