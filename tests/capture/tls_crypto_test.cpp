// TLS record protection against records sealed here with OpenSSL's EVP AEAD (the same library,
// used the other way): TLS 1.3 nonce and additional data (RFC 8446 section 5.2-5.3), the inner
// content type under zero padding, sequence numbers, a KeyUpdate's next secret (section 7.2),
// and a tampered record failing authentication. The key schedule itself is checked end to end
// by decrypting the grpc-go captures (tls_capture_test.cpp).
#include "capture/tls_crypto.h"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

namespace {

using ks::capture::TlsAead;
using ks::capture::TlsRecordCipher;

// Seals one TLS 1.3 record: header (type 23, 0x0303, length), AES-128-GCM over content + type + padding.
std::vector<std::uint8_t> seal13(std::span<const std::uint8_t> secret, std::uint64_t seq,
    std::vector<std::uint8_t> content, std::uint8_t type, std::size_t padding)
{
    std::uint8_t key[16], iv[12];
    EXPECT_TRUE(ks::capture::hkdfExpandLabel(false, secret, "key", key));
    EXPECT_TRUE(ks::capture::hkdfExpandLabel(false, secret, "iv", iv));
    for (int i = 0; i < 8; ++i)
        iv[4 + i] ^= static_cast<std::uint8_t>(seq >> (56 - 8 * i));
    content.push_back(type);
    content.resize(content.size() + padding, 0);
    const std::size_t length = content.size() + 16;
    std::vector<std::uint8_t> record { 23, 3, 3, static_cast<std::uint8_t>(length >> 8),
        static_cast<std::uint8_t>(length) };
    record.resize(5 + length);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key, iv), 1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx, nullptr, &n, record.data(), 5), 1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx, record.data() + 5, &n, content.data(), static_cast<int>(content.size())), 1);
    EXPECT_EQ(EVP_EncryptFinal_ex(ctx, record.data() + 5 + n, &n), 1);
    EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, record.data() + 5 + content.size()), 1);
    EVP_CIPHER_CTX_free(ctx);
    return record;
}

bool open(TlsRecordCipher& cipher, const std::vector<std::uint8_t>& record, std::vector<std::uint8_t>& plain,
    std::uint8_t& type)
{
    return cipher.decrypt(record.data(), std::span(record).subspan(5), plain, type);
}

} // namespace

TEST(TlsRecordCipher, tls13RecordsAndAKeyUpdateDecrypt)
{
    std::array<std::uint8_t, 32> secret;
    for (std::size_t i = 0; i < secret.size(); ++i)
        secret[i] = static_cast<std::uint8_t>(i * 7 + 1);
    TlsRecordCipher cipher;
    ASSERT_TRUE(cipher.setTls13Secret(TlsAead::Aes128Gcm, false, secret));
    std::vector<std::uint8_t> plain;
    std::uint8_t type = 0;
    const std::vector<std::uint8_t> ping { 0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
    ASSERT_TRUE(open(cipher, seal13(secret, 0, ping, 23, 0), plain, type));
    EXPECT_EQ(plain, ping);
    EXPECT_EQ(type, 23);
    ASSERT_TRUE(open(cipher, seal13(secret, 1, ping, 23, 7), plain, type)); // padded
    EXPECT_EQ(plain, ping);
    // A KeyUpdate (handshake type 24) under the old key; the next record under the next secret.
    ASSERT_TRUE(open(cipher, seal13(secret, 2, { 24, 0, 0, 1, 0 }, 22, 0), plain, type));
    EXPECT_EQ(type, 22);
    ASSERT_TRUE(cipher.updateTls13());
    std::array<std::uint8_t, 32> next;
    ASSERT_TRUE(ks::capture::hkdfExpandLabel(false, secret, "traffic upd", next));
    EXPECT_EQ(cipher.sequence(), 0u);
    ASSERT_TRUE(open(cipher, seal13(next, 0, ping, 23, 0), plain, type));
    EXPECT_EQ(plain, ping);
    // The old key no longer opens anything; a flipped bit fails authentication.
    EXPECT_FALSE(open(cipher, seal13(secret, 1, ping, 23, 0), plain, type));
    auto tampered = seal13(next, 1, ping, 23, 0);
    tampered[8] ^= 1;
    EXPECT_FALSE(open(cipher, tampered, plain, type));
    EXPECT_EQ(cipher.sequence(), 1u); // a failed record does not advance the sequence
    EXPECT_TRUE(open(cipher, seal13(next, 1, ping, 23, 0), plain, type));
}

TEST(TlsRecordCipher, suitesAreNamedAndOnlyAeadIsDecrypted)
{
    EXPECT_EQ(ks::capture::tlsSuiteInfo(0x1302).aead, TlsAead::Aes256Gcm);
    EXPECT_TRUE(ks::capture::tlsSuiteInfo(0x1302).sha384);
    EXPECT_EQ(ks::capture::tlsSuiteInfo(0xCCA8).aead, TlsAead::ChaCha20Poly1305);
    EXPECT_EQ(ks::capture::tlsSuiteInfo(0xC013).aead, TlsAead::None);
    EXPECT_EQ(ks::capture::tlsSuiteInfo(0xC013).name, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    EXPECT_TRUE(ks::capture::tlsSuiteInfo(0x9999).name.empty());
}
