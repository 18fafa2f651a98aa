// The HTTP/2 layer of one connection: turns both directions' frames into events, keeps each
// direction's HPACK state, assembles HEADERS + CONTINUATION, and pairs PINGs with their ACKs.
#pragma once

#include "core/direction.h"
#include "event_emitter.h"
#include "hpack_decoder.h"
#include "http2_framer.h"

#include <array>
#include <cstdint>
#include <vector>

namespace ks::capture {

class Http2Session {
public:
    Http2Session(std::uint32_t conn, EventEmitter& emitter);
    Http2Session(const Http2Session&) = delete;
    Http2Session& operator=(const Http2Session&) = delete;

    Http2FrameListener& listener(core::Direction dir) { return m_sides[core::dirIndex(dir)]; }

    // dir sent its FIN: an ACK of its PING that comes after it still pairs with the PING, but no
    // round trip is measured (nobody waited for it: a peer stalled past the pinger's keepalive
    // timeout answers from a process that resumed, seconds later).
    void senderClosed(core::Direction dir) { m_closed[core::dirIndex(dir)] = true; }

    // Outstanding PINGs kept per direction for RTT pairing; older ones are forgotten.
    static constexpr std::size_t kMaxOutstandingPings = 32;
    static constexpr std::size_t kMaxHeaderBlock = 1024 * 1024;
    static constexpr std::size_t kMaxDebugText = 1024;

private:
    struct Side final : Http2FrameListener {
        Http2Session* session = nullptr;
        core::Direction dir = core::Direction::ClientToServer;
        void onPreface(std::int64_t tsNs) override;
        void onFrame(const FrameHeader& header, std::span<const std::uint8_t> payload, bool truncated,
            std::int64_t tsNs) override;
        void onDesync() override;
    };
    struct PendingPing {
        std::uint64_t opaque;
        std::int64_t tsNs;
        std::uint64_t index;
        bool ackMayBeLost = false; // bytes went missing the way its ACK would travel
    };
    struct HeaderBlock {
        bool active = false;
        bool endStream = false;
        bool tooLarge = false;
        bool decodeOnly = false; // PUSH_PROMISE: keep HPACK in step, report nothing
        std::uint32_t stream = 0;
        std::vector<std::uint8_t> bytes; // fragments so far; keeps its capacity from block to block

        void start(std::uint32_t id, bool endsStream, bool onlyDecode, bool large)
        {
            active = true;
            endStream = endsStream;
            tooLarge = large;
            decodeOnly = onlyDecode;
            stream = id;
            bytes.clear();
        }
    };

    core::Event& makeEvent(core::Direction dir, core::EventType type, std::int64_t tsNs);
    // Inline into Side::onFrame, its only caller (http2_session.cpp): one call less per frame.
    inline void onFrame(core::Direction dir, const FrameHeader& header, std::span<const std::uint8_t> payload,
        bool truncated, std::int64_t tsNs);
    void onPing(
        core::Direction dir, const FrameHeader& header, std::span<const std::uint8_t> payload, std::int64_t tsNs);
    void onHeaderFragment(core::Direction dir, std::span<const std::uint8_t> fragment, bool endHeaders, bool truncated,
        std::int64_t tsNs);

    std::uint32_t m_conn;
    core::Event m_event; // reused for every frame event (makeEvent)
    EventEmitter& m_emitter;
    std::array<Side, 2> m_sides;
    std::array<HpackDecoder, 2> m_hpack;
    std::array<HeaderBlock, 2> m_blocks;
    std::array<std::vector<PendingPing>, 2> m_pings;
    std::array<std::int64_t, 2> m_windowUpdateNs { -1, -1 }; // per direction: its last frame's, if a WINDOW_UPDATE
    bool m_afterWindowUpdate = false; // the frame being read came right after one in its packet
    std::array<bool, 2> m_closed {};
};

} // namespace ks::capture
