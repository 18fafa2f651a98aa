// One simulated flow: forwarding with latency, loss and a bandwidth limit, the connection's and
// the streams' idle timers, and the expiry actions. Some 430 lines: forwarding, timers and
// expiry share one flow's sockets and clocks; the frame tracker and the command dispatcher are
// already their own files (lb_frame_tracker.cpp, lb_simulator.cpp).
//
// Whether TCP keep-alive probes count as activity: a userspace proxy never reads a probe (it
// carries no new data; the kernel answers it). TCP_INFO's tcpi_segs_in counts every segment a
// socket received, probes and bare ACKs included, while data arrives through read(): with
// tcpKeepaliveResetsIdle, any new segment restarts the idle timer; without, only data does.
#include "lb_pair.h"

#include <linux/tcp.h> // struct tcp_info with tcpi_segs_in (glibc's copy stops earlier)
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ks::core::lab {

namespace {

constexpr std::size_t kQueueCap = 1 << 20; // stop reading a side whose output backs up this far
constexpr std::int64_t kMs = 1000000;
constexpr std::int64_t kFinLingerNs = 2000 * kMs; // after an idle FIN, how long peers get to close
constexpr std::int64_t kInfoPollNs = 20 * kMs;
constexpr std::int64_t kRtoNs = 200 * kMs; // Linux's minimum retransmission timeout (TCP_RTO_MIN)
constexpr std::uint32_t kCancel = 0x8;

void abortiveClose(int fd)
{
    // SO_LINGER with a zero timeout makes close() send RST instead of FIN (tcp(7)).
    linger l { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

std::uint32_t segsIn(int fd)
{
    if (fd < 0)
        return 0;
    tcp_info info {};
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return 0;
    return info.tcpi_segs_in;
}

std::string seconds(double s)
{
    const std::string text = std::to_string(s);
    return text.substr(0, text.find('.') + 2);
}

} // namespace

void LbPoller::add(int fd, std::uint32_t events, LbPair* owner)
{
    epoll_event ev {};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &ev);
    m_owners[fd] = owner;
}

void LbPoller::modify(int fd, std::uint32_t events)
{
    epoll_event ev {};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &ev);
}

void LbPoller::remove(int fd)
{
    epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
    m_owners.erase(fd);
}

LbPair* LbPoller::owner(int fd) const
{
    const auto it = m_owners.find(fd);
    return it == m_owners.end() ? nullptr : it->second;
}

LbPair::LbPair(int clientFd, int serverFd, std::string name, std::int64_t nowNs, LbContext& ctx)
    : m_name(std::move(name))
    , m_lastActivityNs(nowNs)
{
    client.fd = clientFd;
    server.fd = serverFd;
    client.refillNs = server.refillNs = nowNs;
    client.events = EPOLLIN;
    server.events = EPOLLOUT; // writable = connected
    ctx.poller->add(clientFd, client.events, this);
    ctx.poller->add(serverFd, server.events, this);
}

void LbPair::closeLeg(Leg& leg, bool abortive, LbContext& ctx)
{
    if (leg.fd < 0)
        return;
    ctx.poller->remove(leg.fd);
    abortive ? abortiveClose(leg.fd) : void(::close(leg.fd));
    leg.fd = -1;
}

void LbPair::reset(LbContext& ctx)
{
    closeLeg(client, true, ctx);
    closeLeg(server, true, ctx);
}

void LbPair::close(LbContext& ctx)
{
    closeLeg(client, false, ctx);
    closeLeg(server, false, ctx);
}

void LbPair::enqueue(Leg& to, std::string bytes, std::int64_t dueNs)
{
    // A chunk never overtakes one queued before it: TCP delivers in order.
    if (!to.out.empty())
        dueNs = std::max(dueNs, to.out.back().dueNs);
    to.outBytes += bytes.size();
    to.out.push_back({ dueNs, std::move(bytes), 0 });
}

void LbPair::flush(Leg& leg, std::int64_t nowNs, const LbContext& ctx)
{
    if (leg.fd < 0 || leg.blocked || ctx.faults.blackhole)
        return;
    const std::int64_t bandwidth = ctx.faults.bandwidth;
    if (bandwidth > 0) {
        const double burst = std::max<double>(double(bandwidth) / 10.0, 1500.0);
        leg.tokens = std::min(burst, leg.tokens + double(bandwidth) * double(nowNs - leg.refillNs) / 1e9);
    }
    leg.refillNs = nowNs;
    while (!leg.out.empty() && leg.out.front().dueNs <= nowNs) {
        auto& c = leg.out.front();
        std::size_t len = c.bytes.size() - c.offset;
        if (bandwidth > 0)
            len = std::min<std::size_t>(len, static_cast<std::size_t>(std::max(0.0, leg.tokens)));
        if (len == 0)
            break;
        const ssize_t n = send(leg.fd, c.bytes.data() + c.offset, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                leg.blocked = true;
            break;
        }
        if (bandwidth > 0)
            leg.tokens -= double(n);
        c.offset += static_cast<std::size_t>(n);
        leg.outBytes -= static_cast<std::size_t>(n);
        if (c.offset == c.bytes.size())
            leg.out.pop_front();
    }
}

void LbPair::onEvent(int fd, std::uint32_t events, std::int64_t nowNs, LbContext& ctx, std::vector<char>& buffer)
{
    Leg& leg = client.fd == fd ? client : server;
    if (&leg == &server && !m_connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            ctx.note("upstream connect failed for " + m_name + ": " + std::strerror(err) + "; RST to the client");
            reset(ctx);
            return;
        }
        m_connected = true;
        m_segs = segsIn(client.fd) + segsIn(server.fd);
    } else if (events & EPOLLOUT) {
        leg.blocked = false;
    }
    // In a blackhole nothing is read (the bytes wait in the kernel, as a path that drops
    // packets makes TCP hold them for retransmission); a reset still ends the flow.
    if ((events & (EPOLLHUP | EPOLLERR)) || ((events & EPOLLIN) && !ctx.faults.blackhole))
        read(leg, nowNs, ctx, buffer);
    if (leg.fd >= 0)
        flush(leg, nowNs, ctx);
}

