// How each event type looks on the timeline: marker shape, colour and row within the lane.
#pragma once

#include "core/event.h"

#include <QColor>
#include <QPointF>

class QPainter;
class QPalette;

namespace ks::ui {

enum class MarkerShape {
    TriangleUp,
    TriangleDown,
    TriangleRight,
    Diamond,
    Square,
    Cross,
    Disc,
    Ring,
    TallTick,
    ShortTick,
    Dot,
    HollowDiamond,
    HollowSquare
};

struct MarkerStyle {
    MarkerShape shape = MarkerShape::Disc;
    QColor color;
    int row = 0; // 0 HTTP/2 keepalive, 1 TCP, 2 HTTP/2 activity, 3 lab
    double size = 9.0; // pixels
    bool hollow = false; // outline only: an event inferred from TLS record sizes, not read
};

inline constexpr int kLaneRows = 4;

const MarkerStyle& markerStyle(core::EventType type);
// The same marker drawn hollow (outline, no fill): for events known only by inference.
MarkerStyle inferredStyle(core::EventType type);
// Centre of a row inside a lane, in lane units (the lane spans [lane, lane + 1)).
double rowCenter(int row);
// Draws a marker centred on p; used for the timeline, its legend and exports (vector-safe).
void drawMarker(QPainter& painter, const MarkerStyle& style, QPointF p, double scale = 1.0);
// Blends a colour towards the palette's base so shading reads on light and dark themes.
QColor shade(const QColor& color, const QPalette& palette, double alpha);

} // namespace ks::ui
