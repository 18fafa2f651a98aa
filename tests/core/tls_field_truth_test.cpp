// False facts a field tester found in TLS analysis (with and without key logs), each checked on a
// capture made by real peers (tests/data/make_tls_captures.sh, "field tester's captures") against
// the truth the key log reveals (tshark with the same key log agrees: captures.json).
#include "analyzed_capture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace {

using ks::core::Direction;
using ks::core::Event;
using ks::core::EventType;
using ks::test::analyzeCapture;

std::size_t countType(const ks::test::AnalyzedCapture& a, EventType t)
{
    return static_cast<std::size_t>(
        std::count_if(a.events.begin(), a.events.end(), [t](const Event& e) { return e.type == t; }));
}

bool isPing(const Event& e)
{
    return e.type == EventType::Ping || e.type == EventType::PingAck;
}

} // namespace

// D4. TLS that is not HTTP/2 (openssl s_server -rev echoing 17-byte lines once a second): ALPN
// http/1.1 in the TLS 1.2 ServerHello (in clear), or a TLS 1.3 ClientHello offering no ALPN.
// RFC 9113 section 3.2: h2 over TLS is chosen by ALPN, so these records are no HTTP/2 frames and
// no PING may be inferred from them (it was: 8 PINGs, "keepalive PINGs stopped" with settings).
// D10: the same lines under ALPN h2 (both sides offer it): the client's first record is shorter
// than the 24-byte connection preface every HTTP/2 client starts with (RFC 9113 section 3.4).
TEST(TlsFieldTruth, tlsThatIsNotHttp2GetsNoInferredPingsNorKeepaliveFindings)
{
    for (const char* name : { "tls12_openssl_http11", "tls13_openssl_noalpn", "tls13_openssl_h2alpn_lines" }) {
        SCOPED_TRACE(name);
        const std::string base = name;
        const auto keyed = analyzeCapture(base + ".pcap", {}, base + ".keys");
        ASSERT_EQ(keyed.connections.size(), 1u);
        EXPECT_EQ(countType(keyed, EventType::Ping), 0u) << "the decrypted truth has no PING";
        const auto blind = analyzeCapture(base + ".pcap");
        ASSERT_EQ(blind.connections.size(), 1u);
        EXPECT_EQ(countType(blind, EventType::Ping), 0u);
        EXPECT_EQ(countType(blind, EventType::PingAck), 0u);
        EXPECT_TRUE(blind.findings.empty()) << blind.findings.front().id << ": " << blind.findings.front().title;
    }
}

// D2. Keepalive PINGs that never stopped: a C-core server pinging every 1 s beside a grpc-go
// bidi stream (its BDP PINGs ride with WINDOW_UPDATEs), and a C-core client with concurrent
// calls. Without keys the BDP-shaped PINGs were dropped from the keepalive set and the hole
// called "stopped ... until the close" although PINGs came after it. With keys there is no such
// finding; without keys there must be none either (the same events).
TEST(TlsFieldTruth, keepalivePingsThatNeverStoppedAreNotSaidToStop)
{
    for (const char* name : { "tls13_core_server_bidi", "tls13_core_client_conc" }) {
        SCOPED_TRACE(name);
        const std::string base = name;
        const auto keyed = analyzeCapture(base + ".pcap", {}, base + ".keys");
        EXPECT_TRUE(keyed.of("keepalive-pings-stopped").empty());
        const auto blind = analyzeCapture(base + ".pcap");
        EXPECT_GE(countType(blind, EventType::Ping), 10u);
        for (const auto& f : blind.of("keepalive-pings-stopped"))
            ADD_FAILURE() << "without keys: " << f.title << " -- " << f.detail;
    }
}

