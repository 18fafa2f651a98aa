// Event text for the table, tooltips and CSV: names, times and the type-specific details.
#pragma once

#include "core/event.h"

#include "core/connection_summary.h"

#include <QString>

#include <cstdint>

namespace ks::ui {

QString eventTypeKey(core::EventType type); // "ping_ack": the JSON name
QString eventTypeTitle(core::EventType type); // "PING ACK": for people
QString directionText(core::Direction dir); // "c2s"
QString secondsText(std::int64_t ns, int decimals); // "3.008289"
QString eventDetails(const core::Event& event); // "opaque=0000000000000003 rtt=0.320 ms"
// A PING round trip in milliseconds as the timeline labels it: "0.32 ms", "12 ms"; under 0.01 ms
// in microseconds ("4 \u00b5s", "< 1 \u00b5s"), where "0.00 ms" would read as no time at all.
QString roundTripText(double ms);
QString inferredText(); // "inferred from TLS record sizes": an event with core::Event::inferred
// "TLS 1.3, h2, api.example.com" from a connection's TLS summary; empty when it is not TLS.
QString tlsLaneText(const core::ConnectionSummary& connection);

} // namespace ks::ui
