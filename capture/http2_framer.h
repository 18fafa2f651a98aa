// HTTP/2 framing over one direction of a reassembled TCP byte stream (RFC 9113 section 4).
// Handles frames split or coalesced anywhere, skips DATA payloads without buffering them, and
// after a gap (loss, snaplen truncation) or in a capture that starts mid-connection finds the
// frame boundary again by a run of plausible frame headers.
#pragma once

#include "byte_stream_sink.h"

#include <cstdint>
#include <span>
#include <vector>

namespace ks::capture {

enum class FrameType : std::uint8_t {
    Data = 0,
    Headers = 1,
    Priority = 2,
    RstStream = 3,
    Settings = 4,
    PushPromise = 5,
    Ping = 6,
    Goaway = 7,
    WindowUpdate = 8,
    Continuation = 9,
};

struct FrameHeader {
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t stream = 0;
};

// True when a header could start a frame of a conforming peer (known type, defined flags,
// stream-0 rules, fixed lengths). strictFlags also rejects undefined flags and unknown types.
bool plausibleFrameHeader(const FrameHeader& header, bool strictFlags);
// Whether bytes start with the whole client connection preface (RFC 9113 section 3.4).
bool startsWithHttp2Preface(std::span<const std::uint8_t> bytes);
FrameHeader parseFrameHeader(const std::uint8_t* bytes);

class Http2FrameListener {
public:
    virtual ~Http2FrameListener() = default;
    virtual void onPreface(std::int64_t tsNs) = 0;
    // payload holds the whole frame except for DATA (always empty: DATA payloads are skipped)
    // and for frames larger than the framer keeps (truncated is then true).
    virtual void onFrame(
        const FrameHeader& header, std::span<const std::uint8_t> payload, bool truncated, std::int64_t tsNs)
        = 0;
    // Bytes were lost or the stream was resynchronised: header compression state is suspect.
    virtual void onDesync() = 0;
};

class Http2Framer final : public ByteStreamSink {
public:
    enum class Mode : std::uint8_t {
        Preface, // client side of a connection seen from its start: expect the preface
        ServerPreface, // server side of such a connection: its first frame must be SETTINGS
        Frames, // aligned on frame boundaries
        Hunting, // looking for a frame boundary (mid-connection start, after a gap)
        Opaque, // not HTTP/2 (or given up): bytes are ignored
    };

    explicit Http2Framer(Mode mode = Mode::Hunting);

    void setListener(Http2FrameListener* listener) { m_listener = listener; }
    Mode mode() const { return m_mode; }
    bool everLocked() const { return m_everLocked; }

    void feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs) override;
    // `count` bytes of the stream are missing here.
    void gap(std::uint64_t count) override;
    // Give up on this direction (e.g. the other one proved not to be HTTP/2).
    void setOpaque();
    // The direction ended. cleanEnd: at a FIN with no bytes missing before it, where a conforming
    // peer's last frame ends; a hunt whose chain of frames ends exactly there locks on it.
    void finish(bool cleanEnd);

    // Frames larger than this keep only their first bytes (enough for any field we report).
    static constexpr std::uint32_t kMaxKeptPayload = 256 * 1024;
    // Hunting looks at most this many bytes back and gives up after kMaxHuntBytes without a lock.
    static constexpr std::size_t kHuntWindow = 128 * 1024;
    static constexpr std::uint64_t kMaxHuntBytes = 4 * 1024 * 1024;

private:
    void feedFrames(const std::uint8_t* data, std::size_t size, std::int64_t tsNs);
    void feedHunting(const std::uint8_t* data, std::size_t size, std::int64_t tsNs);
    void feedPreface(const std::uint8_t* data, std::size_t size, std::int64_t tsNs);
    // The preface is complete: frames from here on, starting with the rest of this chunk.
    void acceptPreface(const std::uint8_t* rest, std::size_t size, std::int64_t tsNs);
    void feedServerPreface(const std::uint8_t* data, std::size_t size, std::int64_t tsNs);
    void feedSuspect(const std::uint8_t* data, std::size_t size, std::int64_t tsNs);
    void startHunting();
    enum class HuntVerdict : std::uint8_t { Reject, Wait, Lock };
    // frontier: where the candidate's chain runs past the buffered bytes (on Wait).
    HuntVerdict judgeCandidate(std::size_t offset, bool atEnd, std::size_t& frontier) const;
    std::size_t proofBytes() const;
    void lockAt(std::size_t offset);
    void huntOnce(bool atEnd);
    void dropHuntBytes(std::size_t count);
    void emitFrame(std::int64_t tsNs);

    Http2FrameListener* m_listener = nullptr;
    Mode m_mode;
    bool m_everLocked = false;

    // Frames mode
    std::uint8_t m_header[9] {};
    std::size_t m_headerFill = 0;
    FrameHeader m_current;
    bool m_inPayload = false;
    // A header that breaks a frame rule was read where a frame should start: held in m_buffer
    // with its payload and the next header, which decides between a malformed frame (a peer's
    // error; its length still delimits it) and lost alignment.
    bool m_suspect = false;
    std::uint64_t m_skip = 0; // DATA (or oversized) payload bytes to skip
    std::vector<std::uint8_t> m_payload;

    // Hunting / preface / deferred buffer
    std::vector<std::uint8_t> m_buffer;
    struct SegmentStart {
        std::uint32_t offset; // in m_buffer
        std::int64_t tsNs; // its capture time, given to the frames replayed from it
    };
    std::vector<SegmentStart> m_segmentStarts;
    std::uint32_t m_largestFrame = 0; // the longest frame read while aligned
    bool m_segmentStart = false; // the bytes feedHunting gets next begin a segment
    std::int64_t m_frontTs = 0; // the time of the segment m_buffer starts inside (when not at its start)
    std::uint64_t m_huntedBytes = 0;
    std::vector<std::uint32_t> m_waiting; // offsets whose frame chain runs past the buffer
    std::vector<std::uint32_t> m_waitingFrontier; // where each one's chain runs past it
    std::size_t m_scanFrom = 0; // offsets before it were judged
    static constexpr std::size_t kMaxWaitingCandidates = 64;
    static constexpr std::size_t kMaxSuspectChain = 8;
};

} // namespace ks::capture
