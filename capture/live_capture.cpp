// libpcap live capture feeding the CaptureEngine on a thread of its own.
#include "live_capture.h"

#include "core/event_hub.h"
#include "packet_decoder.h"

#include "packet_source.h"

#include <fcntl.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ks::capture {

// Engine events go to the hub; the connections the channel opens are recognised by their
// server port so that channel and RPC events can name the connection they ran on.
class LiveCapture::HubSink final : public EventSink {
public:
    HubSink(LiveCapture& owner, core::EventHub& hub, std::uint16_t channelPort)
        : m_owner(owner)
        , m_hub(hub)
        , m_channelSuffix(std::to_string(channelPort))
        , m_watchChannel(channelPort != 0)
    {
        m_channelSuffix.insert(m_channelSuffix.begin(), ':');
    }
    void setEngine(const CaptureEngine* engine) { m_engine = engine; }
    void onEvent(const core::Event& event) override
    {
        if (m_engine && event.conn >= m_knownConnections && event.conn < m_engine->connectionCount()) {
            // New connections (ids come in order; some may have had no event yet): their
            // summaries as of now, endpoints being what the lanes need.
            bool channel = false;
            {
                std::lock_guard lock(m_owner.m_liveMutex);
                for (; m_knownConnections <= event.conn; ++m_knownConnections)
                    m_owner.m_live.push_back(m_engine->summary(m_knownConnections));
                ++m_owner.m_liveGeneration;
                channel = m_watchChannel && m_owner.m_live[event.conn].server.ends_with(m_channelSuffix);
            }
            if (channel)
                m_hub.setChannelConnection(event.conn);
        } else if (m_engine && event.conn < m_knownConnections
            && (event.type == core::EventType::Fin || event.type == core::EventType::Rst)) {
            // A close: its summary as of now, so that the window judges how it ended while the
            // capture runs (a refused SYN, a GOAWAY then FIN), as it does after Stop.
            std::lock_guard lock(m_owner.m_liveMutex);
            m_owner.m_live[event.conn] = m_engine->summary(event.conn);
            ++m_owner.m_liveGeneration;
        }
        m_hub.publish(event);
    }

private:
    LiveCapture& m_owner;
    core::EventHub& m_hub;
    std::string m_channelSuffix;
    bool m_watchChannel;
    const CaptureEngine* m_engine = nullptr;
    std::uint32_t m_knownConnections = 0;
};

LiveCapture::LiveCapture(std::string dumpPath)
    : m_dumpPath(std::move(dumpPath))
{
}

LiveCapture::~LiveCapture()
{
    stop();
}

std::string LiveCapture::filterFor(const std::vector<std::uint16_t>& ports)
{
    std::string filter = "tcp";
    for (std::size_t i = 0; i < ports.size(); ++i) {
        filter += i == 0 ? " and (" : " or ";
        filter += "port " + std::to_string(ports[i]);
    }
    if (!ports.empty())
        filter += ")";
    return filter;
}

void LiveCapture::cancelStart()
{
    m_cancelled = true;
    std::lock_guard lock(m_commandMutex);
    if (m_command)
        m_command->terminate();
}

bool LiveCapture::streamEnded(std::string& reason, bool& failed) const
{
    if (!m_streamEnded.load())
        return false;
    std::lock_guard lock(m_commandMutex);
    reason = m_endReason;
    failed = m_endFailed;
    return true;
}

std::string LiveCapture::commandStderr() const
{
    std::lock_guard lock(m_commandMutex);
    return m_command ? m_command->stderrTail() : std::string();
}

