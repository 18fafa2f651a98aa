// Command-line renderings of the event stream (JSON contract of DESIGN.md, and text).
#include "event_printers.h"

#include "core/event_json.h"
#include "core/http2_codes.h"
#include "findings_options.h"

#include <algorithm>
#include <cinttypes>

namespace ks::app {

using core::EventType;

JsonPrinter::JsonPrinter(std::FILE* out, bool flushEachEvent)
    : m_out(out)
    , m_flushEachEvent(flushEachEvent)
{
}

void JsonPrinter::flush(bool force)
{
    if (!m_buffer.empty()) {
        std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_out);
        m_buffer.clear();
    }
    if (force || m_events.size() >= (1 << 20)) {
        std::fwrite(m_events.view().data(), 1, m_events.size(), m_out);
        m_events.clear();
        if (force)
            std::fflush(m_out);
    }
}

void JsonPrinter::begin(const RunInfo& info)
{
    m_decimals = info.decimals;
    m_buffer += "{\"source\":";
    core::appendJsonString(m_buffer, info.source);
    m_buffer += ",\"link_type\":";
    core::appendJsonString(m_buffer, info.linkType);
    m_buffer += ",\"resolution\":";
    m_buffer += info.decimals == 9 ? "\"ns\"" : "\"us\"";
    m_buffer += ",\"events\":[\n";
    flush(m_flushEachEvent);
}

void JsonPrinter::onEvent(const core::Event& event)
{
    if (!m_firstEvent)
        m_events.append(",\n");
    m_firstEvent = false;
    core::appendEventJson(m_events, event, m_decimals);
    if (m_flushEachEvent || m_events.size() >= (1 << 20))
        flush(m_flushEachEvent);
}

void JsonPrinter::end(const RunInfo& info)
{
    flush(false);
    std::fwrite(m_events.view().data(), 1, m_events.size(), m_out);
    m_events.clear();
    m_buffer += "\n],\"packets\":";
    m_buffer += std::to_string(info.packets);
    m_buffer += ",\"connections\":[";
    core::JsonWriter json(m_buffer);
    for (std::size_t i = 0; i < info.connections.size(); ++i) {
        if (i)
            m_buffer += ",";
        m_buffer += "\n";
        core::JsonWriter item(m_buffer);
        core::writeConnectionJson(item, info.connections[i], info.originNs, m_decimals);
    }
    m_buffer += "\n],\"findings\":";
    m_buffer += core::findingsJson(info.findings);
    m_buffer += ",\"warnings\":[";
    for (std::size_t i = 0; i < info.warnings.size(); ++i) {
        if (i)
            m_buffer += ",";
        core::appendJsonString(m_buffer, info.warnings[i]);
    }
    m_buffer += "]}\n";
    flush(true);
}

TextPrinter::TextPrinter(std::FILE* out, bool showAll, bool flushEachEvent)
    : m_out(out)
    , m_showAll(showAll)
    , m_flushEachEvent(flushEachEvent)
{
}

void TextPrinter::begin(const RunInfo& info)
{
    m_decimals = info.decimals;
    std::fprintf(m_out, "%s: %s, timestamps in %s\n", info.source.c_str(), info.linkType.c_str(),
                 info.decimals == 9 ? "nanoseconds" : "microseconds");
    if (m_flushEachEvent)
        std::fflush(m_out);
}

namespace {

bool keepaliveRelevant(EventType type)
{
    switch (type) {
    case EventType::Syn:
    case EventType::Fin:
    case EventType::Rst:
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
    case EventType::Ping:
    case EventType::PingAck:
    case EventType::Goaway:
    case EventType::RstStream:
    case EventType::ChannelState: // lab
    case EventType::Rpc: // lab
        return true;
    default:
        return false;
    }
}

std::string seconds(std::int64_t ns, int decimals)
{
    std::string s;
    core::appendSeconds(s, ns, decimals);
    return s;
}

} // namespace

