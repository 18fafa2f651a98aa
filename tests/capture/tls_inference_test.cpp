// PING inference without keys, measured against decryption of the same captures: every PING and
// PING ACK the key log reveals is the truth; the inferred events are matched to it by time,
// direction and type. Fails below precision 0.95 or recall 0.9 over all PINGs (issue 11's
// targets), on the captures the size rules were drawn from and, separately, on held-out captures
// made after them (other workloads: C-core's keepalive and BDP PINGs over many RPCs, a Go watch
// stream). "Standalone" PINGs travel alone in their packet, and so do their ACKs (keepalive PINGs
// on an idle connection): recall on those is printed too, beside recall over all PINGs (BDP PINGs
// share a record with WINDOW_UPDATE, PING ACK, HEADERS and DATA frames).
#include "capture/capture_engine.h"
#include "capture/key_log.h"
#include "capture/packet_source.h"
#include "core/findings_analyzer.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

using ks::core::Event;
using ks::core::EventType;

struct Collect final : ks::capture::EventSink {
    std::vector<Event> events;
    void onEvent(const Event& e) override { events.push_back(e); }
};

struct Analysis {
    std::vector<Event> events;
    std::vector<ks::core::ConnectionSummary> connections;
};

Analysis analyze(const std::string& capture, const std::string& keys)
{
    const std::string dir = KS_TEST_DATA_DIR;
    std::string error;
    auto source = ks::capture::PacketSource::open(dir + "/" + capture, error);
    EXPECT_TRUE(source) << error;
    Collect sink;
    if (!source)
        return {};
    ks::capture::CaptureEngine engine(source->linkType(), sink);
    if (!keys.empty()) {
        auto log = std::make_shared<ks::capture::KeyLog>();
        std::vector<std::string> warnings;
        EXPECT_TRUE(log->loadFile(dir + "/" + keys, warnings, error)) << error;
        engine.setKeyLog(log);
    }
    std::int64_t ts = 0;
    std::span<const std::uint8_t> frame;
    while (source->next(ts, frame, error) == ks::capture::PacketSource::Status::Packet)
        engine.processPacket(ts, frame);
    engine.finish();
    return { std::move(sink.events), engine.summaries() };
}

std::vector<Event> eventsOf(const std::string& capture, const std::string& keys)
{
    return analyze(capture, keys).events;
}

using Key = std::tuple<std::int64_t, int, int>; // ts, dir, type

struct Score {
    std::size_t truth = 0, standalone = 0, inferred = 0, matched = 0, matchedStandalone = 0;
    void add(const Score& o)
    {
        truth += o.truth;
        standalone += o.standalone;
        inferred += o.inferred;
        matched += o.matched;
        matchedStandalone += o.matchedStandalone;
    }
    double precision() const { return inferred ? double(matched) / double(inferred) : 0; }
    double recall() const { return truth ? double(matched) / double(truth) : 0; }
    double recallStandalone() const { return standalone ? double(matchedStandalone) / double(standalone) : 0; }
};

Score score(const std::string& capture)
{
    const std::string base = capture.substr(0, capture.rfind('.'));
    const auto truthEvents = eventsOf(capture, base + ".keys");
    const auto inferredEvents = eventsOf(capture, "");
    auto isPing = [](const Event& e) { return e.type == EventType::Ping || e.type == EventType::PingAck; };
    auto key = [](const Event& e) { return Key { e.tsNs, int(e.dir), int(e.type) }; };
    // HTTP/2 frames per packet and direction: a PING with company did not travel alone.
    std::map<std::pair<std::int64_t, int>, int> framesAt;
    for (const auto& e : truthEvents)
        if (e.type >= EventType::Preface && e.type <= EventType::WindowUpdate)
            ++framesAt[{ e.tsNs, int(e.dir) }];
    // Standalone: a PING alone in its packet whose ACK is alone in its packet too.
    std::set<Key> truth, standalone;
    std::map<std::uint64_t, const Event*> pingByIndex;
    for (const auto& e : truthEvents) {
        if (!isPing(e))
            continue;
        truth.insert(key(e));
        if (e.type == EventType::Ping) {
            pingByIndex[e.index] = &e;
            continue;
        }
        const auto ping
            = e.pingIndex >= 0 ? pingByIndex.find(static_cast<std::uint64_t>(e.pingIndex)) : pingByIndex.end();
        if (ping != pingByIndex.end() && framesAt[{ e.tsNs, int(e.dir) }] == 1
            && framesAt[{ ping->second->tsNs, int(ping->second->dir) }] == 1) {
            standalone.insert(key(e));
            standalone.insert(key(*ping->second));
        }
    }
    Score s;
    s.truth = truth.size();
    s.standalone = standalone.size();
    for (const auto& e : inferredEvents) {
        if (!isPing(e))
            continue;
        EXPECT_TRUE(e.inferred);
        ++s.inferred;
        s.matched += truth.count(key(e));
        s.matchedStandalone += standalone.count(key(e));
    }
    return s;
}

