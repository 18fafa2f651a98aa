// The window's events: append-only, one compact record per event, indexed per connection. The
// table model and the timeline read it; producers append batches on the GUI thread.
#pragma once

#include "connection_lane.h"
#include "event_record.h"

#include <QObject>

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ks::ui {

class EventStore : public QObject {
    Q_OBJECT
public:
    explicit EventStore(QObject* parent = nullptr);
    ~EventStore() override;

    void clear();
    void append(const EventBatch& batch);
    // Endpoints and end states; the loader sends them with batches and when the source ends.
    void setConnections(std::vector<core::ConnectionSummary> connections);
    // How connections ended, from an analysis of the events (the findings worker's copies): only
    // endCause, endDetail, endEvidence and otherLeg are taken, for the ids the store knows.
    void setEndCauses(const std::vector<core::ConnectionSummary>& analyzed);
    void setSourceName(const QString& name) { m_sourceName = name; }
    void setPackets(std::uint64_t packets) { m_packets = packets; } // a run's count when it ended
    // Non-empty when the store holds only part of its source (the read was cancelled): a
    // sentence saying so, for the report and the lanes. Cleared with the store.
    void setPartial(const QString& note) { m_partial = note; }
    const QString& partial() const { return m_partial; }

    std::size_t size() const { return m_records.size(); }
    const EventRecord& record(std::size_t index) const { return m_records[index]; }
    core::Event event(std::size_t index) const; // the full value, as the engine emitted it
    // The same from copies of the pools, for a worker that must not touch the store.
    static core::Event makeEvent(const EventRecord& r, std::size_t index, std::int64_t originNs,
        const std::vector<std::string>& strings, const std::vector<SettingsEntry>& settings);
    const std::vector<std::string>& strings() const { return m_strings; }
    const std::vector<SettingsEntry>& settings() const { return m_settings; }
    const std::string& text(std::uint32_t id) const { return m_strings[id]; }

    // Lanes in order of first appearance; laneOf(conn) < 0 when the connection has no event.
    std::size_t laneCount() const { return m_lanes.size(); }
    const ConnectionLane& lane(std::size_t i) const { return m_lanes[i]; }
    int laneOf(std::uint32_t conn) const;
    const core::ConnectionSummary* connection(std::uint32_t conn) const;
    const std::vector<core::ConnectionSummary>& connections() const { return m_connections; }

    std::int64_t originNs() const { return m_originNs; }
    int decimals() const { return m_decimals; }
    std::int64_t endNs() const { return m_endNs; } // latest relNs seen (0 when empty)
    std::uint64_t packets() const { return m_packets; }
    const QString& sourceName() const { return m_sourceName; }

Q_SIGNALS:
    void aboutToClear();
    void cleared();
    void appended(std::size_t first, std::size_t last); // inclusive store indexes
    void connectionsChanged();

private:
    std::uint32_t intern(const std::string& text);

    std::deque<EventRecord> m_records; // chunked: growing never copies a million records at once
    std::vector<std::string> m_strings;
    std::unordered_map<std::string, std::uint32_t> m_stringIds;
    std::vector<SettingsEntry> m_settings;
    std::deque<ConnectionLane> m_lanes; // in place: no allocation of its own per lane, stable while growing
    std::unordered_map<std::uint32_t, int> m_laneOf;
    std::vector<core::ConnectionSummary> m_connections;
    std::int64_t m_originNs = 0;
    std::int64_t m_endNs = 0;
    std::uint64_t m_packets = 0;
    int m_decimals = 6;
    QString m_sourceName;
    QString m_partial;
};

} // namespace ks::ui