void LbPair::read(Leg& leg, std::int64_t nowNs, LbContext& ctx, std::vector<char>& buffer)
{
    const ssize_t n = recv(leg.fd, buffer.data(), buffer.size(), 0);
    const char* side = &leg == &client ? "client" : "server";
    if (n > 0) {
        if (m_resetOnNext) {
            ctx.note(std::string("a late packet from the ") + side + " of " + m_name
                + " after the idle expiry: RST to it (the other side is not told)");
            closeLeg(leg, true, ctx);
            return;
        }
        if (m_dropped || m_closing)
            return; // read and thrown away: nothing reaches the other side
        forward(leg, buffer.data(), std::size_t(n), nowNs, ctx);
    } else if (n == 0) {
        leg.eof = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // The peer reset its side: an L4 proxy passes the reset on.
        if (!m_dropped) {
            ctx.note(std::string("the ") + side + " reset " + m_name + "; RST to the other side");
            reset(ctx);
        } else {
            closeLeg(leg, true, ctx);
        }
    }
}

void LbPair::forward(Leg& from, const char* data, std::size_t n, std::int64_t nowNs, LbContext& ctx)
{
    const bool fromClient = &from == &client;
    const auto fed = (fromClient ? m_fromClient : m_fromServer).feed(data, n);
    if (fed.activity || ctx.plan.http2PingResetsIdle)
        m_lastActivityNs = nowNs;
    trackStreams(fromClient, fed.headers, nowNs);
    Leg& to = other(from);
    std::size_t take = n;
    bool limitReached = false;
    if (ctx.plan.limitDataBytes > 0 && m_forwarded + std::int64_t(n) >= ctx.plan.limitDataBytes) {
        take = static_cast<std::size_t>(std::max<std::int64_t>(0, ctx.plan.limitDataBytes - m_forwarded));
        limitReached = true;
    }
    m_forwarded += std::int64_t(take);
    if (take > 0) {
        std::int64_t due = nowNs + ctx.faults.latencyNs;
        if (ctx.faults.lossShare > 0) {
            // A lost segment reaches the peer when TCP retransmits it: after the RTO, and if the
            // retransmission is lost too, after twice that again (RFC 6298 section 5.5);
            // everything behind it waits (in-order delivery).
            std::bernoulli_distribution lost(ctx.faults.lossShare);
            for (int k = 0; k < 6 && lost(ctx.random); ++k)
                due += kRtoNs << k;
        }
        enqueue(to, std::string(data, take), due);
        flush(to, nowNs, ctx);
    }
    if (limitReached) {
        ctx.note("limit_data: " + std::to_string(ctx.plan.limitDataBytes) + " bytes forwarded for " + m_name
            + ": FIN to both sides once they are delivered");
        beginClose(nowNs);
    }
}

