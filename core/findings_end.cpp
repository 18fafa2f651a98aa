// How each connection ended (ConnectionSummary::endCause), decided from its last moments: the
// GOAWAYs, the unanswered PING or data, the silence before the close, retransmissions, and who
// sent the FIN or RST. Each troubled end that no other rule explains gets an "end-*" finding,
// with or without --lb and --settings (docs/FINDINGS.md, "How connections end"); those findings'
// texts are in findings_end_findings.cpp. classify() stays one function of some 200 lines on
// purpose: its rules are tried in order and the first that fits wins, and that order is the
// documentation's table, read top to bottom; the file (some 440 lines) is that function and the
// few it calls.
#include "direction.h"
#include "findings_state.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ks::core {

namespace {

// A silence at least this long before a death makes it an idle death (a timer fired), not an abort.
constexpr std::int64_t kIdleDeathNs = 1'000'000'000;
// How soon after a late packet a middlebox's RST comes (it answers at once; allow a slow capture).
constexpr std::int64_t kRstAnswerNs = 500'000'000;

// A GOAWAY's debug data in one line: a long one is cut (the event keeps it whole).
std::string shortDebug(const std::string& debug)
{
    constexpr std::size_t kShown = 80;
    return debug.size() <= kShown ? debug : debug.substr(0, kShown) + "...";
}

std::string seconds(double s)
{
    return formatDuration(s);
}

// A server GOAWAY: which server limit or error it announced. rejectedOnly: every request on the
// connection was reset by the server unanswered (ConnState::onlyRejectedRpcs), so none was an RPC.
EndCause goawayCause(const GoawayInfo& g, bool rejectedOnly)
{
    if (g.code == 11 && g.debug.find("too_many_pings") != std::string::npos)
        return EndCause::TooManyPings;
    const bool coreIdle = g.code == 2 && g.debug.find("idle") != std::string::npos; // C-core "enter idle"
    if (g.code != 0 && !coreIdle)
        return EndCause::GoawayError;
    if (g.dir == Direction::ClientToServer)
        return EndCause::Graceful;
    if (g.debug.find("max_age") != std::string::npos
        || (!rejectedOnly && ((g.debug.find("idle") == std::string::npos && g.openStreams > 0) || idleRuledOut(g))))
        return EndCause::MaxAge;
    if ((g.hadStreams && !rejectedOnly) || coreIdle || g.debug.find("idle") != std::string::npos)
        return EndCause::MaxIdle;
    // No RPC the server took: idle for its whole age, so either limit fits; the word says both.
    return EndCause::MaxIdleOrAge;
}

std::uint64_t retransmittedBy(const ConnectionSummary* s, Direction d)
{
    return s ? s->rare().retransmissions[static_cast<std::size_t>(d)] : 0;
}

// The close came right after a burst of activity that the other side never answered: the burst
// went into the void (silent drop) or drew an RST from a middlebox that had forgotten the flow.
bool closedOnUnansweredBurst(const ConnState& c)
{
    return c.burstStartNs >= 0 && !c.burstAnswered && c.closeNs >= c.burstStartNs && c.burstGapNs >= kIdleDeathNs;
}

// A silence counts as an idle death's only when longer than any the connection survived (by 5 %):
// an idle timer that let an equal silence pass did not fire on this one.
bool longerThanSurvived(const ConnState& c, std::int64_t silenceNs)
{
    return static_cast<double>(silenceNs) > 1.05 * static_cast<double>(c.longestSurvivedNs);
}

// The closer had stopped reading: the other side was still probing its zero window.
std::string stoppedReadingNote(const ConnState& c)
{
    const std::size_t prober = c.closedBy == Direction::ClientToServer ? 1 : 0;
    const auto& w = c.streams;
    const auto& run = w.zeroWindows.get().current[prober];
    if (!run.probes || w.lastFrameNs[prober] > run.lastNs)
        return {};
    return std::string("; its receive window had been zero for ") + formatDuration(toS(c.closeNs - run.fromNs))
        + " (it had stopped reading)";
}

EndVerdict classify(
    const FindingsAnalyzer::State& st, const ConnState& c, const ConnectionSummary* s, const SummaryLookup& connections)
{
    EndVerdict v;
    char buf[512];
    if (!c.closed) {
        // Unanswered and retransmitted until the capture ended: the path swallows the packets and
        // neither side has given up yet (TCP retries for many minutes; the FIN waits behind them).
        const std::uint64_t retrans = s ? s->rare().retransmissions[static_cast<std::size_t>(c.burstDir)] : 0;
        if (s && retrans && !c.burstAnswered && c.burstStartNs >= 0
            && s->rare().lastRetransmissionNs >= c.burstStartNs) {
            v.cause = EndCause::SilentDrop;
            v.seen = LbExpiryAction::SilentDrop;
            v.evidence.set(c.burstStartIndex);
            std::snprintf(buf, sizeof buf,
                "the %s's packets from %.3f s on were never answered and were retransmitted (%llu retransmission(s)) "
                "until %s; neither side had closed yet",
                sideName(c.burstDir), toS(c.burstStartNs - st.originNs), static_cast<unsigned long long>(retrans),
                inputEnded(st.options));
            v.detail = buf;
            return v;
        }
        // A new SYN on the same 4-tuple: this connection had ended before it, its close not captured.
        if (const auto* next = s ? connections.reusedAfter(*s, c.lastNs) : nullptr) {
            std::snprintf(buf, sizeof buf,
                "its close is not in the capture: the same 4-tuple carried a new connection (#%u) from %.3f s, so "
                "this one had ended by then",
                next->id, toS(next->firstNs - st.originNs));
            v.detail = buf;
            return v;
        }
        v.detail = std::string("still open when ") + inputEnded(st.options);
        return v;
    }
    const double quiet = toS(c.quietBeforeCloseNs);
    const char* closer = sideName(c.closedBy);
    // grpc-java's keepalive timeout says GOAWAY NO_ERROR before its FIN: the PING rules below tell it.
    const bool kaGoaway = !c.goaways.empty() && keepaliveGoaway(c, c.goaways.front());
    const char* how = keepaliveCloseWords(c);
    if (!c.goaways.empty() && !kaGoaway) {
        const auto& g = c.goaways.front();
        v.cause = goawayCause(g, c.onlyRejectedRpcs());
        v.evidence.set(g.index, c.closeIndex);
        std::snprintf(buf, sizeof buf, "GOAWAY %s from the %s%s%s, then %s from the %s",
            g.code == 0 ? "NO_ERROR" : std::to_string(g.code).c_str(), sideName(g.dir), g.debug.empty() ? "" : " \"",
            g.debug.empty() ? "" : (shortDebug(g.debug) + "\"").c_str(), how, closer);
        v.detail = buf;
        const auto* named
            = g.code == 0 && g.debug.empty() && g.dir == Direction::ServerToClient ? shutdownNamed(c) : nullptr;
        if (const auto* refused = shutdownAfter(g, connections, s)) {
            v.cause = EndCause::Graceful;
            v.detail += "; the client's next connection, " + formatDuration(toS(refused->firstNs - g.ns))
                + " after the GOAWAY, was refused (RST to its SYN): the server was shutting down";
        } else if (named) {
            v.cause = EndCause::Graceful;
            v.detail += "; the server's later GOAWAY \"" + named->debug + "\" names its shutdown";
        } else if (v.cause == EndCause::MaxIdleOrAge)
            v.detail += c.onlyRejectedRpcs()
                ? " (the server reset every request on it without an answer (" + std::to_string(c.serverResets)
                    + " RST_STREAM): it rejected them, so the connection carried no RPC and max_connection_idle and "
                      "max_connection_age cannot be told apart; the ages at which other connections to this server got "
                      "theirs would tell: max age varies by up to 10%, an idle timer does not)"
                : c.hadStreams ? " (no RPC before it, so max_connection_idle and max_connection_age cannot be "
                                 "told apart; an RPC came after it, on the closing connection)"
                               : " (the connection never carried an RPC, so max_connection_idle and "
                                 "max_connection_age cannot be told apart)";
        else if (v.cause == EndCause::MaxAge && idleRuledOut(g))
            v.detail += " (no RPC was open, but the connection had survived a longer stretch without RPCs: not "
                        "max_connection_idle)";
        return v;
    }
    if (c.tcpKaTimeout && !c.kaTimeout) {
        // The kernel's keep-alive ran out of probes (an RST from the prober itself, not from a
        // middlebox's timer): the other host or the path stopped answering.
        v.cause = EndCause::KeepaliveTimeout;
        v.evidence.set(c.tcpKaFirstIndex, c.closeIndex);
        std::snprintf(buf, sizeof buf,
            "the %s's %llu TCP keep-alive probe(s) from %.3f s on got no ACK and nothing else came "
            "back; its kernel reset the connection (RST) %s after the last probe (TCP_KEEPCNT probes unanswered)",
            closer, static_cast<unsigned long long>(c.tcpKaProbes), toS(c.tcpKaFirstNs - st.originNs),
            seconds(toS(c.closeNs - c.tcpKaLastNs)).c_str());
        v.detail = buf;
        return v;
    }
    // An RST whose side went on retransmitting after it, its data acknowledged by the other host:
    // a host that resets a connection stops sending on it, so the RST came from the path (a
    // firewall, NAT or load balancer answering for the flow), not from that side's TCP.
    if (c.closedByRst && c.closerDataAcked && retransmittedBy(s, c.closedBy) > 0
        && s->rare().lastRetransmissionNs > c.closeNs) {
        const bool afterSilence = c.burstGapNs >= kIdleDeathNs && longerThanSurvived(c, c.burstGapNs)
            && c.closeNs >= c.burstStartNs && c.closeNs - c.burstStartNs <= kRstAnswerNs;
        v.cause = afterSilence ? EndCause::IdleReset : EndCause::Reset;
        v.forgedRst = true;
        if (afterSilence) {
            v.seen = LbExpiryAction::RstOnNextPacket;
            v.silenceS = toS(c.burstGapNs);
            v.evidence.set(c.burstPrevIndex, c.burstStartIndex, c.closeIndex);
        } else {
            v.evidence.set(c.closeIndex);
        }
        std::snprintf(buf, sizeof buf,
            "%s%s%san RST that claimed to come from the %s, though the %s went on retransmitting after it (%llu "
            "retransmission(s)) and its data had been acknowledged: the path forged it (a firewall, NAT or load "
            "balancer answering for a flow it %s)",
            afterSilence ? "after " : "", afterSilence ? seconds(toS(c.burstGapNs)).c_str() : "",
            afterSilence ? (std::string(" of silence the ") + sideName(c.burstDir) + "'s next packet drew ").c_str()
                         : "",
            closer, closer, static_cast<unsigned long long>(retransmittedBy(s, c.closedBy)),
            afterSilence ? "had forgotten" : "no longer tracked");
        v.detail = buf;
        return v;
    }
    if (c.kaTimeout && c.kaCloseUnseen) {
        // The pinger's RST answered its peer's packet: the peer's packets reached it, so no
        // middlebox had forgotten the flow, and the close itself is not on the wire
        // (keepaliveTimeoutUnseenClose in findings_timeout.cpp says what the capture bounds).
        v.cause = EndCause::KeepaliveTimeout;
        v.evidence.set(c.kaTimeoutPing, c.kaAnsweredIndex, c.kaTimeoutClose);
        const auto retrans = retransmittedBy(s, c.kaTimeoutSide);
        std::snprintf(buf, sizeof buf,
            "the %s's PING at %.3f s got no ACK%s; its close is not on the wire: the %s's next packet, at %.3f s, was "
            "answered by RST from the %s's host %s later (it no longer had the connection), so the %s gave up at most "
            "%s after its PING",
            sideName(c.kaTimeoutSide), toS(c.kaTimeoutPingNs - st.originNs),
            retrans ? (" (" + std::to_string(retrans) + " retransmission(s) from it)").c_str() : "",
            sideName(
                c.kaTimeoutSide == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer),
            toS(c.kaAnsweredNs - st.originNs), closer, seconds(toS(c.closeNs - c.kaAnsweredNs)).c_str(), closer,
            seconds(toS(c.kaTimeoutNs)).c_str());
        v.detail = buf;
        return v;
    }
    const Direction pinger = c.kaTimeout ? c.kaTimeoutSide : c.burstDir;
    const std::uint64_t retrans = retransmittedBy(s, pinger);
    const bool retransLate
        = retrans > 0 && s && s->rare().lastRetransmissionNs >= (c.burstStartNs >= 0 ? c.burstStartNs : c.firstNs);
    const double gapS = toS(c.burstGapNs);
    if (c.kaTimeout || (retransLate && closedOnUnansweredBurst(c))) {
        // Into the void: retransmitted (the network swallowed it), or sent after a long silence
        // (a middlebox had forgotten the flow) and never answered.
        // (A PING after no more silence than the connection had survived is a stalled peer's or a
        // partition's keepalive timeout, not an idle timer's.)
        const bool afterSilence = !c.burstAnswered && c.burstGapNs >= kIdleDeathNs
            && longerThanSurvived(c, c.burstGapNs) && c.burstStartNs <= (c.kaTimeout ? c.kaTimeoutPingNs : c.closeNs);
        if (retransLate || afterSilence) {
            v.cause = EndCause::SilentDrop;
            v.seen = LbExpiryAction::SilentDrop;
            v.silenceS = afterSilence ? gapS : -1;
            // (a lost PING is retransmitted well within a keepalive timeout of a second or more)
            v.dropUnconfirmed = !retransLate && c.kaTimeout && c.kaTimeoutNs >= kIdleDeathNs;
            v.evidence.set(c.burstStartIndex, c.closeIndex);
            std::snprintf(buf, sizeof buf,
                "after %s of silence the %s sent into the void: no answer%s, then %s from the %s %s later",
                seconds(gapS).c_str(), sideName(pinger),
                retrans ? (", " + std::to_string(retrans) + " retransmission(s)").c_str() : "", how, closer,
                seconds(toS(c.closeNs - c.burstStartNs)).c_str());
        } else {
            v.cause = EndCause::KeepaliveTimeout;
            v.evidence.set(c.kaTimeoutPing, c.kaTimeoutClose);
            std::snprintf(buf, sizeof buf, "the %s's PING got no ACK; the %s closed (%s) %s later",
                sideName(c.kaTimeoutSide), closer, how, seconds(toS(c.kaTimeoutNs)).c_str());
        }
        v.detail = buf;
        return v;
    }
    if (c.closedByRst) {
        // A closer that had stopped reading: the quiet before its RST is the other side's persist
        // timer backing off between zero-window probes, not an idle connection.
        const std::string stoppedReading = stoppedReadingNote(c);
        // A late packet that is the sender's regular keepalive PING came after no more silence than
        // its cadence, which the connection had been living with: that RST is not an idle timer's.
        // A cadence needs an interval before this one: a first keepalive PING after a call's BDP
        // PING (C-core) has none, and its silence is new to the connection.
        const auto& late = c.side[static_cast<std::size_t>(c.burstDir)];
        const bool regularPing
            = c.burstIsPing && late.pingInterval.count >= 2 && gapS <= 1.1 * late.pingInterval.median();
        // The RST's sender had ACKed that packet first: it reached the endpoint, so no middlebox
        // that forgot the flow dropped it (NLB, NAT gateways and firewalls never deliver it).
        if (stoppedReading.empty() && closedOnUnansweredBurst(c) && c.closedBy != c.burstDir
            && c.closeNs - c.burstStartNs <= kRstAnswerNs && longerThanSurvived(c, c.burstGapNs) && !regularPing
            && !c.rstAfterAck) {
            v.cause = EndCause::IdleReset;
            v.seen = LbExpiryAction::RstOnNextPacket;
            v.silenceS = gapS;
            v.evidence.set(c.burstPrevIndex, c.burstStartIndex, c.closeIndex);
            std::snprintf(buf, sizeof buf,
                "after %s of silence the %s's next packet was answered by RST (from the %s side) %s later; unless the "
                "%s closed its socket with that packet unread (Linux answers that with RST too), a middlebox had "
                "forgotten the flow",
                seconds(gapS).c_str(), sideName(c.burstDir), closer, seconds(toS(c.closeNs - c.burstStartNs)).c_str(),
                closer);
            v.detail = buf;
            return v;
        }
        if (stoppedReading.empty() && c.quietBeforeCloseNs >= kIdleDeathNs
            && longerThanSurvived(c, c.quietBeforeCloseNs)) {
            if (serverWentAway(v, c, refusedReconnect(connections, s, c.closeNs), how, quiet))
                return v;
            v.cause = EndCause::IdleReset;
            v.silenceS = quiet;
            v.evidence.set(c.lastActivityIndex, c.closeIndex);
            // The other side's TCP keep-alive probe just before it (probes are no activity here): the
            // RST answered that probe, so the timer fired somewhere in the silence, not at its end.
            const Direction probing
                = c.closedBy == Direction::ClientToServer ? Direction::ServerToClient : Direction::ClientToServer;
            const auto& prober = c.side[static_cast<std::size_t>(probing)];
            if (prober.lastKaNs >= 0 && prober.lastKaNs <= c.closeNs && c.closeNs - prober.lastKaNs <= kRstAnswerNs) {
                v.seen = LbExpiryAction::RstOnNextPacket;
                v.evidence.set(c.lastActivityIndex, prober.lastKaIndex, c.closeIndex);
                std::snprintf(buf, sizeof buf,
                    "after %s of silence the %s's TCP keep-alive probe was answered by RST (from the %s side) %s "
                    "later, with no GOAWAY: a middlebox had forgotten the flow some time in that silence",
                    seconds(quiet).c_str(), sideName(probing), closer,
                    seconds(toS(c.closeNs - prober.lastKaNs)).c_str());
                v.detail = buf;
                return v;
            }
            v.seen = LbExpiryAction::Rst;
            v.atExpiry = true;
            std::snprintf(buf, sizeof buf, "RST from the %s side after %s of silence, with no GOAWAY", closer,
                seconds(quiet).c_str());
            v.detail = buf;
            return v;
        }
        // Linux answers with RST when a process closes a socket with unread data: a client that
        // closes right after its last RPC (an unread PING or WINDOW_UPDATE) ends this way.
        if (c.closedBy == Direction::ClientToServer && c.openStreams.empty() && stoppedReading.empty()) {
            v.cause = EndCause::Graceful;
            v.evidence.set(c.closeIndex);
            v.detail = c.rstAfterAck
                ? "the client closed with no RPC open (RST: it had acknowledged the server's last packet, "
                  "which stayed unread in its socket)"
                : "the client closed with no RPC open (RST: unread bytes in its socket)";
            return v;
        }
        v.cause = EndCause::Reset;
        v.evidence.set(c.closeIndex);
        if (!stoppedReading.empty())
            std::snprintf(buf, sizeof buf, "RST from the %s side, with no GOAWAY%s%s", closer,
                c.openStreams.empty() ? "" : ", while an RPC was open", stoppedReading.c_str());
        else
            std::snprintf(buf, sizeof buf, "RST from the %s side %s after the last frame, with no GOAWAY%s", closer,
                seconds(quiet).c_str(), c.openStreams.empty() ? "" : ", while an RPC was open");
        v.detail = buf;
        return v;
    }
    // FIN
    const auto& cs = c.side[0];
    const bool clientPinged = cs.pings > 0;
    if (c.closedBy == Direction::ClientToServer) {
        // The client's cadence: its PINGs' median interval, or with one PING only the quiet
        // before it (keepalive_time counts from the last read; huntA A1: C-core's watchdog closed
        // a connection whose client had sent one keepalive PING, and "graceful" claimed too much).
        const double cadence = cs.pingInterval.count              ? cs.pingInterval.median()
            : cs.pings == 1 && cs.firstPingQuietNs >= 200'000'000 ? toS(cs.firstPingQuietNs)
                                                                  : 0.0;
        bool watchdog = c.quietBeforeCloseNs >= kIdleDeathNs && !c.pingDuringQuiet
            && ((clientPinged && cadence > 0 && quiet > 1.5 * cadence) || !c.openStreams.empty());
        // With the settings known, the watchdog fires at keepalive_time + keepalive_timeout after
        // the last frame; a close at another time is the application's.
        if (watchdog && st.options.settings && c.openStreams.empty()) {
            const auto& set = *st.options.settings;
            const std::int64_t timeMs = set.value(SettingSide::Client, "keepalive_time_ms");
            const std::int64_t timeoutMs = set.value(SettingSide::Client, "keepalive_timeout_ms");
            const double expected = static_cast<double>(timeMs + timeoutMs) / 1000.0;
            const double tolerance = std::max(0.3, 0.15 * expected);
            // Counted from the last frame, or from the last one that was no PING (C-core 1.51
            // closed at keepalive_time + keepalive_timeout after its last DATA or SETTINGS
            // although a PING between them had been answered: huntA s1b, s2).
            const double sinceNonPing = c.lastNonPingNs >= 0 ? toS(c.closeNs - c.lastNonPingNs) : -1.0;
            watchdog = timeMs < kInfinite && timeoutMs < kInfinite
                && (std::fabs(quiet - expected) <= tolerance || std::fabs(sinceNonPing - expected) <= tolerance);
        }
        if (watchdog) {
            v.cause = EndCause::ClientGaveUp;
            v.silenceS = quiet;
            v.evidence.set(c.lastActivityIndex, c.closeIndex);
            std::snprintf(buf, sizeof buf, "the client closed (FIN) after %s of silence with no PING on the wire%s",
                seconds(quiet).c_str(),
                c.openStreams.empty() ? " although it had pinged before" : ", while an RPC was open");
            v.detail = buf;
            return v;
        }
        v.evidence.set(c.closeIndex);
        if (!c.openStreams.empty()) {
            // No RST_STREAM, no GOAWAY: the client's application left the call (a deadline of its
            // own, an exit), not its gRPC library's keepalive.
            v.cause = EndCause::Closed;
            std::snprintf(buf, sizeof buf,
                "the client closed (FIN) %s after the last frame while %zu RPC(s) were open (stream %u), with no "
                "RST_STREAM and no GOAWAY",
                seconds(quiet).c_str(), c.openStreams.size(), c.openStreams.front());
            v.detail = buf;
            return v;
        }
        v.cause = EndCause::Graceful;
        if (!c.http2SentC2S && !c.http2SentS2C && s && s->tls && s->tls->decryption == "decrypted") {
            // TLS read with its keys and no HTTP/2 frame either way: no "last frame" to speak of.
            std::snprintf(buf, sizeof buf,
                "the client closed (FIN) %s after its last packet, before any HTTP/2 frame: no gRPC ran on this "
                "connection (a TLS handshake the client gave up, e.g. on a certificate it rejected, ends this way; "
                "a TLS alert record before the FIN says so)",
                seconds(quiet).c_str());
            v.detail = buf;
            return v;
        }
        std::snprintf(buf, sizeof buf, "the client closed (FIN) %s after the last frame, with no RPC open",
            seconds(quiet).c_str());
        v.detail = buf;
        return v;
    }
    if (c.quietBeforeCloseNs >= kIdleDeathNs && longerThanSurvived(c, c.quietBeforeCloseNs)) {
        if (serverWentAway(v, c, refusedReconnect(connections, s, c.closeNs), how, quiet))
            return v;
        v.cause = EndCause::IdleClose;
        v.seen = LbExpiryAction::Fin;
        v.silenceS = quiet;
        v.atExpiry = true;
        v.evidence.set(c.lastActivityIndex, c.closeIndex);
        std::snprintf(
            buf, sizeof buf, "FIN from the server side after %s of silence, with no GOAWAY", seconds(quiet).c_str());
        v.detail = buf;
        return v;
    }
    v.cause = EndCause::Closed;
    v.evidence.set(c.closeIndex);
    std::snprintf(
        buf, sizeof buf, "FIN from the server side %s after the last frame, with no GOAWAY", seconds(quiet).c_str());
    v.detail = buf;
    return v;
}

// gRPC end causes (GOAWAY expected before a close, idle deaths) only mean something on a gRPC
// connection: HTTP/2 decoded, or TLS whose ALPN chose or offered h2. Without a summary (events made
// by hand) the connection is judged as before.
bool speaksGrpc(const ConnectionSummary* s)
{
    return !s || speaksHttp2(*s);
}

// TLS read without keys: its frames (GOAWAY among them) and even its quiet periods are not seen
// by the analyzer, so no end cause built on them may be claimed.
bool opaqueTls(const ConnectionSummary* s)
{
    return s && s->tls && ((!s->http2 && s->tls->decryption != "decrypted") || s->tls->unreadDir >= 0);
}

EndVerdict unjudgedEnd(const EndVerdict& v, const ConnectionSummary& s)
{
    EndVerdict out;
    out.judged = false;
    out.evidence = v.evidence;
    // No FIN or RST in the capture (a SYN retransmitted unanswered is no close either): open.
    if (v.cause == EndCause::Open || s.end == ConnectionEnd::Open)
        return out;
    const bool rst = s.end == ConnectionEnd::RstC2S || s.end == ConnectionEnd::RstS2C;
    out.cause = rst ? EndCause::Reset : EndCause::Closed;
    // A SYN answered by RST (no SYN-ACK, no payload): refused, it never got to speak at all.
    const bool refused = refusedAtSyn(s);
    out.unjudgedReason = refused   ? UnjudgedReason::Refused
        : opaqueTls(&s)            ? UnjudgedReason::OpaqueTls
        : s.rare().payloadCutBytes ? UnjudgedReason::PayloadCut
                                   : UnjudgedReason::NotHttp2;
    return out; // the detail: unjudgedDetail(out), one shared copy
}

} // namespace

