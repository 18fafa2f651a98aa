// Severity names, duration wording and the JSON form of findings.
#include "finding.h"
#include "json_writer.h"
#include "number_format.h"
#include "utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace ks::core {

std::string_view severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return "info";
    case Severity::Warning:
        return "warning";
    case Severity::Error:
        return "error";
    }
    return "info";
}

std::optional<Severity> parseSeverity(std::string_view name)
{
    for (auto s : { Severity::Info, Severity::Warning, Severity::Error })
        if (severityName(s) == name)
            return s;
    return std::nullopt;
}

namespace {

nlohmann::ordered_json changeObject(const SettingChange& c)
{
    nlohmann::ordered_json j;
    j["side"] = settingSideName(c.side);
    j["setting"] = c.setting;
    if (c.unit == SettingUnit::Boolean)
        j["value"] = c.value != 0;
    else
        j["value"] = c.value;
    j["unit"] = settingUnitName(c.unit);
    return j;
}

} // namespace

std::string settingChangeJson(const SettingChange& change)
{
    return changeObject(change).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> applyChanges(KeepaliveSettings& settings, const std::vector<SettingChange>& changes)
{
    std::vector<std::string> problems;
    for (const auto& c : changes) {
        const std::string field = std::string(settingSideName(c.side)) + "." + c.setting;
        if (!findSetting(c.side, c.setting)) {
            problems.push_back(field + ": unknown setting");
            continue;
        }
        if (auto problem = settings.set(c.side, c.setting, c.value); !problem.empty())
            problems.push_back(problem);
    }
    return problems;
}

std::vector<SettingChange> mergeChanges(const std::vector<Finding>& findings)
{
    std::vector<SettingChange> out;
    for (const auto& f : findings) {
        for (const auto& c : f.changes) {
            auto it = std::find_if(out.begin(), out.end(),
                [&](const SettingChange& o) { return o.side == c.side && o.setting == c.setting; });
            if (it == out.end())
                out.push_back(c);
            else if (c.unit == SettingUnit::Boolean)
                it->value = std::max(it->value, c.value);
            else
                it->value = std::min(it->value, c.value);
        }
    }
    return out;
}

namespace {

// Printable ASCII and well-formed UTF-8 (utf8.h): escaped the same by appendJsonString and by
// nlohmann::json, which copies such UTF-8 as it is (ensure_ascii off) but writes other control
// characters its own way and replaces invalid UTF-8. Finding texts carry UTF-8 ("µs"), so most
// take the direct path.
bool plainText(std::string_view text)
{
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i < text.size();) {
        if (p[i] >= 0x20 && p[i] <= 0x7e)
            ++i;
        else if (const std::size_t len = utf8SequenceLength(p + i, text.size() - i))
            i += len;
        else
            return false; // a control character, DEL or bytes that are not well-formed UTF-8
    }
    return true;
}

// A number as nlohmann::json writes it (shortest round-trip form).
void appendJsonNumber(std::string& out, double number)
{
    out += nlohmann::ordered_json(number).dump();
}

// findingJson without building a document tree (a busy host's capture holds a finding per
// connection), byte for byte what the tree dumps; false (nothing written) for a finding whose
// text is not plainText or that carries an inferred profile.
bool appendFindingJsonDirect(std::string& out, const Finding& f)
{
    if (f.inferredProfile
        || !std::ranges::all_of(
            std::initializer_list<std::string_view> { f.id, f.title, f.detail, f.suggestion, f.profile }, plainText))
        return false;
    out += "{\"id\":";
    appendJsonString(out, f.id);
    out += ",\"severity\":\"";
    out += severityName(f.severity);
    out += "\",\"conn\":";
    out += f.conn ? std::to_string(*f.conn) : std::string("null");
    out += ",\"title\":";
    appendJsonString(out, f.title);
    out += ",\"detail\":";
    appendJsonString(out, f.detail);
    out += ",\"evidence\":[";
    for (std::size_t i = 0; i < f.evidence.size(); ++i) {
        if (i)
            out += ',';
        out += std::to_string(f.evidence[i]);
    }
    out += ']';
    if (!f.suggestion.empty()) {
        out += ",\"suggestion\":";
        appendJsonString(out, f.suggestion);
    }
    if (!f.profile.empty()) {
        out += ",\"profile\":";
        appendJsonString(out, f.profile);
    }
    if (f.figure >= 0) {
        out += ",\"figure_s\":";
        appendJsonNumber(out, std::round(f.figure * 1e6) / 1e6);
    }
    if (!f.changes.empty()) {
        out += ",\"changes\":[";
        for (std::size_t i = 0; i < f.changes.size(); ++i) {
            if (i)
                out += ',';
            out += settingChangeJson(f.changes[i]);
        }
        out += ']';
    }
    if (f.lowerBoundS >= 0) {
        out += ",\"lower_bound_s\":";
        appendJsonNumber(out, std::round(f.lowerBoundS * 1e6) / 1e6);
    }
    out += '}';
    return true;
}

} // namespace

