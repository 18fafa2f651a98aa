// A finding: what the analyzer or the settings lint concluded, in an SRE's words, with the event
// indexes that show it and the setting to change (DESIGN.md, "Events" and the JSON contract).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

enum class Severity : std::uint8_t { Info, Warning, Error };
std::string_view severityName(Severity severity); // "info", "warning", "error"
std::optional<Severity> parseSeverity(std::string_view name);

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
};

// The findings as a JSON array (DESIGN.md: id, severity, conn, title, detail, evidence, suggestion;
// plus profile and figure_s where they apply).
std::string findingsJson(const std::vector<Finding>& findings);
// The worst severity present, if any.
std::optional<Severity> worstSeverity(const std::vector<Finding>& findings);

// "1.0 s", "350 s", "2.5 ms", "2 h": for titles and details.
std::string formatDuration(double seconds);

} // namespace ks::core
