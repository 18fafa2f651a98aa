// The lint sub-command: loads an experiment file, resolves the load-balancer profiles (--lb plus
// the file's lb_profiles) and prints what core::lintSettings finds, as text or JSON.
#include "lint_command.h"

#include "core/config_lint.h"
#include "core/json_writer.h"
#include "core/report.h"
#include "findings_options.h"

#include <cstdio>

namespace ks::app {

namespace {

constexpr const char* kUsage
    = "usage: keepalive-scope lint FILE.json [--lb NAME[,NAME..]] [--lb-file FILE.json] [--json] [--fail-on "
      "warning|error]\n"
      "                             [--report OUT.md|OUT.json]\n"
      "  FILE.json  an experiment file (the format lab --config reads): client, server and tcp settings\n"
      "  --lb       judge the settings against these load-balancer profiles too (added to the file's lb_profiles)\n"
      "  --lb-file  add your own profiles (same JSON format as the catalogue); repeatable\n"
      "  --json     print {\"source\", \"lb_profiles\", \"findings\"} as JSON\n"
      "  --fail-on  exit with status 3 when a finding of this severity or worse exists\n"
      "  --report   also write a report: Markdown (.md) or JSON (.json)\n"
      "exit status: 0 done, 1 standard output could not be written, 2 bad input, bad options or an unwritable report,\n"
      "             3 findings at the --fail-on level\n";

} // namespace

int runLint(const std::vector<std::string>& args)
{
    FindingsOptions options;
    bool json = false;
    std::string path;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        std::string error;
        const auto parsed = parseFindingsOption(args, i, options, error);
        if (parsed == OptionParse::Error) {
            std::fprintf(stderr, "keepalive-scope lint: %s\n", error.c_str());
            return 2;
        }
        if (parsed == OptionParse::Ok)
            continue;
        if (arg == "--json") {
            json = true;
        } else if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg.size() > 1 && arg[0] == '-') {
            std::fprintf(stderr, "keepalive-scope lint: unknown option %s\n%s", arg.c_str(), kUsage);
            return 2;
        } else if (path.empty()) {
            path = arg;
        } else {
            std::fprintf(stderr, "keepalive-scope lint: one settings file at a time (got %s and %s)\n", path.c_str(),
                arg.c_str());
            return 2;
        }
    }
    if (path.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (!options.settingsPath.empty()) {
        std::fprintf(
            stderr, "keepalive-scope lint: --settings is for analyze; lint reads the settings from FILE.json\n");
        return 2;
    }
    const auto load = core::loadExperiment(path);
    if (!load.experiment) {
        for (const auto& e : load.errors)
            std::fprintf(stderr, "keepalive-scope lint: %s\n", e.c_str());
        return 2;
    }
    const auto& ex = *load.experiment;
    const auto profiles = resolveProfiles(options, ex.lbProfiles, path);
    if (!profiles.errors.empty()) {
        for (const auto& e : profiles.errors)
            std::fprintf(stderr, "keepalive-scope lint: %s\n", e.c_str());
        return 2;
    }
    const auto findings = core::lintSettings(ex.settings, profiles.selected, &ex.target);

    if (json) {
        std::string out = "{\"source\":";
        core::appendJsonString(out, path);
        out += ",\"lb_profiles\":[";
        for (std::size_t i = 0; i < profiles.selected.size(); ++i) {
            if (i)
                out += ",";
            core::appendJsonString(out, profiles.selected[i].profile.name);
        }
        out += "],\"findings\":" + core::findingsJson(findings) + "}\n";
        std::fputs(out.c_str(), stdout);
    } else {
        std::printf("%s: keepalive settings lint\n", path.c_str());
        printFindingsText(stdout, findings, profiles.selected);
    }
    std::fflush(stdout);

    if (!options.reportPath.empty()) {
        core::ReportInput report;
        report.source = path;
        report.settings = ex.settings;
        report.settingsSource = path;
        report.profiles = profiles.selected;
        report.findings = findings;
        if (auto error = core::writeReport(report, options.reportPath); !error.empty()) {
            std::fprintf(stderr, "keepalive-scope lint: %s\n", error.c_str());
            return 2;
        }
    }
    return findingsExitStatus(options, findings);
}

} // namespace ks::app
