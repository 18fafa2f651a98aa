// TLS key derivation and record decryption through OpenSSL 3's EVP_KDF (HKDF, TLS1-PRF) and
// EVP AEAD ciphers; nothing here implements a cipher or a KDF.
#include "tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace ks::capture {

namespace {

const char* digestName(bool sha384)
{
    return sha384 ? "SHA384" : "SHA256";
}

// Fetched once: EVP_KDF_fetch walks the provider tables.
EVP_KDF* fetchKdf(const char* name)
{
    return EVP_KDF_fetch(nullptr, name, nullptr);
}

bool derive(EVP_KDF* kdf, OSSL_PARAM* params, std::span<std::uint8_t> out)
{
    if (!kdf)
        return false;
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    if (!ctx)
        return false;
    const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

const EVP_CIPHER* cipherFor(TlsAead aead)
{
    switch (aead) {
    case TlsAead::Aes128Gcm:
        return EVP_aes_128_gcm();
    case TlsAead::Aes256Gcm:
        return EVP_aes_256_gcm();
    case TlsAead::ChaCha20Poly1305:
        return EVP_chacha20_poly1305();
    case TlsAead::None:
        break;
    }
    return nullptr;
}

constexpr std::size_t kTagSize = 16;

} // namespace

TlsSuiteInfo tlsSuiteInfo(std::uint16_t suite)
{
    switch (suite) {
    case 0x1301:
        return { "TLS_AES_128_GCM_SHA256", TlsAead::Aes128Gcm, false, true };
    case 0x1302:
        return { "TLS_AES_256_GCM_SHA384", TlsAead::Aes256Gcm, true, true };
    case 0x1303:
        return { "TLS_CHACHA20_POLY1305_SHA256", TlsAead::ChaCha20Poly1305, false, true };
    case 0x1304:
        return { "TLS_AES_128_CCM_SHA256", TlsAead::None, false, true };
    case 0xC02B:
        return { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", TlsAead::Aes128Gcm, false, false };
    case 0xC02C:
        return { "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", TlsAead::Aes256Gcm, true, false };
    case 0xC02F:
        return { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TlsAead::Aes128Gcm, false, false };
    case 0xC030:
        return { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", TlsAead::Aes256Gcm, true, false };
    case 0xCCA8:
        return { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TlsAead::ChaCha20Poly1305, false, false };
    case 0xCCA9:
        return { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", TlsAead::ChaCha20Poly1305, false, false };
    case 0xCCAA:
        return { "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TlsAead::ChaCha20Poly1305, false, false };
    case 0x009C:
        return { "TLS_RSA_WITH_AES_128_GCM_SHA256", TlsAead::Aes128Gcm, false, false };
    case 0x009D:
        return { "TLS_RSA_WITH_AES_256_GCM_SHA384", TlsAead::Aes256Gcm, true, false };
    case 0x009E:
        return { "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", TlsAead::Aes128Gcm, false, false };
    case 0x009F:
        return { "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", TlsAead::Aes256Gcm, true, false };
    case 0xC013:
        return { "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", TlsAead::None, false, false };
    case 0xC014:
        return { "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", TlsAead::None, false, false };
    case 0xC009:
        return { "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", TlsAead::None, false, false };
    case 0xC00A:
        return { "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", TlsAead::None, false, false };
    case 0x002F:
        return { "TLS_RSA_WITH_AES_128_CBC_SHA", TlsAead::None, false, false };
    case 0x0035:
        return { "TLS_RSA_WITH_AES_256_CBC_SHA", TlsAead::None, false, false };
    default:
        return {};
    }
}

std::size_t aeadKeyLength(TlsAead aead)
{
    return aead == TlsAead::Aes128Gcm ? 16 : aead == TlsAead::None ? 0 : 32;
}

bool hkdfExpandLabel(
    bool sha384, std::span<const std::uint8_t> secret, std::string_view label, std::span<std::uint8_t> out)
{
    static EVP_KDF* kdf = fetchKdf("HKDF");
    // struct HkdfLabel { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255> = ""; }
    std::uint8_t info[2 + 1 + 255 + 1];
    const std::string full = "tls13 " + std::string(label);
    std::size_t n = 0;
    info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
    info[n++] = static_cast<std::uint8_t>(out.size());
    info[n++] = static_cast<std::uint8_t>(full.size());
    std::memcpy(info + n, full.data(), full.size());
    n += full.size();
    info[n++] = 0;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digestName(sha384)), 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(secret.data()), secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    return derive(kdf, params, out);
}

bool tls12KeyBlock(bool sha384, std::span<const std::uint8_t> master, std::span<const std::uint8_t> serverRandom,
    std::span<const std::uint8_t> clientRandom, std::span<std::uint8_t> out)
{
    static EVP_KDF* kdf = fetchKdf("TLS1-PRF");
    std::vector<std::uint8_t> seed;
    constexpr std::string_view label = "key expansion";
    seed.insert(seed.end(), label.begin(), label.end());
    seed.insert(seed.end(), serverRandom.begin(), serverRandom.end());
    seed.insert(seed.end(), clientRandom.begin(), clientRandom.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digestName(sha384)), 0),
        OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(master.data()), master.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed.data(), seed.size()),
        OSSL_PARAM_construct_end(),
    };
    return derive(kdf, params, out);
}

TlsRecordCipher::TlsRecordCipher() = default;

TlsRecordCipher::~TlsRecordCipher()
{
    EVP_CIPHER_CTX_free(m_ctx);
}

bool TlsRecordCipher::initCipher()
{
    if (!m_ctx)
        m_ctx = EVP_CIPHER_CTX_new();
    if (!m_ctx || EVP_DecryptInit_ex(m_ctx, cipherFor(m_aead), nullptr, m_key, nullptr) != 1) {
        m_aead = TlsAead::None;
        return false;
    }
    // AES-GCM (12-byte IV): the whole IV as the fixed part once; a record then sets only its
    // invocation field (RFC 5288's explicit nonce, or TLS 1.3's IV XOR sequence, low 8 bytes).
    // OpenSSL's documented TLS IV parameters (EVP_EncryptInit(3): "tlsivfixed", "tlsivinv").
    m_ivInvocation
        = m_aead != TlsAead::ChaCha20Poly1305 && EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_GCM_SET_IV_FIXED, -1, m_iv) == 1;
    return true;
}

