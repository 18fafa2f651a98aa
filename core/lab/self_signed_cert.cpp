// The certificate is the trust anchor itself (the channel trusts exactly this PEM), so it is
// marked a CA as `openssl req -x509` does, with the names the channel connects by.
#include "self_signed_cert.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace ks::core::lab {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

std::string opensslError(const char* what)
{
    const unsigned long code = ERR_get_error();
    char buf[256] = {};
    if (code)
        ERR_error_string_n(code, buf, sizeof buf);
    return std::string("cannot make the lab's TLS certificate: ") + what + (code ? std::string(" (") + buf + ")" : "");
}

std::string bioText(BIO* bio)
{
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

bool addExtension(X509* cert, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

} // namespace

std::string makeSelfSignedCertificate(CertificatePair& out)
{
    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key)
        return opensslError("EC P-256 key generation failed");
    Owned<X509> cert(X509_new());
    if (!cert)
        return opensslError("out of memory");
    X509_set_version(cert.get(), X509_VERSION_3);
    Owned<BIGNUM> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        return opensslError("serial number");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(
        name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Keepalive Scope lab"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!addExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1")
        || !addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE")
        || !addExtension(cert.get(), NID_subject_key_identifier, "hash"))
        return opensslError("certificate extensions");
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return opensslError("signing");
    Owned<BIO> certBio(BIO_new(BIO_s_mem()));
    Owned<BIO> keyBio(BIO_new(BIO_s_mem()));
    if (!certBio || !keyBio || PEM_write_bio_X509(certBio.get(), cert.get()) != 1
        || PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return opensslError("PEM encoding");
    out.certPem = bioText(certBio.get());
    out.keyPem = bioText(keyBio.get());
    return {};
}

std::string checkCertificatePair(const CertificatePair& pair, const std::string& certName, const std::string& keyName)
{
    Owned<BIO> certBio(BIO_new_mem_buf(pair.certPem.data(), static_cast<int>(pair.certPem.size())));
    Owned<X509> cert(certBio ? PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!cert)
        return "target.cert_file: " + certName + " is not a PEM certificate (-----BEGIN CERTIFICATE-----)";
    Owned<BIO> keyBio(BIO_new_mem_buf(pair.keyPem.data(), static_cast<int>(pair.keyPem.size())));
    Owned<EVP_PKEY> key(keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!key)
        return "target.key_file: " + keyName + " is not an unencrypted PEM private key";
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return "target.key_file: " + keyName + " is not the private key of the TLS certificate " + certName;
    }
    return {};
}

} // namespace ks::core::lab
