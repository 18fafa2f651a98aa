// Framer and reassembly: split, coalesced, retransmitted, reordered and lost bytes.
#include "capture/frame_builder.h"
#include "capture/http2_framer.h"
#include "capture/stream_reassembler.h"

#include <gtest/gtest.h>

#include <random>

using namespace ks::test;
using ks::capture::Http2Framer;
using ks::capture::StreamReassembler;

namespace {

const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// A client stream: preface, SETTINGS, a HEADERS-like frame, DATA, PINGs and a GOAWAY.
Bytes clientStream()
{
    Bytes s(kPreface.begin(), kPreface.end());
    append(s, frame(4, 0, 0, Bytes { 0, 3, 0, 0, 0, 100 }));
    append(s, frame(1, 0x04, 1, Bytes { 0x83, 0x86, 0x84 }));
    append(s, data(1, 300, true));
    append(s, ping(0x0102030405060708));
    append(s, ping(42, true));
    append(s, goaway(1, 11, "too_many_pings"));
    return s;
}

std::vector<RecordedFrame> framesOf(const Bytes& stream, Http2Framer::Mode mode = Http2Framer::Mode::Preface)
{
    FrameRecorder rec;
    Http2Framer framer(mode);
    framer.setListener(&rec);
    framer.feed(stream, 0);
    return rec.frames;
}

} // namespace

TEST(Http2Framer, wholeStreamYieldsEveryFrameWithPayloadsExceptData)
{
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    framer.feed(clientStream(), 0);
    EXPECT_EQ(rec.prefaces, 1);
    ASSERT_EQ(rec.frames.size(), 6u);
    EXPECT_EQ(rec.frames[2].type, 0);
    EXPECT_EQ(rec.frames[2].length, 300u);
    EXPECT_TRUE(rec.frames[2].payload.empty()); // DATA payloads are skipped, not buffered
    EXPECT_EQ(rec.frames[5].type, 7);
    EXPECT_EQ(std::string(rec.frames[5].payload.begin() + 8, rec.frames[5].payload.end()), "too_many_pings");
}

TEST(Http2Framer, frameSplitByteByByteAcrossSegmentsMatchesWholeStream)
{
    const Bytes stream = clientStream();
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    for (std::uint8_t b : stream)
        framer.feed(std::span(&b, 1), 0);
    EXPECT_EQ(rec.prefaces, 1);
    EXPECT_EQ(rec.frames, framesOf(stream));
    EXPECT_EQ(rec.desyncs, 0);
}

TEST(Http2Framer, manyFramesInOneSegmentAreAllReported)
{
    Bytes s(kPreface.begin(), kPreface.end());
    for (std::uint64_t i = 0; i < 500; ++i)
        append(s, ping(i));
    const auto frames = framesOf(s);
    ASSERT_EQ(frames.size(), 500u);
    EXPECT_EQ(frames[499].payload, Bytes({ 0, 0, 0, 0, 0, 0, 1, 0xf3 }));
}

TEST(Http2Framer, retransmittedAndReorderedSegmentsAreDeliveredOnceInOrder)
{
    const Bytes stream = clientStream();
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    StreamReassembler tcp(framer);
    const std::uint32_t isn = 0xfffffff0; // sequence numbers wrap inside the stream
    tcp.setInitialSequence(isn + 1);
    auto seg = [&](std::size_t from, std::size_t to) {
        tcp.segment(isn + 1 + static_cast<std::uint32_t>(from), std::span(stream.data() + from, to - from),
            static_cast<std::uint32_t>(to - from), 0);
    };
    const std::size_t n = stream.size();
    seg(0, 30);
    seg(100, 200); // arrives early
    seg(60, 130); // overlaps both neighbours
    seg(0, 30); // plain retransmission
    seg(30, 60); // fills the hole
    seg(200, n);
    seg(150, n); // late retransmission of the tail
    EXPECT_EQ(rec.prefaces, 1);
    EXPECT_EQ(rec.frames, framesOf(stream));
    EXPECT_EQ(tcp.gapBytes(), 0u);
    EXPECT_EQ(rec.desyncs, 0);
}

