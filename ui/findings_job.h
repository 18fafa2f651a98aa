// Findings computed off the GUI thread from a snapshot of the store (copies of its records and
// pools, never the store itself), one job at a time per tracker: a new run() makes earlier jobs
// stale, and their results are dropped by job id (hotspot's JobTracker idea). Nothing waits.
#pragma once

#include "core/connection_summary.h"
#include "core/finding.h"
#include "core/keepalive_settings.h"
#include "core/lb_catalogue.h"
#include "event_record.h"

#include <QObject>

#include <atomic>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ks::ui {

class EventStore;

// What the analyzer reads: the store's records and pools as copies, and the run's facts.
struct FindingsInput {
    std::deque<EventRecord> records;
    std::vector<std::string> strings;
    std::vector<SettingsEntry> settings;
    std::int64_t originNs = 0;
    std::vector<core::ConnectionSummary> connections;
    std::vector<core::LbCatalogueEntry> profiles;
    std::optional<core::KeepaliveSettings> keepalive; // the settings that drove a lab run
    // Events at or after this instant (ns since origin) are the lab's own shutdown: not diagnosed.
    std::int64_t untilRelNs = std::numeric_limits<std::int64_t>::max();
    // A lab run through its simulator: the simulator's own profile is judged on the channel's
    // connection only (the port it connected to); 0 when not.
    std::uint16_t channelPort = 0;
    // A lab run against the user's target ("host:port"; empty otherwise): refused connections to
    // it are said as a finding (lab_target_finding.h).
    std::string labTarget;
    bool readCancelled = false; // the store holds a cancelled read: texts say where it stopped
};

// Copies what the analyzer needs out of the store (GUI thread).
FindingsInput snapshotOf(const EventStore& store);
// The analysis itself, synchronous (worker side); cancel is polled every few thousand events.
// ends, when given, receives the input's connections with how each ended (endCause and its detail).
std::vector<core::Finding> analyzeSnapshot(
    const FindingsInput& input, const std::atomic<bool>& cancel, std::vector<core::ConnectionSummary>* ends = nullptr);

class FindingsJob : public QObject {
    Q_OBJECT
public:
    explicit FindingsJob(QObject* parent = nullptr);
    ~FindingsJob() override;

    // Starts a job on the global pool; returns its id. Earlier jobs become stale and are cancelled.
    int run(FindingsInput input);
    void cancel(); // the current job's result will not be delivered
    bool busy() const { return m_running != 0; }
    int currentId() const { return m_current; }

Q_SIGNALS:
    void finished(int id, const std::vector<ks::core::Finding>& findings,
        const std::vector<ks::core::ConnectionSummary>& connections);

private:
    std::shared_ptr<std::atomic<bool>> m_cancel; // the current job's
    int m_current = 0;
    int m_running = 0;
};

} // namespace ks::ui
