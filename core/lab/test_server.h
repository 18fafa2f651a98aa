// The lab's embedded gRPC server (grpc++): the LabService of lab_service.proto plus the standard
// health service, on 127.0.0.1 with an ephemeral port and the experiment's server settings as
// channel arguments.
#pragma once

#include "core/keepalive_settings.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace grpc {
class Server;
}

namespace ks::core::lab {

class LabServiceImpl;

class TestServer {
public:
    TestServer();
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    // Returns an empty string on success, else why the server could not start. With a
    // certificate and key (PEM), it serves TLS.
    std::string start(
        const KeepaliveSettings& settings, const std::string& certPem = {}, const std::string& keyPem = {});
    void stop();
    std::uint16_t port() const { return m_port; }

private:
    std::unique_ptr<LabServiceImpl> m_service;
    std::unique_ptr<grpc::Server> m_server;
    std::uint16_t m_port = 0;
};

// The server-side channel arguments the settings set explicitly: name and value.
std::vector<std::pair<std::string, int>> serverChannelArgs(const KeepaliveSettings& settings);
std::vector<std::pair<std::string, int>> clientChannelArgs(const KeepaliveSettings& settings);

} // namespace ks::core::lab
