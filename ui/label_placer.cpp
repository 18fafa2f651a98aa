// A uniform grid over the plot: a query looks only at the rectangles in the cells it touches, so
// placing a few hundred labels among thousands of markers stays well under a millisecond.
#include "label_placer.h"

#include <algorithm>
#include <cmath>

namespace ks::ui {

namespace {

std::uint64_t cellKey(std::int64_t cx, std::int64_t cy)
{
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(cx)) << 32) | static_cast<std::uint32_t>(cy);
}

// Strict overlap: rectangles that only share an edge do not collide.
bool overlaps(const QRectF& a, const QRectF& b)
{
    return a.left() < b.right() && b.left() < a.right() && a.top() < b.bottom() && b.top() < a.bottom();
}

} // namespace

LabelPlacer::LabelPlacer(double cellSize)
    : m_cell(cellSize)
{
}

void LabelPlacer::clear()
{
    m_obstacles.clear();
    m_labels.clear();
    m_grid.clear();
}

template <typename Fn> void LabelPlacer::forCells(const QRectF& rect, Fn&& fn) const
{
    const auto x0 = static_cast<std::int64_t>(std::floor(rect.left() / m_cell));
    const auto x1 = static_cast<std::int64_t>(std::floor(rect.right() / m_cell));
    const auto y0 = static_cast<std::int64_t>(std::floor(rect.top() / m_cell));
    const auto y1 = static_cast<std::int64_t>(std::floor(rect.bottom() / m_cell));
    // A rectangle far wider than the plot (a run off-screen) is bounded by the caller's clipping;
    // cap the walk anyway so a bad coordinate cannot stall a paint.
    for (auto cx = x0; cx <= std::min(x1, x0 + 4096); ++cx)
        for (auto cy = y0; cy <= std::min(y1, y0 + 4096); ++cy)
            if (!fn(cellKey(cx, cy)))
                return;
}

void LabelPlacer::insert(const QRectF& rect, std::int32_t id)
{
    forCells(rect, [&](std::uint64_t key) {
        m_grid[key].push_back(id);
        return true;
    });
}

void LabelPlacer::addObstacle(const QRectF& rect)
{
    if (!rect.isValid())
        return;
    m_obstacles.push_back(rect);
    insert(rect, static_cast<std::int32_t>(m_obstacles.size() - 1));
}

bool LabelPlacer::isFree(const QRectF& rect) const
{
    bool free = true;
    forCells(rect, [&](std::uint64_t key) {
        const auto it = m_grid.find(key);
        if (it == m_grid.end())
            return true;
        for (const std::int32_t id : it->second) {
            const QRectF& other
                = id >= 0 ? m_obstacles[static_cast<std::size_t>(id)] : m_labels[static_cast<std::size_t>(~id)];
            if (overlaps(rect, other)) {
                free = false;
                return false;
            }
        }
        return true;
    });
    return free;
}

int LabelPlacer::place(const std::vector<QRectF>& options, const QRectF& bounds)
{
    for (std::size_t i = 0; i < options.size(); ++i) {
        const QRectF& r = options[i];
        if (!bounds.contains(r) || !isFree(r))
            continue;
        m_labels.push_back(r);
        insert(r, ~static_cast<std::int32_t>(m_labels.size() - 1));
        return static_cast<int>(i);
    }
    return -1;
}

} // namespace ks::ui
