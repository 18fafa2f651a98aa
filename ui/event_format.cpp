// Event text. Mirrors the command line's text view (app/event_printers.cpp) so that the window
// and `keepalive-scope analyze` describe an event in the same words.
#include "event_format.h"

#include "core/http2_codes.h"
#include "core/json_writer.h"

#include <QStringList>

namespace ks::ui {

using core::EventType;

namespace {

QString latin(std::string_view s)
{
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

QString utf8(const std::string& s)
{
    return QString::fromStdString(s);
}

QString errorText(std::uint32_t code)
{
    return latin(core::http2ErrorName(code)) % u" (" % QString::number(code) % u')';
}

} // namespace

QString eventTypeKey(EventType type)
{
    return latin(core::eventTypeName(type));
}

QString eventTypeTitle(EventType type)
{
    switch (type) {
    case EventType::Syn:
        return QStringLiteral("SYN");
    case EventType::Fin:
        return QStringLiteral("FIN");
    case EventType::Rst:
        return QStringLiteral("RST");
    case EventType::TcpKeepalive:
        return QStringLiteral("TCP keep-alive");
    case EventType::TcpKeepaliveAck:
        return QStringLiteral("TCP keep-alive ACK");
    case EventType::ZeroWindowProbe:
        return QStringLiteral("Zero-window probe");
    case EventType::Preface:
        return QStringLiteral("Preface");
    case EventType::Settings:
        return QStringLiteral("SETTINGS");
    case EventType::Headers:
        return QStringLiteral("HEADERS");
    case EventType::Data:
        return QStringLiteral("DATA");
    case EventType::Ping:
        return QStringLiteral("PING");
    case EventType::PingAck:
        return QStringLiteral("PING ACK");
    case EventType::Goaway:
        return QStringLiteral("GOAWAY");
    case EventType::RstStream:
        return QStringLiteral("RST_STREAM");
    case EventType::WindowUpdate:
        return QStringLiteral("WINDOW_UPDATE");
    case EventType::ChannelState:
        return QStringLiteral("Channel state");
    case EventType::Rpc:
        return QStringLiteral("RPC");
    }
    return QString();
}

QString directionText(core::Direction dir)
{
    return latin(core::directionName(dir));
}

QString secondsText(std::int64_t ns, int decimals)
{
    std::string s;
    core::appendSeconds(s, ns, decimals);
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

// The command line's words (app/event_printers.cpp): a PING seen only as a TLS record of the
// right size, answered by one of the same size, without keys to read it.
QString inferredText()
{
    return QStringLiteral("inferred from TLS record sizes");
}

QString tlsLaneText(const core::ConnectionSummary& c)
{
    if (!c.tls)
        return {};
    QStringList parts;
    parts << (c.tls->version.empty() ? QStringLiteral("TLS") : utf8(c.tls->version));
    if (!c.tls->alpn.empty())
        parts << utf8(c.tls->alpn);
    else if (c.http2 && c.tls->decryption == "decrypted")
        parts << QStringLiteral("h2"); // HTTP/2 read inside, the ALPN record not (decrypted after the handshake)
    if (!c.tls->sni.empty())
        parts << utf8(c.tls->sni);
    QString text = parts.join(u", ");
    if (!c.tls->decryption.empty() && c.tls->decryption != "decrypted")
        text += u" (" % utf8(c.tls->decryption) % u')';
    return text;
}

QString eventDetails(const core::Event& e)
{
    const auto hex16 = [](std::uint64_t v) { return QStringLiteral("%1").arg(v, 16, 16, QLatin1Char('0')); };
    switch (e.type) {
    case EventType::Ping:
        return e.inferred ? inferredText() : u"opaque=" % hex16(e.opaque);
    case EventType::PingAck:
        return (e.inferred ? inferredText() : u"opaque=" % hex16(e.opaque))
            % (e.rttMs >= 0 ? u"  rtt=" % QString::number(e.rttMs, 'f', 3) % u" ms"
                            : QStringLiteral("  (PING not in capture)"));
    case EventType::Goaway: {
        QString s = errorText(e.errorCode) % u" last_stream=" % QString::number(e.lastStreamId);
        if (!e.debug.empty())
            s += u" debug=\"" % utf8(e.debug) % u'"';
        return s;
    }
    case EventType::RstStream:
        return u"stream=" % QString::number(e.stream) % u' ' % errorText(e.errorCode);
    case EventType::TcpKeepalive:
    case EventType::TcpKeepaliveAck:
    case EventType::ZeroWindowProbe:
        return u"seq=" % QString::number(e.seq);
    case EventType::Headers: {
        QString s = u"stream=" % QString::number(e.stream) % (e.endStream ? QStringLiteral(" end_stream") : QString());
        if (!e.path.empty())
            s += u" path=" % utf8(e.path);
        if (e.grpcStatus >= 0)
            s += u" grpc-status=" % QString::number(e.grpcStatus);
        if (!e.grpcMessage.empty())
            s += u" grpc-message=\"" % utf8(e.grpcMessage) % u'"';
        if (e.hpack == core::HpackState::UnknownDynamicTable)
            s += QStringLiteral(" (header fields refer to HPACK state from before the capture: not decoded)");
        else if (e.hpack == core::HpackState::Malformed)
            s += QStringLiteral(" (malformed HPACK header block: not decoded)");
        return s;
    }
    case EventType::Data:
        return u"stream=" % QString::number(e.stream) % u" length=" % QString::number(e.length)
            % (e.endStream ? QStringLiteral(" end_stream") : QString());
    case EventType::WindowUpdate:
        return u"stream=" % QString::number(e.stream) % u" increment=" % QString::number(e.length);
    case EventType::Settings: {
        QStringList parts;
        if (e.ack)
            parts << QStringLiteral("ack");
        for (std::size_t i = 0; i < e.settingsCount; ++i)
            parts << latin(core::http2SettingName(e.settings[i].id)) % u'=' % QString::number(e.settings[i].value);
        return parts.join(u' ');
    }
    case EventType::ChannelState:
        return utf8(e.state);
    case EventType::Rpc: {
        QString s = utf8(e.method) % u' ' % utf8(e.status);
        if (e.durationMs >= 0)
            s += u' ' % QString::number(e.durationMs, 'f', 1) % u" ms";
        if (!e.message.empty())
            s += u" \"" % utf8(e.message) % u'"';
        return s;
    }
    default:
        return QString();
    }
}

} // namespace ks::ui
