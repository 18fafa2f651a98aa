// TLS record protection from session secrets, all through OpenSSL libcrypto: TLS 1.3 key
// schedule (HKDF-Expand-Label, RFC 8446 section 7.1), the TLS 1.2 key block (TLS1-PRF, RFC 5246
// section 6.3) and AEAD record decryption (RFC 8446 section 5.2, RFC 5288, RFC 7905).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace ks::capture {

enum class TlsAead : std::uint8_t { None, Aes128Gcm, Aes256Gcm, ChaCha20Poly1305 };

struct TlsSuiteInfo {
    std::string_view name; // IANA name
    TlsAead aead = TlsAead::None;
    bool sha384 = false; // PRF / HKDF hash
    bool tls13 = false;
};
// Known AEAD suites; aead None for suites this tool cannot decrypt (named when known).
TlsSuiteInfo tlsSuiteInfo(std::uint16_t suite);
std::size_t aeadKeyLength(TlsAead aead);

// One direction's record protection: key, IV, sequence number.
class TlsRecordCipher {
public:
    TlsRecordCipher();
    ~TlsRecordCipher();
    TlsRecordCipher(const TlsRecordCipher&) = delete;
    TlsRecordCipher& operator=(const TlsRecordCipher&) = delete;

    // TLS 1.3 traffic secret -> key and IV; the sequence number restarts at 0.
    bool setTls13Secret(TlsAead aead, bool sha384, std::span<const std::uint8_t> secret);
    // The next secret after a KeyUpdate (RFC 8446 section 7.2).
    bool updateTls13();
    // TLS 1.2: key and the 4-byte salt (GCM) or 12-byte IV (ChaCha20).
    bool setTls12Key(TlsAead aead, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv);
    bool ready() const { return m_aead != TlsAead::None; }
    bool tls13() const { return m_tls13; }
    std::uint64_t sequence() const { return m_seq; }
    void setSequence(std::uint64_t seq) { m_seq = seq; }

    // Decrypts one record (header: the 5 record-layer bytes; body: its payload) into plain. TLS
    // 1.3: the inner content type is stripped off and returned in innerType. False when it fails
    // authentication (the sequence number then stays).
    bool decrypt(const std::uint8_t* header, std::span<const std::uint8_t> body, std::vector<std::uint8_t>& plain,
        std::uint8_t& innerType);

private:
    bool initCipher();

    EVP_CIPHER_CTX* m_ctx = nullptr;
    TlsAead m_aead = TlsAead::None;
    bool m_tls13 = false;
    bool m_sha384 = false;
    std::uint8_t m_secretSize = 0;
    std::uint8_t m_secret[48] {};
    std::uint8_t m_key[32] {};
    std::uint8_t m_iv[12] {};
    std::uint64_t m_seq = 0;
    // AES-GCM: the IV is set once as the fixed part ("tlsivfixed") and each record only names its
    // 8-byte invocation field ("tlsivinv"), which spares a cipher re-initialisation per record.
    bool m_ivInvocation = false;
};

// HKDF-Expand-Label(secret, label, "", length) with SHA-256 or SHA-384.
bool hkdfExpandLabel(
    bool sha384, std::span<const std::uint8_t> secret, std::string_view label, std::span<std::uint8_t> out);
// TLS 1.2 PRF(master, "key expansion", server_random + client_random) -> out.
bool tls12KeyBlock(bool sha384, std::span<const std::uint8_t> master, std::span<const std::uint8_t> serverRandom,
    std::span<const std::uint8_t> clientRandom, std::span<std::uint8_t> out);

} // namespace ks::capture