std::string findingJson(const Finding& f)
{
    if (std::string direct; appendFindingJsonDirect(direct, f))
        return direct;
    return findingJsonTree(f);
}

std::string findingJsonTree(const Finding& f)
{
    nlohmann::ordered_json j;
    j["id"] = f.id;
    j["severity"] = severityName(f.severity);
    j["conn"] = f.conn ? nlohmann::ordered_json(*f.conn) : nlohmann::ordered_json(nullptr);
    j["title"] = f.title;
    j["detail"] = f.detail;
    j["evidence"] = f.evidence;
    if (!f.suggestion.empty())
        j["suggestion"] = f.suggestion;
    if (!f.profile.empty())
        j["profile"] = f.profile;
    if (f.figure >= 0)
        j["figure_s"] = std::round(f.figure * 1e6) / 1e6;
    if (!f.changes.empty()) {
        j["changes"] = nlohmann::ordered_json::array();
        for (const auto& c : f.changes)
            j["changes"].push_back(changeObject(c));
    }
    if (f.lowerBoundS >= 0)
        j["lower_bound_s"] = std::round(f.lowerBoundS * 1e6) / 1e6;
    if (f.inferredProfile)
        j["inferred_profile"] = nlohmann::ordered_json::parse(lbCatalogueEntryJson(*f.inferredProfile));
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The array's compact dump is its items' dumps joined by commas: built one item at a time, not
// as one document tree (a busy host's capture can hold a finding per connection).
std::string findingsJson(const std::vector<Finding>& findings)
{
    std::string out = "[";
    for (std::size_t i = 0; i < findings.size(); ++i) {
        if (i)
            out += ",";
        out += findingJson(findings[i]);
    }
    return out + "]";
}

std::optional<Severity> worstSeverity(const std::vector<Finding>& findings)
{
    std::optional<Severity> worst;
    for (const auto& f : findings)
        if (!worst || f.severity > *worst)
            worst = f.severity;
    return worst;
}

namespace {

// formatDuration's common cases without printf (a busy host's capture asks for a million): the
// same digits, formatFixed printing what printf's %.Nf prints.
bool formatDurationFast(double s, std::string& out)
{
    if (!(s >= 0 && s < 1e15))
        return false;
    char buf[96];
    char* p = buf;
    const auto text = [&p](std::string_view t) {
        std::memcpy(p, t.data(), t.size());
        p += t.size();
    };
    if (s < 0.99995) {
        p = formatFixed(p, s * 1000.0, 1);
        text(" ms");
    } else if (s < 9.995) {
        p = formatFixed(p, s, 2);
        text(" s");
    } else if (s < 599.5) {
        p = formatFixed(p, s, 0);
        text(" s");
    } else if (s < 7200.0) {
        p = formatFixed(p, s, 0);
        text(" s (");
        p = formatFixed(p, s / 60.0, 0);
        text(" min)");
    } else {
        p = formatFixed(p, s, 0);
        text(" s (");
        p = formatFixed(p, s / 3600.0, 1);
        text(" h)");
    }
    out.assign(buf, p);
    return true;
}

} // namespace

std::string formatDuration(double s)
{
    char buf[48];
    if (s < 0)
        s = 0;
    // Below 0.05 ms "%.1f ms" would print "0.0 ms", as if no time passed: microseconds instead
    // (captures carry them, and nanoseconds in pcapng or nanosecond pcap).
    if (s < 0.00005) {
        if (s > 0 && s < 0.0000005)
            return "< 1 \u00b5s";
        std::snprintf(buf, sizeof buf, "%.0f \u00b5s", s * 1e6);
        return buf;
    }
    if (std::string fast; formatDurationFast(s, fast))
        return fast;
    // Thresholds sit where the rounding of the smaller unit would reach the next one
    // (0.99996 s is "1.00 s", not "1000.0 ms").
    if (s < 0.99995)
        std::snprintf(buf, sizeof buf, "%.1f ms", s * 1000.0);
    else if (s < 9.995)
        std::snprintf(buf, sizeof buf, "%.2f s", s);
    else if (s < 599.5)
        std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 7200.0)
        std::snprintf(buf, sizeof buf, "%.0f s (%.0f min)", s, s / 60.0);
    else
        std::snprintf(buf, sizeof buf, "%.0f s (%.1f h)", s, s / 3600.0);
    return buf;
}

} // namespace ks::core
