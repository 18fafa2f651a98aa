// JSON form of events and connection summaries (field names from DESIGN.md).
// appendEventJson and writeConnectionJson stay long (some 140 and 90 lines): each writes one JSON
// object field by field in the contract's order, which is how a reader checks them against DESIGN.md.
#include "event_json.h"

#include "http2_codes.h"
#include "number_format.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace ks::core {

namespace {

// The event hot path writes through a raw cursor: one capacity check per event and literal
// keys copied with known sizes. A million-event capture spends most of its time here.
class Cursor {
public:
    Cursor(OutputBuffer& out, std::size_t reserve)
        : m_out(out)
        , m_reserve(reserve)
        , m_p(out.grow(reserve))
    {
    }
    ~Cursor() { m_out.commit(m_p); }

    template <std::size_t N> void lit(const char (&text)[N])
    {
        std::memcpy(m_p, text, N - 1);
        m_p += N - 1;
    }
    void raw(std::string_view text)
    {
        std::memcpy(m_p, text.data(), text.size());
        m_p += text.size();
    }
    void u64(std::uint64_t v) { m_p = formatUnsigned(m_p, v); }
    void i64(std::int64_t v) { m_p = formatSigned(m_p, v); }
    void boolean(bool v) { v ? lit("true") : lit("false"); }
    void seconds(std::int64_t ns, int decimals) { m_p = formatSeconds(m_p, ns, decimals); }
    void fixed(double v, int decimals)
    {
        if (!std::isfinite(v)) {
            lit("null");
            return;
        }
        m_p = formatFixed(m_p, v, decimals);
    }
    void hex16(std::uint64_t v)
    {
        *m_p++ = '"';
        m_p = formatHex64(m_p, v);
        *m_p++ = '"';
    }
    // Strings of unbounded length leave the cursor: flush, append, re-reserve.
    void string(std::string_view text)
    {
        m_out.commit(m_p);
        m_out.appendJsonString(text);
        m_p = m_out.grow(m_reserve);
    }

private:
    OutputBuffer& m_out;
    std::size_t m_reserve;
    char* m_p;
};

} // namespace

