// LabRunner::start() binds ports, starts gRPC and pcap: seconds at worst, so never on the GUI thread.
#include "capture/live_capture.h"
#include "core/lab/lab_runner.h"

#include "batch_collector.h"
#include "lab_session.h"

#include <QtConcurrent/QtConcurrentRun>

#include <mutex>

namespace ks::ui {

struct LabSession::State : BatchCollector {
    std::unique_ptr<core::lab::LabRunner> runner;
    std::atomic<std::int64_t> originNs { 0 };
    std::atomic<bool> startedOk { false };
    std::uint16_t channelPort = 0;
    QFuture<QString> starting; // a stop waits for it on its worker, never on the GUI thread
    std::once_flag stopOnce;

    // Worker side: stops the run once its start has ended, whatever the outcome; once.
    void shutDown()
    {
        starting.waitForFinished();
        std::call_once(stopOnce, [this] {
            if (!runner)
                return;
            runner->stop();
            connections = runner->connections();
            packets = runner->packets();
            std::string host;
            core::lab::splitHostPort(runner->target(), host, channelPort);
        });
    }
};

LabSession::LabSession(QObject* parent)
    : RunSession(parent)
{
    qRegisterMetaType<ks::ui::EventBatch>();
    m_drain.setInterval(50);
    connect(&m_drain, &QTimer::timeout, this, &LabSession::drain);
    connect(&m_startWatcher, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = m_startWatcher.result();
        QStringList warnings;
        if (m_state && m_state->runner) {
            for (const auto& w : m_state->runner->warnings())
                warnings << QString::fromStdString(w);
            if (error.isEmpty() && !m_state->runner->keyLogPath().empty())
                warnings << tr("TLS key log: %1.").arg(QString::fromStdString(m_state->runner->keyLogPath()));
        }
        m_warnings = warnings;
        if (!error.isEmpty()) {
            auto state = std::move(m_state);
            (void)QtConcurrent::run([state] {
                state->runner.reset();
                state->tap.reset();
            });
        } else {
            m_drain.start();
        }
        Q_EMIT started(error, warnings);
    });
    connect(&m_stopWatcher, &QFutureWatcher<void>::finished, this, [this] {
        drain();
        auto state = std::move(m_state);
        if (state) {
            m_lastChannelPort = state->channelPort;
            Q_EMIT stopped(state->connections, state->packets);
        }
    });
}

LabSession::~LabSession()
{
    // The window closes now; the run ends on a pool thread (the application joins the pool).
    if (auto state = std::move(m_state))
        (void)QtConcurrent::run([state] { state->shutDown(); });
}

void LabSession::start(const core::Experiment& experiment)
{
    if (m_state)
        return;
    m_shutdownRelNs = std::numeric_limits<std::int64_t>::max();
    m_warnings.clear();
    auto state = std::make_shared<State>();
    m_state = state;
    m_lastSimulator = experiment.simulator;
    m_lastChannelPort = 0;
    state->starting = QtConcurrent::run([state, experiment]() -> QString {
        state->tap = std::make_unique<capture::LiveCapture>();
        state->runner = std::make_unique<core::lab::LabRunner>(experiment, state->tap.get());
        state->runner->addListener(state.get());
        const std::string error = state->runner->start();
        if (!error.empty())
            return QString::fromStdString(error);
        state->originNs = state->runner->originNs();
        state->startedOk = true;
        return {};
    });
    m_startWatcher.setFuture(state->starting);
}

void LabSession::stop()
{
    if (!m_state || m_stopWatcher.isRunning() || m_startWatcher.isRunning())
        return;
    m_drain.stop();
    // From here on the lab closes its own channel and server: their GOAWAYs, FINs and cancelled
    // RPCs are the shutdown, not the connection's story.
    m_shutdownRelNs = core::realtimeNs() - m_state->originNs;
    auto state = m_state;
    m_stopWatcher.setFuture(QtConcurrent::run([state] { state->shutDown(); }));
}

bool LabSession::fault(Fault fault, int value)
{
    if (!m_state || !m_state->startedOk || !m_state->runner)
        return false;
    auto* sim = m_state->runner->simulator();
    if (!sim)
        return false;
    switch (fault) {
    case Fault::BlackholeOn:
        sim->setBlackhole(true);
        break;
    case Fault::BlackholeOff:
        sim->setBlackhole(false);
        break;
    case Fault::Reset:
        sim->resetNow();
        break;
    case Fault::Latency:
        sim->setLatencyMs(value);
        break;
    }
    return true;
}

bool LabSession::applyFault(const core::TimedFault& fault)
{
    if (!m_state || !m_state->startedOk || !m_state->runner || !m_state->runner->simulator())
        return false;
    core::lab::applyFault(*m_state->runner->simulator(), fault);
    return true;
}

void LabSession::drain()
{
    if (!m_state)
        return;
    EventBatch batch;
    if (m_state->take(batch, m_state->originNs, 6))
        Q_EMIT batchReady(batch);
}

} // namespace ks::ui
