// HPACK header-block decoding with nghttp2's inflater, keeping only what keepalive analysis
// needs (:path, grpc-status, grpc-message).
#pragma once

#include "core/event.h"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct nghttp2_hd_inflater;

namespace ks::capture {

struct DecodedHeaders {
    core::HpackState state = core::HpackState::Decoded;
    std::string path;
    int grpcStatus = -1;
    std::string grpcMessage;
};

class HpackDecoder {
public:
    // lookUpIndexes false: blocks of one-byte indexes go through nghttp2's inflater too, as every
    // other block does (the reference tests/capture/hpack_decoder_test.cpp compares the lookup with).
    explicit HpackDecoder(bool lookUpIndexes = true);
    ~HpackDecoder();
    HpackDecoder(const HpackDecoder&) = delete;
    HpackDecoder& operator=(const HpackDecoder&) = delete;

    // Decodes one complete header block. A block that refers to dynamic-table entries made
    // before the capture started (or lost in a gap) yields UnknownDynamicTable, one that breaks
    // HPACK's encoding Malformed; the decoder then starts over with an empty table, as after reset().
    DecodedHeaders decode(std::span<const std::uint8_t> block);
    // The same, into the caller's strings (an event's, reused frame after frame: a remembered
    // block's fields are copied into their capacity, with no allocation per block).
    core::HpackState decode(
        std::span<const std::uint8_t> block, std::string& path, int& grpcStatus, std::string& grpcMessage);
    // :path and grpc-message keep at most this many bytes of their value (a dynamic-table entry
    // is at most 4 KiB, but a literal may fill a whole block).
    static constexpr std::size_t kMaxFieldText = 8192;

    // Forget the dynamic table: bytes were lost, so later references to it must not be trusted.
    void reset();
    // The decoding side advertised SETTINGS_HEADER_TABLE_SIZE = size: the encoder may now resize
    // its table up to it (RFC 7541 section 4.2, RFC 9113 section 6.5.2). Kept across reset().
    void setMaxTableSize(std::uint32_t size);

private:
    // A block of indexed fields only (every byte 0x80..0xfe: one-byte indexes) leaves the table
    // as it was, so while the table is unchanged the same bytes decode to the same fields. gRPC
    // peers repeat such blocks call after call (request headers, response headers, trailers);
    // the last few are remembered with the table generation they were decoded against.
    static constexpr std::size_t kRemembered = 4;
    static constexpr std::size_t kMaxRememberedBlock = 64;
    struct Remembered {
        std::uint64_t generation = 0;
        std::uint8_t size = 0;
        std::array<std::uint8_t, kMaxRememberedBlock> bytes {}; // compared inline: a few bytes
        DecodedHeaders result;
    };

    DecodedHeaders inflate(std::span<const std::uint8_t> block);
    // A block of one-byte indexes read from the table by index (nghttp2_hd_inflate_get_table_entry):
    // indexed fields leave the table as it is (RFC 7541 section 6.1), so there is nothing to inflate.
    DecodedHeaders lookUp(std::span<const std::uint8_t> block);
    bool makeInflater(); // false: nghttp2 could not make one (out of memory)
    // Why nghttp2 refused a block: references to a table we do not know, or a malformed block.
    static core::HpackState classifyError(std::span<const std::uint8_t> rest, std::size_t tableEntries);

    nghttp2_hd_inflater* m_inflater = nullptr;
    bool m_inflaterMade = false;
    bool m_lookUpIndexes = true;
    // The table's size limit changed and the inflater has not taken a block since: nghttp2 then
    // wants the block to begin with a size update (RFC 7541 section 4.2), which a block of indexes
    // does not, so such a block goes through the inflater to fail as it would.
    bool m_sizeChangePending = false;
    std::uint32_t m_maxTableSize = 4096; // the protocol's initial value
    std::uint64_t m_generation = 1; // advanced whenever the dynamic table may have changed
    // Made at the first block remembered: a busy host's connections mostly never send one, and
    // inline they were 600 bytes to clear per decoder, two decoders per connection.
    std::unique_ptr<std::array<Remembered, kRemembered>> m_remembered;
    std::size_t m_nextSlot = 0;
    std::size_t m_lastHit = 0;
};

// grpc-message is percent-encoded (gRPC over HTTP/2 spec); undo it for display.
std::string percentDecode(std::string_view text);
// Bytes as readable text: printable ASCII kept, anything else as \xNN.
std::string printableText(std::span<const std::uint8_t> bytes);

} // namespace ks::capture
