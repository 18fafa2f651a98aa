// Scenario files: strict loading (unknown keys and wrong types are named with their field), the
// two experiments parsed by the experiment loader, and the compiled-in library.
// parseScenario (some 85 lines) walks the file's keys in the schema's order, one block each.
#include "scenario.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace ks::core {

namespace {

constexpr std::string_view kFormatName = "keepalive-scope-scenario";
constexpr int kVersion = 1;

constexpr double kMaxFaultSeconds = 7 * 86400;
constexpr std::int64_t kMaxLatencyMs = 600'000;
constexpr std::int64_t kMaxBandwidth = std::int64_t(1) << 40; // bytes per second

double parseSeconds(std::string_view text, bool& ok)
{
    double value = -1;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    ok = ec == std::errc() && std::isfinite(value) && value >= 0;
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    if (unit == "ms")
        value /= 1000;
    else if (unit == "m" || unit == "min")
        value *= 60;
    else
        ok = ok && (unit.empty() || unit == "s");
    ok = ok && value <= kMaxFaultSeconds; // a lab run lasts at most a week
    return value;
}

} // namespace

bool isFaultAction(std::string_view a)
{
    return a == "blackhole" || a == "blackhole-off" || a == "reset" || a == "latency" || a == "bandwidth"
        || a == "loss";
}

std::string parseTimedFault(std::string_view spec, TimedFault& fault)
{
    const std::string expected = "expected ACTION@TIME with ACTION one of blackhole, blackhole-off, reset, latency=MS, "
                                 "bandwidth=BYTES_PER_S, loss=PERCENT (e.g. blackhole@2s)";
    const auto at = spec.rfind('@');
    if (at == std::string_view::npos)
        return expected;
    bool ok = false;
    fault.atS = parseSeconds(spec.substr(at + 1), ok);
    if (!ok)
        return "time \"" + std::string(spec.substr(at + 1)) + "\": " + expected;
    std::string_view action = spec.substr(0, at);
    const auto eq = action.find('=');
    fault.value = 0;
    if (eq != std::string_view::npos) {
        const auto value = action.substr(eq + 1);
        action = action.substr(0, eq);
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), fault.value);
        if (ec != std::errc() || ptr != value.data() + value.size() || fault.value < 0)
            return "value \"" + std::string(value) + "\": " + expected;
        if (action != "latency" && action != "bandwidth" && action != "loss")
            return expected;
        if (action == "loss" && fault.value > 50)
            return "loss=" + std::string(value) + ": at most 50 percent";
        // the simulator takes latency as an int of milliseconds; ten minutes is far beyond any path
        if (action == "latency" && fault.value > kMaxLatencyMs)
            return "latency=" + std::string(value) + ": at most 600000 ms";
        if (action == "bandwidth" && fault.value > kMaxBandwidth)
            return "bandwidth=" + std::string(value) + ": at most 2^40 bytes per second";
    } else if (!isFaultAction(action) || action == "latency" || action == "bandwidth" || action == "loss") {
        return expected;
    }
    fault.action = std::string(action);
    return {};
}

