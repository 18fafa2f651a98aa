// The window's exports: timeline image, events, report, settings (JSON or code snippets).
#include "main_window.h"

#include "core/report.h"
#include "core/settings_snippets.h"
#include "event_export.h"
#include "event_store.h"
#include "findings_view.h"
#include "lb_profile_picker.h"
#include "settings_editor.h"
#include "timeline_view.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>

namespace ks::ui {

void MainWindow::exportTimeline()
{
    QString filter = tr("PNG image (*.png);;PDF document (*.pdf)");
#ifdef KS_HAVE_QT_SVG
    filter += tr(";;SVG image (*.svg)");
#endif
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Export timeline"), QStringLiteral("timeline.png"), filter);
    if (path.isEmpty())
        return;
    QString error;
    if (!m_timeline->exportTo(path, m_timeline->width(), m_timeline->height(), &error))
        QMessageBox::warning(this, tr("Export timeline"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::exportEvents()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export events"), QStringLiteral("events.csv"), tr("CSV (*.csv);;JSON (*.json)"));
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
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export report"), QStringLiteral("report.md"), tr("Markdown (*.md);;JSON (*.json)"));
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
    core::ReportInput in;
    in.source = m_currentPath.toStdString();
    // The editor's settings belong in the report when they drove the source (the lab) or come
    // from an experiment file the user loaded; otherwise they may have nothing to do with it.
    if (m_currentPath == u"lab" || !m_settings->currentPath().isEmpty()) {
        in.settings = m_settings->experiment().settings;
        in.settingsSource = m_settings->currentPath().isEmpty() ? std::string("the lab's settings")
                                                                : m_settings->currentPath().toStdString();
    }
    in.profiles = m_profiles->selected();
    in.connections = m_connections;
    in.originNs = m_store->originNs();
    in.decimals = m_store->decimals();
    in.packets = m_packets;
    in.findings = m_findings->findings();
    return QString::fromStdString(core::writeReport(in, path.toStdString()));
}

void MainWindow::exportSettings()
{
    QString filters = tr("Experiment JSON (*.json)");
    for (const auto lang : core::kSnippetLanguages)
        filters += u";;" % QString::fromLatin1(core::snippetLanguageName(lang).data()) % u" (*."
            % QString::fromLatin1(core::snippetFileExtension(lang).data()) % u')';
    QString selected;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export settings"), QStringLiteral("keepalive.json"), filters, &selected);
    if (path.isEmpty())
        return;
    const QString error = exportSettingsTo(path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export settings"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path));
}

QString MainWindow::exportSettingsTo(const QString& path) const
{
    const QString ext = QFileInfo(path).suffix().toLower();
    std::string text;
    if (ext == u"json") {
        text = core::experimentToJson(m_settings->experiment());
    } else {
        for (const auto lang : core::kSnippetLanguages)
            if (ext == QLatin1String(core::snippetFileExtension(lang).data()))
                text = core::settingsSnippet(m_settings->experiment().settings, lang);
        if (text.empty())
            return path % tr(": unknown type (use .json, .cc, .go, .java or .py)");
    }
    const std::string error = core::writeFileAtomically(path.toStdString(), text);
    return QString::fromStdString(error);
}

} // namespace ks::ui
