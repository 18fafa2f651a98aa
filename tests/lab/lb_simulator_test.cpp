// The load-balancer simulator on plain loopback sockets: what each idle-expiry action does to
// both peers, whether TCP keep-alive probes count as activity, and the runtime faults. Each
// fault is awaited through the note the simulator writes when it applies it, not a sleep.
#include "core/lab/lb_simulator.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace ks::core::lab {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The upstream "server": one listening socket on an ephemeral loopback port.
struct Upstream {
    int listenFd = -1;
    std::uint16_t port = 0;
    Upstream()
    {
        listenFd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a {};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(listenFd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        listen(listenFd, 4);
        socklen_t len = sizeof a;
        getsockname(listenFd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~Upstream() { close(listenFd); }
    int accept(int timeoutMs = 3000) const
    {
        pollfd p { listenFd, POLLIN, 0 };
        if (poll(&p, 1, timeoutMs) != 1)
            return -1;
        return ::accept(listenFd, nullptr, nullptr);
    }
};

int connectTo(std::uint16_t port)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

enum class ReadResult { Data, Eof, Reset, Timeout };

ReadResult readWithin(int fd, int timeoutMs, std::string* data = nullptr)
{
    pollfd p { fd, POLLIN, 0 };
    if (poll(&p, 1, timeoutMs) != 1)
        return ReadResult::Timeout;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
        if (data)
            data->append(buf, static_cast<std::size_t>(n));
        return ReadResult::Data;
    }
    if (n == 0)
        return ReadResult::Eof;
    return errno == ECONNRESET ? ReadResult::Reset : ReadResult::Timeout;
}

// The simulator's notes, and a wait for one of them.
struct Notes {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> lines;
    void add(const std::string& text)
    {
        std::lock_guard lock(mutex);
        lines.push_back(text);
        changed.notify_all();
    }
    bool waitFor(const std::string& part, int timeoutMs = 3000)
    {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] {
            for (const auto& l : lines)
                if (l.find(part) != std::string::npos)
                    return true;
            return false;
        });
    }
};

struct Rig {
    Upstream upstream;
    Notes notes;
    LbSimulator sim;
    int client = -1;
    int server = -1;
    explicit Rig(SimulatorPlan plan)
        : sim(std::move(plan), [this](std::int64_t, const std::string& text) { notes.add(text); })
    {
        const auto error = sim.start("127.0.0.1", upstream.port);
        EXPECT_TRUE(error.empty()) << error;
        client = connectTo(sim.port());
        server = upstream.accept();
    }
    ~Rig()
    {
        sim.stop();
        if (client >= 0)
            close(client);
        if (server >= 0)
            close(server);
    }
    bool ready() const { return client >= 0 && server >= 0; }
    bool roundTrip(const std::string& text)
    {
        if (send(client, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size()))
            return false;
        std::string got;
        while (got.size() < text.size())
            if (readWithin(server, 2000, &got) != ReadResult::Data)
                return false;
        return got == text;
    }
};

SimulatorPlan idlePlan(double seconds, LbExpiryAction action, bool probesCount = true)
{
    SimulatorPlan plan;
    plan.idleTimeoutS = seconds;
    plan.onExpiry = action;
    plan.tcpKeepaliveResetsIdle = probesCount;
    return plan;
}

TEST(LbSimulator, ForwardsBothWays)
{
    Rig rig(SimulatorPlan {});
    ASSERT_TRUE(rig.ready());
    EXPECT_TRUE(rig.roundTrip("hello through the simulator"));
    ASSERT_EQ(send(rig.server, "back", 4, MSG_NOSIGNAL), 4);
    std::string got;
    ASSERT_EQ(readWithin(rig.client, 2000, &got), ReadResult::Data);
    EXPECT_EQ(got, "back");
    EXPECT_EQ(rig.sim.connectionsAccepted(), 1u);
}

TEST(LbSimulator, IdleRstResetsBothPeers)
{
    Rig rig(idlePlan(0.5, LbExpiryAction::Rst));
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    const auto t0 = Clock::now();
    EXPECT_EQ(readWithin(rig.client, 3000), ReadResult::Reset);
    const double t = since(t0);
    EXPECT_GE(t, 0.4);
    EXPECT_LE(t, 1.0);
    EXPECT_EQ(readWithin(rig.server, 1000), ReadResult::Reset);
    EXPECT_EQ(rig.sim.idleExpiries(), 1u);
}

