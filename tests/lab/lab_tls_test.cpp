// The lab over TLS, end to end on loopback: the embedded grpc++ server serves TLS with the
// certificate made at start, the channel trusts it and writes its key log, and the lab's own
// capture decrypts the channel's PINGs live with that key log (they are read, not inferred). The
// too_many_pings GOAWAY, which no record size could reveal, is read with its debug text.
#include "lab_run.h"

#include "capture/live_capture.h"
#include "core/lab/lab_runner.h"
#include "core/lab/self_signed_cert.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace ks::test {
namespace {

using core::Direction;
using core::EventType;
using core::RpcPattern;
using core::SettingSide;

TEST(LabTls, embeddedServerOverTlsIsDecryptedLiveWithTheRunsKeyLog)
{
    auto ex = experiment(RpcPattern::Stream);
    ex.target.tls = true;
    set(ex, SettingSide::Client, "keepalive_time_ms", 1000);
    set(ex, SettingSide::Client, "keepalive_timeout_ms", 1000);
    set(ex, SettingSide::Client, "max_pings_without_data", 0);
    set(ex, SettingSide::Server, "min_ping_interval_without_data_ms", 300000);
    const auto r = runLab(ex, 6);
    ASSERT_TRUE(r.error.empty()) << r.error;
    if (!r.capturing)
        GTEST_SKIP() << "no live capture on lo: " << r.captureWarning;

    // The channel's first connection (the one the GOAWAY ends; the channel reconnects after it)
    // is TLS 1.3 with h2, and it was decrypted.
    const core::ConnectionSummary* channel = nullptr;
    const std::string port = std::to_string(r.channelPort);
    for (const auto& c : r.connections)
        if (!channel && c.tls && c.server.size() > port.size() && c.server.ends_with(port)
            && c.server[c.server.size() - port.size() - 1] == ':')
            channel = &c;
    ASSERT_NE(channel, nullptr) << r.dump();
    EXPECT_EQ(channel->tls->version, "TLS 1.3");
    // The ALPN answer is in the encrypted handshake, met before the lab's key log has the
    // session's line: the session holds its records until it does, so the EncryptedExtensions is
    // read too. C-core's server selects grpc-exp from the channel's offer (grpc-exp, h2), as
    // tshark shows on tests/data/lab_tls13_unary.pcap.
    EXPECT_EQ(channel->tls->alpn, "grpc-exp");
    EXPECT_EQ(channel->tls->decryption, "decrypted");
    EXPECT_TRUE(channel->http2);

    // PINGs read from the decrypted frames: opaque data present, none inferred, ACKs paired.
    const auto pings = r.channelEvents(EventType::Ping, Direction::ClientToServer);
    const auto acks = r.channelEvents(EventType::PingAck, Direction::ServerToClient);
    ASSERT_GE(pings.size(), 3u) << r.dump();
    ASSERT_GE(acks.size(), 3u) << r.dump();
    for (const auto* p : pings)
        EXPECT_FALSE(p->inferred) << r.dump();
    for (const auto* a : acks) {
        EXPECT_FALSE(a->inferred);
        EXPECT_GE(a->rttMs, 0.0) << "a decrypted PING ACK is paired with its PING";
    }
    // And what only decryption shows: the server's GOAWAY with its code and debug text.
    bool calm = false;
    for (const auto* g : r.channelEvents(EventType::Goaway, Direction::ServerToClient))
        calm = calm || (g->errorCode == 0xb && g->debug == "too_many_pings");
    EXPECT_TRUE(calm) << r.dump();
}

TEST(LabTls, everyTlsRunWritesItsKeyLogAndATemporaryOneGoesWithTheRun)
{
    auto ex = experiment(RpcPattern::Unary);
    ex.target.tls = true;
    ex.rpc.intervalS = 0.2;
    std::string keyLog, certificate;
    {
        capture::LiveCapture tap;
        core::lab::LabRunner lab(ex, &tap);
        ASSERT_EQ(lab.start(), "");
        keyLog = lab.keyLogPath();
        certificate = lab.certificatePath();
        ASSERT_FALSE(keyLog.empty());
        // grpc++ writes the secrets as the channel handshakes (lines end in CR in grpc++ 1.51).
        std::string text;
        for (int i = 0; i < 100 && text.find("CLIENT_TRAFFIC_SECRET_0 ") == std::string::npos; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            std::ifstream in(keyLog, std::ios::binary);
            std::ostringstream s;
            s << in.rdbuf();
            text = s.str();
        }
        EXPECT_NE(text.find("CLIENT_TRAFFIC_SECRET_0 "), std::string::npos) << keyLog;
        EXPECT_NE(text.find("SERVER_TRAFFIC_SECRET_0 "), std::string::npos) << keyLog;
        std::ifstream pem(certificate);
        std::string first;
        std::getline(pem, first);
        EXPECT_EQ(first, "-----BEGIN CERTIFICATE-----");
        lab.stop();
    }
    EXPECT_FALSE(std::filesystem::exists(keyLog)) << "the run's temporary key log is removed with it";

    // A key log the user named is kept.
    const auto kept = std::filesystem::temp_directory_path() / ("ks-lab-keys-" + std::to_string(::getpid()) + ".log");
    ex.target.keyLogFile = kept.string();
    {
        capture::LiveCapture tap;
        core::lab::LabRunner lab(ex, &tap);
        ASSERT_EQ(lab.start(), "");
        // Until the handshake wrote its secrets (bounded: 10 s on a loaded machine), not a fixed sleep.
        std::error_code ec;
        for (int i = 0; i < 200 && std::filesystem::file_size(kept, ec) <= 100; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        lab.stop();
    }
    EXPECT_TRUE(std::filesystem::exists(kept));
    EXPECT_GT(std::filesystem::file_size(kept), 100u);
    std::filesystem::remove(kept);
}

TEST(LabTls, aKeyThatIsNotTheCertificatesStopsTheStartWithAReason)
{
    auto ex = experiment(RpcPattern::Idle);
    ex.target.tls = true;
    const auto dir = std::filesystem::temp_directory_path() / ("ks-lab-bad-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "cert.pem") << "not a certificate\n";
    std::ofstream(dir / "key.pem") << "not a key\n";
    ex.target.certFile = (dir / "cert.pem").string();
    ex.target.keyFile = (dir / "key.pem").string();
    capture::LiveCapture tap;
    core::lab::LabRunner lab(ex, &tap);
    const std::string error = lab.start();
    EXPECT_NE(
        error.find("target.cert_file: " + (dir / "cert.pem").string() + " is not a PEM certificate"), std::string::npos)
        << error;
    ex.target.certFile = (dir / "missing.pem").string();
    core::lab::LabRunner missing(ex, &tap);
    EXPECT_NE(missing.start().find("target.cert_file: cannot read"), std::string::npos);

    // Two real pairs: one's certificate with the other's key is refused; a matching pair serves.
    core::lab::CertificatePair a, b;
    ASSERT_EQ(core::lab::makeSelfSignedCertificate(a), "");
    ASSERT_EQ(core::lab::makeSelfSignedCertificate(b), "");
    std::ofstream(dir / "a.pem") << a.certPem;
    std::ofstream(dir / "a.key") << a.keyPem;
    std::ofstream(dir / "b.key") << b.keyPem;
    ex.target.certFile = (dir / "a.pem").string();
    ex.target.keyFile = (dir / "b.key").string();
    core::lab::LabRunner mismatched(ex, &tap);
    EXPECT_NE(mismatched.start().find("is not the private key of the TLS certificate"), std::string::npos);
    ex.target.keyFile = (dir / "a.key").string();
    core::lab::LabRunner good(ex, nullptr);
    EXPECT_EQ(good.start(), "");
    EXPECT_EQ(good.certificatePath().empty(), false);
    good.stop();
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace ks::test
