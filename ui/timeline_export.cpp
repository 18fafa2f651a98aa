// The export's bounds and its writers: PNG through QCustomPlot at a scale, PDF through a
// QPdfWriter at the chosen resolution (vector), SVG through Qt Svg when present.
#include "timeline_export.h"

#include "timeline_view.h"

#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>

#ifdef KS_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

#include <cmath>

namespace ks::ui {

ExportFormat exportFormat(const QString& path)
{
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == u"png")
        return ExportFormat::Png;
    if (ext == u"pdf")
        return ExportFormat::Pdf;
#ifdef KS_HAVE_QT_SVG
    if (ext == u"svg")
        return ExportFormat::Svg;
#endif
    return ExportFormat::Unknown;
}

std::int64_t exportPixels(const TimelineExportOptions& o)
{
    const double scale = exportFormat(o.path) == ExportFormat::Png ? o.scale : 1.0;
    return static_cast<std::int64_t>(std::llround(o.width * scale))
        * static_cast<std::int64_t>(std::llround(o.height * scale));
}

QString exportProblem(const TimelineExportOptions& o)
{
    const ExportFormat format = exportFormat(o.path);
    if (format == ExportFormat::Unknown)
        return QObject::tr("%1: unknown image type (use .png, .pdf%2)")
            .arg(o.path.isEmpty() ? QObject::tr("no file chosen") : o.path)
#ifdef KS_HAVE_QT_SVG
            .arg(QObject::tr(" or .svg"));
#else
            .arg(QString());
#endif
    if (o.width < kExportMinWidth || o.width > kExportMaxSide || o.height < kExportMinHeight
        || o.height > kExportMaxSide)
        return QObject::tr("Size %1 × %2: the width must be %3 to %5 pixels and the height %4 to %5.")
            .arg(o.width)
            .arg(o.height)
            .arg(kExportMinWidth)
            .arg(kExportMinHeight)
            .arg(kExportMaxSide);
    if (format == ExportFormat::Png && (o.scale < 1.0 || o.scale > 4.0))
        return QObject::tr("Scale %1: choose 1 to 4.").arg(o.scale);
    if (format == ExportFormat::Pdf && (o.dpi < 72 || o.dpi > 1200))
        return QObject::tr("Resolution %1 dpi: choose 72 to 1200.").arg(o.dpi);
    const std::int64_t pixels = exportPixels(o);
    if (pixels > kExportMaxPixels)
        return QObject::tr("%1 × %2 pixels is %3 million pixels, more than the %4 million an export may have "
                           "(the image is drawn in memory first). Lower the size%5.")
            .arg(std::llround(o.width * (format == ExportFormat::Png ? o.scale : 1.0)))
            .arg(std::llround(o.height * (format == ExportFormat::Png ? o.scale : 1.0)))
            .arg(static_cast<double>(pixels) / 1e6, 0, 'f', 1)
            .arg(kExportMaxPixels / 1'000'000)
            .arg(format == ExportFormat::Png ? QObject::tr(" or the scale") : QString());
    return {};
}

QString exportSizeText(const TimelineExportOptions& o)
{
    switch (exportFormat(o.path)) {
    case ExportFormat::Png: {
        const auto w = std::llround(o.width * o.scale), h = std::llround(o.height * o.scale);
        return QObject::tr("%1 × %2 pixels (%3 megapixels)")
            .arg(w)
            .arg(h)
            .arg(static_cast<double>(w * h) / 1e6, 0, 'f', 1);
    }
    case ExportFormat::Pdf:
        return QObject::tr("a %1 × %2 cm page at %3 dpi (vector)")
            .arg(o.width * 2.54 / o.dpi, 0, 'f', 1)
            .arg(o.height * 2.54 / o.dpi, 0, 'f', 1)
            .arg(o.dpi);
    case ExportFormat::Svg:
        return QObject::tr("%1 × %2 (vector)").arg(o.width).arg(o.height);
    case ExportFormat::Unknown:
        break;
    }
    return QObject::tr("%1 × %2").arg(o.width).arg(o.height);
}

bool TimelineView::exportTo(const QString& path, int width, int height, QString* error)
{
    TimelineExportOptions o;
    o.path = path;
    o.width = width;
    o.height = height;
    return exportTo(o, error);
}

bool TimelineView::exportTo(const TimelineExportOptions& o, QString* error)
{
    if (const QString problem = exportProblem(o); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    {
        // Say why a file cannot be written (no such folder, no permission) before rendering.
        QSaveFile probe(o.path);
        if (!probe.open(QIODevice::WriteOnly)) {
            if (error)
                *error = o.path % QObject::tr(": cannot write (") % probe.errorString() % u')';
            return false;
        }
        probe.cancelWriting();
    }
    // One layout pass at the export's size first: the legend settles its row count there.
    (void)toPixmap(o.width, o.height);
    bool ok = false;
    switch (exportFormat(o.path)) {
    case ExportFormat::Png: {
        // Written through QSaveFile: atomic, and a failed write (a full disk) has a reason.
        QImage image = toPixmap(o.width, o.height, o.scale).toImage();
        const int dotsPerMeter = static_cast<int>(std::lround(96 * o.scale / 0.0254));
        image.setDotsPerMeterX(dotsPerMeter);
        image.setDotsPerMeterY(dotsPerMeter);
        QSaveFile file(o.path);
        if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
            if (error)
                *error = o.path % QObject::tr(": could not write the image (") % file.errorString() % u')';
            return false;
        }
        ok = true;
        break;
    }
    case ExportFormat::Pdf: {
        // The page is the layout at the chosen resolution: text and lines stay vectors.
        QPdfWriter pdf(o.path);
        pdf.setCreator(QStringLiteral("Keepalive Scope"));
        pdf.setTitle(QStringLiteral("Timeline"));
        pdf.setResolution(o.dpi);
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setPageSize(QPageSize(QSizeF(o.width * 72.0 / o.dpi, o.height * 72.0 / o.dpi), QPageSize::Point, QString(),
            QPageSize::ExactMatch));
        QCPPainter painter;
        if (!painter.begin(&pdf))
            break;
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        painter.setMode(QCPPainter::pmNonCosmetic);
        toPainter(&painter, pdf.width(), pdf.height());
        ok = painter.end();
        break;
    }
    case ExportFormat::Svg: {
#ifdef KS_HAVE_QT_SVG
        QSvgGenerator svg;
        svg.setFileName(o.path);
        svg.setSize(QSize(o.width, o.height));
        svg.setViewBox(QRect(0, 0, o.width, o.height));
        svg.setTitle(QStringLiteral("Keepalive Scope timeline"));
        QCPPainter painter(&svg);
        painter.setMode(QCPPainter::pmVectorized);
        toPainter(&painter, o.width, o.height);
        ok = painter.end();
#endif
        break;
    }
    case ExportFormat::Unknown:
        break;
    }
    if (!ok && error)
        *error = o.path % QObject::tr(": could not write the image");
    return ok;
}

} // namespace ks::ui
