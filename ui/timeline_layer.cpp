// Drawing order inside a lane: background, idle gaps, LB timeouts, quiet markers, keepalive
// markers, labels. Markers are pixmap sprites on screen and vector shapes in PDF/SVG exports.
#include "timeline_layer.h"

#include "core/finding.h"
#include "core/http2_codes.h"
#include "event_format.h"
#include "event_store.h"
#include "time_axis.h"
#include "timeline_style.h"

#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <array>
#include <cmath>

namespace ks::ui {

using core::EventType;

namespace {

// Quiet activity first, the keepalive story last (on top).
constexpr std::array kDrawOrder {
    EventType::WindowUpdate,
    EventType::Data,
    EventType::Preface,
    EventType::Settings,
    EventType::Headers,
    EventType::RstStream,
    EventType::Rpc,
    EventType::ChannelState,
    EventType::ZeroWindowProbe,
    EventType::TcpKeepaliveAck,
    EventType::TcpKeepalive,
    EventType::Syn,
    EventType::Fin,
    EventType::Rst,
    EventType::PingAck,
    EventType::Ping,
    EventType::Goaway,
};

TimeAxisMapping mappingOf(const QCPAxisRect* rect)
{
    const auto range = rect->axis(QCPAxis::atBottom)->range();
    return { range.lower, range.upper, static_cast<double>(rect->left()), static_cast<double>(rect->right()) };
}

// One sprite per event type and device pixel ratio: drawing a pixmap is far cheaper than
// filling a path, and a zoomed-out timeline draws thousands of markers.
const QPixmap& sprite(EventType type, qreal dpr, bool hollow = false)
{
    static std::array<QPixmap, 2 * core::kEventTypeCount> cache;
    static qreal cachedDpr = 0;
    if (cachedDpr != dpr) {
        for (auto& p : cache)
            p = QPixmap();
        cachedDpr = dpr;
    }
    auto& pm = cache[static_cast<std::size_t>(type) + (hollow ? core::kEventTypeCount : 0)];
    if (pm.isNull()) {
        const MarkerStyle style = hollow ? inferredStyle(type) : markerStyle(type);
        const int side = static_cast<int>(std::ceil(style.size)) + 4;
        pm = QPixmap(QSize(side, side) * dpr);
        pm.setDevicePixelRatio(dpr);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        drawMarker(p, style, QPointF(side / 2.0, side / 2.0));
    }
    return pm;
}

std::int64_t toNs(double seconds)
{
    return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

// The gaps of a lane under a policy, plus the trailing one of a connection still open.
template <typename Fn>
void forEachGap(const ConnectionLane& lane, IdlePolicy policy, std::int64_t endNs, std::int64_t fromNs, Fn&& fn)
{
    const auto& gaps = lane.gaps(policy);
    auto it = std::lower_bound(
        gaps.begin(), gaps.end(), fromNs, [](const IdleGap& g, std::int64_t t) { return g.endNs < t; });
    for (; it != gaps.end(); ++it)
        fn(*it);
    const auto open = lane.openGapStartNs(policy);
    if (!lane.closed() && open != INT64_MIN && endNs > open)
        fn(IdleGap { open, endNs });
}

IdlePolicy policyOf(const core::LbCatalogueEntry& e)
{
    return { e.http2PingResetsIdle.value_or(true), e.profile.tcpKeepaliveResetsIdle.value_or(false) };
}

} // namespace

TimelineLayer::TimelineLayer(QCustomPlot* plot, const EventStore* store)
    : QCPLayerable(plot)
    , m_store(store)
{
}

QColor TimelineLayer::profileColor(std::size_t i)
{
    static const std::array colors { QColor(0xe6, 0x55, 0x0d), QColor(0xc2, 0x18, 0x5b), QColor(0x6a, 0x1b, 0x9a),
        QColor(0x00, 0x79, 0x6b), QColor(0x5d, 0x40, 0x37), QColor(0x28, 0x35, 0x93) };
    return colors[i % colors.size()];
}

void TimelineLayer::applyDefaultAntialiasingHint(QCPPainter* painter) const
{
    painter->setAntialiasing(false);
}

QRect TimelineLayer::clipRect() const
{
    return mParentPlot->axisRect()->rect();
}

double TimelineLayer::laneTop(int lane) const
{
    return mParentPlot->yAxis->coordToPixel(lane);
}

double TimelineLayer::laneBottom(int lane) const
{
    return mParentPlot->yAxis->coordToPixel(lane + 1);
}

int TimelineLayer::laneAt(double y) const
{
    const double coord = mParentPlot->yAxis->pixelToCoord(y);
    const int lane = static_cast<int>(std::floor(coord));
    return lane >= 0 && static_cast<std::size_t>(lane) < m_store->laneCount() ? lane : -1;
}

void TimelineLayer::draw(QCPPainter* painter)
{
    m_drawnMarkers = m_drawnCrossings = 0;
    m_drawnLanes = { -1, -1 };
    m_labels.clear();
    m_placer.clear();
    if (m_store->laneCount() == 0)
        return;
    const auto yRange = mParentPlot->yAxis->range();
    const int firstLane = std::max(0, static_cast<int>(std::floor(yRange.lower)));
    const int lastLane
        = std::min(static_cast<int>(m_store->laneCount()) - 1, static_cast<int>(std::ceil(yRange.upper)) - 1);
    if (firstLane > lastLane)
        return;
    m_drawnLanes = { firstLane, lastLane };
    m_placer.clear();
    m_pending.clear();
    drawLanes(painter, firstLane, lastLane);
    drawGaps(painter, firstLane, lastLane);
    drawProfiles(painter, firstLane, lastLane);
    drawMarkers(painter, firstLane, lastLane);
    if (m_extraObstacles)
        m_extraObstacles(m_placer);
    collectLabels(firstLane, lastLane);
    placeAndDrawLabels(painter);
}

TimeAxisMapping TimelineLayer::mapping() const
{
    return mappingOf(mParentPlot->axisRect());
}

QRectF TimelineLayer::laneRect(int lane) const
{
    const QRectF r = clipRect();
    return QRectF(r.left(), laneTop(lane), r.width(), laneBottom(lane) - laneTop(lane)).intersected(r);
}

void TimelineLayer::drawLanes(QCPPainter* painter, int firstLane, int lastLane)
{
    const QRect rect = clipRect();
    const QPalette pal = mParentPlot->palette();
    const auto m = mappingOf(mParentPlot->axisRect());
    painter->setPen(Qt::NoPen);
    for (int lane = firstLane; lane <= lastLane; ++lane) {
        const QRectF band(rect.left(), laneTop(lane), rect.width(), laneBottom(lane) - laneTop(lane));
        painter->fillRect(band, lane % 2 ? pal.color(QPalette::AlternateBase) : pal.color(QPalette::Base));
        // The connection's life: a thin line from its first to its last event on the TCP row.
        const auto& l = m_store->lane(static_cast<std::size_t>(lane));
        const double y = mParentPlot->yAxis->coordToPixel(lane + rowCenter(1));
        const double xa = std::max<double>(rect.left(), m.toPixelNs(l.firstNs()));
        const double xb = std::min<double>(rect.right(), m.toPixelNs(l.closed() ? l.lastNs() : m_store->endNs()));
        if (xb > xa) {
            painter->setPen(QPen(shade(pal.color(QPalette::Text), pal, 0.35), 1.0));
            painter->drawLine(QLineF(xa, y, xb, y));
            painter->setPen(Qt::NoPen);
        }
    }
    painter->setPen(QPen(shade(pal.color(QPalette::Text), pal, 0.2), 1.0));
    for (int lane = firstLane; lane <= lastLane + 1; ++lane)
        painter->drawLine(QLineF(rect.left(), laneTop(lane), rect.right(), laneTop(lane)));
}

void TimelineLayer::drawGaps(QCPPainter* painter, int firstLane, int lastLane)
{
    const auto m = mappingOf(mParentPlot->axisRect());
    const QRect rect = clipRect();
    const QPalette pal = mParentPlot->palette();
    // Two shades, alternating, and a pixel apart: gaps that meet (split by one PING) read as two.
    const std::array fills { shade(QColor(0x9e, 0x9e, 0x9e), pal, 0.35), shade(QColor(0x9e, 0x9e, 0x9e), pal, 0.22) };
    const std::int64_t fromNs = toNs(m.t0), toNs_ = toNs(m.t1);
    for (int lane = firstLane; lane <= lastLane; ++lane) {
        const auto& l = m_store->lane(static_cast<std::size_t>(lane));
        const double top = laneTop(lane) + 2, bottom = laneBottom(lane) - 2;
        std::size_t k = 0;
        forEachGap(l, IdlePolicy { true, true }, m_store->endNs(), fromNs, [&](const IdleGap& g) {
            if (g.startNs > toNs_ || g.endNs - g.startNs < kShadedGapNs)
                return;
            const double xa = std::max<double>(rect.left(), m.toPixelNs(g.startNs));
            const double xb = std::min<double>(rect.right(), m.toPixelNs(g.endNs));
            if (xb - xa < 1)
                return;
            const QRectF r
                = xb - xa > 4 ? QRectF(xa + 1, top, xb - xa - 2, bottom - top) : QRectF(xa, top, xb - xa, bottom - top);
            painter->fillRect(r, fills[k++ % 2]);
            const QString text = u"idle " % QString::fromStdString(core::formatDuration((g.endNs - g.startNs) * 1e-9));
            const QSizeF size = QFontMetricsF(labelFont()).size(Qt::TextSingleLine, text) + QSizeF(6, 2);
            const double cx = r.center().x() - size.width() / 2;
            addLabel({ TimelineLabel::Idle, text,
                         tr("Idle %1: no frame, no TCP keep-alive either way")
                             .arg(QString::fromStdString(core::formatDuration((g.endNs - g.startNs) * 1e-9))),
                         pal.color(QPalette::Text), r, {}, false },
                { QRectF(QPointF(cx, r.bottom() - size.height()), size), QRectF(QPointF(cx, r.top()), size),
                    QRectF(QPointF(r.left() + 2, r.bottom() - size.height()), size),
                    QRectF(QPointF(r.right() - 2 - size.width(), r.bottom() - size.height()), size) },
                r);
        });
    }
}

void TimelineLayer::drawProfiles(QCPPainter* painter, int firstLane, int lastLane)
{
    const auto m = mappingOf(mParentPlot->axisRect());
    const QRect rect = clipRect();
    const std::int64_t fromNs = toNs(m.t0), toNs_ = toNs(m.t1);
    for (std::size_t p = 0; p < m_profiles.size(); ++p) {
        const auto& entry = m_profiles[p];
        const auto timeoutNs = toNs(entry.profile.idleTimeoutS);
        if (timeoutNs <= 0)
            continue;
        const QColor color = profileColor(p);
        QColor beyond = color;
        beyond.setAlpha(45);
        const auto policy = policyOf(entry);
        for (int lane = firstLane; lane <= lastLane; ++lane) {
            const auto& l = m_store->lane(static_cast<std::size_t>(lane));
            const double top = laneTop(lane) + 1, bottom = laneBottom(lane) - 1;
            // A gap crossing the timeout was still open at start + timeout: look back that far.
            forEachGap(l, policy, m_store->endNs(), fromNs, [&](const IdleGap& g) {
                const auto crossNs = g.startNs + timeoutNs;
                if (g.endNs <= crossNs || crossNs > toNs_)
                    return;
                const double xc = m.toPixelNs(crossNs);
                const double xa = std::max<double>(rect.left(), xc);
                const double xb = std::min<double>(rect.right(), m.toPixelNs(g.endNs));
                if (xb > xa) {
                    painter->fillRect(QRectF(xa, top, xb - xa, bottom - top), beyond);
                    QColor hatch = color;
                    hatch.setAlpha(110);
                    painter->fillRect(QRectF(xa, top, xb - xa, bottom - top), QBrush(hatch, Qt::BDiagPattern));
                }
                if (xc >= rect.left() && xc <= rect.right()) {
                    painter->setPen(QPen(color, 2.0, Qt::DashLine));
                    painter->drawLine(QLineF(xc, top, xc, bottom));
                    const QRectF line(xc - 2, top, 4, bottom - top);
                    m_placer.addObstacle(line);
                    addProfileLabel(p, line, QRectF(rect.left(), top, rect.width(), bottom - top), g.startNs);
                }
                ++m_drawnCrossings;
            });
        }
    }
}

void TimelineLayer::drawMarkers(QCPPainter* painter, int firstLane, int lastLane)
{
    const auto m = mappingOf(mParentPlot->axisRect());
    const bool vector = painter->modes().testFlag(QCPPainter::pmVectorized);
    const qreal dpr = mParentPlot->devicePixelRatioF();
    std::vector<ColumnBucket> buckets;
    std::vector<QLineF> runs;
    if (vector)
        painter->setRenderHint(QPainter::Antialiasing, true);
    for (int lane = firstLane; lane <= lastLane; ++lane) {
        const auto& l = m_store->lane(static_cast<std::size_t>(lane));
        for (const EventType type : kDrawOrder) {
            const auto& times = l.times(type);
            if (times.empty())
                continue;
            const auto& style = markerStyle(type);
            const double y = mParentPlot->yAxis->coordToPixel(lane + rowCenter(style.row));
            buckets.clear();
            runs.clear();
            bucketByColumn(times, m, buckets);
            // One marker per pixel column at most; where markers would overlap, a bar stands in
            // for the dense run and markers are kept a marker's width apart.
            double lastX = -1e9;
            const double spacing = style.size;
            // Only PINGs and their ACKs are ever inferred (from TLS record sizes): drawn hollow.
            const bool mayInfer = type == EventType::Ping || type == EventType::PingAck;
            const auto& indexes = l.indexes(type);
            for (const auto& b : buckets) {
                const double x
                    = b.count == 1 ? m.toPixelNs(times[b.first]) : m.x0 + static_cast<double>(b.column) + 0.5;
                if (x - lastX >= spacing) {
                    const bool hollow
                        = mayInfer && (m_store->record(indexes[b.first]).flags & EventRecord::kInferred) != 0;
                    if (!vector) {
                        const QPixmap& pm = sprite(type, dpr, hollow);
                        painter->drawPixmap(QPointF(x - pm.width() / (2 * dpr), y - pm.height() / (2 * dpr)), pm);
                    } else {
                        drawMarker(*painter, hollow ? inferredStyle(type) : style, QPointF(x, y));
                    }
                    lastX = x;
                    ++m_drawnMarkers;
                    const double half = style.size / 2 + 1;
                    m_placer.addObstacle(QRectF(x - half, y - half, 2 * half, 2 * half));
                } else if (!runs.empty() && x - runs.back().x2() <= spacing) {
                    runs.back().setP2(QPointF(x, y));
                } else {
                    runs.emplace_back(QPointF(lastX, y), QPointF(x, y));
                }
            }
            if (!runs.empty()) {
                QColor c = style.color;
                c.setAlpha(150);
                painter->setPen(QPen(c, std::max(2.0, style.size / 3), Qt::SolidLine, Qt::FlatCap));
                painter->drawLines(runs.data(), static_cast<int>(runs.size()));
                const double half = std::max(2.0, style.size / 2) + 1;
                for (const QLineF& run : runs)
                    m_placer.addObstacle(QRectF(run.x1() - half, y - half, run.x2() - run.x1() + 2 * half, 2 * half));
            }
        }
    }
}

std::optional<std::size_t> TimelineLayer::eventAt(QPointF pixel) const
{
    const int lane = laneAt(pixel.y());
    if (lane < 0)
        return std::nullopt;
    const auto m = mappingOf(mParentPlot->axisRect());
    const auto& l = m_store->lane(static_cast<std::size_t>(lane));
    const double slack = 5.0;
    const auto fromNs = toNs(m.toSeconds(pixel.x() - slack)), toNs_ = toNs(m.toSeconds(pixel.x() + slack));
    std::optional<std::size_t> best;
    double bestDistance = 1e9;
    for (auto it = kDrawOrder.rbegin(); it != kDrawOrder.rend(); ++it) {
        const auto& style = markerStyle(*it);
        const double y = mParentPlot->yAxis->coordToPixel(lane + rowCenter(style.row));
        if (std::abs(pixel.y() - y) > std::max(style.size / 2 + 3, 6.0))
            continue;
        const auto& times = l.times(*it);
        const auto [a, b] = visibleRange(times, fromNs, toNs_);
        for (auto i = a; i < b; ++i) {
            const double d = std::abs(m.toPixelNs(times[i]) - pixel.x()) + std::abs(pixel.y() - y) * 0.5;
            if (d < bestDistance) {
                bestDistance = d;
                best = l.indexes(*it)[i];
            }
            if (i - a > 64)
                break; // a dense column: any of its first events will do
        }
    }
    return best;
}

QPointF TimelineLayer::markerPosition(std::size_t eventIndex) const
{
    const auto& r = m_store->record(eventIndex);
    const int lane = m_store->laneOf(r.conn);
    return { mParentPlot->xAxis->coordToPixel(static_cast<double>(r.relNs) * 1e-9),
        mParentPlot->yAxis->coordToPixel(lane + rowCenter(markerStyle(r.type).row)) };
}

} // namespace ks::ui
