// A capture whose read was cancelled (Esc, or Cancel beside the progress bar) holds only the
// packets read until then: what the window says about it (findings, lane ends, the report) says
// so, and never that the capture ended where the read stopped.
#pragma once

#include "core/connection_summary.h"
#include "core/finding.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace ks::ui {

// "the read was cancelled after N packets (up to T s into the capture): ..." for the report's top.
QString partialReadNote(std::uint64_t packets, std::int64_t readNs, int decimals);

// Rewrites the analyzer's words for the end of the capture ("still open when the capture
// ended", "until the end of the capture") as the point where the read stopped, and puts first
// an info finding ("partial-read") saying the findings cover only the packets read.
void markPartialRead(
    std::vector<core::Finding>& findings, std::vector<core::ConnectionSummary>& connections, const QString& note);

} // namespace ks::ui
