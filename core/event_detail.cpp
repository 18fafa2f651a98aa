// Event details in the text view's words. Numbers go through number_format.h (same digits as
// printf's %u, %016x and %.Nf): the text view prints a line per PING of a million-frame capture.
#include "event_detail.h"

#include "core/http2_codes.h"
#include "core/number_format.h"

#include <cstring>

namespace ks::core {

namespace {

void appendUnsigned(std::string& out, std::uint64_t v)
{
    char digits[24];
    out.append(digits, formatUnsigned(digits, v));
}

void appendFixed(std::string& out, double v, int decimals)
{
    char digits[64];
    out.append(digits, formatFixed(digits, v, decimals));
}

void appendError(std::string& out, std::uint32_t code) // "ENHANCE_YOUR_CALM (11)"
{
    out += http2ErrorName(code);
    out += " (";
    appendUnsigned(out, code);
    out += ')';
}

void appendQuoted(std::string& out, std::string_view key, const std::string& text)
{
    out += key;
    out += '"';
    out += text;
    out += '"';
}

void appendHeaders(std::string& out, const Event& e)
{
    out += "stream=";
    appendUnsigned(out, e.stream);
    if (e.endStream)
        out += " end_stream";
    if (!e.path.empty()) {
        out += " path=";
        out += e.path;
    }
    if (e.grpcStatus >= 0) {
        out += " grpc-status=";
        appendUnsigned(out, static_cast<std::uint64_t>(e.grpcStatus));
    }
    if (!e.grpcMessage.empty())
        appendQuoted(out, " grpc-message=", e.grpcMessage);
    if (e.hpack == HpackState::UnknownDynamicTable)
        out += " (header fields refer to HPACK state from before the capture: not decoded)";
    else if (e.hpack == HpackState::Malformed)
        out += " (malformed HPACK header block: not decoded)";
}

void appendSettings(std::string& out, const Event& e)
{
    if (e.ack)
        out += "ack";
    for (std::size_t i = 0; i < e.settingsCount && i < e.settings.size(); ++i) {
        if (e.ack || i > 0)
            out += ' ';
        out += http2SettingName(e.settings[i].id);
        out += '=';
        appendUnsigned(out, e.settings[i].value);
    }
}

} // namespace

char* writeShortDetail(char* p, const Event& e)
{
    const auto put = [&p](std::string_view text) {
        std::memcpy(p, text.data(), text.size());
        p += text.size();
    };
    switch (e.type) {
    case EventType::Ping:
    case EventType::PingAck:
        if (e.inferred) {
            put(kInferredDetail);
        } else {
            put("opaque=");
            p = formatHex64(p, e.opaque);
        }
        if (e.type == EventType::Ping)
            break;
        if (e.rttMs >= 0) {
            put("  rtt=");
            p = formatFixed(p, e.rttMs, 3);
            put(" ms");
        } else if (e.pingIndex >= 0) {
            put("  (after the PING's sender closed: no round trip)");
        } else {
            put("  (PING not in capture)");
        }
        break;
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        put("seq=");
        p = formatUnsigned(p, e.seq);
        break;
    case EventType::Syn:
    case EventType::Fin:
    case EventType::Rst:
        break;
    default:
        return nullptr;
    }
    return p;
}

void appendEventDetail(std::string& out, const Event& e)
{
    char shortDetail[kShortDetailMax];
    if (const char* end = writeShortDetail(shortDetail, e)) {
        out.append(shortDetail, static_cast<std::size_t>(end - shortDetail));
        return;
    }
    switch (e.type) {
    case EventType::Goaway:
        appendError(out, e.errorCode);
        out += " last_stream=";
        appendUnsigned(out, e.lastStreamId);
        if (!e.debug.empty())
            appendQuoted(out, " debug=", e.debug);
        break;
    case EventType::RstStream:
        out += "stream=";
        appendUnsigned(out, e.stream);
        out += ' ';
        appendError(out, e.errorCode);
        break;
    case EventType::Headers:
        appendHeaders(out, e);
        break;
    case EventType::Data:
        out += "stream=";
        appendUnsigned(out, e.stream);
        out += " length=";
        appendUnsigned(out, e.length);
        if (e.endStream)
            out += " end_stream";
        break;
    case EventType::WindowUpdate:
        out += "stream=";
        appendUnsigned(out, e.stream);
        out += " increment=";
        appendUnsigned(out, e.length);
        break;
    case EventType::Settings:
        appendSettings(out, e);
        break;
    case EventType::ChannelState:
        out += e.state;
        break;
    case EventType::Rpc:
        // A lab RPC: method, status, and the duration where the channel measured one.
        out += e.method;
        out += ' ';
        out += e.status;
        if (e.durationMs >= 0) {
            out += ' ';
            appendFixed(out, e.durationMs, 1);
            out += " ms";
        }
        if (!e.message.empty())
            appendQuoted(out, " ", e.message);
        break;
    case EventType::Preface:
        break;
    default: // written by writeShortDetail above
        break;
    }
}

std::string eventDetail(const Event& e)
{
    std::string out;
    appendEventDetail(out, e);
    return out;
}

} // namespace ks::core
