// Record cutting with a zero-copy path: whole records inside one delivered segment go to the
// listener straight from the segment; only a record split across segments is copied.
#include "tls_record_reader.h"

#include <algorithm>

namespace ks::capture {

namespace {

std::size_t recordBodyLength(const std::uint8_t* h)
{
    return std::size_t(h[3]) << 8 | h[4];
}

} // namespace

bool plausibleTlsRecordHeader(const std::uint8_t* h)
{
    return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4 && recordBodyLength(h) <= kMaxTlsRecordBody;
}

void TlsRecordReader::gap(TlsRecordListener& listener)
{
    m_buffer.clear();
    m_hunting = true;
    listener.onRecordGap();
}

void TlsRecordReader::feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs, TlsRecordListener& listener)
{
    if (m_hunting) {
        m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
        hunt(listener, tsNs);
        if (m_hunting)
            return;
        bytes = {}; // hunt() moved what follows the boundary into m_buffer
    }
    // Finish a record held from earlier segments.
    while (!m_buffer.empty()) {
        if (m_buffer.size() < 5) {
            const std::size_t take = std::min(5 - m_buffer.size(), bytes.size());
            m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.begin() + take);
            bytes = bytes.subspan(take);
            if (m_buffer.size() < 5)
                return;
        }
        if (!plausibleTlsRecordHeader(m_buffer.data())) {
            m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
            m_hunting = true;
            listener.onRecordGap();
            hunt(listener, tsNs);
            if (m_hunting)
                return;
            bytes = {};
            continue;
        }
        const std::size_t total = 5 + recordBodyLength(m_buffer.data());
        const std::size_t take = std::min(total - m_buffer.size(), bytes.size());
        m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.begin() + take);
        bytes = bytes.subspan(take);
        if (m_buffer.size() < total)
            return;
        std::vector<std::uint8_t> record;
        record.swap(m_buffer);
        listener.onRecord(record.data(), std::span(record).subspan(5), tsNs);
        if (m_buffer.empty() && record.capacity() <= kKeptCapacity) {
            record.clear();
            m_buffer.swap(record); // keep a small allocation for the next split record
        }
    }
    // Whole records straight from the segment.
    while (bytes.size() >= 5) {
        if (!plausibleTlsRecordHeader(bytes.data())) {
            m_buffer.assign(bytes.begin(), bytes.end());
            m_hunting = true;
            listener.onRecordGap();
            hunt(listener, tsNs);
            return;
        }
        const std::size_t total = 5 + recordBodyLength(bytes.data());
        if (bytes.size() < total)
            break;
        listener.onRecord(bytes.data(), bytes.subspan(5, total - 5), tsNs);
        bytes = bytes.subspan(total);
    }
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
}

void TlsRecordReader::hunt(TlsRecordListener& listener, std::int64_t tsNs)
{
    // A boundary: a plausible header whose record ends where another plausible header starts
    // (or at the end of what is buffered, when that is all there is).
    for (std::size_t i = 0; i + 5 <= m_buffer.size(); ++i) {
        const std::uint8_t* h = m_buffer.data() + i;
        if (!plausibleTlsRecordHeader(h))
            continue;
        const std::size_t next = i + 5 + recordBodyLength(h);
        if (next + 5 > m_buffer.size()) {
            if (next == m_buffer.size())
                ; // ends exactly at the buffer's end: good enough
            else if (m_buffer.size() - i < kHuntWindow)
                return; // wait for more bytes to confirm
            else
                continue;
        } else if (!plausibleTlsRecordHeader(m_buffer.data() + next)) {
            continue;
        }
        m_skipped += i;
        std::vector<std::uint8_t> rest(m_buffer.begin() + static_cast<std::ptrdiff_t>(i), m_buffer.end());
        m_buffer.clear();
        m_hunting = false;
        feed(rest, tsNs, listener);
        return;
    }
    // Keep only the tail that could still hold the start of a header.
    if (m_buffer.size() > kHuntWindow) {
        const std::size_t drop = m_buffer.size() - 4;
        m_skipped += drop;
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(drop));
    }
}

} // namespace ks::capture
