// Property tests: every suggested keepalive value meets the constraint the finding states, over
// middlebox timeouts from 0.1 s to 2 h, profiles that do or do not count PINGs and TCP keep-alives,
// and many configured settings. The issue that asked for them: a 0.8 s profile was answered with
// "keepalive_time_ms=1000 (below 800 ms)" and "tcp_keepidle_s=1" offered twice.
#include "core/findings_analyzer.h"
#include "core/keepalive_fix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace ks::core;

namespace {

std::vector<double> timeouts()
{
    std::vector<double> out
        = { 0.1, 0.5, 0.8, 0.999, 1.0, 1.001, 1.2, 1.25, 1.3, 2.0, 9.9, 10.0, 12.5, 12.6, 60, 350, 3600, 7200 };
    for (int i = 0; i <= 200; ++i) // log-spaced 0.1 s .. 7200 s
        out.push_back(0.1 * std::pow(72000.0, i / 200.0));
    return out;
}

LbCatalogueEntry profile(double t, std::optional<bool> pings, std::optional<bool> tcp)
{
    LbCatalogueEntry e;
    e.profile.name = "p";
    e.profile.title = "test profile";
    e.profile.idleTimeoutS = t;
    e.profile.tcpKeepaliveResetsIdle = tcp;
    e.http2PingResetsIdle = pings;
    return e;
}

std::vector<std::optional<KeepaliveSettings>> settingsVariants(double t)
{
    std::vector<std::optional<KeepaliveSettings>> out;
    out.emplace_back(std::nullopt);
    out.emplace_back(KeepaliveSettings {});
    std::mt19937 rng(static_cast<unsigned>(t * 1000));
    for (int i = 0; i < 12; ++i) {
        KeepaliveSettings s;
        auto pick = [&](std::int64_t lo, std::int64_t hi) {
            return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
        };
        s.set(SettingSide::Client, "keepalive_time_ms", pick(1, 2 * static_cast<std::int64_t>(t * 1000) + 2));
        s.set(SettingSide::Client, "keepalive_permit_without_calls", pick(0, 1));
        s.set(SettingSide::Client, "max_pings_without_data", pick(0, 3));
        s.set(SettingSide::Server, "keepalive_permit_without_calls", pick(0, 1));
        s.set(SettingSide::Server, "min_ping_interval_without_data_ms", pick(0, 600000));
        s.set(SettingSide::Server, "keepalive_time_ms", pick(1, 2 * static_cast<std::int64_t>(t * 1000) + 2));
        s.set(SettingSide::Tcp, "so_keepalive", pick(0, 1));
        s.set(SettingSide::Tcp, "tcp_keepidle_s", pick(1, 32767));
        out.emplace_back(s);
    }
    return out;
}

// Checks one fix against timeout t; returns the settings with the changes applied.
KeepaliveSettings checkFix(
    const KeepaliveFix& fix, const std::optional<KeepaliveSettings>& before, double t, const std::string& where)
{
    KeepaliveSettings after = before.value_or(KeepaliveSettings {});
    for (std::size_t i = 0; i < fix.changes.size(); ++i) {
        const auto& c = fix.changes[i];
        const auto* spec = findSetting(c.side, c.setting);
        EXPECT_TRUE(spec) << where << ": unknown setting " << c.setting;
        if (spec) {
            EXPECT_EQ(spec->unit, c.unit) << where << ": " << c.setting;
        }
        for (std::size_t j = 0; j < i; ++j) {
            EXPECT_FALSE(fix.changes[j].side == c.side && fix.changes[j].setting == c.setting)
                << where << ": " << c.setting << " twice";
        }
        if (c.setting == "keepalive_time_ms") {
            EXPECT_LT(static_cast<double>(c.value), t * 1000.0) << where;
        }
        if (c.setting == "tcp_keepidle_s") {
            EXPECT_GE(c.value, 1) << where;
            EXPECT_LT(static_cast<double>(c.value), t) << where;
        }
    }
    const auto problems = applyChanges(after, fix.changes);
    EXPECT_TRUE(problems.empty()) << where << ": " << (problems.empty() ? "" : problems.front());
    // The words offer the same numbers: every "keepalive_time_ms=N" and "tcp_keepidle_s=N" in
    // them meets the constraint, and TCP keep-alive is offered at most once.
    static const std::regex kNumbers(R"((keepalive_time_ms|tcp_keepidle_s)=(\d+))");
    int keepidleOffers = 0;
    for (auto it = std::sregex_iterator(fix.suggestion.begin(), fix.suggestion.end(), kNumbers);
         it != std::sregex_iterator(); ++it) {
        const double v = std::stod((*it)[2]);
        if ((*it)[1] == "tcp_keepidle_s") {
            ++keepidleOffers;
            EXPECT_LT(v, t) << where << ": " << fix.suggestion;
        } else {
            EXPECT_LT(v, t * 1000.0) << where << ": " << fix.suggestion;
        }
    }
    EXPECT_LE(keepidleOffers, 1) << where << ": " << fix.suggestion;
    return after;
}

} // namespace

