// Every keepalive-related knob of gRPC C-core 1.51 (the grpc++ Keepalive Scope links), client
// and server, plus the client socket's TCP keepalive: name, channel argument, unit, default,
// range and a one-line explanation. The GUI editor, the lab, lint and code export all read
// this one table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ks::core {

enum class SettingSide : std::uint8_t { Client, Server, Tcp };
enum class SettingUnit : std::uint8_t { Milliseconds, Seconds, Count, Boolean };

std::string_view settingSideName(SettingSide side); // "client", "server", "tcp"
std::string_view settingUnitName(SettingUnit unit); // "ms", "s", "count", "bool"

// gRPC uses INT_MAX to mean "never" for times (keepalive off, no idle/age limit).
inline constexpr std::int64_t kInfinite = 2147483647;

struct SettingSpec {
    SettingSide side;
    std::string_view key; // JSON key within its side, e.g. "keepalive_time_ms"
    std::string_view channelArg; // "grpc.keepalive_time_ms"; for TCP the socket option name
    SettingUnit unit;
    std::int64_t defaultValue; // kInfinite where gRPC's default is "never"
    std::int64_t min;
    std::int64_t max;
    std::string_view help; // one line, for tooltips and reports
};

std::span<const SettingSpec> settingSpecs();
// nullptr when unknown.
const SettingSpec* findSetting(SettingSide side, std::string_view key);

// Values for every spec, unset meaning "gRPC's default". Index = position in settingSpecs().
class KeepaliveSettings {
public:
    KeepaliveSettings();

    std::optional<std::int64_t> explicitValue(SettingSide side, std::string_view key) const;
    // The value in force: the explicit one, else the default.
    std::int64_t value(SettingSide side, std::string_view key) const;
    bool isSet(SettingSide side, std::string_view key) const { return explicitValue(side, key).has_value(); }
    // Returns an error message (naming the field and the allowed range) or an empty string.
    std::string set(SettingSide side, std::string_view key, std::int64_t value);
    void unset(SettingSide side, std::string_view key);

    bool operator==(const KeepaliveSettings&) const = default;

private:
    std::vector<std::optional<std::int64_t>> m_values;
};

} // namespace ks::core
