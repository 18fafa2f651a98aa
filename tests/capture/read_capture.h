// Test helper: a reference capture (tests/data) read through PacketSource and CaptureEngine, the
// way analyze reads it, every event going to the caller's sink.
#pragma once

#include "capture/capture_engine.h"
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

inline ReadCapture readCapture(const std::string& name, capture::EventSink& sink)
{
    ReadCapture r;
    std::string error;
    auto source = capture::PacketSource::open(std::string(KS_TEST_DATA_DIR) + "/" + name, error);
    EXPECT_TRUE(source) << error;
    if (!source)
        return r;
    capture::CaptureEngine engine(source->linkType(), sink);
    std::int64_t ts = 0;
    std::span<const std::uint8_t> frame;
    while (source->next(ts, frame, error) == capture::PacketSource::Status::Packet) {
        engine.setLinkType(source->packetLinkType());
        engine.processPacket(ts, frame);
    }
    engine.finish();
    r.connections = engine.summaries();
    r.decimals = source->decimals();
    r.linkType = source->linkType();
    return r;
}

} // namespace ks::test
