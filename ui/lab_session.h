// A lab run driven from the window: LabRunner (embedded server, LB simulator, test channel, live
// capture of loopback) started and stopped on a worker thread; the hub's events are collected
// into a batch under a lock and handed to the GUI by a 20 Hz timer. Destroying a running session
// returns at once: the run is stopped in the background.
#pragma once

#include "core/experiment.h"
#include "run_session.h"

#include <QFutureWatcher>
#include <QTimer>

#include <memory>

namespace ks::ui {

class LabSession : public RunSession {
    Q_OBJECT
public:
    enum class Fault { BlackholeOn, BlackholeOff, Reset, Latency };

    explicit LabSession(QObject* parent = nullptr);
    ~LabSession() override;

    bool running() const override { return m_state != nullptr; }
    void start(const core::Experiment& experiment);
    void stop() override;
    // Needs the simulator in the path; returns false when there is none.
    bool fault(Fault fault, int value = 0);

private:
    struct State;
    void drain();

    std::shared_ptr<State> m_state;
    QTimer m_drain;
    QFutureWatcher<QString> m_startWatcher;
    QFutureWatcher<void> m_stopWatcher;
};

} // namespace ks::ui
