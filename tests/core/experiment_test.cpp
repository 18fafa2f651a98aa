// Experiment files: every field checked with a message naming it, and a lossless round trip.
#include "core/experiment.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace ks::core;

namespace {

bool anyErrorContains(const ExperimentLoad& load, const std::string& text)
{
    for (const auto& e : load.errors)
        if (e.find(text) != std::string::npos)
            return true;
    return false;
}

const char* kGood = R"({
  "format": "keepalive-scope-experiment", "version": 1,
  "client": {"keepalive_time_ms": 1000, "keepalive_timeout_ms": 1000, "keepalive_permit_without_calls": true},
  "server": {"min_ping_interval_without_data_ms": 300000, "max_connection_idle_ms": "infinite"},
  "tcp": {"so_keepalive": true, "tcp_keepidle_s": 1},
  "lb_profiles": ["aws-nlb"],
  "simulator": {"idle_timeout_s": 2, "on_expiry": "rst", "tcp_keepalive_resets_idle": false},
  "rpc": {"pattern": "stream", "stream_message_interval_s": 0},
  "target": {"embedded": true}
})";

} // namespace

TEST(Experiment, aValidFileLoadsWithDefaultsForWhatIsUnset)
{
    const auto load = parseExperiment(kGood, "good.json");
    ASSERT_TRUE(load.experiment) << (load.errors.empty() ? "" : load.errors[0]);
    const auto& s = load.experiment->settings;
    EXPECT_EQ(s.value(SettingSide::Client, "keepalive_time_ms"), 1000);
    EXPECT_EQ(s.value(SettingSide::Client, "keepalive_permit_without_calls"), 1);
    EXPECT_EQ(s.value(SettingSide::Client, "max_pings_without_data"), 2); // C-core default
    EXPECT_FALSE(s.isSet(SettingSide::Client, "max_pings_without_data"));
    EXPECT_EQ(s.value(SettingSide::Server, "max_connection_idle_ms"), kInfinite);
    EXPECT_EQ(s.value(SettingSide::Tcp, "tcp_keepintvl_s"), 75); // Linux default
    ASSERT_TRUE(load.experiment->simulator);
    EXPECT_EQ(load.experiment->simulator->idleTimeoutS, 2);
    EXPECT_FALSE(load.experiment->simulator->tcpKeepaliveResetsIdle);
    EXPECT_EQ(load.experiment->rpc.pattern, RpcPattern::Stream);
}

TEST(Experiment, unknownKeysWrongTypesAndRangesNameTheFieldAndTheAllowedValues)
{
    const auto load = parseExperiment(R"({"format": "keepalive-scope-experiment", "version": 1,
        "client": {"keepalive_tim_ms": 5, "keepalive_timeout_ms": "20s"},
        "server": {"max_ping_strikes": -1},
        "tcp": {"so_keepalive": 1},
        "rpc": {"pattern": "sometimes", "method": "Check"},
        "target": {"embedded": false},
        "extra": 1})",
        "bad.json");
    EXPECT_FALSE(load.experiment);
    EXPECT_TRUE(anyErrorContains(
        load, "bad.json: client.keepalive_tim_ms: unknown setting (known client settings: keepalive_time_ms"));
    EXPECT_TRUE(anyErrorContains(load, "client.keepalive_timeout_ms: expected an integer number of ms, got a string"));
    EXPECT_TRUE(anyErrorContains(load, "server.max_ping_strikes: -1 is out of range (allowed: 0..2147483647 count)"));
    EXPECT_TRUE(anyErrorContains(load, "tcp.so_keepalive: expected true or false, got an integer"));
    EXPECT_TRUE(anyErrorContains(load, "rpc.pattern: \"sometimes\" is not one of idle, unary, stream, bidi"));
    EXPECT_TRUE(anyErrorContains(load, "rpc.method: \"Check\" is not a gRPC method path"));
    EXPECT_TRUE(anyErrorContains(load, "target.address"));
    EXPECT_TRUE(anyErrorContains(load, "extra: unknown key"));
    EXPECT_EQ(load.errors.size(), 8u);
}

