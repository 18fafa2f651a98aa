// A pcapng file read in time order across its interfaces and sections, as mergecap merges.
// dumpcap keeps each interface's packets in order but writes the interfaces' buffers as they
// fill, and extcap or per-pod tools append an interface's packets seconds late; `cat a.pcapng
// b.pcapng` puts a second capture of the same period after the first as a new section. Read in
// file order, either looked like the capturing host's clock stepping back and moved every later
// packet (hunt D, D18 and D19). Each (section, interface) is one time-ordered stream here, read by
// its own cursor over the same file, and the streams are merged by timestamp: memory is one read
// buffer per stream, whatever the lateness.
#pragma once

#include "packet_source.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ks::capture {

class PcapngMerge {
public:
    // Reads source (a pcapng file or bytes, not a stream, before its first packet) through once
    // to find its streams, then opens a cursor per stream. Null when source is no such file (it
    // is then untouched). After open, source's notes and late secrets cover the whole file;
    // scanError holds why the scan stopped (a truncated or corrupt block), empty at a clean end.
    // More than kMaxStreams streams, or cursors that cannot be opened: one cursor reads the file
    // in its own order (merged() false; the caller's reorder window applies as before).
    static std::unique_ptr<PcapngMerge> open(PacketSource& source, std::string& scanError);
    bool merged() const { return m_merged; }

    // The next packet by time (ties: the stream met first in the file); false at the end.
    bool next(std::int64_t& tsNs, std::span<const std::uint8_t>& frame, int& linkType);
    std::size_t streams() const { return m_cursors.size(); }
    std::size_t sections() const { return m_sections; }
    // How far a packet was written after a later one (of another stream): what file order
    // would have got wrong and the merge put right.
    std::int64_t maxLateNs() const { return m_maxLateNs; }

    static constexpr std::size_t kMaxStreams = 64;

private:
    struct Cursor {
        std::unique_ptr<PacketSource> source;
        std::int64_t tsNs = 0;
        std::span<const std::uint8_t> frame;
        bool live = false;
    };
    void advance(Cursor& c);
    std::vector<Cursor> m_cursors;
    std::size_t m_current = SIZE_MAX; // the cursor whose packet next() returned last
    std::size_t m_sections = 0;
    std::int64_t m_maxLateNs = 0;
    bool m_merged = false;
};

} // namespace ks::capture
