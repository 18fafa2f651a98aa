// HTTP/2 framing, resynchronisation and the client preface (RFC 9113 sections 3.4, 4.1, 6).
// Some 580 lines: framing and hunting for the next real frame boundary after an error share the
// buffer and the candidate state; split, that state would move into the header.
#include "http2_framer.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

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

namespace {

// plausibleFrameHeader's rules, inlined where frames are read (once per frame).
[[gnu::always_inline]] inline bool plausibleHeader(const FrameHeader& h, bool strict)
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

} // namespace

bool plausibleFrameHeader(const FrameHeader& h, bool strict)
{
    return plausibleHeader(h, strict);
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
        m_segmentStart = true; // bytes fed from outside begin a TCP segment (or TLS record)
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
    acceptPreface(data + take, size - take, tsNs);
}

void Http2Framer::acceptPreface(const std::uint8_t* rest, std::size_t size, std::int64_t tsNs)
{
    m_mode = Mode::Frames;
    m_everLocked = true;
    if (m_listener)
        m_listener->onPreface(tsNs);
    if (size)
        feedFrames(rest, size, tsNs);
}

bool startsWithHttp2Preface(std::span<const std::uint8_t> bytes)
{
    return bytes.size() >= kPrefaceSize && std::memcmp(bytes.data(), kPreface, kPrefaceSize) == 0;
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
    m_suspect = false;
    m_buffer = {};
    m_segmentStarts = {};
    m_waiting = {};
    m_waitingFrontier = {};
    m_scanFrom = 0;
    m_payload = {};
}

void Http2Framer::startHunting()
{
    m_mode = Mode::Hunting;
    m_suspect = false;
    m_headerFill = 0;
    m_inPayload = false;
    m_skip = 0;
    m_payload.clear();
    m_buffer.clear();
    m_segmentStarts.clear();
    m_waiting.clear();
    m_waitingFrontier.clear();
    m_scanFrom = 0;
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
        m_waiting.clear();
        m_waitingFrontier.clear();
        m_scanFrom = 0;
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
    emitFrame(m_payload, tsNs);
}

void Http2Framer::emitFrame(std::span<const std::uint8_t> payload, std::int64_t tsNs)
{
    if (m_listener)
        m_listener->onFrame(m_current, payload, m_current.length > payload.size(), tsNs);
}

void Http2Framer::feedSuspect(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    // m_buffer starts at a header that breaks a frame rule. Follow the lengths: when they lead,
    // through at most kMaxSuspectChain such frames (e.g. several short GOAWAYs), to a header a
    // conforming peer could send, the suspects were malformed frames at real boundaries;
    // otherwise alignment was lost.
    m_buffer.insert(m_buffer.end(), data, data + size);
    std::size_t pos = 0;
    std::size_t frames = 0;
    bool aligned = false;
    for (;;) {
        if (pos + 9 > m_buffer.size()) {
            if (m_buffer.size() <= 2 * std::size_t(kHuntMaxFrame))
                return; // wait for more bytes
            break;
        }
        const FrameHeader h = parseFrameHeader(m_buffer.data() + pos);
        if (frames > 0 && plausibleFrameHeader(h, true)) {
            aligned = true;
            break;
        }
        if (frames == kMaxSuspectChain || h.length > kHuntMaxFrame || pos > kHuntMaxFrame)
            break;
        ++frames;
        pos += 9 + std::size_t(h.length);
    }
    m_suspect = false;
    std::vector<std::uint8_t> held;
    held.swap(m_buffer);
    if (!aligned) {
        // Lost alignment: hunt from the byte after the suspect header's first one.
        startHunting();
        feedHunting(held.data() + 1, held.size() - 1, tsNs);
        return;
    }
    // Reported as Wireshark dissects them (a PING on stream 1 is still a PING frame).
    for (std::size_t at = 0, i = 0; i < frames; ++i) {
        m_current = parseFrameHeader(held.data() + at);
        const std::size_t keep = std::min<std::size_t>(m_current.length, kMaxKeptPayload);
        m_payload.assign(held.begin() + static_cast<std::ptrdiff_t>(at + 9),
            held.begin() + static_cast<std::ptrdiff_t>(at + 9 + keep));
        emitFrame(tsNs);
        at += 9 + std::size_t(m_current.length);
    }
    m_payload.clear();
    feedFrames(held.data() + pos, held.size() - pos, tsNs);
}

