// The NSS key log reader: what it accepts, what it warns about (with file and line), merging,
// and picking up lines a program appends while a capture runs.
#include "capture/key_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

using ks::capture::ClientRandom;
using ks::capture::KeyLog;

namespace {

const std::string kRandom = std::string(64, 'a');
const std::string kSecret32 = std::string(64, 'b');
const std::string kMaster = std::string(96, 'c');

ClientRandom randomOf(std::uint8_t byte)
{
    ClientRandom r;
    r.fill(byte);
    return r;
}

} // namespace

TEST(KeyLog, readsEveryLabelSkipsCommentsAndBlankLines)
{
    KeyLog log;
    std::vector<std::string> warnings;
    log.addText("# SSL/TLS secrets log file\n\n"
                "CLIENT_RANDOM "
            + kRandom + " " + kMaster
            + "\r\n"
              "CLIENT_HANDSHAKE_TRAFFIC_SECRET "
            + kRandom + " " + kSecret32
            + "\n"
              "SERVER_HANDSHAKE_TRAFFIC_SECRET "
            + kRandom + " " + kSecret32
            + "\n"
              "CLIENT_TRAFFIC_SECRET_0 "
            + kRandom + " " + std::string(96, 'd')
            + "\n"
              "SERVER_TRAFFIC_SECRET_0 "
            + kRandom + " " + kSecret32
            + "\n"
              "EXPORTER_SECRET "
            + kRandom + " " + kSecret32 + "\n",
        "keys.txt", warnings);
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    ASSERT_EQ(log.sessionCount(), 1u);
    const auto* s = log.find(randomOf(0xaa));
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->master.size, 48);
    EXPECT_EQ(s->master.bytes[0], 0xcc);
    EXPECT_EQ(s->clientTraffic0.size, 48); // SHA-384 suite
    EXPECT_EQ(s->serverTraffic0.size, 32);
    EXPECT_EQ(log.find(randomOf(0xab)), nullptr);
}

TEST(KeyLog, malformedLinesAreWarnedWithTheirLineNumberAndSkipped)
{
    KeyLog log;
    std::vector<std::string> warnings;
    log.addText("CLIENT_RANDOM " + kRandom
            + "\n" // 1: two fields
              "CLIENT_RANDOM "
            + kRandom.substr(2) + " " + kMaster
            + "\n" // 2: short random
              "CLIENT_RANDOM "
            + kRandom + " " + kSecret32
            + "\n" // 3: master too short
              "SERVER_TRAFFIC_SECRET_0 "
            + kRandom + " " + std::string(64, 'x')
            + "\n" // 4: not hex
              "HELLO "
            + kRandom + " " + kSecret32
            + "\n" // 5: unknown label
              "SERVER_TRAFFIC_SECRET_0 "
            + kRandom + " " + kSecret32
            + " extra\n" // 6: four fields
              "SERVER_TRAFFIC_SECRET_0 "
            + kRandom + " " + kSecret32 + "\n", // 7: good
        "keys.txt", warnings);
    ASSERT_EQ(warnings.size(), 6u);
    for (int line = 1; line <= 6; ++line)
        EXPECT_EQ(warnings[static_cast<std::size_t>(line - 1)].rfind("keys.txt:" + std::to_string(line) + ": ", 0), 0u)
            << warnings[static_cast<std::size_t>(line - 1)];
    EXPECT_NE(warnings[4].find("unknown label \"HELLO\""), std::string::npos);
    ASSERT_NE(log.find(randomOf(0xaa)), nullptr);
    EXPECT_TRUE(log.find(randomOf(0xaa))->serverTraffic0.present());
    EXPECT_FALSE(log.find(randomOf(0xaa))->master.present());
}

TEST(KeyLog, warningsAreCappedPerSource)
{
    KeyLog log;
    std::vector<std::string> warnings;
    std::string text;
    for (int i = 0; i < 100; ++i)
        text += "garbage line\n";
    log.addText(text, "junk", warnings);
    ASSERT_EQ(warnings.size(), KeyLog::kMaxWarningsPerSource + 1);
    EXPECT_NE(warnings.back().find("80 more bad lines"), std::string::npos) << warnings.back();
}

TEST(KeyLog, aMissingFileIsAnErrorNamingIt)
{
    KeyLog log;
    std::vector<std::string> warnings;
    std::string error;
    EXPECT_FALSE(log.loadFile("/nonexistent/keys.log", warnings, error));
    EXPECT_NE(error.find("/nonexistent/keys.log: cannot read the key log"), std::string::npos) << error;
}

TEST(KeyLog, mergeAndRefreshPickUpSecretsWrittenLater)
{
    const std::string path = ::testing::TempDir() + "/growing.keys";
    std::ofstream(path) << "SERVER_TRAFFIC_SECRET_0 " << kRandom << " " << kSecret32 << "\n"
                        << "CLIENT_TRAFFIC_SECRET_0 " << std::string(64, '1'); // no newline yet
    KeyLog log;
    std::vector<std::string> warnings;
    std::string error;
    ASSERT_TRUE(log.loadFile(path, warnings, error)) << error;
    EXPECT_EQ(log.sessionCount(), 1u); // the unfinished line waits
    std::ofstream(path, std::ios::app) << " " << kSecret32 << "\n";
    EXPECT_TRUE(log.refresh());
    EXPECT_EQ(log.sessionCount(), 2u);
    EXPECT_FALSE(log.refresh()); // nothing new

    KeyLog other;
    other.addText("CLIENT_RANDOM " + std::string(64, '2') + " " + kMaster + "\n", "dsb", warnings);
    log.merge(other);
    EXPECT_EQ(log.sessionCount(), 3u);
    EXPECT_TRUE(warnings.empty());
}
