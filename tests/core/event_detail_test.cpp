// One event's details, as the command line's text view and the window's table both show them:
// each type's words, and the numbers as printf's %u, %016x and %.3f would print them.
#include "core/event_detail.h"

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <random>
#include <string>

using namespace ks::core;

namespace {

Event make(EventType type)
{
    Event e;
    e.type = type;
    return e;
}

} // namespace

TEST(EventDetail, pingShowsTheOpaqueDataAsSixteenHexDigits)
{
    Event e = make(EventType::Ping);
    e.opaque = 0x3;
    EXPECT_EQ(eventDetail(e), "opaque=0000000000000003");
    e.opaque = 0xfedcba9876543210ull;
    EXPECT_EQ(eventDetail(e), "opaque=fedcba9876543210");
}

TEST(EventDetail, pingAckShowsTheRoundTripOrThatThePingWasNotSeen)
{
    Event e = make(EventType::PingAck);
    e.opaque = 0x1122334455667788ull;
    e.rttMs = 0.3204;
    EXPECT_EQ(eventDetail(e), "opaque=1122334455667788  rtt=0.320 ms");
    e.rttMs = -1;
    EXPECT_EQ(eventDetail(e), "opaque=1122334455667788  (PING not in capture)");
    e.pingIndex = 7; // paired, but the PING's sender had closed before it came
    EXPECT_EQ(eventDetail(e), "opaque=1122334455667788  (after the PING's sender closed: no round trip)");
}

TEST(EventDetail, inferredPingsSayHowTheyWereKnownInsteadOfAnOpaque)
{
    Event e = make(EventType::Ping);
    e.inferred = true;
    e.opaque = 0x42;
    EXPECT_EQ(eventDetail(e), "inferred from TLS record sizes");
    e.type = EventType::PingAck;
    e.rttMs = 12.5;
    EXPECT_EQ(eventDetail(e), "inferred from TLS record sizes  rtt=12.500 ms");
    EXPECT_EQ(kInferredDetail, "inferred from TLS record sizes");
}

TEST(EventDetail, goawayNamesTheErrorCodeAndQuotesTheDebugText)
{
    Event e = make(EventType::Goaway);
    e.errorCode = 11;
    e.lastStreamId = 7;
    EXPECT_EQ(eventDetail(e), "ENHANCE_YOUR_CALM (11) last_stream=7");
    e.debug = "too_many_pings";
    EXPECT_EQ(eventDetail(e), "ENHANCE_YOUR_CALM (11) last_stream=7 debug=\"too_many_pings\"");
    e.errorCode = 0x1234; // not in RFC 9113: the name says so, the number stays
    EXPECT_EQ(eventDetail(e), "UNKNOWN (4660) last_stream=7 debug=\"too_many_pings\"");
}

TEST(EventDetail, rstStreamShowsTheStreamAndTheError)
{
    Event e = make(EventType::RstStream);
    e.stream = 5;
    e.errorCode = 8;
    EXPECT_EQ(eventDetail(e), "stream=5 CANCEL (8)");
}

TEST(EventDetail, tcpKeepaliveShowsTheSequenceNumber)
{
    Event e = make(EventType::TcpKeepalive);
    e.seq = 4294967295u;
    EXPECT_EQ(eventDetail(e), "seq=4294967295");
    e.type = EventType::TcpKeepaliveAck;
    e.seq = 0;
    EXPECT_EQ(eventDetail(e), "seq=0");
    e.type = EventType::ZeroWindowProbe;
    e.seq = 77;
    EXPECT_EQ(eventDetail(e), "seq=77");
}

