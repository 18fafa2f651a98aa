// One source at a time; the store is replaced by the new one's first sign of life.
#include "source_controller.h"

#include "capture_loader.h"
#include "event_store.h"
#include "lab_session.h"
#include "live_capture_session.h"

namespace ks::ui {

SourceController::SourceController(EventStore* store, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_loader(new CaptureLoader(this))
    , m_lab(new LabSession(this))
    , m_live(new LiveCaptureSession(this))
{
    connect(m_loader, &CaptureLoader::batchReady, this, [this](const EventBatch& b) { onBatch(b, SourceKind::File); });
    connect(m_loader, &CaptureLoader::progress, this, &SourceController::loadProgress);
    connect(m_loader, &CaptureLoader::finished, this, [this](const LoadResult& result) {
        if (result.error.isEmpty()) {
            takeOver(); // an empty capture still replaces what was shown
            m_store->setConnections(result.connections);
            m_store->setPartial(result.partial);
        } else if (m_pendingKind == SourceKind::File) {
            m_pendingKind = SourceKind::None; // nothing read: the previous data stays
        }
        Q_EMIT loadFinished(result);
    });
    connectRun(m_lab, SourceKind::Lab);
    connectRun(m_live, SourceKind::Live);
}

SourceController::~SourceController() = default;

RunSession* SourceController::session(SourceKind kind) const
{
    if (kind == SourceKind::Lab)
        return m_lab;
    if (kind == SourceKind::Live)
        return m_live;
    return nullptr;
}

void SourceController::connectRun(RunSession* session, SourceKind kind)
{
    connect(session, &RunSession::batchReady, this, [this, kind](const EventBatch& b) { onBatch(b, kind); });
    connect(session, &RunSession::started, this, [this, kind](const QString& error, const QStringList& warnings) {
        if (error.isEmpty())
            takeOver();
        else if (m_pendingKind == kind)
            m_pendingKind = SourceKind::None; // refused: the previous data stays
        Q_EMIT runStarted(kind, error, warnings);
    });
    connect(session, &RunSession::stopped, this,
        [this, kind](const std::vector<core::ConnectionSummary>& connections, std::uint64_t packets) {
            if (m_kind == kind) {
                m_store->setConnections(connections);
                m_store->setPackets(packets);
            }
            Q_EMIT runStopped(kind);
        });
}

void SourceController::takeOver()
{
    if (m_pendingKind == SourceKind::None)
        return;
    m_kind = m_pendingKind;
    m_name = m_pendingName;
    m_unsaved = (m_kind == SourceKind::Lab || m_kind == SourceKind::Live) && !m_pendingSaved;
    m_pendingKind = SourceKind::None;
    m_store->clear();
    m_store->setSourceName(m_name);
    Q_EMIT replaced(m_kind, m_name);
}

void SourceController::onBatch(const EventBatch& batch, SourceKind from)
{
    if (m_pendingKind == from)
        takeOver();
    if (m_kind == from)
        m_store->append(batch);
    if (!batch.warnings.empty() && from != SourceKind::File) {
        QStringList warnings;
        for (const auto& w : batch.warnings)
            warnings << QString::fromStdString(w);
        Q_EMIT runWarnings(from, warnings);
    }
}

bool SourceController::running() const
{
    return m_lab->running() || m_live->running();
}

bool SourceController::loading() const
{
    return m_loader->busy();
}

void SourceController::openFile(const QString& path, std::vector<core::LbCatalogueEntry> profiles,
    const QString& keyLogPath, std::optional<core::KeepaliveSettings> settings)
{
    if (running())
        return;
    m_pendingKind = SourceKind::File;
    m_pendingName = path;
    m_pendingSaved = true;
    m_loader->open(path, std::move(profiles), keyLogPath, std::move(settings));
}

void SourceController::startLab(const core::Experiment& experiment)
{
    if (running())
        return;
    m_loader->cancel();
    m_pendingKind = SourceKind::Lab;
    m_pendingName = tr("lab");
    m_pendingSaved = false;
    m_lab->start(experiment);
}

void SourceController::startLive(const QString& device, const QString& filter, const QString& savePath)
{
    startLive(LiveCaptureRequest { device, filter, {}, savePath, {} });
}

void SourceController::startLive(const LiveCaptureRequest& request)
{
    if (running())
        return;
    m_loader->cancel();
    m_pendingKind = SourceKind::Live;
    const QString command = request.command.trimmed();
    m_pendingName = command.isEmpty() ? tr("live capture on %1").arg(request.device) : command;
    m_pendingSaved = !request.savePath.isEmpty();
    m_live->start(request);
}

void SourceController::stop()
{
    m_lab->stop();
    m_live->stop();
}

void SourceController::cancelLoad()
{
    m_loader->cancel();
}

} // namespace ks::ui
