// The worker side of opening a file: PacketSource -> CaptureEngine -> batches + FindingsAnalyzer.
// The engine's headers come before any Qt header: CaptureEngine has a member named emit, which
// Qt's keyword macro would erase.
#include "capture/capture_engine.h"
#include "capture/capture_reader.h"
#include "capture/packet_decoder.h"
#include "capture/packet_source.h"
#include "core/findings_analyzer.h"

#include "capture_loader.h"
#include "partial_read.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>
#include <QStringList>
#include <QThreadPool>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace ks::ui {

namespace {

class BatchingSink final : public capture::EventSink {
public:
    BatchingSink(core::FindingsAnalyzer& analyzer, std::size_t batchSize)
        : m_analyzer(analyzer)
        , m_batchSize(batchSize)
    {
    }
    void onEvent(const core::Event& event) override
    {
        m_analyzer.onEvent(event);
        m_builder.add(event);
    }
    bool full() const { return static_cast<std::size_t>(m_builder.size()) >= m_batchSize; }
    EventBatchBuilder& builder() { return m_builder; }

private:
    core::FindingsAnalyzer& m_analyzer;
    EventBatchBuilder m_builder;
    std::size_t m_batchSize;
};

} // namespace

LoadResult loadCapture(const std::string& path, const std::vector<core::LbCatalogueEntry>& profiles,
    const std::function<void(EventBatch&&)>& onBatch, const std::atomic<bool>& cancel, std::size_t batchSize,
    const std::string& keyLogPath, const std::optional<core::KeepaliveSettings>& settings)
{
    QElapsedTimer timer;
    timer.start();
    LoadResult result;
    result.path = QString::fromStdString(path);
    std::string error;
    auto source = capture::PacketSource::open(path, error, &cancel);
    if (!source) {
        result.error = QString::fromStdString(error);
        return result;
    }
    if (const auto linkError = capture::unsupportedLinkTypeError(*source, path); !linkError.empty()) {
        result.error = QString::fromStdString(linkError);
        return result;
    }
    // The keys as `analyze --keylog` takes them: the chosen file; the capture's own Decryption
    // Secrets Blocks are added by readCapture.
    auto keyLog = std::make_shared<capture::KeyLog>();
    std::vector<std::string> keyWarnings;
    if (!keyLogPath.empty()) {
        if (!keyLog->loadFile(keyLogPath, keyWarnings, error)) {
            result.error = QString::fromStdString("TLS key log " + error);
            return result;
        }
        result.keyLog = QString::fromStdString(keyLogPath);
    }
    core::FindingsAnalyzer analyzer(core::AnalyzerOptions { profiles, settings });
    BatchingSink sink(analyzer, batchSize);
    capture::CaptureEngine engine(source->linkType(), sink);
    if (!keyLog->empty())
        engine.setKeyLog(keyLog);
    result.decimals = source->decimals();

    // Batches carry no connections: the result has them, judged, once (a million summaries
    // copied twice more were seconds and hundreds of MB on the GUI thread).
    const auto flush = [&] {
        auto& batch = sink.builder().batch();
        batch.originNs = engine.originNs();
        batch.decimals = source->decimals();
        batch.bytesRead = static_cast<std::int64_t>(source->bytesRead());
        batch.totalBytes = source->fileSize();
        batch.packets = engine.counters().packets;
        onBatch(sink.builder().take());
    };

    const auto read = capture::readCapture(
        *source, engine, path,
        [&] {
            if (sink.full())
                flush();
        },
        &cancel);
    if (!read.error.empty()) {
        result.error = QString::fromStdString(read.error);
        return result;
    }
    // A FIFO's read ends at the cancel like a stream that ended: cancelled all the same.
    result.cancelled = read.cancelled || source->interrupted();
    QStringList warnings;
    if (!read.stoppedEarly.empty())
        warnings << QString::fromStdString(read.stoppedEarly);
    for (const auto& w : read.warnings)
        warnings << QString::fromStdString(w);
    result.warning = warnings.join(QStringLiteral("; "));
    flush();
    for (const auto& w : keyWarnings)
        result.tlsWarnings << QString::fromStdString(w);
    for (const auto& w : engine.warnings())
        result.tlsWarnings << QString::fromStdString(w);
    result.packets = engine.counters().packets;
    result.originNs = engine.originNs();
    result.connections = engine.summaries();
    // After a cancel, the findings of the part read, marked as such (as for a stream cut short).
    if (result.cancelled)
        analyzer.setReadCancelled();
    result.findings = analyzer.finish(result.connections);
    if (result.cancelled) {
        std::int64_t lastNs = result.originNs;
        for (const auto& c : result.connections)
            lastNs = std::max(lastNs, c.lastNs);
        result.partial = partialReadNote(result.packets, lastNs - result.originNs, result.decimals);
        markPartialRead(result.findings, result.partial);
    }
    result.seconds = static_cast<double>(timer.nsecsElapsed()) * 1e-9;
    return result;
}

