// A lab run driven from the window: LabRunner (embedded server, LB simulator, test channel, live
// capture of loopback) started and stopped on a worker thread; the hub's events are collected
// into a batch under a lock and handed to the GUI by a 20 Hz timer. Destroying a running session
// returns at once: the run is stopped in the background.
#pragma once

#include "core/experiment.h"
#include "core/scenario.h"
#include "event_record.h"
#include "run_session.h"

#include <QFutureWatcher>
#include <QTimer>

#include <memory>
#include <optional>

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
    bool applyFault(const core::TimedFault& fault); // a scenario's fault
    // The last run's simulator and the port the channel connected to (for judging the run
    // against the simulator's own profile).
    const std::optional<core::SimulatorPlan>& lastSimulator() const { return m_lastSimulator; }
    std::uint16_t lastChannelPort() const { return m_lastChannelPort; }

private:
    struct State;
    void drain();

    std::shared_ptr<State> m_state;
    QTimer m_drain;
    QFutureWatcher<QString> m_startWatcher;
    QFutureWatcher<void> m_stopWatcher;
    std::optional<core::SimulatorPlan> m_lastSimulator;
    std::uint16_t m_lastChannelPort = 0;
};

} // namespace ks::ui
