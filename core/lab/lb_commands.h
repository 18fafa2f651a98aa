// The simulator's runtime faults: the commands other threads post (blackhole, latency, bandwidth,
// loss, reset now), the queue they cross the thread boundary in, and the fault state the event
// loop applies them to.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace ks::core::lab {

struct LbCommand {
    enum Kind { Blackhole, Latency, Bandwidth, Loss, Reset } kind;
    std::int64_t value = 0; // Blackhole: 0/1; Latency: ms; Bandwidth: bytes/s; Loss: percent x 100
};

// What the forwarding path does right now; owned by the event loop.
struct LbFaults {
    bool blackhole = false; // nothing is read or written: bytes wait in the kernels' buffers
    std::int64_t latencyNs = 0; // added each way
    std::int64_t bandwidth = 0; // bytes per second each way, 0: unlimited
    double lossShare = 0; // 0..0.5
};

// Applies one command; returns the note that says what changed. resetAll is set for Reset, which
// the loop carries out on every connection.
std::string applyLbCommand(const LbCommand& command, LbFaults& faults, bool& resetAll);

// Any thread posts; the loop takes everything posted so far in order.
class LbCommandQueue {
public:
    void post(LbCommand command);
    std::vector<LbCommand> take();

private:
    std::mutex m_mutex;
    std::vector<LbCommand> m_commands;
};

} // namespace ks::core::lab
