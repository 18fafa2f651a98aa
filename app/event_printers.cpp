// Command-line renderings of the event stream (JSON contract of DESIGN.md, and text).
// TextPrinter::end (some 120 lines) writes the closing summary in print order: the counts, one
// block per connection, then the warnings.
#include "event_printers.h"

#include "core/event_detail.h"
#include "core/event_json.h"
#include "findings_options.h"
#include "text_columns.h"

#include "core/number_format.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstring>

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
    m_writer = core::EventJsonWriter(info.decimals);
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
    m_writer.append(m_events, event, !m_firstEvent);
    m_firstEvent = false;
    if (m_flushEachEvent || m_events.size() >= (1 << 20))
        flush(m_flushEachEvent);
}

void JsonPrinter::end(const RunInfo& info)
{
    flush(false); // the document head, if no event came
    // The rest goes through the event buffer: written out at each MB, so a busy host's million
    // connections are not held as one string.
    auto& out = m_events;
    auto writeAtMb = [&] {
        if (out.size() >= (1 << 20)) {
            std::fwrite(out.view().data(), 1, out.size(), m_out);
            out.clear();
        }
    };
    out.append("\n],\"packets\":");
    out.append(std::to_string(info.packets));
    out.append(",\"connections\":[");
    for (std::size_t i = 0; i < info.connections.size(); ++i) {
        out.append(i ? ",\n" : "\n");
        core::appendConnectionJson(out, info.connections[i], info.originNs, m_decimals);
        writeAtMb();
    }
    out.append("\n],\"findings\":[");
    for (std::size_t i = 0; i < info.findings.size(); ++i) {
        if (i)
            out.append(",");
        out.append(core::findingJson(info.findings[i])); // as findingsJson, one at a time
        writeAtMb();
    }
    out.append("],\"warnings\":[");
    for (std::size_t i = 0; i < info.warnings.size(); ++i) {
        if (i)
            out.append(",");
        out.appendJsonString(info.warnings[i]);
    }
    out.append("]}\n");
    flush(true);
}

TextPrinter::TextPrinter(std::FILE* out, bool showAll, bool flushEachEvent)
    : m_out(out)
    , m_showAll(showAll)
    , m_flushEachEvent(flushEachEvent)
{
}

void TextPrinter::flush(bool force)
{
    if (force || m_flushEachEvent || m_buffer.size() >= (1 << 20)) {
        std::fwrite(m_buffer.view().data(), 1, m_buffer.size(), m_out);
        m_buffer.clear();
        if (force || m_flushEachEvent)
            std::fflush(m_out);
    }
}

void TextPrinter::begin(const RunInfo& info)
{
    m_decimals = info.decimals;
    m_buffer.append(info.source);
    m_buffer.append(": ");
    m_buffer.append(info.linkType);
    m_buffer.append(info.decimals == 9 ? ", timestamps in nanoseconds\n" : ", timestamps in microseconds\n");
    if (m_flushEachEvent)
        flush(true);
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

void appendUnsigned(std::string& out, std::uint64_t value)
{
    char digits[24];
    out.append(digits, core::formatUnsigned(digits, value));
}

} // namespace

