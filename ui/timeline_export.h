// What a timeline export is asked for, and whether it can be made: the layout size (what fits,
// how large the text reads), the PNG scale (more pixels for the same layout) or the PDF
// resolution (the page's physical size), bounded so that an export never asks for gigabytes.
#pragma once

#include <QString>

#include <cstdint>

namespace ks::ui {

struct TimelineExportOptions {
    QString path; // .png, .pdf or .svg
    int width = 1600; // layout pixels
    int height = 900;
    double scale = 1.0; // PNG: image pixels per layout pixel (1 to 4)
    int dpi = 96; // PDF: the page is width / dpi by height / dpi inches (72 to 1200)
};

inline constexpr int kExportMinWidth = 200, kExportMinHeight = 150, kExportMaxSide = 20000;
// The image is drawn in memory before it is written: 20000x20000 took 11 s and 1.6 GB; this
// bound is about 1.5 s and 200 MB.
inline constexpr std::int64_t kExportMaxPixels = 50'000'000;

// What an export will draw: every connection's lane, the height grown for them when the asked
// one is too short; where even the pixel bound cannot hold them all, the lanes that fit (from the
// view's first lane on) and a note, written under the image and said by the dialog and the CLI.
struct TimelineExportPlan {
    int height = 0; // the timeline's layout height, not counting the note
    std::size_t firstLane = 0;
    std::size_t lanes = 0; // drawn
    std::size_t totalLanes = 0;
    QString note; // empty when every lane is drawn
    int noteHeight = 0; // layout pixels under the timeline for the note (0 without one)
    bool cut() const { return lanes < totalLanes; }
};
// "the height grows from 502 to 1400 px so that all 30 connections fit", or the note; "" when the
// asked size already holds every lane.
QString exportPlanText(const TimelineExportOptions& options, const TimelineExportPlan& plan);

enum class ExportFormat { Png, Pdf, Svg, Unknown };
ExportFormat exportFormat(const QString& path);
// Empty when the options can be exported; otherwise what is wrong and how to fix it.
QString exportProblem(const TimelineExportOptions& options);
// "3200 × 1800 pixels (5.8 megapixels)", "16.7 × 9.4 cm page at 96 dpi (vector)".
QString exportSizeText(const TimelineExportOptions& options);
std::int64_t exportPixels(const TimelineExportOptions& options); // what is rasterised in memory

} // namespace ks::ui
