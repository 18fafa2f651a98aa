// `keepalive-scope lab --config FILE.json [--lb PROFILE] [--duration 20s] [--pcap OUT.pcap] [--json]`:
// a headless lab run, printed as `analyze` prints a capture.
#pragma once

#include <string>
#include <vector>

namespace ks::app {

int runLab(const std::vector<std::string>& args);

} // namespace ks::app
