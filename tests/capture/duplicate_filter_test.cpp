// Capture duplicates against retransmissions: what DuplicateFilter takes for the capture's copy.
#include "capture/duplicate_filter.h"

#include <gtest/gtest.h>

using ks::capture::DuplicateFilter;
using ks::capture::TcpSegment;

namespace {

TcpSegment segment(std::int32_t ipId, std::uint32_t seq = 1000)
{
    TcpSegment s;
    s.seq = seq;
    s.ack = 5000;
    s.flags = 0x18;
    s.window = 512;
    s.payloadLength = 17;
    s.ipId = ipId;
    return s;
}

} // namespace

TEST(DuplicateFilter, aCopyWithTheSameIpv4IdentificationIsADuplicate)
{
    DuplicateFilter f;
    EXPECT_FALSE(f.duplicate(1, 0, segment(77), 1'000'000));
    EXPECT_TRUE(f.duplicate(1, 0, segment(77), 1'010'000)); // 10 us later: a bridge's second port
    // A retransmission of the same bytes carries a new identification (Linux, Windows), even soon after.
    EXPECT_FALSE(f.duplicate(1, 0, segment(78), 1'020'000));
}

TEST(DuplicateFilter, withoutIdentificationOnlyACopyWithinMicrosecondsIsADuplicate)
{
    DuplicateFilter f;
    EXPECT_FALSE(f.duplicate(1, 1, segment(-1), 0)); // IPv6
    EXPECT_TRUE(f.duplicate(1, 1, segment(-1), 150'000));
    // 200 us later than the last copy: a data centre's fast retransmit could be that quick
    EXPECT_FALSE(f.duplicate(1, 1, segment(-1), 150'000 + DuplicateFilter::kNoIdNs + 1));
    EXPECT_FALSE(f.duplicate(2, 0, segment(0), 0)); // a stack that sends identification 0
    EXPECT_FALSE(f.duplicate(2, 0, segment(0), 5'000'000)); // 5 ms later: a retransmission
}

TEST(DuplicateFilter, otherConnectionsDirectionsAndSegmentsAreNotCopies)
{
    DuplicateFilter f;
    EXPECT_FALSE(f.duplicate(1, 0, segment(9), 0));
    EXPECT_FALSE(f.duplicate(2, 0, segment(9), 1)); // another connection
    EXPECT_FALSE(f.duplicate(1, 1, segment(9), 2)); // the other direction
    EXPECT_FALSE(f.duplicate(1, 0, segment(9, 2000), 3)); // the next segment
    TcpSegment ack = segment(9);
    ack.ack = 6000;
    EXPECT_FALSE(f.duplicate(1, 0, ack, 4)); // the same bytes with a newer ACK
}
