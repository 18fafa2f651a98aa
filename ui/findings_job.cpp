// The worker side of the findings: the analyzer over copied records, in index order.
#include "findings_job.h"

#include "core/findings_analyzer.h"
#include "core/scenario.h"
#include "event_store.h"
#include "lab_target_finding.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace ks::ui {

FindingsInput snapshotOf(const EventStore& store)
{
    FindingsInput in;
    in.records.resize(store.size());
    for (std::size_t i = 0; i < store.size(); ++i)
        in.records[i] = store.record(i);
    in.strings = store.strings();
    in.settings = store.settings();
    in.originNs = store.originNs();
    in.connections = store.connections();
    in.readCancelled = !store.partial().isEmpty();
    return in;
}

std::vector<core::Finding> analyzeSnapshot(
    const FindingsInput& in, const std::atomic<bool>& cancel, std::vector<core::ConnectionSummary>* ends)
{
    core::FindingsAnalyzer analyzer(core::AnalyzerOptions { in.profiles, in.keepalive, in.readCancelled });
    for (std::size_t i = 0; i < in.records.size(); ++i) {
        if ((i & 4095) == 0 && cancel.load(std::memory_order_relaxed))
            return {};
        const EventRecord& r = in.records[i];
        if (r.relNs >= in.untilRelNs)
            continue; // the lab's shutdown: its GOAWAYs and closes are not the connection's story
        analyzer.onEvent(EventStore::makeEvent(r, i, in.originNs, in.strings, in.settings));
    }
    std::vector<core::ConnectionSummary> connections = in.connections;
    auto findings = analyzer.finish(connections); // writes each connection's end cause
    if (!in.labTarget.empty())
        if (auto refused = labTargetRefusedFinding(in.labTarget, connections))
            findings.insert(findings.begin(), std::move(*refused));
    if (ends)
        *ends = std::move(connections);
    if (in.channelPort != 0)
        core::keepSimulatorFindingsOnChannel(findings, in.connections, in.channelPort);
    return findings;
}

FindingsJob::FindingsJob(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<std::vector<ks::core::Finding>>();
    qRegisterMetaType<std::vector<ks::core::ConnectionSummary>>();
}

FindingsJob::~FindingsJob()
{
    cancel();
}

int FindingsJob::run(FindingsInput input)
{
    cancel();
    const int id = ++m_current;
    auto flag = std::make_shared<std::atomic<bool>>(false);
    m_cancel = flag;
    ++m_running;
    QPointer<FindingsJob> self(this);
    (void)QtConcurrent::run([self, id, flag, input = std::move(input)] {
        std::vector<core::ConnectionSummary> connections;
        auto findings = analyzeSnapshot(input, *flag, &connections);
        // Delivered on the GUI thread only while the tracker lives and this job is still current.
        QMetaObject::invokeMethod(
            qApp,
            [self, id, flag, findings = std::move(findings), connections = std::move(connections)] {
                if (!self)
                    return;
                --self->m_running;
                if (!flag->load() && id == self->m_current)
                    Q_EMIT self->finished(id, findings, connections);
            },
            Qt::QueuedConnection);
    });
    return id;
}

void FindingsJob::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

} // namespace ks::ui
