// Wiring only: sources into the store, selection between timeline, table and findings, exports.
#include "main_window.h"

#include "about_dialog.h"

#include "capture_command_panel.h"
#include "capture_loader.h"
#include "core/findings_analyzer.h"
#include "core/report.h"
#include "core/settings_snippets.h"
#include "event_filter_proxy.h"
#include "event_format.h"
#include "event_store.h"
#include "event_table_model.h"
#include "findings_view.h"
#include "lab_panel.h"
#include "lab_session.h"
#include "keylog_picker.h"
#include "lb_profile_picker.h"
#include "live_capture_panel.h"
#include "live_capture_session.h"
#include "scenario_controller.h"
#include "settings_editor.h"
#include "timeline_view.h"
#include "tls_keys_notice.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::ui {

namespace {
constexpr int kMaxRecent = 8;
const QString kCaptureFilter = QStringLiteral("Captures (*.pcap *.pcapng *.cap *.dmp);;All files (*)");
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_store(new EventStore(this))
    , m_model(new EventTableModel(m_store, this))
    , m_proxy(new EventFilterProxy(this))
    , m_table(new QTableView(this))
    , m_timeline(new TimelineView(m_store, this))
    , m_findings(new FindingsView(this))
    , m_profiles(new LbProfilePicker(this))
    , m_loader(new CaptureLoader(this))
    , m_tabs(new QTabWidget(this))
    , m_connFilter(new QComboBox(this))
    , m_typeFilter(new QToolButton(this))
    , m_progress(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_keyLog(new KeyLogPicker(this))
    , m_tlsNotice(new TlsKeysNotice(this))
{
    setWindowTitle(tr("Keepalive Scope"));
    setAcceptDrops(true);
    m_proxy->setSourceModel(m_model);
    // A header click sorts on a worker (the proxy keeps the old order until the new one lands);
    // the status bar says so meanwhile.
    connect(m_proxy, &EventFilterProxy::sortStarted, this, [this](int, Qt::SortOrder, qsizetype rows) {
        statusBar()->showMessage(tr("Sorting %Ln events\u2026", nullptr, static_cast<int>(rows)));
    });
    connect(m_proxy, &EventFilterProxy::sortFinished, this, [this](int column) {
        if (!statusBar()->currentMessage().startsWith(tr("Sorting")))
            return;
        if (column >= 0)
            statusBar()->showMessage(tr("Sorted."), 2000);
        else
            statusBar()->clearMessage();
    });
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(20);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setColumnWidth(EventTableModel::TimeColumn, 110);
    m_table->setColumnWidth(EventTableModel::ConnColumn, 50);
    m_table->setColumnWidth(EventTableModel::DirColumn, 45);
    m_table->setColumnWidth(EventTableModel::TypeColumn, 120);

    // Filters above the table: event types (menu of checkboxes) and connection.
    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto* filters = new QHBoxLayout;
    m_typeFilter->setText(tr("Event types"));
    m_typeFilter->setPopupMode(QToolButton::InstantPopup);
    auto* typeMenu = new QMenu(m_typeFilter);
    for (std::size_t t = 0; t < core::kEventTypeCount; ++t) {
        const auto type = static_cast<core::EventType>(t);
        QAction* a = typeMenu->addAction(eventTypeTitle(type));
        a->setCheckable(true);
        a->setChecked(true);
        connect(a, &QAction::toggled, this, [this, type](bool on) { m_proxy->setTypeVisible(type, on); });
    }
    m_typeFilter->setMenu(typeMenu);
    m_connFilter->addItem(tr("All connections"));
    connect(m_connFilter, &QComboBox::currentIndexChanged, this, [this](int i) {
        const QVariant conn = m_connFilter->itemData(i);
        m_proxy->setConnection(conn.isValid() ? std::optional<std::uint32_t>(conn.toUInt()) : std::nullopt);
    });
    filters->addWidget(m_typeFilter);
    filters->addWidget(m_connFilter);
    filters->addStretch();
    tableLayout->addLayout(filters);
    tableLayout->addWidget(m_table);

    m_tabs->addTab(tableBox, tr("Events"));
    m_tabs->addTab(m_findings, tr("Findings"));
    auto* split = new QSplitter(Qt::Vertical, this);
    auto* timelineBox = new QWidget(this); // the TLS keys notice (hidden unless needed) over the timeline
    auto* timelineLayout = new QVBoxLayout(timelineBox);
    timelineLayout->setContentsMargins(0, 0, 0, 0);
    timelineLayout->setSpacing(0);
    timelineLayout->addWidget(m_tlsNotice);
    timelineLayout->addWidget(m_timeline, 1);
    split->addWidget(timelineBox);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({ 520, 330 });
    setCentralWidget(split);

    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    m_cancel->hide();
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QPushButton::clicked, m_loader, &CaptureLoader::cancel);

    // Sources into the store.
    connect(m_loader, &CaptureLoader::batchReady, m_store, &EventStore::append);
    connect(m_loader, &CaptureLoader::progress, m_progress, &QProgressBar::setValue);
    connect(m_loader, &CaptureLoader::finished, this, &MainWindow::onLoadFinished);
    connect(m_store, &EventStore::connectionsChanged, this, &MainWindow::rebuildConnectionFilter);
    connect(m_store, &EventStore::connectionsChanged, this, [this] { m_tlsNotice->setConnections(m_store->connections()); });
    connect(m_store, &EventStore::cleared, m_tlsNotice, &QWidget::hide);
    // A key log chosen for an open capture: read it again, decrypted.
    connect(m_tlsNotice, &TlsKeysNotice::chooseKeyLogRequested, m_keyLog, &KeyLogPicker::browse);
    connect(m_keyLog, &KeyLogPicker::pathChanged, this, [this] {
        if (m_fileOpen && !sourceRunning())
            openCapture(m_currentPath);
    });

    // Selection: timeline <-> table; findings -> timeline.
    connect(m_timeline, &TimelineView::eventClicked, this, &MainWindow::selectTableRow);
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            if (current.isValid())
                m_timeline->selectEvent(m_proxy->eventAt(current.row()));
        });
    connect(m_findings, &FindingsView::evidenceRequested, this, [this](const std::vector<std::uint64_t>& evidence) {
        m_timeline->showEvidence(evidence);
        if (!evidence.empty())
            selectTableRow(evidence.front());
    });
    connect(m_profiles, &LbProfilePicker::selectionChanged, this, &MainWindow::onProfilesChanged);
    connect(&m_reanalysis, &QFutureWatcher<std::vector<core::Finding>>::finished, this, [this] {
        if (!m_reanalysis.isCanceled() && m_reanalysis.future().resultCount() > 0)
            m_findings->setFindings(m_reanalysis.result());
    });

    createDocks();
    createActions();
    QSettings settings;
    m_profiles->setSelectedNames(settings.value(QStringLiteral("lbProfiles")).toStringList());
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
    statusBar()->showMessage(tr("Open a capture (Ctrl+O), drop one here, or run the lab."));
}

