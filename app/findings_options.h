// The findings options that analyze and lint share (--lb, --lb-file, --settings, --fail-on,
// --report), their option-table entries, how they are read and resolved against the catalogue, and the text rendering
// of findings.
#pragma once

#include "cli_options.h"
#include "core/experiment.h"
#include "core/finding.h"
#include "core/lb_catalogue.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace ks::app {

// Exit status when --fail-on is met: distinct from 1 (runtime failure) and 2 (bad input).
inline constexpr int kExitFindings = 3;

struct FindingsOptions {
    std::vector<std::string> lb; // --lb values, each a comma list
    std::vector<std::string> lbFiles; // --lb-file
    std::string settingsPath; // --settings (analyze)
    std::optional<core::Severity> failOn;
    std::string reportPath;
};

// The table entries of the shared options, for the commands' option tables.
extern const CliOption kLbFileOption; // --lb-file FILE.json, repeatable
extern const CliOption kFailOnOption; // --fail-on warning|error
extern const CliOption kReportOption; // --report OUT.md|OUT.json

// The shared options out of parsed arguments (--lb, --lb-file, --settings, --fail-on, --report,
// whichever the command's table has). False with error set when --fail-on names no level.
bool findingsOptionsFrom(const CliArgs& args, FindingsOptions& options, std::string& error);

struct ResolvedProfiles {
    std::vector<core::LbCatalogueEntry> userEntries; // from --lb-file, all of them
    std::vector<core::LbCatalogueEntry> selected; // --lb, then extraNames, without duplicates
    std::vector<std::string> errors;
};
// Loads every --lb-file and resolves the --lb names plus extraNames (an experiment's lb_profiles,
// from the file extraSource, which messages about them name).
ResolvedProfiles resolveProfiles(const FindingsOptions& options, const std::vector<std::string>& extraNames = {},
    const std::string& extraSource = {});

// The --fail-on decision: kExitFindings when a finding at or above the threshold exists, else 0.
int findingsExitStatus(const FindingsOptions& options, const std::vector<core::Finding>& findings);

// "findings: 3 (1 error, 1 warning, 1 info)" and one block per finding.
void printFindingsText(
    std::FILE* out, const std::vector<core::Finding>& findings, const std::vector<core::LbCatalogueEntry>& profiles);

} // namespace ks::app
