// `keepalive-scope lint FILE.json`: the settings of an experiment file checked before any traffic.
#pragma once

#include <string>
#include <vector>

namespace ks::app {

int runLint(const std::vector<std::string>& args);

} // namespace ks::app
