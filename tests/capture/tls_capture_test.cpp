// TLS in the engine, on the reference captures made by grpc-go and C-core (tests/data/
// make_tls_captures.sh): decryption with the key log (TLS 1.3 and 1.2, every AEAD suite), the
// pcapng Decryption Secrets Block, what happens without keys or with the wrong ones, and the
// PING inference measured against the decrypted truth.
#include "capture/capture_engine.h"
#include "capture/key_log.h"
#include "capture/packet_source.h"
#include "core/findings_analyzer.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

using ks::capture::CaptureEngine;
using ks::capture::KeyLog;
using ks::core::Event;
using ks::core::EventType;

std::string dataPath(const std::string& name)
{
    return std::string(KS_TEST_DATA_DIR) + "/" + name;
}

struct Collect final : ks::capture::EventSink {
    std::vector<Event> events;
    void onEvent(const Event& e) override { events.push_back(e); }
    std::size_t count(EventType type) const
    {
        return static_cast<std::size_t>(
            std::count_if(events.begin(), events.end(), [type](const Event& e) { return e.type == type; }));
    }
};

struct Run {
    Collect sink;
    std::vector<ks::core::ConnectionSummary> connections;
    std::vector<std::string> warnings;
};

// Reads a capture as analyze does; keys: a key log file in tests/data ("" for none); limit: stop
// after this many packets (a capture cut short).
Run analyze(const std::string& capture, const std::string& keys, std::size_t limit = SIZE_MAX)
{
    Run run;
    std::string error;
    auto source = ks::capture::PacketSource::open(dataPath(capture), error);
    EXPECT_TRUE(source) << error;
    if (!source)
        return run;
    auto keyLog = std::make_shared<KeyLog>();
    if (!keys.empty()) {
        EXPECT_TRUE(keyLog->loadFile(dataPath(keys), run.warnings, error)) << error;
    }
    if (!source->embeddedKeyLog().empty())
        keyLog->addText(source->embeddedKeyLog(), capture, run.warnings);
    CaptureEngine engine(source->linkType(), run.sink);
    if (!keyLog->empty())
        engine.setKeyLog(keyLog);
    std::int64_t ts = 0;
    std::span<const std::uint8_t> frame;
    // as analyze does: a pcapng's link type is known from its interface block, which may follow
    // the Decryption Secrets Blocks
    for (std::size_t n = 0; n < limit && source->next(ts, frame, error) == ks::capture::PacketSource::Status::Packet;
         ++n) {
        engine.setLinkType(source->packetLinkType());
        engine.processPacket(ts, frame);
    }
    engine.finish();
    run.connections = engine.summaries();
    run.warnings.insert(run.warnings.end(), engine.warnings().begin(), engine.warnings().end());
    return run;
}

struct TlsCase {
    const char* capture;
    const char* version;
    const char* cipher;
};

