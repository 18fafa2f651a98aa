// The compact form of an event the window keeps (48 bytes instead of core::Event's ~350, so a
// 3.5M-event capture fits in memory), and the batch a worker hands to the GUI thread.
#pragma once

#include "core/connection_summary.h"
#include "core/event.h"

#include <QList>
#include <QMetaType>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ks::ui {

// Strings live in a pool and are referred to by id; id 0 is the empty string.
struct EventRecord {
    std::int64_t relNs = 0;
    std::uint64_t opaque = 0; // ping, ping_ack; settings: index into the settings table
    double number = -1.0; // ping_ack rtt_ms, rpc duration_ms
    std::uint32_t conn = 0;
    std::uint32_t a = 0; // seq | stream | last_stream_id | ping_ack: ping index + 1 (0 unseen)
    std::uint32_t b = 0; // length | increment | error code | headers: grpc-status + 1 | rpc: status text
    std::uint32_t text1 = 0; // path | debug | state | method
    std::uint32_t text2 = 0; // grpc-message | rpc message
    core::EventType type = core::EventType::Syn;
    core::Direction dir = core::Direction::ClientToServer;
    std::uint8_t flags = 0;
    core::HpackState hpack = core::HpackState::Decoded;

    static constexpr std::uint8_t kEndStream = 1;
    static constexpr std::uint8_t kAck = 2;
    static constexpr std::uint8_t kInferred = 4; // known from TLS record sizes only (core::Event::inferred)
};

struct SettingsEntry {
    std::uint8_t count = 0;
    std::array<core::SettingValue, 12> values {};
};

// What a producer (capture file, pipe, lab) hands over in one go. Records refer to this batch's
// own strings and settings; the store re-maps them into its pools when it appends.
struct EventBatch {
    QList<EventRecord> records; // implicitly shared: queued signals copy it for free
    std::vector<std::string> strings { std::string() };
    std::vector<SettingsEntry> settings;
    // Source facts, repeated in every batch so the first one is enough to start drawing.
    std::int64_t originNs = 0; // epoch ns of the first packet
    int decimals = 6;
    std::int64_t bytesRead = 0;
    std::int64_t totalBytes = -1;
    std::uint64_t packets = 0;
    // Connection endpoints known so far; empty when unchanged since the previous batch.
    std::vector<core::ConnectionSummary> connections;
    // Live and lab: the engine's warnings raised since the previous batch (TLS without keys, a
    // record failing authentication), each naming its connection.
    std::vector<std::string> warnings;
};

// Builds a batch from full events, interning strings within the batch.
class EventBatchBuilder {
public:
    void add(const core::Event& event);
    bool empty() const { return m_batch.records.isEmpty(); }
    qsizetype size() const { return m_batch.records.size(); }
    EventBatch& batch() { return m_batch; }
    // Hands the batch over and starts a new one.
    EventBatch take();

private:
    std::uint32_t intern(const std::string& text);

    EventBatch m_batch;
    std::vector<std::pair<std::string, std::uint32_t>> m_recent; // tiny cache: paths repeat
};

} // namespace ks::ui

Q_DECLARE_METATYPE(ks::ui::EventBatch)
