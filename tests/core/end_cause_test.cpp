// How connections end, on captures made by real peers (grpc-go, gRPC C-core, the lab's
// load-balancer simulator and a dropping proxy; tests/data/make_captures.sh): one test per end
// cause, the two legs of a proxy paired, the idle timer inferred within 2 % of the simulator's
// 2.0 s, and the healthy captures ending gracefully with no warning.
#include "analyzed_capture.h"
#include "core/findings_analyzer.h"
#include "core/lb_catalogue.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace ks::core;

namespace {

constexpr double kSimulatorTimerS = 2.0; // make_captures.sh: ks_lbsim ... 2.0 ...

using Ended = ks::test::AnalyzedCapture;

Ended analyze(const std::string& name, std::optional<KeepaliveSettings> settings = {})
{
    return ks::test::analyzeCapture(name, AnalyzerOptions { {}, std::move(settings) });
}

// Every troubled end has a warning or error citing its connection; graceful and open ones none
// of their own.
void expectEveryTroubledEndHasAFinding(const Ended& r, const std::string& name)
{
    for (const auto& c : r.connections)
        if (isTroubledEnd(c.endCause)) {
            EXPECT_TRUE(r.hasFinding(c.id, Severity::Warning))
                << name << ": conn " << c.id << " ended " << endCauseName(c.endCause);
        }
}

Finding inferred(const Ended& r)
{
    const auto found = r.of("inferred-idle-timer");
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? Finding {} : found.front();
}

} // namespace

TEST(EndCause, rstBothWaysAfterTheSimulatorsTimerIsAnIdleResetOnBothLegsAndTheTimerIsInferred)
{
    const Ended r = analyze("lbsim_idle_reset.pcap");
    int resets = 0;
    for (const auto& c : r.connections) {
        if (c.endCause != EndCause::IdleReset)
            continue;
        ++resets;
        ASSERT_TRUE(c.otherLeg) << c.id;
        EXPECT_EQ(r.conn(*c.otherLeg).endCause, EndCause::IdleReset);
        EXPECT_NE(c.endDetail.find("both legs"), std::string::npos) << c.endDetail;
        EXPECT_NE(c.endDetail.find("RST from the proxy"), std::string::npos) << c.endDetail;
        EXPECT_EQ(r.events.at(c.endEvidence.back()).type, EventType::Rst);
    }
    EXPECT_EQ(resets, 8); // four connections, two legs each
    // The last connection: the client closed after its last RPC.
    EXPECT_EQ(r.connections.back().endCause, EndCause::Graceful);
    expectEveryTroubledEndHasAFinding(r, "lbsim_idle_reset.pcap");
    EXPECT_EQ(r.of("end-idle-reset").size(), 8u);

    const Finding t = inferred(r);
    EXPECT_NEAR(t.figure, kSimulatorTimerS, 0.02 * kSimulatorTimerS);
    EXPECT_NE(t.title.find("4 of 4"), std::string::npos) << t.title; // both legs of one expiry count once
    EXPECT_GT(t.lowerBoundS, 0.5); // the RPCs' 1 s gaps were survived
    EXPECT_LT(t.lowerBoundS, t.figure);
    ASSERT_TRUE(t.inferredProfile);
    EXPECT_EQ(t.inferredProfile->profile.onExpiry, LbExpiryAction::Rst);
    EXPECT_NEAR(t.inferredProfile->profile.idleTimeoutS, kSimulatorTimerS, 0.02 * kSimulatorTimerS);
    // Its fix: PINGs below the timer, and the server accepts them.
    ASSERT_FALSE(t.changes.empty());
    for (const auto& c : t.changes) {
        if (c.setting == "keepalive_time_ms" || c.setting == "min_ping_interval_without_data_ms") {
            EXPECT_LT(static_cast<double>(c.value), t.figure * 1000.0) << c.setting;
        }
    }
}

