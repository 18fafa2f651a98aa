// Test helper: a peer's HPACK encoder (nghttp2's own deflater), one per direction as a peer has,
// so later blocks refer to entries earlier ones made.
#pragma once

#include <nghttp2/nghttp2.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ks::test {

class HpackEncoder {
public:
    using Fields = std::vector<std::pair<std::string, std::string>>;

    HpackEncoder() { nghttp2_hd_deflate_new(&m_deflater, 4096); }
    ~HpackEncoder() { nghttp2_hd_deflate_del(m_deflater); }
    HpackEncoder(const HpackEncoder&) = delete;
    HpackEncoder& operator=(const HpackEncoder&) = delete;

    // The table size the decoding side advertised: the next block starts with a size update.
    void changeTableSize(std::size_t size) { nghttp2_hd_deflate_change_table_size(m_deflater, size); }
    std::size_t entries() const { return nghttp2_hd_deflate_get_num_table_entries(m_deflater); }
    std::vector<std::uint8_t> block(const Fields& fields)
    {
        std::vector<nghttp2_nv> nvs;
        for (const auto& [name, value] : fields)
            nvs.push_back({ reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                NGHTTP2_NV_FLAG_NONE });
        std::vector<std::uint8_t> out(nghttp2_hd_deflate_bound(m_deflater, nvs.data(), nvs.size()));
        const auto n = nghttp2_hd_deflate_hd(m_deflater, out.data(), out.size(), nvs.data(), nvs.size());
        EXPECT_GT(n, 0);
        out.resize(static_cast<std::size_t>(n > 0 ? n : 0));
        return out;
    }

private:
    nghttp2_hd_deflater* m_deflater = nullptr;
};

} // namespace ks::test
