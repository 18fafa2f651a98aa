// Parsing and validation of load-balancer catalogue files; every error names the entry and field.
#include "lb_catalogue.h"

#include "input_file.h"
#include "json_input.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace ks::core {

namespace {

using nlohmann::json;

std::string entryLabel(std::string_view source, std::size_t i, const json& item)
{
    std::string label = std::string(source) + ": profiles[" + std::to_string(i) + "]";
    if (item.is_object() && item.contains("name") && item["name"].is_string())
        label += " (" + quotedText(item["name"].get<std::string>(), 64) + ")";
    return label;
}

// A JSON value for a message: ASCII only (escapes for everything else), at most 100 characters.
std::string shown(const json& v)
{
    std::string s = v.dump(-1, ' ', true, json::error_handler_t::replace);
    if (s.size() > 100)
        s = s.substr(0, 100) + "...";
    return s;
}

constexpr double kMinProfileSeconds = 0.001;
constexpr double kMaxProfileSeconds = 30.0 * 86400;

std::optional<double> seconds(
    const json& item, const char* key, const std::string& label, std::vector<std::string>& errors, bool required)
{
    if (!item.contains(key)) {
        if (required)
            errors.push_back(label + "." + key + ": missing (a number of seconds)");
        return std::nullopt;
    }
    // Bounded so that every figure derived from it (milliseconds as integers in suggestions) is
    // representable: no load balancer times out in under a millisecond or after 30 days.
    const auto& v = item[key];
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > kMaxProfileSeconds
        || (v.get<double>() > 0 && v.get<double>() < kMinProfileSeconds)) {
        errors.push_back(
            label + "." + key + ": must be a number of seconds, 0 or from 0.001 to 2592000 (30 days), got " + shown(v));
        return std::nullopt;
    }
    return v.get<double>();
}

std::optional<bool> optionalBool(
    const json& item, const char* key, const std::string& label, std::vector<std::string>& errors)
{
    if (!item.contains(key) || item[key].is_null())
        return std::nullopt;
    if (!item[key].is_boolean()) {
        errors.push_back(
            label + "." + key + ": must be true or false (or left out when unknown), got " + shown(item[key]));
        return std::nullopt;
    }
    return item[key].get<bool>();
}

std::optional<std::string> text(
    const json& item, const char* key, const std::string& label, std::vector<std::string>& errors, bool required)
{
    if (!item.contains(key)) {
        if (required)
            errors.push_back(label + "." + key + ": missing");
        return std::nullopt;
    }
    if (!item[key].is_string()) {
        errors.push_back(label + "." + key + ": must be a string, got " + shown(item[key]));
        return std::nullopt;
    }
    auto value = item[key].get<std::string>();
    // Profile text is printed (lb-profiles, findings, reports): no terminal control sequences.
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f) {
            errors.push_back(label + "." + key + ": contains a control character, got " + quotedText(value, 64));
            return std::nullopt;
        }
    return value;
}

const std::set<std::string> kKnownKeys = { "name", "title", "idle_timeout_s", "configurable", "on_expiry",
    "tcp_keepalive_resets_idle", "http2_ping_resets_idle", "idle_only_without_streams", "source", "notes" };

std::optional<LbCatalogueEntry> parseEntry(const json& item, const std::string& label, std::vector<std::string>& errors)
{
    if (!item.is_object()) {
        errors.push_back(label + ": must be an object");
        return std::nullopt;
    }
    const std::size_t before = errors.size();
    for (const auto& [key, value] : item.items())
        if (!kKnownKeys.contains(key))
            errors.push_back(label + "." + keyName(key)
                + ": unknown field (known: name, title, idle_timeout_s, configurable, "
                  "on_expiry, tcp_keepalive_resets_idle, http2_ping_resets_idle, "
                  "idle_only_without_streams, source, notes)");
    LbCatalogueEntry e;
    if (auto name = text(item, "name", label, errors, true)) {
        if (name->empty() || name->find_first_of(", \t") != std::string::npos || keyName(*name) != *name)
            errors.push_back(
                label + ".name: must be a non-empty id of letters, digits, - and _, got " + quotedText(*name, 64));
        e.profile.name = *name;
    }
    e.profile.title = text(item, "title", label, errors, false).value_or(e.profile.name);
    if (auto t = seconds(item, "idle_timeout_s", label, errors, true)) {
        if (*t <= 0)
            errors.push_back(label + ".idle_timeout_s: must be greater than 0");
        e.profile.idleTimeoutS = *t;
    }
    if (item.contains("configurable")) {
        const auto& c = item["configurable"];
        if (c.is_object()) {
            for (const auto& [key, value] : c.items())
                if (key != "min_s" && key != "max_s")
                    errors.push_back(label + ".configurable." + keyName(key) + ": unknown field (known: min_s, max_s)");
            e.profile.configurableMinS = seconds(c, "min_s", label + ".configurable", errors, false);
            e.profile.configurableMaxS = seconds(c, "max_s", label + ".configurable", errors, false);
            if (e.profile.configurableMinS && e.profile.configurableMaxS
                && *e.profile.configurableMinS > *e.profile.configurableMaxS)
                errors.push_back(label + ".configurable: min_s is greater than max_s");
        } else if (!c.is_boolean() || c.get<bool>()) {
            errors.push_back(label + ".configurable: must be {\"min_s\":..,\"max_s\":..} or false, got " + shown(c));
        }
    }
    if (auto a = text(item, "on_expiry", label, errors, true)) {
        if (auto action = parseLbExpiryAction(*a))
            e.profile.onExpiry = *action;
        else
            errors.push_back(label
                + ".on_expiry: must be one of rst (RST both ways), rst_next_packet, silent_drop, fin, goaway; got "
                + quotedText(*a, 64));
    }
    e.profile.tcpKeepaliveResetsIdle = optionalBool(item, "tcp_keepalive_resets_idle", label, errors);
    e.http2PingResetsIdle = optionalBool(item, "http2_ping_resets_idle", label, errors);
    e.idleOnlyWithoutStreams = optionalBool(item, "idle_only_without_streams", label, errors);
    e.profile.source = text(item, "source", label, errors, false).value_or("");
    e.profile.notes = text(item, "notes", label, errors, false).value_or("");
    if (errors.size() != before)
        return std::nullopt;
    return e;
}

} // namespace