TEST(EndCause, finBothWaysAfterSilenceWithoutGoawayIsAnIdleCloseWithTheTimerWithinTwoPercent)
{
    const Ended r = analyze("lbsim_idle_fin.pcap");
    int closes = 0;
    for (const auto& c : r.connections) {
        if (c.endCause == EndCause::IdleClose) {
            ++closes;
            EXPECT_TRUE(c.otherLeg);
        }
    }
    EXPECT_EQ(closes, 4);
    expectEveryTroubledEndHasAFinding(r, "lbsim_idle_fin.pcap");
    // Each finding names who sent the FIN: on the upstream leg that is the proxy (the leg's
    // client), never "the server side".
    int byProxy = 0;
    for (const auto& f : r.of("end-idle-close")) {
        const auto closer = r.conn(f.conn.value()).end;
        byProxy += f.title.starts_with("Closed by the proxy");
        EXPECT_EQ(f.title.starts_with("Closed by the proxy"), closer == ConnectionEnd::FinC2S) << f.title;
        EXPECT_EQ(f.title.starts_with("Closed by the server side"), closer == ConnectionEnd::FinS2C) << f.title;
    }
    EXPECT_EQ(byProxy, 2) << "the two upstream legs";
    const Finding t = inferred(r);
    EXPECT_NEAR(t.figure, kSimulatorTimerS, 0.02 * kSimulatorTimerS);
    ASSERT_TRUE(t.inferredProfile);
    EXPECT_EQ(t.inferredProfile->profile.onExpiry, LbExpiryAction::Fin);
}

// mid_connection.pcap: the grpc-go client process exits 1 s after its last RPC, just as the
// server's keepalive PING arrives. The client's stack ACKs the PING (frame 53), then the close
// with that PING unread sends RST (frame 54, 2.5 ms later). A middlebox that had forgotten the
// flow would have dropped the PING, not delivered it: this is the client's close, no idle timer.
// The simulator's RST to the late packet (lbsim_rst_next_packet) has no such ACK before it.
TEST(EndCause, anRstAfterTheSendersOwnAckOfTheLatePacketIsTheEndpointsCloseNotAMiddlebox)
{
    const Ended r = analyze("mid_connection.pcap");
    const auto& c = r.conn(0);
    EXPECT_EQ(c.endCause, EndCause::Graceful) << c.endDetail;
    EXPECT_NE(c.endDetail.find("acknowledged the server's last packet"), std::string::npos) << c.endDetail;
    EXPECT_TRUE(r.of("end-idle-reset").empty());
    EXPECT_TRUE(r.of("inferred-idle-timer").empty());
    const auto rst
        = std::find_if(r.events.begin(), r.events.end(), [](const Event& e) { return e.type == EventType::Rst; });
    ASSERT_NE(rst, r.events.end());
    EXPECT_TRUE(rst->peerDataAcked);

    const Ended sim = analyze("lbsim_rst_next_packet.pcap");
    for (const auto& e : sim.events) {
        if (e.type == EventType::Rst) {
            EXPECT_FALSE(e.peerDataAcked) << "event #" << e.index;
        }
    }
    EXPECT_FALSE(sim.of("end-idle-reset").empty());
}

TEST(EndCause, aPingIntoTheVoidAfterTheSilentDropIsASilentDropNotAKeepaliveTimeout)
{
    const Ended r = analyze("lbsim_silent_drop.pcap");
    const auto& c = r.conn(0);
    EXPECT_EQ(c.endCause, EndCause::SilentDrop) << c.endDetail;
    EXPECT_EQ(r.events.at(c.endEvidence.front()).type, EventType::Ping);
    EXPECT_EQ(r.events.at(c.endEvidence.back()).type, EventType::Fin);
    EXPECT_EQ(r.conn(1).endCause, EndCause::Open); // the server leg never heard of it
    ASSERT_EQ(r.of("end-silent-drop").size(), 1u);
    EXPECT_EQ(r.of("end-silent-drop")[0].severity, Severity::Error);
    // The drop happened somewhere in the 3 s silence: an upper bound, said as such.
    const Finding t = inferred(r);
    EXPECT_NE(t.title.find("at most"), std::string::npos) << t.title;
    EXPECT_EQ(t.inferredProfile->profile.onExpiry, LbExpiryAction::SilentDrop);
}

