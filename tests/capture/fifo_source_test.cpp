// A FIFO opened from the window (PacketSource::open with the loader's cancel flag): opening it
// does not wait for a writer, a cancel ends the wait, and a writer that comes later is read to
// its end. Without the flag a FIFO's open() and read() block, and a window closed while nothing
// wrote to it would wait for its loader forever.
#include "capture/capture_engine.h"
#include "capture/capture_reader.h"
#include "capture/packet_source.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using ks::capture::CaptureEngine;
using ks::capture::PacketSource;
using Clock = std::chrono::steady_clock;

struct Count final : ks::capture::EventSink {
    std::size_t events = 0;
    void onEvent(const ks::core::Event&) override { ++events; }
};

class Fifo : public ::testing::Test {
protected:
    void SetUp() override
    {
        char dir[] = "/tmp/ks_fifo_XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        m_dir = dir;
        m_path = m_dir + "/capture.pcap";
        ASSERT_EQ(::mkfifo(m_path.c_str(), 0600), 0);
    }
    void TearDown() override
    {
        ::unlink(m_path.c_str());
        ::rmdir(m_dir.c_str());
    }
    std::string m_dir, m_path;
};

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST_F(Fifo, openingWithACancelFlagDoesNotWaitForAWriterAndTheCancelEndsTheWait)
{
    std::atomic<bool> cancel { false };
    const auto start = Clock::now();
    std::string error;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancel = true;
    });
    auto source = PacketSource::open(m_path, error, &cancel);
    // open() returned at once; start() waited for the header until the cancel, then gave up
    canceller.join();
    EXPECT_EQ(source, nullptr);
    EXPECT_NE(error.find("no capture data arrived"), std::string::npos) << error;
    EXPECT_LT(secondsSince(start), 5.0);
}

TEST_F(Fifo, aWriterThatComesLaterIsReadToItsEnd)
{
    const std::string file = std::string(KS_TEST_DATA_DIR) + "/go_ping_healthy.pcap";
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    ASSERT_FALSE(bytes.empty());
    std::atomic<bool> cancel { false };
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const int fd = ::open(m_path.c_str(), O_WRONLY | O_CLOEXEC);
        for (std::size_t at = 0; fd >= 0 && at < bytes.size();) {
            const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
            if (n <= 0)
                break;
            at += static_cast<std::size_t>(n);
        }
        if (fd >= 0)
            ::close(fd);
    });
    std::string error;
    auto source = PacketSource::open(m_path, error, &cancel);
    ASSERT_TRUE(source) << error;
    Count fromFifo;
    CaptureEngine engine(source->linkType(), fromFifo);
    const auto read = ks::capture::readCapture(*source, engine, m_path, {}, &cancel);
    writer.join();
    EXPECT_TRUE(read.error.empty()) << read.error;
    EXPECT_FALSE(read.cancelled);

    auto plain = PacketSource::open(file, error);
    ASSERT_TRUE(plain) << error;
    Count fromFile;
    CaptureEngine reference(plain->linkType(), fromFile);
    ks::capture::readCapture(*plain, reference, file);
    EXPECT_EQ(engine.counters().packets, reference.counters().packets);
    EXPECT_EQ(fromFifo.events, fromFile.events);
}

} // namespace
