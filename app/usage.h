// The usage text both programs print: keepalive-scope (engine commands) and keepalive-scope-gui
// (window, export, lab), which the user reaches through keepalive-scope.
#pragma once

namespace ks::app {

inline constexpr const char* kUsage
    = "usage: keepalive-scope [CAPTURE]            open the desktop window (optionally with a capture)\n"
      "       keepalive-scope COMMAND [ARGS]\n"
      "\n"
      "commands:\n"
      "  analyze FILE|- [--json] [--all]   decode keepalive events from a pcap/pcapng capture\n"
      "      [--lb NAME,..] [--lb-file F] [--settings F] [--fail-on warning|error] [--report OUT.md|.json]  and "
      "explain them (findings)\n"
      "  lab --config FILE.json [--lb PROFILE] [--duration 20s] [--pcap OUT.pcap] [--json]\n"
      "  lab --scenario NAME [--fixed]     run a bundled scenario (failing settings, or the fix)\n"
      "                                    run a gRPC channel against the embedded server (or a target),\n"
      "                                    optionally through the load-balancer simulator, and watch the wire\n"
      "  lint FILE.json [--lb NAME,..] [--json] [--fail-on L]  check an experiment file's keepalive settings\n"
      "  lb-profiles [--lb-file F] [--json]  list the load-balancer profiles --lb accepts\n"
      "  scenarios [NAME] [--json]         the scenario library: classic keepalive failures and their fixes\n"
      "  export CAPTURE --png OUT.png [--lb NAME,..] [--lb-file F] [--width W --height H]\n"
      "                                    render the timeline to PNG/PDF/SVG without a display\n"
      "  --version                         print versions\n"
      "\n"
      "example: ssh host tcpdump -U -w - port 50051 | keepalive-scope analyze -\n";

} // namespace ks::app
