// libFuzzer target over the packet-to-events path: the input is a whole capture file (the seed
// corpus is the reference captures), read by libpcap and fed through the CaptureEngine.
#include "capture/capture_engine.h"
#include "core/event_json.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <string>

namespace {

// Renders each event as JSON, as the command line does, so the printing path is covered too.
class JsonSink final : public ks::capture::EventSink {
public:
    void onEvent(const ks::core::Event& event) override
    {
        m_out.clear();
        ks::core::appendEventJson(m_out, event, 9);
        if (m_out.view().front() != '{' || m_out.view().back() != '}')
            __builtin_trap();
    }

private:
    ks::core::OutputBuffer m_out;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FILE* fp = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
    if (!fp)
        return 0;
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pcap) {
        std::fclose(fp);
        return 0;
    }
    JsonSink sink;
    ks::capture::CaptureEngine engine(pcap_datalink(pcap), sink);
    pcap_pkthdr* header = nullptr;
    const u_char* packet = nullptr;
    // Bounded: a capture of this size holds at most size/16 records.
    for (std::size_t i = 0; i <= size / 16 && pcap_next_ex(pcap, &header, &packet) == 1; ++i)
        engine.processPacket(std::int64_t(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec,
                             std::span(packet, header->caplen));
    engine.finish();
    std::string out;
    ks::core::JsonWriter json(out);
    for (const auto& conn : engine.summaries())
        ks::core::writeConnectionJson(json, conn, engine.originNs(), 9);
    pcap_close(pcap);
    return 0;
}
