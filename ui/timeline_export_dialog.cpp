// A form over TimelineExportOptions; the bounds and the words are timeline_export's.
#include "timeline_export_dialog.h"

#include "last_folder.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>

namespace ks::ui {

TimelineExportDialog::TimelineExportDialog(const TimelineExportOptions& initial, QSize current, QWidget* parent)
    : QDialog(parent)
    , m_path(new QLineEdit(this))
    , m_width(new QSpinBox(this))
    , m_height(new QSpinBox(this))
    , m_scale(new QDoubleSpinBox(this))
    , m_dpi(new QSpinBox(this))
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("Export timeline"));
    setObjectName(QStringLiteral("timelineExport"));
    auto* form = new QFormLayout(this);
    auto* pathRow = new QHBoxLayout;
    auto* browse = new QToolButton(this);
    browse->setText(tr("\u2026"));
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    form->addRow(tr("File (.png, .pdf, .svg)"), pathRow);
    auto* sizeRow = new QHBoxLayout;
    for (QSpinBox* box : { m_width, m_height }) {
        box->setRange(1, 100000); // out-of-range sizes are explained, not silently clamped
        box->setSuffix(tr(" px"));
    }
    auto* windowSize = new QPushButton(tr("Window size"), this);
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("\u00d7"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(windowSize);
    form->addRow(tr("Layout size"), sizeRow);
    m_scale->setRange(0.5, 8.0);
    m_scale->setSingleStep(0.5);
    m_scale->setSuffix(QStringLiteral("\u00d7"));
    m_scale->setToolTip(tr("PNG: image pixels per layout pixel; 2\u00d7 is sharp on a high-DPI screen or in print"));
    form->addRow(tr("PNG scale"), m_scale);
    m_dpi->setRange(10, 5000);
    m_dpi->setSuffix(tr(" dpi"));
    m_dpi->setToolTip(tr("PDF: the page is the layout size at this resolution (text and lines stay vectors)"));
    form->addRow(tr("PDF resolution"), m_dpi);
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("exportMessage"));
    form->addRow(m_message);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString path = rememberFolder(QFileDialog::getSaveFileName(this, tr("Export timeline"), m_path->text(),
            tr("PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg)")));
        if (!path.isEmpty())
            m_path->setText(path);
    });
    connect(windowSize, &QPushButton::clicked, this, [this, current] {
        m_width->setValue(current.width());
        m_height->setValue(current.height());
    });
    connect(m_path, &QLineEdit::textChanged, this, &TimelineExportDialog::update);
    connect(m_width, &QSpinBox::valueChanged, this, &TimelineExportDialog::update);
    connect(m_height, &QSpinBox::valueChanged, this, &TimelineExportDialog::update);
    connect(m_scale, &QDoubleSpinBox::valueChanged, this, &TimelineExportDialog::update);
    connect(m_dpi, &QSpinBox::valueChanged, this, &TimelineExportDialog::update);
    setOptions(initial);
}

TimelineExportOptions TimelineExportDialog::options() const
{
    return { m_path->text().trimmed(), m_width->value(), m_height->value(), m_scale->value(), m_dpi->value() };
}

void TimelineExportDialog::setOptions(const TimelineExportOptions& o)
{
    m_path->setText(o.path);
    m_width->setValue(o.width);
    m_height->setValue(o.height);
    m_scale->setValue(o.scale);
    m_dpi->setValue(o.dpi);
    update();
}

QString TimelineExportDialog::message() const
{
    return m_message->text();
}

void TimelineExportDialog::update()
{
    const TimelineExportOptions o = options();
    const ExportFormat format = exportFormat(o.path);
    m_scale->setEnabled(format == ExportFormat::Png);
    m_dpi->setEnabled(format == ExportFormat::Pdf);
    const QString problem = exportProblem(o);
    m_export->setEnabled(problem.isEmpty());
    m_message->setStyleSheet(problem.isEmpty() ? QString() : QStringLiteral("color: #d62728"));
    if (!problem.isEmpty()) {
        m_message->setText(problem);
        return;
    }
    if (!m_planner) {
        m_message->setText(tr("Will write %1.").arg(exportSizeText(o)));
        return;
    }
    const TimelineExportPlan plan = m_planner(o);
    TimelineExportOptions drawn = o;
    drawn.height = plan.height + plan.noteHeight;
    m_message->setStyleSheet(plan.cut() ? QStringLiteral("color: #b26b00") : QString());
    m_message->setText(tr("Will write %1.").arg(exportSizeText(drawn)) % u' ' % exportPlanText(o, plan));
}

void TimelineExportDialog::setPlanner(std::function<TimelineExportPlan(const TimelineExportOptions&)> planner)
{
    m_planner = std::move(planner);
    update();
}

TimelineExportOptions TimelineExportDialog::remembered(QSize current)
{
    const QSettings s;
    TimelineExportOptions o;
    o.path = inLastFolder(s.value(QStringLiteral("timelineExport/name"), QStringLiteral("timeline.png")).toString());
    o.width = s.value(QStringLiteral("timelineExport/width"), current.width()).toInt();
    o.height = s.value(QStringLiteral("timelineExport/height"), current.height()).toInt();
    o.scale = s.value(QStringLiteral("timelineExport/scale"), 1.0).toDouble();
    o.dpi = s.value(QStringLiteral("timelineExport/dpi"), 96).toInt();
    return o;
}

void TimelineExportDialog::remember(const TimelineExportOptions& o)
{
    QSettings s;
    rememberFolder(o.path);
    s.setValue(QStringLiteral("timelineExport/name"), QFileInfo(o.path).fileName());
    s.setValue(QStringLiteral("timelineExport/width"), o.width);
    s.setValue(QStringLiteral("timelineExport/height"), o.height);
    s.setValue(QStringLiteral("timelineExport/scale"), o.scale);
    s.setValue(QStringLiteral("timelineExport/dpi"), o.dpi);
}

} // namespace ks::ui