TEST(EndCause, anRstToTheLatePacketIsAnIdleResetWithTheSilenceAsAnUpperBound)
{
    const Ended r = analyze("lbsim_rst_next_packet.pcap");
    int resets = 0;
    for (const auto& c : r.connections) {
        if (c.endCause == EndCause::IdleReset) {
            ++resets;
            EXPECT_NE(c.endDetail.find("next packet was answered by RST"), std::string::npos) << c.endDetail;
            EXPECT_EQ(r.events.at(c.endEvidence.back()).type, EventType::Rst);
        }
    }
    EXPECT_EQ(resets, 2);
    const Finding t = inferred(r);
    EXPECT_NE(t.title.find("at most"), std::string::npos) << t.title;
    EXPECT_GE(t.figure, kSimulatorTimerS);
    EXPECT_EQ(t.inferredProfile->profile.onExpiry, LbExpiryAction::RstOnNextPacket);
    expectEveryTroubledEndHasAFinding(r, "lbsim_rst_next_packet.pcap");
}

TEST(EndCause, retransmittedUnansweredPingsUntilTheCaptureEndsAreASilentDrop)
{
    const Ended r = analyze("drop_retransmit.pcap");
    const auto& c = r.conn(0);
    // tshark's tcp.analysis.retransmission counts 4 on this capture (tests/oracle).
    EXPECT_EQ(c.rare().retransmissions[0], 4u);
    EXPECT_EQ(c.endCause, EndCause::SilentDrop) << c.endDetail;
    EXPECT_NE(c.endDetail.find("retransmitted"), std::string::npos);
    ASSERT_EQ(r.of("end-silent-drop").size(), 1u);
}

// A read the user cancelled ends where it stopped, not where the capture ends: the analyzer, told
// so (the window's cancelled reads), never says "the capture ended" of it.
TEST(EndCause, aCancelledReadSaysWhereTheReadStoppedNotThatTheCaptureEnded)
{
    AnalyzerOptions cancelled;
    cancelled.readCancelled = true;
    const Ended r = ks::test::analyzeCapture("drop_retransmit.pcap", cancelled);
    const Ended whole = analyze("drop_retransmit.pcap");
    ASSERT_EQ(r.connections.size(), whole.connections.size());
    int open = 0;
    for (std::size_t i = 0; i < r.connections.size(); ++i) {
        const std::string detail = r.connections[i].endDetail.str();
        EXPECT_EQ(detail.find("capture ended"), std::string::npos) << detail;
        EXPECT_EQ(detail.find("end of the capture"), std::string::npos) << detail;
        const std::string wholeDetail = whole.connections[i].endDetail.str();
        if (wholeDetail.find("the capture ended") != std::string::npos) {
            ++open;
            std::string expected = wholeDetail;
            expected.replace(expected.find("the capture ended"), 17, "the read stopped (cancelled)");
            EXPECT_EQ(detail, expected);
        }
    }
    EXPECT_EQ(open, 2); // the silent drop "retransmitted until ..." and the other "still open when ..."
    for (const auto& f : r.findings)
        EXPECT_EQ((f.detail + f.title).find("capture ended"), std::string::npos) << f.detail;
}

