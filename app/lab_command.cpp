// The lab sub-command: experiment file in, a timed lab run, events and summary out.
#include "lab_command.h"

#include "capture/live_capture.h"
#include "core/experiment.h"
#include "core/findings_analyzer.h"
#include "core/lab/lab_runner.h"
#include "core/lb_catalogue.h"
#include "core/scenario.h"
#include "event_printers.h"
#include "findings_options.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include <unistd.h>

namespace ks::app {

namespace {

const CliCommand& labCommand()
{
    static const CliCommand command {
        "keepalive-scope lab",
        "usage: keepalive-scope lab --config FILE.json [--lb PROFILE] [--duration 20s] [--pcap OUT.pcap] [--json] "
        "[--all]\n"
        "                           [--fault ACTION@TIME ...] [--tls] [--cert FILE --key FILE] [--ca-file FILE]\n"
        "                           [--keylog FILE]\n"
        "       keepalive-scope lab --scenario NAME [--fixed] [other options as above]\n",
        "",
        {
            { "--config", "FILE.json", "the experiment (settings, simulator, RPC pattern, target)" },
            { "--scenario", "NAME",
                "a bundled scenario (keepalive-scope scenarios lists them): its failing experiment,\nduration and "
                "faults" },
            { "--fixed", "", "with --scenario: its fixed experiment instead" },
            { "--lb", "PROFILE", "put the simulator in the path, playing this catalogue profile (e.g. aws-nlb)" },
            { "--duration", "T", "how long to run (default 20s; units ms, s, m)" },
            { "--pcap", "OUT.pcap", "also save the live capture as pcap" },
            { "--json", "", "print the JSON document instead of text" },
            { "--all", "", "in text mode, print every HTTP/2 frame, not only keepalive events" },
            { "--fault", "ACTION@T",
                "at time T, a simulator fault: blackhole, blackhole-off, reset, latency=MS, bandwidth=BYTES,\n"
                "loss=PERCENT; e.g. --fault blackhole@2s",
                true },
            { "--tls", "",
                "TLS: the embedded server serves it (a self-signed certificate made at start), or\n"
                "the channel talks it to the experiment's target; the lab decrypts its own traffic" },
            { "--cert", "FILE", "the embedded server's certificate (PEM) instead of a self-signed one; with --key" },
            { "--key", "FILE", "the embedded server's private key (PEM); with --cert" },
            { "--ca-file", "FILE",
                "the CA the channel trusts (default: the embedded server's certificate, or the system roots)" },
            { "--keylog", "FILE",
                "keep the TLS key log there (NSS format; default: a temporary file removed after the run)" },
        },
        "exit status: 0 done, 1 the run failed, 2 bad options or input\n",
        0,
    };
    return command;
}

std::atomic<bool> g_interrupted { false };

extern "C" void onSignal(int)
{
    g_interrupted = true;
}

// A lab run (and a fault's time in it) lasts at most a week: every loop that waits on it ends.
constexpr double kMaxLabSeconds = 7 * 86400;

// "20s", "500ms", "2m", "1.5" (seconds). Negative on error: not a number (nan, inf included),
// negative, an unknown unit, or longer than kMaxLabSeconds.
double parseDuration(const std::string& text)
{
    double value = -1;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || !std::isfinite(value) || value < 0)
        return -1;
    const std::string unit(ptr, end);
    if (unit == "ms")
        value /= 1000;
    else if (unit == "m" || unit == "min")
        value *= 60;
    else if (!unit.empty() && unit != "s")
        return -1;
    return value <= kMaxLabSeconds ? value : -1;
}

// The hub's events to the output: from the hub's thread while the run lasts, then from here.
struct HubOutput final : core::EventHub::Listener {
    explicit HubOutput(EventOutput& out)
        : out(out)
    {
    }
    void onEvent(const core::Event& e) override { out.onEvent(e); }
    EventOutput& out;
};

std::string describe(const core::Experiment& ex)
{
    std::string s = "lab: ";
    s += (ex.target.embedded ? std::string("embedded server") : ex.target.address) + (ex.target.tls ? " (TLS)" : "");
    if (ex.simulator) {
        char buf[160];
        std::snprintf(buf, sizeof buf, " behind the LB simulator%s%s (idle %g s, then %s; TCP keep-alive %s)",
            ex.simulator->profile.empty() ? "" : " as ", ex.simulator->profile.c_str(), ex.simulator->idleTimeoutS,
            std::string(core::lbExpiryActionName(ex.simulator->onExpiry)).c_str(),
            ex.simulator->tcpKeepaliveResetsIdle ? "counts as activity" : "does not count");
        s += buf;
    }
    s += ", rpc pattern " + std::string(core::rpcPatternName(ex.rpc.pattern));
    return s;
}

// What `lab` is asked to run, checked: the experiment, for how long, with which faults, and
// what the findings judge it against.
struct LabPlan {
    std::string config, pcap;
    bool json = false, all = false, fixed = false;
    const core::Scenario* scenario = nullptr;
    double duration = 0; // 0 until read: the scenario's, or 20 s
    std::vector<core::TimedFault> faults;
    core::Experiment ex;
    core::AnalyzerOptions analyzerOptions;
};

// --scenario or --config, --duration, --fault and --pcap. -1 when they hold; else the exit status,
// the reason printed.
int readRunOptions(const CliCommand& command, const CliArgs& parsed, LabPlan& plan)
{
    plan.config = parsed.value("--config");
    plan.pcap = parsed.value("--pcap");
    plan.json = parsed.has("--json");
    plan.all = parsed.has("--all");
    plan.fixed = parsed.has("--fixed");
    const std::string scenarioName = parsed.value("--scenario");
    const std::string& config = plan.config;
    const std::string& pcap = plan.pcap;
    const bool fixed = plan.fixed;
    double& duration = plan.duration;
    auto& faults = plan.faults;
    const core::Scenario*& scenario = plan.scenario;
    if (parsed.has("--duration")) {
        const std::string v = parsed.value("--duration");
        duration = parseDuration(v);
        if (duration <= 0) {
            std::fprintf(stderr,
                "keepalive-scope lab: --duration %s: expected a positive time up to 7 days, such as 20s "
                "or 500ms\n",
                v.c_str());
            return 2;
        }
    }
    for (const auto& v : parsed.all("--fault")) {
        core::TimedFault f;
        if (const auto problem = core::parseTimedFault(v, f); !problem.empty()) {
            std::fprintf(stderr, "keepalive-scope lab: --fault %s: %s\n", v.c_str(), problem.c_str());
            return 2;
        }
        faults.push_back(f);
    }
    if (!scenarioName.empty()) {
        scenario = core::findScenario(scenarioName);
        if (!scenario) {
            std::fprintf(stderr, "keepalive-scope lab: --scenario %s: no such scenario (known: %s)\n",
                scenarioName.c_str(), core::scenarioNames().c_str());
            return 2;
        }
        if (!config.empty()) {
            std::fprintf(stderr, "keepalive-scope lab: --scenario and --config exclude each other\n");
            return 2;
        }
    } else if (fixed) {
        std::fprintf(stderr, "keepalive-scope lab: --fixed needs --scenario NAME\n");
        return 2;
    } else if (config.empty()) {
        std::fprintf(stderr, "keepalive-scope lab: --config FILE.json or --scenario NAME is required\n%s",
            cliUsage(command).c_str());
        return 2;
    }
    if (duration <= 0)
        duration = scenario ? scenario->durationS : 20;
    if (scenario)
        faults.insert(faults.begin(), scenario->faults.begin(), scenario->faults.end());
    if (!pcap.empty()) {
        // Refuse an unwritable output before the run, not after it.
        const auto slash = pcap.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : pcap.substr(0, slash));
        if (::access(dir.c_str(), W_OK) != 0) {
            std::fprintf(stderr, "keepalive-scope lab: --pcap %s: cannot write in %s (%s)\n", pcap.c_str(), dir.c_str(),
                std::strerror(errno));
            return 2;
        }
    }
    return -1;
}

