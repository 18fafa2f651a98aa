// The embedded test server. Handlers poll for cancellation so a long-lived stream ends promptly
// when the client goes away or the lab stops.
#include "test_server.h"

#include "lab_service.grpc.pb.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <thread>

namespace ks::core::lab {

namespace {

std::vector<std::pair<std::string, int>> channelArgs(const KeepaliveSettings& settings, SettingSide side)
{
    std::vector<std::pair<std::string, int>> args;
    for (const auto& spec : settingSpecs()) {
        if (spec.side != side)
            continue;
        // Only what the experiment sets: everything else stays gRPC's own default.
        if (const auto v = settings.explicitValue(side, spec.key))
            args.emplace_back(std::string(spec.channelArg), static_cast<int>(*v));
    }
    return args;
}

} // namespace

std::vector<std::pair<std::string, int>> serverChannelArgs(const KeepaliveSettings& settings)
{
    return channelArgs(settings, SettingSide::Server);
}

std::vector<std::pair<std::string, int>> clientChannelArgs(const KeepaliveSettings& settings)
{
    return channelArgs(settings, SettingSide::Client);
}

class LabServiceImpl final : public ks::lab::LabService::Service {
public:
    std::atomic<bool> stopping { false };

    grpc::Status Echo(grpc::ServerContext*, const ks::lab::EchoRequest* request, ks::lab::EchoReply* reply) override
    {
        reply->set_text(request->text());
        return grpc::Status::OK;
    }

    grpc::Status Watch(grpc::ServerContext* context, const ks::lab::WatchRequest* request,
        grpc::ServerWriter<ks::lab::WatchReply>* writer) override
    {
        using Clock = std::chrono::steady_clock;
        const auto interval = std::chrono::milliseconds(request->interval_ms());
        auto next = Clock::now() + interval;
        std::uint64_t sequence = 0;
        while (!context->IsCancelled() && !stopping) {
            if (request->interval_ms() > 0 && Clock::now() >= next) {
                ks::lab::WatchReply reply;
                reply.set_sequence(++sequence);
                if (!writer->Write(reply))
                    break;
                next += interval;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return stopping ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "lab server stopping") : grpc::Status::OK;
    }

    grpc::Status Chat(
        grpc::ServerContext*, grpc::ServerReaderWriter<ks::lab::EchoReply, ks::lab::EchoRequest>* stream) override
    {
        ks::lab::EchoRequest request;
        while (stream->Read(&request)) {
            ks::lab::EchoReply reply;
            reply.set_text(request.text());
            if (!stream->Write(reply))
                break;
        }
        return grpc::Status::OK;
    }
};

TestServer::TestServer() = default;

TestServer::~TestServer()
{
    stop();
}

std::string TestServer::start(const KeepaliveSettings& settings, const std::string& certPem, const std::string& keyPem)
{
    grpc::EnableDefaultHealthCheckService(true);
    m_service = std::make_unique<LabServiceImpl>();
    grpc::ServerBuilder builder;
    int port = 0;
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (!certPem.empty()) {
        grpc::SslServerCredentialsOptions ssl;
        ssl.pem_key_cert_pairs.push_back({ keyPem, certPem });
        credentials = grpc::SslServerCredentials(ssl);
    }
    builder.AddListeningPort("127.0.0.1:0", credentials, &port);
    for (const auto& [name, value] : serverChannelArgs(settings))
        builder.AddChannelArgument(name, value);
    builder.RegisterService(m_service.get());
    m_server = builder.BuildAndStart();
    if (!m_server || port <= 0) {
        m_server.reset();
        return certPem.empty() ? "the embedded test server could not listen on 127.0.0.1"
                               : "the embedded test server could not listen on 127.0.0.1 with TLS (is the key the "
                                 "certificate's, both PEM?)";
    }
    m_port = static_cast<std::uint16_t>(port);
    return {};
}

void TestServer::stop()
{
    if (!m_server)
        return;
    m_service->stopping = true;
    m_server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    m_server->Wait();
    m_server.reset();
}

} // namespace ks::core::lab