void LbPair::trackStreams(bool fromClient, const std::vector<H2FrameHeader>& headers, std::int64_t nowNs)
{
    for (const auto& h : headers) {
        if (h.stream == 0)
            continue;
        auto it
            = std::find_if(m_streams.begin(), m_streams.end(), [&](const StreamClock& s) { return s.id == h.stream; });
        if (it == m_streams.end()) {
            // A stream opens with the client's HEADERS; anything else for an unknown id is late.
            if (!fromClient || h.type != kH2Headers)
                continue;
            m_streams.push_back({ h.stream, nowNs });
            it = m_streams.end() - 1;
        }
        it->lastNs = nowNs;
        const bool ends = h.type == kH2RstStream
            || (!fromClient && (h.flags & kH2EndStream) && (h.type == kH2Data || h.type == kH2Headers));
        if (ends)
            m_streams.erase(it);
    }
}

void LbPair::expireStreams(std::int64_t nowNs, LbContext& ctx)
{
    const auto idleNs = static_cast<std::int64_t>(ctx.plan.streamIdleTimeoutS * 1e9);
    // A frame goes in only between two frames of each direction.
    if (!m_fromClient.atBoundary() || !m_fromServer.atBoundary() || client.fd < 0 || server.fd < 0)
        return;
    for (auto it = m_streams.begin(); it != m_streams.end();) {
        if (nowNs - it->lastNs < idleNs) {
            ++it;
            continue;
        }
        ctx.note("stream " + std::to_string(it->id) + " of " + m_name + " idle for "
            + seconds(ctx.plan.streamIdleTimeoutS)
            + " s (stream_idle_timeout): RST_STREAM CANCEL to both sides; the connection stays open");
        const auto frame = h2RstStreamFrame(it->id, kCancel);
        enqueue(client, std::string(frame.begin(), frame.end()), nowNs);
        enqueue(server, std::string(frame.begin(), frame.end()), nowNs);
        flush(client, nowNs, ctx);
        flush(server, nowNs, ctx);
        it = m_streams.erase(it);
    }
}

void LbPair::beginClose(std::int64_t nowNs)
{
    m_closing = true;
    m_closeAtNs = nowNs + kFinLingerNs;
    for (Leg* leg : { &client, &server }) {
        if (leg->fd >= 0 && leg->out.empty() && !leg->shutWr) {
            shutdown(leg->fd, SHUT_WR);
            leg->shutWr = true;
        }
    }
}

