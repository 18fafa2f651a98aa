// The read loop and the words for a capture that is not (wholly) readable.
#include "capture_reader.h"

#include "capture_warnings.h"
#include "packet_decoder.h"

#include <algorithm>

namespace ks::capture {

std::string unsupportedLinkTypeError(const PacketSource& source, const std::string& name)
{
    // pcapng may hold several interfaces: one the engine decodes is enough (the others' packets
    // are counted and named in a warning).
    const auto& types = source.linkTypes();
    if (std::any_of(types.begin(), types.end(), isSupportedLinkType)
        || (types.empty() && isSupportedLinkType(source.linkType())))
        return {};
    return name + ": unsupported link type " + linkTypeDescription(source.linkType())
        + "; supported: Ethernet (with VLAN tags), Linux cooked v1/v2 (tcpdump -i any), BSD loopback/NULL, "
          "raw IPv4/IPv6";
}

CaptureReadResult readCapture(PacketSource& source, CaptureEngine& engine, const std::string& name,
    const std::function<void()>& beforePacket, const std::atomic<bool>* cancel)
{
    CaptureReadResult result;
    std::string error;
    std::int64_t tsNs = 0;
    std::span<const std::uint8_t> frame;
    bool failed = false;
    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            result.cancelled = true;
            break;
        }
        const auto status = source.next(tsNs, frame, error);
        if (status == PacketSource::Status::End)
            break;
        if (status == PacketSource::Status::Error) {
            failed = true;
            break;
        }
        if (beforePacket)
            beforePacket();
        engine.setLinkType(source.packetLinkType());
        engine.processPacket(tsNs, frame);
    }
    if (failed && engine.counters().packets == 0) {
        result.error = name + ": no readable packet (" + error + ")";
        return result;
    }
    engine.finish();
    if (failed)
        result.stoppedEarly = name + ": stopped after " + std::to_string(engine.counters().packets)
            + " packets, the rest is unreadable (" + error + "); results cover the readable part";
    result.warnings = captureWarnings(engine.counters(), &source.notes());
    return result;
}

} // namespace ks::capture
