// Header blocks through Http2Session: blocks encoded by nghttp2's own HPACK deflater, whole in one
// HEADERS frame or split over CONTINUATION frames, with PUSH_PROMISE blocks between them, must
// decode to the same fields, and keep the dynamic table in step for the blocks that follow.
#include "capture/hpack_decoder.h"
#include "capture/http2_session.h"
#include "frame_builder.h"
#include "hpack_encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using ks::core::Direction;
using ks::core::Event;
using ks::core::EventType;
using ks::core::HpackState;
using ks::test::Bytes;

namespace {

struct Recorder final : ks::capture::EventEmitter {
    std::vector<Event> events;
    void publish(Event& e) override
    {
        e.index = events.size();
        events.push_back(e);
    }
};

using Encoder = ks::test::HpackEncoder;

constexpr std::uint8_t kHeaders = 1, kPushPromise = 5, kContinuation = 9;
constexpr std::uint8_t kEndStream = 0x1, kEndHeaders = 0x4;

ks::capture::FrameHeader headerOf(const Bytes& frame)
{
    ks::capture::FrameHeader h;
    h.length = std::uint32_t(frame[0]) << 16 | std::uint32_t(frame[1]) << 8 | frame[2];
    h.type = frame[3];
    h.flags = frame[4];
    h.stream = (std::uint32_t(frame[5]) << 24 | std::uint32_t(frame[6]) << 16 | std::uint32_t(frame[7]) << 8 | frame[8])
        & 0x7fffffffu;
    return h;
}

void deliver(ks::capture::Http2Session& session, Direction dir, const Bytes& frame, std::int64_t tsNs)
{
    session.listener(dir).onFrame(headerOf(frame), std::span(frame).subspan(9), false, tsNs);
}

// The block as one HEADERS frame, or cut into pieces of `piece` bytes (HEADERS + CONTINUATIONs).
std::vector<Bytes> headerFrames(std::uint32_t stream, const Bytes& block, std::size_t piece, bool endStream)
{
    std::vector<Bytes> frames;
    std::size_t off = 0;
    do {
        const std::size_t n = std::min(piece, block.size() - off);
        const bool first = off == 0;
        const bool last = off + n == block.size();
        const std::uint8_t flags = (last ? kEndHeaders : 0) | (first && endStream ? kEndStream : 0);
        frames.push_back(ks::test::frame(first ? kHeaders : kContinuation, flags, stream,
            Bytes(block.begin() + static_cast<std::ptrdiff_t>(off),
                block.begin() + static_cast<std::ptrdiff_t>(off + n))));
        off += n;
    } while (off < block.size());
    return frames;
}

std::vector<std::pair<std::string, std::string>> request(const std::string& path)
{
    return { { ":method", "POST" }, { ":scheme", "http" }, { ":path", path }, { ":authority", "127.0.0.1:50051" },
        { "content-type", "application/grpc" }, { "te", "trailers" }, { "x-tenant", "blue-team-with-a-long-id" } };
}

} // namespace

TEST(Http2Session, headerBlocksWholeOrSplitOverContinuationsDecodeTheSameFields)
{
    for (std::size_t piece : { std::size_t { 100000 }, std::size_t { 1 }, std::size_t { 7 } }) {
        Recorder rec;
        ks::capture::Http2Session session(3, rec);
        Encoder client, server;
        std::int64_t t = 1'000;
        // Three requests: the second and third reuse the first one's dynamic table entries.
        for (std::uint32_t stream : { 1u, 3u, 5u })
            for (const auto& f :
                headerFrames(stream, client.block(request("/svc.Echo/Call" + std::to_string(stream))), piece, false))
                deliver(session, Direction::ClientToServer, f, t++);
        const Bytes trailers = server.block({ { "grpc-status", "14" }, { "grpc-message", "upstream%20reset" } });
        for (const auto& f : headerFrames(1, trailers, piece, true))
            deliver(session, Direction::ServerToClient, f, t++);

        ASSERT_EQ(rec.events.size(), 4u) << "piece " << piece;
        for (std::size_t i = 0; i < 3; ++i) {
            const auto& e = rec.events[i];
            EXPECT_EQ(e.type, EventType::Headers);
            EXPECT_EQ(e.hpack, HpackState::Decoded) << "piece " << piece;
            EXPECT_EQ(e.stream, 1 + 2 * i);
            EXPECT_EQ(e.path, "/svc.Echo/Call" + std::to_string(1 + 2 * i)) << "piece " << piece;
            EXPECT_FALSE(e.endStream);
        }
        EXPECT_EQ(rec.events[3].grpcStatus, 14);
        EXPECT_EQ(rec.events[3].grpcMessage, "upstream reset");
        EXPECT_TRUE(rec.events[3].endStream);
        EXPECT_EQ(rec.events[3].dir, Direction::ServerToClient);
    }
}

