// Experiment files, read: strict loading (every unknown key, wrong type and out-of-range value is
// reported with its field path). Writing them is experiment_save.cpp. parseExperiment stays one
// function of some 170 lines: it walks the file's sections in the schema's order, one block each.
#include "experiment.h"

#include "input_file.h"
#include "json_input.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ks::core {

using nlohmann::json;

namespace {

std::string typeName(const json& v)
{
    if (v.is_boolean())
        return "a boolean";
    if (v.is_number_integer() || v.is_number_unsigned())
        return "an integer";
    if (v.is_number())
        return "a number";
    if (v.is_string())
        return "a string";
    if (v.is_array())
        return "an array";
    if (v.is_object())
        return "an object";
    return "null";
}

class Parser {
public:
    explicit Parser(std::string_view source)
        : m_source(source)
    {
    }

    std::vector<std::string> errors;

    void error(const std::string& field, const std::string& message)
    {
        errors.push_back(std::string(m_source) + ": " + field + ": " + message);
    }

    // Reports keys of obj not in allowed.
    void checkKeys(const json& obj, const std::string& field, std::initializer_list<std::string_view> allowed)
    {
        for (const auto& [key, value] : obj.items()) {
            bool known = false;
            for (auto a : allowed)
                known = known || a == key;
            if (!known) {
                std::string list;
                for (auto a : allowed)
                    list += (list.empty() ? "" : ", ") + std::string(a);
                error(field.empty() ? keyName(key) : field + "." + keyName(key),
                    "unknown key (allowed here: " + list + ")");
            }
        }
    }

    bool object(const json& v, const std::string& field)
    {
        if (v.is_object())
            return true;
        error(field, "expected an object, got " + typeName(v));
        return false;
    }

    std::optional<double> number(const json& v, const std::string& field, double min, double max, std::string_view unit)
    {
        if (!v.is_number()) {
            error(field, "expected a number of " + std::string(unit) + ", got " + typeName(v));
            return std::nullopt;
        }
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < min || d > max) {
            std::ostringstream os;
            os << d << " is out of range (allowed: " << min << ".." << max << " " << unit << ")";
            error(field, os.str());
            return std::nullopt;
        }
        return d;
    }

    std::optional<std::string> string(const json& v, const std::string& field)
    {
        if (!v.is_string()) {
            error(field, "expected a string, got " + typeName(v));
            return std::nullopt;
        }
        return v.get<std::string>();
    }

    std::optional<bool> boolean(const json& v, const std::string& field)
    {
        if (!v.is_boolean()) {
            error(field, "expected true or false, got " + typeName(v));
            return std::nullopt;
        }
        return v.get<bool>();
    }

    void settings(const json& obj, SettingSide side, KeepaliveSettings& out)
    {
        const std::string sideName(settingSideName(side));
        if (!object(obj, sideName))
            return;
        for (const auto& [key, value] : obj.items()) {
            const std::string field = sideName + "." + keyName(key);
            const SettingSpec* spec = findSetting(side, key);
            if (!spec) {
                std::string list;
                for (const auto& s : settingSpecs())
                    if (s.side == side)
                        list += (list.empty() ? "" : ", ") + std::string(s.key);
                error(field, "unknown setting (known " + sideName + " settings: " + list + ")");
                continue;
            }
            std::int64_t v = 0;
            if (spec->unit == SettingUnit::Boolean) {
                if (value.is_boolean()) {
                    v = value.get<bool>() ? 1 : 0;
                } else {
                    error(field, "expected true or false, got " + typeName(value));
                    continue;
                }
            } else if (value.is_number_integer() || value.is_number_unsigned()) {
                if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) {
                    error(field,
                        "value too large (allowed: " + std::to_string(spec->min) + ".." + std::to_string(spec->max)
                            + ")");
                    continue;
                }
                v = value.get<std::int64_t>();
            } else if (value.is_string() && value.get<std::string>() == "infinite" && spec->max == kInfinite) {
                v = kInfinite;
            } else {
                error(field,
                    "expected an integer number of " + std::string(settingUnitName(spec->unit)) + ", got "
                        + typeName(value));
                continue;
            }
            const std::string problem = out.set(side, key, v);
            if (!problem.empty())
                errors.push_back(std::string(m_source) + ": " + problem);
        }
    }

private:
    std::string_view m_source;
};

} // namespace

std::string_view rpcPatternName(RpcPattern pattern)
{
    switch (pattern) {
    case RpcPattern::Idle:
        return "idle";
    case RpcPattern::Unary:
        return "unary";
    case RpcPattern::Stream:
        return "stream";
    case RpcPattern::Bidi:
        return "bidi";
    }
    return "idle";
}

