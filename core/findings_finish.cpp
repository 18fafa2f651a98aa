// The end of an analysis: every rule over every connection (FindingsAnalyzer::judge), the ends
// written into the summaries, and the findings in connection order.
#include "findings_state.h"
#include "memory_release.h"

#include <algorithm>
#include <utility>

namespace ks::core {

namespace {

constexpr const char* kRolesGuessedNote
    = " Which side is the client is a guess here (the capture holds no SYN, and when its first packet came neither "
      "port was a well-known one, one that an earlier connection shared, or one outside the ephemeral range): client "
      "and server may be the other way round.";

// By connection, worse first, otherwise in the order found (a stable sort), in place: a busy
// host's findings are tens of MB, which std::stable_sort would allocate again as its buffer.
void sortByConnection(std::vector<Finding>& findings)
{
    struct Key {
        std::optional<std::uint32_t> conn;
        Severity severity;
        std::size_t at;
    };
    std::vector<Key> keys;
    keys.reserve(findings.size());
    for (std::size_t i = 0; i < findings.size(); ++i)
        keys.push_back({ findings[i].conn, findings[i].severity, i });
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
        if (a.conn != b.conn)
            return a.conn < b.conn;
        if (a.severity != b.severity)
            return a.severity > b.severity;
        return a.at < b.at;
    });
    // Position i takes the finding at keys[i].at: follow each cycle of the permutation once.
    std::vector<bool> placed(findings.size(), false);
    for (std::size_t start = 0; start < findings.size(); ++start) {
        if (placed[start])
            continue;
        Finding held = std::move(findings[start]);
        std::size_t i = start;
        while (keys[i].at != start) {
            findings[i] = std::move(findings[keys[i].at]);
            placed[i] = true;
            i = keys[i].at;
        }
        findings[i] = std::move(held);
        placed[i] = true;
    }
}

} // namespace

namespace {

// A TLS 1.3 direction the key log could not decrypt (its traffic secret missing): a finding that
// rests on a frame not coming that way ("never answered as an HTTP/2 server", a PING left
// unanswered, a close without GOAWAY, a call without its end) cannot be stated.
void dropClaimsOnUnreadDirections(FindingsAnalyzer::State& st, const SummaryLookup& lookup)
{
    std::erase_if(st.findings, [&](const Finding& f) {
        if (!f.conn)
            return false;
        const auto* s = lookup.byId(*f.conn);
        if (!s || !s->tls || s->tls->unreadDir < 0)
            return false;
        return f.id == "peer-not-http2" || f.id == "keepalive-timeout" || f.id == "keepalive-pings-stopped"
            || f.id == "idle-close-without-ping" || f.id == "connection-cut-mid-call" || f.id.starts_with("stream-")
            || f.id.starts_with("end-");
    });
}

// Without keys, a stretch with no inferred PING is not a stretch without PINGs: a PING whose ACK
// came late (after a retransmission) or that shared its record is not inferred. A stop is said
// only when the wire itself was quiet that long (no payload either way), as it is when the
// keepalive PINGs really stopped on an idle connection.
void dropStopsTheWireDoesNotShow(FindingsAnalyzer::State& st, const SummaryLookup& lookup)
{
    std::erase_if(st.findings, [&](const Finding& f) {
        if (f.id != "keepalive-pings-stopped" || !f.conn)
            return false;
        const auto* s = lookup.byId(*f.conn);
        if (!s || !s->tls || s->tls->decryption == "decrypted")
            return false;
        return static_cast<double>(s->longestIdleNs) < 0.9 * f.figure * kNsPerS;
    });
}

} // namespace

std::vector<Finding> FindingsAnalyzer::finish(const std::vector<ConnectionSummary>& connections)
{
    // The ends' evidence and detail are written into the summaries as they are judged: here into
    // a copy, dropped after.
    auto copy = connections;
    return finish(copy);
}

std::vector<Finding> FindingsAnalyzer::finish(std::vector<ConnectionSummary>& connections)
{
    auto& st = *m_state;
    const SummaryLookup lookup(connections);
    st.lookup = &lookup;
    st.orphanEnds.clear();
    auto findings = judge(lookup);
    annotateEnds(st, connections);
    st.lookup = nullptr;
    return findings;
}

std::vector<Finding> FindingsAnalyzer::finishLast(std::vector<ConnectionSummary>& connections)
{
    m_state->last = true;
    auto findings = finish(connections);
    auto options = std::move(m_state->options);
    m_state = std::make_unique<State>(); // every connection forgotten
    m_state->options = std::move(options);
    releaseFreedMemory();
    return findings;
}