TEST(EventDetail, headersShowPathStatusMessageAndUndecodedFields)
{
    Event e = make(EventType::Headers);
    e.stream = 1;
    EXPECT_EQ(eventDetail(e), "stream=1");
    e.path = "/grpc.health.v1.Health/Check";
    e.endStream = true;
    EXPECT_EQ(eventDetail(e), "stream=1 end_stream path=/grpc.health.v1.Health/Check");
    e.path.clear();
    e.grpcStatus = 14;
    e.grpcMessage = "Socket closed";
    EXPECT_EQ(eventDetail(e), "stream=1 end_stream grpc-status=14 grpc-message=\"Socket closed\"");
    e.grpcStatus = 0;
    e.grpcMessage.clear();
    e.hpack = HpackState::UnknownDynamicTable;
    EXPECT_EQ(eventDetail(e),
        "stream=1 end_stream grpc-status=0 (header fields refer to HPACK state from before the capture: not decoded)");
    e.hpack = HpackState::Malformed;
    EXPECT_EQ(eventDetail(e), "stream=1 end_stream grpc-status=0 (malformed HPACK header block: not decoded)");
}

TEST(EventDetail, dataAndWindowUpdateShowLengthAndIncrement)
{
    Event e = make(EventType::Data);
    e.stream = 3;
    e.length = 16384;
    EXPECT_EQ(eventDetail(e), "stream=3 length=16384");
    e.endStream = true;
    EXPECT_EQ(eventDetail(e), "stream=3 length=16384 end_stream");
    e.type = EventType::WindowUpdate;
    e.stream = 0;
    e.length = 983041;
    EXPECT_EQ(eventDetail(e), "stream=0 increment=983041");
}

TEST(EventDetail, settingsListNamedValuesAfterAnAck)
{
    Event e = make(EventType::Settings);
    EXPECT_EQ(eventDetail(e), "");
    e.settingsCount = 2;
    e.settings[0] = { 3, 100 };
    e.settings[1] = { 4, 65535 };
    EXPECT_EQ(eventDetail(e), "MAX_CONCURRENT_STREAMS=100 INITIAL_WINDOW_SIZE=65535");
    e.ack = true;
    EXPECT_EQ(eventDetail(e), "ack MAX_CONCURRENT_STREAMS=100 INITIAL_WINDOW_SIZE=65535");
    e.settingsCount = 0;
    EXPECT_EQ(eventDetail(e), "ack");
}

TEST(EventDetail, labEventsShowStateAndRpcOutcome)
{
    Event e = make(EventType::ChannelState);
    e.state = "TRANSIENT_FAILURE";
    EXPECT_EQ(eventDetail(e), "TRANSIENT_FAILURE");
    e = make(EventType::Rpc);
    e.method = "/ks.lab.Lab/Unary";
    e.status = "UNAVAILABLE";
    e.durationMs = 20012.46;
    e.message = "Socket closed";
    EXPECT_EQ(eventDetail(e), "/ks.lab.Lab/Unary UNAVAILABLE 20012.5 ms \"Socket closed\"");
    e.durationMs = -1; // not measured: no "-1.0 ms"
    e.message.clear();
    EXPECT_EQ(eventDetail(e), "/ks.lab.Lab/Unary UNAVAILABLE");
}

TEST(EventDetail, eventsWithoutFieldsHaveNoDetails)
{
    for (const auto type : { EventType::Syn, EventType::Fin, EventType::Rst, EventType::Preface })
        EXPECT_EQ(eventDetail(make(type)), "") << eventTypeName(type);
}

TEST(EventDetail, appendsToWhatIsAlreadyThere)
{
    Event e = make(EventType::TcpKeepalive);
    e.seq = 9;
    std::string line = "#12 ";
    appendEventDetail(line, e);
    EXPECT_EQ(line, "#12 seq=9");
}

TEST(EventDetail, numbersAreWhatPrintfPrints)
{
    std::mt19937_64 random(15);
    char expected[128];
    for (int i = 0; i < 20000; ++i) {
        Event e = make(EventType::PingAck);
        e.opaque = random();
        e.rttMs = static_cast<double>(random() % 100000000) / 997.0;
        std::snprintf(expected, sizeof expected, "opaque=%016" PRIx64 "  rtt=%.3f ms", e.opaque, e.rttMs);
        ASSERT_EQ(eventDetail(e), expected);
        Event d = make(EventType::Data);
        d.stream = static_cast<std::uint32_t>(random());
        d.length = static_cast<std::uint32_t>(random() >> (random() % 32));
        std::snprintf(expected, sizeof expected, "stream=%u length=%u", d.stream, d.length);
        ASSERT_EQ(eventDetail(d), expected);
    }
}
