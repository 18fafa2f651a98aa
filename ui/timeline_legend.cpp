// The timeline's key: a marker and a name per event type, the idle shading, the chosen profiles.
#include "timeline_legend.h"

#include "core/finding.h"
#include "event_format.h"
#include "timeline_layer.h"
#include "timeline_style.h"

namespace ks::ui {

using core::EventType;

namespace {
constexpr std::array kLegendTypes {
    EventType::Ping,
    EventType::PingAck,
    EventType::Goaway,
    EventType::TcpKeepalive,
    EventType::TcpKeepaliveAck,
    EventType::ZeroWindowProbe,
    EventType::Syn,
    EventType::Fin,
    EventType::Rst,
    EventType::Headers,
    EventType::Data,
    EventType::Rpc,
    EventType::ChannelState,
};
}

TimelineLegend::TimelineLegend(QCustomPlot* plot)
    : QCPLayoutElement(plot)
{
}

void TimelineLegend::setProfiles(const std::vector<core::LbCatalogueEntry>& profiles)
{
    m_profileNames.clear();
    for (const auto& p : profiles)
        m_profileNames << QString::fromStdString(p.profile.name) % u" ("
                % QString::fromStdString(core::formatDuration(p.profile.idleTimeoutS)) % u')';
}

QSize TimelineLegend::minimumOuterSizeHint() const
{
    return { 100, 24 };
}

void TimelineLegend::draw(QCPPainter* painter)
{
    layOut(painter);
}

void TimelineLegend::update(UpdatePhase phase)
{
    QCPLayoutElement::update(phase);
    if (phase != upLayout)
        return;
    // As many rows as the items need at this width; a change takes effect on the next replot.
    const int height = 4 + 20 * layOut(nullptr);
    if (minimumSize().height() != height) {
        setMinimumSize(100, height);
        mParentPlot->replot(QCustomPlot::rpQueuedReplot);
    }
}

int TimelineLegend::layOut(QCPPainter* painter) const
{
    const QPalette pal = mParentPlot->palette();
    const QFont font(mParentPlot->font().family(), 8);
    const QFontMetricsF fm(font);
    if (painter) {
        painter->setFont(font);
        painter->setRenderHint(QPainter::Antialiasing, true);
    }
    double x = mRect.left() + 8;
    double y = mRect.top() + 11;
    int rows = 1;
    // Items flow left to right and wrap onto the next row.
    const auto place = [&](double itemWidth) {
        if (x + itemWidth > mRect.right() - 4 && x > mRect.left() + 8) {
            x = mRect.left() + 8;
            y += 20;
            ++rows;
        }
    };
    const auto text = [&](double dx, const QString& s, const QColor& c) {
        painter->setPen(c);
        painter->drawText(QPointF(x + dx, y + fm.ascent() / 2 - 1), s);
    };
    for (const EventType t : kLegendTypes) {
        const QString name = eventTypeTitle(t);
        place(22 + fm.horizontalAdvance(name));
        if (painter) {
            drawMarker(*painter, markerStyle(t), QPointF(x + 5, y), 0.9);
            text(13, name, pal.color(QPalette::Text));
        }
        x += 22 + fm.horizontalAdvance(name);
    }
    if (m_inferredShown) {
        const QString inferred = QStringLiteral("hollow: inferred from TLS record sizes");
        place(34 + fm.horizontalAdvance(inferred));
        if (painter) {
            drawMarker(*painter, inferredStyle(EventType::Ping), QPointF(x + 5, y), 0.9);
            drawMarker(*painter, inferredStyle(EventType::PingAck), QPointF(x + 17, y), 0.9);
            text(25, inferred, pal.color(QPalette::Text));
        }
        x += 34 + fm.horizontalAdvance(inferred);
    }
    const QString idle = QStringLiteral("idle \u2265 1 s");
    place(30 + fm.horizontalAdvance(idle));
    if (painter) {
        painter->fillRect(QRectF(x, y - 5, 16, 10), shade(QColor(0x9e, 0x9e, 0x9e), pal, 0.35));
        text(20, idle, pal.color(QPalette::Text));
    }
    x += 30 + fm.horizontalAdvance(idle);
    for (int i = 0; i < m_profileNames.size(); ++i) {
        const QColor c = TimelineLayer::profileColor(static_cast<std::size_t>(i));
        place(26 + fm.horizontalAdvance(m_profileNames[i]));
        if (painter) {
            painter->setPen(QPen(c, 2.0, Qt::DashLine));
            painter->drawLine(QLineF(x, y - 6, x, y + 6));
            QColor beyond = c;
            beyond.setAlpha(60);
            painter->fillRect(QRectF(x, y - 5, 12, 10), beyond);
            text(16, m_profileNames[i], c);
        }
        x += 26 + fm.horizontalAdvance(m_profileNames[i]);
    }
    return rows;
}

} // namespace ks::ui
