// Live capture from an interface with a BPF filter, driven from the window: libpcap and the
// engine run on the capture's own thread (capture::LiveCapture), events are ordered by an
// EventHub and drained to the GUI by a 20 Hz timer; optionally saved as pcap. Destroying a
// running session returns at once: the capture is stopped in the background.
#pragma once

#include "run_session.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QTimer>

#include <memory>

namespace ks::ui {

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
    void stop() override;

private:
    struct State;
    void drain();

    std::shared_ptr<State> m_state;
    QTimer m_drain;
    QFutureWatcher<QString> m_startWatcher;
    QFutureWatcher<void> m_stopWatcher;
};

} // namespace ks::ui