std::string LiveCapture::start(const core::TapRequest& request, core::EventHub& hub)
{
    stop();
    m_permissionDenied = false;
    m_streamEnded = false;
    m_device = request.device;
    m_commandLine = request.command;
    const std::string filter = request.filter.empty() ? filterFor(request.ports) : request.filter;
    if (!m_commandLine.empty()) {
        if (auto error = openCommand({}, m_commandLine); !error.empty())
            return error;
    } else if (auto direct = openDirect(request.device, filter); !direct.empty()) {
        if (!m_permissionDenied)
            return direct;
        if (auto viaHelper = openHelper(request.device, filter); !viaHelper.empty())
            return direct + ";\n" + (captureHelperPath().empty() ? "" : viaHelper + ";\n") + permissionHint();
        m_permissionDenied = false;
    }
    if (!isSupportedLinkType(m_linkType)) {
        stop();
        return (m_commandLine.empty() ? request.device : "the capture command's output") + ": unsupported link type "
            + linkTypeDescription(m_linkType);
    }
    if (!m_dumpPath.empty()) {
        pcap_t* writer = m_pcap;
        if (!writer)
            writer = m_deadPcap = pcap_open_dead_with_tstamp_precision(m_linkType, 262144, PCAP_TSTAMP_PRECISION_NANO);
        m_dumper = writer ? pcap_dump_open(writer, (m_dumpPath + ".partial").c_str()) : nullptr;
        if (!m_dumper) {
            const std::string error
                = "cannot write " + m_dumpPath + (writer ? ": " + std::string(pcap_geterr(writer)) : std::string());
            stop();
            return error;
        }
    }
    {
        std::lock_guard lock(m_liveMutex);
        m_live.clear();
        ++m_liveGeneration;
    }
    // A key log (the lab's, still being written, or the user's): the engine re-reads it when a
    // handshake finds no secrets, so sessions logged after the start are decrypted too.
    std::shared_ptr<KeyLog> keys;
    m_warnings.clear();
    if (!request.keyLogPath.empty()) {
        keys = std::make_shared<KeyLog>();
        std::string error;
        if (!keys->loadFile(request.keyLogPath, m_warnings, error)) {
            stop();
            return "TLS key log " + error;
        }
    }
    m_sink = std::make_unique<HubSink>(*this, hub, request.channelPort);
    m_engine = std::make_unique<CaptureEngine>(m_linkType, *m_sink);
    if (!keys)
        keys = m_keyLog;
    if (keys)
        m_engine->setKeyLog(keys);
    // A TLS session whose secrets are not in the key log yet holds its records up to 2 s while
    // the key log is re-read (the peer writes it just after its handshake); then it is decrypted
    // from its first record, or, no secrets after all, its PINGs are inferred.
    if (keys)
        m_engine->setKeyLogWait(2'000'000'000);
    m_engine->setWarningListener([this](const std::string& text) {
        std::lock_guard lock(m_liveWarningsMutex);
        m_liveWarnings.push_back(text);
    });
    {
        std::lock_guard lock(m_liveWarningsMutex);
        m_liveWarnings = m_warnings; // the key log's bad lines first
    }
    m_sink->setEngine(m_engine.get());
    m_stopping = false;
    m_running = true;
    m_thread = std::thread([this] { m_source ? runStream() : run(); });
    return {};
}

void LiveCapture::runStream()
{
    std::int64_t tsNs = 0;
    std::span<const std::uint8_t> frame;
    std::string error;
    // Ends when the command exits (stop() asks it to) and the pipe reaches its end.
    PacketSource::Status status;
    while ((status = m_source->next(tsNs, frame, error)) == PacketSource::Status::Packet) {
        if (m_dumper) {
            pcap_pkthdr header {};
            header.ts.tv_sec = static_cast<time_t>(tsNs / 1000000000);
            header.ts.tv_usec = static_cast<suseconds_t>(tsNs % 1000000000);
            header.caplen = header.len = static_cast<bpf_u_int32>(frame.size());
            pcap_dump(reinterpret_cast<u_char*>(m_dumper), &header, frame.data());
        }
        // a pcapng stream names its link type in an interface block that may follow the header
        m_engine->setLinkType(m_source->packetLinkType());
        if (m_source->hasLateSecrets()) // a pcapng stream's Decryption Secrets Blocks
            m_engine->addSecrets(m_source->takeLateSecrets(), m_source->path() + " (Decryption Secrets Block)");
        process(tsNs, frame);
    }
    if (m_stopping.load())
        return;
    // It ended by itself: say how, with what it said on stderr, while the user still looks. The
    // command object lives until stop(), so it is used here without the lock (finish() may wait).
    CaptureCommand* command = nullptr;
    {
        std::lock_guard lock(m_commandMutex);
        command = m_command.get();
    }
    if (command) {
        const std::string how = command->finish();
        const std::string tail = command->stderrTail();
        std::lock_guard lock(m_commandMutex);
        m_endFailed = !command->succeeded() || status == PacketSource::Status::Error;
        m_endReason = (m_commandLine.empty() ? "the capture helper " : "the capture command ") + how;
        if (status == PacketSource::Status::Error)
            m_endReason += "; its stream broke off: " + error;
        if (!tail.empty())
            m_endReason += ":\n" + tail;
    }
    m_streamEnded = true;
}

void LiveCapture::run()
{
    const int fd = pcap_get_selectable_fd(m_pcap);
    auto handler = [](u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
        auto* self = reinterpret_cast<LiveCapture*>(user);
        // Nanosecond precision was asked for, so tv_usec holds nanoseconds.
        const std::int64_t tsNs = std::int64_t(header->ts.tv_sec) * 1000000000 + header->ts.tv_usec;
        if (self->m_dumper)
            pcap_dump(reinterpret_cast<u_char*>(self->m_dumper), header, bytes);
        self->process(tsNs, std::span<const std::uint8_t>(bytes, header->caplen));
    };
    while (!m_stopping.load()) {
        pollfd p { fd, POLLIN, 0 };
        const int ready = poll(&p, 1, 20);
        if (ready < 0)
            continue;
        // Non-blocking dispatch drains whatever the kernel holds.
        while (pcap_dispatch(m_pcap, 256, handler, reinterpret_cast<u_char*>(this)) > 0) { }
        m_engine->retryKeys(core::realtimeNs());
    }
    while (pcap_dispatch(m_pcap, 256, handler, reinterpret_cast<u_char*>(this)) > 0) { }
}

void LiveCapture::process(std::int64_t tsNs, std::span<const std::uint8_t> frame)
{
    m_engine->processPacket(tsNs, frame);
}

bool LiveCapture::warningsSince(std::size_t& seen, std::vector<std::string>& out) const
{
    std::lock_guard lock(m_liveWarningsMutex);
    if (seen >= m_liveWarnings.size())
        return false;
    out.insert(out.end(), m_liveWarnings.begin() + static_cast<std::ptrdiff_t>(seen), m_liveWarnings.end());
    seen = m_liveWarnings.size();
    return true;
}

void LiveCapture::stop()
{
    m_stopping = true;
    {
        std::lock_guard lock(m_commandMutex);
        if (m_command && !m_streamEnded.load())
            m_command->terminate();
    }
    if (m_thread.joinable())
        m_thread.join();
    m_source.reset();
    CaptureCommand* command = nullptr;
    {
        std::lock_guard lock(m_commandMutex);
        command = m_command.get();
    }
    if (command)
        command->finish(); // without the lock: commandStderr() must not wait for it
    {
        std::lock_guard lock(m_commandMutex);
        m_command.reset();
    }
    if (m_running) {
        m_running = false;
        m_engine->finish();
        m_summaries = m_engine->summaries();
        m_warnings.insert(m_warnings.end(), m_engine->warnings().begin(), m_engine->warnings().end());
        m_packets = m_engine->counters().packets;
    }
    if (m_dumper) {
        pcap_dump_close(m_dumper);
        m_dumper = nullptr;
        // Written beside the target and renamed, so an interrupted run never leaves half a file
        // under the user's name.
        if (std::rename((m_dumpPath + ".partial").c_str(), m_dumpPath.c_str()) != 0)
            std::fprintf(
                stderr, "keepalive-scope: cannot rename %s.partial to %s\n", m_dumpPath.c_str(), m_dumpPath.c_str());
    }
    if (m_deadPcap) {
        pcap_close(m_deadPcap);
        m_deadPcap = nullptr;
    }
    if (m_pcap) {
        pcap_close(m_pcap);
        m_pcap = nullptr;
    }
}

std::vector<core::ConnectionSummary> LiveCapture::summaries() const
{
    return m_summaries;
}

bool LiveCapture::connectionsSince(std::uint64_t& generation, std::vector<core::ConnectionSummary>& out) const
{
    std::lock_guard lock(m_liveMutex);
    if (m_liveGeneration == generation)
        return false;
    generation = m_liveGeneration;
    out = m_live;
    return true;
}

std::uint64_t LiveCapture::packets() const
{
    return m_packets;
}

std::string LiveCapture::description() const
{
    if (!m_commandLine.empty())
        return "capture command `" + m_commandLine + "` (" + linkTypeDescription(m_linkType) + ")";
    return "live capture on " + m_device + " (" + linkTypeDescription(m_linkType) + ")";
}

} // namespace ks::capture
