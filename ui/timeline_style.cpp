// Marker shapes: picked so that the keepalive story (PING, ACK, GOAWAY, keep-alive, FIN/RST)
// stands out and the HTTP/2 activity that merely resets idle timers stays quiet.
#include "timeline_style.h"

#include <QPainter>
#include <QPainterPath>
#include <QPalette>

#include <array>

namespace ks::ui {

using core::EventType;

namespace {

std::array<MarkerStyle, core::kEventTypeCount> makeStyles()
{
    std::array<MarkerStyle, core::kEventTypeCount> s {};
    auto set = [&s](EventType t, MarkerShape shape, QColor c, int row, double size = 9.0) {
        s[static_cast<std::size_t>(t)] = { shape, c, row, size };
    };
    set(EventType::Ping, MarkerShape::TriangleUp, QColor(0x1f, 0x77, 0xb4), 0);
    set(EventType::PingAck, MarkerShape::TriangleDown, QColor(0x0f, 0xa3, 0xb1), 0);
    set(EventType::Goaway, MarkerShape::Diamond, QColor(0xd6, 0x27, 0x28), 0, 13.0);
    set(EventType::Syn, MarkerShape::TriangleRight, QColor(0x2c, 0xa0, 0x2c), 1, 11.0);
    set(EventType::Fin, MarkerShape::Square, QColor(0xff, 0x7f, 0x0e), 1, 10.0);
    set(EventType::Rst, MarkerShape::Cross, QColor(0xd6, 0x27, 0x28), 1, 11.0);
    set(EventType::TcpKeepalive, MarkerShape::Disc, QColor(0x94, 0x67, 0xbd), 1);
    set(EventType::TcpKeepaliveAck, MarkerShape::Ring, QColor(0x94, 0x67, 0xbd), 1);
    set(EventType::ZeroWindowProbe, MarkerShape::HollowDiamond, QColor(0xe3, 0x77, 0xc2), 1);
    set(EventType::Headers, MarkerShape::TallTick, QColor(0x8c, 0x56, 0x4b), 2, 11.0);
    set(EventType::Data, MarkerShape::ShortTick, QColor(0x7f, 0x7f, 0x7f), 2, 7.0);
    set(EventType::Preface, MarkerShape::HollowSquare, QColor(0x7f, 0x7f, 0x7f), 2, 7.0);
    set(EventType::Settings, MarkerShape::HollowSquare, QColor(0x7f, 0x7f, 0x7f), 2, 7.0);
    set(EventType::RstStream, MarkerShape::Cross, QColor(0xff, 0x7f, 0x0e), 2, 7.0);
    set(EventType::WindowUpdate, MarkerShape::Dot, QColor(0xa0, 0xa0, 0xa0), 2, 4.0);
    set(EventType::ChannelState, MarkerShape::HollowDiamond, QColor(0xbc, 0xbd, 0x22), 3, 10.0);
    set(EventType::Rpc, MarkerShape::TallTick, QColor(0x2c, 0x7f, 0x4f), 3, 9.0);
    return s;
}

} // namespace

const MarkerStyle& markerStyle(EventType type)
{
    static const auto styles = makeStyles();
    return styles[static_cast<std::size_t>(type)];
}

MarkerStyle inferredStyle(EventType type)
{
    MarkerStyle style = markerStyle(type);
    style.hollow = true;
    return style;
}

double rowCenter(int row)
{
    return 0.16 + 0.225 * row;
}

void drawMarker(QPainter& painter, const MarkerStyle& style, QPointF p, double scale)
{
    const double r = style.size * scale / 2.0;
    const QColor c = style.color;
    painter.setPen(style.hollow ? QPen(c, 1.8) : QPen(c.darker(130), 1.0));
    painter.setBrush(style.hollow ? QBrush(Qt::NoBrush) : QBrush(c));
    switch (style.shape) {
    case MarkerShape::TriangleUp:
        painter.drawPolygon(QPolygonF({ p + QPointF(0, -r), p + QPointF(r, r * 0.8), p + QPointF(-r, r * 0.8) }));
        break;
    case MarkerShape::TriangleDown:
        painter.drawPolygon(QPolygonF({ p + QPointF(0, r), p + QPointF(r, -r * 0.8), p + QPointF(-r, -r * 0.8) }));
        break;
    case MarkerShape::TriangleRight:
        painter.drawPolygon(QPolygonF({ p + QPointF(r, 0), p + QPointF(-r * 0.8, r), p + QPointF(-r * 0.8, -r) }));
        break;
    case MarkerShape::Diamond:
        painter.drawPolygon(
            QPolygonF({ p + QPointF(0, -r), p + QPointF(r, 0), p + QPointF(0, r), p + QPointF(-r, 0) }));
        break;
    case MarkerShape::HollowDiamond:
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(c, 2.0));
        painter.drawPolygon(
            QPolygonF({ p + QPointF(0, -r), p + QPointF(r, 0), p + QPointF(0, r), p + QPointF(-r, 0) }));
        break;
    case MarkerShape::Square:
        painter.drawRect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r));
        break;
    case MarkerShape::HollowSquare:
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(c, 1.5));
        painter.drawRect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r));
        break;
    case MarkerShape::Cross:
        painter.setPen(QPen(c, r > 4 ? 2.5 : 1.5, Qt::SolidLine, Qt::RoundCap));
        painter.drawLine(p + QPointF(-r, -r), p + QPointF(r, r));
        painter.drawLine(p + QPointF(-r, r), p + QPointF(r, -r));
        break;
    case MarkerShape::Disc:
        painter.drawEllipse(p, r, r);
        break;
    case MarkerShape::Ring:
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(c, 2.0));
        painter.drawEllipse(p, r - 1, r - 1);
        break;
    case MarkerShape::TallTick:
    case MarkerShape::ShortTick:
        painter.setPen(QPen(c, 2.0 * scale, Qt::SolidLine, Qt::FlatCap));
        painter.drawLine(p + QPointF(0, -r), p + QPointF(0, r));
        break;
    case MarkerShape::Dot:
        painter.setPen(Qt::NoPen);
        painter.drawEllipse(p, r, r);
        break;
    }
}

QColor shade(const QColor& color, const QPalette& palette, double alpha)
{
    const QColor base = palette.color(QPalette::Base);
    const auto mix = [alpha](int a, int b) { return static_cast<int>(a * alpha + b * (1.0 - alpha)); };
    return QColor(mix(color.red(), base.red()), mix(color.green(), base.green()), mix(color.blue(), base.blue()));
}

} // namespace ks::ui
