// The lint rules; each finding names the setting to change and the value that fixes it.
// lintSettings stays one function of some 140 lines: one block per rule, in the order the
// findings are listed, each naming its setting and fix.
#include "config_lint.h"

#include "findings_state.h"
#include "keepalive_fix.h"

#include <cstdio>

namespace ks::core {

namespace {

Finding make(std::string id, Severity severity, std::string title, std::string detail, std::string suggestion)
{
    Finding f;
    f.id = std::move(id);
    f.severity = severity;
    f.title = std::move(title);
    f.detail = std::move(detail);
    f.suggestion = std::move(suggestion);
    return f;
}

Finding with(Finding f, std::vector<SettingChange> changes)
{
    f.changes = std::move(changes);
    return f;
}

SettingChange change(SettingSide side, std::string key, std::int64_t value)
{
    const auto* spec = findSetting(side, key);
    return { side, std::move(key), value, spec ? spec->unit : SettingUnit::Count };
}

std::string msText(std::int64_t ms)
{
    return ms >= kInfinite ? std::string("never") : formatDuration(static_cast<double>(ms) / 1000.0);
}

bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

} // namespace

bool isPrivateAddress(std::string_view hostPort)
{
    std::string_view host = hostPort;
    if (!host.empty() && host.front() == '[') {
        host = host.substr(1, host.find(']') == std::string_view::npos ? host.size() - 1 : host.find(']') - 1);
    } else if (host.find(':') != std::string_view::npos && host.find(':') == host.rfind(':')) {
        host = host.substr(0, host.find(':'));
    }
    if (host.substr(0, 6) == "dns://" || host.substr(0, 5) == "dns:/")
        host = host.substr(host.rfind('/') + 1);
    if (host == "localhost" || host == "::1" || endsWith(host, ".internal") || endsWith(host, ".local")
        || endsWith(host, ".svc") || endsWith(host, ".cluster.local") || host.substr(0, 5) == "unix:")
        return true;
    unsigned a = 0, b = 0, c = 0, d = 0;
    const std::string h(host);
    if (std::sscanf(h.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) == 4)
        return a == 10 || a == 127 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168)
            || (a == 169 && b == 254) || (a == 100 && b >= 64 && b <= 127);
    if (h.find(':') != std::string::npos) // IPv6: ULA fc00::/7, link-local fe80::/10
        return h.rfind("fc", 0) == 0 || h.rfind("fd", 0) == 0 || h.rfind("fe80", 0) == 0;
    return false;
}

