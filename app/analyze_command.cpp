// The analyze sub-command: drives a PacketSource through the CaptureEngine into a printer.
#include "analyze_command.h"

#include "capture/capture_engine.h"
#include "capture/capture_warnings.h"
#include "capture/packet_decoder.h"
#include "capture/packet_source.h"
#include "core/findings_analyzer.h"
#include "core/report.h"
#include "event_printers.h"
#include "findings_options.h"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace ks::app {

namespace {

constexpr const char* kUsage
    = "usage: keepalive-scope analyze FILE|- [--json] [--all] [--lb NAME[,NAME..]] [--lb-file FILE.json]\n"
      "                                [--settings EXPERIMENT.json] [--fail-on warning|error] [--report OUT.md|OUT.json]\n"
      "  FILE        a pcap or pcapng capture; - reads a pcap stream from standard input\n"
      "  --json      print the JSON document (events, connections, findings)\n"
      "  --all       in text mode, print every HTTP/2 frame, not only keepalive events\n"
      "  --lb        judge idle gaps and keepalive cadence against these load-balancer profiles\n"
      "              (keepalive-scope lb-profiles lists them); repeatable\n"
      "  --lb-file   add your own profiles (same JSON format as the catalogue); repeatable\n"
      "  --settings  the keepalive settings in force (an experiment file, as lab and lint read);\n"
      "              its lb_profiles are used too\n"
      "  --fail-on   exit with status 3 when a finding of this severity or worse exists (for CI)\n"
      "  --report    also write a report: Markdown (.md) or JSON (.json)\n"
      "exit status: 0 done, 1 standard output could not be written, 2 bad input, bad options or an unwritable report,\n"
      "             3 findings at the --fail-on level\n";

} // namespace

int runAnalyze(const std::vector<std::string>& args)
{
    bool json = false;
    bool all = false;
    std::string path;
    FindingsOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        std::string error;
        const auto parsed = parseFindingsOption(args, i, options, error);
        if (parsed == OptionParse::Error) {
            std::fprintf(stderr, "keepalive-scope analyze: %s\n", error.c_str());
            return 2;
        }
        if (parsed == OptionParse::Ok)
            continue;
        if (arg == "--json") {
            json = true;
        } else if (arg == "--all") {
            all = true;
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg.size() > 1 && arg[0] == '-') {
            std::fprintf(stderr, "keepalive-scope analyze: unknown option %s\n%s", arg.c_str(), kUsage);
            return 2;
        } else if (path.empty()) {
            path = arg;
        } else {
            std::fprintf(stderr, "keepalive-scope analyze: one capture at a time (got %s and %s)\n", path.c_str(),
                         arg.c_str());
            return 2;
        }
    }
    if (path.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }

    // Settings and profiles first: a typo in a name must not cost a long capture's analysis.
    core::AnalyzerOptions analyzerOptions;
    std::vector<std::string> experimentProfiles;
    if (!options.settingsPath.empty()) {
        auto load = core::loadExperiment(options.settingsPath);
        if (!load.experiment) {
            for (const auto& e : load.errors)
                std::fprintf(stderr, "keepalive-scope analyze: %s\n", e.c_str());
            return 2;
        }
        analyzerOptions.settings = load.experiment->settings;
        experimentProfiles = load.experiment->lbProfiles;
    }
    auto profiles = resolveProfiles(options, experimentProfiles, options.settingsPath);
    if (!profiles.errors.empty()) {
        for (const auto& e : profiles.errors)
            std::fprintf(stderr, "keepalive-scope analyze: %s\n", e.c_str());
        return 2;
    }
    analyzerOptions.profiles = profiles.selected;
    if (!options.reportPath.empty() && !options.reportPath.ends_with(".md") && !options.reportPath.ends_with(".markdown")
        && !options.reportPath.ends_with(".json")) {
        std::fprintf(stderr, "keepalive-scope analyze: --report %s: name it .md (Markdown) or .json (JSON)\n", options.reportPath.c_str());
        return 2;
    }
    core::FindingsAnalyzer analyzer(analyzerOptions);

    std::string error;
    auto source = capture::PacketSource::open(path, error);
    if (!source) {
        std::fprintf(stderr, "keepalive-scope: %s\n", error.c_str());
        return 2;
    }
    const std::string name = path == "-" ? std::string("standard input") : path;
    const auto& types = source->linkTypes();
    if (!std::any_of(types.begin(), types.end(), capture::isSupportedLinkType)
        && !(types.empty() && capture::isSupportedLinkType(source->linkType()))) {
        std::fprintf(stderr,
                     "keepalive-scope: %s: unsupported link type %s; supported: Ethernet (with VLAN tags), "
                     "Linux cooked v1/v2 (tcpdump -i any), BSD loopback/NULL, raw IPv4/IPv6\n",
                     name.c_str(), capture::linkTypeDescription(source->linkType()).c_str());
        return 2;
    }

    RunInfo info;
    info.source = name;
    info.linkType = capture::linkTypeDescription(source->linkType());
    info.decimals = source->decimals();
    EventOutput out(json, all, source->isStream(), analyzer);
    capture::CaptureEngine engine(source->linkType(), out);

    std::int64_t tsNs = 0;
    std::span<const std::uint8_t> frame;
    bool failed = false;
    for (;;) {
        const auto status = source->next(tsNs, frame, error);
        if (status == capture::PacketSource::Status::End)
            break;
        if (status == capture::PacketSource::Status::Error) {
            failed = true;
            break;
        }
        if (!out.begun())
            out.begin(info);
        engine.setLinkType(source->packetLinkType());
        engine.processPacket(tsNs, frame);
    }
    if (failed && engine.counters().packets == 0) {
        std::fprintf(stderr, "keepalive-scope: %s: no readable packet (%s)\n", name.c_str(), error.c_str());
        return 2;
    }
    engine.finish();
    if (!out.begun())
        out.begin(info);
    if (failed) {
        info.warnings.push_back(name + ": stopped after " + std::to_string(engine.counters().packets)
                                + " packets, the rest is unreadable (" + error + "); results cover the readable part");
        std::fprintf(stderr, "keepalive-scope: warning: %s\n", info.warnings.back().c_str());
    }
    for (auto& w : capture::captureWarnings(engine.counters(), &source->notes()))
        info.warnings.push_back(std::move(w));
    info.packets = engine.counters().packets;
    info.originNs = engine.originNs();
    info.connections = engine.summaries();
    info.showFindings = true;
    info.profiles = analyzerOptions.profiles;
    info.findings = analyzer.finish(info.connections);
    out.end(info);
    if (!options.reportPath.empty()) {
        core::ReportInput report;
        report.source = name;
        report.settings = analyzerOptions.settings;
        report.settingsSource = options.settingsPath;
        report.profiles = analyzerOptions.profiles;
        report.connections = info.connections;
        report.originNs = info.originNs;
        report.decimals = info.decimals;
        report.packets = info.packets;
        report.findings = info.findings;
        report.warnings = info.warnings;
        if (auto error = core::writeReport(report, options.reportPath); !error.empty()) {
            std::fprintf(stderr, "keepalive-scope analyze: %s\n", error.c_str());
            return 2;
        }
    }
    return findingsExitStatus(options, info.findings);
}

} // namespace ks::app