// The experiment: the scenario's or the file's, with the TLS options and --lb applied.
int buildExperiment(const CliArgs& parsed, LabPlan& plan)
{
    const std::string lb = parsed.value("--lb"), certFile = parsed.value("--cert"), keyFile = parsed.value("--key"),
                      caFile = parsed.value("--ca-file"), keyLog = parsed.value("--keylog");
    const bool tls = parsed.has("--tls") || !certFile.empty() || !keyFile.empty() || !caFile.empty() || !keyLog.empty();
    const core::Scenario* scenario = plan.scenario;
    const bool fixed = plan.fixed;
    const std::string& config = plan.config;
    const auto& faults = plan.faults;
    core::Experiment& ex = plan.ex;
    if (scenario) {
        ex = fixed ? scenario->fixed : scenario->failing;
    } else {
        auto load = core::loadExperiment(config);
        if (!load.experiment) {
            for (const auto& e : load.errors)
                std::fprintf(stderr, "keepalive-scope: %s\n", e.c_str());
            return 2;
        }
        ex = *load.experiment;
    }
    if (tls) {
        ex.target.tls = true;
        if (!caFile.empty())
            ex.target.caFile = caFile;
        if (!keyLog.empty())
            ex.target.keyLogFile = keyLog;
        if (!certFile.empty() || !keyFile.empty()) {
            if (certFile.empty() || keyFile.empty() || !ex.target.embedded) {
                std::fprintf(stderr, "keepalive-scope lab: --cert and --key go together, for the embedded server\n");
                return 2;
            }
            ex.target.certFile = certFile;
            ex.target.keyFile = keyFile;
        }
    }
    if (!lb.empty()) {
        const auto selected = core::selectLbProfiles(lb, {});
        if (!selected.errors.empty() || selected.entries.size() != 1) {
            for (const auto& e : selected.errors)
                std::fprintf(stderr, "keepalive-scope lab: --lb: %s\n", e.c_str());
            if (selected.errors.empty())
                std::fprintf(stderr, "keepalive-scope lab: --lb takes one profile name\n");
            return 2;
        }
        ex.simulator = core::simulatorPlanFor(selected.entries.front());
    }
    if (!faults.empty() && !ex.simulator) {
        std::fprintf(
            stderr, "keepalive-scope lab: --fault needs the simulator (a \"simulator\" in the experiment, or --lb)\n");
        return 2;
    }
    return -1;
}

