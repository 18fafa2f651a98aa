// HTTP/1.1 heads are read only as far as deciding needs (request line, Upgrade, status line,
// Content-Length); everything after the switch goes to TLS or the framer as bytes.
#include "stream_pipeline.h"

#include "event_emitter.h"
#include "tcp_connection.h"
#include "tls_record_reader.h"
#include "tls_session.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace ks::capture {

namespace {

constexpr std::size_t kSniffBytes = 5;

bool startsWith(std::span<const std::uint8_t> bytes, std::string_view prefix)
{
    return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

bool httpRequestStart(std::span<const std::uint8_t> bytes)
{
    for (std::string_view m : { "CONNECT ", "GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "DELETE ", "PATCH " })
        if (startsWith(bytes, m))
            return true;
    return false;
}

bool tlsRecordStart(std::span<const std::uint8_t> bytes)
{
    return bytes.size() >= 5 && plausibleTlsRecordHeader(bytes.data());
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The value of a header in an HTTP/1.1 head (first occurrence), lower-cased.
std::string headerValue(std::string_view head, std::string_view name)
{
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const auto line = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && lower(line.substr(0, colon)) == name) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            return lower(value);
        }
        pos = end;
    }
    return {};
}

std::string_view firstLineField(std::string_view head, int field)
{
    const auto line = head.substr(0, head.find("\r\n"));
    std::size_t start = 0;
    for (int i = 0; i < field; ++i) {
        start = line.find(' ', start);
        if (start == std::string_view::npos)
            return {};
        ++start;
    }
    const auto end = line.find(' ', start);
    return line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

} // namespace

bool needsStreamPipeline(std::span<const std::uint8_t> bytes, core::Direction dir, bool fromStart)
{
    if (tlsRecordStart(bytes)) {
        if (fromStart)
            return true;
        // Mid-connection: a record boundary here only counts when the next header follows.
        const std::size_t next = 5 + (std::size_t(bytes[3]) << 8 | bytes[4]);
        return next == bytes.size() || (next + 5 <= bytes.size() && plausibleTlsRecordHeader(bytes.data() + next));
    }
    if (!fromStart)
        return false;
    return dir == core::Direction::ClientToServer ? httpRequestStart(bytes) : startsWith(bytes, "HTTP/1.");
}

StreamPipeline::StreamPipeline(ConnectionDecoder& conn, bool fromStart)
    : m_conn(conn)
    , m_fromStart(fromStart)
{
}

StreamPipeline::~StreamPipeline() = default;

std::string StreamPipeline::name() const
{
    return "connection " + std::to_string(m_conn.id) + " (" + m_conn.connection().clientName() + " -> "
        + m_conn.connection().serverName() + ")";
}

void StreamPipeline::ensureTls(bool aligned)
{
    if (m_tls)
        return;
    m_tls = std::make_unique<TlsSession>(m_conn.id, *m_conn.emitter, m_conn.framers, aligned, name());
    if (const auto rttUs = m_conn.connection().handshakeRttUs)
        m_tls->setTcpRtt(static_cast<std::int64_t>(rttUs) * 1000);
}

void StreamPipeline::feed(core::Direction dir, std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    // Mid-connection (no handshake RTT): the data -> ACK time, as it shortens.
    const auto dataRttUs = m_conn.connection().dataRttUs();
    if (m_tls && dataRttUs && dataRttUs != m_dataRttUs && !m_conn.connection().handshakeRttUs) {
        m_dataRttUs = dataRttUs;
        m_tls->setTcpRtt(static_cast<std::int64_t>(dataRttUs) * 1000);
    }
    feedStage(dir == core::Direction::ClientToServer ? 0 : 1, bytes, tsNs);
}

void StreamPipeline::feedStage(std::size_t d, std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    const auto dir = d == 0 ? core::Direction::ClientToServer : core::Direction::ServerToClient;
    while (!bytes.empty()) {
        switch (m_stage[d]) {
        case Stage::Tls:
            m_tls->feed(dir, bytes, tsNs);
            return;
        case Stage::Frames:
            m_conn.framers[d].feed(bytes, tsNs);
            return;
        case Stage::Opaque:
            return;
        case Stage::Sniff:
            sniff(d, bytes, tsNs);
            return;
        case Stage::AwaitResponse:
            if (m_buffer[d].size() + bytes.size() > kMaxHeldBytes)
                return giveUp("the client sent more than 256 KB before the proxy or server answered");
            m_buffer[d].insert(m_buffer[d].end(), bytes.begin(), bytes.end());
            return;
        case Stage::Request:
        case Stage::Response: {
            const std::size_t used = takeHead(d, bytes);
            if (used == std::size_t(-1))
                return; // head incomplete
            if (used == std::size_t(-2))
                return giveUp("an HTTP/1.1 head longer than 16 KB");
            const auto rest = bytes.subspan(used);
            if (m_stage[d] == Stage::Request)
                onRequestHead(rest, tsNs);
            else
                onResponseHead(rest, tsNs);
            return;
        }
        }
    }
}

void StreamPipeline::sniff(std::size_t d, std::span<const std::uint8_t> bytes, std::int64_t tsNs)
{
    auto& buf = m_buffer[d];
    std::span<const std::uint8_t> look = bytes;
    if (!buf.empty() || bytes.size() < kSniffBytes) {
        buf.insert(buf.end(), bytes.begin(), bytes.end());
        if (buf.size() < kSniffBytes)
            return;
        look = buf;
    }
    std::vector<std::uint8_t> held;
    held.swap(buf);
    const bool start = m_fromStart || m_inTunnel;
    if (tlsRecordStart(look)) {
        ensureTls(true);
        m_stage[d] = Stage::Tls;
    } else if (start && d == 0 && httpRequestStart(look) && !m_inTunnel) {
        m_stage[d] = Stage::Request;
    } else if (start && d == 1 && startsWith(look, "HTTP/1.") && !m_inTunnel) {
        m_stage[d] = Stage::Response;
    } else {
        m_stage[d] = Stage::Frames;
    }
    feedStage(d, look, tsNs);
}

std::size_t StreamPipeline::takeHead(std::size_t d, std::span<const std::uint8_t> bytes)
{
    auto& buf = m_buffer[d];
    const std::size_t old = buf.size();
    const std::size_t room = kMaxHeadBytes + 4 - std::min(old, kMaxHeadBytes + 4);
    buf.insert(buf.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(room, bytes.size())));
    const std::string_view text(reinterpret_cast<const char*>(buf.data()), buf.size());
    const auto end = text.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
    if (end == std::string_view::npos)
        return buf.size() >= kMaxHeadBytes ? std::size_t(-2) : std::size_t(-1);
    const std::size_t headEnd = end + 4;
    buf.resize(headEnd);
    return headEnd - old;
}

void StreamPipeline::onRequestHead(std::span<const std::uint8_t> rest, std::int64_t tsNs)
{
    const std::string head(m_buffer[0].begin(), m_buffer[0].end());
    m_buffer[0].clear();
    const auto method = firstLineField(head, 0);
    if (method == "CONNECT") {
        m_tunnelAsked = true;
        m_target = std::string(firstLineField(head, 1).substr(0, 256));
    } else if (headerValue(head, "upgrade").find("h2c") != std::string::npos) {
        m_upgradeAsked = true;
        std::uint64_t length = 0;
        const auto cl = headerValue(head, "content-length");
        std::from_chars(cl.data(), cl.data() + cl.size(), length);
        // The request's body precedes the preface; it is not HTTP/2.
        const auto skip = static_cast<std::size_t>(std::min<std::uint64_t>(length, rest.size()));
        rest = rest.subspan(skip);
    } else {
        return giveUp({}); // plain HTTP/1.1: not HTTP/2, nothing to say
    }
    m_stage[0] = Stage::AwaitResponse;
    feedStage(0, rest, tsNs);
}

void StreamPipeline::onResponseHead(std::span<const std::uint8_t> rest, std::int64_t tsNs)
{
    const std::string head(m_buffer[1].begin(), m_buffer[1].end());
    m_buffer[1].clear();
    const auto statusText = firstLineField(head, 1);
    int status = 0;
    std::from_chars(statusText.data(), statusText.data() + statusText.size(), status);
    if (status >= 100 && status < 200 && status != 101) {
        feedStage(1, rest, tsNs); // 100 Continue and the like: the real answer follows
        return;
    }
    std::vector<std::uint8_t> held;
    held.swap(m_buffer[0]);
    if (status == 101 && m_upgradeAsked && headerValue(head, "upgrade").find("h2c") != std::string::npos) {
        m_proxy = "h2c upgrade (HTTP/1.1 Upgrade: h2c, 101 Switching Protocols)";
        m_stage = { Stage::Frames, Stage::Frames };
    } else if (status >= 200 && status < 300 && m_tunnelAsked) {
        m_proxy = "HTTP CONNECT " + m_target;
        m_inTunnel = true;
        m_stage = { Stage::Sniff, Stage::Sniff };
    } else {
        if (m_tunnelAsked)
            m_proxy = "HTTP CONNECT " + m_target + " refused (" + std::to_string(status) + ")";
        return giveUp({});
    }
    feedStage(0, held, tsNs);
    feedStage(1, rest, tsNs);
}

void StreamPipeline::giveUp(const std::string& why)
{
    m_stage = { Stage::Opaque, Stage::Opaque };
    m_buffer[0].clear();
    m_buffer[1].clear();
    for (auto& framer : m_conn.framers)
        framer.setOpaque();
    if (!why.empty())
        m_conn.emitter->warn(name() + ": not read as HTTP/2: " + why);
}

void StreamPipeline::gap(core::Direction dir, std::uint64_t count)
{
    const std::size_t d = dir == core::Direction::ClientToServer ? 0 : 1;
    switch (m_stage[d]) {
    case Stage::Tls:
        m_tls->gap(dir, count);
        break;
    case Stage::Opaque:
        break;
    default:
        // Lost bytes in a head or before the decision: the framer hunts from here on.
        m_buffer[d].clear();
        m_stage[d] = Stage::Frames;
        m_conn.framers[d].gap(count);
        break;
    }
}

void StreamPipeline::finish()
{
    for (std::size_t d = 0; d < 2; ++d)
        if (m_stage[d] == Stage::Sniff && !m_buffer[d].empty()) {
            std::vector<std::uint8_t> held;
            held.swap(m_buffer[d]);
            m_stage[d] = Stage::Frames;
            m_conn.framers[d].feed(held, m_conn.connection().traffic.lastNs);
        }
    if (m_tls)
        m_tls->finish();
}

std::shared_ptr<const core::TlsInfo> StreamPipeline::tlsInfo() const
{
    return m_tls ? m_tls->info() : nullptr;
}

} // namespace ks::capture
