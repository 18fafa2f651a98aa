// What the timeline draws inside its axis rect: lanes, idle gaps, where each chosen LB profile's
// idle timer runs out, and the event markers, bucketed per pixel column so that a million events
// cost what a screenful costs; then the labels, placed where they cover no marker and no other
// label (timeline_labels.cpp). Also answers "which event or label is under this pixel".
#pragma once

#include "core/lb_catalogue.h"
#include "label_placer.h"
#include "time_axis.h"

#include <qcustomplot.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace ks::ui {

class EventStore;

// Gaps at least this long are shaded; shorter quiet stretches are ordinary traffic rhythm.
inline constexpr std::int64_t kShadedGapNs = 1'000'000'000;

// A text on the timeline. Drawn at rect when a free place was found; hidden (rect empty) when
// not, and then its hover text is shown when the pointer is over its anchor.
struct TimelineLabel {
    enum Kind { EndCause, Goaway, Profile, RoundTrip, ChannelState, Idle }; // placement priority
    Kind kind = Idle;
    QString text;
    QString hover; // for the tooltip: the text in full words
    QColor color;
    QRectF anchor; // what it names: a marker, a timeout line, a gap
    QRectF rect;
    bool bold = false;
    bool shown() const { return !rect.isEmpty(); }
};

class TimelineLayer : public QCPLayerable {
    Q_OBJECT
public:
    TimelineLayer(QCustomPlot* plot, const EventStore* store);

    void setProfiles(std::vector<core::LbCatalogueEntry> profiles) { m_profiles = std::move(profiles); }
    const std::vector<core::LbCatalogueEntry>& profiles() const { return m_profiles; }
    static QColor profileColor(std::size_t i);

    // The event whose marker is under the pixel (within a few pixels), if any.
    std::optional<std::size_t> eventAt(QPointF pixel) const;
    // Pixel centre of an event's marker (it may lie outside the visible rect).
    QPointF markerPosition(std::size_t eventIndex) const;
    // Lane index under a pixel row, or -1.
    int laneAt(double y) const;
    // The hover text of the label whose anchor or text is under the pixel (the smallest anchor).
    std::optional<QString> labelTextAt(QPointF pixel) const;
    // More things labels must not cover, added before they are placed (rings, time lines).
    void setExtraObstacles(std::function<void(LabelPlacer&)> fn) { m_extraObstacles = std::move(fn); }
    // Where the lab's own shutdown began (ns since origin): a connection closed after it ended by Stop.
    void setShutdownNs(std::optional<std::int64_t> ns) { m_shutdownNs = ns; }

    // Figures of the last draw, for tests and the benchmark.
    std::size_t drawnMarkers() const { return m_drawnMarkers; }
    // The lanes the last draw covered, first and last (-1, -1 when none).
    std::pair<int, int> drawnLanes() const { return m_drawnLanes; }
    std::size_t drawnCrossings() const { return m_drawnCrossings; }
    const std::vector<TimelineLabel>& labels() const { return m_labels; }
    const std::vector<QRectF>& obstacles() const { return m_placer.obstacles(); }

protected:
    void applyDefaultAntialiasingHint(QCPPainter* painter) const override;
    void draw(QCPPainter* painter) override;
    QRect clipRect() const override;

private:
    double laneTop(int lane) const;
    double laneBottom(int lane) const;
    void drawLanes(QCPPainter* painter, int firstLane, int lastLane);
    void drawGaps(QCPPainter* painter, int firstLane, int lastLane);
    void drawProfiles(QCPPainter* painter, int firstLane, int lastLane);
    void drawMarkers(QCPPainter* painter, int firstLane, int lastLane);
    void collectLabels(int firstLane, int lastLane); // GOAWAY, end cause, round trips, channel states
    void collectEndLabel(int lane, const QRectF& bounds);
    void addProfileLabel(std::size_t profile, const QRectF& line, const QRectF& bounds, std::int64_t gapStartNs);
    void addLabel(TimelineLabel label, std::vector<QRectF> options, const QRectF& bounds);
    void placeAndDrawLabels(QCPPainter* painter);
    QRectF laneRect(int lane) const;
    TimeAxisMapping mapping() const;
    QFont labelFont(bool bold = false) const;

    struct Pending {
        TimelineLabel label;
        std::vector<QRectF> options;
        QRectF bounds;
    };
    const EventStore* m_store;
    LabelPlacer m_placer;
    std::vector<Pending> m_pending;
    std::vector<TimelineLabel> m_labels;
    std::function<void(LabelPlacer&)> m_extraObstacles;
    std::optional<std::int64_t> m_shutdownNs;
    std::vector<core::LbCatalogueEntry> m_profiles;
    std::size_t m_drawnMarkers = 0;
    std::pair<int, int> m_drawnLanes { -1, -1 };
    std::size_t m_drawnCrossings = 0;
};

} // namespace ks::ui
