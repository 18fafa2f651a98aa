// The analyzer: events in (streaming, in index order), findings out. It keeps a small, bounded
// state per connection (clocks, counters, a window of recent intervals), never the events, so
// memory grows with connections, not with the capture.
#pragma once

#include "connection_summary.h"
#include "event.h"
#include "finding.h"
#include "keepalive_settings.h"
#include "lb_catalogue.h"

#include <memory>
#include <optional>
#include <vector>

namespace ks::core {

class SummaryLookup; // findings_state.h

struct AnalyzerOptions {
    std::vector<LbCatalogueEntry> profiles; // judged against (--lb); may be empty
    std::optional<KeepaliveSettings> settings; // the configured settings, when known
    // The input stopped where a read was cancelled, not at the capture's end: the texts say "the
    // read stopped (cancelled)" where they would say "the end of the capture".
    bool readCancelled = false;
};

class FindingsAnalyzer {
public:
    explicit FindingsAnalyzer(AnalyzerOptions options);
    ~FindingsAnalyzer();
    FindingsAnalyzer(const FindingsAnalyzer&) = delete;
    FindingsAnalyzer& operator=(const FindingsAnalyzer&) = delete;

    void onEvent(const Event& event);
    // The read was cancelled: what finish() writes speaks of where it stopped (AnalyzerOptions).
    void setReadCancelled() { options().readCancelled = true; }
    // End of input. connections: the engine's summaries (endpoints, for reconnect matching).
    std::vector<Finding> finish(const std::vector<ConnectionSummary>& connections);
    // The same, and writes each summary's endCause, endDetail, endEvidence and otherLeg (how it
    // ended, and the other leg of a proxy). Callers that show connections use this one.
    std::vector<Finding> finish(std::vector<ConnectionSummary>& connections);
    // The same, for the last time (no event follows): each connection's full state is freed as
    // soon as its rules ran, and every connection is forgotten on return, so a busy host's
    // per-connection state is handed back before the results are written.
    std::vector<Finding> finishLast(std::vector<ConnectionSummary>& connections);

    struct State; // findings_state.h

private:
    AnalyzerOptions& options();
    // The rules, over every connection (the ends' texts written through State::lookup).
    std::vector<Finding> judge(const SummaryLookup& lookup);

    std::unique_ptr<State> m_state;
};

} // namespace ks::core
