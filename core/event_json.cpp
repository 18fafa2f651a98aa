// JSON form of events and connection summaries (field names from DESIGN.md).
// appendEventJson and appendConnectionJson stay long (some 140 and 90 lines): each writes one JSON
// object field by field in the contract's order, which is how a reader checks them against DESIGN.md.
#include "event_json.h"

#include "http2_codes.h"
#include "number_format.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

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
    // size bytes of a block of N: the whole block is copied (the reserve has room for it).
    template <std::size_t N> void block(const char (&text)[N], std::size_t size)
    {
        std::memcpy(m_p, text, N);
        m_p += size;
    }
    void raw(std::string_view text)
    {
        std::memcpy(m_p, text.data(), text.size());
        m_p += text.size();
    }
    void u64(std::uint64_t v) { m_p = formatUnsigned(m_p, v); }
    void counter(DecimalCounter& c, std::uint64_t v) { m_p = c.write(m_p, v); }
    void column(SecondsColumn& c, std::int64_t ns, int decimals) { m_p = c.write(m_p, ns, decimals); }
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

// ,"dir":"c2s","type":"ping" for each direction and type, copied as one block of fixed size.
struct DirTypeText {
    char text[48];
    std::uint8_t size;
};
using DirTypeTable = std::array<std::array<DirTypeText, kEventTypeCount>, 2>;

DirTypeTable makeDirTypeTable()
{
    DirTypeTable table {};
    for (std::size_t d = 0; d < 2; ++d) {
        for (std::size_t t = 0; t < kEventTypeCount; ++t) {
            std::string text = d == 0 ? ",\"dir\":\"c2s\",\"type\":\"" : ",\"dir\":\"s2c\",\"type\":\"";
            text += eventTypeName(static_cast<EventType>(t));
            text += '"';
            std::memcpy(table[d][t].text, text.data(), text.size()); // 40 bytes at most
            table[d][t].size = static_cast<std::uint8_t>(text.size());
        }
    }
    return table;
}

// "syn": and ,"fin": ... for the connection's counts, copied as one block of fixed size.
using CountKeys = std::array<DirTypeText, kEventTypeCount>;

CountKeys makeCountKeys()
{
    CountKeys keys {};
    for (std::size_t t = 0; t < kEventTypeCount; ++t) {
        std::string text = t ? ",\"" : "\"";
        text += eventTypeName(static_cast<EventType>(t));
        text += "\":";
        std::memcpy(keys[t].text, text.data(), text.size()); // 21 bytes at most
        keys[t].size = static_cast<std::uint8_t>(text.size());
    }
    return keys;
}

} // namespace

EventJsonWriter::EventJsonWriter(int decimals)
    : m_decimals(decimals > 9 ? 9 : (decimals < 1 ? 1 : decimals))
{
}

void appendEventJson(OutputBuffer& out, const Event& event, int decimals)
{
    EventJsonWriter(decimals).append(out, event);
}

