// Helpers for messages about JSON the user wrote: where a parse failed (the field's path, e.g.
// "simulator.idle_timeout_s", not only a byte offset), and text from the file quoted so control
// characters and terminal escape sequences never reach the terminal raw.
#pragma once

#include <string>
#include <string_view>

namespace ks::core {

// Parses text and, when it is not valid JSON (or holds a number no double can hold, e.g. 1e400),
// returns "FIELD: what is wrong" or "not valid JSON (...)"; an empty string when it parses.
std::string jsonProblem(std::string_view text);

// A key as it appears in a field path: as is when it is a plain identifier, else quotedText().
std::string keyName(std::string_view key);

// text in double quotes, JSON-escaped: control characters, DEL, C1 controls and bytes that are
// not UTF-8 become \uXXXX or \xNN. Long text is cut at maxChars with "...".
std::string quotedText(std::string_view text, std::size_t maxChars = 200);

} // namespace ks::core