TEST(Http2Session, pushPromiseBlocksSplitOverContinuationsKeepTheTableInStepAndReportNothing)
{
    Recorder rec;
    ks::capture::Http2Session session(0, rec);
    Encoder server;
    // A PUSH_PROMISE on stream 1 promising stream 2, its block split over two CONTINUATIONs; the
    // block adds a new dynamic table entry the following HEADERS refers to.
    const Bytes promised = server.block({ { ":method", "GET" }, { ":path", "/pushed/resource-with-a-long-name" },
        { "x-pushed-by", "an-origin-server-far-away" } });
    Bytes first { 0, 0, 0, 2 };
    const std::size_t cut1 = promised.size() / 3, cut2 = 2 * promised.size() / 3;
    first.insert(first.end(), promised.begin(), promised.begin() + static_cast<std::ptrdiff_t>(cut1));
    deliver(session, Direction::ServerToClient, ks::test::frame(kPushPromise, 0, 1, first), 1);
    deliver(session, Direction::ServerToClient,
        ks::test::frame(kContinuation, 0, 1,
            Bytes(promised.begin() + static_cast<std::ptrdiff_t>(cut1),
                promised.begin() + static_cast<std::ptrdiff_t>(cut2))),
        2);
    deliver(session, Direction::ServerToClient,
        ks::test::frame(
            kContinuation, kEndHeaders, 1, Bytes(promised.begin() + static_cast<std::ptrdiff_t>(cut2), promised.end())),
        3);
    EXPECT_TRUE(rec.events.empty());

    const Bytes response = server.block(
        { { ":status", "200" }, { "x-pushed-by", "an-origin-server-far-away" }, { "grpc-status", "0" } });
    deliver(session, Direction::ServerToClient, ks::test::frame(kHeaders, kEndHeaders | kEndStream, 1, response), 4);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].hpack, HpackState::Decoded);
    EXPECT_EQ(rec.events[0].grpcStatus, 0);
}

TEST(Http2Session, aBlockInterruptedByAnotherFrameIsNotDecodedAgainstAWrongTable)
{
    Recorder rec;
    ks::capture::Http2Session session(0, rec);
    Encoder client;
    const Bytes block = client.block(request("/svc.Echo/Call"));
    // HEADERS without END_HEADERS, then a PING instead of the CONTINUATION: a protocol error; the
    // table can no longer be followed, so the next block, which refers to entries the lost block
    // added, is reported as not decodable rather than decoded against a table missing them.
    deliver(session, Direction::ClientToServer,
        ks::test::frame(kHeaders, 0, 1, Bytes(block.begin(), block.begin() + 5)), 1);
    deliver(session, Direction::ClientToServer, ks::test::ping(42), 2);
    deliver(session, Direction::ClientToServer,
        ks::test::frame(kHeaders, kEndHeaders, 3, client.block(request("/svc.Echo/Call"))), 3);
    ASSERT_EQ(rec.events.size(), 2u);
    EXPECT_EQ(rec.events[0].type, EventType::Ping);
    EXPECT_EQ(rec.events[1].type, EventType::Headers);
    EXPECT_EQ(rec.events[1].hpack, HpackState::UnknownDynamicTable);
}