// D6. The same server capture cut 1.5 s in (editcap -A: no handshake, so no handshake round
// trip): the answer window fell back to 2 s and paired the server's BDP PING ACKs with the
// client's next 8-byte DATA frame 120 ms later (12 false PINGs, "PING round trip 120 ms"). The
// TCP data -> ACK time in the capture bounds it now. Truth: the decrypted full capture.
TEST(TlsFieldTruth, midConnectionCaptureBoundsThePingAnswerByTheTcpRoundTrip)
{
    const auto full = analyzeCapture("tls13_core_server_bidi.pcap", {}, "tls13_core_server_bidi.keys");
    const auto mid = analyzeCapture("tls13_core_server_bidi_mid.pcap");
    ASSERT_FALSE(mid.events.empty());
    std::set<std::tuple<std::int64_t, int, int>> truth;
    for (const auto& e : full.events)
        if (isPing(e))
            truth.insert({ e.tsNs, int(e.dir), int(e.type) });
    std::size_t inferred = 0, matched = 0;
    for (const auto& e : mid.events) {
        if (!isPing(e))
            continue;
        ++inferred;
        EXPECT_TRUE(e.inferred);
        matched += truth.count({ e.tsNs, int(e.dir), int(e.type) });
        if (e.type == EventType::PingAck) {
            EXPECT_LT(e.rttMs, 5.0) << "a PING answered " << e.rttMs << " ms later on loopback";
        }
    }
    std::printf("mid-connection: %zu inferred, %zu match the decrypted full capture\n", inferred, matched);
    EXPECT_GE(inferred, 6u) << "the server's keepalive PINGs after the cut (1.903, 2.904, 3.905 s) and their ACKs";
    EXPECT_EQ(matched, inferred);
}

// D3. With keys, C-core's BDP PINGs (WINDOW_UPDATE, WINDOW_UPDATE, PING in one record) were
// counted as keepalive PINGs: "The server sends keepalive PINGs about every 595.8 ms" for a
// keepalive_time of 1000 ms (tshark with the key log: the lone PINGs at 3.436, 4.437, 5.438 s are
// 1.000 s apart). The no-key path's composition rule (a PING beside WINDOW_UPDATEs is BDP) now
// applies to decoded PINGs too, and both paths give the same cadence.
// The same scenario regenerated (tls13_core_server_lone_bdp): C-core also sent BDP PINGs alone
// while the stream ran (tshark: lone PINGs at 1.051, 1.468, 2.064, 2.661 s, 0.4-0.6 s apart, no
// WINDOW_UPDATE beside them; opaque values from the keepalive counter), then keepalive PINGs
// 1.000 s apart once idle (3.449, 4.450, 5.451 s). With keys this was "every 788.0 ms"; the
// cadence is now measured on the intervals with no call data between their PINGs.
TEST(TlsFieldTruth, cCoreBdpPingsBesideWindowUpdatesAreNotKeepaliveCadence)
{
    for (const char* keys : { "tls13_core_server_bidi.keys", "", "tls13_core_server_lone_bdp.keys", "-" }) {
        const std::string name = std::string(keys).find("lone") != std::string::npos || *keys == '-'
            ? "tls13_core_server_lone_bdp"
            : "tls13_core_server_bidi";
        SCOPED_TRACE(name + (*keys && *keys != '-' ? " with keys" : " without keys"));
        const auto a = analyzeCapture(name + ".pcap", {}, *keys == '-' ? "" : keys);
        std::size_t server = 0;
        for (const auto& f : a.of("ping-cadence")) {
            if (f.title.find("The server") != 0)
                continue;
            ++server;
            EXPECT_NEAR(f.figure, 1.0, 0.05) << f.title;
        }
        EXPECT_EQ(server, 1u);
    }
}

// The same rule on plaintext C-core captures: its first BDP PING rides in one TCP segment with a
// SETTINGS ACK and a WINDOW_UPDATE (tshark: frame types 4,8,6); keepalive PINGs go alone.
TEST(TlsFieldTruth, plaintextCCorePingBesideWindowUpdateIsMarkedBdp)
{
    for (const char* name : { "core_server_max_idle.pcap", "core_server_stop.pcap", "core_ping_healthy.pcap" }) {
        SCOPED_TRACE(name);
        const auto a = analyzeCapture(name);
        std::size_t beside = 0, lone = 0;
        for (std::size_t i = 0; i < a.events.size(); ++i) {
            const auto& e = a.events[i];
            if (e.type != EventType::Ping)
                continue;
            const bool afterWu = i > 0 && a.events[i - 1].type == EventType::WindowUpdate
                && a.events[i - 1].tsNs == e.tsNs && a.events[i - 1].dir == e.dir;
            EXPECT_EQ(e.besideWindowUpdates, afterWu) << "PING event " << i;
            (afterWu ? beside : lone) += 1;
        }
        std::printf("%s: %zu PINGs beside a WINDOW_UPDATE, %zu alone\n", name, beside, lone);
        EXPECT_EQ(beside, std::string(name) == "core_ping_healthy.pcap" ? 0u : 1u);
    }
}

