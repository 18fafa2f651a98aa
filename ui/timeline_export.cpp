// The export's bounds and its writers: PNG through QCustomPlot at a scale, PDF through a
// QPdfWriter at the chosen resolution (vector), SVG through Qt Svg when present.
#include "timeline_export.h"

#include "event_store.h"
#include "lane_captions.h"
#include "timeline_legend.h"
#include "timeline_view.h"

#include <QFileInfo>
#include <QFontMetricsF>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>

#ifdef KS_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

#include <algorithm>
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

QString exportPlanText(const TimelineExportOptions& o, const TimelineExportPlan& plan)
{
    if (plan.cut())
        return plan.note;
    if (plan.height > o.height)
        return QObject::tr("The height grows from %1 to %2 px so that all %3 connections fit.")
            .arg(o.height)
            .arg(plan.height)
            .arg(plan.totalLanes);
    return {};
}

namespace {
QFont noteFont(const QFont& base)
{
    return QFont(base.family(), 8, QFont::Bold);
}
} // namespace

TimelineExportPlan TimelineView::exportPlan(const TimelineExportOptions& o) const
{
    TimelineExportPlan plan;
    plan.totalLanes = m_store->laneCount();
    plan.lanes = plan.totalLanes;
    plan.height = o.height;
    if (plan.totalLanes == 0)
        return plan;
    // Each lane gets at least the room its row captions need, as on screen (lanesInView); the
    // key above and the time axis below as last laid out, with half a lane to spare.
    const double lane = LaneCaptions::rowCaptionHeight(QFont(font().family(), 7));
    const int legend = m_legend->outerRect().height() > 0 ? m_legend->outerRect().height() : 20;
    const double overhead = legend + 50 + lane / 2;
    const int needed = static_cast<int>(std::ceil(overhead + static_cast<double>(plan.totalLanes) * lane));
    const double scale = exportFormat(o.path) == ExportFormat::Png ? o.scale : 1.0;
    const auto boundFor = [&](int noteHeight) {
        const double byPixels = static_cast<double>(kExportMaxPixels)
            / static_cast<double>(std::max<std::int64_t>(1, std::llround(o.width * scale))) / scale;
        return std::max(o.height, std::min(kExportMaxSide, static_cast<int>(byPixels)) - noteHeight);
    };
    if (needed <= boundFor(0)) {
        plan.height = std::max(o.height, needed);
        return plan;
    }
    // Even the bound cannot hold them: the lanes that fit, from the view's first one on.
    plan.note = QObject::tr("This image shows %1 of %2 connections (lanes %3 to %4 of the window's order): all "
                            "of them would pass the export's bound of %5 million pixels. Export a PDF or SVG "
                            "at a smaller width, or scroll the timeline to the lanes you need first.");
    const QFontMetricsF fm(noteFont(font()));
    const auto noteHeightFor = [&](const QString& text) {
        return static_cast<int>(std::ceil(
                   fm.boundingRect(QRectF(0, 0, std::max(50, o.width - 12), 1e6), Qt::TextWordWrap, text).height()))
            + 8;
    };
    plan.noteHeight = noteHeightFor(plan.note.arg(plan.totalLanes).arg(plan.totalLanes));
    plan.height = boundFor(plan.noteHeight);
    plan.lanes = static_cast<std::size_t>(
        std::clamp(std::floor((plan.height - overhead) / lane), 1.0, static_cast<double>(plan.totalLanes)));
    const auto first = static_cast<std::size_t>(std::max(0.0, std::floor(yAxis->range().lower)));
    plan.firstLane = std::min(first, plan.totalLanes - plan.lanes);
    plan.note = plan.note.arg(plan.lanes)
                    .arg(plan.totalLanes)
                    .arg(plan.firstLane + 1)
                    .arg(plan.firstLane + plan.lanes)
                    .arg(kExportMaxPixels / 1'000'000);
    return plan;
}

