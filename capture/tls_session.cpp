// TLS connection state: which records are protected, which secret protects them (RFC 8446
// section 7: handshake traffic secrets until each side's Finished, then application traffic
// secrets, renewed by KeyUpdate; RFC 5246: the key block after ChangeCipherSpec).
#include "tls_session.h"

#include "core/direction.h"

#include "event_emitter.h"

#include <algorithm>
#include <cstdio>

namespace ks::capture {

namespace {

constexpr std::size_t kMaxHandshakeBytes = 1 << 20;
constexpr std::uint64_t kMaxSequenceSkip = 64; // records lost in a gap that resync still finds
constexpr std::uint8_t kMaxKeyRetries = 8;

// Decrypted records, one at a time: one buffer per thread rather than one per connection.
std::vector<std::uint8_t>& plainBuffer()
{
    thread_local std::vector<std::uint8_t> buffer;
    return buffer;
}

std::string hexPrefix(const std::array<std::uint8_t, 32>& bytes)
{
    char buf[17];
    for (int i = 0; i < 8; ++i)
        std::snprintf(buf + 2 * i, 3, "%02x", bytes[static_cast<std::size_t>(i)]);
    return buf;
}

} // namespace

TlsSession::Direction::Direction(TlsSession& s, core::Direction d, bool aligned)
    : session(s)
    , dir(d)
    , reader(aligned)
{
}

void TlsSession::Direction::onRecord(const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs)
{
    session.onRecord(*this, header, body, tsNs);
}

void TlsSession::Direction::onRecordGap()
{
    resync = true;
    handshakeBytes.clear();
}

TlsSession::TlsSession(
    std::uint32_t conn, EventEmitter& emitter, std::array<Http2Framer, 2>& framers, bool aligned, std::string name)
    : m_conn(conn)
    , m_emitter(emitter)
    , m_framers(framers)
    , m_name(std::move(name))
    , m_dirs { Direction(*this, core::Direction::ClientToServer, aligned),
        Direction(*this, core::Direction::ServerToClient, aligned) }
{
}

TlsSession::~TlsSession()
{
    // A live capture frees a closed connection while its session may still wait for secrets.
    m_emitter.forgetSession(*this);
}

void TlsSession::feed(core::Direction dir, std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    auto& d = m_dirs[core::dirIndex(dir)];
    d.reader.feed(bytes, tsNs, d);
}

void TlsSession::gap(core::Direction dir, std::uint64_t count)
{
    auto& d = m_dirs[core::dirIndex(dir)];
    d.reader.gap(d);
    if (m_keys == Keys::Ready)
        m_framers[core::dirIndex(dir)].gap(count);
}

void TlsSession::warn(const std::string& what)
{
    m_emitter.warn(m_name + ": " + what);
}

std::string TlsSession::directionName(core::Direction dir) const
{
    return dir == core::Direction::ClientToServer ? "client" : "server";
}

void TlsSession::onRecord(
    Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs)
{
    ++d.records;
    const auto type = static_cast<TlsContentType>(header[0]);
    const bool tls13 = m_sawServerHello && m_serverHello.version == 0x0304;
    if (type == TlsContentType::ChangeCipherSpec) {
        if (m_sawServerHello && !tls13) {
            d.protectedRecords = true; // TLS 1.2: what follows uses the new keys from sequence 0
            if (d.appCipher)
                d.appCipher->setSequence(0);
        }
        return; // TLS 1.3: middlebox compatibility only (RFC 8446 appendix D.4)
    }
    const bool isProtected = type == TlsContentType::ApplicationData
        || (d.protectedRecords && !tls13 && (type == TlsContentType::Handshake || type == TlsContentType::Alert));
    if (isProtected)
        onProtectedRecord(d, header, body, tsNs);
    else if (type == TlsContentType::Handshake)
        onHandshakeBytes(d, body, tsNs);
}

void TlsSession::onProtectedRecord(
    Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs)
{
    if (m_holding) {
        if (!findKeys(tsNs) && tsNs - m_holdStartNs <= m_emitter.keyLogWaitNs()
            && m_heldBytes + body.size() <= kMaxHeldBytes && m_held.size() < kMaxHeldRecords) {
            hold(d, header, body, tsNs);
            return;
        }
        releaseHeld(); // decrypts what was held, or, the wait over, infers from it
    }
    if ((m_keys == Keys::NotYet || m_keys == Keys::Missing) && m_sawServerHello && m_keyRetries < kMaxKeyRetries) {
        const bool first = m_keys == Keys::NotYet;
        if (first || m_emitter.refreshKeyLog(tsNs)) {
            ++m_keyRetries;
            setUpKeys(tsNs);
            // The first lookup missed: the key log may have grown since it was read.
            if (first && m_keys == Keys::Missing && m_emitter.refreshKeyLog(tsNs, true))
                setUpKeys(tsNs);
        }
    }
    if (m_keys == Keys::Missing && !m_holdOver && m_emitter.keyLogWaitNs() > 0 && m_emitter.keyLog()) {
        // Live: the peer writes its key log line just after its handshake, and the capture may be
        // quicker. Hold the records (bounded) rather than pass them undecrypted.
        m_holding = true;
        m_holdStartNs = tsNs;
        m_emitter.awaitKeys(*this);
        hold(d, header, body, tsNs);
        return;
    }
    const bool appData = header[0] == static_cast<std::uint8_t>(TlsContentType::ApplicationData);
    const bool alert = header[0] == static_cast<std::uint8_t>(TlsContentType::Alert);
    if (m_keys != Keys::Ready || d.failed) {
        if (appData || alert) // TLS 1.2's encrypted alerts too: the inference sees the close
            m_inference.onApplicationRecord(d.dir, static_cast<std::uint32_t>(body.size()), tsNs, m_conn, m_emitter);
        if (m_keys != Keys::Ready)
            d.resync = true; // records pass undecrypted: their sequence numbers must be found later
        if (appData && !m_warnedNoKeys && m_keys != Keys::Ready && m_keys != Keys::Unsupported) {
            m_warnedNoKeys = true;
            if (!m_sawServerHello)
                warn("TLS whose handshake is not in the capture (it started mid-connection?): it cannot be "
                     "decrypted; PING and PING ACK are inferred from TLS record sizes");
            else if (m_inference.http2RuledOut())
                warn("no key log secrets for this TLS session (client random " + hexPrefix(m_clientHello.random)
                    + "...): not HTTP/2 (" + alpnWords() + "), so no PING is inferred from its record sizes");
            else
                warn("no key log secrets for this TLS session (client random " + hexPrefix(m_clientHello.random)
                    + "...): its HTTP/2 frames stay encrypted; PING and PING ACK are inferred from TLS record sizes. "
                      "Decrypt with --keylog FILE (the key log the client or server wrote: SSLKEYLOGFILE, Go's "
                      "tls.Config.KeyLogWriter, grpc++'s TLS key log path, Envoy's key_log)");
        }
        return;
    }
    std::uint8_t inner = 0;
    if (decryptRecord(d, header, body, inner))
        onPlaintext(d, inner, plainBuffer(), tsNs); // nothing below decrypts again
}

bool TlsSession::decryptWith(Direction& d, TlsRecordCipher& cipher, const std::uint8_t* header,
    std::span<const std::uint8_t> body, std::uint8_t& innerType)
{
    if (!d.resync)
        return cipher.decrypt(header, body, plainBuffer(), innerType);
    // After lost records: the first sequence number that authenticates, a bounded search.
    const std::uint64_t base = cipher.sequence();
    for (std::uint64_t skip = 0; skip <= kMaxSequenceSkip; ++skip) {
        cipher.setSequence(base + skip);
        if (cipher.decrypt(header, body, plainBuffer(), innerType)) {
            d.resync = false;
            return true;
        }
    }
    cipher.setSequence(base);
    return false;
}

bool TlsSession::decryptRecord(
    Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::uint8_t& innerType)
{
    if (m_serverHello.version == 0x0304) {
        if (!d.appKeys && d.handshakeCipher && decryptWith(d, *d.handshakeCipher, header, body, innerType))
            return true;
        if (d.appCipher && decryptWith(d, *d.appCipher, header, body, innerType)) {
            d.appKeys = true; // the Finished was missed, or the handshake secrets are not in the log
            d.handshakeCipher.reset();
            return true;
        }
        // Without handshake secrets, handshake records cannot be read: skip them quietly.
        if (!d.appKeys && !d.handshakeCipher)
            return false;
    } else if (d.appCipher && decryptWith(d, *d.appCipher, header, body, innerType)) {
        return true;
    }
    fail(d);
    return false;
}

void TlsSession::fail(Direction& d)
{
    d.failed = true;
    if (d.missingSecret && !d.appCipher && m_serverHello.version == 0x0304) {
        // Not a wrong key: this direction's application key is not in the key log at all.
        m_unreadDir = d.dir == core::Direction::ClientToServer ? 0 : 1;
        warn("the key log has this TLS session (client random " + hexPrefix(m_clientHello.random) + "...) but no "
            + d.missingSecret + " line: the " + directionName(d.dir)
            + "'s application data cannot be decrypted, so nothing is said of the frames it sent (a key log "
              "copied while the peer was still writing it? give the whole key log)");
        return;
    }
    ++m_authFailures;
    warn("a TLS record from the " + directionName(d.dir) + " (record " + std::to_string(d.records)
        + ") failed authentication with the key log's secrets (secrets of another session, or a corrupted "
          "capture?); nothing more is decrypted from the "
        + directionName(d.dir) + " and no frame is read from it");
}

void TlsSession::onPlaintext(Direction& d, std::uint8_t type, std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    switch (static_cast<TlsContentType>(type)) {
    case TlsContentType::ApplicationData:
        m_framers[core::dirIndex(d.dir)].feed(bytes, tsNs);
        break;
    case TlsContentType::Handshake:
        onHandshakeBytes(d, bytes, tsNs);
        break;
    default:
        break; // alerts, heartbeats
    }
}

void TlsSession::onHandshakeBytes(Direction& d, std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    if (d.handshakeBytes.size() + bytes.size() > kMaxHandshakeBytes) {
        d.handshakeBytes.clear();
        return;
    }
    d.handshakeBytes.insert(d.handshakeBytes.end(), bytes.begin(), bytes.end());
    std::size_t pos = 0;
    auto& buf = d.handshakeBytes;
    while (buf.size() - pos >= 4) {
        const std::size_t len = std::size_t(buf[pos + 1]) << 16 | std::size_t(buf[pos + 2]) << 8 | buf[pos + 3];
        if (buf.size() - pos - 4 < len)
            break;
        onHandshakeMessage(d, buf[pos], std::span(buf).subspan(pos + 4, len), tsNs);
        pos += 4 + len;
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pos));
    if (buf.empty())
        buf.shrink_to_fit();
}

