// JSON form of events and connection summaries (field names from DESIGN.md).
#include "event_json.h"

#include "http2_codes.h"

#include <cstdio>

namespace ks::core {

namespace {

void writeOpaque(JsonWriter& json, std::uint64_t opaque)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(opaque));
    json.value(std::string_view(buf, 16));
}

} // namespace

void writeEventJson(JsonWriter& json, const Event& e, int decimals)
{
    json.beginObject();
    json.key("index");
    json.value(e.index);
    json.key("t");
    json.seconds(e.relNs, decimals);
    json.key("ts");
    json.seconds(e.tsNs, decimals);
    json.key("conn");
    json.value(e.conn);
    json.key("dir");
    json.value(directionName(e.dir));
    json.key("type");
    json.value(eventTypeName(e.type));
    switch (e.type) {
    case EventType::Syn:
    case EventType::Fin:
    case EventType::Rst:
    case EventType::Preface:
        break;
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
        json.key("seq");
        json.value(e.seq);
        break;
    case EventType::Settings:
        json.key("ack");
        json.value(e.ack);
        json.key("values");
        json.beginObject();
        for (std::size_t i = 0; i < e.settingsCount; ++i) {
            const auto name = http2SettingName(e.settings[i].id);
            if (name == "UNKNOWN") {
                char buf[24];
                std::snprintf(buf, sizeof buf, "0x%04x", e.settings[i].id);
                json.key(buf);
            } else {
                json.key(name);
            }
            json.value(e.settings[i].value);
        }
        json.endObject();
        break;
    case EventType::Headers:
        json.key("stream");
        json.value(e.stream);
        json.key("end_stream");
        json.value(e.endStream);
        json.key("hpack");
        json.value(e.hpack == HpackState::Decoded ? "decoded"
                       : e.hpack == HpackState::UnknownDynamicTable ? "unknown_dynamic_table"
                                                                     : "too_large");
        if (!e.path.empty()) {
            json.key("path");
            json.value(e.path);
        }
        if (e.grpcStatus >= 0) {
            json.key("grpc_status");
            json.value(e.grpcStatus);
        }
        if (!e.grpcMessage.empty()) {
            json.key("grpc_message");
            json.value(e.grpcMessage);
        }
        break;
    case EventType::Data:
        json.key("stream");
        json.value(e.stream);
        json.key("length");
        json.value(e.length);
        json.key("end_stream");
        json.value(e.endStream);
        break;
    case EventType::Ping:
    case EventType::PingAck:
        json.key("opaque");
        writeOpaque(json, e.opaque);
        if (e.type == EventType::PingAck && e.rttMs >= 0) {
            json.key("rtt_ms");
            json.value(e.rttMs, 3);
            json.key("ping");
            json.value(e.pingIndex);
        }
        break;
    case EventType::Goaway:
        json.key("last_stream_id");
        json.value(e.lastStreamId);
        json.key("error_code");
        json.value(e.errorCode);
        json.key("error");
        json.value(http2ErrorName(e.errorCode));
        json.key("debug");
        json.value(e.debug);
        break;
    case EventType::RstStream:
        json.key("stream");
        json.value(e.stream);
        json.key("error_code");
        json.value(e.errorCode);
        json.key("error");
        json.value(http2ErrorName(e.errorCode));
        break;
    case EventType::WindowUpdate:
        json.key("stream");
        json.value(e.stream);
        json.key("increment");
        json.value(e.length);
        break;
    case EventType::ChannelState:
        json.key("state");
        json.value(e.state);
        break;
    case EventType::Rpc:
        json.key("method");
        json.value(e.method);
        json.key("status");
        json.value(e.status);
        json.key("message");
        json.value(e.message);
        json.key("duration_ms");
        json.value(e.durationMs, 3);
        break;
    }
    json.endObject();
}

void writeConnectionJson(JsonWriter& json, const ConnectionSummary& c, std::int64_t originNs,
                         int decimals)
{
    json.beginObject();
    json.key("id");
    json.value(c.id);
    json.key("client");
    json.value(c.client);
    json.key("server");
    json.value(c.server);
    json.key("http2");
    json.value(c.http2);
    json.key("handshake_seen");
    json.value(c.sawHandshake);
    json.key("first");
    json.seconds(c.firstNs - originNs, decimals);
    json.key("last");
    json.seconds(c.lastNs - originNs, decimals);
    json.key("end");
    json.value(connectionEndName(c.end));
    json.key("longest_idle_s");
    json.seconds(c.longestIdleNs, decimals);
    json.key("longest_idle_start");
    json.seconds(c.longestIdleStartNs - originNs, decimals);
    json.key("packets");
    json.value(c.packets);
    json.key("payload_bytes");
    json.value(c.payloadBytes);
    json.key("counts");
    json.beginObject();
    for (std::size_t i = 0; i < kEventTypeCount; ++i) {
        json.key(eventTypeName(static_cast<EventType>(i)));
        json.value(c.counts[i]);
    }
    json.endObject();
    json.endObject();
}

} // namespace ks::core
