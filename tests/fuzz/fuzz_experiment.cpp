// libFuzzer target over the experiment-file parser (lint, analyze --settings, lab --config):
// whatever the bytes, parsing answers with an experiment or with messages, never a throw; a
// parsed experiment saves to JSON that parses back to the same experiment.
#include "core/experiment.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto load = ks::core::parseExperiment(text, "fuzz.json");
    if (load.experiment.has_value() == !load.errors.empty())
        __builtin_trap();
    for (const auto& e : load.errors)
        for (unsigned char c : e)
            if (c < 0x20 || c == 0x7f) // messages never carry control characters
                __builtin_trap();
    if (load.experiment) {
        const auto again = ks::core::parseExperiment(ks::core::experimentToJson(*load.experiment), "again.json");
        if (!again.experiment || !(*again.experiment == *load.experiment))
            __builtin_trap();
    }
    return 0;
}
