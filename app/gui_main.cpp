// keepalive-scope-gui: the desktop window (no command, or a capture file), the headless export,
// the lab and --version; started by keepalive-scope, which runs the engine commands itself.
#include "gui_command.h"
#include "lab_command.h"
#include "ui/about_dialog.h"
#include "usage.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty())
        return ks::app::runGui(argc, argv, {});
    if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::fputs(ks::app::kUsage, stdout);
        return 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
        std::printf("%s\n", ks::ui::versionsText().toStdString().c_str());
        return 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    if (command == "lab")
        return ks::app::runLab(args);
    if (command == "export")
        return ks::app::runExport(argc, argv, args);
    // Not a command: a capture to open in the window.
    if (command.find('.') != std::string::npos || command.find('/') != std::string::npos)
        return ks::app::runGui(argc, argv, command);
    std::fprintf(stderr, "keepalive-scope: unknown command '%s'\n%s", command.c_str(), ks::app::kUsage);
    return 2;
}