Score measure(const char* label, const std::vector<std::string>& captures)
{
    Score total;
    for (const auto& c : captures) {
        const Score s = score(c);
        std::printf("  %-30s truth %3zu (standalone %3zu)  inferred %3zu  matched %3zu\n", c.c_str(), s.truth,
            s.standalone, s.inferred, s.matched);
        total.add(s);
    }
    std::printf("%s: precision %.3f (%zu of %zu), recall %.3f on standalone PINGs, %.3f on all PINGs (%zu of %zu)\n",
        label, total.precision(), total.matched, total.inferred, total.recallStandalone(), total.recall(),
        total.matched, total.truth);
    return total;
}

// Issue 11's targets: precision 0.95, recall 0.9 over all PINGs (and 0.9 on standalone ones).
void expectTargets(const char* label, const Score& total)
{
    EXPECT_GE(total.truth, 20u) << label << ": too few PINGs to measure";
    EXPECT_GE(total.precision(), 0.95) << label;
    EXPECT_GE(total.recall(), 0.9) << label;
    EXPECT_GE(total.recallStandalone(), 0.9) << label;
}

void check(const char* label, const std::vector<std::string>& captures)
{
    expectTargets(label, measure(label, captures));
}

} // namespace

// Tuning: the captures the rules were drawn from or checked against while they were written
// (the first held-out round, lab_tls13_bidi, tls12_go_watch and tls12_core_rapid, included: the
// generalisation to compositions of frame sizes was made after looking at its misses).
TEST(TlsPingInference, tls13MeetsPrecisionAndRecallTargetsAgainstDecryption)
{
    check("TLS 1.3",
        { "tls13_go_ping.pcap", "tls13_go_chacha.pcap", "tls13_too_many_pings.pcap", "tls_connect_proxy.pcap",
            "tls13_core_rpcs.pcap", "tls13_go_watch.pcap", "tls13_core_server.pcap", "lab_tls13_unary.pcap",
            "lab_tls13_stream.pcap", "lab_tls13_bidi.pcap" });
}

TEST(TlsPingInference, tls12MeetsPrecisionAndRecallTargetsAgainstDecryption)
{
    check("TLS 1.2",
        { "tls12_go_aes128gcm.pcap", "tls12_go_aes256gcm.pcap", "tls12_go_chacha.pcap", "tls12_core_rpcs.pcap",
            "tls12_core_server.pcap", "tls12_go_watch.pcap", "tls12_core_rapid.pcap" });
}

// Held out: captures made after the rules were written, in rounds (make_tls_captures.sh), each
// measured first with the rules of its day. Round 2 was made after the rules were generalised to
// compositions of frame sizes: keepalive settings, stream shapes, cipher suites and a stack
// (nghttp2's nghttpd answering) none of the tuning captures has; its first measurement gave TLS
// 1.3 precision 0.979 (a GOAWAY without debug data at the PING cadence, answered by close_notify,
// taken for an unanswered PING), and the alert rule that fixed it came after, so its TLS 1.3
// captures are no longer unseen (its TLS 1.2 figures did not change). Round 3 was made after that
// fix and never tuned on: closes of every kind (grpc-go's MaxConnectionAge and MaxConnectionIdle,
// ENHANCE_YOUR_CALM over TLS 1.2) and other cadences. Round 4, with the same rules: grpc-go both
// sides (quick calls, then a watch stream), C-core's quick calls to a pinging grpc-go, a C-core
// server with a Go client preferring ChaCha20 (TLS 1.3), C-core through tinyproxy over TLS 1.2.
// The targets hold per TLS version over all
// held-out PINGs; each round is printed on its own (the README gives both).
TEST(TlsPingInference, heldOutCapturesMeetTargetsAgainstDecryption)
{
    Score tls13 = measure("TLS 1.3 held out, round 2", { "tls13_core_watch_chacha.pcap", "tls13_nghttpd_pings.pcap" });
    tls13.add(measure("TLS 1.3 held out, round 3", { "tls13_core_max_age.pcap" }));
    tls13.add(measure("TLS 1.3 held out, round 4", { "tls13_go_watch_rpcs.pcap", "tls13_core_server_chacha.pcap" }));
    Score tls12
        = measure("TLS 1.2 held out, round 2", { "tls12_core_watch_aes128.pcap", "tls12_core_server_chacha.pcap" });
    tls12.add(measure("TLS 1.2 held out, round 3",
        { "tls12_go_max_idle.pcap", "tls12_core_too_many_pings.pcap", "tls12_nghttpd_pings.pcap" }));
    tls12.add(measure("TLS 1.2 held out, round 4", { "tls12_core_quick_calls.pcap", "tls12_core_proxy.pcap" }));
    std::printf("TLS 1.3 held out: precision %.3f, recall %.3f (%zu of %zu)\n", tls13.precision(), tls13.recall(),
        tls13.matched, tls13.truth);
    std::printf("TLS 1.2 held out: precision %.3f, recall %.3f (%zu of %zu)\n", tls12.precision(), tls12.recall(),
        tls12.matched, tls12.truth);
    expectTargets("TLS 1.3 held out", tls13);
    expectTargets("TLS 1.2 held out", tls12);
}

