// What the timeline draws inside its axis rect: lanes, idle gaps, where each chosen LB profile's
// idle timer runs out, and the event markers, bucketed per pixel column so that a million events
// cost what a screenful costs. Also answers "which event is under this pixel".
#pragma once

#include "core/lb_catalogue.h"

#include <qcustomplot.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ks::ui {

class EventStore;

// Gaps at least this long are shaded; shorter quiet stretches are ordinary traffic rhythm.
inline constexpr std::int64_t kShadedGapNs = 1'000'000'000;

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

    // Figures of the last draw, for tests and the benchmark.
    std::size_t drawnMarkers() const { return m_drawnMarkers; }
    std::size_t drawnCrossings() const { return m_drawnCrossings; }

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
    void drawLabels(QCPPainter* painter, int firstLane, int lastLane);

    const EventStore* m_store;
    std::vector<core::LbCatalogueEntry> m_profiles;
    std::size_t m_drawnMarkers = 0;
    std::size_t m_drawnCrossings = 0;
};

} // namespace ks::ui
