// The middlebox idle timer inferred across connections: the silences before idle deaths (reset,
// silent drop, FIN with no GOAWAY), their agreement, a lower bound from gaps that connections
// survived, and the catalogue profiles consistent with it (timeout and on-expiry behaviour).
// addInferredTimerFinding stays one function of some 120 lines: gathering the deaths, their
// agreement, the lower bound and the consistent profiles share its running figures.
#include "findings_state.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace ks::core {

namespace {

bool idleDeath(EndCause c)
{
    return c == EndCause::IdleReset || c == EndCause::IdleClose || c == EndCause::SilentDrop;
}

struct Inference {
    std::vector<double> exact; // silences that equal the timer (the middlebox acted at expiry)
    std::vector<double> upper; // silences the timer is at most (acted on the next packet, or dropped)
    std::vector<std::uint64_t> evidence;
    std::vector<LbExpiryAction> seen;
    double survived = 0; // the longest gap a connection on the same path survived
    std::size_t deaths = 0, connections = 0;
    std::size_t onProxyLegs = 0; // deaths seen on both legs of a proxy: the proxy closed them
};

// How the expiry showed most often.
LbExpiryAction commonAction(const std::vector<LbExpiryAction>& seen)
{
    std::array<std::size_t, 5> n {};
    for (auto a : seen)
        ++n[static_cast<std::size_t>(a)];
    return static_cast<LbExpiryAction>(std::max_element(n.begin(), n.end()) - n.begin());
}

bool consistent(const LbCatalogueEntry& e, double figure, double lower, double upper, bool exact, LbExpiryAction action)
{
    const double t = e.profile.idleTimeoutS;
    const bool timeFits
        = exact ? std::fabs(t - figure) <= std::max(0.05 * figure, 0.05) : (t > lower && t <= upper * 1.02);
    // A range with no documented maximum (HAProxy's timeouts, nginx's) is open above.
    const bool rangeFits = e.profile.configurableMinS && figure >= *e.profile.configurableMinS
        && (!e.profile.configurableMaxS || figure <= *e.profile.configurableMaxS);
    return (timeFits || rangeFits) && e.profile.onExpiry == action;
}

} // namespace

