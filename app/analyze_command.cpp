// The analyze sub-command: drives a PacketSource through the CaptureEngine into a printer.
// runAnalyze (some 130 lines) is the command's steps in order: options, key logs, the read,
// the results, the report and the files asked for; each step is a few lines that call out.
#include "analyze_command.h"

#include "capture/capture_engine.h"
#include "capture/capture_reader.h"
#include "capture/key_log.h"
#include "capture/packet_decoder.h"
#include "capture/packet_source.h"
#include "core/findings_analyzer.h"
#include "core/report.h"
#include "event_pipe.h"
#include "event_printers.h"
#include "findings_options.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include <sys/stat.h>

namespace ks::app {

namespace {

const CliCommand& analyzeCommand()
{
    static const CliCommand command {
        "keepalive-scope analyze",
        "usage: keepalive-scope analyze FILE|- [--json] [--all] [--keylog FILE] [--lb NAME[,NAME..]] [--lb-file "
        "FILE.json]\n"
        "                                [--settings EXPERIMENT.json] [--fail-on warning|error] [--report "
        "OUT.md|OUT.json]\n"
        "                                [--emit-profile OUT.json] [--write-fix OUT.json]\n",
        "  FILE                      a pcap or pcapng capture; - reads a pcap stream from standard input\n",
        {
            { "--json", "", "print the JSON document (events, connections, findings)" },
            { "--all", "", "in text mode, print every HTTP/2 frame, not only keepalive events" },
            { "--keylog", "FILE",
                "TLS session secrets (NSS key log: SSLKEYLOGFILE, Go's KeyLogWriter, ...) to decrypt TLS with.\n"
                "A pcapng's Decryption Secrets Blocks are read without it. Without keys, PING and PING ACK\n"
                "in TLS are inferred from record sizes",
                true },
            { "--lb", "NAME[,NAME..]",
                "judge idle gaps and keepalive cadence against these load-balancer profiles\n(keepalive-scope "
                "lb-profiles lists them)",
                true },
            kLbFileOption,
            { "--settings", "FILE.json",
                "the keepalive settings in force (an experiment file, as lab and lint read);\nits lb_profiles are used "
                "too" },
            kFailOnOption,
            kReportOption,
            { "--emit-profile", "OUT.json",
                "write the idle timer inferred from the capture as a load-balancer profile\n"
                "(the catalogue format; use it with --lb-file and --lb inferred-idle-timer)" },
            { "--write-fix", "OUT.json", "write the --settings experiment with every finding's changes applied" },
        },
        "exit status: 0 done, 1 standard output could not be written, 2 bad input, bad options or an unwritable "
        "report,\n"
        "             3 findings at the --fail-on level\n",
        1,
        "capture",
    };
    return command;
}

// --emit-profile: the inferred-idle-timer finding's profile, as a one-profile catalogue file.
bool writeInferredProfile(const std::vector<core::Finding>& findings, const std::string& path)
{
    for (const auto& f : findings) {
        if (!f.inferredProfile)
            continue;
        if (auto error = core::writeFileAtomically(path, core::lbCatalogueJson({ *f.inferredProfile }));
            !error.empty()) {
            std::fprintf(stderr, "keepalive-scope analyze: --emit-profile: %s\n", error.c_str());
            return false;
        }
        std::fprintf(stderr, "keepalive-scope analyze: wrote the inferred profile (%s) to %s\n",
            f.inferredProfile->profile.title.c_str(), path.c_str());
        return true;
    }
    std::fprintf(stderr,
        "keepalive-scope analyze: --emit-profile: no idle timer could be inferred from this capture (no connection "
        "died "
        "after a silence); %s not written\n",
        path.c_str());
    return false;
}

// --write-fix: the experiment with every finding's changes applied (mergeChanges), saved atomically.
bool writeFixedExperiment(
    core::Experiment experiment, const std::vector<core::Finding>& findings, const std::string& path)
{
    const auto changes = core::mergeChanges(findings);
    for (const auto& problem : core::applyChanges(experiment.settings, changes))
        std::fprintf(stderr, "keepalive-scope analyze: --write-fix: not applied: %s\n", problem.c_str());
    if (auto error = core::saveExperiment(experiment, path); !error.empty()) {
        std::fprintf(stderr, "keepalive-scope analyze: --write-fix: %s\n", error.c_str());
        return false;
    }
    std::fprintf(stderr, "keepalive-scope analyze: wrote %s with %zu change(s)%s\n", path.c_str(), changes.size(),
        changes.empty() ? " (no finding suggests one: the experiment is unchanged)" : "");
    for (const auto& c : changes)
        std::fprintf(stderr, "  %s.%s = %lld\n", std::string(core::settingSideName(c.side)).c_str(), c.setting.c_str(),
            static_cast<long long>(c.value));
    return true;
}

} // namespace

std::string analyzeCapturePath(const std::vector<std::string>& args)
{
    CliArgs parsed;
    std::string error;
    if (!parseCli(analyzeCommand(), args, parsed, error) || parsed.operands.empty())
        return {};
    return parsed.operands.front();
}

int runAnalyze(const std::vector<std::string>& args)
{
    const CliCommand& command = analyzeCommand();
    CliArgs parsed;
    if (const int status = parseCliOrExit(command, args, parsed); status >= 0)
        return status;
    FindingsOptions options;
    if (std::string error; !findingsOptionsFrom(parsed, options, error)) {
        std::fprintf(stderr, "keepalive-scope analyze: %s\n", error.c_str());
        return 2;
    }
    const bool json = parsed.has("--json");
    const bool all = parsed.has("--all");
    const std::string emitProfile = parsed.value("--emit-profile");
    const std::string writeFix = parsed.value("--write-fix");
    const std::vector<std::string> keyLogPaths = parsed.all("--keylog");
    if (parsed.operands.empty()) {
        std::fputs(cliUsage(command).c_str(), stderr);
        return 2;
    }
    const std::string path = parsed.operands.front();
    if (!writeFix.empty() && options.settingsPath.empty()) {
        std::fprintf(stderr,
            "keepalive-scope analyze: --write-fix needs --settings IN.json (the experiment to apply the changes to)\n");
        return 2;
    }
    // Settings and profiles first: a typo in a name must not cost a long capture's analysis.
    core::AnalyzerOptions analyzerOptions;
    std::optional<core::Experiment> experiment;
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
        experiment = load.experiment;
    }
    auto profiles = resolveProfiles(options, experimentProfiles, options.settingsPath);
    if (!profiles.errors.empty()) {
        for (const auto& e : profiles.errors)
            std::fprintf(stderr, "keepalive-scope analyze: %s\n", e.c_str());
        return 2;
    }
    analyzerOptions.profiles = profiles.selected;
    core::FindingsAnalyzer analyzer(analyzerOptions);