SharedText unjudgedDetail(const EndMark& v)
{
    if (v.judged || v.cause == EndCause::Open)
        return {};
    // The cause's label (reset / closed) is printed before this detail: the detail gives the reason only.
    static const std::shared_ptr<const std::string> texts[] = {
        std::make_shared<const std::string>("not HTTP/2 (nor TLS offering h2), so no gRPC end cause is judged"),
        std::make_shared<const std::string>(
            "TLS read without keys (or without one direction's secret): its frames are not all visible, so no gRPC "
            "end cause is judged (give the whole key log)"),
        std::make_shared<const std::string>("its payload is cut by the capture's snapshot length, so its frames are "
                                            "not visible and no gRPC end cause is judged"),
        std::make_shared<const std::string>(
            "refused: its SYN was answered by RST (nothing listened on the server's port)"),
        std::make_shared<const std::string>(
            "refused: its SYN was answered by RST, though the same server spoke HTTP/2 earlier in the capture: it "
            "had stopped listening (a shutdown, restart or crash)"),
    };
    return SharedText::shared(texts[static_cast<std::size_t>(v.unjudgedReason)]);
}

void classifyEnd(FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, const SummaryLookup& connections)
{
    if (!c.used)
        return;
    const auto* summary = connections.byId(id);
    auto v = classify(st, c, summary, connections);
    if (summary && summary->rare().rolesGuessed && c.closed)
        v.detail += " (client and server guessed: they may be the other way round)";
    if (summary && c.closed && c.goaways.empty()) {
        const auto& rare = summary->rare();
        if (rare.payloadCutBytes || rare.missingBytes)
            v.framesCut = true;
        if (rare.payloadCutBytes)
            v.detail += "; but the capture's snapshot length cut " + std::to_string(rare.payloadCutBytes)
                + " payload bytes of this connection, so a GOAWAY or the HEADERS of a call may be among what could "
                  "not be read";
        if (rare.missingBytes)
            v.detail += "; but " + std::to_string(rare.missingBytes)
                + " bytes of this connection are not in the capture (holes in its TCP stream), so a GOAWAY or a "
                  "call's end may be among them";
    }
    if (!speaksGrpc(summary) || opaqueTls(summary)) {
        v = unjudgedEnd(v, *summary);
        if (v.unjudgedReason == UnjudgedReason::Refused && connections.earlierHttp2To(*summary))
            v.unjudgedReason = UnjudgedReason::RefusedReconnect;
    }
    st.ends[id] = v;
    endEvidenceOf(st, id) = v.evidence;
    // An unjudged end's detail stays empty here: annotateEnds gives it the shared sentence.
    endDetailOf(st, id) = v.detail.empty() ? SharedText() : SharedText(std::move(v.detail));
}

