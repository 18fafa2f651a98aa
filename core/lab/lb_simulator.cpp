// The load-balancer simulator's event loop. One thread, level-triggered epoll, a 10 ms tick for
// timers (idle expiry, latency queues, bandwidth tokens).
#include "lb_simulator.h"

#include "core/event_hub.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/tcp.h> // struct tcp_info with tcpi_segs_in (glibc's copy stops earlier)
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <unordered_map>

namespace ks::core::lab {

namespace {

constexpr std::size_t kQueueCap = 1 << 20; // stop reading a side whose output backs up this far
constexpr std::int64_t kMs = 1000000;
constexpr std::int64_t kFinLingerNs = 2000 * kMs; // after an idle FIN, how long peers get to close
constexpr std::int64_t kInfoPollNs = 20 * kMs;

void abortiveClose(int fd)
{
    // SO_LINGER with a zero timeout makes close() send RST instead of FIN (tcp(7)).
    linger l {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

std::uint32_t segsIn(int fd)
{
    tcp_info info {};
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return 0;
    return info.tcpi_segs_in;
}

std::string peerName(int fd)
{
    sockaddr_storage addr {};
    socklen_t len = sizeof addr;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return "?";
    char host[INET6_ADDRSTRLEN] = {};
    char serv[16] = {};
    getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                NI_NUMERICHOST | NI_NUMERICSERV);
    return std::string(host) + ":" + serv;
}

void noDelay(int fd)
{
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

} // namespace

struct LbSimulator::Command {
    enum Kind { Blackhole, Latency, Bandwidth, Reset } kind;
    std::int64_t value = 0;
};

struct LbSimulator::Pair {
    struct Chunk {
        std::int64_t dueNs;
        std::string bytes;
        std::size_t offset = 0;
    };
    struct Leg {
        int fd = -1;
        bool eof = false; // the peer on this leg sent FIN
        bool shutWr = false; // we sent FIN on this leg
        bool blocked = false; // a write hit EAGAIN
        std::uint32_t events = 0; // registered epoll interest
        std::deque<Chunk> out; // bytes for this leg's peer
        std::size_t outBytes = 0;
        double tokens = 0;
        std::int64_t refillNs = 0;
    };
    Leg client, server;
    std::string name; // the client's address, for notes
    bool connected = false;
    bool dropped = false; // silently dropped: forget the flow, tell nobody
    bool resetOnNext = false; // forgotten, and the next packet from either side gets an RST (AWS NLB)
    bool closing = false; // idle FIN sent, waiting for the peers
    std::int64_t closeAtNs = 0;
    std::int64_t lastActivityNs = 0;
    std::uint32_t segs = 0;
    std::int64_t infoPolledNs = 0;
    // Cleartext HTTP/2 framing of the server's bytes, so a GOAWAY can go between two frames.
    int clientPrefaceSeen = 0; // bytes of the client preface matched, -1 once it mismatched
    std::uint8_t header[9] {};
    std::size_t headerHave = 0;
    std::uint32_t frameLeft = 0;
};

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
    for (int* fd : {&m_listenFd, &m_epollFd, &m_wakeFd}) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
    }
}

void LbSimulator::post(Command command)
{
    {
        std::lock_guard lock(m_commandsMutex);
        m_commands.push_back(command);
    }
    const std::uint64_t one = 1;
    if (m_wakeFd >= 0)
        [[maybe_unused]] auto n = write(m_wakeFd, &one, sizeof one);
}

void LbSimulator::setBlackhole(bool on)
{
    post({Command::Blackhole, on ? 1 : 0});
}

void LbSimulator::setLatencyMs(int ms)
{
    post({Command::Latency, ms});
}

void LbSimulator::setBandwidthLimit(std::int64_t bytesPerSecond)
{
    post({Command::Bandwidth, bytesPerSecond});
}

void LbSimulator::resetNow()
{
    post({Command::Reset, 0});
}

void LbSimulator::run()
{
    using Pair = LbSimulator::Pair;
    using Leg = Pair::Leg;
    std::vector<std::unique_ptr<Pair>> pairs;
    std::unordered_map<int, Pair*> byFd;
    bool blackhole = false;
    std::int64_t latencyNs = 0;
    std::int64_t bandwidth = 0;
    const std::int64_t idleNs = static_cast<std::int64_t>(m_plan.idleTimeoutS * 1e9);
    std::vector<char> buffer(64 * 1024);

    auto note = [this](const std::string& text) {
        if (m_note)
            m_note(realtimeNs(), text);
    };
    auto closeLeg = [&](Leg& leg, bool abortive) {
        if (leg.fd < 0)
            return;
        epoll_ctl(m_epollFd, EPOLL_CTL_DEL, leg.fd, nullptr);
        byFd.erase(leg.fd);
        abortive ? abortiveClose(leg.fd) : void(close(leg.fd));
        leg.fd = -1;
    };
    auto resetPair = [&](Pair& p) {
        closeLeg(p.client, true);
        closeLeg(p.server, true);
    };
    auto other = [](Pair& p, Leg& leg) -> Leg& { return &leg == &p.client ? p.server : p.client; };
    auto trackServerFrames = [](Pair& p, const char* data, std::size_t n) {
        for (std::size_t i = 0; i < n;) {
            if (p.frameLeft > 0) {
                const auto take = std::min<std::size_t>(p.frameLeft, n - i);
                p.frameLeft -= static_cast<std::uint32_t>(take);
                i += take;
                continue;
            }
            p.header[p.headerHave++] = static_cast<std::uint8_t>(data[i++]);
            if (p.headerHave == 9) {
                p.frameLeft = std::uint32_t(p.header[0]) << 16 | std::uint32_t(p.header[1]) << 8 | p.header[2];
                p.headerHave = 0;
            }
        }
    };
    auto trackClientPreface = [](Pair& p, const char* data, std::size_t n) {
        static constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        for (std::size_t i = 0; i < n && p.clientPrefaceSeen >= 0 && p.clientPrefaceSeen < 24; ++i)
            p.clientPrefaceSeen = data[i] == kPreface[p.clientPrefaceSeen] ? p.clientPrefaceSeen + 1 : -1;
    };
    auto enqueue = [&](Leg& to, std::string bytes, std::int64_t due) {
        to.outBytes += bytes.size();
        to.out.push_back({due, std::move(bytes), 0});
    };
    auto flush = [&](Leg& leg, std::int64_t now) {
        if (leg.fd < 0 || leg.blocked)
            return;
        if (bandwidth > 0) {
            const double burst = std::max<double>(double(bandwidth) / 10.0, 1500.0);
            leg.tokens = std::min(burst, leg.tokens + double(bandwidth) * double(now - leg.refillNs) / 1e9);
        }
        leg.refillNs = now;
        while (!leg.out.empty() && leg.out.front().dueNs <= now) {
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
    };
    auto expire = [&](Pair& p, std::int64_t now) {
        ++m_expiries;
        const std::string idle = std::to_string(m_plan.idleTimeoutS);
        const std::string what = "idle timeout (" + idle.substr(0, idle.find('.') + 2) + " s) expired for " + p.name;
        switch (m_plan.onExpiry) {
        case LbExpiryAction::Rst:
            note(what + ": RST to both sides");
            resetPair(p);
            return;
        case LbExpiryAction::SilentDrop:
            note(what + ": flow silently dropped (no FIN, no RST; nothing is forwarded any more)");
            p.dropped = true;
            return;
        case LbExpiryAction::RstOnNextPacket:
            note(what + ": flow forgotten silently; the next packet from either side is answered with RST");
            p.dropped = true;
            p.resetOnNext = true;
            return;
        case LbExpiryAction::Goaway:
            if (p.clientPrefaceSeen == 24 && p.frameLeft == 0 && p.headerHave == 0 && p.client.fd >= 0) {
                // GOAWAY, stream 0, last-stream-id 2^31-1 (the graceful first phase), NO_ERROR.
                static constexpr char kDebug[] = "lb idle timeout";
                std::string frame;
                const std::uint32_t len = 8 + sizeof kDebug - 1;
                frame += {char(len >> 16), char(len >> 8), char(len), char(7), char(0), 0, 0, 0, 0};
                frame += {char(0x7f), char(0xff), char(0xff), char(0xff), 0, 0, 0, 0};
                frame.append(kDebug, sizeof kDebug - 1);
                enqueue(p.client, std::move(frame), now);
                flush(p.client, now);
                note(what + ": HTTP/2 GOAWAY to the client, then FIN to both sides");
            } else {
                note(what + ": FIN to both sides (not cleartext HTTP/2, so no GOAWAY could be sent)");
            }
            break;
        case LbExpiryAction::Fin:
            note(what + ": FIN to both sides");
            break;
        }
        p.closing = true;
        p.closeAtNs = now + kFinLingerNs;
        for (Leg* leg : {&p.client, &p.server}) {
            if (leg->fd >= 0 && leg->out.empty()) {
                shutdown(leg->fd, SHUT_WR);
                leg->shutWr = true;
            }
        }
    };
    auto accept = [&](std::int64_t now) {
        for (;;) {
            const int cfd = accept4(m_listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (cfd < 0)
                return;
            const auto* up = reinterpret_cast<const sockaddr*>(m_upstreamAddr.data());
            const int sfd = socket(up->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (sfd < 0 || (connect(sfd, up, socklen_t(m_upstreamAddr.size())) != 0 && errno != EINPROGRESS)) {
                note("upstream connect failed for " + peerName(cfd) + ": " + std::strerror(errno) + "; RST to the client");
                if (sfd >= 0)
                    close(sfd);
                abortiveClose(cfd);
                continue;
            }
            ++m_accepted;
            noDelay(cfd);
            noDelay(sfd);
            auto p = std::make_unique<Pair>();
            p->client.fd = cfd;
            p->server.fd = sfd;
            p->name = "client " + peerName(cfd);
            p->lastActivityNs = now;
            p->client.refillNs = p->server.refillNs = now;
            byFd[cfd] = p.get();
            byFd[sfd] = p.get();
            epoll_event ev {};
            ev.events = p->client.events = EPOLLIN;
            ev.data.fd = cfd;
            epoll_ctl(m_epollFd, EPOLL_CTL_ADD, cfd, &ev);
            ev.events = p->server.events = EPOLLOUT; // writable = connected
            ev.data.fd = sfd;
            epoll_ctl(m_epollFd, EPOLL_CTL_ADD, sfd, &ev);
            pairs.push_back(std::move(p));
        }
    };
    auto readFrom = [&](Pair& p, Leg& leg, std::int64_t now) {
        const ssize_t n = recv(leg.fd, buffer.data(), buffer.size(), 0);
        if (n > 0) {
            if (p.resetOnNext && leg.fd >= 0) {
                note(std::string("late data from the ") + (&leg == &p.client ? "client" : "server") + " of " + p.name
                     + " after the idle expiry: RST to it");
                closeLeg(leg, true);
                return;
            }
            if (blackhole || p.dropped || p.closing)
                return; // read and thrown away: nothing reaches the other side
            p.lastActivityNs = now;
            if (&leg == &p.client)
                trackClientPreface(p, buffer.data(), std::size_t(n));
            else
                trackServerFrames(p, buffer.data(), std::size_t(n));
            Leg& to = other(p, leg);
            enqueue(to, std::string(buffer.data(), std::size_t(n)), now + latencyNs);
            flush(to, now);
        } else if (n == 0) {
            leg.eof = true;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            // The peer reset its side: an L4 proxy passes the reset on.
            if (!p.dropped) {
                note((&leg == &p.client ? "the client reset " : "the server reset ") + p.name + "; RST to the other side");
                resetPair(p);
            } else {
                closeLeg(leg, true);
            }
        }
    };
    auto updateInterest = [&](Pair& p, Leg& leg) {
        if (leg.fd < 0)
            return;
        std::uint32_t want = 0;
        if (!leg.eof && (other(p, leg).outBytes < kQueueCap || p.dropped || p.closing || blackhole))
            want |= EPOLLIN;
        if ((&leg == &p.server && !p.connected) || leg.blocked)
            want |= EPOLLOUT;
        if (&leg == &p.server && !p.connected)
            want = EPOLLOUT;
        if (want != leg.events) {
            epoll_event ev {};
            ev.events = want;
            ev.data.fd = leg.fd;
            epoll_ctl(m_epollFd, EPOLL_CTL_MOD, leg.fd, &ev);
            leg.events = want;
        }
    };

    epoll_event events[64];
    while (!m_stopping) {
        const int n = epoll_wait(m_epollFd, events, 64, 10);
        const std::int64_t now = realtimeNs();
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == m_listenFd) {
                accept(now);
                continue;
            }
            if (fd == m_wakeFd) {
                std::uint64_t count = 0;
                [[maybe_unused]] auto r = read(m_wakeFd, &count, sizeof count);
                std::vector<Command> commands;
                {
                    std::lock_guard lock(m_commandsMutex);
                    commands.swap(m_commands);
                }
                for (const auto& c : commands) {
                    switch (c.kind) {
                    case Command::Blackhole:
                        blackhole = c.value != 0;
                        note(blackhole ? "fault: blackhole on (nothing is forwarded either way)" : "fault: blackhole off");
                        break;
                    case Command::Latency:
                        latencyNs = c.value * kMs;
                        note("fault: added latency " + std::to_string(c.value) + " ms each way");
                        break;
                    case Command::Bandwidth:
                        bandwidth = c.value;
                        note(c.value ? "fault: bandwidth limited to " + std::to_string(c.value) + " bytes/s each way"
                                     : "fault: bandwidth unlimited");
                        break;
                    case Command::Reset:
                        note("fault: reset now (RST to both sides of " + std::to_string(byFd.size() / 2) + " connections)");
                        for (auto& p : pairs)
                            resetPair(*p);
                        break;
                    }
                }
                continue;
            }
            auto it = byFd.find(fd);
            if (it == byFd.end())
                continue;
            Pair& p = *it->second;
            Leg& leg = p.client.fd == fd ? p.client : p.server;
            if (&leg == &p.server && !p.connected) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) {
                    note("upstream connect failed for " + p.name + ": " + std::strerror(err) + "; RST to the client");
                    resetPair(p);
                    continue;
                }
                p.connected = true;
                p.segs = segsIn(p.client.fd) + segsIn(p.server.fd);
            } else if (events[i].events & EPOLLOUT) {
                leg.blocked = false;
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                readFrom(p, leg, now);
            if (leg.fd >= 0)
                flush(leg, now);
        }

        // Timers, queues and interest, once per wake-up.
        for (auto& pp : pairs) {
            Pair& p = *pp;
            if (p.client.fd < 0 && p.server.fd < 0)
                continue;
            if (m_plan.tcpKeepaliveResetsIdle && p.connected && now - p.infoPolledNs >= kInfoPollNs && !p.dropped) {
                p.infoPolledNs = now;
                const std::uint32_t segs = (p.client.fd >= 0 ? segsIn(p.client.fd) : 0)
                    + (p.server.fd >= 0 ? segsIn(p.server.fd) : 0);
                if (segs != p.segs && !blackhole) {
                    p.segs = segs;
                    p.lastActivityNs = now;
                }
            }
            if (idleNs > 0 && !p.dropped && !p.closing && p.connected && now - p.lastActivityNs >= idleNs) {
                expire(p, now);
                if (p.client.fd < 0 && p.server.fd < 0)
                    continue;
            }
            for (Leg* leg : {&p.client, &p.server}) {
                if (leg->fd < 0)
                    continue;
                if (p.connected || leg == &p.client)
                    flush(*leg, now);
                // Pass a FIN on once everything before it has been delivered.
                if ((other(p, *leg).eof || p.closing) && leg->out.empty() && !leg->shutWr && !p.dropped && p.connected) {
                    shutdown(leg->fd, SHUT_WR);
                    leg->shutWr = true;
                }
            }
            const bool finished = p.client.eof && p.server.eof && p.client.shutWr && p.server.shutWr;
            if (finished || (p.closing && now >= p.closeAtNs)) {
                closeLeg(p.client, false);
                closeLeg(p.server, false);
                continue;
            }
            updateInterest(p, p.client);
            updateInterest(p, p.server);
        }
        std::erase_if(pairs, [](const auto& p) { return p->client.fd < 0 && p->server.fd < 0; });
    }
    for (auto& p : pairs) {
        closeLeg(p->client, false);
        closeLeg(p->server, false);
    }
}

} // namespace ks::core::lab
