// The words that describe one event's type-specific fields ("opaque=... rtt=0.320 ms"), written
// once for the command line's text view, the window's table, tooltips and CSV export.
#pragma once

#include "core/event.h"

#include <string>
#include <string_view>

namespace ks::core {

// An event known only from TLS record sizes (Event::inferred): what stands for its fields.
inline constexpr std::string_view kInferredDetail = "inferred from TLS record sizes";

// Appends the details of e to out (nothing for an event without fields, e.g. syn, fin, preface).
void appendEventDetail(std::string& out, const Event& e);
std::string eventDetail(const Event& e);

// The same words for the fixed-size events the text view prints most (PING, PING ACK, TCP
// keep-alive and its ACK, zero-window probe, SYN, FIN, RST), written at p, which has room for
// kShortDetailMax characters; returns the end, or nullptr when e is of another type.
inline constexpr std::size_t kShortDetailMax = 128;
char* writeShortDetail(char* p, const Event& e);

} // namespace ks::core