void TextPrinter::onEvent(const core::Event& e)
{
    if (e.type == EventType::PingAck && e.rttMs >= 0) {
        auto& r = m_rtt[e.conn];
        r.min = r.count ? std::min(r.min, e.rttMs) : e.rttMs;
        r.max = r.count ? std::max(r.max, e.rttMs) : e.rttMs;
        r.sum += e.rttMs;
        ++r.count;
    }
    if (!m_showAll && !keepaliveRelevant(e.type))
        return;
    if (m_printed++ == 0) {
        char head[96];
        std::snprintf(head, sizeof head, "\n%14s  %-7s %-5s %-3s  %-17s %s\n", "time (s)", "#", "conn", "dir", "event",
            "details");
        m_buffer.append(head);
    }
    // "%14s  %-7s %-5u %-3s  %-17s %s\n" (time, #index, conn, dir, event, details), written in
    // place: the text view prints a line per PING, and printf's parsing was most of its time.
    // Fields are copied and padded in blocks of fixed size (the buffer has room past the line;
    // what a block writes beyond its field is overwritten by the next), not by memcpy calls.
    static constexpr char kSpaces[] = "                "; // 16
    static const DirTypeColumns dirType = makeDirTypeColumns();
    char field[64];
    char* p = m_buffer.grow(256);
    char* end = m_decimals >= 1 && m_decimals <= 9 ? m_time.write(field, e.relNs, m_decimals)
                                                   : core::formatSeconds(field, e.relNs, m_decimals);
    if (const auto size = static_cast<std::size_t>(end - field); size < 14) {
        std::memcpy(p, kSpaces, 16);
        std::memcpy(p + 14 - size, field, 16);
        p += 14;
    } else {
        p = padLeft(p, field, end, 14);
    }
    std::memcpy(p, "  #", 3);
    p = padAfter(p + 2, core::formatUnsigned(p + 3, e.index), 7);
    *p++ = ' ';
    p = padAfter(p, core::formatUnsigned(p, e.conn), 5);
    const DirTypeColumn* text = static_cast<std::size_t>(e.type) < core::kEventTypeCount
        ? &dirType[e.dir == core::Direction::ClientToServer ? 0 : 1][static_cast<std::size_t>(e.type)]
        : nullptr;
    if (text && text->size) {
        std::memcpy(p, text->text, sizeof text->text);
        p += text->size;
    } else {
        *p++ = ' ';
        const auto dir = core::directionName(e.dir);
        p = padRight(p, dir.data(), dir.data() + dir.size(), 3);
        *p++ = ' ';
        *p++ = ' ';
        const auto name = core::eventTypeName(e.type);
        p = padRight(p, name.data(), name.data() + name.size(), 17);
        *p++ = ' ';
    }
    // The fixed-size events straight into the buffer (a line per PING); the rest through a string.
    if (char* end = core::writeShortDetail(p, e)) {
        p = end;
    } else {
        m_buffer.commit(p);
        m_scratch.clear();
        core::appendEventDetail(m_scratch, e);
        m_buffer.append(m_scratch);
        p = m_buffer.grow(1);
    }
    *p++ = '\n';
    m_buffer.commit(p);
    flush(false);
}

