// Test helper: a reference capture (tests/data) read through PacketSource, CaptureEngine and
// capture::readCapture, the path analyze and the window take, every event going to the caller's
// sink.
#pragma once

#include "capture/capture_engine.h"
#include "capture/capture_reader.h"
#include "capture/key_log.h"
#include "capture/packet_source.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ks::test {

struct ReadCapture {
    std::vector<core::ConnectionSummary> connections;
    int decimals = 0;
    int linkType = 0;
};

// keys: a key log beside the capture in tests/data to decrypt its TLS with (none: read without).
inline ReadCapture readCapture(const std::string& name, capture::EventSink& sink, const std::string& keys = {})
{
    ReadCapture r;
    std::string error;
    auto source = capture::PacketSource::open(std::string(KS_TEST_DATA_DIR) + "/" + name, error);
    EXPECT_TRUE(source) << error;
    if (!source)
        return r;
    capture::CaptureEngine engine(source->linkType(), sink);
    if (!keys.empty()) {
        auto keyLog = std::make_shared<capture::KeyLog>();
        std::vector<std::string> warnings;
        std::string keyError;
        EXPECT_TRUE(keyLog->loadFile(std::string(KS_TEST_DATA_DIR) + "/" + keys, warnings, keyError)) << keyError;
        engine.setKeyLog(keyLog);
    }
    const auto read = capture::readCapture(*source, engine, name);
    EXPECT_TRUE(read.error.empty()) << read.error;
    r.connections = engine.summaries();
    r.decimals = source->decimals();
    r.linkType = source->linkType();
    return r;
}

} // namespace ks::test