TEST(EndCause, aPingWithoutAckAfterAnOrdinaryGapIsAKeepaliveTimeout)
{
    // Pings every 1 s were answered until the proxy black-holed the flow: the unanswered one came
    // after no more silence than the connection had survived.
    const Ended r = analyze("keepalive_timeout_proxy.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::KeepaliveTimeout) << r.conn(0).endDetail;
    expectEveryTroubledEndHasAFinding(r, "keepalive_timeout_proxy.pcap");
}

TEST(EndCause, serverGoawaysNameTheirCause)
{
    EXPECT_EQ(analyze("goaway_too_many_pings.pcap").conn(0).endCause, EndCause::TooManyPings);
    EXPECT_EQ(analyze("goaway_too_many_pings_core.pcap").conn(0).endCause, EndCause::TooManyPings);
    // The server's own limits are not graceful ends: each is a warning naming the connection.
    for (const auto& [file, cause] : { std::pair { "goaway_max_idle.pcap", EndCause::MaxIdle },
             std::pair { "goaway_max_age.pcap", EndCause::MaxAge },
             std::pair { "core_server_max_idle.pcap", EndCause::MaxIdle },
             std::pair { "core_server_max_age.pcap", EndCause::MaxAge } }) {
        const Ended r = analyze(file);
        EXPECT_EQ(r.conn(0).endCause, cause) << file;
        expectEveryTroubledEndHasAFinding(r, file);
    }
    const Ended e = analyze("goaway_frame_size_go.pcap");
    EXPECT_EQ(e.conn(0).endCause, EndCause::GoawayError);
    expectEveryTroubledEndHasAFinding(e, "goaway_frame_size_go.pcap");
}

// huntA A3: grpc-go MaxConnectionAge 1 s; the client's reconnect carried no RPC before its own
// GOAWAY at 0.94 s of age. Idle for its whole age, so the wire cannot say idle or age: the end
// word and the fix say both (it had been max_idle, its fix max_connection_idle_ms alone, which
// this server does not even set).
TEST(EndCause, aGoawayOnAConnectionThatNeverCarriedAnRpcSaysIdleOrAgeAndFixesBoth)
{
    const Ended r = analyze("goaway_max_age.pcap");
    ASSERT_GE(r.connections.size(), 2u);
    EXPECT_EQ(r.conn(1).endCause, EndCause::MaxIdleOrAge) << r.conn(1).endDetail.str();
    EXPECT_EQ(endCauseName(EndCause::MaxIdleOrAge), "max_idle_or_age");
    bool found = false;
    for (const auto& f : r.findings) {
        if (f.conn != 1u)
            continue;
        EXPECT_NE(f.id, "goaway-max-connection-idle") << f.title;
        if (f.id != "goaway-max-connection-idle-or-age")
            continue;
        found = true;
        std::vector<std::string> settings;
        for (const auto& c : f.changes)
            settings.push_back(c.setting);
        EXPECT_EQ(settings, (std::vector<std::string> { "max_connection_idle_ms", "max_connection_age_ms" }));
    }
    EXPECT_TRUE(found);
}

TEST(EndCause, aServerFinWithoutGoawayAndWithoutSilenceIsAClosedWarning)
{
    const Ended r = analyze("goaway_frame_size.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::Closed);
    ASSERT_EQ(r.of("end-closed").size(), 1u);
    EXPECT_EQ(r.of("end-closed")[0].severity, Severity::Warning);
}

TEST(EndCause, aClientThatStoppedPingingAndClosedAfterSilenceGaveUp)
{
    // C-core held its PING back (max_pings_without_data) and the client closed 6 s later.
    const Ended r = analyze("core_idle_close.pcap");
    EXPECT_EQ(r.conn(0).endCause, EndCause::ClientGaveUp) << r.conn(0).endDetail;
    ASSERT_EQ(r.of("end-client-gave-up").size(), 1u);
    // The fix, as changes: no cap on PINGs without data, and PINGs without calls allowed.
    const auto stopped = r.of("keepalive-pings-stopped");
    ASSERT_EQ(stopped.size(), 1u);
    const std::vector<SettingChange> expected
        = { { SettingSide::Client, "max_pings_without_data", 0, SettingUnit::Count },
              { SettingSide::Client, "keepalive_permit_without_calls", 1, SettingUnit::Boolean },
              { SettingSide::Server, "keepalive_permit_without_calls", 1, SettingUnit::Boolean } };
    EXPECT_EQ(stopped[0].changes, expected);
    // With the settings known the close is not at keepalive_time + keepalive_timeout (2 s): the
    // application closed, not the watchdog.
    KeepaliveSettings s;
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_time_ms", 1000), "");
    ASSERT_EQ(s.set(SettingSide::Client, "keepalive_timeout_ms", 1000), "");
    EXPECT_EQ(analyze("core_idle_close.pcap", s).conn(0).endCause, EndCause::Graceful);
}

TEST(EndCause, healthyCapturesEndGracefullyWithoutAWarning)
{
    for (const char* file : { "go_ping_healthy.pcap", "core_ping_healthy.pcap", "ping_healthy.pcapng", "ping_nano.pcap",
             "ipv6_any.pcap", "go_default_tcp_keepalive.pcap" }) { // tcp_keepalive_kernel: not gRPC, below
        const Ended r = analyze(file);
        for (const auto& c : r.connections)
            EXPECT_EQ(c.endCause, EndCause::Graceful) << file << ": " << c.endDetail;
        for (const auto& f : r.findings)
            EXPECT_EQ(f.severity, Severity::Info) << file << ": " << f.id << ": " << f.title;
        EXPECT_TRUE(r.of("inferred-idle-timer").empty()) << file;
    }
}

TEST(EndCause, everyCauseHasAJsonWordAndALabelThatRoundTrip)
{
    for (std::size_t i = 0; i < kEndCauseCount; ++i) {
        const auto cause = static_cast<EndCause>(i);
        EXPECT_FALSE(endCauseLabel(cause).empty());
        EXPECT_EQ(parseEndCause(endCauseName(cause)), cause);
    }
}

TEST(EndCause, theInferredProfileIsACatalogueEntryThatParsesBack)
{
    const Ended r = analyze("lbsim_idle_reset.pcap");
    const Finding t = inferred(r);
    ASSERT_TRUE(t.inferredProfile);
    const auto load = parseLbCatalogue(lbCatalogueJson({ *t.inferredProfile }), "emitted");
    ASSERT_TRUE(load.errors.empty()) << load.errors.front();
    ASSERT_EQ(load.entries.size(), 1u);
    EXPECT_EQ(load.entries[0].profile.name, "inferred-idle-timer");
    EXPECT_EQ(load.entries[0].profile.onExpiry, LbExpiryAction::Rst);
    // And the findings JSON carries it, with changes.
    const auto doc = nlohmann::json::parse(findingsJson(r.findings));
    bool seen = false;
    for (const auto& f : doc) {
        if (f["id"] == "inferred-idle-timer") {
            seen = true;
            EXPECT_TRUE(f.contains("inferred_profile"));
            EXPECT_TRUE(f["changes"].is_array() && !f["changes"].empty());
            EXPECT_TRUE(f.contains("lower_bound_s"));
        }
    }
    EXPECT_TRUE(seen);
}

// A connection that is not gRPC (the kernel's plain TCP pair), or TLS read without its keys, is
// told as closed or reset only: no gRPC end cause is claimed for it and no end-* finding names it.
// Without keys the GOAWAY of tls13_too_many_pings is invisible, so "closed without GOAWAY" would
// be false there; with the key log the GOAWAY is read and the cause is too_many_pings.
TEST(EndCause, connectionsWhoseFramesAreNotSeenAreNotJudged)
{
    for (const std::string name :
        { "tcp_keepalive_kernel.pcap", "tls13_too_many_pings.pcap", "tls_connect_proxy.pcap", "snaplen_cut.pcap" }) {
        const auto r = analyze(name);
        ASSERT_FALSE(r.connections.empty()) << name;
        for (const auto& c : r.connections) {
            if (c.http2)
                continue;
            EXPECT_TRUE(c.endCause == EndCause::Open || c.endCause == EndCause::Closed || c.endCause == EndCause::Reset)
                << name << ": conn " << c.id << " ended " << endCauseName(c.endCause);
            for (const auto& f : r.findings)
                EXPECT_FALSE(f.conn == c.id && f.id.starts_with("end-")) << name << ": " << f.id << " on conn " << c.id;
        }
    }
}
