// Live capture from an interface with a BPF filter, or from a capture command's pcap stream (tcpdump
// over ssh or kubectl exec), driven from the window: reading and the engine run on the capture's
// own thread (capture::LiveCapture), events are ordered by an EventHub and drained to the GUI by
// a 20 Hz timer; optionally saved as pcap. Destroying a running session returns at once: the
// capture is stopped (a command still starting is cancelled) in the background.
#pragma once

#include "run_session.h"

#include <QFuture>
#include <QFutureWatcher>
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

class LiveCaptureSession : public RunSession {
    Q_OBJECT
public:
    explicit LiveCaptureSession(QObject* parent = nullptr);
    ~LiveCaptureSession() override;

    // pcap_findalldevs can block (it asks every driver), so it runs on a worker: the interface
    // names, or when libpcap failed, an empty first entry followed by its error.
    static QFuture<QStringList> interfaces();
    bool running() const override { return m_state != nullptr; }
    // savePath: write the capture there as pcap (empty: don't).
    void start(const QString& device, const QString& filter, const QString& savePath);
    void start(const LiveCaptureRequest& request);
    // Stops the capture; while it is still starting (a command not yet writing), cancels that.
    void stop() override;

Q_SIGNALS:
    // The capture command's latest stderr lines while it runs (tcpdump's "listening on ...").
    void commandOutput(const QString& text);
    // The capture command ended by itself (reason: how, with its last stderr lines); the session
    // stops, and stopped() follows.
    void ended(const QString& reason, bool failed);

private:
    struct State;
    void drain();

    std::shared_ptr<State> m_state;
    QTimer m_drain;
    QFutureWatcher<QString> m_startWatcher;
    QFutureWatcher<void> m_stopWatcher;
};

} // namespace ks::ui
