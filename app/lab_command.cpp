// The lab sub-command: experiment file in, a timed lab run, events and summary out.
#include "lab_command.h"

#include "capture/live_capture.h"
#include "core/experiment.h"
#include "core/lab/lab_runner.h"
#include "core/lb_catalogue.h"
#include "core/findings_analyzer.h"
#include "event_printers.h"
#include "findings_options.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include <unistd.h>

namespace ks::app {

namespace {

constexpr const char* kUsage
    = "usage: keepalive-scope lab --config FILE.json [--lb PROFILE] [--duration 20s] [--pcap OUT.pcap] [--json] [--all]\n"
      "                           [--fault ACTION@TIME ...]\n"
      "  --config FILE   the experiment (settings, simulator, RPC pattern, target)\n"
      "  --lb PROFILE    put the simulator in the path, playing this catalogue profile (e.g. aws-nlb)\n"
      "  --duration T    how long to run (default 20s; units ms, s, m)\n"
      "  --pcap FILE     also save the live capture as pcap\n"
      "  --json          print the JSON document instead of text\n"
      "  --all           in text mode, print every HTTP/2 frame, not only keepalive events\n"
      "  --fault A@T     at time T, a simulator fault: blackhole, blackhole-off, reset, latency=MS, bandwidth=BYTES\n"
      "                  e.g. --fault blackhole@2s\n";

std::atomic<bool> g_interrupted {false};

extern "C" void onSignal(int)
{
    g_interrupted = true;
}

// A lab run (and a fault's time in it) lasts at most a week: every loop that waits on it ends.
constexpr double kMaxLabSeconds = 7 * 86400;
// The simulator takes latency as an int of milliseconds; ten minutes is far beyond any real path.
constexpr std::int64_t kMaxLatencyMs = 600'000;
constexpr std::int64_t kMaxBandwidth = std::int64_t(1) << 40; // bytes per second

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

struct Fault {
    double atS = 0;
    std::string action; // blackhole, blackhole-off, reset, latency, bandwidth
    std::int64_t value = 0;
};

bool parseFault(const std::string& spec, Fault& fault)
{
    const auto at = spec.rfind('@');
    if (at == std::string::npos)
        return false;
    fault.atS = parseDuration(spec.substr(at + 1));
    std::string action = spec.substr(0, at);
    const auto eq = action.find('=');
    if (eq != std::string::npos) {
        const std::string value = action.substr(eq + 1);
        action = action.substr(0, eq);
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), fault.value);
        if (ec != std::errc() || ptr != value.data() + value.size() || fault.value < 0)
            return false;
        if (action != "latency" && action != "bandwidth")
            return false;
        if (fault.value > (action == "latency" ? kMaxLatencyMs : kMaxBandwidth))
            return false;
    } else if (action != "blackhole" && action != "blackhole-off" && action != "reset") {
        return false;
    }
    fault.action = action;
    return fault.atS >= 0;
}

// The hub's events to the output: from the hub's thread while the run lasts, then from here.
struct HubOutput final : core::lab::EventHub::Listener {
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
    s += ex.target.embedded ? "embedded server" : ex.target.address + (ex.target.tls ? " (TLS)" : "");
    if (ex.simulator) {
        char buf[160];
        std::snprintf(buf, sizeof buf, " behind the LB simulator%s%s (idle %g s, then %s; TCP keep-alive %s)",
                      ex.simulator->profile.empty() ? "" : " as ", ex.simulator->profile.c_str(),
                      ex.simulator->idleTimeoutS, std::string(core::lbExpiryActionName(ex.simulator->onExpiry)).c_str(),
                      ex.simulator->tcpKeepaliveResetsIdle ? "counts as activity" : "does not count");
        s += buf;
    }
    s += ", rpc pattern " + std::string(core::rpcPatternName(ex.rpc.pattern));
    return s;
}

} // namespace

