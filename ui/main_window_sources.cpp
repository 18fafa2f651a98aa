// The window's side of its sources: opening files and samples, starting and stopping the lab and
// the live capture (one handler for both), and the findings computed about them on a worker.
#include "main_window.h"

#include "capture_command_panel.h"
#include "capture_loader.h"
#include "event_store.h"
#include "findings_job.h"
#include "findings_view.h"
#include "keylog_picker.h"
#include "lab_panel.h"
#include "lab_session.h"
#include "lb_profile_picker.h"
#include "live_capture_panel.h"
#include "live_capture_session.h"
#include "run_session.h"
#include "settings_editor.h"
#include "start_page.h"
#include "timeline_view.h"

#include <QComboBox>
#include <QFileInfo>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>

namespace ks::ui {

namespace {
QString red(const QString& text)
{
    return u"<span style='color:#d62728'>" % text.toHtmlEscaped().replace(u"\n"_qs, u"<br>"_qs) % u"</span>";
}
} // namespace

bool MainWindow::loading() const
{
    return m_sources->loading();
}

// Unsaved lab or live results are not replaced without asking. The question is window-modal
// but not a nested event loop: go runs when the user chose to replace (or export first).
void MainWindow::whenReplaceConfirmed(std::function<void()> go)
{
    if (!m_sources->unsaved() || m_store->size() == 0) {
        go();
        return;
    }
    const QString what = m_sources->kind() == SourceKind::Lab ? tr("lab run") : tr("live capture");
    auto* box = new QMessageBox(QMessageBox::Question, tr("Replace the %1?").arg(what),
        tr("The %1's results on screen are not saved anywhere. Replace them?").arg(what), QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("replaceResults"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* exportFirst = box->addButton(tr("Export report first\u2026"), QMessageBox::ActionRole);
    QPushButton* replace = box->addButton(tr("Replace"), QMessageBox::DestructiveRole);
    box->setDefaultButton(box->addButton(tr("Keep them"), QMessageBox::RejectRole));
    connect(box, &QMessageBox::buttonClicked, this, [this, exportFirst, replace, go](QAbstractButton* clicked) {
        if (clicked == exportFirst) {
            exportReport();
            if (m_sources->unsaved())
                return; // the export was cancelled or failed: keep them
        } else if (clicked != replace) {
            return;
        }
        go();
    });
    box->open();
}

void MainWindow::openCapture(const QString& path)
{
    if (m_sources->running()) {
        statusBar()->showMessage(tr("Stop the lab or the live capture before opening a capture."));
        return;
    }
    whenReplaceConfirmed([this, path] { readFile(path); });
}

void MainWindow::readFile(const QString& path)
{
    m_findingsJob->cancel();
    m_settingsFindings.stop(); // the read judges with the choices in force now
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    statusBar()->showMessage(tr("Reading %1\u2026").arg(path));
    m_sources->openFile(path, m_profiles->selected(), m_keyLog->path(), captureSettings());
}

bool MainWindow::findingsPending() const
{
    return m_findingsJob->busy() || m_settingsFindings.isActive();
}

void MainWindow::openSample(const BundledSample& sample)
{
    if (!m_sampleDir)
        m_sampleDir = std::make_unique<QTemporaryDir>();
    const QString path = m_sampleDir->isValid() ? extractSample(sample, m_sampleDir->path()) : QString();
    if (path.isEmpty()) {
        statusBar()->showMessage(tr("Could not unpack the sample into a temporary folder."));
        return;
    }
    openCapture(path);
}

void MainWindow::startLab()
{
    if (m_sources->running())
        return;
    if (!m_settings->valid()) {
        m_lab->setStatus(tr("Fix the settings marked in red first."));
        return;
    }
    whenReplaceConfirmed([this] {
        if (m_sources->running())
            return;
        m_lab->setRunning(true);
        m_lab->setStatus(tr("Starting\u2026"));
        m_sources->startLab(m_lab->apply(m_settings->experiment()));
    });
}

void MainWindow::startLiveCapture()
{
    if (m_sources->running())
        return;
    whenReplaceConfirmed([this] {
        if (m_sources->running())
            return;
        const QString command = m_live->command();
        m_live->rememberChoices();
        m_live->commandPanel()->setOutput({});
        m_live->setRunning(true);
        m_live->setStatus(command.isEmpty() ? tr("Starting\u2026")
                                            : tr("Starting the command, waiting for its capture header\u2026"));
        m_sources->startLive(
            LiveCaptureRequest { m_live->device(), m_live->filter(), command, m_live->savePath(), m_keyLog->path() });
    });
}

// The new source produced its first batch or started: what was on screen gives way to it.
void MainWindow::onReplaced(SourceKind kind, const QString& name)
{
    m_findingsJob->cancel();
    setFindings({});
    m_connFilter->setCurrentIndex(0);
    const QString title = kind == SourceKind::File ? QFileInfo(name).fileName() : name;
    setWindowTitle(title % u" \u2014 " % tr("Keepalive Scope"));
    m_timeline->setFollow(kind == SourceKind::Lab || kind == SourceKind::Live);
    m_timeline->setLiveStart(kind == SourceKind::Lab || kind == SourceKind::Live);
    updateStartPage();
}

void MainWindow::onLoadFinished(const LoadResult& result)
{
    m_progress->hide();
    m_cancel->hide();
    if (!result.error.isEmpty()) { // nothing was read: what was on screen stays, title and all
        statusBar()->showMessage(result.error);
        if (isVisible()) { // told, without a nested event loop
            auto* box = new QMessageBox(QMessageBox::Warning, tr("Open capture"), result.error, QMessageBox::Ok, this);
            box->setObjectName(QStringLiteral("openFailed"));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
        Q_EMIT captureLoaded(false);
        return;
    }
    setFindings(result.findings);
    addRecent(result.path);
    // A small file reads in a millisecond: "in < 0.01 s", not "in 0.00 s"; one connection is no
    // "connections".
    const auto n = result.connections.size();
    QString msg = tr("%1: %2 packets, %3 events, %4 %5 in %6")
                      .arg(QFileInfo(result.path).fileName())
                      .arg(result.packets)
                      .arg(m_store->size())
                      .arg(n)
                      .arg(n == 1 ? tr("connection") : tr("connections"))
                      .arg(result.seconds < 0.005 ? tr("< 0.01 s") : tr("%1 s").arg(result.seconds, 0, 'f', 2));
    if (result.cancelled)
        msg += tr(" (cancelled: partial)");
    if (!result.keyLog.isEmpty()) {
        // Said of a plaintext capture too, but not as if it had decrypted something.
        const bool anyTls = std::any_of(result.connections.begin(), result.connections.end(),
            [](const core::ConnectionSummary& c) { return c.tls != nullptr; });
        msg += u" \u2014 "
            % (anyTls ? tr("TLS key log %1") : tr("TLS key log %1 (no TLS in this capture)"))
                  .arg(QFileInfo(result.keyLog).fileName());
    }
    if (!result.warning.isEmpty())
        msg += u" \u2014 " % result.warning;
    if (!result.tlsWarnings.isEmpty())
        msg += u" \u2014 " % result.tlsWarnings.constFirst()
            % (result.tlsWarnings.size() > 1 ? tr(" (and %1 more TLS warnings)").arg(result.tlsWarnings.size() - 1)
                                             : QString());
    statusBar()->showMessage(msg);
    m_timeline->refresh();
    updateStartPage();
    Q_EMIT captureLoaded(!result.cancelled);
}

RunControls* MainWindow::controlsOf(SourceKind kind) const
{
    if (kind == SourceKind::Lab)
        return m_lab;
    return m_live;
}

void MainWindow::onRunStarted(SourceKind kind, const QString& error, const QStringList& warnings)
{
    RunControls* panel = controlsOf(kind);
    const QString what = kind == SourceKind::Lab ? tr("Lab") : tr("Live capture");
    const auto announce = [this, kind](bool ok) {
        if (kind == SourceKind::Lab)
            Q_EMIT labStarted(ok);
        else
            Q_EMIT liveCaptureStarted(ok);
    };
    if (!error.isEmpty()) { // refused: the previous data and title stay
        panel->setRunning(false);
        panel->setStatus(red(error));
        statusBar()->showMessage(tr("%1 failed: %2").arg(what, error.section(u'\n', 0, 0)));
        announce(false);
        return;
    }
    // Without capture permission the run goes on with the channel's own events; the reason
    // stays in the panel until the next run, with the engine's warnings as they come.
    m_runWarnings = warnings;
    panel->setStatus(warnings.isEmpty() ? tr("Running.") : tr("Running.") % u"<br>" % red(warnings.join(u'\n')));
    statusBar()->showMessage(tr("%1 running: events and findings arrive live.").arg(what));
    m_liveFindings.start();
    announce(true);
}

// The engine's warnings while a lab or live capture runs (TLS without keys for a connection, a
// record failing authentication): in the run's panel, and the latest in the status bar.
void MainWindow::onRunWarnings(SourceKind kind, const QStringList& warnings)
{
    constexpr int kShown = 20;
    for (const auto& w : warnings)
        if (m_runWarnings.size() < kShown)
            m_runWarnings << w;
    controlsOf(kind)->setStatus(tr("Running.") % u"<br>" % red(m_runWarnings.join(u'\n')));
    statusBar()->showMessage(warnings.constLast(), 15000);
}

void MainWindow::onRunStopped(SourceKind kind)
{
    m_liveFindings.stop();
    m_timeline->setLiveStart(false);
    RunSession* session = m_sources->session(kind);
    if (session && session->shutdownRelNs() != std::numeric_limits<std::int64_t>::max())
        m_timeline->setShutdownAt(static_cast<double>(session->shutdownRelNs()) * 1e-9);
    QString text = tr("Stopped: %1 events, %2 packets.").arg(m_store->size()).arg(m_store->packets());
    if (kind == SourceKind::Live && !m_live->savePath().isEmpty())
        text += u' ' % tr("Saved to %1.").arg(m_live->savePath());
    if (!m_runWarnings.isEmpty())
        text += u"<br>" % red(m_runWarnings.join(u'\n'));
    RunControls* panel = controlsOf(kind);
    panel->setRunning(false);
    panel->setStatus(text);
    statusBar()->showMessage(kind == SourceKind::Lab ? tr("Lab stopped.") : tr("Live capture stopped."));
    m_timeline->refresh();
    reanalyze();
}

void MainWindow::onProfilesChanged()
{
    m_timeline->setProfiles(m_profiles->selected());
    QSettings().setValue(QStringLiteral("lbProfiles"), m_profiles->selectedNames());
    if (m_settings)
        m_settings->setProfiles(m_profiles->selected());
    if (!m_sources->loading() && !m_sources->running() && m_store->size() > 0)
        reanalyze();
}

void MainWindow::setFindings(std::vector<core::Finding> findings)
{
    const auto n = findings.size();
    m_findings->setFindings(std::move(findings));
    m_tabs->setTabText(1, n ? tr("Findings (%1)").arg(n) : tr("Findings"));
    Q_EMIT findingsUpdated();
}

// The analyzer over a copy of the store's events, on a worker: after a profile change, once a
// second while a run streams in, and when a run ends. The lab's own shutdown is left out.
void MainWindow::reanalyze()
{
    FindingsInput in = snapshotOf(*m_store);
    in.profiles = m_profiles->selected();
    if (m_sources->kind() == SourceKind::Lab) {
        in.keepalive = m_settings->experiment().settings;
        in.untilRelNs = m_sources->lab()->shutdownRelNs();
        if (const auto target = m_lab->apply(m_settings->experiment()).target; !target.embedded)
            in.labTarget = target.address;
        // A lab run is judged against its simulator too, on the channel's connection (known
        // once the run stopped).
        const auto& sim = m_sources->lab()->lastSimulator();
        if (sim && sim->idleTimeoutS > 0 && m_sources->lab()->lastChannelPort() != 0) {
            in.profiles.push_back(core::simulatorProfile(*sim));
            in.channelPort = m_sources->lab()->lastChannelPort();
        }
    } else {
        in.keepalive = captureSettings(); // as the file was first read with, and the report says
    }
    m_findingsJob->run(std::move(in));
}

std::optional<core::KeepaliveSettings> MainWindow::captureSettings() const
{
    if (!m_settings)
        return std::nullopt;
    const core::KeepaliveSettings& settings = m_settings->experiment().settings;
    if (!m_settings->currentPath().isEmpty())
        return settings;
    for (const auto& spec : core::settingSpecs())
        if (settings.isSet(spec.side, spec.key))
            return settings;
    return std::nullopt;
}

} // namespace ks::ui