void EventJsonWriter::append(OutputBuffer& out, const Event& e, bool afterAnother)
{
    static const DirTypeTable dirType = makeDirTypeTable();
    const int decimals = m_decimals;
    // Room for the fixed fields (under 256 bytes, with what the fixed-size copies reach past
    // them); a SETTINGS list of 12 values needs more.
    Cursor c(out, e.type == EventType::Settings ? 1024 : 384);
    if (afterAnother)
        c.lit(",\n{\"index\":");
    else
        c.lit("{\"index\":");
    c.counter(m_index, e.index);
    c.lit(",\"t\":");
    c.column(m_t, e.relNs, decimals);
    c.lit(",\"ts\":");
    c.column(m_ts, e.tsNs, decimals);
    c.lit(",\"conn\":");
    c.u64(e.conn);
    if (static_cast<std::size_t>(e.type) < kEventTypeCount) {
        const auto& text = dirType[e.dir == Direction::ClientToServer ? 0 : 1][static_cast<std::size_t>(e.type)];
        c.block(text.text, text.size);
    } else {
        e.dir == Direction::ClientToServer ? c.lit(",\"dir\":\"c2s\",\"type\":\"")
                                           : c.lit(",\"dir\":\"s2c\",\"type\":\"");
        c.raw(eventTypeName(e.type));
        c.lit("\"");
    }
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

void appendConnectionJson(OutputBuffer& out, const ConnectionSummary& c, std::int64_t originNs, int decimals)
{
    decimals = decimals > 9 ? 9 : (decimals < 1 ? 1 : decimals);
    // Room for every fixed field, the evidence (at most 3) and the counts: under 1 KB; strings
    // make their own room.
    Cursor j(out, 2048);
    j.lit("{\"id\":");
    j.u64(c.id);
    j.lit(",\"client\":");
    j.string(c.client);
    j.lit(",\"server\":");
    j.string(c.server);
    j.lit(",\"http2\":");
    j.boolean(c.http2);
    j.lit(",\"handshake_seen\":");
    j.boolean(c.sawHandshake);
    j.lit(",\"first\":");
    j.seconds(c.firstNs - originNs, decimals);
    j.lit(",\"last\":");
    j.seconds(c.lastNs - originNs, decimals);
    j.lit(",\"end\":\"");
    j.raw(connectionEndName(c.end));
    j.lit("\",\"end_cause\":\"");
    j.raw(endCauseName(c.endCause));
    j.lit("\"");
    if (!c.endDetail.empty()) {
        j.lit(",\"end_detail\":");
        j.string(c.endDetail.str());
    }
    if (!c.endEvidence.empty()) {
        j.lit(",\"end_evidence\":[");
        const char* comma = "";
        for (const auto index : c.endEvidence) { // at most EndEvidence::kMax
            j.raw(comma);
            j.u64(index);
            comma = ",";
        }
        j.lit("]");
    }
    if (c.otherLeg) {
        j.lit(",\"other_leg\":");
        j.u64(*c.otherLeg);
    }
    j.lit(",\"retransmissions\":{\"c2s\":");
    j.u64(c.rare().retransmissions[0]);
    j.lit(",\"s2c\":");
    j.u64(c.rare().retransmissions[1]);
    j.lit("},\"longest_idle_s\":");
    j.seconds(c.longestIdleNs, decimals);
    j.lit(",\"longest_idle_start\":");
    j.seconds(c.longestIdleStartNs - originNs, decimals);
    j.lit(",\"packets\":");
    j.u64(c.packets);
    j.lit(",\"payload_bytes\":");
    j.u64(c.payloadBytes);
    if (c.rare().rolesGuessed)
        j.lit(",\"roles_guessed\":true");
    if (c.rare().missingBytes) {
        j.lit(",\"missing_bytes\":");
        j.u64(c.rare().missingBytes);
    }
    if (c.rare().payloadCutBytes) {
        j.lit(",\"payload_cut_bytes\":");
        j.u64(c.rare().payloadCutBytes);
    }
    if (c.tls) {
        j.lit(",\"tls\":{\"version\":");
        j.string(c.tls->version);
        j.lit(",\"cipher\":");
        j.string(c.tls->cipher);
        j.lit(",\"sni\":");
        j.string(c.tls->sni);
        j.lit(",\"alpn\":");
        j.string(c.tls->alpn);
        j.lit(",\"alpn_offered\":[");
        for (std::size_t i = 0; i < c.tls->alpnOffered.size(); ++i) {
            if (i)
                j.lit(",");
            j.string(c.tls->alpnOffered[i]);
        }
        j.lit("],\"decryption\":");
        j.string(c.tls->decryption);
        j.lit("}");
    }
    if (!c.rare().proxy.empty()) {
        j.lit(",\"proxy\":");
        j.string(c.rare().proxy.str());
    }
    static const CountKeys countKeys = makeCountKeys();
    j.lit(",\"counts\":{");
    for (std::size_t i = 0; i < kEventTypeCount; ++i) {
        j.block(countKeys[i].text, countKeys[i].size);
        j.u64(c.counts[i]);
    }
    j.lit("}}");
}

} // namespace ks::core
