// Where the timeline's text labels go. Each label tries its candidate rectangles in order and
// takes the first that stays inside its bounds and touches no marker and no label placed before
// it; a label with no free place is left out (the timeline shows its text on hover instead).
// Plain geometry, no painting: tested alone and by the window tests.
#pragma once

#include <QRectF>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ks::ui {

class LabelPlacer {
public:
    explicit LabelPlacer(double cellSize = 32.0);

    void clear();
    // Something a label must not cover: a marker, a bar of dense markers, a line, a ring.
    void addObstacle(const QRectF& rect);
    // Tries options in order; the first inside bounds and free is taken (it becomes an obstacle
    // for the labels after it). Returns its index, or -1 when none is free.
    int place(const std::vector<QRectF>& options, const QRectF& bounds);
    bool isFree(const QRectF& rect) const;

    const std::vector<QRectF>& obstacles() const { return m_obstacles; }
    const std::vector<QRectF>& labels() const { return m_labels; }

private:
    void insert(const QRectF& rect, std::int32_t id); // id >= 0 obstacle, < 0 label (~index)
    template <typename Fn> void forCells(const QRectF& rect, Fn&& fn) const;

    double m_cell;
    std::vector<QRectF> m_obstacles;
    std::vector<QRectF> m_labels;
    std::unordered_map<std::uint64_t, std::vector<std::int32_t>> m_grid; // cell -> rects touching it
};

} // namespace ks::ui
