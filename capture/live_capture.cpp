// libpcap live capture feeding the CaptureEngine on a thread of its own.
#include "live_capture.h"

#include "core/lab/event_hub.h"
#include "packet_decoder.h"

#include <pcap/pcap.h>
#include <poll.h>

#include <cstdio>
#include <unistd.h>

namespace ks::capture {

// Engine events go to the hub; the connections the channel opens are recognised by their
// server port so that channel and RPC events can name the connection they ran on.
class LiveCapture::HubSink final : public EventSink {
public:
    HubSink(core::lab::EventHub& hub, std::uint16_t channelPort)
        : m_hub(hub)
        , m_channelSuffix(std::to_string(channelPort))
        , m_watchChannel(channelPort != 0)
    {
        m_channelSuffix.insert(m_channelSuffix.begin(), ':');
    }
    void setEngine(const CaptureEngine* engine) { m_engine = engine; }
    void onEvent(const core::Event& event) override
    {
        if (m_watchChannel && event.type == core::EventType::Syn && event.dir == core::Direction::ClientToServer
            && m_engine) {
            // A new connection: rare, so asking the engine for its endpoints is cheap enough.
            const auto all = m_engine->summaries();
            if (event.conn < all.size()) {
                const auto& server = all[event.conn].server;
                if (server.size() >= m_channelSuffix.size()
                    && server.compare(server.size() - m_channelSuffix.size(), m_channelSuffix.size(), m_channelSuffix)
                        == 0)
                    m_hub.setChannelConnection(event.conn);
            }
        }
        m_hub.publish(event);
    }

private:
    core::lab::EventHub& m_hub;
    std::string m_channelSuffix;
    bool m_watchChannel;
    const CaptureEngine* m_engine = nullptr;
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

std::string LiveCapture::permissionHint()
{
    char self[4096] = {};
    const auto n = readlink("/proc/self/exe", self, sizeof self - 1);
    const std::string binary = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string("keepalive-scope");
    return "live capture needs the CAP_NET_RAW capability: run as root, or grant it once with\n"
           "  sudo setcap cap_net_raw,cap_net_admin=eip "
        + binary
        + "\n"
          "(the lab goes on without the wire: channel and RPC events only)";
}

std::vector<std::string> LiveCapture::devices(std::string& error)
{
    std::vector<std::string> out;
    pcap_if_t* all = nullptr;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    if (pcap_findalldevs(&all, errbuf) != 0) {
        error = std::string("cannot list capture interfaces: ") + errbuf;
        return out;
    }
    for (pcap_if_t* d = all; d; d = d->next)
        out.emplace_back(d->name);
    pcap_freealldevs(all);
    return out;
}

std::string LiveCapture::start(const core::lab::TapRequest& request, core::lab::EventHub& hub)
{
    stop();
    m_permissionDenied = false;
    m_device = request.device;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    m_pcap = pcap_create(request.device.c_str(), errbuf);
    if (!m_pcap)
        return "cannot open " + request.device + " for capture: " + errbuf;
    pcap_set_snaplen(m_pcap, 262144);
    pcap_set_promisc(m_pcap, 0);
    pcap_set_immediate_mode(m_pcap, 1); // deliver each packet at once, not per buffer
    pcap_set_timeout(m_pcap, 10);
    pcap_set_tstamp_precision(m_pcap, PCAP_TSTAMP_PRECISION_NANO);
    const int rc = pcap_activate(m_pcap);
    if (rc < 0) {
        std::string reason = rc == PCAP_ERROR ? pcap_geterr(m_pcap) : pcap_statustostr(rc);
        m_permissionDenied = rc == PCAP_ERROR_PERM_DENIED
            || (rc == PCAP_ERROR && reason.find("ermission") != std::string::npos);
        pcap_close(m_pcap);
        m_pcap = nullptr;
        if (m_permissionDenied)
            return "no permission to capture on " + request.device + " (" + reason + ");\n" + permissionHint();
        return "cannot capture on " + request.device + ": " + reason;
    }
    const std::string filter = request.filter.empty() ? filterFor(request.ports) : request.filter;
    bpf_program program {};
    if (pcap_compile(m_pcap, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0
        || pcap_setfilter(m_pcap, &program) != 0) {
        std::string reason = pcap_geterr(m_pcap);
        pcap_freecode(&program);
        pcap_close(m_pcap);
        m_pcap = nullptr;
        return "capture filter \"" + filter + "\" rejected: " + reason;
    }
    pcap_freecode(&program);
    m_linkType = pcap_datalink(m_pcap);
    if (!isSupportedLinkType(m_linkType)) {
        pcap_close(m_pcap);
        m_pcap = nullptr;
        return request.device + ": unsupported link type " + linkTypeDescription(m_linkType);
    }
    pcap_setnonblock(m_pcap, 1, errbuf);
    if (!m_dumpPath.empty()) {
        m_dumper = pcap_dump_open(m_pcap, (m_dumpPath + ".partial").c_str());
        if (!m_dumper)
            m_dumpError = "cannot write " + m_dumpPath + ": " + pcap_geterr(m_pcap);
    }
    m_sink = std::make_unique<HubSink>(hub, request.channelPort);
    m_engine = std::make_unique<CaptureEngine>(m_linkType, *m_sink);
    m_sink->setEngine(m_engine.get());
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
    if (!m_dumpError.empty())
        return m_dumpError;
    return {};
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
        self->m_engine->processPacket(tsNs, std::span<const std::uint8_t>(bytes, header->caplen));
    };
    while (!m_stopping.load()) {
        pollfd p {fd, POLLIN, 0};
        const int ready = poll(&p, 1, 20);
        if (ready < 0)
            continue;
        // Non-blocking dispatch drains whatever the kernel holds.
        while (pcap_dispatch(m_pcap, 256, handler, reinterpret_cast<u_char*>(this)) > 0) {
        }
    }
    while (pcap_dispatch(m_pcap, 256, handler, reinterpret_cast<u_char*>(this)) > 0) {
    }
}

void LiveCapture::stop()
{
    if (!m_pcap)
        return;
    m_stopping = true;
    if (m_thread.joinable())
        m_thread.join();
    m_engine->finish();
    m_summaries = m_engine->summaries();
    m_packets = m_engine->counters().packets;
    if (m_dumper) {
        pcap_dump_close(m_dumper);
        m_dumper = nullptr;
        // Written beside the target and renamed, so an interrupted run never leaves half a file
        // under the user's name.
        if (std::rename((m_dumpPath + ".partial").c_str(), m_dumpPath.c_str()) != 0)
            std::fprintf(stderr, "keepalive-scope: cannot rename %s.partial to %s\n", m_dumpPath.c_str(),
                         m_dumpPath.c_str());
    }
    pcap_close(m_pcap);
    m_pcap = nullptr;
}

std::vector<core::ConnectionSummary> LiveCapture::summaries() const
{
    return m_summaries;
}

std::uint64_t LiveCapture::packets() const
{
    return m_packets;
}

std::string LiveCapture::description() const
{
    return "live capture on " + m_device + " (" + linkTypeDescription(m_linkType) + ")";
}

} // namespace ks::capture