void Http2Framer::feedFrames(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    if (m_suspect) {
        feedSuspect(data, size, tsNs);
        return;
    }
    while (size > 0) {
        if (m_skip > 0) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_skip, size));
            m_skip -= n;
            data += n;
            size -= n;
            continue;
        }
        if (!m_inPayload) {
            // A header whole in these bytes (the usual case) is read where it lies.
            const std::uint8_t* header = data;
            if (m_headerFill == 0 && size >= 9) {
                data += 9;
                size -= 9;
            } else {
                const std::size_t n = std::min(size, 9 - m_headerFill);
                std::memcpy(m_header + m_headerFill, data, n);
                m_headerFill += n;
                data += n;
                size -= n;
                if (m_headerFill < 9)
                    return;
                m_headerFill = 0;
                header = m_header;
            }
            m_current = parseFrameHeader(header);
            const bool plausible = plausibleHeader(m_current, false);
            if (!plausible && m_current.length <= kHuntMaxFrame) {
                m_suspect = true;
                m_buffer.assign(header, header + 9);
                feedSuspect(data, size, tsNs);
                return;
            }
            if (!plausible) {
                // Lost alignment: hunt from the byte after this header's first one.
                std::uint8_t held[9];
                std::memcpy(held, header, 9);
                startHunting();
                feedHunting(held + 1, 8, tsNs);
                if (m_mode == Mode::Hunting)
                    feedHunting(data, size, tsNs);
                else
                    feed(std::span(data, size), tsNs);
                return;
            }
            m_largestFrame = std::max(m_largestFrame, m_current.length);
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
        if (m_payload.empty() && size >= keep) {
            // The kept payload lies whole in these bytes (the usual case): handed on in place.
            m_inPayload = false;
            m_skip = m_current.length - keep;
            emitFrame(std::span(data, keep), tsNs);
            data += keep;
            size -= keep;
            continue;
        }
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

std::size_t Http2Framer::proofBytes() const
{
    // Frames found inside one DATA payload chain at most as far as that payload goes: the peer's
    // frames are at most SETTINGS_MAX_FRAME_SIZE (16384 unless raised; the longest frame seen
    // stands for a raised limit), within what hunting holds.
    return std::min<std::size_t>(std::max<std::uint32_t>(m_largestFrame, 16384) + 9, kHuntWindow / 4);
}

Http2Framer::HuntVerdict Http2Framer::judgeCandidate(std::size_t i, bool atEnd, std::size_t& frontier) const
{
    // A run of plausible frame headers is no proof of a boundary: a DATA payload that carries
    // HTTP/2 (a gRPC or CONNECT tunnel) is one, up to where that payload ends. So a candidate
    // locks only on evidence payload bytes cannot give: its chain fills one whole TCP segment
    // with one frame, or lands exactly on the ends of the segment it starts and of the next (a
    // sender writes whole frames; inner frames line up with two segment ends only by chance), or
    // runs on unbroken, in frames no longer than the peer may send, past two of the longest
    // (proofBytes: one DATA payload cannot hold such a chain unless its inner frames line up
    // with the outer frames' ends, and then the chain is real from there), or ends exactly where
    // the stream ended at a FIN.
    const std::size_t n = m_buffer.size();
    const auto seg = std::lower_bound(m_segmentStarts.begin(), m_segmentStarts.end(), i,
        [](const SegmentStart& s, std::size_t off) { return s.offset < off; });
    const bool atSegmentStart = seg != m_segmentStarts.end() && seg->offset == i;
    const auto segmentEnd = [&](auto it) -> std::size_t { return it == m_segmentStarts.end() ? n : it->offset; };
    auto next = atSegmentStart ? seg + 1 : m_segmentStarts.end();
    int landed = atSegmentStart ? 0 : -1; // segment ends the chain landed on; -1: it crossed one
    const std::size_t proof = proofBytes();
    std::size_t pos = i;
    bool longChain = true; // no frame longer than the peer may send: may lock by its length
    for (int count = 0;;) {
        if (pos + 9 > n) {
            frontier = pos;
            if (atEnd)
                return pos == n && count > 0 ? HuntVerdict::Lock : HuntVerdict::Reject;
            return HuntVerdict::Wait;
        }
        const FrameHeader h = parseFrameHeader(m_buffer.data() + pos);
        if (!plausibleFrameHeader(h, true))
            return HuntVerdict::Reject;
        if (longChain && pos - i > 2 * proof)
            return HuntVerdict::Lock; // the chain ran on past two of the longest frames, to a header here
        longChain = longChain && 9 + std::size_t(h.length) <= proof;
        ++count;
        pos += 9 + std::size_t(h.length);
        while (landed >= 0 && landed < 2) {
            const std::size_t end = segmentEnd(next);
            if (pos < end)
                break;
            if (pos > end) {
                landed = -1; // a frame runs across a segment end
                break;
            }
            if (++landed == 2 || count == 1)
                return HuntVerdict::Lock; // two segment ends, or one frame fills the segment (a lone PING)
            if (next == m_segmentStarts.end())
                break; // the next segment has not arrived
            ++next;
        }
        if (pos > n) {
            frontier = pos;
            return atEnd ? HuntVerdict::Reject : HuntVerdict::Wait;
        }
    }
}

void Http2Framer::dropHuntBytes(std::size_t count)
{
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(count));
    std::vector<SegmentStart> segments;
    for (const auto& seg : m_segmentStarts) {
        if (seg.offset < count)
            m_frontTs = seg.tsNs; // the kept bytes start inside this segment: its time, no start
        if (seg.offset >= count)
            segments.push_back({ static_cast<std::uint32_t>(seg.offset - count), seg.tsNs });
    }
    m_segmentStarts.swap(segments);
    std::vector<std::uint32_t> waiting, frontiers;
    for (std::size_t k = 0; k < m_waiting.size(); ++k)
        if (m_waiting[k] >= count) {
            waiting.push_back(static_cast<std::uint32_t>(m_waiting[k] - count));
            frontiers.push_back(static_cast<std::uint32_t>(m_waitingFrontier[k] - count));
        }
    m_waiting.swap(waiting);
    m_waitingFrontier.swap(frontiers);
    m_scanFrom = m_scanFrom > count ? m_scanFrom - count : 0;
}

