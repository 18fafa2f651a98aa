// The lb-profiles sub-command: lists the catalogue (and checks user files given with --lb-file),
// as a table or as the catalogue's own JSON format.
#include "lb_profiles_command.h"

#include "findings_options.h"

#include <cstdio>

namespace ks::app {

namespace {

const CliCommand& lbProfilesCommand()
{
    static const CliCommand command {
        "keepalive-scope lb-profiles",
        "usage: keepalive-scope lb-profiles [--lb-file FILE.json]... [--json]\n"
        "  lists the load-balancer profiles --lb accepts: the built-in catalogue, then your own\n",
        "",
        {
            { "--lb-file", "FILE.json",
                "also load (and check) this file of profiles; bad entries are named, exit status 2", true },
            { "--json", "", "print the profiles in the catalogue's JSON format" },
        },
        "",
        0,
    };
    return command;
}

std::string tri(const std::optional<bool>& b)
{
    return b ? (*b ? "yes" : "no") : "?";
}

std::string secs(double s)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}

} // namespace

int runLbProfiles(const std::vector<std::string>& args)
{
    CliArgs parsed;
    if (const int status = parseCliOrExit(lbProfilesCommand(), args, parsed); status >= 0)
        return status;
    FindingsOptions options;
    options.lbFiles = parsed.all("--lb-file");
    const bool json = parsed.has("--json");
    const auto resolved = resolveProfiles(options);
    if (!resolved.errors.empty()) {
        for (const auto& e : resolved.errors)
            std::fprintf(stderr, "keepalive-scope lb-profiles: %s\n", e.c_str());
        return 2;
    }
    auto all = core::builtinLbCatalogue();
    all.insert(all.end(), resolved.userEntries.begin(), resolved.userEntries.end());
    if (json) {
        std::fputs(core::lbCatalogueJson(all).c_str(), stdout);
        return 0;
    }
    std::printf("%-18s %-10s %-14s %-11s %-6s %-5s %s\n", "name", "idle", "configurable", "on expiry", "TCP ka", "PING",
        "title");
    for (const auto& e : all) {
        const auto& p = e.profile;
        std::string range = "no";
        if (p.configurableMinS || p.configurableMaxS)
            range = (p.configurableMinS ? secs(*p.configurableMinS) : std::string("?")) + " .. "
                + (p.configurableMaxS ? secs(*p.configurableMaxS) : std::string("?"));
        std::printf("%-18s %-10s %-14s %-11s %-6s %-5s %s\n", p.name.c_str(), secs(p.idleTimeoutS).c_str(),
            range.c_str(), std::string(core::lbExpiryActionName(p.onExpiry)).c_str(),
            tri(p.tcpKeepaliveResetsIdle).c_str(), tri(e.http2PingResetsIdle).c_str(), p.title.c_str());
    }
    std::printf(
        "\nTCP ka / PING: whether TCP keep-alive probes / HTTP/2 PINGs reset the idle timer (? = not documented;\n"
        "findings treat an unknown TCP keep-alive as no and an unknown PING as yes).\n");
    if (!resolved.userEntries.empty())
        std::printf("%zu of these come from --lb-file; a name there overrides the built-in one for --lb.\n",
            resolved.userEntries.size());
    return 0;
}

} // namespace ks::app
