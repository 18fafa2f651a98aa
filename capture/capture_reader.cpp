// The read loop and the words for a capture that is not (wholly) readable.
#include "capture_reader.h"

#include "capture_warnings.h"
#include "packet_decoder.h"
#include "pcapng_merge.h"

#include <algorithm>
#include <limits>
#include <queue>
#include <vector>

namespace ks::capture {

namespace {

// A pcapng file with several interfaces keeps each interface's packets in order, but dumpcap
// writes the interfaces' buffers as they fill: a packet of one can follow later packets of
// another (by 56 ms in tests/data/multi_iface.pcapng). Such files go through this window, which
// hands packets on in time order (ties in file order) once they are 2 s older than the newest,
// or when it holds 4096 packets or 32 MiB. Anything later than that is still held at the latest
// time by the engine, with its warning.
class ReorderWindow {
public:
    struct Held {
        std::int64_t tsNs = 0;
        std::uint64_t seq = 0;
        int linkType = 0;
        std::vector<std::uint8_t> frame;
    };

    void push(std::int64_t tsNs, int linkType, std::span<const std::uint8_t> frame)
    {
        m_bytes += frame.size();
        m_newestNs = std::max(m_newestNs, tsNs);
        m_heap.push(Held { tsNs, m_seq++, linkType, { frame.begin(), frame.end() } });
    }
    bool empty() const { return m_heap.empty(); }
    bool ready(bool draining) const
    {
        return !m_heap.empty()
            && (draining || m_heap.size() > kMaxPackets || m_bytes > kMaxBytes
                || m_newestNs - m_heap.top().tsNs > kWindowNs);
    }
    Held pop()
    {
        Held h = std::move(const_cast<Held&>(m_heap.top()));
        m_heap.pop();
        m_bytes -= h.frame.size();
        return h;
    }

private:
    static constexpr std::int64_t kWindowNs = 2'000'000'000;
    static constexpr std::size_t kMaxPackets = 4096;
    static constexpr std::size_t kMaxBytes = 32u << 20;
    struct Later {
        bool operator()(const Held& a, const Held& b) const
        {
            return a.tsNs != b.tsNs ? a.tsNs > b.tsNs : a.seq > b.seq;
        }
    };
    std::priority_queue<Held, std::vector<Held>, Later> m_heap;
    std::size_t m_bytes = 0;
    std::uint64_t m_seq = 0;
    std::int64_t m_newestNs = std::numeric_limits<std::int64_t>::min();
};

// How long a quiet pipe holds the reorder window's packets (wall time).
constexpr int kQuietMs = 2000;

} // namespace

std::string unsupportedLinkTypeError(const PacketSource& source, const std::string& name)
{
    // pcapng may hold several interfaces, described before their first packet wherever that
    // is in the file (dumpcap -i nflog -i lo writes an NFLOG interface first that may carry
    // nothing): each interface's packets are read with its own type, and those on one the engine
    // cannot decode are counted and named in a warning. A pcap file has one link type.
    const auto& types = source.linkTypes();
    if (source.isPcapng() || std::any_of(types.begin(), types.end(), isSupportedLinkType)
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
    ReorderWindow window;
    bool reorder = false; // decided at the first packet: the interfaces are described before it
    bool first = true;
    const auto release = [&](bool draining) {
        while (window.ready(draining)) {
            const auto held = window.pop();
            engine.setLinkType(held.linkType);
            engine.processPacket(held.tsNs, held.frame);
        }
    };
    // A pcapng file is read per section and interface, merged by time (pcapng_merge.h).
    std::string scanError;
    const auto merge = PcapngMerge::open(source, scanError);
    int linkType = 0;
    const auto fetch = [&]() {
        if (!merge) {
            const auto status = source.next(tsNs, frame, error);
            linkType = source.packetLinkType();
            return status;
        }
        if (merge->next(tsNs, frame, linkType))
            return PacketSource::Status::Packet;
        error = scanError;
        return scanError.empty() ? PacketSource::Status::End : PacketSource::Status::Error;
    };
    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            result.cancelled = true;
            break;
        }
        // A pcapng stream of several interfaces on a pipe: while the window holds packets, a
        // writer quiet for as long as the window spans sends no late packet either (dumpcap
        // writes each interface's buffer within it), so what is held goes out then, not at the
        // next packet, which on an idle connection may come minutes later.
        if (reorder && source.isStream())
            source.setIdleWait(window.empty() ? 0 : kQuietMs);
        const auto status = fetch();
        if (status == PacketSource::Status::Idle) {
            release(true);
            continue;
        }
        if (status == PacketSource::Status::End)
            break;
        if (status == PacketSource::Status::Error) {
            failed = true;
            break;
        }
        if (first) {
            first = false;
            reorder = source.linkTypes().size() > 1 && !(merge && merge->merged());
            if (!source.embeddedKeyLog().empty()) // the secrets before the first packet
                engine.addSecrets(source.embeddedKeyLog(), name + " (Decryption Secrets Block)");
        }
        if (source.hasLateSecrets()) // merged: every later block's, read by the scan
            engine.addSecrets(source.takeLateSecrets(), name + " (Decryption Secrets Block)");
        if (beforePacket)
            beforePacket();
        if (reorder) {
            window.push(tsNs, linkType, frame);
            release(false);
            continue;
        }
        engine.setLinkType(linkType);
        engine.processPacket(tsNs, frame);
    }
    release(true);
    if (failed && engine.counters().packets == 0) {
        result.error = name + ": no readable packet (" + error + ")";
        return result;
    }
    engine.finish();
    if (failed)
        result.stoppedEarly = name + ": stopped after " + std::to_string(engine.counters().packets)
            + " packets, the rest is unreadable (" + error + "); results cover the readable part";
    SourceNotes notes = source.notes();
    if (merge && merge->merged()) {
        notes.mergedStreams = merge->streams();
        notes.mergedSections = merge->sections();
        notes.mergedMaxLateNs = merge->maxLateNs();
    }
    result.warnings = captureWarnings(engine.counters(), &notes);
    return result;
}

} // namespace ks::capture