namespace {

ConnectionSummary* writableSummary(FindingsAnalyzer::State& st, std::uint32_t id)
{
    // finish() builds the lookup over the summaries it was handed to write (non-const).
    return st.lookup ? const_cast<ConnectionSummary*>(st.lookup->byId(id)) : nullptr;
}

} // namespace

EndEvidence& endEvidenceOf(FindingsAnalyzer::State& st, std::uint32_t id)
{
    if (auto* s = writableSummary(st, id))
        return s->endEvidence;
    return st.orphanEnds[id].evidence;
}

SharedText& endDetailOf(FindingsAnalyzer::State& st, std::uint32_t id)
{
    if (auto* s = writableSummary(st, id))
        return s->endDetail;
    return st.orphanEnds[id].detail;
}

void annotateEnds(FindingsAnalyzer::State& st, std::vector<ConnectionSummary>& connections)
{
    std::sort(st.goawayByH2Proxy.begin(), st.goawayByH2Proxy.end());
    const auto byProxy = [&st](std::uint32_t id) {
        return std::binary_search(st.goawayByH2Proxy.begin(), st.goawayByH2Proxy.end(), id);
    };
    // The texts are in place (classifyEnd wrote them into the summary byId finds); a summary
    // whose id repeats (never from the engine, which numbers connections) gets a copy.
    for (auto& s : connections) {
        if (s.id >= st.ends.size() || !basicsOf(st.conns[s.id]).used)
            continue;
        const auto& v = st.ends[s.id];
        s.endCause = v.cause;
        s.otherLeg = v.otherLeg;
        if (byProxy(s.id))
            s.rareBox.make().goawayByH2Proxy = true;
        else if (s.rare().goawayByH2Proxy) // judged again, otherwise
            s.rareBox.make().goawayByH2Proxy = false;
        const auto* holder = st.lookup ? st.lookup->byId(s.id) : nullptr;
        if (holder && holder != &s) {
            s.endEvidence = holder->endEvidence;
            s.endDetail = holder->endDetail.empty() ? unjudgedDetail(v) : holder->endDetail;
        } else if (s.endDetail.empty()) {
            s.endDetail = unjudgedDetail(v);
        }
    }
    st.ends.clear();
    st.orphanEnds.clear();
    st.goawayByH2Proxy.clear();
}

} // namespace ks::core
