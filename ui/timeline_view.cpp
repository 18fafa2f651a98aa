// Interaction and wiring of the timeline; the drawing is TimelineLayer's.
#include "timeline_view.h"

#include "connection_lane.h"
#include "event_format.h"
#include "event_store.h"
#include "timeline_layer.h"
#include "timeline_legend.h"
#include "timeline_style.h"

#include "core/event_hub.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QToolTip>

#ifdef KS_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

#include <algorithm>
#include <cmath>

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
    new SelectionOverlay(this);

    m_legend = new TimelineLegend(this);
    plotLayout()->insertRow(0);
    plotLayout()->addElement(0, 0, m_legend);
    plotLayout()->setRowStretchFactor(0, 0.001);

    xAxis->setLabel(tr("time since first packet (s)"));
    xAxis->grid()->setVisible(true);
    yAxis->grid()->setVisible(false);
    yAxis->setRangeReversed(true);
    yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
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
        m_legend->setInferredShown(false);
        m_shutdownAt.reset();
        m_selected.reset();
        m_evidence.clear();
        m_lanesShown = SIZE_MAX;
        m_userMoved = false;
        updateLanes();
        xAxis->setRange(0, 1);
        replot();
    });
    connect(store, &EventStore::connectionsChanged, this, [this] {
        m_lanesShown = SIZE_MAX; // endpoints arrived: relabel
        scheduleReplot();
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

void TimelineView::wheelEvent(QWheelEvent* event)
{
    m_userMoved = true;
    QCustomPlot::wheelEvent(event);
}

void TimelineView::updateLanes()
{
    const std::size_t lanes = m_store->laneCount();
    if (lanes == m_lanesShown)
        return;
    const bool first = m_lanesShown == 0 || m_lanesShown == SIZE_MAX || lanes == 0;
    m_lanesShown = lanes;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::size_t i = 0; i < lanes; ++i) {
        const auto conn = m_store->lane(i).conn();
        QString label = u"#" % QString::number(conn);
        if (const auto* c = m_store->connection(conn)) {
            label += u'\n' % QString::fromStdString(c->client) % u"\n\u2192 " % QString::fromStdString(c->server);
            if (const QString tls = tlsLaneText(*c); !tls.isEmpty())
                label += u'\n' % tls;
            if (!c->proxy.empty())
                label += u"\nvia " % QString::fromStdString(c->proxy);
        }
        ticker->addTick(static_cast<double>(i) + 0.5, label);
    }
    yAxis->setTicker(ticker);
    yAxis->setTickLabelFont(QFont(font().family(), 7));
    // Up to 12 lanes in view; more scroll vertically (drag).
    const double shown = static_cast<double>(std::clamp<std::size_t>(lanes, 1, 12));
    if (first || yAxis->range().upper > static_cast<double>(lanes) + 0.01 || yAxis->range().size() < shown)
        yAxis->setRange(0, shown);
}

void TimelineView::fitAll()
{
    updateLanes();
    const double end = std::max(static_cast<double>(m_store->endNs()) * 1e-9, 1e-3);
    xAxis->setRange(-end * 0.01, end * 1.02);
    yAxis->setRange(0, static_cast<double>(std::clamp<std::size_t>(m_store->laneCount(), 1, 12)));
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

void TimelineView::drawTimeLine(QCPPainter* painter, double seconds, const QColor& color, const QString& text)
{
    const double x = xAxis->coordToPixel(seconds);
    const QRect r = axisRect()->rect();
    if (x < r.left() || x > r.right())
        return;
    painter->setPen(QPen(color, 1.5, Qt::DashLine));
    painter->drawLine(QLineF(x, r.top(), x, r.bottom()));
    const QFontMetrics fm(font());
    const int w = fm.horizontalAdvance(text) + 8;
    // Right of the line when there is room, else left of it; on the axis rect's first row.
    const double left = x + w + 4 <= r.right() ? x + 4 : x - w - 4;
    const QRectF box(left, r.top() + 2, w, fm.height() + 2);
    painter->setPen(Qt::NoPen);
    painter->setBrush(palette().color(QPalette::Base));
    painter->drawRect(box);
    painter->setPen(color);
    painter->drawText(box, Qt::AlignCenter, text);
    painter->setBrush(Qt::NoBrush);
}

void TimelineView::drawOverlay(QCPPainter* painter)
{
    if (m_shutdownAt)
        drawTimeLine(painter, *m_shutdownAt, QColor(0x7f, 0x7f, 0x7f), tr("Stop: the lab's own shutdown follows"));
    if (const auto now = nowSeconds()) {
        const int s = static_cast<int>(*now);
        drawTimeLine(painter, *now, QColor(0xd6, 0x27, 0x28),
            tr("now · %1:%2 elapsed").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0')));
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

QString TimelineView::tooltipFor(std::size_t index) const
{
    const core::Event e = m_store->event(index);
    QString text = u"<b>" % eventTypeTitle(e.type).toHtmlEscaped() % u"</b> #" % QString::number(index) % u"<br>t = "
        % secondsText(e.relNs, m_store->decimals()) % u" s &nbsp; conn " % QString::number(e.conn) % u" &nbsp; "
        % directionText(e.dir);
    const QString details = eventDetails(e);
    if (!details.isEmpty())
        text += u"<br>" % details.toHtmlEscaped();
    if (const auto* c = m_store->connection(e.conn)) {
        text += u"<br><small>" % QString::fromStdString(c->client).toHtmlEscaped() % u" \u2192 "
            % QString::fromStdString(c->server).toHtmlEscaped();
        if (const QString tls = tlsLaneText(*c); !tls.isEmpty())
            text += u"<br>" % tls.toHtmlEscaped();
        text += u"</small>";
    }
    if (e.inferred)
        text += u"<br><i>" % tr("Without the TLS keys this is read from record sizes and timing: a PING is a "
                                "17-byte HTTP/2 frame, so a TLS record carrying 17 bytes, answered by a record of "
                                "the same size about a round trip later, is taken for a PING and its ACK. Choose "
                                "a key log to read it.").toHtmlEscaped()
            % u"</i>";
    return text;
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    m_pressPos = event->pos();
    QCustomPlot::mousePressEvent(event);
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    QCustomPlot::mouseReleaseEvent(event);
    if ((event->pos() - m_pressPos).manhattanLength() > 3) {
        m_userMoved = true;
        return;
    }
    if (event->button() == Qt::LeftButton) {
        if (const auto hit = eventAt(event->position())) {
            m_selected = hit;
            layer(QStringLiteral("overlay"))->replot();
            Q_EMIT eventClicked(*hit);
        }
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    if (event->buttons() != Qt::NoButton)
        return;
    if (const auto hit = eventAt(event->position()))
        QToolTip::showText(event->globalPosition().toPoint(), tooltipFor(*hit), this);
    else
        QToolTip::hideText();
}

void TimelineView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (!eventAt(event->position()))
        fitAll();
    QCustomPlot::mouseDoubleClickEvent(event);
}

void TimelineView::keyPressEvent(QKeyEvent* event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(0.5);
        return;
    case Qt::Key_Minus:
        zoomBy(2.0);
        return;
    case Qt::Key_Left:
        panBy(-0.2);
        return;
    case Qt::Key_Right:
        panBy(0.2);
        return;
    case Qt::Key_Up:
        yAxis->moveRange(-1);
        replot(rpQueuedReplot);
        return;
    case Qt::Key_Down:
        yAxis->moveRange(1);
        replot(rpQueuedReplot);
        return;
    case Qt::Key_Home:
    case Qt::Key_0:
        fitAll();
        return;
    default:
        QCustomPlot::keyPressEvent(event);
    }
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

QString TimelineView::exportSizeProblem(int width, int height)
{
    if (width <= 0 || height <= 0)
        return QStringLiteral("%1x%2: the image needs a positive width and height").arg(width).arg(height);
    const qint64 pixels = qint64(width) * height;
    if (pixels <= kMaxExportPixels)
        return {};
    return QStringLiteral("%1x%2 is %3 million pixels, more than the %4 million an export may have (e.g. 10000x5000); "
                          "choose a smaller width or height")
        .arg(width)
        .arg(height)
        .arg(static_cast<double>(pixels) / 1e6, 0, 'f', 1)
        .arg(kMaxExportPixels / 1'000'000);
}

bool TimelineView::exportTo(const QString& path, int width, int height, QString* error)
{
    const QString ext = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (const QString problem = exportSizeProblem(width, height); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    {
        // Say why a file cannot be written (no such folder, no permission) before rendering.
        QSaveFile probe(path);
        if (!probe.open(QIODevice::WriteOnly)) {
            if (error)
                *error = path % u": cannot write (" % probe.errorString() % u')';
            return false;
        }
        probe.cancelWriting();
    }
    // One layout pass at the export's size first: the legend settles its row count there.
    if (width > 0 && height > 0)
        (void)toPixmap(width, height);
    if (ext == u"png") {
        // Written through QSaveFile: atomic, and a failed write (a full disk) has a reason.
        QSaveFile file(path);
        const QPixmap pixmap = toPixmap(width, height);
        if (!file.open(QIODevice::WriteOnly) || !pixmap.save(&file, "PNG") || !file.commit()) {
            if (error)
                *error = path % u": could not write the image (" % file.errorString() % u')';
            return false;
        }
        ok = true;
    } else if (ext == u"pdf") {
        ok = savePdf(
            path, width, height, QCP::epNoCosmetic, QStringLiteral("Keepalive Scope"), QStringLiteral("Timeline"));
#ifdef KS_HAVE_QT_SVG
    } else if (ext == u"svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(width, height));
        svg.setViewBox(QRect(0, 0, width, height));
        svg.setTitle(QStringLiteral("Keepalive Scope timeline"));
        QCPPainter painter(&svg);
        painter.setMode(QCPPainter::pmVectorized);
        toPainter(&painter, width, height);
        ok = painter.end();
#endif
    } else {
        if (error)
            *error = path % u": unknown image type (use .png, .pdf"
#ifdef KS_HAVE_QT_SVG
                % u" or .svg"
#endif
                % u')';
        return false;
    }
    if (!ok && error)
        *error = path % u": could not write the image";
    return ok;
}

} // namespace ks::ui