TEST(Http2Framer, gapInTheMiddleOfAFrameResynchronisesOnFollowingFrames)
{
    Bytes s(kPreface.begin(), kPreface.end());
    append(s, frame(1, 0x04, 1, Bytes(40, 0x41))); // HEADERS that will lose bytes
    const std::size_t cutFrom = s.size() - 20;
    append(s, ping(1));
    append(s, ping(2));
    append(s, ping(3, true));
    append(s, goaway(5, 0, "bye"));

    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    StreamReassembler tcp(framer);
    tcp.setInitialSequence(1000);
    tcp.segment(1000, std::span(s.data(), cutFrom), static_cast<std::uint32_t>(cutFrom), 0);
    // 10 bytes of the HEADERS payload are never captured, and the hold times out.
    const std::size_t resume = cutFrom + 10;
    tcp.segment(1000 + static_cast<std::uint32_t>(resume), std::span(s.data() + resume, s.size() - resume),
        static_cast<std::uint32_t>(s.size() - resume), 0);
    tcp.flush();
    // The resumed segment starts inside the HEADERS: nothing there proves a frame boundary
    // until the stream ends at its FIN, where the chain of frames ends exactly.
    EXPECT_TRUE(rec.frames.empty());
    framer.finish(true);
    EXPECT_EQ(tcp.gapBytes(), 10u);
    EXPECT_GE(rec.desyncs, 1);
    std::vector<std::uint8_t> types;
    for (const auto& f : rec.frames)
        types.push_back(f.type);
    ASSERT_EQ(types, (std::vector<std::uint8_t> { 6, 6, 6, 7 })); // the damaged HEADERS is dropped
    EXPECT_EQ(std::string(rec.frames[3].payload.begin() + 8, rec.frames[3].payload.end()), "bye");
}

TEST(Http2Framer, snaplenCutInsideDataPayloadKeepsAlignment)
{
    Bytes s(kPreface.begin(), kPreface.end());
    append(s, data(1, 1000));
    append(s, ping(7));
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    StreamReassembler tcp(framer);
    tcp.setInitialSequence(1);
    // The DATA segment was captured with a 100-byte snaplen: 100 of its 1033 bytes are there.
    const std::size_t dataEnd = kPreface.size() + 9 + 1000;
    tcp.segment(1, std::span(s.data(), 100), static_cast<std::uint32_t>(dataEnd), 0);
    tcp.segment(1 + static_cast<std::uint32_t>(dataEnd), std::span(s.data() + dataEnd, s.size() - dataEnd),
        static_cast<std::uint32_t>(s.size() - dataEnd), 0);
    EXPECT_EQ(rec.desyncs, 0);
    ASSERT_EQ(rec.frames.size(), 2u);
    EXPECT_EQ(rec.frames[1].type, 6);
}

TEST(Http2Framer, midConnectionCaptureLocksOnASegmentHoldingOnePing)
{
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Hunting);
    framer.setListener(&rec);
    Bytes tail(37, 0x5a); // the end of some frame whose start is not in the capture
    framer.feed(tail, 0);
    const Bytes p = ping(99);
    framer.feed(p, 1);
    ASSERT_EQ(rec.frames.size(), 1u);
    EXPECT_EQ(rec.frames[0].type, 6);
    EXPECT_EQ(framer.mode(), Http2Framer::Mode::Frames);
    framer.feed(goaway(3, 0, ""), 2);
    EXPECT_EQ(rec.frames.size(), 2u);
}

TEST(Http2Framer, nonHttp2StreamIsIgnored)
{
    const std::string http1 = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    framer.feed(std::span(reinterpret_cast<const std::uint8_t*>(http1.data()), http1.size()), 0);
    framer.feed(ping(1), 0);
    EXPECT_EQ(framer.mode(), Http2Framer::Mode::Opaque);
    EXPECT_TRUE(rec.frames.empty());
}

TEST(Http2Framer, randomBytesNeverLockAsFrames)
{
    std::mt19937 rng(1234);
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Hunting);
    framer.setListener(&rec);
    Bytes chunk(1400);
    for (int i = 0; i < 3200; ++i) { // 4.5 MB: past the hunting budget
        for (auto& b : chunk)
            b = static_cast<std::uint8_t>(rng());
        framer.feed(chunk, i);
    }
    EXPECT_TRUE(rec.frames.empty());
    EXPECT_EQ(framer.mode(), Http2Framer::Mode::Opaque); // gave up after the hunting budget
}

TEST(Http2Framer, malformedPingOnAStreamDoesNotHideTheFramesAfterIt)
{
    // A PING on stream 1 breaks RFC 9113 section 6.7, but its length still delimits it: tshark
    // shows it and the 100 valid PINGs after it (101 PING frames).
    Bytes s(kPreface.begin(), kPreface.end());
    append(s, frame(6, 0, 1, Bytes(8, 0xab)));
    for (std::uint64_t i = 0; i < 100; ++i)
        append(s, ping(i));
    for (bool byteByByte : { false, true }) {
        FrameRecorder rec;
        Http2Framer framer(Http2Framer::Mode::Preface);
        framer.setListener(&rec);
        if (byteByByte)
            for (std::uint8_t b : s)
                framer.feed(std::span(&b, 1), 0);
        else
            framer.feed(s, 0);
        ASSERT_EQ(rec.frames.size(), 101u) << "byte by byte: " << byteByByte;
        EXPECT_EQ(rec.frames[0].stream, 1u);
        EXPECT_EQ(rec.frames[100].payload, Bytes({ 0, 0, 0, 0, 0, 0, 0, 99 }));
        EXPECT_EQ(rec.desyncs, 0);
    }
}