const TlsCase kCases[] = {
    { "tls13_go_ping", "TLS 1.3", "TLS_AES_128_GCM_SHA256" },
    { "tls13_go_chacha", "TLS 1.3", "TLS_CHACHA20_POLY1305_SHA256" },
    { "tls12_go_aes128gcm", "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { "tls12_go_aes256gcm", "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
    { "tls12_go_chacha", "TLS 1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
};

bool anyWarningHas(const Run& run, const std::string& text)
{
    return std::any_of(run.warnings.begin(), run.warnings.end(),
        [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

} // namespace

TEST(TlsCaptures, everySuiteDecryptsWithTheKeyLogIntoHttp2Events)
{
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.capture);
        const auto run = analyze(std::string(c.capture) + ".pcap", std::string(c.capture) + ".keys");
        ASSERT_EQ(run.connections.size(), 1u);
        const auto& conn = run.connections[0];
        ASSERT_TRUE(conn.tls);
        EXPECT_EQ(conn.tls->version, c.version);
        EXPECT_EQ(conn.tls->cipher, c.cipher);
        EXPECT_EQ(conn.tls->sni, "ks.example.test");
        EXPECT_EQ(conn.tls->alpn, "h2"); // TLS 1.3: from the decrypted EncryptedExtensions
        EXPECT_EQ(conn.tls->decryption, "decrypted");
        EXPECT_TRUE(conn.http2);
        EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
        // The server pings every second for 10 s: every PING answered, the RPCs' headers read.
        EXPECT_GE(run.sink.count(EventType::Ping), 10u);
        EXPECT_EQ(run.sink.count(EventType::Ping), run.sink.count(EventType::PingAck));
        std::size_t paths = 0;
        for (const auto& e : run.sink.events) {
            EXPECT_FALSE(e.inferred);
            if (e.type == EventType::Headers) {
                EXPECT_EQ(e.hpack, ks::core::HpackState::Decoded);
                paths += e.path == "/grpc.health.v1.Health/Check";
            }
        }
        EXPECT_EQ(paths, 2u);
    }
}

TEST(TlsCaptures, decryptionSecretsBlockIsReadWithoutAnOption)
{
    std::string error;
    auto source = ks::capture::PacketSource::open(dataPath("tls13_dsb.pcapng"), error);
    ASSERT_TRUE(source) << error;
    EXPECT_NE(source->embeddedKeyLog().find("SERVER_TRAFFIC_SECRET_0 "), std::string::npos);
    const auto run = analyze("tls13_dsb.pcapng", "");
    ASSERT_EQ(run.connections.size(), 1u);
    ASSERT_TRUE(run.connections[0].tls);
    EXPECT_EQ(run.connections[0].tls->decryption, "decrypted");
    EXPECT_GE(run.sink.count(EventType::Ping), 10u);
}

TEST(TlsCaptures, goawayTooManyPingsInsideTls13IsDecodedWithItsDebugText)
{
    const auto run = analyze("tls13_too_many_pings.pcap", "tls13_too_many_pings.keys");
    ASSERT_EQ(run.sink.count(EventType::Goaway), 1u);
    for (const auto& e : run.sink.events)
        if (e.type == EventType::Goaway) {
            EXPECT_EQ(e.errorCode, 11u);
            EXPECT_EQ(e.debug, "too_many_pings");
        }
    // C-core (BoringSSL) offers grpc-exp before h2.
    ASSERT_TRUE(run.connections[0].tls);
    EXPECT_EQ(run.connections[0].tls->alpnOffered, (std::vector<std::string> { "grpc-exp", "h2" }));
}

TEST(TlsCaptures, connectTunnelNamesTheProxyHopAndDecryptsInside)
{
    const auto run = analyze("tls_connect_proxy.pcap", "tls_connect_proxy.keys");
    ASSERT_EQ(run.connections.size(), 2u);
    std::size_t viaProxy = 0;
    for (const auto& c : run.connections) {
        ASSERT_TRUE(c.tls);
        EXPECT_EQ(c.tls->decryption, "decrypted");
        EXPECT_TRUE(c.http2);
        if (c.rare().proxy == "HTTP CONNECT 127.0.0.1:50211")
            ++viaProxy;
    }
    EXPECT_EQ(viaProxy, 1u); // the client's leg to tinyproxy; the proxy's leg is plain TLS
}

TEST(TlsCaptures, h2cUpgradeWithHpackTablesAbove4096DecodesEveryHeaderBlock)
{
    const auto run = analyze("h2c_upgrade_hpack.pcap", "");
    ASSERT_EQ(run.connections.size(), 1u);
    EXPECT_TRUE(run.connections[0].http2);
    EXPECT_NE(run.connections[0].rare().proxy.find("h2c upgrade"), std::string::npos);
    EXPECT_GE(run.sink.count(EventType::Headers), 4u);
    for (const auto& e : run.sink.events)
        if (e.type == EventType::Headers) {
            EXPECT_EQ(e.hpack, ks::core::HpackState::Decoded) << "event " << e.index;
        }
    EXPECT_EQ(run.sink.count(EventType::Goaway), 1u);
}

TEST(TlsCaptures, withoutKeysNoFrameIsGuessedAndTheWarningNamesTheConnection)
{
    const auto run = analyze("tls13_go_ping.pcap", "");
    ASSERT_EQ(run.connections.size(), 1u);
    ASSERT_TRUE(run.connections[0].tls);
    EXPECT_EQ(run.connections[0].tls->decryption, "no keys");
    EXPECT_EQ(run.connections[0].tls->alpn, ""); // in the encrypted EncryptedExtensions
    EXPECT_FALSE(run.connections[0].http2);
    EXPECT_TRUE(anyWarningHas(run, "connection 0 (127.0.0.1:"));
    EXPECT_TRUE(anyWarningHas(run, "--keylog"));
    for (const auto& e : run.sink.events) {
        EXPECT_TRUE(e.type == EventType::Syn || e.type == EventType::Fin || e.type == EventType::Rst
            || ((e.type == EventType::Ping || e.type == EventType::PingAck) && e.inferred))
            << "event " << e.index << " type " << ks::core::eventTypeName(e.type);
    }
}

TEST(TlsCaptures, secretsOfAnotherSessionDecryptNothing)
{
    // The ChaCha capture's key log has other client randoms: no keys for this session.
    const auto run = analyze("tls13_go_ping.pcap", "tls13_go_chacha.keys");
    EXPECT_EQ(run.connections[0].tls->decryption, "no keys");
    EXPECT_TRUE(anyWarningHas(run, "no key log secrets for this TLS session"));
    EXPECT_EQ(run.sink.count(EventType::Headers), 0u);
}

TEST(TlsCaptures, aWrongSecretFailsAuthenticationAndYieldsNoFrames)
{
    // The right client random with a corrupted server traffic secret.
    std::ifstream in(dataPath("tls13_go_ping.keys"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find("SERVER_TRAFFIC_SECRET_0 ");
    ASSERT_NE(at, std::string::npos);
    const auto secret = text.find(' ', at + 24) + 1;
    text[secret] = text[secret] == '0' ? '1' : '0';
    const std::string path = ::testing::TempDir() + "/wrong.keys";
    std::ofstream(path) << text;
    KeyLog keys;
    std::vector<std::string> warnings;
    std::string error;
    ASSERT_TRUE(keys.loadFile(path, warnings, error));
    Collect sink;
    std::string openError;
    auto source = ks::capture::PacketSource::open(dataPath("tls13_go_ping.pcap"), openError);
    CaptureEngine engine(source->linkType(), sink);
    engine.setKeyLog(std::make_shared<KeyLog>(keys));
    std::int64_t ts;
    std::span<const std::uint8_t> frame;
    while (source->next(ts, frame, openError) == ks::capture::PacketSource::Status::Packet)
        engine.processPacket(ts, frame);
    engine.finish();
    const auto& w = engine.warnings();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("from the server"), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("failed authentication"), std::string::npos) << w[0];
    EXPECT_EQ(engine.summary(0).tls->decryption, "authentication failed");
    for (const auto& e : sink.events)
        EXPECT_FALSE(e.dir == ks::core::Direction::ServerToClient && e.type == EventType::Ping && !e.inferred);
    EXPECT_GT(sink.count(EventType::Headers), 0u); // the client's side still decrypts
}

TEST(TlsCaptures, truncatedHandshakeIsReportedNotGuessed)
{
    const auto run = analyze("tls13_go_ping.pcap", "tls13_go_ping.keys", 4); // SYN, SYN-ACK, ACK, ClientHello
    ASSERT_EQ(run.connections.size(), 1u);
    ASSERT_TRUE(run.connections[0].tls);
    EXPECT_EQ(run.connections[0].tls->version, "");
    EXPECT_EQ(run.connections[0].tls->sni, "ks.example.test");
    EXPECT_TRUE(anyWarningHas(run, "cut short"));
    EXPECT_EQ(run.sink.count(EventType::Ping), 0u);
}

TEST(TlsCaptures, findingsOnInferredPingsSayTheEvidenceIsInferred)
{
    for (const char* keys : { "", "tls13_go_ping.keys" }) {
        SCOPED_TRACE(keys);
        const auto run = analyze("tls13_go_ping.pcap", keys);
        ks::core::FindingsAnalyzer analyzer({});
        for (const auto& e : run.sink.events)
            analyzer.onEvent(e);
        const auto findings = analyzer.finish(run.connections);
        const auto cadence = std::find_if(
            findings.begin(), findings.end(), [](const ks::core::Finding& f) { return f.id == "ping-cadence"; });
        ASSERT_NE(cadence, findings.end());
        EXPECT_NE(cadence->title.find("about every 1.00 s"), std::string::npos) << cadence->title;
        const bool saysInferred = cadence->detail.find("Evidence inferred") != std::string::npos;
        EXPECT_EQ(saysInferred, std::string(keys).empty()) << cadence->detail;
    }
}

TEST(TlsCaptures, tlsAndPlaintextOnOneServerPortAreToldApartPerConnection)
{
    // grpc-go's plaintext capture moved onto the TLS capture's server port (50100 -> 50200), fed
    // to one engine after the TLS one: each connection is recognised from its own first bytes.
    Collect sink;
    CaptureEngine* engine = nullptr;
    std::unique_ptr<CaptureEngine> owner;
    auto keys = std::make_shared<KeyLog>();
    std::vector<std::string> warnings;
    std::string error;
    ASSERT_TRUE(keys->loadFile(dataPath("tls13_go_ping.keys"), warnings, error));
    for (const char* name : { "tls13_go_ping.pcap", "go_ping_healthy.pcap" }) {
        auto source = ks::capture::PacketSource::open(dataPath(name), error);
        ASSERT_TRUE(source) << error;
        ASSERT_EQ(source->linkType(), 1); // Ethernet
        if (!engine) {
            owner = std::make_unique<CaptureEngine>(source->linkType(), sink);
            engine = owner.get();
            engine->setKeyLog(keys);
        }
        std::int64_t ts;
        std::span<const std::uint8_t> frame;
        while (source->next(ts, frame, error) == ks::capture::PacketSource::Status::Packet) {
            std::vector<std::uint8_t> copy(frame.begin(), frame.end());
            const std::size_t tcp = 14 + std::size_t(copy[14] & 0x0f) * 4; // IPv4 on loopback
            for (std::size_t port : { tcp, tcp + 2 })
                if (copy.size() > port + 1 && (copy[port] << 8 | copy[port + 1]) == 50100) {
                    copy[port] = 50200 >> 8;
                    copy[port + 1] = 50200 & 0xff;
                }
            engine->processPacket(ts, copy);
        }
    }
    engine->finish();
    const auto conns = engine->summaries();
    ASSERT_EQ(conns.size(), 2u);
    EXPECT_TRUE(engine->warnings().empty()) << engine->warnings().front();
    ASSERT_TRUE(conns[0].tls);
    EXPECT_EQ(conns[0].tls->decryption, "decrypted");
    EXPECT_FALSE(conns[1].tls);
    EXPECT_EQ(conns[1].server, "127.0.0.1:50200");
    for (const auto& c : conns) {
        EXPECT_TRUE(c.http2);
        EXPECT_GE(c.count(EventType::Ping), 3u);
        EXPECT_EQ(c.count(EventType::Ping), c.count(EventType::PingAck));
    }
    for (const auto& e : sink.events)
        EXPECT_FALSE(e.inferred);
}

TEST(TlsCaptures, tls13Aes256WithTheSha384KeyScheduleDecrypts)
{
    // OpenSSL's s_client offering only TLS_AES_256_GCM_SHA384 to grpc-go: the server's SETTINGS.
    const auto run = analyze("tls13_openssl_aes256.pcap", "tls13_openssl_aes256.keys");
    ASSERT_EQ(run.connections.size(), 1u);
    ASSERT_TRUE(run.connections[0].tls);
    EXPECT_EQ(run.connections[0].tls->cipher, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(run.connections[0].tls->alpn, "h2");
    EXPECT_EQ(run.connections[0].tls->decryption, "decrypted");
    EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
    ASSERT_GE(run.sink.count(EventType::Settings), 1u);
    for (const auto& e : run.sink.events)
        if (e.type == EventType::Settings) {
            EXPECT_EQ(e.dir, ks::core::Direction::ServerToClient);
        }
}

TEST(TlsCaptures, keyUpdatesFromARealPeerDecryptBothWays)
{
    // OpenSSL 3.0's s_client (a raw HTTP/2 client on its stdin) sends KeyUpdate three times
    // between PINGs: twice asking grpc-go to update too (K), once not (k). Every PING after each
    // update is read under the next secret, and so are the server's ACKs and its closing GOAWAY;
    // OpenSSL's CLIENT_TRAFFIC_SECRET_N lines (a literal N) are accepted without a warning.
    // tshark with the same key log agrees (tests/data/captures.json).
    const auto run = analyze("tls13_keyupdate.pcap", "tls13_keyupdate.keys");
    ASSERT_EQ(run.connections.size(), 1u);
    ASSERT_TRUE(run.connections[0].tls);
    EXPECT_EQ(run.connections[0].tls->decryption, "decrypted");
    EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
    std::vector<std::uint64_t> opaque;
    for (const auto& e : run.sink.events) {
        EXPECT_FALSE(e.inferred);
        if (e.type == EventType::Ping && e.dir == ks::core::Direction::ClientToServer)
            opaque.push_back(e.opaque);
    }
    EXPECT_EQ(opaque, (std::vector<std::uint64_t> { 1, 2, 3, 4 }));
    EXPECT_EQ(run.sink.count(EventType::PingAck), 4u);
    ASSERT_EQ(run.sink.count(EventType::Goaway), 1u);
    for (const auto& e : run.sink.events)
        if (e.type == EventType::Goaway) {
            EXPECT_EQ(e.dir, ks::core::Direction::ServerToClient);
            EXPECT_EQ(e.debug, "too_many_pings");
        }
}