TEST(LbSimulator, IdleFinClosesBothPeers)
{
    Rig rig(idlePlan(0.5, LbExpiryAction::Fin));
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    EXPECT_EQ(readWithin(rig.client, 3000), ReadResult::Eof);
    EXPECT_EQ(readWithin(rig.server, 1000), ReadResult::Eof);
}

TEST(LbSimulator, SilentDropTellsNobody)
{
    Rig rig(idlePlan(0.5, LbExpiryAction::SilentDrop));
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    // Past the timeout nothing arrives on either side, and nothing is forwarded any more.
    ASSERT_TRUE(rig.notes.waitFor("silently dropped"));
    EXPECT_EQ(rig.sim.idleExpiries(), 1u);
    EXPECT_EQ(readWithin(rig.client, 300), ReadResult::Timeout);
    ASSERT_EQ(send(rig.client, "lost", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(readWithin(rig.server, 800), ReadResult::Timeout);
}

TEST(LbSimulator, RstOnTheNextPacketResetsOnlyTheSideThatSendsAfterTheExpiry)
{
    // AWS NLB: nothing at expiry; the next packet from either side is answered with RST.
    Rig rig(idlePlan(0.5, LbExpiryAction::RstOnNextPacket));
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    EXPECT_EQ(readWithin(rig.client, 1200), ReadResult::Timeout); // silent at expiry
    EXPECT_EQ(rig.sim.idleExpiries(), 1u);
    ASSERT_EQ(send(rig.client, "late", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(readWithin(rig.client, 1000), ReadResult::Reset);
    EXPECT_EQ(readWithin(rig.server, 500), ReadResult::Timeout); // the server hears nothing
}

void enableKeepalive(int fd, int idleS)
{
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idleS, sizeof idleS);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idleS, sizeof idleS);
}

// Kernel keep-alive probes every second against an idle timeout of 2.5 s: they keep the flow
// alive when the profile counts them as activity, and do not when it doesn't.
TEST(LbSimulator, TcpKeepaliveProbesCountAsActivityWhenTheProfileSaysSo)
{
    {
        Rig rig(idlePlan(2.5, LbExpiryAction::Rst, true));
        ASSERT_TRUE(rig.ready());
        enableKeepalive(rig.client, 1);
        EXPECT_EQ(readWithin(rig.client, 4500), ReadResult::Timeout) << "reset although probes count";
        EXPECT_EQ(rig.sim.idleExpiries(), 0u);
        EXPECT_TRUE(rig.roundTrip("still here"));
    }
    {
        Rig rig(idlePlan(2.5, LbExpiryAction::Rst, false));
        ASSERT_TRUE(rig.ready());
        enableKeepalive(rig.client, 1);
        const auto t0 = Clock::now();
        EXPECT_EQ(readWithin(rig.client, 4500), ReadResult::Reset);
        EXPECT_NEAR(since(t0), 2.5, 0.5);
    }
}

TEST(LbSimulator, ResetNow)
{
    Rig rig(SimulatorPlan {});
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    rig.sim.resetNow();
    EXPECT_TRUE(rig.notes.waitFor("RST to both sides of 1 connections"));
    EXPECT_EQ(readWithin(rig.client, 1000), ReadResult::Reset);
    EXPECT_EQ(readWithin(rig.server, 1000), ReadResult::Reset);
}

TEST(LbSimulator, AddedLatency)
{
    Rig rig(SimulatorPlan {});
    ASSERT_TRUE(rig.ready() && rig.roundTrip("warm"));
    rig.sim.setLatencyMs(300);
    ASSERT_TRUE(rig.notes.waitFor("added latency 300 ms"));
    const auto t0 = Clock::now();
    EXPECT_TRUE(rig.roundTrip("slow"));
    EXPECT_GE(since(t0), 0.28);
    EXPECT_LE(since(t0), 1.0);
}

TEST(LbSimulator, BandwidthLimit)
{
    Rig rig(SimulatorPlan {});
    ASSERT_TRUE(rig.ready());
    rig.sim.setBandwidthLimit(100 * 1000);
    ASSERT_TRUE(rig.notes.waitFor("bandwidth limited"));
    const std::string payload(200 * 1000, 'b');
    const auto t0 = Clock::now();
    ASSERT_EQ(send(rig.client, payload.data(), payload.size(), MSG_NOSIGNAL), static_cast<ssize_t>(payload.size()));
    std::string got;
    while (got.size() < payload.size() && since(t0) < 6)
        if (readWithin(rig.server, 2000, &got) != ReadResult::Data)
            break;
    EXPECT_EQ(got.size(), payload.size());
    EXPECT_GE(since(t0), 1.5) << "200 kB at 100 kB/s";
    EXPECT_LE(since(t0), 3.5);
}

TEST(LbSimulator, BlackholeForwardsNothingUntilLifted)
{
    Rig rig(SimulatorPlan {});
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    rig.sim.setBlackhole(true);
    ASSERT_TRUE(rig.notes.waitFor("blackhole on"));
    ASSERT_EQ(send(rig.client, "held", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(readWithin(rig.server, 600), ReadResult::Timeout);
    rig.sim.setBlackhole(false);
    // What waited in the socket during the blackhole arrives now, before anything sent later,
    // as a path that dropped packets delivers them once TCP retransmits.
    std::string got;
    while (got.size() < 4)
        if (readWithin(rig.server, 2000, &got) != ReadResult::Data)
            break;
    EXPECT_EQ(got, "held");
    EXPECT_TRUE(rig.roundTrip("back"));
}

// AWS NLB since 2024: the flow is forgotten silently; whoever sends next gets an RST, and the
// other side is not told.
TEST(LbSimulator, RstOnNextPacketAnswersTheNextSenderOnly)
{
    Rig rig(idlePlan(0.5, LbExpiryAction::RstOnNextPacket));
    ASSERT_TRUE(rig.ready() && rig.roundTrip("x"));
    ASSERT_TRUE(rig.notes.waitFor("flow forgotten silently"));
    EXPECT_EQ(readWithin(rig.client, 200), ReadResult::Timeout) << "nothing at expiry";
    ASSERT_EQ(send(rig.client, "late", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(readWithin(rig.client, 2000), ReadResult::Reset);
    EXPECT_EQ(readWithin(rig.server, 300), ReadResult::Timeout) << "the server is not told";
}

// toxiproxy's limit_data: the first N bytes get through, then FIN both ways.
TEST(LbSimulator, LimitDataClosesAfterTheLimit)
{
    SimulatorPlan plan;
    plan.limitDataBytes = 10;
    Rig rig(plan);
    ASSERT_TRUE(rig.ready());
    ASSERT_EQ(send(rig.client, "0123456789abcdef", 16, MSG_NOSIGNAL), 16);
    std::string got;
    ReadResult r = ReadResult::Data;
    while (r == ReadResult::Data)
        r = readWithin(rig.server, 2000, &got);
    EXPECT_EQ(got, "0123456789");
    EXPECT_EQ(r, ReadResult::Eof);
    EXPECT_EQ(readWithin(rig.client, 2000), ReadResult::Eof);
    EXPECT_TRUE(rig.notes.waitFor("limit_data: 10 bytes"));
}

// A lost segment holds everything behind it until its retransmission (200 ms or more).
TEST(LbSimulator, LossDelaysSomeRoundTripsByARetransmission)
{
    SimulatorPlan plan;
    plan.lossPercent = 30;
    Rig rig(plan);
    ASSERT_TRUE(rig.ready());
    int slow = 0;
    for (int i = 0; i < 16; ++i) {
        const auto t0 = Clock::now();
        ASSERT_TRUE(rig.roundTrip(std::string("m").append(std::to_string(i))));
        slow += since(t0) >= 0.19;
    }
    EXPECT_GE(slow, 2) << "30 % loss delayed fewer than 2 of 16 messages";
    EXPECT_LE(slow, 12);
}

} // namespace
} // namespace ks::core::lab
