// libFuzzer target over the packet-to-events path: the input is a whole capture file (the seed
// corpus is the reference captures), read by PacketSource (as analyze reads it) and fed through
// the CaptureEngine, and the events through the findings analyzer, judged against every catalogue
// profile. The engine has the reference captures' TLS key logs (KS_FUZZ_KEYLOG_DIR/*.keys) and the
// input's own Decryption Secrets Blocks, so the TLS record, handshake and decryption paths run on
// mutants of real TLS captures.
#include "capture/capture_engine.h"
#include "capture/capture_warnings.h"
#include "capture/key_log.h"
#include "capture/packet_source.h"
#include "core/event_json.h"
#include "core/findings_analyzer.h"
#include "core/lb_catalogue.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

// Renders each event as JSON, as the command line does, so the printing path is covered too.
class JsonSink final : public ks::capture::EventSink {
public:
    explicit JsonSink(ks::core::FindingsAnalyzer& analyzer)
        : m_analyzer(analyzer)
    {
    }
    void onEvent(const ks::core::Event& event) override
    {
        m_analyzer.onEvent(event);
        m_out.clear();
        m_writer.append(m_out, event);
        if (m_out.view().front() != '{' || m_out.view().back() != '}')
            __builtin_trap();
    }

private:
    ks::core::FindingsAnalyzer& m_analyzer;
    ks::core::EventJsonWriter m_writer { 9 };
    ks::core::OutputBuffer m_out;
};

} // namespace

const ks::capture::KeyLog& referenceKeys()
{
    static const ks::capture::KeyLog keys = [] {
        ks::capture::KeyLog k;
        std::vector<std::string> warnings;
        std::string error;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(KS_FUZZ_KEYLOG_DIR, ec))
            if (entry.path().extension() == ".keys")
                k.loadFile(entry.path().string(), warnings, error);
        return k;
    }();
    return keys;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string error;
    auto source = ks::capture::PacketSource::openBytes(std::span(data, size), "fuzz input", error);
    if (!source)
        return 0;
    ks::core::AnalyzerOptions options;
    options.profiles = ks::core::builtinLbCatalogue();
    ks::core::FindingsAnalyzer analyzer(options);
    JsonSink sink(analyzer);
    ks::capture::CaptureEngine engine(source->linkType(), sink);
    auto keys = std::make_shared<ks::capture::KeyLog>(referenceKeys());
    std::vector<std::string> warnings;
    keys->addText(source->embeddedKeyLog(), "input", warnings);
    engine.setKeyLog(keys);
    std::int64_t tsNs = 0;
    std::span<const std::uint8_t> frame;
    // Bounded: a capture of this size holds at most size/12 records.
    for (std::size_t i = 0;
         i <= size / 12 && source->next(tsNs, frame, error) == ks::capture::PacketSource::Status::Packet; ++i) {
        engine.setLinkType(source->packetLinkType());
        engine.processPacket(tsNs, frame);
    }
    engine.finish();
    ks::core::OutputBuffer out;
    for (const auto& conn : engine.summaries())
        ks::core::appendConnectionJson(out, conn, engine.originNs(), 9);
    const std::string findings = ks::core::findingsJson(analyzer.finish(engine.summaries()));
    if (findings.empty() || findings.front() != '[')
        __builtin_trap();
    for (const auto& w : engine.warnings())
        if (w.empty())
            __builtin_trap();
    for (const auto& w : ks::capture::captureWarnings(engine.counters(), &source->notes()))
        if (w.empty())
            __builtin_trap();
    return 0;
}