int runLab(const std::vector<std::string>& args)
{
    std::string config, lb, pcap;
    double duration = 20;
    bool json = false, all = false;
    std::vector<Fault> faults;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) {
                std::fprintf(stderr, "keepalive-scope lab: %s needs a value\n%s", arg.c_str(), kUsage);
                return false;
            }
            out = args[++i];
            return true;
        };
        std::string v;
        if (arg == "--config") {
            if (!value(config))
                return 2;
        } else if (arg == "--lb") {
            if (!value(lb))
                return 2;
        } else if (arg == "--pcap") {
            if (!value(pcap))
                return 2;
        } else if (arg == "--duration") {
            if (!value(v))
                return 2;
            duration = parseDuration(v);
            if (duration <= 0) {
                std::fprintf(stderr, "keepalive-scope lab: --duration %s: expected a positive time up to 7 days, such as 20s "
                                     "or 500ms\n", v.c_str());
                return 2;
            }
        } else if (arg == "--fault") {
            if (!value(v))
                return 2;
            Fault f;
            if (!parseFault(v, f)) {
                std::fprintf(stderr, "keepalive-scope lab: --fault %s: expected ACTION@TIME with ACTION one of blackhole, "
                                     "blackhole-off, reset, latency=MS (0..600000), bandwidth=BYTES_PER_S (0..2^40), and "
                                     "TIME up to 7 days\n", v.c_str());
                return 2;
            }
            faults.push_back(f);
        } else if (arg == "--json") {
            json = true;
        } else if (arg == "--all") {
            all = true;
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "keepalive-scope lab: unknown argument %s\n%s", arg.c_str(), kUsage);
            return 2;
        }
    }
    if (config.empty()) {
        std::fprintf(stderr, "keepalive-scope lab: --config FILE.json is required\n%s", kUsage);
        return 2;
    }
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
    auto load = core::loadExperiment(config);
    if (!load.experiment) {
        for (const auto& e : load.errors)
            std::fprintf(stderr, "keepalive-scope: %s\n", e.c_str());
        return 2;
    }
    core::Experiment ex = *load.experiment;
    if (!lb.empty()) {
        const auto selected = core::selectLbProfiles(lb, {});
        if (!selected.errors.empty() || selected.entries.size() != 1) {
            for (const auto& e : selected.errors)
                std::fprintf(stderr, "keepalive-scope lab: --lb: %s\n", e.c_str());
            if (selected.errors.empty())
                std::fprintf(stderr, "keepalive-scope lab: --lb takes one profile name\n");
            return 2;
        }
        const auto& p = selected.entries.front().profile;
        core::SimulatorPlan plan;
        plan.profile = p.name;
        plan.idleTimeoutS = p.idleTimeoutS;
        plan.onExpiry = p.onExpiry;
        plan.tcpKeepaliveResetsIdle = p.tcpKeepaliveResetsIdle.value_or(true);
        ex.simulator = plan;
    }
    if (!faults.empty() && !ex.simulator) {
        std::fprintf(stderr, "keepalive-scope lab: --fault needs the simulator (a \"simulator\" in the experiment, or --lb)\n");
        return 2;
    }

    // Findings judge the run against the experiment's profiles and the one the simulator plays.
    std::vector<std::string> profileNames = ex.lbProfiles;
    if (ex.simulator && !ex.simulator->profile.empty())
        profileNames.push_back(ex.simulator->profile);
    core::AnalyzerOptions analyzerOptions;
    analyzerOptions.settings = ex.settings;
    {
        FindingsOptions none;
        auto profiles = resolveProfiles(none, profileNames, config);
        for (const auto& e : profiles.errors)
            std::fprintf(stderr, "keepalive-scope lab: %s\n", e.c_str());
        if (!profiles.errors.empty())
            return 2;
        analyzerOptions.profiles = profiles.selected;
    }
    core::FindingsAnalyzer analyzer(analyzerOptions);

    capture::LiveCapture tap(pcap);
    core::lab::LabRunner lab(ex, &tap);
    EventOutput out(json, all, true, analyzer);
    HubOutput hubOutput(out);
    RunInfo info;
    info.source = describe(ex);
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

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::size_t nextFault = 0;
    std::sort(faults.begin(), faults.end(), [](const Fault& a, const Fault& b) { return a.atS < b.atS; });
    while (!g_interrupted) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed >= duration)
            break;
        for (; nextFault < faults.size() && faults[nextFault].atS <= elapsed; ++nextFault) {
            const auto& f = faults[nextFault];
            auto* sim = lab.simulator();
            if (f.action == "blackhole")
                sim->setBlackhole(true);
            else if (f.action == "blackhole-off")
                sim->setBlackhole(false);
            else if (f.action == "reset")
                sim->resetNow();
            else if (f.action == "latency")
                sim->setLatencyMs(static_cast<int>(f.value));
            else if (f.action == "bandwidth")
                sim->setBandwidthLimit(f.value);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    lab.stop();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);

    info.linkType = lab.capturing() ? tap.description() : "no capture (channel and RPC events only)";
    info.packets = lab.packets();
    info.originNs = lab.originNs();
    info.connections = lab.connections();
    info.warnings = lab.warnings();
    info.showFindings = true;
    info.profiles = analyzerOptions.profiles;
    info.findings = analyzer.finish(info.connections);
    out.end(info);
    if (!out.json()) {
        const auto notes = lab.notes();
        if (!notes.empty())
            std::printf("\nload-balancer simulator (127.0.0.1:%u):\n", lab.simulator() ? lab.simulator()->port() : 0u);
        for (const auto& n : notes)
            std::printf("  %10.6f  %s\n", double(n.tsNs - lab.originNs()) / 1e9, n.text.c_str());
        if (!pcap.empty() && lab.capturing())
            std::printf("\ncapture saved to %s\n", pcap.c_str());
        std::fflush(stdout);
    }
    return 0;
}

} // namespace ks::app
