// AES-GCM records: GCM (NIST SP 800-38D) from libcrypto's CRYPTO_gcm128 functions, the AES
// counter blocks of a record encrypted in one EVP AES-ECB call beforehand and handed to the GCM
// code through its block and ctr32 callbacks.
#include "tls_aes_gcm.h"

#include <openssl/evp.h>
#include <openssl/modes.h>

#include <array>
#include <cstring>

namespace ks::capture {

namespace {

constexpr std::size_t kMaxBlocks = 1 + (AesGcmRecords::kMaxRecord + 15) / 16; // J0 and the data's

std::uint32_t counterOf(const unsigned char* block)
{
    return std::uint32_t(block[12]) << 24 | std::uint32_t(block[13]) << 16 | std::uint32_t(block[14]) << 8
        | block[15];
}

void putCounter(unsigned char* block, std::uint32_t counter)
{
    block[12] = static_cast<unsigned char>(counter >> 24);
    block[13] = static_cast<unsigned char>(counter >> 16);
    block[14] = static_cast<unsigned char>(counter >> 8);
    block[15] = static_cast<unsigned char>(counter);
}

// Counter blocks and their AES, one record's worth; per thread (engines run on worker threads).
struct Scratch {
    std::array<std::uint8_t, 16 * kMaxBlocks> counters;
    std::array<std::uint8_t, 16 * kMaxBlocks> stream;
};
thread_local Scratch t_scratch;

void xorBlocks(const unsigned char* in, const std::uint8_t* key, unsigned char* out, std::size_t bytes)
{
    for (std::size_t i = 0; i < bytes; i += 8) {
        std::uint64_t a;
        std::uint64_t b;
        std::memcpy(&a, in + i, 8);
        std::memcpy(&b, key + i, 8);
        a ^= b;
        std::memcpy(out + i, &a, 8);
    }
}

} // namespace

AesGcmRecords::~AesGcmRecords()
{
    release();
}

void AesGcmRecords::release()
{
    if (m_gcm)
        CRYPTO_gcm128_release(m_gcm);
    EVP_CIPHER_CTX_free(m_ecb);
    m_gcm = nullptr;
    m_ecb = nullptr;
}

bool AesGcmRecords::setKey(const std::uint8_t* key, std::size_t size)
{
    release();
    const EVP_CIPHER* cipher = size == 16 ? EVP_aes_128_ecb() : size == 32 ? EVP_aes_256_ecb() : nullptr;
    m_ecb = EVP_CIPHER_CTX_new();
    if (!cipher || !m_ecb || EVP_EncryptInit_ex(m_ecb, cipher, nullptr, key, nullptr) != 1
        || EVP_CIPHER_CTX_set_padding(m_ecb, 0) != 1) {
        release();
        return false;
    }
    m_count = 0;
    m_gcm = CRYPTO_gcm128_new(this, &AesGcmRecords::block); // H = AES(0): through encryptBlocks
    if (!m_gcm)
        release();
    return m_gcm != nullptr;
}

void AesGcmRecords::encryptBlocks(const std::uint8_t* in, std::uint8_t* out, std::size_t count) const
{
    int written = 0;
    if (EVP_EncryptUpdate(m_ecb, out, &written, in, static_cast<int>(16 * count)) != 1)
        std::memset(out, 0, 16 * count); // cannot happen with a set key; the tag check then fails
}

void AesGcmRecords::block(const unsigned char in[16], unsigned char out[16], const void* key)
{
    const auto& self = *static_cast<const AesGcmRecords*>(key);
    const std::uint32_t i = counterOf(in) - self.m_first;
    if (i < self.m_count && std::memcmp(in, self.m_nonce, 12) == 0) {
        std::memcpy(out, self.m_stream + 16 * i, 16);
        return;
    }
    self.encryptBlocks(in, out, 1);
}

void AesGcmRecords::stream(
    const unsigned char* in, unsigned char* out, std::size_t blocks, const void* key, const unsigned char ivec[16])
{
    const auto& self = *static_cast<const AesGcmRecords*>(key);
    const std::uint32_t i = counterOf(ivec) - self.m_first;
    if (i <= self.m_count && blocks <= self.m_count - i && std::memcmp(ivec, self.m_nonce, 12) == 0) {
        xorBlocks(in, self.m_stream + 16 * i, out, 16 * blocks);
        return;
    }
    // Not the record's blocks (cannot happen for a record within kMaxRecord): AES them here.
    unsigned char counter[16];
    std::memcpy(counter, ivec, 16);
    for (std::size_t b = 0; b < blocks; ++b) {
        unsigned char pad[16];
        self.encryptBlocks(counter, pad, 1);
        xorBlocks(in + 16 * b, pad, out + 16 * b, 16);
        putCounter(counter, counterOf(counter) + 1);
    }
}

bool AesGcmRecords::decrypt(const std::uint8_t nonce[12], const std::uint8_t* aad, std::size_t aadLen,
    const std::uint8_t* in, std::size_t len, const std::uint8_t* tag, std::uint8_t* out)
{
    if (!m_gcm || len > kMaxRecord)
        return false;
    // A 12-byte IV: J0 = IV || 1, the data's counters 2, 3, ... (SP 800-38D section 7.2).
    const std::size_t count = 1 + (len + 15) / 16;
    auto& scratch = t_scratch;
    for (std::size_t b = 0; b < count; ++b) {
        std::memcpy(scratch.counters.data() + 16 * b, nonce, 12);
        putCounter(scratch.counters.data() + 16 * b, static_cast<std::uint32_t>(1 + b));
    }
    encryptBlocks(scratch.counters.data(), scratch.stream.data(), count);
    std::memcpy(m_nonce, nonce, 12);
    m_first = 1;
    m_count = static_cast<std::uint32_t>(count);
    m_stream = scratch.stream.data();
    CRYPTO_gcm128_setiv(m_gcm, nonce, 12);
    const bool ok = CRYPTO_gcm128_aad(m_gcm, aad, aadLen) == 0
        && CRYPTO_gcm128_decrypt_ctr32(m_gcm, in, out, len, &AesGcmRecords::stream) == 0
        && CRYPTO_gcm128_finish(m_gcm, tag, 16) == 0;
    m_count = 0;
    return ok;
}

} // namespace ks::capture
