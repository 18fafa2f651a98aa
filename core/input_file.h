// Reading the small text files users hand us (experiment files, load-balancer profiles): only
// regular files, and only up to a size no such file reaches, so `lint /dev/zero` or a FIFO gets
// a message instead of eating memory or waiting forever.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ks::core {

inline constexpr std::size_t kMaxInputFileBytes = 4 * 1024 * 1024;

// Reads path into text. Returns an empty string on success, else one line naming path and what
// is wrong ("is a directory, not <what>"). what: e.g. "an experiment file".
std::string readInputFile(
    const std::string& path, std::string_view what, std::string& text, std::size_t maxBytes = kMaxInputFileBytes);

} // namespace ks::core
