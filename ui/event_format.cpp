// Event text for the window. The details come from core/event_detail.h, which the command line's
// text view uses too, so the window and `keepalive-scope analyze` describe an event in one voice.
#include "event_format.h"

#include "core/event_detail.h"
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

QString roundTripText(double ms)
{
    if (ms < 0.0005)
        return QStringLiteral("< 1 \u00b5s");
    if (ms < 0.01)
        return QString::number(ms * 1000, 'f', 0) + QStringLiteral(" \u00b5s");
    return QString::number(ms, 'f', ms < 10 ? 2 : 0) + QStringLiteral(" ms");
}

// A PING seen only as a TLS record of the right size, answered by one of the same size, without
// keys to read it (the command line's words too).
QString inferredText()
{
    return latin(core::kInferredDetail);
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
    return utf8(core::eventDetail(e));
}

} // namespace ks::ui
