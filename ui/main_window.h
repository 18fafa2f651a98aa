// The main window wires the parts together: sources (file, lab) feed the event store; the
// timeline, the event table and the findings panel read it. It parses nothing itself.
#pragma once

#include "core/connection_summary.h"
#include "core/finding.h"

#include <QFutureWatcher>
#include <QMainWindow>

#include <atomic>
#include <memory>

class QTableView;
class QProgressBar;
class QPushButton;
class QComboBox;
class QMenu;
class QTabWidget;
class QToolButton;

namespace ks::ui {

class CaptureLoader;
class EventFilterProxy;
class EventStore;
class EventTableModel;
class FindingsView;
class KeyLogPicker;
class LabPanel;
class LabSession;
class LiveCapturePanel;
class LiveCaptureSession;
class LbProfilePicker;
class ScenarioController;
class SettingsEditor;
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

    // For tests and the benchmark.
    EventStore* store() const { return m_store; }
    TimelineView* timeline() const { return m_timeline; }
    QTableView* table() const { return m_table; }
    EventFilterProxy* proxy() const { return m_proxy; }
    FindingsView* findingsView() const { return m_findings; }
    LbProfilePicker* profilePicker() const { return m_profiles; }
    LabPanel* labPanel() const { return m_lab; }
    SettingsEditor* settingsEditor() const { return m_settings; }
    // The scenario library: its menu, the list a start page can show (createList), load and run.
    ScenarioController* scenarios() const { return m_scenarios; }
    KeyLogPicker* keyLogPicker() const { return m_keyLog; }
    TlsKeysNotice* tlsNotice() const { return m_tlsNotice; }

    void startLab();
    void startLiveCapture();
    LiveCapturePanel* livePanel() const { return m_live; }
    QString exportSettingsTo(const QString& path) const; // .json, .cc, .go, .java, .py; error or ""
    QString exportReportTo(const QString& path) const; // .md or .json; error or ""

Q_SIGNALS:
    void captureLoaded(bool ok); // after the last batch of a file and its findings
    void labStarted(bool ok);
    void liveCaptureStarted(bool ok);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    bool sourceRunning() const;
    void resetForSource(const QString& name);
    void createDocks();
    void onLoadFinished(const LoadResult& result);
    void onProfilesChanged();
    void reanalyze();
    // A lab or live-capture run ended: its final connection summaries and packet count.
    void takeRunResults(const std::vector<core::ConnectionSummary>& connections, std::uint64_t packets);
    void stopReanalysis();
    void selectTableRow(std::size_t eventIndex);
    void rebuildConnectionFilter();
    void updateRecentMenu();
    void addRecent(const QString& path);
    void exportTimeline();
    void exportEvents();
    void exportReport();
    void exportSettings();

    EventStore* m_store;
    EventTableModel* m_model;
    EventFilterProxy* m_proxy;
    QTableView* m_table;
    TimelineView* m_timeline;
    FindingsView* m_findings;
    LbProfilePicker* m_profiles;
    SettingsEditor* m_settings = nullptr;
    LabPanel* m_lab = nullptr;
    LabSession* m_labSession = nullptr;
    ScenarioController* m_scenarios = nullptr;
    LiveCapturePanel* m_live = nullptr;
    LiveCaptureSession* m_liveSession = nullptr;
    CaptureLoader* m_loader;
    QTabWidget* m_tabs;
    QComboBox* m_connFilter;
    QToolButton* m_typeFilter;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QMenu* m_recentMenu = nullptr;
    KeyLogPicker* m_keyLog;
    TlsKeysNotice* m_tlsNotice;
    bool m_fileOpen = false; // m_currentPath is a capture file (re-read when the key log changes)
    QString m_currentPath;
    std::vector<core::ConnectionSummary> m_connections;
    std::uint64_t m_packets = 0;
    QFutureWatcher<std::vector<core::Finding>> m_reanalysis;
    std::shared_ptr<std::atomic<bool>> m_reanalysisCancel;
};

} // namespace ks::ui
