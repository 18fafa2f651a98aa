// The test channel: settings to channel arguments, the RPC patterns, and their outcomes as events.
#include "test_channel.h"

#include "core/event_hub.h"
#include "lab_service.grpc.pb.h"
#include "test_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace ks::core::lab {

namespace {

using Clock = std::chrono::steady_clock;

const char* kEcho = "/ks.lab.LabService/Echo";
const char* kWatch = "/ks.lab.LabService/Watch";
const char* kChat = "/ks.lab.LabService/Chat";

// A unary call is bounded so that a blackholed path yields DEADLINE_EXCEEDED, not a hang.
constexpr auto kUnaryDeadline = std::chrono::seconds(10);
// Between a stream's end and the next attempt, as a client with a retry loop would.
constexpr double kStreamRetryS = 1.0;

double millisSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string stateName(grpc_connectivity_state state)
{
    switch (state) {
    case GRPC_CHANNEL_IDLE:
        return "idle";
    case GRPC_CHANNEL_CONNECTING:
        return "connecting";
    case GRPC_CHANNEL_READY:
        return "ready";
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
        return "transient_failure";
    case GRPC_CHANNEL_SHUTDOWN:
        return "shutdown";
    }
    return "unknown";
}

std::string readFile(const std::string& path, bool& ok)
{
    std::ifstream in(path, std::ios::binary);
    ok = bool(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// TLS that verifies the server against roots (empty: the system's) and, given a path, logs the
// session secrets there: grpc++ 1.51 offers the key log only through the experimental
// TlsCredentialsOptions, not through SslCredentials.
std::shared_ptr<grpc::ChannelCredentials> tlsCredentials(const std::string& roots, const std::string& keyLogPath)
{
    if (keyLogPath.empty()) {
        grpc::SslCredentialsOptions ssl;
        ssl.pem_root_certs = roots;
        return grpc::SslCredentials(ssl);
    }
    grpc::experimental::TlsChannelCredentialsOptions options;
    if (!roots.empty()) {
        options.set_certificate_provider(std::make_shared<grpc::experimental::StaticDataCertificateProvider>(roots));
        options.watch_root_certs();
    }
    options.set_tls_session_key_log_file_path(keyLogPath);
    return grpc::experimental::TlsCredentials(options);
}

} // namespace

std::string statusCodeName(int code)
{
    static const char* names[] = { "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED" };
    if (code >= 0 && code < int(std::size(names)))
        return names[code];
    return "CODE_" + std::to_string(code);
}

TcpKeepaliveOptions tcpKeepaliveOptions(const KeepaliveSettings& s)
{
    TcpKeepaliveOptions o;
    o.enabled = s.value(SettingSide::Tcp, "so_keepalive") != 0;
    auto opt = [&s](std::string_view key) -> std::optional<int> {
        if (auto v = s.explicitValue(SettingSide::Tcp, key))
            return static_cast<int>(*v);
        return std::nullopt;
    };
    o.idleS = opt("tcp_keepidle_s");
    o.intervalS = opt("tcp_keepintvl_s");
    o.count = opt("tcp_keepcnt");
    // Setting an idle time, interval or count means the user wants probes.
    if (o.idleS || o.intervalS || o.count)
        o.enabled = o.enabled || !s.isSet(SettingSide::Tcp, "so_keepalive");
    return o;
}

TestChannel::TestChannel(EventHub& hub)
    : m_hub(hub)
{
}

TestChannel::~TestChannel()
{
    stop();
}

std::string TestChannel::start(const ChannelPlan& plan)
{
    m_plan = plan;
    grpc::ChannelArguments args;
    for (const auto& [name, value] : clientChannelArgs(plan.settings))
        args.SetInt(name, value);
    const auto tcp = tcpKeepaliveOptions(plan.settings);
    bool anyTcp = false;
    for (const auto& spec : settingSpecs())
        anyTcp = anyTcp || (spec.side == SettingSide::Tcp && plan.settings.isSet(SettingSide::Tcp, spec.key));
    if (anyTcp)
        args.SetSocketMutator(createTcpKeepaliveMutator(tcp));
    // One channel per lab run: never share a subchannel with another channel in this process.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);

    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (plan.tls) {
        std::string roots = plan.rootsPem;
        if (roots.empty() && !plan.caFile.empty()) {
            bool ok = false;
            roots = readFile(plan.caFile, ok);
            if (!ok)
                return "cannot read the CA file " + plan.caFile;
        }
        credentials = tlsCredentials(roots, plan.keyLogPath);
        if (!plan.tlsServerName.empty())
            args.SetSslTargetNameOverride(plan.tlsServerName);
    } else {
        credentials = grpc::InsecureChannelCredentials();
    }
    m_channel = grpc::CreateCustomChannel(plan.target, credentials, args);
    if (!m_channel)
        return "cannot create a channel to " + plan.target;
    m_stopping = false;
    m_stateThread = std::thread([this] { watchState(); });
    m_rpcThread = std::thread([this] { runPattern(); });
    return {};
}

void TestChannel::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping && !m_rpcThread.joinable())
            return;
        m_stopping = true;
        if (m_active)
            m_active->TryCancel();
    }
    m_wake.notify_all();
    if (m_rpcThread.joinable())
        m_rpcThread.join();
    if (m_stateThread.joinable())
        m_stateThread.join();
    m_channel.reset();
}

