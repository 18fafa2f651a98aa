// Configuration lint: each rule of issue 4 fires on the settings that break it, names the setting
// and value that fix it, and stays quiet on settings that are fine.
#include "core/config_lint.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace ks::core;

namespace {

KeepaliveSettings settings(std::initializer_list<std::tuple<SettingSide, const char*, std::int64_t>> values)
{
    KeepaliveSettings s;
    for (const auto& [side, key, value] : values)
        EXPECT_EQ(s.set(side, key, value), "") << key;
    return s;
}

const Finding* find(const std::vector<Finding>& findings, const std::string& id)
{
    const auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == id; });
    return it == findings.end() ? nullptr : &*it;
}

LbCatalogueEntry profile(const std::string& name)
{
    const auto sel = selectLbProfiles(name, {});
    EXPECT_EQ(sel.entries.size(), 1u);
    return sel.entries.at(0);
}

// Client pings every 60 s without calls, server permits it and accepts 30 s: fine behind an NLB.
KeepaliveSettings good()
{
    return settings(
        { { SettingSide::Client, "keepalive_time_ms", 60000 }, { SettingSide::Client, "keepalive_timeout_ms", 20000 },
            { SettingSide::Client, "keepalive_permit_without_calls", 1 },
            { SettingSide::Server, "keepalive_permit_without_calls", 1 },
            { SettingSide::Server, "min_ping_interval_without_data_ms", 30000 } });
}

} // namespace

TEST(ConfigLint, goodSettingsBehindANetworkLoadBalancerGetNoFinding)
{
    Target t;
    t.embedded = false;
    t.address = "10.0.0.5:50051";
    const auto findings = lintSettings(good(), { profile("aws-nlb"), profile("azure-lb") }, &t);
    EXPECT_TRUE(findings.empty()) << findings.front().id;
}

TEST(ConfigLint, clientTimeBelowTheServersMinimumPingIntervalIsAnError)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Server, "min_ping_interval_without_data_ms", 300000), "");
    const auto findings = lintSettings(s, {}, nullptr);
    const auto* f = find(findings, "lint-client-below-server-minimum");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->severity, Severity::Error);
    EXPECT_FALSE(f->conn);
    EXPECT_NE(f->suggestion.find("keepalive_time_ms >= 300000"), std::string::npos) << f->suggestion;
    // C-core's max_ping_strikes=0 (unlimited strikes) never sends too_many_pings.
    ASSERT_EQ(s.set(SettingSide::Server, "max_ping_strikes", 0), "");
    EXPECT_FALSE(find(lintSettings(s, {}, nullptr), "lint-client-below-server-minimum"));
}

TEST(ConfigLint, clientTimeAtOrAboveAnLbIdleTimeoutIsAnErrorNamingTheProfile)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 350000), "");
    ASSERT_EQ(s.set(SettingSide::Server, "min_ping_interval_without_data_ms", 300000), "");
    const auto findings = lintSettings(s, { profile("aws-nlb"), profile("gcp-cloud-nat") }, nullptr);
    const auto* f = find(findings, "lint-lb-time-too-long");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->profile, "aws-nlb");
    EXPECT_DOUBLE_EQ(f->figure, 350);
    EXPECT_NE(f->suggestion.find("keepalive_time_ms=280000"), std::string::npos) << f->suggestion;
    EXPECT_EQ(std::count_if(
                  findings.begin(), findings.end(), [](const Finding& x) { return x.id == "lint-lb-time-too-long"; }),
        1);
}

TEST(ConfigLint, timeoutAtOrAboveTimeIsAWarning)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_timeout_ms", 60000), "");
    const auto findings = lintSettings(s, {}, nullptr);
    const auto* f = find(findings, "lint-timeout-not-below-time");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->severity, Severity::Warning);
}

TEST(ConfigLint, permitWithoutCallsOnTheClientButNotOnTheServerIsAnError)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Server, "keepalive_permit_without_calls", 0), "");
    const auto findings = lintSettings(s, {}, nullptr);
    const auto* f = find(findings, "lint-permit-without-calls-mismatch");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->severity, Severity::Error);
    EXPECT_NE(f->suggestion.find("server keepalive_permit_without_calls=1"), std::string::npos);
}

TEST(ConfigLint, clientTimeBelowGrpcGosTenSecondFloorIsAWarning)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 5000), "");
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_timeout_ms", 1000), "");
    const auto findings = lintSettings(s, {}, nullptr);
    const auto* f = find(findings, "lint-below-grpc-go-minimum");
    ASSERT_TRUE(f);
    EXPECT_NE(f->detail.find("10 s"), std::string::npos);
    EXPECT_NE(f->detail.find("grpc-java client"), std::string::npos) << f->detail;
}

TEST(ConfigLint, pingsBelowOneMinuteTowardsAPublicServiceAreAWarningButNotTowardsPrivateOnes)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 30000), "");
    Target pub;
    pub.embedded = false;
    pub.address = "api.example.com:443";
    EXPECT_TRUE(find(lintSettings(s, {}, &pub), "lint-public-service-ping-rate"));
    for (const char* addr :
        { "10.1.2.3:50051", "192.168.0.7:443", "localhost:50051", "[::1]:50051", "svc.ns.svc.cluster.local:80" }) {
        Target priv = pub;
        priv.address = addr;
        EXPECT_FALSE(find(lintSettings(s, {}, &priv), "lint-public-service-ping-rate")) << addr;
    }
    EXPECT_FALSE(find(lintSettings(good(), {}, &pub), "lint-public-service-ping-rate")); // 60 s is fine
}

TEST(ConfigLint, noKeepaliveBehindAnLbAndAnLbThatIgnoresPingsAreNamed)
{
    const KeepaliveSettings defaults; // gRPC defaults: no client keepalive
    const auto findings = lintSettings(defaults, { profile("aws-nlb"), profile("aws-alb") }, nullptr);
    const auto* none = find(findings, "lint-lb-no-keepalive");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->profile, "aws-nlb");
    const auto* alb = find(findings, "lint-lb-ignores-pings");
    ASSERT_TRUE(alb);
    EXPECT_EQ(alb->profile, "aws-alb");

    // A TCP keep-alive short enough for the NLB (which counts probes) is keepalive enough.
    auto tcp = settings({ { SettingSide::Tcp, "so_keepalive", 1 }, { SettingSide::Tcp, "tcp_keepidle_s", 60 } });
    EXPECT_FALSE(find(lintSettings(tcp, { profile("aws-nlb") }, nullptr), "lint-lb-no-keepalive"));
    ASSERT_EQ(tcp.set(SettingSide::Tcp, "tcp_keepidle_s", 7200), "");
    const auto late = lintSettings(tcp, { profile("aws-nlb") }, nullptr);
    EXPECT_TRUE(find(late, "lint-lb-tcp-keepidle-too-long"));
    EXPECT_TRUE(find(late, "lint-lb-no-keepalive"));
}

TEST(ConfigLint, keepaliveOnlyDuringCallsIsAWarningBehindAnLb)
{
    auto s = good();
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_permit_without_calls", 0), "");
    const auto findings = lintSettings(s, { profile("azure-lb") }, nullptr);
    const auto* f = find(findings, "lint-lb-idle-without-calls");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->profile, "azure-lb");
}