TEST(Http2Framer, shortGoawaysDoNotHideTheValidGoawayAfterThem)
{
    Bytes s(kPreface.begin(), kPreface.end());
    for (std::size_t len : { 0u, 1u, 4u, 7u })
        append(s, frame(7, 0, 0, Bytes(len, 0)));
    append(s, goaway(3, 11, "too_many_pings"));
    const auto frames = framesOf(s);
    ASSERT_EQ(frames.size(), 5u);
    EXPECT_EQ(frames[4].type, 7);
    EXPECT_EQ(frames[4].length, 8u + 14u);
}

TEST(Http2Framer, aBrokenHeaderFollowedByNoFrameStillHuntsForTheNextBoundary)
{
    // Nine bytes that are no frame header, then garbage where its "length" ends: alignment is
    // lost, and the framer finds the PINGs again.
    Bytes s(kPreface.begin(), kPreface.end());
    append(s, ping(1));
    append(s, Bytes { 0, 0, 3, 6, 0xff, 0, 0, 0, 1, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee });
    for (std::uint64_t i = 0; i < 5; ++i)
        append(s, ping(100 + i));
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    framer.feed(s, 0);
    framer.finish(true); // one segment: the PINGs after the garbage end where the stream ends
    EXPECT_EQ(rec.desyncs, 1);
    ASSERT_GE(rec.frames.size(), 6u);
    EXPECT_EQ(rec.frames.back().payload, Bytes({ 0, 0, 0, 0, 0, 0, 0, 104 }));
    for (std::size_t i = 1; i < rec.frames.size(); ++i)
        EXPECT_EQ(rec.frames[i].type, 6);
}

TEST(StreamReassembler, aHoleThePeerAcknowledgedIsSkippedAtOnceButAnEarlyAckSkipsNothing)
{
    Bytes s(kPreface.begin(), kPreface.end());
    for (std::uint64_t i = 0; i < 4; ++i)
        append(s, ping(i)); // 24 + 4 * 17 bytes
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::Preface);
    framer.setListener(&rec);
    StreamReassembler tcp(framer);
    tcp.setInitialSequence(1);
    auto seg = [&](std::size_t from, std::size_t to) {
        tcp.segment(1 + static_cast<std::uint32_t>(from), std::span(s.data() + from, to - from),
            static_cast<std::uint32_t>(to - from), 0);
    };
    seg(0, 41); // preface + first PING
    // tcpdump -i any can show the peer's ACK before the data it acknowledges: no gap yet.
    tcp.acknowledged(1 + 58);
    seg(41, 58); // second PING, in order
    EXPECT_EQ(tcp.gapBytes(), 0u);
    EXPECT_EQ(rec.frames.size(), 2u);
    // The third PING never reaches the capture, but the peer acknowledged it: the fourth is
    // delivered at once instead of waiting for a retransmission that will not come.
    tcp.acknowledged(1 + 75);
    seg(75, 92);
    EXPECT_EQ(tcp.gapBytes(), 17u);
    ASSERT_EQ(rec.frames.size(), 3u);
    EXPECT_EQ(rec.frames[2].payload, Bytes({ 0, 0, 0, 0, 0, 0, 0, 3 }));
}

namespace {

// A server stream whose DATA payloads carry HTTP/2 themselves (a gRPC or CONNECT tunnel): four
// DATA frames of 16000 bytes filled with a tunnelled PING, PING ACK and GOAWAY
// ENHANCE_YOUR_CALM "too_many_pings" over and over, sent 1000 bytes per segment, then five real
// PINGs of their own segments and a real GOAWAY NO_ERROR (the hunt D capture h2tunnel.pcap).
struct TunnelStream {
    std::vector<Bytes> segments;
    std::size_t firstDataPayload = 0; // byte offset of the first DATA frame's payload
};

TunnelStream tunnelStream()
{
    Bytes inner;
    while (inner.size() < 4 * 16000) {
        append(inner, ping(0x46414b4550494e47)); // "FAKEPING"
        append(inner, ping(0x46414b4550494e47, true));
        append(inner, goaway(0, 11, "too_many_pings"));
    }
    Bytes outer;
    TunnelStream t;
    t.firstDataPayload = 9;
    for (std::size_t k = 0; k < 4; ++k)
        append(outer, frame(0, 0, 1, Bytes(inner.begin() + 16000 * k, inner.begin() + 16000 * (k + 1))));
    for (std::size_t at = 0; at < outer.size(); at += 1000)
        t.segments.emplace_back(outer.begin() + at, outer.begin() + std::min(outer.size(), at + 1000));
    for (std::uint64_t i = 0; i < 5; ++i)
        t.segments.push_back(ping(100 + i));
    t.segments.push_back(goaway(1, 0, ""));
    return t;
}

void expectNoTunnelledFrame(const FrameRecorder& rec)
{
    std::size_t realPings = 0;
    for (const auto& f : rec.frames) {
        EXPECT_FALSE(f.type == 6 && f.payload == Bytes({ 'F', 'A', 'K', 'E', 'P', 'I', 'N', 'G' }))
            << "a PING from inside a DATA payload";
        EXPECT_FALSE(f.type == 7 && f.payload.size() >= 8 && f.payload[7] == 11)
            << "a GOAWAY from inside a DATA payload";
        realPings += f.type == 6 && f.payload[0] == 0 && f.payload[7] >= 100;
    }
    EXPECT_EQ(realPings, 5u);
    ASSERT_FALSE(rec.frames.empty());
    EXPECT_EQ(rec.frames.back().type, 7); // the real GOAWAY NO_ERROR
    EXPECT_EQ(rec.frames.back().payload[7], 0);
}

} // namespace

