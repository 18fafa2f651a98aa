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

} // namespace ks::core