LbCatalogueLoad parseLbCatalogue(std::string_view text, std::string_view sourceName)
{
    LbCatalogueLoad out;
    const std::string source(sourceName);
    json doc = json::parse(text.begin(), text.end(), nullptr, false);
    if (doc.is_discarded()) {
        const std::string problem = jsonProblem(text);
        out.errors.push_back(source + ": " + (problem.empty() ? "not valid JSON" : problem));
        return out;
    }
    const json* list = &doc;
    if (doc.is_object()) {
        if (doc.contains("format") && doc["format"] != "keepalive-scope-lb-profiles")
            out.errors.push_back(
                source + ".format: expected \"keepalive-scope-lb-profiles\", got " + shown(doc["format"]));
        if (doc.contains("version") && doc["version"] != 1)
            out.errors.push_back(source + ".version: only version 1 is known, got " + shown(doc["version"]));
        if (!doc.contains("profiles") || !doc["profiles"].is_array()) {
            out.errors.push_back(source + ".profiles: missing (an array of load-balancer profiles)");
            return out;
        }
        list = &doc["profiles"];
    } else if (!doc.is_array()) {
        out.errors.push_back(source + ": expected an object with \"profiles\" or an array of profiles");
        return out;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto label = entryLabel(source, i, (*list)[i]);
        if (auto e = parseEntry((*list)[i], label, out.errors)) {
            if (!names.insert(e->profile.name).second)
                out.errors.push_back(
                    label + ".name: " + quotedText(e->profile.name, 64) + " appears more than once in this file");
            else
                out.entries.push_back(std::move(*e));
        }
    }
    return out;
}

LbCatalogueLoad loadLbCatalogueFile(const std::string& path)
{
    std::string text;
    if (auto error = readInputFile(path, "a load-balancer profile file", text); !error.empty()) {
        LbCatalogueLoad out;
        out.errors.push_back(std::move(error));
        return out;
    }
    return parseLbCatalogue(text, path);
}

const std::vector<LbCatalogueEntry>& builtinLbCatalogue()
{
    static const std::vector<LbCatalogueEntry> entries
        = parseLbCatalogue(builtinLbCatalogueJson(), "lb_profiles.json").entries;
    return entries;
}

namespace {

nlohmann::ordered_json entryObject(const LbCatalogueEntry& e)
{
    const auto& p = e.profile;
    nlohmann::ordered_json o;
    o["name"] = p.name;
    o["title"] = p.title;
    o["idle_timeout_s"] = p.idleTimeoutS;
    if (p.configurableMinS || p.configurableMaxS) {
        o["configurable"] = nlohmann::ordered_json::object();
        if (p.configurableMinS)
            o["configurable"]["min_s"] = *p.configurableMinS;
        if (p.configurableMaxS)
            o["configurable"]["max_s"] = *p.configurableMaxS;
    } else {
        o["configurable"] = false;
    }
    o["on_expiry"] = lbExpiryActionName(p.onExpiry);
    if (p.tcpKeepaliveResetsIdle)
        o["tcp_keepalive_resets_idle"] = *p.tcpKeepaliveResetsIdle;
    if (e.http2PingResetsIdle)
        o["http2_ping_resets_idle"] = *e.http2PingResetsIdle;
    if (e.idleOnlyWithoutStreams)
        o["idle_only_without_streams"] = *e.idleOnlyWithoutStreams;
    o["source"] = p.source;
    if (!p.notes.empty())
        o["notes"] = p.notes;
    return o;
}

} // namespace

std::string lbCatalogueEntryJson(const LbCatalogueEntry& entry)
{
    return entryObject(entry).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string lbCatalogueJson(const std::vector<LbCatalogueEntry>& entries)
{
    nlohmann::ordered_json doc;
    doc["format"] = "keepalive-scope-lb-profiles";
    doc["version"] = 1;
    doc["profiles"] = nlohmann::ordered_json::array();
    for (const auto& e : entries)
        doc["profiles"].push_back(entryObject(e));
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

LbCatalogueLoad selectLbProfiles(std::string_view commaList, const std::vector<LbCatalogueEntry>& userEntries)
{
    LbCatalogueLoad out;
    auto find = [&](std::string_view name) -> const LbCatalogueEntry* {
        for (const auto* list : { &userEntries, &builtinLbCatalogue() })
            for (const auto& e : *list)
                if (e.profile.name == name)
                    return &e;
        return nullptr;
    };
    std::size_t start = 0;
    while (start <= commaList.size()) {
        auto end = commaList.find(',', start);
        if (end == std::string_view::npos)
            end = commaList.size();
        const auto name = commaList.substr(start, end - start);
        start = end + 1;
        if (name.empty())
            continue;
        if (const auto* e = find(name)) {
            out.entries.push_back(*e);
            continue;
        }
        std::string known;
        for (const auto* list : { &userEntries, &builtinLbCatalogue() })
            for (const auto& e : *list)
                known += (known.empty() ? "" : ", ") + e.profile.name;
        out.errors.push_back("--lb: unknown load-balancer profile " + quotedText(name, 64) + " (known: " + known + ")");
    }
    return out;
}

} // namespace ks::core