TEST(KeepaliveFix, everySuggestedValueMeetsItsConstraintOverTimeoutsAndSettings)
{
    std::size_t checked = 0;
    for (double t : timeouts()) {
        for (auto pings : { std::optional<bool>(), std::optional<bool>(true), std::optional<bool>(false) }) {
            for (auto tcp : { std::optional<bool>(), std::optional<bool>(true), std::optional<bool>(false) }) {
                const auto entry = profile(t, pings, tcp);
                for (const auto& settings : settingsVariants(t)) {
                    for (auto side : { KeepaliveSide::Client, KeepaliveSide::Server }) {
                        const std::string where = "timeout " + std::to_string(t) + " s";
                        const auto fix = keepaliveFix(entry, settings, side);
                        const auto after = checkFix(fix, settings, t, where);
                        ++checked;
                        const bool pingRoute = pings.value_or(true);
                        if (pingRoute && side == KeepaliveSide::Client) {
                            // Applied, the configuration holds the connection and the server accepts it.
                            const auto time = after.value(SettingSide::Client, "keepalive_time_ms");
                            EXPECT_LT(static_cast<double>(time), t * 1000.0) << where;
                            EXPECT_EQ(after.value(SettingSide::Client, "keepalive_permit_without_calls"), 1) << where;
                            EXPECT_EQ(after.value(SettingSide::Client, "max_pings_without_data"), 0) << where;
                            EXPECT_EQ(after.value(SettingSide::Server, "keepalive_permit_without_calls"), 1) << where;
                            EXPECT_LE(after.value(SettingSide::Server, "min_ping_interval_without_data_ms"), time)
                                << where;
                            if (time < 10000) {
                                EXPECT_NE(fix.suggestion.find("no grpc-go or grpc-java client setting meets this"),
                                    std::string::npos)
                                    << where << ": " << fix.suggestion;
                            }
                        } else if (pingRoute) {
                            const auto time = after.value(SettingSide::Server, "keepalive_time_ms");
                            EXPECT_LT(static_cast<double>(time), t * 1000.0) << where;
                            // grpc-java 1.41 servers raise keepAliveTime below 10 s to 10 s.
                            const bool floorNamed
                                = fix.suggestion.find("no grpc-java server setting meets this") != std::string::npos;
                            if (fix.suggestion.find("server PINGs every") != std::string::npos) {
                                EXPECT_EQ(floorNamed, time < 10000) << where << ": " << fix.suggestion;
                            }
                        } else {
                            for (const auto& c : fix.changes) {
                                EXPECT_NE(c.setting, "keepalive_time_ms") << where << ": PINGs do not count here";
                            }
                            if (tcp.value_or(false) && t > 1.0) { // TCP keep-alive is the only route, and it fits
                                EXPECT_EQ(after.value(SettingSide::Tcp, "so_keepalive"), 1) << where;
                                EXPECT_LT(static_cast<double>(after.value(SettingSide::Tcp, "tcp_keepidle_s")), t)
                                    << where;
                            }
                        }
                        if (tcp.value_or(false) && t <= 1.0) {
                            EXPECT_NE(fix.suggestion.find("TCP keep-alive cannot help"), std::string::npos)
                                << where << fix.suggestion;
                        }
                    }
                }
            }
        }
    }
    EXPECT_GT(checked, 20000u);
}

