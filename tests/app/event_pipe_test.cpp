// EventPipe: the worker passes every event on, in order and whole (fields, SETTINGS values,
// texts), across batches and a full queue, and drain() is a barrier.
#include "app/event_pipe.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

using ks::app::EventPipe;
using ks::core::Event;
using ks::core::EventType;

struct Recorder final : ks::capture::EventSink {
    std::vector<Event> seen;
    std::uint64_t throwAt = ~std::uint64_t(0);
    void onEvent(const Event& event) override
    {
        if (event.index == throwAt)
            throw std::runtime_error("sink failed at " + std::to_string(event.index));
        seen.push_back(event);
    }
};

// Event i: every field varies with i; texts in some events (empty in others, so a reused event
// must lose the text of the one before); SETTINGS values in one event in seven, fewer than before.
Event numbered(std::uint64_t i)
{
    Event e;
    e.index = i;
    e.tsNs = static_cast<std::int64_t>(i) * 1000 + 1'700'000'000'000'000'000;
    e.relNs = static_cast<std::int64_t>(i) * 1000;
    e.conn = static_cast<std::uint32_t>(i % 97);
    e.dir = i % 2 ? ks::core::Direction::ServerToClient : ks::core::Direction::ClientToServer;
    e.type = static_cast<EventType>(i % ks::core::kEventTypeCount);
    e.inferred = i % 3 == 0;
    e.inferredShared = i % 5 == 0;
    e.inferredCrossing = i % 7 == 0;
    e.besideWindowUpdates = i % 11 == 0;
    e.peerDataAcked = i % 13 == 0;
    e.ownDataAcked = i % 17 == 0;
    e.timeHeld = i % 19 == 0;
    e.seq = static_cast<std::uint32_t>(i * 2654435761u);
    e.stream = static_cast<std::uint32_t>(2 * i + 1);
    e.length = static_cast<std::uint32_t>(i * 31);
    e.endStream = i % 4 == 0;
    e.ack = i % 6 == 0;
    e.opaque = i * 0x9e3779b97f4a7c15ull;
    e.rttMs = static_cast<double>(i) / 7.0;
    e.pingIndex = static_cast<std::int64_t>(i) - 3;
    e.lastStreamId = static_cast<std::uint32_t>(i * 3);
    e.errorCode = static_cast<std::uint32_t>(i % 14);
    e.hpack = static_cast<ks::core::HpackState>(i % 4);
    e.grpcStatus = static_cast<int>(i % 17) - 1;
    e.durationMs = static_cast<double>(i) / 3.0;
    if (i % 7 == 0) {
        e.settingsCount = static_cast<std::uint8_t>(12 - i % 12);
        for (std::uint8_t s = 0; s < e.settingsCount; ++s)
            e.settings[s] = { static_cast<std::uint16_t>(s + 1), static_cast<std::uint32_t>(i + s) };
    }
    if (i % 5 == 0)
        e.debug = i % 25 == 0 ? std::string(300, 'x') + std::to_string(i) : "too_many_pings";
    if (i % 2 == 0)
        e.path = "/kagen.Echo/Echo";
    if (i % 9 == 0)
        e.grpcMessage = "deadline \xc2\xb5s " + std::to_string(i);
    if (i % 10 == 0) {
        e.state = "READY";
        e.method = "Echo";
        e.status = "OK";
        e.message = std::to_string(i);
    }
    return e;
}

