// What the timeline draws over its events: the lab's Stop line and the live "now" line with
// their captions, evidence rings and the selection; and the same places as obstacles, so that
// labels keep clear of them.
#include "timeline_view.h"

#include "event_store.h"
#include "label_placer.h"
#include "timeline_layer.h"

namespace ks::ui {

// Selection and evidence rings live on the overlay layer, so selecting an event repaints a few
// rings, not a million markers.
class SelectionOverlay : public QCPLayerable {
public:
    SelectionOverlay(TimelineView* view)
        : QCPLayerable(view, QStringLiteral("overlay"))
        , m_view(view)
    {
    }

protected:
    void applyDefaultAntialiasingHint(QCPPainter* painter) const override { painter->setAntialiasing(true); }
    void draw(QCPPainter* painter) override { m_view->drawOverlay(painter); }
    QRect clipRect() const override { return mParentPlot->axisRect()->rect(); }

private:
    TimelineView* m_view;
};

void TimelineView::createOverlay()
{
    new SelectionOverlay(this);
    m_layer->setExtraObstacles([this](LabelPlacer& placer) {
        for (const auto& line : timeLines()) {
            const auto box = timeLineBox(line.seconds, line.text);
            if (box) {
                placer.addObstacle(*box);
                placer.addObstacle(
                    QRectF(xAxis->coordToPixel(line.seconds) - 2, axisRect()->top(), 4, axisRect()->height()));
            }
        }
        for (auto i : m_evidence) {
            const QPointF p = markerPosition(i);
            placer.addObstacle(QRectF(p.x() - 12, p.y() - 12, 24, 24));
        }
    });
}

std::vector<TimelineView::TimeLine> TimelineView::timeLines() const
{
    std::vector<TimeLine> lines;
    if (m_shutdownAt)
        lines.push_back({ *m_shutdownAt, QColor(0x7f, 0x7f, 0x7f), tr("Stop: the lab's own shutdown follows") });
    if (const auto now = nowSeconds()) {
        const int s = static_cast<int>(*now);
        lines.push_back({ *now, QColor(0xd6, 0x27, 0x28),
            tr("now · %1:%2 elapsed").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0')) });
    }
    return lines;
}

std::optional<QRectF> TimelineView::timeLineBox(double seconds, const QString& text) const
{
    const double x = xAxis->coordToPixel(seconds);
    const QRect r = axisRect()->rect();
    if (x < r.left() || x > r.right())
        return std::nullopt;
    const QFontMetrics fm(font());
    const int w = fm.horizontalAdvance(text) + 8;
    // Right of the line when there is room, else left of it; on the axis rect's first row.
    const double left = x + w + 4 <= r.right() ? x + 4 : x - w - 4;
    return QRectF(left, r.top() + 2, w, fm.height() + 2);
}

void TimelineView::drawOverlay(QCPPainter* painter)
{
    for (const auto& line : timeLines()) {
        const auto box = timeLineBox(line.seconds, line.text);
        if (!box)
            continue;
        const double x = xAxis->coordToPixel(line.seconds);
        painter->setPen(QPen(line.color, 1.5, Qt::DashLine));
        painter->drawLine(QLineF(x, axisRect()->top(), x, axisRect()->bottom()));
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette().color(QPalette::Base));
        painter->drawRect(*box);
        painter->setPen(line.color);
        painter->drawText(*box, Qt::AlignCenter, line.text);
        painter->setBrush(Qt::NoBrush);
    }
    const QColor evidence(0xff, 0xb3, 0x00);
    painter->setBrush(Qt::NoBrush);
    for (auto i : m_evidence) {
        painter->setPen(QPen(evidence, 2.5));
        painter->drawEllipse(markerPosition(i), 10, 10);
    }
    if (m_selected) {
        const QPointF p = markerPosition(*m_selected);
        painter->setPen(QPen(palette().color(QPalette::Highlight), 2.5));
        painter->drawEllipse(p, 9, 9);
        painter->setPen(QPen(palette().color(QPalette::Highlight), 1, Qt::DotLine));
        painter->drawLine(QLineF(p.x(), axisRect()->top(), p.x(), axisRect()->bottom()));
    }
}

} // namespace ks::ui