// D5. A key log with the session (client random) but without one direction's TLS 1.3 traffic
// secret (copied while the peer was still writing it). Truth, with the whole key log (tshark
// agrees): per connection 4 PINGs answered by nghttpd, and the client's GOAWAY NO_ERROR. Without
// the server's secret it was "the server never answered as an HTTP/2 server" and "the PING went
// unanswered"; without the client's, "closed without GOAWAY". Nothing may be said of frames in
// the direction that could not be read, and the connection names the missing line.
TEST(TlsFieldTruth, keyLogWithoutOneDirectionsSecretClaimsNothingOfThatDirection)
{
    const auto whole = analyzeCapture("tls13_nghttpd_resume.pcap", {}, "tls13_nghttpd_resume.keys");
    ASSERT_EQ(whole.connections.size(), 2u);
    EXPECT_EQ(countType(whole, EventType::PingAck), 8u);
    EXPECT_EQ(countType(whole, EventType::Goaway), 2u);
    const struct {
        const char* keys;
        std::int8_t unread;
        const char* line;
    } cases[] = { { "tls13_nghttpd_resume_nosrv0.keys", 1, "SERVER_TRAFFIC_SECRET_0" },
        { "tls13_nghttpd_resume_nocli0.keys", 0, "CLIENT_TRAFFIC_SECRET_0" } };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.keys);
        const auto a = analyzeCapture("tls13_nghttpd_resume.pcap", {}, c.keys);
        ASSERT_EQ(a.connections.size(), 2u);
        for (const auto& conn : a.connections) {
            ASSERT_TRUE(conn.tls);
            EXPECT_EQ(conn.tls->unreadDir, c.unread);
            EXPECT_EQ(conn.tls->missingSecret, c.line);
            EXPECT_EQ(conn.endDetail.find("GOAWAY"), std::string::npos) << conn.endDetail;
            EXPECT_NE(conn.endDetail.find("one direction's secret"), std::string::npos) << conn.endDetail;
        }
        for (const auto& f : a.findings) {
            EXPECT_NE(f.id, "peer-not-http2") << f.title;
            EXPECT_NE(f.id, "keepalive-timeout") << f.title;
            EXPECT_FALSE(f.id.starts_with("end-")) << f.id << ": " << f.title;
            EXPECT_EQ(f.detail.find("read without keys"), std::string::npos) << f.id << ": " << f.detail;
        }
        // What was read is still read: the decrypted direction's frames.
        const auto readDir = c.unread == 1 ? Direction::ClientToServer : Direction::ServerToClient;
        EXPECT_GE(std::count_if(a.events.begin(), a.events.end(),
                      [&](const Event& e) { return isPing(e) && e.dir == readDir && !e.inferred; }),
            8);
    }
}

