// HPACK via nghttp2_hd_inflate_hd2 (RFC 7541). An inflater that reports an error is in an
// undefined state (nghttp2 documentation), so it is replaced by a fresh one.
#include "hpack_decoder.h"

#include "core/utf8.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace ks::capture {

namespace {

// Keeps the fields keepalive analysis reports, each from its first occurrence in the block.
void takeField(const nghttp2_nv& nv, DecodedHeaders& out, bool& havePath, bool& haveStatus, bool& haveMessage)
{
    // Cheap tests first: most fields are neither of the three, and their names differ in length.
    if (nv.namelen != 5 && nv.namelen != 11 && nv.namelen != 12)
        return;
    const std::string_view name(reinterpret_cast<const char*>(nv.name), nv.namelen);
    const std::size_t kept = std::min(nv.valuelen, HpackDecoder::kMaxFieldText);
    if (!havePath && name == ":path") {
        havePath = true;
        out.path = printableText(std::span(nv.value, kept));
    } else if (!haveStatus && name == "grpc-status") {
        haveStatus = true;
        const std::string_view value(reinterpret_cast<const char*>(nv.value), nv.valuelen);
        int status = 0;
        bool ok = !value.empty() && value.size() < 6;
        for (std::size_t i = 0; ok && i < value.size(); ++i) {
            ok = value[i] >= '0' && value[i] <= '9';
            status = status * 10 + (value[i] - '0');
        }
        if (ok)
            out.grpcStatus = status;
    } else if (!haveMessage && name == "grpc-message") {
        haveMessage = true;
        out.grpcMessage = percentDecode(std::string_view(reinterpret_cast<const char*>(nv.value), kept));
    }
}

// An HPACK integer (RFC 7541 section 5.1) with an n-bit prefix; false when it runs past the end
// or past 2^28 (nghttp2's own limit).
bool readInteger(std::span<const std::uint8_t> b, std::size_t& pos, int prefixBits, std::uint64_t& value)
{
    const std::uint8_t mask = static_cast<std::uint8_t>((1u << prefixBits) - 1);
    value = b[pos++] & mask;
    if (value < mask)
        return true;
    for (int shift = 0; shift <= 28; shift += 7) {
        if (pos >= b.size())
            return false;
        const std::uint8_t c = b[pos++];
        value += std::uint64_t(c & 0x7f) << shift;
        if (!(c & 0x80))
            return value < (1u << 28);
    }
    return false;
}

bool skipString(std::span<const std::uint8_t> b, std::size_t& pos)
{
    std::uint64_t length = 0;
    if (pos >= b.size() || !readInteger(b, pos, 7, length) || length > b.size() - pos)
        return false;
    pos += static_cast<std::size_t>(length);
    return true;
}

// Every byte an indexed field's one-byte index (0x80..0xfe), eight bytes at a time.
bool allOneByteIndexes(std::span<const std::uint8_t> b)
{
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    std::size_t i = 0;
    for (; i + 8 <= b.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, b.data() + i, 8);
        const std::uint64_t inverted = ~w; // a 0xff byte is a zero byte here
        if ((w & kHigh) != kHigh || ((inverted - kOnes) & ~inverted & kHigh) != 0)
            return false;
    }
    for (; i < b.size(); ++i)
        if (b[i] < 0x80 || b[i] == 0xff)
            return false;
    return true;
}

bool sameBytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n)
{
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        if (x != y)
            return false;
    }
    for (; i < n; ++i)
        if (a[i] != b[i])
            return false;
    return true;
}

} // namespace