TEST(Experiment, wrongFormatVersionAndBrokenJsonAreRefused)
{
    EXPECT_TRUE(
        anyErrorContains(parseExperiment(R"({"format": "keepalive-scope-experiment", "version": 7})", "v7.json"),
            "version: 7 is not supported"));
    EXPECT_TRUE(anyErrorContains(parseExperiment(R"({"version": 1})", "x.json"), "format: expected"));
    EXPECT_TRUE(anyErrorContains(parseExperiment("{\"client\": ", "cut.json"), "cut.json: not valid JSON"));
    EXPECT_TRUE(anyErrorContains(loadExperiment("/nonexistent/e.json"), "cannot open"));
}

TEST(Experiment, saveIsAtomicAndRoundTrips)
{
    // Per process: the suite runs in several build trees at once (release, dev-asan).
    const auto dir = std::filesystem::temp_directory_path() / ("ks-experiment-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "e.json").string();
    const auto load = parseExperiment(kGood, "good.json");
    ASSERT_TRUE(load.experiment);
    ASSERT_EQ(saveExperiment(*load.experiment, path), "");
    const auto again = loadExperiment(path);
    ASSERT_TRUE(again.experiment) << (again.errors.empty() ? "" : again.errors[0]);
    EXPECT_EQ(*again.experiment, *load.experiment);
    // A save that cannot happen leaves the old file as it was and leaves no temporary behind.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const bool rootIgnoresPermissions = ::geteuid() == 0;
    if (!rootIgnoresPermissions) {
        EXPECT_NE(saveExperiment(Experiment {}, path), "");
    }
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator {}), 1);
    EXPECT_EQ(saveExperiment(Experiment {}, (dir / "missing-dir" / "e.json").string()).find("cannot write beside it")
            != std::string::npos,
        true);
    std::filesystem::remove_all(dir);
}

TEST(KeepaliveSettings, everySpecHasAChannelArgumentAHelpLineAndADefaultInRange)
{
    int client = 0, server = 0, tcp = 0;
    for (const auto& spec : settingSpecs()) {
        EXPECT_FALSE(spec.channelArg.empty()) << spec.key;
        EXPECT_FALSE(spec.help.empty()) << spec.key;
        EXPECT_GE(spec.defaultValue, spec.min) << spec.key;
        EXPECT_LE(spec.defaultValue, spec.max) << spec.key;
        (spec.side == SettingSide::Client ? client : spec.side == SettingSide::Server ? server : tcp)++;
    }
    EXPECT_EQ(client, 5);
    EXPECT_EQ(server, 8);
    EXPECT_EQ(tcp, 4);
}

TEST(Experiment, tlsFilesOfTheEmbeddedServerRoundTripAndGoTogether)
{
    const char* tls = R"({"format": "keepalive-scope-experiment", "version": 1,
      "target": {"embedded": true, "tls": true, "cert_file": "srv.pem", "key_file": "srv.key",
                 "key_log_file": "/tmp/keys.log"}})";
    const auto load = parseExperiment(tls, "tls.json");
    ASSERT_TRUE(load.experiment) << (load.errors.empty() ? "" : load.errors[0]);
    EXPECT_EQ(load.experiment->target.certFile, "srv.pem");
    EXPECT_EQ(load.experiment->target.keyFile, "srv.key");
    EXPECT_EQ(load.experiment->target.keyLogFile, "/tmp/keys.log");
    const auto again = parseExperiment(experimentToJson(*load.experiment), "saved.json");
    ASSERT_TRUE(again.experiment);
    EXPECT_EQ(*again.experiment, *load.experiment);

    const auto alone = parseExperiment(R"({"format": "keepalive-scope-experiment", "version": 1,
      "target": {"tls": true, "cert_file": "srv.pem"}})",
        "alone.json");
    EXPECT_FALSE(alone.experiment);
    EXPECT_TRUE(
        anyErrorContains(alone, "alone.json: target.key_file: the embedded server's certificate and key go together"));
    const auto remote = parseExperiment(R"({"format": "keepalive-scope-experiment", "version": 1,
      "target": {"embedded": false, "address": "db:443", "tls": true, "cert_file": "a", "key_file": "b"}})",
        "r.json");
    EXPECT_FALSE(remote.experiment);
    EXPECT_TRUE(anyErrorContains(remote, "target.cert_file: only the embedded server takes a certificate"));
}