struct CaptureLoader::Job {
    int id = 0;
    std::atomic<bool> cancel { false };
    std::atomic<int> inFlight { 0 }; // batches posted to the GUI and not yet appended
};

CaptureLoader::CaptureLoader(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<ks::ui::EventBatch>();
    qRegisterMetaType<ks::ui::LoadResult>();
}

CaptureLoader::~CaptureLoader()
{
    cancel(); // the worker sees it between packets; nothing waits for it here
}

int CaptureLoader::open(const QString& path, std::vector<core::LbCatalogueEntry> profiles, const QString& keyLogPath,
    std::optional<core::KeepaliveSettings> settings)
{
    cancel();
    auto job = std::make_shared<Job>();
    job->id = ++m_nextId;
    m_job = job;
    m_busy = true;
    // Signals are emitted from the worker through queued invocations that check, on the GUI
    // thread, that the loader still exists and this job is still its current one (hotspot's
    // JobTracker idea). They are posted to the application object, which outlives every worker
    // (the global pool is joined when it goes), so no worker touches a deleted loader.
    const auto deliver = [self = QPointer<CaptureLoader>(this), job](auto&& fn) {
        QMetaObject::invokeMethod(
            qApp,
            [self, job, fn = std::forward<decltype(fn)>(fn)]() mutable {
                if (self && self->m_job == job)
                    fn(*self);
                else if (!self)
                    job->inFlight = 0; // nobody appends any more: let the worker finish
            },
            Qt::QueuedConnection);
    };
    QThreadPool::globalInstance()->start([job, deliver, path = path.toStdString(), profiles = std::move(profiles),
                                             keyLog = keyLogPath.toStdString(), settings = std::move(settings)] {
        int lastPermille = -1;
        auto result = loadCapture(
            path, profiles,
            [&](EventBatch&& batch) {
                if (batch.totalBytes > 0) {
                    const int permille = static_cast<int>(1000 * batch.bytesRead / batch.totalBytes);
                    if (permille != lastPermille) {
                        lastPermille = permille;
                        deliver([permille](CaptureLoader& l) { Q_EMIT l.progress(permille); });
                    }
                }
                // Flow control: with at most two batches queued, the GUI thread never has a long
                // backlog of posted batches to chew through before it can handle input again.
                while (job->inFlight.load() >= 2 && !job->cancel.load())
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                ++job->inFlight;
                deliver([b = std::move(batch), job](CaptureLoader& l) {
                    --job->inFlight;
                    Q_EMIT l.batchReady(b);
                });
            },
            job->cancel, 20000, keyLog, settings);
        deliver([r = std::move(result)](CaptureLoader& l) {
            l.m_busy = false;
            Q_EMIT l.finished(r);
        });
    });
    return job->id;
}

void CaptureLoader::cancel()
{
    if (m_job)
        m_job->cancel = true;
}

} // namespace ks::ui
