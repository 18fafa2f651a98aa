// HTTP/2 framing, resynchronisation and the client preface (RFC 9113 sections 3.4, 4.1, 6).
#include "http2_framer.h"

#include <algorithm>
#include <cstring>

namespace ks::capture {

namespace {

constexpr std::uint8_t kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr std::size_t kPrefaceSize = sizeof kPreface - 1;
// The largest frame a hunt accepts as a candidate: well above any default MAX_FRAME_SIZE, far
// below the 24-bit limit, so random bytes rarely pass.
constexpr std::uint32_t kHuntMaxFrame = 1u << 20;

} // namespace

FrameHeader parseFrameHeader(const std::uint8_t* b)
{
    FrameHeader h;
    h.length = std::uint32_t(b[0]) << 16 | std::uint32_t(b[1]) << 8 | b[2];
    h.type = b[3];
    h.flags = b[4];
    h.stream = std::uint32_t(b[5]) << 24 | std::uint32_t(b[6]) << 16 | std::uint32_t(b[7]) << 8 | b[8];
    return h;
}

bool plausibleFrameHeader(const FrameHeader& h, bool strict)
{
    if (h.stream & 0x80000000u)
        return false; // reserved bit
    if (strict && h.length > kHuntMaxFrame)
        return false;
    std::uint8_t definedFlags = 0;
    switch (static_cast<FrameType>(h.type)) {
    case FrameType::Data:
        definedFlags = 0x01 | 0x08;
        if (h.stream == 0)
            return false;
        break;
    case FrameType::Headers:
        definedFlags = 0x01 | 0x04 | 0x08 | 0x20;
        if (h.stream == 0)
            return false;
        break;
    case FrameType::Priority:
        if (h.stream == 0 || h.length != 5)
            return false;
        break;
    case FrameType::RstStream:
        if (h.stream == 0 || h.length != 4)
            return false;
        break;
    case FrameType::Settings:
        definedFlags = 0x01;
        if (h.stream != 0 || h.length % 6 != 0 || ((h.flags & 0x01) && h.length != 0))
            return false;
        break;
    case FrameType::PushPromise:
        definedFlags = 0x04 | 0x08;
        if (h.stream == 0 || h.length < 4)
            return false;
        break;
    case FrameType::Ping:
        definedFlags = 0x01;
        if (h.stream != 0 || h.length != 8)
            return false;
        break;
    case FrameType::Goaway:
        if (h.stream != 0 || h.length < 8)
            return false;
        break;
    case FrameType::WindowUpdate:
        if (h.length != 4)
            return false;
        break;
    case FrameType::Continuation:
        definedFlags = 0x04;
        if (h.stream == 0)
            return false;
        break;
    default:
        return !strict; // extension frames are legal, but no evidence of a boundary
    }
    return !strict || (h.flags & ~definedFlags) == 0;
}

Http2Framer::Http2Framer(Mode mode)
    : m_mode(mode)
{
    m_everLocked = mode == Mode::Frames;
}

void Http2Framer::feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    if (bytes.empty())
        return;
    switch (m_mode) {
    case Mode::Preface:
        feedPreface(bytes.data(), bytes.size(), tsNs);
        break;
    case Mode::ServerPreface:
        feedServerPreface(bytes.data(), bytes.size(), tsNs);
        break;
    case Mode::Frames:
        feedFrames(bytes.data(), bytes.size(), tsNs);
        break;
    case Mode::Hunting:
        feedHunting(bytes.data(), bytes.size(), tsNs);
        break;
    case Mode::Opaque:
        break;
    }
}

void Http2Framer::feedPreface(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    const std::size_t have = m_buffer.size();
    const std::size_t take = std::min(size, kPrefaceSize - have);
    if (std::memcmp(data, kPreface + have, take) != 0) {
        setOpaque();
        return;
    }
    m_buffer.insert(m_buffer.end(), data, data + take);
    if (m_buffer.size() < kPrefaceSize)
        return;
    m_buffer.clear();
    m_mode = Mode::Frames;
    m_everLocked = true;
    if (m_listener)
        m_listener->onPreface(tsNs);
    if (size > take)
        feedFrames(data + take, size - take, tsNs);
}

void Http2Framer::feedServerPreface(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    // RFC 9113 section 3.4: the server's preface is a SETTINGS frame (not an ACK), sent first.
    const std::size_t take = std::min(size, std::size_t(9) - m_buffer.size());
    m_buffer.insert(m_buffer.end(), data, data + take);
    if (m_buffer.size() < 9)
        return;
    const FrameHeader h = parseFrameHeader(m_buffer.data());
    if (h.type != static_cast<std::uint8_t>(FrameType::Settings) || (h.flags & 0x01)
        || !plausibleFrameHeader(h, true)) {
        setOpaque();
        return;
    }
    std::uint8_t header[9];
    std::memcpy(header, m_buffer.data(), 9);
    m_buffer.clear();
    m_mode = Mode::Frames;
    m_everLocked = true;
    feedFrames(header, 9, tsNs);
    if (size > take)
        feedFrames(data + take, size - take, tsNs);
}

void Http2Framer::setOpaque()
{
    m_mode = Mode::Opaque;
    m_buffer = {};
    m_segmentStarts = {};
    m_payload = {};
}

