// A finding: what the analyzer or the settings lint concluded, in an SRE's words, with the event
// indexes that show it and the setting to change (DESIGN.md, "Events" and the JSON contract).
#pragma once

#include "boxed.h"
#include "keepalive_settings.h"
#include "lb_catalogue.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

enum class Severity : std::uint8_t { Info, Warning, Error };
std::string_view severityName(Severity severity); // "info", "warning", "error"
std::optional<Severity> parseSeverity(std::string_view name);

// One machine-readable setting change, in the experiment file's names (core/experiment.h): side
// "client", "server" or "tcp", setting a key of settingSpecs() for that side, value in the spec's
// unit (booleans 0/1). JSON: {"side":"client","setting":"keepalive_time_ms","value":640,"unit":"ms"}.
// A finding's changes together meet the constraint its title/suggestion states (e.g. every value
// below a timeout); where no setting can, the finding has no change for it and says why.
struct SettingChange {
    SettingSide side = SettingSide::Client;
    std::string setting; // "keepalive_time_ms"
    std::int64_t value = 0;
    SettingUnit unit = SettingUnit::Milliseconds; // as the spec declares it
    bool operator==(const SettingChange&) const = default;
};
// Applies the changes to settings; returns one message per change that does not fit (unknown
// setting, out of range), empty when all applied.
std::vector<std::string> applyChanges(KeepaliveSettings& settings, const std::vector<SettingChange>& changes);
struct Finding;
// All findings' changes as one list, one entry per setting: where two findings change the same
// setting, the smaller number wins and true wins for booleans. (The analyzer's changes to one
// setting all point the same way: intervals below a limit, max_pings_without_data 0, or a server
// limit set to never.)
std::vector<SettingChange> mergeChanges(const std::vector<Finding>& findings);

struct Finding {
    std::string id; // the kind, stable for scripts: "goaway-too-many-pings", "lb-idle-timeout", ...
    Severity severity = Severity::Info;
    std::optional<std::uint32_t> conn; // absent for settings lint
    std::string title; // one line
    std::string detail; // what happened, with the figures
    std::vector<std::uint64_t> evidence; // event indexes
    std::string suggestion; // the setting to change and to what; may be empty
    std::string profile; // the LB profile it was judged against, if any
    double figure = -1; // the key figure in seconds (interval, timeout, age, gap); < 0 when none
    // The suggestion as changes (JSON "changes"); alternatives are separate findings' business:
    // every change listed here is meant to be applied together.
    std::vector<SettingChange> changes;
    // "inferred-idle-timer" only: the middlebox profile inferred from the capture (name
    // "inferred-idle-timer", idle_timeout_s = figure, on_expiry as seen), in catalogue form
    // (lbCatalogueEntryJson); JSON "inferred_profile". `analyze --emit-profile` writes it.
    OptionalBox<LbCatalogueEntry> inferredProfile; // boxed: a busy host has many findings, one of this
    // "inferred-idle-timer" only: the longest gap a connection survived (a lower bound), < 0 when none.
    double lowerBoundS = -1;
};

// {"side":..,"setting":..,"value":..,"unit":..}
std::string settingChangeJson(const SettingChange& change);

// The findings as a JSON array (DESIGN.md: id, severity, conn, title, detail, evidence, suggestion;
// plus profile, figure_s, changes, inferred_profile and lower_bound_s where they apply).
std::string findingsJson(const std::vector<Finding>& findings);
// One finding of that array.
std::string findingJson(const Finding& finding);
// The same through nlohmann::json's document tree: what findingJson writes when a text is not
// plain (invalid UTF-8, control characters). findingJson's fast path must equal it byte for byte.
std::string findingJsonTree(const Finding& finding);
// The worst severity present, if any.
std::optional<Severity> worstSeverity(const std::vector<Finding>& findings);

// "1.0 s", "350 s", "2.5 ms", "2 h": for titles and details.
std::string formatDuration(double seconds);

} // namespace ks::core
