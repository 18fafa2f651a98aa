// The lint sub-command: loads an experiment file, resolves the load-balancer profiles (--lb plus
// the file's lb_profiles) and prints what core::lintSettings finds, as text or JSON.
#include "lint_command.h"

#include "core/config_lint.h"
#include "core/json_input.h"
#include "core/json_writer.h"
#include "core/report.h"
#include "core/settings_snippets.h"
#include "findings_options.h"

#include <cstdio>
#include <optional>
#include <string_view>

namespace ks::app {

namespace {

const CliCommand& lintCommand()
{
    static const CliCommand command {
        "keepalive-scope lint",
        "usage: keepalive-scope lint FILE.json [--lb NAME[,NAME..]] [--lb-file FILE.json] [--json] [--fail-on "
        "warning|error]\n"
        "                             [--report OUT.md|OUT.json]\n"
        "       keepalive-scope lint FILE.json --code grpc++|grpc-go|grpc-java|python\n",
        "  FILE.json                 an experiment file (the format lab --config reads): client, server and tcp "
        "settings\n",
        {
            { "--lb", "NAME[,NAME..]",
                "judge the settings against these load-balancer profiles too (added to the file's lb_profiles)", true },
            kLbFileOption,
            { "--json", "", "print {\"source\", \"lb_profiles\", \"findings\"} as JSON" },
            kFailOnOption,
            kReportOption,
            { "--code", "LANG",
                "print the file's keepalive settings as code for that stack (grpc++, grpc-go, grpc-java or python),\n"
                "as the window's Export > Settings writes it, instead of the findings" },
        },
        "exit status: 0 done, 1 standard output could not be written, 2 bad input, bad options or an unwritable "
        "report,\n"
        "             3 findings at the --fail-on level\n",
        1,
        "settings file",
    };
    return command;
}

int printCode(const core::Experiment& ex, std::string_view languageName)
{
    const auto language = core::snippetLanguageFor(languageName, /*orName=*/true); // "grpc-go" or "go"
    if (!language) {
        std::fprintf(stderr,
            "keepalive-scope lint: --code %s: expected grpc++, grpc-go, grpc-java or python (or cc, go, java, py)\n",
            core::quotedText(languageName).c_str());
        return 2;
    }
    std::fputs(core::settingsSnippet(ex.settings, *language).c_str(), stdout);
    return 0;
}

} // namespace

int runLint(const std::vector<std::string>& args)
{
    const CliCommand& command = lintCommand();
    CliArgs parsed;
    if (const int status = parseCliOrExit(command, args, parsed); status >= 0)
        return status;
    FindingsOptions options;
    if (std::string error; !findingsOptionsFrom(parsed, options, error)) {
        std::fprintf(stderr, "keepalive-scope lint: %s\n", error.c_str());
        return 2;
    }
    const bool json = parsed.has("--json");
    if (parsed.operands.empty()) {
        std::fputs(cliUsage(command).c_str(), stderr);
        return 2;
    }
    const std::string path = parsed.operands.front();
    const auto load = core::loadExperiment(path);
    if (!load.experiment) {
        for (const auto& e : load.errors)
            std::fprintf(stderr, "keepalive-scope lint: %s\n", e.c_str());
        return 2;
    }
    const auto& ex = *load.experiment;
    if (parsed.has("--code")) {
        if (json || parsed.has("--report") || parsed.has("--fail-on")) {
            std::fprintf(
                stderr, "keepalive-scope lint: --code prints code only: drop --json, --report and --fail-on\n");
            return 2;
        }
        return printCode(ex, parsed.value("--code"));
    }
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
