// HTTP/2 frame boundaries for the load-balancer simulator (RFC 9113 section 4.1: a 9-byte header
// with a 24-bit length, then the payload).
#include "lb_frame_tracker.h"

#include <algorithm>
#include <cstring>

namespace ks::core::lab {

namespace {
constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void put32(std::vector<char>& out, std::uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::vector<char> frameHeader(std::uint32_t length, std::uint8_t type, std::uint8_t flags, std::uint32_t stream)
{
    std::vector<char> out { static_cast<char>(length >> 16), static_cast<char>(length >> 8), static_cast<char>(length),
        static_cast<char>(type), static_cast<char>(flags) };
    put32(out, stream & 0x7fffffffu);
    return out;
}
} // namespace

Http2FrameTracker::Http2FrameTracker(bool clientDirection)
    : m_prefaceSeen(clientDirection ? 0 : kPrefaceLength)
{
}

Http2FrameTracker::Fed Http2FrameTracker::feed(const char* data, std::size_t n)
{
    Fed fed;
    std::size_t i = 0;
    while (i < n && m_prefaceSeen >= 0 && m_prefaceSeen < kPrefaceLength) {
        m_prefaceSeen = data[i] == kPreface[m_prefaceSeen] ? m_prefaceSeen + 1 : -1;
        ++i;
        fed.activity = true;
    }
    if (m_prefaceSeen < 0) {
        fed.activity = fed.activity || n > 0;
        return fed;
    }
    while (i < n) {
        if (m_frameLeft > 0) {
            const auto take = std::min<std::size_t>(m_frameLeft, n - i);
            m_frameLeft -= static_cast<std::uint32_t>(take);
            i += take;
            fed.activity = fed.activity || m_frameType != kH2Ping;
            continue;
        }
        m_header[m_headerHave++] = static_cast<std::uint8_t>(data[i++]);
        if (m_headerHave < 9)
            continue;
        H2FrameHeader h;
        h.length = std::uint32_t(m_header[0]) << 16 | std::uint32_t(m_header[1]) << 8 | m_header[2];
        h.type = m_header[3];
        h.flags = m_header[4];
        h.stream = (std::uint32_t(m_header[5]) << 24 | std::uint32_t(m_header[6]) << 16
                       | std::uint32_t(m_header[7]) << 8 | m_header[8])
            & 0x7fffffffu;
        m_headerHave = 0;
        m_frameLeft = h.length;
        m_frameType = h.type;
        fed.activity = fed.activity || h.type != kH2Ping;
        fed.headers.push_back(h);
    }
    return fed;
}

std::vector<char> h2RstStreamFrame(std::uint32_t stream, std::uint32_t errorCode)
{
    auto out = frameHeader(4, kH2RstStream, 0, stream);
    put32(out, errorCode);
    return out;
}

std::vector<char> h2GoawayFrame(std::uint32_t lastStream, std::uint32_t errorCode, const char* debug)
{
    const auto debugLength = static_cast<std::uint32_t>(std::strlen(debug));
    auto out = frameHeader(8 + debugLength, kH2Goaway, 0, 0);
    put32(out, lastStream & 0x7fffffffu);
    put32(out, errorCode);
    out.insert(out.end(), debug, debug + debugLength);
    return out;
}

} // namespace ks::core::lab
