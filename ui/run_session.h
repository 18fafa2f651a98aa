// What the lab and the live capture have in common, as the window sees them: a run that starts
// (or says why not), streams batches while it runs and ends with its connections and packet count.
#pragma once

#include "core/connection_summary.h"
#include "event_record.h"

#include <QObject>
#include <QStringList>

#include <cstdint>
#include <limits>
#include <vector>

namespace ks::ui {

class RunSession : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    virtual bool running() const = 0;
    // Asynchronous: stopped() follows. Never blocks the GUI thread.
    virtual void stop() = 0;
    // Where the run's own shutdown began (ns since the run's origin): what follows is the lab
    // closing its channel and server, not the connection's story. Max when none.
    std::int64_t shutdownRelNs() const { return m_shutdownRelNs; }
    // Why the wire is not visible (no capture permission), when that is so; kept for the user.
    const QStringList& warnings() const { return m_warnings; }

Q_SIGNALS:
    void started(const QString& error, const QStringList& warnings); // error non-empty: not running
    void batchReady(const ks::ui::EventBatch& batch);
    void stopped(const std::vector<ks::core::ConnectionSummary>& connections, std::uint64_t packets);

protected:
    std::int64_t m_shutdownRelNs = std::numeric_limits<std::int64_t>::max();
    QStringList m_warnings;
};

} // namespace ks::ui
