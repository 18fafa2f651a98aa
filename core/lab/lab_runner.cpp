// Starting and stopping a lab run in the right order.
#include "lab_runner.h"

#include "self_signed_cert.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ks::core::lab {

bool splitHostPort(const std::string& target, std::string& host, std::uint16_t& port)
{
    const auto colon = target.rfind(':');
    if (colon == std::string::npos || colon + 1 >= target.size())
        return false;
    host = target.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    unsigned value = 0;
    const char* first = target.data() + colon + 1;
    const char* last = target.data() + target.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last || value == 0 || value > 65535 || host.empty())
        return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

LabRunner::LabRunner(Experiment experiment, WireTap* tap)
    : m_experiment(std::move(experiment))
    , m_tap(tap)
    // A TLS run's wire events can come later (a session met before the lab's key log has its
    // line holds its records until it does, see TlsSession): the hub holds every event longer,
    // so that they still take their place in time order.
    , m_hub(std::chrono::milliseconds(m_experiment.target.tls ? 300 : 40))
{
}

LabRunner::~LabRunner()
{
    stop();
    if (!m_runDir.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(m_runDir, ignored);
    }
}

namespace {

bool readText(const std::string& path, std::string& out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream text;
    text << in.rdbuf();
    out = text.str();
    return true;
}

bool writeText(const std::string& path, const std::string& text, std::ios::openmode mode = std::ios::trunc)
{
    std::ofstream out(path, std::ios::binary | mode);
    out << text;
    return bool(out.flush());
}

} // namespace

// A TLS run: the server's certificate (the user's, or self-signed now), what the channel trusts,
// and the key log the channel writes, which the wire tap decrypts with as it grows.
std::string LabRunner::prepareTls(ChannelPlan& plan, std::string& certPem, std::string& keyPem)
{
    const auto& t = m_experiment.target;
    std::string base = std::filesystem::temp_directory_path().string() + "/keepalive-scope-lab-XXXXXX";
    if (!::mkdtemp(base.data()))
        return "cannot make a temporary directory for the TLS run in "
            + std::filesystem::temp_directory_path().string();
    m_runDir = base;
    if (t.embedded) {
        if (!t.certFile.empty()) {
            if (!readText(t.certFile, certPem))
                return "target.cert_file: cannot read " + t.certFile;
            if (!readText(t.keyFile, keyPem))
                return "target.key_file: cannot read " + t.keyFile;
            if (auto error = checkCertificatePair({ certPem, keyPem }, t.certFile, t.keyFile); !error.empty())
                return error;
        } else {
            CertificatePair pair;
            if (auto error = makeSelfSignedCertificate(pair); !error.empty())
                return error;
            certPem = pair.certPem;
            keyPem = pair.keyPem;
        }
        m_certificatePath = m_runDir + "/server.pem";
        if (!writeText(m_certificatePath, certPem))
            return "cannot write " + m_certificatePath;
        // Trust the CA file when given, else the server's own certificate (self-signed).
        if (t.caFile.empty())
            plan.rootsPem = certPem;
    }
    m_keyLogPath = t.keyLogFile.empty() ? m_runDir + "/keys.log" : t.keyLogFile;
    // There before the first handshake, so that the tap can open it; appended to, as grpc++ does.
    if (!writeText(m_keyLogPath, {}, std::ios::app))
        return "cannot write the TLS key log " + m_keyLogPath;
    plan.keyLogPath = m_keyLogPath;
    return {};
}

void LabRunner::addListener(EventHub::Listener* listener)
{
    m_hub.addListener(listener);
}

std::string LabRunner::start()
{
    const auto& ex = m_experiment;
    std::string upstreamHost = "127.0.0.1";
    std::uint16_t upstreamPort = 0;
    ChannelPlan plan;
    std::string certPem, keyPem;
    if (ex.target.tls)
        if (auto error = prepareTls(plan, certPem, keyPem); !error.empty())
            return error;
    if (ex.target.embedded) {
        if (auto error = m_server.start(ex.settings, certPem, keyPem); !error.empty())
            return error;
        upstreamPort = m_server.port();
    } else if (!splitHostPort(ex.target.address, upstreamHost, upstreamPort)) {
        return "target.address: \"" + ex.target.address + "\" is not host:port";
    }

    plan.embedded = ex.target.embedded;
    plan.tls = ex.target.tls;
    plan.caFile = ex.target.caFile;
    plan.rpc = ex.rpc;
    plan.settings = ex.settings;
    plan.target = upstreamHost.find(':') != std::string::npos ? "[" + upstreamHost + "]:" + std::to_string(upstreamPort)
                                                              : upstreamHost + ":" + std::to_string(upstreamPort);
    std::uint16_t channelPort = upstreamPort;
    TapRequest tap;
    tap.ports.push_back(upstreamPort);
    tap.keyLogPath = m_keyLogPath;
    if (ex.simulator) {
        m_simulator = std::make_unique<LbSimulator>(*ex.simulator, [this](std::int64_t ts, const std::string& text) {
            std::lock_guard lock(m_notesMutex);
            m_notes.push_back({ ts, text });
        });
        if (auto error = m_simulator->start(upstreamHost, upstreamPort); !error.empty()) {
            m_server.stop();
            return error;
        }
        channelPort = m_simulator->port();
        plan.target = "127.0.0.1:" + std::to_string(channelPort);
        if (plan.tls)
            plan.tlsServerName = upstreamHost;
        tap.ports.push_back(channelPort);
    }
    m_target = plan.target;
    tap.channelPort = channelPort;
    const bool loopback = upstreamHost == "127.0.0.1" || upstreamHost == "localhost" || upstreamHost == "::1";
    tap.device = loopback ? "lo" : "any";

    m_hub.start(realtimeNs());
    m_started = true;
    if (m_tap) {
        if (auto error = m_tap->start(tap, m_hub); error.empty())
            m_capturing = true;
        else
            m_warnings.push_back(error);
    } else {
        m_warnings.push_back("no live capture: channel and RPC events only");
    }
    m_channel = std::make_unique<TestChannel>(m_hub);
    if (auto error = m_channel->start(plan); !error.empty()) {
        stop();
        return error;
    }
    return {};
}

void LabRunner::stop()
{
    if (!m_started)
        return;
    m_started = false;
    if (m_channel)
        m_channel->stop();
    m_channel.reset();
    if (m_simulator)
        m_simulator->stop();
    m_server.stop();
    if (m_capturing) {
        // The closing FINs and RSTs are on the wire by now; give the capture thread a moment to
        // read them before it stops.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        m_tap->stop();
    }
    m_hub.stop();
}

std::vector<LabNote> LabRunner::notes() const
{
    std::lock_guard lock(m_notesMutex);
    return m_notes;
}

std::vector<ConnectionSummary> LabRunner::connections() const
{
    return m_capturing ? m_tap->summaries() : std::vector<ConnectionSummary> {};
}

std::uint64_t LabRunner::packets() const
{
    return m_capturing ? m_tap->packets() : 0;
}

} // namespace ks::core::lab
