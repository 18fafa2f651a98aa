// HpackDecoder reads a block of one-byte indexes from the table by index instead of running it
// through nghttp2's inflater. It must make of every block exactly what the inflater makes: here a
// decoder that looks up and one that inflates everything (HpackDecoder(false)) take the same
// seeded streams of blocks -- nghttp2's own deflater encoding gRPC requests, responses and
// trailers, blocks of random indexes (index 0, indexes past the table), cut and corrupted
// blocks, table size changes and resets -- and must agree on every field of every block.
#include "capture/hpack_decoder.h"
#include "hpack_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;
using Fields = ks::test::HpackEncoder::Fields;
using ks::capture::DecodedHeaders;
using ks::capture::HpackDecoder;
using ks::core::HpackState;

using Deflater = ks::test::HpackEncoder;

// What a gRPC peer sends, drawn from small pools so that blocks repeat and become indexes only.
Fields grpcFields(std::mt19937& rng)
{
    static const std::vector<std::string> paths { "/kagen.Echo/Echo", "/svc.A/First", "/grpc.health.v1.Health/Check",
        "/a/\xc3\xa9t\xc3\xa9", std::string(300, 'p') };
    static const std::vector<std::string> messages { "", "too_many_pings", "deadline%20exceeded", "caf%C3%A9 %E2%9C%93",
        "bad%ZZescape", "%FF%FE raw" };
    switch (rng() % 3) {
    case 0: {
        Fields f { { ":method", "POST" }, { ":scheme", "http" }, { ":path", paths[rng() % paths.size()] },
            { ":authority", "127.0.0.1:50051" }, { "content-type", "application/grpc" }, { "te", "trailers" } };
        if (rng() % 2)
            f.emplace_back("grpc-timeout", std::to_string(rng() % 4 + 1) + "S");
        if (rng() % 8 == 0)
            f.emplace_back(":path", "/second/path"); // only the first :path counts
        return f;
    }
    case 1:
        return { { ":status", "200" }, { "content-type", "application/grpc" } };
    default: {
        Fields f { { "grpc-status", std::to_string(rng() % 17) } };
        if (rng() % 2)
            f.emplace_back("grpc-message", messages[rng() % messages.size()]);
        if (rng() % 10 == 0)
            f.emplace_back("grpc-status", "99999999"); // not a status: the first one counts
        return f;
    }
    }
}

// One-byte indexes into a table of `entries` (static and dynamic), sometimes 0 (malformed) or
// past the table (unknown).
Bytes randomIndexes(std::mt19937& rng, std::size_t entries)
{
    Bytes b(rng() % 4 == 0 ? rng() % 80 + 1 : rng() % 12 + 1);
    const std::size_t valid = std::min<std::size_t>(entries, 126);
    for (auto& byte : b) {
        const unsigned roll = rng() % 400;
        const std::size_t index = roll == 0 ? 0 : roll == 1 ? valid + 1 + rng() % (127 - valid) : 1 + rng() % valid;
        byte = static_cast<std::uint8_t>(0x80 | std::min<std::size_t>(index, 126));
    }
    if (rng() % 6 == 0) // fields, then a bad index: what was decoded before it is kept
        b.back() = static_cast<std::uint8_t>(rng() % 2 ? 0x80 : 0xfe);
    return b;
}

struct Tally {
    int blocks = 0, indexesOnly = 0, decodedIndexesOnly = 0, unknown = 0, malformed = 0, withPath = 0;
};

void expectSame(const DecodedHeaders& looked, const DecodedHeaders& inflated, const Bytes& block, int step)
{
    EXPECT_EQ(looked.state, inflated.state) << "step " << step << ", block of " << block.size() << " bytes";
    EXPECT_EQ(looked.path, inflated.path) << "step " << step;
    EXPECT_EQ(looked.grpcStatus, inflated.grpcStatus) << "step " << step;
    EXPECT_EQ(looked.grpcMessage, inflated.grpcMessage) << "step " << step;
}

void runStream(unsigned seed, Tally& tally)
{
    std::mt19937 rng(seed);
    auto deflater = std::make_unique<Deflater>();
    std::size_t tableSize = 4096;
    HpackDecoder lookingUp(true), inflating(false);
    const std::size_t sizes[] = { 0, 64, 256, 4096, 8192 };
    for (int step = 0; step < 600; ++step) {
        const unsigned roll = rng() % 100;
        if (roll < 2) {
            const std::size_t size = sizes[rng() % std::size(sizes)];
            tableSize = size;
            deflater->changeTableSize(size);
            lookingUp.setMaxTableSize(static_cast<std::uint32_t>(size));
            inflating.setMaxTableSize(static_cast<std::uint32_t>(size));
            continue;
        }
        if (roll < 3) {
            lookingUp.reset();
            inflating.reset();
            continue;
        }
        Bytes block = roll < 15 ? randomIndexes(rng, deflater->entries()) : deflater->block(grpcFields(rng));
        if (roll >= 15 && roll < 18 && !block.empty()) { // cut, or one byte changed
            if (rng() % 2)
                block.resize(rng() % block.size());
            else
                block[rng() % block.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        }
        const DecodedHeaders looked = lookingUp.decode(block);
        const DecodedHeaders inflated = inflating.decode(block);
        expectSame(looked, inflated, block, step);
        if (::testing::Test::HasFailure())
            return;
        ++tally.blocks;
        const bool indexes = !block.empty()
            && std::all_of(block.begin(), block.end(), [](std::uint8_t b) { return b >= 0x80 && b != 0xff; });
        tally.indexesOnly += indexes;
        tally.decodedIndexesOnly += indexes && inflated.state == HpackState::Decoded;
        tally.unknown += inflated.state == HpackState::UnknownDynamicTable;
        tally.malformed += inflated.state == HpackState::Malformed;
        tally.withPath += !inflated.path.empty();
        if (inflated.state != HpackState::Decoded) { // both decoders start over: so does the peer
            deflater = std::make_unique<Deflater>();
            deflater->changeTableSize(tableSize);
        }
    }
}

} // namespace