void appendEventJson(OutputBuffer& out, const Event& e, int decimals)
{
    decimals = decimals > 9 ? 9 : (decimals < 1 ? 1 : decimals);
    // Room for the fixed fields: under 256 bytes, a SETTINGS list of 12 values needs more.
    Cursor c(out, e.type == EventType::Settings ? 1024 : 256);
    c.lit("{\"index\":");
    c.u64(e.index);
    c.lit(",\"t\":");
    c.seconds(e.relNs, decimals);
    c.lit(",\"ts\":");
    c.seconds(e.tsNs, decimals);
    c.lit(",\"conn\":");
    c.u64(e.conn);
    e.dir == Direction::ClientToServer ? c.lit(",\"dir\":\"c2s\",\"type\":\"") : c.lit(",\"dir\":\"s2c\",\"type\":\"");
    c.raw(eventTypeName(e.type));
    c.lit("\"");
    switch (e.type) {
    case EventType::Rst:
        if (e.peerDataAcked)
            c.lit(",\"peer_data_acked\":true");
        break;
    case EventType::Syn:
    case EventType::Fin:
    case EventType::Preface:
        break;
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        c.lit(",\"seq\":");
        c.u64(e.seq);
        break;
    case EventType::Settings:
        c.lit(",\"ack\":");
        c.boolean(e.ack);
        c.lit(",\"values\":{");
        for (std::size_t i = 0; i < e.settingsCount && i < e.settings.size(); ++i) {
            if (i)
                c.lit(",");
            const auto name = http2SettingName(e.settings[i].id);
            c.lit("\"");
            if (name == "UNKNOWN") {
                char buf[8];
                std::snprintf(buf, sizeof buf, "0x%04x", e.settings[i].id);
                c.raw(buf);
            } else {
                c.raw(name);
            }
            c.lit("\":");
            c.u64(e.settings[i].value);
        }
        c.lit("}");
        break;
    case EventType::Headers:
        c.lit(",\"stream\":");
        c.u64(e.stream);
        c.lit(",\"end_stream\":");
        c.boolean(e.endStream);
        if (e.hpack == HpackState::Decoded)
            c.lit(",\"hpack\":\"decoded\"");
        else if (e.hpack == HpackState::UnknownDynamicTable)
            c.lit(",\"hpack\":\"unknown_dynamic_table\"");
        else if (e.hpack == HpackState::Malformed)
            c.lit(",\"hpack\":\"malformed\"");
        else
            c.lit(",\"hpack\":\"too_large\"");
        if (!e.path.empty()) {
            c.lit(",\"path\":");
            c.string(e.path);
        }
        if (e.grpcStatus >= 0) {
            c.lit(",\"grpc_status\":");
            c.i64(e.grpcStatus);
        }
        if (!e.grpcMessage.empty()) {
            c.lit(",\"grpc_message\":");
            c.string(e.grpcMessage);
        }
        break;
    case EventType::Data:
        c.lit(",\"stream\":");
        c.u64(e.stream);
        c.lit(",\"length\":");
        c.u64(e.length);
        c.lit(",\"end_stream\":");
        c.boolean(e.endStream);
        break;
    case EventType::Ping:
    case EventType::PingAck:
        if (e.inferred) {
            c.lit(",\"inferred\":true"); // from TLS record sizes: no opaque data to show
        } else {
            c.lit(",\"opaque\":");
            c.hex16(e.opaque);
        }
        if (e.type == EventType::PingAck && e.rttMs >= 0) {
            c.lit(",\"rtt_ms\":");
            c.fixed(e.rttMs, 3);
            c.lit(",\"ping\":");
            c.i64(e.pingIndex);
        }
        break;
    case EventType::Goaway:
        c.lit(",\"last_stream_id\":");
        c.u64(e.lastStreamId);
        c.lit(",\"error_code\":");
        c.u64(e.errorCode);
        c.lit(",\"error\":\"");
        c.raw(http2ErrorName(e.errorCode));
        c.lit("\",\"debug\":");
        c.string(e.debug);
        break;
    case EventType::RstStream:
        c.lit(",\"stream\":");
        c.u64(e.stream);
        c.lit(",\"error_code\":");
        c.u64(e.errorCode);
        c.lit(",\"error\":\"");
        c.raw(http2ErrorName(e.errorCode));
        c.lit("\"");
        break;
    case EventType::WindowUpdate:
        c.lit(",\"stream\":");
        c.u64(e.stream);
        c.lit(",\"increment\":");
        c.u64(e.length);
        break;
    case EventType::ChannelState:
        c.lit(",\"state\":");
        c.string(e.state);
        break;
    case EventType::Rpc:
        c.lit(",\"method\":");
        c.string(e.method);
        c.lit(",\"status\":");
        c.string(e.status);
        c.lit(",\"message\":");
        c.string(e.message);
        c.lit(",\"duration_ms\":");
        c.fixed(e.durationMs, 3);
        break;
    }
    c.lit("}");
}

void writeConnectionJson(JsonWriter& json, const ConnectionSummary& c, std::int64_t originNs, int decimals)
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
    json.key("end_cause");
    json.value(endCauseName(c.endCause));
    if (!c.endDetail.empty()) {
        json.key("end_detail");
        json.value(c.endDetail.str());
    }
    if (!c.endEvidence.empty()) {
        json.key("end_evidence");
        json.beginArray();
        for (auto i : c.endEvidence)
            json.value(i);
        json.endArray();
    }
    if (c.otherLeg) {
        json.key("other_leg");
        json.value(*c.otherLeg);
    }
    json.key("retransmissions");
    json.beginObject();
    json.key("c2s");
    json.value(c.rare().retransmissions[0]);
    json.key("s2c");
    json.value(c.rare().retransmissions[1]);
    json.endObject();
    json.key("longest_idle_s");
    json.seconds(c.longestIdleNs, decimals);
    json.key("longest_idle_start");
    json.seconds(c.longestIdleStartNs - originNs, decimals);
    json.key("packets");
    json.value(c.packets);
    json.key("payload_bytes");
    json.value(c.payloadBytes);
    if (c.rare().payloadCutBytes) {
        json.key("payload_cut_bytes");
        json.value(c.rare().payloadCutBytes);
    }
    if (c.tls) {
        json.key("tls");
        json.beginObject();
        json.key("version");
        json.value(c.tls->version);
        json.key("cipher");
        json.value(c.tls->cipher);
        json.key("sni");
        json.value(c.tls->sni);
        json.key("alpn");
        json.value(c.tls->alpn);
        json.key("alpn_offered");
        json.beginArray();
        for (const auto& a : c.tls->alpnOffered)
            json.value(a);
        json.endArray();
        json.key("decryption");
        json.value(c.tls->decryption);
        json.endObject();
    }
    if (!c.rare().proxy.empty()) {
        json.key("proxy");
        json.value(c.rare().proxy.str());
    }
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
