// Events and connection summaries as the JSON objects of the DESIGN.md contract.
#pragma once

#include "connection_summary.h"
#include "event.h"
#include "json_writer.h"

namespace ks::core {

// Appends one event object; decimals: 6 for microsecond captures, 9 for nanosecond ones.
void appendEventJson(OutputBuffer& out, const Event& event, int decimals);
// A connection summary as one JSON object (DESIGN.md's "connections" entries).
void appendConnectionJson(OutputBuffer& out, const ConnectionSummary& conn, std::int64_t originNs, int decimals);

} // namespace ks::core
