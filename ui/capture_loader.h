// Opens a capture file off the GUI thread: the engine and the findings analyzer run on a worker,
// events reach the GUI as batches (queued signals carrying values), with progress and Cancel.
// A new open() makes earlier jobs stale; their late signals are dropped by job id.
#pragma once

#include "core/connection_summary.h"
#include "core/finding.h"
#include "core/keepalive_settings.h"
#include "core/lb_catalogue.h"
#include "event_record.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ks::ui {

// What the source said when it ended.
struct LoadResult {
    QString path;
    QString error; // non-empty: nothing could be read
    QString warning; // e.g. truncated last packet
    QString keyLog; // the key log it was read with (empty: none)
    // About TLS: the key log's bad lines, connections without keys or failing authentication.
    QStringList tlsWarnings;
    bool cancelled = false;
    QString partial; // when cancelled: partialReadNote, for the report and the lanes
    std::uint64_t packets = 0;
    std::int64_t originNs = 0;
    int decimals = 6;
    std::vector<core::ConnectionSummary> connections;
    std::vector<core::Finding> findings;
    double seconds = 0; // wall time of the parse
};

// The parse itself, synchronous: for the worker and for the headless export. onBatch is called
// every batchSize events (and at the end); cancel is polled between packets.
// keyLogPath: an NSS key log to decrypt TLS with (empty: none; a pcapng's own Decryption Secrets
// Block is used either way). A key log that cannot be read is an error.
// settings: the keepalive settings in force, as `analyze --settings` gives them (none: the
// findings come from the capture alone).
LoadResult loadCapture(const std::string& path, const std::vector<core::LbCatalogueEntry>& profiles,
    const std::function<void(EventBatch&&)>& onBatch, const std::atomic<bool>& cancel, std::size_t batchSize = 20000,
    const std::string& keyLogPath = {}, const std::optional<core::KeepaliveSettings>& settings = {});

class CaptureLoader : public QObject {
    Q_OBJECT
public:
    explicit CaptureLoader(QObject* parent = nullptr);
    ~CaptureLoader() override;

    // Starts parsing path on a worker thread; returns the job id.
    int open(const QString& path, std::vector<core::LbCatalogueEntry> profiles, const QString& keyLogPath = {},
        std::optional<core::KeepaliveSettings> settings = {});
    void cancel();
    bool busy() const { return m_busy; }

Q_SIGNALS:
    void batchReady(const ks::ui::EventBatch& batch);
    void progress(int permille);
    void finished(const ks::ui::LoadResult& result);

private:
    struct Job;
    std::shared_ptr<Job> m_job;
    int m_nextId = 0;
    bool m_busy = false;
};

} // namespace ks::ui

Q_DECLARE_METATYPE(ks::ui::LoadResult)
