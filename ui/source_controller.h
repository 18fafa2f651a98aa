// Where the window's events come from: a capture file (CaptureLoader), the lab (LabSession) or a
// live capture (LiveCaptureSession), one at a time, into one EventStore. A new source replaces
// the store only once it has produced something: a file that cannot be read or a capture that
// cannot start leaves the previous data where it was.
#pragma once

#include "core/experiment.h"
#include "core/lb_catalogue.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace ks::ui {

class CaptureLoader;
class EventStore;
class LabSession;
class LiveCaptureSession;
class RunSession;
struct LiveCaptureRequest;
struct EventBatch;
struct LoadResult;

enum class SourceKind { None, File, Lab, Live };

class SourceController : public QObject {
    Q_OBJECT
public:
    SourceController(EventStore* store, QObject* parent = nullptr);
    ~SourceController() override;

    CaptureLoader* loader() const { return m_loader; }
    LabSession* lab() const { return m_lab; }
    LiveCaptureSession* live() const { return m_live; }
    RunSession* session(SourceKind kind) const; // the lab's or the live capture's, else null

    SourceKind kind() const { return m_kind; } // of what the store holds
    QString name() const { return m_name; } // the file's path, or what ran
    // The file being read (before its first batch took over the store too).
    QString loaderPath() const { return m_pendingKind == SourceKind::File ? m_pendingName : m_name; }
    bool running() const; // a lab or live run, starting, running or stopping
    bool loading() const;
    // The store holds a lab or live run's results that exist nowhere else (no pcap was saved and
    // nothing was exported since).
    bool unsaved() const { return m_unsaved; }
    void markSaved() { m_unsaved = false; }

    // keyLogPath: an NSS key log to decrypt TLS with (empty: none).
    // settings: the keepalive settings the findings are judged with (none: the capture alone).
    void openFile(const QString& path, std::vector<core::LbCatalogueEntry> profiles, const QString& keyLogPath = {},
        std::optional<core::KeepaliveSettings> settings = {});
    void startLab(const core::Experiment& experiment);
    void startLive(const QString& device, const QString& filter, const QString& savePath);
    void startLive(const LiveCaptureRequest& request); // an interface or a capture command
    void stop(); // the running lab or live capture, in the background
    void cancelLoad();

Q_SIGNALS:
    // The store was cleared for a new source (its first batch arrived, or its run started).
    void replaced(ks::ui::SourceKind kind, const QString& name);
    void loadProgress(int permille);
    void loadFinished(const ks::ui::LoadResult& result);
    void runStarted(ks::ui::SourceKind kind, const QString& error, const QStringList& warnings);
    void runStopped(ks::ui::SourceKind kind);
    // The running lab's or live capture's engine raised warnings (TLS without keys, ...).
    void runWarnings(ks::ui::SourceKind kind, const QStringList& warnings);

private:
    void connectRun(RunSession* session, SourceKind kind);
    void takeOver(); // the pending source replaces the store's
    void onBatch(const EventBatch& batch, SourceKind from);

    EventStore* m_store;
    CaptureLoader* m_loader;
    LabSession* m_lab;
    LiveCaptureSession* m_live;
    SourceKind m_kind = SourceKind::None;
    QString m_name;
    SourceKind m_pendingKind = SourceKind::None; // asked for, not yet producing
    QString m_pendingName;
    bool m_pendingSaved = false;
    bool m_unsaved = false;
};

} // namespace ks::ui
