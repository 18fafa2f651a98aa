// A whole lab experiment as a versioned JSON file: keepalive settings (client, server, TCP), the
// load-balancer profiles to judge against, the simulator's behaviour, the RPC pattern and the
// target. Loading checks every field and names the one that is wrong; saving is atomic.
#pragma once

#include "keepalive_settings.h"
#include "lb_profile.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

inline constexpr int kExperimentFormatVersion = 1;
inline constexpr std::string_view kExperimentFormatName = "keepalive-scope-experiment";

enum class RpcPattern : std::uint8_t {
    Idle, // connect and stay idle
    Unary, // a unary call every interval
    Stream, // one long-lived server stream (silent, or a message every stream_message_interval_s)
    Bidi, // one long-lived bidirectional stream
};
std::string_view rpcPatternName(RpcPattern pattern); // "idle", "unary", "stream", "bidi"

struct RpcPlan {
    RpcPattern pattern = RpcPattern::Idle;
    double intervalS = 1.0; // unary: time between calls
    double streamMessageIntervalS = 0; // stream: 0 = silent
    // For a target other than the embedded server: a method of the user's choice, called with
    // an empty message.
    std::string method = "/grpc.health.v1.Health/Check";
    bool operator==(const RpcPlan&) const = default;
};

struct Target {
    bool embedded = true; // the lab's own test server
    std::string address; // host:port when not embedded
    bool tls = false;
    std::string caFile; // empty: system roots (the embedded server: its own certificate)
    // The embedded server's certificate and key (PEM); empty: a self-signed one made at start.
    std::string certFile;
    std::string keyFile;
    // Where a TLS run writes its key log (NSS format); empty: a temporary file for the run.
    std::string keyLogFile;
    bool operator==(const Target&) const = default;
};

// The lab's load-balancer simulator; absent: the channel talks to the server directly.
struct SimulatorPlan {
    std::string profile; // a catalogue name the values below came from, or empty
    double idleTimeoutS = 0; // 0: never times out
    LbExpiryAction onExpiry = LbExpiryAction::Rst;
    bool tcpKeepaliveResetsIdle = true;
    // false: HTTP/2 PING frames do not restart the idle timer (AWS ALB, Envoy's idle_timeout);
    // only other frames do (cleartext HTTP/2 only; other bytes always count). With it false,
    // tcpKeepaliveResetsIdle must be false too, or the segments carrying the PINGs would count
    // (the simulator counts every segment then, as an L4 balancer does); files default it so.
    bool http2PingResetsIdle = true;
    // Envoy's stream_idle_timeout: a stream without a frame for this long is reset (RST_STREAM
    // CANCEL both ways) while the connection lives on. 0: off.
    double streamIdleTimeoutS = 0;
    // toxiproxy's limit_data: the connection is closed (FIN both ways) once this many bytes were
    // forwarded, both directions together. 0: no limit.
    std::int64_t limitDataBytes = 0;
    int latencyMs = 0; // added each way from the start (runtime faults can change it)
    // A share of segments lost, in percent: each forwarded chunk is held back as TCP would hold
    // it until its retransmission (200 ms, doubled each time the retransmission is lost too),
    // with everything behind it. Played in the proxy: the capture shows the delay, not the
    // retransmission.
    double lossPercent = 0;
    bool operator==(const SimulatorPlan&) const = default;
};

struct Experiment {
    KeepaliveSettings settings;
    std::vector<std::string> lbProfiles; // catalogue names to judge the results against
    std::optional<SimulatorPlan> simulator;
    RpcPlan rpc;
    Target target;

    bool operator==(const Experiment&) const = default;
};

struct ExperimentLoad {
    std::optional<Experiment> experiment;
    std::vector<std::string> errors; // "client.keepalive_time_ms: ..." one per problem
};

// sourceName names the file in messages.
ExperimentLoad parseExperiment(std::string_view json, std::string_view sourceName);
ExperimentLoad loadExperiment(const std::string& path);
std::string experimentToJson(const Experiment& experiment);
// Writes to a temporary file beside path and renames it over path. Returns an error message,
// or an empty string on success.
std::string saveExperiment(const Experiment& experiment, const std::string& path);

} // namespace ks::core
