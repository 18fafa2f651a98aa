// Full events to compact records, within a batch.
#include "event_record.h"

namespace ks::ui {

std::uint32_t EventBatchBuilder::intern(const std::string& text)
{
    if (text.empty())
        return 0;
    for (const auto& [s, id] : m_recent) {
        if (s == text)
            return id;
    }
    const auto id = static_cast<std::uint32_t>(m_batch.strings.size());
    m_batch.strings.push_back(text);
    if (m_recent.size() >= 16)
        m_recent.erase(m_recent.begin());
    m_recent.emplace_back(text, id);
    return id;
}

void EventBatchBuilder::add(const core::Event& e)
{
    using core::EventType;
    EventRecord r;
    r.relNs = e.relNs;
    r.conn = e.conn;
    r.type = e.type;
    r.dir = e.dir;
    r.hpack = e.hpack;
    r.flags = static_cast<std::uint8_t>((e.endStream ? EventRecord::kEndStream : 0) | (e.ack ? EventRecord::kAck : 0)
        | (e.inferred ? EventRecord::kInferred : 0));
    switch (e.type) {
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        r.a = e.seq;
        break;
    case EventType::Settings: {
        SettingsEntry s;
        s.count = e.settingsCount;
        s.values = e.settings;
        r.opaque = m_batch.settings.size();
        m_batch.settings.push_back(s);
        break;
    }
    case EventType::Headers:
        r.a = e.stream;
        r.b = static_cast<std::uint32_t>(e.grpcStatus + 1);
        r.text1 = intern(e.path);
        r.text2 = intern(e.grpcMessage);
        break;
    case EventType::Data:
    case EventType::WindowUpdate:
        r.a = e.stream;
        r.b = e.length;
        break;
    case EventType::Ping:
        r.opaque = e.opaque;
        break;
    case EventType::PingAck:
        r.opaque = e.opaque;
        r.number = e.rttMs;
        r.a = e.pingIndex >= 0 ? static_cast<std::uint32_t>(e.pingIndex + 1) : 0;
        break;
    case EventType::Goaway:
        r.a = e.lastStreamId;
        r.b = e.errorCode;
        r.text1 = intern(e.debug);
        break;
    case EventType::RstStream:
        r.a = e.stream;
        r.b = e.errorCode;
        break;
    case EventType::ChannelState:
        r.text1 = intern(e.state);
        break;
    case EventType::Rpc:
        r.text1 = intern(e.method);
        r.b = intern(e.status);
        r.text2 = intern(e.message);
        r.number = e.durationMs;
        break;
    default:
        break;
    }
    m_batch.records.push_back(r);
}

EventBatch EventBatchBuilder::take()
{
    EventBatch out = std::move(m_batch);
    m_batch = EventBatch {};
    m_batch.originNs = out.originNs;
    m_batch.decimals = out.decimals;
    m_recent.clear();
    return out;
}

} // namespace ks::ui