MainWindow::~MainWindow()
{
    stopReanalysis();
}

void MainWindow::createDocks()
{
    auto* dock = new QDockWidget(tr("Load balancers"), this);
    dock->setObjectName(QStringLiteral("lbDock"));
    dock->setWidget(m_profiles);
    addDockWidget(Qt::RightDockWidgetArea, dock);

    m_settings = new SettingsEditor(this);
    auto* settingsDock = new QDockWidget(tr("Keepalive settings"), this);
    settingsDock->setObjectName(QStringLiteral("settingsDock"));
    settingsDock->setWidget(m_settings);
    addDockWidget(Qt::RightDockWidgetArea, settingsDock);
    m_settings->setProfiles(m_profiles->selected());
    const QString last = QSettings().value(QStringLiteral("lastExperiment")).toString();
    if (!last.isEmpty() && QFileInfo::exists(last))
        m_settings->load(last);

    m_labSession = new LabSession(this);
    m_lab = new LabPanel(m_labSession, this);
    m_lab->showExperiment(m_settings->experiment()); // the last experiment's target, pattern and simulator
    connect(m_settings, &SettingsEditor::experimentLoaded, this, [this] { m_lab->showExperiment(m_settings->experiment()); });
    m_settings->setRunPlanSource([this](core::Experiment ex) { return m_lab->apply(std::move(ex)); });
    auto* labDock = new QDockWidget(tr("Lab"), this);
    labDock->setObjectName(QStringLiteral("labDock"));
    labDock->setWidget(m_lab);
    addDockWidget(Qt::RightDockWidgetArea, labDock);
    tabifyDockWidget(dock, settingsDock);
    dock->raise();

    m_liveSession = new LiveCaptureSession(this);
    m_live = new LiveCapturePanel(this);
    auto* liveDock = new QDockWidget(tr("Live capture"), this);
    liveDock->setObjectName(QStringLiteral("liveDock"));
    liveDock->setWidget(m_live);
    addDockWidget(Qt::RightDockWidgetArea, liveDock);
    tabifyDockWidget(labDock, liveDock);
    labDock->raise();
    connect(m_live, &LiveCapturePanel::startRequested, this, &MainWindow::startLiveCapture);
    connect(m_live, &LiveCapturePanel::stopRequested, m_liveSession, &LiveCaptureSession::stop);
    connect(m_liveSession, &LiveCaptureSession::batchReady, m_store, &EventStore::append);
    connect(m_liveSession, &LiveCaptureSession::started, this, [this](const QString& error) {
        if (!error.isEmpty()) {
            m_live->setRunning(false);
            m_live->setStatus(
                u"<span style='color:#d62728'>" % error.toHtmlEscaped().replace(u"\n"_qs, u"<br>"_qs) % u"</span>");
            statusBar()->showMessage(tr("Live capture failed: %1").arg(error.section(u'\n', 0, 0)));
            Q_EMIT liveCaptureStarted(false);
            return;
        }
        const QString where = m_live->command().isEmpty() ? m_live->device() : tr("the command's output");
        m_live->setStatus(tr("Capturing on %1.").arg(where));
        statusBar()->showMessage(tr("Live capture on %1: events arrive live.").arg(where));
        Q_EMIT liveCaptureStarted(true);
    });
    connect(m_liveSession, &LiveCaptureSession::commandOutput, this,
        [this](const QString& text) { m_live->commandPanel()->setOutput(text); });
    connect(m_liveSession, &LiveCaptureSession::ended, this, [this](const QString& reason, bool failed) {
        m_live->commandPanel()->setOutput(reason, failed);
        statusBar()->showMessage(reason.section(u'\n', 0, 0));
    });
    connect(m_liveSession, &LiveCaptureSession::stopped, this,
        [this](const std::vector<core::ConnectionSummary>& connections, std::uint64_t packets) {
            takeRunResults(connections, packets);
            m_live->setRunning(false);
            QString text = tr("Stopped: %1 events, %2 packets.").arg(m_store->size()).arg(packets);
            if (!m_live->savePath().isEmpty())
                text += u' ' % tr("Saved to %1.").arg(m_live->savePath());
            m_live->setStatus(text);
            statusBar()->showMessage(tr("Live capture stopped."));
            reanalyze();
        });

    connect(m_lab, &LabPanel::startRequested, this, &MainWindow::startLab);
    connect(m_lab, &LabPanel::stopRequested, m_labSession, &LabSession::stop);
    connect(m_labSession, &LabSession::batchReady, m_store, &EventStore::append);
    connect(m_labSession, &LabSession::started, this, [this](const QString& error, const QStringList& warnings) {
        if (!error.isEmpty()) {
            m_lab->setRunning(false);
            m_lab->setStatus(u"<span style='color:#d62728'>" % error.toHtmlEscaped() % u"</span>");
            statusBar()->showMessage(error);
            Q_EMIT labStarted(false);
            return;
        }
        m_lab->setStatus(warnings.isEmpty() ? tr("Running.") : tr("Running. ") % warnings.join(u' '));
        statusBar()->showMessage(tr("Lab running: events arrive live."));
        Q_EMIT labStarted(true);
    });
    connect(m_labSession, &LabSession::stopped, this,
        [this](const std::vector<core::ConnectionSummary>& connections, std::uint64_t packets) {
            takeRunResults(connections, packets);
            m_lab->setRunning(false);
            m_lab->setStatus(tr("Stopped: %1 events, %2 packets.").arg(m_store->size()).arg(packets));
            statusBar()->showMessage(tr("Lab stopped."));
            reanalyze();
        });
}

