// The analyze sub-command: drives a PacketSource through the CaptureEngine into a printer.
#include "analyze_command.h"

#include "capture/capture_engine.h"
#include "capture/packet_decoder.h"
#include "capture/packet_source.h"
#include "event_printers.h"

#include <cstdio>
#include <memory>

namespace ks::app {

namespace {

constexpr const char* kUsage = "usage: keepalive-scope analyze FILE|- [--json] [--all]\n"
                               "  FILE   a pcap or pcapng capture; - reads a pcap stream from standard input\n"
                               "  --json print the JSON document (events, connections, findings)\n"
                               "  --all  in text mode, print every HTTP/2 frame, not only keepalive events\n";

// Both printers share begin/onEvent/end; this forwards to whichever was chosen.
class Output final : public capture::EventSink {
public:
    Output(bool json, bool all, bool stream)
    {
        if (json)
            m_json = std::make_unique<JsonPrinter>(stdout, stream);
        else
            m_text = std::make_unique<TextPrinter>(stdout, all, stream);
    }
    void begin(const RunInfo& info)
    {
        m_begun = true;
        m_json ? m_json->begin(info) : m_text->begin(info);
    }
    bool begun() const { return m_begun; }
    void onEvent(const core::Event& e) override { m_json ? m_json->onEvent(e) : m_text->onEvent(e); }
    void end(const RunInfo& info) { m_json ? m_json->end(info) : m_text->end(info); }

private:
    std::unique_ptr<JsonPrinter> m_json;
    std::unique_ptr<TextPrinter> m_text;
    bool m_begun = false;
};

} // namespace

int runAnalyze(const std::vector<std::string>& args)
{
    bool json = false;
    bool all = false;
    std::string path;
    for (const auto& arg : args) {
        if (arg == "--json") {
            json = true;
        } else if (arg == "--all") {
            all = true;
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg.size() > 1 && arg[0] == '-') {
            std::fprintf(stderr, "keepalive-scope analyze: unknown option %s\n%s", arg.c_str(), kUsage);
            return 2;
        } else if (path.empty()) {
            path = arg;
        } else {
            std::fprintf(stderr, "keepalive-scope analyze: one capture at a time (got %s and %s)\n", path.c_str(),
                         arg.c_str());
            return 2;
        }
    }
    if (path.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }

    std::string error;
    auto source = capture::PacketSource::open(path, error);
    if (!source) {
        std::fprintf(stderr, "keepalive-scope: %s\n", error.c_str());
        return 2;
    }
    const std::string name = path == "-" ? std::string("standard input") : path;
    if (!capture::isSupportedLinkType(source->linkType())) {
        std::fprintf(stderr,
                     "keepalive-scope: %s: unsupported link type %s; supported: Ethernet (with VLAN tags), "
                     "Linux cooked v1/v2 (tcpdump -i any), BSD loopback/NULL, raw IPv4/IPv6\n",
                     name.c_str(), capture::linkTypeDescription(source->linkType()).c_str());
        return 2;
    }

    RunInfo info;
    info.source = name;
    info.linkType = capture::linkTypeDescription(source->linkType());
    info.decimals = source->decimals();
    Output out(json, all, source->isStream());
    capture::CaptureEngine engine(source->linkType(), out);

    std::int64_t tsNs = 0;
    std::span<const std::uint8_t> frame;
    bool failed = false;
    for (;;) {
        const auto status = source->next(tsNs, frame, error);
        if (status == capture::PacketSource::Status::End)
            break;
        if (status == capture::PacketSource::Status::Error) {
            failed = true;
            break;
        }
        if (!out.begun())
            out.begin(info);
        engine.processPacket(tsNs, frame);
    }
    if (failed && engine.counters().packets == 0) {
        std::fprintf(stderr, "keepalive-scope: %s: no readable packet (%s)\n", name.c_str(), error.c_str());
        return 2;
    }
    engine.finish();
    if (!out.begun())
        out.begin(info);
    if (failed) {
        info.warnings.push_back(name + ": stopped after " + std::to_string(engine.counters().packets)
                                + " packets, the rest is unreadable (" + error + "); results cover the readable part");
        std::fprintf(stderr, "keepalive-scope: warning: %s\n", info.warnings.back().c_str());
    }
    if (const auto bad = engine.counters().malformedPackets)
        info.warnings.push_back(std::to_string(bad) + " packets had truncated or inconsistent IP/TCP headers and were skipped");
    info.packets = engine.counters().packets;
    info.originNs = engine.originNs();
    info.connections = engine.summaries();
    out.end(info);
    return 0;
}

} // namespace ks::app
