// Wiring only: widgets, docks, menus, selection between timeline, table and findings. The
// constructor (some 110 lines) lays out every dock, menu and connection in one place, so that
// the window's structure reads top to bottom; sources and their sessions are SourceController's.
#include "main_window.h"

#include "about_dialog.h"
#include "capture_command_panel.h"
#include "connection_list_model.h"
#include "event_filter_proxy.h"
#include "event_format.h"
#include "event_store.h"
#include "event_table_model.h"
#include "findings_job.h"
#include "findings_view.h"
#include "keylog_picker.h"
#include "lab_panel.h"
#include "last_folder.h"
#include "lb_profile_picker.h"
#include "live_capture_panel.h"
#include "live_capture_session.h"
#include "partial_read.h"
#include "scenario_controller.h"
#include "settings_editor.h"
#include "start_page.h"
#include "timeline_view.h"
#include "tls_keys_notice.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolBar>
#include <QToolButton>

#include <filesystem>

namespace ks::ui {

namespace {
constexpr int kMaxRecent = 8;
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_store(new EventStore(this))
    , m_sources(new SourceController(m_store, this))
    , m_model(new EventTableModel(m_store, this))
    , m_proxy(new EventFilterProxy(this))
    , m_table(new QTableView(this))
    , m_timeline(new TimelineView(m_store, this))
    , m_findings(new FindingsView(this))
    , m_findingsJob(new FindingsJob(this))
    , m_profiles(new LbProfilePicker(this))
    , m_tabs(new QTabWidget(this))
    , m_connFilter(new QComboBox(this))
    , m_connModel(new ConnectionListModel(m_store, this))
    , m_typeFilter(new QToolButton(this))
    , m_progress(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_keyLog(new KeyLogPicker(this))
    , m_tlsNotice(new TlsKeysNotice(this))
{
    setWindowTitle(tr("Keepalive Scope"));
    setAcceptDrops(true);
    createTable();
    auto* split = m_split = new QSplitter(Qt::Vertical, this);
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
    m_startPage = new StartPage(this);
    m_central = new QStackedWidget(this);
    m_central->addWidget(m_startPage);
    m_central->addWidget(split);
    setCentralWidget(m_central);

    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    m_cancel->hide();
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QPushButton::clicked, m_sources, &SourceController::cancelLoad);

    // Sources into the store (the controller appends), and what the window shows about them.
    connect(m_sources, &SourceController::replaced, this, &MainWindow::onReplaced);
    connect(m_sources, &SourceController::loadProgress, m_progress, &QProgressBar::setValue);
    connect(m_sources, &SourceController::loadFinished, this, &MainWindow::onLoadFinished);
    connect(m_sources, &SourceController::runStarted, this, &MainWindow::onRunStarted);
    connect(m_sources, &SourceController::runStopped, this, &MainWindow::onRunStopped);
    connect(m_sources, &SourceController::runWarnings, this, &MainWindow::onRunWarnings);
    connect(m_store, &EventStore::connectionsChanged, this, &MainWindow::rebuildConnectionFilter);
    connect(m_store, &EventStore::connectionsChanged, this,
        [this] { m_tlsNotice->setConnections(m_store->connections()); });
    connect(m_store, &EventStore::cleared, m_tlsNotice, &QWidget::hide);
    // A key log chosen for an open capture: read it again, decrypted.
    connect(m_tlsNotice, &TlsKeysNotice::chooseKeyLogRequested, m_keyLog, &KeyLogPicker::browse);
    connect(m_keyLog, &KeyLogPicker::pathChanged, this, [this] {
        if (m_sources->kind() == SourceKind::File && !m_sources->running() && !m_sources->loading())
            openCapture(m_sources->name());
        else if (m_sources->running())
            statusBar()->showMessage(tr("The key log applies from the next Start: the running capture keeps the "
                                        "keys it started with."));
        else if (m_sources->loading() && std::filesystem::is_regular_file(m_sources->loaderPath().toStdString()))
            readFile(m_sources->loaderPath()); // read from the start again, with the key log
        else if (m_sources->loading())
            statusBar()->showMessage(tr("The key log applies to the next capture you open: %1 is a stream, read "
                                        "once, without it. Open the stream again to decrypt it.")
                                         .arg(QFileInfo(m_sources->loaderPath()).fileName()));
    });
    connect(m_findingsJob, &FindingsJob::finished, this,
        [this](int, std::vector<core::Finding> findings, std::vector<core::ConnectionSummary> ends) {
            if (!m_store->partial().isEmpty()) // a cancelled read, analysed again: still partial
                markPartialRead(findings, m_store->partial());
            m_store->setEndCauses(ends); // the lanes say how each connection ended
            setFindings(std::move(findings));
        });
    m_liveFindings.setInterval(1000);
    connect(&m_liveFindings, &QTimer::timeout, this, [this] {
        if (!m_findingsJob->busy()) // a slow analysis is not queued behind itself
            reanalyze();
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

    createDocks();
    createActions();
    createFixActions();
    createPanelsAction();
    QSettings settings;
    m_profiles->setSelectedNames(settings.value(QStringLiteral("lbProfiles")).toStringList());
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    // A saved arrangement is kept until the window crosses into the other layout mode.
    if (restoreState(settings.value(QStringLiteral("windowState")).toByteArray()))
        m_layoutMode = layoutModeFor(size());
    m_layoutTimer.setSingleShot(true);
    m_layoutTimer.setInterval(0);
    connect(&m_layoutTimer, &QTimer::timeout, this, &MainWindow::adaptLayout);
    setFindings({});
    updateStartPage();
}

MainWindow::~MainWindow() = default;

void MainWindow::createTable()
{
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
    m_table->setColumnWidth(EventTableModel::IndexColumn, 60);
    m_table->setColumnWidth(EventTableModel::TimeColumn, 110);
    m_table->setColumnWidth(EventTableModel::ConnColumn, 50);
    m_table->setColumnWidth(EventTableModel::DirColumn, 45);
    m_table->setColumnWidth(EventTableModel::TypeColumn, 120);

    // Filters above the table: event types (a menu of checkboxes that stays open while several are
    // toggled) and connection.
    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto* filters = new QHBoxLayout;
    m_typeFilter->setText(tr("Event types"));
    m_typeFilter->setPopupMode(QToolButton::InstantPopup);
    auto* typeMenu = new QMenu(m_typeFilter);
    typeMenu->setObjectName(QStringLiteral("typeMenu"));
    for (std::size_t t = 0; t < core::kEventTypeCount; ++t) {
        const auto type = static_cast<core::EventType>(t);
        QAction* a = typeMenu->addAction(eventTypeTitle(type));
        a->setCheckable(true);
        a->setChecked(true);
        connect(a, &QAction::toggled, this, [this, type, typeMenu](bool on) {
            m_proxy->setTypeVisible(type, on);
            // The filter outlives the capture: the button says when it hides something.
            const auto hidden = std::ranges::count_if(typeMenu->actions(), [](QAction* t) { return !t->isChecked(); });
            m_typeFilter->setText(hidden ? tr("Event types (%1 hidden)").arg(hidden) : tr("Event types"));
        });
    }
    typeMenu->installEventFilter(this);
    m_typeFilter->setMenu(typeMenu);
    m_connFilter->setModel(m_connModel);
    // Sized by a typical row, not by scanning every connection's text.
    m_connFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_connFilter->setMinimumContentsLength(36);
    if (auto* list = qobject_cast<QListView*>(m_connFilter->view()))
        list->setUniformItemSizes(true);
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
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open capture\u2026"), this, [this] {
        const QString path = rememberFolder(QFileDialog::getOpenFileName(
            this, tr("Open capture"), lastFolder(), tr("Captures (*.pcap *.pcapng *.cap *.dmp);;All files (*)")));
        if (!path.isEmpty())
            openCapture(path);
    });
    open->setShortcut(QKeySequence::Open);
    open->setObjectName(QStringLiteral("openCapture"));
    file->addAction(tr("TLS &key log\u2026"), m_keyLog, &KeyLogPicker::browse);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    updateRecentMenu();
    QMenu* samples = file->addMenu(tr("Open &sample"));
    for (const auto& sample : bundledSamples())
        samples->addAction(QString::fromLatin1(sample.title), this, [this, sample] { openSample(sample); });
    file->addSeparator();
    QMenu* exp = file->addMenu(tr("&Export"));
    exp->addAction(
           tr("Timeline image (PNG, PDF, SVG)\u2026"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportTimeline)
        ->setObjectName(QStringLiteral("exportTimeline"));
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
    m_scenarios = new ScenarioController(
        m_settings, m_lab, m_sources->lab(), [this] { startLab(); }, this);
    connect(m_scenarios, &ScenarioController::loaded, this, [this](const QString& title, const QString&) {
        statusBar()->showMessage(tr("Scenario: %1 (Scenarios > Run, or Run with the fix)").arg(title));
    });
    menuBar()->addMenu(m_scenarios->createMenu(this));
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Keepalive Scope"), this, [this] { showAboutDialog(this); });
    auto* cancel = new QAction(this);
    cancel->setShortcut(Qt::Key_Escape);
    connect(cancel, &QAction::triggered, m_sources, &SourceController::cancelLoad);
    addAction(cancel);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolbar"));
    bar->addAction(open);
    bar->addAction(view->actions().constFirst());
    bar->addAction(follow);
    bar->addSeparator();
    bar->addWidget(m_keyLog);

    // The start page: the same actions, explained.
    m_startPage->addEntry(open, tr("A pcap or pcapng file from tcpdump, Wireshark or dumpcap; or drop one here."));
    auto* sample = new QAction(tr("Open a sample capture"), this);
    sample->setObjectName(QStringLiteral("openSample"));
    connect(sample, &QAction::triggered, this, [this] { openSample(bundledSamples().constFirst()); });
    m_startPage->addEntry(sample,
        QString::fromLatin1(bundledSamples().constFirst().description) % tr(" (more under File \u25b8 Open sample)"));
    auto* lab = new QAction(tr("Run the lab"), this);
    lab->setObjectName(QStringLiteral("runLab"));
    connect(lab, &QAction::triggered, this, &MainWindow::startLab);
    m_startPage->addEntry(lab,
        tr("A real gRPC channel and server on loopback with the settings on the right; "
           "watch its PINGs arrive live."));
    // The scenario library: a double click loads one into the settings and the lab panel.
    auto* scenarioBox = new QWidget(m_startPage);
    auto* scenarioLayout = new QVBoxLayout(scenarioBox);
    scenarioLayout->setContentsMargins(0, 0, 0, 0);
    scenarioLayout->addWidget(new QLabel(tr("Or pick a scenario from the library (Scenarios menu):"), scenarioBox));
    scenarioLayout->addWidget(m_scenarios->createList(scenarioBox));
    m_startPage->addWidget(scenarioBox);
}

void MainWindow::updateStartPage()
{
    const bool empty = m_store->size() == 0 && m_sources->kind() == SourceKind::None && !m_sources->running()
        && !m_sources->loading();
    m_central->setCurrentIndex(empty ? 0 : 1);
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    // The type filter's menu stays open while types are toggled: a release on a checkable item
    // toggles it without closing the menu.
    if (watched == m_typeFilter->menu() && event->type() == QEvent::MouseButtonRelease) {
        auto* menu = m_typeFilter->menu();
        if (QAction* a = menu->activeAction(); a && a->isCheckable() && a->isEnabled()) {
            a->trigger();
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
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
    m_connModel->reload();
    const int i = current.isValid() ? m_connModel->rowOf(current.toUInt()) : 0;
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
    // Returns at once: a running lab or capture stops in the background (see the sessions).
    m_sources->cancelLoad();
    m_sources->stop();
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