// D1. A grpc-go bidi stream of 3-byte messages every 100 ms, echoed (8-byte DATA frames, a PING
// frame's size), the client with no keepalive at all. Without keys this was "the client sends
// keepalive PINGs every 101 ms" and a warning "keepalive PINGs stopped" with settings to change;
// the decrypted truth has no client keepalive PING. No gRPC keepalive pings that often, so no
// warning and no settings advice rests on such inferred PINGs, and what is said is said inferred.
TEST(TlsFieldTruth, inferredPingsFasterThanAnyKeepaliveGetNoWarningNorAdvice)
{
    const auto keyed = analyzeCapture("tls13_go_bidi_tiny.pcap", {}, "tls13_go_bidi_tiny.keys");
    EXPECT_GE(countType(keyed, EventType::Data), 60u);
    for (const auto& f : keyed.of("ping-cadence"))
        EXPECT_NE(f.title.find("The server"), std::string::npos) << "with keys the client has no cadence: " << f.title;
    const auto blind = analyzeCapture("tls13_go_bidi_tiny.pcap");
    EXPECT_GE(countType(blind, EventType::Ping), 20u) << "the 8-byte DATA exchanges are still PING-sized";
    for (const auto& f : blind.findings) {
        EXPECT_EQ(f.severity, ks::core::Severity::Info) << f.id << ": " << f.title;
        EXPECT_TRUE(f.changes.empty()) << f.id << ": " << f.title;
        EXPECT_EQ(f.title.find("sends keepalive PINGs about every 10"), std::string::npos) << f.title;
        EXPECT_NE(f.detail.find("inferred"), std::string::npos) << f.id << ": " << f.detail;
    }
}

// D13. A C-core client trusting another CA than the one that signed the grpc-go server's
// certificate gives up in the TLS 1.3 handshake, three times: no HTTP/2 frame either way. With the
// key log it was "graceful: the client closed (FIN) 8.8 ms after the last frame, with no RPC
// open": there was no frame; the end now says none came and that no gRPC ran on it.
TEST(TlsFieldTruth, aHandshakeTheClientGaveUpIsNoLastFrame)
{
    const auto a = analyzeCapture("tls13_client_rejects_cert.pcap", {}, "tls13_client_rejects_cert.keys");
    std::size_t gaveUp = 0;
    for (const auto& c : a.connections) {
        const std::string detail = c.endDetail.str();
        EXPECT_EQ(detail.find("after the last frame"), std::string::npos) << detail;
        if (detail.find("before any HTTP/2 frame: no gRPC ran on this connection") != std::string::npos)
            ++gaveUp;
    }
    EXPECT_GE(gaveUp, 2u);
    EXPECT_EQ(countType(a, EventType::Preface), 0u);
}

// D14. h2load to nghttpd over TLS 1.3: 200 GETs of an 8-byte file, then (a second connection)
// 200 POSTs of a 3-byte body. Each POST is one record of HEADERS + DATA, 34 bytes of frames (two
// PING frames' size), each response 30 (a PING and a WINDOW_UPDATE's); the GET responses are 34
// too. The decrypted truth (tshark with the key log agrees) has no PING at all; without keys the
// POSTs chained into 199 PINGs and 199 ACKs ("PING round trip 0.045 ms"). A record with one
// PING frame answering one with two is that PING's ACK, never a PING of its own.
TEST(TlsFieldTruth, smallRequestsOfPingSizesAreNoPings)
{
    const auto keyed = analyzeCapture("tls13_h2load_post.pcap", {}, "tls13_h2load_post.keys");
    ASSERT_EQ(keyed.connections.size(), 2u);
    EXPECT_EQ(countType(keyed, EventType::Ping), 0u);
    EXPECT_GE(countType(keyed, EventType::Data), 400u);
    const auto blind = analyzeCapture("tls13_h2load_post.pcap");
    EXPECT_EQ(countType(blind, EventType::Ping), 0u);
    EXPECT_EQ(countType(blind, EventType::PingAck), 0u);
    EXPECT_TRUE(blind.of("ping-rtt").empty());
}