bool TestChannel::pause(double seconds)
{
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return m_stopping.load(); });
    return !m_stopping;
}

void TestChannel::setActive(grpc::ClientContext* context)
{
    std::lock_guard lock(m_mutex);
    m_active = context;
    if (context && m_stopping)
        context->TryCancel();
}

void TestChannel::publishRpc(const std::string& method, int code, const std::string& message, double durationMs)
{
    Event e;
    e.type = EventType::Rpc;
    e.dir = Direction::ClientToServer;
    e.method = method;
    e.status = statusCodeName(code);
    e.message = m_stopping && code == grpc::StatusCode::CANCELLED ? "cancelled at the end of the lab run" : message;
    e.durationMs = durationMs;
    m_hub.publishLab(std::move(e));
}

void TestChannel::publishState(int state)
{
    Event e;
    e.type = EventType::ChannelState;
    e.dir = Direction::ClientToServer;
    e.state = stateName(static_cast<grpc_connectivity_state>(state));
    m_hub.publishLab(std::move(e));
}

void TestChannel::watchState()
{
    // GetState(true) starts connecting even before the first call ("connect and stay idle").
    auto state = m_channel->GetState(true);
    publishState(state);
    while (!m_stopping) {
        if (m_channel->WaitForStateChange(state, std::chrono::system_clock::now() + std::chrono::milliseconds(50))) {
            state = m_channel->GetState(false);
            publishState(state);
        }
    }
}

void TestChannel::runPattern()
{
    switch (m_plan.rpc.pattern) {
    case RpcPattern::Idle:
        break;
    case RpcPattern::Unary:
        m_plan.embedded ? runUnary() : runGenericUnary();
        break;
    case RpcPattern::Stream:
        m_plan.embedded ? runWatch() : runGenericStream();
        break;
    case RpcPattern::Bidi:
        m_plan.embedded ? runChat() : runGenericStream();
        break;
    }
}

void TestChannel::runUnary()
{
    auto stub = ks::lab::LabService::NewStub(m_channel);
    std::uint64_t n = 0;
    do {
        const auto start = Clock::now();
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
        ks::lab::EchoRequest request;
        request.set_text("ping " + std::to_string(++n));
        ks::lab::EchoReply reply;
        setActive(&context);
        const auto status = stub->Echo(&context, request, &reply);
        setActive(nullptr);
        publishRpc(kEcho, status.error_code(), status.error_message(), millisSince(start));
        const double left = m_plan.rpc.intervalS - millisSince(start) / 1000.0;
        if (left > 0 && !pause(left))
            break;
    } while (!m_stopping);
}

