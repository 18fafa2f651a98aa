// `keepalive-scope lb-profiles`: the load-balancer catalogue, built-in and the user's own.
#pragma once

#include <string>
#include <vector>

namespace ks::app {

int runLbProfiles(const std::vector<std::string>& args);

} // namespace ks::app
