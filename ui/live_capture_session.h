// Live capture from an interface with a BPF filter, or from a capture command's pcap stream (tcpdump
// over ssh or kubectl exec), driven from the window: reading and the engine run on the capture's
// own thread (capture::LiveCapture), events are ordered by the lab's EventHub and drained to the
// GUI by a 20 Hz timer; optionally saved as pcap.
#pragma once

#include "core/connection_summary.h"
#include "event_record.h"

#include <QFutureWatcher>
#include <QObject>
#include <QTimer>

#include <memory>

namespace ks::ui {

struct LiveCaptureRequest {
    QString device;
    QString filter;
    QString command; // non-empty: run it and read its stdout instead of capturing on device
    QString savePath; // write the capture there as pcap (empty: don't)
    QString keyLogPath; // TLS key log to decrypt with (empty: none)
};

class LiveCaptureSession : public QObject {
    Q_OBJECT
public:
    explicit LiveCaptureSession(QObject* parent = nullptr);
    ~LiveCaptureSession() override;

    static QStringList interfaces(QString* error = nullptr);
    bool running() const { return m_state != nullptr; }
    // savePath: write the capture there as pcap (empty: don't).
    void start(const QString& device, const QString& filter, const QString& savePath);
    void start(const LiveCaptureRequest& request);
    // Stops the capture; while it is still starting (a command not yet writing), cancels that.
    void stop();

Q_SIGNALS:
    void started(const QString& error);
    // The capture command's latest stderr lines while it runs (tcpdump's "listening on ...").
    void commandOutput(const QString& text);
    // The capture command ended by itself (reason: how, with its last stderr lines); the session
    // stops, and stopped() follows.
    void ended(const QString& reason, bool failed);
    void batchReady(const ks::ui::EventBatch& batch);
    void stopped(const std::vector<ks::core::ConnectionSummary>& connections, std::uint64_t packets);

private:
    struct State;
    void drain();

    std::shared_ptr<State> m_state;
    QTimer m_drain;
    QFutureWatcher<QString> m_startWatcher;
    QFutureWatcher<void> m_stopWatcher;
};

} // namespace ks::ui
