// Appending batches: re-map batch-local strings and settings, index per connection.
#include "event_store.h"

#include <algorithm>

namespace ks::ui {

EventStore::EventStore(QObject* parent)
    : QObject(parent)
{
    clear();
}

EventStore::~EventStore() = default;

void EventStore::clear()
{
    Q_EMIT aboutToClear();
    m_records.clear();
    m_records.shrink_to_fit();
    m_strings.assign(1, std::string());
    m_stringIds.clear();
    m_settings.clear();
    m_lanes.clear();
    m_lanes.shrink_to_fit();
    m_laneOf = {}; // clear() keeps a million buckets
    m_connections.clear();
    m_originNs = m_endNs = 0;
    m_packets = 0;
    m_decimals = 6;
    m_partial.clear();
    Q_EMIT cleared();
}

std::uint32_t EventStore::intern(const std::string& text)
{
    if (text.empty())
        return 0;
    const auto [it, inserted] = m_stringIds.try_emplace(text, static_cast<std::uint32_t>(m_strings.size()));
    if (inserted)
        m_strings.push_back(text);
    return it->second;
}

void EventStore::append(const EventBatch& batch)
{
    if (m_records.empty()) {
        m_originNs = batch.originNs;
        m_decimals = batch.decimals;
    }
    m_packets = std::max(m_packets, batch.packets);
    if (!batch.connections.empty())
        setConnections(batch.connections);
    if (batch.records.isEmpty())
        return;

    std::vector<std::uint32_t> stringMap(batch.strings.size());
    for (std::size_t i = 1; i < batch.strings.size(); ++i)
        stringMap[i] = intern(batch.strings[i]);
    const std::size_t settingsBase = m_settings.size();
    m_settings.insert(m_settings.end(), batch.settings.begin(), batch.settings.end());

    const std::size_t first = m_records.size();
    // No exact reserve here: growing to the exact size every batch would copy the whole store
    // each time (quadratic); push_back's geometric growth amortises it.
    for (EventRecord r : batch.records) {
        r.text1 = stringMap[r.text1];
        r.text2 = stringMap[r.text2];
        if (r.type == core::EventType::Rpc)
            r.b = stringMap[r.b];
        if (r.type == core::EventType::Settings)
            r.opaque += settingsBase;
        const auto index = static_cast<std::uint32_t>(m_records.size());
        m_records.push_back(r);
        auto [it, inserted] = m_laneOf.try_emplace(r.conn, static_cast<int>(m_lanes.size()));
        if (inserted)
            m_lanes.emplace_back(r.conn);
        m_lanes[static_cast<std::size_t>(it->second)].add(r, index);
        m_endNs = std::max(m_endNs, r.relNs);
    }
    Q_EMIT appended(first, m_records.size() - 1);
}

void EventStore::setConnections(std::vector<core::ConnectionSummary> connections)
{
    std::sort(connections.begin(), connections.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    // A running source sends its connections again as they close, unjudged: how each ended, as
    // the last analysis said it, stays until the next analysis (no flicker back to "ended").
    for (auto& c : connections) {
        const auto* old = connection(c.id);
        if (old && c.endCause == core::EndCause::Open && old->endCause != core::EndCause::Open && c.end == old->end) {
            c.endCause = old->endCause;
            c.endDetail = old->endDetail;
            c.endEvidence = old->endEvidence;
            c.otherLeg = old->otherLeg;
        }
    }
    m_connections = std::move(connections);
    Q_EMIT connectionsChanged();
}

void EventStore::setEndCauses(const std::vector<core::ConnectionSummary>& analyzed)
{
    bool changed = false;
    for (const auto& a : analyzed) {
        const auto it = std::lower_bound(m_connections.begin(), m_connections.end(), a.id,
            [](const auto& c, std::uint32_t id) { return c.id < id; });
        if (it == m_connections.end() || it->id != a.id)
            continue;
        if (it->endCause != a.endCause || it->endDetail.str() != a.endDetail.str() || it->otherLeg != a.otherLeg) {
            it->endCause = a.endCause;
            it->endDetail = a.endDetail;
            it->endEvidence = a.endEvidence;
            it->otherLeg = a.otherLeg;
            changed = true;
        }
    }
    if (changed)
        Q_EMIT connectionsChanged();
}

int EventStore::laneOf(std::uint32_t conn) const
{
    const auto it = m_laneOf.find(conn);
    return it == m_laneOf.end() ? -1 : it->second;
}

const core::ConnectionSummary* EventStore::connection(std::uint32_t conn) const
{
    const auto it = std::lower_bound(
        m_connections.begin(), m_connections.end(), conn, [](const auto& c, std::uint32_t id) { return c.id < id; });
    return it != m_connections.end() && it->id == conn ? &*it : nullptr;
}

core::Event EventStore::event(std::size_t index) const
{
    return makeEvent(m_records[index], index, m_originNs, m_strings, m_settings);
}

core::Event EventStore::makeEvent(const EventRecord& r, std::size_t index, std::int64_t originNs,
    const std::vector<std::string>& strings, const std::vector<SettingsEntry>& settings)
{
    using core::EventType;
    core::Event e;
    e.index = index;
    e.relNs = r.relNs;
    e.tsNs = originNs + r.relNs;
    e.conn = r.conn;
    e.dir = r.dir;
    e.type = r.type;
    e.hpack = r.hpack;
    e.endStream = r.flags & EventRecord::kEndStream;
    e.ack = r.flags & EventRecord::kAck;
    e.inferred = r.flags & EventRecord::kInferred;
    switch (r.type) {
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        e.seq = r.a;
        break;
    case EventType::Settings: {
        const auto& s = settings[r.opaque];
        e.settingsCount = s.count;
        e.settings = s.values;
        break;
    }
    case EventType::Headers:
        e.stream = r.a;
        e.grpcStatus = static_cast<int>(r.b) - 1;
        e.path = strings[r.text1];
        e.grpcMessage = strings[r.text2];
        break;
    case EventType::Data:
    case EventType::WindowUpdate:
        e.stream = r.a;
        e.length = r.b;
        break;
    case EventType::Ping:
        e.opaque = r.opaque;
        break;
    case EventType::PingAck:
        e.opaque = r.opaque;
        e.rttMs = r.number;
        e.pingIndex = static_cast<std::int64_t>(r.a) - 1;
        break;
    case EventType::Goaway:
        e.lastStreamId = r.a;
        e.errorCode = r.b;
        e.debug = strings[r.text1];
        break;
    case EventType::RstStream:
        e.stream = r.a;
        e.errorCode = r.b;
        break;
    case EventType::ChannelState:
        e.state = strings[r.text1];
        break;
    case EventType::Rpc:
        e.method = strings[r.text1];
        e.status = strings[r.b];
        e.message = strings[r.text2];
        e.durationMs = r.number;
        break;
    default:
        break;
    }
    return e;
}

} // namespace ks::ui
