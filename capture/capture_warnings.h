// What a capture's results must say they leave out or bend: packets that could not be read,
// fragments never completed, timestamps that ran backwards or could not be represented.
#pragma once

#include "capture_engine.h"
#include "packet_source.h"

#include <string>
#include <vector>

namespace ks::capture {

// notes may be null (live capture: no file records).
std::vector<std::string> captureWarnings(const EngineCounters& counters, const SourceNotes* notes);

} // namespace ks::capture
