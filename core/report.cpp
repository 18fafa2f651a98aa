// Report rendering (Markdown, JSON) and the atomic file write.
// reportMarkdown (some 90 lines) writes the report's sections in order, one block each.
#include "report.h"

#include "event_json.h"
#include "json_writer.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ks::core {

namespace {

std::string seconds(std::int64_t ns, int decimals)
{
    std::string s;
    appendSeconds(s, ns, decimals);
    return s;
}

// A TLS connection read without its keys has PINGs only by inference from record sizes.
std::string inferredNote(const ConnectionSummary& c)
{
    const bool unread = c.tls && c.tls->decryption != "decrypted";
    return unread && c.count(EventType::Ping) + c.count(EventType::PingAck) > 0 ? " (inferred from TLS record sizes)"
                                                                                : "";
}

// "yes", or for TLS "yes (TLS 1.3, decrypted)" / "TLS 1.3, no keys"
std::string http2Text(const ConnectionSummary& c)
{
    std::string s = c.http2 ? "yes" : "no";
    if (c.tls)
        s += " (" + (c.tls->version.empty() ? std::string("TLS") : c.tls->version)
            + (c.tls->decryption.empty() ? std::string() : ", " + c.tls->decryption) + ")";
    return s;
}

std::string endingText(ConnectionEnd end, bool partial)
{
    switch (end) {
    case ConnectionEnd::FinC2S:
        return "closed by the client (FIN)";
    case ConnectionEnd::FinS2C:
        return "closed by the server (FIN)";
    case ConnectionEnd::RstC2S:
        return "reset from the client's side (RST)";
    case ConnectionEnd::RstS2C:
        return "reset from the server's side (RST)";
    case ConnectionEnd::Open:
        break;
    }
    return partial ? "open when the read stopped (cancelled)" : "open at the end of the capture";
}

// Markdown table cells cannot hold '|' or newlines.
std::string cell(std::string text)
{
    for (auto& ch : text)
        if (ch == '|' || ch == '\n')
            ch = ch == '|' ? '/' : ' ';
    return text;
}

std::string valueText(const SettingSpec& spec, std::int64_t v)
{
    if (v >= kInfinite && (spec.unit == SettingUnit::Milliseconds || spec.unit == SettingUnit::Seconds))
        return "never";
    if (spec.unit == SettingUnit::Boolean)
        return v ? "true" : "false";
    std::string text = std::to_string(v);
    if (spec.unit != SettingUnit::Count) {
        text += ' ';
        text += settingUnitName(spec.unit);
    }
    return text;
}

} // namespace

std::string reportMarkdown(const ReportInput& in)
{
    std::string md = "# Keepalive Scope report: " + in.source + "\n\n";
    if (!in.partial.empty())
        md += "**" + in.partial + "**\n\n";
    std::size_t counts[3] = {};
    for (const auto& f : in.findings)
        ++counts[static_cast<int>(f.severity)];
    md += std::to_string(in.findings.size()) + " findings: " + std::to_string(counts[2]) + " error, "
        + std::to_string(counts[1]) + " warning, " + std::to_string(counts[0]) + " info";
    if (!in.connections.empty())
        md += "; " + std::to_string(in.connections.size()) + " TCP connections, " + std::to_string(in.packets)
            + " packets";
    md += ".\n\n## Findings\n\n";
    if (in.findings.empty())
        md += "None.\n";
    for (const auto& f : in.findings) {
        md += "### " + std::string(severityName(f.severity)) + ": " + f.title + "\n\n";
        md += "- kind: `" + f.id + "`";
        if (f.conn)
            md += ", connection " + std::to_string(*f.conn);
        if (!f.profile.empty())
            md += ", profile `" + f.profile + "`";
        md += "\n";
        if (!f.evidence.empty()) {
            md += "- evidence (event indexes): ";
            for (std::size_t i = 0; i < f.evidence.size(); ++i)
                md += (i ? ", " : "") + std::to_string(f.evidence[i]);
            md += "\n";
        }
        md += "\n" + f.detail + "\n\n";
        if (!f.suggestion.empty())
            md += "**What to do:** " + f.suggestion + "\n\n";
        if (!f.changes.empty()) {
            md += "**As settings:**";
            for (const auto& c : f.changes)
                md += " `" + std::string(settingSideName(c.side)) + "." + c.setting + "=" + std::to_string(c.value)
                    + "`";
            md += "\n\n";
        }
    }
    if (!in.connections.empty()) {
        md += "## Connections\n\n| conn | client | server | HTTP/2 | from (s) | to (s) | ending | how it ended | "
              "longest idle (s) | PING / ACK | GOAWAY | TCP keep-alive | RST |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
        for (const auto& c : in.connections)
            md += "| " + std::to_string(c.id) + " | " + c.client + " | " + c.server + " | " + http2Text(c) + " | "
                + seconds(c.firstNs - in.originNs, in.decimals) + " | " + seconds(c.lastNs - in.originNs, in.decimals)
                + " | " + endingText(c.end, !in.partial.empty()) + " | " + std::string(endCauseLabel(c))
                + (c.endDetail.empty() ? "" : ": " + cell(c.endDetail.str())) + " | " + seconds(c.longestIdleNs, 3)
                + " | " + std::to_string(c.count(EventType::Ping)) + " / " + std::to_string(c.count(EventType::PingAck))
                + inferredNote(c) + " | " + std::to_string(c.count(EventType::Goaway)) + " | "
                + std::to_string(c.count(EventType::TcpKeepalive)) + " | " + std::to_string(c.count(EventType::Rst))
                + " |\n";
        md += "\n";
    }
    md += "## Load-balancer profiles\n\n";
    if (in.profiles.empty())
        md += "None chosen (" + in.profilesHint + ").\n\n";
    else {
        md += "| name | idle timeout | configurable | on expiry | TCP keep-alive resets idle | HTTP/2 PING resets idle "
              "| source |\n"
              "| --- | --- | --- | --- | --- | --- | --- |\n";
        for (const auto& e : in.profiles) {
            const auto& p = e.profile;
            std::string range = "no";
            if (p.configurableMinS || p.configurableMaxS)
                range = (p.configurableMinS ? formatDuration(*p.configurableMinS) : "?") + " .. "
                    + (p.configurableMaxS ? formatDuration(*p.configurableMaxS) : "?");
            auto tri = [](const std::optional<bool>& b) { return b ? (*b ? "yes" : "no") : "not documented"; };
            md += "| " + p.name + " | " + formatDuration(p.idleTimeoutS) + " | " + range + " | "
                + std::string(lbExpiryActionWords(p.onExpiry)) + " | " + tri(p.tcpKeepaliveResetsIdle) + " | "
                + tri(e.http2PingResetsIdle) + " | " + cell(p.source) + " |\n";
        }
        md += "\n";
    }
    md += "## Settings\n\n";
    if (!in.settings)
        md += "Not given (" + in.settingsHint + "); findings come from the capture alone.\n\n";
    else {
        md += "From `" + in.settingsSource
            + "`; values not set in the file are gRPC's defaults.\n\n| side | setting | value | set |\n| --- | --- | "
              "--- | --- |\n";
        for (const auto& spec : settingSpecs())
            md += "| " + std::string(settingSideName(spec.side)) + " | " + std::string(spec.key) + " | "
                + valueText(spec, in.settings->value(spec.side, spec.key)) + " | "
                + (in.settings->isSet(spec.side, spec.key) ? "yes" : "default") + " |\n";
        md += "\n";
    }
    for (const auto& w : in.warnings)
        md += "Warning: " + w + "\n\n";
    return md;
}

