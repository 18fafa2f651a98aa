// The note and the finding of a cancelled read (the analyzer's own texts already say where the
// read stopped: AnalyzerOptions::readCancelled).
#include "partial_read.h"

#include "core/json_writer.h"

#include <QObject>

#include <string>

namespace ks::ui {

QString partialReadNote(std::uint64_t packets, std::int64_t readNs, int decimals)
{
    std::string at;
    core::appendSeconds(at, readNs, decimals);
    return QObject::tr("Partial: the read was cancelled after %1 packets (up to %2 s into the capture). "
                       "Findings and connections cover only those packets; a connection shown open may have "
                       "ended later in the capture. Open it again and let the read finish for the whole story.")
        .arg(packets)
        .arg(QString::fromStdString(at));
}

void markPartialRead(std::vector<core::Finding>& findings, const QString& note)
{
    core::Finding partial;
    partial.id = "partial-read";
    partial.severity = core::Severity::Info;
    partial.title = "Only part of the capture was read: the read was cancelled";
    partial.detail = note.toStdString();
    partial.suggestion = "Open the capture again and let the read finish.";
    findings.insert(findings.begin(), std::move(partial));
}

} // namespace ks::ui
