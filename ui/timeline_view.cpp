// Interaction and wiring of the timeline; the drawing is TimelineLayer's.
#include "timeline_view.h"

#include "connection_lane.h"
#include "event_format.h"
#include "event_store.h"
#include "lane_captions.h"
#include "timeline_layer.h"
#include "timeline_legend.h"
#include "timeline_style.h"

#include "core/event_hub.h"

#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace ks::ui {

TimelineView::TimelineView(const EventStore* store, QWidget* parent)
    : QCustomPlot(parent)
    , m_store(store)
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setNoAntialiasingOnDrag(true);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    axisRect()->setRangeZoom(Qt::Horizontal);
    axisRect()->setRangeZoomFactor(0.8, 1.0);

    addLayer(QStringLiteral("events"), layer(QStringLiteral("main")), limAbove);
    m_layer = new TimelineLayer(this, store);
    m_layer->setLayer(QStringLiteral("events"));
    m_captions = new LaneCaptions(this, store);
    m_captions->setLayer(QStringLiteral("axes"));
    createOverlay();

    m_legend = new TimelineLegend(this);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0, m_legend);
    plotLayout()->setRowStretchFactor(0, 0.001);

    xAxis->setLabel(tr("time since first packet (s)"));
    xAxis->grid()->setVisible(true);
    yAxis->grid()->setVisible(false);
    yAxis->setRangeReversed(true);
    // The lanes' captions (LaneCaptions) take the axis's place in a margin sized to fit them.
    yAxis->setTicks(false);
    yAxis->setTickLabels(false);
    axisRect()->setAutoMargins(QCP::msTop | QCP::msRight | QCP::msBottom);
    yAxis->setRange(0, 1);
    xAxis->setRange(0, 1);
    applyPalette();

    m_replotTimer.setSingleShot(true);
    m_replotTimer.setInterval(33);
    connect(&m_replotTimer, &QTimer::timeout, this, &TimelineView::refresh);
    connect(store, &EventStore::appended, this, &TimelineView::scheduleReplot);
    connect(store, &EventStore::appended, this, [this](std::size_t first, std::size_t last) {
        for (std::size_t i = first; i <= last && !m_legend->inferredShown(); ++i)
            m_legend->setInferredShown((m_store->record(i).flags & EventRecord::kInferred) != 0);
    });
    m_liveTimer.setInterval(250);
    connect(&m_liveTimer, &QTimer::timeout, this, &TimelineView::refresh);
    connect(store, &EventStore::cleared, this, [this] {
        m_captions->invalidateWidths();
        m_legend->setInferredShown(false);
        m_shutdownAt.reset();
        m_layer->setShutdownNs(std::nullopt);
        m_captions->setShutdownNs(std::nullopt);
        m_selected.reset();
        m_evidence.clear();
        m_lanesShown = SIZE_MAX;
        m_userMoved = false;
        updateLanes();
        xAxis->setRange(0, 1);
        replot();
    });
    connect(store, &EventStore::connectionsChanged, this, [this] {
        m_captions->invalidateWidths();
        updateMargin(); // endpoints and end causes arrived: the captions' width
        scheduleReplot();
    });
    // The axis rect's height changes with the legend's rows as well as with the widget: before
    // each paint, no more lanes than leave each room for its row captions.
    // Before each paint: as many lanes as leave each room for its row captions (the rest scroll).
    connect(this, &QCustomPlot::beforeReplot, this, [this] {
        const double lanes = static_cast<double>(std::max<std::size_t>(m_store->laneCount(), 1));
        const double most = m_exportLanes ? *m_exportLanes : std::min<double>(lanes, lanesInView());
        if (std::abs(yAxis->range().size() - most) > 0.01) {
            const double lower = std::clamp(yAxis->range().lower, 0.0, lanes - most);
            yAxis->setRange(lower, lower + most);
        }
    });
    connect(xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& r) {
        // Keep zoom within sensible bounds: a microsecond to a day.
        if (r.size() < 1e-6)
            xAxis->setRange(r.center() - 5e-7, r.center() + 5e-7);
        else if (r.size() > 86400.0 * 30)
            xAxis->setRange(r.center() - 43200.0 * 30, r.center() + 43200.0 * 30);
    });
}

void TimelineView::setProfiles(std::vector<core::LbCatalogueEntry> profiles)
{
    m_legend->setProfiles(profiles);
    m_layer->setProfiles(std::move(profiles));
    replot(rpQueuedReplot);
}

const std::vector<core::LbCatalogueEntry>& TimelineView::profiles() const
{
    return m_layer->profiles();
}

void TimelineView::scheduleReplot()
{
    if (!m_replotTimer.isActive())
        m_replotTimer.start();
}

void TimelineView::refresh()
{
    m_replotTimer.stop();
    updateLanes();
    if (!m_userMoved && m_store->laneCount() > 0) {
        const double end = std::max(static_cast<double>(m_store->endNs()) * 1e-9, nowSeconds().value_or(0.0));
        if (!m_follow) {
            // Until the user zooms or pans, a file being read stays fitted as it grows.
            xAxis->setRange(-std::max(end, 1e-3) * 0.01, std::max(end, 1e-3) * 1.02);
        } else {
            const double span = std::max(xAxis->range().size(), 10.0);
            if (end > xAxis->range().upper - span * 0.05 || end < xAxis->range().lower)
                xAxis->setRange(std::max(0.0, end - span * 0.9), std::max(0.0, end - span * 0.9) + span);
        }
    }
    replot(rpQueuedReplot);
}

