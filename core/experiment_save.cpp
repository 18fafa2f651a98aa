// Experiment files, written: the JSON document (experiment.h's schema, keys in its order) and
// atomic saving (write a temporary file beside the target, fsync, rename), so a failed save never
// leaves a half-written file in place of the user's.
#include "experiment.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace ks::core {

using nlohmann::json;

std::string experimentToJson(const Experiment& ex)
{
    json doc = json::object();
    doc["format"] = kExperimentFormatName;
    doc["version"] = kExperimentFormatVersion;
    for (auto side : { SettingSide::Client, SettingSide::Server, SettingSide::Tcp }) {
        json values = json::object();
        for (const auto& spec : settingSpecs()) {
            if (spec.side != side)
                continue;
            if (auto v = ex.settings.explicitValue(side, spec.key)) {
                if (spec.unit == SettingUnit::Boolean)
                    values[std::string(spec.key)] = *v != 0;
                else
                    values[std::string(spec.key)] = *v;
            }
        }
        doc[std::string(settingSideName(side))] = values;
    }
    doc["lb_profiles"] = ex.lbProfiles;
    if (ex.simulator) {
        json s = json::object();
        if (!ex.simulator->profile.empty())
            s["profile"] = ex.simulator->profile;
        s["idle_timeout_s"] = ex.simulator->idleTimeoutS;
        s["on_expiry"] = lbExpiryActionName(ex.simulator->onExpiry);
        s["tcp_keepalive_resets_idle"] = ex.simulator->tcpKeepaliveResetsIdle;
        const SimulatorPlan defaults;
        if (ex.simulator->http2PingResetsIdle != defaults.http2PingResetsIdle)
            s["http2_ping_resets_idle"] = ex.simulator->http2PingResetsIdle;
        if (ex.simulator->streamIdleTimeoutS > 0)
            s["stream_idle_timeout_s"] = ex.simulator->streamIdleTimeoutS;
        if (ex.simulator->limitDataBytes > 0)
            s["limit_data_bytes"] = ex.simulator->limitDataBytes;
        if (ex.simulator->latencyMs > 0)
            s["latency_ms"] = ex.simulator->latencyMs;
        if (ex.simulator->lossPercent > 0)
            s["loss_percent"] = ex.simulator->lossPercent;
        doc["simulator"] = s;
    }
    doc["rpc"] = { { "pattern", rpcPatternName(ex.rpc.pattern) }, { "interval_s", ex.rpc.intervalS },
        { "stream_message_interval_s", ex.rpc.streamMessageIntervalS }, { "method", ex.rpc.method } };
    json target = { { "embedded", ex.target.embedded }, { "tls", ex.target.tls } };
    if (!ex.target.address.empty())
        target["address"] = ex.target.address;
    if (!ex.target.caFile.empty())
        target["ca_file"] = ex.target.caFile;
    if (!ex.target.certFile.empty())
        target["cert_file"] = ex.target.certFile;
    if (!ex.target.keyFile.empty())
        target["key_file"] = ex.target.keyFile;
    if (!ex.target.keyLogFile.empty())
        target["key_log_file"] = ex.target.keyLogFile;
    doc["target"] = target;
    return doc.dump(2) + "\n";
}

std::string saveExperiment(const Experiment& experiment, const std::string& path)
{
    const std::string text = experimentToJson(experiment);
    std::string tmp = path + ".XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        return path + ": cannot write beside it (" + std::strerror(errno) + ")";
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const std::string reason = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return path + ": write failed (" + reason + "); the previous file is unchanged";
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(tmp.c_str());
        return path + ": write failed (" + reason + "); the previous file is unchanged";
    }
    ::chmod(tmp.c_str(), 0644);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(tmp.c_str());
        return path + ": cannot replace (" + reason + "); the previous file is unchanged";
    }
    return {};
}

} // namespace ks::core
