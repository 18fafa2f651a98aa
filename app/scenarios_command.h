// `keepalive-scope scenarios [NAME] [--json]`: the bundled scenario library (resources/scenarios/),
// listed, or one scenario with its paragraph and both experiments.
#pragma once

#include <string>
#include <vector>

namespace ks::app {

int runScenarios(const std::vector<std::string>& args);

} // namespace ks::app
