// Idle gaps against the chosen load-balancer profiles: a connection idle longer than a profile's
// timeout (and what happened next: RST, silent death, close, reconnect), and connections that
// survived a profile only because their quiet periods stayed short.
// addLbIdleFindings (some 110 lines) is one rule tried per profile and gap, with its texts;
// split, the gap's context would be handed between calls.
#include "direction.h"
#include "findings_state.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ks::core {

void setKeepaliveFix(Finding& f, const FindingsAnalyzer::State& st, const LbCatalogueEntry& entry, KeepaliveSide side)
{
    auto fix = keepaliveFix(entry, st.options.settings, side);
    f.suggestion = std::move(fix.suggestion);
    f.changes = std::move(fix.changes);
}

namespace {

enum class Outcome { Reset, SilentDeath, Closed, Survived };

Outcome outcomeOf(const ConnState& c, const ProfileTrack& t)
{
    constexpr std::int64_t kSoon = 5'000'000'000; // a reaction within seconds of the gap ending
    constexpr std::int64_t kSlack = 1'000'000;
    // The keepalive timeout's unanswered PING falls in the gap (it may end it, or the close that
    // ends the gap may be the timeout's) or soon after it: the flow had been dropped silently.
    const std::int64_t gapStartNs = t.lastExceedEndNs - t.lastExceedNs;
    const bool silentDeath
        = c.kaTimeout && c.kaTimeoutPingNs >= gapStartNs - kSlack && c.kaTimeoutPingNs - t.lastExceedEndNs <= kSoon;
    if (c.closed && c.closeNs >= t.lastExceedEndNs && c.closeNs - t.lastExceedEndNs <= kSoon) {
        if (c.closedByRst)
            return Outcome::Reset;
        if (silentDeath)
            return Outcome::SilentDeath;
        if (c.closeIndex == t.lastExceedTo)
            return Outcome::Closed;
    }
    return silentDeath ? Outcome::SilentDeath : Outcome::Survived;
}

void addUndecodedIdleFindings(
    FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, const ConnectionSummary& summary)
{
    const bool probes = c.side[0].kaProbes || c.side[1].kaProbes;
    const std::int64_t gapEndNs = summary.longestIdleStartNs + summary.longestIdleNs;
    for (const auto& entry : st.options.profiles) {
        const auto& p = entry.profile;
        // The summary's gaps ignore keep-alive probes: no verdict for a profile that counts them.
        if ((probes && tcpKeepalivesResetIdle(entry))
            || static_cast<double>(summary.longestIdleNs) <= p.idleTimeoutS * kNsPerS)
            continue;
        Finding f;
        f.id = "lb-idle-timeout";
        f.conn = id;
        f.profile = p.name;
        f.figure = toS(summary.longestIdleNs);
        const std::string gap = formatDuration(f.figure);
        const std::string limit = formatDuration(p.idleTimeoutS);
        const bool endedSoon = c.closed && c.closeNs >= gapEndNs - 1'000'000 && c.closeNs - gapEndNs <= 5'000'000'000;
        if (endedSoon) {
            f.evidence.push_back(c.closeIndex);
            f.severity = c.closedByRst ? Severity::Error : Severity::Warning;
            f.title = std::string(c.closedByRst ? "Reset" : "Closed") + " after " + gap
                + " without payload, longer than " + p.name + "'s " + limit + " idle timeout";
        } else {
            f.severity = Severity::Warning;
            f.title = "No payload for " + gap + ", longer than " + p.name + "'s " + limit + " idle timeout";
        }
        f.detail = "This connection's payload is not decoded (TLS, or not HTTP/2), so PINGs cannot be seen; the gap is "
                   "the longest "
                   "stretch without TCP payload either way (from "
            + formatDuration(toS(summary.longestIdleStartNs - st.originNs)) + " into the capture). Behind " + p.title
            + " such a gap ends the connection" + (endedSoon ? ", and here it ended right after." : ".");
        setKeepaliveFix(f, st, entry);
        st.findings.push_back(std::move(f));
    }
}

} // namespace

