// The settings that keep an idle connection through a middlebox's idle timer, as words and as
// machine-readable changes (Finding::changes). The constraint: every keep-alive (HTTP/2 PING or
// TCP probe) leaves before the timer fires, and the server accepts the PINGs. Where no setting
// can meet it (TCP_KEEPIDLE is whole seconds >= 1; grpc-go clients raise keepalive time below 10 s
// to 10 s; a middlebox that ignores PINGs), the words say so and no change is offered for it.
#pragma once

#include "finding.h"
#include "keepalive_settings.h"
#include "lb_catalogue.h"

#include <optional>
#include <string>
#include <vector>

namespace ks::core {

struct KeepaliveFix {
    std::string suggestion; // the same numbers as changes, plus the alternatives in words
    std::vector<SettingChange> changes; // meant to be applied together; each meets the constraint
};

// Whose keepalive should hold the connection: the client's PINGs (the usual fix) or the server's.
enum class KeepaliveSide : std::uint8_t { Client, Server };

// The keepalive interval to aim for under a timeout: 80 % of it, whole milliseconds, at least 1,
// always strictly below the timeout (timers drift; the first PING comes keepalive_time after the
// last frame). Returns nullopt when no whole millisecond fits (timeout <= 1 ms).
std::optional<std::int64_t> keepaliveTargetMs(double idleTimeoutS);
// TCP_KEEPIDLE for a timeout: 80 % in whole seconds, at least 1, strictly below the timeout;
// nullopt when the timeout is 1 s or less (no whole second >= 1 is below it).
std::optional<std::int64_t> tcpKeepidleTargetS(double idleTimeoutS);

// settings: the configured ones when known; only what does not already meet the constraint changes.
KeepaliveFix keepaliveFix(const LbCatalogueEntry& entry, const std::optional<KeepaliveSettings>& settings,
    KeepaliveSide side = KeepaliveSide::Client);

} // namespace ks::core
