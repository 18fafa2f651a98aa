// Key log line ends as real writers produce them: grpc++ 1.51's key logger ends every line with a
// lone CR (the lab's own key log looks like that), others with CRLF or LF; a file read while it is
// being written is read line by line, whatever the ending.
#include "capture/key_log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using ks::capture::ClientRandom;
using ks::capture::KeyLog;

namespace {

std::string line(const char* label, char random, char secret)
{
    return std::string(label) + " " + std::string(64, random) + " " + std::string(96, secret);
}

ClientRandom randomOf(std::uint8_t byte)
{
    ClientRandom r;
    r.fill(byte);
    return r;
}

std::string tempPath(const char* name)
{
    return (
        std::filesystem::temp_directory_path() / (std::string("ks-keylog-") + name + "-" + std::to_string(::getpid())))
        .string();
}

} // namespace

TEST(KeyLogLineEnds, grpcStyleCarriageReturnLinesAreReadAndPickedUpAsTheyAreAppended)
{
    const std::string path = tempPath("cr");
    {
        std::ofstream out(path, std::ios::binary);
        // What grpc++ 1.51 wrote in the lab: five secrets of one session, each ended by CR only.
        out << line("SERVER_HANDSHAKE_TRAFFIC_SECRET", 'a', '1') << '\r' << line("EXPORTER_SECRET", 'a', '2') << '\r'
            << line("SERVER_TRAFFIC_SECRET_0", 'a', '3') << '\r' << line("CLIENT_HANDSHAKE_TRAFFIC_SECRET", 'a', '4')
            << '\r' << line("CLIENT_TRAFFIC_SECRET_0", 'a', '5') << '\r';
    }
    KeyLog log;
    std::vector<std::string> warnings;
    std::string error;
    ASSERT_TRUE(log.loadFile(path, warnings, error)) << error;
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    const auto* secrets = log.find(randomOf(0xaa));
    ASSERT_NE(secrets, nullptr);
    EXPECT_EQ(secrets->serverHandshake.size, 48);
    EXPECT_EQ(secrets->clientTraffic0.size, 48);
    EXPECT_EQ(secrets->clientTraffic0.bytes[0], 0x55);
    EXPECT_EQ(secrets->serverTraffic0.bytes[0], 0x33);

    // A second session appended while a capture runs; the last line is still being written.
    {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        out << line("CLIENT_TRAFFIC_SECRET_0", 'b', '6') << '\r' << "SERVER_TRAFFIC_SECRET_0 bbbb";
    }
    EXPECT_TRUE(log.refresh());
    ASSERT_NE(log.find(randomOf(0xbb)), nullptr);
    EXPECT_FALSE(log.find(randomOf(0xbb))->serverTraffic0.present());
    {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        out << std::string(60, 'b') << " " << std::string(96, '7') << '\r';
    }
    EXPECT_TRUE(log.refresh());
    ASSERT_TRUE(log.find(randomOf(0xbb))->serverTraffic0.present());
    EXPECT_EQ(log.find(randomOf(0xbb))->serverTraffic0.bytes[0], 0x77);
    std::remove(path.c_str());
}

TEST(KeyLogLineEnds, warningsNameTheRightLineWithCrlfAndLoneCr)
{
    for (const std::string end : { "\r\n", "\r", "\n" }) {
        const std::string path = tempPath("ends");
        {
            std::ofstream out(path, std::ios::binary);
            out << "# comment" << end << line("CLIENT_TRAFFIC_SECRET_0", 'c', '1') << end << "NOT_A_LABEL x y" << end;
        }
        KeyLog log;
        std::vector<std::string> warnings;
        std::string error;
        ASSERT_TRUE(log.loadFile(path, warnings, error)) << error;
        ASSERT_EQ(warnings.size(), 1u) << "line end " << int(end.back());
        EXPECT_NE(warnings[0].find(path + ":3: unknown label"), std::string::npos) << warnings[0];
        EXPECT_NE(log.find(randomOf(0xcc)), nullptr);
        std::remove(path.c_str());
    }
}