// Findings judge the run against the experiment's profiles and the one the simulator plays.
int resolveAnalyzer(LabPlan& plan)
{
    const core::Experiment& ex = plan.ex;
    const std::string& config = plan.config;
    core::AnalyzerOptions& analyzerOptions = plan.analyzerOptions;
    std::vector<std::string> profileNames = ex.lbProfiles;
    if (ex.simulator && !ex.simulator->profile.empty())
        profileNames.push_back(ex.simulator->profile);
    analyzerOptions.settings = ex.settings;
    {
        FindingsOptions none;
        auto profiles = resolveProfiles(none, profileNames, config);
        for (const auto& e : profiles.errors)
            std::fprintf(stderr, "keepalive-scope lab: %s\n", e.c_str());
        if (!profiles.errors.empty())
            return 2;
        analyzerOptions.profiles = profiles.selected;
        // The simulator's own timers, as scaled in the experiment.
        if (ex.simulator && ex.simulator->idleTimeoutS > 0)
            analyzerOptions.profiles.push_back(core::simulatorProfile(*ex.simulator));
    }
    return -1;
}

// Until the duration ends or the user interrupts, applying each fault at its time.
void runUntilDone(core::lab::LabRunner& lab, double duration, std::vector<core::TimedFault> faults)
{
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::size_t nextFault = 0;
    std::stable_sort(faults.begin(), faults.end(),
        [](const core::TimedFault& a, const core::TimedFault& b) { return a.atS < b.atS; });
    while (!g_interrupted) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed >= duration)
            break;
        for (; nextFault < faults.size() && faults[nextFault].atS <= elapsed; ++nextFault)
            core::lab::applyFault(*lab.simulator(), faults[nextFault]);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    lab.stop();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

