#include "lab_run.h"

#include "capture/live_capture.h"
#include "core/findings_analyzer.h"
#include "core/lab/lab_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace ks::test {

namespace {

class Collector final : public core::EventHub::Listener {
public:
    void onEvent(const core::Event& e) override
    {
        const std::int64_t now = core::realtimeNs();
        std::lock_guard lock(mutex);
        events.push_back(e);
        if (e.type != core::EventType::ChannelState && e.type != core::EventType::Rpc)
            deliveryMs.push_back(double(now - e.tsNs) / 1e6);
    }
    std::mutex mutex;
    std::vector<core::Event> events;
    std::vector<double> deliveryMs;
};

std::uint16_t portOf(const std::string& endpoint)
{
    const auto colon = endpoint.rfind(':');
    return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1)));
}

} // namespace

LabResult runLab(const core::Experiment& experiment, double seconds, std::vector<LabFault> faults)
{
    LabResult result;
    capture::LiveCapture tap;
    core::lab::LabRunner lab(experiment, &tap);
    Collector collector;
    lab.addListener(&collector);
    result.error = lab.start();
    if (!result.error.empty())
        return result;
    result.capturing = lab.capturing();
    for (const auto& w : lab.warnings())
        result.captureWarning += w;
    std::string host;
    core::lab::splitHostPort(lab.target(), host, result.channelPort);

    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::size_t next = 0;
    for (;;) { // bounded by `seconds`
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed >= seconds)
            break;
        for (; next < faults.size() && faults[next].atS <= elapsed; ++next)
            faults[next].apply(lab);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    lab.stop();
    result.connections = lab.connections();
    for (const auto& n : lab.notes())
        result.notes.push_back(n.text);
    std::lock_guard lock(collector.mutex);
    result.events = collector.events;
    result.deliveryMs = collector.deliveryMs;
    return result;
}

bool LabResult::noted(const std::string& part) const
{
    for (const auto& n : notes)
        if (n.find(part) != std::string::npos)
            return true;
    return false;
}

bool LabResult::onChannelLeg(const core::Event& e) const
{
    if (e.type == core::EventType::ChannelState || e.type == core::EventType::Rpc)
        return true;
    for (const auto& c : connections)
        if (c.id == e.conn)
            return portOf(c.server) == channelPort;
    return false;
}

std::vector<const core::Event*> LabResult::channelEvents(core::EventType type) const
{
    std::vector<const core::Event*> out;
    for (const auto& e : events)
        if (e.type == type && onChannelLeg(e))
            out.push_back(&e);
    return out;
}

std::vector<const core::Event*> LabResult::channelEvents(core::EventType type, core::Direction dir) const
{
    std::vector<const core::Event*> out;
    for (const auto* e : channelEvents(type))
        if (e->dir == dir)
            out.push_back(e);
    return out;
}

std::string LabResult::dump() const
{
    std::string s;
    char line[256];
    for (const auto& e : events) {
        std::snprintf(line, sizeof line, "%9.3f conn %u %s %-15s code=%u debug=%s rtt=%.2f %s %s %s\n", seconds(e),
            e.conn, std::string(core::directionName(e.dir)).c_str(), std::string(core::eventTypeName(e.type)).c_str(),
            e.errorCode, e.debug.c_str(), e.rttMs, e.state.c_str(), e.method.c_str(), e.status.c_str());
        s += line;
    }
    for (const auto& c : connections)
        s += "connection " + std::to_string(c.id) + " " + c.client + " -> " + c.server + "\n";
    for (const auto& n : notes)
        s += "simulator: " + n + "\n";
    return s;
}

std::vector<core::Finding> LabResult::findings(const core::Experiment& experiment) const
{
    core::AnalyzerOptions options;
    options.settings = experiment.settings;
    options.profiles = core::labProfiles(experiment);
    core::FindingsAnalyzer analyzer(options);
    for (const auto& e : events)
        analyzer.onEvent(e);
    auto out = analyzer.finish(connections);
    core::keepSimulatorFindingsOnChannel(out, connections, channelPort);
    return out;
}

const core::Finding* LabResult::finding(const core::Experiment& experiment, const std::string& id) const
{
    m_findings = findings(experiment);
    for (const auto& f : m_findings)
        if (f.id == id)
            return &f;
    return nullptr;
}

LabResult runScenario(const core::Scenario& scenario, bool fixed)
{
    std::vector<LabFault> faults;
    for (const auto& f : scenario.faults)
        faults.push_back({ f.atS, [f](core::lab::LabRunner& lab) {
                              if (auto* sim = lab.simulator())
                                  core::lab::applyFault(*sim, f);
                          } });
    return runLab(fixed ? scenario.fixed : scenario.failing, scenario.durationS, std::move(faults));
}

core::Experiment experiment(core::RpcPattern pattern)
{
    core::Experiment ex;
    ex.rpc.pattern = pattern;
    return ex;
}

void set(core::Experiment& ex, core::SettingSide side, const char* key, std::int64_t value)
{
    const auto error = ex.settings.set(side, key, value);
    ASSERT_TRUE(error.empty()) << error;
}

} // namespace ks::test