bool TlsRecordCipher::setTls13Secret(TlsAead aead, bool sha384, std::span<const std::uint8_t> secret)
{
    m_aead = TlsAead::None;
    if (aead == TlsAead::None || secret.size() > sizeof m_secret)
        return false;
    std::copy(secret.begin(), secret.end(), m_secret);
    m_secretSize = static_cast<std::uint8_t>(secret.size());
    m_sha384 = sha384;
    m_tls13 = true;
    m_seq = 0;
    if (!hkdfExpandLabel(sha384, secret, "key", std::span(m_key, aeadKeyLength(aead)))
        || !hkdfExpandLabel(sha384, secret, "iv", std::span(m_iv, 12)))
        return false;
    m_aead = aead;
    return initCipher();
}

bool TlsRecordCipher::updateTls13()
{
    if (!m_tls13 || m_aead == TlsAead::None)
        return false;
    std::uint8_t next[48];
    const std::span<std::uint8_t> out(next, m_secretSize);
    if (!hkdfExpandLabel(m_sha384, std::span(m_secret, m_secretSize), "traffic upd", out))
        return false;
    return setTls13Secret(m_aead, m_sha384, out);
}

bool TlsRecordCipher::setTls12Key(TlsAead aead, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv)
{
    m_aead = TlsAead::None;
    if (key.size() != aeadKeyLength(aead) || iv.size() > sizeof m_iv)
        return false;
    std::copy(key.begin(), key.end(), m_key);
    std::fill(std::begin(m_iv), std::end(m_iv), 0);
    std::copy(iv.begin(), iv.end(), m_iv);
    m_tls13 = false;
    m_seq = 0;
    m_aead = aead;
    return initCipher();
}