// Field by field (EventFields crosses as one block, padding included, so a field added there
// crosses too; the block's padding of two separately made events differs, so no memcmp).
void expectSame(const Event& got, const Event& want)
{
    const auto fields = [](const Event& e) {
        return std::make_tuple(e.index, e.tsNs, e.relNs, e.conn, e.dir, e.type, e.inferred, e.inferredShared,
            e.inferredCrossing, e.besideWindowUpdates, e.peerDataAcked, e.ownDataAcked, e.timeHeld, e.seq, e.stream,
            e.length, e.endStream, e.ack, e.settingsCount, e.opaque, e.rttMs, e.pingIndex, e.lastStreamId, e.errorCode,
            e.hpack, e.grpcStatus, e.durationMs);
    };
    ASSERT_TRUE(fields(got) == fields(want)) << "event " << want.index;
    for (std::size_t s = 0; s < want.settings.size(); ++s) {
        ASSERT_EQ(got.settings[s].id, want.settings[s].id) << "event " << want.index << " setting " << s;
        ASSERT_EQ(got.settings[s].value, want.settings[s].value) << "event " << want.index << " setting " << s;
    }
    ASSERT_EQ(got.debug, want.debug) << "event " << want.index;
    ASSERT_EQ(got.path, want.path) << "event " << want.index;
    ASSERT_EQ(got.grpcMessage, want.grpcMessage) << "event " << want.index;
    ASSERT_EQ(got.state, want.state) << "event " << want.index;
    ASSERT_EQ(got.method, want.method) << "event " << want.index;
    ASSERT_EQ(got.status, want.status) << "event " << want.index;
    ASSERT_EQ(got.message, want.message) << "event " << want.index;
}

// More events than kMaxQueuedBatches + 2 batches hold, whatever their packed size.
constexpr std::uint64_t kMany = (EventPipe::kMaxQueuedBatches + 4) * EventPipe::kBatchBytes / 100;

TEST(EventPipe, passesEveryEventOnInOrderAndWhole)
{
    Recorder sink;
    {
        EventPipe pipe(sink);
        for (std::uint64_t i = 0; i < kMany; ++i)
            pipe.onEvent(numbered(i));
        pipe.drain();
        ASSERT_EQ(sink.seen.size(), kMany); // drain() returns after the last one, not a batch early
    }
    for (std::uint64_t i = 0; i < kMany; ++i)
        expectSame(sink.seen[i], numbered(i));
}

TEST(EventPipe, aTextLongerThanABatchCrossesWhole)
{
    Recorder sink;
    EventPipe pipe(sink);
    pipe.onEvent(numbered(1));
    Event big = numbered(2);
    big.debug = std::string(3 * EventPipe::kBatchBytes, 'd') + "end";
    pipe.onEvent(big);
    pipe.onEvent(numbered(3));
    pipe.drain();
    ASSERT_EQ(sink.seen.size(), 3u);
    expectSame(sink.seen[0], numbered(1));
    expectSame(sink.seen[1], big);
    expectSame(sink.seen[2], numbered(3));
}

TEST(EventPipe, drainIsABarrierAndThePipeGoesOnAfterIt)
{
    Recorder sink;
    EventPipe pipe(sink);
    pipe.drain(); // nothing yet: returns at once
    EXPECT_TRUE(sink.seen.empty());
    for (std::uint64_t i = 0; i < 3; ++i)
        pipe.onEvent(numbered(i));
    pipe.drain(); // a part batch goes out too
    EXPECT_EQ(sink.seen.size(), 3u);
    for (std::uint64_t i = 3; i < kMany; ++i)
        pipe.onEvent(numbered(i));
    pipe.drain();
    ASSERT_EQ(sink.seen.size(), kMany);
    EXPECT_EQ(sink.seen.back().index, kMany - 1);
}

TEST(EventPipe, theDestructorPassesOnWhatIsLeft)
{
    Recorder sink;
    {
        EventPipe pipe(sink);
        for (std::uint64_t i = 0; i < kMany; ++i)
            pipe.onEvent(numbered(i));
    }
    EXPECT_EQ(sink.seen.size(), kMany);
}

TEST(EventPipe, whatTheSinkThrowsReachesTheCallerOfDrain)
{
    Recorder sink;
    sink.throwAt = 1000;
    EventPipe pipe(sink);
    // Far more than the queue holds: the engine's thread must not wait for a worker that stopped.
    for (std::uint64_t i = 0; i < 4 * kMany; ++i)
        pipe.onEvent(numbered(i));
    EXPECT_THROW(pipe.drain(), std::runtime_error);
    EXPECT_EQ(sink.seen.size(), 1000u);
}

} // namespace