bool TimelineView::exportTo(const QString& path, int width, int height, QString* error)
{
    TimelineExportOptions o;
    o.path = path;
    o.width = width;
    o.height = height;
    return exportTo(o, error);
}

bool TimelineView::exportTo(const TimelineExportOptions& asked, QString* error, TimelineExportPlan* planOut)
{
    if (const QString problem = exportProblem(asked); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    {
        // Say why a file cannot be written (no such folder, no permission) before rendering.
        QSaveFile probe(asked.path);
        if (!probe.open(QIODevice::WriteOnly)) {
            if (error)
                *error = asked.path % QObject::tr(": cannot write (") % probe.errorString() % u')';
            return false;
        }
        probe.cancelWriting();
    }
    const TimelineExportPlan plan = exportPlan(asked);
    if (planOut)
        *planOut = plan;
    TimelineExportOptions o = asked;
    o.height = plan.height;
    // Every planned lane in the image, whatever the window shows; the view is put back after.
    const QCPRange yBefore = yAxis->range();
    m_exportLanes = static_cast<double>(std::max<std::size_t>(plan.lanes, 1));
    yAxis->setRange(static_cast<double>(plan.firstLane), static_cast<double>(plan.firstLane) + *m_exportLanes);
    struct Restore {
        TimelineView* view;
        QCPRange y;
        ~Restore()
        {
            view->m_exportLanes.reset();
            view->yAxis->setRange(y);
            view->replot(rpQueuedReplot);
        }
    } restore { this, yBefore };
    // The note, under the timeline, in the image's own words.
    const auto drawNote = [&](QPainter& painter) {
        if (plan.note.isEmpty())
            return;
        painter.setFont(noteFont(font()));
        painter.setPen(QColor(0xd6, 0x27, 0x28));
        painter.drawText(
            QRectF(6, o.height + 4, o.width - 12, plan.noteHeight - 4), Qt::TextWordWrap | Qt::AlignLeft, plan.note);
    };
    // One layout pass at the export's size first: the legend settles its row count there.
    (void)toPixmap(o.width, o.height);
    bool ok = false;
    switch (exportFormat(o.path)) {
    case ExportFormat::Png: {
        // Written through QSaveFile: atomic, and a failed write (a full disk) has a reason.
        QImage image = toPixmap(o.width, o.height, o.scale).toImage();
        if (plan.noteHeight > 0) {
            QImage withNote(image.width(), image.height() + static_cast<int>(std::lround(plan.noteHeight * o.scale)),
                image.format());
            withNote.fill(mBackgroundBrush.color());
            QPainter painter(&withNote);
            painter.drawImage(0, 0, image);
            painter.scale(o.scale, o.scale);
            drawNote(painter);
            painter.end();
            image = std::move(withNote);
        }
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
        const int pageHeight = o.height + plan.noteHeight;
        pdf.setPageSize(QPageSize(QSizeF(o.width * 72.0 / o.dpi, pageHeight * 72.0 / o.dpi), QPageSize::Point,
            QString(), QPageSize::ExactMatch));
        QCPPainter painter;
        if (!painter.begin(&pdf))
            break;
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        painter.setMode(QCPPainter::pmNonCosmetic);
        const double toPage = pdf.height() / static_cast<double>(pageHeight);
        toPainter(&painter, pdf.width(), static_cast<int>(std::lround(o.height * toPage)));
        painter.scale(toPage, toPage);
        drawNote(painter);
        ok = painter.end();
        break;
    }
    case ExportFormat::Svg: {
#ifdef KS_HAVE_QT_SVG
        const int pageHeight = o.height + plan.noteHeight;
        QSvgGenerator svg;
        svg.setFileName(o.path);
        svg.setSize(QSize(o.width, pageHeight));
        svg.setViewBox(QRect(0, 0, o.width, pageHeight));
        svg.setTitle(QStringLiteral("Keepalive Scope timeline"));
        QCPPainter painter(&svg);
        painter.setMode(QCPPainter::pmVectorized);
        toPainter(&painter, o.width, o.height);
        drawNote(painter);
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