std::vector<Finding> FindingsAnalyzer::judge(const SummaryLookup& lookup)
{
    auto& st = *m_state;
    st.findings.clear();
    st.ends.clear(); // grown in the loop below, one connection at a time
    st.goawayByH2Proxy.clear();
    ConnState scratch; // a connection with basics only, seen through the rules' eyes
    std::size_t fullDropped = 0;
    findH2ProxyHops(st, lookup); // the goaway and end rules read the hops
    for (std::uint32_t id = 0; id < st.conns.size(); ++id) {
        auto& slot = st.conns[id];
        ConnState* c = slot.full.get();
        if (!c) {
            scratch = ConnState {};
            std::swap(static_cast<ConnBasics&>(scratch), slot.basics); // and back below
            c = &scratch;
        }
        // The rules in their old order; the sort below keeps it within a connection.
        addGoawayFindings(st, id, *c, lookup);
        addH2ProxyCloseFinding(st, id, *c, lookup);
        addTimeoutFindings(st, id, *c);
        addLbIdleFindings(st, id, *c, lookup);
        addCadenceFindings(st, id, *c);
        addStreamFindings(st, id, *c);
        // The ends grow as the full states below are dropped, into the heap those hand back:
        // made at once, a busy host's ends (24 MB a million) had come on top of them all.
        st.ends.growTo(id + 1);
        classifyEnd(st, id, *c, lookup);
        if (c == &scratch)
            std::swap(static_cast<ConnBasics&>(scratch), slot.basics);
        // A doubtful silent drop keeps its full state for confirmSilentDrops below (few of them).
        if (st.last && slot.full && !st.ends[id].dropUnconfirmed) {
            // Only the basics are read from here on (legs, end findings, the inferred timer).
            const bool inferred = slot.full->inferredEvents > 0;
            slot.basics = std::move(static_cast<ConnBasics&>(*slot.full));
            slot.basics.hadInferred = inferred;
            slot.full.reset();
            // Freed pages stay resident until malloc reuses them or they are handed back: a
            // million connections' full states are some 70 MB, freed a kilobyte at a time. Each
            // trim walks the whole free list: every 2048 the walks took 0.1 s of a million
            // connections, every 16384 (some 14 MB) leaves the peak where it was (450 MB).
            if (++fullDropped % 16384 == 0)
                releaseFreedMemory();
        }
    }
    if (st.last)
        releaseFreedMemory(); // the full states dropped in the loop
    confirmSilentDrops(st, lookup);
    pairProxyLegs(st, lookup);
    describeH2ProxyHops(st, lookup);
    releaseFreedMemory(); // the legs' index (an entry per connection) before the findings grow
    addEndCauseFindings(st);
    foldRelayedGoaways(st); // after the end findings: they count the client leg's as covering its end
    addInferredTimerFinding(st, lookup);
    addRpcFindings(st); // after the wire rules: it defers to a wire finding of the same cause
    // A connection's findings say when its roles are a guess; those about PINGs on a TLS
    // connection read without keys rest on inference: they say so too.
    for (auto& f : st.findings) {
        if (!f.conn)
            continue;
        const auto* summary = lookup.byId(*f.conn);
        if (summary && summary->rare().rolesGuessed && !f.id.starts_with("end-")) // end details say it already
            f.detail += kRolesGuessedNote;
        // Rules that stand on a frame not being there (a GOAWAY, a call's end, a PING ACK, a
        // message): with bytes of the connection missing from the capture, as far as it shows.
        const bool onAbsence = f.id == "connection-cut-mid-call" || f.id.starts_with("stream-")
            || f.id == "keepalive-timeout" || f.id == "keepalive-pings-stopped" || f.id == "idle-close-without-ping";
        if (summary && onAbsence && (summary->rare().missingBytes || summary->rare().payloadCutBytes)) {
            f.title += " (as far as the capture shows)";
            f.detail += ' ';
            f.detail += std::to_string(summary->rare().missingBytes + summary->rare().payloadCutBytes);
            f.detail += " bytes of this connection are not in the capture (packets it missed, or payload its snapshot "
                        "length cut): the frame this rests on not being there may only mean it was among them.";
            if (f.severity == Severity::Error)
                f.severity = Severity::Warning;
        }
        const bool aboutPings = f.id.starts_with("ping-") || f.id.starts_with("keepalive-") || f.id.starts_with("lb-")
            || f.id.starts_with("idle-close") || f.id.starts_with("end-");
        if (!aboutPings)
            continue;
        const bool unreadTls = summary && summary->tls && summary->tls->decryption != "decrypted";
        const auto* slot = *f.conn < st.conns.size() ? &st.conns[*f.conn] : nullptr;
        const bool inferred = slot && (slot->full ? slot->full->inferredEvents > 0 : slot->basics.hadInferred);
        if (summary && summary->tls && summary->tls->unreadDir >= 0)
            f.detail += " Evidence partial: the key log lacks this session's " + summary->tls->missingSecret
                + " line, so the " + (summary->tls->unreadDir == 0 ? "client" : "server")
                + "'s frames were not read; only the other direction was decrypted.";
        else if (inferred || unreadTls)
            f.detail += " Evidence inferred: this TLS connection was read without keys, so its PINGs were "
                        "recognised from TLS record sizes (records whose sizes add up to a PING with flow-control "
                        "frames, answered by the other side's next record), not decoded; PINGs sharing a record "
                        "with HEADERS or DATA are mostly not seen, and one beside WINDOW_UPDATEs is taken for a "
                        "BDP PING, not a keepalive one. Decrypt with the key log to confirm.";
    }
    dropClaimsOnUnreadDirections(st, lookup);
    dropStopsTheWireDoesNotShow(st, lookup);
    sortByConnection(st.findings);
    return std::move(st.findings); // finish() starts from an empty list again
}

} // namespace ks::core
