// libFuzzer target for the NSS key log reader (capture/key_log.cpp): the input is a key log's
// text (seeded with the reference captures' .keys files); every session it accepts must be found
// again by its client random, and warnings stay within their cap.
#include "capture/key_log.h"

#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ks::capture::KeyLog log;
    std::vector<std::string> warnings;
    log.addText(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", warnings);
    if (warnings.size() > ks::capture::KeyLog::kMaxWarningsPerSource + 1)
        __builtin_trap();
    ks::capture::KeyLog merged;
    merged.merge(log);
    if (merged.sessionCount() != log.sessionCount())
        __builtin_trap();
    ks::capture::ClientRandom random {};
    for (std::size_t i = 0; i < random.size() && i < size; ++i)
        random[i] = data[i];
    (void)log.find(random);
    return 0;
}
