// A self-signed certificate for the lab's TLS server, made with OpenSSL's libcrypto at start: an
// ECDSA P-256 key and an X.509 v3 certificate for localhost, 127.0.0.1 and ::1, valid for a day.
#pragma once

#include <string>

namespace ks::core::lab {

struct CertificatePair {
    std::string certPem;
    std::string keyPem;
};

// Returns an empty string on success, else what failed (OpenSSL's reason).
std::string makeSelfSignedCertificate(CertificatePair& out);
// Checks a user's pair before grpc++ sees it: a PEM certificate, a PEM private key, and the key
// being the certificate's. Returns an empty string, or what is wrong (naming certName/keyName).
std::string checkCertificatePair(const CertificatePair& pair, const std::string& certName, const std::string& keyName);

} // namespace ks::core::lab
