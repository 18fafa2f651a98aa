// The window's panels (docks) and their arrangement for the window's size: at 1024x700 the
// timeline keeps most of the window (the panels share one tab group beside it); at 1600x1000
// the panels sit side by side, wide enough for long load-balancer names and a whole settings tab.
#include "main_window.h"

#include "capture_command_panel.h"
#include "event_store.h"
#include "lab_panel.h"
#include "lab_session.h"
#include "lb_profile_picker.h"
#include "live_capture_panel.h"
#include "live_capture_session.h"
#include "settings_editor.h"

#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QResizeEvent>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>

namespace ks::ui {

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
    // A capture is judged with the settings in force (captureSettings): again when they change,
    // once the typing settles. A loaded experiment's profiles are ticked, as `--settings` adds them.
    m_settingsFindings.setSingleShot(true);
    m_settingsFindings.setInterval(300);
    connect(m_settings, &SettingsEditor::experimentChanged, &m_settingsFindings, qOverload<>(&QTimer::start));
    connect(&m_settingsFindings, &QTimer::timeout, this, [this] {
        if (m_sources->loading())
            m_settingsFindings.start(); // the read's own findings used the settings it started with
        else if (m_sources->kind() != SourceKind::Lab && !m_sources->running() && m_store->size() > 0)
            reanalyze();
    });
    connect(m_settings, &SettingsEditor::experimentLoaded, this, [this] {
        QStringList names = m_profiles->selectedNames();
        for (const auto& name : m_settings->experiment().lbProfiles)
            if (!names.contains(QString::fromStdString(name)))
                names << QString::fromStdString(name);
        m_profiles->setSelectedNames(names);
    });
    createRunDocks();
    tabifyDockWidget(dock, settingsDock);
    dock->raise();
}

void MainWindow::createRunDocks()
{
    m_lab = new LabPanel(m_sources->lab(), this);
    m_lab->showExperiment(m_settings->experiment()); // the last experiment's target, pattern and simulator
    connect(m_settings, &SettingsEditor::experimentLoaded, this,
        [this] { m_lab->showExperiment(m_settings->experiment()); });
    m_settings->setRunPlanSource([this](core::Experiment ex) { return m_lab->apply(std::move(ex)); });
    auto* labDock = new QDockWidget(tr("Lab"), this);
    labDock->setObjectName(QStringLiteral("labDock"));
    labDock->setWidget(m_lab);
    addDockWidget(Qt::RightDockWidgetArea, labDock);

    m_live = new LiveCapturePanel(this);
    auto* liveDock = new QDockWidget(tr("Live capture"), this);
    liveDock->setObjectName(QStringLiteral("liveDock"));
    liveDock->setWidget(m_live);
    addDockWidget(Qt::RightDockWidgetArea, liveDock);
    tabifyDockWidget(labDock, liveDock);
    labDock->raise();
    connect(m_live, &LiveCapturePanel::startRequested, this, &MainWindow::startLiveCapture);
    connect(m_live, &LiveCapturePanel::stopRequested, m_sources, &SourceController::stop);
    connect(m_lab, &LabPanel::startRequested, this, &MainWindow::startLab);
    connect(m_lab, &LabPanel::stopRequested, m_sources, &SourceController::stop);
    // A capture command's stderr while it runs, and how it ended.
    connect(m_sources->live(), &LiveCaptureSession::commandOutput, this,
        [this](const QString& text) { m_live->commandPanel()->setOutput(text); });
    connect(m_sources->live(), &LiveCaptureSession::ended, this, [this](const QString& reason, bool failed) {
        m_live->commandPanel()->setOutput(reason, failed);
        statusBar()->showMessage(reason.section(u'\n', 0, 0));
    });
}

MainWindow::LayoutMode MainWindow::layoutModeFor(QSize size)
{
    return size.width() < 1280 || size.height() < 820 ? LayoutMode::Compact : LayoutMode::Roomy;
}

void MainWindow::resizeEvent(QResizeEvent* event)
{
    QMainWindow::resizeEvent(event);
    if (layoutModeFor(event->size()) != m_layoutMode)
        m_layoutTimer.start(); // after this resize settles: docks are laid out in the next pass
}

void MainWindow::createPanelsAction()
{
    // In the compact arrangement the panels fold away behind this button (and the View menu).
    m_panelsAction = new QAction(tr("Panels"), this);
    m_panelsAction->setObjectName(QStringLiteral("showPanels"));
    m_panelsAction->setCheckable(true);
    m_panelsAction->setToolTip(tr("Show or hide the load balancer, settings, lab and live capture panels"));
    connect(m_panelsAction, &QAction::toggled, this, [this](bool on) {
        for (auto* dock : findChildren<QDockWidget*>())
            dock->setVisible(on);
        if (auto* lb = findChild<QDockWidget*>(QStringLiteral("lbDock")); on && lb)
            lb->raise();
    });
    if (auto* bar = findChild<QToolBar*>(QStringLiteral("mainToolbar")))
        bar->insertAction(bar->actions().value(3), m_panelsAction);
}

void MainWindow::adaptLayout()
{
    const LayoutMode mode = layoutModeFor(size());
    if (mode == m_layoutMode)
        return;
    m_layoutMode = mode;
    auto* lb = findChild<QDockWidget*>(QStringLiteral("lbDock"));
    auto* settings = findChild<QDockWidget*>(QStringLiteral("settingsDock"));
    auto* lab = findChild<QDockWidget*>(QStringLiteral("labDock"));
    auto* live = findChild<QDockWidget*>(QStringLiteral("liveDock"));
    if (!lb || !settings || !lab || !live)
        return;
    const int h = m_split->height() > 0 ? m_split->height() : height() - 120;
    const QSignalBlocker block(m_panelsAction);
    if (mode == LayoutMode::Compact) {
        // One tab group, folded away: the timeline takes the width and about 70 % of the height.
        tabifyDockWidget(lb, settings);
        tabifyDockWidget(lb, lab);
        tabifyDockWidget(lb, live);
        for (auto* dock : { lb, settings, lab, live })
            dock->hide();
        m_panelsAction->setChecked(false);
        resizeDocks({ lb }, { std::max(300, width() * 3 / 10) }, Qt::Horizontal);
        m_split->setSizes({ h * 7 / 10, h - h * 7 / 10 });
    } else {
        // Two groups stacked beside the timeline: profiles and settings above, lab and live below.
        // Out of the one tab group first (splitting a tabified dock leaves it tabified).
        for (auto* dock : { lb, settings, lab, live })
            removeDockWidget(dock);
        addDockWidget(Qt::RightDockWidgetArea, lb);
        splitDockWidget(lb, lab, Qt::Vertical);
        tabifyDockWidget(lb, settings);
        tabifyDockWidget(lab, live);
        for (auto* dock : { lb, settings, lab, live })
            dock->show();
        m_panelsAction->setChecked(true);
        lb->raise();
        lab->raise();
        resizeDocks({ lb }, { std::max(420, width() * 28 / 100) }, Qt::Horizontal);
        resizeDocks({ lb, lab }, { height() * 55 / 100, height() * 45 / 100 }, Qt::Vertical);
        m_split->setSizes({ h * 62 / 100, h - h * 62 / 100 });
    }
}

} // namespace ks::ui
