// Events and connection summaries as the JSON objects of the DESIGN.md contract.
#pragma once

#include "connection_summary.h"
#include "event.h"
#include "json_writer.h"
#include "number_cache.h"

namespace ks::core {

// Appends event objects one after another; decimals: 6 for microsecond captures, 9 for
// nanosecond ones. What consecutive events share (the index counting up, the whole seconds of
// their times) is kept from one to the next, so a writer serves one stream of events in order.
class EventJsonWriter {
public:
    explicit EventJsonWriter(int decimals);
    // afterAnother: the event follows another in a list, ",\n" is written before it.
    void append(OutputBuffer& out, const Event& event, bool afterAnother = false);

private:
    int m_decimals;
    DecimalCounter m_index;
    SecondsColumn m_t;
    SecondsColumn m_ts;
};

// One event object (an EventJsonWriter's output for it).
void appendEventJson(OutputBuffer& out, const Event& event, int decimals);
// A connection summary as one JSON object (DESIGN.md's "connections" entries).
void appendConnectionJson(OutputBuffer& out, const ConnectionSummary& conn, std::int64_t originNs, int decimals);

} // namespace ks::core
