// libFuzzer target over the keepalive settings: the input is one settings object, parsed as the
// client, server and tcp sections of an experiment; parsed settings go through everything that
// reads them (lint against the catalogue, the code snippets for every language).
#include "core/config_lint.h"
#include "core/experiment.h"
#include "core/lb_catalogue.h"
#include "core/settings_snippets.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string object(reinterpret_cast<const char*>(data), size);
    for (const char* side : { "client", "server", "tcp" }) {
        const std::string doc
            = std::string(R"({"format":"keepalive-scope-experiment","version":1,")") + side + "\":" + object + "}";
        const auto load = ks::core::parseExperiment(doc, "fuzz.json");
        if (!load.experiment)
            continue;
        const auto findings
            = ks::core::lintSettings(load.experiment->settings, ks::core::builtinLbCatalogue(), nullptr);
        for (const auto& f : findings)
            if (f.title.empty())
                __builtin_trap();
        for (auto language : ks::core::kSnippetLanguages)
            if (ks::core::settingsSnippet(load.experiment->settings, language).empty())
                __builtin_trap();
    }
    return 0;
}