void TextPrinter::onEvent(const core::Event& e)
{
    if (e.type == EventType::PingAck && e.rttMs >= 0) {
        if (m_rtt.size() <= e.conn)
            m_rtt.resize(e.conn + 1);
        auto& r = m_rtt[e.conn];
        r.min = r.count ? std::min(r.min, e.rttMs) : e.rttMs;
        r.max = r.count ? std::max(r.max, e.rttMs) : e.rttMs;
        r.sum += e.rttMs;
        ++r.count;
    }
    if (!m_showAll && !keepaliveRelevant(e.type))
        return;
    if (m_printed++ == 0)
        std::fprintf(m_out, "\n%14s  %-7s %-5s %-3s  %-17s %s\n", "time (s)", "#", "conn", "dir", "event", "details");
    std::string detail;
    char buf[160];
    switch (e.type) {
    case EventType::Ping:
        if (e.inferred) {
            detail = "inferred from TLS record sizes";
            break;
        }
        std::snprintf(buf, sizeof buf, "opaque=%016" PRIx64, e.opaque);
        detail = buf;
        break;
    case EventType::PingAck:
        if (e.inferred) {
            detail = "inferred from TLS record sizes";
        } else {
            std::snprintf(buf, sizeof buf, "opaque=%016" PRIx64, e.opaque);
            detail = buf;
        }
        if (e.rttMs >= 0) {
            std::snprintf(buf, sizeof buf, "  rtt=%.3f ms", e.rttMs);
            detail += buf;
        } else {
            detail += "  (PING not in capture)";
        }
        break;
    case EventType::Goaway:
        std::snprintf(buf, sizeof buf, "%s (%u) last_stream=%u", std::string(core::http2ErrorName(e.errorCode)).c_str(),
                      e.errorCode, e.lastStreamId);
        detail = buf;
        if (!e.debug.empty())
            detail += " debug=\"" + e.debug + "\"";
        break;
    case EventType::RstStream:
        std::snprintf(buf, sizeof buf, "stream=%u %s (%u)", e.stream,
                      std::string(core::http2ErrorName(e.errorCode)).c_str(), e.errorCode);
        detail = buf;
        break;
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        std::snprintf(buf, sizeof buf, "seq=%u", e.seq);
        detail = buf;
        break;
    case EventType::Headers:
        std::snprintf(buf, sizeof buf, "stream=%u%s", e.stream, e.endStream ? " end_stream" : "");
        detail = buf;
        if (!e.path.empty())
            detail += " path=" + e.path;
        if (e.grpcStatus >= 0)
            detail += " grpc-status=" + std::to_string(e.grpcStatus);
        if (!e.grpcMessage.empty())
            detail += " grpc-message=\"" + e.grpcMessage + "\"";
        if (e.hpack == core::HpackState::UnknownDynamicTable)
            detail += " (header fields refer to HPACK state from before the capture: not decoded)";
        else if (e.hpack == core::HpackState::Malformed)
            detail += " (malformed HPACK header block: not decoded)";
        break;
    case EventType::Data:
        std::snprintf(buf, sizeof buf, "stream=%u length=%u%s", e.stream, e.length, e.endStream ? " end_stream" : "");
        detail = buf;
        break;
    case EventType::WindowUpdate:
        std::snprintf(buf, sizeof buf, "stream=%u increment=%u", e.stream, e.length);
        detail = buf;
        break;
    case EventType::Settings:
        detail = e.ack ? "ack" : "";
        for (std::size_t i = 0; i < e.settingsCount; ++i) {
            if (!detail.empty())
                detail.push_back(' ');
            detail.append(core::http2SettingName(e.settings[i].id));
            detail.push_back('=');
            detail.append(std::to_string(e.settings[i].value));
        }
        break;
    case EventType::ChannelState:
        detail = e.state;
        break;
    case EventType::Rpc:
        std::snprintf(buf, sizeof buf, "%s %s %.1f ms", e.method.c_str(), e.status.c_str(), e.durationMs);
        detail = buf;
        if (!e.message.empty())
            detail += " \"" + e.message + "\"";
        break;
    default:
        break;
    }
    std::string name(core::eventTypeName(e.type));
    char index[24];
    std::snprintf(index, sizeof index, "#%" PRIu64, e.index);
    std::fprintf(m_out, "%14s  %-7s %-5u %-3s  %-17s %s\n", seconds(e.relNs, m_decimals).c_str(), index, e.conn,
                 std::string(core::directionName(e.dir)).c_str(), name.c_str(), detail.c_str());
    if (m_flushEachEvent)
        std::fflush(m_out);
}

