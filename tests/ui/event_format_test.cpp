// The window's event wording that has no widget to it: a PING round trip as the timeline labels it.
#include "ui/event_format.h"

#include <gtest/gtest.h>

using ks::ui::roundTripText;

TEST(EventFormat, roundTripsReadInMillisecondsAndUnderTenMicrosecondsInMicroseconds)
{
    EXPECT_EQ(roundTripText(0.32).toStdString(), "0.32 ms");
    EXPECT_EQ(roundTripText(9.994).toStdString(), "9.99 ms");
    EXPECT_EQ(roundTripText(12.4).toStdString(), "12 ms");
    EXPECT_EQ(roundTripText(0.01).toStdString(), "0.01 ms");
    // Loopback with nanosecond timestamps: never "0.00 ms", as if no time passed.
    EXPECT_EQ(roundTripText(0.004).toStdString(), "4 \u00b5s");
    EXPECT_EQ(roundTripText(0.0094).toStdString(), "9 \u00b5s");
    EXPECT_EQ(roundTripText(0.0002).toStdString(), "< 1 \u00b5s");
}