void TestChannel::runWatch()
{
    auto stub = ks::lab::LabService::NewStub(m_channel);
    while (!m_stopping) {
        const auto start = Clock::now();
        grpc::ClientContext context;
        ks::lab::WatchRequest request;
        request.set_interval_ms(static_cast<std::uint32_t>(m_plan.rpc.streamMessageIntervalS * 1000));
        setActive(&context);
        auto reader = stub->Watch(&context, request);
        ks::lab::WatchReply reply;
        while (reader->Read(&reply)) { }
        const auto status = reader->Finish();
        setActive(nullptr);
        publishRpc(kWatch, status.error_code(), status.error_message(), millisSince(start));
        if (!pause(kStreamRetryS))
            break;
    }
}

void TestChannel::runChat()
{
    auto stub = ks::lab::LabService::NewStub(m_channel);
    const double every = m_plan.rpc.streamMessageIntervalS;
    while (!m_stopping) {
        const auto start = Clock::now();
        grpc::ClientContext context;
        setActive(&context);
        auto stream = stub->Chat(&context);
        std::atomic<bool> ended { false };
        std::thread reader([&] {
            ks::lab::EchoReply reply;
            while (stream->Read(&reply)) { }
            ended = true;
            m_wake.notify_all();
        });
        auto next = Clock::now();
        std::uint64_t n = 0;
        while (!ended && !m_stopping) {
            if (every > 0 && Clock::now() >= next) {
                ks::lab::EchoRequest request;
                request.set_text("chat " + std::to_string(++n));
                stream->Write(request);
                next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(every));
            }
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(20));
        }
        if (!ended)
            context.TryCancel();
        reader.join();
        const auto status = stream->Finish();
        setActive(nullptr);
        publishRpc(kChat, status.error_code(), status.error_message(), millisSince(start));
        if (!pause(kStreamRetryS))
            break;
    }
}

void TestChannel::runGenericUnary()
{
    grpc::GenericStub stub(m_channel);
    grpc::CompletionQueue cq;
    do {
        const auto start = Clock::now();
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
        grpc::ByteBuffer request(nullptr, 0); // an empty message: valid for any proto3 request type
        grpc::ByteBuffer reply;
        grpc::Status status;
        setActive(&context);
        auto call = stub.PrepareUnaryCall(&context, m_plan.rpc.method, request, &cq);
        call->StartCall();
        call->Finish(&reply, &status, reinterpret_cast<void*>(1));
        void* tag = nullptr;
        bool ok = false;
        cq.Next(&tag, &ok);
        setActive(nullptr);
        publishRpc(m_plan.rpc.method, status.error_code(), status.error_message(), millisSince(start));
        const double left = m_plan.rpc.intervalS - millisSince(start) / 1000.0;
        if (left > 0 && !pause(left))
            break;
    } while (!m_stopping);
    cq.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) { }
}

void TestChannel::runGenericStream()
{
    // A streaming method of the user's choice: one empty message, then read until it ends.
    grpc::GenericStub stub(m_channel);
    grpc::CompletionQueue cq;
    auto step = [&cq] {
        void* tag = nullptr;
        bool ok = false;
        return cq.Next(&tag, &ok) && ok;
    };
    while (!m_stopping) {
        const auto start = Clock::now();
        grpc::ClientContext context;
        setActive(&context);
        auto call = stub.PrepareCall(&context, m_plan.rpc.method, &cq);
        call->StartCall(reinterpret_cast<void*>(1));
        if (step()) {
            call->Write(grpc::ByteBuffer(nullptr, 0), reinterpret_cast<void*>(2));
            if (step()) {
                grpc::ByteBuffer reply;
                for (;;) {
                    call->Read(&reply, reinterpret_cast<void*>(3));
                    if (!step())
                        break;
                }
            }
        }
        grpc::Status status;
        call->Finish(&status, reinterpret_cast<void*>(4));
        step();
        setActive(nullptr);
        publishRpc(m_plan.rpc.method, status.error_code(), status.error_message(), millisSince(start));
        if (!pause(kStreamRetryS))
            break;
    }
    cq.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) { }
}

} // namespace ks::core::lab
