// The load-balancer catalogue: the built-in one is complete and valid, user files are checked
// entry by entry with messages naming the entry and field, and --lb names resolve.
#include "core/lb_catalogue.h"
#include "core/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace ks::core;

namespace {

bool anyContains(const std::vector<std::string>& errors, const std::string& text)
{
    for (const auto& e : errors)
        if (e.find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST(LbCatalogue, builtInCatalogueParsesWithoutErrorsAndHasEveryMiddleboxOfTheIssue)
{
    const auto load = parseLbCatalogue(builtinLbCatalogueJson(), "lb_profiles.json");
    EXPECT_TRUE(load.errors.empty()) << load.errors.front();
    const auto doc = nlohmann::json::parse(builtinLbCatalogueJson());
    EXPECT_EQ(load.entries.size(), doc["profiles"].size());
    EXPECT_EQ(builtinLbCatalogue().size(), load.entries.size());
    for (const char* name : { "aws-alb", "aws-nlb", "aws-nat-gateway", "gcp-external-alb", "gcp-internal-alb",
             "gcp-cloud-nat", "azure-lb", "nginx-keepalive", "nginx-http2-idle", "envoy-idle", "envoy-stream-idle",
             "haproxy-client", "haproxy-server", "haproxy-tunnel", "cloudflare", "linux-conntrack" }) {
        const auto sel = selectLbProfiles(name, {});
        ASSERT_EQ(sel.entries.size(), 1u) << name;
        const auto& p = sel.entries[0].profile;
        EXPECT_GT(p.idleTimeoutS, 0) << name;
        EXPECT_EQ(p.source.rfind("https://", 0), 0u) << name << " has no documentation URL";
    }
    // Documented figures the findings rely on.
    EXPECT_EQ(selectLbProfiles("aws-nlb", {}).entries[0].profile.idleTimeoutS, 350);
    EXPECT_EQ(selectLbProfiles("aws-nlb", {}).entries[0].profile.tcpKeepaliveResetsIdle, true);
    EXPECT_EQ(selectLbProfiles("aws-alb", {}).entries[0].http2PingResetsIdle, false);
    EXPECT_EQ(selectLbProfiles("linux-conntrack", {}).entries[0].profile.idleTimeoutS, 432000);
}

TEST(LbCatalogue, badUserEntriesAreNamedWithTheirFieldAndGoodOnesStillLoad)
{
    const auto load = parseLbCatalogue(R"({"format": "keepalive-scope-lb-profiles", "version": 1, "profiles": [
        {"name": "ok", "idle_timeout_s": 30, "on_expiry": "fin"},
        {"name": "no-timeout", "on_expiry": "rst"},
        {"name": "bad-action", "idle_timeout_s": 10, "on_expiry": "explode"},
        {"name": "typo", "idle_timeout_s": 10, "on_expiry": "rst", "idle_timout_s": 5},
        {"name": "neg", "idle_timeout_s": -3, "on_expiry": "rst", "tcp_keepalive_resets_idle": "yes"},
        {"name": "ok", "idle_timeout_s": 31, "on_expiry": "fin"},
        42
    ]})",
        "mine.json");
    ASSERT_EQ(load.entries.size(), 1u);
    EXPECT_EQ(load.entries[0].profile.name, "ok");
    EXPECT_TRUE(anyContains(load.errors, "mine.json: profiles[1] (\"no-timeout\").idle_timeout_s: missing"))
        << load.errors[0];
    EXPECT_TRUE(anyContains(load.errors,
        "profiles[2] (\"bad-action\").on_expiry: must be one of rst (RST both ways), rst_next_packet, silent_drop, "
        "fin, goaway"));
    EXPECT_TRUE(anyContains(load.errors, "profiles[3] (\"typo\").idle_timout_s: unknown field"));
    EXPECT_TRUE(anyContains(load.errors, "profiles[4] (\"neg\").idle_timeout_s"));
    EXPECT_TRUE(anyContains(load.errors, "profiles[4] (\"neg\").tcp_keepalive_resets_idle: must be true or false"));
    EXPECT_TRUE(anyContains(load.errors, "profiles[5] (\"ok\").name: \"ok\" appears more than once"));
    EXPECT_TRUE(anyContains(load.errors, "profiles[6]: must be an object"));

    EXPECT_TRUE(anyContains(parseLbCatalogue("{not json", "x.json").errors, "x.json: not valid JSON"));
    EXPECT_TRUE(anyContains(loadLbCatalogueFile("/nonexistent/lb.json").errors, "/nonexistent/lb.json: cannot open"));
}