void TextPrinter::end(const RunInfo& info)
{
    flush(true);
    std::string out; // the connections, written 1 MiB at a time
    std::size_t http2 = 0;
    for (const auto& c : info.connections)
        http2 += c.http2 ? 1 : 0;
    char line[512];
    std::snprintf(line, sizeof line, "\n%" PRIu64 " packets, %zu TCP connections (%zu HTTP/2)\n", info.packets,
        info.connections.size(), http2);
    out += line;
    for (const auto& c : info.connections) {
        auto n = [&c](EventType t) { return static_cast<unsigned long long>(c.count(t)); };
        const char* ending = "still open at the end of the capture";
        switch (c.end) {
        case core::ConnectionEnd::FinC2S:
            ending = "closed by the client (FIN)";
            break;
        case core::ConnectionEnd::FinS2C:
            ending = "closed by the server (FIN)";
            break;
        case core::ConnectionEnd::RstC2S:
            ending = "reset from the client's side (RST)";
            break;
        case core::ConnectionEnd::RstS2C:
            ending = "reset from the server's side (RST)";
            break;
        case core::ConnectionEnd::Open:
            break;
        }
        out += "\nconnection ";
        appendUnsigned(out, c.id);
        out += "  ";
        out += c.client;
        out += " -> ";
        out += c.server;
        out += c.http2                 ? "  HTTP/2"
            : c.tls                    ? "  TLS, HTTP/2 not read"
            : c.rare().payloadCutBytes ? "  payload cut by the snapshot length, HTTP/2 not read"
                                       : "  not HTTP/2 (or encrypted)";
        out += c.sawHandshake                   ? "\n"
            : c.count(core::EventType::Preface) ? ", its SYN not in the capture\n"
                                                : ", started before the capture\n";
        if (c.rare().rolesGuessed)
            out += "  client and server guessed (no SYN, and neither port tells): they may be the other way round\n";
        if (c.tls) {
            const auto& t = *c.tls;
            std::string alpn = t.alpn;
            if (alpn.empty() && !t.alpnOffered.empty()) {
                alpn = "offered";
                for (const auto& a : t.alpnOffered)
                    alpn += " " + a;
            }
            out += "  " + (t.version.empty() ? std::string("TLS (version not seen)") : t.version) + ", "
                + (t.cipher.empty() ? std::string("cipher not seen") : t.cipher) + ", SNI "
                + (t.sni.empty() ? std::string("none") : t.sni) + ", ALPN "
                + (alpn.empty() ? std::string("none") : alpn) + "; " + t.decryption + "\n";
        }
        if (!c.rare().proxy.empty())
            out += "  via " + c.rare().proxy.str() + "\n";
        out += "  ";
        core::appendSeconds(out, c.firstNs - info.originNs, m_decimals);
        out += " .. ";
        core::appendSeconds(out, c.lastNs - info.originNs, m_decimals);
        out += " s, ";
        out += ending;
        out += "\n  how it ended: ";
        out += core::endCauseLabel(c);
        if (!c.endDetail.empty())
            out += ": " + c.endDetail.str();
        if (c.rare().retransmissions[0] || c.rare().retransmissions[1]) {
            out += "\n  TCP retransmissions: ";
            appendUnsigned(out, c.rare().retransmissions[0]);
            out += " client -> server, ";
            appendUnsigned(out, c.rare().retransmissions[1]);
            out += " server -> client";
        }
        out += "\n  longest idle gap ";
        core::appendSeconds(out, c.longestIdleNs, 3);
        out += " s (from ";
        core::appendSeconds(out, c.longestIdleStartNs - info.originNs, 3);
        out += " s), ";
        appendUnsigned(out, c.packets);
        out += " packets, ";
        appendUnsigned(out, c.payloadBytes);
        out += " payload bytes\n  PING ";
        appendUnsigned(out, n(EventType::Ping));
        out += ", PING ACK ";
        appendUnsigned(out, n(EventType::PingAck));
        if (const auto* found = m_rtt.find(c.id)) {
            const auto& r = *found;
            std::snprintf(line, sizeof line, " (rtt min/avg/max %.3f/%.3f/%.3f ms)", r.min,
                r.sum / static_cast<double>(r.count), r.max);
            out += line;
        }
        std::snprintf(line, sizeof line,
            ", GOAWAY %llu, TCP keep-alive %llu, keep-alive ACK %llu, FIN %llu, RST %llu\n", n(EventType::Goaway),
            n(EventType::TcpKeepalive), n(EventType::TcpKeepaliveAck), n(EventType::Fin), n(EventType::Rst));
        out += line;
        if (n(EventType::ZeroWindowProbe)) {
            std::snprintf(line, sizeof line,
                "  zero-window probes %llu (the peer advertised a zero window; not keep-alives)\n",
                n(EventType::ZeroWindowProbe));
            out += line;
        }
        if (c.http2) {
            std::snprintf(line, sizeof line,
                "  HEADERS %llu, DATA %llu, SETTINGS %llu, RST_STREAM %llu, WINDOW_UPDATE %llu\n",
                n(EventType::Headers), n(EventType::Data), n(EventType::Settings), n(EventType::RstStream),
                n(EventType::WindowUpdate));
            out += line;
        }
        if (out.size() >= (1 << 20)) {
            std::fwrite(out.data(), 1, out.size(), m_out);
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), m_out);
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

void EventOutput::end(const RunInfo& info)
{
    m_json ? m_json->end(info) : m_text->end(info);
}

} // namespace ks::app
