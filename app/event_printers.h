// Event sinks for the command line: a streaming JSON document and a readable text view.
#pragma once

#include "capture/event_emitter.h"
#include "core/connection_summary.h"
#include "core/event_json.h"
#include "core/finding.h"
#include "core/findings_analyzer.h"
#include "core/json_writer.h"
#include "core/lb_catalogue.h"
#include "rtt_table.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace ks::app {

struct RunInfo {
    std::string source;
    std::string linkType;
    int decimals = 6;
    std::uint64_t packets = 0;
    std::int64_t originNs = 0;
    std::vector<core::ConnectionSummary> connections;
    std::vector<std::string> warnings;
    // analyze: the findings and the profiles they were judged against (the text view lists them
    // only when showFindings is set; the JSON document always has "findings").
    bool showFindings = false;
    std::vector<core::Finding> findings;
    std::vector<core::LbCatalogueEntry> profiles;
};

// Writes {"source":..,"events":[..streamed..],"packets":..,"connections":[..],"findings":[..],..}.
class JsonPrinter final : public capture::EventSink {
public:
    JsonPrinter(std::FILE* out, bool flushEachEvent);
    void begin(const RunInfo& info);
    void onEvent(const core::Event& event) override;
    void end(const RunInfo& info);

private:
    void flush(bool force);

    std::FILE* m_out;
    bool m_flushEachEvent;
    int m_decimals = 6;
    bool m_firstEvent = true;
    core::EventJsonWriter m_writer { 6 };
    core::OutputBuffer m_events; // formatted events not yet written
    std::string m_buffer; // document head and tail
};

// One line per keepalive-relevant event as it arrives (all events with showAll), with its event
// index (what findings cite), then a summary per connection and the findings.
class TextPrinter final : public capture::EventSink {
public:
    TextPrinter(std::FILE* out, bool showAll, bool flushEachEvent);
    void begin(const RunInfo& info);
    void onEvent(const core::Event& event) override;
    void end(const RunInfo& info);

private:
    // Writes the buffer out once it holds 1 MiB (at once with force or flushEachEvent).
    void flush(bool force);

    std::FILE* m_out;
    bool m_showAll;
    bool m_flushEachEvent;
    int m_decimals = 6;
    core::SecondsColumn m_time; // the time column (its whole seconds change rarely)
    std::uint64_t m_printed = 0;
    RttTable m_rtt; // connections with a PING round trip
    core::OutputBuffer m_buffer; // lines not yet written
    std::string m_scratch;
};

// What analyze and lab print to standard output: the JSON document or the text view, with every
// event also handed to the findings analyzer. Aligned to lines of its own: the event pipe's
// worker writes it at every event, and on the stack beside it the engine's thread writes its own.
class alignas(128) EventOutput final : public capture::EventSink {
public:
    EventOutput(bool json, bool all, bool flushEachEvent, core::FindingsAnalyzer& analyzer);
    void begin(const RunInfo& info);
    bool begun() const { return m_begun; }
    void onEvent(const core::Event& event) override;
    void end(const RunInfo& info);
    bool json() const { return m_json != nullptr; }

private:
    std::unique_ptr<JsonPrinter> m_json;
    std::unique_ptr<TextPrinter> m_text;
    core::FindingsAnalyzer& m_analyzer;
    bool m_begun = false;
};

} // namespace ks::app