void TlsSession::onHandshakeMessage(
    Direction& d, std::uint8_t type, std::span<const std::uint8_t> body, std::int64_t tsNs)
{
    switch (static_cast<TlsHandshakeType>(type)) {
    case TlsHandshakeType::ClientHello:
        if (d.dir == core::Direction::ClientToServer) {
            ClientHelloInfo hello;
            if (parseClientHello(body, hello)) {
                m_clientHello = std::move(hello);
                if (!m_sawClientHello)
                    m_clientHelloNs = tsNs;
                m_sawClientHello = true;
                if (std::find(m_clientHello.alpn.begin(), m_clientHello.alpn.end(), "h2") == m_clientHello.alpn.end())
                    m_inference.ruleOutHttp2(); // h2 over TLS is chosen by ALPN only (RFC 9113 section 3.2)
            } else {
                warn("malformed TLS ClientHello (lengths do not add up); SNI and ALPN unknown");
            }
        }
        break;
    case TlsHandshakeType::ServerHello:
        if (d.dir == core::Direction::ServerToClient) {
            ServerHelloInfo hello;
            if (!parseServerHello(body, hello))
                warn("malformed TLS ServerHello (lengths do not add up); version and cipher unknown");
            else if (!hello.helloRetryRequest)
                onServerHello(hello, tsNs);
        }
        break;
    case TlsHandshakeType::EncryptedExtensions:
        parseEncryptedExtensions(body, m_alpn);
        break;
    case TlsHandshakeType::Finished:
        if (m_serverHello.version == 0x0304 && d.handshakeCipher && d.appCipher) {
            d.appKeys = true;
            d.handshakeCipher.reset();
        }
        break;
    case TlsHandshakeType::KeyUpdate:
        if (d.appKeys && d.appCipher && !d.appCipher->updateTls13())
            fail(d);
        break;
    default:
        break;
    }
}

