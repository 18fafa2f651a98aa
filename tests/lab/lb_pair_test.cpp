// The simulator's parts on their own: the frame tracker on hand-made HTTP/2 bytes, the fault
// commands, and one LbPair over socket pairs driven with made-up clock values (no waiting).
#include "core/lab/lb_commands.h"
#include "core/lab/lb_frame_tracker.h"
#include "core/lab/lb_pair.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace ks::core::lab {
namespace {

constexpr std::int64_t kS = 1'000'000'000;
const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, std::string payload = {})
{
    const auto n = static_cast<std::uint32_t>(payload.size());
    std::string f { char(n >> 16), char(n >> 8), char(n), char(type), char(flags), char(stream >> 24),
        char(stream >> 16), char(stream >> 8), char(stream) };
    return f + payload;
}

const std::string kPing = frame(kH2Ping, 0, 0, std::string(8, '\1'));

TEST(Http2FrameTracker, FollowsFramesAcrossChunksAndTellsPingsApart)
{
    Http2FrameTracker t(true);
    EXPECT_FALSE(t.atBoundary());
    const std::string bytes = kPreface + frame(4, 0, 0) + frame(kH2Headers, 4, 1, "abc");
    const auto first = t.feed(bytes.data(), 30); // the preface and part of SETTINGS
    EXPECT_TRUE(first.activity);
    EXPECT_TRUE(first.headers.empty());
    EXPECT_FALSE(t.atBoundary());
    const auto rest = t.feed(bytes.data() + 30, bytes.size() - 30);
    ASSERT_EQ(rest.headers.size(), 2u);
    EXPECT_EQ(rest.headers[1].type, kH2Headers);
    EXPECT_EQ(rest.headers[1].stream, 1u);
    EXPECT_EQ(rest.headers[1].length, 3u);
    EXPECT_TRUE(t.atBoundary());
    const auto ping = t.feed(kPing.data(), kPing.size());
    EXPECT_FALSE(ping.activity) << "a PING alone is not activity";
    EXPECT_TRUE(t.atBoundary());
}

TEST(Http2FrameTracker, AnythingButThePrefaceIsNotHttp2)
{
    Http2FrameTracker t(true);
    const std::string get = "GET / HTTP/1.1\r\n";
    EXPECT_TRUE(t.feed(get.data(), get.size()).activity);
    EXPECT_TRUE(t.notHttp2());
    EXPECT_FALSE(t.atBoundary());
}

TEST(Http2FrameTracker, WrittenFramesParseBack)
{
    Http2FrameTracker t(false);
    const auto rst = h2RstStreamFrame(5, 8);
    const auto goaway = h2GoawayFrame(0x7fffffff, 0, "lb idle timeout");
    auto fed = t.feed(rst.data(), rst.size());
    ASSERT_EQ(fed.headers.size(), 1u);
    EXPECT_EQ(fed.headers[0].type, kH2RstStream);
    EXPECT_EQ(fed.headers[0].stream, 5u);
    EXPECT_EQ(rst.size(), 13u);
    fed = t.feed(goaway.data(), goaway.size());
    ASSERT_EQ(fed.headers.size(), 1u);
    EXPECT_EQ(fed.headers[0].length, 8u + 15u);
    EXPECT_TRUE(t.atBoundary());
}

TEST(LbCommands, ApplyChangesTheFaultsAndSaysSo)
{
    LbFaults faults;
    bool resetAll = true;
    EXPECT_NE(applyLbCommand({ LbCommand::Blackhole, 1 }, faults, resetAll).find("blackhole on"), std::string::npos);
    EXPECT_TRUE(faults.blackhole);
    EXPECT_FALSE(resetAll);
    applyLbCommand({ LbCommand::Latency, 250 }, faults, resetAll);
    EXPECT_EQ(faults.latencyNs, 250'000'000);
    EXPECT_NE(applyLbCommand({ LbCommand::Loss, 1250 }, faults, resetAll).find("12.5 %"), std::string::npos);
    EXPECT_DOUBLE_EQ(faults.lossShare, 0.125);
    applyLbCommand({ LbCommand::Loss, 9000 }, faults, resetAll);
    EXPECT_DOUBLE_EQ(faults.lossShare, 0.5) << "capped";
    applyLbCommand({ LbCommand::Reset, 0 }, faults, resetAll);
    EXPECT_TRUE(resetAll);
}