void Http2Framer::startHunting()
{
    m_mode = Mode::Hunting;
    m_headerFill = 0;
    m_inPayload = false;
    m_skip = 0;
    m_payload.clear();
    m_buffer.clear();
    m_segmentStarts.clear();
    m_huntedBytes = 0;
    if (m_listener)
        m_listener->onDesync();
}

void Http2Framer::gap(std::uint64_t count)
{
    if (count == 0)
        return;
    switch (m_mode) {
    case Mode::Frames:
        if (m_skip >= count) {
            m_skip -= count; // lost bytes inside a DATA payload: alignment is intact
            return;
        }
        startHunting();
        return;
    case Mode::Hunting:
        m_buffer.clear(); // bytes on either side of a gap never chain
        m_segmentStarts.clear();
        return;
    case Mode::Preface:
    case Mode::ServerPreface:
        startHunting();
        return;
    case Mode::Opaque:
        return;
    }
}

void Http2Framer::emitFrame(std::int64_t tsNs)
{
    if (m_listener)
        m_listener->onFrame(m_current, m_payload, m_current.length > m_payload.size(), tsNs);
}

void Http2Framer::feedFrames(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    while (size > 0) {
        if (m_skip > 0) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_skip, size));
            m_skip -= n;
            data += n;
            size -= n;
            continue;
        }
        if (!m_inPayload) {
            const std::size_t n = std::min(size, 9 - m_headerFill);
            std::memcpy(m_header + m_headerFill, data, n);
            m_headerFill += n;
            data += n;
            size -= n;
            if (m_headerFill < 9)
                return;
            m_headerFill = 0;
            m_current = parseFrameHeader(m_header);
            if (!plausibleFrameHeader(m_current, false)) {
                // Lost alignment: hunt from the byte after this header's first one.
                std::uint8_t held[9];
                std::memcpy(held, m_header, 9);
                startHunting();
                feedHunting(held + 1, 8, tsNs);
                if (m_mode == Mode::Hunting)
                    feedHunting(data, size, tsNs);
                else
                    feed(std::span(data, size), tsNs);
                return;
            }
            m_payload.clear();
            if (m_current.type == static_cast<std::uint8_t>(FrameType::Data) || m_current.length == 0) {
                emitFrame(tsNs);
                m_skip = m_current.length;
                continue;
            }
            m_inPayload = true;
            continue;
        }
        const std::uint32_t keep = std::min(m_current.length, kMaxKeptPayload);
        const std::size_t n = std::min<std::size_t>(size, keep - m_payload.size());
        m_payload.insert(m_payload.end(), data, data + n);
        data += n;
        size -= n;
        if (m_payload.size() == keep) {
            m_inPayload = false;
            m_skip = m_current.length - keep;
            emitFrame(tsNs);
        }
    }
}

void Http2Framer::feedHunting(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    m_segmentStarts.push_back(static_cast<std::uint32_t>(m_buffer.size()));
    m_buffer.insert(m_buffer.end(), data, data + size);
    m_huntedBytes += size;

    const std::size_t n = m_buffer.size();
    // First offset not yet rejected; the last 8 bytes cannot be judged before more arrive.
    std::size_t firstOpen = n > 8 ? n - 8 : 0;
    for (std::size_t i = 0; i + 9 <= n; ++i) {
        std::size_t pos = i;
        int count = 0;
        enum { Reject, Wait, Lock } verdict = Wait;
        while (true) {
            if (pos + 9 > n) {
                verdict = Wait;
                break;
            }
            const FrameHeader h = parseFrameHeader(m_buffer.data() + pos);
            if (!plausibleFrameHeader(h, true)) {
                verdict = Reject;
                break;
            }
            ++count;
            pos += 9 + std::size_t(h.length);
            if (count >= 3) {
                verdict = Lock;
                break;
            }
            if (pos == n) {
                const bool segmentStart = std::binary_search(m_segmentStarts.begin(),
                                                             m_segmentStarts.end(), i);
                verdict = (count >= 2 || segmentStart) ? Lock : Wait;
                break;
            }
            if (pos > n) {
                verdict = Wait;
                break;
            }
        }
        if (verdict == Reject)
            continue;
        if (verdict == Wait) {
            firstOpen = i;
            break;
        }
        // Lock: realign at i and replay the held bytes through the frame path.
        std::vector<std::uint8_t> held(m_buffer.begin() + static_cast<std::ptrdiff_t>(i), m_buffer.end());
        m_buffer.clear();
        m_segmentStarts.clear();
        m_mode = Mode::Frames;
        m_everLocked = true;
        feedFrames(held.data(), held.size(), tsNs);
        return;
    }
    if (firstOpen > 0) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(firstOpen));
        std::vector<std::uint32_t> starts;
        for (auto s : m_segmentStarts)
            if (s >= firstOpen)
                starts.push_back(static_cast<std::uint32_t>(s - firstOpen));
        m_segmentStarts.swap(starts);
    }
    if (m_buffer.size() > kHuntWindow) {
        const std::size_t drop = m_buffer.size() - kHuntWindow / 2;
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(drop));
        std::vector<std::uint32_t> starts;
        for (auto s : m_segmentStarts)
            if (s >= drop)
                starts.push_back(static_cast<std::uint32_t>(s - drop));
        m_segmentStarts.swap(starts);
    }
    if (!m_everLocked && m_huntedBytes > kMaxHuntBytes)
        setOpaque();
}

} // namespace ks::capture
