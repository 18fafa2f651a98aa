// The analyzer speaks of the end of the capture; after a cancel that end is the user's, not the
// capture's.
#include "partial_read.h"

#include "core/json_writer.h"

#include <QObject>

#include <string>
#include <string_view>

namespace ks::ui {

namespace {

constexpr std::string_view kStopped = "the read stopped (cancelled)";

void replaceAll(std::string& text, std::string_view from, std::string_view to)
{
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

std::string stoppedWords(std::string text)
{
    replaceAll(text, "the end of the capture", kStopped);
    replaceAll(text, "the capture ended", kStopped);
    return text;
}

} // namespace

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

void markPartialRead(
    std::vector<core::Finding>& findings, std::vector<core::ConnectionSummary>& connections, const QString& note)
{
    for (auto& f : findings) {
        f.title = stoppedWords(std::move(f.title));
        f.detail = stoppedWords(std::move(f.detail));
        f.suggestion = stoppedWords(std::move(f.suggestion));
    }
    for (auto& c : connections)
        if (!c.endDetail.empty() && c.endDetail.str().find("capture") != std::string::npos)
            c.endDetail = core::SharedText(stoppedWords(c.endDetail.str()));
    core::Finding partial;
    partial.id = "partial-read";
    partial.severity = core::Severity::Info;
    partial.title = "Only part of the capture was read: the read was cancelled";
    partial.detail = note.toStdString();
    partial.suggestion = "Open the capture again and let the read finish.";
    findings.insert(findings.begin(), std::move(partial));
}

} // namespace ks::ui
