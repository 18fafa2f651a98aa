// The timeline's labels: what each says, where it may go (its candidate places, in order of
// preference), and the pass that places them all by priority (end cause, GOAWAY, LB timeouts,
// round trips, channel states, idle gaps) so that none covers a marker or another label.
#include "timeline_layer.h"

#include "core/finding.h"
#include "core/http2_codes.h"
#include "event_format.h"
#include "event_store.h"
#include "lane_captions.h"
#include "timeline_style.h"

#include <algorithm>

namespace ks::ui {

using core::EventType;

namespace {

std::int64_t toNs(double seconds)
{
    return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

// Places beside a marker of half-size half at p: right, left, below, above; then below or above
// reaching out to either side, beside it a little lower or higher, and a line further away.
std::vector<QRectF> besideMarker(QPointF p, double half, QSizeF size)
{
    const double gap = half + 2, w = size.width(), h = size.height();
    const double midY = p.y() - h / 2, midX = p.x() - w / 2;
    const double below = p.y() + gap, above = p.y() - gap - h;
    return { QRectF(QPointF(p.x() + gap, midY), size), QRectF(QPointF(p.x() - gap - w, midY), size),
        QRectF(QPointF(midX, below), size), QRectF(QPointF(midX, above), size),
        QRectF(QPointF(p.x() + half - w, below), size), QRectF(QPointF(p.x() - half, below), size),
        QRectF(QPointF(p.x() + half - w, above), size), QRectF(QPointF(p.x() - half, above), size),
        QRectF(QPointF(p.x() + gap, p.y() + 1), size), QRectF(QPointF(p.x() + gap, p.y() - 1 - h), size),
        QRectF(QPointF(p.x() - gap - w, p.y() + 1), size), QRectF(QPointF(p.x() - gap - w, p.y() - 1 - h), size),
        QRectF(QPointF(midX, below + h), size), QRectF(QPointF(midX, above - h), size),
        QRectF(QPointF(p.x() + half - w, below + h), size), QRectF(QPointF(p.x() - half, below + h), size) };
}

QRectF markerRect(QPointF p, double half)
{
    return QRectF(p.x() - half, p.y() - half, 2 * half, 2 * half);
}

} // namespace

QFont TimelineLayer::labelFont(bool bold) const
{
    return QFont(mParentPlot->font().family(), 8, bold ? QFont::Bold : QFont::Normal);
}

void TimelineLayer::addLabel(TimelineLabel label, std::vector<QRectF> options, const QRectF& bounds)
{
    m_pending.push_back({ std::move(label), std::move(options), bounds });
}

void TimelineLayer::addProfileLabel(std::size_t p, const QRectF& line, const QRectF& bounds, std::int64_t gapStartNs)
{
    const auto& entry = m_profiles[p];
    const QString name = QString::fromStdString(entry.profile.name);
    const QString timeout = QString::fromStdString(core::formatDuration(entry.profile.idleTimeoutS));
    const QString text = name % u' ' % timeout;
    const QSizeF size = QFontMetricsF(labelFont(true)).size(Qt::TextSingleLine, text) + QSizeF(6, 2);
    // Stacked slots down the lane, right of the line first, then left of it (never cut at an edge).
    std::vector<QRectF> options;
    const double step = size.height();
    for (double y = bounds.top() + 1 + step * static_cast<double>(p % 3); y + step <= bounds.bottom(); y += step) {
        options.emplace_back(QPointF(line.right() + 1, y), size);
        options.emplace_back(QPointF(line.left() - 1 - size.width(), y), size);
    }
    for (double y = bounds.top() + 1; y + step <= bounds.top() + 1 + step * static_cast<double>(p % 3); y += step) {
        options.emplace_back(QPointF(line.right() + 1, y), size);
        options.emplace_back(QPointF(line.left() - 1 - size.width(), y), size);
    }
    const double idleS = static_cast<double>(gapStartNs) * 1e-9;
    addLabel({ TimelineLabel::Profile, text,
                 tr("%1: its %2 idle timer runs out here (the connection was idle from %3 s)")
                     .arg(name, timeout, QString::number(idleS, 'f', 3)),
                 profileColor(p), line, {}, true },
        std::move(options), bounds);
}

void TimelineLayer::collectLabels(int firstLane, int lastLane)
{
    const auto m = mapping();
    const std::int64_t fromNs = toNs(m.t0), toNs_ = toNs(m.t1);
    const QPalette pal = mParentPlot->palette();
    const QFontMetricsF fm(labelFont());
    const auto sized = [&fm](const QString& text) { return fm.size(Qt::TextSingleLine, text) + QSizeF(6, 2); };
    for (int lane = firstLane; lane <= lastLane; ++lane) {
        const auto& l = m_store->lane(static_cast<std::size_t>(lane));
        const QRectF bounds = laneRect(lane);
        collectEndLabel(lane, bounds);
        // GOAWAY: the code and the debug text say why the server closed (RFC 9113 6.8).
        const double y0 = mParentPlot->yAxis->coordToPixel(lane + rowCenter(0));
        const auto& goaways = l.times(EventType::Goaway);
        for (auto [i, b] = visibleRange(goaways, fromNs, toNs_); i < b && i < 64; ++i) {
            const auto& r = m_store->record(l.indexes(EventType::Goaway)[i]);
            QString text = u"GOAWAY " % QString::fromLatin1(core::http2ErrorName(r.b).data());
            if (r.text1)
                text += u" \u201c" % QString::fromStdString(m_store->text(r.text1)) % u"\u201d";
            const QPointF p(m.toPixelNs(goaways[i]), y0);
            const double half = markerStyle(EventType::Goaway).size / 2 + 1;
            addLabel({ TimelineLabel::Goaway, text, text, markerStyle(EventType::Goaway).color, markerRect(p, half), {},
                         false },
                besideMarker(p, half, sized(text)), bounds);
        }
        // PING ACK: the round trip. Only where they are sparse enough to read; else on hover.
        const auto& acks = l.times(EventType::PingAck);
        const auto [a, b] = visibleRange(acks, fromNs, toNs_);
        if (b > a && static_cast<double>(b - a) <= (m.x1 - m.x0) / 40) {
            for (auto i = a; i < b; ++i) {
                const auto& r = m_store->record(l.indexes(EventType::PingAck)[i]);
                if (r.number < 0)
                    continue;
                const QString text = roundTripText(r.number);
                const QPointF p(m.toPixelNs(acks[i]), y0);
                const double half = markerStyle(EventType::PingAck).size / 2 + 1;
                auto options = besideMarker(p, half, sized(text));
                std::rotate(options.begin(), options.begin() + 2, options.begin() + 3); // below first
                addLabel({ TimelineLabel::RoundTrip, text, tr("PING round trip %1").arg(text),
                             shade(markerStyle(EventType::PingAck).color, pal, 0.9), markerRect(p, half), {}, false },
                    std::move(options), bounds);
            }
        }
        // Channel state changes (lab): the new state's name.
        const auto& states = l.times(EventType::ChannelState);
        const auto [sa, sb] = visibleRange(states, fromNs, toNs_);
        if (sb - sa <= 30) {
            const double y3 = mParentPlot->yAxis->coordToPixel(lane + rowCenter(3));
            for (auto i = sa; i < sb; ++i) {
                const auto& r = m_store->record(l.indexes(EventType::ChannelState)[i]);
                const QString text = QString::fromStdString(m_store->text(r.text1));
                const QPointF p(m.toPixelNs(states[i]), y3);
                const double half = markerStyle(EventType::ChannelState).size / 2 + 1;
                addLabel({ TimelineLabel::ChannelState, text, tr("channel state %1").arg(text),
                             pal.color(QPalette::Text), markerRect(p, half), {}, false },
                    besideMarker(p, half, sized(text)), bounds);
            }
        }
    }
}

// How the connection ended, beside its last FIN or RST (the lane caption says it too).
void TimelineLayer::collectEndLabel(int lane, const QRectF& bounds)
{
    const auto& l = m_store->lane(static_cast<std::size_t>(lane));
    if (!l.closed())
        return;
    const auto m = mapping();
    const bool byStop = m_shutdownNs && l.lastNs() >= *m_shutdownNs;
    const LaneEnd end = laneEnd(m_store->connection(l.conn()), true, byStop);
    const double x = m.toPixelNs(l.lastNs());
    if (x < m.x0 || x > m.x1)
        return;
    const QPointF p(x, mParentPlot->yAxis->coordToPixel(lane + rowCenter(1)));
    const QSizeF size = QFontMetricsF(labelFont(true)).size(Qt::TextSingleLine, end.label) + QSizeF(6, 2);
    addLabel({ TimelineLabel::EndCause, end.label, end.detail.isEmpty() ? end.label : end.label % u": " % end.detail,
                 end.color, markerRect(p, 7), {}, true },
        besideMarker(p, 7, size), bounds);
}

void TimelineLayer::placeAndDrawLabels(QCPPainter* painter)
{
    std::stable_sort(m_pending.begin(), m_pending.end(),
        [](const Pending& a, const Pending& b) { return a.label.kind < b.label.kind; });
    const QPalette pal = mParentPlot->palette();
    QColor background = pal.color(QPalette::Base);
    background.setAlpha(215);
    m_labels.reserve(m_pending.size());
    for (auto& p : m_pending) {
        const int at = m_placer.place(p.options, p.bounds);
        if (at >= 0) {
            p.label.rect = p.options[static_cast<std::size_t>(at)];
            painter->fillRect(p.label.rect, background);
            painter->setFont(labelFont(p.label.bold));
            painter->setPen(p.label.color);
            painter->drawText(p.label.rect, Qt::AlignCenter, p.label.text);
        }
        m_labels.push_back(std::move(p.label));
    }
    m_pending.clear();
}

std::optional<QString> TimelineLayer::labelTextAt(QPointF pixel) const
{
    const TimelineLabel* best = nullptr;
    double bestArea = 1e18;
    for (const auto& l : m_labels) {
        const bool over = l.anchor.adjusted(-2, -2, 2, 2).contains(pixel) || l.rect.contains(pixel);
        const double area = l.anchor.width() * l.anchor.height();
        if (over && area < bestArea) {
            best = &l;
            bestArea = area;
        }
    }
    if (!best)
        return std::nullopt;
    return best->hover.isEmpty() ? best->text : best->hover;
}

} // namespace ks::ui