core::HpackState HpackDecoder::classifyError(std::span<const std::uint8_t> rest, std::size_t tableEntries)
{
    // Walk the representations from where nghttp2 failed (RFC 7541 section 6). Only an index past
    // the table as we know it can be explained by entries made before the capture (or lost in a
    // gap); anything else is a broken block.
    std::size_t pos = 0;
    while (pos < rest.size()) {
        const std::uint8_t b = rest[pos];
        std::uint64_t index = 0;
        int prefix = 4;
        bool adds = false;
        if (b & 0x80) {
            if (!readInteger(rest, pos, 7, index) || index == 0)
                return core::HpackState::Malformed;
            if (index > tableEntries)
                return core::HpackState::UnknownDynamicTable;
            continue;
        }
        if ((b & 0xe0) == 0x20) { // dynamic table size update
            if (!readInteger(rest, pos, 5, index))
                return core::HpackState::Malformed;
            continue;
        }
        if ((b & 0xc0) == 0x40) {
            prefix = 6;
            adds = true;
        }
        if (!readInteger(rest, pos, prefix, index))
            return core::HpackState::Malformed;
        if (index > tableEntries)
            return core::HpackState::UnknownDynamicTable;
        if ((index == 0 && !skipString(rest, pos)) || !skipString(rest, pos))
            return core::HpackState::Malformed;
        tableEntries += adds ? 1 : 0;
    }
    return core::HpackState::Malformed; // e.g. a bad Huffman code, or a size update over the limit
}

HpackDecoder::HpackDecoder(bool lookUpIndexes)
    : m_lookUpIndexes(lookUpIndexes)
{
}

bool HpackDecoder::makeInflater()
{
    // Made at the first block, not with the decoder: most of a busy host's connections are not
    // HTTP/2 (or never send a header block), and two inflaters each cost several allocations.
    if (m_inflaterMade)
        return m_inflater != nullptr;
    m_inflaterMade = true;
    nghttp2_hd_inflate_new(&m_inflater);
    m_sizeChangePending = m_maxTableSize != 4096;
    if (m_inflater && m_sizeChangePending)
        nghttp2_hd_inflate_change_table_size(m_inflater, m_maxTableSize);
    return m_inflater != nullptr;
}

HpackDecoder::~HpackDecoder()
{
    if (m_inflater)
        nghttp2_hd_inflate_del(m_inflater);
}

void HpackDecoder::reset()
{
    if (m_inflater)
        nghttp2_hd_inflate_del(m_inflater);
    m_inflater = nullptr;
    m_inflaterMade = false; // a fresh one at the next block
    ++m_generation;
}

void HpackDecoder::setMaxTableSize(std::uint32_t size)
{
    // A passive observer cannot tell when the SETTINGS was acknowledged, and an encoder may only
    // use the larger size after that: accepting it from the SETTINGS on never rejects a legal block.
    m_maxTableSize = size;
    m_sizeChangePending = true;
    if (m_inflater)
        nghttp2_hd_inflate_change_table_size(m_inflater, size);
    ++m_generation;
}

DecodedHeaders HpackDecoder::decode(std::span<const std::uint8_t> block)
{
    DecodedHeaders out;
    out.state = decode(block, out.path, out.grpcStatus, out.grpcMessage);
    return out;
}

core::HpackState HpackDecoder::decode(
    std::span<const std::uint8_t> block, std::string& path, int& grpcStatus, std::string& grpcMessage)
{
    const auto take = [&](DecodedHeaders&& result) {
        path = std::move(result.path);
        grpcStatus = result.grpcStatus;
        grpcMessage = std::move(result.grpcMessage);
        return result.state;
    };
    // A remembered block first: only blocks of indexes are remembered, so bytes that match one
    // are such a block. A block is a few bytes: compared by words, not by a memcmp call.
    if (m_remembered && !block.empty() && block.size() <= kMaxRememberedBlock) {
        for (std::size_t k = 0; k < kRemembered; ++k) {
            const auto& r = (*m_remembered)[(m_lastHit + k) % kRemembered]; // the last one hit first
            if (r.generation != m_generation || r.size != block.size()
                || !sameBytes(r.bytes.data(), block.data(), block.size()))
                continue;
            m_lastHit = (m_lastHit + k) % kRemembered;
            path.assign(r.result.path);
            grpcStatus = r.result.grpcStatus;
            grpcMessage.assign(r.result.grpcMessage);
            return r.result.state;
        }
    }
    if (block.empty() || !allOneByteIndexes(block)) {
        ++m_generation; // literals may add entries (and evict others); size updates resize
        return take(inflate(block));
    }
    const bool remember = block.size() <= kMaxRememberedBlock;
    // An error resets the table, advancing the generation.
    DecodedHeaders result = m_lookUpIndexes && makeInflater() && !m_sizeChangePending ? lookUp(block) : inflate(block);
    if (remember && result.state == core::HpackState::Decoded) {
        if (!m_remembered)
            m_remembered = std::make_unique<std::array<Remembered, kRemembered>>();
        auto& r = (*m_remembered)[m_nextSlot++ % kRemembered];
        r.generation = m_generation;
        r.size = static_cast<std::uint8_t>(block.size());
        std::copy(block.begin(), block.end(), r.bytes.begin());
        r.result = result;
    }
    return take(std::move(result));
}