void TextPrinter::end(const RunInfo& info)
{
    std::size_t http2 = 0;
    for (const auto& c : info.connections)
        http2 += c.http2 ? 1 : 0;
    std::fprintf(m_out, "\n%" PRIu64 " packets, %zu TCP connections (%zu HTTP/2)\n", info.packets,
                 info.connections.size(), http2);
    for (const auto& c : info.connections) {
        auto n = [&c](EventType t) { return static_cast<unsigned long long>(c.count(t)); };
        const char* ending = "still open at the end of the capture";
        switch (c.end) {
        case core::ConnectionEnd::FinC2S: ending = "closed by the client (FIN)"; break;
        case core::ConnectionEnd::FinS2C: ending = "closed by the server (FIN)"; break;
        case core::ConnectionEnd::RstC2S: ending = "reset by the client (RST)"; break;
        case core::ConnectionEnd::RstS2C: ending = "reset by the server (RST)"; break;
        case core::ConnectionEnd::Open: break;
        }
        std::fprintf(m_out, "\nconnection %u  %s -> %s  %s%s\n", c.id, c.client.c_str(), c.server.c_str(),
                     c.http2 ? "HTTP/2"
                             : c.tls ? "TLS, HTTP/2 not read"
                             : c.payloadCutBytes ? "payload cut by the snapshot length, HTTP/2 not read"
                                                 : "not HTTP/2 (or encrypted)",
                     c.sawHandshake ? "" : ", started before the capture");
        if (c.tls) {
            const auto& t = *c.tls;
            std::string alpn = t.alpn;
            if (alpn.empty() && !t.alpnOffered.empty()) {
                alpn = "offered";
                for (const auto& a : t.alpnOffered)
                    alpn += " " + a;
            }
            std::fprintf(m_out, "  %s, %s, SNI %s, ALPN %s; %s\n", t.version.empty() ? "TLS (version not seen)" : t.version.c_str(),
                         t.cipher.empty() ? "cipher not seen" : t.cipher.c_str(), t.sni.empty() ? "none" : t.sni.c_str(),
                         alpn.empty() ? "none" : alpn.c_str(), t.decryption.c_str());
        }
        if (!c.proxy.empty())
            std::fprintf(m_out, "  via %s\n", c.proxy.c_str());
        std::fprintf(m_out, "  %s .. %s s, %s\n", seconds(c.firstNs - info.originNs, m_decimals).c_str(),
                     seconds(c.lastNs - info.originNs, m_decimals).c_str(), ending);
        std::fprintf(m_out, "  how it ended: %s%s%s\n", std::string(core::endCauseLabel(c.endCause)).c_str(),
                     c.endDetail.empty() ? "" : ": ", c.endDetail.c_str());
        if (c.retransmissions[0] || c.retransmissions[1])
            std::fprintf(m_out, "  TCP retransmissions: %" PRIu64 " client -> server, %" PRIu64 " server -> client\n",
                         c.retransmissions[0], c.retransmissions[1]);
        std::fprintf(m_out, "  longest idle gap %s s (from %s s), %" PRIu64 " packets, %" PRIu64 " payload bytes\n",
                     seconds(c.longestIdleNs, 3).c_str(), seconds(c.longestIdleStartNs - info.originNs, 3).c_str(),
                     c.packets, c.payloadBytes);
        std::fprintf(m_out, "  PING %llu, PING ACK %llu", n(EventType::Ping), n(EventType::PingAck));
        if (c.id < m_rtt.size() && m_rtt[c.id].count) {
            const auto& r = m_rtt[c.id];
            std::fprintf(m_out, " (rtt min/avg/max %.3f/%.3f/%.3f ms)", r.min, r.sum / static_cast<double>(r.count), r.max);
        }
        std::fprintf(m_out, ", GOAWAY %llu, TCP keep-alive %llu, keep-alive ACK %llu, FIN %llu, RST %llu\n",
                     n(EventType::Goaway), n(EventType::TcpKeepalive), n(EventType::TcpKeepaliveAck),
                     n(EventType::Fin), n(EventType::Rst));
        if (n(EventType::ZeroWindowProbe))
            std::fprintf(m_out, "  zero-window probes %llu (the peer advertised a zero window; not keep-alives)\n",
                         n(EventType::ZeroWindowProbe));
        if (c.http2)
            std::fprintf(m_out, "  HEADERS %llu, DATA %llu, SETTINGS %llu, RST_STREAM %llu, WINDOW_UPDATE %llu\n",
                         n(EventType::Headers), n(EventType::Data), n(EventType::Settings), n(EventType::RstStream),
                         n(EventType::WindowUpdate));
    }
    if (info.showFindings)
        printFindingsText(m_out, info.findings, info.profiles);
    for (const auto& w : info.warnings)
        std::fprintf(m_out, "\nwarning: %s\n", w.c_str());
    std::fflush(m_out);
}

EventOutput::EventOutput(bool json, bool all, bool flushEachEvent, core::FindingsAnalyzer& analyzer)
    : m_analyzer(analyzer)
{
    if (json)
        m_json = std::make_unique<JsonPrinter>(stdout, flushEachEvent);
    else
        m_text = std::make_unique<TextPrinter>(stdout, all, flushEachEvent);
}

void EventOutput::begin(const RunInfo& info)
{
    m_begun = true;
    m_json ? m_json->begin(info) : m_text->begin(info);
}

void EventOutput::onEvent(const core::Event& event)
{
    m_analyzer.onEvent(event);
    m_json ? m_json->onEvent(event) : m_text->onEvent(event);
}

void EventOutput::end(const RunInfo& info) { m_json ? m_json->end(info) : m_text->end(info); }

} // namespace ks::app
