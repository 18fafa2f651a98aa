// Follows the HTTP/2 frame boundaries in one direction of a cleartext connection the simulator
// forwards: which frames went by (so that PINGs can be told from other traffic, and streams
// followed), and whether the bytes so far end between two frames (where a frame may be put in).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ks::core::lab {

struct H2FrameHeader {
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t stream = 0;
};

inline constexpr std::uint8_t kH2Data = 0, kH2Headers = 1, kH2RstStream = 3, kH2Ping = 6, kH2Goaway = 7;
inline constexpr std::uint8_t kH2EndStream = 0x1;

class Http2FrameTracker {
public:
    // The client's direction starts with the 24-byte connection preface (RFC 9113 section 3.4).
    explicit Http2FrameTracker(bool clientDirection);

    struct Fed {
        bool activity = false; // a byte of anything but a PING frame went by (or not HTTP/2)
        std::vector<H2FrameHeader> headers; // frame headers completed by these bytes
    };
    Fed feed(const char* data, std::size_t n);

    bool http2() const { return m_prefaceSeen == kPrefaceLength; } // the preface matched
    bool notHttp2() const { return m_prefaceSeen < 0; }
    bool atBoundary() const { return http2() && m_headerHave == 0 && m_frameLeft == 0; }

private:
    static constexpr int kPrefaceLength = 24;
    int m_prefaceSeen; // bytes of the preface matched; -1 once it mismatched
    std::uint8_t m_header[9] {};
    std::size_t m_headerHave = 0;
    std::uint32_t m_frameLeft = 0;
    std::uint8_t m_frameType = 0;
};

// Frames the simulator writes itself.
std::vector<char> h2RstStreamFrame(std::uint32_t stream, std::uint32_t errorCode);
std::vector<char> h2GoawayFrame(std::uint32_t lastStream, std::uint32_t errorCode, const char* debug);

} // namespace ks::core::lab
