// HTTP/2 registry names: error codes and settings identifiers (RFC 9113 sections 7 and 6.5.2).
#pragma once

#include <cstdint>
#include <string_view>

namespace ks::core {

// "NO_ERROR", "ENHANCE_YOUR_CALM", ...; "UNKNOWN_0x1f" style names are not returned: unknown
// codes give "UNKNOWN".
std::string_view http2ErrorName(std::uint32_t code);
// "HEADER_TABLE_SIZE", ...; "UNKNOWN" for identifiers outside the registry.
std::string_view http2SettingName(std::uint16_t id);

} // namespace ks::core
