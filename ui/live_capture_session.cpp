// Opening a device and compiling a filter can block on the kernel: never on the GUI thread.
#include "capture/live_capture.h"
#include "core/event_hub.h"

#include "batch_collector.h"
#include "live_capture_session.h"

#include <QtConcurrent/QtConcurrentRun>

#include <mutex>

namespace ks::ui {

struct LiveCaptureSession::State : BatchCollector {
    std::unique_ptr<core::EventHub> hub;
    std::int64_t originNs = 0;
    bool command = false;
    std::string lastStderr; // GUI thread
    bool endReported = false; // GUI thread
    QFuture<QString> starting; // a stop waits for it on its worker, never on the GUI thread
    std::once_flag stopOnce;

    // Worker side: stops the capture once its start has ended; once.
    void shutDown()
    {
        starting.waitForFinished();
        std::call_once(stopOnce, [this] {
            if (!tap || !hub)
                return;
            tap->stop();
            hub->stop();
            connections = tap->summaries();
            packets = tap->packets();
        });
    }
};

LiveCaptureSession::LiveCaptureSession(QObject* parent)
    : RunSession(parent)
{
    qRegisterMetaType<ks::ui::EventBatch>();
    m_drain.setInterval(50);
    connect(&m_drain, &QTimer::timeout, this, &LiveCaptureSession::drain);
    connect(&m_startWatcher, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = m_startWatcher.result();
        if (!error.isEmpty())
            m_state.reset(); // the worker already stopped the hub
        else
            m_drain.start();
        Q_EMIT started(error, {});
    });
    connect(&m_stopWatcher, &QFutureWatcher<void>::finished, this, [this] {
        drain();
        auto state = std::move(m_state);
        if (state)
            Q_EMIT stopped(state->connections, state->packets);
    });
}

LiveCaptureSession::~LiveCaptureSession()
{
    if (auto state = std::move(m_state)) {
        if (state->tap)
            state->tap->cancelStart(); // a command still starting: do not wait for its first bytes
        (void)QtConcurrent::run([state] { state->shutDown(); });
    }
}

QFuture<QStringList> LiveCaptureSession::interfaces()
{
    return QtConcurrent::run([] {
        std::string error;
        QStringList out;
        for (const auto& d : capture::LiveCapture::devices(error))
            out << QString::fromStdString(d);
        if (out.isEmpty() && !error.empty())
            out << QString() << QString::fromStdString(error);
        return out;
    });
}

void LiveCaptureSession::start(const QString& device, const QString& filter, const QString& savePath)
{
    start(LiveCaptureRequest { device, filter, {}, savePath, {} });
}

void LiveCaptureSession::start(const LiveCaptureRequest& request)
{
    if (m_state)
        return;
    auto state = std::make_shared<State>();
    m_state = state;
    // Made here, started on the worker: stop() may cancel a command still starting.
    state->tap = std::make_unique<capture::LiveCapture>(request.savePath.toStdString());
    state->command = !request.command.trimmed().isEmpty();
    core::TapRequest tap;
    tap.device = request.device.toStdString();
    tap.filter = request.filter.isEmpty() ? std::string("tcp") : request.filter.toStdString();
    tap.command = request.command.trimmed().toStdString();
    tap.keyLogPath = request.keyLogPath.toStdString();
    state->starting = QtConcurrent::run([state, tap]() -> QString {
        state->hub = std::make_unique<core::EventHub>();
        state->hub->addListener(state.get());
        state->originNs = core::realtimeNs();
        if (state->command)
            state->hub->followFirstEvent(); // stamped by the capturing host's clock, not ours
        state->hub->start(state->originNs);
        const std::string error = state->tap->start(tap, *state->hub);
        if (!error.empty()) {
            state->hub->stop();
            state->hub.reset();
            return QString::fromStdString(error);
        }
        return {};
    });
    m_startWatcher.setFuture(state->starting);
}

void LiveCaptureSession::stop()
{
    if (m_state && m_startWatcher.isRunning()) {
        m_state->tap->cancelStart(); // started() follows with the reason
        return;
    }
    if (!m_state || m_stopWatcher.isRunning())
        return;
    m_drain.stop();
    auto state = m_state;
    m_stopWatcher.setFuture(QtConcurrent::run([state] { state->shutDown(); }));
}

void LiveCaptureSession::drain()
{
    if (!m_state)
        return;
    EventBatch batch;
    if (m_state->take(batch, m_state->hub ? m_state->hub->originNs() : m_state->originNs, 9))
        Q_EMIT batchReady(batch);
    if (!m_state->command || m_state->endReported)
        return; // after its end, the reason stays what the user sees
    if (std::string text = m_state->tap->commandStderr(); text != m_state->lastStderr) {
        m_state->lastStderr = text;
        Q_EMIT commandOutput(QString::fromStdString(text));
    }
    std::string reason;
    bool failed = false;
    if (!m_state->endReported && m_state->tap->streamEnded(reason, failed)) {
        m_state->endReported = true;
        Q_EMIT ended(QString::fromStdString(reason), failed);
        stop();
    }
}

} // namespace ks::ui
