// The load-balancer simulator's event loop. One thread, level-triggered epoll, a 10 ms tick for
// timers (idle expiry, latency and loss queues, bandwidth tokens); the flows are LbPairs.
#include "lb_simulator.h"

#include "core/event_hub.h"
#include "lb_pair.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ks::core::lab {

namespace {

constexpr std::int64_t kMs = 1000000;

std::string peerName(int fd)
{
    sockaddr_storage addr {};
    socklen_t len = sizeof addr;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return "?";
    char host[INET6_ADDRSTRLEN] = {};
    char serv[16] = {};
    getnameinfo(
        reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    return std::string(host) + ":" + serv;
}

void noDelay(int fd)
{
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void abortiveClose(int fd)
{
    linger l { 1, 0 }; // close() sends RST (tcp(7))
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

} // namespace

LbSimulator::LbSimulator(SimulatorPlan plan, NoteFn note)
    : m_plan(std::move(plan))
    , m_note(std::move(note))
{
}

LbSimulator::~LbSimulator()
{
    stop();
}

std::string LbSimulator::start(const std::string& upstreamHost, std::uint16_t upstreamPort, std::uint16_t listenPort)
{
    addrinfo hints {};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(upstreamPort);
    if (const int rc = getaddrinfo(upstreamHost.c_str(), service.c_str(), &hints, &found); rc != 0 || !found)
        return "load-balancer simulator: cannot resolve " + upstreamHost + ": " + gai_strerror(rc);
    m_upstreamAddr.assign(reinterpret_cast<const std::uint8_t*>(found->ai_addr),
        reinterpret_cast<const std::uint8_t*>(found->ai_addr) + found->ai_addrlen);
    freeaddrinfo(found);

    m_listenFd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(listenPort);
    if (listenPort != 0 && m_listenFd >= 0) { // a fixed port is reused run after run
        const int one = 1;
        setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    socklen_t len = sizeof addr;
    if (m_listenFd < 0 || bind(m_listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
        || listen(m_listenFd, 64) != 0 || getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const std::string reason = std::strerror(errno);
        stop();
        return "load-balancer simulator: cannot listen on 127.0.0.1: " + reason;
    }
    m_port = ntohs(addr.sin_port);
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.fd = m_listenFd;
    epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_listenFd, &ev);
    ev.data.fd = m_wakeFd;
    epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &ev);
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
    return {};
}

void LbSimulator::stop()
{
    m_stopping = true;
    if (m_wakeFd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = write(m_wakeFd, &one, sizeof one);
    }
    if (m_thread.joinable())
        m_thread.join();
    for (int* fd : { &m_listenFd, &m_epollFd, &m_wakeFd }) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
    }
}

void LbSimulator::post(LbCommand command)
{
    m_commands.post(command);
    const std::uint64_t one = 1;
    if (m_wakeFd >= 0) [[maybe_unused]]
        auto n = write(m_wakeFd, &one, sizeof one);
}

void LbSimulator::setBlackhole(bool on)
{
    post({ LbCommand::Blackhole, on ? 1 : 0 });
}

void LbSimulator::setLatencyMs(int ms)
{
    post({ LbCommand::Latency, ms });
}

void LbSimulator::setBandwidthLimit(std::int64_t bytesPerSecond)
{
    post({ LbCommand::Bandwidth, bytesPerSecond });
}

void LbSimulator::setLossPercent(double percent)
{
    post({ LbCommand::Loss, static_cast<std::int64_t>(percent * 100.0 + 0.5) });
}

void LbSimulator::resetNow()
{
    post({ LbCommand::Reset, 0 });
}

void LbSimulator::acceptAll(std::int64_t nowNs, LbContext& ctx, std::vector<std::unique_ptr<LbPair>>& pairs)
{
    for (;;) {
        const int cfd = accept4(m_listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
            return;
        const auto* up = reinterpret_cast<const sockaddr*>(m_upstreamAddr.data());
        const int sfd = socket(up->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (sfd < 0 || (connect(sfd, up, socklen_t(m_upstreamAddr.size())) != 0 && errno != EINPROGRESS)) {
            ctx.note(
                "upstream connect failed for " + peerName(cfd) + ": " + std::strerror(errno) + "; RST to the client");
            if (sfd >= 0)
                close(sfd);
            abortiveClose(cfd);
            continue;
        }
        ++m_accepted;
        noDelay(cfd);
        noDelay(sfd);
        pairs.push_back(std::make_unique<LbPair>(cfd, sfd, "client " + peerName(cfd), nowNs, ctx));
    }
}

void LbSimulator::dispatchCommands(LbContext& ctx, std::vector<std::unique_ptr<LbPair>>& pairs)
{
    std::uint64_t count = 0;
    [[maybe_unused]] auto r = read(m_wakeFd, &count, sizeof count);
    for (const auto& command : m_commands.take()) {
        bool resetAll = false;
        std::string text = applyLbCommand(command, ctx.faults, resetAll);
        if (resetAll) {
            std::size_t open = 0;
            for (const auto& p : pairs)
                open += !p->finished();
            text += " (RST to both sides of " + std::to_string(open) + " connections)";
            for (auto& p : pairs)
                p->reset(ctx);
        }
        ctx.note(text);
    }
}

void LbSimulator::run()
{
    LbPoller poller(m_epollFd);
    LbContext ctx;
    ctx.plan = m_plan;
    ctx.poller = &poller;
    ctx.note = [this](const std::string& text) {
        if (m_note)
            m_note(realtimeNs(), text);
    };
    ctx.expiries = &m_expiries;
    ctx.faults.latencyNs = std::int64_t(m_plan.latencyMs) * kMs;
    ctx.faults.lossShare = m_plan.lossPercent / 100.0;
    std::vector<std::unique_ptr<LbPair>> pairs;
    std::vector<char> buffer(64 * 1024);

    epoll_event events[64];
    while (!m_stopping) {
        const int n = epoll_wait(m_epollFd, events, 64, 10);
        const std::int64_t now = realtimeNs();
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == m_listenFd)
                acceptAll(now, ctx, pairs);
            else if (fd == m_wakeFd)
                dispatchCommands(ctx, pairs);
            else if (LbPair* p = poller.owner(fd))
                p->onEvent(fd, events[i].events, now, ctx, buffer);
        }
        for (auto& p : pairs)
            p->tick(now, ctx);
        std::erase_if(pairs, [](const auto& p) { return p->finished(); });
    }
    for (auto& p : pairs)
        p->close(ctx);
}

void applyFault(LbSimulator& sim, const TimedFault& f)
{
    if (f.action == "blackhole")
        sim.setBlackhole(true);
    else if (f.action == "blackhole-off")
        sim.setBlackhole(false);
    else if (f.action == "reset")
        sim.resetNow();
    else if (f.action == "latency")
        sim.setLatencyMs(static_cast<int>(f.value));
    else if (f.action == "bandwidth")
        sim.setBandwidthLimit(static_cast<std::int64_t>(f.value));
    else if (f.action == "loss")
        sim.setLossPercent(f.value);
}

} // namespace ks::core::lab