// HpackDecoder remembers blocks of indexed fields only; a remembered result must never outlive
// the table it was decoded against.
TEST(HpackDecoder, aRepeatedIndexedBlockDecodesAgainstTheTableAsItIsNow)
{
    ks::capture::HpackDecoder decoder;
    // Literal with incremental indexing, name :path (static index 4): becomes dynamic entry 62.
    const auto literalPath = [](const std::string& value) {
        Bytes b { 0x44, static_cast<std::uint8_t>(value.size()) };
        b.insert(b.end(), value.begin(), value.end());
        return b;
    };
    const Bytes indexed62 { 0x83, 0x86, 0xbe }; // :method POST, :scheme http (static 3 and 6), dynamic entry 62
    EXPECT_EQ(decoder.decode(literalPath("/svc.A/First")).path, "/svc.A/First");
    for (int i = 0; i < 3; ++i) // the first decode inflates, the others are remembered
        EXPECT_EQ(decoder.decode(indexed62).path, "/svc.A/First") << i;
    // A new entry pushes the old one to 63: the same bytes now mean the new path.
    EXPECT_EQ(decoder.decode(literalPath("/svc.B/Second")).path, "/svc.B/Second");
    EXPECT_EQ(decoder.decode(indexed62).path, "/svc.B/Second");
    EXPECT_EQ(decoder.decode(Bytes { 0x83, 0x86, 0xbf }).path, "/svc.A/First");
    // After a reset (bytes lost) entry 62 is unknown, remembered or not.
    decoder.reset();
    for (int i = 0; i < 2; ++i) {
        const auto lost = decoder.decode(indexed62);
        EXPECT_EQ(lost.state, ks::core::HpackState::UnknownDynamicTable) << i;
        EXPECT_TRUE(lost.path.empty()) << i;
    }
}

TEST(HpackDecoder, aMalformedBlockIsMalformedNotAnUnknownTable)
{
    ks::capture::HpackDecoder decoder;
    using ks::core::HpackState;
    EXPECT_EQ(decoder.decode(Bytes { 0x80 }).state, HpackState::Malformed); // index 0 (RFC 7541 section 6.1)
    EXPECT_EQ(decoder.decode(Bytes { 0x40, 0x05, 'a' }).state, HpackState::Malformed); // name runs past the block
    EXPECT_EQ(decoder.decode(Bytes { 0x00, 0x81, 0xff, 0x00 }).state, HpackState::Malformed); // bad Huffman code
    EXPECT_EQ(
        decoder.decode(Bytes { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }).state, HpackState::Malformed); // integer overflow
    // An index past the table we know is what a mid-connection capture shows: unknown, not malformed.
    EXPECT_EQ(decoder.decode(Bytes { 0x82, 0xbe }).state, HpackState::UnknownDynamicTable);
    EXPECT_EQ(decoder.decode(Bytes { 0x82, 0x84 }).state, HpackState::Decoded);
}

// A PING whose ACK comes after its sender's FIN (the peer stalled past the sender's keepalive
// timeout, then resumed: python3-grpcio's SIGSTOPped server answered 5.9 s after the client
// closed) pairs with the PING but measures no round trip: it had made a 6.9 s "RTT" and a
// ping-rtt finding advising a keepalive_timeout above it.
TEST(Http2Session, anAckAfterThePingersFinPairsButMeasuresNoRoundTrip)
{
    Recorder rec;
    ks::capture::Http2Session session(0, rec);
    const Bytes opaque { 0, 0, 0, 0, 0, 0, 0, 3 };
    deliver(session, Direction::ClientToServer, ks::test::frame(6, 0, 0, opaque), 1'000'000'000);
    deliver(session, Direction::ServerToClient, ks::test::frame(6, 1, 0, opaque), 1'000'400'000);
    EXPECT_NEAR(rec.events.back().rttMs, 0.4, 1e-9);
    deliver(session, Direction::ClientToServer, ks::test::frame(6, 0, 0, opaque), 3'000'000'000);
    session.senderClosed(Direction::ClientToServer);
    deliver(session, Direction::ServerToClient, ks::test::frame(6, 1, 0, opaque), 9'900'000'000);
    ASSERT_EQ(rec.events.back().type, EventType::PingAck);
    EXPECT_LT(rec.events.back().rttMs, 0);
    EXPECT_EQ(rec.events.back().pingIndex, 2); // still the answer to that PING: it is not unanswered
}