void MainWindow::takeRunResults(const std::vector<core::ConnectionSummary>& connections, std::uint64_t packets)
{
    m_connections = connections;
    m_packets = packets;
    m_store->setConnections(connections);
}

bool MainWindow::sourceRunning() const
{
    return (m_labSession && m_labSession->running()) || (m_liveSession && m_liveSession->running());
}

void MainWindow::resetForSource(const QString& name)
{
    m_loader->cancel();
    stopReanalysis();
    m_currentPath = name;
    m_fileOpen = false;
    m_connections.clear();
    m_packets = 0;
    m_findings->setFindings({});
    m_store->clear();
    m_store->setSourceName(name);
    m_connFilter->setCurrentIndex(0);
    setWindowTitle(name % u" \u2014 " % tr("Keepalive Scope"));
}

void MainWindow::startLiveCapture()
{
    if (sourceRunning())
        return;
    const QString command = m_live->command();
    resetForSource(command.isEmpty() ? tr("live capture on %1").arg(m_live->device()) : command);
    m_live->rememberChoices();
    m_live->commandPanel()->setOutput({});
    m_live->setRunning(true);
    m_live->setStatus(command.isEmpty() ? tr("Starting\u2026") : tr("Starting the command, waiting for its capture header\u2026"));
    m_timeline->setFollow(true);
    m_liveSession->start(
        LiveCaptureRequest { m_live->device(), m_live->filter(), command, m_live->savePath(), m_keyLog->path() });
}

