// The timeline (QCustomPlot): a lane per connection, time on x. Zoom and pan with the mouse
// (wheel, drag) and keys (+/-, arrows, Home fits all); hover for a marker's tooltip; a click
// selects its event. Repaints at a bounded rate while events stream in.
#pragma once

#include "core/lb_catalogue.h"

#include <qcustomplot.h>

#include <QTimer>

#include <cstdint>
#include <optional>
#include <vector>

namespace ks::ui {

class EventStore;
class LaneCaptions;
class TimelineLayer;
class TimelineLegend;
struct TimelineExportOptions;
struct TimelineExportPlan;

class TimelineView : public QCustomPlot {
    Q_OBJECT
public:
    explicit TimelineView(const EventStore* store, QWidget* parent = nullptr);

    void setProfiles(std::vector<core::LbCatalogueEntry> profiles);
    const std::vector<core::LbCatalogueEntry>& profiles() const;

    void fitAll();
    void setFollow(bool follow); // keep the newest events in view while they arrive
    // While a lab or live capture runs: a "now" line and the elapsed time, moving with the clock.
    void setLiveStart(bool live);
    bool live() const { return m_live; }
    // Where a lab run's own shutdown began (seconds since origin): a line, and what follows is
    // marked as the lab's shutdown. Cleared with the store.
    void setShutdownAt(std::optional<double> seconds);
    std::optional<double> nowSeconds() const; // while live
    bool follow() const { return m_follow; }
    // Zooms by factor around the centre (< 1 zooms in); pans by a fraction of the visible span.
    void zoomBy(double factor);
    void panBy(double fraction);

    void selectEvent(std::optional<std::size_t> index); // scrolls it into view
    std::optional<std::size_t> selectedEvent() const { return m_selected; }
    // Evidence of a finding: ringed, and the view fits them.
    void showEvidence(const std::vector<std::uint64_t>& indexes);

    TimelineLayer* layerItem() const { return m_layer; }
    std::optional<std::size_t> eventAt(QPointF pixel) const;
    QPointF markerPosition(std::size_t index) const;
    QString tooltipFor(std::size_t index) const;

    LaneCaptions* captions() const { return m_captions; }
    // Lanes shown at once: as many as the height gives each room for its row captions, 1 to 12.
    int lanesInView() const;

    // Renders to a file by extension: .png, .pdf, .svg (when Qt Svg is present), at the options'
    // size, PNG scale or PDF resolution; refuses sizes past the pixel bound with the reason.
    // Every lane is drawn: the height grows for them within the pixel bound (exportPlan).
    bool exportTo(const TimelineExportOptions& options, QString* error = nullptr, TimelineExportPlan* plan = nullptr);
    TimelineExportPlan exportPlan(const TimelineExportOptions& options) const;
    bool exportTo(const QString& path, int width, int height, QString* error = nullptr);

public Q_SLOTS:
    void scheduleReplot(); // at most ~30 per second
    void refresh(); // now: lanes, auto-fit (until the user moves the view), replot

Q_SIGNALS:
    void eventClicked(std::size_t index);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct TimeLine {
        double seconds;
        QColor color;
        QString text;
    };
    void updateLanes();
    void updateMargin();
    void applyPalette();
    void createOverlay(); // timeline_overlay.cpp
    void drawOverlay(QCPPainter* painter);
    std::vector<TimeLine> timeLines() const; // Stop, now
    std::optional<QRectF> timeLineBox(double seconds, const QString& text) const;

    const EventStore* m_store;
    TimelineLayer* m_layer;
    LaneCaptions* m_captions;
    TimelineLegend* m_legend;
    QTimer m_replotTimer;
    std::size_t m_lanesShown = 0;
    bool m_follow = false;
    bool m_live = false;
    QTimer m_liveTimer;
    std::optional<double> m_shutdownAt;
    std::optional<double> m_exportLanes; // while exporting: the lanes drawn, past lanesInView()
    bool m_userMoved = false;
    QPoint m_pressPos;
    std::optional<std::size_t> m_selected;
    std::vector<std::uint64_t> m_evidence;
    friend class SelectionOverlay;
};

} // namespace ks::ui
