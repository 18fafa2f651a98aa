// The lab's test channel: a grpc++ channel with the experiment's client settings (and the
// socket's TCP keepalive), driving one RPC pattern. Connectivity changes and the outcome of every
// RPC go to the hub as channel_state and rpc events.
#pragma once

#include "core/experiment.h"
#include "tcp_keepalive_mutator.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace grpc {
class Channel;
class ClientContext;
} // namespace grpc

namespace ks::core {
class EventHub;
}

namespace ks::core::lab {

struct ChannelPlan {
    std::string target; // host:port to connect to (the simulator's port when there is one)
    bool embedded = true; // the target serves LabService; else calls go to rpc.method
    bool tls = false;
    std::string caFile; // empty: system roots (unless rootsPem)
    std::string rootsPem; // the certificates to trust (the embedded server's); wins over caFile
    std::string tlsServerName; // when connecting through the simulator: the real server's host
    std::string keyLogPath; // TLS: where grpc++ writes the session secrets (NSS key log format)
    RpcPlan rpc;
    KeepaliveSettings settings;
};

TcpKeepaliveOptions tcpKeepaliveOptions(const KeepaliveSettings& settings);

class TestChannel {
public:
    explicit TestChannel(EventHub& hub);
    ~TestChannel();
    TestChannel(const TestChannel&) = delete;
    TestChannel& operator=(const TestChannel&) = delete;

    std::string start(const ChannelPlan& plan);
    void stop();

private:
    void watchState();
    void runPattern();
    void runUnary();
    void runWatch();
    void runChat();
    void runGenericUnary();
    void runGenericStream();
    // Waits up to `seconds` or until stop(); returns false when stopping.
    bool pause(double seconds);
    void setActive(grpc::ClientContext* context);
    void publishRpc(const std::string& method, int code, const std::string& message, double durationMs);
    void publishState(int state);

    EventHub& m_hub;
    ChannelPlan m_plan;
    std::shared_ptr<grpc::Channel> m_channel;
    std::atomic<bool> m_stopping { false };
    std::mutex m_mutex;
    std::condition_variable m_wake;
    grpc::ClientContext* m_active = nullptr;
    std::thread m_stateThread;
    std::thread m_rpcThread;
};

std::string statusCodeName(int code); // "OK", "UNAVAILABLE", ...

} // namespace ks::core::lab