// After the events and findings: the simulator's notes, where the capture went, and for a
// scenario whether each expected finding came as it should.
void printAfterRun(const LabPlan& plan, core::lab::LabRunner& lab, const RunInfo& info)
{
    const std::string& pcap = plan.pcap;
    const core::Scenario* scenario = plan.scenario;
    const bool fixed = plan.fixed;
    const auto notes = lab.notes();
    if (!notes.empty())
        std::printf("\nload-balancer simulator (127.0.0.1:%u):\n", lab.simulator() ? lab.simulator()->port() : 0u);
    for (const auto& n : notes)
        std::printf("  %10.6f  %s\n", double(n.tsNs - lab.originNs()) / 1e9, n.text.c_str());
    if (!pcap.empty() && lab.capturing())
        std::printf("\ncapture saved to %s\n", pcap.c_str());
    if (scenario && lab.capturing()) {
        std::printf("\nscenario %s (%s):", scenario->name.c_str(), fixed ? "fixed" : "failing");
        for (const auto& id : scenario->expect) {
            const bool found = std::any_of(
                info.findings.begin(), info.findings.end(), [&](const core::Finding& f) { return f.id == id; });
            std::printf(" %s %s%s", id.c_str(), found ? "present" : "absent",
                found == !fixed ? (fixed ? " (fixed, as expected)" : " (as expected)") : " (NOT as expected)");
        }
        std::printf("\n%s\n",
            fixed ? ""
                  : ("now run it with the fix: keepalive-scope lab --scenario " + scenario->name + " --fixed").c_str());
    }
    std::fflush(stdout);
}

} // namespace

int runLab(const std::vector<std::string>& args)
{
    const CliCommand& command = labCommand();
    CliArgs parsed;
    if (const int status = parseCliOrExit(command, args, parsed); status >= 0)
        return status;
    LabPlan plan;
    if (const int status = readRunOptions(command, parsed, plan); status >= 0)
        return status;
    if (const int status = buildExperiment(parsed, plan); status >= 0)
        return status;
    if (const int status = resolveAnalyzer(plan); status >= 0)
        return status;
    core::FindingsAnalyzer analyzer(plan.analyzerOptions);

    capture::LiveCapture tap(plan.pcap);
    core::lab::LabRunner lab(plan.ex, &tap);
    EventOutput out(plan.json, plan.all, true, analyzer);
    HubOutput hubOutput(out);
    RunInfo info;
    info.source = describe(plan.ex);
    if (const auto* scenario = plan.scenario) {
        info.source = "scenario " + scenario->name + (plan.fixed ? " (fixed)" : " (failing)") + ": " + info.source;
        if (!plan.json)
            std::printf("%s\n%s\n", scenario->title.c_str(), scenario->paragraph.c_str());
    }
    info.linkType = "live capture";
    info.decimals = 6;
    lab.addListener(&hubOutput);
    // Printed before any event can arrive: the hub starts inside start().
    out.begin(info);
    if (auto error = lab.start(); !error.empty()) {
        std::fprintf(stderr, "keepalive-scope lab: %s\n", error.c_str());
        return 1;
    }
    for (const auto& w : lab.warnings())
        std::fprintf(stderr, "keepalive-scope lab: %s\n", w.c_str());
    if (!lab.keyLogPath().empty())
        std::fprintf(stderr, "keepalive-scope lab: TLS key log: %s%s\n", lab.keyLogPath().c_str(),
            plan.ex.target.keyLogFile.empty() ? " (removed after the run; keep it with --keylog FILE)" : "");

    runUntilDone(lab, plan.duration, plan.faults);

    info.linkType = lab.capturing() ? tap.description() : "no capture (channel and RPC events only)";
    info.packets = lab.packets();
    info.originNs = lab.originNs();
    info.connections = lab.connections();
    info.warnings = lab.warnings();
    info.showFindings = true;
    info.profiles = plan.analyzerOptions.profiles;
    info.findings = analyzer.finish(info.connections);
    {
        std::string host;
        std::uint16_t channelPort = 0;
        if (core::lab::splitHostPort(lab.target(), host, channelPort))
            core::keepSimulatorFindingsOnChannel(info.findings, info.connections, channelPort);
    }
    out.end(info);
    if (!out.json())
        printAfterRun(plan, lab, info);
    return 0;
}

} // namespace ks::app
