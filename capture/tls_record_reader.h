// The TLS record layer of one direction (RFC 8446 section 5.1, RFC 5246 section 6.2): cuts the
// reassembled byte stream into records, holding a partial one; after a gap, or when a capture
// starts mid-connection, finds the record boundary again by two plausible headers in a row.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ks::capture {

enum class TlsContentType : std::uint8_t {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
    Heartbeat = 24,
};

// TLSCiphertext.length may reach 2^14 + 256 in TLS 1.3 and 2^14 + 2048 in TLS 1.2.
constexpr std::size_t kMaxTlsRecordBody = 16384 + 2048;

// A header a conforming peer could send: known content type, version 3.x, length in bounds.
bool plausibleTlsRecordHeader(const std::uint8_t* header);

class TlsRecordListener {
public:
    virtual ~TlsRecordListener() = default;
    // header: the 5 record-layer bytes; body: the record's payload.
    virtual void onRecord(const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs) = 0;
    // Records were lost (a gap, or bytes that are not records): sequence numbers are unknown.
    virtual void onRecordGap() = 0;
};

class TlsRecordReader {
public:
    explicit TlsRecordReader(bool aligned)
        : m_hunting(!aligned)
    {
    }
    void feed(std::span<const std::uint8_t> bytes, std::int64_t tsNs, TlsRecordListener& listener);
    void gap(TlsRecordListener& listener);
    bool hunting() const { return m_hunting; }
    // Bytes dropped while looking for a record boundary.
    std::uint64_t skippedBytes() const { return m_skipped; }

    // Hunting gives up a window after this many bytes without a boundary.
    static constexpr std::size_t kHuntWindow = 2 * (kMaxTlsRecordBody + 5);
    // A split record's buffer is kept for the next one up to this size; a larger one is freed,
    // so an idle connection holds no 16 KB buffer (captures of a million connections).
    static constexpr std::size_t kKeptCapacity = 2048;

private:
    void hunt(TlsRecordListener& listener, std::int64_t tsNs);

    std::vector<std::uint8_t> m_buffer; // a partial record, or bytes being hunted through
    bool m_hunting;
    std::uint64_t m_skipped = 0;
};

} // namespace ks::capture
