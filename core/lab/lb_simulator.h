// The load-balancer simulator: a TCP proxy between the test channel and the server, on one
// epoll loop. It plays an idle timeout with an expiry action (RST both sides, silent drop, RST on
// the next packet, FIN, or an HTTP/2 GOAWAY then FIN), optionally ignoring HTTP/2 PINGs for its
// idle timer, a per-stream idle timeout, a byte limit per connection, and takes runtime faults:
// blackhole, added latency, segment loss, a bandwidth limit, reset now.
//
// The parts: LbPair (lb_pair.h) is one flow, LbCommandQueue and applyLbCommand (lb_commands.h)
// the faults, Http2FrameTracker (lb_frame_tracker.h) the frame boundaries. This file accepts
// connections and runs the loop.
// Limits: the kernel still ACKs data and probes sent to a blackholed or silently dropped
// connection (the proxy's sockets are open), so TCP keep-alive alone cannot detect those here;
// HTTP/2 PINGs, which need an answer from the far end, can.
#pragma once

#include "core/experiment.h"
#include "core/scenario.h"
#include "lb_commands.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ks::core::lab {

class LbPair;
struct LbContext;

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
    void setLossPercent(double percent); // 0..50
    void resetNow();

    std::uint64_t connectionsAccepted() const { return m_accepted; }
    std::uint64_t idleExpiries() const { return m_expiries; }

private:
    void run();
    void post(LbCommand command);
    void acceptAll(std::int64_t nowNs, LbContext& ctx, std::vector<std::unique_ptr<LbPair>>& pairs);
    void dispatchCommands(LbContext& ctx, std::vector<std::unique_ptr<LbPair>>& pairs);

    SimulatorPlan m_plan;
    NoteFn m_note;
    int m_listenFd = -1;
    int m_epollFd = -1;
    int m_wakeFd = -1;
    std::uint16_t m_port = 0;
    std::vector<std::uint8_t> m_upstreamAddr; // sockaddr_storage bytes
    std::thread m_thread;
    std::atomic<bool> m_stopping { false };
    std::atomic<std::uint64_t> m_accepted { 0 };
    std::atomic<std::uint64_t> m_expiries { 0 };
    LbCommandQueue m_commands;
};

// A timed fault from a scenario or the command line (core/scenario.h), applied now.
void applyFault(LbSimulator& simulator, const TimedFault& fault);

} // namespace ks::core::lab