TEST(KeepaliveFix, targetsStayStrictlyBelowTheTimeout)
{
    EXPECT_EQ(keepaliveTargetMs(0.8), 640);
    EXPECT_EQ(keepaliveTargetMs(350), 280000);
    EXPECT_FALSE(keepaliveTargetMs(0.001)); // no whole millisecond below 1 ms
    EXPECT_FALSE(tcpKeepidleTargetS(0.8)); // TCP_KEEPIDLE is whole seconds >= 1
    EXPECT_FALSE(tcpKeepidleTargetS(1.0));
    EXPECT_EQ(tcpKeepidleTargetS(1.2), 1);
    EXPECT_EQ(tcpKeepidleTargetS(350), 280);
}

namespace {

Event ev(std::uint64_t index, double t, EventType type, Direction dir)
{
    Event e;
    e.index = index;
    e.tsNs = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(t * 1e9);
    e.relNs = static_cast<std::int64_t>(t * 1e9);
    e.type = type;
    e.dir = dir;
    return e;
}

} // namespace

TEST(KeepaliveFix, theAnalyzersFindingsCarryChangesThatMeetTheirProfilesTimeout)
{
    // A connection with a PING cadence, a TCP keep-alive, then a silence longer than the profile
    // and an RST: lb-idle-timeout, ping-cadence-vs-lb, tcp-keepalive-vs-lb and the end findings.
    for (double t : timeouts()) {
        if (t > 600)
            continue; // the synthetic connection below lasts about 3 * t
        for (auto tcp : { std::optional<bool>(true), std::optional<bool>(false) }) {
            for (bool withSettings : { false, true }) {
                std::optional<KeepaliveSettings> settings;
                if (withSettings)
                    settings = KeepaliveSettings {};
                FindingsAnalyzer a(AnalyzerOptions { { profile(t, true, tcp) }, settings });
                std::uint64_t i = 0;
                a.onEvent(ev(i++, 0, EventType::Syn, Direction::ClientToServer));
                for (int k = 1; k <= 3; ++k) { // pings slower than the timeout
                    auto p = ev(i++, 1.5 * t * k / 3.0 + 0.001 * k, EventType::Ping, Direction::ClientToServer);
                    p.opaque = static_cast<std::uint64_t>(k);
                    a.onEvent(p);
                    auto ack = ev(
                        i++, 1.5 * t * k / 3.0 + 0.001 * k + 0.0001, EventType::PingAck, Direction::ServerToClient);
                    ack.opaque = static_cast<std::uint64_t>(k);
                    a.onEvent(ack);
                }
                a.onEvent(ev(i++, 1.6 * t, EventType::TcpKeepalive, Direction::ClientToServer));
                a.onEvent(ev(i++, 1.6 * t + 0.0001, EventType::TcpKeepaliveAck, Direction::ServerToClient));
                a.onEvent(ev(i++, 3.0 * t + 1.5, EventType::Rst, Direction::ServerToClient));
                const auto findings = a.finish({});
                std::size_t withChanges = 0;
                double inferredS = 0;
                for (const auto& f : findings) {
                    if (f.id == "inferred-idle-timer")
                        inferredS = f.figure;
                }
                ASSERT_GT(inferredS, 0) << t;
                for (const auto& f : findings) {
                    if (f.changes.empty())
                        continue;
                    ++withChanges;
                    KeepaliveFix fix { f.suggestion, f.changes };
                    // The inferred timer's fix, and the end findings that point to it, meet the
                    // timer the capture shows; the others the profile's.
                    const bool fromCapture = f.id == "inferred-idle-timer" || f.id.rfind("end-", 0) == 0;
                    checkFix(fix, settings, fromCapture ? inferredS : t, f.id + " at " + std::to_string(t) + " s");
                }
                EXPECT_GT(withChanges, 0u) << t;
            }
        }
    }
}