std::string TlsSession::alpnWords() const
{
    if (!m_alpn.empty())
        return "ALPN " + m_alpn + " negotiated";
    if (m_clientHello.alpn.empty())
        return "the ClientHello offered no ALPN, and h2 over TLS needs it";
    std::string offered;
    for (const auto& a : m_clientHello.alpn)
        offered += (offered.empty() ? "" : ", ") + a;
    return "the ClientHello offered ALPN " + offered + ", not h2";
}

void TlsSession::setTcpRtt(std::int64_t ns)
{
    if (!m_sawServerHello && ns > 0)
        m_inference.setHandshakeRtt(ns);
}

void TlsSession::onServerHello(const ServerHelloInfo& hello, std::int64_t tsNs)
{
    if (m_sawClientHello && tsNs >= m_clientHelloNs)
        m_inference.setHandshakeRtt(tsNs - m_clientHelloNs);
    m_serverHello = hello;
    m_sawServerHello = true;
    if (!hello.alpn.empty())
        m_alpn = hello.alpn;
    if (!hello.alpn.empty() && hello.alpn != "h2")
        m_inference.ruleOutHttp2(); // TLS 1.2 names the protocol in clear: not HTTP/2
    if (hello.version == 0x0304)
        for (auto& d : m_dirs)
            d.protectedRecords = true;
    m_inference.setPingLength(tlsPingRecordLength(hello.version, hello.suite));
    const auto suite = tlsSuiteInfo(hello.suite);
    if (suite.aead == TlsAead::None) {
        m_keys = Keys::Unsupported;
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%04x", hello.suite);
        warn("TLS cipher suite " + (suite.name.empty() ? std::string(buf) : std::string(suite.name))
            + " cannot be decrypted (AEAD suites only: AES-GCM, ChaCha20-Poly1305); PING and PING ACK are not inferred "
              "either");
        m_inference.setPingLength(1); // no record has this length: infer nothing
    }
}

