// pcapng streams (one per section and interface) merged by timestamp; see pcapng_merge.h.
#include "pcapng_merge.h"

#include <algorithm>
#include <map>
#include <utility>

namespace ks::capture {

std::unique_ptr<PcapngMerge> PcapngMerge::open(PacketSource& source, std::string& scanError)
{
    if (!source.isPcapng() || source.isStream())
        return nullptr;
    std::unique_ptr<PcapngMerge> merge(new PcapngMerge);
    std::map<std::pair<int, std::uint32_t>, std::size_t> streams; // (section, interface) -> cursor
    std::unique_ptr<PacketSource> whole; // the file in its own order, from the first packet
    std::vector<std::unique_ptr<PacketSource>> cursors;
    bool cursorsFailed = false;
    std::int64_t latest = 0;
    bool any = false;
    std::int64_t tsNs = 0;
    std::span<const std::uint8_t> frame;
    std::string error;
    for (;;) {
        const auto status = source.next(tsNs, frame, scanError);
        if (status != PacketSource::Status::Packet)
            break;
        if (!whole)
            whole = source.cursorForLastPacket(false, error);
        const auto key = std::make_pair(source.packetSection(), source.packetInterface());
        if (any && tsNs < latest)
            merge->m_maxLateNs = std::max(merge->m_maxLateNs, latest - tsNs);
        if (!streams.contains(key)) {
            streams.emplace(key, cursors.size());
            if (cursors.size() < kMaxStreams && !cursorsFailed) {
                auto cursor = source.cursorForLastPacket(true, error);
                cursorsFailed = !cursor;
                cursors.push_back(std::move(cursor));
            } else {
                cursorsFailed = true;
            }
        }
        latest = any ? std::max(latest, tsNs) : tsNs;
        any = true;
        merge->m_sections = static_cast<std::size_t>(source.packetSection()) + 1;
    }
    if (cursorsFailed || cursors.size() <= 1) {
        cursors.clear();
        if (whole)
            cursors.push_back(std::move(whole));
        merge->m_maxLateNs = 0;
    } else {
        merge->m_merged = true;
    }
    for (auto& c : cursors) {
        merge->m_cursors.push_back(Cursor { std::move(c), 0, {}, false });
        merge->advance(merge->m_cursors.back());
    }
    return merge;
}

void PcapngMerge::advance(Cursor& c)
{
    std::string error; // a corrupt block ends this stream; the scan names it (scanError)
    c.live = c.source->next(c.tsNs, c.frame, error) == PacketSource::Status::Packet;
}

bool PcapngMerge::next(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, int& linkType)
{
    // The frame returned last lives in its cursor's buffer until that cursor reads on.
    if (m_current < m_cursors.size())
        advance(m_cursors[m_current]);
    m_current = SIZE_MAX;
    for (std::size_t i = 0; i < m_cursors.size(); ++i)
        if (m_cursors[i].live && (m_current == SIZE_MAX || m_cursors[i].tsNs < m_cursors[m_current].tsNs))
            m_current = i;
    if (m_current == SIZE_MAX)
        return false;
    const Cursor& c = m_cursors[m_current];
    tsNs = c.tsNs;
    frame = c.frame;
    linkType = c.source->packetLinkType();
    return true;
}

} // namespace ks::capture