DecodedHeaders HpackDecoder::lookUp(std::span<const std::uint8_t> block)
{
    // What inflate() makes of the block, field for field: an index of 0 is malformed, one past the
    // table unknown, and the fields before it are kept, as nghttp2 emitted them before failing.
    DecodedHeaders out;
    bool havePath = false, haveStatus = false, haveMessage = false;
    for (const std::uint8_t b : block) {
        const std::size_t index = b & 0x7f;
        const nghttp2_nv* nv = nghttp2_hd_inflate_get_table_entry(m_inflater, index);
        if (!nv) {
            out.state = index == 0 ? core::HpackState::Malformed : core::HpackState::UnknownDynamicTable;
            reset();
            return out;
        }
        takeField(*nv, out, havePath, haveStatus, haveMessage);
    }
    return out;
}

DecodedHeaders HpackDecoder::inflate(std::span<const std::uint8_t> block)
{
    DecodedHeaders out;
    if (!makeInflater()) {
        out.state = core::HpackState::UnknownDynamicTable;
        return out;
    }
    const std::uint8_t* in = block.data();
    std::size_t left = block.size();
    // Each field we report is decoded and sanitised once per block, from its first occurrence: a
    // block of one-byte references to one large dynamic-table entry must cost one decode, not one
    // per reference (issue 14's amplification). A conforming peer sends each field once.
    bool havePath = false, haveStatus = false, haveMessage = false;
    // Each call consumes at least one byte or emits a field, so this ends; the bound is a guard.
    for (std::size_t guard = 0; guard <= block.size() + 1; ++guard) {
        nghttp2_nv nv;
        int flags = 0;
        const auto used = nghttp2_hd_inflate_hd2(m_inflater, &nv, &flags, in, left, 1);
        if (used < 0) {
            out.state = classifyError(std::span(in, left), nghttp2_hd_inflate_get_num_table_entries(m_inflater));
            reset();
            return out;
        }
        in += used;
        left -= static_cast<std::size_t>(used);
        if (flags & NGHTTP2_HD_INFLATE_EMIT)
            takeField(nv, out, havePath, haveStatus, haveMessage);
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(m_inflater);
            m_sizeChangePending = false; // a size update it wanted came first in the block
            return out;
        }
        if (used == 0 && left == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT))
            break;
    }
    nghttp2_hd_inflate_end_headers(m_inflater);
    return out;
}

std::string percentDecode(std::string_view text)
{
    auto hexValue = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string bytes;
    bytes.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int hi = hexValue(text[i + 1]);
            const int lo = hexValue(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                bytes.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        bytes.push_back(text[i]);
    }
    return printableText(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::string printableText(std::span<const std::uint8_t> bytes)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size());
    const auto* text = reinterpret_cast<const char*>(bytes.data());
    std::size_t i = 0;
    while (i < bytes.size()) {
        std::size_t run = i; // printable ASCII, copied as one piece
        while (run < bytes.size() && bytes[run] >= 0x20 && bytes[run] < 0x7f)
            ++run;
        out.append(text + i, run - i);
        if (run == bytes.size())
            break;
        i = run;
        // Keep well-formed UTF-8 sequences (grpc-message is UTF-8), escape anything else.
        if (const std::size_t len = core::utf8SequenceLength(bytes.data() + i, bytes.size() - i)) {
            out.append(text + i, len);
            i += len;
            continue;
        }
        const std::uint8_t c = bytes[i++];
        const char escaped[] = { '\\', 'x', hex[c >> 4], hex[c & 0xf] };
        out.append(escaped, sizeof escaped);
    }
    return out;
}

} // namespace ks::capture