// D8. grpc-go MaxConnectionAge 3 s (grace 1 s) with keepalive Time 1 s: at max age one record
// holds GOAWAY without debug data (17 bytes, a PING frame's size) and grpc-go's GOAWAY PING
// (tshark: types 7, 6 at 2.806569 s; the keepalive PINGs at 1.4198 and 2.4214 s). Without keys
// the record was read as a keepalive PING: "the server's inferred PING-sized exchanges come about
// every 693.4 ms". Its PING is still inferred, but as no keepalive one: no cadence either way.
TEST(TlsFieldTruth, goawayPingAtMaxAgeIsNoKeepaliveCadence)
{
    const auto keyed = analyzeCapture("tls13_go_max_age_ping.pcap", {}, "tls13_go_max_age_ping.keys");
    std::int64_t goawayPingNs = 0;
    for (const auto& e : keyed.events)
        if (e.conn == 0 && e.type == EventType::Ping && e.opaque == 0x0106010800030309ULL)
            goawayPingNs = e.tsNs;
    ASSERT_NE(goawayPingNs, 0) << "grpc-go's GOAWAY PING";
    EXPECT_TRUE(keyed.of("ping-cadence", 0).empty());
    const auto blind = analyzeCapture("tls13_go_max_age_ping.pcap");
    EXPECT_TRUE(std::any_of(blind.events.begin(), blind.events.end(), [&](const Event& e) {
        return e.type == EventType::Ping && e.tsNs == goawayPingNs && e.inferred;
    })) << "the GOAWAY PING is still inferred";
    for (const char* id : { "ping-cadence", "inferred-ping-pace", "keepalive-pings-stopped" })
        for (const auto& f : blind.of(id, 0))
            ADD_FAILURE() << "without keys: " << f.title;
}

// D7. A C-core client (keepalive 1 s) and a grpc-go server (keepalive Time 1 s) on an idle TLS
// 1.3 connection: every 2 s both timers fire together and the PINGs cross (tshark: server PING,
// client PING, then the two ACKs, within 0.5 ms). Without keys the server's ACK of the crossing
// PING was read as a second server PING: "the server sends keepalive PINGs about every 1.50 s";
// with keys it is 2.00 s. What the inference says of each side's cadence is what the keys say,
// and it claims no stop.
// Made again (_client): a crossing where the client's PING hid; its cadence read 2.00 s without
// keys for 1.50 s with them.
TEST(TlsFieldTruth, crossingKeepalivePingsGiveNoFalseCadence)
{
    for (const std::string name : { "tls13_core_go_crossing", "tls13_core_go_crossing_client" }) {
        SCOPED_TRACE(name);
        const auto keyed = analyzeCapture(name + ".pcap", {}, name + ".keys");
        const auto blind = analyzeCapture(name + ".pcap");
        std::map<std::string, double> truth;
        for (const auto& f : keyed.of("ping-cadence"))
            truth[f.title.substr(0, 10)] = f.figure;
        ASSERT_EQ(truth.size(), 2u) << "both sides ping";
        std::size_t said = 0;
        for (const auto& f : blind.of("ping-cadence")) {
            ASSERT_TRUE(truth.count(f.title.substr(0, 10))) << f.title;
            EXPECT_NEAR(f.figure, truth[f.title.substr(0, 10)], 0.05 * truth[f.title.substr(0, 10)]) << f.title;
            ++said;
        }
        EXPECT_GE(said, 1u);
        EXPECT_TRUE(blind.of("keepalive-pings-stopped").empty());
        EXPECT_TRUE(blind.of("inferred-ping-pace").empty());
    }
}

// D2, the rest. grpc-go both sides over TLS 1.3 in a network namespace whose input drops 12 % of
// packets at random (nft): the server pinged every 1 s to the end (tshark with the key log:
// 6.149, 7.151, 8.437, 9.725 s), but two ACKs came late, after retransmissions, so those PINGs
// are not inferred. Without keys that hole was "the server's keepalive PINGs stopped for 3.58 s".
// The wire carried records all through it: no stop is said from inferred PINGs then.
TEST(TlsFieldTruth, pingsMissedAfterRetransmissionsAreNoStop)
{
    const auto keyed = analyzeCapture("tls13_go_loss.pcap", {}, "tls13_go_loss.keys");
    EXPECT_TRUE(keyed.of("keepalive-pings-stopped").empty());
    const auto blind = analyzeCapture("tls13_go_loss.pcap");
    ASSERT_EQ(blind.connections.size(), 1u);
    EXPECT_GT(blind.conn(0).rare().retransmissions[0] + blind.conn(0).rare().retransmissions[1], 5u);
    EXPECT_GE(countType(blind, EventType::Ping), 8u);
    for (const auto& f : blind.of("keepalive-pings-stopped"))
        ADD_FAILURE() << "without keys: " << f.title << " -- " << f.detail;
}