void Http2Framer::lockAt(std::size_t at)
{
    // Realign at the lock and replay the held bytes through the frame path, each segment at its
    // own capture time.
    std::vector<std::uint8_t> held;
    held.swap(m_buffer);
    std::vector<SegmentStart> segments;
    segments.swap(m_segmentStarts);
    const std::int64_t frontTs = m_frontTs;
    m_waiting.clear();
    m_waitingFrontier.clear();
    m_scanFrom = 0;
    m_mode = Mode::Frames;
    m_everLocked = true;
    std::int64_t ts = frontTs;
    std::size_t from = at;
    for (const auto& s : segments) {
        if (s.offset <= at) {
            ts = s.tsNs;
            continue;
        }
        feed(std::span(held.data() + from, s.offset - from), ts);
        from = s.offset;
        ts = s.tsNs;
    }
    feed(std::span(held.data() + from, held.size() - from), ts);
}

void Http2Framer::feedHunting(const std::uint8_t* data, std::size_t size, std::int64_t tsNs)
{
    // A connection whose SYN is missing may still start with the client preface (only the
    // handshake was lost): the preface is 24 exact bytes, so it is taken as one, not hunted over.
    const bool segmentStart = std::exchange(m_segmentStart, false);
    if (m_huntedBytes == 0 && m_buffer.empty() && startsWithHttp2Preface({ data, size })) {
        acceptPreface(data + kPrefaceSize, size - kPrefaceSize, tsNs);
        return;
    }
    if (m_buffer.empty())
        m_frontTs = tsNs;
    if (segmentStart)
        m_segmentStarts.push_back({ static_cast<std::uint32_t>(m_buffer.size()), tsNs });
    m_buffer.insert(m_buffer.end(), data, data + size);
    m_huntedBytes += size;
    huntOnce(false);
}

void Http2Framer::huntOnce(bool atEnd)
{
    // Each offset is judged once when its header is complete; the few whose chain of frames runs
    // past the buffered bytes wait and are judged again as bytes arrive (one per chain: offsets
    // on an earlier one's chain share its fate). The earliest offset that locks wins, so a false
    // candidate that claims a long frame (random bytes that look like a DATA header) does not
    // hold back real frames after it.
    const std::size_t n = m_buffer.size();
    std::optional<std::size_t> lock;
    std::vector<std::uint32_t> stillWaiting, frontiers;
    const auto wait = [&](std::size_t at, std::size_t frontier) {
        if (std::find(frontiers.begin(), frontiers.end(), frontier) != frontiers.end()
            || stillWaiting.size() >= kMaxWaitingCandidates)
            return;
        stillWaiting.push_back(static_cast<std::uint32_t>(at));
        frontiers.push_back(static_cast<std::uint32_t>(frontier));
    };
    std::size_t frontier = 0;
    for (auto w : m_waiting) {
        const auto verdict = judgeCandidate(w, atEnd, frontier);
        if (verdict == HuntVerdict::Lock) {
            lock = w;
            break;
        }
        if (verdict == HuntVerdict::Wait)
            wait(w, frontier);
    }
    for (std::size_t i = m_scanFrom; !lock && i + 9 <= n; ++i) {
        const auto verdict = judgeCandidate(i, atEnd, frontier);
        if (verdict == HuntVerdict::Lock)
            lock = i;
        else if (verdict == HuntVerdict::Wait)
            wait(i, frontier);
        m_scanFrom = i + 1;
    }
    if (lock) {
        lockAt(*lock);
        return;
    }
    m_waiting.swap(stillWaiting);
    m_waitingFrontier.swap(frontiers);
    // Bytes before the first waiting candidate and the first unjudged offset are no longer needed.
    std::size_t keepFrom = m_scanFrom;
    if (!m_waiting.empty())
        keepFrom = std::min<std::size_t>(keepFrom, m_waiting.front());
    if (keepFrom > 0)
        dropHuntBytes(keepFrom);
    if (m_buffer.size() > kHuntWindow)
        dropHuntBytes(m_buffer.size() - kHuntWindow / 2);
    if (!m_everLocked && m_huntedBytes > kMaxHuntBytes)
        setOpaque();
}

void Http2Framer::finish(bool cleanEnd)
{
    if (m_mode == Mode::Hunting && cleanEnd && !m_buffer.empty()) {
        m_scanFrom = m_waiting.empty() ? m_scanFrom : std::min<std::size_t>(m_scanFrom, m_waiting.front());
        m_waiting.clear();
        m_waitingFrontier.clear();
        huntOnce(true);
    }
}

} // namespace ks::capture
