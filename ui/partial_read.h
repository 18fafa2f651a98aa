// A capture whose read was cancelled (Esc, or Cancel beside the progress bar) holds only the
// packets read until then: what the window says about it (findings, lane ends, the report) says
// so, and never that the capture ended where the read stopped.
#pragma once

#include "core/finding.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace ks::ui {

// "the read was cancelled after N packets (up to T s into the capture): ..." for the report's top.
QString partialReadNote(std::uint64_t packets, std::int64_t readNs, int decimals);

// Puts first an info finding ("partial-read") saying the findings cover only the packets read
// (the analyzer, told of the cancel, already speaks of where the read stopped).
void markPartialRead(std::vector<core::Finding>& findings, const QString& note);

} // namespace ks::ui
