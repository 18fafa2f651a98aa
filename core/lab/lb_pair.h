// One flow through the load-balancer simulator: the client's socket and the upstream socket,
// the bytes queued for each (latency, loss, bandwidth), the idle timers (connection and
// streams) and what the simulator does when they run out.
#pragma once

#include "core/experiment.h"
#include "lb_commands.h"
#include "lb_frame_tracker.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace ks::core::lab {

class LbPair;

// The epoll set, and which pair owns each of its sockets.
class LbPoller {
public:
    explicit LbPoller(int epollFd)
        : m_epollFd(epollFd)
    {
    }
    void add(int fd, std::uint32_t events, LbPair* owner);
    void modify(int fd, std::uint32_t events);
    void remove(int fd);
    LbPair* owner(int fd) const;

private:
    int m_epollFd;
    std::unordered_map<int, LbPair*> m_owners;
};

// What the pairs of one simulator share; owned by its event loop.
struct LbContext {
    SimulatorPlan plan;
    LbFaults faults;
    LbPoller* poller = nullptr;
    std::function<void(const std::string&)> note;
    std::mt19937 random { 0x6b73 }; // loss: reproducible from run to run for the same traffic
    std::atomic<std::uint64_t>* expiries = nullptr;
};

class LbPair {
public:
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
        std::uint32_t segsAtExpiry = 0;
    };

    // Registers both sockets with the poller; serverFd is still connecting.
    LbPair(int clientFd, int serverFd, std::string name, std::int64_t nowNs, LbContext& ctx);
    LbPair(const LbPair&) = delete;
    LbPair& operator=(const LbPair&) = delete;

    void onEvent(int fd, std::uint32_t events, std::int64_t nowNs, LbContext& ctx, std::vector<char>& buffer);
    // Timers, queues, FINs to pass on and epoll interest; once per loop wake-up.
    void tick(std::int64_t nowNs, LbContext& ctx);
    void reset(LbContext& ctx); // RST to both sides
    void close(LbContext& ctx); // close both sockets (FIN)
    bool finished() const { return client.fd < 0 && server.fd < 0; }
    const std::string& name() const { return m_name; }
    std::size_t openStreams() const { return m_streams.size(); }
    bool connected() const { return m_connected; }
    void markConnected() { m_connected = true; } // for sockets that need no connect (tests)

    // The parts tick and onEvent are made of.
    void read(Leg& leg, std::int64_t nowNs, LbContext& ctx, std::vector<char>& buffer);
    void flush(Leg& leg, std::int64_t nowNs, const LbContext& ctx);
    void expire(std::int64_t nowNs, LbContext& ctx);

    Leg client, server;

private:
    struct StreamClock {
        std::uint32_t id;
        std::int64_t lastNs;
    };
    Leg& other(Leg& leg) { return &leg == &client ? server : client; }
    void closeLeg(Leg& leg, bool abortive, LbContext& ctx);
    void enqueue(Leg& to, std::string bytes, std::int64_t dueNs);
    void forward(Leg& from, const char* data, std::size_t n, std::int64_t nowNs, LbContext& ctx);
    void trackStreams(bool fromClient, const std::vector<H2FrameHeader>& headers, std::int64_t nowNs);
    void expireStreams(std::int64_t nowNs, LbContext& ctx);
    void pollSegments(std::int64_t nowNs, LbContext& ctx);
    void beginClose(std::int64_t nowNs);
    void updateInterest(Leg& leg, LbContext& ctx);

    std::string m_name; // "client 127.0.0.1:port", for notes
    bool m_connected = false;
    bool m_dropped = false; // forgotten: nothing is forwarded any more
    bool m_resetOnNext = false; // forgotten, and the next packet from either side gets an RST
    bool m_closing = false; // FIN sent (idle expiry, limit_data), waiting for the peers
    std::int64_t m_closeAtNs = 0;
    std::int64_t m_lastActivityNs = 0;
    std::uint32_t m_segs = 0;
    std::int64_t m_infoPolledNs = 0;
    std::int64_t m_forwarded = 0; // bytes, both ways
    Http2FrameTracker m_fromClient { true }, m_fromServer { false };
    std::vector<StreamClock> m_streams; // open streams, bounded by the peers' concurrency
};

} // namespace ks::core::lab
