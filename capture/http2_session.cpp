// HTTP/2 frames to events (RFC 9113 section 6 frame layouts).
// onFrame (some 100 lines) is one case per frame type, as RFC 9113 section 6 lists them.
#include "http2_session.h"

#include <algorithm>

namespace ks::capture {

using core::Direction;
using core::Event;
using core::EventType;

namespace {

std::uint32_t be32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

constexpr std::uint8_t kFlagAck = 0x01;
constexpr std::uint8_t kFlagEndStream = 0x01;
constexpr std::uint8_t kFlagEndHeaders = 0x04;
constexpr std::uint8_t kFlagPadded = 0x08;
constexpr std::uint8_t kFlagPriority = 0x20;

} // namespace

Http2Session::Http2Session(std::uint32_t conn, EventEmitter& emitter)
    : m_conn(conn)
    , m_emitter(emitter)
{
    m_sides[0].session = this;
    m_sides[0].dir = Direction::ClientToServer;
    m_sides[1].session = this;
    m_sides[1].dir = Direction::ServerToClient;
}

void Http2Session::Side::onPreface(std::int64_t tsNs)
{
    Event& e = session->makeEvent(dir, EventType::Preface, tsNs);
    session->m_emitter.publish(e);
}

void Http2Session::Side::onFrame(
    const FrameHeader& header, std::span<const std::uint8_t> payload, bool truncated, std::int64_t tsNs)
{
    session->onFrame(dir, header, payload, truncated, tsNs);
}

void Http2Session::Side::onDesync()
{
    const auto i = core::dirIndex(dir);
    session->m_hpack[i].reset();
    session->m_blocks[i].active = false;
    session->m_blocks[i].bytes.clear();
    // The lost bytes may have held ACKs for PINGs sent the other way: pair later ACKs with
    // PINGs sent after the loss first (gRPC reuses opaque data, e.g. grpc-go's BDP pings).
    for (auto& ping : session->m_pings[core::dirIndex(core::otherDirection(dir))])
        ping.ackMayBeLost = true;
}

// One Event is reused for every frame of the session: building a fresh one (seven strings,
// twelve settings) for each of a million frames cost more than decoding the frame. Its numbers
// and flags are set back as one block; the texts a frame event can carry are cleared (the lab's
// are never set by a session).
static_assert(sizeof(Event) == sizeof(core::EventFields) + sizeof(Event::settings) + 7 * sizeof(std::string),
    "a text was added to core::Event: clear it in Http2Session::makeEvent");

Event& Http2Session::makeEvent(Direction dir, EventType type, std::int64_t tsNs)
{
    Event& e = m_event;
    if (e.settingsCount) // the values stay zero past settingsCount, as in a new Event
        e.settings = {};
    // Copied from a fresh block the compiler cannot see into: set as the constant it is, the
    // block became a `rep stos`, whose start-up cost was a fifth of onFrame's time on the
    // PING-heavy bench capture; a copy of unknown bytes is a few vector moves.
    static const core::EventFields kFresh {};
    const core::EventFields* fresh = &kFresh;
    asm("" : "+r"(fresh));
    static_cast<core::EventFields&>(e) = *fresh;
    e.tsNs = tsNs;
    e.conn = m_conn;
    e.dir = dir;
    e.type = type;
    e.debug.clear();
    e.path.clear();
    e.grpcMessage.clear();
    return e;
}

[[gnu::always_inline]] inline void Http2Session::onFrame(
    Direction dir, const FrameHeader& h, std::span<const std::uint8_t> payload, bool truncated, std::int64_t tsNs)
{
    const auto i = core::dirIndex(dir);
    // The frame before this one, the same way, was a WINDOW_UPDATE of the same packet (record).
    m_afterWindowUpdate = m_windowUpdateNs[i] == tsNs;
    m_windowUpdateNs[i] = h.type == static_cast<std::uint8_t>(FrameType::WindowUpdate) ? tsNs : -1;
    // A header block must be followed by its CONTINUATION frames (RFC 9113 section 6.10).
    if (m_blocks[i].active && h.type != static_cast<std::uint8_t>(FrameType::Continuation)) {
        m_blocks[i].active = false;
        m_hpack[i].reset();
    }
    switch (static_cast<FrameType>(h.type)) {
    case FrameType::Data: {
        Event& e = makeEvent(dir, EventType::Data, tsNs);
        e.stream = h.stream;
        e.length = h.length;
        e.endStream = h.flags & kFlagEndStream;
        m_emitter.publish(e);
        break;
    }
    case FrameType::Headers: {
        std::size_t offset = 0;
        std::size_t padding = 0;
        if ((h.flags & kFlagPadded) && !payload.empty()) {
            padding = payload[0];
            offset = 1;
        }
        if (h.flags & kFlagPriority)
            offset += 5;
        std::span<const std::uint8_t> fragment;
        if (offset + padding <= payload.size())
            fragment = payload.subspan(offset, payload.size() - offset - (truncated ? 0 : padding));
        auto& block = m_blocks[i];
        block.start(h.stream, h.flags & kFlagEndStream, false, truncated || offset + padding > payload.size());
        onHeaderFragment(dir, fragment, h.flags & kFlagEndHeaders, false, tsNs);
        break;
    }
    case FrameType::PushPromise: {
        std::size_t offset = 4;
        std::size_t padding = 0;
        if ((h.flags & kFlagPadded) && !payload.empty()) {
            padding = payload[0];
            offset = 5;
        }
        std::span<const std::uint8_t> fragment;
        if (offset + padding <= payload.size())
            fragment = payload.subspan(offset, payload.size() - offset - (truncated ? 0 : padding));
        auto& block = m_blocks[i];
        block.start(h.stream, false, true, truncated || offset + padding > payload.size());
        onHeaderFragment(dir, fragment, h.flags & kFlagEndHeaders, false, tsNs);
        break;
    }
    case FrameType::Continuation:
        if (m_blocks[i].active && m_blocks[i].stream == h.stream)
            onHeaderFragment(dir, payload, h.flags & kFlagEndHeaders, truncated, tsNs);
        break;
    case FrameType::RstStream: {
        if (payload.size() < 4)
            break;
        Event& e = makeEvent(dir, EventType::RstStream, tsNs);
        e.stream = h.stream;
        e.errorCode = be32(payload.data());
        m_emitter.publish(e);
        break;
    }
    case FrameType::Settings: {
        Event& e = makeEvent(dir, EventType::Settings, tsNs);
        e.ack = h.flags & kFlagAck;
        for (std::size_t off = 0; off + 6 <= payload.size() && e.settingsCount < e.settings.size(); off += 6) {
            auto& s = e.settings[e.settingsCount++];
            s.id = static_cast<std::uint16_t>(payload[off] << 8 | payload[off + 1]);
            s.value = be32(payload.data() + off + 2);
        }
        // SETTINGS_HEADER_TABLE_SIZE bounds the table of the blocks this side receives.
        for (std::size_t off = 0; !(h.flags & kFlagAck) && off + 6 <= payload.size(); off += 6)
            if ((payload[off] << 8 | payload[off + 1]) == 0x1)
                m_hpack[1 - i].setMaxTableSize(be32(payload.data() + off + 2));
        m_emitter.publish(e);
        break;
    }
    case FrameType::Ping:
        onPing(dir, h, payload, tsNs);
        break;
    case FrameType::Goaway: {
        if (payload.size() < 8)
            break;
        Event& e = makeEvent(dir, EventType::Goaway, tsNs);
        e.lastStreamId = be32(payload.data()) & 0x7fffffffu;
        e.errorCode = be32(payload.data() + 4);
        const auto debug = payload.subspan(8);
        e.debug = printableText(debug.first(std::min(debug.size(), kMaxDebugText)));
        m_emitter.publish(e);
        break;
    }
    case FrameType::WindowUpdate: {
        if (payload.size() < 4)
            break;
        Event& e = makeEvent(dir, EventType::WindowUpdate, tsNs);
        e.stream = h.stream;
        e.length = be32(payload.data()) & 0x7fffffffu;
        m_emitter.publish(e);
        break;
    }
    case FrameType::Priority:
    default:
        break;
    }
}

void Http2Session::onPing(Direction dir, const FrameHeader& h, std::span<const std::uint8_t> payload, std::int64_t tsNs)
{
    if (payload.size() < 8)
        return;
    const std::uint64_t opaque = std::uint64_t(be32(payload.data())) << 32 | be32(payload.data() + 4);
    const bool isAck = h.flags & kFlagAck;
    Event& e = makeEvent(dir, isAck ? EventType::PingAck : EventType::Ping, tsNs);
    e.opaque = opaque;
    if (isAck) {
        // The ACK travels the other way from its PING (RFC 9113 section 6.7).
        auto& pending = m_pings[core::dirIndex(core::otherDirection(dir))];
        auto it = std::find_if(pending.begin(), pending.end(),
            [opaque](const PendingPing& p) { return p.opaque == opaque && !p.ackMayBeLost; });
        if (it == pending.end())
            it = std::find_if(
                pending.begin(), pending.end(), [opaque](const PendingPing& p) { return p.opaque == opaque; });
        if (it != pending.end()) {
            if (!m_closed[core::dirIndex(core::otherDirection(dir))])
                e.rttMs = static_cast<double>(tsNs - it->tsNs) / 1e6;
            e.pingIndex = static_cast<std::int64_t>(it->index);
            pending.erase(it);
        }
        m_emitter.publish(e);
        return;
    }
    e.besideWindowUpdates = m_afterWindowUpdate;
    m_emitter.publish(e);
    auto& pending = m_pings[core::dirIndex(dir)];
    if (pending.size() >= kMaxOutstandingPings)
        pending.erase(pending.begin());
    pending.push_back({ opaque, tsNs, e.index });
}

void Http2Session::onHeaderFragment(
    Direction dir, std::span<const std::uint8_t> fragment, bool endHeaders, bool truncated, std::int64_t tsNs)
{
    auto& block = m_blocks[core::dirIndex(dir)];
    if (block.bytes.size() + fragment.size() > kMaxHeaderBlock || truncated)
        block.tooLarge = true;
    // A block in one frame (the usual case) is decoded where it lies; one split over
    // CONTINUATION frames is gathered first.
    const bool whole = endHeaders && block.bytes.empty();
    if (!block.tooLarge && !whole)
        block.bytes.insert(block.bytes.end(), fragment.begin(), fragment.end());
    if (!endHeaders)
        return;
    block.active = false;
    Event& e = makeEvent(dir, EventType::Headers, tsNs);
    e.stream = block.stream;
    e.endStream = block.endStream;
    if (block.tooLarge) {
        // Part of the block is missing, so the dynamic table can no longer be followed.
        m_hpack[core::dirIndex(dir)].reset();
        e.hpack = core::HpackState::TooLarge;
    } else {
        e.hpack = m_hpack[core::dirIndex(dir)].decode(
            whole ? fragment : std::span<const std::uint8_t>(block.bytes), e.path, e.grpcStatus, e.grpcMessage);
    }
    block.bytes.clear();
    if (!block.decodeOnly)
        m_emitter.publish(e);
}

} // namespace ks::capture
