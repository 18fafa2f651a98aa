// libFuzzer target over load-balancer profile files (--lb-file, the GUI's own profiles): parsed
// entries print back to a catalogue that parses to the same names, and --lb selection over them
// never throws.
#include "core/lb_catalogue.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto load = ks::core::parseLbCatalogue(text, "fuzz.json");
    for (const auto& e : load.errors)
        for (unsigned char c : e)
            if (c < 0x20 || c == 0x7f)
                __builtin_trap();
    if (load.entries.empty())
        return 0;
    const auto again = ks::core::parseLbCatalogue(ks::core::lbCatalogueJson(load.entries), "again.json");
    if (again.entries.size() != load.entries.size() || !again.errors.empty())
        __builtin_trap();
    std::string names;
    for (const auto& e : load.entries)
        names += (names.empty() ? "" : ",") + e.profile.name;
    const auto selected = ks::core::selectLbProfiles(names, load.entries);
    if (selected.entries.size() != load.entries.size())
        __builtin_trap();
    return 0;
}
