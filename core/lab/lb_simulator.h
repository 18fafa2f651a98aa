// The load-balancer simulator: a TCP proxy between the test channel and the server, on one
// epoll loop. It plays an idle timeout with an expiry action (RST both sides, silent drop, FIN,
// or an HTTP/2 GOAWAY then FIN) and takes runtime faults: blackhole, added latency, a bandwidth
// limit, reset now.
//
// Whether TCP keep-alive probes count as activity: a userspace proxy never reads a probe (it
// carries no new data; the kernel answers it). The simulator asks the kernel instead: TCP_INFO's
// tcpi_segs_in counts every segment a socket received, probes and bare ACKs included, while data
// arrives through read(). With tcpKeepaliveResetsIdle, any new segment restarts the idle timer;
// without, only data does.
// Limits: the kernel still ACKs data and probes sent to a blackholed or silently dropped
// connection (the proxy's sockets are open), so TCP keep-alive alone cannot detect those here;
// HTTP/2 PINGs, which need an answer from the far end, can.
#pragma once

#include "core/experiment.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ks::core::lab {

class LbSimulator {
public:
    // note: one line per thing the simulator did (an idle expiry, a fault), with its time.
    using NoteFn = std::function<void(std::int64_t tsNs, const std::string& text)>;

    LbSimulator(SimulatorPlan plan, NoteFn note = {});
    ~LbSimulator();
    LbSimulator(const LbSimulator&) = delete;
    LbSimulator& operator=(const LbSimulator&) = delete;

    // Listens on 127.0.0.1 (listenPort, or an ephemeral port when 0) and forwards to
    // upstreamHost:upstreamPort.
    std::string start(const std::string& upstreamHost, std::uint16_t upstreamPort, std::uint16_t listenPort = 0);
    void stop();
    std::uint16_t port() const { return m_port; }

    // Runtime faults; any thread.
    void setBlackhole(bool on);
    void setLatencyMs(int ms);
    void setBandwidthLimit(std::int64_t bytesPerSecond); // 0: unlimited
    void resetNow();

    std::uint64_t connectionsAccepted() const { return m_accepted; }
    std::uint64_t idleExpiries() const { return m_expiries; }

private:
    struct Pair;
    struct Command;
    void run();
    void post(Command command);

    SimulatorPlan m_plan;
    NoteFn m_note;
    int m_listenFd = -1;
    int m_epollFd = -1;
    int m_wakeFd = -1;
    std::uint16_t m_port = 0;
    std::vector<std::uint8_t> m_upstreamAddr; // sockaddr_storage bytes
    std::thread m_thread;
    std::atomic<bool> m_stopping {false};
    std::atomic<std::uint64_t> m_accepted {0};
    std::atomic<std::uint64_t> m_expiries {0};
    std::mutex m_commandsMutex;
    std::vector<Command> m_commands;
};

} // namespace ks::core::lab