std::vector<Finding> lintSettings(
    const KeepaliveSettings& s, const std::vector<LbCatalogueEntry>& profiles, const Target* target)
{
    std::vector<Finding> out;
    const auto clientTime = s.value(SettingSide::Client, "keepalive_time_ms");
    const auto clientTimeout = s.value(SettingSide::Client, "keepalive_timeout_ms");
    const bool clientPermit = s.value(SettingSide::Client, "keepalive_permit_without_calls") != 0;
    const auto serverMin = s.value(SettingSide::Server, "min_ping_interval_without_data_ms");
    const bool serverPermit = s.value(SettingSide::Server, "keepalive_permit_without_calls") != 0;
    const auto serverTime = s.value(SettingSide::Server, "keepalive_time_ms");
    const auto serverTimeout = s.value(SettingSide::Server, "keepalive_timeout_ms");
    const bool clientKeepalive = clientTime < kInfinite;

    // C-core's max_ping_strikes=0 means unlimited strikes: such a server never sends "too_many_pings"
    // (grpc-go servers have no such knob: two strikes).
    const bool serverEnforces = s.value(SettingSide::Server, "max_ping_strikes") != 0;
    if (clientKeepalive && clientTime < serverMin && serverEnforces)
        out.push_back(with(
            make("lint-client-below-server-minimum", Severity::Error,
                "Client pings every " + msText(clientTime) + ", faster than the server accepts (" + msText(serverMin)
                    + ")",
                "The server counts a PING that comes sooner than min_ping_interval_without_data_ms after the last one "
                "(with no data between) as a strike; after max_ping_strikes ("
                    + std::to_string(s.value(SettingSide::Server, "max_ping_strikes"))
                    + ") it sends GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\" and closes the connection.",
                "client keepalive_time_ms >= " + std::to_string(serverMin)
                    + ", or server min_ping_interval_without_data_ms <= " + std::to_string(clientTime)
                    + " (grpc-go EnforcementPolicy.MinTime)."),
            { change(SettingSide::Server, "min_ping_interval_without_data_ms", clientTime) }));
    if (clientKeepalive && clientPermit && !serverPermit && serverEnforces)
        out.push_back(with(make("lint-permit-without-calls-mismatch", Severity::Error,
                               "Client pings without calls, the server does not permit it",
                               "keepalive_permit_without_calls is 1 on the client and 0 on the server: every PING on "
                               "an idle connection "
                               "is a strike, and the server ends the connection with GOAWAY \"too_many_pings\".",
                               "server keepalive_permit_without_calls=1 (grpc-go "
                               "EnforcementPolicy.PermitWithoutStream: true), or client "
                               "keepalive_permit_without_calls=0."),
            { change(SettingSide::Server, "keepalive_permit_without_calls", 1) }));
    if (clientKeepalive && clientTimeout >= clientTime)
        out.push_back(with(
            make("lint-timeout-not-below-time", Severity::Warning,
                "Client keepalive_timeout (" + msText(clientTimeout) + ") is not shorter than keepalive_time ("
                    + msText(clientTime) + ")",
                "A dead connection is detected keepalive_time + keepalive_timeout after the last frame; a timeout at "
                "or above the interval delays detection and overlaps the next PING.",
                "client keepalive_timeout_ms=" + std::to_string(std::max<std::int64_t>(1, clientTime / 3))
                    + " (less than keepalive_time_ms)."),
            { change(SettingSide::Client, "keepalive_timeout_ms", std::max<std::int64_t>(1, clientTime / 3)) }));
    if (serverTime < kInfinite && serverTimeout >= serverTime)
        out.push_back(
            with(make("lint-timeout-not-below-time", Severity::Warning,
                     "Server keepalive_timeout (" + msText(serverTimeout) + ") is not shorter than keepalive_time ("
                         + msText(serverTime) + ")",
                     "The server's keepalive cannot tell a dead client from a slow one before its next PING is due.",
                     "server keepalive_timeout_ms=" + std::to_string(std::max<std::int64_t>(1, serverTime / 3)) + "."),
                { change(SettingSide::Server, "keepalive_timeout_ms", std::max<std::int64_t>(1, serverTime / 3)) }));
    if (clientKeepalive && clientTime < 10000)
        out.push_back(with(make("lint-below-grpc-go-minimum", Severity::Warning,
                               "Client keepalive_time " + msText(clientTime) + " is below what grpc-go allows (10 s)",
                               "grpc-go clients raise keepalive.ClientParameters.Time below 10 s to 10 s (with a "
                               "warning in the log), so "
                               "a grpc-go client with this setting pings every 10 s, as does a grpc-java client "
                               "(NettyChannelBuilder.keepAliveTime is raised to 10 s without a word); C-core clients "
                               "use it as given.",
                               "client keepalive_time_ms >= 10000 when a grpc-go client uses these settings."),
            { change(SettingSide::Client, "keepalive_time_ms", 10000) }));
    if (clientKeepalive && clientTime < 60000 && target && !target->embedded && !target->address.empty()
        && !isPrivateAddress(target->address))
        out.push_back(
            with(make("lint-public-service-ping-rate", Severity::Warning,
                     "Pinging " + target->address + " every " + msText(clientTime)
                         + ": public services reject pings below one minute",
                     "Services you do not run keep gRPC's default server policy or stricter (grpc-go and C-core: 5 min "
                     "minimum between pings without data), and gRPC's keepalive guide advises against client pings "
                     "more often "
                     "than once a minute towards them: expect GOAWAY \"too_many_pings\".",
                     "client keepalive_time_ms >= 60000 (300000 to satisfy the default server policy)."),
                { change(SettingSide::Client, "keepalive_time_ms", 300000) }));
    const bool tcpKa = s.value(SettingSide::Tcp, "so_keepalive") != 0;
    const auto keepidle = s.value(SettingSide::Tcp, "tcp_keepidle_s");
    for (const auto& entry : profiles) {
        const auto& p = entry.profile;
        const auto limitMs = static_cast<std::int64_t>(p.idleTimeoutS * 1000.0);
        if (tcpKa && tcpKeepalivesResetIdle(entry) && static_cast<double>(keepidle) >= p.idleTimeoutS) {
            const auto fit = tcpKeepidleTargetS(p.idleTimeoutS);
            out.push_back(with(
                make("lint-lb-tcp-keepidle-too-long", Severity::Warning,
                    "TCP keep-alive after " + formatDuration(static_cast<double>(keepidle)) + " is too late for "
                        + p.name,
                    p.title + " counts TCP keep-alive probes, but the first comes after tcp_keepidle_s="
                        + std::to_string(keepidle) + ", past its " + formatDuration(p.idleTimeoutS) + " idle timeout.",
                    fit ? "tcp_keepidle_s=" + std::to_string(*fit) + "."
                        : "No TCP_KEEPIDLE fits: it is whole seconds, at least 1 s, not below "
                            + formatDuration(p.idleTimeoutS) + "; use HTTP/2 keepalive."),
                fit ? std::vector<SettingChange> { change(SettingSide::Tcp, "tcp_keepidle_s", *fit) }
                    : std::vector<SettingChange> {}));
        }
        Finding f;
        if (!pingsResetIdle(entry)) {
            f = make("lint-lb-ignores-pings", Severity::Warning,
                p.name + " ignores HTTP/2 PINGs: keepalive cannot hold idle connections through it",
                p.title + " counts only requests as activity; an idle connection is closed after "
                    + formatDuration(p.idleTimeoutS) + " whatever the keepalive settings.",
                "");
        } else if (!clientKeepalive && !(tcpKa && tcpKeepalivesResetIdle(entry) && keepidle < p.idleTimeoutS)) {
            f = make("lint-lb-no-keepalive", Severity::Warning,
                "No client keepalive: an idle connection through " + p.name + " dies after "
                    + formatDuration(p.idleTimeoutS),
                "Client keepalive_time_ms is not set (never), so nothing crosses an idle connection and " + p.title
                    + " drops it after its idle timeout (" + std::string(lbExpiryActionWords(p.onExpiry)) + ").",
                "");
        } else if (clientKeepalive && clientTime >= limitMs) {
            f = make("lint-lb-time-too-long", Severity::Error,
                "Client keepalive_time " + msText(clientTime) + " is not below " + p.name + "'s idle timeout ("
                    + formatDuration(p.idleTimeoutS) + ")",
                "Pings every " + msText(clientTime) + " will not keep a " + formatDuration(p.idleTimeoutS) + " "
                    + p.name + " from dropping an idle connection.",
                "");
        } else if (clientKeepalive && !clientPermit) {
            f = with(make("lint-lb-idle-without-calls", Severity::Warning,
                         "Keepalive stops when no call is in flight: idle connections through " + p.name + " still die",
                         "keepalive_permit_without_calls is 0 on the client, so a connection without RPCs sends no "
                         "PINGs and "
                             + p.title + " drops it after " + formatDuration(p.idleTimeoutS) + ".",
                         "client keepalive_permit_without_calls=1 and server keepalive_permit_without_calls=1."),
                { change(SettingSide::Client, "keepalive_permit_without_calls", 1),
                    change(SettingSide::Server, "keepalive_permit_without_calls", 1) });
        } else {
            continue;
        }
        f.profile = p.name;
        f.figure = p.idleTimeoutS;
        if (f.suggestion.empty()) {
            auto fix = keepaliveFix(entry, s);
            f.suggestion = std::move(fix.suggestion);
            f.changes = std::move(fix.changes);
        }
        out.push_back(std::move(f));
    }
    return out;
}

} // namespace ks::core
