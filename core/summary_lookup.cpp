// SummaryLookup (findings_state.h): the engine's connection summaries by id and by server, for
// the rules that read one connection's neighbours (reconnects, refused reconnects).
#include "findings_state.h"

#include <algorithm>
#include <functional>

namespace ks::core {

bool speaksHttp2(const ConnectionSummary& s)
{
    if (s.http2)
        return true;
    if (!s.tls)
        return false;
    if (s.tls->alpn == "h2")
        return true;
    return s.tls->alpn.empty()
        && std::find(s.tls->alpnOffered.begin(), s.tls->alpnOffered.end(), "h2") != s.tls->alpnOffered.end();
}

SummaryLookup::SummaryLookup(const std::vector<ConnectionSummary>& list)
    : m_list(list)
{
    for (std::size_t i = 0; i < list.size() && m_positional; ++i)
        m_positional = list[i].id == i;
    if (!m_positional)
        for (std::size_t i = list.size(); i-- > 0;)
            m_byId[list[i].id] = i; // the first of equal ids wins, as a scan would find it
}

const ConnectionSummary* SummaryLookup::byId(std::uint32_t id) const
{
    if (m_positional)
        return id < m_list.size() ? &m_list[id] : nullptr;
    const auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_list[it->second];
}

void SummaryLookup::buildServers() const
{
    if (m_serversBuilt)
        return;
    m_serversBuilt = true;
    for (std::size_t i = 0; i < m_list.size(); ++i) {
        const auto& s = m_list[i];
        auto& server = m_servers[s.server];
        if (!server.positions.empty() && m_list[server.positions.back()].firstNs > s.firstNs)
            server.ordered = false;
        server.positions.push_back(i);
        if (speaksHttp2(s) && (!server.firstHttp2 || s.firstNs < server.firstHttp2->firstNs))
            server.firstHttp2 = &s;
    }
}

namespace {

std::uint64_t tupleHash(const ConnectionSummary& s)
{
    const std::uint64_t a = std::hash<std::string_view> {}(s.client);
    return (a ^ (a >> 29)) * 0x9e3779b97f4a7c15ull + std::hash<std::string_view> {}(s.server);
}

} // namespace

void SummaryLookup::indexTuples(std::vector<std::uint64_t> hashes, bool all) const
{
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    m_tuples.clear();
    for (std::size_t i = 0; i < m_list.size(); ++i) {
        const std::uint64_t h = tupleHash(m_list[i]);
        if (all || std::binary_search(hashes.begin(), hashes.end(), h))
            m_tuples.push_back({ h, static_cast<std::uint32_t>(i) });
    }
    std::sort(m_tuples.begin(), m_tuples.end()); // by hash, then in list order
    m_tupleHashes = std::move(hashes);
    m_allTuples = all;
}

const ConnectionSummary* SummaryLookup::reusedAfter(const ConnectionSummary& s, std::int64_t afterNs) const
{
    const std::uint64_t hash = tupleHash(s);
    if (!m_tuplesBuilt) {
        m_tuplesBuilt = true;
        std::vector<std::uint64_t> open { hash };
        for (const auto& c : m_list)
            if (c.end == ConnectionEnd::Open)
                open.push_back(tupleHash(c));
        indexTuples(std::move(open), false);
    } else if (!m_allTuples && !std::binary_search(m_tupleHashes.begin(), m_tupleHashes.end(), hash)) {
        indexTuples({}, true); // asked for one the engine saw close (rare): every 4-tuple, once
    }
    const ConnectionSummary* first = nullptr;
    const auto [from, to] = std::equal_range(m_tuples.begin(), m_tuples.end(), std::pair { hash, std::uint32_t(0) },
        [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto it = from; it != to; ++it) {
        const auto& c = m_list[it->second];
        if (c.id != s.id && c.firstNs > afterNs && c.client == s.client && c.server == s.server
            && (!first || c.firstNs < first->firstNs))
            first = &c;
    }
    return first;
}

const ConnectionSummary* SummaryLookup::earlierHttp2To(const ConnectionSummary& s) const
{
    buildServers();
    const auto it = m_servers.find(s.server);
    if (it == m_servers.end() || !it->second.firstHttp2 || it->second.firstHttp2->firstNs >= s.firstNs)
        return nullptr;
    return it->second.firstHttp2;
}

std::size_t SummaryLookup::connectionsTo(std::string_view server) const
{
    buildServers();
    const auto it = m_servers.find(server);
    return it == m_servers.end() ? 0 : it->second.positions.size();
}

const ConnectionSummary* SummaryLookup::reconnectAfter(const ConnectionSummary& dead, std::int64_t closeNs) const
{
    buildServers();
    const auto it = m_servers.find(dead.server);
    if (it == m_servers.end())
        return nullptr;
    const std::int64_t from = closeNs - 500'000'000, to = closeNs + 30'000'000'000;
    const auto& positions = it->second.positions;
    auto at = positions.begin();
    // Starts in list order: the ones in the window are one run, found by bisection.
    if (it->second.ordered)
        at = std::partition_point(
            positions.begin(), positions.end(), [&](std::size_t p) { return m_list[p].firstNs < from; });
    for (; at != positions.end(); ++at) {
        const auto& s = m_list[*at];
        if (s.id != dead.id && s.firstNs >= from && s.firstNs <= to)
            return &s;
        if (it->second.ordered && s.firstNs > to)
            break;
    }
    return nullptr;
}

} // namespace ks::core
