// Keepalive changes that meet a middlebox's idle timer (see keepalive_fix.h for the constraint).
#include "keepalive_fix.h"

#include <cmath>

namespace ks::core {

namespace {

constexpr double kHeadroom = 0.8;
// grpc-go keepalive.ClientParameters.Time's floor; grpc-java 1.41 raises keepAliveTime below it to it
// on clients and servers alike (KeepAliveManager.clampKeepAliveTimeInNanos), grpc-go servers have none.
constexpr std::int64_t kMinKeepaliveTimeMs = 10'000;

std::int64_t current(const std::optional<KeepaliveSettings>& s, SettingSide side, std::string_view key)
{
    if (s)
        return s->value(side, key);
    const auto* spec = findSetting(side, key);
    return spec ? spec->defaultValue : 0;
}

// Adds key=value unless the settings already hold a value that meets the constraint (ok()).
template <typename Ok>
void need(KeepaliveFix& fix, std::string& words, const std::optional<KeepaliveSettings>& s, SettingSide side,
    std::string_view key, std::int64_t value, Ok ok)
{
    const auto* spec = findSetting(side, key);
    if (ok(current(s, side, key)))
        return;
    fix.changes.push_back({ side, std::string(key), value, spec ? spec->unit : SettingUnit::Count });
    words += (words.empty() ? "" : ", ") + std::string(settingSideName(side)) + " " + std::string(key) + "="
        + std::to_string(value);
}

} // namespace

std::optional<std::int64_t> keepaliveTargetMs(double idleTimeoutS)
{
    const double limitMs = idleTimeoutS * 1000.0;
    auto ms = static_cast<std::int64_t>(std::floor(limitMs * kHeadroom));
    if (ms < 1)
        ms = 1;
    if (static_cast<double>(ms) >= limitMs)
        return std::nullopt;
    return ms;
}

std::optional<std::int64_t> tcpKeepidleTargetS(double idleTimeoutS)
{
    auto s = static_cast<std::int64_t>(std::floor(idleTimeoutS * kHeadroom));
    if (s < 1)
        s = 1;
    if (static_cast<double>(s) >= idleTimeoutS || s > 32767)
        return std::nullopt;
    return s;
}

KeepaliveFix keepaliveFix(const LbCatalogueEntry& entry, const std::optional<KeepaliveSettings>& s, KeepaliveSide side)
{
    const auto& p = entry.profile;
    const double limitS = p.idleTimeoutS;
    const std::string limit = formatDuration(limitS);
    KeepaliveFix fix;
    const bool pings = entry.http2PingResetsIdle.value_or(true);
    const bool probes = p.tcpKeepaliveResetsIdle.value_or(false);
    const auto targetMs = keepaliveTargetMs(limitS);
    const auto keepidle = tcpKeepidleTargetS(limitS);
    std::string words;
    if (pings && targetMs) {
        const std::int64_t t = *targetMs;
        auto below = [&](std::int64_t v) { return static_cast<double>(v) < limitS * 1000.0; };
        if (side == KeepaliveSide::Client) {
            need(fix, words, s, SettingSide::Client, "keepalive_time_ms", t, below);
            const std::int64_t configured = current(s, SettingSide::Client, "keepalive_time_ms");
            const std::int64_t pingEvery = below(configured) ? configured : t;
            need(fix, words, s, SettingSide::Client, "keepalive_permit_without_calls", 1,
                [](std::int64_t v) { return v == 1; });
            need(
                fix, words, s, SettingSide::Client, "max_pings_without_data", 0, [](std::int64_t v) { return v == 0; });
            need(fix, words, s, SettingSide::Server, "keepalive_permit_without_calls", 1,
                [](std::int64_t v) { return v == 1; });
            need(fix, words, s, SettingSide::Server, "min_ping_interval_without_data_ms", pingEvery,
                [&](std::int64_t v) { return v <= pingEvery; });
            fix.suggestion = words.empty()
                ? "The configured client keepalive already pings more often than every " + limit
                : words + " (PINGs every " + formatDuration(static_cast<double>(pingEvery) / 1000.0) + ", below "
                    + p.name + "'s " + limit + ", and the server accepts them)";
            if (pingEvery < kMinKeepaliveTimeMs)
                fix.suggestion += "; grpc-go and grpc-java clients raise keepalive time below 10 s to 10 s, so no "
                                  "grpc-go or grpc-java client setting meets this (use a C-core client, TCP "
                                  "keep-alive, or a longer idle timeout)";
        } else {
            need(fix, words, s, SettingSide::Server, "keepalive_time_ms", t, below);
            const std::int64_t configured = current(s, SettingSide::Server, "keepalive_time_ms");
            const std::int64_t pingEvery = below(configured) ? configured : t;
            need(fix, words, s, SettingSide::Server, "keepalive_permit_without_calls", 1,
                [](std::int64_t v) { return v == 1; });
            fix.suggestion = (words.empty() ? "The configured server keepalive already pings often enough" : words)
                + " (server PINGs every " + formatDuration(static_cast<double>(pingEvery) / 1000.0) + ", below "
                + p.name + "'s " + limit + "; grpc-go keepalive.ServerParameters.Time has no floor"
                + (pingEvery < kMinKeepaliveTimeMs ? ", but grpc-java servers raise keepAliveTime below 10 s to 10 s, "
                                                     "so no grpc-java server setting meets this)"
                                                   : ")");
        }
    } else if (pings) {
        fix.suggestion = "No keepalive interval fits below " + p.name + "'s " + limit;
    } else {
        const auto rpcEvery = keepaliveTargetMs(limitS).value_or(1);
        fix.suggestion = p.name
            + " does not count HTTP/2 PINGs, so no keepalive setting can hold the connection: send an RPC at "
              "least every "
            + formatDuration(static_cast<double>(rpcEvery) / 1000.0)
            + " (a health check), or let the "
              "client reconnect";
    }
    if (probes) {
        if (keepidle) {
            std::string tcpWords;
            KeepaliveFix tcp;
            need(tcp, tcpWords, s, SettingSide::Tcp, "so_keepalive", 1, [](std::int64_t v) { return v == 1; });
            need(tcp, tcpWords, s, SettingSide::Tcp, "tcp_keepidle_s", *keepidle,
                [&](std::int64_t v) { return static_cast<double>(v) < limitS; });
            if (!tcpWords.empty()) {
                fix.suggestion += "; or TCP keep-alive: " + tcpWords;
                // The only route when PINGs do not count: then it is the change.
                if (!pings || !targetMs)
                    fix.changes = tcp.changes;
            }
        } else {
            fix.suggestion
                += "; TCP keep-alive cannot help: TCP_KEEPIDLE is whole seconds, at least 1 s, not below " + limit;
        }
    }
    if (p.configurableMaxS && *p.configurableMaxS > p.idleTimeoutS)
        fix.suggestion
            += "; or raise " + p.name + "'s idle timeout (up to " + formatDuration(*p.configurableMaxS) + ")";
    fix.suggestion += ".";
    return fix;
}

} // namespace ks::core