ScenarioLoad parseScenario(std::string_view text, std::string_view name, std::string_view source)
{
    using nlohmann::json;
    ScenarioLoad out;
    const std::string src(source);
    auto error = [&](const std::string& field, const std::string& message) {
        out.errors.push_back(src + ": " + field + ": " + message);
    };
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        out.errors.push_back(src + ": not valid JSON (" + std::string(e.what()) + ")");
        return out;
    }
    if (!doc.is_object() || doc.value("format", "") != kFormatName) {
        out.errors.push_back(src + ": expected a JSON object with \"format\": \"" + std::string(kFormatName) + "\"");
        return out;
    }
    static const char* const kKeys[] = { "format", "version", "title", "teaches", "paragraph", "duration_s", "faults",
        "expect", "failing", "fixed" };
    for (const auto& [key, value] : doc.items())
        if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
            error(key,
                "unknown key (allowed: format, version, title, teaches, paragraph, duration_s, faults, expect, "
                "failing, fixed)");
    if (doc.value("version", 0) != kVersion)
        error("version", "expected " + std::to_string(kVersion));
    Scenario s;
    s.name = std::string(name);
    for (auto [key, field] :
        { std::pair { "title", &s.title }, { "teaches", &s.teaches }, { "paragraph", &s.paragraph } }) {
        if (!doc.contains(key) || !doc[key].is_string() || doc[key].get<std::string>().empty())
            error(key, "expected a non-empty string");
        else
            *field = doc[key].get<std::string>();
    }
    if (!doc.contains("duration_s") || !doc["duration_s"].is_number() || doc["duration_s"].get<double>() <= 0
        || doc["duration_s"].get<double>() > 30)
        error("duration_s", "expected a number of seconds, more than 0 and at most 30");
    else
        s.durationS = doc["duration_s"].get<double>();
    if (doc.contains("faults")) {
        if (!doc["faults"].is_array()) {
            error("faults", "expected an array of \"ACTION@TIME\" strings");
        } else {
            for (std::size_t i = 0; i < doc["faults"].size(); ++i) {
                const auto& f = doc["faults"][i];
                TimedFault fault;
                const std::string problem
                    = f.is_string() ? parseTimedFault(f.get<std::string>(), fault) : "expected a string";
                if (!problem.empty())
                    error("faults[" + std::to_string(i) + "]", problem);
                else
                    s.faults.push_back(fault);
            }
        }
    }
    if (!doc.contains("expect") || !doc["expect"].is_array() || doc["expect"].empty()) {
        error("expect", "expected a non-empty array of finding ids");
    } else {
        for (const auto& id : doc["expect"])
            if (id.is_string())
                s.expect.push_back(id.get<std::string>());
            else
                error("expect", "expected finding ids (strings)");
    }
    for (auto [key, target] : { std::pair { "failing", &s.failing }, { "fixed", &s.fixed } }) {
        if (!doc.contains(key) || !doc[key].is_object()) {
            error(key, "expected an experiment object");
            continue;
        }
        json ex = doc[key];
        ex["format"] = "keepalive-scope-experiment";
        ex["version"] = kExperimentFormatVersion;
        auto load = parseExperiment(ex.dump(), src + ": " + key);
        for (auto& e : load.errors)
            out.errors.push_back(std::move(e));
        if (load.experiment)
            *target = std::move(*load.experiment);
    }
    if (!s.faults.empty() && !s.failing.simulator)
        error("faults", "faults need the simulator (a \"simulator\" in the failing experiment)");
    if (out.errors.empty())
        out.scenario = std::move(s);
    return out;
}

const Scenario* findScenario(std::string_view name)
{
    for (const auto& s : builtinScenarios())
        if (s.name == name)
            return &s;
    return nullptr;
}

std::string scenarioNames()
{
    std::string list;
    for (const auto& s : builtinScenarios())
        list += (list.empty() ? "" : ", ") + s.name;
    return list;
}

LbCatalogueEntry simulatorProfile(const SimulatorPlan& plan)
{
    LbCatalogueEntry e;
    e.profile.name = "simulator";
    e.profile.title
        = "the lab's load-balancer simulator" + (plan.profile.empty() ? std::string() : " (as " + plan.profile + ")");
    e.profile.idleTimeoutS = plan.idleTimeoutS;
    e.profile.onExpiry = plan.onExpiry;
    e.profile.tcpKeepaliveResetsIdle = plan.tcpKeepaliveResetsIdle;
    e.http2PingResetsIdle = plan.http2PingResetsIdle;
    return e;
}

SimulatorPlan simulatorPlanFor(const LbCatalogueEntry& e)
{
    SimulatorPlan plan;
    plan.profile = e.profile.name;
    plan.idleTimeoutS = e.profile.idleTimeoutS;
    plan.onExpiry = e.profile.onExpiry;
    plan.http2PingResetsIdle = e.http2PingResetsIdle.value_or(true);
    // The simulator counts every segment when probes count, the PINGs' too: a profile that
    // ignores PINGs (an L7 proxy) cannot count bare segments.
    plan.tcpKeepaliveResetsIdle = plan.http2PingResetsIdle && e.profile.tcpKeepaliveResetsIdle.value_or(true);
    return plan;
}

std::vector<LbCatalogueEntry> labProfiles(const Experiment& ex)
{
    std::vector<LbCatalogueEntry> out;
    for (const auto& name : ex.lbProfiles)
        for (const auto& e : builtinLbCatalogue())
            if (e.profile.name == name)
                out.push_back(e);
    if (ex.simulator && ex.simulator->idleTimeoutS > 0)
        out.push_back(simulatorProfile(*ex.simulator));
    return out;
}

void keepSimulatorFindingsOnChannel(
    std::vector<Finding>& findings, const std::vector<ConnectionSummary>& connections, std::uint16_t channelPort)
{
    const std::string suffix = ":" + std::to_string(channelPort);
    auto onChannel = [&](std::uint32_t conn) {
        for (const auto& c : connections)
            if (c.id == conn)
                return c.server.size() > suffix.size()
                    && c.server.compare(c.server.size() - suffix.size(), suffix.size(), suffix) == 0;
        return false;
    };
    std::erase_if(
        findings, [&](const Finding& f) { return f.profile == "simulator" && f.conn && !onChannel(*f.conn); });
}

} // namespace ks::core