void MainWindow::startLab()
{
    if (sourceRunning())
        return;
    if (!m_settings->valid()) {
        m_lab->setStatus(tr("Fix the settings marked in red first."));
        return;
    }
    resetForSource(QStringLiteral("lab"));
    m_lab->setRunning(true);
    m_lab->setStatus(tr("Starting\u2026"));
    m_timeline->setFollow(true);
    m_labSession->start(m_lab->apply(m_settings->experiment()));
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open capture\u2026"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open capture"), {}, kCaptureFilter);
        if (!path.isEmpty())
            openCapture(path);
    });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("TLS &key log\u2026"), m_keyLog, &KeyLogPicker::browse);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    updateRecentMenu();
    file->addSeparator();
    QMenu* exp = file->addMenu(tr("&Export"));
    exp->addAction(
        tr("Timeline image (PNG, PDF, SVG)\u2026"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportTimeline);
    exp->addAction(tr("Events (CSV, JSON)\u2026"), this, &MainWindow::exportEvents);
    exp->addAction(tr("Report (Markdown, JSON)\u2026"), QKeySequence(tr("Ctrl+R")), this, &MainWindow::exportReport);
    exp->addAction(tr("Settings (JSON, code snippets)\u2026"), this, &MainWindow::exportSettings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Fit all"), QKeySequence(tr("Ctrl+0")), m_timeline, &TimelineView::fitAll);
    view->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, this, [this] { m_timeline->zoomBy(0.5); });
    view->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, this, [this] { m_timeline->zoomBy(2.0); });
    QAction* follow = view->addAction(tr("Follow &live"));
    follow->setCheckable(true);
    follow->setShortcut(QKeySequence(tr("Ctrl+L")));
    connect(follow, &QAction::toggled, m_timeline, &TimelineView::setFollow);
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    m_scenarios = new ScenarioController(m_settings, m_lab, m_labSession, [this] { startLab(); }, this);
    connect(m_scenarios, &ScenarioController::loaded, this, [this](const QString& title, const QString&) {
        statusBar()->showMessage(tr("Scenario: %1 (Scenarios > Run, or Run with the fix)").arg(title));
    });
    menuBar()->addMenu(m_scenarios->createMenu(this));
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Keepalive Scope"), this, [this] { showAboutDialog(this); });
    auto* cancel = new QAction(this);
    cancel->setShortcut(Qt::Key_Escape);
    connect(cancel, &QAction::triggered, m_loader, &CaptureLoader::cancel);
    addAction(cancel);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolbar"));
    bar->addAction(open);
    bar->addAction(view->actions().constFirst());
    bar->addAction(follow);
    bar->addSeparator();
    bar->addWidget(m_keyLog);
}

void MainWindow::openCapture(const QString& path)
{
    if (sourceRunning()) {
        statusBar()->showMessage(tr("Stop the lab or the live capture before opening a capture."));
        return;
    }
    stopReanalysis();
    m_currentPath = path;
    m_fileOpen = true;
    m_connections.clear();
    m_packets = 0;
    m_findings->setFindings({});
    m_store->clear();
    m_store->setSourceName(path);
    m_connFilter->setCurrentIndex(0);
    setWindowTitle(QFileInfo(path).fileName() % u" \u2014 " % tr("Keepalive Scope"));
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    statusBar()->showMessage(tr("Reading %1\u2026").arg(path));
    m_loader->open(path, m_profiles->selected(), m_keyLog->path());
}

bool MainWindow::loading() const
{
    return m_loader->busy();
}

