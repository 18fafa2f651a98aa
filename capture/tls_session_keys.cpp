// Which secrets protect a TLS session's records: set up from the key log (TLS 1.3 traffic
// secrets, the TLS 1.2 key block) and, in a live capture, the wait for a key log line the peer
// has not written yet: the session's records are held (bounded) until it has, then replayed.
#include "tls_session.h"

#include "event_emitter.h"

namespace ks::capture {

bool TlsSession::findKeys(std::int64_t tsNs)
{
    if (m_keys == Keys::Missing) {
        m_emitter.refreshKeyLog(tsNs, true);
        setUpKeys(tsNs);
    }
    return m_keys == Keys::Ready;
}

void TlsSession::hold(Direction& d, const std::uint8_t* header, std::span<const std::uint8_t> body, std::int64_t tsNs)
{
    HeldRecord r;
    r.dir = d.dir == core::Direction::ClientToServer ? 0 : 1;
    std::copy(header, header + 5, r.header.begin());
    r.body.assign(body.begin(), body.end());
    r.tsNs = tsNs;
    m_heldBytes += body.size();
    m_held.push_back(std::move(r));
}

void TlsSession::releaseHeld()
{
    m_holding = false;
    m_holdOver = true;
    auto held = std::move(m_held);
    m_held.clear();
    m_heldBytes = 0;
    for (const auto& r : held)
        onProtectedRecord(m_dirs[r.dir], r.header.data(), r.body, r.tsNs);
}

bool TlsSession::retryKeys(std::int64_t nowNs)
{
    if (!m_holding)
        return false;
    setUpKeys(nowNs); // the emitter has just re-read the key log
    if (m_keys != Keys::Ready && nowNs - m_holdStartNs <= m_emitter.keyLogWaitNs())
        return true;
    releaseHeld();
    return false;
}

void TlsSession::setUpKeys(std::int64_t tsNs)
{
    (void)tsNs;
    KeyLog* log = m_emitter.keyLog();
    if (m_keys == Keys::Unsupported || !log || !m_sawClientHello) {
        if (m_keys != Keys::Unsupported)
            m_keys = Keys::Missing;
        return;
    }
    const TlsSessionSecrets* secrets = log->find(m_clientHello.random);
    // Live, the peer writes its session's lines one by one: an entry still lacking a TLS 1.3
    // traffic secret is not ready while the capture may wait for it (the records are held); only
    // once the wait is over is one direction read without the other (its line never came).
    const bool waiting = m_emitter.keyLogWaitNs() > 0 && !m_holdOver;
    if (secrets && waiting && m_serverHello.version == 0x0304
        && (!secrets->clientTraffic0.present() || !secrets->serverTraffic0.present())) {
        m_keys = Keys::Missing;
        return;
    }
    bool ok = false;
    if (secrets)
        ok = m_serverHello.version == 0x0304 ? setUpTls13Keys(*secrets) : setUpTls12Keys(*secrets);
    m_keys = ok ? Keys::Ready : Keys::Missing;
}

bool TlsSession::setUpTls13Keys(const TlsSessionSecrets& s)
{
    const auto suite = tlsSuiteInfo(m_serverHello.suite);
    auto make = [&](const TlsSecret& secret) -> std::unique_ptr<TlsRecordCipher> {
        if (!secret.present())
            return nullptr;
        auto cipher = std::make_unique<TlsRecordCipher>();
        if (!cipher->setTls13Secret(suite.aead, suite.sha384, std::span(secret.bytes.data(), secret.size)))
            return nullptr;
        return cipher;
    };
    auto& c2s = m_dirs[0];
    auto& s2c = m_dirs[1];
    c2s.handshakeCipher = make(s.clientHandshake);
    s2c.handshakeCipher = make(s.serverHandshake);
    c2s.appCipher = make(s.clientTraffic0);
    s2c.appCipher = make(s.serverTraffic0);
    c2s.missingSecret = s.clientTraffic0.present() ? nullptr : "CLIENT_TRAFFIC_SECRET_0";
    s2c.missingSecret = s.serverTraffic0.present() ? nullptr : "SERVER_TRAFFIC_SECRET_0";
    return c2s.appCipher || s2c.appCipher;
}

bool TlsSession::setUpTls12Keys(const TlsSessionSecrets& s)
{
    if (!s.master.present() || m_serverHello.version != 0x0303)
        return false;
    const auto suite = tlsSuiteInfo(m_serverHello.suite);
    const std::size_t keyLen = aeadKeyLength(suite.aead);
    const std::size_t ivLen = suite.aead == TlsAead::ChaCha20Poly1305 ? 12 : 4; // RFC 7905 / RFC 5288
    std::uint8_t block[2 * 32 + 2 * 12];
    const std::span<std::uint8_t> out(block, 2 * keyLen + 2 * ivLen);
    if (!tls12KeyBlock(suite.sha384, std::span(s.master.bytes.data(), s.master.size), m_serverHello.random,
            m_clientHello.random, out))
        return false;
    // key_block: client_write_key, server_write_key, client_write_IV, server_write_IV (no MAC keys).
    for (std::size_t i = 0; i < 2; ++i) {
        auto cipher = std::make_unique<TlsRecordCipher>();
        if (!cipher->setTls12Key(
                suite.aead, out.subspan(i * keyLen, keyLen), out.subspan(2 * keyLen + i * ivLen, ivLen)))
            return false;
        m_dirs[i].appCipher = std::move(cipher);
    }
    return true;
}

} // namespace ks::capture
