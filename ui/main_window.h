// The main window wires the parts together: a source controller (file, lab, live capture) feeds
// the event store; the timeline, the event table and the findings panel read it. It parses
// nothing itself, and every slow thing (parsing, capture, the lab, the analyzer) runs elsewhere.
#pragma once

#include "core/finding.h"
#include "core/keepalive_settings.h"
#include "source_controller.h"

#include <QMainWindow>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class QTemporaryDir;
class QSplitter;
class QAction;

class QTableView;
class QProgressBar;
class QPushButton;
class QComboBox;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QToolButton;

namespace ks::ui {

class ConnectionListModel;
class EventFilterProxy;
class EventStore;
class EventTableModel;
class FindingsJob;
class FindingsView;
class KeyLogPicker;
class LabPanel;
class LiveCapturePanel;
class LbProfilePicker;
class ScenarioController;
class RunControls;
class SettingsEditor;
class StartPage;
struct BundledSample;
struct LoadResult;
class TimelineView;
class TlsKeysNotice;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openCapture(const QString& path);
    bool loading() const;
    // The findings on screen are being worked out again (a profile ticked or a setting changed
    // moments ago): until they arrive they are not those of the current choices.
    bool findingsPending() const;

    // For tests and the benchmark.
    EventStore* store() const { return m_store; }
    SourceController* sources() const { return m_sources; }
    TimelineView* timeline() const { return m_timeline; }
    QTableView* table() const { return m_table; }
    EventFilterProxy* proxy() const { return m_proxy; }
    FindingsView* findingsView() const { return m_findings; }
    QTabWidget* tabs() const { return m_tabs; }
    LbProfilePicker* profilePicker() const { return m_profiles; }
    LabPanel* labPanel() const { return m_lab; }
    SettingsEditor* settingsEditor() const { return m_settings; }
    // The scenario library: its menu, the list a start page can show (createList), load and run.
    ScenarioController* scenarios() const { return m_scenarios; }
    KeyLogPicker* keyLogPicker() const { return m_keyLog; }
    TlsKeysNotice* tlsNotice() const { return m_tlsNotice; }
    StartPage* startPage() const { return m_startPage; }
    QToolButton* typeFilterButton() const { return m_typeFilter; }

    void startLab();
    void startLiveCapture();
    LiveCapturePanel* livePanel() const { return m_live; }
    // The experiment as the window would run it: the editor's settings, the lab panel's target,
    // pattern and simulator, and the ticked load-balancer profiles.
    core::Experiment currentExperiment() const;
    QString exportSettingsTo(const QString& path) const; // .json, .cc, .go, .java, .py; error or ""
    QString exportReportTo(const QString& path) const; // .md or .json; error or ""
    // While a capture is being read: why nothing is exported now, and what to do; else "".
    QString stillReadingError() const;
    // The keepalive settings a capture's findings are judged with, as `analyze --settings` takes
    // them: the settings panel's, once an experiment file is loaded there or a field is set;
    // none while it holds only gRPC's defaults untouched (the findings come from the capture alone).
    std::optional<core::KeepaliveSettings> captureSettings() const;
    // From finding to fix (the findings panel's buttons call these).
    void applyFinding(const core::Finding& finding);
    void reproduceInLab(const core::Finding& finding);

    // The arrangement for the window's size: compact below 1280x820 (the panels share one tab
    // group, the timeline keeps most of the window), roomy above (panels side by side, wider).
    enum class LayoutMode { Unset, Compact, Roomy };
    LayoutMode layoutMode() const { return m_layoutMode; }
    static LayoutMode layoutModeFor(QSize size);

Q_SIGNALS:
    void captureLoaded(bool ok); // after the last batch of a file and its findings
    void labStarted(bool ok);
    void liveCaptureStarted(bool ok);
    void findingsUpdated(); // the findings panel shows a new analysis

protected:
    void closeEvent(QCloseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createTable();
    void createActions();
    void createDocks();
    void createRunDocks();
    void adaptLayout(); // main_window_layout.cpp
    void createPanelsAction();
    void whenReplaceConfirmed(std::function<void()> go); // asks first about unsaved lab or live results
    void onReplaced(SourceKind kind, const QString& name);
    void onLoadFinished(const LoadResult& result);
    void onRunStarted(SourceKind kind, const QString& error, const QStringList& warnings);
    void onRunStopped(SourceKind kind);
    void onRunWarnings(SourceKind kind, const QStringList& warnings);
    RunControls* controlsOf(SourceKind kind) const;
    void onProfilesChanged();
    void setFindings(std::vector<core::Finding> findings);
    void readFile(const QString& path); // openCapture once replacing was confirmed
    void reanalyze(); // the store's events again, on a worker, with the current profiles
    void selectTableRow(std::size_t eventIndex);
    void rebuildConnectionFilter();
    void updateRecentMenu();
    void addRecent(const QString& path);
    bool refusedWhileReading(const QString& title); // says why in a box
    void exportTimeline();
    void exportEvents();
    void exportReport();
    void exportSettings();
    void updateStartPage();
    void createFixActions();
    std::optional<core::LbCatalogueEntry> profileOf(const core::Finding& finding) const;
    void openSample(const BundledSample& sample);
    bool eventFilter(QObject* watched, QEvent* event) override;

    EventStore* m_store;
    SourceController* m_sources;
    EventTableModel* m_model;
    EventFilterProxy* m_proxy;
    QTableView* m_table;
    TimelineView* m_timeline;
    FindingsView* m_findings;
    FindingsJob* m_findingsJob;
    LbProfilePicker* m_profiles;
    SettingsEditor* m_settings = nullptr;
    LabPanel* m_lab = nullptr;
    ScenarioController* m_scenarios = nullptr;
    LiveCapturePanel* m_live = nullptr;
    StartPage* m_startPage = nullptr;
    QStackedWidget* m_central = nullptr;
    QSplitter* m_split = nullptr; // the timeline over the Events and Findings tabs
    LayoutMode m_layoutMode = LayoutMode::Unset;
    QAction* m_panelsAction = nullptr;
    QTimer m_layoutTimer;
    QTabWidget* m_tabs;
    QComboBox* m_connFilter;
    ConnectionListModel* m_connModel;
    QToolButton* m_typeFilter;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QMenu* m_recentMenu = nullptr;
    QTimer m_liveFindings; // about once a second while a lab or live capture runs
    QTimer m_settingsFindings; // a capture judged again shortly after its settings changed
    std::unique_ptr<QTemporaryDir> m_sampleDir; // bundled samples unpacked for reading
    KeyLogPicker* m_keyLog;
    TlsKeysNotice* m_tlsNotice;
    QStringList m_runWarnings; // of the running (or last) lab or live capture, shown in its panel
};

} // namespace ks::ui
