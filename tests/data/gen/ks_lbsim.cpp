// ks_lbsim: the lab's load-balancer simulator (core/lab/lb_simulator) as a stand-alone middlebox
// for make_captures.sh, so captures show its RST, FIN, silent drop and RST-on-next-packet between
// real gRPC peers. Built by the script with g++ from the project's own sources (no grpc needed).
//   ks_lbsim LISTEN_PORT UPSTREAM_PORT IDLE_S ON_EXPIRY LIFE_S
#include "core/lab/lb_simulator.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

int main(int argc, char** argv)
{
    if (argc != 6) {
        std::fprintf(stderr,
            "usage: ks_lbsim LISTEN_PORT UPSTREAM_PORT IDLE_S rst|rst_next_packet|silent_drop|fin|goaway LIFE_S\n");
        return 2;
    }
    ks::core::SimulatorPlan plan;
    plan.idleTimeoutS = std::atof(argv[3]);
    const auto action = ks::core::parseLbExpiryAction(argv[4]);
    if (!action || plan.idleTimeoutS <= 0) {
        std::fprintf(stderr, "ks_lbsim: bad idle timeout or on_expiry \"%s\"\n", argv[4]);
        return 2;
    }
    plan.onExpiry = *action;
    // Only data restarts the timer (not TCP keep-alives, nor the peers' delayed ACKs), so the
    // silence before an expiry in the capture is the timer itself.
    plan.tcpKeepaliveResetsIdle = false;
    ks::core::lab::LbSimulator sim(
        plan, [](std::int64_t, const std::string& text) { std::fprintf(stderr, "ks_lbsim: %s\n", text.c_str()); });
    const std::string error = sim.start(
        "127.0.0.1", static_cast<std::uint16_t>(std::atoi(argv[2])), static_cast<std::uint16_t>(std::atoi(argv[1])));
    if (!error.empty()) {
        std::fprintf(stderr, "ks_lbsim: %s\n", error.c_str());
        return 1;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(argv[5])));
    sim.stop();
    return 0;
}