ExperimentLoad parseExperiment(std::string_view text, std::string_view sourceName)
{
    ExperimentLoad result;
    Parser p(sourceName);
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
        // Names the field where it can (e.g. a number too large for a double), else the offset.
        const std::string problem = jsonProblem(text);
        result.errors.push_back(std::string(sourceName) + ": " + (problem.empty() ? "not valid JSON" : problem));
        return result;
    }
    if (!doc.is_object()) {
        result.errors.push_back(std::string(sourceName) + ": expected a JSON object with \"format\": \""
            + std::string(kExperimentFormatName) + "\"");
        return result;
    }
    p.checkKeys(
        doc, "", { "format", "version", "client", "server", "tcp", "lb_profiles", "simulator", "rpc", "target" });
    if (!doc.contains("format") || doc["format"] != kExperimentFormatName)
        p.error("format", "expected \"" + std::string(kExperimentFormatName) + "\" (is this an experiment file?)");
    if (!doc.contains("version") || !doc["version"].is_number_integer())
        p.error("version",
            "expected an integer format version (this build reads version " + std::to_string(kExperimentFormatVersion)
                + ")");
    else if (doc["version"] != kExperimentFormatVersion)
        p.error("version",
            doc["version"].dump() + " is not supported (this build reads version "
                + std::to_string(kExperimentFormatVersion) + ")"); // dump(): unsigned stays unsigned

    Experiment ex;
    if (doc.contains("client"))
        p.settings(doc["client"], SettingSide::Client, ex.settings);
    if (doc.contains("server"))
        p.settings(doc["server"], SettingSide::Server, ex.settings);
    if (doc.contains("tcp"))
        p.settings(doc["tcp"], SettingSide::Tcp, ex.settings);

    if (doc.contains("lb_profiles")) {
        const auto& list = doc["lb_profiles"];
        if (!list.is_array()) {
            p.error("lb_profiles", "expected an array of profile names, got " + typeName(list));
        } else {
            for (std::size_t i = 0; i < list.size(); ++i)
                if (auto name = p.string(list[i], "lb_profiles[" + std::to_string(i) + "]"))
                    ex.lbProfiles.push_back(*name);
        }
    }

    if (doc.contains("simulator") && !doc["simulator"].is_null() && p.object(doc["simulator"], "simulator")) {
        const auto& s = doc["simulator"];
        p.checkKeys(s, "simulator",
            { "profile", "idle_timeout_s", "on_expiry", "tcp_keepalive_resets_idle", "http2_ping_resets_idle",
                "stream_idle_timeout_s", "limit_data_bytes", "latency_ms", "loss_percent" });
        SimulatorPlan plan;
        if (s.contains("profile"))
            if (auto v = p.string(s["profile"], "simulator.profile"))
                plan.profile = *v;
        if (s.contains("idle_timeout_s"))
            if (auto v = p.number(s["idle_timeout_s"], "simulator.idle_timeout_s", 0, 86400 * 7, "s"))
                plan.idleTimeoutS = *v;
        if (s.contains("on_expiry")) {
            if (auto v = p.string(s["on_expiry"], "simulator.on_expiry")) {
                auto action = parseLbExpiryAction(*v);
                if (!action || *action == LbExpiryAction::Goaway)
                    p.error("simulator.on_expiry",
                        quotedText(*v) + " is not one of rst, rst_next_packet, silent_drop, fin");
                else
                    plan.onExpiry = *action;
            }
        }
        if (s.contains("tcp_keepalive_resets_idle"))
            if (auto v = p.boolean(s["tcp_keepalive_resets_idle"], "simulator.tcp_keepalive_resets_idle"))
                plan.tcpKeepaliveResetsIdle = *v;
        if (s.contains("http2_ping_resets_idle"))
            if (auto v = p.boolean(s["http2_ping_resets_idle"], "simulator.http2_ping_resets_idle"))
                plan.http2PingResetsIdle = *v;
        // A proxy that does not count PINGs counts no bare TCP segment either (an L7 proxy).
        if (!plan.http2PingResetsIdle && !s.contains("tcp_keepalive_resets_idle"))
            plan.tcpKeepaliveResetsIdle = false;
        if (!plan.http2PingResetsIdle && plan.tcpKeepaliveResetsIdle)
            p.error("simulator.tcp_keepalive_resets_idle",
                "true counts every TCP segment, the PINGs' too: it cannot be true "
                "when http2_ping_resets_idle is false");
        if (s.contains("stream_idle_timeout_s"))
            if (auto v = p.number(s["stream_idle_timeout_s"], "simulator.stream_idle_timeout_s", 0, 86400 * 7, "s"))
                plan.streamIdleTimeoutS = *v;
        if (s.contains("limit_data_bytes"))
            if (auto v = p.number(s["limit_data_bytes"], "simulator.limit_data_bytes", 0, 1e15, "bytes"))
                plan.limitDataBytes = static_cast<std::int64_t>(*v);
        if (s.contains("latency_ms"))
            if (auto v = p.number(s["latency_ms"], "simulator.latency_ms", 0, 60000, "ms"))
                plan.latencyMs = static_cast<int>(*v);
        if (s.contains("loss_percent"))
            if (auto v = p.number(s["loss_percent"], "simulator.loss_percent", 0, 50, "percent"))
                plan.lossPercent = *v;
        ex.simulator = plan;
    }

    if (doc.contains("rpc") && p.object(doc["rpc"], "rpc")) {
        const auto& r = doc["rpc"];
        p.checkKeys(r, "rpc", { "pattern", "interval_s", "stream_message_interval_s", "method" });
        if (r.contains("pattern")) {
            if (auto v = p.string(r["pattern"], "rpc.pattern")) {
                bool found = false;
                for (auto pat : { RpcPattern::Idle, RpcPattern::Unary, RpcPattern::Stream, RpcPattern::Bidi })
                    if (rpcPatternName(pat) == *v) {
                        ex.rpc.pattern = pat;
                        found = true;
                    }
                if (!found)
                    p.error("rpc.pattern", quotedText(*v) + " is not one of idle, unary, stream, bidi");
            }
        }
        if (r.contains("interval_s"))
            if (auto v = p.number(r["interval_s"], "rpc.interval_s", 0.01, 86400, "s"))
                ex.rpc.intervalS = *v;
        if (r.contains("stream_message_interval_s"))
            if (auto v = p.number(r["stream_message_interval_s"], "rpc.stream_message_interval_s", 0, 86400, "s"))
                ex.rpc.streamMessageIntervalS = *v;
        if (r.contains("method")) {
            if (auto v = p.string(r["method"], "rpc.method")) {
                if (v->empty() || v->front() != '/' || v->find('/', 1) == std::string::npos)
                    p.error("rpc.method", quotedText(*v) + " is not a gRPC method path like /package.Service/Method");
                else
                    ex.rpc.method = *v;
            }
        }
    }

    if (doc.contains("target") && p.object(doc["target"], "target")) {
        const auto& t = doc["target"];
        p.checkKeys(t, "target", { "embedded", "address", "tls", "ca_file", "cert_file", "key_file", "key_log_file" });
        if (t.contains("embedded"))
            if (auto v = p.boolean(t["embedded"], "target.embedded"))
                ex.target.embedded = *v;
        if (t.contains("address"))
            if (auto v = p.string(t["address"], "target.address"))
                ex.target.address = *v;
        if (t.contains("tls"))
            if (auto v = p.boolean(t["tls"], "target.tls"))
                ex.target.tls = *v;
        if (t.contains("ca_file"))
            if (auto v = p.string(t["ca_file"], "target.ca_file"))
                ex.target.caFile = *v;
        if (t.contains("cert_file"))
            if (auto v = p.string(t["cert_file"], "target.cert_file"))
                ex.target.certFile = *v;
        if (t.contains("key_file"))
            if (auto v = p.string(t["key_file"], "target.key_file"))
                ex.target.keyFile = *v;
        if (t.contains("key_log_file"))
            if (auto v = p.string(t["key_log_file"], "target.key_log_file"))
                ex.target.keyLogFile = *v;
        if (ex.target.certFile.empty() != ex.target.keyFile.empty())
            p.error(ex.target.certFile.empty() ? "target.cert_file" : "target.key_file",
                "the embedded server's certificate and key go together: give both cert_file and key_file, or "
                "neither (a self-signed certificate is made at start)");
        if (!ex.target.certFile.empty() && !ex.target.embedded)
            p.error("target.cert_file", "only the embedded server takes a certificate (target.embedded is false)");
        if (!ex.target.embedded) {
            const auto colon = ex.target.address.rfind(':');
            if (ex.target.address.empty() || colon == std::string::npos || colon + 1 == ex.target.address.size())
                p.error("target.address",
                    quotedText(ex.target.address) + " is not host:port (needed when target.embedded is false)");
        }
    }

    result.errors = std::move(p.errors);
    if (result.errors.empty())
        result.experiment = std::move(ex);
    return result;
}

ExperimentLoad loadExperiment(const std::string& path)
{
    std::string text;
    if (auto error = readInputFile(path, "an experiment file", text); !error.empty()) {
        ExperimentLoad result;
        result.errors.push_back(std::move(error));
        return result;
    }
    return parseExperiment(text, path);
}

} // namespace ks::core
