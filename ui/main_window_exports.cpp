// The window's exports: timeline image, events, report, settings (JSON or code snippets).
#include "last_folder.h"
#include "main_window.h"

#include "core/report.h"
#include "core/settings_snippets.h"
#include "event_export.h"
#include "event_store.h"
#include "findings_view.h"
#include "lab_panel.h"
#include "lab_session.h"
#include "lb_profile_picker.h"
#include "settings_editor.h"
#include "timeline_export_dialog.h"
#include "timeline_view.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>

namespace ks::ui {

// A report made mid-read would state a part as the whole ("None." for findings the rest of the
// capture holds): the window waits for the read, or for the user's cancel, which marks it partial.
QString MainWindow::stillReadingError() const
{
    if (!m_sources->loading())
        return {};
    return tr("%1 is still being read (%2 packets so far): an export now would state part of the capture as the "
              "whole. Wait for the read to finish, or press Esc to stop reading; what was read is then exported, "
              "marked partial.")
        .arg(QFileInfo(m_sources->loaderPath()).fileName())
        .arg(m_store->packets());
}

bool MainWindow::refusedWhileReading(const QString& title)
{
    const QString error = stillReadingError();
    if (error.isEmpty())
        return false;
    statusBar()->showMessage(error);
    auto* box = new QMessageBox(QMessageBox::Information, title, error, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("stillReading"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // without a nested event loop: the read goes on behind it
    return true;
}

void MainWindow::exportTimeline()
{
    if (refusedWhileReading(tr("Export timeline")))
        return;
    // Window-modal without a nested event loop: the export runs when the user chose Export.
    auto* dialog
        = new TimelineExportDialog(TimelineExportDialog::remembered(m_timeline->size()), m_timeline->size(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setPlanner([this](const TimelineExportOptions& o) { return m_timeline->exportPlan(o); });
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const TimelineExportOptions options = dialog->options();
        TimelineExportDialog::remember(options);
        QString error;
        TimelineExportPlan plan;
        if (!m_timeline->exportTo(options, &error, &plan)) {
            QMessageBox::warning(this, tr("Export timeline"), error);
            return;
        }
        TimelineExportOptions drawn = options;
        drawn.height = plan.height + plan.noteHeight;
        const QString planText = exportPlanText(options, plan);
        statusBar()->showMessage(tr("Wrote %1 (%2).").arg(options.path, exportSizeText(drawn))
            % (planText.isEmpty() ? QString() : u' ' % planText));
    });
    dialog->open();
}

void MainWindow::exportEvents()
{
    if (refusedWhileReading(tr("Export events")))
        return;
    const QString path = rememberFolder(QFileDialog::getSaveFileName(
        this, tr("Export events"), inLastFolder(QStringLiteral("events.csv")), tr("CSV (*.csv);;JSON (*.json)")));
    if (path.isEmpty())
        return;
    const QString error = path.endsWith(u".json"_qs, Qt::CaseInsensitive) ? exportEventsJson(*m_store, path)
                                                                          : exportEventsCsv(*m_store, path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export events"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::exportReport()
{
    if (refusedWhileReading(tr("Export report")))
        return;
    const QString path = rememberFolder(QFileDialog::getSaveFileName(
        this, tr("Export report"), inLastFolder(QStringLiteral("report.md")), tr("Markdown (*.md);;JSON (*.json)")));
    if (path.isEmpty())
        return;
    const QString error = exportReportTo(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export report"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path));
}

QString MainWindow::exportReportTo(const QString& path) const
{
    // The report states the settings: one that does not parse would be written as its default.
    if (!m_settings->valid())
        return tr("The keepalive settings have fields that do not parse (marked in red): fix them first, so that "
                  "the report does not state defaults you did not mean.");
    if (const QString reading = stillReadingError(); !reading.isEmpty())
        return reading;
    // A run's findings are redone every second; a capture's are stale only after a change.
    if (!m_sources->running() && findingsPending())
        return tr("The findings are being worked out again for the profiles or settings just changed: export again "
                  "in a moment, so that the report does not name them beside findings judged without them.");
    core::ReportInput in;
    in.source = m_store->sourceName().toStdString();
    // The settings the findings were judged with: for a lab run the editor's (they drove it), for
    // a capture those in force (captureSettings), or none, said so.
    in.settings
        = m_sources->kind() == SourceKind::Lab ? std::optional(m_settings->experiment().settings) : captureSettings();
    in.settingsSource = m_settings->currentPath().isEmpty() ? std::string("the window's settings editor")
                                                            : m_settings->currentPath().toStdString();
    in.profiles = m_profiles->selected();
    in.connections = m_store->connections();
    in.originNs = m_store->originNs();
    // Connections the lab's own shutdown closed after Stop: the analyzer leaves them out (its
    // findings job stops at the shutdown), so their end is said here as the window says it.
    if (m_sources->kind() == SourceKind::Lab) {
        const std::int64_t shutdownRelNs = m_sources->lab()->shutdownRelNs();
        for (auto& c : in.connections)
            if (c.end != core::ConnectionEnd::Open && c.endCause == core::EndCause::Open
                && c.lastNs - in.originNs >= shutdownRelNs) {
                c.endCause = core::EndCause::Graceful;
                c.endDetail
                    = core::SharedText(std::string("ended by the lab's own shutdown after Stop (not diagnosed)"));
                c.endEvidence = {};
            }
    }
    in.decimals = m_store->decimals();
    in.packets = m_store->packets();
    in.findings = m_findings->findings();
    in.partial = m_store->partial().toStdString();
    in.profilesHint = "tick them in the Load balancers panel";
    in.settingsHint = "the Keepalive settings panel, or an experiment file loaded there";
    const std::string error = core::writeReport(in, path.toStdString());
    if (error.empty())
        m_sources->markSaved(); // the run's story is now in a file
    return QString::fromStdString(error);
}

void MainWindow::exportSettings()
{
    QString filters = tr("Experiment JSON (*.json)");
    for (const auto lang : core::kSnippetLanguages)
        filters += u";;" % QString::fromLatin1(core::snippetLanguageName(lang).data()) % u" (*."
            % QString::fromLatin1(core::snippetFileExtension(lang).data()) % u')';
    QString selected;
    QString path = rememberFolder(QFileDialog::getSaveFileName(
        this, tr("Export settings"), inLastFolder(QStringLiteral("keepalive.json")), filters, &selected));
    if (path.isEmpty())
        return;
    const QString error = exportSettingsTo(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export settings"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path));
}

core::Experiment MainWindow::currentExperiment() const
{
    core::Experiment ex = m_lab->apply(m_settings->experiment());
    ex.lbProfiles.clear();
    for (const QString& name : m_profiles->selectedNames())
        ex.lbProfiles.push_back(name.toStdString());
    return ex;
}

QString MainWindow::exportSettingsTo(const QString& path) const
{
    const QString ext = QFileInfo(path).suffix().toLower();
    std::string text;
    if (ext == u"json") {
        text = core::experimentToJson(currentExperiment()); // what the screen shows: panel, profiles
    } else {
        const auto lang = core::snippetLanguageFor(ext.toStdString());
        if (!lang)
            return path % tr(": unknown type (use .json, .cc, .go, .java or .py)");
        text = core::settingsSnippet(m_settings->experiment().settings, *lang);
    }
    const std::string error = core::writeFileAtomically(path.toStdString(), text);
    return QString::fromStdString(error);
}

} // namespace ks::ui
