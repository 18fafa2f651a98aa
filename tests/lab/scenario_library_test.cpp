// The scenario library (resources/scenarios/): every scenario's failing and fixed variants run
// through the real lab (grpc++ channel and server, the simulator, live capture on lo), at the
// same time on their own ephemeral ports; the failing run must show each expected finding and
// the fixed run none of them.
#include "lab_run.h"

#include "core/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace ks::test {
namespace {

std::vector<std::string> scenarioNames()
{
    std::vector<std::string> names;
    for (const auto& s : core::builtinScenarios())
        names.push_back(s.name);
    return names;
}

std::string ids(const std::vector<core::Finding>& findings)
{
    std::string s;
    for (const auto& f : findings)
        s += "  " + f.id + " conn " + (f.conn ? std::to_string(*f.conn) : std::string("-")) + ": " + f.title + "\n";
    return s;
}

bool has(const std::vector<core::Finding>& findings, const std::string& id)
{
    return std::any_of(findings.begin(), findings.end(), [&](const core::Finding& f) { return f.id == id; });
}

TEST(ScenarioLibraryFiles, EveryBundledFileLoads)
{
    EXPECT_GE(core::builtinScenarios().size(), 12u);
    for (const auto& s : core::builtinScenarios()) {
        EXPECT_LE(s.durationS, 30) << s.name;
        EXPECT_FALSE(s.failing == s.fixed) << s.name << ": the fix changes nothing";
    }
}

class ScenarioLibrary : public ::testing::TestWithParam<std::string> { };

TEST_P(ScenarioLibrary, FailingShowsTheFindingAndTheFixDoesNot)
{
    const auto* scenario = core::findScenario(GetParam());
    ASSERT_NE(scenario, nullptr);
    LabResult failing;
    std::thread other([&] { failing = runScenario(*scenario, false); });
    const LabResult fixed = runScenario(*scenario, true);
    other.join();
    for (const LabResult* r : std::initializer_list<const LabResult*> { &failing, &fixed }) {
        ASSERT_TRUE(r->error.empty()) << r->error;
        if (!r->capturing)
            GTEST_SKIP() << "no live capture on lo: " << r->captureWarning;
    }
    const auto failingFindings = failing.findings(scenario->failing);
    const auto fixedFindings = fixed.findings(scenario->fixed);
    for (const auto& id : scenario->expect) {
        EXPECT_TRUE(has(failingFindings, id)) << "failing run lacks " << id << "\nfindings:\n"
                                              << ids(failingFindings) << failing.dump();
        EXPECT_FALSE(has(fixedFindings, id)) << "fixed run still has " << id << "\nfindings:\n"
                                             << ids(fixedFindings) << fixed.dump();
    }
    // The simulator really did it: a finding judged against its profile is not proof that it
    // acted. What it writes when its idle timer, stream timer or byte limit fires.
    const std::pair<const char*, const char*> acts[] = { { "lb-idle-timeout", "idle timeout (" },
        { "stream-idle-reset", "(stream_idle_timeout)" }, { "connection-cut-mid-call", "limit_data:" } };
    for (const auto& [id, note] : acts) {
        if (std::find(scenario->expect.begin(), scenario->expect.end(), id) == scenario->expect.end()
            || !scenario->failing.simulator)
            continue;
        EXPECT_TRUE(failing.noted(note)) << "the simulator never acted (" << note << ") in the failing run\n"
                                         << failing.dump();
        EXPECT_FALSE(fixed.noted(note)) << "the simulator acted (" << note << ") in the fixed run\n" << fixed.dump();
    }
    if (scenario->name == "alb-ignores-pings") {
        // The finding says what the issue asks: keepalive cannot save it; heartbeat or reconnect.
        for (const auto& f : failingFindings)
            if (f.id == "lb-idle-timeout" && f.profile == "simulator") {
                EXPECT_NE(f.suggestion.find("no keepalive setting can hold the connection"), std::string::npos)
                    << f.suggestion;
                EXPECT_NE(f.suggestion.find("let the client reconnect"), std::string::npos) << f.suggestion;
            }
    }
    std::printf(
        "%s: failing %zu findings, fixed %zu\n", scenario->name.c_str(), failingFindings.size(), fixedFindings.size());
}

INSTANTIATE_TEST_SUITE_P(Bundled, ScenarioLibrary, ::testing::ValuesIn(scenarioNames()),
    [](const ::testing::TestParamInfo<std::string>& info) {
        std::string name = info.param;
        std::replace(name.begin(), name.end(), '-', '_');
        return name;
    });

} // namespace
} // namespace ks::test
