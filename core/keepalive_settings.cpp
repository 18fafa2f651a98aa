// The keepalive settings table. Defaults and meanings are gRPC C-core 1.51's
// (src/core/ext/transport/chttp2/transport/chttp2_transport.cc, doc/keepalive.md) and the
// Linux kernel's (tcp(7)) for the socket options.
#include "keepalive_settings.h"

#include <array>

namespace ks::core {

namespace {

using S = SettingSide;
using U = SettingUnit;

constexpr std::array kSpecs {
    SettingSpec { S::Client, "keepalive_time_ms", "grpc.keepalive_time_ms", U::Milliseconds, kInfinite, 1, kInfinite,
        "Send an HTTP/2 PING after this long without activity (default: never on clients)" },
    SettingSpec { S::Client, "keepalive_timeout_ms", "grpc.keepalive_timeout_ms", U::Milliseconds, 20000, 1, kInfinite,
        "Close the connection when a keepalive PING is not acknowledged within this time" },
    SettingSpec { S::Client, "keepalive_permit_without_calls", "grpc.keepalive_permit_without_calls", U::Boolean, 0, 0,
        1, "Send keepalive PINGs even when no call is in flight" },
    SettingSpec { S::Client, "max_pings_without_data", "grpc.http2.max_pings_without_data", U::Count, 2, 0, kInfinite,
        "PINGs sent without a DATA or HEADERS frame in between before pinging stops (0: no limit)" },
    SettingSpec { S::Client, "client_idle_timeout_ms", "grpc.client_idle_timeout_ms", U::Milliseconds, 1800000, 1,
        kInfinite, "The channel goes IDLE and drops its connection after this long without calls" },
    SettingSpec { S::Server, "keepalive_time_ms", "grpc.keepalive_time_ms", U::Milliseconds, 7200000, 1, kInfinite,
        "The server sends an HTTP/2 PING after this long without activity (default 2 h)" },
    SettingSpec { S::Server, "keepalive_timeout_ms", "grpc.keepalive_timeout_ms", U::Milliseconds, 20000, 1, kInfinite,
        "The server closes the connection when its PING is not acknowledged within this time" },
    SettingSpec { S::Server, "keepalive_permit_without_calls", "grpc.keepalive_permit_without_calls", U::Boolean, 0, 0,
        1, "Accept client PINGs (and send its own) when no call is in flight" },
    SettingSpec { S::Server, "min_ping_interval_without_data_ms", "grpc.http2.min_ping_interval_without_data_ms",
        U::Milliseconds, 300000, 0, kInfinite,
        "Client PINGs closer together than this, with no data in between, count as strikes (default 5 min)" },
    SettingSpec { S::Server, "max_ping_strikes", "grpc.http2.max_ping_strikes", U::Count, 2, 0, kInfinite,
        "Strikes tolerated before GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\" (0: unlimited)" },
    SettingSpec { S::Server, "max_connection_idle_ms", "grpc.max_connection_idle_ms", U::Milliseconds, kInfinite, 1,
        kInfinite, "Send GOAWAY to a connection without calls for this long (default: never)" },
    SettingSpec { S::Server, "max_connection_age_ms", "grpc.max_connection_age_ms", U::Milliseconds, kInfinite, 1,
        kInfinite, "Send GOAWAY to a connection older than this (default: never)" },
    SettingSpec { S::Server, "max_connection_age_grace_ms", "grpc.max_connection_age_grace_ms", U::Milliseconds,
        kInfinite, 0, kInfinite, "After the max-age GOAWAY, force the close after this long (default: never)" },
    SettingSpec { S::Tcp, "so_keepalive", "SO_KEEPALIVE", U::Boolean, 0, 0, 1,
        "Enable kernel TCP keep-alive probes on the client's socket" },
    SettingSpec { S::Tcp, "tcp_keepidle_s", "TCP_KEEPIDLE", U::Seconds, 7200, 1, 32767,
        "Idle time before the first TCP keep-alive probe (Linux default 7200 s)" },
    SettingSpec { S::Tcp, "tcp_keepintvl_s", "TCP_KEEPINTVL", U::Seconds, 75, 1, 32767,
        "Time between unanswered TCP keep-alive probes (Linux default 75 s)" },
    SettingSpec { S::Tcp, "tcp_keepcnt", "TCP_KEEPCNT", U::Count, 9, 1, 127,
        "Unanswered probes before the kernel drops the connection (Linux default 9)" },
};

std::size_t indexOf(SettingSide side, std::string_view key)
{
    for (std::size_t i = 0; i < kSpecs.size(); ++i)
        if (kSpecs[i].side == side && kSpecs[i].key == key)
            return i;
    return kSpecs.size();
}

} // namespace

std::string_view settingSideName(SettingSide side)
{
    switch (side) {
    case SettingSide::Client:
        return "client";
    case SettingSide::Server:
        return "server";
    case SettingSide::Tcp:
        return "tcp";
    }
    return "client";
}

std::string_view settingUnitName(SettingUnit unit)
{
    switch (unit) {
    case SettingUnit::Milliseconds:
        return "ms";
    case SettingUnit::Seconds:
        return "s";
    case SettingUnit::Count:
        return "count";
    case SettingUnit::Boolean:
        return "bool";
    }
    return "count";
}

std::span<const SettingSpec> settingSpecs()
{
    return kSpecs;
}

const SettingSpec* findSetting(SettingSide side, std::string_view key)
{
    const auto i = indexOf(side, key);
    return i < kSpecs.size() ? &kSpecs[i] : nullptr;
}

KeepaliveSettings::KeepaliveSettings()
    : m_values(kSpecs.size())
{
}

std::optional<std::int64_t> KeepaliveSettings::explicitValue(SettingSide side, std::string_view key) const
{
    const auto i = indexOf(side, key);
    return i < m_values.size() ? m_values[i] : std::nullopt;
}

std::int64_t KeepaliveSettings::value(SettingSide side, std::string_view key) const
{
    const auto i = indexOf(side, key);
    if (i >= kSpecs.size())
        return 0;
    return m_values[i].value_or(kSpecs[i].defaultValue);
}

std::string KeepaliveSettings::set(SettingSide side, std::string_view key, std::int64_t value)
{
    const auto i = indexOf(side, key);
    const std::string field = std::string(settingSideName(side)) + "." + std::string(key);
    if (i >= kSpecs.size())
        return field + ": unknown setting";
    const auto& spec = kSpecs[i];
    if (value < spec.min || value > spec.max) {
        std::string range = std::to_string(spec.min) + ".." + std::to_string(spec.max);
        if (spec.unit == SettingUnit::Boolean)
            range = "true or false";
        return field + ": " + std::to_string(value) + " is out of range (allowed: " + range + " "
            + std::string(settingUnitName(spec.unit)) + ")";
    }
    m_values[i] = value;
    return {};
}

void KeepaliveSettings::unset(SettingSide side, std::string_view key)
{
    const auto i = indexOf(side, key);
    if (i < m_values.size())
        m_values[i].reset();
}

} // namespace ks::core