// Hunting after a capture starts inside such a DATA payload, or after a lost packet that held
// the next DATA header, met a run of "plausible headers" inside the payload, locked on it and
// reported hundreds of PINGs and GOAWAY ENHANCE_YOUR_CALM that were never sent (false
// too_many_pings errors). tshark on the same captures shows none of them (it takes a segment's
// start as a frame start and loses the rest). A chain of frame headers proves nothing inside one
// DATA payload: only a whole segment of one frame, two segment ends in a row, a chain longer
// than any one frame, or the FIN may lock a hunt.
TEST(Http2Framer, framesTunnelledInsideDataAreNeverReportedAfterAClippedStart)
{
    const auto t = tunnelStream();
    for (std::size_t clip : { 17u, 31u, 45u, 60u }) { // the capture starts inside segment 0
        FrameRecorder rec;
        Http2Framer framer(Http2Framer::Mode::Hunting);
        framer.setListener(&rec);
        framer.feed(std::span(t.segments[0]).subspan(clip), 0);
        for (std::size_t k = 1; k < t.segments.size(); ++k)
            framer.feed(t.segments[k], static_cast<std::int64_t>(k));
        framer.finish(true);
        SCOPED_TRACE("clip " + std::to_string(clip));
        expectNoTunnelledFrame(rec);
    }
}

TEST(Http2Framer, framesTunnelledInsideDataAreNeverReportedAfterALostSegment)
{
    const auto t = tunnelStream();
    // Segment 16 holds the second DATA frame's header (bytes 16009..16017): it is lost.
    FrameRecorder rec;
    Http2Framer framer(Http2Framer::Mode::ServerPreface);
    framer.setListener(&rec);
    framer.feed(Bytes { 0, 0, 0, 4, 0, 0, 0, 0, 0 }, 0); // SETTINGS
    for (std::size_t k = 0; k < t.segments.size(); ++k) {
        if (k == 16) {
            framer.gap(t.segments[k].size());
            continue;
        }
        framer.feed(t.segments[k], static_cast<std::int64_t>(k));
    }
    framer.finish(true);
    EXPECT_EQ(rec.frames.front().type, 4);
    expectNoTunnelledFrame(rec);
}

TEST(Http2Framer, aHuntLockedLateReportsEachFrameAtItsOwnSegmentTime)
{
    // Mid-connection: a segment of two PINGs is proved only by the next segment's end; its frames
    // keep its capture time, not the time of the segment that proved them.
    struct Times final : ks::capture::Http2FrameListener {
        std::vector<std::int64_t> ts;
        void onPreface(std::int64_t) override { }
        void onFrame(const ks::capture::FrameHeader&, std::span<const std::uint8_t>, bool, std::int64_t t) override
        {
            ts.push_back(t);
        }
        void onDesync() override { }
    } times;
    Http2Framer framer(Http2Framer::Mode::Hunting);
    framer.setListener(&times);
    framer.feed(Bytes(13, 0x5a), 0); // the tail of a frame whose start is not in the capture
    Bytes first = ping(1);
    append(first, ping(2));
    framer.feed(first, 1'000'000'000);
    EXPECT_TRUE(times.ts.empty()); // not proved yet
    Bytes second = ping(3);
    append(second, ping(4, true));
    framer.feed(second, 2'000'000'000);
    framer.feed(ping(5), 3'000'000'000);
    EXPECT_EQ(times.ts,
        (std::vector<std::int64_t> { 1'000'000'000, 1'000'000'000, 2'000'000'000, 2'000'000'000, 3'000'000'000 }));
}