TEST(LbCatalogue, namesResolveUserEntriesFirstAndUnknownNamesListTheKnownOnes)
{
    const auto user = parseLbCatalogue(R"([{"name": "aws-nlb", "idle_timeout_s": 120, "on_expiry": "rst"},
                                           {"name": "corp-proxy", "idle_timeout_s": 90, "on_expiry": "fin"}])",
        "mine.json");
    ASSERT_TRUE(user.errors.empty());
    const auto sel = selectLbProfiles("corp-proxy,aws-nlb,gcp-cloud-nat", user.entries);
    ASSERT_TRUE(sel.errors.empty());
    ASSERT_EQ(sel.entries.size(), 3u);
    EXPECT_EQ(sel.entries[0].profile.idleTimeoutS, 90);
    EXPECT_EQ(sel.entries[1].profile.idleTimeoutS, 120); // the user's aws-nlb overrides the built-in
    EXPECT_EQ(sel.entries[2].profile.name, "gcp-cloud-nat");

    const auto bad = selectLbProfiles("aws-nbl", {});
    ASSERT_EQ(bad.errors.size(), 1u);
    EXPECT_NE(bad.errors[0].find("unknown load-balancer profile \"aws-nbl\""), std::string::npos);
    EXPECT_NE(bad.errors[0].find("aws-nlb"), std::string::npos);
    EXPECT_NE(bad.errors[0].find("linux-conntrack"), std::string::npos);
}

TEST(LbCatalogue, catalogueJsonRoundTrips)
{
    const auto& all = builtinLbCatalogue();
    const auto again = parseLbCatalogue(lbCatalogueJson(all), "again.json");
    ASSERT_TRUE(again.errors.empty()) << again.errors.front();
    ASSERT_EQ(again.entries.size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(again.entries[i].profile.name, all[i].profile.name);
        EXPECT_EQ(again.entries[i].profile.idleTimeoutS, all[i].profile.idleTimeoutS);
        EXPECT_EQ(again.entries[i].profile.configurableMaxS, all[i].profile.configurableMaxS);
        EXPECT_EQ(again.entries[i].profile.tcpKeepaliveResetsIdle, all[i].profile.tcpKeepaliveResetsIdle);
        EXPECT_EQ(again.entries[i].http2PingResetsIdle, all[i].http2PingResetsIdle);
    }
}

TEST(Report, markdownAndJsonHoldSettingsProfilesConnectionsAndFindingsAndAreWrittenAtomically)
{
    ReportInput in;
    in.source = "capture.pcap";
    KeepaliveSettings s;
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 30000), "");
    in.settings = s;
    in.settingsSource = "exp.json";
    in.profiles = selectLbProfiles("aws-nlb", {}).entries;
    ConnectionSummary c;
    c.id = 0;
    c.client = "10.0.0.1:40000";
    c.server = "10.0.0.2:443";
    c.http2 = true;
    in.connections = { c };
    Finding f;
    f.id = "keepalive-timeout";
    f.severity = Severity::Error;
    f.conn = 0;
    f.title = "Keepalive timeout | with a pipe";
    f.detail = "detail";
    f.evidence = { 3, 4 };
    f.suggestion = "change it";
    f.figure = 1.5;
    in.findings = { f };

    const auto md = reportMarkdown(in);
    for (const char* part :
        { "## Findings", "### error: Keepalive timeout", "`keepalive-timeout`", "evidence (event indexes): 3, 4",
            "**What to do:** change it", "## Connections", "10.0.0.1:40000", "## Load-balancer profiles",
            "| aws-nlb | 350 s", "## Settings", "From `exp.json`", "| client | keepalive_time_ms | 30000 ms | yes |" })
        EXPECT_NE(md.find(part), std::string::npos) << part;

    const auto j = nlohmann::json::parse(reportJson(in));
    EXPECT_EQ(j["format"], "keepalive-scope-report");
    EXPECT_EQ(j["settings"]["client"]["keepalive_time_ms"], 30000);
    EXPECT_EQ(j["lb_profiles"][0]["name"], "aws-nlb");
    EXPECT_EQ(j["connections"][0]["client"], "10.0.0.1:40000");
    EXPECT_EQ(j["findings"][0]["id"], "keepalive-timeout");
    EXPECT_EQ(j["findings"][0]["evidence"], nlohmann::json::array({ 3, 4 }));
    EXPECT_EQ(j["findings"][0]["figure_s"], 1.5);

    const auto dir = std::filesystem::temp_directory_path() / ("ks-report-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto mdPath = (dir / "r.md").string();
    {
        std::ofstream old(mdPath);
        old << "old content";
    }
    EXPECT_EQ(writeReport(in, mdPath), "");
    std::ifstream back(mdPath);
    const std::string text((std::istreambuf_iterator<char>(back)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, md);
    EXPECT_EQ(writeReport(in, (dir / "r.json").string()), "");
    EXPECT_NE(writeReport(in, (dir / "r.txt").string()).find("unknown report format"), std::string::npos);
    EXPECT_NE(writeReport(in, (dir / "missing" / "r.md").string()).find("cannot write"), std::string::npos);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir))
        ++files;
    EXPECT_EQ(files, 2u); // no temporary file left behind
    std::filesystem::remove_all(dir);
}
