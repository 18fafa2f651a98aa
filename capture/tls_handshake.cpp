// Bounds-checked readers for the handshake messages named in tls_handshake.h.
#include "tls_handshake.h"

#include <cstdio>
#include <cstring>

namespace ks::capture {

namespace {

// A cursor over one length-delimited field; every read fails once past the end.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes)
        : m_bytes(bytes)
    {
    }
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_pos == m_bytes.size(); }
    std::uint32_t u8() { return take(1) ? m_bytes[m_pos - 1] : 0; }
    std::uint32_t u16() { return take(2) ? std::uint32_t(m_bytes[m_pos - 2]) << 8 | m_bytes[m_pos - 1] : 0; }
    std::span<const std::uint8_t> bytes(std::size_t n)
    {
        return take(n) ? m_bytes.subspan(m_pos - n, n) : std::span<const std::uint8_t>();
    }
    // A vector with a length prefix of lengthBytes (1 or 2).
    Reader sub(int lengthBytes)
    {
        const std::size_t n = lengthBytes == 1 ? u8() : u16();
        return Reader(bytes(n), m_ok);
    }

private:
    Reader(std::span<const std::uint8_t> bytes, bool ok)
        : m_bytes(bytes)
        , m_ok(ok)
    {
    }
    bool take(std::size_t n)
    {
        if (!m_ok || m_bytes.size() - m_pos < n) {
            m_ok = false;
            return false;
        }
        m_pos += n;
        return true;
    }

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::size_t kMaxAlpnNames = 16;

std::string printable(std::span<const std::uint8_t> bytes)
{
    std::string s;
    for (auto b : bytes)
        s += (b >= 0x20 && b < 0x7f) ? static_cast<char>(b) : '?';
    return s;
}

// ALPN extension: ProtocolNameList (RFC 7301 section 3.1).
bool readAlpn(Reader ext, std::vector<std::string>& names)
{
    Reader list = ext.sub(2);
    while (list.ok() && !list.atEnd()) {
        Reader name = list.sub(1);
        std::string s;
        while (name.ok() && !name.atEnd())
            s += static_cast<char>(name.u8());
        if (names.size() < kMaxAlpnNames)
            names.push_back(printable(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
    }
    return list.ok();
}

// The random HelloRetryRequest uses (RFC 8446 section 4.1.3): SHA-256 of "HelloRetryRequest".
constexpr std::uint8_t kHrrRandom[32] = { 0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E,
    0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C };

} // namespace

bool parseClientHello(std::span<const std::uint8_t> body, ClientHelloInfo& out)
{
    Reader r(body);
    out.legacyVersion = static_cast<std::uint16_t>(r.u16());
    const auto random = r.bytes(32);
    if (!r.ok())
        return false;
    std::memcpy(out.random.data(), random.data(), 32);
    r.sub(1); // legacy_session_id
    Reader suites = r.sub(2);
    while (suites.ok() && !suites.atEnd())
        out.suites.push_back(static_cast<std::uint16_t>(suites.u16()));
    r.sub(1); // compression methods
    if (!r.ok() || !suites.ok())
        return false;
    if (!r.atEnd()) {
        Reader exts = r.sub(2);
        while (exts.ok() && !exts.atEnd()) {
            const auto type = exts.u16();
            Reader ext = exts.sub(2);
            if (type == kExtServerName) {
                Reader list = ext.sub(2);
                while (list.ok() && !list.atEnd()) {
                    const auto nameType = list.u8();
                    Reader name = list.sub(2);
                    if (nameType == 0 && list.ok() && out.sni.empty()) {
                        std::string s;
                        while (name.ok() && !name.atEnd())
                            s += static_cast<char>(name.u8());
                        out.sni = printable(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
                    }
                }
            } else if (type == kExtAlpn) {
                readAlpn(ext, out.alpn);
            } else if (type == kExtSupportedVersions) {
                Reader list = ext.sub(1);
                while (list.ok() && !list.atEnd())
                    out.versions.push_back(static_cast<std::uint16_t>(list.u16()));
            }
        }
        if (!exts.ok())
            return false;
    }
    if (out.versions.empty())
        out.versions.push_back(out.legacyVersion);
    return true;
}

bool parseServerHello(std::span<const std::uint8_t> body, ServerHelloInfo& out)
{
    Reader r(body);
    out.version = static_cast<std::uint16_t>(r.u16());
    const auto random = r.bytes(32);
    if (!r.ok())
        return false;
    std::memcpy(out.random.data(), random.data(), 32);
    out.helloRetryRequest = std::memcmp(random.data(), kHrrRandom, 32) == 0;
    r.sub(1); // legacy_session_id_echo
    out.suite = static_cast<std::uint16_t>(r.u16());
    r.u8(); // compression
    if (!r.ok())
        return false;
    if (!r.atEnd()) {
        Reader exts = r.sub(2);
        while (exts.ok() && !exts.atEnd()) {
            const auto type = exts.u16();
            Reader ext = exts.sub(2);
            if (type == kExtSupportedVersions) {
                out.version = static_cast<std::uint16_t>(ext.u16());
            } else if (type == kExtAlpn) {
                std::vector<std::string> names;
                if (readAlpn(ext, names) && !names.empty())
                    out.alpn = names.front();
            }
        }
        if (!exts.ok())
            return false;
    }
    return true;
}

bool parseEncryptedExtensions(std::span<const std::uint8_t> body, std::string& alpn)
{
    Reader r(body);
    Reader exts = r.sub(2);
    while (exts.ok() && !exts.atEnd()) {
        const auto type = exts.u16();
        Reader ext = exts.sub(2);
        if (type == kExtAlpn) {
            std::vector<std::string> names;
            if (readAlpn(ext, names) && !names.empty())
                alpn = names.front();
        }
    }
    return exts.ok();
}

std::string tlsVersionName(std::uint16_t version)
{
    switch (version) {
    case 0x0300:
        return "SSL 3.0";
    case 0x0301:
        return "TLS 1.0";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    default:
        break;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", version);
    return buf;
}

} // namespace ks::capture