void addLbIdleFindings(
    FindingsAnalyzer::State& st, std::uint32_t id, const ConnState& c, const SummaryLookup& connections)
{
    const auto& profiles = st.options.profiles;
    if (!c.used)
        return;
    // Payload the engine did not decode (TLS, or not HTTP/2) makes no events: judge such a
    // connection by the summary's payload gaps instead of its (too few) events.
    const auto* summary = connections.byId(id);
    if (summary && !summary->http2 && summary->payloadBytes > 0) {
        addUndecodedIdleFindings(st, id, c, *summary);
        return;
    }
    for (std::size_t i = 0; c.tracks && i < profiles.size(); ++i) {
        const auto& p = profiles[i].profile;
        const auto& t = c.tracks[i];
        char buf[768];
        if (t.exceeded) {
            const Outcome outcome = outcomeOf(c, t);
            Finding f;
            f.id = "lb-idle-timeout";
            f.conn = id;
            f.profile = p.name;
            f.figure = toS(t.lastExceedNs);
            f.evidence = { t.lastExceedFrom, t.lastExceedTo };
            const std::string gap = formatDuration(f.figure);
            const std::string limit = formatDuration(p.idleTimeoutS);
            std::string what;
            switch (outcome) {
            case Outcome::Reset:
                f.severity = Severity::Error;
                f.title = "Reset after " + gap + " idle, longer than " + p.name + "'s " + limit + " idle timeout";
                what = std::string("then the connection was reset (RST from the ") + sideName(c.closedBy) + " side)"
                    + (p.onExpiry == LbExpiryAction::Rst || p.onExpiry == LbExpiryAction::RstOnNextPacket
                            ? ", as " + p.title + " does (" + std::string(lbExpiryActionWords(p.onExpiry)) + ")"
                            : ", although " + p.title + " expires flows with "
                                + std::string(lbExpiryActionWords(p.onExpiry))
                                + ", not RST: something else on the path reset it");
                f.evidence.push_back(c.closeIndex);
                break;
            case Outcome::SilentDeath:
                f.severity = Severity::Error;
                f.title
                    = "Died silently after " + gap + " idle, longer than " + p.name + "'s " + limit + " idle timeout";
                what = std::string("then a PING went unanswered and the connection was closed by the keepalive "
                                   "timeout: the flow had been "
                                   "dropped silently")
                    + (p.onExpiry == LbExpiryAction::SilentDrop || p.onExpiry == LbExpiryAction::RstOnNextPacket
                            ? ", as " + p.name + " does (" + std::string(lbExpiryActionWords(p.onExpiry)) + ")"
                            : ", although " + p.name + " expires flows with "
                                + std::string(lbExpiryActionWords(p.onExpiry)));
                f.evidence.push_back(c.kaTimeoutPing);
                f.evidence.push_back(c.kaTimeoutClose);
                break;
            case Outcome::Closed:
                f.severity = Severity::Warning;
                f.title = "Closed after " + gap + " idle, longer than " + p.name + "'s " + limit + " idle timeout";
                what = "and the gap ended with the connection being closed (FIN)";
                break;
            case Outcome::Survived:
                f.severity = Severity::Warning;
                f.title = "Idle " + gap + ", longer than " + p.name + "'s " + limit + " idle timeout";
                what = std::string("and the connection carried on, so no such middlebox was in this path; behind ")
                    + p.name + " it would have ended (" + std::string(lbExpiryActionWords(p.onExpiry)) + ")";
                break;
            }
            std::snprintf(buf, sizeof buf, "%u quiet period(s) longer than %s (%s): the last one lasted %s, %s.%s%s",
                t.exceeded, limit.c_str(), p.title.c_str(), gap.c_str(), what.c_str(),
                pingsResetIdle(profiles[i]) ? "" : " PINGs do not count as traffic for this profile.",
                tcpKeepalivesResetIdle(profiles[i])
                    ? ""
                    : " TCP keep-alive probes are not counted (not documented as resetting it).");
            f.detail = buf;
            if (outcome == Outcome::Reset || outcome == Outcome::SilentDeath) {
                if (const auto* self = connections.byId(id))
                    if (const auto* next = connections.reconnectAfter(*self, c.closeNs))
                        f.detail += " The client reconnected on connection " + std::to_string(next->id) + ".";
            }
            setKeepaliveFix(f, st, profiles[i]);
            st.findings.push_back(std::move(f));
        } else if (t.longestNs > 0 && toS(t.longestNs) >= 0.5 * p.idleTimeoutS) {
            // Nothing on the connection would have held it through a longer quiet period.
            const auto& cs = c.side[0];
            const auto& ss = c.side[1];
            auto keeps = [&](const SideState& s) {
                const bool ping
                    = pingsResetIdle(profiles[i]) && s.pingInterval.count && s.pingInterval.median() < p.idleTimeoutS;
                const bool tcp
                    = tcpKeepalivesResetIdle(profiles[i]) && s.kaIdle.count && s.kaIdle.median() < p.idleTimeoutS;
                return ping || tcp;
            };
            if (keeps(cs) || keeps(ss))
                continue;
            Finding f;
            f.id = "lb-idle-margin";
            f.severity = Severity::Info;
            f.conn = id;
            f.profile = p.name;
            f.figure = toS(t.longestNs);
            f.evidence = { t.longestFrom, t.longestTo };
            f.title = "Survived " + p.name + " only because its longest quiet period (" + formatDuration(f.figure)
                + ") stayed under " + formatDuration(p.idleTimeoutS);
            f.detail = "No keepalive on this connection would hold it through a longer quiet period: behind " + p.title
                + " the first gap over " + formatDuration(p.idleTimeoutS) + " ends it.";
            setKeepaliveFix(f, st, profiles[i]);
            st.findings.push_back(std::move(f));
        }
    }
}

} // namespace ks::core
