// Shared findings options: parsing, catalogue resolution, the --fail-on exit status and the
// text rendering of findings.
#include "findings_options.h"

#include <algorithm>

namespace ks::app {

const CliOption kLbFileOption { "--lb-file", "FILE.json", "add your own profiles (the catalogue's JSON format)", true };
const CliOption kFailOnOption { "--fail-on", "warning|error",
    "exit with status 3 when a finding of this severity or worse exists (for CI)" };
const CliOption kReportOption { "--report", "OUT.md|OUT.json", "also write a report: Markdown (.md) or JSON (.json)" };

bool findingsOptionsFrom(const CliArgs& args, FindingsOptions& options, std::string& error)
{
    options.lb = args.all("--lb");
    options.lbFiles = args.all("--lb-file");
    options.settingsPath = args.value("--settings");
    options.reportPath = args.value("--report");
    if (args.has("--fail-on")) {
        const auto value = args.value("--fail-on");
        const auto level = core::parseSeverity(value);
        if (!level || *level == core::Severity::Info) {
            error = "--fail-on " + value + ": expected warning or error";
            return false;
        }
        options.failOn = level;
    }
    if (!options.reportPath.empty() && !options.reportPath.ends_with(".md")
        && !options.reportPath.ends_with(".markdown") && !options.reportPath.ends_with(".json")) {
        error = "--report " + options.reportPath + ": name it .md (Markdown) or .json (JSON)";
        return false;
    }
    return true;
}

ResolvedProfiles resolveProfiles(
    const FindingsOptions& options, const std::vector<std::string>& extraNames, const std::string& extraSource)
{
    ResolvedProfiles out;
    for (const auto& path : options.lbFiles) {
        auto load = core::loadLbCatalogueFile(path);
        out.errors.insert(out.errors.end(), load.errors.begin(), load.errors.end());
        for (auto& e : load.entries)
            out.userEntries.push_back(std::move(e));
    }
    if (!out.errors.empty())
        return out;
    std::vector<std::string> lists = options.lb;
    lists.insert(lists.end(), extraNames.begin(), extraNames.end());
    for (std::size_t i = 0; i < lists.size(); ++i) {
        auto sel = core::selectLbProfiles(lists[i], out.userEntries);
        for (auto& e : sel.errors) {
            // selectLbProfiles speaks of --lb; a name from the settings file is that file's.
            if (i >= options.lb.size() && !extraSource.empty() && e.rfind("--lb: ", 0) == 0)
                e = extraSource + ": lb_profiles: " + e.substr(6);
            out.errors.push_back(std::move(e));
        }
        for (auto& e : sel.entries) {
            const bool dup = std::any_of(out.selected.begin(), out.selected.end(),
                [&](const core::LbCatalogueEntry& s) { return s.profile.name == e.profile.name; });
            if (!dup)
                out.selected.push_back(std::move(e));
        }
    }
    return out;
}

int findingsExitStatus(const FindingsOptions& options, const std::vector<core::Finding>& findings)
{
    if (!options.failOn)
        return 0;
    const auto worst = core::worstSeverity(findings);
    return worst && *worst >= *options.failOn ? kExitFindings : 0;
}

void printFindingsText(
    std::FILE* out, const std::vector<core::Finding>& findings, const std::vector<core::LbCatalogueEntry>& profiles)
{
    std::size_t counts[3] = {};
    for (const auto& f : findings)
        ++counts[static_cast<std::size_t>(f.severity)];
    std::fprintf(
        out, "\nfindings: %zu (%zu error, %zu warning, %zu info)", findings.size(), counts[2], counts[1], counts[0]);
    if (profiles.empty()) {
        std::fputs("; no load-balancer profile chosen (--lb NAME,...; list: keepalive-scope lb-profiles)\n", out);
    } else {
        std::string names;
        for (const auto& p : profiles)
            names += (names.empty() ? "" : ", ") + p.profile.name + " (" + core::formatDuration(p.profile.idleTimeoutS)
                + ")";
        std::fprintf(out, "; judged against %s\n", names.c_str());
    }
    for (const auto& f : findings) {
        std::string where = f.conn ? "conn " + std::to_string(*f.conn)
                                   : std::string(f.id.rfind("lint-", 0) == 0 ? "settings" : "capture");
        std::fprintf(out, "\n  %-7s %s  %s\n", std::string(core::severityName(f.severity)).c_str(), where.c_str(),
            f.title.c_str());
        std::fprintf(
            out, "          kind %s%s%s\n", f.id.c_str(), f.profile.empty() ? "" : ", profile ", f.profile.c_str());
        std::fprintf(out, "          %s\n", f.detail.c_str());
        if (!f.suggestion.empty())
            std::fprintf(out, "          what to do: %s\n", f.suggestion.c_str());
        if (!f.changes.empty()) {
            std::string list;
            for (const auto& c : f.changes)
                list += (list.empty() ? "" : ", ") + std::string(core::settingSideName(c.side)) + "." + c.setting + "="
                    + std::to_string(c.value);
            std::fprintf(out, "          as settings: %s\n", list.c_str());
        }
        if (!f.evidence.empty()) {
            std::string ev;
            for (auto idx : f.evidence)
                ev += (ev.empty() ? "#" : ", #") + std::to_string(idx);
            std::fprintf(out, "          evidence: events %s\n", ev.c_str());
        }
    }
}

} // namespace ks::app
