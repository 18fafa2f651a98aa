// The scenario library: the classic keepalive failures as files (resources/scenarios/*.json,
// compiled in and installed), each a title, a paragraph, a failing and a fixed experiment, the
// simulator faults to play at given times, and the findings the failing run must show and the
// fixed one must not.
#pragma once

#include "connection_summary.h"
#include "experiment.h"
#include "finding.h"
#include "lb_catalogue.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

// A simulator fault at a time into the run: blackhole, blackhole-off, reset, latency (ms),
// bandwidth (bytes/s), loss (percent).
struct TimedFault {
    double atS = 0;
    std::string action;
    double value = 0;
    bool operator==(const TimedFault&) const = default;
};
// "blackhole@2s", "latency=1000@1.5s", "loss=10@0"; empty string on success, else what is wrong.
std::string parseTimedFault(std::string_view spec, TimedFault& fault);
bool isFaultAction(std::string_view action);

struct Scenario {
    std::string name; // the file name without .json: `lab --scenario NAME`
    std::string title;
    std::string paragraph; // what it shows, what to look at, how the timeouts were scaled
    std::string teaches; // one line for tables and menus
    double durationS = 15;
    std::vector<TimedFault> faults;
    std::vector<std::string> expect; // finding ids: in the failing run, not in the fixed one
    Experiment failing;
    Experiment fixed;
};

struct ScenarioLoad {
    std::optional<Scenario> scenario;
    std::vector<std::string> errors;
};

ScenarioLoad parseScenario(std::string_view json, std::string_view name, std::string_view sourceName);
// The bundled scenarios, in file-name order (never has errors; a test checks it).
const std::vector<Scenario>& builtinScenarios();
const Scenario* findScenario(std::string_view name);
std::string scenarioNames(); // "a, b, c" for messages

// The profile the lab's simulator plays, for judging a run against it ("simulator", with its
// idle timeout and what counts as activity).
LbCatalogueEntry simulatorProfile(const SimulatorPlan& plan);
// The other way: the simulator playing a catalogue profile as documented.
SimulatorPlan simulatorPlanFor(const LbCatalogueEntry& entry);
// What a lab run of this experiment is judged against: its lb_profiles from the catalogue (unknown
// names are skipped) and the simulator's own profile when it has an idle timeout.
std::vector<LbCatalogueEntry> labProfiles(const Experiment& experiment);
// The simulator's idle timer counts what crosses either of its sockets, so only the channel's
// connection (to channelPort) can be judged against it: the upstream leg alone lacks the
// client's TCP keep-alive probes, which the kernel answers on the channel's side. Drops the
// findings against the "simulator" profile on other connections.
void keepSimulatorFindingsOnChannel(
    std::vector<Finding>& findings, const std::vector<ConnectionSummary>& connections, std::uint16_t channelPort);

} // namespace ks::core
