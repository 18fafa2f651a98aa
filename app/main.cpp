// keepalive-scope: the desktop window (no command, or a capture file), or a headless sub-command.
#include "analyze_command.h"
#include "gui_command.h"
#include "lab_command.h"
#include "lb_profiles_command.h"
#include "lint_command.h"
#include "ui/about_dialog.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>


namespace {

constexpr const char* kUsage = "usage: keepalive-scope [CAPTURE]            open the desktop window (optionally with a capture)\n"
                               "       keepalive-scope COMMAND [ARGS]\n"
                               "\n"
                               "commands:\n"
                               "  analyze FILE|- [--json] [--all]   decode keepalive events from a pcap/pcapng capture\n"
                               "      [--lb NAME,..] [--lb-file F] [--settings F] [--fail-on warning|error] [--report OUT.md|.json]  and explain them (findings)\n"
                               "  lab --config FILE.json [--lb PROFILE] [--duration 20s] [--pcap OUT.pcap] [--json]\n"
                               "                                    run a gRPC channel against the embedded server (or a target),\n"
                               "                                    optionally through the load-balancer simulator, and watch the wire\n"
                               "  lint FILE.json [--lb NAME,..] [--json] [--fail-on L]  check an experiment file's keepalive settings\n"
                               "  lb-profiles [--lb-file F] [--json]  list the load-balancer profiles --lb accepts\n"
                               "  export CAPTURE --png OUT.png [--lb PROFILE] [--width W --height H]\n"
                               "                                    render the timeline to PNG/PDF/SVG without a display\n"
                               "  --version                         print versions\n"
                               "\n"
                               "example: ssh host tcpdump -U -w - port 50051 | keepalive-scope analyze -\n";

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty())
        return ks::app::runGui(argc, argv, {});
    if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
        std::printf("%s\n", ks::ui::versionsText().toStdString().c_str());
        return 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    if (command == "analyze")
        return ks::app::runAnalyze(args);
    if (command == "lab")
        return ks::app::runLab(args);
    if (command == "lint")
        return ks::app::runLint(args);
    if (command == "lb-profiles")
        return ks::app::runLbProfiles(args);
    if (command == "export")
        return ks::app::runExport(argc, argv, args);
    // Not a command: a capture to open in the window.
    if (command.find('.') != std::string::npos || command.find('/') != std::string::npos)
        return ks::app::runGui(argc, argv, command);
    std::fprintf(stderr, "keepalive-scope: unknown command '%s'\n%s", command.c_str(), kUsage);
    return 2;
}