// Held out, fifth round: HTTP/2 with no PING at all (curl fetching 3- to 300-byte files from
// nghttpd: DATA frames and small responses of PING-like sizes, back to back, paced, one request
// per connection). Made after the rule that a record of unknown shape needs room for a PING and
// another frame (a hand-made capture of the same kind had drawn 38 false PINGs and their ACKs
// from request HEADERS answered by 30-byte responses). The decrypted truth has no PING; nothing
// may be inferred.
TEST(TlsPingInference, httpTrafficWithoutPingsInfersNone)
{
    for (const char* name : { "tls13_curl_nghttpd", "tls12_curl_nghttpd" }) {
        SCOPED_TRACE(name);
        const std::string base = name;
        const Score s = score(base + ".pcap");
        std::printf("  %-30s truth %3zu  inferred %3zu\n", name, s.truth, s.inferred);
        EXPECT_EQ(s.truth, 0u) << "the capture should hold no PING";
        EXPECT_EQ(s.inferred, 0u);
        const auto decrypted = eventsOf(base + ".pcap", base + ".keys");
        EXPECT_GE(
            std::count_if(decrypted.begin(), decrypted.end(), [](const Event& e) { return e.type == EventType::Data; }),
            40);
    }
}

// What the findings say about keepalive PINGs without keys is what they say with them: an
// inferred PING that shared its record with WINDOW_UPDATEs is a BDP PING, not a keepalive one
// (grpc-go's watch streams: without this, "the client's keepalive PINGs stopped" was claimed of
// BDP PINGs the decrypted capture shows as such). PING round-trip figures may differ.
TEST(TlsPingInference, findingsWithoutKeysClaimNoKeepaliveCadenceTheDecryptedCaptureLacks)
{
    auto findings = [](const std::string& capture, const std::string& keys) {
        const Analysis r = analyze(capture, keys);
        ks::core::FindingsAnalyzer analyzer({});
        for (const auto& e : r.events)
            analyzer.onEvent(e);
        std::set<std::string> out;
        for (const auto& f : analyzer.finish(r.connections))
            // "The client sends keepalive PINGs" / "The server sends ..." / "The client's keepalive
            // PINGs stopped for 4.64 s": the stop and its length must agree, the cadence figure may
            // not (a C-core client's lone BDP PINGs, irregular between its keepalive ones, are
            // decoded with keys but only partly inferred without).
            if (f.id != "ping-rtt")
                out.insert(f.id + " " + f.title.substr(0, std::min(f.title.find(" about"), f.title.find(" (cadence"))));
        return out;
    };
    int checked = 0;
    for (const char* name : { "tls13_go_watch", "tls12_go_watch", "tls13_go_ping", "tls13_core_rpcs", "tls12_core_rpcs",
             "lab_tls13_bidi", "tls13_go_watch_rpcs", "tls12_core_quick_calls", "tls13_too_many_pings" }) {
        SCOPED_TRACE(name);
        const std::string base = name;
        const auto decrypted = findings(base + ".pcap", base + ".keys");
        for (const auto& f : findings(base + ".pcap", "")) {
            if (f.rfind("keepalive", 0) == 0 || f.rfind("ping-cadence", 0) == 0) {
                EXPECT_TRUE(decrypted.count(f)) << "without keys only: " << f;
                ++checked;
            }
        }
    }
    EXPECT_GE(checked, 5);
}
