// The report export: settings, load-balancer profiles, connection summaries and findings, as
// Markdown (for a ticket or a postmortem) or JSON (for tools), written atomically.
#pragma once

#include "connection_summary.h"
#include "experiment.h"
#include "finding.h"
#include "lb_catalogue.h"

#include <optional>
#include <string>
#include <vector>

namespace ks::core {

struct ReportInput {
    std::string source; // the capture, or the settings file for lint
    std::optional<KeepaliveSettings> settings;
    std::string settingsSource;
    std::vector<LbCatalogueEntry> profiles;
    std::vector<ConnectionSummary> connections;
    std::int64_t originNs = 0;
    int decimals = 6;
    std::uint64_t packets = 0;
    std::vector<Finding> findings;
    std::vector<std::string> warnings;
    // Non-empty when the input holds only part of its capture (the window's read was
    // cancelled): said first, and open connections are "open when the read stopped".
    std::string partial;
    // How the reader chooses profiles and gives settings, in the words of the program that wrote
    // the report (the command line's flags, or the window's panels).
    std::string profilesHint = "`--lb NAME,...`";
    std::string settingsHint = "`--settings FILE.json`, an experiment file";
};

std::string reportMarkdown(const ReportInput& input);
std::string reportJson(const ReportInput& input);
// Markdown for *.md / *.markdown, JSON for *.json; anything else is an error. Writes a temporary
// file beside path, fsyncs it and renames it over path. Returns an error message or "".
std::string writeReport(const ReportInput& input, const std::string& path);
// Writes text to path the same way (temporary file, fsync, rename).
std::string writeFileAtomically(const std::string& path, const std::string& text);

} // namespace ks::core