void TlsSession::finish()
{
    if (m_holding) {
        findKeys(m_holdStartNs);
        releaseHeld();
    }
    m_inference.finish(m_conn, m_emitter);
    if (m_sawClientHello && !m_sawServerHello)
        warn("the TLS handshake is cut short (a ClientHello, no ServerHello): version, cipher and keys unknown");
}

std::shared_ptr<const core::TlsInfo> TlsSession::info() const
{
    auto info = std::make_shared<core::TlsInfo>();
    if (m_sawServerHello) {
        info->version = tlsVersionName(m_serverHello.version);
        const auto suite = tlsSuiteInfo(m_serverHello.suite);
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%04x", m_serverHello.suite);
        info->cipher = suite.name.empty() ? std::string(buf) : std::string(suite.name);
    }
    info->sni = m_clientHello.sni;
    info->alpn = m_alpn;
    info->alpnOffered = m_clientHello.alpn;
    switch (m_keys) {
    case Keys::Ready:
        info->decryption = m_authFailures ? "authentication failed" : "decrypted";
        if (m_unreadDir >= 0 && !m_authFailures) {
            info->unreadDir = m_unreadDir;
            info->missingSecret = m_dirs[std::size_t(m_unreadDir)].missingSecret;
            info->decryption = m_unreadDir == 0 ? "server direction only" : "client direction only";
        }
        break;
    case Keys::Missing:
        info->decryption = "no keys";
        break;
    case Keys::Unsupported:
        info->decryption = "unsupported cipher";
        break;
    case Keys::NotYet:
        info->decryption = m_sawClientHello ? "handshake incomplete" : "handshake not seen";
        break;
    }
    return info;
}

} // namespace ks::capture
