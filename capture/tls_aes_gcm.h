// AES-GCM decryption of short TLS records through libcrypto's GCM mode (CRYPTO_gcm128 of
// openssl/modes.h) with the AES blocks a record needs made by one EVP AES-ECB call. The EVP
// AEAD interface spends some 1,400 instructions per record on parameters and dispatch, more
// than the cipher itself on the records of a gRPC connection (a PING's is 42 bytes). Nothing
// here implements AES or GHASH: both are libcrypto's.
#pragma once

#include <cstddef>
#include <cstdint>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct gcm128_context GCM128_CONTEXT;

namespace ks::capture {

class AesGcmRecords {
public:
    // Records up to this many bytes of ciphertext take this path; longer ones the EVP AEAD one.
    static constexpr std::size_t kMaxRecord = 2048;

    AesGcmRecords() = default;
    ~AesGcmRecords();
    AesGcmRecords(const AesGcmRecords&) = delete;
    AesGcmRecords& operator=(const AesGcmRecords&) = delete;

    // A 16- or 32-byte AES key; false if libcrypto could not set it up.
    bool setKey(const std::uint8_t* key, std::size_t size);
    bool ready() const { return m_gcm != nullptr; }
    // Decrypts len (<= kMaxRecord) bytes into out and checks the 16-byte tag; false if it does
    // not match (out then holds no plaintext to use).
    bool decrypt(const std::uint8_t nonce[12], const std::uint8_t* aad, std::size_t aadLen, const std::uint8_t* in,
        std::size_t len, const std::uint8_t* tag, std::uint8_t* out);

private:
    static void block(const unsigned char in[16], unsigned char out[16], const void* key);
    static void stream(const unsigned char* in, unsigned char* out, std::size_t blocks, const void* key,
        const unsigned char ivec[16]);
    // AES of count counter blocks at in (ECB), for blocks outside the record's keystream.
    void encryptBlocks(const std::uint8_t* in, std::uint8_t* out, std::size_t count) const;
    void release();

    EVP_CIPHER_CTX* m_ecb = nullptr;
    GCM128_CONTEXT* m_gcm = nullptr;
    // The keystream of the record being decrypted: AES of nonce || counter for counters
    // m_first .. m_first + m_count - 1, in a per-thread buffer.
    std::uint8_t m_nonce[12] {};
    std::uint32_t m_first = 0;
    std::uint32_t m_count = 0;
    const std::uint8_t* m_stream = nullptr;
};

} // namespace ks::capture
