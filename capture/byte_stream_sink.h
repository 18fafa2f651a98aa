// Where one direction's reassembled TCP bytes go: the HTTP/2 framer directly, or first through
// the stages that unwrap an h2c upgrade, a CONNECT tunnel or TLS (stream_pipeline.h).
#pragma once

#include <cstdint>
#include <span>

namespace ks::capture {

class ByteStreamSink {
public:
    virtual ~ByteStreamSink() = default;
    virtual void feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs) = 0;
    // `count` bytes of the stream are missing here.
    virtual void gap(std::uint64_t count) = 0;
};

} // namespace ks::capture
