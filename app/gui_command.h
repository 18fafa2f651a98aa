// The desktop window, and the headless timeline export that renders the same view offscreen.
#pragma once

#include <string>
#include <vector>

namespace ks::app {

// keepalive-scope [CAPTURE]: argv is passed on to QApplication.
int runGui(int argc, char** argv, const std::string& capture);
// keepalive-scope export CAPTURE --png OUT.png [--lb a,b] [--width W --height H]
int runExport(int argc, char** argv, const std::vector<std::string>& args);

} // namespace ks::app