TEST(HpackDecoder, aBlockOfIndexesLookedUpDecodesAsNghttp2InflatesIt)
{
    Tally tally;
    for (unsigned seed = 1; seed <= 40 && !::testing::Test::HasFailure(); ++seed)
        runStream(seed, tally);
    // The streams reached every case they were made for.
    EXPECT_GT(tally.decodedIndexesOnly, 3000);
    EXPECT_GT(tally.indexesOnly - tally.decodedIndexesOnly, 200);
    EXPECT_GT(tally.unknown, 150);
    EXPECT_GT(tally.malformed, 300);
    EXPECT_GT(tally.withPath, 3000);
    std::printf("%d blocks: %d of indexes only (%d decoded), %d unknown table, %d malformed, %d with a path\n",
        tally.blocks, tally.indexesOnly, tally.decodedIndexesOnly, tally.unknown, tally.malformed, tally.withPath);
}

// After the table's size limit shrinks, nghttp2 wants the next block to begin with a size update
// (RFC 7541 section 4.2): a block of indexes without one fails there, looked up or not.
TEST(HpackDecoder, aBlockOfIndexesAfterASmallerTableSizeFailsAsTheInflaterFailsIt)
{
    for (const bool lookUp : { true, false }) {
        HpackDecoder decoder(lookUp);
        EXPECT_EQ(decoder.decode(Bytes { 0x83, 0x86 }).state, HpackState::Decoded) << lookUp;
        decoder.setMaxTableSize(256);
        EXPECT_EQ(decoder.decode(Bytes { 0x83, 0x86 }).state, HpackState::Malformed) << lookUp;
        EXPECT_EQ(decoder.decode(Bytes { 0x83, 0x86 }).state, HpackState::Malformed)
            << lookUp; // a fresh inflater, same limit
        EXPECT_EQ(decoder.decode(Bytes { 0x3f, 0xe1, 0x01, 0x83, 0x86 }).state, HpackState::Decoded)
            << lookUp; // size 256 first
        EXPECT_EQ(decoder.decode(Bytes { 0x83, 0x84 }).path, "/") << lookUp;
    }
}

// A block of a million one-byte references to one large entry (issue 14's amplification) is read
// once per field name, looked up or inflated.
TEST(HpackDecoder, aMillionReferencesToOneEntryDecodeToItOnce)
{
    Bytes literal { 0x40, 12 };
    for (char c : std::string("grpc-message"))
        literal.push_back(static_cast<std::uint8_t>(c));
    const std::string value(3900, 'x');
    literal.push_back(0x7f); // a 7-bit length of 3900: 127 + 3773
    literal.push_back(static_cast<std::uint8_t>(0x80 | ((3900 - 127) & 0x7f)));
    literal.push_back(static_cast<std::uint8_t>((3900 - 127) >> 7));
    literal.insert(literal.end(), value.begin(), value.end());
    const Bytes bomb(1 << 20, 0xbe); // dynamic entry 62, a million times
    for (const bool lookUp : { true, false }) {
        HpackDecoder decoder(lookUp);
        ASSERT_EQ(decoder.decode(literal).grpcMessage, value) << lookUp;
        const auto out = decoder.decode(bomb);
        EXPECT_EQ(out.state, HpackState::Decoded) << lookUp;
        EXPECT_EQ(out.grpcMessage, value) << lookUp;
    }
}

// :path and grpc-message as shown: printable ASCII and well-formed UTF-8 kept, anything else as \xNN.
TEST(HpackDecoder, fieldTextKeepsAsciiAndUtf8AndEscapesTheRest)
{
    const auto printable = [](std::string_view s) {
        return ks::capture::printableText(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    };
    EXPECT_EQ(printable(""), "");
    EXPECT_EQ(printable("/kagen.Echo/Echo"), "/kagen.Echo/Echo");
    EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x9c\x93!"), "caf\xc3\xa9 \xe2\x9c\x93!");
    EXPECT_EQ(printable(std::string_view("\x01"
                                         "a\x7f\x00z",
                  5)),
        "\\x01a\\x7f\\x00z");
    EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(printable("end \xc3"), "end \\xc3"); // a sequence cut short
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf"); // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80"); // a surrogate
    EXPECT_EQ(ks::capture::percentDecode("caf%C3%A9%20%FF%zz%4"), "caf\xc3\xa9 \\xff%zz%4");
}