void addInferredTimerFinding(FindingsAnalyzer::State& st, const SummaryLookup& connections)
{
    Inference inf;
    std::vector<std::string> servers; // the path: servers of connections that died idle
    for (std::uint32_t id = 0; id < st.ends.size(); ++id) {
        const auto& v = st.ends[id];
        if (!v.judged || !idleDeath(v.cause) || v.silenceS < 0)
            continue;
        // An HTTP/2-terminating proxy's idle close of its client leg is its own timer, told by
        // proxy-idle-close: PINGs, this finding's fix, do not reset it (the proxy answers them).
        if (st.h2Upstream.contains(id))
            continue;
        // Both legs of one proxy die of one expiry: count it once, on the first leg.
        if (v.otherLeg && *v.otherLeg < id && idleDeath(st.ends[*v.otherLeg].cause))
            continue;
        ++inf.deaths;
        inf.onProxyLegs += v.otherLeg.has_value();
        (v.atExpiry ? inf.exact : inf.upper).push_back(v.silenceS);
        inf.seen.push_back(v.seen);
        if (inf.evidence.size() < 16) {
            const auto& evidence = endEvidenceOf(st, id);
            inf.evidence.insert(inf.evidence.end(), evidence.begin(), evidence.end());
        }
        if (const auto* s = connections.byId(id))
            servers.push_back(s->server);
    }
    if (inf.deaths == 0)
        return;
    std::sort(servers.begin(), servers.end());
    for (std::uint32_t id = 0; id < st.conns.size(); ++id) {
        const auto& c = basicsOf(st.conns[id]);
        const auto* s = connections.byId(id);
        if (!c.used || !s || !std::binary_search(servers.begin(), servers.end(), s->server))
            continue;
        ++inf.connections;
        const std::int64_t survived = std::max(c.longestSurvivedNs, c.burstAnswered ? c.burstGapNs : 0);
        inf.survived = std::max(inf.survived, toS(survived));
    }
    const bool exact = !inf.exact.empty();
    auto& samples = exact ? inf.exact : inf.upper;
    std::sort(samples.begin(), samples.end());
    const double lo = samples.front(), hi = samples.back();
    const double median = samples[samples.size() / 2];
    const bool agree = hi - lo <= std::max(0.1, 0.05 * median);
    // A timer fires at its deadline or a little later (its clock's tick, the middlebox's own
    // activity such as delayed ACKs), never earlier: the shortest silence is the best estimate.
    const double figure = lo;
    const LbExpiryAction action = commonAction(inf.seen);

    Finding f;
    f.id = "inferred-idle-timer";
    f.severity = Severity::Warning;
    f.evidence = inf.evidence;
    f.figure = figure;
    if (inf.survived > 0 && inf.survived < figure)
        f.lowerBoundS = inf.survived;
    char range[96];
    std::snprintf(range, sizeof range, "%.2f-%.2f s", lo, hi);
    const std::string count = std::to_string(samples.size()) + " of " + std::to_string(inf.deaths) + " idle death(s)";
    // One bare FIN after a silence, on a connection with no proxy leg in the capture.
    const bool lone = inf.deaths == 1 && inf.onProxyLegs == 0 && action == LbExpiryAction::Fin;
    if (exact && lone)
        f.title = "A connection was closed after " + formatDuration(figure)
            + " of silence, with no GOAWAY (1 idle death: an idle timer on the path, or the server closing it)";
    else if (exact && agree)
        f.title = "Something on the path closes connections after about " + formatDuration(figure) + " of silence ("
            + count + ", " + range + ")";
    else if (exact)
        f.title = "Connections died after silences of " + std::string(range) + " (" + count
            + "): not one timer, or not a timer";
    else
        f.title = "Something on the path forgets connections after at most " + formatDuration(figure) + " of silence ("
            + count + ", " + range + ")";
    f.detail = "Expiry seen on the wire as: " + std::string(lbExpiryActionWords(action)) + ".";
    if (f.lowerBoundS >= 0)
        f.detail += " Connections on the same path survived silences up to " + formatDuration(f.lowerBoundS)
            + ", so the timer is longer than that.";
    if (!exact)
        f.detail += " The middlebox acted only when the next packet came (or never), so each silence is an upper "
                    "bound, not the timer.";
    if (lone)
        f.detail += " One death alone does not show a timer: a server process that closed without GOAWAY (grpc-go "
                    "1.33's Server.Stop, a crash) after that silence looks the same; a second connection dying after "
                    "the same silence, or a refused reconnect, would tell them apart.";
    // The catalogue's candidates.
    std::vector<std::string> names;
    const double lower = std::max(0.0, f.lowerBoundS);
    for (const auto* list :
        std::array<const std::vector<LbCatalogueEntry>*, 2> { &st.options.profiles, &builtinLbCatalogue() })
        for (const auto& e : *list)
            if (consistent(e, figure, lower, figure, exact, action)
                && std::find(names.begin(), names.end(), e.profile.name) == names.end())
                names.push_back(e.profile.name);
    if (names.empty()) {
        f.detail += " No catalogue profile has this timeout (or its configurable range) with this expiry behaviour.";
    } else {
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ", ") + n;
        f.detail += " Consistent with (timeout or configurable range, and on-expiry behaviour): " + list + ".";
    }
    LbCatalogueEntry inferred;
    auto& p = inferred.profile;
    p.name = "inferred-idle-timer";
    p.title = "Inferred from the capture: idle timer " + std::string(exact ? "about " : "at most ")
        + formatDuration(figure) + ", " + std::string(lbExpiryActionWords(action));
    p.idleTimeoutS = std::round(figure * 1000.0) / 1000.0;
    p.onExpiry = action;
    p.notes = "Inferred by keepalive-scope from " + count + " (" + range + ")"
        + (f.lowerBoundS >= 0 ? "; survived gaps up to " + formatDuration(f.lowerBoundS) : std::string())
        + ". What resets the "
          "timer is not known from the capture.";
    // The fix must hold whatever the timer is within what the capture shows: below the timer
    // when it is known, below the longest survived silence when only an upper bound is.
    LbCatalogueEntry basis = inferred;
    if (!exact && f.lowerBoundS > 0)
        basis.profile.idleTimeoutS = f.lowerBoundS;
    if (basis.profile.idleTimeoutS > 0) {
        setKeepaliveFix(f, st, basis);
        if (!exact)
            f.suggestion = (f.lowerBoundS > 0 ? "The timer lies between " + formatDuration(f.lowerBoundS) + " and "
                                       + formatDuration(figure) + "; keepalive below the lower end is safe: "
                                              : "The timer may be shorter than " + formatDuration(figure)
                                       + " (no connection here survived a shorter silence to bound it): ")
                + f.suggestion;
        // The per-connection idle deaths point here for their fix.
        for (auto& g : st.findings)
            if ((g.id == "end-idle-reset" || g.id == "end-silent-drop" || g.id == "end-idle-close")
                && g.changes.empty()) {
                g.suggestion = f.suggestion;
                g.changes = f.changes;
            }
    }
    if (p.idleTimeoutS > 0)
        f.inferredProfile = std::move(inferred);
    st.findings.push_back(std::move(f));
}

} // namespace ks::core