void TimelineView::updateLanes()
{
    const std::size_t lanes = m_store->laneCount();
    if (lanes == m_lanesShown)
        return;
    const bool first = m_lanesShown == 0 || m_lanesShown == SIZE_MAX || lanes == 0;
    m_lanesShown = lanes;
    updateMargin();
    const double shown
        = static_cast<double>(std::clamp<std::size_t>(lanes, 1, static_cast<std::size_t>(lanesInView())));
    if (first || yAxis->range().upper > static_cast<double>(lanes) + 0.01 || yAxis->range().size() < shown)
        yAxis->setRange(0, shown);
}

int TimelineView::lanesInView() const
{
    // The widget's height less the key above and the time axis below (as last laid out).
    const int legend = m_legend->outerRect().height() > 0 ? m_legend->outerRect().height() : 20;
    const int h = height() - legend - 50;
    const double lane = LaneCaptions::rowCaptionHeight(QFont(font().family(), 7));
    return std::clamp(static_cast<int>(h / lane), 1, 12);
}

void TimelineView::updateMargin()
{
    const int width = m_captions->preferredWidth(90, std::max(120, this->width() / 4));
    axisRect()->setMargins(QMargins(width, 0, 0, 0));
}

void TimelineView::resizeEvent(QResizeEvent* event)
{
    QCustomPlot::resizeEvent(event);
    updateMargin(); // the lanes in view follow in beforeReplot
}

void TimelineView::fitAll()
{
    updateLanes();
    const double end = std::max(static_cast<double>(m_store->endNs()) * 1e-9, 1e-3);
    xAxis->setRange(-end * 0.01, end * 1.02);
    yAxis->setRange(0, static_cast<double>(std::clamp<std::size_t>(m_store->laneCount(), 1, lanesInView())));
    m_userMoved = false;
    replot(rpQueuedReplot);
}

void TimelineView::setFollow(bool follow)
{
    m_follow = follow;
    m_userMoved = false;
    scheduleReplot();
}

void TimelineView::setLiveStart(bool live)
{
    m_live = live;
    if (live)
        m_liveTimer.start();
    else
        m_liveTimer.stop();
    replot(rpQueuedReplot);
}

std::optional<double> TimelineView::nowSeconds() const
{
    if (!m_live || m_store->originNs() == 0)
        return std::nullopt;
    return static_cast<double>(core::realtimeNs() - m_store->originNs()) * 1e-9;
}

void TimelineView::setShutdownAt(std::optional<double> seconds)
{
    m_shutdownAt = seconds;
    const auto ns
        = seconds ? std::optional<std::int64_t>(static_cast<std::int64_t>(std::llround(*seconds * 1e9))) : std::nullopt;
    m_layer->setShutdownNs(ns);
    m_captions->setShutdownNs(ns);
    updateMargin(); // the captions' texts changed
    replot(rpQueuedReplot);
}

void TimelineView::zoomBy(double factor)
{
    xAxis->scaleRange(factor, xAxis->range().center());
    m_userMoved = true;
    replot(rpQueuedReplot);
}

void TimelineView::panBy(double fraction)
{
    xAxis->moveRange(xAxis->range().size() * fraction);
    m_userMoved = true;
    replot(rpQueuedReplot);
}

std::optional<std::size_t> TimelineView::eventAt(QPointF pixel) const
{
    return m_layer->eventAt(pixel);
}

QPointF TimelineView::markerPosition(std::size_t index) const
{
    return m_layer->markerPosition(index);
}

void TimelineView::selectEvent(std::optional<std::size_t> index)
{
    if (index && *index >= m_store->size())
        index.reset();
    m_selected = index;
    if (index) {
        const double t = static_cast<double>(m_store->record(*index).relNs) * 1e-9;
        const auto r = xAxis->range();
        if (t < r.lower || t > r.upper)
            xAxis->setRange(t - r.size() / 2, t + r.size() / 2);
        const int lane = m_store->laneOf(m_store->record(*index).conn);
        const auto y = yAxis->range();
        if (lane < y.lower || lane + 1 > y.upper)
            yAxis->setRange(lane, lane + y.size());
        replot(rpQueuedReplot);
    } else {
        layer(QStringLiteral("overlay"))->replot();
    }
}

void TimelineView::showEvidence(const std::vector<std::uint64_t>& indexes)
{
    m_evidence.clear();
    for (auto i : indexes) {
        if (i < m_store->size())
            m_evidence.push_back(i);
    }
    if (!m_evidence.empty()) {
        std::int64_t lo = INT64_MAX, hi = INT64_MIN;
        int laneLo = INT32_MAX;
        for (auto i : m_evidence) {
            lo = std::min(lo, m_store->record(i).relNs);
            hi = std::max(hi, m_store->record(i).relNs);
            laneLo = std::min(laneLo, m_store->laneOf(m_store->record(i).conn));
        }
        const double a = static_cast<double>(lo) * 1e-9, b = static_cast<double>(hi) * 1e-9;
        const double pad = std::max((b - a) * 0.15, 0.5);
        xAxis->setRange(a - pad, b + pad);
        const auto y = yAxis->range();
        if (laneLo < y.lower || laneLo + 1 > y.upper)
            yAxis->setRange(laneLo, laneLo + y.size());
        m_userMoved = true;
    }
    replot(rpQueuedReplot);
}

void TimelineView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QCustomPlot::changeEvent(event);
}

void TimelineView::applyPalette()
{
    // Follow the system palette (light and dark).
    const QPalette pal = palette();
    setBackground(pal.color(QPalette::Window));
    axisRect()->setBackground(pal.color(QPalette::Base));
    const QColor text = pal.color(QPalette::Text);
    for (QCPAxis* axis : { xAxis, yAxis }) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
    }
    xAxis->grid()->setPen(QPen(shade(text, pal, 0.15), 1, Qt::DotLine));
    replot(rpQueuedReplot);
}

} // namespace ks::ui