void MainWindow::onLoadFinished(const LoadResult& result)
{
    m_progress->hide();
    m_cancel->hide();
    if (!result.error.isEmpty()) {
        statusBar()->showMessage(result.error);
        if (isVisible())
            QMessageBox::warning(this, tr("Open capture"), result.error);
        Q_EMIT captureLoaded(false);
        return;
    }
    m_connections = result.connections;
    m_packets = result.packets;
    m_store->setConnections(result.connections);
    m_findings->setFindings(result.findings);
    m_tabs->setTabText(1, tr("Findings (%1)").arg(result.findings.size()));
    addRecent(result.path);
    QString msg = tr("%1: %2 packets, %3 events, %4 connections in %5 s")
                      .arg(QFileInfo(result.path).fileName())
                      .arg(result.packets)
                      .arg(m_store->size())
                      .arg(result.connections.size())
                      .arg(result.seconds, 0, 'f', 2);
    if (result.cancelled)
        msg += tr(" (cancelled: partial)");
    if (!result.keyLog.isEmpty())
        msg += u" \u2014 " % tr("TLS key log %1").arg(QFileInfo(result.keyLog).fileName());
    if (!result.warning.isEmpty())
        msg += u" \u2014 " % result.warning;
    if (!result.tlsWarnings.isEmpty())
        msg += u" \u2014 " % result.tlsWarnings.constFirst()
            % (result.tlsWarnings.size() > 1 ? tr(" (and %1 more TLS warnings)").arg(result.tlsWarnings.size() - 1)
                                             : QString());
    statusBar()->showMessage(msg);
    m_timeline->refresh();
    Q_EMIT captureLoaded(!result.cancelled);
}

void MainWindow::onProfilesChanged()
{
    m_timeline->setProfiles(m_profiles->selected());
    QSettings().setValue(QStringLiteral("lbProfiles"), m_profiles->selectedNames());
    if (m_settings)
        m_settings->setProfiles(m_profiles->selected());
    if (!m_loader->busy() && !sourceRunning() && m_store->size() > 0 && !m_currentPath.isEmpty())
        reanalyze();
}

// The LB findings depend on the chosen profiles: run the analyzer again over the stored events,
// off the GUI thread. The store is not appended to while no source is running.
void MainWindow::reanalyze()
{
    stopReanalysis();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_reanalysisCancel = cancel;
    auto profiles = m_profiles->selected();
    // A lab run is judged against its simulator too, on the channel's connection.
    std::uint16_t channelPort = 0;
    const auto& sim = m_labSession->lastSimulator();
    if (m_currentPath == QStringLiteral("lab") && sim && sim->idleTimeoutS > 0) {
        profiles.push_back(core::simulatorProfile(*sim));
        channelPort = m_labSession->lastChannelPort();
    }
    m_reanalysis.setFuture(
        QtConcurrent::run([store = m_store, profiles, connections = m_connections, cancel, channelPort] {
            core::FindingsAnalyzer analyzer(core::AnalyzerOptions { profiles, std::nullopt });
            for (std::size_t i = 0; i < store->size(); ++i) {
                if ((i & 4095) == 0 && cancel->load())
                    return std::vector<core::Finding> {};
                analyzer.onEvent(store->event(i));
            }
            auto findings = analyzer.finish(connections);
            if (channelPort)
                core::keepSimulatorFindingsOnChannel(findings, connections, channelPort);
            return findings;
        }));
}

void MainWindow::stopReanalysis()
{
    if (m_reanalysisCancel)
        *m_reanalysisCancel = true;
    m_reanalysis.waitForFinished();
}

void MainWindow::selectTableRow(std::size_t eventIndex)
{
    int row = m_proxy->rowForEvent(eventIndex);
    if (row < 0) { // filtered out: show everything again rather than select nothing
        m_connFilter->setCurrentIndex(0);
        for (QAction* a : m_typeFilter->menu()->actions()) {
            const QSignalBlocker block(a); // one re-filter below, not one per type
            a->setChecked(true);
        }
        m_proxy->setAllTypesVisible();
        row = m_proxy->rowForEvent(eventIndex);
    }
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->index(row, 0);
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
}

void MainWindow::rebuildConnectionFilter()
{
    const QVariant current = m_connFilter->currentData();
    QSignalBlocker block(m_connFilter);
    m_connFilter->clear();
    m_connFilter->addItem(tr("All connections"));
    for (const auto& c : m_store->connections())
        m_connFilter->addItem(u"#" % QString::number(c.id) % u"  " % QString::fromStdString(c.client) % u" \u2192 "
                % QString::fromStdString(c.server),
            c.id);
    const int i = current.isValid() ? m_connFilter->findData(current) : 0;
    m_connFilter->setCurrentIndex(std::max(i, 0));
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (const QString& f : files)
        m_recentMenu->addAction(f, this, [this, f] { openCapture(f); });
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList files = settings.value(QStringLiteral("recentFiles")).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    files.removeAll(abs);
    files.prepend(abs);
    while (files.size() > kMaxRecent)
        files.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), files);
    updateRecentMenu();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_loader->cancel();
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("windowState"), saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().constFirst().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.constFirst().isLocalFile()) {
        openCapture(urls.constFirst().toLocalFile());
        event->acceptProposedAction();
    }
}

} // namespace ks::ui