std::string reportJson(const ReportInput& in)
{
    nlohmann::ordered_json j;
    j["format"] = "keepalive-scope-report";
    j["version"] = 1;
    j["source"] = in.source;
    if (!in.partial.empty())
        j["partial"] = in.partial;
    j["packets"] = in.packets;
    if (in.settings) {
        nlohmann::ordered_json s;
        for (const auto& spec : settingSpecs())
            s[std::string(settingSideName(spec.side))][std::string(spec.key)] = in.settings->value(spec.side, spec.key);
        j["settings"] = s;
        j["settings_source"] = in.settingsSource;
    } else {
        j["settings"] = nullptr;
    }
    auto profiles = nlohmann::ordered_json::array();
    for (const auto& e : in.profiles)
        profiles.push_back(nlohmann::ordered_json::parse(lbCatalogueEntryJson(e)));
    j["lb_profiles"] = profiles;
    OutputBuffer conns;
    conns.append("[");
    for (std::size_t i = 0; i < in.connections.size(); ++i) {
        if (i)
            conns.append(",");
        appendConnectionJson(conns, in.connections[i], in.originNs, in.decimals);
    }
    conns.append("]");
    j["connections"] = nlohmann::ordered_json::parse(conns.view());
    // Where a connection's PINGs are known only from TLS record sizes, the report says so.
    for (std::size_t i = 0; i < in.connections.size(); ++i)
        if (!inferredNote(in.connections[i]).empty())
            j["connections"][i]["pings"] = "inferred from TLS record sizes";
    j["findings"] = nlohmann::ordered_json::parse(findingsJson(in.findings));
    j["warnings"] = in.warnings;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string writeFileAtomically(const std::string& path, const std::string& text)
{
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return path + ": cannot write (" + std::strerror(errno) + ")";
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const std::string err = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return path + ": write failed (" + err + ")";
        }
        done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    const int syncErrno = errno;
    if (::close(fd) != 0 || !synced) {
        const std::string err = std::strerror(synced ? errno : syncErrno);
        ::unlink(tmp.c_str());
        return path + ": write failed (" + err + ")";
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string err = std::strerror(errno);
        ::unlink(tmp.c_str());
        return path + ": cannot replace the file (" + err + ")";
    }
    return {};
}

std::string writeReport(const ReportInput& input, const std::string& path)
{
    auto endsWith = [&](std::string_view suffix) {
        return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (endsWith(".md") || endsWith(".markdown"))
        return writeFileAtomically(path, reportMarkdown(input));
    if (endsWith(".json"))
        return writeFileAtomically(path, reportJson(input));
    return path + ": unknown report format (name it .md for Markdown or .json for JSON)";
}

} // namespace ks::core
