// `keepalive-scope analyze FILE|- [--json] [--all]`: a capture in, events and summaries out.
#pragma once

#include <string>
#include <vector>

namespace ks::app {

int runAnalyze(const std::vector<std::string>& args);

// The capture `analyze` would read ("-" for standard input), or "" when the arguments do not
// parse (runAnalyze then says why).
std::string analyzeCapturePath(const std::vector<std::string>& args);

} // namespace ks::app