// app ends: what the client and server programs hold; the pair holds the other ends.
struct PairRig {
    int epollFd = epoll_create1(EPOLL_CLOEXEC);
    LbPoller poller { epollFd };
    LbContext ctx;
    int clientApp = -1, serverApp = -1;
    std::unique_ptr<LbPair> pair;
    std::vector<char> buffer = std::vector<char>(65536);
    explicit PairRig(SimulatorPlan plan)
    {
        ctx.plan = std::move(plan);
        ctx.poller = &poller;
        ctx.note = [this](const std::string& text) { notes += text + "\n"; };
        ctx.expiries = &expiries;
        int c[2], s[2];
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, c);
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s);
        clientApp = c[0];
        serverApp = s[1];
        pair = std::make_unique<LbPair>(c[1], s[0], "client test", 0, ctx);
        pair->markConnected();
    }
    ~PairRig()
    {
        pair->close(ctx);
        close(clientApp);
        close(serverApp);
        close(epollFd);
    }
    void clientSends(const std::string& bytes, std::int64_t now)
    {
        ASSERT_EQ(send(clientApp, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
        pair->read(pair->client, now, ctx, buffer);
    }
    std::string received(int fd)
    {
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
            out.append(buf, static_cast<std::size_t>(n));
        return out;
    }
    std::atomic<std::uint64_t> expiries { 0 };
    std::string notes;
};

SimulatorPlan idle(double s, bool pingsCount)
{
    SimulatorPlan plan;
    plan.idleTimeoutS = s;
    plan.http2PingResetsIdle = pingsCount;
    plan.tcpKeepaliveResetsIdle = false;
    return plan;
}

TEST(LbPair, PingsDoNotRestartTheIdleTimerWhenTheProfileIgnoresThem)
{
    for (const bool pingsCount : { false, true }) {
        PairRig rig(idle(1.0, pingsCount));
        rig.clientSends(kPreface + frame(4, 0, 0), 0);
        rig.clientSends(kPing, kS * 6 / 10); // 0.6 s
        rig.pair->tick(kS * 11 / 10, rig.ctx); // 1.1 s: 1.1 s after the SETTINGS, 0.5 s after the PING
        EXPECT_EQ(rig.pair->finished(), !pingsCount) << "pings count: " << pingsCount << "\n" << rig.notes;
        EXPECT_EQ(rig.expiries.load(), pingsCount ? 0u : 1u);
    }
}

TEST(LbPair, StreamIdleTimeoutResetsTheQuietStreamOnly)
{
    SimulatorPlan plan;
    plan.streamIdleTimeoutS = 1.0;
    PairRig rig(plan);
    rig.clientSends(kPreface + frame(kH2Headers, 4, 1, "h") + frame(kH2Headers, 4, 3, "h"), 0);
    EXPECT_EQ(rig.pair->openStreams(), 2u);
    rig.clientSends(frame(kH2Data, 0, 3, "xy"), kS * 8 / 10); // stream 3 speaks at 0.8 s
    rig.received(rig.serverApp);
    rig.pair->tick(kS * 12 / 10, rig.ctx); // 1.2 s: stream 1 quiet for 1.2 s, stream 3 for 0.4 s
    EXPECT_EQ(rig.pair->openStreams(), 1u);
    const auto rst = h2RstStreamFrame(1, 8);
    EXPECT_EQ(rig.received(rig.clientApp), std::string(rst.begin(), rst.end()));
    EXPECT_EQ(rig.received(rig.serverApp), std::string(rst.begin(), rst.end()));
    EXPECT_FALSE(rig.pair->finished()) << "the connection lives on";
    EXPECT_NE(rig.notes.find("stream 1 of client test idle"), std::string::npos) << rig.notes;
}

TEST(LbPair, LimitDataForwardsTheLimitThenFinBothWays)
{
    SimulatorPlan plan;
    plan.limitDataBytes = 1024;
    PairRig rig(plan);
    rig.clientSends(std::string(1000, 'a'), 0);
    rig.clientSends(std::string(100, 'b'), 1);
    EXPECT_EQ(rig.received(rig.serverApp), std::string(1000, 'a') + std::string(24, 'b'));
    char c;
    EXPECT_EQ(recv(rig.serverApp, &c, 1, 0), 0) << "FIN to the server";
    EXPECT_EQ(recv(rig.clientApp, &c, 1, 0), 0) << "FIN to the client";
}

TEST(LbPair, LossHoldsAChunkForItsRetransmissionsAndKeepsTheOrder)
{
    SimulatorPlan plan;
    PairRig rig(plan);
    rig.ctx.faults.lossShare = 0.5;
    rig.ctx.faults.latencyNs = kS; // nothing leaves within 1 s: the queue can be inspected
    const auto& out = rig.pair->server.out;
    int held = 0;
    for (int i = 0; i < 40; ++i) {
        const std::int64_t now = i * 20 * kS; // far apart: an earlier chunk never holds this one
        rig.clientSends(std::string(1, char('a' + i % 26)), now);
        ASSERT_FALSE(out.empty());
        const std::int64_t delayMs = (out.back().dueNs - now - kS) / 1'000'000;
        // Lost k times: the RTO of 200 ms, doubled for each lost retransmission (RFC 6298 5.5).
        EXPECT_TRUE(delayMs == 0 || delayMs == 200 || delayMs == 600 || delayMs == 1400 || delayMs == 3000
            || delayMs == 6200 || delayMs == 12600)
            << delayMs;
        held += delayMs > 0;
        rig.pair->flush(rig.pair->server, now + 19 * kS, rig.ctx);
    }
    EXPECT_GE(held, 10) << "half of 40 chunks lost, but fewer than 10 held back";
    EXPECT_LE(held, 30);
    // Two chunks at once: the second waits for the first, lost or not.
    for (int i = 0; i < 8; ++i) {
        const std::int64_t now = (1000 + i * 20) * kS;
        rig.clientSends("x", now);
        rig.clientSends("y", now);
        ASSERT_GE(out.size(), 2u);
        EXPECT_GE(out.back().dueNs, out[out.size() - 2].dueNs) << "a chunk overtook the one before it";
        rig.pair->flush(rig.pair->server, now + 19 * kS, rig.ctx);
    }
}

} // namespace
} // namespace ks::core::lab