    std::string error;
    // Opening a FIFO waits for its writer (as cat and tcpdump -r do): say so rather than sit silent.
    if (struct stat st {}; path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode))
        std::fprintf(stderr, "keepalive-scope: %s is a FIFO: waiting for a writer to open it (stop with Ctrl-C)\n",
            path.c_str());
    auto source = capture::PacketSource::open(path, error);
    if (!source) {
        std::fprintf(stderr, "keepalive-scope: %s\n", error.c_str());
        return 2;
    }
    const std::string name = path == "-" ? std::string("standard input") : path;
    if (const auto linkError = capture::unsupportedLinkTypeError(*source, name); !linkError.empty()) {
        std::fprintf(stderr, "keepalive-scope: %s\n", linkError.c_str());
        return 2;
    }

    RunInfo info;
    auto keyLog = std::make_shared<capture::KeyLog>();
    for (const auto& keyPath : keyLogPaths) {
        std::string keyError;
        if (!keyLog->loadFile(keyPath, info.warnings, keyError)) {
            std::fprintf(stderr, "keepalive-scope analyze: --keylog %s\n", keyError.c_str());
            return 2;
        }
    }
    for (const auto& w : info.warnings)
        std::fprintf(stderr, "keepalive-scope: warning: %s\n", w.c_str());
    info.source = name;
    info.linkType = capture::linkTypeDescription(source->linkType());
    if (source->isPcapng() && !capture::isSupportedLinkType(source->linkType()))
        info.linkType = "per interface (the first, " + info.linkType + ", is not decoded)";
    info.decimals = source->decimals();
    EventOutput out(json, all, source->isStream(), analyzer);
    // A file: the findings and the output run on a worker beside the decoding. A stream shows
    // each event as it comes, so its events go straight out.
    std::optional<EventPipe> pipe;
    if (!source->isStream())
        pipe.emplace(out);
    const auto drained = [&] {
        if (pipe)
            pipe->drain();
    };
    capture::CaptureEngine engine(source->linkType(), pipe ? static_cast<capture::EventSink&>(*pipe) : out);
    if (!keyLog->empty())
        engine.setKeyLog(keyLog);

    const auto read = capture::readCapture(*source, engine, name, [&] {
        if (!out.begun()) {
            drained();
            out.begin(info);
        }
    });
    if (!read.error.empty()) {
        std::fprintf(stderr, "keepalive-scope: %s\n", read.error.c_str());
        return 2;
    }
    if (!out.begun())
        out.begin(info);
    if (!read.stoppedEarly.empty()) {
        info.warnings.push_back(read.stoppedEarly);
        std::fprintf(stderr, "keepalive-scope: warning: %s\n", read.stoppedEarly.c_str());
    }
    for (const auto& w : engine.warnings()) {
        info.warnings.push_back(w);
        std::fprintf(stderr, "keepalive-scope: warning: %s\n", w.c_str());
    }
    info.warnings.insert(info.warnings.end(), read.warnings.begin(), read.warnings.end());
    info.packets = engine.counters().packets;
    info.originNs = engine.originNs();
    info.connections = engine.takeSummaries();
    drained(); // the analyzer's last findings and the document's tail come after every event
    info.showFindings = true;
    info.profiles = analyzerOptions.profiles;
    info.findings = analyzer.finishLast(info.connections); // no event follows
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
    if (!emitProfile.empty() && !writeInferredProfile(info.findings, emitProfile))
        return 2;
    if (!writeFix.empty() && !writeFixedExperiment(*experiment, info.findings, writeFix))
        return 2;
    return findingsExitStatus(options, info.findings);
}

} // namespace ks::app
