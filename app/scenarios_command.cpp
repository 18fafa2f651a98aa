// The scenarios sub-command: the library as a list, or one scenario in full.
#include "scenarios_command.h"

#include "cli_options.h"
#include "core/scenario.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace ks::app {

namespace {

const CliCommand& scenariosCommand()
{
    static const CliCommand command {
        "keepalive-scope scenarios",
        "usage: keepalive-scope scenarios [NAME] [--json]\n",
        "  without NAME: every bundled scenario, one line each\n"
        "  NAME:         its title, paragraph, faults, expected findings and both experiments\n"
        "  run one:      keepalive-scope lab --scenario NAME [--fixed]\n",
        { { "--json", "", "print the scenario list, or the one scenario, as JSON" } },
        "",
        1,
        "scenario",
    };
    return command;
}

nlohmann::ordered_json scenarioJson(const core::Scenario& s, bool full)
{
    nlohmann::ordered_json j;
    j["name"] = s.name;
    j["title"] = s.title;
    j["teaches"] = s.teaches;
    j["duration_s"] = s.durationS;
    j["expect"] = s.expect;
    if (full) {
        j["paragraph"] = s.paragraph;
        auto faults = nlohmann::ordered_json::array();
        for (const auto& f : s.faults)
            faults.push_back({ { "at_s", f.atS }, { "action", f.action }, { "value", f.value } });
        j["faults"] = faults;
        j["failing"] = nlohmann::json::parse(core::experimentToJson(s.failing));
        j["fixed"] = nlohmann::json::parse(core::experimentToJson(s.fixed));
    }
    return j;
}

std::string wrap(const std::string& text, std::size_t width, const std::string& indent)
{
    std::string out, line;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += indent + line + "\n";
            line.clear();
        }
        if (!line.empty())
            line += ' ';
        line += word;
        start = end + 1;
    }
    if (!line.empty())
        out += indent + line + "\n";
    return out;
}

} // namespace

int runScenarios(const std::vector<std::string>& args)
{
    CliArgs parsed;
    if (const int status = parseCliOrExit(scenariosCommand(), args, parsed); status >= 0)
        return status;
    const bool json = parsed.has("--json");
    const std::string name = parsed.operands.empty() ? std::string() : parsed.operands.front();
    const auto& all = core::builtinScenarios();
    if (!name.empty()) {
        const auto* s = core::findScenario(name);
        if (!s) {
            std::fprintf(stderr, "keepalive-scope scenarios: no scenario named \"%s\" (known: %s)\n", name.c_str(),
                core::scenarioNames().c_str());
            return 2;
        }
        if (json) {
            std::printf("%s\n", scenarioJson(*s, true).dump(2).c_str());
            return 0;
        }
        std::printf("%s\n%s\n%s", s->name.c_str(), s->title.c_str(), wrap(s->paragraph, 96, "  ").c_str());
        std::printf("\nruns %g s; the failing run shows:", s->durationS);
        for (const auto& id : s->expect)
            std::printf(" %s", id.c_str());
        std::printf("\n");
        for (const auto& f : s->faults) {
            if (f.value != 0)
                std::printf("fault at %g s: %s %g\n", f.atS, f.action.c_str(), f.value);
            else
                std::printf("fault at %g s: %s\n", f.atS, f.action.c_str());
        }
        std::printf("\nfailing experiment:\n%s\nfixed experiment:\n%s", core::experimentToJson(s->failing).c_str(),
            core::experimentToJson(s->fixed).c_str());
        std::printf("\nrun it: keepalive-scope lab --scenario %s   (and with --fixed)\n", s->name.c_str());
        return 0;
    }
    if (json) {
        auto list = nlohmann::ordered_json::array();
        for (const auto& s : all)
            list.push_back(scenarioJson(s, false));
        std::printf("%s\n", list.dump(2).c_str());
        return 0;
    }
    std::size_t width = 4;
    for (const auto& s : all)
        width = std::max(width, s.name.size());
    for (const auto& s : all)
        std::printf("%-*s  %4.0f s  %s\n%*s  %s\n", int(width), s.name.c_str(), s.durationS, s.title.c_str(),
            int(width) + 9, "", s.teaches.c_str());
    std::printf("\n%zu scenarios. Details: keepalive-scope scenarios NAME; run: keepalive-scope lab --scenario NAME "
                "[--fixed]\n",
        all.size());
    return 0;
}

} // namespace ks::app
