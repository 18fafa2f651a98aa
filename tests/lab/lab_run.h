// A bounded lab run for tests: the experiment runs for a fixed time with the live capture on,
// optional simulator faults at given times, and every event the hub released is kept.
#pragma once

#include "core/connection_summary.h"
#include "core/event.h"
#include "core/experiment.h"
#include "core/finding.h"
#include "core/scenario.h"

#include <functional>
#include <string>
#include <vector>

namespace ks::core::lab {
class LabRunner;
}

namespace ks::test {

struct LabFault {
    double atS = 0;
    std::function<void(core::lab::LabRunner&)> apply;
};

struct LabResult {
    std::string error; // the run could not start
    bool capturing = false; // false: no capture permission (the test should skip)
    std::string captureWarning;
    std::vector<core::Event> events;
    std::vector<core::ConnectionSummary> connections;
    std::vector<double> deliveryMs; // per wire event: packet timestamp to listener, in ms
    std::uint16_t channelPort = 0; // the port the channel connected to (simulator or server)
    std::vector<std::string> notes; // what the simulator did
    bool noted(const std::string& part) const;

    // Connections whose server side is the channel's target: the channel's own connections.
    bool onChannelLeg(const core::Event& e) const;
    std::vector<const core::Event*> channelEvents(core::EventType type) const;
    std::vector<const core::Event*> channelEvents(core::EventType type, core::Direction dir) const;
    double seconds(const core::Event& e) const { return double(e.relNs) / 1e9; }
    std::string dump() const; // every event, one line each, for failure messages
    // The findings analyzer over this run's events, with the experiment's settings.
    // The profiles are core::labProfiles(experiment): its lb_profiles and the simulator's own.
    std::vector<core::Finding> findings(const core::Experiment& experiment) const;
    const core::Finding* finding(const core::Experiment& experiment, const std::string& id) const;

private:
    mutable std::vector<core::Finding> m_findings;
};

LabResult runLab(const core::Experiment& experiment, double seconds, std::vector<LabFault> faults = {});

// One variant of a bundled scenario, with its faults at their times.
LabResult runScenario(const core::Scenario& scenario, bool fixed);

core::Experiment experiment(core::RpcPattern pattern);
void set(core::Experiment& ex, core::SettingSide side, const char* key, std::int64_t value);

} // namespace ks::test