void LbPair::expire(std::int64_t nowNs, LbContext& ctx)
{
    if (ctx.expiries)
        ++*ctx.expiries;
    const std::string what = "idle timeout (" + seconds(ctx.plan.idleTimeoutS) + " s) expired for " + m_name;
    switch (ctx.plan.onExpiry) {
    case LbExpiryAction::Rst:
        ctx.note(what + ": RST to both sides");
        reset(ctx);
        return;
    case LbExpiryAction::SilentDrop:
        ctx.note(what + ": flow silently dropped (no FIN, no RST; nothing is forwarded any more)");
        m_dropped = true;
        return;
    case LbExpiryAction::RstOnNextPacket:
        ctx.note(what + ": flow forgotten silently; the next packet from either side is answered with RST");
        m_dropped = m_resetOnNext = true;
        client.segsAtExpiry = segsIn(client.fd);
        server.segsAtExpiry = segsIn(server.fd);
        // A pass-through middlebox never delivers the late packet, so no ACK of it precedes the
        // RST (the analyzer tells an endpoint's close by that ACK). This proxy's own stack would
        // ACK it: ask for delayed ACKs, so that the RST, sent as soon as the packet is read, goes first.
        for (Leg* leg : { &client, &server }) {
            const int off = 0;
            if (leg->fd >= 0)
                setsockopt(leg->fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof off);
        }
        return;
    case LbExpiryAction::Goaway:
        if (m_fromClient.http2() && m_fromServer.atBoundary() && client.fd >= 0) {
            // GOAWAY, last-stream-id 2^31-1 (the graceful first phase), NO_ERROR.
            const auto frame = h2GoawayFrame(0x7fffffff, 0, "lb idle timeout");
            enqueue(client, std::string(frame.begin(), frame.end()), nowNs);
            flush(client, nowNs, ctx);
            ctx.note(what + ": HTTP/2 GOAWAY to the client, then FIN to both sides");
        } else {
            ctx.note(what + ": FIN to both sides (not cleartext HTTP/2, so no GOAWAY could be sent)");
        }
        break;
    case LbExpiryAction::Fin:
        ctx.note(what + ": FIN to both sides");
        break;
    }
    beginClose(nowNs);
}

void LbPair::pollSegments(std::int64_t nowNs, LbContext& ctx)
{
    if (!m_connected || nowNs - m_infoPolledNs < kInfoPollNs)
        return;
    m_infoPolledNs = nowNs;
    if (m_resetOnNext) {
        // A forgotten flow answers any segment, a keep-alive probe too, with RST.
        for (Leg* leg : { &client, &server }) {
            if (leg->fd >= 0 && segsIn(leg->fd) != leg->segsAtExpiry) {
                ctx.note(std::string("a late segment from the ") + (leg == &client ? "client" : "server") + " of "
                    + m_name + " after the idle expiry: RST to it (the other side is not told)");
                closeLeg(*leg, true, ctx);
            }
        }
        return;
    }
    if (!ctx.plan.tcpKeepaliveResetsIdle || m_dropped)
        return;
    const std::uint32_t segs = segsIn(client.fd) + segsIn(server.fd);
    if (segs != m_segs && !ctx.faults.blackhole) {
        m_segs = segs;
        m_lastActivityNs = nowNs;
    }
}

void LbPair::updateInterest(Leg& leg, LbContext& ctx)
{
    if (leg.fd < 0)
        return;
    std::uint32_t want = 0;
    if (!leg.eof && !ctx.faults.blackhole && (other(leg).outBytes < kQueueCap || m_dropped || m_closing))
        want |= EPOLLIN;
    if (leg.blocked)
        want |= EPOLLOUT;
    if (&leg == &server && !m_connected)
        want = EPOLLOUT;
    if (want != leg.events) {
        ctx.poller->modify(leg.fd, want);
        leg.events = want;
    }
}

void LbPair::tick(std::int64_t nowNs, LbContext& ctx)
{
    if (finished())
        return;
    pollSegments(nowNs, ctx);
    const auto idleNs = static_cast<std::int64_t>(ctx.plan.idleTimeoutS * 1e9);
    if (idleNs > 0 && !m_dropped && !m_closing && m_connected && nowNs - m_lastActivityNs >= idleNs) {
        expire(nowNs, ctx);
        if (finished())
            return;
    }
    if (ctx.plan.streamIdleTimeoutS > 0 && m_connected && !m_dropped && !m_closing)
        expireStreams(nowNs, ctx);
    for (Leg* leg : { &client, &server }) {
        if (leg->fd < 0)
            continue;
        if (m_connected || leg == &client)
            flush(*leg, nowNs, ctx);
        // Pass a FIN on once everything before it has been delivered.
        if ((other(*leg).eof || m_closing) && leg->out.empty() && !leg->shutWr && !m_dropped && m_connected) {
            shutdown(leg->fd, SHUT_WR);
            leg->shutWr = true;
        }
    }
    const bool done = client.eof && server.eof && client.shutWr && server.shutWr;
    if (done || (m_closing && nowNs >= m_closeAtNs)) {
        close(ctx);
        return;
    }
    updateInterest(client, ctx);
    updateInterest(server, ctx);
}

} // namespace ks::core::lab