bool TlsRecordCipher::decrypt(const std::uint8_t* header, std::span<const std::uint8_t> body,
    std::vector<std::uint8_t>& plain, std::uint8_t& innerType)
{
    if (m_aead == TlsAead::None)
        return false;
    const bool explicitNonce = !m_tls13 && m_aead != TlsAead::ChaCha20Poly1305; // RFC 5288 section 3
    const std::size_t prefix = explicitNonce ? 8 : 0;
    if (body.size() < prefix + kTagSize)
        return false;
    std::uint8_t nonce[12];
    if (explicitNonce) {
        std::memcpy(nonce, m_iv, 4);
        std::memcpy(nonce + 4, body.data(), 8);
    } else {
        std::memcpy(nonce, m_iv, 12);
        for (int i = 0; i < 8; ++i)
            nonce[4 + i] ^= static_cast<std::uint8_t>(m_seq >> (56 - 8 * i));
    }
    const std::size_t cipherLen = body.size() - prefix - kTagSize;
    std::uint8_t aad[13];
    std::size_t aadLen;
    if (m_tls13) {
        std::memcpy(aad, header, 5);
        aadLen = 5;
    } else {
        for (int i = 0; i < 8; ++i)
            aad[i] = static_cast<std::uint8_t>(m_seq >> (56 - 8 * i));
        aad[8] = header[0];
        aad[9] = header[1];
        aad[10] = header[2];
        aad[11] = static_cast<std::uint8_t>(cipherLen >> 8);
        aad[12] = static_cast<std::uint8_t>(cipherLen);
        aadLen = 13;
    }
    plain.resize(cipherLen + 16);
    int len = 0;
    int outLen = 0;
    const std::uint8_t* tag = body.data() + body.size() - kTagSize;
    // AES-GCM: the record's IV and its expected tag in one parameter call (GCM checks the tag
    // only at the end); otherwise a re-initialisation with the nonce, the tag set before the end.
    bool tagSet = false;
    if (m_ivInvocation) {
        // (params.h's initialiser macros, not the OSSL_PARAM_construct_* calls: a record each.)
        OSSL_PARAM params[] = {
            OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_SET_IV_INV, nonce + 4, 8),
            OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<std::uint8_t*>(tag), kTagSize),
            OSSL_PARAM_END,
        };
        tagSet = EVP_CIPHER_CTX_set_params(m_ctx, params) == 1;
    }
    bool ok = (tagSet || EVP_DecryptInit_ex(m_ctx, nullptr, nullptr, nullptr, nonce) == 1)
        && EVP_DecryptUpdate(m_ctx, nullptr, &len, aad, static_cast<int>(aadLen)) == 1
        && EVP_DecryptUpdate(m_ctx, plain.data(), &len, body.data() + prefix, static_cast<int>(cipherLen)) == 1;
    outLen = len;
    ok = ok
        && (tagSet || EVP_CIPHER_CTX_ctrl(m_ctx, EVP_CTRL_AEAD_SET_TAG, kTagSize, const_cast<std::uint8_t*>(tag)) == 1)
        && EVP_DecryptFinal_ex(m_ctx, plain.data() + outLen, &len) == 1;
    if (!ok) {
        plain.clear();
        return false;
    }
    plain.resize(static_cast<std::size_t>(outLen + len));
    ++m_seq;
    if (!m_tls13) {
        innerType = header[0];
        return true;
    }
    // TLSInnerPlaintext: content, type, zero padding (RFC 8446 section 5.2).
    while (!plain.empty() && plain.back() == 0)
        plain.pop_back();
    if (plain.empty())
        return false;
    innerType = plain.back();
    plain.pop_back();
    return true;
}

} // namespace ks::capture
